//! `trawl sbom FILE`: the packages a CycloneDX (JSON 1.4–1.6) or SPDX (JSON 2.2/2.3) document lists, matched and
//! reported like an image scan (same policy, formats and exit codes).
//!
//! Packages come from their purls (CycloneDX `components[].purl`, nested components included; SPDX
//! `packages[].externalRefs` of type `purl`); an entry without a purl, or with a purl type trawl does not scan
//! (`pkg:oci`, `pkg:generic`), is counted and skipped. The OS comes from the document: a CycloneDX component of
//! type `operating-system` (in `metadata.component` or `components`), an SPDX package whose purpose is
//! `OPERATING-SYSTEM`, else the `distro` qualifier of the OS packages' purls (Syft's SPDX has no OS package). OS
//! packages keep their source package from the purl's `upstream` qualifier (dpkg/apk `upstream=glibc`, rpm
//! `upstream=bash-5.1.8-6.el9.src.rpm`), so they are matched by source package as in an image scan.
//! A document with no usable package is an error, not an empty pass.

use crate::cli::SbomArgs;
use crate::settings::{Settings, Target};
use anyhow::{Context, bail};
use serde_json::Value;
use std::path::Path;
use std::process::ExitCode;
use trawl_report::ArtifactType;
use trawl_types::{Ecosystem, Inventory, OsFamily, OsInfo, Package, Purl};

/// Largest SBOM read (a budget: the whole document is parsed in memory).
const MAX_SBOM: u64 = 512 << 20;

pub(crate) fn run(args: SbomArgs) -> anyhow::Result<ExitCode> {
    let started = std::time::Instant::now();
    let settings = Settings::resolve(args.scan, Target::Sbom)?;
    let path = &args.sbom;
    let inventory = load(path)?;
    tracing::info!(
        "{}: {} package(s){}",
        path.display(),
        inventory.packages.len(),
        inventory
            .os
            .as_ref()
            .map(|o| format!(", OS {} {}", o.family, o.name))
            .unwrap_or_default()
    );
    let db = crate::scan::open_db(&settings)?;
    let policy = settings.policy()?;
    let name = path.display().to_string();
    let image = trawl_source::Image {
        name: name.clone(),
        kind: trawl_source::ArtifactKind::Filesystem,
        image_id: None,
        repo_tags: Vec::new(),
        repo_digests: Vec::new(),
        config: None,
        layers: Vec::new(),
        sequential: false,
        annotations: Vec::new(),
    };
    let analyzed = trawl_analyzers::pipeline::AnalyzedImage {
        inventory,
        ..Default::default()
    };
    let mut report = crate::scan::report_from_analysis(
        &name,
        ArtifactType::Filesystem,
        &settings,
        db.as_ref(),
        &policy,
        &image,
        analyzed,
        started,
    )?;
    crate::output::finish(&mut report, &settings)
}

/// Reads an SBOM into an inventory (packages and OS).
pub(crate) fn load(path: &Path) -> anyhow::Result<Inventory> {
    let meta = std::fs::metadata(path)
        .with_context(|| format!("cannot read the SBOM {}", path.display()))?;
    if meta.len() > MAX_SBOM {
        bail!(
            "the SBOM {} is {} bytes, over the {} MiB limit",
            path.display(),
            meta.len(),
            MAX_SBOM >> 20
        );
    }
    let bytes =
        std::fs::read(path).with_context(|| format!("cannot read the SBOM {}", path.display()))?;
    let doc: Value = serde_json::from_slice(&bytes).with_context(|| {
        format!(
            "{}: not JSON (trawl reads CycloneDX JSON and SPDX JSON SBOMs)",
            path.display()
        )
    })?;
    let inv = parse(&doc).with_context(|| format!("SBOM {}", path.display()))?;
    if inv.packages.is_empty() {
        bail!(
            "the SBOM {} lists no package trawl can scan (none has a purl of a known type)",
            path.display()
        );
    }
    Ok(inv)
}

/// Parses a CycloneDX or SPDX JSON document.
fn parse(doc: &Value) -> anyhow::Result<Inventory> {
    // (purl, file path, CPEs)
    let mut purls: Vec<(String, Option<String>, Vec<String>)> = Vec::new();
    let mut os: Option<OsInfo> = None;
    if doc["bomFormat"].as_str() == Some("CycloneDX") {
        let spec = doc["specVersion"].as_str().unwrap_or("");
        if !matches!(spec, "1.4" | "1.5" | "1.6") {
            bail!("CycloneDX specVersion `{spec}` is not supported (1.4, 1.5, 1.6)");
        }
        let mut stack: Vec<&Value> = Vec::new();
        if doc["metadata"]["component"].is_object() {
            stack.push(&doc["metadata"]["component"]);
        }
        stack.extend(doc["components"].as_array().into_iter().flatten());
        while let Some(c) = stack.pop() {
            stack.extend(c["components"].as_array().into_iter().flatten());
            if c["type"].as_str() == Some("operating-system") {
                if os.is_none() {
                    os = os_info(c["name"].as_str(), c["version"].as_str());
                }
                continue;
            }
            if let Some(p) = c["purl"].as_str() {
                let cpes = c["cpe"].as_str().map(str::to_owned).into_iter().collect();
                purls.push((p.to_owned(), cdx_path(c), cpes));
            }
        }
    } else if let Some(v) = doc["spdxVersion"].as_str() {
        if !matches!(v, "SPDX-2.2" | "SPDX-2.3") {
            bail!("spdxVersion `{v}` is not supported (SPDX-2.2, SPDX-2.3)");
        }
        for p in doc["packages"].as_array().into_iter().flatten() {
            if p["primaryPackagePurpose"].as_str() == Some("OPERATING-SYSTEM") {
                if os.is_none() {
                    os = os_info(p["name"].as_str(), p["versionInfo"].as_str());
                }
                continue;
            }
            let refs = p["externalRefs"].as_array();
            let cpes: Vec<String> = refs
                .into_iter()
                .flatten()
                .filter(|r| r["referenceType"].as_str() == Some("cpe23Type"))
                .filter_map(|r| r["referenceLocator"].as_str().map(str::to_owned))
                .collect();
            for r in refs.into_iter().flatten() {
                if r["referenceType"].as_str() == Some("purl")
                    && let Some(l) = r["referenceLocator"].as_str()
                {
                    purls.push((l.to_owned(), None, cpes.clone()));
                }
            }
        }
    } else {
        bail!("neither CycloneDX (`bomFormat`) nor SPDX (`spdxVersion`) JSON");
    }
    let mut packages = Vec::new();
    let mut skipped = 0usize;
    for (purl, path, cpes) in purls {
        let Ok(parsed) = purl.parse::<Purl>() else {
            skipped += 1;
            continue;
        };
        if os.is_none()
            && let Some(d) = parsed.qualifier("distro")
        {
            os = distro_os(d);
        }
        match package_of(&parsed) {
            Some(mut p) => {
                p.purl = Some(parsed);
                p.file_path = path.unwrap_or_default();
                // software matched by CPE (binaries outside package managers) keeps its CPEs
                p.cpes = cpes
                    .into_iter()
                    .filter(|c| trawl_types::cpe::Cpe::parse(c).is_ok())
                    .collect();
                packages.push(p);
            }
            None => skipped += 1,
        }
    }
    if skipped > 0 {
        tracing::debug!(
            "{skipped} SBOM entries skipped (no purl, or a purl type trawl does not scan)"
        );
    }
    let mut seen = std::collections::BTreeSet::new();
    packages.retain(|p| {
        seen.insert((
            p.ecosystem,
            p.name.clone(),
            p.version.clone(),
            p.file_path.clone(),
        ))
    });
    Ok(Inventory {
        os,
        packages,
        ..Inventory::default()
    })
}

/// Where a CycloneDX component was found, from Syft's or Trivy's properties.
fn cdx_path(c: &Value) -> Option<String> {
    c["properties"].as_array()?.iter().find_map(|p| {
        let n = p["name"].as_str()?;
        (n == "syft:location:0:path" || n == "aquasecurity:trivy:FilePath")
            .then(|| {
                p["value"]
                    .as_str()
                    .map(|v| v.trim_start_matches('/').to_owned())
            })
            .flatten()
    })
}

fn family_of(id: &str) -> Option<OsFamily> {
    trawl_pkgdb::osrelease::family_from_id(id).or_else(|| {
        [
            OsFamily::Redhat,
            OsFamily::Amazon,
            OsFamily::Oracle,
            OsFamily::Alma,
            OsFamily::Azurelinux,
        ]
        .into_iter()
        .find(|f| f.as_str().eq_ignore_ascii_case(id))
    })
}

fn os_info(name: Option<&str>, version: Option<&str>) -> Option<OsInfo> {
    Some(OsInfo {
        family: family_of(name?)?,
        name: version?.to_owned(),
        codename: None,
        pretty_name: None,
        eosl: None,
        eol: false,
    })
}

/// `debian-12`, `alpine-3.19.1`, `rhel-9.3` -> the OS.
fn distro_os(d: &str) -> Option<OsInfo> {
    let i = d.find(|c: char| c.is_ascii_digit())?;
    let (name, version) = d.split_at(i);
    os_info(Some(name.trim_end_matches('-')), Some(version))
}

/// The package a purl names, as trawl's analyzers would have written it.
fn package_of(p: &Purl) -> Option<Package> {
    let eco = Ecosystem::ALL
        .iter()
        .copied()
        .find(|e| e.purl_type() == p.ty)?;
    if p.version.is_empty() {
        return None;
    }
    let joined = || match &p.namespace {
        Some(ns) => format!("{ns}/{}", p.name),
        None => p.name.clone(),
    };
    let name = match eco {
        Ecosystem::Maven => match &p.namespace {
            Some(g) => format!("{g}:{}", p.name),
            None => p.name.clone(),
        },
        Ecosystem::Npm | Ecosystem::Go | Ecosystem::Packagist | Ecosystem::SwiftUrl => joined(),
        _ => p.name.clone(),
    };
    let mut pkg = Package {
        ecosystem: Some(eco),
        name,
        version: p.version.clone(),
        arch: p.qualifier("arch").map(str::to_owned),
        ..Package::default()
    };
    let epoch = p
        .qualifier("epoch")
        .and_then(|e| e.parse::<u32>().ok())
        .filter(|e| *e > 0);
    match eco {
        Ecosystem::Go => {
            if let Some(v) = pkg.version.strip_prefix('v')
                && v.starts_with(|c: char| c.is_ascii_digit())
            {
                pkg.version = v.to_owned();
            }
        }
        Ecosystem::Deb | Ecosystem::Apk => {
            if let Some(e) = epoch
                && !pkg.version.contains(':')
            {
                pkg.version = format!("{e}:{}", pkg.version);
            }
            // `upstream=src` or `upstream=src@version`.
            if let Some(up) = p.qualifier("upstream") {
                let (src, ver) = match up.split_once('@') {
                    Some((s, v)) => (s, Some(v)),
                    None => (up, None),
                };
                pkg.source_name = Some(src.to_owned());
                pkg.source_version = ver.map(str::to_owned);
            }
        }
        Ecosystem::Rpm => {
            if let Some((v, r)) = pkg.version.rsplit_once('-') {
                pkg.rpm_version = Some(v.to_owned());
                pkg.release = Some(r.to_owned());
            }
            pkg.epoch = epoch;
            if let Some(e) = epoch {
                pkg.version = format!("{e}:{}", pkg.version);
            }
            // `upstream=bash-5.1.8-6.el9.src.rpm`: name-version-release.
            if let Some(up) = p.qualifier("upstream") {
                let stem = up.strip_suffix(".src.rpm").unwrap_or(up);
                if let Some((nv, rel)) = stem.rsplit_once('-')
                    && let Some((n, v)) = nv.rsplit_once('-')
                {
                    pkg.source_name = Some(n.to_owned());
                    pkg.source_version = Some(format!("{v}-{rel}"));
                } else {
                    pkg.source_name = Some(stem.to_owned());
                }
            }
        }
        _ => {}
    }
    Some(pkg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purls_to_packages() {
        let p = |s: &str| package_of(&s.parse::<Purl>().expect("purl")).expect("package");
        let deb =
            p("pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&upstream=glibc&distro=debian-12");
        assert_eq!(
            (deb.name.as_str(), deb.version.as_str()),
            ("libc6", "2.36-9+deb12u4")
        );
        assert_eq!(deb.source_name.as_deref(), Some("glibc"));
        let z = p("pkg:deb/debian/zlib1g@1.2.13.dfsg-1?arch=amd64&distro=debian-12&epoch=1");
        assert_eq!(z.version, "1:1.2.13.dfsg-1");
        let rpm = p(
            "pkg:rpm/redhat/openssl-libs@1.0.2k-16.el7?arch=x86_64&epoch=1&upstream=openssl-1.0.2k-16.el7.src.rpm",
        );
        assert_eq!(rpm.version, "1:1.0.2k-16.el7");
        assert_eq!(rpm.source_name.as_deref(), Some("openssl"));
        assert_eq!(rpm.source_version.as_deref(), Some("1.0.2k-16.el7"));
        let npm = p("pkg:npm/%40babel/traverse@7.22.5");
        assert_eq!(npm.name, "@babel/traverse");
        let go = p("pkg:golang/golang.org/x/net@v0.10.0");
        assert_eq!(
            (go.name.as_str(), go.version.as_str()),
            ("golang.org/x/net", "0.10.0")
        );
        let mvn = p("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1");
        assert_eq!(mvn.name, "org.apache.logging.log4j:log4j-core");
        assert!(
            "pkg:oci/debian@sha256%3Aabc"
                .parse::<Purl>()
                .ok()
                .and_then(|p| package_of(&p))
                .is_none()
        );
        assert!("not a purl".parse::<Purl>().is_err());
        let os = distro_os("debian-12").expect("os");
        assert_eq!((os.family, os.name.as_str()), (OsFamily::Debian, "12"));
        assert_eq!(distro_os("alpine-3.19.1").expect("os").name, "3.19.1");
    }
}
