//! Policy: which findings survive a scan, and whether the build fails.
//!
//! Order of operations (Trivy's documented order): severity filter, status filter, ignore file, VEX. Findings
//! removed by the severity or status filter are dropped; findings removed by an ignore file or VEX are kept as
//! *suppressed* (with the reason) so `--show-suppressed` can list them.
#![warn(missing_docs)]

mod ignore;
mod purl;
mod vex;

pub use ignore::{IgnoreEntry, IgnoreFile, IgnoreKind};
pub use vex::VexDocument;

use std::path::PathBuf;
use trawl_types::{Finding, Misconfiguration, SecretFinding, Severity, Status, Warning};

/// A policy error: a file that cannot be read or parsed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The file could not be read.
    #[error("cannot read {path}: {cause}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error (its text is part of this error's message, so it is not exposed as `source()`: a chain would print it twice).
        cause: std::io::Error,
    },
    /// A line or entry is malformed.
    #[error("{path}:{line}: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line (0 when unknown).
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// The statuses `--ignore-unfixed` drops (Trivy's definition).
pub const UNFIXED_STATUSES: &[Status] = &[
    Status::Affected,
    Status::WillNotFix,
    Status::FixDeferred,
    Status::EndOfLife,
];

/// A resolved policy.
#[derive(Debug, Default)]
pub struct Policy {
    /// Severities kept (empty = all).
    pub severities: Vec<Severity>,
    /// Statuses dropped.
    pub ignore_statuses: Vec<Status>,
    /// Vendor status words dropped (`no-dsa`, `postponed`, `ignored`, `deferred`...; lower case), matched
    /// against each finding's `vendor_status`.
    pub ignore_vendor_statuses: Vec<String>,
    /// Ignore files, in order.
    pub ignore_files: Vec<IgnoreFile>,
    /// VEX documents.
    pub vex: Vec<VexDocument>,
    /// Drop findings whose vulnerable code is not in the binary (reachability `not_reachable`).
    pub skip_unreachable: bool,
    /// "Now", as a UTC date `YYYY-MM-DD`, for expiry checks (injectable for tests).
    pub today: String,
}

/// What the policy did to one result's findings.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Findings that survive.
    pub kept: Vec<Finding>,
    /// Findings suppressed by an ignore file or VEX (with `suppressed` set).
    pub suppressed: Vec<Finding>,
}

impl Policy {
    /// Today's UTC date as `YYYY-MM-DD`.
    pub fn today_utc() -> String {
        let now = time::OffsetDateTime::now_utc();
        format!(
            "{:04}-{:02}-{:02}",
            now.year(),
            u8::from(now.month()),
            now.day()
        )
    }

    /// Warnings for ignore entries that have expired (they no longer suppress anything).
    pub fn expiry_warnings(&self) -> Vec<Warning> {
        let mut out = Vec::new();
        for f in &self.ignore_files {
            for e in &f.entries {
                if e.is_expired(&self.today) {
                    out.push(Warning {
                        message: format!(
                            "{}:{}: ignore entry for {} expired on {} and no longer applies",
                            f.path.display(),
                            e.line,
                            e.id,
                            e.expires.as_deref().unwrap_or("?")
                        ),
                        path: Some(f.path.display().to_string()),
                        layer: None,
                    });
                }
            }
        }
        out
    }

    fn severity_kept(&self, s: Severity) -> bool {
        self.severities.is_empty() || self.severities.contains(&s)
    }

    /// Applies the policy to the vulnerabilities of one result (`target` is the result's target, used by
    /// ignore-file `paths`).
    pub fn apply_vulns(&self, target: &str, findings: Vec<Finding>) -> Outcome {
        let mut out = Outcome::default();
        for mut f in findings {
            if !self.severity_kept(f.severity)
                || self.ignore_statuses.contains(&f.status)
                || (self.skip_unreachable
                    && f.reachability
                        .as_ref()
                        .is_some_and(|r| r.status == trawl_types::ReachabilityStatus::NotReachable))
                || f.vendor_status.as_deref().is_some_and(|w| {
                    self.ignore_vendor_statuses
                        .iter()
                        .any(|x| x.eq_ignore_ascii_case(w))
                })
            {
                continue;
            }
            // The matcher already suppressed it (the vendor says not affected): kept with that reason.
            if f.suppressed.is_some() {
                out.suppressed.push(f);
                continue;
            }
            if let Some(s) = self.ignore_match(IgnoreKind::Vulnerability, target, &f) {
                f.suppressed = Some(s);
                out.suppressed.push(f);
                continue;
            }
            if let Some(s) = self.vex.iter().find_map(|v| v.suppresses(&f)) {
                f.suppressed = Some(s);
                out.suppressed.push(f);
                continue;
            }
            out.kept.push(f);
        }
        out
    }

    fn ignore_match(
        &self,
        kind: IgnoreKind,
        target: &str,
        f: &Finding,
    ) -> Option<trawl_types::Suppression> {
        self.ignore_files.iter().find_map(|file| {
            file.entries
                .iter()
                .filter(|e| e.kind.covers(kind) && !e.is_expired(&self.today))
                .find(|e| {
                    f.has_id(&e.id)
                        && e.paths_match(&[target, &f.pkg_path])
                        && e.purls_match(f.purl.as_ref())
                })
                .map(|e| file.suppression(e))
        })
    }

    /// Applies severity and ignore rules to secrets. Returns (kept, suppressed).
    pub fn apply_secrets(
        &self,
        secrets: Vec<SecretFinding>,
    ) -> (Vec<SecretFinding>, Vec<SecretFinding>) {
        let mut kept = Vec::new();
        let mut suppressed = Vec::new();
        for mut s in secrets {
            if !self.severity_kept(s.severity) {
                continue;
            }
            let hit = self.ignore_files.iter().find_map(|file| {
                file.entries
                    .iter()
                    .filter(|e| e.kind.covers(IgnoreKind::Secret) && !e.is_expired(&self.today))
                    .find(|e| e.id.eq_ignore_ascii_case(&s.rule_id) && e.paths_match(&[&s.path]))
                    .map(|e| file.suppression(e))
            });
            match hit {
                Some(sup) => {
                    s.suppressed = Some(sup);
                    suppressed.push(s);
                }
                None => kept.push(s),
            }
        }
        (kept, suppressed)
    }

    /// Applies severity and ignore rules to misconfigurations. Returns (kept, suppressed).
    pub fn apply_misconfigs(
        &self,
        items: Vec<Misconfiguration>,
    ) -> (Vec<Misconfiguration>, Vec<Misconfiguration>) {
        let mut kept = Vec::new();
        let mut suppressed = Vec::new();
        for mut m in items {
            if !self.severity_kept(m.severity) {
                continue;
            }
            let hit = self.ignore_files.iter().find_map(|file| {
                file.entries
                    .iter()
                    .filter(|e| {
                        e.kind.covers(IgnoreKind::Misconfiguration) && !e.is_expired(&self.today)
                    })
                    .find(|e| e.id.eq_ignore_ascii_case(&m.id) && e.paths_match(&[&m.path]))
                    .map(|e| file.suppression(e))
            });
            match hit {
                Some(sup) => {
                    m.suppressed = Some(sup);
                    suppressed.push(m);
                }
                None => kept.push(m),
            }
        }
        (kept, suppressed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn f(id: &str, sev: Severity, status: Status) -> Finding {
        Finding {
            id: id.into(),
            severity: sev,
            status,
            ..Default::default()
        }
    }

    #[test]
    fn skip_unreachable_drops_only_not_reachable() {
        use trawl_types::{Reachability, ReachabilityStatus};
        let with = |id: &str, r: Option<ReachabilityStatus>| Finding {
            reachability: r.map(|status| Reachability {
                status,
                evidence: Vec::new(),
            }),
            ..f(id, Severity::High, Status::Fixed)
        };
        let findings = || {
            vec![
                with("CVE-R", Some(ReachabilityStatus::Reachable)),
                with("CVE-N", Some(ReachabilityStatus::NotReachable)),
                with("CVE-U", Some(ReachabilityStatus::Unknown)),
                with("CVE-X", None),
            ]
        };
        let ids = |o: Outcome| o.kept.into_iter().map(|f| f.id).collect::<Vec<_>>();
        let mut policy = Policy::default();
        assert_eq!(ids(policy.apply_vulns("img", findings())).len(), 4);
        policy.skip_unreachable = true;
        assert_eq!(
            ids(policy.apply_vulns("img", findings())),
            ["CVE-R", "CVE-U", "CVE-X"]
        );
    }

    #[test]
    fn order_and_filters() {
        let ignore = IgnoreFile::parse_text(
            Path::new(".trivyignore"),
            "CVE-LIVE\nCVE-OLD exp:2020-01-01\nCVE-LOW\n",
        )
        .expect("valid");
        let policy = Policy {
            severities: vec![Severity::High, Severity::Critical],
            ignore_statuses: UNFIXED_STATUSES.to_vec(),
            ignore_vendor_statuses: Vec::new(),
            ignore_files: vec![ignore],
            vex: Vec::new(),
            skip_unreachable: false,
            today: "2026-11-29".into(),
        };
        let out = policy.apply_vulns(
            "img",
            vec![
                f("CVE-LIVE", Severity::High, Status::Fixed),
                f("CVE-OLD", Severity::Critical, Status::Fixed),
                f("CVE-LOW", Severity::Low, Status::Fixed),
                f("CVE-UNFIXED", Severity::Critical, Status::WillNotFix),
                f("CVE-KEEP", Severity::Critical, Status::Fixed),
            ],
        );
        let kept: Vec<_> = out.kept.iter().map(|f| f.id.as_str()).collect();
        let supp: Vec<_> = out.suppressed.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(kept, ["CVE-OLD", "CVE-KEEP"]);
        // CVE-LOW is dropped by the severity filter before the ignore file is consulted.
        assert_eq!(supp, ["CVE-LIVE"]);
        assert_eq!(
            out.suppressed[0]
                .suppressed
                .as_ref()
                .map(|s| s.source.as_str()),
            Some(".trivyignore:1")
        );
        let w = policy.expiry_warnings();
        assert_eq!(w.len(), 1);
        assert!(
            w[0].message.contains("CVE-OLD expired on 2020-01-01"),
            "{}",
            w[0].message
        );
    }

    #[test]
    fn vendor_status_words_and_vendor_suppressions() {
        let policy = Policy {
            ignore_vendor_statuses: vec!["no-dsa".into()],
            ..Policy::default()
        };
        let word = |id: &str, w: &str| Finding {
            vendor_status: Some(w.into()),
            ..f(id, Severity::High, Status::FixDeferred)
        };
        let mut not_affected = f("CVE-NA", Severity::High, Status::NotAffected);
        not_affected.suppressed = Some(trawl_types::Suppression {
            kind: "vendor".into(),
            source: "debian-tracker CVE-NA".into(),
            statement: Some("Vulnerable code not present".into()),
            vex_status: Some("not_affected".into()),
        });
        let out = policy.apply_vulns(
            "img",
            vec![
                word("CVE-NODSA", "No-DSA"),
                word("CVE-POSTPONED", "postponed"),
                not_affected,
            ],
        );
        // `no-dsa` is dropped, `postponed` (the same Trivy status) is kept: the vendor's words stay distinct.
        let kept: Vec<_> = out.kept.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(kept, ["CVE-POSTPONED"]);
        // The matcher's vendor suppression is kept as it is, not overridden or dropped.
        assert_eq!(out.suppressed.len(), 1);
        assert_eq!(
            out.suppressed[0]
                .suppressed
                .as_ref()
                .map(|s| s.kind.as_str()),
            Some("vendor")
        );
    }
}
