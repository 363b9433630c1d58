//! OS detection and OS package databases, one analyzer per file kind.
//!
//! | analyzer | files |
//! |---|---|
//! | [`release::OsReleaseAnalyzer`] `os/release` | `etc/os-release`, `usr/lib/os-release`, `etc/alpine-release`, `etc/debian_version`, `etc/lsb-release`, `etc/{redhat,centos,rocky,almalinux,fedora,oracle,system}-release`, `etc/{mariner,azurelinux,photon}-release` |
//! | [`dpkg::DpkgAnalyzer`] `os/dpkg` | `var/lib/dpkg/status`, `var/lib/dpkg/status.d/*` (distroless) |
//! | [`apk::ApkAnalyzer`] `os/apk` | `lib/apk/db/installed` |
//! | [`rpm::RpmAnalyzer`] `os/rpm` | `var/lib/rpm/{rpmdb.sqlite,Packages,Packages.db}` and the same under `usr/lib/sysimage/rpm/` |
//!
//! # Merging OS detections (for the pipeline)
//! Several files can detect the OS in one image. After whiteouts are applied (a later layer's copy of a path
//! replaces an earlier one's, a deleted file detects nothing), keep the detection whose path has the highest
//! [`os_priority`]; on a tie, prefer the later layer. In short: os-release beats a distro's own file, which
//! beats `debian_version` (Ubuntu ships one saying `bookworm/sid`).

pub mod apk;
pub mod dpkg;
pub mod release;
pub mod rpm;

pub use trawl_pkgdb::osrelease::Source as OsSource;

/// Priority of an OS detection from the file at `path` (higher wins; 0 = this path never detects an OS).
///
/// 30: `etc/os-release`, `usr/lib/os-release`; 20: a distro's own release file; 10: `etc/debian_version`.
pub fn os_priority(path: &str) -> u8 {
    release::source_of(path).map_or(0, OsSource::priority)
}

/// Turns a parser's warnings into the analyzer's (each prefixed with the file path).
pub(crate) fn warnings_for(path: &str, warnings: Vec<String>) -> Vec<String> {
    warnings
        .into_iter()
        .map(|w| format!("{path}: {w}"))
        .collect()
}
