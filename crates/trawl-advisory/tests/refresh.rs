//! Incremental refresh on real feeds: a full build of the corpus with some records changed upstream must
//! answer exactly as the corpus's build refreshed with only the changed records.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use trawl_advisory::{AdvisoryDb, SourceSpec, build, refresh};

fn spec(kind: &str, path: &Path) -> SourceSpec {
    format!("{kind}={}", path.display())
        .parse()
        .expect("valid source spec")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        let target = to.join(e.file_name());
        if e.file_type().expect("file type").is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).expect("copy");
        }
    }
}

fn read_json(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).expect("read")).expect("JSON")
}

fn write_json(p: &Path, v: &Value) {
    std::fs::write(p, serde_json::to_vec_pretty(v).expect("serialise")).expect("write");
}

/// Every range event's `fixed` version set to `version`.
fn set_fixed(rec: &mut Value, version: &str) {
    for a in rec["affected"].as_array_mut().into_iter().flatten() {
        for r in a["ranges"].as_array_mut().into_iter().flatten() {
            for e in r["events"].as_array_mut().into_iter().flatten() {
                if e.get("fixed").is_some() {
                    e["fixed"] = Value::from(version);
                }
            }
        }
    }
}

/// The changed records, written both to `changes` (alone) and over the corpus copy `merged`; returns
/// their IDs. Kinds of change: later fixed versions, a package renamed (the record leaves its old key), a
/// record withdrawn, one more affected package, a new record.
fn make_changes(corpus: &Path, merged: &Path, changes: &Path) -> Vec<String> {
    std::fs::create_dir_all(changes).expect("mkdir");
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus.join("crates"))
        .expect("rustsec crates dir")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    let mut ids = Vec::new();
    let mut put = |rec: &Value, name: &str| {
        write_json(&changes.join(name), rec);
        write_json(&merged.join("crates").join(name), rec);
        ids.push(rec["id"].as_str().expect("id").to_owned());
    };
    for (i, f) in files.iter().enumerate().step_by(25) {
        let mut rec = read_json(f);
        rec["modified"] = Value::from("2026-12-01T00:00:00Z");
        match (i / 25) % 4 {
            0 => set_fixed(&mut rec, "99.0.0"),
            1 => {
                let name = rec["affected"][0]["package"]["name"]
                    .as_str()
                    .expect("package name")
                    .to_owned();
                rec["affected"][0]["package"]["name"] = Value::from(format!("{name}-renamed"));
            }
            2 => rec["withdrawn"] = Value::from("2026-12-01T00:00:00Z"),
            _ => {
                let mut extra = rec["affected"][0].clone();
                extra["package"]["name"] = Value::from("trawl-refresh-test-crate");
                rec["affected"]
                    .as_array_mut()
                    .expect("affected list")
                    .push(extra);
            }
        }
        let name = f.file_name().expect("file name").to_string_lossy();
        put(&rec, &name);
    }
    let mut new = read_json(&files[1]);
    new["id"] = Value::from("RUSTSEC-2099-0001");
    new["aliases"] = Value::from(vec!["CVE-2099-0001"]);
    set_fixed(&mut new, "42.0.0");
    put(&new, "RUSTSEC-2099-0001.json");
    ids
}

/// Every (namespace, package) key of a DB file.
fn keys(db: &Path) -> BTreeSet<(String, String)> {
    let conn = rusqlite::Connection::open(db).expect("open");
    let mut stmt = conn
        .prepare("SELECT n.name, p.name FROM package p JOIN namespace n ON n.id = p.ns")
        .expect("prepare");
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .map(|r| r.expect("row"))
        .collect()
}

#[test]
fn refresh_answers_as_a_full_build_of_the_merged_feeds() {
    let data = trawl_test::require_shared_data!();
    let adv = data.join("advisories");
    let tmp = tempfile::tempdir().expect("tempdir");
    let corpus = tmp.path().join("corpus");
    let merged = tmp.path().join("merged");
    let changes = tmp.path().join("changes");
    copy_dir(&adv.join("rustsec/osv"), &corpus);
    copy_dir(&adv.join("rustsec/osv"), &merged);
    let changed = make_changes(&corpus, &merged, &changes);
    assert!(changed.len() > 40, "{} changed records", changed.len());

    let others = [
        spec("osv", &adv.join("ubuntu/ubuntu-security-notices/osv")),
        spec("debian-tracker", &adv.join("debian/cve-list-excerpt")),
        spec("kev", &adv.join("kev/known_exploited_vulnerabilities.json")),
    ];
    let with = |osv: &Path| {
        let mut v = vec![spec("osv", osv)];
        v.extend(others.iter().cloned());
        v
    };
    let full = tmp.path().join("full.db");
    build(&with(&merged), &full).expect("full build of the merged feeds");
    let base = tmp.path().join("base.db");
    build(&with(&corpus), &base).expect("build of the corpus");
    let base_bytes = std::fs::read(&base).expect("read base");
    let refreshed = tmp.path().join("refreshed.db");
    let outcome = refresh(&base, &[spec("osv", &changes)], &refreshed).expect("refresh");
    assert_eq!(
        std::fs::read(&base).expect("read base"),
        base_bytes,
        "the base DB is left as it was"
    );

    let a = AdvisoryDb::open(&full).expect("open full");
    let b = AdvisoryDb::open(&refreshed).expect("open refreshed");
    assert_eq!(
        a.metadata().advisories_by_source,
        b.metadata().advisories_by_source
    );
    assert_eq!(a.metadata().affected_rows, b.metadata().affected_rows);
    assert_eq!(outcome.metadata, *b.metadata());

    let all_keys: BTreeSet<_> = keys(&full).union(&keys(&refreshed)).cloned().collect();
    assert!(
        all_keys.iter().any(|(_, p)| p.ends_with("-renamed")),
        "renamed packages are keys"
    );
    let mut ids: BTreeSet<String> = changed.iter().cloned().collect();
    let mut records = 0;
    for (ns, pkg) in &all_keys {
        let x = a.lookup(ns, pkg).expect("lookup full");
        let y = b.lookup(ns, pkg).expect("lookup refreshed");
        assert_eq!(x, y, "lookup {ns} {pkg}");
        records += x.len();
        ids.extend(x.into_iter().map(|r| r.advisory_id));
    }
    assert!(records > 1000, "{records} records compared");
    for id in &ids {
        assert_eq!(
            a.advisory(id).expect("advisory full"),
            b.advisory(id).expect("advisory refreshed"),
            "advisory {id}"
        );
    }
    // The kinds of change took effect.
    let new = b
        .advisory("RUSTSEC-2099-0001")
        .expect("advisory")
        .expect("new record is there");
    assert_eq!(new.aliases, ["CVE-2099-0001"]);
    let withdrawn = changed
        .iter()
        .filter(|id| {
            b.advisory(id)
                .expect("advisory")
                .is_some_and(|d| d.withdrawn.is_some())
        })
        .count();
    assert!(withdrawn > 5, "{withdrawn} withdrawn");
    assert!(
        !b.lookup("crates.io", "trawl-refresh-test-crate")
            .expect("lookup")
            .is_empty()
    );
}

#[test]
fn refresh_in_place_twice_keeps_the_latest_records() {
    let data = trawl_test::require_shared_data!();
    let adv = data.join("advisories");
    let tmp = tempfile::tempdir().expect("tempdir");
    let corpus = tmp.path().join("corpus");
    let merged = tmp.path().join("merged");
    let changes = tmp.path().join("changes");
    copy_dir(&adv.join("rustsec/osv"), &corpus);
    copy_dir(&adv.join("rustsec/osv"), &merged);
    make_changes(&corpus, &merged, &changes);
    let db = tmp.path().join("trawl.db");
    build(&[spec("osv", &corpus)], &db).expect("build");
    refresh(&db, &[spec("osv", &changes)], &db).expect("first refresh, in place");
    // Applying the same changes again changes no answer.
    let once = tmp.path().join("once.db");
    std::fs::copy(&db, &once).expect("copy");
    refresh(&db, &[spec("osv", &changes)], &db).expect("second refresh, in place");
    let full = tmp.path().join("full.db");
    build(&[spec("osv", &merged)], &full).expect("full build");
    let (a, b, c) = (
        AdvisoryDb::open(&full).expect("open"),
        AdvisoryDb::open(&db).expect("open"),
        AdvisoryDb::open(&once).expect("open"),
    );
    assert_eq!(
        a.metadata().advisories_by_source,
        b.metadata().advisories_by_source
    );
    for (ns, pkg) in keys(&full).union(&keys(&db)) {
        let x = a.lookup(ns, pkg).expect("lookup");
        assert_eq!(x, b.lookup(ns, pkg).expect("lookup"), "{ns} {pkg}");
        assert_eq!(x, c.lookup(ns, pkg).expect("lookup"), "{ns} {pkg}");
    }
}

#[test]
fn refresh_of_a_file_that_is_not_a_db_fails_and_writes_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let bogus = tmp.path().join("bogus.db");
    std::fs::write(&bogus, b"not a database").expect("write");
    let out = tmp.path().join("out.db");
    let feed = tmp.path().join("feed");
    std::fs::create_dir(&feed).expect("mkdir");
    let err = refresh(&bogus, &[spec("osv", &feed)], &out).expect_err("refused");
    assert!(err.to_string().contains("bogus.db"), "{err}");
    assert!(!out.exists());
    let names: Vec<_> = std::fs::read_dir(tmp.path())
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(names.len(), 2, "no temporary file left: {names:?}");
}
