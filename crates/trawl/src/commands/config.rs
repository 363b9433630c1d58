//! `trawl config PATH`: misconfigurations in Dockerfiles and Kubernetes manifests (a file or a directory tree),
//! with the built-in checks and custom Rego policies, through the same policy and report formats as the scans.

use crate::cli::ConfigArgs;
use crate::settings::{Settings, Target};
use anyhow::Context as _;
use std::collections::BTreeMap;
use std::process::ExitCode;
use trawl_report::{Artifact, ArtifactType, Report, ResultClass, ScanResult};
use trawl_types::Warning;

pub(crate) fn run(args: ConfigArgs) -> anyhow::Result<ExitCode> {
    if !args.path.exists() {
        anyhow::bail!("{} does not exist", args.path.display());
    }
    let settings = Settings::resolve(args.scan, Target::Config)?;
    let policies = match &settings.config_policy {
        Some(dir) => Some(
            trawl_misconfig::Policies::load(dir)
                .with_context(|| format!("cannot load the policies in {}", dir.display()))?,
        ),
        None => None,
    };
    let scanned = trawl_misconfig::scan_path(&args.path, policies.as_ref())?;
    tracing::info!(
        "checked {} file(s): {} misconfiguration(s) before policy",
        scanned.files.len(),
        scanned.misconfigurations.len()
    );
    let policy = settings.policy()?;
    let (kept, suppressed) = policy.apply_misconfigs(scanned.misconfigurations);

    let mut by_file: BTreeMap<String, ScanResult> = BTreeMap::new();
    // Every file checked gets a result, so a clean file shows as checked.
    for (path, kind) in &scanned.files {
        by_file.insert(
            path.clone(),
            ScanResult::new(path.clone(), ResultClass::Config, kind.as_str()),
        );
    }
    for m in kept {
        let ty = m.file_type.clone();
        by_file
            .entry(m.path.clone())
            .or_insert_with(|| ScanResult::new(m.path.clone(), ResultClass::Config, ty))
            .misconfigurations
            .push(m);
    }
    if settings.show_suppressed {
        for m in suppressed {
            let ty = m.file_type.clone();
            by_file
                .entry(m.path.clone())
                .or_insert_with(|| ScanResult::new(m.path.clone(), ResultClass::Config, ty))
                .suppressed_misconfigurations
                .push(m);
        }
    }
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
    report.results = by_file.into_values().collect();
    for r in &mut report.results {
        r.misconfigurations
            .sort_by(|a, b| (a.start_line, &a.id).cmp(&(b.start_line, &b.id)));
    }
    report.warnings = warnings;
    crate::output::finish(&mut report, &settings)
}
