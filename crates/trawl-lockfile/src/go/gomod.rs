//! `go.mod`: `require` directives (single and block form), with `replace` directives applied. Requirements
//! marked `// indirect` are indirect, the others direct. The module itself is not reported; neither is the `go`
//! directive (a minimum language version, not the toolchain that builds the code).

use crate::util::text;
use crate::{Error, Result, package, with_rel};
use std::collections::HashMap;
use trawl_types::{Ecosystem, Package, Relationship};

/// Parses a go.mod.
pub fn parse(content: &[u8]) -> Result<Vec<Package>> {
    let s = text(content);
    let mut requires: Vec<(String, String, bool)> = Vec::new();
    // old path (+ optional old version) -> (new path, new version)
    let mut replaces: HashMap<(String, Option<String>), (String, String)> = HashMap::new();
    let mut block: Option<String> = None;
    for (i, raw) in s.lines().enumerate() {
        let line_no = i + 1;
        let (code, comment) = match raw.find("//") {
            Some(p) => (&raw[..p], &raw[p + 2..]),
            None => (raw, ""),
        };
        let code = code.trim();
        if code.is_empty() {
            continue;
        }
        let (verb, rest) = if let Some(b) = &block {
            if code == ")" {
                block = None;
                continue;
            }
            (b.clone(), code.to_owned())
        } else {
            let (v, r) = code.split_once(char::is_whitespace).unwrap_or((code, ""));
            let r = r.trim();
            if r == "(" {
                block = Some(v.to_owned());
                continue;
            }
            (v.to_owned(), r.to_owned())
        };
        let fields: Vec<&str> = rest
            .split_whitespace()
            .map(|f| f.trim_matches('"'))
            .collect();
        match verb.as_str() {
            "require" => {
                let [path, version] = fields[..] else {
                    return Err(Error::Syntax {
                        line: line_no,
                        message: format!("malformed require `{rest}`"),
                    });
                };
                let indirect = comment.trim().split(';').any(|c| c.trim() == "indirect");
                requires.push((path.to_owned(), version.to_owned(), indirect));
            }
            "replace" => {
                let Some(arrow) = fields.iter().position(|f| *f == "=>") else {
                    return Err(Error::Syntax {
                        line: line_no,
                        message: format!("malformed replace `{rest}`"),
                    });
                };
                let (old, new) = (&fields[..arrow], &fields[arrow + 1..]);
                let key = match old {
                    [p] => (p.to_string(), None),
                    [p, v] => (p.to_string(), Some(v.to_string())),
                    _ => {
                        return Err(Error::Syntax {
                            line: line_no,
                            message: format!("malformed replace `{rest}`"),
                        });
                    }
                };
                // a local directory replacement has no version: the module is not from the proxy
                let target = match new {
                    [p, v] => (p.to_string(), v.to_string()),
                    [p] => (p.to_string(), String::new()),
                    _ => {
                        return Err(Error::Syntax {
                            line: line_no,
                            message: format!("malformed replace `{rest}`"),
                        });
                    }
                };
                replaces.insert(key, target);
            }
            "module" | "go" | "toolchain" | "exclude" | "retract" | "godebug" | "tool"
            | "ignore" => {}
            other => {
                return Err(Error::Syntax {
                    line: line_no,
                    message: format!("unknown directive `{other}`"),
                });
            }
        }
    }
    if block.is_some() {
        return Err(Error::invalid("unterminated `(` block at end of file"));
    }
    let mut out = Vec::new();
    for (path, version, indirect) in requires {
        let rep = replaces
            .get(&(path.clone(), Some(version.clone())))
            .or_else(|| replaces.get(&(path.clone(), None)));
        let (name, version) = match rep {
            Some((p, v)) if v.is_empty() => {
                let _ = p;
                continue; // replaced by a local directory
            }
            Some((p, v)) => (p.clone(), v.clone()),
            None => (path, version),
        };
        let rel = if indirect {
            Relationship::Indirect
        } else {
            Relationship::Direct
        };
        out.push(with_rel(
            package(Ecosystem::Go, name, super::binary::trim_v(&version)),
            Some(rel),
            false,
        ));
    }
    Ok(crate::util::dedup(out))
}
