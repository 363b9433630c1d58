//! Pure parsers for OS package databases (dpkg, apk, rpm sqlite/bdb/ndb) and os-release.
//!
//! Every parser takes the bytes of one file and returns records: no filesystem, no network. Text formats report
//! problems with a 1-based line number; binary formats with a byte offset. A broken record (one dpkg stanza, one
//! rpm header) is skipped and reported in [`Parsed::warnings`]; a file with nothing usable in it is an
//! [`Error`]. No input makes a parser panic (the binary parsers are checked with random bytes).
//!
//! - [`dpkg`] reads `var/lib/dpkg/status`, `var/lib/dpkg/status.d/*` (distroless), `var/lib/dpkg/info/*.list`.
//! - [`apk`] reads `lib/apk/db/installed`.
//! - [`rpm`] reads rpm header blobs and the three rpmdb backends (SQLite, Berkeley DB hash, NDB).
//! - [`osrelease`] reads `os-release` and each distro's own release file, plus a small end-of-life table.
#![warn(missing_docs)]

pub mod apk;
pub mod dpkg;
pub mod osrelease;
pub mod rpm;

use std::fmt;

/// The package databases and files this crate parses (named in errors).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// dpkg `status` / `status.d/*`.
    DpkgStatus,
    /// apk `installed`.
    ApkInstalled,
    /// `os-release` or a distro release file.
    OsRelease,
    /// An rpm header blob.
    RpmHeader,
    /// rpmdb, SQLite backend (`rpmdb.sqlite`).
    RpmSqlite,
    /// rpmdb, Berkeley DB hash backend (`Packages`).
    RpmBdb,
    /// rpmdb, NDB backend (`Packages.db`).
    RpmNdb,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::DpkgStatus => "dpkg status",
            Format::ApkInstalled => "apk installed database",
            Format::OsRelease => "os-release",
            Format::RpmHeader => "rpm header",
            Format::RpmSqlite => "rpmdb (sqlite)",
            Format::RpmBdb => "rpmdb (Berkeley DB hash)",
            Format::RpmNdb => "rpmdb (ndb)",
        })
    }
}

/// Why a file could not be parsed at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A text format is malformed at a line (1-based).
    #[error("{format}: line {line}: {message}")]
    Syntax {
        /// Which format.
        format: Format,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A binary format is malformed or truncated at a byte offset.
    #[error("{format}: at byte offset {offset}: {message}")]
    Corrupt {
        /// Which format.
        format: Format,
        /// Byte offset in the file (or blob) where the problem was seen.
        offset: u64,
        /// What is wrong.
        message: String,
    },
    /// The file is not this format at all (bad magic, wrong page size...).
    #[error("{format}: {message}")]
    NotThisFormat {
        /// Which format was expected.
        format: Format,
        /// What was found.
        message: String,
    },
    /// Every record in the file was broken: nothing usable. The first problem is given.
    #[error("{format}: no valid record ({count} broken); first problem: {first}")]
    NoValidRecord {
        /// Which format.
        format: Format,
        /// How many records were broken.
        count: usize,
        /// The first problem, with its line or offset.
        first: String,
    },
    /// Reading the SQLite rpmdb failed.
    #[error("rpmdb (sqlite): {message}")]
    Sqlite {
        /// What went wrong (SQLite's message).
        message: String,
    },
}

/// The result of parsing one file: the records and the problems that did not stop the parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed<T> {
    /// Records, in file order.
    pub items: Vec<T>,
    /// One line per skipped record or ignored line, naming the line number or byte offset.
    pub warnings: Vec<String>,
}

impl<T> Default for Parsed<T> {
    fn default() -> Self {
        Parsed {
            items: Vec::new(),
            warnings: Vec::new(),
        }
    }
}

/// Splits text into lines, keeping 1-based line numbers. Accepts `\n` and `\r\n`; invalid UTF-8 is replaced.
pub(crate) fn numbered_lines(
    content: &[u8],
) -> impl Iterator<Item = (usize, std::borrow::Cow<'_, str>)> {
    content.split(|b| *b == b'\n').enumerate().map(|(i, l)| {
        let l = l.strip_suffix(b"\r").unwrap_or(l);
        (i + 1, String::from_utf8_lossy(l))
    })
}
