//! `required` table (separate from `analyze`), error messages of broken files, and the registration.

use super::*;

const FILE: FileMeta = FileMeta {
    mode: 0o100_644,
    size: 1000,
};
const EXEC: FileMeta = FileMeta {
    mode: 0o100_755,
    size: 1 << 20,
};

fn wanted_by(path: &str, meta: &FileMeta) -> Vec<&'static str> {
    declarations()
        .filter(|d| d.analyzer(&crate::Config::default()).required(path, meta))
        .map(|d| d.name)
        .collect()
}

#[test]
fn required_table() {
    let cases: &[(&str, FileMeta, &[&str])] = &[
        ("app/package-lock.json", FILE, &["node/package-lock"]),
        ("npm-shrinkwrap.json", FILE, &["node/package-lock"]),
        ("app/node_modules/x/package-lock.json", FILE, &[]),
        ("app/node_modules/.package-lock.json", FILE, &[]),
        ("app/yarn.lock", FILE, &["node/yarn-lock"]),
        ("pnpm-lock.yaml", FILE, &["node/pnpm-lock"]),
        ("bun.lock", FILE, &["node/bun-lock"]),
        ("bun.lockb", FILE, &[]),
        (
            "app/node_modules/express/package.json",
            FILE,
            &["node/package-json"],
        ),
        (
            "node_modules/@babel/core/package.json",
            FILE,
            &["node/package-json"],
        ),
        (
            "app/node_modules/a/node_modules/b/package.json",
            FILE,
            &["node/package-json"],
        ),
        ("app/node_modules/a/lib/package.json", FILE, &[]),
        ("app/node_modules/@babel/package.json", FILE, &[]),
        ("app/package.json", FILE, &[]),
        ("app/my_node_modules/a/package.json", FILE, &[]),
        (
            "usr/lib/python3/site-packages/requests-2.25.0.dist-info/METADATA",
            FILE,
            &["python/dist-info"],
        ),
        (
            "usr/lib/python3/site-packages/requests-2.25.0.dist-info/RECORD",
            FILE,
            &[],
        ),
        (
            "site-packages/foo.egg-info/PKG-INFO",
            FILE,
            &["python/egg-info"],
        ),
        (
            "usr/lib/python3/dist-packages/foo-1.0.egg-info",
            FILE,
            &["python/egg-info"],
        ),
        ("requirements.txt", FILE, &["python/requirements"]),
        ("app/dev-requirements.txt", FILE, &["python/requirements"]),
        ("app/requirements.in", FILE, &[]),
        ("Pipfile.lock", FILE, &["python/pipfile-lock"]),
        ("poetry.lock", FILE, &["python/poetry-lock"]),
        ("uv.lock", FILE, &["python/uv-lock"]),
        ("pdm.lock", FILE, &["python/pdm-lock"]),
        (
            "usr/local/bin/esbuild",
            EXEC,
            &["go/binary", "rust/auditable-binary"],
        ),
        (
            "usr/local/bin/tiny",
            FileMeta {
                mode: 0o100_755,
                size: 10,
            },
            &[],
        ),
        (
            "usr/local/bin/huge",
            FileMeta {
                mode: 0o100_755,
                size: 300 << 20,
            },
            &[],
        ),
        ("usr/local/bin/not-exec", FILE, &[]),
        ("go.mod", FILE, &["go/mod"]),
        ("vendor/x/go.mod", FILE, &[]),
        ("Cargo.lock", FILE, &["rust/cargo-lock"]),
        ("opt/app/lib/guava-31.1.jar", FILE, &["java/archive"]),
        ("opt/app.WAR", FILE, &["java/archive"]),
        ("pom.xml", FILE, &["java/pom"]),
        ("gradle.lockfile", FILE, &["java/gradle-lockfile"]),
        (
            "buildscript-gradle.lockfile",
            FILE,
            &["java/gradle-lockfile"],
        ),
        ("Gemfile.lock", FILE, &["ruby/gemfile-lock"]),
        (
            "usr/lib/ruby/gems/3.1.0/specifications/rake-13.0.6.gemspec",
            FILE,
            &["ruby/gemspec"],
        ),
        (
            "usr/lib/ruby/gems/3.1.0/specifications/default/json-2.6.1.gemspec",
            FILE,
            &["ruby/gemspec"],
        ),
        ("app/foo.gemspec", FILE, &[]),
        ("composer.lock", FILE, &["php/composer-lock"]),
        (
            "app/vendor/composer/installed.json",
            FILE,
            &["php/installed-json"],
        ),
        ("app/MyApp.deps.json", FILE, &["dotnet/deps-json"]),
        ("packages.lock.json", FILE, &["dotnet/packages-lock"]),
        ("packages.config", FILE, &["dotnet/packages-config"]),
        (
            "src/Directory.Packages.props",
            FILE,
            &["dotnet/packages-props"],
        ),
        ("Packages.props", FILE, &["dotnet/packages-props"]),
        ("Directory.Build.props", FILE, &[]),
        ("pylock.toml", FILE, &["python/pylock"]),
        ("app/pylock.dev.toml", FILE, &["python/pylock"]),
        ("pylock..toml", FILE, &[]),
        ("pylock.txt", FILE, &[]),
        ("build.sbt.lock", FILE, &["java/sbt-lock"]),
        ("build.sbt", FILE, &[]),
        ("conan.lock", FILE, &["conan/lock"]),
        ("pubspec.lock", FILE, &["dart/pubspec-lock"]),
        ("mix.lock", FILE, &["elixir/mix-lock"]),
        ("Package.resolved", FILE, &["swift/package-resolved"]),
        ("Podfile.lock", FILE, &["cocoapods/podfile-lock"]),
        ("etc/passwd", FILE, &[]),
    ];
    for (path, meta, want) in cases {
        assert_eq!(wanted_by(path, meta), *want, "{path}");
    }
}

#[test]
fn registered_once_in_all() {
    for d in declarations() {
        assert_eq!(
            crate::ALL.iter().filter(|x| x.name == d.name).count(),
            1,
            "{} in ALL",
            d.name
        );
        assert_eq!(d.kind, AnalyzerKind::Library);
    }
    let runs_in = |name| crate::find(name).map(|d| d.runs_in);
    assert_eq!(runs_in("os/dpkg"), Some(RunsIn::BOTH));
    assert_eq!(runs_in("node/package-lock"), Some(RunsIn::FS));
    assert_eq!(runs_in("node/package-json"), Some(RunsIn::IMAGES));
}

/// The table of the module docs says, per analyzer, what its declaration says about image and fs scans.
#[test]
fn module_docs_table_matches_the_declarations() {
    let mut documented = std::collections::BTreeMap::new();
    for line in include_str!("mod.rs").lines() {
        let Some(row) = line.strip_prefix("//! | `") else {
            continue;
        };
        let cells: Vec<&str> = row
            .trim_end_matches('|')
            .split('|')
            .map(str::trim)
            .collect();
        let [names, _files, image, fs] = cells[..] else {
            panic!("bad row {line}")
        };
        let runs = RunsIn {
            images: image == "✓",
            fs: fs == "✓",
        };
        for name in names.split(", ") {
            documented.insert(name.trim_matches('`').to_owned(), runs);
        }
    }
    let declared: std::collections::BTreeMap<String, RunsIn> = declarations()
        .map(|d| (d.name.to_owned(), d.runs_in))
        .collect();
    assert_eq!(documented, declared);
}

fn run(a: &dyn Analyzer, path: &str, content: &[u8]) -> Result<AnalysisOutput, AnalyzerError> {
    a.analyze(&AnalysisInput {
        path,
        content,
        meta: FILE,
        limits: Default::default(),
    })
}

#[test]
fn broken_files_name_file_and_line() {
    let cases: &[(&dyn Analyzer, &str, &[u8], &str)] = &[
        (&NODE_PACKAGE_LOCK, "app/package-lock.json", b"{\n  \"lockfileVersion\": 3,\n  \"packages\": {\n    \"node_modules/a\": {\"version\": 1\n", "line 4"),
        (&NODE_YARN_LOCK, "app/yarn.lock", b"# yarn lockfile v1\n\n\"a@^1\":\n  resolved \"x\"\n\nb@^2:\n  version \"2.0.0\"\n", "line 3"),
        (&NODE_PNPM_LOCK, "pnpm-lock.yaml", b"lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies: [\n", "line "),
        (&PYTHON_POETRY_LOCK, "poetry.lock", b"[[package]]\nname = \"a\"\nversion = 1.0.0\n", "line 3"),
        (&PYTHON_UV_LOCK, "uv.lock", b"version = 1\n\n[[package]]\nname = \n", "line 4"),
        (&RUST_CARGO_LOCK, "Cargo.lock", b"[[package]]\nname = \"a\"\n", "version"),
        (&GO_MOD, "go.mod", b"module x\n\ngo 1.21\n\nrequire (\n\ta v1.0.0\n\tb\n)\n", "line 7"),
        (&JAVA_POM, "pom.xml", b"<project>\n<dependencies>\n<dependency></groupId>\n", "line 3"),
        (&RUBY_GEMFILE_LOCK, "Gemfile.lock", b"GEM\n  remote: https://rubygems.org/\n  specs:\n    rake 13.0\n", "line 4"),
        (&PYTHON_DIST_INFO, "x.dist-info/METADATA", b"Metadata-Version: 2.1\nVersion: 1.0\n", "Name"),
        (&JAVA_ARCHIVE, "app/x.jar", b"PK\x03\x04 not really", "zip"),
    ];
    for (a, path, content, needle) in cases {
        let e = run(*a, path, content).expect_err(path);
        let msg = e.to_string();
        assert!(msg.contains(path) && msg.contains(a.name()), "{msg}");
        assert!(msg.contains(needle), "{path}: `{msg}` lacks `{needle}`");
    }
}

#[test]
fn packages_carry_the_file_path() {
    let out = run(
        &NODE_YARN_LOCK,
        "srv/app/yarn.lock",
        b"a@^1:\n  version \"1.0.1\"\n",
    )
    .expect("parses");
    assert_eq!(out.packages.len(), 1);
    assert_eq!(out.packages[0].file_path, "srv/app/yarn.lock");
    assert_eq!(out.packages[0].ecosystem, Some(trawl_types::Ecosystem::Npm));
}

#[test]
fn non_binaries_are_dropped_quickly() {
    for a in [&GO_BINARY, &RUST_AUDITABLE_BINARY] {
        let out = a.analyze(&AnalysisInput {
            path: "usr/bin/x",
            content: b"#!/bin/sh\necho hi\n",
            meta: EXEC,
            limits: Default::default(),
        });
        assert!(out.expect("a script is no error").packages.is_empty());
    }
}
