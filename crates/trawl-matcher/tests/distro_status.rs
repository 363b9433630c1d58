//! Distro statuses as the distro states them, on the Debian security tracker's own records (`data/CVE/list`
//! excerpt, per-CVE records in the vuln-list-debian layout, the tracker's JSON export): each status word is kept
//! (`vendor_status`), a fix that exists only in unstable is not reported as the release's fix, backported fixes
//! compare in dpkg's order, and every finding carries the chain that produced it (`match`).

use std::path::Path;
use trawl_advisory::{AdvisoryDb, SourceSpec};
use trawl_matcher::Matcher;
use trawl_types::{Ecosystem, Finding, MatchedBy, OsFamily, OsInfo, Package, Status};

fn spec(kind: &str, path: &Path) -> SourceSpec {
    format!("{kind}={}", path.display())
        .parse()
        .expect("valid source spec")
}

/// A DB of the three Debian tracker shapes in the shared data.
fn debian_db(data: &Path, dir: &Path) -> AdvisoryDb {
    let deb = data.join("advisories/debian");
    let out = dir.join("debian.db");
    trawl_advisory::build(
        &[
            spec("debian-tracker", &deb.join("cve-list-excerpt")),
            spec(
                "debian-tracker",
                &deb.join("trivy-db-testdata/happy/vuln-list-debian/tracker/CVE"),
            ),
            spec(
                "debian-tracker",
                &deb.join("vunnel-fixtures/input/debian.json"),
            ),
        ],
        &out,
    )
    .expect("DB builds");
    AdvisoryDb::open(&out).expect("DB opens")
}

fn debian(release: &str, codename: &str) -> OsInfo {
    OsInfo {
        family: OsFamily::Debian,
        name: release.into(),
        codename: Some(codename.into()),
        pretty_name: None,
        eosl: None,
        eol: false,
    }
}

/// A dpkg package as the analyzer reports it (binary name, source name and version).
fn deb(name: &str, source: &str, version: &str) -> Package {
    Package {
        ecosystem: Some(Ecosystem::Deb),
        name: name.into(),
        version: version.into(),
        source_name: Some(source.into()),
        file_path: "var/lib/dpkg/status".into(),
        analyzer: Some("os/dpkg"),
        ..Package::default()
    }
}

fn findings(db: &AdvisoryDb, os: &OsInfo, pkg: Package) -> Vec<Finding> {
    Matcher::new(db)
        .match_packages(Some(os), &[pkg])
        .expect("match")
        .into_iter()
        .map(|(_, f)| f)
        .collect()
}

fn one(db: &AdvisoryDb, os: &OsInfo, pkg: Package, id: &str) -> Option<Finding> {
    findings(db, os, pkg).into_iter().find(|f| f.has_id(id))
}

#[test]
fn each_debian_status_is_kept_as_the_tracker_states_it() {
    let data = trawl_test::require_shared_data!();
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = debian_db(&data, tmp.path());
    let bookworm = debian("12", "bookworm");
    let bullseye = debian("11", "bullseye");
    let buster = debian("10", "buster");

    // <unfixed> (unimportant): affected, every version, matched by the vendor's status alone.
    let tar = one(
        &db,
        &bookworm,
        deb("tar", "tar", "1.34+dfsg-1.2+deb12u1"),
        "CVE-2005-2541",
    )
    .expect("tar finding");
    assert_eq!(tar.status, Status::Affected);
    assert_eq!(tar.vendor_status.as_deref(), Some("unfixed"));
    let m = tar.match_details.as_ref().expect("match");
    assert_eq!(m.records[0].matched_by, MatchedBy::Range);
    assert_eq!(m.comparator, "debian");
    assert_eq!(m.namespace, "Debian:12");
    assert_eq!(m.analyzer.as_deref(), Some("os/dpkg"));

    // <ignored> (Minor issue): will_not_fix, with the note.
    let cu = one(
        &db,
        &bookworm,
        deb("coreutils", "coreutils", "9.1-1"),
        "CVE-2016-2781",
    )
    .expect("coreutils finding");
    assert_eq!(cu.status, Status::WillNotFix);
    assert_eq!(cu.vendor_status.as_deref(), Some("ignored"));
    let m = cu.match_details.as_ref().expect("match");
    assert_eq!(m.records[0].note.as_deref(), Some("Minor issue"));
    assert!(
        m.status_reason.contains("`ignored` (Minor issue)"),
        "{}",
        m.status_reason
    );

    // <postponed>: fix_deferred, and distinct from <no-dsa> (same Trivy status, another word).
    let o = one(
        &db,
        &buster,
        deb("libssl1.1", "openssl", "1.1.1n-0+deb10u3"),
        "CVE-2023-5678",
    )
    .expect("openssl buster finding");
    assert_eq!(o.status, Status::FixDeferred);
    assert_eq!(o.vendor_status.as_deref(), Some("postponed"));
    let ci = one(
        &db,
        &bullseye,
        deb("cloud-init", "cloud-init", "20.4.1-2+deb11u1"),
        "CVE-2020-8631",
    )
    .expect("cloud-init bullseye finding");
    assert_eq!(ci.status, Status::FixDeferred);
    assert_eq!(ci.vendor_status.as_deref(), Some("no-dsa"));

    // A fix in the release itself, backported (`~deb12u1`): fixed, with that version.
    let o = one(
        &db,
        &bookworm,
        deb("libssl3", "openssl", "3.0.11-1~deb12u2"),
        "CVE-2023-5678",
    )
    .expect("openssl bookworm finding");
    assert_eq!(o.status, Status::Fixed);
    assert_eq!(o.fixed_version.as_deref(), Some("3.0.13-1~deb12u1"));
    assert!(
        o.match_details
            .as_ref()
            .expect("match")
            .status_reason
            .starts_with("fixed in 3.0.13-1~deb12u1")
    );
    // ... and the version with the fix is not matched (`+deb10u1` above the plain revision).
    let fixed = deb("libgcrypt20", "libgcrypt20", "1.8.4-5+deb10u1");
    assert!(one(&db, &buster, fixed, "CVE-2021-33560").is_none());
    let older = one(
        &db,
        &buster,
        deb("libgcrypt20", "libgcrypt20", "1.8.4-5"),
        "CVE-2021-33560",
    )
    .expect("older buster libgcrypt");
    assert_eq!(older.fixed_version.as_deref(), Some("1.8.4-5+deb10u1"));

    // The fix is in unstable only (no [bookworm] line): affected in bookworm, no fixed version (trivy-db#380).
    let curl = one(
        &db,
        &bookworm,
        deb("libcurl4", "curl", "7.88.1-10+deb12u1"),
        "CVE-2023-38545",
    )
    .expect("curl finding");
    assert_eq!(curl.status, Status::Affected);
    assert_eq!(curl.fixed_version, None);
    assert_eq!(curl.vendor_status.as_deref(), Some("fixed-in-unstable"));
    // ... while a release version at or above unstable's fix is not affected at all.
    assert!(
        one(
            &db,
            &bookworm,
            deb("sudo", "sudo", "1.9.13p3-1+deb12u1"),
            "CVE-2021-3156"
        )
        .is_none()
    );
    assert!(
        one(
            &db,
            &bullseye,
            deb("libgcrypt20", "libgcrypt20", "1.8.7-6"),
            "CVE-2021-33560"
        )
        .is_none()
    );

    // <not-affected> in the release: nothing to report.
    assert!(
        one(
            &db,
            &bookworm,
            deb("xz-utils", "xz-utils", "5.4.1-0.2"),
            "CVE-2024-3094"
        )
        .is_none()
    );

    // end-of-life (the tracker JSON export): its own status.
    let chromium = one(
        &db,
        &buster,
        deb("chromium", "chromium", "90.0.4430.212-1~deb10u1"),
        "CVE-2022-0456",
    )
    .expect("chromium buster finding");
    assert_eq!(chromium.status, Status::EndOfLife);
    assert_eq!(chromium.vendor_status.as_deref(), Some("end-of-life"));
}

#[test]
fn a_release_past_its_end_of_life_is_still_matched_and_says_so() {
    let data = trawl_test::require_shared_data!();
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = debian_db(&data, tmp.path());
    let mut buster = debian("10", "buster");
    buster.eosl = Some("2024-06-30".into());
    buster.eol = true;
    let f = one(
        &db,
        &buster,
        deb("libgcrypt20", "libgcrypt20", "1.8.4-5"),
        "CVE-2021-33560",
    )
    .expect("still matched");
    let reason = &f.match_details.as_ref().expect("match").status_reason;
    assert!(
        reason.contains("past its end of life (2024-06-30)"),
        "{reason}"
    );
}

fn ubuntu(release: &str, codename: &str) -> OsInfo {
    OsInfo {
        family: OsFamily::Ubuntu,
        ..debian(release, codename)
    }
}

/// Ubuntu's OSV records give versions without a status; Canonical's OpenVEX documents give Ubuntu's status per
/// source package and release. Together: Ubuntu's words, its reasons, and a not-affected statement that
/// suppresses what the other record matched.
#[test]
fn ubuntu_statuses_from_canonical_vex_with_its_osv_records() {
    let data = trawl_test::require_shared_data!();
    let tmp = tempfile::tempdir().expect("tempdir");
    let u = data.join("advisories/ubuntu/vunnel-fixtures");
    let out = tmp.path().join("ubuntu.db");
    trawl_advisory::build(
        &[
            spec("osv", &u.join("osv")),
            spec("ubuntu-vex", &u.join("vex")),
        ],
        &out,
    )
    .expect("DB builds");
    let db = AdvisoryDb::open(&out).expect("DB opens");
    let jammy = ubuntu("22.04", "jammy");
    let xenial = ubuntu("16.04", "xenial");

    // Listed by the OSV record, "decided to not fix it" in the VEX: will_not_fix (`ignored`) with the team's
    // justification.
    let g = one(
        &db,
        &jammy,
        deb("libc6", "glibc", "2.35-0ubuntu3.13"),
        "CVE-2016-20013",
    )
    .expect("glibc finding");
    assert_eq!(g.status, Status::WillNotFix);
    assert_eq!(g.vendor_status.as_deref(), Some("ignored"));
    let m = g.match_details.as_ref().expect("match");
    // The OSV record's open range (the DB keeps ranges and drops the listed versions they already cover) and the
    // VEX statement, each named.
    assert!(
        m.records
            .iter()
            .any(|r| r.advisory == "UBUNTU-CVE-2016-20013"
                && r.matched_by == MatchedBy::Range
                && r.ranges == ["ECOSYSTEM >= 0"]),
        "{m:#?}"
    );
    assert!(
        m.records.iter().any(|r| r.advisory == "CVE-2016-20013"
            && r.status == Some(Status::WillNotFix)
            && r.vendor_status.as_deref() == Some("ignored")),
        "{m:#?}"
    );
    assert!(
        m.status_reason.contains("argon2"),
        "the justification is the reason: {}",
        m.status_reason
    );

    // Fixed in jammy's own update.
    let c = one(
        &db,
        &jammy,
        deb("libcurl4", "curl", "7.81.0-1ubuntu1.13"),
        "CVE-2023-38545",
    )
    .expect("jammy curl finding");
    assert_eq!(c.status, Status::Fixed);
    assert_eq!(c.fixed_version.as_deref(), Some("7.81.0-1ubuntu1.24"));
    assert!(
        one(
            &db,
            &jammy,
            deb("libcurl4", "curl", "7.81.0-1ubuntu1.24"),
            "CVE-2023-38545"
        )
        .is_none()
    );

    // xenial: the standard release says "no longer supported" (end-of-life), while the ESM statement says the
    // vulnerable code is not present (curl 7.47 predates the bug): kept, suppressed, with that reason.
    let x = one(
        &db,
        &xenial,
        deb("libcurl3-gnutls", "curl", "7.47.0-1ubuntu2.19"),
        "CVE-2023-38545",
    )
    .expect("xenial curl finding");
    assert_eq!(x.status, Status::NotAffected);
    let s = x.suppressed.as_ref().expect("suppressed by the vendor");
    assert_eq!(s.kind, "vendor");
    assert_eq!(s.statement.as_deref(), Some("vulnerable_code_not_present"));
    let m = x.match_details.as_ref().expect("match");
    assert!(
        m.records
            .iter()
            .any(|r| r.vendor_status.as_deref() == Some("end-of-life")),
        "{m:#?}"
    );
    assert!(
        m.status_reason.contains("not affected"),
        "{}",
        m.status_reason
    );
}
