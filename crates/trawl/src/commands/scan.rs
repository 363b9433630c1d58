//! `trawl image`, `trawl rootfs`, `trawl fs`: inventory, match, policy, reports.

use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `trawl image`.
#[derive(Debug, Args)]
pub(crate) struct ImageArgs {
    /// Image references: `docker-archive:PATH`, `oci-archive:PATH`, `oci:DIR[:TAG]`, or a registry reference.
    pub(crate) images: Vec<String>,
    /// An image archive or OCI layout on disk (type auto-detected).
    #[arg(long, env = "TRAWL_INPUT")]
    pub(crate) input: Option<PathBuf>,
}

/// Arguments of `trawl rootfs` and `trawl fs`.
#[derive(Debug, Args)]
pub(crate) struct PathArgs {
    /// The directory to scan.
    pub(crate) path: PathBuf,
}

pub(crate) fn image(_args: ImageArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not built yet")
}

pub(crate) fn rootfs(_args: PathArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not built yet")
}

pub(crate) fn fs(_args: PathArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not built yet")
}
