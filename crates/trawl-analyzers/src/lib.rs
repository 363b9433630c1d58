//! The `Analyzer` trait, the built-in analyzers, their declarations and the single `ALL` list.
//!
//! Analyzers never open files: the layer walker asks [`Analyzer::required`] (path and mode only, no I/O) and
//! hands the content of each wanted file to [`Analyzer::analyze`]. Pure parsers live in `trawl-pkgdb` and
//! `trawl-lockfile`; an analyzer adds file selection and locations.

mod declaration;
pub mod lang;
pub mod misconfig;
pub mod os;
pub mod pipeline;
pub mod secret;

pub use declaration::{
    Config, Declaration, LangInfo, RunsIn, find, find_file_pattern, grouping_target,
    lang_declaration_of, result_type,
};

use serde::{Deserialize, Serialize};
use std::sync::Arc;
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
///
/// Name, version and kind come from the analyzer's [`Declaration`]; a wrapper (the path filter) may rename it,
/// and a configured analyzer (secrets, misconfigurations) folds its configuration into its version.
pub trait Analyzer: Send + Sync {
    /// What this analyzer is: its one declaration.
    fn declaration(&self) -> &'static Declaration;
    /// Unique name in the layer cache key and in warnings: the declaration's (`os/dpkg`, `rust/cargo-lock`).
    fn name(&self) -> &str {
        self.declaration().name
    }
    /// Bumped whenever the output changes; part of the layer cache key.
    fn version(&self) -> u32 {
        self.declaration().version
    }
    /// Which scanner this serves.
    fn kind(&self) -> AnalyzerKind {
        self.declaration().kind
    }
    /// Whether the file at `path` is wanted. Name and mode only: no I/O.
    fn required(&self, path: &str, meta: &FileMeta) -> bool;
    /// Parses one wanted file.
    fn analyze(&self, input: &AnalysisInput<'_>) -> Result<AnalysisOutput, AnalyzerError>;
}

/// Every built-in analyzer's declaration: the one place an analyzer is registered. Which scans run it, what its
/// packages are reported as, its `--file-patterns` names: all of it is in its [`Declaration`].
pub const ALL: &[&Declaration] = &[
    os::release::DECLARATION,
    os::dpkg::DECLARATION,
    os::apk::DECLARATION,
    os::rpm::DECLARATION,
    // language packages (lang/mod.rs)
    lang::NODE_PACKAGE_LOCK.declaration,
    lang::NODE_YARN_LOCK.declaration,
    lang::NODE_PNPM_LOCK.declaration,
    lang::NODE_BUN_LOCK.declaration,
    lang::NODE_PACKAGE_JSON.declaration,
    lang::PYTHON_DIST_INFO.declaration,
    lang::PYTHON_EGG_INFO.declaration,
    lang::PYTHON_REQUIREMENTS.declaration,
    lang::PYTHON_PIPFILE_LOCK.declaration,
    lang::PYTHON_POETRY_LOCK.declaration,
    lang::PYTHON_UV_LOCK.declaration,
    lang::PYTHON_PDM_LOCK.declaration,
    lang::PYTHON_PYLOCK.declaration,
    lang::GO_BINARY.declaration,
    lang::BINARY_EXECUTABLE.declaration,
    lang::GO_MOD.declaration,
    lang::RUST_CARGO_LOCK.declaration,
    lang::RUST_AUDITABLE_BINARY.declaration,
    lang::JAVA_ARCHIVE_DECLARATION,
    lang::JAVA_POM.declaration,
    lang::JAVA_GRADLE_LOCKFILE.declaration,
    lang::JAVA_SBT_LOCK.declaration,
    lang::RUBY_GEMFILE_LOCK.declaration,
    lang::RUBY_GEMSPEC.declaration,
    lang::PHP_COMPOSER_LOCK.declaration,
    lang::PHP_INSTALLED_JSON.declaration,
    lang::DOTNET_DEPS_JSON.declaration,
    lang::DOTNET_PACKAGES_LOCK.declaration,
    lang::DOTNET_PACKAGES_CONFIG.declaration,
    lang::DOTNET_PACKAGES_PROPS.declaration,
    lang::CONAN_LOCK.declaration,
    lang::DART_PUBSPEC_LOCK.declaration,
    lang::ELIXIR_MIX_LOCK.declaration,
    lang::SWIFT_PACKAGE_RESOLVED.declaration,
    lang::COCOAPODS_PODFILE_LOCK.declaration,
    // secrets and misconfigurations
    secret::DECLARATION,
    misconfig::DECLARATION,
];

/// Every built-in analyzer, made with `config` (for tests and tools that run them all).
pub fn all_analyzers(config: &Config) -> Vec<Arc<dyn Analyzer>> {
    ALL.iter().map(|d| d.analyzer(config)).collect()
}
