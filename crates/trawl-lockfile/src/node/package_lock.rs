//! `package-lock.json` and `npm-shrinkwrap.json`, lockfile versions 1, 2 and 3.
//!
//! v2/v3 read the `packages` map (keys are install paths, `node_modules/a/node_modules/b`); v1 walks the nested
//! `dependencies` tree. Direct dependencies are those declared by the root (or a workspace) in v2/v3; v1 does not
//! record the root's declarations, so v1 packages have no relationship. `dev: true` marks dev dependencies. Links
//! (workspace symlinks) and the root/workspace packages themselves are not reported.

use crate::util::{dedup, json};
use crate::{Result, package, with_rel};
use serde::Deserialize;
use std::collections::BTreeMap;
use trawl_types::{Ecosystem, Package, Relationship};

#[derive(Deserialize)]
struct Lock {
    #[serde(rename = "lockfileVersion", default)]
    lockfile_version: u32,
    #[serde(default)]
    packages: BTreeMap<String, Entry>,
    #[serde(default)]
    dependencies: BTreeMap<String, V1Dep>,
}

#[derive(Deserialize)]
struct Entry {
    name: Option<String>,
    version: Option<String>,
    #[serde(default)]
    dev: bool,
    #[serde(default)]
    link: bool,
    #[serde(default)]
    dependencies: BTreeMap<String, serde_json::Value>,
    #[serde(default, rename = "devDependencies")]
    dev_dependencies: BTreeMap<String, serde_json::Value>,
    #[serde(default, rename = "optionalDependencies")]
    optional_dependencies: BTreeMap<String, serde_json::Value>,
    #[serde(default, rename = "peerDependencies")]
    peer_dependencies: BTreeMap<String, serde_json::Value>,
}

#[derive(Deserialize)]
struct V1Dep {
    #[serde(default)]
    version: String,
    #[serde(default)]
    dev: bool,
    #[serde(default)]
    dependencies: BTreeMap<String, V1Dep>,
}

/// Parses a package-lock.json (any lockfile version).
pub fn parse(content: &[u8]) -> Result<Vec<Package>> {
    // Counted before parsing (one `"version"` line per entry; lockfile v2 lists each package twice).
    let versions = crate::util::count_lines_starting(content, b"\"version\":");
    if let Some(e) = crate::too_many(versions / 2) {
        return Err(e);
    }
    let lock: Lock = json(content)?;
    if lock.lockfile_version >= 2 || !lock.packages.is_empty() {
        Ok(parse_packages(&lock.packages))
    } else {
        let mut out = Vec::new();
        walk_v1(&lock.dependencies, &mut out);
        Ok(dedup(out))
    }
}

fn parse_packages(packages: &BTreeMap<String, Entry>) -> Vec<Package> {
    let mut out = Vec::new();
    for (key, e) in packages {
        let Some(pos) = key.rfind("node_modules/") else {
            continue;
        }; // root or workspace source dir
        if e.link {
            continue;
        }
        let Some(version) = e.version.as_deref().filter(|v| !v.is_empty()) else {
            continue;
        };
        let path_name = &key[pos + "node_modules/".len()..];
        let name = e.name.as_deref().unwrap_or(path_name);
        let parent = key[..pos].trim_end_matches('/');
        let direct = !parent.contains("node_modules")
            && packages.get(parent).is_some_and(|p| {
                [
                    &p.dependencies,
                    &p.dev_dependencies,
                    &p.optional_dependencies,
                    &p.peer_dependencies,
                ]
                .iter()
                .any(|m| m.contains_key(path_name))
            });
        let rel = if direct {
            Relationship::Direct
        } else {
            Relationship::Indirect
        };
        out.push(with_rel(
            package(Ecosystem::Npm, name, version),
            Some(rel),
            e.dev,
        ));
    }
    dedup(out)
}

fn walk_v1(deps: &BTreeMap<String, V1Dep>, out: &mut Vec<Package>) {
    for (name, d) in deps {
        if let Some((n, v)) = resolve_v1_version(name, &d.version) {
            out.push(with_rel(package(Ecosystem::Npm, n, v), None, d.dev));
        }
        walk_v1(&d.dependencies, out);
    }
}

/// v1 versions are a semver, an alias `npm:real@1.0.0`, or a URL/path for non-registry sources (skipped).
fn resolve_v1_version<'a>(name: &'a str, version: &'a str) -> Option<(&'a str, &'a str)> {
    if let Some(alias) = version.strip_prefix("npm:") {
        return super::split_name_version(alias);
    }
    if version.is_empty() || version.contains(':') || version.contains('/') {
        return None;
    }
    Some((name, version))
}
