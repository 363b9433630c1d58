//! An installed gem's specification (`specifications/name-1.2.3.gemspec`, Ruby code written by RubyGems):
//! `s.name = "x".freeze`, `s.version = "1.2.3"`, `s.licenses = ["MIT".freeze]`. Read textually, never evaluated.

use crate::util::text;
use crate::{Error, Result, package};
use trawl_types::{Ecosystem, Package};

/// The first Ruby string literal in `s` (`"x"`, `'x'`, `%q{x}`), if `s` starts with one.
fn literal(s: &str) -> Option<String> {
    let s = s.trim_start();
    let (open, close, rest) = if let Some(r) = s.strip_prefix("%q") {
        let c = r.chars().next()?;
        let close = match c {
            '{' => '}',
            '(' => ')',
            '[' => ']',
            '<' => '>',
            c => c,
        };
        (c, close, &r[c.len_utf8()..])
    } else {
        let c = s.chars().next()?;
        if c != '"' && c != '\'' {
            return None;
        }
        (c, c, &s[1..])
    };
    let _ = open;
    let end = rest.find(close)?;
    Some(rest[..end].to_owned())
}

/// Parses a gemspec.
pub fn parse(content: &[u8]) -> Result<Package> {
    let s = text(content);
    let (mut name, mut version, mut licenses) = (None, None, Vec::new());
    for line in s.lines() {
        let l = line.trim();
        let Some((lhs, rhs)) = l.split_once('=') else {
            continue;
        };
        let field = lhs.trim().rsplit('.').next().unwrap_or_default();
        let rhs = rhs.trim_start();
        match field {
            "name" if name.is_none() => name = literal(rhs),
            "version" if version.is_none() => {
                // `s.version = "1.2.3"` or `Gem::Version.new("1.2.3")`
                let r = rhs.strip_prefix("Gem::Version.new(").unwrap_or(rhs);
                version = literal(r);
            }
            "licenses" | "license" => {
                let r = rhs.trim_start_matches('[');
                for part in r.split(',') {
                    if let Some(l) = literal(part) {
                        licenses.push(l);
                    }
                }
            }
            _ => {}
        }
    }
    match (name, version) {
        (Some(n), Some(v)) if !n.is_empty() && !v.is_empty() => {
            let mut p = package(Ecosystem::RubyGems, n, v);
            p.licenses = licenses;
            Ok(p)
        }
        _ => Err(Error::invalid(
            "no `name =` and `version =` assignments in the gemspec",
        )),
    }
}
