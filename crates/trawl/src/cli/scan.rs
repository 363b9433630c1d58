//! The flags of the scan commands (`image`, `rootfs`, `fs`, `sbom`, `config`, `registry scan`) and their value
//! types. `ScanArgs` doubles as the schema of `trawl.toml`.

use clap::{Args, ValueEnum};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

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
    pub(crate) remote: super::RemoteArgs,
    /// Client mode: analyse the image here, match its inventory on this `trawl server` (`http://HOST:PORT`); the
    /// server's DB and policy decide the findings, the report is written here as usual.
    #[arg(long, env = "TRAWL_SERVER")]
    pub(crate) server: Option<String>,
    /// The token of the `--server` (sent as `Authorization: Bearer`).
    #[arg(long, env = "TRAWL_SERVER_TOKEN", hide_env_values = true, value_parser = super::remote::secret)]
    pub(crate) server_token: Option<trawl_registry::Secret>,
    #[command(flatten)]
    pub(crate) scan: ScanArgs,
}

/// Arguments of `trawl explain`.
#[derive(Debug, Args)]
pub(crate) struct ExplainArgs {
    /// The vulnerability (CVE, GHSA, DSA, GO... ID or any alias).
    pub(crate) id: String,
    /// The image to scan (as `trawl image` takes it); not needed with --report.
    pub(crate) target: Option<String>,
    /// Explain from a native JSON report (`trawl ... --format json`) instead of scanning (`-`: stdin).
    #[arg(long, conflicts_with = "target")]
    pub(crate) report: Option<PathBuf>,
    /// Only the findings of this package (name as reported).
    #[arg(long)]
    pub(crate) package: Option<String>,
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
///
/// The same struct is the schema of `trawl.toml` (kebab-case keys, same meaning; flags and `TRAWL_*` variables
/// win): a flag added here is a config key too, and `Settings::resolve` destructures it, so a flag nobody reads
/// does not compile.
#[derive(Debug, Args, Default, Clone, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub(crate) struct ScanArgs {
    /// Scanners to run [default: vuln,secret].
    #[arg(
        long,
        value_enum,
        ignore_case = true,
        value_delimiter = ',',
        env = "TRAWL_SCANNERS"
    )]
    pub(crate) scanners: Vec<Scanner>,
    /// Package types [default: os,library].
    #[arg(
        long,
        value_enum,
        ignore_case = true,
        value_delimiter = ',',
        env = "TRAWL_PKG_TYPES",
        alias = "vuln-type"
    )]
    pub(crate) pkg_types: Vec<PkgType>,
    /// Severities to report: UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL [default: all].
    #[arg(short = 's', long, value_delimiter = ',', env = "TRAWL_SEVERITY")]
    pub(crate) severity: Vec<String>,
    /// Drop findings that have no fix (statuses affected, will_not_fix, fix_deferred, end_of_life).
    #[arg(long, value_parser = super::env_bool(), env = "TRAWL_IGNORE_UNFIXED")]
    pub(crate) ignore_unfixed: bool,
    /// Drop findings whose vulnerable code is not in the binary (Go binaries: none of the advisory's
    /// vulnerable symbols is in the symbol table). Unknown reachability is kept.
    #[arg(long, value_parser = super::env_bool(), env = "TRAWL_SKIP_UNREACHABLE")]
    pub(crate) skip_unreachable: bool,
    /// Drop findings with these statuses (fixed, affected, will_not_fix, fix_deferred, end_of_life,
    /// not_affected, under_investigation) or vendor status words (no-dsa, postponed, ignored, unfixed,
    /// deferred, needed, pending, fixed-in-unstable...).
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
    #[arg(long, value_parser = super::env_bool(), env = "TRAWL_SHOW_SUPPRESSED")]
    pub(crate) show_suppressed: bool,
    /// The advisory DB file [default: CACHE_DIR/db/trawl.db].
    #[arg(long, env = "TRAWL_DB")]
    pub(crate) db: Option<PathBuf>,
    /// Use the DB as it is: no update.
    #[arg(long, value_parser = super::env_bool(), env = "TRAWL_SKIP_DB_UPDATE")]
    pub(crate) skip_db_update: bool,
    /// No network at all (implies --skip-db-update).
    #[arg(long, value_parser = super::env_bool(), env = "TRAWL_OFFLINE")]
    pub(crate) offline: bool,
    /// Where `db update` fetches a built DB from (HTTPS URL or OCI reference); repeatable, tried in order.
    #[arg(long, value_delimiter = ',', env = "TRAWL_DB_REPOSITORY")]
    pub(crate) db_repository: Vec<String>,
    /// Where the DB comes from when --db is not given: `auto` (the published DB, else one built straight from the
    /// publishers for what the scan needs), `published`, `upstream`.
    #[arg(long, value_enum, env = "TRAWL_DB_SOURCE")]
    pub(crate) db_source: Option<DbSource>,
    /// Refresh the DB and its feeds when older than this (`6h`, `2d`, `0` for every run) [default: 24h].
    #[arg(long, env = "TRAWL_DB_MAX_AGE")]
    pub(crate) db_max_age: Option<String>,
    /// A feed location, `KIND=URL_OR_DIR` (osv, osv-api, alpine-secdb, debian-tracker, wolfi, alas, kev, epss,
    /// cve5, db); repeatable. Each kind also has a `TRAWL_FEED_<KIND>` variable.
    #[arg(long = "feed", value_delimiter = ',')]
    #[serde(rename = "feed")]
    pub(crate) feeds: Vec<String>,
    /// List every package in table output (JSON formats always carry packages).
    #[arg(long, value_parser = super::env_bool(), env = "TRAWL_LIST_ALL_PKGS")]
    pub(crate) list_all_pkgs: bool,
    /// Output format, `FORMAT[=PATH]`; repeatable: table, json, trivy-json, sarif, cyclonedx, spdx-json,
    /// markdown, junit, gitlab. The one without a path goes to --output or stdout.
    #[arg(
        short = 'f',
        long = "format",
        env = "TRAWL_FORMAT",
        value_delimiter = ','
    )]
    #[serde(rename = "format")]
    pub(crate) formats: Vec<String>,
    /// Where the format without a path goes [default: stdout].
    #[arg(short = 'o', long, env = "TRAWL_OUTPUT")]
    pub(crate) output: Option<PathBuf>,
    /// Do not append the markdown summary to $GITHUB_STEP_SUMMARY.
    #[arg(long, value_parser = super::env_bool(), env = "TRAWL_NO_SUMMARY")]
    pub(crate) no_summary: bool,
    /// Layer cache directory [default: $XDG_CACHE_HOME/trawl or ~/.cache/trawl].
    #[arg(long, env = "TRAWL_CACHE_DIR")]
    pub(crate) cache_dir: Option<PathBuf>,
    /// Do not read or write the layer cache.
    #[arg(long, value_parser = super::env_bool(), env = "TRAWL_NO_CACHE")]
    pub(crate) no_cache: bool,
    /// Layers analysed at once [default: number of CPUs].
    #[arg(long, env = "TRAWL_PARALLEL")]
    pub(crate) parallel: Option<usize>,
    /// Largest file read for analysis: bytes, or with a K/M/G suffix (KiB/MiB/GiB); bigger files are skipped
    /// with a warning naming them [default: 64M].
    #[arg(long, env = "TRAWL_MAX_FILE_SIZE", value_parser = parse_size)]
    #[serde(deserialize_with = "de_size")]
    pub(crate) max_file_size: Option<u64>,
    /// Most file content held in memory at once over all parallel reads (same units) [default: 128M].
    #[arg(long, env = "TRAWL_MAX_READ_TOTAL", value_parser = parse_size)]
    #[serde(deserialize_with = "de_size")]
    pub(crate) max_read_total: Option<u64>,
    /// How deep archives nested in archives (jars in a war...) are opened; 0: not at all. Deeper ones are
    /// reported in a warning naming them [default: 4].
    #[arg(long, env = "TRAWL_MAX_ARCHIVE_DEPTH")]
    pub(crate) max_archive_depth: Option<usize>,
    /// Report development dependencies of lockfiles too.
    #[arg(long, value_parser = super::env_bool(), env = "TRAWL_INCLUDE_DEV_DEPS")]
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
    /// A registry mirror, `HOST=MIRROR[/PREFIX]` (pull-through caches): images of HOST are looked for on MIRROR
    /// first, then on HOST; repeatable, tried in order (`docker.io=mirror.example.com`).
    #[arg(long, value_delimiter = ',', env = "TRAWL_REGISTRY_MIRROR")]
    pub(crate) registry_mirror: Vec<String>,
    /// Custom Rego policies (`*.rego` in this directory) for the misconfiguration scanner.
    #[arg(long, env = "TRAWL_CONFIG_POLICY")]
    pub(crate) config_policy: Option<PathBuf>,
    /// Secret rules file (YAML: add, disable and allow rules) [default: trawl-secret.yaml when present].
    #[arg(long, env = "TRAWL_SECRET_CONFIG")]
    pub(crate) secret_config: Option<PathBuf>,
    /// No progress output.
    #[arg(long, value_parser = super::env_bool(), env = "TRAWL_NO_PROGRESS")]
    pub(crate) no_progress: bool,
    /// Many-image runs: record each image's report in this file as it finishes, and skip the images it already
    /// holds (rerun with the same file after a crash or kill; every image is reported once).
    #[arg(long, value_name = "STATE", env = "TRAWL_RESUME")]
    pub(crate) resume: Option<PathBuf>,
    /// A native JSON report to compare with: findings are marked new, unchanged or fixed.
    #[arg(long, env = "TRAWL_BASELINE")]
    pub(crate) baseline: Option<PathBuf>,
    /// Which findings fail the build with --exit-code [default: any].
    #[arg(long, value_enum, env = "TRAWL_FAIL_ON")]
    pub(crate) fail_on: Option<FailOn>,
    /// The base image, when it cannot be found from the image itself (a reference whose layers are the image's
    /// bottom layers).
    #[arg(long, env = "TRAWL_BASE_IMAGE")]
    pub(crate) base_image: Option<String>,
    /// Repositories whose tags are candidate base images, recognised by their layers (`registry/debian`);
    /// repeatable. Images scanned before into the same cache are candidates too.
    #[arg(long, value_delimiter = ',', env = "TRAWL_BASE_CATALOG")]
    pub(crate) base_catalog: Vec<String>,
    /// Drop the findings the base image brings (kept with --show-suppressed).
    #[arg(long, value_parser = super::env_bool(), env = "TRAWL_IGNORE_BASE", conflicts_with = "only_base")]
    pub(crate) ignore_base: bool,
    /// Report only the findings the base image brings.
    #[arg(long, value_parser = super::env_bool(), env = "TRAWL_ONLY_BASE")]
    pub(crate) only_base: bool,
    /// Config file [default: trawl.toml in the working directory, when present].
    #[arg(long, env = "TRAWL_CONFIG")]
    #[serde(skip)]
    pub(crate) config: Option<PathBuf>,
}

/// `--scanners`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Scanner {
    /// Known vulnerabilities of OS and language packages.
    Vuln,
    /// Credentials in files and in the image config.
    Secret,
    /// Dockerfile, Kubernetes and image-config misconfigurations.
    #[value(alias = "config")]
    #[serde(alias = "config")]
    Misconfig,
    /// No scanner: an inventory only.
    None,
}

/// `--pkg-types`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum PkgType {
    /// Packages of the OS package manager.
    Os,
    /// Language packages (lockfiles, installed metadata, binaries, archives).
    Library,
}

/// `--fail-on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum FailOn {
    /// Any finding that survives the policy.
    #[default]
    Any,
    /// Only vulnerabilities not in --baseline.
    New,
}

/// `--db-source`: which steps of the DB supply chain may run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum DbSource {
    /// The published DB, else a build from the publishers.
    #[default]
    Auto,
    /// The published DB only.
    Published,
    /// A build from the publishers only.
    Upstream,
}

/// Arguments of `trawl config`.
#[derive(Debug, Args)]
pub(crate) struct ConfigArgs {
    /// A Dockerfile, a Kubernetes manifest, or a directory searched for them.
    pub(crate) path: PathBuf,
    #[command(flatten)]
    pub(crate) scan: ScanArgs,
}

/// Arguments of `trawl sbom`.
#[derive(Debug, Args)]
pub(crate) struct SbomArgs {
    /// The SBOM: CycloneDX JSON (1.4–1.6) or SPDX JSON (2.2, 2.3).
    pub(crate) sbom: PathBuf,
    #[command(flatten)]
    pub(crate) scan: ScanArgs,
}

/// A size in bytes: `N`, or `N` with a `K`, `M` or `G` suffix (binary units; `KiB`/`MiB`/`GiB`/`KB`... accepted).
pub(crate) fn parse_size(s: &str) -> Result<u64, String> {
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
pub(crate) fn de_size<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
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
