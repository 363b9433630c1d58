//! Arguments of `trawl server`.

use super::ScanArgs;
use clap::Args;
use std::net::SocketAddr;
use trawl_registry::Secret;

/// Arguments of `trawl server`. The scan flags (`--db`, `--scanners`, `--severity`...) apply to every scan it runs.
/// URLs (which may carry passwords) and tokens are [`Secret`]s: `Debug` never shows them.
#[derive(Debug, Args)]
pub(crate) struct ServerArgs {
    /// Address to listen on.
    #[arg(long, env = "TRAWL_LISTEN", default_value = "127.0.0.1:8080")]
    pub(crate) listen: SocketAddr,
    /// Redis URL: the job queue and the shared layer cache (`redis://127.0.0.1:6379`).
    #[arg(long, env = "TRAWL_REDIS", hide_env_values = true, value_parser = super::remote::secret)]
    pub(crate) redis: Secret,
    /// PostgreSQL URL: jobs, inventories, reports and finding history (`postgres://user@127.0.0.1/trawl`).
    #[arg(long, env = "TRAWL_POSTGRES", hide_env_values = true, value_parser = super::remote::secret)]
    pub(crate) postgres: Secret,
    /// Token clients must send (`Authorization: Bearer TOKEN`, or as the password of Basic auth); none: no auth.
    #[arg(long, env = "TRAWL_SERVER_TOKEN", hide_env_values = true, value_parser = super::remote::secret)]
    pub(crate) token: Option<Secret>,
    /// URL POSTed the new findings of each image after a DB change (repeatable).
    #[arg(long, env = "TRAWL_WEBHOOK", value_delimiter = ',', hide_env_values = true, value_parser = super::remote::secret)]
    pub(crate) webhook: Vec<Secret>,
    /// Key of the webhooks' `X-Trawl-Signature: sha256=HMAC` header.
    #[arg(long, env = "TRAWL_WEBHOOK_SECRET", hide_env_values = true, value_parser = super::remote::secret)]
    pub(crate) webhook_secret: Option<Secret>,
    /// Jobs this replica runs at once.
    #[arg(long, default_value_t = 2)]
    pub(crate) workers: usize,
    /// This replica's name in the job queue's consumer group [default: HOST-PID].
    #[arg(long, env = "TRAWL_REPLICA")]
    pub(crate) replica: Option<String>,
    /// A job another replica has not touched for this long is taken over (its replica died).
    #[arg(long, default_value = "60s")]
    pub(crate) claim_after: String,
    /// How often the DB file is checked for a new version (then stored inventories are re-matched).
    #[arg(long, default_value = "30s")]
    pub(crate) db_poll: String,
    /// With --db-repository: how often the DB is fetched again (as `trawl db update` does, swapped atomically).
    #[arg(long, default_value = "6h")]
    pub(crate) db_update_interval: String,
    #[command(flatten)]
    pub(crate) scan: ScanArgs,
}
