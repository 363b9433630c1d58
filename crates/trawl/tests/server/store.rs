//! `trawl registry scan --store postgres://...`: the first run pulls and stores inventories; after a DB update the
//! next run re-matches them without fetching a blob, and the planted advisory shows in its report and history.

use crate::*;
use trawl_test::postgres::TestPostgres;
use trawl_test::registry::TestRegistry;

fn registry_scan(registry: &TestRegistry, db: &Path, store: Option<&str>) -> serde_json::Value {
    let mut cmd = trawl();
    cmd.args([
        "registry",
        "scan",
        &registry.host(),
        "--tags",
        "all",
        "--db",
    ])
    .arg(db)
    .args(["--no-cache", "--scanners", "vuln", "-f", "json"]);
    if let Some(s) = store {
        cmd.args(["--store", s]);
    }
    serde_json::from_slice(&ok(&mut cmd).stdout).expect("JSON report")
}

#[test]
fn registry_scan_with_a_store_rematches_known_digests_without_pulling() {
    let data = trawl_test::require_shared_data!();
    trawl_test::require_registry_tools!();
    trawl_test::require_server_tools!();
    let tmp = tempfile::tempdir().expect("tmp");
    let db = tmp.path().join("a.db");
    build_db(&data, &db, None);
    let registry = TestRegistry::start_logged();
    let pg = TestPostgres::start();
    registry.push_archive(
        &data.join("images/alpine-310.tar.gz"),
        "library/alpine:3.10",
    );
    registry.push_archive(
        &data.join("images/alpine-311.tar.gz"),
        "library/alpine:3.11",
    );

    let plain = registry_scan(&registry, &db, None);
    let before_store = registry.blob_gets();
    let first = registry_scan(&registry, &db, Some(&pg.url()));
    assert!(registry.blob_gets() > before_store, "the first run pulls");
    assert_eq!(native_findings(&first), native_findings(&plain));
    assert_eq!(pg.psql("SELECT count(*) FROM inventories").trim(), "2");

    // A DB with one more advisory: re-matched from the store, no blob fetched.
    let osv = planted_osv(tmp.path());
    let next = tmp.path().join("b.db");
    build_db(&data, &next, Some(&osv));
    let blobs = registry.blob_gets();
    let second = registry_scan(&registry, &next, Some(&pg.url()));
    assert_eq!(registry.blob_gets(), blobs, "a blob was fetched again");
    let planted: Vec<_> = native_findings(&second)
        .into_iter()
        .filter(|f| f.1 == PLANTED)
        .collect();
    assert!(!planted.is_empty(), "the planted advisory is reported");
    assert!(native_findings(&first).iter().all(|f| f.1 != PLANTED));
    // Everything else is what the first run found.
    let rest: Vec<_> = native_findings(&second)
        .into_iter()
        .filter(|f| f.1 != PLANTED)
        .collect();
    assert_eq!(rest, native_findings(&first));
    assert_eq!(
        pg.psql(&format!(
            "SELECT count(*) FROM finding_history WHERE change = 'new' AND finding LIKE '{PLANTED} %'"
        ))
        .trim(),
        planted.len().to_string()
    );
}
