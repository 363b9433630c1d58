//! Non-package findings produced by analyzers: secrets and misconfigurations.

use crate::{LayerRef, Severity, Suppression};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

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

/// Whether a misconfiguration check failed or passed. Serialised as `FAIL` / `PASS`; read in any case.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum CheckStatus {
    /// The check failed: a misconfiguration (`FAIL`).
    #[default]
    Fail,
    /// The check passed (`PASS`).
    Pass,
}

impl CheckStatus {
    /// Both statuses.
    pub const ALL: [CheckStatus; 2] = [CheckStatus::Fail, CheckStatus::Pass];

    /// `FAIL` or `PASS` (also the serde name).
    pub fn as_str(self) -> &'static str {
        match self {
            CheckStatus::Fail => "FAIL",
            CheckStatus::Pass => "PASS",
        }
    }

    /// Whether the check failed.
    pub fn is_fail(self) -> bool {
        self == CheckStatus::Fail
    }
}

/// A check status that is neither `FAIL` nor `PASS`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown check status `{value}` (expected FAIL or PASS)")]
pub struct ParseCheckStatusError {
    value: String,
}

impl ParseCheckStatusError {
    /// The value that was given.
    pub fn value(&self) -> &str {
        &self.value
    }
}

impl FromStr for CheckStatus {
    type Err = ParseCheckStatusError;
    /// `FAIL` or `PASS`, in any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CheckStatus::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| ParseCheckStatusError {
                value: s.to_owned(),
            })
    }
}

/// The kind of file a misconfiguration was found in (custom Rego policies report the kind of the input
/// they were evaluated on). Serialised as [`ConfigFileType::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ConfigFileType {
    /// A Dockerfile / Containerfile (`dockerfile`).
    Dockerfile,
    /// A Kubernetes manifest (`kubernetes`).
    Kubernetes,
    /// An image's config (`image-config`).
    ImageConfig,
}

impl ConfigFileType {
    /// Every file type.
    pub const ALL: [ConfigFileType; 3] = [
        ConfigFileType::Dockerfile,
        ConfigFileType::Kubernetes,
        ConfigFileType::ImageConfig,
    ];

    /// `dockerfile`, `kubernetes` or `image-config` (also the serde name).
    pub fn as_str(self) -> &'static str {
        match self {
            ConfigFileType::Dockerfile => "dockerfile",
            ConfigFileType::Kubernetes => "kubernetes",
            ConfigFileType::ImageConfig => "image-config",
        }
    }
}

/// A file type that is none of [`ConfigFileType::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown config file type `{value}` (expected dockerfile, kubernetes or image-config)")]
pub struct ParseConfigFileTypeError {
    value: String,
}

impl ParseConfigFileTypeError {
    /// The value that was given.
    pub fn value(&self) -> &str {
        &self.value
    }
}

impl FromStr for ConfigFileType {
    type Err = ParseConfigFileTypeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ConfigFileType::ALL
            .into_iter()
            .find(|t| t.as_str() == s.trim())
            .ok_or_else(|| ParseConfigFileTypeError {
                value: s.to_owned(),
            })
    }
}

crate::strser::display_as_str!(CheckStatus);
crate::strser::display_as_str!(ConfigFileType);
crate::strser::serde_as_str!(CheckStatus, "FAIL or PASS");
crate::strser::serde_as_str!(ConfigFileType, "a config file type");

/// A failed (or, on request, passed) misconfiguration check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Misconfiguration {
    /// Stable check ID (`TRAWL-DS-0002`).
    pub id: String,
    /// The kind of file checked.
    pub file_type: ConfigFileType,
    /// Title.
    pub title: String,
    /// What is wrong and why it matters.
    pub description: String,
    /// What to do about it.
    pub resolution: String,
    /// Severity.
    pub severity: Severity,
    /// Failed or passed.
    pub status: CheckStatus,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_status_round_trips() {
        for s in CheckStatus::ALL {
            assert_eq!(s.as_str().parse::<CheckStatus>(), Ok(s));
            let json = serde_json::to_string(&s).expect("serialise");
            assert_eq!(json, format!("\"{}\"", s.as_str()));
            assert_eq!(serde_json::from_str::<CheckStatus>(&json).expect("read"), s);
        }
        assert_eq!(CheckStatus::Fail.to_string(), "FAIL");
        assert_eq!(CheckStatus::Pass, "PASS");
        assert!(CheckStatus::Fail.is_fail() && !CheckStatus::Pass.is_fail());
        assert_eq!("pass".parse::<CheckStatus>(), Ok(CheckStatus::Pass));
        let err = "SKIP".parse::<CheckStatus>().expect_err("not a status");
        assert_eq!(err.value(), "SKIP");
        assert_eq!(
            err.to_string(),
            "unknown check status `SKIP` (expected FAIL or PASS)"
        );
        assert!(serde_json::from_str::<CheckStatus>("\"SKIP\"").is_err());
    }

    #[test]
    fn config_file_type_round_trips() {
        for t in ConfigFileType::ALL {
            assert_eq!(t.as_str().parse::<ConfigFileType>(), Ok(t));
            let json = serde_json::to_string(&t).expect("serialise");
            assert_eq!(json, format!("\"{}\"", t.as_str()));
            assert_eq!(
                serde_json::from_str::<ConfigFileType>(&json).expect("read"),
                t
            );
        }
        assert_eq!(ConfigFileType::ImageConfig.to_string(), "image-config");
        assert_eq!(ConfigFileType::Kubernetes, "kubernetes");
        let err = "helm".parse::<ConfigFileType>().expect_err("not a type");
        assert_eq!(err.value(), "helm");
        assert!(err.to_string().contains("`helm`") && err.to_string().contains("image-config"));
    }

    #[test]
    fn misconfiguration_json_is_unchanged() {
        let m = Misconfiguration {
            id: "TRAWL-DS-001".into(),
            file_type: ConfigFileType::Dockerfile,
            title: "t".into(),
            description: "d".into(),
            resolution: "r".into(),
            severity: Severity::High,
            status: CheckStatus::Fail,
            message: "m".into(),
            path: "Dockerfile".into(),
            start_line: None,
            end_line: None,
            references: Vec::new(),
            layer: None,
            suppressed: None,
        };
        let json = serde_json::to_value(&m).expect("serialise");
        assert_eq!(json["file_type"], "dockerfile");
        assert_eq!(json["status"], "FAIL");
        assert_eq!(
            serde_json::from_value::<Misconfiguration>(json).expect("read"),
            m
        );
    }
}
