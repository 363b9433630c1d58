//! The OS analyzers on real files from ../shared/data/pkgdb, selected through the `ALL` list as the pipeline
//! does (by `required`), checking `file_path`, detection and warnings.

use trawl_analyzers::{ALL, AnalysisInput, AnalysisOutput, AnalyzerKind, Config, FileMeta};
use trawl_types::OsFamily;

/// Runs every analyzer that wants `path` on `content`.
fn run(path: &str, content: &[u8]) -> Vec<(&'static str, Result<AnalysisOutput, String>)> {
    let meta = FileMeta {
        mode: 0o644,
        size: content.len() as u64,
    };
    ALL.iter()
        .filter(|d| d.kind == AnalyzerKind::OsPackages)
        .map(|d| (d.name, d.analyzer(&Config::default())))
        .filter(|(_, a)| a.required(path, &meta))
        .map(|(name, a)| {
            (
                name,
                a.analyze(&AnalysisInput {
                    path,
                    content,
                    meta,
                    limits: Default::default(),
                })
                .map_err(|e| e.to_string()),
            )
        })
        .collect()
}

#[test]
fn distroless_status_d() {
    let data = trawl_test::require_shared_data!();
    let dir = data.join(
        "pkgdb/syft/syft/pkg/cataloger/debian/testdata/image-distroless-deb/var/lib/dpkg/status.d",
    );
    let mut packages = Vec::new();
    for e in std::fs::read_dir(&dir).expect("status.d").flatten() {
        let path = format!("var/lib/dpkg/status.d/{}", e.file_name().to_string_lossy());
        for (name, out) in run(&path, &std::fs::read(e.path()).expect("read")) {
            assert_eq!(name, "os/dpkg");
            packages.extend(out.expect("parses").packages);
        }
    }
    assert_eq!(
        packages.len(),
        1,
        "the .md5sums and .preinst files are not packages"
    );
    assert_eq!(packages[0].file_path, "var/lib/dpkg/status.d/libsqlite3-0");
    assert_eq!(packages[0].name, "libsqlite3-0");
}

#[test]
fn alpine_rootfs_files() {
    let data = trawl_test::require_shared_data!();
    let root = data.join("pkgdb/alpine-minirootfs/3.20.3");
    let mut os = Vec::new();
    let mut pkgs = 0;
    for path in [
        "etc/os-release",
        "etc/alpine-release",
        "lib/apk/db/installed",
        "etc/apk/repositories",
    ] {
        for (_, out) in run(path, &std::fs::read(root.join(path)).expect("read")) {
            let out = out.expect("ok");
            assert!(out.warnings.is_empty());
            if let Some(o) = out.os {
                os.push((trawl_analyzers::os::os_priority(path), o));
            }
            for p in &out.packages {
                assert_eq!(p.file_path, "lib/apk/db/installed");
            }
            pkgs += out.packages.len();
        }
    }
    assert_eq!(pkgs, 14);
    os.sort_by_key(|(p, _)| std::cmp::Reverse(*p));
    assert_eq!(os.len(), 2);
    assert_eq!(
        (os[0].1.family, os[0].1.name.as_str()),
        (OsFamily::Alpine, "3.20.3")
    );
    assert_eq!(
        os[0].1.pretty_name.as_deref(),
        Some("Alpine Linux v3.20"),
        "os-release ranks first"
    );
}

#[test]
fn broken_stanza_becomes_a_warning_naming_file_and_line() {
    let text =
        b"Package: a\nStatus: install ok installed\nVersion: 1\n\nPackage b without colon\n\n";
    let out = run("var/lib/dpkg/status", text);
    assert_eq!(out.len(), 1);
    let out = out
        .into_iter()
        .next()
        .expect("one")
        .1
        .expect("one good stanza");
    assert_eq!(out.packages.len(), 1);
    assert_eq!(out.warnings.len(), 1);
    assert!(
        out.warnings[0].starts_with("var/lib/dpkg/status: ") && out.warnings[0].contains("line 5"),
        "{:?}",
        out.warnings
    );
}

#[test]
fn garbage_apk_db_is_an_error_naming_file() {
    let out = run("lib/apk/db/installed", b"\xff\xfe\x00garbage\x01\n\x02\n");
    let err = out
        .into_iter()
        .next()
        .expect("apk wants it")
        .1
        .expect_err("garbage");
    assert!(
        err.contains("os/apk") && err.contains("lib/apk/db/installed") && err.contains("line 1"),
        "{err}"
    );
}

#[test]
fn rpm_sqlite_through_the_analyzer() {
    let data = trawl_test::require_shared_data!();
    let db = std::fs::read(data.join("pkgdb/go-rpmdb/pkg/testdata/cbl-mariner-2.0/rpmdb.sqlite"))
        .expect("read");
    let out = run("var/lib/rpm/rpmdb.sqlite", &db);
    assert_eq!(out.len(), 1);
    let (name, out) = out.into_iter().next().expect("one");
    assert_eq!(name, "os/rpm");
    let out = out.expect("parses");
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    // 129 headers; `rpm -qa` shows no gpg-pubkey in this database, so nothing is dropped.
    assert_eq!(out.packages.len(), 129);
    assert!(
        out.packages
            .iter()
            .all(|p| p.file_path == "var/lib/rpm/rpmdb.sqlite")
    );
    assert!(
        out.packages
            .iter()
            .all(|p| p.ecosystem == Some(trawl_types::Ecosystem::Rpm))
    );
}
