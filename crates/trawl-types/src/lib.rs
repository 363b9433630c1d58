//! The shared model of trawl.
//!
//! Every crate of the pipeline (source -> layers -> analyzers -> inventory -> matcher -> policy -> report) speaks
//! these types. They are plain data with serde derives: the native JSON report is their serialisation, and the
//! layer cache stores them, so a change of a serialised field is a change of the cache format (bump
//! [`CACHE_FORMAT_VERSION`]).
#![warn(missing_docs)]

mod base;
pub mod cpe;
mod data_source;
mod ecosystem;
mod extra;
mod finding;
pub mod hash;
mod image_config;
mod package;
pub mod pool;
mod purl;
mod strser;
pub mod time;

pub use base::{BaseDetection, BaseImage, Origin};
pub use data_source::{DataSourceId, OtherId, ParseDataSourceIdError};
pub use ecosystem::{Ecosystem, OsFamily, ParseEcosystemError};
pub use extra::{
    CheckStatus, ConfigFileType, Misconfiguration, ParseCheckStatusError, ParseConfigFileTypeError,
    SecretFinding,
};
pub use finding::{
    Cvss, DataSource, Finding, MatchDetails, MatchedBy, MatchedRecord, ParseSeverityError,
    ParseStatusError, Reachability, ReachabilityStatus, Severity, Status, Suppression,
    VENDOR_STATUS_WORDS, vendor_status_word,
};
pub use image_config::{Healthcheck, HistoryEntry, ImageConfig, ImageConfigError};
pub use package::{GoSymbols, Inventory, LayerRef, OsInfo, Package, Relationship, Warning};
pub use purl::{ParsePurlError, Purl, PurlErrorKind, purl_encode};

/// Version of the serialised shapes stored in the layer cache. Part of every cache key.
///
/// 2: the parts of the key that were hashed with the std `DefaultHasher` (path filters) or a 32-bit FNV-1a
/// (custom secret rules and Rego policies) now use [`hash::Fnv1a`]; the bump keeps any old entry from being
/// read under a new key.
pub const CACHE_FORMAT_VERSION: u32 = 2;
