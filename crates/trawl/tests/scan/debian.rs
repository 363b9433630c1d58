//! debian-bookworm-slim against the Debian security tracker excerpt (a tracker checkout layout holding
//! `data/CVE/list`): unfixed statuses and urgencies, `--ignore-unfixed`, `.trivyignore` expiry, `--severity`.

use crate::{build_db, findings, ok, run, scan_json, trawl};
use serde_json::Value;
use std::path::{Path, PathBuf};

struct Fixture {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    db: PathBuf,
    image: PathBuf,
}

fn fixture() -> Option<Fixture> {
    let data = trawl_test::shared_data()?;
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().to_owned();
    let tracker = data.join("advisories/debian/cve-list-excerpt");
    let db = build_db(
        &dir,
        "debian.db",
        &[format!("debian-tracker={}", tracker.display())],
    );
    Some(Fixture {
        _tmp: tmp,
        dir,
        db,
        image: data.join("images/debian-bookworm-slim.tar.gz"),
    })
}

fn vulns(report: &Value) -> Vec<Value> {
    report["results"]
        .as_array()
        .expect("results")
        .iter()
        .flat_map(|r| r["vulnerabilities"].as_array().cloned().unwrap_or_default())
        .collect()
}

fn find<'a>(vs: &'a [Value], pkg: &str, id: &str) -> Option<&'a Value> {
    vs.iter().find(|v| v["pkg_name"] == pkg && v["id"] == id)
}

fn scan(f: &Fixture, extra: &[&str]) -> Value {
    scan_json(&f.image, &f.db, &f.dir.join("cache"), extra)
}

#[test]
fn unfixed_findings_carry_tracker_status_and_urgency() {
    let Some(f) = fixture() else { return };
    let report = scan(&f, &[]);
    assert_eq!(report["artifact"]["os"]["family"], "debian");
    assert_eq!(report["artifact"]["os"]["name"], "12");
    let vs = vulns(&report);
    // (package, CVE, status, tracker urgency)
    let expected = [
        ("tar", "CVE-2005-2541", "affected", Some("unimportant")),
        ("coreutils", "CVE-2016-2781", "will_not_fix", None),
        ("libc6", "CVE-2019-1010022", "affected", Some("unimportant")),
        (
            "libc-bin",
            "CVE-2019-1010022",
            "affected",
            Some("unimportant"),
        ),
        ("libc6", "CVE-2023-4911", "affected", None),
        ("libc-bin", "CVE-2023-4911", "affected", None),
    ];
    for (pkg, id, status, urgency) in expected {
        let v = find(&vs, pkg, id)
            .unwrap_or_else(|| panic!("{pkg} {id} not reported: {:#?}", findings(&report)));
        assert_eq!(v["status"], status, "{pkg} {id}");
        assert!(
            v["fixed_version"].is_null(),
            "{pkg} {id} has no fix in bookworm"
        );
        if let Some(u) = urgency {
            assert_eq!(
                v["vendor_urgency"]["debian-tracker"], u,
                "{pkg} {id}: {v:#}"
            );
        }
        assert!(
            v["data_sources"]
                .as_array()
                .expect("sources")
                .iter()
                .any(|s| s["id"] == "debian-tracker"),
            "{pkg} {id}"
        );
    }
    // The glibc findings are keyed by the source package.
    assert_eq!(
        find(&vs, "libc6", "CVE-2023-4911").expect("libc6")["src_name"],
        "glibc"
    );
    // xz-utils is <not-affected> in bookworm.
    assert!(
        vs.iter().all(|v| v["id"] != "CVE-2024-3094"),
        "CVE-2024-3094 must not be reported"
    );
    // Every reported package is really installed, with the installed version reported.
    let pkgs = report["results"][0]["packages"]
        .as_array()
        .expect("packages");
    for v in &vs {
        assert!(
            pkgs.iter()
                .any(|p| p["name"] == v["pkg_name"] && p["version"] == v["installed_version"]),
            "{v:#}"
        );
    }
}

#[test]
fn ignore_unfixed_drops_them() {
    let Some(f) = fixture() else { return };
    let report = scan(&f, &["--ignore-unfixed"]);
    let vs = vulns(&report);
    for id in [
        "CVE-2005-2541",
        "CVE-2016-2781",
        "CVE-2019-1010022",
        "CVE-2023-4911",
    ] {
        assert!(
            vs.iter().all(|v| v["id"] != id),
            "{id} survived --ignore-unfixed"
        );
    }
    assert!(vs.iter().all(|v| v["status"] == "fixed"), "{vs:#?}");
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p
}

#[test]
fn trivyignore_live_entry_suppresses_expired_does_not() {
    let Some(f) = fixture() else { return };
    let ignore = write(
        &f.dir,
        ".trivyignore",
        "# accepted risks\nCVE-2005-2541 exp:2999-01-01\nCVE-2016-2781 exp:2020-01-01\n",
    );
    let report = scan(
        &f,
        &[
            "--ignorefile",
            ignore.to_str().expect("utf8"),
            "--show-suppressed",
        ],
    );
    let vs = vulns(&report);
    assert!(
        vs.iter().all(|v| v["id"] != "CVE-2005-2541"),
        "live entry must suppress"
    );
    assert!(
        find(&vs, "coreutils", "CVE-2016-2781").is_some(),
        "expired entry must not suppress"
    );
    let suppressed: Vec<&Value> = report["results"]
        .as_array()
        .expect("results")
        .iter()
        .flat_map(|r| r["suppressed"].as_array().into_iter().flatten())
        .collect();
    assert!(
        suppressed
            .iter()
            .any(|s| s["id"] == "CVE-2005-2541" && s["suppressed"]["kind"] == "ignore-file"),
        "{suppressed:#?}"
    );
    // The expired entry is reported as a warning.
    let warnings = report["warnings"].to_string();
    assert!(
        warnings.contains("CVE-2016-2781 expired on 2020-01-01"),
        "{warnings}"
    );

    // A malformed date is an error naming the line, not a silent drop.
    let bad = write(&f.dir, "bad-ignore", "CVE-1\nCVE-2 exp:2024/01/01\n");
    let out = run(trawl()
        .args(["image", "--input"])
        .arg(&f.image)
        .arg("--db")
        .arg(&f.db)
        .args(["--scanners", "vuln", "--ignorefile"])
        .arg(&bad));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad-ignore:2: malformed expiry"), "{err}");
}

#[test]
fn severity_filter_follows_urgency() {
    let Some(f) = fixture() else { return };
    let all = vulns(&scan(&f, &[]));
    let low = vulns(&scan(&f, &["--severity", "LOW"]));
    assert!(!low.is_empty());
    assert!(low.iter().all(|v| v["severity"] == "LOW"));
    // Tracker urgency `unimportant` rates LOW.
    assert!(find(&low, "tar", "CVE-2005-2541").is_some());
    let expected_low = all.iter().filter(|v| v["severity"] == "LOW").count();
    assert_eq!(low.len(), expected_low);
    let high = vulns(&scan(&f, &["--severity", "HIGH,CRITICAL"]));
    assert!(
        high.iter()
            .all(|v| v["severity"] == "HIGH" || v["severity"] == "CRITICAL")
    );
    assert_eq!(
        high.len(),
        all.iter()
            .filter(|v| v["severity"] == "HIGH" || v["severity"] == "CRITICAL")
            .count()
    );
}

#[test]
fn exit_code_gates_on_surviving_findings() {
    let Some(f) = fixture() else { return };
    let base = |extra: &[&str]| {
        run(trawl()
            .args(["image", "--input"])
            .arg(&f.image)
            .arg("--db")
            .arg(&f.db)
            .arg("--cache-dir")
            .arg(f.dir.join("cache"))
            .args(["--scanners", "vuln", "--format", "json", "--exit-code", "1"])
            .args(extra))
    };
    assert_eq!(base(&[]).status.code(), Some(1), "findings survive: exit 1");
    let out = base(&["--ignore-unfixed", "--severity", "CRITICAL"]);
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    let expected = if vulns(&report).is_empty() { 0 } else { 1 };
    assert_eq!(out.status.code(), Some(expected));
    // A failed scan exits with a different, documented code (2).
    let out = run(trawl()
        .args([
            "image",
            "--input",
            "/nonexistent/image.tar",
            "--scanners",
            "vuln",
            "--db",
        ])
        .arg(&f.db));
    assert_eq!(out.status.code(), Some(2));
    ok(trawl().arg("--version"));
}

/// Every finding carries its `match` chain; `trawl explain` prints it from the report or from a scan of the
/// image; the tracker's words are filterable one by one with `--ignore-status`.
#[test]
fn findings_explain_themselves_and_vendor_words_filter() {
    let Some(f) = fixture() else { return };
    let report = scan(&f, &[]);
    let vs = vulns(&report);
    let cu = find(&vs, "coreutils", "CVE-2016-2781").expect("coreutils finding");
    assert_eq!(cu["vendor_status"], "ignored");
    let m = &cu["match"];
    assert_eq!(m["analyzer"], "os/dpkg");
    assert_eq!(m["file"], "var/lib/dpkg/status");
    assert_eq!(m["namespace"], "Debian:12");
    assert_eq!(m["package"], "coreutils");
    assert_eq!(m["comparator"], "debian");
    assert_eq!(m["records"][0]["source"], "debian-tracker");
    assert_eq!(m["records"][0]["note"], "Minor issue");
    assert!(
        m["layer"]
            .as_str()
            .is_some_and(|l| l.starts_with("sha256:")),
        "{m}"
    );
    for v in &vs {
        assert!(v["match"]["status_reason"].is_string(), "{v}");
    }

    // From the report written by the scan, and from a scan of the image: the same explanation.
    let path = f.dir.join("report.json");
    std::fs::write(&path, serde_json::to_vec(&report).expect("json")).expect("write");
    let from_report = ok(trawl()
        .args(["explain", "CVE-2016-2781", "--report"])
        .arg(&path));
    let text = String::from_utf8_lossy(&from_report.stdout).into_owned();
    for want in [
        "CVE-2016-2781 in coreutils 9.1-1",
        "found by    os/dpkg in var/lib/dpkg/status, layer 0 (sha256:",
        "looked up   coreutils in Debian:12, version 9.1-1 compared in the debian order",
        "record      CVE-2016-2781 from debian-tracker (Debian:12): in range",
        "vendor status will_not_fix `ignored` (Minor issue)",
        "status      will_not_fix: no fix for coreutils in Debian:12",
        "policy      kept (reported)",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    let scanned = ok(trawl()
        .args(["explain", "CVE-2016-2781"])
        .arg(&f.image)
        .arg("--db")
        .arg(&f.db)
        .arg("--cache-dir")
        .arg(f.dir.join("cache")));
    let scanned_text = String::from_utf8_lossy(&scanned.stdout);
    assert!(
        scanned_text.contains("vendor status will_not_fix `ignored` (Minor issue)"),
        "{scanned_text}"
    );
    // An ID the scan did not report: exit 1 and a message saying so.
    let missing = run(trawl()
        .args(["explain", "CVE-1999-0001", "--report"])
        .arg(&path));
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stdout).contains("CVE-1999-0001: no finding"));

    // `ignored` dropped, the other words kept; an unknown word is a usage error naming both lists.
    let filtered = vulns(&scan(&f, &["--ignore-status", "ignored"]));
    assert!(find(&filtered, "coreutils", "CVE-2016-2781").is_none());
    assert!(find(&filtered, "tar", "CVE-2005-2541").is_some());
    let bad = run(trawl()
        .args(["image", "--ignore-status", "bogus", "--db"])
        .arg(&f.db)
        .arg(&f.image));
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("no-dsa") && err.contains("will_not_fix"),
        "{err}"
    );
}
