//! Packagist (Composer/PHP) versions, ordered as PHP's `version_compare()` orders them after Composer's light
//! normalisation.
//!
//! - A leading `v`/`V` is dropped (`v1.0 = 1.0`).
//! - Canonical form (PHP): `-`, `_`, `+` and every other non-alphanumeric character become `.`, and a `.` is
//!   inserted at every switch between digits and non-digits (`1.0rc1` -> `1.0.rc.1`).
//! - Parts compare left to right: numbers numerically (no size limit here; PHP's `strtol` saturates above
//!   2^63); words by their *special form*, found by prefix in this order: `dev` < `alpha` = `a` < `beta` = `b`
//!   < `RC` = `rc` < (a number) < `pl` = `p`; any other word ranks below `dev`. So `1.0-dev < 1.0a1 < 1.0b1 <
//!   1.0RC1 = 1.0rc1 < 1.0 < 1.0pl1`, and a number beats a word in the same position.
//! - `#` (PHP's internal name for "a number") is kept as a word that ranks like a number (`1.2.3.# = 1.2.3.1`,
//!   as the shared vectors require). That equality is not transitive (`1.2.3.# = 1.2.3` too), so the order is
//!   total only on versions without `#`, which real packages never use;
//!   and leading/trailing separators are dropped (PHP would rank `1.2.3.` below itself); a version with no
//!   letter or digit is an error.
//! - When one version runs out, the longer one is newer if its next part is a number, else it is compared as
//!   a word against a number (`1.0 < 1.0.0`, `1.0-dev < 1.0`, `1.0 < 1.0pl1`).

use crate::num::Num;
use std::cmp::Ordering;

/// A parsed Packagist version (PHP canonical form).
#[derive(Clone, Debug)]
pub(crate) struct PackagistVersion(Box<str>);

fn canonicalize(v: &[u8]) -> String {
    let mut out: Vec<u8> = Vec::with_capacity(v.len() * 2);
    let Some((&first, rest)) = v.split_first() else {
        return String::new();
    };
    out.push(first);
    let mut lp = first;
    let isdig = |c: u8| c.is_ascii_digit();
    let isndig = |c: u8| !c.is_ascii_digit() && c != b'.';
    for &c in rest {
        let lq = *out.last().unwrap_or(&b'.');
        if c == b'-' || c == b'_' || c == b'+' {
            if lq != b'.' {
                out.push(b'.');
            }
        } else if (isndig(lp) && isdig(c)) || (isdig(lp) && isndig(c)) {
            if lq != b'.' {
                out.push(b'.');
            }
            out.push(c);
        } else if !c.is_ascii_alphanumeric() && c != b'#' {
            if lq != b'.' {
                out.push(b'.');
            }
        } else {
            out.push(c);
        }
        lp = c;
    }
    // A trailing `.` would make PHP compare a version as less than itself; drop it.
    while out.last() == Some(&b'.') {
        out.pop();
    }
    // The input is ASCII (see `parse`), so this never replaces anything.
    String::from_utf8_lossy(&out).into_owned()
}

pub(crate) fn parse(s: &str) -> Result<PackagistVersion, String> {
    let t = s.trim();
    let t = t.strip_prefix(['v', 'V']).unwrap_or(t);
    // Non-ASCII bytes are separators (PHP's `isalnum` is ASCII-only); map them first so the canonical form is
    // ASCII throughout.
    let ascii: Vec<u8> = t
        .bytes()
        .map(|b| if b.is_ascii() { b } else { b'.' })
        .collect();
    let canonical = canonicalize(&ascii);
    // Leading separators would make empty parts, which PHP orders below themselves.
    let canonical = canonical.trim_start_matches('.');
    if canonical.is_empty() {
        return Err("version has no letters or digits".into());
    }
    Ok(PackagistVersion(canonical.into()))
}

/// PHP's `compare_special_version_forms` rank of a word (by prefix; unknown words rank lowest).
fn special(form: &[u8]) -> i32 {
    const FORMS: [(&[u8], i32); 10] = [
        (b"dev", 0),
        (b"alpha", 1),
        (b"a", 1),
        (b"beta", 2),
        (b"b", 2),
        (b"RC", 3),
        (b"rc", 3),
        (b"#", 4),
        (b"pl", 5),
        (b"p", 5),
    ];
    FORMS
        .iter()
        .find(|(name, _)| form.starts_with(name))
        .map_or(-1, |(_, r)| *r)
}

fn digits_prefix(p: &[u8]) -> &[u8] {
    let n = p.iter().take_while(|b| b.is_ascii_digit()).count();
    &p[..n]
}

fn cmp_num(a: &[u8], b: &[u8]) -> Ordering {
    Num::from_digits(std::str::from_utf8(digits_prefix(a)).unwrap_or("0")).cmp(&Num::from_digits(
        std::str::from_utf8(digits_prefix(b)).unwrap_or("0"),
    ))
}

const NUMBER: &[u8] = b"#N#";

/// PHP's `php_version_compare` on canonical strings.
fn php_compare(v1: &[u8], v2: &[u8]) -> Ordering {
    if v1.is_empty() || v2.is_empty() {
        return v1.len().min(1).cmp(&v2.len().min(1));
    }
    let (mut p1, mut p2) = (v1, v2);
    let mut n1 = true;
    let mut n2 = true;
    let mut compare = Ordering::Equal;
    // p1/p2: the text from the current part on; n1/n2: whether a `.` followed the previous part.
    while !p1.is_empty() && !p2.is_empty() && n1 && n2 {
        let d1 = p1.iter().position(|&c| c == b'.');
        let d2 = p2.iter().position(|&c| c == b'.');
        n1 = d1.is_some();
        n2 = d2.is_some();
        let e1 = &p1[..d1.unwrap_or(p1.len())];
        let e2 = &p2[..d2.unwrap_or(p2.len())];
        let dig1 = e1.first().is_some_and(u8::is_ascii_digit);
        let dig2 = e2.first().is_some_and(u8::is_ascii_digit);
        compare = if dig1 && dig2 {
            cmp_num(e1, e2)
        } else if !dig1 && !dig2 {
            special(e1).cmp(&special(e2))
        } else if dig1 {
            special(NUMBER).cmp(&special(e2))
        } else {
            special(e1).cmp(&special(NUMBER))
        };
        if compare != Ordering::Equal {
            break;
        }
        if let Some(d) = d1 {
            p1 = &p1[d + 1..];
        }
        if let Some(d) = d2 {
            p2 = &p2[d + 1..];
        }
    }
    if compare == Ordering::Equal {
        if n1 {
            compare = if p1.first().is_some_and(u8::is_ascii_digit) {
                Ordering::Greater
            } else {
                php_compare(p1, NUMBER)
            };
        } else if n2 {
            compare = if p2.first().is_some_and(u8::is_ascii_digit) {
                Ordering::Less
            } else {
                php_compare(NUMBER, p2)
            };
        }
    }
    compare
}

impl Ord for PackagistVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        php_compare(self.0.as_bytes(), other.0.as_bytes())
    }
}

impl PartialOrd for PackagistVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for PackagistVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for PackagistVersion {}
