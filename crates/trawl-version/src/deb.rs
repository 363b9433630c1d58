//! Debian (and Ubuntu) package versions, ordered exactly as `dpkg --compare-versions` orders them.
//!
//! Syntax: `[epoch:]upstream[-revision]`.
//! - The epoch is the text before the first `:`; it must be a non-negative decimal number no larger than
//!   `i32::MAX` (dpkg rejects anything else). Missing epoch = 0.
//! - The revision is the text after the **last** `-`; missing revision compares equal to `0` (so `1.0 = 1.0-0`).
//!   A trailing `-` (empty revision) is an error, as is an empty upstream part or an empty version.
//! - Leading and trailing whitespace is ignored; embedded whitespace is an error (dpkg's own rules).
//! - Characters outside dpkg's allowed set (and upstream versions not starting with a digit) are only warnings
//!   for dpkg, which still compares them; so do we.
//!
//! Comparison of upstream and revision (dpkg's `verrevcmp`): alternate non-digit and digit runs. Non-digit runs
//! are compared character by character where `~` sorts before everything (even the end of the string), then the
//! end of the string, then letters (ASCII order), then every other character (by its byte value, after letters).
//! Digit runs compare numerically (any length, leading zeros ignored).

use std::cmp::Ordering;

/// A parsed Debian version.
#[derive(Clone, Debug)]
pub(crate) struct DebVersion {
    epoch: u32,
    upstream: Box<str>,
    revision: Box<str>,
}

pub(crate) fn parse(s: &str) -> Result<DebVersion, String> {
    let s = s.trim_matches(|c: char| c.is_ascii_whitespace());
    if s.is_empty() {
        return Err("version string is empty".into());
    }
    if s.bytes().any(|b| b.is_ascii_whitespace()) {
        return Err("version string has embedded spaces".into());
    }
    let (epoch, rest) = match s.split_once(':') {
        Some((e, rest)) => {
            if e.is_empty() {
                return Err("epoch in version is empty".into());
            }
            if !e.bytes().all(|b| b.is_ascii_digit()) {
                return Err("epoch in version is not number".into());
            }
            let epoch: u32 = match e.parse::<u64>() {
                Ok(v) if v <= i32::MAX as u64 => v as u32,
                _ => return Err("epoch in version is too big".into()),
            };
            if rest.is_empty() {
                return Err("nothing after colon in version number".into());
            }
            (epoch, rest)
        }
        None => (0, s),
    };
    let (upstream, revision) = match rest.rfind('-') {
        Some(i) => {
            let rev = &rest[i + 1..];
            if rev.is_empty() {
                return Err("revision number is empty".into());
            }
            (&rest[..i], rev)
        }
        None => (rest, ""),
    };
    if upstream.is_empty() {
        return Err("version number is empty".into());
    }
    Ok(DebVersion {
        epoch,
        upstream: upstream.into(),
        revision: revision.into(),
    })
}

/// dpkg's character weight inside a non-digit run (`0` = end of string).
fn order(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(b'~') => -1,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        // dpkg reads `char` (signed on the platforms Debian ships): bytes >= 0x80 become negative and get +256,
        // which lands them on their unsigned value, between letters and ASCII punctuation.
        Some(c) if c >= 0x80 => i32::from(c),
        Some(c) => i32::from(c) + 256,
    }
}

/// dpkg's `verrevcmp` on two upstream (or revision) strings.
pub(crate) fn verrevcmp(a: &[u8], b: &[u8]) -> Ordering {
    let (mut i, mut j) = (0usize, 0usize);
    let at = |k: usize| a.get(k).copied();
    let bt = |k: usize| b.get(k).copied();
    while i < a.len() || j < b.len() {
        while at(i).is_some_and(|c| !c.is_ascii_digit())
            || bt(j).is_some_and(|c| !c.is_ascii_digit())
        {
            let (ac, bc) = (order(at(i)), order(bt(j)));
            if ac != bc {
                return ac.cmp(&bc);
            }
            i += 1;
            j += 1;
        }
        while at(i) == Some(b'0') {
            i += 1;
        }
        while bt(j) == Some(b'0') {
            j += 1;
        }
        let mut first_diff = Ordering::Equal;
        while at(i).is_some_and(|c| c.is_ascii_digit()) && bt(j).is_some_and(|c| c.is_ascii_digit())
        {
            if first_diff == Ordering::Equal {
                first_diff = a[i].cmp(&b[j]);
            }
            i += 1;
            j += 1;
        }
        if at(i).is_some_and(|c| c.is_ascii_digit()) {
            return Ordering::Greater;
        }
        if bt(j).is_some_and(|c| c.is_ascii_digit()) {
            return Ordering::Less;
        }
        if first_diff != Ordering::Equal {
            return first_diff;
        }
    }
    Ordering::Equal
}

impl Ord for DebVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| verrevcmp(self.upstream.as_bytes(), other.upstream.as_bytes()))
            .then_with(|| verrevcmp(self.revision.as_bytes(), other.revision.as_bytes()))
    }
}

impl PartialOrd for DebVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for DebVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for DebVersion {}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        parse(a).expect("valid").cmp(&parse(b).expect("valid"))
    }

    #[test]
    fn tilde_and_revision() {
        assert_eq!(cmp("1.0~rc1", "1.0"), Ordering::Less);
        assert_eq!(cmp("1.0", "1.0-0"), Ordering::Equal);
        assert_eq!(cmp("1:0.1", "2.0"), Ordering::Greater);
        assert_eq!(cmp("1.0a", "1.0+"), Ordering::Less);
        assert_eq!(cmp("1.0~~", "1.0~"), Ordering::Less);
    }

    #[test]
    fn errors() {
        assert!(parse("").is_err());
        assert!(parse("1.0-").is_err());
        assert!(parse(":1.0").is_err());
        assert!(parse("a:1.0").is_err());
        assert!(parse("1:").is_err());
        assert!(parse("1 0").is_err());
        assert!(parse("99999999999:1").is_err());
        assert!(parse("-1").is_err());
    }
}
