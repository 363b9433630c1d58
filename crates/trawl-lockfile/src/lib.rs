//! Pure parsers for language lockfiles, installed package metadata, binaries and archives: bytes -> packages.
//!
//! Every parser takes the content of one file and returns [`trawl_types::Package`]s with ecosystem, name (as the
//! ecosystem spells it: npm `@scope/name`, Maven `group:artifact`, Go module path), version, and, where the file
//! says, the relationship (root / direct / indirect) and the dev flag. `file_path` is left empty for the caller
//! (the analyzer) to fill, except for packages found inside archives, where it is the path inside the archive.
//! No parser touches the filesystem or the network; bad input yields an [`Error`] with a line number where the
//! underlying parser knows one, never a panic.
//!
//! Layout: one module per ecosystem, one function per file format (`node::package_lock::parse`,
//! `python::poetry_lock::parse`, `go::binary::parse`, ...).

pub mod binary;
pub mod dotnet;
pub mod go;
pub mod java;
pub mod node;
pub mod other;
pub mod php;
pub mod python;
pub mod ruby;
pub mod rust;

mod util;

use trawl_types::{Ecosystem, Package, Relationship};

/// Most packages taken from one file. Real lockfiles list a few thousand; a file listing more is refused
/// (an error naming the count) so a crafted one cannot hold gigabytes of packages through matching and
/// reporting. Parsers that can count their entries cheaply check before parsing ([`too_many`]).
pub const MAX_PACKAGES: usize = 50_000;

/// The error for a file of `count` packages, when that is over [`MAX_PACKAGES`].
pub fn too_many(count: usize) -> Option<Error> {
    (count > MAX_PACKAGES).then(|| {
        Error::Invalid(format!(
            "{count} packages is over the limit of {MAX_PACKAGES} per file: not read"
        ))
    })
}

/// A file could not be parsed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Syntax error at a known line (1-based).
    #[error("line {line}: {message}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// What the parser said.
        message: String,
    },
    /// The file is well-formed but not what was expected, or the parser knows no line.
    #[error("{0}")]
    Invalid(String),
}

impl Error {
    /// The 1-based line of the problem, when known.
    pub fn line(&self) -> Option<usize> {
        match self {
            Error::Syntax { line, .. } => Some(*line),
            Error::Invalid(_) => None,
        }
    }

    pub(crate) fn invalid(msg: impl Into<String>) -> Self {
        Error::Invalid(msg.into())
    }
}

/// Result of a parser.
pub type Result<T> = std::result::Result<T, Error>;

/// A new package with ecosystem, name and version; everything else default.
pub fn package(eco: Ecosystem, name: impl Into<String>, version: impl Into<String>) -> Package {
    Package {
        ecosystem: Some(eco),
        name: name.into(),
        version: version.into(),
        ..Package::default()
    }
}

/// Sets relationship and dev flag, builder style.
pub(crate) fn with_rel(mut p: Package, rel: Option<Relationship>, dev: bool) -> Package {
    p.relationship = rel;
    p.dev = dev;
    p
}
