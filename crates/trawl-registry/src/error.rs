//! The one error type of this crate.
//!
//! Every variant names the registry, URL, repository or digest concerned. None ever carries a password, token or
//! `Authorization` header: secrets live only in [`crate::Secret`], which has no `Display` and a redacting `Debug`.

use std::path::PathBuf;

/// A registry operation failed. Each message is complete on its own (causes are included in the text, not
/// chained through `source()`), so printing an error chain does not repeat them.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The image reference could not be parsed.
    #[error("invalid image reference {reference:?}: {reason}")]
    InvalidReference {
        /// The reference as given.
        reference: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The `--platform` value could not be parsed.
    #[error("invalid platform {0:?}: expected os/arch[/variant] (e.g. linux/arm64) or \"all\"")]
    InvalidPlatform(String),
    /// A network-level failure (DNS, connect, TLS, timeout, reset) after the retries were used up.
    #[error("cannot reach {url}: {cause}")]
    Transport {
        /// The URL requested (never holds credentials).
        url: String,
        /// The transport error (its text is part of this error's message, so it is not exposed as `source()`).
        cause: Box<ureq::Error>,
    },
    /// The registry (or its token service) rejected the credentials, or required some and none were found.
    #[error("{registry}: authentication failed: {detail}")]
    Unauthorized {
        /// The registry host.
        registry: String,
        /// What was tried (never the secret itself).
        detail: String,
    },
    /// The registry answered 403 Forbidden.
    #[error("{registry}: access to {what} denied (HTTP 403){detail}")]
    Denied {
        /// The registry host.
        registry: String,
        /// Repository or endpoint.
        what: String,
        /// The registry's error message, if any.
        detail: String,
    },
    /// The manifest, blob or repository does not exist.
    #[error("{registry}: {what} not found: {name}{detail}")]
    NotFound {
        /// The registry host.
        registry: String,
        /// `manifest`, `blob`, `repository`.
        what: &'static str,
        /// `repo:tag`, `repo@digest`...
        name: String,
        /// The registry's error message, if any.
        detail: String,
    },
    /// An unexpected HTTP status.
    #[error("{method} {url}: HTTP {status}{detail}")]
    Status {
        /// HTTP method.
        method: String,
        /// The URL requested.
        url: String,
        /// The status code.
        status: u16,
        /// The registry's error message, if any.
        detail: String,
    },
    /// 429 Too Many Requests (or 5xx) persisted after every retry.
    #[error("{registry}: {url} still answers HTTP {status} after {attempts} attempts")]
    RetriesExhausted {
        /// The registry host.
        registry: String,
        /// The URL requested.
        url: String,
        /// The last status.
        status: u16,
        /// How many requests were sent.
        attempts: u32,
    },
    /// A blob or manifest's content does not hash to its digest.
    #[error("{registry}: content of {name} does not match its digest (got {actual}); rejected")]
    DigestMismatch {
        /// The registry host.
        registry: String,
        /// `repo@digest` of the object.
        name: String,
        /// The digest actually computed.
        actual: String,
    },
    /// A blob's length differs from its descriptor's size.
    #[error("{registry}: blob {name} has {actual} bytes, its descriptor says {expected}; rejected")]
    SizeMismatch {
        /// The registry host.
        registry: String,
        /// `repo@digest`.
        name: String,
        /// Size from the descriptor.
        expected: u64,
        /// Bytes received (so far).
        actual: u64,
    },
    /// Reading a blob failed and the retries were used up.
    #[error("{registry}: reading blob {name} failed after {received} bytes: {cause}")]
    BlobRead {
        /// The registry host.
        registry: String,
        /// `repo@digest`.
        name: String,
        /// Bytes received before the failure.
        received: u64,
        /// The underlying error.
        cause: std::io::Error,
    },
    /// A Docker schema 1 manifest (deprecated, unsigned layers without diff IDs).
    #[error(
        "{reference}: Docker image manifest schema 1 is deprecated and not supported; re-push the image with a current \
         client (Docker v2 schema 2 or OCI)"
    )]
    Schema1 {
        /// The reference pulled.
        reference: String,
    },
    /// A manifest of a kind this client does not understand.
    #[error("{reference}: unsupported manifest media type {media_type:?}")]
    UnsupportedMediaType {
        /// The reference pulled.
        reference: String,
        /// The media type found.
        media_type: String,
    },
    /// An index has no manifest for the wanted platform.
    #[error("{reference}: no image for platform {wanted} (available: {available})")]
    NoMatchingPlatform {
        /// The reference pulled.
        reference: String,
        /// The platform asked for.
        wanted: String,
        /// The platforms the index offers.
        available: String,
    },
    /// A JSON document (manifest, config, token, listing) could not be parsed.
    #[error("{url}: invalid {what}: {cause}")]
    Json {
        /// Where it came from.
        url: String,
        /// What it should have been.
        what: &'static str,
        /// The parse error.
        cause: serde_json::Error,
    },
    /// A response body could not be read.
    #[error("{url}: reading the response: {cause}")]
    Body {
        /// Where it came from.
        url: String,
        /// The error.
        cause: Box<ureq::Error>,
    },
    /// A response was larger than this client accepts for its kind (manifests, configs, listings).
    #[error("{url}: response larger than {limit} bytes")]
    TooLarge {
        /// Where it came from.
        url: String,
        /// The limit.
        limit: u64,
    },
    /// A docker credential helper failed.
    #[error("credential helper docker-credential-{helper} for {registry}: {detail}")]
    CredentialHelper {
        /// Helper suffix (`ecr-login`, `gcloud`, `desktop`...).
        helper: String,
        /// The registry asked about.
        registry: String,
        /// What went wrong (the helper's message, never its secret output).
        detail: String,
    },
    /// The docker `config.json` could not be read or parsed.
    #[error("docker config {}: {detail}", path.display())]
    DockerConfig {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// A `--cacert` file could not be used.
    #[error("CA certificate file {}: {detail}", path.display())]
    CaCert {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// The registry's `WWW-Authenticate` challenge or token answer could not be understood.
    #[error("{registry}: {detail}")]
    Protocol {
        /// The registry host.
        registry: String,
        /// What is wrong.
        detail: String,
    },
    /// A local file (blob to push) or writer failed.
    #[error("{}: {cause}", path.display())]
    Io {
        /// The file or destination.
        path: PathBuf,
        /// The error.
        cause: std::io::Error,
    },
}

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// True when the failure is about credentials (401), so callers can hint at `--username` / `docker login`.
    pub fn is_auth(&self) -> bool {
        matches!(self, Error::Unauthorized { .. } | Error::Denied { .. })
    }

    /// True when the object simply is not there (lets `--image-src` fall through to the next source).
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::NotFound { .. })
    }
}
