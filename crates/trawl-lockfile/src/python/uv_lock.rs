//! `uv.lock`: `[[package]]` tables. The project itself (`source = { editable | virtual = "." }`) is the root and
//! is not reported; its `dependencies` (and `optional-dependencies`) are direct production dependencies, its
//! `dev-dependencies` groups direct dev dependencies. Dev is computed by walking the dependency graph: a package
//! is dev when only dev roots reach it.

use crate::util::{dedup, toml};
use crate::{Result, package, with_rel};
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet, VecDeque};
use trawl_types::{Ecosystem, Package, Relationship};

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
    source: BTreeMap<String, toml::Value>,
    #[serde(default)]
    dependencies: Vec<Dep>,
    #[serde(default, rename = "optional-dependencies")]
    optional_dependencies: BTreeMap<String, Vec<Dep>>,
    #[serde(default, rename = "dev-dependencies")]
    dev_dependencies: BTreeMap<String, Vec<Dep>>,
}

#[derive(Deserialize, Clone)]
struct Dep {
    name: String,
    version: Option<String>,
}

impl Pkg {
    fn is_root(&self) -> bool {
        ["editable", "virtual"]
            .iter()
            .any(|k| self.source.get(*k).and_then(toml::Value::as_str) == Some("."))
    }
}

/// Parses a uv.lock.
pub fn parse(content: &[u8]) -> Result<Vec<Package>> {
    let lock: Lock = toml(content)?;
    let pkgs = &lock.package;
    let find = |d: &Dep| -> Option<usize> {
        pkgs.iter()
            .position(|p| p.name == d.name && (d.version.is_none() || p.version == d.version))
    };
    let walk = |roots: Vec<Dep>| -> HashSet<usize> {
        let mut seen = HashSet::new();
        let mut q: VecDeque<usize> = roots.iter().filter_map(find).collect();
        while let Some(i) = q.pop_front() {
            if !seen.insert(i) {
                continue;
            }
            let p = &pkgs[i];
            for d in p
                .dependencies
                .iter()
                .chain(p.optional_dependencies.values().flatten())
            {
                q.extend(find(d));
            }
        }
        seen
    };
    let roots: Vec<&Pkg> = pkgs.iter().filter(|p| p.is_root()).collect();
    let prod_roots: Vec<Dep> = roots
        .iter()
        .flat_map(|r| {
            r.dependencies
                .iter()
                .chain(r.optional_dependencies.values().flatten())
        })
        .cloned()
        .collect();
    let dev_roots: Vec<Dep> = roots
        .iter()
        .flat_map(|r| r.dev_dependencies.values().flatten())
        .cloned()
        .collect();
    let direct: HashSet<String> = prod_roots
        .iter()
        .chain(&dev_roots)
        .map(|d| d.name.clone())
        .collect();
    let (prod, dev) = (walk(prod_roots), walk(dev_roots));

    let mut out = Vec::new();
    for (i, p) in pkgs.iter().enumerate() {
        if p.is_root() {
            continue;
        }
        let Some(v) = &p.version else { continue };
        let rel = if direct.contains(&p.name) {
            Relationship::Direct
        } else {
            Relationship::Indirect
        };
        let is_dev = !prod.contains(&i) && dev.contains(&i);
        out.push(with_rel(
            package(Ecosystem::PyPI, &p.name, v),
            Some(rel),
            is_dev,
        ));
    }
    Ok(dedup(out))
}
