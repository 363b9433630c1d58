//! Walking one layer: a tar stream or a directory, read once.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{self, Read};
use std::path::{Component, Path};
use trawl_source::{Layer, SourceError};

/// Default largest single file read for a visitor (bigger wanted files are skipped with a warning naming them).
pub const MAX_FILE: u64 = 64 * 1024 * 1024;
/// Default most bytes of file content held at once by all the walks sharing a [`ReadBudget`].
pub const MAX_READ_TOTAL: u64 = 128 * 1024 * 1024;

/// One memory budget for file contents: a per-file cap, and a total over every walk sharing it (parallel layer
/// walks wait for room rather than exceed it). A file over either limit is skipped with a warning naming it.
#[derive(Debug)]
pub struct ReadBudget {
    per_file: u64,
    total: u64,
    used: std::sync::Mutex<u64>,
    freed: std::sync::Condvar,
}

impl Default for ReadBudget {
    fn default() -> Self {
        ReadBudget::new(MAX_FILE, MAX_READ_TOTAL)
    }
}

impl ReadBudget {
    /// A budget of `per_file` bytes per file and `total` bytes held at once.
    pub fn new(per_file: u64, total: u64) -> Self {
        ReadBudget {
            per_file,
            total,
            used: std::sync::Mutex::new(0),
            freed: std::sync::Condvar::new(),
        }
    }

    /// The per-file cap.
    pub fn per_file(&self) -> u64 {
        self.per_file
    }

    /// The total cap.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Why a file of `size` bytes can never be read under this budget, if it cannot.
    pub fn refusal(&self, size: u64) -> Option<String> {
        if size > self.per_file {
            Some(format!(
                "{size} bytes is over the per-file read limit of {} bytes (raise it with --max-file-size)",
                self.per_file
            ))
        } else if size > self.total {
            Some(format!(
                "{size} bytes is over the total read limit of {} bytes (raise it with --max-read-total)",
                self.total
            ))
        } else {
            None
        }
    }

    /// Reserves `size` bytes, waiting for other walks to release room; `None` when the file can never fit.
    pub fn acquire(&self, size: u64) -> Option<ReadGrant<'_>> {
        if self.refusal(size).is_some() {
            return None;
        }
        let mut used = self
            .used
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while *used + size > self.total {
            used = self
                .freed
                .wait(used)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        *used += size;
        Some(ReadGrant { budget: self, size })
    }
}

/// Room reserved in a [`ReadBudget`]; released on drop.
#[derive(Debug)]
pub struct ReadGrant<'a> {
    budget: &'a ReadBudget,
    size: u64,
}

impl Drop for ReadGrant<'_> {
    fn drop(&mut self) {
        let mut used = self
            .budget
            .used
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *used = used.saturating_sub(self.size);
        self.budget.freed.notify_all();
    }
}

static DEFAULT_BUDGET: std::sync::LazyLock<std::sync::Arc<ReadBudget>> =
    std::sync::LazyLock::new(|| std::sync::Arc::new(ReadBudget::default()));

/// Receives the files of a layer that it asked for.
pub trait Visitor {
    /// Whether the regular file at `path` (normalised: no leading `/` or `./`) is wanted. No I/O.
    fn wants(&self, path: &str, mode: u32, size: u64) -> bool;
    /// Whether a wanted file's content must be read (`false`: [`Visitor::visit`] gets an empty slice, e.g. for a
    /// file an analyzer skips by size anyway). Keeps memory flat whatever the file sizes.
    fn needs_content(&self, _path: &str, _mode: u32, _size: u64) -> bool {
        true
    }
    /// The whole content of a wanted file.
    fn visit(&mut self, path: &str, mode: u32, size: u64, content: &[u8]);
    /// The memory budget file reads count against (default: [`MAX_FILE`] per file, [`MAX_READ_TOTAL`] shared by
    /// every walk using the default).
    fn budget(&self) -> std::sync::Arc<ReadBudget> {
        std::sync::Arc::clone(&DEFAULT_BUDGET)
    }
}

/// Everything except file contents that the merge of layers needs: whiteouts, opaque dirs and links.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerEntries {
    /// Paths deleted by `.wh.NAME` entries (the deleted path, not the marker).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub whiteouts: Vec<String>,
    /// Directories whose lower-layer content is hidden (`DIR/.wh..wh..opq`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub opaque_dirs: Vec<String>,
    /// Symlinks: path -> target as written (relative to the link's directory, or absolute = from the image root).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub symlinks: BTreeMap<String, String>,
    /// Hard links: path -> target path (from the image root, normalised).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub hardlinks: BTreeMap<String, String>,
    /// Entries skipped and why (escaping paths, unreadable files), naming the entry.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Number of entries seen.
    #[serde(default)]
    pub entries: u64,
}

/// Normalises a path of a layer entry: strips `./` and leading `/`; `None` when it has a `..` component or
/// is not UTF-8 (such entries are skipped with a warning).
pub fn normalize_entry(raw: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for c in Path::new(raw).components() {
        match c {
            Component::Normal(p) => parts.push(p.to_str()?),
            Component::CurDir | Component::RootDir => {}
            Component::ParentDir | Component::Prefix(_) => return None,
        }
    }
    Some(parts.join("/"))
}

const WH: &str = ".wh.";
const OPQ: &str = ".wh..wh..opq";

/// Layer walk errors: the stream is corrupt or truncated.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WalkError {
    /// The layer could not be opened.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// The tar stream is broken (corrupt compression, truncated tar, digest mismatch at its end).
    #[error("layer {index} ({layer}): {message}")]
    Broken {
        /// Layer position.
        index: usize,
        /// Layer identity.
        layer: String,
        /// What went wrong.
        message: String,
    },
}

fn broken(layer: &Layer, e: &io::Error) -> WalkError {
    // A verification error already names the layer: keep its text as is.
    if let Some(inner) = e.get_ref()
        && let Some(se) = inner.downcast_ref::<SourceError>()
    {
        return WalkError::Broken {
            index: layer.index,
            layer: layer.label(),
            message: strip_layer_prefix(&se.to_string()),
        };
    }
    WalkError::Broken {
        index: layer.index,
        layer: layer.label(),
        message: format!("unreadable tar stream: {e}"),
    }
}

fn strip_layer_prefix(s: &str) -> String {
    // "layer N (id): message" -> "message"
    if s.starts_with("layer ")
        && let Some((_, rest)) = s.split_once("): ")
    {
        return rest.to_owned();
    }
    s.to_owned()
}

/// Walks a layer once: a tar stream ([`Layer::open`]) or a directory ([`Layer::root_dir`]).
pub fn walk_layer(layer: &Layer, visitor: &mut dyn Visitor) -> Result<LayerEntries, WalkError> {
    if let Some(dir) = layer.root_dir() {
        return Ok(walk_dir(dir, visitor));
    }
    let stream = layer.open()?;
    walk_tar(stream, visitor).map_err(|e| broken(layer, &e))
}

/// Walks a (decompressed) layer tar stream, reading it to its very end (so that digest verification runs).
pub fn walk_tar(stream: impl Read, visitor: &mut dyn Visitor) -> io::Result<LayerEntries> {
    let mut out = LayerEntries::default();
    // Long names and PAX headers are capped before the tar crate reads them whole.
    let mut ar = tar::Archive::new(trawl_source::TarGuard::new(
        stream,
        trawl_source::MAX_TAR_EXTENSION,
    ));
    let mut buf = Vec::new();
    {
        let entries = ar.entries()?;
        for entry in entries {
            let mut entry = entry?;
            out.entries += 1;
            let raw_path = entry.path()?;
            let Some(raw) = raw_path.to_str().map(str::to_owned) else {
                out.warnings.push(format!(
                    "skipped entry with a non-UTF-8 path: {}",
                    raw_path.display()
                ));
                continue;
            };
            let Some(path) = normalize_entry(&raw) else {
                out.warnings.push(format!(
                    "skipped entry `{raw}`: its path leaves the image root"
                ));
                continue;
            };
            if path.is_empty() {
                continue;
            }
            let (dir, base) = match path.rsplit_once('/') {
                Some((d, b)) => (d, b),
                None => ("", path.as_str()),
            };
            if base == OPQ {
                out.opaque_dirs.push(dir.to_owned());
                continue;
            }
            if let Some(name) = base.strip_prefix(WH) {
                if !name.starts_with(WH) && !name.is_empty() {
                    out.whiteouts.push(if dir.is_empty() {
                        name.to_owned()
                    } else {
                        format!("{dir}/{name}")
                    });
                }
                continue;
            }
            let header = entry.header();
            let mode = header.mode().unwrap_or(0o644);
            match header.entry_type() {
                tar::EntryType::Regular | tar::EntryType::Continuous => {
                    let size = entry.size();
                    let full_mode = 0o100000 | (mode & 0o7777);
                    if visitor.wants(&path, full_mode, size) {
                        if !visitor.needs_content(&path, full_mode, size) {
                            visitor.visit(&path, full_mode, size, &[]);
                            continue;
                        }
                        let budget = visitor.budget();
                        let Some(grant) = budget.acquire(size) else {
                            let why = budget.refusal(size).unwrap_or_default();
                            out.warnings.push(format!("skipped `{path}`: {why}"));
                            continue;
                        };
                        buf.clear();
                        buf.reserve(usize::try_from(size).unwrap_or(0));
                        // The header's size is what the budget granted: never read more than that.
                        (&mut entry).take(size).read_to_end(&mut buf)?;
                        visitor.visit(&path, full_mode, size, &buf);
                        drop(grant);
                        // Do not keep a large buffer's memory between files.
                        if buf.capacity() > 1024 * 1024 {
                            buf = Vec::new();
                        }
                    }
                }
                tar::EntryType::Symlink => {
                    if let Some(target) = entry
                        .link_name()?
                        .and_then(|t| t.to_str().map(str::to_owned))
                    {
                        out.symlinks.insert(path, target);
                    }
                }
                tar::EntryType::Link => {
                    let target = entry
                        .link_name()?
                        .and_then(|t| t.to_str().map(str::to_owned));
                    match target.as_deref().and_then(normalize_entry) {
                        Some(t) if !t.is_empty() => {
                            out.hardlinks.insert(path, t);
                        }
                        _ => out.warnings.push(format!(
                            "skipped hard link `{path}`: its target `{}` leaves the image root",
                            target.unwrap_or_default()
                        )),
                    }
                }
                _ => {}
            }
        }
    }
    // Read past the end-of-archive blocks so the verifying stream sees EOF and checks the digests.
    io::copy(&mut ar.into_inner().into_inner(), &mut io::sink())?;
    buf.clear();
    Ok(out)
}

/// Walks a root filesystem directory without following symlinks (they are recorded, never traversed).
pub fn walk_dir(root: &Path, visitor: &mut dyn Visitor) -> LayerEntries {
    use std::os::unix::fs::PermissionsExt;
    let mut out = LayerEntries::default();
    let mut stack: Vec<(std::path::PathBuf, String)> = vec![(root.to_owned(), String::new())];
    let mut buf = Vec::new();
    while let Some((dir, rel)) = stack.pop() {
        let rd = match std::fs::read_dir(&dir) {
            Ok(rd) => rd,
            Err(e) => {
                out.warnings
                    .push(format!("{}: cannot list directory: {e}", dir.display()));
                continue;
            }
        };
        let mut names: Vec<_> = rd.filter_map(Result::ok).collect();
        names.sort_by_key(std::fs::DirEntry::file_name);
        for de in names {
            out.entries += 1;
            let Some(name) = de.file_name().to_str().map(str::to_owned) else {
                out.warnings
                    .push(format!("{}: skipped a non-UTF-8 name", dir.display()));
                continue;
            };
            let path = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            let Ok(meta) = std::fs::symlink_metadata(de.path()) else {
                continue;
            };
            let ft = meta.file_type();
            if ft.is_dir() {
                stack.push((de.path(), path));
            } else if ft.is_symlink() {
                if let Ok(t) = std::fs::read_link(de.path())
                    && let Some(t) = t.to_str()
                {
                    out.symlinks.insert(path, t.to_owned());
                }
            } else if ft.is_file() {
                let mode = 0o100000 | (meta.permissions().mode() & 0o7777);
                let size = meta.len();
                if visitor.wants(&path, mode, size) {
                    if !visitor.needs_content(&path, mode, size) {
                        visitor.visit(&path, mode, size, &[]);
                        continue;
                    }
                    let budget = visitor.budget();
                    let Some(grant) = budget.acquire(size) else {
                        let why = budget.refusal(size).unwrap_or_default();
                        out.warnings.push(format!("skipped `{path}`: {why}"));
                        continue;
                    };
                    buf.clear();
                    // A file that grew since it was listed is read up to its listed size only.
                    match std::fs::File::open(de.path())
                        .and_then(|f| f.take(size).read_to_end(&mut buf))
                    {
                        Ok(_) => visitor.visit(&path, mode, size, &buf),
                        Err(e) => out.warnings.push(format!("{path}: cannot read: {e}")),
                    }
                    drop(grant);
                    if buf.capacity() > 1024 * 1024 {
                        buf = Vec::new();
                    }
                }
            }
        }
    }
    out
}

/// What [`walk_blob`] found, with the digests it computed.
#[derive(Debug, Clone)]
pub struct BlobWalk {
    /// Whiteouts, opaque dirs, links, warnings.
    pub entries: LayerEntries,
    /// `sha256:` of the raw blob (the manifest digest of a layer).
    pub digest: String,
    /// `sha256:` of the decompressed tar (the diff ID).
    pub diff_id: String,
}

struct Hashing<R> {
    inner: R,
    h: Sha256,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.h.update(&buf[..n]);
        Ok(n)
    }
}

/// Walks a raw layer blob whose identity is not known yet (met while indexing a compressed archive):
/// decompresses it (gzip, zstd or plain, by magic bytes), walks it and returns both digests so the caller can
/// match it to a layer of the manifest — which is its verification.
pub fn walk_blob(raw: &mut dyn Read, visitor: &mut dyn Visitor) -> io::Result<BlobWalk> {
    use io::BufRead;
    let mut hr = Hashing {
        inner: raw,
        h: Sha256::new(),
    };
    let (entries, diff) = {
        let mut br = io::BufReader::with_capacity(64 * 1024, &mut hr);
        let kind = trawl_source::Compression::detect(br.fill_buf()?).map_err(io::Error::other)?;
        let (entries, diff) = match kind {
            trawl_source::Compression::None => {
                let mut d = Hashing {
                    inner: &mut br,
                    h: Sha256::new(),
                };
                (walk_tar(&mut d, visitor)?, d.h)
            }
            trawl_source::Compression::Gzip => {
                let mut d = Hashing {
                    inner: flate2::bufread::MultiGzDecoder::new(&mut br),
                    h: Sha256::new(),
                };
                (walk_tar(&mut d, visitor)?, d.h)
            }
            trawl_source::Compression::Zstd => {
                let mut d = Hashing {
                    inner: zstd::stream::read::Decoder::with_buffer(&mut br)?,
                    h: Sha256::new(),
                };
                (walk_tar(&mut d, visitor)?, d.h)
            }
        };
        io::copy(&mut br, &mut io::sink())?;
        (entries, diff)
    };
    Ok(BlobWalk {
        entries,
        digest: format!("sha256:{}", hex::encode(hr.h.finalize())),
        diff_id: format!("sha256:{}", hex::encode(diff.finalize())),
    })
}
