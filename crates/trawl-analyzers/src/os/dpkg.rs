//! `os/dpkg`: Debian/Ubuntu/distroless packages.
//!
//! ## What it detects
//! Installed dpkg packages: name, version (`[epoch:]upstream[-revision]`), source name and version,
//! architecture, maintainer.
//!
//! ## Files
//! `var/lib/dpkg/status`, and every `var/lib/dpkg/status.d/<name>` (distroless: one file per package; the
//! `<name>.md5sums` files beside them are not wanted). `var/lib/dpkg/info/<pkg>[:arch].list`: the files each
//! package installed, reported as `system_files` (an analyzer sees one file at a time, so they are not attached
//! to the package): the pipeline drops language packages found in them (a Python module or a jar installed by
//! apt is Debian's business, matched through the Debian package).

use super::warnings_for;
use crate::{
    AnalysisInput, AnalysisOutput, Analyzer, AnalyzerError, AnalyzerKind, Declaration, FileMeta,
    RunsIn,
};
use std::sync::Arc;
use trawl_pkgdb::dpkg;

/// The `os/dpkg` analyzer.
#[derive(Debug, Clone, Copy, Default)]
pub struct DpkgAnalyzer;

const NAME: &str = "os/dpkg";
const STATUS: &str = "var/lib/dpkg/status";
const STATUS_D: &str = "var/lib/dpkg/status.d/";
const INFO: &str = "var/lib/dpkg/info/";

/// The declaration of the `os/dpkg` analyzer.
pub const DECLARATION: &Declaration = &Declaration {
    name: NAME,
    version: 2,
    kind: AnalyzerKind::OsPackages,
    runs_in: RunsIn::BOTH,
    always: false,
    lang: None,
    build: |_| Arc::new(DpkgAnalyzer),
};

impl Analyzer for DpkgAnalyzer {
    fn declaration(&self) -> &'static Declaration {
        DECLARATION
    }

    fn required(&self, path: &str, _meta: &FileMeta) -> bool {
        if path == STATUS {
            return true;
        }
        if let Some(file) = path.strip_prefix(INFO) {
            return file.len() > ".list".len()
                && !file.contains('/')
                && dpkg::list_file_package(file).is_some();
        }
        let Some(file) = path.strip_prefix(STATUS_D) else {
            return false;
        };
        !file.is_empty()
            && !file.contains('/')
            && !file.starts_with('.')
            && !dpkg::STATUS_D_NON_STANZA_SUFFIXES
                .iter()
                .any(|s| file.ends_with(s))
    }

    fn analyze(&self, input: &AnalysisInput<'_>) -> Result<AnalysisOutput, AnalyzerError> {
        if input.path.starts_with(INFO) {
            return Ok(AnalysisOutput {
                system_files: dpkg::parse_list(input.content),
                ..AnalysisOutput::default()
            });
        }
        let parsed = if input.path == STATUS {
            dpkg::parse_status(input.content)
        } else {
            dpkg::parse_status_d(input.content)
        };
        let parsed = parsed.map_err(|e| AnalyzerError {
            analyzer: NAME,
            path: input.path.to_owned(),
            message: e.to_string(),
        })?;
        let mut packages = parsed.items;
        for p in &mut packages {
            p.file_path = input.path.to_owned();
        }
        Ok(AnalysisOutput {
            packages,
            warnings: warnings_for(input.path, parsed.warnings),
            ..AnalysisOutput::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_table() {
        let a = DpkgAnalyzer;
        let m = FileMeta::default();
        for (path, want) in [
            ("var/lib/dpkg/status", true),
            ("var/lib/dpkg/status.d/libc6", true),
            ("var/lib/dpkg/status.d/python3.11", true),
            ("var/lib/dpkg/status.d/libc6.md5sums", false),
            ("var/lib/dpkg/status.d/libsqlite3-0.preinst", false),
            ("var/lib/dpkg/status.d/", false),
            ("var/lib/dpkg/status.d/sub/x", false),
            ("var/lib/dpkg/status-old", false),
            ("var/lib/dpkg/available", false),
            ("var/lib/dpkg/info/libc6.list", true),
            ("var/lib/dpkg/info/libc6:amd64.list", true),
            ("var/lib/dpkg/info/.list", false),
            ("var/lib/dpkg/info/libc6.md5sums", false),
            ("var/lib/dpkg/info/sub/libc6.list", false),
            ("usr/var/lib/dpkg/status", false),
            ("/var/lib/dpkg/status", false),
        ] {
            assert_eq!(a.required(path, &m), want, "{path}");
        }
    }

    #[test]
    fn garbage_names_file() {
        let e = DpkgAnalyzer
            .analyze(&AnalysisInput {
                path: STATUS,
                content: b"\x00\x01garbage\n",
                meta: FileMeta::default(),
                limits: Default::default(),
            })
            .expect_err("garbage");
        let s = e.to_string();
        assert!(
            s.contains("var/lib/dpkg/status") && s.contains("line 1"),
            "{s}"
        );
    }
}
