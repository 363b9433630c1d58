//! GHCR, Docker Hub and Harbor discovery (issue #17): `trawl registry scan ghcr.io/OWNER`, `docker.io/NAMESPACE`
//! and a Harbor host list what to scan through each vendor's API. The APIs are a local server answering with the
//! documented response shapes (`api-samples/`, see its SOURCE.md), with their pagination (`Link` headers, Hub's
//! `next`), a 429 with `Retry-After` on the first call, and 401/403 when credentials are missing or wrong. The
//! images themselves come from a local docker-registry through `--registry-mirror`.

use crate::{json, ok, run, trawl};
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use trawl_test::registry::{TestRegistry, shared_image};

/// Every request seen: URL and `Authorization` header.
type Seen = Arc<Mutex<Vec<(String, Option<String>)>>>;

/// What the fake API must see in `Authorization` (`None`: anything, even nothing).
type Auth = Option<&'static str>;

/// A local API: routes `PATH?QUERY` to a sample file (with `{{BASE}}`/`{{RECENT}}` filled in) and an optional
/// `Link` header; the first request of each route in `throttle` gets a 429.
struct Api {
    port: u16,
    seen: Seen,
    server: Arc<tiny_http::Server>,
    thread: Option<std::thread::JoinHandle<()>>,
}

struct Route {
    sample: &'static str,
    link_next: Option<&'static str>,
}

impl Api {
    fn start(routes: Vec<(&'static str, Route)>, auth: Auth, throttle: &[&'static str]) -> Api {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind"));
        let port = server.server_addr().to_ip().expect("ip").port();
        let base = format!("http://127.0.0.1:{port}");
        let recent = "2030-01-01T00:00:00Z".to_owned();
        let samples = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/registry/api-samples");
        let routes: HashMap<&'static str, Route> = routes.into_iter().collect();
        let throttle: Vec<String> = throttle.iter().map(|s| (*s).to_owned()).collect();
        let seen: Seen = Arc::default();
        let (s, seen2) = (server.clone(), seen.clone());
        let thread = std::thread::spawn(move || {
            let mut throttled: Vec<String> = Vec::new();
            for req in s.incoming_requests() {
                let url = req.url().to_owned();
                let authorization = req
                    .headers()
                    .iter()
                    .find(|h| h.field.equiv("Authorization"))
                    .map(|h| h.value.to_string());
                seen2
                    .lock()
                    .expect("lock")
                    .push((url.clone(), authorization.clone()));
                let respond = |status: u16, body: String, headers: Vec<(&str, String)>| {
                    let mut resp = tiny_http::Response::from_string(body).with_status_code(status);
                    for (k, v) in headers {
                        resp.add_header(
                            tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes())
                                .expect("header"),
                        );
                    }
                    resp
                };
                if let Some(want) = auth
                    && authorization.as_deref() != Some(want)
                {
                    let status = if authorization.is_some() { 403 } else { 401 };
                    let _ = req.respond(respond(
                        status,
                        r#"{"message":"Requires authentication"}"#.into(),
                        vec![],
                    ));
                    continue;
                }
                if throttle.contains(&url) && !throttled.contains(&url) {
                    throttled.push(url.clone());
                    let _ = req.respond(respond(
                        429,
                        "slow down".into(),
                        vec![("Retry-After", "1".into())],
                    ));
                    continue;
                }
                match routes.get(url.as_str()) {
                    Some(route) => {
                        let text = std::fs::read_to_string(samples.join(route.sample))
                            .expect("sample")
                            .replace("{{BASE}}", &base)
                            .replace("{{RECENT}}", &recent);
                        let mut headers = vec![("Content-Type", "application/json".to_owned())];
                        if let Some(next) = route.link_next {
                            headers.push((
                                "Link",
                                format!("<{}>; rel=\"next\"", next.replace("{{BASE}}", &base)),
                            ));
                        }
                        let _ = req.respond(respond(200, text, headers));
                    }
                    None => {
                        let _ =
                            req.respond(respond(404, r#"{"message":"Not Found"}"#.into(), vec![]));
                    }
                }
            }
        });
        Api {
            port,
            seen,
            server,
            thread: Some(thread),
        }
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn requests(&self, prefix: &str) -> Vec<(String, Option<String>)> {
        self.seen
            .lock()
            .expect("lock")
            .iter()
            .filter(|(u, _)| u.starts_with(prefix))
            .cloned()
            .collect()
    }
}

impl Drop for Api {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn route(sample: &'static str) -> Route {
    Route {
        sample,
        link_next: None,
    }
}

fn names(report: &Value) -> Vec<String> {
    let mut v: Vec<String> = report["images"]
        .as_array()
        .expect("images")
        .iter()
        .map(|i| {
            assert_eq!(i["status"], "ok", "{i}");
            assert!(i["packages"].as_u64().unwrap_or(0) > 10, "{i}");
            i["name"].as_str().expect("name").to_owned()
        })
        .collect();
    v.sort();
    v
}

fn scan_cmd(
    target: &str,
    mirror_from: &str,
    registry: &TestRegistry,
    home: &Path,
) -> std::process::Command {
    let mut cmd = trawl();
    cmd.args([
        "registry",
        "scan",
        target,
        "--scanners",
        "none",
        "--format",
        "json",
    ])
    .arg("--registry-mirror")
    .arg(format!("{mirror_from}={}", registry.host()))
    .arg("--cache-dir")
    .arg(home.join("cache"))
    .env("HOME", home)
    .env_remove("GITHUB_TOKEN")
    .env_remove("GITHUB_API_URL");
    cmd
}

#[test]
fn ghcr_dockerhub_and_harbor_listings_are_scanned() {
    let data = trawl_test::require_shared_data!();
    trawl_test::require_registry_tools!();
    let dir = tempfile::tempdir().expect("tempdir");
    let registry = TestRegistry::start();
    let a310 = shared_image(&data, "images/alpine-310.tar.gz");
    let a311 = shared_image(&data, "images/alpine-311.tar.gz");
    for (repo_tag, archive) in [
        ("octo-org/api:1.0", &a310),
        ("octo-org/api:latest", &a311),
        ("octo-org/web:2.0", &a310),
        ("acme/web:latest", &a311),
        ("acme/web:3.11", &a311),
        ("acme/worker:latest", &a310),
        ("proj/app:v1", &a310),
        ("proj/app:latest", &a310),
        ("proj/team/svc:2024.05", &a311),
    ] {
        registry.push_archive(archive, repo_tag);
    }

    // GHCR: two pages of packages (Link header), a 429 on the first call, a bearer token.
    let ghcr = Api::start(
        vec![
            (
                "/orgs/octo-org/packages?package_type=container&per_page=100",
                Route {
                    sample: "ghcr-packages-1.json",
                    link_next: Some(
                        "{{BASE}}/orgs/octo-org/packages?package_type=container&per_page=100&page=2",
                    ),
                },
            ),
            (
                "/orgs/octo-org/packages?package_type=container&per_page=100&page=2",
                route("ghcr-packages-2.json"),
            ),
            (
                "/orgs/octo-org/packages/container/api/versions?per_page=100",
                route("ghcr-versions-api.json"),
            ),
            (
                "/orgs/octo-org/packages/container/web/versions?per_page=100",
                route("ghcr-versions-web.json"),
            ),
        ],
        Some("Bearer ghp_testtoken"),
        &["/orgs/octo-org/packages?package_type=container&per_page=100"],
    );
    let out = ok(
        scan_cmd("ghcr.io/octo-org", "ghcr.io", &registry, dir.path())
            .args(["--tags", "all", "--pushed-since", "30d"])
            .env("GITHUB_API_URL", ghcr.base())
            .env("GITHUB_TOKEN", "ghp_testtoken"),
    );
    // 0.9 was pushed in 2023: --pushed-since drops it.
    assert_eq!(
        names(&json(&out)),
        [
            "ghcr.io/octo-org/api:1.0",
            "ghcr.io/octo-org/api:latest",
            "ghcr.io/octo-org/web:2.0"
        ]
    );
    assert!(
        ghcr.requests("/orgs/octo-org/packages?").len() >= 3,
        "429 retried, page 2 fetched"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("ghp_testtoken"), "{stderr}");
    // No token: the API's 401 is a clear error naming what to set.
    let out = run(
        scan_cmd("ghcr.io/octo-org", "ghcr.io", &registry, dir.path())
            .env("GITHUB_API_URL", ghcr.base()),
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("401") && stderr.contains("GITHUB_TOKEN"),
        "{stderr}"
    );

    // Docker Hub: repositories paged by the body's `next`, tags per repository, anonymous.
    let hub = Api::start(
        vec![
            (
                "/v2/namespaces/acme/repositories?page_size=100",
                route("hub-repositories-1.json"),
            ),
            (
                "/v2/namespaces/acme/repositories?page=2&page_size=100",
                route("hub-repositories-2.json"),
            ),
            (
                "/v2/namespaces/acme/repositories/web/tags?page_size=100",
                route("hub-tags-web.json"),
            ),
            (
                "/v2/namespaces/acme/repositories/worker/tags?page_size=100",
                route("hub-tags-worker.json"),
            ),
        ],
        None,
        &[],
    );
    let out = ok(
        scan_cmd("docker.io/acme", "docker.io", &registry, dir.path())
            .args(["--tags", "all"])
            .env("TRAWL_DOCKERHUB_API_URL", hub.base()),
    );
    assert_eq!(
        names(&json(&out)),
        [
            "docker.io/acme/web:3.11",
            "docker.io/acme/web:latest",
            "docker.io/acme/worker:latest"
        ]
    );
    let out = ok(
        scan_cmd("docker.io/acme", "docker.io", &registry, dir.path())
            .args(["--repositories", "acme/w.*", "--tags", "latest"])
            .env("TRAWL_DOCKERHUB_API_URL", hub.base()),
    );
    assert_eq!(names(&json(&out)).len(), 2);

    // Harbor (named with --discovery; detection is the next test): basic auth with a robot account, a nested
    // repository (its name encoded twice in the path).
    let robot = "Basic cm9ib3QkY2k6cm9ib3QtcGFzcw==";
    let harbor = Api::start(
        vec![
            (
                "/api/v2.0/projects?page=1&page_size=100",
                route("harbor-projects.json"),
            ),
            (
                "/api/v2.0/projects/proj/repositories?page=1&page_size=100",
                route("harbor-repositories.json"),
            ),
            (
                "/api/v2.0/projects/proj/repositories/app/artifacts?with_tag=true&page=1&page_size=100",
                route("harbor-artifacts-app.json"),
            ),
            (
                "/api/v2.0/projects/proj/repositories/team%252Fsvc/artifacts?with_tag=true&page=1&page_size=100",
                route("harbor-artifacts-team-svc.json"),
            ),
        ],
        Some(robot),
        &[],
    );
    let out = ok(
        scan_cmd(&harbor.host(), &harbor.host(), &registry, dir.path())
            .args(["--discovery", "harbor", "--tags", "all"])
            .env("TRAWL_USERNAME", "robot$ci")
            .env("TRAWL_PASSWORD", "robot-pass"),
    );
    let host = harbor.host();
    assert_eq!(
        names(&json(&out)),
        [
            format!("{host}/proj/app:latest"),
            format!("{host}/proj/app:v1"),
            format!("{host}/proj/team/svc:2024.05")
        ]
    );
    // Wrong password: 403, named.
    let out = run(
        scan_cmd(&harbor.host(), &harbor.host(), &registry, dir.path())
            .args(["--discovery", "harbor"])
            .env("TRAWL_USERNAME", "robot$ci")
            .env("TRAWL_PASSWORD", "wrong"),
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Harbor API answered 403"), "{stderr}");
    assert!(
        !stderr.contains("robot-pass") && !stderr.contains("wrong"),
        "{stderr}"
    );
}

/// Without `--discovery`, a host that answers Harbor's systeminfo is listed through Harbor's API.
#[test]
fn harbor_is_detected_from_its_api() {
    let data = trawl_test::require_shared_data!();
    trawl_test::require_registry_tools!();
    let dir = tempfile::tempdir().expect("tempdir");
    let registry = TestRegistry::start();
    registry.push_archive(
        &shared_image(&data, "images/alpine-310.tar.gz"),
        "proj/app:v1",
    );
    let harbor = Api::start(
        vec![
            ("/api/v2.0/systeminfo", route("harbor-systeminfo.json")),
            (
                "/api/v2.0/projects/proj/repositories?page=1&page_size=100",
                route("harbor-repositories.json"),
            ),
            (
                "/api/v2.0/projects/proj/repositories/app/artifacts?with_tag=true&page=1&page_size=100",
                route("harbor-artifacts-app.json"),
            ),
            (
                "/api/v2.0/projects/proj/repositories/team%252Fsvc/artifacts?with_tag=true&page=1&page_size=100",
                route("harbor-artifacts-team-svc.json"),
            ),
        ],
        None,
        &[],
    );
    let target = format!("{}/proj", harbor.host());
    let out = ok(
        scan_cmd(&target, &harbor.host(), &registry, dir.path()).args([
            "--repositories",
            "proj/app",
            "--tags",
            "v1",
        ]),
    );
    assert_eq!(
        names(&json(&out)),
        [format!("{}/proj/app:v1", harbor.host())]
    );
    assert!(!harbor.requests("/api/v2.0/systeminfo").is_empty());
}
