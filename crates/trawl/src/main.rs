//! The `trawl` binary: argument parsing, settings, one module per command, exit status.
//!
//! Exit codes: 0 = clean (or findings below the gate), the `--exit-code` value when findings survive the policy,
//! [`EXIT_ERROR`] (2) = the scan failed. A broken pipe exits 0.

mod commands;
mod dbsupply;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Exit status of a failed run (bad input, unreachable registry, corrupt DB...).
pub(crate) const EXIT_ERROR: u8 = 2;

/// Container-image and filesystem vulnerability scanner.
#[derive(Debug, Parser)]
#[command(name = "trawl", version, about, propagate_version = true)]
pub(crate) struct Cli {
    /// Only errors on stderr.
    #[arg(short, long, global = true, value_parser = crate::commands::env_bool(), env = "TRAWL_QUIET")]
    pub(crate) quiet: bool,
    /// Debug logging on stderr.
    #[arg(short, long, global = true, value_parser = crate::commands::env_bool(), env = "TRAWL_DEBUG")]
    pub(crate) debug: bool,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Scan a container image (archive, OCI layout, registry reference).
    Image(commands::scan::ImageArgs),
    /// Scan a root filesystem directory (image-style analyzers).
    Rootfs(commands::scan::PathArgs),
    /// Scan a directory such as a repository checkout (lockfiles).
    Fs(commands::scan::PathArgs),
    /// Scan the packages an SBOM lists (CycloneDX JSON 1.4–1.6, SPDX JSON 2.2/2.3).
    Sbom(commands::sbom::SbomArgs),
    /// Check Dockerfiles and Kubernetes manifests: built-in checks and custom Rego policies.
    Config(commands::config::ConfigArgs),
    /// Scan the images of a registry (`trawl registry scan REGISTRY[/PREFIX]`).
    #[command(subcommand)]
    Registry(commands::registry::RegistryCommand),
    /// Build, update, inspect, publish and fetch the advisory database.
    #[command(subcommand)]
    Db(commands::db::DbCommand),
    /// Testing aids.
    #[command(subcommand)]
    Debug(commands::debug::DebugCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.quiet, cli.debug);
    let result = match cli.command {
        Command::Image(args) => commands::scan::image(args),
        Command::Rootfs(args) => commands::scan::rootfs(args),
        Command::Fs(args) => commands::scan::fs(args),
        Command::Sbom(args) => commands::sbom::run(args),
        Command::Config(args) => commands::config::run(args),
        Command::Registry(cmd) => commands::registry::run(cmd),
        Command::Db(cmd) => commands::db::run(cmd),
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

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    /// Every boolean flag settable from a `TRAWL_*` variable accepts `1/0/yes/no` (issue 14): it uses
    /// [`crate::commands::env_bool`], not clap's strict `true`/`false` parser.
    #[test]
    fn boolean_env_flags_use_the_boolish_parser() {
        fn walk(cmd: &clap::Command, seen: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                let Some(env) = arg.get_env().and_then(|e| e.to_str()) else {
                    continue;
                };
                if !matches!(arg.get_action(), clap::ArgAction::SetTrue) {
                    continue;
                }
                let parser = format!("{:?}", arg.get_value_parser());
                let boolish = format!(
                    "{:?}",
                    clap::builder::ValueParser::from(crate::commands::env_bool())
                );
                assert_eq!(parser, boolish, "{env} of `{}`", cmd.get_name());
                seen.push(env.to_owned());
            }
            for sub in cmd.get_subcommands() {
                walk(sub, seen);
            }
        }
        let mut seen = Vec::new();
        walk(&Cli::command(), &mut seen);
        assert!(seen.iter().any(|e| e == "TRAWL_QUIET"), "{seen:?}");
        assert!(seen.iter().any(|e| e == "TRAWL_INSECURE"), "{seen:?}");
    }

    /// The `--help` of every command is a committed snapshot (`src/snapshots/`): a flag added, renamed or
    /// re-described shows in review. `cargo insta review` (or `INSTA_UPDATE=always`) accepts a change.
    #[test]
    fn help_of_every_command() {
        fn walk(cmd: clap::Command, path: &str, out: &mut Vec<(String, String)>) {
            // What the environment holds must not change the snapshot.
            let mut cmd = cmd.term_width(110).mut_args(|a| a.hide_env_values(true));
            let text = cmd.render_long_help().to_string();
            out.push((path.to_owned(), text));
            let subs: Vec<clap::Command> = cmd.get_subcommands().cloned().collect();
            for sub in subs.into_iter().filter(|s| s.get_name() != "help") {
                let name = format!("{path}-{}", sub.get_name());
                walk(sub, &name, out);
            }
        }
        let mut cmd = Cli::command();
        cmd.build();
        let mut helps = Vec::new();
        walk(cmd, "trawl", &mut helps);
        assert!(helps.len() > 10, "{}", helps.len());
        for (name, text) in helps {
            insta::assert_snapshot!(format!("help-{name}"), text);
        }
    }
}
