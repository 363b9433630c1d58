//! The records the DB stores and returns: feed-neutral, OSV-shaped.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use trawl_types::{Cvss, DataSource, DataSourceId, Severity, Status};

/// The kind of an OSV range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum RangeKind {
    /// Versions in the ecosystem's own order.
    Ecosystem,
    /// Semantic versions (SemVer 2.0).
    Semver,
    /// Git commits (not comparable to package versions).
    Git,
}

impl RangeKind {
    /// The OSV spelling (`ECOSYSTEM`, `SEMVER`, `GIT`).
    pub fn as_str(self) -> &'static str {
        match self {
            RangeKind::Ecosystem => "ECOSYSTEM",
            RangeKind::Semver => "SEMVER",
            RangeKind::Git => "GIT",
        }
    }
}

/// The kind of an OSV range event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// First affected version (inclusive); `0` = from the beginning.
    Introduced,
    /// First fixed version (exclusive).
    Fixed,
    /// Last affected version (inclusive).
    LastAffected,
    /// Upper limit of the range (exclusive), not a fix.
    Limit,
}

impl EventKind {
    /// The OSV spelling (`introduced`, `fixed`, `last_affected`, `limit`).
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Introduced => "introduced",
            EventKind::Fixed => "fixed",
            EventKind::LastAffected => "last_affected",
            EventKind::Limit => "limit",
        }
    }
}

/// One event of a range.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RangeEvent {
    /// What the version marks.
    #[serde(rename = "k")]
    pub kind: EventKind,
    /// The version (or commit for GIT ranges).
    #[serde(rename = "v")]
    pub version: String,
}

/// An OSV range: ordered events in one version order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AffectedRange {
    /// The order the events use.
    #[serde(rename = "t")]
    pub kind: RangeKind,
    /// GIT ranges: the repository.
    #[serde(rename = "repo", default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    /// Events, in the feed's order.
    #[serde(rename = "e")]
    pub events: Vec<RangeEvent>,
}

impl AffectedRange {
    /// The range in [`trawl_version`]'s terms, to evaluate it.
    pub fn to_osv(&self) -> trawl_version::OsvRange {
        use trawl_version::Event;
        trawl_version::OsvRange {
            kind: match self.kind {
                RangeKind::Ecosystem => trawl_version::RangeKind::Ecosystem,
                RangeKind::Semver => trawl_version::RangeKind::Semver,
                RangeKind::Git => trawl_version::RangeKind::Git,
            },
            events: self
                .events
                .iter()
                .map(|e| match e.kind {
                    EventKind::Introduced => Event::Introduced(e.version.clone()),
                    EventKind::Fixed => Event::Fixed(e.version.clone()),
                    EventKind::LastAffected => Event::LastAffected(e.version.clone()),
                    EventKind::Limit => Event::Limit(e.version.clone()),
                })
                .collect(),
        }
    }

    /// An ECOSYSTEM range `introduced: 0, fixed: <fixed>` (or open when `fixed` is `None`).
    pub fn ecosystem_fixed(fixed: Option<&str>) -> AffectedRange {
        let mut events = vec![RangeEvent {
            kind: EventKind::Introduced,
            version: "0".to_owned(),
        }];
        if let Some(f) = fixed {
            events.push(RangeEvent {
                kind: EventKind::Fixed,
                version: f.to_owned(),
            });
        }
        AffectedRange {
            kind: RangeKind::Ecosystem,
            repo: None,
            events,
        }
    }
}

/// One affected package of one advisory, as returned by [`AdvisoryDb::lookup`](crate::AdvisoryDb::lookup).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AffectedRecord {
    /// The advisory's ID (`CVE-2023-4911`, `GHSA-...`, `GO-2024-3228`, `DSA-5380-1`).
    pub advisory_id: String,
    /// Other IDs of the same vulnerability (OSV `aliases` plus `upstream`).
    pub aliases: Vec<String>,
    /// The feed the record came from (shared by every record of that feed).
    pub source: std::sync::Arc<DataSource>,
    /// The namespace it is filed under (`Debian:12`, `PyPI`); shared by the records of one lookup.
    pub namespace: std::sync::Arc<str>,
    /// The suffix of the OSV ecosystem that was folded into the namespace (`LTS`, `Pro:LTS` for
    /// `Ubuntu:Pro:22.04:LTS`), when there was one.
    pub namespace_variant: Option<String>,
    /// Package name as stored (normalised per ecosystem; the SOURCE package for OS feeds); shared by the
    /// records of one lookup.
    pub package: std::sync::Arc<str>,
    /// The package's purl, when the feed gave one.
    pub purl: Option<String>,
    /// OSV ranges.
    pub ranges: Vec<AffectedRange>,
    /// Explicitly listed affected versions (OSV `versions`) that the ranges do not already cover in the
    /// namespace's version order: a version is affected if it is in a range or in this list, so this gives
    /// the same answers as the feed's full list (which OSV tooling enumerates from the ranges).
    pub versions: Versions,
    /// The vendor's status for this package in this release (vendor feeds; `None` for plain OSV ranges).
    pub status: Option<Status>,
    /// The vendor's fixed version (vendor feeds), also present as a `fixed` event in `ranges`.
    pub fixed_version: Option<String>,
    /// The vendor's urgency/priority word, as written (`unimportant`, `low`, `medium`, `end-of-life`...).
    pub urgency: Option<String>,
    /// The vendor's severity for this package, when it gives one (Debian urgency, Ubuntu priority mapped).
    pub severity: Option<Severity>,
    /// The vendor's own status word, as the vendor states it, when it says more than [`Status`] can
    /// (Debian `no-dsa`, `postponed`, `ignored`, `end-of-life`, `unfixed`; Ubuntu `deferred`, `ignored`,
    /// `end-of-life`, `needed`; `fixed-in-unstable-only`).
    pub vendor_status: Option<String>,
    /// The vendor's note on this package in this release (Debian `(Minor issue)`, Ubuntu's justification).
    pub note: Option<String>,
    /// Go records: the vulnerable packages and symbols (OSV `ecosystem_specific.imports`), empty when the
    /// record lists none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub go_imports: Vec<GoImport>,
}

/// One entry of a Go record's `ecosystem_specific.imports`: a vulnerable package, its vulnerable symbols
/// (`Func`, `Type.Method`; empty = the whole package), and the platforms it is limited to (empty = all).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoImport {
    /// Package import path (`net/http`, `golang.org/x/net/http2`).
    pub path: String,
    /// Vulnerable symbols of the package.
    #[serde(default)]
    pub symbols: Vec<String>,
    /// `GOOS` values it is limited to.
    #[serde(default)]
    pub goos: Vec<String>,
    /// `GOARCH` values it is limited to.
    #[serde(default)]
    pub goarch: Vec<String>,
}

/// Most imports kept per record, and symbols per import (go-vulndb's largest lists are a few hundred).
pub(crate) const MAX_GO_IMPORTS: usize = 256;
pub(crate) const MAX_GO_SYMBOLS: usize = 4096;

/// The `imports` of a Go record's `ecosystem_specific` (anything malformed is left out).
pub(crate) fn go_imports(ecosystem_specific: Option<&serde_json::Value>) -> Vec<GoImport> {
    let Some(list) = ecosystem_specific
        .and_then(|v| v.get("imports"))
        .and_then(serde_json::Value::as_array)
    else {
        return Vec::new();
    };
    let strings = |v: Option<&serde_json::Value>, max: usize| -> Vec<String> {
        v.and_then(serde_json::Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(serde_json::Value::as_str)
                    .filter(|s| !s.is_empty())
                    .take(max)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    list.iter()
        .filter_map(|i| {
            Some(GoImport {
                path: i
                    .get("path")?
                    .as_str()
                    .filter(|p| !p.is_empty())?
                    .to_owned(),
                symbols: strings(i.get("symbols"), MAX_GO_SYMBOLS),
                goos: strings(i.get("goos"), 64),
                goarch: strings(i.get("goarch"), 64),
            })
        })
        .take(MAX_GO_IMPORTS)
        .collect()
}

/// A list of version strings held in one allocation (an OSV `versions` list can name hundreds; a lookup
/// returns many). Iterate with [`Versions::iter`]. A version containing a line break is not a version in any
/// scheme and is not kept.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Versions {
    joined: String,
    len: usize,
}

impl Versions {
    /// Appends a version (ignored if it contains a line break).
    pub fn push(&mut self, v: &str) {
        if v.contains(['\n', '\r']) {
            return;
        }
        if self.len > 0 {
            self.joined.push('\n');
        }
        self.joined.push_str(v);
        self.len += 1;
    }

    /// The versions, in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> + Clone {
        let text = if self.len == 0 {
            None
        } else {
            Some(self.joined.as_str())
        };
        text.into_iter().flat_map(|t| t.split('\n'))
    }

    /// How many versions.
    pub fn len(&self) -> usize {
        self.len
    }

    /// No versions.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The versions as owned strings.
    pub fn to_vec(&self) -> Vec<String> {
        self.iter().map(str::to_owned).collect()
    }

    pub(crate) fn with_capacity(bytes: usize) -> Versions {
        Versions {
            joined: String::with_capacity(bytes),
            len: 0,
        }
    }
}

impl std::fmt::Debug for Versions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<S: AsRef<str>> FromIterator<S> for Versions {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        let mut v = Versions::default();
        for s in iter {
            v.push(s.as_ref());
        }
        v
    }
}

impl<S: AsRef<str>> PartialEq<[S]> for Versions {
    fn eq(&self, other: &[S]) -> bool {
        self.len == other.len() && self.iter().zip(other).all(|(a, b)| a == b.as_ref())
    }
}

impl<S: AsRef<str>, const N: usize> PartialEq<[S; N]> for Versions {
    fn eq(&self, other: &[S; N]) -> bool {
        *self == other[..]
    }
}

impl Serialize for Versions {
    fn serialize<Ser: serde::Serializer>(&self, s: Ser) -> Result<Ser::Ok, Ser::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Versions {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Vec::<String>::deserialize(d)?.into_iter().collect())
    }
}

/// The OSV `ecosystem_specific` / `database_specific` of one affected package of an advisory (Go `imports`,
/// Ubuntu `binaries`...). Matching never needs them, so they are kept with the
/// advisory's document
/// ([`AdvisoryDetails::package_specific`]) rather than in the records [`AdvisoryDb::lookup`] returns.
///
/// [`AdvisoryDb::lookup`]: crate::AdvisoryDb::lookup
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PackageSpecific {
    /// The feed (filled when read; not stored).
    #[serde(rename = "src", default, skip_serializing_if = "Option::is_none")]
    pub source: Option<DataSourceId>,
    /// The namespace the package is filed under.
    #[serde(rename = "ns")]
    pub namespace: String,
    /// The package name as stored.
    #[serde(rename = "n")]
    pub package: String,
    /// OSV `ecosystem_specific`, when not empty.
    #[serde(rename = "es", default, skip_serializing_if = "Option::is_none")]
    pub ecosystem_specific: Option<serde_json::Value>,
    /// OSV `database_specific`, when not empty.
    #[serde(rename = "ds", default, skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<serde_json::Value>,
}

/// Everything known about one advisory ID, merged over every source that has it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AdvisoryDetails {
    /// The ID asked for.
    pub id: String,
    /// Aliases and upstream IDs (union over sources).
    pub aliases: Vec<String>,
    /// OSV `related` IDs.
    pub related: Vec<String>,
    /// One-line title (CVE record title, OSV summary, tracker description), best source first.
    pub title: Option<String>,
    /// Longer description.
    pub description: Option<String>,
    /// Reference URLs (union, deduplicated, in source order).
    pub references: Vec<String>,
    /// CVSS by source (`nvd`, `cve-cna`, `cve-adp`, `ghsa`, `ubuntu`...).
    pub cvss: BTreeMap<String, Cvss>,
    /// Severity by source: vendor ratings (`ubuntu`, `ghsa`, `debian`...) and ratings derived from CVSS.
    pub severities: BTreeMap<String, Severity>,
    /// CWE IDs.
    pub cwe_ids: Vec<String>,
    /// Earliest published date (RFC 3339).
    pub published: Option<String>,
    /// Latest modified date (RFC 3339).
    pub modified: Option<String>,
    /// When the advisory was withdrawn (by any source), if it was.
    pub withdrawn: Option<String>,
    /// In CISA's KEV catalog (under this ID or one of its aliases).
    pub kev: bool,
    /// EPSS probability and percentile (under this ID or one of its CVE aliases).
    pub epss: Option<(f64, f64)>,
    /// The sources that hold it.
    pub sources: Vec<DataSource>,
    /// Per-package `ecosystem_specific` / `database_specific` of the affected entries, over every source
    /// (only entries that have one).
    pub package_specific: Vec<PackageSpecific>,
}

/// KEV and EPSS for one CVE.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Enrichment {
    /// In CISA's Known Exploited Vulnerabilities catalog.
    pub kev: bool,
    /// EPSS (probability, percentile), both 0..1.
    pub epss: Option<(f64, f64)>,
}

/// What one `--source` contributed to a build.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceReport {
    /// The feed kind (`osv`, `alpine-secdb`...).
    pub kind: String,
    /// The path or URL given.
    pub location: String,
    /// Records read (the unit depends on the feed; see the crate README).
    pub records: u64,
    /// Malformed records skipped (bad JSON/YAML, unknown ecosystem, unparsable version...).
    pub skipped: u64,
    /// The first few reasons for skipping, naming the file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
    /// The newest timestamp the feed carries (modified date, catalog date, score date), when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feed_timestamp: Option<String>,
}

/// The DB's metadata: what `trawl db info` shows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    /// Schema version of the file.
    pub schema_version: u32,
    /// When it was built (RFC 3339, UTC).
    pub built_at: String,
    /// One entry per `--source` of the build, in order.
    pub sources: Vec<SourceReport>,
    /// Advisories stored, by data source ID (`ghsa`, `debian-tracker`, ...).
    pub advisories_by_source: BTreeMap<String, u64>,
    /// Affected-package rows stored.
    pub affected_rows: u64,
    /// KEV entries stored.
    pub kev_entries: u64,
    /// EPSS scores stored.
    pub epss_entries: u64,
    /// For a DB built straight from the publishers: where each feed came from and how current it is.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub upstream: Vec<FeedOrigin>,
}

/// Where one feed of a DB built from the publishers came from (`trawl db info`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedOrigin {
    /// The feed kind (`alpine-secdb`, `osv`, `cve5`...).
    pub feed: String,
    /// Its location (base URL or directory).
    pub url: String,
    /// Files of it the DB was built from.
    pub resources: u64,
    /// Their payload bytes.
    pub bytes: u64,
    /// The newest `Last-Modified` the publisher gave, when it gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    /// When the least recently checked of its files was last confirmed current (RFC 3339, UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checked_at: Option<String>,
    /// What could not be had in the run that built the DB, one line each (the copy fetched before was used).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

/// A severity entry as stored with an advisory: one source's rating, vector and score.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct SeverityEntry {
    /// Who rates (`nvd`, `cve-cna`, `ghsa`, `ubuntu`, `debian`...).
    #[serde(rename = "s")]
    pub(crate) source: String,
    /// CVSS vector, when the rating is one.
    #[serde(rename = "vec", default, skip_serializing_if = "Option::is_none")]
    pub(crate) vector: Option<String>,
    /// Score (computed from the vector when there is one).
    #[serde(rename = "sc", default, skip_serializing_if = "Option::is_none")]
    pub(crate) score: Option<f64>,
    /// Qualitative rating.
    #[serde(rename = "sev", default, skip_serializing_if = "Option::is_none")]
    pub(crate) severity: Option<Severity>,
}

/// The per-advisory document stored (compressed) in the DB.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct AdvisoryDoc {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) aliases: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) upstream: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) related: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) details: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) severity: Vec<SeverityEntry>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) references: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) cwes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) published: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) modified: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) withdrawn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) database_specific: Option<serde_json::Value>,
    /// Filled when the final file is written (from the affected rows), not by feeds.
    #[serde(rename = "pkg", default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) package_specific: Vec<PackageSpecific>,
}

impl AdvisoryDoc {
    /// Adds a severity entry unless the same one is there.
    pub(crate) fn add_severity(&mut self, e: SeverityEntry) {
        if !self.severity.contains(&e) {
            self.severity.push(e);
        }
    }

    /// Adds a CWE ID unless it is there.
    pub(crate) fn add_cwe(&mut self, cwe: &str) {
        if !self.cwes.iter().any(|x| x == cwe) {
            self.cwes.push(cwe.to_owned());
        }
    }

    /// Adds a reference URL unless it is there.
    pub(crate) fn add_reference(&mut self, url: &str) {
        if !self.references.iter().any(|x| x == url) {
            self.references.push(url.to_owned());
        }
    }
}

/// One affected entry as a feed produces it.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Affected {
    pub(crate) namespace: String,
    pub(crate) variant: Option<String>,
    pub(crate) name: String,
    pub(crate) purl: Option<String>,
    pub(crate) ranges: Vec<AffectedRange>,
    pub(crate) versions: Vec<String>,
    pub(crate) status: Option<Status>,
    pub(crate) fixed_version: Option<String>,
    pub(crate) urgency: Option<String>,
    pub(crate) severity: Option<Severity>,
    pub(crate) vendor_status: Option<String>,
    pub(crate) note: Option<String>,
    pub(crate) ecosystem_specific: Option<serde_json::Value>,
    pub(crate) database_specific: Option<serde_json::Value>,
}

/// The part of an affected row stored (compressed) as JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct AffectedDoc {
    #[serde(rename = "r", default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) ranges: Vec<AffectedRange>,
    #[serde(rename = "v", default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) versions: Vec<String>,
    #[serde(rename = "var", default, skip_serializing_if = "Option::is_none")]
    pub(crate) variant: Option<String>,
    #[serde(rename = "purl", default, skip_serializing_if = "Option::is_none")]
    pub(crate) purl: Option<String>,
    #[serde(rename = "es", default, skip_serializing_if = "Option::is_none")]
    pub(crate) ecosystem_specific: Option<serde_json::Value>,
    #[serde(rename = "ds", default, skip_serializing_if = "Option::is_none")]
    pub(crate) database_specific: Option<serde_json::Value>,
    #[serde(rename = "vs", default, skip_serializing_if = "Option::is_none")]
    pub(crate) vendor_status: Option<String>,
    #[serde(rename = "note", default, skip_serializing_if = "Option::is_none")]
    pub(crate) note: Option<String>,
}

/// One advisory as a feed produces it.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Advisory {
    pub(crate) id: String,
    /// Data source ID (`ghsa`, `debian-tracker`...).
    pub(crate) source: DataSourceId,
    pub(crate) doc: AdvisoryDoc,
    pub(crate) affected: Vec<Affected>,
}

/// The ranges a vendor status implies: `introduced 0` up to the fixed version (open when there is none);
/// nothing for `not_affected`.
pub(crate) fn implied_ranges(status: Option<Status>, fixed: Option<&str>) -> Vec<AffectedRange> {
    match status {
        Some(Status::NotAffected) => Vec::new(),
        Some(_) => vec![AffectedRange::ecosystem_fixed(fixed)],
        None => Vec::new(),
    }
}

/// Drops empty JSON objects/nulls so they cost nothing in the DB.
pub(crate) fn non_empty_json(v: Option<serde_json::Value>) -> Option<serde_json::Value> {
    match v {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::Object(m)) if m.is_empty() => None,
        Some(serde_json::Value::Array(a)) if a.is_empty() => None,
        other => other,
    }
}
