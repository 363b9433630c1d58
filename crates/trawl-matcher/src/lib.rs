//! Inventory x advisory DB -> findings. See the crate README for the rules.
#![warn(missing_docs)]

pub mod reachability;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use trawl_advisory::{AdvisoryDb, AdvisoryDetails, AffectedRecord};
use trawl_types::{
    Ecosystem, Finding, MatchDetails, MatchedBy, MatchedRecord, OsFamily, OsInfo, Package,
    Severity, Status, Suppression,
};
use trawl_version::{OsvRange, Scheme, Version};

/// A matching error (the DB could not be read).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MatchError {
    /// The DB failed.
    #[error("advisory DB lookup failed for {namespace}/{name}: {cause}")]
    Db {
        /// Namespace looked up.
        namespace: String,
        /// Package name looked up.
        name: String,
        /// The DB error (its text is part of this error's message, so it is not exposed as `source()`: a chain would print it twice).
        cause: Box<trawl_advisory::DbError>,
    },
}

/// The version order of an ecosystem. The one place this mapping lives.
pub fn scheme_for(eco: Ecosystem) -> Scheme {
    match eco {
        Ecosystem::Deb => Scheme::Deb,
        Ecosystem::Apk => Scheme::Apk,
        Ecosystem::Rpm => Scheme::Rpm,
        Ecosystem::Npm => Scheme::Npm,
        Ecosystem::PyPI => Scheme::Pep440,
        Ecosystem::Go => Scheme::Go,
        Ecosystem::Cargo => Scheme::Cargo,
        Ecosystem::Maven => Scheme::Maven,
        Ecosystem::RubyGems => Scheme::RubyGems,
        Ecosystem::NuGet => Scheme::NuGet,
        Ecosystem::Packagist => Scheme::Packagist,
        Ecosystem::Pub => Scheme::Pub,
        Ecosystem::Hex => Scheme::Hex,
        Ecosystem::Cran => Scheme::Cran,
        Ecosystem::Hackage => Scheme::Hackage,
        Ecosystem::SwiftUrl | Ecosystem::CocoaPods | Ecosystem::Conan => Scheme::Generic,
        Ecosystem::Binary => Scheme::Upstream,
    }
}

/// The data-source ID of the vendor's own feed for an OS family (its severity comes first).
fn vendor_source(family: OsFamily) -> &'static [&'static str] {
    match family {
        OsFamily::Debian => &["debian-tracker", "debian-osv", "debian"],
        OsFamily::Ubuntu => &["ubuntu"],
        OsFamily::Alpine => &["alpine-secdb", "alpine"],
        OsFamily::Wolfi => &["wolfi"],
        OsFamily::Chainguard => &["chainguard"],
        OsFamily::Amazon => &["alas", "amazon"],
        OsFamily::Redhat | OsFamily::Centos => &["redhat"],
        OsFamily::Rocky => &["rocky"],
        OsFamily::Alma => &["alma"],
        OsFamily::Oracle => &["oracle"],
        OsFamily::Sles | OsFamily::Opensuse => &["suse"],
        OsFamily::Azurelinux => &["azure", "mariner"],
        OsFamily::Photon => &["photon"],
        OsFamily::Fedora => &["fedora"],
        OsFamily::Unknown => &[],
    }
}

/// CVSS-derived severity sources, most trusted first (after the vendor's own).
const CVSS_ORDER: &[&str] = &["nvd", "cve-cna", "cve-adp", "ghsa"];

/// What a package is looked up and compared as.
struct Key {
    namespace: String,
    name: String,
    version: String,
    scheme: Scheme,
}

fn key_for(pkg: &Package, os: Option<&OsInfo>) -> Option<Key> {
    let eco = pkg.ecosystem?;
    let scheme = scheme_for(eco);
    if eco.is_os() {
        let os = os?;
        if os.family.ecosystem() != Some(eco) {
            return None;
        }
        let version = match eco {
            Ecosystem::Deb => pkg.source_version_or_version().to_owned(),
            _ => pkg.version.clone(),
        };
        // ALAS advisories name binary packages; every other vendor feed names source packages.
        let name = if os.family == OsFamily::Amazon {
            &pkg.name
        } else {
            pkg.source_or_name()
        };
        Some(Key {
            namespace: os.advisory_namespace(),
            name: name.to_owned(),
            version,
            scheme,
        })
    } else {
        if eco == Ecosystem::Go && unversioned_main_module(pkg) {
            return None;
        }
        Some(Key {
            namespace: eco.osv_name()?.to_owned(),
            name: eco.normalize_name(&pkg.name),
            version: pkg.version.clone(),
            scheme,
        })
    }
}

/// A Go binary's main module whose version says nothing about which release it is: `(devel)`, or a
/// pseudo-version on no tag (`0.0.0-20240102030405-abcdef123456`, possibly `+dirty`), which is what a build
/// stamps (or trawl derives from `vcs.revision`) for a checkout, shallow clones included. Comparing it with an
/// advisory's ranges would put every such build before the first fix: it is not matched. Dependencies with
/// pseudo-versions are real module versions and are matched.
fn unversioned_main_module(pkg: &Package) -> bool {
    if pkg.relationship != Some(trawl_types::Relationship::Root) {
        return false;
    }
    let v = pkg.version.trim();
    let v = v.strip_prefix('v').unwrap_or(v);
    if v.is_empty() || v == "(devel)" {
        return true;
    }
    let Some(rest) = v.strip_prefix("0.0.0-") else {
        return false;
    };
    let rest = rest.split('+').next().unwrap_or(rest);
    let mut parts = rest.split('-');
    let (Some(time), Some(rev), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let time = time.rsplit('.').next().unwrap_or(time);
    time.len() == 14
        && time.bytes().all(|b| b.is_ascii_digit())
        && rev.len() >= 12
        && rev.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The namespace of CPE-keyed advisory records (`trawl-advisory` `feed/cpe.rs`).
pub const CPE_NAMESPACE: &str = "cpe";

/// The extra keys of a package that has CPEs (binaries found outside package managers, Go programs): the `cpe`
/// namespace by `vendor:product`, compared in the upstream order. A CPE without a version is skipped.
fn cpe_keys(pkg: &Package) -> Vec<Key> {
    let mut keys: Vec<Key> = Vec::new();
    for c in &pkg.cpes {
        let Ok(cpe) = trawl_types::cpe::Cpe::parse(c) else {
            continue;
        };
        if matches!(cpe.version(), "*" | "-") {
            continue;
        }
        let name = cpe.key();
        if keys.iter().any(|k| k.name == name) {
            continue;
        }
        keys.push(Key {
            namespace: CPE_NAMESPACE.to_owned(),
            name,
            version: cpe.version().to_owned(),
            scheme: Scheme::Upstream,
        });
    }
    keys
}

/// Whether two findings of one package name the same vulnerability (a shared ID or alias).
fn same_vulnerability(a: &Finding, b: &Finding) -> bool {
    let ids = |f: &Finding| -> Vec<String> {
        std::iter::once(&f.id)
            .chain(&f.aliases)
            .map(|s| s.to_ascii_uppercase())
            .collect()
    };
    let (x, y) = (ids(a), ids(b));
    x.iter().any(|i| y.contains(i))
}

/// The outcome of checking one record against an installed version.
struct Hit<'r> {
    record: &'r AffectedRecord,
    fixed: Vec<String>,
    by: MatchedBy,
    /// The listed version equal to the installed one (`by` = version list).
    listed: Option<String>,
}

impl Hit<'_> {
    fn explain(&self) -> MatchedRecord {
        let r = self.record;
        MatchedRecord {
            advisory: r.advisory_id.clone(),
            source: r.source.id.clone(),
            namespace: match &r.namespace_variant {
                Some(v) => variant_namespace(&r.namespace, v),
                None => r.namespace.to_string(),
            },
            matched_by: self.by,
            ranges: r.ranges.iter().map(describe_range).collect(),
            listed_version: self.listed.clone(),
            status: r.status,
            vendor_status: r.vendor_status.clone(),
            note: r.note.clone(),
        }
    }
}

/// The OSV ecosystem a namespace and its variant came from (`Ubuntu:14.04` + `Pro:LTS` ->
/// `Ubuntu:Pro:14.04:LTS`; `Ubuntu:22.04` + `LTS` -> `Ubuntu:22.04:LTS`).
fn variant_namespace(namespace: &str, variant: &str) -> String {
    let (base, release) = namespace.split_once(':').unwrap_or((namespace, ""));
    let mut parts = variant.split(':');
    let first = parts.next().unwrap_or_default();
    let rest: Vec<&str> = parts.collect();
    if rest.is_empty() {
        format!("{base}:{release}:{first}")
    } else {
        format!("{base}:{first}:{release}:{}", rest.join(":"))
    }
}

/// A range written out for people: `ECOSYSTEM >= 0, < 1.2-3 (fixed)`.
fn describe_range(r: &trawl_advisory::AffectedRange) -> String {
    use trawl_advisory::EventKind;
    let events: Vec<String> = r
        .events
        .iter()
        .map(|e| match e.kind {
            EventKind::Introduced => format!(">= {}", e.version),
            EventKind::Fixed => format!("< {} (fixed)", e.version),
            EventKind::LastAffected => format!("<= {} (last affected)", e.version),
            EventKind::Limit => format!("< {} (limit, not a fix)", e.version),
        })
        .collect();
    format!("{} {}", r.kind.as_str(), events.join(", "))
}

fn to_osv(record: &AffectedRecord) -> Vec<OsvRange> {
    record.ranges.iter().map(|r| r.to_osv()).collect()
}

/// Parsed versions, per scheme, by their text (`None`: the text does not parse). OSV feeds such as PyPA list
/// every affected release of a package in each advisory, so the same few hundred strings come back in record
/// after record; each is parsed once per scan.
#[derive(Default)]
struct ParsedVersions {
    by_scheme: HashMap<Scheme, HashMap<String, Option<Version>>>,
}

impl ParsedVersions {
    fn get(&mut self, scheme: Scheme, text: &str) -> Option<&Version> {
        let map = self.by_scheme.entry(scheme).or_default();
        if !map.contains_key(text) {
            map.insert(text.to_owned(), Version::parse(scheme, text).ok());
        }
        map.get(text).and_then(Option::as_ref)
    }
}

/// Checks one record (never a `not_affected` one: see [`Matcher::match_packages`]).
fn check<'r>(
    key: &Key,
    record: &'r AffectedRecord,
    parsed: &mut ParsedVersions,
) -> Option<Hit<'r>> {
    if record.status == Some(Status::NotAffected) {
        return None;
    }
    let ranges = to_osv(record);
    if ranges.is_empty() && record.versions.is_empty() {
        // A vendor record with a status and no version information (e.g. `<unfixed>`): every version is affected.
        return record.status.map(|_| Hit {
            record,
            fixed: Vec::new(),
            by: MatchedBy::VendorStatus,
            listed: None,
        });
    }
    // The ranges through `trawl_version::affected`; the explicit version list here, with the same rule (equal in
    // the scheme's order, or the same trimmed text when a listed version does not parse) but each text parsed
    // once per scan instead of once per record.
    let out = trawl_version::affected(key.scheme, &key.version, &ranges, &[]).ok()?;
    if out.affected {
        return Some(Hit {
            record,
            fixed: out.fixed,
            by: MatchedBy::Range,
            listed: None,
        });
    }
    let listed = listed(key, &record.versions, parsed)?;
    Some(Hit {
        record,
        fixed: out.fixed,
        by: MatchedBy::VersionList,
        listed: Some(listed),
    })
}

/// The listed version the installed version equals, if any (only called once the installed version parsed).
fn listed(
    key: &Key,
    versions: &trawl_advisory::Versions,
    parsed: &mut ParsedVersions,
) -> Option<String> {
    if versions.is_empty() {
        return None;
    }
    let own_text = key.version.trim();
    if let Some(v) = versions.iter().find(|v| v.trim() == own_text) {
        return Some(v.to_owned());
    }
    let own = parsed.get(key.scheme, &key.version).cloned()?;
    versions
        .iter()
        .find(|v| parsed.get(key.scheme, v).is_some_and(|l| *l == own))
        .map(str::to_owned)
}

/// Whether the vendor's `not_affected` record names one of the IDs of a finding.
fn names_any(record: &AffectedRecord, ids: &[String]) -> bool {
    std::iter::once(&record.advisory_id)
        .chain(&record.aliases)
        .any(|id| ids.iter().any(|x| x.eq_ignore_ascii_case(id)))
}

/// Matches packages against the DB.
///
/// Returns, for each package index that has findings, its findings (one per vulnerability, aliases merged).
pub struct Matcher<'db> {
    db: &'db AdvisoryDb,
    lookups: HashMap<(String, String), Arc<[AffectedRecord]>>,
    details: HashMap<String, Option<AdvisoryDetails>>,
    parsed: ParsedVersions,
}

impl<'db> Matcher<'db> {
    /// A matcher over `db`, with empty caches.
    pub fn new(db: &'db AdvisoryDb) -> Self {
        Matcher {
            db,
            lookups: HashMap::new(),
            details: HashMap::new(),
            parsed: ParsedVersions::default(),
        }
    }

    /// The records of a package (shared: one DB query per namespace and name per scan).
    fn lookup(&mut self, key: &Key) -> Result<Arc<[AffectedRecord]>, MatchError> {
        let k = (key.namespace.clone(), key.name.clone());
        if let Some(recs) = self.lookups.get(&k) {
            return Ok(Arc::clone(recs));
        }
        let recs: Arc<[AffectedRecord]> = self
            .db
            .lookup(&key.namespace, &key.name)
            .map_err(|cause| MatchError::Db {
                namespace: key.namespace.clone(),
                name: key.name.clone(),
                cause: Box::new(cause),
            })?
            .into();
        self.lookups.insert(k, Arc::clone(&recs));
        Ok(recs)
    }

    fn details(&mut self, id: &str) -> Option<AdvisoryDetails> {
        if !self.details.contains_key(id) {
            let d = self.db.advisory(id).ok().flatten();
            self.details.insert(id.to_owned(), d);
        }
        self.details.get(id).cloned().flatten()
    }

    /// Findings for every package (index into `packages`, finding), packages in order.
    pub fn match_packages(
        &mut self,
        os: Option<&OsInfo>,
        packages: &[Package],
    ) -> Result<Vec<(usize, Finding)>, MatchError> {
        let mut out = Vec::new();
        for (i, pkg) in packages.iter().enumerate() {
            let first = out.len();
            for key in key_for(pkg, os).into_iter().chain(cpe_keys(pkg)) {
                let records = self.lookup(&key)?;
                let hits: Vec<Hit<'_>> = records
                    .iter()
                    .filter_map(|r| check(&key, r, &mut self.parsed))
                    .collect();
                for group in group_by_alias(&hits) {
                    let mut f = self.finding(pkg, &key, os, &group);
                    // The vendor says this package in this release is not affected (Debian `<not-affected>`,
                    // a `resolved` with fixed version 0, Ubuntu VEX `not_affected`) while another record matched:
                    // the finding is kept suppressed, with the vendor's reason.
                    let ids: Vec<String> = std::iter::once(f.id.clone())
                        .chain(f.aliases.iter().cloned())
                        .collect();
                    if let Some(na) = records
                        .iter()
                        .find(|r| r.status == Some(Status::NotAffected) && names_any(r, &ids))
                    {
                        f.status = Status::NotAffected;
                        f.vendor_status = na.vendor_status.clone();
                        f.suppressed = Some(Suppression {
                            kind: "vendor".into(),
                            source: format!("{} {}", na.source.id, na.advisory_id),
                            statement: na.note.clone().or_else(|| na.vendor_status.clone()),
                            vex_status: Some(Status::NotAffected.as_str().into()),
                        });
                        if let Some(m) = f.match_details.as_mut() {
                            m.records.push(MatchedRecord {
                                matched_by: MatchedBy::VendorStatus,
                                ..Hit {
                                    record: na,
                                    fixed: Vec::new(),
                                    by: MatchedBy::VendorStatus,
                                    listed: None,
                                }
                                .explain()
                            });
                            m.status_reason = format!(
                                "{} {} says {} {} is not affected{}: suppressed",
                                na.source.id,
                                na.advisory_id,
                                key.name,
                                key.namespace,
                                na.note
                                    .as_deref()
                                    .map(|n| format!(" ({n})"))
                                    .unwrap_or_default()
                            );
                        }
                    }
                    // One finding per vulnerability and package, whichever of its keys found it first.
                    if out[first..]
                        .iter()
                        .any(|(_, g): &(usize, Finding)| same_vulnerability(g, &f))
                    {
                        continue;
                    }
                    out.push((i, f));
                }
            }
        }
        Ok(out)
    }

    fn finding(
        &mut self,
        pkg: &Package,
        key: &Key,
        os: Option<&OsInfo>,
        hits: &[&Hit<'_>],
    ) -> Finding {
        let mut ids: Vec<String> = Vec::new();
        for h in hits {
            for id in std::iter::once(&h.record.advisory_id).chain(&h.record.aliases) {
                if !ids.iter().any(|x| x.eq_ignore_ascii_case(id)) {
                    ids.push(id.clone());
                }
            }
        }
        let primary = ids
            .iter()
            .find(|i| i.starts_with("CVE-"))
            .or_else(|| ids.iter().find(|i| i.starts_with("GHSA-")))
            .cloned()
            .unwrap_or_else(|| hits[0].record.advisory_id.clone());
        let aliases: Vec<String> = ids.iter().filter(|i| **i != primary).cloned().collect();

        // Fixed versions: every fixing version of the matching ranges; the reported one is the lowest above
        // the installed version.
        let mut fixed: Vec<String> = Vec::new();
        for h in hits {
            for v in h.fixed.iter().chain(h.record.fixed_version.iter()) {
                if !fixed.contains(v) {
                    fixed.push(v.clone());
                }
            }
        }
        let mut above: Vec<&String> = fixed
            .iter()
            .filter(|v| {
                trawl_version::compare(key.scheme, v, &key.version)
                    .is_ok_and(|o| o == std::cmp::Ordering::Greater)
            })
            .collect();
        above.sort_by(|a, b| {
            trawl_version::compare(key.scheme, a, b).unwrap_or(std::cmp::Ordering::Equal)
        });
        let fixed_version = above.first().map(|s| (*s).clone());
        // The vendor's open status: the first record with a status other than fixed, the vendor's own feed
        // first.
        let vendor_ids = os.map(|o| vendor_source(o.family)).unwrap_or_default();
        let open = hits
            .iter()
            .filter(|h| h.record.status.is_some_and(|s| s != Status::Fixed))
            .min_by_key(|h| {
                let src = h.record.source.id.to_string();
                vendor_ids
                    .iter()
                    .position(|v| *v == src)
                    .unwrap_or(vendor_ids.len())
            });
        let (status, vendor_status, mut status_reason) = match (&fixed_version, open) {
            (Some(v), _) => {
                let from = hits
                    .iter()
                    .find(|h| h.fixed.contains(v) || h.record.fixed_version.as_ref() == Some(v))
                    .map(|h| format!(" ({} {})", h.record.source.id, h.record.advisory_id))
                    .unwrap_or_default();
                (
                    Status::Fixed,
                    None,
                    format!(
                        "fixed in {v}{from} in {}; {} < {v} in the {} order",
                        key.namespace, key.version, key.scheme
                    ),
                )
            }
            (None, Some(h)) => {
                let r = h.record;
                let s = r.status.unwrap_or(Status::Affected);
                let word = r
                    .vendor_status
                    .as_deref()
                    .map(|w| format!(" `{w}`"))
                    .unwrap_or_default();
                let note = r
                    .note
                    .as_deref()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default();
                (
                    s,
                    r.vendor_status.clone(),
                    format!(
                        "no fix for {} in {}; {} {} states{word}{note}: {s}",
                        key.name, key.namespace, r.source.id, r.advisory_id
                    ),
                )
            }
            (None, None) => {
                let why = if fixed.is_empty() {
                    "no fixed version in the matching records".to_owned()
                } else {
                    format!(
                        "no fixing version above {} (listed fixes: {})",
                        key.version,
                        fixed.join(", ")
                    )
                };
                (Status::Affected, None, format!("{why}: affected"))
            }
        };
        if let Some(os) = os.filter(|o| o.eol && pkg.ecosystem.is_some_and(Ecosystem::is_os)) {
            status_reason.push_str(&format!(
                "; {} {} is past its end of life ({}): fixes may never come",
                os.family,
                os.name,
                os.eosl.as_deref().unwrap_or("date unknown")
            ));
        }
        let match_details = MatchDetails {
            analyzer: pkg.analyzer.map(str::to_owned),
            file: pkg.file_path.clone(),
            layer: pkg
                .layer
                .as_ref()
                .map(|l| l.diff_id.clone())
                .filter(|d| !d.is_empty()),
            namespace: key.namespace.clone(),
            package: key.name.clone(),
            version: key.version.clone(),
            comparator: key.scheme.as_str().to_owned(),
            records: hits.iter().map(|h| h.explain()).collect(),
            status_reason,
        };

        // Details merged over the primary ID and its aliases, primary first.
        let mut details = self.details(&primary).unwrap_or_default();
        for a in &aliases {
            if let Some(d) = self.details(a) {
                merge_details(&mut details, d);
            }
        }

        let mut vendor_severity: BTreeMap<String, Severity> = details.severities.clone();
        let mut vendor_urgency = BTreeMap::new();
        for h in hits {
            if let Some(s) = h.record.severity {
                vendor_severity.insert(h.record.source.id.to_string(), s);
            }
            if let Some(u) = &h.record.urgency {
                vendor_urgency.insert(h.record.source.id.to_string(), u.clone());
            }
        }
        let (severity, severity_source) = pick_severity(&vendor_severity, os, pkg.ecosystem);

        let mut data_sources = Vec::new();
        for h in hits {
            if !data_sources.contains(&*h.record.source) {
                data_sources.push((*h.record.source).clone());
            }
        }
        let primary_url = details
            .references
            .iter()
            .find(|r| r.contains(&primary))
            .or_else(|| details.references.first())
            .cloned();
        Finding {
            id: primary,
            aliases,
            ecosystem: pkg.ecosystem,
            pkg_name: pkg.name.clone(),
            src_name: (key.name != pkg.name && pkg.ecosystem.is_some_and(Ecosystem::is_os))
                .then(|| key.name.clone()),
            installed_version: pkg.version.clone(),
            fixed_version,
            fixed_versions: fixed,
            purl: pkg.purl.clone(),
            pkg_path: pkg.file_path.clone(),
            reachability: reachability::assess(pkg, hits.iter().map(|h| h.record)),
            origin: None,
            status,
            vendor_status,
            severity,
            severity_source,
            vendor_severity,
            vendor_urgency,
            cvss: details.cvss,
            kev: details.kev,
            epss: details.epss.map(|e| e.0),
            epss_percentile: details.epss.map(|e| e.1),
            title: details.title,
            description: details.description,
            cwe_ids: details.cwe_ids,
            references: details.references,
            primary_url,
            published: details.published,
            modified: details.modified,
            layer: pkg.layer.clone(),
            data_sources,
            suppressed: None,
            match_details: Some(match_details),
        }
    }
}

fn merge_details(into: &mut AdvisoryDetails, d: AdvisoryDetails) {
    if into.title.is_none() {
        into.title = d.title;
    }
    if into.description.is_none() {
        into.description = d.description;
    }
    for r in d.references {
        if !into.references.contains(&r) {
            into.references.push(r);
        }
    }
    for (k, v) in d.cvss {
        into.cvss.entry(k).or_insert(v);
    }
    for (k, v) in d.severities {
        into.severities.entry(k).or_insert(v);
    }
    for c in d.cwe_ids {
        if !into.cwe_ids.contains(&c) {
            into.cwe_ids.push(c);
        }
    }
    if into.published.is_none() {
        into.published = d.published;
    }
    if into.modified.is_none() {
        into.modified = d.modified;
    }
    into.kev |= d.kev;
    if into.epss.is_none() {
        into.epss = d.epss;
    }
}

/// Severity: the vendor's own first, then CVSS-derived ones in [`CVSS_ORDER`], then any other.
fn pick_severity(
    by_source: &BTreeMap<String, Severity>,
    os: Option<&OsInfo>,
    eco: Option<Ecosystem>,
) -> (Severity, Option<String>) {
    let vendor: &[&str] = match (eco, os) {
        (Some(e), Some(os)) if e.is_os() => vendor_source(os.family),
        _ => &[],
    };
    let usable = |s: &&Severity| **s != Severity::Unknown;
    for src in vendor.iter().chain(CVSS_ORDER) {
        if let Some(s) = by_source.get(*src).filter(usable) {
            return (*s, Some((*src).to_owned()));
        }
    }
    if let Some((src, s)) = by_source.iter().find(|(_, s)| usable(s)) {
        return (*s, Some(src.clone()));
    }
    (Severity::Unknown, None)
}

/// Groups hits that name the same vulnerability (shared ID or alias), keeping first-seen order.
fn group_by_alias<'a, 'r>(hits: &'a [Hit<'r>]) -> Vec<Vec<&'a Hit<'r>>> {
    let mut groups: Vec<(Vec<String>, Vec<&Hit<'r>>)> = Vec::new();
    for h in hits {
        let ids: Vec<String> = std::iter::once(&h.record.advisory_id)
            .chain(&h.record.aliases)
            .map(|s| s.to_ascii_uppercase())
            .collect();
        let mut joined: Option<usize> = None;
        let mut i = 0;
        while i < groups.len() {
            if groups[i].0.iter().any(|x| ids.contains(x)) {
                match joined {
                    None => {
                        groups[i].0.extend(ids.iter().cloned());
                        groups[i].1.push(h);
                        joined = Some(i);
                        i += 1;
                    }
                    Some(j) => {
                        let (gids, ghits) = groups.remove(i);
                        groups[j].0.extend(gids);
                        groups[j].1.extend(ghits);
                    }
                }
            } else {
                i += 1;
            }
        }
        if joined.is_none() {
            groups.push((ids, vec![h]));
        }
    }
    groups.into_iter().map(|(_, h)| h).collect()
}

#[cfg(test)]
mod go_tests {
    use super::*;
    use trawl_types::Relationship;
    use trawl_version::{Event, RangeKind};

    fn go(name: &str, version: &str, rel: Relationship) -> Package {
        Package {
            ecosystem: Some(Ecosystem::Go),
            name: name.into(),
            version: version.into(),
            relationship: Some(rel),
            ..Package::default()
        }
    }

    #[test]
    fn unversioned_main_modules_are_not_matched() {
        for v in [
            "(devel)",
            "",
            "0.0.0-20240102030405-abcdef123456",
            "v0.0.0-20240102030405-abcdef123456",
            "v0.0.0-20240102030405-abcdef123456+dirty",
        ] {
            let p = go("example.com/app", v, Relationship::Root);
            assert!(key_for(&p, None).is_none(), "{v}");
        }
        // a release, or a pseudo-version on a tag, says which code it is
        for v in ["1.2.3", "1.2.4-0.20240102030405-abcdef123456", "0.0.0-rc1"] {
            let p = go("example.com/app", v, Relationship::Root);
            assert!(key_for(&p, None).is_some(), "{v}");
        }
        // a dependency's pseudo-version is a real module version
        let dep = go(
            "golang.org/x/net",
            "0.0.0-20220722155237-a158d28d115b",
            Relationship::Indirect,
        );
        assert!(key_for(&dep, None).is_some());
    }

    #[test]
    fn dependency_pseudo_versions_compare_in_ranges() {
        // GO-2022-0969 (golang.org/x/net): fixed in 0.0.0-20220906165146-f3363e06e74c
        let range = [OsvRange {
            kind: RangeKind::Semver,
            events: vec![
                Event::Introduced("0".into()),
                Event::Fixed("0.0.0-20220906165146-f3363e06e74c".into()),
            ],
        }];
        let check = |v: &str| {
            trawl_version::affected(Scheme::Go, v, &range, &[])
                .expect("parses")
                .affected
        };
        assert!(check("0.0.0-20220722155237-a158d28d115b"));
        assert!(!check("0.0.0-20220906165146-f3363e06e74c"));
        assert!(!check("0.0.0-20221004154528-8021a29435af"));
        assert!(!check("0.1.0"));
    }
}
