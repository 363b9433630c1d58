//! Language packages (`--pkg-types library`): lockfiles, installed metadata, binaries and archives.
//!
//! One analyzer per parsing logic; the parsers are in `trawl-lockfile`, an analyzer adds file selection
//! (`required`: name/mode only), the file path on every package and the error context.
//!
//! | analyzer | files | image | fs |
//! |---|---|---|---|
//! | `node/package-lock` | `package-lock.json`, `npm-shrinkwrap.json` (v1–v3) | | ✓ |
//! | `node/yarn-lock` | `yarn.lock` (classic, berry) | | ✓ |
//! | `node/pnpm-lock` | `pnpm-lock.yaml` (v5–v9) | | ✓ |
//! | `node/bun-lock` | `bun.lock` | | ✓ |
//! | `node/package-json` | `node_modules/<name>/package.json`, `node_modules/@scope/<name>/package.json` | ✓ | |
//! | `python/dist-info` | `*.dist-info/METADATA` | ✓ | |
//! | `python/egg-info` | `*.egg-info/PKG-INFO`, `*.egg-info` (file), `EGG-INFO/PKG-INFO` | ✓ | |
//! | `python/requirements` | `*requirements*.txt` | | ✓ |
//! | `python/pipfile-lock`, `python/poetry-lock`, `python/uv-lock`, `python/pdm-lock` | `Pipfile.lock`, `poetry.lock`, `uv.lock`, `pdm.lock` | | ✓ |
//! | `python/pylock` | `pylock.toml`, `pylock.<name>.toml` (PEP 751) | | ✓ |
//! | `go/binary` | executables ≤ 200 MiB (ELF, PE, Mach-O with Go build info) | ✓ | |
//! | `go/mod` | `go.mod` | | ✓ |
//! | `rust/cargo-lock` | `Cargo.lock` | ✓ | ✓ |
//! | `binary/executable` | runtimes and servers by name (`python3*`, `libpython3*.so*`, `node`, `libnode.so*`, `bin/java`, `redis-server`, `nginx`, `httpd`, `apache2`, `postgres`, `mariadbd`, `mysqld`, `curl`, `libcurl.so*`, `openssl`, `libcrypto.so*`, `libssl.so*`, `busybox`, `haproxy`) ≤ 200 MiB | ✓ | |
//! | `rust/auditable-binary` | executables ≤ 200 MiB with a `.dep-v0` section | ✓ | |
//! | `java/archive` | `*.jar`, `*.war`, `*.ear`, `*.par`, ... (nested, shaded) | ✓ | |
//! | `java/pom` | `pom.xml` | | ✓ |
//! | `java/gradle-lockfile` | `*gradle.lockfile` | | ✓ |
//! | `java/sbt-lock` | `build.sbt.lock` (sbt-dependency-lock) | | ✓ |
//! | `ruby/gemfile-lock` | `Gemfile.lock`, `gems.locked` | | ✓ |
//! | `ruby/gemspec` | `**/specifications/*.gemspec` | ✓ | |
//! | `php/composer-lock` | `composer.lock` | | ✓ |
//! | `php/installed-json` | `vendor/composer/installed.json` | ✓ | |
//! | `dotnet/deps-json`, `dotnet/packages-lock`, `dotnet/packages-config` | `*.deps.json`, `packages.lock.json`, `packages.config` | ✓ | ✓ |
//! | `dotnet/packages-props` | `Directory.Packages.props`, `Packages.props` (central package management) | | ✓ |
//! | `conan/lock`, `dart/pubspec-lock`, `elixir/mix-lock`, `swift/package-resolved`, `cocoapods/podfile-lock` | `conan.lock`, `pubspec.lock`, `mix.lock`, `Package.resolved`, `Podfile.lock` | | ✓ |
//!
//! The "image" and "fs" columns are each declaration's [`RunsIn`] (a test keeps this table equal to them): an
//! image or rootfs scan runs installed metadata, binaries, archives and the few lockfiles Trivy also reads in
//! images; `trawl fs` runs lockfiles and manifests only, as Trivy's `fs`, so a checkout with `package-lock.json`
//! and `node_modules/` reports each package once, under its lockfile. Dev dependencies are reported with
//! `dev: true`; the caller drops them unless `--include-dev-deps`.
//!
//! Each analyzer is declared once, with `lang!` (or, for `java/archive`, a [`Declaration`] of its own):
//! name, cache version, where it runs, what its packages are reported as ([`LangInfo`]: result type,
//! `--file-patterns` names, grouping), file selection and parser.

mod filter;

pub use filter::{Filtered, PathFilter, PathFilterError};

use crate::{
    AnalysisInput, AnalysisOutput, Analyzer, AnalyzerError, AnalyzerKind, Declaration, FileMeta,
    LangInfo, RunsIn,
};
use std::sync::Arc;
use trawl_lockfile as lf;
use trawl_types::Ecosystem::{
    Binary, Cargo, CocoaPods, Conan, Go, Hex, Maven, Npm, NuGet, Packagist, Pub, PyPI, RubyGems,
    SwiftUrl,
};
use trawl_types::Package;

/// Largest executable handed to the binary analyzers.
pub const MAX_BINARY: u64 = 200 << 20;
/// Largest Java archive read.
pub const MAX_ARCHIVE: u64 = 1 << 30;

type Parse = fn(&AnalysisInput<'_>) -> lf::Result<Vec<Package>>;
type Required = fn(&str, &FileMeta) -> bool;

/// A language analyzer: its declaration, a file selector and a parser from `trawl-lockfile`.
#[derive(Clone, Copy)]
pub struct LangAnalyzer {
    /// What it is (name, version, where it runs, what its packages are reported as).
    pub declaration: &'static Declaration,
    required: Required,
    parse: Parse,
}

impl std::fmt::Debug for LangAnalyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LangAnalyzer")
            .field("name", &self.declaration.name)
            .finish()
    }
}

impl Analyzer for LangAnalyzer {
    fn declaration(&self) -> &'static Declaration {
        self.declaration
    }

    fn required(&self, path: &str, meta: &FileMeta) -> bool {
        (self.required)(path, meta)
    }

    fn analyze(&self, input: &AnalysisInput<'_>) -> Result<AnalysisOutput, AnalyzerError> {
        let mut packages = (self.parse)(input).map_err(|e| AnalyzerError {
            analyzer: self.declaration.name,
            path: input.path.to_owned(),
            message: e.to_string(),
        })?;
        if let Some(e) = lf::too_many(packages.len()) {
            return Err(AnalyzerError {
                analyzer: self.declaration.name,
                path: input.path.to_owned(),
                message: e.to_string(),
            });
        }
        for p in &mut packages {
            if p.file_path.is_empty() {
                p.file_path = input.path.to_owned();
            }
        }
        Ok(AnalysisOutput {
            packages,
            ..AnalysisOutput::default()
        })
    }
}

/// The last path component.
fn base(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn in_node_modules(path: &str) -> bool {
    path.starts_with("node_modules/") || path.contains("/node_modules/")
}

fn is_regular(meta: &FileMeta) -> bool {
    let t = meta.mode & 0o170_000;
    t == 0 || t == 0o100_000
}

fn executable(meta: &FileMeta) -> bool {
    is_regular(meta) && meta.is_executable() && meta.size <= MAX_BINARY && meta.size > 64
}

fn one(p: lf::Result<Option<Package>>) -> lf::Result<Vec<Package>> {
    p.map(|o| o.into_iter().collect())
}

/// Declares a language analyzer: doc comment, constant, name, cache version, where it runs, what its packages
/// are reported as (see [`LangInfo`]), file selection, parser. This is the analyzer's one declaration: [`crate::ALL`]
/// lists it, and every question about it (image or fs scan, `--file-patterns` names, result type, grouping) is
/// answered from it.
macro_rules! lang {
    (
        $(#[$doc:meta])* $id:ident, $name:literal, version $version:literal, $runs:expr,
        $lang:expr, $required:expr, $parse:expr
    ) => {
        $(#[$doc])*
        pub const $id: LangAnalyzer = LangAnalyzer {
            declaration: &Declaration {
                name: $name,
                version: $version,
                kind: AnalyzerKind::Library,
                runs_in: $runs,
                always: false,
                lang: Some($lang),
                build: |_| Arc::new($id),
            },
            required: $required,
            parse: $parse,
        };
    };
}

lang!(
    /// `node/package-lock`.
    ///
    /// ## What it detects
    /// npm packages of `package-lock.json` / `npm-shrinkwrap.json` v1, v2, v3 with direct/indirect (v2+) and dev.
    /// ## Files
    /// `package-lock.json`, `npm-shrinkwrap.json` outside `node_modules`.
    /// ## Limitations
    /// v1 lockfiles do not record the root's declarations: no relationship.
    NODE_PACKAGE_LOCK, "node/package-lock", version 1, RunsIn::FS,
    LangInfo::new(Npm, "npm", &["npm"]).ecosystem_default(),
    |p, _| matches!(base(p), "package-lock.json" | "npm-shrinkwrap.json") && !in_node_modules(p),
    |i| lf::node::package_lock::parse(i.content)
);
lang!(
    /// `node/yarn-lock`.
    ///
    /// ## What it detects
    /// npm packages of yarn.lock, classic and berry.
    /// ## Files
    /// `yarn.lock` outside `node_modules`.
    /// ## Limitations
    /// Direct and dev are in package.json, not in yarn.lock: neither is set.
    NODE_YARN_LOCK, "node/yarn-lock", version 1, RunsIn::FS,
    LangInfo::new(Npm, "yarn", &["yarn"]),
    |p, _| base(p) == "yarn.lock" && !in_node_modules(p),
    |i| lf::node::yarn_lock::parse(i.content)
);
lang!(
    /// `node/pnpm-lock`.
    ///
    /// ## What it detects
    /// npm packages of pnpm-lock.yaml v5–v9, with direct and dev (computed from the importers for v9).
    /// ## Files
    /// `pnpm-lock.yaml`.
    /// ## Limitations
    /// Packages from `link:`/`file:` are not reported.
    NODE_PNPM_LOCK, "node/pnpm-lock", version 1, RunsIn::FS,
    LangInfo::new(Npm, "pnpm", &["pnpm"]),
    |p, _| base(p) == "pnpm-lock.yaml" && !in_node_modules(p),
    |i| lf::node::pnpm_lock::parse(i.content)
);
lang!(
    /// `node/bun-lock`.
    ///
    /// ## What it detects
    /// npm packages of bun's text lockfile, with direct and dev (computed).
    /// ## Files
    /// `bun.lock`.
    /// ## Limitations
    /// The binary `bun.lockb` is not read.
    NODE_BUN_LOCK, "node/bun-lock", version 1, RunsIn::FS,
    LangInfo::new(Npm, "bun", &["bun"]),
    |p, _| base(p) == "bun.lock" && !in_node_modules(p),
    |i| lf::node::bun_lock::parse(i.content)
);
lang!(
    /// `node/package-json`.
    ///
    /// ## What it detects
    /// Installed npm packages: one per `package.json` of a package directory in `node_modules`.
    /// ## Files
    /// `…/node_modules/<name>/package.json`, `…/node_modules/@scope/<name>/package.json`.
    /// ## Limitations
    /// The application's own package.json (outside node_modules) is not reported; neither dev nor direct is known.
    NODE_PACKAGE_JSON, "node/package-json", version 1, RunsIn::IMAGES,
    LangInfo::new(Npm, "node-pkg", &["node-pkg"]).grouped("Node.js"),
    |p, _| is_node_modules_manifest(p),
    |i| one(lf::node::package_json::parse(i.content))
);

/// `…/node_modules/<name>/package.json` or `…/node_modules/@scope/<name>/package.json`.
fn is_node_modules_manifest(path: &str) -> bool {
    let Some(dir) = path.strip_suffix("/package.json") else {
        return false;
    };
    let Some(i) = dir.rfind("node_modules/") else {
        return false;
    };
    if i > 0 && !dir[..i].ends_with('/') {
        return false;
    }
    let rest = &dir[i + "node_modules/".len()..];
    match rest.split_once('/') {
        None => !rest.is_empty() && !rest.starts_with(['.', '@']),
        Some((scope, name)) => scope.starts_with('@') && !name.is_empty() && !name.contains('/'),
    }
}

lang!(
    /// `python/dist-info`.
    ///
    /// ## What it detects
    /// Installed Python distributions (wheels, pip installs).
    /// ## Files
    /// `*.dist-info/METADATA`.
    /// ## Limitations
    /// None known.
    PYTHON_DIST_INFO, "python/dist-info", version 1, RunsIn::IMAGES,
    LangInfo::new(PyPI, "python-pkg", &["python-pkg"]).grouped("Python"),
    |p, _| p.ends_with(".dist-info/METADATA"),
    |i| lf::python::metadata::parse(i.content).map(|p| vec![p])
);
lang!(
    /// `python/egg-info`.
    ///
    /// ## What it detects
    /// Installed Python eggs and setuptools installs.
    /// ## Files
    /// `*.egg-info/PKG-INFO`, a `*.egg-info` file, `EGG-INFO/PKG-INFO`.
    /// ## Limitations
    /// Zipped `.egg` files are not opened.
    PYTHON_EGG_INFO, "python/egg-info", version 1, RunsIn::IMAGES,
    LangInfo::new(PyPI, "python-pkg", &[]).grouped("Python"),
    |p, m| {
        p.ends_with(".egg-info/PKG-INFO") || p.ends_with("/EGG-INFO/PKG-INFO") || (p.ends_with(".egg-info") && is_regular(m))
    },
    |i| lf::python::metadata::parse(i.content).map(|p| vec![p])
);
lang!(
    /// `python/requirements`.
    ///
    /// ## What it detects
    /// Exactly pinned (`==`) requirements.
    /// ## Files
    /// Any `*requirements*.txt` (so files included with `-r` are read on their own).
    /// ## Limitations
    /// Ranges, URLs and editable installs name no version and are skipped.
    PYTHON_REQUIREMENTS, "python/requirements", version 1, RunsIn::FS,
    LangInfo::new(PyPI, "pip", &["pip"]).ecosystem_default(),
    |p, _| {
        let b = base(p);
        b.ends_with(".txt") && b.contains("requirements")
    },
    |i| lf::python::requirements::parse(i.content)
);
lang!(
    /// `python/pipfile-lock`.
    ///
    /// ## What it detects
    /// Pipfile.lock `default` and (dev) `develop` packages.
    /// ## Files
    /// `Pipfile.lock`.
    /// ## Limitations
    /// Git and path packages (no version) are skipped.
    PYTHON_PIPFILE_LOCK, "python/pipfile-lock", version 1, RunsIn::FS,
    LangInfo::new(PyPI, "pipenv", &["pipenv"]),
    |p, _| base(p) == "Pipfile.lock",
    |i| lf::python::pipfile_lock::parse(i.content)
);
lang!(
    /// `python/poetry-lock`.
    ///
    /// ## What it detects
    /// poetry.lock packages; dev from `category`/`groups`.
    /// ## Files
    /// `poetry.lock`.
    /// ## Limitations
    /// Direct dependencies are in pyproject.toml: not set.
    PYTHON_POETRY_LOCK, "python/poetry-lock", version 1, RunsIn::FS,
    LangInfo::new(PyPI, "poetry", &["poetry"]),
    |p, _| base(p) == "poetry.lock",
    |i| lf::python::poetry_lock::parse(i.content)
);
lang!(
    /// `python/uv-lock`.
    ///
    /// ## What it detects
    /// uv.lock packages with direct/indirect and dev (computed from the root's dependency groups).
    /// ## Files
    /// `uv.lock`.
    /// ## Limitations
    /// The project itself is not reported.
    PYTHON_UV_LOCK, "python/uv-lock", version 1, RunsIn::FS,
    LangInfo::new(PyPI, "uv", &["uv"]),
    |p, _| base(p) == "uv.lock",
    |i| lf::python::uv_lock::parse(i.content)
);
lang!(
    /// `python/pdm-lock`.
    ///
    /// ## What it detects
    /// pdm.lock packages; dev when not in the `default` group.
    /// ## Files
    /// `pdm.lock`.
    /// ## Limitations
    /// Direct dependencies are not set.
    PYTHON_PDM_LOCK, "python/pdm-lock", version 1, RunsIn::FS,
    LangInfo::new(PyPI, "pdm", &["pdm"]),
    |p, _| base(p) == "pdm.lock",
    |i| lf::python::pdm_lock::parse(i.content)
);
lang!(
    /// `python/pylock`.
    ///
    /// ## What it detects
    /// PEP 751 lock files: packages with a version; direct/indirect from the `dependencies` arrays when the file
    /// has them; dev from dependency-group markers outside `default-groups`.
    /// ## Files
    /// `pylock.toml`, `pylock.<name>.toml`.
    /// ## Limitations
    /// Environment markers are not evaluated: a package locked for two Python versions is reported twice.
    PYTHON_PYLOCK, "python/pylock", version 1, RunsIn::FS,
    LangInfo::new(PyPI, "pylock", &["pylock"]),
    |p, _| {
        let b = base(p);
        b == "pylock.toml" || (b.starts_with("pylock.") && b.ends_with(".toml") && b.len() > "pylock..toml".len())
    },
    |i| lf::python::pylock::parse(i.content)
);
lang!(
    /// `go/binary`.
    ///
    /// ## What it detects
    /// Go binaries' build info: the main module (Root), its dependencies and the toolchain as `stdlib`; each
    /// with the functions of its packages found in the pclntab (`go_symbols`, for symbol reachability).
    /// ## Files
    /// Regular executable files up to 200 MiB; anything that is not ELF/PE/Mach-O is dropped after 4 bytes.
    /// ## Limitations
    /// Versions lose their `v` prefix (as OSV writes Go versions); `(devel)` main modules keep `(devel)` unless
    /// `-ldflags -X main.version=` says otherwise. A main module that is a known program (Traefik, Consul,
    /// Vault, etcd...) also gets its CPE, and the `stdlib` of the Go toolchain (`cmd/go`) `golang:go`
    /// (`trawl_lockfile::binary::go_cpes`), so they are matched by CPE too.
    // 2: pclntab symbols; 3: CPEs of known programs and of the toolchain.
    GO_BINARY, "go/binary", version 3, RunsIn::IMAGES,
    LangInfo::new(Go, "gobinary", &["gobinary"]).ecosystem_default(),
    |_, m| executable(m),
    |i| {
        Ok(lf::go::binary::parse(i.content)?
            .map(|b| {
                let mut pkgs = b.packages();
                lf::binary::go_cpes(&b, &mut pkgs);
                pkgs
            })
            .unwrap_or_default())
    }
);
lang!(
    /// `binary/executable`.
    ///
    /// ## What it detects
    /// Runtimes and servers copied into an image outside any package manager, from their own bytes: Python,
    /// Node.js, OpenJDK, Redis, nginx, Apache httpd, PostgreSQL, MariaDB, MySQL, curl/libcurl, OpenSSL
    /// (libcrypto), BusyBox, HAProxy; one package per file (ecosystem `binary`, purl `pkg:generic/NAME@VERSION`)
    /// with the program's CPEs, matched by CPE. Files an OS package owns are dropped by the pipeline.
    /// ## Files
    /// Regular files ≤ 200 MiB named as the program ships (`trawl_lockfile::binary::program_for`) that are ELF
    /// or Mach-O objects; shared libraries need no execute bit.
    /// ## Limitations
    /// A program built without its usual version string, or renamed, is not recognised; `libssl.so` holds no
    /// version (OpenSSL is reported from `libcrypto.so`); a JDK is reported from its `bin/java` launcher
    /// (OpenJDK builds only). Go programs are the `go/binary` analyzer's (with a CPE).
    // 2: BusyBox from `bin/[` (its images hard-link every other name to it).
    BINARY_EXECUTABLE, "binary/executable", version 2, RunsIn::IMAGES,
    LangInfo::new(Binary, "binary", &["binary"]).ecosystem_default(),
    |p, m| is_regular(m) && meta_sized(m) && lf::binary::program_for(p).is_some(),
    |i| Ok(lf::binary::parse(i.path, i.content).into_iter().collect())
);

fn meta_sized(meta: &FileMeta) -> bool {
    meta.size <= MAX_BINARY && meta.size > 64
}
lang!(
    /// `go/mod`.
    ///
    /// ## What it detects
    /// go.mod requirements (replacements applied), direct or `// indirect`.
    /// ## Files
    /// `go.mod`.
    /// ## Limitations
    /// Before Go 1.17 go.mod lists only direct requirements (no go.sum fallback).
    GO_MOD, "go/mod", version 1, RunsIn::FS,
    LangInfo::new(Go, "gomod", &["gomod"]),
    |p, _| base(p) == "go.mod" && !p.contains("/vendor/") && !p.starts_with("vendor/"),
    |i| lf::go::gomod::parse(i.content)
);
lang!(
    /// `rust/cargo-lock`.
    ///
    /// ## What it detects
    /// Registry and git crates of Cargo.lock, direct ones marked.
    /// ## Files
    /// `Cargo.lock`.
    /// ## Limitations
    /// Workspace crates (no `source`) are not reported; dev dependencies cannot be told apart.
    RUST_CARGO_LOCK, "rust/cargo-lock", version 1, RunsIn::BOTH,
    LangInfo::new(Cargo, "cargo", &["cargo"]),
    |p, _| base(p) == "Cargo.lock",
    |i| lf::rust::cargo_lock::parse(i.content)
);
lang!(
    /// `rust/auditable-binary`.
    ///
    /// ## What it detects
    /// Crates compiled into binaries built with cargo-auditable (`.dep-v0` section).
    /// ## Files
    /// Regular executable files up to 200 MiB.
    /// ## Limitations
    /// Binaries built without cargo-auditable carry no dependency list.
    RUST_AUDITABLE_BINARY, "rust/auditable-binary", version 1, RunsIn::IMAGES,
    LangInfo::new(Cargo, "rustbinary", &["rustbinary"]).ecosystem_default(),
    |_, m| executable(m),
    |i| Ok(lf::rust::auditable::parse(i.content)?.unwrap_or_default())
);
/// `java/archive`.
///
/// ## What it detects
/// Maven artifacts in Java archives: every `pom.properties` (shaded jars), else MANIFEST.MF, else the file
/// name; archives nested in archives up to `--max-archive-depth` levels (default 4;
/// `file_path` = `outer.war!/WEB-INF/lib/inner.jar`). A nested archive left unread (too deep, or over the
/// 64 MiB budget of nested archives) is a warning naming the archive holding it and the entry.
/// ## Files
/// `*.jar`, `*.war`, `*.ear`, `*.par`, `*.sar`, `*.nar`, `*.jpi`, `*.hpi`, `*.kar`, `*.rar` up to 1 GiB.
/// ## Limitations
/// No SHA-1 lookup: a jar with neither pom.properties nor a group in its manifest gets its artifact id as name.
pub const JAVA_ARCHIVE: JavaArchive = JavaArchive;

/// The declaration of [`JAVA_ARCHIVE`].
pub const JAVA_ARCHIVE_DECLARATION: &Declaration = &Declaration {
    name: "java/archive",
    // 2: unread nested archives are reported.
    version: 2,
    kind: AnalyzerKind::Library,
    runs_in: RunsIn::IMAGES,
    always: false,
    lang: Some(LangInfo::new(Maven, "jar", &["jar"]).grouped("Java")),
    build: |_| Arc::new(JAVA_ARCHIVE),
};

/// The `java/archive` analyzer (its own type: it reports nested archives it did not read).
#[derive(Debug, Clone, Copy)]
pub struct JavaArchive;

impl Analyzer for JavaArchive {
    fn declaration(&self) -> &'static Declaration {
        JAVA_ARCHIVE_DECLARATION
    }

    fn required(&self, path: &str, meta: &FileMeta) -> bool {
        lf::java::archive::is_archive_name(base(path))
            && is_regular(meta)
            && meta.size <= MAX_ARCHIVE
    }

    fn analyze(&self, input: &AnalysisInput<'_>) -> Result<AnalysisOutput, AnalyzerError> {
        let parsed = lf::java::archive::parse_with(
            input.path,
            input.content,
            input.limits.max_archive_depth,
        )
        .map_err(|e| AnalyzerError {
            analyzer: JAVA_ARCHIVE_DECLARATION.name,
            path: input.path.to_owned(),
            message: e.to_string(),
        })?;
        Ok(AnalysisOutput {
            packages: parsed.packages,
            warnings: parsed.skipped,
            ..AnalysisOutput::default()
        })
    }
}

lang!(
    /// `java/pom`.
    ///
    /// ## What it detects
    /// The project (Root) and its dependencies (Direct; `test` scope as dev) with properties resolved locally.
    /// ## Files
    /// `pom.xml`.
    /// ## Limitations
    /// No parent POMs, BOMs or transitive dependencies (that needs a Maven repository).
    JAVA_POM, "java/pom", version 1, RunsIn::FS,
    LangInfo::new(Maven, "pom", &["pom"]).ecosystem_default(),
    |p, _| base(p) == "pom.xml",
    |i| lf::java::pom::parse(i.content)
);
lang!(
    /// `java/gradle-lockfile`.
    ///
    /// ## What it detects
    /// Locked Gradle dependencies; dev when only test configurations lock them.
    /// ## Files
    /// `*gradle.lockfile`.
    /// ## Limitations
    /// None known.
    JAVA_GRADLE_LOCKFILE, "java/gradle-lockfile", version 1, RunsIn::FS,
    LangInfo::new(Maven, "gradle", &["gradle-lockfile"]),
    |p, _| base(p).ends_with("gradle.lockfile"),
    |i| lf::java::gradle_lockfile::parse(i.content)
);
lang!(
    /// `java/sbt-lock`.
    ///
    /// ## What it detects
    /// Dependencies of sbt-dependency-lock's lockfile; dev when used only in test configurations.
    /// ## Files
    /// `build.sbt.lock`.
    /// ## Limitations
    /// The file records neither the graph nor direct dependencies: no relationship.
    JAVA_SBT_LOCK, "java/sbt-lock", version 1, RunsIn::FS,
    LangInfo::new(Maven, "sbt", &["sbt"]),
    |p, _| base(p) == "build.sbt.lock",
    |i| lf::java::sbt_lock::parse(i.content)
);
lang!(
    /// `ruby/gemfile-lock`.
    ///
    /// ## What it detects
    /// Gems of the GEM and GIT sections; direct ones from DEPENDENCIES.
    /// ## Files
    /// `Gemfile.lock`, `gems.locked`.
    /// ## Limitations
    /// Dev groups are in the Gemfile: not set.
    RUBY_GEMFILE_LOCK, "ruby/gemfile-lock", version 1, RunsIn::FS,
    LangInfo::new(RubyGems, "bundler", &["bundler"]).ecosystem_default(),
    |p, _| matches!(base(p), "Gemfile.lock" | "gems.locked"),
    |i| lf::ruby::gemfile_lock::parse(i.content)
);
lang!(
    /// `ruby/gemspec`.
    ///
    /// ## What it detects
    /// Installed gems.
    /// ## Files
    /// `…/specifications/*.gemspec` (including `specifications/default/`).
    /// ## Limitations
    /// The gemspec is read as text, not evaluated.
    RUBY_GEMSPEC, "ruby/gemspec", version 1, RunsIn::IMAGES,
    LangInfo::new(RubyGems, "gemspec", &["gemspec"]).grouped("Ruby"),
    |p, _| p.ends_with(".gemspec") && p.contains("specifications/"),
    |i| lf::ruby::gemspec::parse(i.content).map(|p| vec![p])
);
lang!(
    /// `php/composer-lock`.
    ///
    /// ## What it detects
    /// composer.lock `packages` and (dev) `packages-dev`.
    /// ## Files
    /// `composer.lock`.
    /// ## Limitations
    /// None known.
    PHP_COMPOSER_LOCK, "php/composer-lock", version 1, RunsIn::FS,
    LangInfo::new(Packagist, "composer", &["composer"]).ecosystem_default(),
    |p, _| base(p) == "composer.lock",
    |i| lf::php::parse_composer_lock(i.content)
);
lang!(
    /// `php/installed-json`.
    ///
    /// ## What it detects
    /// Packages installed by Composer 1 and 2 (dev from `dev-package-names`).
    /// ## Files
    /// `…/vendor/composer/installed.json`.
    /// ## Limitations
    /// None known.
    PHP_INSTALLED_JSON, "php/installed-json", version 1, RunsIn::IMAGES,
    LangInfo::new(Packagist, "composer-vendor", &["composer-vendor"]).grouped("PHP"),
    |p, _| p.ends_with("composer/installed.json"),
    |i| lf::php::parse_installed_json(i.content)
);
lang!(
    /// `dotnet/deps-json`.
    ///
    /// ## What it detects
    /// NuGet packages of a .NET application's `*.deps.json`.
    /// ## Files
    /// `*.deps.json`.
    /// ## Limitations
    /// Projects and references are skipped.
    DOTNET_DEPS_JSON, "dotnet/deps-json", version 1, RunsIn::BOTH,
    LangInfo::new(NuGet, "dotnet-core", &["dotnet-deps"]).ecosystem_default(),
    |p, _| base(p).ends_with(".deps.json"),
    |i| lf::dotnet::parse_deps_json(i.content)
);
lang!(
    /// `dotnet/packages-lock`.
    ///
    /// ## What it detects
    /// NuGet packages of packages.lock.json (every target framework), direct ones marked.
    /// ## Files
    /// `packages.lock.json`.
    /// ## Limitations
    /// None known.
    DOTNET_PACKAGES_LOCK, "dotnet/packages-lock", version 1, RunsIn::BOTH,
    LangInfo::new(NuGet, "nuget", &["nuget"]),
    |p, _| base(p) == "packages.lock.json",
    |i| lf::dotnet::parse_packages_lock(i.content)
);
lang!(
    /// `dotnet/packages-config`.
    ///
    /// ## What it detects
    /// NuGet packages of packages.config (`developmentDependency` as dev).
    /// ## Files
    /// `packages.config`.
    /// ## Limitations
    /// None known.
    DOTNET_PACKAGES_CONFIG, "dotnet/packages-config", version 1, RunsIn::BOTH,
    LangInfo::new(NuGet, "nuget", &["packages-config"]),
    |p, _| base(p) == "packages.config",
    |i| lf::dotnet::parse_packages_config(i.content)
);
lang!(
    /// `dotnet/packages-props`.
    ///
    /// ## What it detects
    /// NuGet central package management: `PackageVersion` and `GlobalPackageReference` items (Direct).
    /// ## Files
    /// `Directory.Packages.props`, `Packages.props`.
    /// ## Limitations
    /// Versions given as MSBuild properties or ranges are skipped (no single version).
    DOTNET_PACKAGES_PROPS, "dotnet/packages-props", version 1, RunsIn::FS,
    LangInfo::new(NuGet, "packages-props", &["packages-props"]),
    |p, _| matches!(base(p), "Directory.Packages.props" | "Packages.props"),
    |i| lf::dotnet::parse_packages_props(i.content)
);
lang!(
    /// `conan/lock`.
    ///
    /// ## What it detects
    /// Conan references of conan.lock v1 and v2.
    /// ## Files
    /// `conan.lock`.
    /// ## Limitations
    /// None known.
    CONAN_LOCK, "conan/lock", version 1, RunsIn::FS,
    LangInfo::new(Conan, "conan", &["conan-lock"]).ecosystem_default(),
    |p, _| base(p) == "conan.lock",
    |i| lf::other::parse_conan_lock(i.content)
);
lang!(
    /// `dart/pubspec-lock`.
    ///
    /// ## What it detects
    /// Dart/Flutter packages with direct/dev.
    /// ## Files
    /// `pubspec.lock`.
    /// ## Limitations
    /// SDK packages are skipped.
    DART_PUBSPEC_LOCK, "dart/pubspec-lock", version 1, RunsIn::FS,
    LangInfo::new(Pub, "pub", &["pub"]).ecosystem_default(),
    |p, _| base(p) == "pubspec.lock",
    |i| lf::other::parse_pubspec_lock(i.content)
);
lang!(
    /// `elixir/mix-lock`.
    ///
    /// ## What it detects
    /// Hex packages of mix.lock.
    /// ## Files
    /// `mix.lock`.
    /// ## Limitations
    /// Git and path dependencies are skipped.
    ELIXIR_MIX_LOCK, "elixir/mix-lock", version 1, RunsIn::FS,
    LangInfo::new(Hex, "hex", &["mix-lock"]).ecosystem_default(),
    |p, _| base(p) == "mix.lock",
    |i| lf::other::parse_mix_lock(i.content)
);
lang!(
    /// `swift/package-resolved`.
    ///
    /// ## What it detects
    /// SwiftPM pins (name = repository URL without scheme).
    /// ## Files
    /// `Package.resolved`.
    /// ## Limitations
    /// Branch and revision pins (no version) are skipped.
    SWIFT_PACKAGE_RESOLVED, "swift/package-resolved", version 1, RunsIn::FS,
    LangInfo::new(SwiftUrl, "swift", &["swift"]).ecosystem_default(),
    |p, _| base(p) == "Package.resolved",
    |i| lf::other::parse_package_resolved(i.content)
);
lang!(
    /// `cocoapods/podfile-lock`.
    ///
    /// ## What it detects
    /// CocoaPods pods (subspecs folded into their pod).
    /// ## Files
    /// `Podfile.lock`.
    /// ## Limitations
    /// None known.
    COCOAPODS_PODFILE_LOCK, "cocoapods/podfile-lock", version 1, RunsIn::FS,
    LangInfo::new(CocoaPods, "cocoapods", &["cocoapods"]).ecosystem_default(),
    |p, _| base(p) == "Podfile.lock",
    |i| lf::other::parse_podfile_lock(i.content)
);

/// Every language analyzer's declaration (the [`AnalyzerKind::Library`] ones of [`crate::ALL`]).
pub fn declarations() -> impl Iterator<Item = &'static Declaration> {
    crate::ALL
        .iter()
        .copied()
        .filter(|d| d.kind == AnalyzerKind::Library)
}

#[cfg(test)]
mod image_tests;
#[cfg(test)]
mod tests;
