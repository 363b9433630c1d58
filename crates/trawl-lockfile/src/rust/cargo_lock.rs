//! `Cargo.lock` (format v1–v4): `[[package]]` tables.
//!
//! Packages without `source` are the workspace's own crates: they are not reported (no registry advisory can be
//! about them), but their `dependencies` make the direct dependencies. Cargo.lock does not say which dependencies
//! are dev-only, so dev is never set.

use crate::util::{dedup, toml};
use crate::{Result, package, with_rel};
use serde::Deserialize;
use std::collections::HashSet;
use trawl_types::{Ecosystem, Package, Relationship};

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    package: Vec<Pkg>,
}

#[derive(Deserialize)]
struct Pkg {
    name: String,
    version: String,
    source: Option<String>,
    #[serde(default)]
    dependencies: Vec<String>,
}

/// Parses a Cargo.lock.
pub fn parse(content: &[u8]) -> Result<Vec<Package>> {
    // Counted before parsing: a TOML document costs several times its size in memory.
    let tables = crate::util::count_lines_starting(content, b"[[package]]");
    if let Some(e) = crate::too_many(tables) {
        return Err(e);
    }
    let lock: Lock = toml(content)?;
    // dependency entries: "name", "name version" or "name version (source)"
    let mut direct: HashSet<(String, Option<String>)> = HashSet::new();
    for p in lock.package.iter().filter(|p| p.source.is_none()) {
        for d in &p.dependencies {
            let mut it = d.split_whitespace();
            let n = it.next().unwrap_or_default().to_owned();
            direct.insert((n, it.next().map(str::to_owned)));
        }
    }
    let out = lock
        .package
        .into_iter()
        .filter(|p| p.source.is_some())
        .map(|p| {
            let is_direct = direct.contains(&(p.name.clone(), None))
                || direct.contains(&(p.name.clone(), Some(p.version.clone())));
            let rel = if is_direct {
                Relationship::Direct
            } else {
                Relationship::Indirect
            };
            with_rel(
                package(Ecosystem::Cargo, p.name, p.version),
                Some(rel),
                false,
            )
        })
        .collect();
    Ok(dedup(out))
}
