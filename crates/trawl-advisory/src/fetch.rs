//! A download cache for upstream feeds: every resource is kept as the publisher served it, beside a small JSON
//! sidecar with its URL, `ETag`, `Last-Modified` and fetch time. A refresh sends `If-None-Match` /
//! `If-Modified-Since`, so a feed that did not change costs a `304` and no payload. A new payload is checked
//! (by the caller's validator: a zip opens, JSON parses...) before it replaces the cached copy, atomically; a
//! failed or damaged download leaves the previous copy in use.

use crate::http::{self, HttpError};
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

/// What the sidecar of a cached resource records.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedMeta {
    /// The URL it came from.
    pub url: String,
    /// The server's `ETag`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// The server's `Last-Modified`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    /// When it was last confirmed current (Unix seconds): a `200` or a `304`.
    pub checked_at: u64,
    /// Size of the cached payload in bytes.
    pub size: u64,
}

/// How one resource was obtained this time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchStatus {
    /// The cached copy is younger than the maximum age: nothing was asked.
    Fresh,
    /// The server said `304 Not Modified`.
    NotModified,
    /// A new payload was downloaded (bytes on the wire after content decoding).
    Downloaded(u64),
    /// The server has no such resource (404/410); nothing is cached.
    Absent,
    /// The fetch failed; the previous copy (if any) stays in use.
    Failed(String),
    /// Offline: the cached copy is used as it is.
    Offline,
}

impl FetchStatus {
    /// Whether the payload changed.
    pub fn changed(&self) -> bool {
        matches!(self, FetchStatus::Downloaded(_))
    }
}

/// The result of [`FeedCache::fetch`].
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The cached file, when there is one (a failed refresh keeps the previous copy).
    pub path: Option<PathBuf>,
    /// What happened.
    pub status: FetchStatus,
    /// Its sidecar, when cached.
    pub meta: Option<CachedMeta>,
}

/// Checks a downloaded payload before it is cached; the error says what is wrong.
pub type Validator = dyn Fn(&Path) -> Result<(), String>;

/// Options of one fetch.
#[derive(Debug, Clone, Copy)]
pub struct FetchPolicy {
    /// A cached copy younger than this is used without asking.
    pub max_age: Duration,
    /// No network: cached copies only.
    pub offline: bool,
}

/// Most bytes an API answer (OSV querybatch, EPSS) may hold.
const API_ANSWER_LIMIT: u64 = 64 << 20;

/// The download cache (`CACHE_DIR/feeds`).
#[derive(Debug, Clone)]
pub struct FeedCache {
    dir: PathBuf,
    agent: ureq::Agent,
    progress: Option<Progress>,
}

/// How far one download is.
#[derive(Debug, Clone, Copy)]
pub struct ProgressEvent<'a> {
    /// What is downloaded.
    pub url: &'a str,
    /// Bytes received so far.
    pub done: u64,
    /// The payload's size, when the server said it.
    pub total: Option<u64>,
    /// The download ended (complete or not).
    pub finished: bool,
}

/// A callback told of each download's progress (a terminal's progress bar).
#[derive(Clone)]
pub struct Progress(pub std::sync::Arc<dyn Fn(&ProgressEvent<'_>) + Send + Sync>);

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Progress(..)")
    }
}

/// Refuses relative paths that would leave the cache (`..`, absolute, empty components).
fn safe_rel(rel: &str) -> Result<PathBuf, String> {
    let mut out = PathBuf::new();
    for c in rel.split('/') {
        if c.is_empty() || c == "." || c == ".." || c.contains('\\') || c.contains('\0') {
            return Err(format!("unsafe cache path `{rel}`"));
        }
        out.push(c);
    }
    if out.as_os_str().is_empty() {
        return Err("empty cache path".to_owned());
    }
    Ok(out)
}

impl FeedCache {
    /// A cache rooted at `dir` (created on first write); downloads give up after `timeout`.
    pub fn new(dir: &Path, timeout: Duration) -> Self {
        FeedCache {
            dir: dir.to_owned(),
            agent: http::agent(timeout),
            progress: None,
        }
    }

    /// Tells `progress` how each download goes.
    #[must_use]
    pub fn with_progress(mut self, progress: Option<Progress>) -> Self {
        self.progress = progress;
        self
    }

    /// The cache directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where `rel` is cached and its sidecar.
    fn paths(&self, rel: &str) -> Result<(PathBuf, PathBuf), String> {
        let p = self.dir.join(safe_rel(rel)?);
        let mut side = p.clone().into_os_string();
        side.push(".trawlmeta");
        Ok((p, PathBuf::from(side)))
    }

    /// The sidecar of a cached resource, if any.
    pub fn meta(&self, rel: &str) -> Option<CachedMeta> {
        let (path, side) = self.paths(rel).ok()?;
        if !path.is_file() {
            return None;
        }
        let bytes = std::fs::read(side).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// The cached copy of `rel`, if any.
    pub fn cached(&self, rel: &str) -> Option<PathBuf> {
        let (path, _) = self.paths(rel).ok()?;
        path.is_file().then_some(path)
    }

    /// Fetches `url` into the cache as `rel` (a relative path), conditionally when a copy exists.
    pub fn fetch(
        &self,
        url: &str,
        rel: &str,
        policy: FetchPolicy,
        validate: &Validator,
    ) -> Fetched {
        let (path, side) = match self.paths(rel) {
            Ok(p) => p,
            Err(e) => {
                return Fetched {
                    path: None,
                    status: FetchStatus::Failed(e),
                    meta: None,
                };
            }
        };
        let old = self.meta(rel).filter(|m| m.url == url);
        let have = old.is_some().then(|| path.clone());
        if policy.offline {
            return Fetched {
                path: have,
                status: FetchStatus::Offline,
                meta: old,
            };
        }
        if let Some(m) = &old
            && trawl_types::time::unix_now().saturating_sub(m.checked_at) < policy.max_age.as_secs()
        {
            return Fetched {
                path: have,
                status: FetchStatus::Fresh,
                meta: old,
            };
        }
        match self.download(url, &path, &side, old.as_ref(), validate) {
            Ok((status, meta)) => Fetched {
                path: Some(path),
                status,
                meta: Some(meta),
            },
            Err(DownloadError::Absent) => Fetched {
                path: None,
                status: FetchStatus::Absent,
                meta: None,
            },
            Err(DownloadError::Other(e)) => Fetched {
                path: have,
                status: FetchStatus::Failed(e),
                meta: old,
            },
        }
    }

    /// GETs `url` and returns the answer, up to 64 MiB (not cached: callers cache what they derive).
    pub fn get_bytes(&self, url: &str) -> Result<Vec<u8>, HttpError> {
        let resp = self
            .agent
            .get(url)
            .call()
            .map_err(|e| http::transport(url, &e))?;
        http::read_answer(url, resp, API_ANSWER_LIMIT)
    }

    /// POSTs `body` (JSON) to `url` and returns the answer, up to 64 MiB (not cached: callers cache what they
    /// derive).
    pub fn post_json(&self, url: &str, body: &serde_json::Value) -> Result<Vec<u8>, HttpError> {
        let resp = self
            .agent
            .post(url)
            .header("Content-Type", "application/json")
            .send(body.to_string())
            .map_err(|e| http::transport(url, &e))?;
        http::read_answer(url, resp, API_ANSWER_LIMIT)
    }

    fn download(
        &self,
        url: &str,
        path: &Path,
        side: &Path,
        old: Option<&CachedMeta>,
        validate: &Validator,
    ) -> Result<(FetchStatus, CachedMeta), DownloadError> {
        if !http::is_url(url) {
            return self.copy_local(url, path, side, old, validate);
        }
        let mut req = self.agent.get(url);
        if let Some(m) = old {
            if let Some(etag) = &m.etag {
                req = req.header("If-None-Match", etag);
            }
            if let Some(lm) = &m.last_modified {
                req = req.header("If-Modified-Since", lm);
            }
        }
        let mut resp = req
            .call()
            .map_err(|e| DownloadError::Other(http::transport(url, &e).to_string()))?;
        let status = resp.status().as_u16();
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let etag = header("etag");
        let last_modified = header("last-modified");
        if status == 304
            && let Some(m) = old
        {
            let mut meta = m.clone();
            meta.checked_at = trawl_types::time::unix_now();
            if etag.is_some() {
                meta.etag = etag;
            }
            write_meta(side, &meta).map_err(DownloadError::Other)?;
            return Ok((FetchStatus::NotModified, meta));
        }
        if status == 404 || status == 410 {
            return Err(DownloadError::Absent);
        }
        if !(200..300).contains(&status) {
            return Err(DownloadError::Other(format!("{url}: HTTP {status}")));
        }
        let dir = path.parent().unwrap_or(&self.dir);
        std::fs::create_dir_all(dir)
            .map_err(|e| DownloadError::Other(format!("{}: {e}", dir.display())))?;
        let mut tmp = tempfile::Builder::new()
            .prefix(".trawl-feed-")
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(|e| DownloadError::Other(format!("{}: {e}", dir.display())))?;
        // The size on the wire is the payload's only when it is not content-encoded.
        let total = header("content-length")
            .filter(|_| header("content-encoding").is_none())
            .and_then(|l| l.trim().parse::<u64>().ok());
        let mut reader = resp.body_mut().with_config().limit(u64::MAX).reader();
        let progress = self.progress.clone();
        let tell = |done: u64, finished: bool| {
            if let Some(p) = &progress {
                (p.0)(&ProgressEvent {
                    url,
                    done,
                    total,
                    finished,
                });
            }
        };
        let copied = copy_counting(&mut reader, tmp.as_file_mut(), &mut |n| tell(n, false));
        tell(copied.as_ref().map_or(0, |n| *n), true);
        let size =
            copied.map_err(|e| DownloadError::Other(format!("{url}: download cut short: {e}")))?;
        validate(tmp.path()).map_err(|e| DownloadError::Other(format!("{url}: {e}")))?;
        let meta = CachedMeta {
            url: url.to_owned(),
            etag,
            last_modified,
            checked_at: trawl_types::time::unix_now(),
            size,
        };
        tmp.persist(path)
            .map_err(|e| DownloadError::Other(format!("{}: {}", path.display(), e.error)))?;
        write_meta(side, &meta).map_err(DownloadError::Other)?;
        Ok((FetchStatus::Downloaded(size), meta))
    }

    /// A location that is a directory or file (a mirror on disk, an offline bundle): copied when it changed.
    fn copy_local(
        &self,
        src: &str,
        path: &Path,
        side: &Path,
        old: Option<&CachedMeta>,
        validate: &Validator,
    ) -> Result<(FetchStatus, CachedMeta), DownloadError> {
        let src_path = Path::new(src.strip_prefix("file://").unwrap_or(src));
        let md = match std::fs::metadata(src_path) {
            Ok(m) if m.is_file() => m,
            Ok(_) => return Err(DownloadError::Other(format!("{src}: not a regular file"))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(DownloadError::Absent);
            }
            Err(e) => return Err(DownloadError::Other(format!("{src}: {e}"))),
        };
        let stamp = md
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map(|d| format!("{}.{}:{}", d.as_secs(), d.subsec_nanos(), md.len()));
        if let Some(m) = old
            && m.etag.is_some()
            && m.etag == stamp
        {
            let mut meta = m.clone();
            meta.checked_at = trawl_types::time::unix_now();
            write_meta(side, &meta).map_err(DownloadError::Other)?;
            return Ok((FetchStatus::NotModified, meta));
        }
        validate(src_path).map_err(|e| DownloadError::Other(format!("{src}: {e}")))?;
        let dir = path.parent().unwrap_or(&self.dir);
        std::fs::create_dir_all(dir)
            .map_err(|e| DownloadError::Other(format!("{}: {e}", dir.display())))?;
        let mut tmp = tempfile::Builder::new()
            .prefix(".trawl-feed-")
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(|e| DownloadError::Other(format!("{}: {e}", dir.display())))?;
        let mut f = std::fs::File::open(src_path)
            .map_err(|e| DownloadError::Other(format!("{src}: {e}")))?;
        let size = copy_counting(&mut f, tmp.as_file_mut(), &mut |_| {})
            .map_err(|e| DownloadError::Other(format!("{src}: {e}")))?;
        let meta = CachedMeta {
            url: src.to_owned(),
            etag: stamp,
            last_modified: None,
            checked_at: trawl_types::time::unix_now(),
            size,
        };
        tmp.persist(path)
            .map_err(|e| DownloadError::Other(format!("{}: {}", path.display(), e.error)))?;
        write_meta(side, &meta).map_err(DownloadError::Other)?;
        Ok((FetchStatus::Downloaded(size), meta))
    }
}

enum DownloadError {
    Absent,
    Other(String),
}

/// Copies `r` into `w` (then syncs it), telling `tick` the bytes copied so far after each chunk.
fn copy_counting(
    r: &mut dyn Read,
    w: &mut std::fs::File,
    tick: &mut dyn FnMut(u64),
) -> std::io::Result<u64> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut n = 0u64;
    loop {
        let k = match r.read(&mut buf) {
            Ok(0) => break,
            Ok(k) => k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        w.write_all(&buf[..k])?;
        n += k as u64;
        tick(n);
    }
    w.flush()?;
    w.sync_all()?;
    Ok(n)
}

fn write_meta(side: &Path, meta: &CachedMeta) -> Result<(), String> {
    let dir = side.parent().unwrap_or(Path::new("."));
    let bytes = serde_json::to_vec(meta).map_err(|e| e.to_string())?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".trawl-feed-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    tmp.write_all(&bytes)
        .map_err(|e| format!("{}: {e}", side.display()))?;
    tmp.persist(side)
        .map_err(|e| format!("{}: {}", side.display(), e.error))?;
    Ok(())
}

/// Validators for the payloads trawl fetches.
pub mod validate {
    use std::io::Read;
    use std::path::Path;

    /// A JSON document (parsed through, not kept).
    pub fn json(p: &Path) -> Result<(), String> {
        let f = std::fs::File::open(p).map_err(|e| e.to_string())?;
        serde_json::from_reader::<_, serde::de::IgnoredAny>(std::io::BufReader::new(f))
            .map(|_| ())
            .map_err(|e| format!("not valid JSON: {e}"))
    }

    /// A zip archive whose central directory reads and whose entries inflate.
    pub fn zip(p: &Path) -> Result<(), String> {
        let f = std::fs::File::open(p).map_err(|e| e.to_string())?;
        let mut a = zip::ZipArchive::new(std::io::BufReader::new(f))
            .map_err(|e| format!("not a readable zip archive: {e}"))?;
        for i in 0..a.len() {
            let mut e = a.by_index(i).map_err(|e| format!("zip entry {i}: {e}"))?;
            std::io::copy(&mut e, &mut std::io::sink())
                .map_err(|e| format!("zip entry {i}: {e}"))?;
        }
        Ok(())
    }

    /// A gzip stream that inflates to the end.
    pub fn gzip(p: &Path) -> Result<(), String> {
        let f = std::fs::File::open(p).map_err(|e| e.to_string())?;
        let mut d = flate2::read::MultiGzDecoder::new(std::io::BufReader::new(f));
        std::io::copy(&mut d, &mut std::io::sink())
            .map(|_| ())
            .map_err(|e| format!("bad gzip data: {e}"))
    }

    /// Any non-empty text.
    pub fn text(p: &Path) -> Result<(), String> {
        let mut f = std::fs::File::open(p).map_err(|e| e.to_string())?;
        let mut first = [0u8; 1];
        match f.read(&mut first) {
            Ok(0) => Err("empty".to_owned()),
            Ok(_) => Ok(()),
            Err(e) => Err(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader};
    use std::sync::{Arc, Mutex};

    /// One HTTP/1.1 answer on 127.0.0.1, with a Content-Length.
    fn serve_once(body: Vec<u8>) -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        std::thread::spawn(move || {
            if let Ok((stream, _)) = listener.accept() {
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                let mut w = stream;
                let _ = write!(
                    w,
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nETag: \"x\"\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = w.write_all(&body);
            }
        });
        format!("http://{addr}/feed.json")
    }

    #[test]
    fn a_download_reports_its_progress_to_the_end() {
        let body = format!("[{}0]", "0,".repeat(200_000)).into_bytes();
        let url = serve_once(body.clone());
        let tmp = tempfile::tempdir().expect("tempdir");
        type Events = Vec<(u64, Option<u64>, bool)>;
        let events: Arc<Mutex<Events>> = Arc::default();
        let seen = events.clone();
        let cache = FeedCache::new(tmp.path(), Duration::from_secs(10)).with_progress(Some(
            Progress(Arc::new(move |e| {
                seen.lock()
                    .expect("lock")
                    .push((e.done, e.total, e.finished));
            })),
        ));
        let policy = FetchPolicy {
            max_age: Duration::ZERO,
            offline: false,
        };
        let f = cache.fetch(&url, "x/feed.json", policy, &validate::json);
        assert_eq!(f.status, FetchStatus::Downloaded(body.len() as u64));
        let events = events.lock().expect("lock");
        let size = body.len() as u64;
        assert!(events.len() > 2, "several chunks: {events:?}");
        assert!(events.windows(2).all(|w| w[0].0 <= w[1].0), "monotonic");
        assert!(events.iter().all(|e| e.1 == Some(size)));
        assert_eq!(events.last(), Some(&(size, Some(size), true)));
        assert_eq!(events.iter().filter(|e| e.2).count(), 1);
    }
}
