//! `trawl config PATH` end to end: built-in checks and a custom Rego policy over a directory, through the
//! policy (severity, ignore file) and the report formats; a broken policy fails with its file and line.

use std::path::Path;
use std::process::{Command, Output};

/// The trawl binary, isolated from the machine running the tests.
fn trawl() -> Command {
    trawl_test::cli::trawl(env!("CARGO_BIN_EXE_trawl"))
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("trawl runs")
}

fn project(dir: &Path) {
    std::fs::create_dir_all(dir.join("deploy")).expect("mkdir");
    std::fs::write(
        dir.join("Dockerfile"),
        "FROM python:3.12-slim\nRUN pip install flask \\\n && apt-get update && apt-get upgrade -y\nEXPOSE 22\nCMD [\"flask\", \"run\"]\n",
    )
    .expect("write");
    std::fs::write(
        dir.join("deploy/api.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      hostPID: true\n      containers:\n        - name: api\n          image: acme/api\n",
    )
    .expect("write");
    std::fs::create_dir_all(dir.join("policies")).expect("mkdir");
    std::fs::write(
        dir.join("policies/no_upgrade.rego"),
        "package user.dockerfile.no_upgrade\n\ndeny contains res if {\n\tsome ins in input.instructions\n\tins.cmd == \"RUN\"\n\tregex.match(`apt-get (dist-)?upgrade`, ins.value)\n\tres := {\"id\": \"ACME-001\", \"severity\": \"CRITICAL\", \"title\": \"No upgrade in builds\", \"msg\": \"apt-get upgrade in a RUN\", \"start_line\": ins.start_line}\n}\n",
    )
    .expect("write");
    std::fs::write(
        dir.join("policies/owner.rego"),
        "package user.kubernetes.owner\n\ndeny contains msg if {\n\tinput.kind == \"Deployment\"\n\tnot input.metadata.annotations.owner\n\tmsg := sprintf(\"%s has no owner annotation\", [input.metadata.name])\n}\n",
    )
    .expect("write");
}

fn ids(report: &serde_json::Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = report["results"]
        .as_array()
        .expect("results")
        .iter()
        .flat_map(|r| {
            r["misconfigurations"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .map(|m| {
            (
                m["path"].as_str().unwrap_or_default().to_owned(),
                m["id"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    v.sort();
    v.dedup();
    v
}

#[test]
fn config_scan_with_policy_severity_and_ignore_file() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("proj");
    project(&dir);
    let out = run(trawl()
        .current_dir(tmp.path())
        .arg("config")
        .arg(&dir)
        .arg("--config-policy")
        .arg(dir.join("policies"))
        .args([
            "--severity",
            "HIGH,CRITICAL",
            "--format",
            "json",
            "--exit-code",
            "3",
        ]));
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json report");
    assert_eq!(report["scanners"], serde_json::json!(["misconfig"]));
    assert_eq!(
        ids(&report),
        [
            ("Dockerfile".to_owned(), "ACME-001".to_owned()),
            ("Dockerfile".to_owned(), "TRAWL-DS-001".to_owned()),
            ("deploy/api.yaml".to_owned(), "TRAWL-KSV-005".to_owned()),
        ]
    );
    let custom = report["results"]
        .as_array()
        .expect("results")
        .iter()
        .flat_map(|r| {
            r["misconfigurations"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .find(|m| m["id"] == "ACME-001")
        .expect("custom finding");
    assert_eq!(
        (custom["severity"].as_str(), custom["start_line"].as_u64()),
        (Some("CRITICAL"), Some(2))
    );

    // An ignore file silences one check for one path; the rest stays.
    std::fs::write(tmp.path().join("ignore.yaml"), "misconfigurations:\n  - id: TRAWL-KSV-005\n    paths: [\"deploy/*\"]\n    statement: accepted for the node agent\n").expect("write");
    let out = run(trawl()
        .current_dir(tmp.path())
        .arg("config")
        .arg(&dir)
        .arg("--config-policy")
        .arg(dir.join("policies"))
        .arg("--ignorefile")
        .arg(tmp.path().join("ignore.yaml"))
        .args(["--severity", "HIGH,CRITICAL", "--format", "json"]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json report");
    let got = ids(&report);
    assert!(!got.iter().any(|(_, id)| id == "TRAWL-KSV-005"), "{got:?}");
    assert!(got.iter().any(|(_, id)| id == "ACME-001"), "{got:?}");
    // --show-suppressed keeps it, with the reason.
    let out = run(trawl()
        .current_dir(tmp.path())
        .arg("config")
        .arg(&dir)
        .arg("--ignorefile")
        .arg(tmp.path().join("ignore.yaml"))
        .args([
            "--severity",
            "HIGH,CRITICAL",
            "--format",
            "json",
            "--show-suppressed",
        ]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json report");
    let sup: Vec<serde_json::Value> = report["results"]
        .as_array()
        .expect("results")
        .iter()
        .flat_map(|r| {
            r["suppressed_misconfigurations"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(sup.len(), 1, "{report:#}");
    assert_eq!(sup[0]["id"], "TRAWL-KSV-005");
    assert!(
        sup[0]["suppressed"]["statement"]
            .as_str()
            .is_some_and(|s| s.contains("node agent")),
        "{sup:?}"
    );
}

#[test]
fn config_scan_renders_sarif_trivy_and_markdown() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("proj");
    project(&dir);
    let sarif = tmp.path().join("r.sarif");
    let trivy = tmp.path().join("r.trivy.json");
    let md = tmp.path().join("r.md");
    let out = run(trawl()
        .current_dir(tmp.path())
        .arg("config")
        .arg(&dir)
        .arg("--format")
        .arg(format!("sarif={}", sarif.display()))
        .arg("--format")
        .arg(format!("trivy-json={}", trivy.display()))
        .arg("--format")
        .arg(format!("markdown={}", md.display())));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).expect("sarif")).expect("json");
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    assert!(rules.iter().any(|r| r["id"] == "TRAWL-DS-017"), "{rules:?}");
    let trivy = std::fs::read_to_string(&trivy).expect("trivy");
    assert!(
        trivy.contains("\"Misconfigurations\"") && trivy.contains("TRAWL-KSV-005"),
        "{trivy}"
    );
    let md = std::fs::read_to_string(&md).expect("md");
    assert!(
        md.contains("TRAWL-DS-017") || md.to_lowercase().contains("misconfig"),
        "{md}"
    );
}

#[test]
fn broken_policy_fails_with_file_and_line() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("proj");
    project(&dir);
    std::fs::write(
        dir.join("policies/zz_broken.rego"),
        "package user.broken\n\ndeny contains msg if {\n\tmsg := \"x\"\n\tinput.kind ==\n}\n",
    )
    .expect("write");
    let out = run(trawl()
        .arg("config")
        .arg(&dir)
        .arg("--config-policy")
        .arg(dir.join("policies")));
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("zz_broken.rego:6:1") && stderr.contains("expecting expression"),
        "{stderr}"
    );
}

#[test]
fn missing_path_is_a_clear_error() {
    let out = run(trawl().args(["config", "/nonexistent/trawl-config-test"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("/nonexistent/trawl-config-test does not exist")
    );
}
