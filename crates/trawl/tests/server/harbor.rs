//! Harbor-API scans through two replicas give the CLI's findings; every report type; the spec's errors; a DB
//! update re-matches the stored inventories without fetching a blob, records history and calls the webhook.

use crate::*;
use std::sync::Mutex;
use trawl_test::postgres::TestPostgres;
use trawl_test::redis::TestRedis;
use trawl_test::registry::TestRegistry;

/// Webhook deliveries: (signature header, body).
type Hooks = Arc<Mutex<Vec<(Option<String>, String)>>>;

fn webhook_receiver() -> (u16, Hooks) {
    let server = tiny_http::Server::http("127.0.0.1:0").expect("bind webhook receiver");
    let port = server.server_addr().to_ip().expect("ip").port();
    let hooks: Hooks = Arc::default();
    let h = Arc::clone(&hooks);
    std::thread::spawn(move || {
        for mut req in server.incoming_requests() {
            let sig = req
                .headers()
                .iter()
                .find(|x| x.field.equiv("X-Trawl-Signature"))
                .map(|x| x.value.to_string());
            let mut body = String::new();
            let _ = req.as_reader().read_to_string(&mut body);
            h.lock().expect("lock").push((sig, body));
            let _ = req.respond(tiny_http::Response::empty(204));
        }
    });
    (port, hooks)
}

/// File names under `dir`, recursively.
fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else if let Some(n) = p.file_name().and_then(|n| n.to_str()) {
            out.push(n.to_owned());
        }
    }
    out
}

fn hmac_sha256_hex(key: &[u8], body: &[u8]) -> String {
    // RFC 2104 with SHA-256 (block size 64), written out so the test does not trust the server's own code.
    use sha2::{Digest, Sha256};
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let ipad: Vec<u8> = k.iter().map(|b| b ^ 0x36).collect();
    let opad: Vec<u8> = k.iter().map(|b| b ^ 0x5c).collect();
    let inner = Sha256::new()
        .chain_update(&ipad)
        .chain_update(body)
        .finalize();
    hex::encode(
        Sha256::new()
            .chain_update(&opad)
            .chain_update(inner)
            .finalize(),
    )
}

#[test]
fn harbor_scans_on_two_replicas_equal_the_cli_and_a_db_update_rematches_without_pulling() {
    let data = trawl_test::require_shared_data!();
    trawl_test::require_registry_tools!();
    trawl_test::require_server_tools!();
    let tmp = tempfile::tempdir().expect("tmp");
    let db = tmp.path().join("trawl.db");
    build_db(&data, &db, None);
    let registry = TestRegistry::start_logged();
    let redis = TestRedis::start();
    let pg = TestPostgres::start();
    let (hook_port, hooks) = webhook_receiver();
    let images = [
        ("images/alpine-310.tar.gz", "library/alpine:3.10"),
        ("images/alpine-311.tar.gz", "library/alpine:3.11"),
        ("images/debian-bookworm-slim.tar.gz", "debian:bookworm-slim"),
    ];
    for (file, repo) in images {
        registry.push_archive(&data.join(file), repo);
    }
    let opts = |name| ReplicaOptions {
        name,
        redis: redis.url(),
        postgres: pg.url(),
        db: &db,
        dir: tmp.path(),
        extra: vec![
            "--webhook".into(),
            format!("http://127.0.0.1:{hook_port}/hook"),
            "--webhook-secret".into(),
            "hook-key".into(),
        ],
    };
    let r1 = Replica::start(&opts("r1"));
    let r2 = Replica::start(&opts("r2"));

    // Auth: none or a wrong token is a 401 with the spec's error body; Bearer and Basic (password) pass.
    let a = http("GET", &r1.url("/api/v1/metadata"), None, None, None);
    assert_eq!(a.status, 401);
    assert!(a.json()["error"]["message"].is_string(), "{}", a.body);
    let a = http(
        "GET",
        &r1.url("/api/v1/metadata"),
        Some("Bearer wrong"),
        None,
        None,
    );
    assert_eq!(a.status, 401);
    let basic = {
        use base64::Engine as _;
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("harbor:{TOKEN}"))
        )
    };
    let a = http("GET", &r2.url("/api/v1/metadata"), Some(&basic), None, None);
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        a.content_type,
        "application/vnd.scanner.adapter.metadata+json; version=1.1"
    );
    let meta = a.json();
    assert_eq!(meta["scanner"]["name"], "trawl");
    assert!(
        meta["properties"]["harbor.scanner-adapter/vulnerability-database-updated-at"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    );

    // Each image: the CLI's findings, then a Harbor scan sent to one replica, its report read from the other.
    let mut jobs = Vec::new();
    let mut total = 0;
    let mut unfixed_dropped = 0;
    for (i, (_, repo)) in images.iter().enumerate() {
        let reference = registry.reference(repo);
        let cli = cli_report(&reference, &db);
        let digest = manifest_digest(&cli);
        let repository = repo.split_once(':').expect("tag").0;
        let (submit, read) = if i % 2 == 0 { (&r1, &r2) } else { (&r2, &r1) };
        let id = harbor_scan(submit, registry.port(), repository, &digest);
        let a = wait_report(
            read,
            &id,
            "application/vnd.security.vulnerability.report; version=1.1",
        );
        assert_eq!(a.status, 200, "{}", a.body);
        assert_eq!(
            a.content_type,
            "application/vnd.security.vulnerability.report; version=1.1"
        );
        let harbor = a.json();
        assert_eq!(harbor["artifact"]["digest"], digest.as_str());
        assert_eq!(harbor_findings(&harbor), native_findings(&cli), "{repo}");
        total += native_findings(&cli).len();
        // The raw report is trawl's own JSON, with the same findings.
        let raw = wait_report(read, &id, "application/vnd.scanner.adapter.vuln.report.raw");
        assert_eq!(raw.status, 200);
        assert_eq!(native_findings(&raw.json()), native_findings(&cli));
        // Client mode: analysed here, matched by a replica: the same findings.
        let client = ok(trawl()
            .args(["image", &reference, "--image-src", "remote", "--server"])
            .arg(submit.url(""))
            .args([
                "--server-token",
                TOKEN,
                "--no-cache",
                "--scanners",
                "vuln",
                "-f",
                "json",
            ]));
        let client: serde_json::Value = serde_json::from_slice(&client.stdout).expect("JSON");
        assert_eq!(
            native_findings(&client),
            native_findings(&cli),
            "{repo}: client mode"
        );
        // The client's own policy applies to the server's answer, as in a local scan.
        let client_fixed = ok(trawl()
            .args(["image", &reference, "--image-src", "remote", "--server"])
            .arg(submit.url(""))
            .args([
                "--server-token",
                TOKEN,
                "--no-cache",
                "--scanners",
                "vuln",
                "--ignore-unfixed",
                "-f",
                "json",
            ]));
        let client_fixed: serde_json::Value =
            serde_json::from_slice(&client_fixed.stdout).expect("JSON");
        let local_fixed = ok(trawl()
            .args(["image", &reference, "--image-src", "remote", "--db"])
            .arg(&db)
            .args([
                "--no-cache",
                "--scanners",
                "vuln",
                "--ignore-unfixed",
                "-f",
                "json",
            ]));
        let local_fixed: serde_json::Value =
            serde_json::from_slice(&local_fixed.stdout).expect("JSON");
        assert_eq!(
            native_findings(&client_fixed),
            native_findings(&local_fixed),
            "{repo}: client mode with --ignore-unfixed"
        );
        assert_eq!(client_fixed["policy"]["ignore_unfixed"], true);
        unfixed_dropped += native_findings(&client).len() - native_findings(&client_fixed).len();
        jobs.push((repo.to_owned(), id, digest));
    }
    // Client mode with a wrong token fails with the server's answer.
    let out = trawl()
        .args([
            "image",
            &registry.reference(images[0].1),
            "--image-src",
            "remote",
            "--server",
        ])
        .arg(r1.url(""))
        .args([
            "--server-token",
            "wrong",
            "--no-cache",
            "--scanners",
            "vuln",
        ])
        .output()
        .expect("trawl runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("401"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(total > 0, "no findings to compare: the DB matched nothing");
    assert!(
        unfixed_dropped > 0,
        "--ignore-unfixed in client mode dropped nothing: nothing to compare"
    );

    // Harbor 1.0 media type, SBOMs, and the native API's formats.
    let (_, id, _) = &jobs[0];
    let a = wait_report(
        &r1,
        id,
        "application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0",
    );
    assert_eq!(a.status, 200);
    for (media, key) in [
        ("application/spdx+json", "spdxVersion"),
        ("application/vnd.cyclonedx+json", "bomFormat"),
    ] {
        let a = http(
            "GET",
            &r2.url(&format!(
                "/api/v1/scan/{id}/report?sbom_media_type={}",
                media.replace('+', "%2B")
            )),
            Some(&bearer()),
            Some("application/vnd.security.sbom.report+json; version=1.0"),
            None,
        );
        assert_eq!(a.status, 200, "{}", a.body);
        let j = a.json();
        assert_eq!(j["media_type"], media);
        assert!(j["sbom"][key].is_string(), "{media}: {}", a.body);
    }
    let a = http(
        "GET",
        &r2.url(&format!("/api/trawl/v1/scans/{id}/report?format=sarif")),
        Some(&bearer()),
        None,
        None,
    );
    assert_eq!(a.status, 200);
    assert_eq!(a.json()["version"], "2.1.0");

    // The native API: a reference, and an SBOM (the CycloneDX of the first image), each matched like the CLI does.
    let native_wait = |replica: &Replica, id: &str, format: &str| {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let a = http(
                "GET",
                &replica.url(&format!("/api/trawl/v1/scans/{id}/report?format={format}")),
                Some(&bearer()),
                None,
                None,
            );
            if a.status != 302 {
                return a;
            }
            assert!(Instant::now() < deadline, "native report {id} never ready");
            std::thread::sleep(Duration::from_millis(200));
        }
    };
    let reference = registry.reference(images[1].1);
    let a = http(
        "POST",
        &r1.url("/api/trawl/v1/scans"),
        Some(&bearer()),
        None,
        Some((
            "application/json",
            &serde_json::json!({"reference": reference, "insecure": true}).to_string(),
        )),
    );
    assert_eq!(a.status, 202, "{}", a.body);
    let native_id = a.json()["id"].as_str().expect("id").to_owned();
    let a = native_wait(&r2, &native_id, "json");
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        native_findings(&a.json()),
        native_findings(&cli_report(&reference, &db))
    );
    let cdx = native_wait(&r1, id, "cyclonedx");
    assert_eq!(cdx.status, 200);
    let sbom_path = tmp.path().join("first.cdx.json");
    std::fs::write(&sbom_path, &cdx.body).expect("write SBOM");
    let a = http(
        "POST",
        &r2.url("/api/trawl/v1/scans"),
        Some(&bearer()),
        None,
        Some((
            "application/json",
            &serde_json::json!({"sbom": cdx.json(), "name": "first.cdx.json"}).to_string(),
        )),
    );
    assert_eq!(a.status, 202, "{}", a.body);
    let sbom_id = a.json()["id"].as_str().expect("id").to_owned();
    let a = native_wait(&r1, &sbom_id, "json");
    assert_eq!(a.status, 200, "{}", a.body);
    let cli_sbom = ok(trawl()
        .arg("sbom")
        .arg(&sbom_path)
        .arg("--db")
        .arg(&db)
        .args(["--scanners", "vuln", "-f", "json"]));
    let cli_sbom: serde_json::Value = serde_json::from_slice(&cli_sbom.stdout).expect("JSON");
    assert_eq!(native_findings(&a.json()), native_findings(&cli_sbom));
    let a = http(
        "POST",
        &r2.url("/api/trawl/v1/scans"),
        Some(&bearer()),
        None,
        Some(("application/json", r#"{"reference": "x", "sbom": {}}"#)),
    );
    assert_eq!(a.status, 422);

    // The spec's errors, never a 500.
    let a = http(
        "GET",
        &r2.url(&format!("/api/v1/scan/{id}/report")),
        Some(&bearer()),
        Some("application/vnd.security.sbom.report+json; version=1.0"),
        None,
    );
    assert_eq!(a.status, 400, "SBOM without sbom_media_type");
    assert!(a.json()["error"]["message"].is_string());
    let a = http(
        "GET",
        &r2.url(&format!("/api/v1/scan/{id}/report")),
        Some(&bearer()),
        Some("application/x-unknown"),
        None,
    );
    assert_eq!(a.status, 501);
    let a = http(
        "GET",
        &r2.url("/api/v1/scan/no-such-id/report"),
        Some(&bearer()),
        None,
        None,
    );
    assert_eq!(a.status, 404);
    for (body, status) in [
        ("{not json", 400),
        ("[1,2]", 400),
        (
            r#"{"registry":{"url":"http://127.0.0.1:1"},"artifact":{}}"#,
            422,
        ),
        (
            r#"{"registry":{"url":"http://127.0.0.1:1"},"artifact":{"repository":"a","digest":"sha256:zz"}}"#,
            422,
        ),
        (
            r#"{"registry":{"url":"http://127.0.0.1:1"},"artifact":{"repository":"a","digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000","mime_type":"application/vnd.example"}}"#,
            501,
        ),
    ] {
        let a = http(
            "POST",
            &r1.url("/api/v1/scan"),
            Some(&bearer()),
            None,
            Some(("application/json", body)),
        );
        assert_eq!(a.status, status, "{body}: {}", a.body);
        assert!(a.json()["error"]["message"].is_string(), "{body}");
        assert_eq!(
            a.content_type,
            "application/vnd.scanner.adapter.error+json; version=1.0"
        );
    }

    // The metrics of both replicas together count each scan once.
    let scans = r1.metric("trawl_scans_total{status=\"ok\"}")
        + r2.metric("trawl_scans_total{status=\"ok\"}");
    assert_eq!(
        scans,
        images.len() as f64 + 2.0,
        "3 Harbor scans, 2 native ones"
    );
    // The Redis layer cache holds the layers under the keys of the file cache (a CLI scan with --cache-dir).
    let cache_dir = tmp.path().join("cli-cache");
    ok(trawl()
        .args([
            "image",
            &registry.reference(images[0].1),
            "--image-src",
            "remote",
            "--db",
        ])
        .arg(&db)
        .arg("--cache-dir")
        .arg(&cache_dir)
        .args(["--scanners", "vuln", "-q"]));
    let file_keys: Vec<String> = walk(&cache_dir.join("layers"))
        .into_iter()
        .filter_map(|p| p.strip_suffix(".zst").map(str::to_owned))
        .collect();
    assert!(!file_keys.is_empty(), "the CLI cached its layers");
    let redis_keys = redis.keys("trawl:layer:*");
    for k in &file_keys {
        assert!(
            redis_keys.contains(&format!("trawl:layer:{k}")),
            "file cache key {k} not in Redis ({redis_keys:?})"
        );
    }
    // Each layer analysed once: 3 images of one layer each, the native scan of the second one from the cache.
    let seen = r1.metric("trawl_layers_seen_total") + r2.metric("trawl_layers_seen_total");
    let analysed =
        r1.metric("trawl_layers_analysed_total") + r2.metric("trawl_layers_analysed_total");
    assert_eq!((seen, analysed), (4.0, 3.0));
    assert_eq!(redis_keys.len(), 3);
    // The token is never logged.
    for r in [&r1, &r2] {
        assert!(!r.log_text().contains(TOKEN), "token in the log");
    }

    // A DB update with one more advisory: the stored reports show it, no blob is fetched again.
    let blobs_before = registry.blob_gets();
    assert!(blobs_before > 0, "the access log counts blob downloads");
    let osv = planted_osv(tmp.path());
    let next = tmp.path().join("next.db");
    build_db(&data, &next, Some(&osv));
    std::fs::rename(&next, &db).expect("swap the DB");
    let (_, id, digest) = &jobs[0];
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let a = wait_report(
            &r2,
            id,
            "application/vnd.security.vulnerability.report; version=1.1",
        );
        if harbor_findings(&a.json()).iter().any(|f| f.1 == PLANTED) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the planted advisory never appeared; logs:\n{}\n{}",
            r1.log_text(),
            r2.log_text()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(
        registry.blob_gets(),
        blobs_before,
        "a blob was fetched again"
    );
    // History records it as new, for that image.
    let a = http(
        "GET",
        &r1.url(&format!("/api/trawl/v1/images/{digest}/history")),
        Some(&bearer()),
        None,
        None,
    );
    assert_eq!(a.status, 200);
    let history = a.json();
    assert!(
        history["history"]
            .as_array()
            .expect("history")
            .iter()
            .any(|h| h["change"] == "new"
                && h["finding"]
                    .as_str()
                    .is_some_and(|f| f.starts_with(PLANTED))),
        "{history}"
    );
    // The webhook announced it, signed.
    let deadline = Instant::now() + Duration::from_secs(60);
    let (sig, body) = loop {
        if let Some(h) = hooks
            .lock()
            .expect("lock")
            .iter()
            .find(|(_, b)| b.contains(PLANTED) && b.contains(digest.as_str()))
        {
            break h.clone();
        }
        assert!(Instant::now() < deadline, "no webhook");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(
        sig.as_deref(),
        Some(format!("sha256={}", hmac_sha256_hex(b"hook-key", body.as_bytes())).as_str())
    );
    let hook: serde_json::Value = serde_json::from_str(&body).expect("webhook JSON");
    assert_eq!(hook["digest"], digest.as_str());
    // Only the alpine 3.10 image (and the SBOM made of it) has musl of Alpine 3.10: two announcements, once each.
    let planted_hooks = || {
        hooks
            .lock()
            .expect("lock")
            .iter()
            .filter(|(_, b)| b.contains(PLANTED))
            .count()
    };
    while planted_hooks() < 2 {
        assert!(Instant::now() < deadline, "no webhook for the SBOM");
        std::thread::sleep(Duration::from_millis(100));
    }
    // One more poll period: nothing is announced twice.
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(planted_hooks(), 2);
}
