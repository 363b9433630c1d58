//! Secret detection: rules written from the vendors' published token formats, and a scanner that stays cheap on
//! files without secrets.
//!
//! How a file is scanned ([`Scanner::scan_file`]):
//! 1. skipped without a look when too large ([`DEFAULT_MAX_FILE_SIZE`]) or on an allowed path (tests, examples,
//!    installed docs), and when binary (a NUL byte in the first 8 KiB) — each skip counted in [`ScanOutcome`];
//! 2. one Aho-Corasick pass over the bytes finds every rule keyword (ASCII case-insensitive);
//! 3. only rules with a keyword hit run their regex, and only on the hit's line (or block, for PEM keys);
//! 4. matches pass entropy, validators (JWT structure, docker `auth` decoding, placeholder checks) and allow
//!    rules (such as AWS's documented example keys); overlapping matches keep the most specific rule;
//! 5. each finding carries the line with every secret byte replaced by `*`: the secret itself is never output.
//!
//! Rules can be added, disabled and allowed with a YAML file ([`RulesConfig`]).
#![warn(missing_docs)]

mod config;
mod image_config;
mod rules;
mod scanner;

pub use config::{AllowRuleConfig, RuleConfig, RulesConfig};
pub use image_config::{redact_image_config, scan_image_config};
pub use rules::{AllowRule, Rule, Span, Validator, builtin_allow_rules, builtin_rules};
pub use scanner::{
    BINARY_SNIFF_LEN, DEFAULT_MAX_FILE_SIZE, ScanOutcome, Scanner, SkipReason, entropy, is_binary,
};

use std::sync::LazyLock;

/// Errors building a scanner.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A rules file could not be read.
    #[error("cannot read secret rules file {path}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A rules file is invalid (YAML syntax, unknown field, bad regex, unknown rule ID...).
    #[error("secret rules file {origin}: {message}")]
    Config {
        /// The file (or other origin) of the rules.
        origin: String,
        /// What is wrong, with the YAML line and column where known.
        message: String,
    },
    /// An ID is not kebab-case.
    #[error("{what} ID `{id}` is not kebab-case (lower-case letters, digits and dashes)")]
    InvalidId {
        /// `rule` or `allow rule`.
        what: &'static str,
        /// The ID.
        id: String,
    },
    /// The keyword automaton could not be built.
    #[error("cannot build the secret keyword automaton: {0}")]
    Keywords(String),
}

static BUILTIN: LazyLock<Scanner> = LazyLock::new(Scanner::builtin);

/// The shared scanner with the built-in rules (compiled once per process).
pub fn builtin() -> &'static Scanner {
    &BUILTIN
}
