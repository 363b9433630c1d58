//! Kubernetes checks over real-shaped manifests: every KSV check fails in `insecure.yaml` at the right line,
//! none fails in `hardened.yaml`.

use std::collections::BTreeSet;
use trawl_misconfig::{checks, scan_file};
use trawl_types::Misconfiguration;

fn scan(name: &str) -> Vec<Misconfiguration> {
    let path = format!(
        "{}/tests/data/kubernetes/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let content = std::fs::read(&path).expect("fixture");
    scan_file(
        &format!("k8s/{name}"),
        &content,
        #[cfg(feature = "rego")]
        None,
    )
    .expect("scans")
}

#[test]
fn insecure_manifest_fails_every_check_at_its_line() {
    let found = scan("insecure.yaml");
    let got: BTreeSet<(String, usize)> = found
        .iter()
        .map(|m| (m.id.clone(), m.start_line.unwrap_or(0)))
        .collect();
    let want: BTreeSet<(String, usize)> = [
        ("TRAWL-KSV-004", 10),
        ("TRAWL-KSV-005", 11),
        ("TRAWL-KSV-006", 12),
        ("TRAWL-KSV-003", 17),
        ("TRAWL-KSV-001", 26),
        ("TRAWL-KSV-002", 27),
        ("TRAWL-KSV-008", 14),
        ("TRAWL-KSV-009", 29),
        ("TRAWL-KSV-010", 20),
        ("TRAWL-KSV-011", 20),
        ("TRAWL-KSV-012", 20),
        ("TRAWL-KSV-013", 20),
        ("TRAWL-KSV-014", 20),
        ("TRAWL-KSV-015", 20),
        ("TRAWL-KSV-016", 21),
        ("TRAWL-KSV-017", 24),
        // The CronJob's container.
        ("TRAWL-KSV-002", 42),
        ("TRAWL-KSV-007", 42),
        ("TRAWL-KSV-010", 42),
        ("TRAWL-KSV-011", 42),
        ("TRAWL-KSV-012", 42),
        ("TRAWL-KSV-013", 42),
        ("TRAWL-KSV-014", 42),
        ("TRAWL-KSV-015", 42),
        ("TRAWL-KSV-016", 43),
    ]
    .into_iter()
    .map(|(id, l)| (id.to_owned(), l))
    .collect();
    assert_eq!(got, want);
    let all: BTreeSet<&str> = checks::ALL
        .iter()
        .filter(|c| c.file_type == "kubernetes")
        .map(|c| c.id)
        .collect();
    let hit: BTreeSet<&str> = found.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(hit, all, "every KSV check has a failing case");
    let sys_admin = found
        .iter()
        .find(|m| m.id == "TRAWL-KSV-009")
        .expect("KSV-009");
    assert_eq!(
        sys_admin.message,
        "Deployment `api`: container `web` adds SYS_ADMIN"
    );
    assert!(found.iter().all(|m| m.file_type == "kubernetes"
        && m.path == "k8s/insecure.yaml"
        && m.status == "FAIL"));
}

#[test]
fn hardened_manifest_passes() {
    assert_eq!(scan("hardened.yaml"), vec![]);
}

#[test]
fn broken_yaml_is_an_error_with_the_file() {
    let err = scan_file(
        "k8s/broken.yaml",
        b"apiVersion: v1\nkind: Pod\nmetadata: [unclosed\n",
        #[cfg(feature = "rego")]
        None,
    )
    .expect_err("invalid YAML");
    let msg = err.to_string();
    assert!(
        msg.starts_with("k8s/broken.yaml: ") && msg.contains("line"),
        "{msg}"
    );
}

#[test]
fn non_kubernetes_yaml_is_ignored() {
    let found = scan_file(
        "ci/.gitlab-ci.yml",
        b"stages: [build]\nbuild:\n  image: docker:latest\n  script: [make]\n",
        #[cfg(feature = "rego")]
        None,
    )
    .expect("scans");
    assert!(found.is_empty());
}
