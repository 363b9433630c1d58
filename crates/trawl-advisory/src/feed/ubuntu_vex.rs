//! Canonical's OpenVEX documents (`vex/cve/YYYY/CVE-*.json` of ubuntu-security-notices; record: one document):
//! Ubuntu's own status of each source package in each release, which its OSV records do not carry.
//!
//! Each statement's products are purls `pkg:deb/ubuntu/NAME@VERSION?arch=source&distro=[esm-…/]CODENAME`; only
//! the source products are read (OS packages are matched by source package). The statement's status and the
//! Ubuntu Security Team's standard wording of its action statement or notes give the status:
//! `fixed` -> `fixed` in the product's version (word `released`); `not_affected` -> `not_affected` (its
//! justification is the note); `under_investigation` -> `under_investigation` (`needs-triage`); `affected` ->
//! "decided to not fix" `ignored` (`will_not_fix`), "no longer supported" `end-of-life` (`end_of_life`),
//! "deferred" `deferred` (`fix_deferred`), "pending" `pending` (`affected`), "needs triage" `needs-triage`
//! (`under_investigation`), anything else `needed` (`affected`). An `esm-*` distro is filed under the `Pro`
//! variant of the release, as Ubuntu's OSV records are.

use super::{Sink, Stats, plausible_version};
use crate::DbError;
use crate::model::{Advisory, AdvisoryDoc, Affected, AffectedRange};
use serde_json::Value;
use std::collections::BTreeMap;
use trawl_types::{DataSourceId, Status};

/// Ubuntu release numbers by code name.
const RELEASES: &[(&str, &str)] = &[
    ("precise", "12.04"),
    ("trusty", "14.04"),
    ("xenial", "16.04"),
    ("yakkety", "16.10"),
    ("zesty", "17.04"),
    ("artful", "17.10"),
    ("bionic", "18.04"),
    ("cosmic", "18.10"),
    ("disco", "19.04"),
    ("eoan", "19.10"),
    ("focal", "20.04"),
    ("groovy", "20.10"),
    ("hirsute", "21.04"),
    ("impish", "21.10"),
    ("jammy", "22.04"),
    ("kinetic", "22.10"),
    ("lunar", "23.04"),
    ("mantic", "23.10"),
    ("noble", "24.04"),
    ("oracular", "24.10"),
    ("plucky", "25.04"),
    ("questing", "25.10"),
];

/// Ubuntu's status of one statement: (status, word, note).
fn classify(statement: &Value) -> Option<(Status, &'static str, Option<String>)> {
    let text = |k: &str| statement.get(k).and_then(Value::as_str).unwrap_or_default();
    let action = text("action_statement");
    let notes = text("status_notes");
    let lower = format!("{action} {notes}").to_ascii_lowercase();
    // The team's own justification follows "CVE Notes / justification:" when there is one.
    let justification = action
        .split_once("justification:")
        .map(|(_, j)| j.trim().to_owned())
        .filter(|j| !j.is_empty());
    Some(match text("status") {
        "fixed" => (Status::Fixed, "released", None),
        "not_affected" => (
            Status::NotAffected,
            "not-affected",
            Some(text("justification").to_owned()).filter(|j| !j.is_empty()),
        ),
        "under_investigation" => (Status::UnderInvestigation, "needs-triage", None),
        "affected" => {
            let (s, w) = if lower.contains("decided to not fix") || lower.contains("will not fix") {
                (Status::WillNotFix, "ignored")
            } else if lower.contains("no longer supported") || lower.contains("end of life") {
                (Status::EndOfLife, "end-of-life")
            } else if lower.contains("deferred") {
                (Status::FixDeferred, "deferred")
            } else if lower.contains("pending") {
                (Status::Affected, "pending")
            } else if lower.contains("needs triage") || lower.contains("needs to be triaged") {
                (Status::UnderInvestigation, "needs-triage")
            } else {
                (Status::Affected, "needed")
            };
            (s, w, justification)
        }
        _ => return None,
    })
}

/// A source product: (name, version, namespace release, Pro variant).
fn source_product(purl: &str) -> Option<(String, String, &'static str, bool)> {
    let p: trawl_types::Purl = purl.parse().ok()?;
    if p.ty != "deb"
        || p.namespace.as_deref() != Some("ubuntu")
        || p.qualifier("arch") != Some("source")
    {
        return None;
    }
    let distro = p.qualifier("distro")?;
    let (prefix, codename) = match distro.rsplit_once('/') {
        Some((pre, c)) => (Some(pre), c),
        None => (None, distro),
    };
    let release = RELEASES.iter().find(|(c, _)| *c == codename)?.1;
    Some((
        p.name.clone(),
        p.version.clone(),
        release,
        prefix.is_some_and(|pre| pre.starts_with("esm")),
    ))
}

/// Reads OpenVEX documents from `location`.
pub(crate) fn read(location: &str, sink: &mut dyn Sink, stats: &mut Stats) -> Result<(), DbError> {
    for (name, doc) in super::json_documents(location, stats)? {
        let Some(statements) = doc.get("statements").and_then(Value::as_array) else {
            stats.skip(format!("{name}: no `statements`: not an OpenVEX document"));
            continue;
        };
        stats.saw_timestamp(doc.get("timestamp").and_then(Value::as_str));
        // Per CVE: one affected row per (release, variant, source package); the last statement wins, as in
        // the document's order.
        let mut by_cve: BTreeMap<String, BTreeMap<(String, bool, String), Affected>> =
            BTreeMap::new();
        for (i, st) in statements.iter().enumerate() {
            let Some(cve) = st
                .pointer("/vulnerability/name")
                .and_then(Value::as_str)
                .filter(|c| c.starts_with("CVE-"))
            else {
                stats.skip(format!("{name}: statements[{i}] names no CVE"));
                continue;
            };
            let Some((status, word, note)) = classify(st) else {
                stats.skip(format!("{name}: statements[{i}]: unknown status"));
                continue;
            };
            let products = st.get("products").and_then(Value::as_array);
            for p in products.into_iter().flatten() {
                let Some(purl) = p.get("@id").and_then(Value::as_str) else {
                    continue;
                };
                let Some((pkg, version, release, pro)) = source_product(purl) else {
                    continue;
                };
                let fixed = (status == Status::Fixed)
                    .then_some(version)
                    .filter(|v| plausible_version(v));
                if status == Status::Fixed && fixed.is_none() {
                    stats.skip(format!("{name}: {purl}: fixed without a version"));
                    continue;
                }
                let ranges = match status {
                    Status::NotAffected => Vec::new(),
                    _ => vec![AffectedRange::ecosystem_fixed(fixed.as_deref())],
                };
                let row = Affected {
                    namespace: format!("Ubuntu:{release}"),
                    variant: pro.then(|| "Pro".to_owned()),
                    name: pkg.clone(),
                    ranges,
                    status: Some(status),
                    fixed_version: fixed,
                    vendor_status: Some(word.to_owned()),
                    note: note.clone(),
                    ..Affected::default()
                };
                by_cve
                    .entry(cve.to_owned())
                    .or_default()
                    .insert((release.to_owned(), pro, pkg), row);
            }
        }
        for (cve, rows) in by_cve {
            stats.records += 1;
            sink.advisory(Advisory {
                id: cve,
                source: DataSourceId::Ubuntu,
                doc: AdvisoryDoc {
                    modified: doc
                        .get("timestamp")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    ..AdvisoryDoc::default()
                },
                affected: rows.into_values().collect(),
            })?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_products_only() {
        assert_eq!(
            source_product("pkg:deb/ubuntu/glibc@2.35-0ubuntu3.13?arch=source&distro=jammy"),
            Some(("glibc".into(), "2.35-0ubuntu3.13".into(), "22.04", false))
        );
        assert_eq!(
            source_product(
                "pkg:deb/ubuntu/glibc@2.23-0ubuntu11.3%2Besm9?arch=source&distro=esm-infra/xenial"
            ),
            Some((
                "glibc".into(),
                "2.23-0ubuntu11.3+esm9".into(),
                "16.04",
                true
            ))
        );
        assert_eq!(
            source_product("pkg:deb/ubuntu/libc6@2.35-0ubuntu3.13?arch=amd64&distro=jammy"),
            None
        );
        assert_eq!(
            source_product("pkg:deb/ubuntu/x@1?arch=source&distro=warty"),
            None
        );
    }
}
