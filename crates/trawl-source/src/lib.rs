//! Image sources: docker-archive (plain or compressed tar), OCI image layout (directory or tar) and root
//! filesystem directories, turned into an [`Image`]: the config plus an ordered list of lazily opened
//! [`Layer`]s.
//!
//! Nothing is extracted: a layer is a stream that [`Layer::open`] decompresses (gzip, zstd or plain, chosen by
//! magic bytes) and verifies (blob digest and diff ID, checked when the stream reaches its end); reading and
//! inflating run on a thread of their own, a few chunks ahead of the caller. Plain archives
//! and layout directories are random access, so layers can be read in parallel; a compressed outer archive is
//! read sequentially ([`Image::sequential`]) with one pass per scan after a first indexing pass.
//!
//! ```no_run
//! let spec = trawl_source::SourceSpec::parse("docker-archive:alpine.tar.gz")?;
//! let image = trawl_source::open(&spec)?;
//! for layer in &image.layers {
//!     let tar_stream = layer.open()?; // decompressed, digest-verified at its end
//!     # drop(tar_stream);
//! }
//! # Ok::<(), trawl_source::SourceError>(())
//! ```
#![warn(missing_docs)]

mod config;
mod daemon;
mod docker;
mod error;
mod identity;
mod oci;
mod registry;
mod remote;
mod store;
mod stream;
mod targuard;
mod threaded;

pub use config::MAX_CONFIG;
pub use error::SourceError;
pub use identity::Compression;
pub use registry::mirrored_references;
pub use remote::{ImageSrc, ParseImageSrcError, RemoteOptions};
pub use store::{Prefetch, RawOpener};
pub use targuard::{MAX_TAR_EXTENSION, TarGuard};

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use store::{DirStore, Store, TarStore};

/// What the user asked to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceSpec {
    /// A `docker save` archive (plain or gzip/zstd-compressed tar).
    DockerArchive(PathBuf),
    /// An OCI image layout packed in a tar (plain or compressed).
    OciArchive(PathBuf),
    /// An OCI image layout directory, optionally with the tag / ref name / digest to pick.
    OciDir {
        /// The layout directory.
        path: PathBuf,
        /// Tag (`latest`), full ref name (`busybox:1.38.0-musl`) or manifest digest to pick.
        reference: Option<String>,
    },
    /// A root filesystem directory (one layer).
    Rootfs(PathBuf),
    /// An image by name (`alpine:3.20`, `REGISTRY/REPO@sha256:...`), looked up in `options.image_src` order
    /// (docker, podman, then the registry, by default). Prefixes pick one source: `registry:REF` or
    /// `docker://REF` (the registry), `docker-daemon:REF` (docker), `podman:REF` (podman).
    Registry {
        /// The reference as given.
        reference: String,
        /// Sources, registry client, platform.
        options: RemoteOptions,
    },
}

/// What kind of thing was scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArtifactKind {
    /// A container image (layers + config).
    ContainerImage,
    /// A root filesystem directory.
    Rootfs,
    /// A project directory (`trawl fs`).
    Filesystem,
}

impl ArtifactKind {
    /// Stable lowercase name (`container_image`, `rootfs`, `filesystem`), as Trivy spells artifact types.
    pub fn as_str(self) -> &'static str {
        match self {
            ArtifactKind::ContainerImage => "container_image",
            ArtifactKind::Rootfs => "rootfs",
            ArtifactKind::Filesystem => "filesystem",
        }
    }
}

impl SourceSpec {
    /// Parses `docker-archive:PATH`, `oci-archive:PATH`, `oci:DIR[:TAG]`, `dir:DIR`/`rootfs:DIR`, or a bare path
    /// (auto-detected, see [`SourceSpec::detect`]).
    pub fn parse(s: &str) -> Result<SourceSpec, SourceError> {
        let by_name = |r: &str, srcs: &[ImageSrc]| -> Result<SourceSpec, SourceError> {
            let r = non_empty(s, r)?;
            Ok(SourceSpec::Registry {
                reference: r.to_owned(),
                options: RemoteOptions {
                    image_src: srcs.to_vec(),
                    ..RemoteOptions::default()
                },
            })
        };
        if let Some(r) = s
            .strip_prefix("registry:")
            .or_else(|| s.strip_prefix("docker://"))
        {
            return by_name(r, &[ImageSrc::Remote]);
        }
        if let Some(r) = s.strip_prefix("docker-daemon:") {
            return by_name(r, &[ImageSrc::Docker]);
        }
        if let Some(r) = s.strip_prefix("podman:") {
            return by_name(r, &[ImageSrc::Podman]);
        }
        if let Some(p) = s.strip_prefix("docker-archive:") {
            return non_empty(s, p).map(|p| SourceSpec::DockerArchive(p.into()));
        }
        if let Some(p) = s.strip_prefix("oci-archive:") {
            return non_empty(s, p).map(|p| SourceSpec::OciArchive(p.into()));
        }
        if let Some(rest) = s
            .strip_prefix("oci:")
            .or_else(|| s.strip_prefix("oci-dir:"))
        {
            let rest = non_empty(s, rest)?;
            // `oci:DIR:TAG`, unless the whole thing is an existing directory (a path with a colon).
            if Path::new(rest).is_dir() {
                return Ok(SourceSpec::OciDir {
                    path: rest.into(),
                    reference: None,
                });
            }
            return Ok(match rest.split_once(':') {
                Some((dir, tag)) if !dir.is_empty() && !tag.is_empty() => SourceSpec::OciDir {
                    path: dir.into(),
                    reference: Some(tag.to_owned()),
                },
                _ => SourceSpec::OciDir {
                    path: rest.into(),
                    reference: None,
                },
            });
        }
        if let Some(p) = s.strip_prefix("rootfs:").or_else(|| s.strip_prefix("dir:")) {
            return non_empty(s, p).map(|p| SourceSpec::Rootfs(p.into()));
        }
        if Path::new(s).exists() {
            return SourceSpec::detect(Path::new(s));
        }
        // Not a file: an image name, unless it looks like a path that is not there.
        let path_like = s.starts_with(['.', '/', '~'])
            || [".tar", ".tgz", ".gz", ".zst"]
                .iter()
                .any(|ext| s.ends_with(ext));
        if !path_like && s.parse::<trawl_registry::Reference>().is_ok() {
            return by_name(s, &ImageSrc::DEFAULT_ORDER);
        }
        Err(SourceError::BadSpec(s.to_owned()))
    }

    /// Detects the format of `--input PATH`: a directory with `index.json`/`oci-layout` is an OCI layout; a tar
    /// (possibly gzip/zstd-compressed) with `manifest.json` is a docker-archive, one with `index.json` an OCI
    /// archive. Any other directory is an error (use [`SourceSpec::Rootfs`] for root filesystems).
    pub fn detect(path: &Path) -> Result<SourceSpec, SourceError> {
        let meta = std::fs::metadata(path).map_err(|e| SourceError::io(path, e))?;
        if meta.is_dir() {
            if path.join("index.json").is_file() || path.join("oci-layout").is_file() {
                return Ok(SourceSpec::OciDir {
                    path: path.to_owned(),
                    reference: None,
                });
            }
            return Err(SourceError::UnknownFormat {
                path: path.to_owned(),
                reason: "directory is not an OCI image layout (no index.json); scan a root filesystem with \
                         `trawl rootfs DIR`"
                    .into(),
            });
        }
        let f = std::fs::File::open(path).map_err(|e| SourceError::io(path, e))?;
        let dec = stream::decompress_any(Box::new(std::io::BufReader::new(f))).map_err(|e| {
            SourceError::UnknownFormat {
                path: path.to_owned(),
                reason: e.to_string(),
            }
        })?;
        let mut ar = tar::Archive::new(TarGuard::new(dec, MAX_TAR_EXTENSION));
        let not_tar = |e: std::io::Error| SourceError::UnknownFormat {
            path: path.to_owned(),
            reason: format!("not a tar archive: {e}"),
        };
        let mut saw_oci = false;
        for entry in ar.entries().map_err(not_tar)? {
            let entry = entry.map_err(not_tar)?;
            let Ok(p) = entry.path() else { continue };
            let Some(name) = p.to_str().and_then(store::normalize) else {
                continue;
            };
            // manifest.json, or the legacy `ID/layer.tar` + `repositories` of `docker save`: docker-archive
            // (docker 25+ archives are both; read them as docker-archives).
            if name == "manifest.json" || name == "repositories" || name.ends_with("/layer.tar") {
                return Ok(SourceSpec::DockerArchive(path.to_owned()));
            }
            if name == "index.json" || name == "oci-layout" {
                saw_oci = true;
            }
            // Once past the layout's metadata and into blobs, a docker manifest may still follow; keep going.
        }
        if saw_oci {
            return Ok(SourceSpec::OciArchive(path.to_owned()));
        }
        Err(SourceError::UnknownFormat {
            path: path.to_owned(),
            reason: "tar archive holds neither manifest.json (docker-archive) nor index.json (OCI layout)".into(),
        })
    }

    /// The path given.
    pub fn path(&self) -> &Path {
        match self {
            SourceSpec::DockerArchive(p) | SourceSpec::OciArchive(p) | SourceSpec::Rootfs(p) => p,
            SourceSpec::OciDir { path, .. } => path,
            SourceSpec::Registry { reference, .. } => Path::new(reference),
        }
    }
}

fn non_empty<'a>(whole: &str, p: &'a str) -> Result<&'a str, SourceError> {
    if p.is_empty() {
        Err(SourceError::BadSpec(whole.to_owned()))
    } else {
        Ok(p)
    }
}

/// An image (or root filesystem) ready to be analysed.
#[derive(Debug, Clone)]
pub struct Image {
    /// Display name: the input path (a registry source puts the reference here).
    pub name: String,
    /// Image, rootfs or filesystem.
    pub kind: ArtifactKind,
    /// Config digest (`sha256:...`), the image ID.
    pub image_id: Option<String>,
    /// `repo:tag` names from the archive.
    pub repo_tags: Vec<String>,
    /// `repo@digest` names, when known.
    pub repo_digests: Vec<String>,
    /// The image config (none for a rootfs).
    pub config: Option<trawl_types::ImageConfig>,
    /// Layers, base first.
    pub layers: Vec<Layer>,
    /// True when layers are best opened one at a time in order (a compressed outer archive cannot seek).
    pub sequential: bool,
    /// The image manifest's annotations (registry images and OCI layouts), by key.
    pub annotations: Vec<(String, String)>,
}

/// Where a layer's content comes from.
#[derive(Clone)]
enum Content {
    /// The raw blob, decompressed and verified by [`Layer::open`].
    Blob(RawOpener),
    /// A raw blob whose reader itself fails unless the bytes hash to the layer's digest (a registry download):
    /// [`Layer::open`] decompresses it and verifies the diff ID only.
    CheckedBlob(RawOpener),
    /// A stream that is already decompressed and verified (another layer's [`Layer::open`]).
    Verified(RawOpener),
    Dir(PathBuf),
}

/// One layer: identity and a lazily opened stream.
#[derive(Clone)]
pub struct Layer {
    /// Position, 0 = base.
    pub index: usize,
    /// `sha256:` of the uncompressed tar (empty when unknown, e.g. a rootfs directory).
    pub diff_id: String,
    /// Digest of the blob as stored (compressed), when known.
    pub digest: Option<String>,
    /// Size of the blob as stored, when known.
    pub size: Option<u64>,
    /// The history `created_by` of the step that made it.
    pub created_by: Option<String>,
    content: Content,
}

impl fmt::Debug for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Layer")
            .field("index", &self.index)
            .field("diff_id", &self.diff_id)
            .field("digest", &self.digest)
            .field("size", &self.size)
            .field("created_by", &self.created_by)
            .field("dir", &self.root_dir())
            .finish()
    }
}

impl Layer {
    /// A layer whose `opener` yields the raw blob (compressed or not: [`Layer::open`] detects it). Used by every
    /// source, including registries streaming blobs over HTTP.
    pub fn new(
        index: usize,
        diff_id: String,
        digest: Option<String>,
        size: Option<u64>,
        created_by: Option<String>,
        opener: RawOpener,
    ) -> Layer {
        Layer {
            index,
            diff_id,
            digest,
            size,
            created_by,
            content: Content::Blob(opener),
        }
    }

    /// Marks the blob reader as verifying the blob digest itself (the registry client does, on its download
    /// thread): [`Layer::open`] then skips hashing the same bytes a second time, and, the blob digest being
    /// the layer's [`Layer::content_key`], does not hash the inflated stream either.
    pub(crate) fn blob_checked_by_reader(self) -> Layer {
        let content = match self.content {
            Content::Blob(opener) => Content::CheckedBlob(opener),
            other => other,
        };
        Layer { content, ..self }
    }

    /// A layer whose `opener` yields the decompressed, verified stream of another layer (a daemon's export read
    /// through a docker-archive layer): [`Layer::open`] hands it over as is instead of verifying it twice.
    pub(crate) fn verified(
        index: usize,
        diff_id: String,
        size: Option<u64>,
        created_by: Option<String>,
        opener: RawOpener,
    ) -> Layer {
        Layer {
            index,
            diff_id,
            digest: None,
            size,
            created_by,
            content: Content::Verified(opener),
        }
    }

    /// A layer that is a directory on disk (a root filesystem): walked, not streamed.
    pub fn from_dir(index: usize, root: PathBuf) -> Layer {
        Layer {
            index,
            diff_id: String::new(),
            digest: None,
            size: None,
            created_by: None,
            content: Content::Dir(root),
        }
    }

    /// The directory of a directory layer.
    pub fn root_dir(&self) -> Option<&Path> {
        match &self.content {
            Content::Dir(p) => Some(p),
            Content::Blob(_) | Content::CheckedBlob(_) | Content::Verified(_) => None,
        }
    }

    /// What identifies this layer's content for caches, verified while the stream is read: the blob digest
    /// for a layer whose blob reader checks it (registry layers; the diff ID is then not hashed: the blob
    /// digest already binds the content, and a config's claimed diff ID must not key a shared cache), else
    /// the diff ID. Empty when neither is known.
    pub fn content_key(&self) -> &str {
        match (&self.content, &self.digest) {
            (Content::CheckedBlob(_), Some(d)) if d.starts_with("sha256:") => d,
            _ => &self.diff_id,
        }
    }

    /// A short identity for messages: the diff ID, else the digest, else `#index`.
    pub fn label(&self) -> String {
        if !self.diff_id.is_empty() {
            self.diff_id.clone()
        } else if let Some(d) = &self.digest {
            d.clone()
        } else if let Some(p) = self.root_dir() {
            p.display().to_string()
        } else {
            format!("#{}", self.index)
        }
    }

    /// Opens the DECOMPRESSED tar stream. The blob digest and the diff ID are verified when the stream reaches
    /// its end: a mismatch is an `io::Error` wrapping [`SourceError::DigestMismatch`] naming this layer.
    /// Errors for a directory layer (see [`Layer::root_dir`]).
    pub fn open(&self) -> Result<Box<dyn Read + Send>, SourceError> {
        match &self.content {
            Content::Blob(opener) | Content::CheckedBlob(opener) => {
                let raw = opener()?;
                // A blob whose reader verifies its digest is bound to its content already: hashing the
                // inflated stream as well (82 MB for a Debian base) would only re-prove the config's diff ID,
                // which nothing trusts (see `content_key`).
                let reader_checks_blob = matches!(self.content, Content::CheckedBlob(_));
                let keyed_by_blob = reader_checks_blob
                    && self
                        .digest
                        .as_deref()
                        .is_some_and(|d| d.starts_with("sha256:"));
                stream::open_layer(
                    raw,
                    identity::LayerIdentity {
                        index: self.index,
                        label: self.label(),
                        digest: if reader_checks_blob {
                            None
                        } else {
                            self.digest.clone()
                        },
                        diff_id: (!keyed_by_blob && !self.diff_id.is_empty())
                            .then(|| self.diff_id.clone()),
                    },
                )
            }
            Content::Verified(opener) => opener(),
            Content::Dir(p) => Err(SourceError::Layer {
                index: self.index,
                layer: p.display().to_string(),
                message: "a directory layer has no tar stream: walk root_dir()".into(),
            }),
        }
    }
}

/// Options of [`open_with`].
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    /// Tag (`3.10`, `alpine:3.10`) or digest of the image to pick in an archive with several; for
    /// [`SourceSpec::OciDir`] its own `reference` wins.
    pub reference: Option<String>,
    /// Where to keep the index of compressed archives between runs (e.g. `CACHE_DIR/sources`), so a re-scan
    /// of the same unchanged file skips the indexing pass. `None`: index every time.
    pub index_dir: Option<PathBuf>,
}

/// The image in an indexed archive: a docker-archive (`manifest.json`) or OCI layout (`index.json`); `oci_first`
/// says which the caller named (the other is accepted too).
fn open_tar(
    store: Arc<TarStore>,
    p: &Path,
    oci_first: bool,
    reference: Option<&str>,
) -> Result<Image, SourceError> {
    let store: Arc<dyn Store> = store;
    let (first, second) = if oci_first {
        ("index.json", "manifest.json")
    } else {
        ("manifest.json", "index.json")
    };
    let name = if store.exists(first) {
        first
    } else if store.exists(second) {
        second
    } else {
        return Err(SourceError::UnknownFormat {
            path: p.to_owned(),
            reason: if oci_first {
                "not an OCI archive: no index.json".into()
            } else {
                "not a docker-archive: no manifest.json".into()
            },
        });
    };
    if name == "index.json" {
        oci::open(store, reference)
    } else {
        docker::open(store, reference)
    }
}

/// Opens an image or root filesystem.
pub fn open(spec: &SourceSpec) -> Result<Image, SourceError> {
    open_with(spec, &OpenOptions::default())
}

/// Opens every image `spec` names: one per platform for a registry reference with `--platform all`, else one.
pub fn open_all(spec: &SourceSpec, opts: &OpenOptions) -> Result<Vec<Image>, SourceError> {
    match spec {
        SourceSpec::Registry { reference, options } => registry::open_all(reference, options),
        _ => open_with(spec, opts).map(|i| vec![i]),
    }
}

/// Opens an image or root filesystem, picking the image by tag or digest where the source holds several.
pub fn open_with(spec: &SourceSpec, opts: &OpenOptions) -> Result<Image, SourceError> {
    open_prefetch(spec, opts, None)
}

/// Like [`open_with`]; when the source is a compressed archive that has to be read through to be indexed (no
/// saved index), `prefetch` is called with every large entry on the way (name, size, raw bytes), so a caller
/// can analyse the layer blobs in that same pass instead of a second one. It is never called for random-access
/// sources. Entries are not verified here: the caller matches them to [`Image::layers`] by digest / diff ID.
pub fn open_prefetch(
    spec: &SourceSpec,
    opts: &OpenOptions,
    mut prefetch: Option<&mut store::Prefetch<'_>>,
) -> Result<Image, SourceError> {
    let reference = opts.reference.as_deref();
    match spec {
        SourceSpec::Registry { reference, options } => {
            let mut images = registry::open_all(reference, options)?;
            if images.len() > 1 {
                return Err(SourceError::BadSpec(format!(
                    "{reference}: {} platforms selected; open them with open_all (or pick one with --platform)",
                    images.len()
                )));
            }
            images
                .pop()
                .ok_or_else(|| SourceError::BadSpec(format!("{reference}: no image")))
        }
        SourceSpec::DockerArchive(p) | SourceSpec::OciArchive(p) => {
            let oci_first = matches!(spec, SourceSpec::OciArchive(_));
            let tar = TarStore::open(p, opts.index_dir.as_deref(), prefetch.as_deref_mut())?;
            if !tar.loaded_from_saved_index() {
                return open_tar(Arc::new(tar), p, oci_first, reference);
            }
            match open_tar(Arc::new(tar), p, oci_first, reference) {
                Ok(image) => Ok(image),
                Err(e) => {
                    // A saved index that parses but leads nowhere: forget it and read the archive itself.
                    tracing::warn!(
                        "{}: opening through the saved index failed ({e}); indexing the archive again",
                        p.display()
                    );
                    store::forget_saved_index(p, opts.index_dir.as_deref());
                    let tar = TarStore::open(p, opts.index_dir.as_deref(), prefetch)?;
                    open_tar(Arc::new(tar), p, oci_first, reference)
                }
            }
        }
        SourceSpec::OciDir {
            path,
            reference: own,
        } => {
            if !path.is_dir() {
                return Err(SourceError::UnknownFormat {
                    path: path.clone(),
                    reason: "not a directory (an OCI layout in a tar is oci-archive:PATH)".into(),
                });
            }
            let store: Arc<dyn Store> = Arc::new(DirStore::new(path.clone()));
            oci::open(store, own.as_deref().or(reference))
        }
        SourceSpec::Rootfs(p) => {
            let meta = std::fs::metadata(p).map_err(|e| SourceError::io(p, e))?;
            if !meta.is_dir() {
                return Err(SourceError::UnknownFormat {
                    path: p.clone(),
                    reason: "a root filesystem must be a directory".into(),
                });
            }
            Ok(Image {
                name: p.display().to_string(),
                kind: ArtifactKind::Rootfs,
                image_id: None,
                repo_tags: Vec::new(),
                repo_digests: Vec::new(),
                config: None,
                layers: vec![Layer::from_dir(0, p.clone())],
                sequential: false,
                annotations: Vec::new(),
            })
        }
    }
}
