//! Affected products of CVE JSON 5 records (`containers.*.affected[]`) and NVD API 2.0 configurations
//! (`configurations[].nodes[].cpeMatch[]`), as records of the `cpe` namespace keyed `vendor:product` (lower
//! case; the CPE's own vendor and product when the record gives a CPE, and also NVD's CPE name for a few CNA
//! spellings, `CNA_ALIASES`), compared in the upstream order
//! (`trawl_version::Scheme::Upstream`). Software found outside package managers (binaries, by their CPEs) is
//! matched against them.
//!
//! CVE JSON 5 `versions[]`:
//! - `status: affected` with `lessThan` L: `introduced` the `version` (or `0` when the version is `0`, not a
//!   version, or not below L: curl's records write `version: 8.4.0, lessThan: 8.4.0` for "below 8.4.0"),
//!   `fixed` L; with `lessThanOrEqual` L: `last_affected` L; `lessThan: *`: open; a plain `version`: that
//!   version only.
//! - `status: unaffected` with `lessThan` L and no lower bound (`version` `0` or not below L): versions below L
//!   are not affected, so the affected ranges that start at `0` start at L.
//! - `versionType: git` entries are skipped; `defaultStatus` is not used (a product with only
//!   `defaultStatus: affected` would match every version).
//!
//! NVD `cpeMatch` with `vulnerable: true`: `versionStartIncluding`/`Excluding` and
//! `versionEndIncluding`/`Excluding` become `introduced`, `fixed` or `last_affected`; a CPE naming one version
//! (no range fields) lists that version; a CPE with a non-`*` update (`1.0.2:beta1`) is skipped. Excluded
//! starts are approximated by an inclusive start (the start version itself was not affected, a difference
//! only for that one version).

use crate::model::{Affected, AffectedRange, EventKind, RangeEvent, RangeKind};
use serde_json::Value;
use trawl_types::cpe::Cpe;

/// The namespace of CPE-keyed records.
pub(crate) const NAMESPACE: &str = "cpe";

fn ev(kind: EventKind, v: &str) -> RangeEvent {
    RangeEvent {
        kind,
        version: v.to_owned(),
    }
}

fn is_version(v: &str) -> bool {
    trawl_version::parse(trawl_version::Scheme::Upstream, v).is_ok()
}

fn below(a: &str, b: &str) -> bool {
    trawl_version::compare(trawl_version::Scheme::Upstream, a, b)
        .is_ok_and(|o| o == std::cmp::Ordering::Less)
}

/// Adds ranges/versions to the entry for `key`, creating it.
fn entry(out: &mut Vec<Affected>, key: String) -> &mut Affected {
    if let Some(i) = out.iter().position(|a| a.name == key) {
        return &mut out[i];
    }
    out.push(Affected {
        namespace: NAMESPACE.to_owned(),
        name: key,
        ..Affected::default()
    });
    out.last_mut().expect("just pushed")
}

/// A vendor or product name of a CVE record as a CPE attribute: lower case, spaces as `_`.
fn cpe_word(s: &str) -> Option<String> {
    let s = s.trim();
    if s.is_empty() || s.eq_ignore_ascii_case("n/a") || s.len() > 128 {
        return None;
    }
    Some(s.to_ascii_lowercase().replace(' ', "_"))
}

/// CNAs name their products in their own words; these are the CPE names NVD gives the same products (the
/// programs `trawl_lockfile::binary` recognises), so a CNA-only record is found under the CPE key too.
const CNA_ALIASES: &[(&str, &str)] = &[
    ("curl:curl", "haxx:curl"),
    ("curl:libcurl", "haxx:libcurl"),
    ("python_software_foundation:cpython", "python:python"),
    ("python_software_foundation:python", "python:python"),
    (
        "apache_software_foundation:apache_http_server",
        "apache:http_server",
    ),
    ("openssl:openssl", "openssl:openssl"),
    ("nodejs:node", "nodejs:node.js"),
    ("f5:nginx_open_source", "f5:nginx"),
    ("postgresql:postgresql", "postgresql:postgresql"),
    ("mariadb:mariadb_server", "mariadb:mariadb"),
    ("redis:redis", "redis:redis"),
    ("haproxy:haproxy", "haproxy:haproxy"),
    ("hashicorp:vault", "hashicorp:vault"),
    ("hashicorp:consul", "hashicorp:consul"),
    ("traefik:traefik", "traefik:traefik"),
];

fn cna_alias(key: &str) -> Option<&'static str> {
    CNA_ALIASES
        .iter()
        .find(|(k, v)| *k == key && *v != key)
        .map(|(_, v)| *v)
}

/// The records of the `affected[]` of a CVE JSON 5 container (CNA or ADP).
pub(crate) fn from_cve5(container: &Value, out: &mut Vec<Affected>) {
    for a in container
        .get("affected")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let mut keys: Vec<String> = a
            .get("cpes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter_map(|c| Cpe::parse(c).ok())
            .filter(|c| c.part == 'a')
            .map(|c| c.key())
            .collect();
        keys.dedup();
        if keys.is_empty() {
            let (Some(vendor), Some(product)) = (
                a.get("vendor").and_then(Value::as_str).and_then(cpe_word),
                a.get("product").and_then(Value::as_str).and_then(cpe_word),
            ) else {
                continue;
            };
            let key = format!("{vendor}:{product}");
            if let Some(cpe_key) = cna_alias(&key) {
                keys.push(cpe_key.to_owned());
            }
            keys.push(key);
        }
        let mut ranges: Vec<AffectedRange> = Vec::new();
        let mut versions: Vec<String> = Vec::new();
        let mut unaffected_below: Option<String> = None;
        for v in a
            .get("versions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if v.get("versionType").and_then(Value::as_str) == Some("git") {
                continue;
            }
            let status = v.get("status").and_then(Value::as_str).unwrap_or("");
            let version = v
                .get("version")
                .and_then(Value::as_str)
                .unwrap_or("")
                .trim();
            let lt = v.get("lessThan").and_then(Value::as_str).map(str::trim);
            let le = v
                .get("lessThanOrEqual")
                .and_then(Value::as_str)
                .map(str::trim);
            let bound = lt.or(le);
            match status {
                "affected" => {
                    let Some(end) = bound else {
                        if is_version(version) && version != "0" {
                            versions.push(version.to_owned());
                        }
                        continue;
                    };
                    if end != "*" && !is_version(end) {
                        continue;
                    }
                    let start = if is_version(version)
                        && version != "0"
                        && (end == "*" || below(version, end))
                    {
                        version
                    } else {
                        "0"
                    };
                    let mut events = vec![ev(EventKind::Introduced, start)];
                    if end != "*" {
                        events.push(ev(
                            if lt.is_some() {
                                EventKind::Fixed
                            } else {
                                EventKind::LastAffected
                            },
                            end,
                        ));
                    }
                    ranges.push(AffectedRange {
                        kind: RangeKind::Ecosystem,
                        repo: None,
                        events,
                    });
                }
                "unaffected" => {
                    if let Some(end) = lt
                        && is_version(end)
                        && (version == "0" || !is_version(version) || !below(version, end))
                        && unaffected_below.as_deref().is_none_or(|u| below(u, end))
                    {
                        unaffected_below = Some(end.to_owned());
                    }
                }
                _ => {}
            }
        }
        if let Some(floor) = &unaffected_below {
            for r in &mut ranges {
                if let Some(first) = r.events.first_mut()
                    && first.kind == EventKind::Introduced
                    && (first.version == "0" || below(&first.version, floor))
                {
                    first.version.clone_from(floor);
                }
            }
        }
        if ranges.is_empty() && versions.is_empty() {
            continue;
        }
        for key in keys {
            let e = entry(out, key);
            for r in &ranges {
                if !e.ranges.contains(r) {
                    e.ranges.push(r.clone());
                }
            }
            for v in &versions {
                if !e.versions.contains(v) {
                    e.versions.push(v.clone());
                }
            }
        }
    }
}

/// The records of an NVD API 2.0 `cve` object's `configurations`.
pub(crate) fn from_nvd(cve: &Value, out: &mut Vec<Affected>) {
    let matches = cve
        .get("configurations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| c.get("nodes").and_then(Value::as_array))
        .flatten()
        .filter_map(|n| n.get("cpeMatch").and_then(Value::as_array))
        .flatten();
    for m in matches {
        if m.get("vulnerable").and_then(Value::as_bool) != Some(true) {
            continue;
        }
        let Some(cpe) = m
            .get("criteria")
            .and_then(Value::as_str)
            .and_then(|c| Cpe::parse(c).ok())
        else {
            continue;
        };
        if cpe.part != 'a' || !matches!(cpe.update(), "*" | "-") {
            continue;
        }
        let field = |k: &str| {
            m.get(k)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|v| is_version(v))
        };
        let start = field("versionStartIncluding").or_else(|| field("versionStartExcluding"));
        let end_ex = field("versionEndExcluding");
        let end_in = field("versionEndIncluding");
        let e = entry(out, cpe.key());
        if start.is_none() && end_ex.is_none() && end_in.is_none() {
            match cpe.version() {
                "*" => {}
                "-" => continue,
                v if is_version(v) => {
                    if !e.versions.iter().any(|x| x == v) {
                        e.versions.push(v.to_owned());
                    }
                    continue;
                }
                _ => continue,
            }
        }
        let mut events = vec![ev(EventKind::Introduced, start.unwrap_or("0"))];
        if let Some(f) = end_ex {
            events.push(ev(EventKind::Fixed, f));
        } else if let Some(l) = end_in {
            events.push(ev(EventKind::LastAffected, l));
        }
        let r = AffectedRange {
            kind: RangeKind::Ecosystem,
            repo: None,
            events,
        };
        if !e.ranges.contains(&r) {
            e.ranges.push(r);
        }
    }
    out.retain(|a| !a.ranges.is_empty() || !a.versions.is_empty());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(a: &Affected) -> Vec<String> {
        a.ranges
            .iter()
            .map(|r| {
                r.events
                    .iter()
                    .map(|e| format!("{}:{}", e.kind.as_str(), e.version))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    #[test]
    fn cve5_curl_style_and_cpes() {
        // curl's own way (CVE-2023-38545): "affected, lessThan 8.4.0" and "unaffected, lessThan 7.69.0"
        let cna: Value = serde_json::json!({"affected": [{"vendor": "curl", "product": "curl", "versions": [
            {"version": "8.4.0", "status": "affected", "lessThan": "8.4.0", "versionType": "semver"},
            {"version": "7.69.0", "status": "unaffected", "lessThan": "7.69.0", "versionType": "semver"}]},
            {"vendor": "n/a", "product": "n/a", "versions": [{"version": "n/a", "status": "affected"}]},
            {"vendor": "Apache Software Foundation", "product": "Apache HTTP Server",
             "cpes": ["cpe:2.3:a:apache:http_server:*:*:*:*:*:*:*:*"],
             "versions": [{"version": "2.4.0", "status": "affected", "lessThanOrEqual": "2.4.59", "versionType": "semver"},
                          {"version": "abc123", "status": "affected", "lessThan": "*", "versionType": "git"}]}]});
        let mut out = Vec::new();
        from_cve5(&cna, &mut out);
        let names: Vec<&str> = out.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["haxx:curl", "curl:curl", "apache:http_server"]);
        assert_eq!(events(&out[0]), ["introduced:7.69.0 fixed:8.4.0"]);
        assert_eq!(events(&out[1]), ["introduced:7.69.0 fixed:8.4.0"]);
        assert_eq!(events(&out[2]), ["introduced:2.4.0 last_affected:2.4.59"]);
    }

    #[test]
    fn nvd_ranges_and_single_versions() {
        let cve: Value = serde_json::json!({"configurations": [{"nodes": [{"operator": "OR", "cpeMatch": [
            {"vulnerable": true, "criteria": "cpe:2.3:a:haxx:curl:*:*:*:*:*:*:*:*",
             "versionStartIncluding": "7.69.0", "versionEndExcluding": "8.4.0"},
            {"vulnerable": true, "criteria": "cpe:2.3:a:openssl:openssl:1.1.1w:*:*:*:*:*:*:*"},
            {"vulnerable": true, "criteria": "cpe:2.3:a:openssl:openssl:1.0.2:beta1:*:*:*:*:*:*"},
            {"vulnerable": false, "criteria": "cpe:2.3:o:debian:debian_linux:12.0:*:*:*:*:*:*:*"},
            {"vulnerable": true, "criteria": "cpe:2.3:a:f5:nginx:*:*:*:*:*:*:*:*", "versionEndIncluding": "1.25.2"}]}]}]});
        let mut out = Vec::new();
        from_nvd(&cve, &mut out);
        let names: Vec<&str> = out.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["haxx:curl", "openssl:openssl", "f5:nginx"]);
        assert_eq!(events(&out[0]), ["introduced:7.69.0 fixed:8.4.0"]);
        assert_eq!(out[1].versions, ["1.1.1w"]);
        assert!(out[1].ranges.is_empty());
        assert_eq!(events(&out[2]), ["introduced:0 last_affected:1.25.2"]);
    }
}
