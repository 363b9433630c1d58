//! `pylock.toml` / `pylock.<name>.toml`: the standard Python lock file (PEP 751, lock-version 1.x).
//!
//! Each `[[packages]]` entry names a distribution (`name`, `version`); entries without a version (a local
//! directory, a VCS checkout, an archive that pins none) name nothing a feed can match and are skipped. Where the
//! file has them:
//! - **dev**: a package whose `marker` selects it only for dependency groups (`'dev' in dependency_groups`) none of
//!   which is in `default-groups` is a dev dependency. (uv writes a lock per selection of groups instead; its
//!   export without `--no-dev` simply lists the dev packages too.)
//! - **direct/indirect**: PEP 751's optional `dependencies` arrays are the dependency graph. The dependencies of
//!   the versionless local entries (the project itself) are direct, or, with no such entry, the packages nothing
//!   depends on; every other package is indirect. Without any `dependencies` array nothing is set.
//!
//! Quirks: markers are not evaluated beyond the group test (a lock covers every environment, so a package locked
//! twice for two Python versions is reported twice, as uv.lock's forks are).

use crate::util::{dedup, toml};
use crate::{Error, Result, package, with_rel};
use serde::Deserialize;
use std::collections::BTreeSet;
use trawl_types::{Ecosystem, Package, Relationship};

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Lock {
    lock_version: Option<String>,
    #[serde(default)]
    default_groups: Vec<String>,
    #[serde(default)]
    packages: Vec<Pkg>,
}

#[derive(Deserialize)]
struct Pkg {
    name: String,
    version: Option<String>,
    marker: Option<String>,
    dependencies: Option<Vec<Dep>>,
    directory: Option<toml::Value>,
}

#[derive(Deserialize)]
struct Dep {
    name: Option<String>,
}

/// PEP 503 normalisation, so `Jinja2` in a dependency table finds the `jinja2` entry.
fn norm(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// The dependency groups a marker names (`'dev' in dependency_groups`, either quote).
fn groups_of(marker: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = marker;
    while let Some(i) = rest.find("dependency_groups") {
        let before = rest[..i].trim_end();
        if let Some(b) = before
            .strip_suffix(" in")
            .or_else(|| before.strip_suffix("\tin"))
        {
            let b = b.trim_end();
            if let Some(q) = b.chars().last().filter(|c| *c == '\'' || *c == '"')
                && let Some(start) = b[..b.len() - 1].rfind(q)
            {
                out.push(b[start + 1..b.len() - 1].to_owned());
            }
        }
        rest = &rest[i + "dependency_groups".len()..];
    }
    out
}

/// Parses a pylock.toml.
pub fn parse(content: &[u8]) -> Result<Vec<Package>> {
    let lock: Lock = toml(content)?;
    match lock.lock_version.as_deref() {
        Some(v) if v.split('.').next() == Some("1") => {}
        Some(v) => {
            return Err(Error::invalid(format!(
                "unsupported pylock lock-version {v} (PEP 751 1.x is supported)"
            )));
        }
        None => return Err(Error::invalid("not a pylock.toml: no lock-version")),
    }
    let has_graph = lock.packages.iter().any(|p| p.dependencies.is_some());
    let direct: BTreeSet<String> = if has_graph {
        let roots: Vec<&Pkg> = lock
            .packages
            .iter()
            .filter(|p| p.version.is_none() && p.directory.is_some())
            .collect();
        if roots.is_empty() {
            let depended: BTreeSet<String> = lock
                .packages
                .iter()
                .flat_map(|p| p.dependencies.iter().flatten())
                .filter_map(|d| d.name.as_deref().map(norm))
                .collect();
            lock.packages
                .iter()
                .map(|p| norm(&p.name))
                .filter(|n| !depended.contains(n))
                .collect()
        } else {
            roots
                .iter()
                .flat_map(|p| p.dependencies.iter().flatten())
                .filter_map(|d| d.name.as_deref().map(norm))
                .collect()
        }
    } else {
        BTreeSet::new()
    };
    let out = lock
        .packages
        .into_iter()
        .filter_map(|p| {
            let version = p.version?;
            let groups = p.marker.as_deref().map(groups_of).unwrap_or_default();
            let dev = !groups.is_empty() && !groups.iter().any(|g| lock.default_groups.contains(g));
            let rel = has_graph.then(|| {
                if direct.contains(&norm(&p.name)) {
                    Relationship::Direct
                } else {
                    Relationship::Indirect
                }
            });
            Some(with_rel(
                package(Ecosystem::PyPI, p.name, version),
                rel,
                dev,
            ))
        })
        .collect();
    Ok(dedup(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marker_groups() {
        assert_eq!(groups_of("'dev' in dependency_groups"), vec!["dev"]);
        assert_eq!(
            groups_of("\"test\" in dependency_groups or 'lint' in dependency_groups"),
            vec!["test", "lint"]
        );
        assert!(groups_of("sys_platform == 'win32'").is_empty());
    }

    #[test]
    fn bad_versions_are_errors() {
        let e = parse(b"lock-version = \"2.0\"\ncreated-by = \"x\"\n").expect_err("2.0");
        assert!(e.to_string().contains("lock-version 2.0"), "{e}");
        assert!(parse(b"created-by = \"x\"\n").is_err());
        let e =
            parse(b"lock-version = \"1.0\"\n[[packages]]\nversion = \"1\"\n").expect_err("no name");
        assert!(e.line().is_some(), "{e}");
    }
}
