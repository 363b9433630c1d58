//! The explicit fallback for ecosystems without a dedicated scheme.
//!
//! A version is read as a sequence of tokens: runs of ASCII digits (compared numerically, any size) and runs of
//! other alphanumeric characters (compared case-insensitively); everything else (`.`, `-`, `_`, `+`, ...) only
//! separates tokens, and a leading `v` is ignored. Sequences compare token by token with
//! `word < end of version < number`, so `1.0rc1 < 1.0 < 1.0.1` and `1.0 = 1.0.0` is *not* assumed (`1.0 < 1.0.0`).
//! This is a total order; it is right for the common "dotted numbers with an optional pre-release word" shape
//! and makes no claim beyond that.

use crate::num::Num;
use std::cmp::Ordering;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Word(Box<str>),
    Num(Num),
}

/// A parsed generic version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct GenericVersion(Vec<Tok>);

pub(crate) fn parse(s: &str) -> Result<GenericVersion, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("version string is empty".into());
    }
    let s = s
        .strip_prefix(['v', 'V'])
        .filter(|r| r.starts_with(|c: char| c.is_ascii_digit()))
        .unwrap_or(s);
    let mut toks = Vec::new();
    let mut chars = s.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        if c.is_ascii_digit() {
            let mut end = i;
            while let Some(&(j, d)) = chars.peek() {
                if !d.is_ascii_digit() {
                    break;
                }
                end = j + 1;
                chars.next();
            }
            toks.push(Tok::Num(Num::from_digits(&s[i..end])));
        } else if c.is_alphanumeric() {
            let mut end = i;
            while let Some(&(j, d)) = chars.peek() {
                if !d.is_alphanumeric() || d.is_ascii_digit() {
                    break;
                }
                end = j + d.len_utf8();
                chars.next();
            }
            toks.push(Tok::Word(s[i..end].to_lowercase().into()));
        } else {
            chars.next();
        }
    }
    if toks.is_empty() {
        return Err("version has no digits or letters".into());
    }
    Ok(GenericVersion(toks))
}

/// Rank of a token kind, with the end of the version between words and numbers.
fn rank(t: Option<&Tok>) -> u8 {
    match t {
        Some(Tok::Word(_)) => 0,
        None => 1,
        Some(Tok::Num(_)) => 2,
    }
}

impl Ord for GenericVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let n = self.0.len().max(other.0.len());
        for k in 0..n {
            let (a, b) = (self.0.get(k), other.0.get(k));
            let r = match (a, b) {
                (Some(Tok::Num(x)), Some(Tok::Num(y))) => x.cmp(y),
                (Some(Tok::Word(x)), Some(Tok::Word(y))) => x.cmp(y),
                _ => rank(a).cmp(&rank(b)),
            };
            if r != Ordering::Equal {
                return r;
            }
        }
        Ordering::Equal
    }
}

impl PartialOrd for GenericVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(a: &str, b: &str) -> Ordering {
        parse(a).expect("a").cmp(&parse(b).expect("b"))
    }

    #[test]
    fn order() {
        assert_eq!(c("1.0rc1", "1.0"), Ordering::Less);
        assert_eq!(c("1.0", "1.0.1"), Ordering::Less);
        assert_eq!(c("v1.10", "1.9"), Ordering::Greater);
        assert_eq!(c("1.0-RC1", "1.0rc1"), Ordering::Equal);
        assert!(parse("...").is_err());
    }
}
