//! Debian security tracker (<https://security-tracker.debian.org/>), keyed by SOURCE package.
//!
//! Accepted inputs (a directory is walked and each file recognised by name or shape):
//! - `data/CVE/list` of a tracker checkout (record: one CVE entry);
//! - `data/DSA/list`, `data/DLA/list` (record: one DSA/DLA entry; each becomes an advisory `DSA-...` whose
//!   aliases are its CVEs);
//! - the JSON export `{src: {CVE: {releases: {codename: {status, fixed_version, urgency, nodsa...}}}}}`
//!   (record: one (source package, CVE) pair);
//! - per-CVE JSON records that keep the tracker's lines (`{"Header": {"Original"}, "Annotations": [{"Original"}]}`,
//!   the vuln-list-debian layout; record: one file), parsed as `data/CVE/list` text.
//!
//! Status mapping (the tracker's words -> [`Status`]): a version -> `fixed`; `<unfixed>` -> `affected`;
//! `<no-dsa>` -> `fix_deferred` (no DSA; may come in a point release); `<postponed>` -> `fix_deferred`;
//! `<ignored>` -> `will_not_fix`; `<not-affected>` -> `not_affected`; `<end-of-life>` -> `end_of_life`;
//! `<undetermined>` -> `under_investigation`; `<removed>` and `<itp>` -> no row (not in that release).
//! A line without a `[release]` tag describes unstable (`Debian:sid`); every supported release without a line
//! of its own inherits it (fixed version, or the open status), as the tracker itself does.

use super::{InputFile, Sink, Stats, plausible_version};
use crate::DbError;
use crate::model::{Advisory, AdvisoryDoc, Affected, AffectedRange};
use crate::names::{debian_release, debian_urgency_severity};
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::Value;
use std::collections::BTreeMap;
use trawl_types::{DataSourceId, Status};

/// Releases that inherit the unstable line when they have none of their own.
const INHERITING: &[&str] = &["buster", "bullseye", "bookworm", "trixie", "forky"];

/// Reads tracker data from `location`.
pub(crate) fn read(location: &str, sink: &mut dyn Sink, stats: &mut Stats) -> Result<(), DbError> {
    let accept = |n: &str| {
        super::is_json(n)
            || n.ends_with("/cve/list")
            || n.ends_with("/dsa/list")
            || n.ends_with("/dla/list")
            || n.ends_with("/dsa")
            || n.ends_with("/dla")
            || n == "list"
    };
    let mut files = Vec::new();
    super::for_each_input(location, &accept, &mut |f: InputFile| files.push(f), stats)?;
    for file in files {
        let lower = file.name.to_ascii_lowercase();
        if lower.ends_with("/dsa/list")
            || lower.ends_with("/dla/list")
            || lower.ends_with("/dsa")
            || lower.ends_with("/dla")
        {
            let text = String::from_utf8_lossy(&file.bytes);
            parse_advisory_list(&text, &file.name, sink, stats)?;
        } else if lower.ends_with("list") {
            let text = String::from_utf8_lossy(&file.bytes);
            parse_cve_list(&text, &file.name, sink, stats)?;
        } else {
            // The export (tens of MB) is read into small typed entries: a generic JSON tree of it would take
            // gigabytes. Anything else (per-CVE records, an export with odd entries) goes the generic way.
            if let Ok(export) = serde_json::from_slice::<Export>(&file.bytes)
                && !export.is_empty()
            {
                drop(file.bytes);
                for (src, cves) in export {
                    for (cve, entry) in cves {
                        export_entry(&src, cve, entry, &file.name, sink, stats)?;
                    }
                }
                continue;
            }
            let doc: Value = match serde_json::from_slice(&file.bytes) {
                Ok(v) => v,
                Err(e) => {
                    stats.skip(format!("{}: bad JSON: {e}", file.name));
                    continue;
                }
            };
            if doc.get("Header").is_some() && doc.get("Annotations").is_some() {
                parse_per_cve_json(&doc, &file.name, sink, stats)?;
            } else if looks_like_export(&doc) {
                parse_export(&doc, &file.name, sink, stats)?;
            } else {
                stats.skip(format!("{}: not a Debian tracker document (neither the JSON export nor a per-CVE record)", file.name));
            }
        }
    }
    Ok(())
}

/// The state of one package line.
#[derive(Debug, Clone, PartialEq, Eq)]
enum LineState {
    Fixed(String),
    Open(Status),
    /// `<removed>`, `<itp>`: no row.
    Absent,
}

#[derive(Debug, Clone)]
struct PkgLine {
    release: Option<String>,
    package: String,
    state: LineState,
    urgency: Option<String>,
    /// The status word of an open line (`no-dsa`, `postponed`, `unfixed`...).
    word: Option<String>,
    /// The line's notes without its urgency and bug numbers (`Minor issue`, `Vulnerable code not present`).
    note: Option<String>,
}

/// Parses `[release] - pkg VERSION|<status> (notes)`; `None` if the line is not a package line.
fn parse_pkg_line(line: &str) -> Option<Result<PkgLine, String>> {
    let mut rest = line.trim();
    let mut release = None;
    if let Some(r) = rest.strip_prefix('[') {
        let (rel, after) = r.split_once(']')?;
        release = Some(rel.trim().to_owned());
        rest = after.trim_start();
    }
    let rest = rest.strip_prefix("- ")?;
    let (body, notes) = match rest.find(" (") {
        Some(i) if rest.ends_with(')') => (&rest[..i], Some(&rest[i + 2..rest.len() - 1])),
        _ => (rest, None),
    };
    let mut parts = body.split_whitespace();
    let package = parts.next()?.to_owned();
    let what = parts.next();
    let word = what
        .filter(|w| w.starts_with('<'))
        .map(|w| w.trim_matches(|c| c == '<' || c == '>'));
    let state = match what {
        None => return Some(Err(format!("`{line}`: no version or status"))),
        Some(w) if w.starts_with('<') => match w.trim_matches(|c| c == '<' || c == '>') {
            "unfixed" => LineState::Open(Status::Affected),
            "no-dsa" => LineState::Open(Status::FixDeferred),
            "postponed" => LineState::Open(Status::FixDeferred),
            "ignored" => LineState::Open(Status::WillNotFix),
            "not-affected" => LineState::Open(Status::NotAffected),
            "end-of-life" => LineState::Open(Status::EndOfLife),
            "undetermined" => LineState::Open(Status::UnderInvestigation),
            "removed" | "itp" => LineState::Absent,
            other => return Some(Err(format!("`{line}`: unknown status <{other}>"))),
        },
        Some(v) => {
            if !plausible_version(v) || !v.starts_with(|c: char| c.is_ascii_digit()) {
                return Some(Err(format!("`{line}`: unparsable version `{v}`")));
            }
            LineState::Fixed(v.to_owned())
        }
    };
    let urgency = notes.and_then(|n| {
        n.split(';').map(str::trim).find(|t| {
            matches!(
                t.trim_end_matches('*'),
                "unimportant" | "low" | "medium" | "high" | "not yet assigned" | "end-of-life"
            )
        })
    });
    let note = notes
        .map(|n| {
            n.split(';')
                .map(str::trim)
                .filter(|t| {
                    Some(*t) != urgency && !t.starts_with("bug #") && !t.starts_with("bug filed")
                })
                .collect::<Vec<_>>()
                .join("; ")
        })
        .filter(|n| !n.is_empty());
    Some(Ok(PkgLine {
        release,
        package,
        word: word
            .filter(|_| matches!(state, LineState::Open(_)))
            .map(str::to_owned),
        state,
        urgency: urgency.map(str::to_owned),
        note,
    }))
}

/// The row of one release from a package line. `inherited`: the line is unstable's and `release` has no
/// line of its own.
fn row(release: &str, line: &PkgLine, urgency: Option<&str>, inherited: bool) -> Option<Affected> {
    let number = debian_release(release)?;
    let mut word = line.word.clone();
    let mut note = line.note.clone();
    let (status, fixed, ranges) = match &line.state {
        // Unstable's fix is not a fix of this release: the tracker states the release's own status by
        // comparing the release's version with it, and a version below it is open there. So the fix bounds
        // the affected versions (a `limit`) but is not reported as this release's fix (trivy-db#380).
        LineState::Fixed(v) if inherited => {
            word = Some("fixed-in-unstable".to_owned());
            note = Some(format!(
                "fixed in unstable in {v}; no fix listed for {release}"
            ));
            let mut range = AffectedRange::ecosystem_fixed(None);
            range.events.push(crate::model::RangeEvent {
                kind: crate::model::EventKind::Limit,
                version: v.clone(),
            });
            (Status::Affected, None, vec![range])
        }
        LineState::Fixed(v) => (
            Status::Fixed,
            Some(v.clone()),
            vec![AffectedRange::ecosystem_fixed(Some(v))],
        ),
        LineState::Open(Status::NotAffected) => (Status::NotAffected, None, Vec::new()),
        LineState::Open(s) => (*s, None, vec![AffectedRange::ecosystem_fixed(None)]),
        LineState::Absent => return None,
    };
    Some(Affected {
        namespace: format!("Debian:{number}"),
        name: line.package.clone(),
        ranges,
        status: Some(status),
        fixed_version: fixed,
        urgency: urgency.map(str::to_owned),
        severity: urgency.and_then(debian_urgency_severity),
        vendor_status: word,
        note,
        ..Affected::default()
    })
}

/// Builds the affected rows of one CVE from its package lines.
fn rows_for(lines: &[PkgLine], file: &str, id: &str, stats: &mut Stats) -> Vec<Affected> {
    let mut by_pkg: BTreeMap<&str, (Option<&PkgLine>, Vec<&PkgLine>)> = BTreeMap::new();
    for l in lines {
        let e = by_pkg.entry(l.package.as_str()).or_default();
        match &l.release {
            None => e.0 = Some(l),
            Some(_) => e.1.push(l),
        }
    }
    let mut out = Vec::new();
    for (_, (sid, releases)) in by_pkg {
        let sid_urgency = sid.and_then(|s| s.urgency.as_deref());
        if let Some(s) = sid
            && let Some(r) = row("sid", s, sid_urgency, false)
        {
            out.push(r);
        }
        for l in &releases {
            let rel = l.release.as_deref().unwrap_or_default();
            if debian_release(rel).is_none() {
                stats.skip(format!("{file}: {id}: unknown release `{rel}`"));
                continue;
            }
            if let Some(r) = row(rel, l, l.urgency.as_deref().or(sid_urgency), false) {
                out.push(r);
            }
        }
        if let Some(s) = sid {
            for rel in INHERITING {
                if releases.iter().any(|l| l.release.as_deref() == Some(rel)) {
                    continue;
                }
                if let Some(r) = row(rel, s, sid_urgency, true) {
                    out.push(r);
                }
            }
        }
    }
    out
}

/// Parses `data/CVE/list` text.
fn parse_cve_list(
    text: &str,
    file: &str,
    sink: &mut dyn Sink,
    stats: &mut Stats,
) -> Result<(), DbError> {
    let mut current: Option<(String, Option<String>)> = None;
    let mut lines: Vec<PkgLine> = Vec::new();
    let mut aliases: Vec<String> = Vec::new();
    let mut refs: Vec<String> = Vec::new();
    let flush = |cur: Option<(String, Option<String>)>,
                 lines: &mut Vec<PkgLine>,
                 aliases: &mut Vec<String>,
                 refs: &mut Vec<String>,
                 sink: &mut dyn Sink,
                 stats: &mut Stats|
     -> Result<(), DbError> {
        let Some((id, summary)) = cur else {
            return Ok(());
        };
        stats.records += 1;
        let affected = rows_for(lines, file, &id, stats);
        let result = if affected.is_empty() {
            Ok(())
        } else {
            sink.advisory(Advisory {
                id,
                source: DataSourceId::DebianTracker,
                doc: AdvisoryDoc {
                    aliases: std::mem::take(aliases),
                    summary,
                    references: std::mem::take(refs),
                    ..AdvisoryDoc::default()
                },
                affected,
            })
        };
        lines.clear();
        aliases.clear();
        refs.clear();
        result
    };
    for raw in text.lines() {
        if raw.trim().is_empty() {
            continue;
        }
        if !raw.starts_with([' ', '\t']) {
            flush(
                current.take(),
                &mut lines,
                &mut aliases,
                &mut refs,
                sink,
                stats,
            )?;
            let (id, rest) = raw.split_once(' ').unwrap_or((raw, ""));
            let rest = rest.trim();
            let summary = rest
                .strip_prefix('(')
                .and_then(|r| r.strip_suffix(')'))
                .or_else(|| rest.strip_prefix('[').and_then(|r| r.strip_suffix(']')))
                .map(str::to_owned);
            if id.starts_with("CVE-") || id.starts_with("TEMP-") {
                current = Some((id.trim().to_owned(), summary));
            } else {
                stats.skip(format!("{file}: unexpected entry header `{raw}`"));
            }
            continue;
        }
        if current.is_none() {
            continue;
        }
        let line = raw.trim();
        if let Some(ids) = line.strip_prefix('{').and_then(|l| l.strip_suffix('}')) {
            aliases.extend(ids.split_whitespace().map(str::to_owned));
        } else if let Some(note) = line.strip_prefix("NOTE:") {
            refs.extend(
                note.split_whitespace()
                    .filter(|w| w.starts_with("http://") || w.starts_with("https://"))
                    .map(str::to_owned),
            );
        } else if let Some(parsed) = parse_pkg_line(line) {
            match parsed {
                Ok(l) => lines.push(l),
                Err(e) => stats.skip(format!("{file}: {e}")),
            }
        }
        // RESERVED, REJECTED, NOT-FOR-US:, TODO:, HELP: carry no package state.
    }
    flush(
        current.take(),
        &mut lines,
        &mut aliases,
        &mut refs,
        sink,
        stats,
    )
}

/// Parses `data/DSA/list` or `data/DLA/list`.
fn parse_advisory_list(
    text: &str,
    file: &str,
    sink: &mut dyn Sink,
    stats: &mut Stats,
) -> Result<(), DbError> {
    struct Entry {
        id: String,
        summary: Option<String>,
        published: Option<String>,
        cves: Vec<String>,
        lines: Vec<PkgLine>,
    }
    let mut entries: Vec<Entry> = Vec::new();
    for raw in text.lines() {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if line.starts_with('[') && !raw.starts_with([' ', '\t']) {
            // `[29 Mar 2023] DSA-5380-1 xorg-server - security update`
            let Some((date, rest)) = line[1..].split_once(']') else {
                stats.skip(format!("{file}: bad entry header `{line}`"));
                continue;
            };
            let mut words = rest.split_whitespace();
            let Some(id) = words.next() else {
                stats.skip(format!("{file}: entry header without an ID `{line}`"));
                continue;
            };
            let rest: Vec<&str> = words.collect();
            let summary = rest.join(" ");
            stats.records += 1;
            stats.saw_timestamp(parse_list_date(date).as_deref());
            entries.push(Entry {
                id: id.to_owned(),
                summary: (!summary.is_empty()).then_some(summary),
                published: parse_list_date(date),
                cves: Vec::new(),
                lines: Vec::new(),
            });
            continue;
        }
        let Some(entry) = entries.last_mut() else {
            continue;
        };
        if let Some(ids) = line.strip_prefix('{').and_then(|l| l.strip_suffix('}')) {
            entry.cves.extend(ids.split_whitespace().map(str::to_owned));
        } else if let Some(parsed) = parse_pkg_line(line) {
            match parsed {
                Ok(l) if l.release.is_some() => entry.lines.push(l),
                Ok(_) => stats.skip(format!(
                    "{file}: {}: package line without a release `{line}`",
                    entry.id
                )),
                Err(e) => stats.skip(format!("{file}: {}: {e}", entry.id)),
            }
        }
    }
    for e in entries {
        let mut affected = Vec::new();
        for l in &e.lines {
            let rel = l.release.as_deref().unwrap_or_default();
            if debian_release(rel).is_none() {
                stats.skip(format!("{file}: {}: unknown release `{rel}`", e.id));
                continue;
            }
            if let Some(r) = row(rel, l, l.urgency.as_deref(), false) {
                affected.push(r);
            }
        }
        if affected.is_empty() {
            continue;
        }
        sink.advisory(Advisory {
            id: e.id,
            source: DataSourceId::DebianTracker,
            doc: AdvisoryDoc {
                aliases: e.cves,
                summary: e.summary,
                published: e.published,
                ..AdvisoryDoc::default()
            },
            affected,
        })?;
    }
    Ok(())
}

/// `29 Mar 2023` -> `2023-03-29T00:00:00Z`.
fn parse_list_date(s: &str) -> Option<String> {
    let mut it = s.split_whitespace();
    let day: u8 = it.next()?.parse().ok()?;
    let month = match it.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year: u16 = it.next()?.parse().ok()?;
    Some(format!("{year:04}-{month:02}-{day:02}T00:00:00Z"))
}

/// A per-CVE record keeping the tracker lines: rebuilt into `data/CVE/list` text and parsed as such.
fn parse_per_cve_json(
    doc: &Value,
    file: &str,
    sink: &mut dyn Sink,
    stats: &mut Stats,
) -> Result<(), DbError> {
    let Some(header) = doc.pointer("/Header/Original").and_then(Value::as_str) else {
        stats.skip(format!("{file}: per-CVE record without Header.Original"));
        return Ok(());
    };
    let mut text = String::from(header.trim_end());
    text.push('\n');
    for ann in doc
        .get("Annotations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(line) = ann.get("Original").and_then(Value::as_str) {
            text.push('\t');
            text.push_str(line.trim());
            text.push('\n');
        }
    }
    parse_cve_list(&text, file, sink, stats)
}

/// `{src: {CVE-...: {releases: {...}}}}`.
fn looks_like_export(doc: &Value) -> bool {
    let Some(obj) = doc.as_object() else {
        return false;
    };
    obj.values().take(5).all(|cves| {
        cves.as_object().is_some_and(|m| {
            m.values().take(3).all(|c| {
                c.get("releases")
                    .is_some_and(|r| r.is_object() || r.is_array())
            })
        })
    }) && !obj.is_empty()
}

/// The tracker JSON export: source package -> CVE -> entry.
type Export = BTreeMap<String, BTreeMap<String, ExportEntry>>;

/// One (source package, CVE) entry of the export; the fields trawl does not use are skipped unread.
#[derive(Debug, Deserialize)]
struct ExportEntry {
    #[serde(default)]
    description: Option<Value>,
    /// A map by release codename; the export writes an empty one as `[]`.
    #[serde(default)]
    releases: Option<ExportReleases>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum ExportReleases {
    Map(BTreeMap<String, ExportRelease>),
    Empty([IgnoredAny; 0]),
}

#[derive(Debug, Default, Deserialize)]
struct ExportRelease {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    fixed_version: Option<String>,
    #[serde(default)]
    urgency: Option<String>,
    #[serde(default)]
    nodsa: Option<Value>,
    #[serde(default)]
    nodsa_reason: Option<String>,
}

/// Parses the tracker JSON export (the generic way: entries that do not have the expected shape are skipped
/// one by one).
fn parse_export(
    doc: &Value,
    file: &str,
    sink: &mut dyn Sink,
    stats: &mut Stats,
) -> Result<(), DbError> {
    let Some(obj) = doc.as_object() else {
        return Ok(());
    };
    for (src, cves) in obj {
        let Some(cves) = cves.as_object() else {
            stats.skip(format!("{file}: {src}: not an object"));
            continue;
        };
        for (cve, entry) in cves {
            match ExportEntry::deserialize(entry) {
                Ok(e) => export_entry(src, cve.clone(), e, file, sink, stats)?,
                Err(e) => stats.skip(format!("{file}: {src} {cve}: {e}")),
            }
        }
    }
    Ok(())
}

/// One (source package, CVE) entry of the export.
fn export_entry(
    src: &str,
    cve: String,
    entry: ExportEntry,
    file: &str,
    sink: &mut dyn Sink,
    stats: &mut Stats,
) -> Result<(), DbError> {
    let releases = match entry.releases {
        Some(ExportReleases::Map(m)) => m,
        Some(ExportReleases::Empty(_)) => BTreeMap::new(),
        None => {
            stats.skip(format!("{file}: {src} {cve}: no releases"));
            return Ok(());
        }
    };
    stats.records += 1;
    let mut affected = Vec::new();
    for (rel, r) in releases {
        let Some(number) = debian_release(&rel) else {
            stats.skip(format!("{file}: {src} {cve}: unknown release `{rel}`"));
            continue;
        };
        let status_word = r.status.as_deref().unwrap_or_default();
        let fixed = r.fixed_version.as_deref().map(str::trim);
        let urgency = r.urgency;
        let nodsa = r.nodsa.as_ref().and_then(Value::as_str).map(str::trim);
        let nodsa_reason = r.nodsa_reason.as_deref().unwrap_or_default();
        // The tracker's word for an open issue: its `nodsa_reason` (`ignored`, `postponed`), `no-dsa` when it
        // has a no-DSA note, `end-of-life` from the urgency, else `unfixed`; the no-DSA note is the vendor's note.
        let (status, fixed_version, word) = match status_word {
            "resolved" => match fixed {
                Some("0") | None => (Status::NotAffected, None, Some("not-affected")),
                Some(v) if plausible_version(v) => (Status::Fixed, Some(v.to_owned()), None),
                Some(v) => {
                    stats.skip(format!(
                        "{file}: {src} {cve} {rel}: unparsable fixed version `{v}`"
                    ));
                    continue;
                }
            },
            "open" => {
                if nodsa_reason == "ignored" {
                    (Status::WillNotFix, None, Some("ignored"))
                } else if nodsa_reason == "postponed" {
                    (Status::FixDeferred, None, Some("postponed"))
                } else if r.nodsa.is_some() {
                    (Status::FixDeferred, None, Some("no-dsa"))
                } else if urgency.as_deref() == Some("end-of-life") {
                    (Status::EndOfLife, None, Some("end-of-life"))
                } else {
                    (Status::Affected, None, Some("unfixed"))
                }
            }
            "undetermined" => (Status::UnderInvestigation, None, Some("undetermined")),
            other => {
                stats.skip(format!(
                    "{file}: {src} {cve} {rel}: unknown status `{other}`"
                ));
                continue;
            }
        };
        let ranges = match status {
            Status::NotAffected => Vec::new(),
            _ => vec![AffectedRange::ecosystem_fixed(fixed_version.as_deref())],
        };
        affected.push(Affected {
            namespace: format!("Debian:{number}"),
            name: src.to_owned(),
            ranges,
            status: Some(status),
            fixed_version,
            severity: urgency.as_deref().and_then(debian_urgency_severity),
            urgency,
            vendor_status: word.map(str::to_owned),
            note: nodsa.filter(|n| !n.is_empty()).map(str::to_owned),
            ..Affected::default()
        });
    }
    if affected.is_empty() {
        return Ok(());
    }
    let description = entry
        .description
        .as_ref()
        .and_then(Value::as_str)
        .map(str::to_owned);
    sink.advisory(Advisory {
        id: cve,
        source: DataSourceId::DebianTracker,
        doc: AdvisoryDoc {
            details: description,
            ..AdvisoryDoc::default()
        },
        affected,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_lines() {
        let l = parse_pkg_line("- coreutils 9.4-1 (low; bug #816320)")
            .expect("pkg")
            .expect("ok");
        assert_eq!(l.state, LineState::Fixed("9.4-1".into()));
        assert_eq!(l.urgency.as_deref(), Some("low"));
        let l = parse_pkg_line("[bookworm] - coreutils <ignored> (Minor issue)")
            .expect("pkg")
            .expect("ok");
        assert_eq!(l.release.as_deref(), Some("bookworm"));
        assert_eq!(l.state, LineState::Open(Status::WillNotFix));
        assert_eq!(l.urgency, None);
        let l = parse_pkg_line("- tar <unfixed> (bug #328228; unimportant)")
            .expect("pkg")
            .expect("ok");
        assert_eq!(
            (l.state, l.urgency.as_deref()),
            (LineState::Open(Status::Affected), Some("unimportant"))
        );
        assert!(parse_pkg_line("NOTE: foo").is_none());
        assert!(parse_pkg_line("- foo <bogus>").expect("pkg").is_err());
        assert_eq!(
            parse_list_date("29 Mar 2023").as_deref(),
            Some("2023-03-29T00:00:00Z")
        );
    }
}
