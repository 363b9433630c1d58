//! The matcher checks OSV `versions` lists itself (each version text parsed once per scan). These tests hold it to
//! `trawl_version::affected` on the whole record, on real PyPA advisories (whose records list every affected
//! release): for every version the records name, and for versions they do not, the advisories the matcher reports
//! are exactly those the reference says affect the version.

use std::collections::BTreeSet;
use std::path::Path;
use trawl_advisory::{AdvisoryDb, AffectedRecord, SourceSpec};
use trawl_matcher::Matcher;
use trawl_types::{Ecosystem, Package, Status};
use trawl_version::{OsvRange, Scheme};

/// The feed's full `versions` list of a record, read from the PyPA YAML file itself (the DB keeps only the
/// versions the ranges do not cover: this checks that leaving the others out changes no answer).
fn full_versions(r: &AffectedRecord) -> Vec<String> {
    let data = trawl_test::shared_data().expect("shared data");
    let path = data
        .join("advisories/pypa-advisory-db/vulns")
        .join(&*r.package)
        .join(format!("{}.yaml", r.advisory_id));
    let text = std::fs::read_to_string(&path).expect("the record's PyPA file");
    let doc: serde_json::Value = serde_saphyr::from_str(&text).expect("YAML");
    doc["affected"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|a| {
            a["package"]["name"]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case(&r.package))
        })
        .flat_map(|a| a["versions"].as_array().cloned().unwrap_or_default())
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect()
}

/// The reference: the record as a whole (ranges and the feed's full versions list) through
/// `trawl_version::affected`.
fn reference_affected(version: &str, r: &AffectedRecord, full: &[String]) -> bool {
    if r.status == Some(Status::NotAffected) {
        return false;
    }
    let ranges: Vec<OsvRange> = r.ranges.iter().map(|x| x.to_osv()).collect();
    if ranges.is_empty() && full.is_empty() {
        return r.status.is_some();
    }
    trawl_version::affected(Scheme::Pep440, version, &ranges, full).is_ok_and(|a| a.affected)
}

fn build_db(dir: &Path, specs: &[SourceSpec]) -> AdvisoryDb {
    let out = dir.join(format!(
        "t{}.db",
        std::fs::read_dir(dir).map_or(0, Iterator::count)
    ));
    trawl_advisory::build(specs, &out).expect("DB builds");
    AdvisoryDb::open(&out).expect("DB opens")
}

fn db_of(packages: &[&str]) -> Option<(tempfile::TempDir, AdvisoryDb)> {
    let data = trawl_test::shared_data()?;
    let tmp = tempfile::tempdir().expect("tempdir");
    let specs: Vec<SourceSpec> = packages
        .iter()
        .map(|p| {
            format!(
                "osv={}",
                data.join("advisories/pypa-advisory-db/vulns")
                    .join(p)
                    .display()
            )
            .parse()
            .expect("valid source spec")
        })
        .collect();
    let db = build_db(tmp.path(), &specs);
    Some((tmp, db))
}

/// Checks the matcher against the reference for `names` in `db`; returns (versions checked, affected pairs).
fn check_against_reference(db: &AdvisoryDb, names: &[&str]) -> (usize, usize) {
    let mut checked = 0usize;
    let mut affected_pairs = 0usize;
    for &name in names {
        let records = db.lookup("PyPI", name).expect("lookup");
        assert!(!records.is_empty(), "{name}: PyPA has records");
        let full: Vec<Vec<String>> = records.iter().map(full_versions).collect();
        // Every listed version, plus spellings that are equal in PEP 440 but not as text, versions between and
        // beyond the listed ones, and texts that do not parse.
        let listed: BTreeSet<String> = full.iter().flatten().cloned().collect();
        // Every 4th listed version keeps the test quick in debug builds (the reference parses whole lists).
        let mut versions: BTreeSet<String> = listed.iter().step_by(4).cloned().collect();
        for v in listed.iter().step_by(16) {
            versions.insert(format!("{v}.0"));
            versions.insert(format!("v{v}"));
            versions.insert(format!("0!{v}"));
            versions.insert(format!("{v}.post1"));
        }
        for extra in ["0.0.1", "99.0", "1.0rc1", "not a version", ""] {
            versions.insert(extra.to_owned());
        }
        let packages: Vec<Package> = versions
            .iter()
            .map(|v| Package {
                ecosystem: Some(Ecosystem::PyPI),
                name: name.to_owned(),
                version: v.clone(),
                ..Package::default()
            })
            .collect();
        let mut m = Matcher::new(db);
        let findings = m.match_packages(None, &packages).expect("matches");
        for (i, p) in packages.iter().enumerate() {
            let expected: BTreeSet<&str> = records
                .iter()
                .zip(&full)
                .filter(|(r, full)| reference_affected(&p.version, r, full))
                .map(|(r, _)| r.advisory_id.as_str())
                .collect();
            // A finding merges the records that share an ID or alias: every affected record must be named by a
            // finding, and every finding must name an affected record.
            let mine: Vec<BTreeSet<&str>> = findings
                .iter()
                .filter(|(j, _)| *j == i)
                .map(|(_, f)| {
                    std::iter::once(&f.id)
                        .chain(&f.aliases)
                        .map(String::as_str)
                        .collect()
                })
                .collect();
            for id in &expected {
                assert!(
                    mine.iter().any(|ids| ids.contains(id)),
                    "{name} {:?}: {id} affects it but is not reported ({mine:?})",
                    p.version
                );
            }
            for ids in &mine {
                assert!(
                    ids.iter().any(|id| expected.contains(id)),
                    "{name} {:?}: finding {ids:?} names no affected record ({expected:?})",
                    p.version
                );
            }
            checked += 1;
            affected_pairs += expected.len();
        }
    }
    (checked, affected_pairs)
}

#[test]
fn listed_versions_match_the_reference_on_real_pypa_records() {
    let names = ["django", "jinja2", "urllib3"];
    let Some((_tmp, db)) = db_of(&names) else {
        return;
    };
    let (checked, affected_pairs) = check_against_reference(&db, &names);
    assert!(checked > 200, "{checked} versions checked");
    assert!(
        affected_pairs > 500,
        "{affected_pairs} (version, advisory) hits"
    );
}

/// The same records with their ranges dropped (OSV allows `versions` alone): now the list alone decides, so the
/// PEP 440 equality of differently spelled versions (`3.2` = `3.2.0` = `0!3.2`) and unparsable texts count.
#[test]
fn versions_only_records_match_the_reference() {
    let names = ["django", "jinja2"];
    let Some((tmp, db)) = db_of(&names) else {
        return;
    };
    let feed = tmp.path().join("versions-only");
    std::fs::create_dir(&feed).expect("mkdir");
    let mut n = 0;
    for name in names {
        for r in db.lookup("PyPI", name).expect("lookup") {
            let versions = full_versions(&r);
            if versions.is_empty() {
                continue;
            }
            let doc = serde_json::json!({
                "schema_version": "1.6.0",
                "id": r.advisory_id,
                "modified": "2024-01-01T00:00:00Z",
                "aliases": r.aliases,
                "affected": [{"package": {"ecosystem": "PyPI", "name": name}, "versions": versions}],
            });
            n += 1;
            std::fs::write(
                feed.join(format!("{n}.json")),
                serde_json::to_vec(&doc).expect("json"),
            )
            .expect("write");
        }
    }
    let spec: SourceSpec = format!("osv={}", feed.display())
        .parse()
        .expect("valid spec");
    let db = build_db(tmp.path(), &[spec]);
    for name in names {
        assert!(
            db.lookup("PyPI", name)
                .expect("lookup")
                .iter()
                .all(|r| r.ranges.is_empty() && !r.versions.is_empty()),
            "{name}: versions-only records"
        );
    }
    let (checked, affected_pairs) = check_against_reference(&db, &names);
    assert!(checked > 100, "{checked} versions checked");
    assert!(
        affected_pairs > 500,
        "{affected_pairs} (version, advisory) hits"
    );
}
