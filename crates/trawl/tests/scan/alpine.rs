//! Alpine images against the Alpine secdb: findings equal an independent computation (tests/support/alpine_oracle.py:
//! its own apk version order, checked on the apk-generated vectors, its own secdb and apk DB reading).

use crate::{build_db, findings, scan_json, support};
use std::path::{Path, PathBuf};
use std::process::Command;
use trawl_test::image::{Blob, TestImage, TestLayer, gunzip_file};

fn oracle(secdb: &Path, release: &str, source: &Path) -> Vec<(String, String, String)> {
    let out = Command::new("python3")
        .arg(support("alpine_oracle.py"))
        .arg("findings")
        .arg(secdb)
        .arg(release)
        .arg(source)
        .output()
        .expect("python3 runs the oracle");
    assert!(
        out.status.success(),
        "oracle failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut v: Vec<(String, String, String)> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let mut it = l.split_whitespace().map(str::to_owned);
            (
                it.next().expect("package"),
                it.next().expect("cve"),
                it.next().expect("fixed"),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn oracle_agrees_with_generated_apk_vectors() {
    let data = trawl_test::require_shared_data!();
    let out = Command::new("python3")
        .arg(support("alpine_oracle.py"))
        .arg("check-vectors")
        .arg(data.join("version-vectors/alpine-versions-generated.txt"))
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// Wraps a minirootfs tarball as a one-layer docker-archive.
fn wrap(rootfs: &Path, out: &Path) -> PathBuf {
    let tar = gunzip_file(rootfs);
    TestImage::new("minirootfs:test")
        .layer(TestLayer::new(tar, Blob::Gzip, "ADD rootfs /"))
        .write_docker_archive(out, false);
    out.to_owned()
}

#[test]
fn alpine_images_match_the_independent_computation() {
    let data = trawl_test::require_shared_data!();
    let tmp = tempfile::tempdir().expect("tempdir");
    let secdb = data.join("advisories/alpine/alpine-secdb");
    let db = build_db(
        tmp.path(),
        "alpine.db",
        &[format!("alpine-secdb={}", secdb.display())],
    );
    let images = data.join("images");
    let mut cases: Vec<(String, PathBuf, PathBuf)> = vec![
        (
            "v3.10".into(),
            images.join("alpine-310.tar.gz"),
            images.join("alpine-310.tar.gz"),
        ),
        (
            "v3.11".into(),
            images.join("alpine-311.tar.gz"),
            images.join("alpine-311.tar.gz"),
        ),
    ];
    for minor in 6..=11 {
        let dir = images.join("alpine-minirootfs");
        let rootfs = std::fs::read_dir(&dir)
            .expect("minirootfs dir")
            .map(|e| e.expect("entry").path())
            .find(|p| {
                let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                n.starts_with(&format!("alpine-minirootfs-3.{minor}."))
                    && n.ends_with("-x86_64.tar.gz")
            })
            .expect("minirootfs of this release");
        let image = wrap(&rootfs, &tmp.path().join(format!("alpine-3.{minor}.tar")));
        cases.push((format!("v3.{minor}"), image, rootfs));
    }
    let mut total = 0;
    for (release, image, oracle_source) in &cases {
        let report = scan_json(image, &db, &tmp.path().join("cache"), &[]);
        let got = findings(&report);
        let want = oracle(&secdb, release, oracle_source);
        assert_eq!(
            got,
            want,
            "{}: trawl vs the independent computation",
            image.display()
        );
        // The OS was detected and its release selects the advisories.
        let os = &report["artifact"]["os"];
        assert_eq!(os["family"], "alpine", "{}", image.display());
        total += got.len();
    }
    // 3.7.3 is old enough to have real findings: a test that cannot fail would see none anywhere.
    assert!(total > 0, "no finding in any image");
}
