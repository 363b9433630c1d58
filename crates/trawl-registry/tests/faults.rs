//! Faults a real registry cannot be made to show on demand (429 with `Retry-After`, a connection cut mid-blob, a
//! blob whose bytes do not match its digest, a token service), against a small in-process HTTP/1.1 server on
//! 127.0.0.1. This is a mock on purpose: everything else is tested against a real `docker-registry`.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use trawl_registry::{
    Client, ClientOptions, CredentialOptions, Digest, DockerConfigSource, Error, PlatformSelector,
    Reference, Repository, RetryPolicy, Secret,
};

#[derive(Clone, Debug)]
struct Request {
    method: String,
    path: String,
    headers: HashMap<String, String>,
}

enum Reply {
    Full(u16, Vec<(String, String)>, Vec<u8>),
    /// Declares `Content-Length: declared`, sends `prefix`, closes.
    Cut(u16, Vec<(String, String)>, usize, Vec<u8>),
}

type Handler = dyn Fn(&Request, usize) -> Reply + Send + Sync;

struct Mock {
    addr: SocketAddr,
    log: Arc<Mutex<Vec<Request>>>,
}

impl Mock {
    fn start(handler: impl Fn(&Request, usize) -> Reply + Send + Sync + 'static) -> Mock {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let log: Arc<Mutex<Vec<Request>>> = Arc::default();
        let handler: Arc<Handler> = Arc::new(handler);
        let log2 = log.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let handler = handler.clone();
                let log = log2.clone();
                std::thread::spawn(move || serve(stream, &*handler, &log));
            }
        });
        Mock { addr, log }
    }

    fn host(&self) -> String {
        format!("127.0.0.1:{}", self.addr.port())
    }

    fn hits(&self, path_prefix: &str) -> Vec<Request> {
        self.log
            .lock()
            .expect("log")
            .iter()
            .filter(|r| r.path.starts_with(path_prefix))
            .cloned()
            .collect()
    }
}

fn serve(stream: TcpStream, handler: &Handler, log: &Mutex<Vec<Request>>) {
    let mut peek = [0u8; 1];
    // A TLS ClientHello (the client tries HTTPS first on loopback): hang up, like a plain-HTTP server would fail.
    if stream.peek(&mut peek).is_err() || peek[0] == 0x16 {
        return;
    }
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_owned();
    let path = parts.next().unwrap_or("").to_owned();
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
        }
    }
    if let Some(len) = headers
        .get("content-length")
        .and_then(|l| l.parse::<usize>().ok())
    {
        let mut body = vec![0u8; len];
        let _ = reader.read_exact(&mut body);
    }
    let req = Request {
        method,
        path,
        headers,
    };
    let nth = {
        let mut l = log.lock().expect("log");
        l.push(req.clone());
        l.iter().filter(|r| r.path == req.path).count()
    };
    let mut out = stream;
    let (status, extra, declared, body) = match handler(&req, nth) {
        Reply::Full(s, h, b) => (s, h, b.len(), b),
        Reply::Cut(s, h, declared, prefix) => (s, h, declared, prefix),
    };
    let mut head =
        format!("HTTP/1.1 {status} X\r\nContent-Length: {declared}\r\nConnection: close\r\n");
    for (k, v) in extra {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = out.write_all(head.as_bytes());
    if req.method != "HEAD" {
        let _ = out.write_all(&body);
    }
    let _ = out.flush();
}

fn h(k: &str, v: &str) -> (String, String) {
    (k.to_owned(), v.to_owned())
}

fn quick_client() -> Client {
    Client::new(ClientOptions {
        timeout: Duration::from_secs(10),
        retry: RetryPolicy {
            max_retries: 3,
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(50),
            max_retry_after: Duration::from_secs(5),
        },
        credentials: CredentialOptions {
            docker_config: DockerConfigSource::Disabled,
            ..CredentialOptions::default()
        },
        ..ClientOptions::default()
    })
    .expect("client")
}

/// A small image served by the mock: (config, layer, manifest).
fn image() -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let config =
        br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#
            .to_vec();
    let layer: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{}","size":{}}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"{}","size":{}}}]}}"#,
        Digest::sha256_of(&config),
        config.len(),
        Digest::sha256_of(&layer),
        layer.len()
    );
    (config, layer, manifest.into_bytes())
}

fn blob_path(data: &[u8]) -> String {
    format!("/v2/app/blobs/{}", Digest::sha256_of(data))
}

#[test]
fn retry_after_on_429_is_honoured() {
    let (config, _, manifest) = image();
    let cfg_path = blob_path(&config);
    let mock = Mock::start(move |req, nth| match req.path.as_str() {
        "/v2/" => Reply::Full(200, vec![], b"{}".to_vec()),
        "/v2/app/manifests/1" if nth == 1 => {
            Reply::Full(429, vec![h("Retry-After", "1")], b"slow down".to_vec())
        }
        "/v2/app/manifests/1" => Reply::Full(
            200,
            vec![h(
                "Content-Type",
                "application/vnd.oci.image.manifest.v1+json",
            )],
            manifest.clone(),
        ),
        p if p == cfg_path => Reply::Full(200, vec![], config.clone()),
        _ => Reply::Full(404, vec![], vec![]),
    });
    let client = quick_client();
    let reference: Reference = format!("{}/app:1", mock.host()).parse().expect("ref");
    let started = Instant::now();
    let images = client
        .resolve(&reference, &PlatformSelector::Default)
        .expect("resolves after the 429");
    // The backoff alone is 10 ms: only honouring Retry-After makes the wait reach one second.
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After ignored: {:?}",
        started.elapsed()
    );
    assert_eq!(mock.hits("/v2/app/manifests/1").len(), 2);
    assert_eq!(images.len(), 1);
    assert_eq!(
        images[0]
            .platform
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some("linux/amd64")
    );
    assert!(client.stats().retries >= 1);
}

#[test]
fn persistent_503_gives_up_with_a_clear_error() {
    let mock = Mock::start(|req, _| match req.path.as_str() {
        "/v2/" => Reply::Full(200, vec![], vec![]),
        _ => Reply::Full(503, vec![], b"maintenance".to_vec()),
    });
    let client = quick_client();
    let reference: Reference = format!("{}/app:1", mock.host()).parse().expect("ref");
    let err = client.pull_manifest(&reference).expect_err("503 forever");
    assert!(
        matches!(
            err,
            Error::RetriesExhausted {
                status: 503,
                attempts: 4,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains(&mock.host()), "{err}");
    assert_eq!(mock.hits("/v2/app/manifests/1").len(), 4);
}

#[test]
fn blob_with_wrong_content_is_rejected() {
    let (_, layer, _) = image();
    let digest = Digest::sha256_of(&layer);
    let mut tampered = layer.clone();
    tampered[1000] ^= 0xff;
    let mock = Mock::start(move |req, _| match req.path.as_str() {
        "/v2/" => Reply::Full(200, vec![], vec![]),
        _ => Reply::Full(200, vec![], tampered.clone()),
    });
    let client = quick_client();
    let repo = Repository::new(
        trawl_registry::Registry::new(&mock.host()).expect("host"),
        "app",
    )
    .expect("repo");
    let mut blob = client
        .open_blob(&repo, &digest, Some(layer.len() as u64))
        .expect("opens");
    let mut sink = Vec::new();
    let io_err = blob
        .read_to_end(&mut sink)
        .expect_err("mismatch must fail the read");
    assert_eq!(io_err.kind(), std::io::ErrorKind::InvalidData);
    let err = Error::from_io(io_err).expect("wraps the registry error");
    assert!(matches!(err, Error::DigestMismatch { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains(&digest.to_string()) && msg.contains(&mock.host()),
        "{msg}"
    );

    // The same through the prefetching reader: the good bytes first, then the error.
    let mut prefetched = client
        .open_blob(&repo, &digest, Some(layer.len() as u64))
        .expect("opens")
        .prefetch(16 * 1024, 2);
    let mut sink = Vec::new();
    let io_err = prefetched
        .read_to_end(&mut sink)
        .expect_err("mismatch must fail the read");
    assert_eq!(io_err.kind(), std::io::ErrorKind::InvalidData);
    assert_eq!(
        sink.len(),
        layer.len(),
        "every byte was delivered before the verdict"
    );

    // The same through pull_blob_to.
    let err = client
        .pull_blob_to(&repo, &digest, None, &mut std::io::sink())
        .expect_err("mismatch");
    assert!(matches!(err, Error::DigestMismatch { .. }), "{err:?}");
}

#[test]
fn connection_cut_mid_blob_is_resumed_with_range() {
    let (_, layer, _) = image();
    let digest = Digest::sha256_of(&layer);
    let served = layer.clone();
    let mock = Mock::start(move |req, nth| {
        if req.path == "/v2/" {
            return Reply::Full(200, vec![], vec![]);
        }
        match req.headers.get("range") {
            None if nth == 1 => Reply::Cut(200, vec![], served.len(), served[..50_000].to_vec()),
            None => Reply::Full(200, vec![], served.clone()),
            Some(r) => {
                let start: usize = r
                    .trim_start_matches("bytes=")
                    .trim_end_matches('-')
                    .parse()
                    .expect("range start");
                Reply::Full(
                    206,
                    vec![h(
                        "Content-Range",
                        &format!("bytes {start}-{}/{}", served.len() - 1, served.len()),
                    )],
                    served[start..].to_vec(),
                )
            }
        }
    });
    let client = quick_client();
    let repo = Repository::new(
        trawl_registry::Registry::new(&mock.host()).expect("host"),
        "app",
    )
    .expect("repo");
    let mut got = Vec::new();
    let n = client
        .pull_blob_to(&repo, &digest, Some(layer.len() as u64), &mut got)
        .expect("resumed");
    assert_eq!(n, layer.len() as u64);
    assert_eq!(got, layer);
    let hits = mock.hits(&format!("/v2/app/blobs/{digest}"));
    assert_eq!(hits.len(), 2, "{hits:?}");
    assert_eq!(
        hits[1].headers.get("range").map(String::as_str),
        Some("bytes=50000-")
    );
    // A prefetching reader of a good blob yields it exactly.
    let mut prefetched = client
        .open_blob(&repo, &digest, Some(layer.len() as u64))
        .expect("opens")
        .prefetch(10_000, 3);
    let mut again = Vec::new();
    prefetched.read_to_end(&mut again).expect("reads");
    assert_eq!(again, layer);
}

#[test]
fn connection_cut_and_range_ignored_restarts_and_skips() {
    let (_, layer, _) = image();
    let digest = Digest::sha256_of(&layer);
    let served = layer.clone();
    let mock = Mock::start(move |req, nth| match req.path.as_str() {
        "/v2/" => Reply::Full(200, vec![], vec![]),
        _ if nth == 1 => Reply::Cut(200, vec![], served.len(), served[..70_001].to_vec()),
        // A server that ignores Range sends everything again with 200.
        _ => Reply::Full(200, vec![], served.clone()),
    });
    let client = quick_client();
    let repo = Repository::new(
        trawl_registry::Registry::new(&mock.host()).expect("host"),
        "app",
    )
    .expect("repo");
    let mut got = Vec::new();
    client
        .pull_blob_to(&repo, &digest, Some(layer.len() as u64), &mut got)
        .expect("restarted");
    assert_eq!(
        got, layer,
        "bytes already delivered must be skipped, not repeated"
    );
}

#[test]
fn connection_cut_every_time_fails_cleanly() {
    let (_, layer, _) = image();
    let digest = Digest::sha256_of(&layer);
    let served = layer.clone();
    let mock = Mock::start(move |req, _| match req.path.as_str() {
        "/v2/" => Reply::Full(200, vec![], vec![]),
        _ => Reply::Cut(200, vec![], served.len(), served[..1000].to_vec()),
    });
    let client = quick_client();
    let repo = Repository::new(
        trawl_registry::Registry::new(&mock.host()).expect("host"),
        "app",
    )
    .expect("repo");
    let err = client
        .pull_blob_to(
            &repo,
            &digest,
            Some(layer.len() as u64),
            &mut std::io::sink(),
        )
        .expect_err("never completes");
    assert!(matches!(err, Error::BlobRead { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains(&mock.host()) && msg.contains(&digest.to_string()),
        "{msg}"
    );
    // First request plus max_retries resumes.
    assert_eq!(mock.hits("/v2/app/blobs/").len(), 4);
}

#[test]
fn schema1_manifest_is_a_clear_error() {
    let mock = Mock::start(|req, _| match req.path.as_str() {
        "/v2/" => Reply::Full(200, vec![], vec![]),
        _ => Reply::Full(
            200,
            vec![h(
                "Content-Type",
                "application/vnd.docker.distribution.manifest.v1+prettyjws",
            )],
            br#"{"schemaVersion":1,"name":"app","tag":"old","fsLayers":[]}"#.to_vec(),
        ),
    });
    let client = quick_client();
    let reference: Reference = format!("{}/app:old", mock.host()).parse().expect("ref");
    let err = client
        .resolve(&reference, &PlatformSelector::Default)
        .expect_err("schema 1");
    assert!(matches!(err, Error::Schema1 { .. }), "{err:?}");
    assert!(
        err.to_string().contains("app:old") && err.to_string().contains("schema 1"),
        "{err}"
    );
}

/// A registry behind a token service: `/v2/` challenges with Bearer; `/token` wants basic auth `bob:pw-123`.
fn token_registry() -> Mock {
    let (config, _, manifest) = image();
    let cfg_path = blob_path(&config);
    let realm_port = Arc::new(Mutex::new(0u16));
    let rp = realm_port.clone();
    let mock = Mock::start(move |req, _| {
        let port = *rp.lock().expect("port");
        let challenge = h(
            "WWW-Authenticate",
            &format!(r#"Bearer realm="http://127.0.0.1:{port}/token",service="mock-registry""#),
        );
        let authorised =
            req.headers.get("authorization").map(String::as_str) == Some("Bearer tok-xyz");
        match req.path.as_str() {
            p if p.starts_with("/token") => {
                // base64("bob:pw-123")
                if req.headers.get("authorization").map(String::as_str)
                    == Some("Basic Ym9iOnB3LTEyMw==")
                    && p.contains("service=mock-registry")
                    && p.contains("scope=repository%3Aapp%3Apull")
                {
                    Reply::Full(
                        200,
                        vec![],
                        br#"{"token":"tok-xyz","expires_in":300}"#.to_vec(),
                    )
                } else {
                    Reply::Full(
                        401,
                        vec![],
                        br#"{"details":"incorrect username or password"}"#.to_vec(),
                    )
                }
            }
            _ if !authorised => Reply::Full(
                401,
                vec![challenge],
                br#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#
                    .to_vec(),
            ),
            "/v2/" => Reply::Full(200, vec![], vec![]),
            "/v2/app/manifests/1" => Reply::Full(
                200,
                vec![h(
                    "Content-Type",
                    "application/vnd.oci.image.manifest.v1+json",
                )],
                manifest.clone(),
            ),
            p if p == cfg_path => Reply::Full(200, vec![], config.clone()),
            _ => Reply::Full(404, vec![], vec![]),
        }
    });
    *realm_port.lock().expect("port") = mock.addr.port();
    mock
}

fn client_with(user: &str, password: &str) -> Client {
    Client::new(ClientOptions {
        credentials: CredentialOptions {
            username: Some(user.into()),
            password: Some(Secret::new(password)),
            docker_config: DockerConfigSource::Disabled,
            ..CredentialOptions::default()
        },
        retry: RetryPolicy {
            initial_backoff: Duration::from_millis(10),
            ..RetryPolicy::default()
        },
        ..ClientOptions::default()
    })
    .expect("client")
}

#[test]
fn bearer_token_from_challenge() {
    let mock = token_registry();
    let client = client_with("bob", "pw-123");
    let reference: Reference = format!("{}/app:1", mock.host()).parse().expect("ref");
    let images = client
        .resolve(&reference, &PlatformSelector::Default)
        .expect("token flow works");
    assert_eq!(images.len(), 1);
    // One token for the repository scope, reused for the manifest and the config.
    assert_eq!(mock.hits("/token").len(), 1);
    let dbg = format!("{client:?}");
    assert!(!dbg.contains("pw-123"), "{dbg}");
}

#[test]
fn bearer_wrong_password_names_registry_not_secret() {
    let mock = token_registry();
    let client = client_with("bob", "wrong-password-777");
    let reference: Reference = format!("{}/app:1", mock.host()).parse().expect("ref");
    let err = client
        .resolve(&reference, &PlatformSelector::Default)
        .expect_err("rejected");
    assert!(err.is_auth(), "{err:?}");
    let msg = format!("{err} {err:?}");
    assert!(
        msg.contains(&mock.host()) && msg.contains("\"bob\""),
        "{msg}"
    );
    assert!(!msg.contains("wrong-password-777"), "{msg}");
}

#[test]
fn catalog_and_tags_follow_link_pagination() {
    let mock = Mock::start(|req, _| match req.path.as_str() {
        "/v2/" => Reply::Full(200, vec![], vec![]),
        "/v2/_catalog?n=1000" => Reply::Full(
            200,
            vec![h("Link", r#"</v2/_catalog?last=b&n=1000>; rel="next""#)],
            br#"{"repositories":["a","b"]}"#.to_vec(),
        ),
        "/v2/_catalog?last=b&n=1000" => {
            Reply::Full(200, vec![], br#"{"repositories":["c/d"]}"#.to_vec())
        }
        "/v2/c/d/tags/list?n=1000" => Reply::Full(
            200,
            vec![],
            br#"{"name":"c/d","tags":["1","latest"]}"#.to_vec(),
        ),
        "/v2/a/tags/list?n=1000" => {
            Reply::Full(200, vec![], br#"{"name":"a","tags":null}"#.to_vec())
        }
        _ => Reply::Full(404, vec![], vec![]),
    });
    let client = quick_client();
    let registry = trawl_registry::Registry::new(&mock.host()).expect("host");
    assert_eq!(
        client.catalog(&registry).expect("catalog"),
        vec!["a", "b", "c/d"]
    );
    let repo = Repository::new(registry.clone(), "c/d").expect("repo");
    assert_eq!(client.tags(&repo).expect("tags"), vec!["1", "latest"]);
    let empty = Repository::new(registry, "a").expect("repo");
    assert!(client.tags(&empty).expect("tags").is_empty());
}
