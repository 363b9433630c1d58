//! `trawl image REF`, `trawl registry scan` and many-image runs against a real registry (Debian's
//! `docker-registry` on 127.0.0.1, images pushed with skopeo from ../shared/data), with and without htpasswd auth
//! (issue #6).

mod apis;
mod auth;
mod batch;
mod ecr;
mod many;
mod single;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub(crate) fn trawl() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_trawl"));
    c.env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("TRAWL_USERNAME")
        .env_remove("TRAWL_PASSWORD")
        .env_remove("TRAWL_REGISTRY_TOKEN")
        .env_remove("DOCKER_HOST")
        .env("NO_COLOR", "1")
        .env("TRAWL_LOG", "warn")
        // No docker credentials of the machine running the tests.
        .env("DOCKER_CONFIG", "/nonexistent/trawl-test-docker-config");
    c
}

pub(crate) fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("trawl runs")
}

pub(crate) fn ok(cmd: &mut Command) -> Output {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "trawl failed ({:?}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// An advisory DB from the Alpine secdb and the Debian tracker excerpt.
pub(crate) fn build_db(data: &Path, dir: &Path) -> PathBuf {
    let db = dir.join("advisories.db");
    ok(trawl()
        .args(["db", "build", "-o"])
        .arg(&db)
        .arg("--source")
        .arg(format!(
            "alpine-secdb={}",
            data.join("advisories/alpine/alpine-secdb").display()
        ))
        .arg("--source")
        .arg(format!(
            "debian-tracker={}",
            data.join("advisories/debian/cve-list-excerpt").display()
        )));
    db
}

pub(crate) fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).expect("native JSON report on stdout")
}

/// Sorted `(package, id)` of every finding.
pub(crate) fn findings(report: &serde_json::Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = report["results"]
        .as_array()
        .expect("results")
        .iter()
        .flat_map(|r| r["vulnerabilities"].as_array().cloned().unwrap_or_default())
        .map(|f| {
            (
                f["pkg_name"].as_str().unwrap_or_default().to_owned(),
                f["id"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    v.sort();
    v
}

/// Sorted `(name, version)` of every package.
pub(crate) fn packages(report: &serde_json::Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = report["results"]
        .as_array()
        .expect("results")
        .iter()
        .flat_map(|r| r["packages"].as_array().cloned().unwrap_or_default())
        .map(|p| {
            (
                p["name"].as_str().unwrap_or_default().to_owned(),
                p["version"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    v.sort();
    v
}
