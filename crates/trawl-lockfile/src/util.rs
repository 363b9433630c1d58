//! Shared helpers: format decoders with line numbers, de-duplication.

use crate::{Error, Result};
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use trawl_types::{Package, Relationship};

/// 1-based line of a byte offset.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// The content as UTF-8 (a lossy copy when it is not; a BOM is dropped).
/// Lines whose first non-blank bytes are `needle`: a cheap count of a lockfile's entries before it is parsed.
pub(crate) fn count_lines_starting(hay: &[u8], needle: &[u8]) -> usize {
    hay.split(|b| *b == b'\n')
        .filter(|l| l.trim_ascii_start().starts_with(needle))
        .count()
}

pub(crate) fn text(content: &[u8]) -> std::borrow::Cow<'_, str> {
    let content = content.strip_prefix(b"\xef\xbb\xbf").unwrap_or(content);
    String::from_utf8_lossy(content)
}

pub(crate) fn json<T: DeserializeOwned>(content: &[u8]) -> Result<T> {
    let content = content.strip_prefix(b"\xef\xbb\xbf").unwrap_or(content);
    serde_json::from_slice(content).map_err(|e| {
        if e.line() > 0 {
            Error::Syntax {
                line: e.line(),
                message: format!("invalid JSON: {e}"),
            }
        } else {
            Error::invalid(format!("invalid JSON: {e}"))
        }
    })
}

pub(crate) fn toml<T: DeserializeOwned>(content: &[u8]) -> Result<T> {
    let s = std::str::from_utf8(content).map_err(|e| Error::invalid(format!("not UTF-8: {e}")))?;
    toml::from_str(s).map_err(|e| {
        let msg = e.message().to_owned();
        match e.span() {
            Some(span) => Error::Syntax {
                line: line_of(s, span.start),
                message: format!("invalid TOML: {msg}"),
            },
            None => Error::invalid(format!("invalid TOML: {msg}")),
        }
    })
}

pub(crate) fn yaml<T: DeserializeOwned>(content: &[u8]) -> Result<T> {
    let s = text(content);
    serde_saphyr::from_str(&s).map_err(|e| {
        let msg = e.to_string();
        match e.location() {
            Some(loc) if loc.line() > 0 => Error::Syntax {
                line: usize::try_from(loc.line()).unwrap_or(usize::MAX),
                message: format!("invalid YAML: {}", msg.lines().next().unwrap_or_default()),
            },
            _ => Error::invalid(format!("invalid YAML: {msg}")),
        }
    })
}

fn rel_rank(r: Option<Relationship>) -> u8 {
    match r {
        Some(Relationship::Root) => 4,
        Some(Relationship::Workspace) => 3,
        Some(Relationship::Direct) => 2,
        Some(Relationship::Indirect) => 1,
        None => 0,
    }
}

/// Merges packages with the same (name, version, file path): dev only when every copy is dev, the strongest
/// relationship wins. Sorted by name, version.
pub(crate) fn dedup(pkgs: Vec<Package>) -> Vec<Package> {
    let mut index: HashMap<(String, String, String), usize> = HashMap::new();
    let mut out: Vec<Package> = Vec::with_capacity(pkgs.len());
    for p in pkgs {
        let key = (p.name.clone(), p.version.clone(), p.file_path.clone());
        if let Some(&i) = index.get(&key) {
            let q = &mut out[i];
            q.dev &= p.dev;
            if rel_rank(p.relationship) > rel_rank(q.relationship) {
                q.relationship = p.relationship;
            }
        } else {
            index.insert(key, out.len());
            out.push(p);
        }
    }
    out.sort_by(|a, b| {
        (&a.name, &a.version, &a.file_path).cmp(&(&b.name, &b.version, &b.file_path))
    });
    out
}

/// Strips `//` and `/* */` comments and trailing commas from JSONC (bun.lock), keeping line breaks so line
/// numbers stay right.
pub(crate) fn jsonc_to_json(s: &str) -> String {
    let no_comments = strip_jsonc(s.as_bytes(), true);
    let out = strip_jsonc(&no_comments, false);
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// One pass outside strings: drop comments (`comments`), or drop commas before `}`/`]`.
fn strip_jsonc(b: &[u8], comments: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    let mut in_str = false;
    while i < b.len() {
        let c = b[i];
        if in_str {
            out.push(c);
            if c == b'\\' && i + 1 < b.len() {
                out.push(b[i + 1]);
                i += 2;
                continue;
            }
            in_str = c != b'"';
            i += 1;
            continue;
        }
        if c == b'"' {
            in_str = true;
        } else if comments && c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            continue;
        } else if comments && c == b'/' && b.get(i + 1) == Some(&b'*') {
            i += 2;
            while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                if b[i] == b'\n' {
                    out.push(b'\n');
                }
                i += 1;
            }
            i += 2;
            continue;
        } else if !comments && c == b',' {
            let next = b[i + 1..].iter().find(|x| !x.is_ascii_whitespace());
            if matches!(next, Some(b'}') | Some(b']')) {
                i += 1;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonc() {
        let s = "{\n // c\n \"a\": [1, 2,],\n \"b\": \"x,//y\", /* z */\n}";
        let v: serde_json::Value =
            serde_json::from_str(&jsonc_to_json(s)).expect("valid after stripping");
        assert_eq!(v["b"], "x,//y");
        assert_eq!(v["a"][1], 2);
    }

    #[test]
    fn lines() {
        assert_eq!(line_of("a\nb\nc", 2), 2);
        assert_eq!(line_of("a", 0), 1);
    }
}
