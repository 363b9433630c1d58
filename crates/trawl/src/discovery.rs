//! What `trawl registry scan` scans: the repositories and tags of a registry, listed through the API its kind
//! serves (`/v2/_catalog` and tag lists; the Amazon ECR API; the GitHub packages API for ghcr.io; the Docker Hub
//! API; Harbor's API), filtered by repository, tag and push time.
//!
//! A repository that cannot be listed is reported as a failed image and the others go on.

use crate::cli::Discovery;
use anyhow::Context;
use std::collections::HashMap;
use trawl_registry::ecr::{AwsCredentials, EcrApi, EcrHost};
use trawl_registry::listing::{ApiAuth, ListedImage};
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

/// The discovery of `host`: as asked, else by the host name, else Harbor when `harbor_api` answers as one.
pub(crate) fn pick(asked: Option<Discovery>, host: &str, harbor_api: &str) -> Discovery {
    asked.unwrap_or_else(|| {
        let lower = host.to_ascii_lowercase();
        if EcrHost::parse(host).is_some() {
            Discovery::Ecr
        } else if lower == "ghcr.io" {
            Discovery::Ghcr
        } else if matches!(
            lower.as_str(),
            "docker.io" | "index.docker.io" | "registry-1.docker.io"
        ) {
            Discovery::Dockerhub
        } else if trawl_registry::listing::is_harbor(harbor_api) {
            Discovery::Harbor
        } else {
            Discovery::Catalog
        }
    })
}

/// The images a listing API gave, as references on `host`, filtered; `repositories` counts those kept.
fn from_listing(host: &str, listed: Vec<ListedImage>, filters: &Filters) -> Found {
    let mut repositories = std::collections::BTreeSet::new();
    let mut references = Vec::new();
    for image in listed {
        if !filters.keep_repository(&image.repository) {
            continue;
        }
        repositories.insert(image.repository.clone());
        if let (Some(after), Some(at)) = (filters.pushed_after, image.pushed_at)
            && at < after
        {
            continue;
        }
        match (&image.tag, &image.digest) {
            (Some(tag), _) if filters.tags.keep(tag) => {
                references.push(format!("{host}/{}:{tag}", image.repository));
            }
            // An untagged image is scanned by digest only when every tag is asked for.
            (None, Some(digest)) if matches!(filters.tags, TagFilter::All) => {
                references.push(format!("{host}/{}@{digest}", image.repository));
            }
            _ => {}
        }
    }
    references.sort();
    references.dedup();
    Found {
        references,
        repositories: repositories.len(),
        ..Found::default()
    }
}

/// Lists `ghcr.io/OWNER` through the GitHub packages API (`GITHUB_API_URL`, `GITHUB_TOKEN`); the token also
/// pulls the images.
pub(crate) fn ghcr(registry: &Registry, filters: &Filters) -> anyhow::Result<Found> {
    let owner = filters
        .prefix
        .as_deref()
        .and_then(|p| p.split('/').next())
        .context("ghcr discovery needs an owner: trawl registry scan ghcr.io/OWNER")?;
    let api = std::env::var("GITHUB_API_URL")
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "https://api.github.com".to_owned());
    let token = std::env::var("GITHUB_TOKEN")
        .ok()
        .filter(|v| !v.is_empty())
        .map(Secret::new);
    let listed = trawl_registry::listing::ghcr(&api, owner, token.clone())
        .with_context(|| format!("cannot list the packages of {registry}/{owner}"))?;
    let mut found = from_listing(&registry.to_string(), listed, filters);
    if let Some(t) = token {
        found
            .credentials
            .insert(registry.to_string(), ("token".to_owned(), t));
    }
    Ok(found)
}

/// Lists `docker.io/NAMESPACE` through the Docker Hub API (`TRAWL_DOCKERHUB_API_URL`, default
/// `https://hub.docker.com`); `login` (user, personal access token) for private repositories.
pub(crate) fn dockerhub(
    registry: &Registry,
    filters: &Filters,
    login: Option<(String, Secret)>,
) -> anyhow::Result<Found> {
    let namespace = filters
        .prefix
        .as_deref()
        .and_then(|p| p.split('/').next())
        .context(
            "dockerhub discovery needs a namespace: trawl registry scan docker.io/NAMESPACE",
        )?;
    let api = std::env::var("TRAWL_DOCKERHUB_API_URL")
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "https://hub.docker.com".to_owned());
    let auth = login.map_or(ApiAuth::None, |(u, p)| ApiAuth::Basic(u, p));
    let listed = trawl_registry::listing::dockerhub(&api, namespace, auth)
        .with_context(|| format!("cannot list the repositories of {registry}/{namespace}"))?;
    Ok(from_listing("docker.io", listed, filters))
}

/// Lists a Harbor (or one project: `HOST/PROJECT`) through its API at `api_base`; `login` for private projects.
pub(crate) fn harbor(
    registry: &Registry,
    api_base: &str,
    filters: &Filters,
    login: Option<(String, Secret)>,
) -> anyhow::Result<Found> {
    let project = filters.prefix.as_deref().and_then(|p| p.split('/').next());
    let auth = login.map_or(ApiAuth::None, |(u, p)| ApiAuth::Basic(u, p));
    let listed = trawl_registry::listing::harbor(api_base, project, auth)
        .with_context(|| format!("cannot list the artifacts of {registry}"))?;
    Ok(from_listing(&registry.to_string(), listed, filters))
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
                found.failures.push(ImageStatus::failed(
                    format!("{registry}/{name}"),
                    format!("{:#}", anyhow::Error::from(e)),
                ));
                continue;
            }
        };
        let mut tags = match client.tags(&repo) {
            Ok(t) => t,
            Err(e) => {
                found.failures.push(ImageStatus::failed(
                    repo.to_string(),
                    format!("{:#}", anyhow::Error::new(e)),
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
    let mut listed = Vec::new();
    let mut failures = Vec::new();
    for name in api
        .repositories(&account)
        .with_context(|| format!("cannot list the repositories of {host}"))?
        .into_iter()
        .filter(|r| filters.keep_repository(r))
    {
        match api.images(&account, &name) {
            Ok(images) => listed.extend(images.into_iter().flat_map(|image| {
                let tags: Vec<Option<String>> = if image.tags.is_empty() {
                    vec![None]
                } else {
                    image.tags.into_iter().map(Some).collect()
                };
                let (name, digest, pushed_at) = (name.clone(), image.digest, image.pushed_at);
                tags.into_iter().map(move |tag| ListedImage {
                    repository: name.clone(),
                    tag,
                    digest: Some(digest.clone()),
                    pushed_at,
                })
            })),
            Err(e) => failures.push(ImageStatus::failed(
                format!("{host}/{name}"),
                format!("{:#}", anyhow::Error::from(e)),
            )),
        }
    }
    let mut found = from_listing(&host, listed, filters);
    found.repositories += failures.len();
    found.failures = failures;
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
        // Nothing answers on port 1: not a Harbor.
        let nothing = "http://127.0.0.1:1";
        assert_eq!(
            pick(
                None,
                "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
                nothing
            ),
            Discovery::Ecr
        );
        assert_eq!(pick(None, "ghcr.io", nothing), Discovery::Ghcr);
        assert_eq!(pick(None, "docker.io", nothing), Discovery::Dockerhub);
        assert_eq!(pick(None, "127.0.0.1:5000", nothing), Discovery::Catalog);
        assert_eq!(
            pick(Some(Discovery::Ecr), "127.0.0.1:5000", nothing),
            Discovery::Ecr
        );
    }

    #[test]
    fn listings_are_filtered_by_repository_tag_and_push_time() {
        let image = |repo: &str, tag: Option<&str>, at: f64| ListedImage {
            repository: repo.into(),
            tag: tag.map(Into::into),
            digest: Some(format!("sha256:{}", "b".repeat(64))),
            pushed_at: Some(at),
        };
        let listed = vec![
            image("o/api", Some("latest"), 100.0),
            image("o/api", Some("1.0"), 100.0),
            image("o/old", Some("latest"), 10.0),
            image("o/api", None, 100.0),
            image("x/other", Some("latest"), 100.0),
        ];
        let filters = |tags: &str, after: Option<f64>| Filters {
            prefix: Some("o".into()),
            repositories: None,
            tags: TagFilter::parse(tags).expect("tags"),
            pushed_after: after,
        };
        let found = from_listing("ghcr.io", listed.clone(), &filters("latest", Some(50.0)));
        assert_eq!(found.references, ["ghcr.io/o/api:latest"]);
        assert_eq!(found.repositories, 2);
        let found = from_listing("ghcr.io", listed, &filters("all", None));
        assert_eq!(found.references.len(), 4, "{:?}", found.references);
        assert!(found.references.iter().any(|r| r.contains("@sha256:")));
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
