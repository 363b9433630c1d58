//! `os/rpm`: Red Hat family, SUSE, Amazon, Mariner/Azure Linux and Photon packages.
//!
//! ## What it detects
//! Installed rpm packages: name, epoch, version, release (`version` = `[epoch:]version-release`), arch, source
//! rpm name and version, licence, vendor, packager, modularity label, and the files each package owns.
//!
//! ## Files
//! The rpmdb in any of its three backends, under `var/lib/rpm/` or `usr/lib/sysimage/rpm/`: `rpmdb.sqlite`
//! (SQLite), `Packages` (Berkeley DB hash), `Packages.db` (NDB). The backend is told by magic bytes.
//!
//! ## Limitations
//! `gpg-pubkey` pseudo-packages (imported signing keys, listed by `rpm -qa`) are dropped: they are not
//! software. Transactions still in `rpmdb.sqlite-wal` are not read (one file at a time). A header whose file
//! list is corrupt keeps its package, without files, and a warning.

use super::warnings_for;
use crate::{
    AnalysisInput, AnalysisOutput, Analyzer, AnalyzerError, AnalyzerKind, Declaration, FileMeta,
    RunsIn,
};
use std::sync::Arc;
use trawl_pkgdb::rpm;

/// The `os/rpm` analyzer.
#[derive(Debug, Clone, Copy, Default)]
pub struct RpmAnalyzer;

const NAME: &str = "os/rpm";

/// The declaration of the `os/rpm` analyzer.
pub const DECLARATION: &Declaration = &Declaration {
    name: NAME,
    version: 1,
    kind: AnalyzerKind::OsPackages,
    runs_in: RunsIn::BOTH,
    always: false,
    lang: None,
    build: |_| Arc::new(RpmAnalyzer),
};

impl Analyzer for RpmAnalyzer {
    fn declaration(&self) -> &'static Declaration {
        DECLARATION
    }

    fn required(&self, path: &str, _meta: &FileMeta) -> bool {
        let Some(file) = path
            .strip_prefix("var/lib/rpm/")
            .or_else(|| path.strip_prefix("usr/lib/sysimage/rpm/"))
        else {
            return false;
        };
        matches!(file, "rpmdb.sqlite" | "Packages" | "Packages.db")
    }

    fn analyze(&self, input: &AnalysisInput<'_>) -> Result<AnalysisOutput, AnalyzerError> {
        let parsed = rpm::parse_rpmdb(input.content).map_err(|e| AnalyzerError {
            analyzer: NAME,
            path: input.path.to_owned(),
            message: e.to_string(),
        })?;
        let mut packages = parsed.items;
        packages.retain(|p| !rpm::is_gpg_pubkey(p));
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
        let a = RpmAnalyzer;
        let m = FileMeta::default();
        for (path, want) in [
            ("var/lib/rpm/rpmdb.sqlite", true),
            ("var/lib/rpm/Packages", true),
            ("var/lib/rpm/Packages.db", true),
            ("usr/lib/sysimage/rpm/rpmdb.sqlite", true),
            ("usr/lib/sysimage/rpm/Packages.db", true),
            ("usr/lib/sysimage/rpm/Packages", true),
            ("var/lib/rpm/rpmdb.sqlite-wal", false),
            ("var/lib/rpm/rpmdb.sqlite-shm", false),
            ("var/lib/rpm/Index.db", false),
            ("var/lib/rpm/Name", false),
            ("var/lib/rpm/__db.001", false),
            ("var/lib/rpm/sub/Packages", false),
            ("root/var/lib/rpm/Packages", false),
            ("/var/lib/rpm/Packages", false),
        ] {
            assert_eq!(a.required(path, &m), want, "{path}");
        }
    }

    #[test]
    fn garbage_is_an_error_naming_file() {
        let e = RpmAnalyzer
            .analyze(&AnalysisInput {
                path: "var/lib/rpm/Packages",
                content: b"definitely not a database",
                meta: FileMeta::default(),
                limits: Default::default(),
            })
            .expect_err("garbage");
        assert!(
            e.to_string().contains("var/lib/rpm/Packages")
                && e.to_string().contains("not an rpmdb"),
            "{e}"
        );
    }
}
