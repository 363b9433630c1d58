//! Output and exit: every requested report written (atomically), the job summary, and the exit status from the
//! policy gate.

use crate::settings::Settings;
use anyhow::Context;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use trawl_report::{GateInfo, RenderOptions, Report, ReportFormat};

/// The end of every scan command: decides the gate, records it in the report, writes every output, and returns
/// the exit status (`--exit-code` when the gate failed).
pub(crate) fn finish(report: &mut Report, settings: &Settings) -> anyhow::Result<ExitCode> {
    let failed = gate_failed(report, settings);
    if let Some(p) = report.policy.as_mut() {
        p.failed = failed;
    }
    let rendering = std::time::Instant::now();
    write_outputs(report, settings)?;
    tracing::debug!(
        "timings: render {:.1} ms",
        rendering.elapsed().as_secs_f64() * 1e3
    );
    Ok(exit_status(failed, settings))
}

/// Whether the build fails: with `--exit-code N`, when a finding fails the gate ([`GateInfo::failing`], the
/// decision the summaries show; with `--fail-on new`, a vulnerability not in the baseline).
fn gate_failed(report: &Report, settings: &Settings) -> bool {
    if settings.exit_code == 0 {
        return false;
    }
    let gate = GateInfo {
        severities: settings.severities.iter().copied().collect(),
        new_only: settings.fail_on_new,
    };
    !gate.failing(report).is_empty()
}

fn exit_status(failed: bool, settings: &Settings) -> ExitCode {
    if failed {
        ExitCode::from(settings.exit_code)
    } else {
        ExitCode::SUCCESS
    }
}

/// Writes every requested output, and the job summary.
fn write_outputs(report: &Report, settings: &Settings) -> anyhow::Result<()> {
    let opts = RenderOptions {
        list_all_pkgs: settings.list_all_pkgs,
        gate: report
            .policy
            .as_ref()
            .and_then(trawl_report::PolicySummary::gate),
        show_suppressed: settings.show_suppressed,
        color: std::io::IsTerminal::is_terminal(&std::io::stdout())
            && std::env::var_os("NO_COLOR").is_none(),
    };
    for out in &settings.outputs {
        match &out.path {
            Some(path) => {
                let mut buf = Vec::new();
                let file_opts = RenderOptions {
                    color: false,
                    ..opts.clone()
                };
                trawl_report::render(out.format, report, &file_opts, &mut buf)?;
                write_atomic(path, &buf)?;
            }
            None => {
                let stdout = std::io::stdout();
                let mut lock = stdout.lock();
                trawl_report::render(out.format, report, &opts, &mut lock)?;
                lock.flush()?;
            }
        }
    }
    if let Some(path) = &settings.summary {
        let mut buf = Vec::new();
        trawl_report::render(
            ReportFormat::Markdown,
            report,
            &RenderOptions {
                color: false,
                ..opts.clone()
            },
            &mut buf,
        )?;
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| format!("cannot append to GITHUB_STEP_SUMMARY {}", path.display()))?;
        f.write_all(&buf)?;
    }
    Ok(())
}

/// Writes a report file: through a temp file renamed into place, so a reader never sees half a report. A path
/// that is not a regular file (`/dev/null`, `/dev/stdout`, a FIFO) is written in place: renaming over it would
/// replace the device with a file (`trawl_fs::destination`, shared with the DB writers). Symlinks are followed:
/// the rename updates their target and keeps the link.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let target = match trawl_fs::destination(path)
        .with_context(|| format!("cannot write {}", path.display()))?
    {
        trawl_fs::Destination::File(p) => p,
        trawl_fs::Destination::Special { path: dev, .. } => {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .open(&dev)
                .with_context(|| format!("cannot write {}", path.display()))?;
            f.write_all(bytes)
                .with_context(|| format!("cannot write {}", path.display()))?;
            return Ok(());
        }
    };
    let dir = trawl_fs::parent_dir(&target);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    trawl_fs::remove_stale_temps(&dir, "report");
    let mut tmp = trawl_fs::temp_file(&dir, "report")
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    tmp.write_all(bytes)?;
    tmp.persist(&target)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
