//! The scanner: skip checks, keyword prefilter, regexes near the hits, validation, allow rules, redaction.

use crate::Error;
use crate::rules::{AllowRule, Rule, Span, Validator};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use base64::Engine as _;
use trawl_types::SecretFinding;

/// Files larger than this are skipped by default (10 MiB).
pub const DEFAULT_MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;

/// How many leading bytes are looked at to tell a binary file (one with a NUL byte there).
pub const BINARY_SNIFF_LEN: usize = 8 * 1024;

/// How far a line-span window reaches either side of a keyword hit in a very long line.
const LINE_CAP: usize = 4096;

/// Why a file was not scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SkipReason {
    /// A NUL byte in the first [`BINARY_SNIFF_LEN`] bytes.
    Binary,
    /// Larger than the scanner's maximum file size.
    TooLarge,
    /// An allow rule covers the whole file (test, example and documentation paths by default).
    AllowedPath,
}

impl SkipReason {
    /// Stable lower-case name (`binary`, `too-large`, `allowed-path`).
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::Binary => "binary",
            SkipReason::TooLarge => "too-large",
            SkipReason::AllowedPath => "allowed-path",
        }
    }
}

/// What a scan found, with counts of what was scanned and skipped (so a caller can say so).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScanOutcome {
    /// The findings, redacted.
    pub findings: Vec<SecretFinding>,
    /// Files whose content was scanned.
    pub files_scanned: u64,
    /// Files skipped because they are binary.
    pub skipped_binary: u64,
    /// Files skipped because they are too large.
    pub skipped_too_large: u64,
    /// Files skipped because an allow rule covers their path.
    pub skipped_allowed_path: u64,
}

impl ScanOutcome {
    /// Adds another outcome's findings and counts to this one.
    pub fn merge(&mut self, other: ScanOutcome) {
        self.findings.extend(other.findings);
        self.files_scanned += other.files_scanned;
        self.skipped_binary += other.skipped_binary;
        self.skipped_too_large += other.skipped_too_large;
        self.skipped_allowed_path += other.skipped_allowed_path;
    }

    /// Counts one skipped file.
    pub fn count_skip(&mut self, reason: SkipReason) {
        match reason {
            SkipReason::Binary => self.skipped_binary += 1,
            SkipReason::TooLarge => self.skipped_too_large += 1,
            SkipReason::AllowedPath => self.skipped_allowed_path += 1,
        }
    }
}

/// A compiled rule set. Build once, share between threads (`Scanner` is `Sync`).
#[derive(Debug)]
pub struct Scanner {
    rules: Vec<Rule>,
    allow: Vec<AllowRule>,
    /// Keyword automaton (every rule's keywords, ASCII case-insensitive); `None` when no rule has keywords.
    keywords: Option<AhoCorasick>,
    /// Keyword pattern index -> rules that use it.
    keyword_rules: Vec<Vec<usize>>,
    /// Rules without keywords: run on every file.
    always: Vec<usize>,
    /// Allow rules that skip whole files (path only, every rule).
    file_allow: Vec<usize>,
    max_file_size: u64,
}

/// A match before dedup and redaction (byte offsets into the file).
#[derive(Debug, Clone, Copy)]
struct Hit {
    rule: usize,
    secret: (usize, usize),
    matched: (usize, usize),
}

impl Scanner {
    /// A scanner over the given rules and allow rules.
    pub fn new(rules: Vec<Rule>, allow: Vec<AllowRule>) -> Result<Scanner, Error> {
        // Keyword -> rules. A keyword that contains another one is folded into it (its rules move to the shorter
        // keyword): then no keyword is a substring of another, so a leftmost search restarted one byte after each
        // match start finds every occurrence of every keyword, with the automaton's prefilter between matches
        // (an overlapping search cannot use it).
        let mut by_keyword: Vec<(String, Vec<usize>)> = Vec::new();
        let mut always = Vec::new();
        for (i, rule) in rules.iter().enumerate() {
            if rule.keywords.is_empty() {
                always.push(i);
            }
            for k in &rule.keywords {
                let k = k.to_ascii_lowercase();
                match by_keyword.iter_mut().find(|(x, _)| *x == k) {
                    Some((_, rs)) => rs.push(i),
                    None => by_keyword.push((k, vec![i])),
                }
            }
        }
        let keys: Vec<String> = by_keyword.iter().map(|(k, _)| k.clone()).collect();
        let mut folded: Vec<(String, Vec<usize>)> = Vec::new();
        for (k, rs) in &by_keyword {
            let inner: Vec<&String> = keys
                .iter()
                .filter(|o| *o != k && k.contains(o.as_str()))
                .collect();
            if inner.is_empty() {
                let mut rs = rs.clone();
                for (o, ors) in &by_keyword {
                    if o != k && o.contains(k.as_str()) {
                        rs.extend(ors);
                    }
                }
                rs.sort_unstable();
                rs.dedup();
                folded.push((k.clone(), rs));
            }
        }
        let patterns: Vec<&str> = folded.iter().map(|(k, _)| k.as_str()).collect();
        let keyword_rules: Vec<Vec<usize>> = folded.iter().map(|(_, rs)| rs.clone()).collect();
        let keywords = if patterns.is_empty() {
            None
        } else {
            Some(
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::LeftmostFirst)
                    // A full DFA: a few dozen keywords make a small one, and it is the fastest per byte (no
                    // prefilter helps here: the keywords start with too many different letters).
                    .kind(Some(AhoCorasickKind::DFA))
                    .build(&patterns)
                    .map_err(|e| Error::Keywords(e.to_string()))?,
            )
        };
        let file_allow = allow
            .iter()
            .enumerate()
            .filter(|(_, a)| a.path.is_some() && a.regex.is_none() && a.rules.is_empty())
            .map(|(i, _)| i)
            .collect();
        Ok(Scanner {
            rules,
            allow,
            keywords,
            keyword_rules,
            always,
            file_allow,
            max_file_size: DEFAULT_MAX_FILE_SIZE,
        })
    }

    /// The built-in rules and allow rules.
    pub fn builtin() -> Scanner {
        Scanner::new(
            crate::rules::builtin_rules(),
            crate::rules::builtin_allow_rules(),
        )
        .expect("the built-in keywords build an automaton (tested)")
    }

    /// Sets the size above which files are skipped.
    #[must_use]
    pub fn with_max_file_size(mut self, bytes: u64) -> Scanner {
        self.max_file_size = bytes;
        self
    }

    /// The size above which files are skipped.
    pub fn max_file_size(&self) -> u64 {
        self.max_file_size
    }

    /// The active rules.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The active allow rules.
    pub fn allow_rules(&self) -> &[AllowRule] {
        &self.allow
    }

    /// Whether a file of this path and size is skipped without reading it (too large, or an allowed path).
    pub fn skip_by_meta(&self, path: &str, size: u64) -> Option<SkipReason> {
        if size > self.max_file_size {
            return Some(SkipReason::TooLarge);
        }
        let allowed = self.file_allow.iter().any(|&i| {
            self.allow[i]
                .path
                .as_ref()
                .is_some_and(|p| p.is_match(path.as_bytes()))
        });
        allowed.then_some(SkipReason::AllowedPath)
    }

    /// Scans one file. `path` is relative to the root, without a leading `/`.
    pub fn scan_file(&self, path: &str, content: &[u8]) -> ScanOutcome {
        let mut out = ScanOutcome::default();
        if let Some(reason) = self.skip_by_meta(path, content.len() as u64) {
            out.count_skip(reason);
            return out;
        }
        if is_binary(content) {
            out.count_skip(SkipReason::Binary);
            return out;
        }
        out.files_scanned = 1;
        out.findings = self.scan_text(path, content, true);
        out
    }

    /// Scans content without the size, binary and whole-file path checks (the image config, a known text).
    pub fn scan_text(
        &self,
        path: &str,
        content: &[u8],
        apply_path_allow: bool,
    ) -> Vec<SecretFinding> {
        let hits = self.hits(path, content, apply_path_allow);
        self.findings(path, content, hits)
    }

    /// The text with every secret the rules find replaced by `*` (same length), or `None` when it holds none.
    pub fn redact_text(&self, text: &str) -> Option<String> {
        let hits = self.hits("", text.as_bytes(), false);
        if hits.is_empty() {
            return None;
        }
        let mut bytes = text.as_bytes().to_vec();
        for h in hits {
            for b in &mut bytes[h.secret.0..h.secret.1] {
                if *b != b'\n' && *b != b'\r' {
                    *b = b'*';
                }
            }
        }
        Some(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// Matches that pass entropy, validators and allow rules (overlaps not yet resolved).
    fn hits(&self, path: &str, content: &[u8], apply_path_allow: bool) -> Vec<Hit> {
        let mut windows: Vec<Vec<(usize, usize)>> = vec![Vec::new(); self.rules.len()];
        let mut applies: Vec<Option<bool>> = vec![None; self.rules.len()];
        let rule_applies = |i: usize, applies: &mut Vec<Option<bool>>| -> bool {
            *applies[i].get_or_insert_with(|| {
                self.rules[i]
                    .path
                    .as_ref()
                    .is_none_or(|p| p.is_match(path.as_bytes()))
            })
        };
        if let Some(ac) = &self.keywords {
            let mut at = 0;
            while let Some(m) = ac.find(aho_corasick::Input::new(content).span(at..content.len())) {
                at = m.start() + 1;
                for &i in &self.keyword_rules[m.pattern().as_usize()] {
                    // Already covered (a keyword repeated on one line): nothing to widen.
                    if windows[i]
                        .last()
                        .is_some_and(|&(ws, we)| ws <= m.start() && m.end() <= we)
                    {
                        continue;
                    }
                    if !rule_applies(i, &mut applies) {
                        continue;
                    }
                    let w = window(content, m.start(), m.end(), self.rules[i].span);
                    push_window(&mut windows[i], w);
                }
            }
        }
        for &i in &self.always {
            if rule_applies(i, &mut applies) {
                push_window(&mut windows[i], (0, content.len()));
            }
        }
        let mut hits = Vec::new();
        for (i, ws) in windows.iter().enumerate() {
            if ws.is_empty() {
                continue;
            }
            let rule = &self.rules[i];
            if let Some(req) = &rule.requires
                && !req.is_match(content)
            {
                continue;
            }
            let secret_group = rule.regex.capture_names().position(|n| n == Some("secret"));
            for &(ws, we) in ws {
                let hay = &content[ws..we];
                let mut locs = rule.regex.capture_locations();
                let mut at = 0;
                while at <= hay.len() {
                    let Some(m) = rule.regex.captures_read_at(&mut locs, hay, at) else {
                        break;
                    };
                    let (ms, me) = (m.start(), m.end());
                    at = if me > ms { me } else { me + 1 };
                    let (ss, se) = secret_group.and_then(|g| locs.get(g)).unwrap_or((ms, me));
                    if se <= ss {
                        continue;
                    }
                    // A quoted value must close with the quote it opened with.
                    if rule.validator == Some(Validator::NotPlaceholder)
                        && ws + ss > 0
                        && matches!(content[ws + ss - 1], b'"' | b'\'')
                        && content.get(ws + se) != Some(&content[ws + ss - 1])
                    {
                        continue;
                    }
                    let hit = Hit {
                        rule: i,
                        secret: (ws + ss, ws + se),
                        matched: (ws + ms, ws + me),
                    };
                    if self.accept(
                        rule,
                        path,
                        &content[hit.secret.0..hit.secret.1],
                        apply_path_allow,
                    ) {
                        hits.push(hit);
                    }
                }
            }
        }
        hits
    }

    /// Entropy, validator and allow rules.
    fn accept(&self, rule: &Rule, path: &str, secret: &[u8], apply_path_allow: bool) -> bool {
        if let Some(min) = rule.min_entropy
            && entropy(secret) < min
        {
            return false;
        }
        let valid = match rule.validator {
            None => true,
            Some(Validator::Jwt) => valid_jwt(secret),
            Some(Validator::DockerAuth) => valid_docker_auth(secret),
            Some(Validator::NotPlaceholder) => not_placeholder(secret),
        };
        if !valid {
            return false;
        }
        !self.allow.iter().any(|a| {
            (a.rules.is_empty() || a.rules.contains(&rule.id))
                && a.path
                    .as_ref()
                    .is_none_or(|p| apply_path_allow && p.is_match(path.as_bytes()))
                && a.regex.as_ref().is_none_or(|r| r.is_match(secret))
        })
    }

    /// Drops overlapping hits (the earlier rule wins), then builds redacted findings in file order.
    fn findings(&self, path: &str, content: &[u8], mut hits: Vec<Hit>) -> Vec<SecretFinding> {
        hits.sort_by_key(|h| (h.rule, h.secret.0, h.secret.1));
        let mut kept: Vec<Hit> = Vec::with_capacity(hits.len());
        for h in hits {
            if !kept
                .iter()
                .any(|k| h.secret.0 < k.secret.1 && k.secret.0 < h.secret.1)
            {
                kept.push(h);
            }
        }
        kept.sort_by_key(|h| h.secret.0);
        let secrets: Vec<(usize, usize)> = kept.iter().map(|h| h.secret).collect();
        let mut line_at = LineCounter::default();
        kept.iter()
            .map(|h| {
                let rule = &self.rules[h.rule];
                let end = h
                    .secret
                    .1
                    .max(h.matched.1)
                    .saturating_sub(1)
                    .max(h.secret.0);
                SecretFinding {
                    rule_id: rule.id.clone(),
                    category: rule.category.clone(),
                    severity: rule.severity,
                    title: rule.title.clone(),
                    path: path.to_owned(),
                    start_line: line_at.line(content, h.secret.0),
                    end_line: line_at.line(content, end),
                    redacted_match: redact(content, h.secret.0, end, &secrets),
                    layer: None,
                    suppressed: None,
                }
            })
            .collect()
    }
}

/// Whether the content looks binary: a NUL byte among its first [`BINARY_SNIFF_LEN`] bytes.
pub fn is_binary(content: &[u8]) -> bool {
    content[..content.len().min(BINARY_SNIFF_LEN)].contains(&0)
}

/// Shannon entropy in bits per byte.
pub fn entropy(s: &[u8]) -> f64 {
    if s.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in s {
        counts[b as usize] += 1;
    }
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// The window a rule's regex looks at for a keyword hit at `start..end`.
fn window(content: &[u8], start: usize, end: usize, span: Span) -> (usize, usize) {
    let line_start = |pos: usize| {
        let lo = pos.saturating_sub(LINE_CAP);
        content[lo..pos]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(lo, |p| lo + p + 1)
    };
    match span {
        Span::File => (0, content.len()),
        Span::Line => {
            let hi = (end + LINE_CAP).min(content.len());
            let e = content[end..hi]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(hi, |p| end + p);
            (line_start(start), e)
        }
        Span::Block(n) => (line_start(start), (end + n).min(content.len())),
    }
}

/// Appends a window, merging it into the previous one when they overlap.
fn push_window(ws: &mut Vec<(usize, usize)>, w: (usize, usize)) {
    if let Some(last) = ws.last_mut()
        && w.0 <= last.1
        && last.0 <= w.1
    {
        last.0 = last.0.min(w.0);
        last.1 = last.1.max(w.1);
        return;
    }
    ws.push(w);
}

/// 1-based line numbers for increasing offsets, counting newlines once.
#[derive(Default)]
struct LineCounter {
    pos: usize,
    line: usize,
}

impl LineCounter {
    fn line(&mut self, content: &[u8], at: usize) -> usize {
        if at < self.pos {
            *self = LineCounter::default();
        }
        self.line += content[self.pos..at]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.pos = at;
        self.line + 1
    }
}

/// The lines from the one holding `from` to the one holding `to`, every secret byte replaced by `*`;
/// secret-only lines are folded into one, and long lines cut around the first `*`.
fn redact(content: &[u8], from: usize, to: usize, secrets: &[(usize, usize)]) -> String {
    let start = content[..from]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let end = content[to..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(content.len(), |p| to + p);
    let mut bytes = content[start..end].to_vec();
    for &(s, e) in secrets {
        for i in s.max(start)..e.min(end) {
            let b = &mut bytes[i - start];
            if *b != b'\n' && *b != b'\r' {
                *b = b'*';
            }
        }
    }
    let text = String::from_utf8_lossy(&bytes);
    let mut lines: Vec<String> = Vec::new();
    for line in text.lines() {
        let all_stars = !line.is_empty() && line.bytes().all(|b| b == b'*');
        if all_stars && lines.last().is_some_and(|l| l == "****") {
            continue;
        }
        lines.push(if all_stars {
            "****".to_owned()
        } else {
            cut(line)
        });
    }
    lines.join("\n")
}

/// Cuts a long line to about 160 characters around its first `*`.
fn cut(line: &str) -> String {
    const MAX: usize = 160;
    let chars: Vec<char> = line.chars().collect();
    if chars.len() <= MAX {
        return line.to_owned();
    }
    let star = chars.iter().position(|&c| c == '*').unwrap_or(0);
    let from = star.saturating_sub(40);
    let to = (from + MAX).min(chars.len());
    let mut s = String::new();
    if from > 0 {
        s.push_str("...");
    }
    s.extend(&chars[from..to]);
    if to < chars.len() {
        s.push_str("...");
    }
    s
}

fn b64_decode_any(s: &[u8]) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    URL_SAFE_NO_PAD
        .decode(s)
        .or_else(|_| URL_SAFE.decode(s))
        .or_else(|_| STANDARD.decode(s))
        .or_else(|_| STANDARD_NO_PAD.decode(s))
        .ok()
}

fn valid_jwt(token: &[u8]) -> bool {
    let mut parts = token.split(|&b| b == b'.');
    let (Some(header), Some(payload)) = (parts.next(), parts.next()) else {
        return false;
    };
    let json = |part: &[u8]| -> Option<serde_json::Value> {
        serde_json::from_slice(&b64_decode_any(part)?)
            .ok()
            .filter(serde_json::Value::is_object)
    };
    let Some(header) = json(header) else {
        return false;
    };
    let alg_ok = header
        .get("alg")
        .and_then(serde_json::Value::as_str)
        .is_some_and(|alg| !alg.eq_ignore_ascii_case("none"));
    alg_ok && json(payload).is_some()
}

fn valid_docker_auth(value: &[u8]) -> bool {
    let Some(decoded) = b64_decode_any(value) else {
        return false;
    };
    let Ok(text) = std::str::from_utf8(&decoded) else {
        return false;
    };
    text.split_once(':').is_some_and(|(user, password)| {
        !user.is_empty() && !password.is_empty() && !password.chars().all(|c| c == 'x' || c == '*')
    })
}

/// Words that mark a value as a placeholder or as code rather than a literal secret.
const PLACEHOLDER_MARKS: &[&str] = &[
    "example",
    "changeme",
    "change_me",
    "change-me",
    "placeholder",
    "your",
    "xxx",
    "***",
    "...",
    "dummy",
    "sample",
    "redacted",
    "password",
    "passwd",
    "secret",
    "token",
    "fake",
    "test",
    "null",
    "none",
    "undefined",
    "todo",
    "fixme",
    "replace",
    "insert",
    "<",
    ">",
    "{{",
    "}}",
    "${",
    "%(",
    "%s",
    "://",
    "(",
    ")",
    "[",
    "]",
    "getenv",
    "environ",
    "process.env",
];

fn not_placeholder(value: &[u8]) -> bool {
    // Printable ASCII only: messages and prose in other scripts are not passwords in practice.
    if !value.iter().all(|b| (0x21..0x7f).contains(b)) {
        return false;
    }
    let Ok(v) = std::str::from_utf8(value) else {
        return false;
    };
    let lower = v.to_ascii_lowercase();
    if PLACEHOLDER_MARKS.iter().any(|m| lower.contains(m)) {
        return false;
    }
    if v.starts_with(['/', '$', '=', '@', '%', '.', '-', '~']) {
        return false;
    }
    // Code: dotted identifiers (`self.config.api_key`), identifiers (`auth_header_name`).
    let identifier = |s: &str| {
        s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    if v.split('.').all(identifier) && (v.contains('.') || !v.bytes().any(|b| b.is_ascii_digit())) {
        return false;
    }
    let classes = [
        v.bytes().any(|b| b.is_ascii_lowercase()),
        v.bytes().any(|b| b.is_ascii_uppercase()),
        v.bytes().any(|b| b.is_ascii_digit()),
        v.bytes().any(|b| !b.is_ascii_alphanumeric()),
    ];
    // A digit, or three character classes: constants such as `!important` or `django-insecure-` have neither.
    let n = classes.iter().filter(|&&c| c).count();
    (classes[2] && n >= 2) || n >= 3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_values() {
        assert_eq!(entropy(b""), 0.0);
        assert_eq!(entropy(b"aaaa"), 0.0);
        assert!((entropy(b"abcd") - 2.0).abs() < 1e-9);
    }

    #[test]
    fn binary_sniff() {
        assert!(is_binary(b"\x7fELF\x02\x01\x01\0"));
        assert!(!is_binary(b"plain text"));
        let mut late = vec![b'a'; BINARY_SNIFF_LEN];
        late.push(0);
        assert!(
            !is_binary(&late),
            "a NUL past the sniffed prefix does not count"
        );
    }

    #[test]
    fn windows_merge() {
        let mut ws = vec![];
        push_window(&mut ws, (0, 10));
        push_window(&mut ws, (5, 20));
        push_window(&mut ws, (30, 40));
        assert_eq!(ws, vec![(0, 20), (30, 40)]);
    }

    #[test]
    fn line_window() {
        let c = b"one\ntwo key three\nfour";
        let at = 8;
        assert_eq!(window(c, at, at + 3, Span::Line), (4, 17));
        assert_eq!(&c[4..17], b"two key three");
    }

    #[test]
    fn redaction_folds_and_cuts() {
        let c = b"a\nx = SECRETSECRET y\nz";
        let s = 6;
        let e = s + 12;
        assert_eq!(redact(c, s, e - 1, &[(s, e)]), "x = ************ y");
        let long = format!("{}TOKEN{}", "a".repeat(300), "b".repeat(300));
        let s = 300;
        let r = redact(long.as_bytes(), s, s + 4, &[(s, s + 5)]);
        assert!(
            r.starts_with("...") && r.ends_with("...") && r.contains("*****"),
            "{r}"
        );
        assert!(r.chars().count() < 170);
    }

    #[test]
    fn placeholders() {
        for v in [
            "changeme123",
            "${DB_PASS}",
            "your-key-here",
            "self.config.key",
            "auth_header_name",
            "abcdefgh",
        ] {
            assert!(!not_placeholder(v.as_bytes()), "{v}");
        }
        for v in ["Zq8#mK2!pL", "hG7dK2pQx9", "s3cr3T-V4lue"] {
            assert!(not_placeholder(v.as_bytes()), "{v}");
        }
    }
}
