//! An image built from real layers — the Debian base from ../shared/data, real wheels installed with
//! `pip install --target`, real packages from `npm install`, a real Go binary (esbuild's), real Debian jars and a
//! war made with the `jar` tool (all built by crates/trawl-lockfile/scripts/make-fixtures.sh) — analysed by the
//! pipeline with the image analyzers, against Syft (`syft docker-archive:... -o json`) as the oracle.

use crate::pipeline::{AnalyzeOptions, analyze};
use crate::{ALL, AnalyzerKind, Config};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use trawl_test::image::{Blob, LayerTar, TestImage, TestLayer, first_layer_of_docker_archive};
use trawl_types::{Ecosystem, Package};

type Key = (String, String, String); // (type, name, version)

/// Real gemspecs written by RubyGems for Debian's ruby (installed by .ci/setup.d/00-base.sh).
const GEMSPECS: &str = "/usr/lib/ruby/gems/3.1.0/specifications/default";

fn fixtures() -> Option<PathBuf> {
    let p = trawl_test::repo_root().join("target/lang-fixtures");
    if p.join("esbuild").is_dir() && p.join("pip-target").is_dir() {
        return Some(p);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{} missing: run .ci/setup.d/60-lang.sh",
        p.display()
    );
    #[expect(clippy::print_stderr, reason = "test skip notice")]
    {
        eprintln!(
            "skipping: {} not built (run crates/trawl-lockfile/scripts/make-fixtures.sh)",
            p.display()
        );
    }
    None
}

/// Adds the tree at `src` under `dest` (files with their modes, symlinks as symlinks).
fn add_tree(mut tar: LayerTar, src: &Path, dest: &str) -> LayerTar {
    let mut stack = vec![(src.to_path_buf(), dest.to_owned())];
    while let Some((dir, to)) = stack.pop() {
        tar = tar.dir(&to);
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .expect("readable")
            .flatten()
            .collect();
        entries.sort_by_key(std::fs::DirEntry::file_name);
        for e in entries {
            let name = e.file_name().to_string_lossy().into_owned();
            let path = e.path();
            let target = format!("{to}/{name}");
            let ft = e.file_type().expect("file type");
            if ft.is_symlink() {
                let link = std::fs::read_link(&path).expect("link");
                tar = tar.symlink(&target, &link.to_string_lossy());
            } else if ft.is_dir() {
                stack.push((path, target));
            } else {
                use std::os::unix::fs::PermissionsExt;
                let mode = e.metadata().expect("meta").permissions().mode() & 0o7777;
                tar = tar.file_mode(&target, &std::fs::read(&path).expect("read"), mode);
            }
        }
    }
    tar
}

fn build_image(shared: &Path, fx: &Path, out: &Path) {
    let base = first_layer_of_docker_archive(&shared.join("images/debian-bookworm-slim.tar.gz"));
    let py = add_tree(
        LayerTar::new(),
        &fx.join("pip-target"),
        "usr/local/lib/python3.11/site-packages",
    )
    .build();
    let node = add_tree(
        LayerTar::new(),
        &fx.join("npm-v3/node_modules"),
        "app/node_modules",
    )
    .build();
    let esbuild = std::fs::read(fx.join("esbuild/node_modules/@esbuild/linux-x64/bin/esbuild"))
        .expect("esbuild");
    let mut go =
        LayerTar::new()
            .dir("usr/local/bin")
            .file_mode("usr/local/bin/esbuild", &esbuild, 0o755);
    if let Ok(app) = std::fs::read(fx.join("auditable/fixture-app")) {
        go = go.file_mode("usr/local/bin/fixture-app", &app, 0o755);
    }
    let go = go.build();
    let mut gems = LayerTar::new().dir("usr/lib/ruby/gems/3.1.0/specifications");
    let gem_dir = Path::new(GEMSPECS);
    if let Ok(rd) = std::fs::read_dir(gem_dir) {
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.ends_with(".gemspec") {
                gems = gems.file(
                    &format!("usr/lib/ruby/gems/3.1.0/specifications/{name}"),
                    &std::fs::read(e.path()).expect("gemspec"),
                );
            }
        }
    }
    let java = LayerTar::new()
        .dir("opt/java")
        .file(
            "opt/java/commons-io-2.11.0.jar",
            &std::fs::read(fx.join("java/commons-io-2.11.0.jar")).expect("jar"),
        )
        .file(
            "opt/java/guava.jar",
            &std::fs::read(fx.join("java/guava.jar")).expect("jar"),
        )
        .file(
            "opt/java/app.war",
            &std::fs::read(fx.join("java/app.war")).expect("war"),
        )
        .file(
            "app/Cargo.lock",
            &std::fs::read(fx.join("cargo/Cargo.lock")).expect("Cargo.lock"),
        )
        .build();
    TestImage::new("lang-fixture:1")
        .layer(TestLayer::new(base, Blob::Gzip, "debian base"))
        .layer(TestLayer::new(py, Blob::Gzip, "pip install --target"))
        .layer(TestLayer::new(node, Blob::Gzip, "npm install"))
        .layer(TestLayer::new(go, Blob::Gzip, "COPY esbuild"))
        .layer(TestLayer::new(java, Blob::Gzip, "COPY jars"))
        .layer(TestLayer::new(gems.build(), Blob::Gzip, "COPY gemspecs"))
        .write_docker_archive(out, false);
}

/// Our key for a package: Maven by `group:artifact`, PyPI by PEP 503 name, Go versions without `v`.
fn our_key(p: &Package) -> Option<Key> {
    let eco = p.ecosystem?;
    let ty = match eco {
        Ecosystem::Npm => "npm",
        Ecosystem::PyPI => "python",
        Ecosystem::Go => "go",
        Ecosystem::Maven => "java",
        Ecosystem::RubyGems => "gem",
        // Syft reads Cargo.lock only in directory scans, trawl (like Trivy) in images too: only the crates of the
        // cargo-auditable binary are compared
        Ecosystem::Cargo if p.file_path.ends_with("bin/fixture-app") => "rust",
        _ => return None,
    };
    Some((
        ty.to_owned(),
        eco.normalize_name(&p.name),
        p.version.clone(),
    ))
}

/// Syft's packages of the same types, keyed the same way (Maven group from the purl; Syft writes the Go
/// toolchain as `stdlib` `go1.20.7` and module versions with `v`).
fn syft_keys(archive: &Path) -> BTreeSet<Key> {
    let out = std::process::Command::new("syft")
        .arg(format!("docker-archive:{}", archive.display()))
        .args(["-o", "json", "-q"])
        .env("SYFT_CHECK_FOR_APP_UPDATE", "false")
        .output()
        .expect("syft runs (installed by .ci/setup.d/00-base.sh)");
    assert!(
        out.status.success(),
        "syft failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("syft JSON");
    let mut keys = BTreeSet::new();
    for a in doc["artifacts"].as_array().expect("artifacts") {
        let ty = a["type"].as_str().unwrap_or_default();
        let name = a["name"].as_str().unwrap_or_default();
        let version = a["version"].as_str().unwrap_or_default();
        let purl = a["purl"].as_str().unwrap_or_default();
        if version == "UNKNOWN" {
            // Syft's placeholder for an archive that names no version (the war itself): trawl reports no package
            continue;
        }
        let key = match ty {
            "npm" => ("npm", name.to_owned(), version.to_owned()),
            "python" => (
                "python",
                Ecosystem::PyPI.normalize_name(name),
                version.to_owned(),
            ),
            "go-module" => {
                let v = if name == "stdlib" {
                    version.trim_start_matches("go")
                } else {
                    version.trim_start_matches('v')
                };
                ("go", name.to_owned(), v.to_owned())
            }
            "gem" => ("gem", name.to_owned(), version.to_owned()),
            "rust-crate" => ("rust", name.to_owned(), version.to_owned()),
            "java-archive" | "jenkins-plugin" => {
                // pkg:maven/group/artifact@version
                let coords = purl
                    .strip_prefix("pkg:maven/")
                    .and_then(|r| r.split(['@', '?']).next())
                    .unwrap_or(name);
                ("java", coords.replacen('/', ":", 1), version.to_owned())
            }
            _ => continue,
        };
        keys.insert((key.0.to_owned(), key.1, key.2));
    }
    keys
}

#[test]
fn image_language_packages_match_syft() {
    let shared = trawl_test::require_shared_data!();
    let Some(fx) = fixtures() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let archive = dir.path().join("lang.tar");
    build_image(&shared, &fx, &archive);

    let image = trawl_source::open(&trawl_source::SourceSpec::DockerArchive(archive.clone()))
        .expect("opens");
    let analyzers = ALL
        .iter()
        .filter(|d| d.runs_in.images)
        .filter(|d| matches!(d.kind, AnalyzerKind::Library | AnalyzerKind::OsPackages))
        .map(|d| d.analyzer(&Config::default()))
        .collect();
    let analyzed = analyze(
        &image,
        &AnalyzeOptions {
            analyzers,
            cache: None,
            parallel: 2,
            ..Default::default()
        },
    )
    .expect("analyses");
    let inv = &analyzed.inventory;
    assert!(inv.warnings.is_empty(), "{:?}", inv.warnings);
    let ours: BTreeSet<Key> = inv.packages.iter().filter_map(our_key).collect();

    // every type is present with real content
    let crates = inv
        .packages
        .iter()
        .filter(|p| p.ecosystem == Some(Ecosystem::Cargo))
        .count();
    assert!(
        crates >= 7,
        "Cargo.lock in the image: every registry crate ({crates})"
    );
    for (ty, min) in [
        ("npm", 50),
        ("python", 9),
        ("go", 3),
        ("java", 4),
        ("gem", 20),
    ] {
        let n = ours.iter().filter(|k| k.0 == ty).count();
        assert!(n >= min, "{ty}: {n} packages");
    }
    let syft = syft_keys(&archive);
    let only_ours: Vec<_> = ours.difference(&syft).collect();
    let only_syft: Vec<_> = syft.difference(&ours).collect();
    assert!(
        only_ours.is_empty() && only_syft.is_empty(),
        "only trawl: {only_ours:#?}\nonly syft: {only_syft:#?}"
    );

    // locations: file path and layer on every language package
    for p in inv
        .packages
        .iter()
        .filter(|p| !p.ecosystem.is_some_and(Ecosystem::is_os))
    {
        assert!(!p.file_path.is_empty(), "{p:?}");
        let layer = p.layer.as_ref().expect("layer attributed");
        let want = match p.ecosystem {
            Some(Ecosystem::PyPI) => 1,
            Some(Ecosystem::Npm) => 2,
            Some(Ecosystem::Go) => 3,
            Some(Ecosystem::Cargo) if p.file_path.ends_with("bin/fixture-app") => 3,
            Some(Ecosystem::RubyGems) => 5,
            _ => 4,
        };
        assert_eq!(layer.index, want, "{p:?}");
    }
}
