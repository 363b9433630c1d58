//! Faults: a replica killed mid-scan (its job finishes on another), Redis and PostgreSQL restarts (not ready,
//! then ready again, no accepted job lost).

use crate::*;
use trawl_test::postgres::TestPostgres;
use trawl_test::redis::TestRedis;
use trawl_test::registry::TestRegistry;

#[test]
fn a_killed_replicas_job_finishes_on_another_and_outages_lose_no_job() {
    let data = trawl_test::require_shared_data!();
    trawl_test::require_registry_tools!();
    trawl_test::require_server_tools!();
    let tmp = tempfile::tempdir().expect("tmp");
    let db = tmp.path().join("trawl.db");
    build_db(&data, &db, None);
    let registry = TestRegistry::start();
    let mut redis = TestRedis::start();
    let mut pg = TestPostgres::start();
    registry.push_archive(
        &data.join("images/alpine-310.tar.gz"),
        "library/alpine:3.10",
    );
    let cli = cli_report(&registry.reference("library/alpine:3.10"), &db);
    let digest = manifest_digest(&cli);
    let proxy = StallProxy::start(registry.port());
    let opts = |name| ReplicaOptions {
        name,
        redis: redis.url(),
        postgres: pg.url(),
        db: &db,
        dir: tmp.path(),
        extra: vec!["--workers".into(), "1".into()],
    };

    // 1. r1 takes the job, is held mid-pull, and is killed; r2 takes the job over and finishes it.
    let mut r1 = Replica::start(&opts("r1"));
    let id = harbor_scan(&r1, proxy.port, "library/alpine", &digest);
    proxy.wait_stalled();
    assert_eq!(
        pg.psql(&format!("SELECT status FROM jobs WHERE id = '{id}'"))
            .trim(),
        "running"
    );
    r1.kill();
    proxy.release();
    let r2 = Replica::start(&opts("r2"));
    let a = wait_report(
        &r2,
        &id,
        "application/vnd.security.vulnerability.report; version=1.1",
    );
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(harbor_findings(&a.json()), native_findings(&cli));
    assert_eq!(
        r2.metric("trawl_jobs_claimed_total"),
        1.0,
        "taken over by XAUTOCLAIM"
    );
    assert_eq!(
        pg.psql(&format!(
            "SELECT count(*) FROM reports WHERE job_id = '{id}'"
        ))
        .trim(),
        "1"
    );

    // 2. Redis restarts: not ready, a scan request is refused with the spec's error; ready again, and scans go on.
    redis.stop();
    r2.wait_ready(false);
    let a = http(
        "POST",
        &r2.url("/api/v1/scan"),
        Some(&bearer()),
        None,
        Some((
            "application/json",
            &serde_json::json!({"registry": {"url": format!("http://127.0.0.1:{}", registry.port())},
                "artifact": {"repository": "library/alpine", "digest": digest}})
            .to_string(),
        )),
    );
    assert_eq!(a.status, 500, "{}", a.body);
    assert!(a.json()["error"]["message"].is_string());
    redis.start_again();
    r2.wait_ready(true);
    let id2 = harbor_scan(&r2, registry.port(), "library/alpine", &digest);
    let a = wait_report(
        &r2,
        &id2,
        "application/vnd.security.vulnerability.report; version=1.1",
    );
    assert_eq!(a.status, 200, "{}", a.body);

    // 3. PostgreSQL goes down while an accepted job runs: not ready; back up, the job is done.
    let proxy2 = StallProxy::start(registry.port());
    let id3 = harbor_scan(&r2, proxy2.port, "library/alpine", &digest);
    proxy2.wait_stalled();
    pg.stop();
    r2.wait_ready(false);
    proxy2.release();
    std::thread::sleep(Duration::from_secs(1));
    pg.start_again();
    r2.wait_ready(true);
    let a = wait_report(
        &r2,
        &id3,
        "application/vnd.security.vulnerability.report; version=1.1",
    );
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(harbor_findings(&a.json()), native_findings(&cli));
    assert!(!r2.log_text().contains(TOKEN), "token in the log");
}

/// A Harbor scan request's registry credentials never sit readable in Redis: the queued job is sealed under a
/// key from the replicas' shared token, and another replica opens it and runs it.
#[test]
fn queued_jobs_are_sealed_and_open_on_another_replica() {
    let data = trawl_test::require_shared_data!();
    trawl_test::require_registry_tools!();
    trawl_test::require_server_tools!();
    let tmp = tempfile::tempdir().expect("tmp");
    let db = tmp.path().join("trawl.db");
    build_db(&data, &db, None);
    let registry = TestRegistry::start();
    let redis = TestRedis::start();
    let pg = TestPostgres::start();
    registry.push_archive(
        &data.join("images/alpine-310.tar.gz"),
        "library/alpine:3.10",
    );
    let cli = cli_report(&registry.reference("library/alpine:3.10"), &db);
    let digest = manifest_digest(&cli);
    let opts = |name, workers: &str| ReplicaOptions {
        name,
        redis: redis.url(),
        postgres: pg.url(),
        db: &db,
        dir: tmp.path(),
        extra: vec!["--workers".into(), workers.into()],
    };
    // A replica that only takes requests: the job waits in the stream.
    let front = Replica::start(&opts("front", "0"));
    let password = "hunter2-registry-password";
    let authorization = {
        use base64::Engine as _;
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("robot$scan:{password}"))
        )
    };
    let body = serde_json::json!({
        "registry": {"url": format!("http://127.0.0.1:{}", registry.port()), "authorization": authorization},
        "artifact": {
            "repository": "library/alpine",
            "digest": digest,
            "mime_type": "application/vnd.docker.distribution.manifest.v2+json"
        }
    })
    .to_string();
    let a = http(
        "POST",
        &front.url("/api/v1/scan"),
        Some(&bearer()),
        None,
        Some((
            "application/vnd.scanner.adapter.scan.request+json; version=1.1",
            &body,
        )),
    );
    assert_eq!(a.status, 202, "{}", a.body);
    let id = a.json()["id"].as_str().expect("id").to_owned();
    let port = redis.url().rsplit(':').next().expect("port").to_owned();
    let stream = Command::new("redis-cli")
        .args(["-p", &port, "XRANGE", "trawl:jobs", "-", "+"])
        .output()
        .expect("redis-cli runs");
    let stream = String::from_utf8_lossy(&stream.stdout);
    assert!(
        stream.contains("sealed"),
        "the job is queued sealed: {stream}"
    );
    for secret in [password, "robot$scan", &authorization, "library/alpine"] {
        assert!(
            !stream.contains(secret),
            "{secret:?} readable in Redis: {stream}"
        );
    }
    // A worker replica opens it and runs it: the report equals the CLI's.
    let worker = Replica::start(&opts("worker", "1"));
    let a = wait_report(
        &worker,
        &id,
        "application/vnd.security.vulnerability.report; version=1.1",
    );
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(harbor_findings(&a.json()), native_findings(&cli));
    drop(front);
}
