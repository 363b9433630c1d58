//! The report model. Its serde serialisation *is* trawl's native JSON format (`--format json`); every other format
//! renders from it. Keys are snake_case; the shape is described by `schemas/trawl-report.schema.json` at the
//! repository root, and [`SCHEMA_VERSION`] is bumped on any incompatible change.

use serde::{Deserialize, Serialize, Serializer};
use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;
use trawl_types::{
    Finding, ImageConfig, Misconfiguration, OsInfo, Package, SecretFinding, Severity, Status,
    Warning,
};

/// Version of the native JSON report shape.
pub const SCHEMA_VERSION: u32 = 1;

/// A whole scan: what was scanned, what was found, under which policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Shape version of this document ([`SCHEMA_VERSION`]).
    pub schema_version: u32,
    /// The tool that wrote it.
    pub tool: Tool,
    /// When the scan ran (RFC 3339, UTC).
    pub created_at: String,
    /// What was scanned.
    pub artifact: Artifact,
    /// The scanners that ran: `vuln`, `secret`, `misconfig` (empty = inventory only).
    #[serde(default)]
    pub scanners: Vec<String>,
    /// One result per target (the OS package DB, each lockfile, secrets, each config file).
    #[serde(default)]
    pub results: Vec<ScanResult>,
    /// Problems that did not stop the scan (one unreadable file, one broken layer).
    #[serde(default)]
    pub warnings: Vec<Warning>,
    /// Layer-cache statistics, when a cache was used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<CacheStats>,
    /// The policy the findings went through, when vulnerabilities were scanned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicySummary>,
    /// The comparison with an earlier report (`--baseline`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineSummary>,
    /// Per-image outcome of a many-image run (`trawl image A B`, `trawl registry scan`); empty for one image.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<ImageStatus>,
}

/// Whether one image of a many-image run was scanned.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageOutcome {
    /// Scanned (`ok`).
    #[default]
    Ok,
    /// Not scanned: see the status's `error` (`failed`).
    Failed,
}

impl ImageOutcome {
    /// `ok` or `failed` (also the serde name).
    pub fn as_str(self) -> &'static str {
        match self {
            ImageOutcome::Ok => "ok",
            ImageOutcome::Failed => "failed",
        }
    }
}

impl fmt::Display for ImageOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The outcome of one image of a many-image run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageStatus {
    /// The reference or path given.
    pub name: String,
    /// `ok` or `failed`.
    pub status: ImageOutcome,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Image ID (config digest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_id: Option<String>,
    /// `repo@sha256:...` names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub repo_digests: Vec<String>,
    /// `os/arch[/variant]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// Its layers and whether each came from the layer cache.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub layers: Vec<ImageLayerStatus>,
    /// Its layer-cache statistics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<CacheStats>,
    /// Packages found.
    #[serde(default)]
    pub packages: usize,
    /// Vulnerabilities that survived the policy.
    #[serde(default)]
    pub vulnerabilities: usize,
    /// Its base image, when found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_image: Option<trawl_types::BaseImage>,
}

impl ImageStatus {
    /// An image that could not be scanned (or listed), with the error's whole chain.
    pub fn failed(name: String, error: String) -> Self {
        ImageStatus {
            name,
            status: ImageOutcome::Failed,
            error: Some(error),
            image_id: None,
            repo_digests: Vec::new(),
            platform: None,
            layers: Vec::new(),
            cache: None,
            packages: 0,
            vulnerabilities: 0,
            base_image: None,
        }
    }

    /// A scanned image, summarised from its report.
    pub fn ok(name: String, r: &Report) -> Self {
        let platform = r
            .artifact
            .image_config
            .as_ref()
            .and_then(trawl_types::ImageConfig::platform);
        ImageStatus {
            name,
            status: ImageOutcome::Ok,
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
            base_image: r.artifact.base_image.clone(),
        }
    }
}

/// One layer of an image in a many-image run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageLayerStatus {
    /// Diff ID.
    pub diff_id: String,
    /// Whether its analysis came from the layer cache (e.g. analysed once for several images).
    pub cached: bool,
}

/// The tool that wrote a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    /// `trawl`.
    pub name: String,
    /// Its version (`0.1.0`).
    pub version: String,
}

impl Default for Tool {
    fn default() -> Self {
        Tool {
            name: "trawl".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }
}

/// The kind of artifact scanned.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArtifactType {
    /// A container image (registry, archive, OCI layout, daemon).
    #[default]
    ContainerImage,
    /// A directory scanned as a project (`trawl fs`).
    Filesystem,
    /// A root filesystem (`trawl rootfs`).
    Rootfs,
}

impl ArtifactType {
    /// The serialised name (`container_image`).
    pub fn as_str(self) -> &'static str {
        match self {
            ArtifactType::ContainerImage => "container_image",
            ArtifactType::Filesystem => "filesystem",
            ArtifactType::Rootfs => "rootfs",
        }
    }
}

/// What was scanned: an image (with its config and layers) or a directory.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Artifact {
    /// The name the user gave (`alpine:3.10`, `docker-archive:alpine.tar`, a path).
    pub name: String,
    /// Kind of artifact.
    pub artifact_type: ArtifactType,
    /// Image ID (digest of the config blob), images only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_id: Option<String>,
    /// Repository tags (`alpine:3.10`).
    #[serde(default)]
    pub repo_tags: Vec<String>,
    /// Repository digests (`alpine@sha256:...`).
    #[serde(default)]
    pub repo_digests: Vec<String>,
    /// Detected operating system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os: Option<OsInfo>,
    /// Layers, base first.
    #[serde(default)]
    pub layers: Vec<LayerInfo>,
    /// The image config blob as the image holds it (architecture, config.Env, history...), secrets redacted;
    /// serialised as that JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_config: Option<ImageConfig>,
    /// The base image the image was built on, when found (each finding's `origin` then says which part brought
    /// it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_image: Option<trawl_types::BaseImage>,
}

/// One layer of an image.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerInfo {
    /// Position, 0 = base.
    pub index: usize,
    /// Digest of the uncompressed tar (`sha256:...`).
    pub diff_id: String,
    /// Digest of the blob as stored, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// The history `created_by` of the step that made it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// Size of the blob in bytes, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Whether its analysis came from the layer cache.
    #[serde(default)]
    pub cached: bool,
}

/// The class of a result (Trivy's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ResultClass {
    /// OS packages (dpkg, apk, rpm).
    #[serde(rename = "os-pkgs")]
    OsPkgs,
    /// Language packages (a lockfile, installed metadata, a binary).
    #[serde(rename = "lang-pkgs")]
    LangPkgs,
    /// Secrets.
    #[serde(rename = "secret")]
    Secret,
    /// Misconfigurations.
    #[serde(rename = "config")]
    Config,
}

impl ResultClass {
    /// The serialised name (`os-pkgs`).
    pub fn as_str(self) -> &'static str {
        match self {
            ResultClass::OsPkgs => "os-pkgs",
            ResultClass::LangPkgs => "lang-pkgs",
            ResultClass::Secret => "secret",
            ResultClass::Config => "config",
        }
    }
}

impl fmt::Display for ResultClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything found in one target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanResult {
    /// `alpine:3.10 (alpine 3.10.4)` for OS packages, else the file path (`app/package-lock.json`).
    pub target: String,
    /// Class of result.
    pub class: ResultClass,
    /// Type: the OS family (`alpine`, `debian`) or the package format (`npm`, `pypi`, `jar`, `gobinary`,
    /// `dockerfile`, `kubernetes`...).
    #[serde(rename = "type", default)]
    pub result_type: String,
    /// Packages in this target (the inventory; `installed_files` is never written).
    #[serde(default, serialize_with = "serialize_packages")]
    pub packages: Vec<Package>,
    /// Vulnerabilities that survived the policy.
    #[serde(default)]
    pub vulnerabilities: Vec<Finding>,
    /// Secrets that survived the policy.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<SecretFinding>,
    /// Misconfigurations that survived the policy.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub misconfigurations: Vec<Misconfiguration>,
    /// Findings the policy suppressed (ignore file, VEX), each with its `suppressed` reason; kept for
    /// `--show-suppressed` and for VEX-aware formats.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suppressed: Vec<Finding>,
    /// Secrets the policy suppressed (ignore file), each with its `suppressed` reason (`--show-suppressed`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suppressed_secrets: Vec<SecretFinding>,
    /// Misconfigurations the policy suppressed, each with its `suppressed` reason (`--show-suppressed`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suppressed_misconfigurations: Vec<Misconfiguration>,
}

impl ScanResult {
    /// An empty result for `target`.
    pub fn new(
        target: impl Into<String>,
        class: ResultClass,
        result_type: impl Into<String>,
    ) -> Self {
        ScanResult {
            target: target.into(),
            class,
            result_type: result_type.into(),
            packages: Vec::new(),
            vulnerabilities: Vec::new(),
            secrets: Vec::new(),
            misconfigurations: Vec::new(),
            suppressed: Vec::new(),
            suppressed_secrets: Vec::new(),
            suppressed_misconfigurations: Vec::new(),
        }
    }

    /// Severity counts of this result's vulnerabilities.
    pub fn severity_counts(&self) -> SeverityCounts {
        self.vulnerabilities.iter().map(|f| f.severity).collect()
    }

    /// `Go: 2 reachable, 76 not reachable, 0 unknown` when some finding has a reachability verdict.
    pub fn reachability_line(&self) -> Option<String> {
        reachability_line(self.vulnerabilities.iter())
    }

    /// Whether nothing at all was found or listed here.
    pub fn is_empty(&self) -> bool {
        self.packages.is_empty()
            && self.vulnerabilities.is_empty()
            && self.secrets.is_empty()
            && self.misconfigurations.is_empty()
            && self.suppressed.is_empty()
            && self.suppressed_secrets.is_empty()
            && self.suppressed_misconfigurations.is_empty()
    }

    /// The package a finding refers to, by name and installed version (and purl when both have one).
    pub fn package_of(&self, f: &Finding) -> Option<&Package> {
        self.packages.iter().find(|p| {
            p.name == f.pkg_name
                && p.version == f.installed_version
                && match (&p.purl, &f.purl) {
                    (Some(a), Some(b)) => a == b,
                    _ => true,
                }
        })
    }
}

/// The count of findings per reachability verdict, as one line; `None` when no finding has one (only Go
/// binaries are assessed).
fn reachability_line<'a>(
    findings: impl Iterator<Item = &'a trawl_types::Finding>,
) -> Option<String> {
    use trawl_types::ReachabilityStatus;
    let mut counts = [0usize; 3];
    let mut any = false;
    for f in findings {
        if let Some(r) = &f.reachability {
            any = true;
            let i = ReachabilityStatus::ALL
                .iter()
                .position(|s| *s == r.status)
                .unwrap_or(2);
            counts[i] += 1;
        }
    }
    any.then(|| {
        let parts: Vec<String> = ReachabilityStatus::ALL
            .iter()
            .zip(counts)
            .map(|(s, n)| format!("{n} {}", s.label()))
            .collect();
        format!("Go: {}", parts.join(", "))
    })
}

/// Serialises packages without `installed_files` and `go_symbols` (which the layer cache needs, but a report
/// does not).
fn serialize_packages<S: Serializer>(pkgs: &[Package], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    let mut seq = s.serialize_seq(Some(pkgs.len()))?;
    for p in pkgs {
        if p.installed_files.is_empty() && p.go_symbols.is_none() {
            seq.serialize_element(p)?;
        } else {
            let mut q = p.clone();
            q.installed_files = Vec::new();
            q.go_symbols = None;
            seq.serialize_element(&q)?;
        }
    }
    seq.end()
}

/// Layer-cache statistics of a scan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheStats {
    /// Layers whose analysis came from the cache.
    pub hits: u64,
    /// Layers analysed afresh.
    pub misses: u64,
}

/// The policy findings went through, as resolved from flags, environment and config.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicySummary {
    /// Severities kept (`--severity`); empty = all.
    #[serde(default)]
    pub severities: Vec<Severity>,
    /// `--ignore-unfixed`.
    #[serde(default)]
    pub ignore_unfixed: bool,
    /// `--skip-unreachable`: findings whose vulnerable code is not in the binary were dropped.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub skip_unreachable: bool,
    /// `--ignore-status`.
    #[serde(default)]
    pub ignore_statuses: Vec<Status>,
    /// The ignore file used, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore_file: Option<String>,
    /// VEX documents used.
    #[serde(default)]
    pub vex: Vec<String>,
    /// `--exit-code` (0 = findings never fail the run).
    #[serde(default)]
    pub exit_code: i32,
    /// `--fail-on new`: only findings new against the baseline fail the run.
    #[serde(default)]
    pub fail_on_new: bool,
    /// Whether the gate failed (the run exits with `exit_code`).
    #[serde(default)]
    pub failed: bool,
}

impl PolicySummary {
    /// The gate the policy implies (`None` when `exit_code` is 0: nothing fails the build).
    pub fn gate(&self) -> Option<GateInfo> {
        (self.exit_code != 0).then(|| GateInfo {
            severities: self.severities.iter().copied().collect(),
            new_only: self.fail_on_new,
        })
    }
}

/// Which findings fail the build; renderers list those first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GateInfo {
    /// Severities that fail; empty = every surviving finding fails.
    pub severities: BTreeSet<Severity>,
    /// Only findings new against the baseline fail (none when there is no baseline).
    pub new_only: bool,
}

impl GateInfo {
    /// Whether `finding` (found in `target`) fails this gate, given the report's baseline comparison.
    pub fn fails(
        &self,
        target: &str,
        finding: &Finding,
        baseline: Option<&BaselineSummary>,
    ) -> bool {
        if finding.suppressed.is_some() {
            return false;
        }
        if !self.severities.is_empty() && !self.severities.contains(&finding.severity) {
            return false;
        }
        if self.new_only {
            // Without a baseline nothing is new (the exit status agrees).
            return baseline.is_some_and(|b| b.new.iter().any(|k| k.is(target, finding)));
        }
        true
    }
}

impl GateInfo {
    /// Whether a secret or misconfiguration of severity `s` fails this gate by its severity (callers exempt them
    /// under `new_only`: the baseline compares vulnerabilities only).
    pub fn fails_severity(&self, s: Severity) -> bool {
        self.severities.is_empty() || self.severities.contains(&s)
    }

    /// The findings of `report` that fail this gate: the one decision behind the exit status and the summaries'
    /// "gate failed" lists. Under `new_only` only vulnerabilities new against the baseline fail (secrets and
    /// misconfigurations are not compared with a baseline); a misconfiguration that passed never fails.
    pub fn failing<'a>(&self, report: &'a Report) -> Failing<'a> {
        Failing {
            vulnerabilities: report
                .findings()
                .filter(|(r, f)| self.fails(&r.target, f, report.baseline.as_ref()))
                .collect(),
            secrets: report
                .secrets()
                .filter(|(_, s)| !self.new_only && self.fails_severity(s.severity))
                .collect(),
            misconfigurations: report
                .misconfigurations()
                .filter(|(_, m)| {
                    !self.new_only && m.status.is_fail() && self.fails_severity(m.severity)
                })
                .collect(),
        }
    }
}

/// The findings that fail a gate, with their results ([`GateInfo::failing`]).
#[derive(Debug, Default)]
pub struct Failing<'a> {
    /// Vulnerabilities.
    pub vulnerabilities: Vec<(&'a ScanResult, &'a Finding)>,
    /// Secrets.
    pub secrets: Vec<(&'a ScanResult, &'a SecretFinding)>,
    /// Misconfigurations.
    pub misconfigurations: Vec<(&'a ScanResult, &'a Misconfiguration)>,
}

impl Failing<'_> {
    /// How many findings fail.
    pub fn len(&self) -> usize {
        self.vulnerabilities.len() + self.secrets.len() + self.misconfigurations.len()
    }

    /// Whether nothing fails (the gate passes).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The comparison of this report's findings with an earlier report's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineSummary {
    /// The baseline report (path or name).
    pub source: String,
    /// Findings not in the baseline.
    #[serde(default)]
    pub new: Vec<FindingKey>,
    /// Findings in both.
    #[serde(default)]
    pub unchanged: Vec<FindingKey>,
    /// Findings of the baseline that are gone.
    #[serde(default)]
    pub fixed: Vec<FindingKey>,
}

/// What identifies a finding across two reports, plus what a summary shows about it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingKey {
    /// Result target.
    pub target: String,
    /// Vulnerability ID.
    pub id: String,
    /// Package name.
    pub pkg_name: String,
    /// Installed version.
    pub installed_version: String,
    /// Severity.
    pub severity: Severity,
    /// Fixed version, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_version: Option<String>,
}

impl FindingKey {
    /// The key of `finding` in `target`.
    pub fn of(target: &str, finding: &Finding) -> Self {
        FindingKey {
            target: target.to_owned(),
            id: finding.id.clone(),
            pkg_name: finding.pkg_name.clone(),
            installed_version: finding.installed_version.clone(),
            severity: finding.severity,
            fixed_version: finding.fixed_version.clone(),
        }
    }

    /// Whether this key names `finding` in `target`.
    pub fn is(&self, target: &str, finding: &Finding) -> bool {
        self.target == target
            && self.id == finding.id
            && self.pkg_name == finding.pkg_name
            && self.installed_version == finding.installed_version
    }
}

/// Counts by severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeverityCounts {
    /// UNKNOWN.
    pub unknown: usize,
    /// LOW.
    pub low: usize,
    /// MEDIUM.
    pub medium: usize,
    /// HIGH.
    pub high: usize,
    /// CRITICAL.
    pub critical: usize,
}

impl SeverityCounts {
    /// Adds one finding of severity `s`.
    pub fn add(&mut self, s: Severity) {
        *self.slot(s) += 1;
    }

    /// The count for `s`.
    pub fn get(&self, s: Severity) -> usize {
        match s {
            Severity::Unknown => self.unknown,
            Severity::Low => self.low,
            Severity::Medium => self.medium,
            Severity::High => self.high,
            Severity::Critical => self.critical,
        }
    }

    fn slot(&mut self, s: Severity) -> &mut usize {
        match s {
            Severity::Unknown => &mut self.unknown,
            Severity::Low => &mut self.low,
            Severity::Medium => &mut self.medium,
            Severity::High => &mut self.high,
            Severity::Critical => &mut self.critical,
        }
    }

    /// Sum of all counts.
    pub fn total(&self) -> usize {
        self.unknown + self.low + self.medium + self.high + self.critical
    }

    /// Adds another set of counts.
    pub fn merge(&mut self, other: &SeverityCounts) {
        for s in Severity::ALL {
            *self.slot(s) += other.get(s);
        }
    }

    /// `Total: 5 (UNKNOWN: 0, LOW: 1, MEDIUM: 2, HIGH: 1, CRITICAL: 1)`.
    pub fn summary_line(&self) -> String {
        format!(
            "Total: {} (UNKNOWN: {}, LOW: {}, MEDIUM: {}, HIGH: {}, CRITICAL: {})",
            self.total(),
            self.unknown,
            self.low,
            self.medium,
            self.high,
            self.critical
        )
    }
}

impl FromIterator<Severity> for SeverityCounts {
    fn from_iter<I: IntoIterator<Item = Severity>>(iter: I) -> Self {
        let mut c = SeverityCounts::default();
        for s in iter {
            c.add(s);
        }
        c
    }
}

impl Report {
    /// An empty report for `artifact`, stamped with this tool and the current time.
    pub fn new(artifact: Artifact) -> Self {
        Report {
            schema_version: SCHEMA_VERSION,
            tool: Tool::default(),
            created_at: trawl_types::time::now_rfc3339(),
            artifact,
            scanners: Vec::new(),
            results: Vec::new(),
            warnings: Vec::new(),
            cache: None,
            policy: None,
            baseline: None,
            images: Vec::new(),
        }
    }

    /// Whether vulnerabilities were looked for (`vuln` among the scanners, a policy, or any finding present);
    /// when not, renderers show an inventory only.
    pub fn vulnerabilities_scanned(&self) -> bool {
        self.scanners.iter().any(|s| s == "vuln")
            || self.policy.is_some()
            || self
                .results
                .iter()
                .any(|r| !r.vulnerabilities.is_empty() || !r.suppressed.is_empty())
    }

    /// Every surviving vulnerability with its result.
    pub fn findings(&self) -> impl Iterator<Item = (&ScanResult, &Finding)> {
        self.results
            .iter()
            .flat_map(|r| r.vulnerabilities.iter().map(move |f| (r, f)))
    }

    /// Every suppressed vulnerability with its result.
    pub fn suppressed_findings(&self) -> impl Iterator<Item = (&ScanResult, &Finding)> {
        self.results
            .iter()
            .flat_map(|r| r.suppressed.iter().map(move |f| (r, f)))
    }

    /// Every surviving secret with its result.
    pub fn secrets(&self) -> impl Iterator<Item = (&ScanResult, &SecretFinding)> {
        self.results
            .iter()
            .flat_map(|r| r.secrets.iter().map(move |f| (r, f)))
    }

    /// Every surviving misconfiguration with its result.
    pub fn misconfigurations(&self) -> impl Iterator<Item = (&ScanResult, &Misconfiguration)> {
        self.results
            .iter()
            .flat_map(|r| r.misconfigurations.iter().map(move |f| (r, f)))
    }

    /// Every package with its result.
    pub fn packages(&self) -> impl Iterator<Item = (&ScanResult, &Package)> {
        self.results
            .iter()
            .flat_map(|r| r.packages.iter().map(move |p| (r, p)))
    }

    /// Severity counts of all surviving vulnerabilities.
    pub fn severity_counts(&self) -> SeverityCounts {
        self.findings().map(|(_, f)| f.severity).collect()
    }

    /// The reachability split of all surviving vulnerabilities (see [`ScanResult::reachability_line`]).
    pub fn reachability_line(&self) -> Option<String> {
        reachability_line(self.findings().map(|(_, f)| f))
    }

    /// The base image and how the findings split between it and the image's own layers, as one line:
    /// `Base image: debian:12.5 (1 layer, by label): 23 findings from the base, 2 from the image's own layers`.
    /// `None` when no base was found.
    pub fn base_line(&self) -> Option<String> {
        let b = self.artifact.base_image.as_ref()?;
        let (mut base, mut own) = (0usize, 0usize);
        for (_, f) in self.findings() {
            match f.origin {
                Some(trawl_types::Origin::Base) => base += 1,
                Some(trawl_types::Origin::Image) => own += 1,
                None => {}
            }
        }
        Some(format!(
            "Base image: {} ({} layer{}, by {}): {base} finding{} from the base, {own} from the image's own layers",
            b.display_name(),
            b.layers,
            if b.layers == 1 { "" } else { "s" },
            b.detected_by.as_str(),
            if base == 1 { "" } else { "s" },
        ))
    }

    /// Severity counts of all surviving secrets.
    pub fn secret_counts(&self) -> SeverityCounts {
        self.secrets().map(|(_, s)| s.severity).collect()
    }

    /// Severity counts of all failed misconfigurations.
    pub fn misconfiguration_counts(&self) -> SeverityCounts {
        self.misconfigurations()
            .filter(|(_, m)| m.status.is_fail())
            .map(|(_, m)| m.severity)
            .collect()
    }

    /// Drops `installed_files` from every package (reports never carry them; this saves memory early).
    pub fn strip_installed_files(&mut self) {
        for r in &mut self.results {
            for p in &mut r.packages {
                p.installed_files = Vec::new();
                p.go_symbols = None;
            }
        }
    }

    /// The artifact name with the OS, Trivy-style target for OS packages: `alpine:3.10 (alpine 3.10.4)`.
    pub fn os_target(&self) -> String {
        match &self.artifact.os {
            Some(os) => format!(
                "{} ({} {})",
                self.artifact.name,
                os.family.as_str(),
                os.name
            ),
            None => self.artifact.name.clone(),
        }
    }
}

/// Every output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportFormat {
    /// Human table per target (`table`).
    Table,
    /// trawl's native JSON: the serialisation of [`Report`] (`json`).
    Json,
    /// Trivy's JSON v2 names and shapes (`trivy-json`).
    TrivyJson,
    /// SARIF 2.1.0 for code-scanning tools (`sarif`).
    Sarif,
    /// CycloneDX 1.6 JSON, with a `vulnerabilities` section when vulnerabilities were scanned (`cyclonedx`).
    Cyclonedx,
    /// SPDX 2.3 JSON (`spdx-json`).
    SpdxJson,
    /// SPDX 2.3 tag-value (`spdx`), the same document as `spdx-json`.
    Spdx,
    /// GitHub-flavoured Markdown job summary (`markdown`).
    Markdown,
    /// JUnit XML (`junit`).
    Junit,
    /// GitLab dependency-scanning report JSON (`gitlab`).
    Gitlab,
}

impl ReportFormat {
    /// Every format, in the order `--help` lists them (the order of [`crate::FORMATS`]).
    pub const ALL: [ReportFormat; crate::FORMATS.len()] = {
        let mut all = [ReportFormat::Table; crate::FORMATS.len()];
        let mut i = 0;
        while i < all.len() {
            all[i] = crate::FORMATS[i].format;
            i += 1;
        }
        all
    };

    /// This format's declaration.
    pub fn spec(self) -> &'static crate::FormatSpec {
        crate::FORMATS
            .iter()
            .find(|f| f.format == self)
            .unwrap_or_else(|| unreachable!("every ReportFormat has a FORMATS row (tested)"))
    }

    /// The name used on the command line (`trivy-json`).
    pub fn as_str(self) -> &'static str {
        self.spec().name
    }

    /// Usual file extension for the format.
    pub fn extension(self) -> &'static str {
        self.spec().extension
    }

    /// Whether the format is an SBOM (an inventory: alone, it needs no scanner and no advisory DB).
    pub fn is_sbom(self) -> bool {
        self.spec().sbom
    }
}

impl fmt::Display for ReportFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ReportFormat {
    type Err = crate::ReportError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim();
        crate::FORMATS
            .iter()
            .find(|f| {
                f.name.eq_ignore_ascii_case(wanted)
                    || f.aliases.iter().any(|a| a.eq_ignore_ascii_case(wanted))
            })
            .map(|f| f.format)
            .ok_or_else(|| crate::ReportError::UnknownFormat(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(id: &str, sev: Severity) -> Finding {
        Finding {
            id: id.into(),
            pkg_name: "p".into(),
            installed_version: "1".into(),
            severity: sev,
            ..Default::default()
        }
    }

    #[test]
    fn gate_by_severity_and_baseline() {
        let high = finding("CVE-1", Severity::High);
        let low = finding("CVE-2", Severity::Low);
        let g = GateInfo {
            severities: [Severity::High].into_iter().collect(),
            new_only: false,
        };
        assert!(g.fails("t", &high, None));
        assert!(!g.fails("t", &low, None));
        let everything = GateInfo::default();
        assert!(everything.fails("t", &low, None));
        let new_only = GateInfo {
            severities: BTreeSet::new(),
            new_only: true,
        };
        assert!(
            !new_only.fails("t", &high, None),
            "no baseline: nothing is new"
        );
        let b = BaselineSummary {
            source: "b".into(),
            new: vec![FindingKey::of("t", &high)],
            ..Default::default()
        };
        assert!(new_only.fails("t", &high, Some(&b)));
        assert!(!new_only.fails("t", &low, Some(&b)));
        assert!(
            !new_only.fails("other", &high, Some(&b)),
            "keys are per target"
        );
        let mut suppressed = high.clone();
        suppressed.suppressed = Some(trawl_types::Suppression {
            kind: "vex".into(),
            source: "x".into(),
            statement: None,
            vex_status: None,
        });
        assert!(!everything.fails("t", &suppressed, None));
    }

    #[test]
    fn policy_gate() {
        let p = PolicySummary {
            exit_code: 0,
            ..Default::default()
        };
        assert_eq!(p.gate(), None);
        let p = PolicySummary {
            exit_code: 1,
            severities: vec![Severity::Critical],
            fail_on_new: true,
            ..Default::default()
        };
        let g = p.gate().expect("gate");
        assert!(g.new_only && g.severities.contains(&Severity::Critical));
    }

    #[test]
    fn counts() {
        let c: SeverityCounts = [Severity::High, Severity::High, Severity::Low]
            .into_iter()
            .collect();
        assert_eq!((c.high, c.low, c.total()), (2, 1, 3));
        assert_eq!(
            c.summary_line(),
            "Total: 3 (UNKNOWN: 0, LOW: 1, MEDIUM: 0, HIGH: 2, CRITICAL: 0)"
        );
    }
}
