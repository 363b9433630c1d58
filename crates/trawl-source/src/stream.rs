//! Decompression (gzip, zstd or plain, chosen by magic bytes) and digest verification of a layer blob while it
//! streams.

use crate::SourceError;
use flate2::read::MultiGzDecoder;
use sha2::{Digest, Sha256};
use std::io::{self, BufReader, Chain, Cursor, Read};

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

/// Passes bytes through, hashing them.
struct HashRead {
    inner: Box<dyn Read + Send>,
    hasher: Option<Sha256>,
}

impl Read for HashRead {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(h) = &mut self.hasher {
            h.update(&buf[..n]);
        }
        Ok(n)
    }
}

type Raw = BufReader<Chain<Cursor<Vec<u8>>, HashRead>>;

enum Decoder {
    Plain(Box<Raw>),
    Gzip(Box<MultiGzDecoder<Raw>>),
    Zstd(Box<zstd::stream::read::Decoder<'static, Raw>>),
}

impl Decoder {
    fn raw_mut(&mut self) -> &mut Raw {
        match self {
            Decoder::Plain(r) => r,
            Decoder::Gzip(d) => d.get_mut(),
            Decoder::Zstd(d) => d.get_mut(),
        }
    }

    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Decoder::Plain(r) => r.read(buf),
            Decoder::Gzip(d) => d.read(buf),
            Decoder::Zstd(d) => d.read(buf),
        }
    }
}

/// Splits `sha256:HEX` into a form we can verify; other algorithms are not verified.
fn sha256_hex(digest: &str) -> Option<String> {
    digest
        .strip_prefix("sha256:")
        .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(|h| h.to_ascii_lowercase())
}

/// What to verify while streaming one layer.
pub(crate) struct LayerIdentity {
    pub(crate) index: usize,
    pub(crate) label: String,
    pub(crate) digest: Option<String>,
    pub(crate) diff_id: Option<String>,
}

/// The decompressed, verified stream of a layer.
struct VerifiedLayer {
    dec: Decoder,
    diff: Option<(Sha256, String)>,
    blob_expected: Option<String>,
    id: LayerIdentity,
    done: bool,
}

impl VerifiedLayer {
    fn layer_err(&self, message: String) -> io::Error {
        io::Error::other(SourceError::Layer {
            index: self.id.index,
            layer: self.id.label.clone(),
            message,
        })
    }

    fn finish(&mut self) -> io::Result<()> {
        // The decompressor may stop before the blob ends (gzip trailer already read, padding): hash the rest.
        let raw = self.dec.raw_mut();
        io::copy(raw, &mut io::sink())
            .map_err(|e| self.layer_err(format!("reading the end of the blob: {e}")))?;
        if let Some(expected) = self.blob_expected.take() {
            let hr = &mut self.dec.raw_mut().get_mut().get_mut().1;
            if let Some(h) = hr.hasher.take() {
                let actual = hex::encode(h.finalize());
                if actual != expected {
                    return Err(io::Error::other(SourceError::DigestMismatch {
                        index: self.id.index,
                        layer: self.id.label.clone(),
                        kind: "blob digest",
                        expected: format!("sha256:{expected}"),
                        actual: format!("sha256:{actual}"),
                    }));
                }
            }
        }
        if let Some((h, expected)) = self.diff.take() {
            let actual = hex::encode(h.finalize());
            if actual != expected {
                return Err(io::Error::other(SourceError::DigestMismatch {
                    index: self.id.index,
                    layer: self.id.label.clone(),
                    kind: "diff ID",
                    expected: format!("sha256:{expected}"),
                    actual: format!("sha256:{actual}"),
                }));
            }
        }
        Ok(())
    }
}

impl Read for VerifiedLayer {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.done || buf.is_empty() {
            return Ok(0);
        }
        let n = match self.dec.read(buf) {
            Ok(n) => n,
            Err(e) if e.get_ref().is_some_and(|i| i.is::<SourceError>()) => return Err(e),
            Err(e) => return Err(self.layer_err(format!("corrupt or truncated blob: {e}"))),
        };
        if n == 0 {
            self.done = true;
            self.finish()?;
            return Ok(0);
        }
        if let Some((h, _)) = &mut self.diff {
            h.update(&buf[..n]);
        }
        Ok(n)
    }
}

/// Wraps a raw layer blob: detects its compression, decompresses, and verifies the blob digest and the diff ID
/// once the stream has been read to its end (a mismatch is an `io::Error` wrapping [`SourceError`]).
pub(crate) fn open_layer(
    raw: Box<dyn Read + Send>,
    id: LayerIdentity,
) -> Result<Box<dyn Read + Send>, SourceError> {
    let blob_expected = id.digest.as_deref().and_then(sha256_hex);
    let diff_expected = id.diff_id.as_deref().and_then(sha256_hex);
    let mut hr = HashRead {
        inner: raw,
        hasher: blob_expected.as_ref().map(|_| Sha256::new()),
    };
    let prefix = read_prefix(&mut hr, 6).map_err(|e| SourceError::Layer {
        index: id.index,
        layer: id.label.clone(),
        message: format!("reading the blob: {e}"),
    })?;
    let kind = Compression::detect(&prefix).map_err(|message| SourceError::Layer {
        index: id.index,
        layer: id.label.clone(),
        message,
    })?;
    let raw: Raw = BufReader::with_capacity(64 * 1024, Cursor::new(prefix).chain(hr));
    // A plain blob whose digest is its diff ID needs hashing once only.
    let same =
        kind == Compression::None && blob_expected.is_some() && blob_expected == diff_expected;
    let dec = match kind {
        Compression::None => Decoder::Plain(Box::new(raw)),
        Compression::Gzip => Decoder::Gzip(Box::new(MultiGzDecoder::new(raw))),
        Compression::Zstd => Decoder::Zstd(Box::new(
            zstd::stream::read::Decoder::with_buffer(raw).map_err(|e| SourceError::Layer {
                index: id.index,
                layer: id.label.clone(),
                message: format!("zstd: {e}"),
            })?,
        )),
    };
    let diff = if same {
        None
    } else {
        diff_expected.map(|e| (Sha256::new(), e))
    };
    Ok(Box::new(VerifiedLayer {
        dec,
        diff,
        blob_expected,
        id,
        done: false,
    }))
}

/// `sha256:HEX` of some bytes.
pub(crate) fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}
