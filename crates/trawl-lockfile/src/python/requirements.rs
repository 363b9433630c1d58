//! pip requirements files: exactly pinned lines (`name==1.2.3`, `name[extra]===1.2.3 ; marker  --hash=...`).
//!
//! Unpinned lines (`>=`, `~=`, wildcards), URLs, editable installs and option lines are skipped: they name no
//! single version. `-r other.txt` / `-c constraints.txt` includes are listed by [`includes`]; the analyzer picks
//! those files up on their own (it asks for every `*requirements*.txt`).

use crate::util::{dedup, text};
use crate::{Result, package};
use trawl_types::{Ecosystem, Package};

/// Logical lines: comments removed, `\` continuations joined; with their 1-based first line number.
fn logical_lines(s: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut start = 0;
    for (i, raw) in s.lines().enumerate() {
        if cur.is_empty() {
            start = i + 1;
        }
        // a comment starts at `#` at line start or after whitespace
        let mut line = raw;
        if let Some(p) = raw
            .char_indices()
            .find(|&(j, c)| c == '#' && (j == 0 || raw[..j].ends_with([' ', '\t'])))
        {
            line = &raw[..p.0];
        }
        if let Some(l) = line.trim_end().strip_suffix('\\') {
            cur.push_str(l);
            cur.push(' ');
            continue;
        }
        cur.push_str(line);
        let t = cur.trim().to_owned();
        if !t.is_empty() {
            out.push((start, t));
        }
        cur.clear();
    }
    if !cur.trim().is_empty() {
        out.push((start, cur.trim().to_owned()));
    }
    out
}

/// Parses a requirements file.
pub fn parse(content: &[u8]) -> Result<Vec<Package>> {
    let s = text(content);
    let mut out = Vec::new();
    for (_, line) in logical_lines(&s) {
        if line.starts_with('-') {
            continue;
        }
        let spec = line.split(';').next().unwrap_or_default();
        let spec = spec.split(" --").next().unwrap_or_default().trim();
        let Some((name, version)) = spec.split_once("==") else {
            continue;
        };
        let version = version.trim_start_matches('=').trim();
        let name = name.split('[').next().unwrap_or_default().trim();
        if name.is_empty()
            || version.is_empty()
            || version.contains(['*', ',', ' ', '<', '>', '!', '~'])
            || name.contains(['@', '/', ' ', '<', '>', '!', '~'])
        {
            continue;
        }
        out.push(package(Ecosystem::PyPI, name, version));
    }
    Ok(dedup(out))
}

/// The files named by `-r`/`--requirement` and `-c`/`--constraint` lines.
pub fn includes(content: &[u8]) -> Vec<String> {
    let s = text(content);
    let mut out = Vec::new();
    for (_, line) in logical_lines(&s) {
        for opt in ["-r", "--requirement", "-c", "--constraint"] {
            if let Some(rest) = line.strip_prefix(opt)
                && (rest.starts_with([' ', '=', '\t'])
                    || (opt.len() == 2 && !rest.is_empty() && !rest.starts_with('-')))
            {
                out.push(rest.trim_start_matches('=').trim().to_owned());
            }
        }
    }
    out
}
