//! The `trawl` binary: argument parsing, settings, one module per command, exit status.
//!
//! Exit codes: 0 = clean (or findings below the gate), the `--exit-code` value when findings survive the policy,
//! [`EXIT_ERROR`] (2) = the scan failed. A broken pipe exits 0.

mod baseline;
mod cli;
mod commands;
mod dbsupply;
mod discovery;
mod output;
mod scan;
mod settings;

use clap::Parser as _;
use cli::{Cli, Command};
use std::process::ExitCode;

/// Exit status of a failed run (bad input, unreachable registry, corrupt DB...).
pub(crate) const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.quiet, cli.debug);
    let result = match cli.command {
        Command::Image(args) => commands::image::run(args),
        Command::Rootfs(args) => commands::fs::rootfs(args),
        Command::Fs(args) => commands::fs::fs(args),
        Command::Sbom(args) => commands::sbom::run(args),
        Command::Config(args) => commands::config::run(args),
        Command::Registry(cmd) => commands::registry::run(cmd),
        Command::Base(cmd) => commands::base::run(cmd),
        Command::Explain(args) => commands::explain::run(args),
        Command::Db(cmd) => commands::db::run(cmd),
        Command::Server(args) => commands::server::run(args),
        Command::Debug(cmd) => commands::debug::run(cmd),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            tracing::error!("{err:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn init_logging(quiet: bool, debug: bool) {
    let default = if quiet {
        "error"
    } else if debug {
        "debug"
    } else {
        "info"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("TRAWL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(
            std::io::IsTerminal::is_terminal(&std::io::stderr())
                && std::env::var_os("NO_COLOR").is_none(),
        )
        .without_time()
        .init();
}
