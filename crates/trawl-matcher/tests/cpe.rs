//! Binaries found outside package managers are matched by CPE (issue #18): the real CVE JSON 5 and NVD records
//! of CVE-2023-38545 (curl's SOCKS5 overflow, affected 7.69.0 up to 8.4.0; `tests/data/cpe/SOURCE.txt`) give
//! records of the `cpe` namespace; curl 7.88.1 (Debian 12's) is affected, 8.4.0 (the fix) and 7.68.0 (before
//! the bug) are not, and a package with several CPEs gets one finding per vulnerability.

use std::path::{Path, PathBuf};
use trawl_advisory::{AdvisoryDb, SourceSpec};
use trawl_matcher::Matcher;
use trawl_types::cpe::Cpe;
use trawl_types::{Ecosystem, Finding, Package, Status};

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/cpe")
}

fn db(dir: &Path, sources: &[(&str, &str)]) -> AdvisoryDb {
    let specs: Vec<SourceSpec> = sources
        .iter()
        .map(|(kind, sub)| {
            format!("{kind}={}", data().join(sub).display())
                .parse()
                .expect("valid source spec")
        })
        .collect();
    let out = dir.join("cpe.db");
    trawl_advisory::build(&specs, &out).expect("DB builds");
    AdvisoryDb::open(&out).expect("DB opens")
}

/// curl as the `binary/executable` analyzer reports it.
fn curl(version: &str) -> Package {
    Package {
        ecosystem: Some(Ecosystem::Binary),
        name: "curl".into(),
        version: version.into(),
        cpes: vec![
            Cpe::application("haxx", "curl", version).to_string(),
            Cpe::application("haxx", "libcurl", version).to_string(),
        ],
        file_path: "usr/local/bin/curl".into(),
        analyzer: Some("binary/executable"),
        ..Package::default()
    }
}

fn findings(db: &AdvisoryDb, pkgs: &[Package]) -> Vec<(usize, Finding)> {
    Matcher::new(db)
        .match_packages(None, pkgs)
        .expect("matching works")
}

#[test]
fn cve5_record_matches_by_vendor_and_product() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = db(dir.path(), &[("cve5", "cve5")]);
    let pkgs = [
        curl("7.88.1"),
        curl("8.4.0"),
        curl("7.68.0"),
        curl("7.69.0"),
    ];
    let found = findings(&db, &pkgs);
    let hit: Vec<(usize, &str)> = found.iter().map(|(i, f)| (*i, f.id.as_str())).collect();
    assert_eq!(hit, [(0, "CVE-2023-38545"), (3, "CVE-2023-38545")]);
    let f = &found[0].1;
    assert_eq!(f.status, Status::Fixed);
    assert_eq!(f.fixed_version.as_deref(), Some("8.4.0"));
    assert_eq!(f.ecosystem, Some(Ecosystem::Binary));
    let m = f.match_details.as_ref().expect("match details");
    assert_eq!(m.analyzer.as_deref(), Some("binary/executable"));
    assert_eq!(m.namespace, "cpe");
    assert_eq!(m.package, "haxx:curl");
    assert_eq!(m.comparator, "upstream");
    assert_eq!(
        m.records[0].ranges,
        ["ECOSYSTEM >= 7.69.0, < 8.4.0 (fixed)"]
    );
}

#[test]
fn nvd_configuration_matches_by_cpe_range() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = db(dir.path(), &[("nvd", "nvd")]);
    let found = findings(&db, &[curl("7.88.1"), curl("8.4.0"), curl("7.68.0")]);
    assert_eq!(found.len(), 1, "{found:#?}");
    let (i, f) = &found[0];
    assert_eq!((*i, f.id.as_str()), (0, "CVE-2023-38545"));
    let m = f.match_details.as_ref().expect("match details");
    assert_eq!(
        (m.namespace.as_str(), m.package.as_str()),
        ("cpe", "haxx:libcurl")
    );
    assert_eq!(f.fixed_version.as_deref(), Some("8.4.0"));
}

#[test]
fn one_finding_per_vulnerability_whatever_the_number_of_cpes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = db(dir.path(), &[("cve5", "cve5"), ("nvd", "nvd")]);
    let found = findings(&db, &[curl("7.88.1")]);
    assert_eq!(found.len(), 1, "{found:#?}");
    // a package without CPEs is not looked up in the cpe namespace
    let plain = Package {
        cpes: Vec::new(),
        ..curl("7.88.1")
    };
    assert!(findings(&db, &[plain]).is_empty());
}
