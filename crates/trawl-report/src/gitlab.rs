//! `--format gitlab`: GitLab's dependency-scanning security report (schema version 15.0.7), so findings show in
//! merge requests and the vulnerability report of GitLab Ultimate (`artifacts: reports: dependency_scanning`).
//!
//! Only what trawl fills is modelled: one vulnerability per finding with its identifiers (the ID and its aliases),
//! links, location (the package's file and the package), a solution when a fixed version exists; one
//! `dependency_files` entry per target listing its packages; and the `scan` block.

use crate::util::{advisory_url, finding_title, fnv1a_hex, id_url, truncate};
use crate::{RenderOptions, Report, ReportError, ReportFormat, ResultClass};
use serde::Serialize;
use std::io::Write;
use trawl_types::{Finding, Severity};

/// The report schema version written.
pub(crate) const GITLAB_SCHEMA_VERSION: &str = "15.0.7";

#[derive(Serialize)]
struct GlReport {
    version: &'static str,
    vulnerabilities: Vec<GlVuln>,
    dependency_files: Vec<DependencyFile>,
    scan: Scan,
}

#[derive(Serialize)]
struct Vendor {
    name: &'static str,
}

#[derive(Serialize)]
struct Component {
    id: &'static str,
    name: &'static str,
    version: String,
    vendor: Vendor,
}

#[derive(Serialize)]
struct Scan {
    analyzer: Component,
    scanner: Component,
    r#type: &'static str,
    start_time: String,
    end_time: String,
    status: &'static str,
}

#[derive(Serialize)]
struct Identifier {
    r#type: String,
    name: String,
    value: String,
    url: String,
}

#[derive(Serialize)]
struct Link {
    url: String,
}

#[derive(Serialize)]
struct PackageName {
    name: String,
}

#[derive(Serialize)]
struct Dependency {
    package: PackageName,
    version: String,
}

#[derive(Serialize)]
struct GlLocation {
    file: String,
    dependency: Dependency,
}

#[derive(Serialize)]
struct GlVuln {
    id: String,
    name: String,
    description: String,
    severity: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    solution: Option<String>,
    identifiers: Vec<Identifier>,
    links: Vec<Link>,
    location: GlLocation,
}

#[derive(Serialize)]
struct DependencyFile {
    path: String,
    package_manager: String,
    dependencies: Vec<Dependency>,
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "Critical",
        Severity::High => "High",
        Severity::Medium => "Medium",
        Severity::Low => "Low",
        Severity::Unknown => "Unknown",
    }
}

fn identifier(id: &str) -> Identifier {
    let upper = id.to_ascii_uppercase();
    let ty = if upper.starts_with("CVE-") {
        "cve".to_owned()
    } else if upper.starts_with("GHSA-") {
        "ghsa".to_owned()
    } else {
        id.split('-')
            .next()
            .unwrap_or("advisory")
            .to_ascii_lowercase()
    };
    Identifier {
        r#type: ty,
        name: id.to_owned(),
        value: id.to_owned(),
        url: id_url(id),
    }
}

/// GitLab wants `YYYY-MM-DDTHH:MM:SS` (no fraction, no zone).
fn gitlab_time(rfc3339: &str) -> String {
    let s: String = rfc3339.chars().take(19).collect();
    if s.len() == 19 {
        s
    } else {
        "1970-01-01T00:00:00".to_owned()
    }
}

/// The file a finding is located in: the package's file (for OS packages their database, e.g.
/// `lib/apk/db/installed`), else the target.
fn file_of(target: &str, f: &Finding) -> String {
    if f.pkg_path.is_empty() {
        target.to_owned()
    } else {
        f.pkg_path.clone()
    }
}

/// Writes GitLab dependency-scanning JSON.
pub(crate) struct GitlabRenderer<'a> {
    _opts: &'a RenderOptions,
}

impl<'a> GitlabRenderer<'a> {
    pub(crate) fn new(opts: &'a RenderOptions) -> Self {
        GitlabRenderer { _opts: opts }
    }

    pub(crate) fn render(&self, w: &mut dyn Write, report: &Report) -> Result<(), ReportError> {
        let mut vulnerabilities = Vec::new();
        let mut dependency_files = Vec::new();
        for r in &report.results {
            if !matches!(r.class, ResultClass::OsPkgs | ResultClass::LangPkgs) {
                continue;
            }
            for f in &r.vulnerabilities {
                let mut identifiers = vec![identifier(&f.id)];
                identifiers.extend(
                    f.aliases
                        .iter()
                        .filter(|a| **a != f.id)
                        .map(|a| identifier(a)),
                );
                let mut links = vec![Link {
                    url: advisory_url(f),
                }];
                for u in f.references.iter().filter(|u| u.starts_with("http")) {
                    if !links.iter().any(|l| &l.url == u) {
                        links.push(Link { url: u.clone() });
                    }
                }
                let title = finding_title(f);
                let name = if title.is_empty() {
                    format!("{} in {}", f.id, f.pkg_name)
                } else {
                    title
                };
                vulnerabilities.push(GlVuln {
                    id: uuid_like(&[&r.target, &f.id, &f.pkg_name, &f.installed_version]),
                    name: truncate(&name, 255),
                    description: truncate(f.description.as_deref().unwrap_or(&name), 1_048_576),
                    severity: severity(f.severity),
                    solution: f
                        .fixed_version
                        .as_ref()
                        .map(|v| format!("Upgrade {} to {v}", f.pkg_name)),
                    identifiers,
                    links,
                    location: GlLocation {
                        file: file_of(&r.target, f),
                        dependency: Dependency {
                            package: PackageName {
                                name: f.pkg_name.clone(),
                            },
                            version: f.installed_version.clone(),
                        },
                    },
                });
            }
            dependency_files.push(DependencyFile {
                path: r.target.clone(),
                package_manager: r.result_type.clone(),
                dependencies: r
                    .packages
                    .iter()
                    .map(|p| Dependency {
                        package: PackageName {
                            name: p.name.clone(),
                        },
                        version: p.version.clone(),
                    })
                    .collect(),
            });
        }
        let version = report.tool.version.clone();
        let time = gitlab_time(&report.created_at);
        let doc = GlReport {
            version: GITLAB_SCHEMA_VERSION,
            vulnerabilities,
            dependency_files,
            scan: Scan {
                analyzer: Component {
                    id: "trawl",
                    name: "trawl",
                    version: version.clone(),
                    vendor: Vendor { name: "trawl" },
                },
                scanner: Component {
                    id: "trawl",
                    name: "trawl",
                    version,
                    vendor: Vendor { name: "trawl" },
                },
                r#type: "dependency_scanning",
                start_time: time.clone(),
                end_time: time,
                status: "success",
            },
        };
        serde_json::to_writer_pretty(&mut *w, &doc).map_err(|source| ReportError::Serialize {
            format: ReportFormat::Gitlab,
            source,
        })?;
        writeln!(w).map_err(|source| ReportError::Write {
            format: ReportFormat::Gitlab,
            source,
        })
    }
}

/// A stable UUID-shaped ID from the finding's identity (GitLab tracks findings across pipelines by it).
fn uuid_like(parts: &[&str]) -> String {
    let a = fnv1a_hex(parts);
    let mut rev: Vec<&str> = parts.to_vec();
    rev.reverse();
    let b = fnv1a_hex(&rev);
    format!(
        "{}-{}-{}-{}-{}",
        &a[..8],
        &a[8..12],
        &a[12..16],
        &b[..4],
        &b[4..16]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_ids() {
        assert_eq!(gitlab_time("2026-11-29T10:00:00Z"), "2026-11-29T10:00:00");
        assert_eq!(gitlab_time("bad"), "1970-01-01T00:00:00");
        let id = uuid_like(&["a", "b"]);
        assert_eq!(id.len(), 36);
        assert_eq!(id, uuid_like(&["a", "b"]));
        assert_ne!(id, uuid_like(&["b", "a"]));
    }
}
