//! `bun.lock`, bun's text lockfile (JSONC, `lockfileVersion` 0 and 1).
//!
//! `packages` maps an install path (`express`, `send/ms`, `@babel/core`) to an array whose first element is
//! `name@version`. Workspace, link, file and git entries are not reported. Direct dependencies are the top-level
//! entries named by a workspace's `dependencies`/`devDependencies`/`optionalDependencies`/`peerDependencies`;
//! dev is computed by walking dependencies from the workspaces' production and dev roots with node's resolution
//! (nearest enclosing path first).

use crate::util::{dedup, json, jsonc_to_json, text};
use crate::{Result, package, with_rel};
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashSet, VecDeque};
use trawl_types::{Ecosystem, Package, Relationship};

#[derive(Deserialize, Default)]
struct Workspace {
    #[serde(default)]
    dependencies: BTreeMap<String, Value>,
    #[serde(default, rename = "devDependencies")]
    dev_dependencies: BTreeMap<String, Value>,
    #[serde(default, rename = "optionalDependencies")]
    optional_dependencies: BTreeMap<String, Value>,
    #[serde(default, rename = "peerDependencies")]
    peer_dependencies: BTreeMap<String, Value>,
}

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    workspaces: BTreeMap<String, Workspace>,
    #[serde(default)]
    packages: BTreeMap<String, Vec<Value>>,
}

/// Parses a bun.lock.
pub fn parse(content: &[u8]) -> Result<Vec<Package>> {
    let s = jsonc_to_json(&text(content));
    let lock: Lock = json(s.as_bytes())?;

    let deps_of = |key: &str| -> Vec<String> {
        let mut v = Vec::new();
        if let Some(Value::Object(meta)) = lock.packages.get(key).and_then(|a| a.get(2)) {
            for f in ["dependencies", "optionalDependencies", "peerDependencies"] {
                if let Some(Value::Object(m)) = meta.get(f) {
                    v.extend(m.keys().cloned());
                }
            }
        }
        v
    };
    let resolve = |from: &str, dep: &str| -> Option<String> {
        let mut base = from.to_owned();
        loop {
            let cand = if base.is_empty() {
                dep.to_owned()
            } else {
                format!("{base}/{dep}")
            };
            if lock.packages.contains_key(&cand) {
                return Some(cand);
            }
            if base.is_empty() {
                return None;
            }
            // drop the last path component (a scoped name is two components)
            base = match base.rfind('/') {
                Some(i) => {
                    let head = &base[..i];
                    match head.rfind('/') {
                        Some(j) if head[j + 1..].starts_with('@') => head[..j].to_owned(),
                        None if head.starts_with('@') => String::new(),
                        _ => head.to_owned(),
                    }
                }
                None => String::new(),
            };
        }
    };
    let walk = |roots: Vec<String>| -> HashSet<String> {
        let mut seen = HashSet::new();
        let mut q: VecDeque<String> = roots
            .into_iter()
            .filter(|r| lock.packages.contains_key(r))
            .collect();
        while let Some(k) = q.pop_front() {
            if !seen.insert(k.clone()) {
                continue;
            }
            for d in deps_of(&k) {
                if let Some(r) = resolve(&k, &d) {
                    q.push_back(r);
                }
            }
        }
        seen
    };
    let mut prod_roots = Vec::new();
    let mut dev_roots = Vec::new();
    let mut direct = HashSet::new();
    for ws in lock.workspaces.values() {
        for m in [
            &ws.dependencies,
            &ws.optional_dependencies,
            &ws.peer_dependencies,
        ] {
            prod_roots.extend(m.keys().cloned());
            direct.extend(m.keys().cloned());
        }
        dev_roots.extend(ws.dev_dependencies.keys().cloned());
        direct.extend(ws.dev_dependencies.keys().cloned());
    }
    let prod = walk(prod_roots);
    let dev = walk(dev_roots);

    let mut out = Vec::new();
    for (key, arr) in &lock.packages {
        let Some(id) = arr.first().and_then(Value::as_str) else {
            continue;
        };
        let Some((name, version)) = super::split_name_version(id) else {
            continue;
        };
        if version.is_empty() || version.contains(':') || version.contains('/') {
            continue; // workspace:, link:, file:, github:, git+https://...
        }
        let rel = if key == name && direct.contains(key) {
            Relationship::Direct
        } else {
            Relationship::Indirect
        };
        let is_dev = !prod.contains(key) && dev.contains(key);
        out.push(with_rel(
            package(Ecosystem::Npm, name, version),
            Some(rel),
            is_dev,
        ));
    }
    Ok(dedup(out))
}
