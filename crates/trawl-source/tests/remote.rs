//! Images by name: from a real `docker-registry` on 127.0.0.1 (pushed with skopeo from the shared data) and from
//! a daemon socket. No Docker or Podman daemon can run here, so the daemon tests serve the two Engine API calls
//! trawl makes (`/images/NAME/json`, `/images/NAME/get` with a chunked docker-archive) from a unix socket in the
//! test: a stand-in for the daemon, with a real image archive as the payload.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use trawl_source::{Image, ImageSrc, OpenOptions, RemoteOptions, SourceError, SourceSpec};
use trawl_test::registry::TestRegistry;

fn layer_digests(image: &Image) -> Vec<(String, String)> {
    use sha2::Digest as _;
    image
        .layers
        .iter()
        .map(|l| {
            let mut r = l.open().expect("layer opens");
            let mut h = sha2::Sha256::new();
            let mut buf = vec![0u8; 1 << 16];
            loop {
                let n = r.read(&mut buf).expect("layer reads and verifies");
                if n == 0 {
                    break;
                }
                h.update(&buf[..n]);
            }
            (
                l.diff_id.clone(),
                format!("sha256:{}", hex::encode(h.finalize())),
            )
        })
        .collect()
}

fn remote_only() -> RemoteOptions {
    RemoteOptions {
        image_src: vec![ImageSrc::Remote],
        ..RemoteOptions::default()
    }
}

fn by_name(reference: &str, options: RemoteOptions) -> SourceSpec {
    SourceSpec::Registry {
        reference: reference.to_owned(),
        options,
    }
}

#[test]
fn parse_names_and_prefixes() {
    match SourceSpec::parse("alpine:3.20").expect("a name") {
        SourceSpec::Registry { reference, options } => {
            assert_eq!(reference, "alpine:3.20");
            assert_eq!(options.image_src, ImageSrc::DEFAULT_ORDER.to_vec());
        }
        other => panic!("{other:?}"),
    }
    match SourceSpec::parse(&format!(
        "registry:127.0.0.1:5000/a/b@sha256:{}",
        "a".repeat(64)
    ))
    .expect("name")
    {
        SourceSpec::Registry { options, .. } => {
            assert_eq!(options.image_src, vec![ImageSrc::Remote])
        }
        other => panic!("{other:?}"),
    }
    match SourceSpec::parse("podman:app").expect("name") {
        SourceSpec::Registry { options, .. } => {
            assert_eq!(options.image_src, vec![ImageSrc::Podman])
        }
        other => panic!("{other:?}"),
    }
    // A missing file is not mistaken for an image name.
    assert!(matches!(
        SourceSpec::parse("./missing.tar"),
        Err(SourceError::BadSpec(_))
    ));
    assert!(matches!(
        SourceSpec::parse("missing.tar.gz"),
        Err(SourceError::BadSpec(_))
    ));
}

#[test]
fn registry_image_equals_archive_image() {
    let shared = trawl_test::require_shared_data!();
    trawl_test::require_registry_tools!();
    let registry = TestRegistry::start();
    for (file, repo) in [
        ("images/alpine-310.tar.gz", "alpine:3.10"),
        ("images/debian-bookworm-slim.tar.gz", "debian:bookworm-slim"),
    ] {
        let archive = shared.join(file);
        registry.push_archive(&archive, repo);
        let local = trawl_source::open(&SourceSpec::DockerArchive(archive)).expect("archive opens");
        let spec = by_name(&registry.reference(repo), remote_only());
        let remote = trawl_source::open(&spec).expect("registry image opens");
        assert_eq!(
            remote.image_id, local.image_id,
            "{repo}: same config digest"
        );
        assert_eq!(
            remote.config.as_ref().map(|c| &c.diff_ids),
            local.config.as_ref().map(|c| &c.diff_ids)
        );
        assert_eq!(remote.layers.len(), local.layers.len());
        assert_eq!(
            layer_digests(&remote),
            layer_digests(&local),
            "{repo}: same uncompressed layers"
        );
        assert_eq!(remote.repo_tags, vec![registry.reference(repo)]);
        assert!(remote.repo_digests[0].starts_with(&format!(
            "{}@sha256:",
            registry.reference(repo.split(':').next().expect("repo"))
        )));
        for pair in layer_digests(&remote) {
            assert_eq!(pair.0, pair.1, "diff ID verified");
        }
    }
}

#[test]
fn platform_all_gives_one_image_per_platform() {
    let shared = trawl_test::require_shared_data!();
    trawl_test::require_registry_tools!();
    let registry = TestRegistry::start();
    let dir = tempfile::tempdir().expect("tmp");
    let info = trawl_test::registry::write_alpine_multiarch_layout(&shared, dir.path());
    registry.push_oci_layout(dir.path(), "3.20", "alpine:3.20", true);
    let all = by_name(
        &registry.reference("alpine:3.20"),
        RemoteOptions {
            platform: trawl_registry::PlatformSelector::All,
            ..remote_only()
        },
    );
    let images = trawl_source::open_all(&all, &OpenOptions::default()).expect("both platforms");
    let archs: Vec<_> = images
        .iter()
        .map(|i| {
            i.config
                .as_ref()
                .and_then(|c| c.architecture.clone())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(archs, vec!["amd64", "arm64"]);
    assert_eq!(
        images[1].image_id.as_deref(),
        Some(info.config_digests[1].as_str())
    );
    // `open` refuses to silently pick one of several.
    assert!(trawl_source::open(&all).is_err());
}

/// Serves `/images/{name}/json` and `/images/{name}/get` (chunked) for one image name on a unix socket.
fn fake_daemon(socket: &Path, name: &str, archive: Vec<u8>) {
    let listener = UnixListener::bind(socket).expect("bind socket");
    let name = name.to_owned();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut line = String::new();
            reader.read_line(&mut line).expect("request line");
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).expect("header") == 0 || h.trim().is_empty() {
                    break;
                }
            }
            let path = line.split_whitespace().nth(1).unwrap_or("").to_owned();
            let mut out = stream;
            if path == format!("/images/{name}/json") {
                let body = br#"{"Id":"sha256:x"}"#;
                write!(
                    out,
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                )
                .expect("write");
                out.write_all(body).expect("write");
            } else if path == format!("/images/{name}/get") {
                write!(out, "HTTP/1.1 200 OK\r\nContent-Type: application/x-tar\r\nTransfer-Encoding: chunked\r\n\r\n")
                    .expect("write");
                for chunk in archive.chunks(100_000) {
                    write!(out, "{:x}\r\n", chunk.len()).expect("write");
                    out.write_all(chunk).expect("write");
                    out.write_all(b"\r\n").expect("write");
                }
                out.write_all(b"0\r\n\r\n").expect("write");
            } else {
                let body = br#"{"message":"No such image"}"#;
                write!(
                    out,
                    "HTTP/1.1 404 Not Found\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                )
                .expect("write");
                out.write_all(body).expect("write");
            }
        }
    });
}

fn gunzip(path: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).expect("open"))
        .read_to_end(&mut out)
        .expect("gunzip");
    out
}

#[test]
fn docker_daemon_export_is_read_and_missing_images_fall_through() {
    let shared = trawl_test::require_shared_data!();
    let archive = shared.join("images/alpine-310.tar.gz");
    let dir = tempfile::tempdir().expect("tmp");
    let socket: PathBuf = dir.path().join("docker.sock");
    fake_daemon(&socket, "alpine:3.10", gunzip(&archive));
    let options = RemoteOptions {
        image_src: vec![ImageSrc::Docker],
        docker_host: Some(format!("unix://{}", socket.display())),
        ..RemoteOptions::default()
    };
    let image = trawl_source::open(&by_name("alpine:3.10", options.clone())).expect("daemon image");
    let local = trawl_source::open(&SourceSpec::DockerArchive(archive)).expect("archive");
    assert_eq!(image.image_id, local.image_id);
    assert_eq!(image.name, "alpine:3.10");
    assert_eq!(layer_digests(&image), layer_digests(&local));

    // Not in the daemon, and no other source: a clear error naming the daemon.
    let err = trawl_source::open(&by_name("alpine:9.9", options)).expect_err("absent");
    assert!(
        err.to_string().contains("docker") && err.to_string().contains("not found"),
        "{err}"
    );

    // docker (absent socket) -> podman (absent) -> remote (a real registry): the registry answers.
    trawl_test::require_registry_tools!();
    let registry = TestRegistry::start();
    registry.push_archive(&shared.join("images/alpine-311.tar.gz"), "alpine:3.11");
    let options = RemoteOptions {
        docker_host: Some(format!(
            "unix://{}",
            dir.path().join("no-docker.sock").display()
        )),
        podman_host: Some(format!(
            "unix://{}",
            dir.path().join("no-podman.sock").display()
        )),
        ..RemoteOptions::default()
    };
    let image = trawl_source::open(&by_name(
        &registry.reference("alpine:3.11"),
        options.clone(),
    ))
    .expect("remote");
    assert!(image.repo_digests[0].contains("@sha256:"));
    // Nowhere: every source's reason is listed.
    let err = trawl_source::open(&by_name(&registry.reference("alpine:0.0"), options))
        .expect_err("nowhere");
    let msg = err.to_string();
    assert!(
        msg.contains("docker:") && msg.contains("podman:") && msg.contains("remote:"),
        "{msg}"
    );
}

#[test]
fn daemon_layers_are_still_verified() {
    use trawl_test::image::{Blob, LayerTar, TestImage, TestLayer};
    let tar = LayerTar::new().file("etc/os-release", b"ID=test\n").build();
    let good = TestLayer::new(tar.clone(), Blob::Plain, "base");
    // Same length, one byte changed inside a file: a valid tar whose diff ID no longer matches.
    let mut tampered = TestLayer::new(tar.clone(), Blob::Plain, "base");
    let mut bytes = tar.clone();
    let at = bytes
        .windows(7)
        .position(|w| w == b"ID=test")
        .expect("content in the tar");
    bytes[at + 3] = b'X';
    tampered.corrupt_blob = Some(bytes);
    // A gzip layer cut short.
    let mut cut = TestLayer::new(tar, Blob::Gzip, "base");
    let gz = cut.blob_bytes();
    cut.corrupt_blob = Some(gz[..gz.len() / 2].to_vec());
    for (name, layer, expect) in [
        ("good:1", good, None),
        ("tampered:1", tampered, Some("diff ID mismatch")),
        ("cut:1", cut, Some("corrupt or truncated blob")),
    ] {
        let dir = tempfile::tempdir().expect("tmp");
        let archive = dir.path().join("image.tar");
        TestImage::new(name)
            .layer(layer)
            .write_docker_archive(&archive, false);
        let socket = dir.path().join("docker.sock");
        fake_daemon(&socket, name, std::fs::read(&archive).expect("archive"));
        let options = RemoteOptions {
            image_src: vec![ImageSrc::Docker],
            docker_host: Some(format!("unix://{}", socket.display())),
            ..RemoteOptions::default()
        };
        let image = trawl_source::open(&by_name(name, options)).expect("daemon image");
        let mut out = Vec::new();
        let read = image.layers[0].open().expect("opens").read_to_end(&mut out);
        match expect {
            None => {
                read.expect("verified");
            }
            Some(needle) => {
                let e = read.expect_err(needle);
                let inner = e
                    .get_ref()
                    .and_then(|i| i.downcast_ref::<SourceError>())
                    .expect("a SourceError naming the layer");
                assert!(inner.to_string().contains(needle), "{name}: {inner}");
            }
        }
    }
}

/// Reads a layer to its end: the error, if any.
fn read_layer(layer: &trawl_source::Layer) -> Option<std::io::Error> {
    let mut r = layer.open().expect("layer opens");
    std::io::copy(&mut r, &mut std::io::sink()).err()
}

#[test]
fn registry_layers_are_verified_while_streaming() {
    use trawl_test::registry::{LayoutImage, LayoutLayer, write_oci_layout};
    trawl_test::require_registry_tools!();
    let registry = TestRegistry::start();
    let files: &[(&str, &[u8])] = &[
        ("etc/os-release", b"ID=test\n"),
        ("srv/data", &[7u8; 300_000]),
    ];
    let good = LayoutLayer::from_files(files, "ADD data");
    // The config names a diff ID the layer does not have (skopeo copies it as is).
    let mut wrong_diff = LayoutLayer::from_files(&files[..1], "ADD os-release");
    wrong_diff.diff_id = format!("sha256:{}", "0".repeat(64));
    for (tag, layer) in [("good", good), ("wrong-diff", wrong_diff)] {
        let dir = tempfile::tempdir().expect("tmp");
        write_oci_layout(
            dir.path(),
            tag,
            &[LayoutImage {
                architecture: "amd64".into(),
                variant: None,
                layers: vec![layer],
                annotations: Vec::new(),
            }],
        );
        registry.push_oci_layout(dir.path(), tag, &format!("t:{tag}"), false);
    }
    let open = |tag: &str| {
        trawl_source::open(&by_name(
            &registry.reference(&format!("t:{tag}")),
            remote_only(),
        ))
        .expect("registry image opens")
    };
    let image = open("good");
    assert!(read_layer(&image.layers[0]).is_none(), "intact layer reads");
    // The blob digest (checked by the download thread) binds a registry layer's content, so the inflated
    // stream is not hashed again: a config's wrong diff ID is only a wrong label. Caches key such layers by
    // the verified blob digest, never by the claimed diff ID, so a lying config cannot poison them.
    let lying = open("wrong-diff");
    assert!(
        read_layer(&lying.layers[0]).is_none(),
        "content matches its blob digest"
    );
    assert_eq!(
        Some(lying.layers[0].content_key()),
        lying.layers[0].digest.as_deref(),
        "keyed by the verified blob digest"
    );
    assert_ne!(lying.layers[0].content_key(), lying.layers[0].diff_id);

    // Change the stored blob behind the registry's back: one byte of the gzip header (the OS field, outside any
    // checksum), so the blob still inflates to the same tar; only its digest tells.
    let digest = image.layers[0]
        .digest
        .clone()
        .expect("registry layers have digests");
    let hex = &digest["sha256:".len()..];
    let path = registry
        .dir()
        .join("data/docker/registry/v2/blobs/sha256")
        .join(&hex[..2])
        .join(hex)
        .join("data");
    let mut blob = std::fs::read(&path).expect("stored blob");
    blob[9] ^= 0x01;
    std::fs::write(&path, &blob).expect("tamper");
    let e = read_layer(&open("good").layers[0]).expect("tampered blob is rejected");
    assert!(
        e.to_string().contains("does not match its digest"),
        "the registry client's digest check: {e}"
    );
}
