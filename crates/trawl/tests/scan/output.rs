//! Report files: written atomically, but never by renaming over something that is not a regular file.

use crate::{ok, trawl};
use std::os::unix::fs::FileTypeExt;

/// Regression: `-o /dev/null` once replaced the device with a regular file (temp file + rename).
#[test]
fn output_to_a_device_writes_in_place() {
    let repo = trawl_test::repo_root();
    let before = std::fs::metadata("/dev/null").expect("/dev/null");
    assert!(before.file_type().is_char_device());
    let tmp = tempfile::tempdir().expect("tempdir");
    ok(trawl()
        .args(["image", "--input"])
        .arg(repo.join("tests/data/images/alpine-310.tar.gz"))
        .args(["--scanners", "none", "--cache-dir"])
        .arg(tmp.path())
        .args(["-f", "json", "-o", "/dev/null"]));
    let after = std::fs::metadata("/dev/null").expect("/dev/null");
    assert!(
        after.file_type().is_char_device(),
        "/dev/null is still a device"
    );
    // A regular file is written whole.
    let out = tmp.path().join("r.json");
    ok(trawl()
        .args(["image", "--input"])
        .arg(repo.join("tests/data/images/alpine-310.tar.gz"))
        .args(["--scanners", "none", "--cache-dir"])
        .arg(tmp.path())
        .arg("--format")
        .arg(format!("json={}", out.display())));
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&out).expect("written")).expect("json");
    assert_eq!(
        v["results"][0]["packages"].as_array().map(Vec::len),
        Some(14)
    );
}
