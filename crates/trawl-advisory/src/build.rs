//! `trawl db build`: feeds -> one SQLite file, written to a temporary file beside the output and renamed.

use crate::DbError;
use crate::codec::{StoredRecord, encode_records, put_str, put_varint};
use crate::feed::{FeedKind, Sink, SourceSpec, Stats};
use crate::model::{Advisory, AdvisoryDoc, AffectedDoc, Metadata, PackageSpecific, SourceReport};
use crate::schema::{
    BLOB_PLAIN, BLOB_ZSTD, BLOB_ZSTD_DICT, MAX_PROBES, SCHEMA, SCHEMA_VERSION, STAGING,
    package_key_hash, severity_code, severity_from_code, status_code, status_from_code,
};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::{HashMap, HashSet};
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
    build_with_origins(sources, output, Vec::new())
}

/// [`build`], recording where each upstream feed came from in the metadata (a DB built from the publishers).
pub fn build_with_origins(
    sources: &[SourceSpec],
    output: &Path,
    upstream: Vec<crate::model::FeedOrigin>,
) -> Result<BuildOutcome, DbError> {
    if sources.is_empty() {
        return Err(DbError::Usage(
            "no --source given: nothing to build".to_owned(),
        ));
    }
    let target = crate::db_destination(output)?;
    let dir = trawl_fs::parent_dir(&target);
    let tmp = trawl_fs::temp_file(&dir, "db-build").map_err(|e| DbError::io(&dir, e))?;
    let tmp_path = tmp.path().to_owned();
    let mut builder = Builder::create(&tmp_path)?;
    let reports = builder.read_sources(sources)?;
    let metadata = builder.finish(reports, upstream)?;
    crate::check::full(&tmp_path)?;
    tmp.persist(&target)
        .map_err(|e| DbError::io(&target, e.error))?;
    crate::check::stamp(&target);
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
        FeedKind::UbuntuVex => crate::feed::ubuntu_vex::read(loc, sink, stats),
        FeedKind::Alas => crate::feed::alas::read(loc, sink, stats),
        FeedKind::Cve5 => crate::feed::cve5::read(loc, sink, stats),
        FeedKind::Nvd => crate::feed::nvd::read(loc, sink, stats),
        FeedKind::Kev => crate::feed::kev::read(loc, sink, stats),
        FeedKind::Epss => crate::feed::epss::read(loc, sink, stats),
    }
}

/// The DB under construction.
pub(crate) struct Builder {
    pub(crate) conn: Connection,
    pub(crate) path: PathBuf,
    pub(crate) sources: HashMap<String, i64>,
    pub(crate) namespaces: HashMap<String, i64>,
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

pub(crate) fn plain_blob<T: serde::Serialize>(v: &T) -> Vec<u8> {
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
    pub(crate) fn create(path: &Path) -> Result<Self, DbError> {
        let conn = Connection::open(path).map_err(|e| DbError::sqlite(path, e))?;
        conn.execute_batch(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA page_size=4096;",
        )
        .map_err(|e| DbError::sqlite(path, e))?;
        conn.execute_batch(SCHEMA)
            .and_then(|()| conn.execute_batch(STAGING))
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

    /// Reads every source into the staging tables (one transaction per source); one report per source.
    pub(crate) fn read_sources(
        &mut self,
        sources: &[SourceSpec],
    ) -> Result<Vec<SourceReport>, DbError> {
        let mut reports = Vec::new();
        for spec in sources {
            tracing::info!("reading {spec}");
            let mut stats = Stats::default();
            self.begin()?;
            read_source(spec, self, &mut stats)?;
            self.commit()?;
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
        Ok(reports)
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

    /// Writes the final tables from the staging ones (package rows, advisory blocks, both compressed with
    /// trained dictionaries), stores the metadata, drops the staging tables and vacuums.
    fn finish(
        mut self,
        reports: Vec<SourceReport>,
        upstream: Vec<crate::model::FeedOrigin>,
    ) -> Result<Metadata, DbError> {
        self.begin()?;
        let mut metadata = Metadata {
            schema_version: SCHEMA_VERSION,
            built_at: trawl_types::time::now_rfc3339(),
            sources: reports,
            upstream,
            ..Metadata::default()
        };
        {
            let mut stmt = self
                .conn
                .prepare("SELECT s.key, COUNT(*) FROM stage_advisory a JOIN data_source s ON s.id = a.source GROUP BY s.key")
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
        metadata.kev_entries = count("SELECT COUNT(*) FROM kev")?;
        metadata.epss_entries = count("SELECT COUNT(*) FROM epss")?;
        tracing::debug!("writing package rows");
        let (with_specific, stored) = self.write_packages()?;
        metadata.affected_rows = stored;
        tracing::debug!("writing advisory documents");
        self.write_advisory_blocks(&with_specific)?;
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
        self.conn
            .execute_batch("DROP TABLE stage_affected; DROP TABLE stage_advisory;")
            .map_err(|e| self.sq(e))?;
        self.commit()?;
        self.conn
            .execute_batch(&format!(
                "PRAGMA page_size = {PAGE_SIZE}; VACUUM; PRAGMA journal_mode = DELETE;"
            ))
            .map_err(|e| self.sq(e))?;
        let Builder { conn, path, .. } = self;
        conn.close().map_err(|(_, e)| DbError::sqlite(&path, e))?;
        Ok(metadata)
    }

    /// One `package` row per (namespace, package): every record of the key that is not withdrawn, ordered
    /// by advisory ID (then data source), in one compact blob. Returns the staging advisory rows that have a
    /// per-package `ecosystem_specific` / `database_specific` (their documents read them back, see
    /// [`staged_package_specific`]) and the number of records stored.
    fn write_packages(&mut self) -> Result<(HashSet<i64>, u64), DbError> {
        let path = self.path.clone();
        let sq = |e| DbError::sqlite(&path, e);
        let namespaces: HashMap<i64, String> = self
            .namespaces
            .iter()
            .map(|(k, v)| (*v, k.clone()))
            .collect();
        let mut with_specific: HashSet<i64> = HashSet::new();
        let mut keys: Vec<(i64, String, Vec<u8>)> = Vec::new();
        let mut stored = 0u64;
        {
            let mut current: Option<(i64, String)> = None;
            let mut records: Vec<StoredRecord> = Vec::new();
            for_each_staged(&self.conn, &self.path, &namespaces, &mut |row| {
                if row.has_specific {
                    with_specific.insert(row.advisory);
                }
                if row.withdrawn {
                    return Ok(());
                }
                if current
                    .as_ref()
                    .is_some_and(|(n, s)| *n != row.ns || *s != row.name)
                    && let Some((n, s)) = current.take()
                {
                    keys.push((n, s, encode_records(&records)));
                    records.clear();
                }
                if current.is_none() {
                    current = Some((row.ns, row.name));
                }
                records.push(row.record);
                stored += 1;
                Ok(())
            })?;
            if let Some((n, s)) = current.take() {
                keys.push((n, s, encode_records(&records)));
            }
        }
        let blobs: Vec<&[u8]> = keys.iter().map(|(_, _, b)| b.as_slice()).collect();
        let compressed = self.compress_all("package", &blobs, true, PACKAGE_LEVEL)?;
        // Row IDs: the key's hash, probing forward on a (rare) collision; inserted in row ID order so the
        // table's pages come out full.
        let mut used: HashSet<i64> = HashSet::new();
        let mut rows: Vec<(i64, i64, &str, Vec<u8>)> = Vec::with_capacity(keys.len());
        for ((ns, name, _), blob) in keys.iter().zip(compressed) {
            let ns_name = namespaces.get(ns).map_or("", String::as_str);
            let base = package_key_hash(ns_name, name);
            let Some(id) = (0..MAX_PROBES)
                .map(|p| base.wrapping_add(p))
                .find(|id| !used.contains(id))
            else {
                return Err(DbError::Invalid {
                    path: path.clone(),
                    message: format!("more than {MAX_PROBES} package keys share a hash"),
                });
            };
            used.insert(id);
            rows.push((id, *ns, name, blob));
        }
        rows.sort_by_key(|r| r.0);
        let mut insert = self
            .conn
            .prepare("INSERT INTO package (id, ns, name, data) VALUES (?1, ?2, ?3, ?4)")
            .map_err(sq)?;
        for (id, ns, name, blob) in rows {
            insert.execute(params![id, ns, name, blob]).map_err(sq)?;
        }
        Ok((with_specific, stored))
    }

    /// Advisory documents in blocks of consecutive IDs (about [`BLOCK_BYTES`] of JSON each; all sources of
    /// one ID in the same block), each entry `(vuln_id, source id, JSON)`.
    fn write_advisory_blocks(&mut self, with_specific: &HashSet<i64>) -> Result<(), DbError> {
        let path = self.path.clone();
        let namespaces: HashMap<i64, String> = self
            .namespaces
            .iter()
            .map(|(k, v)| (*v, k.clone()))
            .collect();
        let sq = |e| DbError::sqlite(&path, e);
        // Each block is compressed and stored as soon as it is full: the documents are about a gigabyte at
        // full scale and are never all in memory.
        let mut compressor =
            zstd::bulk::Compressor::new(ADVISORY_LEVEL).map_err(|e| DbError::io(&path, e))?;
        compressor
            .include_checksum(false)
            .and_then(|()| compressor.include_dictid(false))
            .map_err(|e| DbError::io(&path, e))?;
        let mut insert = self
            .conn
            .prepare("INSERT INTO advisory_block (last_id, data) VALUES (?1, ?2)")
            .map_err(sq)?;
        let mut flush = |last_id: &str, block: &[u8]| -> Result<(), DbError> {
            let blob = compress_blob(&mut compressor, BLOB_ZSTD, block)
                .map_err(|e| DbError::io(&path, e))?;
            insert.execute(params![last_id, blob]).map_err(sq)?;
            Ok(())
        };
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, vuln_id, source, data FROM stage_advisory ORDER BY vuln_id, source",
            )
            .map_err(sq)?;
        let mut q = stmt.query([]).map_err(sq)?;
        let mut block: Vec<u8> = Vec::new();
        let mut last: Option<String> = None;
        while let Some(r) = q.next().map_err(sq)? {
            let rowid: i64 = r.get(0).map_err(sq)?;
            let vuln_id: String = r.get(1).map_err(sq)?;
            let source: i64 = r.get(2).map_err(sq)?;
            let blob = r
                .get_ref(3)
                .and_then(|v| v.as_blob().map_err(Into::into))
                .map_err(sq)?;
            if block.len() >= BLOCK_BYTES
                && last.as_ref().is_some_and(|l| *l != vuln_id)
                && let Some(l) = last.take()
            {
                flush(&l, &block)?;
                block.clear();
            }
            let mut doc: AdvisoryDoc = blob
                .split_first()
                .and_then(|(_, json)| serde_json::from_slice(json).ok())
                .unwrap_or_default();
            if with_specific.contains(&rowid) {
                doc.package_specific =
                    staged_package_specific(&self.conn, &path, &namespaces, rowid)?;
            }
            let json = serde_json::to_vec(&doc).unwrap_or_else(|_| b"{}".to_vec());
            put_str(&mut block, &vuln_id);
            put_varint(&mut block, u64::try_from(source).unwrap_or(0));
            put_varint(&mut block, json.len() as u64);
            block.extend_from_slice(&json);
            last = Some(vuln_id);
        }
        if let Some(l) = last {
            flush(&l, &block)?;
        }
        Ok(())
    }

    /// Compresses `blobs` (zstd level 19), with a dictionary trained on them (stored in `dict` under
    /// `name`) when `with_dict` and there are enough to train on; each result starts with its format byte and is stored plain when
    /// compression does not pay.
    fn compress_all(
        &mut self,
        name: &str,
        blobs: &[&[u8]],
        with_dict: bool,
        level: i32,
    ) -> Result<Vec<Vec<u8>>, DbError> {
        let path = self.path.clone();
        let dict = if with_dict && blobs.len() >= 64 {
            // Samples: every n-th blob (cut to 4 KiB; the trainer wants many small samples), about 8 MB in all.
            let total: usize = blobs.iter().map(|b| b.len().min(4096)).sum();
            let step = (total / (8 << 20)).max(1);
            let samples: Vec<&[u8]> = blobs
                .iter()
                .step_by(step)
                .map(|b| &b[..b.len().min(4096)])
                .collect();
            match zstd::dict::from_samples(&samples, DICT_BYTES) {
                Ok(d) => Some(d),
                Err(e) => {
                    tracing::warn!("{name}: zstd dictionary training failed ({e}); no dictionary");
                    None
                }
            }
        } else {
            None
        };
        let mut compressor = match &dict {
            Some(d) => zstd::bulk::Compressor::with_dictionary(level, d),
            None => zstd::bulk::Compressor::new(level),
        }
        .map_err(|e| DbError::io(&path, e))?;
        compressor
            .include_checksum(false)
            .and_then(|()| compressor.include_dictid(false))
            .map_err(|e| DbError::io(&path, e))?;
        if let Some(d) = &dict {
            self.conn
                .execute(
                    "INSERT INTO dict (name, data) VALUES (?1, ?2)",
                    params![name, d],
                )
                .map_err(|e| DbError::sqlite(&path, e))?;
        }
        let format = if dict.is_some() {
            BLOB_ZSTD_DICT
        } else {
            BLOB_ZSTD
        };
        let mut out = Vec::with_capacity(blobs.len());
        for b in blobs {
            out.push(compress_blob(&mut compressor, format, b).map_err(|e| DbError::io(&path, e))?);
        }
        Ok(out)
    }
}

/// `b` compressed, after its format byte (`format`), or plain when compression does not pay.
pub(crate) fn compress_blob(
    compressor: &mut zstd::bulk::Compressor<'_>,
    format: u8,
    b: &[u8],
) -> std::io::Result<Vec<u8>> {
    let z = compressor.compress(b)?;
    let mut blob = Vec::with_capacity(z.len().min(b.len()) + 1);
    if z.len() < b.len() {
        blob.push(format);
        blob.extend_from_slice(&z);
    } else {
        blob.push(BLOB_PLAIN);
        blob.extend_from_slice(b);
    }
    Ok(blob)
}

/// One staged affected row, decoded as it will be stored.
pub(crate) struct StagedRow {
    /// Staging namespace ID.
    pub(crate) ns: i64,
    pub(crate) name: String,
    /// Staging advisory row.
    pub(crate) advisory: i64,
    pub(crate) withdrawn: bool,
    /// The record (its `source` is the staging data source ID).
    pub(crate) record: StoredRecord,
    /// The row has an `ecosystem_specific` / `database_specific` (for the advisory document, read back by
    /// [`staged_package_specific`]).
    pub(crate) has_specific: bool,
}

/// The part of a staged affected row's JSON that goes into the advisory document (the rest is skipped).
#[derive(serde::Deserialize)]
struct StagedSpecific {
    #[serde(rename = "es", default)]
    ecosystem_specific: Option<serde_json::Value>,
    #[serde(rename = "ds", default)]
    database_specific: Option<serde_json::Value>,
}

/// The per-package `ecosystem_specific` / `database_specific` of one staging advisory row, in storage order
/// (namespace, package, then feed order). Read back from the staged rows as each document is written, one
/// advisory at a time: holding them all until then (as JSON trees) took gigabytes at full scale.
pub(crate) fn staged_package_specific(
    conn: &Connection,
    path: &Path,
    namespaces: &HashMap<i64, String>,
    advisory: i64,
) -> Result<Vec<PackageSpecific>, DbError> {
    let sq = |e| DbError::sqlite(path, e);
    let mut stmt = conn
        .prepare_cached(
            "SELECT ns, name, data FROM stage_affected WHERE advisory = ?1 ORDER BY ns, name, seq",
        )
        .map_err(sq)?;
    let mut q = stmt.query([advisory]).map_err(sq)?;
    let mut out = Vec::new();
    while let Some(r) = q.next().map_err(sq)? {
        let blob = r
            .get_ref(2)
            .and_then(|v| v.as_blob().map_err(Into::into))
            .map_err(sq)?;
        let Some(doc) = blob
            .split_first()
            .and_then(|(_, json)| serde_json::from_slice::<StagedSpecific>(json).ok())
        else {
            continue;
        };
        if doc.ecosystem_specific.is_none() && doc.database_specific.is_none() {
            continue;
        }
        let ns: i64 = r.get(0).map_err(sq)?;
        out.push(PackageSpecific {
            source: None,
            namespace: namespaces.get(&ns).map_or("", String::as_str).to_owned(),
            package: r.get(1).map_err(sq)?,
            ecosystem_specific: doc.ecosystem_specific,
            database_specific: doc.database_specific,
        });
    }
    Ok(out)
}

/// Every staged affected row in storage order: by namespace, package, advisory ID, data source, then feed
/// order within the advisory.
pub(crate) fn for_each_staged(
    conn: &Connection,
    path: &Path,
    namespaces: &HashMap<i64, String>,
    f: &mut dyn FnMut(StagedRow) -> Result<(), DbError>,
) -> Result<(), DbError> {
    let sq = |e| DbError::sqlite(path, e);
    let mut stmt = conn
        .prepare(
            "SELECT f.ns, f.name, f.advisory, a.vuln_id, a.aliases, a.source, a.withdrawn,
                    f.status, f.fixed, f.urgency, f.severity, f.data
             FROM stage_affected f JOIN stage_advisory a ON a.id = f.advisory
             ORDER BY f.ns, f.name, a.vuln_id, a.source, f.seq",
        )
        .map_err(sq)?;
    let mut q = stmt.query([]).map_err(sq)?;
    while let Some(r) = q.next().map_err(sq)? {
        let ns: i64 = r.get(0).map_err(sq)?;
        let name: String = r.get(1).map_err(sq)?;
        let advisory: i64 = r.get(2).map_err(sq)?;
        let withdrawn: bool = r.get(6).map_err(sq)?;
        let blob = r
            .get_ref(11)
            .and_then(|v| v.as_blob().map_err(Into::into))
            .map_err(sq)?;
        let implicit = blob.is_empty();
        let doc: AffectedDoc = if implicit {
            AffectedDoc::default()
        } else {
            blob.split_first()
                .and_then(|(_, json)| serde_json::from_slice(json).ok())
                .unwrap_or_default()
        };
        let ns_name = namespaces.get(&ns).map_or("", String::as_str);
        let matching_versions = uncovered_versions(ns_name, &doc.ranges, doc.versions);
        let has_specific = doc.ecosystem_specific.is_some() || doc.database_specific.is_some();
        let aliases: String = r.get(4).map_err(sq)?;
        let source: i64 = r.get(5).map_err(sq)?;
        let go_imports = if ns_name == "Go" {
            crate::model::go_imports(doc.ecosystem_specific.as_ref())
        } else {
            Vec::new()
        };
        let record = StoredRecord {
            go_imports,
            advisory_id: r.get(3).map_err(sq)?,
            aliases: aliases.split_whitespace().map(str::to_owned).collect(),
            source: u32::try_from(source).unwrap_or(0),
            variant: doc.variant,
            purl: doc.purl,
            vendor_status: doc.vendor_status,
            note: doc.note,
            ranges: if implicit { None } else { Some(doc.ranges) },
            versions: matching_versions.iter().collect(),
            status: r
                .get::<_, Option<i64>>(7)
                .map_err(sq)?
                .and_then(status_from_code),
            fixed: r.get(8).map_err(sq)?,
            urgency: r.get(9).map_err(sq)?,
            severity: r
                .get::<_, Option<i64>>(10)
                .map_err(sq)?
                .and_then(severity_from_code),
        };
        f(StagedRow {
            ns,
            name,
            advisory,
            withdrawn,
            record,
            has_specific,
        })?;
    }
    Ok(())
}

/// The versions of an OSV `versions` list that the ranges do not already cover in the namespace's version
/// order. A listed version counts as covered only when `trawl_version::affected` — what the matcher runs —
/// says the ranges affect it, so matching gives the same answer with the shorter list. (OSV tooling
/// enumerates such lists from the ranges — PyPA lists every release in range —; like Trivy's and Grype's
/// databases, the DB keeps the ranges and the versions they do not imply.)
fn uncovered_versions(
    namespace: &str,
    ranges: &[crate::model::AffectedRange],
    versions: Vec<String>,
) -> Vec<String> {
    let scheme = trawl_version::Scheme::for_ecosystem(namespace);
    if versions.is_empty() || ranges.is_empty() || scheme == trawl_version::Scheme::Generic {
        return versions;
    }
    let osv: Vec<trawl_version::OsvRange> = ranges.iter().map(|r| r.to_osv()).collect();
    versions
        .into_iter()
        .filter(|v| !trawl_version::affected(scheme, v, &osv, &[]).is_ok_and(|a| a.affected))
        .collect()
}

/// Uncompressed size an advisory block grows to before the next one starts. Blocks this large compress
/// well on their own (a dictionary no longer pays for itself) and decompress in well under a millisecond;
/// only details (`AdvisoryDb::advisory`) read them, and readers keep the last few.
const BLOCK_BYTES: usize = 256 * 1024;
/// zstd level of the package rows (small, compressed with a dictionary: the slow levels cost little).
pub(crate) const PACKAGE_LEVEL: i32 = 19;
/// zstd level of the advisory blocks. At full scale (about a gigabyte of documents) level 19 runs at a few
/// MB/s and makes the build take far longer than the 5-minute budget; level 9 is ~20x faster for blocks
/// ~4% larger (measured on the generated corpus, `bench/db-scale`).
pub(crate) const ADVISORY_LEVEL: i32 = 9;
/// Size of the dictionary trained on package rows (most are under 100 bytes: without a dictionary they would
/// hardly compress).
const DICT_BYTES: usize = 64 * 1024;
/// Page size of the file: small pages waste less at the end of each overflowing blob.
const PAGE_SIZE: u32 = 2048;

impl Sink for Builder {
    fn advisory(&mut self, a: Advisory) -> Result<(), DbError> {
        let Advisory {
            id,
            source,
            doc,
            affected,
        } = a;
        let source_id = self.source_id(source.as_str())?;
        let existing: Option<(i64, Vec<u8>)> = self
            .conn
            .prepare_cached(
                "SELECT id, data FROM stage_advisory WHERE vuln_id = ?1 AND source = ?2",
            )
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
                        "UPDATE stage_advisory SET aliases = ?2, withdrawn = ?3, data = ?4 WHERE id = ?1",
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
                        "INSERT INTO stage_advisory (vuln_id, source, aliases, withdrawn, data) VALUES (?1, ?2, ?3, ?4, ?5)",
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
            .prepare_cached(
                "SELECT COALESCE(MAX(seq) + 1, 0) FROM stage_affected WHERE advisory = ?1",
            )
            .and_then(|mut s| s.query_row([advisory_rowid], |r| r.get(0)))
            .map_err(|e| self.sq(e))?;
        // A later feed's rows for the same (namespace, package) replace the earlier ones.
        let mut replaced: Vec<(i64, String)> = Vec::new();
        for (seq, af) in (first_seq..).zip(affected) {
            let ns = self.namespace_id(&af.namespace)?;
            if !replaced.contains(&(ns, af.name.clone())) {
                self.conn
                    .prepare_cached(
                        "DELETE FROM stage_affected WHERE advisory = ?1 AND ns = ?2 AND name = ?3",
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
                && af.vendor_status.is_none()
                && af.note.is_none()
                && af.ranges == implied;
            let doc = AffectedDoc {
                ranges: af.ranges,
                versions: af.versions,
                variant: af.variant,
                purl: af.purl,
                ecosystem_specific: af.ecosystem_specific,
                database_specific: af.database_specific,
                vendor_status: af.vendor_status,
                note: af.note,
            };
            self.conn
                .prepare_cached(
                    "INSERT INTO stage_affected (ns, name, advisory, seq, status, fixed, urgency, severity, data)
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
