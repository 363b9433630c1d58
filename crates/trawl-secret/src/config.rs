//! The YAML rules file: add rules, disable rules, add and disable allow rules.
//!
//! ```yaml
//! rules:                      # added to the built-in rules (an ID may not repeat a built-in one)
//!   - id: acme-api-token      # kebab-case, stable
//!     category: Acme
//!     title: Acme API token
//!     severity: HIGH          # UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL
//!     keywords: [acme_]       # the regex runs only near these (case-insensitive); omit = every file (slow)
//!     regex: 'acme_[0-9a-f]{32}'   # the named group `secret`, if any, is the secret; else the whole match
//!     path: '\.env$'          # optional: only these files
//!     min-entropy: 3.0        # optional: bits per byte of the secret
//!     multiline: false        # optional: look up to 64 KiB past the keyword instead of its line only
//! allow-rules:
//!   - id: acme-fixtures
//!     description: Fixture tokens of the Acme docs image
//!     path: '^srv/acme/docs/' # optional: files whose path matches
//!     regex: '^acme_0+$'      # optional: secrets that match
//!     rules: [acme-api-token] # optional: only for these rules
//! disable-rules: [jwt]                     # built-in or added rule IDs
//! disable-allow-rules: [test-paths]        # built-in allow rule IDs
//! ```

use crate::rules::{AllowRule, Rule, Span, check_id};
use crate::{Error, Scanner};
use regex::bytes::Regex;
use serde::Deserialize;
use std::collections::HashSet;
use std::path::Path;
use trawl_types::Severity;

/// The contents of a rules file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct RulesConfig {
    /// Rules added to the built-in ones.
    #[serde(default)]
    pub rules: Vec<RuleConfig>,
    /// Allow rules added to the built-in ones.
    #[serde(default)]
    pub allow_rules: Vec<AllowRuleConfig>,
    /// Rule IDs to turn off.
    #[serde(default)]
    pub disable_rules: Vec<String>,
    /// Allow rule IDs to turn off.
    #[serde(default)]
    pub disable_allow_rules: Vec<String>,
}

/// A rule in a rules file.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct RuleConfig {
    /// Stable kebab-case ID.
    pub id: String,
    /// Category.
    #[serde(default = "custom_category")]
    pub category: String,
    /// Title.
    pub title: String,
    /// Severity name.
    #[serde(default = "default_severity")]
    pub severity: String,
    /// Keywords.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Pattern (Rust `regex` syntax).
    pub regex: String,
    /// Path filter.
    #[serde(default)]
    pub path: Option<String>,
    /// Minimum entropy.
    #[serde(default)]
    pub min_entropy: Option<f64>,
    /// Multi-line.
    #[serde(default)]
    pub multiline: bool,
}

fn custom_category() -> String {
    "Custom".to_owned()
}

fn default_severity() -> String {
    "HIGH".to_owned()
}

/// An allow rule in a rules file.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct AllowRuleConfig {
    /// Stable kebab-case ID.
    pub id: String,
    /// Why.
    #[serde(default)]
    pub description: String,
    /// Path pattern.
    #[serde(default)]
    pub path: Option<String>,
    /// Secret pattern.
    #[serde(default)]
    pub regex: Option<String>,
    /// Rule IDs it is limited to.
    #[serde(default)]
    pub rules: Vec<String>,
}

impl RulesConfig {
    /// Parses a rules file's text (`origin` names it in errors).
    pub fn from_yaml(text: &str, origin: &str) -> Result<RulesConfig, Error> {
        serde_saphyr::from_str(text).map_err(|e| Error::Config {
            origin: origin.to_owned(),
            message: e.to_string(),
        })
    }

    /// Reads and parses a rules file.
    pub fn load(path: &Path) -> Result<RulesConfig, Error> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.display().to_string(),
            source,
        })?;
        RulesConfig::from_yaml(&text, &path.display().to_string())
    }
}

fn compile(pattern: &str, origin: &str, id: &str) -> Result<Regex, Error> {
    Regex::new(pattern).map_err(|e| Error::Config {
        origin: origin.to_owned(),
        message: format!("rule `{id}`: invalid regex: {e}"),
    })
}

/// Applies a rules file to the built-in rules.
pub(crate) fn apply(
    mut rules: Vec<Rule>,
    mut allow: Vec<AllowRule>,
    config: &RulesConfig,
    origin: &str,
) -> Result<(Vec<Rule>, Vec<AllowRule>), Error> {
    let cfg_err = |message: String| Error::Config {
        origin: origin.to_owned(),
        message,
    };
    for r in &config.rules {
        check_id(&r.id, "rule")?;
        if rules.iter().any(|x| x.id == r.id) {
            return Err(cfg_err(format!("rule `{}` is defined twice", r.id)));
        }
        let severity: Severity = r
            .severity
            .parse()
            .map_err(|e| cfg_err(format!("rule `{}`: {e}", r.id)))?;
        let regex = compile(&r.regex, origin, &r.id)?;
        let path = r
            .path
            .as_deref()
            .map(|p| compile(p, origin, &r.id))
            .transpose()?;
        let keywords: Vec<String> = r
            .keywords
            .iter()
            .map(|k| k.to_ascii_lowercase())
            .filter(|k| !k.is_empty())
            .collect();
        let span = match (keywords.is_empty(), r.multiline) {
            (true, _) => Span::File,
            (false, true) => Span::Block(64 * 1024),
            (false, false) => Span::Line,
        };
        rules.push(Rule {
            id: r.id.clone(),
            category: r.category.clone(),
            severity,
            title: r.title.clone(),
            keywords,
            regex,
            path,
            requires: None,
            min_entropy: r.min_entropy,
            span,
            validator: None,
        });
    }
    for a in &config.allow_rules {
        check_id(&a.id, "allow rule")?;
        if allow.iter().any(|x| x.id == a.id) {
            return Err(cfg_err(format!("allow rule `{}` is defined twice", a.id)));
        }
        if a.path.is_none() && a.regex.is_none() {
            return Err(cfg_err(format!(
                "allow rule `{}` needs a `path` or a `regex`",
                a.id
            )));
        }
        for id in &a.rules {
            if !rules.iter().any(|r| &r.id == id) {
                return Err(cfg_err(format!(
                    "allow rule `{}` names unknown rule `{id}`",
                    a.id
                )));
            }
        }
        allow.push(AllowRule {
            id: a.id.clone(),
            description: a.description.clone(),
            path: a
                .path
                .as_deref()
                .map(|p| compile(p, origin, &a.id))
                .transpose()?,
            regex: a
                .regex
                .as_deref()
                .map(|p| compile(p, origin, &a.id))
                .transpose()?,
            rules: a.rules.clone(),
        });
    }
    let disable: HashSet<&str> = config.disable_rules.iter().map(String::as_str).collect();
    for id in &disable {
        if !rules.iter().any(|r| r.id == *id) {
            return Err(cfg_err(format!("disable-rules names unknown rule `{id}`")));
        }
    }
    rules.retain(|r| !disable.contains(r.id.as_str()));
    let disable_allow: HashSet<&str> = config
        .disable_allow_rules
        .iter()
        .map(String::as_str)
        .collect();
    for id in &disable_allow {
        if !allow.iter().any(|r| r.id == *id) {
            return Err(cfg_err(format!(
                "disable-allow-rules names unknown allow rule `{id}`"
            )));
        }
    }
    allow.retain(|a| !disable_allow.contains(a.id.as_str()));
    Ok((rules, allow))
}

impl Scanner {
    /// The built-in rules changed by a rules file.
    pub fn with_config(config: &RulesConfig, origin: &str) -> Result<Scanner, Error> {
        let (rules, allow) = apply(
            crate::rules::builtin_rules(),
            crate::rules::builtin_allow_rules(),
            config,
            origin,
        )?;
        Scanner::new(rules, allow)
    }

    /// The built-in rules changed by the rules file at `path`.
    pub fn from_rules_file(path: &Path) -> Result<Scanner, Error> {
        let config = RulesConfig::load(path)?;
        Scanner::with_config(&config, &path.display().to_string())
    }
}
