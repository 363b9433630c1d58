//! Alpine (apk) package versions, ordered as apk-tools orders them (`apk version -t`).
//!
//! Syntax: `N(.N)*[a-z]?(_SUFFIX[N])*[~HEX][-rN]`, with suffixes `alpha < beta < pre < rc < (none) < cvs < svn <
//! git < hg < p`.
//!
//! apk reads a version as a stream of tokens (initial number, `.number`, letter, `_suffix`, suffix number,
//! `~commit-hash`, `-rN` revision) and compares token by token:
//! - numbers numerically, except that a `.number` with a leading zero on either side compares as a string
//!   (Gentoo's rule: `1.02 < 1.1`);
//! - letters, suffixes (by rank) and commit hashes (as strings);
//! - when the token kinds differ, the version that goes on with a pre-release suffix is older; otherwise the
//!   version whose next token kind ranks later (hash < revision/end < invalid) is older: `1.2 < 1.2.1`,
//!   `1.2_rc1 < 1.2`, `1.2 < 1.2_p1`, `1.2 < 1.2-r0 < 1.2-r1`.
//!
//! Malformed versions (apk orders them too; the shared vectors pin the behaviour):
//! - a token that breaks the grammar (`1.2.0A`, `.r1`, `1.2_blah`, `..`) ends the version with an "invalid" mark
//!   that is older than any valid continuation; two versions that turn invalid at the same point compare by
//!   their remaining text, byte-wise (`0.8.21.r2 > 0.8.21.r1`);
//! - a letter may be followed by more numbers (`5.7.1p1-r1`, apk-tools 2.x reading);
//! - everything from the revision's `-` on is the tail: `-r` with no digits is `-r0`, and anything after the
//!   revision number (`1-r0-1`, `1-ruff`) is junk that makes the version older than the same revision without
//!   junk, and older than no revision at all when the revision is 0 (`1-ruff < 1 < 1-r0`); junk is not compared
//!   further (`1-r0-1 = 1-r0-2`).

use std::cmp::Ordering;

/// Suffix ranks; 5 (no suffix) is the pivot between pre- and post-release suffixes.
const SUFFIX_NONE: u8 = 5;

fn suffix_rank(s: &[u8]) -> Option<u8> {
    Some(match s {
        b"alpha" => 1,
        b"beta" => 2,
        b"pre" => 3,
        b"rc" => 4,
        b"cvs" => 6,
        b"svn" => 7,
        b"git" => 8,
        b"hg" => 9,
        b"p" => 10,
        _ => return None,
    })
}

/// One token. The declaration order of the variants is apk's kind rank (later = older when kinds differ).
#[derive(Clone, Copy, Debug)]
enum Tok<'a> {
    InitialDigit(&'a [u8]),
    Digit(&'a [u8]),
    Letter(u8),
    Suffix(u8),
    SuffixNo(&'a [u8]),
    Hash(&'a [u8]),
    /// Revision or end of version: (revision number digits, tail rank: 0 = junk after it, 1 = no revision,
    /// 2 = clean revision).
    Tail(&'a [u8], u8),
    /// The grammar broke here; the remaining text.
    Invalid(&'a [u8]),
}

impl Tok<'_> {
    fn kind(&self) -> u8 {
        match self {
            Tok::InitialDigit(_) => 0,
            Tok::Digit(_) => 1,
            Tok::Letter(_) => 2,
            Tok::Suffix(_) => 3,
            Tok::SuffixNo(_) => 4,
            Tok::Hash(_) => 5,
            Tok::Tail(..) => 6,
            Tok::Invalid(_) => 7,
        }
    }

    fn is_terminal(&self) -> bool {
        matches!(self, Tok::Tail(..) | Tok::Invalid(_))
    }
}

struct Lexer<'a> {
    rest: &'a [u8],
    /// Kind of the previous token; `None` before the first.
    prev: Option<u8>,
}

fn take_digits(s: &[u8]) -> usize {
    s.iter().take_while(|b| b.is_ascii_digit()).count()
}

impl<'a> Lexer<'a> {
    fn new(s: &'a [u8]) -> Lexer<'a> {
        Lexer {
            rest: s,
            prev: None,
        }
    }

    /// The tail, from the revision's `-` (or the end of the version).
    fn tail(&self) -> Tok<'a> {
        let Some(r) = self.rest.strip_prefix(b"-") else {
            return Tok::Tail(b"", 1);
        };
        let r = r.strip_prefix(b"r").unwrap_or(r);
        let n = take_digits(r);
        Tok::Tail(&r[..n], if n == r.len() { 2 } else { 0 })
    }

    fn next_tok(&mut self) -> Tok<'a> {
        let tok = self.lex();
        self.prev = Some(tok.kind());
        tok
    }

    fn digits(&mut self) -> &'a [u8] {
        let n = take_digits(self.rest);
        let (d, r) = self.rest.split_at(n);
        self.rest = r;
        d
    }

    fn lex(&mut self) -> Tok<'a> {
        let Some(prev) = self.prev else {
            let d = self.digits();
            return if d.is_empty() {
                Tok::Invalid(self.rest)
            } else {
                Tok::InitialDigit(d)
            };
        };
        let Some(&c) = self.rest.first() else {
            return self.tail();
        };
        match c {
            b'0'..=b'9' if prev <= 2 => Tok::Digit(self.digits()),
            b'0'..=b'9' if prev == 3 => Tok::SuffixNo(self.digits()),
            b'a'..=b'z' if prev <= 1 => {
                self.rest = &self.rest[1..];
                Tok::Letter(c)
            }
            b'.' if prev <= 1 => {
                let n = take_digits(&self.rest[1..]);
                if n == 0 {
                    return Tok::Invalid(self.rest);
                }
                let d = &self.rest[1..=n];
                self.rest = &self.rest[1 + n..];
                Tok::Digit(d)
            }
            b'_' if prev <= 4 => {
                let body = &self.rest[1..];
                let n = body.iter().take_while(|b| b.is_ascii_lowercase()).count();
                match suffix_rank(&body[..n]) {
                    Some(r) => {
                        self.rest = &body[n..];
                        Tok::Suffix(r)
                    }
                    None => Tok::Invalid(self.rest),
                }
            }
            b'~' if prev < 5 => {
                let body = &self.rest[1..];
                let n = body.iter().take_while(|b| b.is_ascii_hexdigit()).count();
                if n == 0 {
                    return Tok::Invalid(self.rest);
                }
                self.rest = &body[n..];
                Tok::Hash(&body[..n])
            }
            b'-' => self.tail(),
            _ => Tok::Invalid(self.rest),
        }
    }
}

fn cmp_num(a: &[u8], b: &[u8]) -> Ordering {
    let ta = &a[a.iter().position(|&c| c != b'0').unwrap_or(a.len())..];
    let tb = &b[b.iter().position(|&c| c != b'0').unwrap_or(b.len())..];
    ta.len().cmp(&tb.len()).then_with(|| ta.cmp(tb))
}

/// Compares two tokens of the same kind.
fn same_kind(a: &Tok<'_>, b: &Tok<'_>) -> Ordering {
    match (a, b) {
        (Tok::Digit(x), Tok::Digit(y)) if x.first() == Some(&b'0') || y.first() == Some(&b'0') => {
            x.cmp(y)
        }
        (Tok::InitialDigit(x), Tok::InitialDigit(y))
        | (Tok::Digit(x), Tok::Digit(y))
        | (Tok::SuffixNo(x), Tok::SuffixNo(y)) => cmp_num(x, y),
        (Tok::Letter(x), Tok::Letter(y)) | (Tok::Suffix(x), Tok::Suffix(y)) => x.cmp(y),
        (Tok::Hash(x), Tok::Hash(y)) | (Tok::Invalid(x), Tok::Invalid(y)) => x.cmp(y),
        (Tok::Tail(x, rx), Tok::Tail(y, ry)) => {
            // No revision ranks between junk and a clean `-r0`.
            let xn = if *rx == 1 { &b""[..] } else { x };
            let yn = if *ry == 1 { &b""[..] } else { y };
            cmp_num(xn, yn).then_with(|| rx.cmp(ry))
        }
        _ => Ordering::Equal,
    }
}

/// apk's version comparison (see the module docs).
pub(crate) fn compare(a: &str, b: &str) -> Ordering {
    let mut la = Lexer::new(a.as_bytes());
    let mut lb = Lexer::new(b.as_bytes());
    loop {
        let (ta, tb) = (la.next_tok(), lb.next_tok());
        if ta.kind() == tb.kind() {
            let r = same_kind(&ta, &tb);
            if r != Ordering::Equal || ta.is_terminal() {
                return r;
            }
            continue;
        }
        if let Tok::Suffix(s) = ta
            && s < SUFFIX_NONE
        {
            return Ordering::Less;
        }
        if let Tok::Suffix(s) = tb
            && s < SUFFIX_NONE
        {
            return Ordering::Greater;
        }
        return tb.kind().cmp(&ta.kind());
    }
}

/// A parsed (validated for emptiness only: apk orders even malformed versions) apk version.
#[derive(Clone, Debug)]
pub(crate) struct ApkVersion(Box<str>);

pub(crate) fn parse(s: &str) -> Result<ApkVersion, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("version string is empty".into());
    }
    Ok(ApkVersion(s.into()))
}

impl Ord for ApkVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        compare(&self.0, &other.0)
    }
}

impl PartialOrd for ApkVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for ApkVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for ApkVersion {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basics() {
        assert_eq!(compare("1.2", "1.2_rc1"), Ordering::Greater);
        assert_eq!(compare("1.2", "1.2_p1"), Ordering::Less);
        assert_eq!(compare("1.2-r1", "1.2"), Ordering::Greater);
        assert_eq!(compare("1.02", "1.1"), Ordering::Less);
    }
}
