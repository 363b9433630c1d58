//! Opening every real image of ../shared/data/images and streaming its layers (which verifies the digests).

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
