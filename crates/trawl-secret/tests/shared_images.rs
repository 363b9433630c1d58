//! Secret scanning over every file of real base images (../shared/data/images): debian-bookworm-slim, the
//! alpine 3.10/3.11 images and every alpine minirootfs. Base images hold no credentials, so every finding here
//! is a false positive; the expected list is empty, and any entry added to it must say why it is justified.
//!
//! The tars are streamed (outer docker-archive, inner layer tars) with the tar and flate2 crates.

use flate2::read::GzDecoder;
use std::io::Read;
use std::path::Path;
use trawl_secret::{ScanOutcome, builtin};
use trawl_types::SecretFinding;

/// Scans every regular file of a (possibly gzip'd) layer tar read from `r`.
fn scan_layer(r: impl Read, out: &mut ScanOutcome, label: &str) {
    let mut r = std::io::BufReader::new(r);
    let gz = {
        use std::io::BufRead;
        let head = r.fill_buf().expect("read layer");
        head.starts_with(&[0x1f, 0x8b])
    };
    let reader: Box<dyn Read> = if gz {
        Box::new(GzDecoder::new(r))
    } else {
        Box::new(r)
    };
    let mut archive = tar::Archive::new(reader);
    let scanner = builtin();
    for entry in archive.entries().expect("layer tar") {
        let mut entry = entry.expect("layer entry");
        if entry.header().entry_type() != tar::EntryType::Regular {
            continue;
        }
        let path = entry
            .path()
            .expect("entry path")
            .to_string_lossy()
            .trim_start_matches("./")
            .to_owned();
        if let Some(reason) = scanner.skip_by_meta(&path, entry.size()) {
            out.count_skip(reason);
            continue;
        }
        let mut content = Vec::with_capacity(entry.size() as usize);
        entry.read_to_end(&mut content).expect("read entry");
        let mut one = scanner.scan_file(&path, &content);
        for f in &mut one.findings {
            f.path = format!("{label}:{}", f.path);
        }
        out.merge(one);
    }
}

/// Scans a gzip'd docker-archive: every layer, and the image config.
fn scan_docker_archive(path: &Path) -> ScanOutcome {
    let mut out = ScanOutcome::default();
    let mut outer = tar::Archive::new(GzDecoder::new(
        std::fs::File::open(path).expect("open image"),
    ));
    for entry in outer.entries().expect("image tar") {
        let mut entry = entry.expect("image entry");
        let name = entry
            .path()
            .expect("entry path")
            .to_string_lossy()
            .into_owned();
        if name.ends_with("layer.tar") || name.ends_with(".tar.gz") {
            scan_layer(&mut entry, &mut out, &name);
        } else if name.ends_with(".json") && name != "manifest.json" && !name.contains('/') {
            let config: serde_json::Value =
                serde_json::from_reader(&mut entry).expect("config json");
            out.findings
                .extend(builtin().scan_image_config(&trawl_types::ImageConfig::from_json(config)));
        }
    }
    out
}

fn check(name: &str, out: &ScanOutcome, justified: &[(&str, &str)]) {
    let unexpected: Vec<&SecretFinding> = out
        .findings
        .iter()
        .filter(|f| {
            !justified
                .iter()
                .any(|(path, rule)| f.path.ends_with(path) && f.rule_id == *rule)
        })
        .collect();
    assert!(
        unexpected.is_empty(),
        "{name}: unexpected findings: {unexpected:#?}"
    );
    #[expect(clippy::print_stderr, reason = "scan counts in the test log")]
    {
        eprintln!(
            "{name}: {} scanned, {} binary, {} too large, {} allowed path",
            out.files_scanned, out.skipped_binary, out.skipped_too_large, out.skipped_allowed_path
        );
    }
    assert!(
        out.files_scanned > 20,
        "{name}: scanned {} files",
        out.files_scanned
    );
}

#[test]
fn debian_bookworm_slim_has_no_secrets() {
    let data = trawl_test::require_shared_data!();
    let out = scan_docker_archive(&data.join("images/debian-bookworm-slim.tar.gz"));
    // Binaries (ELF, locale archives, compiled terminfo) are most of the image and are skipped and counted.
    assert!(out.skipped_binary > 100, "{out:?}");
    check("debian-bookworm-slim", &out, &[]);
}

#[test]
fn alpine_images_have_no_secrets() {
    let data = trawl_test::require_shared_data!();
    for image in ["alpine-310.tar.gz", "alpine-311.tar.gz"] {
        let out = scan_docker_archive(&data.join("images").join(image));
        assert!(out.skipped_binary > 10, "{image}: {out:?}");
        check(image, &out, &[]);
    }
}

#[test]
fn alpine_minirootfs_have_no_secrets() {
    let data = trawl_test::require_shared_data!();
    let dir = data.join("images/alpine-minirootfs");
    let mut tarballs: Vec<_> = std::fs::read_dir(&dir)
        .expect("minirootfs dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.to_string_lossy().ends_with(".tar.gz"))
        .collect();
    tarballs.sort();
    assert!(tarballs.len() >= 10);
    for t in tarballs {
        let mut out = ScanOutcome::default();
        scan_layer(std::fs::File::open(&t).expect("open"), &mut out, "rootfs");
        check(&t.display().to_string(), &out, &[]);
    }
}
