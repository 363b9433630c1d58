//! `pnpm-lock.yaml`, lockfile versions 5.x, 6.x and 9.x.
//!
//! Package keys differ per version: `/name/1.0.0_peer@1` (v5), `/name@1.0.0(peer@1)` (v6), `name@1.0.0` with the
//! peer variants under `snapshots:` (v9); explicit `name:`/`version:` fields (tarball and git sources) win. Direct
//! dependencies are those the root importer (`.` or the top level) declares. v5/v6 mark dev packages with
//! `dev: true`; v9 no longer does, so dev is computed: a package is dev when it is reachable from the importers'
//! `devDependencies` and not from their `dependencies`/`optionalDependencies` (walking `snapshots`).

use crate::util::{dedup, yaml};
use crate::{Result, package, with_rel};
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashSet, VecDeque};
use trawl_types::{Ecosystem, Package, Relationship};

#[derive(Deserialize, Default)]
struct Importer {
    #[serde(default)]
    dependencies: BTreeMap<String, Value>,
    #[serde(default, rename = "devDependencies")]
    dev_dependencies: BTreeMap<String, Value>,
    #[serde(default, rename = "optionalDependencies")]
    optional_dependencies: BTreeMap<String, Value>,
}

#[derive(Deserialize)]
struct Lock {
    #[serde(rename = "lockfileVersion")]
    lockfile_version: Option<Value>,
    #[serde(flatten)]
    root: Importer,
    #[serde(default)]
    importers: BTreeMap<String, Importer>,
    #[serde(default)]
    packages: BTreeMap<String, Value>,
    #[serde(default)]
    snapshots: BTreeMap<String, Value>,
}

/// Parses a pnpm-lock.yaml.
pub fn parse(content: &[u8]) -> Result<Vec<Package>> {
    // Counted before parsing: one `resolution:` line per package (a YAML tree costs many times its size).
    if let Some(e) = crate::too_many(crate::util::count_lines_starting(content, b"resolution:")) {
        return Err(e);
    }
    let lock: Lock = yaml(content)?;
    let version = match &lock.lockfile_version {
        Some(Value::String(s)) => s.parse::<f64>().unwrap_or(0.0),
        Some(Value::Number(n)) => n.as_f64().unwrap_or(0.0),
        _ => 0.0,
    };
    let v5 = version < 6.0;
    let mut importers: Vec<&Importer> = lock.importers.values().collect();
    importers.push(&lock.root);

    // direct dependencies: (name, version without peer suffix)
    let mut direct: HashSet<(String, String)> = HashSet::new();
    for imp in &importers {
        for map in [
            &imp.dependencies,
            &imp.dev_dependencies,
            &imp.optional_dependencies,
        ] {
            for (name, v) in map {
                if let Some(ver) = importer_version(v) {
                    let (n, ver) = resolve_ref(name, ver, v5);
                    direct.insert((n, strip_peer(&ver, v5).to_owned()));
                }
            }
        }
    }

    let dev_of = if version >= 9.0 {
        Some(v9_dev_set(&lock, &importers))
    } else {
        None
    };

    let mut out = Vec::new();
    for (key, entry) in &lock.packages {
        let Some((kname, kver)) = split_key(key, v5) else {
            continue;
        };
        let name = entry.get("name").and_then(Value::as_str).unwrap_or(kname);
        let ver = entry.get("version").and_then(Value::as_str).unwrap_or(kver);
        if ver.is_empty() {
            continue;
        }
        let dev = match &dev_of {
            Some((prod, devs)) => {
                let id = (name.to_owned(), ver.to_owned());
                !prod.contains(&id) && devs.contains(&id)
            }
            None => entry.get("dev").and_then(Value::as_bool).unwrap_or(false),
        };
        let rel = if direct.contains(&(name.to_owned(), ver.to_owned())) {
            Relationship::Direct
        } else {
            Relationship::Indirect
        };
        out.push(with_rel(package(Ecosystem::Npm, name, ver), Some(rel), dev));
    }
    Ok(dedup(out))
}

/// The version an importer records: a string (v5) or `{specifier, version}` (v6+).
fn importer_version(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s.as_str()),
        Value::Object(o) => o.get("version").and_then(Value::as_str),
        _ => None,
    }
    .filter(|s| !s.starts_with("link:") && !s.starts_with("file:"))
}

/// A dependency reference is a version (`1.0.0(peer@1)`) or, for aliases, a key (`/real@1.0.0`, `real@1.0.0`).
fn resolve_ref(name: &str, reference: &str, v5: bool) -> (String, String) {
    let looks_like_key = reference.starts_with('/')
        || (!v5 && reference.contains('@') && !reference.starts_with('('));
    if looks_like_key
        && let Some((n, v)) = split_key(reference, v5)
        && !v.is_empty()
    {
        return (n.to_owned(), v.to_owned());
    }
    (name.to_owned(), reference.to_owned())
}

fn strip_peer(v: &str, v5: bool) -> &str {
    let cut = if v5 { v.find('_') } else { v.find('(') };
    cut.map_or(v, |i| &v[..i])
}

/// `(name, version)` of a `packages:`/`snapshots:` key, peer suffix removed.
fn split_key(key: &str, v5: bool) -> Option<(&str, &str)> {
    // drop a registry host prefix (`registry.npmjs.org/`) and the leading slash
    let k = key.strip_prefix('/').unwrap_or(key);
    if v5 {
        let i = k.rfind('/')?;
        Some((&k[..i], strip_peer(&k[i + 1..], true)))
    } else {
        let no_peer = strip_peer(k, false);
        super::split_name_version(no_peer)
    }
}

type Ids = HashSet<(String, String)>;

/// v9: the (name, version) pairs reachable from production and from dev roots.
fn v9_dev_set(lock: &Lock, importers: &[&Importer]) -> (Ids, Ids) {
    let walk = |roots: Vec<(String, String)>| -> Ids {
        let mut seen_keys: HashSet<String> = HashSet::new();
        let mut ids = Ids::new();
        let mut queue: VecDeque<String> = VecDeque::new();
        for (n, r) in roots {
            let (n, r) = resolve_ref(&n, &r, false);
            queue.push_back(format!("{n}@{r}"));
        }
        while let Some(key) = queue.pop_front() {
            if !seen_keys.insert(key.clone()) {
                continue;
            }
            if let Some((n, v)) = split_key(&key, false) {
                ids.insert((n.to_owned(), v.to_owned()));
            }
            let Some(snap) = lock.snapshots.get(&key) else {
                continue;
            };
            for field in ["dependencies", "optionalDependencies"] {
                if let Some(Value::Object(deps)) = snap.get(field) {
                    for (n, r) in deps {
                        if let Some(r) = r.as_str() {
                            let (n, r) = resolve_ref(n, r, false);
                            queue.push_back(format!("{n}@{r}"));
                        }
                    }
                }
            }
        }
        ids
    };
    let roots = |dev: bool| -> Vec<(String, String)> {
        let mut v = Vec::new();
        for imp in importers {
            let maps = if dev {
                vec![&imp.dev_dependencies]
            } else {
                vec![&imp.dependencies, &imp.optional_dependencies]
            };
            for m in maps {
                for (n, r) in m {
                    if let Some(r) = importer_version(r) {
                        v.push((n.clone(), r.to_owned()));
                    }
                }
            }
        }
        v
    };
    (walk(roots(false)), walk(roots(true)))
}
