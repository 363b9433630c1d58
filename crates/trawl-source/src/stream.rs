//! Decompression (gzip, zstd or plain, chosen by magic bytes) and digest verification of a layer blob while it
//! streams (the work itself runs on a producer thread: see `threaded.rs`).

use crate::SourceError;
use crate::identity::{Compression, LayerIdentity};
use flate2::read::MultiGzDecoder;
use sha2::{Digest, Sha256};
use std::io::{self, BufReader, Cursor, Read};

pub(crate) fn read_prefix(r: &mut dyn Read, n: usize) -> io::Result<Vec<u8>> {
    let mut buf = vec![0u8; n];
    let mut got = 0;
    while got < n {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(k) => got += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    buf.truncate(got);
    Ok(buf)
}

/// Opens `raw` with the decompressor its magic bytes call for (used for outer archives: no verification).
pub(crate) fn decompress_any(mut raw: Box<dyn Read + Send>) -> io::Result<Box<dyn Read + Send>> {
    let prefix = read_prefix(&mut raw, 6)?;
    let kind = Compression::detect(&prefix).map_err(io::Error::other)?;
    let chained = Cursor::new(prefix).chain(raw);
    Ok(match kind {
        Compression::None => Box::new(chained),
        Compression::Gzip => Box::new(MultiGzDecoder::new(BufReader::with_capacity(
            64 * 1024,
            chained,
        ))),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::with_buffer(
            BufReader::with_capacity(64 * 1024, chained),
        )?),
    })
}

/// Splits `sha256:HEX` into a form we can verify; other algorithms are not verified.
fn sha256_hex(digest: &str) -> Option<String> {
    digest
        .strip_prefix("sha256:")
        .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(|h| h.to_ascii_lowercase())
}

/// Wraps a raw layer blob: detects its compression, decompresses, and verifies the blob digest and the diff ID
/// once the stream has been read to its end (a mismatch is an `io::Error` wrapping [`SourceError`]).
///
/// The reading and decompression (and, for plain blobs, the hashing) run on a thread of their own, a few chunks
/// ahead of the caller: see [`crate::threaded`].
pub(crate) fn open_layer(
    mut raw: Box<dyn Read + Send>,
    id: LayerIdentity,
) -> Result<Box<dyn Read + Send>, SourceError> {
    let prefix = read_prefix(&mut raw, 6).map_err(|e| SourceError::Layer {
        index: id.index,
        layer: id.label.clone(),
        message: format!("reading the blob: {e}"),
    })?;
    let kind = Compression::detect(&prefix).map_err(|message| SourceError::Layer {
        index: id.index,
        layer: id.label.clone(),
        message,
    })?;
    let expect = crate::threaded::Expect {
        blob: id.digest.as_deref().and_then(sha256_hex),
        diff: id.diff_id.as_deref().and_then(sha256_hex),
    };
    Ok(Box::new(crate::threaded::spawn(
        raw, prefix, kind, expect, id,
    )?))
}

/// `sha256:HEX` of some bytes.
pub(crate) fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}
