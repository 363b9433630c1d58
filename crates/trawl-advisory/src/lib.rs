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
mod codec;
mod db;
mod feed;
mod http;
mod model;
mod names;
pub mod oci;
mod refresh;
mod schema;
mod score;
pub mod update;

pub use build::{BuildOutcome, build};
pub use db::AdvisoryDb;
pub use feed::osv::DEFAULT_OSV_URL;
pub use feed::{FeedKind, SourceSpec};
pub use http::HttpError;
pub use model::{
    AdvisoryDetails, AffectedRange, AffectedRecord, Enrichment, EventKind, Metadata,
    PackageSpecific, RangeEvent, RangeKind, SourceReport, Versions,
};
pub use names::data_source;
pub use refresh::refresh;
pub use schema::SCHEMA_VERSION;

use std::path::{Path, PathBuf};

/// Errors of the advisory DB.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// SQLite failed (corrupt file, full disk...).
    #[error("{path}: {source}")]
    Sqlite {
        /// The DB file.
        path: PathBuf,
        /// The cause.
        source: rusqlite::Error,
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
}

impl DbError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        DbError::Io {
            path: path.to_owned(),
            source,
        }
    }

    pub(crate) fn sqlite(path: &Path, source: rusqlite::Error) -> Self {
        DbError::Sqlite {
            path: path.to_owned(),
            source,
        }
    }
}
