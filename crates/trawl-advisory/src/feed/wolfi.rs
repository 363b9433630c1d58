//! Wolfi: the advisories repository (`<pkg>.advisories.yaml`, schema 2: `advisories[].events[]`, the latest
//! event decides; record unit: one advisory) and the secdb JSON (`packages[].pkg.secfixes`, as Alpine; record
//! unit: one secfixes item). Namespace `Wolfi`, keyed by the origin (source) package.
//!
//! Latest event -> status: `fixed` -> `fixed` (its `fixed-version`); `false-positive-determination` ->
//! `not_affected`; `fix-not-planned` -> `will_not_fix`; `pending-upstream-fix` -> `fix_deferred`;
//! `detection`, `true-positive-determination`, `analysis-not-planned` and others -> `affected`.

use super::{InputFile, Sink, Stats, plausible_version};
use crate::DbError;
use crate::model::{Advisory, AdvisoryDoc, Affected, AffectedRange};
use serde::Deserialize;
use serde_json::Value;
use trawl_types::{DataSourceId, Status};

#[derive(Debug, Deserialize)]
struct AdvisoriesDoc {
    package: PackageRef,
    #[serde(default)]
    advisories: Option<Vec<WolfiAdvisory>>,
}

#[derive(Debug, Deserialize)]
struct PackageRef {
    name: String,
}

#[derive(Debug, Deserialize)]
struct WolfiAdvisory {
    id: String,
    #[serde(default)]
    aliases: Option<Vec<String>>,
    #[serde(default)]
    events: Option<Vec<WolfiEvent>>,
}

#[derive(Debug, Deserialize)]
struct WolfiEvent {
    #[serde(default)]
    timestamp: Option<String>,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    data: Option<Value>,
}

/// Reads Wolfi advisories/secdb from `location`.
pub(crate) fn read(location: &str, sink: &mut dyn Sink, stats: &mut Stats) -> Result<(), DbError> {
    let accept = |n: &str| super::is_json(n) || super::is_yaml(n);
    let mut files = Vec::new();
    super::for_each_input(location, &accept, &mut |f: InputFile| files.push(f), stats)?;
    for file in files {
        let value: Value = match super::parse_doc(&file) {
            Ok(v) => v,
            Err(e) => {
                stats.skip(e);
                continue;
            }
        };
        if value.get("packages").is_some() {
            let db: super::alpine::Secdb = match serde_json::from_value(value) {
                Ok(d) => d,
                Err(e) => {
                    stats.skip(format!("{}: bad secdb: {e}", file.name));
                    continue;
                }
            };
            super::alpine::emit_secfixes(
                &db,
                "Wolfi",
                &DataSourceId::Wolfi,
                &file.name,
                sink,
                stats,
            )?;
        } else if value.get("advisories").is_some() || value.get("package").is_some() {
            let doc: AdvisoriesDoc = match serde_json::from_value(value) {
                Ok(d) => d,
                Err(e) => {
                    stats.skip(format!("{}: bad advisories document: {e}", file.name));
                    continue;
                }
            };
            emit_advisories(doc, &file.name, sink, stats)?;
        } else {
            stats.skip(format!(
                "{}: neither a Wolfi secdb nor an advisories document",
                file.name
            ));
        }
    }
    Ok(())
}

fn emit_advisories(
    doc: AdvisoriesDoc,
    file: &str,
    sink: &mut dyn Sink,
    stats: &mut Stats,
) -> Result<(), DbError> {
    let pkg = doc.package.name.trim().to_owned();
    for adv in doc.advisories.unwrap_or_default() {
        let events = adv.events.unwrap_or_default();
        let Some(last) = events.last() else {
            stats.skip(format!("{file}: {} has no events", adv.id));
            continue;
        };
        let fixed = if last.kind == "fixed" {
            match last
                .data
                .as_ref()
                .and_then(|d| d.get("fixed-version"))
                .and_then(Value::as_str)
            {
                Some(v) if plausible_version(v.trim()) => Some(v.trim().to_owned()),
                other => {
                    stats.skip(format!(
                        "{file}: {}: unparsable fixed version {other:?}",
                        adv.id
                    ));
                    continue;
                }
            }
        } else {
            None
        };
        stats.records += 1;
        for e in &events {
            stats.saw_timestamp(e.timestamp.as_deref());
        }
        let status = match last.kind.as_str() {
            "fixed" => Status::Fixed,
            "false-positive-determination" => Status::NotAffected,
            "fix-not-planned" => Status::WillNotFix,
            "pending-upstream-fix" => Status::FixDeferred,
            _ => Status::Affected,
        };
        let aliases = adv.aliases.unwrap_or_default();
        // File under the CVE when there is one (as every other OS feed does); keep the CGA ID as an alias.
        let (id, mut aliases) = match aliases.iter().position(|a| a.starts_with("CVE-")) {
            Some(i) => {
                let mut rest = aliases.clone();
                let cve = rest.remove(i);
                (cve, rest)
            }
            None => (adv.id.clone(), aliases),
        };
        if id != adv.id {
            aliases.insert(0, adv.id.clone());
        }
        let ranges = match status {
            Status::NotAffected => Vec::new(),
            _ => vec![AffectedRange::ecosystem_fixed(fixed.as_deref())],
        };
        let note = last
            .data
            .as_ref()
            .and_then(|d| d.get("note"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        sink.advisory(Advisory {
            id,
            source: DataSourceId::Wolfi,
            doc: AdvisoryDoc {
                aliases,
                modified: last.timestamp.clone(),
                ..AdvisoryDoc::default()
            },
            affected: vec![Affected {
                namespace: "Wolfi".to_owned(),
                name: pkg.clone(),
                ranges,
                status: Some(status),
                fixed_version: fixed,
                database_specific: last.data.as_ref().map(|d| {
                    let mut m = serde_json::Map::new();
                    m.insert("event".to_owned(), Value::String(last.kind.clone()));
                    if let Some(t) = d.get("type") {
                        m.insert("type".to_owned(), t.clone());
                    }
                    if let Some(n) = &note {
                        m.insert("note".to_owned(), Value::String(n.clone()));
                    }
                    Value::Object(m)
                }),
                // The event's own word (`fix-not-planned`, `pending-upstream-fix`,
                // `false-positive-determination`...) and its note, with the false positive's type.
                vendor_status: (last.kind != "fixed").then(|| last.kind.clone()),
                note: {
                    let kind = last
                        .data
                        .as_ref()
                        .and_then(|d| d.get("type"))
                        .and_then(Value::as_str);
                    match (kind, note.as_deref()) {
                        (Some(k), Some(n)) => Some(format!("{k}: {n}")),
                        (Some(k), None) => Some(k.to_owned()),
                        (None, n) => n.map(str::to_owned),
                    }
                },
                ..Affected::default()
            }],
        })?;
    }
    Ok(())
}
