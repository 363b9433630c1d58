//! The client against a real registry: Debian's `docker-registry` on 127.0.0.1, images pushed with `skopeo` from
//! the shared data, with and without htpasswd basic auth.

use base64::Engine as _;
use std::io::Read as _;
use std::path::Path;
use trawl_registry::{
    Client, ClientOptions, CredentialOptions, Digest, DockerConfigSource, Error, OCI_MANIFEST,
    PlatformSelector, Reference, Registry, Repository, Secret,
};
use trawl_test::registry::{TestRegistry, write_alpine_multiarch_layout};

fn client(credentials: CredentialOptions) -> Client {
    Client::new(ClientOptions {
        credentials,
        ..ClientOptions::default()
    })
    .expect("client")
}

fn no_config() -> CredentialOptions {
    CredentialOptions {
        docker_config: DockerConfigSource::Disabled,
        ..CredentialOptions::default()
    }
}

fn sha256_hex_of_file(path: &Path) -> String {
    Digest::sha256_of(&std::fs::read(path).expect("read")).to_string()
}

#[test]
fn pull_alpine_from_real_registry_verifies_every_blob() {
    let shared = trawl_test::require_shared_data!();
    trawl_test::require_registry_tools!();
    let registry = TestRegistry::start();
    registry.push_archive(
        &shared.join("images/alpine-310.tar.gz"),
        "library/alpine:3.10",
    );
    let client = client(no_config());
    let reference: Reference = registry
        .reference("library/alpine:3.10")
        .parse()
        .expect("ref");
    let images = client
        .resolve(&reference, &PlatformSelector::Default)
        .expect("resolve");
    assert_eq!(images.len(), 1);
    let image = &images[0];
    assert_eq!(image.manifest.layers.len(), 1);
    assert_eq!(
        image.platform.as_ref().map(ToString::to_string).as_deref(),
        Some("linux/amd64")
    );
    assert!(
        image
            .repo_digest()
            .starts_with(&format!("{}/library/alpine@sha256:", registry.host()))
    );
    // The config is the one in the archive (skopeo keeps it byte for byte).
    assert_eq!(
        Digest::sha256_of(&image.config),
        image.manifest.config.digest
    );
    let mut blob = client
        .open_blob(
            &reference.repository,
            &image.manifest.layers[0].digest,
            Some(image.manifest.layers[0].size),
        )
        .expect("open");
    let mut n = 0u64;
    let mut buf = vec![0u8; 65536];
    loop {
        let k = blob.read(&mut buf).expect("verified read");
        if k == 0 {
            break;
        }
        n += k as u64;
    }
    assert_eq!(n, image.manifest.layers[0].size);
    // Pinning by digest gives the same manifest.
    let pinned = client
        .pull_manifest(&reference.with_digest(image.manifest_digest.clone()))
        .expect("by digest");
    assert_eq!(pinned.digest, image.manifest_digest);
    // Listing.
    assert_eq!(
        client.catalog(reference.registry()).expect("catalog"),
        vec!["library/alpine"]
    );
    assert_eq!(
        client.tags(&reference.repository).expect("tags"),
        vec!["3.10"]
    );
    // A missing tag is a NotFound naming it.
    let missing: Reference = registry
        .reference("library/alpine:nope")
        .parse()
        .expect("ref");
    let err = client.pull_manifest(&missing).expect_err("missing");
    assert!(err.is_not_found(), "{err:?}");
    assert!(err.to_string().contains("alpine:nope"), "{err}");
}

#[test]
fn multiarch_index_platform_selection() {
    let shared = trawl_test::require_shared_data!();
    trawl_test::require_registry_tools!();
    let registry = TestRegistry::start();
    let layout = tempfile::tempdir().expect("tmp");
    let info = write_alpine_multiarch_layout(&shared, layout.path());
    registry.push_oci_layout(layout.path(), "3.20", "alpine:3.20", true);
    let client = client(no_config());
    let reference: Reference = registry.reference("alpine:3.20").parse().expect("ref");

    let arm = client
        .resolve(&reference, &"linux/arm64".parse().expect("platform"))
        .expect("arm64");
    assert_eq!(arm.len(), 1);
    assert_eq!(arm[0].manifest_digest.to_string(), info.manifest_digests[1]);
    assert_eq!(
        arm[0].manifest.config.digest.to_string(),
        info.config_digests[1]
    );
    assert_eq!(
        arm[0].index_digest.as_ref().map(ToString::to_string),
        Some(info.top_digest.clone())
    );
    assert_eq!(
        arm[0].platform.as_ref().map(ToString::to_string).as_deref(),
        Some("linux/arm64/v8")
    );

    let amd = client
        .resolve(&reference, &"linux/amd64".parse().expect("platform"))
        .expect("amd64");
    assert_eq!(amd[0].manifest_digest.to_string(), info.manifest_digests[0]);

    let all = client
        .resolve(&reference, &PlatformSelector::All)
        .expect("all");
    let platforms: Vec<String> = all
        .iter()
        .map(|i| {
            i.platform
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(platforms, vec!["linux/amd64", "linux/arm64/v8"]);

    let err = client
        .resolve(&reference, &"linux/s390x".parse().expect("platform"))
        .expect_err("absent platform");
    assert!(matches!(err, Error::NoMatchingPlatform { .. }), "{err:?}");
    assert!(err.to_string().contains("linux/arm64/v8"), "{err}");

    // The layer blob is the minirootfs tarball itself.
    let blob = &arm[0].manifest.layers[0];
    assert_eq!(
        blob.digest.to_string(),
        sha256_hex_of_file(
            &shared.join("images/alpine-minirootfs/alpine-minirootfs-3.20.3-aarch64.tar.gz")
        )
    );
}

#[test]
fn basic_auth_right_wrong_and_missing_credentials() {
    let shared = trawl_test::require_shared_data!();
    trawl_test::require_registry_tools!();
    let registry = TestRegistry::start_with_auth("alice", "correct-horse-9");
    registry.push_archive(&shared.join("images/alpine-311.tar.gz"), "alpine:3.11");
    let reference: Reference = registry.reference("alpine:3.11").parse().expect("ref");

    let good = client(CredentialOptions {
        username: Some("alice".into()),
        password: Some(Secret::new("correct-horse-9")),
        ..no_config()
    });
    let images = good
        .resolve(&reference, &PlatformSelector::Default)
        .expect("authorised");
    assert_eq!(images.len(), 1);

    let bad = client(CredentialOptions {
        username: Some("alice".into()),
        password: Some(Secret::new("battery-staple-0")),
        ..no_config()
    });
    let err = bad
        .resolve(&reference, &PlatformSelector::Default)
        .expect_err("wrong password");
    assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}");
    let shown = format!("{err} | {err:?} | {bad:?}");
    assert!(
        shown.contains(&registry.host()) && shown.contains("\"alice\""),
        "{shown}"
    );
    assert!(
        !shown.contains("battery-staple-0") && !shown.contains("correct-horse-9"),
        "{shown}"
    );

    let anonymous = client(no_config());
    let err = anonymous
        .resolve(&reference, &PlatformSelector::Default)
        .expect_err("no credentials");
    assert!(err.is_auth(), "{err:?}");
    assert!(err.to_string().contains("--username"), "{err}");
}

#[test]
fn credentials_from_docker_config_auths_and_cred_helper() {
    let shared = trawl_test::require_shared_data!();
    trawl_test::require_registry_tools!();
    let registry = TestRegistry::start_with_auth("carol", "helper-pass-42");
    registry.push_archive(&shared.join("images/alpine-310.tar.gz"), "alpine:3.10");
    let reference: Reference = registry.reference("alpine:3.10").parse().expect("ref");
    let dir = tempfile::tempdir().expect("tmp");

    // 1. An `auths` entry, keyed the way `docker login` writes it.
    let auth = base64::engine::general_purpose::STANDARD.encode("carol:helper-pass-42");
    let config = dir.path().join("auths.json");
    std::fs::write(
        &config,
        format!(
            r#"{{"auths":{{"http://{}":{{"auth":"{auth}"}}}}}}"#,
            registry.host()
        ),
    )
    .expect("write config");
    let c = client(CredentialOptions {
        docker_config: DockerConfigSource::File(config),
        ..CredentialOptions::default()
    });
    c.resolve(&reference, &PlatformSelector::Default)
        .expect("auths entry works");

    // 2. A `credHelpers` entry: a helper script answering the credential-helper protocol.
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).expect("bin");
    let helper = bin.join("docker-credential-trawltest");
    let asked = dir.path().join("asked");
    std::fs::write(
        &helper,
        format!(
            "#!/bin/sh\n[ \"$1\" = get ] || exit 1\nread server\necho \"$server\" > {}\n\
             printf '{{\"ServerURL\":\"%s\",\"Username\":\"carol\",\"Secret\":\"helper-pass-42\"}}' \"$server\"\n",
            asked.display()
        ),
    )
    .expect("write helper");
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&helper)
        .status()
        .expect("chmod");
    let config = dir.path().join("helpers.json");
    std::fs::write(
        &config,
        format!(
            r#"{{"auths":{{}},"credHelpers":{{"{}":"trawltest"}}}}"#,
            registry.host()
        ),
    )
    .expect("write config");
    let path = std::env::join_paths(std::iter::once(bin.clone()).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .expect("PATH");
    let c = client(CredentialOptions {
        docker_config: DockerConfigSource::File(config.clone()),
        helper_path: Some(path.clone()),
        ..CredentialOptions::default()
    });
    c.resolve(&reference, &PlatformSelector::Default)
        .expect("credHelpers entry works");
    assert_eq!(
        std::fs::read_to_string(&asked).expect("helper ran").trim(),
        registry.host()
    );

    // 3. A helper that fails is reported by name.
    std::fs::write(&helper, "#!/bin/sh\necho 'backend exploded' >&2\nexit 3\n")
        .expect("rewrite helper");
    let c = client(CredentialOptions {
        docker_config: DockerConfigSource::File(config),
        helper_path: Some(path),
        ..CredentialOptions::default()
    });
    let err = c
        .resolve(&reference, &PlatformSelector::Default)
        .expect_err("helper fails");
    assert!(matches!(err, Error::CredentialHelper { .. }), "{err:?}");
    assert!(
        err.to_string().contains("docker-credential-trawltest"),
        "{err}"
    );
}

#[test]
fn push_blob_and_manifest_then_pull_back() {
    trawl_test::require_registry_tools!();
    let registry = TestRegistry::start_with_auth("pusher", "push-pw");
    let c = client(CredentialOptions {
        username: Some("pusher".into()),
        password: Some(Secret::new("push-pw")),
        ..no_config()
    });
    let repo =
        Repository::new(Registry::new(&registry.host()).expect("host"), "trawl/db").expect("repo");
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("db.bin");
    let payload: Vec<u8> = (0..3_000_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    std::fs::write(&file, &payload).expect("write");
    let (layer, size) = c.push_blob_file(&repo, &file).expect("push file blob");
    assert_eq!(size, payload.len() as u64);
    assert!(c.blob_exists(&repo, &layer).expect("head"));
    // Pushing again is a no-op (HEAD finds it).
    assert_eq!(c.push_blob_file(&repo, &file).expect("again").0, layer);
    let config = c.push_blob(&repo, b"{}").expect("push config");
    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"{OCI_MANIFEST}","artifactType":"application/vnd.trawl.db","config":{{"mediaType":"application/vnd.oci.empty.v1+json","digest":"{config}","size":2}},"layers":[{{"mediaType":"application/vnd.trawl.db.v1","digest":"{layer}","size":{size}}}]}}"#
    );
    let digest = c
        .push_manifest(&repo, "1", OCI_MANIFEST, manifest.as_bytes())
        .expect("push manifest");
    let pulled = c
        .pull_manifest(
            &format!("{}/trawl/db:1", registry.host())
                .parse()
                .expect("ref"),
        )
        .expect("pull");
    assert_eq!(pulled.digest, digest);
    assert_eq!(pulled.bytes, manifest.as_bytes());
    let mut back = Vec::new();
    c.pull_blob_to(&repo, &layer, Some(size), &mut back)
        .expect("pull blob");
    assert_eq!(back, payload);
}

#[test]
fn tls_registry_loopback_default_and_cacert_verification() {
    let shared = trawl_test::require_shared_data!();
    trawl_test::require_registry_tools!();
    let registry = TestRegistry::start_tls();
    registry.push_archive(&shared.join("images/alpine-310.tar.gz"), "alpine:3.10");
    let reference: Reference = registry.reference("alpine:3.10").parse().expect("ref");

    // Loopback: HTTPS without verification, as docker does.
    let lax = client(no_config());
    assert_eq!(
        lax.resolve(&reference, &PlatformSelector::Default)
            .expect("https, unverified")
            .len(),
        1
    );

    // Verified like any host: the self-issued certificate is refused...
    let strict = |ca_certs: Vec<std::path::PathBuf>| {
        Client::new(ClientOptions {
            loopback_insecure: false,
            ca_certs,
            credentials: no_config(),
            retry: trawl_registry::RetryPolicy {
                max_retries: 0,
                ..trawl_registry::RetryPolicy::default()
            },
            ..ClientOptions::default()
        })
    };
    let err = strict(vec![])
        .expect("client")
        .resolve(&reference, &PlatformSelector::Default)
        .expect_err("unknown issuer");
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains(&format!("https://{}", registry.host())),
        "{err}"
    );
    // ... and accepted with its CA (--cacert).
    let images = strict(vec![registry.ca_cert()])
        .expect("client")
        .resolve(&reference, &PlatformSelector::Default)
        .expect("verified with --cacert");
    assert_eq!(images.len(), 1);

    // A --cacert that is not PEM is a clear error naming the file.
    let dir = tempfile::tempdir().expect("tmp");
    let bogus = dir.path().join("not-a-cert.pem");
    std::fs::write(&bogus, "hello").expect("write");
    let err = strict(vec![bogus.clone()]).expect_err("bad PEM");
    assert!(
        matches!(err, Error::CaCert { .. }) && err.to_string().contains("not-a-cert.pem"),
        "{err}"
    );
}

/// A plain-TCP stand-in for a token service on another loopback address (127.0.0.2): it records every request's
/// head and answers 401. A real server would be no more real here: what matters is what reaches it.
fn recording_token_service() -> (
    String,
    std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    std::thread::JoinHandle<()>,
) {
    use std::io::{BufRead as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.2:0").expect("bind 127.0.0.2");
    listener.set_nonblocking(true).expect("nonblocking");
    let addr = listener.local_addr().expect("addr");
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = std::sync::Arc::clone(&seen);
    let handle = std::thread::spawn(move || {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while std::time::Instant::now() < deadline {
            let Ok((stream, _)) = listener.accept() else {
                std::thread::sleep(std::time::Duration::from_millis(20));
                if std::sync::Arc::strong_count(&record) == 1 {
                    return;
                }
                continue;
            };
            stream.set_nonblocking(false).expect("blocking");
            let mut reader = std::io::BufReader::new(stream.try_clone().expect("clone"));
            let mut head = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                head.push_str(&line);
            }
            record.lock().expect("lock").push(head);
            let mut stream = stream;
            let _ = stream.write_all(
                b"HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            );
        }
    });
    (format!("http://{addr}/token"), seen, handle)
}

/// Issue 14: an HTTPS registry whose token realm is plain HTTP (on another host) must not get the user's password
/// in clear: refused with a message naming the realm, unless --insecure. The realm is on loopback (127.0.0.2),
/// so the refusal is the "no weaker scheme than the registry's" rule, not the loopback exception.
#[test]
fn password_never_goes_in_clear_to_a_plain_http_realm_of_a_tls_registry() {
    trawl_test::require_registry_tools!();
    let (realm, seen, handle) = recording_token_service();
    let registry = TestRegistry::start_tls_with_token_realm(&realm);
    let creds = CredentialOptions {
        username: Some("alice".into()),
        password: Some(Secret::new("s3cret-pass")),
        docker_config: DockerConfigSource::Disabled,
        ..CredentialOptions::default()
    };
    let reg = Registry::new(&registry.host()).expect("registry");
    let err = client(creds.clone())
        .ping(&reg)
        .expect_err("a plain-HTTP realm of a TLS registry is refused");
    let msg = err.to_string();
    assert!(msg.contains(&realm), "{msg}");
    assert!(
        msg.contains("plain HTTP") && msg.contains("--insecure"),
        "{msg}"
    );
    assert!(!msg.contains("s3cret-pass"), "{msg}");
    assert!(
        seen.lock().expect("lock").is_empty(),
        "the realm was contacted: {:?}",
        seen.lock().expect("lock")
    );
    // The control: with --insecure the same client does send Basic credentials there (so the check above
    // could have failed).
    let insecure = Client::new(ClientOptions {
        credentials: creds,
        insecure: true,
        ..ClientOptions::default()
    })
    .expect("client");
    let err = insecure
        .ping(&reg)
        .expect_err("the stand-in token service answers 401");
    assert!(matches!(err, Error::Unauthorized { .. }), "{err}");
    let expected = format!(
        "authorization: basic {}",
        base64::engine::general_purpose::STANDARD.encode("alice:s3cret-pass")
    )
    .to_ascii_lowercase();
    let heads = seen.lock().expect("lock").clone();
    assert!(
        heads
            .iter()
            .any(|h| h.to_ascii_lowercase().contains(&expected)),
        "{heads:?}"
    );
    drop(seen);
    handle.join().expect("token service thread");
}
