//! `--format table`: per target, a severity totals line and a table of findings; for an inventory-only scan, a
//! table of packages.

use crate::util::{
    SuppressedItem, finding_title, one_line, short_digest, sort_findings, suppressed_items,
    truncate,
};
use crate::{RenderOptions, Report, ReportError, ReportFormat, ResultClass, ScanResult};
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};
use std::fmt::Write as _;
use std::io::Write;
use trawl_types::{Finding, Severity};

/// Widest a title cell may get before it is cut.
const TITLE_WIDTH: usize = 60;

/// Writes the human table.
pub(crate) struct TableRenderer<'a> {
    opts: &'a RenderOptions,
}

impl<'a> TableRenderer<'a> {
    pub(crate) fn new(opts: &'a RenderOptions) -> Self {
        TableRenderer { opts }
    }

    pub(crate) fn render(&self, w: &mut dyn Write, report: &Report) -> Result<(), ReportError> {
        let text = self.to_text(report);
        w.write_all(text.as_bytes())
            .map_err(|source| ReportError::Write {
                format: ReportFormat::Table,
                source,
            })
    }

    fn to_text(&self, report: &Report) -> String {
        let mut out = String::new();
        let vulns = report.vulnerabilities_scanned();
        if report.results.is_empty() {
            let _ = writeln!(
                out,
                "{}: nothing to report (no packages, no findings).",
                report.artifact.name
            );
        }
        let has_base = report.artifact.base_image.is_some();
        if vulns && let Some(line) = report.base_line() {
            let _ = writeln!(out, "{line}");
        }
        for r in &report.results {
            match r.class {
                ResultClass::OsPkgs | ResultClass::LangPkgs => {
                    if vulns {
                        self.vuln_section(&mut out, r, has_base);
                    }
                    if !vulns || self.opts.list_all_pkgs {
                        self.package_section(&mut out, r, vulns);
                    }
                }
                ResultClass::Secret | ResultClass::Config => {}
            }
            if !r.secrets.is_empty() {
                self.secret_section(&mut out, r);
            }
            if !r.misconfigurations.is_empty() {
                self.misconfig_section(&mut out, r);
            }
            if self.opts.show_suppressed {
                let items = suppressed_items(r);
                if !items.is_empty() {
                    self.suppressed_section(&mut out, &items, &r.target);
                }
            }
        }
        if !report.warnings.is_empty() {
            let _ = writeln!(out, "Warnings ({}):", report.warnings.len());
            for wn in &report.warnings {
                let _ = writeln!(out, "  - {}", one_line(&wn.message));
            }
        }
        out
    }

    fn heading(out: &mut String, title: &str) {
        let _ = writeln!(out);
        let _ = writeln!(out, "{title}");
        let _ = writeln!(out, "{}", "=".repeat(title.chars().count().max(1)));
    }

    fn new_table(header: &[&str]) -> Table {
        let mut t = Table::new();
        t.load_preset(UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Disabled)
            .set_header(header.to_vec());
        t
    }

    fn vuln_section(&self, out: &mut String, r: &ScanResult, has_base: bool) {
        Self::heading(out, &format!("{} ({})", r.target, r.result_type));
        let _ = writeln!(out, "{}", r.severity_counts().summary_line());
        let reach = r.reachability_line();
        if let Some(line) = &reach {
            let _ = writeln!(out, "{line}");
        }
        if r.vulnerabilities.is_empty() {
            return;
        }
        let _ = writeln!(out);
        let mut v: Vec<&Finding> = r.vulnerabilities.iter().collect();
        sort_findings(&mut v, |f| f);
        // the Reachable column only when some finding was assessed (Go binaries)
        let mut header = vec!["Package", "Vulnerability", "Severity", "Status"];
        if reach.is_some() {
            header.push("Reachable");
        }
        // the From column (base image or the image's own layers) only when the base was found
        if has_base {
            header.push("From");
        }
        header.extend(["Installed", "Fixed", "Title"]);
        let mut t = Self::new_table(&header);
        for f in v {
            let mut title = truncate(&finding_title(f), TITLE_WIDTH);
            if f.kev {
                title = format!("[KEV] {title}");
            }
            let mut row = vec![
                f.pkg_name.clone(),
                f.id.clone(),
                f.severity.as_str().to_owned(),
                status_text(f),
            ];
            if reach.is_some() {
                row.push(
                    f.reachability
                        .as_ref()
                        .map(|r| r.status.label().to_owned())
                        .unwrap_or_default(),
                );
            }
            if has_base {
                row.push(f.origin.map(|o| o.as_str().to_owned()).unwrap_or_default());
            }
            row.extend([
                f.installed_version.clone(),
                f.fixed_version.clone().unwrap_or_default(),
                title,
            ]);
            t.add_row(row);
        }
        self.push_table(out, &t, Some(2));
    }

    fn package_section(&self, out: &mut String, r: &ScanResult, after_vulns: bool) {
        if after_vulns {
            let _ = writeln!(out);
        } else {
            Self::heading(out, &format!("{} ({})", r.target, r.result_type));
        }
        let _ = writeln!(out, "Packages: {}", r.packages.len());
        if r.packages.is_empty() {
            return;
        }
        let _ = writeln!(out);
        let mut pkgs: Vec<_> = r.packages.iter().collect();
        pkgs.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.version.cmp(&b.version)));
        let mut t = Self::new_table(&["Package", "Version", "Type", "Layer"]);
        for p in pkgs {
            let layer = p
                .layer
                .as_ref()
                .map(|l| {
                    let d = l.digest.as_deref().unwrap_or(&l.diff_id);
                    if d.is_empty() {
                        format!("#{}", l.index)
                    } else {
                        short_digest(d)
                    }
                })
                .unwrap_or_default();
            t.add_row(vec![
                p.name.clone(),
                p.version.clone(),
                p.ecosystem
                    .map(|e| e.as_str().to_owned())
                    .unwrap_or_else(|| r.result_type.clone()),
                layer,
            ]);
        }
        self.push_table(out, &t, None);
    }

    fn secret_section(&self, out: &mut String, r: &ScanResult) {
        Self::heading(out, &format!("{} (secrets)", r.target));
        let counts: crate::SeverityCounts = r.secrets.iter().map(|s| s.severity).collect();
        let _ = writeln!(out, "{}", counts.summary_line());
        let _ = writeln!(out);
        let mut t = Self::new_table(&["Rule", "Severity", "Path", "Line", "Match"]);
        for s in &r.secrets {
            t.add_row(vec![
                s.rule_id.clone(),
                s.severity.as_str().to_owned(),
                s.path.clone(),
                s.start_line.to_string(),
                truncate(&one_line(&s.redacted_match), TITLE_WIDTH),
            ]);
        }
        self.push_table(out, &t, Some(1));
    }

    fn misconfig_section(&self, out: &mut String, r: &ScanResult) {
        Self::heading(out, &format!("{} (misconfigurations)", r.target));
        let failed: Vec<_> = r
            .misconfigurations
            .iter()
            .filter(|m| m.status.is_fail())
            .collect();
        let counts: crate::SeverityCounts = failed.iter().map(|m| m.severity).collect();
        let _ = writeln!(
            out,
            "Failures: {}",
            counts.summary_line().trim_start_matches("Total: ")
        );
        let _ = writeln!(out);
        let mut t = Self::new_table(&["Check", "Severity", "Status", "Path", "Line", "Message"]);
        for m in &r.misconfigurations {
            t.add_row(vec![
                m.id.clone(),
                m.severity.as_str().to_owned(),
                m.status.as_str().to_owned(),
                m.path.clone(),
                m.start_line.map(|l| l.to_string()).unwrap_or_default(),
                truncate(
                    &one_line(if m.message.is_empty() {
                        &m.title
                    } else {
                        &m.message
                    }),
                    TITLE_WIDTH,
                ),
            ]);
        }
        self.push_table(out, &t, Some(1));
    }

    fn suppressed_section(&self, out: &mut String, items: &[SuppressedItem<'_>], target: &str) {
        Self::heading(out, &format!("{target} (suppressed)"));
        let mut t = Self::new_table(&[
            "Package / File",
            "ID",
            "Severity",
            "Kind",
            "By",
            "Statement",
        ]);
        for it in items {
            let subject = if it.version.is_empty() {
                it.subject.to_owned()
            } else {
                format!("{}@{}", it.subject, it.version)
            };
            t.add_row(vec![
                subject,
                it.id.to_owned(),
                it.severity.as_str().to_owned(),
                it.kind.to_owned(),
                it.by(),
                truncate(&it.statement(), TITLE_WIDTH),
            ]);
        }
        self.push_table(out, &t, Some(2));
    }

    /// Appends the table, colouring the severity column (`sev_col`, 0-based) when asked to.
    fn push_table(&self, out: &mut String, t: &Table, sev_col: Option<usize>) {
        let text = t.to_string();
        for line in text.lines() {
            match sev_col {
                Some(col) if self.opts.color => out.push_str(&colorize_line(line, col)),
                _ => out.push_str(line),
            }
            out.push('\n');
        }
    }
}

/// Colours the severity word in cell `col` of one table line (cells are separated by `│` or `┆`).
fn colorize_line(line: &str, col: usize) -> String {
    // Byte ranges of the cells between separators; cell `col` is the (col + 1)-th range (the first is before the
    // left border).
    let mut bounds = vec![0];
    for (i, c) in line.char_indices() {
        if c == '│' || c == '┆' {
            bounds.push(i);
            bounds.push(i + c.len_utf8());
        }
    }
    bounds.push(line.len());
    let cells: Vec<(usize, usize)> = bounds
        .chunks(2)
        .filter(|w| w.len() == 2)
        .map(|w| (w[0], w[1]))
        .collect();
    let Some(&(start, end)) = cells.get(col + 1) else {
        return line.to_owned();
    };
    let cell = &line[start..end];
    let Ok(sev) = cell.trim().parse::<Severity>() else {
        return line.to_owned();
    };
    if cell.trim() != sev.as_str() {
        return line.to_owned();
    }
    let code = match sev {
        Severity::Critical => "\x1b[1;31m",
        Severity::High => "\x1b[31m",
        Severity::Medium => "\x1b[33m",
        Severity::Low => "\x1b[34m",
        Severity::Unknown => return line.to_owned(),
    };
    let colored = cell.replacen(sev.as_str(), &format!("{code}{}\x1b[0m", sev.as_str()), 1);
    format!("{}{colored}{}", &line[..start], &line[end..])
}

/// A finding's status for people: Trivy's status, with the vendor's own word when it says more
/// (`fix_deferred (no-dsa)`, `affected (fixed-in-unstable)`).
pub(crate) fn status_text(f: &trawl_types::Finding) -> String {
    match &f.vendor_status {
        Some(w) if w != "unfixed" && w.replace('-', "_") != f.status.as_str() => {
            format!("{} ({w})", f.status)
        }
        _ => f.status.as_str().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_only_the_severity_cell() {
        let mut t = TableRenderer::new_table(&["Package", "ID", "Severity"]);
        t.add_row(vec!["HIGH", "CVE-1", "HIGH"]);
        let opts = RenderOptions {
            color: true,
            ..Default::default()
        };
        let mut out = String::new();
        TableRenderer::new(&opts).push_table(&mut out, &t, Some(2));
        let row = out.lines().find(|l| l.contains("CVE-1")).expect("row");
        assert_eq!(row.matches("\x1b[31mHIGH\x1b[0m").count(), 1, "{row}");
        assert!(
            row.starts_with("│ HIGH"),
            "the package cell stays plain: {row}"
        );
        assert!(!out.lines().next().expect("border").contains('\x1b'));
    }
}
