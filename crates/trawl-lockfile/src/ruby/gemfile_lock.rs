//! `Gemfile.lock`: the `specs:` of the `GEM` and `GIT` sections (4-space indented `name (version)` lines).
//! `DEPENDENCIES` names the direct ones. `PATH` gems (local code) are not reported. A platform suffix of the
//! version (`1.13.10-x86_64-linux`) is dropped.

use crate::util::{dedup, text};
use crate::{Error, Result, package, with_rel};
use std::collections::HashSet;
use trawl_types::{Ecosystem, Package, Relationship};

/// Parses a Gemfile.lock.
pub fn parse(content: &[u8]) -> Result<Vec<Package>> {
    let s = text(content);
    let mut section = String::new();
    let mut specs: Vec<(String, String)> = Vec::new();
    let mut direct = HashSet::new();
    for (i, line) in s.lines().enumerate() {
        let line = line.trim_end();
        if line.is_empty() {
            continue;
        }
        if !line.starts_with(' ') {
            section = line.to_owned();
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let body = line.trim();
        match section.as_str() {
            "GEM" | "GIT" if indent == 4 => {
                let (Some(open), true) = (body.find(" ("), body.ends_with(')')) else {
                    return Err(Error::Syntax {
                        line: i + 1,
                        message: format!("expected `name (version)`, got `{body}`"),
                    });
                };
                let name = &body[..open];
                let version = &body[open + 2..body.len() - 1];
                let version = version.split('-').next().unwrap_or(version);
                specs.push((name.to_owned(), version.to_owned()));
            }
            "DEPENDENCIES" if indent == 2 => {
                let name = body.split([' ', '!']).next().unwrap_or_default();
                direct.insert(name.to_owned());
            }
            _ => {}
        }
    }
    let out = specs
        .into_iter()
        .map(|(n, v)| {
            let rel = if direct.contains(&n) {
                Relationship::Direct
            } else {
                Relationship::Indirect
            };
            with_rel(package(Ecosystem::RubyGems, n, v), Some(rel), false)
        })
        .collect();
    Ok(dedup(out))
}
