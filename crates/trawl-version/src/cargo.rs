//! crates.io versions, ordered as Cargo's `semver` crate orders them for resolution.
//!
//! - Strict SemVer 2.0: `MAJOR.MINOR.PATCH[-PRE][+BUILD]`, no `v` prefix, no leading zeros.
//! - Build metadata is ignored in comparisons (`1.0.0+a = 1.0.0+b`), as SemVer precedence and RustSec's range
//!   evaluation treat it (the `semver` crate's own `Ord` breaks ties on build metadata; no advisory relies on it).
//! - Advisory data sometimes carries non-SemVer spellings (`1.2`, `v1.2.3`); those fall back to the lenient
//!   SemVer-like parser shared with npm.

use crate::semver_npm::{Semver, parse_lenient, parse_strict};

pub(crate) fn parse(s: &str) -> Result<Semver, String> {
    match parse_strict(s) {
        Some(v) => Ok(v),
        None => parse_lenient(s),
    }
}

#[cfg(test)]
mod tests {
    use crate::{Scheme, compare};
    use std::cmp::Ordering::{Equal, Less};

    #[test]
    fn semver_precedence_without_build() {
        let c = |a: &str, b: &str| compare(Scheme::Cargo, a, b).expect("valid");
        assert_eq!(c("1.0.0-alpha.1", "1.0.0-alpha.beta"), Less);
        assert_eq!(c("1.0.0+build.1", "1.0.0+build.2"), Equal);
        assert_eq!(c("0.9.0", "0.10.0"), Less);
        assert_eq!(c("1.0.0-rc.1", "1.0.0"), Less);
    }
}
