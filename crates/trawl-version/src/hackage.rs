//! Hackage (Haskell/Cabal) package versions, ordered as Cabal's `Version` orders them.
//!
//! - Syntax: one or more non-negative integers separated by `.` (`1.2.0.1`); the deprecated `-tag` suffixes
//!   are rejected. Leading zeros are ignored.
//! - Order: lexicographic on the list of numbers, so a version that extends another is newer
//!   (`1.0 < 1.0.0`, `0 < 0.1.26.0`).

use crate::num::Num;

/// A parsed Hackage version.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct HackageVersion(Vec<Num>);

pub(crate) fn parse(s: &str) -> Result<HackageVersion, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("version string is empty".into());
    }
    let mut parts = Vec::new();
    for p in t.split('.') {
        if !crate::num::all_digits(p) {
            return Err(format!("component {p:?} is not a number"));
        }
        parts.push(Num::from_digits(p));
    }
    Ok(HackageVersion(parts))
}
