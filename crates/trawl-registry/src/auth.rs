//! Credentials and where they come from: explicit options, docker's `config.json` (`auths`, `credHelpers`,
//! `credsStore`, run as `docker-credential-<name> get`), and the `WWW-Authenticate` challenge parser.
//!
//! Secrets are held in [`Secret`], which has no `Display` and whose `Debug` prints `<redacted>`; nothing in this
//! crate logs or formats one.

use crate::error::{Error, Result};
use crate::reference::{DOCKER_HUB_CONFIG_KEY, Registry};
use base64::Engine as _;
use std::collections::HashMap;
use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A password or token. `Debug` is redacted and there is deliberately no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for building an `Authorization` header. Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret(s)
    }
}

/// Credentials for one registry.
#[derive(Clone, PartialEq, Eq)]
pub enum Credential {
    /// Username and password: sent as HTTP Basic to registries that ask for it, or to the token service.
    Basic {
        /// The user name (not secret).
        username: String,
        /// The password.
        password: Secret,
    },
    /// An OAuth2 refresh token (docker's `identitytoken`, a helper's `<token>` user), exchanged at the token realm.
    IdentityToken(Secret),
    /// A bearer token used as-is (`--registry-token`, `registrytoken`).
    RegistryToken(Secret),
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credential::Basic { username, .. } => write!(
                f,
                "Basic {{ username: {username:?}, password: <redacted> }}"
            ),
            Credential::IdentityToken(_) => f.write_str("IdentityToken(<redacted>)"),
            Credential::RegistryToken(_) => f.write_str("RegistryToken(<redacted>)"),
        }
    }
}

impl Credential {
    /// A short, secret-free description for error messages (`user "bob"`, `an identity token`).
    pub fn describe(&self) -> String {
        match self {
            Credential::Basic { username, .. } => format!("user {username:?}"),
            Credential::IdentityToken(_) => "an identity token".into(),
            Credential::RegistryToken(_) => "a registry token".into(),
        }
    }
}

/// Where the docker configuration is read from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum DockerConfigSource {
    /// `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json` (a missing file means no credentials).
    #[default]
    Default,
    /// This file.
    File(PathBuf),
    /// Do not consult docker's configuration.
    Disabled,
}

/// How the client finds credentials. Explicit values apply to every registry and win over docker's config.
#[derive(Clone, Debug, Default)]
pub struct CredentialOptions {
    /// `--username` / `TRAWL_USERNAME`.
    pub username: Option<String>,
    /// `--password`, `--password-stdin` / `TRAWL_PASSWORD`.
    pub password: Option<Secret>,
    /// `--registry-token`: a bearer token sent as-is.
    pub registry_token: Option<Secret>,
    /// Docker's `config.json`.
    pub docker_config: DockerConfigSource,
    /// The `PATH` searched for `docker-credential-*` helpers (default: this process's `PATH`).
    pub helper_path: Option<std::ffi::OsString>,
    /// Basic credentials for one registry host (`HOST[:PORT]`), e.g. from ECR's `GetAuthorizationToken`: they win
    /// over everything else for that registry only.
    pub per_registry: std::collections::HashMap<String, (String, Secret)>,
}

impl CredentialOptions {
    /// The explicit credential, if any.
    pub(crate) fn explicit(&self) -> Option<Credential> {
        if let Some(token) = &self.registry_token {
            return Some(Credential::RegistryToken(token.clone()));
        }
        match (&self.username, &self.password) {
            (Some(u), Some(p)) => Some(Credential::Basic {
                username: u.clone(),
                password: p.clone(),
            }),
            (Some(u), None) => Some(Credential::Basic {
                username: u.clone(),
                password: Secret::new(""),
            }),
            _ => None,
        }
    }

    /// Resolves the credential for `registry`: explicit options first, then docker's config.
    pub fn resolve(&self, registry: &Registry) -> Result<Option<Credential>> {
        if let Some(c) = self.explicit() {
            return Ok(Some(c));
        }
        let path = match &self.docker_config {
            DockerConfigSource::Disabled => return Ok(None),
            DockerConfigSource::File(p) => p.clone(),
            DockerConfigSource::Default => match default_docker_config_path() {
                Some(p) => p,
                None => return Ok(None),
            },
        };
        if !path.is_file() {
            return Ok(None);
        }
        let mut config = DockerConfig::load(&path)?;
        config.helper_path = self.helper_path.clone();
        config.lookup(registry)
    }
}

/// `$DOCKER_CONFIG/config.json`, else `$HOME/.docker/config.json`.
pub fn default_docker_config_path() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DOCKER_CONFIG") {
        return Some(PathBuf::from(dir).join("config.json"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".docker/config.json"))
}

#[derive(serde::Deserialize, Default)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    identitytoken: Option<String>,
    #[serde(default)]
    registrytoken: Option<String>,
}

#[derive(serde::Deserialize, Default)]
struct DockerConfigFile {
    #[serde(default)]
    auths: HashMap<String, AuthEntry>,
    #[serde(default, rename = "credHelpers")]
    cred_helpers: HashMap<String, String>,
    #[serde(default, rename = "credsStore")]
    creds_store: Option<String>,
}

/// A parsed docker `config.json` (only the credential parts).
pub struct DockerConfig {
    path: PathBuf,
    file: DockerConfigFile,
    helper_path: Option<std::ffi::OsString>,
}

impl fmt::Debug for DockerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DockerConfig")
            .field("path", &self.path)
            .field("auths", &self.file.auths.keys().collect::<Vec<_>>())
            .field("cred_helpers", &self.file.cred_helpers)
            .field("creds_store", &self.file.creds_store)
            .finish()
    }
}

impl DockerConfig {
    /// Reads and parses `path`.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::DockerConfig {
            path: path.to_owned(),
            detail: e.to_string(),
        })?;
        let file: DockerConfigFile =
            serde_json::from_str(&text).map_err(|e| Error::DockerConfig {
                path: path.to_owned(),
                // serde_json's message holds a position, never the values.
                detail: format!("not valid JSON: {e}"),
            })?;
        Ok(Self {
            path: path.to_owned(),
            file,
            helper_path: None,
        })
    }

    /// The credential for `registry`, following docker's order: a `credHelpers` entry, then `credsStore`, then the
    /// `auths` entry itself.
    pub fn lookup(&self, registry: &Registry) -> Result<Option<Credential>> {
        let matches = |key: &str| Registry::new(key).is_ok_and(|r| &r == registry);
        let auth_key = self.file.auths.keys().find(|k| matches(k)).cloned();
        let server_url = auth_key.clone().unwrap_or_else(|| {
            if registry.is_docker_hub() {
                DOCKER_HUB_CONFIG_KEY.to_owned()
            } else {
                registry.as_str().to_owned()
            }
        });
        if let Some((_, helper)) = self.file.cred_helpers.iter().find(|(k, _)| matches(k)) {
            return run_credential_helper(
                helper,
                registry,
                &server_url,
                self.helper_path.as_deref(),
            );
        }
        if let Some(store) = self.file.creds_store.as_deref().filter(|s| !s.is_empty())
            && let Some(c) =
                run_credential_helper(store, registry, &server_url, self.helper_path.as_deref())?
        {
            return Ok(Some(c));
        }
        let Some(entry) = auth_key.and_then(|k| self.file.auths.get(&k)) else {
            return Ok(None);
        };
        self.entry_credential(registry, entry)
    }

    fn entry_credential(
        &self,
        registry: &Registry,
        entry: &AuthEntry,
    ) -> Result<Option<Credential>> {
        if let Some(t) = entry.registrytoken.as_deref().filter(|t| !t.is_empty()) {
            return Ok(Some(Credential::RegistryToken(Secret::new(t))));
        }
        if let Some(t) = entry.identitytoken.as_deref().filter(|t| !t.is_empty()) {
            return Ok(Some(Credential::IdentityToken(Secret::new(t))));
        }
        if let Some(auth) = entry.auth.as_deref().filter(|a| !a.is_empty()) {
            let bad = |what: &str| Error::DockerConfig {
                path: self.path.clone(),
                detail: format!("the \"auth\" entry for {registry} {what}"),
            };
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(auth.trim())
                .map_err(|_| bad("is not base64"))?;
            let decoded = String::from_utf8(decoded).map_err(|_| bad("is not UTF-8"))?;
            let (user, pass) = decoded
                .split_once(':')
                .ok_or_else(|| bad("is not user:password"))?;
            return Ok(Some(Credential::Basic {
                username: user.to_owned(),
                password: Secret::new(pass),
            }));
        }
        if let (Some(u), Some(p)) = (&entry.username, &entry.password) {
            return Ok(Some(Credential::Basic {
                username: u.clone(),
                password: Secret::new(p.clone()),
            }));
        }
        Ok(None)
    }
}

#[derive(serde::Deserialize)]
struct HelperOutput {
    #[serde(rename = "Username", default)]
    username: String,
    #[serde(rename = "Secret", default)]
    secret: String,
}

/// Runs `docker-credential-<helper> get` with `server_url` on stdin (the docker credential-helper protocol),
/// searching `path` (else `PATH`). "Credentials not found" is `Ok(None)`.
pub fn run_credential_helper(
    helper: &str,
    registry: &Registry,
    server_url: &str,
    path: Option<&std::ffi::OsStr>,
) -> Result<Option<Credential>> {
    let program = format!("docker-credential-{helper}");
    let fail = |detail: String| Error::CredentialHelper {
        helper: helper.to_owned(),
        registry: registry.to_string(),
        detail,
    };
    tracing::debug!(helper = %program, server = server_url, "asking credential helper");
    let mut cmd = Command::new(&program);
    if let Some(p) = path {
        cmd.env("PATH", p);
    }
    let mut child = cmd
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            fail(format!(
                "cannot run {program}: {e} (is it installed and on PATH?)"
            ))
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        // A helper that exits without reading its input is not an error by itself; its exit status tells.
        let _ = stdin.write_all(server_url.as_bytes());
    }
    let out = child
        .wait_with_output()
        .map_err(|e| fail(format!("waiting for {program}: {e}")))?;
    if !out.status.success() {
        // On failure helpers print a message (not a secret) on stdout or stderr.
        let msg = String::from_utf8_lossy(if out.stdout.is_empty() {
            &out.stderr
        } else {
            &out.stdout
        })
        .trim()
        .chars()
        .take(300)
        .collect::<String>();
        if msg.to_ascii_lowercase().contains("credentials not found") {
            return Ok(None);
        }
        return Err(fail(format!("exited with {}: {msg}", out.status)));
    }
    let parsed: HelperOutput = serde_json::from_slice(&out.stdout).map_err(|e| {
        fail(format!(
            "printed something that is not the expected JSON ({e})"
        ))
    })?;
    if parsed.secret.is_empty() {
        return Ok(None);
    }
    if parsed.username == "<token>" {
        return Ok(Some(Credential::IdentityToken(Secret::new(parsed.secret))));
    }
    Ok(Some(Credential::Basic {
        username: parsed.username,
        password: Secret::new(parsed.secret),
    }))
}

/// A parsed `WWW-Authenticate` challenge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Challenge {
    /// `Basic realm="..."`.
    Basic,
    /// `Bearer realm="...",service="...",scope="..."`.
    Bearer {
        /// The token endpoint.
        realm: String,
        /// The `service` parameter to pass on.
        service: Option<String>,
        /// The scope the registry asked for, if it said.
        scope: Option<String>,
    },
}

/// Parses a `WWW-Authenticate` header value. Unknown schemes give `None`.
pub fn parse_challenge(header: &str) -> Option<Challenge> {
    let header = header.trim();
    let (scheme, rest) = header
        .split_once(char::is_whitespace)
        .unwrap_or((header, ""));
    let params = parse_auth_params(rest);
    match scheme.to_ascii_lowercase().as_str() {
        "basic" => Some(Challenge::Basic),
        "bearer" => Some(Challenge::Bearer {
            realm: params.get("realm")?.clone(),
            service: params.get("service").cloned(),
            scope: params.get("scope").cloned(),
        }),
        _ => None,
    }
}

fn parse_auth_params(s: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ',') {
            chars.next();
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c == ',' {
                break;
            }
            key.push(c);
            chars.next();
        }
        if key.is_empty() {
            break;
        }
        if chars.next() != Some('=') {
            continue;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        if let Some(n) = chars.next() {
                            value.push(n);
                        }
                    }
                    '"' => break,
                    _ => value.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' {
                    break;
                }
                value.push(c);
                chars.next();
            }
        }
        out.insert(key.trim().to_ascii_lowercase(), value.trim().to_owned());
    }
    out
}

/// `Basic base64(user:password)`.
pub(crate) fn basic_header(username: &str, password: &Secret) -> String {
    let raw = format!("{username}:{}", password.expose());
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges() {
        assert_eq!(
            parse_challenge(
                r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull""#
            ),
            Some(Challenge::Bearer {
                realm: "https://auth.docker.io/token".into(),
                service: Some("registry.docker.io".into()),
                scope: Some("repository:library/alpine:pull".into()),
            })
        );
        assert_eq!(
            parse_challenge(r#"Basic realm="trawl-test""#),
            Some(Challenge::Basic)
        );
        assert_eq!(
            parse_challenge("bearer realm=http://x/token, service=a"),
            Some(Challenge::Bearer {
                realm: "http://x/token".into(),
                service: Some("a".into()),
                scope: None,
            })
        );
        assert_eq!(parse_challenge("Negotiate"), None);
        assert_eq!(parse_challenge("Bearer service=x"), None);
    }

    #[test]
    fn debug_is_redacted() {
        let c = Credential::Basic {
            username: "bob".into(),
            password: Secret::new("hunter2"),
        };
        let dbg = format!("{c:?} {:?}", Secret::new("tok123"));
        assert!(!dbg.contains("hunter2") && !dbg.contains("tok123"), "{dbg}");
        assert!(dbg.contains("bob"));
        let opts = CredentialOptions {
            username: Some("bob".into()),
            password: Some(Secret::new("hunter2")),
            registry_token: Some(Secret::new("tok123")),
            docker_config: DockerConfigSource::Disabled,
            helper_path: None,
            per_registry: [(
                "1.dkr.ecr".to_owned(),
                ("AWS".to_owned(), Secret::new("ecr-pw-9")),
            )]
            .into(),
        };
        let dbg = format!("{opts:?}");
        assert!(!dbg.contains("ecr-pw-9"), "{dbg}");
        assert!(!dbg.contains("hunter2") && !dbg.contains("tok123"), "{dbg}");
    }

    #[test]
    fn config_auths_entries() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("config.json");
        let auth = base64::engine::general_purpose::STANDARD.encode("alice:s3cret:with:colons");
        std::fs::write(
            &path,
            format!(
                r#"{{"auths": {{
                    "https://index.docker.io/v1/": {{"auth": "{auth}"}},
                    "http://127.0.0.1:5000": {{"identitytoken": "refresh-me"}},
                    "ghcr.io": {{"username": "u", "password": "p"}}
                }}}}"#
            ),
        )
        .expect("write");
        let cfg = DockerConfig::load(&path).expect("parses");
        let hub = cfg
            .lookup(&Registry::new("docker.io").expect("ok"))
            .expect("ok");
        assert_eq!(
            hub,
            Some(Credential::Basic {
                username: "alice".into(),
                password: Secret::new("s3cret:with:colons")
            })
        );
        let local = cfg
            .lookup(&Registry::new("127.0.0.1:5000").expect("ok"))
            .expect("ok");
        assert_eq!(
            local,
            Some(Credential::IdentityToken(Secret::new("refresh-me")))
        );
        let ghcr = cfg
            .lookup(&Registry::new("ghcr.io").expect("ok"))
            .expect("ok");
        assert!(matches!(ghcr, Some(Credential::Basic { .. })));
        assert_eq!(
            cfg.lookup(&Registry::new("quay.io").expect("ok"))
                .expect("ok"),
            None
        );
    }

    #[test]
    fn broken_config_names_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("config.json");
        std::fs::write(
            &path,
            r#"{"auths": {"x.io": {"auth": "password-not-base64!"}}}"#,
        )
        .expect("write");
        let err = DockerConfig::load(&path)
            .expect("parses")
            .lookup(&Registry::new("x.io").expect("ok"))
            .expect_err("bad base64");
        let msg = err.to_string();
        assert!(msg.contains("config.json") && msg.contains("x.io"), "{msg}");
        assert!(!msg.contains("password-not-base64"), "{msg}");
    }
}
