//! `trawl db build`: feeds -> one SQLite file, written to a temporary file beside the output and renamed.

use crate::DbError;
use crate::feed::{FeedKind, Sink, SourceSpec, Stats};
use crate::model::{Advisory, AdvisoryDoc, AffectedDoc, Metadata, SourceReport};
use crate::schema::{
    BLOB_PLAIN, BLOB_ZSTD_DICT, SCHEMA, SCHEMA_VERSION, severity_code, status_code,
};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// What a build produced.
#[derive(Debug, Clone)]
pub struct BuildOutcome {
    /// The file written.
    pub path: PathBuf,
    /// Its metadata (as `trawl db info` shows it).
    pub metadata: Metadata,
    /// Size of the file in bytes.
    pub size: u64,
}

/// Builds a DB from `sources` (in order; for one advisory ID and data source, later sources merge into
/// earlier ones) into `output`, atomically (temporary file in the same directory, then rename).
///
/// Malformed records are skipped and counted per source; only an unreadable location or a failing write is
/// an error.
pub fn build(sources: &[SourceSpec], output: &Path) -> Result<BuildOutcome, DbError> {
    if sources.is_empty() {
        return Err(DbError::Usage(
            "no --source given: nothing to build".to_owned(),
        ));
    }
    let dir = match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(|e| DbError::io(&dir, e))?;
    let tmp = tempfile::Builder::new()
        .prefix(".trawl-db-build-")
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(|e| DbError::io(&dir, e))?;
    let tmp_path = tmp.path().to_owned();
    let mut builder = Builder::create(&tmp_path)?;
    let mut reports = Vec::new();
    for spec in sources {
        tracing::info!("reading {spec}");
        let mut stats = Stats::default();
        builder.begin()?;
        read_source(spec, &mut builder, &mut stats)?;
        builder.commit()?;
        if stats.skipped > 0 {
            tracing::warn!("{spec}: {} malformed record(s) skipped", stats.skipped);
        }
        reports.push(SourceReport {
            kind: spec.kind.as_str().to_owned(),
            location: spec.location.clone(),
            records: stats.records,
            skipped: stats.skipped,
            errors: stats.errors,
            feed_timestamp: stats.feed_timestamp,
        });
    }
    let metadata = builder.finish(reports)?;
    tmp.persist(output)
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

fn read_source(spec: &SourceSpec, sink: &mut dyn Sink, stats: &mut Stats) -> Result<(), DbError> {
    let loc = spec.location.as_str();
    match spec.kind {
        FeedKind::Osv => crate::feed::osv::read(loc, sink, stats),
        FeedKind::AlpineSecdb => crate::feed::alpine::read(loc, sink, stats),
        FeedKind::DebianTracker => crate::feed::debian::read(loc, sink, stats),
        FeedKind::Wolfi => crate::feed::wolfi::read(loc, sink, stats),
        FeedKind::Alas => crate::feed::alas::read(loc, sink, stats),
        FeedKind::Cve5 => crate::feed::cve5::read(loc, sink, stats),
        FeedKind::Nvd => crate::feed::nvd::read(loc, sink, stats),
        FeedKind::Kev => crate::feed::kev::read(loc, sink, stats),
        FeedKind::Epss => crate::feed::epss::read(loc, sink, stats),
    }
}

/// The DB under construction.
struct Builder {
    conn: Connection,
    path: PathBuf,
    sources: HashMap<String, i64>,
    namespaces: HashMap<String, i64>,
}

fn union(into: &mut Vec<String>, from: Vec<String>) {
    for x in from {
        if !into.contains(&x) {
            into.push(x);
        }
    }
}

fn merge_docs(old: AdvisoryDoc, new: AdvisoryDoc) -> AdvisoryDoc {
    let mut out = old;
    union(&mut out.aliases, new.aliases);
    union(&mut out.upstream, new.upstream);
    union(&mut out.related, new.related);
    if new.summary.is_some() {
        out.summary = new.summary;
    }
    if new.details.is_some() {
        out.details = new.details;
    }
    for s in new.severity {
        if !out.severity.contains(&s) {
            out.severity.push(s);
        }
    }
    union(&mut out.references, new.references);
    union(&mut out.cwes, new.cwes);
    out.published = match (out.published, new.published) {
        (Some(a), Some(b)) => Some(if b < a { b } else { a }),
        (a, b) => a.or(b),
    };
    out.modified = match (out.modified, new.modified) {
        (Some(a), Some(b)) => Some(if b > a { b } else { a }),
        (a, b) => a.or(b),
    };
    if new.withdrawn.is_some() {
        out.withdrawn = new.withdrawn;
    }
    if new.database_specific.is_some() {
        out.database_specific = new.database_specific;
    }
    out
}

fn plain_blob<T: serde::Serialize>(v: &T) -> Vec<u8> {
    let mut out = vec![BLOB_PLAIN];
    // Serialising these plain structs cannot fail (string keys, finite floats are checked at parse time).
    if serde_json::to_writer(&mut out, v).is_err() {
        out.truncate(1);
        out.extend_from_slice(b"{}");
    }
    out
}

fn alias_text(doc: &AdvisoryDoc) -> String {
    let mut all: Vec<&str> = Vec::new();
    for a in doc.aliases.iter().chain(doc.upstream.iter()) {
        if !all.contains(&a.as_str()) {
            all.push(a);
        }
    }
    all.join(" ")
}

impl Builder {
    fn create(path: &Path) -> Result<Self, DbError> {
        let conn = Connection::open(path).map_err(|e| DbError::sqlite(path, e))?;
        conn.execute_batch(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA page_size=4096;",
        )
        .map_err(|e| DbError::sqlite(path, e))?;
        conn.execute_batch(SCHEMA)
            .map_err(|e| DbError::sqlite(path, e))?;
        Ok(Builder {
            conn,
            path: path.to_owned(),
            sources: HashMap::new(),
            namespaces: HashMap::new(),
        })
    }

    fn sq(&self, e: rusqlite::Error) -> DbError {
        DbError::sqlite(&self.path, e)
    }

    fn begin(&mut self) -> Result<(), DbError> {
        self.conn.execute_batch("BEGIN").map_err(|e| self.sq(e))
    }

    fn commit(&mut self) -> Result<(), DbError> {
        self.conn.execute_batch("COMMIT").map_err(|e| self.sq(e))
    }

    fn source_id(&mut self, key: &str) -> Result<i64, DbError> {
        if let Some(id) = self.sources.get(key) {
            return Ok(*id);
        }
        self.conn
            .execute("INSERT INTO data_source (key) VALUES (?1)", [key])
            .map_err(|e| DbError::sqlite(&self.path, e))?;
        let id = self.conn.last_insert_rowid();
        self.sources.insert(key.to_owned(), id);
        Ok(id)
    }

    fn namespace_id(&mut self, name: &str) -> Result<i64, DbError> {
        if let Some(id) = self.namespaces.get(name) {
            return Ok(*id);
        }
        self.conn
            .execute("INSERT INTO namespace (name) VALUES (?1)", [name])
            .map_err(|e| DbError::sqlite(&self.path, e))?;
        let id = self.conn.last_insert_rowid();
        self.namespaces.insert(name.to_owned(), id);
        Ok(id)
    }

    /// Trains dictionaries, compresses every blob, stores the metadata, vacuums.
    fn finish(mut self, reports: Vec<SourceReport>) -> Result<Metadata, DbError> {
        self.begin()?;
        // Only the build needs to find rows by advisory.
        self.conn
            .execute_batch("DROP INDEX affected_by_advisory")
            .map_err(|e| self.sq(e))?;
        self.compress_table("advisory")?;
        self.compress_table("affected")?;
        let mut metadata = Metadata {
            schema_version: SCHEMA_VERSION,
            built_at: now_rfc3339(),
            sources: reports,
            ..Metadata::default()
        };
        {
            let mut stmt = self
                .conn
                .prepare("SELECT s.key, COUNT(*) FROM advisory a JOIN data_source s ON s.id = a.source GROUP BY s.key")
                .map_err(|e| self.sq(e))?;
            let rows = stmt
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
                .map_err(|e| DbError::sqlite(&self.path, e))?;
            for row in rows {
                let (k, n) = row.map_err(|e| DbError::sqlite(&self.path, e))?;
                metadata
                    .advisories_by_source
                    .insert(k, u64::try_from(n).unwrap_or(0));
            }
        }
        let count = |sql: &str| -> Result<u64, DbError> {
            self.conn
                .query_row(sql, [], |r| r.get::<_, i64>(0))
                .map(|n| u64::try_from(n).unwrap_or(0))
                .map_err(|e| DbError::sqlite(&self.path, e))
        };
        metadata.affected_rows = count("SELECT COUNT(*) FROM affected")?;
        metadata.kev_entries = count("SELECT COUNT(*) FROM kev")?;
        metadata.epss_entries = count("SELECT COUNT(*) FROM epss")?;
        let meta_json = serde_json::to_string(&metadata).map_err(|e| DbError::Invalid {
            path: self.path.clone(),
            message: e.to_string(),
        })?;
        self.conn
            .execute(
                "INSERT INTO meta (key, value) VALUES ('schema_version', ?1), ('metadata', ?2)",
                params![SCHEMA_VERSION.to_string(), meta_json],
            )
            .map_err(|e| self.sq(e))?;
        self.commit()?;
        self.conn
            .execute_batch("VACUUM; PRAGMA journal_mode=DELETE;")
            .map_err(|e| self.sq(e))?;
        let Builder { conn, path, .. } = self;
        conn.close().map_err(|(_, e)| DbError::sqlite(&path, e))?;
        Ok(metadata)
    }

    /// Trains a zstd dictionary on a sample of a table's plain blobs and rewrites them compressed where that
    /// is smaller. `table` is `advisory` or `affected`.
    fn compress_table(&mut self, table: &str) -> Result<(), DbError> {
        let path = self.path.clone();
        let sq = |e| DbError::sqlite(&path, e);
        let (rows, bytes): (i64, i64) = self
            .conn
            .query_row(
                &format!("SELECT COUNT(*), COALESCE(SUM(LENGTH(data)), 0) FROM {table}"),
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(sq)?;
        if rows < 64 {
            return Ok(());
        }
        // Sample every n-th blob, about 8 MB in all.
        let step = (bytes / (8 << 20)).max(1);
        let mut samples: Vec<Vec<u8>> = Vec::new();
        {
            let mut stmt = self
                .conn
                .prepare(&format!("SELECT data FROM {table}"))
                .map_err(sq)?;
            let mut q = stmt.query([]).map_err(sq)?;
            let mut i = 0i64;
            while let Some(r) = q.next().map_err(sq)? {
                if i % step == 0 {
                    let data: Vec<u8> = r.get(0).map_err(sq)?;
                    if data.first() == Some(&BLOB_PLAIN) {
                        samples.push(data[1..].to_vec());
                    }
                }
                i += 1;
            }
        }
        let dict = match zstd::dict::from_samples(&samples, 112 * 1024) {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(
                    "{table}: zstd dictionary training failed ({e}); storing blobs plain"
                );
                return Ok(());
            }
        };
        drop(samples);
        let mut compressor = zstd::bulk::Compressor::with_dictionary(19, &dict)
            .map_err(|e| DbError::io(&path, e))?;
        self.conn
            .execute(
                "INSERT INTO dict (name, data) VALUES (?1, ?2)",
                params![table, dict],
            )
            .map_err(sq)?;
        let key_cols = if table == "advisory" {
            "id"
        } else {
            "ns, name, advisory, seq"
        };
        let mut select = self
            .conn
            .prepare(&format!("SELECT {key_cols}, data FROM {table}"))
            .map_err(sq)?;
        let mut updates: Vec<(Vec<rusqlite::types::Value>, Vec<u8>)> = Vec::new();
        let n_keys = if table == "advisory" { 1 } else { 4 };
        let mut q = select.query([]).map_err(sq)?;
        while let Some(r) = q.next().map_err(sq)? {
            let data: Vec<u8> = r.get(n_keys).map_err(sq)?;
            if data.first() != Some(&BLOB_PLAIN) || data.len() < 16 {
                continue;
            }
            let z = compressor
                .compress(&data[1..])
                .map_err(|e| DbError::io(&path, e))?;
            if z.len() + 1 >= data.len() {
                continue;
            }
            let mut blob = Vec::with_capacity(z.len() + 1);
            blob.push(BLOB_ZSTD_DICT);
            blob.extend_from_slice(&z);
            let mut keys = Vec::with_capacity(n_keys);
            for i in 0..n_keys {
                keys.push(r.get::<_, rusqlite::types::Value>(i).map_err(sq)?);
            }
            updates.push((keys, blob));
        }
        drop(q);
        drop(select);
        let sql = if table == "advisory" {
            "UPDATE advisory SET data = ?2 WHERE id = ?1"
        } else {
            "UPDATE affected SET data = ?5 WHERE ns = ?1 AND name = ?2 AND advisory = ?3 AND seq = ?4"
        };
        let mut up = self.conn.prepare(sql).map_err(sq)?;
        for (mut keys, blob) in updates {
            keys.push(rusqlite::types::Value::Blob(blob));
            up.execute(rusqlite::params_from_iter(keys)).map_err(sq)?;
        }
        Ok(())
    }
}

impl Sink for Builder {
    fn advisory(&mut self, a: Advisory) -> Result<(), DbError> {
        let Advisory {
            id,
            source,
            doc,
            affected,
        } = a;
        let source_id = self.source_id(&source)?;
        let existing: Option<(i64, Vec<u8>)> = self
            .conn
            .prepare_cached("SELECT id, data FROM advisory WHERE vuln_id = ?1 AND source = ?2")
            .and_then(|mut s| {
                s.query_row(params![id, source_id], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()
            })
            .map_err(|e| self.sq(e))?;
        let advisory_rowid = match existing {
            Some((rowid, data)) => {
                let old: AdvisoryDoc = data
                    .split_first()
                    .and_then(|(_, json)| serde_json::from_slice(json).ok())
                    .unwrap_or_default();
                let merged = merge_docs(old, doc);
                self.conn
                    .prepare_cached(
                        "UPDATE advisory SET aliases = ?2, withdrawn = ?3, data = ?4 WHERE id = ?1",
                    )
                    .and_then(|mut s| {
                        s.execute(params![
                            rowid,
                            alias_text(&merged),
                            merged.withdrawn.is_some(),
                            plain_blob(&merged)
                        ])
                    })
                    .map_err(|e| self.sq(e))?;
                rowid
            }
            None => {
                self.conn
                    .prepare_cached(
                        "INSERT INTO advisory (vuln_id, source, aliases, withdrawn, data) VALUES (?1, ?2, ?3, ?4, ?5)",
                    )
                    .and_then(|mut s| {
                        s.execute(params![id, source_id, alias_text(&doc), doc.withdrawn.is_some(), plain_blob(&doc)])
                    })
                    .map_err(|e| self.sq(e))?;
                self.conn.last_insert_rowid()
            }
        };
        if affected.is_empty() {
            return Ok(());
        }
        let first_seq: i64 = self
            .conn
            .prepare_cached("SELECT COALESCE(MAX(seq) + 1, 0) FROM affected WHERE advisory = ?1")
            .and_then(|mut s| s.query_row([advisory_rowid], |r| r.get(0)))
            .map_err(|e| self.sq(e))?;
        // A later feed's rows for the same (namespace, package) replace the earlier ones.
        let mut replaced: Vec<(i64, String)> = Vec::new();
        for (seq, af) in (first_seq..).zip(affected) {
            let ns = self.namespace_id(&af.namespace)?;
            if !replaced.contains(&(ns, af.name.clone())) {
                self.conn
                    .prepare_cached(
                        "DELETE FROM affected WHERE advisory = ?1 AND ns = ?2 AND name = ?3",
                    )
                    .and_then(|mut s| s.execute(params![advisory_rowid, ns, af.name]))
                    .map_err(|e| self.sq(e))?;
                replaced.push((ns, af.name.clone()));
            }
            // Vendor rows whose only range is the one their status and fixed version imply store no blob.
            let implied = crate::model::implied_ranges(af.status, af.fixed_version.as_deref());
            let implicit = af.status.is_some()
                && af.versions.is_empty()
                && af.variant.is_none()
                && af.purl.is_none()
                && af.ecosystem_specific.is_none()
                && af.database_specific.is_none()
                && af.ranges == implied;
            let doc = AffectedDoc {
                ranges: af.ranges,
                versions: af.versions,
                variant: af.variant,
                purl: af.purl,
                ecosystem_specific: af.ecosystem_specific,
                database_specific: af.database_specific,
            };
            self.conn
                .prepare_cached(
                    "INSERT INTO affected (ns, name, advisory, seq, status, fixed, urgency, severity, data)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        ns,
                        af.name,
                        advisory_rowid,
                        seq,
                        af.status.map(status_code),
                        af.fixed_version,
                        af.urgency,
                        af.severity.map(severity_code),
                        if implicit { Vec::new() } else { plain_blob(&doc) },
                    ])
                })
                .map_err(|e| self.sq(e))?;
        }
        Ok(())
    }

    fn kev(
        &mut self,
        cve: &str,
        date_added: Option<&str>,
        ransomware: Option<&str>,
    ) -> Result<(), DbError> {
        self.conn
            .prepare_cached(
                "INSERT OR REPLACE INTO kev (cve, date_added, ransomware) VALUES (?1, ?2, ?3)",
            )
            .and_then(|mut s| s.execute(params![cve, date_added, ransomware]))
            .map_err(|e| self.sq(e))?;
        Ok(())
    }

    fn epss(&mut self, cve: &str, score: f64, percentile: f64) -> Result<(), DbError> {
        self.conn
            .prepare_cached(
                "INSERT OR REPLACE INTO epss (cve, score, percentile) VALUES (?1, ?2, ?3)",
            )
            .and_then(|mut s| s.execute(params![cve, score, percentile]))
            .map_err(|e| self.sq(e))?;
        Ok(())
    }
}

/// Current UTC time, RFC 3339, seconds precision.
pub(crate) fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    now.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| now.unix_timestamp().to_string())
}
