//! Incremental refresh: a built DB plus the records that changed upstream -> the DB a full build of the
//! merged feeds gives (same lookups, same advisory details), without rebuilding the rest.
//!
//! The updates are read into staging tables exactly as a build reads its sources (in a scratch file beside
//! the output). For each (advisory ID, data source) they hold, the record replaces the base's: its package
//! records are taken out of every key of the base and the new ones put in (in storage order: advisory ID,
//! then data source), and its document goes into `advisory_patch`, which readers consult before the
//! compressed blocks (rewriting the blocks would cost as much as a build: 1% of the records touch nearly every
//! block). A withdrawn update keeps its document (marked withdrawn) and drops its package records, as a build
//! does. Package keys left without records keep an empty row, so that keys probed past them are still found.
//! The base is copied and the copy changed, then renamed over `output` (which may be the base itself).

use crate::DbError;
use crate::build::{
    ADVISORY_LEVEL, BuildOutcome, Builder, PACKAGE_LEVEL, StagedRow, compress_blob,
    for_each_staged, staged_package_specific,
};
use crate::codec::{StoredRecord, decode_records_with, encode_records};
use crate::db::{AdvisoryDb, decompress_into};
use crate::feed::SourceSpec;
use crate::model::{AdvisoryDoc, Metadata};
use crate::schema::{BLOB_ZSTD, BLOB_ZSTD_DICT, MAX_PROBES, SCHEMA_VERSION, package_key_hash};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Applies the records of `updates` to the DB at `db` and writes the result to `output` atomically
/// (temporary file in the output's directory, then rename; `output` may equal `db`).
///
/// Each (advisory ID, data source) the updates hold replaces the base's: package records and document.
/// New IDs are added; nothing the updates do not name changes. The result answers every lookup and every
/// advisory as a full build of the base's feeds with the updated records in place of the old ones.
/// Malformed update records are skipped and counted, as in a build.
pub fn refresh(db: &Path, updates: &[SourceSpec], output: &Path) -> Result<BuildOutcome, DbError> {
    refresh_with_origins(db, updates, output, None)
}

/// [`refresh`], recording `upstream` (where each feed came from) in the metadata instead of the base's.
pub fn refresh_with_origins(
    db: &Path,
    updates: &[SourceSpec],
    output: &Path,
    upstream: Option<Vec<crate::model::FeedOrigin>>,
) -> Result<BuildOutcome, DbError> {
    if updates.is_empty() {
        return Err(DbError::Usage(
            "no --source given: nothing to refresh with".to_owned(),
        ));
    }
    // Opening checks the schema version and metadata as any reader does.
    let base = AdvisoryDb::open(db)?;
    let old_meta = base.metadata().clone();
    let dir = match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(|e| DbError::io(&dir, e))?;
    let temp = |prefix: &str| {
        tempfile::Builder::new()
            .prefix(prefix)
            .suffix(".tmp")
            .tempfile_in(&dir)
            .map_err(|e| DbError::io(&dir, e))
    };
    let stage_file = temp(".trawl-db-stage-")?;
    let mut stage = Builder::create(stage_file.path())?;
    let reports = stage.read_sources(updates)?;

    let out = temp(".trawl-db-refresh-")?;
    std::fs::copy(db, out.path()).map_err(|e| DbError::io(out.path(), e))?;
    let path = out.path().to_owned();
    let sq = |e| DbError::sqlite(&path, e);
    let conn = Connection::open(&path).map_err(sq)?;
    conn.execute_batch("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; BEGIN;")
        .map_err(sq)?;
    let mut target = Ids::load(&conn, &path)?;

    // The updated (ID, source) pairs, with their documents and staging rows.
    let mut source_map: HashMap<i64, u32> = HashMap::new();
    let mut docs: Vec<(String, u32, i64, Vec<u8>)> = Vec::new();
    {
        let mut stmt = stage
            .conn
            .prepare(
                "SELECT a.id, a.vuln_id, s.id, s.key, a.data FROM stage_advisory a
                 JOIN data_source s ON s.id = a.source ORDER BY a.vuln_id, s.id",
            )
            .map_err(|e| DbError::sqlite(&stage.path, e))?;
        let mut q = stmt
            .query([])
            .map_err(|e| DbError::sqlite(&stage.path, e))?;
        while let Some(r) = q.next().map_err(|e| DbError::sqlite(&stage.path, e))? {
            let get = |i| -> Result<rusqlite::types::Value, DbError> {
                r.get(i).map_err(|e| DbError::sqlite(&stage.path, e))
            };
            let (
                rusqlite::types::Value::Integer(rowid),
                rusqlite::types::Value::Text(vuln_id),
                rusqlite::types::Value::Integer(stage_source),
                rusqlite::types::Value::Text(key),
                rusqlite::types::Value::Blob(data),
            ) = (get(0)?, get(1)?, get(2)?, get(3)?, get(4)?)
            else {
                return Err(DbError::Invalid {
                    path: stage.path.clone(),
                    message: "unexpected staging row".to_owned(),
                });
            };
            let source = target.source(&conn, &path, &key)?;
            source_map.insert(stage_source, source);
            docs.push((vuln_id, source, rowid, data));
        }
    }
    let mut updated: HashMap<String, Vec<u32>> = HashMap::new();
    for (id, source, _, _) in &docs {
        updated.entry(id.clone()).or_default().push(*source);
    }
    let is_updated = |r: &StoredRecord| {
        updated
            .get(r.advisory_id.as_str())
            .is_some_and(|s| s.contains(&r.source))
    };

    // The updates' package records, per (target namespace, package), in storage order.
    let stage_namespaces: HashMap<i64, String> = stage
        .namespaces
        .iter()
        .map(|(k, v)| (*v, k.clone()))
        .collect();
    let mut new_rows: HashMap<(i64, String), Vec<StoredRecord>> = HashMap::new();
    let mut with_specific: HashSet<i64> = HashSet::new();
    for_each_staged(
        &stage.conn,
        &stage.path,
        &stage_namespaces,
        &mut |row: StagedRow| {
            if row.has_specific {
                with_specific.insert(row.advisory);
            }
            if row.withdrawn {
                return Ok(());
            }
            let ns_name = stage_namespaces.get(&row.ns).map_or("", String::as_str);
            let ns = target.namespace(&conn, &path, ns_name)?;
            let mut record = row.record;
            record.source = source_map
                .get(&i64::from(record.source))
                .copied()
                .unwrap_or(record.source);
            new_rows.entry((ns, row.name)).or_default().push(record);
            Ok(())
        },
    )?;

    // Every package row of the base that holds an updated record or gets a new one is rewritten.
    let dict: Option<Vec<u8>> = conn
        .query_row("SELECT data FROM dict WHERE name = 'package'", [], |r| {
            r.get(0)
        })
        .optional()
        .map_err(sq)?;
    let mut decompressor = match &dict {
        Some(d) => zstd::bulk::Decompressor::with_dictionary(d),
        None => zstd::bulk::Decompressor::new(),
    }
    .map_err(|e| DbError::io(&path, e))?;
    let mut plain_decompressor =
        zstd::bulk::Decompressor::new().map_err(|e| DbError::io(&path, e))?;
    let mut compressor = match &dict {
        Some(d) => zstd::bulk::Compressor::with_dictionary(PACKAGE_LEVEL, d),
        None => zstd::bulk::Compressor::new(PACKAGE_LEVEL),
    }
    .map_err(|e| DbError::io(&path, e))?;
    compressor
        .include_checksum(false)
        .and_then(|()| compressor.include_dictid(false))
        .map_err(|e| DbError::io(&path, e))?;
    let format = if dict.is_some() {
        BLOB_ZSTD_DICT
    } else {
        BLOB_ZSTD
    };
    let mut changes: Vec<(i64, Vec<u8>)> = Vec::new();
    let mut stored = 0u64;
    {
        let mut stmt = conn
            .prepare("SELECT id, ns, name, data FROM package")
            .map_err(sq)?;
        let mut q = stmt.query([]).map_err(sq)?;
        let mut raw = Vec::new();
        while let Some(r) = q.next().map_err(sq)? {
            let id: i64 = r.get(0).map_err(sq)?;
            let ns: i64 = r.get(1).map_err(sq)?;
            let name: String = r.get(2).map_err(sq)?;
            let blob = r
                .get_ref(3)
                .and_then(|v| v.as_blob().map_err(Into::into))
                .map_err(sq)?;
            let corrupt = |e: String| DbError::Invalid {
                path: db.to_owned(),
                message: format!("package row {id} ({name}): {e}"),
            };
            decompress_into(
                Some(&mut decompressor),
                Some(&mut plain_decompressor),
                blob,
                &mut raw,
            )
            .map_err(corrupt)?;
            let records = decode_records_with(&raw, |r| r).map_err(corrupt)?;
            let added = new_rows.remove(&(ns, name));
            if added.is_none() && !records.iter().any(is_updated) {
                stored += records.len() as u64;
                continue;
            }
            let merged = merge_key(records, added.unwrap_or_default(), &is_updated);
            stored += merged.len() as u64;
            let blob = compress_blob(&mut compressor, format, &encode_records(&merged))
                .map_err(|e| DbError::io(&path, e))?;
            changes.push((id, blob));
        }
    }
    {
        let mut update = conn
            .prepare("UPDATE package SET data = ?2 WHERE id = ?1")
            .map_err(sq)?;
        for (id, blob) in changes {
            update.execute(params![id, blob]).map_err(sq)?;
        }
    }
    // Keys the base did not have: the first free row ID from the key's hash on, as a build places them.
    {
        let mut keys: Vec<((i64, String), Vec<StoredRecord>)> = new_rows.into_iter().collect();
        keys.sort_by(|a, b| a.0.cmp(&b.0));
        let mut occupied = conn
            .prepare("SELECT 1 FROM package WHERE id = ?1")
            .map_err(sq)?;
        let mut insert = conn
            .prepare("INSERT INTO package (id, ns, name, data) VALUES (?1, ?2, ?3, ?4)")
            .map_err(sq)?;
        for ((ns, name), mut records) in keys {
            records.sort_by(|a, b| order(a).cmp(&order(b)));
            stored += records.len() as u64;
            let ns_name = target.namespace_name(ns);
            let hash = package_key_hash(ns_name, &name);
            let mut slot = None;
            for probe in 0..MAX_PROBES {
                let id = hash.wrapping_add(probe);
                if !occupied.exists([id]).map_err(sq)? {
                    slot = Some(id);
                    break;
                }
            }
            let Some(id) = slot else {
                return Err(DbError::Invalid {
                    path: path.clone(),
                    message: format!("more than {MAX_PROBES} package keys share a hash"),
                });
            };
            let blob = compress_blob(&mut compressor, format, &encode_records(&records))
                .map_err(|e| DbError::io(&path, e))?;
            insert.execute(params![id, ns, name, blob]).map_err(sq)?;
        }
    }

    // Documents, and the per-source advisory counts (an (ID, source) the base lacked is one more).
    let mut by_source = old_meta.advisories_by_source.clone();
    {
        let mut doc_compressor =
            zstd::bulk::Compressor::new(ADVISORY_LEVEL).map_err(|e| DbError::io(&path, e))?;
        doc_compressor
            .include_checksum(false)
            .map_err(|e| DbError::io(&path, e))?;
        let mut insert = conn
            .prepare(
                "INSERT OR REPLACE INTO advisory_patch (vuln_id, source, data) VALUES (?1, ?2, ?3)",
            )
            .map_err(sq)?;
        let mut last: Option<(String, Vec<u64>)> = None;
        for (vuln_id, source, rowid, data) in docs {
            let mut doc: AdvisoryDoc = data
                .split_first()
                .and_then(|(_, json)| serde_json::from_slice(json).ok())
                .unwrap_or_default();
            if with_specific.contains(&rowid) {
                doc.package_specific =
                    staged_package_specific(&stage.conn, &stage.path, &stage_namespaces, rowid)?;
            }
            let json = serde_json::to_vec(&doc).map_err(|e| DbError::Invalid {
                path: path.clone(),
                message: format!("{vuln_id}: {e}"),
            })?;
            let blob = compress_blob(&mut doc_compressor, BLOB_ZSTD, &json)
                .map_err(|e| DbError::io(&path, e))?;
            insert.execute(params![vuln_id, source, blob]).map_err(sq)?;
            // Docs come sorted by ID: the base is asked once per ID.
            if last.as_ref().is_none_or(|(l, _)| *l != vuln_id) {
                last = Some((vuln_id.clone(), base.source_ids_of(&vuln_id)?));
            }
            let had = last
                .as_ref()
                .is_some_and(|(_, s)| s.contains(&u64::from(source)));
            if !had {
                *by_source
                    .entry(target.source_key(source).to_owned())
                    .or_default() += 1;
            }
        }
    }
    drop(base);

    // KEV and EPSS entries of the updates replace the base's.
    {
        let mut kev = stage
            .conn
            .prepare("SELECT cve, date_added, ransomware FROM kev")
            .map_err(|e| DbError::sqlite(&stage.path, e))?;
        let rows = kev
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, Option<String>>(2)?,
                ))
            })
            .map_err(|e| DbError::sqlite(&stage.path, e))?;
        for row in rows {
            let (cve, date, ransomware) = row.map_err(|e| DbError::sqlite(&stage.path, e))?;
            conn.execute(
                "INSERT OR REPLACE INTO kev (cve, date_added, ransomware) VALUES (?1, ?2, ?3)",
                params![cve, date, ransomware],
            )
            .map_err(sq)?;
        }
        let mut epss = stage
            .conn
            .prepare("SELECT cve, score, percentile FROM epss")
            .map_err(|e| DbError::sqlite(&stage.path, e))?;
        let rows = epss
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, f64>(1)?,
                    r.get::<_, f64>(2)?,
                ))
            })
            .map_err(|e| DbError::sqlite(&stage.path, e))?;
        for row in rows {
            let (cve, score, percentile) = row.map_err(|e| DbError::sqlite(&stage.path, e))?;
            conn.execute(
                "INSERT OR REPLACE INTO epss (cve, score, percentile) VALUES (?1, ?2, ?3)",
                params![cve, score, percentile],
            )
            .map_err(sq)?;
        }
    }
    let count = |sql: &str| -> Result<u64, DbError> {
        conn.query_row(sql, [], |r| r.get::<_, i64>(0))
            .map(|n| u64::try_from(n).unwrap_or(0))
            .map_err(sq)
    };
    let mut sources = old_meta.sources.clone();
    sources.extend(reports);
    let metadata = Metadata {
        schema_version: SCHEMA_VERSION,
        built_at: trawl_types::time::now_rfc3339(),
        sources,
        advisories_by_source: by_source,
        affected_rows: stored,
        kev_entries: count("SELECT COUNT(*) FROM kev")?,
        epss_entries: count("SELECT COUNT(*) FROM epss")?,
        upstream: upstream.unwrap_or_else(|| old_meta.upstream.clone()),
    };
    let meta_json = serde_json::to_string(&metadata).map_err(|e| DbError::Invalid {
        path: path.clone(),
        message: e.to_string(),
    })?;
    conn.execute(
        "UPDATE meta SET value = ?1 WHERE key = 'metadata'",
        [meta_json],
    )
    .map_err(sq)?;
    conn.execute_batch("COMMIT; PRAGMA journal_mode = DELETE;")
        .map_err(sq)?;
    conn.close().map_err(|(_, e)| DbError::sqlite(&path, e))?;
    drop(stage);
    drop(stage_file);
    out.persist(output)
        .map_err(|e| DbError::io(output, e.error))?;
    let size = std::fs::metadata(output)
        .map_err(|e| DbError::io(output, e))?
        .len();
    Ok(BuildOutcome {
        path: output.to_owned(),
        metadata,
        size,
    })
}

/// Storage order of the records of one key: advisory ID, then data source (stable: feed order within).
fn order(r: &StoredRecord) -> (&str, u32) {
    (r.advisory_id.as_str(), r.source)
}

/// A key's records with the updated (ID, source) pairs' old records out and the new ones in.
fn merge_key(
    old: Vec<StoredRecord>,
    new: Vec<StoredRecord>,
    is_updated: &dyn Fn(&StoredRecord) -> bool,
) -> Vec<StoredRecord> {
    let mut out: Vec<StoredRecord> = old.into_iter().filter(|r| !is_updated(r)).collect();
    out.extend(new);
    out.sort_by(|a, b| order(a).cmp(&order(b)));
    out
}

/// The data source and namespace IDs of the DB being changed (new ones are added as they come).
struct Ids {
    sources: HashMap<String, u32>,
    source_keys: BTreeMap<u32, String>,
    namespaces: HashMap<String, i64>,
    namespace_names: HashMap<i64, String>,
}

impl Ids {
    fn load(conn: &Connection, path: &Path) -> Result<Ids, DbError> {
        let sq = |e| DbError::sqlite(path, e);
        let mut ids = Ids {
            sources: HashMap::new(),
            source_keys: BTreeMap::new(),
            namespaces: HashMap::new(),
            namespace_names: HashMap::new(),
        };
        let mut stmt = conn
            .prepare("SELECT id, key FROM data_source")
            .map_err(sq)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
            .map_err(sq)?;
        for row in rows {
            let (id, key) = row.map_err(sq)?;
            let id = u32::try_from(id).map_err(|_| DbError::Invalid {
                path: path.to_owned(),
                message: format!("data source id {id} out of range"),
            })?;
            ids.sources.insert(key.clone(), id);
            ids.source_keys.insert(id, key);
        }
        let mut stmt = conn.prepare("SELECT id, name FROM namespace").map_err(sq)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
            .map_err(sq)?;
        for row in rows {
            let (id, name) = row.map_err(sq)?;
            ids.namespaces.insert(name.clone(), id);
            ids.namespace_names.insert(id, name);
        }
        Ok(ids)
    }

    fn source(&mut self, conn: &Connection, path: &Path, key: &str) -> Result<u32, DbError> {
        if let Some(id) = self.sources.get(key) {
            return Ok(*id);
        }
        conn.execute("INSERT INTO data_source (key) VALUES (?1)", [key])
            .map_err(|e| DbError::sqlite(path, e))?;
        let id = u32::try_from(conn.last_insert_rowid()).map_err(|_| DbError::Invalid {
            path: path.to_owned(),
            message: "data source id out of range".to_owned(),
        })?;
        self.sources.insert(key.to_owned(), id);
        self.source_keys.insert(id, key.to_owned());
        Ok(id)
    }

    fn source_key(&self, id: u32) -> &str {
        self.source_keys.get(&id).map_or("", String::as_str)
    }

    fn namespace(&mut self, conn: &Connection, path: &Path, name: &str) -> Result<i64, DbError> {
        if let Some(id) = self.namespaces.get(name) {
            return Ok(*id);
        }
        conn.execute("INSERT INTO namespace (name) VALUES (?1)", [name])
            .map_err(|e| DbError::sqlite(path, e))?;
        let id = conn.last_insert_rowid();
        self.namespaces.insert(name.to_owned(), id);
        self.namespace_names.insert(id, name.to_owned());
        Ok(id)
    }

    fn namespace_name(&self, id: i64) -> &str {
        self.namespace_names.get(&id).map_or("", String::as_str)
    }
}
