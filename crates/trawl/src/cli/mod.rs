//! The command line: every clap struct and value enum of the binary, and nothing else. Settings are resolved
//! from these in `crate::settings`; commands (`crate::commands`) run them.

mod base;
mod db;
mod debug;
mod remote;
mod scan;
mod server;

pub(crate) use base::{AdviseArgs, BaseCommand};
use clap::{Parser, Subcommand};
pub(crate) use db::{BuildArgs, DbCommand, DbPathArgs, InfoArgs, InfoFormat, UpdateArgs};
pub(crate) use debug::DebugCommand;
pub(crate) use remote::{Discovery, RegistryCommand, RegistryScanArgs, RemoteArgs};
pub(crate) use scan::{
    ConfigArgs, DbSource, ExplainArgs, FailOn, ImageArgs, PathArgs, PkgType, SbomArgs, ScanArgs,
    Scanner,
};
pub(crate) use server::ServerArgs;

/// The value parser of every boolean flag that a `TRAWL_*` variable can set: the flag itself means true, and the
/// variable accepts `1/0`, `true/false`, `yes/no`, `on/off` in any case (clap's default accepts only
/// `true`/`false`). Anything else is a usage error naming the variable.
pub(crate) fn env_bool() -> clap::builder::BoolishValueParser {
    clap::builder::BoolishValueParser::new()
}

/// Container-image and filesystem vulnerability scanner.
#[derive(Debug, Parser)]
#[command(name = "trawl", version, about, propagate_version = true)]
pub(crate) struct Cli {
    /// Only errors on stderr.
    #[arg(short, long, global = true, value_parser = env_bool(), env = "TRAWL_QUIET")]
    pub(crate) quiet: bool,
    /// Debug logging on stderr.
    #[arg(short, long, global = true, value_parser = env_bool(), env = "TRAWL_DEBUG")]
    pub(crate) debug: bool,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Scan a container image (archive, OCI layout, registry reference).
    Image(ImageArgs),
    /// Scan a root filesystem directory (image-style analyzers).
    Rootfs(PathArgs),
    /// Scan a directory such as a repository checkout (lockfiles).
    Fs(PathArgs),
    /// Scan the packages an SBOM lists (CycloneDX JSON 1.4–1.6, SPDX JSON 2.2/2.3).
    Sbom(SbomArgs),
    /// Check Dockerfiles and Kubernetes manifests: built-in checks and custom Rego policies.
    Config(ConfigArgs),
    /// Explain one finding: the package found, the records that matched it, the status and the policy.
    Explain(ExplainArgs),
    /// Scan the images of a registry (`trawl registry scan REGISTRY[/PREFIX]`).
    #[command(subcommand)]
    Registry(RegistryCommand),
    /// The base image of an image: which tag of its line removes the most findings (`trawl base advise IMAGE`).
    #[command(subcommand)]
    Base(BaseCommand),
    /// Build, update, inspect, publish and fetch the advisory database.
    #[command(subcommand)]
    Db(DbCommand),
    /// Run the scan service: Harbor's Pluggable Scanner API and trawl's own, jobs in Redis, stores in PostgreSQL.
    Server(ServerArgs),
    /// Testing aids.
    #[command(subcommand)]
    Debug(DebugCommand),
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
                let boolish = format!("{:?}", clap::builder::ValueParser::from(super::env_bool()));
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

    /// The `--format` help names every report format (the list is written out in the doc comment).
    #[test]
    fn format_help_lists_every_format() {
        let cmd = Cli::command();
        let image = cmd.find_subcommand("image").expect("image");
        let format = image
            .get_arguments()
            .find(|a| a.get_id() == "formats")
            .expect("--format");
        let help = format
            .get_help()
            .map(ToString::to_string)
            .unwrap_or_default();
        for f in trawl_report::ReportFormat::ALL {
            assert!(help.contains(f.as_str()), "--format help lacks {f}: {help}");
        }
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
