//! Ignore files: `.trivyignore` text syntax and a YAML form.

use crate::PolicyError;
use globset::{Glob, GlobMatcher};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use trawl_types::{Purl, Suppression};

/// Which findings an entry applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IgnoreKind {
    /// Text-file entries: any finding whose ID matches (vulnerability, secret rule, check ID).
    Any,
    /// Vulnerabilities (ID or alias).
    Vulnerability,
    /// Secret rule IDs.
    Secret,
    /// Misconfiguration check IDs.
    Misconfiguration,
}

impl IgnoreKind {
    /// Whether an entry of this kind applies to findings of kind `other`.
    pub fn covers(self, other: IgnoreKind) -> bool {
        self == IgnoreKind::Any || self == other
    }
}

/// One ignore entry.
#[derive(Debug, Clone)]
pub struct IgnoreEntry {
    /// What it applies to.
    pub kind: IgnoreKind,
    /// The ID (CVE, GHSA, rule or check ID).
    pub id: String,
    /// 1-based line in the file.
    pub line: usize,
    /// Expiry date `YYYY-MM-DD` (the entry stops applying on that day, 00:00 UTC).
    pub expires: Option<String>,
    /// Reason / statement.
    pub reason: Option<String>,
    /// Path globs (any must match the result target or the package path); empty = everywhere.
    pub paths: Vec<GlobMatcher>,
    /// Constraint purls; empty = any package.
    pub purls: Vec<Purl>,
}

impl IgnoreEntry {
    /// Whether the entry has expired as of `today` (`YYYY-MM-DD`).
    pub fn is_expired(&self, today: &str) -> bool {
        self.expires.as_deref().is_some_and(|e| e <= today)
    }

    /// Whether the path constraint holds for any of `candidates`.
    pub fn paths_match(&self, candidates: &[&str]) -> bool {
        self.paths.is_empty()
            || candidates.iter().filter(|c| !c.is_empty()).any(|c| {
                let c = c.trim_start_matches('/');
                self.paths.iter().any(|g| g.is_match(c))
            })
    }

    /// Whether the purl constraint holds for the finding's package purl.
    pub fn purls_match(&self, purl: Option<&Purl>) -> bool {
        if self.purls.is_empty() {
            return true;
        }
        let Some(purl) = purl else { return false };
        self.purls
            .iter()
            .any(|c| crate::purl::constraint_matches(c, purl))
    }
}

/// A loaded ignore file.
#[derive(Debug, Clone)]
pub struct IgnoreFile {
    /// Where it was read from.
    pub path: PathBuf,
    /// Its entries.
    pub entries: Vec<IgnoreEntry>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum YamlDoc {
    Sections(YamlSections),
    List(Vec<YamlEntry>),
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct YamlSections {
    #[serde(default)]
    vulnerabilities: Vec<YamlEntry>,
    #[serde(default)]
    secrets: Vec<YamlEntry>,
    #[serde(default)]
    misconfigurations: Vec<YamlEntry>,
    #[serde(default)]
    licenses: Vec<YamlEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YamlEntry {
    id: String,
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    purls: Vec<String>,
    #[serde(default, alias = "expired_at")]
    expires: Option<String>,
    #[serde(default, alias = "statement")]
    reason: Option<String>,
}

fn valid_date(s: &str) -> bool {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s, &fmt).is_ok()
}

impl IgnoreFile {
    /// Loads a text or YAML ignore file (YAML when the name ends in `.yaml` or `.yml`).
    pub fn load(path: &Path) -> Result<IgnoreFile, PolicyError> {
        let text = std::fs::read_to_string(path).map_err(|cause| PolicyError::Read {
            path: path.to_owned(),
            cause,
        })?;
        let yaml = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"));
        if yaml {
            Self::parse_yaml(path, &text)
        } else {
            Self::parse_text(path, &text)
        }
    }

    /// Parses the `.trivyignore` text syntax.
    pub fn parse_text(path: &Path, text: &str) -> Result<IgnoreFile, PolicyError> {
        let mut entries = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut fields = line.split_whitespace();
            let Some(id) = fields.next() else { continue };
            let mut expires = None;
            for f in fields {
                if f.starts_with('#') {
                    break;
                }
                if let Some(d) = f.strip_prefix("exp:") {
                    if !valid_date(d) {
                        return Err(PolicyError::Syntax {
                            path: path.to_owned(),
                            line: i + 1,
                            message: format!(
                                "malformed expiry `{f}` for {id}: expected exp:YYYY-MM-DD"
                            ),
                        });
                    }
                    expires = Some(d.to_owned());
                }
            }
            entries.push(IgnoreEntry {
                kind: IgnoreKind::Any,
                id: id.to_owned(),
                line: i + 1,
                expires,
                reason: None,
                paths: Vec::new(),
                purls: Vec::new(),
            });
        }
        Ok(IgnoreFile {
            path: path.to_owned(),
            entries,
        })
    }

    /// Parses the YAML form.
    pub fn parse_yaml(path: &Path, text: &str) -> Result<IgnoreFile, PolicyError> {
        let syntax = |line: usize, message: String| PolicyError::Syntax {
            path: path.to_owned(),
            line,
            message,
        };
        if text.trim().is_empty() {
            return Ok(IgnoreFile {
                path: path.to_owned(),
                entries: Vec::new(),
            });
        }
        let doc: YamlDoc =
            serde_saphyr::from_str(text).map_err(|e| syntax(0, format!("invalid YAML: {e}")))?;
        let sections = match doc {
            YamlDoc::Sections(s) => s,
            YamlDoc::List(v) => YamlSections {
                vulnerabilities: v,
                ..Default::default()
            },
        };
        let mut entries = Vec::new();
        let groups = [
            (IgnoreKind::Vulnerability, sections.vulnerabilities),
            (IgnoreKind::Secret, sections.secrets),
            (IgnoreKind::Misconfiguration, sections.misconfigurations),
            (IgnoreKind::Any, sections.licenses),
        ];
        for (kind, list) in groups {
            for e in list {
                let line = line_of(text, &e.id);
                if let Some(d) = &e.expires
                    && !valid_date(d)
                {
                    return Err(syntax(
                        line,
                        format!("malformed expiry `{d}` for {}: expected YYYY-MM-DD", e.id),
                    ));
                }
                let mut paths = Vec::new();
                for p in &e.paths {
                    let g = Glob::new(p.trim_start_matches('/'))
                        .map_err(|err| syntax(line, format!("invalid path glob `{p}`: {err}")))?;
                    paths.push(g.compile_matcher());
                }
                let purls = e
                    .purls
                    .iter()
                    .map(|p| p.parse::<Purl>())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|err| syntax(line, err.to_string()))?;
                entries.push(IgnoreEntry {
                    kind,
                    id: e.id,
                    line,
                    expires: e.expires,
                    reason: e.reason,
                    paths,
                    purls,
                });
            }
        }
        Ok(IgnoreFile {
            path: path.to_owned(),
            entries,
        })
    }

    pub(crate) fn suppression(&self, e: &IgnoreEntry) -> Suppression {
        Suppression {
            kind: "ignore-file".into(),
            source: format!("{}:{}", self.path.display(), e.line),
            statement: e.reason.clone(),
            vex_status: None,
        }
    }
}

/// The first line mentioning `id` (for error messages and suppression sources).
fn line_of(text: &str, id: &str) -> usize {
    text.lines()
        .position(|l| l.contains(id))
        .map_or(0, |i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_syntax() {
        let f = IgnoreFile::parse_text(
            Path::new(".trivyignore"),
            "# accepted\nCVE-2023-1\n\n  CVE-2023-2 exp:2024-01-01 other:x\nGHSA-xxxx-yyyy-zzzz # trailing\n",
        )
        .expect("valid");
        let ids: Vec<_> = f.entries.iter().map(|e| (e.id.as_str(), e.line)).collect();
        assert_eq!(
            ids,
            [
                ("CVE-2023-1", 2),
                ("CVE-2023-2", 4),
                ("GHSA-xxxx-yyyy-zzzz", 5)
            ]
        );
        assert_eq!(f.entries[1].expires.as_deref(), Some("2024-01-01"));
        assert!(f.entries[1].is_expired("2024-01-01"));
        assert!(!f.entries[1].is_expired("2023-12-31"));
    }

    #[test]
    fn malformed_date_names_line() {
        let err = IgnoreFile::parse_text(Path::new("ign"), "CVE-1\nCVE-2 exp:2024-13-01\n")
            .expect_err("bad month");
        assert_eq!(
            err.to_string(),
            "ign:2: malformed expiry `exp:2024-13-01` for CVE-2: expected exp:YYYY-MM-DD"
        );
    }

    #[test]
    fn yaml_form() {
        let text = "vulnerabilities:\n  - id: CVE-2023-1\n    paths: [\"usr/lib/**\"]\n    purls: [\"pkg:deb/debian/tar\"]\n    expires: 2030-01-01\n    reason: accepted\nsecrets:\n  - id: aws-access-key-id\n";
        let f = IgnoreFile::parse_yaml(Path::new("i.yaml"), text).expect("valid");
        assert_eq!(f.entries.len(), 2);
        let e = &f.entries[0];
        assert_eq!(e.line, 2);
        assert!(e.paths_match(&["", "/usr/lib/x/y.jar"]));
        assert!(!e.paths_match(&["etc/x"]));
        let purl = |s: &str| s.parse::<Purl>().expect("purl");
        assert!(e.purls_match(Some(&purl("pkg:deb/debian/tar@1.34?arch=amd64"))));
        assert!(!e.purls_match(Some(&purl("pkg:deb/debian/tarx@1.34"))));
        assert_eq!(f.entries[1].kind, IgnoreKind::Secret);
    }

    #[test]
    fn yaml_errors() {
        let err = IgnoreFile::parse_yaml(
            Path::new("i.yaml"),
            "vulnerabilities:\n  - id: CVE-1\n    expires: soon\n",
        )
        .expect_err("bad date");
        assert!(
            err.to_string()
                .starts_with("i.yaml:2: malformed expiry `soon`"),
            "{err}"
        );
        let err = IgnoreFile::parse_yaml(Path::new("i.yaml"), "vulnerabilities: [{ idd: x }]\n")
            .expect_err("unknown field");
        assert!(err.to_string().contains("invalid YAML"), "{err}");
    }
}
