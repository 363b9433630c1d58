//! A real OCI registry for tests: Debian's `docker-registry` (distribution 2.8) on 127.0.0.1 at a free port, with
//! a generated `config.yml` in a temporary directory, optionally behind htpasswd basic auth (bcrypt entries written
//! by `htpasswd` from apache2-utils, else python `bcrypt`), stopped on `Drop`. Images are pushed with `skopeo`.
//!
//! Also builds OCI image layouts from plain layer tarballs, including the two-platform alpine 3.20 index from the
//! x86_64 and aarch64 minirootfs in the shared data.
//!
//! Tools come from `.ci/setup.d/50-registry.sh`; [`tools_missing`] tells a test which are absent.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const REGISTRY_BIN: &str = "/usr/bin/docker-registry";

/// The tools a registry test needs that are not installed (empty when all are there).
pub fn tools_missing() -> Vec<&'static str> {
    let mut missing = Vec::new();
    if !Path::new(REGISTRY_BIN).is_file() {
        missing.push("docker-registry");
    }
    if Command::new("skopeo").arg("--version").output().is_err() {
        missing.push("skopeo");
    }
    missing
}

/// Returns early from the calling test when docker-registry or skopeo is absent (failing under CI, which must
/// have them via `.ci/setup.d/50-registry.sh`).
#[macro_export]
macro_rules! require_registry_tools {
    () => {{
        let missing = $crate::registry::tools_missing();
        if !missing.is_empty() {
            assert!(
                std::env::var_os("CI").is_none(),
                "registry test tools missing under CI: {missing:?} (run .ci/setup.d/50-registry.sh)"
            );
            #[expect(clippy::print_stderr, reason = "test skip notice")]
            {
                eprintln!("skipping: missing {missing:?} (run .ci/setup.d/50-registry.sh)");
            }
            return;
        }
    }};
}

/// A running `docker-registry`, killed on drop.
pub struct TestRegistry {
    child: Child,
    port: u16,
    credentials: Option<(String, String)>,
    tls: bool,
    dir: tempfile::TempDir,
}

impl std::fmt::Debug for TestRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestRegistry")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

impl TestRegistry {
    /// A registry without authentication.
    pub fn start() -> Self {
        Self::launch(None, false, None)
    }

    /// A registry without authentication that logs every request (see [`TestRegistry::blob_gets`]).
    pub fn start_logged() -> Self {
        Self::launch_with(None, false, None, true)
    }

    /// How many blob downloads (`GET /v2/.../blobs/...`) the access log of a [`TestRegistry::start_logged`]
    /// registry shows so far.
    pub fn blob_gets(&self) -> usize {
        std::fs::read_to_string(self.dir.path().join("registry.log"))
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("\"GET /v2/") && l.contains("/blobs/sha256:"))
            .count()
    }

    /// A registry that requires HTTP basic auth for `user`/`password` (htpasswd, bcrypt).
    pub fn start_with_auth(user: &str, password: &str) -> Self {
        Self::launch(Some((user.to_owned(), password.to_owned())), false, None)
    }

    /// A registry serving HTTPS only, with a certificate for `127.0.0.1` issued by a throw-away CA (see
    /// [`TestRegistry::ca_cert`]); generated with `openssl`.
    pub fn start_tls() -> Self {
        Self::launch(None, true, None)
    }

    /// A TLS registry (as [`TestRegistry::start_tls`]) with token authentication whose challenge names `realm`
    /// as the token service (`WWW-Authenticate: Bearer realm="REALM",service="trawl-test"`). Nothing checks
    /// tokens here beyond the registry itself: for tests of what a client sends to the realm.
    pub fn start_tls_with_token_realm(realm: &str) -> Self {
        Self::launch(None, true, Some(realm))
    }

    /// The PEM file of the CA that issued a TLS registry's certificate.
    pub fn ca_cert(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    fn launch(credentials: Option<(String, String)>, tls: bool, token_realm: Option<&str>) -> Self {
        Self::launch_with(credentials, tls, token_realm, false)
    }

    fn launch_with(
        credentials: Option<(String, String)>,
        tls: bool,
        token_realm: Option<&str>,
        access_log: bool,
    ) -> Self {
        let dir = tempfile::tempdir().expect("temp dir for the registry");
        let tls_config = if tls {
            make_certificates(dir.path());
            format!(
                "  tls:\n    certificate: {}\n    key: {}\n",
                dir.path().join("server.pem").display(),
                dir.path().join("server.key").display()
            )
        } else {
            String::new()
        };
        let auth = match &credentials {
            Some((user, password)) => {
                let path = dir.path().join("htpasswd");
                std::fs::write(&path, htpasswd_line(user, password)).expect("write htpasswd");
                format!(
                    "auth:\n  htpasswd:\n    realm: trawl-test\n    path: {}\n",
                    path.display()
                )
            }
            None => match token_realm {
                Some(realm) => format!(
                    "auth:\n  token:\n    realm: \"{realm}\"\n    service: trawl-test\n    issuer: trawl-test\n    \
                     rootcertbundle: {}\n",
                    dir.path().join("ca.pem").display()
                ),
                None => String::new(),
            },
        };
        let mut last_log = String::new();
        let log_config = if access_log {
            "log:\n  level: info\n  accesslog:\n    disabled: false\n"
        } else {
            "log:\n  level: error\n  accesslog:\n    disabled: true\n"
        };
        for _ in 0..5 {
            let port = free_port();
            let config = format!(
                "version: 0.1\n{log_config}storage:\n  filesystem:\n    \
                 rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n{tls_config}{auth}",
                dir.path().join("data").display()
            );
            let config_path = dir.path().join("config.yml");
            std::fs::write(&config_path, config).expect("write registry config");
            let log_path = dir.path().join("registry.log");
            let log = std::fs::File::create(&log_path).expect("registry log");
            let mut child = Command::new(REGISTRY_BIN)
                .arg("serve")
                .arg(&config_path)
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("dup log"))
                .stderr(log)
                .spawn()
                .expect("start /usr/bin/docker-registry (run .ci/setup.d/50-registry.sh)");
            let deadline = Instant::now() + Duration::from_secs(15);
            let mut ready = false;
            while Instant::now() < deadline {
                if child.try_wait().expect("poll registry").is_some() {
                    break;
                }
                if (tls && TcpStream::connect(("127.0.0.1", port)).is_ok())
                    || http_status(port, "/v2/").is_some()
                {
                    ready = true;
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            if ready {
                return TestRegistry {
                    child,
                    port,
                    credentials,
                    tls,
                    dir,
                };
            }
            let _ = child.kill();
            let _ = child.wait();
            last_log = std::fs::read_to_string(&log_path).unwrap_or_default();
        }
        panic!("docker-registry did not start; last log:\n{last_log}");
    }

    /// `127.0.0.1:PORT`.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:PORT/{repo_tag}`.
    pub fn reference(&self, repo_tag: &str) -> String {
        format!("{}/{repo_tag}", self.host())
    }

    /// The basic-auth user and password, if this registry has auth.
    pub fn credentials(&self) -> Option<(&str, &str)> {
        self.credentials
            .as_ref()
            .map(|(u, p)| (u.as_str(), p.as_str()))
    }

    /// The registry's storage and log directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Pushes a docker-archive (`docker save` output; gzip'd ones are decompressed first, as skopeo needs) to
    /// `repo_tag` (`alpine:3.10`).
    pub fn push_archive(&self, archive: &Path, repo_tag: &str) {
        let is_gz = std::fs::File::open(archive)
            .and_then(|mut f| {
                let mut magic = [0u8; 2];
                f.read_exact(&mut magic).map(|()| magic == [0x1f, 0x8b])
            })
            .unwrap_or_else(|e| panic!("{}: {e}", archive.display()));
        let tmp = tempfile::tempdir().expect("temp dir");
        let path = if is_gz {
            let plain = tmp.path().join("image.tar");
            let mut out = std::fs::File::create(&plain).expect("create tar");
            let mut gz =
                flate2::read::GzDecoder::new(std::fs::File::open(archive).expect("open archive"));
            std::io::copy(&mut gz, &mut out).expect("gunzip archive");
            plain
        } else {
            archive.to_owned()
        };
        self.skopeo_copy(
            &format!("docker-archive:{}", path.display()),
            repo_tag,
            false,
        );
    }

    /// Pushes image `tag` of the OCI layout in `dir` to `repo_tag`; `all` copies every platform of an index.
    pub fn push_oci_layout(&self, dir: &Path, tag: &str, repo_tag: &str, all: bool) {
        self.skopeo_copy(&format!("oci:{}:{tag}", dir.display()), repo_tag, all);
    }

    fn skopeo_copy(&self, src: &str, repo_tag: &str, all: bool) {
        let mut cmd = Command::new("skopeo");
        cmd.args(["copy", "--quiet", "--dest-tls-verify=false"]);
        if self.tls {
            cmd.arg("--dest-cert-dir")
                .arg(self.dir.path().join("skopeo-certs"));
        }
        if all {
            cmd.arg("--all");
        }
        if let Some((u, p)) = &self.credentials {
            cmd.arg("--dest-creds").arg(format!("{u}:{p}"));
        }
        cmd.arg(src)
            .arg(format!("docker://{}", self.reference(repo_tag)));
        let out = cmd
            .output()
            .expect("run skopeo (run .ci/setup.d/50-registry.sh)");
        assert!(
            out.status.success(),
            "skopeo copy {src} -> {repo_tag} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for TestRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A CA (`ca.pem`) and a server certificate for 127.0.0.1/localhost signed by it (`server.pem`, `server.key`),
/// P-256 keys, valid two days.
fn make_certificates(dir: &Path) {
    let run = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("run openssl (for TLS test registries)");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    run(&[
        &["req", "-x509"][..],
        &ec,
        &[
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=trawl test CA",
        ],
    ]
    .concat());
    run(&[
        &["req"][..],
        &ec,
        &[
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=127.0.0.1",
        ],
    ]
    .concat());
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n\
         extendedKeyUsage=serverAuth\n",
    )
    .expect("write ext.cnf");
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
    ]);
    // skopeo reads a CA from a directory of *.crt files.
    let certs = dir.join("skopeo-certs");
    std::fs::create_dir_all(&certs).expect("cert dir");
    std::fs::copy(dir.join("ca.pem"), certs.join("ca.crt")).expect("copy CA");
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind 127.0.0.1:0")
        .port()
}

/// Status code of `GET path` on 127.0.0.1:port, or `None` when nothing answers.
fn http_status(port: u16, path: &str) -> Option<u16> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut head = [0u8; 12];
    s.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}

/// One htpasswd line with a bcrypt hash (`htpasswd -niB`, else python's `bcrypt`).
fn htpasswd_line(user: &str, password: &str) -> String {
    let mut child = Command::new("htpasswd")
        .args(["-niB", user])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    if let Ok(c) = child.as_mut() {
        c.stdin
            .take()
            .expect("piped")
            .write_all(password.as_bytes())
            .expect("write password");
    }
    if let Ok(out) = child.and_then(|c| c.wait_with_output())
        && out.status.success()
    {
        return String::from_utf8(out.stdout).expect("htpasswd output is ASCII");
    }
    let out = Command::new("python3")
        .args([
            "-c",
            "import bcrypt,sys; u,p=sys.argv[1],sys.stdin.read(); \
             print(u+':'+bcrypt.hashpw(p.encode(),bcrypt.gensalt(rounds=5)).decode())",
            user,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            c.stdin
                .take()
                .expect("piped")
                .write_all(password.as_bytes())?;
            c.wait_with_output()
        })
        .expect("neither htpasswd nor python3 available (run .ci/setup.d/50-registry.sh)");
    assert!(
        out.status.success(),
        "no bcrypt tool: install apache2-utils (run .ci/setup.d/50-registry.sh)"
    );
    String::from_utf8(out.stdout).expect("ASCII")
}

/// A gzip'd layer tarball to put in an OCI layout.
#[derive(Clone, Debug)]
pub struct LayoutLayer {
    /// The gzip-compressed tar (the blob).
    pub gz: Vec<u8>,
    /// sha256 of the uncompressed tar (`sha256:...`).
    pub diff_id: String,
    /// The `created_by` history entry.
    pub created_by: String,
}

impl LayoutLayer {
    /// From a `.tar.gz` file (a minirootfs, say).
    pub fn from_tar_gz(path: &Path, created_by: &str) -> Self {
        let gz = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        Self::from_gz(gz, created_by)
    }

    /// From gzip'd tar bytes.
    pub fn from_gz(gz: Vec<u8>, created_by: &str) -> Self {
        use sha2::Digest as _;
        let mut hasher = sha2::Sha256::new();
        let mut dec = flate2::read::GzDecoder::new(&gz[..]);
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = dec.read(&mut buf).expect("layer is valid gzip");
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        LayoutLayer {
            gz,
            diff_id: format!("sha256:{}", hex::encode(hasher.finalize())),
            created_by: created_by.to_owned(),
        }
    }

    /// A layer holding `files` (path, content), gzip'd.
    pub fn from_files(files: &[(&str, &[u8])], created_by: &str) -> Self {
        let mut builder = tar::Builder::new(Vec::new());
        for (path, content) in files {
            let mut header = tar::Header::new_gnu();
            header.set_size(content.len() as u64);
            header.set_mode(0o644);
            header.set_mtime(1_700_000_000);
            header.set_entry_type(tar::EntryType::Regular);
            builder
                .append_data(&mut header, path, *content)
                .expect("append to tar");
        }
        let tar = builder.into_inner().expect("finish tar");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&tar).expect("gzip");
        Self::from_gz(gz.finish().expect("gzip"), created_by)
    }
}

/// One platform image of a layout.
#[derive(Clone, Debug)]
pub struct LayoutImage {
    /// `amd64`, `arm64`...
    pub architecture: String,
    /// `v8` for arm64, if wanted.
    pub variant: Option<String>,
    /// Layers, base first.
    pub layers: Vec<LayoutLayer>,
    /// The image manifest's annotations.
    pub annotations: Vec<(String, String)>,
}

/// What [`write_oci_layout`] wrote.
#[derive(Clone, Debug)]
pub struct LayoutInfo {
    /// The digest of the image manifest (single image) or of the index (several).
    pub top_digest: String,
    /// The image manifests' digests, in input order.
    pub manifest_digests: Vec<String>,
    /// The config digests, in input order.
    pub config_digests: Vec<String>,
}

fn write_blob(dir: &Path, bytes: &[u8]) -> (String, usize) {
    use sha2::Digest as _;
    let hex = hex::encode(sha2::Sha256::digest(bytes));
    let path = dir.join("blobs/sha256").join(&hex);
    std::fs::create_dir_all(path.parent().expect("has parent")).expect("create blobs dir");
    std::fs::write(&path, bytes).expect("write blob");
    (format!("sha256:{hex}"), bytes.len())
}

/// Writes an OCI image layout in `dir` with tag `tag`: one image manifest when `images` has one entry, else an
/// image index with one manifest per platform (all `linux`).
pub fn write_oci_layout(dir: &Path, tag: &str, images: &[LayoutImage]) -> LayoutInfo {
    use serde_json::json;
    assert!(!images.is_empty(), "at least one image");
    std::fs::create_dir_all(dir).expect("create layout dir");
    std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#)
        .expect("write oci-layout");
    let mut manifests = Vec::new();
    let mut info = LayoutInfo {
        top_digest: String::new(),
        manifest_digests: Vec::new(),
        config_digests: Vec::new(),
    };
    for image in images {
        let mut config = json!({
            "architecture": image.architecture,
            "os": "linux",
            "created": "2024-09-06T00:00:00Z",
            "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], "Cmd": ["/bin/sh"]},
            "rootfs": {"type": "layers", "diff_ids": image.layers.iter().map(|l| l.diff_id.clone()).collect::<Vec<_>>()},
            "history": image.layers.iter().map(|l| json!({"created": "2024-09-06T00:00:00Z", "created_by": l.created_by})).collect::<Vec<_>>(),
        });
        if let Some(v) = &image.variant {
            config["variant"] = json!(v);
        }
        let config_bytes = serde_json::to_vec(&config).expect("serialise config");
        let (config_digest, config_size) = write_blob(dir, &config_bytes);
        let layers: Vec<_> = image
            .layers
            .iter()
            .map(|l| {
                let (digest, size) = write_blob(dir, &l.gz);
                json!({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": digest, "size": size})
            })
            .collect();
        let mut manifest = json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config_size},
            "layers": layers,
        });
        if !image.annotations.is_empty() {
            manifest["annotations"] = image
                .annotations
                .iter()
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect::<serde_json::Map<_, _>>()
                .into();
        }
        let manifest_bytes = serde_json::to_vec(&manifest).expect("serialise manifest");
        let (manifest_digest, manifest_size) = write_blob(dir, &manifest_bytes);
        let mut platform = json!({"architecture": image.architecture, "os": "linux"});
        if let Some(v) = &image.variant {
            platform["variant"] = json!(v);
        }
        manifests.push(json!({
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": manifest_digest,
            "size": manifest_size,
            "platform": platform,
        }));
        info.manifest_digests.push(manifest_digest);
        info.config_digests.push(config_digest);
    }
    let ref_name = json!({"org.opencontainers.image.ref.name": tag});
    let top = if manifests.len() == 1 {
        let mut only = manifests.remove(0);
        info.top_digest = only["digest"].as_str().expect("digest").to_owned();
        only["annotations"] = ref_name;
        only
    } else {
        let index = json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": manifests,
        });
        let (digest, size) = write_blob(dir, &serde_json::to_vec(&index).expect("serialise index"));
        info.top_digest = digest.clone();
        json!({
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "digest": digest,
            "size": size,
            "annotations": ref_name,
        })
    };
    let index_json = json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [top]});
    std::fs::write(
        dir.join("index.json"),
        serde_json::to_vec(&index_json).expect("serialise index.json"),
    )
    .expect("write index.json");
    info
}

/// The x86_64 and aarch64 alpine 3.20.3 minirootfs as one two-platform index (`linux/amd64`, `linux/arm64/v8`)
/// in an OCI layout at `dir`, tag `3.20`. `shared` is `../shared/data`.
pub fn write_alpine_multiarch_layout(shared: &Path, dir: &Path) -> LayoutInfo {
    let base = shared.join("images/alpine-minirootfs");
    let image = |arch: &str, variant: Option<&str>, file: &str| LayoutImage {
        architecture: arch.to_owned(),
        variant: variant.map(str::to_owned),
        layers: vec![LayoutLayer::from_tar_gz(
            &base.join(file),
            &format!("ADD {file} / # alpine 3.20.3 minirootfs"),
        )],
        annotations: Vec::new(),
    };
    write_oci_layout(
        dir,
        "3.20",
        &[
            image("amd64", None, "alpine-minirootfs-3.20.3-x86_64.tar.gz"),
            image(
                "arm64",
                Some("v8"),
                "alpine-minirootfs-3.20.3-aarch64.tar.gz",
            ),
        ],
    )
}

/// Path of a shared-data image file, e.g. `images/alpine-310.tar.gz`.
pub fn shared_image(shared: &Path, rel: &str) -> PathBuf {
    let p = shared.join(rel);
    assert!(p.is_file(), "{} missing from the shared data", p.display());
    p
}
