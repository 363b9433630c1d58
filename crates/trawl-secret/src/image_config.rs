//! Secrets in an image's config: `Env`, `Labels` and the history's `created_by` lines.
//!
//! Build arguments and `ENV` values end up in the config for anyone who pulls the image, so a token passed with
//! `--build-arg` is as exposed as one in a file.

use crate::Scanner;
use serde_json::Value;
use trawl_types::SecretFinding;

impl Scanner {
    /// Scans an image config (the OCI/docker config JSON). Findings have the path `image-config:Env`,
    /// `image-config:Labels` or `image-config:History`, and the 1-based entry number as their line.
    pub fn scan_image_config(&self, config: &Value) -> Vec<SecretFinding> {
        let inner = config
            .get("config")
            .or_else(|| config.get("container_config"))
            .unwrap_or(config);
        let mut out = Vec::new();
        let strings = |v: Option<&Value>| -> Vec<String> {
            v.and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(|s| s.replace('\n', " "))
                        .collect()
                })
                .unwrap_or_default()
        };
        let env = strings(inner.get("Env"));
        out.extend(self.scan_lines("image-config:Env", &env));
        let labels: Vec<String> = inner
            .get("Labels")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| {
                        v.as_str().map(|v| format!("{k}={}", v.replace('\n', " ")))
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.extend(self.scan_lines("image-config:Labels", &labels));
        let history: Vec<String> = config
            .get("history")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|h| {
                        h.get("created_by")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .replace('\n', " ")
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.extend(self.scan_lines("image-config:History", &history));
        out
    }

    /// Replaces every secret in the config's `Env`, `Labels` and history `created_by` with `*`, so a report
    /// that embeds the config does not leak what the secret scan found. Returns how many strings changed.
    pub fn redact_image_config(&self, config: &mut Value) -> usize {
        let mut changed = 0;
        let redact = |v: &mut Value| -> usize {
            match v.as_str().and_then(|s| self.redact_text(s)) {
                Some(r) => {
                    *v = Value::String(r);
                    1
                }
                None => 0,
            }
        };
        for key in ["config", "container_config"] {
            if let Some(inner) = config.get_mut(key) {
                if let Some(env) = inner.get_mut("Env").and_then(Value::as_array_mut) {
                    changed += env.iter_mut().map(redact).sum::<usize>();
                }
                if let Some(labels) = inner.get_mut("Labels").and_then(Value::as_object_mut) {
                    for (k, v) in labels.iter_mut() {
                        // Labels are scanned as `key=value`: redact the value in that context.
                        if let Some(s) = v.as_str()
                            && let Some(r) = self.redact_text(&format!("{k}={s}"))
                        {
                            *v = Value::String(r[k.len() + 1..].to_owned());
                            changed += 1;
                        }
                    }
                }
            }
        }
        if let Some(history) = config.get_mut("history").and_then(Value::as_array_mut) {
            for h in history {
                if let Some(c) = h.get_mut("created_by") {
                    changed += redact(c);
                }
            }
        }
        changed
    }

    /// One entry per line, so a finding's line is its entry number.
    fn scan_lines(&self, path: &str, lines: &[String]) -> Vec<SecretFinding> {
        if lines.is_empty() {
            return Vec::new();
        }
        self.scan_text(path, lines.join("\n").as_bytes(), false)
    }
}

/// Redacts an image config with the built-in rules (see [`Scanner::redact_image_config`]).
pub fn redact_image_config(config_json: &mut Value) -> usize {
    crate::builtin().redact_image_config(config_json)
}

/// Scans an image config with the built-in rules (see [`Scanner::scan_image_config`]).
pub fn scan_image_config(config_json: &Value) -> Vec<SecretFinding> {
    crate::builtin().scan_image_config(config_json)
}
