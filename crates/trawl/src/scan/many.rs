//! Many images in one run (`trawl image A B...`, `--images-from`, `--platform all`, `trawl registry scan`):
//! several scans at once sharing the layer cache, one aggregated report in every requested format plus a
//! per-image status; one image failing is reported and the others go on.
//!
//! Sharing the layer cache only pays if a common base layer is not analysed by several scans at the same time,
//! so images are scanned in two waves: first one image per distinct base layer, then the rest.

use crate::settings::Settings;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use trawl_registry::{PlatformSelector, Reference};
use trawl_report::{
    Artifact, ArtifactType, CacheStats, ImageOutcome, ImageStatus, LayerInfo, Report,
};
use trawl_source::{ImageSrc, RemoteOptions, SourceSpec};
use trawl_types::Warning;

/// One image to scan, with the base layer used to order the waves.
struct Job {
    name: String,
    spec: SourceSpec,
    base_layer: Option<String>,
}

/// Expands `--platform all` into one job per platform and finds each registry image's base layer (one manifest
/// and config fetch per image, `workers` at a time; the scan itself fetches them again, which is cheap next to
/// the layers). Order is kept.
fn plan(targets: Vec<(String, SourceSpec)>, workers: usize) -> Vec<Job> {
    trawl_types::pool::map(targets, workers, |(name, spec)| plan_one(name, spec))
        .into_iter()
        .flatten()
        .collect()
}

fn plan_one(name: String, spec: SourceSpec) -> Vec<Job> {
    let SourceSpec::Registry { reference, options } = &spec else {
        return vec![Job {
            name,
            spec,
            base_layer: None,
        }];
    };
    let remote_first = options.reachable_sources().first() == Some(&ImageSrc::Remote);
    let resolved = match (
        remote_first,
        reference.parse::<Reference>(),
        options.client(),
    ) {
        // Through the mirrors first, as the scan will.
        (true, Ok(r), Ok(client)) => trawl_source::mirrored_references(&r, &options.mirrors)
            .into_iter()
            .chain(std::iter::once(r))
            .find_map(|r| client.resolve(&r, &options.platform).ok()),
        _ => None,
    };
    match resolved {
        Some(images) if options.platform == PlatformSelector::All => images
            .into_iter()
            .filter_map(|image| {
                let platform = image.platform.clone()?;
                Some(Job {
                    name: format!("{name} ({platform})"),
                    spec: SourceSpec::Registry {
                        reference: reference.clone(),
                        options: RemoteOptions {
                            platform: PlatformSelector::Exact(platform),
                            ..options.clone()
                        },
                    },
                    base_layer: image.manifest.layers.first().map(|l| l.digest.to_string()),
                })
            })
            .collect(),
        Some(images) => vec![Job {
            base_layer: images
                .first()
                .and_then(|i| i.manifest.layers.first())
                .map(|l| l.digest.to_string()),
            name,
            spec,
        }],
        None => vec![Job {
            name,
            spec,
            base_layer: None,
        }],
    }
}

/// Scans every target (several at once), then writes one aggregated report. `failures` are images that could
/// not even be listed. Exit status: the policy gate over the aggregate, or [`crate::EXIT_ERROR`] when an image
/// failed (after the report is written).
pub(crate) fn scan_many(
    title: &str,
    targets: Vec<(String, SourceSpec)>,
    failures: Vec<ImageStatus>,
    settings: &Settings,
    store: Option<&trawl_server::store::BlockingStore>,
) -> anyhow::Result<ExitCode> {
    let images_at_once = settings.images_at_once;
    // With a store, an image is not resolved ahead (its config is a blob): the store decides whether it is pulled.
    let jobs = match store {
        Some(_) => targets
            .into_iter()
            .map(|(name, spec)| Job {
                name,
                spec,
                base_layer: None,
            })
            .collect(),
        None => plan(targets, images_at_once.max(4)),
    };
    let db = super::open_db(settings)?;
    let policy = settings.policy()?;
    // Split the CPUs between concurrent scans.
    let workers = images_at_once.clamp(1, jobs.len().max(1));
    let mut per_scan = settings.clone();
    per_scan.parallel = (settings.parallel / workers).max(1);

    // Wave 1: the first image of each base layer (and images whose base is unknown); wave 2: the rest.
    let mut seen = HashSet::new();
    let (first, second): (Vec<usize>, Vec<usize>) =
        (0..jobs.len()).partition(|&i| match &jobs[i].base_layer {
            Some(b) => seen.insert(b.clone()),
            None => true,
        });
    let total = jobs.len();
    let mut outcomes: Vec<Option<anyhow::Result<Report>>> = (0..total).map(|_| None).collect();
    // Images a previous run of the same --resume file already reported are not scanned again.
    let resume = settings
        .resume
        .as_deref()
        .map(super::resume::ResumeState::open)
        .transpose()?;
    if let Some(state) = &resume {
        let recorded = state.len();
        for (i, job) in jobs.iter().enumerate() {
            if let Some(r) = state.take(&job.name) {
                outcomes[i] = Some(Ok(r));
            }
        }
        let resumed = outcomes.iter().filter(|o| o.is_some()).count();
        tracing::info!(
            "resuming: {resumed} of {total} image(s) already reported in {} ({recorded} recorded there)",
            settings
                .resume
                .as_deref()
                .map_or(String::new(), |p| p.display().to_string())
        );
    }
    let (first, second): (Vec<usize>, Vec<usize>) = (
        first
            .into_iter()
            .filter(|&i| outcomes[i].is_none())
            .collect(),
        second
            .into_iter()
            .filter(|&i| outcomes[i].is_none())
            .collect(),
    );
    let progress = Progress::new(
        total,
        total - first.len() - second.len(),
        clients(&jobs),
        settings.progress,
    );
    for wave in [first, second] {
        let reports = trawl_types::pool::map(wave.clone(), workers, |i| {
            let job = &jobs[i];
            let result = match store {
                Some(store) => super::store::scan_with_store(
                    &job.name,
                    &job.spec,
                    &per_scan,
                    db.as_ref(),
                    &policy,
                    store,
                ),
                None => super::scan_source(
                    &job.name,
                    &job.spec,
                    ArtifactType::ContainerImage,
                    &per_scan,
                    db.as_ref(),
                    &policy,
                ),
            };
            if let (Ok(r), Some(state)) = (&result, &resume) {
                state.record(&job.name, r);
            }
            progress.finished(&job.name, &result);
            result
        });
        for (i, r) in wave.into_iter().zip(reports) {
            outcomes[i] = Some(r);
        }
    }
    let pulled = progress.finish();
    let mut statuses = failures;
    let mut reports = Vec::new();
    for (job, outcome) in jobs.iter().zip(outcomes) {
        match outcome {
            Some(Ok(r)) => {
                statuses.push(ImageStatus::ok(job.name.clone(), &r));
                reports.push((job.name.clone(), r));
            }
            Some(Err(e)) => statuses.push(ImageStatus::failed(job.name.clone(), format!("{e:#}"))),
            None => statuses.push(ImageStatus::failed(
                job.name.clone(),
                "not scanned".to_owned(),
            )),
        }
    }
    let failed_images = statuses
        .iter()
        .filter(|s| s.status == ImageOutcome::Failed)
        .count();
    let mut report = aggregate(title, settings, reports, &statuses);
    let old = crate::baseline::load_configured(settings)?;
    crate::baseline::attach(&mut report, old.as_ref());
    let status = crate::output::finish(&mut report, settings)?;
    let ok = statuses.len() - failed_images;
    tracing::info!(
        "{title}: {ok} image(s) scanned, {failed_images} failed; layer cache: {} hit(s), {} miss(es); {} pulled",
        report.cache.as_ref().map_or(0, |c| c.hits),
        report.cache.as_ref().map_or(0, |c| c.misses),
        human_bytes(pulled)
    );
    if failed_images > 0 {
        return Ok(ExitCode::from(crate::EXIT_ERROR));
    }
    Ok(status)
}

/// The distinct registry clients of the jobs (usually one, shared): their byte counters say what was pulled.
fn clients(jobs: &[Job]) -> Vec<trawl_registry::Client> {
    let mut out: Vec<trawl_registry::Client> = Vec::new();
    for job in jobs {
        if let SourceSpec::Registry { options, .. } = &job.spec
            && let Some(c) = &options.client
            && !out.iter().any(|o| o.same_as(c))
        {
            out.push(c.clone());
        }
    }
    out
}

fn human_bytes(n: u64) -> String {
    if n >= 10 << 20 {
        format!("{} MiB", n >> 20)
    } else {
        format!("{:.1} MiB", n as f64 / f64::from(1u32 << 20))
    }
}

/// Where a long many-image run stands: a bar on terminals (done, failed, left, bytes pulled), else one log line
/// per image with the same counts.
struct Progress {
    total: usize,
    done: AtomicUsize,
    failed: AtomicUsize,
    clients: Vec<trawl_registry::Client>,
    pulled_before: u64,
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    fn new(
        total: usize,
        already: usize,
        clients: Vec<trawl_registry::Client>,
        enabled: bool,
    ) -> Progress {
        let pulled_before = clients.iter().map(|c| c.stats().blob_bytes).sum();
        let bar = (enabled && std::io::IsTerminal::is_terminal(&std::io::stderr())).then(|| {
            let bar = indicatif::ProgressBar::new(total as u64);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:30} {pos}/{len} images {msg} [{elapsed_precise}, {eta} left]",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar.set_position(already as u64);
            bar
        });
        Progress {
            total,
            done: AtomicUsize::new(already),
            failed: AtomicUsize::new(0),
            clients,
            pulled_before,
            bar,
        }
    }

    fn pulled(&self) -> u64 {
        self.clients
            .iter()
            .map(|c| c.stats().blob_bytes)
            .sum::<u64>()
            .saturating_sub(self.pulled_before)
    }

    fn finished(&self, name: &str, result: &anyhow::Result<Report>) {
        let n = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if result.is_err() {
            self.failed.fetch_add(1, Ordering::Relaxed);
        }
        let failed = self.failed.load(Ordering::Relaxed);
        let counts = format!(
            "{failed} failed, {} left, {} pulled",
            self.total - n,
            human_bytes(self.pulled())
        );
        if let Some(bar) = &self.bar {
            bar.set_position(n as u64);
            bar.set_message(counts.clone());
        }
        let total = self.total;
        match result {
            Ok(r) => {
                let hits = r.artifact.layers.iter().filter(|l| l.cached).count();
                let line = format!(
                    "[{n}/{total}] {name}: {} layer(s), {hits} from the layer cache, {} vulnerabilities ({counts})",
                    r.artifact.layers.len(),
                    r.results
                        .iter()
                        .map(|x| x.vulnerabilities.len())
                        .sum::<usize>()
                );
                match &self.bar {
                    Some(bar) => bar.suspend(|| tracing::debug!("{line}")),
                    None => tracing::info!("{line}"),
                }
            }
            Err(e) => {
                let line = format!("[{n}/{total}] {name}: {e:#} ({counts})");
                match &self.bar {
                    Some(bar) => bar.suspend(|| tracing::error!("{line}")),
                    None => tracing::error!("{line}"),
                }
            }
        }
    }

    /// Clears the bar; the bytes pulled by this run.
    fn finish(self) -> u64 {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        self.pulled()
    }
}

/// One report for many images: results and warnings of every image (targets prefixed with the image name where
/// they do not already carry it), summed cache statistics, the union of layers, and per-image statuses under
/// `images`.
fn aggregate(
    title: &str,
    settings: &Settings,
    reports: Vec<(String, Report)>,
    statuses: &[ImageStatus],
) -> Report {
    let mut results = Vec::new();
    let mut warnings = Vec::new();
    let mut hits = 0;
    let mut misses = 0;
    let mut repo_tags = BTreeSet::new();
    let mut repo_digests = BTreeSet::new();
    let mut layers: BTreeMap<String, LayerInfo> = BTreeMap::new();
    let mut oses = BTreeMap::new();
    let mut template: Option<Report> = None;
    for (name, r) in reports {
        if let Some(c) = &r.cache {
            hits += c.hits;
            misses += c.misses;
        }
        repo_tags.extend(r.artifact.repo_tags.iter().cloned());
        repo_digests.extend(r.artifact.repo_digests.iter().cloned());
        for l in &r.artifact.layers {
            layers.entry(l.diff_id.clone()).or_insert_with(|| l.clone());
        }
        if let Some(os) = &r.artifact.os {
            oses.insert(format!("{} {}", os.family, os.name), os.clone());
        }
        for mut res in r.results.clone() {
            if !res.target.starts_with(&name) {
                res.target = format!("{name}: {}", res.target);
            }
            results.push(res);
        }
        for w in &r.warnings {
            warnings.push(Warning {
                message: format!("{name}: {}", w.message),
                ..w.clone()
            });
        }
        if template.is_none() {
            template = Some(r);
        }
    }
    for s in statuses.iter().filter(|s| s.status == ImageOutcome::Failed) {
        warnings.push(Warning::new(format!(
            "{}: scan failed: {}",
            s.name,
            s.error.as_deref().unwrap_or("unknown error")
        )));
    }
    let image_count = statuses.len();
    let mut report = template.unwrap_or_else(|| Report {
        scanners: settings.scanner_names(),
        ..Report::new(Artifact::default())
    });
    report.artifact = Artifact {
        name: format!("{title} ({image_count} images)"),
        artifact_type: ArtifactType::ContainerImage,
        image_id: None,
        repo_tags: repo_tags.into_iter().collect(),
        repo_digests: repo_digests.into_iter().collect(),
        os: (oses.len() == 1)
            .then(|| oses.into_values().next())
            .flatten(),
        layers: layers.into_values().collect(),
        image_config: None,
        base_image: None,
    };
    report.results = results;
    report.warnings = warnings;
    report.cache = settings
        .cache_dir
        .as_ref()
        .map(|_| CacheStats { hits, misses });
    report.baseline = None;
    report.images = statuses.to_vec();
    report
}
