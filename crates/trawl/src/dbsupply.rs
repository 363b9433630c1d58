//! Where a scan's advisory DB comes from, with no setup: the chain `--db` > a young DB in the cache > the
//! published DB (OCI mirrors, digest-checked) > a DB built straight from the publishers for what this inventory
//! needs (`trawl_advisory::supply`). Each step that is skipped says why in one line.

use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use trawl_advisory::AdvisoryDb;
use trawl_advisory::supply::{Needs, SupplyOptions};
use trawl_advisory::upstream::Locations;
use trawl_types::{OsInfo, Package};

pub(crate) use crate::cli::DbSource;

/// Everything the chain needs from the settings.
#[derive(Debug, Clone)]
pub(crate) struct DbSupplyConfig {
    /// The DB file (`--db`, or `CACHE_DIR/db/trawl.db`).
    pub(crate) db: PathBuf,
    /// Whether `--db` / `TRAWL_DB` named it: then it is used as given (updated only from `--db-repository`).
    pub(crate) explicit: bool,
    /// `--db-repository` (replaces the published mirrors).
    pub(crate) repositories: Vec<String>,
    /// `--skip-db-update`.
    pub(crate) skip_update: bool,
    /// `--offline`.
    pub(crate) offline: bool,
    /// `--db-max-age`.
    pub(crate) max_age: Duration,
    /// `--db-source`.
    pub(crate) source: DbSource,
    /// `--feed KIND=URL` overrides.
    pub(crate) feeds: Vec<String>,
    /// A progress bar on terminals (`--no-progress` turns it off).
    pub(crate) progress: bool,
}

/// The DB of one run, obtained once per inventory and shared by the images of a multi-image scan.
pub(crate) struct DbSupply {
    config: DbSupplyConfig,
    locations: Locations,
    state: Mutex<Option<Arc<AdvisoryDb>>>,
    published_failed: Mutex<bool>,
}

impl std::fmt::Debug for DbSupply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbSupply")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

fn is_young(db: &AdvisoryDb, max_age: Duration) -> bool {
    trawl_advisory::update::age_of(&db.metadata().built_at).is_some_and(|a| a <= max_age)
}

impl DbSupply {
    pub(crate) fn new(config: DbSupplyConfig) -> anyhow::Result<Self> {
        let locations = Locations::resolve(&|k| std::env::var(k).ok(), &config.feeds)
            .map_err(anyhow::Error::msg)
            .context("bad --feed / TRAWL_FEED_* location")?;
        Ok(DbSupply {
            config,
            locations,
            state: Mutex::new(None),
            published_failed: Mutex::new(false),
        })
    }

    fn cache_dir(&self) -> PathBuf {
        self.config
            .db
            .parent()
            .and_then(|p| p.parent())
            .map_or_else(|| PathBuf::from("."), PathBuf::from)
    }

    /// The DB built from the publishers for scans, beside the published one.
    fn upstream_db(&self) -> PathBuf {
        self.config.db.with_file_name("upstream.db")
    }

    fn open(path: &std::path::Path) -> anyhow::Result<Arc<AdvisoryDb>> {
        Ok(Arc::new(AdvisoryDb::open(path).with_context(|| {
            format!("cannot open the advisory DB {}", path.display())
        })?))
    }

    /// The DB to match `os` and `packages` against.
    pub(crate) fn for_inventory(
        &self,
        os: Option<&OsInfo>,
        packages: &[Package],
    ) -> anyhow::Result<Arc<AdvisoryDb>> {
        let mut state = self
            .state
            .lock()
            .map_err(|_| anyhow::anyhow!("the DB supply was poisoned by a failed scan"))?;
        let c = &self.config;
        // 1. A DB named on the command line is used as given.
        if c.explicit {
            if let Some(db) = state.as_ref() {
                return Ok(db.clone());
            }
            if !c.db.is_file() {
                if c.skip_update || c.repositories.is_empty() {
                    bail!(
                        "no advisory DB at {}\nhint: build one with `trawl db build --source KIND=PATH -o {}`, fetch \
                         one with `trawl db update --db-repository URL`, or leave out --db to get one automatically",
                        c.db.display(),
                        c.db.display()
                    );
                }
                update_db(&c.db, &c.repositories)?;
            }
            let db = Self::open(&c.db)?;
            *state = Some(db.clone());
            return Ok(db);
        }
        // 2. A published DB in the cache that is young enough (or any, when told not to update).
        if c.source != DbSource::Upstream && c.db.is_file() {
            match AdvisoryDb::open(&c.db) {
                Ok(db) if c.skip_update || is_young(&db, c.max_age) => return Ok(Arc::new(db)),
                Ok(_) => tracing::info!(
                    "the advisory DB {} is older than --db-max-age",
                    c.db.display()
                ),
                Err(e) => tracing::warn!("{e:#}"),
            }
        }
        let upstream = self.upstream_db();
        if c.skip_update {
            if c.source != DbSource::Published && upstream.is_file() {
                return Self::open(&upstream);
            }
            if !c.offline {
                bail!(
                    "no advisory DB at {} and --skip-db-update was given\nhint: run once without it (or `trawl db \
                     update`), or pass --db PATH",
                    c.db.display()
                );
            }
        }
        // 3. The published DB, from its mirrors in order.
        if c.source != DbSource::Upstream && !c.offline {
            let mut failed = self
                .published_failed
                .lock()
                .map_err(|_| anyhow::anyhow!("poisoned"))?;
            if !*failed {
                let locations = self.published_locations();
                match update_db(&c.db, &locations) {
                    Ok(()) => return Self::open(&c.db),
                    Err(e) => {
                        *failed = true;
                        let reason = format!("{e:#}").replace('\n', "; ");
                        if c.source == DbSource::Published {
                            bail!("no published advisory DB could be had: {reason}");
                        }
                        tracing::warn!(
                            "published DB skipped ({}): {reason}; building from the publishers instead",
                            locations.join(", ")
                        );
                    }
                }
            }
        }
        // 4. Built straight from the publishers, for what this inventory needs.
        let needs = needs_of(os, packages);
        let opts = SupplyOptions {
            cache_dir: self.cache_dir().join("feeds"),
            db_path: upstream.clone(),
            locations: self.locations.clone(),
            max_age: c.max_age,
            offline: c.offline,
            timeout: Duration::from_secs(120),
            progress: if self.config.progress {
                terminal_progress()
            } else {
                None
            },
        };
        let mut matched = |db: &AdvisoryDb| matched_cves(db, os, packages);
        let outcome = match trawl_advisory::supply::supply(&opts, &needs, &mut matched) {
            Ok(o) => o,
            Err(e) if upstream.is_file() => {
                tracing::warn!(
                    "cannot refresh {}: {e}; the previous DB stays in use",
                    upstream.display()
                );
                return Self::open(&upstream);
            }
            Err(e) => {
                return Err(anyhow::Error::new(e)).context(format!(
                    "cannot build an advisory DB from the publishers into {}",
                    upstream.display()
                ));
            }
        };
        let db = Self::open(&upstream)?;
        if outcome.rebuilt {
            for s in &db.metadata().sources {
                tracing::info!("feed {}: {} records", s.kind, s.records);
            }
        }
        tracing::info!(
            "advisory DB {}: {} feed resource(s), {} bytes transferred{}",
            upstream.display(),
            outcome.lines.len(),
            outcome.bytes,
            if outcome.rebuilt {
                ", rebuilt"
            } else {
                ", unchanged"
            }
        );
        Ok(db)
    }

    fn published_locations(&self) -> Vec<String> {
        published_locations(&self.config.repositories, &self.locations)
    }
}

/// `--db-repository` when given, else the published mirrors (`TRAWL_FEED_DB`) with the DB schema as their tag.
pub(crate) fn published_locations(repositories: &[String], locations: &Locations) -> Vec<String> {
    if !repositories.is_empty() {
        return repositories.to_vec();
    }
    locations
        .db_repositories()
        .into_iter()
        .map(|r| {
            let last = r.rsplit('/').next().unwrap_or("");
            if last.contains(':') || last.contains('@') || r.starts_with("http") {
                r
            } else {
                format!("{r}:{}", trawl_advisory::SCHEMA_VERSION)
            }
        })
        .collect()
}

/// Fetches the DB into `db` from `locations` (used by scans when no DB is there yet).
pub(crate) fn update_db(db: &Path, locations: &[String]) -> anyhow::Result<()> {
    let opts = trawl_advisory::update::UpdateOptions::new(db, locations.to_vec());
    trawl_advisory::update::update(&opts)
        .with_context(|| format!("cannot fetch the advisory DB into {}", db.display()))?;
    Ok(())
}

/// A progress bar per download when stderr is a terminal (bytes, and the size when the server gives it); CI
/// logs get the one line per feed the supply logs instead.
pub(crate) fn terminal_progress() -> Option<trawl_advisory::fetch::Progress> {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() || !tracing::enabled!(tracing::Level::INFO) {
        return None;
    }
    let bar: Arc<Mutex<Option<(String, indicatif::ProgressBar)>>> = Arc::default();
    Some(trawl_advisory::fetch::Progress(Arc::new(move |e| {
        let Ok(mut slot) = bar.lock() else { return };
        if slot.as_ref().is_none_or(|(url, _)| url != e.url) {
            let pb = match e.total {
                Some(t) => indicatif::ProgressBar::new(t).with_style(
                    indicatif::ProgressStyle::with_template(
                        "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}",
                    )
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                    .progress_chars("=> "),
                ),
                None => indicatif::ProgressBar::new_spinner().with_style(
                    indicatif::ProgressStyle::with_template(
                        "{spinner} {msg} {bytes} {bytes_per_sec}",
                    )
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
                ),
            };
            pb.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            // The URL's tail keeps the bar on one line of a narrow terminal.
            let tail: String = {
                let chars: Vec<char> = e.url.chars().collect();
                let keep = chars.len().min(40);
                let t: String = chars[chars.len() - keep..].iter().collect();
                if keep < chars.len() {
                    format!("…{t}")
                } else {
                    t
                }
            };
            pb.set_message(tail);
            *slot = Some((e.url.to_owned(), pb));
        }
        if let Some((_, pb)) = slot.as_ref() {
            pb.set_position(e.done);
            if e.finished {
                pb.finish_and_clear();
            }
        }
        if e.finished {
            *slot = None;
        }
    })))
}

/// The namespaces and packages an inventory needs from upstream.
pub(crate) fn needs_of(os: Option<&OsInfo>, packages: &[Package]) -> Needs {
    let mut needs = Needs::default();
    if let Some(os) = os {
        needs.os_namespaces.insert(os.advisory_namespace());
    }
    for p in packages {
        if let Some(eco) = p.ecosystem.filter(|e| !e.is_os())
            && let Some(name) = eco.osv_name()
        {
            needs.packages.insert((name.to_owned(), p.name.clone()));
        }
    }
    needs
}

/// The CVE IDs (finding IDs and aliases) the inventory matches in `db`.
fn matched_cves(db: &AdvisoryDb, os: Option<&OsInfo>, packages: &[Package]) -> Vec<String> {
    let mut m = trawl_matcher::Matcher::new(db);
    let Ok(findings) = m.match_packages(os, packages) else {
        return Vec::new();
    };
    let mut out: Vec<String> = findings
        .iter()
        .flat_map(|(_, f)| std::iter::once(&f.id).chain(f.aliases.iter()))
        .filter(|id| id.starts_with("CVE-"))
        .cloned()
        .collect();
    out.sort();
    out.dedup();
    out
}
