//! `build.sbt.lock`, written by the sbt-dependency-lock plugin (`sbt dependencyLock`): JSON with `lockVersion`,
//! the build's `configurations`, and one `dependencies` entry per resolved artifact (`org`, `name`, `version`,
//! `artifacts`, and the `configurations` it is used in).
//!
//! A dependency used only in test configurations (`test`, and `it` for integration tests) is dev. The file
//! records no graph and does not tell direct from transitive: no relationship is set.

use crate::util::{dedup, json};
use crate::{Error, Result, package, with_rel};
use serde::Deserialize;
use trawl_types::{Ecosystem, Package};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Lock {
    lock_version: Option<u32>,
    #[serde(default)]
    dependencies: Vec<Dep>,
}

#[derive(Deserialize)]
struct Dep {
    org: String,
    name: String,
    version: String,
    #[serde(default)]
    configurations: Vec<String>,
}

/// Parses a `build.sbt.lock`.
pub fn parse(content: &[u8]) -> Result<Vec<Package>> {
    let lock: Lock = json(content)?;
    match lock.lock_version {
        Some(1) => {}
        Some(v) => {
            return Err(Error::invalid(format!(
                "unsupported build.sbt.lock lockVersion {v} (1 is supported)"
            )));
        }
        None => return Err(Error::invalid("not a build.sbt.lock: no lockVersion")),
    }
    let out = lock
        .dependencies
        .into_iter()
        .filter(|d| !d.org.is_empty() && !d.name.is_empty() && !d.version.is_empty())
        .map(|d| {
            let dev = !d.configurations.is_empty()
                && d.configurations
                    .iter()
                    .all(|c| matches!(c.as_str(), "test" | "it"));
            with_rel(
                package(Ecosystem::Maven, format!("{}:{}", d.org, d.name), d.version),
                None,
                dev,
            )
        })
        .collect();
    Ok(dedup(out))
}
