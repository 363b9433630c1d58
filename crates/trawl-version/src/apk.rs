//! Alpine (apk) package versions, ordered as current apk-tools orders them (`apk version -t`).
//!
//! Syntax: `N(.N)*[a-z]?(_SUFFIX[N])*[~HEX][-rN]`, with suffixes `alpha < beta < pre < rc < (none) < cvs < svn <
//! git < hg < p`.
//!
//! apk reads a version as a stream of tokens (initial number, `.number`, letter, `_suffix`, suffix number,
//! `~commit-hash`, `-rN` revision) and compares token by token:
//! - numbers numerically, except that a `.number` with a leading zero on either side compares as a string
//!   (Gentoo's rule: `1.02 < 1.1`);
//! - letters and suffixes by their rank, commit hashes as strings;
//! - when the token kinds differ, the version that goes on with a pre-release suffix is older; otherwise the
//!   version whose next token kind ranks later (revision, end, invalid) is older: `1.2 < 1.2.1`, `1.2_rc1 < 1.2`,
//!   `1.2 < 1.2_p1`, `1.2 < 1.2-r1`.
//! - A token that breaks the grammar (`1.2.0A`, `1-ruff`, `.r1`) becomes an "invalid" token that ranks after
//!   everything, and the comparison stops there: two versions that both turn invalid at the same point compare
//!   equal (`1-r0-1 = 1-r0-2`).
//!
//! Older apk-tools 2.x treated some malformed versions differently; this follows current apk-tools.

use std::cmp::Ordering;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    InitialDigit,
    Digit,
    Letter,
    Suffix,
    SuffixNo,
    CommitHash,
    RevisionNo,
    End,
    Invalid,
}

/// Suffix ranks; `NONE` (5) is the pivot between pre- and post-release suffixes.
const SUFFIX_NONE: u8 = 5;

fn suffix_rank(s: &[u8]) -> Option<u8> {
    Some(match s {
        b"alpha" => 1,
        b"beta" => 2,
        b"pre" => 3,
        b"rc" => 4,
        b"cvs" => 6,
        b"svn" => 7,
        b"git" => 8,
        b"hg" => 9,
        b"p" => 10,
        _ => return None,
    })
}

#[derive(Clone, Copy, Debug)]
struct Token<'a> {
    kind: Kind,
    /// The token's text (digits, letter, suffix name, hash).
    value: &'a [u8],
    suffix: u8,
}

struct Lexer<'a> {
    rest: &'a [u8],
    tok: Token<'a>,
}

impl<'a> Lexer<'a> {
    fn new(s: &'a [u8]) -> Lexer<'a> {
        let mut lx = Lexer {
            rest: s,
            tok: Token {
                kind: Kind::InitialDigit,
                value: &[],
                suffix: 0,
            },
        };
        lx.digits(Kind::InitialDigit);
        lx
    }

    fn digits(&mut self, kind: Kind) {
        let n = self.rest.iter().take_while(|b| b.is_ascii_digit()).count();
        self.tok.value = &self.rest[..n];
        self.rest = &self.rest[n..];
        self.tok.kind = if n == 0 { Kind::Invalid } else { kind };
    }

    fn next(&mut self) {
        let Some(&c) = self.rest.first() else {
            self.tok.kind = Kind::End;
            return;
        };
        let cur = self.tok.kind;
        match c {
            b'a'..=b'z' if cur <= Kind::Digit => {
                self.tok.value = &self.rest[..1];
                self.tok.kind = Kind::Letter;
                self.rest = &self.rest[1..];
            }
            b'.' if cur <= Kind::Digit => {
                self.rest = &self.rest[1..];
                self.digits(Kind::Digit);
            }
            b'0'..=b'9' if cur <= Kind::Digit => self.digits(Kind::Digit),
            b'0'..=b'9' if cur == Kind::Suffix => self.digits(Kind::SuffixNo),
            b'_' if cur <= Kind::SuffixNo => {
                self.rest = &self.rest[1..];
                let n = self
                    .rest
                    .iter()
                    .take_while(|b| b.is_ascii_lowercase())
                    .count();
                self.tok.value = &self.rest[..n];
                self.rest = &self.rest[n..];
                match suffix_rank(self.tok.value) {
                    Some(r) => {
                        self.tok.suffix = r;
                        self.tok.kind = Kind::Suffix;
                    }
                    None => self.tok.kind = Kind::Invalid,
                }
            }
            b'~' if cur < Kind::CommitHash => {
                self.rest = &self.rest[1..];
                let n = self
                    .rest
                    .iter()
                    .take_while(|b| b.is_ascii_hexdigit())
                    .count();
                self.tok.value = &self.rest[..n];
                self.rest = &self.rest[n..];
                self.tok.kind = if n == 0 {
                    Kind::Invalid
                } else {
                    Kind::CommitHash
                };
            }
            b'-' if cur < Kind::RevisionNo && self.rest.starts_with(b"-r") => {
                self.rest = &self.rest[2..];
                self.digits(Kind::RevisionNo);
            }
            _ => self.tok.kind = Kind::Invalid,
        }
    }
}

fn cmp_num(a: &[u8], b: &[u8]) -> Ordering {
    // Digit runs: compare numerically without overflow.
    let ta = &a[a.iter().position(|&c| c != b'0').unwrap_or(a.len())..];
    let tb = &b[b.iter().position(|&c| c != b'0').unwrap_or(b.len())..];
    ta.len().cmp(&tb.len()).then_with(|| ta.cmp(tb))
}

fn token_cmp(a: &Token<'_>, b: &Token<'_>) -> Ordering {
    match a.kind {
        Kind::Digit if a.value.first() == Some(&b'0') || b.value.first() == Some(&b'0') => {
            a.value.cmp(b.value)
        }
        Kind::Digit | Kind::InitialDigit | Kind::SuffixNo | Kind::RevisionNo => {
            cmp_num(a.value, b.value)
        }
        Kind::Letter => a.value.cmp(b.value),
        Kind::Suffix => a.suffix.cmp(&b.suffix),
        _ => a.value.cmp(b.value),
    }
}

/// apk-tools' version comparison.
pub(crate) fn compare(a: &str, b: &str) -> Ordering {
    let mut la = Lexer::new(a.as_bytes());
    let mut lb = Lexer::new(b.as_bytes());
    while la.tok.kind == lb.tok.kind && la.tok.kind < Kind::End {
        let r = token_cmp(&la.tok, &lb.tok);
        if r != Ordering::Equal {
            return r;
        }
        la.next();
        lb.next();
    }
    let (ta, tb) = (la.tok, lb.tok);
    if ta.kind == tb.kind {
        return Ordering::Equal;
    }
    if ta.kind == Kind::Suffix && ta.suffix < SUFFIX_NONE {
        return Ordering::Less;
    }
    if tb.kind == Kind::Suffix && tb.suffix < SUFFIX_NONE {
        return Ordering::Greater;
    }
    // The version that continues with a later-ranked token kind is the older one.
    tb.kind.cmp(&ta.kind)
}

/// A parsed (validated for emptiness only: apk orders even malformed versions) apk version.
#[derive(Clone, Debug)]
pub(crate) struct ApkVersion(Box<str>);

pub(crate) fn parse(s: &str) -> Result<ApkVersion, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("version string is empty".into());
    }
    Ok(ApkVersion(s.into()))
}

impl Ord for ApkVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        compare(&self.0, &other.0)
    }
}

impl PartialOrd for ApkVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for ApkVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for ApkVersion {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basics() {
        assert_eq!(compare("1.2", "1.2_rc1"), Ordering::Greater);
        assert_eq!(compare("1.2", "1.2_p1"), Ordering::Less);
        assert_eq!(compare("1.2-r1", "1.2"), Ordering::Greater);
        assert_eq!(compare("1.02", "1.1"), Ordering::Less);
    }
}
