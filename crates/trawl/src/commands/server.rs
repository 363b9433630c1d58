//! `trawl server`: the scan service (`trawl_server`). This module is its [`trawl_server::Engine`]: analysis with
//! the scan orchestration (`crate::scan::analyse_source`, the layer cache in Redis), matching of stored inventories
//! with `crate::scan::report_from_analysis` against the `--db` file, re-opened when `db update` replaces it.

use crate::cli::ServerArgs;
use crate::dbsupply::DbSupply;
use crate::settings::{Settings, Target};
use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use trawl_policy::Policy;
use trawl_registry::{Client, ClientOptions, CredentialOptions, Secret};
use trawl_report::{ArtifactType, Report};
use trawl_server::{Analysis, Credentials, DbState, ImageTarget};
use trawl_source::{ImageSrc, RemoteOptions, SourceSpec};
use trawl_types::{ImageConfig, Inventory, Misconfiguration, SecretFinding};

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
        redis: args.redis,
        postgres: args.postgres,
        token: args.token.map(|t| t.expose().to_owned()),
        webhooks: args.webhook,
        webhook_secret: args.webhook_secret.map(|t| t.expose().to_owned()),
        workers: args.workers.max(1),
        consumer: args.replica.unwrap_or_else(|| {
            let host = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
            format!("{}-{}", host.trim(), std::process::id())
        }),
        claim_after: duration("claim-after", &args.claim_after)?,
        db_poll: duration("db-poll", &args.db_poll)?,
    };
    let policy = settings.policy()?;
    let engine = ScanEngine {
        settings,
        policy,
        db: Mutex::new(DbSlot::default()),
    };
    trawl_server::run(config, Arc::new(engine))?;
    Ok(ExitCode::SUCCESS)
}

/// What the server stores per image digest: everything matching needs, so a DB change re-matches it without
/// pulling the image.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct StoredImage {
    name: String,
    artifact_type: ArtifactType,
    image_id: Option<String>,
    repo_tags: Vec<String>,
    repo_digests: Vec<String>,
    config: Option<ImageConfig>,
    inventory: Inventory,
    /// The analyzer of each package (not serialised in `Package`; decides its result type and grouping).
    analyzers: Vec<Option<String>>,
    secrets: Vec<SecretFinding>,
    misconfigurations: Vec<Misconfiguration>,
    layers: Vec<trawl_analyzers::pipeline::LayerReport>,
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
            let since_epoch =
                fp.1.duration_since(std::time::UNIX_EPOCH)
                    .unwrap_or_default();
            let state = DbState {
                version: format!(
                    "{built_at}+{}.{:09}+{}+{}",
                    since_epoch.as_secs(),
                    since_epoch.subsec_nanos(),
                    fp.2,
                    fp.0
                ),
                built_at,
            };
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
        let digest = image
            .repo_digests
            .iter()
            .find_map(|d| d.rsplit_once('@').map(|(_, d)| d.to_owned()))
            .or_else(|| image.image_id.clone())
            .context("the image has no digest")?;
        let layers_seen = analyzed.layers.len() as u64;
        let layers_analysed = analyzed.cache_misses as u64;
        let stored = StoredImage {
            name: target.reference.clone(),
            artifact_type: ArtifactType::ContainerImage,
            image_id: image.image_id,
            repo_tags: image.repo_tags,
            repo_digests: image.repo_digests,
            config: image.config,
            analyzers: analyzed
                .inventory
                .packages
                .iter()
                .map(|p| p.analyzer.map(str::to_owned))
                .collect(),
            inventory: analyzed.inventory,
            secrets: analyzed.secrets,
            misconfigurations: analyzed.misconfigurations,
            layers: analyzed.layers,
        };
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
        let stored = StoredImage {
            name: name.to_owned(),
            artifact_type: ArtifactType::Filesystem,
            image_id: None,
            repo_tags: Vec::new(),
            repo_digests: Vec::new(),
            config: None,
            analyzers: vec![None; inventory.packages.len()],
            inventory,
            secrets: Vec::new(),
            misconfigurations: Vec::new(),
            layers: Vec::new(),
        };
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
        let stored = StoredImage::deserialize(inventory).context("not a trawl inventory")?;
        report_of(
            stored,
            &self.settings,
            &self.policy,
            self.supply().map(|s| s.0),
            started,
        )
    }

    fn db(&self) -> Option<DbState> {
        self.supply().map(|s| s.1)
    }
}

/// Matches a stored image into a report.
pub(crate) fn report_of(
    stored: StoredImage,
    settings: &Settings,
    policy: &Policy,
    supply: Option<Arc<DbSupply>>,
    started: std::time::Instant,
) -> anyhow::Result<Report> {
    let Some(supply) = supply else {
        bail!("no advisory DB");
    };
    let mut inventory = stored.inventory;
    for (p, a) in inventory.packages.iter_mut().zip(&stored.analyzers) {
        p.analyzer = a
            .as_deref()
            .and_then(|a| trawl_analyzers::ALL.iter().find(|d| d.name == a))
            .map(|d| d.name);
    }
    let image = trawl_source::Image {
        name: stored.name.clone(),
        kind: match stored.artifact_type {
            ArtifactType::ContainerImage => trawl_source::ArtifactKind::ContainerImage,
            _ => trawl_source::ArtifactKind::Filesystem,
        },
        image_id: stored.image_id,
        repo_tags: stored.repo_tags,
        repo_digests: stored.repo_digests,
        config: stored.config,
        layers: Vec::new(),
        sequential: false,
    };
    let analyzed = trawl_analyzers::pipeline::AnalyzedImage {
        inventory,
        secrets: stored.secrets,
        misconfigurations: stored.misconfigurations,
        layers: stored.layers,
        ..Default::default()
    };
    crate::scan::report_from_analysis(
        &stored.name,
        stored.artifact_type,
        settings,
        Some(&supply),
        policy,
        &image,
        analyzed,
        started,
    )
}
