//! `trawl debug ...`: testing aids.

use crate::cli::DebugCommand;
use anyhow::Context;
use std::io::{BufRead, BufWriter, Write};
use std::process::ExitCode;
use trawl_version::{Scheme, Version};

pub(crate) fn run(cmd: DebugCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        DebugCommand::Vercmp { ecosystem } => {
            let scheme: Scheme = ecosystem.parse().with_context(|| {
                format!(
                    "unknown ecosystem {ecosystem:?} (expected one of: debian, ubuntu, alpine, rpm, pypi, npm, maven, \
                     rubygems, nuget, go, cargo, packagist, pub, hex, cran, hackage)"
                )
            })?;
            let stdin = std::io::stdin();
            let stdout = std::io::stdout();
            vercmp(scheme, stdin.lock(), BufWriter::new(stdout.lock()))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// One output line per input line: `<`, `=`, `>`, or `! message` when the line is not two parsable versions.
fn vercmp(scheme: Scheme, input: impl BufRead, mut out: impl Write) -> anyhow::Result<()> {
    for (n, line) in input.lines().enumerate() {
        let line = line.with_context(|| format!("reading stdin line {}", n + 1))?;
        let fields: Vec<&str> = line.split_whitespace().collect();
        let verdict = match fields.as_slice() {
            [a, b] => match (Version::parse(scheme, a), Version::parse(scheme, b)) {
                (Ok(a), Ok(b)) => match a.cmp(&b) {
                    std::cmp::Ordering::Less => "<".to_string(),
                    std::cmp::Ordering::Equal => "=".to_string(),
                    std::cmp::Ordering::Greater => ">".to_string(),
                },
                (Err(e), _) | (_, Err(e)) => format!("! {e}"),
            },
            _ => format!(
                "! expected two versions separated by whitespace, got {} fields",
                fields.len()
            ),
        };
        writeln!(out, "{verdict}").context("writing stdout")?;
    }
    out.flush().context("writing stdout")?;
    Ok(())
}
