//! Go module versions, ordered as `golang.org/x/mod/semver.Compare` orders them.
//!
//! - Canonical Go versions carry a `v` prefix (`v1.2.3`); OSV's Go ranges omit it. Both spellings are accepted
//!   and equal.
//! - `vMAJOR` and `vMAJOR.MINOR` are shorthands for `vMAJOR.0.0` / `vMAJOR.MINOR.0`.
//! - Pseudo-versions (`v0.0.0-20191109021931-daa7c04131f5`, `v1.2.4-0.20191109021931-daa7c04131f5`) are ordinary
//!   SemVer pre-releases and order by their timestamp as Go intends: below the release they precede.
//! - `+incompatible` (a v2+ module without a go.mod) is build metadata and ignored in comparisons.
//! - Toolchain versions of the `stdlib`/`toolchain` modules in OSV (`1.21.0`, `1.22.0-rc.1`) are plain SemVer.
//!
//! Order: SemVer 2.0 precedence (see `semver_npm`), shared with npm.

use crate::semver_npm::{Semver, parse_lenient, parse_strict};

pub(crate) fn parse(s: &str) -> Result<Semver, String> {
    let t = s.trim();
    let t = t.strip_prefix('v').unwrap_or(t);
    match parse_strict(t) {
        Some(v) => Ok(v),
        None => parse_lenient(t),
    }
}

#[cfg(test)]
mod tests {
    use crate::{Scheme, compare};
    use std::cmp::Ordering::{Equal, Greater, Less};

    #[test]
    fn pseudo_versions_and_incompatible() {
        let c = |a: &str, b: &str| compare(Scheme::Go, a, b).expect("valid");
        assert_eq!(c("v0.0.0-20191109021931-daa7c04131f5", "v0.0.1"), Less);
        assert_eq!(
            c(
                "v0.0.0-20191109021931-daa7c04131f5",
                "v0.0.0-20200101000000-aaaaaaaaaaaa"
            ),
            Less
        );
        assert_eq!(c("v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.3"), Greater);
        assert_eq!(c("v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4"), Less);
        assert_eq!(
            c("v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4-rc.1"),
            Less
        );
        assert_eq!(c("v2.0.0+incompatible", "v2.0.0"), Equal);
        assert_eq!(c("v1", "v1.0.0"), Equal);
        assert_eq!(c("v1.2", "1.2.0"), Equal);
    }
}
