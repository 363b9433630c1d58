//! The `Analyzer` trait, the built-in analyzers and the single `ALL` list.
//!
//! Analyzers never open files: the layer walker asks [`Analyzer::required`] (path and mode only, no I/O) and
//! hands the content of each wanted file to [`Analyzer::analyze`]. Pure parsers live in `trawl-pkgdb` and
//! `trawl-lockfile`; an analyzer adds file selection and locations.

pub mod lang;
pub mod misconfig;
pub mod os;
pub mod pipeline;
pub mod secret;

use serde::{Deserialize, Serialize};
use trawl_types::{Misconfiguration, OsInfo, Package, SecretFinding};

/// Metadata of a file, as seen in a layer tar, without reading it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FileMeta {
    /// Unix mode bits (permission bits plus type bits when known).
    pub mode: u32,
    /// Size in bytes.
    pub size: u64,
}

impl FileMeta {
    /// Whether any execute bit is set.
    pub fn is_executable(&self) -> bool {
        self.mode & 0o111 != 0
    }
}

/// Limits on what an analyzer reads inside a file (they change results: part of the layer cache key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// How deep archives nested in archives are opened (`--max-archive-depth`; 0: not at all).
    pub max_archive_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_archive_depth: trawl_lockfile::java::archive::DEFAULT_MAX_DEPTH,
        }
    }
}

/// A file handed to an analyzer.
#[derive(Debug, Clone, Copy)]
pub struct AnalysisInput<'a> {
    /// Path relative to the root, no leading `/` (`var/lib/dpkg/status`).
    pub path: &'a str,
    /// The whole content.
    pub content: &'a [u8],
    /// Mode and size.
    pub meta: FileMeta,
    /// Limits on reading inside the file.
    pub limits: Limits,
}

/// What an analyzer found in one file. Stored in the layer cache.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AnalysisOutput {
    /// OS detected from this file (os-release, alpine-release...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os: Option<OsInfo>,
    /// Packages found in this file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub packages: Vec<Package>,
    /// Secrets found in this file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<SecretFinding>,
    /// Misconfigurations found in this file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub misconfigurations: Vec<Misconfiguration>,
    /// Problems that did not stop the analysis of this file (a skipped broken record), each naming the file
    /// and the line or byte offset. The pipeline turns them into `Warning`s with the layer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Files an OS package manager says it installed, from a file that lists them on its own (dpkg's
    /// `info/<pkg>.list`): language packages found in these files belong to the OS package, as with
    /// [`Package::installed_files`](trawl_types::Package::installed_files). Paths without the leading `/`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub system_files: Vec<String>,
    /// Set when the analyzer skipped this file on purpose without looking for findings, with the reason
    /// (`binary`, `too-large`): the secret analyzer reports skipped files this way so a scan can count them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
}

/// An analyzer failed on one file. The scan goes on; the error becomes a warning naming file and layer.
#[derive(Debug, thiserror::Error)]
#[error("{analyzer}: {path}: {message}")]
pub struct AnalyzerError {
    /// The analyzer's name.
    pub analyzer: &'static str,
    /// The file.
    pub path: String,
    /// What was wrong (with a line number where the parser knows one).
    pub message: String,
}

/// Which scanner an analyzer serves (selected by `--scanners` and `--pkg-types`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AnalyzerKind {
    /// OS detection and OS package databases (`--pkg-types os`).
    OsPackages,
    /// Language packages (`--pkg-types library`).
    Library,
    /// Secrets (`--scanners secret`).
    Secret,
    /// Misconfigurations (`--scanners misconfig`).
    Misconfig,
}

/// A file analyzer. See CONTRIBUTING.md, "Adding an analyzer".
pub trait Analyzer: Send + Sync {
    /// Path-like unique name (`os/dpkg`, `rust/cargo-lock`).
    fn name(&self) -> &'static str;
    /// Bumped whenever the output changes; part of the layer cache key.
    fn version(&self) -> u32;
    /// Which scanner this serves.
    fn kind(&self) -> AnalyzerKind;
    /// Whether the file at `path` is wanted. Name and mode only: no I/O.
    fn required(&self, path: &str, meta: &FileMeta) -> bool;
    /// Parses one wanted file.
    fn analyze(&self, input: &AnalysisInput<'_>) -> Result<AnalysisOutput, AnalyzerError>;
}

/// Every built-in analyzer. The one place an analyzer is registered.
pub const ALL: &[&dyn Analyzer] = &[
    &os::release::OsReleaseAnalyzer,
    &os::dpkg::DpkgAnalyzer,
    &os::apk::ApkAnalyzer,
    &os::rpm::RpmAnalyzer,
    // language packages (lang/mod.rs; keep in the order of lang::ANALYZERS)
    &lang::NODE_PACKAGE_LOCK,
    &lang::NODE_YARN_LOCK,
    &lang::NODE_PNPM_LOCK,
    &lang::NODE_BUN_LOCK,
    &lang::NODE_PACKAGE_JSON,
    &lang::PYTHON_DIST_INFO,
    &lang::PYTHON_EGG_INFO,
    &lang::PYTHON_REQUIREMENTS,
    &lang::PYTHON_PIPFILE_LOCK,
    &lang::PYTHON_POETRY_LOCK,
    &lang::PYTHON_UV_LOCK,
    &lang::PYTHON_PDM_LOCK,
    &lang::PYTHON_PYLOCK,
    &lang::GO_BINARY,
    &lang::GO_MOD,
    &lang::RUST_CARGO_LOCK,
    &lang::RUST_AUDITABLE_BINARY,
    &lang::JAVA_ARCHIVE,
    &lang::JAVA_POM,
    &lang::JAVA_GRADLE_LOCKFILE,
    &lang::JAVA_SBT_LOCK,
    &lang::RUBY_GEMFILE_LOCK,
    &lang::RUBY_GEMSPEC,
    &lang::PHP_COMPOSER_LOCK,
    &lang::PHP_INSTALLED_JSON,
    &lang::DOTNET_DEPS_JSON,
    &lang::DOTNET_PACKAGES_LOCK,
    &lang::DOTNET_PACKAGES_CONFIG,
    &lang::DOTNET_PACKAGES_PROPS,
    &lang::CONAN_LOCK,
    &lang::DART_PUBSPEC_LOCK,
    &lang::ELIXIR_MIX_LOCK,
    &lang::SWIFT_PACKAGE_RESOLVED,
    &lang::COCOAPODS_PODFILE_LOCK,
    // secrets and misconfigurations
    &secret::SecretAnalyzer,
    &misconfig::MisconfigAnalyzer,
];

#[cfg(test)]
mod tests {
    use super::ALL;
    use std::collections::HashSet;

    #[test]
    fn names_unique() {
        let mut seen = HashSet::new();
        for a in ALL {
            assert!(
                seen.insert(a.name()),
                "analyzer {} registered twice",
                a.name()
            );
        }
    }
}
