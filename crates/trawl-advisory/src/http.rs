//! Plain HTTP(S) GETs with timeouts (ureq), classifying failures so callers can fall back.

use std::time::Duration;

/// Why a GET failed.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// The server answered with an error status.
    #[error("{url}: HTTP {status}")]
    Status {
        /// The URL.
        url: String,
        /// The status code.
        status: u16,
    },
    /// Connection failure, timeout, TLS error, cut body...
    #[error("{url}: {message}")]
    Transport {
        /// The URL.
        url: String,
        /// What happened.
        message: String,
        /// Whether it was a timeout.
        timeout: bool,
    },
}

impl HttpError {
    /// Whether another location is worth trying (429, 5xx, timeouts, connection failures).
    pub fn is_retryable(&self) -> bool {
        match self {
            HttpError::Status { status, .. } => *status == 429 || *status >= 500,
            HttpError::Transport { .. } => true,
        }
    }

    /// A 404.
    pub fn is_not_found(&self) -> bool {
        matches!(self, HttpError::Status { status: 404, .. })
    }
}

/// The agent used for every request: 30 s to connect, `timeout` overall, no status-as-error.
pub(crate) fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(30)))
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .user_agent(concat!("trawl/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// Default overall timeout for feed and DB downloads.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);

pub(crate) fn transport(url: &str, e: &ureq::Error) -> HttpError {
    let timeout = matches!(e, ureq::Error::Timeout(_));
    HttpError::Transport {
        url: url.to_owned(),
        message: e.to_string(),
        timeout,
    }
}

/// GETs `url` fully into memory (no size limit: DBs and feed archives are large).
pub(crate) fn get_bytes(agent: &ureq::Agent, url: &str) -> Result<Vec<u8>, HttpError> {
    let resp = agent.get(url).call().map_err(|e| transport(url, &e))?;
    read_answer(url, resp, u64::MAX)
}

/// The body of a `2xx` answer, up to `limit` bytes; any other status is an error naming `url`.
pub(crate) fn read_answer(
    url: &str,
    mut resp: ureq::http::Response<ureq::Body>,
    limit: u64,
) -> Result<Vec<u8>, HttpError> {
    let status = resp.status().as_u16();
    if !(200..300).contains(&status) {
        return Err(HttpError::Status {
            url: url.to_owned(),
            status,
        });
    }
    resp.body_mut()
        .with_config()
        .limit(limit)
        .read_to_vec()
        .map_err(|e| transport(url, &e))
}

/// GETs `url` into a writer, returning the bytes written.
pub(crate) fn get_to_writer(
    agent: &ureq::Agent,
    url: &str,
    out: &mut dyn std::io::Write,
) -> Result<u64, HttpError> {
    let mut resp = agent.get(url).call().map_err(|e| transport(url, &e))?;
    let status = resp.status().as_u16();
    if !(200..300).contains(&status) {
        return Err(HttpError::Status {
            url: url.to_owned(),
            status,
        });
    }
    let mut reader = resp.body_mut().with_config().limit(u64::MAX).reader();
    std::io::copy(&mut reader, out).map_err(|e| HttpError::Transport {
        url: url.to_owned(),
        message: e.to_string(),
        timeout: e.kind() == std::io::ErrorKind::TimedOut,
    })
}

/// Whether a location is an HTTP(S) URL.
pub(crate) fn is_url(location: &str) -> bool {
    location.starts_with("http://") || location.starts_with("https://")
}

/// Percent-encodes one URL path segment (`Red Hat` -> `Red%20Hat`).
pub(crate) fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
