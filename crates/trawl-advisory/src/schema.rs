//! The SQLite schema, and the integer codes stored for enums.

use trawl_types::{Severity, Status};

/// Schema version of the DB file. Bumped on any incompatible change; readers refuse other versions.
pub const SCHEMA_VERSION: u32 = 1;

/// Tables and indexes. Long texts live in zstd-compressed JSON blobs (`data` columns, first byte: 0 = plain
/// JSON, 1 = zstd with the dictionary of the same table from `dict`).
pub(crate) const SCHEMA: &str = r#"
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE dict (name TEXT PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE data_source (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE);
CREATE TABLE namespace (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE advisory (
    id INTEGER PRIMARY KEY,
    vuln_id TEXT NOT NULL,
    source INTEGER NOT NULL REFERENCES data_source(id),
    aliases TEXT NOT NULL DEFAULT '',
    withdrawn INTEGER NOT NULL DEFAULT 0,
    data BLOB NOT NULL,
    UNIQUE (vuln_id, source)
);
CREATE TABLE affected (
    ns INTEGER NOT NULL REFERENCES namespace(id),
    name TEXT NOT NULL,
    advisory INTEGER NOT NULL REFERENCES advisory(id),
    seq INTEGER NOT NULL,
    status INTEGER,
    fixed TEXT,
    urgency TEXT,
    severity INTEGER,
    data BLOB NOT NULL,
    PRIMARY KEY (ns, name, advisory, seq)
) WITHOUT ROWID;
CREATE INDEX affected_by_advisory ON affected (advisory);
CREATE TABLE kev (cve TEXT PRIMARY KEY, date_added TEXT, ransomware TEXT) WITHOUT ROWID;
CREATE TABLE epss (cve TEXT PRIMARY KEY, score REAL NOT NULL, percentile REAL NOT NULL) WITHOUT ROWID;
"#;

/// Blob format byte: plain JSON.
pub(crate) const BLOB_PLAIN: u8 = 0;
/// Blob format byte: zstd with the table's dictionary.
pub(crate) const BLOB_ZSTD_DICT: u8 = 1;

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
