//! Issue #13: the published DB, with no setup. A DB built from the real Alpine v3.7 secdb and a CVE record is
//! pushed to a real OCI registry (Debian's docker-registry on 127.0.0.1); a fresh `HOME` with only
//! `TRAWL_DB_REPOSITORY` gets it on the first scan and needs no network on the next one.

use super::{build, sha256, trawl};
use serde_json::Value;
use std::path::Path;

fn scan(home: &Path, image: &Path, env: &[(&str, &str)]) -> (std::process::Output, Value) {
    let mut cmd = trawl();
    cmd.env("HOME", home)
        .env_remove("XDG_CACHE_HOME")
        .env_remove("TRAWL_CACHE_DIR")
        .env_remove("TRAWL_DB_MAX_AGE")
        .env_remove("TRAWL_DB_SOURCE")
        .env("TRAWL_FORMAT", "json")
        // The publishers are out of reach: whatever is found came from the published DB.
        .env("TRAWL_FEED_ALPINE_SECDB", "http://127.0.0.1:9/alpine")
        .env("TRAWL_FEED_CVE5", "http://127.0.0.1:9/cve5")
        .env("TRAWL_FEED_KEV", "http://127.0.0.1:9/kev.json")
        .env("TRAWL_FEED_EPSS", "http://127.0.0.1:9/epss.csv.gz")
        .current_dir(home);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd
        .args(["image", "--input"])
        .arg(image)
        .output()
        .expect("trawl runs");
    let report = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out, report)
}

fn severity_of(report: &Value, pkg: &str, id: &str) -> Option<String> {
    report["results"]
        .as_array()?
        .iter()
        .flat_map(|r| r["vulnerabilities"].as_array().into_iter().flatten())
        .find(|v| v["pkg_name"] == pkg && v["id"] == id)
        .and_then(|v| v["severity"].as_str().map(str::to_owned))
}

#[test]
fn zero_config_scan_gets_the_published_db_from_a_registry_once() {
    let data = trawl_test::require_shared_data!();
    trawl_test::require_registry_tools!();
    let registry = trawl_test::registry::TestRegistry::start();
    let tmp = tempfile::tempdir().expect("tempdir");

    // What a nightly publishing job makes: a DB from the publishers' data, pushed with its digest.
    let db = tmp.path().join("published.db");
    let secdb = data.join("advisories/alpine/alpine-secdb/v3.7/main.yaml");
    let cve5 = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/cve5");
    let out = build(
        &db,
        &[
            format!("alpine-secdb={}", secdb.display()),
            format!("cve5={}", cve5.display()),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reference = format!(
        "{}/trawl/trawl-db:{}",
        registry.host(),
        trawl_advisory::SCHEMA_VERSION
    );
    let out = trawl()
        .args(["db", "push", &reference, "--db"])
        .arg(&db)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).expect("home");
    let image = trawl_test::repo_root().join("tests/data/images/alpine-3.7.3.tar.gz");

    // First run: the DB comes from the registry, byte for byte.
    let (out, report) = scan(&home, &image, &[("TRAWL_DB_REPOSITORY", &reference)]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    for pkg in ["musl", "musl-utils"] {
        assert_eq!(
            severity_of(&report, pkg, "CVE-2019-14697").as_deref(),
            Some("CRITICAL"),
            "{pkg}: {stderr}"
        );
    }
    assert!(!stderr.contains("published DB skipped"), "{stderr}");
    let cached = home.join(".cache/trawl/db/trawl.db");
    assert_eq!(
        sha256(&cached),
        sha256(&db),
        "the cached DB is the published one"
    );
    assert!(
        !home.join(".cache/trawl/db/upstream.db").exists(),
        "nothing was built from the publishers"
    );

    // Second run, within the maximum age: the registry is not needed at all.
    let (out, again) = scan(
        &home,
        &image,
        &[("TRAWL_DB_REPOSITORY", "127.0.0.1:9/trawl/trawl-db:3")],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(again["results"], report["results"]);

    // The same through the default mirror list, pointed at the registry (the schema is the tag), once the DB
    // is older than the maximum age.
    let (out, third) = scan(
        &home,
        &image,
        &[
            (
                "TRAWL_FEED_DB",
                &format!("{}/trawl/trawl-db", registry.host()),
            ),
            ("TRAWL_DB_MAX_AGE", "0"),
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("published DB skipped"), "{stderr}");
    assert_eq!(third["results"], report["results"]);

    // `db update` with no location takes the published mirrors too.
    let updated = tmp.path().join("updated/trawl.db");
    let out = trawl()
        .env(
            "TRAWL_FEED_DB",
            format!("{}/trawl/trawl-db", registry.host()),
        )
        .args(["db", "update", "--db"])
        .arg(&updated)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(sha256(&updated), sha256(&db));

    // No published DB anywhere and `--db-source published`: an error naming the location.
    let empty = tmp.path().join("empty-home");
    std::fs::create_dir_all(&empty).expect("home");
    let (out, _) = scan(
        &empty,
        &image,
        &[
            ("TRAWL_DB_REPOSITORY", "127.0.0.1:9/trawl/trawl-db:3"),
            ("TRAWL_DB_SOURCE", "published"),
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("no published advisory DB")
            && stderr.contains("127.0.0.1:9/trawl/trawl-db:3"),
        "{stderr}"
    );
}
