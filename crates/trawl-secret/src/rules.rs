//! Rules: what a secret looks like, and allow rules: what is known not to be one.
//!
//! The built-in rules are written from the token formats their vendors publish (prefixes, lengths, alphabets).
//! Every rule has keywords: the scanner runs a rule's regex only near a keyword hit, so a rule without a keyword
//! hit in a file costs nothing for that file.

use crate::Error;
use regex::bytes::Regex;
use trawl_types::Severity;

/// How far around a keyword hit a rule's regex looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    /// The line holding the keyword (capped at 4 KiB either side of the hit in very long lines).
    Line,
    /// From the start of the keyword's line to this many bytes past the hit (multi-line secrets: PEM blocks).
    Block(usize),
    /// The whole file (secrets whose parts are spread over a JSON document).
    File,
}

/// A check run on a candidate secret after its regex matched; the match is dropped when it fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validator {
    /// A JSON Web Token: the header decodes (base64url) to a JSON object with an `alg` other than `none`, and
    /// the payload decodes to a JSON object.
    Jwt,
    /// A docker `config.json` `auth` value: base64 of `user:password` with a non-empty password.
    DockerAuth,
    /// A generic assignment: the value is not a placeholder, has two character classes or more, and is not an
    /// identifier, path or URL.
    NotPlaceholder,
}

/// A secret rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Stable kebab-case ID (`aws-access-key-id`).
    pub id: String,
    /// Category (`AWS`, `GitHub`, `PrivateKey`...).
    pub category: String,
    /// Severity of a finding.
    pub severity: Severity,
    /// Human title.
    pub title: String,
    /// Keywords (matched ASCII case-insensitively); empty = the regex runs over every file.
    pub keywords: Vec<String>,
    /// The pattern. The named group `secret`, when present, is the secret; else the whole match is.
    pub regex: Regex,
    /// Only files whose path matches this.
    pub path: Option<Regex>,
    /// Another pattern that must occur somewhere in the file.
    pub requires: Option<Regex>,
    /// Minimum Shannon entropy of the secret, in bits per byte.
    pub min_entropy: Option<f64>,
    /// Where the regex looks.
    pub span: Span,
    /// Extra validation of a match.
    pub validator: Option<Validator>,
}

/// An allow rule: a finding that matches it is dropped.
///
/// Every condition given must hold (path, secret pattern, rule IDs); a rule with only `path` and no `rules`
/// skips matching files altogether.
#[derive(Debug, Clone)]
pub struct AllowRule {
    /// Stable ID (`test-paths`).
    pub id: String,
    /// Why this is not a secret.
    pub description: String,
    /// Files whose path matches.
    pub path: Option<Regex>,
    /// Secrets that match.
    pub regex: Option<Regex>,
    /// Only for these rule IDs (empty = every rule).
    pub rules: Vec<String>,
}

/// The definition of a built-in rule, compiled by [`builtin_rules`].
struct Def {
    id: &'static str,
    category: &'static str,
    severity: Severity,
    title: &'static str,
    keywords: &'static [&'static str],
    regex: &'static str,
    requires: Option<&'static str>,
    min_entropy: Option<f64>,
    span: Span,
    validator: Option<Validator>,
}

const fn def(
    id: &'static str,
    category: &'static str,
    severity: Severity,
    title: &'static str,
    keywords: &'static [&'static str],
    regex: &'static str,
) -> Def {
    Def {
        id,
        category,
        severity,
        title,
        keywords,
        regex,
        requires: None,
        min_entropy: Some(3.0),
        span: Span::Line,
        validator: None,
    }
}

use Severity::{Critical, High, Medium};

/// Built-in rules, most specific first: when two matches overlap, the earlier rule's is kept.
const DEFS: &[Def] = &[
    // AWS: access key IDs are 20 upper-case alphanumerics with a type prefix (AKIA long-term, ASIA temporary).
    def(
        "aws-access-key-id",
        "AWS",
        Critical,
        "AWS access key ID",
        &["akia", "asia"],
        r"(?-u:\b)(?P<secret>(?:AKIA|ASIA)[A-Z0-9]{16})(?-u:\b)",
    ),
    // AWS secret keys are 40 base64 characters with no prefix: only trusted next to their usual names.
    Def {
        min_entropy: Some(3.5),
        ..def(
            "aws-secret-access-key",
            "AWS",
            Critical,
            "AWS secret access key",
            &["secret_access_key", "secretaccesskey", "secret-access-key"],
            r#"(?im)(?:aws)?[_.-]?secret[_-]?access[_-]?key["']?\s*(?:=|:|:=|=>)\s*["']?(?P<secret>[A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)"#,
        )
    },
    // GitHub: prefix + 36 alphanumerics (classic PAT, OAuth, user-to-server, server-to-server, refresh).
    def(
        "github-pat",
        "GitHub",
        Critical,
        "GitHub personal access token",
        &["ghp_"],
        r"(?-u:\b)(?P<secret>ghp_[A-Za-z0-9]{36})(?-u:\b)",
    ),
    def(
        "github-fine-grained-pat",
        "GitHub",
        Critical,
        "GitHub fine-grained personal access token",
        &["github_pat_"],
        r"(?-u:\b)(?P<secret>github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})(?-u:\b)",
    ),
    def(
        "github-oauth-token",
        "GitHub",
        Critical,
        "GitHub OAuth access token",
        &["gho_"],
        r"(?-u:\b)(?P<secret>gho_[A-Za-z0-9]{36})(?-u:\b)",
    ),
    def(
        "github-app-token",
        "GitHub",
        Critical,
        "GitHub App token",
        &["ghu_", "ghs_"],
        r"(?-u:\b)(?P<secret>gh[us]_[A-Za-z0-9]{36})(?-u:\b)",
    ),
    def(
        "github-refresh-token",
        "GitHub",
        Critical,
        "GitHub refresh token",
        &["ghr_"],
        r"(?-u:\b)(?P<secret>ghr_[A-Za-z0-9]{36})(?-u:\b)",
    ),
    // GitLab: glpat- + at least 20 URL-safe characters; runner auth tokens glrt-; pipeline triggers glptt- + 40 hex.
    def(
        "gitlab-pat",
        "GitLab",
        Critical,
        "GitLab personal access token",
        &["glpat-"],
        r"(?-u:\b)(?P<secret>glpat-[0-9A-Za-z_\-]{20,})",
    ),
    def(
        "gitlab-runner-token",
        "GitLab",
        High,
        "GitLab runner authentication token",
        &["glrt-"],
        r"(?-u:\b)(?P<secret>glrt-[0-9A-Za-z_\-]{20,})",
    ),
    def(
        "gitlab-pipeline-trigger-token",
        "GitLab",
        High,
        "GitLab pipeline trigger token",
        &["glptt-"],
        r"(?-u:\b)(?P<secret>glptt-[0-9a-f]{40})(?-u:\b)",
    ),
    // Slack: xox{b,a,p,r,s}- then 1-3 numeric IDs and a random tail; incoming webhooks under hooks.slack.com.
    def(
        "slack-token",
        "Slack",
        High,
        "Slack token",
        &["xoxb-", "xoxa-", "xoxp-", "xoxr-", "xoxs-"],
        r"(?-u:\b)(?P<secret>xox[baprs]-(?:[0-9]{8,13}-){1,3}[0-9A-Za-z]{20,64})(?-u:\b)",
    ),
    def(
        "slack-webhook-url",
        "Slack",
        High,
        "Slack incoming webhook URL",
        &["hooks.slack.com"],
        r"https://hooks\.slack\.com/(?:services|workflows|triggers)/(?P<secret>T[A-Z0-9]{8,12}/[AB][A-Z0-9]{8,12}/[A-Za-z0-9]{23,25})(?-u:\b)",
    ),
    // Stripe: live secret and restricted keys (test-mode keys are not secrets worth a finding).
    def(
        "stripe-secret-key",
        "Stripe",
        Critical,
        "Stripe live secret key",
        &["sk_live_"],
        r"(?-u:\b)(?P<secret>sk_live_[0-9A-Za-z]{24,247})(?-u:\b)",
    ),
    def(
        "stripe-restricted-key",
        "Stripe",
        High,
        "Stripe live restricted key",
        &["rk_live_"],
        r"(?-u:\b)(?P<secret>rk_live_[0-9A-Za-z]{24,247})(?-u:\b)",
    ),
    // Google: API keys are AIza + 35 URL-safe characters.
    def(
        "google-api-key",
        "Google",
        High,
        "Google API key",
        &["aiza"],
        r"(?m)(?:^|[^0-9A-Za-z_\-])(?P<secret>AIza[0-9A-Za-z_\-]{35})(?:[^0-9A-Za-z_\-]|$)",
    ),
    // Google Cloud service-account key files: a JSON document of type service_account with a private_key.
    Def {
        requires: Some(r#""type"\s*:\s*"service_account""#),
        span: Span::File,
        min_entropy: Some(3.5),
        ..def(
            "gcp-service-account-key",
            "Google",
            Critical,
            "Google Cloud service-account key",
            &["service_account"],
            r#""private_key"\s*:\s*"(?P<secret>-----BEGIN[A-Z ]{0,40}PRIVATE KEY-----[^"]{40,}?-----END[A-Z ]{0,40}PRIVATE KEY-----(?:\\n)?)""#,
        )
    },
    // PEM private keys (PKCS#1, PKCS#8, EC, DSA, encrypted, OpenSSH, PGP), with their newlines raw or escaped.
    Def {
        span: Span::Block(64 * 1024),
        min_entropy: Some(3.5),
        ..def(
            "private-key",
            "PrivateKey",
            Critical,
            "Private key",
            &["private key-----", "private key block-----"],
            r"-----BEGIN[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----(?P<secret>[A-Za-z0-9+/=\s\\:,.\-]{40,}?)-----END[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----",
        )
    },
    // npm: granular/automation tokens npm_ + 36; legacy tokens in .npmrc `_authToken=`.
    def(
        "npm-access-token",
        "npm",
        Critical,
        "npm access token",
        &["npm_"],
        r"(?-u:\b)(?P<secret>npm_[A-Za-z0-9]{36})(?-u:\b)",
    ),
    def(
        "npmrc-auth-token",
        "npm",
        High,
        "npm registry auth token in .npmrc",
        &["_authtoken"],
        r#"(?m)_authToken\s*=\s*["']?(?P<secret>[A-Za-z0-9._~+/=\-]{16,})"#,
    ),
    // PyPI: macaroons serialised as pypi- + base64 starting with the location pypi.org (AgEIcHlwaS5vcmc) or
    // test.pypi.org (AgENdGVzdC5weXBpLm9yZw).
    def(
        "pypi-upload-token",
        "PyPI",
        Critical,
        "PyPI upload token",
        &["pypi-age"],
        r"(?-u:\b)(?P<secret>pypi-AgE(?:IcHlwaS5vcmc|NdGVzdC5weXBpLm9yZw)[A-Za-z0-9_\-]{50,})",
    ),
    // docker config.json: "auths": {"registry": {"auth": base64(user:password)}}.
    Def {
        span: Span::File,
        validator: Some(Validator::DockerAuth),
        min_entropy: None,
        ..def(
            "docker-config-auth",
            "Docker",
            High,
            "Registry credentials in a docker config.json",
            &[r#""auths""#],
            r#""auth"\s*:\s*"(?P<secret>[A-Za-z0-9+/=]{8,})""#,
        )
    },
    // JSON Web Tokens: three base64url parts, the first two JSON objects ({" = eyJ).
    Def {
        validator: Some(Validator::Jwt),
        ..def(
            "jwt",
            "JWT",
            Medium,
            "JSON Web Token",
            &["eyj"],
            r"(?-u:\b)(?P<secret>eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{16,})",
        )
    },
    // Generic: a quoted value assigned to a password/secret/token/API-key name, with entropy and placeholder checks.
    Def {
        validator: Some(Validator::NotPlaceholder),
        ..def(
            "generic-secret-assignment",
            "Generic",
            Medium,
            "Password or secret assigned in a file",
            &[
                "password", "passwd", "secret", "token", "api_key", "apikey", "api-key",
            ],
            r#"(?i)[A-Za-z0-9_.\-]*(?:password|passwd|secret|token|api[_\-]?key)[A-Za-z0-9_.\-]*["']?\s*(?:=|:|:=|=>)\s*["'](?P<secret>[^"'\s]{8,128})["']"#,
        )
    },
    // Generic, environment style: UPPER_CASE_NAME=value (env files, ENV of an image config).
    Def {
        validator: Some(Validator::NotPlaceholder),
        ..def(
            "generic-secret-env",
            "Generic",
            Medium,
            "Password or secret in an environment variable",
            &["password", "passwd", "secret", "token", "api_key", "apikey"],
            r#"(?m)^[ \t]*(?:export[ \t]+|ENV[ \t]+)?[A-Z0-9_]*(?:PASSWORD|PASSWD|SECRET|TOKEN|API_KEY|APIKEY)[A-Z0-9_]*[ \t]*=[ \t]*(?P<secret>[^\s"'$][^\s"']{7,127})[ \t]*\r?$"#,
        )
    },
];

/// Compiles the built-in rules.
pub fn builtin_rules() -> Vec<Rule> {
    DEFS.iter()
        .map(|d| Rule {
            id: d.id.to_owned(),
            category: d.category.to_owned(),
            severity: d.severity,
            title: d.title.to_owned(),
            keywords: d.keywords.iter().map(|k| (*k).to_owned()).collect(),
            regex: Regex::new(d.regex).expect("built-in rule regexes compile (tested)"),
            path: None,
            requires: d
                .requires
                .map(|r| Regex::new(r).expect("built-in rule regexes compile (tested)")),
            min_entropy: d.min_entropy,
            span: d.span,
            validator: d.validator,
        })
        .collect()
}

/// The built-in allow rules.
pub fn builtin_allow_rules() -> Vec<AllowRule> {
    let re = |s: &str| Some(Regex::new(s).expect("built-in allow regexes compile (tested)"));
    vec![
        AllowRule {
            id: "test-paths".into(),
            description: "Test suites and their fixtures hold fake credentials on purpose".into(),
            path: re(r"(?i)(?:^|/)(?:tests?|testdata|test-data|__tests__|testing|spec|fixtures?)/"),
            regex: None,
            rules: vec![],
        },
        AllowRule {
            id: "example-paths".into(),
            description: "Examples, samples and templates hold placeholder credentials".into(),
            path: re(r"(?i)(?:(?:^|/)(?:examples?|samples?)/|\.(?:example|sample|template|tmpl|dist)$)"),
            regex: None,
            rules: vec![],
        },
        AllowRule {
            id: "third-party-trees".into(),
            description: "Installed dependencies (node_modules), git object stores and lockfiles: third-party code \
                          and hashes, not where a project's credentials live (disable to scan them)"
                .into(),
            path: re(
                r"(?:^|/)(?:node_modules|\.git)/|(?:^|/)(?:package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|Cargo\.lock|go\.sum|poetry\.lock|Pipfile\.lock|composer\.lock|Gemfile\.lock|uv\.lock)$",
            ),
            regex: None,
            rules: vec![],
        },
        AllowRule {
            id: "documentation-files".into(),
            description: "READMEs and other prose documents quote credentials as examples".into(),
            path: re(r"(?i)\.(?:md|markdown|rst|adoc|asciidoc)$"),
            regex: None,
            rules: vec![],
        },
        AllowRule {
            id: "documentation-paths".into(),
            description: "Installed documentation quotes credentials as examples".into(),
            path: re(r"^usr/(?:local/)?share/(?:doc|man|info|gtk-doc|help)/"),
            regex: None,
            rules: vec![],
        },
        AllowRule {
            id: "aws-documented-example-key".into(),
            description: "AWS documentation's example keys (AKIAIOSFODNN7EXAMPLE, wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY...): not real credentials".into(),
            path: None,
            regex: re(r"EXAMPLE(?:KEY)?$"),
            rules: vec!["aws-access-key-id".into(), "aws-secret-access-key".into()],
        },
    ]
}

/// Validates a rule ID: kebab-case, lower-case ASCII letters, digits and dashes.
pub(crate) fn check_id(id: &str, what: &'static str) -> Result<(), Error> {
    let ok = !id.is_empty()
        && !id.starts_with('-')
        && !id.ends_with('-')
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidId {
            what,
            id: id.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn builtins_compile_and_are_well_formed() {
        let rules = builtin_rules();
        let mut ids = HashSet::new();
        for r in &rules {
            check_id(&r.id, "rule").expect("kebab-case id");
            assert!(ids.insert(r.id.clone()), "duplicate rule {}", r.id);
            assert!(!r.keywords.is_empty(), "{} has keywords", r.id);
            assert!(!r.title.is_empty() && !r.category.is_empty());
            for k in &r.keywords {
                assert_eq!(
                    k,
                    &k.to_ascii_lowercase(),
                    "{}: keywords are lower-case",
                    r.id
                );
            }
        }
        for a in builtin_allow_rules() {
            check_id(&a.id, "allow rule").expect("kebab-case id");
            for id in &a.rules {
                assert!(
                    ids.contains(id),
                    "allow rule {} names unknown rule {id}",
                    a.id
                );
            }
        }
    }
}
