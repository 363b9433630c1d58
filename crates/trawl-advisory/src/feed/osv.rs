//! OSV records (<https://ossf.github.io/osv-schema/>), JSON or YAML, from a directory tree, a zip
//! (`<ECOSYSTEM>/all.zip`), or an HTTP(S) base URL in the OSV bucket layout (`ecosystems.txt`,
//! `<ECOSYSTEM>/all.zip`). A base URL may end in `#Eco1,Eco2` to fetch only those ecosystems.

use super::{InputFile, Sink, Stats, for_each_local_file, plausible_version, visit_bytes};
use crate::DbError;
use crate::model::{
    Advisory, AdvisoryDoc, Affected, AffectedRange, EventKind, RangeEvent, RangeKind,
    SeverityEntry, non_empty_json,
};
use crate::names::{normalise_package, osv_source_for, parse_namespace, ubuntu_priority_severity};
use crate::score::entry_from_vector;
use serde::Deserialize;
use serde_json::Value;
use std::path::Path;
use std::str::FromStr;
use trawl_types::{DataSourceId, Severity};

/// The public OSV bucket.
pub const DEFAULT_OSV_URL: &str = "https://osv-vulnerabilities.storage.googleapis.com";

#[derive(Debug, Deserialize)]
struct OsvRecord {
    id: String,
    #[serde(default)]
    modified: Option<String>,
    #[serde(default)]
    published: Option<String>,
    #[serde(default)]
    withdrawn: Option<String>,
    #[serde(default)]
    aliases: Option<Vec<String>>,
    #[serde(default)]
    related: Option<Vec<String>>,
    #[serde(default)]
    upstream: Option<Vec<String>>,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    details: Option<String>,
    #[serde(default)]
    severity: Option<Vec<OsvSeverity>>,
    #[serde(default)]
    affected: Option<Vec<OsvAffected>>,
    #[serde(default)]
    references: Option<Vec<OsvReference>>,
    #[serde(default)]
    database_specific: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct OsvSeverity {
    #[serde(rename = "type")]
    kind: String,
    score: Value,
}

#[derive(Debug, Deserialize)]
struct OsvReference {
    #[serde(default)]
    url: Option<String>,
}

#[derive(Debug, Deserialize)]
struct OsvAffected {
    #[serde(default)]
    package: Option<OsvPackage>,
    #[serde(default)]
    severity: Option<Vec<OsvSeverity>>,
    #[serde(default)]
    ranges: Option<Vec<OsvRange>>,
    #[serde(default)]
    versions: Option<Vec<Value>>,
    #[serde(default)]
    ecosystem_specific: Option<Value>,
    #[serde(default)]
    database_specific: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct OsvPackage {
    #[serde(default)]
    ecosystem: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    purl: Option<String>,
}

#[derive(Debug, Deserialize)]
struct OsvRange {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    repo: Option<String>,
    #[serde(default)]
    events: Vec<serde_json::Map<String, Value>>,
}

/// Reads OSV records from `location` into `sink`.
pub(crate) fn read(location: &str, sink: &mut dyn Sink, stats: &mut Stats) -> Result<(), DbError> {
    let accept = |n: &str| super::is_json(n) || super::is_yaml(n);
    let mut result = Ok(());
    let mut errors = Vec::new();
    {
        let mut on_file = |file: InputFile| {
            if result.is_ok() {
                result = handle_file(&file, sink, stats);
            }
        };
        if crate::http::is_url(location) {
            read_bucket(location, &accept, &mut on_file, &mut |e| errors.push(e))?;
        } else {
            for_each_local_file(Path::new(location), &accept, &mut on_file, &mut |e| {
                errors.push(e)
            })?;
        }
    }
    for e in errors {
        stats.skip(e);
    }
    result
}

/// Fetches `ecosystems.txt` and each `<ECOSYSTEM>/all.zip` under a base URL.
fn read_bucket(
    location: &str,
    accept: &dyn Fn(&str) -> bool,
    f: &mut dyn FnMut(InputFile),
    on_error: &mut dyn FnMut(String),
) -> Result<(), DbError> {
    let (base, only) = match location.split_once('#') {
        Some((b, list)) => (b, Some(list)),
        None => (location, None),
    };
    let base = base.trim_end_matches('/');
    let agent = crate::http::agent(crate::http::DEFAULT_TIMEOUT);
    let ecosystems: Vec<String> = match only {
        Some(list) => list
            .split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect(),
        None => {
            let url = format!("{base}/ecosystems.txt");
            let text = crate::http::get_bytes(&agent, &url)?;
            String::from_utf8_lossy(&text)
                .lines()
                .map(|l| l.trim().to_owned())
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .collect()
        }
    };
    for eco in ecosystems {
        let url = format!("{base}/{}/all.zip", crate::http::encode_segment(&eco));
        match crate::http::get_bytes(&agent, &url) {
            Ok(bytes) => visit_bytes(url, bytes, accept, f, on_error),
            // An ecosystem listed but not (yet) published is not fatal; everything else is.
            Err(e) if e.is_not_found() => on_error(format!("{e}")),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

fn handle_file(file: &InputFile, sink: &mut dyn Sink, stats: &mut Stats) -> Result<(), DbError> {
    let record: OsvRecord = match super::parse_doc(file) {
        Ok(r) => r,
        Err(e) => {
            stats.skip(e);
            return Ok(());
        }
    };
    if record.id.trim().is_empty() {
        stats.skip(format!("{}: OSV record without an id", file.name));
        return Ok(());
    }
    stats.records += 1;
    stats.saw_timestamp(record.modified.as_deref());
    let advisory = convert(record, &file.name, stats);
    sink.advisory(advisory)
}

fn value_to_version(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Turns an OSV record into an advisory; bad affected entries are skipped and counted.
fn convert(r: OsvRecord, file: &str, stats: &mut Stats) -> Advisory {
    let first_eco = r.affected.as_ref().and_then(|a| {
        a.iter()
            .find_map(|x| x.package.as_ref().map(|p| p.ecosystem.clone()))
    });
    let source = osv_source_for(&r.id, first_eco.as_deref());
    // The name ratings are filed under: the data source's ID, but `debian` for Debian's OSV export (as the
    // tracker's own ratings) and `osv` for any generic OSV record.
    let severity_source = match &source {
        DataSourceId::OsvEcosystem(_) => DataSourceId::Osv.to_string(),
        DataSourceId::DebianOsv => "debian".to_owned(),
        s => s.to_string(),
    };

    let mut severity = Vec::new();
    for s in r.severity.iter().flatten() {
        if let Some(e) = severity_entry(&severity_source, s) {
            severity.push(e);
        }
    }
    // GHSA's own rating (`LOW`, `MODERATE`, `HIGH`, `CRITICAL`).
    if let Some(sev) = r
        .database_specific
        .as_ref()
        .and_then(|d| d.get("severity"))
        .and_then(Value::as_str)
        .and_then(|s| Severity::from_str(s).ok())
    {
        severity.push(SeverityEntry {
            source: severity_source.clone(),
            vector: None,
            score: None,
            severity: Some(sev),
        });
    }
    let cwes = r
        .database_specific
        .as_ref()
        .and_then(|d| d.get("cwe_ids"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();

    let mut affected = Vec::new();
    for (i, a) in r.affected.unwrap_or_default().into_iter().enumerate() {
        match convert_affected(a, &severity_source, &mut severity) {
            Ok(Some(x)) => affected.push(x),
            Ok(None) => {}
            Err(e) => stats.skip(format!("{file}: {} affected[{i}]: {e}", r.id)),
        }
    }

    // `UBUNTU-CVE-2024-3094` is Ubuntu's record of CVE-2024-3094; older records name the CVE only under
    // `related`, so it is added as an upstream ID.
    let mut upstream = r.upstream.unwrap_or_default();
    if let Some(cve) =
        r.id.trim()
            .strip_prefix("UBUNTU-")
            .filter(|c| c.starts_with("CVE-"))
        && !upstream.iter().any(|u| u == cve)
    {
        upstream.push(cve.to_owned());
    }
    Advisory {
        id: r.id.trim().to_owned(),
        source,
        doc: AdvisoryDoc {
            aliases: r.aliases.unwrap_or_default(),
            upstream,
            related: r.related.unwrap_or_default(),
            summary: r.summary.filter(|s| !s.trim().is_empty()),
            details: r.details.filter(|s| !s.trim().is_empty()),
            severity,
            references: r
                .references
                .unwrap_or_default()
                .into_iter()
                .filter_map(|x| x.url)
                .collect(),
            cwes,
            published: r.published.filter(|d| !d.starts_with("0001-")),
            modified: r.modified.filter(|d| !d.starts_with("0001-")),
            withdrawn: r.withdrawn,
            database_specific: non_empty_json(r.database_specific),
            package_specific: Vec::new(),
        },
        affected,
    }
}

fn severity_entry(source: &str, s: &OsvSeverity) -> Option<SeverityEntry> {
    let score = match &s.score {
        Value::String(x) => x.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    match s.kind.to_ascii_uppercase().as_str() {
        "CVSS_V2" | "CVSS_V3" | "CVSS_V4" => Some(entry_from_vector(source, &score, None)),
        "UBUNTU" => Some(SeverityEntry {
            source: "ubuntu".to_owned(),
            vector: None,
            score: None,
            severity: ubuntu_priority_severity(&score),
        }),
        _ => None,
    }
}

/// One affected entry; `Ok(None)` for entries that name no package (GIT-only records).
fn convert_affected(
    a: OsvAffected,
    severity_source: &str,
    severity: &mut Vec<SeverityEntry>,
) -> Result<Option<Affected>, String> {
    let Some(pkg) = a.package else {
        return Ok(None);
    };
    let ns = parse_namespace(&pkg.ecosystem)
        .ok_or_else(|| format!("unknown ecosystem `{}`", pkg.ecosystem))?;
    if pkg.name.trim().is_empty() {
        return Err("package without a name".to_owned());
    }
    for s in a.severity.iter().flatten() {
        if let Some(e) = severity_entry(severity_source, s)
            && !severity.contains(&e)
        {
            severity.push(e);
        }
    }
    let mut ranges = Vec::new();
    for r in a.ranges.unwrap_or_default() {
        let kind = match r.kind.to_ascii_uppercase().as_str() {
            "ECOSYSTEM" => RangeKind::Ecosystem,
            "SEMVER" => RangeKind::Semver,
            "GIT" => RangeKind::Git,
            other => return Err(format!("unknown range type `{other}`")),
        };
        let mut events = Vec::new();
        for ev in r.events {
            for (k, v) in ev {
                let kind = match k.as_str() {
                    "introduced" => EventKind::Introduced,
                    "fixed" => EventKind::Fixed,
                    "last_affected" => EventKind::LastAffected,
                    "limit" => EventKind::Limit,
                    other => return Err(format!("unknown range event `{other}`")),
                };
                let version = value_to_version(&v)
                    .filter(|v| plausible_version(v))
                    .ok_or_else(|| format!("unparsable version {v} in a `{k}` event"))?;
                if kind != EventKind::Introduced && version == "0" {
                    return Err(format!("`{k}: 0` is not a version"));
                }
                events.push(RangeEvent { kind, version });
            }
        }
        if kind == RangeKind::Semver {
            for e in &events {
                let open_start = e.version == "0" && e.kind == EventKind::Introduced;
                if !open_start && !is_semver(&e.version) {
                    return Err(format!("`{}` is not a semantic version", e.version));
                }
            }
        }
        ranges.push(AffectedRange {
            kind,
            repo: r.repo,
            events,
        });
    }
    let mut versions = Vec::new();
    for v in a.versions.unwrap_or_default() {
        let v = value_to_version(&v)
            .filter(|x| plausible_version(x))
            .ok_or_else(|| format!("unparsable version {v} in `versions`"))?;
        versions.push(v);
    }
    let es = non_empty_json(a.ecosystem_specific);
    // Ubuntu puts its priority per package in ecosystem_specific? (it uses the record severity); Debian OSV
    // puts `urgency` there.
    let urgency = es
        .as_ref()
        .and_then(|e| e.get("urgency"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let vendor_sev = urgency
        .as_deref()
        .and_then(crate::names::debian_urgency_severity);
    Ok(Some(Affected {
        name: normalise_package(&ns, &pkg.name),
        namespace: ns.name,
        variant: ns.variant,
        purl: pkg.purl,
        ranges,
        versions,
        status: None,
        fixed_version: None,
        urgency,
        severity: vendor_sev,
        vendor_status: None,
        note: None,
        ecosystem_specific: es,
        database_specific: non_empty_json(a.database_specific),
    }))
}

/// SemVer 2.0 shape check (`MAJOR.MINOR.PATCH[-pre][+build]`, an optional leading `v`).
fn is_semver(v: &str) -> bool {
    let v = v.strip_prefix('v').unwrap_or(v);
    let core_end = v.find(['-', '+']).unwrap_or(v.len());
    let (core, rest) = v.split_at(core_end);
    let nums: Vec<&str> = core.split('.').collect();
    nums.len() == 3
        && nums
            .iter()
            .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-+.".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semver_shape() {
        assert!(is_semver("1.2.3"));
        assert!(is_semver("1.2.3-rc.1+build"));
        assert!(is_semver("v0.0.0-20220101-abcdef"));
        assert!(!is_semver("1.2"));
        assert!(!is_semver("1.x.3"));
    }
}
