//! Secrets in an image's config: `Env`, `Labels` and the history's `created_by` lines.
//!
//! Build arguments and `ENV` values end up in the config for anyone who pulls the image, so a token passed with
//! `--build-arg` is as exposed as one in a file.

use crate::Scanner;
use serde_json::Value;
use trawl_types::{ImageConfig, SecretFinding};

impl Scanner {
    /// Scans an image config. Findings have the path `image-config:Env`, `image-config:Labels` or
    /// `image-config:History`, and the 1-based entry number as their line (labels as `key=value`, in key order).
    pub fn scan_image_config(&self, config: &ImageConfig) -> Vec<SecretFinding> {
        let one_line = |s: &str| s.replace('\n', " ");
        let mut out = Vec::new();
        let env: Vec<String> = config.env.iter().map(|e| one_line(e)).collect();
        out.extend(self.scan_lines("image-config:Env", &env));
        let labels: Vec<String> = config
            .labels
            .iter()
            .map(|(k, v)| format!("{k}={}", one_line(v)))
            .collect();
        out.extend(self.scan_lines("image-config:Labels", &labels));
        let history: Vec<String> = config
            .history
            .iter()
            .map(|h| one_line(h.created_by.as_deref().unwrap_or_default()))
            .collect();
        out.extend(self.scan_lines("image-config:History", &history));
        out
    }

    /// Replaces every secret in the config's `Env`, `Labels` and history `created_by` with `*`, in the raw JSON
    /// (so a report that embeds the config does not leak what the secret scan found) and in the parsed fields
    /// (which the misconfiguration checks read). Returns how many raw JSON strings changed.
    pub fn redact_image_config(&self, config: &mut ImageConfig) -> usize {
        for e in &mut config.env {
            if let Some(r) = self.redact_text(e) {
                *e = r;
            }
        }
        for (k, v) in &mut config.labels {
            if let Some(r) = self.redact_label(k, v) {
                *v = r;
            }
        }
        for h in &mut config.history {
            if let Some(r) = h.created_by.as_deref().and_then(|c| self.redact_text(c)) {
                h.created_by = Some(r);
            }
        }
        self.redact_raw_image_config(&mut config.raw)
    }

    /// A label's value with its secrets redacted (labels are scanned as `key=value`: redacted in that context).
    fn redact_label(&self, key: &str, value: &str) -> Option<String> {
        self.redact_text(&format!("{key}={value}"))
            .map(|r| r[key.len() + 1..].to_owned())
    }

    /// Redacts the raw JSON: `Env` and `Labels` wherever [`ImageConfig::from_json`] may have read them
    /// (`config`, `container_config`, the top level), and the history.
    fn redact_raw_image_config(&self, config: &mut Value) -> usize {
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
        let mut redact_settings = |inner: &mut Value| {
            // `Env` is a list, or (read as one entry) a single string.
            match inner.get_mut("Env") {
                Some(Value::Array(env)) => changed += env.iter_mut().map(redact).sum::<usize>(),
                Some(one) => changed += redact(one),
                None => {}
            }
            if let Some(labels) = inner.get_mut("Labels").and_then(Value::as_object_mut) {
                for (k, v) in labels.iter_mut() {
                    if let Some(r) = v.as_str().and_then(|s| self.redact_label(k, s)) {
                        *v = Value::String(r);
                        changed += 1;
                    }
                }
            }
        };
        for key in ["config", "container_config"] {
            if let Some(inner) = config.get_mut(key) {
                redact_settings(inner);
            }
        }
        redact_settings(config);
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
pub fn redact_image_config(config: &mut ImageConfig) -> usize {
    crate::builtin().redact_image_config(config)
}

/// Scans an image config with the built-in rules (see [`Scanner::scan_image_config`]).
pub fn scan_image_config(config: &ImageConfig) -> Vec<SecretFinding> {
    crate::builtin().scan_image_config(config)
}
