//! Custom Rego policies: one flags a Dockerfile, one a Kubernetes manifest; a broken policy is a clear error
//! with its file and line.
#![cfg(feature = "rego")]

use std::path::PathBuf;
use trawl_misconfig::{Policies, scan_file, scan_path};
use trawl_types::Severity;

fn data(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(p)
}

fn policies() -> Policies {
    Policies::load(&data("rego/policies")).expect("policies load")
}

#[test]
fn loads_packages() {
    let p = policies();
    let pk: Vec<&str> = p.packages().collect();
    assert_eq!(
        pk,
        [
            "data.user.dockerfile.no_apk_upgrade",
            "data.user.kubernetes.team_label"
        ]
    );
}

#[test]
fn policy_flags_a_dockerfile() {
    let text =
        "FROM alpine:3.20.3\nRUN apk update \\\n && apk upgrade\nUSER app\nHEALTHCHECK CMD true\n";
    let p = policies();
    let found = scan_file("Dockerfile", text.as_bytes(), Some(&p)).expect("scans");
    let custom: Vec<_> = found.iter().filter(|m| m.id == "ACME-DS-001").collect();
    assert_eq!(custom.len(), 1, "{found:#?}");
    let m = custom[0];
    assert_eq!(
        (m.severity, m.start_line, m.end_line),
        (Severity::High, Some(2), Some(3))
    );
    assert_eq!(m.message, "RUN at line 2 upgrades every package");
    assert_eq!(
        (m.title.as_str(), m.file_type.as_str(), m.status.as_str()),
        ("apk upgrade in a RUN", "dockerfile", "FAIL")
    );
    assert_eq!(
        m.resolution,
        "Pin the base image instead of upgrading in the build"
    );
    // Built-in checks still run beside the policies, and a clean file passes the policy.
    let clean = scan_file(
        "Dockerfile",
        b"FROM alpine:3.20.3\nUSER app\nHEALTHCHECK CMD true\n",
        Some(&p),
    )
    .expect("scans");
    assert_eq!(clean, vec![]);
}

#[test]
fn policy_flags_a_kubernetes_manifest() {
    let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  labels: {app: api}\nspec: {}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: owned\n  labels: {team: payments}\nspec: {}\n";
    let found = scan_file("deploy.yaml", text.as_bytes(), Some(&policies())).expect("scans");
    let custom: Vec<_> = found
        .iter()
        .filter(|m| m.id == "user.kubernetes.team_label")
        .collect();
    assert_eq!(custom.len(), 1, "{found:#?}");
    let m = custom[0];
    assert_eq!(m.message, "Deployment api has no `team` label");
    assert_eq!(
        (m.severity, m.start_line, m.end_line),
        (Severity::Medium, Some(1), Some(6))
    );
    assert_eq!(m.file_type, "kubernetes");
}

#[test]
fn broken_policy_names_file_and_line() {
    let err = Policies::load(&data("rego/broken"))
        .expect_err("syntax error")
        .to_string();
    assert!(err.contains("broken.rego"), "{err}");
    // The expression is missing at the end of line 5: the parser reports where it noticed, 6:1.
    assert!(
        err.contains("broken.rego:6:1") && err.contains("expecting expression"),
        "{err}"
    );
}

#[test]
fn scan_path_with_policies() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::create_dir_all(dir.path().join("deploy")).expect("mkdir");
    std::fs::create_dir_all(dir.path().join("node_modules/x")).expect("mkdir");
    std::fs::write(
        dir.path().join("Dockerfile"),
        "FROM alpine:3.20.3\nRUN apk upgrade\nUSER app\nHEALTHCHECK CMD true\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("deploy/app.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec: {}\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("deploy/bad.yaml"),
        "apiVersion: v1\nkind: [\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("node_modules/x/Dockerfile"),
        "FROM ubuntu\n",
    )
    .expect("write");
    let out = scan_path(dir.path(), Some(&policies())).expect("scans");
    let files: Vec<&str> = out.files.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(files, ["Dockerfile", "deploy/app.yaml"]);
    assert_eq!(out.errors.len(), 1);
    assert!(
        out.errors[0].to_string().starts_with("deploy/bad.yaml: "),
        "{}",
        out.errors[0]
    );
    let ids: Vec<&str> = out
        .misconfigurations
        .iter()
        .map(|m| m.id.as_str())
        .collect();
    assert_eq!(ids, ["ACME-DS-001", "user.kubernetes.team_label"]);
}

#[test]
fn policies_are_shareable_between_threads() {
    fn sync<T: Send + Sync>() {}
    sync::<Policies>();
}
