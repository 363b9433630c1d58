//! The HTTP side: options, per-registry state (scheme, challenge, credential, token cache), and one request
//! loop that authenticates, retries 5xx/429 with backoff (honouring `Retry-After`) and turns failures into
//! [`Error`]s naming the registry.

use crate::auth::{
    Challenge, Credential, CredentialOptions, Secret, basic_header, parse_challenge,
};
use crate::error::{Error, Result};
use crate::reference::Registry;
use std::collections::HashMap;
use std::fmt;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use ureq::http;

/// How often and how patiently to retry.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Retries after the first attempt (for requests and for each blob resume).
    pub max_retries: u32,
    /// First backoff; doubles each retry.
    pub initial_backoff: Duration,
    /// Backoff ceiling.
    pub max_backoff: Duration,
    /// The longest `Retry-After` honoured; longer ones are cut to this.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 4,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    pub(crate) fn backoff(&self, attempt: u32) -> Duration {
        let factor = 1u32 << attempt.saturating_sub(1).min(16);
        self.initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff)
    }
}

/// The retry state of one request: numbers the attempts, counts them, and decides (and waits) before another.
/// Both request loops (the registry probe and [`Client::execute`]) go through it, so they retry alike.
pub(crate) struct Attempts<'a> {
    policy: &'a RetryPolicy,
    counters: &'a Counters,
    attempt: u32,
    /// Retries allowed after a network error (the probe does not retry a scheme it will fall back from).
    transient_retries: u32,
}

impl<'a> Attempts<'a> {
    pub(crate) fn new(policy: &'a RetryPolicy, counters: &'a Counters) -> Self {
        Attempts {
            policy,
            counters,
            attempt: 0,
            transient_retries: policy.max_retries,
        }
    }

    /// No retry after a network error (a status worth retrying still is).
    pub(crate) fn no_transient_retries(mut self) -> Self {
        self.transient_retries = 0;
        self
    }

    /// Starts an attempt (counted as a request); returns its number, from 1.
    pub(crate) fn start(&mut self) -> u32 {
        self.attempt += 1;
        self.counters.requests.fetch_add(1, Ordering::Relaxed);
        self.attempt
    }

    /// After a network error: whether to try again (then the backoff has been slept and the retry counted).
    pub(crate) fn again_after_error(&mut self, e: &ureq::Error) -> bool {
        if !is_transient(e) || self.attempt > self.transient_retries {
            return false;
        }
        self.counters.retries.fetch_add(1, Ordering::Relaxed);
        std::thread::sleep(self.policy.backoff(self.attempt));
        true
    }

    /// After a response: `None` when its status (429, 5xx) is worth another try (the response is dropped, the
    /// wait slept: `Retry-After`, capped, else the backoff; the retry counted), else the response back.
    pub(crate) fn retry_on_status(
        &mut self,
        resp: http::Response<ureq::Body>,
    ) -> Option<http::Response<ureq::Body>> {
        let status = resp.status().as_u16();
        if !is_retryable_status(status) || self.attempt > self.policy.max_retries {
            return Some(resp);
        }
        let wait =
            retry_after(&resp, self.policy).unwrap_or_else(|| self.policy.backoff(self.attempt));
        drop(resp);
        tracing::debug!(status, wait_ms = wait.as_millis() as u64, "retrying");
        self.counters.retries.fetch_add(1, Ordering::Relaxed);
        std::thread::sleep(wait);
        None
    }
}

/// Client settings. `Debug` never shows secrets.
#[derive(Clone, Debug)]
pub struct ClientOptions {
    /// Plain HTTP, or HTTPS without certificate verification (`--insecure`). Loopback registries get this
    /// automatically, as with docker.
    pub insecure: bool,
    /// PEM files whose certificates replace the built-in (Mozilla) roots (`--cacert`).
    pub ca_certs: Vec<PathBuf>,
    /// Treat loopback registries (`localhost`, `127.0.0.0/8`, `::1`) as insecure, like docker: HTTPS without
    /// verification, then plain HTTP. Default true; false verifies them like any other host.
    pub loopback_insecure: bool,
    /// Connect, response and per-read idle timeout (`--timeout`). A slow but moving download never times out.
    pub timeout: Duration,
    /// Retries.
    pub retry: RetryPolicy,
    /// Where credentials come from.
    pub credentials: CredentialOptions,
    /// `User-Agent`.
    pub user_agent: String,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            insecure: false,
            ca_certs: Vec::new(),
            loopback_insecure: true,
            timeout: Duration::from_secs(60),
            retry: RetryPolicy::default(),
            credentials: CredentialOptions::default(),
            user_agent: concat!("trawl/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}

/// Counters over the client's lifetime (all clones share them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ClientStats {
    /// HTTP requests sent.
    pub requests: u64,
    /// Requests repeated after a 5xx, 429 or network error, and blob resumes.
    pub retries: u64,
    /// Blob bytes received.
    pub blob_bytes: u64,
}

#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) requests: AtomicU64,
    pub(crate) retries: AtomicU64,
    pub(crate) blob_bytes: AtomicU64,
}

/// A thread-safe, cheaply cloneable OCI distribution client.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) options: ClientOptions,
    verified: ureq::Agent,
    unverified: ureq::Agent,
    registries: Mutex<HashMap<Registry, Arc<RegistryState>>>,
    pub(crate) counters: Counters,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("options", &self.inner.options)
            .finish_non_exhaustive()
    }
}

/// What one registry needs across requests.
pub(crate) struct RegistryState {
    pub(crate) registry: Registry,
    /// `https://host:port` or `http://host:port`.
    pub(crate) base: String,
    unverified_tls: bool,
    challenge: Mutex<Option<Challenge>>,
    credential: Option<(Credential, String)>,
    tokens: Mutex<HashMap<String, (Secret, Instant)>>,
}

/// A request body that can be sent again on retry.
#[derive(Clone, Copy)]
pub(crate) enum ReqBody<'a> {
    None,
    Bytes(&'a [u8]),
    File(&'a Path),
}

/// One request to send through [`Client::execute`].
pub(crate) struct Req<'a> {
    pub(crate) method: http::Method,
    pub(crate) url: String,
    /// Token scope (`repository:NAME:pull`, `registry:catalog:*`).
    pub(crate) scope: String,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: ReqBody<'a>,
}

impl<'a> Req<'a> {
    pub(crate) fn get(url: String, scope: String) -> Self {
        Req {
            method: http::Method::GET,
            url,
            scope,
            headers: Vec::new(),
            body: ReqBody::None,
        }
    }

    pub(crate) fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

fn load_roots(paths: &[PathBuf]) -> Result<Vec<ureq::tls::Certificate<'static>>> {
    let mut certs = Vec::new();
    for path in paths {
        let pem = std::fs::read(path).map_err(|e| Error::CaCert {
            path: path.clone(),
            detail: e.to_string(),
        })?;
        let before = certs.len();
        for item in ureq::tls::parse_pem(&pem) {
            match item {
                Ok(ureq::tls::PemItem::Certificate(c)) => certs.push(c),
                Ok(_) => {}
                Err(e) => {
                    return Err(Error::CaCert {
                        path: path.clone(),
                        detail: format!("not valid PEM: {e}"),
                    });
                }
            }
        }
        if certs.len() == before {
            return Err(Error::CaCert {
                path: path.clone(),
                detail: "no CERTIFICATE block found".into(),
            });
        }
    }
    Ok(certs)
}

fn build_agent(
    options: &ClientOptions,
    verify: bool,
    roots: &[ureq::tls::Certificate<'static>],
) -> ureq::Agent {
    let mut tls = ureq::tls::TlsConfig::builder().disable_verification(!verify);
    if !roots.is_empty() {
        tls = tls.root_certs(ureq::tls::RootCerts::new_with_certs(roots));
    }
    let t = Some(options.timeout);
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .user_agent(options.user_agent.as_str())
        .timeout_connect(t)
        .timeout_send_request(t)
        .timeout_recv_response(t)
        .timeout_per_read(t)
        .timeout_per_write(t)
        .max_redirects(10)
        // Never carry `Authorization` across a redirect (the default, stated: a redirect must not move
        // credentials to another host or to plain HTTP).
        .redirect_auth_headers(ureq::config::RedirectAuthHeaders::Never)
        .tls_config(tls.build())
        .build()
        .new_agent()
}

impl Client {
    /// A client with these options (reads `--cacert` files now; credentials are resolved per registry on first
    /// use).
    pub fn new(options: ClientOptions) -> Result<Client> {
        let roots = load_roots(&options.ca_certs)?;
        let verified = build_agent(&options, true, &roots);
        let unverified = build_agent(&options, false, &roots);
        Ok(Client {
            inner: Arc::new(Inner {
                options,
                verified,
                unverified,
                registries: Mutex::new(HashMap::new()),
                counters: Counters::default(),
            }),
        })
    }

    /// True when both handles are clones of one client (shared connections, tokens and counters).
    pub fn same_as(&self, other: &Client) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// The options this client was built with.
    pub fn options(&self) -> &ClientOptions {
        &self.inner.options
    }

    /// Request, retry and byte counters so far.
    pub fn stats(&self) -> ClientStats {
        let c = &self.inner.counters;
        ClientStats {
            requests: c.requests.load(Ordering::Relaxed),
            retries: c.retries.load(Ordering::Relaxed),
            blob_bytes: c.blob_bytes.load(Ordering::Relaxed),
        }
    }

    /// Checks that `registry` answers the API (`GET /v2/`) and that its credentials, if required, are accepted.
    pub fn ping(&self, registry: &Registry) -> Result<()> {
        let st = self.state(registry)?;
        let resp = self.execute(&st, &Req::get(format!("{}/v2/", st.base), String::new()))?;
        expect_success(
            &st,
            "GET",
            &format!("{}/v2/", st.base),
            resp,
            "registry API",
            "",
        )
        .map(drop)
    }

    /// The state of `registry`, created (with a `GET /v2/` probe deciding scheme and challenge) on first use.
    pub(crate) fn state(&self, registry: &Registry) -> Result<Arc<RegistryState>> {
        let mut map = self
            .inner
            .registries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(st) = map.get(registry) {
            return Ok(st.clone());
        }
        let credential = self
            .inner
            .options
            .credentials
            .resolve_with_source(registry)?;
        let host = registry.api_host();
        let lax = (registry.is_loopback() && self.inner.options.loopback_insecure)
            || self.inner.options.insecure;
        let candidates: &[(&str, bool)] = if lax {
            &[("https", true), ("http", true)]
        } else {
            &[("https", false)]
        };
        let mut last_err = None;
        for (i, (scheme, unverified)) in candidates.iter().enumerate() {
            let base = format!("{scheme}://{host}");
            let url = format!("{base}/v2/");
            let agent = if *unverified {
                &self.inner.unverified
            } else {
                &self.inner.verified
            };
            let mut attempts = Attempts::new(&self.inner.options.retry, &self.inner.counters);
            if i + 1 < candidates.len() {
                attempts = attempts.no_transient_retries();
            }
            let outcome = loop {
                attempts.start();
                match agent.get(&url).call() {
                    Err(e) if attempts.again_after_error(&e) => {}
                    Err(e) => break Err(e),
                    Ok(resp) => {
                        if let Some(resp) = attempts.retry_on_status(resp) {
                            break Ok(resp);
                        }
                    }
                }
            };
            match outcome {
                Ok(resp) => {
                    let challenge = if resp.status().as_u16() == 401 {
                        resp.headers()
                            .get_all(http::header::WWW_AUTHENTICATE)
                            .iter()
                            .filter_map(|v| v.to_str().ok())
                            .find_map(parse_challenge)
                    } else {
                        None
                    };
                    tracing::debug!(registry = %registry, %base, status = resp.status().as_u16(), ?challenge, "registry probed");
                    let st = Arc::new(RegistryState {
                        registry: registry.clone(),
                        base,
                        unverified_tls: *unverified,
                        challenge: Mutex::new(challenge),
                        credential,
                        tokens: Mutex::new(HashMap::new()),
                    });
                    map.insert(registry.clone(), st.clone());
                    return Ok(st);
                }
                Err(e) => {
                    tracing::debug!(registry = %registry, %url, error = %e, "registry probe failed");
                    last_err = Some((url, e));
                }
            }
        }
        let (url, e) = last_err.expect("at least one scheme was tried");
        Err(Error::Transport {
            url,
            cause: Box::new(e),
        })
    }

    /// Sends `req` with authentication and retries. 401 (after one re-authentication), 403, and 429/5xx after the
    /// last retry become errors; every other status is returned for the caller to judge.
    pub(crate) fn execute(
        &self,
        st: &RegistryState,
        req: &Req<'_>,
    ) -> Result<http::Response<ureq::Body>> {
        let mut attempts = Attempts::new(&self.inner.options.retry, &self.inner.counters);
        let mut reauthenticated = false;
        loop {
            let attempt = attempts.start();
            let auth = if same_origin(&req.url, &st.base) {
                self.authorization(st, &req.scope)?
            } else {
                None
            };
            let result = self.send_once(st, req, auth.as_ref());
            let resp = match result {
                Ok(r) => r,
                Err(SendError::Local(e)) => return Err(e),
                Err(SendError::Transport(e)) if attempts.again_after_error(&e) => {
                    tracing::debug!(url = %req.url, error = %e, attempt, "transient network error; retried");
                    continue;
                }
                Err(SendError::Transport(e)) => {
                    return Err(Error::Transport {
                        url: req.url.clone(),
                        cause: Box::new(e),
                    });
                }
            };
            tracing::debug!(method = %req.method, url = %req.url, status = resp.status().as_u16(), "registry request");
            let Some(resp) = attempts.retry_on_status(resp) else {
                continue;
            };
            let status = resp.status().as_u16();
            match status {
                401 if !reauthenticated => {
                    reauthenticated = true;
                    let fresh = resp
                        .headers()
                        .get_all(http::header::WWW_AUTHENTICATE)
                        .iter()
                        .filter_map(|v| v.to_str().ok())
                        .find_map(parse_challenge);
                    let had_auth = auth.is_some();
                    {
                        let mut ch = st
                            .challenge
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner);
                        if fresh.is_some() {
                            *ch = fresh;
                        }
                    }
                    st.tokens
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .remove(&req.scope);
                    // Without a token to refresh, a second try helps only if credentials exist and were not sent.
                    if !matches!(self.challenge(st), Some(Challenge::Bearer { .. }))
                        && (had_auth || st.credential.is_none())
                    {
                        return Err(unauthorized(st, resp));
                    }
                    continue;
                }
                401 => return Err(unauthorized(st, resp)),
                403 => {
                    return Err(Error::Denied {
                        registry: st.registry.to_string(),
                        what: scope_target(&req.scope),
                        detail: error_detail(resp),
                    });
                }
                s if is_retryable_status(s) => {
                    return Err(Error::RetriesExhausted {
                        registry: st.registry.to_string(),
                        url: req.url.clone(),
                        status: s,
                        attempts: attempt,
                    });
                }
                _ => return Ok(resp),
            }
        }
    }

    fn send_once(
        &self,
        st: &RegistryState,
        req: &Req<'_>,
        auth: Option<&Secret>,
    ) -> std::result::Result<http::Response<ureq::Body>, SendError> {
        let agent = if st.unverified_tls {
            &self.inner.unverified
        } else {
            &self.inner.verified
        };
        let mut builder = http::Request::builder()
            .method(req.method.clone())
            .uri(req.url.as_str());
        for (name, value) in &req.headers {
            builder = builder.header(*name, value.as_str());
        }
        if let Some(a) = auth {
            builder = builder.header(http::header::AUTHORIZATION, a.expose());
        }
        let local = |e: http::Error| {
            SendError::Local(Error::Status {
                method: req.method.to_string(),
                url: req.url.clone(),
                status: 0,
                detail: format!(": cannot build the request: {e}"),
            })
        };
        let run = match req.body {
            ReqBody::None => agent.run(builder.body(()).map_err(local)?),
            ReqBody::Bytes(b) => agent.run(builder.body(b).map_err(local)?),
            ReqBody::File(path) => {
                let file = std::fs::File::open(path).map_err(|source| {
                    SendError::Local(Error::Io {
                        path: path.to_owned(),
                        cause: source,
                    })
                })?;
                agent.run(builder.body(file).map_err(local)?)
            }
        };
        run.map_err(SendError::Transport)
    }

    fn challenge(&self, st: &RegistryState) -> Option<Challenge> {
        st.challenge
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The `Authorization` value for `scope`, fetching (and caching) a bearer token when the registry wants one.
    fn authorization(&self, st: &RegistryState, scope: &str) -> Result<Option<Secret>> {
        let challenge = self.challenge(st);
        let cred = st.credential.as_ref().map(|(c, _)| c);
        match (challenge, cred) {
            (None, _) => Ok(None),
            (Some(_), Some(Credential::RegistryToken(t))) => {
                Ok(Some(Secret::new(format!("Bearer {}", t.expose()))))
            }
            (Some(Challenge::Basic), Some(Credential::Basic { username, password })) => {
                Ok(Some(Secret::new(basic_header(username, password))))
            }
            (Some(Challenge::Basic), _) => Ok(None),
            (Some(Challenge::Bearer { realm, service, .. }), cred) => {
                if let Some((tok, expiry)) = st
                    .tokens
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .get(scope)
                    && *expiry > Instant::now()
                {
                    return Ok(Some(Secret::new(format!("Bearer {}", tok.expose()))));
                }
                let (token, ttl) = self.fetch_token(st, &realm, service.as_deref(), scope, cred)?;
                let expiry = Instant::now()
                    + ttl
                        .saturating_sub(Duration::from_secs(10))
                        .max(Duration::from_secs(5));
                st.tokens
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .insert(scope.to_owned(), (token.clone(), expiry));
                Ok(Some(Secret::new(format!("Bearer {}", token.expose()))))
            }
        }
    }

    fn fetch_token(
        &self,
        st: &RegistryState,
        realm: &str,
        service: Option<&str>,
        scope: &str,
        cred: Option<&Credential>,
    ) -> Result<(Secret, Duration)> {
        if let Some(c) = cred
            && !credentials_allowed(realm, &st.base, self.inner.options.insecure)
        {
            return Err(Error::Protocol {
                registry: st.registry.to_string(),
                detail: format!(
                    "the token service {realm} is plain HTTP while the registry is reached at {}: refusing to send \
                     {} in clear (credentials go only over TLS, or in clear to a loopback token service of a \
                     plain-HTTP registry); pass --insecure to allow it",
                    st.base,
                    c.describe()
                ),
            });
        }
        let agent = if st.unverified_tls {
            &self.inner.unverified
        } else {
            &self.inner.verified
        };
        let policy = &self.inner.options.retry;
        let mut params: Vec<(&str, &str)> = Vec::new();
        if let Some(s) = service {
            params.push(("service", s));
        }
        if !scope.is_empty() {
            params.push(("scope", scope));
        }
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.inner.counters.requests.fetch_add(1, Ordering::Relaxed);
            let result = match cred {
                Some(Credential::IdentityToken(refresh)) => {
                    let mut form = params.clone();
                    form.push(("grant_type", "refresh_token"));
                    form.push(("client_id", "trawl"));
                    form.push(("refresh_token", refresh.expose()));
                    let body = form
                        .iter()
                        .map(|(k, v)| format!("{k}={}", encode_component(v)))
                        .collect::<Vec<_>>()
                        .join("&");
                    agent
                        .post(realm)
                        .content_type("application/x-www-form-urlencoded")
                        .send(body.as_bytes())
                }
                other => {
                    let url = with_query(realm, &params);
                    let mut rb = agent.get(&url);
                    if let Some(Credential::Basic { username, password }) = other {
                        rb = rb.header(
                            http::header::AUTHORIZATION,
                            basic_header(username, password),
                        );
                    }
                    rb.call()
                }
            };
            let resp = match result {
                Err(e) if is_transient(&e) && attempt <= policy.max_retries => {
                    self.inner.counters.retries.fetch_add(1, Ordering::Relaxed);
                    std::thread::sleep(policy.backoff(attempt));
                    continue;
                }
                Err(e) => {
                    return Err(Error::Transport {
                        url: realm.to_owned(),
                        cause: Box::new(e),
                    });
                }
                Ok(r) => r,
            };
            let status = resp.status().as_u16();
            tracing::debug!(realm, scope, status, "token request");
            if is_retryable_status(status) && attempt <= policy.max_retries {
                self.inner.counters.retries.fetch_add(1, Ordering::Relaxed);
                std::thread::sleep(
                    retry_after(&resp, policy).unwrap_or_else(|| policy.backoff(attempt)),
                );
                continue;
            }
            if status == 401 || status == 403 {
                return Err(Error::Unauthorized {
                    registry: st.registry.to_string(),
                    detail: match &st.credential {
                        Some((c, source)) => {
                            format!(
                                "the token service {realm} rejected {} (from {source})",
                                c.describe()
                            )
                        }
                        None => format!(
                            "the token service {realm} refused anonymous access to {scope:?}; {}",
                            CREDENTIAL_HINT
                        ),
                    },
                });
            }
            if !(200..300).contains(&status) {
                return Err(Error::Status {
                    method: "GET".into(),
                    url: realm.to_owned(),
                    status,
                    detail: error_detail(resp),
                });
            }
            #[derive(serde::Deserialize)]
            struct TokenResponse {
                #[serde(default)]
                token: Option<String>,
                #[serde(default)]
                access_token: Option<String>,
                #[serde(default)]
                expires_in: Option<u64>,
            }
            let bytes = read_limited(resp, realm, 1 << 20)?;
            let parsed: TokenResponse =
                serde_json::from_slice(&bytes).map_err(|source| Error::Json {
                    url: realm.to_owned(),
                    what: "token response",
                    cause: source,
                })?;
            let token = parsed
                .token
                .filter(|t| !t.is_empty())
                .or(parsed.access_token.filter(|t| !t.is_empty()))
                .ok_or_else(|| Error::Protocol {
                    registry: st.registry.to_string(),
                    detail: format!("the token service {realm} answered without a token"),
                })?;
            return Ok((
                Secret::new(token),
                Duration::from_secs(parsed.expires_in.unwrap_or(60).max(1)),
            ));
        }
    }
}

enum SendError {
    Local(Error),
    Transport(ureq::Error),
}

pub(crate) const CREDENTIAL_HINT: &str = "give credentials with --username/--password (or TRAWL_USERNAME/TRAWL_PASSWORD), \
     --registry-token, or `docker login`";

fn unauthorized(st: &RegistryState, resp: http::Response<ureq::Body>) -> Error {
    let detail = error_detail(resp);
    Error::Unauthorized {
        registry: st.registry.to_string(),
        detail: match &st.credential {
            Some((c, source)) => format!(
                "the registry rejected {} (from {source}){detail}",
                c.describe()
            ),
            None => format!("the registry requires credentials{detail}; {CREDENTIAL_HINT}"),
        },
    }
}

/// `repository:a/b:pull` -> `repository a/b`.
fn scope_target(scope: &str) -> String {
    let mut parts = scope.splitn(3, ':');
    match (parts.next(), parts.next()) {
        (Some(kind), Some(name)) => format!("{kind} {name}"),
        _ => "the registry API".into(),
    }
}

/// Whether credentials may be sent to `url` for a registry reached at `base` (`https://host` or `http://host`):
/// over TLS always; in clear only with `--insecure`, or to a loopback host when the registry itself is plain
/// HTTP. A token realm or redirect never downgrades an HTTPS registry's credentials to plain HTTP, loopback or
/// not.
pub(crate) fn credentials_allowed(url: &str, base: &str, insecure: bool) -> bool {
    let scheme_is = |u: &str, s: &str| u.get(..s.len()).is_some_and(|p| p.eq_ignore_ascii_case(s));
    if scheme_is(url, "https://") || insecure {
        return true;
    }
    if !scheme_is(url, "http://") || !scheme_is(base, "http://") {
        return false;
    }
    let authority = url["http://".len()..]
        .split(['/', '?', '#'])
        .next()
        .unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host_port.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(rest),
        None => host_port.rsplit_once(':').map_or(host_port, |(h, _)| h),
    };
    crate::reference::is_loopback_host(host)
}

fn same_origin(url: &str, base: &str) -> bool {
    url.strip_prefix(base)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/') || rest.starts_with('?'))
}

pub(crate) fn is_retryable_status(s: u16) -> bool {
    matches!(s, 429 | 500 | 502 | 503 | 504)
}

pub(crate) fn is_transient(e: &ureq::Error) -> bool {
    matches!(
        e,
        ureq::Error::Io(_)
            | ureq::Error::Timeout(_)
            | ureq::Error::ConnectionFailed
            | ureq::Error::Protocol(_)
            | ureq::Error::BodyStalled
    )
}

/// `Retry-After` as seconds or an HTTP date, capped.
pub(crate) fn retry_after(
    resp: &http::Response<ureq::Body>,
    policy: &RetryPolicy,
) -> Option<Duration> {
    let v = resp
        .headers()
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .to_owned();
    let wait = parse_retry_after(&v)?;
    Some(wait.min(policy.max_retry_after))
}

pub(crate) fn parse_retry_after(v: &str) -> Option<Duration> {
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when =
        time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc2822).ok()?;
    let delta = when - time::OffsetDateTime::now_utc();
    Some(Duration::from_secs_f64(delta.as_seconds_f64().max(0.0)))
}

/// Reads at most `limit` bytes of a response body.
pub(crate) fn read_limited(
    resp: http::Response<ureq::Body>,
    url: &str,
    limit: u64,
) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut reader = resp.into_body().into_reader().take(limit + 1);
    reader.read_to_end(&mut out).map_err(|e| Error::Body {
        url: url.to_owned(),
        cause: Box::new(ureq::Error::Io(e)),
    })?;
    if out.len() as u64 > limit {
        return Err(Error::TooLarge {
            url: url.to_owned(),
            limit,
        });
    }
    Ok(out)
}

/// `: CODE: message` from a registry error body (`{"errors":[{"code","message"}]}`), or a short text excerpt.
pub(crate) fn error_detail(resp: http::Response<ureq::Body>) -> String {
    let mut buf = Vec::new();
    let _ = resp
        .into_body()
        .into_reader()
        .take(16 * 1024)
        .read_to_end(&mut buf);
    #[derive(serde::Deserialize)]
    struct Errors {
        errors: Vec<ErrorItem>,
    }
    #[derive(serde::Deserialize)]
    struct ErrorItem {
        #[serde(default)]
        code: String,
        #[serde(default)]
        message: String,
    }
    if let Ok(e) = serde_json::from_slice::<Errors>(&buf) {
        let parts: Vec<String> = e
            .errors
            .iter()
            .map(|i| match (i.code.is_empty(), i.message.is_empty()) {
                (false, false) => format!("{}: {}", i.code, i.message),
                (false, true) => i.code.clone(),
                _ => i.message.clone(),
            })
            .filter(|s| !s.is_empty())
            .collect();
        if !parts.is_empty() {
            return format!(" ({})", parts.join("; "));
        }
    }
    let text: String = String::from_utf8_lossy(&buf)
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    let text = text.trim();
    if text.is_empty() {
        String::new()
    } else {
        format!(" ({text})")
    }
}

/// Returns the response if 2xx; maps 404 to [`Error::NotFound`] and anything else to [`Error::Status`].
pub(crate) fn expect_success(
    st: &RegistryState,
    method: &str,
    url: &str,
    resp: http::Response<ureq::Body>,
    what: &'static str,
    name: &str,
) -> Result<http::Response<ureq::Body>> {
    let status = resp.status().as_u16();
    if (200..300).contains(&status) {
        return Ok(resp);
    }
    if status == 404 {
        return Err(Error::NotFound {
            registry: st.registry.to_string(),
            what,
            name: name.to_owned(),
            detail: error_detail(resp),
        });
    }
    Err(Error::Status {
        method: method.to_owned(),
        url: url.to_owned(),
        status,
        detail: error_detail(resp),
    })
}

/// Percent-encodes a query component (RFC 3986 unreserved characters pass).
pub(crate) fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Appends query parameters to a URL that may already have some.
pub(crate) fn with_query(url: &str, params: &[(&str, &str)]) -> String {
    if params.is_empty() {
        return url.to_owned();
    }
    let q = params
        .iter()
        .map(|(k, v)| format!("{k}={}", encode_component(v)))
        .collect::<Vec<_>>()
        .join("&");
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{q}")
}

/// Resolves a `Location` / `Link` target against the registry base.
pub(crate) fn resolve_location(base: &str, location: &str) -> String {
    if location.starts_with("http://") || location.starts_with("https://") {
        location.to_owned()
    } else if location.starts_with('/') {
        format!("{base}{location}")
    } else {
        format!("{base}/{location}")
    }
}

impl CredentialOptions {
    /// Like [`CredentialOptions::resolve`], with a secret-free label of where the credential came from.
    pub(crate) fn resolve_with_source(
        &self,
        registry: &Registry,
    ) -> Result<Option<(Credential, String)>> {
        if let Some((username, password)) = self.per_registry.get(&registry.to_string()) {
            let c = Credential::Basic {
                username: username.clone(),
                password: password.clone(),
            };
            return Ok(Some((c, format!("discovery credentials for {registry}"))));
        }
        if let Some(c) = self.explicit() {
            let source = match c {
                Credential::RegistryToken(_) => "--registry-token",
                _ => "--username/--password",
            };
            return Ok(Some((c, source.to_owned())));
        }
        let found = self.resolve(registry)?;
        Ok(found.map(|c| (c, "docker config".to_owned())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(Duration::ZERO)
        );
        let future = time::OffsetDateTime::now_utc() + time::Duration::seconds(30);
        let text = future
            .format(&time::format_description::well_known::Rfc2822)
            .expect("formats");
        let got = parse_retry_after(&text).expect("parses");
        assert!(
            got > Duration::from_secs(25) && got <= Duration::from_secs(30),
            "{got:?}"
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn urls() {
        assert_eq!(
            with_query("https://auth/token", &[("scope", "repository:a/b:pull")]),
            "https://auth/token?scope=repository%3Aa%2Fb%3Apull"
        );
        assert_eq!(
            with_query("http://x/t?a=1", &[("b", "c d")]),
            "http://x/t?a=1&b=c%20d"
        );
        assert_eq!(
            resolve_location("http://h:1", "/v2/x?y"),
            "http://h:1/v2/x?y"
        );
        assert_eq!(
            resolve_location("http://h:1", "https://s3/x"),
            "https://s3/x"
        );
        assert!(same_origin("http://h:1/v2/", "http://h:1"));
        assert!(!same_origin("http://h:10/v2/", "http://h:1"));
        assert_eq!(scope_target("repository:a/b:pull"), "repository a/b");
    }

    #[test]
    fn credentials_never_go_in_clear_to_a_weaker_scheme() {
        let tls = "https://registry.example:5000";
        let plain_loop = "http://127.0.0.1:5000";
        // TLS realms always; plain realms of a TLS registry never (even on loopback), unless --insecure.
        assert!(credentials_allowed(
            "https://auth.example/token",
            tls,
            false
        ));
        assert!(credentials_allowed(
            "HTTPS://auth.example/token",
            tls,
            false
        ));
        assert!(!credentials_allowed(
            "http://auth.example/token",
            tls,
            false
        ));
        assert!(!credentials_allowed("http://127.0.0.2:9/token", tls, false));
        assert!(credentials_allowed("http://auth.example/token", tls, true));
        // A plain loopback registry may use a plain loopback realm, not a remote one.
        assert!(credentials_allowed(
            "http://127.0.0.2:9/token",
            plain_loop,
            false
        ));
        assert!(credentials_allowed(
            "http://localhost/token",
            plain_loop,
            false
        ));
        assert!(credentials_allowed(
            "http://[::1]:9/token",
            plain_loop,
            false
        ));
        assert!(!credentials_allowed(
            "http://auth.example/token",
            plain_loop,
            false
        ));
        assert!(!credentials_allowed(
            "http://127.0.0.1.evil.example/t",
            plain_loop,
            false
        ));
        assert!(!credentials_allowed(
            "http://user@auth.example:80/t",
            plain_loop,
            false
        ));
        assert!(!credentials_allowed("ftp://127.0.0.1/t", plain_loop, false));
    }

    #[test]
    fn backoff_grows_and_caps() {
        let p = RetryPolicy::default();
        assert_eq!(p.backoff(1), Duration::from_millis(250));
        assert_eq!(p.backoff(2), Duration::from_millis(500));
        assert_eq!(p.backoff(30), Duration::from_secs(8));
    }
}
