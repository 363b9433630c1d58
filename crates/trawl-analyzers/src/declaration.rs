//! What the scanner knows about each analyzer, declared once: [`Declaration`], listed in [`crate::ALL`].
//!
//! Everything that used to be a list of analyzer names elsewhere (the image/filesystem split, Trivy's
//! `--file-patterns` type names, Trivy's result `Type` of a package, the per-kind grouping of installed
//! packages, OS detection running in every scan) is a field here, and every such question is answered from
//! [`crate::ALL`].

use crate::{Analyzer, AnalyzerKind, FileMeta, misconfig, secret};
use std::sync::Arc;
use trawl_types::{Ecosystem, Package};

/// Which scans run an analyzer. Trivy's split: an image or rootfs holds installed packages (metadata, binaries,
/// archives), a checkout holds lockfiles and manifests; a few lockfiles are read in both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunsIn {
    /// Image and rootfs scans (`trawl image`, `trawl rootfs`).
    pub images: bool,
    /// Filesystem and repository scans (`trawl fs`, `trawl repo`).
    pub fs: bool,
}

impl RunsIn {
    /// Image and rootfs scans only (installed metadata, binaries, archives).
    pub const IMAGES: RunsIn = RunsIn {
        images: true,
        fs: false,
    };
    /// Filesystem and repository scans only (lockfiles and manifests).
    pub const FS: RunsIn = RunsIn {
        images: false,
        fs: true,
    };
    /// Every scan.
    pub const BOTH: RunsIn = RunsIn {
        images: true,
        fs: true,
    };
}

/// What a language analyzer's packages are in a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LangInfo {
    /// The ecosystem of its packages.
    pub ecosystem: Ecosystem,
    /// Trivy's result `Type` for its packages (`npm`, `node-pkg`, `jar`, `dotnet-core`...).
    pub result_type: &'static str,
    /// Trivy's type names for it in `--file-patterns` (`npm`, `gradle-lockfile`, `dotnet-deps`...); they differ
    /// from the result type in places.
    pub file_patterns: &'static [&'static str],
    /// Installed packages are gathered into one result per kind under this target (`Node.js`, `Python`...);
    /// `None`: one result per file (lockfiles, binaries).
    pub group: Option<&'static str>,
    /// This analyzer gives the ecosystem's type to a package whose file no analyzer reads (an SBOM entry
    /// without a path, a binary): exactly one per ecosystem.
    pub ecosystem_default: bool,
}

impl LangInfo {
    /// Packages of `ecosystem` reported as `result_type`, named `file_patterns` in `--file-patterns`; one result per
    /// file, not the ecosystem's default.
    pub const fn new(
        ecosystem: Ecosystem,
        result_type: &'static str,
        file_patterns: &'static [&'static str],
    ) -> LangInfo {
        LangInfo {
            ecosystem,
            result_type,
            file_patterns,
            group: None,
            ecosystem_default: false,
        }
    }

    /// Packages gathered under one `target` per kind (installed metadata).
    #[must_use]
    pub const fn grouped(self, target: &'static str) -> LangInfo {
        LangInfo {
            group: Some(target),
            ..self
        }
    }

    /// The type a package of this ecosystem gets when no analyzer reads its file.
    #[must_use]
    pub const fn ecosystem_default(self) -> LangInfo {
        LangInfo {
            ecosystem_default: true,
            ..self
        }
    }
}

/// One analyzer, declared once: its name, cache version, kind, where it runs, what its packages are reported as,
/// and how to make it. Each built-in analyzer has exactly one, listed in [`crate::ALL`].
#[derive(Debug)]
pub struct Declaration {
    /// Path-like unique name (`os/dpkg`, `node/package-lock`).
    pub name: &'static str,
    /// Bumped whenever the output changes: part of the layer cache key.
    pub version: u32,
    /// Which scanner it serves (`--scanners`, `--pkg-types`).
    pub kind: AnalyzerKind,
    /// Which scans run it.
    pub runs_in: RunsIn,
    /// Runs in every scan whatever the scanners selected (OS detection: it names the target and selects the
    /// advisories).
    pub always: bool,
    /// Language analyzers: what their packages are in a report. `None` for the others.
    pub lang: Option<LangInfo>,
    /// Makes the analyzer with the scan's configuration.
    pub build: fn(&Config) -> Arc<dyn Analyzer>,
}

impl Declaration {
    /// The analyzer, configured by `config` (only the secret and misconfig analyzers take anything from it).
    pub fn analyzer(&self, config: &Config) -> Arc<dyn Analyzer> {
        (self.build)(config)
    }
}

/// The configuration of the analyzers that have one, by value (no process-wide state): the secret analyzer's
/// rules (`--secret-config`) and the misconfig analyzer's custom policies (`--config-policy`). The default is the
/// built-in rules and checks.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The secret analyzer as configured.
    pub secret: secret::SecretAnalyzer,
    /// The misconfig analyzer as configured.
    pub misconfig: misconfig::MisconfigAnalyzer,
}

/// The declaration named `name` (a declaration's name, not a path-filtered analyzer's).
pub fn find(name: &str) -> Option<&'static Declaration> {
    crate::ALL.iter().copied().find(|d| d.name == name)
}

/// The analyzer `name` names in `--file-patterns ANALYZER:REGEX`: a declaration's name or one of Trivy's type
/// names for it.
pub fn find_file_pattern(name: &str) -> Option<&'static Declaration> {
    crate::ALL.iter().copied().find(|d| {
        d.name == name
            || d.lang
                .as_ref()
                .is_some_and(|l| l.file_patterns.contains(&name))
    })
}

/// How a file is presented to `required` when only its path is known (an SBOM's): a regular, non-executable
/// file, so binaries (chosen by mode) are never matched from a path and get their ecosystem's default.
const PATH_ONLY: FileMeta = FileMeta {
    mode: 0o100_644,
    size: 1,
};

/// The language declaration that stands for `p`'s packages: the analyzer that found it when it was found by one;
/// else (a package from an SBOM) the declaration of its ecosystem whose `required` accepts its file path (the
/// file holding it, before any `!` of a nested archive), else its ecosystem's default.
pub fn lang_declaration_of(p: &Package) -> Option<(&'static Declaration, &'static LangInfo)> {
    if let Some(d) = p.analyzer.and_then(find)
        && let Some(l) = &d.lang
    {
        return Some((d, l));
    }
    let eco = p.ecosystem?;
    let candidates = || {
        crate::ALL.iter().copied().filter_map(move |d| {
            d.lang
                .as_ref()
                .filter(|l| l.ecosystem == eco)
                .map(|l| (d, l))
        })
    };
    let mut path = p.file_path.as_str();
    while let Some(rest) = path.strip_prefix('/').or_else(|| path.strip_prefix("./")) {
        path = rest;
    }
    let path = path.split('!').next().unwrap_or_default();
    if !path.is_empty() {
        let config = Config::default();
        if let Some(found) =
            candidates().find(|(d, _)| d.analyzer(&config).required(path, &PATH_ONLY))
        {
            return Some(found);
        }
    }
    candidates().find(|(_, l)| l.ecosystem_default)
}

/// Trivy's result `Type` for a language package (`npm`, `node-pkg`, `jar`, `gobinary`...): see
/// [`lang_declaration_of`]. An ecosystem no analyzer reads gives its own name; no ecosystem, `unknown`. (OS
/// packages are typed by the OS family, not by this.)
pub fn result_type(p: &Package) -> &'static str {
    match lang_declaration_of(p) {
        Some((_, l)) => l.result_type,
        None => p.ecosystem.map_or("unknown", Ecosystem::as_str),
    }
}

/// The target that gathers `p` with every package of its kind (`Node.js`, `Python`, `Ruby`, `Java`, `PHP` for
/// installed metadata), `None` when its result is its file (lockfiles, binaries).
pub fn grouping_target(p: &Package) -> Option<&'static str> {
    lang_declaration_of(p)?.1.group
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ALL;
    use std::collections::{HashMap, HashSet};

    #[test]
    fn names_unique() {
        let mut seen = HashSet::new();
        for d in ALL {
            assert!(seen.insert(d.name), "analyzer {} registered twice", d.name);
        }
    }

    #[test]
    fn each_declaration_builds_its_own_analyzer() {
        let config = Config::default();
        for d in ALL {
            let a = d.analyzer(&config);
            assert_eq!(a.declaration().name, d.name);
            assert_eq!(
                (a.name(), a.version(), a.kind()),
                (d.name, d.version, d.kind),
                "{}",
                d.name
            );
            assert_eq!(
                d.lang.is_some(),
                d.kind == AnalyzerKind::Library,
                "{}: language analyzers, and only they, say what their packages are",
                d.name
            );
        }
    }

    #[test]
    fn file_pattern_names_and_ecosystem_defaults_are_unambiguous() {
        let mut patterns = HashSet::new();
        let mut defaults: HashMap<Ecosystem, Vec<&str>> = HashMap::new();
        let mut ecosystems = HashSet::new();
        for d in ALL {
            let Some(l) = &d.lang else { continue };
            ecosystems.insert(l.ecosystem);
            for p in l.file_patterns {
                assert!(patterns.insert(*p), "--file-patterns name {p} given twice");
                assert!(find(p).is_none(), "{p} is also an analyzer name");
            }
            if l.ecosystem_default {
                defaults.entry(l.ecosystem).or_default().push(d.name);
            }
        }
        for e in ecosystems {
            assert_eq!(
                defaults.get(&e).map(Vec::len),
                Some(1),
                "{e:?}: one default declaration ({:?})",
                defaults.get(&e)
            );
        }
    }

    #[test]
    fn only_os_detection_always_runs() {
        let always: Vec<&str> = ALL.iter().filter(|d| d.always).map(|d| d.name).collect();
        assert_eq!(always, ["os/release"]);
    }

    fn found_by(analyzer: &'static str, eco: Ecosystem, path: &str) -> Package {
        Package {
            ecosystem: Some(eco),
            name: "x".into(),
            version: "1".into(),
            file_path: path.into(),
            analyzer: Some(analyzer),
            ..Package::default()
        }
    }

    /// The types and targets the scan command derived from ecosystem and file name before the declarations
    /// said them, for a file each analyzer reads.
    #[test]
    fn result_types_and_groups() {
        use Ecosystem::*;
        let cases: &[(&str, Ecosystem, &str, &str, Option<&str>)] = &[
            (
                "node/package-lock",
                Npm,
                "app/package-lock.json",
                "npm",
                None,
            ),
            ("node/package-lock", Npm, "npm-shrinkwrap.json", "npm", None),
            ("node/yarn-lock", Npm, "yarn.lock", "yarn", None),
            ("node/pnpm-lock", Npm, "pnpm-lock.yaml", "pnpm", None),
            ("node/bun-lock", Npm, "bun.lock", "bun", None),
            (
                "node/package-json",
                Npm,
                "app/node_modules/a/package.json",
                "node-pkg",
                Some("Node.js"),
            ),
            (
                "python/dist-info",
                PyPI,
                "x/a-1.dist-info/METADATA",
                "python-pkg",
                Some("Python"),
            ),
            (
                "python/egg-info",
                PyPI,
                "x/a.egg-info/PKG-INFO",
                "python-pkg",
                Some("Python"),
            ),
            (
                "python/egg-info",
                PyPI,
                "x/a-1.egg-info",
                "python-pkg",
                Some("Python"),
            ),
            ("python/requirements", PyPI, "requirements.txt", "pip", None),
            ("python/pipfile-lock", PyPI, "Pipfile.lock", "pipenv", None),
            ("python/poetry-lock", PyPI, "poetry.lock", "poetry", None),
            ("python/uv-lock", PyPI, "uv.lock", "uv", None),
            ("python/pdm-lock", PyPI, "pdm.lock", "pdm", None),
            ("python/pylock", PyPI, "pylock.dev.toml", "pylock", None),
            ("go/binary", Go, "usr/bin/app", "gobinary", None),
            ("go/mod", Go, "go.mod", "gomod", None),
            ("rust/cargo-lock", Cargo, "Cargo.lock", "cargo", None),
            (
                "rust/auditable-binary",
                Cargo,
                "usr/bin/app",
                "rustbinary",
                None,
            ),
            ("java/archive", Maven, "opt/a.jar", "jar", Some("Java")),
            (
                "java/archive",
                Maven,
                "opt/a.war!/WEB-INF/lib/b.jar",
                "jar",
                Some("Java"),
            ),
            ("java/pom", Maven, "pom.xml", "pom", None),
            (
                "java/gradle-lockfile",
                Maven,
                "gradle.lockfile",
                "gradle",
                None,
            ),
            ("java/sbt-lock", Maven, "build.sbt.lock", "sbt", None),
            (
                "ruby/gemfile-lock",
                RubyGems,
                "Gemfile.lock",
                "bundler",
                None,
            ),
            (
                "ruby/gemspec",
                RubyGems,
                "gems/specifications/a-1.gemspec",
                "gemspec",
                Some("Ruby"),
            ),
            (
                "php/composer-lock",
                Packagist,
                "composer.lock",
                "composer",
                None,
            ),
            (
                "php/installed-json",
                Packagist,
                "vendor/composer/installed.json",
                "composer-vendor",
                Some("PHP"),
            ),
            (
                "dotnet/deps-json",
                NuGet,
                "a.deps.json",
                "dotnet-core",
                None,
            ),
            (
                "dotnet/packages-lock",
                NuGet,
                "packages.lock.json",
                "nuget",
                None,
            ),
            (
                "dotnet/packages-config",
                NuGet,
                "packages.config",
                "nuget",
                None,
            ),
            (
                "dotnet/packages-props",
                NuGet,
                "Directory.Packages.props",
                "packages-props",
                None,
            ),
            ("conan/lock", Conan, "conan.lock", "conan", None),
            ("dart/pubspec-lock", Pub, "pubspec.lock", "pub", None),
            ("elixir/mix-lock", Hex, "mix.lock", "hex", None),
            (
                "swift/package-resolved",
                SwiftUrl,
                "Package.resolved",
                "swift",
                None,
            ),
            (
                "cocoapods/podfile-lock",
                CocoaPods,
                "Podfile.lock",
                "cocoapods",
                None,
            ),
            (
                "binary/executable",
                Binary,
                "usr/sbin/nginx",
                "binary",
                None,
            ),
        ];
        let mut covered = HashSet::new();
        for (analyzer, eco, path, ty, group) in cases {
            let p = found_by(analyzer, *eco, path);
            assert_eq!(result_type(&p), *ty, "{analyzer} {path}");
            assert_eq!(grouping_target(&p), *group, "{analyzer} {path}");
            // An SBOM entry at the same path (no analyzer) is typed the same.
            let sbom = Package {
                analyzer: None,
                ..p
            };
            assert_eq!(result_type(&sbom), *ty, "SBOM entry at {path}");
            assert_eq!(grouping_target(&sbom), *group, "SBOM entry at {path}");
            covered.insert(*analyzer);
        }
        for d in ALL.iter().filter(|d| d.lang.is_some()) {
            assert!(covered.contains(d.name), "{} has no case", d.name);
        }
    }

    /// Packages with no analyzer (an SBOM's): the declaration accepting the path, else the ecosystem's default.
    #[test]
    fn sbom_packages_fall_back_to_their_path_then_their_ecosystem() {
        use Ecosystem::*;
        let cases: &[(Option<Ecosystem>, &str, &str, Option<&str>)] = &[
            (Some(Npm), "", "npm", None),
            (
                Some(Npm),
                "/usr/lib/node_modules/npm/node_modules/abbrev/package.json",
                "node-pkg",
                Some("Node.js"),
            ),
            (Some(Npm), "./app/yarn.lock", "yarn", None),
            (Some(PyPI), "", "pip", None),
            (Some(Go), "usr/local/bin/app", "gobinary", None),
            (Some(Go), "", "gobinary", None),
            (Some(Cargo), "", "rustbinary", None),
            (Some(Maven), "", "pom", None),
            (Some(Maven), "/opt/app/lib/a.jar", "jar", Some("Java")),
            (Some(RubyGems), "", "bundler", None),
            (Some(Packagist), "", "composer", None),
            (Some(NuGet), "", "dotnet-core", None),
            (Some(Pub), "", "pub", None),
            (Some(Hex), "", "hex", None),
            (Some(Conan), "", "conan", None),
            (Some(SwiftUrl), "", "swift", None),
            (Some(CocoaPods), "", "cocoapods", None),
            (Some(Deb), "var/lib/dpkg/status", "deb", None),
            (None, "", "unknown", None),
        ];
        for (eco, path, ty, group) in cases {
            let p = Package {
                ecosystem: *eco,
                file_path: (*path).into(),
                ..Package::default()
            };
            assert_eq!(result_type(&p), *ty, "{eco:?} {path}");
            assert_eq!(grouping_target(&p), *group, "{eco:?} {path}");
        }
    }

    #[test]
    fn file_pattern_names() {
        for (name, analyzer) in [
            ("npm", "node/package-lock"),
            ("gradle-lockfile", "java/gradle-lockfile"),
            ("packages-config", "dotnet/packages-config"),
            ("dotnet-deps", "dotnet/deps-json"),
            ("conan-lock", "conan/lock"),
            ("mix-lock", "elixir/mix-lock"),
            ("go/mod", "go/mod"),
        ] {
            assert_eq!(
                find_file_pattern(name).map(|d| d.name),
                Some(analyzer),
                "{name}"
            );
        }
        assert!(find_file_pattern("gradle").is_none(), "a result type only");
    }
}
