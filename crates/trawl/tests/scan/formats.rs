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

    // SPDX: the vulnerable packages carry SECURITY advisory references.
    let spdx = read_json(&d.join("spdx.json"));
    let advisories = spdx["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .flat_map(|p| p["externalRefs"].as_array().cloned().unwrap_or_default())
        .filter(|r| r["referenceCategory"] == "SECURITY" && r["referenceType"] == "advisory")
        .count();
    assert!(
        advisories >= ids.len(),
        "{advisories} advisory refs for {ids:?}"
    );

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

/// Issue #15: an SBOM format with no `--scanners` is an inventory, as in Trivy: no DB anywhere (fresh HOME, empty
/// cache dir, no `TRAWL_DB`), none opened or fetched, and the documents validate. `--scanners vuln` adds the
/// vulnerabilities.
#[test]
fn sbom_formats_need_no_db_and_validate() {
    let data = trawl_test::require_shared_data!();
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    let home = d.join("home");
    let cache = d.join("cache");
    std::fs::create_dir_all(&home).expect("home");
    let image = data.join("images/debian-bookworm-slim.tar.gz");
    let fresh = |cmd: &mut Command| {
        cmd.current_dir(d)
            .env("HOME", &home)
            .env("TRAWL_CACHE_DIR", &cache)
            .env_remove("TRAWL_DB")
            .env_remove("XDG_CACHE_HOME")
            .env_remove("TRAWL_DB_REPOSITORY")
            .env_remove("TRAWL_SCANNERS");
    };
    let mut cmd = trawl();
    fresh(&mut cmd);
    ok(cmd
        .args(["image", "--input"])
        .arg(&image)
        .args(["--format", "cyclonedx=bom.json"])
        .args([
            "--format",
            "spdx-json=spdx.json",
            "--format",
            "spdx=bom.spdx",
        ]));
    assert!(
        !cache.join("db").exists() && !home.join(".cache/trawl/db").exists(),
        "an SBOM-only scan must not fetch or build a DB"
    );

    let bom = read_json(&d.join("bom.json"));
    let components = bom["components"].as_array().expect("components");
    let debs = components
        .iter()
        .filter(|c| {
            c["purl"]
                .as_str()
                .is_some_and(|p| p.starts_with("pkg:deb/debian/"))
        })
        .count();
    assert_eq!(debs, 88, "every dpkg package of the image is a component");
    assert!(
        bom.get("vulnerabilities").is_none(),
        "no vuln scanner: {bom}"
    );
    let spdx = read_json(&d.join("spdx.json"));
    let purls: BTreeSet<String> = spdx["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .flat_map(|p| p["externalRefs"].as_array().cloned().unwrap_or_default())
        .filter_map(|r| r["referenceLocator"].as_str().map(str::to_owned))
        .filter(|p| p.starts_with("pkg:deb/"))
        .collect();
    assert_eq!(purls.len(), 88);
    let tv = std::fs::read_to_string(d.join("bom.spdx")).expect("tag-value written");
    assert_eq!(
        tv.matches("\nPackageName: ").count(),
        spdx["packages"].as_array().map_or(0, Vec::len)
    );
    for p in &purls {
        assert!(
            tv.contains(&format!("ExternalRef: PACKAGE-MANAGER purl {p}\n")),
            "{p}"
        );
    }

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
        "SPDX 2.3 JSON",
    );
    validator_ok(
        Command::new("pyspdxtools")
            .arg("-i")
            .arg(d.join("bom.spdx")),
        "SPDX 2.3 tag-value",
    );

    // A table with the SBOM keeps the usual scanners: vuln needs a DB, and there is none.
    let mut cmd = trawl();
    fresh(&mut cmd);
    let out = crate::run(cmd.args(["image", "--input"]).arg(&image).args([
        "--skip-db-update",
        "--format",
        "cyclonedx=bom2.json",
        "--format",
        "table",
    ]));
    assert_eq!(
        out.status.code(),
        Some(2),
        "vuln scanner on: the DB is needed"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("no advisory DB"));

    // `--scanners vuln` adds the vulnerabilities to the SBOM.
    let tracker = data.join("advisories/debian/cve-list-excerpt");
    let db = build_db(
        d,
        "debian.db",
        &[format!("debian-tracker={}", tracker.display())],
    );
    let mut cmd = trawl();
    fresh(&mut cmd);
    ok(cmd
        .args(["image", "--input"])
        .arg(&image)
        .arg("--db")
        .arg(&db)
        .args(["--scanners", "vuln", "--format", "cyclonedx=vex.json"]));
    let bom = read_json(&d.join("vex.json"));
    let ids: BTreeSet<&str> = bom["vulnerabilities"]
        .as_array()
        .expect("vulnerabilities with --scanners vuln")
        .iter()
        .filter_map(|v| v["id"].as_str())
        .collect();
    assert!(ids.contains("CVE-2005-2541"), "{ids:?}");
}

/// Issue #15: binaries skipped by the secret scanner are expected, not a warning on every image scan; the count
/// stays in the JSON report (and in `--debug` logs).
#[test]
fn skipped_binaries_are_counted_not_warned() {
    let data = trawl_test::require_shared_data!();
    let tmp = tempfile::tempdir().expect("tempdir");
    let image = data.join("images/debian-bookworm-slim.tar.gz");
    let out = ok(trawl()
        .current_dir(tmp.path())
        .args(["image", "--input"])
        .arg(&image)
        .args(["--no-cache", "--scanners", "secret", "--format", "json"]));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("not scanned for secrets"), "{stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
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
        .arg(&image)
        .args(["--no-cache", "--scanners", "secret", "--format", "json"]));
    assert!(String::from_utf8_lossy(&debug.stderr).contains("not scanned for secrets: binary"));
}

/// Issue #15: Syft's (and trawl's own) CycloneDX and SPDX of the real Debian image give, through `trawl sbom`,
/// the OS findings of `trawl image` (the source package comes from the purls' `upstream` qualifier, the release from the OS
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
    // trawl's own SBOMs of the image (no DB needed to write them) read back the same way.
    ok(trawl()
        .current_dir(d)
        .args(["image", "--input"])
        .arg(&image)
        .args(["--no-cache", "--format", "cyclonedx=own.cdx.json"])
        .args(["--format", "spdx-json=own.spdx.json"]));
    for sbom in [
        "syft.cdx.json",
        "syft.spdx.json",
        "own.cdx.json",
        "own.spdx.json",
    ] {
        let out = ok(trawl()
            .arg("sbom")
            .arg(d.join(sbom))
            .arg("--db")
            .arg(&db)
            .args(["--format", "json"]));
        let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        assert_eq!(report["artifact"]["os"]["family"], "debian", "{sbom}");
        assert_eq!(crate::findings(&report), want, "{sbom}");
    }
}
