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

fn here(rel: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

#[test]
fn debian_tracker_json_export_and_per_cve_records() {
    let data = trawl_test::require_shared_data!();
    let tmp = tempfile::tempdir().expect("tempdir");
    let deb = data.join("advisories/debian");
    let db = build_db(
        tmp.path(),
        &[
            spec(
                "debian-tracker",
                &deb.join("osv.dev-testdata/vulnfeeds/test_data/debian"),
            ),
            spec(
                "debian-tracker",
                &deb.join("vunnel-fixtures/input/debian.json"),
            ),
            spec("debian-tracker", &deb.join("vuln-list-debian")),
        ],
    );
    let m = db.metadata();
    assert_eq!(
        m.sources[1].records, 7,
        "(source, CVE) pairs, one with `releases: []`"
    );
    assert_eq!(m.sources[1].skipped, 0, "{:?}", m.sources[1].errors);
    assert_eq!(m.sources[2].records, 12);
    // Export: `resolved` with fixed_version 0 = not affected; `urgency` kept.
    let rows = db.lookup("Debian:12", "apparmor").expect("lookup");
    let r = rows
        .iter()
        .find(|r| r.advisory_id == "CVE-2014-1424")
        .expect("row");
    assert_eq!(r.status, Some(Status::NotAffected));
    assert_eq!(r.urgency.as_deref(), Some("unimportant"));
    // "high**" (guessed) keeps its words and maps to High.
    let rows = db.lookup("Debian:10", "prototypejs").expect("lookup");
    let r = rows
        .iter()
        .find(|r| r.advisory_id == "CVE-2008-7220")
        .expect("row");
    assert_eq!(r.fixed_version.as_deref(), Some("1.6.0.2-1"));
    assert_eq!(r.severity, Some(Severity::High));
    // Per-CVE records (vuln-list-debian) go through the list parser: same answers as the excerpt.
    let g = db.lookup("Debian:12", "coreutils").expect("lookup");
    let g = g
        .iter()
        .find(|r| r.advisory_id == "CVE-2016-2781")
        .expect("row");
    assert_eq!(
        (g.status, g.urgency.as_deref()),
        (Some(Status::WillNotFix), Some("low"))
    );
}

#[test]
fn debian_dsa_list_becomes_advisories_with_cve_aliases() {
    let data = trawl_test::require_shared_data!();
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = build_db(
        tmp.path(),
        &[spec(
            "debian-tracker",
            &data.join("advisories/debian/security-tracker-mirror"),
        )],
    );
    let rows = db.lookup("Debian:11", "xorg-server").expect("lookup");
    let r = rows
        .iter()
        .find(|r| r.advisory_id == "DSA-5380-1")
        .expect("DSA row");
    assert_eq!(r.fixed_version.as_deref(), Some("2:1.20.11-1+deb11u6"));
    assert_eq!(r.status, Some(Status::Fixed));
    assert!(r.aliases.contains(&"CVE-2023-1393".to_owned()));
    let rows = db.lookup("Debian:10", "xorg-server").expect("lookup");
    assert!(rows.iter().any(|r| r.advisory_id == "DLA-3372-1"));
    let d = db.advisory("DSA-5380-1").expect("query").expect("present");
    assert_eq!(d.published.as_deref(), Some("2023-03-29T00:00:00Z"));
    // The real malformed line of DSA-423 is counted, with the file named.
    let s = &db.metadata().sources[0];
    assert!(
        s.errors
            .iter()
            .any(|e| e.contains("DSA/list") && e.contains("DSA-423")),
        "{:?}",
        s.errors
    );
}

#[test]
fn alpine_secdb_yaml() {
    let data = trawl_test::require_shared_data!();
    let tmp = tempfile::tempdir().expect("tempdir");
    let secdb = data.join("advisories/alpine/alpine-secdb");
    let db = build_db(tmp.path(), &[spec("alpine-secdb", &secdb)]);
    let rows = db.lookup("Alpine:v3.10", "ansible").expect("lookup");
    let r = rows
        .iter()
        .find(|r| r.advisory_id == "CVE-2019-10206")
        .expect("row");
    assert_eq!(r.fixed_version.as_deref(), Some("2.8.4-r0"));
    assert_eq!(r.status, Some(Status::Fixed));
    assert_eq!(r.source.id, "alpine-secdb");
    assert_eq!(r.ranges[0].events[1].version, "2.8.4-r0");
    // `CVE-2017-8904 XSA-214`: first token is the ID, the rest aliases.
    let xen: Vec<_> = db
        .namespaces()
        .iter()
        .flat_map(|ns| db.lookup(ns, "xen").expect("lookup"))
        .filter(|r| r.advisory_id == "CVE-2017-8904")
        .collect();
    assert!(!xen.is_empty());
    assert!(
        xen[0].aliases.contains(&"XSA-214".to_owned()),
        "{:?}",
        xen[0].aliases
    );
    // Namespace spelling the matcher queries with (OsInfo::advisory_namespace).
    let os = trawl_types::OsInfo {
        family: trawl_types::OsFamily::Alpine,
        name: "3.10.4".into(),
        codename: None,
        pretty_name: None,
        eosl: None,
        eol: false,
    };
    assert!(
        !db.lookup(&os.advisory_namespace(), "musl")
            .expect("lookup")
            .is_empty()
    );
}

#[test]
fn osv_records_keep_what_matters() {
    let data = trawl_test::require_shared_data!();
    let tmp = tempfile::tempdir().expect("tempdir");
    let adv = data.join("advisories");
    let db = build_db(
        tmp.path(),
        &[
            spec("osv", &adv.join("ghsa")),
            spec("osv", &adv.join("ubuntu")),
            spec("osv", &adv.join("go-vulndb")),
            spec("osv", &adv.join("pypa-advisory-db/vulns")),
            spec("osv", &adv.join("rustsec/osv")),
        ],
    );
    // ubuntu/ also holds OpenVEX documents: skipped (no `id`) and counted, never fatal.
    assert!(db.metadata().sources[1].skipped >= 2);
    // GHSA: CVSS v3 by source, GHSA's own rating, CWE, aliases.
    let d = db
        .advisory("GHSA-jfh8-c2jp-5v3q")
        .expect("query")
        .expect("log4shell");
    assert!(d.aliases.contains(&"CVE-2021-44228".to_owned()));
    assert_eq!(d.severities.get("ghsa"), Some(&Severity::Critical));
    assert_eq!(d.cvss.get("ghsa").and_then(|c| c.v3_score), Some(10.0));
    assert!(d.cwe_ids.iter().any(|c| c == "CWE-502"), "{:?}", d.cwe_ids);
    let maven = db
        .lookup("Maven", "org.apache.logging.log4j:log4j-core")
        .expect("lookup");
    assert!(maven.iter().any(|r| r.advisory_id == "GHSA-jfh8-c2jp-5v3q"));
    // Ubuntu: `Ubuntu:Pro:16.04:LTS` folds into `Ubuntu:16.04` with the variant kept; priority as severity.
    let w = db.lookup("Ubuntu:16.04", "wolfssl").expect("lookup");
    assert!(
        w.is_empty(),
        "UBUNTU-CVE-2014-2901 is withdrawn: left out of lookups"
    );
    let d = db
        .advisory("UBUNTU-CVE-2014-2901")
        .expect("query")
        .expect("kept for details");
    assert!(d.withdrawn.is_some());
    assert_eq!(d.severities.get("ubuntu"), Some(&Severity::Medium));
    let variants: Vec<Option<String>> = db
        .namespaces()
        .iter()
        .filter(|n| n.starts_with("Ubuntu:"))
        .flat_map(|ns| db.lookup(ns, "xz-utils").expect("lookup"))
        .map(|r| r.namespace_variant)
        .collect();
    assert!(
        variants.iter().any(|v| v.as_deref() == Some("LTS")),
        "{variants:?}"
    );
    // PyPI names are normalised (PEP 503) on both sides; GIT ranges and versions lists survive.
    let ac = db.lookup("PyPI", "AccessControl").expect("lookup");
    let r = ac
        .iter()
        .find(|r| r.advisory_id == "PYSEC-2021-335")
        .expect("row");
    assert!(
        r.ranges
            .iter()
            .any(|x| x.kind == trawl_advisory::RangeKind::Git && x.repo.is_some())
    );
    // Every listed version (4.0-4.2, 5.0, 5.1) lies in the ECOSYSTEM range: none is needed for matching.
    assert!(r.versions.is_empty(), "{:?}", r.versions);
    // Go: SEMVER ranges, ecosystem_specific (imports) kept; stdlib.
    let std = db.lookup("Go", "stdlib").expect("lookup");
    assert!(std.len() > 100);
    assert!(std.iter().all(|r| {
        r.ranges
            .iter()
            .all(|x| x.kind == trawl_advisory::RangeKind::Semver)
    }));
    // ecosystem_specific (imports) lives with the advisory's details, per package.
    let go = std
        .iter()
        .find(|r| r.advisory_id.starts_with("GO-"))
        .expect("a GO- advisory");
    let d = db
        .advisory(&go.advisory_id)
        .expect("query")
        .expect("present");
    assert!(d.package_specific.iter().any(|p| {
        p.namespace == "Go"
            && p.package == "stdlib"
            && p.source.as_ref() == Some(&go.source.id)
            && p.ecosystem_specific
                .as_ref()
                .is_some_and(|e| e.get("imports").is_some())
    }));
    // RustSec on crates.io.
    assert!(
        !db.lookup("crates.io", "smallvec")
            .expect("lookup")
            .is_empty()
    );
}

#[test]
fn wolfi_advisories_and_secdb() {
    let data = trawl_test::require_shared_data!();
    let tmp = tempfile::tempdir().expect("tempdir");
    let w = data.join("advisories/wolfi");
    let db = build_db(
        tmp.path(),
        &[
            spec("wolfi", &w.join("advisories")),
            spec("wolfi", &w.join("vunnel-fixtures")),
        ],
    );
    let bb = db.lookup("Wolfi", "busybox").expect("lookup");
    let fixed = bb
        .iter()
        .find(|r| r.advisory_id == "CVE-2022-28391")
        .expect("fixed one");
    assert_eq!(fixed.fixed_version.as_deref(), Some("1.35.0-r3"));
    assert!(
        fixed.aliases.iter().any(|a| a.starts_with("CGA-")),
        "{:?}",
        fixed.aliases
    );
    let fp = bb
        .iter()
        .find(|r| r.advisory_id == "CVE-2023-42364")
        .expect("false positive");
    assert_eq!(fp.status, Some(Status::NotAffected));
    // The event's own word and its reason are kept.
    assert_eq!(
        fp.vendor_status.as_deref(),
        Some("false-positive-determination")
    );
    assert!(
        fp.note
            .as_deref()
            .is_some_and(|n| n.starts_with("vulnerable-code-not-in-execution-path: ")),
        "{:?}",
        fp.note
    );
    let go = db.lookup("Wolfi", "go-1.21").expect("lookup");
    let eol = go
        .iter()
        .find(|r| r.aliases.iter().any(|a| a == "CGA-466j-hmf8-m8wc"))
        .expect("fix-not-planned one");
    assert_eq!(eol.status, Some(Status::WillNotFix));
    assert_eq!(eol.vendor_status.as_deref(), Some("fix-not-planned"));
    assert!(
        eol.note
            .as_deref()
            .is_some_and(|n| n.contains("end of life")),
        "{:?}",
        eol.note
    );
    // secdb "0" key = not affected.
    let cu = db.lookup("Wolfi", "coreutils").expect("lookup");
    assert!(
        cu.iter()
            .any(|r| r.advisory_id == "CVE-2016-2781" && r.status == Some(Status::NotAffected))
    );
}

#[test]
fn severity_and_risk_feeds_enrich_details() {
    let data = trawl_test::require_shared_data!();
    let tmp = tempfile::tempdir().expect("tempdir");
    let adv = data.join("advisories");
    let db = build_db(
        tmp.path(),
        &[
            spec("osv", &adv.join("ubuntu")),
            spec("cve5", &adv.join("cve/cvelistV5/cves")),
            spec("nvd", &here("tests/data/nvd-cves-2.0.json")),
            spec("kev", &adv.join("kev/known_exploited_vulnerabilities.json")),
            spec("epss", &adv.join("epss")),
        ],
    );
    let m = db.metadata();
    assert_eq!(
        (m.sources[2].records, m.sources[2].skipped),
        (2, 1),
        "{:?}",
        m.sources[2]
    );
    let d = db
        .advisory("CVE-2024-3094")
        .expect("query")
        .expect("cve5 record");
    assert_eq!(
        d.title.as_deref(),
        Some("Xz: malicious code in distributed source")
    );
    assert_eq!(d.cvss.get("cve-cna").and_then(|c| c.v3_score), Some(10.0));
    assert_eq!(d.severities.get("cve-cna"), Some(&Severity::Critical));
    // The Ubuntu record's details pull the CVE record's severity through its upstream alias.
    let u = db
        .advisory("UBUNTU-CVE-2024-3094")
        .expect("query")
        .expect("ubuntu record");
    assert!(u.cvss.contains_key("cve-cna"), "{:?}", u.cvss);
    // NVD: primary CVSS v3.1 and v2 (computed from the vectors), CWE, KEV flag from cisaExploitAdd.
    let l = db
        .advisory("CVE-2021-44228")
        .expect("query")
        .expect("nvd record");
    let nvd = l.cvss.get("nvd").expect("nvd cvss");
    assert_eq!((nvd.v3_score, nvd.v2_score), (Some(10.0), Some(9.3)));
    assert!(l.cwe_ids.contains(&"CWE-502".to_owned()));
    assert!(l.kev);
    assert!(
        db.advisory("CVE-2023-99999")
            .expect("q")
            .expect("rejected")
            .withdrawn
            .is_some()
    );
    // KEV catalogue and EPSS CSV (a row of the FIRST file, and the malformed header file skipped).
    assert!(db.enrichment("CVE-2025-48384").expect("q").kev);
    assert!(!db.enrichment("CVE-1999-0001").expect("q").kev);
    let e = db
        .enrichment("CVE-1999-0002")
        .expect("q")
        .epss
        .expect("epss");
    assert!(e.0 > 0.0 && e.1 > 0.0 && e.0 <= 1.0);
    let epss = &m.sources[4];
    assert!(
        epss.skipped >= 1 && epss.errors.iter().any(|e| e.contains("invalid-header.csv")),
        "{epss:?}"
    );
    assert_eq!(
        m.kev_entries, 1404,
        "NVD and CVE-ADP KEV markers name CVEs already in the catalogue"
    );
}

#[test]
fn alas_updateinfo() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // Written from the public format (no ALAS sample exists in ../shared): see tests/data/README.md.
    let db = build_db(
        tmp.path(),
        &[spec("alas", &here("tests/data/alas2-updateinfo.xml"))],
    );
    let s = &db.metadata().sources[0];
    assert_eq!(
        (s.records, s.skipped),
        (3, 1),
        "bugfix update ignored, bad ID counted: {s:?}"
    );
    let curl = db.lookup("Amazon Linux:2", "curl").expect("lookup");
    assert_eq!(curl.len(), 1, "two arches, one row");
    assert_eq!(curl[0].fixed_version.as_deref(), Some("7.88.1-1.amzn2.0.4"));
    assert_eq!(curl[0].severity, Some(Severity::High), "important = High");
    assert!(curl[0].aliases.contains(&"CVE-2023-23916".to_owned()));
    let vim = db.lookup("Amazon Linux:2", "vim-minimal").expect("lookup");
    assert_eq!(
        vim[0].fixed_version.as_deref(),
        Some("2:9.0.1367-1.amzn2.0.1"),
        "epoch kept"
    );
    let ssl = db
        .lookup("Amazon Linux:2023", "openssl-libs")
        .expect("lookup");
    assert_eq!(ssl[0].severity, Some(Severity::Critical));
    assert!(
        db.lookup("Amazon Linux:2", "tzdata")
            .expect("lookup")
            .is_empty()
    );
}

#[test]
fn bad_db_files_fail_clearly() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let p = tmp.path().join("not-a-db");
    std::fs::write(&p, b"hello, this is not sqlite").expect("write");
    let err = AdvisoryDb::open(&p).expect_err("refused");
    assert!(err.to_string().contains("not-a-db"), "{err}");
    let err = AdvisoryDb::open(&tmp.path().join("missing.db")).expect_err("refused");
    assert!(err.to_string().contains("trawl db update"), "{err}");
    assert!("nope=/x".parse::<SourceSpec>().is_err());
    assert!("alpine-secdb".parse::<SourceSpec>().is_err());
    let d: SourceSpec = "osv".parse().expect("the public bucket");
    assert_eq!(d.location, trawl_advisory::DEFAULT_OSV_URL);
}

#[test]
fn readers_share_the_file_and_survive_a_swap() {
    let data = trawl_test::require_shared_data!();
    let tmp = tempfile::tempdir().expect("tempdir");
    let secdb = data.join("advisories/alpine/alpine-secdb");
    let path = tmp.path().join("trawl.db");
    build(&[spec("alpine-secdb", &secdb.join("v3.10"))], &path).expect("build");
    // Many readers at once (threads here; processes behave the same: no lock is taken).
    let readers: Vec<AdvisoryDb> = (0..8)
        .map(|_| AdvisoryDb::open(&path).expect("opens"))
        .collect();
    std::thread::scope(|s| {
        for db in &readers {
            s.spawn(move || {
                for _ in 0..50 {
                    assert!(
                        !db.lookup("Alpine:v3.10", "musl")
                            .expect("lookup")
                            .is_empty()
                    );
                }
            });
        }
    });
    // A new build renamed over the file: open readers keep their (old) file, new readers see the new one.
    build(&[spec("alpine-secdb", &secdb.join("v3.3"))], &path).expect("rebuild");
    assert!(
        !readers[0]
            .lookup("Alpine:v3.10", "musl")
            .expect("old handle")
            .is_empty()
    );
    let fresh = AdvisoryDb::open(&path).expect("opens");
    assert!(
        fresh
            .lookup("Alpine:v3.10", "musl")
            .expect("lookup")
            .is_empty()
    );
    assert!(fresh.namespaces().contains(&"Alpine:v3.3".to_owned()));
}
