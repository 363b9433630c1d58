//! Non-package findings produced by analyzers: secrets and misconfigurations.

use crate::{LayerRef, Severity, Suppression};
use serde::{Deserialize, Serialize};

/// A secret found in a file (or in the image config).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretFinding {
    /// Stable rule ID (`aws-access-key-id`).
    pub rule_id: String,
    /// Category (`AWS`, `GitHub`, `PrivateKey`...).
    pub category: String,
    /// Severity of the rule.
    pub severity: Severity,
    /// Human title.
    pub title: String,
    /// File path (relative to the root, no leading `/`), or `image-config:ENV` for the image config.
    pub path: String,
    /// 1-based first line of the match.
    pub start_line: usize,
    /// 1-based last line of the match.
    pub end_line: usize,
    /// The matched line with the secret replaced by `*` (never the secret itself).
    pub redacted_match: String,
    /// Layer that holds the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<LayerRef>,
    /// Set when the policy suppressed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<Suppression>,
}

/// A failed (or, on request, passed) misconfiguration check.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Misconfiguration {
    /// Stable check ID (`TRAWL-DS-0002`).
    pub id: String,
    /// The kind of file checked (`dockerfile`, `kubernetes`, `image-config`, `rego`).
    pub file_type: String,
    /// Title.
    pub title: String,
    /// What is wrong and why it matters.
    pub description: String,
    /// What to do about it.
    pub resolution: String,
    /// Severity.
    pub severity: Severity,
    /// `FAIL` or `PASS`.
    pub status: String,
    /// The specific message for this occurrence.
    pub message: String,
    /// File path.
    pub path: String,
    /// 1-based line, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_line: Option<usize>,
    /// 1-based end line, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_line: Option<usize>,
    /// Reference URLs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// Layer that holds the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<LayerRef>,
    /// Set when the policy suppressed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<Suppression>,
}
