//! Base image attribution and upgrade advice.
//!
//! - [`detect()`]: which of an image's bottom layers its base image brought, found from what the image says
//!   (the `org.opencontainers.image.base.*` label or annotation, `--base-image`), from known images whose layers
//!   are the image's bottom layers, or from the build history. Pure: the caller fetches the named image's layers
//!   and the candidates.
//! - [`tags`]: the tags of a base's distribution line (`12.5` -> `12.8`, `3.19-slim` -> `3.20-slim`).
//! - [`advice`]: which candidate tag removes the most of the base's findings, by severity.
#![warn(missing_docs)]

pub mod advice;
pub mod detect;
pub mod tags;

pub use advice::{Change, FindingKey};
pub use detect::{BASE_DIGEST_KEY, BASE_NAME_KEY, Candidate, Evidence, HistoryBase, Named, detect};
