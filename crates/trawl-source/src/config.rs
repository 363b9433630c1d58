//! The image config (`application/vnd.oci.image.config.v1+json`, docker's `<id>.json`): raw JSON plus the
//! fields the scanner uses.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Largest image config parsed (the size registries must accept for a manifest). A real config is a few KB;
/// parsing one costs several times its size (it is kept whole for secret and misconfiguration checks).
pub const MAX_CONFIG: u64 = 4 * 1024 * 1024;

/// Why a config of `size` bytes is refused, when it is over [`MAX_CONFIG`] (checked before it is read, from the
/// size the archive or layout lists, and again on the bytes).
pub(crate) fn oversize(size: u64) -> Option<String> {
    (size > MAX_CONFIG).then(|| {
        format!(
            "image config of {size} bytes is over the {MAX_CONFIG}-byte limit (a real config is a few KB): \
             refused, as a crafted one would cost many times its size in memory"
        )
    })
}

/// One `history` entry of the image config.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// The build step (`/bin/sh -c #(nop) ADD file:... in /`, `RUN apt-get ...`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// Creation time, RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// Comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// True when the step made no layer (`ENV`, `CMD`...).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub empty_layer: bool,
}

/// The parsed image config. `raw` keeps everything (for misconfiguration checks and secret scanning).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImageConfig {
    /// The config JSON as stored.
    pub raw: Value,
    /// `os` (`linux`).
    pub os: Option<String>,
    /// `architecture` (`amd64`, `arm64`).
    pub architecture: Option<String>,
    /// `variant` (`v8`).
    pub variant: Option<String>,
    /// `created`, RFC 3339.
    pub created: Option<String>,
    /// `config.Env` (`KEY=value`).
    pub env: Vec<String>,
    /// `config.User`.
    pub user: Option<String>,
    /// `config.ExposedPorts` keys (`80/tcp`).
    pub exposed_ports: Vec<String>,
    /// `config.Healthcheck`, as stored.
    pub healthcheck: Option<Value>,
    /// `config.Entrypoint`.
    pub entrypoint: Vec<String>,
    /// `config.Cmd`.
    pub cmd: Vec<String>,
    /// `config.Labels`.
    pub labels: Vec<(String, String)>,
    /// Every `history` entry, empty layers included.
    pub history: Vec<HistoryEntry>,
    /// `rootfs.diff_ids`, base layer first.
    pub diff_ids: Vec<String>,
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|s| s.as_str().map(str::to_owned))
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

fn string(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

impl ImageConfig {
    /// Parses a config. Errors only when the JSON is not an object; missing fields stay empty.
    pub fn parse(bytes: &[u8]) -> Result<ImageConfig, String> {
        if let Some(e) = oversize(bytes.len() as u64) {
            return Err(e);
        }
        let raw: Value = serde_json::from_slice(bytes).map_err(|e| format!("invalid JSON: {e}"))?;
        if !raw.is_object() {
            return Err("not a JSON object".into());
        }
        let cfg = raw.get("config").or_else(|| raw.get("container_config"));
        let c = |k: &str| cfg.and_then(|c| c.get(k));
        let history = match raw.get("history") {
            Some(Value::Array(a)) => a
                .iter()
                .map(|h| serde_json::from_value(h.clone()).unwrap_or_default())
                .collect(),
            _ => Vec::new(),
        };
        let exposed_ports = match c("ExposedPorts") {
            Some(Value::Object(m)) => m.keys().cloned().collect(),
            _ => Vec::new(),
        };
        let labels = match c("Labels") {
            Some(Value::Object(m)) => m
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect(),
            _ => Vec::new(),
        };
        Ok(ImageConfig {
            os: string(raw.get("os")),
            architecture: string(raw.get("architecture")),
            variant: string(raw.get("variant")),
            created: string(raw.get("created")),
            env: strings(c("Env")),
            user: string(c("User")),
            exposed_ports,
            healthcheck: c("Healthcheck").filter(|v| !v.is_null()).cloned(),
            entrypoint: strings(c("Entrypoint")),
            cmd: strings(c("Cmd")),
            labels,
            history,
            diff_ids: strings(raw.get("rootfs").and_then(|r| r.get("diff_ids"))),
            raw,
        })
    }

    /// The `created_by` of each non-empty history step, in layer order (`None` where the history is shorter).
    pub fn layer_created_by(&self, layers: usize) -> Vec<Option<String>> {
        let mut out: Vec<Option<String>> = self
            .history
            .iter()
            .filter(|h| !h.empty_layer)
            .map(|h| h.created_by.clone())
            .collect();
        out.resize(layers, None);
        out
    }
}
