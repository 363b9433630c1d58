//! OCI distribution client: auth, manifests, blobs, push, catalog.
//!
//! Synchronous (ureq 3 + rustls), thread-safe and cheap to clone, so a scan can open every layer of an image on
//! its own thread. What it does:
//!
//! - **References** ([`Reference`]): `REGISTRY/REPO[:TAG][@sha256:...]`, Docker Hub defaults (`alpine` ->
//!   `docker.io/library/alpine:latest`, served by `registry-1.docker.io`), `localhost`/`127.0.0.1` ports.
//! - **Auth**: anonymous, HTTP Basic, and bearer tokens fetched from the realm named by the `WWW-Authenticate`
//!   challenge (with `service` and `scope`), using credentials from [`CredentialOptions`]: explicit
//!   username/password or token, else docker's `config.json` (`auths` with `auth`/`identitytoken`, `credHelpers`,
//!   `credsStore`, i.e. `docker-credential-<name> get`). Secrets live in [`Secret`] (redacted `Debug`, no
//!   `Display`) and never appear in errors or logs.
//! - **Transport**: HTTPS by default; loopback registries and `insecure` try HTTPS without verification, then
//!   plain HTTP; `ca_certs` replaces the root store. Retries with exponential backoff on 429/5xx (honouring
//!   `Retry-After`) and on network errors.
//! - **Manifests**: OCI and Docker v2 schema 2 manifests and indexes; schema 1 is a clear [`Error::Schema1`].
//!   [`Client::resolve`] picks platforms ([`PlatformSelector`]: host default, `os/arch[/variant]`, `all`).
//! - **Blobs**: [`BlobReader`] streams, verifies digest and size while reading, and resumes a dropped connection
//!   with a `Range` request.
//! - **Listing**: [`Client::catalog`], [`Client::tags`] (with `Link` pagination).
//! - **Push**: [`Client::push_blob`], [`Client::push_blob_file`], [`Client::push_manifest`]; with
//!   [`Client::pull_manifest`] and [`Client::pull_blob_to`] this is enough to publish and fetch OCI artifacts.
//!
//! ```no_run
//! use trawl_registry::{Client, ClientOptions, PlatformSelector, Reference};
//! let client = Client::new(ClientOptions::default())?;
//! let reference: Reference = "127.0.0.1:5000/alpine:3.20".parse()?;
//! for image in client.resolve(&reference, &"linux/arm64".parse::<PlatformSelector>()?)? {
//!     for layer in &image.manifest.layers {
//!         let mut blob = client.open_blob(&reference.repository, &layer.digest, Some(layer.size))?;
//!         std::io::copy(&mut blob, &mut std::io::sink()).expect("verified stream");
//!     }
//! }
//! # Ok::<(), trawl_registry::Error>(())
//! ```

mod auth;
mod blob;
mod client;
pub mod ecr;
mod error;
pub mod listing;
mod manifest;
mod ops;
mod reference;

pub use auth::{
    Challenge, Credential, CredentialOptions, DockerConfig, DockerConfigSource, Secret,
    default_docker_config_path, parse_challenge, run_credential_helper,
};
pub use blob::{BlobReader, PrefetchReader};
pub use client::{Client, ClientOptions, ClientStats, RetryPolicy};
pub use error::{Error, Result};
pub use manifest::{
    ConfigPlatform, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_SCHEMA1, DOCKER_SCHEMA1_SIGNED,
    Descriptor, ImageIndex, ImageManifest, MANIFEST_ACCEPT, Manifest, OCI_INDEX, OCI_MANIFEST,
    Platform, PlatformSelector, PulledManifest, parse_manifest,
};
pub use ops::{MAX_CONFIG_BYTES, MAX_MANIFEST_BYTES, ResolvedImage};
pub use reference::{
    Algorithm, DOCKER_HUB, DOCKER_HUB_API, DOCKER_HUB_CONFIG_KEY, Digest, Reference, Registry,
    Repository,
};
