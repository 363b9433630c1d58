//! Findings: a package matched to an advisory, with status, severity and provenance.

use crate::{DataSourceId, Ecosystem, LayerRef, Purl};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// Severity, ordered from least to most severe.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    /// Not known.
    #[default]
    Unknown,
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical.
    Critical,
}

impl Severity {
    /// Every severity, least severe first.
    pub const ALL: [Severity; 5] = [
        Severity::Unknown,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    /// Upper-case name (`HIGH`).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Unknown => "UNKNOWN",
            Severity::Low => "LOW",
            Severity::Medium => "MEDIUM",
            Severity::High => "HIGH",
            Severity::Critical => "CRITICAL",
        }
    }

    /// The CVSS v3/v4 qualitative rating of a base score.
    pub fn from_cvss_score(score: f64) -> Severity {
        if score >= 9.0 {
            Severity::Critical
        } else if score >= 7.0 {
            Severity::High
        } else if score >= 4.0 {
            Severity::Medium
        } else if score > 0.0 {
            Severity::Low
        } else {
            Severity::Unknown
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A severity name that is none of [`Severity::ALL`] (nor a vendor synonym such as `MODERATE`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown severity `{value}` (expected UNKNOWN, LOW, MEDIUM, HIGH or CRITICAL)")]
pub struct ParseSeverityError {
    value: String,
}

impl ParseSeverityError {
    /// The value that was given.
    pub fn value(&self) -> &str {
        &self.value
    }
}

impl FromStr for Severity {
    type Err = ParseSeverityError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_uppercase().as_str() {
            "UNKNOWN" | "NEGLIGIBLE" | "UNIMPORTANT" | "NONE" => Ok(Severity::Unknown),
            "LOW" => Ok(Severity::Low),
            "MEDIUM" | "MODERATE" => Ok(Severity::Medium),
            "HIGH" | "IMPORTANT" => Ok(Severity::High),
            "CRITICAL" => Ok(Severity::Critical),
            _ => Err(ParseSeverityError {
                value: s.to_owned(),
            }),
        }
    }
}

/// The vendor's status of a vulnerability for an installed package.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// A fixed version exists.
    Fixed,
    /// Affected, no fix yet.
    #[default]
    Affected,
    /// The vendor will not fix it (Debian `<ignored>`, `<no-dsa>` marked ignored...).
    WillNotFix,
    /// The fix is deferred (Debian `<postponed>`, `<no-dsa>`).
    FixDeferred,
    /// The release is past its end of life.
    EndOfLife,
    /// The vendor says the package is not affected.
    NotAffected,
    /// Under investigation.
    UnderInvestigation,
}

impl Status {
    /// Every status.
    pub const ALL: [Status; 7] = [
        Status::Fixed,
        Status::Affected,
        Status::WillNotFix,
        Status::FixDeferred,
        Status::EndOfLife,
        Status::NotAffected,
        Status::UnderInvestigation,
    ];

    /// snake_case name, as in Trivy (`will_not_fix`).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Fixed => "fixed",
            Status::Affected => "affected",
            Status::WillNotFix => "will_not_fix",
            Status::FixDeferred => "fix_deferred",
            Status::EndOfLife => "end_of_life",
            Status::NotAffected => "not_affected",
            Status::UnderInvestigation => "under_investigation",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A status name that is none of [`Status::ALL`] (nor a synonym such as `unfixed` or `wont_fix`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown status `{value}` (expected fixed, affected, will_not_fix, fix_deferred, end_of_life, not_affected \
     or under_investigation)"
)]
pub struct ParseStatusError {
    value: String,
}

impl ParseStatusError {
    /// The value that was given.
    pub fn value(&self) -> &str {
        &self.value
    }
}

impl FromStr for Status {
    type Err = ParseStatusError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(
            match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
                "fixed" => Status::Fixed,
                "affected" | "unfixed" => Status::Affected,
                "will_not_fix" | "wont_fix" => Status::WillNotFix,
                "fix_deferred" => Status::FixDeferred,
                "end_of_life" => Status::EndOfLife,
                "not_affected" => Status::NotAffected,
                "under_investigation" => Status::UnderInvestigation,
                _ => {
                    return Err(ParseStatusError {
                        value: s.to_owned(),
                    });
                }
            },
        )
    }
}

/// The vendor status words trawl keeps (`Finding::vendor_status`), which `--ignore-status` accepts beside the
/// [`Status`] names: the Debian tracker's `<no-dsa>`, `<postponed>`, `<ignored>`, `<unfixed>`,
/// `<undetermined>`, `<end-of-life>`, `<not-affected>`; Ubuntu's `needed`, `pending`, `deferred`, `ignored`,
/// `needs-triage`, `end-of-life`; Wolfi's and Chainguard's event kinds (`fix-not-planned`,
/// `pending-upstream-fix`, `analysis-not-planned`, `true-positive-determination`,
/// `false-positive-determination`); and `fixed-in-unstable` (Debian fixed the package in unstable only: no fix
/// in the installed release).
pub const VENDOR_STATUS_WORDS: &[&str] = &[
    "no-dsa",
    "postponed",
    "ignored",
    "unfixed",
    "undetermined",
    "end-of-life",
    "not-affected",
    "needed",
    "pending",
    "deferred",
    "needs-triage",
    "fixed-in-unstable",
    "fix-not-planned",
    "pending-upstream-fix",
    "analysis-not-planned",
    "true-positive-determination",
    "false-positive-determination",
];

/// The vendor status word `s` names (case and `_`/`-` insensitive), if any.
pub fn vendor_status_word(s: &str) -> Option<&'static str> {
    let s = s.trim().to_ascii_lowercase().replace('_', "-");
    VENDOR_STATUS_WORDS.iter().copied().find(|w| *w == s)
}

/// A CVSS vector and score from one source.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Cvss {
    /// CVSS v2 vector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub v2_vector: Option<String>,
    /// CVSS v2 base score.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub v2_score: Option<f64>,
    /// CVSS v3.x vector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub v3_vector: Option<String>,
    /// CVSS v3.x base score.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub v3_score: Option<f64>,
    /// CVSS v4.0 vector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub v40_vector: Option<String>,
    /// CVSS v4.0 score.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub v40_score: Option<f64>,
}

/// Where an advisory came from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataSource {
    /// Stable ID of the feed (`debian-tracker`, `alpine-secdb`, `osv:PyPI`, `ghsa`).
    pub id: DataSourceId,
    /// Human name.
    pub name: String,
    /// Where to read more.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub url: String,
}

/// Why a finding was suppressed (kept in the report with `--show-suppressed`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppression {
    /// `ignore-file`, `vex`.
    pub kind: String,
    /// The file or document that suppressed it.
    pub source: String,
    /// The statement or reason given there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statement: Option<String>,
    /// VEX status (`not_affected`, `fixed`) where the suppression came from VEX.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vex_status: Option<String>,
}

/// How an advisory record matched the installed version.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchedBy {
    /// The installed version is inside one of the record's ranges.
    #[default]
    Range,
    /// The installed version is one of the versions the record lists.
    VersionList,
    /// The vendor states a status for the package in this release without any version (Debian `<unfixed>`,
    /// `<no-dsa>`...): every installed version is concerned.
    VendorStatus,
}

/// One advisory record behind a finding.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MatchedRecord {
    /// The record's advisory ID (`CVE-2023-4911`, `DSA-5514-1`, `GHSA-...`, `GO-...`).
    pub advisory: String,
    /// The feed it came from.
    pub source: DataSourceId,
    /// The namespace it is filed under, with its variant (`Ubuntu:Pro:14.04:LTS`).
    pub namespace: String,
    /// How it matched.
    pub matched_by: MatchedBy,
    /// The record's ranges, written out (`ECOSYSTEM >= 0, < 2.36-9+deb12u4`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ranges: Vec<String>,
    /// The listed version equal to the installed one, when it matched by its version list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listed_version: Option<String>,
    /// The vendor's status in the record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// The vendor's own status word (`no-dsa`, `postponed`, `ignored`, `deferred`...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor_status: Option<String>,
    /// The vendor's note (`Minor issue`, a justification).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Why a finding was reported: the chain from the package found to the advisory records that matched it
/// (native JSON `match`; `trawl explain` prints it).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MatchDetails {
    /// The analyzer that found the package (`os/dpkg`, `python/installed`, `go/binary`...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analyzer: Option<String>,
    /// The file the package was read from.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub file: String,
    /// The layer that introduced the package (its diff ID).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    /// The namespace looked up (`Debian:12`, `Alpine:v3.10`, `PyPI`).
    pub namespace: String,
    /// The package name looked up (the source package for OS packages; normalised for languages).
    pub package: String,
    /// The version compared (for Debian packages, the source version).
    pub version: String,
    /// The version order compared with (`debian`, `alpine`, `rpm`, `pypi`, `npm`, `go`...).
    pub comparator: String,
    /// The records that matched.
    pub records: Vec<MatchedRecord>,
    /// Why the status is what it is.
    pub status_reason: String,
}

/// One vulnerability found in one package.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Primary ID (a CVE where one exists, else the advisory's own ID).
    pub id: String,
    /// Other IDs of the same vulnerability (GHSA, DSA, USN, OSV IDs...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Ecosystem of the package.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecosystem: Option<Ecosystem>,
    /// Package name (binary name for OS packages).
    pub pkg_name: String,
    /// Source package name the advisory was keyed by, if different.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub src_name: Option<String>,
    /// Installed version.
    pub installed_version: String,
    /// The lowest fixing version above the installed one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_version: Option<String>,
    /// Every fixing version the advisory lists (several branches).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fixed_versions: Vec<String>,
    /// Package purl.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<Purl>,
    /// File the package was read from.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub pkg_path: String,
    /// Vendor status.
    pub status: Status,
    /// The vendor's own status word, where it says more than `status` (Debian `no-dsa`, `postponed`,
    /// `ignored`; Ubuntu `deferred`, `needed`; `fixed-in-unstable`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor_status: Option<String>,
    /// Effective severity.
    pub severity: Severity,
    /// Where the severity came from (`debian`, `nvd`, `ghsa`, `cve-cna`...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity_source: Option<String>,
    /// Vendor severities by source.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub vendor_severity: BTreeMap<String, Severity>,
    /// Vendor's own urgency/priority words (Debian urgency `unimportant`, Ubuntu priority), by source.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub vendor_urgency: BTreeMap<String, String>,
    /// CVSS by source.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub cvss: BTreeMap<String, Cvss>,
    /// In CISA's Known Exploited Vulnerabilities catalog.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub kev: bool,
    /// EPSS probability (0..1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epss: Option<f64>,
    /// EPSS percentile (0..1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epss_percentile: Option<f64>,
    /// One-line title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Longer description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// CWE IDs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cwe_ids: Vec<String>,
    /// Reference URLs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// The best URL to read about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_url: Option<String>,
    /// Published date (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// Last modified date (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    /// Layer that introduced the package.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<LayerRef>,
    /// The feeds this finding came from (several when merged through aliases).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data_sources: Vec<DataSource>,
    /// Set when the policy suppressed the finding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<Suppression>,
    /// Why it matched (native JSON `match`).
    #[serde(rename = "match", default, skip_serializing_if = "Option::is_none")]
    pub match_details: Option<MatchDetails>,
    /// Whether the vulnerable code is in the binary (Go binaries: the advisory's symbols against the binary's
    /// symbol table); absent when not assessed (not a Go binary).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reachability: Option<Reachability>,
    /// Whether the base image or the image's own layers brought the package (images whose base was found).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<crate::Origin>,
}

/// Whether the vulnerable functions an advisory names are linked into the binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReachabilityStatus {
    /// At least one vulnerable symbol is in the binary.
    Reachable,
    /// The binary's symbol table has none of the vulnerable symbols.
    NotReachable,
    /// Cannot tell: no symbol table, or the advisory names no symbols.
    Unknown,
}

impl ReachabilityStatus {
    /// Every status, in display order.
    pub const ALL: [ReachabilityStatus; 3] = [
        ReachabilityStatus::Reachable,
        ReachabilityStatus::NotReachable,
        ReachabilityStatus::Unknown,
    ];

    /// The serialised name (`reachable`, `not_reachable`, `unknown`).
    pub fn as_str(self) -> &'static str {
        match self {
            ReachabilityStatus::Reachable => "reachable",
            ReachabilityStatus::NotReachable => "not_reachable",
            ReachabilityStatus::Unknown => "unknown",
        }
    }

    /// For people: `reachable`, `not reachable`, `unknown`.
    pub fn label(self) -> &'static str {
        match self {
            ReachabilityStatus::Reachable => "reachable",
            ReachabilityStatus::NotReachable => "not reachable",
            ReachabilityStatus::Unknown => "unknown",
        }
    }
}

/// A finding's reachability and what it rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reachability {
    /// The verdict.
    pub status: ReachabilityStatus,
    /// Reachable: the vulnerable symbols found in the binary (`archive/zip.NewReader`); otherwise one line
    /// saying why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
}

impl Finding {
    /// Whether `id` names this finding (its ID or an alias).
    pub fn has_id(&self, id: &str) -> bool {
        self.id.eq_ignore_ascii_case(id) || self.aliases.iter().any(|a| a.eq_ignore_ascii_case(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_names() {
        for s in Severity::ALL {
            assert_eq!(s.as_str().parse::<Severity>(), Ok(s));
        }
        assert_eq!("moderate".parse::<Severity>(), Ok(Severity::Medium));
        let err = "SEVERE".parse::<Severity>().expect_err("not a severity");
        assert_eq!(err.value(), "SEVERE");
        assert_eq!(
            err.to_string(),
            "unknown severity `SEVERE` (expected UNKNOWN, LOW, MEDIUM, HIGH or CRITICAL)"
        );
    }

    #[test]
    fn status_names() {
        for s in Status::ALL {
            assert_eq!(s.as_str().parse::<Status>(), Ok(s));
        }
        assert_eq!("wont-fix".parse::<Status>(), Ok(Status::WillNotFix));
        let err = "broken".parse::<Status>().expect_err("not a status");
        assert_eq!(err.value(), "broken");
        let text = err.to_string();
        assert!(
            text.starts_with("unknown status `broken`") && text.contains("under_investigation"),
            "{text}"
        );
    }

    #[test]
    fn finding_purl_and_sources_serialise_as_strings() {
        let f = Finding {
            id: "CVE-1".into(),
            purl: Some("pkg:npm/x@1.0.0".parse().expect("purl")),
            data_sources: vec![DataSource {
                id: DataSourceId::Ghsa,
                name: "GitHub Advisory Database".into(),
                url: String::new(),
            }],
            ..Finding::default()
        };
        let json = serde_json::to_value(&f).expect("serialise");
        assert_eq!(json["purl"], "pkg:npm/x@1.0.0");
        assert_eq!(json["data_sources"][0]["id"], "ghsa");
        assert_eq!(serde_json::from_value::<Finding>(json).expect("read"), f);
    }
}
