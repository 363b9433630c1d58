//! Responses of every Harbor operation, in every documented state (ready, pending, failed, bad input, unknown
//! media type), validated against the v1.2 OpenAPI document by `conformance.py` (JSON Schema); malformed scan
//! requests never get a 500.

use crate::*;
use trawl_test::postgres::TestPostgres;
use trawl_test::redis::TestRedis;
use trawl_test::registry::TestRegistry;

struct Recorder {
    cases: Vec<serde_json::Value>,
}

impl Recorder {
    fn call(
        &mut self,
        replica: &Replica,
        method: &str,
        spec_path: &str,
        path: &str,
        accept: Option<&str>,
        body: Option<&str>,
    ) -> Answer {
        let a = http(
            method,
            &replica.url(&format!("/api/v1{path}")),
            Some(&bearer()),
            accept,
            body.map(|b| {
                (
                    "application/vnd.scanner.adapter.scan.request+json; version=1.1",
                    b,
                )
            }),
        );
        let mut headers = serde_json::Map::new();
        if let Some(r) = &a.refresh_after {
            headers.insert("Refresh-After".into(), r.clone().into());
        }
        self.cases.push(serde_json::json!({
            "path": spec_path,
            "method": method.to_ascii_lowercase(),
            "status": a.status,
            "content_type": a.content_type,
            "headers": headers,
            "body": a.body,
        }));
        a
    }
}

#[test]
fn responses_conform_to_the_v1_2_openapi_document() {
    let data = trawl_test::require_shared_data!();
    trawl_test::require_registry_tools!();
    trawl_test::require_server_tools!();
    let spec = data.join("specs/harbor-pluggable-scanner/scanner-adapter-openapi-v1.2.yaml");
    assert!(spec.is_file(), "{} missing", spec.display());
    let tmp = tempfile::tempdir().expect("tmp");
    let db = tmp.path().join("trawl.db");
    build_db(&data, &db, None);
    let registry = TestRegistry::start();
    let redis = TestRedis::start();
    let pg = TestPostgres::start();
    registry.push_archive(
        &data.join("images/alpine-311.tar.gz"),
        "library/alpine:3.11",
    );
    let cli = cli_report(&registry.reference("library/alpine:3.11"), &db);
    let digest = manifest_digest(&cli);
    let r = Replica::start(&ReplicaOptions {
        name: "c1",
        redis: redis.url(),
        postgres: pg.url(),
        db: &db,
        dir: tmp.path(),
        extra: Vec::new(),
    });
    let mut rec = Recorder { cases: Vec::new() };
    let report = "/scan/{scan_request_id}/report";
    let scan_body = |port: u16, digest: &str| {
        serde_json::json!({
            "registry": {"url": format!("http://127.0.0.1:{port}"), "authorization": "Basic dXNlcjpwYXNz"},
            "artifact": {"repository": "library/alpine", "digest": digest, "tag": "3.11",
                         "mime_type": "application/vnd.docker.distribution.manifest.v2+json"},
            "enabled_capabilities": [{"type": "vulnerability"}, {"type": "sbom",
                "parameters": {"sbom_media_types": ["application/spdx+json"]}}]
        })
        .to_string()
    };

    rec.call(&r, "GET", "/metadata", "/metadata", None, None);
    // Pending: held at the registry by the stalling proxy.
    let proxy = StallProxy::start(registry.port());
    let a = rec.call(
        &r,
        "POST",
        "/scan",
        "/scan",
        None,
        Some(&scan_body(proxy.port, &digest)),
    );
    let pending = a.json()["id"].as_str().expect("id").to_owned();
    proxy.wait_stalled();
    let a = rec.call(
        &r,
        "GET",
        report,
        &format!("/scan/{pending}/report"),
        None,
        None,
    );
    assert_eq!(a.status, 302);
    proxy.release();
    // Done: every media type.
    let a = rec.call(
        &r,
        "POST",
        "/scan",
        "/scan",
        None,
        Some(&scan_body(registry.port(), &digest)),
    );
    let id = a.json()["id"].as_str().expect("id").to_owned();
    wait_report(
        &r,
        &id,
        "application/vnd.security.vulnerability.report; version=1.1",
    );
    for accept in [
        "application/vnd.security.vulnerability.report; version=1.1",
        "application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0",
        "application/vnd.scanner.adapter.vuln.report.raw",
    ] {
        let a = rec.call(
            &r,
            "GET",
            report,
            &format!("/scan/{id}/report"),
            Some(accept),
            None,
        );
        assert_eq!(a.status, 200, "{accept}");
    }
    for media in [
        "application%2Fspdx%2Bjson",
        "application%2Fvnd.cyclonedx%2Bjson",
    ] {
        let a = rec.call(
            &r,
            "GET",
            report,
            &format!("/scan/{id}/report?sbom_media_type={media}"),
            Some("application/vnd.security.sbom.report+json; version=1.0"),
            None,
        );
        assert_eq!(a.status, 200, "{media}");
    }
    // Errors: SBOM without its media type, an unknown report type, an unknown ID.
    let a = rec.call(
        &r,
        "GET",
        report,
        &format!("/scan/{id}/report"),
        Some("application/vnd.security.sbom.report+json; version=1.0"),
        None,
    );
    assert_eq!(a.status, 400);
    let a = rec.call(
        &r,
        "GET",
        report,
        &format!("/scan/{id}/report"),
        Some("image/png"),
        None,
    );
    assert_eq!(a.status, 501);
    let a = rec.call(
        &r,
        "GET",
        report,
        "/scan/0b4f6a52-0000-0000-0000-000000000000/report",
        None,
        None,
    );
    assert_eq!(a.status, 404);
    // A failed scan (a digest the registry does not have): 500 with the error body.
    let missing = format!("sha256:{}", "0".repeat(64));
    let a = rec.call(
        &r,
        "POST",
        "/scan",
        "/scan",
        None,
        Some(&scan_body(registry.port(), &missing)),
    );
    let failed = a.json()["id"].as_str().expect("id").to_owned();
    let a = wait_report(
        &r,
        &failed,
        "application/vnd.security.vulnerability.report; version=1.1",
    );
    assert_eq!(a.status, 500);
    rec.call(
        &r,
        "GET",
        report,
        &format!("/scan/{failed}/report"),
        None,
        None,
    );
    // Malformed scan requests: a documented 4xx/501, never a 500.
    let long = "a".repeat(100_000);
    for body in [
        String::new(),
        "null".to_owned(),
        r#"{"registry": {"url": "http://h", "authorization": null}, "artifact": {"repository": "a", "tag": "1"}}"#
            .to_owned(),
        r#"{"registry": {"url": "http://h"}, "artifact": {"repository": "a", "tag": "1"}, "enabled_capabilities": [{"type": "x"}]}"#
            .to_owned(),
        r#"{"registry": {"url": "http://h"}, "artifact": {"repository": "a", "tag": "1"}, "enabled_capabilities": null}"#
            .to_owned(),
        "{".to_owned(),
        "\"text\"".to_owned(),
        "{}".to_owned(),
        r#"{"registry": 5, "artifact": "x"}"#.to_owned(),
        r#"{"registry": {"url": 123}, "artifact": {}}"#.to_owned(),
        r#"{"registry": {"url": "ftp://x"}, "artifact": {"repository": "a", "digest": "sha256:00"}}"#.to_owned(),
        r#"{"registry": {"url": "http://h"}, "artifact": {"repository": "UPPER", "digest": "sha256:00"}}"#.to_owned(),
        format!(r#"{{"registry": {{"url": "http://{long}"}}, "artifact": {{"repository": "{long}"}}}}"#),
        r#"{"registry": {"url": "http://h\u0000"}, "artifact": {"repository": "é/ü", "tag": "../x"}}"#.to_owned(),
    ] {
        let a = rec.call(&r, "POST", "/scan", "/scan", None, Some(&body));
        assert!(
            [400, 422, 501].contains(&a.status),
            "{body:.200}: {} {}",
            a.status,
            a.body
        );
    }
    let cases = tmp.path().join("cases.json");
    std::fs::write(&cases, serde_json::to_vec_pretty(&rec.cases).expect("json"))
        .expect("write cases");
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/server/conformance.py");
    let out = Command::new("python3")
        .arg(&script)
        .arg(&spec)
        .arg(&cases)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "OpenAPI conformance failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains(&format!("responses checked: {}", rec.cases.len()))
    );
}
