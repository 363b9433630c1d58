//! Dart/Flutter (pub) package versions, ordered as `package:pub_semver`'s `Version.compareTo` orders them.
//!
//! - SemVer 2.0 syntax: `MAJOR.MINOR.PATCH[-PRE][+BUILD]` (a lenient SemVer-like fallback reads other shapes).
//! - Unlike SemVer precedence, build metadata **counts**: a version without build sorts before the same version
//!   with one (`1.0.0 < 1.0.0+build`), and builds compare identifier by identifier like pre-releases
//!   (`1.2.3+1 < 1.2.3+2`). Pre-releases still sort first: `1.0.0-pre < 1.0.0-pre+build < 1.0.0`.

use crate::semver_npm::{Semver, parse_lenient, parse_strict};
use std::cmp::Ordering;

pub(crate) fn parse(s: &str) -> Result<Semver, String> {
    match parse_strict(s) {
        Some(v) => Ok(v),
        None => parse_lenient(s),
    }
}

/// pub's order: SemVer precedence, then no build < build, then build identifiers.
pub(crate) fn cmp(a: &Semver, b: &Semver) -> Ordering {
    a.cmp_precedence(b)
        .then_with(|| match (a.build.is_empty(), b.build.is_empty()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            (false, false) => a.build.cmp(&b.build),
        })
}
