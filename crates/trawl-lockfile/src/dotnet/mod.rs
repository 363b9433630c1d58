//! NuGet ecosystem: `*.deps.json`, `packages.lock.json` and `packages.config`.

use crate::util::{dedup, json, line_of};
use crate::{Error, Result, package, with_rel};
use serde::Deserialize;
use std::collections::BTreeMap;
use trawl_types::{Ecosystem, Package, Relationship};

#[derive(Deserialize)]
struct DepsJson {
    #[serde(default)]
    libraries: BTreeMap<String, Library>,
}

#[derive(Deserialize)]
struct Library {
    #[serde(rename = "type", default)]
    kind: String,
}

/// Parses a `*.deps.json`: `libraries` of type `package` (`Name/1.2.3`); projects and references are skipped.
pub fn parse_deps_json(content: &[u8]) -> Result<Vec<Package>> {
    let d: DepsJson = json(content)?;
    let out = d
        .libraries
        .into_iter()
        .filter(|(_, l)| l.kind == "package")
        .filter_map(|(k, _)| {
            let (n, v) = k.split_once('/')?;
            Some(package(Ecosystem::NuGet, n, v))
        })
        .collect();
    Ok(dedup(out))
}

#[derive(Deserialize)]
struct PackagesLock {
    #[serde(default)]
    dependencies: BTreeMap<String, BTreeMap<String, LockDep>>,
}

#[derive(Deserialize)]
struct LockDep {
    #[serde(rename = "type", default)]
    kind: String,
    resolved: Option<String>,
}

/// Parses a `packages.lock.json` (every target framework; `Project` entries are skipped).
pub fn parse_packages_lock(content: &[u8]) -> Result<Vec<Package>> {
    let l: PackagesLock = json(content)?;
    let mut out = Vec::new();
    for deps in l.dependencies.into_values() {
        for (name, d) in deps {
            if d.kind == "Project" {
                continue;
            }
            let Some(v) = d.resolved else { continue };
            let rel = if d.kind == "Direct" {
                Relationship::Direct
            } else {
                Relationship::Indirect
            };
            out.push(with_rel(
                package(Ecosystem::NuGet, name, v),
                Some(rel),
                false,
            ));
        }
    }
    Ok(dedup(out))
}

/// Parses a `packages.config` (`<package id version developmentDependency>`).
pub fn parse_packages_config(content: &[u8]) -> Result<Vec<Package>> {
    use quick_xml::Reader;
    use quick_xml::events::Event;
    let text = crate::util::text(content);
    let mut reader = Reader::from_str(&text);
    let mut out = Vec::new();
    loop {
        let ev = reader.read_event().map_err(|e| Error::Syntax {
            line: line_of(&text, usize::try_from(reader.error_position()).unwrap_or(0)),
            message: format!("invalid XML: {e}"),
        })?;
        match ev {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == b"package" => {
                let (mut id, mut version, mut dev) = (None, None, false);
                for a in e.attributes().flatten() {
                    let v = a
                        .unescape_value()
                        .map(|c| c.into_owned())
                        .unwrap_or_default();
                    match a.key.local_name().as_ref() {
                        b"id" => id = Some(v),
                        b"version" => version = Some(v),
                        b"developmentDependency" => dev = v.eq_ignore_ascii_case("true"),
                        _ => {}
                    }
                }
                if let (Some(id), Some(v)) = (id, version) {
                    out.push(with_rel(
                        package(Ecosystem::NuGet, id, v),
                        Some(Relationship::Direct),
                        dev,
                    ));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(dedup(out))
}

/// Parses NuGet central package management's `Directory.Packages.props` (also `Packages.props`): every
/// `<PackageVersion Include=".." Version=".."/>` and `<GlobalPackageReference .../>` (the versions the projects
/// of the tree use), `Update=` as well as `Include=`, the version as an attribute or a child element. Versions
/// that are MSBuild properties (`$(Ver)`) or ranges (`[1.0,2.0)`) name no single version and are skipped. Each
/// is declared by the repository itself: Direct.
pub fn parse_packages_props(content: &[u8]) -> Result<Vec<Package>> {
    use quick_xml::Reader;
    use quick_xml::events::Event;
    let text = crate::util::text(content);
    let mut reader = Reader::from_str(&text);
    let mut out = Vec::new();
    // An open `<PackageVersion Include="x">` waiting for a `<Version>` child.
    let mut open: Option<(String, Option<String>)> = None;
    let mut in_version = false;
    let push = |id: String, v: Option<String>, out: &mut Vec<Package>| {
        let Some(v) = v.map(|v| v.trim().to_owned()) else {
            return;
        };
        if v.is_empty() || v.contains("$(") || v.starts_with(['[', '(']) {
            return;
        }
        out.push(with_rel(
            package(Ecosystem::NuGet, id.trim(), v),
            Some(Relationship::Direct),
            false,
        ));
    };
    loop {
        let ev = reader.read_event().map_err(|e| Error::Syntax {
            line: line_of(&text, usize::try_from(reader.error_position()).unwrap_or(0)),
            message: format!("invalid XML: {e}"),
        })?;
        match ev {
            Event::Start(ref e) | Event::Empty(ref e)
                if matches!(
                    e.local_name().as_ref(),
                    b"PackageVersion" | b"GlobalPackageReference"
                ) =>
            {
                let (mut id, mut version) = (None, None);
                for a in e.attributes().flatten() {
                    let v = a
                        .unescape_value()
                        .map(|c| c.into_owned())
                        .unwrap_or_default();
                    match a.key.local_name().as_ref() {
                        b"Include" | b"Update" => id = Some(v),
                        b"Version" => version = Some(v),
                        _ => {}
                    }
                }
                if let Some(id) = id {
                    if matches!(ev, Event::Start(_)) && version.is_none() {
                        open = Some((id, None));
                    } else {
                        push(id, version, &mut out);
                    }
                }
            }
            Event::Start(ref e) if open.is_some() && e.local_name().as_ref() == b"Version" => {
                in_version = true;
            }
            Event::Text(t) if in_version => {
                if let Some((_, v)) = open.as_mut() {
                    *v = Some(String::from_utf8_lossy(&t).into_owned());
                }
            }
            Event::End(ref e) => match e.local_name().as_ref() {
                b"Version" => in_version = false,
                b"PackageVersion" | b"GlobalPackageReference" => {
                    if let Some((id, v)) = open.take() {
                        push(id, v, &mut out);
                    }
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(dedup(out))
}
