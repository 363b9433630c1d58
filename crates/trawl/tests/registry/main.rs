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
pub(crate) use trawl_test::cli::ok;

/// The trawl binary, isolated from the machine running the tests.
pub(crate) fn trawl() -> Command {
    trawl_test::cli::trawl(env!("CARGO_BIN_EXE_trawl"))
}

pub(crate) fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("trawl runs")
}

/// An advisory DB from the Alpine secdb and the Debian tracker excerpt.
pub(crate) fn build_db(data: &Path, dir: &Path) -> PathBuf {
    trawl_test::cli::db_build(
        env!("CARGO_BIN_EXE_trawl"),
        &dir.join("advisories.db"),
        &[
            ("alpine-secdb", data.join("advisories/alpine/alpine-secdb")),
            (
                "debian-tracker",
                data.join("advisories/debian/cve-list-excerpt"),
            ),
        ],
    )
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
