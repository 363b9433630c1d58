use super::*;
use crate::identity::LayerIdentity;
use crate::stream::open_layer;
use std::io::Write;
use std::sync::atomic::AtomicUsize;
use std::sync::mpsc;

/// Deterministic bytes that compress about 2:1 (so a blob spans several raw chunks).
fn content(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            b"abcdefghijklmnop"[(x % 16) as usize]
        })
        .collect()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).expect("gzip");
    e.finish().expect("gzip")
}

fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::stream::encode_all(data, 1).expect("zstd")
}

fn hex_sha(data: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(data)))
}

fn ident(blob: &[u8], plain: &[u8]) -> LayerIdentity {
    LayerIdentity {
        index: 3,
        label: "sha256:test".into(),
        digest: Some(hex_sha(blob)),
        diff_id: Some(hex_sha(plain)),
    }
}

/// The [`SourceError`] inside an `io::Error`.
fn source_err(e: &io::Error) -> &SourceError {
    e.get_ref()
        .and_then(|i| i.downcast_ref::<SourceError>())
        .unwrap_or_else(|| panic!("not a SourceError: {e:?}"))
}

/// A raw blob that records being dropped (the producer owns it: dropped = the producer finished).
struct Tracked {
    inner: io::Cursor<Vec<u8>>,
    dropped: Arc<AtomicBool>,
    read_bytes: Arc<AtomicUsize>,
}

impl Read for Tracked {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read_bytes.fetch_add(n, Ordering::SeqCst);
        Ok(n)
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.dropped.store(true, Ordering::SeqCst);
    }
}

fn tracked(blob: Vec<u8>) -> (Box<dyn Read + Send>, Arc<AtomicBool>, Arc<AtomicUsize>) {
    let dropped = Arc::new(AtomicBool::new(false));
    let read_bytes = Arc::new(AtomicUsize::new(0));
    let r = Tracked {
        inner: io::Cursor::new(blob),
        dropped: Arc::clone(&dropped),
        read_bytes: Arc::clone(&read_bytes),
    };
    (Box::new(r), dropped, read_bytes)
}

fn read_all(mut r: impl Read) -> (Vec<u8>, io::Result<()>) {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 7919]; // odd size: reads straddle chunk boundaries
    loop {
        match r.read(&mut buf) {
            Ok(0) => return (out, Ok(())),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) => return (out, Err(e)),
        }
    }
}

#[test]
fn blobs_stream_whole_and_verified() {
    // Larger than everything in flight (DEPTH chunks), so the producer waits on the reader.
    let plain = content(3 * 1024 * 1024 + 17);
    let mut two_members = gzip(&plain[..1000]);
    two_members.extend(gzip(&plain[1000..]));
    for (what, blob) in [
        ("gzip", gzip(&plain)),
        ("zstd", zstd(&plain)),
        ("gzip, two members", two_members),
        ("plain", plain.clone()),
    ] {
        assert!(blob.len() > 2 * CHUNK, "{what}: spans several raw chunks");
        let (raw, dropped, _) = tracked(blob.clone());
        let r = open_layer(raw, ident(&blob, &plain)).expect("open");
        let (out, end) = read_all(r);
        end.unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(out == plain, "{what}: same bytes");
        assert!(dropped.load(Ordering::SeqCst), "{what}: producer finished");
    }
}

#[test]
fn plain_blobs_on_the_producer_thread() {
    let plain = content(CHUNK * 3 + 5);
    for same in [true, false] {
        let id = if same {
            ident(&plain, &plain)
        } else {
            LayerIdentity {
                digest: None,
                ..ident(&plain, &plain)
            }
        };
        let expect = expect_of(&id);
        let (raw, dropped, _) = tracked(plain[6..].to_vec());
        let r = spawn(raw, plain[..6].to_vec(), Compression::None, expect, id).expect("spawn");
        let (out, end) = read_all(r);
        end.expect("verified");
        assert!(out == plain);
        assert!(dropped.load(Ordering::SeqCst));
        // A wrong diff ID is caught there too.
        let mut id = ident(&plain, b"other");
        if same {
            id.digest = id.diff_id.clone();
        }
        let expect = expect_of(&id);
        let r = spawn(
            Box::new(io::Cursor::new(plain[6..].to_vec())),
            plain[..6].to_vec(),
            Compression::None,
            expect,
            id,
        )
        .expect("spawn");
        let e = read_all(r).1.expect_err("mismatch");
        assert!(
            matches!(
                source_err(&e),
                SourceError::DigestMismatch { kind, .. } if *kind == (if same { "blob digest" } else { "diff ID" })
            ),
            "{e}"
        );
    }
}

#[test]
fn digest_mismatches_surface_at_the_end() {
    let plain = content(600 * 1024);
    for blob in [gzip(&plain), zstd(&plain)] {
        let wrong_blob = LayerIdentity {
            digest: Some(hex_sha(b"not the blob")),
            ..ident(&blob, &plain)
        };
        let (out, end) = read_all(
            open_layer(Box::new(io::Cursor::new(blob.clone())), wrong_blob).expect("open"),
        );
        assert!(out == plain, "every byte is delivered before the check");
        let e = end.expect_err("blob digest mismatch");
        match source_err(&e) {
            SourceError::DigestMismatch {
                index,
                kind,
                expected,
                actual,
                ..
            } => {
                assert_eq!((*index, *kind), (3, "blob digest"));
                assert_eq!(expected, &hex_sha(b"not the blob"));
                assert_eq!(actual, &hex_sha(&blob));
            }
            other => panic!("{other}"),
        }
        let wrong_diff = LayerIdentity {
            diff_id: Some(hex_sha(b"not the tar")),
            ..ident(&blob, &plain)
        };
        let e = read_all(
            open_layer(Box::new(io::Cursor::new(blob.clone())), wrong_diff).expect("open"),
        )
        .1
        .expect_err("diff ID mismatch");
        assert!(
            matches!(source_err(&e), SourceError::DigestMismatch { kind: "diff ID", actual, .. } if *actual == hex_sha(&plain)),
            "{e}"
        );
        // Without digests to check, nothing is verified and the stream just ends.
        let none = LayerIdentity {
            digest: None,
            diff_id: None,
            ..ident(&blob, &plain)
        };
        let (out, end) = read_all(open_layer(Box::new(io::Cursor::new(blob)), none).expect("open"));
        end.expect("unverified");
        assert!(out == plain);
    }
}

#[test]
fn corrupt_blobs_are_layer_errors_and_stay_failed() {
    let plain = content(2 * 1024 * 1024);
    let gz = gzip(&plain);
    let zs = zstd(&plain);
    let flip = |mut b: Vec<u8>| {
        let mid = b.len() / 2;
        for x in &mut b[mid..mid + 64] {
            *x ^= 0x5a;
        }
        b
    };
    let mut trailing_garbage = gz.clone();
    trailing_garbage.extend_from_slice(b"this is not a gzip member");
    let cases = [
        ("gzip, bytes flipped mid-stream", flip(gz.clone())),
        ("gzip, truncated", gz[..gz.len() / 2].to_vec()),
        ("gzip, trailer cut", gz[..gz.len() - 3].to_vec()),
        ("gzip, garbage after the members", trailing_garbage),
        ("zstd, bytes flipped mid-stream", flip(zs.clone())),
        ("zstd, truncated", zs[..zs.len() / 2].to_vec()),
        ("gzip magic then garbage", {
            let mut g = vec![0x1f, 0x8b];
            g.extend(content(300 * 1024));
            g
        }),
        ("zstd magic then garbage", {
            let mut g = vec![0x28, 0xb5, 0x2f, 0xfd];
            g.extend(content(300 * 1024));
            g
        }),
    ];
    for (what, blob) in cases {
        // The real digests: only the decoder can notice.
        let id = ident(&blob, &plain);
        let (raw, dropped, _) = tracked(blob);
        let mut r = open_layer(raw, id).expect("open");
        let e = read_all(&mut r).1.expect_err(what);
        match source_err(&e) {
            SourceError::Layer {
                index,
                layer,
                message,
            } => {
                assert_eq!((*index, layer.as_str()), (3, "sha256:test"), "{what}");
                assert!(
                    message.starts_with("corrupt or truncated blob: ")
                        || message.starts_with("reading the end of the blob: "),
                    "{what}: {message}"
                );
            }
            other => panic!("{what}: {other}"),
        }
        assert!(dropped.load(Ordering::SeqCst), "{what}: producer finished");
        // Reading again is still an error, never a clean end.
        let again = r.read(&mut [0u8; 16]).expect_err("still failed");
        assert!(
            again.to_string().contains("corrupt") || again.to_string().contains("blob"),
            "{again}"
        );
    }
}

/// A raw blob that fails after `ok` bytes.
struct Failing {
    data: io::Cursor<Vec<u8>>,
    ok: u64,
}

impl Read for Failing {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.data.position() >= self.ok {
            return Err(io::Error::new(
                io::ErrorKind::ConnectionReset,
                "connection reset by the registry",
            ));
        }
        let room = usize::try_from(self.ok - self.data.position()).expect("small");
        let n = buf.len().min(room);
        self.data.read(&mut buf[..n])
    }
}

#[test]
fn raw_read_errors_come_after_the_bytes_before_them() {
    let plain = content(2 * 1024 * 1024);
    for blob in [gzip(&plain), zstd(&plain)] {
        let ok = blob.len() as u64 * 2 / 3;
        let raw = Failing {
            data: io::Cursor::new(blob.clone()),
            ok,
        };
        let (out, end) = read_all(open_layer(Box::new(raw), ident(&blob, &plain)).expect("open"));
        let e = end.expect_err("read error");
        match source_err(&e) {
            SourceError::Layer { message, .. } => {
                assert!(
                    message.contains("connection reset by the registry"),
                    "{message}"
                )
            }
            other => panic!("{other}"),
        }
        assert!(
            !out.is_empty() && plain.starts_with(&out),
            "a prefix of the content came first"
        );
    }
    // A reader that fails instead of ending, once every byte has arrived.
    let blob = gzip(&plain);
    let raw = Failing {
        data: io::Cursor::new(blob.clone()),
        ok: blob.len() as u64,
    };
    let (out, end) = read_all(open_layer(Box::new(raw), ident(&blob, &plain)).expect("open"));
    let e = end.expect_err("read error");
    assert!(
        e.to_string().contains("connection reset by the registry"),
        "{e}"
    );
    assert!(out == plain);
}

#[test]
fn dropping_the_reader_ends_the_producer() {
    let plain = content(16 * 1024 * 1024);
    let blob = gzip(&plain);
    // Dropped unread (the producer fills the channel and waits), after a few bytes, and mid-stream.
    for read_first in [0, 10, 1024 * 1024] {
        let (raw, dropped, read_bytes) = tracked(blob.clone());
        let mut r = open_layer(raw, ident(&blob, &plain)).expect("open");
        let mut got = vec![0u8; read_first];
        r.read_exact(&mut got).expect("read");
        assert!(got == plain[..read_first]);
        drop(r);
        // The reader's Drop waited for the producer, which released the raw blob.
        assert!(dropped.load(Ordering::SeqCst), "after {read_first} bytes");
        // And it stopped early: the producer runs at most a bounded number of chunks ahead.
        let read = read_bytes.load(Ordering::SeqCst);
        assert!(read < blob.len() / 2, "{read} of {} bytes read", blob.len());
    }
}

/// A raw blob whose first read waits until the test opens (or drops) the gate.
struct Gated {
    data: io::Cursor<Vec<u8>>,
    entered: mpsc::Sender<()>,
    gate: mpsc::Receiver<()>,
    dropped: Arc<AtomicBool>,
}

impl Read for Gated {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.data.position() == 0 {
            let _ = self.entered.send(());
            if self.gate.recv().is_err() {
                return Err(io::Error::other("gate closed"));
            }
        }
        self.data.read(buf)
    }
}

impl Drop for Gated {
    fn drop(&mut self) {
        self.dropped.store(true, Ordering::SeqCst);
    }
}

fn expect_of(id: &LayerIdentity) -> Expect {
    Expect {
        blob: id.digest.as_deref().map(|d| d[7..].to_owned()),
        diff: id.diff_id.as_deref().map(|d| d[7..].to_owned()),
    }
}

#[test]
fn dropping_the_reader_while_the_producer_waits_on_the_blob() {
    let plain = content(2 * 1024 * 1024);
    let blob = gzip(&plain);
    for open_gate in [true, false] {
        let (entered_tx, entered) = mpsc::channel();
        let (gate, gate_rx) = mpsc::channel();
        let dropped = Arc::new(AtomicBool::new(false));
        // The 6-byte prefix was read by open_layer; the producer's first read of the rest waits at the gate.
        let raw = Gated {
            data: io::Cursor::new(blob[6..].to_vec()),
            entered: entered_tx,
            gate: gate_rx,
            dropped: Arc::clone(&dropped),
        };
        let id = ident(&blob, &plain);
        let expect = expect_of(&id);
        let r = spawn(
            Box::new(raw),
            blob[..6].to_vec(),
            Compression::Gzip,
            expect,
            id,
        )
        .expect("spawn");
        entered.recv().expect("the producer is inside the raw read");
        let dropper = std::thread::spawn(move || drop(r));
        if open_gate {
            gate.send(()).expect("gate");
        } else {
            drop(gate);
        }
        dropper.join().expect("drop returned");
        assert!(dropped.load(Ordering::SeqCst), "open_gate={open_gate}");
    }
}

#[test]
fn memory_stays_bounded() {
    // A slow reader (small reads) of a large layer: the producer keeps reusing the chunks it gets back.
    let plain = content(6 * 1024 * 1024);
    for blob in [gzip(&plain), zstd(&plain)] {
        let id = ident(&blob, &plain);
        let expect = expect_of(&id);
        let mut r = spawn(
            Box::new(io::Cursor::new(blob[6..].to_vec())),
            blob[..6].to_vec(),
            Compression::detect(&blob).expect("detect"),
            expect,
            id,
        )
        .expect("spawn");
        let mut sink = vec![0u8; 4096];
        let mut total = 0;
        loop {
            let n = r.read(&mut sink).expect("read");
            if n == 0 {
                break;
            }
            total += n;
        }
        assert_eq!(total, plain.len());
        let allocated = r.allocated.load(Ordering::SeqCst);
        assert!(
            allocated <= DEPTH + 3,
            "{allocated} chunks allocated for {} chunks of output",
            plain.len() / CHUNK
        );
    }
}
