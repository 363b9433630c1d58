//! Images from registries and daemons, and many images in one run:
//!
//! - [`RemoteArgs`]: the registry/daemon flags of `trawl image` (credentials, TLS, `--platform`, `--image-src`,
//!   `--images-from`), turned into [`trawl_source::RemoteOptions`] by [`RemoteArgs::options`];
//! - `trawl registry scan REGISTRY[/PREFIX]`: lists repositories (`/v2/_catalog`) and tags, then scans them;
//! - [`scan_many`]: several images at once (`--parallel N` concurrent scans sharing the layer cache), one
//!   aggregated report in every requested format plus a per-image status; one image failing is reported and the
//!   others go on.
//!
//! Sharing the layer cache only pays if a common base layer is not analysed by several scans at the same time,
//! so images are scanned in two waves: first one image per distinct base layer, then the rest.

use crate::commands::scan::{self, ScanArgs, Settings};
use anyhow::{Context, bail};
use clap::{Args, Subcommand};

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::Read as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use trawl_registry::{
    Client, ClientOptions, CredentialOptions, PlatformSelector, Reference, Registry, Repository,
    Secret,
};
use trawl_report::{Artifact, ArtifactType, CacheStats, LayerInfo, Report};
use trawl_source::{ImageSrc, RemoteOptions, SourceSpec};
use trawl_types::Warning;

fn secret(s: &str) -> Result<Secret, String> {
    Ok(Secret::new(s))
}

/// Registry and daemon flags (shared by `trawl image` and `trawl registry scan`). Secrets are parsed into
/// [`Secret`], so `Debug` output never shows them.
#[derive(Debug, Args, Clone, Default)]
pub(crate) struct RemoteArgs {
    /// Registry user name.
    #[arg(long, env = "TRAWL_USERNAME")]
    pub(crate) username: Option<String>,
    /// Registry password (prefer --password-stdin or TRAWL_PASSWORD: arguments are visible to other users).
    #[arg(long, env = "TRAWL_PASSWORD", hide_env_values = true, value_parser = secret)]
    pub(crate) password: Option<Secret>,
    /// Read the registry password from standard input (wins over --password / TRAWL_PASSWORD).
    #[arg(long)]
    pub(crate) password_stdin: bool,
    /// A bearer token sent as-is to registries that ask for authentication (instead of a user and password).
    #[arg(long, env = "TRAWL_REGISTRY_TOKEN", hide_env_values = true, value_parser = secret)]
    pub(crate) registry_token: Option<Secret>,
    /// Plain HTTP, or HTTPS without certificate verification (loopback registries get this automatically).
    #[arg(long, value_parser = crate::commands::env_bool(), env = "TRAWL_INSECURE")]
    pub(crate) insecure: bool,
    /// PEM file(s) of CA certificates to trust instead of the built-in roots.
    #[arg(long, env = "TRAWL_CACERT", value_delimiter = ',')]
    pub(crate) cacert: Vec<PathBuf>,
    /// Network timeout for connecting, awaiting a response and each read: `30s`, `2m`, or seconds [default: 60s].
    #[arg(long, env = "TRAWL_TIMEOUT")]
    pub(crate) timeout: Option<String>,
    /// Platform to take from multi-platform images: `os/arch[/variant]` or `all` [default: the host's, else
    /// linux/amd64].
    #[arg(long, env = "TRAWL_PLATFORM")]
    pub(crate) platform: Option<String>,
    /// Where images given by name are looked for, in order [default: docker,podman,remote].
    #[arg(long, env = "TRAWL_IMAGE_SRC", value_delimiter = ',')]
    pub(crate) image_src: Vec<String>,
    /// A file of image references to scan, one per line (`#` comments and blank lines skipped).
    #[arg(long, env = "TRAWL_IMAGES_FROM")]
    pub(crate) images_from: Option<PathBuf>,
}

/// `--timeout`: a [`trawl_types::time::parse_duration`] duration, not zero.
fn parse_timeout(s: &str) -> anyhow::Result<Duration> {
    trawl_types::time::parse_duration(s)
        .ok()
        .filter(|d| !d.is_zero())
        .with_context(|| format!("invalid --timeout {:?}: use e.g. 30s, 2m or 90", s.trim()))
}

impl RemoteArgs {
    /// The registry client and source options these flags describe.
    pub(crate) fn options(&self) -> anyhow::Result<RemoteOptions> {
        let password = if self.password_stdin {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .context("cannot read the password from standard input")?;
            let s = s.trim_end_matches(['\n', '\r']).to_owned();
            if s.is_empty() {
                bail!("--password-stdin: standard input was empty");
            }
            Some(Secret::new(s))
        } else {
            self.password.clone()
        };
        if password.is_some() && self.username.is_none() {
            bail!("a registry password needs --username (or TRAWL_USERNAME)");
        }
        let mut options = ClientOptions {
            insecure: self.insecure,
            ca_certs: self.cacert.clone(),
            credentials: CredentialOptions {
                username: self.username.clone(),
                password,
                registry_token: self.registry_token.clone(),
                ..CredentialOptions::default()
            },
            ..ClientOptions::default()
        };
        if let Some(t) = &self.timeout {
            options.timeout = parse_timeout(t)?;
        }
        let client = Client::new(options)?;
        let platform = match &self.platform {
            Some(p) => p.parse::<PlatformSelector>()?,
            None => PlatformSelector::Default,
        };
        let image_src = if self.image_src.is_empty() {
            ImageSrc::DEFAULT_ORDER.to_vec()
        } else {
            self.image_src
                .iter()
                .map(|s| s.parse::<ImageSrc>().map_err(anyhow::Error::msg))
                .collect::<anyhow::Result<Vec<_>>>()?
        };
        Ok(RemoteOptions {
            image_src,
            client: Some(client),
            platform,
            ..RemoteOptions::default()
        })
    }

    /// References listed in `--images-from`.
    pub(crate) fn listed_images(&self) -> anyhow::Result<Vec<String>> {
        let Some(path) = &self.images_from else {
            return Ok(Vec::new());
        };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the image list {}", path.display()))?;
        Ok(text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_owned)
            .collect())
    }
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

/// `trawl registry` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum RegistryCommand {
    /// Scan the images of a registry, or of the repositories under REGISTRY/PREFIX, into one report.
    Scan(RegistryScanArgs),
}

/// Arguments of `trawl registry scan`.
#[derive(Debug, Args)]
pub(crate) struct RegistryScanArgs {
    /// `REGISTRY[/PREFIX]`, e.g. `127.0.0.1:5000`, `registry.example.com/team`.
    pub(crate) target: String,
    /// Tags to scan: `latest`, `all`, or a regular expression that must match the whole tag.
    #[arg(long, env = "TRAWL_TAGS", default_value = "latest")]
    pub(crate) tags: String,
    /// Scan at most this many images (repositories and tags in sorted order).
    #[arg(long, env = "TRAWL_MAX_IMAGES")]
    pub(crate) max_images: Option<usize>,
    #[command(flatten)]
    pub(crate) remote: RemoteArgs,
    #[command(flatten)]
    pub(crate) scan: ScanArgs,
}

pub(crate) fn run(cmd: RegistryCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        RegistryCommand::Scan(args) => registry_scan(args),
    }
}

enum TagFilter {
    Latest,
    All,
    Regex(regex::Regex),
}

impl TagFilter {
    fn parse(s: &str) -> anyhow::Result<Self> {
        Ok(match s {
            "latest" => TagFilter::Latest,
            "all" => TagFilter::All,
            re => TagFilter::Regex(
                regex::Regex::new(&format!("^(?:{re})$"))
                    .with_context(|| format!("invalid --tags regex {re:?}"))?,
            ),
        })
    }

    fn keep(&self, tag: &str) -> bool {
        match self {
            TagFilter::Latest => tag == "latest",
            TagFilter::All => true,
            TagFilter::Regex(r) => r.is_match(tag),
        }
    }
}

fn registry_scan(args: RegistryScanArgs) -> anyhow::Result<ExitCode> {
    let images_at_once = args.scan.parallel.unwrap_or(4).max(1);
    let mut settings = Settings::resolve(args.scan, &["vuln", "secret"])?;
    settings.lockfiles = false;
    let mut remote = args.remote.options()?;
    remote.image_src = vec![ImageSrc::Remote];
    let filter = TagFilter::parse(&args.tags)?;
    let (host, prefix) = match args.target.trim_end_matches('/').split_once('/') {
        Some((h, p)) => (h, Some(p)),
        None => (args.target.trim_end_matches('/'), None),
    };
    let registry =
        Registry::new(host).with_context(|| format!("invalid registry {:?}", args.target))?;
    let client = remote.client()?;
    let repositories = client
        .catalog(&registry)
        .with_context(|| format!("cannot list the repositories of {registry}"))?;
    let repositories: Vec<String> = repositories
        .into_iter()
        .filter(|r| prefix.is_none_or(|p| r == p || r.starts_with(&format!("{p}/"))))
        .collect();
    tracing::info!("{registry}: {} repositories", repositories.len());
    let mut targets: Vec<(String, SourceSpec)> = Vec::new();
    let mut failures: Vec<ImageStatus> = Vec::new();
    for name in &repositories {
        let repo = match Repository::new(registry.clone(), name) {
            Ok(r) => r,
            Err(e) => {
                failures.push(ImageStatus::failed(format!("{registry}/{name}"), &e.into()));
                continue;
            }
        };
        let mut tags = match client.tags(&repo) {
            Ok(t) => t,
            Err(e) => {
                failures.push(ImageStatus::failed(
                    repo.to_string(),
                    &anyhow::Error::new(e),
                ));
                continue;
            }
        };
        tags.sort();
        let kept: Vec<&String> = tags.iter().filter(|t| filter.keep(t)).collect();
        if kept.is_empty() {
            tracing::info!("{repo}: no tag matches --tags {}", args.tags);
        }
        for tag in kept {
            let reference = format!("{repo}:{tag}");
            targets.push((
                reference.clone(),
                SourceSpec::Registry {
                    reference,
                    options: remote.clone(),
                },
            ));
        }
    }
    if let Some(max) = args.max_images
        && targets.len() > max
    {
        tracing::warn!(
            "{} images found; scanning the first {max} (--max-images)",
            targets.len()
        );
        targets.truncate(max);
    }
    if targets.is_empty() && failures.is_empty() {
        bail!(
            "{}: no image to scan (repositories: {}, --tags {})",
            args.target,
            repositories.len(),
            args.tags
        );
    }
    scan_many(&args.target, targets, failures, settings, images_at_once)
}

use trawl_report::{ImageLayerStatus, ImageStatus};

/// Constructors of the report's per-image statuses.
trait ImageStatusExt {
    fn failed(name: String, err: &anyhow::Error) -> Self;
    fn ok(name: String, r: &Report) -> Self;
}

impl ImageStatusExt for ImageStatus {
    fn failed(name: String, err: &anyhow::Error) -> Self {
        ImageStatus {
            name,
            status: "failed".to_owned(),
            error: Some(format!("{err:#}")),
            image_id: None,
            repo_digests: Vec::new(),
            platform: None,
            layers: Vec::new(),
            cache: None,
            packages: 0,
            vulnerabilities: 0,
        }
    }

    fn ok(name: String, r: &Report) -> Self {
        let platform = r.artifact.image_config.as_ref().and_then(|c| {
            let os = c.get("os")?.as_str()?;
            let arch = c.get("architecture")?.as_str()?;
            Some(match c.get("variant").and_then(|v| v.as_str()) {
                Some(v) => format!("{os}/{arch}/{v}"),
                None => format!("{os}/{arch}"),
            })
        });
        ImageStatus {
            name,
            status: "ok".to_owned(),
            error: None,
            image_id: r.artifact.image_id.clone(),
            repo_digests: r.artifact.repo_digests.clone(),
            platform,
            layers: r
                .artifact
                .layers
                .iter()
                .map(|l| ImageLayerStatus {
                    diff_id: l.diff_id.clone(),
                    cached: l.cached,
                })
                .collect(),
            cache: r.cache,
            packages: r.results.iter().map(|x| x.packages.len()).sum(),
            vulnerabilities: r.results.iter().map(|x| x.vulnerabilities.len()).sum(),
        }
    }
}

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
    let n = targets.len();
    let slots: Vec<Mutex<Option<(String, SourceSpec)>>> =
        targets.into_iter().map(|t| Mutex::new(Some(t))).collect();
    let planned: Mutex<Vec<Option<Vec<Job>>>> = Mutex::new((0..n).map(|_| None).collect());
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..workers.clamp(1, n.max(1)) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(slot) = slots.get(i) else { break };
                    let Some((name, spec)) = slot
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .take()
                    else {
                        continue;
                    };
                    let jobs = plan_one(name, spec);
                    planned
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)[i] = Some(jobs);
                }
            });
        }
    });
    planned
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .into_iter()
        .flatten()
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
        (true, Ok(r), Ok(client)) => client.resolve(&r, &options.platform).ok(),
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
    settings: Settings,
    images_at_once: usize,
) -> anyhow::Result<ExitCode> {
    let jobs = plan(targets, images_at_once.max(4));
    let db = if settings.vuln {
        Some(scan::open_db(&settings)?)
    } else {
        None
    };
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
    let done = AtomicUsize::new(0);
    let outcomes: Mutex<Vec<Option<anyhow::Result<Report>>>> =
        Mutex::new((0..total).map(|_| None).collect());
    for wave in [first, second] {
        let next = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..workers.min(wave.len()) {
                s.spawn(|| {
                    loop {
                        let k = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&i) = wave.get(k) else { break };
                        let job = &jobs[i];
                        let result = scan::scan_source(
                            &job.name,
                            &job.spec,
                            ArtifactType::ContainerImage,
                            &per_scan,
                            db.as_ref(),
                            &policy,
                        );
                        let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                        match &result {
                            Ok(r) => {
                                let hits = r.artifact.layers.iter().filter(|l| l.cached).count();
                                tracing::info!(
                                    "[{n}/{total}] {}: {} layer(s), {hits} from the layer cache, {} vulnerabilities",
                                    job.name,
                                    r.artifact.layers.len(),
                                    r.results.iter().map(|x| x.vulnerabilities.len()).sum::<usize>()
                                );
                            }
                            Err(e) => tracing::error!("[{n}/{total}] {}: {e:#}", job.name),
                        }
                        outcomes.lock().unwrap_or_else(std::sync::PoisonError::into_inner)[i] = Some(result);
                    }
                });
            }
        });
    }
    let outcomes = outcomes
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut statuses = failures;
    let mut reports = Vec::new();
    for (job, outcome) in jobs.iter().zip(outcomes) {
        match outcome {
            Some(Ok(r)) => {
                statuses.push(ImageStatus::ok(job.name.clone(), &r));
                reports.push((job.name.clone(), r));
            }
            Some(Err(e)) => statuses.push(ImageStatus::failed(job.name.clone(), &e)),
            None => statuses.push(ImageStatus::failed(
                job.name.clone(),
                &anyhow::anyhow!("not scanned"),
            )),
        }
    }
    let failed_images = statuses.iter().filter(|s| s.status == "failed").count();
    let mut report = aggregate(title, &settings, reports, &statuses);
    if let Some(path) = &settings.baseline {
        let old = crate::commands::baseline::load(path)?;
        report.baseline = Some(crate::commands::baseline::diff(
            &path.display().to_string(),
            &old,
            &report,
        ));
    }
    let gate = scan::gate_failed(&report, &settings);
    if let Some(p) = report.policy.as_mut() {
        p.failed = gate;
    }
    scan::write_outputs(&report, &settings)?;
    let ok = statuses.len() - failed_images;
    tracing::info!(
        "{title}: {ok} image(s) scanned, {failed_images} failed; layer cache: {} hit(s), {} miss(es)",
        report.cache.as_ref().map_or(0, |c| c.hits),
        report.cache.as_ref().map_or(0, |c| c.misses)
    );
    if failed_images > 0 {
        return Ok(ExitCode::from(crate::EXIT_ERROR));
    }
    Ok(scan::exit_status(gate, &settings))
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
    for s in statuses.iter().filter(|s| s.status == "failed") {
        warnings.push(Warning::new(format!(
            "{}: scan failed: {}",
            s.name,
            s.error.as_deref().unwrap_or("unknown error")
        )));
    }
    let image_count = statuses.len();
    let mut report = template.unwrap_or_else(|| Report {
        schema_version: trawl_report::SCHEMA_VERSION,
        tool: trawl_report::Tool::default(),
        created_at: trawl_types::time::now_rfc3339(),
        artifact: Artifact::default(),
        scanners: settings.scanner_names(),
        results: Vec::new(),
        warnings: Vec::new(),
        cache: None,
        policy: None,
        baseline: None,
        images: Vec::new(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_timeout("30s").expect("ok"), Duration::from_secs(30));
        assert_eq!(parse_timeout("2m").expect("ok"), Duration::from_secs(120));
        assert_eq!(parse_timeout("90").expect("ok"), Duration::from_secs(90));
        assert_eq!(parse_timeout("1.5m").expect("ok"), Duration::from_secs(90));
        assert!(parse_timeout("soon").is_err());
        assert!(parse_timeout("-1s").is_err());
        assert!(parse_timeout("0s").is_err());
    }

    #[test]
    fn tag_filters() {
        let re = TagFilter::parse("3\\.1[0-9]").expect("regex");
        assert!(re.keep("3.10") && !re.keep("3.10-x") && !re.keep("latest"));
        assert!(TagFilter::parse("latest").expect("ok").keep("latest"));
        assert!(TagFilter::parse("all").expect("ok").keep("anything"));
        assert!(TagFilter::parse("(").is_err());
    }

    #[test]
    fn secrets_do_not_show_in_debug() {
        let args = RemoteArgs {
            username: Some("bob".into()),
            password: Some(Secret::new("hunter2-pw")),
            registry_token: Some(Secret::new("tok-secret")),
            ..RemoteArgs::default()
        };
        let dbg = format!("{args:?}");
        assert!(
            !dbg.contains("hunter2-pw") && !dbg.contains("tok-secret"),
            "{dbg}"
        );
    }
}
