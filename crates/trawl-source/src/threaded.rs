//! A layer stream whose decompression runs on its own thread.
//!
//! A producer thread owns the raw blob and the decompressor and sends the decompressed bytes, in chunks of
//! [`CHUNK`] bytes, over a bounded channel to the [`ThreadedLayer`] the caller reads. Chunks go back to the
//! producer over a second channel once read, so memory stays flat: at most `DEPTH + 3` chunks exist per layer.
//!
//! The work is split so that the producer, which runs the critical path (inflate), does as little else as
//! possible: once the decompressor has consumed a raw chunk, that chunk is handed (not copied) to the reader,
//! which hashes it for the blob digest; the reader also hashes the decompressed bytes for the diff ID. Both are
//! checked when the producer reports the end of the stream. A plain (uncompressed) blob has no decompressor:
//! there the producer reads and hashes, which takes the hashing off the thread that walks the tar.
//!
//! Errors (corrupt data, a failing raw reader) travel through the channel after the bytes that preceded them.
//! Dropping the reader stops the producer: it checks a flag before every raw read, a send to a dropped reader
//! fails, and the reader's `Drop` joins the thread, so the raw blob (file, connection) is released by then.

use crate::SourceError;
use crate::identity::{Compression, LayerIdentity};
use sha2::{Digest, Sha256};
use std::io::{self, BufRead, Read};
use std::mem;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, SyncSender, TryRecvError, channel, sync_channel};
use std::thread::JoinHandle;

/// Size of the chunks handed between the threads (raw and decompressed alike).
pub(crate) const CHUNK: usize = 256 * 1024;
/// Chunks queued between the producer and the reader.
pub(crate) const DEPTH: usize = 8;

/// What the producer sends.
enum Msg {
    /// Decompressed bytes, in order.
    Data(Vec<u8>),
    /// Raw blob bytes the decompressor has consumed, for the reader to hash (blob digest).
    Raw(Vec<u8>),
    /// The end of the stream, with the hashes the producer computed itself.
    End {
        blob: Option<[u8; 32]>,
        diff: Option<[u8; 32]>,
    },
    /// A read or decompression error (already naming the layer); nothing follows.
    Err(io::Error),
}

/// The producer's ends: the data channel, the pool of returned chunks, the stop flag.
struct Link {
    tx: SyncSender<Msg>,
    pool: Receiver<Vec<u8>>,
    stop: Arc<AtomicBool>,
    /// Chunks allocated so far (the pool keeps this at most `DEPTH + 3`).
    allocated: Arc<AtomicUsize>,
}

/// The error a producer meets when its reader is gone (never reaches the reader).
fn reader_gone() -> io::Error {
    io::Error::new(io::ErrorKind::BrokenPipe, "layer reader dropped")
}

impl Link {
    /// A chunk buffer of length [`CHUNK`]: a returned one when there is one, else a new one.
    fn buffer(&self) -> Vec<u8> {
        let mut v = match self.pool.try_recv() {
            Ok(v) => v,
            Err(TryRecvError::Empty | TryRecvError::Disconnected) => {
                self.allocated.fetch_add(1, Ordering::Relaxed);
                Vec::with_capacity(CHUNK)
            }
        };
        // Zero-fills only the tail a short chunk left (the last one of a stream): full chunks come back full.
        v.resize(CHUNK, 0);
        v
    }

    fn send(&self, m: Msg) -> io::Result<()> {
        self.tx.send(m).map_err(|_| reader_gone())
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

/// Reads into `buf` until it is full or the reader ends. An error after some bytes is returned beside them.
fn fill(r: &mut dyn Read, buf: &mut [u8]) -> (usize, Option<io::Error>) {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return (got, Some(e)),
        }
    }
    (got, None)
}

/// The raw blob as the decompressor sees it (a [`BufRead`] over whole chunks). Consumed chunks are hashed here
/// or forwarded to the reader.
struct Feed {
    raw: Box<dyn Read + Send>,
    cur: Vec<u8>,
    pos: usize,
    eof: bool,
    /// An error met after the bytes of `cur`: returned once they are consumed.
    pending: Option<io::Error>,
    /// Blob hash computed on this thread (`None` when the reader hashes or nothing is verified).
    hash: Option<Sha256>,
    /// Forward consumed chunks to the reader (it computes the blob digest).
    forward: bool,
    link: Link,
}

impl Feed {
    /// Hands the consumed current chunk on (hash here, or forward) and reads the next one.
    fn next_chunk(&mut self) -> io::Result<()> {
        self.retire()?;
        if let Some(e) = self.pending.take() {
            return Err(e);
        }
        if self.link.stopped() {
            return Err(reader_gone());
        }
        let mut buf = self.link.buffer();
        let (n, err) = fill(&mut *self.raw, &mut buf);
        buf.truncate(n);
        match err {
            Some(e) if n == 0 => return Err(e),
            Some(e) => self.pending = Some(e),
            None if n == 0 => self.eof = true,
            None => {}
        }
        self.cur = buf;
        self.pos = 0;
        Ok(())
    }

    /// Passes the current chunk to the blob hash.
    fn retire(&mut self) -> io::Result<()> {
        if self.cur.is_empty() {
            return Ok(());
        }
        let chunk = mem::take(&mut self.cur);
        self.pos = 0;
        if let Some(h) = &mut self.hash {
            h.update(&chunk);
        }
        if self.forward {
            self.link.send(Msg::Raw(chunk))?;
        }
        Ok(())
    }

    /// Reads the rest of the blob (what the decompressor left: padding after the last frame) for the hash.
    fn drain(&mut self) -> io::Result<()> {
        loop {
            let n = self.fill_buf()?.len();
            if n == 0 {
                break;
            }
            self.consume(n);
        }
        self.retire()
    }
}

impl Read for Feed {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let avail = self.fill_buf()?;
        let n = avail.len().min(out.len());
        out[..n].copy_from_slice(&avail[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Feed {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos == self.cur.len() && !self.eof {
            self.next_chunk()?;
        }
        Ok(&self.cur[self.pos..])
    }

    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.cur.len());
    }
}

enum Decoder {
    Gzip(Box<flate2::bufread::MultiGzDecoder<Feed>>),
    Zstd(Box<zstd::stream::read::Decoder<'static, Feed>>),
}

impl Decoder {
    fn feed(&mut self) -> &mut Feed {
        match self {
            Decoder::Gzip(d) => d.get_mut(),
            Decoder::Zstd(d) => d.get_mut(),
        }
    }

    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Decoder::Gzip(d) => d.read(buf),
            Decoder::Zstd(d) => d.read(buf),
        }
    }
}

/// What a producer needs to name its layer in errors.
struct Names {
    index: usize,
    label: String,
}

impl Names {
    fn layer_err(&self, message: String) -> io::Error {
        io::Error::other(SourceError::Layer {
            index: self.index,
            layer: self.label.clone(),
            message,
        })
    }

    /// A decompressor error as the single-threaded stream reports it.
    fn read_err(&self, e: io::Error) -> io::Error {
        if e.get_ref().is_some_and(|i| i.is::<SourceError>()) {
            e
        } else {
            self.layer_err(format!("corrupt or truncated blob: {e}"))
        }
    }
}

/// The producer of a compressed blob: decompress into chunks until the end, an error, or the reader leaves.
fn produce_decoded(mut dec: Decoder, names: &Names) {
    loop {
        if dec.feed().link.stopped() {
            return;
        }
        let mut out = dec.feed().link.buffer();
        let mut filled = 0;
        let mut end = false;
        let mut err = None;
        while filled < out.len() {
            match dec.read(&mut out[filled..]) {
                Ok(0) => {
                    end = true;
                    break;
                }
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    err = Some(e);
                    break;
                }
            }
        }
        out.truncate(filled);
        let feed = dec.feed();
        if filled > 0 && feed.link.send(Msg::Data(out)).is_err() {
            return;
        }
        if let Some(e) = err {
            if !feed.link.stopped() {
                let _ = feed.link.send(Msg::Err(names.read_err(e)));
            }
            return;
        }
        if end {
            let msg = match feed.drain() {
                Ok(()) => Msg::End {
                    blob: feed.hash.take().map(|h| h.finalize().into()),
                    diff: None,
                },
                Err(e) => Msg::Err(names.layer_err(format!("reading the end of the blob: {e}"))),
            };
            let _ = feed.link.send(msg);
            return;
        }
    }
}

/// The producer of a plain blob: read and hash (blob digest and, when it differs, diff ID) on this thread.
fn produce_plain(mut feed: Feed, mut diff: Option<Sha256>, names: &Names) {
    // The bytes read to detect the format come first.
    let mut prefix = Some(mem::take(&mut feed.cur)).filter(|p| !p.is_empty());
    loop {
        if feed.link.stopped() {
            return;
        }
        let (buf, n, err) = match prefix.take() {
            Some(p) => {
                let n = p.len();
                (p, n, None)
            }
            None => {
                let mut buf = feed.link.buffer();
                let (n, err) = fill(&mut *feed.raw, &mut buf);
                buf.truncate(n);
                (buf, n, err)
            }
        };
        if n > 0 {
            if let Some(h) = &mut feed.hash {
                h.update(&buf);
            }
            if let Some(h) = &mut diff {
                h.update(&buf);
            }
            if feed.link.send(Msg::Data(buf)).is_err() {
                return;
            }
        }
        let msg = match err {
            Some(e) => Msg::Err(names.read_err(e)),
            None if n == 0 => Msg::End {
                blob: feed.hash.take().map(|h| h.finalize().into()),
                diff: diff.take().map(|h| h.finalize().into()),
            },
            None => continue,
        };
        let _ = feed.link.send(msg);
        return;
    }
}

/// Where the decompressed stream stands.
enum State {
    Open,
    Done,
    /// An error was returned; later reads fail again with this text.
    Failed(String),
}

/// The reader side: hands the producer's chunks to the caller, hashing what the split gave it.
pub(crate) struct ThreadedLayer {
    rx: Option<Receiver<Msg>>,
    pool: Sender<Vec<u8>>,
    cur: Vec<u8>,
    pos: usize,
    /// Blob digest computed here from forwarded raw chunks.
    blob: Option<Sha256>,
    /// Diff ID computed here from the decompressed chunks.
    diff: Option<Sha256>,
    blob_expected: Option<String>,
    diff_expected: Option<String>,
    id: LayerIdentity,
    state: State,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    /// Chunks the producer allocated (see [`Link`]).
    allocated: Arc<AtomicUsize>,
}

/// The digests to verify (lowercase hex of sha256), when known.
pub(crate) struct Expect {
    pub(crate) blob: Option<String>,
    pub(crate) diff: Option<String>,
}

/// Starts the producer thread for `raw` (whose first bytes, `prefix`, were already read to detect `kind`).
pub(crate) fn spawn(
    raw: Box<dyn Read + Send>,
    prefix: Vec<u8>,
    kind: Compression,
    expect: Expect,
    id: LayerIdentity,
) -> Result<ThreadedLayer, SourceError> {
    let layer_err = |message: String| SourceError::Layer {
        index: id.index,
        layer: id.label.clone(),
        message,
    };
    let (tx, rx) = sync_channel(DEPTH);
    let (pool_tx, pool_rx) = channel();
    let stop = Arc::new(AtomicBool::new(false));
    let allocated = Arc::new(AtomicUsize::new(0));
    let plain = kind == Compression::None;
    // A plain blob whose digest is its diff ID needs hashing once only.
    let same = plain && expect.blob.is_some() && expect.blob == expect.diff;
    let feed = Feed {
        raw,
        cur: prefix,
        pos: 0,
        eof: false,
        pending: None,
        hash: (plain && expect.blob.is_some()).then(Sha256::new),
        forward: !plain && expect.blob.is_some(),
        link: Link {
            tx,
            pool: pool_rx,
            stop: Arc::clone(&stop),
            allocated: Arc::clone(&allocated),
        },
    };
    let names = Names {
        index: id.index,
        label: id.label.clone(),
    };
    let builder = std::thread::Builder::new().name(format!("layer-{}", id.index));
    let diff = (plain && !same && expect.diff.is_some()).then(Sha256::new);
    // The decoder is made on the producer thread: gzip's reads the header as it is made.
    let err_tx = feed.link.tx.clone();
    let spawned = builder.spawn(move || match kind {
        Compression::None => produce_plain(feed, diff, &names),
        Compression::Gzip => produce_decoded(
            Decoder::Gzip(Box::new(flate2::bufread::MultiGzDecoder::new(feed))),
            &names,
        ),
        Compression::Zstd => match zstd::stream::read::Decoder::with_buffer(feed) {
            Ok(d) => produce_decoded(Decoder::Zstd(Box::new(d)), &names),
            Err(e) => {
                let _ = err_tx.send(Msg::Err(names.layer_err(format!("zstd: {e}"))));
            }
        },
    });
    let thread =
        spawned.map_err(|e| layer_err(format!("cannot start a decompression thread: {e}")))?;
    Ok(ThreadedLayer {
        rx: Some(rx),
        pool: pool_tx,
        cur: Vec::new(),
        pos: 0,
        blob: (!plain && expect.blob.is_some()).then(Sha256::new),
        diff: (!plain && expect.diff.is_some()).then(Sha256::new),
        blob_expected: expect.blob,
        diff_expected: if same { None } else { expect.diff },
        id,
        state: State::Open,
        stop,
        thread: Some(thread),
        allocated,
    })
}

impl ThreadedLayer {
    fn layer_err(&self, message: String) -> io::Error {
        io::Error::other(SourceError::Layer {
            index: self.id.index,
            layer: self.id.label.clone(),
            message,
        })
    }

    /// Waits for the producer (it has sent its last message, or is stopping).
    fn join(&mut self) {
        if let Some(t) = self.thread.take() {
            // A producer that panicked has already shown up as a closed channel; nothing more to report.
            let _ = t.join();
        }
    }

    /// Checks the digests once the producer reported the end.
    fn verify(&mut self, blob: Option<[u8; 32]>, diff: Option<[u8; 32]>) -> io::Result<()> {
        if let Some(expected) = self.blob_expected.take()
            && let Some(actual) = blob.or_else(|| self.blob.take().map(|h| h.finalize().into()))
        {
            self.id.check("blob digest", &expected, &actual)?;
        }
        if let Some(expected) = self.diff_expected.take()
            && let Some(actual) = diff.or_else(|| self.diff.take().map(|h| h.finalize().into()))
        {
            self.id.check("diff ID", &expected, &actual)?;
        }
        Ok(())
    }

    /// Gets the next chunk of decompressed bytes into `cur`; `false` at the end of the stream.
    fn next(&mut self) -> io::Result<bool> {
        loop {
            let msg = match &self.rx {
                Some(rx) => rx.recv(),
                None => return Ok(false),
            };
            match msg {
                Ok(Msg::Data(v)) => {
                    if let Some(h) = &mut self.diff {
                        h.update(&v);
                    }
                    let old = mem::replace(&mut self.cur, v);
                    self.pos = 0;
                    if old.capacity() > 0 {
                        let _ = self.pool.send(old);
                    }
                    return Ok(true);
                }
                Ok(Msg::Raw(v)) => {
                    if let Some(h) = &mut self.blob {
                        h.update(&v);
                    }
                    let _ = self.pool.send(v);
                }
                Ok(Msg::End { blob, diff }) => {
                    self.join();
                    tracing::trace!(
                        layer = %self.id.label,
                        chunks = self.allocated.load(Ordering::Relaxed),
                        "layer stream ended"
                    );
                    self.verify(blob, diff)?;
                    return Ok(false);
                }
                Ok(Msg::Err(e)) => {
                    self.join();
                    return Err(e);
                }
                Err(_) => {
                    self.join();
                    return Err(
                        self.layer_err("the decompression thread ended unexpectedly".into())
                    );
                }
            }
        }
    }
}

impl Read for ThreadedLayer {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        while self.pos == self.cur.len() {
            match &self.state {
                State::Open => {}
                State::Done => return Ok(0),
                State::Failed(m) => {
                    return Err(io::Error::other(format!(
                        "{m} (read again after the error)"
                    )));
                }
            }
            match self.next() {
                Ok(true) => {}
                Ok(false) => {
                    self.state = State::Done;
                    return Ok(0);
                }
                Err(e) => {
                    self.state = State::Failed(e.to_string());
                    return Err(e);
                }
            }
        }
        let n = (self.cur.len() - self.pos).min(buf.len());
        buf[..n].copy_from_slice(&self.cur[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

impl Drop for ThreadedLayer {
    fn drop(&mut self) {
        // Stop before the next raw read, and fail any send (a producer blocked on a full channel wakes up).
        self.stop.store(true, Ordering::Relaxed);
        self.rx = None;
        self.join();
    }
}

#[cfg(test)]
mod tests;
