//! Settings: the flags of one command, the `TRAWL_*` environment (both read by clap into `crate::cli`) and
//! `trawl.toml`, resolved once into [`Settings`]; the registry flags into [`trawl_source::RemoteOptions`].

use crate::cli::{FailOn, PkgType, RemoteArgs, ScanArgs, Scanner};
use anyhow::{Context, bail};
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use trawl_analyzers::lang::{Filtered, PathFilter};
use trawl_analyzers::{ALL, Analyzer, AnalyzerKind};
use trawl_policy::{IgnoreFile, Policy, VexDocument};
use trawl_registry::{Client, ClientOptions, CredentialOptions, PlatformSelector, Secret};
use trawl_report::ReportFormat;
use trawl_source::{ImageSrc, RemoteOptions};
use trawl_types::{Severity, Status};

/// What a command scans: it decides the default scanners and which analyzers run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// `trawl image`, `trawl registry scan`.
    Image,
    /// `trawl rootfs`.
    Rootfs,
    /// `trawl fs`.
    Fs,
    /// `trawl sbom`.
    Sbom,
    /// `trawl config` (the misconfiguration scanner only).
    Config,
}

impl Target {
    fn default_scanners(self) -> &'static [Scanner] {
        match self {
            Target::Image | Target::Rootfs | Target::Fs => &[Scanner::Vuln, Scanner::Secret],
            // As `trivy sbom`: vulnerabilities (an SBOM has no files to search for secrets).
            Target::Sbom => &[Scanner::Vuln],
            Target::Config => &[Scanner::Misconfig],
        }
    }

    /// `fs` reads lockfiles and manifests; image and rootfs scans read installed metadata, binaries and jars
    /// only, as Trivy does.
    fn reads_lockfiles(self) -> bool {
        !matches!(self, Target::Image | Target::Rootfs)
    }
}

/// One requested output.
#[derive(Debug, Clone)]
pub(crate) struct Output {
    pub(crate) format: ReportFormat,
    /// `None` = stdout.
    pub(crate) path: Option<PathBuf>,
}

/// Base image detection and filtering (`--base-image`, `--base-catalog`, `--ignore-base`, `--only-base`).
#[derive(Debug, Clone, Default)]
pub(crate) struct BaseSettings {
    /// `--base-image`.
    pub(crate) given: Option<String>,
    /// `--base-catalog` repositories.
    pub(crate) catalog: Vec<String>,
    /// Where scanned images' layer lists are kept (candidates for later scans); `None` with `--no-cache`.
    pub(crate) index_dir: Option<PathBuf>,
    /// `--offline`: no registry is asked about a named base.
    pub(crate) offline: bool,
    /// Keep only the findings of this origin (`--ignore-base`: the image's; `--only-base`: the base's).
    pub(crate) filter: Option<trawl_types::Origin>,
}

/// Resolved scan settings.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// Base image detection and filtering.
    pub(crate) base: BaseSettings,
    pub(crate) vuln: bool,
    pub(crate) secret: bool,
    pub(crate) misconfig: bool,
    pub(crate) os_pkgs: bool,
    pub(crate) library: bool,
    pub(crate) severities: Vec<Severity>,
    pub(crate) ignore_statuses: Vec<Status>,
    /// `--ignore-status` values that are vendor status words (`no-dsa`, `postponed`, `deferred`...).
    pub(crate) ignore_vendor_statuses: Vec<String>,
    pub(crate) ignore_unfixed: bool,
    /// `--skip-unreachable`.
    pub(crate) skip_unreachable: bool,
    pub(crate) exit_code: u8,
    pub(crate) ignorefile: Option<PathBuf>,
    pub(crate) vex: Vec<PathBuf>,
    pub(crate) show_suppressed: bool,
    /// Where the DB comes from (see `crate::dbsupply`).
    pub(crate) db_supply: crate::dbsupply::DbSupplyConfig,
    pub(crate) list_all_pkgs: bool,
    pub(crate) outputs: Vec<Output>,
    pub(crate) summary: Option<PathBuf>,
    pub(crate) cache_dir: Option<PathBuf>,
    /// Layers analysed at once within one image.
    pub(crate) parallel: usize,
    /// Images scanned at once by a many-image scan (`--parallel`, default 4).
    pub(crate) images_at_once: usize,
    /// `--max-file-size` / `--max-read-total`: shared by every scan of the run.
    pub(crate) read_budget: Arc<trawl_layers::ReadBudget>,
    /// `--max-archive-depth`.
    pub(crate) limits: trawl_analyzers::Limits,
    pub(crate) include_dev_deps: bool,
    /// `--registry-mirror HOST=MIRROR`, in order.
    pub(crate) registry_mirrors: Vec<(String, String)>,
    /// `--resume STATE` (many-image runs).
    pub(crate) resume: Option<PathBuf>,
    /// Progress bars on terminals (`--no-progress` turns them off).
    pub(crate) progress: bool,
    /// `--skip-dirs`, `--skip-files`, `--file-patterns`; `None` when none was given.
    pub(crate) path_filter: Option<Arc<PathFilter>>,
    /// The values behind `path_filter`, part of the layer cache key of filtered analyzers.
    pub(crate) path_filter_key: String,
    pub(crate) baseline: Option<PathBuf>,
    pub(crate) fail_on_new: bool,
    /// Custom Rego policies directory.
    pub(crate) config_policy: Option<PathBuf>,
    /// Secret rules file.
    pub(crate) secret_config: Option<PathBuf>,
    /// The analyzers' configuration: `--secret-config`'s rules and `--config-policy`'s policies, loaded once
    /// (`trawl config` evaluates the same policies).
    pub(crate) analyzer_config: trawl_analyzers::Config,
    /// Whether lockfile analyzers run (`trawl fs`, which then skips installed metadata, binaries and jars); image
    /// and rootfs scans read installed metadata, binaries and jars only, as Trivy does.
    pub(crate) lockfiles: bool,
}

/// Whether every requested format is an SBOM (`cyclonedx`, `spdx-json`, `spdx`): then the default is no scanner,
/// as in Trivy, and the scan needs no advisory DB. `--scanners vuln` adds the vulnerabilities.
fn sbom_formats_only(formats: &[String]) -> bool {
    !formats.is_empty()
        && formats.iter().all(|f| {
            let name = f.split_once('=').map_or(f.as_str(), |(n, _)| n);
            name.parse::<ReportFormat>()
                .is_ok_and(ReportFormat::is_sbom)
        })
}

impl Settings {
    /// Resolves the flags of one command: flags and `TRAWL_*` variables (already in `args`, by clap) win over
    /// `trawl.toml`, which wins over the defaults. `args` is destructured: a flag added to [`ScanArgs`] and not
    /// used here does not compile.
    pub(crate) fn resolve(args: ScanArgs, target: Target) -> anyhow::Result<Settings> {
        let ScanArgs {
            scanners,
            pkg_types,
            severity,
            ignore_unfixed,
            skip_unreachable,
            ignore_status,
            exit_code,
            ignorefile,
            vex,
            show_suppressed,
            db,
            skip_db_update,
            offline,
            db_repository,
            db_source,
            db_max_age,
            feeds,
            list_all_pkgs,
            formats,
            output,
            no_summary,
            cache_dir,
            no_cache,
            parallel,
            max_file_size,
            max_read_total,
            max_archive_depth,
            include_dev_deps,
            skip_dirs,
            skip_files,
            file_patterns,
            registry_mirror,
            config_policy,
            secret_config,
            no_progress,
            resume,
            baseline,
            fail_on,
            base_image,
            base_catalog,
            ignore_base,
            only_base,
            config: _,
        } = with_config_file(args)?;
        if ignore_base && only_base {
            bail!("--ignore-base and --only-base exclude each other");
        }
        let scanners: Vec<Scanner> = if target == Target::Config {
            vec![Scanner::Misconfig]
        } else if !scanners.is_empty() {
            scanners
        } else if sbom_formats_only(&formats) {
            // As Trivy: an SBOM format alone is an inventory, no scanner (so no DB) unless asked for.
            Vec::new()
        } else {
            target.default_scanners().to_vec()
        };
        let pkg_types = if pkg_types.is_empty() {
            vec![PkgType::Os, PkgType::Library]
        } else {
            pkg_types
        };
        let severities = severity
            .iter()
            .map(|s| s.parse::<Severity>().map_err(anyhow::Error::msg))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let mut ignore_statuses = Vec::new();
        let mut ignore_vendor_statuses = Vec::new();
        for s in &ignore_status {
            match s.parse::<Status>() {
                Ok(st) => ignore_statuses.push(st),
                Err(e) => match trawl_types::vendor_status_word(s) {
                    Some(w) => ignore_vendor_statuses.push(w.to_owned()),
                    None => bail!(
                        "{e}, nor a vendor status ({})",
                        trawl_types::VENDOR_STATUS_WORDS.join(", ")
                    ),
                },
            }
        }
        if ignore_unfixed {
            for s in trawl_policy::UNFIXED_STATUSES {
                if !ignore_statuses.contains(s) {
                    ignore_statuses.push(*s);
                }
            }
        }
        let outputs = outputs(&formats, output.as_ref())?;
        let fail_on = fail_on.unwrap_or_default();
        if fail_on == FailOn::New && baseline.is_none() {
            bail!("--fail-on new needs --baseline OLD.json");
        }
        let summary = if no_summary {
            None
        } else {
            std::env::var_os("GITHUB_STEP_SUMMARY")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        let (path_filter, path_filter_key) =
            if skip_dirs.is_empty() && skip_files.is_empty() && file_patterns.is_empty() {
                (None, String::new())
            } else {
                let f = PathFilter::new(&skip_dirs, &skip_files, &file_patterns)?;
                let key = format!(
                    "skip-dirs={};skip-files={};file-patterns={}",
                    skip_dirs.join(","),
                    skip_files.join(","),
                    file_patterns.join(",")
                );
                (Some(Arc::new(f)), key)
            };
        let cache_root = cache_dir.unwrap_or_else(trawl_fs::cache_dir);
        let db_supply = crate::dbsupply::DbSupplyConfig {
            db: db.clone().unwrap_or_else(|| cache_root.join("db/trawl.db")),
            explicit: db.is_some(),
            repositories: db_repository,
            skip_update: skip_db_update || offline,
            offline,
            max_age: match &db_max_age {
                Some(s) => trawl_types::time::parse_duration(s).context("bad --db-max-age")?,
                None => std::time::Duration::from_secs(24 * 3600),
            },
            source: db_source.unwrap_or_default(),
            feeds,
            progress: !no_progress,
        };
        let registry_mirrors = registry_mirror
            .iter()
            .map(|m| {
                m.split_once('=')
                    .filter(|(h, m)| !h.trim().is_empty() && !m.trim().is_empty())
                    .map(|(h, m)| (h.trim().to_owned(), m.trim().to_owned()))
                    .with_context(|| format!("--registry-mirror {m:?}: expected HOST=MIRROR"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let has = |s: Scanner| scanners.contains(&s);
        let base = BaseSettings {
            given: base_image,
            catalog: base_catalog,
            index_dir: (!no_cache).then(|| cache_root.join("images")),
            offline,
            filter: if ignore_base {
                Some(trawl_types::Origin::Image)
            } else if only_base {
                Some(trawl_types::Origin::Base)
            } else {
                None
            },
        };
        let mut settings = Settings {
            base,
            db_supply,
            vuln: has(Scanner::Vuln),
            secret: has(Scanner::Secret),
            misconfig: has(Scanner::Misconfig),
            os_pkgs: pkg_types.contains(&PkgType::Os),
            library: pkg_types.contains(&PkgType::Library),
            severities,
            ignore_statuses,
            ignore_vendor_statuses,
            ignore_unfixed,
            skip_unreachable,
            exit_code: exit_code.unwrap_or(0),
            ignorefile,
            vex,
            show_suppressed,
            list_all_pkgs,
            outputs,
            summary,
            cache_dir: (!no_cache).then_some(cache_root.join("layers")),
            parallel: parallel.filter(|n| *n > 0).unwrap_or_else(|| {
                std::thread::available_parallelism().map_or(2, std::num::NonZero::get)
            }),
            images_at_once: parallel.unwrap_or(4).max(1),
            read_budget: Arc::new(trawl_layers::ReadBudget::new(
                max_file_size.unwrap_or(trawl_layers::MAX_FILE),
                max_read_total.unwrap_or(trawl_layers::MAX_READ_TOTAL),
            )),
            limits: trawl_analyzers::Limits {
                max_archive_depth: max_archive_depth
                    .unwrap_or(trawl_analyzers::Limits::default().max_archive_depth),
            },
            include_dev_deps,
            registry_mirrors,
            resume,
            progress: !no_progress,
            path_filter,
            path_filter_key,
            fail_on_new: fail_on == FailOn::New,
            lockfiles: target.reads_lockfiles(),
            config_policy,
            secret_config: secret_config
                .or_else(|| Some(PathBuf::from("trawl-secret.yaml")).filter(|p| p.is_file())),
            baseline,
            analyzer_config: trawl_analyzers::Config::default(),
        };
        settings.analyzer_config = settings.load_analyzer_config()?;
        Ok(settings)
    }

    /// The scanners that run, in a stable order.
    pub(crate) fn scanner_names(&self) -> Vec<String> {
        [
            (self.vuln, "vuln"),
            (self.secret, "secret"),
            (self.misconfig, "misconfig"),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, n)| (*n).to_owned())
        .collect()
    }

    /// Loads `--config-policy` and `--secret-config` (once per run) into the analyzers' configuration; their text
    /// is folded into the analyzers' versions, so layers analysed under other rules are not reused from the cache.
    fn load_analyzer_config(&self) -> anyhow::Result<trawl_analyzers::Config> {
        let mut config = trawl_analyzers::Config::default();
        if self.misconfig
            && let Some(dir) = &self.config_policy
        {
            let policies = trawl_misconfig::Policies::load(dir)
                .with_context(|| format!("cannot load the policies in {}", dir.display()))?;
            config.misconfig = trawl_analyzers::misconfig::MisconfigAnalyzer::new(
                Arc::new(policies),
                &fingerprint_dir(dir),
            );
        }
        if self.secret
            && let Some(file) = &self.secret_config
        {
            let scanner = trawl_secret::Scanner::from_rules_file(file)
                .with_context(|| format!("cannot load the secret rules {}", file.display()))?;
            let text = std::fs::read_to_string(file).unwrap_or_default();
            config.secret = trawl_analyzers::secret::SecretAnalyzer::new(scanner, &text);
        }
        Ok(config)
    }

    /// The custom Rego policies (`--config-policy`), as loaded for this run; `None` without them or when the
    /// misconfiguration scanner is off.
    pub(crate) fn policies(&self) -> Option<&trawl_misconfig::Policies> {
        self.analyzer_config.misconfig.policies().map(AsRef::as_ref)
    }

    /// The analyzers this scan needs, made with its configuration (wrapped in the path filter when one was given).
    pub(crate) fn analyzers(&self) -> Vec<Arc<dyn Analyzer>> {
        let selected = self.selected_analyzers();
        match &self.path_filter {
            None => selected,
            Some(filter) => selected
                .into_iter()
                .map(|inner| {
                    Arc::new(Filtered::new(
                        inner,
                        Arc::clone(filter),
                        &self.path_filter_key,
                    )) as Arc<dyn Analyzer>
                })
                .collect(),
        }
    }

    fn selected_analyzers(&self) -> Vec<Arc<dyn Analyzer>> {
        ALL.iter()
            .filter(|d| {
                d.always
                    || match d.kind {
                        AnalyzerKind::OsPackages => self.os_pkgs || self.vuln,
                        // `fs`: lockfiles and manifests only; image/rootfs: installed metadata (Trivy's split).
                        AnalyzerKind::Library => {
                            self.library
                                && if self.lockfiles {
                                    d.runs_in.fs
                                } else {
                                    d.runs_in.images
                                }
                        }
                        AnalyzerKind::Secret => self.secret,
                        AnalyzerKind::Misconfig => self.misconfig,
                    }
            })
            .map(|d| d.analyzer(&self.analyzer_config))
            .collect()
    }

    /// The policy: severity, status, ignore file, VEX.
    pub(crate) fn policy(&self) -> anyhow::Result<Policy> {
        let mut ignore_files = Vec::new();
        let path = match &self.ignorefile {
            Some(p) => {
                if !p.is_file() {
                    bail!("ignore file {} not found", p.display());
                }
                Some(p.clone())
            }
            None => [
                ".trawlignore",
                ".trivyignore",
                ".trawlignore.yaml",
                ".trivyignore.yaml",
            ]
            .iter()
            .map(PathBuf::from)
            .find(|p| p.is_file()),
        };
        if let Some(p) = path {
            ignore_files.push(IgnoreFile::load(&p)?);
        }
        let vex = self
            .vex
            .iter()
            .map(|p| VexDocument::load(p))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Policy {
            severities: self.severities.clone(),
            ignore_statuses: self.ignore_statuses.clone(),
            ignore_vendor_statuses: self.ignore_vendor_statuses.clone(),
            ignore_files,
            vex,
            skip_unreachable: self.skip_unreachable,
            today: Policy::today_utc(),
        })
    }
}

/// The names and contents of the `*.rego` files of a directory, as one string (a cache-key fingerprint).
fn fingerprint_dir(dir: &Path) -> String {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    let mut out = String::new();
    for f in files {
        out.push_str(&f.display().to_string());
        out.push_str(&std::fs::read_to_string(&f).unwrap_or_default());
    }
    out
}

/// `args` completed from the config file (`--config`, else `trawl.toml` in the working directory when present):
/// a key is used where the flags and environment left the value unset (an empty list, `false`, no value).
/// Both sides are the same struct, so a new flag is a config key with no further code.
fn with_config_file(args: ScanArgs) -> anyhow::Result<ScanArgs> {
    let (path, explicit) = match &args.config {
        Some(p) => (p.clone(), true),
        None => (PathBuf::from("trawl.toml"), false),
    };
    if !path.is_file() {
        if explicit {
            bail!("config file {} not found", path.display());
        }
        return Ok(args);
    }
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read config file {}", path.display()))?;
    let from_file: ScanArgs =
        toml::from_str(&text).with_context(|| format!("invalid config file {}", path.display()))?;
    let mut merged = serde_json::to_value(&from_file)?;
    let given = serde_json::to_value(&args)?;
    if let (Some(merged), Some(given)) = (merged.as_object_mut(), given.as_object()) {
        for (key, value) in given {
            let unset = match value {
                serde_json::Value::Null | serde_json::Value::Bool(false) => true,
                serde_json::Value::Array(a) => a.is_empty(),
                _ => false,
            };
            if !unset {
                merged.insert(key.clone(), value.clone());
            }
        }
    }
    let mut out: ScanArgs = serde_json::from_value(merged)
        .with_context(|| format!("invalid config file {}", path.display()))?;
    out.config = args.config;
    Ok(out)
}

/// `--format FORMAT[=PATH]` and `--output`: the one format without a path goes to `--output` or stdout.
fn outputs(formats: &[String], output: Option<&PathBuf>) -> anyhow::Result<Vec<Output>> {
    let formats = if formats.is_empty() {
        vec!["table".to_owned()]
    } else {
        formats.to_vec()
    };
    let mut outputs = Vec::new();
    let mut to_default = 0;
    for f in &formats {
        let (name, path) = match f.split_once('=') {
            Some((n, p)) if !p.is_empty() => (n, Some(PathBuf::from(p))),
            _ => (f.as_str(), None),
        };
        let format: ReportFormat = name.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
        let path = match path {
            Some(p) => Some(p),
            None => {
                to_default += 1;
                output.cloned()
            }
        };
        outputs.push(Output { format, path });
    }
    if to_default > 1 {
        bail!("several --format values without a path: give the others as FORMAT=PATH");
    }
    Ok(outputs)
}

/// `--timeout`: a [`trawl_types::time::parse_duration`] duration, not zero.
fn parse_timeout(s: &str) -> anyhow::Result<Duration> {
    trawl_types::time::parse_duration(s)
        .ok()
        .filter(|d| !d.is_zero())
        .with_context(|| format!("invalid --timeout {:?}: use e.g. 30s, 2m or 90", s.trim()))
}

/// Reads `--password-stdin` now (once), into `args.password`.
pub(crate) fn read_password_stdin(args: &mut RemoteArgs) -> anyhow::Result<()> {
    if args.password_stdin {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("cannot read the password from standard input")?;
        let s = s.trim_end_matches(['\n', '\r']).to_owned();
        if s.is_empty() {
            bail!("--password-stdin: standard input was empty");
        }
        args.password = Some(Secret::new(s));
        args.password_stdin = false;
    }
    Ok(())
}

/// The registry client and source options the registry flags describe, with the settings' mirrors and any
/// per-registry credentials a discovery API gave (ECR's `GetAuthorizationToken`).
pub(crate) fn remote_options(
    args: &RemoteArgs,
    settings: &Settings,
    per_registry: std::collections::HashMap<String, (String, Secret)>,
) -> anyhow::Result<RemoteOptions> {
    let mut args = args.clone();
    read_password_stdin(&mut args)?;
    let password = args.password.clone();
    if password.is_some() && args.username.is_none() {
        bail!("a registry password needs --username (or TRAWL_USERNAME)");
    }
    let mut options = ClientOptions {
        insecure: args.insecure,
        ca_certs: args.cacert.clone(),
        credentials: CredentialOptions {
            username: args.username.clone(),
            password,
            registry_token: args.registry_token.clone(),
            per_registry,
            ..CredentialOptions::default()
        },
        ..ClientOptions::default()
    };
    if let Some(t) = &args.timeout {
        options.timeout = parse_timeout(t)?;
    }
    let client = Client::new(options)?;
    let platform = match &args.platform {
        Some(p) => p.parse::<PlatformSelector>()?,
        None => PlatformSelector::Default,
    };
    let image_src = if args.image_src.is_empty() {
        ImageSrc::DEFAULT_ORDER.to_vec()
    } else {
        args.image_src
            .iter()
            .map(|s| s.parse::<ImageSrc>().map_err(anyhow::Error::msg))
            .collect::<anyhow::Result<Vec<_>>>()?
    };
    Ok(RemoteOptions {
        image_src,
        client: Some(client),
        platform,
        mirrors: settings.registry_mirrors.clone(),
        ..RemoteOptions::default()
    })
}

/// References listed in `--images-from`.
pub(crate) fn listed_images(args: &RemoteArgs) -> anyhow::Result<Vec<String>> {
    let Some(path) = &args.images_from else {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn with_file(toml: &str, args: ScanArgs) -> anyhow::Result<ScanArgs> {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("trawl.toml");
        std::fs::write(&path, toml).expect("write");
        with_config_file(ScanArgs {
            config: Some(path),
            ..args
        })
    }

    /// Flags and variables win; the file fills what they left unset; kebab-case keys, sizes with units.
    #[test]
    fn config_file_fills_what_flags_leave_unset() {
        let merged = with_file(
            r#"
scanners = ["secret", "config"]
severity = ["HIGH"]
ignore-unfixed = true
format = ["json"]
feed = ["osv=https://mirror.example/osv"]
max-file-size = "1M"
exit-code = 3
fail-on = "any"
"#,
            ScanArgs {
                severity: vec!["CRITICAL".into()],
                exit_code: Some(0),
                ..ScanArgs::default()
            },
        )
        .expect("merged");
        assert_eq!(merged.scanners, [Scanner::Secret, Scanner::Misconfig]);
        assert_eq!(merged.severity, ["CRITICAL"]);
        assert!(merged.ignore_unfixed);
        assert_eq!(merged.formats, ["json"]);
        assert_eq!(merged.feeds, ["osv=https://mirror.example/osv"]);
        assert_eq!(merged.max_file_size, Some(1 << 20));
        assert_eq!(merged.exit_code, Some(0), "a flag given as 0 wins");
        assert_eq!(merged.fail_on, Some(FailOn::Any));
        assert!(merged.config.is_some());
    }

    #[test]
    fn config_file_errors_name_the_file() {
        let err = with_file("no-such-flag = 1\n", ScanArgs::default()).expect_err("unknown key");
        assert!(format!("{err:#}").contains("trawl.toml"), "{err:#}");
        let err =
            with_file("scanners = [\"vulnz\"]\n", ScanArgs::default()).expect_err("bad value");
        assert!(format!("{err:#}").contains("vulnz"), "{err:#}");
        let missing = with_config_file(ScanArgs {
            config: Some(PathBuf::from("/nonexistent/trawl.toml")),
            ..ScanArgs::default()
        });
        assert!(missing.is_err());
    }

    /// Every flag is a config key: a struct with every field set survives the trip through TOML.
    #[test]
    fn every_flag_is_a_config_key() {
        let all = ScanArgs {
            scanners: vec![Scanner::Vuln],
            pkg_types: vec![PkgType::Os],
            severity: vec!["HIGH".into()],
            ignore_unfixed: true,
            skip_unreachable: true,
            ignore_status: vec!["will_not_fix".into()],
            exit_code: Some(1),
            ignorefile: Some("x".into()),
            vex: vec!["v.json".into()],
            show_suppressed: true,
            db: Some("db".into()),
            skip_db_update: true,
            offline: true,
            db_repository: vec!["r".into()],
            db_source: Some(crate::cli::DbSource::Upstream),
            db_max_age: Some("6h".into()),
            feeds: vec!["kev=dir".into()],
            list_all_pkgs: true,
            formats: vec!["sarif".into()],
            output: Some("o".into()),
            no_summary: true,
            cache_dir: Some("c".into()),
            no_cache: true,
            parallel: Some(3),
            max_file_size: Some(5),
            max_read_total: Some(6),
            max_archive_depth: Some(2),
            include_dev_deps: true,
            skip_dirs: vec!["a".into()],
            skip_files: vec!["b".into()],
            file_patterns: vec!["pip:x".into()],
            config_policy: Some("p".into()),
            secret_config: Some("s".into()),
            no_progress: true,
            resume: Some("state.jsonl".into()),
            registry_mirror: vec!["docker.io=mirror.local".into()],
            baseline: Some("b.json".into()),
            fail_on: Some(FailOn::New),
            base_image: Some("reg/debian:12".into()),
            base_catalog: vec!["reg/alpine".into()],
            ignore_base: true,
            only_base: false,
            config: None,
        };
        let text = toml::to_string(&all).expect("toml");
        let back = with_file(&text, ScanArgs::default()).expect("parsed");
        assert_eq!(
            format!(
                "{:?}",
                ScanArgs {
                    config: None,
                    ..back
                }
            ),
            format!("{all:?}")
        );
    }

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
}
