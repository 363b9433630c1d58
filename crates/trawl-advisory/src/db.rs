//! Reading a built DB: read-only, immutable (no locks), prepared statements, decompression with the stored
//! dictionaries.

use crate::DbError;
use crate::codec::{Cursor, decode_records_with};
use crate::model::{
    AdvisoryDetails, AdvisoryDoc, AffectedRecord, Enrichment, Metadata, implied_ranges,
};
use crate::names::{data_source, normalise_name, parse_namespace};
use crate::schema::{
    BLOB_PLAIN, BLOB_ZSTD, BLOB_ZSTD_DICT, MAX_PROBES, SCHEMA_VERSION, package_key_hash,
};
use crate::score::add_to_cvss;
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use trawl_types::{DataSource, DataSourceId, Ecosystem, Severity};

/// A built advisory DB, open read-only.
///
/// The file is opened with SQLite's `immutable=1`: no locks, no journal, so any number of processes share it
/// and an update (a rename of a new file over it) never disturbs a reader that has it open. `AdvisoryDb` is
/// `Send + Sync`; queries from several threads are serialised on one connection (each takes microseconds).
pub struct AdvisoryDb {
    path: PathBuf,
    metadata: Metadata,
    inner: Mutex<Inner>,
}

struct Inner {
    conn: Connection,
    advisory_dict: Option<zstd::bulk::Decompressor<'static>>,
    package_dict: Option<zstd::bulk::Decompressor<'static>>,
    plain: Option<zstd::bulk::Decompressor<'static>>,
    namespaces: HashMap<String, i64>,
    sources: HashMap<i64, Arc<DataSource>>,
    /// Reused decompression buffer of `lookup`.
    buf: Vec<u8>,
    /// Namespaces as callers spell them, resolved (`None`: not in this DB).
    resolved: HashMap<String, Option<ResolvedNs>>,
    /// Recently read advisory blocks (last ID, uncompressed), newest last: the details of one scan's
    /// findings cluster in few blocks.
    blocks: Vec<(String, Arc<Vec<u8>>)>,
}

/// A namespace as a caller spelled it, resolved against the DB.
#[derive(Clone)]
struct ResolvedNs {
    id: i64,
    name: Arc<str>,
    ecosystem: Option<Ecosystem>,
    /// Parsed as a known ecosystem (names are trimmed and normalised); otherwise used as given.
    known: bool,
}

/// Most namespace spellings remembered per handle.
const RESOLVED_CACHE: usize = 1024;

fn resolve_namespace(namespaces: &HashMap<String, i64>, namespace: &str) -> Option<ResolvedNs> {
    let (name, ecosystem, known) = match parse_namespace(namespace) {
        Some(ns) => (ns.name, ns.ecosystem, true),
        None => (namespace.to_owned(), None, false),
    };
    let id = *namespaces.get(&name)?;
    Some(ResolvedNs {
        id,
        name: Arc::from(name),
        ecosystem,
        known,
    })
}

/// Advisory blocks kept decompressed.
const BLOCK_CACHE: usize = 8;

impl std::fmt::Debug for AdvisoryDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdvisoryDb")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// `file:` URI for a path, with the characters SQLite's URI parser treats specially escaped.
fn sqlite_uri(path: &Path) -> String {
    let mut out = String::from("file:");
    for c in path.to_string_lossy().chars() {
        match c {
            '?' | '#' | '%' => out.push_str(&format!("%{:02X}", c as u32)),
            _ => out.push(c),
        }
    }
    out.push_str("?immutable=1");
    out
}

/// Uncompresses a blob (format byte first; the table's dictionary or none) into a reused buffer (cleared
/// first).
pub(crate) fn decompress_into(
    d: Option<&mut zstd::bulk::Decompressor<'static>>,
    plain: Option<&mut zstd::bulk::Decompressor<'static>>,
    blob: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), String> {
    out.clear();
    match blob.split_first() {
        Some((&BLOB_PLAIN, rest)) => {
            out.extend_from_slice(rest);
            Ok(())
        }
        Some((&(f @ BLOB_ZSTD_DICT | f @ BLOB_ZSTD), rest)) => {
            let d = if f == BLOB_ZSTD { plain } else { d }
                .ok_or("compressed blob but no dictionary in the DB")?;
            let size = zstd::zstd_safe::get_frame_content_size(rest)
                .map_err(|_| "bad zstd frame".to_owned())?
                .ok_or("zstd frame without a content size")?;
            let cap = usize::try_from(size).map_err(|_| "zstd frame too large".to_owned())?;
            if cap > MAX_BLOB {
                return Err(format!("zstd frame claims {cap} bytes"));
            }
            out.reserve(cap);
            d.decompress_to_buffer(rest, out)
                .map_err(|e| format!("zstd: {e}"))?;
            Ok(())
        }
        _ => Err("unknown blob format".to_owned()),
    }
}

/// The largest uncompressed blob a reader accepts (a corrupt frame header must not allocate gigabytes).
const MAX_BLOB: usize = 256 << 20;

impl AdvisoryDb {
    /// Opens a DB file read-only. Fails with a clear error if the file is missing, not a trawl DB, or of
    /// another schema version.
    ///
    /// Damage is checked cheaply on every open (see `check.rs`: header, tables, and SQLite's quick check only
    /// when the file changed since it was last verified); a damaged file is [`DbError::Damaged`].
    pub fn open(path: &Path) -> Result<AdvisoryDb, DbError> {
        Self::open_inner(path, true)
    }

    /// Opens a file [`crate::check::full`] has just checked (a download or build not yet in place): no second
    /// check, no stamp beside a temporary file.
    pub(crate) fn open_checked(path: &Path) -> Result<AdvisoryDb, DbError> {
        Self::open_inner(path, false)
    }

    fn open_inner(path: &Path, check: bool) -> Result<AdvisoryDb, DbError> {
        if !path.is_file() {
            return Err(DbError::Invalid {
                path: path.to_owned(),
                message: "no advisory DB here (run `trawl db update` or `trawl db build`)"
                    .to_owned(),
            });
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(sqlite_uri(path), flags)
            .map_err(|e| DbError::sqlite(path, e))?;
        if check {
            crate::check::on_open(path, &conn)?;
        }
        // mmap: pages are read from the page cache of the kernel without a read() each; one read transaction
        // for the connection's life keeps SQLite's own cache warm between queries (the file is immutable: no
        // lock is taken, nobody waits).
        conn.execute_batch(
            "PRAGMA mmap_size = 1073741824; PRAGMA cache_size = -16000; PRAGMA temp_store = MEMORY; BEGIN;",
        )
        .map_err(|e| DbError::sqlite(path, e))?;
        let invalid = |message: String| DbError::Invalid {
            path: path.to_owned(),
            message,
        };
        let version: Option<String> = conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'schema_version'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| invalid(format!("not a trawl advisory DB ({e})")))?;
        let version: u32 = version
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| invalid("not a trawl advisory DB (no schema version)".to_owned()))?;
        if version != SCHEMA_VERSION {
            return Err(invalid(format!(
                "DB schema version {version}, this trawl reads version {SCHEMA_VERSION} (run `trawl db update`)"
            )));
        }
        let meta_json: String = conn
            .query_row("SELECT value FROM meta WHERE key = 'metadata'", [], |r| {
                r.get(0)
            })
            .map_err(|e| invalid(format!("no metadata ({e})")))?;
        let metadata: Metadata =
            serde_json::from_str(&meta_json).map_err(|e| invalid(format!("bad metadata: {e}")))?;
        let mut dicts: HashMap<String, Vec<u8>> = HashMap::new();
        {
            let mut stmt = conn
                .prepare("SELECT name, data FROM dict")
                .map_err(|e| DbError::sqlite(path, e))?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
                })
                .map_err(|e| DbError::sqlite(path, e))?;
            for row in rows {
                let (k, v) = row.map_err(|e| DbError::sqlite(path, e))?;
                dicts.insert(k, v);
            }
        }
        let decomp = |name: &str| -> Result<Option<zstd::bulk::Decompressor<'static>>, DbError> {
            match dicts.get(name) {
                Some(d) => zstd::bulk::Decompressor::with_dictionary(d)
                    .map(Some)
                    .map_err(|e| invalid(format!("bad {name} dictionary: {e}"))),
                None => Ok(None),
            }
        };
        let advisory_dict = decomp("advisory")?;
        let package_dict = decomp("package")?;
        let plain = zstd::bulk::Decompressor::new()
            .map(Some)
            .map_err(|e| invalid(format!("zstd: {e}")))?;
        let mut namespaces = HashMap::new();
        let mut sources = HashMap::new();
        {
            let mut stmt = conn
                .prepare("SELECT id, name FROM namespace")
                .map_err(|e| DbError::sqlite(path, e))?;
            let rows = stmt
                .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
                .map_err(|e| DbError::sqlite(path, e))?;
            for row in rows {
                let (id, name) = row.map_err(|e| DbError::sqlite(path, e))?;
                namespaces.insert(name, id);
            }
            let mut stmt = conn
                .prepare("SELECT id, key FROM data_source")
                .map_err(|e| DbError::sqlite(path, e))?;
            let rows = stmt
                .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
                .map_err(|e| DbError::sqlite(path, e))?;
            for row in rows {
                let (id, key) = row.map_err(|e| DbError::sqlite(path, e))?;
                // Every key trawl writes parses; a hand-made one that does not keeps its text as the name.
                let source = match key.parse::<DataSourceId>() {
                    Ok(source) => data_source(&source),
                    Err(_) => DataSource {
                        name: key,
                        ..DataSource::default()
                    },
                };
                sources.insert(id, Arc::new(source));
            }
        }
        Ok(AdvisoryDb {
            path: path.to_owned(),
            metadata,
            inner: Mutex::new(Inner {
                conn,
                advisory_dict,
                package_dict,
                plain,
                namespaces,
                sources,
                blocks: Vec::new(),
                buf: Vec::new(),
                resolved: HashMap::new(),
            }),
        })
    }

    /// The file this DB was opened from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Schema version, build time, per-source counts.
    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the read-only connection inconsistent.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn corrupt(&self, message: String) -> DbError {
        DbError::Invalid {
            path: self.path.clone(),
            message,
        }
    }

    /// Every affected record filed under `namespace` (OSV spelling, e.g. `Debian:12`, `PyPI`; an `:LTS`-style
    /// suffix is folded as at build time) for package `name` (normalised per ecosystem here, so the name as
    /// installed may be passed; OS namespaces are keyed by SOURCE package). Withdrawn advisories are left out.
    /// Records come ordered by advisory ID.
    pub fn lookup(&self, namespace: &str, name: &str) -> Result<Vec<AffectedRecord>, DbError> {
        let mut guard = self.lock();
        let inner = &mut *guard;
        let resolved = match inner.resolved.get(namespace) {
            Some(r) => r.clone(),
            None => {
                let r = resolve_namespace(&inner.namespaces, namespace);
                if inner.resolved.len() < RESOLVED_CACHE {
                    inner.resolved.insert(namespace.to_owned(), r.clone());
                }
                r
            }
        };
        let Some(ResolvedNs {
            id: ns_id,
            name: ns_name,
            ecosystem,
            known,
        }) = resolved
        else {
            return Ok(Vec::new());
        };
        let pkg = if known {
            normalise_name(ecosystem, name)
        } else {
            std::borrow::Cow::Borrowed(name)
        };
        let corrupt = |e: String| self.corrupt(format!("package {ns_name} {pkg}: {e}"));
        let mut raw = std::mem::take(&mut inner.buf);
        let found = {
            let Inner {
                conn,
                package_dict,
                plain,
                ..
            } = &mut *inner;
            let mut stmt = conn
                .prepare_cached("SELECT ns, name, data FROM package WHERE id = ?1")
                .map_err(|e| DbError::sqlite(&self.path, e))?;
            let base = package_key_hash(&ns_name, &pkg);
            let mut found = false;
            for probe in 0..MAX_PROBES {
                let mut rows = stmt
                    .query([base.wrapping_add(probe)])
                    .map_err(|e| DbError::sqlite(&self.path, e))?;
                let Some(row) = rows.next().map_err(|e| DbError::sqlite(&self.path, e))? else {
                    break;
                };
                let same = row.get_ref(0).ok().and_then(|v| v.as_i64().ok()) == Some(ns_id)
                    && row.get_ref(1).ok().and_then(|v| v.as_str().ok()) == Some(&*pkg);
                if !same {
                    continue;
                }
                // Decompressed straight from SQLite's copy of the blob.
                let blob = row
                    .get_ref(2)
                    .and_then(|v| v.as_blob().map_err(Into::into))
                    .map_err(|e| DbError::sqlite(&self.path, e))?;
                decompress_into(package_dict.as_mut(), plain.as_mut(), blob, &mut raw)
                    .map_err(corrupt)?;
                found = true;
                break;
            }
            found
        };
        if !found {
            inner.buf = raw;
            return Ok(Vec::new());
        }
        let package: Arc<str> = Arc::from(&*pkg);
        let sources = &inner.sources;
        let records = decode_records_with(&raw, |r| AffectedRecord {
            ranges: match r.ranges {
                Some(ranges) => ranges,
                None => implied_ranges(r.status, r.fixed.as_deref()),
            },
            advisory_id: r.advisory_id,
            aliases: r.aliases,
            source: sources
                .get(&i64::from(r.source))
                .cloned()
                .unwrap_or_default(),
            namespace: ns_name.clone(),
            namespace_variant: r.variant,
            package: package.clone(),
            purl: r.purl,
            versions: r.versions,
            status: r.status,
            fixed_version: r.fixed,
            urgency: r.urgency,
            severity: r.severity,
            vendor_status: r.vendor_status,
            note: r.note,
            go_imports: r.go_imports,
        })
        .map_err(corrupt);
        inner.buf = raw;
        records
    }

    /// Every namespace the DB holds (sorted).
    pub fn namespaces(&self) -> Vec<String> {
        let mut v: Vec<String> = self.lock().namespaces.keys().cloned().collect();
        v.sort();
        v
    }

    /// KEV flag and EPSS of a CVE.
    pub fn enrichment(&self, cve: &str) -> Result<Enrichment, DbError> {
        let inner = self.lock();
        enrichment_of(&inner.conn, cve).map_err(|e| DbError::sqlite(&self.path, e))
    }

    /// Everything known about `id`, merged over every source that has it; CVE aliases add the CVE JSON 5 /
    /// NVD severities and KEV/EPSS. `None` if no source has the ID.
    pub fn advisory(&self, id: &str) -> Result<Option<AdvisoryDetails>, DbError> {
        let mut guard = self.lock();
        let inner = &mut *guard;
        let docs = self.docs_of(inner, id)?;
        if docs.is_empty() {
            return Ok(None);
        }
        let mut details = AdvisoryDetails {
            id: id.to_owned(),
            ..AdvisoryDetails::default()
        };
        let mut cves: Vec<String> = Vec::new();
        if id.starts_with("CVE-") {
            cves.push(id.to_owned());
        }
        for (_, doc) in &docs {
            for a in doc.aliases.iter().chain(doc.upstream.iter()) {
                if a.starts_with("CVE-") && !cves.contains(a) {
                    cves.push(a.clone());
                }
            }
        }
        // Severity-only sources for the CVE aliases of a non-CVE advisory.
        let mut all = docs;
        if !id.starts_with("CVE-") {
            for cve in &cves {
                for (source, doc) in self.docs_of(inner, cve)? {
                    if matches!(source.id, DataSourceId::Cve5 | DataSourceId::Nvd) {
                        all.push((source, doc));
                    }
                }
            }
        }
        // Title/description preference: CVE record, NVD, then the feeds in build order.
        all.sort_by_key(|(s, _)| match s.id {
            DataSourceId::Cve5 => 0,
            DataSourceId::Nvd => 1,
            _ => 2,
        });
        for (source, doc) in all {
            let is_primary = !matches!(source.id, DataSourceId::Cve5 | DataSourceId::Nvd)
                || id.starts_with("CVE-");
            if is_primary || details.title.is_none() {
                if details.title.is_none() {
                    details.title = doc.summary.clone();
                }
                if details.description.is_none() {
                    details.description = doc.details.clone();
                }
            }
            for a in doc.aliases.iter().chain(doc.upstream.iter()) {
                if a != id && !details.aliases.contains(a) {
                    details.aliases.push(a.clone());
                }
            }
            for r in &doc.related {
                if !details.related.contains(r) {
                    details.related.push(r.clone());
                }
            }
            for r in &doc.references {
                if !details.references.contains(r) {
                    details.references.push(r.clone());
                }
            }
            for c in &doc.cwes {
                if !details.cwe_ids.contains(c) {
                    details.cwe_ids.push(c.clone());
                }
            }
            for s in &doc.severity {
                if s.vector.is_some() {
                    add_to_cvss(details.cvss.entry(s.source.clone()).or_default(), s);
                }
                if let Some(sev) = s.severity {
                    // Vendor ratings (no vector) win over a rating derived from the same source's vector.
                    let e = details.severities.entry(s.source.clone()).or_insert(sev);
                    if s.vector.is_none() || *e == Severity::Unknown {
                        *e = sev;
                    }
                }
            }
            if let Some(p) = &doc.published
                && details.published.as_ref().is_none_or(|cur| p < cur)
            {
                details.published = Some(p.clone());
            }
            if let Some(m) = &doc.modified
                && details.modified.as_ref().is_none_or(|cur| m > cur)
            {
                details.modified = Some(m.clone());
            }
            if doc.withdrawn.is_some() && is_primary {
                details.withdrawn.clone_from(&doc.withdrawn);
            }
            if is_primary {
                details
                    .package_specific
                    .extend(doc.package_specific.iter().cloned());
            }
            if !details.sources.contains(&source) {
                details.sources.push(source);
            }
        }
        for cve in &cves {
            let e = enrichment_of(&inner.conn, cve).map_err(|e| DbError::sqlite(&self.path, e))?;
            details.kev |= e.kev;
            if details.epss.is_none() {
                details.epss = e.epss;
            }
        }
        Ok(Some(details))
    }

    /// The uncompressed advisory block that holds `id`, if any (from the cache when recently read).
    fn block_for(&self, inner: &mut Inner, id: &str) -> Result<Option<Arc<Vec<u8>>>, DbError> {
        let last_id: Option<String> = inner
            .conn
            .prepare_cached(
                "SELECT last_id FROM advisory_block WHERE last_id >= ?1 ORDER BY last_id LIMIT 1",
            )
            .and_then(|mut stmt| stmt.query_row([id], |r| r.get(0)).optional())
            .map_err(|e| DbError::sqlite(&self.path, e))?;
        let Some(last_id) = last_id else {
            return Ok(None);
        };
        if let Some(pos) = inner.blocks.iter().position(|(l, _)| *l == last_id) {
            let hit = inner.blocks.remove(pos);
            let block = hit.1.clone();
            inner.blocks.push(hit);
            return Ok(Some(block));
        }
        // Only a block not in the cache is read (and copied) from the file.
        let blob: Vec<u8> = inner
            .conn
            .prepare_cached("SELECT data FROM advisory_block WHERE last_id = ?1")
            .and_then(|mut stmt| stmt.query_row([&last_id], |r| r.get(0)))
            .map_err(|e| DbError::sqlite(&self.path, e))?;
        // The evicted block's buffer is reused when nobody holds it: a fresh quarter-megabyte buffer per
        // block would be mapped and faulted in page by page every time.
        let mut raw = Vec::new();
        if inner.blocks.len() >= BLOCK_CACHE {
            let (_, old) = inner.blocks.remove(0);
            if let Ok(buf) = Arc::try_unwrap(old) {
                raw = buf;
            }
        }
        decompress_into(
            inner.advisory_dict.as_mut(),
            inner.plain.as_mut(),
            &blob,
            &mut raw,
        )
        .map_err(|e| self.corrupt(format!("advisory block ending at {last_id}: {e}")))?;
        let block = Arc::new(raw);
        inner.blocks.push((last_id, block.clone()));
        Ok(Some(block))
    }

    fn docs_of(
        &self,
        inner: &mut Inner,
        id: &str,
    ) -> Result<Vec<(DataSource, AdvisoryDoc)>, DbError> {
        let raw = self.raw_docs(inner, id)?;
        let corrupt = |e: String| self.corrupt(format!("advisory {id}: {e}"));
        let mut out = Vec::with_capacity(raw.len());
        for (source, json) in raw {
            let mut doc: AdvisoryDoc =
                serde_json::from_slice(&json).map_err(|e| corrupt(e.to_string()))?;
            let source: DataSource = i64::try_from(source)
                .ok()
                .and_then(|s| inner.sources.get(&s))
                .map(|s| (**s).clone())
                .unwrap_or_default();
            for p in &mut doc.package_specific {
                p.source = Some(source.id.clone());
            }
            out.push((source, doc));
        }
        Ok(out)
    }

    /// The data source IDs (as stored) that have a document for `id`.
    pub(crate) fn source_ids_of(&self, id: &str) -> Result<Vec<u64>, DbError> {
        let mut guard = self.lock();
        Ok(self
            .raw_docs(&mut guard, id)?
            .into_iter()
            .map(|(s, _)| s)
            .collect())
    }

    /// The stored documents of `id`: (data source ID, JSON), ordered by data source ID; a refresh's patch
    /// replaces the block's document of the same source.
    fn raw_docs(&self, inner: &mut Inner, id: &str) -> Result<Vec<(u64, Vec<u8>)>, DbError> {
        let corrupt = |e: String| self.corrupt(format!("advisory {id}: {e}"));
        let mut raw: Vec<(u64, Vec<u8>)> = Vec::new();
        if let Some(block) = self.block_for(inner, id)? {
            let mut c = Cursor::new(&block);
            // Entries are sorted by ID: compare bytes, stop past the ID.
            while !c.at_end() {
                let vuln_id = c.bytes().map_err(corrupt)?;
                let source = c.varint().map_err(corrupt)?;
                let json = c.bytes().map_err(corrupt)?;
                match vuln_id.cmp(id.as_bytes()) {
                    std::cmp::Ordering::Less => continue,
                    std::cmp::Ordering::Greater => break,
                    std::cmp::Ordering::Equal => raw.push((source, json.to_vec())),
                }
            }
        }
        // Documents an incremental refresh wrote replace the block's (same source) or add to them.
        {
            let Inner {
                conn,
                plain,
                advisory_dict,
                ..
            } = &mut *inner;
            let mut stmt = conn
                .prepare_cached("SELECT source, data FROM advisory_patch WHERE vuln_id = ?1")
                .map_err(|e| DbError::sqlite(&self.path, e))?;
            let mut rows = stmt
                .query([id])
                .map_err(|e| DbError::sqlite(&self.path, e))?;
            while let Some(row) = rows.next().map_err(|e| DbError::sqlite(&self.path, e))? {
                let source: i64 = row.get(0).map_err(|e| DbError::sqlite(&self.path, e))?;
                let source =
                    u64::try_from(source).map_err(|_| corrupt("bad source id".to_owned()))?;
                let blob = row
                    .get_ref(1)
                    .and_then(|v| v.as_blob().map_err(Into::into))
                    .map_err(|e| DbError::sqlite(&self.path, e))?;
                let mut json = Vec::new();
                decompress_into(advisory_dict.as_mut(), plain.as_mut(), blob, &mut json)
                    .map_err(corrupt)?;
                match raw.iter_mut().find(|(s, _)| *s == source) {
                    Some(entry) => entry.1 = json,
                    None => raw.push((source, json)),
                }
            }
        }
        raw.sort_by_key(|(s, _)| *s);
        Ok(raw)
    }
}

fn enrichment_of(conn: &Connection, cve: &str) -> Result<Enrichment, rusqlite::Error> {
    let kev = conn
        .prepare_cached("SELECT 1 FROM kev WHERE cve = ?1")?
        .query_row([cve], |_| Ok(()))
        .optional()?
        .is_some();
    let epss = conn
        .prepare_cached("SELECT score, percentile FROM epss WHERE cve = ?1")?
        .query_row([cve], |r| Ok((r.get::<_, f64>(0)?, r.get::<_, f64>(1)?)))
        .optional()?;
    Ok(Enrichment { kev, epss })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::package_key_hash;

    /// Two package names whose keys share a row ID: the second is stored one row further on, and each
    /// lookup still gets its own records (and a name hashing onto the occupied row is a miss).
    #[test]
    fn package_keys_that_collide_are_probed() {
        let mut seen: HashMap<i64, String> = HashMap::new();
        let (a, b) = (0u32..)
            .find_map(|i| {
                let name = format!("pkg-{i}");
                let h = package_key_hash("npm", &name);
                seen.insert(h, name.clone()).map(|other| (other, name))
            })
            .expect("a 32-bit collision turns up within a few hundred thousand names");
        let tmp = tempfile::tempdir().expect("tempdir");
        let feed = tmp.path().join("osv");
        std::fs::create_dir(&feed).expect("mkdir");
        for (id, name) in [("GHSA-aaaa-aaaa-aaaa", &a), ("GHSA-bbbb-bbbb-bbbb", &b)] {
            let doc = serde_json::json!({
                "id": id,
                "modified": "2024-01-01T00:00:00Z",
                "affected": [{"package": {"ecosystem": "npm", "name": name},
                              "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.0.0"}]}]}],
            });
            std::fs::write(feed.join(format!("{id}.json")), doc.to_string()).expect("write");
        }
        let out = tmp.path().join("t.db");
        let spec: crate::SourceSpec = format!("osv={}", feed.display()).parse().expect("spec");
        crate::build(&[spec], &out).expect("builds");
        let db = AdvisoryDb::open(&out).expect("opens");
        let ids = |name: &str| -> Vec<String> {
            db.lookup("npm", name)
                .expect("lookup")
                .into_iter()
                .map(|r| r.advisory_id)
                .collect()
        };
        assert_eq!(ids(&a), ["GHSA-aaaa-aaaa-aaaa"]);
        assert_eq!(ids(&b), ["GHSA-bbbb-bbbb-bbbb"]);
        assert!(ids("pkg-none").is_empty());
    }
}
