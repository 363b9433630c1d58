//! RubyGems versions, ordered as `Gem::Version#<=>` orders them.
//!
//! - Syntax (`Gem::Version::ANCHORED_VERSION_PATTERN`): `N(.ALNUM)*[-ALNUM(.ALNUM)*]`, surrounding whitespace
//!   ignored. A `-` is rewritten to `.pre.` (`1.0-rc1` = `1.0.pre.rc1`). Strings RubyGems itself rejects but
//!   that advisories use (`1beta`) are read the same way as long as they only contain letters, digits, `.`
//!   and `-`.
//! - Segments are the runs of digits (numbers, any size) and of letters (strings), so `1.0.a10` = `1.0.a.10`.
//! - A version containing a letter is a pre-release. Canonical form: trailing zero numbers are dropped from the
//!   release part and from the pre-release part separately (`1.0.0.a.0` = `1.a`).
//! - Comparison walks the canonical segments, a missing segment counting as `0`; a string sorts below a number
//!   (`1.0.b1 < 1.0`); strings compare byte-wise (case-sensitive), numbers numerically.
//! - `~>` requirements use `bump`: drop everything from the first string segment on, drop the last number if
//!   more than one remains, increment the last (`~> 1.2.3` = `>= 1.2.3, < 1.3`).

use crate::num::Num;
use std::cmp::Ordering;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Seg {
    Num(Num),
    Str(Box<str>),
}

/// A parsed RubyGems version (canonical segments).
#[derive(Clone, Debug)]
pub(crate) struct GemVersion {
    canonical: Vec<Seg>,
    prerelease: bool,
    /// Segments before the first string (the `release`).
    release: Vec<Seg>,
}

fn segments(s: &str) -> Vec<Seg> {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let st = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            out.push(Seg::Num(Num::from_digits(&s[st..i])));
        } else if b[i].is_ascii_alphabetic() {
            let st = i;
            while i < b.len() && b[i].is_ascii_alphabetic() {
                i += 1;
            }
            out.push(Seg::Str(s[st..i].into()));
        } else {
            i += 1;
        }
    }
    out
}

fn drop_trailing_zeros(v: &mut Vec<Seg>) {
    while matches!(v.last(), Some(Seg::Num(n)) if n.is_zero()) {
        v.pop();
    }
}

pub(crate) fn parse(s: &str) -> Result<GemVersion, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("version string is empty".into());
    }
    if !t
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
    {
        return Err("only letters, digits, '.' and '-' are allowed".into());
    }
    if !t.as_bytes()[0].is_ascii_digit() {
        return Err("does not start with a number".into());
    }
    Ok(parse_rewritten(t))
}

fn parse_rewritten(t: &str) -> GemVersion {
    let rewritten = t.replace('-', ".pre.");
    let segs = segments(&rewritten);
    let string_start = segs
        .iter()
        .position(|s| matches!(s, Seg::Str(_)))
        .unwrap_or(segs.len());
    let mut numeric: Vec<Seg> = segs[..string_start].to_vec();
    let mut strings: Vec<Seg> = segs[string_start..].to_vec();
    let release = numeric.clone();
    drop_trailing_zeros(&mut numeric);
    drop_trailing_zeros(&mut strings);
    numeric.extend(strings);
    let prerelease = rewritten.bytes().any(|b| b.is_ascii_alphabetic());
    GemVersion {
        canonical: numeric,
        prerelease,
        release,
    }
}

impl GemVersion {
    pub(crate) fn is_prerelease(&self) -> bool {
        self.prerelease
    }

    /// `Gem::Version#release`: the version without its pre-release part.
    pub(crate) fn release(&self) -> GemVersion {
        let mut canonical = self.release.clone();
        drop_trailing_zeros(&mut canonical);
        GemVersion {
            canonical,
            prerelease: false,
            release: self.release.clone(),
        }
    }
}

/// `Gem::Version#bump` of the version text, or `None` when it has no number.
pub(crate) fn bump(s: &str) -> Option<String> {
    let t = s.trim().replace('-', ".pre.");
    let segs = segments(&t);
    let string_start = segs
        .iter()
        .position(|s| matches!(s, Seg::Str(_)))
        .unwrap_or(segs.len());
    let mut nums: Vec<String> = segs[..string_start]
        .iter()
        .map(|s| match s {
            Seg::Num(Num::Small(v)) => v.to_string(),
            Seg::Num(Num::Big(b)) => b.to_string(),
            Seg::Str(x) => x.to_string(),
        })
        .collect();
    if nums.len() > 1 {
        nums.pop();
    }
    let last = nums.last_mut()?;
    *last = increment_decimal(last);
    Some(nums.join("."))
}

fn increment_decimal(s: &str) -> String {
    let mut digits: Vec<u8> = s.bytes().collect();
    let mut k = digits.len();
    loop {
        if k == 0 {
            digits.insert(0, b'1');
            break;
        }
        k -= 1;
        if digits[k] == b'9' {
            digits[k] = b'0';
        } else {
            digits[k] += 1;
            break;
        }
    }
    String::from_utf8(digits).unwrap_or_default()
}

impl Ord for GemVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        const ZERO: Seg = Seg::Num(Num::ZERO);
        let n = self.canonical.len().max(other.canonical.len());
        for k in 0..n {
            let a = self.canonical.get(k).unwrap_or(&ZERO);
            let b = other.canonical.get(k).unwrap_or(&ZERO);
            let r = match (a, b) {
                (Seg::Num(x), Seg::Num(y)) => x.cmp(y),
                (Seg::Str(_), Seg::Num(_)) => Ordering::Less,
                (Seg::Num(_), Seg::Str(_)) => Ordering::Greater,
                (Seg::Str(x), Seg::Str(y)) => x.cmp(y),
            };
            if r != Ordering::Equal {
                return r;
            }
        }
        Ordering::Equal
    }
}

impl PartialOrd for GemVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for GemVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for GemVersion {}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(a: &str, b: &str) -> Ordering {
        parse(a).expect("a").cmp(&parse(b).expect("b"))
    }

    #[test]
    fn order_and_bump() {
        assert_eq!(c("1.0.a10", "1.0.a.10"), Ordering::Equal);
        assert_eq!(c("1.0.b1", "1.0"), Ordering::Less);
        assert_eq!(c("1.0.0.a.0", "1.a"), Ordering::Equal);
        assert_eq!(c("1-a", "1.pre.a"), Ordering::Equal);
        assert_eq!(bump("1.2.3").as_deref(), Some("1.3"));
        assert_eq!(bump("1.2.a").as_deref(), Some("2"));
        assert_eq!(bump("1").as_deref(), Some("2"));
        assert_eq!(bump("1.9").as_deref(), Some("2"));
        assert_eq!(bump("1.9.9").as_deref(), Some("1.10"));
    }
}
