//! Opening every real image of ../shared/data/images and streaming its layers (which verifies the digests).

use std::io::Read;
use std::path::Path;
use trawl_source::{ArtifactKind, SourceError, SourceSpec, open};

fn drain(image: &trawl_source::Image) -> Vec<u64> {
    image
        .layers
        .iter()
        .map(|l| {
            let mut r = l.open().expect("layer opens");
            std::io::copy(&mut r, &mut std::io::sink()).expect("layer streams and verifies")
        })
        .collect()
}

#[test]
fn docker_archives_gzipped() {
    let data = trawl_test::require_shared_data!();
    let p = data.join("images/alpine-310.tar.gz");
    let spec = SourceSpec::parse(&format!("docker-archive:{}", p.display())).expect("spec");
    assert_eq!(spec, SourceSpec::DockerArchive(p.clone()));
    assert_eq!(
        SourceSpec::detect(&p).expect("detect"),
        SourceSpec::DockerArchive(p.clone())
    );
    let img = open(&spec).expect("open");
    assert_eq!(img.kind, ArtifactKind::ContainerImage);
    assert_eq!(img.repo_tags, vec!["alpine:3.10".to_owned()]);
    assert_eq!(
        img.image_id.as_deref(),
        Some("sha256:af341ccd2df8b0e2d67cf8dd32e087bfda4e5756ebd1c76bbf3efa0dc246590e")
    );
    assert!(img.sequential);
    assert_eq!(img.layers.len(), 1);
    let cfg = img.config.as_ref().expect("config");
    assert_eq!(cfg.os.as_deref(), Some("linux"));
    assert_eq!(cfg.architecture.as_deref(), Some("amd64"));
    assert!(
        img.layers[0]
            .created_by
            .as_deref()
            .is_some_and(|c| c.contains("ADD file:"))
    );
    assert_eq!(drain(&img), vec![5_818_880]);

    let p = data.join("images/debian-bookworm-slim.tar.gz");
    let img = open(&SourceSpec::detect(&p).expect("detect")).expect("open");
    assert_eq!(img.repo_tags, vec!["debian:bookworm-slim".to_owned()]);
    assert_eq!(drain(&img), vec![82_339_840]);
}

#[test]
fn oci_layout_dirs() {
    let data = trawl_test::require_shared_data!();
    for (name, tag) in [
        ("busybox-latest-musl-amd64", "1.38.0-musl"),
        ("busybox-latest-glibc-amd64", "1.38.0-glibc"),
    ] {
        let dir = data.join("images/busybox/oci-layout").join(name);
        let spec = SourceSpec::detect(&dir).expect("detect");
        assert_eq!(
            spec,
            SourceSpec::OciDir {
                path: dir.clone(),
                reference: None
            }
        );
        let img = open(&spec).expect("open");
        assert!(!img.sequential);
        assert_eq!(img.layers.len(), 1);
        assert!(img.layers[0].digest.is_some());
        assert!(img.layers[0].diff_id.starts_with("sha256:"));
        assert_eq!(img.repo_tags, vec![format!("busybox:{tag}")]);
        drain(&img);
        // Pick by tag, by full ref name, by digest; a wrong tag names what is there.
        let by_tag = SourceSpec::parse(&format!("oci:{}:{tag}", dir.display())).expect("spec");
        assert_eq!(open(&by_tag).expect("by tag").image_id, img.image_id);
        let err = open(&SourceSpec::OciDir {
            path: dir.clone(),
            reference: Some("nope".into()),
        })
        .expect_err("no such tag");
        assert!(matches!(err, SourceError::NoSuchImage { .. }), "{err}");
        assert!(err.to_string().contains(&format!("busybox:{tag}")), "{err}");
    }
}

#[test]
fn rootfs_dir_is_one_walked_layer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let img = open(&SourceSpec::Rootfs(dir.path().to_owned())).expect("open");
    assert_eq!(img.kind, ArtifactKind::Rootfs);
    assert_eq!(img.layers.len(), 1);
    assert_eq!(img.layers[0].root_dir(), Some(dir.path()));
    assert!(img.layers[0].open().is_err());
    // A plain directory is not an image.
    let err = SourceSpec::detect(dir.path()).expect_err("not an OCI layout");
    assert!(err.to_string().contains("trawl rootfs"), "{err}");
}

#[test]
fn bad_specs() {
    assert!(matches!(
        SourceSpec::parse("docker-archive:"),
        Err(SourceError::BadSpec(_))
    ));
    assert!(matches!(
        SourceSpec::parse("/definitely/not/here"),
        Err(SourceError::BadSpec(_))
    ));
    let err = open(&SourceSpec::DockerArchive(
        Path::new("/definitely/not/here.tar").into(),
    ))
    .expect_err("missing");
    assert!(
        err.to_string().contains("/definitely/not/here.tar"),
        "{err}"
    );
}

#[test]
fn compressed_archive_index_is_kept_between_runs() {
    let data = trawl_test::require_shared_data!();
    let tmp = tempfile::tempdir().expect("tempdir");
    let archive = tmp.path().join("alpine.tar.gz");
    std::fs::copy(data.join("images/alpine-311.tar.gz"), &archive).expect("copy");
    let index_dir = tmp.path().join("index");
    let opts = trawl_source::OpenOptions {
        reference: None,
        index_dir: Some(index_dir.clone()),
    };
    let spec = SourceSpec::DockerArchive(archive.clone());
    let first = trawl_source::open_with(&spec, &opts).expect("open");
    assert_eq!(std::fs::read_dir(&index_dir).expect("index dir").count(), 1);
    let second = trawl_source::open_with(&spec, &opts).expect("open from the saved index");
    assert_eq!(second.image_id, first.image_id);
    assert_eq!(second.repo_tags, first.repo_tags);
    assert_eq!(drain(&second), drain(&first));
    // A changed file is another key (its index is rebuilt).
    let f = std::fs::File::options()
        .write(true)
        .open(&archive)
        .expect("open rw");
    f.set_modified(std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000))
        .expect("mtime");
    trawl_source::open_with(&spec, &opts).expect("open");
    assert_eq!(std::fs::read_dir(&index_dir).expect("index dir").count(), 2);
}

#[test]
fn assembled_formats_agree() {
    use trawl_test::image::{Blob, LayerTar, TestImage, TestLayer};
    let l0 = LayerTar::new().dir("etc").file("etc/a", b"a").build();
    let l1 = LayerTar::new()
        .whiteout("etc/a")
        .file("etc/b", b"b")
        .build();
    let img = TestImage::new("trawl/t:1")
        .layer(TestLayer::new(l0, Blob::Zstd, "one"))
        .layer(TestLayer::new(l1, Blob::Gzip, "two"));
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut specs = Vec::new();
    for gz in [false, true] {
        let p = tmp.path().join(format!("d{gz}.tar"));
        img.write_docker_archive(&p, gz);
        specs.push(SourceSpec::detect(&p).expect("detect docker"));
        let p = tmp.path().join(format!("o{gz}.tar"));
        img.write_oci_archive(&p, gz);
        let spec = SourceSpec::detect(&p).expect("detect oci");
        assert_eq!(spec, SourceSpec::OciArchive(p.clone()));
        specs.push(spec);
    }
    let dir = tmp.path().join("layout");
    img.write_oci_dir(&dir);
    specs.push(SourceSpec::detect(&dir).expect("detect dir"));
    for spec in &specs {
        let image = open(spec).unwrap_or_else(|e| panic!("{spec:?}: {e}"));
        assert_eq!(image.layers.len(), 2, "{spec:?}");
        let diffs: Vec<&str> = image.layers.iter().map(|l| l.diff_id.as_str()).collect();
        assert_eq!(
            diffs,
            vec![img.layers[0].diff_id(), img.layers[1].diff_id()],
            "{spec:?}"
        );
        let created: Vec<Option<&str>> = image
            .layers
            .iter()
            .map(|l| l.created_by.as_deref())
            .collect();
        assert_eq!(created, vec![Some("one"), Some("two")], "{spec:?}");
        // Layers opened out of order and twice still stream and verify (parked decoders for compressed ones).
        for i in [1, 0, 1] {
            let mut r = image.layers[i].open().expect("open layer");
            let mut out = Vec::new();
            r.read_to_end(&mut out).expect("stream");
            assert_eq!(out, img.layers[i].tar, "{spec:?} layer {i}");
        }
    }
}

#[test]
fn oci_index_with_several_images_needs_a_choice() {
    use trawl_test::image::{Blob, LayerTar, TestImage, TestLayer};
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("layout");
    let a = TestImage::new("repo:one").layer(TestLayer::new(
        LayerTar::new().file("a", b"1").build(),
        Blob::Gzip,
        "a",
    ));
    let b = TestImage::new("repo:two").layer(TestLayer::new(
        LayerTar::new().file("b", b"2").build(),
        Blob::Zstd,
        "b",
    ));
    a.write_oci_dir(&dir);
    let first: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("index.json")).expect("index"))
            .expect("json");
    b.write_oci_dir(&dir);
    let mut index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("index.json")).expect("index"))
            .expect("json");
    let second_digest = index["manifests"][0]["digest"]
        .as_str()
        .expect("digest")
        .to_owned();
    index["manifests"]
        .as_array_mut()
        .expect("array")
        .insert(0, first["manifests"][0].clone());
    std::fs::write(
        dir.join("index.json"),
        serde_json::to_vec(&index).expect("json"),
    )
    .expect("write");

    let err = open(&SourceSpec::OciDir {
        path: dir.clone(),
        reference: None,
    })
    .expect_err("ambiguous");
    assert!(
        err.to_string().contains("repo:one") && err.to_string().contains("repo:two"),
        "{err}"
    );
    let one = open(&SourceSpec::parse(&format!("oci:{}:one", dir.display())).expect("spec"))
        .expect("by tag");
    assert_eq!(one.layers[0].diff_id, a.layers[0].diff_id());
    let two = open(&SourceSpec::OciDir {
        path: dir.clone(),
        reference: Some(second_digest),
    })
    .expect("by digest");
    assert_eq!(two.layers[0].diff_id, b.layers[0].diff_id());
    assert_eq!(two.repo_tags, vec!["repo:two".to_owned()]);
}

/// Issue 14: a saved index that parses but is wrong (emptied, an old shape, a manifest that does not match) is
/// detected and rebuilt from the archive, not a hard failure.
#[test]
fn wrong_saved_index_is_rebuilt() {
    let data = trawl_test::require_shared_data!();
    let tmp = tempfile::tempdir().expect("tempdir");
    let archive = tmp.path().join("alpine.tar.gz");
    std::fs::copy(data.join("images/alpine-311.tar.gz"), &archive).expect("copy");
    let index_dir = tmp.path().join("index");
    let opts = trawl_source::OpenOptions {
        reference: None,
        index_dir: Some(index_dir.clone()),
    };
    let spec = SourceSpec::DockerArchive(archive.clone());
    let first = trawl_source::open_with(&spec, &opts).expect("open");
    let saved = std::fs::read_dir(&index_dir)
        .expect("index dir")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "json"))
        .expect("a saved index");
    let good: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&saved).expect("read")).expect("json");
    let mut wrong_manifest = good.clone();
    let small = wrong_manifest["small"]
        .as_object_mut()
        .expect("small entries");
    let manifest_hex = hex_of(b"[{\"Config\":\"nope.json\",\"Layers\":[\"nope.tar\"]}]");
    let len = manifest_hex.len() / 2;
    small.insert("manifest.json".into(), manifest_hex.into());
    wrong_manifest["items"]["manifest.json"]["File"]["size"] = len.into();
    let cases = [
        (
            "emptied",
            serde_json::json!({"version": 2, "items": {}, "small": {}}),
        ),
        (
            "an older shape",
            serde_json::json!({"items": good["items"], "small": good["small"]}),
        ),
        ("a manifest naming other files", wrong_manifest),
    ];
    for (what, bad) in cases {
        std::fs::write(&saved, serde_json::to_vec(&bad).expect("json")).expect("write");
        let image = trawl_source::open_with(&spec, &opts)
            .unwrap_or_else(|e| panic!("{what}: not rebuilt: {e}"));
        assert_eq!(image.image_id, first.image_id, "{what}");
        assert_eq!(drain(&image), drain(&first), "{what}");
        let now: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&saved).expect("rebuilt index")).expect("json");
        assert_eq!(
            now["items"], good["items"],
            "{what}: the index is saved again"
        );
    }
}

fn hex_of(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
