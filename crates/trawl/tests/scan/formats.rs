//! Several formats in one real scan carry identical findings, and each validates with its official validator.

use crate::{build_db, ok, trawl};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

fn read_json(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).expect("report written")).expect("valid JSON")
}

fn validator_ok(cmd: &mut Command, what: &str) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run validator: {e}"));
    assert!(
        out.status.success(),
        "{what} rejected:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn one_run_many_formats_identical_findings_all_valid() {
    let data = trawl_test::require_shared_data!();
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    let tracker = data.join("advisories/debian/cve-list-excerpt");
    let db = build_db(
        d,
        "debian.db",
        &[format!("debian-tracker={}", tracker.display())],
    );
    let out = ok(trawl()
        .current_dir(d)
        .args(["image", "--input"])
        .arg(data.join("images/debian-bookworm-slim.tar.gz"))
        .arg("--db")
        .arg(&db)
        .arg("--cache-dir")
        .arg(d.join("cache"))
        .args(["--scanners", "vuln", "--format", "table"])
        .args([
            "--format",
            "json=native.json",
            "--format",
            "trivy-json=trivy.json",
        ])
        .args([
            "--format",
            "sarif=out.sarif",
            "--format",
            "cyclonedx=bom.json",
        ])
        .args([
            "--format",
            "spdx-json=spdx.json",
            "--format",
            "markdown=summary.md",
        ]));
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("CVE-2005-2541"), "table on stdout: {table}");

    // The same (package, vulnerability) pairs in every format.
    let native = read_json(&d.join("native.json"));
    let want: BTreeSet<(String, String)> = native["results"]
        .as_array()
        .expect("results")
        .iter()
        .flat_map(|r| r["vulnerabilities"].as_array().cloned().unwrap_or_default())
        .map(|v| {
            (
                v["pkg_name"].as_str().expect("pkg").to_owned(),
                v["id"].as_str().expect("id").to_owned(),
            )
        })
        .collect();
    assert!(want.len() >= 6, "{want:?}");

    let trivy = read_json(&d.join("trivy.json"));
    assert_eq!(trivy["SchemaVersion"], 2);
    let got: BTreeSet<(String, String)> = trivy["Results"]
        .as_array()
        .expect("Results")
        .iter()
        .flat_map(|r| r["Vulnerabilities"].as_array().cloned().unwrap_or_default())
        .map(|v| {
            (
                v["PkgName"].as_str().expect("PkgName").to_owned(),
                v["VulnerabilityID"].as_str().expect("id").to_owned(),
            )
        })
        .collect();
    assert_eq!(got, want, "trivy-json");

    let ids: BTreeSet<String> = want.iter().map(|(_, id)| id.clone()).collect();
    let sarif = read_json(&d.join("out.sarif"));
    let rules: BTreeSet<String> = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .map(|r| r["id"].as_str().expect("rule id").to_owned())
        .collect();
    assert_eq!(rules, ids, "sarif rules");
    let results = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .len();
    assert_eq!(results, want.len(), "one SARIF result per finding");

    let bom = read_json(&d.join("bom.json"));
    let bom_ids: BTreeSet<String> = bom["vulnerabilities"]
        .as_array()
        .expect("vulnerabilities")
        .iter()
        .map(|v| v["id"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(bom_ids, ids, "cyclonedx vulnerabilities");

    let md = std::fs::read_to_string(d.join("summary.md")).expect("markdown");
    for id in &ids {
        assert!(md.contains(id.as_str()), "markdown lacks {id}");
    }

    // Official validators.
    validator_ok(
        Command::new("check-jsonschema")
            .arg("--schemafile")
            .arg(trawl_test::repo_root().join("schemas/trawl-report.schema.json"))
            .arg(d.join("native.json")),
        "native JSON schema",
    );
    validator_ok(
        Command::new("check-jsonschema")
            .arg("--schemafile")
            .arg(
                trawl_test::repo_root()
                    .join("crates/trawl-report/tests/data/sarif-schema-2.1.0.json"),
            )
            .arg(d.join("out.sarif")),
        "SARIF 2.1.0 schema",
    );
    validator_ok(
        Command::new("python3").arg("-c").arg(
            "import sys\nfrom cyclonedx.validation.json import JsonStrictValidator\nfrom cyclonedx.schema import SchemaVersion\n\
             e = JsonStrictValidator(SchemaVersion.V1_6).validate_str(open(sys.argv[1]).read())\n\
             sys.exit(str(e) if e else 0)",
        )
        .arg(d.join("bom.json")),
        "CycloneDX 1.6",
    );
    validator_ok(
        Command::new("pyspdxtools")
            .arg("-i")
            .arg(d.join("spdx.json")),
        "SPDX 2.3",
    );
}

/// Issue #15: binaries skipped by the secret scanner are expected, not a warning on every image scan; the count
/// stays in the JSON report (and in `--debug` logs).
#[test]
fn skipped_binaries_are_counted_not_warned() {
    let data = trawl_test::require_shared_data!();
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = ok(trawl()
        .current_dir(tmp.path())
        .args(["image", "--input"])
        .arg(data.join("images/debian-bookworm-slim.tar.gz"))
        .args(["--no-cache", "--scanners", "secret", "--format", "json"]));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("not scanned for secrets"), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let counted = report["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .filter_map(|w| w["message"].as_str())
        .any(|m| m.ends_with("file(s) not scanned for secrets: binary"));
    assert!(counted, "{}", report["warnings"]);
    let debug = ok(trawl()
        .current_dir(tmp.path())
        .env("TRAWL_LOG", "debug")
        .args(["image", "--input"])
        .arg(data.join("images/debian-bookworm-slim.tar.gz"))
        .args(["--no-cache", "--scanners", "secret", "--format", "json"]));
    assert!(String::from_utf8_lossy(&debug.stderr).contains("not scanned for secrets: binary"));
}

/// Issue #15: Syft's CycloneDX and SPDX of the real Debian image give, through `trawl sbom`, the OS findings of
/// `trawl image` (the source package comes from the purls' `upstream` qualifier, the release from the OS
/// component or the `distro` qualifier).
#[test]
fn sbom_of_syft_gives_the_image_os_findings() {
    let data = trawl_test::require_shared_data!();
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    let image = data.join("images/debian-bookworm-slim.tar.gz");
    let plain = d.join("plain.tar");
    std::fs::write(&plain, trawl_test::image::gunzip_file(&image)).expect("write");
    let syft = Command::new("syft")
        .env("SYFT_CHECK_FOR_APP_UPDATE", "false")
        .arg("-q")
        .arg(format!("docker-archive:{}", plain.display()))
        .arg("-o")
        .arg(format!(
            "cyclonedx-json={}",
            d.join("syft.cdx.json").display()
        ))
        .arg("-o")
        .arg(format!("spdx-json={}", d.join("syft.spdx.json").display()))
        .output()
        .expect("syft is installed (.ci/setup.d/00-base.sh)");
    assert!(
        syft.status.success(),
        "{}",
        String::from_utf8_lossy(&syft.stderr)
    );
    let tracker = data.join("advisories/debian/cve-list-excerpt");
    let db = build_db(
        d,
        "debian.db",
        &[format!("debian-tracker={}", tracker.display())],
    );
    let want = crate::findings(&crate::scan_json(&image, &db, &d.join("cache"), &[]));
    assert!(want.len() >= 6, "{want:?}");
    for sbom in ["syft.cdx.json", "syft.spdx.json"] {
        let out = ok(trawl()
            .arg("sbom")
            .arg(d.join(sbom))
            .arg("--db")
            .arg(&db)
            .args(["--format", "json"]));
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        assert_eq!(report["artifact"]["os"]["family"], "debian", "{sbom}");
        assert_eq!(crate::findings(&report), want, "{sbom}");
    }
}
