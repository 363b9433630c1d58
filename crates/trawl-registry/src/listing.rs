//! Listing the images of a registry through the API its vendor serves where `/v2/_catalog` is not available:
//!
//! - **GitHub Container Registry**: the GitHub REST packages API, `GET /orgs/{org}/packages?package_type=container`
//!   (else `/users/{user}/packages`), then `.../packages/container/{name}/versions` (tags in
//!   `metadata.container.tags`); `Link: <...>; rel="next"` pagination; `Authorization: Bearer $GITHUB_TOKEN`; the
//!   API base is `GITHUB_API_URL` (set by GitHub Actions), else `https://api.github.com`.
//! - **Docker Hub**: `GET /v2/namespaces/{ns}/repositories`, then `.../repositories/{repo}/tags`; `next` URL
//!   pagination; an optional bearer token (a personal access token exchanged at `/v2/auth/token`, or a JWT).
//! - **Harbor** (API v2.0): `GET /api/v2.0/projects`, `.../projects/{p}/repositories`,
//!   `.../repositories/{r}/artifacts?with_tag=true` (repository names inside a project URL-encoded twice);
//!   `Link` pagination; HTTP basic auth (users or robot accounts). Detected with `GET /api/v2.0/systeminfo`.
//!
//! Every listing is bounded (pages, items) and retries 429/5xx honouring `Retry-After`. A 401 or 403 is an error
//! naming the API and what to set; secrets never appear in errors or logs.

use crate::Secret;
use serde_json::Value;
use std::time::Duration;

/// An image found by a listing.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedImage {
    /// Repository path in the registry (`octo-org/app`, `library/alpine`, `project/team/app`).
    pub repository: String,
    /// The tag (`None`: an untagged image, then `digest` is set).
    pub tag: Option<String>,
    /// The manifest digest, when the API gives it.
    pub digest: Option<String>,
    /// When it was pushed or last updated (seconds since the epoch), when the API gives it.
    pub pushed_at: Option<f64>,
}

/// A listing failure.
#[derive(Debug, thiserror::Error)]
pub enum ListingError {
    /// Not authenticated, or not allowed.
    #[error("{api} answered {status} for {url}: {hint}")]
    Denied {
        /// `GitHub packages API`, `Docker Hub API`, `Harbor API`.
        api: &'static str,
        /// The URL (no credentials in it).
        url: String,
        /// 401 or 403.
        status: u16,
        /// What to do.
        hint: String,
    },
    /// Not found (no such organisation, namespace or project).
    #[error("{api}: {what} not found ({url})")]
    NotFound {
        /// The API.
        api: &'static str,
        /// What was looked for.
        what: String,
        /// The URL.
        url: String,
    },
    /// Any other failure: network, status, shape of the answer, limits.
    #[error("{api}: {url}: {reason}")]
    Failed {
        /// The API.
        api: &'static str,
        /// The URL.
        url: String,
        /// What went wrong.
        reason: String,
    },
}

type Result<T> = std::result::Result<T, ListingError>;

/// Pages fetched at most per list, and items kept at most per listing.
const MAX_PAGES: usize = 2_000;
const MAX_ITEMS: usize = 200_000;
/// Largest answer read (one page).
const MAX_PAGE_BYTES: u64 = 32 << 20;

/// How to authenticate to a listing API.
#[derive(Clone, Debug, Default)]
pub enum ApiAuth {
    /// Nothing.
    #[default]
    None,
    /// `Authorization: Bearer TOKEN`.
    Bearer(Secret),
    /// HTTP basic auth.
    Basic(String, Secret),
}

/// A JSON API client with pagination and retries.
struct Api {
    name: &'static str,
    agent: ureq::Agent,
    auth: ApiAuth,
    retries: u32,
}

/// One page: the JSON body and the `Link: <URL>; rel="next"` target.
struct Page {
    body: Value,
    next: Option<String>,
}

/// The HTTP agent of the vendor APIs (listings, ECR, STS, credential endpoints): an overall `timeout`, statuses
/// returned to the caller rather than turned into errors, trawl's user agent; TLS verified.
pub(crate) fn api_agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .user_agent(concat!("trawl/", env!("CARGO_PKG_VERSION")))
        .build()
        .new_agent()
}

impl Api {
    fn new(name: &'static str, auth: ApiAuth) -> Api {
        Api {
            name,
            agent: api_agent(Duration::from_secs(60)),
            auth,
            retries: 4,
        }
    }

    fn failed(&self, url: &str, reason: impl Into<String>) -> ListingError {
        ListingError::Failed {
            api: self.name,
            url: url.to_owned(),
            reason: reason.into(),
        }
    }

    /// GETs `url`: 404 is `Ok(None)`; 401/403 are [`ListingError::Denied`] with `hint`.
    fn get(&self, url: &str, hint: &str) -> Result<Option<Page>> {
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let mut req = self.agent.get(url).header("Accept", "application/json");
            match &self.auth {
                ApiAuth::None => {}
                ApiAuth::Bearer(t) => {
                    req = req.header("Authorization", format!("Bearer {}", t.expose()));
                }
                ApiAuth::Basic(user, password) => {
                    use base64::Engine as _;
                    let pair = format!("{user}:{}", password.expose());
                    let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
                    req = req.header("Authorization", format!("Basic {encoded}"));
                }
            }
            let mut resp = match req.call() {
                Ok(r) => r,
                Err(e) if attempt <= self.retries => {
                    tracing::debug!(api = self.name, url, error = %e, "listing request failed; retrying");
                    std::thread::sleep(Duration::from_millis(250 << attempt.min(6)));
                    continue;
                }
                Err(e) => return Err(self.failed(url, e.to_string())),
            };
            let status = resp.status().as_u16();
            if (status == 429 || status >= 500) && attempt <= self.retries {
                let wait = resp
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map_or(Duration::from_millis(500 << attempt.min(6)), |s| {
                        Duration::from_secs(s.min(60))
                    });
                tracing::info!(
                    "{}: HTTP {status} for {url}; retrying in {:.1} s",
                    self.name,
                    wait.as_secs_f64()
                );
                drop(resp);
                std::thread::sleep(wait);
                continue;
            }
            match status {
                200 => {}
                401 | 403 => {
                    return Err(ListingError::Denied {
                        api: self.name,
                        url: url.to_owned(),
                        status,
                        hint: hint.to_owned(),
                    });
                }
                404 => return Ok(None),
                s => return Err(self.failed(url, format!("HTTP {s}"))),
            }
            let next = resp
                .headers()
                .get_all("link")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .find_map(next_link);
            let text = resp
                .body_mut()
                .with_config()
                .limit(MAX_PAGE_BYTES)
                .read_to_string()
                .map_err(|e| self.failed(url, e.to_string()))?;
            let body: Value = serde_json::from_str(&text)
                .map_err(|e| self.failed(url, format!("not JSON: {e}")))?;
            return Ok(Some(Page { body, next }));
        }
    }

    /// Every item of a paginated list: `items` picks a page's items; the next page is the `Link` header's, else
    /// what `next_of` finds in the body (Docker Hub's `next`).
    fn all(
        &self,
        first: String,
        hint: &str,
        items: impl Fn(&Value) -> Option<Vec<Value>>,
        next_of: impl Fn(&Value) -> Option<String>,
    ) -> Result<Option<Vec<Value>>> {
        let mut out = Vec::new();
        let mut url = first;
        for page_no in 0..MAX_PAGES {
            let Some(page) = self.get(&url, hint)? else {
                return if page_no == 0 {
                    Ok(None)
                } else {
                    Err(self.failed(&url, "a next page vanished (404)"))
                };
            };
            let list = items(&page.body)
                .ok_or_else(|| self.failed(&url, "not the documented list shape"))?;
            out.extend(list);
            if out.len() > MAX_ITEMS {
                return Err(self.failed(&url, format!("more than {MAX_ITEMS} items")));
            }
            match page
                .next
                .or_else(|| next_of(&page.body))
                .map(|n| absolute(&url, &n))
            {
                Some(n) if n != url => url = n,
                _ => return Ok(Some(out)),
            }
        }
        Err(self.failed(&url, format!("more than {MAX_PAGES} pages")))
    }
}

/// `next` as an absolute URL: Harbor's `Link` targets are paths on the same origin as `current`.
fn absolute(current: &str, next: &str) -> String {
    if !next.starts_with('/') {
        return next.to_owned();
    }
    let origin_end = current
        .find("://")
        .and_then(|i| current[i + 3..].find('/').map(|j| i + 3 + j))
        .unwrap_or(current.len());
    format!("{}{next}", &current[..origin_end])
}

/// The `rel="next"` target of a `Link` header value.
fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        let is_next = params.split(';').any(|p| {
            let p = p.trim().replace(' ', "");
            p == "rel=\"next\"" || p == "rel=next"
        });
        is_next.then(|| {
            target
                .trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_owned()
        })
    })
}

fn array(v: &Value) -> Option<Vec<Value>> {
    v.as_array().cloned()
}

fn rfc3339(v: Option<&Value>) -> Option<f64> {
    let s = v?.as_str()?;
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp() as f64)
}

/// Percent-encodes everything but RFC 3986's unreserved characters: one URL path segment, or one value of a
/// form body (the STS call of `ecr.rs`).
pub(crate) fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The container images of a GitHub organisation or user on `ghcr.io`.
pub fn ghcr(api_base: &str, owner: &str, token: Option<Secret>) -> Result<Vec<ListedImage>> {
    let auth = token.map_or(ApiAuth::None, ApiAuth::Bearer);
    let api = Api::new("GitHub packages API", auth);
    let base = api_base.trim_end_matches('/');
    let hint = "set GITHUB_TOKEN to a token with read:packages for this owner";
    let mut packages = None;
    let mut kind = "orgs";
    for k in ["orgs", "users"] {
        let url = format!(
            "{base}/{k}/{}/packages?package_type=container&per_page=100",
            percent_encode(owner)
        );
        if let Some(list) = api.all(url, hint, array, |_| None)? {
            packages = Some(list);
            kind = k;
            break;
        }
    }
    let packages = packages.ok_or_else(|| ListingError::NotFound {
        api: "GitHub packages API",
        what: format!("organisation or user {owner:?}"),
        url: format!("{base}/orgs/{owner}"),
    })?;
    let mut images = Vec::new();
    for p in &packages {
        let Some(name) = p.get("name").and_then(Value::as_str) else {
            continue;
        };
        let url = format!(
            "{base}/{kind}/{}/packages/container/{}/versions?per_page=100",
            percent_encode(owner),
            percent_encode(name)
        );
        let versions = api
            .all(url.clone(), hint, array, |_| None)?
            .ok_or_else(|| ListingError::NotFound {
                api: "GitHub packages API",
                what: format!("package {name:?}"),
                url,
            })?;
        let repository = format!("{}/{name}", owner.to_ascii_lowercase());
        for v in versions {
            let digest = v.get("name").and_then(Value::as_str).map(str::to_owned);
            let pushed_at = rfc3339(v.get("updated_at")).or_else(|| rfc3339(v.get("created_at")));
            let tags: Vec<String> = v
                .pointer("/metadata/container/tags")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|t| t.as_str().map(str::to_owned))
                .collect();
            if tags.is_empty() {
                images.push(ListedImage {
                    repository: repository.clone(),
                    tag: None,
                    digest: digest.clone(),
                    pushed_at,
                });
            }
            for tag in tags {
                images.push(ListedImage {
                    repository: repository.clone(),
                    tag: Some(tag),
                    digest: digest.clone(),
                    pushed_at,
                });
            }
        }
    }
    Ok(images)
}

/// The images of a Docker Hub namespace. `auth`: a bearer token, or a user and personal access token exchanged
/// at `/v2/auth/token` for one.
pub fn dockerhub(api_base: &str, namespace: &str, auth: ApiAuth) -> Result<Vec<ListedImage>> {
    let base = api_base.trim_end_matches('/');
    let auth = match auth {
        ApiAuth::Basic(user, secret) => ApiAuth::Bearer(hub_token(base, &user, &secret)?),
        other => other,
    };
    let api = Api::new("Docker Hub API", auth);
    let hint =
        "private repositories need TRAWL_USERNAME and a personal access token in TRAWL_PASSWORD";
    let next_of = |v: &Value| {
        v.get("next")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let results = |v: &Value| v.get("results").and_then(Value::as_array).cloned();
    let url = format!(
        "{base}/v2/namespaces/{}/repositories?page_size=100",
        percent_encode(namespace)
    );
    let repos = api
        .all(url.clone(), hint, results, next_of)?
        .ok_or_else(|| ListingError::NotFound {
            api: "Docker Hub API",
            what: format!("namespace {namespace:?}"),
            url,
        })?;
    let mut images = Vec::new();
    for r in &repos {
        let Some(name) = r.get("name").and_then(Value::as_str) else {
            continue;
        };
        let url = format!(
            "{base}/v2/namespaces/{}/repositories/{}/tags?page_size=100",
            percent_encode(namespace),
            percent_encode(name)
        );
        let tags = api
            .all(url.clone(), hint, results, next_of)?
            .ok_or_else(|| ListingError::NotFound {
                api: "Docker Hub API",
                what: format!("repository {namespace}/{name}"),
                url,
            })?;
        for t in tags {
            let Some(tag) = t.get("name").and_then(Value::as_str) else {
                continue;
            };
            images.push(ListedImage {
                repository: format!("{namespace}/{name}"),
                tag: Some(tag.to_owned()),
                digest: t.get("digest").and_then(Value::as_str).map(str::to_owned),
                pushed_at: rfc3339(t.get("tag_last_pushed"))
                    .or_else(|| rfc3339(t.get("last_updated"))),
            });
        }
    }
    Ok(images)
}

/// A Docker Hub access token for a user and personal access token (`POST /v2/auth/token`).
fn hub_token(base: &str, user: &str, secret: &Secret) -> Result<Secret> {
    let url = format!("{base}/v2/auth/token");
    let body = serde_json::json!({ "identifier": user, "secret": secret.expose() });
    let agent = api_agent(Duration::from_secs(60));
    let fail = |reason: String| ListingError::Failed {
        api: "Docker Hub API",
        url: url.clone(),
        reason,
    };
    let mut resp = agent
        .post(&url)
        .header("Content-Type", "application/json")
        .send(body.to_string().as_bytes())
        .map_err(|e| fail(e.to_string()))?;
    let status = resp.status().as_u16();
    if status == 401 || status == 403 {
        return Err(ListingError::Denied {
            api: "Docker Hub API",
            url,
            status,
            hint: "the user name or personal access token was refused".to_owned(),
        });
    }
    let text = resp
        .body_mut()
        .with_config()
        .limit(1 << 20)
        .read_to_string()
        .map_err(|e| fail(e.to_string()))?;
    if status != 200 {
        return Err(fail(format!("HTTP {status}")));
    }
    let v: Value = serde_json::from_str(&text).map_err(|e| fail(format!("not JSON: {e}")))?;
    v.get("access_token")
        .or_else(|| v.get("token"))
        .and_then(Value::as_str)
        .map(Secret::new)
        .ok_or_else(|| fail("no access_token in the answer".to_owned()))
}

/// Whether `api_base` is a Harbor (its `GET /api/v2.0/systeminfo` names a Harbor version).
pub fn is_harbor(api_base: &str) -> bool {
    let api = Api {
        retries: 0,
        ..Api::new("Harbor API", ApiAuth::None)
    };
    let url = format!("{}/api/v2.0/systeminfo", api_base.trim_end_matches('/'));
    matches!(api.get(&url, ""), Ok(Some(page)) if page.body.get("harbor_version").is_some())
}

/// The artifacts of a Harbor, or of one project (`project`).
pub fn harbor(api_base: &str, project: Option<&str>, auth: ApiAuth) -> Result<Vec<ListedImage>> {
    let api = Api::new("Harbor API", auth);
    let base = format!("{}/api/v2.0", api_base.trim_end_matches('/'));
    let hint =
        "set TRAWL_USERNAME/TRAWL_PASSWORD to a Harbor user or robot account with pull access";
    let projects: Vec<String> = match project {
        Some(p) => vec![p.to_owned()],
        None => {
            let url = format!("{base}/projects?page=1&page_size=100");
            api.all(url.clone(), hint, array, |_| None)?
                .ok_or_else(|| ListingError::NotFound {
                    api: "Harbor API",
                    what: "the project list".to_owned(),
                    url,
                })?
                .iter()
                .filter_map(|p| p.get("name").and_then(Value::as_str).map(str::to_owned))
                .collect()
        }
    };
    let mut images = Vec::new();
    for p in &projects {
        let url = format!(
            "{base}/projects/{}/repositories?page=1&page_size=100",
            percent_encode(p)
        );
        let repos = api
            .all(url.clone(), hint, array, |_| None)?
            .ok_or_else(|| ListingError::NotFound {
                api: "Harbor API",
                what: format!("project {p:?}"),
                url,
            })?;
        for r in repos {
            // `name` is `project/repo[/more]`; the API wants the part after the project, encoded twice.
            let Some(full) = r.get("name").and_then(Value::as_str) else {
                continue;
            };
            let inner = full.strip_prefix(&format!("{p}/")).unwrap_or(full);
            let url = format!(
                "{base}/projects/{}/repositories/{}/artifacts?with_tag=true&page=1&page_size=100",
                percent_encode(p),
                percent_encode(&percent_encode(inner))
            );
            let artifacts = api
                .all(url.clone(), hint, array, |_| None)?
                .ok_or_else(|| ListingError::NotFound {
                    api: "Harbor API",
                    what: format!("repository {full:?}"),
                    url,
                })?;
            for a in artifacts {
                let digest = a.get("digest").and_then(Value::as_str).map(str::to_owned);
                let pushed_at = rfc3339(a.get("push_time"));
                let tags: Vec<(String, Option<f64>)> = a
                    .get("tags")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|t| {
                        let name = t.get("name").and_then(Value::as_str)?;
                        Some((name.to_owned(), rfc3339(t.get("push_time")).or(pushed_at)))
                    })
                    .collect();
                if tags.is_empty() {
                    images.push(ListedImage {
                        repository: full.to_owned(),
                        tag: None,
                        digest,
                        pushed_at,
                    });
                    continue;
                }
                for (tag, at) in tags {
                    images.push(ListedImage {
                        repository: full.to_owned(),
                        tag: Some(tag),
                        digest: digest.clone(),
                        pushed_at: at,
                    });
                }
            }
        }
    }
    Ok(images)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_headers() {
        assert_eq!(
            next_link(
                r#"<https://api.github.com/x?page=2>; rel="next", <https://api.github.com/x?page=5>; rel="last""#
            ),
            Some("https://api.github.com/x?page=2".into())
        );
        assert_eq!(
            next_link(
                r#"</api/v2.0/projects?page=1>; rel="prev" , </api/v2.0/projects?page=3>; rel="next""#
            ),
            Some("/api/v2.0/projects?page=3".into())
        );
        assert_eq!(next_link(r#"<https://x/?page=1>; rel="first""#), None);
        assert_eq!(
            absolute(
                "http://127.0.0.1:9/api/v2.0/projects?page=1",
                "/api/v2.0/projects?page=2"
            ),
            "http://127.0.0.1:9/api/v2.0/projects?page=2"
        );
        assert_eq!(absolute("https://a/x", "https://b/y"), "https://b/y");
    }

    #[test]
    fn segments_and_times() {
        assert_eq!(percent_encode("team/app"), "team%2Fapp");
        assert_eq!(percent_encode(&percent_encode("team/app")), "team%252Fapp");
        assert_eq!(
            rfc3339(Some(&Value::from("2024-05-01T10:00:00Z"))),
            Some(1_714_557_600.0)
        );
        assert_eq!(rfc3339(Some(&Value::from("yesterday"))), None);
    }
}
