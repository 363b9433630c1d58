//! `trawl debug`.

use clap::Subcommand;

/// `trawl debug` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum DebugCommand {
    /// Compare `A B` version pairs read from stdin; prints `<`, `=`, `>` or `! message` per line.
    Vercmp {
        /// debian, ubuntu, alpine, rpm, pypi, npm, maven, rubygems, nuget, go, cargo, packagist, pub, hex, cran,
        /// hackage.
        ecosystem: String,
    },
}
