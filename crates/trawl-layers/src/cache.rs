//! The per-layer result cache: content-addressed, atomic writes, safe for concurrent processes, bounded.

use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

/// Errors of the cache (reported as warnings by the pipeline: a cache failure never fails a scan).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CacheError {
    /// File system error.
    #[error("cache {path}: {cause}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The error (its text is part of this error's message, so it is not exposed as `source()`: a chain would print it twice).
        cause: std::io::Error,
    },
    /// Encoding the value failed.
    #[error("cache: encoding {key}: {message}")]
    Encode {
        /// The key.
        key: String,
        /// The error.
        message: String,
    },
}

/// A store of layer results by key. Keep it small so a shared backend (Redis, PostgreSQL) can implement it.
pub trait LayerCache: Send + Sync {
    /// The value stored under `key`, if any. A hit refreshes the entry's age.
    fn get(&self, key: &str) -> Option<Vec<u8>>;
    /// Stores `value` under `key` (atomically: readers see the old value, nothing, or the whole new value).
    fn put(&self, key: &str, value: &[u8]) -> Result<(), CacheError>;
}

/// The cache key of a layer: sha256 over the diff ID, the cache format version and every analyzer's name and
/// version (sorted), plus `extra` (anything else that changes results, e.g. options).
pub fn cache_key(
    diff_id: &str,
    format_version: u32,
    analyzers: &[(&str, u32)],
    extra: &str,
) -> String {
    let mut list: Vec<_> = analyzers.to_vec();
    list.sort_unstable();
    let mut h = Sha256::new();
    h.update(b"trawl-layer\0");
    h.update(diff_id.as_bytes());
    h.update(format!("\0{format_version}\0").as_bytes());
    for (name, v) in list {
        h.update(format!("{name}@{v}\0").as_bytes());
    }
    h.update(extra.as_bytes());
    hex::encode(h.finalize())
}

/// Stores a value as zstd-compressed JSON.
pub fn put_json<T: Serialize>(
    cache: &dyn LayerCache,
    key: &str,
    value: &T,
) -> Result<(), CacheError> {
    let json = serde_json::to_vec(value).map_err(|e| CacheError::Encode {
        key: key.to_owned(),
        message: e.to_string(),
    })?;
    let z = zstd::bulk::compress(&json, 3).map_err(|e| CacheError::Encode {
        key: key.to_owned(),
        message: e.to_string(),
    })?;
    cache.put(key, &z)
}

/// Reads a value stored by [`put_json`]; an undecodable entry counts as a miss.
pub fn get_json<T: DeserializeOwned>(cache: &dyn LayerCache, key: &str) -> Option<T> {
    let z = cache.get(key)?;
    let mut json = Vec::new();
    zstd::stream::read::Decoder::new(z.as_slice())
        .ok()?
        .take(1 << 31)
        .read_to_end(&mut json)
        .ok()?;
    serde_json::from_slice(&json).ok()
}

/// Default bound of [`FsCache`]: 2 GiB.
pub const DEFAULT_MAX_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// A [`LayerCache`] in a directory: `layers/KK/KEY.zst` files written with tempfile + rename (no locks: any
/// number of processes may share it), evicted oldest-mtime first beyond a size bound; hits refresh the mtime.
#[derive(Debug)]
pub struct FsCache {
    dir: PathBuf,
    max_bytes: u64,
    /// Bytes written since the last size check.
    written: Mutex<Option<u64>>,
}

impl FsCache {
    /// Opens (creating) the cache rooted at `dir`, bounded to [`DEFAULT_MAX_BYTES`].
    pub fn open(dir: impl Into<PathBuf>) -> Result<FsCache, CacheError> {
        let dir = dir.into();
        let layers = dir.join("layers");
        fs::create_dir_all(&layers).map_err(|e| CacheError::Io {
            path: layers.clone(),
            cause: e,
        })?;
        fs::create_dir_all(dir.join("tmp")).map_err(|e| CacheError::Io {
            path: dir.join("tmp"),
            cause: e,
        })?;
        // Entries half-written by killed runs (their process gone, or idle for an hour; see trawl-fs).
        trawl_fs::remove_stale_temps(&dir.join("tmp"), "layer");
        Ok(FsCache {
            dir,
            max_bytes: DEFAULT_MAX_BYTES,
            written: Mutex::new(None),
        })
    }

    /// Sets the size bound.
    #[must_use]
    pub fn with_max_bytes(mut self, max_bytes: u64) -> FsCache {
        self.max_bytes = max_bytes;
        self
    }

    /// The cache root.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn entry_path(&self, key: &str) -> Option<PathBuf> {
        if key.len() < 3
            || !key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return None;
        }
        Some(
            self.dir
                .join("layers")
                .join(&key[..2])
                .join(format!("{key}.zst")),
        )
    }

    /// Total size of the entries, and the entries oldest first.
    fn scan(&self) -> (u64, Vec<(SystemTime, u64, PathBuf)>) {
        let mut all = Vec::new();
        let mut total = 0;
        let Ok(subs) = fs::read_dir(self.dir.join("layers")) else {
            return (0, all);
        };
        for sub in subs.flatten() {
            let Ok(files) = fs::read_dir(sub.path()) else {
                continue;
            };
            for f in files.flatten() {
                let Ok(m) = f.metadata() else { continue };
                if !m.is_file() {
                    continue;
                }
                total += m.len();
                all.push((
                    m.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                    m.len(),
                    f.path(),
                ));
            }
        }
        all.sort();
        (total, all)
    }

    /// Deletes the oldest entries until the cache is under 90% of its bound. Returns the bytes freed.
    pub fn evict(&self) -> u64 {
        let (mut total, entries) = self.scan();
        if total <= self.max_bytes {
            return 0;
        }
        let target = self.max_bytes / 10 * 9;
        let mut freed = 0;
        for (_, len, path) in entries {
            if total <= target {
                break;
            }
            // Another process may have removed it already: fine.
            if fs::remove_file(&path).is_ok() {
                freed += len;
            }
            total = total.saturating_sub(len);
        }
        // Stale temporaries of crashed writers (older than a day).
        if let Ok(tmps) = fs::read_dir(self.dir.join("tmp")) {
            for t in tmps.flatten() {
                let old = t
                    .metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|m| m.elapsed().ok())
                    .is_some_and(|age| age.as_secs() > 86_400);
                if old {
                    let _ = fs::remove_file(t.path());
                }
            }
        }
        freed
    }

    /// Current total size of the entries.
    pub fn size(&self) -> u64 {
        self.scan().0
    }
}

impl LayerCache for FsCache {
    fn get(&self, key: &str) -> Option<Vec<u8>> {
        let path = self.entry_path(key)?;
        let mut f = fs::File::open(&path).ok()?;
        let mut out = Vec::new();
        f.read_to_end(&mut out).ok()?;
        // Refresh the age (for eviction); failure is harmless.
        let _ = fs::File::options()
            .write(true)
            .open(&path)
            .and_then(|w| w.set_modified(SystemTime::now()));
        Some(out)
    }

    fn put(&self, key: &str, value: &[u8]) -> Result<(), CacheError> {
        let path = self.entry_path(key).ok_or_else(|| CacheError::Encode {
            key: key.to_owned(),
            message: "invalid cache key".into(),
        })?;
        let parent = path.parent().expect("entry paths have a parent");
        fs::create_dir_all(parent).map_err(|e| CacheError::Io {
            path: parent.to_owned(),
            cause: e,
        })?;
        let tmp_dir = self.dir.join("tmp");
        fs::create_dir_all(&tmp_dir).map_err(|e| CacheError::Io {
            path: tmp_dir.clone(),
            cause: e,
        })?;
        let mut tmp = trawl_fs::temp_file(&tmp_dir, "layer").map_err(|e| CacheError::Io {
            path: tmp_dir.clone(),
            cause: e,
        })?;
        tmp.write_all(value).map_err(|e| CacheError::Io {
            path: tmp.path().to_owned(),
            cause: e,
        })?;
        tmp.persist(&path).map_err(|e| CacheError::Io {
            path: path.clone(),
            cause: e.error,
        })?;
        // Check the bound on the first write of this process and then every 10% of the bound written.
        let check = {
            let mut w = self
                .written
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let acc = w.get_or_insert(u64::MAX / 2);
            *acc = acc.saturating_add(value.len() as u64);
            if *acc >= self.max_bytes / 10 {
                *acc = 0;
                true
            } else {
                false
            }
        };
        if check {
            self.evict();
        }
        Ok(())
    }
}
