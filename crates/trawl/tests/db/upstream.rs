//! Issue #13: real advisory data with no setup. A real HTTP server on 127.0.0.1 serves the publishers' URL layouts
//! (Alpine secdb `v3.x/main.json`, cvelistV5 `cves/...`, CISA KEV, FIRST EPSS) with `ETag`, `Last-Modified`,
//! gzip and `304`, from the real samples in ../shared/data; a fresh `HOME` and only `TRAWL_FEED_*` variables.

use super::trawl;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// What the server saw: per request, the path, status and payload bytes.
#[derive(Default)]
struct Log {
    requests: Vec<(String, u16, usize)>,
}

struct Upstream {
    port: u16,
    log: Arc<Mutex<Log>>,
    server: Arc<tiny_http::Server>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Upstream {
    /// Serves `root`; a path under `/fail/NNN/` answers NNN.
    fn start(root: PathBuf) -> Upstream {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind"));
        let port = server.server_addr().to_ip().expect("ip").port();
        let log: Arc<Mutex<Log>> = Arc::default();
        let (s, l) = (server.clone(), log.clone());
        let thread = std::thread::spawn(move || {
            for req in s.incoming_requests() {
                let path = req.url().split('?').next().unwrap_or("/").to_owned();
                let header = |name: &str| {
                    req.headers()
                        .iter()
                        .find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name))
                        .map(|h| h.value.as_str().to_owned())
                };
                let query = req.url().split_once('?').map(|(_, q)| q.to_owned());
                let (status, body, headers) = if path == "/epss-api" {
                    epss_api(&root, query.as_deref().unwrap_or_default())
                } else {
                    answer(
                        &root,
                        &path,
                        header("If-None-Match"),
                        header("Accept-Encoding").is_some_and(|a| a.contains("gzip")),
                    )
                };
                l.lock()
                    .expect("lock")
                    .requests
                    .push((path, status, body.len()));
                let mut resp = tiny_http::Response::from_data(body).with_status_code(status);
                for (k, v) in headers {
                    resp.add_header(
                        tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()).expect("header"),
                    );
                }
                let _ = req.respond(resp);
            }
        });
        Upstream {
            port,
            log,
            server,
            thread: Some(thread),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// trawl with `home` as HOME and every feed pointed at this server's publisher layouts ([`layout`] and
    /// [`publishers`]).
    fn publishers_cmd(&self, home: &Path) -> assert_cmd::Command {
        let mut cmd = trawl();
        cmd.env("HOME", home)
            .env_remove("XDG_CACHE_HOME")
            .env_remove("TRAWL_CACHE_DIR");
        for (kind, path) in [
            ("ALPINE_SECDB", "/alpine"),
            ("DEBIAN_TRACKER", "/debian/tracker.json"),
            ("WOLFI", "/wolfi/security.json"),
            ("ALAS", "/alas"),
            ("OSV", "/osv"),
            ("KEV", "/kev/known_exploited_vulnerabilities.json"),
            ("EPSS", "/epss/epss_scores-current.csv.gz"),
            ("CVE5", "/cve5"),
        ] {
            cmd.env(format!("TRAWL_FEED_{kind}"), self.url(path));
        }
        cmd
    }

    fn take(&self) -> Vec<(String, u16, usize)> {
        std::mem::take(&mut self.log.lock().expect("lock").requests)
    }
}

impl Drop for Upstream {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// FIRST's EPSS API (`?cve=A,B&limit=100`), answered from `epss-api.csv` under `root`.
fn epss_api(root: &Path, query: &str) -> (u16, Vec<u8>, Vec<(String, String)>) {
    let Ok(csv) = std::fs::read_to_string(root.join("epss-api.csv")) else {
        return (503, b"unavailable".to_vec(), Vec::new());
    };
    let asked: BTreeSet<&str> = query
        .split('&')
        .filter_map(|kv| kv.strip_prefix("cve="))
        .flat_map(|v| v.split(','))
        .collect();
    let data: Vec<Value> = csv
        .lines()
        .filter_map(|l| {
            let mut f = l.split(',');
            let (cve, epss, pct) = (f.next()?, f.next()?, f.next()?);
            asked.contains(cve).then(|| {
                serde_json::json!({"cve": cve, "epss": epss, "percentile": pct, "date": "2026-09-29"})
            })
        })
        .collect();
    let body =
        serde_json::json!({"status": "OK", "status-code": 200, "total": data.len(), "data": data});
    (200, serde_json::to_vec(&body).expect("json"), Vec::new())
}

fn answer(
    root: &Path,
    path: &str,
    if_none_match: Option<String>,
    gzip: bool,
) -> (u16, Vec<u8>, Vec<(String, String)>) {
    if let Some(rest) = path.strip_prefix("/fail/") {
        let code = rest
            .split('/')
            .next()
            .and_then(|c| c.parse().ok())
            .unwrap_or(500);
        return (code, b"failure".to_vec(), Vec::new());
    }
    let rel = path.trim_start_matches('/');
    if rel.split('/').any(|c| c == "..") {
        return (403, Vec::new(), Vec::new());
    }
    // A directory answers with its index page, as the publishers' sites do.
    let file = if root.join(rel).is_dir() {
        root.join(rel).join("index.html")
    } else {
        root.join(rel)
    };
    let Ok(bytes) = std::fs::read(file) else {
        return (404, b"not found".to_vec(), Vec::new());
    };
    let etag = format!("\"{}\"", trawl_test::image::sha256(&bytes));
    let mut headers = vec![
        ("ETag".to_owned(), etag.clone()),
        (
            "Last-Modified".to_owned(),
            "Tue, 03 Dec 2024 10:00:00 GMT".to_owned(),
        ),
    ];
    if if_none_match.as_deref() == Some(etag.as_str()) {
        return (304, Vec::new(), headers);
    }
    if gzip && !rel.ends_with(".gz") && !rel.ends_with(".zip") {
        headers.push(("Content-Encoding".to_owned(), "gzip".to_owned()));
        return (200, trawl_test::image::gzip(&bytes), headers);
    }
    (200, bytes, headers)
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::File::create(path)
        .and_then(|mut f| f.write_all(bytes))
        .expect("write");
}

/// The publishers' layouts, from the real samples: Alpine secdb v3.3–v3.11 as the JSON secdb.alpinelinux.org
/// serves (converted from the YAML of the same data), cvelistV5 records, the KEV catalog, an EPSS CSV.
fn layout(data: &Path, root: &Path) {
    let secdb = data.join("advisories/alpine/alpine-secdb");
    for rel in std::fs::read_dir(&secdb).expect("secdb").flatten() {
        let dir = rel.path();
        if !dir.is_dir() {
            continue;
        }
        for repo in ["main", "community"] {
            let yaml = dir.join(format!("{repo}.yaml"));
            if let Ok(text) = std::fs::read_to_string(&yaml) {
                let v: Value = serde_saphyr::from_str(&text).expect("secdb YAML");
                let name = dir
                    .file_name()
                    .expect("name")
                    .to_string_lossy()
                    .into_owned();
                write(
                    &root.join(format!("alpine/{name}/{repo}.json")),
                    &serde_json::to_vec(&v).expect("json"),
                );
            }
        }
    }
    let cves = data.join("advisories/cve/cvelistV5");
    for f in walk(&cves) {
        if f.extension().is_some_and(|e| e == "json") {
            let rel = f.strip_prefix(&cves).expect("under");
            write(
                &root.join("cve5").join(rel),
                &std::fs::read(&f).expect("read"),
            );
        }
    }
    let here =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/cve5/CVE-2019-14697.json");
    write(
        &root.join("cve5/cves/2019/14xxx/CVE-2019-14697.json"),
        &std::fs::read(here).expect("fixture"),
    );
    write(
        &root.join("kev/known_exploited_vulnerabilities.json"),
        &std::fs::read(data.join("advisories/kev/known_exploited_vulnerabilities.json"))
            .expect("kev"),
    );
    let epss =
        std::fs::read(data.join(
            "advisories/epss/lodestonesecurity-epss-data-history/epss_scores-current.head.csv",
        ))
        .expect("epss");
    write(
        &root.join("epss/epss_scores-current.csv.gz"),
        &trawl_test::image::gzip(&epss),
    );
    // What FIRST's API answers: the real rows, and a score for the CVE the alpine 3.7.3 image matches.
    let mut api = String::from_utf8_lossy(&epss).into_owned();
    api.push_str("CVE-2019-14697,0.01234,0.56789\n");
    write(&root.join("epss-api.csv"), api.as_bytes());
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// A fresh user: an empty HOME, no trawl variables but the feed locations.
fn fresh(cmd: &mut assert_cmd::Command, home: &Path, feeds: &[(&str, String)]) {
    cmd.env("HOME", home)
        .env_remove("XDG_CACHE_HOME")
        .env_remove("TRAWL_CACHE_DIR")
        .env_remove("TRAWL_DB_MAX_AGE")
        .env("TRAWL_FORMAT", "json")
        .current_dir(home);
    for (k, v) in feeds {
        cmd.env(k, v);
    }
}

/// (package, ID) -> (severity, title or else description) of a native JSON report.
fn vulns(report: &Value) -> BTreeMap<(String, String), (String, String)> {
    let mut out = BTreeMap::new();
    for r in report["results"].as_array().into_iter().flatten() {
        for v in r["vulnerabilities"].as_array().into_iter().flatten() {
            out.insert(
                (
                    v["pkg_name"].as_str().unwrap_or_default().to_owned(),
                    v["id"].as_str().unwrap_or_default().to_owned(),
                ),
                (
                    v["severity"].as_str().unwrap_or_default().to_owned(),
                    // MITRE's older records have no title: reports show the description in its place.
                    v["title"]
                        .as_str()
                        .or_else(|| v["description"].as_str())
                        .unwrap_or_default()
                        .to_owned(),
                ),
            );
        }
    }
    out
}

fn scan(
    home: &Path,
    feeds: &[(&str, String)],
    image: &Path,
    extra_env: &[(&str, &str)],
) -> (Value, String) {
    let mut cmd = trawl();
    fresh(&mut cmd, home, feeds);
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let out = cmd
        .args(["image", "--input"])
        .arg(image)
        .output()
        .expect("trawl runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    (
        serde_json::from_slice(&out.stdout).expect("JSON report"),
        stderr,
    )
}

#[test]
fn zero_config_scan_builds_from_the_publishers_and_refreshes_with_no_payload() {
    let data = trawl_test::require_shared_data!();
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("upstream");
    layout(&data, &root);
    let server = Upstream::start(root);
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).expect("home");
    let feeds = vec![
        // The published DB's mirror answers nothing (a closed port): the chain goes on to the publishers.
        ("TRAWL_FEED_DB", "127.0.0.1:9/trawl/trawl-db".to_owned()),
        ("TRAWL_FEED_ALPINE_SECDB", server.url("/alpine")),
        ("TRAWL_FEED_CVE5", server.url("/cve5")),
        (
            "TRAWL_FEED_KEV",
            server.url("/kev/known_exploited_vulnerabilities.json"),
        ),
        (
            "TRAWL_FEED_EPSS",
            server.url("/epss/epss_scores-current.csv.gz"),
        ),
        ("TRAWL_FEED_OSV", server.url("/osv")),
        ("TRAWL_FEED_OSV_API", server.url("/osv-api")),
        ("TRAWL_FEED_EPSS_API", server.url("/epss-api")),
    ];
    let image = trawl_test::repo_root().join("tests/data/images/alpine-3.7.3.tar.gz");

    // First run: only the Alpine v3.7 feed (plus KEV, EPSS and the matched CVE records) is asked for.
    let (report, stderr) = scan(&home, &feeds, &image, &[]);
    let first = server.take();
    let found = vulns(&report);
    for pkg in ["musl", "musl-utils"] {
        let (severity, title) = found
            .get(&(pkg.to_owned(), "CVE-2019-14697".to_owned()))
            .unwrap_or_else(|| panic!("{pkg} CVE-2019-14697 not found: {found:?}\n{stderr}"));
        assert_eq!(severity, "CRITICAL", "{pkg}");
        assert!(
            title.contains("musl libc through 1.1.23"),
            "{pkg}: title `{title}`"
        );
    }
    assert!(stderr.contains("published DB skipped"), "{stderr}");
    let paths: BTreeSet<&str> = first.iter().map(|(p, _, _)| p.as_str()).collect();
    assert!(paths.contains("/alpine/v3.7/main.json"), "{paths:?}");
    for p in &paths {
        assert!(
            !p.starts_with("/alpine/") || p.starts_with("/alpine/v3.7/"),
            "only the v3.7 feed is needed, but {p} was asked: {paths:?}"
        );
        assert!(
            !p.starts_with("/osv"),
            "no language package, no OSV: {paths:?}"
        );
        assert!(!p.starts_with("/cve5/") || p.contains("CVE-"), "{paths:?}");
    }
    assert!(
        paths.contains("/cve5/cves/2019/14xxx/CVE-2019-14697.json"),
        "{paths:?}"
    );
    assert!(
        !paths.contains("/cve5/cves/2024/3xxx/CVE-2024-3094.json"),
        "only the matched CVEs' records: {paths:?}"
    );
    let first_bytes: usize = first.iter().map(|(_, _, n)| n).sum();
    assert!(first_bytes > 0);
    // A scan asks the EPSS API for what it matched instead of downloading every score.
    assert!(paths.contains("/epss-api"), "{paths:?}");
    assert!(
        !paths.contains("/epss/epss_scores-current.csv.gz"),
        "{paths:?}"
    );
    let epss: Vec<&Value> = report["results"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|r| r["vulnerabilities"].as_array().into_iter().flatten())
        .filter(|v| v["id"] == "CVE-2019-14697")
        .collect();
    assert!(
        epss.iter().all(|v| v["epss"].as_f64() == Some(0.01234)),
        "{epss:?}"
    );

    // `db info` says where each feed came from and how current it is.
    let info = super::info_json(&home.join(".cache/trawl/db/upstream.db"));
    let alpine = feed_of(&info, "alpine-secdb");
    assert_eq!(alpine["url"], server.url("/alpine"), "{info}");
    assert_eq!(
        alpine["last_modified"], "Tue, 03 Dec 2024 10:00:00 GMT",
        "{info}"
    );
    assert!(alpine["resources"].as_u64() >= Some(1), "{info}");
    assert!(alpine["checked_at"].as_str().is_some(), "{info}");
    assert_eq!(feed_of(&info, "cve5")["resources"], 1, "{info}");

    // Second run within the maximum age: nothing transferred.
    let (again, _) = scan(&home, &feeds, &image, &[]);
    let second = server.take();
    assert_eq!(
        second.iter().map(|(_, _, n)| n).sum::<usize>(),
        0,
        "{second:?}"
    );
    assert_eq!(vulns(&again), found);

    // Asked again (maximum age 0): every feed answers 304, no payload, same findings.
    let (third, _) = scan(&home, &feeds, &image, &[("TRAWL_DB_MAX_AGE", "0")]);
    let asked = server.take();
    assert!(!asked.is_empty());
    for (p, status, n) in &asked {
        // The EPSS API's answers (a few hundred bytes for the matched CVEs) carry no validators: asked again.
        if p == "/epss-api" {
            continue;
        }
        assert_eq!(
            (*status, *n),
            (304, 0),
            "{p} transferred a payload: {asked:?}"
        );
    }
    assert_eq!(vulns(&third), found);
}

#[test]
fn a_failing_feed_keeps_the_others_and_names_its_url() {
    let data = trawl_test::require_shared_data!();
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("upstream");
    layout(&data, &root);
    // A KEV feed that answers 503, an EPSS API that answers garbage, and (read when there is no API) a corrupt
    // EPSS file.
    write(
        &root.join("epss/epss_scores-current.csv.gz"),
        b"not gzip at all",
    );
    let server = Upstream::start(root);
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).expect("home");
    let feeds = vec![
        ("TRAWL_FEED_DB", "127.0.0.1:9/trawl/trawl-db".to_owned()),
        ("TRAWL_FEED_ALPINE_SECDB", server.url("/alpine")),
        ("TRAWL_FEED_CVE5", server.url("/cve5")),
        ("TRAWL_FEED_KEV", server.url("/fail/503/kev.json")),
        (
            "TRAWL_FEED_EPSS",
            server.url("/epss/epss_scores-current.csv.gz"),
        ),
        ("TRAWL_FEED_EPSS_API", server.url("/fail/200/epss-api")),
    ];
    let image = trawl_test::repo_root().join("tests/data/images/alpine-3.7.3.tar.gz");
    let (report, stderr) = scan(&home, &feeds, &image, &[]);
    assert!(
        vulns(&report).contains_key(&("musl".to_owned(), "CVE-2019-14697".to_owned())),
        "the Alpine feed is still built: {stderr}"
    );
    assert!(
        stderr.contains(&server.url("/fail/503/kev.json")) && stderr.contains("503"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&server.url("/fail/200/epss-api")) && stderr.contains("bad answer"),
        "{stderr}"
    );
    // With no EPSS API (a local path), the whole file is read: its corruption is named with its URL.
    let (_, stderr) = scan(
        &home,
        &feeds,
        &image,
        &[("TRAWL_FEED_EPSS_API", "/nonexistent/epss-api")],
    );
    assert!(
        stderr.contains(&server.url("/epss/epss_scores-current.csv.gz")) && stderr.contains("gzip"),
        "{stderr}"
    );

    // The built DB records that KEV was missing, and `db info` says so.
    let info = super::info_json(&home.join(".cache/trawl/db/upstream.db"));
    let kev = feed_of(&info, "kev");
    assert_eq!(kev["resources"], 0, "no KEV copy was ever had: {info}");
    assert!(
        kev["problems"][0]
            .as_str()
            .is_some_and(|p| p.contains(&server.url("/fail/503/kev.json")) && p.contains("503")),
        "{info}"
    );
    let out = trawl()
        .args(["db", "info", "--db"])
        .arg(home.join(".cache/trawl/db/upstream.db"))
        .output()
        .expect("runs");
    assert!(out.status.success());
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("Feeds (built straight from the publishers):")
            && table.contains(&server.url("/alpine")),
        "{table}"
    );
}

fn feed_of<'a>(info: &'a Value, feed: &str) -> &'a Value {
    info["upstream"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|o| o["feed"] == feed)
        .unwrap_or_else(|| panic!("no {feed} feed in {info}"))
}

#[test]
fn full_build_from_the_publishers_equals_the_directory_build() {
    let data = trawl_test::require_shared_data!();
    let adv = data.join("advisories");
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("upstream");
    layout(&data, &root);
    let ecosystems = publishers(&data, &root);
    let tracker = adv.join("debian/vunnel-fixtures/input/debian.json");
    let wolfi = adv.join("wolfi/vunnel-fixtures/input/secdb/security.json");
    let bucket = root.join("osv");
    let releases = alpine_releases(&root);
    let cves = adv.join("cve/cvelistV5/cves");
    let server = Upstream::start(root.clone());

    let upstream_db = tmp.path().join("upstream.db");
    let mut cmd = server.publishers_cmd(tmp.path());
    cmd.args(["db", "build", "--from-upstream", "--feed"])
        .arg(format!("cve5={}", cves.display()))
        .arg("-o")
        .arg(&upstream_db);
    let out = cmd.output().expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let asked: BTreeSet<String> = server.take().into_iter().map(|(p, _, _)| p).collect();
    for r in &releases {
        assert!(
            asked.contains(&format!("/alpine/{r}/main.json")),
            "{r}: {asked:?}"
        );
    }
    for eco in &ecosystems {
        assert!(
            asked.iter().any(|p| p.starts_with("/osv/")
                && p.ends_with("/all.zip")
                && p.contains(eco.split(':').next().unwrap_or_default())),
            "{eco}: {asked:?}"
        );
    }
    assert!(
        !asked.iter().any(|p| p.contains("license")),
        "only release directories: {asked:?}"
    );

    // Today's directory build of the same data, from the files as the repositories hold them (secdb YAML).
    let dir_db = tmp.path().join("dir.db");
    let out = super::build(
        &dir_db,
        &[
            format!("alpine-secdb={}", adv.join("alpine/alpine-secdb").display()),
            format!("debian-tracker={}", tracker.display()),
            format!("wolfi={}", wolfi.display()),
            format!("osv={}", bucket.display()),
            format!("cve5={}", cves.display()),
            format!(
                "kev={}",
                adv.join("kev/known_exploited_vulnerabilities.json")
                    .display()
            ),
            format!(
                "epss={}",
                root.join("epss/epss_scores-current.csv.gz").display()
            ),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (a, b) = (super::info_json(&upstream_db), super::info_json(&dir_db));
    assert_eq!(a["advisories_by_source"], b["advisories_by_source"]);
    assert_eq!(a["affected_rows"], b["affected_rows"]);
    assert_eq!(a["kev_entries"], b["kev_entries"]);
    assert_eq!(a["epss_entries"], b["epss_entries"]);
    let (ra, rb) = (super::db_rows(&upstream_db), super::db_rows(&dir_db));
    assert_eq!(ra.len(), rb.len());
    assert!(ra == rb, "every advisory and affected row is the same");

    // And so the findings on the shared images.
    let images = [
        trawl_test::repo_root().join("tests/data/images/alpine-3.7.3.tar.gz"),
        data.join("images/alpine-310.tar.gz"),
        data.join("images/alpine-311.tar.gz"),
        data.join("images/debian-bookworm-slim.tar.gz"),
    ];
    let mut total = 0;
    for image in images.iter().filter(|i| i.is_file()) {
        let found = |db: &Path| {
            let out = trawl()
                .args(["image", "--skip-db-update", "-f", "json", "--input"])
                .arg(image)
                .arg("--db")
                .arg(db)
                .output()
                .expect("runs");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
            vulns(&v)
        };
        let (fa, fb) = (found(&upstream_db), found(&dir_db));
        assert_eq!(fa, fb, "{}", image.display());
        total += fa.len();
    }
    // The shared images are patched releases (musl's CVE-2019-14697 in 3.7.3 is what they have); the equality of
    // every stored row above covers the rest.
    assert!(total >= 2, "the images have findings to compare: {total}");
}

fn alpine_releases(root: &Path) -> Vec<String> {
    let mut releases: Vec<String> = std::fs::read_dir(root.join("alpine"))
        .expect("alpine")
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    releases.sort();
    releases
}

/// Beyond [`layout`]: the secdb site's index page, the Debian tracker's JSON, Wolfi's security.json and an OSV
/// bucket (GHSA + go-vulndb). Returns the bucket's ecosystems.
fn publishers(data: &Path, root: &Path) -> Vec<String> {
    let adv = data.join("advisories");
    let mut index = String::from("<html><body><a href=\"../\">../</a>\n");
    for r in alpine_releases(root) {
        index.push_str(&format!("<a href=\"{r}/\">{r}/</a>\n"));
    }
    index.push_str("<a href=\"license.txt\">license.txt</a></body></html>\n");
    write(&root.join("alpine/index.html"), index.as_bytes());
    let tracker = adv.join("debian/vunnel-fixtures/input/debian.json");
    write(
        &root.join("debian/tracker.json"),
        &std::fs::read(&tracker).expect("tracker"),
    );
    let wolfi = adv.join("wolfi/vunnel-fixtures/input/secdb/security.json");
    write(
        &root.join("wolfi/security.json"),
        &std::fs::read(&wolfi).expect("wolfi"),
    );
    let ecosystems = super::serve::make_osv_bucket(
        &root.join("osv"),
        &[adv.join("ghsa"), adv.join("go-vulndb/osv")],
    );
    assert!(ecosystems.len() >= 5, "{ecosystems:?}");
    ecosystems
}

#[test]
fn an_offline_bundle_scans_with_no_network() {
    let data = trawl_test::require_shared_data!();
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("upstream");
    layout(&data, &root);
    publishers(&data, &root);
    let bundle = tmp.path().join("bundle");
    {
        let server = Upstream::start(root.clone());
        let out = server
            .publishers_cmd(&tmp.path().join("online"))
            .args(["db", "update", "--offline-bundle"])
            .arg(&bundle)
            .output()
            .expect("runs");
        // CVE records are not fetched one by one for a full build: that line is expected, nothing failed.
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // The server is gone. A fresh machine with only the bundle's feeds.env.
    let env_text = std::fs::read_to_string(bundle.join("feeds.env")).expect("feeds.env");
    let env: Vec<(String, String)> = env_text
        .lines()
        .filter(|l| !l.starts_with('#') && l.contains('='))
        .filter_map(|l| l.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
        .collect();
    for (_, v) in &env {
        assert!(
            !v.contains("://"),
            "the bundle points only at files: {env_text}"
        );
    }
    assert!(bundle.join("alpine-secdb/v3.7/main.json").is_file());
    assert!(bundle.join("trawl.db").is_file());
    let offline_home = tmp.path().join("offline");
    std::fs::create_dir_all(&offline_home).expect("home");
    let run = |args: &[&str], target: &Path| {
        let mut cmd = trawl();
        cmd.env("HOME", &offline_home)
            .env_remove("XDG_CACHE_HOME")
            .env_remove("TRAWL_CACHE_DIR")
            .env("TRAWL_FORMAT", "json")
            .current_dir(&offline_home);
        for (k, v) in &env {
            cmd.env(k, v);
        }
        let out = cmd.args(args).arg(target).output().expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{stderr}");
        assert!(!stderr.contains("http"), "no network was tried: {stderr}");
        vulns(&serde_json::from_slice(&out.stdout).expect("JSON"))
    };
    let image = trawl_test::repo_root().join("tests/data/images/alpine-3.7.3.tar.gz");
    let found = run(&["image", "--input"], &image);
    assert!(
        found.contains_key(&("musl".to_owned(), "CVE-2019-14697".to_owned())),
        "{found:?}"
    );
    // Language packages too: the ecosystem's all.zip stands in for the OSV API.
    let app = trawl_test::repo_root().join("tests/data/quickstart-app");
    let found = run(&["fs"], &app);
    assert!(
        found.contains_key(&("lodash".to_owned(), "CVE-2019-10744".to_owned())),
        "{found:?}"
    );
    // And the bundle's full DB as it is.
    let db = bundle.join("trawl.db");
    let found = run(
        &["image", "--db", db.to_str().expect("utf-8"), "--input"],
        &image,
    );
    assert!(
        found.contains_key(&("musl-utils".to_owned(), "CVE-2019-14697".to_owned())),
        "{found:?}"
    );
}

#[test]
fn amazon_linux_comes_from_its_repository_metadata() {
    let _data = trawl_test::require_shared_data!();
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("upstream");
    std::fs::create_dir_all(&root).expect("root");
    let server = Upstream::start(root.clone());
    // cdn.amazonlinux.com's layout: mirror.list names the current mirror, whose repomd.xml names the updateinfo.
    // The updateinfo is the illustrative one of trawl-advisory's tests (no ALAS sample exists in ../shared/data).
    let mirror = "/alas/mirror/2/core/2.0/x86_64/0f1e2d";
    write(
        &root.join("alas/2/core/latest/x86_64/mirror.list"),
        format!("{}\n", server.url(mirror)).as_bytes(),
    );
    write(
        &root.join(format!(
            "{}/repodata/repomd.xml",
            mirror.trim_start_matches('/')
        )),
        br#"<?xml version="1.0" encoding="UTF-8"?>
<repomd xmlns="http://linux.duke.edu/metadata/repo">
  <data type="primary"><location href="repodata/aa-primary.sqlite.gz"/></data>
  <data type="updateinfo"><location href="repodata/bb-updateinfo.xml.gz"/></data>
</repomd>
"#,
    );
    let updateinfo = std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../trawl-advisory/tests/data/alas2-updateinfo.xml"),
    )
    .expect("updateinfo");
    write(
        &root.join(format!(
            "{}/repodata/bb-updateinfo.xml.gz",
            mirror.trim_start_matches('/')
        )),
        &trawl_test::image::gzip(&updateinfo),
    );
    // An Amazon Linux 2 inventory, as a CycloneDX SBOM.
    let sbom = tmp.path().join("al2.cdx.json");
    write(
        &sbom,
        serde_json::to_string(&serde_json::json!({
            "bomFormat": "CycloneDX",
            "specVersion": "1.5",
            "version": 1,
            "metadata": {"component": {"type": "operating-system", "name": "amzn", "version": "2"}},
            "components": [{
                "type": "library",
                "name": "curl",
                "version": "7.79.1-1.amzn2.0.1",
                "purl": "pkg:rpm/amazon/curl@7.79.1-1.amzn2.0.1?arch=x86_64&distro=amzn-2"
            }]
        }))
        .expect("json")
        .as_bytes(),
    );
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).expect("home");
    let feeds = vec![
        ("TRAWL_FEED_DB", "127.0.0.1:9/trawl/trawl-db".to_owned()),
        ("TRAWL_FEED_ALAS", server.url("/alas")),
        ("TRAWL_FEED_CVE5", server.url("/cve5")),
        ("TRAWL_FEED_KEV", server.url("/kev.json")),
        ("TRAWL_FEED_EPSS_API", server.url("/epss-api")),
    ];
    let mut cmd = trawl();
    fresh(&mut cmd, &home, &feeds);
    let out = cmd.arg("sbom").arg(&sbom).output().expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let found = vulns(&serde_json::from_slice(&out.stdout).expect("JSON"));
    assert!(
        found
            .get(&("curl".to_owned(), "CVE-2023-23915".to_owned()))
            .is_some_and(|(s, _)| s == "HIGH"),
        "{found:?}\n{stderr}"
    );
    let asked: BTreeSet<String> = server.take().into_iter().map(|(p, _, _)| p).collect();
    for p in [
        "/alas/2/core/latest/x86_64/mirror.list",
        "/alas/mirror/2/core/2.0/x86_64/0f1e2d/repodata/repomd.xml",
        "/alas/mirror/2/core/2.0/x86_64/0f1e2d/repodata/bb-updateinfo.xml.gz",
    ] {
        assert!(asked.contains(p), "{p}: {asked:?}");
    }
    assert!(!asked.iter().any(|p| p.contains("primary")), "{asked:?}");
}

/// Replaces (or adds) `record` in `<bucket>/<eco>/all.zip`, serves it alone too, and puts it first in
/// `modified_id.csv`, as the OSV bucket does when a record changes.
fn change_bucket_record(bucket: &Path, eco: &str, record: &Value) {
    use std::io::Read;
    let id = record["id"].as_str().expect("id");
    let dir = bucket.join(eco);
    let zip_path = dir.join("all.zip");
    let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
    {
        let mut z =
            zip::ZipArchive::new(std::fs::File::open(&zip_path).expect("zip")).expect("zip");
        for i in 0..z.len() {
            let mut e = z.by_index(i).expect("entry");
            let mut b = Vec::new();
            e.read_to_end(&mut b).expect("read");
            let name = e.name().expect("entry name").into_owned();
            if name != format!("{id}.json") {
                entries.push((name, b));
            }
        }
    }
    let bytes = serde_json::to_vec_pretty(record).expect("json");
    entries.push((format!("{id}.json"), bytes.clone()));
    let mut zw = zip::ZipWriter::new(std::fs::File::create(&zip_path).expect("create"));
    for (name, b) in entries {
        zw.start_file(name, zip::write::SimpleFileOptions::default())
            .expect("entry");
        zw.write_all(&b).expect("write");
    }
    zw.finish().expect("finish");
    write(&dir.join(format!("{id}.json")), &bytes);
    let csv = std::fs::read_to_string(dir.join("modified_id.csv")).unwrap_or_default();
    let rest: String = csv
        .lines()
        .filter(|l| !l.ends_with(&format!(",{id}")))
        .map(|l| format!("{l}\n"))
        .collect();
    write(
        &dir.join("modified_id.csv"),
        format!(
            "{},{id}\n{rest}",
            record["modified"].as_str().expect("modified")
        )
        .as_bytes(),
    );
}

#[test]
fn a_full_build_is_refreshed_with_only_the_changed_osv_records() {
    let data = trawl_test::require_shared_data!();
    let adv = data.join("advisories");
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("upstream");
    layout(&data, &root);
    publishers(&data, &root);
    let server = Upstream::start(root.clone());
    let build = |home: &Path, db: &Path| {
        let out = server
            .publishers_cmd(home)
            .args(["db", "build", "--from-upstream", "-o"])
            .arg(db)
            .output()
            .expect("runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let lodash = |db: &Path| {
        let out = trawl()
            .args(["fs", "-f", "json", "--skip-db-update", "--db"])
            .arg(db)
            .arg(trawl_test::repo_root().join("tests/data/quickstart-app"))
            .output()
            .expect("runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        vulns(&serde_json::from_slice(&out.stdout).expect("JSON"))
    };
    let home = tmp.path().join("home");
    let db = tmp.path().join("nightly.db");
    build(&home, &db);
    let osv_files = feed_of(&super::info_json(&db), "osv")["resources"].as_u64();
    let key = ("lodash".to_owned(), "CVE-2020-8203".to_owned());
    assert!(
        lodash(&db).contains_key(&key),
        "lodash 4.17.11 is affected before the change"
    );
    server.take();

    // Upstream, GHSA-p6mc-m468-83gw changes: fixed in 4.17.10, so 4.17.11 is no longer affected.
    let path = adv.join(
        "ghsa/advisories/github-reviewed/2020/07/GHSA-p6mc-m468-83gw/GHSA-p6mc-m468-83gw.json",
    );
    let mut record: Value =
        serde_json::from_slice(&std::fs::read(path).expect("record")).expect("json");
    record["modified"] = Value::from("2030-01-01T00:00:00Z");
    let text = serde_json::to_string(&record)
        .expect("json")
        .replace("\"4.17.20\"", "\"4.17.10\"");
    let record: Value = serde_json::from_str(&text).expect("json");
    change_bucket_record(&root.join("osv"), "npm", &record);

    // The next night: the list, then that one record; no archive.
    build(&home, &db);
    let asked: BTreeSet<String> = server
        .take()
        .into_iter()
        .filter(|(_, status, _)| *status == 200)
        .map(|(p, _, _)| p)
        .collect();
    assert!(asked.contains("/osv/npm/modified_id.csv"), "{asked:?}");
    assert!(
        asked.contains("/osv/npm/GHSA-p6mc-m468-83gw.json"),
        "{asked:?}"
    );
    assert!(
        !asked.iter().any(|p| p.ends_with("all.zip")),
        "no archive is downloaded again: {asked:?}"
    );
    let refreshed = lodash(&db);
    assert!(!refreshed.contains_key(&key), "{refreshed:?}");
    // `db info` of the refreshed DB describes this run's feeds (the changed record is among the OSV files).
    let info = super::info_json(&db);
    let osv = feed_of(&info, "osv");
    assert!(osv["url"] == server.url("/osv"), "{info}");
    assert_eq!(
        osv["resources"].as_u64(),
        osv_files.map(|n| n + 1),
        "the changed record is one more OSV file: {info}"
    );

    // The same answers as a build from scratch of the changed bucket.
    let fresh = tmp.path().join("fresh.db");
    build(&tmp.path().join("fresh-home"), &fresh);
    assert_eq!(refreshed, lodash(&fresh));
    let (a, b) = (super::info_json(&db), super::info_json(&fresh));
    assert_eq!(a["advisories_by_source"], b["advisories_by_source"]);
}

#[test]
fn an_offline_bundle_refuses_to_replace_a_fifo() {
    use std::os::unix::fs::FileTypeExt;
    let data = trawl_test::require_shared_data!();
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("upstream");
    layout(&data, &root);
    publishers(&data, &root);
    let server = Upstream::start(root);
    let bundle = tmp.path().join("bundle");
    std::fs::create_dir_all(bundle.join("kev")).expect("mkdir");
    for fifo in [
        bundle.join("feeds.env"),
        bundle.join("kev/known_exploited_vulnerabilities.json"),
    ] {
        let st = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo runs");
        assert!(st.success());
    }
    let out = server
        .publishers_cmd(&tmp.path().join("home"))
        .args(["db", "update", "--offline-bundle"])
        .arg(&bundle)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("known_exploited_vulnerabilities.json") && stderr.contains("FIFO"),
        "{stderr}"
    );
    for fifo in ["feeds.env", "kev/known_exploited_vulnerabilities.json"] {
        let ft = std::fs::symlink_metadata(bundle.join(fifo))
            .expect("still there")
            .file_type();
        assert!(ft.is_fifo(), "{fifo} was replaced");
    }
    // The feed files written, feeds.env is refused the same way.
    std::fs::remove_file(bundle.join("kev/known_exploited_vulnerabilities.json")).expect("rm");
    let out = server
        .publishers_cmd(&tmp.path().join("home"))
        .args(["db", "update", "--offline-bundle"])
        .arg(&bundle)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("feeds.env") && stderr.contains("FIFO"),
        "{stderr}"
    );
    assert!(
        bundle
            .join("kev/known_exploited_vulnerabilities.json")
            .is_file()
    );
    let ft = std::fs::symlink_metadata(bundle.join("feeds.env"))
        .expect("still there")
        .file_type();
    assert!(ft.is_fifo(), "feeds.env was replaced");
}
