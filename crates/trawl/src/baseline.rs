//! `--baseline OLD.json`: compares this scan's findings with an earlier native report.
//!
//! Two findings are the same when they are of the same class and package and have the same vulnerability ID;
//! OS packages are compared across images regardless of the image name in the target, language packages by
//! the file they came from. Installed versions are ignored, so a package upgraded to a version that is still
//! affected keeps its finding "unchanged" (only a finding a PR *adds* is new).

use anyhow::Context;
use std::collections::HashSet;
use std::path::Path;
use trawl_report::{BaselineSummary, FindingKey, Report, ResultClass, ScanResult};
use trawl_types::Finding;

/// Identity of a finding across two reports.
fn identity(r: &ScanResult, f: &Finding) -> (String, String, String) {
    let scope = match r.class {
        ResultClass::OsPkgs => "os-pkgs".to_owned(),
        _ => format!("{}:{}", r.class, r.target),
    };
    (scope, f.pkg_name.clone(), f.id.to_ascii_uppercase())
}

fn identities(report: &Report) -> HashSet<(String, String, String)> {
    report
        .results
        .iter()
        .flat_map(|r| r.vulnerabilities.iter().map(move |f| identity(r, f)))
        .collect()
}

/// The `--baseline` report of these settings, read, with the name it is reported under.
pub(crate) fn load_configured(
    settings: &crate::settings::Settings,
) -> anyhow::Result<Option<(String, Report)>> {
    settings
        .baseline
        .as_deref()
        .map(|p| Ok((p.display().to_string(), load(p)?)))
        .transpose()
}

/// Records in `report` how it compares with the baseline `old` (`None`: no baseline).
pub(crate) fn attach(report: &mut Report, old: Option<&(String, Report)>) {
    if let Some((source, old)) = old {
        report.baseline = Some(diff(source, old, report));
    }
}

/// Loads a native JSON report.
fn load(path: &Path) -> anyhow::Result<Report> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the baseline report {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a trawl native JSON report (--format json)",
            path.display()
        )
    })
}

/// Compares `current` with `old`.
fn diff(source: &str, old: &Report, current: &Report) -> BaselineSummary {
    let old_ids = identities(old);
    let cur_ids = identities(current);
    let mut summary = BaselineSummary {
        source: source.to_owned(),
        ..Default::default()
    };
    for r in &current.results {
        for f in &r.vulnerabilities {
            let key = FindingKey::of(&r.target, f);
            if old_ids.contains(&identity(r, f)) {
                summary.unchanged.push(key);
            } else {
                summary.new.push(key);
            }
        }
    }
    for r in &old.results {
        for f in &r.vulnerabilities {
            if !cur_ids.contains(&identity(r, f)) {
                summary.fixed.push(FindingKey::of(&r.target, f));
            }
        }
    }
    summary
}
