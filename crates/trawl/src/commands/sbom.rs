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
use crate::scan::sbomdoc::load;
use crate::settings::{Settings, Target};
use std::process::ExitCode;
use trawl_report::ArtifactType;

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
