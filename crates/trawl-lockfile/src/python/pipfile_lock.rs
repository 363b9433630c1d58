//! `Pipfile.lock` (pipenv): `default` and `develop` sections, versions as `==1.2.3`.

use crate::util::{dedup, json};
use crate::{Result, package, with_rel};
use serde::Deserialize;
use std::collections::BTreeMap;
use trawl_types::{Ecosystem, Package};

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    default: BTreeMap<String, Dep>,
    #[serde(default)]
    develop: BTreeMap<String, Dep>,
}

#[derive(Deserialize)]
struct Dep {
    version: Option<String>,
}

/// Parses a Pipfile.lock. Entries without a pinned version (git, path) are skipped.
pub fn parse(content: &[u8]) -> Result<Vec<Package>> {
    let lock: Lock = json(content)?;
    let mut out = Vec::new();
    for (section, dev) in [(&lock.default, false), (&lock.develop, true)] {
        for (name, d) in section {
            if let Some(v) = d.version.as_deref().and_then(|v| v.strip_prefix("==")) {
                out.push(with_rel(
                    package(Ecosystem::PyPI, name, v.trim_start_matches('=')),
                    None,
                    dev,
                ));
            }
        }
    }
    Ok(dedup(out))
}
