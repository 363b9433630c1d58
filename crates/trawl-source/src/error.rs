//! The error type of every source.

use std::path::PathBuf;

/// Why an image or root filesystem could not be opened or one of its layers could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// Reading a file or directory failed.
    #[error("{path}: {cause}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error (its text is part of this error's message, so it is not exposed as `source()`: a chain would print it twice).
        cause: std::io::Error,
    },
    /// The source string could not be parsed.
    #[error(
        "invalid image source `{0}`: expected docker-archive:PATH, oci-archive:PATH, oci:DIR[:TAG] or an existing path"
    )]
    BadSpec(String),
    /// The input is none of the formats we read.
    #[error("{path}: {reason}")]
    UnknownFormat {
        /// The input.
        path: PathBuf,
        /// What was found instead.
        reason: String,
    },
    /// A manifest, index or config inside the source is malformed.
    #[error("{path}: {what}: {message}")]
    Invalid {
        /// The archive or directory.
        path: PathBuf,
        /// Which part (`manifest.json`, `index.json`, a blob digest...).
        what: String,
        /// What is wrong.
        message: String,
    },
    /// An entry the manifest refers to is absent.
    #[error("{path}: `{entry}` not found (the archive is incomplete)")]
    Missing {
        /// The archive or directory.
        path: PathBuf,
        /// The missing entry (file name or digest).
        entry: String,
    },
    /// No image in the archive or layout matches the requested tag or digest (or several match none given).
    #[error("{path}: {message} (available: {available})")]
    NoSuchImage {
        /// The archive or directory.
        path: PathBuf,
        /// What was asked for.
        message: String,
        /// The tags/digests present.
        available: String,
    },
    /// A layer blob or its uncompressed stream does not have the digest the manifest/config says.
    #[error("layer {index} ({layer}): {kind} mismatch: expected {expected}, got {actual}")]
    DigestMismatch {
        /// Layer position, 0 = base.
        index: usize,
        /// Layer identity (diff ID or blob digest).
        layer: String,
        /// `blob digest` or `diff ID`.
        kind: &'static str,
        /// The digest the manifest or config gives.
        expected: String,
        /// The digest of what was read.
        actual: String,
    },
    /// A layer could not be read (corrupt compression, unsupported format, truncated blob).
    #[error("layer {index} ({layer}): {message}")]
    Layer {
        /// Layer position, 0 = base.
        index: usize,
        /// Layer identity (diff ID or blob digest).
        layer: String,
        /// What went wrong.
        message: String,
    },
    /// A registry refused or failed (auth, missing tag, network, digest mismatch...). The message is the
    /// registry client's, which names the registry and object (callers add the image name as context).
    #[error("{error}")]
    Registry {
        /// The image reference as given.
        reference: String,
        /// The registry client's error (never holds credentials).
        error: Box<trawl_registry::Error>,
    },
    /// A local daemon is not running or does not have the image (the next `--image-src` is tried).
    #[error("{reference}: {daemon}: {detail}")]
    Daemon {
        /// `docker` or `podman`.
        daemon: &'static str,
        /// The image name.
        reference: String,
        /// What happened.
        detail: String,
    },
    /// No image source had the image.
    #[error("{reference}: not found in any image source ({attempts})")]
    NotFoundAnywhere {
        /// The image name.
        reference: String,
        /// What each source said.
        attempts: String,
    },
}

impl SourceError {
    pub(crate) fn io(path: impl Into<PathBuf>, cause: std::io::Error) -> Self {
        SourceError::Io {
            path: path.into(),
            cause,
        }
    }

    pub(crate) fn invalid(
        path: impl Into<PathBuf>,
        what: impl Into<String>,
        message: impl ToString,
    ) -> Self {
        SourceError::Invalid {
            path: path.into(),
            what: what.into(),
            message: message.to_string(),
        }
    }
}
