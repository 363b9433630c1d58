//! npm package versions, ordered as the `semver` npm package (node-semver) orders them; also the shared
//! SemVer 2.0 core used by the Go, Cargo, Hex and Pub schemes.
//!
//! Strict syntax (node-semver's `FULL` pattern): `[v]MAJOR.MINOR.PATCH[-PRE][+BUILD]`, numbers without leading
//! zeros and at most 2^53 - 1, pre-release identifiers `0|[1-9][0-9]*|[0-9]*[A-Za-z-][A-Za-z0-9-]*`, at most 256
//! characters, surrounding whitespace ignored.
//!
//! Order (SemVer 2.0 precedence): major, minor, patch numerically; a version with a pre-release sorts before the
//! same version without; pre-release identifiers compare one by one, numeric ones numerically and below
//! alphanumeric ones, which compare by ASCII (case-sensitive: `R2 < r100`); a shorter list that is a prefix of
//! a longer one sorts first. Build metadata is ignored (`1.2.3+a = 1.2.3+b`).
//!
//! Lenient fallback (advisory feeds carry versions node-semver rejects, e.g. `1.2`, `1.2.3.4`, `1.2.3rc1`, or
//! numbers beyond 2^53): leading `v`/`=`, one or more dot-separated numbers of any size (missing ones are 0,
//! components beyond the third are treated as build metadata and ignored), then an optional pre-release with
//! or without `-`, then optional `+build`. For strictly valid input the two parsers agree. Deliberate
//! deviation: numeric pre-release identifiers above 2^53 compare exactly here, while JavaScript compares them
//! as doubles.

use crate::num::Num;
use std::cmp::Ordering;

/// One pre-release (or build) identifier.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Ident {
    Num(Num),
    Alpha(Box<str>),
}

impl Ord for Ident {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Ident::Num(a), Ident::Num(b)) => a.cmp(b),
            (Ident::Num(_), Ident::Alpha(_)) => Ordering::Less,
            (Ident::Alpha(_), Ident::Num(_)) => Ordering::Greater,
            (Ident::Alpha(a), Ident::Alpha(b)) => a.cmp(b),
        }
    }
}

impl PartialOrd for Ident {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A SemVer 2.0 version (major.minor.patch, pre-release, build).
#[derive(Clone, Debug)]
pub(crate) struct Semver {
    pub(crate) major: Num,
    pub(crate) minor: Num,
    pub(crate) patch: Num,
    pub(crate) pre: Vec<Ident>,
    pub(crate) build: Vec<Ident>,
}

impl Semver {
    /// Precedence per SemVer 2.0 (build ignored).
    pub(crate) fn cmp_precedence(&self, other: &Self) -> Ordering {
        self.major
            .cmp(&other.major)
            .then_with(|| self.minor.cmp(&other.minor))
            .then_with(|| self.patch.cmp(&other.patch))
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => self.pre.cmp(&other.pre),
            })
    }
}

fn ident(s: &str) -> Ident {
    if crate::num::all_digits(s) {
        Ident::Num(Num::from_digits(s))
    } else {
        Ident::Alpha(s.into())
    }
}

const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

fn strict_num(s: &str) -> Option<Num> {
    if !crate::num::all_digits(s) || (s.len() > 1 && s.starts_with('0')) {
        return None;
    }
    let n = Num::from_digits(s);
    match n.as_u64() {
        Some(v) if v <= MAX_SAFE_INTEGER => Some(n),
        _ => None,
    }
}

fn strict_pre_ident(s: &str) -> bool {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return false;
    }
    // Purely numeric identifiers must not have leading zeros.
    !(crate::num::all_digits(s) && s.len() > 1 && s.starts_with('0'))
}

fn build_ident(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// node-semver's strict parser.
pub(crate) fn parse_strict(s: &str) -> Option<Semver> {
    let s = s.trim();
    if s.len() > 256 {
        return None;
    }
    let s = s.strip_prefix('v').unwrap_or(s);
    let (rest, build) = match s.split_once('+') {
        Some((r, b)) => (r, Some(b)),
        None => (s, None),
    };
    let (main, pre) = match rest.split_once('-') {
        Some((m, p)) => (m, Some(p)),
        None => (rest, None),
    };
    let mut it = main.split('.');
    let major = strict_num(it.next()?)?;
    let minor = strict_num(it.next()?)?;
    let patch = strict_num(it.next()?)?;
    if it.next().is_some() {
        return None;
    }
    let pre = match pre {
        Some(p) => {
            let ids: Vec<&str> = p.split('.').collect();
            if !ids.iter().all(|i| strict_pre_ident(i)) {
                return None;
            }
            ids.into_iter().map(ident).collect()
        }
        None => Vec::new(),
    };
    let build = match build {
        Some(b) => {
            let ids: Vec<&str> = b.split('.').collect();
            if !ids.iter().all(|i| build_ident(i)) {
                return None;
            }
            ids.into_iter().map(ident).collect()
        }
        None => Vec::new(),
    };
    Some(Semver {
        major,
        minor,
        patch,
        pre,
        build,
    })
}

/// The lenient "SemVer-like" parser shared by every SemVer scheme (see the module docs).
pub(crate) fn parse_lenient(s: &str) -> Result<Semver, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("version string is empty".into());
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("version string has embedded whitespace".into());
    }
    let s = s.trim_start_matches(['v', 'V', '=']);
    let (rest, build) = match s.split_once('+') {
        Some((r, b)) => (r, b),
        None => (s, ""),
    };
    let bytes = rest.as_bytes();
    if !bytes.first().is_some_and(u8::is_ascii_digit) {
        return Err("does not start with a number".into());
    }
    let mut nums: Vec<&str> = Vec::new();
    let mut i = 0;
    loop {
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        nums.push(&rest[start..i]);
        if i + 1 < bytes.len() && bytes[i] == b'.' && bytes[i + 1].is_ascii_digit() {
            i += 1;
        } else {
            break;
        }
    }
    let mut pre_str = &rest[i..];
    if let Some(p) = pre_str.strip_prefix(['-', '.', '_']) {
        pre_str = p;
    }
    let pre = if pre_str.is_empty() {
        Vec::new()
    } else {
        pre_str.split('.').map(ident).collect()
    };
    let mut build_ids: Vec<Ident> = nums.iter().skip(3).map(|n| ident(n)).collect();
    if !build.is_empty() {
        build_ids.extend(build.split('.').map(ident));
    }
    let get = |k: usize| nums.get(k).map_or(Num::ZERO, |n| Num::from_digits(n));
    Ok(Semver {
        major: get(0),
        minor: get(1),
        patch: get(2),
        pre,
        build: build_ids,
    })
}

/// npm: strict first, lenient when node-semver would reject the string.
pub(crate) fn parse(s: &str) -> Result<Semver, String> {
    match parse_strict(s) {
        Some(v) => Ok(v),
        None => parse_lenient(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(a: &str, b: &str) -> Ordering {
        parse(a).expect("a").cmp_precedence(&parse(b).expect("b"))
    }

    #[test]
    fn precedence() {
        assert_eq!(c("1.0.0-alpha", "1.0.0-alpha.1"), Ordering::Less);
        assert_eq!(c("1.0.0-beta.11", "1.0.0-rc.1"), Ordering::Less);
        assert_eq!(c("1.0.0-rc.1", "1.0.0"), Ordering::Less);
        assert_eq!(c("1.2.3+a", "1.2.3+b"), Ordering::Equal);
        assert_eq!(c("v1.2.3", "1.2.3"), Ordering::Equal);
        assert_eq!(c("1.2", "1.2.0"), Ordering::Equal);
        assert!(parse_strict("1.2").is_none());
        assert!(parse_strict("01.2.3").is_none());
        assert!(parse_strict("1.2.3-01").is_none());
        assert!(parse("abc").is_err());
    }
}
