//! `trawl db` and its flags.

use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;
use trawl_advisory::SourceSpec;

/// `trawl db` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum DbCommand {
    /// Build a DB from feeds: `--source KIND=PATH_OR_URL` (osv, alpine-secdb, debian-tracker, wolfi,
    /// ubuntu-vex, alas, cve5, nvd, kev, epss), repeatable.
    Build(BuildArgs),
    /// Fetch a built DB from the first working location (HTTPS URL with a `.sha256` sidecar, or OCI reference).
    Update(UpdateArgs),
    /// Show what a DB holds.
    Info(InfoArgs),
    /// Publish the DB as an OCI artifact (`REGISTRY/REPO:TAG`).
    Push(PushPullArgs),
    /// Fetch a DB published with `trawl db push`.
    Pull(PushPullArgs),
}

/// Where the DB lives.
#[derive(Debug, Args, Clone)]
pub(crate) struct DbPathArgs {
    /// The advisory DB file [default: CACHE_DIR/db/trawl.db].
    #[arg(long, env = "TRAWL_DB")]
    pub(crate) db: Option<PathBuf>,
}

/// Arguments of `trawl db build`.
#[derive(Debug, Args)]
pub(crate) struct BuildArgs {
    /// A feed, `KIND=PATH_OR_URL`; repeatable, read in order.
    #[arg(long = "source", required_unless_present = "from_upstream")]
    pub(crate) sources: Vec<SourceSpec>,
    /// Build the full DB straight from the publishers (every feed of the upstream table, docs/data-sources.md), downloading into
    /// the feed cache with conditional requests; what `--source` would name comes from the upstream table.
    #[arg(long, conflicts_with_all = ["sources", "base"])]
    pub(crate) from_upstream: bool,
    /// With --from-upstream: a feed location, `KIND=URL_OR_DIR` (mirrors, air-gapped copies); repeatable.
    /// Each kind also has a `TRAWL_FEED_<KIND>` variable.
    #[arg(long = "feed", value_delimiter = ',', requires = "from_upstream")]
    pub(crate) feeds: Vec<String>,
    /// With --from-upstream: the raw download cache [default: CACHE_DIR/feeds].
    #[arg(long, requires = "from_upstream")]
    pub(crate) feed_cache: Option<PathBuf>,
    /// The DB file to write (atomically).
    #[arg(short, long)]
    pub(crate) output: PathBuf,
    /// Refresh this built DB incrementally instead of building from scratch: each record of the sources
    /// replaces the one with the same advisory ID and data source (new IDs are added; everything else is
    /// kept). May be the same file as --output.
    #[arg(long, value_name = "DB")]
    pub(crate) base: Option<PathBuf>,
    /// Summary format on stdout.
    #[arg(long, value_enum, default_value_t = InfoFormat::Table)]
    pub(crate) format: InfoFormat,
}

/// Arguments of `trawl db update`.
#[derive(Debug, Args)]
pub(crate) struct UpdateArgs {
    #[command(flatten)]
    pub(crate) db: DbPathArgs,
    /// A DB location (HTTPS URL or OCI reference); repeatable, tried in order.
    #[arg(long, value_delimiter = ',', env = "TRAWL_DB_REPOSITORY")]
    pub(crate) db_repository: Vec<String>,
    /// Keep a DB younger than this (`6h`, `2d`) and refuse downloads older than it.
    #[arg(long, env = "TRAWL_DB_MAX_AGE")]
    pub(crate) db_max_age: Option<String>,
    /// Do nothing (the DB is used as it is).
    #[arg(long, value_parser = super::env_bool(), env = "TRAWL_SKIP_DB_UPDATE")]
    pub(crate) skip_db_update: bool,
    /// No network: do nothing (implies --skip-db-update).
    #[arg(long, value_parser = super::env_bool(), env = "TRAWL_OFFLINE")]
    pub(crate) offline: bool,
    /// Download even when the DB is young enough.
    #[arg(long)]
    pub(crate) force: bool,
    /// Give up on a location after this long (`30s`, `5m`) and try the next [default: 10m].
    #[arg(long, env = "TRAWL_DB_TIMEOUT")]
    pub(crate) db_timeout: Option<String>,
    /// Talk plain HTTP / unverified HTTPS to OCI registries.
    #[arg(long)]
    pub(crate) insecure: bool,
    /// Write an air-gapped copy into DIR instead: the full DB built from the publishers (`DIR/trawl.db`), every
    /// feed file in the publishers' layout, and `DIR/feeds.env` pointing each `TRAWL_FEED_*` at it.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["skip_db_update", "offline"])]
    pub(crate) offline_bundle: Option<PathBuf>,
    /// With --offline-bundle: a feed location, `KIND=URL_OR_DIR`; repeatable.
    #[arg(long = "feed", value_delimiter = ',', requires = "offline_bundle")]
    pub(crate) feeds: Vec<String>,
}

/// Arguments of `trawl db info`.
#[derive(Debug, Args)]
pub(crate) struct InfoArgs {
    #[command(flatten)]
    pub(crate) db: DbPathArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = InfoFormat::Table)]
    pub(crate) format: InfoFormat,
}

/// Arguments of `trawl db push` / `pull`.
#[derive(Debug, Args)]
pub(crate) struct PushPullArgs {
    /// `REGISTRY/REPOSITORY:TAG`.
    pub(crate) reference: String,
    #[command(flatten)]
    pub(crate) db: DbPathArgs,
    /// Plain HTTP / unverified HTTPS (loopback registries get this automatically).
    #[arg(long)]
    pub(crate) insecure: bool,
}

/// `table` or `json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum InfoFormat {
    /// Human-readable.
    Table,
    /// JSON (the DB's metadata as stored).
    Json,
}
