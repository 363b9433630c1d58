//! Amazon Linux Security Center advisories as yum `updateinfo.xml` (the repository metadata of Amazon Linux
//! 1, 2 and 2023): `<update type="security">` with `<id>ALAS2-2023-2000</id>`, `<severity>`, `<issued>`,
//! `<references><reference type="cve" id="CVE-..."/>` and `<pkglist><collection><package name epoch version
//! release arch>`. Record unit: one `<update>`. Namespace from the ID prefix: `ALAS-` -> `Amazon Linux:1`,
//! `ALAS2-` -> `Amazon Linux:2`, `ALAS2023-` -> `Amazon Linux:2023` (`ALAS2EXTRAS-`... -> `Amazon Linux:2`).
//! Rows are keyed by BINARY package name (updateinfo lists binary rpms), fixed version `[epoch:]version-release`.

use super::{InputFile, Sink, Stats, plausible_version};
use crate::DbError;
use crate::model::{Advisory, AdvisoryDoc, Affected, AffectedRange, SeverityEntry};
use quick_xml::events::{BytesStart, Event};
use std::str::FromStr;
use trawl_types::{DataSourceId, Severity, Status};

#[derive(Debug, Default)]
struct Update {
    kind: String,
    id: String,
    title: Option<String>,
    issued: Option<String>,
    updated: Option<String>,
    severity: Option<String>,
    description: Option<String>,
    cves: Vec<String>,
    refs: Vec<String>,
    packages: Vec<(String, String)>,
}

/// Reads `updateinfo.xml` files from `location`.
pub(crate) fn read(location: &str, sink: &mut dyn Sink, stats: &mut Stats) -> Result<(), DbError> {
    let accept = |n: &str| n.ends_with(".xml");
    let mut files = Vec::new();
    super::for_each_input(location, &accept, &mut |f: InputFile| files.push(f), stats)?;
    for file in files {
        match parse(&file.bytes) {
            Ok(updates) => {
                for u in updates {
                    emit(u, &file.name, sink, stats)?;
                }
            }
            Err(e) => stats.skip(format!("{}: bad XML: {e}", file.name)),
        }
    }
    Ok(())
}

fn attr(e: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
}

fn parse(bytes: &[u8]) -> Result<Vec<Update>, String> {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    reader.config_mut().trim_text(true);
    let mut buf = Vec::new();
    let mut out = Vec::new();
    let mut cur: Option<Update> = None;
    let mut text_target: Option<&'static str> = None;
    loop {
        let ev = reader
            .read_event_into(&mut buf)
            .map_err(|e| format!("at byte {}: {e}", reader.buffer_position()))?;
        match ev {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let is_empty = matches!(ev, Event::Empty(_));
                match e.name().as_ref() {
                    b"update" => {
                        cur = Some(Update {
                            kind: attr(e, b"type").unwrap_or_default(),
                            ..Update::default()
                        })
                    }
                    b"id" if !is_empty => text_target = Some("id"),
                    b"title" if !is_empty => text_target = Some("title"),
                    b"severity" if !is_empty => text_target = Some("severity"),
                    b"description" if !is_empty => text_target = Some("description"),
                    b"issued" => {
                        if let Some(u) = cur.as_mut() {
                            u.issued = attr(e, b"date");
                        }
                    }
                    b"updated" => {
                        if let Some(u) = cur.as_mut() {
                            u.updated = attr(e, b"date");
                        }
                    }
                    b"reference" => {
                        if let Some(u) = cur.as_mut() {
                            if let Some(href) = attr(e, b"href") {
                                u.refs.push(href);
                            }
                            if attr(e, b"type").as_deref() == Some("cve")
                                && let Some(id) = attr(e, b"id")
                                && !u.cves.contains(&id)
                            {
                                u.cves.push(id);
                            }
                        }
                    }
                    b"package" => {
                        if let Some(u) = cur.as_mut() {
                            let name = attr(e, b"name").unwrap_or_default();
                            let epoch = attr(e, b"epoch").unwrap_or_default();
                            let version = attr(e, b"version").unwrap_or_default();
                            let release = attr(e, b"release").unwrap_or_default();
                            let evr = if epoch.is_empty() || epoch == "0" {
                                format!("{version}-{release}")
                            } else {
                                format!("{epoch}:{version}-{release}")
                            };
                            if !u.packages.iter().any(|(n, v)| n == &name && v == &evr) {
                                u.packages.push((name, evr));
                            }
                        }
                    }
                    _ => {}
                }
            }
            Event::Text(t) => {
                if let (Some(target), Some(u)) = (text_target, cur.as_mut()) {
                    let s = t.unescape().map_err(|e| e.to_string())?.trim().to_owned();
                    match target {
                        "id" => u.id = s,
                        "title" => u.title = Some(s),
                        "severity" => u.severity = Some(s),
                        _ => u.description = Some(s),
                    }
                }
            }
            Event::End(ref e) => {
                text_target = None;
                if e.name().as_ref() == b"update"
                    && let Some(u) = cur.take()
                {
                    out.push(u);
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(out)
}

/// `2023-03-21 18:58` -> `2023-03-21T18:58:00Z` (dates are UTC).
fn rfc3339(d: &str) -> String {
    let d = d.trim();
    match d.split_once(' ') {
        Some((date, t)) if t.len() == 5 => format!("{date}T{t}:00Z"),
        Some((date, t)) => format!("{date}T{t}Z"),
        None => format!("{d}T00:00:00Z"),
    }
}

fn namespace_for(id: &str) -> Option<&'static str> {
    let prefix = id.split('-').next()?;
    Some(match prefix {
        "ALAS" => "Amazon Linux:1",
        "ALAS2023" => "Amazon Linux:2023",
        p if p.starts_with("ALAS2") => "Amazon Linux:2",
        _ => return None,
    })
}

fn emit(u: Update, file: &str, sink: &mut dyn Sink, stats: &mut Stats) -> Result<(), DbError> {
    if !u.kind.is_empty() && u.kind != "security" {
        return Ok(());
    }
    let Some(ns) = namespace_for(&u.id) else {
        stats.skip(format!(
            "{file}: update `{}`: not an ALAS ID (cannot tell the Amazon Linux release)",
            u.id
        ));
        return Ok(());
    };
    if let Some((name, v)) = u
        .packages
        .iter()
        .find(|(n, v)| n.is_empty() || !plausible_version(v))
    {
        stats.skip(format!(
            "{file}: {}: bad package `{name}` version `{v}`",
            u.id
        ));
        return Ok(());
    }
    stats.records += 1;
    let modified = u.updated.as_deref().or(u.issued.as_deref()).map(rfc3339);
    stats.saw_timestamp(modified.as_deref());
    // ALAS words: low, medium, important, critical.
    let severity = u
        .severity
        .as_deref()
        .and_then(|s| Severity::from_str(s).ok());
    let mut affected: Vec<Affected> = Vec::new();
    for (name, evr) in &u.packages {
        if affected.iter().any(|a| &a.name == name) {
            continue;
        }
        affected.push(Affected {
            namespace: ns.to_owned(),
            name: name.clone(),
            ranges: vec![AffectedRange::ecosystem_fixed(Some(evr))],
            status: Some(Status::Fixed),
            fixed_version: Some(evr.clone()),
            urgency: u.severity.clone(),
            severity,
            ..Affected::default()
        });
    }
    sink.advisory(Advisory {
        id: u.id.clone(),
        source: DataSourceId::Alas,
        doc: AdvisoryDoc {
            aliases: u.cves,
            summary: u.title,
            details: u.description,
            severity: severity
                .map(|s| {
                    vec![SeverityEntry {
                        source: "amazon".to_owned(),
                        vector: None,
                        score: None,
                        severity: Some(s),
                    }]
                })
                .unwrap_or_default(),
            references: u.refs,
            published: u.issued.as_deref().map(rfc3339),
            modified,
            ..AdvisoryDoc::default()
        },
        affected,
    })
}
