//! `trawl config PATH`: misconfigurations in Dockerfiles and Kubernetes manifests (a file or a directory tree),
//! with the built-in checks and custom Rego policies, through the same policy and report formats as the scans.

use crate::cli::ConfigArgs;
use crate::scan::{ByFile, add_misconfigs};
use crate::settings::{Settings, Target};
use std::process::ExitCode;
use trawl_report::{Artifact, ArtifactType, Report, ResultClass};
use trawl_types::Warning;

pub(crate) fn run(args: ConfigArgs) -> anyhow::Result<ExitCode> {
    if !args.path.exists() {
        anyhow::bail!("{} does not exist", args.path.display());
    }
    let settings = Settings::resolve(args.scan, Target::Config)?;
    // The policies the settings loaded (once per run).
    let scanned = trawl_misconfig::scan_path(&args.path, settings.policies())?;
    tracing::info!(
        "checked {} file(s): {} misconfiguration(s) before policy",
        scanned.files.len(),
        scanned.misconfigurations.len()
    );
    let policy = settings.policy()?;
    let (kept, suppressed) = policy.apply_misconfigs(scanned.misconfigurations);

    let mut by_file = ByFile::new(ResultClass::Config);
    // Every file checked gets a result, so a clean file shows as checked.
    for (path, kind) in &scanned.files {
        by_file.get(path, kind.as_str());
    }
    add_misconfigs(&mut by_file, kept, suppressed, &settings);
    let mut warnings: Vec<Warning> = scanned
        .errors
        .iter()
        .map(|e| Warning {
            message: e.to_string(),
            path: None,
            layer: None,
        })
        .collect();
    warnings.extend(policy.expiry_warnings());
    for w in &warnings {
        tracing::warn!("{}", w.message);
    }
    let mut report = Report::new(Artifact {
        name: args.path.display().to_string(),
        artifact_type: ArtifactType::Filesystem,
        ..Artifact::default()
    });
    report.scanners = vec!["misconfig".to_owned()];
    report.results = by_file.into_results().collect();
    for r in &mut report.results {
        r.misconfigurations
            .sort_by(|a, b| (a.start_line, &a.id).cmp(&(b.start_line, &b.id)));
    }
    report.warnings = warnings;
    crate::output::finish(&mut report, &settings)
}
