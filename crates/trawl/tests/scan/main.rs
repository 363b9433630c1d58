//! End-to-end scans of the real images in ../shared/data against real advisory feeds (issue #5).

mod alpine;
mod debian;
mod formats;
mod output;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
pub(crate) use trawl_test::cli::ok;

/// The trawl binary, isolated from the machine running the tests.
pub(crate) fn trawl() -> Command {
    trawl_test::cli::trawl(env!("CARGO_BIN_EXE_trawl"))
}

/// Runs trawl, panicking with its stderr when it fails to start.
pub(crate) fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("trawl runs")
}

/// Builds an advisory DB from feeds (`KIND=PATH` strings) into `dir/name`.
pub(crate) fn build_db(dir: &Path, name: &str, sources: &[String]) -> PathBuf {
    let db = dir.join(name);
    let mut cmd = trawl();
    cmd.args(["db", "build", "-o"]).arg(&db);
    for s in sources {
        cmd.arg("--source").arg(s);
    }
    ok(&mut cmd);
    db
}

/// Scans an image archive into a native JSON report.
pub(crate) fn scan_json(
    input: &Path,
    db: &Path,
    cache: &Path,
    extra: &[&str],
) -> serde_json::Value {
    let out = ok(trawl()
        .args(["image", "--input"])
        .arg(input)
        .arg("--db")
        .arg(db)
        .arg("--cache-dir")
        .arg(cache)
        .args(["--scanners", "vuln", "--format", "json"])
        .args(extra));
    serde_json::from_slice(&out.stdout).expect("native JSON report")
}

/// `(package, id, fixed version or "")` of every reported vulnerability.
pub(crate) fn findings(report: &serde_json::Value) -> Vec<(String, String, String)> {
    let mut v: Vec<(String, String, String)> = report["results"]
        .as_array()
        .expect("results")
        .iter()
        .flat_map(|r| r["vulnerabilities"].as_array().cloned().unwrap_or_default())
        .map(|f| {
            (
                f["pkg_name"].as_str().unwrap_or_default().to_owned(),
                f["id"].as_str().unwrap_or_default().to_owned(),
                f["fixed_version"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    v.sort();
    v
}

pub(crate) fn support(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/support")
        .join(file)
}
