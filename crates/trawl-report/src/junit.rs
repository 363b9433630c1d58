//! `--format junit`: JUnit XML for CI systems that show test results (Jenkins, GitLab, Azure DevOps, CircleCI).
//!
//! One `<testsuite>` per target; one failing `<testcase>` per vulnerability, secret and failed misconfiguration
//! (`classname` = the package or file, `name` = `[SEVERITY] ID`), a passing test case per package without
//! findings when `--list-all-pkgs` is set, and a skipped one per suppressed finding with `--show-suppressed`.

use crate::util::{finding_title, one_line, sort_findings, xml_escape};
use crate::{RenderOptions, Report, ReportError, ReportFormat, ScanResult};
use std::fmt::Write as _;
use std::io::Write;
use trawl_types::Finding;

struct Case {
    classname: String,
    name: String,
    /// `(message, type, body)` of a failure.
    failure: Option<(String, String, String)>,
    skipped: Option<String>,
}

fn vuln_case(f: &Finding) -> Case {
    let fixed = f.fixed_version.as_deref().unwrap_or("");
    let body = format!(
        "Package: {}\nInstalled Version: {}\nFixed Version: {}\nStatus: {}\nSeverity: {}\nLink: {}\n{}",
        f.pkg_name,
        f.installed_version,
        fixed,
        f.status,
        f.severity,
        crate::util::advisory_url(f),
        f.description.as_deref().map(one_line).unwrap_or_default()
    );
    Case {
        classname: format!("{}-{}", f.pkg_name, f.installed_version),
        name: format!("[{}] {}", f.severity, f.id),
        failure: Some((finding_title(f), f.severity.as_str().to_owned(), body)),
        skipped: None,
    }
}

fn suite_cases(r: &ScanResult, opts: &RenderOptions) -> Vec<Case> {
    let mut cases = Vec::new();
    let mut v: Vec<&Finding> = r.vulnerabilities.iter().collect();
    sort_findings(&mut v, |f| f);
    cases.extend(v.into_iter().map(vuln_case));
    for s in &r.secrets {
        cases.push(Case {
            classname: s.path.clone(),
            name: format!("[{}] {}", s.severity, s.rule_id),
            failure: Some((
                one_line(&s.title),
                s.severity.as_str().to_owned(),
                format!(
                    "{}:{}: {}",
                    s.path,
                    s.start_line,
                    one_line(&s.redacted_match)
                ),
            )),
            skipped: None,
        });
    }
    for m in &r.misconfigurations {
        let failed = m.status.is_fail();
        cases.push(Case {
            classname: m.path.clone(),
            name: format!("[{}] {}", m.severity, m.id),
            failure: failed.then(|| {
                (
                    one_line(&m.title),
                    m.severity.as_str().to_owned(),
                    format!(
                        "{}\n{}\nResolution: {}",
                        m.message, m.description, m.resolution
                    ),
                )
            }),
            skipped: None,
        });
    }
    if opts.list_all_pkgs {
        for p in &r.packages {
            let vulnerable = r
                .vulnerabilities
                .iter()
                .any(|f| f.pkg_name == p.name && f.installed_version == p.version);
            if !vulnerable {
                cases.push(Case {
                    classname: format!("{}-{}", p.name, p.version),
                    name: p.purl.as_ref().map_or_else(|| p.id(), ToString::to_string),
                    failure: None,
                    skipped: None,
                });
            }
        }
    }
    if opts.show_suppressed {
        for it in crate::util::suppressed_items(r) {
            let mut why = format!("suppressed by {}", it.by());
            let st = it.statement();
            if !st.is_empty() {
                why.push_str(": ");
                why.push_str(&st);
            }
            let classname = if it.version.is_empty() {
                it.subject.to_owned()
            } else {
                format!("{}-{}", it.subject, it.version)
            };
            cases.push(Case {
                classname,
                name: format!("[{}] {}", it.severity, it.id),
                failure: None,
                skipped: Some(why),
            });
        }
    }
    cases
}

/// Writes JUnit XML.
pub(crate) struct JunitRenderer<'a> {
    opts: &'a RenderOptions,
}

impl<'a> JunitRenderer<'a> {
    pub(crate) fn new(opts: &'a RenderOptions) -> Self {
        JunitRenderer { opts }
    }

    pub(crate) fn render(&self, w: &mut dyn Write, report: &Report) -> Result<(), ReportError> {
        let text = self.to_xml(report);
        w.write_all(text.as_bytes())
            .map_err(|source| ReportError::Write {
                format: ReportFormat::Junit,
                source,
            })
    }

    fn to_xml(&self, report: &Report) -> String {
        // JUnit timestamps carry no zone (`xs:dateTime` without offset in the common XSD).
        let ts = report
            .created_at
            .trim_end_matches('Z')
            .split('+')
            .next()
            .unwrap_or("")
            .to_owned();
        let ts = if ts.len() >= 19 {
            ts[..19].to_owned()
        } else {
            ts
        };
        let suites: Vec<(&ScanResult, Vec<Case>)> = report
            .results
            .iter()
            .map(|r| (r, suite_cases(r, self.opts)))
            .collect();
        let tests: usize = suites.iter().map(|(_, c)| c.len()).sum();
        let failures: usize = suites
            .iter()
            .map(|(_, c)| c.iter().filter(|c| c.failure.is_some()).count())
            .sum();
        let mut out = String::new();
        out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            out,
            "<testsuites name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" time=\"0\">",
            xml_escape(&format!("trawl {}", report.artifact.name))
        );
        for (i, (r, cases)) in suites.iter().enumerate() {
            let f = cases.iter().filter(|c| c.failure.is_some()).count();
            let s = cases.iter().filter(|c| c.skipped.is_some()).count();
            let _ = writeln!(
                out,
                "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{f}\" errors=\"0\" skipped=\"{s}\" time=\"0\" \
                 timestamp=\"{}\" hostname=\"trawl\" id=\"{i}\" package=\"{}\">",
                xml_escape(&r.target),
                cases.len(),
                xml_escape(&ts),
                xml_escape(r.class.as_str()),
            );
            let _ = writeln!(
                out,
                "    <properties>\n      <property name=\"class\" value=\"{}\"/>\n      <property name=\"type\" value=\"{}\"/>\n    </properties>",
                xml_escape(r.class.as_str()),
                xml_escape(&r.result_type)
            );
            for c in cases {
                let _ = write!(
                    out,
                    "    <testcase classname=\"{}\" name=\"{}\" time=\"0\"",
                    xml_escape(&c.classname),
                    xml_escape(&c.name)
                );
                match (&c.failure, &c.skipped) {
                    (Some((msg, ty, body)), _) => {
                        let _ = writeln!(
                            out,
                            ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
                            xml_escape(msg),
                            xml_escape(ty),
                            xml_escape(body)
                        );
                    }
                    (None, Some(why)) => {
                        let _ = writeln!(
                            out,
                            ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                            xml_escape(why)
                        );
                    }
                    (None, None) => out.push_str("/>\n"),
                }
            }
            out.push_str(
                "    <system-out></system-out>\n    <system-err></system-err>\n  </testsuite>\n",
            );
        }
        out.push_str("</testsuites>\n");
        out
    }
}
