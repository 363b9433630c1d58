//! Feed parsers on the real samples in ../shared/data/advisories, checked through the built DB.

use std::path::Path;
use trawl_advisory::{AdvisoryDb, SourceSpec, build};
use trawl_types::{Severity, Status};

fn spec(kind: &str, path: &Path) -> SourceSpec {
    format!("{kind}={}", path.display())
        .parse()
        .expect("valid source spec")
}

fn build_db(dir: &Path, sources: &[SourceSpec]) -> AdvisoryDb {
    let out = dir.join("t.db");
    build(sources, &out).expect("build succeeds");
    AdvisoryDb::open(&out).expect("opens")
}

#[test]
fn debian_cve_list_statuses_in_bookworm() {
    let data = trawl_test::require_shared_data!();
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = build_db(
        tmp.path(),
        &[spec(
            "debian-tracker",
            &data.join("advisories/debian/cve-list-excerpt"),
        )],
    );
    let m = db.metadata();
    assert_eq!(m.sources[0].records, 12, "12 CVE entries in the excerpt");
    assert_eq!(m.sources[0].skipped, 0, "{:?}", m.sources[0].errors);

    let one = |pkg: &str, id: &str| {
        let recs = db.lookup("Debian:12", pkg).expect("lookup");
        let r: Vec<_> = recs.into_iter().filter(|r| r.advisory_id == id).collect();
        assert_eq!(r.len(), 1, "{pkg} {id} in bookworm: {r:?}");
        r.into_iter().next().expect("one")
    };
    let tar = one("tar", "CVE-2005-2541");
    assert_eq!(tar.status, Some(Status::Affected));
    assert_eq!(tar.urgency.as_deref(), Some("unimportant"));
    assert_eq!(tar.fixed_version, None);
    let cu = one("coreutils", "CVE-2016-2781");
    assert_eq!(cu.status, Some(Status::WillNotFix));
    assert_eq!(cu.urgency.as_deref(), Some("low"));
    assert_eq!(cu.severity, Some(Severity::Low));
    let g = one("glibc", "CVE-2019-1010022");
    assert_eq!(
        (g.status, g.urgency.as_deref()),
        (Some(Status::Affected), Some("unimportant"))
    );
    let g = one("glibc", "CVE-2023-4911");
    assert_eq!(
        (g.status, g.urgency.as_deref()),
        (Some(Status::Affected), None)
    );
    let xz = one("xz-utils", "CVE-2024-3094");
    assert_eq!(xz.status, Some(Status::NotAffected));
    assert!(xz.ranges.is_empty());
    // sid has the fix; buster is not affected by glibc CVE-2023-4911.
    let sid = db.lookup("Debian:sid", "xz-utils").expect("lookup");
    assert_eq!(sid[0].fixed_version.as_deref(), Some("5.6.1+really5.4.5-1"));
    assert_eq!(sid[0].status, Some(Status::Fixed));
    let buster = db.lookup("Debian:10", "glibc").expect("lookup");
    let b = buster
        .iter()
        .find(|r| r.advisory_id == "CVE-2023-4911")
        .expect("buster row");
    assert_eq!(b.status, Some(Status::NotAffected));
    // openssl: bookworm fixed in its own version, buster postponed.
    let o = db.lookup("Debian:12", "openssl").expect("lookup");
    let o = o
        .iter()
        .find(|r| r.advisory_id == "CVE-2023-5678")
        .expect("row");
    assert_eq!(o.fixed_version.as_deref(), Some("3.0.13-1~deb12u1"));
    let o = db.lookup("Debian:10", "openssl").expect("lookup");
    let o = o
        .iter()
        .find(|r| r.advisory_id == "CVE-2023-5678")
        .expect("row");
    assert_eq!(o.status, Some(Status::FixDeferred));
    // DSA aliases from `{DSA-...}` lines.
    let curl = db.lookup("Debian:12", "curl").expect("lookup");
    assert!(
        curl[0].aliases.contains(&"DSA-5523-1".to_owned()),
        "{:?}",
        curl[0].aliases
    );
    let d = db
        .advisory("CVE-2023-4911")
        .expect("query")
        .expect("present");
    assert!(
        d.title
            .as_deref()
            .is_some_and(|t| t.contains("GLIBC_TUNABLES")),
        "{:?}",
        d.title
    );
}
