//! What a layer blob is and what it must hash to: its compression (from its magic bytes) and the digests to check
//! while it streams. Shared by `stream.rs` (which opens layers) and `threaded.rs` (which reads them on a producer
//! thread).

use crate::SourceError;
use std::io;

/// Compression of a blob, detected from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// No compression (a plain tar).
    None,
    /// gzip (`1f 8b`).
    Gzip,
    /// zstd (`28 b5 2f fd`).
    Zstd,
}

impl Compression {
    /// Detects the compression from the first bytes of a blob. Errors on formats we do not read (xz, bzip2).
    pub fn detect(prefix: &[u8]) -> Result<Compression, String> {
        if prefix.starts_with(&[0x1f, 0x8b]) {
            Ok(Compression::Gzip)
        } else if prefix.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Ok(Compression::Zstd)
        } else if prefix.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
            Err("xz-compressed blobs are not supported".into())
        } else if prefix.starts_with(b"BZh") {
            Err("bzip2-compressed blobs are not supported".into())
        } else {
            Ok(Compression::None)
        }
    }
}

/// Reads up to `n` bytes (fewer only at EOF).
/// What to verify while streaming one layer.
pub(crate) struct LayerIdentity {
    pub(crate) index: usize,
    pub(crate) label: String,
    pub(crate) digest: Option<String>,
    pub(crate) diff_id: Option<String>,
}

impl LayerIdentity {
    /// Compares a sha256 with the expected hex digest: a mismatch is an `io::Error` wrapping
    /// [`SourceError::DigestMismatch`].
    pub(crate) fn check(
        &self,
        kind: &'static str,
        expected: &str,
        sha256: &[u8; 32],
    ) -> io::Result<()> {
        let actual = hex::encode(sha256);
        if actual == expected {
            return Ok(());
        }
        Err(io::Error::other(SourceError::DigestMismatch {
            index: self.index,
            layer: self.label.clone(),
            kind,
            expected: format!("sha256:{expected}"),
            actual: format!("sha256:{actual}"),
        }))
    }
}
