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
use std::collections::BTreeMap;
use std::io::Write;
use trawl_types::{Finding, LayerRef, Misconfiguration, Package, SecretFinding, Suppression};

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
    image_config: Option<&'a serde_json::Value>,
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
struct Identifier<'a> {
    #[serde(rename = "PURL")]
    purl: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct TPackage<'a> {
    #[serde(rename = "ID")]
    id: String,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    identifier: Option<Identifier<'a>>,
    version: &'a str,
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
        TPackage {
            id: p.id(),
            name: &p.name,
            identifier: p.purl.as_deref().map(|purl| Identifier { purl }),
            version: &p.version,
            release: p.release.as_deref(),
            epoch: p.epoch.filter(|e| *e > 0),
            arch: p.arch.as_deref(),
            src_name: p.source_name.as_deref(),
            src_version: p.source_version.as_deref(),
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
        }
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
    pkg_identifier: Option<Identifier<'a>>,
    installed_version: &'a str,
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
    fn of(f: &'a Finding) -> Self {
        TVuln {
            vulnerability_id: &f.id,
            vendor_ids: &f.aliases,
            pkg_id: format!("{}@{}", f.pkg_name, f.installed_version),
            pkg_name: &f.pkg_name,
            pkg_path: &f.pkg_path,
            pkg_identifier: f.purl.as_deref().map(|purl| Identifier { purl }),
            installed_version: &f.installed_version,
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
                id: &d.id,
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
    match id {
        "debian-tracker" | "debian-osv" => "debian",
        "alpine-secdb" => "alpine",
        "alas" => "amazon",
        "ubuntu" => "ubuntu",
        "wolfi" => "wolfi",
        "ghsa" => "ghsa",
        "nvd" => "nvd",
        "cve-cna" | "cve5" => "cna",
        other => other,
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

fn result_of<'a>(r: &'a ScanResult, opts: &RenderOptions) -> TResult<'a> {
    let misconf_summary =
        (r.class == ResultClass::Config || !r.misconfigurations.is_empty()).then(|| {
            let failures = r
                .misconfigurations
                .iter()
                .filter(|m| !m.status.eq_ignore_ascii_case("PASS"))
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
        vulnerabilities: r.vulnerabilities.iter().map(TVuln::of).collect(),
        misconf_summary,
        misconfigurations: r.misconfigurations.iter().map(misconf_of).collect(),
        secrets: r.secrets.iter().map(secret_of).collect(),
        experimental_modified_findings: if opts.show_suppressed {
            let vulns = r.suppressed.iter().map(|f| {
                Modified::new(
                    "vulnerability",
                    f.suppressed.as_ref(),
                    ModifiedFinding::Vuln(Box::new(TVuln::of(f))),
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
        r#type: &m.file_type,
        id: &m.id,
        avdid: &m.id,
        title: &m.title,
        description: &m.description,
        message: &m.message,
        resolution: &m.resolution,
        severity: m.severity.as_str(),
        primary_url: m.references.first().map(String::as_str),
        references: &m.references,
        status: &m.status,
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
