//! `trawl server`: an HTTP service (axum on tokio) speaking Harbor's Pluggable Scanner API v1.2 under `/api/v1`
//! and trawl's own API under `/api/trawl/v1`, with its jobs in a Redis stream (consumer group: any replica takes
//! the next job, a dead replica's job is claimed after a timeout), the per-layer analysis cache in Redis, and
//! inventories, reports and finding history in PostgreSQL. When the advisory DB changes, every stored inventory is
//! matched again (no image pulled) and new findings are announced by signed webhooks.
//!
//! The crate does not scan: the binary gives it an [`Engine`] (analyse an image, read an SBOM, match an
//! inventory), so the scan code stays in one place.

mod api;
pub mod cache;
pub mod harbor;
pub mod metrics;
pub mod queue;
mod rematch;
pub mod seal;
pub mod store;
pub mod webhook;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use trawl_report::Report;

pub use api::router;

/// An image to analyse.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct ImageTarget {
    /// `host[:port]/repository@digest` (or `:tag`).
    pub reference: String,
    /// Plain HTTP / unverified TLS towards the registry.
    #[serde(default)]
    pub insecure: bool,
    /// Registry credentials (never logged: [`Credentials`]'s `Debug` hides them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<Credentials>,
}

/// Registry credentials from a scan request's `Authorization` value.
#[derive(Clone, serde::Serialize, serde::Deserialize, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum Credentials {
    /// `Basic base64(user:password)`.
    Basic {
        /// User name.
        username: String,
        /// Password.
        password: String,
    },
    /// `Bearer TOKEN`: a registry token.
    Bearer(String),
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::Basic { username, .. } => write!(f, "Basic({username}:***)"),
            Credentials::Bearer(_) => f.write_str("Bearer(***)"),
        }
    }
}

impl Credentials {
    /// Parses an HTTP `Authorization` value (`Basic ...` or `Bearer ...`); `None` when it is neither.
    pub fn from_authorization(value: &str) -> Option<Credentials> {
        use base64::Engine as _;
        let (scheme, rest) = value.trim().split_once(' ')?;
        let rest = rest.trim();
        if scheme.eq_ignore_ascii_case("basic") {
            let raw = base64::engine::general_purpose::STANDARD
                .decode(rest)
                .ok()?;
            let text = String::from_utf8(raw).ok()?;
            let (u, p) = text.split_once(':')?;
            Some(Credentials::Basic {
                username: u.to_owned(),
                password: p.to_owned(),
            })
        } else if scheme.eq_ignore_ascii_case("bearer") && !rest.is_empty() {
            Some(Credentials::Bearer(rest.to_owned()))
        } else {
            None
        }
    }
}

/// What an analysis gives: the image's identity and its inventory, as the engine stores it (opaque JSON).
#[derive(Debug, Clone)]
pub struct Analysis {
    /// The manifest (or, without one, config) digest: the key of the stored inventory.
    pub digest: String,
    /// Display name (the reference).
    pub name: String,
    /// The engine's serialised inventory, re-matched later by [`Engine::report`].
    pub inventory: serde_json::Value,
    /// Layers in the image.
    pub layers_seen: u64,
    /// Layers analysed (not found in the layer cache).
    pub layers_analysed: u64,
}

/// The advisory DB the engine matches with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbState {
    /// Changes whenever the DB file is replaced (the trigger of a re-match).
    pub version: String,
    /// When the DB was built (RFC 3339).
    pub built_at: String,
}

/// The scanning half of the server, implemented by the binary.
pub trait Engine: Send + Sync + 'static {
    /// Analyses an image (blocking; called on a blocking thread) with the shared layer cache.
    fn analyse(
        &self,
        target: &ImageTarget,
        cache: Arc<dyn trawl_layers::LayerCache>,
    ) -> anyhow::Result<Analysis>;
    /// Reads an SBOM (CycloneDX or SPDX JSON) into an inventory.
    fn sbom(&self, name: &str, document: &[u8]) -> anyhow::Result<Analysis>;
    /// Matches a stored inventory against the current DB into a report (blocking).
    fn report(&self, inventory: &serde_json::Value) -> anyhow::Result<Report>;
    /// The current DB (re-opened when its file was replaced), `None` when there is none (not ready).
    fn db(&self) -> Option<DbState>;
}

/// The server's settings (`Debug` shows no secret).
#[derive(Clone)]
pub struct Config {
    /// Listening address.
    pub listen: SocketAddr,
    /// Redis URL (`redis://127.0.0.1:6379`).
    pub redis: String,
    /// PostgreSQL URL (`postgres://user@host/db`).
    pub postgres: String,
    /// Token required as `Authorization: Bearer TOKEN` (or as the password of Basic auth); `None`: no auth.
    pub token: Option<String>,
    /// URLs POSTed new findings after a re-match.
    pub webhooks: Vec<String>,
    /// Key of the webhooks' `X-Trawl-Signature` HMAC.
    pub webhook_secret: Option<String>,
    /// Concurrent jobs in this replica.
    pub workers: usize,
    /// This replica's consumer name in the group.
    pub consumer: String,
    /// A job idle this long in another consumer's hands is taken over.
    pub claim_after: Duration,
    /// How often the DB file is checked for a new version.
    pub db_poll: Duration,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hidden = |o: &Option<String>| o.as_ref().map(|_| "***");
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("token", &hidden(&self.token))
            .field("webhooks", &self.webhooks.len())
            .field("webhook_secret", &hidden(&self.webhook_secret))
            .field("workers", &self.workers)
            .field("consumer", &self.consumer)
            .field("claim_after", &self.claim_after)
            .field("db_poll", &self.db_poll)
            .finish_non_exhaustive()
    }
}

/// Shared state of one replica.
pub struct State {
    pub(crate) config: Config,
    pub(crate) engine: Arc<dyn Engine>,
    pub(crate) queue: queue::Queue,
    pub(crate) store: store::Store,
    pub(crate) cache: Arc<cache::RedisCache>,
    pub(crate) metrics: Arc<metrics::Metrics>,
}

/// Runs the server until SIGINT/SIGTERM.
pub async fn serve(config: Config, engine: Arc<dyn Engine>) -> anyhow::Result<()> {
    let metrics = Arc::new(metrics::Metrics::default());
    if config.token.is_none() {
        tracing::warn!(
            "no --token: the API needs no authentication, and queued jobs (with the registry credentials of \
             Harbor's scan requests) are kept unsealed in Redis"
        );
    }
    let queue = queue::Queue::new(&config.redis, config.token.as_deref())?;
    let store = store::Store::new(&config.postgres)?;
    let cache = Arc::new(cache::RedisCache::new(&config.redis, Arc::clone(&metrics))?);
    let state = Arc::new(State {
        config: config.clone(),
        engine,
        queue,
        store,
        cache,
        metrics,
    });
    // Migrations (retried until PostgreSQL answers: readiness says why meanwhile).
    {
        let state = Arc::clone(&state);
        tokio::spawn(async move {
            loop {
                match state.store.migrate().await {
                    Ok(()) => break,
                    Err(e) => tracing::warn!("PostgreSQL migrations: {e:#}"),
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }
    for n in 0..config.workers.max(1) {
        tokio::spawn(queue::worker(Arc::clone(&state), n));
    }
    tokio::spawn(rematch::watch(Arc::clone(&state)));
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    tracing::info!("trawl server listening on {}", listener.local_addr()?);
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown())
        .await?;
    Ok(())
}

async fn shutdown() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(t) => t,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

/// Runs [`serve`] on a runtime of its own (for a synchronous `main`).
pub fn run(config: Config, engine: Arc<dyn Engine>) -> anyhow::Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(serve(config, engine))
}

/// A streaming [`content_digest`] (`std::io::Write` it the bytes).
#[derive(Default)]
pub struct ContentDigest(sha2::Sha256);

impl std::io::Write for ContentDigest {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        sha2::Digest::update(&mut self.0, buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl ContentDigest {
    /// `sha256:<hex>` of what was written.
    pub fn finish(self) -> String {
        format!("sha256:{}", hex::encode(sha2::Digest::finalize(self.0)))
    }
}

/// `sha256:<hex>` of some bytes (the identity of a submitted SBOM).
pub fn content_digest(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(bytes)))
}

#[cfg(test)]
mod tests {
    use super::Credentials;

    #[test]
    fn authorization_values_become_credentials() {
        // "user:p:ss" in base64: the password keeps its colons.
        assert_eq!(
            Credentials::from_authorization("Basic dXNlcjpwOnNz"),
            Some(Credentials::Basic {
                username: "user".into(),
                password: "p:ss".into()
            })
        );
        assert_eq!(
            Credentials::from_authorization("bearer abc.def"),
            Some(Credentials::Bearer("abc.def".into()))
        );
        assert_eq!(Credentials::from_authorization("Basic !!!"), None);
        assert_eq!(Credentials::from_authorization("Digest x"), None);
        assert_eq!(Credentials::from_authorization("Bearer"), None);
    }

    #[test]
    fn config_debug_shows_no_secret() {
        let c = super::Config {
            listen: "127.0.0.1:1".parse().expect("addr"),
            redis: "redis://:redis-pw@127.0.0.1".into(),
            postgres: "postgres://u:pg-pw@127.0.0.1/db".into(),
            token: Some("tok-secret".into()),
            webhooks: vec!["https://hooks.example/x?key=hook-pw".into()],
            webhook_secret: Some("hmac-secret".into()),
            workers: 1,
            consumer: "r".into(),
            claim_after: std::time::Duration::from_secs(1),
            db_poll: std::time::Duration::from_secs(1),
        };
        let d = format!("{c:?}");
        for s in ["redis-pw", "pg-pw", "tok-secret", "hook-pw", "hmac-secret"] {
            assert!(!d.contains(s), "{s} in {d}");
        }
    }

    #[test]
    fn credentials_never_show_in_debug() {
        let c = Credentials::Basic {
            username: "robot".into(),
            password: "s3cret-pw".into(),
        };
        assert!(!format!("{c:?}").contains("s3cret-pw"));
        assert!(!format!("{:?}", Credentials::Bearer("tok-123".into())).contains("tok-123"));
    }
}
