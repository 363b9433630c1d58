//! Hex (Erlang/Elixir) package versions, ordered as Elixir's `Version.compare/2` orders them.
//!
//! - Strict SemVer 2.0 (`MAJOR.MINOR.PATCH[-PRE][+BUILD]`); Elixir requires all three numbers.
//! - Build metadata is ignored; pre-releases sort below the release; pre-release identifiers compare as in
//!   SemVer (numeric below alphanumeric).
//! - Other spellings found in advisories (`1.2`, `v1.2.3`) fall back to the lenient SemVer-like parser.

use crate::semver_npm::{Semver, parse_lenient, parse_strict};

pub(crate) fn parse(s: &str) -> Result<Semver, String> {
    match parse_strict(s) {
        Some(v) => Ok(v),
        None => parse_lenient(s),
    }
}
