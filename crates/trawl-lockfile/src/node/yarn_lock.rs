//! `yarn.lock`, both the classic (v1) format and the berry (v2+, YAML) format.
//!
//! One line-based reader handles both: an unindented header lists the specifiers (`"a@^1", a@^1.2` classic,
//! `"a@npm:^1, a@npm:^1.2"` berry), and its indented `version` line gives the version. Workspace, link and portal
//! entries (berry `@workspace:`, `linkType: soft` without a registry resolution) are not reported. yarn.lock does not
//! record which dependencies are direct or dev (that is in package.json), so neither is set.

use super::split_name_version;
use crate::util::{dedup, text};
use crate::{Error, Result, package};
use trawl_types::{Ecosystem, Package};

struct Block {
    line: usize,
    name: Option<String>,
    local: bool,
    version: Option<String>,
}

/// Parses a yarn.lock.
pub fn parse(content: &[u8]) -> Result<Vec<Package>> {
    // Counted before parsing: one `version` line per entry (`version "1.2.3"` or berry's `version: 1.2.3`).
    let entries = crate::util::count_lines_starting(content, b"version \"")
        + crate::util::count_lines_starting(content, b"version: ");
    if let Some(e) = crate::too_many(entries) {
        return Err(e);
    }
    let s = text(content);
    let mut out = Vec::new();
    let mut cur: Option<Block> = None;
    for (i, raw) in s.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim_end();
        if line.trim_start().starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        if indent == 0 {
            finish(cur.take(), &mut out)?;
            let Some(header) = line.strip_suffix(':') else {
                return Err(Error::Syntax {
                    line: line_no,
                    message: format!("expected `specifier:` header, got `{line}`"),
                });
            };
            if header == "__metadata" {
                cur = Some(Block {
                    line: line_no,
                    name: None,
                    local: true,
                    version: None,
                });
                continue;
            }
            let first = header
                .split(',')
                .next()
                .unwrap_or_default()
                .trim()
                .trim_matches('"');
            let (name, range) = split_name_version(first).ok_or_else(|| Error::Syntax {
                line: line_no,
                message: format!("cannot read the package name in `{first}`"),
            })?;
            let local = ["workspace:", "link:", "portal:", "file:", "exec:"]
                .iter()
                .any(|p| range.starts_with(p));
            cur = Some(Block {
                line: line_no,
                name: Some(name.to_owned()),
                local,
                version: None,
            });
        } else if indent == 2 {
            let Some(b) = cur.as_mut() else {
                return Err(Error::Syntax {
                    line: line_no,
                    message: "indented line outside an entry".into(),
                });
            };
            let body = line.trim_start();
            if let Some(v) = body.strip_prefix("version") {
                let v = v.trim_start_matches(':').trim().trim_matches('"');
                b.version = Some(v.to_owned());
            }
        }
    }
    finish(cur, &mut out)?;
    Ok(dedup(out))
}

fn finish(b: Option<Block>, out: &mut Vec<Package>) -> Result<()> {
    let Some(b) = b else { return Ok(()) };
    let Some(name) = b.name else { return Ok(()) };
    if b.local {
        return Ok(());
    }
    let Some(version) = b.version.filter(|v| !v.is_empty()) else {
        return Err(Error::Syntax {
            line: b.line,
            message: format!("entry `{name}` has no version"),
        });
    };
    if version == "0.0.0-use.local" {
        return Ok(());
    }
    out.push(package(Ecosystem::Npm, name, version));
    Ok(())
}
