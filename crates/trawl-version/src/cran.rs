//! CRAN (R) package versions, ordered as R's `package_version()` / `compareVersion()` order them.
//!
//! - Syntax: at least two non-negative integers separated by `.` or `-` (`1.0-2`); R's numeric_version also
//!   accepts a single number, and so do we. Leading zeros are ignored (`0.01 = 0.1`).
//! - Order: component by component, numerically; when one version is a prefix of the other, the longer one is
//!   newer (`0.1.0 < 0.1.0.0`, unlike most schemes).

use crate::num::Num;

/// A parsed CRAN version.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct CranVersion(Vec<Num>);

pub(crate) fn parse(s: &str) -> Result<CranVersion, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("version string is empty".into());
    }
    let mut parts = Vec::new();
    for p in t.split(['.', '-']) {
        if !crate::num::all_digits(p) {
            return Err(format!("component {p:?} is not a number"));
        }
        parts.push(Num::from_digits(p));
    }
    Ok(CranVersion(parts))
}
