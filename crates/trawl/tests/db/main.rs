//! `trawl db build | info | update | push | pull` end to end: real feeds from ../shared/data, a real HTTP server
//! (tiny_http on 127.0.0.1) and a real OCI registry (Debian's docker-registry).

mod published;
mod serve;
mod upstream;

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Every feed folder of the shared advisory data with the kind that reads it.
const ALL_SOURCES: &[(&str, &str)] = &[
    ("osv", "ghsa"),
    ("osv", "go-vulndb"),
    ("osv", "pypa-advisory-db/vulns"),
    ("osv", "rustsec/osv"),
    ("osv", "ubuntu/ubuntu-security-notices/osv"),
    ("osv", "ubuntu/vunnel-fixtures/osv"),
    ("osv", "ubuntu/vunnel-fixtures/osv-esm-cases"),
    ("osv", "ubuntu/osv.dev-testdata"),
    ("osv", "debian/osv.dev-testdata/gcp"),
    ("alpine-secdb", "alpine/alpine-secdb"),
    ("alpine-secdb", "alpine/vunnel-fixtures/input/secdb"),
    ("debian-tracker", "debian/cve-list-excerpt"),
    ("debian-tracker", "debian/security-tracker-mirror"),
    ("debian-tracker", "debian/vuln-list-debian"),
    (
        "debian-tracker",
        "debian/osv.dev-testdata/vulnfeeds/test_data/debian",
    ),
    ("debian-tracker", "debian/vunnel-fixtures/input"),
    ("wolfi", "wolfi/advisories"),
    ("wolfi", "wolfi/vunnel-fixtures/input/secdb"),
    ("cve5", "cve/cvelistV5/cves"),
    ("kev", "kev/known_exploited_vulnerabilities.json"),
    ("epss", "epss"),
];

fn trawl() -> Command {
    let mut c = Command::cargo_bin("trawl").expect("trawl binary");
    c.env_remove("TRAWL_DB")
        .env_remove("TRAWL_DB_REPOSITORY")
        .env("TRAWL_LOG", "info");
    c
}

fn build(out: &Path, sources: &[String]) -> std::process::Output {
    let mut c = trawl();
    c.args(["db", "build", "-o"]).arg(out);
    for s in sources {
        c.arg("--source").arg(s);
    }
    c.output().expect("trawl runs")
}

fn info_json(db: &Path) -> Value {
    let out = trawl()
        .args(["db", "info", "--format", "json", "--db"])
        .arg(db)
        .output()
        .expect("trawl runs");
    assert!(
        out.status.success(),
        "db info failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("db info --format json prints JSON")
}

fn sha256(path: &Path) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(std::fs::read(path).expect("readable")))
}

fn oracle_counts(kind: &str, path: &Path) -> (u64, u64) {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/db/count_feeds.py");
    // Debian's python3 with python3-yaml (.ci/setup.d/30-db.sh).
    let python = if Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    };
    let out = std::process::Command::new(python)
        .arg(script)
        .arg(kind)
        .arg(path)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "count_feeds.py {kind} {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    (
        v["records"].as_u64().expect("records"),
        v["skipped"].as_u64().expect("skipped"),
    )
}

#[test]
fn build_over_all_shared_feeds_counts_match_an_independent_count() {
    let data = trawl_test::require_shared_data!();
    let adv = data.join("advisories");
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("all.db");
    let sources: Vec<String> = ALL_SOURCES
        .iter()
        .map(|(k, p)| format!("{k}={}", adv.join(p).display()))
        .collect();
    let out = build(&db, &sources);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "build failed: {stderr}");
    // The malformed records of the real data are reported on stderr.
    assert!(stderr.contains("malformed record(s) skipped"), "{stderr}");
    assert!(
        stderr.contains("DSA-423"),
        "the real malformed DSA-423 line is named: {stderr}"
    );

    let info = info_json(&db);
    assert_eq!(info["schema_version"], trawl_advisory::SCHEMA_VERSION);
    assert!(info["built_at"].as_str().is_some_and(|s| s.ends_with('Z')));
    let reported = info["sources"].as_array().expect("sources");
    assert_eq!(reported.len(), ALL_SOURCES.len());
    let mut total_skipped = 0;
    for ((kind, rel), got) in ALL_SOURCES.iter().zip(reported) {
        let (records, skipped) = oracle_counts(kind, &adv.join(rel));
        assert_eq!(got["kind"], *kind);
        assert_eq!(
            got["records"].as_u64(),
            Some(records),
            "{kind}={rel}: {got}"
        );
        assert_eq!(
            got["skipped"].as_u64(),
            Some(skipped),
            "{kind}={rel}: {got}"
        );
        if skipped > 0 {
            assert!(
                !got["errors"].as_array().expect("errors").is_empty(),
                "{kind}={rel}: reasons kept"
            );
        }
        total_skipped += skipped;
    }
    assert!(
        total_skipped >= 4,
        "the shared data has malformed records (DSA-423, config.json, invalid EPSS header...)"
    );
    assert_eq!(info["kev_entries"], 1404);
    // Every source that files advisories shows up per data source.
    let by = &info["advisories_by_source"];
    assert_eq!(by["go-vulndb"], 4291);
    assert_eq!(by["ghsa"], 35);
    assert_eq!(by["rustsec"], 1206);
    assert_eq!(by["cve5"], 4);
    for k in [
        "pypa",
        "ubuntu",
        "debian-tracker",
        "debian-osv",
        "alpine-secdb",
        "wolfi",
    ] {
        assert!(by[k].as_u64().is_some_and(|n| n > 0), "{k}: {by}");
    }
    // Human output names every source too.
    let human = trawl()
        .args(["db", "info", "--db"])
        .arg(&db)
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains(&format!(
            "Schema version: {}",
            trawl_advisory::SCHEMA_VERSION
        )) && text.contains("go-vulndb"),
        "{text}"
    );
}

#[test]
fn malformed_records_are_skipped_counted_and_reported() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let feed = tmp.path().join("osv");
    std::fs::create_dir_all(&feed).expect("mkdir");
    let good = r#"{"id":"GHSA-good-0000-0001","modified":"2024-01-01T00:00:00Z","aliases":["CVE-2099-0001"],
        "affected":[{"package":{"ecosystem":"PyPI","name":"Foo_Bar"},"ranges":[{"type":"ECOSYSTEM",
        "events":[{"introduced":"0"},{"fixed":"1.2"}]}]}]}"#;
    std::fs::write(feed.join("good.json"), good).expect("write");
    std::fs::write(feed.join("bad.json"), "{\"id\": \"GHSA-bad\", ").expect("write");
    std::fs::write(
        feed.join("unknown-eco.json"),
        r#"{"id":"X-1","affected":[{"package":{"ecosystem":"NoSuchEcosystem","name":"x"}}]}"#,
    )
    .expect("write");
    std::fs::write(
        feed.join("bad-version.json"),
        r#"{"id":"X-2","affected":[{"package":{"ecosystem":"npm","name":"x"},"ranges":[{"type":"SEMVER",
        "events":[{"introduced":"0"},{"fixed":"not a version"}]}]}]}"#,
    )
    .expect("write");
    let db = tmp.path().join("t.db");
    let out = build(&db, &[format!("osv={}", feed.display())]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "never fatal: {stderr}");
    assert!(stderr.contains("3 malformed record(s) skipped"), "{stderr}");
    let info = info_json(&db);
    let s = &info["sources"][0];
    assert_eq!(
        s["records"], 3,
        "good + the two with a bad affected entry: {s}"
    );
    assert_eq!(s["skipped"], 3, "{s}");
    let errors: Vec<&str> = s["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        errors
            .iter()
            .any(|e| e.contains("bad.json") && e.contains("bad JSON")),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.contains("unknown ecosystem `NoSuchEcosystem`")),
        "{errors:?}"
    );
    assert!(
        errors.iter().any(|e| e.contains("not a version")),
        "{errors:?}"
    );
    assert_eq!(info["advisories_by_source"]["ghsa"], 1);
}

#[test]
fn quick_start_subset_builds() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let secdb = root.join("tests/data/advisories/alpine-secdb");
    if !secdb.is_dir() {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("trawl.db");
    let out = build(&db, &[format!("alpine-secdb={}", secdb.display())]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let info = info_json(&db);
    let (records, _) = oracle_counts("alpine-secdb", &secdb);
    assert_eq!(info["sources"][0]["records"].as_u64(), Some(records));
    assert!(records > 100);

    // The README's quick start: with the GHSA records committed beside it, the app's real npm lockfile shows
    // real severities and titles.
    let db = tmp.path().join("quickstart.db");
    let out = build(
        &db,
        &[
            format!("alpine-secdb={}", secdb.display()),
            format!("osv={}", root.join("tests/data/advisories/ghsa").display()),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = trawl()
        .args(["fs", "-f", "json", "--db"])
        .arg(&db)
        .arg(root.join("tests/data/quickstart-app"))
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let mut found: Vec<(String, String, String)> = report["results"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|r| r["vulnerabilities"].as_array().into_iter().flatten())
        .map(|v| {
            assert!(v["title"].as_str().is_some_and(|t| !t.is_empty()), "{v}");
            (
                v["pkg_name"].as_str().unwrap_or_default().to_owned(),
                v["id"].as_str().unwrap_or_default().to_owned(),
                v["severity"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    found.sort();
    let want = [
        ("lodash", "CVE-2019-10744", "CRITICAL"),
        ("lodash", "CVE-2020-8203", "HIGH"),
        ("minimist", "CVE-2021-44906", "CRITICAL"),
    ];
    assert_eq!(
        found,
        want.map(|(a, b, c)| (a.to_owned(), b.to_owned(), c.to_owned()))
    );
}

fn db_rows(db: &Path) -> Vec<String> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("opens");
    let mut out = Vec::new();
    for (table, cols) in [
        ("advisory_block", "last_id, hex(data)"),
        ("package", "id, ns, name, hex(data)"),
        ("namespace", "id, name"),
        ("data_source", "id, key"),
        ("dict", "name, hex(data)"),
    ] {
        let mut stmt = conn
            .prepare(&format!("SELECT {cols} FROM {table}"))
            .expect("query");
        let n = stmt.column_count();
        let rows = stmt
            .query_map([], |r| {
                let mut s = String::from(table);
                for i in 0..n {
                    let v: rusqlite::types::Value = r.get(i)?;
                    s.push_str(&format!("|{v:?}"));
                }
                Ok(s)
            })
            .expect("rows");
        out.extend(rows.map(|r| r.expect("row")));
    }
    out.sort();
    out
}

#[test]
fn osv_over_http_bucket_layout_equals_the_directory_build() {
    let data = trawl_test::require_shared_data!();
    let adv = data.join("advisories");
    let tmp = tempfile::tempdir().expect("tempdir");
    // A bucket in the public OSV layout, made from the shared data: GHSA records grouped by their first
    // ecosystem, plus all of go-vulndb in Go/all.zip; ecosystems.txt lists them.
    let bucket = tmp.path().join("bucket");
    let ecosystems =
        serve::make_osv_bucket(&bucket, &[adv.join("ghsa"), adv.join("go-vulndb/osv")]);
    assert!(ecosystems.len() >= 5, "{ecosystems:?}");
    let server = serve::Server::start(serve::Mode::Files(bucket.clone()));

    let from_dir = tmp.path().join("dir.db");
    let out = build(&from_dir, &[format!("osv={}", bucket.display())]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let from_url = tmp.path().join("url.db");
    let out = build(&from_url, &[format!("osv={}", server.url(""))]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(server.hits("/ecosystems.txt") >= 1);
    assert!(server.hits("/Go/all.zip") >= 1);

    let (a, b) = (info_json(&from_dir), info_json(&from_url));
    assert_eq!(a["sources"][0]["records"], 35 + 4291);
    assert_eq!(a["sources"][0]["records"], b["sources"][0]["records"]);
    assert_eq!(a["advisories_by_source"], b["advisories_by_source"]);
    assert_eq!(a["affected_rows"], b["affected_rows"]);
    let (ra, rb) = (db_rows(&from_dir), db_rows(&from_url));
    assert_eq!(ra.len(), rb.len());
    assert!(ra == rb, "every advisory and affected row is the same");

    // `#Eco,Eco` fetches only those ecosystems.
    let only = tmp.path().join("only.db");
    let out = build(&only, &[format!("osv={}#Go", server.url(""))]);
    assert!(out.status.success());
    let o = info_json(&only);
    assert!(o["advisories_by_source"]["go-vulndb"] == 4291, "{o}");
}

fn small_db(dir: &Path, name: &str, secdb_file: &str) -> PathBuf {
    let data = trawl_test::shared_data().expect("shared data");
    let db = dir.join(name);
    let src = data.join("advisories/alpine/alpine-secdb").join(secdb_file);
    let out = build(&db, &[format!("alpine-secdb={}", src.display())]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    db
}

#[test]
fn update_falls_back_past_429_and_503_and_verifies_digests() {
    let _data = trawl_test::require_shared_data!();
    let tmp = tempfile::tempdir().expect("tempdir");
    let good = small_db(tmp.path(), "good.db", "v3.10/main.yaml");
    let old = small_db(tmp.path(), "old.db", "v3.3/main.yaml");
    let served = tmp.path().join("served");
    std::fs::create_dir_all(served.join("good")).expect("mkdir");
    std::fs::create_dir_all(served.join("corrupt")).expect("mkdir");
    std::fs::copy(&good, served.join("good/trawl.db")).expect("copy");
    std::fs::write(
        served.join("good/trawl.db.sha256"),
        format!("{}  trawl.db\n", sha256(&good)),
    )
    .expect("write");
    // Corrupt: the announced digest is the good DB's, the body has one byte flipped.
    let mut bytes = std::fs::read(&good).expect("read");
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(served.join("corrupt/trawl.db"), &bytes).expect("write");
    std::fs::write(served.join("corrupt/trawl.db.sha256"), sha256(&good)).expect("write");
    let server = serve::Server::start(serve::Mode::Files(served));

    // First location answers 429, second 503, third is good.
    let target = tmp.path().join("cache/db/trawl.db");
    let out = trawl()
        .args(["db", "update", "--db"])
        .arg(&target)
        .args(["--db-repository", &server.url("/status/429/trawl.db")])
        .args(["--db-repository", &server.url("/status/503/trawl.db")])
        .args(["--db-repository", &server.url("/good/trawl.db")])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("429") && stderr.contains("503"),
        "fallbacks are reported: {stderr}"
    );
    assert_eq!(sha256(&target), sha256(&good), "the good DB is in place");
    assert!(server.hits("/status/429/trawl.db.sha256") >= 1 && server.hits("/good/trawl.db") == 1);
    let info = info_json(&target);
    assert!(
        info["sources"][0]["location"]
            .as_str()
            .is_some_and(|l| l.ends_with("v3.10/main.yaml"))
    );

    // A location that hangs is given up after --db-timeout and the next one is used.
    let hang = serve::Server::start(serve::Mode::Stall(std::time::Duration::from_secs(4)));
    std::fs::copy(&old, &target).expect("copy");
    let started = std::time::Instant::now();
    let out = trawl()
        .args(["db", "update", "--db-timeout", "1s", "--db"])
        .arg(&target)
        .args(["--db-repository", &hang.url("/trawl.db")])
        .args(["--db-repository", &server.url("/good/trawl.db")])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.to_ascii_lowercase().contains("timeout") || stderr.contains("timed out"),
        "{stderr}"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(4),
        "did not wait for the hung server"
    );
    assert_eq!(sha256(&target), sha256(&good));
    assert_eq!(hang.hits("/trawl.db.sha256"), 1);

    // A corrupted download is rejected by digest and the old DB stays.
    std::fs::copy(&old, &target).expect("copy");
    let out = trawl()
        .args(["db", "update", "--db"])
        .arg(&target)
        .args(["--db-repository", &server.url("/corrupt/trawl.db")])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("digest mismatch"), "{stderr}");
    assert_eq!(sha256(&target), sha256(&old), "old DB untouched");
    let leftovers: Vec<_> = std::fs::read_dir(target.parent().expect("dir"))
        .expect("ls")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary file left behind");

    // A location that serves no digest is refused too.
    let out = trawl()
        .args(["db", "update", "--db"])
        .arg(&target)
        .args(["--db-repository", &server.url("/status/404/trawl.db")])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(sha256(&target), sha256(&old));

    // Fresh enough: --db-max-age keeps the current DB without any request (the location is a closed port).
    let before = server.total_hits();
    let out = trawl()
        .args(["db", "update", "--db-max-age", "1h", "--db"])
        .arg(&target)
        .args(["--db-repository", "http://127.0.0.1:9/trawl.db"])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("up to date"));
    // --skip-db-update and --offline touch nothing.
    for flag in ["--skip-db-update", "--offline"] {
        let out = trawl()
            .args(["db", "update", flag, "--db"])
            .arg(&target)
            .args(["--db-repository", &server.url("/good/trawl.db")])
            .output()
            .expect("runs");
        assert!(out.status.success());
    }
    assert_eq!(server.total_hits(), before);
    assert_eq!(sha256(&target), sha256(&old));
}

#[test]
fn push_then_pull_round_trips_through_a_real_registry() {
    let _data = trawl_test::require_shared_data!();
    trawl_test::require_registry_tools!();
    let registry = trawl_test::registry::TestRegistry::start();
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = small_db(tmp.path(), "push.db", "v3.10/main.yaml");
    let reference = format!("{}/trawl/db:1", registry.host());
    let out = trawl()
        .args(["db", "push", &reference, "--db"])
        .arg(&db)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let pulled = tmp.path().join("pulled/trawl.db");
    let out = trawl()
        .args(["db", "pull", &reference, "--db"])
        .arg(&pulled)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(sha256(&pulled), sha256(&db), "byte-identical round trip");

    // The artifact's manifest says what it is.
    let manifest_url = format!("http://{}/v2/trawl/db/manifests/1", registry.host());
    let body = serve::get_with_accept(&manifest_url, "application/vnd.oci.image.manifest.v1+json");
    let m: Value = serde_json::from_str(&body).expect("manifest JSON");
    assert_eq!(m["artifactType"], "application/vnd.trawl.db.v1");
    assert_eq!(
        m["layers"][0]["mediaType"],
        "application/vnd.trawl.db.v1+sqlite"
    );
    assert_eq!(m["layers"][0]["digest"], format!("sha256:{}", sha256(&db)));

    // An OCI reference works as an update location too (after a dead HTTP one).
    let updated = tmp.path().join("updated/trawl.db");
    let out = trawl()
        .args(["db", "update", "--db"])
        .arg(&updated)
        .args([
            "--db-repository",
            "http://127.0.0.1:9/trawl.db",
            "--db-repository",
            &format!("oci://{reference}"),
        ])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(sha256(&updated), sha256(&db));

    // Pulling something that is not a trawl DB fails clearly and writes nothing.
    let missing = tmp.path().join("missing/trawl.db");
    let out = trawl()
        .args([
            "db",
            "pull",
            &format!("{}/trawl/nothing:1", registry.host()),
            "--db",
        ])
        .arg(&missing)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(!missing.exists());
}
