//! Is a DB file damaged? Cheap checks on every open, SQLite's full integrity check after a build, download or
//! pull, and again whenever the file changed since it was last verified.
//!
//! - **On open** ([`on_open`], microseconds): the 100-byte SQLite header (magic, page size, the file's length
//!   against the page count the header records, so truncated or extended files fail), the tables of
//!   [`crate::schema::SCHEMA`] present, and the file's identity (length, device, inode, modification and change
//!   times) against the *verification stamp* `DB.verified` written beside it by the last full check. A DB whose
//!   stamp does not match (changed in place, copied in by hand, or never verified) gets `PRAGMA quick_check`
//!   (a few ms per MB) and, when that passes, a fresh stamp; so a scan pays for a check once per new file.
//!   The change time cannot be set by a user: editing the file in place and restoring its mtime still fails.
//! - **After build, update and pull** ([`verify`]): `PRAGMA integrity_check` on the finished file before it is
//!   renamed into place, and the stamp once it is there.
//!
//! Bit rot that leaves every timestamp alone is not seen on open; SQLite still reports damaged pages it reads
//! (a lookup error), and `trawl db info` runs the full check when the stamp is missing or stale.

use crate::DbError;
use rusqlite::{Connection, OpenFlags};
use std::io::Read;
use std::path::{Path, PathBuf};

/// SQLite's file header magic.
const MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// The first line of a stamp file.
const STAMP_HEADER: &str = "trawl-db-verified 1";

fn damaged(path: &Path, detail: impl Into<String>) -> DbError {
    DbError::Damaged {
        path: path.to_owned(),
        detail: detail.into(),
    }
}

/// The stamp file of a DB: `DB.verified` beside it.
pub(crate) fn stamp_path(db: &Path) -> PathBuf {
    let mut name = db.file_name().unwrap_or_default().to_owned();
    name.push(".verified");
    db.with_file_name(name)
}

/// The SQLite header of `path` against its length.
pub(crate) fn header(path: &Path) -> Result<(), DbError> {
    let mut f = std::fs::File::open(path).map_err(|e| DbError::io(path, e))?;
    let len = f.metadata().map_err(|e| DbError::io(path, e))?.len();
    let mut h = [0u8; 100];
    if len < 512 {
        return Err(damaged(
            path,
            format!("{len} bytes: too short for an SQLite file"),
        ));
    }
    f.read_exact(&mut h).map_err(|e| DbError::io(path, e))?;
    if &h[..16] != MAGIC {
        return Err(damaged(path, "no SQLite header: not an SQLite file"));
    }
    let page_size = match u32::from(u16::from_be_bytes([h[16], h[17]])) {
        1 => 65_536,
        n if n.is_power_of_two() && (512..=32_768).contains(&n) => n,
        n => return Err(damaged(path, format!("bad page size {n} in the header"))),
    };
    if !matches!(h[18], 1 | 2) || !matches!(h[19], 1 | 2) || h[21..24] != [64, 32, 32] {
        return Err(damaged(path, "bad file format fields in the header"));
    }
    let be = |i: usize| u32::from_be_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]);
    let pages = u64::from(be(28));
    let header_size_valid = pages > 0 && be(24) == be(92);
    let expected = pages * u64::from(page_size);
    if header_size_valid && len != expected {
        return Err(damaged(
            path,
            format!(
                "{len} bytes, but the header says {pages} pages of {page_size} bytes ({expected} bytes): \
                 truncated or extended"
            ),
        ));
    }
    if len % u64::from(page_size) != 0 {
        return Err(damaged(
            path,
            format!("{len} bytes is not a whole number of {page_size}-byte pages"),
        ));
    }
    Ok(())
}

/// Names of the tables of the finished schema.
fn schema_tables() -> impl Iterator<Item = &'static str> {
    crate::schema::SCHEMA.lines().filter_map(|l| {
        let rest = l.trim_start().strip_prefix("CREATE TABLE ")?;
        rest.split(|c: char| c.is_whitespace() || c == '(').next()
    })
}

/// The tables of the schema are all there.
fn tables(path: &Path, conn: &Connection) -> Result<(), DbError> {
    let mut stmt = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .map_err(|e| sqlite_damage(path, e))?;
    let have: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .and_then(Iterator::collect)
        .map_err(|e| sqlite_damage(path, e))?;
    let missing: Vec<&str> = schema_tables()
        .filter(|t| !have.iter().any(|h| h == t))
        .collect();
    // A file without the `meta` table is not a trawl DB at all: the caller's schema-version check says so.
    if !missing.is_empty() && have.iter().any(|h| h == "meta") {
        return Err(damaged(
            path,
            format!("tables missing: {}", missing.join(", ")),
        ));
    }
    Ok(())
}

/// SQLite's "malformed"/"not a database" errors are damage; others stay SQLite errors.
fn sqlite_damage(path: &Path, e: rusqlite::Error) -> DbError {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase) => {
            damaged(path, e.to_string())
        }
        _ => DbError::sqlite(path, e),
    }
}

/// Runs `PRAGMA quick_check` or `PRAGMA integrity_check` on `conn`: `Ok` or the first problems found.
fn pragma_check(path: &Path, conn: &Connection, full: bool) -> Result<(), DbError> {
    let name = if full {
        "integrity_check"
    } else {
        "quick_check"
    };
    let mut stmt = conn
        .prepare(&format!("PRAGMA {name}(20)"))
        .map_err(|e| sqlite_damage(path, e))?;
    let lines: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .and_then(Iterator::collect)
        .map_err(|e| sqlite_damage(path, e))?;
    if lines.len() == 1 && lines[0] == "ok" {
        return Ok(());
    }
    let mut detail: Vec<&str> = lines.iter().flat_map(|l| l.lines()).take(4).collect();
    if detail.first() == Some(&"*** in database main ***") {
        detail.remove(0);
    }
    Err(damaged(
        path,
        format!("SQLite {name}: {}", detail.join("; ")),
    ))
}

/// The identity a stamp records: length, device, inode, modification and change times (ns).
#[cfg(unix)]
fn identity(path: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path).ok()?;
    Some(format!(
        "{} {} {} {}.{:09} {}.{:09}",
        m.len(),
        m.dev(),
        m.ino(),
        m.mtime(),
        m.mtime_nsec(),
        m.ctime(),
        m.ctime_nsec()
    ))
}

#[cfg(not(unix))]
fn identity(path: &Path) -> Option<String> {
    let m = std::fs::metadata(path).ok()?;
    let t = m
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    Some(format!("{} {}", m.len(), t.as_nanos()))
}

fn stamp_matches(path: &Path) -> bool {
    let Some(id) = identity(path) else {
        return false;
    };
    std::fs::read_to_string(stamp_path(path))
        .is_ok_and(|s| s.lines().eq([STAMP_HEADER, id.as_str()]))
}

/// Records that `path`, as it is now, passed a check. Best effort (a read-only directory only costs the next
/// open a quick check).
fn write_stamp(path: &Path) {
    let Some(id) = identity(path) else { return };
    let stamp = stamp_path(path);
    let dir = trawl_fs::parent_dir(&stamp);
    let result = trawl_fs::temp_file(&dir, "db-stamp").and_then(|mut t| {
        std::io::Write::write_all(&mut t, format!("{STAMP_HEADER}\n{id}\n").as_bytes())?;
        t.persist(&stamp).map_err(|e| e.error)?;
        Ok(())
    });
    if let Err(e) = result {
        tracing::debug!(
            "cannot record the check of {} in {}: {e}",
            path.display(),
            stamp.display()
        );
    }
}

/// The checks of every open (see the module docs), on a connection to `path`.
pub(crate) fn on_open(path: &Path, conn: &Connection) -> Result<(), DbError> {
    header(path)?;
    tables(path, conn)?;
    if stamp_matches(path) {
        return Ok(());
    }
    tracing::debug!(
        "{}: not verified as it is now; running SQLite's quick check",
        path.display()
    );
    pragma_check(path, conn, false)?;
    write_stamp(path);
    Ok(())
}

/// The full check of a finished DB file: header, `PRAGMA integrity_check`, tables. Run on a download or build
/// before it replaces the DB; see [`stamp`] for after.
pub(crate) fn full(path: &Path) -> Result<(), DbError> {
    header(path)?;
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| DbError::sqlite(path, e))?;
    pragma_check(path, &conn, true)?;
    tables(path, &conn)
}

/// Records that the DB now at `path` passed [`full`] (after the rename into place).
pub(crate) fn stamp(path: &Path) {
    write_stamp(path);
}

/// Runs the full check of the DB at `path` (`PRAGMA integrity_check`; seconds for a large DB) and records it, so
/// that opening it afterwards costs only the cheap checks. A damaged file is [`DbError::Damaged`].
pub fn verify(path: &Path) -> Result<(), DbError> {
    full(path)?;
    write_stamp(path);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_tables_are_found() {
        let t: Vec<&str> = schema_tables().collect();
        assert!(t.contains(&"meta") && t.contains(&"package"), "{t:?}");
        assert!(t.iter().all(|n| !n.is_empty() && !n.contains('(')));
    }

    #[test]
    fn headers() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("x.db");
        std::fs::write(&p, b"short").expect("write");
        let e = header(&p).expect_err("short");
        assert!(e.to_string().contains("too short"), "{e}");
        std::fs::write(&p, vec![0u8; 4096]).expect("write");
        let e = header(&p).expect_err("zeros");
        assert!(e.to_string().contains("no SQLite header"), "{e}");
        std::fs::remove_file(&p).expect("remove");
        let conn = Connection::open(&p).expect("sqlite");
        conn.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            .expect("create");
        drop(conn);
        header(&p).expect("a real SQLite file passes");
        let mut bytes = std::fs::read(&p).expect("read");
        bytes.extend_from_slice(&[0u8; 4096]);
        std::fs::write(&p, &bytes).expect("write");
        let e = header(&p).expect_err("extended");
        assert!(e.to_string().contains("truncated or extended"), "{e}");
        assert!(e.to_string().contains("trawl db update"), "{e}");
    }
}
