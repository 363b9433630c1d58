//! `os/release`: OS detection.
//!
//! ## What it detects
//! The OS family and release (`OsInfo`) from `os-release` and each distro's own release file, with an
//! end-of-life date where one is known (`SUPPORT_END` of os-release, else a small table).
//!
//! ## Files
//! `etc/os-release`, `usr/lib/os-release`, `etc/alpine-release`, `etc/debian_version`, `etc/lsb-release`
//! (Ubuntu), `etc/redhat-release`, `etc/centos-release`, `etc/rocky-release`, `etc/almalinux-release`,
//! `etc/fedora-release`, `etc/oracle-release`, `etc/system-release` (Amazon), `etc/mariner-release`,
//! `etc/azurelinux-release`, `etc/photon-release`.
//!
//! ## Limitations
//! One file gives one detection; the pipeline picks among them with [`super::os_priority`]. An os-release with
//! an ID we have no advisories for (Bottlerocket, CoreOS...) detects nothing.

use super::OsSource;
use crate::{
    AnalysisInput, AnalysisOutput, Analyzer, AnalyzerError, AnalyzerKind, Declaration, FileMeta,
    RunsIn,
};
use std::sync::Arc;
use trawl_pkgdb::osrelease;
use trawl_types::OsFamily;

/// The `os/release` analyzer.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsReleaseAnalyzer;

const NAME: &str = "os/release";

/// Which kind of detection the file at `path` gives, if any.
pub fn source_of(path: &str) -> Option<OsSource> {
    Some(match path {
        "etc/os-release" | "usr/lib/os-release" => OsSource::OsRelease,
        "etc/debian_version" => OsSource::DebianVersion,
        "etc/alpine-release"
        | "etc/lsb-release"
        | "etc/redhat-release"
        | "etc/centos-release"
        | "etc/rocky-release"
        | "etc/almalinux-release"
        | "etc/fedora-release"
        | "etc/oracle-release"
        | "etc/system-release"
        | "etc/mariner-release"
        | "etc/azurelinux-release"
        | "etc/photon-release" => OsSource::DistroFile,
        _ => return None,
    })
}

/// The declaration of the `os/release` analyzer.
pub const DECLARATION: &Declaration = &Declaration {
    name: NAME,
    version: 1,
    kind: AnalyzerKind::OsPackages,
    runs_in: RunsIn::BOTH,
    // OS detection runs in every scan: it names the target and selects the advisories.
    always: true,
    lang: None,
    build: |_| Arc::new(OsReleaseAnalyzer),
};

impl Analyzer for OsReleaseAnalyzer {
    fn declaration(&self) -> &'static Declaration {
        DECLARATION
    }

    fn required(&self, path: &str, _meta: &FileMeta) -> bool {
        source_of(path).is_some()
    }

    fn analyze(&self, input: &AnalysisInput<'_>) -> Result<AnalysisOutput, AnalyzerError> {
        let c = input.content;
        let os = match input.path {
            "etc/os-release" | "usr/lib/os-release" => {
                osrelease::parse_os_release(c).map_err(|e| AnalyzerError {
                    analyzer: NAME,
                    path: input.path.to_owned(),
                    message: e.to_string(),
                })?
            }
            "etc/alpine-release" => osrelease::parse_alpine_release(c),
            "etc/debian_version" => osrelease::parse_debian_version(c),
            "etc/lsb-release" => osrelease::parse_lsb_release(c),
            "etc/mariner-release" | "etc/azurelinux-release" => {
                osrelease::parse_product_release(OsFamily::Azurelinux, c)
            }
            "etc/photon-release" => osrelease::parse_product_release(OsFamily::Photon, c),
            _ if source_of(input.path).is_some() => osrelease::parse_redhat_release(c),
            _ => None,
        };
        Ok(AnalysisOutput {
            os,
            ..AnalysisOutput::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_table() {
        let a = OsReleaseAnalyzer;
        let m = FileMeta::default();
        for (path, want) in [
            ("etc/os-release", true),
            ("usr/lib/os-release", true),
            ("etc/alpine-release", true),
            ("etc/debian_version", true),
            ("etc/lsb-release", true),
            ("etc/redhat-release", true),
            ("etc/centos-release", true),
            ("etc/rocky-release", true),
            ("etc/almalinux-release", true),
            ("etc/fedora-release", true),
            ("etc/oracle-release", true),
            ("etc/system-release", true),
            ("etc/mariner-release", true),
            ("etc/azurelinux-release", true),
            ("etc/photon-release", true),
            ("etc/os-release.bak", false),
            ("usr/etc/os-release", false),
            ("etc/system-release-cpe", false),
            ("etc/issue", false),
            ("/etc/os-release", false),
        ] {
            assert_eq!(a.required(path, &m), want, "{path}");
        }
    }

    #[test]
    fn priorities() {
        assert!(
            super::super::os_priority("etc/os-release")
                > super::super::os_priority("etc/alpine-release")
        );
        assert!(
            super::super::os_priority("etc/lsb-release")
                > super::super::os_priority("etc/debian_version")
        );
        assert_eq!(super::super::os_priority("etc/passwd"), 0);
    }
}
