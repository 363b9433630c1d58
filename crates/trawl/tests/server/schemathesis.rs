//! Schemathesis (from PyPI, `.ci/setup.d/70-server.sh`) fuzzes the Harbor API of a replica against the v1.2
//! OpenAPI document with every check but one: `positive_data_acceptance` expects a 2xx for an `artifact` without a
//! repository (the schema makes every field optional), which the spec's own 422 ("invalid field") answers.

use crate::*;
use trawl_test::postgres::TestPostgres;
use trawl_test::redis::TestRedis;

const ST: &str = "/opt/trawl-schemathesis/bin/st";

#[test]
fn schemathesis_finds_no_failure() {
    let data = trawl_test::require_shared_data!();
    trawl_test::require_server_tools!();
    let st = std::env::var("TRAWL_SCHEMATHESIS").unwrap_or_else(|_| ST.to_owned());
    if !Path::new(&st).is_file() {
        assert!(
            std::env::var_os("CI").is_none(),
            "schemathesis missing under CI (run .ci/setup.d/70-server.sh)"
        );
        #[expect(clippy::print_stderr, reason = "test skip notice")]
        {
            eprintln!("skipping: no schemathesis at {st} (run .ci/setup.d/70-server.sh)");
        }
        return;
    }
    let spec = data.join("specs/harbor-pluggable-scanner/scanner-adapter-openapi-v1.2.yaml");
    let tmp = tempfile::tempdir().expect("tmp");
    let db = tmp.path().join("trawl.db");
    build_db(&data, &db, None);
    let redis = TestRedis::start();
    let pg = TestPostgres::start();
    let r = Replica::start(&ReplicaOptions {
        name: "st",
        redis: redis.url(),
        postgres: pg.url(),
        db: &db,
        dir: tmp.path(),
        // The scan requests the fuzzer sends name registries that do not exist: those jobs fail, unread.
        extra: vec!["--workers".into(), "1".into()],
    });
    let out = Command::new(&st)
        .arg("run")
        .arg(&spec)
        .args(["--url", &r.url("/api/v1")])
        .args(["-H", &format!("Authorization: Bearer {TOKEN}")])
        .args([
            "--checks",
            "all",
            "--exclude-checks",
            "positive_data_acceptance",
        ])
        .args(["--max-examples", "40", "--seed", "19", "--no-color"])
        .current_dir(tmp.path())
        .output()
        .expect("schemathesis runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "schemathesis found failures:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("Operations:") && text.contains("3 selected"),
        "{text}"
    );
    assert!(!r.log_text().contains(TOKEN), "token in the log");
}
