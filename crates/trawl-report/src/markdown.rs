//! `--format markdown`: a GitHub-flavoured Markdown job summary (`$GITHUB_STEP_SUMMARY`).
//!
//! Layout: a title naming the artifact, a totals-by-severity table, the gate verdict, the findings that fail the
//! gate (with fixed versions) in the open, then every target's findings in a collapsed `<details>` section; the
//! baseline comparison, secrets, misconfigurations, suppressed findings and warnings follow when present. Every
//! table cell is escaped so that no `|`, newline or HTML in advisory text breaks the table.

use crate::util::{advisory_url, finding_title, one_line, sort_findings, truncate};
use crate::{
    Failing, GateInfo, RenderOptions, Report, ReportError, ReportFormat, ResultClass, ScanResult,
    SeverityCounts,
};
use std::fmt::Write as _;
use std::io::Write;
use trawl_types::{Finding, Severity};

/// Escapes text for one GFM table cell (or inline text): one line, `|` and Markdown/HTML punctuation escaped.
pub(crate) fn cell(s: &str) -> String {
    let s = one_line(s);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes text for HTML context (the `<summary>` of a `<details>` block, where Markdown escapes would show).
fn html_text(s: &str) -> String {
    one_line(s)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A Markdown link whose label is escaped and whose URL cannot break out of the parentheses.
fn link(label: &str, url: &str) -> String {
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return cell(label);
    }
    let url: String = url
        .chars()
        .map(|c| match c {
            ' ' => "%20".to_owned(),
            '(' => "%28".to_owned(),
            ')' => "%29".to_owned(),
            '|' => "%7C".to_owned(),
            '<' => "%3C".to_owned(),
            '>' => "%3E".to_owned(),
            c => c.to_string(),
        })
        .collect();
    format!("[{}]({url})", cell(label))
}

fn sev_badge(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "🟥 CRITICAL",
        Severity::High => "🟧 HIGH",
        Severity::Medium => "🟨 MEDIUM",
        Severity::Low => "🟦 LOW",
        Severity::Unknown => "⬜ UNKNOWN",
    }
}

/// GitHub keeps at most 1 MiB of a step summary: the tables are capped so the summary stays well under it
/// (a row is about 300 bytes).
const MAX_FAILING_ROWS: usize = 500;
/// Rows of all per-target detail tables together.
const MAX_DETAIL_ROWS: usize = 1500;

const FINDING_HEADER: &str = "| Severity | ID | Package | Installed | Fixed | Status | Title |\n| --- | --- | --- | --- | --- | --- | --- |\n";

fn finding_row(out: &mut String, f: &Finding) {
    let mut title = truncate(&finding_title(f), 100);
    if f.kev {
        title = format!("[KEV] {title}");
    }
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} | {} | {} | {} |",
        sev_badge(f.severity),
        link(&f.id, &advisory_url(f)),
        cell(&f.pkg_name),
        cell(&f.installed_version),
        cell(f.fixed_version.as_deref().unwrap_or("")),
        cell(&crate::table::status_text(f)),
        cell(&title),
    );
}

/// Writes the Markdown summary.
pub(crate) struct MarkdownRenderer<'a> {
    opts: &'a RenderOptions,
}

impl<'a> MarkdownRenderer<'a> {
    pub(crate) fn new(opts: &'a RenderOptions) -> Self {
        MarkdownRenderer { opts }
    }

    pub(crate) fn render(&self, w: &mut dyn Write, report: &Report) -> Result<(), ReportError> {
        let text = self.to_text(report);
        w.write_all(text.as_bytes())
            .map_err(|source| ReportError::Write {
                format: ReportFormat::Markdown,
                source,
            })
    }

    fn gate(&self, report: &Report) -> Option<GateInfo> {
        self.opts
            .gate
            .clone()
            .or_else(|| report.policy.as_ref().and_then(|p| p.gate()))
    }

    fn to_text(&self, report: &Report) -> String {
        let mut out = String::new();
        let a = &report.artifact;
        let name = if a.name.is_empty() {
            "(unnamed)"
        } else {
            a.name.as_str()
        };
        let os =
            a.os.as_ref()
                .map(|o| format!(" ({} {})", cell(o.family.as_str()), cell(&o.name)))
                .unwrap_or_default();
        let _ = writeln!(out, "## trawl scan: {}{os}\n", cell(name));
        if let Some(id) = &a.image_id {
            let _ = writeln!(out, "Image ID: {}  ", cell(id));
        }
        let pkgs: usize = report.results.iter().map(|r| r.packages.len()).sum();
        let _ = writeln!(
            out,
            "Packages: {pkgs} · Targets: {} · Scanned: {}\n",
            report.results.len(),
            cell(&report.created_at)
        );

        if !report.vulnerabilities_scanned() {
            self.inventory(&mut out, report);
            self.tail(&mut out, report);
            return out;
        }

        // Totals.
        let counts = report.severity_counts();
        let secrets = report.secret_counts();
        let misconf = report.misconfiguration_counts();
        let _ = writeln!(
            out,
            "| Severity | Vulnerabilities | Secrets | Misconfigurations |\n| --- | ---: | ---: | ---: |"
        );
        for s in Severity::ALL.iter().rev() {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                sev_badge(*s),
                counts.get(*s),
                secrets.get(*s),
                misconf.get(*s)
            );
        }
        let _ = writeln!(
            out,
            "| **Total** | **{}** | **{}** | **{}** |\n",
            counts.total(),
            secrets.total(),
            misconf.total()
        );
        if let Some(line) = report.reachability_line() {
            let _ = writeln!(out, "Reachability of the vulnerable code ({line})\n");
        }
        if let Some(line) = report.base_line() {
            let _ = writeln!(out, "{}\n", cell(&line));
        }

        // Gate.
        let gate = self.gate(report);
        if let Some(g) = &gate {
            let Failing {
                vulnerabilities: mut failing,
                secrets: failing_secrets,
                misconfigurations: failing_misconf,
            } = g.failing(report);
            sort_findings(&mut failing, |(_, f)| f);
            let what = if g.severities.is_empty() {
                "any severity".to_owned()
            } else {
                g.severities
                    .iter()
                    .rev()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let scope = if g.new_only {
                "new findings"
            } else {
                "findings"
            };
            let n_fail = failing.len() + failing_secrets.len() + failing_misconf.len();
            if n_fail == 0 {
                let _ = writeln!(out, "✅ **Gate passed**: no {scope} at {what}.\n");
            } else {
                let _ = writeln!(
                    out,
                    "❌ **Gate failed**: {n_fail} {scope} at {what} ({}, {}, {}).\n\n### Findings that fail the gate\n",
                    plural(failing.len(), "vulnerability", "vulnerabilities"),
                    plural(failing_secrets.len(), "secret", "secrets"),
                    plural(
                        failing_misconf.len(),
                        "misconfiguration",
                        "misconfigurations"
                    ),
                );
                out.push_str(
                    "| Target | Severity | ID | Package | Installed | Fixed | Status | Title |\n",
                );
                out.push_str("| --- | --- | --- | --- | --- | --- | --- | --- |\n");
                for (r, f) in failing.iter().take(MAX_FAILING_ROWS) {
                    let mut row = String::new();
                    finding_row(&mut row, f);
                    let _ = write!(out, "| {} {}", cell(&r.target), row);
                }
                if failing.len() > MAX_FAILING_ROWS {
                    let _ = writeln!(
                        out,
                        "\n{} more not shown: see the full report.\n",
                        failing.len() - MAX_FAILING_ROWS
                    );
                }
                for (r, sec) in &failing_secrets {
                    let _ = writeln!(
                        out,
                        "| {} | {} | {} | secret in {} | line {} |  |  | {} |",
                        cell(&r.target),
                        sev_badge(sec.severity),
                        cell(&sec.rule_id),
                        cell(&sec.path),
                        sec.start_line,
                        cell(&sec.title)
                    );
                }
                for (r, m) in &failing_misconf {
                    let _ = writeln!(
                        out,
                        "| {} | {} | {} | {} | {} |  |  | {} |",
                        cell(&r.target),
                        sev_badge(m.severity),
                        cell(&m.id),
                        cell(&m.path),
                        m.start_line
                            .map(|l| format!("line {l}"))
                            .unwrap_or_default(),
                        cell(&m.title)
                    );
                }
                out.push('\n');
            }
        }

        if let Some(b) = &report.baseline {
            let _ = writeln!(
                out,
                "### Compared with the baseline\n\nBaseline: {} · 🆕 new: {} · unchanged: {} · ✅ fixed: {}\n",
                cell(&b.source),
                b.new.len(),
                b.unchanged.len(),
                b.fixed.len()
            );
            for (title, keys) in [
                ("New", &b.new),
                ("Fixed since the baseline", &b.fixed),
                ("Unchanged", &b.unchanged),
            ] {
                if keys.is_empty() {
                    continue;
                }
                let _ = writeln!(
                    out,
                    "<details><summary>{title} ({})</summary>\n",
                    keys.len()
                );
                let _ = writeln!(
                    out,
                    "| Severity | ID | Package | Installed | Fixed | Target |\n| --- | --- | --- | --- | --- | --- |"
                );
                for k in keys {
                    let _ = writeln!(
                        out,
                        "| {} | {} | {} | {} | {} | {} |",
                        sev_badge(k.severity),
                        link(&k.id, &crate::util::id_url(&k.id)),
                        cell(&k.pkg_name),
                        cell(&k.installed_version),
                        cell(k.fixed_version.as_deref().unwrap_or("")),
                        cell(&k.target)
                    );
                }
                out.push_str("\n</details>\n\n");
            }
        }

        // Everything, per target, collapsed.
        let with_vulns: Vec<&ScanResult> = report
            .results
            .iter()
            .filter(|r| !r.vulnerabilities.is_empty())
            .collect();
        if !with_vulns.is_empty() {
            out.push_str("### Vulnerabilities by target\n\n");
        }
        let per_target = (MAX_DETAIL_ROWS / with_vulns.len().max(1)).max(20);
        for r in with_vulns {
            let c: SeverityCounts = r.severity_counts();
            let _ = writeln!(
                out,
                "<details><summary>{} ({}): {} (C {} · H {} · M {} · L {} · U {})</summary>\n",
                html_text(&r.target),
                html_text(&r.result_type),
                plural(c.total(), "vulnerability", "vulnerabilities"),
                c.critical,
                c.high,
                c.medium,
                c.low,
                c.unknown
            );
            out.push_str(FINDING_HEADER);
            let mut v: Vec<&Finding> = r.vulnerabilities.iter().collect();
            sort_findings(&mut v, |f| f);
            let shown = v.len().min(per_target);
            for f in &v[..shown] {
                finding_row(&mut out, f);
            }
            if v.len() > shown {
                let _ = writeln!(
                    out,
                    "\n{} more not shown: see the full report.",
                    v.len() - shown
                );
            }
            out.push_str("\n</details>\n\n");
        }
        if counts.total() == 0 {
            out.push_str("No vulnerabilities found.\n\n");
        }
        self.tail(&mut out, report);
        out
    }

    fn inventory(&self, out: &mut String, report: &Report) {
        out.push_str("### Packages\n\n");
        for r in report
            .results
            .iter()
            .filter(|r| matches!(r.class, ResultClass::OsPkgs | ResultClass::LangPkgs))
        {
            let _ = writeln!(
                out,
                "<details><summary>{} ({}): {}</summary>\n\n| Package | Version | Purl |\n| --- | --- | --- |",
                html_text(&r.target),
                html_text(&r.result_type),
                plural(r.packages.len(), "package", "packages")
            );
            for p in r.packages.iter().take(MAX_DETAIL_ROWS) {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} |",
                    cell(&p.name),
                    cell(&p.version),
                    cell(&p.purl.as_ref().map(ToString::to_string).unwrap_or_default())
                );
            }
            if r.packages.len() > MAX_DETAIL_ROWS {
                let _ = writeln!(
                    out,
                    "\n{} more not shown: see the full report.",
                    r.packages.len() - MAX_DETAIL_ROWS
                );
            }
            out.push_str("\n</details>\n\n");
        }
    }

    fn tail(&self, out: &mut String, report: &Report) {
        let secrets: Vec<_> = report.secrets().collect();
        if !secrets.is_empty() {
            let _ = writeln!(out, "### Secrets ({})\n", secrets.len());
            out.push_str("| Severity | Rule | Target | Path | Line | Match |\n| --- | --- | --- | --- | --- | --- |\n");
            for (r, s) in secrets {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | {} |",
                    sev_badge(s.severity),
                    cell(&s.rule_id),
                    cell(&r.target),
                    cell(&s.path),
                    s.start_line,
                    cell(&truncate(&s.redacted_match, 80))
                );
            }
            out.push('\n');
        }
        let misconf: Vec<_> = report
            .misconfigurations()
            .filter(|(_, m)| m.status.is_fail())
            .collect();
        if !misconf.is_empty() {
            let _ = writeln!(out, "### Misconfigurations ({})\n", misconf.len());
            out.push_str("| Severity | Check | Path | Line | Title | Resolution |\n| --- | --- | --- | --- | --- | --- |\n");
            for (_, m) in misconf {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | {} |",
                    sev_badge(m.severity),
                    cell(&m.id),
                    cell(&m.path),
                    m.start_line.map(|l| l.to_string()).unwrap_or_default(),
                    cell(&truncate(&m.title, 100)),
                    cell(&truncate(&m.resolution, 100))
                );
            }
            out.push('\n');
        }
        let suppressed: Vec<_> = report
            .results
            .iter()
            .flat_map(crate::util::suppressed_items)
            .collect();
        if self.opts.show_suppressed && !suppressed.is_empty() {
            let _ = writeln!(
                out,
                "<details><summary>Suppressed ({})</summary>\n",
                suppressed.len()
            );
            out.push_str(
                "| Severity | ID | Package / File | Installed | Kind | By | Statement |\n| --- | --- | --- | --- | --- | --- | --- |\n",
            );
            for it in suppressed {
                let id = if it.kind == "vulnerability" {
                    link(it.id, &crate::util::id_url(it.id))
                } else {
                    cell(it.id)
                };
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | {} | {} |",
                    sev_badge(it.severity),
                    id,
                    cell(it.subject),
                    cell(it.version),
                    it.kind,
                    cell(&it.by()),
                    cell(&truncate(&it.statement(), 100))
                );
            }
            out.push_str("\n</details>\n\n");
        }
        if !report.warnings.is_empty() {
            let _ = writeln!(
                out,
                "<details><summary>⚠️ Warnings ({})</summary>\n",
                report.warnings.len()
            );
            for wn in &report.warnings {
                let _ = writeln!(out, "- {}", cell(&wn.message));
            }
            out.push_str("\n</details>\n\n");
        }
        let _ = writeln!(
            out,
            "<sub>{} {}</sub>",
            cell(&report.tool.name),
            cell(&report.tool.version)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_never_break_tables() {
        assert_eq!(cell("a|b\nc"), "a\\|b c");
        assert_eq!(cell("<script>"), "&lt;script&gt;");
        assert_eq!(cell("x_y*z"), "x\\_y\\*z");
    }

    #[test]
    fn links_stay_links() {
        assert_eq!(
            link("CVE-1", "https://x/a b)"),
            "[CVE-1](https://x/a%20b%29)"
        );
        assert_eq!(link("CVE-1", "javascript:alert(1)"), "CVE-1");
    }
}
