//! Images in a local Docker Engine or Podman: `GET /images/{name}/json` (is it there?) then
//! `GET /images/{name}/get`, which streams a docker-archive. The archive is written to a temporary file (the
//! docker-archive reader needs random access to it) that lives as long as the image's layers; it is deleted
//! when the last layer handle is dropped.
//!
//! The HTTP client is a minimal HTTP/1.1 over a unix socket (or `tcp://` without TLS): one request per
//! connection, `Content-Length` or chunked bodies.

use crate::error::SourceError;
use crate::remote::{Endpoint, ImageSrc, RemoteOptions, endpoint};
use crate::store::RawOpener;
use crate::{Image, Layer, SourceSpec};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::sync::Arc;
use std::time::Duration;

trait Conn: Read + Write + Send {}
impl<T: Read + Write + Send> Conn for T {}

fn connect(ep: &Endpoint) -> io::Result<Box<dyn Conn>> {
    match ep {
        Endpoint::Unix(p) => {
            let s = std::os::unix::net::UnixStream::connect(p)?;
            s.set_read_timeout(Some(Duration::from_secs(300)))?;
            Ok(Box::new(s))
        }
        Endpoint::Tcp(a) => {
            let s = std::net::TcpStream::connect(a)?;
            s.set_read_timeout(Some(Duration::from_secs(300)))?;
            Ok(Box::new(s))
        }
    }
}

/// `GET path`: status and a body reader.
fn get(ep: &Endpoint, path: &str) -> io::Result<(u16, Box<dyn Read + Send>)> {
    let mut conn = connect(ep)?;
    write!(
        conn,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nUser-Agent: trawl/{}\r\nConnection: close\r\n\r\n",
        env!("CARGO_PKG_VERSION")
    )?;
    conn.flush()?;
    let mut reader = BufReader::with_capacity(256 * 1024, conn);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("not an HTTP response: {line:?}"),
            )
        })?;
    let mut length = None;
    let mut chunked = false;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
            if k == "content-length" {
                length = v.parse::<u64>().ok();
            } else if k == "transfer-encoding" && v.to_ascii_lowercase().contains("chunked") {
                chunked = true;
            }
        }
    }
    let body: Box<dyn Read + Send> = if chunked {
        Box::new(Chunked {
            inner: reader,
            left: 0,
            done: false,
        })
    } else if let Some(n) = length {
        Box::new(Exact {
            inner: reader.take(n),
            left: n,
        })
    } else {
        Box::new(reader)
    };
    Ok((status, body))
}

/// A `Content-Length` body: ending early is an error, not a short file.
struct Exact<R> {
    inner: io::Take<R>,
    left: u64,
}

impl<R: Read> Read for Exact<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && self.left > 0 && !buf.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "daemon closed the connection early",
            ));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// A chunked body.
struct Chunked<R> {
    inner: R,
    left: u64,
    done: bool,
}

impl<R: BufRead> Read for Chunked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.done || buf.is_empty() {
            return Ok(0);
        }
        if self.left == 0 {
            let mut line = String::new();
            if self.inner.read_line(&mut line)? == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "chunked body ended early",
                ));
            }
            let size_text = line.trim().split(';').next().unwrap_or("");
            self.left = u64::from_str_radix(size_text, 16).map_err(|_| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("bad chunk size {line:?}"),
                )
            })?;
            if self.left == 0 {
                self.done = true;
                return Ok(0);
            }
        }
        let want = usize::try_from(self.left)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        let n = self.inner.read(&mut buf[..want])?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "chunked body ended early",
            ));
        }
        self.left -= n as u64;
        if self.left == 0 {
            let mut crlf = String::new();
            self.inner.read_line(&mut crlf)?;
        }
        Ok(n)
    }
}

/// Percent-encodes an image name for a URL path (`/` kept: the daemons route `{name:.*}`).
fn encode_name(name: &str) -> String {
    let mut out = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/' | b':' | b'@')
        {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Exports `reference` from the daemon `src` and opens it as a docker-archive. "No daemon" and "no such image"
/// are [`SourceError::Daemon`] so the caller can try the next source.
pub(crate) fn open(
    src: ImageSrc,
    reference: &str,
    opts: &RemoteOptions,
) -> Result<Image, SourceError> {
    let unavailable = |detail: String| SourceError::Daemon {
        daemon: src.as_str(),
        reference: reference.to_owned(),
        detail,
    };
    let ep = endpoint(src, opts).map_err(unavailable)?;
    let name = encode_name(reference);
    let (status, mut body) = get(&ep, &format!("/images/{name}/json"))
        .map_err(|e| unavailable(format!("no daemon at {ep} ({e})")))?;
    let mut text = Vec::new();
    let _ = body.by_ref().take(64 * 1024).read_to_end(&mut text);
    match status {
        200 => {}
        404 => {
            return Err(unavailable(format!(
                "image not found in the daemon at {ep}"
            )));
        }
        s => {
            return Err(unavailable(format!(
                "the daemon at {ep} answered HTTP {s}: {}",
                String::from_utf8_lossy(&text).trim()
            )));
        }
    }
    // Past this point the image exists in the daemon: failures are real errors, not "try the next source".
    let fail = |detail: String| SourceError::Layer {
        index: 0,
        layer: format!("{reference} ({src} daemon at {ep})"),
        message: detail,
    };
    let (status, mut body) = get(&ep, &format!("/images/{name}/get"))
        .map_err(|e| fail(format!("export failed: {e}")))?;
    if status != 200 {
        let mut t = Vec::new();
        let _ = body.take(64 * 1024).read_to_end(&mut t);
        return Err(fail(format!(
            "export answered HTTP {status}: {}",
            String::from_utf8_lossy(&t).trim()
        )));
    }
    let mut tmp = tempfile::Builder::new()
        .prefix("trawl-daemon-")
        .suffix(".tar")
        .tempfile()
        .map_err(|e| fail(format!("cannot create a temporary file: {e}")))?;
    io::copy(&mut body, tmp.as_file_mut()).map_err(|e| fail(format!("export interrupted: {e}")))?;
    tmp.as_file_mut()
        .flush()
        .map_err(|e| fail(format!("cannot write the temporary file: {e}")))?;
    let path = tmp.into_temp_path();
    let inner = crate::open(&SourceSpec::DockerArchive(path.to_path_buf()))?;
    // Keep the temporary archive alive as long as any layer can still be opened.
    let keep = Arc::new(path);
    let layers = inner
        .layers
        .iter()
        .map(|l| {
            let keep = Arc::clone(&keep);
            let layer = l.clone();
            let opener: RawOpener = Arc::new(move || {
                let _alive = &keep;
                layer.open()
            });
            // The inner layer already decompresses and verifies (blob digest and diff ID): hand its stream on.
            Layer::verified(
                l.index,
                l.diff_id.clone(),
                l.size,
                l.created_by.clone(),
                opener,
            )
        })
        .collect();
    Ok(Image {
        name: reference.to_owned(),
        layers,
        sequential: false,
        ..inner
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(encode_name("ghcr.io/a/b:1 x"), "ghcr.io/a/b:1%20x");
    }

    #[test]
    fn chunked_bodies() {
        let raw = b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n";
        let mut out = String::new();
        Chunked {
            inner: &raw[..],
            left: 0,
            done: false,
        }
        .read_to_string(&mut out)
        .expect("valid");
        assert_eq!(out, "hello world");
        let cut = b"5\r\nhel";
        let mut r = Chunked {
            inner: &cut[..],
            left: 0,
            done: false,
        };
        assert!(r.read_to_end(&mut Vec::new()).is_err());
    }
}
