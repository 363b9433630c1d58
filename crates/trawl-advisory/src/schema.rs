//! The SQLite schema, and the integer codes stored for enums.

use trawl_types::{Severity, Status};

/// Schema version of the DB file. Bumped on any incompatible change; readers refuse other versions.
/// Version 2: one `package` row per (namespace, package) with every record in one compact binary blob, and
/// advisory documents in compressed blocks keyed by their last ID. Version 3: `advisory_patch` (documents an
/// incremental refresh replaced or added, read before the blocks). Version 5: Go records carry their
/// `ecosystem_specific.imports` (vulnerable packages and symbols) in the package rows (codec flag 4).
pub const SCHEMA_VERSION: u32 = 5;

/// Tables of the finished file. Blobs start with a format byte: 0 = plain, 1 = zstd with the dictionary of
/// the same table from `dict`, 2 = zstd without a dictionary.
///
/// - `package`: what matching reads, one row per key; `data` is [`crate::codec`]'s encoding of every
///   affected record of that key (withdrawn advisories left out), ordered by advisory ID. The row ID is
///   [`package_key_hash`] of (namespace name, package), or the next free one within [`MAX_PROBES`] on a
///   collision: a lookup is one integer seek (plus a check of `ns` and `name`), and the table needs no index.
/// - `advisory_block`: advisory documents (JSON, with the per-package `ecosystem_specific` /
///   `database_specific`) for a run of consecutive IDs; `last_id` is the greatest ID in the block, so the
///   block of an ID is the first whose `last_id >= ID`. All sources of one ID share a block.
/// - `advisory_patch`: documents written by [`crate::refresh`] (one compressed JSON per (ID, source)); an
///   entry replaces the block's entry of the same ID and source, or adds one. A full build leaves it empty.
pub(crate) const SCHEMA: &str = r#"
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE dict (name TEXT PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE data_source (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE);
CREATE TABLE namespace (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE package (
    id INTEGER PRIMARY KEY,
    ns INTEGER NOT NULL REFERENCES namespace(id),
    name TEXT NOT NULL,
    data BLOB NOT NULL
);
CREATE TABLE advisory_block (last_id TEXT PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE advisory_patch (
    vuln_id TEXT NOT NULL,
    source INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (vuln_id, source)
) WITHOUT ROWID;
CREATE TABLE kev (cve TEXT PRIMARY KEY, date_added TEXT, ransomware TEXT) WITHOUT ROWID;
CREATE TABLE epss (cve TEXT PRIMARY KEY, score REAL NOT NULL, percentile REAL NOT NULL) WITHOUT ROWID;
"#;

/// Staging tables the build fills feed by feed (merging records of the same ID and source) and drops once
/// the final tables are written. Their blobs are plain JSON.
pub(crate) const STAGING: &str = r#"
CREATE TABLE stage_advisory (
    id INTEGER PRIMARY KEY,
    vuln_id TEXT NOT NULL,
    source INTEGER NOT NULL,
    aliases TEXT NOT NULL DEFAULT '',
    withdrawn INTEGER NOT NULL DEFAULT 0,
    data BLOB NOT NULL,
    UNIQUE (vuln_id, source)
);
CREATE TABLE stage_affected (
    ns INTEGER NOT NULL,
    name TEXT NOT NULL,
    advisory INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    status INTEGER,
    fixed TEXT,
    urgency TEXT,
    severity INTEGER,
    data BLOB NOT NULL,
    PRIMARY KEY (ns, name, advisory, seq)
) WITHOUT ROWID;
CREATE INDEX stage_affected_by_advisory ON stage_affected (advisory);
"#;

/// How far past its hash a package row may sit.
pub(crate) const MAX_PROBES: i64 = 8;

/// Row ID of a package key: 64-bit FNV-1a over the namespace name, a 0xff separator (never in UTF-8) and
/// the package name, folded to 32 bits (a row ID under 2^32 takes 5 bytes in SQLite's records instead of 9;
/// collisions are probed). Stable across builds and platforms (part of the file format).
pub(crate) fn package_key_hash(namespace: &str, name: &str) -> i64 {
    let h = trawl_types::hash::Fnv1a::new()
        .update(namespace.as_bytes())
        .update(&[0xff])
        .update(name.as_bytes());
    i64::from(h.finish_u32())
}

/// Blob format byte: plain JSON.
pub(crate) const BLOB_PLAIN: u8 = 0;
/// Blob format byte: zstd with the table's dictionary.
pub(crate) const BLOB_ZSTD_DICT: u8 = 1;
/// Blob format byte: zstd without a dictionary.
pub(crate) const BLOB_ZSTD: u8 = 2;

pub(crate) fn status_code(s: Status) -> i64 {
    match s {
        Status::Fixed => 1,
        Status::Affected => 2,
        Status::WillNotFix => 3,
        Status::FixDeferred => 4,
        Status::EndOfLife => 5,
        Status::NotAffected => 6,
        Status::UnderInvestigation => 7,
    }
}

pub(crate) fn status_from_code(c: i64) -> Option<Status> {
    Some(match c {
        1 => Status::Fixed,
        2 => Status::Affected,
        3 => Status::WillNotFix,
        4 => Status::FixDeferred,
        5 => Status::EndOfLife,
        6 => Status::NotAffected,
        7 => Status::UnderInvestigation,
        _ => return None,
    })
}

pub(crate) fn severity_code(s: Severity) -> i64 {
    match s {
        Severity::Unknown => 0,
        Severity::Low => 1,
        Severity::Medium => 2,
        Severity::High => 3,
        Severity::Critical => 4,
    }
}

pub(crate) fn severity_from_code(c: i64) -> Option<Severity> {
    Some(match c {
        0 => Severity::Unknown,
        1 => Severity::Low,
        2 => Severity::Medium,
        3 => Severity::High,
        4 => Severity::Critical,
        _ => return None,
    })
}
