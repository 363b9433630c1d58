//! Orchestration of a scan: open the source, analyse its layers, match the inventory, apply the policy and build
//! the report (`scan_source`, `report_from_analysis`); many images at once in [`many`]. Nothing here parses
//! flags (`crate::cli`, `crate::settings`) or writes outputs (`crate::output`).

pub(crate) mod base;
pub(crate) mod client;
pub(crate) mod many;
mod resume;
pub(crate) mod sbomdoc;
pub(crate) mod store;
pub(crate) mod stored;

use crate::settings::Settings;
use anyhow::Context;
use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::Arc;
use trawl_policy::Policy;
use trawl_report::{
    Artifact, ArtifactType, CacheStats, LayerInfo, PolicySummary, Report, ResultClass, ScanResult,
};
use trawl_source::{ImageSrc, RemoteOptions, SourceSpec};
use trawl_types::{Ecosystem, Finding, Package};

/// Scans one source and writes its report: the run of `trawl image` (one image), `rootfs` and `fs`.
pub(crate) fn run_one(
    name: &str,
    spec: &SourceSpec,
    artifact_type: ArtifactType,
    settings: &Settings,
) -> anyhow::Result<ExitCode> {
    let db = open_db(settings)?;
    let policy = settings.policy()?;
    // Read before the scan: a bad baseline fails fast.
    let old = crate::baseline::load_configured(settings)?;
    let mut report = scan_source(name, spec, artifact_type, settings, db.as_ref(), &policy)?;
    crate::baseline::attach(&mut report, old.as_ref());
    crate::output::finish(&mut report, settings)
}

/// The DB supply of a scan that matches vulnerabilities (`None` otherwise): the DB is had (fetched, or built
/// from the publishers) once the inventory is known.
pub(crate) fn open_db(settings: &Settings) -> anyhow::Result<Option<crate::dbsupply::DbSupply>> {
    if !settings.vuln {
        return Ok(None);
    }
    crate::dbsupply::DbSupply::new(settings.db_supply.clone()).map(Some)
}

/// Gives an image-by-name spec the run's client, platform and daemon settings (a source forced by a prefix such
/// as `registry:` or `docker-daemon:` is kept).
pub(crate) fn apply_remote(spec: SourceSpec, remote: &RemoteOptions) -> SourceSpec {
    match spec {
        SourceSpec::Registry { reference, options } => {
            let forced = options.image_src != ImageSrc::DEFAULT_ORDER.to_vec();
            SourceSpec::Registry {
                reference,
                options: RemoteOptions {
                    image_src: if forced {
                        options.image_src
                    } else {
                        remote.image_src.clone()
                    },
                    ..remote.clone()
                },
            }
        }
        other => other,
    }
}

/// Scans one source into a report (no output written).
pub(crate) fn scan_source(
    name: &str,
    spec: &SourceSpec,
    artifact_type: ArtifactType,
    settings: &Settings,
    db: Option<&crate::dbsupply::DbSupply>,
    policy: &Policy,
) -> anyhow::Result<Report> {
    let started = std::time::Instant::now();
    let (image, analyzed) = analyse_source(name, spec, settings, file_cache(settings)?)?;
    let mut report = report_from_analysis(
        name,
        artifact_type,
        settings,
        db,
        policy,
        &image,
        analyzed,
        started,
    )?;
    base::attach(&mut report, &image, spec, settings);
    Ok(report)
}

/// The layer cache of `--cache-dir` (none with `--no-cache`).
pub(crate) fn file_cache(
    settings: &Settings,
) -> anyhow::Result<Option<Arc<dyn trawl_layers::LayerCache>>> {
    Ok(match &settings.cache_dir {
        Some(dir) => Some(Arc::new(trawl_layers::FsCache::open(dir).with_context(
            || format!("cannot open the layer cache {}", dir.display()),
        )?)),
        None => None,
    })
}

/// Opens and analyses one source with the given layer cache (the file cache of a scan, or a shared one).
pub(crate) fn analyse_source(
    name: &str,
    spec: &SourceSpec,
    settings: &Settings,
    cache: Option<Arc<dyn trawl_layers::LayerCache>>,
) -> anyhow::Result<(
    trawl_source::Image,
    trawl_analyzers::pipeline::AnalyzedImage,
)> {
    let opts = trawl_analyzers::pipeline::AnalyzeOptions {
        analyzers: settings.analyzers(),
        cache,
        parallel: settings.parallel,
        budget: Arc::clone(&settings.read_budget),
        limits: settings.limits,
    };
    // One pass over a compressed archive: its layers are analysed while it is indexed; the index is kept beside
    // the layer cache so a re-scan of the same file skips that pass.
    let source_opts = trawl_source::OpenOptions {
        index_dir: settings
            .cache_dir
            .as_ref()
            .and_then(|d| d.parent())
            .map(|d| d.join("sources")),
        ..Default::default()
    };
    let (image, analyzed) = trawl_analyzers::pipeline::open_and_analyze(spec, &source_opts, &opts)
        .with_context(|| format!("cannot analyse {name}"))?;
    tracing::info!(
        "{name}: {} layer(s), {} from the layer cache; {} package(s)",
        analyzed.layers.len(),
        analyzed.cache_hits,
        analyzed.inventory.packages.len()
    );
    Ok((image, analyzed))
}

/// Matches, applies the policy and builds the report, from an analysed source (or, for `trawl sbom`, from the
/// inventory an SBOM lists).
#[expect(
    clippy::too_many_arguments,
    reason = "the scan's inputs, passed through from scan_source"
)]
pub(crate) fn report_from_analysis(
    name: &str,
    artifact_type: ArtifactType,
    settings: &Settings,
    db: Option<&crate::dbsupply::DbSupply>,
    policy: &Policy,
    image: &trawl_source::Image,
    analyzed: trawl_analyzers::pipeline::AnalyzedImage,
    started: std::time::Instant,
) -> anyhow::Result<Report> {
    let analysed_at = std::time::Instant::now();
    let inventory = analyzed.inventory;
    let mut os = inventory.os.clone();
    if let Some(os) = os.as_mut() {
        os.eol = trawl_pkgdb::osrelease::past_end_of_life(os, &Policy::today_utc());
        if os.eol {
            tracing::warn!(
                "{} {} is past its end of life ({}): it gets no more security fixes",
                os.family,
                os.name,
                os.eosl.as_deref().unwrap_or("date unknown")
            );
        }
    }
    let mut packages: Vec<Package> = inventory
        .packages
        .into_iter()
        .filter(|p| settings.include_dev_deps || !p.dev)
        .filter(|p| {
            let os_pkg = p.ecosystem.is_some_and(Ecosystem::is_os);
            (os_pkg && settings.os_pkgs) || (!os_pkg && settings.library)
        })
        .collect();
    packages.sort_by(|a, b| {
        (&a.file_path, &a.name, &a.version).cmp(&(&b.file_path, &b.name, &b.version))
    });
    // Never the same package twice: one file read by two analyzers (or listed twice) reports it once.
    packages.dedup_by(|a, b| {
        a.ecosystem == b.ecosystem
            && a.name == b.name
            && a.version == b.version
            && a.file_path == b.file_path
    });

    let mut findings: Vec<(usize, Finding)> = Vec::new();
    if let Some(supply) = db {
        let db = supply.for_inventory(os.as_ref(), &packages)?;
        let mut m = trawl_matcher::Matcher::new(&db);
        findings = m.match_packages(os.as_ref(), &packages)?;
    }
    let matched_at = std::time::Instant::now();

    // Group packages into results: one for the OS packages, one per language file.
    let os_target = match &os {
        Some(os) => format!("{name} ({} {})", os.family, os.name),
        None => name.to_owned(),
    };
    let mut results: BTreeMap<(u8, String), ScanResult> = BTreeMap::new();
    let mut result_of = Vec::with_capacity(packages.len());
    for p in &packages {
        let key = if p.ecosystem.is_some_and(Ecosystem::is_os) {
            let ty = os.as_ref().map_or("unknown", |o| o.family.as_str());
            results
                .entry((0, os_target.clone()))
                .or_insert_with(|| ScanResult::new(os_target.clone(), ResultClass::OsPkgs, ty));
            (0, os_target.clone())
        } else {
            // The type and grouping of the analyzer that found the package (its declaration's).
            let ty = trawl_analyzers::result_type(p);
            // Installed metadata is one result per kind, as Trivy does (`Node.js`, `Python`...); lockfiles and
            // binaries are one result per file. The package's own path stays in `file_path`.
            let target = trawl_analyzers::grouping_target(p)
                .map_or_else(|| p.file_path.clone(), str::to_owned);
            results
                .entry((1, target.clone()))
                .or_insert_with(|| ScanResult::new(target.clone(), ResultClass::LangPkgs, ty));
            (1, target)
        };
        result_of.push(key);
    }
    if results.is_empty() && os.is_some() && settings.os_pkgs {
        let ty = os.as_ref().map_or("unknown", |o| o.family.as_str());
        results.insert(
            (0, os_target.clone()),
            ScanResult::new(os_target.clone(), ResultClass::OsPkgs, ty),
        );
    }
    let mut per_result: BTreeMap<(u8, String), Vec<Finding>> = BTreeMap::new();
    for (i, f) in findings {
        per_result.entry(result_of[i].clone()).or_default().push(f);
    }
    for (key, p) in result_of.iter().zip(packages) {
        if let Some(r) = results.get_mut(key) {
            r.packages.push(p);
        }
    }
    for (key, r) in &mut results {
        let mut fs = per_result.remove(key).unwrap_or_default();
        fs.sort_by(|a, b| (&a.pkg_name, &a.id).cmp(&(&b.pkg_name, &b.id)));
        keep_vulns(r, fs, policy, settings.show_suppressed);
    }
    let mut results: Vec<ScanResult> = results.into_values().collect();

    // Secrets and misconfigurations: one result per file (suppressed ones kept with --show-suppressed).
    let mut all_secrets = analyzed.secrets;
    let mut all_misconfigs = analyzed.misconfigurations;
    let mut image_config = image.config.clone();
    if let Some(config) = image_config.as_mut() {
        if settings.secret {
            // The config's Env, labels and build steps are scanned like a file, then redacted before the report
            // carries the config.
            all_secrets.extend(trawl_secret::scan_image_config(config));
            trawl_secret::redact_image_config(config);
        }
        if settings.misconfig {
            all_misconfigs.extend(trawl_misconfig::check_image_config(config));
        }
    }
    let (secrets, suppressed_secrets) = policy.apply_secrets(all_secrets);
    let mut by_file = ByFile::new(ResultClass::Secret);
    for s in secrets {
        by_file.get(&s.path, "secret").secrets.push(s);
    }
    if settings.show_suppressed {
        for s in suppressed_secrets {
            by_file.get(&s.path, "secret").suppressed_secrets.push(s);
        }
    }
    results.extend(by_file.into_results());
    let (misconfigs, suppressed_misconfigs) = policy.apply_misconfigs(all_misconfigs);
    let mut by_file = ByFile::new(ResultClass::Config);
    add_misconfigs(&mut by_file, misconfigs, suppressed_misconfigs, settings);
    results.extend(by_file.into_results());

    tracing::debug!(
        "timings: open+analyse {:.1} ms, match {:.1} ms, policy+results {:.1} ms",
        (analysed_at - started).as_secs_f64() * 1e3,
        (matched_at - analysed_at).as_secs_f64() * 1e3,
        matched_at.elapsed().as_secs_f64() * 1e3
    );
    let mut warnings = inventory.warnings;
    warnings.extend(policy.expiry_warnings());
    for w in &warnings {
        tracing::warn!("{}", w.message);
    }
    // Files the secret scanner skipped: counted in the report; binaries are expected (not worth a warning on
    // every image scan), so they are logged at --debug only.
    for (reason, n) in &analyzed.skipped_files {
        let message = format!("{n} file(s) not scanned for secrets: {reason}");
        if reason == "binary" {
            tracing::debug!("{message}");
        } else {
            tracing::warn!("{message}");
        }
        warnings.push(trawl_types::Warning::new(message));
    }
    let layers = analyzed
        .layers
        .iter()
        .map(|l| LayerInfo {
            index: l.layer.index,
            diff_id: l.layer.diff_id.clone(),
            digest: l.layer.digest.clone(),
            created_by: l.layer.created_by.clone(),
            size: l.size,
            cached: l.cached,
        })
        .collect();
    Ok(Report {
        schema_version: trawl_report::SCHEMA_VERSION,
        tool: trawl_report::Tool::default(),
        created_at: trawl_types::time::now_rfc3339(),
        artifact: Artifact {
            name: name.to_owned(),
            artifact_type,
            image_id: image.image_id.clone(),
            repo_tags: image.repo_tags.clone(),
            repo_digests: image.repo_digests.clone(),
            os,
            layers,
            image_config,
            base_image: None,
        },
        scanners: settings.scanner_names(),
        results,
        warnings,
        cache: settings.cache_dir.as_ref().map(|_| CacheStats {
            hits: analyzed.cache_hits as u64,
            misses: analyzed.cache_misses as u64,
        }),
        policy: policy_summary(settings, policy),
        baseline: None,
        images: Vec::new(),
    })
}

/// Puts what the policy keeps of `findings` in `r`, and (with `--show-suppressed`) what it suppresses beside the
/// result's already suppressed findings; without it, no suppressed finding stays.
pub(crate) fn keep_vulns(
    r: &mut ScanResult,
    findings: Vec<Finding>,
    policy: &Policy,
    show_suppressed: bool,
) {
    let outcome = policy.apply_vulns(&r.target, findings);
    r.vulnerabilities = outcome.kept;
    if show_suppressed {
        r.suppressed.extend(outcome.suppressed);
    } else {
        r.suppressed.clear();
    }
}

/// The manifest digest (`sha256:...`) in the first of an image's `repo@digest` names.
pub(crate) fn manifest_digest_of(repo_digests: &[String]) -> Option<String> {
    repo_digests
        .first()
        .and_then(|d| d.rsplit_once('@'))
        .map(|(_, d)| d.to_owned())
}

/// The policy a report was filtered with (none when vulnerabilities were not scanned).
pub(crate) fn policy_summary(settings: &Settings, policy: &Policy) -> Option<PolicySummary> {
    settings.vuln.then(|| PolicySummary {
        severities: settings.severities.clone(),
        ignore_unfixed: settings.ignore_unfixed,
        skip_unreachable: settings.skip_unreachable,
        ignore_statuses: settings.ignore_statuses.clone(),
        ignore_file: policy
            .ignore_files
            .first()
            .map(|f| f.path.display().to_string()),
        vex: settings
            .vex
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
        exit_code: i32::from(settings.exit_code),
        fail_on_new: settings.fail_on_new,
        failed: false,
    })
}

/// Results of one class, one per file, in path order: each finding goes into its file's result, made on first use.
pub(crate) struct ByFile {
    class: ResultClass,
    results: BTreeMap<String, ScanResult>,
}

impl ByFile {
    pub(crate) fn new(class: ResultClass) -> Self {
        ByFile {
            class,
            results: BTreeMap::new(),
        }
    }

    /// The result of `path` (of type `ty` when it is new).
    pub(crate) fn get(&mut self, path: &str, ty: &str) -> &mut ScanResult {
        self.results
            .entry(path.to_owned())
            .or_insert_with(|| ScanResult::new(path.to_owned(), self.class, ty))
    }

    pub(crate) fn into_results(self) -> impl Iterator<Item = ScanResult> {
        self.results.into_values()
    }
}

/// Misconfigurations that survived the policy, and (with `--show-suppressed`) those it suppressed, each under
/// its file's result.
pub(crate) fn add_misconfigs(
    by_file: &mut ByFile,
    kept: Vec<trawl_types::Misconfiguration>,
    suppressed: Vec<trawl_types::Misconfiguration>,
    settings: &Settings,
) {
    for m in kept {
        let ty = m.file_type.as_str();
        by_file.get(&m.path, ty).misconfigurations.push(m);
    }
    if settings.show_suppressed {
        for m in suppressed {
            let ty = m.file_type.as_str();
            by_file
                .get(&m.path, ty)
                .suppressed_misconfigurations
                .push(m);
        }
    }
}
