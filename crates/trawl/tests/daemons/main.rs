//! Images in real daemons and the promote-on-pass pipeline (issue #17), against Debian's Docker Engine and Podman,
//! each started by the test on a private socket and data root (`trawl_test::daemon`), with images loaded from
//! `../shared/data/images` or built with `docker build --network none`.
//!
//! - `trawl image NAME --image-src docker` / `--image-src podman` reports what `trawl image docker-archive:FILE`
//!   reports for the same image: OS, layers, packages, findings.
//! - The seed pipeline: `docker build`, push to a temporary repository of a local docker-registry, scan with the
//!   gate, copy to the release repository only when it passes (`docs/workflows/promote-on-pass.sh`, run as is).

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use trawl_test::cli::ok;

/// The trawl binary, isolated from the machine running the tests.
fn trawl() -> Command {
    trawl_test::cli::trawl(env!("CARGO_BIN_EXE_trawl"))
}

/// Alpine secdb, the Debian tracker excerpt and the committed GHSA records (lodash, minimist).
fn build_db(data: &Path, dir: &Path) -> PathBuf {
    trawl_test::cli::distro_and_ghsa_db(
        env!("CARGO_BIN_EXE_trawl"),
        data,
        &dir.join("advisories.db"),
    )
}

/// What must not depend on where an image was read from: image ID, OS, layer diff IDs, every package (name,
/// version, layer) and every finding (package, ID, severity, status, fixed version).
fn essence(report: &Value) -> Value {
    let artifact = &report["artifact"];
    let mut packages = Vec::new();
    let mut findings = Vec::new();
    for r in report["results"].as_array().expect("results") {
        for p in r["packages"].as_array().into_iter().flatten() {
            packages.push(format!(
                "{} {} {} {}",
                p["name"].as_str().unwrap_or_default(),
                p["version"].as_str().unwrap_or_default(),
                p["file_path"].as_str().unwrap_or_default(),
                p["layer"]["diff_id"].as_str().unwrap_or_default()
            ));
        }
        for f in r["vulnerabilities"].as_array().into_iter().flatten() {
            findings.push(format!(
                "{} {} {} {} {}",
                f["pkg_name"].as_str().unwrap_or_default(),
                f["id"].as_str().unwrap_or_default(),
                f["severity"].as_str().unwrap_or_default(),
                f["status"].as_str().unwrap_or_default(),
                f["fixed_version"].as_str().unwrap_or_default()
            ));
        }
    }
    packages.sort();
    findings.sort();
    let layers: Vec<&Value> = artifact["layers"]
        .as_array()
        .expect("layers")
        .iter()
        .map(|l| &l["diff_id"])
        .collect();
    serde_json::json!({
        "image_id": artifact["image_id"],
        "os": artifact["os"],
        "layers": layers,
        "packages": packages,
        "findings": findings,
    })
}

fn scan(db: &Path, cache: &Path, target: &str, extra: &[&str], env: &[(&str, &str)]) -> Value {
    let mut cmd = trawl();
    cmd.args([
        "image",
        target,
        "--format",
        "json",
        "--skip-db-update",
        "--db",
    ])
    .arg(db)
    .arg("--cache-dir")
    .arg(cache)
    .args(extra);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = ok(&mut cmd);
    serde_json::from_slice(&out.stdout).expect("native JSON report")
}

#[test]
fn docker_and_podman_images_report_as_their_archives() {
    let data = trawl_test::require_shared_data!();
    trawl_test::require_daemon_tools!();
    let dir = tempfile::tempdir().expect("tempdir");
    let db = build_db(&data, dir.path());
    let docker = trawl_test::daemon::TestDocker::start();
    let host = docker.host();
    let mut compared = 0;
    for rel in [
        "images/alpine-310.tar.gz",
        "images/debian-bookworm-slim.tar.gz",
    ] {
        let archive = data.join(rel);
        let names = docker.load(&archive);
        assert_eq!(names.len(), 1, "{names:?}");
        let from_archive = scan(
            &db,
            &dir.path().join("cache-archive"),
            &format!("docker-archive:{}", archive.display()),
            &[],
            &[],
        );
        // A separate layer cache: the daemon's layers are read, not served from the archive's cache entries.
        let from_daemon = scan(
            &db,
            &dir.path().join("cache-docker"),
            &names[0],
            &["--image-src", "docker"],
            &[("DOCKER_HOST", &host)],
        );
        assert_eq!(from_daemon["artifact"]["name"], names[0].as_str());
        assert_eq!(essence(&from_daemon), essence(&from_archive), "{rel}");
        assert!(
            !essence(&from_archive)["packages"]
                .as_array()
                .expect("packages")
                .is_empty(),
            "{rel}: no package at all"
        );
        compared += 1;
    }
    // Not in the daemon and no other source allowed: a clear error naming the daemon.
    let out = trawl()
        .args([
            "image",
            "nosuch/image:1",
            "--image-src",
            "docker",
            "--scanners",
            "none",
        ])
        .env("DOCKER_HOST", &host)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("docker") && err.contains("nosuch/image"),
        "{err}"
    );
    drop(docker);

    let podman = trawl_test::daemon::TestPodman::start();
    let archive = data.join("images/alpine-310.tar.gz");
    let names = podman.load(&archive);
    assert_eq!(names.len(), 1, "{names:?}");
    let from_archive = scan(
        &db,
        &dir.path().join("cache-archive"),
        &format!("docker-archive:{}", archive.display()),
        &[],
        &[],
    );
    // Podman names loaded images `localhost/alpine:3.10`; the short name resolves through its API as with the CLI.
    let from_podman = scan(
        &db,
        &dir.path().join("cache-podman"),
        "alpine:3.10",
        &["--image-src", "podman"],
        &[("CONTAINER_HOST", &podman.host())],
    );
    assert_eq!(essence(&from_podman), essence(&from_archive));
    compared += 1;
    assert_eq!(compared, 3);
}

/// An app image: alpine 3.10 plus an installed npm package of the given version.
fn app_context(dir: &Path, lodash: &str) -> PathBuf {
    let ctx = dir.join(format!("app-{lodash}"));
    let pkg = ctx.join("node_modules/lodash");
    std::fs::create_dir_all(&pkg).expect("mkdir");
    std::fs::write(
        pkg.join("package.json"),
        format!(r#"{{"name": "lodash", "version": "{lodash}", "license": "MIT"}}"#),
    )
    .expect("package.json");
    std::fs::write(
        ctx.join("Dockerfile"),
        "FROM alpine:3.10\nCOPY node_modules /app/node_modules\nRUN echo built > /app/BUILT\n",
    )
    .expect("Dockerfile");
    ctx
}

fn tags(registry: &trawl_test::registry::TestRegistry, repo: &str) -> Vec<String> {
    let out = Command::new("skopeo")
        .args(["list-tags", "--tls-verify=false"])
        .arg(format!("docker://{}", registry.reference(repo)))
        .output()
        .expect("skopeo list-tags");
    if !out.status.success() {
        // A repository nothing was pushed to does not exist yet.
        return Vec::new();
    }
    let v: Value = serde_json::from_slice(&out.stdout).expect("tags JSON");
    let mut tags: Vec<String> = v["Tags"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t.as_str().map(str::to_owned))
        .collect();
    tags.sort();
    tags
}

fn digest(registry: &trawl_test::registry::TestRegistry, reference: &str) -> String {
    let out = ok(Command::new("skopeo")
        .args(["inspect", "--tls-verify=false", "--format", "{{.Digest}}"])
        .arg(format!("docker://{}", registry.reference(reference))));
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn built_images_are_promoted_only_when_the_gate_passes() {
    let data = trawl_test::require_shared_data!();
    trawl_test::require_daemon_tools!();
    trawl_test::require_registry_tools!();
    let dir = tempfile::tempdir().expect("tempdir");
    let db = build_db(&data, dir.path());
    let registry = trawl_test::registry::TestRegistry::start();
    let docker = trawl_test::daemon::TestDocker::start();
    docker.load(&data.join("images/alpine-310.tar.gz"));
    let script = trawl_test::repo_root().join("docs/workflows/promote-on-pass.sh");

    // (candidate tag, lodash version, expected exit status of the recipe)
    let cases = [("good", "4.17.21", 0), ("bad", "4.17.11", 1)];
    for (tag, lodash, expected) in cases {
        let candidate = registry.reference(&format!("tmp/app:{tag}"));
        docker.build(&app_context(dir.path(), lodash), &candidate);
        docker.push(&candidate);
        let out = Command::new(&script)
            .arg(&candidate)
            .arg(registry.reference(&format!("release/app:{tag}")))
            .arg("--db")
            .arg(&db)
            .args(["--skip-db-update", "--cache-dir"])
            .arg(dir.path().join("cache"))
            .env("TRAWL", env!("CARGO_BIN_EXE_trawl"))
            .env(
                "SKOPEO_FLAGS",
                "--src-tls-verify=false --dest-tls-verify=false",
            )
            .env("NO_COLOR", "1")
            .env("DOCKER_CONFIG", "/nonexistent/trawl-test-docker-config")
            .env_remove("GITHUB_STEP_SUMMARY")
            .output()
            .expect("the recipe runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(expected),
            "{tag}:\n{stdout}\n{stderr}"
        );
        if expected == 1 {
            // The gate's reason is on the job log: the CRITICAL lodash finding with its fix.
            assert!(
                stdout.contains("CVE-2019-10744") && stdout.contains("4.17.12"),
                "{stdout}"
            );
            assert!(stderr.contains("not promoted"), "{stderr}");
        } else {
            assert!(stdout.contains("promoted"), "{stdout}");
        }
    }
    // Only the passing image reached the release repository, with the digest that was scanned.
    assert_eq!(tags(&registry, "release/app"), ["good"]);
    assert_eq!(tags(&registry, "tmp/app"), ["bad", "good"]);
    assert_eq!(
        digest(&registry, "release/app:good"),
        digest(&registry, "tmp/app:good")
    );

    // A scan that fails (here: no such candidate) promotes nothing and says so with exit 2.
    let out = Command::new(&script)
        .arg(registry.reference("tmp/app:missing"))
        .arg(registry.reference("release/app:missing"))
        .arg("--db")
        .arg(&db)
        .arg("--skip-db-update")
        .env("TRAWL", env!("CARGO_BIN_EXE_trawl"))
        .env(
            "SKOPEO_FLAGS",
            "--src-tls-verify=false --dest-tls-verify=false",
        )
        .env("DOCKER_CONFIG", "/nonexistent/trawl-test-docker-config")
        .output()
        .expect("the recipe runs");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(tags(&registry, "release/app"), ["good"]);
}
