//! Many images in one run: `trawl registry scan` over repositories sharing a base layer (analysed once, visible
//! in the report's cache metadata), one image failing while the others go on, `trawl image A B --images-from`.

use crate::{json, ok, run, trawl};
use serde_json::Value;
use std::collections::BTreeMap;
use trawl_test::registry::{LayoutImage, LayoutLayer, TestRegistry, write_oci_layout};

/// Pushes `app0..app{n-1}:latest`, each the alpine 3.20 minirootfs plus one small layer of its own. Returns the
/// base layer's diff ID.
fn push_family(
    registry: &TestRegistry,
    data: &std::path::Path,
    tmp: &std::path::Path,
    n: usize,
) -> String {
    let base = LayoutLayer::from_tar_gz(
        &data.join("images/alpine-minirootfs/alpine-minirootfs-3.20.3-x86_64.tar.gz"),
        "ADD alpine-minirootfs-3.20.3-x86_64.tar.gz /",
    );
    for i in 0..n {
        let content = format!("app {i}\n");
        let own = LayoutLayer::from_files(
            &[(&format!("srv/app{i}/VERSION"), content.as_bytes())],
            &format!("COPY app{i}"),
        );
        let dir = tmp.join(format!("layout{i}"));
        write_oci_layout(
            &dir,
            "latest",
            &[LayoutImage {
                architecture: "amd64".into(),
                variant: None,
                layers: vec![base.clone(), own],
                annotations: Vec::new(),
            }],
        );
        registry.push_oci_layout(&dir, "latest", &format!("team/app{i}:latest"), false);
    }
    base.diff_id
}

fn statuses(report: &Value) -> Vec<Value> {
    report["images"]
        .as_array()
        .cloned()
        .expect("per-image statuses")
}

#[test]
fn registry_scan_analyses_a_shared_base_layer_once() {
    let data = trawl_test::require_shared_data!();
    trawl_test::require_registry_tools!();
    let tmp = tempfile::tempdir().expect("tmp");
    let registry = TestRegistry::start();
    let base = push_family(&registry, &data, tmp.path(), 5);
    // Another tag that --tags latest must leave out, and an unrelated repository outside the prefix.
    registry.push_archive(&data.join("images/alpine-310.tar.gz"), "team/app0:v1");
    registry.push_archive(&data.join("images/alpine-311.tar.gz"), "other/thing:latest");

    let cache = tmp.path().join("cache");
    let out_file = tmp.path().join("report.json");
    let out = ok(trawl()
        .env("TRAWL_LOG", "info")
        .args(["registry", "scan", &registry.host()])
        .args(["--scanners", "secret", "--parallel", "3", "--cache-dir"])
        .arg(&cache)
        .args(["-f", "json", "-o"])
        .arg(&out_file));
    let report: Value =
        serde_json::from_slice(&std::fs::read(&out_file).expect("one report written"))
            .expect("json");
    let st = statuses(&report);
    let names: Vec<&str> = st
        .iter()
        .map(|s| s["name"].as_str().unwrap_or(""))
        .collect();
    // Every repository's `latest` (app0:v1 left out), sorted.
    let mut expected = vec![registry.reference("other/thing:latest")];
    expected.extend((0..5).map(|i| registry.reference(&format!("team/app{i}:latest"))));
    assert_eq!(
        names,
        expected.iter().map(String::as_str).collect::<Vec<_>>()
    );
    assert!(st.iter().all(|s| s["status"] == "ok"), "{st:?}");

    // The base layer was analysed by exactly one scan; the four others took it from the cache.
    let mut base_cached = BTreeMap::new();
    for s in &st {
        for l in s["layers"].as_array().expect("layers") {
            if l["diff_id"] == base.as_str() {
                *base_cached
                    .entry(l["cached"].as_bool().expect("bool"))
                    .or_insert(0) += 1;
            }
        }
    }
    assert_eq!(base_cached.get(&false), Some(&1), "{base_cached:?}");
    assert_eq!(base_cached.get(&true), Some(&4), "{base_cached:?}");
    assert_eq!(
        report["cache"]["misses"], 7,
        "1 base + 5 own layers + other/thing's layer analysed"
    );
    assert_eq!(report["cache"]["hits"], 4);
    // Progress output shows the cache hits too.
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("from the layer cache"), "{err}");

    // A second run, limited to the prefix: everything from the cache.
    let again = ok(trawl()
        .args(["registry", "scan", &format!("{}/team", registry.host())])
        .args(["--scanners", "secret", "--cache-dir"])
        .arg(&cache)
        .args(["-f", "json"]));
    let again = json(&again);
    assert_eq!(again["cache"]["misses"], 0);
    assert_eq!(again["cache"]["hits"], 10);

    // The same five as `trawl image A B C D E` with the default --image-src (no daemon running: the registry).
    let refs: Vec<String> = (0..5)
        .map(|i| registry.reference(&format!("team/app{i}:latest")))
        .collect();
    let listed = json(&ok(trawl()
        .env(
            "DOCKER_HOST",
            format!("unix://{}", tmp.path().join("no-docker.sock").display()),
        )
        .env(
            "CONTAINER_HOST",
            format!("unix://{}", tmp.path().join("no-podman.sock").display()),
        )
        .arg("image")
        .args(&refs)
        .args(["--scanners", "secret", "--parallel", "5", "--cache-dir"])
        .arg(tmp.path().join("cache2"))
        .args(["-f", "json"])));
    assert_eq!(listed["cache"]["misses"], 6);
    assert_eq!(listed["cache"]["hits"], 4);

    // --tags all takes app0:v1 too; --max-images caps the run.
    let all = json(&ok(trawl()
        .args([
            "registry",
            "scan",
            &format!("{}/team", registry.host()),
            "--tags",
            "all",
            "--max-images",
            "3",
        ])
        .args(["--scanners", "secret", "--no-cache", "-f", "json"])));
    let names: Vec<String> = statuses(&all)
        .iter()
        .map(|s| s["name"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(
        names,
        vec![
            registry.reference("team/app0:latest"),
            registry.reference("team/app0:v1"),
            registry.reference("team/app1:latest")
        ]
    );
}

#[test]
fn one_image_failing_does_not_stop_the_others() {
    let data = trawl_test::require_shared_data!();
    trawl_test::require_registry_tools!();
    let tmp = tempfile::tempdir().expect("tmp");
    let registry = TestRegistry::start();
    push_family(&registry, &data, tmp.path(), 2);
    let list = tmp.path().join("images.txt");
    std::fs::write(
        &list,
        format!(
            "# images to scan\n{}\n\n{}\n",
            registry.reference("team/app1:latest"),
            registry.reference("team/gone:1")
        ),
    )
    .expect("list");
    let out_file = tmp.path().join("report.json");
    let out = run(trawl()
        .args([
            "image",
            &registry.reference("team/app0:latest"),
            "--image-src",
            "remote",
            "--images-from",
        ])
        .arg(&list)
        .args(["--scanners", "secret", "--no-cache", "-f", "json", "-o"])
        .arg(&out_file));
    assert_eq!(
        out.status.code(),
        Some(2),
        "a failed image makes the run fail, after the report"
    );
    let report: Value =
        serde_json::from_slice(&std::fs::read(&out_file).expect("report written")).expect("json");
    let st = statuses(&report);
    let summary: Vec<(String, String)> = st
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap_or("").to_owned(),
                s["status"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (registry.reference("team/app0:latest"), "ok".to_owned()),
            (registry.reference("team/app1:latest"), "ok".to_owned()),
            (registry.reference("team/gone:1"), "failed".to_owned()),
        ]
    );
    let failure = st[2]["error"].as_str().expect("error text");
    assert!(
        failure.contains("not found") && failure.contains(&registry.host()),
        "{failure}"
    );
    let warnings = report["warnings"].as_array().expect("warnings");
    assert!(
        warnings
            .iter()
            .any(|w| w["message"].as_str().unwrap_or("").contains("team/gone:1"))
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
}
