//! The advisory database: feed parsers, build, query, update, OCI push/pull.
//!
//! - [`build`] turns public feeds ([`SourceSpec`]: OSV, Alpine secdb, Debian tracker, Wolfi, ALAS, CVE JSON 5,
//!   NVD, KEV, EPSS) into one compact, versioned, read-only SQLite file.
//! - [`AdvisoryDb`] opens that file read-only (no locks: any number of scans share it) and answers
//!   [`AdvisoryDb::lookup`] by (namespace, package), [`AdvisoryDb::advisory`] by ID and
//!   [`AdvisoryDb::enrichment`] (KEV, EPSS) by CVE.
//! - [`update`] fetches a built DB from an ordered list of locations (HTTPS URL or OCI reference) with
//!   fallback, verifies its digest and swaps it in atomically; [`oci`] pushes and pulls the DB as an OCI
//!   artifact.
//!
//! Namespaces use the OSV ecosystem spelling with the release (`Debian:12`, `Alpine:v3.10`, `Ubuntu:22.04`,
//! `Wolfi`, `PyPI`, `Go`, `crates.io`...): the strings
//! [`trawl_types::OsInfo::advisory_namespace`] and [`trawl_types::Ecosystem::osv_name`] produce.

mod build;
mod check;
mod codec;
mod db;
mod feed;
pub mod fetch;
mod http;
mod model;
mod names;
pub mod oci;
mod refresh;
mod schema;
mod score;
pub mod supply;
pub mod update;
pub mod upstream;

pub use build::{BuildOutcome, build, build_with_origins};
pub use check::verify;
pub use db::AdvisoryDb;
pub use feed::osv::DEFAULT_OSV_URL;
pub use feed::{FeedKind, ParseFeedKindError, ParseSourceSpecError, SourceSpec};
pub use http::HttpError;
pub use model::{
    AdvisoryDetails, AffectedRange, AffectedRecord, Enrichment, EventKind, FeedOrigin, GoImport,
    Metadata, PackageSpecific, RangeEvent, RangeKind, SourceReport, Versions,
};
pub use names::data_source;
pub use refresh::{refresh, refresh_with_origins};
pub use schema::SCHEMA_VERSION;

use std::path::{Path, PathBuf};

/// Errors of the advisory DB.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// A file could not be read or written.
    #[error("{path}: {cause}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause (its text is part of this error's message, so it is not exposed as `source()`: a chain would print it twice).
        cause: std::io::Error,
    },
    /// SQLite failed (corrupt file, full disk...).
    #[error("{path}: {cause}")]
    Sqlite {
        /// The DB file.
        path: PathBuf,
        /// The cause (its text is part of this error's message, so it is not exposed as `source()`: a chain would print it twice).
        cause: rusqlite::Error,
    },
    /// The file is not a trawl advisory DB, or one of another schema.
    #[error("{path}: {message}")]
    Invalid {
        /// The DB file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A download failed.
    #[error(transparent)]
    Http(#[from] HttpError),
    /// A downloaded DB did not match its digest.
    #[error("{location}: digest mismatch: expected {expected}, got {actual}")]
    Digest {
        /// Where it came from.
        location: String,
        /// The digest announced.
        expected: String,
        /// The digest of what arrived.
        actual: String,
    },
    /// Every location of an update failed.
    #[error("no DB location worked:\n  {}", .0.join("\n  "))]
    AllLocationsFailed(Vec<String>),
    /// An OCI registry operation failed.
    #[error("{reference}: {message}")]
    Oci {
        /// The reference.
        reference: String,
        /// What happened.
        message: String,
    },
    /// Bad input given by the caller (a location, an option).
    #[error("{0}")]
    Usage(String),
    /// The DB file is damaged (SQLite's checks or the file's header disagree with its content).
    #[error(
        "{path}: the advisory DB is damaged ({detail}); replace it with `trawl db update` or rebuild it with \
         `trawl db build`"
    )]
    Damaged {
        /// The DB file.
        path: PathBuf,
        /// What the check found.
        detail: String,
    },
    /// A DB destination that is not a regular file (a device, FIFO or socket): writing the DB beside it and
    /// renaming it over would replace it.
    #[error(
        "{path} is {kind}, not a regular file: the DB is written to a temporary file and renamed over its \
         destination, which would replace it; give the path of a regular file"
    )]
    NotAFile {
        /// The destination (symlinks followed).
        path: PathBuf,
        /// What it is (`a character device`, `a FIFO`...).
        kind: String,
    },
}

impl DbError {
    pub(crate) fn io(path: &Path, cause: std::io::Error) -> Self {
        DbError::Io {
            path: path.to_owned(),
            cause,
        }
    }

    pub(crate) fn sqlite(path: &Path, cause: rusqlite::Error) -> Self {
        DbError::Sqlite {
            path: path.to_owned(),
            cause,
        }
    }
}

/// Where a DB written to `path` goes: the regular file (or nothing yet) at `path` with symlinks followed, so the
/// rename keeps the link. A device, FIFO or socket is refused ([`DbError::NotAFile`]): the DB is written to a
/// temporary file and renamed over its destination, which would replace it. Also removes the temporary files
/// that killed DB writers left in that directory.
pub(crate) fn db_destination(path: &Path) -> Result<PathBuf, DbError> {
    let target = match trawl_fs::destination(path).map_err(|e| DbError::io(path, e))? {
        trawl_fs::Destination::File(p) => p,
        trawl_fs::Destination::Special { path: p, kind } => {
            return Err(DbError::NotAFile {
                path: p,
                kind: kind.to_string(),
            });
        }
    };
    let dir = trawl_fs::parent_dir(&target);
    std::fs::create_dir_all(&dir).map_err(|e| DbError::io(&dir, e))?;
    trawl_fs::remove_stale_temps(&dir, "db-");
    Ok(target)
}
