//! `trawl explain ID [TARGET]`: the chain behind one finding (who found the package, where, what was looked up,
//! which advisory records matched and how, why the status is what it is, what the policy did), from a scan of
//! TARGET or from a native JSON report (`--report`).

use crate::cli::ExplainArgs;
use crate::settings::{Settings, Target};
use anyhow::{Context, bail};
use std::fmt::Write as _;
use std::io::Read as _;
use std::process::ExitCode;
use trawl_report::{ArtifactType, Report};
use trawl_source::SourceSpec;
use trawl_types::{Finding, MatchedBy};

pub(crate) fn run(args: ExplainArgs) -> anyhow::Result<ExitCode> {
    let report = match (&args.report, &args.target) {
        (Some(path), _) => read_report(path)?,
        (None, Some(target)) => {
            let settings = Settings::resolve(args.scan, Target::Image)?;
            let spec = SourceSpec::parse(target)?;
            let db = crate::scan::open_db(&settings)?;
            let policy = settings.policy()?;
            crate::scan::scan_source(
                target,
                &spec,
                ArtifactType::ContainerImage,
                &settings,
                db.as_ref(),
                &policy,
            )?
        }
        (None, None) => {
            bail!("give the image to scan (`trawl explain ID IMAGE`) or --report REPORT.json")
        }
    };
    let text = explain(&report, &args.id, args.package.as_deref());
    std::io::Write::write_all(&mut std::io::stdout().lock(), text.text.as_bytes())
        .context("cannot write to stdout")?;
    Ok(if text.found {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn read_report(path: &std::path::Path) -> anyhow::Result<Report> {
    let mut text = String::new();
    if path.as_os_str() == "-" {
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read the report from stdin")?;
    } else {
        text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the report {}", path.display()))?;
    }
    serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a trawl native JSON report (`--format json`)",
            path.display()
        )
    })
}

/// What `explain` prints, and whether the ID was found.
pub(crate) struct Explanation {
    pub(crate) text: String,
    pub(crate) found: bool,
}

/// The explanation of every finding named `id` (its ID or an alias) in `report`, kept or suppressed.
pub(crate) fn explain(report: &Report, id: &str, package: Option<&str>) -> Explanation {
    let mut out = String::new();
    let mut found = false;
    for r in &report.results {
        let kept = r.vulnerabilities.iter().map(|f| (f, None));
        let suppressed = r.suppressed.iter().map(|f| (f, f.suppressed.as_ref()));
        for (f, sup) in kept.chain(suppressed) {
            if !f.has_id(id) || package.is_some_and(|p| p != f.pkg_name) {
                continue;
            }
            if found {
                out.push('\n');
            }
            found = true;
            one(&mut out, &r.target, f, sup);
        }
    }
    if !found {
        let n: usize = report.results.iter().map(|r| r.vulnerabilities.len()).sum();
        let _ = writeln!(
            out,
            "{id}: no finding in {} ({n} findings). It was not matched, or the policy dropped it before it \
             was kept (--severity, --ignore-status, --ignore-unfixed drop findings; ignore files and VEX \
             suppress them and keep them here).",
            report.artifact.name
        );
        if let Some(p) = &report.policy {
            let _ = writeln!(
                out,
                "policy: severities {}; ignored statuses {}",
                if p.severities.is_empty() {
                    "all".to_owned()
                } else {
                    p.severities
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(",")
                },
                if p.ignore_statuses.is_empty() {
                    "none".to_owned()
                } else {
                    p.ignore_statuses
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(",")
                }
            );
        }
    }
    Explanation { text: out, found }
}

fn one(out: &mut String, target: &str, f: &Finding, sup: Option<&trawl_types::Suppression>) {
    let _ = writeln!(
        out,
        "{} in {} {} ({target})",
        f.id, f.pkg_name, f.installed_version
    );
    if !f.aliases.is_empty() {
        let _ = writeln!(out, "  aliases     {}", f.aliases.join(", "));
    }
    let Some(m) = &f.match_details else {
        let _ = writeln!(
            out,
            "  (the report carries no `match` object: written by an older trawl or another tool)"
        );
        return;
    };
    let mut found_by = format!(
        "  found by    {} in {}",
        m.analyzer.as_deref().unwrap_or("(no analyzer: an SBOM)"),
        if m.file.is_empty() { "?" } else { &m.file }
    );
    if let Some(l) = &f.layer {
        let _ = write!(found_by, ", layer {} ({})", l.index, l.diff_id);
        if let Some(c) = &l.created_by {
            let _ = write!(found_by, ": {}", c.trim());
        }
    } else if let Some(l) = &m.layer {
        let _ = write!(found_by, ", layer {l}");
    }
    let _ = writeln!(out, "{found_by}");
    let _ = writeln!(
        out,
        "  looked up   {} in {}, version {} compared in the {} order",
        m.package, m.namespace, m.version, m.comparator
    );
    for r in &m.records {
        let how = match r.matched_by {
            MatchedBy::Range => "in range".to_owned(),
            MatchedBy::VersionList => format!(
                "listed version {}",
                r.listed_version.as_deref().unwrap_or("?")
            ),
            MatchedBy::VendorStatus => "vendor status for the release".to_owned(),
        };
        let _ = writeln!(
            out,
            "  record      {} from {} ({}): {how}",
            r.advisory, r.source, r.namespace
        );
        for range in &r.ranges {
            let _ = writeln!(out, "                {range}");
        }
        if r.status.is_some() || r.vendor_status.is_some() {
            let _ = writeln!(
                out,
                "                vendor status {}{}{}",
                r.status.map(|s| s.as_str()).unwrap_or("-"),
                r.vendor_status
                    .as_deref()
                    .map(|w| format!(" `{w}`"))
                    .unwrap_or_default(),
                r.note
                    .as_deref()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default()
            );
        }
    }
    let _ = writeln!(out, "  status      {}: {}", f.status, m.status_reason);
    if let Some(r) = &f.reachability {
        let _ = writeln!(
            out,
            "  reachable   {}{}",
            r.status.label(),
            if r.evidence.is_empty() {
                String::new()
            } else {
                format!(": {}", r.evidence.join(", "))
            }
        );
    }
    let _ = writeln!(
        out,
        "  severity    {}{}",
        f.severity,
        f.severity_source
            .as_deref()
            .map(|s| format!(" (from {s})"))
            .unwrap_or_default()
    );
    match sup {
        Some(s) => {
            let _ = writeln!(
                out,
                "  policy      suppressed by {} {}{}",
                s.kind,
                s.source,
                s.statement
                    .as_deref()
                    .map(|t| format!(": {t}"))
                    .unwrap_or_default()
            );
        }
        None => {
            let _ = writeln!(out, "  policy      kept (reported)");
        }
    }
}
