//! `--db-repository`: the server fetches its DB as `trawl db update` does (from an OCI registry here), becomes
//! ready with it, fetches it again on `--db-update-interval`, and re-matches the stored reports with the new one;
//! the layer cache in Redis spares a second replica the analysis of a layer the first one analysed.

use crate::*;
use trawl_test::postgres::TestPostgres;
use trawl_test::redis::TestRedis;
use trawl_test::registry::TestRegistry;

#[test]
fn the_db_is_kept_fresh_from_a_repository_and_reports_follow() {
    let data = trawl_test::require_shared_data!();
    trawl_test::require_registry_tools!();
    trawl_test::require_server_tools!();
    let tmp = tempfile::tempdir().expect("tmp");
    let registry = TestRegistry::start();
    let redis = TestRedis::start();
    let pg = TestPostgres::start();
    let built = tmp.path().join("a.db");
    build_db(&data, &built, None);
    let artifact = format!("{}/trawl/db:1", registry.host());
    ok(trawl().args(["db", "push", &artifact, "--db"]).arg(&built));
    registry.push_archive(
        &data.join("images/alpine-310.tar.gz"),
        "library/alpine:3.10",
    );
    let cli = cli_report(&registry.reference("library/alpine:3.10"), &built);
    let digest = manifest_digest(&cli);
    // Without a DB (none at --db, no --db-repository) a replica answers but is not ready, and says why.
    let missing = tmp.path().join("missing.db");
    let r0 = Replica::spawn(&ReplicaOptions {
        name: "u0",
        redis: redis.url(),
        postgres: pg.url(),
        db: &missing,
        dir: tmp.path(),
        extra: Vec::new(),
    });
    r0.wait_ready(false);
    assert_eq!(
        http("GET", &r0.url("/healthz"), None, None, None).status,
        200
    );
    let ready = http("GET", &r0.url("/readyz"), None, None, None).json();
    assert_eq!(ready["db"], false, "{ready}");
    assert_eq!(ready["redis"], true, "{ready}");
    assert_eq!(ready["postgres"], true, "{ready}");
    drop(r0);

    // The replica's DB file does not exist yet: it is fetched.
    let db = tmp.path().join("served/trawl.db");
    let opts = |name| ReplicaOptions {
        name,
        redis: redis.url(),
        postgres: pg.url(),
        db: &db,
        dir: tmp.path(),
        extra: vec![
            "--db-repository".into(),
            artifact.clone(),
            "--db-update-interval".into(),
            "1s".into(),
        ],
    };
    let r1 = Replica::start(&opts("u1"));
    assert!(db.is_file(), "the DB was fetched");
    let id = harbor_scan(&r1, registry.port(), "library/alpine", &digest);
    let a = wait_report(
        &r1,
        &id,
        "application/vnd.security.vulnerability.report; version=1.1",
    );
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(harbor_findings(&a.json()), native_findings(&cli));
    assert!(harbor_findings(&a.json()).iter().all(|f| f.1 != PLANTED));

    // A second replica scanning the same image takes its layer from Redis.
    let r2 = Replica::start(&opts("u2"));
    let id2 = harbor_scan(&r2, registry.port(), "library/alpine", &digest);
    let deadline = Instant::now() + Duration::from_secs(120);
    while r2.metric("trawl_scans_total{status=\"ok\"}")
        + r1.metric("trawl_scans_total{status=\"ok\"}")
        < 2.0
    {
        assert!(Instant::now() < deadline, "second scan never finished");
        std::thread::sleep(Duration::from_millis(100));
    }
    let a = wait_report(
        &r2,
        &id2,
        "application/vnd.security.vulnerability.report; version=1.1",
    );
    assert_eq!(a.status, 200);
    let seen = r1.metric("trawl_layers_seen_total") + r2.metric("trawl_layers_seen_total");
    let analysed =
        r1.metric("trawl_layers_analysed_total") + r2.metric("trawl_layers_analysed_total");
    assert_eq!(seen, 2.0, "two scans of a one-layer image");
    assert_eq!(
        analysed, 1.0,
        "the layer was analysed once for both replicas"
    );

    // A new DB published: fetched, and the stored report shows the planted advisory.
    let next = tmp.path().join("b.db");
    build_db(&data, &next, Some(&planted_osv(tmp.path())));
    ok(trawl().args(["db", "push", &artifact, "--db"]).arg(&next));
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let a = wait_report(
            &r1,
            &id,
            "application/vnd.security.vulnerability.report; version=1.1",
        );
        if harbor_findings(&a.json()).iter().any(|f| f.1 == PLANTED) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the new DB never reached the reports; log:\n{}",
            r1.log_text()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}
