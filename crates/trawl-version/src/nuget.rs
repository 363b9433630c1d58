//! NuGet package versions, ordered as NuGet's `NuGetVersion` / `VersionComparer.Default` orders them.
//!
//! - Syntax: `MAJOR[.MINOR[.PATCH[.REVISION]]][-RELEASE][+METADATA]`; missing parts are 0 (`1.0 = 1.0.0.0`),
//!   leading zeros are ignored (`1.01 = 1.1`), a leading `v` is accepted. Numbers have no size limit here.
//! - A version with a release label sorts before the same version without one. Labels are split at `.` and
//!   compared part by part: two numeric parts numerically, a numeric part below an alphanumeric one, two
//!   alphanumeric parts case-insensitively (ordinal, upper-cased); a label that is a prefix of a longer one sorts
//!   first (`1.0.0-beta < 1.0.0-beta.1`).
//! - Metadata after `+` is ignored (`1.0.0+a = 1.0.0+b`).

use crate::num::Num;
use std::cmp::Ordering;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Label {
    Num(Num),
    /// Upper-cased.
    Text(Box<str>),
}

/// A parsed NuGet version.
#[derive(Clone, Debug)]
pub(crate) struct NuGetVersion {
    parts: [Num; 4],
    release: Vec<Label>,
}

pub(crate) fn parse(s: &str) -> Result<NuGetVersion, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("version string is empty".into());
    }
    let t = t.strip_prefix(['v', 'V']).unwrap_or(t);
    let (rest, meta) = t.split_once('+').map_or((t, None), |(r, m)| (r, Some(m)));
    if let Some(m) = meta
        && !m
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
    {
        return Err("invalid metadata".into());
    }
    let (nums, label) = rest
        .split_once('-')
        .map_or((rest, None), |(n, l)| (n, Some(l)));
    let mut parts = [Num::ZERO, Num::ZERO, Num::ZERO, Num::ZERO];
    for (count, p) in nums.split('.').enumerate() {
        if count == 4 {
            return Err("more than four version numbers".into());
        }
        if !crate::num::all_digits(p) {
            return Err(format!("version number {p:?} is not a number"));
        }
        parts[count] = Num::from_digits(p);
    }
    let release = match label {
        None => Vec::new(),
        Some(l) => {
            let mut out = Vec::new();
            for p in l.split('.') {
                if p.is_empty() || !p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                    return Err(format!("invalid release label part {p:?}"));
                }
                out.push(if crate::num::all_digits(p) {
                    Label::Num(Num::from_digits(p))
                } else {
                    Label::Text(p.to_ascii_uppercase().into())
                });
            }
            out
        }
    };
    Ok(NuGetVersion { parts, release })
}

impl NuGetVersion {
    pub(crate) fn is_prerelease(&self) -> bool {
        !self.release.is_empty()
    }
}

fn cmp_label(a: &Label, b: &Label) -> Ordering {
    match (a, b) {
        (Label::Num(x), Label::Num(y)) => x.cmp(y),
        (Label::Num(_), Label::Text(_)) => Ordering::Less,
        (Label::Text(_), Label::Num(_)) => Ordering::Greater,
        (Label::Text(x), Label::Text(y)) => x.cmp(y),
    }
}

impl Ord for NuGetVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.parts.cmp(&other.parts).then_with(|| {
            match (self.release.is_empty(), other.release.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => {
                    for (a, b) in self.release.iter().zip(&other.release) {
                        let r = cmp_label(a, b);
                        if r != Ordering::Equal {
                            return r;
                        }
                    }
                    self.release.len().cmp(&other.release.len())
                }
            }
        })
    }
}

impl PartialOrd for NuGetVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for NuGetVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for NuGetVersion {}

#[cfg(test)]
mod tests {
    use crate::{Scheme, compare};
    use std::cmp::Ordering::{Equal, Greater, Less};

    #[test]
    fn four_parts_and_labels() {
        let c = |a: &str, b: &str| compare(Scheme::NuGet, a, b).expect("valid");
        assert_eq!(c("1.0", "1.0.0.0"), Equal);
        assert_eq!(c("1.0.0.1", "1.0.0"), Greater);
        assert_eq!(c("1.0.0-BETA", "1.0.0-beta"), Equal);
        assert_eq!(c("1.0.0-beta.2", "1.0.0-beta.10"), Less);
        assert_eq!(c("1.0.0-beta", "1.0.0"), Less);
        assert!(compare(Scheme::NuGet, "1.0.0.0.0", "1").is_err());
    }
}
