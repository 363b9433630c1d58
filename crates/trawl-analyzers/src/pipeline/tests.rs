//! Pipeline tests on real images (../shared/data/images) and images assembled from real layers and real
//! package DB bytes (../shared/data/pkgdb) with whiteouts, opaque dirs, links and broken input.

use super::*;
use crate::{AnalyzerError, AnalyzerKind, Config, all_analyzers};
use trawl_source::{SourceSpec, open};
use trawl_test::image::{Blob, LayerTar, TestImage, TestLayer};
use trawl_types::{Ecosystem, OsFamily};

fn opts() -> AnalyzeOptions {
    AnalyzeOptions {
        analyzers: all_analyzers(&Config::default()),
        cache: None,
        parallel: 2,
        ..Default::default()
    }
}

fn names(inv: &Inventory) -> Vec<(String, String)> {
    let mut v: Vec<_> = inv
        .packages
        .iter()
        .map(|p| (p.name.clone(), p.version.clone()))
        .collect();
    v.sort();
    v
}

fn scan(spec: &SourceSpec, o: &AnalyzeOptions) -> AnalyzedImage {
    let img = open(spec).unwrap_or_else(|e| panic!("open {spec:?}: {e}"));
    analyze(&img, o).unwrap_or_else(|e| panic!("analyze {spec:?}: {e}"))
}

#[test]
fn real_images() {
    let data = trawl_test::require_shared_data!();
    let deb = scan(
        &SourceSpec::DockerArchive(data.join("images/debian-bookworm-slim.tar.gz")),
        &opts(),
    );
    let os = deb.inventory.os.as_ref().expect("os detected");
    assert_eq!(os.family, OsFamily::Debian);
    assert_eq!(deb.inventory.packages.len(), 88, "the README says 88 debs");
    let libc = deb
        .inventory
        .packages
        .iter()
        .find(|p| p.name == "libc6")
        .expect("libc6");
    assert!(
        libc.purl
            .as_ref()
            .is_some_and(|u| u.to_string().starts_with("pkg:deb/debian/libc6@")),
        "{:?}",
        libc.purl
    );
    let layer = libc.layer.as_ref().expect("layer attributed");
    assert_eq!(layer.index, 0);
    assert!(layer.diff_id.starts_with("sha256:"));
    assert_eq!(deb.layers.len(), 1);
    assert!(
        deb.inventory.warnings.is_empty(),
        "{:?}",
        deb.inventory.warnings
    );

    for (file, release) in [("alpine-310.tar.gz", "3.10"), ("alpine-311.tar.gz", "3.11")] {
        let a = scan(
            &SourceSpec::DockerArchive(data.join("images").join(file)),
            &opts(),
        );
        let os = a.inventory.os.as_ref().expect("os");
        assert_eq!(os.family, OsFamily::Alpine);
        assert!(os.name.starts_with(release), "{}", os.name);
        assert!(a.inventory.packages.len() >= 10);
        assert!(
            a.inventory
                .packages
                .iter()
                .all(|p| p.ecosystem == Some(Ecosystem::Apk))
        );
        assert!(
            a.inventory
                .packages
                .iter()
                .all(|p| p.file_path == "lib/apk/db/installed")
        );
    }

    for name in ["busybox-latest-musl-amd64", "busybox-latest-glibc-amd64"] {
        let b = scan(
            &SourceSpec::OciDir {
                path: data.join("images/busybox/oci-layout").join(name),
                reference: None,
            },
            &opts(),
        );
        // No package DB: BusyBox itself is found from its own file, stored as `bin/[` with every other name a
        // hard link to it.
        let found: Vec<(&str, &str, &str)> = b
            .inventory
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.file_path.as_str(), p.version.as_str()))
            .collect();
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].0, found[0].1), ("busybox", "bin/["), "{found:?}");
        assert!(found[0].2.starts_with("1."), "{found:?}");
        assert_eq!(b.layers.len(), 1);
    }
}

#[test]
fn rootfs_minirootfs() {
    let data = trawl_test::require_shared_data!();
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = trawl_test::image::extract_rootfs(
        &data.join("images/alpine-minirootfs/alpine-minirootfs-3.20.3-x86_64.tar.gz"),
        tmp.path(),
    );
    let r = scan(&SourceSpec::Rootfs(root.clone()), &opts());
    let os = r.inventory.os.as_ref().expect("os");
    assert_eq!((os.family, os.name.as_str()), (OsFamily::Alpine, "3.20.3"));
    let db = std::fs::read_to_string(root.join("lib/apk/db/installed")).expect("apk db");
    assert_eq!(
        r.inventory.packages.len(),
        db.lines().filter(|l| l.starts_with("P:")).count()
    );
    assert!(
        r.inventory.packages.iter().all(|p| p.layer.is_none()),
        "a rootfs has no layers"
    );
}

/// Test-only analyzer: wants `etc/os-release` (not its usual target `usr/lib/os-release`) and `etc/pkgs`; an
/// os-release gives an OS, `etc/pkgs` one apk package per `NAME VERSION` line; content starting with
/// `garbage` is an error.
struct Probe;

/// The declaration of a test-only analyzer.
const PROBE_DECLARATION: &crate::Declaration = &crate::Declaration {
    name: "test/probe",
    version: 1,
    kind: AnalyzerKind::OsPackages,
    runs_in: crate::RunsIn::BOTH,
    always: false,
    lang: None,
    build: |_| Arc::new(Probe),
};

impl Analyzer for Probe {
    fn declaration(&self) -> &'static crate::Declaration {
        PROBE_DECLARATION
    }
    fn required(&self, path: &str, _meta: &FileMeta) -> bool {
        path == "etc/os-release" || path == "etc/pkgs"
    }
    fn analyze(&self, input: &AnalysisInput<'_>) -> Result<AnalysisOutput, AnalyzerError> {
        let text = String::from_utf8_lossy(input.content);
        if text.starts_with("garbage") {
            return Err(AnalyzerError {
                analyzer: "test/probe",
                path: input.path.to_owned(),
                message: "garbage".into(),
            });
        }
        let mut out = AnalysisOutput::default();
        if input.path == "etc/os-release" {
            let id = text
                .lines()
                .find_map(|l| l.strip_prefix("VERSION_ID="))
                .unwrap_or("?");
            out.os = Some(OsInfo {
                family: OsFamily::Alpine,
                name: id.trim_matches('"').to_owned(),
                codename: None,
                pretty_name: None,
                eosl: None,
                eol: false,
            });
        } else {
            for l in text.lines() {
                if let Some((n, v)) = l.split_once(' ') {
                    out.packages.push(Package {
                        ecosystem: Some(Ecosystem::Apk),
                        name: n.into(),
                        version: v.into(),
                        ..Package::default()
                    });
                }
            }
        }
        Ok(out)
    }
}

fn probe_opts() -> AnalyzeOptions {
    AnalyzeOptions {
        analyzers: vec![Arc::new(Probe)],
        cache: None,
        parallel: 2,
        ..Default::default()
    }
}

fn oci(img: &TestImage) -> (tempfile::TempDir, SourceSpec) {
    let dir = tempfile::tempdir().expect("tempdir");
    img.write_oci_dir(dir.path());
    let spec = SourceSpec::OciDir {
        path: dir.path().to_owned(),
        reference: None,
    };
    (dir, spec)
}

fn try_scan(spec: &SourceSpec, o: &AnalyzeOptions) -> Result<AnalyzedImage, String> {
    let img = open(spec).map_err(|e| e.to_string())?;
    analyze(&img, o).map_err(|e| e.to_string())
}

/// Splits a dpkg status file into stanzas.
fn stanzas(status: &str) -> Vec<String> {
    status
        .split("\n\n")
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim_matches('\n').to_owned())
        .collect()
}

fn stanza_name(s: &str) -> &str {
    s.lines()
        .find_map(|l| l.strip_prefix("Package: "))
        .unwrap_or_default()
}

#[test]
fn multi_layer_whiteout_opaque_and_attribution() {
    let data = trawl_test::require_shared_data!();
    let base = trawl_test::image::first_layer_of_docker_archive(
        &data.join("images/debian-bookworm-slim.tar.gz"),
    );
    let status = String::from_utf8(trawl_test::image::tar_entry_bytes(
        &base,
        "var/lib/dpkg/status",
    ))
    .expect("utf-8");
    let all = stanzas(&status);
    assert_eq!(all.len(), 88);
    // Layer 1: tzdata removed, gzip upgraded, a distroless status.d entry and an apk DB added (real bytes).
    let mut l1 = Vec::new();
    let mut gzip_version = String::new();
    for s in &all {
        match stanza_name(s) {
            "tzdata" => {}
            "gzip" => {
                let mut out = Vec::new();
                for line in s.lines() {
                    if let Some(v) = line.strip_prefix("Version: ") {
                        gzip_version = format!("{v}+trawl1");
                        out.push(format!("Version: {gzip_version}"));
                    } else {
                        out.push(line.to_owned());
                    }
                }
                l1.push(out.join("\n"));
            }
            _ => l1.push(s.clone()),
        }
    }
    let l1_status = l1.join("\n\n") + "\n";
    let sqlite = std::fs::read(data.join(
        "pkgdb/syft/syft/pkg/cataloger/debian/testdata/image-distroless-deb/var/lib/dpkg/status.d/libsqlite3-0",
    ))
    .expect("fixture");
    let apk_db = std::fs::read(data.join("pkgdb/alpine-minirootfs/3.10.9/lib/apk/db/installed"))
        .expect("fixture");
    let layer1 = LayerTar::new()
        .file("var/lib/dpkg/status", l1_status.as_bytes())
        .file("var/lib/dpkg/status.d/libsqlite3-0", &sqlite)
        .file("lib/apk/db/installed", &apk_db)
        .build();
    // Layer 2: whiteout of the status.d entry, opaque lib/apk (hides the apk DB).
    let layer2 = LayerTar::new()
        .whiteout("var/lib/dpkg/status.d/libsqlite3-0")
        .opaque("lib/apk")
        .file("lib/apk/README", b"x")
        .build();
    // Layer 3: the status file rewritten with the same packages (e.g. an `apt-get update` touching it).
    let layer3 = LayerTar::new()
        .file("var/lib/dpkg/status", l1_status.as_bytes())
        .build();
    let img = TestImage::new("trawl/multi:1")
        .layer(TestLayer::new(base, Blob::Plain, "debootstrap"))
        .layer(TestLayer::new(
            layer1,
            Blob::Gzip,
            "RUN apt-get upgrade && copy sqlite, apk",
        ))
        .layer(TestLayer::new(
            layer2,
            Blob::Zstd,
            "RUN rm sqlite && opaque lib/apk",
        ))
        .layer(TestLayer::new(layer3, Blob::Plain, "RUN touch status"));

    let (_dir, spec) = oci(&img);
    let r = scan(&spec, &opts());
    assert_eq!(
        r.inventory.os.as_ref().map(|o| o.family),
        Some(OsFamily::Debian)
    );
    let pkgs = &r.inventory.packages;
    assert_eq!(pkgs.len(), 87, "{:?}", names(&r.inventory));
    assert!(
        pkgs.iter().all(|p| p.ecosystem == Some(Ecosystem::Deb)),
        "apk DB hidden by the opaque dir"
    );
    assert!(
        !pkgs.iter().any(|p| p.name == "tzdata"),
        "removed from the DB in layer 1"
    );
    assert!(
        !pkgs.iter().any(|p| p.name == "libsqlite3-0"),
        "whited out in layer 2"
    );
    for p in pkgs {
        let l = p.layer.as_ref().expect("layer");
        if p.name == "gzip" {
            assert_eq!(p.version, gzip_version);
            assert_eq!(l.index, 1, "gzip was upgraded in layer 1");
            assert_eq!(
                l.created_by.as_deref(),
                Some("RUN apt-get upgrade && copy sqlite, apk")
            );
            assert_eq!(l.diff_id, img.layers[1].diff_id());
            assert!(l.digest.is_some());
        } else {
            assert_eq!(l.index, 0, "{} unchanged since the base layer", p.name);
            assert_eq!(l.created_by.as_deref(), Some("debootstrap"));
        }
    }
    assert_eq!(r.layers.len(), 4);
    assert!(
        r.inventory.warnings.is_empty(),
        "{:?}",
        r.inventory.warnings
    );

    // Before layer 2: the sqlite entry and the apk packages are there, attributed to layer 1.
    let partial = TestImage {
        layers: img.layers[..2].to_vec(),
        ..img.clone()
    };
    let (_d2, spec2) = oci(&partial);
    let p = scan(&spec2, &opts());
    let sqlite = p
        .inventory
        .packages
        .iter()
        .find(|p| p.name == "libsqlite3-0")
        .expect("sqlite present");
    assert_eq!(sqlite.layer.as_ref().map(|l| l.index), Some(1));
    assert_eq!(sqlite.file_path, "var/lib/dpkg/status.d/libsqlite3-0");
    assert_eq!(
        p.inventory
            .packages
            .iter()
            .filter(|p| p.ecosystem == Some(Ecosystem::Apk))
            .count(),
        14
    );

    // The same image as a gzip'd docker-archive (sequential reading) gives the same inventory.
    let tmp = tempfile::tempdir().expect("tempdir");
    let archive = tmp.path().join("multi.tar.gz");
    img.write_docker_archive(&archive, true);
    let d = scan(&SourceSpec::detect(&archive).expect("detect"), &opts());
    assert_eq!(names(&d.inventory), names(&r.inventory));
    let idx = |inv: &Inventory| {
        inv.packages
            .iter()
            .map(|p| p.layer.as_ref().map(|l| l.index))
            .collect::<Vec<_>>()
    };
    assert_eq!(idx(&d.inventory), idx(&r.inventory));
}

#[test]
fn links_resolve_inside_the_root() {
    let data = trawl_test::require_shared_data!();
    let os_release =
        std::fs::read(data.join("pkgdb/alpine-minirootfs/3.20.3/etc/os-release")).expect("fixture");
    for (target, expect_os) in [
        ("../usr/lib/os-release", true),
        ("/usr/lib/os-release", true),
        ("../../../../../usr/lib/os-release", true),
        ("../../../../../../etc/shadow", false),
    ] {
        let l0 = LayerTar::new()
            .file("usr/lib/os-release", &os_release)
            .build();
        let l1 = LayerTar::new()
            .raw_link("etc/os-release", target, false)
            .file("data/pkglist", b"musl 1.2.5-r0\n")
            .hardlink("etc/pkgs", "data/pkglist")
            .build();
        let img = TestImage::new("t:1")
            .layer(TestLayer::new(l0, Blob::Gzip, "base"))
            .layer(TestLayer::new(l1, Blob::Plain, "links"));
        let (_d, spec) = oci(&img);
        let r = scan(&spec, &probe_opts());
        assert_eq!(
            r.inventory.os.is_some(),
            expect_os,
            "{target}: {:?}",
            r.inventory.os
        );
        if expect_os {
            assert_eq!(
                r.inventory.os.as_ref().map(|o| o.name.as_str()),
                Some("3.20.3")
            );
        }
        let p = r
            .inventory
            .packages
            .iter()
            .find(|p| p.name == "musl")
            .expect("package through the hard link");
        assert_eq!(p.file_path, "etc/pkgs");
        assert_eq!(p.layer.as_ref().map(|l| l.index), Some(1));
    }
}

#[test]
fn escaping_and_absolute_entries() {
    let tar = LayerTar::new()
        .raw_file("../../etc/pkgs", b"evil 6.6.6\n")
        .raw_file("./a/../../etc/pkgs", b"evil 6.6.7\n")
        .raw_file("/etc/pkgs", b"good 1.0\n")
        .raw_link("etc/hl", "../../etc/passwd", true)
        .build();
    let img = TestImage::new("t:1").layer(TestLayer::new(tar, Blob::Plain, "x"));
    let (_d, spec) = oci(&img);
    let r = scan(&spec, &probe_opts());
    assert_eq!(
        names(&r.inventory),
        vec![("good".to_owned(), "1.0".to_owned())]
    );
    let w: Vec<&str> = r
        .inventory
        .warnings
        .iter()
        .map(|w| w.message.as_str())
        .collect();
    assert_eq!(
        w.iter()
            .filter(|m| m.contains("leaves the image root"))
            .count(),
        3,
        "{w:?}"
    );
    assert!(
        r.inventory
            .warnings
            .iter()
            .all(|w| w.layer.as_deref() == Some(img.layers[0].diff_id().as_str()))
    );
}

#[test]
fn broken_layers_are_errors_naming_the_layer() {
    let good = LayerTar::new().file("etc/pkgs", b"a 1\n").build();
    // A base layer different from the broken one (same bytes would share one blob).
    let base = TestLayer::new(
        LayerTar::new().file("etc/base", b"b").build(),
        Blob::Gzip,
        "base",
    );
    let cases: Vec<(&str, TestLayer, &str)> = vec![
        (
            "truncated gzip",
            {
                let mut l = TestLayer::new(good.clone(), Blob::Gzip, "x");
                let b = l.blob_bytes();
                l.corrupt_blob = Some(b[..b.len() / 2].to_vec());
                l
            },
            "layer 1",
        ),
        (
            "diff ID mismatch",
            {
                let mut l = TestLayer::new(good.clone(), Blob::Zstd, "x");
                l.diff_id_override = Some(trawl_test::image::sha256(b"something else"));
                l
            },
            "diff ID mismatch",
        ),
        (
            "flipped byte",
            {
                let mut l = TestLayer::new(good.clone(), Blob::Gzip, "x");
                let mut b = l.blob_bytes();
                let mid = b.len() / 2;
                b[mid] ^= 0xff;
                l.corrupt_blob = Some(b);
                l
            },
            "layer 1",
        ),
        (
            "garbage instead of a tar",
            {
                let mut l = TestLayer::new(good.clone(), Blob::Plain, "x");
                l.corrupt_blob = Some(vec![0x42; good.len()]);
                l
            },
            "layer 1",
        ),
    ];
    for (what, layer, needle) in cases {
        let img = TestImage::new("t:1").layer(base.clone()).layer(layer);
        let diff = img.layers[1].diff_id();
        for format in ["oci", "docker"] {
            let tmp = tempfile::tempdir().expect("tempdir");
            let spec = if format == "oci" {
                img.write_oci_dir(tmp.path());
                SourceSpec::OciDir {
                    path: tmp.path().to_owned(),
                    reference: None,
                }
            } else {
                let p = tmp.path().join("a.tar");
                img.write_docker_archive(&p, false);
                SourceSpec::DockerArchive(p)
            };
            let err = try_scan(&spec, &probe_opts()).expect_err(what);
            assert!(err.contains(needle), "{what} ({format}): {err}");
            assert!(
                err.contains("layer 1") && (err.contains(&diff) || err.contains("sha256:")),
                "{what} ({format}): {err}"
            );
        }
    }
}

#[test]
fn truncated_outer_archive_is_an_error() {
    let data = trawl_test::require_shared_data!();
    let bytes = std::fs::read(data.join("images/alpine-310.tar.gz")).expect("read");
    let tmp = tempfile::tempdir().expect("tempdir");
    for cut in [10, 512, bytes.len() / 2, bytes.len() - 100] {
        let p = tmp.path().join(format!("cut-{cut}.tar.gz"));
        std::fs::write(&p, &bytes[..cut]).expect("write");
        let err = try_scan(&SourceSpec::DockerArchive(p.clone()), &opts()).expect_err("truncated");
        assert!(
            err.contains(&p.display().to_string()) || err.contains("layer 0"),
            "cut at {cut}: {err}"
        );
    }
}

#[test]
fn broken_files_are_warnings_and_the_scan_goes_on() {
    let data = trawl_test::require_shared_data!();
    let apk_db = std::fs::read(data.join("pkgdb/alpine-minirootfs/3.10.9/lib/apk/db/installed"))
        .expect("fixture");
    let invalid_dpkg = std::fs::read(
        data.join("pkgdb/osv-scalibr/extractor/filesystem/os/dpkg/testdata/dpkg/invalid"),
    )
    .expect("fixture");
    let l0 = LayerTar::new()
        .file("lib/apk/db/installed", &apk_db)
        .file("etc/pkgs", b"garbage\x00\x01")
        .build();
    let l1 = LayerTar::new()
        .file("var/lib/dpkg/status", &invalid_dpkg)
        .file("var/lib/dpkg/status.d/junk", &[0xff, 0xfe, 0, 1, 2])
        .build();
    let img = TestImage::new("t:1")
        .layer(TestLayer::new(l0, Blob::Gzip, "a"))
        .layer(TestLayer::new(l1, Blob::Gzip, "b"));
    let (_d, spec) = oci(&img);
    let mut o = opts();
    o.analyzers.push(Arc::new(Probe));
    let r = scan(&spec, &o);
    assert_eq!(
        r.inventory
            .packages
            .iter()
            .filter(|p| p.ecosystem == Some(Ecosystem::Apk))
            .count(),
        14
    );
    let probe = r
        .inventory
        .warnings
        .iter()
        .find(|w| w.message.contains("test/probe"))
        .expect("probe warning");
    assert_eq!(probe.path.as_deref(), Some("etc/pkgs"));
    assert_eq!(
        probe.layer.as_deref(),
        Some(img.layers[0].diff_id().as_str())
    );
    // Whatever the dpkg parser makes of garbage, it is not a crash; a warning names the file and layer.
    for w in &r.inventory.warnings {
        assert!(w.path.is_some() && w.layer.is_some(), "{w:?}");
    }
}

#[test]
fn cache_hits_skip_layers_and_give_the_same_result() {
    let data = trawl_test::require_shared_data!();
    let cache_dir = tempfile::tempdir().expect("tempdir");
    let cache: Arc<dyn LayerCache> = Arc::new(FsCache::open(cache_dir.path()).expect("cache"));
    let o = AnalyzeOptions {
        analyzers: all_analyzers(&Config::default()),
        cache: Some(cache),
        parallel: 2,
        ..Default::default()
    };
    let spec = SourceSpec::DockerArchive(data.join("images/alpine-311.tar.gz"));
    let cold = scan(&spec, &o);
    assert_eq!((cold.cache_hits, cold.cache_misses), (0, 1));
    assert!(!cold.layers[0].cached);
    let warm = scan(&spec, &o);
    assert_eq!((warm.cache_hits, warm.cache_misses), (1, 0));
    assert!(warm.layers[0].cached);
    assert_eq!(warm.inventory, cold.inventory);
    // Only cache entries were written, under layers/.
    let mut files = Vec::new();
    for e in std::fs::read_dir(cache_dir.path().join("layers")).expect("layers dir") {
        for f in std::fs::read_dir(e.expect("entry").path()).expect("subdir") {
            files.push(f.expect("file").path());
        }
    }
    assert_eq!(files.len(), 1);
    assert_eq!(
        std::fs::read_dir(cache_dir.path().join("tmp"))
            .expect("tmp")
            .count(),
        0
    );
    // A corrupt entry is a miss, rewritten.
    std::fs::write(&files[0], b"not zstd").expect("corrupt");
    let again = scan(&spec, &o);
    assert_eq!((again.cache_hits, again.cache_misses), (0, 1));
    assert_eq!(again.inventory, cold.inventory);
    // Another analyzer set is another key.
    let o2 = AnalyzeOptions {
        analyzers: vec![Arc::new(Probe)],
        ..o.clone()
    };
    assert_eq!(scan(&spec, &o2).cache_hits, 0);
}

#[test]
fn parallel_and_sequential_agree() {
    let layers: Vec<TestLayer> = (0..6)
        .map(|i| {
            let t = LayerTar::new()
                .file("etc/pkgs", format!("p{i} {i}.0\nbase 1\n").as_bytes())
                .file(&format!("x/{i}"), b"y")
                .build();
            TestLayer::new(
                t,
                if i % 2 == 0 { Blob::Gzip } else { Blob::Zstd },
                &format!("step {i}"),
            )
        })
        .collect();
    let img = TestImage {
        layers,
        ..TestImage::new("t:1")
    };
    let (_d, spec) = oci(&img);
    let mut o = probe_opts();
    o.parallel = 1;
    let one = scan(&spec, &o);
    o.parallel = 4;
    let four = scan(&spec, &o);
    assert_eq!(one.inventory, four.inventory);
    assert_eq!(
        names(&one.inventory),
        vec![("base".into(), "1".into()), ("p5".into(), "5.0".into())]
    );
    // `base` has been in every version of etc/pkgs since layer 0.
    let base = one
        .inventory
        .packages
        .iter()
        .find(|p| p.name == "base")
        .expect("base");
    assert_eq!(base.layer.as_ref().map(|l| l.index), Some(0));
}

/// Test-only analyzer: `var/lib/owner` lists an OS package owning `/app/node_modules/x/package.json`; any
/// `package.json` is an npm package.
struct Owner;

/// The declaration of a test-only analyzer.
const OWNER_DECLARATION: &crate::Declaration = &crate::Declaration {
    name: "test/owner",
    version: 1,
    kind: AnalyzerKind::Library,
    runs_in: crate::RunsIn::BOTH,
    always: false,
    lang: None,
    build: |_| Arc::new(Owner),
};

impl Analyzer for Owner {
    fn declaration(&self) -> &'static crate::Declaration {
        OWNER_DECLARATION
    }
    fn required(&self, path: &str, _meta: &FileMeta) -> bool {
        path == "var/lib/owner" || path.ends_with("/package.json")
    }
    fn analyze(&self, input: &AnalysisInput<'_>) -> Result<AnalysisOutput, AnalyzerError> {
        let mut out = AnalysisOutput::default();
        if input.path == "var/lib/owner" {
            out.packages.push(Package {
                ecosystem: Some(Ecosystem::Deb),
                name: "node-x".into(),
                version: "1.0-1".into(),
                installed_files: vec!["/app/node_modules/x/package.json".into()],
                ..Package::default()
            });
        } else {
            out.packages.push(Package {
                ecosystem: Some(Ecosystem::Npm),
                name: input.path.split('/').nth_back(1).unwrap_or_default().into(),
                version: "1.0.0".into(),
                ..Package::default()
            });
        }
        Ok(out)
    }
}

#[test]
fn language_packages_owned_by_os_packages_are_dropped() {
    let tar = LayerTar::new()
        .file("var/lib/owner", b"x")
        .file("app/node_modules/x/package.json", b"{}")
        .file("app/node_modules/y/package.json", b"{}")
        .build();
    let img = TestImage::new("t:1").layer(TestLayer::new(tar, Blob::Gzip, "x"));
    let (_d, spec) = oci(&img);
    let r = scan(
        &spec,
        &AnalyzeOptions {
            analyzers: vec![Arc::new(Owner)],
            cache: None,
            parallel: 1,
            ..Default::default()
        },
    );
    assert_eq!(
        names(&r.inventory),
        vec![
            ("node-x".into(), "1.0-1".into()),
            ("y".into(), "1.0.0".into())
        ]
    );
    let y = r
        .inventory
        .packages
        .iter()
        .find(|p| p.name == "y")
        .expect("y");
    assert_eq!(y.file_path, "app/node_modules/y/package.json");
    assert_eq!(
        y.purl.as_ref().map(ToString::to_string).as_deref(),
        Some("pkg:npm/y@1.0.0")
    );
}

/// Counts the files it is handed (to prove each layer is read once).
struct Counter(Arc<std::sync::atomic::AtomicUsize>);

/// The declaration of a test-only analyzer.
const COUNTER_DECLARATION: &crate::Declaration = &crate::Declaration {
    name: "test/counter",
    version: 1,
    kind: AnalyzerKind::Library,
    runs_in: crate::RunsIn::BOTH,
    always: false,
    lang: None,
    build: |_| Arc::new(Counter(Arc::default())),
};

impl Analyzer for Counter {
    fn declaration(&self) -> &'static crate::Declaration {
        COUNTER_DECLARATION
    }
    fn required(&self, path: &str, _meta: &FileMeta) -> bool {
        path == "etc/pkgs"
    }
    fn analyze(&self, _input: &AnalysisInput<'_>) -> Result<AnalysisOutput, AnalyzerError> {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(AnalysisOutput::default())
    }
}

#[test]
fn compressed_archives_are_analysed_in_the_indexing_pass() {
    let counted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let layers: Vec<TestLayer> = (0..3)
        .map(|i| {
            // Over 1 MiB even compressed (pseudo-random filler), so the blob is not kept in memory by the index.
            let mut x = 0x9e37_79b9_7f4a_7c15_u64 ^ i as u64;
            let filler: Vec<u8> = (0..1_300_000)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    (x >> 24) as u8
                })
                .collect();
            let t = LayerTar::new()
                .file("etc/pkgs", format!("p{i} {i}.0\n").as_bytes())
                .file("usr/share/filler", &filler)
                .build();
            TestLayer::new(
                t,
                [Blob::Plain, Blob::Gzip, Blob::Zstd][i],
                &format!("step {i}"),
            )
        })
        .collect();
    let img = TestImage {
        layers,
        ..TestImage::new("t:1")
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let o = AnalyzeOptions {
        analyzers: vec![Arc::new(Probe), Arc::new(Counter(Arc::clone(&counted)))],
        cache: None,
        parallel: 2,
        ..Default::default()
    };
    for (name, oci_layout) in [("d.tar.gz", false), ("o.tar.gz", true)] {
        let p = tmp.path().join(name);
        if oci_layout {
            img.write_oci_archive(&p, true);
        } else {
            img.write_docker_archive(&p, true);
        }
        let spec = SourceSpec::detect(&p).expect("detect");
        let mut met = 0;
        let mut count = |_: &str, _: u64, _: &mut dyn std::io::Read| met += 1;
        trawl_source::open_prefetch(
            &spec,
            &trawl_source::OpenOptions::default(),
            Some(&mut count),
        )
        .expect("open");
        assert_eq!(met, 3, "{name}: every layer blob is met while indexing");
        let two_pass = scan(&spec, &o);
        counted.store(0, std::sync::atomic::Ordering::SeqCst);
        let (image, one_pass) = open_and_analyze(&spec, &trawl_source::OpenOptions::default(), &o)
            .expect("open_and_analyze");
        assert_eq!(
            counted.load(std::sync::atomic::Ordering::SeqCst),
            3,
            "{name}: each layer read once"
        );
        assert_eq!(one_pass, two_pass, "{name}");
        assert_eq!(image.layers.len(), 3);
    }
    // A corrupt layer met while indexing is read again the usual way and fails naming it.
    let mut bad = img.clone();
    let mut b = bad.layers[1].blob_bytes();
    b.truncate(b.len() - 20);
    bad.layers[1].corrupt_blob = Some(b);
    let p = tmp.path().join("bad.tar.gz");
    bad.write_docker_archive(&p, true);
    let err = open_and_analyze(
        &SourceSpec::DockerArchive(p),
        &trawl_source::OpenOptions::default(),
        &o,
    )
    .expect_err("corrupt layer");
    assert!(err.to_string().contains("layer 1"), "{err}");
}

#[test]
fn one_pass_debian_equals_two_pass() {
    let data = trawl_test::require_shared_data!();
    let spec = SourceSpec::DockerArchive(data.join("images/debian-bookworm-slim.tar.gz"));
    let cache_dir = tempfile::tempdir().expect("tempdir");
    let cache: Arc<dyn LayerCache> = Arc::new(FsCache::open(cache_dir.path()).expect("cache"));
    let o = AnalyzeOptions {
        analyzers: all_analyzers(&Config::default()),
        cache: Some(cache),
        parallel: 2,
        ..Default::default()
    };
    let (_, one) =
        open_and_analyze(&spec, &trawl_source::OpenOptions::default(), &o).expect("one pass");
    assert_eq!((one.cache_hits, one.cache_misses), (0, 1));
    let two = scan(&spec, &o);
    assert_eq!(
        (two.cache_hits, two.cache_misses),
        (1, 0),
        "the one-pass result was cached"
    );
    assert_eq!(one.inventory, two.inventory);
    assert_eq!(one.inventory.packages.len(), 88);
}

#[test]
fn secret_scanning_keeps_results_small_and_counts_skips() {
    let big = vec![b'a'; (trawl_secret::DEFAULT_MAX_FILE_SIZE + 1) as usize];
    let mut binary = vec![0u8; 4096];
    binary[..4].copy_from_slice(b"\x7fELF");
    let tar = LayerTar::new()
        .file("srv/big.txt", &big)
        .file_mode("usr/bin/tool", &binary, 0o755)
        .file("srv/notes.txt", b"nothing to see here\n")
        .file("etc/pkgs", b"a 1\n")
        .build();
    let img = TestImage::new("t:1").layer(TestLayer::new(tar, Blob::Gzip, "x"));
    let (_d, spec) = oci(&img);
    let secret: Vec<Arc<dyn Analyzer>> = all_analyzers(&Config::default())
        .into_iter()
        .filter(|a| a.kind() == AnalyzerKind::Secret)
        .collect();
    assert!(!secret.is_empty(), "a secret analyzer is registered");
    let mut analyzers = secret;
    analyzers.push(Arc::new(Probe));
    let r = scan(
        &spec,
        &AnalyzeOptions {
            analyzers,
            cache: None,
            parallel: 1,
            ..Default::default()
        },
    );
    assert_eq!(
        r.skipped_files.get("too-large"),
        Some(&1),
        "{:?}",
        r.skipped_files
    );
    assert_eq!(
        r.skipped_files.get("binary"),
        Some(&1),
        "{:?}",
        r.skipped_files
    );
    assert_eq!(names(&r.inventory), vec![("a".into(), "1".into())]);
}

/// A Python module installed by apt belongs to its Debian package (dpkg's `info/<pkg>.list` names its files):
/// it is not reported as a PyPI package too; one installed by pip next to it is. Once a later layer removes the
/// list (the package's record gone), the module counts again.
#[test]
fn language_packages_in_dpkg_listed_files_are_dropped() {
    // Stanza, list and METADATA as Debian's python3-six 1.16.0-4 (bookworm) installs them.
    let status = b"Package: python3-six\nStatus: install ok installed\nPriority: optional\n\
Section: python\nInstalled-Size: 56\nMaintainer: Debian Python Team <team+python@tracker.debian.org>\n\
Architecture: all\nSource: six\nVersion: 1.16.0-4\nDepends: python3:any\n\
Description: Python 2 and 3 compatibility library\n";
    let list = b"/.\n/usr\n/usr/lib\n/usr/lib/python3\n/usr/lib/python3/dist-packages\n\
/usr/lib/python3/dist-packages/six-1.16.0.dist-info\n\
/usr/lib/python3/dist-packages/six-1.16.0.dist-info/INSTALLER\n\
/usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA\n\
/usr/lib/python3/dist-packages/six-1.16.0.dist-info/top_level.txt\n\
/usr/lib/python3/dist-packages/six.py\n";
    let six = b"Metadata-Version: 2.1\nName: six\nVersion: 1.16.0\nSummary: Python 2 and 3 compatibility utilities\n";
    let requests = b"Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\n";
    let base = LayerTar::new()
        .file("var/lib/dpkg/status", status)
        .file("var/lib/dpkg/info/python3-six.list", list)
        .file(
            "usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA",
            six,
        )
        .file(
            "usr/local/lib/python3.11/dist-packages/requests-2.31.0.dist-info/METADATA",
            requests,
        )
        .build();
    let img = TestImage::new("t:1").layer(TestLayer::new(base.clone(), Blob::Gzip, "apt, pip"));
    let (_d, spec) = oci(&img);
    let r = scan(&spec, &opts());
    assert_eq!(
        names(&r.inventory),
        vec![
            ("python3-six".into(), "1.16.0-4".into()),
            ("requests".into(), "2.31.0".into()),
        ]
    );
    // The list gone (a later layer deletes it): nothing claims the module any more.
    let img = TestImage::new("t:2")
        .layer(TestLayer::new(base, Blob::Gzip, "apt, pip"))
        .layer(TestLayer::new(
            LayerTar::new()
                .whiteout("var/lib/dpkg/info/python3-six.list")
                .build(),
            Blob::Gzip,
            "rm list",
        ));
    let (_d2, spec) = oci(&img);
    let r = scan(&spec, &opts());
    assert!(
        names(&r.inventory).contains(&("six".into(), "1.16.0".into())),
        "{:?}",
        names(&r.inventory)
    );
}

/// Every package names the declaration of the analyzer that found it, also when its layer comes from the cache
/// (which stores outputs per analyzer, not the field) and when the analyzer is seen through a path filter.
#[test]
fn packages_name_their_analyzer_fresh_and_cached() {
    let tar = LayerTar::new()
        .file("var/lib/owner", b"x")
        .file("app/node_modules/y/package.json", b"{}")
        .build();
    let img = TestImage::new("t:1").layer(TestLayer::new(tar, Blob::Gzip, "x"));
    let (_d, spec) = oci(&img);
    let cache_dir = tempfile::tempdir().expect("tempdir");
    let cache: Arc<dyn LayerCache> = Arc::new(FsCache::open(cache_dir.path()).expect("cache"));
    let filter = Arc::new(crate::lang::PathFilter::new(&[], &[], &[]).expect("filter"));
    for analyzer in [
        Arc::new(Owner) as Arc<dyn Analyzer>,
        Arc::new(crate::lang::Filtered::new(Arc::new(Owner), filter, "k")),
    ] {
        let o = AnalyzeOptions {
            analyzers: vec![analyzer],
            cache: Some(Arc::clone(&cache)),
            parallel: 1,
            ..Default::default()
        };
        let cold = scan(&spec, &o);
        let warm = scan(&spec, &o);
        assert_eq!((cold.cache_hits, warm.cache_hits), (0, 1));
        for r in [&cold, &warm] {
            assert_eq!(r.inventory.packages.len(), 2);
            for p in &r.inventory.packages {
                assert_eq!(p.analyzer, Some("test/owner"), "{p:?}");
            }
        }
    }
}

#[test]
fn usrmerge_aliases() {
    use super::usrmerge_alias;
    assert_eq!(
        usrmerge_alias("bin/busybox").as_deref(),
        Some("usr/bin/busybox")
    );
    assert_eq!(
        usrmerge_alias("usr/sbin/nginx").as_deref(),
        Some("sbin/nginx")
    );
    assert_eq!(
        usrmerge_alias("usr/lib/x86_64-linux-gnu/libssl.so.3").as_deref(),
        Some("lib/x86_64-linux-gnu/libssl.so.3")
    );
    assert_eq!(usrmerge_alias("usr/local/bin/python3"), None);
    assert_eq!(usrmerge_alias("opt/bin/x"), None);
}
