//! Layer walking, merging and caching.
//!
//! - [`walk_layer`] reads one layer once (a decompressed tar stream from `trawl-source`, or a root filesystem
//!   directory) and hands every regular file a [`Visitor`] wants (by path, mode and size: no I/O) to it; it
//!   records whiteouts (`.wh.NAME`), opaque dirs (`.wh..wh..opq`), symlinks and hard links in [`LayerEntries`].
//!   Paths are normalised (no leading `/` or `./`); entries with `..` are skipped with a warning; nothing is
//!   ever written to disk.
//! - [`MergedTree`] applies layers bottom-up (whiteouts, opaque dirs, replacement) and resolves links inside the
//!   image root.
//! - [`LayerCache`] / [`FsCache`] store per-layer results under a key from the diff ID and every analyzer's
//!   name and version ([`cache_key`]).
#![warn(missing_docs)]

mod cache;
mod merge;
mod walk;

pub use cache::{
    CacheError, DEFAULT_MAX_BYTES, FsCache, LayerCache, cache_key, get_json, put_json,
};
pub use merge::{MAX_LINK_HOPS, MAX_RESOLVE_STEPS, MAX_RESOLVED_PATH, MergedTree, Node};
pub use walk::{
    BlobWalk, LayerEntries, MAX_FILE, MAX_READ_TOTAL, ReadBudget, ReadGrant, Visitor, WalkError,
    normalize_entry, walk_blob, walk_dir, walk_layer, walk_tar,
};
