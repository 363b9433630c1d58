//! `--format trivy-json`: Trivy's JSON report v2 (`SchemaVersion: 2`) names and shapes, so `jq` scripts written
//! for Trivy and importers that read Trivy reports (DefectDojo's Trivy parser, dashboards) keep working.
//!
//! Only the subset trawl can fill is modelled. Empty fields are omitted as Trivy omits them (`omitempty`), except
//! `Results` (always an array). `Packages` is always written, as Trivy does by default.

use crate::util::{advisory_url, one_line, severity_int};
use crate::{
    ArtifactType, RenderOptions, Report, ReportError, ReportFormat, ResultClass, ScanResult,
};
use serde::Serialize;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::Write;
use trawl_types::{
    DataSourceId, Ecosystem, Finding, LayerRef, Misconfiguration, Package, SecretFinding,
    Suppression,
};

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct TrivyReport<'a> {
    schema_version: u32,
    created_at: &'a str,
    artifact_name: &'a str,
    artifact_type: &'a str,
    metadata: Metadata<'a>,
    results: Vec<TResult<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Metadata<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    size: Option<u64>,
    #[serde(rename = "OS", skip_serializing_if = "Option::is_none")]
    os: Option<Os<'a>>,
    #[serde(rename = "ImageID", skip_serializing_if = "Option::is_none")]
    image_id: Option<&'a str>,
    #[serde(rename = "DiffIDs", skip_serializing_if = "Vec::is_empty")]
    diff_ids: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    repo_tags: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    repo_digests: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    image_config: Option<&'a trawl_types::ImageConfig>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    layers: Vec<TLayer<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Os<'a> {
    family: &'a str,
    name: &'a str,
    #[serde(rename = "EOSL", skip_serializing_if = "std::ops::Not::not")]
    eosl: bool,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "PascalCase")]
struct TLayer<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    digest: Option<&'a str>,
    #[serde(rename = "DiffID", skip_serializing_if = "str::is_empty")]
    diff_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    created_by: Option<&'a str>,
}

impl<'a> TLayer<'a> {
    fn of(l: &'a LayerRef) -> Self {
        TLayer {
            size: None,
            digest: l.digest.as_deref(),
            diff_id: &l.diff_id,
            created_by: l.created_by.as_deref(),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct TResult<'a> {
    target: &'a str,
    class: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    r#type: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    packages: Vec<TPackage<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    vulnerabilities: Vec<TVuln<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    misconf_summary: Option<MisconfSummary>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    misconfigurations: Vec<TMisconf<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    secrets: Vec<TSecret<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    experimental_modified_findings: Vec<Modified<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Identifier {
    #[serde(rename = "PURL")]
    purl: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct TPackage<'a> {
    #[serde(rename = "ID")]
    id: String,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    identifier: Option<Identifier>,
    version: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    release: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    epoch: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    arch: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    src_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    src_version: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    src_release: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    src_epoch: Option<u32>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    licenses: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    maintainer: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    relationship: Option<&'static str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    dev: bool,
    #[serde(skip_serializing_if = "str::is_empty")]
    file_path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    layer: Option<TLayer<'a>>,
}

impl<'a> TPackage<'a> {
    fn of(p: &'a Package) -> Self {
        let mut t = TPackage {
            id: trivy_pkg_id(p),
            name: &p.name,
            identifier: p.purl.as_ref().map(|purl| Identifier {
                purl: purl.to_string(),
            }),
            version: trivy_version(p.ecosystem, &p.version),
            release: None,
            epoch: None,
            arch: p.arch.as_deref(),
            src_name: p.source_name.as_deref(),
            src_version: p.source_version.as_deref(),
            src_release: None,
            src_epoch: None,
            licenses: &p.licenses,
            maintainer: p.maintainer.as_deref(),
            relationship: p.relationship.map(|r| match r {
                trawl_types::Relationship::Root => "root",
                trawl_types::Relationship::Workspace => "workspace",
                trawl_types::Relationship::Direct => "direct",
                trawl_types::Relationship::Indirect => "indirect",
            }),
            dev: p.dev,
            file_path: &p.file_path,
            layer: p.layer.as_ref().map(TLayer::of),
        };
        // OS packages: Trivy splits the version into Epoch, Version and Release (dpkg: upstream and Debian
        // revision; rpm: the version and release tags), and the source package's likewise.
        match p.ecosystem {
            Some(Ecosystem::Deb) => {
                let (epoch, version, release) = split_evr(&p.version);
                t.epoch = epoch;
                t.version = Cow::Borrowed(version);
                t.release = release;
                t.src_name = Some(p.source_or_name());
                let (epoch, version, release) = split_evr(p.source_version_or_version());
                t.src_epoch = epoch;
                t.src_version = Some(version);
                t.src_release = release;
            }
            Some(Ecosystem::Rpm) => {
                let (epoch, version, release) = split_evr(&p.version);
                t.epoch = p.epoch.filter(|e| *e > 0).or(epoch);
                t.version = Cow::Borrowed(p.rpm_version.as_deref().unwrap_or(version));
                t.release = p.release.as_deref().or(release);
                if let Some(src) = p.source_name.as_deref() {
                    t.src_name = Some(src);
                    let (_, version, release) =
                        split_evr(p.source_version.as_deref().unwrap_or(&p.version));
                    t.src_version = Some(version);
                    t.src_release = release;
                    // An SRPM file name carries no epoch: Trivy gives the source the binary's.
                    t.src_epoch = t.epoch;
                }
            }
            Some(Ecosystem::Apk) => {
                t.src_name = Some(p.source_or_name());
                t.src_version = Some(p.source_version_or_version());
            }
            _ => {}
        }
        t
    }
}

/// `[epoch:]version[-release]` -> (epoch when non-zero, version, release). The release is what follows the last
/// `-` (dpkg's Debian revision; rpm's release).
fn split_evr(v: &str) -> (Option<u32>, &str, Option<&str>) {
    let (epoch, rest) = match v.split_once(':') {
        Some((e, rest)) if !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit()) => {
            (e.parse::<u32>().ok().filter(|e| *e > 0), rest)
        }
        _ => (None, v),
    };
    match rest.rsplit_once('-') {
        Some((version, release)) if !version.is_empty() && !release.is_empty() => {
            (epoch, version, Some(release))
        }
        _ => (epoch, rest, None),
    }
}

/// A version as Trivy writes it in `InstalledVersion` and `Packages[].Version`. Go: with the `v` the module
/// system writes (`v0.3.6`, and `v1.22.1` for `stdlib`), which trawl drops internally to compare as OSV does;
/// `(devel)` and other non-numeric versions stay as they are. Every other ecosystem: as the package manager
/// wrote it (dpkg and rpm `InstalledVersion` carry the epoch: `1:1.0.2k-16.el7`).
fn trivy_version(eco: Option<Ecosystem>, v: &str) -> Cow<'_, str> {
    match eco {
        Some(Ecosystem::Go) if v.starts_with(|c: char| c.is_ascii_digit()) => {
            Cow::Owned(format!("v{v}"))
        }
        _ => Cow::Borrowed(v),
    }
}

/// Trivy's package ID: `name@version`, with Trivy's version spelling; rpm adds the architecture
/// (`openssl-libs@1.0.2k-16.el7.x86_64`, no epoch).
fn trivy_pkg_id(p: &Package) -> String {
    match p.ecosystem {
        Some(Ecosystem::Rpm) => {
            let (_, version, release) = split_evr(&p.version);
            let version = p.rpm_version.as_deref().unwrap_or(version);
            let mut id = format!("{}@{version}", p.name);
            if let Some(r) = p.release.as_deref().or(release) {
                id.push('-');
                id.push_str(r);
            }
            if let Some(a) = p.arch.as_deref() {
                id.push('.');
                id.push_str(a);
            }
            id
        }
        eco => format!("{}@{}", p.name, trivy_version(eco, &p.version)),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct TDataSource<'a> {
    #[serde(rename = "ID")]
    id: &'a str,
    name: &'a str,
    #[serde(rename = "URL", skip_serializing_if = "str::is_empty")]
    url: &'a str,
}

#[derive(Serialize)]
struct TCvss {
    #[serde(rename = "V2Vector", skip_serializing_if = "Option::is_none")]
    v2_vector: Option<String>,
    #[serde(rename = "V3Vector", skip_serializing_if = "Option::is_none")]
    v3_vector: Option<String>,
    #[serde(rename = "V40Vector", skip_serializing_if = "Option::is_none")]
    v40_vector: Option<String>,
    #[serde(rename = "V2Score", skip_serializing_if = "Option::is_none")]
    v2_score: Option<f64>,
    #[serde(rename = "V3Score", skip_serializing_if = "Option::is_none")]
    v3_score: Option<f64>,
    #[serde(rename = "V40Score", skip_serializing_if = "Option::is_none")]
    v40_score: Option<f64>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct TVuln<'a> {
    #[serde(rename = "VulnerabilityID")]
    vulnerability_id: &'a str,
    #[serde(rename = "VendorIDs", skip_serializing_if = "<[String]>::is_empty")]
    vendor_ids: &'a [String],
    #[serde(rename = "PkgID")]
    pkg_id: String,
    pkg_name: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    pkg_path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pkg_identifier: Option<Identifier>,
    installed_version: Cow<'a, str>,
    #[serde(skip_serializing_if = "String::is_empty")]
    fixed_version: String,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    layer: Option<TLayer<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    severity_source: Option<&'a str>,
    #[serde(rename = "PrimaryURL")]
    primary_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    data_source: Option<TDataSource<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    severity: &'static str,
    /// Only well-formed `CWE-<n>` IDs: importers parse the number after the dash (NVD's `NVD-CWE-Other` and
    /// `NVD-CWE-noinfo` stay in the native report).
    #[serde(rename = "CweIDs", skip_serializing_if = "Vec::is_empty")]
    cwe_ids: Vec<&'a str>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    vendor_severity: BTreeMap<&'a str, u8>,
    #[serde(rename = "CVSS", skip_serializing_if = "BTreeMap::is_empty")]
    cvss: BTreeMap<&'a str, TCvss>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    references: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    published_date: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_modified_date: Option<&'a str>,
    /// Not in Trivy: CISA KEV flag and EPSS, as extra keys importers ignore.
    #[serde(rename = "KEV", skip_serializing_if = "std::ops::Not::not")]
    kev: bool,
    #[serde(rename = "EPSS", skip_serializing_if = "Option::is_none")]
    epss: Option<f64>,
}

impl<'a> TVuln<'a> {
    /// `pkg`: the package the finding is about, when the result lists it (for Trivy's `PkgID`).
    fn of(f: &'a Finding, pkg: Option<&Package>) -> Self {
        TVuln {
            vulnerability_id: &f.id,
            vendor_ids: &f.aliases,
            pkg_id: pkg.map_or_else(
                || {
                    format!(
                        "{}@{}",
                        f.pkg_name,
                        trivy_version(f.ecosystem, &f.installed_version)
                    )
                },
                trivy_pkg_id,
            ),
            pkg_name: &f.pkg_name,
            pkg_path: &f.pkg_path,
            pkg_identifier: f.purl.as_ref().map(|purl| Identifier {
                purl: purl.to_string(),
            }),
            // Trivy's spelling (Go's `v`); `FixedVersion` is the advisory's own spelling, as Trivy writes it
            // (Go advisories write `0.17.0`, so Trivy shows `v0.10.0` fixed in `0.17.0`).
            installed_version: trivy_version(f.ecosystem, &f.installed_version),
            // Trivy joins several fixing versions with ", ".
            fixed_version: if f.fixed_versions.len() > 1 {
                f.fixed_versions.join(", ")
            } else {
                f.fixed_version
                    .clone()
                    .or_else(|| f.fixed_versions.first().cloned())
                    .unwrap_or_default()
            },
            status: f.status.as_str(),
            layer: f.layer.as_ref().map(TLayer::of),
            severity_source: f.severity_source.as_deref().map(trivy_source),
            primary_url: advisory_url(f),
            data_source: f.data_sources.first().map(|d| TDataSource {
                id: d.id.as_str(),
                name: &d.name,
                url: &d.url,
            }),
            title: f.title.as_deref().map(one_line),
            description: f.description.as_deref(),
            severity: f.severity.as_str(),
            cwe_ids: f
                .cwe_ids
                .iter()
                .map(String::as_str)
                .filter(|c| {
                    c.strip_prefix("CWE-")
                        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                })
                .collect(),
            vendor_severity: f
                .vendor_severity
                .iter()
                .map(|(k, v)| (trivy_source(k), severity_int(*v)))
                .collect(),
            cvss: f
                .cvss
                .iter()
                .map(|(k, c)| {
                    (
                        trivy_source(k),
                        TCvss {
                            v2_vector: c.v2_vector.clone(),
                            v3_vector: c.v3_vector.clone(),
                            v40_vector: c.v40_vector.clone(),
                            v2_score: c.v2_score,
                            v3_score: c.v3_score,
                            v40_score: c.v40_score,
                        },
                    )
                })
                .collect(),
            references: &f.references,
            published_date: f.published.as_deref(),
            last_modified_date: f.modified.as_deref(),
            kev: f.kev,
            epss: f.epss,
        }
    }
}

/// Trivy's name for a severity/CVSS source (`debian`, `alpine`, `amazon`...), so `jq` scripts that read
/// `.VendorSeverity.debian` or `.CVSS.nvd` keep working; other sources keep trawl's ID.
fn trivy_source(id: &str) -> &str {
    match id.parse::<DataSourceId>() {
        Ok(DataSourceId::DebianTracker | DataSourceId::DebianOsv) => "debian",
        Ok(DataSourceId::AlpineSecdb) => "alpine",
        Ok(DataSourceId::Alas) => "amazon",
        Ok(DataSourceId::Cve5) => "cna",
        // A severity source rather than a data source: the CVE record's CNA rating.
        _ if id == "cve-cna" => "cna",
        // `ubuntu`, `wolfi`, `ghsa`, `nvd` are Trivy's names too.
        _ => id,
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct MisconfSummary {
    successes: usize,
    failures: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct CauseMetadata {
    #[serde(skip_serializing_if = "Option::is_none")]
    start_line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<usize>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct TMisconf<'a> {
    r#type: &'a str,
    #[serde(rename = "ID")]
    id: &'a str,
    #[serde(rename = "AVDID")]
    avdid: &'a str,
    title: &'a str,
    description: &'a str,
    message: &'a str,
    resolution: &'a str,
    severity: &'static str,
    #[serde(rename = "PrimaryURL", skip_serializing_if = "Option::is_none")]
    primary_url: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    references: &'a [String],
    status: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    layer: Option<TLayer<'a>>,
    cause_metadata: CauseMetadata,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct TSecret<'a> {
    #[serde(rename = "RuleID")]
    rule_id: &'a str,
    category: &'a str,
    severity: &'static str,
    title: &'a str,
    start_line: usize,
    end_line: usize,
    #[serde(rename = "Match")]
    matched: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    layer: Option<TLayer<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Modified<'a> {
    r#type: &'static str,
    status: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    statement: Option<&'a str>,
    source: &'a str,
    finding: ModifiedFinding<'a>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum ModifiedFinding<'a> {
    Vuln(Box<TVuln<'a>>),
    Secret(TSecret<'a>),
    Misconf(TMisconf<'a>),
}

impl<'a> Modified<'a> {
    fn new(ty: &'static str, s: Option<&'a Suppression>, finding: ModifiedFinding<'a>) -> Self {
        Modified {
            r#type: ty,
            status: s.and_then(|s| s.vex_status.as_deref()).unwrap_or("ignored"),
            statement: s.and_then(|s| s.statement.as_deref()),
            source: s.map_or("", |s| s.source.as_str()),
            finding,
        }
    }
}

/// The package of `r` a finding is about.
fn package_of<'r>(r: &'r ScanResult, f: &Finding) -> Option<&'r Package> {
    r.packages.iter().find(|p| {
        p.name == f.pkg_name
            && p.version == f.installed_version
            && (f.pkg_path.is_empty() || p.file_path == f.pkg_path)
    })
}

fn result_of<'a>(r: &'a ScanResult, opts: &RenderOptions) -> TResult<'a> {
    let misconf_summary =
        (r.class == ResultClass::Config || !r.misconfigurations.is_empty()).then(|| {
            let failures = r
                .misconfigurations
                .iter()
                .filter(|m| m.status.is_fail())
                .count();
            MisconfSummary {
                successes: r.misconfigurations.len() - failures,
                failures,
            }
        });
    TResult {
        target: &r.target,
        class: r.class.as_str(),
        r#type: &r.result_type,
        // Trivy writes every package by default (`--list-all-pkgs` has defaulted to true since v0.50).
        packages: r.packages.iter().map(TPackage::of).collect(),
        vulnerabilities: r
            .vulnerabilities
            .iter()
            .map(|f| TVuln::of(f, package_of(r, f)))
            .collect(),
        misconf_summary,
        misconfigurations: r.misconfigurations.iter().map(misconf_of).collect(),
        secrets: r.secrets.iter().map(secret_of).collect(),
        experimental_modified_findings: if opts.show_suppressed {
            let vulns = r.suppressed.iter().map(|f| {
                Modified::new(
                    "vulnerability",
                    f.suppressed.as_ref(),
                    ModifiedFinding::Vuln(Box::new(TVuln::of(f, package_of(r, f)))),
                )
            });
            let secrets = r.suppressed_secrets.iter().map(|x| {
                Modified::new(
                    "secret",
                    x.suppressed.as_ref(),
                    ModifiedFinding::Secret(secret_of(x)),
                )
            });
            let misconfs = r.suppressed_misconfigurations.iter().map(|m| {
                Modified::new(
                    "misconfiguration",
                    m.suppressed.as_ref(),
                    ModifiedFinding::Misconf(misconf_of(m)),
                )
            });
            vulns.chain(secrets).chain(misconfs).collect()
        } else {
            Vec::new()
        },
    }
}

fn misconf_of(m: &Misconfiguration) -> TMisconf<'_> {
    TMisconf {
        r#type: m.file_type.as_str(),
        id: &m.id,
        avdid: &m.id,
        title: &m.title,
        description: &m.description,
        message: &m.message,
        resolution: &m.resolution,
        severity: m.severity.as_str(),
        primary_url: m.references.first().map(String::as_str),
        references: &m.references,
        status: m.status.as_str(),
        layer: m.layer.as_ref().map(TLayer::of),
        cause_metadata: CauseMetadata {
            start_line: m.start_line,
            end_line: m.end_line,
        },
    }
}

fn secret_of(s: &SecretFinding) -> TSecret<'_> {
    TSecret {
        rule_id: &s.rule_id,
        category: &s.category,
        severity: s.severity.as_str(),
        title: &s.title,
        start_line: s.start_line,
        end_line: s.end_line,
        matched: &s.redacted_match,
        layer: s.layer.as_ref().map(TLayer::of),
    }
}

/// Writes Trivy JSON v2.
pub(crate) struct TrivyRenderer<'a> {
    opts: &'a RenderOptions,
}

impl<'a> TrivyRenderer<'a> {
    pub(crate) fn new(opts: &'a RenderOptions) -> Self {
        TrivyRenderer { opts }
    }

    pub(crate) fn render(&self, w: &mut dyn Write, report: &Report) -> Result<(), ReportError> {
        let a = &report.artifact;
        let doc = TrivyReport {
            schema_version: 2,
            created_at: &report.created_at,
            artifact_name: &a.name,
            // Trivy names both `trivy fs` and `trivy rootfs` artifacts `filesystem`.
            artifact_type: match a.artifact_type {
                ArtifactType::ContainerImage => "container_image",
                ArtifactType::Filesystem | ArtifactType::Rootfs => "filesystem",
            },
            metadata: Metadata {
                size: {
                    let sizes: Vec<u64> = a.layers.iter().filter_map(|l| l.size).collect();
                    (!sizes.is_empty() && sizes.len() == a.layers.len()).then(|| sizes.iter().sum())
                },
                os: a.os.as_ref().map(|o| Os {
                    family: o.family.as_str(),
                    name: &o.name,
                    eosl: o.eol,
                }),
                image_id: a.image_id.as_deref(),
                diff_ids: a.layers.iter().map(|l| l.diff_id.as_str()).collect(),
                repo_tags: a.repo_tags.iter().map(String::as_str).collect(),
                repo_digests: a.repo_digests.iter().map(String::as_str).collect(),
                image_config: a.image_config.as_ref(),
                layers: a
                    .layers
                    .iter()
                    .map(|l| TLayer {
                        size: l.size,
                        digest: l.digest.as_deref(),
                        diff_id: &l.diff_id,
                        created_by: l.created_by.as_deref(),
                    })
                    .collect(),
            },
            results: report
                .results
                .iter()
                .map(|r| result_of(r, self.opts))
                .collect(),
        };
        serde_json::to_writer_pretty(&mut *w, &doc).map_err(|source| ReportError::Serialize {
            format: ReportFormat::TrivyJson,
            source,
        })?;
        writeln!(w).map_err(|source| ReportError::Write {
            format: ReportFormat::TrivyJson,
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    //! Field-by-field comparison with the JSON Trivy writes, one case per version scheme. The expected values
    //! are Trivy's (its integration golden files, e.g. `integration/testdata/centos-7.json.golden`, and reports
    //! of real scans): rpm `PkgID` `name@version-release.arch` and an epoch'd `InstalledVersion`; dpkg versions
    //! split into `Epoch`/`Version`/`Release` in `Packages`; Go versions with their `v` where the advisory's
    //! `FixedVersion` has none.
    use super::*;
    use serde_json::{Value, json};
    use trawl_types::{Ecosystem, Package, Status};

    fn pkg(eco: Ecosystem, name: &str, version: &str) -> Package {
        Package {
            ecosystem: Some(eco),
            name: name.into(),
            version: version.into(),
            ..Package::default()
        }
    }

    fn finding(p: &Package, fixed: &str) -> Finding {
        Finding {
            id: "CVE-2000-0001".into(),
            ecosystem: p.ecosystem,
            pkg_name: p.name.clone(),
            installed_version: p.version.clone(),
            fixed_version: (!fixed.is_empty()).then(|| fixed.to_owned()),
            status: Status::Fixed,
            ..Finding::default()
        }
    }

    fn fields(v: &Value, keys: &[&str]) -> Value {
        Value::Object(
            keys.iter()
                .filter_map(|k| v.get(*k).map(|x| ((*k).to_owned(), x.clone())))
                .collect(),
        )
    }

    fn check(p: &Package, fixed: &str, want_pkg: Value, want_vuln: Value) {
        let tp = serde_json::to_value(TPackage::of(p)).expect("package");
        let keys: Vec<&str> = [
            "ID",
            "Name",
            "Version",
            "Release",
            "Epoch",
            "SrcName",
            "SrcVersion",
            "SrcRelease",
            "SrcEpoch",
        ]
        .to_vec();
        assert_eq!(fields(&tp, &keys), want_pkg, "Packages[] of {}", p.name);
        let f = finding(p, fixed);
        let tv = serde_json::to_value(TVuln::of(&f, Some(p))).expect("vuln");
        assert_eq!(
            fields(
                &tv,
                &["PkgID", "PkgName", "InstalledVersion", "FixedVersion"]
            ),
            want_vuln,
            "Vulnerabilities[] of {}",
            p.name
        );
    }

    #[test]
    fn rpm_with_epoch() {
        // centos-7.json.golden: openssl-libs 1:1.0.2k-16.el7, fixed in 1:1.0.2k-19.el7.
        let mut p = pkg(Ecosystem::Rpm, "openssl-libs", "1:1.0.2k-16.el7");
        p.epoch = Some(1);
        p.rpm_version = Some("1.0.2k".into());
        p.release = Some("16.el7".into());
        p.arch = Some("x86_64".into());
        p.source_name = Some("openssl".into());
        p.source_version = Some("1.0.2k-16.el7".into());
        check(
            &p,
            "1:1.0.2k-19.el7",
            json!({"ID": "openssl-libs@1.0.2k-16.el7.x86_64", "Name": "openssl-libs", "Version": "1.0.2k",
                   "Release": "16.el7", "Epoch": 1, "SrcName": "openssl", "SrcVersion": "1.0.2k",
                   "SrcRelease": "16.el7", "SrcEpoch": 1}),
            json!({"PkgID": "openssl-libs@1.0.2k-16.el7.x86_64", "PkgName": "openssl-libs",
                   "InstalledVersion": "1:1.0.2k-16.el7", "FixedVersion": "1:1.0.2k-19.el7"}),
        );
        // centos-7.json.golden: bash 4.2.46-31.el7, no epoch.
        let mut p = pkg(Ecosystem::Rpm, "bash", "4.2.46-31.el7");
        p.rpm_version = Some("4.2.46".into());
        p.release = Some("31.el7".into());
        p.arch = Some("x86_64".into());
        check(
            &p,
            "",
            json!({"ID": "bash@4.2.46-31.el7.x86_64", "Name": "bash", "Version": "4.2.46",
                   "Release": "31.el7"}),
            json!({"PkgID": "bash@4.2.46-31.el7.x86_64", "PkgName": "bash",
                   "InstalledVersion": "4.2.46-31.el7"}),
        );
    }

    #[test]
    fn dpkg_with_epoch_and_revision() {
        // Trivy splits dpkg versions in Packages[] (Epoch 1, Version 1.2.13.dfsg, Release 1) and keeps the
        // whole version, epoch included, in PkgID and InstalledVersion.
        let mut p = pkg(Ecosystem::Deb, "zlib1g", "1:1.2.13.dfsg-1");
        p.source_name = Some("zlib".into());
        check(
            &p,
            "1:1.2.13.dfsg-2",
            json!({"ID": "zlib1g@1:1.2.13.dfsg-1", "Name": "zlib1g", "Version": "1.2.13.dfsg",
                   "Release": "1", "Epoch": 1, "SrcName": "zlib", "SrcVersion": "1.2.13.dfsg",
                   "SrcRelease": "1", "SrcEpoch": 1}),
            json!({"PkgID": "zlib1g@1:1.2.13.dfsg-1", "PkgName": "zlib1g",
                   "InstalledVersion": "1:1.2.13.dfsg-1", "FixedVersion": "1:1.2.13.dfsg-2"}),
        );
        // A binNMU: the binary's revision differs from the source's; a native package has no revision.
        let mut p = pkg(Ecosystem::Deb, "libfoo1", "1.1.0-2+b7");
        p.source_name = Some("foo".into());
        p.source_version = Some("1.1.0-2".into());
        check(
            &p,
            "",
            json!({"ID": "libfoo1@1.1.0-2+b7", "Name": "libfoo1", "Version": "1.1.0", "Release": "2+b7",
                   "SrcName": "foo", "SrcVersion": "1.1.0", "SrcRelease": "2"}),
            json!({"PkgID": "libfoo1@1.1.0-2+b7", "PkgName": "libfoo1", "InstalledVersion": "1.1.0-2+b7"}),
        );
        let p = pkg(Ecosystem::Deb, "tzdata", "2024a");
        check(
            &p,
            "",
            json!({"ID": "tzdata@2024a", "Name": "tzdata", "Version": "2024a", "SrcName": "tzdata",
                   "SrcVersion": "2024a"}),
            json!({"PkgID": "tzdata@2024a", "PkgName": "tzdata", "InstalledVersion": "2024a"}),
        );
    }

    #[test]
    fn go_modules_keep_their_v() {
        // A gobinary result of a real Trivy scan: golang.org/x/net v0.10.0, FixedVersion 0.17.0 (the GHSA
        // spelling); stdlib v1.24.5 fixed in "1.23.12, 1.24.6".
        let p = pkg(Ecosystem::Go, "golang.org/x/net", "0.10.0");
        check(
            &p,
            "0.17.0",
            json!({"ID": "golang.org/x/net@v0.10.0", "Name": "golang.org/x/net", "Version": "v0.10.0"}),
            json!({"PkgID": "golang.org/x/net@v0.10.0", "PkgName": "golang.org/x/net",
                   "InstalledVersion": "v0.10.0", "FixedVersion": "0.17.0"}),
        );
        let p = pkg(Ecosystem::Go, "stdlib", "1.24.5");
        let mut f = finding(&p, "");
        f.fixed_versions = vec!["1.23.12".into(), "1.24.6".into()];
        let tv = serde_json::to_value(TVuln::of(&f, Some(&p))).expect("vuln");
        assert_eq!(tv["InstalledVersion"], "v1.24.5");
        assert_eq!(tv["FixedVersion"], "1.23.12, 1.24.6");
        // A pseudo-version and `(devel)`.
        let p = pkg(
            Ecosystem::Go,
            "golang.org/x/sys",
            "0.0.0-20200116001909-b77594299b42",
        );
        check(
            &p,
            "0.0.0-20220412211240-33da011f77ad",
            json!({"ID": "golang.org/x/sys@v0.0.0-20200116001909-b77594299b42", "Name": "golang.org/x/sys",
                   "Version": "v0.0.0-20200116001909-b77594299b42"}),
            json!({"PkgID": "golang.org/x/sys@v0.0.0-20200116001909-b77594299b42",
                   "PkgName": "golang.org/x/sys", "InstalledVersion": "v0.0.0-20200116001909-b77594299b42",
                   "FixedVersion": "0.0.0-20220412211240-33da011f77ad"}),
        );
        let p = pkg(Ecosystem::Go, "example.com/app", "(devel)");
        check(
            &p,
            "",
            json!({"ID": "example.com/app@(devel)", "Name": "example.com/app", "Version": "(devel)"}),
            json!({"PkgID": "example.com/app@(devel)", "PkgName": "example.com/app",
                   "InstalledVersion": "(devel)"}),
        );
    }

    #[test]
    fn other_ecosystems_as_written() {
        // apk (alpine-310.json.golden: musl 1.1.22-r3), npm, PyPI, Maven, RubyGems, Cargo, NuGet, Composer:
        // the version as the package manager wrote it, `name@version` IDs.
        let cases = [
            (Ecosystem::Apk, "musl", "1.1.22-r3", "1.1.22-r4"),
            (Ecosystem::Npm, "@babel/traverse", "7.22.5", "7.23.2"),
            (Ecosystem::PyPI, "Jinja2", "2.10.1", "2.11.3"),
            (
                Ecosystem::Maven,
                "org.apache.logging.log4j:log4j-core",
                "2.14.1",
                "2.15.0",
            ),
            (Ecosystem::RubyGems, "rack", "2.2.3", "2.2.6.4"),
            (Ecosystem::Cargo, "smallvec", "1.6.0", "1.6.1"),
            (Ecosystem::NuGet, "Newtonsoft.Json", "12.0.1", "13.0.1"),
            (Ecosystem::Packagist, "guzzlehttp/psr7", "1.8.1", "1.8.4"),
        ];
        for (eco, name, v, fixed) in cases {
            let p = pkg(eco, name, v);
            let id = format!("{name}@{v}");
            let mut want_pkg = json!({"ID": id, "Name": name, "Version": v});
            if eco == Ecosystem::Apk {
                want_pkg["SrcName"] = json!(name);
                want_pkg["SrcVersion"] = json!(v);
            }
            check(
                &p,
                fixed,
                want_pkg,
                json!({"PkgID": id, "PkgName": name, "InstalledVersion": v, "FixedVersion": fixed}),
            );
        }
    }

    #[test]
    fn evr_split() {
        assert_eq!(split_evr("1:2.3-4"), (Some(1), "2.3", Some("4")));
        assert_eq!(split_evr("0:2.3-4"), (None, "2.3", Some("4")));
        assert_eq!(split_evr("1.2-beta-3"), (None, "1.2-beta", Some("3")));
        assert_eq!(split_evr("2024a"), (None, "2024a", None));
        assert_eq!(split_evr("x:1"), (None, "x:1", None));
    }
}
