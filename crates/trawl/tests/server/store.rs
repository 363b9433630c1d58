//! `trawl registry scan --store postgres://...`: the first run pulls and stores inventories; after a DB update the
//! next run re-matches them without fetching a blob, and the planted advisory shows in its report and history.

use crate::*;
use trawl_test::postgres::TestPostgres;
use trawl_test::registry::{LayoutImage, LayoutLayer, TestRegistry, write_oci_layout};

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
    // An application on alpine 3.10 that names its base in a manifest annotation: the base found when it was
    // analysed is stored with its inventory, so the re-matched report still says which findings the base brings.
    let base = registry.reference("library/alpine:3.10");
    let app_layout = tmp.path().join("app-layout");
    write_oci_layout(
        &app_layout,
        "1",
        &[LayoutImage {
            architecture: "amd64".into(),
            variant: None,
            layers: vec![
                LayoutLayer::from_gz(
                    trawl_test::image::gzip(&trawl_test::image::first_layer_of_docker_archive(
                        &data.join("images/alpine-310.tar.gz"),
                    )),
                    "ADD rootfs /",
                ),
                LayoutLayer::from_files(&[("app/run", b"#!/bin/sh\n")], "COPY run /app/run"),
            ],
            annotations: vec![("org.opencontainers.image.base.name".into(), base.clone())],
        }],
    );
    registry.push_oci_layout(&app_layout, "1", "app/on-alpine:1", false);
    let app_report = |report: &serde_json::Value| {
        let name = registry.reference("app/on-alpine:1");
        report["images"]
            .as_array()
            .expect("images")
            .iter()
            .find(|i| i["name"] == name.as_str())
            .cloned()
            .unwrap_or_else(|| panic!("{name} not in {}", report["images"]))
    };
    let origins = |report: &serde_json::Value| -> Vec<String> {
        report["results"]
            .as_array()
            .expect("results")
            .iter()
            .filter(|r| {
                r["target"]
                    .as_str()
                    .is_some_and(|t| t.contains("app/on-alpine"))
            })
            .flat_map(|r| r["vulnerabilities"].as_array().cloned().unwrap_or_default())
            .map(|f| f["origin"].as_str().unwrap_or("none").to_owned())
            .collect()
    };

    let plain = registry_scan(&registry, &db, None);
    let before_store = registry.blob_gets();
    let first = registry_scan(&registry, &db, Some(&pg.url()));
    assert!(registry.blob_gets() > before_store, "the first run pulls");
    assert_eq!(native_findings(&first), native_findings(&plain));
    assert_eq!(pg.psql("SELECT count(*) FROM inventories").trim(), "3");
    let app = app_report(&first);
    assert_eq!(app["base_image"]["detected_by"], "label", "{app}");
    assert_eq!(app["base_image"]["name"], base.as_str());
    assert!(
        origins(&first).iter().all(|o| o == "base"),
        "{:?}",
        origins(&first)
    );

    // A DB with one more advisory: re-matched from the store, no blob fetched.
    let osv = planted_osv(tmp.path());
    let next = tmp.path().join("b.db");
    build_db(&data, &next, Some(&osv));
    let blobs = registry.blob_gets();
    let second = registry_scan(&registry, &next, Some(&pg.url()));
    assert_eq!(registry.blob_gets(), blobs, "a blob was fetched again");
    assert_eq!(app_report(&second)["base_image"], app["base_image"]);
    assert!(
        origins(&second).len() > origins(&first).len()
            && origins(&second).iter().all(|o| o == "base"),
        "the planted musl finding comes from the base too: {:?}",
        origins(&second)
    );
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
