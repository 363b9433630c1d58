//! `trawl server` (issue 19) end to end: real redis-server, real PostgreSQL (a cluster per test), a real
//! docker-registry on 127.0.0.1, and two `trawl server` replicas.

mod conformance;
mod dbupdate;
mod faults;
mod harbor;
mod schemathesis;
mod store;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

pub(crate) const TOKEN: &str = "t0ken-for-tests-only";

/// The trawl binary, isolated from the machine running the tests.
pub(crate) fn trawl() -> Command {
    trawl_test::cli::trawl(env!("CARGO_BIN_EXE_trawl"))
}

pub(crate) use trawl_test::cli::ok;

/// An advisory DB from the Alpine secdb and the Debian tracker excerpt, plus `osv` (a directory of OSV records).
pub(crate) fn build_db(data: &Path, out: &Path, osv: Option<&Path>) {
    let mut cmd = trawl();
    cmd.args(["db", "build", "-q", "-o"])
        .arg(out)
        .arg("--source")
        .arg(format!(
            "alpine-secdb={}",
            data.join("advisories/alpine/alpine-secdb").display()
        ))
        .arg("--source")
        .arg(format!(
            "debian-tracker={}",
            data.join("advisories/debian/cve-list-excerpt").display()
        ));
    if let Some(osv) = osv {
        cmd.arg("--source").arg(format!("osv={}", osv.display()));
    }
    ok(&mut cmd);
}

/// The planted advisory: every musl of Alpine 3.10.
pub(crate) const PLANTED: &str = "TRAWL-PLANTED-0001";

pub(crate) fn planted_osv(dir: &Path) -> PathBuf {
    let osv = dir.join("osv");
    std::fs::create_dir_all(&osv).expect("osv dir");
    std::fs::write(
        osv.join(format!("{PLANTED}.json")),
        serde_json::json!({
            "schema_version": "1.6.0",
            "id": PLANTED,
            "modified": "2026-12-01T00:00:00Z",
            "published": "2026-12-01T00:00:00Z",
            "summary": "planted advisory",
            "affected": [{
                "package": {"ecosystem": "Alpine:v3.10", "name": "musl"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]
            }]
        })
        .to_string(),
    )
    .expect("write OSV record");
    osv
}

/// An HTTP answer.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) content_type: String,
    pub(crate) refresh_after: Option<String>,
    pub(crate) body: String,
}

impl Answer {
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// One request; `auth` is the whole `Authorization` value.
pub(crate) fn http(
    method: &str,
    url: &str,
    auth: Option<&str>,
    accept: Option<&str>,
    body: Option<(&str, &str)>,
) -> Answer {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into();
    let mut req = ureq::http::Request::builder().method(method).uri(url);
    if let Some(a) = auth {
        req = req.header("Authorization", a);
    }
    if let Some(a) = accept {
        req = req.header("Accept", a);
    }
    let result = match body {
        Some((ct, b)) => {
            let req = req
                .header("Content-Type", ct)
                .body(b.to_owned())
                .expect("request");
            agent.run(req)
        }
        None => agent.run(req.body(()).expect("request")),
    };
    let mut resp = result.unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let header = |n: &str| {
        resp.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let content_type = header("content-type").unwrap_or_default();
    let refresh_after = header("refresh-after");
    Answer {
        status: resp.status().as_u16(),
        content_type,
        refresh_after,
        body: resp.body_mut().read_to_string().unwrap_or_default(),
    }
}

pub(crate) fn bearer() -> String {
    format!("Bearer {TOKEN}")
}

/// A `trawl server` replica, killed on drop.
pub(crate) struct Replica {
    child: Option<Child>,
    pub(crate) port: u16,
    pub(crate) log: PathBuf,
}

pub(crate) struct ReplicaOptions<'a> {
    pub(crate) name: &'a str,
    pub(crate) redis: String,
    pub(crate) postgres: String,
    pub(crate) db: &'a Path,
    pub(crate) dir: &'a Path,
    pub(crate) extra: Vec<String>,
}

impl Replica {
    pub(crate) fn start(o: &ReplicaOptions<'_>) -> Replica {
        let r = Replica::spawn(o);
        r.wait_ready(true);
        r
    }

    /// Starts a replica without waiting for it to be ready.
    pub(crate) fn spawn(o: &ReplicaOptions<'_>) -> Replica {
        let port = trawl_test::registry::free_port();
        let log = o.dir.join(format!("{}.log", o.name));
        let f = std::fs::File::create(&log).expect("replica log");
        let child = trawl()
            .env("TRAWL_LOG", "info")
            .env("TRAWL_SERVER_TOKEN", TOKEN)
            .arg("server")
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .args([
                "--redis",
                &o.redis,
                "--postgres",
                &o.postgres,
                "--replica",
                o.name,
            ])
            .arg("--db")
            .arg(o.db)
            .arg("--cache-dir")
            .arg(o.dir.join(format!("{}-cache", o.name)))
            .args([
                "--scanners",
                "vuln",
                "--db-poll",
                "1s",
                "--claim-after",
                "3s",
            ])
            .args(&o.extra)
            .stdin(Stdio::null())
            .stdout(f.try_clone().expect("dup"))
            .stderr(f)
            .spawn()
            .expect("start trawl server");
        Replica {
            child: Some(child),
            port,
            log,
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub(crate) fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until `/readyz` says `ready` (200) or not (503).
    pub(crate) fn wait_ready(&self, ready: bool) {
        let want = if ready { 200 } else { 503 };
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let status = TcpStream::connect(("127.0.0.1", self.port))
                .ok()
                .map(|_| http("GET", &self.url("/readyz"), None, None, None).status);
            if status == Some(want) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "replica never became {} (last {status:?}); log:\n{}",
                if ready { "ready" } else { "not ready" },
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// SIGKILL: the replica dies mid-work.
    pub(crate) fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// A counter of `/metrics` (summed over label sets matching `series`).
    pub(crate) fn metric(&self, series: &str) -> f64 {
        http("GET", &self.url("/metrics"), None, None, None)
            .body
            .lines()
            .filter(|l| l.starts_with(series))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Submits a Harbor scan request for `repository@digest` of the registry at `registry_port`; returns the ID.
pub(crate) fn harbor_scan(
    replica: &Replica,
    registry_port: u16,
    repository: &str,
    digest: &str,
) -> String {
    let body = serde_json::json!({
        "registry": {"url": format!("http://127.0.0.1:{registry_port}")},
        "artifact": {
            "repository": repository,
            "digest": digest,
            "mime_type": "application/vnd.docker.distribution.manifest.v2+json"
        }
    })
    .to_string();
    let a = http(
        "POST",
        &replica.url("/api/v1/scan"),
        Some(&bearer()),
        None,
        Some((
            "application/vnd.scanner.adapter.scan.request+json; version=1.1",
            &body,
        )),
    );
    assert_eq!(a.status, 202, "{}", a.body);
    assert_eq!(
        a.content_type,
        "application/vnd.scanner.adapter.scan.response+json; version=1.0"
    );
    a.json()["id"].as_str().expect("id").to_owned()
}

/// Polls a report until it is ready (200); every answer before is a 302 with `Refresh-After`.
pub(crate) fn wait_report(replica: &Replica, id: &str, accept: &str) -> Answer {
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let a = http(
            "GET",
            &replica.url(&format!("/api/v1/scan/{id}/report")),
            Some(&bearer()),
            Some(accept),
            None,
        );
        if a.status != 302 {
            return a;
        }
        assert!(a.refresh_after.is_some(), "302 without Refresh-After");
        assert!(Instant::now() < deadline, "report {id} never ready");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The manifest digest of an image in the registry, from a CLI scan's report.
pub(crate) fn cli_report(reference: &str, db: &Path) -> serde_json::Value {
    let out = ok(trawl()
        .args(["image", reference, "--image-src", "remote", "--db"])
        .arg(db)
        .args(["--no-cache", "--scanners", "vuln", "-f", "json"]));
    serde_json::from_slice(&out.stdout).expect("JSON report")
}

/// The manifest digest (`sha256:...`) of the image a native report is of.
pub(crate) fn manifest_digest(report: &serde_json::Value) -> String {
    report["artifact"]["repo_digests"][0]
        .as_str()
        .and_then(|d| d.rsplit_once('@'))
        .map(|(_, d)| d.to_owned())
        .unwrap_or_else(|| panic!("no repo digest in {}", report["artifact"]))
}

/// Sorted `(package, id, version)` of a native report's findings.
pub(crate) fn native_findings(report: &serde_json::Value) -> Vec<(String, String, String)> {
    let mut v: Vec<_> = report["results"]
        .as_array()
        .expect("results")
        .iter()
        .flat_map(|r| r["vulnerabilities"].as_array().cloned().unwrap_or_default())
        .map(|f| {
            (
                f["pkg_name"].as_str().unwrap_or_default().to_owned(),
                f["id"].as_str().unwrap_or_default().to_owned(),
                f["installed_version"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect();
    v.sort();
    v
}

/// Sorted `(package, id, version)` of a Harbor vulnerability report.
pub(crate) fn harbor_findings(report: &serde_json::Value) -> Vec<(String, String, String)> {
    let mut v: Vec<_> = report["vulnerabilities"]
        .as_array()
        .expect("vulnerabilities")
        .iter()
        .map(|f| {
            (
                f["package"].as_str().unwrap_or_default().to_owned(),
                f["id"].as_str().unwrap_or_default().to_owned(),
                f["version"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    v.sort();
    v
}

/// A TCP proxy in front of the registry that holds blob downloads while `stall` is set: a registry that stops
/// sending mid-pull, so a scan is reliably in progress when a replica is killed (a fault a real registry does not
/// show on demand).
pub(crate) struct StallProxy {
    pub(crate) port: u16,
    pub(crate) stall: Arc<AtomicBool>,
    pub(crate) stalled: Arc<AtomicBool>,
}

impl StallProxy {
    pub(crate) fn start(target_port: u16) -> StallProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let port = listener.local_addr().expect("addr").port();
        let stall = Arc::new(AtomicBool::new(true));
        let stalled = Arc::new(AtomicBool::new(false));
        let (s, d) = (Arc::clone(&stall), Arc::clone(&stalled));
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(client) = conn else { continue };
                let (s, d) = (Arc::clone(&s), Arc::clone(&d));
                std::thread::spawn(move || {
                    let Ok(upstream) = TcpStream::connect(("127.0.0.1", target_port)) else {
                        return;
                    };
                    let (mut c_read, mut u_write) = (
                        client.try_clone().expect("clone"),
                        upstream.try_clone().expect("clone"),
                    );
                    let (mut u_read, mut c_write) = (upstream, client);
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut u_read, &mut c_write);
                        let _ = c_write.shutdown(std::net::Shutdown::Both);
                    });
                    let mut buf = [0u8; 16384];
                    loop {
                        let n = match c_read.read(&mut buf) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        let text = String::from_utf8_lossy(&buf[..n]);
                        if text.contains("GET /v2/") && text.contains("/blobs/") {
                            while s.load(Ordering::SeqCst) {
                                d.store(true, Ordering::SeqCst);
                                std::thread::sleep(Duration::from_millis(20));
                            }
                        }
                        if u_write.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                    let _ = u_write.shutdown(std::net::Shutdown::Both);
                });
            }
        });
        StallProxy {
            port,
            stall,
            stalled,
        }
    }

    /// Waits until a blob download is being held.
    pub(crate) fn wait_stalled(&self) {
        let deadline = Instant::now() + Duration::from_secs(120);
        while !self.stalled.load(Ordering::SeqCst) {
            assert!(
                Instant::now() < deadline,
                "no blob download reached the proxy"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub(crate) fn release(&self) {
        self.stall.store(false, Ordering::SeqCst);
    }
}
