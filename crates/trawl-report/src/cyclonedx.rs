//! `--format cyclonedx`: CycloneDX 1.6 JSON (hand-written serde structs: no crate supports 1.6).
//!
//! The BOM holds the scanned image (or directory) as `metadata.component`, the OS as an `operating-system`
//! component, every language target as an `application` component, and every package as a `library` with its purl,
//! licence and layer properties; `dependencies` link them. When vulnerabilities were scanned, a `vulnerabilities`
//! section lists each advisory with ratings per source, CWEs, advisories, the affected packages (by `bom-ref`), and
//! for suppressed findings an `analysis` saying why.

use crate::util::{advisory_url, id_url, name_or_unnamed, one_line, spdx_expression};
use crate::{ArtifactType, RenderOptions, Report, ReportError, ReportFormat, ResultClass};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use trawl_types::{Finding, Package, Purl, Severity};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Bom {
    #[serde(rename = "$schema")]
    schema: &'static str,
    bom_format: &'static str,
    spec_version: &'static str,
    serial_number: String,
    version: u32,
    metadata: Metadata,
    components: Vec<Component>,
    dependencies: Vec<Dependency>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vulnerabilities: Option<Vec<Vulnerability>>,
}

#[derive(Serialize)]
struct Metadata {
    timestamp: String,
    tools: Tools,
    component: Component,
}

#[derive(Serialize)]
struct Tools {
    components: Vec<Component>,
}

#[derive(Serialize, Clone)]
struct Property {
    name: String,
    value: String,
}

#[derive(Serialize, Clone)]
#[serde(untagged)]
enum LicenseChoice {
    Expression { expression: String },
    License { license: LicenseName },
}

#[derive(Serialize, Clone)]
struct LicenseName {
    name: String,
}

#[derive(Serialize, Clone)]
struct Supplier {
    name: String,
}

#[derive(Serialize, Clone)]
struct Component {
    #[serde(rename = "bom-ref")]
    bom_ref: String,
    r#type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    supplier: Option<Supplier>,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    licenses: Vec<LicenseChoice>,
    /// The first of the package's CPEs (software matched by CPE).
    #[serde(skip_serializing_if = "Option::is_none")]
    cpe: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    purl: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
}

impl Component {
    fn new(bom_ref: String, ty: &'static str, name: impl Into<String>) -> Self {
        Component {
            bom_ref,
            r#type: ty,
            supplier: None,
            name: name.into(),
            group: None,
            version: None,
            description: None,
            licenses: Vec::new(),
            cpe: None,
            purl: None,
            properties: Vec::new(),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Dependency {
    r#ref: String,
    depends_on: Vec<String>,
}

#[derive(Serialize)]
struct Source {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
}

#[derive(Serialize)]
struct Rating {
    source: Source,
    #[serde(skip_serializing_if = "Option::is_none")]
    score: Option<f64>,
    severity: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    method: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vector: Option<String>,
}

#[derive(Serialize)]
struct Advisory {
    url: String,
}

#[derive(Serialize)]
struct Reference {
    id: String,
    source: Source,
}

#[derive(Serialize)]
struct AffectedVersion {
    version: String,
    status: &'static str,
}

#[derive(Serialize)]
struct Affect {
    r#ref: String,
    versions: Vec<AffectedVersion>,
}

#[derive(Serialize)]
struct Analysis {
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    response: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
}

#[derive(Serialize)]
struct Vulnerability {
    #[serde(rename = "bom-ref")]
    bom_ref: String,
    id: String,
    source: Source,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    references: Vec<Reference>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ratings: Vec<Rating>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    cwes: Vec<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    recommendation: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    advisories: Vec<Advisory>,
    #[serde(skip_serializing_if = "Option::is_none")]
    published: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    updated: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    analysis: Option<Analysis>,
    affects: Vec<Affect>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
}

fn sev_name(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "critical",
        Severity::High => "high",
        Severity::Medium => "medium",
        Severity::Low => "low",
        Severity::Unknown => "unknown",
    }
}

/// CycloneDX rating method of a CVSS vector.
fn method_of_v3(vector: Option<&str>) -> &'static str {
    match vector {
        Some(v) if v.starts_with("CVSS:3.1") => "CVSSv31",
        _ => "CVSSv3",
    }
}

/// RFC 3339 date-time, or a date turned into midnight UTC; anything else is dropped.
pub(crate) fn normalize_datetime(s: &str) -> Option<String> {
    use time::format_description::well_known::Rfc3339;
    let s = s.trim();
    if time::OffsetDateTime::parse(s, &Rfc3339).is_ok() {
        return Some(s.to_owned());
    }
    let date_fmt = time::macros::format_description!("[year]-[month]-[day]");
    if time::Date::parse(s, &date_fmt).is_ok() {
        return Some(format!("{s}T00:00:00Z"));
    }
    let with_z = format!("{s}Z");
    if time::OffsetDateTime::parse(&with_z, &Rfc3339).is_ok() {
        return Some(with_z);
    }
    None
}

/// The `pkg:oci/...` purl of an image, when it has a digest.
pub(crate) fn image_purl(report: &Report) -> Option<String> {
    let a = &report.artifact;
    let (repo, digest) = match a.repo_digests.first().and_then(|d| d.split_once('@')) {
        Some((repo, digest)) => (Some(repo), digest.to_owned()),
        None => (None, a.image_id.clone()?),
    };
    let base = repo.unwrap_or_else(|| a.repo_tags.first().map_or(a.name.as_str(), String::as_str));
    let base = base.split('@').next().unwrap_or(base);
    let last_slash = base.rfind('/').map_or(0, |i| i + 1);
    let no_tag = match base[last_slash..].rfind(':') {
        Some(i) => &base[..last_slash + i],
        None => base,
    };
    let name = no_tag
        .rsplit('/')
        .next()
        .unwrap_or(no_tag)
        .to_ascii_lowercase();
    if name.is_empty() || name.contains(':') {
        return None;
    }
    let mut p = Purl::new("oci", &name, &digest);
    if let Some(arch) = a
        .image_config
        .as_ref()
        .and_then(|c| c.architecture.as_deref())
    {
        p.qualifiers.push(("arch".to_owned(), arch.to_owned()));
    }
    if let Some(repo) = repo {
        p.qualifiers
            .push(("repository_url".to_owned(), repo.to_owned()));
    }
    Some(p.to_string())
}

struct Refs {
    used: HashSet<String>,
}

impl Refs {
    fn unique(&mut self, base: &str) -> String {
        if self.used.insert(base.to_owned()) {
            return base.to_owned();
        }
        let mut n = 2;
        loop {
            let candidate = format!("{base}#{n}");
            if self.used.insert(candidate.clone()) {
                return candidate;
            }
            n += 1;
        }
    }
}

fn package_component(p: &Package, bom_ref: String, result_type: &str) -> Component {
    let mut c = Component::new(bom_ref, "library", name_or_unnamed(&p.name));
    c.version = (!p.version.is_empty()).then(|| p.version.clone());
    c.purl = p.purl.as_ref().map(ToString::to_string);
    c.cpe = p.cpes.first().cloned();
    if let Some(m) = p
        .maintainer
        .as_deref()
        .or(p.vendor.as_deref())
        .filter(|m| !m.trim().is_empty())
    {
        c.supplier = Some(Supplier { name: one_line(m) });
    }
    if !p.licenses.is_empty() {
        c.licenses = match spdx_expression(&p.licenses) {
            Some(expression) => vec![LicenseChoice::Expression { expression }],
            None => p
                .licenses
                .iter()
                .filter(|l| !l.trim().is_empty())
                .map(|l| LicenseChoice::License {
                    license: LicenseName { name: one_line(l) },
                })
                .collect(),
        };
    }
    let mut props = vec![Property {
        name: "trawl:package:type".into(),
        value: result_type.to_owned(),
    }];
    let mut add = |name: &str, value: Option<&str>| {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            props.push(Property {
                name: name.to_owned(),
                value: v.to_owned(),
            });
        }
    };
    add("trawl:package:src_name", p.source_name.as_deref());
    add("trawl:package:src_version", p.source_version.as_deref());
    add("trawl:package:arch", p.arch.as_deref());
    add("trawl:package:file_path", Some(&p.file_path));
    if let Some(l) = &p.layer {
        add("trawl:layer:diff_id", Some(&l.diff_id));
        add("trawl:layer:digest", l.digest.as_deref());
        add("trawl:layer:created_by", l.created_by.as_deref());
        props.push(Property {
            name: "trawl:layer:index".into(),
            value: l.index.to_string(),
        });
    }
    if p.dev {
        props.push(Property {
            name: "trawl:package:dev".into(),
            value: "true".into(),
        });
    }
    c.properties = props;
    c
}

/// Writes CycloneDX 1.6 JSON.
pub(crate) struct CyclonedxRenderer<'a> {
    _opts: &'a RenderOptions,
}

impl<'a> CyclonedxRenderer<'a> {
    pub(crate) fn new(opts: &'a RenderOptions) -> Self {
        CyclonedxRenderer { _opts: opts }
    }

    pub(crate) fn render(&self, w: &mut dyn Write, report: &Report) -> Result<(), ReportError> {
        let bom = build(report);
        serde_json::to_writer_pretty(&mut *w, &bom).map_err(|source| ReportError::Serialize {
            format: ReportFormat::Cyclonedx,
            source,
        })?;
        writeln!(w).map_err(|source| ReportError::Write {
            format: ReportFormat::Cyclonedx,
            source,
        })
    }
}

fn build(report: &Report) -> Bom {
    let a = &report.artifact;
    let mut refs = Refs {
        used: HashSet::new(),
    };

    // The scanned artifact.
    let root_purl = image_purl(report);
    let root_ref = refs.unique(
        root_purl
            .as_deref()
            .unwrap_or(&format!("trawl:artifact:{}", a.name)),
    );
    let mut root = Component::new(
        root_ref.clone(),
        match a.artifact_type {
            ArtifactType::ContainerImage => "container",
            ArtifactType::Filesystem | ArtifactType::Rootfs => "application",
        },
        if a.name.trim().is_empty() {
            "unnamed".to_owned()
        } else {
            a.name.clone()
        },
    );
    root.purl = root_purl;
    let mut props = Vec::new();
    props.push(Property {
        name: "trawl:artifact:type".into(),
        value: a.artifact_type.as_str().into(),
    });
    if let Some(id) = &a.image_id {
        props.push(Property {
            name: "trawl:image:id".into(),
            value: id.clone(),
        });
    }
    for t in &a.repo_tags {
        props.push(Property {
            name: "trawl:image:repo_tag".into(),
            value: t.clone(),
        });
    }
    for d in &a.repo_digests {
        props.push(Property {
            name: "trawl:image:repo_digest".into(),
            value: d.clone(),
        });
    }
    for l in &a.layers {
        props.push(Property {
            name: "trawl:image:diff_id".into(),
            value: l.diff_id.clone(),
        });
    }
    root.properties = props;

    let mut components = Vec::new();
    let mut dependencies = Vec::new();
    let mut root_deps = Vec::new();

    // The OS.
    let os_ref = a.os.as_ref().map(|os| {
        let r = refs.unique(&format!("trawl:os:{}-{}", os.family.as_str(), os.name));
        let mut c = Component::new(r.clone(), "operating-system", os.family.as_str());
        c.version = Some(os.name.clone());
        c.description = os.pretty_name.clone();
        components.push(c);
        root_deps.push(r.clone());
        r
    });

    // Packages, remembered by (target, name, version, purl) for `affects`.
    let mut pkg_refs: HashMap<(String, String, String, Option<String>), String> = HashMap::new();
    let mut os_deps = Vec::new();
    for r in &report.results {
        if !matches!(r.class, ResultClass::OsPkgs | ResultClass::LangPkgs) {
            continue;
        }
        let mut app_deps = Vec::new();
        let app_ref = (r.class == ResultClass::LangPkgs).then(|| {
            let ar = refs.unique(&format!("trawl:target:{}", r.target));
            let mut c = Component::new(ar.clone(), "application", name_or_unnamed(&r.target));
            c.properties = vec![
                Property {
                    name: "trawl:result:class".into(),
                    value: r.class.as_str().into(),
                },
                Property {
                    name: "trawl:result:type".into(),
                    value: r.result_type.clone(),
                },
            ];
            components.push(c);
            root_deps.push(ar.clone());
            ar
        });
        for p in &r.packages {
            let base =
                p.purl.as_ref().map(ToString::to_string).unwrap_or_else(|| {
                    format!("trawl:pkg:{}:{}@{}", r.result_type, p.name, p.version)
                });
            let br = refs.unique(&base);
            pkg_refs
                .entry((
                    r.target.clone(),
                    p.name.clone(),
                    p.version.clone(),
                    p.purl.as_ref().map(ToString::to_string),
                ))
                .or_insert_with(|| br.clone());
            components.push(package_component(p, br.clone(), &r.result_type));
            match (&app_ref, &os_ref) {
                (Some(_), _) => app_deps.push(br),
                (None, Some(_)) => os_deps.push(br),
                (None, None) => root_deps.push(br),
            }
        }
        if let Some(ar) = app_ref {
            dependencies.push(Dependency {
                r#ref: ar,
                depends_on: app_deps,
            });
        }
    }
    if let Some(or) = &os_ref {
        dependencies.push(Dependency {
            r#ref: or.clone(),
            depends_on: os_deps,
        });
    }
    dependencies.insert(
        0,
        Dependency {
            r#ref: root_ref,
            depends_on: root_deps,
        },
    );
    // Every component appears in the dependency graph (leaves with no dependencies of their own).
    let listed: HashSet<String> = dependencies.iter().map(|d| d.r#ref.clone()).collect();
    for c in &components {
        if !listed.contains(&c.bom_ref) {
            dependencies.push(Dependency {
                r#ref: c.bom_ref.clone(),
                depends_on: Vec::new(),
            });
        }
    }

    let vulnerabilities = report
        .vulnerabilities_scanned()
        .then(|| vulnerabilities(report, &pkg_refs, &mut refs));

    let mut tool = Component::new(
        "trawl-tool".to_owned(),
        "application",
        report.tool.name.clone(),
    );
    tool.version = Some(report.tool.version.clone());
    Bom {
        schema: "http://cyclonedx.org/schema/bom-1.6.schema.json",
        bom_format: "CycloneDX",
        spec_version: "1.6",
        serial_number: format!("urn:uuid:{}", uuid::Uuid::new_v4()),
        version: 1,
        metadata: Metadata {
            timestamp: normalize_datetime(&report.created_at)
                .unwrap_or_else(trawl_types::time::now_rfc3339),
            tools: Tools {
                components: vec![tool],
            },
            component: root,
        },
        components,
        dependencies,
        vulnerabilities,
    }
}

type PkgRefs = HashMap<(String, String, String, Option<String>), String>;
/// (advisory ID, suppression identity).
type GroupKey = (String, Option<String>);

/// Why a finding matched, as `trawl:match:*` properties (CycloneDX properties are name/value strings; one
/// `trawl:match:record` per advisory record: `ADVISORY SOURCE NAMESPACE matched_by; ranges`).
fn match_properties(m: Option<&trawl_types::MatchDetails>) -> Vec<Property> {
    let Some(m) = m else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut push = |name: &str, value: String| {
        if !value.is_empty() {
            out.push(Property {
                name: format!("trawl:match:{name}"),
                value,
            });
        }
    };
    push("analyzer", m.analyzer.clone().unwrap_or_default());
    push("file", m.file.clone());
    push("layer", m.layer.clone().unwrap_or_default());
    push("namespace", m.namespace.clone());
    push("package", m.package.clone());
    push("version", m.version.clone());
    push("comparator", m.comparator.clone());
    for r in &m.records {
        let by = serde_json::to_value(r.matched_by)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let mut text = format!("{} {} {} {by}", r.advisory, r.source, r.namespace);
        if !r.ranges.is_empty() {
            text.push_str("; ");
            text.push_str(&r.ranges.join(" | "));
        }
        if let Some(v) = &r.listed_version {
            text.push_str(&format!("; listed {v}"));
        }
        push("record", text);
    }
    push("status_reason", m.status_reason.clone());
    out
}

fn vulnerabilities(report: &Report, pkg_refs: &PkgRefs, refs: &mut Refs) -> Vec<Vulnerability> {
    // One entry per (advisory ID, suppression): the same ID in several packages lists them all in `affects`.
    let mut groups: BTreeMap<GroupKey, Vec<(&str, &Finding)>> = BTreeMap::new();
    for r in &report.results {
        for f in r.vulnerabilities.iter().chain(&r.suppressed) {
            let key = f.suppressed.as_ref().map(|s| {
                format!(
                    "{}|{}|{}",
                    s.kind,
                    s.source,
                    s.vex_status.as_deref().unwrap_or("")
                )
            });
            groups
                .entry((f.id.clone(), key))
                .or_default()
                .push((r.target.as_str(), f));
        }
    }
    let mut out = Vec::new();
    for ((id, _), findings) in groups {
        let Some((_, f)) = findings.first().copied() else {
            continue;
        };
        let bom_ref = refs.unique(&format!("trawl:vuln:{id}"));
        let source = match f.data_sources.first() {
            Some(d) => Source {
                name: d.name.clone(),
                url: (!d.url.is_empty()).then(|| d.url.clone()),
            },
            None => Source {
                name: source_name_of(&id).to_owned(),
                url: Some(id_url(&id)),
            },
        };
        let mut ratings = Vec::new();
        for (src, c) in &f.cvss {
            if let Some(score) = c.v3_score.filter(|s| s.is_finite()) {
                ratings.push(Rating {
                    source: Source {
                        name: src.clone(),
                        url: None,
                    },
                    score: Some(score),
                    severity: sev_name(Severity::from_cvss_score(score)),
                    method: Some(method_of_v3(c.v3_vector.as_deref())),
                    vector: c.v3_vector.clone(),
                });
            }
            if let Some(score) = c.v40_score.filter(|s| s.is_finite()) {
                ratings.push(Rating {
                    source: Source {
                        name: src.clone(),
                        url: None,
                    },
                    score: Some(score),
                    severity: sev_name(Severity::from_cvss_score(score)),
                    method: Some("CVSSv4"),
                    vector: c.v40_vector.clone(),
                });
            }
            if let Some(score) = c.v2_score.filter(|s| s.is_finite()) {
                ratings.push(Rating {
                    source: Source {
                        name: src.clone(),
                        url: None,
                    },
                    score: Some(score),
                    severity: sev_name(if score >= 7.0 {
                        Severity::High
                    } else if score >= 4.0 {
                        Severity::Medium
                    } else {
                        Severity::Low
                    }),
                    method: Some("CVSSv2"),
                    vector: c.v2_vector.clone(),
                });
            }
        }
        for (src, sev) in &f.vendor_severity {
            ratings.push(Rating {
                source: Source {
                    name: src.clone(),
                    url: None,
                },
                score: None,
                severity: sev_name(*sev),
                method: Some("other"),
                vector: None,
            });
        }
        if ratings.is_empty() {
            ratings.push(Rating {
                source: Source {
                    name: f
                        .severity_source
                        .clone()
                        .unwrap_or_else(|| "trawl".to_owned()),
                    url: None,
                },
                score: None,
                severity: sev_name(f.severity),
                method: Some("other"),
                vector: None,
            });
        }
        let mut affects: Vec<Affect> = Vec::new();
        for (target, f) in &findings {
            let key = (
                (*target).to_owned(),
                f.pkg_name.clone(),
                f.installed_version.clone(),
                f.purl.as_ref().map(ToString::to_string),
            );
            let r = pkg_refs
                .get(&key)
                .or_else(|| {
                    pkg_refs
                        .iter()
                        .find(|(k, _)| {
                            k.0 == *target && k.1 == f.pkg_name && k.2 == f.installed_version
                        })
                        .map(|(_, v)| v)
                })
                .cloned()
                .or_else(|| f.purl.as_ref().map(ToString::to_string))
                .unwrap_or_else(|| format!("trawl:pkg:{}@{}", f.pkg_name, f.installed_version));
            if affects.iter().any(|a| a.r#ref == r) {
                continue;
            }
            affects.push(Affect {
                r#ref: r,
                versions: vec![AffectedVersion {
                    version: f.installed_version.clone(),
                    status: "affected",
                }],
            });
        }
        let recommendation = {
            let fixes: Vec<String> = findings
                .iter()
                .filter_map(|(_, f)| {
                    f.fixed_version
                        .as_ref()
                        .map(|v| format!("Upgrade {} to {v}", f.pkg_name))
                })
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            (!fixes.is_empty()).then(|| fixes.join("; "))
        };
        let analysis = f.suppressed.as_ref().map(|s| {
            let vex = s.vex_status.as_deref().unwrap_or("");
            let (state, response) = match vex {
                "not_affected" => (Some("not_affected"), Vec::new()),
                "fixed" => (Some("resolved"), Vec::new()),
                "under_investigation" => (Some("in_triage"), Vec::new()),
                "affected" => (Some("exploitable"), Vec::new()),
                _ => (None, vec!["will_not_fix"]),
            };
            let mut detail = format!("suppressed by {} {}", s.kind, s.source);
            if let Some(st) = &s.statement {
                detail.push_str(": ");
                detail.push_str(&one_line(st));
            }
            Analysis {
                state,
                response,
                detail: Some(detail),
            }
        });
        let mut properties = vec![Property {
            name: "trawl:status".into(),
            value: f.status.as_str().to_owned(),
        }];
        if f.kev {
            properties.push(Property {
                name: "trawl:kev".into(),
                value: "true".into(),
            });
        }
        if let Some(e) = f.epss {
            properties.push(Property {
                name: "trawl:epss".into(),
                value: format!("{e}"),
            });
        }
        if let Some(w) = &f.vendor_status {
            properties.push(Property {
                name: "trawl:vendor_status".into(),
                value: w.clone(),
            });
        }
        if let Some(o) = f.origin {
            properties.push(Property {
                name: "trawl:origin".into(),
                value: o.as_str().into(),
            });
        }
        properties.extend(match_properties(f.match_details.as_ref()));
        out.push(Vulnerability {
            bom_ref,
            id: id.clone(),
            source,
            references: f
                .aliases
                .iter()
                .map(|al| Reference {
                    id: al.clone(),
                    source: Source {
                        name: source_name_of(al).to_owned(),
                        url: Some(id_url(al)),
                    },
                })
                .collect(),
            ratings,
            cwes: f
                .cwe_ids
                .iter()
                .filter_map(|c| c.trim().trim_start_matches("CWE-").parse::<u32>().ok())
                .collect(),
            description: f.description.clone().or_else(|| f.title.clone()),
            recommendation,
            advisories: {
                let mut urls = vec![advisory_url(f)];
                for u in &f.references {
                    if !urls.contains(u) {
                        urls.push(u.clone());
                    }
                }
                urls.into_iter()
                    .filter(|u| u.starts_with("http"))
                    .map(|url| Advisory { url })
                    .collect()
            },
            published: f.published.as_deref().and_then(normalize_datetime),
            updated: f.modified.as_deref().and_then(normalize_datetime),
            analysis,
            affects,
            properties,
        });
    }
    out
}

fn source_name_of(id: &str) -> &'static str {
    let u = id.to_ascii_uppercase();
    if u.starts_with("CVE-") {
        "NVD"
    } else if u.starts_with("GHSA-") {
        "GitHub"
    } else {
        "OSV"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(
            normalize_datetime("2023-10-03").as_deref(),
            Some("2023-10-03T00:00:00Z")
        );
        assert_eq!(
            normalize_datetime("2023-10-03T18:15:00Z").as_deref(),
            Some("2023-10-03T18:15:00Z")
        );
        assert_eq!(
            normalize_datetime("2023-10-03T18:15:00").as_deref(),
            Some("2023-10-03T18:15:00Z")
        );
        assert_eq!(normalize_datetime("yesterday"), None);
    }
}
