//! rpm's SQLite backend, `rpmdb.sqlite` (Fedora 33+, RHEL 9, CBL-Mariner 2, Amazon Linux 2023...).
//!
//! The header blobs are the `blob` column of table `Packages(hnum INTEGER PRIMARY KEY, blob BLOB)`. The file
//! is deserialised into an in-memory SQLite database (no file is written); rpm keeps it in WAL mode, so the
//! copy's header is switched to rollback-journal mode first (bytes 18 and 19), which SQLite requires of a
//! deserialised database. Only the main file is read: transactions still in a `-wal` file are not seen.

use super::OnBlob;
use crate::{Error, Format};
use rusqlite::{Connection, OpenFlags};
use std::io::Read;

/// Larger files are refused (SQLite's deserialise API takes a 32-bit size; no rpmdb comes close).
const MAX_SIZE: usize = 1 << 30;

fn sqlite_err(e: &rusqlite::Error) -> Error {
    Error::Sqlite {
        message: e.to_string(),
    }
}

/// Calls `on_blob` with every row's header blob; returns warnings for rows without a blob.
///
/// # Errors
/// [`Error::NotThisFormat`] without the SQLite magic; [`Error::Sqlite`] when SQLite cannot read it or there
/// is no `Packages` table.
pub fn for_each_blob(content: &[u8], on_blob: &mut OnBlob<'_>) -> Result<Vec<String>, Error> {
    if !content.starts_with(b"SQLite format 3\0") || content.len() < 100 {
        return Err(Error::NotThisFormat {
            format: Format::RpmSqlite,
            message: "no SQLite header".into(),
        });
    }
    if content.len() > MAX_SIZE {
        return Err(Error::Sqlite {
            message: format!("{} bytes: larger than the 1 GiB accepted", content.len()),
        });
    }
    let mut conn = Connection::open_with_flags(
        ":memory:",
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| sqlite_err(&e))?;
    // Bytes 18/19: file format write/read version, 2 = WAL. A deserialised database must not be in WAL mode.
    let patched = content[..18].chain(&[1u8, 1][..]).chain(&content[20..]);
    conn.deserialize_read_exact(rusqlite::MAIN_DB, patched, content.len(), true)
        .map_err(|e| sqlite_err(&e))?;
    let mut stmt = conn
        .prepare("SELECT hnum, blob FROM Packages ORDER BY hnum")
        .map_err(|e| sqlite_err(&e))?;
    let mut rows = stmt.query([]).map_err(|e| sqlite_err(&e))?;
    let mut warnings = Vec::new();
    while let Some(row) = rows.next().map_err(|e| sqlite_err(&e))? {
        let hnum: i64 = row.get(0).unwrap_or(-1);
        match row.get_ref(1).map(|v| v.as_blob_or_null()) {
            Ok(Ok(Some(blob))) => on_blob(format!("{}: hnum {hnum}", Format::RpmSqlite), blob),
            _ => warnings.push(format!(
                "{}: hnum {hnum}: no header blob, skipped",
                Format::RpmSqlite
            )),
        }
    }
    Ok(warnings)
}
