//! `poetry.lock`: `[[package]]` tables. Dev: `category = "dev"` (lock format 1.x) or, in format 2.x, a `groups`
//! list without `main`.

use crate::util::{dedup, toml};
use crate::{Result, package, with_rel};
use serde::Deserialize;
use trawl_types::{Ecosystem, Package};

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    package: Vec<Pkg>,
}

#[derive(Deserialize)]
struct Pkg {
    name: String,
    version: String,
    category: Option<String>,
    groups: Option<Vec<String>>,
}

/// Parses a poetry.lock.
pub fn parse(content: &[u8]) -> Result<Vec<Package>> {
    let lock: Lock = toml(content)?;
    let out = lock
        .package
        .into_iter()
        .map(|p| {
            let dev = match (&p.groups, &p.category) {
                (Some(g), _) if !g.is_empty() => !g.iter().any(|g| g == "main"),
                (_, Some(c)) => c == "dev",
                _ => false,
            };
            with_rel(package(Ecosystem::PyPI, p.name, p.version), None, dev)
        })
        .collect();
    Ok(dedup(out))
}
