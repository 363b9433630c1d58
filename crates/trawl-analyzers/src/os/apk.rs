//! `os/apk`: Alpine/Wolfi/Chainguard packages.
//!
//! ## What it detects
//! Installed apk packages: name, version, arch, origin (as the source name), licence, maintainer, and the
//! files each package owns (`installed_files`).
//!
//! ## Files
//! `lib/apk/db/installed` (and `usr/lib/apk/db/installed`, where apk-tools 3 on usr-merged systems keeps it).
//!
//! ## Limitations
//! None known for the v2 text database; apk-tools 3's binary `installed.adb` is not read.

use super::warnings_for;
use crate::{
    AnalysisInput, AnalysisOutput, Analyzer, AnalyzerError, AnalyzerKind, Declaration, FileMeta,
    RunsIn,
};
use std::sync::Arc;
use trawl_pkgdb::apk;

/// The `os/apk` analyzer.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApkAnalyzer;

const NAME: &str = "os/apk";

/// The declaration of the `os/apk` analyzer.
pub const DECLARATION: &Declaration = &Declaration {
    name: NAME,
    version: 1,
    kind: AnalyzerKind::OsPackages,
    runs_in: RunsIn::BOTH,
    always: false,
    lang: None,
    build: |_| Arc::new(ApkAnalyzer),
};

impl Analyzer for ApkAnalyzer {
    fn declaration(&self) -> &'static Declaration {
        DECLARATION
    }

    fn required(&self, path: &str, _meta: &FileMeta) -> bool {
        matches!(path, "lib/apk/db/installed" | "usr/lib/apk/db/installed")
    }

    fn analyze(&self, input: &AnalysisInput<'_>) -> Result<AnalysisOutput, AnalyzerError> {
        let parsed = apk::parse_installed(input.content).map_err(|e| AnalyzerError {
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
        let a = ApkAnalyzer;
        let m = FileMeta::default();
        for (path, want) in [
            ("lib/apk/db/installed", true),
            ("usr/lib/apk/db/installed", true),
            ("lib/apk/db/installed.old", false),
            ("lib/apk/db/triggers", false),
            ("etc/apk/world", false),
            ("/lib/apk/db/installed", false),
        ] {
            assert_eq!(a.required(path, &m), want, "{path}");
        }
    }
}
