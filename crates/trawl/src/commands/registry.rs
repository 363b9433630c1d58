//! `trawl registry scan REGISTRY[/PREFIX]`: lists the repositories and tags (`crate::discovery`: `/v2/_catalog`,
//! or the ECR API), then scans the images as one many-image run (`crate::scan::many`).

use crate::cli::{Discovery, RegistryCommand, RegistryScanArgs};
use crate::discovery::{Filters, TagFilter};
use crate::settings::{Settings, Target};
use anyhow::{Context, bail};
use std::process::ExitCode;
use trawl_registry::Registry;
use trawl_source::{ImageSrc, SourceSpec};

pub(crate) fn run(cmd: RegistryCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        RegistryCommand::Scan(args) => registry_scan(args),
    }
}

fn registry_scan(args: RegistryScanArgs) -> anyhow::Result<ExitCode> {
    let settings = Settings::resolve(args.scan, Target::Image)?;
    let (host, prefix) = match args.target.trim_end_matches('/').split_once('/') {
        Some((h, p)) => (h, Some(p.to_owned())),
        None => (args.target.trim_end_matches('/'), None),
    };
    let registry =
        Registry::new(host).with_context(|| format!("invalid registry {:?}", args.target))?;
    let pushed_after = match &args.pushed_since {
        Some(s) => {
            let d = trawl_types::time::parse_duration(s).context("bad --pushed-since")?;
            Some(trawl_types::time::unix_now() as f64 - d.as_secs_f64())
        }
        None => None,
    };
    let filters = Filters {
        prefix,
        repositories: args
            .repositories
            .as_deref()
            .map(|re| {
                regex::Regex::new(&format!("^(?:{re})$"))
                    .with_context(|| format!("invalid --repositories regex {re:?}"))
            })
            .transpose()?,
        tags: TagFilter::parse(&args.tags)?,
        pushed_after,
    };
    let harbor_api = std::env::var("TRAWL_HARBOR_API_URL")
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| {
            let scheme = if args.remote.insecure || registry.is_loopback() {
                "http"
            } else {
                "https"
            };
            format!("{scheme}://{host}")
        });
    let discovery = crate::discovery::pick(args.discovery, host, &harbor_api);
    let mut args_remote = args.remote;
    crate::settings::read_password_stdin(&mut args_remote)?;
    let login = args_remote
        .username
        .clone()
        .zip(args_remote.password.clone());
    let with_credentials =
        |found: crate::discovery::Found| -> anyhow::Result<(crate::discovery::Found, _)> {
            let mut found = found;
            let credentials = std::mem::take(&mut found.credentials);
            let remote = crate::settings::remote_options(&args_remote, &settings, credentials)?;
            Ok((found, remote))
        };
    let (found, mut remote) = match discovery {
        Discovery::Catalog => {
            let remote =
                crate::settings::remote_options(&args_remote, &settings, Default::default())?;
            let found = crate::discovery::catalog(&remote.client()?, &registry, &filters)?;
            (found, remote)
        }
        Discovery::Ecr => with_credentials(crate::discovery::ecr(&registry, &filters)?)?,
        Discovery::Ghcr => with_credentials(crate::discovery::ghcr(&registry, &filters)?)?,
        Discovery::Dockerhub => {
            with_credentials(crate::discovery::dockerhub(&registry, &filters, login)?)?
        }
        Discovery::Harbor => with_credentials(crate::discovery::harbor(
            &registry,
            &harbor_api,
            &filters,
            login,
        )?)?,
    };
    remote.image_src = vec![ImageSrc::Remote];
    tracing::info!(
        "{registry}: {} repositories, {} image(s) to scan ({discovery:?} discovery)",
        found.repositories,
        found.references.len()
    );
    let mut targets: Vec<(String, SourceSpec)> = found
        .references
        .into_iter()
        .map(|reference| {
            (
                reference.clone(),
                SourceSpec::Registry {
                    reference,
                    options: remote.clone(),
                },
            )
        })
        .collect();
    if let Some(max) = args.max_images
        && targets.len() > max
    {
        tracing::warn!(
            "{} images found; scanning the first {max} (--max-images)",
            targets.len()
        );
        targets.truncate(max);
    }
    if targets.is_empty() && found.failures.is_empty() {
        bail!(
            "{}: no image to scan (repositories: {}, --tags {})",
            args.target,
            found.repositories,
            args.tags
        );
    }
    let store = args
        .store
        .as_deref()
        .map(trawl_server::store::BlockingStore::open)
        .transpose()?;
    crate::scan::many::scan_many(
        &args.target,
        targets,
        found.failures,
        &settings,
        store.as_ref(),
    )
}
