//! The image config (OCI `application/vnd.oci.image.config.v1+json`, docker's `<id>.json`): the fields trawl
//! reads, parsed once when the image is opened, next to the JSON as stored.
//!
//! Parsing is lenient: a field of the wrong type reads as absent (a config is untrusted input, and one odd field
//! must not hide the others). The container settings are read from `config`, else from `container_config`
//! (older docker builders), else from the top level, whichever is first a JSON object.
//!
//! serde reads and writes [`ImageConfig::raw`]: the report carries the config verbatim (after secret redaction,
//! which rewrites the raw JSON and the parsed fields alike).

use serde_json::Value;

/// One `history` entry of the image config. A field of the wrong type reads as absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryEntry {
    /// The build step (`/bin/sh -c #(nop) ADD file:... in /`, `RUN apt-get ...`).
    pub created_by: Option<String>,
    /// Creation time, RFC 3339.
    pub created: Option<String>,
    /// Comment.
    pub comment: Option<String>,
    /// True when the step made no layer (`ENV`, `CMD`...).
    pub empty_layer: bool,
}

/// `config.Healthcheck`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Healthcheck {
    /// `Test`: `["NONE"]`, `["CMD", args...]`, `["CMD-SHELL", command]` (up to the first element that is not a
    /// string).
    pub test: Vec<String>,
}

impl Healthcheck {
    /// Whether it runs a check (`Test` is set and is not `NONE`).
    pub fn runs(&self) -> bool {
        self.test
            .first()
            .is_some_and(|first| !first.eq_ignore_ascii_case("NONE"))
    }
}

/// An image config: the fields trawl reads, and the JSON as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageConfig {
    /// The config JSON as stored (redacted once the secret scan has run).
    pub raw: Value,
    /// `os` (`linux`).
    pub os: Option<String>,
    /// `architecture` (`amd64`, `arm64`).
    pub architecture: Option<String>,
    /// `variant` (`v8`).
    pub variant: Option<String>,
    /// `created`, RFC 3339.
    pub created: Option<String>,
    /// `config.Env` (`KEY=value`); a single string is one entry.
    pub env: Vec<String>,
    /// `config.User`.
    pub user: Option<String>,
    /// `config.ExposedPorts` keys (`80/tcp`).
    pub exposed_ports: Vec<String>,
    /// `config.Healthcheck`.
    pub healthcheck: Option<Healthcheck>,
    /// `config.Entrypoint`.
    pub entrypoint: Vec<String>,
    /// `config.Cmd`.
    pub cmd: Vec<String>,
    /// `config.Labels` with a string value, by key.
    pub labels: Vec<(String, String)>,
    /// Every `history` entry, empty layers included.
    pub history: Vec<HistoryEntry>,
    /// `rootfs.diff_ids`, base layer first.
    pub diff_ids: Vec<String>,
}

/// Why bytes are not an image config.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImageConfigError {
    /// Not JSON.
    #[error("invalid JSON: {0}")]
    Json(#[source] serde_json::Error),
    /// JSON, but not an object.
    #[error("not a JSON object")]
    NotObject,
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

/// A non-empty string field.
fn string(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn history_entry(h: &Value) -> HistoryEntry {
    let s = |k: &str| h.get(k).and_then(Value::as_str).map(str::to_owned);
    HistoryEntry {
        created_by: s("created_by"),
        created: s("created"),
        comment: s("comment"),
        empty_layer: h
            .get("empty_layer")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    }
}

impl ImageConfig {
    /// Reads a config. Never fails: anything but an object gives empty fields (the raw value is kept).
    pub fn from_json(raw: Value) -> ImageConfig {
        let inner = ["config", "container_config"]
            .into_iter()
            .find_map(|k| raw.get(k).filter(|c| c.is_object()))
            .unwrap_or(&raw);
        let c = |k: &str| inner.get(k);
        let exposed_ports = match c("ExposedPorts") {
            Some(Value::Object(m)) => m.keys().cloned().collect(),
            _ => Vec::new(),
        };
        let labels = match c("Labels") {
            Some(Value::Object(m)) => m
                .iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                .collect(),
            _ => Vec::new(),
        };
        let healthcheck = c("Healthcheck")
            .filter(|h| !h.is_null())
            .map(|h| Healthcheck {
                test: h
                    .get("Test")
                    .and_then(Value::as_array)
                    .map(|t| {
                        t.iter()
                            .map_while(Value::as_str)
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default(),
            });
        let history = raw
            .get("history")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(history_entry).collect())
            .unwrap_or_default();
        ImageConfig {
            os: string(raw.get("os")),
            architecture: string(raw.get("architecture")),
            variant: string(raw.get("variant")),
            created: string(raw.get("created")),
            env: strings(c("Env")),
            user: string(c("User")),
            exposed_ports,
            healthcheck,
            entrypoint: strings(c("Entrypoint")),
            cmd: strings(c("Cmd")),
            labels,
            history,
            diff_ids: strings(raw.get("rootfs").and_then(|r| r.get("diff_ids"))),
            raw,
        }
    }

    /// Parses config bytes: JSON, and an object.
    pub fn from_slice(bytes: &[u8]) -> Result<ImageConfig, ImageConfigError> {
        let raw: Value = serde_json::from_slice(bytes).map_err(ImageConfigError::Json)?;
        if !raw.is_object() {
            return Err(ImageConfigError::NotObject);
        }
        Ok(ImageConfig::from_json(raw))
    }

    /// `os/architecture[/variant]` (`linux/arm64/v8`), when both are known.
    pub fn platform(&self) -> Option<String> {
        let os = self.os.as_deref()?;
        let arch = self.architecture.as_deref()?;
        Some(match &self.variant {
            Some(v) => format!("{os}/{arch}/{v}"),
            None => format!("{os}/{arch}"),
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

impl From<Value> for ImageConfig {
    fn from(raw: Value) -> Self {
        ImageConfig::from_json(raw)
    }
}

impl serde::Serialize for ImageConfig {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.raw.serialize(serializer)
    }
}

impl<'de> serde::Deserialize<'de> for ImageConfig {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Value::deserialize(deserializer).map(ImageConfig::from_json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn config() -> Value {
        json!({
            "architecture": "arm64",
            "os": "linux",
            "variant": "v8",
            "created": "2024-01-01T00:00:00Z",
            "config": {
                "Env": ["PATH=/usr/bin", "A=1"],
                "User": "app",
                "ExposedPorts": {"80/tcp": {}, "22/tcp": {}},
                "Healthcheck": {"Test": ["CMD", "true"]},
                "Entrypoint": ["/init"],
                "Cmd": "serve",
                "Labels": {"b": "2", "a": "1", "n": 3}
            },
            "container_config": {"User": "root", "Env": ["FROM_BUILD=1"]},
            "rootfs": {"type": "layers", "diff_ids": ["sha256:a", "sha256:b"]},
            "history": [
                {"created_by": "ADD file:x in /"},
                {"created_by": "ENV A=1", "empty_layer": true},
                {"created_by": "RUN make", "created": 3},
                "not an object"
            ]
        })
    }

    #[test]
    fn fields() {
        let c = ImageConfig::from_json(config());
        assert_eq!(c.platform().as_deref(), Some("linux/arm64/v8"));
        assert_eq!(c.created.as_deref(), Some("2024-01-01T00:00:00Z"));
        assert_eq!(c.env, ["PATH=/usr/bin", "A=1"]);
        assert_eq!(c.user.as_deref(), Some("app"));
        assert_eq!(c.exposed_ports, ["22/tcp", "80/tcp"]);
        assert!(c.healthcheck.as_ref().is_some_and(Healthcheck::runs));
        assert_eq!(c.entrypoint, ["/init"]);
        assert_eq!(c.cmd, ["serve"]);
        assert_eq!(
            c.labels,
            [
                ("a".to_owned(), "1".to_owned()),
                ("b".to_owned(), "2".to_owned())
            ]
        );
        assert_eq!(c.diff_ids, ["sha256:a", "sha256:b"]);
        assert_eq!(c.history.len(), 4);
        // A field of the wrong type is absent; the rest of the entry stays.
        assert_eq!(c.history[2].created_by.as_deref(), Some("RUN make"));
        assert_eq!(c.history[2].created, None);
        assert_eq!(c.history[3], HistoryEntry::default());
        assert_eq!(
            c.layer_created_by(4),
            [
                Some("ADD file:x in /".to_owned()),
                Some("RUN make".to_owned()),
                None,
                None
            ]
        );
    }

    #[test]
    fn container_config_then_top_level() {
        let mut raw = config();
        raw["config"] = Value::Null;
        let c = ImageConfig::from_json(raw.clone());
        assert_eq!(c.user.as_deref(), Some("root"));
        assert_eq!(c.env, ["FROM_BUILD=1"]);
        raw["container_config"] = json!([]);
        raw["Env"] = json!(["TOP=1"]);
        let c = ImageConfig::from_json(raw);
        assert_eq!(c.env, ["TOP=1"]);
        assert_eq!(c.user, None);
        assert_eq!(c.platform().as_deref(), Some("linux/arm64/v8"));
    }

    #[test]
    fn healthcheck() {
        let hc = |test: Value| {
            ImageConfig::from_json(json!({"config": {"Healthcheck": {"Test": test}}}))
                .healthcheck
                .expect("healthcheck")
        };
        assert!(hc(json!(["CMD-SHELL", "curl -f localhost"])).runs());
        assert!(!hc(json!(["NONE"])).runs());
        assert!(!hc(json!(["none"])).runs());
        assert!(!hc(json!([])).runs());
        assert!(!hc(json!([1, "CMD"])).runs());
        assert!(!hc(json!("CMD true")).runs());
        let none = ImageConfig::from_json(json!({"config": {"Healthcheck": null}}));
        assert_eq!(none.healthcheck, None);
    }

    #[test]
    fn serde_is_the_raw_json() {
        let c = ImageConfig::from_json(config());
        let text = serde_json::to_string(&c).expect("serialise");
        assert_eq!(text, config().to_string());
        let back: ImageConfig = serde_json::from_str(&text).expect("read back");
        assert_eq!(back, c);
        // Anything reads (a report carries whatever the image had), with empty fields.
        let odd: ImageConfig = serde_json::from_str("[1]").expect("any JSON");
        assert_eq!((odd.os, odd.env.len()), (None, 0));
    }

    #[test]
    fn bytes_must_be_an_object() {
        assert!(ImageConfig::from_slice(br#"{"os": "linux"}"#).is_ok());
        let err = ImageConfig::from_slice(b"[]").expect_err("array");
        assert!(matches!(err, ImageConfigError::NotObject));
        assert_eq!(err.to_string(), "not a JSON object");
        let err = ImageConfig::from_slice(b"{").expect_err("truncated");
        assert!(matches!(err, ImageConfigError::Json(_)));
        assert!(err.to_string().starts_with("invalid JSON: "), "{err}");
        let empty = ImageConfig::from_json(json!({"os": "", "architecture": "amd64"}));
        assert_eq!(empty.platform(), None);
    }
}
