//! One image at a time: registry results equal archive results; platform selection on a multi-arch index.

use crate::{build_db, findings, json, ok, packages, trawl};
use trawl_test::registry::{
    LayoutImage, LayoutLayer, TestRegistry, write_alpine_multiarch_layout, write_oci_layout,
};

#[test]
fn registry_scan_equals_archive_scan() {
    let data = trawl_test::require_shared_data!();
    trawl_test::require_registry_tools!();
    let tmp = tempfile::tempdir().expect("tmp");
    let db = build_db(&data, tmp.path());
    let registry = TestRegistry::start();
    let mut total_findings = 0;
    for (file, repo) in [
        ("images/alpine-310.tar.gz", "library/alpine:3.10"),
        ("images/alpine-311.tar.gz", "library/alpine:3.11"),
        ("images/debian-bookworm-slim.tar.gz", "debian:bookworm-slim"),
    ] {
        let archive = data.join(file);
        registry.push_archive(&archive, repo);
        let from_archive = json(&ok(trawl()
            .args(["image", "--input"])
            .arg(&archive)
            .arg("--db")
            .arg(&db)
            .args(["--no-cache", "--scanners", "vuln", "-f", "json"])));
        let reference = registry.reference(repo);
        let from_registry = json(&ok(trawl()
            .args(["image", &reference, "--image-src", "remote", "--db"])
            .arg(&db)
            .args(["--no-cache", "--scanners", "vuln", "-f", "json"])));
        assert_eq!(
            findings(&from_registry),
            findings(&from_archive),
            "{repo}: same findings"
        );
        assert_eq!(
            packages(&from_registry),
            packages(&from_archive),
            "{repo}: same packages"
        );
        assert!(
            !packages(&from_registry).is_empty(),
            "{repo}: packages found"
        );
        assert_eq!(
            from_registry["artifact"]["image_id"],
            from_archive["artifact"]["image_id"]
        );
        assert_eq!(
            from_registry["artifact"]["os"],
            from_archive["artifact"]["os"]
        );
        assert_eq!(from_registry["artifact"]["name"], reference.as_str());
        let digest = from_registry["artifact"]["repo_digests"][0]
            .as_str()
            .expect("repo digest");
        assert!(
            digest.starts_with(&format!(
                "{}@sha256:",
                reference.rsplit_once(':').expect("tag").0
            )),
            "{digest}"
        );
        total_findings += findings(&from_registry).len();
    }
    // The comparison means something only if there are findings to compare.
    assert!(
        total_findings > 0,
        "no findings at all: the DB did not match anything"
    );
}

#[test]
fn platform_selection_on_a_multiarch_index() {
    let data = trawl_test::require_shared_data!();
    trawl_test::require_registry_tools!();
    let tmp = tempfile::tempdir().expect("tmp");
    let db = build_db(&data, tmp.path());
    let registry = TestRegistry::start();
    let layout = tmp.path().join("multi");
    let info = write_alpine_multiarch_layout(&data, &layout);
    registry.push_oci_layout(&layout, "3.20", "alpine:3.20", true);
    let reference = registry.reference("alpine:3.20");

    // The arm64 image on its own, as a local OCI layout, is the oracle for the arm64 scan.
    let arm_only = tmp.path().join("arm64");
    let arm = write_oci_layout(
        &arm_only,
        "3.20",
        &[LayoutImage {
            architecture: "arm64".into(),
            variant: Some("v8".into()),
            layers: vec![LayoutLayer::from_tar_gz(
                &data.join("images/alpine-minirootfs/alpine-minirootfs-3.20.3-aarch64.tar.gz"),
                "ADD alpine-minirootfs-3.20.3-aarch64.tar.gz / # alpine 3.20.3 minirootfs",
            )],
            annotations: Vec::new(),
        }],
    );
    assert_eq!(
        arm.config_digests[0], info.config_digests[1],
        "same arm64 image"
    );
    let local = json(&ok(trawl()
        .arg("image")
        .arg(format!("oci:{}:3.20", arm_only.display()))
        .arg("--db")
        .arg(&db)
        .args(["--no-cache", "--scanners", "vuln", "-f", "json"])));

    let arm64 = json(&ok(trawl()
        .args([
            "image",
            &reference,
            "--image-src",
            "remote",
            "--platform",
            "linux/arm64",
            "--db",
        ])
        .arg(&db)
        .args(["--no-cache", "--scanners", "vuln", "-f", "json"])));
    assert_eq!(
        arm64["artifact"]["image_id"],
        info.config_digests[1].as_str()
    );
    assert_eq!(arm64["artifact"]["image_config"]["architecture"], "arm64");
    assert_eq!(packages(&arm64), packages(&local));
    assert_eq!(findings(&arm64), findings(&local));

    let amd64 = json(&ok(trawl()
        .args([
            "image",
            &reference,
            "--image-src",
            "remote",
            "--platform",
            "linux/amd64",
            "--db",
        ])
        .arg(&db)
        .args(["--no-cache", "--scanners", "vuln", "-f", "json"])));
    assert_eq!(
        amd64["artifact"]["image_id"],
        info.config_digests[0].as_str()
    );

    // Both platforms in one report, one status each.
    let all = json(&ok(trawl()
        .args([
            "image",
            &reference,
            "--image-src",
            "remote",
            "--platform",
            "all",
            "--db",
        ])
        .arg(&db)
        .args(["--no-cache", "--scanners", "vuln", "-f", "json"])));
    let statuses = all["images"].as_array().expect("per-image statuses");
    let platforms: Vec<&str> = statuses
        .iter()
        .map(|s| s["platform"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(platforms, vec!["linux/amd64", "linux/arm64/v8"]);
    assert!(statuses.iter().all(|s| s["status"] == "ok"));
    let ids: Vec<&str> = statuses
        .iter()
        .map(|s| s["image_id"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        ids,
        vec![
            info.config_digests[0].as_str(),
            info.config_digests[1].as_str()
        ]
    );
    let os_targets = all["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["class"] == "os-pkgs")
        .count();
    assert_eq!(os_targets, 2, "one OS result per platform");
    assert_eq!(
        packages(&all).len(),
        packages(&arm64).len() + packages(&amd64).len()
    );

    // A platform the index lacks: a clear error listing what it has.
    let out = crate::run(
        trawl()
            .args([
                "image",
                &reference,
                "--image-src",
                "remote",
                "--platform",
                "linux/s390x",
                "--db",
            ])
            .arg(&db)
            .args(["--no-cache", "--scanners", "vuln"]),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("linux/s390x") && err.contains("linux/arm64/v8") && !err.contains("panicked"),
        "{err}"
    );
}
