//! `pdm.lock`: `[[package]]` tables with `groups`; a package is dev when `default` is not among its groups.

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
    version: Option<String>,
    #[serde(default)]
    groups: Vec<String>,
}

/// Parses a pdm.lock.
pub fn parse(content: &[u8]) -> Result<Vec<Package>> {
    let lock: Lock = toml(content)?;
    let out = lock
        .package
        .into_iter()
        .filter_map(|p| {
            let dev = !p.groups.is_empty() && !p.groups.iter().any(|g| g == "default");
            Some(with_rel(
                package(Ecosystem::PyPI, p.name, p.version?),
                None,
                dev,
            ))
        })
        .collect();
    Ok(dedup(out))
}
