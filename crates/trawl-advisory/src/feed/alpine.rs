//! Alpine secdb (<https://secdb.alpinelinux.org/>): YAML (the old alpine-secdb repository) or JSON, one file
//! per release and repository (`v3.10/main.yaml`). `packages[].pkg.secfixes` maps a fixed version to the IDs
//! it fixes; the key `0` means "never affected". Records are keyed by the SOURCE package (aports origin).
//!
//! Record unit: one item of a secfixes list (`- CVE-2017-8904 XSA-214` is one record: the first token is the
//! ID, the rest aliases).

use super::{InputFile, Sink, Stats, plausible_version};
use crate::DbError;
use crate::model::{Advisory, AdvisoryDoc, Affected, AffectedRange};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use trawl_types::{DataSourceId, Status};

#[derive(Debug, Deserialize)]
pub(crate) struct Secdb {
    #[serde(default)]
    pub(crate) distroversion: Option<String>,
    #[serde(default)]
    #[expect(
        dead_code,
        reason = "part of the format; the namespace does not depend on it"
    )]
    pub(crate) reponame: Option<String>,
    #[serde(default)]
    pub(crate) packages: Option<Vec<SecdbEntry>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct SecdbEntry {
    pub(crate) pkg: SecdbPkg,
}

#[derive(Debug, Deserialize)]
pub(crate) struct SecdbPkg {
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) secfixes: Option<BTreeMap<String, Option<Vec<Value>>>>,
}

/// Reads Alpine secdb files from `location`.
pub(crate) fn read(location: &str, sink: &mut dyn Sink, stats: &mut Stats) -> Result<(), DbError> {
    let accept = |n: &str| super::is_json(n) || super::is_yaml(n);
    let mut result = Ok(());
    let mut files = Vec::new();
    super::for_each_input(location, &accept, &mut |f: InputFile| files.push(f), stats)?;
    for file in files {
        if result.is_err() {
            break;
        }
        let db: Secdb = match super::parse_doc(&file) {
            Ok(d) => d,
            Err(e) => {
                stats.skip(e);
                continue;
            }
        };
        let Some(release) = release_of(&db, &file.name) else {
            stats.skip(format!(
                "{}: no distroversion and no v3.x directory to take the release from",
                file.name
            ));
            continue;
        };
        let namespace = format!("Alpine:{release}");
        result = emit_secfixes(
            &db,
            &namespace,
            &DataSourceId::AlpineSecdb,
            &file.name,
            sink,
            stats,
        );
    }
    result
}

/// `v3.10` from the document, else from a `v3.10` path component.
fn release_of(db: &Secdb, name: &str) -> Option<String> {
    if let Some(v) = db
        .distroversion
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        return Some(if v.starts_with('v') || v == "edge" {
            v.to_owned()
        } else {
            format!("v{v}")
        });
    }
    name.split(['/', '\\', '!'])
        .rev()
        .find(|c| {
            c.starts_with('v')
                && c[1..].starts_with(|ch: char| ch.is_ascii_digit())
                && c.contains('.')
        })
        .map(str::to_owned)
}

/// Emits one advisory per (package, ID) of a secdb document.
pub(crate) fn emit_secfixes(
    db: &Secdb,
    namespace: &str,
    source: &DataSourceId,
    file: &str,
    sink: &mut dyn Sink,
    stats: &mut Stats,
) -> Result<(), DbError> {
    for entry in db.packages.iter().flatten() {
        let pkg = entry.pkg.name.trim();
        if pkg.is_empty() {
            stats.skip(format!("{file}: package without a name"));
            continue;
        }
        for (version, ids) in entry.pkg.secfixes.iter().flatten() {
            let version = version.trim();
            for item in ids.iter().flatten() {
                let Some(text) = item.as_str() else {
                    stats.skip(format!(
                        "{file}: {pkg} {version}: secfix entry is not a string: {item}"
                    ));
                    continue;
                };
                let mut tokens = text.split_whitespace();
                let Some(id) = tokens.next() else {
                    stats.skip(format!("{file}: {pkg} {version}: empty secfix entry"));
                    continue;
                };
                if !plausible_version(version) {
                    stats.skip(format!(
                        "{file}: {pkg}: unparsable fixed version `{version}` for {id}"
                    ));
                    continue;
                }
                stats.records += 1;
                let aliases: Vec<String> = tokens
                    .filter(|t| t.contains('-'))
                    .map(|t| t.trim_matches(|c| c == '(' || c == ')').to_owned())
                    .collect();
                let not_affected = version == "0";
                let affected = Affected {
                    namespace: namespace.to_owned(),
                    name: pkg.to_owned(),
                    ranges: if not_affected {
                        Vec::new()
                    } else {
                        vec![AffectedRange::ecosystem_fixed(Some(version))]
                    },
                    status: Some(if not_affected {
                        Status::NotAffected
                    } else {
                        Status::Fixed
                    }),
                    fixed_version: (!not_affected).then(|| version.to_owned()),
                    ..Affected::default()
                };
                sink.advisory(Advisory {
                    id: id.to_owned(),
                    source: source.clone(),
                    doc: AdvisoryDoc {
                        aliases,
                        ..AdvisoryDoc::default()
                    },
                    affected: vec![affected],
                })?;
            }
        }
    }
    Ok(())
}
