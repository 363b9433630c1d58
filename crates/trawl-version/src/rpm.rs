//! RPM versions (Red Hat, Fedora, SUSE, CBL-Mariner, Amazon Linux, ...), ordered as rpm's `rpmvercmp` and
//! `labelCompare` order them.
//!
//! Syntax: `[epoch:]version[-release]`.
//! - The epoch is the text before the first `:` and is itself compared with `rpmvercmp` (so non-numeric epochs,
//!   which appear in some feeds, still have an order). A missing epoch means `0`.
//! - The release is the text after the last `-` (of what follows the epoch). A missing release sorts before any
//!   release, even an empty one (`1 < 1-`), as rpm's `labelCompare` does for an absent value.
//!
//! `rpmvercmp`: identical strings are equal. Otherwise both strings are cut into runs of ASCII digits or ASCII
//! letters; every other character only separates runs, except `~` and `^`:
//! - `~` sorts before everything, including the end of the string (`1.0~rc1 < 1.0`);
//! - `^` sorts after the end of the string but before anything else (`1.0 < 1.0^git1 < 1.0.1`).
//!
//! A digit run is greater than a letter run; digit runs compare numerically, letter runs byte-wise. When one
//! string runs out, the one with something left is greater. Non-ASCII bytes are separators.

use std::cmp::Ordering;

/// A parsed RPM EVR.
#[derive(Clone, Debug)]
pub(crate) struct RpmVersion {
    epoch: Box<str>,
    version: Box<str>,
    release: Option<Box<str>>,
}

pub(crate) fn parse(s: &str) -> Result<RpmVersion, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("version string is empty".into());
    }
    if s.chars().any(char::is_whitespace) {
        return Err("version string has embedded whitespace".into());
    }
    let (epoch, rest) = match s.split_once(':') {
        Some((e, rest)) => (if e.is_empty() { "0" } else { e }, rest),
        None => ("0", s),
    };
    let (version, release) = match rest.rfind('-') {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    Ok(RpmVersion {
        epoch: epoch.into(),
        version: version.into(),
        release: release.map(Into::into),
    })
}

fn is_sep(c: u8) -> bool {
    !c.is_ascii_alphanumeric() && c != b'~' && c != b'^'
}

/// rpm's `rpmvercmp`.
pub(crate) fn rpmvercmp(a: &[u8], b: &[u8]) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let (mut i, mut j) = (0usize, 0usize);
    loop {
        while i < a.len() && is_sep(a[i]) {
            i += 1;
        }
        while j < b.len() && is_sep(b[j]) {
            j += 1;
        }
        let (ca, cb) = (a.get(i).copied(), b.get(j).copied());
        if ca.is_none() && cb.is_none() {
            return Ordering::Equal;
        }
        if ca == Some(b'~') || cb == Some(b'~') {
            if ca != Some(b'~') {
                return Ordering::Greater;
            }
            if cb != Some(b'~') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        if ca == Some(b'^') || cb == Some(b'^') {
            if ca.is_none() {
                return Ordering::Less;
            }
            if cb.is_none() {
                return Ordering::Greater;
            }
            if ca != Some(b'^') {
                return Ordering::Greater;
            }
            if cb != Some(b'^') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        let (Some(ca), Some(_)) = (ca, cb) else {
            break;
        };
        let isnum = ca.is_ascii_digit();
        let run = |s: &[u8], k: usize| -> usize {
            let mut e = k;
            while e < s.len()
                && (if isnum {
                    s[e].is_ascii_digit()
                } else {
                    s[e].is_ascii_alphabetic()
                })
            {
                e += 1;
            }
            e
        };
        let (ei, ej) = (run(a, i), run(b, j));
        if ej == j {
            // Different kinds of run: the numeric one is newer.
            return if isnum {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        let (sa, sb) = (&a[i..ei], &b[j..ej]);
        let r = if isnum {
            let sa = trim_zeros(sa);
            let sb = trim_zeros(sb);
            sa.len().cmp(&sb.len()).then_with(|| sa.cmp(sb))
        } else {
            sa.cmp(sb)
        };
        if r != Ordering::Equal {
            return r;
        }
        i = ei;
        j = ej;
    }
    // One string ran out: the one with something left (that is not a separator) is newer.
    match (i >= a.len(), j >= b.len()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        _ => Ordering::Greater,
    }
}

fn trim_zeros(s: &[u8]) -> &[u8] {
    let k = s.iter().position(|&c| c != b'0').unwrap_or(s.len());
    &s[k..]
}

impl Ord for RpmVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        rpmvercmp(self.epoch.as_bytes(), other.epoch.as_bytes())
            .then_with(|| rpmvercmp(self.version.as_bytes(), other.version.as_bytes()))
            .then_with(|| match (&self.release, &other.release) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Less,
                (Some(_), None) => Ordering::Greater,
                (Some(a), Some(b)) => rpmvercmp(a.as_bytes(), b.as_bytes()),
            })
    }
}

impl PartialOrd for RpmVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for RpmVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for RpmVersion {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vercmp_basics() {
        assert_eq!(rpmvercmp(b"1.0~rc1", b"1.0"), Ordering::Less);
        assert_eq!(rpmvercmp(b"1.0^git1", b"1.0"), Ordering::Greater);
        assert_eq!(rpmvercmp(b"1.0^git1", b"1.0.1"), Ordering::Less);
        assert_eq!(rpmvercmp(b"2.0", b"2_0"), Ordering::Equal);
        assert_eq!(rpmvercmp(b"1.a", b"1.1"), Ordering::Less);
        assert_eq!(rpmvercmp(b"1.0.", b"1.0"), Ordering::Equal);
    }
}
