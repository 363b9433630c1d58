//! Streaming blob download: the digest (and size) is verified while reading, and a connection that drops mid-blob
//! is resumed with a `Range` request (or restarted, skipping what was already read) up to the retry limit.

use crate::client::{Client, RegistryState, Req, expect_success};
use crate::error::{Error, Result};
use crate::reference::{Algorithm, Digest, Repository};
use sha2::Digest as _;
use std::io::{self, Read};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use ureq::http;

enum Hasher {
    Sha256(sha2::Sha256),
    Sha512(sha2::Sha512),
}

impl Hasher {
    fn new(a: Algorithm) -> Self {
        match a {
            Algorithm::Sha256 => Hasher::Sha256(sha2::Sha256::new()),
            Algorithm::Sha512 => Hasher::Sha512(sha2::Sha512::new()),
        }
    }

    fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(data),
            Hasher::Sha512(h) => h.update(data),
        }
    }

    fn finish(self) -> Digest {
        match self {
            Hasher::Sha256(h) => Digest::from_parts(Algorithm::Sha256, hex::encode(h.finalize())),
            Hasher::Sha512(h) => Digest::from_parts(Algorithm::Sha512, hex::encode(h.finalize())),
        }
    }
}

/// A blob being downloaded. Reading yields its exact bytes; at the end the digest is checked and a mismatch is an
/// `io::Error` of kind `InvalidData` wrapping [`Error::DigestMismatch`] (recover it with
/// [`Error::from_io`]). Nothing is buffered beyond the HTTP client's read buffer.
pub struct BlobReader {
    client: Client,
    state: Arc<RegistryState>,
    repo: Repository,
    digest: Digest,
    expected_size: Option<u64>,
    body: Option<ureq::BodyReader<'static>>,
    hasher: Option<Hasher>,
    received: u64,
    resumes: u32,
    finished: bool,
}

impl std::fmt::Debug for BlobReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobReader")
            .field("repository", &self.repo.to_string())
            .field("digest", &self.digest)
            .field("received", &self.received)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Opens blob `digest` of `repo` for streaming. `expected_size` (from the descriptor) is enforced when given.
    pub fn open_blob(
        &self,
        repo: &Repository,
        digest: &Digest,
        expected_size: Option<u64>,
    ) -> Result<BlobReader> {
        let state = self.state(&repo.registry)?;
        let body = self.blob_request(&state, repo, digest, 0)?.0;
        Ok(BlobReader {
            client: self.clone(),
            state,
            repo: repo.clone(),
            digest: digest.clone(),
            expected_size,
            body: Some(body),
            hasher: Some(Hasher::new(digest.algorithm())),
            received: 0,
            resumes: 0,
            finished: false,
        })
    }

    /// Streams blob `digest` of `repo` into `out`, verified. Returns the byte count.
    pub fn pull_blob_to(
        &self,
        repo: &Repository,
        digest: &Digest,
        expected_size: Option<u64>,
        out: &mut dyn io::Write,
    ) -> Result<u64> {
        let mut reader = self.open_blob(repo, digest, expected_size)?;
        let mut buf = vec![0u8; 256 * 1024];
        let mut total = 0u64;
        loop {
            let n = reader
                .read(&mut buf)
                .map_err(Error::from_io_blob(repo, digest, total))?;
            if n == 0 {
                return Ok(total);
            }
            out.write_all(&buf[..n]).map_err(|source| Error::Io {
                path: format!("<destination of {repo}@{digest}>").into(),
                cause: source,
            })?;
            total += n as u64;
        }
    }

    /// A whole small blob (an image config) in memory, verified; refuses more than `limit` bytes.
    pub fn pull_blob_bytes(
        &self,
        repo: &Repository,
        digest: &Digest,
        expected_size: Option<u64>,
        limit: u64,
    ) -> Result<Vec<u8>> {
        if let Some(size) = expected_size
            && size > limit
        {
            return Err(Error::TooLarge {
                url: format!("{repo}@{digest}"),
                limit,
            });
        }
        let reader = self.open_blob(repo, digest, expected_size)?;
        let mut out = Vec::new();
        reader
            .take(limit + 1)
            .read_to_end(&mut out)
            .map_err(Error::from_io_blob(repo, digest, 0))?;
        if out.len() as u64 > limit {
            return Err(Error::TooLarge {
                url: format!("{repo}@{digest}"),
                limit,
            });
        }
        Ok(out)
    }

    /// GET the blob from `offset`; returns the body and how many leading bytes of it must be skipped (when the
    /// server ignored the `Range` header).
    fn blob_request(
        &self,
        st: &RegistryState,
        repo: &Repository,
        digest: &Digest,
        offset: u64,
    ) -> Result<(ureq::BodyReader<'static>, u64)> {
        let url = format!("{}/v2/{}/blobs/{}", st.base, repo.name, digest);
        let mut req = Req::get(url.clone(), format!("repository:{}:pull", repo.name))
            // A blob's bytes are what the digest covers: no transfer compression.
            .header("accept-encoding", "identity");
        if offset > 0 {
            req = req.header("range", format!("bytes={offset}-"));
        }
        let resp = self.execute(st, &req)?;
        let resp = expect_success(
            st,
            "GET",
            &url,
            resp,
            "blob",
            &format!("{}@{digest}", repo.name),
        )?;
        let status = resp.status().as_u16();
        let skip = if offset > 0 && status == 206 {
            let starts_right = resp
                .headers()
                .get(http::header::CONTENT_RANGE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.trim().starts_with(&format!("bytes {offset}-")));
            if !starts_right {
                return Err(Error::Protocol {
                    registry: st.registry.to_string(),
                    detail: format!(
                        "{url}: the Content-Range of a resumed download does not start at byte {offset}"
                    ),
                });
            }
            0
        } else {
            offset
        };
        Ok((resp.into_body().into_reader(), skip))
    }
}

impl Error {
    /// Recovers the [`Error`] that a [`BlobReader`] wrapped in an `io::Error` (digest mismatch, read failure).
    pub fn from_io(e: io::Error) -> std::result::Result<Error, io::Error> {
        if e.get_ref().is_some_and(|inner| inner.is::<Error>()) {
            let inner = e.into_inner().expect("checked above");
            return Ok(*inner.downcast::<Error>().expect("checked above"));
        }
        Err(e)
    }

    fn from_io_blob(
        repo: &Repository,
        digest: &Digest,
        received: u64,
    ) -> impl Fn(io::Error) -> Error {
        let registry = repo.registry.to_string();
        let name = format!("{}@{digest}", repo.name);
        move |e| match Error::from_io(e) {
            Ok(inner) => inner,
            Err(source) => Error::BlobRead {
                registry: registry.clone(),
                name: name.clone(),
                received,
                cause: source,
            },
        }
    }
}

impl BlobReader {
    /// The digest being read.
    pub fn digest(&self) -> &Digest {
        &self.digest
    }

    /// Bytes delivered so far.
    pub fn received(&self) -> u64 {
        self.received
    }

    fn name(&self) -> String {
        format!("{}@{}", self.repo.name, self.digest)
    }

    fn fail(&self, err: Error) -> io::Error {
        let kind = match err {
            Error::DigestMismatch { .. } | Error::SizeMismatch { .. } => io::ErrorKind::InvalidData,
            _ => io::ErrorKind::Other,
        };
        io::Error::new(kind, err)
    }

    /// Drops the broken connection and asks again from `received`, after a backoff.
    fn resume(&mut self, cause: io::Error) -> io::Result<()> {
        self.body = None;
        let policy = &self.client.inner.options.retry;
        if self.resumes >= policy.max_retries {
            return Err(self.fail(Error::BlobRead {
                registry: self.repo.registry.to_string(),
                name: self.name(),
                received: self.received,
                cause,
            }));
        }
        self.resumes += 1;
        self.client
            .inner
            .counters
            .retries
            .fetch_add(1, Ordering::Relaxed);
        tracing::debug!(blob = %self.name(), received = self.received, error = %cause, "blob download interrupted; resuming");
        std::thread::sleep(policy.backoff(self.resumes));
        let (mut body, skip) = self
            .client
            .blob_request(&self.state, &self.repo, &self.digest, self.received)
            .map_err(|e| self.fail(e))?;
        if skip > 0 {
            // The server restarted from byte 0: discard what was already hashed and delivered.
            let skipped = io::copy(&mut (&mut body).take(skip), &mut io::sink())?;
            if skipped < skip {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "restarted download ended early",
                ));
            }
        }
        self.body = Some(body);
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        self.finished = true;
        if let Some(size) = self.expected_size
            && self.received != size
        {
            return Err(self.fail(Error::SizeMismatch {
                registry: self.repo.registry.to_string(),
                name: self.name(),
                expected: size,
                actual: self.received,
            }));
        }
        let actual = self.hasher.take().map(Hasher::finish);
        if actual.as_ref() != Some(&self.digest) {
            return Err(self.fail(Error::DigestMismatch {
                registry: self.repo.registry.to_string(),
                name: self.name(),
                actual: actual.map_or_else(String::new, |d| d.to_string()),
            }));
        }
        Ok(())
    }
}

impl Read for BlobReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.finished || buf.is_empty() {
            return Ok(0);
        }
        loop {
            let Some(body) = self.body.as_mut() else {
                self.resume(io::Error::new(io::ErrorKind::NotConnected, "no connection"))?;
                continue;
            };
            // Never read past the declared size: a longer blob is an error, not extra data.
            let room = match self.expected_size {
                Some(size) => {
                    let left = size.saturating_sub(self.received);
                    if left == 0 {
                        // Make sure nothing follows.
                        let mut probe = [0u8; 1];
                        match body.read(&mut probe) {
                            Ok(0) => {
                                self.finish()?;
                                return Ok(0);
                            }
                            Ok(_) => {
                                return Err(self.fail(Error::SizeMismatch {
                                    registry: self.repo.registry.to_string(),
                                    name: self.name(),
                                    expected: size,
                                    actual: size + 1,
                                }));
                            }
                            Err(_) => {
                                // All declared bytes arrived; a broken tail does not matter if the digest holds.
                                self.body = None;
                                self.finish()?;
                                return Ok(0);
                            }
                        }
                    }
                    usize::try_from(left).unwrap_or(usize::MAX).min(buf.len())
                }
                None => buf.len(),
            };
            match body.read(&mut buf[..room]) {
                Ok(0) => {
                    if self.expected_size.is_some_and(|s| self.received < s) {
                        self.resume(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "connection closed early",
                        ))?;
                        continue;
                    }
                    self.finish()?;
                    return Ok(0);
                }
                Ok(n) => {
                    if let Some(h) = self.hasher.as_mut() {
                        h.update(&buf[..n]);
                    }
                    self.received += n as u64;
                    self.client
                        .inner
                        .counters
                        .blob_bytes
                        .fetch_add(n as u64, Ordering::Relaxed);
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.resume(e)?;
                    continue;
                }
            }
        }
    }
}

/// A [`BlobReader`] running on its own thread, a few chunks ahead of the consumer: the download and digest
/// check overlap with whatever the consumer does (decompression, tar walking). Errors arrive in order.
pub struct PrefetchReader {
    rx: std::sync::mpsc::Receiver<io::Result<Vec<u8>>>,
    current: Vec<u8>,
    pos: usize,
    done: bool,
}

impl std::fmt::Debug for PrefetchReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrefetchReader")
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl BlobReader {
    /// Moves the download to a background thread that stays up to `depth` chunks of `chunk` bytes ahead.
    pub fn prefetch(mut self, chunk: usize, depth: usize) -> PrefetchReader {
        let (tx, rx) = std::sync::mpsc::sync_channel(depth.max(1));
        let chunk = chunk.max(4096);
        std::thread::spawn(move || {
            loop {
                let mut buf = vec![0u8; chunk];
                let mut filled = 0;
                // Fill whole chunks (fewer channel hand-offs), stopping at the end of the blob.
                let outcome = loop {
                    match self.read(&mut buf[filled..]) {
                        Ok(0) => break Ok(true),
                        Ok(n) => {
                            filled += n;
                            if filled == buf.len() {
                                break Ok(false);
                            }
                        }
                        Err(e) => break Err(e),
                    }
                };
                buf.truncate(filled);
                match outcome {
                    Ok(end) => {
                        if !buf.is_empty() && tx.send(Ok(buf)).is_err() {
                            return;
                        }
                        if end {
                            let _ = tx.send(Ok(Vec::new()));
                            return;
                        }
                    }
                    Err(e) => {
                        if !buf.is_empty() && tx.send(Ok(buf)).is_err() {
                            return;
                        }
                        let _ = tx.send(Err(e));
                        return;
                    }
                }
            }
        });
        PrefetchReader {
            rx,
            current: Vec::new(),
            pos: 0,
            done: false,
        }
    }
}

impl Read for PrefetchReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.current.len() {
            if self.done || buf.is_empty() {
                return Ok(0);
            }
            match self.rx.recv() {
                Ok(Ok(chunk)) if chunk.is_empty() => {
                    self.done = true;
                    return Ok(0);
                }
                Ok(Ok(chunk)) => {
                    self.current = chunk;
                    self.pos = 0;
                }
                Ok(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                Err(_) => {
                    self.done = true;
                    return Err(io::Error::new(
                        io::ErrorKind::BrokenPipe,
                        "blob download thread ended unexpectedly",
                    ));
                }
            }
        }
        let n = (self.current.len() - self.pos).min(buf.len());
        buf[..n].copy_from_slice(&self.current[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}
