//! apk `installed` databases of every official Alpine minirootfs (3.6 to edge) and the Trivy/Syft/osv-scalibr
//! fixtures.
//!
//! Oracles: the minirootfs tarball itself (every file apk says a package owns must be in the tarball the
//! database came from) and the number of `P:` records.

mod common;

use std::collections::BTreeSet;
use std::process::Command;
use trawl_pkgdb::apk::parse_installed;

#[test]
fn minirootfs_databases() {
    let data = trawl_test::require_shared_data!();
    let root = data.join("pkgdb/alpine-minirootfs");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .expect("minirootfs dir")
        .flatten()
        .map(|e| e.path())
        .collect();
    dirs.sort();
    assert!(
        dirs.len() >= 16,
        "expected 16 minirootfs, found {}",
        dirs.len()
    );
    for dir in dirs {
        let label = dir
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let db = std::fs::read(dir.join("lib/apk/db/installed")).expect("installed");
        let parsed = parse_installed(&db).expect("parses");
        assert!(parsed.warnings.is_empty(), "{label}: {:?}", parsed.warnings);
        let records = String::from_utf8_lossy(&db)
            .lines()
            .filter(|l| l.starts_with("P:"))
            .count();
        assert_eq!(parsed.items.len(), records, "{label}");
        assert!(parsed.items.len() >= 13, "{label}");
        for p in &parsed.items {
            assert!(
                !p.version.is_empty() && p.version.contains("-r"),
                "{label}: {p:?}"
            );
            assert_eq!(p.arch.as_deref(), Some("x86_64"), "{label}: {}", p.name);
            assert!(
                p.source_name.is_some() && !p.licenses.is_empty(),
                "{label}: {}",
                p.name
            );
        }
        let musl = parsed
            .items
            .iter()
            .find(|p| p.name == "musl")
            .expect("musl");
        assert!(
            musl.installed_files
                .iter()
                .any(|f| f == "lib/ld-musl-x86_64.so.1"),
            "{label}: {musl:?}"
        );
        let busybox = parsed
            .items
            .iter()
            .find(|p| p.name == "busybox")
            .expect("busybox");
        assert!(
            busybox.installed_files.iter().any(|f| f == "bin/busybox"),
            "{label}"
        );

        // Every owned file is in the original tarball (when the tarball is in ../shared/data/images).
        let tarball = std::fs::read_dir(data.join("images/alpine-minirootfs"))
            .expect("images")
            .flatten()
            .map(|e| e.path())
            .find(|p| {
                let n = p.file_name().expect("name").to_string_lossy().into_owned();
                n.ends_with("-x86_64.tar.gz")
                    && (n.contains(&format!("-{label}-"))
                        || (label.starts_with("edge-") && n.contains(&label[5..])))
            });
        if let Some(tarball) = tarball {
            let out = Command::new("tar")
                .arg("-tzf")
                .arg(&tarball)
                .output()
                .expect("tar runs");
            assert!(out.status.success(), "tar -tzf {}", tarball.display());
            let entries: BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
                .lines()
                .map(|l| l.trim_start_matches("./").trim_end_matches('/').to_owned())
                .collect();
            let owned: Vec<&String> = parsed
                .items
                .iter()
                .flat_map(|p| &p.installed_files)
                .collect();
            assert!(owned.len() > 50, "{label}");
            for f in owned {
                assert!(
                    entries.contains(f),
                    "{label}: {f} owned by a package but not in {}",
                    tarball.display()
                );
            }
        } else {
            panic!("{label}: no tarball found for it");
        }
    }
}

#[test]
fn fixtures_from_other_scanners() {
    let data = trawl_test::require_shared_data!();
    let root = data.join("pkgdb");
    // (path, packages, broken records skipped with a warning): counts of `P:` records in each file.
    let cases: &[(&str, usize, usize)] = &[
        // 16 records, one of them `P:invalidPackageWithoutAVersion`.
        ("trivy/pkg/fanal/analyzer/pkg/apk/testdata/apk", 15, 1),
        (
            "trivy/pkg/fanal/analyzer/testdata/lib/apk/db/installed",
            1,
            0,
        ),
        (
            "osv-scalibr/extractor/filesystem/os/apk/testdata/installed",
            15,
            0,
        ),
        (
            "osv-scalibr/extractor/filesystem/os/apk/testdata/single",
            1,
            0,
        ),
        (
            "osv-scalibr/extractor/filesystem/os/apk/testdata/no-origin",
            1,
            0,
        ),
        (
            "osv-scalibr/extractor/filesystem/os/apk/testdata/different-arch",
            1,
            0,
        ),
        (
            "osv-scalibr/extractor/filesystem/os/apk/testdata/empty",
            0,
            0,
        ),
        ("syft/syft/pkg/cataloger/alpine/testdata/single", 1, 0),
        ("syft/syft/pkg/cataloger/alpine/testdata/base", 1, 0),
        (
            "syft/syft/pkg/cataloger/alpine/testdata/multiple-2/lib/apk/db/installed",
            14,
            0,
        ),
    ];
    for (rel, want, want_broken) in cases {
        let content = std::fs::read(root.join(rel)).expect("fixture");
        let parsed = parse_installed(&content).expect("parses");
        assert_eq!(parsed.items.len(), *want, "{rel}");
        assert_eq!(
            parsed.warnings.len(),
            *want_broken,
            "{rel}: {:?}",
            parsed.warnings
        );
    }
    let no_origin = parse_installed(
        &std::fs::read(root.join("osv-scalibr/extractor/filesystem/os/apk/testdata/no-origin"))
            .expect("fixture"),
    )
    .expect("parses");
    let p = &no_origin.items[0];
    assert_eq!(
        p.source_name.as_deref(),
        Some(p.name.as_str()),
        "no origin: source falls back to the name"
    );
}

#[test]
fn invalid_fixture_is_an_error() {
    let data = trawl_test::require_shared_data!();
    let content =
        std::fs::read(data.join("pkgdb/osv-scalibr/extractor/filesystem/os/apk/testdata/invalid"))
            .expect("fixture");
    match parse_installed(&content) {
        Err(e) => assert!(e.to_string().contains("line "), "{e}"),
        Ok(p) => assert!(!p.warnings.is_empty() || p.items.is_empty(), "{p:?}"),
    }
}
