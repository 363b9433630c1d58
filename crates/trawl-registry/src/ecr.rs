//! Amazon ECR: repository and image discovery through the ECR API, and registry credentials from
//! `GetAuthorizationToken`, so neither `docker login` nor a credential helper is needed.
//!
//! - Requests are the ECR JSON protocol (`POST /`, `X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.<Op>`)
//!   signed with SigV4 by `aws-sigv4` (awslabs); nothing cryptographic is written here.
//! - The endpoint is `AWS_ENDPOINT_URL_ECR`, else `AWS_ENDPOINT_URL`, else `https://api.ecr.<region>.amazonaws.com`
//!   (`.com.cn` in China regions), as the AWS SDKs and CLI do.
//! - Credentials come from the standard chain ([`AwsCredentials::from_chain`]): the environment, the shared
//!   `credentials`/`config` files and their profiles (static keys, or a role with a web identity token), a web
//!   identity token (`AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN`, as GitHub's OIDC gives it, exchanged at STS),
//!   the ECS/EKS container endpoint, then the EC2 instance metadata service (IMDSv2).
//! - Secrets are [`Secret`]s: never in `Debug`, errors or logs.

use crate::Secret;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

/// What went wrong talking to AWS.
#[derive(Debug, thiserror::Error)]
pub enum AwsError {
    /// No credential source of the chain had credentials.
    #[error(
        "no AWS credentials: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE (shared config files), \
         AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN, or run where container or instance credentials exist \
         (tried: {tried})"
    )]
    NoCredentials {
        /// The sources tried, in order, and why each gave nothing.
        tried: String,
    },
    /// A credential source was set up but broken (unreadable file, bad answer).
    #[error("AWS credentials from {source_name}: {reason}")]
    Credentials {
        /// The source (`profile prod`, `web identity`...).
        source_name: String,
        /// What is wrong.
        reason: String,
    },
    /// No region: not in the registry host, the environment or the profile.
    #[error("no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION, or region in the profile)")]
    NoRegion,
    /// The request could not be signed.
    #[error("cannot sign the {operation} request: {reason}")]
    Signing {
        /// The ECR operation.
        operation: String,
        /// Why.
        reason: String,
    },
    /// A network failure.
    #[error("{url}: {reason}")]
    Transport {
        /// The endpoint.
        url: String,
        /// What failed.
        reason: String,
    },
    /// AWS answered with an error.
    #[error("{operation} at {url}: HTTP {status} {code}: {message}")]
    Api {
        /// The operation.
        operation: String,
        /// The endpoint.
        url: String,
        /// HTTP status.
        status: u16,
        /// AWS error code (`AccessDeniedException`, `RepositoryNotFoundException`...).
        code: String,
        /// AWS's message.
        message: String,
    },
    /// The answer was not what the API documents.
    #[error("{operation} at {url}: unexpected answer: {reason}")]
    Answer {
        /// The operation.
        operation: String,
        /// The endpoint.
        url: String,
        /// What is wrong.
        reason: String,
    },
}

type Result<T> = std::result::Result<T, AwsError>;

/// An ECR registry host: `ACCOUNT.dkr.ecr[-fips].REGION.amazonaws.com[.cn]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcrHost {
    /// The 12-digit account (the ECR `registryId`).
    pub account: String,
    /// The region (`eu-west-1`).
    pub region: String,
}

impl EcrHost {
    /// Recognises an ECR registry host name (a port is ignored); `None` for any other host.
    pub fn parse(host: &str) -> Option<EcrHost> {
        let host = host.split(':').next().unwrap_or(host).to_ascii_lowercase();
        let rest = host
            .strip_suffix(".amazonaws.com")
            .or_else(|| host.strip_suffix(".amazonaws.com.cn"))?;
        let mut parts = rest.split('.');
        let account = parts.next()?;
        let dkr = parts.next()?;
        let ecr = parts.next()?;
        let region = parts.next()?;
        let valid = account.len() == 12
            && account.bytes().all(|b| b.is_ascii_digit())
            && dkr == "dkr"
            && (ecr == "ecr" || ecr == "ecr-fips")
            && !region.is_empty()
            && region
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && parts.next().is_none();
        valid.then(|| EcrHost {
            account: account.to_owned(),
            region: region.to_owned(),
        })
    }
}

/// AWS credentials.
#[derive(Clone)]
pub struct AwsCredentials {
    /// Access key ID (not secret, but not logged either).
    pub access_key_id: String,
    /// Secret access key.
    pub secret_access_key: Secret,
    /// Session token of temporary credentials.
    pub session_token: Option<Secret>,
    /// Where they came from (`environment`, `profile default`, `web identity`...).
    pub source: String,
}

impl std::fmt::Debug for AwsCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwsCredentials")
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

/// The environment the credential chain reads (a function, so tests can give their own).
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

fn process_env(key: &str) -> Option<String> {
    std::env::var(key).ok().filter(|v| !v.is_empty())
}

fn home() -> Option<PathBuf> {
    process_env("HOME").map(PathBuf::from)
}

/// One `[section]` of an INI-style AWS file: its keys (lower-case) and values.
type Section = Vec<(String, String)>;

/// Parses an AWS shared config or credentials file into sections (`[default]`, `[profile prod]`, `[prod]`).
fn parse_ini(text: &str) -> Vec<(String, Section)> {
    let mut sections: Vec<(String, Section)> = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            sections.push((name.trim().to_owned(), Vec::new()));
        } else if let Some((k, v)) = line.split_once('=')
            && let Some((_, section)) = sections.last_mut()
        {
            section.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
    }
    sections
}

fn get<'a>(section: &'a Section, key: &str) -> Option<&'a str> {
    section
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// The profile's settings: the credentials file's `[NAME]` over the config file's `[profile NAME]` (`[default]`
/// for the default profile).
fn profile(env: Env<'_>, name: &str) -> std::result::Result<Option<Section>, String> {
    let read = |path: PathBuf| -> std::result::Result<Option<String>, String> {
        match std::fs::read_to_string(&path) {
            Ok(t) => Ok(Some(t)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("cannot read {}: {e}", path.display())),
        }
    };
    let credentials_file = env("AWS_SHARED_CREDENTIALS_FILE")
        .map(PathBuf::from)
        .or_else(|| home().map(|h| h.join(".aws/credentials")));
    let config_file = env("AWS_CONFIG_FILE")
        .map(PathBuf::from)
        .or_else(|| home().map(|h| h.join(".aws/config")));
    let mut merged: Option<Section> = None;
    if let Some(path) = config_file
        && let Some(text) = read(path)?
    {
        let wanted = if name == "default" {
            "default".to_owned()
        } else {
            format!("profile {name}")
        };
        for (section, values) in parse_ini(&text) {
            if section == wanted || (name == "default" && section == "profile default") {
                merged.get_or_insert_with(Vec::new).extend(values);
            }
        }
    }
    if let Some(path) = credentials_file
        && let Some(text) = read(path)?
    {
        for (section, values) in parse_ini(&text) {
            if section == name {
                let m = merged.get_or_insert_with(Vec::new);
                // The credentials file wins: put its values first.
                let mut values = values;
                values.append(m);
                *m = values;
            }
        }
    }
    Ok(merged)
}

/// The region for ECR: the registry host's, else `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's `region`.
pub fn region(host: Option<&EcrHost>, env: Env<'_>) -> Result<String> {
    if let Some(h) = host {
        return Ok(h.region.clone());
    }
    if let Some(r) = env("AWS_REGION").or_else(|| env("AWS_DEFAULT_REGION")) {
        return Ok(r);
    }
    let name = env("AWS_PROFILE").unwrap_or_else(|| "default".to_owned());
    profile(env, &name)
        .ok()
        .flatten()
        .and_then(|p| get(&p, "region").map(str::to_owned))
        .ok_or(AwsError::NoRegion)
}

use crate::listing::{api_agent as agent, percent_encode as form_escape};

/// Reads an answer's body as text, at most 4 MiB (credential and token answers are tiny).
fn body_text(resp: &mut ureq::http::Response<ureq::Body>) -> std::result::Result<String, String> {
    resp.body_mut()
        .with_config()
        .limit(4 << 20)
        .read_to_string()
        .map_err(|e| e.to_string())
}

/// The text of the first `<tag>...</tag>` of an XML answer (STS answers are flat and fixed).
fn xml_text<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = start + xml[start..].find(&close)?;
    Some(xml[start..end].trim())
}

/// Undoes the XML escapes a secret or token may carry.
fn xml_unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// `AssumeRoleWithWebIdentity` at STS (an unsigned call: the token is the proof).
fn assume_role_with_web_identity(
    env: Env<'_>,
    region: Option<&str>,
    role_arn: &str,
    token_file: &str,
    session_name: Option<&str>,
) -> std::result::Result<AwsCredentials, String> {
    let token = std::fs::read_to_string(token_file)
        .map_err(|e| format!("cannot read the web identity token {token_file}: {e}"))?;
    let endpoint = env("AWS_ENDPOINT_URL_STS")
        .or_else(|| env("AWS_ENDPOINT_URL"))
        .unwrap_or_else(|| match region {
            Some(r) => format!("https://sts.{r}.amazonaws.com"),
            None => "https://sts.amazonaws.com".to_owned(),
        });
    let session = session_name.map_or_else(
        || format!("trawl-{}", trawl_types_now_secs()),
        str::to_owned,
    );
    let body = format!(
        "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn={}&RoleSessionName={}&WebIdentityToken={}",
        form_escape(role_arn),
        form_escape(&session),
        form_escape(token.trim())
    );
    let url = format!("{}/", endpoint.trim_end_matches('/'));
    let mut resp = agent(Duration::from_secs(30))
        .post(&url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send(body.as_bytes())
        .map_err(|e| format!("{url}: {e}"))?;
    let status = resp.status().as_u16();
    let text = body_text(&mut resp).map_err(|e| format!("{url}: {e}"))?;
    if status != 200 {
        let code = xml_text(&text, "Code").unwrap_or("error");
        let message = xml_text(&text, "Message").unwrap_or("");
        return Err(format!("{url}: HTTP {status} {code}: {message}"));
    }
    let field = |tag: &str| {
        xml_text(&text, tag)
            .map(xml_unescape)
            .ok_or_else(|| format!("{url}: no <{tag}> in the AssumeRoleWithWebIdentity answer"))
    };
    Ok(AwsCredentials {
        access_key_id: field("AccessKeyId")?,
        secret_access_key: Secret::new(field("SecretAccessKey")?),
        session_token: Some(Secret::new(field("SessionToken")?)),
        source: format!("web identity ({role_arn})"),
    })
}

fn trawl_types_now_secs() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Credentials in the JSON the ECS/EKS container endpoint and IMDS give (`AccessKeyId`, `SecretAccessKey`,
/// `Token`).
fn credentials_json(text: &str, source: &str) -> std::result::Result<AwsCredentials, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let field = |k: &str| v.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
    Ok(AwsCredentials {
        access_key_id: field("AccessKeyId").ok_or("no AccessKeyId")?.to_owned(),
        secret_access_key: Secret::new(field("SecretAccessKey").ok_or("no SecretAccessKey")?),
        session_token: field("Token").map(Secret::new),
        source: source.to_owned(),
    })
}

impl AwsCredentials {
    /// The standard credential chain, reading the process environment.
    pub fn from_chain(region: Option<&str>) -> Result<AwsCredentials> {
        Self::from_chain_with(&process_env, region)
    }

    /// The standard credential chain over `env`: environment keys, the shared files' profile (static keys, or
    /// `role_arn` + `web_identity_token_file`), `AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN`, the container
    /// endpoint (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` / `_FULL_URI`), then IMDSv2 (skipped when
    /// `AWS_EC2_METADATA_DISABLED=true`).
    pub fn from_chain_with(env: Env<'_>, region: Option<&str>) -> Result<AwsCredentials> {
        let mut tried = Vec::new();
        // 1. Environment.
        match (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY")) {
            (Some(id), Some(secret)) => {
                return Ok(AwsCredentials {
                    access_key_id: id,
                    secret_access_key: Secret::new(secret),
                    session_token: env("AWS_SESSION_TOKEN").map(Secret::new),
                    source: "environment".to_owned(),
                });
            }
            _ => tried.push("environment: no AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY".to_owned()),
        }
        // 2. Shared files.
        let name = env("AWS_PROFILE").unwrap_or_else(|| "default".to_owned());
        let source = format!("profile {name}");
        let p = profile(env, &name).map_err(|reason| AwsError::Credentials {
            source_name: source.clone(),
            reason,
        })?;
        match &p {
            Some(p) => {
                if let (Some(id), Some(secret)) =
                    (get(p, "aws_access_key_id"), get(p, "aws_secret_access_key"))
                {
                    return Ok(AwsCredentials {
                        access_key_id: id.to_owned(),
                        secret_access_key: Secret::new(secret),
                        session_token: get(p, "aws_session_token").map(Secret::new),
                        source,
                    });
                }
                if let (Some(role), Some(token_file)) =
                    (get(p, "role_arn"), get(p, "web_identity_token_file"))
                {
                    let region = region.or_else(|| get(p, "region"));
                    return assume_role_with_web_identity(
                        env,
                        region,
                        role,
                        token_file,
                        get(p, "role_session_name"),
                    )
                    .map_err(|reason| AwsError::Credentials {
                        source_name: source,
                        reason,
                    });
                }
                tried.push(format!("{source}: no keys and no web identity role"));
            }
            None => tried.push(format!("{source}: not in the shared files")),
        }
        // 3. Web identity from the environment (GitHub OIDC, EKS IRSA).
        match (env("AWS_WEB_IDENTITY_TOKEN_FILE"), env("AWS_ROLE_ARN")) {
            (Some(token_file), Some(role)) => {
                return assume_role_with_web_identity(
                    env,
                    region,
                    &role,
                    &token_file,
                    env("AWS_ROLE_SESSION_NAME").as_deref(),
                )
                .map_err(|reason| AwsError::Credentials {
                    source_name: "web identity".to_owned(),
                    reason,
                });
            }
            _ => tried.push("web identity: no AWS_WEB_IDENTITY_TOKEN_FILE/AWS_ROLE_ARN".to_owned()),
        }
        // 4. Container endpoint (ECS, EKS pod identity).
        let container_url = env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
            .map(|rel| format!("http://169.254.170.2{rel}"))
            .or_else(|| env("AWS_CONTAINER_CREDENTIALS_FULL_URI"));
        if let Some(url) = container_url {
            let mut req = agent(Duration::from_secs(5)).get(&url);
            let token = env("AWS_CONTAINER_AUTHORIZATION_TOKEN").or_else(|| {
                env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
                    .and_then(|f| std::fs::read_to_string(f).ok())
                    .map(|t| t.trim().to_owned())
            });
            if let Some(t) = &token {
                req = req.header("Authorization", t);
            }
            let answer = req
                .call()
                .map_err(|e| e.to_string())
                .and_then(|mut r| {
                    let status = r.status().as_u16();
                    let text = body_text(&mut r)?;
                    if status == 200 {
                        Ok(text)
                    } else {
                        Err(format!("HTTP {status}"))
                    }
                })
                .and_then(|text| credentials_json(&text, "container credentials"));
            return answer.map_err(|reason| AwsError::Credentials {
                source_name: format!("the container endpoint {url}"),
                reason,
            });
        }
        tried.push("container: no AWS_CONTAINER_CREDENTIALS_*_URI".to_owned());
        // 5. Instance metadata (IMDSv2), with short timeouts: off EC2 it must fail fast.
        if env("AWS_EC2_METADATA_DISABLED").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
            tried.push("instance metadata: disabled".to_owned());
        } else {
            let base = env("AWS_EC2_METADATA_SERVICE_ENDPOINT")
                .unwrap_or_else(|| "http://169.254.169.254".to_owned());
            match imds(&base) {
                Ok(c) => return Ok(c),
                Err(e) => tried.push(format!("instance metadata: {e}")),
            }
        }
        Err(AwsError::NoCredentials {
            tried: tried.join("; "),
        })
    }
}

fn imds(base: &str) -> std::result::Result<AwsCredentials, String> {
    let base = base.trim_end_matches('/');
    let agent = agent(Duration::from_secs(2));
    let text = |resp: std::result::Result<ureq::http::Response<ureq::Body>, ureq::Error>| {
        let mut r = resp.map_err(|e| e.to_string())?;
        let status = r.status().as_u16();
        let t = body_text(&mut r)?;
        if status == 200 {
            Ok(t)
        } else {
            Err(format!("HTTP {status}"))
        }
    };
    let token = text(
        agent
            .put(format!("{base}/latest/api/token"))
            .header("X-aws-ec2-metadata-token-ttl-seconds", "300")
            .send_empty(),
    )?;
    let get = |path: &str| {
        text(
            agent
                .get(format!("{base}{path}"))
                .header("X-aws-ec2-metadata-token", token.trim())
                .call(),
        )
    };
    let roles = get("/latest/meta-data/iam/security-credentials/")?;
    let role = roles
        .lines()
        .next()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .ok_or("no instance role")?;
    let creds = get(&format!(
        "/latest/meta-data/iam/security-credentials/{role}"
    ))?;
    credentials_json(&creds, "instance metadata")
}

/// One image of a repository as `DescribeImages` lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct EcrImage {
    /// The manifest digest.
    pub digest: String,
    /// Its tags (none for an untagged image).
    pub tags: Vec<String>,
    /// When it was pushed (seconds since the epoch).
    pub pushed_at: Option<f64>,
}

/// An ECR API client for one account and region.
pub struct EcrApi {
    endpoint: String,
    region: String,
    credentials: AwsCredentials,
    agent: ureq::Agent,
}

impl std::fmt::Debug for EcrApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EcrApi")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

/// Pages fetched at most per listing (1000 items each): a bound against an endless `nextToken` loop.
const MAX_PAGES: usize = 10_000;

impl EcrApi {
    /// A client for `region` with `credentials`, at the endpoint the environment names (or AWS's).
    pub fn new(region: &str, credentials: AwsCredentials) -> EcrApi {
        Self::with_env(region, credentials, &process_env)
    }

    /// As [`EcrApi::new`], reading the endpoint variables from `env`.
    pub fn with_env(region: &str, credentials: AwsCredentials, env: Env<'_>) -> EcrApi {
        let endpoint = env("AWS_ENDPOINT_URL_ECR")
            .or_else(|| env("AWS_ENDPOINT_URL"))
            .unwrap_or_else(|| {
                let suffix = if region.starts_with("cn-") {
                    "amazonaws.com.cn"
                } else {
                    "amazonaws.com"
                };
                format!("https://api.ecr.{region}.{suffix}")
            });
        EcrApi {
            endpoint: endpoint.trim_end_matches('/').to_owned(),
            region: region.to_owned(),
            credentials,
            agent: agent(Duration::from_secs(60)),
        }
    }

    /// The endpoint requests go to.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    fn call(&self, operation: &str, body: &Value) -> Result<Value> {
        let url = format!("{}/", self.endpoint);
        let payload = serde_json::to_vec(body).map_err(|e| AwsError::Signing {
            operation: operation.to_owned(),
            reason: e.to_string(),
        })?;
        let target = format!("AmazonEC2ContainerRegistry_V20150921.{operation}");
        let content_type = "application/x-amz-json-1.1";
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let signed = self.sign(operation, &url, &target, content_type, &payload)?;
            let mut req = self
                .agent
                .post(&url)
                .header("Content-Type", content_type)
                .header("X-Amz-Target", &target);
            for (name, value) in &signed {
                req = req.header(name.as_str(), value.as_str());
            }
            let mut resp = match req.send(&payload[..]) {
                Ok(r) => r,
                Err(e) if attempt < 4 => {
                    tracing::debug!(%url, operation, error = %e, "ECR request failed; retrying");
                    std::thread::sleep(Duration::from_millis(250 << attempt));
                    continue;
                }
                Err(e) => {
                    return Err(AwsError::Transport {
                        url,
                        reason: e.to_string(),
                    });
                }
            };
            let status = resp.status().as_u16();
            let text = body_text(&mut resp).map_err(|reason| AwsError::Transport {
                url: url.clone(),
                reason,
            })?;
            if status == 200 {
                return serde_json::from_str(&text).map_err(|e| AwsError::Answer {
                    operation: operation.to_owned(),
                    url,
                    reason: format!("not JSON: {e}"),
                });
            }
            let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            let code = v
                .get("__type")
                .and_then(Value::as_str)
                .map(|t| t.rsplit('#').next().unwrap_or(t).to_owned())
                .unwrap_or_else(|| "error".to_owned());
            let throttled = status == 429
                || status >= 500
                || code.contains("Throttl")
                || code == "TooManyRequestsException";
            if throttled && attempt < 4 {
                tracing::debug!(%url, operation, status, %code, "ECR throttled; retrying");
                std::thread::sleep(Duration::from_millis(500 << attempt));
                continue;
            }
            let message = v
                .get("message")
                .or_else(|| v.get("Message"))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            return Err(AwsError::Api {
                operation: operation.to_owned(),
                url,
                status,
                code,
                message,
            });
        }
    }

    /// The SigV4 headers of one request (`Authorization`, `X-Amz-Date`, `X-Amz-Security-Token`...).
    fn sign(
        &self,
        operation: &str,
        url: &str,
        target: &str,
        content_type: &str,
        payload: &[u8],
    ) -> Result<Vec<(String, String)>> {
        use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
        let fail = |reason: String| AwsError::Signing {
            operation: operation.to_owned(),
            reason,
        };
        let host = url
            .split_once("://")
            .map_or(url, |(_, rest)| rest)
            .split('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        let identity = aws_credential_types::Credentials::new(
            self.credentials.access_key_id.clone(),
            self.credentials.secret_access_key.expose().to_owned(),
            self.credentials
                .session_token
                .as_ref()
                .map(|t| t.expose().to_owned()),
            None,
            "trawl",
        )
        .into();
        let params = aws_sigv4::sign::v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("ecr")
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| fail(e.to_string()))?
            .into();
        let headers = [
            ("host", host.as_str()),
            ("content-type", content_type),
            ("x-amz-target", target),
        ];
        let request = SignableRequest::new(
            "POST",
            url,
            headers.into_iter(),
            SignableBody::Bytes(payload),
        )
        .map_err(|e| fail(e.to_string()))?;
        let (instructions, _signature) = sign(request, &params)
            .map_err(|e| fail(e.to_string()))?
            .into_parts();
        Ok(instructions
            .headers()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect())
    }

    fn answer_error(&self, operation: &str, reason: impl Into<String>) -> AwsError {
        AwsError::Answer {
            operation: operation.to_owned(),
            url: format!("{}/", self.endpoint),
            reason: reason.into(),
        }
    }

    /// Every item of a paged ECR listing: `body` is the request without `nextToken`, `key` the answer's list.
    fn pages(&self, operation: &str, body: Value, key: &str) -> Result<Vec<Value>> {
        let mut items = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut request = body.clone();
            if let Some(t) = &token {
                request["nextToken"] = json!(t);
            }
            let v = self.call(operation, &request)?;
            let list = v
                .get(key)
                .and_then(Value::as_array)
                .ok_or_else(|| self.answer_error(operation, format!("no `{key}`")))?;
            items.extend(list.iter().cloned());
            token = v
                .get("nextToken")
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
                .map(str::to_owned);
            if token.is_none() {
                return Ok(items);
            }
        }
        Err(self.answer_error(operation, "more than 10,000 pages"))
    }

    /// Every repository name of the registry (`DescribeRepositories`, all pages), sorted.
    pub fn repositories(&self, account: &str) -> Result<Vec<String>> {
        let repos = self.pages(
            "DescribeRepositories",
            json!({ "registryId": account, "maxResults": 1000 }),
            "repositories",
        )?;
        let mut names: Vec<String> = repos
            .iter()
            .filter_map(|r| r.get("repositoryName").and_then(Value::as_str))
            .map(str::to_owned)
            .collect();
        names.sort();
        Ok(names)
    }

    /// Every image of `repository` (`DescribeImages`, all pages), with tags and push times.
    pub fn images(&self, account: &str, repository: &str) -> Result<Vec<EcrImage>> {
        let details = self.pages(
            "DescribeImages",
            json!({ "registryId": account, "repositoryName": repository, "maxResults": 1000 }),
            "imageDetails",
        )?;
        Ok(details
            .iter()
            .filter_map(|d| {
                Some(EcrImage {
                    digest: d.get("imageDigest").and_then(Value::as_str)?.to_owned(),
                    tags: d
                        .get("imageTags")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(|t| t.as_str().map(str::to_owned))
                        .collect(),
                    pushed_at: d.get("imagePushedAt").and_then(Value::as_f64),
                })
            })
            .collect())
    }

    /// Registry credentials (`GetAuthorizationToken`): user `AWS` and a 12-hour password.
    pub fn authorization(&self, account: &str) -> Result<(String, Secret)> {
        let v = self.call(
            "GetAuthorizationToken",
            &json!({ "registryIds": [account] }),
        )?;
        let token = v
            .pointer("/authorizationData/0/authorizationToken")
            .and_then(Value::as_str)
            .ok_or_else(|| self.answer_error("GetAuthorizationToken", "no authorizationToken"))?;
        use base64::Engine as _;
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(token.trim())
            .map_err(|_| self.answer_error("GetAuthorizationToken", "token is not base64"))?;
        let text = String::from_utf8(decoded)
            .map_err(|_| self.answer_error("GetAuthorizationToken", "token is not UTF-8"))?;
        let (user, password) = text.split_once(':').ok_or_else(|| {
            self.answer_error("GetAuthorizationToken", "token is not USER:PASSWORD")
        })?;
        Ok((user.to_owned(), Secret::new(password)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k: &str| map.get(k).cloned()
    }

    #[test]
    fn ecr_hosts() {
        assert_eq!(
            EcrHost::parse("123456789012.dkr.ecr.eu-west-1.amazonaws.com"),
            Some(EcrHost {
                account: "123456789012".into(),
                region: "eu-west-1".into()
            })
        );
        assert_eq!(
            EcrHost::parse("123456789012.dkr.ecr-fips.us-east-1.amazonaws.com:443")
                .map(|h| h.region),
            Some("us-east-1".into())
        );
        assert_eq!(
            EcrHost::parse("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn").map(|h| h.region),
            Some("cn-north-1".into())
        );
        for not in [
            "ghcr.io",
            "12345.dkr.ecr.eu-west-1.amazonaws.com",
            "123456789012.dkr.ecr.eu-west-1.example.com",
            "public.ecr.aws",
            "123456789012.s3.eu-west-1.amazonaws.com",
        ] {
            assert_eq!(EcrHost::parse(not), None, "{not}");
        }
    }

    #[test]
    fn chain_prefers_the_environment_then_the_profile() {
        let dir = tempfile::tempdir().expect("tempdir");
        let creds = dir.path().join("credentials");
        let config = dir.path().join("config");
        std::fs::write(
            &creds,
            "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = s1\n\n[prod]\n\
             aws_access_key_id=AKIDPROD\naws_secret_access_key=s2\naws_session_token=t2\n",
        )
        .expect("write");
        std::fs::write(&config, "[profile prod]\nregion = eu-central-1\n").expect("write");
        let files = [
            (
                "AWS_SHARED_CREDENTIALS_FILE",
                creds.to_str().expect("utf-8"),
            ),
            ("AWS_CONFIG_FILE", config.to_str().expect("utf-8")),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ];
        let mut vars = files.to_vec();
        vars.extend([
            ("AWS_ACCESS_KEY_ID", "AKIDENV"),
            ("AWS_SECRET_ACCESS_KEY", "s0"),
        ]);
        let c = AwsCredentials::from_chain_with(&env_of(&vars), None).expect("env");
        assert_eq!(
            (c.access_key_id.as_str(), c.source.as_str()),
            ("AKIDENV", "environment")
        );

        let c = AwsCredentials::from_chain_with(&env_of(&files), None).expect("default profile");
        assert_eq!(c.access_key_id, "AKIDDEFAULT");
        let mut vars = files.to_vec();
        vars.push(("AWS_PROFILE", "prod"));
        let env = env_of(&vars);
        let c = AwsCredentials::from_chain_with(&env, None).expect("prod profile");
        assert_eq!(c.access_key_id, "AKIDPROD");
        assert_eq!(c.session_token.as_ref().map(Secret::expose), Some("t2"));
        assert_eq!(c.source, "profile prod");
        assert_eq!(region(None, &env).expect("region"), "eu-central-1");
        // Secrets stay out of Debug.
        assert!(!format!("{c:?}").contains("s2"));
    }

    #[test]
    fn no_credentials_says_what_was_tried() {
        let env = env_of(&[
            ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials"),
            ("AWS_CONFIG_FILE", "/nonexistent/config"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ]);
        let err = AwsCredentials::from_chain_with(&env, None).expect_err("nothing");
        let text = err.to_string();
        assert!(
            text.contains("environment") && text.contains("web identity"),
            "{text}"
        );
        assert!(matches!(region(None, &env), Err(AwsError::NoRegion)));
    }

    #[test]
    fn container_and_instance_answers() {
        let c = credentials_json(
            r#"{"AccessKeyId":"ASIA1","SecretAccessKey":"sk","Token":"tok","Expiration":"2030-01-01T00:00:00Z"}"#,
            "container credentials",
        )
        .expect("parsed");
        assert_eq!(c.access_key_id, "ASIA1");
        assert_eq!(c.session_token.as_ref().map(Secret::expose), Some("tok"));
        assert!(credentials_json(r#"{"Code":"Failure"}"#, "x").is_err());
        assert!(credentials_json("<html>", "x").is_err());
    }

    #[test]
    fn sts_xml_fields() {
        let xml = "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>\
                   <AccessKeyId>ASIAX</AccessKeyId><SecretAccessKey>a&amp;b</SecretAccessKey>\
                   </Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>";
        assert_eq!(xml_text(xml, "AccessKeyId"), Some("ASIAX"));
        assert_eq!(
            xml_text(xml, "SecretAccessKey").map(xml_unescape),
            Some("a&b".into())
        );
        assert_eq!(xml_text(xml, "SessionToken"), None);
        assert_eq!(
            form_escape("arn:aws:iam::1:role/x y"),
            "arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fx%20y"
        );
    }

    #[test]
    fn endpoints() {
        let creds = AwsCredentials {
            access_key_id: "A".into(),
            secret_access_key: Secret::new("s"),
            session_token: None,
            source: "test".into(),
        };
        let api = EcrApi::with_env("eu-west-1", creds.clone(), &env_of(&[]));
        assert_eq!(api.endpoint(), "https://api.ecr.eu-west-1.amazonaws.com");
        let api = EcrApi::with_env("cn-north-1", creds.clone(), &env_of(&[]));
        assert_eq!(
            api.endpoint(),
            "https://api.ecr.cn-north-1.amazonaws.com.cn"
        );
        let api = EcrApi::with_env(
            "eu-west-1",
            creds.clone(),
            &env_of(&[("AWS_ENDPOINT_URL", "http://127.0.0.1:1/")]),
        );
        assert_eq!(api.endpoint(), "http://127.0.0.1:1");
        let api = EcrApi::with_env(
            "eu-west-1",
            creds,
            &env_of(&[
                ("AWS_ENDPOINT_URL", "http://127.0.0.1:1"),
                ("AWS_ENDPOINT_URL_ECR", "http://127.0.0.1:2"),
            ]),
        );
        assert_eq!(api.endpoint(), "http://127.0.0.1:2");
    }
}
