//! `trawl base`: the base image of an image, and which of its tags to move to.

use clap::{Args, Subcommand};

/// `trawl base` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum BaseCommand {
    /// Which tags of the base image's line remove the most of the findings the base brings: scans the image,
    /// finds its base, lists the base repository's newer tags of the same line (`12.5` -> `12.8`, `12`) and
    /// scans each (their shared layers come from the layer cache). `--format json` for the advice as JSON.
    Advise(AdviseArgs),
}

/// Arguments of `trawl base advise`.
#[derive(Debug, Args)]
pub(crate) struct AdviseArgs {
    /// The image (as `trawl image` takes it).
    pub(crate) image: String,
    /// Most candidate tags scanned (the newest of the line first).
    #[arg(long, default_value_t = 10, env = "TRAWL_MAX_CANDIDATES")]
    pub(crate) max_candidates: usize,
    /// Registry and daemon flags.
    #[command(flatten)]
    pub(crate) remote: super::RemoteArgs,
    #[command(flatten)]
    pub(crate) scan: super::ScanArgs,
}
