//! `trawl server`: the scan service (`trawl_server`). This module is its [`trawl_server::Engine`]: analysis with
//! the scan orchestration (`crate::scan::analyse_source`, the layer cache in Redis), matching of stored inventories
//! with `crate::scan::report_from_analysis` against the `--db` file, re-opened when `db update` replaces it.

use crate::cli::ServerArgs;
use crate::dbsupply::DbSupply;
use crate::scan::stored::StoredImage;
use crate::settings::{Settings, Target};
use anyhow::{Context, bail};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use trawl_policy::Policy;
use trawl_registry::{Client, ClientOptions, CredentialOptions, Secret};
use trawl_report::Report;
use trawl_server::{Analysis, Credentials, DbState, ImageTarget};
use trawl_source::{ImageSrc, RemoteOptions, SourceSpec};

pub(crate) fn run(args: ServerArgs) -> anyhow::Result<ExitCode> {
    let settings = Settings::resolve(args.scan, Target::Image)?;
    if !settings.db_supply.explicit {
        bail!("trawl server needs --db PATH (kept fresh by `trawl db update --db PATH`)");
    }
    let duration = |flag: &str, v: &str| {
        trawl_types::time::parse_duration(v).with_context(|| format!("bad --{flag} {v:?}"))
    };
    let config = trawl_server::Config {
        listen: args.listen,
        redis: args.redis.expose().to_owned(),
        postgres: args.postgres.expose().to_owned(),
        token: args.token.map(|t| t.expose().to_owned()),
        webhooks: args.webhook.iter().map(|w| w.expose().to_owned()).collect(),
        webhook_secret: args.webhook_secret.map(|t| t.expose().to_owned()),
        workers: args.workers.max(1),
        consumer: args.replica.unwrap_or_else(|| {
            let host = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
            format!("{}-{}", host.trim(), std::process::id())
        }),
        claim_after: duration("claim-after", &args.claim_after)?,
        db_poll: duration("db-poll", &args.db_poll)?,
    };
    let update_every = duration("db-update-interval", &args.db_update_interval)?;
    let policy = settings.policy()?;
    let repositories = settings.db_supply.repositories.clone();
    if !repositories.is_empty() {
        // Kept fresh as `trawl db update` does: fetched, verified, swapped atomically; the engine sees the new
        // file and the server re-matches the stored inventories.
        let db = settings.db_supply.db.clone();
        std::thread::spawn(move || {
            loop {
                if let Err(e) = crate::dbsupply::update_db(&db, &repositories) {
                    tracing::warn!("{e:#}");
                }
                std::thread::sleep(update_every);
            }
        });
    }
    let engine = ScanEngine {
        settings,
        policy,
        db: Mutex::new(DbSlot::default()),
    };
    trawl_server::run(config, Arc::new(engine))?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Default)]
struct DbSlot {
    /// (length, modification time, inode) of the file last opened.
    fingerprint: Option<(u64, std::time::SystemTime, u64)>,
    supply: Option<Arc<DbSupply>>,
    state: Option<DbState>,
}

struct ScanEngine {
    settings: Settings,
    policy: Policy,
    db: Mutex<DbSlot>,
}

impl ScanEngine {
    /// The DB supply of the current file (re-opened when it was replaced).
    fn supply(&self) -> Option<(Arc<DbSupply>, DbState)> {
        use std::os::unix::fs::MetadataExt as _;
        let path = &self.settings.db_supply.db;
        let meta = std::fs::metadata(path).ok()?;
        let fp = (meta.len(), meta.modified().ok()?, meta.ino());
        let mut slot = self.db.lock().unwrap_or_else(|p| p.into_inner());
        if slot.fingerprint != Some(fp) {
            let db = match trawl_advisory::AdvisoryDb::open(path) {
                Ok(db) => db,
                Err(e) => {
                    tracing::warn!("advisory DB {}: {e:#}", path.display());
                    return slot.supply.clone().zip(slot.state.clone());
                }
            };
            let built_at = db.metadata().built_at.clone();
            // The version is the content's digest: a DB fetched again unchanged is the same version.
            let version = match file_digest(path) {
                Ok(d) => d,
                Err(e) => {
                    tracing::warn!("advisory DB {}: {e:#}", path.display());
                    return slot.supply.clone().zip(slot.state.clone());
                }
            };
            let state = DbState { version, built_at };
            match DbSupply::new(self.settings.db_supply.clone()) {
                Ok(s) => {
                    tracing::info!("advisory DB {} (version {})", path.display(), state.version);
                    slot.supply = Some(Arc::new(s));
                    slot.state = Some(state);
                    slot.fingerprint = Some(fp);
                }
                Err(e) => tracing::warn!("{e:#}"),
            }
        }
        slot.supply.clone().zip(slot.state.clone())
    }
}

/// `sha256:<hex>` of a file.
fn file_digest(path: &std::path::Path) -> anyhow::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut hasher = trawl_server::ContentDigest::default();
    std::io::copy(&mut f, &mut hasher)?;
    Ok(hasher.finish())
}

fn remote_options(target: &ImageTarget) -> anyhow::Result<RemoteOptions> {
    let mut credentials = CredentialOptions::default();
    match &target.credentials {
        Some(Credentials::Basic { username, password }) => {
            credentials.username = Some(username.clone());
            credentials.password = Some(Secret::new(password.clone()));
        }
        Some(Credentials::Bearer(token)) => {
            credentials.registry_token = Some(Secret::new(token.clone()));
        }
        None => {}
    }
    let client = Client::new(ClientOptions {
        insecure: target.insecure,
        credentials,
        ..ClientOptions::default()
    })?;
    Ok(RemoteOptions {
        image_src: vec![ImageSrc::Remote],
        client: Some(client),
        ..RemoteOptions::default()
    })
}

impl trawl_server::Engine for ScanEngine {
    fn analyse(
        &self,
        target: &ImageTarget,
        cache: Arc<dyn trawl_layers::LayerCache>,
    ) -> anyhow::Result<Analysis> {
        let spec = SourceSpec::Registry {
            reference: target.reference.clone(),
            options: remote_options(target)?,
        };
        let (image, analyzed) =
            crate::scan::analyse_source(&target.reference, &spec, &self.settings, Some(cache))?;
        let digest = crate::scan::manifest_digest_of(&image.repo_digests)
            .or_else(|| image.image_id.clone())
            .context("the image has no digest")?;
        let layers_seen = analyzed.layers.len() as u64;
        let layers_analysed = analyzed.cache_misses as u64;
        let (base, _) = crate::scan::base::find(&image, &spec, &self.settings);
        let stored = StoredImage::from_analysis(&target.reference, image, analyzed, base);
        Ok(Analysis {
            digest,
            name: target.reference.clone(),
            inventory: serde_json::to_value(&stored)?,
            layers_seen,
            layers_analysed,
        })
    }

    fn sbom(&self, name: &str, document: &[u8]) -> anyhow::Result<Analysis> {
        let inventory = crate::scan::sbomdoc::from_bytes(name, document)?;
        let digest = format!("sbom:{}", trawl_server::content_digest(document));
        let stored = StoredImage::from_sbom(name, inventory);
        Ok(Analysis {
            digest,
            name: name.to_owned(),
            inventory: serde_json::to_value(&stored)?,
            layers_seen: 0,
            layers_analysed: 0,
        })
    }

    fn report(&self, inventory: &serde_json::Value) -> anyhow::Result<Report> {
        let started = std::time::Instant::now();
        let stored = StoredImage::deserialize_from(inventory).context("not a trawl inventory")?;
        let Some((supply, _)) = self.supply() else {
            bail!("no advisory DB");
        };
        stored.report(&self.settings, &self.policy, &supply, started)
    }

    fn db(&self) -> Option<DbState> {
        self.supply().map(|s| s.1)
    }
}
