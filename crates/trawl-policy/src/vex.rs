//! VEX documents: OpenVEX and CycloneDX VEX. Only statements that a product is `not_affected` or `fixed`
//! suppress findings; `affected` and `under_investigation` change nothing.

use crate::PolicyError;
use serde_json::Value;
use std::path::{Path, PathBuf};
use trawl_types::{Finding, Purl, Suppression};

#[derive(Debug, Clone)]
struct Statement {
    vulns: Vec<String>,
    /// Product / subcomponent purls (constraints). Empty = applies to every package.
    products: Products,
    status: String,
    statement: Option<String>,
}

/// The packages a statement is about.
#[derive(Debug, Clone, Default)]
struct Products {
    /// The purls that parse.
    purls: Vec<Purl>,
    /// Whether any purl was named (one that does not parse still scopes the statement: it matches nothing,
    /// rather than every package).
    scoped: bool,
}

impl Products {
    fn push(&mut self, reference: &str) {
        self.scoped = true;
        if let Ok(p) = reference.parse() {
            self.purls.push(p);
        }
    }

    fn matches(&self, purl: Option<&Purl>) -> bool {
        !self.scoped
            || purl.is_some_and(|p| {
                self.purls
                    .iter()
                    .any(|c| crate::purl::constraint_matches(c, p))
            })
    }
}

/// A loaded VEX document.
#[derive(Debug, Clone)]
pub struct VexDocument {
    /// Where it came from.
    pub path: PathBuf,
    /// `openvex` or `cyclonedx`.
    pub format: &'static str,
    statements: Vec<Statement>,
}

fn strings(v: Option<&Value>, key: &str) -> Vec<String> {
    match v {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|i| match i {
                Value::String(s) => Some(s.clone()),
                Value::Object(o) => o.get(key).and_then(Value::as_str).map(str::to_owned),
                _ => None,
            })
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// The purl inside a product reference (`pkg:...`, or a bom-ref `urn:cdx:...#pkg:...`).
fn purl_in(reference: &str) -> Option<&str> {
    reference.find("pkg:").map(|i| &reference[i..])
}

impl VexDocument {
    /// Loads an OpenVEX or CycloneDX VEX JSON document (detected from its content).
    pub fn load(path: &Path) -> Result<VexDocument, PolicyError> {
        let text = std::fs::read_to_string(path).map_err(|cause| PolicyError::Read {
            path: path.to_owned(),
            cause,
        })?;
        Self::parse(path, &text)
    }

    /// Parses a VEX document.
    pub fn parse(path: &Path, text: &str) -> Result<VexDocument, PolicyError> {
        let err = |line: usize, message: String| PolicyError::Syntax {
            path: path.to_owned(),
            line,
            message,
        };
        let doc: Value =
            serde_json::from_str(text).map_err(|e| err(e.line(), format!("invalid JSON: {e}")))?;
        if let Some(stmts) = doc.get("statements").and_then(Value::as_array) {
            let mut statements = Vec::new();
            for (i, s) in stmts.iter().enumerate() {
                let vulns = match s.get("vulnerability") {
                    Some(Value::String(v)) => vec![v.clone()],
                    Some(Value::Object(o)) => {
                        let mut v: Vec<String> = o
                            .get("name")
                            .and_then(Value::as_str)
                            .map(str::to_owned)
                            .into_iter()
                            .collect();
                        v.extend(
                            strings(o.get("aliases"), "name")
                                .into_iter()
                                .filter(|a| !a.contains("://")),
                        );
                        v
                    }
                    _ => return Err(err(0, format!("statement {i}: no vulnerability"))),
                };
                let status = s
                    .get("status")
                    .and_then(Value::as_str)
                    .ok_or_else(|| err(0, format!("statement {i}: no status")))?
                    .to_owned();
                let mut products = Products::default();
                if let Some(Value::Array(ps)) = s.get("products") {
                    for p in ps {
                        let id = match p {
                            Value::String(s) => Some(s.as_str()),
                            Value::Object(o) => o.get("@id").and_then(Value::as_str),
                            _ => None,
                        };
                        let subs = strings(p.get("subcomponents"), "@id");
                        if subs.is_empty() {
                            if let Some(purl) = id.and_then(purl_in)
                                && !purl.starts_with("pkg:oci/")
                            {
                                products.push(purl);
                            }
                        } else {
                            for purl in subs.iter().filter_map(|s| purl_in(s)) {
                                products.push(purl);
                            }
                        }
                    }
                }
                let statement = [
                    "impact_statement",
                    "status_notes",
                    "justification",
                    "action_statement",
                ]
                .iter()
                .find_map(|k| s.get(*k).and_then(Value::as_str))
                .map(str::to_owned);
                statements.push(Statement {
                    vulns,
                    products,
                    status,
                    statement,
                });
            }
            return Ok(VexDocument {
                path: path.to_owned(),
                format: "openvex",
                statements,
            });
        }
        if doc.get("bomFormat").and_then(Value::as_str) == Some("CycloneDX") {
            let mut statements = Vec::new();
            for v in doc
                .get("vulnerabilities")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let Some(id) = v.get("id").and_then(Value::as_str) else {
                    continue;
                };
                let Some(analysis) = v.get("analysis") else {
                    continue;
                };
                let state = analysis.get("state").and_then(Value::as_str).unwrap_or("");
                let status = match state {
                    "not_affected" | "false_positive" => "not_affected",
                    "resolved" | "resolved_with_pedigree" => "fixed",
                    other => other,
                };
                let mut products = Products::default();
                for purl in strings(v.get("affects"), "ref")
                    .iter()
                    .filter_map(|r| purl_in(r))
                {
                    products.push(purl);
                }
                let statement = analysis
                    .get("detail")
                    .or_else(|| analysis.get("justification"))
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                statements.push(Statement {
                    vulns: vec![id.to_owned()],
                    products,
                    status: status.to_owned(),
                    statement,
                });
            }
            return Ok(VexDocument {
                path: path.to_owned(),
                format: "cyclonedx",
                statements,
            });
        }
        Err(err(
            0,
            "neither an OpenVEX document (statements) nor CycloneDX VEX (bomFormat)".into(),
        ))
    }

    /// The suppression this document applies to `f`, if any.
    pub fn suppresses(&self, f: &Finding) -> Option<Suppression> {
        self.statements
            .iter()
            .filter(|s| s.status == "not_affected" || s.status == "fixed")
            .find(|s| s.vulns.iter().any(|v| f.has_id(v)) && s.products.matches(f.purl.as_ref()))
            .map(|s| Suppression {
                kind: "vex".into(),
                source: format!("{} ({})", self.path.display(), self.format),
                statement: s.statement.clone(),
                vex_status: Some(s.status.clone()),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(id: &str, purl: &str) -> Finding {
        Finding {
            id: id.into(),
            purl: Some(purl.parse().expect("purl")),
            ..Default::default()
        }
    }

    #[test]
    fn openvex() {
        let doc = r#"{"@context":"https://openvex.dev/ns/v0.2.0","statements":[
          {"vulnerability":{"name":"CVE-2023-1"},"products":[{"@id":"pkg:oci/app","subcomponents":[{"@id":"pkg:deb/debian/tar"}]}],
           "status":"not_affected","justification":"vulnerable_code_not_in_execute_path"},
          {"vulnerability":{"name":"CVE-2023-2"},"products":[{"@id":"pkg:deb/debian/tar"}],"status":"affected"}]}"#;
        let v = VexDocument::parse(Path::new("v.json"), doc).expect("valid");
        let s = v
            .suppresses(&finding("CVE-2023-1", "pkg:deb/debian/tar@1.34?arch=amd64"))
            .expect("hit");
        assert_eq!(s.vex_status.as_deref(), Some("not_affected"));
        assert_eq!(
            s.statement.as_deref(),
            Some("vulnerable_code_not_in_execute_path")
        );
        assert!(
            v.suppresses(&finding("CVE-2023-1", "pkg:deb/debian/gzip@1"))
                .is_none()
        );
        assert!(
            v.suppresses(&finding("CVE-2023-2", "pkg:deb/debian/tar@1.34"))
                .is_none()
        );
    }

    #[test]
    fn cyclonedx() {
        let doc = r#"{"bomFormat":"CycloneDX","specVersion":"1.6","vulnerabilities":[
          {"id":"CVE-2023-3","analysis":{"state":"resolved","detail":"patched"},"affects":[{"ref":"pkg:apk/alpine/musl@1.1.22-r3"}]}]}"#;
        let v = VexDocument::parse(Path::new("c.json"), doc).expect("valid");
        let s = v
            .suppresses(&finding(
                "CVE-2023-3",
                "pkg:apk/alpine/musl@1.1.22-r3?arch=x86_64",
            ))
            .expect("hit");
        assert_eq!(s.vex_status.as_deref(), Some("fixed"));
        assert!(
            v.suppresses(&finding("CVE-2023-3", "pkg:apk/alpine/musl@1.1.22-r4"))
                .is_none()
        );
    }

    #[test]
    fn bad_documents() {
        let e = VexDocument::parse(Path::new("x.json"), "{\n oops").expect_err("bad json");
        assert!(e.to_string().starts_with("x.json:2: invalid JSON"), "{e}");
        let e = VexDocument::parse(Path::new("x.json"), "{}").expect_err("unknown");
        assert!(e.to_string().contains("neither"), "{e}");
    }

    #[test]
    fn real_ubuntu_openvex_parses() {
        let data = trawl_test::require_shared_data!();
        let dir = data.join("advisories/ubuntu/vunnel-fixtures/vex/cve");
        let mut n = 0;
        for year in std::fs::read_dir(&dir).expect("vex dir") {
            for f in std::fs::read_dir(year.expect("entry").path()).expect("year dir") {
                let p = f.expect("entry").path();
                let v = VexDocument::load(&p).expect("real OpenVEX parses");
                assert!(!v.statements.is_empty(), "{}", p.display());
                n += 1;
            }
        }
        assert!(n > 0);
    }
}
