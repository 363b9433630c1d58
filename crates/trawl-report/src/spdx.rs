//! `--format spdx-json` and `--format spdx`: SPDX 2.3 JSON and tag-value, one document (hand-written structs:
//! only what we emit).
//!
//! The document DESCRIBES the scanned artifact (a `CONTAINER` package for images, an `APPLICATION` for directories),
//! which CONTAINS the OS (`OPERATING-SYSTEM`) and one `APPLICATION` package per language target; those CONTAIN
//! their packages. Each package carries its purl as a `PACKAGE-MANAGER` external reference, and, when
//! vulnerabilities were scanned, each of its vulnerabilities as a `SECURITY` `advisory` reference (the advisory's
//! URL). Declared licences are
//! written only when they form a valid SPDX expression of listed licences (apk and dpkg often write free text),
//! else `NOASSERTION`; nothing is concluded, so `licenseConcluded` is `NOASSERTION`.

use crate::cyclonedx::{image_purl, normalize_datetime};
use crate::util::{advisory_url, name_or_unnamed, one_line, spdx_expression};
use crate::{ArtifactType, RenderOptions, Report, ReportError, ReportFormat, ResultClass};
use serde::Serialize;
use std::io::Write;
use trawl_types::Package;

const NOASSERTION: &str = "NOASSERTION";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    spdx_version: &'static str,
    data_license: &'static str,
    #[serde(rename = "SPDXID")]
    spdx_id: &'static str,
    name: String,
    document_namespace: String,
    creation_info: CreationInfo,
    packages: Vec<SPackage>,
    relationships: Vec<Relationship>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreationInfo {
    creators: Vec<String>,
    created: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExternalRef {
    reference_category: &'static str,
    reference_type: &'static str,
    reference_locator: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SPackage {
    #[serde(rename = "SPDXID")]
    spdx_id: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version_info: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    supplier: Option<String>,
    download_location: &'static str,
    files_analyzed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_info: Option<String>,
    license_concluded: &'static str,
    license_declared: String,
    copyright_text: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    external_refs: Vec<ExternalRef>,
    primary_package_purpose: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
}

impl SPackage {
    fn new(spdx_id: String, name: String, purpose: &'static str) -> Self {
        SPackage {
            spdx_id,
            name,
            version_info: None,
            supplier: None,
            download_location: NOASSERTION,
            files_analyzed: false,
            source_info: None,
            license_concluded: NOASSERTION,
            license_declared: NOASSERTION.to_owned(),
            copyright_text: NOASSERTION,
            external_refs: Vec::new(),
            primary_package_purpose: purpose,
            comment: None,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Relationship {
    spdx_element_id: String,
    relationship_type: &'static str,
    related_spdx_element: String,
}

fn rel(a: &str, ty: &'static str, b: &str) -> Relationship {
    Relationship {
        spdx_element_id: a.to_owned(),
        relationship_type: ty,
        related_spdx_element: b.to_owned(),
    }
}

/// `Organization: NAME (EMAIL)` from `NAME <EMAIL>` (dpkg/apk maintainer fields); characters SPDX's actor syntax
/// reserves are dropped.
fn supplier_of(raw: &str) -> Option<String> {
    let raw = one_line(raw);
    let (name, email) = match (raw.find('<'), raw.rfind('>')) {
        (Some(a), Some(b)) if a < b => (
            raw[..a].trim().to_owned(),
            Some(raw[a + 1..b].trim().to_owned()),
        ),
        _ => (raw.clone(), None),
    };
    let clean = |s: &str| {
        s.chars()
            .filter(|c| !matches!(c, '(' | ')' | '<' | '>'))
            .collect::<String>()
    };
    let name = clean(&name).trim().to_owned();
    if name.is_empty() {
        return None;
    }
    Some(
        match email
            .map(|e| clean(&e))
            .filter(|e| !e.is_empty() && !e.contains(' '))
        {
            Some(e) => format!("Organization: {name} ({e})"),
            None => format!("Organization: {name}"),
        },
    )
}

/// Characters a URI path segment may hold as they are; everything else is percent-encoded.
fn ns_segment(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        let c = b as char;
        if c.is_ascii_alphanumeric() || "-._~".contains(c) {
            out.push(c);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn package_of(p: &Package, spdx_id: String) -> SPackage {
    let mut s = SPackage::new(spdx_id, name_or_unnamed(&p.name), "LIBRARY");
    s.version_info = (!p.version.is_empty()).then(|| p.version.clone());
    s.supplier = p
        .maintainer
        .as_deref()
        .or(p.vendor.as_deref())
        .and_then(supplier_of);
    s.license_declared = spdx_expression(&p.licenses).unwrap_or_else(|| NOASSERTION.to_owned());
    if let Some(src) = p.source_name.as_deref().filter(|s| *s != p.name) {
        let v = p.source_version.as_deref().unwrap_or(&p.version);
        s.source_info = Some(format!("built package from: {src} {v}"));
    }
    if let Some(purl) = &p.purl {
        s.external_refs.push(ExternalRef {
            reference_category: "PACKAGE-MANAGER",
            reference_type: "purl",
            reference_locator: purl.to_string(),
        });
    }
    let mut comment = Vec::new();
    if !p.file_path.is_empty() {
        comment.push(format!("found in: {}", p.file_path));
    }
    if let Some(l) = &p.layer {
        let mut c = format!("layer {}: {}", l.index, l.diff_id);
        if let Some(by) = &l.created_by {
            c.push_str(&format!(" (created by: {})", one_line(by)));
        }
        comment.push(c);
    }
    if !p.licenses.is_empty() && s.license_declared == NOASSERTION {
        comment.push(format!(
            "declared licence (not an SPDX expression): {}",
            one_line(&p.licenses.join(", "))
        ));
    }
    s.comment = (!comment.is_empty()).then(|| comment.join("; "));
    s
}

/// Writes SPDX 2.3 JSON.
pub(crate) struct SpdxRenderer<'a> {
    _opts: &'a RenderOptions,
}

impl<'a> SpdxRenderer<'a> {
    pub(crate) fn new(opts: &'a RenderOptions) -> Self {
        SpdxRenderer { _opts: opts }
    }

    pub(crate) fn render(&self, w: &mut dyn Write, report: &Report) -> Result<(), ReportError> {
        let doc = build(report);
        serde_json::to_writer_pretty(&mut *w, &doc).map_err(|source| ReportError::Serialize {
            format: ReportFormat::SpdxJson,
            source,
        })?;
        writeln!(w).map_err(|source| ReportError::Write {
            format: ReportFormat::SpdxJson,
            source,
        })
    }

    /// The same document as SPDX 2.3 tag-value (`--format spdx`, Trivy's `spdx`).
    pub(crate) fn render_tag_value(
        &self,
        w: &mut dyn Write,
        report: &Report,
    ) -> Result<(), ReportError> {
        let text = tag_value(&build(report));
        w.write_all(text.as_bytes())
            .map_err(|source| ReportError::Write {
                format: ReportFormat::Spdx,
                source,
            })
    }
}

/// A tag-value value: one line as it is, anything else (or text that could be mistaken for markup) in
/// `<text>...</text>`.
fn tv_text(s: &str) -> String {
    if s.contains(['\n', '\r']) || s.contains("<text>") || s.contains("</text>") {
        // `</text>` cannot appear inside a text block: break it.
        format!("<text>{}</text>", s.replace("</text>", "< /text>"))
    } else {
        s.to_owned()
    }
}

fn tag_value(doc: &Document) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let mut line = |tag: &str, value: &str| {
        let _ = writeln!(out, "{tag}: {}", tv_text(value));
    };
    line("SPDXVersion", doc.spdx_version);
    line("DataLicense", doc.data_license);
    line("SPDXID", doc.spdx_id);
    line("DocumentName", &one_line(&doc.name));
    line("DocumentNamespace", &doc.document_namespace);
    for c in &doc.creation_info.creators {
        line("Creator", c);
    }
    line("Created", &doc.creation_info.created);
    for p in &doc.packages {
        out.push('\n');
        let mut line = |tag: &str, value: &str| {
            let _ = writeln!(out, "{tag}: {}", tv_text(value));
        };
        line("PackageName", &one_line(&p.name));
        line("SPDXID", &p.spdx_id);
        if let Some(v) = &p.version_info {
            line("PackageVersion", &one_line(v));
        }
        if let Some(s) = &p.supplier {
            line("PackageSupplier", s);
        }
        line("PackageDownloadLocation", p.download_location);
        line(
            "FilesAnalyzed",
            if p.files_analyzed { "true" } else { "false" },
        );
        if let Some(s) = &p.source_info {
            line("PackageSourceInfo", s);
        }
        line("PackageLicenseConcluded", p.license_concluded);
        line("PackageLicenseDeclared", &p.license_declared);
        line("PackageCopyrightText", p.copyright_text);
        for r in &p.external_refs {
            line(
                "ExternalRef",
                &format!(
                    "{} {} {}",
                    r.reference_category, r.reference_type, r.reference_locator
                ),
            );
        }
        line("PrimaryPackagePurpose", p.primary_package_purpose);
        if let Some(c) = &p.comment {
            line("PackageComment", c);
        }
    }
    out.push('\n');
    for r in &doc.relationships {
        let _ = writeln!(
            out,
            "Relationship: {} {} {}",
            r.spdx_element_id, r.relationship_type, r.related_spdx_element
        );
    }
    out
}

fn build(report: &Report) -> Document {
    let a = &report.artifact;
    let mut packages = Vec::new();
    let mut relationships = Vec::new();

    let (root_id, purpose) = match a.artifact_type {
        ArtifactType::ContainerImage => ("SPDXRef-ContainerImage".to_owned(), "CONTAINER"),
        ArtifactType::Filesystem | ArtifactType::Rootfs => {
            ("SPDXRef-Filesystem".to_owned(), "APPLICATION")
        }
    };
    let root_name = if a.name.trim().is_empty() {
        "unnamed".to_owned()
    } else {
        a.name.clone()
    };
    let mut root = SPackage::new(root_id.clone(), root_name.clone(), purpose);
    root.version_info = a
        .repo_digests
        .first()
        .and_then(|d| d.split_once('@'))
        .map(|(_, d)| d.to_owned());
    if let Some(purl) = image_purl(report) {
        root.external_refs.push(ExternalRef {
            reference_category: "PACKAGE-MANAGER",
            reference_type: "purl",
            reference_locator: purl,
        });
    }
    if let Some(id) = &a.image_id {
        root.comment = Some(format!("image ID: {id}"));
    }
    packages.push(root);
    relationships.push(rel("SPDXRef-DOCUMENT", "DESCRIBES", &root_id));

    let os_id = a.os.as_ref().map(|os| {
        let id = "SPDXRef-OperatingSystem".to_owned();
        let mut p = SPackage::new(
            id.clone(),
            os.family.as_str().to_owned(),
            "OPERATING-SYSTEM",
        );
        p.version_info = Some(os.name.clone());
        p.comment = os.pretty_name.clone();
        packages.push(p);
        relationships.push(rel(&root_id, "CONTAINS", &id));
        id
    });

    let mut n_pkg = 0usize;
    let mut n_app = 0usize;
    for r in &report.results {
        if !matches!(r.class, ResultClass::OsPkgs | ResultClass::LangPkgs) {
            continue;
        }
        let parent = match (r.class, &os_id) {
            (ResultClass::LangPkgs, _) => {
                n_app += 1;
                let id = format!("SPDXRef-Application-{n_app}");
                let mut p = SPackage::new(id.clone(), name_or_unnamed(&r.target), "APPLICATION");
                p.comment = Some(format!("{} packages ({})", r.result_type, r.class));
                packages.push(p);
                relationships.push(rel(&root_id, "CONTAINS", &id));
                id
            }
            (_, Some(os)) => os.clone(),
            (_, None) => root_id.clone(),
        };
        for p in &r.packages {
            n_pkg += 1;
            let id = format!("SPDXRef-Package-{n_pkg}");
            let mut sp = package_of(p, id.clone());
            // With the vuln scanner: each vulnerability of the package as a SECURITY `advisory` reference.
            let mut seen = std::collections::BTreeSet::new();
            for f in r.vulnerabilities.iter().filter(|f| {
                f.pkg_name == p.name
                    && f.installed_version == p.version
                    && (f.pkg_path.is_empty() || f.pkg_path == p.file_path)
            }) {
                let url = advisory_url(f);
                if !url.is_empty() && !url.contains(char::is_whitespace) && seen.insert(url.clone())
                {
                    sp.external_refs.push(ExternalRef {
                        reference_category: "SECURITY",
                        reference_type: "advisory",
                        reference_locator: url,
                    });
                }
            }
            packages.push(sp);
            relationships.push(rel(&parent, "CONTAINS", &id));
        }
    }

    let created =
        normalize_datetime(&report.created_at).unwrap_or_else(trawl_types::time::now_rfc3339);
    // SPDX wants second precision (`YYYY-MM-DDThh:mm:ssZ`).
    let created = trim_to_seconds(&created);
    Document {
        spdx_version: "SPDX-2.3",
        data_license: "CC0-1.0",
        spdx_id: "SPDXRef-DOCUMENT",
        name: root_name,
        document_namespace: format!(
            "https://spdx.org/spdxdocs/trawl/{}/{}-{}",
            a.artifact_type.as_str(),
            ns_segment(&a.name),
            uuid::Uuid::new_v4()
        ),
        creation_info: CreationInfo {
            creators: vec![format!(
                "Tool: {}-{}",
                report.tool.name, report.tool.version
            )],
            created,
        },
        packages,
        relationships,
    }
}

/// `2026-11-29T10:00:00.123+01:00` -> `2026-11-29T09:00:00Z`.
fn trim_to_seconds(s: &str) -> String {
    use time::format_description::well_known::Rfc3339;
    match time::OffsetDateTime::parse(s, &Rfc3339) {
        Ok(t) => {
            let t = t.to_offset(time::UtcOffset::UTC);
            format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            )
        }
        Err(_) => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suppliers() {
        assert_eq!(
            supplier_of("GNU Libc Maintainers <debian-glibc@lists.debian.org>").as_deref(),
            Some("Organization: GNU Libc Maintainers (debian-glibc@lists.debian.org)")
        );
        assert_eq!(
            supplier_of("Natanael Copa").as_deref(),
            Some("Organization: Natanael Copa")
        );
        assert_eq!(supplier_of("  "), None);
    }

    #[test]
    fn seconds() {
        assert_eq!(
            trim_to_seconds("2026-11-29T10:00:00.123+01:00"),
            "2026-11-29T09:00:00Z"
        );
    }
}
