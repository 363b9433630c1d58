//! `trawl base advise IMAGE`: finds the image's base, scans the newer tags of the base's line and ranks them by
//! the base findings they remove.

use crate::cli::{AdviseArgs, BaseCommand};
use crate::settings::{Settings, Target};
use anyhow::{Context, bail};
use serde::Serialize;
use std::io::Write as _;
use std::process::ExitCode;
use trawl_base::{Change, FindingKey};
use trawl_registry::Reference;
use trawl_report::{ArtifactType, Report, ReportFormat};
use trawl_source::SourceSpec;
use trawl_types::{BaseImage, Origin};

pub(crate) fn run(cmd: BaseCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        BaseCommand::Advise(args) => advise(args),
    }
}

/// The advice as `--format json` writes it.
#[derive(Debug, Serialize)]
struct Advice {
    /// The image as given.
    image: String,
    /// Its base.
    base_image: BaseImage,
    /// The findings the base brings into the image.
    base_findings: Vec<FindingKey>,
    /// The findings the image's own layers bring (no base tag changes these).
    own_findings: usize,
    /// Every candidate tag scanned, best first.
    candidates: Vec<Change>,
    /// The best candidate, when one removes more than it adds.
    recommended: Option<String>,
    /// Candidates that could not be scanned, with the reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    failed: Vec<(String, String)>,
}

fn keys<'a>(report: &'a Report, origin: Option<Origin>) -> impl Iterator<Item = FindingKey> + 'a {
    report
        .findings()
        .filter(move |(_, f)| origin.is_none() || f.origin == origin)
        .map(|(_, f)| FindingKey {
            id: f.id.clone(),
            pkg_name: f.pkg_name.clone(),
            severity: f.severity,
        })
}

fn advise(args: AdviseArgs) -> anyhow::Result<ExitCode> {
    let mut settings = Settings::resolve(args.scan, Target::Image)?;
    if !settings.vuln {
        bail!("base advise compares vulnerabilities: --scanners must include vuln");
    }
    // Every finding is needed, whatever its origin: the filter flags would hide the ones compared.
    settings.base.filter = None;
    let format = match settings.outputs.as_slice() {
        [] => ReportFormat::Table,
        [one] if matches!(one.format, ReportFormat::Table | ReportFormat::Json) => one.format,
        _ => bail!("base advise writes one format: table or json"),
    };
    let path = settings.outputs.first().and_then(|o| o.path.clone());
    let remote = crate::settings::remote_options(&args.remote, &settings, Default::default())?;
    let db = crate::scan::open_db(&settings)?;
    let policy = settings.policy()?;
    let scan = |name: &str| -> anyhow::Result<Report> {
        let spec = crate::scan::apply_remote(SourceSpec::parse(name)?, &remote);
        crate::scan::scan_source(
            name,
            &spec,
            ArtifactType::ContainerImage,
            &settings,
            db.as_ref(),
            &policy,
        )
    };
    let report = scan(&args.image)?;
    let base = report.artifact.base_image.clone().with_context(|| {
        format!(
            "no base image found for {}: name it with --base-image, or give --base-catalog REPOSITORY",
            args.image
        )
    })?;
    let name = base.name.clone().with_context(|| {
        format!(
            "the base of {} was found by its history only and has no name: name it with --base-image",
            args.image
        )
    })?;
    let reference: Reference = name
        .parse()
        .with_context(|| format!("the base image {name:?} is not a registry reference"))?;
    let tag = reference.tag.clone().with_context(|| {
        format!("the base image {name} has no tag, so it has no line of tags to move along")
    })?;
    let repository = reference.repository.to_string();
    let spec = crate::scan::apply_remote(SourceSpec::parse(&args.image)?, &remote);
    let client = crate::scan::base::client_for(&spec)?;
    let tags = crate::scan::base::list_tags(&client, &repository)?;
    let candidates: Vec<String> = trawl_base::tags::upgrades(&tag, &tags)
        .into_iter()
        .take(args.max_candidates)
        .collect();
    tracing::info!(
        "{name}: {} newer tag(s) of its line: {}",
        candidates.len(),
        candidates.join(", ")
    );
    let base_findings: Vec<FindingKey> = keys(&report, Some(Origin::Base)).collect();
    let own_findings = keys(&report, Some(Origin::Image)).count();
    let mut changes: Vec<Change> = Vec::new();
    let mut failed = Vec::new();
    // Tags of one image (a floating `12` and `12.8`) are one candidate; the base's own image is none.
    let mut by_digest: std::collections::BTreeMap<String, usize> = Default::default();
    for t in &candidates {
        let candidate = format!("{repository}:{t}");
        match scan(&candidate) {
            Ok(r) => {
                let digest = crate::scan::manifest_digest_of(&r.artifact.repo_digests);
                if let Some(d) = &digest {
                    if base.digest.as_deref() == Some(d.as_str()) {
                        tracing::info!("{candidate} is the base image itself");
                        continue;
                    }
                    if let Some(&i) = by_digest.get(d) {
                        changes[i].same_image.push(candidate);
                        continue;
                    }
                    by_digest.insert(d.clone(), changes.len());
                }
                let found: Vec<FindingKey> = keys(&r, None).collect();
                changes.push(Change::between(&candidate, &base_findings, &found));
            }
            Err(e) => {
                tracing::warn!("{candidate}: {e:#}");
                failed.push((candidate, format!("{e:#}")));
            }
        }
    }
    trawl_base::advice::rank(&mut changes);
    let recommended = changes
        .first()
        .filter(|c| c.removes.len() > c.adds.len())
        .map(|c| c.reference.clone());
    let advice = Advice {
        image: args.image.clone(),
        base_image: base,
        base_findings,
        own_findings,
        candidates: changes,
        recommended,
        failed,
    };
    let bytes = match format {
        ReportFormat::Json => {
            let mut v = serde_json::to_vec_pretty(&advice)?;
            v.push(b'\n');
            v
        }
        _ => text(&advice, &name).into_bytes(),
    };
    match path {
        Some(p) => crate::output::write_atomic(&p, &bytes)?,
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&bytes)?;
            out.flush()?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The advice for people: the base, what it brings, each candidate ranked, the recommendation.
fn text(a: &Advice, name: &str) -> String {
    use std::fmt::Write as _;
    let b = &a.base_image;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Base image of {}: {name} ({} layer{}, by {})",
        a.image,
        b.layers,
        if b.layers == 1 { "" } else { "s" },
        b.detected_by.as_str()
    );
    let _ = writeln!(
        out,
        "The base brings {} finding(s){}; the image's own layers bring {}.",
        a.base_findings.len(),
        trawl_base::advice::severities(&a.base_findings),
        a.own_findings
    );
    if a.candidates.is_empty() {
        let _ = writeln!(out, "No newer tag of {name}'s line was found.");
    } else {
        let _ = writeln!(out, "\nCandidates, best first:");
        for c in &a.candidates {
            let also = if c.same_image.is_empty() {
                String::new()
            } else {
                format!(" (also {})", c.same_image.join(", "))
            };
            let _ = writeln!(out, "  {name} → {}{also}  {}", c.reference, c.describe());
        }
    }
    for (r, e) in &a.failed {
        let _ = writeln!(out, "  {r}: not scanned: {e}");
    }
    match &a.recommended {
        Some(r) => {
            let _ = writeln!(out, "\nRecommended: {r}");
        }
        None if !a.candidates.is_empty() => {
            let _ = writeln!(out, "\nNo candidate removes more findings than it adds.");
        }
        None => {}
    }
    out
}
