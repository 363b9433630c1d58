//! `trawl registry scan REGISTRY[/PREFIX]`: lists the repositories (`/v2/_catalog`) and their tags, then scans
//! the images as one many-image run (`crate::scan::many`).

use crate::cli::{RegistryCommand, RegistryScanArgs};
use crate::scan::many::ImageStatusExt as _;
use crate::settings::{Settings, Target};
use anyhow::{Context, bail};
use std::process::ExitCode;
use trawl_registry::{Registry, Repository};
use trawl_report::ImageStatus;
use trawl_source::{ImageSrc, SourceSpec};

pub(crate) fn run(cmd: RegistryCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        RegistryCommand::Scan(args) => registry_scan(args),
    }
}

enum TagFilter {
    Latest,
    All,
    Regex(regex::Regex),
}

impl TagFilter {
    fn parse(s: &str) -> anyhow::Result<Self> {
        Ok(match s {
            "latest" => TagFilter::Latest,
            "all" => TagFilter::All,
            re => TagFilter::Regex(
                regex::Regex::new(&format!("^(?:{re})$"))
                    .with_context(|| format!("invalid --tags regex {re:?}"))?,
            ),
        })
    }

    fn keep(&self, tag: &str) -> bool {
        match self {
            TagFilter::Latest => tag == "latest",
            TagFilter::All => true,
            TagFilter::Regex(r) => r.is_match(tag),
        }
    }
}

fn registry_scan(args: RegistryScanArgs) -> anyhow::Result<ExitCode> {
    let settings = Settings::resolve(args.scan, Target::Image)?;
    let mut remote = crate::settings::remote_options(&args.remote)?;
    remote.image_src = vec![ImageSrc::Remote];
    let filter = TagFilter::parse(&args.tags)?;
    let (host, prefix) = match args.target.trim_end_matches('/').split_once('/') {
        Some((h, p)) => (h, Some(p)),
        None => (args.target.trim_end_matches('/'), None),
    };
    let registry =
        Registry::new(host).with_context(|| format!("invalid registry {:?}", args.target))?;
    let client = remote.client()?;
    let repositories = client
        .catalog(&registry)
        .with_context(|| format!("cannot list the repositories of {registry}"))?;
    let repositories: Vec<String> = repositories
        .into_iter()
        .filter(|r| prefix.is_none_or(|p| r == p || r.starts_with(&format!("{p}/"))))
        .collect();
    tracing::info!("{registry}: {} repositories", repositories.len());
    let mut targets: Vec<(String, SourceSpec)> = Vec::new();
    let mut failures: Vec<ImageStatus> = Vec::new();
    for name in &repositories {
        let repo = match Repository::new(registry.clone(), name) {
            Ok(r) => r,
            Err(e) => {
                failures.push(ImageStatus::failed(format!("{registry}/{name}"), &e.into()));
                continue;
            }
        };
        let mut tags = match client.tags(&repo) {
            Ok(t) => t,
            Err(e) => {
                failures.push(ImageStatus::failed(
                    repo.to_string(),
                    &anyhow::Error::new(e),
                ));
                continue;
            }
        };
        tags.sort();
        let kept: Vec<&String> = tags.iter().filter(|t| filter.keep(t)).collect();
        if kept.is_empty() {
            tracing::info!("{repo}: no tag matches --tags {}", args.tags);
        }
        for tag in kept {
            let reference = format!("{repo}:{tag}");
            targets.push((
                reference.clone(),
                SourceSpec::Registry {
                    reference,
                    options: remote.clone(),
                },
            ));
        }
    }
    if let Some(max) = args.max_images
        && targets.len() > max
    {
        tracing::warn!(
            "{} images found; scanning the first {max} (--max-images)",
            targets.len()
        );
        targets.truncate(max);
    }
    if targets.is_empty() && failures.is_empty() {
        bail!(
            "{}: no image to scan (repositories: {}, --tags {})",
            args.target,
            repositories.len(),
            args.tags
        );
    }
    crate::scan::many::scan_many(&args.target, targets, failures, &settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_filters() {
        let re = TagFilter::parse("3\\.1[0-9]").expect("regex");
        assert!(re.keep("3.10") && !re.keep("3.10-x") && !re.keep("latest"));
        assert!(TagFilter::parse("latest").expect("ok").keep("latest"));
        assert!(TagFilter::parse("all").expect("ok").keep("anything"));
        assert!(TagFilter::parse("(").is_err());
    }
}
