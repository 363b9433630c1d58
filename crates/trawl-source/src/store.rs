//! Random or sequential access to the files of an outer container: a directory (OCI layout), a plain tar
//! (seekable: entry offsets are recorded once) or a compressed tar (not seekable: read sequentially, with
//! decoders parked at their position so that layers opened in order cost one pass).

use crate::SourceError;
use crate::stream::decompress_any;
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Opens the raw bytes of one blob.
pub type RawOpener = Arc<dyn Fn() -> Result<Box<dyn Read + Send>, SourceError> + Send + Sync>;

/// Called during the indexing pass of a compressed archive with each large entry (a candidate layer blob):
/// entry name, size, raw bytes. Lets a caller analyse layers in the same pass (see `open_prefetch`).
pub type Prefetch<'a> = dyn FnMut(&str, u64, &mut dyn Read) + 'a;

/// Largest manifest/index/config we read into memory.
pub(crate) const MAX_METADATA: u64 = 32 * 1024 * 1024;

/// Files of an image container, by relative path.
pub(crate) trait Store: Send + Sync {
    /// The archive or directory (for messages).
    fn path(&self) -> &Path;
    /// Whether `name` exists (after following the archive's own symlinks).
    fn exists(&self, name: &str) -> bool;
    /// Reads a small file whole.
    fn read(&self, name: &str) -> Result<Vec<u8>, SourceError>;
    /// An opener of the raw bytes of `name`, and its size.
    fn opener(self: Arc<Self>, name: &str) -> Result<(RawOpener, u64), SourceError>;
    /// Whether blobs are best read one at a time, in archive order.
    fn sequential(&self) -> bool;
}

/// Normalises a relative path inside an archive: strips `./` and leading `/`, refuses `..` escapes.
pub(crate) fn normalize(name: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for c in Path::new(name).components() {
        match c {
            Component::Normal(p) => parts.push(p.to_str()?),
            Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
            Component::ParentDir => {
                parts.pop()?;
            }
        }
    }
    Some(parts.join("/"))
}

/// The blob path of a digest in an OCI layout (`blobs/sha256/HEX`).
pub(crate) fn blob_path(digest: &str) -> Option<String> {
    let (alg, hex) = digest.split_once(':')?;
    let ok = !alg.is_empty()
        && alg
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'.' || b == b'_' || b == b'-')
        && !hex.is_empty()
        && hex
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'=' || b == b'_' || b == b'-');
    ok.then(|| format!("blobs/{alg}/{hex}"))
}

// ---------------------------------------------------------------------------------------------------------------
// Directory

pub(crate) struct DirStore {
    root: PathBuf,
}

impl DirStore {
    pub(crate) fn new(root: PathBuf) -> Self {
        DirStore { root }
    }

    fn full(&self, name: &str) -> Result<PathBuf, SourceError> {
        let rel = normalize(name).filter(|n| !n.is_empty()).ok_or_else(|| {
            SourceError::invalid(&self.root, name, "path escapes the layout directory")
        })?;
        Ok(self.root.join(rel))
    }
}

impl Store for DirStore {
    fn path(&self) -> &Path {
        &self.root
    }

    fn exists(&self, name: &str) -> bool {
        self.full(name).is_ok_and(|p| p.is_file())
    }

    fn read(&self, name: &str) -> Result<Vec<u8>, SourceError> {
        let p = self.full(name)?;
        let f = File::open(&p).map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                SourceError::Missing {
                    path: self.root.clone(),
                    entry: name.to_owned(),
                }
            } else {
                SourceError::io(&p, e)
            }
        })?;
        let mut out = Vec::new();
        f.take(MAX_METADATA + 1)
            .read_to_end(&mut out)
            .map_err(|e| SourceError::io(&p, e))?;
        if out.len() as u64 > MAX_METADATA {
            return Err(SourceError::invalid(
                &self.root,
                name,
                "larger than 32 MiB: not a manifest or config",
            ));
        }
        Ok(out)
    }

    fn opener(self: Arc<Self>, name: &str) -> Result<(RawOpener, u64), SourceError> {
        let p = self.full(name)?;
        let meta = std::fs::metadata(&p).map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                SourceError::Missing {
                    path: self.root.clone(),
                    entry: name.to_owned(),
                }
            } else {
                SourceError::io(&p, e)
            }
        })?;
        let opener: RawOpener = Arc::new(move || {
            let f = File::open(&p).map_err(|e| SourceError::io(&p, e))?;
            Ok(Box::new(f) as Box<dyn Read + Send>)
        });
        Ok((opener, meta.len()))
    }

    fn sequential(&self) -> bool {
        false
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Tar (plain or compressed)

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
enum TarItem {
    File { offset: u64, size: u64 },
    Link(String),
}

/// A decoder of the outer archive, positioned at `pos` bytes of the uncompressed stream.
struct Parked {
    pos: u64,
    dec: Box<dyn Read + Send>,
}

pub(crate) struct TarStore {
    path: PathBuf,
    items: HashMap<String, TarItem>,
    compressed: bool,
    /// Small entries kept from the indexing pass (compressed archives only).
    small: HashMap<String, Vec<u8>>,
    parked: Mutex<Vec<Parked>>,
    /// Loaded from a saved index (see [`TarStore::open`]).
    from_saved_index: bool,
}

/// Small entries kept in memory while indexing a compressed archive: at most this much per entry...
const KEEP_ENTRY: u64 = 1024 * 1024;
/// ... and in total.
const KEEP_TOTAL: u64 = 16 * 1024 * 1024;

impl TarStore {
    /// Indexes the archive at `path` (one pass). For a compressed archive, the index (entry offsets plus the
    /// small metadata entries) is kept under `index_dir`, keyed by the file's identity (device, inode, size,
    /// modification time), so that re-scanning the same file does not decompress it just to find its manifest.
    pub(crate) fn open(
        path: &Path,
        index_dir: Option<&Path>,
        prefetch: Option<&mut Prefetch<'_>>,
    ) -> Result<TarStore, SourceError> {
        let key = saved_index_file(path, index_dir);
        if let Some(k) = &key
            && let Some(saved) = load_index(k)
        {
            match saved.check() {
                Ok(small) => {
                    return Ok(TarStore {
                        path: path.to_owned(),
                        items: saved.items,
                        compressed: true,
                        small,
                        parked: Mutex::new(Vec::new()),
                        from_saved_index: true,
                    });
                }
                Err(why) => {
                    tracing::warn!(
                        "{}: the saved index of {} is wrong ({why}); indexing the archive again",
                        k.display(),
                        path.display()
                    );
                    let _ = std::fs::remove_file(k);
                }
            }
        }
        let store = Self::index(path, prefetch)?;
        if store.compressed
            && let Some(k) = &key
        {
            save_index(k, &store);
        }
        Ok(store)
    }

    fn index(
        path: &Path,
        mut prefetch: Option<&mut Prefetch<'_>>,
    ) -> Result<TarStore, SourceError> {
        let mut f = File::open(path).map_err(|e| SourceError::io(path, e))?;
        let mut magic = [0u8; 6];
        let n = crate::stream::read_prefix(&mut f, 6).map_err(|e| SourceError::io(path, e))?;
        magic[..n.len()].copy_from_slice(&n);
        let kind =
            crate::identity::Compression::detect(&n).map_err(|m| SourceError::UnknownFormat {
                path: path.to_owned(),
                reason: m,
            })?;
        f.seek(SeekFrom::Start(0))
            .map_err(|e| SourceError::io(path, e))?;
        let mut items = HashMap::new();
        let mut small = HashMap::new();
        let compressed = kind != crate::identity::Compression::None;
        let bad = |e: io::Error| {
            SourceError::invalid(path, "tar", format!("not a readable tar archive: {e}"))
        };
        if compressed {
            let dec = decompress_any(Box::new(io::BufReader::with_capacity(256 * 1024, f)))
                .map_err(bad)?;
            let mut ar = tar::Archive::new(crate::TarGuard::new(dec, crate::MAX_TAR_EXTENSION));
            let mut kept = 0u64;
            for entry in ar.entries().map_err(bad)? {
                let mut entry = entry.map_err(bad)?;
                let Some((name, item)) = index_entry(&entry) else {
                    continue;
                };
                if let TarItem::File { size, .. } = item
                    && size <= KEEP_ENTRY
                    && kept + size <= KEEP_TOTAL
                {
                    let mut buf = Vec::with_capacity(size as usize);
                    entry.read_to_end(&mut buf).map_err(bad)?;
                    kept += size;
                    small.insert(name.clone(), buf);
                } else if let TarItem::File { size, .. } = item
                    && let Some(f) = prefetch.as_mut()
                {
                    // A candidate layer blob, streaming past anyway: let the caller read it now.
                    f(&name, size, &mut entry);
                }
                items.insert(name, item);
            }
        } else {
            let mut ar = tar::Archive::new(crate::TarGuard::new(f, crate::MAX_TAR_EXTENSION));
            for entry in ar.entries_with_seek().map_err(bad)? {
                let entry = entry.map_err(bad)?;
                if let Some((name, item)) = index_entry(&entry) {
                    items.insert(name, item);
                }
            }
        }
        if items.is_empty() {
            return Err(SourceError::UnknownFormat {
                path: path.to_owned(),
                reason: "empty or not a tar archive".into(),
            });
        }
        Ok(TarStore {
            path: path.to_owned(),
            items,
            compressed,
            small,
            parked: Mutex::new(Vec::new()),
            from_saved_index: false,
        })
    }

    /// Whether this index was loaded from the saved copy (not read from the archive in this run).
    pub(crate) fn loaded_from_saved_index(&self) -> bool {
        self.from_saved_index
    }

    /// Follows the archive's own links (docker 25+ saves `ID/layer.tar` as a symlink to `blobs/sha256/...`).
    fn resolve(&self, name: &str) -> Option<(String, u64, u64)> {
        let mut cur = normalize(name)?;
        for _ in 0..16 {
            match self.items.get(&cur)? {
                TarItem::File { offset, size } => return Some((cur, *offset, *size)),
                TarItem::Link(target) => cur = target.clone(),
            }
        }
        None
    }

    fn missing(&self, name: &str) -> SourceError {
        SourceError::Missing {
            path: self.path.clone(),
            entry: name.to_owned(),
        }
    }

    /// A reader of `size` bytes at uncompressed `offset`.
    fn open_at(
        self: &Arc<Self>,
        offset: u64,
        size: u64,
    ) -> Result<Box<dyn Read + Send>, SourceError> {
        if !self.compressed {
            let mut f = File::open(&self.path).map_err(|e| SourceError::io(&self.path, e))?;
            f.seek(SeekFrom::Start(offset))
                .map_err(|e| SourceError::io(&self.path, e))?;
            return Ok(Box::new(f.take(size)));
        }
        let parked = {
            let mut pool = self
                .parked
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let best = pool
                .iter()
                .enumerate()
                .filter(|(_, p)| p.pos <= offset)
                .max_by_key(|(_, p)| p.pos)
                .map(|(i, _)| i);
            best.map(|i| pool.swap_remove(i))
        };
        let mut p = match parked {
            Some(p) => p,
            None => {
                let f = File::open(&self.path).map_err(|e| SourceError::io(&self.path, e))?;
                let dec = decompress_any(Box::new(io::BufReader::with_capacity(256 * 1024, f)))
                    .map_err(|e| SourceError::io(&self.path, e))?;
                Parked { pos: 0, dec }
            }
        };
        let skip = offset - p.pos;
        let skipped = io::copy(&mut (&mut p.dec).take(skip), &mut io::sink())
            .map_err(|e| SourceError::io(&self.path, e))?;
        if skipped != skip {
            return Err(SourceError::invalid(
                &self.path,
                "tar",
                "archive ends early (truncated)",
            ));
        }
        p.pos = offset;
        Ok(Box::new(EntryReader {
            store: Arc::clone(self),
            parked: Some(p),
            remaining: size,
        }))
    }
}

/// What is kept of a compressed archive's index between runs.
#[derive(serde::Serialize, serde::Deserialize)]
struct SavedIndex {
    /// [`SAVED_INDEX_VERSION`]; an index without it (or of another version) is rebuilt.
    #[serde(default)]
    version: u32,
    items: HashMap<String, TarItem>,
    /// Small entries (manifests, configs), hex-encoded.
    small: HashMap<String, String>,
}

/// Version of the saved index's shape.
const SAVED_INDEX_VERSION: u32 = 2;

impl SavedIndex {
    /// A saved index can parse and still be wrong (edited, written by another version, damaged in a way JSON
    /// survives): check what can be checked without the archive, and decode the small entries.
    fn check(&self) -> Result<HashMap<String, Vec<u8>>, String> {
        if self.version != SAVED_INDEX_VERSION {
            return Err(format!(
                "version {}, expected {SAVED_INDEX_VERSION}",
                self.version
            ));
        }
        if !self.items.contains_key("manifest.json") && !self.items.contains_key("index.json") {
            return Err("neither manifest.json nor index.json listed".into());
        }
        for (name, item) in &self.items {
            match item {
                TarItem::File { offset, .. } if offset % 512 != 0 => {
                    return Err(format!("{name}: offset {offset} is not on a tar block"));
                }
                _ => {}
            }
        }
        let mut small = HashMap::with_capacity(self.small.len());
        for (name, h) in &self.small {
            let bytes = hex::decode(h).map_err(|e| format!("{name}: {e}"))?;
            match self.items.get(name) {
                Some(TarItem::File { size, .. }) if *size == bytes.len() as u64 => {}
                _ => return Err(format!("{name}: kept bytes do not match the listed entry")),
            }
            small.insert(name.clone(), bytes);
        }
        Ok(small)
    }
}

/// Where the saved index of the archive at `path` lives, if it can have one.
fn saved_index_file(path: &Path, index_dir: Option<&Path>) -> Option<PathBuf> {
    index_dir.and_then(|d| index_key(path).map(|k| d.join(format!("{k}.json"))))
}

/// Removes the saved index of `path` (it led to an image that does not open: it is rebuilt next time).
pub(crate) fn forget_saved_index(path: &Path, index_dir: Option<&Path>) {
    if let Some(k) = saved_index_file(path, index_dir) {
        let _ = std::fs::remove_file(k);
    }
}

/// Largest entry kept in a saved index.
const SAVE_ENTRY: u64 = 256 * 1024;

fn index_key(path: &Path) -> Option<String> {
    use sha2::Digest;
    use std::os::unix::fs::MetadataExt;
    let canon = path.canonicalize().ok()?;
    let m = std::fs::metadata(&canon).ok()?;
    let id = format!(
        "trawl-index-v1\0{}\0{}\0{}\0{}\0{}\0{}",
        canon.display(),
        m.dev(),
        m.ino(),
        m.len(),
        m.mtime(),
        m.mtime_nsec()
    );
    Some(hex::encode(sha2::Sha256::digest(id.as_bytes())))
}

fn load_index(file: &Path) -> Option<SavedIndex> {
    let bytes = std::fs::read(file).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Best effort: a failure to save only costs the next run an indexing pass.
fn save_index(file: &Path, store: &TarStore) {
    let saved = SavedIndex {
        version: SAVED_INDEX_VERSION,
        items: store.items.clone(),
        small: store
            .small
            .iter()
            .filter(|(_, b)| b.len() as u64 <= SAVE_ENTRY)
            .map(|(n, b)| (n.clone(), hex::encode(b)))
            .collect(),
    };
    let Some(dir) = file.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let Ok(json) = serde_json::to_vec(&saved) else {
        return;
    };
    trawl_fs::remove_stale_temps(dir, "index");
    let Ok(mut tmp) = trawl_fs::temp_file(dir, "index") else {
        return;
    };
    if std::io::Write::write_all(&mut tmp, &json).is_ok() {
        let _ = tmp.persist(file);
    }
}

fn index_entry<R: Read>(entry: &tar::Entry<'_, R>) -> Option<(String, TarItem)> {
    let raw = entry.path().ok()?;
    let name = normalize(raw.to_str()?)?;
    if name.is_empty() {
        return None;
    }
    let h = entry.header();
    match h.entry_type() {
        tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::GNUSparse => Some((
            name,
            TarItem::File {
                offset: entry.raw_file_position(),
                size: entry.size(),
            },
        )),
        tar::EntryType::Symlink => {
            let target = entry.link_name().ok()??;
            let target = target.to_str()?;
            let joined = if target.starts_with('/') {
                target.to_owned()
            } else {
                match name.rsplit_once('/') {
                    Some((dir, _)) => format!("{dir}/{target}"),
                    None => target.to_owned(),
                }
            };
            Some((name, TarItem::Link(normalize(&joined)?)))
        }
        tar::EntryType::Link => {
            let target = entry.link_name().ok()??;
            Some((name, TarItem::Link(normalize(target.to_str()?)?)))
        }
        _ => None,
    }
}

/// Reads one entry of a compressed archive; parks its decoder on drop so the next entry continues from there.
struct EntryReader {
    store: Arc<TarStore>,
    parked: Option<Parked>,
    remaining: u64,
}

impl Read for EntryReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Some(p) = &mut self.parked else {
            return Ok(0);
        };
        if self.remaining == 0 {
            return Ok(0);
        }
        let max = buf
            .len()
            .min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
        let n = p.dec.read(&mut buf[..max])?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "outer archive ends inside a layer (truncated)",
            ));
        }
        p.pos += n as u64;
        self.remaining -= n as u64;
        Ok(n)
    }
}

impl Drop for EntryReader {
    fn drop(&mut self) {
        if let Some(p) = self.parked.take() {
            let mut pool = self
                .store
                .parked
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if pool.len() < 4 {
                pool.push(p);
            }
        }
    }
}

impl Store for TarStore {
    fn path(&self) -> &Path {
        &self.path
    }

    fn exists(&self, name: &str) -> bool {
        self.resolve(name).is_some()
    }

    fn read(&self, name: &str) -> Result<Vec<u8>, SourceError> {
        let (key, offset, size) = self.resolve(name).ok_or_else(|| self.missing(name))?;
        if let Some(b) = self.small.get(&key) {
            return Ok(b.clone());
        }
        if size > MAX_METADATA {
            return Err(SourceError::invalid(
                &self.path,
                name,
                "larger than 32 MiB: not a manifest or config",
            ));
        }
        // Only reached for plain archives or very large metadata: go through a temporary Arc.
        let me = Arc::new(TarStore {
            path: self.path.clone(),
            items: HashMap::new(),
            compressed: self.compressed,
            small: HashMap::new(),
            parked: Mutex::new(Vec::new()),
            from_saved_index: false,
        });
        let mut r = me.open_at(offset, size)?;
        let mut out = Vec::with_capacity(size as usize);
        r.read_to_end(&mut out)
            .map_err(|e| SourceError::io(&self.path, e))?;
        Ok(out)
    }

    fn opener(self: Arc<Self>, name: &str) -> Result<(RawOpener, u64), SourceError> {
        let (_, offset, size) = self.resolve(name).ok_or_else(|| self.missing(name))?;
        let me = Arc::clone(&self);
        Ok((Arc::new(move || me.open_at(offset, size)), size))
    }

    fn sequential(&self) -> bool {
        self.compressed
    }
}
