//! `trawl image`, `trawl rootfs`, `trawl fs`: inventory, match, policy, reports.
//!
//! Three layers, as in the rest of the binary: clap structs ([`ScanArgs`]), resolved settings ([`Settings`],
//! flags > `TRAWL_*` environment > `trawl.toml` > defaults), then orchestration ([`scan_source`]).

use anyhow::{Context, bail};
use clap::Args;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use trawl_analyzers::lang::PathFilter;
use trawl_analyzers::{ALL, Analyzer, AnalyzerKind};
use trawl_policy::{IgnoreFile, Policy, VexDocument};
use trawl_report::{
    Artifact, ArtifactType, CacheStats, LayerInfo, PolicySummary, RenderOptions, Report,
    ReportFormat, ResultClass, ScanResult,
};
use trawl_source::SourceSpec;
use trawl_types::{Ecosystem, Finding, Package, Severity, Status};

/// Arguments of `trawl image`.
#[derive(Debug, Args)]
pub(crate) struct ImageArgs {
    /// Image references: `docker-archive:PATH`, `oci-archive:PATH`, `oci:DIR[:TAG]`, or a path.
    pub(crate) images: Vec<String>,
    /// An image archive or OCI layout on disk (type auto-detected).
    #[arg(long, env = "TRAWL_INPUT")]
    pub(crate) input: Option<PathBuf>,
    /// Registry, daemon and many-image flags (see commands/registry.rs).
    #[command(flatten)]
    pub(crate) remote: crate::commands::registry::RemoteArgs,
    #[command(flatten)]
    pub(crate) scan: ScanArgs,
}

/// Arguments of `trawl rootfs` and `trawl fs`.
#[derive(Debug, Args)]
pub(crate) struct PathArgs {
    /// The directory to scan.
    pub(crate) path: PathBuf,
    #[command(flatten)]
    pub(crate) scan: ScanArgs,
}

/// Flags shared by every scan command (Trivy's names where Trivy has the flag).
#[derive(Debug, Args, Default, Clone)]
pub(crate) struct ScanArgs {
    /// Scanners to run: vuln, secret, misconfig [default: vuln,secret].
    #[arg(long, value_delimiter = ',', env = "TRAWL_SCANNERS")]
    pub(crate) scanners: Vec<String>,
    /// Package types: os, library [default: os,library].
    #[arg(
        long,
        value_delimiter = ',',
        env = "TRAWL_PKG_TYPES",
        alias = "vuln-type"
    )]
    pub(crate) pkg_types: Vec<String>,
    /// Severities to report: UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL [default: all].
    #[arg(short = 's', long, value_delimiter = ',', env = "TRAWL_SEVERITY")]
    pub(crate) severity: Vec<String>,
    /// Drop findings that have no fix (statuses affected, will_not_fix, fix_deferred, end_of_life).
    #[arg(long, value_parser = crate::commands::env_bool(), env = "TRAWL_IGNORE_UNFIXED")]
    pub(crate) ignore_unfixed: bool,
    /// Drop findings with these statuses.
    #[arg(long, value_delimiter = ',', env = "TRAWL_IGNORE_STATUS")]
    pub(crate) ignore_status: Vec<String>,
    /// Exit with this code when findings survive the policy [default: 0].
    #[arg(long, env = "TRAWL_EXIT_CODE")]
    pub(crate) exit_code: Option<u8>,
    /// Ignore file [default: .trawlignore, else .trivyignore, in the working directory].
    #[arg(long, env = "TRAWL_IGNOREFILE")]
    pub(crate) ignorefile: Option<PathBuf>,
    /// VEX documents (OpenVEX or CycloneDX VEX); repeatable.
    #[arg(long, env = "TRAWL_VEX", value_delimiter = ',')]
    pub(crate) vex: Vec<PathBuf>,
    /// Keep suppressed findings in the report (with the reason).
    #[arg(long, value_parser = crate::commands::env_bool(), env = "TRAWL_SHOW_SUPPRESSED")]
    pub(crate) show_suppressed: bool,
    /// The advisory DB file [default: CACHE_DIR/db/trawl.db].
    #[arg(long, env = "TRAWL_DB")]
    pub(crate) db: Option<PathBuf>,
    /// Use the DB as it is: no update.
    #[arg(long, value_parser = crate::commands::env_bool(), env = "TRAWL_SKIP_DB_UPDATE")]
    pub(crate) skip_db_update: bool,
    /// No network at all (implies --skip-db-update).
    #[arg(long, value_parser = crate::commands::env_bool(), env = "TRAWL_OFFLINE")]
    pub(crate) offline: bool,
    /// Where `db update` fetches a built DB from (HTTPS URL or OCI reference); repeatable, tried in order.
    #[arg(long, value_delimiter = ',', env = "TRAWL_DB_REPOSITORY")]
    pub(crate) db_repository: Vec<String>,
    /// Where the DB comes from when --db is not given: `auto` (the published DB, else one built straight from the
    /// publishers for what the scan needs), `published`, `upstream`.
    #[arg(long, value_enum, env = "TRAWL_DB_SOURCE")]
    pub(crate) db_source: Option<crate::dbsupply::DbSource>,
    /// Refresh the DB and its feeds when older than this (`6h`, `2d`, `0` for every run) [default: 24h].
    #[arg(long, env = "TRAWL_DB_MAX_AGE")]
    pub(crate) db_max_age: Option<String>,
    /// A feed location, `KIND=URL_OR_DIR` (osv, osv-api, alpine-secdb, debian-tracker, wolfi, alas, kev, epss,
    /// cve5, db); repeatable. Each kind also has a `TRAWL_FEED_<KIND>` variable.
    #[arg(long = "feed", value_delimiter = ',')]
    pub(crate) feeds: Vec<String>,
    /// List every package in table output (JSON formats always carry packages).
    #[arg(long, value_parser = crate::commands::env_bool(), env = "TRAWL_LIST_ALL_PKGS")]
    pub(crate) list_all_pkgs: bool,
    /// Output format, `FORMAT[=PATH]`; repeatable: table, json, trivy-json, sarif, cyclonedx, spdx-json,
    /// markdown, junit, gitlab. The one without a path goes to --output or stdout.
    #[arg(
        short = 'f',
        long = "format",
        env = "TRAWL_FORMAT",
        value_delimiter = ','
    )]
    pub(crate) formats: Vec<String>,
    /// Where the format without a path goes [default: stdout].
    #[arg(short = 'o', long, env = "TRAWL_OUTPUT")]
    pub(crate) output: Option<PathBuf>,
    /// Do not append the markdown summary to $GITHUB_STEP_SUMMARY.
    #[arg(long, value_parser = crate::commands::env_bool(), env = "TRAWL_NO_SUMMARY")]
    pub(crate) no_summary: bool,
    /// Layer cache directory [default: $XDG_CACHE_HOME/trawl or ~/.cache/trawl].
    #[arg(long, env = "TRAWL_CACHE_DIR")]
    pub(crate) cache_dir: Option<PathBuf>,
    /// Do not read or write the layer cache.
    #[arg(long, value_parser = crate::commands::env_bool(), env = "TRAWL_NO_CACHE")]
    pub(crate) no_cache: bool,
    /// Layers analysed at once [default: number of CPUs].
    #[arg(long, env = "TRAWL_PARALLEL")]
    pub(crate) parallel: Option<usize>,
    /// Largest file read for analysis: bytes, or with a K/M/G suffix (KiB/MiB/GiB); bigger files are skipped
    /// with a warning naming them [default: 64M].
    #[arg(long, env = "TRAWL_MAX_FILE_SIZE", value_parser = parse_size)]
    pub(crate) max_file_size: Option<u64>,
    /// Most file content held in memory at once over all parallel reads (same units) [default: 128M].
    #[arg(long, env = "TRAWL_MAX_READ_TOTAL", value_parser = parse_size)]
    pub(crate) max_read_total: Option<u64>,
    /// How deep archives nested in archives (jars in a war...) are opened; 0: not at all. Deeper ones are
    /// reported in a warning naming them [default: 4].
    #[arg(long, env = "TRAWL_MAX_ARCHIVE_DEPTH")]
    pub(crate) max_archive_depth: Option<usize>,
    /// Report development dependencies of lockfiles too.
    #[arg(long, value_parser = crate::commands::env_bool(), env = "TRAWL_INCLUDE_DEV_DEPS")]
    pub(crate) include_dev_deps: bool,
    /// Directories to skip (globs).
    #[arg(long, value_delimiter = ',', env = "TRAWL_SKIP_DIRS")]
    pub(crate) skip_dirs: Vec<String>,
    /// Files to skip (globs).
    #[arg(long, value_delimiter = ',', env = "TRAWL_SKIP_FILES")]
    pub(crate) skip_files: Vec<String>,
    /// Extra files for an analyzer, `ANALYZER:REGEX` (Trivy's type names work too: `pip:requirements-.*\.txt`).
    #[arg(long, value_delimiter = ',', env = "TRAWL_FILE_PATTERNS")]
    pub(crate) file_patterns: Vec<String>,
    /// Custom Rego policies (`*.rego` in this directory) for the misconfiguration scanner.
    #[arg(long, env = "TRAWL_CONFIG_POLICY")]
    pub(crate) config_policy: Option<PathBuf>,
    /// Secret rules file (YAML: add, disable and allow rules) [default: trawl-secret.yaml when present].
    #[arg(long, env = "TRAWL_SECRET_CONFIG")]
    pub(crate) secret_config: Option<PathBuf>,
    /// No progress output.
    #[arg(long, value_parser = crate::commands::env_bool(), env = "TRAWL_NO_PROGRESS")]
    pub(crate) no_progress: bool,
    /// A native JSON report to compare with: findings are marked new, unchanged or fixed.
    #[arg(long, env = "TRAWL_BASELINE")]
    pub(crate) baseline: Option<PathBuf>,
    /// Which findings fail the build with --exit-code: `any` (default) or `new` (not in --baseline).
    #[arg(long, env = "TRAWL_FAIL_ON", value_parser = ["any", "new"])]
    pub(crate) fail_on: Option<String>,
    /// Config file [default: trawl.toml in the working directory, when present].
    #[arg(long, env = "TRAWL_CONFIG")]
    pub(crate) config: Option<PathBuf>,
}

/// `trawl.toml`: every scan flag, kebab-case, same meaning. Flags and `TRAWL_*` variables win.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct FileConfig {
    scanners: Option<Vec<String>>,
    pkg_types: Option<Vec<String>>,
    severity: Option<Vec<String>>,
    ignore_unfixed: Option<bool>,
    ignore_status: Option<Vec<String>>,
    exit_code: Option<u8>,
    ignorefile: Option<PathBuf>,
    vex: Option<Vec<PathBuf>>,
    show_suppressed: Option<bool>,
    db: Option<PathBuf>,
    skip_db_update: Option<bool>,
    offline: Option<bool>,
    db_repository: Option<Vec<String>>,
    db_source: Option<crate::dbsupply::DbSource>,
    db_max_age: Option<String>,
    feed: Option<Vec<String>>,
    list_all_pkgs: Option<bool>,
    format: Option<Vec<String>>,
    output: Option<PathBuf>,
    no_summary: Option<bool>,
    cache_dir: Option<PathBuf>,
    no_cache: Option<bool>,
    parallel: Option<usize>,
    #[serde(default, deserialize_with = "de_size")]
    max_file_size: Option<u64>,
    #[serde(default, deserialize_with = "de_size")]
    max_read_total: Option<u64>,
    max_archive_depth: Option<usize>,
    include_dev_deps: Option<bool>,
    skip_dirs: Option<Vec<String>>,
    skip_files: Option<Vec<String>>,
    file_patterns: Option<Vec<String>>,
    config_policy: Option<PathBuf>,
    secret_config: Option<PathBuf>,
    baseline: Option<PathBuf>,
    fail_on: Option<String>,
}

impl ScanArgs {
    /// Fills what flags and environment left unset from `trawl.toml`.
    fn merge_config(&mut self) -> anyhow::Result<()> {
        let (path, explicit) = match &self.config {
            Some(p) => (p.clone(), true),
            None => (PathBuf::from("trawl.toml"), false),
        };
        if !path.is_file() {
            if explicit {
                bail!("config file {} not found", path.display());
            }
            return Ok(());
        }
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read config file {}", path.display()))?;
        let c: FileConfig = toml::from_str(&text)
            .with_context(|| format!("invalid config file {}", path.display()))?;
        fn vec<T>(dst: &mut Vec<T>, src: Option<Vec<T>>) {
            if dst.is_empty()
                && let Some(s) = src
            {
                *dst = s;
            }
        }
        fn opt<T>(dst: &mut Option<T>, src: Option<T>) {
            if dst.is_none() {
                *dst = src;
            }
        }
        fn flag(dst: &mut bool, src: Option<bool>) {
            *dst = *dst || src.unwrap_or(false);
        }
        vec(&mut self.scanners, c.scanners);
        vec(&mut self.pkg_types, c.pkg_types);
        vec(&mut self.severity, c.severity);
        flag(&mut self.ignore_unfixed, c.ignore_unfixed);
        vec(&mut self.ignore_status, c.ignore_status);
        opt(&mut self.exit_code, c.exit_code);
        opt(&mut self.ignorefile, c.ignorefile);
        vec(&mut self.vex, c.vex);
        flag(&mut self.show_suppressed, c.show_suppressed);
        opt(&mut self.db, c.db);
        flag(&mut self.skip_db_update, c.skip_db_update);
        flag(&mut self.offline, c.offline);
        vec(&mut self.db_repository, c.db_repository);
        opt(&mut self.db_source, c.db_source);
        opt(&mut self.db_max_age, c.db_max_age);
        vec(&mut self.feeds, c.feed);
        flag(&mut self.list_all_pkgs, c.list_all_pkgs);
        vec(&mut self.formats, c.format);
        opt(&mut self.output, c.output);
        flag(&mut self.no_summary, c.no_summary);
        opt(&mut self.cache_dir, c.cache_dir);
        flag(&mut self.no_cache, c.no_cache);
        opt(&mut self.parallel, c.parallel);
        opt(&mut self.max_file_size, c.max_file_size);
        opt(&mut self.max_read_total, c.max_read_total);
        opt(&mut self.max_archive_depth, c.max_archive_depth);
        flag(&mut self.include_dev_deps, c.include_dev_deps);
        vec(&mut self.skip_dirs, c.skip_dirs);
        vec(&mut self.skip_files, c.skip_files);
        vec(&mut self.file_patterns, c.file_patterns);
        opt(&mut self.config_policy, c.config_policy);
        opt(&mut self.secret_config, c.secret_config);
        opt(&mut self.baseline, c.baseline);
        opt(&mut self.fail_on, c.fail_on);
        Ok(())
    }
}

/// One requested output.
#[derive(Debug, Clone)]
pub(crate) struct Output {
    pub(crate) format: ReportFormat,
    /// `None` = stdout.
    pub(crate) path: Option<PathBuf>,
}

/// Resolved scan settings.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) vuln: bool,
    pub(crate) secret: bool,
    pub(crate) misconfig: bool,
    pub(crate) os_pkgs: bool,
    pub(crate) library: bool,
    pub(crate) severities: Vec<Severity>,
    pub(crate) ignore_statuses: Vec<Status>,
    pub(crate) ignore_unfixed: bool,
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
    pub(crate) parallel: usize,
    /// `--max-file-size` / `--max-read-total`: shared by every scan of the run.
    pub(crate) read_budget: Arc<trawl_layers::ReadBudget>,
    /// `--max-archive-depth`.
    pub(crate) limits: trawl_analyzers::Limits,
    pub(crate) include_dev_deps: bool,
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
            name.parse::<ReportFormat>().is_ok_and(|f| {
                matches!(
                    f,
                    ReportFormat::Cyclonedx | ReportFormat::SpdxJson | ReportFormat::Spdx
                )
            })
        })
}

impl Settings {
    pub(crate) fn resolve(mut a: ScanArgs, default_scanners: &[&str]) -> anyhow::Result<Settings> {
        a.merge_config()?;
        let scanners: Vec<String> = if a.scanners.is_empty() {
            if sbom_formats_only(&a.formats) {
                // As Trivy: an SBOM format alone is an inventory, no scanner (so no DB) unless asked for.
                Vec::new()
            } else {
                default_scanners.iter().map(|s| (*s).to_owned()).collect()
            }
        } else {
            a.scanners
                .iter()
                .map(|s| s.trim().to_ascii_lowercase())
                .collect()
        };
        for s in &scanners {
            if !matches!(
                s.as_str(),
                "vuln" | "secret" | "misconfig" | "config" | "none"
            ) {
                bail!("unknown scanner `{s}` (expected vuln, secret, misconfig)");
            }
        }
        let pkg_types: Vec<String> = if a.pkg_types.is_empty() {
            vec!["os".into(), "library".into()]
        } else {
            a.pkg_types
                .iter()
                .map(|s| s.trim().to_ascii_lowercase())
                .collect()
        };
        for t in &pkg_types {
            if !matches!(t.as_str(), "os" | "library") {
                bail!("unknown package type `{t}` (expected os, library)");
            }
        }
        let severities = a
            .severity
            .iter()
            .map(|s| s.parse::<Severity>().map_err(anyhow::Error::msg))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let mut ignore_statuses = a
            .ignore_status
            .iter()
            .map(|s| s.parse::<Status>().map_err(anyhow::Error::msg))
            .collect::<anyhow::Result<Vec<_>>>()?;
        if a.ignore_unfixed {
            for s in trawl_policy::UNFIXED_STATUSES {
                if !ignore_statuses.contains(s) {
                    ignore_statuses.push(*s);
                }
            }
        }
        let mut outputs = Vec::new();
        let formats = if a.formats.is_empty() {
            vec!["table".to_owned()]
        } else {
            a.formats.clone()
        };
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
                    a.output.clone()
                }
            };
            outputs.push(Output { format, path });
        }
        if a.fail_on.as_deref() == Some("new") && a.baseline.is_none() {
            bail!("--fail-on new needs --baseline OLD.json");
        }
        if to_default > 1 {
            bail!("several --format values without a path: give the others as FORMAT=PATH");
        }
        let summary = if a.no_summary {
            None
        } else {
            std::env::var_os("GITHUB_STEP_SUMMARY")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        let (path_filter, path_filter_key) =
            if a.skip_dirs.is_empty() && a.skip_files.is_empty() && a.file_patterns.is_empty() {
                (None, String::new())
            } else {
                let f = PathFilter::new(&a.skip_dirs, &a.skip_files, &a.file_patterns)?;
                let key = format!(
                    "skip-dirs={};skip-files={};file-patterns={}",
                    a.skip_dirs.join(","),
                    a.skip_files.join(","),
                    a.file_patterns.join(",")
                );
                (Some(Arc::new(f)), key)
            };
        let cache_root = a.cache_dir.clone().unwrap_or_else(trawl_fs::cache_dir);
        let db =
            a.db.clone()
                .unwrap_or_else(|| cache_root.join("db/trawl.db"));
        let parallel = a.parallel.filter(|n| *n > 0).unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(2, std::num::NonZero::get)
        });
        let db_supply = crate::dbsupply::DbSupplyConfig {
            db,
            explicit: a.db.is_some(),
            repositories: a.db_repository.clone(),
            skip_update: a.skip_db_update || a.offline,
            offline: a.offline,
            max_age: match &a.db_max_age {
                Some(s) => trawl_types::time::parse_duration(s).context("bad --db-max-age")?,
                None => std::time::Duration::from_secs(24 * 3600),
            },
            source: a.db_source.unwrap_or_default(),
            feeds: a.feeds.clone(),
        };
        let settings = Settings {
            db_supply,
            vuln: scanners.iter().any(|s| s == "vuln"),
            secret: scanners.iter().any(|s| s == "secret"),
            misconfig: scanners.iter().any(|s| s == "misconfig" || s == "config"),
            os_pkgs: pkg_types.iter().any(|t| t == "os"),
            library: pkg_types.iter().any(|t| t == "library"),
            severities,
            ignore_statuses,
            ignore_unfixed: a.ignore_unfixed,
            exit_code: a.exit_code.unwrap_or(0),
            ignorefile: a.ignorefile,
            vex: a.vex,
            show_suppressed: a.show_suppressed,
            list_all_pkgs: a.list_all_pkgs,
            outputs,
            summary,
            cache_dir: (!a.no_cache).then_some(cache_root.join("layers")),
            parallel,
            read_budget: Arc::new(trawl_layers::ReadBudget::new(
                a.max_file_size.unwrap_or(trawl_layers::MAX_FILE),
                a.max_read_total.unwrap_or(trawl_layers::MAX_READ_TOTAL),
            )),
            limits: trawl_analyzers::Limits {
                max_archive_depth: a
                    .max_archive_depth
                    .unwrap_or(trawl_analyzers::Limits::default().max_archive_depth),
            },
            include_dev_deps: a.include_dev_deps,
            path_filter,
            path_filter_key,
            fail_on_new: a.fail_on.as_deref() == Some("new"),
            lockfiles: true,
            config_policy: a.config_policy.clone(),
            secret_config: a
                .secret_config
                .clone()
                .or_else(|| Some(PathBuf::from("trawl-secret.yaml")).filter(|p| p.is_file())),
            baseline: a.baseline,
        };
        settings.configure_analyzers()?;
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

    /// Loads `--config-policy` and `--secret-config` into their analyzers (their text is part of the analyzers'
    /// cache key, so layers analysed under other rules are not reused).
    pub(crate) fn configure_analyzers(&self) -> anyhow::Result<()> {
        if self.misconfig
            && let Some(dir) = &self.config_policy
        {
            let policies = trawl_misconfig::Policies::load(dir)
                .with_context(|| format!("cannot load the policies in {}", dir.display()))?;
            trawl_analyzers::misconfig::configure(policies, &fingerprint_dir(dir));
        }
        if self.secret
            && let Some(file) = &self.secret_config
        {
            let scanner = trawl_secret::Scanner::from_rules_file(file)
                .with_context(|| format!("cannot load the secret rules {}", file.display()))?;
            let text = std::fs::read_to_string(file).unwrap_or_default();
            trawl_analyzers::secret::configure(scanner, &text);
        }
        Ok(())
    }

    /// The analyzers this scan needs (wrapped in the path filter when one was given).
    pub(crate) fn analyzers(&self) -> Vec<&'static dyn Analyzer> {
        let selected = self.selected_analyzers();
        match &self.path_filter {
            None => selected,
            Some(filter) => selected
                .into_iter()
                .map(|inner| Filtered::leak(inner, filter.clone(), &self.path_filter_key))
                .collect(),
        }
    }

    fn selected_analyzers(&self) -> Vec<&'static dyn Analyzer> {
        ALL.iter()
            .copied()
            .filter(|a| match a.kind() {
                AnalyzerKind::OsPackages => {
                    // OS detection is always needed: it names the target and selects advisories.
                    self.os_pkgs || a.name() == "os/release" || self.vuln
                }
                AnalyzerKind::Library => {
                    // `fs`: lockfiles and manifests only; image/rootfs: installed metadata (Trivy's split).
                    self.library
                        && if self.lockfiles {
                            trawl_analyzers::lang::runs_in_fs(a.name())
                        } else {
                            trawl_analyzers::lang::runs_in_images(a.name())
                        }
                }
                AnalyzerKind::Secret => self.secret,
                AnalyzerKind::Misconfig => self.misconfig,
            })
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
            ignore_files,
            vex,
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

/// An analyzer seen through `--skip-dirs`/`--skip-files`/`--file-patterns`. Its name carries a digest of the
/// filter, so the layer cache never serves results computed under another filter.
struct Filtered {
    inner: &'static dyn Analyzer,
    filter: Arc<PathFilter>,
    name: &'static str,
}

impl Filtered {
    /// A process-lifetime wrapper (a handful per run: the analyzer list is `'static` by design).
    fn leak(
        inner: &'static dyn Analyzer,
        filter: Arc<PathFilter>,
        key: &str,
    ) -> &'static dyn Analyzer {
        // A stable hash: the name is part of the layer cache key.
        let h = trawl_types::hash::Fnv1a::new().update(key.as_bytes()).hex();
        let name: &'static str =
            Box::leak(format!("{}[filter:{h}]", inner.name()).into_boxed_str());
        Box::leak(Box::new(Filtered {
            inner,
            filter,
            name,
        }))
    }
}

impl Analyzer for Filtered {
    fn name(&self) -> &'static str {
        self.name
    }
    fn version(&self) -> u32 {
        self.inner.version()
    }
    fn kind(&self) -> AnalyzerKind {
        self.inner.kind()
    }
    fn required(&self, path: &str, meta: &trawl_analyzers::FileMeta) -> bool {
        self.filter.wants(self.inner, path, meta)
    }
    fn analyze(
        &self,
        input: &trawl_analyzers::AnalysisInput<'_>,
    ) -> Result<trawl_analyzers::AnalysisOutput, trawl_analyzers::AnalyzerError> {
        self.inner.analyze(input)
    }
}

pub(crate) fn image(args: ImageArgs) -> anyhow::Result<ExitCode> {
    let images_at_once = args.scan.parallel.unwrap_or(4);
    let mut settings = Settings::resolve(args.scan, &["vuln", "secret"])?;
    settings.lockfiles = false;
    let mut specs = Vec::new();
    if let Some(input) = &args.input {
        specs.push((input.display().to_string(), SourceSpec::detect(input)?));
    }
    let remote = args.remote.options()?;
    for i in args.images.iter().chain(&args.remote.listed_images()?) {
        let spec = crate::commands::registry::apply_remote(SourceSpec::parse(i)?, &remote);
        specs.push((i.clone(), spec));
    }
    if specs.is_empty() {
        bail!("nothing to scan: give an image reference or --input PATH");
    }
    let all_platforms = remote.platform == trawl_registry::PlatformSelector::All;
    if specs.len() > 1 || all_platforms {
        let title = if specs.len() == 1 {
            specs[0].0.clone()
        } else {
            format!("{} images", specs.len())
        };
        return crate::commands::registry::scan_many(
            &title,
            specs,
            Vec::new(),
            settings,
            images_at_once,
        );
    }
    let (name, spec) = specs.remove(0);
    run_scan(&name, &spec, ArtifactType::ContainerImage, &settings)
}

pub(crate) fn rootfs(args: PathArgs) -> anyhow::Result<ExitCode> {
    let mut settings = Settings::resolve(args.scan, &["vuln", "secret"])?;
    settings.lockfiles = false;
    let spec = SourceSpec::Rootfs(args.path.clone());
    run_scan(
        &args.path.display().to_string(),
        &spec,
        ArtifactType::Rootfs,
        &settings,
    )
}

pub(crate) fn fs(args: PathArgs) -> anyhow::Result<ExitCode> {
    let settings = Settings::resolve(args.scan, &["vuln", "secret"])?;
    let spec = SourceSpec::Rootfs(args.path.clone());
    run_scan(
        &args.path.display().to_string(),
        &spec,
        ArtifactType::Filesystem,
        &settings,
    )
}

fn run_scan(
    name: &str,
    spec: &SourceSpec,
    artifact_type: ArtifactType,
    settings: &Settings,
) -> anyhow::Result<ExitCode> {
    let db = if settings.vuln {
        Some(open_db(settings)?)
    } else {
        None
    };
    let policy = settings.policy()?;
    let old = settings
        .baseline
        .as_deref()
        .map(crate::commands::baseline::load)
        .transpose()?;
    let mut report = scan_source(name, spec, artifact_type, settings, db.as_ref(), &policy)?;
    if let (Some(old), Some(path)) = (&old, &settings.baseline) {
        report.baseline = Some(crate::commands::baseline::diff(
            &path.display().to_string(),
            old,
            &report,
        ));
    }
    let failed = gate_failed(&report, settings);
    if let Some(p) = report.policy.as_mut() {
        p.failed = failed;
    }
    let rendering = std::time::Instant::now();
    write_outputs(&report, settings)?;
    tracing::debug!(
        "timings: render {:.1} ms",
        rendering.elapsed().as_secs_f64() * 1e3
    );
    Ok(exit_status(failed, settings))
}

/// The DB supply of a scan: the DB is had (fetched, or built from the publishers) once the inventory is known.
pub(crate) fn open_db(settings: &Settings) -> anyhow::Result<crate::dbsupply::DbSupply> {
    crate::dbsupply::DbSupply::new(settings.db_supply.clone())
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
    let cache: Option<Arc<dyn trawl_layers::LayerCache>> = match &settings.cache_dir {
        Some(dir) => Some(Arc::new(trawl_layers::FsCache::open(dir).with_context(
            || format!("cannot open the layer cache {}", dir.display()),
        )?)),
        None => None,
    };
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
    report_from_analysis(
        name,
        artifact_type,
        settings,
        db,
        policy,
        &image,
        analyzed,
        started,
    )
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
            let ty = lang_type(p);
            // Installed metadata is one result per kind, as Trivy does (`Node.js`, `Python`...); lockfiles and
            // binaries are one result per file. The package's own path stays in `file_path`.
            let target = grouped_target(&ty).map_or_else(|| p.file_path.clone(), str::to_owned);
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
        let outcome = policy.apply_vulns(&r.target, fs);
        r.vulnerabilities = outcome.kept;
        if settings.show_suppressed {
            r.suppressed = outcome.suppressed;
        }
    }
    let mut results: Vec<ScanResult> = results.into_values().collect();

    // Secrets and misconfigurations: one result per file (suppressed ones kept with --show-suppressed).
    let mut all_secrets = analyzed.secrets;
    let mut all_misconfigs = analyzed.misconfigurations;
    let mut image_config = image.config.as_ref().map(|c| c.raw.clone());
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
    let mut by_file: BTreeMap<String, ScanResult> = BTreeMap::new();
    let secret_result = |p: &str| ScanResult::new(p.to_owned(), ResultClass::Secret, "secret");
    for s in secrets {
        by_file
            .entry(s.path.clone())
            .or_insert_with(|| secret_result(&s.path))
            .secrets
            .push(s);
    }
    if settings.show_suppressed {
        for s in suppressed_secrets {
            by_file
                .entry(s.path.clone())
                .or_insert_with(|| secret_result(&s.path))
                .suppressed_secrets
                .push(s);
        }
    }
    results.extend(by_file.into_values());
    let (misconfigs, suppressed_misconfigs) = policy.apply_misconfigs(all_misconfigs);
    let mut by_file: BTreeMap<String, ScanResult> = BTreeMap::new();
    for m in misconfigs {
        let ty = m.file_type.clone();
        by_file
            .entry(m.path.clone())
            .or_insert_with(|| ScanResult::new(m.path.clone(), ResultClass::Config, ty))
            .misconfigurations
            .push(m);
    }
    if settings.show_suppressed {
        for m in suppressed_misconfigs {
            let ty = m.file_type.clone();
            by_file
                .entry(m.path.clone())
                .or_insert_with(|| ScanResult::new(m.path.clone(), ResultClass::Config, ty))
                .suppressed_misconfigurations
                .push(m);
        }
    }
    results.extend(by_file.into_values());

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
        },
        scanners: settings.scanner_names(),
        results,
        warnings,
        cache: settings.cache_dir.as_ref().map(|_| CacheStats {
            hits: analyzed.cache_hits as u64,
            misses: analyzed.cache_misses as u64,
        }),
        policy: settings.vuln.then(|| PolicySummary {
            severities: settings.severities.clone(),
            ignore_unfixed: settings.ignore_unfixed,
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
        }),
        baseline: None,
        images: Vec::new(),
    })
}

/// The target that gathers every package of an installed-metadata type (Trivy's names), `None` for types
/// reported per file (lockfiles, binaries).
fn grouped_target(ty: &str) -> Option<&'static str> {
    Some(match ty {
        "node-pkg" => "Node.js",
        "python-pkg" => "Python",
        "gemspec" => "Ruby",
        "jar" => "Java",
        "composer-vendor" => "PHP",
        _ => return None,
    })
}

/// Trivy's result `type` for a language package, from its ecosystem and file.
fn lang_type(p: &Package) -> String {
    let path = p.file_path.as_str();
    let file = Path::new(path)
        .file_name()
        .and_then(|f| f.to_str())
        .unwrap_or("");
    let ext = Path::new(file)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("");
    let in_archive = path.contains('!');
    let t = match (p.ecosystem, file) {
        (Some(Ecosystem::Npm), "package-lock.json" | "npm-shrinkwrap.json") => "npm",
        (Some(Ecosystem::Npm), "yarn.lock") => "yarn",
        (Some(Ecosystem::Npm), "pnpm-lock.yaml") => "pnpm",
        (Some(Ecosystem::Npm), "bun.lock") => "bun",
        (Some(Ecosystem::Npm), "package.json") => "node-pkg",
        (Some(Ecosystem::Npm), _) => "npm",
        (Some(Ecosystem::PyPI), "Pipfile.lock") => "pipenv",
        (Some(Ecosystem::PyPI), "poetry.lock") => "poetry",
        (Some(Ecosystem::PyPI), "uv.lock") => "uv",
        (Some(Ecosystem::PyPI), "pdm.lock") => "pdm",
        (Some(Ecosystem::PyPI), f) if f.starts_with("pylock.") && f.ends_with(".toml") => "pylock",
        (Some(Ecosystem::PyPI), "METADATA" | "PKG-INFO") => "python-pkg",
        (Some(Ecosystem::PyPI), _) if path.contains(".egg-info") || path.contains(".dist-info") => {
            "python-pkg"
        }
        (Some(Ecosystem::PyPI), _) => "pip",
        (Some(Ecosystem::Go), "go.mod") => "gomod",
        (Some(Ecosystem::Go), _) => "gobinary",
        (Some(Ecosystem::Cargo), "Cargo.lock") => "cargo",
        (Some(Ecosystem::Cargo), _) => "rustbinary",
        (Some(Ecosystem::Maven), _)
            if in_archive
                || matches!(
                    ext,
                    "jar" | "war" | "ear" | "par" | "sar" | "nar" | "jpi" | "hpi"
                ) =>
        {
            "jar"
        }
        (Some(Ecosystem::Maven), f) if f.ends_with("gradle.lockfile") => "gradle",
        (Some(Ecosystem::Maven), "build.sbt.lock") => "sbt",
        (Some(Ecosystem::Maven), _) => "pom",
        (Some(Ecosystem::RubyGems), _) if ext == "gemspec" => "gemspec",
        (Some(Ecosystem::RubyGems), _) => "bundler",
        (Some(Ecosystem::Packagist), "installed.json") => "composer-vendor",
        (Some(Ecosystem::Packagist), _) => "composer",
        (Some(Ecosystem::NuGet), "packages.lock.json") => "nuget",
        (Some(Ecosystem::NuGet), "packages.config") => "nuget",
        (Some(Ecosystem::NuGet), "Directory.Packages.props" | "Packages.props") => "packages-props",
        (Some(Ecosystem::NuGet), _) => "dotnet-core",
        (Some(Ecosystem::Pub), _) => "pub",
        (Some(Ecosystem::Hex), _) => "hex",
        (Some(Ecosystem::Conan), _) => "conan",
        (Some(Ecosystem::SwiftUrl), _) => "swift",
        (Some(Ecosystem::CocoaPods), _) => "cocoapods",
        (Some(e), _) => e.as_str(),
        (None, _) => "unknown",
    };
    t.to_owned()
}

/// Whether the build fails: with `--exit-code N`, when anything survived the policy (with `--fail-on new`,
/// when a vulnerability is not in the baseline).
pub(crate) fn gate_failed(report: &Report, settings: &Settings) -> bool {
    if settings.exit_code == 0 {
        return false;
    }
    if settings.fail_on_new {
        return report.baseline.as_ref().is_some_and(|b| !b.new.is_empty());
    }
    report.results.iter().any(|r| {
        !r.vulnerabilities.is_empty()
            || !r.secrets.is_empty()
            || r.misconfigurations.iter().any(|m| m.status != "PASS")
    })
}

pub(crate) fn exit_status(failed: bool, settings: &Settings) -> ExitCode {
    if failed {
        ExitCode::from(settings.exit_code)
    } else {
        ExitCode::SUCCESS
    }
}

/// Writes every requested output, and the job summary.
pub(crate) fn write_outputs(report: &Report, settings: &Settings) -> anyhow::Result<()> {
    let opts = RenderOptions {
        list_all_pkgs: settings.list_all_pkgs,
        gate: report
            .policy
            .as_ref()
            .and_then(trawl_report::PolicySummary::gate),
        show_suppressed: settings.show_suppressed,
        color: std::io::IsTerminal::is_terminal(&std::io::stdout())
            && std::env::var_os("NO_COLOR").is_none(),
    };
    for out in &settings.outputs {
        match &out.path {
            Some(path) => {
                let mut buf = Vec::new();
                let file_opts = RenderOptions {
                    color: false,
                    ..opts.clone()
                };
                trawl_report::render(out.format, report, &file_opts, &mut buf)?;
                write_atomic(path, &buf)?;
            }
            None => {
                let stdout = std::io::stdout();
                let mut lock = stdout.lock();
                trawl_report::render(out.format, report, &opts, &mut lock)?;
                lock.flush()?;
            }
        }
    }
    if let Some(path) = &settings.summary {
        let mut buf = Vec::new();
        trawl_report::render(
            ReportFormat::Markdown,
            report,
            &RenderOptions {
                color: false,
                ..opts.clone()
            },
            &mut buf,
        )?;
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| format!("cannot append to GITHUB_STEP_SUMMARY {}", path.display()))?;
        f.write_all(&buf)?;
    }
    Ok(())
}

/// Writes a report file: through a temp file renamed into place, so a reader never sees half a report. A path
/// that is not a regular file (`/dev/null`, `/dev/stdout`, a FIFO) is written in place: renaming over it would
/// replace the device with a file (`trawl_fs::destination`, shared with the DB writers). Symlinks are followed:
/// the rename updates their target and keeps the link.
fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let target = match trawl_fs::destination(path)
        .with_context(|| format!("cannot write {}", path.display()))?
    {
        trawl_fs::Destination::File(p) => p,
        trawl_fs::Destination::Special { path: dev, .. } => {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .open(&dev)
                .with_context(|| format!("cannot write {}", path.display()))?;
            f.write_all(bytes)
                .with_context(|| format!("cannot write {}", path.display()))?;
            return Ok(());
        }
    };
    let dir = trawl_fs::parent_dir(&target);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    trawl_fs::remove_stale_temps(&dir, "report");
    let mut tmp = trawl_fs::temp_file(&dir, "report")
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    tmp.write_all(bytes)?;
    tmp.persist(&target)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// A size in bytes: `N`, or `N` with a `K`, `M` or `G` suffix (binary units; `KiB`/`MiB`/`GiB`/`KB`... accepted).
fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a size (e.g. 64M, 1G, 1048576)"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        other => {
            return Err(format!(
                "`{s}`: unknown size unit `{other}` (use K, M or G)"
            ));
        }
    };
    n.checked_mul(mult)
        .filter(|v| *v > 0)
        .ok_or_else(|| format!("`{s}` is not a usable size"))
}

/// A size in `trawl.toml`: an integer (bytes) or a string such as `"64M"`.
fn de_size<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Size {
        Bytes(u64),
        Text(String),
    }
    match <Option<Size> as serde::Deserialize>::deserialize(d)? {
        None => Ok(None),
        Some(Size::Bytes(n)) => Ok(Some(n)),
        Some(Size::Text(t)) => parse_size(&t).map(Some).map_err(serde::de::Error::custom),
    }
}

#[cfg(test)]
mod size_tests {
    use super::parse_size;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1048576"), Ok(1 << 20));
        assert_eq!(parse_size("64M"), Ok(64 << 20));
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert_eq!(parse_size("512k"), Ok(512 << 10));
        assert!(parse_size("0").is_err());
        assert!(parse_size("ten").is_err());
        assert!(parse_size("5T").is_err());
    }
}
