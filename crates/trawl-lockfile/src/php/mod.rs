//! Packagist ecosystem: `composer.lock` and `vendor/composer/installed.json`.

use crate::util::{dedup, json};
use crate::{Result, package, with_rel};
use serde::Deserialize;
use std::collections::HashSet;
use trawl_types::{Ecosystem, Package};

#[derive(Deserialize)]
struct Pkg {
    name: String,
    version: Option<String>,
    #[serde(default)]
    license: Vec<String>,
}

fn to_pkg(p: Pkg, dev: bool) -> Option<Package> {
    let mut out = with_rel(package(Ecosystem::Packagist, p.name, p.version?), None, dev);
    out.licenses = p.license;
    Some(out)
}

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    packages: Vec<Pkg>,
    #[serde(default, rename = "packages-dev")]
    packages_dev: Vec<Pkg>,
}

/// Parses a composer.lock (`packages`, and `packages-dev` as dev).
pub fn parse_composer_lock(content: &[u8]) -> Result<Vec<Package>> {
    let lock: Lock = json(content)?;
    let mut out: Vec<Package> = lock
        .packages
        .into_iter()
        .filter_map(|p| to_pkg(p, false))
        .collect();
    out.extend(
        lock.packages_dev
            .into_iter()
            .filter_map(|p| to_pkg(p, true)),
    );
    Ok(dedup(out))
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Installed {
    V2 {
        packages: Vec<Pkg>,
        #[serde(default, rename = "dev-package-names")]
        dev_package_names: Vec<String>,
    },
    V1(Vec<Pkg>),
}

/// Parses `vendor/composer/installed.json` (Composer 1: an array; Composer 2: `{packages, dev-package-names}`).
pub fn parse_installed_json(content: &[u8]) -> Result<Vec<Package>> {
    let inst: Installed = json(content)?;
    let (pkgs, dev): (Vec<Pkg>, HashSet<String>) = match inst {
        Installed::V2 {
            packages,
            dev_package_names,
        } => (packages, dev_package_names.into_iter().collect()),
        Installed::V1(p) => (p, HashSet::new()),
    };
    let out = pkgs
        .into_iter()
        .filter_map(|p| {
            let d = dev.contains(&p.name);
            to_pkg(p, d)
        })
        .collect();
    Ok(dedup(out))
}
