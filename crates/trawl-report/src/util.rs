//! Helpers shared by several renderers: scores, URLs, fingerprints, escaping.

use trawl_types::{Finding, Severity};

/// The numeric score that stands for a severity when no CVSS score agrees with it (GitHub's
/// `security-severity` bands: critical ≥ 9.0, high ≥ 7.0, medium ≥ 4.0, low > 0).
pub(crate) fn severity_band_score(s: Severity) -> f64 {
    match s {
        Severity::Critical => 9.5,
        Severity::High => 8.0,
        Severity::Medium => 5.5,
        Severity::Low => 2.0,
        Severity::Unknown => 0.0,
    }
}

/// Trivy's integer severity (`VendorSeverity` values): 0 unknown .. 4 critical.
pub(crate) fn severity_int(s: Severity) -> u8 {
    match s {
        Severity::Unknown => 0,
        Severity::Low => 1,
        Severity::Medium => 2,
        Severity::High => 3,
        Severity::Critical => 4,
    }
}

/// A numeric score consistent with the finding's severity: a CVSS score whose qualitative rating equals the
/// severity when one exists (highest such), else the band score of the severity.
pub(crate) fn consistent_score(f: &Finding) -> f64 {
    let mut best: Option<f64> = None;
    for c in f.cvss.values() {
        for s in [c.v40_score, c.v3_score].into_iter().flatten() {
            if s.is_finite()
                && Severity::from_cvss_score(s) == f.severity
                && best.is_none_or(|b| s > b)
            {
                best = Some(s);
            }
        }
    }
    best.unwrap_or_else(|| severity_band_score(f.severity))
}

/// The best URL to read about an advisory ID.
pub(crate) fn advisory_url(f: &Finding) -> String {
    if let Some(u) = f.primary_url.as_deref().filter(|u| !u.is_empty()) {
        return u.to_owned();
    }
    id_url(&f.id)
}

/// A well-known URL for an advisory ID.
pub(crate) fn id_url(id: &str) -> String {
    let upper = id.to_ascii_uppercase();
    if upper.starts_with("CVE-") {
        format!("https://nvd.nist.gov/vuln/detail/{upper}")
    } else if upper.starts_with("GHSA-") {
        format!("https://github.com/advisories/{id}")
    } else {
        format!("https://osv.dev/vulnerability/{id}")
    }
}

/// The first 12 hex digits of a `sha256:...` digest (`sha256:` dropped).
pub(crate) fn short_digest(d: &str) -> String {
    let hex = d.split_once(':').map_or(d, |(_, h)| h);
    hex.chars().take(12).collect()
}

/// A stable 64-bit FNV-1a hash of `parts` joined by 0x1f (unit separator), as 16 hex digits.
pub(crate) fn fnv1a_hex(parts: &[&str]) -> String {
    let mut h = trawl_types::hash::Fnv1a::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            h = h.update(&[0x1f]);
        }
        h = h.update(p.as_bytes());
    }
    h.hex()
}

/// A one-line version of free text (newlines and tabs become spaces, runs of spaces collapse).
pub(crate) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One suppressed item of any kind, for the human formats.
pub(crate) struct SuppressedItem<'a> {
    /// `vulnerability`, `secret`, `misconfiguration`.
    pub(crate) kind: &'static str,
    /// Advisory ID, secret rule ID or check ID.
    pub(crate) id: &'a str,
    /// The package (vulnerabilities) or the file (secrets, misconfigurations).
    pub(crate) subject: &'a str,
    /// Installed version (vulnerabilities only).
    pub(crate) version: &'a str,
    pub(crate) severity: Severity,
    pub(crate) suppression: Option<&'a trawl_types::Suppression>,
}

impl SuppressedItem<'_> {
    /// `ignore-file .trivyignore`.
    pub(crate) fn by(&self) -> String {
        self.suppression
            .map(|s| format!("{} {}", s.kind, s.source))
            .unwrap_or_default()
    }

    /// The statement, else the VEX status.
    pub(crate) fn statement(&self) -> String {
        self.suppression
            .and_then(|s| s.statement.as_deref().or(s.vex_status.as_deref()))
            .map(one_line)
            .unwrap_or_default()
    }
}

/// Every suppressed vulnerability, secret and misconfiguration of a result.
pub(crate) fn suppressed_items(r: &crate::ScanResult) -> Vec<SuppressedItem<'_>> {
    let mut out: Vec<SuppressedItem<'_>> = r
        .suppressed
        .iter()
        .map(|f| SuppressedItem {
            kind: "vulnerability",
            id: &f.id,
            subject: &f.pkg_name,
            version: &f.installed_version,
            severity: f.severity,
            suppression: f.suppressed.as_ref(),
        })
        .collect();
    out.extend(r.suppressed_secrets.iter().map(|s| SuppressedItem {
        kind: "secret",
        id: &s.rule_id,
        subject: &s.path,
        version: "",
        severity: s.severity,
        suppression: s.suppressed.as_ref(),
    }));
    out.extend(
        r.suppressed_misconfigurations
            .iter()
            .map(|m| SuppressedItem {
                kind: "misconfiguration",
                id: &m.id,
                subject: &m.path,
                version: "",
                severity: m.severity,
                suppression: m.suppressed.as_ref(),
            }),
    );
    out
}

/// `s`, or `unnamed` when it is blank (formats whose names must not be empty).
pub(crate) fn name_or_unnamed(s: &str) -> String {
    if s.trim().is_empty() {
        "unnamed".to_owned()
    } else {
        s.to_owned()
    }
}

/// Cuts `s` to at most `max` characters, ending with `…` when cut.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The one-line title of a finding: its title, else the start of its description.
pub(crate) fn finding_title(f: &Finding) -> String {
    match (&f.title, &f.description) {
        (Some(t), _) if !t.trim().is_empty() => one_line(t),
        (_, Some(d)) if !d.trim().is_empty() => truncate(&one_line(d), 100),
        _ => String::new(),
    }
}

/// Sorts findings the way humans read them: most severe first, then ID, package, version.
pub(crate) fn sort_findings<T>(v: &mut [T], f: impl Fn(&T) -> &Finding) {
    v.sort_by(|a, b| {
        let (a, b) = (f(a), f(b));
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.pkg_name.cmp(&b.pkg_name))
            .then_with(|| a.id.cmp(&b.id))
            .then_with(|| a.installed_version.cmp(&b.installed_version))
    });
}

/// Escapes text for XML element content and attribute values, dropping characters XML 1.0 forbids.
pub(crate) fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// One declared licence string as a canonical SPDX expression of listed IDs, if it is (or plainly means) one.
fn spdx_one(l: &str) -> Option<String> {
    let canonical = match spdx::Expression::canonicalize(l) {
        Ok(Some(c)) => c,
        Ok(None) => l.to_owned(),
        Err(_) => return None,
    };
    // LicenseRef/DocumentRef/AdditionRef need extracted licence texts we do not have.
    if canonical.contains("Ref-") {
        return None;
    }
    spdx::Expression::parse(&canonical).ok().map(|_| canonical)
}

/// A valid SPDX licence expression for declared licence strings, if they form one: each string is tried as an
/// expression (imprecise names such as `GPL2+` or `Apache 2` canonicalised), a space-separated list of licences
/// (apk's `MIT BSD-2-Clause`) becomes an AND of them, several strings are joined with AND. `None` when any part is
/// not a listed SPDX licence (the caller writes `NOASSERTION` or the raw name).
pub(crate) fn spdx_expression(licenses: &[String]) -> Option<String> {
    let mut parts = Vec::new();
    for l in licenses {
        let l = l.trim();
        if l.is_empty() {
            continue;
        }
        let one = spdx_one(l).or_else(|| {
            let words: Vec<&str> = l.split_whitespace().collect();
            if words.len() < 2
                || words
                    .iter()
                    .any(|w| matches!(w.to_ascii_uppercase().as_str(), "AND" | "OR" | "WITH"))
            {
                return None;
            }
            let mapped: Option<Vec<String>> = words.iter().map(|w| spdx_one(w)).collect();
            mapped.map(|m| m.join(" AND "))
        })?;
        parts.push(one);
    }
    match parts.len() {
        0 => None,
        1 => parts.pop(),
        _ => Some(
            parts
                .iter()
                .map(|p| {
                    if p.contains(' ') {
                        format!("({p})")
                    } else {
                        p.clone()
                    }
                })
                .collect::<Vec<_>>()
                .join(" AND "),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use trawl_types::Cvss;

    #[test]
    fn score_agrees_with_severity() {
        let mut cvss = BTreeMap::new();
        cvss.insert(
            "nvd".to_owned(),
            Cvss {
                v3_score: Some(9.8),
                v3_vector: Some("CVSS:3.1/AV:N".into()),
                ..Default::default()
            },
        );
        let mut f = Finding {
            severity: Severity::Critical,
            cvss,
            ..Default::default()
        };
        assert!((consistent_score(&f) - 9.8).abs() < f64::EPSILON);
        // Vendor said LOW although NVD says 9.8: the score must not contradict the level we show.
        f.severity = Severity::Low;
        assert!((consistent_score(&f) - 2.0).abs() < f64::EPSILON);
    }

    #[test]
    fn fnv_is_stable() {
        // Known FNV-1a 64 value of "a".
        assert_eq!(fnv1a_hex(&["a"]), "af63dc4c8601ec8c");
        assert_ne!(fnv1a_hex(&["ab", "c"]), fnv1a_hex(&["a", "bc"]));
    }

    #[test]
    fn xml_escape_drops_controls() {
        assert_eq!(
            xml_escape("a<b>&\"'\u{1}"),
            "a&lt;b&gt;&amp;&quot;&apos;\u{FFFD}"
        );
    }

    #[test]
    fn short_digests() {
        assert_eq!(
            short_digest("sha256:14e3f54ecf55c249889008"),
            "14e3f54ecf55"
        );
        assert_eq!(short_digest("abc"), "abc");
    }

    #[test]
    fn licences() {
        assert_eq!(spdx_expression(&["MIT".into()]).as_deref(), Some("MIT"));
        assert_eq!(
            spdx_expression(&["GPL-2.0-or-later".into(), "MIT".into()]).as_deref(),
            Some("GPL-2.0-or-later AND MIT")
        );
        assert_eq!(
            spdx_expression(&["MIT BSD-2-Clause".into()]).as_deref(),
            Some("MIT AND BSD-2-Clause")
        );
        assert_eq!(spdx_expression(&["some custom licence".into()]), None);
        assert_eq!(
            spdx_expression(&["GPL2+".into()]).as_deref(),
            Some("GPL-2.0-or-later")
        );
        assert_eq!(spdx_expression(&["LicenseRef-foo".into()]), None);
        assert_eq!(spdx_expression(&[]), None);
    }
}
