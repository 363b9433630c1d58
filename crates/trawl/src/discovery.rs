//! What `trawl registry scan` scans: the repositories and tags of a registry, listed through the API its kind
//! serves (`/v2/_catalog` and tag lists; the Amazon ECR API), filtered by repository, tag and push time.
//!
//! A repository that cannot be listed is reported as a failed image and the others go on.

use crate::cli::Discovery;
use crate::scan::many::ImageStatusExt as _;
use anyhow::Context;
use std::collections::HashMap;
use trawl_registry::ecr::{AwsCredentials, EcrApi, EcrHost};
use trawl_registry::{Client, Registry, Repository, Secret};
use trawl_report::ImageStatus;

/// Which tags to scan (`--tags`).
pub(crate) enum TagFilter {
    Latest,
    All,
    Regex(regex::Regex),
}

impl TagFilter {
    pub(crate) fn parse(s: &str) -> anyhow::Result<Self> {
        Ok(match s {
            "latest" => TagFilter::Latest,
            "all" => TagFilter::All,
            re => TagFilter::Regex(
                regex::Regex::new(&format!("^(?:{re})$"))
                    .with_context(|| format!("invalid --tags regex {re:?}"))?,
            ),
        })
    }

    pub(crate) fn keep(&self, tag: &str) -> bool {
        match self {
            TagFilter::Latest => tag == "latest",
            TagFilter::All => true,
            TagFilter::Regex(r) => r.is_match(tag),
        }
    }
}

/// The filters of one discovery.
pub(crate) struct Filters {
    /// `REGISTRY/PREFIX`: only repositories under the prefix.
    pub(crate) prefix: Option<String>,
    /// `--repositories`: the whole name must match.
    pub(crate) repositories: Option<regex::Regex>,
    pub(crate) tags: TagFilter,
    /// `--pushed-since`, as the earliest push time (seconds since the epoch).
    pub(crate) pushed_after: Option<f64>,
}

impl Filters {
    fn keep_repository(&self, name: &str) -> bool {
        self.prefix
            .as_deref()
            .is_none_or(|p| name == p || name.starts_with(&format!("{p}/")))
            && self.repositories.as_ref().is_none_or(|r| r.is_match(name))
    }
}

/// What a discovery found: image references to scan (`HOST/REPO:TAG`), repositories it could not list, and
/// registry credentials its API gave.
#[derive(Default)]
pub(crate) struct Found {
    pub(crate) references: Vec<String>,
    pub(crate) failures: Vec<ImageStatus>,
    pub(crate) repositories: usize,
    pub(crate) credentials: HashMap<String, (String, Secret)>,
}

/// The discovery of `host`: as asked, else by the host name.
pub(crate) fn pick(asked: Option<Discovery>, host: &str) -> Discovery {
    asked.unwrap_or_else(|| {
        if EcrHost::parse(host).is_some() {
            Discovery::Ecr
        } else {
            Discovery::Catalog
        }
    })
}

/// Lists `registry` through `/v2/_catalog` and each repository's tags (`client` holds the credentials).
pub(crate) fn catalog(
    client: &Client,
    registry: &Registry,
    filters: &Filters,
) -> anyhow::Result<Found> {
    if filters.pushed_after.is_some() {
        anyhow::bail!(
            "--pushed-since needs push times, which /v2/_catalog does not give: use a discovery that has them \
             (--discovery ecr)"
        );
    }
    let repositories: Vec<String> = client
        .catalog(registry)
        .with_context(|| format!("cannot list the repositories of {registry}"))?
        .into_iter()
        .filter(|r| filters.keep_repository(r))
        .collect();
    let mut found = Found {
        repositories: repositories.len(),
        ..Found::default()
    };
    for name in &repositories {
        let repo = match Repository::new(registry.clone(), name) {
            Ok(r) => r,
            Err(e) => {
                found
                    .failures
                    .push(ImageStatus::failed(format!("{registry}/{name}"), &e.into()));
                continue;
            }
        };
        let mut tags = match client.tags(&repo) {
            Ok(t) => t,
            Err(e) => {
                found.failures.push(ImageStatus::failed(
                    repo.to_string(),
                    &anyhow::Error::new(e),
                ));
                continue;
            }
        };
        tags.sort();
        let before = found.references.len();
        found.references.extend(
            tags.iter()
                .filter(|t| filters.tags.keep(t))
                .map(|t| format!("{repo}:{t}")),
        );
        if found.references.len() == before {
            tracing::info!("{repo}: no tag matches --tags");
        }
    }
    Ok(found)
}

/// Lists an ECR registry through the ECR API (AWS credentials from the standard chain) and gets its registry
/// credentials from `GetAuthorizationToken`.
pub(crate) fn ecr(registry: &Registry, filters: &Filters) -> anyhow::Result<Found> {
    let host = registry.to_string();
    let parsed = EcrHost::parse(&host);
    let region = trawl_registry::ecr::region(parsed.as_ref(), &|k| {
        std::env::var(k).ok().filter(|v| !v.is_empty())
    })?;
    let credentials = AwsCredentials::from_chain(Some(&region))?;
    tracing::info!(
        "{host}: ECR API in {region}, AWS credentials from {}",
        credentials.source
    );
    let api = EcrApi::new(&region, credentials);
    // The account: the host's, else the caller's default registry (the API's own when no registryId is sent is
    // not needed: ECR hosts always carry it).
    let account = parsed.map(|h| h.account).with_context(|| {
        format!("{host} is not an ECR registry host (ACCOUNT.dkr.ecr.REGION.amazonaws.com)")
    })?;
    let repositories: Vec<String> = api
        .repositories(&account)
        .with_context(|| format!("cannot list the repositories of {host}"))?
        .into_iter()
        .filter(|r| filters.keep_repository(r))
        .collect();
    let mut found = Found {
        repositories: repositories.len(),
        ..Found::default()
    };
    for name in &repositories {
        let images = match api.images(&account, name) {
            Ok(i) => i,
            Err(e) => {
                found
                    .failures
                    .push(ImageStatus::failed(format!("{host}/{name}"), &e.into()));
                continue;
            }
        };
        let mut refs: Vec<String> = Vec::new();
        for image in images {
            if let (Some(after), Some(at)) = (filters.pushed_after, image.pushed_at)
                && at < after
            {
                continue;
            }
            if image.tags.is_empty() {
                // An untagged image is scanned by digest only when every tag is asked for.
                if matches!(filters.tags, TagFilter::All) {
                    refs.push(format!("{host}/{name}@{}", image.digest));
                }
                continue;
            }
            refs.extend(
                image
                    .tags
                    .iter()
                    .filter(|t| filters.tags.keep(t))
                    .map(|t| format!("{host}/{name}:{t}")),
            );
        }
        refs.sort();
        refs.dedup();
        if refs.is_empty() {
            tracing::info!("{host}/{name}: no image matches --tags / --pushed-since");
        }
        found.references.extend(refs);
    }
    let (user, password) = api
        .authorization(&account)
        .with_context(|| format!("cannot get registry credentials for {host}"))?;
    found.credentials.insert(host, (user, password));
    Ok(found)
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

    #[test]
    fn discovery_from_the_host() {
        assert_eq!(
            pick(None, "123456789012.dkr.ecr.eu-west-1.amazonaws.com"),
            Discovery::Ecr
        );
        assert_eq!(pick(None, "127.0.0.1:5000"), Discovery::Catalog);
        assert_eq!(pick(Some(Discovery::Ecr), "127.0.0.1:5000"), Discovery::Ecr);
    }

    #[test]
    fn repository_filters() {
        let f = Filters {
            prefix: Some("team".into()),
            repositories: Some(regex::Regex::new("^(?:team/(api|web))$").expect("re")),
            tags: TagFilter::All,
            pushed_after: None,
        };
        assert!(f.keep_repository("team/api"));
        assert!(!f.keep_repository("team/db"));
        assert!(!f.keep_repository("teamx/api"));
    }
}
