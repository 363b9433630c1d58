//! Upstream release versions of software found outside package managers (binaries matched by CPE): `1.22.1`,
//! `3.11.2`, `17.0.9+9`, `1.1.1w`, `3.12.0a1`, `8.0.0-rc1`, `21-ea`.
//!
//! A version is a sequence of tokens: runs of ASCII digits (compared numerically, any size) and runs of letters
//! (compared case-insensitively); `.`, `-`, `_`, `+`, `~` only separate them, and a leading `v` is ignored.
//! Tokens compare position by position with `pre-release word < end of version < other word < number`:
//! - a **pre-release word** is one of `alpha`, `beta`, `pre`, `preview`, `rc`, `dev`, `snapshot`, `ea`,
//!   `milestone`, or a single `a`/`b`/`c`/`m` followed directly by digits (Python's `3.12.0a1`,
//!   `3.12.0b2`, `3.12.0c1`): `3.12.0a1 < 3.12.0`, `8.0.0-rc1 < 8.0.0`, `21-ea < 21`;
//! - any **other word** is a post-release letter, as OpenSSL numbers its 1.x patch releases:
//!   `1.1.1 < 1.1.1a < 1.1.1w < 1.1.1za < 1.1.2`;
//! - a number after the end is later: `17.0.9 < 17.0.9+9 < 17.0.10` (OpenJDK build numbers).
//!
//! Where it differs from [`generic`](crate::generic): there every word sorts before the end, so `1.1.1w < 1.1.1`,
//! which is wrong for OpenSSL. `1.0` and `1.0.0` are not equal (`1.0 < 1.0.0`), as in the generic order; CVE
//! records and NVD name the full version of the programs this scheme is used for.

use crate::num::Num;
use std::cmp::Ordering;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Pre(Box<str>),
    Post(Box<str>),
    Num(Num),
}

/// A parsed upstream version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct UpstreamVersion(Vec<Tok>);

const PRE_WORDS: &[&str] = &[
    "alpha",
    "beta",
    "pre",
    "preview",
    "rc",
    "dev",
    "snapshot",
    "ea",
    "milestone",
];

pub(crate) fn parse(s: &str) -> Result<UpstreamVersion, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("version string is empty".into());
    }
    let s = s
        .strip_prefix(['v', 'V'])
        .filter(|r| r.starts_with(|c: char| c.is_ascii_digit()))
        .unwrap_or(s);
    let b = s.as_bytes();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            toks.push(Tok::Num(Num::from_digits(&s[start..i])));
        } else if c.is_ascii_alphabetic() {
            let start = i;
            while i < b.len() && b[i].is_ascii_alphabetic() {
                i += 1;
            }
            let word = s[start..i].to_ascii_lowercase();
            let digit_follows = b.get(i).is_some_and(u8::is_ascii_digit);
            let pre = PRE_WORDS.contains(&word.as_str())
                || (digit_follows && matches!(word.as_str(), "a" | "b" | "c" | "m"));
            toks.push(if pre {
                Tok::Pre(word.into())
            } else {
                Tok::Post(word.into())
            });
        } else if matches!(c, b'.' | b'-' | b'_' | b'+' | b'~') {
            i += 1;
        } else {
            return Err(format!("unexpected character {:?}", s[i..].chars().next()));
        }
    }
    if !matches!(toks.first(), Some(Tok::Num(_))) {
        return Err("an upstream version starts with a number".into());
    }
    Ok(UpstreamVersion(toks))
}

fn rank(t: Option<&Tok>) -> u8 {
    match t {
        Some(Tok::Pre(_)) => 0,
        None => 1,
        Some(Tok::Post(_)) => 2,
        Some(Tok::Num(_)) => 3,
    }
}

impl Ord for UpstreamVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let n = self.0.len().max(other.0.len());
        for k in 0..n {
            let (a, b) = (self.0.get(k), other.0.get(k));
            let r = match (a, b) {
                (Some(Tok::Num(x)), Some(Tok::Num(y))) => x.cmp(y),
                (Some(Tok::Pre(x)), Some(Tok::Pre(y)))
                | (Some(Tok::Post(x)), Some(Tok::Post(y))) => x.cmp(y),
                _ => rank(a).cmp(&rank(b)),
            };
            if r != Ordering::Equal {
                return r;
            }
        }
        Ordering::Equal
    }
}

impl PartialOrd for UpstreamVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(a: &str, b: &str) -> Ordering {
        parse(a).expect(a).cmp(&parse(b).expect(b))
    }

    #[test]
    fn order() {
        for (a, b) in [
            ("1.1.1", "1.1.1a"),
            ("1.1.1a", "1.1.1w"),
            ("1.1.1w", "1.1.1za"),
            ("1.1.1za", "1.1.2"),
            ("1.0.2u", "1.1.0"),
            ("3.12.0a1", "3.12.0b2"),
            ("3.12.0b2", "3.12.0rc1"),
            ("3.12.0rc1", "3.12.0"),
            ("8.0.0-rc1", "8.0.0"),
            ("21-ea", "21"),
            ("17.0.9", "17.0.9+9"),
            ("17.0.9+9", "17.0.10+7"),
            ("1.22.1", "1.23.0"),
            ("7.88.1", "8.4.0"),
            ("2.4.9", "2.4.62"),
            ("10.11.6", "11.0.0"),
            ("1.0", "1.0.0"),
        ] {
            assert_eq!(c(a, b), Ordering::Less, "{a} < {b}");
            assert_eq!(c(b, a), Ordering::Greater, "{b} > {a}");
        }
        assert_eq!(c("v1.21.3", "1.21.3"), Ordering::Equal);
        assert_eq!(c("3.0.0-ALPHA1", "3.0.0alpha1"), Ordering::Equal);
    }

    #[test]
    fn rejects() {
        for bad in ["", "abc", "1.2 3", "1.2/3", "-"] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
