//! Every language analyzer over the shared language fixtures, through the pipeline (issue #16): per fixture, the
//! sorted `analyzer ecosystem name version file_path type` lines of the packages found, as insta snapshots. The
//! type is the report's (`trawl_analyzers::result_type`), from the declaration of the analyzer that found the
//! package.
//!
//! Fixtures:
//! - the real lockfiles committed under `crates/trawl-lockfile/tests/data` (always there; every file there must
//!   be listed in [`COMMITTED`] or be one of the [`NOT_LOCKFILES`]);
//! - the trees and binaries `.ci/setup.d/60-lang.sh` builds into `target/lang-fixtures` whose bytes are pinned
//!   ([`GENERATED`]: installed npm and pip packages, esbuild's Go binaries, Debian's jars). Skipped with a message
//!   when absent, a failure under CI. Those the setup resolves afresh on each run (a Cargo.lock's and the
//!   cargo-auditable binary's crates, the Go toolchain's stdlib) are left out: their versions follow the registries.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use trawl_analyzers::pipeline::{AnalyzeOptions, analyze};
use trawl_analyzers::{ALL, AnalyzerKind, Config};
use trawl_types::Package;

/// Committed lockfiles (relative to `crates/trawl-lockfile/tests/data`) and the file name an analyzer reads them
/// under.
const COMMITTED: &[(&str, &str)] = &[
    (
        "dotnet/packages-props/Directory.Packages.props",
        "Directory.Packages.props",
    ),
    ("go/mod/happy.mod", "go.mod"),
    ("java/sbt-lock/happy.sbt.lock", "build.sbt.lock"),
    ("node/bun-lock/happy.lock", "bun.lock"),
    ("node/package-lock/v1.json", "package-lock.json"),
    ("node/package-lock/v2.json", "package-lock.json"),
    ("node/package-lock/v3.json", "package-lock.json"),
    ("node/pnpm-lock/v5.yaml", "pnpm-lock.yaml"),
    ("node/pnpm-lock/v6.yaml", "pnpm-lock.yaml"),
    ("node/pnpm-lock/v9.yaml", "pnpm-lock.yaml"),
    ("node/yarn-lock/berry.lock", "yarn.lock"),
    ("node/yarn-lock/classic.lock", "yarn.lock"),
    (
        "python/dist-info/requests.METADATA",
        "requests-2.25.0.dist-info/METADATA",
    ),
    ("python/pipfile-lock/happy.json", "Pipfile.lock"),
    ("python/poetry-lock/happy.lock", "poetry.lock"),
    ("python/pylock/spec-graph.pylock.toml", "pylock.toml"),
    ("python/pylock/uv-no-dev.pylock.toml", "pylock.toml"),
    ("python/pylock/uv.pylock.toml", "pylock.toml"),
    ("python/requirements/freeze.txt", "requirements.txt"),
    ("python/uv-lock/happy.lock", "uv.lock"),
    ("ruby/gemfile-lock/happy.lock", "Gemfile.lock"),
    ("rust/cargo-lock/happy.lock", "Cargo.lock"),
];

/// Endings of the files under `tests/data` that are no lockfile: provenance notes and the tools' own answers.
const NOT_LOCKFILES: &[&str] = &["SOURCE.md", ".cargo-tree.txt", ".go-mod-edit.json"];

/// Generated fixtures with pinned bytes (relative to `target/lang-fixtures`; a file or a tree) and where they are
/// put in the scanned root.
const GENERATED: &[(&str, &str)] = &[
    ("npm-v3/node_modules", "app/node_modules"),
    ("pip-target", "usr/local/lib/python3.11/site-packages"),
    (
        "esbuild/node_modules/@esbuild/linux-x64/bin/esbuild",
        "usr/local/bin/esbuild",
    ),
    (
        "esbuild-old/node_modules/esbuild-linux-64/bin/esbuild",
        "usr/local/bin/esbuild-0.8",
    ),
    (
        "java/commons-io-2.11.0.jar",
        "opt/java/commons-io-2.11.0.jar",
    ),
    ("java/guava.jar", "opt/java/guava.jar"),
    ("java/app.war", "opt/java/app.war"),
];

/// Copies the file or tree `src` to `dest` (modes kept: binaries stay executable; symlinks skipped).
fn copy(src: &Path, dest: &Path) {
    let meta = std::fs::symlink_metadata(src).unwrap_or_else(|e| panic!("{}: {e}", src.display()));
    if meta.is_dir() {
        std::fs::create_dir_all(dest).expect("mkdir");
        let mut entries: Vec<_> = std::fs::read_dir(src)
            .expect("readable")
            .flatten()
            .collect();
        entries.sort_by_key(std::fs::DirEntry::file_name);
        for e in entries {
            copy(&e.path(), &dest.join(e.file_name()));
        }
    } else if meta.is_file() {
        std::fs::create_dir_all(dest.parent().expect("a parent")).expect("mkdir");
        std::fs::copy(src, dest).unwrap_or_else(|e| panic!("{}: {e}", src.display()));
    }
}

/// Every language analyzer, as a scan makes them.
fn language_analyzers() -> AnalyzeOptions {
    AnalyzeOptions {
        analyzers: ALL
            .iter()
            .filter(|d| d.kind == AnalyzerKind::Library)
            .map(|d| d.analyzer(&Config::default()))
            .collect(),
        cache: None,
        parallel: 1,
        ..Default::default()
    }
}

/// The packages of the rootfs at `root`, with no warning.
fn packages(root: &Path) -> Vec<Package> {
    let image = trawl_source::open(&trawl_source::SourceSpec::Rootfs(root.to_owned()))
        .expect("the rootfs opens");
    let analyzed = analyze(&image, &language_analyzers()).expect("analyses");
    assert!(
        analyzed.inventory.warnings.is_empty(),
        "{:?}",
        analyzed.inventory.warnings
    );
    analyzed.inventory.packages
}

fn line(p: &Package) -> String {
    format!(
        "{} {} {} {} {} {}",
        p.analyzer
            .expect("the pipeline names the analyzer of every package"),
        p.ecosystem.map_or("-", trawl_types::Ecosystem::as_str),
        p.name,
        p.version,
        p.file_path,
        trawl_analyzers::result_type(p)
    )
}

/// One snapshot per fixture: the packages found under `mount` (a file or a directory of the root).
fn snapshot_each(group: &str, mounts: &[(&str, String)], packages: &[Package]) {
    let mut lines: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for p in packages {
        let file = p.file_path.split('!').next().unwrap_or_default();
        let (fixture, _) = mounts
            .iter()
            .find(|(_, m)| file == m || file.starts_with(&format!("{m}/")))
            .unwrap_or_else(|| panic!("{} is in no fixture", p.file_path));
        lines.entry(fixture).or_default().push(line(p));
    }
    for (fixture, _) in mounts {
        let mut l = lines.remove(fixture).unwrap_or_default();
        l.sort();
        let text = if l.is_empty() {
            "(no packages)".to_owned()
        } else {
            l.join("\n")
        };
        let name = format!("{group}-{}", fixture.replace('/', "-"));
        insta::assert_snapshot!(name, text);
    }
}

#[test]
fn committed_lockfiles() {
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../trawl-lockfile/tests/data");
    // Every committed fixture is snapshotted (or is no lockfile).
    let mut stack = vec![data.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("readable").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p
                .strip_prefix(&data)
                .expect("under data")
                .to_string_lossy()
                .into_owned();
            assert!(
                COMMITTED.iter().any(|(f, _)| *f == rel)
                    || NOT_LOCKFILES.iter().any(|s| rel.ends_with(s)),
                "{rel}: a fixture without a snapshot (add it to COMMITTED)"
            );
        }
    }
    let root = tempfile::tempdir().expect("tempdir");
    let mounts: Vec<(&str, String)> = COMMITTED
        .iter()
        .map(|(fixture, name)| (*fixture, format!("fixtures/{fixture}/{name}")))
        .collect();
    for ((fixture, _), (_, mount)) in COMMITTED.iter().zip(&mounts) {
        copy(&data.join(fixture), &root.path().join(mount));
    }
    snapshot_each("committed", &mounts, &packages(root.path()));
}

#[test]
fn generated_fixtures() {
    let needed: Vec<&str> = GENERATED.iter().map(|(f, _)| *f).collect();
    let Some(fx) = trawl_test::lang_fixtures(&needed) else {
        #[expect(clippy::print_stderr, reason = "test skip notice")]
        {
            eprintln!("skipping: target/lang-fixtures not built (run .ci/setup.d/60-lang.sh)");
        }
        return;
    };
    let root = tempfile::tempdir().expect("tempdir");
    let mounts: Vec<(&str, String)> = GENERATED
        .iter()
        .map(|(fixture, mount)| (*fixture, (*mount).to_owned()))
        .collect();
    for (fixture, mount) in GENERATED {
        copy(&fx.join(fixture), &root.path().join(mount));
    }
    snapshot_each("generated", &mounts, &packages(root.path()));
}
