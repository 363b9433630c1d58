//! Python package versions (PyPI), ordered as `packaging.version.Version` orders them (PEP 440).
//!
//! Syntax (case-insensitive, surrounding whitespace and a leading `v` ignored):
//! `[N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]`, with the spelling variants PEP 440 normalises:
//! `alpha`/`beta`/`c`/`pre`/`preview` for pre-releases, `-N`/`rev`/`r` for post-releases, optional `.`, `-`, `_`
//! separators and implicit `0` numbers (`1.0a` = `1.0a0`).
//!
//! Order: epoch, then the release with trailing zeros ignored (`1.0 = 1.0.0`), then
//! `.devN` (of a plain release) < `aN` < `bN` < `rcN` < release < `.postN`, each level with its own `.devN`
//! before it; then the local label: none < any, segments compared one by one, numeric segments above
//! alphanumeric ones, alphanumeric ones case-insensitively.
//!
//! Strings that are not valid PEP 440 fall back to the pre-PEP 440 "legacy" order of setuptools /
//! `packaging` < 22 (`LegacyVersion`): they sort below every valid version and among themselves by their
//! legacy key. Modern `packaging` rejects them; old advisories still contain them.

use crate::num::Num;
use std::sync::LazyLock;

/// The PEP 440 (appendix B) version pattern.
static PEP440: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"(?ix)
        ^\s*v?
        (?:(?P<epoch>[0-9]+)!)?
        (?P<release>[0-9]+(?:\.[0-9]+)*)
        (?P<pre>[-_\.]?(?P<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_\.]?(?P<pre_n>[0-9]+)?)?
        (?P<post>(?:-(?P<post_n1>[0-9]+))|(?:[-_\.]?(?P<post_l>post|rev|r)[-_\.]?(?P<post_n2>[0-9]+)?))?
        (?P<dev>[-_\.]?(?P<dev_l>dev)[-_\.]?(?P<dev_n>[0-9]+)?)?
        (?:\+(?P<local>[a-z0-9]+(?:[-_\.][a-z0-9]+)*))?
        \s*$",
    )
    .expect("the PEP 440 pattern compiles")
});

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum LocalPart {
    // Declaration order matters: alphanumeric segments sort below numeric ones.
    Str(Box<str>),
    Num(Num),
}

/// Sort key of the pre-release slot.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Pre {
    /// A dev release with no pre/post part sorts before all pre-releases.
    DevOnly,
    /// `a` = 0, `b` = 1, `rc` = 2.
    Some(u8, Num),
    None,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Pep440 {
    epoch: Num,
    release: Vec<Num>,
    pre: Pre,
    /// None sorts first.
    post: Option<Num>,
    /// `None` = not a dev release, which sorts after any dev release.
    dev: DevKey,
    local: Option<Vec<LocalPart>>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum DevKey {
    Dev(Num),
    None,
}

/// Either a valid PEP 440 version or a legacy one (below all valid ones).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum PyVersion {
    Legacy(Vec<Box<str>>),
    Valid(Pep440),
}

fn num(m: Option<regex::Match<'_>>) -> Num {
    m.map_or(Num::ZERO, |m| Num::from_digits(m.as_str()))
}

/// Fast path for the common plain release (`1.2.3`): digits separated by single dots, nothing else.
fn plain_release(s: &str) -> Option<Pep440> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    let mut release = Vec::new();
    for part in s.split('.') {
        if part.is_empty() {
            return None;
        }
        release.push(Num::from_digits(part));
    }
    while release.last().is_some_and(Num::is_zero) {
        release.pop();
    }
    Some(Pep440 {
        epoch: Num::ZERO,
        release,
        pre: Pre::None,
        post: None,
        dev: DevKey::None,
        local: None,
    })
}

/// Parses a strictly valid PEP 440 version.
pub(crate) fn parse_strict(s: &str) -> Result<Pep440Version, String> {
    if let Some(v) = plain_release(s) {
        return Ok(Pep440Version(v));
    }
    let caps = PEP440
        .captures(s)
        .ok_or_else(|| "not a valid PEP 440 version".to_string())?;
    let epoch = num(caps.name("epoch"));
    let mut release: Vec<Num> = caps
        .name("release")
        .map_or("0", |m| m.as_str())
        .split('.')
        .map(Num::from_digits)
        .collect();
    while release.len() > 1 && release.last().is_some_and(Num::is_zero) {
        release.pop();
    }
    if release.len() == 1 && release[0].is_zero() {
        release.clear();
    }
    let pre = caps.name("pre_l").map(|l| {
        let l = l.as_str().to_ascii_lowercase();
        let rank = match l.as_str() {
            "a" | "alpha" => 0,
            "b" | "beta" => 1,
            _ => 2,
        };
        (rank, num(caps.name("pre_n")))
    });
    let post = if caps.name("post").is_some() {
        Some(num(caps.name("post_n1").or_else(|| caps.name("post_n2"))))
    } else {
        None
    };
    let dev = caps.name("dev").map(|_| num(caps.name("dev_n")));
    let local = caps.name("local").map(|l| {
        l.as_str()
            .split(['-', '_', '.'])
            .map(|p| {
                if p.bytes().all(|b| b.is_ascii_digit()) {
                    LocalPart::Num(Num::from_digits(p))
                } else {
                    LocalPart::Str(p.to_ascii_lowercase().into())
                }
            })
            .collect()
    });
    let pre_key = match (&pre, &post, &dev) {
        (None, None, Some(_)) => Pre::DevOnly,
        (None, _, _) => Pre::None,
        (Some((r, n)), _, _) => Pre::Some(*r, n.clone()),
    };
    Ok(Pep440Version(Pep440 {
        epoch,
        release,
        pre: pre_key,
        post,
        dev: dev.map_or(DevKey::None, DevKey::Dev),
        local,
    }))
}

/// A valid PEP 440 version (newtype so the struct stays private).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Pep440Version(Pep440);

/// setuptools' legacy key: digit runs zero-padded to 8, words prefixed with `*`, `-` as `*final-`.
fn legacy_key(s: &str) -> Vec<Box<str>> {
    let lower = s.to_lowercase();
    let mut parts: Vec<Box<str>> = Vec::new();
    let mut rest = lower.as_str();
    let mut raw: Vec<&str> = Vec::new();
    // Split like re.split(r"(\d+|[a-z]+|\.|-)"): keep the matched tokens and the text between them.
    while !rest.is_empty() {
        let bytes = rest.as_bytes();
        let len = if bytes[0].is_ascii_digit() {
            bytes.iter().take_while(|b| b.is_ascii_digit()).count()
        } else if bytes[0].is_ascii_lowercase() {
            bytes.iter().take_while(|b| b.is_ascii_lowercase()).count()
        } else if bytes[0] == b'.' || bytes[0] == b'-' {
            1
        } else {
            // Unmatched text up to the next token.
            rest.char_indices()
                .find(|(_, c)| {
                    c.is_ascii_digit() || c.is_ascii_lowercase() || *c == '.' || *c == '-'
                })
                .map_or(rest.len(), |(i, _)| i)
        };
        raw.push(&rest[..len]);
        rest = &rest[len..];
    }
    raw.push("*final");
    for part in raw {
        let part = match part {
            "pre" | "preview" | "rc" => "c",
            "-" => "final-",
            "dev" => "@",
            p => p,
        };
        if part.is_empty() || part == "." {
            continue;
        }
        let item: String = if part == "*final" {
            part.to_string()
        } else if part.as_bytes()[0].is_ascii_digit() {
            format!("{part:0>8}")
        } else {
            format!("*{part}")
        };
        if item.starts_with('*') {
            if item.as_str() < "*final" {
                while parts.last().is_some_and(|p| &**p == "*final-") {
                    parts.pop();
                }
            }
            while parts.last().is_some_and(|p| &**p == "00000000") {
                parts.pop();
            }
        }
        parts.push(item.into());
    }
    parts
}

pub(crate) fn parse(s: &str) -> Result<PyVersion, String> {
    if s.trim().is_empty() {
        return Err("version string is empty".into());
    }
    match parse_strict(s) {
        Ok(v) => Ok(PyVersion::Valid(v.0)),
        Err(_) => Ok(PyVersion::Legacy(legacy_key(s))),
    }
}

impl PyVersion {
    pub(crate) fn is_legacy(&self) -> bool {
        matches!(self, PyVersion::Legacy(_))
    }

    /// The release segment (trailing zeros removed) of a valid version.
    pub(crate) fn release(&self) -> Option<&[Num]> {
        match self {
            PyVersion::Valid(v) => Some(&v.release),
            PyVersion::Legacy(_) => None,
        }
    }

    /// Is this a pre-release (or dev release)?
    pub(crate) fn is_prerelease(&self) -> bool {
        match self {
            PyVersion::Valid(v) => {
                matches!(v.pre, Pre::Some(..) | Pre::DevOnly) || matches!(v.dev, DevKey::Dev(_))
            }
            PyVersion::Legacy(_) => false,
        }
    }

    /// The epoch of a valid version.
    pub(crate) fn epoch(&self) -> Option<&Num> {
        match self {
            PyVersion::Valid(v) => Some(&v.epoch),
            PyVersion::Legacy(_) => None,
        }
    }

    /// Has a local label (`+...`)?
    pub(crate) fn has_local(&self) -> bool {
        matches!(self, PyVersion::Valid(v) if v.local.is_some())
    }

    /// The same version without its local label.
    pub(crate) fn without_local(&self) -> PyVersion {
        match self {
            PyVersion::Valid(v) => PyVersion::Valid(Pep440 {
                local: None,
                ..v.clone()
            }),
            l @ PyVersion::Legacy(_) => l.clone(),
        }
    }

    /// `V.dev0` of this version without its local label (the first pre-release of it), for `<V`.
    pub(crate) fn dev0(&self) -> PyVersion {
        match self {
            PyVersion::Valid(v) => {
                let pre = if matches!(v.pre, Pre::None) && v.post.is_none() {
                    Pre::DevOnly
                } else {
                    v.pre.clone()
                };
                PyVersion::Valid(Pep440 {
                    pre,
                    dev: DevKey::Dev(Num::ZERO),
                    local: None,
                    ..v.clone()
                })
            }
            l @ PyVersion::Legacy(_) => l.clone(),
        }
    }

    /// Same epoch, release and pre-release as `other`, and a post-release while `other` has none.
    pub(crate) fn is_post_of(&self, other: &PyVersion) -> bool {
        match (self, other) {
            (PyVersion::Valid(a), PyVersion::Valid(b)) => {
                a.epoch == b.epoch
                    && a.release == b.release
                    && a.post.is_some()
                    && b.post.is_none()
                    && b.dev == DevKey::None
                    && match (&a.pre, &b.pre) {
                        (Pre::Some(x, n), Pre::Some(y, m)) => x == y && n == m,
                        (Pre::None, Pre::None) => true,
                        _ => false,
                    }
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> PyVersion {
        parse(s).expect("parses")
    }

    #[test]
    fn order() {
        let chain = [
            "1.0.dev0",
            "1.0a1.dev1",
            "1.0a1",
            "1.0b1",
            "1.0rc1",
            "1.0",
            "1.0+abc",
            "1.0+1",
            "1.0.post1.dev1",
            "1.0.post1",
            "1.1",
            "1!0.1",
        ];
        for w in chain.windows(2) {
            assert!(p(w[0]) < p(w[1]), "{} < {}", w[0], w[1]);
        }
        assert_eq!(p("1.0"), p("1.0.0"));
        assert_eq!(p("1.0-1"), p("1.0.post1"));
        assert_eq!(p("V1.0ALPHA"), p("1.0a0"));
        assert!(p("foo-bar").is_legacy());
        assert!(p("foo-bar") < p("0"));
    }
}
