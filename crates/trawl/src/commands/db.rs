//! `trawl db build | update | info | push | pull`.

use clap::Subcommand;
use std::process::ExitCode;

/// `trawl db` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum DbCommand {
    /// Show what a DB holds.
    Info,
}

pub(crate) fn run(_cmd: DbCommand) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not built yet")
}
