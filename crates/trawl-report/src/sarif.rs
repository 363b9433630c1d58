//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.
//!
//! Only the subset of SARIF 2.1.0 that trawl emits is modelled. One rule per vulnerability ID (and per secret rule
//! and misconfiguration check), with help text in text and Markdown and a `security-severity` property that agrees
//! with the finding's severity; one result per finding, located at the package's file (or, for OS packages in an
//! image, at the image name), with a stable `partialFingerprints` entry so that alerts of different packages on the
//! same location stay apart.

use crate::util::{
    advisory_url, consistent_score, finding_title, fnv1a_hex, one_line, severity_band_score,
};
use crate::{
    ArtifactType, RenderOptions, Report, ReportError, ReportFormat, ResultClass, ScanResult,
};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use trawl_types::{Finding, Misconfiguration, SecretFinding, Severity, Suppression};

const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    results: Vec<SResult>,
    column_kind: &'static str,
    original_uri_base_ids: BTreeMap<&'static str, ArtifactLoc>,
    properties: BTreeMap<&'static str, serde_json::Value>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    full_name: String,
    version: String,
    information_uri: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize, Clone)]
struct Message {
    text: String,
}

#[derive(Serialize, Clone)]
struct MultiMessage {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: String,
    name: String,
    short_description: Message,
    full_description: Message,
    default_configuration: Config,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<String>,
    help: MultiMessage,
    properties: RuleProps,
}

#[derive(Serialize)]
struct Config {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProps {
    precision: &'static str,
    #[serde(rename = "security-severity")]
    security_severity: String,
    tags: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SResult {
    rule_id: String,
    rule_index: usize,
    level: &'static str,
    message: Message,
    locations: Vec<Location>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<SSuppression>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    properties: BTreeMap<&'static str, serde_json::Value>,
}

/// A suppression (ignore file or VEX statement): GitHub code scanning closes such alerts as dismissed.
#[derive(Serialize)]
struct SSuppression {
    kind: &'static str,
    status: &'static str,
    justification: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: Physical,
    message: Message,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Physical {
    artifact_location: ArtifactLoc,
    region: Region,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
struct ArtifactLoc {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

/// SARIF result level for a severity.
fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Unknown => "note",
    }
}

/// Percent-encodes what a URI reference may not hold as is (spaces, `%`, non-ASCII, `[]{}|\^<>"` and controls),
/// keeping `/`, `:` `@` and the usual path characters.
fn uri_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut first_segment = true;
    for b in s.trim_start_matches('/').bytes() {
        let c = b as char;
        if c == '/' {
            first_segment = false;
        }
        // A colon in the first segment of a relative reference would read as a scheme (`127.0.0.1:5000/app`,
        // RFC 3986 section 4.2): encoded there.
        if c == ':' && first_segment {
            out.push_str("%3A");
        } else if c.is_ascii_alphanumeric() || "-._~/:@!$&'()*+,;=".contains(c) {
            out.push(c);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    if out.is_empty() { ".".to_owned() } else { out }
}

/// The artifact URI for findings of a result: the file for language packages, secrets and configs; for OS packages
/// of an image the image name (as Trivy does: GitHub shows it as the alert's location).
fn location_uri(report: &Report, r: &ScanResult, pkg_path: &str) -> String {
    let path = match r.class {
        ResultClass::OsPkgs => match report.artifact.artifact_type {
            ArtifactType::ContainerImage => image_uri(&report.artifact.name),
            ArtifactType::Filesystem | ArtifactType::Rootfs => {
                if pkg_path.is_empty() {
                    r.target.clone()
                } else {
                    pkg_path.to_owned()
                }
            }
        },
        ResultClass::LangPkgs => {
            if pkg_path.is_empty() {
                r.target.clone()
            } else {
                pkg_path.to_owned()
            }
        }
        ResultClass::Secret | ResultClass::Config => r.target.clone(),
    };
    uri_encode(&path)
}

/// `alpine:3.10` -> `library/alpine`, `ghcr.io/org/app:1@sha256:..` -> `ghcr.io/org/app`, a transport prefix
/// (`docker-archive:`) and a path stay a path.
fn image_uri(name: &str) -> String {
    let name = name.split('@').next().unwrap_or(name);
    for prefix in [
        "docker-archive:",
        "oci-archive:",
        "oci:",
        "docker:",
        "registry:",
    ] {
        if let Some(rest) = name.strip_prefix(prefix) {
            return rest.to_owned();
        }
    }
    // Drop a tag (a `:` after the last `/`).
    let last_slash = name.rfind('/').map_or(0, |i| i + 1);
    let repo = match name[last_slash..].rfind(':') {
        Some(i) => &name[..last_slash + i],
        None => name,
    };
    if repo.contains('/') {
        repo.to_owned()
    } else {
        format!("library/{repo}")
    }
}

#[derive(Default)]
struct Builder {
    rules: Vec<Rule>,
    index: BTreeMap<String, usize>,
    results: Vec<SResult>,
}

impl Builder {
    fn rule_index(&mut self, id: &str, make: impl FnOnce() -> Rule) -> usize {
        if let Some(i) = self.index.get(id) {
            return *i;
        }
        let i = self.rules.len();
        self.rules.push(make());
        self.index.insert(id.to_owned(), i);
        i
    }
}

fn vuln_rule(f: &Finding, class: ResultClass, packages: &str) -> Rule {
    let title = finding_title(f);
    let description = f
        .description
        .as_deref()
        .map(one_line)
        .filter(|d| !d.is_empty())
        .unwrap_or(title.clone());
    let url = advisory_url(f);
    let score = consistent_score(f);
    let fixed = f.fixed_version.as_deref().unwrap_or("none");
    let text = format!(
        "Vulnerability {id}\nSeverity: {sev}\nPackages: {packages}\nFixed Version: {fixed}\nLink: {url}\n{description}",
        id = f.id,
        sev = f.severity,
    );
    let markdown = format!(
        "**Vulnerability {id}**\n\n| Severity | Packages | Fixed Version | Link |\n| --- | --- | --- | --- |\n\
         | {sev} | {pkgs} | {fixed} | [{id}]({url}) |\n\n{description}",
        id = f.id,
        sev = f.severity,
        pkgs = md_cell(packages),
        fixed = md_cell(fixed),
        description = md_cell(&description),
    );
    let mut tags = vec![
        "vulnerability".to_owned(),
        "security".to_owned(),
        f.severity.as_str().to_owned(),
    ];
    if f.kev {
        tags.push("known-exploited".to_owned());
    }
    Rule {
        id: f.id.clone(),
        name: match class {
            ResultClass::OsPkgs => "OsPackageVulnerability".to_owned(),
            _ => "LanguageSpecificPackageVulnerability".to_owned(),
        },
        short_description: Message {
            text: if title.is_empty() {
                f.id.clone()
            } else {
                title
            },
        },
        full_description: Message {
            text: if description.is_empty() {
                f.id.clone()
            } else {
                description
            },
        },
        default_configuration: Config {
            level: level(f.severity),
        },
        help_uri: Some(url),
        help: MultiMessage { text, markdown },
        properties: RuleProps {
            precision: "very-high",
            security_severity: format!("{score:.1}"),
            tags,
        },
    }
}

fn md_cell(s: &str) -> String {
    one_line(s).replace('|', "\\|")
}

fn simple_rule(
    id: &str,
    name: &str,
    title: &str,
    description: &str,
    sev: Severity,
    tag: &str,
    url: Option<&str>,
) -> Rule {
    let title = if title.trim().is_empty() {
        id.to_owned()
    } else {
        one_line(title)
    };
    let description = if description.trim().is_empty() {
        title.clone()
    } else {
        one_line(description)
    };
    Rule {
        id: id.to_owned(),
        name: name.to_owned(),
        short_description: Message {
            text: title.clone(),
        },
        full_description: Message {
            text: description.clone(),
        },
        default_configuration: Config { level: level(sev) },
        help_uri: url.map(str::to_owned),
        help: MultiMessage {
            text: format!("{tag} {id}\nSeverity: {sev}\n{description}"),
            markdown: format!(
                "**{tag} {id}**\n\nSeverity: {sev}\n\n{}",
                md_cell(&description)
            ),
        },
        properties: RuleProps {
            precision: "very-high",
            security_severity: format!("{:.1}", severity_band_score(sev)),
            tags: vec![
                tag.to_ascii_lowercase(),
                "security".to_owned(),
                sev.as_str().to_owned(),
            ],
        },
    }
}

/// The SARIF suppression of a finding the policy suppressed (none for a surviving one).
fn sarif_suppressions(s: Option<&Suppression>) -> Vec<SSuppression> {
    s.map(|s| {
        let mut justification = format!("{} {}", s.kind, s.source);
        if let Some(st) = s.statement.as_deref().or(s.vex_status.as_deref()) {
            justification.push_str(": ");
            justification.push_str(&one_line(st));
        }
        SSuppression {
            kind: "external",
            status: "accepted",
            justification,
        }
    })
    .into_iter()
    .collect()
}

fn region(start: usize, end: usize) -> Region {
    let start = start.max(1);
    Region {
        start_line: start,
        start_column: 1,
        end_line: end.max(start),
        end_column: 1,
    }
}

/// Writes SARIF 2.1.0.
pub(crate) struct SarifRenderer<'a> {
    opts: &'a RenderOptions,
}

impl<'a> SarifRenderer<'a> {
    pub(crate) fn new(opts: &'a RenderOptions) -> Self {
        SarifRenderer { opts }
    }

    pub(crate) fn render(&self, w: &mut dyn Write, report: &Report) -> Result<(), ReportError> {
        let mut b = Builder::default();
        // Every package an advisory ID hits, for its rule's help text.
        let mut packages: BTreeMap<&str, std::collections::BTreeSet<&str>> = BTreeMap::new();
        let show_suppressed = self.opts.show_suppressed;
        for (_, f) in report
            .findings()
            .chain(report.suppressed_findings().filter(|_| show_suppressed))
        {
            packages.entry(&f.id).or_default().insert(&f.pkg_name);
        }
        for r in &report.results {
            let suppressed: &[Finding] = if show_suppressed { &r.suppressed } else { &[] };
            for f in r.vulnerabilities.iter().chain(suppressed) {
                let pkgs = packages
                    .get(f.id.as_str())
                    .map(|s| s.iter().copied().collect::<Vec<_>>().join(", "));
                let idx = b.rule_index(&f.id, || {
                    vuln_rule(f, r.class, pkgs.as_deref().unwrap_or(&f.pkg_name))
                });
                let uri = location_uri(report, r, &f.pkg_path);
                let fixed = f.fixed_version.as_deref().unwrap_or("none");
                let text = format!(
                    "Package: {}\nInstalled Version: {}\nVulnerability {}\nSeverity: {}\nFixed Version: {}\nLink: [{}]({})",
                    f.pkg_name,
                    f.installed_version,
                    f.id,
                    f.severity,
                    fixed,
                    f.id,
                    advisory_url(f)
                );
                let mut props = BTreeMap::new();
                if let Some(p) = &f.purl {
                    props.insert("purl", serde_json::Value::String(p.to_string()));
                }
                props.insert(
                    "status",
                    serde_json::Value::String(f.status.as_str().to_owned()),
                );
                if f.kev {
                    props.insert("kev", serde_json::Value::Bool(true));
                }
                if let Some(w) = &f.vendor_status {
                    props.insert("vendorStatus", serde_json::Value::String(w.clone()));
                }
                if let Some(o) = f.origin {
                    props.insert("origin", serde_json::Value::String(o.as_str().to_owned()));
                }
                // Why it matched, as the native JSON's `match` object (a property bag holds any JSON).
                if let Some(m) = &f.match_details
                    && let Ok(v) = serde_json::to_value(m)
                {
                    props.insert("match", v);
                }
                let fp = fnv1a_hex(&[
                    &r.target,
                    &f.id,
                    &f.pkg_name,
                    &f.installed_version,
                    &f.pkg_path,
                ]);
                b.results.push(SResult {
                    rule_id: f.id.clone(),
                    rule_index: idx,
                    level: level(f.severity),
                    message: Message { text },
                    locations: vec![Location {
                        physical_location: Physical {
                            artifact_location: ArtifactLoc {
                                uri,
                                uri_base_id: Some("ROOTPATH"),
                            },
                            region: region(1, 1),
                        },
                        message: Message {
                            text: format!("{}: {}@{}", r.target, f.pkg_name, f.installed_version),
                        },
                    }],
                    partial_fingerprints: [
                        ("primaryLocationLineHash", fp.clone()),
                        ("trawl/finding/v1", fp),
                    ]
                    .into_iter()
                    .collect(),
                    suppressions: sarif_suppressions(f.suppressed.as_ref()),
                    properties: props,
                });
            }
            let (sup_secrets, sup_misconf): (&[SecretFinding], &[Misconfiguration]) =
                if show_suppressed {
                    (&r.suppressed_secrets, &r.suppressed_misconfigurations)
                } else {
                    (&[], &[])
                };
            for s in r.secrets.iter().chain(sup_secrets) {
                let idx = b.rule_index(&format!("secret:{}", s.rule_id), || {
                    simple_rule(
                        &s.rule_id,
                        &s.category,
                        &s.title,
                        &s.title,
                        s.severity,
                        "Secret",
                        None,
                    )
                });
                let path = if s.path.is_empty() {
                    r.target.clone()
                } else {
                    s.path.clone()
                };
                let fp = fnv1a_hex(&[&path, &s.rule_id, &s.start_line.to_string()]);
                b.results.push(SResult {
                    rule_id: s.rule_id.clone(),
                    rule_index: idx,
                    level: level(s.severity),
                    message: Message {
                        text: format!(
                            "Artifact: {path}\nType: {}\nSecret {}\nSeverity: {}\nMatch: {}",
                            s.category,
                            s.title,
                            s.severity,
                            one_line(&s.redacted_match)
                        ),
                    },
                    locations: vec![Location {
                        physical_location: Physical {
                            artifact_location: ArtifactLoc {
                                uri: uri_encode(&path),
                                uri_base_id: Some("ROOTPATH"),
                            },
                            region: region(s.start_line, s.end_line),
                        },
                        message: Message { text: path.clone() },
                    }],
                    partial_fingerprints: [
                        ("primaryLocationLineHash", fp.clone()),
                        ("trawl/finding/v1", fp),
                    ]
                    .into_iter()
                    .collect(),
                    suppressions: sarif_suppressions(s.suppressed.as_ref()),
                    properties: BTreeMap::new(),
                });
            }
            for m in r
                .misconfigurations
                .iter()
                .chain(sup_misconf)
                .filter(|m| m.status.is_fail())
            {
                let idx = b.rule_index(&format!("misconfig:{}", m.id), || {
                    simple_rule(
                        &m.id,
                        m.file_type.as_str(),
                        &m.title,
                        &m.description,
                        m.severity,
                        "Misconfiguration",
                        m.references.first().map(String::as_str),
                    )
                });
                let path = if m.path.is_empty() {
                    r.target.clone()
                } else {
                    m.path.clone()
                };
                let start = m.start_line.unwrap_or(1);
                let fp = fnv1a_hex(&[&path, &m.id, &start.to_string(), &m.message]);
                b.results.push(SResult {
                    rule_id: m.id.clone(),
                    rule_index: idx,
                    level: level(m.severity),
                    message: Message {
                        text: format!(
                            "Artifact: {path}\nType: {}\nCheck {}: {}\nSeverity: {}\nMessage: {}\nResolution: {}",
                            m.file_type,
                            m.id,
                            one_line(&m.title),
                            m.severity,
                            one_line(&m.message),
                            one_line(&m.resolution)
                        ),
                    },
                    locations: vec![Location {
                        physical_location: Physical {
                            artifact_location: ArtifactLoc { uri: uri_encode(&path), uri_base_id: Some("ROOTPATH") },
                            region: region(start, m.end_line.unwrap_or(start)),
                        },
                        message: Message { text: path.clone() },
                    }],
                    partial_fingerprints: [("primaryLocationLineHash", fp.clone()), ("trawl/finding/v1", fp)]
                        .into_iter()
                        .collect(),
                    suppressions: sarif_suppressions(m.suppressed.as_ref()),
                    properties: BTreeMap::new(),
                });
            }
        }
        let a = &report.artifact;
        let mut run_props = BTreeMap::new();
        run_props.insert("artifactName", serde_json::Value::String(a.name.clone()));
        run_props.insert(
            "artifactType",
            serde_json::Value::String(a.artifact_type.as_str().to_owned()),
        );
        if let Some(id) = &a.image_id {
            run_props.insert("imageID", serde_json::Value::String(id.clone()));
        }
        if !a.repo_digests.is_empty() {
            run_props.insert("repoDigests", serde_json::json!(a.repo_digests));
        }
        if !a.repo_tags.is_empty() {
            run_props.insert("repoTags", serde_json::json!(a.repo_tags));
        }
        if let Some(b) = &a.base_image
            && let Ok(v) = serde_json::to_value(b)
        {
            run_props.insert("baseImage", v);
        }
        let log = Log {
            schema: SCHEMA_URI,
            version: "2.1.0",
            runs: vec![Run {
                tool: Tool {
                    driver: Driver {
                        name: "trawl",
                        full_name: format!(
                            "trawl container vulnerability scanner {}",
                            report.tool.version
                        ),
                        version: report.tool.version.clone(),
                        information_uri: env!("CARGO_PKG_REPOSITORY"),
                        rules: b.rules,
                    },
                },
                results: b.results,
                column_kind: "utf16CodeUnits",
                original_uri_base_ids: [(
                    "ROOTPATH",
                    ArtifactLoc {
                        uri: "file:///".to_owned(),
                        uri_base_id: None,
                    },
                )]
                .into_iter()
                .collect(),
                properties: run_props,
            }],
        };
        serde_json::to_writer_pretty(&mut *w, &log).map_err(|source| ReportError::Serialize {
            format: ReportFormat::Sarif,
            source,
        })?;
        writeln!(w).map_err(|source| ReportError::Write {
            format: ReportFormat::Sarif,
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_uris() {
        assert_eq!(image_uri("alpine:3.10"), "library/alpine");
        assert_eq!(
            image_uri("ghcr.io/org/app:1.2@sha256:abcd"),
            "ghcr.io/org/app"
        );
        assert_eq!(image_uri("localhost:5000/app"), "localhost:5000/app");
        assert_eq!(
            image_uri("docker-archive:images/alpine.tar"),
            "images/alpine.tar"
        );
    }

    #[test]
    fn uris_are_encoded() {
        assert_eq!(uri_encode("/app/my file%.lock"), "app/my%20file%25.lock");
        assert_eq!(uri_encode(""), ".");
        assert_eq!(uri_encode("ü"), "%C3%BC");
        assert_eq!(uri_encode("127.0.0.1:5000/app:1"), "127.0.0.1%3A5000/app:1");
        assert_eq!(uri_encode("app/a:b"), "app/a:b");
    }
}
