//! Harbor's Pluggable Scanner API v1.2 models and the conversion of a trawl report to Harbor's vulnerability
//! report (`../shared/data/specs/harbor-pluggable-scanner/`).

use serde::{Deserialize, Serialize};
use trawl_report::Report;
use trawl_types::Severity;

/// Media type of errors.
pub const ERROR_MIME: &str = "application/vnd.scanner.adapter.error+json; version=1.0";
/// Media type of the metadata.
pub const METADATA_MIME: &str = "application/vnd.scanner.adapter.metadata+json; version=1.1";
/// Media type of the scan response.
pub const SCAN_RESPONSE_MIME: &str =
    "application/vnd.scanner.adapter.scan.response+json; version=1.0";
/// Harbor's vulnerability report, v1.0.
pub const VULN_HARBOR_1_0: &str =
    "application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0";
/// The vulnerability report, v1.1.
pub const VULN_1_1: &str = "application/vnd.security.vulnerability.report; version=1.1";
/// The scanner's own report (trawl JSON).
pub const RAW: &str = "application/vnd.scanner.adapter.vuln.report.raw";
/// The SBOM report.
pub const SBOM_REPORT: &str = "application/vnd.security.sbom.report+json; version=1.0";
/// SPDX JSON.
pub const SPDX: &str = "application/spdx+json";
/// CycloneDX JSON.
pub const CYCLONEDX: &str = "application/vnd.cyclonedx+json";
/// Artifacts scanned.
pub const CONSUMES: [&str; 4] = [
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
];

/// `ScanRequest`.
#[derive(Debug, Deserialize)]
pub struct ScanRequest {
    /// Where the artifact is.
    pub registry: Registry,
    /// The artifact.
    pub artifact: Artifact,
    /// Capabilities asked for (ignored: both are always available).
    #[serde(default)]
    pub enabled_capabilities: Option<serde_json::Value>,
}

/// `Registry`.
#[derive(Debug, Deserialize)]
pub struct Registry {
    /// Base URL.
    #[serde(default)]
    pub url: Option<String>,
    /// `Authorization` header value for the registry.
    #[serde(default)]
    pub authorization: Option<String>,
}

/// `Artifact`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Artifact {
    /// Repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// Digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// Tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// MIME type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
}

/// The metadata document.
pub fn metadata(db_built_at: Option<&str>) -> serde_json::Value {
    let mut properties = serde_json::json!({
        "harbor.scanner-adapter/scanner-type": "os-package-vulnerability",
        "harbor.scanner-adapter/vulnerability-database-updated-at": db_built_at.unwrap_or(""),
        "org.trawl.server/native-api": "/api/trawl/v1",
    });
    if db_built_at.is_none()
        && let Some(o) = properties.as_object_mut()
    {
        o.remove("harbor.scanner-adapter/vulnerability-database-updated-at");
    }
    serde_json::json!({
        "scanner": scanner(),
        "capabilities": [
            {
                "type": "vulnerability",
                "consumes_mime_types": CONSUMES,
                "produces_mime_types": [VULN_HARBOR_1_0, VULN_1_1, RAW],
            },
            {
                "type": "sbom",
                "consumes_mime_types": CONSUMES,
                "produces_mime_types": [SBOM_REPORT],
                "additional_attributes": {"sbom_media_types": [SPDX, CYCLONEDX]},
            }
        ],
        "properties": properties,
    })
}

fn scanner() -> serde_json::Value {
    serde_json::json!({
        "name": "trawl",
        "vendor": "trawl",
        "version": env!("CARGO_PKG_VERSION"),
    })
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "Critical",
        Severity::High => "High",
        Severity::Medium => "Medium",
        Severity::Low => "Low",
        _ => "Unknown",
    }
}

/// Harbor's vulnerability report of `report`.
pub fn vulnerability_report(report: &Report, artifact: &Artifact) -> serde_json::Value {
    let mut worst = Severity::Unknown;
    let mut items = Vec::new();
    for r in &report.results {
        for f in &r.vulnerabilities {
            worst = worst.max(f.severity);
            let mut item = serde_json::json!({
                "id": f.id,
                "package": f.pkg_name,
                "version": f.installed_version,
                "severity": severity(f.severity),
                "links": links(f),
                "cwe_ids": f.cwe_ids,
                "vendor_attributes": {
                    "status": f.status,
                    "target": r.target,
                    "pkg_path": f.pkg_path,
                    "aliases": f.aliases,
                },
            });
            let o = item
                .as_object_mut()
                .unwrap_or_else(|| unreachable!("json! object"));
            if let Some(v) = &f.fixed_version {
                o.insert("fix_version".into(), v.clone().into());
            }
            if let Some(d) = f.description.as_ref().or(f.title.as_ref()) {
                o.insert("description".into(), d.clone().into());
            }
            if let Some(c) = preferred_cvss(f) {
                o.insert("preferred_cvss".into(), c);
            }
            items.push(item);
        }
    }
    serde_json::json!({
        "generated_at": report.created_at,
        "artifact": artifact,
        "scanner": scanner(),
        "severity": severity(worst),
        "vulnerabilities": items,
    })
}

fn links(f: &trawl_types::Finding) -> Vec<String> {
    let mut out: Vec<String> = f.primary_url.iter().cloned().collect();
    for r in &f.references {
        if out.len() >= 5 {
            break;
        }
        if (r.starts_with("https://") || r.starts_with("http://")) && !out.contains(r) {
            out.push(r.clone());
        }
    }
    out
}

fn preferred_cvss(f: &trawl_types::Finding) -> Option<serde_json::Value> {
    let source = f
        .severity_source
        .as_ref()
        .and_then(|s| f.cvss.get(s))
        .or_else(|| f.cvss.get("nvd"))
        .or_else(|| f.cvss.values().next())?;
    let mut o = serde_json::Map::new();
    if let Some(s) = source.v3_score {
        o.insert("score_v3".into(), s.into());
    }
    if let Some(v) = &source.v3_vector {
        o.insert("vector_v3".into(), v.clone().into());
    }
    if let Some(s) = source.v2_score {
        o.insert("score_v2".into(), s.into());
    }
    if let Some(v) = &source.v2_vector {
        o.insert("vector_v2".into(), v.clone().into());
    }
    Some(serde_json::Value::Object(o))
}

/// Harbor's SBOM report around an SBOM document.
pub fn sbom_report(
    report: &Report,
    artifact: &Artifact,
    media_type: &str,
    sbom: serde_json::Value,
) -> serde_json::Value {
    serde_json::json!({
        "generated_at": report.created_at,
        "artifact": artifact,
        "scanner": scanner(),
        "media_type": media_type,
        "sbom": sbom,
        "vendor_attributes": {},
    })
}
