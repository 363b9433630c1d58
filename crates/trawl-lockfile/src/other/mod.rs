//! Smaller ecosystems: `conan.lock` (Conan), `pubspec.lock` (Dart pub), `mix.lock` (Hex), `Package.resolved`
//! (SwiftPM) and `Podfile.lock` (CocoaPods).

use crate::util::{dedup, json, text, yaml};
use crate::{Error, Result, package, with_rel};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use trawl_types::{Ecosystem, Package, Relationship};

/// `zlib/1.2.13#rev%ts` or `zlib/1.2.13@user/channel#rev` -> (`zlib`, `1.2.13`).
fn conan_ref(r: &str) -> Option<(String, String)> {
    let r = r.split(['#', '@']).next()?;
    let (n, v) = r.split_once('/')?;
    (!n.is_empty() && !v.is_empty()).then(|| (n.to_owned(), v.to_owned()))
}

/// Parses a conan.lock: v1 (`graph_lock.nodes.*.ref`; node `0` is the consumer) and v2 (`requires`,
/// `build_requires` as dev, `python_requires`).
pub fn parse_conan_lock(content: &[u8]) -> Result<Vec<Package>> {
    let v: Value = json(content)?;
    let mut out = Vec::new();
    if let Some(nodes) = v.pointer("/graph_lock/nodes").and_then(Value::as_object) {
        let direct: Vec<String> = nodes
            .get("0")
            .and_then(|n| n.get("requires"))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        for (id, n) in nodes {
            if id == "0" {
                continue;
            }
            let Some((name, ver)) = n.get("ref").and_then(Value::as_str).and_then(conan_ref) else {
                continue;
            };
            let rel = if direct.contains(id) {
                Relationship::Direct
            } else {
                Relationship::Indirect
            };
            out.push(with_rel(
                package(Ecosystem::Conan, name, ver),
                Some(rel),
                false,
            ));
        }
    } else {
        for (key, dev) in [
            ("requires", false),
            ("python_requires", false),
            ("build_requires", true),
        ] {
            for r in v.get(key).and_then(Value::as_array).into_iter().flatten() {
                if let Some((name, ver)) = r.as_str().and_then(conan_ref) {
                    out.push(with_rel(package(Ecosystem::Conan, name, ver), None, dev));
                }
            }
        }
    }
    Ok(dedup(out))
}

#[derive(Deserialize)]
struct Pubspec {
    #[serde(default)]
    packages: BTreeMap<String, PubPkg>,
}

#[derive(Deserialize)]
struct PubPkg {
    version: String,
    #[serde(default)]
    dependency: String,
    #[serde(default)]
    source: String,
}

/// Parses a pubspec.lock (`dependency: direct main | direct dev | transitive`; sdk packages skipped).
pub fn parse_pubspec_lock(content: &[u8]) -> Result<Vec<Package>> {
    let l: Pubspec = yaml(content)?;
    let out = l
        .packages
        .into_iter()
        .filter(|(_, p)| p.source != "sdk")
        .map(|(n, p)| {
            let dev = p.dependency == "direct dev";
            let rel = if p.dependency.starts_with("direct") {
                Relationship::Direct
            } else {
                Relationship::Indirect
            };
            with_rel(package(Ecosystem::Pub, n, p.version), Some(rel), dev)
        })
        .collect();
    Ok(dedup(out))
}

/// Parses a mix.lock: `"name": {:hex, :name, "1.2.3", ...}` entries (git/path entries have no version).
pub fn parse_mix_lock(content: &[u8]) -> Result<Vec<Package>> {
    let s = text(content);
    let mut out = Vec::new();
    for (i, line) in s.lines().enumerate() {
        let Some(p) = line.find("{:hex,") else {
            continue;
        };
        let fields: Vec<&str> = line[p + 6..].splitn(3, ',').map(str::trim).collect();
        let (Some(name), Some(ver)) = (fields.first(), fields.get(1)) else {
            return Err(Error::Syntax {
                line: i + 1,
                message: "malformed :hex entry".into(),
            });
        };
        let name = name.trim_start_matches(':').trim_matches('"');
        let ver = ver.trim_matches('"');
        if name.is_empty() || ver.is_empty() {
            return Err(Error::Syntax {
                line: i + 1,
                message: "malformed :hex entry".into(),
            });
        }
        out.push(package(Ecosystem::Hex, name, ver));
    }
    Ok(dedup(out))
}

/// Parses a SwiftPM `Package.resolved` (v1 `object.pins`, v2/v3 `pins`). The name is the repository URL without
/// scheme and `.git` (`github.com/apple/swift-nio`), as the SwiftURL ecosystem names packages.
pub fn parse_package_resolved(content: &[u8]) -> Result<Vec<Package>> {
    let v: Value = json(content)?;
    let pins = v
        .pointer("/object/pins")
        .or_else(|| v.get("pins"))
        .and_then(Value::as_array)
        .ok_or_else(|| Error::invalid("no `pins` array"))?;
    let mut out = Vec::new();
    for pin in pins {
        let url = pin
            .get("location")
            .or_else(|| pin.get("repositoryURL"))
            .and_then(Value::as_str);
        let ver = pin.pointer("/state/version").and_then(Value::as_str);
        let (Some(url), Some(ver)) = (url, ver) else {
            continue;
        };
        let name = url
            .split_once("://")
            .map_or(url, |(_, r)| r)
            .trim_end_matches('/')
            .trim_end_matches(".git")
            .trim_start_matches("git@")
            .replacen(':', "/", 1);
        out.push(package(Ecosystem::SwiftUrl, name, ver));
    }
    Ok(dedup(out))
}

/// Parses a Podfile.lock: the `PODS:` list (`- Name (1.2.3)` or `- Name/Subspec (1.2.3):` with dependencies).
/// Subspecs are reported as their pod (`Name`).
pub fn parse_podfile_lock(content: &[u8]) -> Result<Vec<Package>> {
    let v: Value = yaml(content)?;
    let pods = v
        .get("PODS")
        .and_then(Value::as_array)
        .ok_or_else(|| Error::invalid("no `PODS` list"))?;
    let mut out = Vec::new();
    for p in pods {
        let entry = match p {
            Value::String(s) => s.as_str(),
            Value::Object(o) => match o.keys().next() {
                Some(k) => k.as_str(),
                None => continue,
            },
            _ => continue,
        };
        let Some((name, rest)) = entry.split_once(" (") else {
            continue;
        };
        let ver = rest.trim_end_matches(')');
        let name = name.split('/').next().unwrap_or(name);
        out.push(package(Ecosystem::CocoaPods, name, ver));
    }
    Ok(dedup(out))
}
