//! Shared fixture reports, built from the real data in `../shared/data`: the dpkg status of the
//! debian-bookworm-slim image, the apk database of the Alpine 3.10.9 minirootfs, CVE JSON 5 records, GHSA records
//! and the Debian tracker records. No finding is made up: each pairs a real installed package with a real advisory
//! that names it (the CVSS vectors and scores are those the records or NVD publish).

#![allow(
    dead_code,
    unreachable_pub,
    reason = "a test support module shared by test binaries"
)]

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use trawl_report::{
    Artifact, ArtifactType, CacheStats, LayerInfo, PolicySummary, Report, ResultClass, ScanResult,
};
use trawl_types::{
    CheckStatus, ConfigFileType, Cvss, DataSource, DataSourceId, Ecosystem, Finding, LayerRef,
    Misconfiguration, OsFamily, OsInfo, Package, SecretFinding, Severity, Status, Suppression,
    Warning,
};

pub const DEBIAN_DIFF_ID: &str =
    "sha256:14e3f54ecf55c249889008360fe4040c9ec67f268be894e1b8170f283d86d08e";
pub const DEBIAN_IMAGE_ID: &str =
    "sha256:ffe74b800bf6dea72e782d79df00d492135b69a2173185e982707e4d03b74046";
pub const APP_DIFF_ID: &str =
    "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef";

/// Reads one member of a tar stream (by path, `./` ignored).
fn tar_member(reader: impl Read, path: &str) -> Option<Vec<u8>> {
    let mut ar = tar::Archive::new(reader);
    for entry in ar.entries().ok()? {
        let mut entry = entry.ok()?;
        let p = entry
            .path()
            .ok()?
            .to_string_lossy()
            .trim_start_matches("./")
            .to_owned();
        if p == path {
            let mut buf = Vec::new();
            entry.read_to_end(&mut buf).ok()?;
            return Some(buf);
        }
    }
    None
}

/// The image's `var/lib/dpkg/status` and config, read from the docker-archive.
pub fn debian_image(shared: &Path) -> (String, serde_json::Value) {
    let archive = shared.join("images/debian-bookworm-slim.tar.gz");
    let open = || {
        flate2::read::GzDecoder::new(std::fs::File::open(&archive).expect("debian image archive"))
    };
    let layer_path = format!("{}/layer.tar", DEBIAN_DIFF_ID.trim_start_matches("sha256:"));
    let config_path = format!("{}.json", DEBIAN_IMAGE_ID.trim_start_matches("sha256:"));
    let config = tar_member(open(), &config_path).expect("image config in the archive");
    // The layer tar is large: stream it instead of buffering it.
    let mut ar = tar::Archive::new(open());
    let mut status = None;
    for entry in ar.entries().expect("archive entries") {
        let entry = entry.expect("archive entry");
        if entry.path().expect("path").to_string_lossy() == layer_path {
            status = tar_member(entry, "var/lib/dpkg/status");
            break;
        }
    }
    (
        String::from_utf8(status.expect("dpkg status in the layer")).expect("utf-8 status"),
        serde_json::from_slice(&config).expect("config json"),
    )
}

/// A minimal dpkg status reader (installed packages only), independent of trawl's analyzers.
pub fn parse_dpkg(status: &str, os: &OsInfo, layer: &LayerRef) -> Vec<Package> {
    let mut out = Vec::new();
    for para in status.split("\n\n") {
        let mut fields = BTreeMap::new();
        for line in para.lines() {
            if line.starts_with(' ') {
                continue;
            }
            if let Some((k, v)) = line.split_once(':') {
                fields.insert(k.trim().to_owned(), v.trim().to_owned());
            }
        }
        let (Some(name), Some(version)) = (fields.get("Package"), fields.get("Version")) else {
            continue;
        };
        if !fields
            .get("Status")
            .is_some_and(|s| s.ends_with("installed"))
        {
            continue;
        }
        let (src_name, src_version) = match fields.get("Source") {
            Some(s) => match s.split_once(" (") {
                Some((n, v)) => (Some(n.to_owned()), Some(v.trim_end_matches(')').to_owned())),
                None => (Some(s.clone()), None),
            },
            None => (None, None),
        };
        let mut p = Package {
            ecosystem: Some(Ecosystem::Deb),
            name: name.clone(),
            version: version.clone(),
            source_name: src_name,
            source_version: src_version,
            arch: fields.get("Architecture").cloned(),
            maintainer: fields.get("Maintainer").cloned(),
            file_path: "var/lib/dpkg/status".into(),
            layer: Some(layer.clone()),
            installed_files: vec![format!("usr/share/doc/{name}/copyright")],
            ..Default::default()
        };
        p.purl = p.build_purl(Some(os));
        out.push(p);
    }
    out
}

/// The Alpine 3.10.9 minirootfs packages (apk `installed`), with their real licence strings.
pub fn alpine_packages(shared: &Path, os: &OsInfo, layer: &LayerRef) -> Vec<Package> {
    let db =
        std::fs::read_to_string(shared.join("pkgdb/alpine-minirootfs/3.10.9/lib/apk/db/installed"))
            .expect("apk installed db");
    let mut out = Vec::new();
    for para in db.split("\n\n") {
        let mut f = BTreeMap::new();
        for line in para.lines() {
            if let Some((k, v)) = line.split_once(':')
                && k.len() == 1
            {
                f.entry(k.to_owned()).or_insert_with(|| v.to_owned());
            }
        }
        let (Some(name), Some(version)) = (f.get("P"), f.get("V")) else {
            continue;
        };
        let mut p = Package {
            ecosystem: Some(Ecosystem::Apk),
            name: name.clone(),
            version: version.clone(),
            source_name: f.get("o").cloned(),
            arch: f.get("A").cloned(),
            licenses: f.get("L").map(|l| vec![l.clone()]).unwrap_or_default(),
            maintainer: f.get("m").cloned(),
            file_path: "lib/apk/db/installed".into(),
            layer: Some(layer.clone()),
            ..Default::default()
        };
        p.purl = p.build_purl(Some(os));
        out.push(p);
    }
    out
}

/// What a CVE JSON 5 record says.
pub struct CveRecord {
    pub title: Option<String>,
    pub description: String,
    pub cvss: Option<(String, f64)>,
    pub cvss_source: &'static str,
    pub cwes: Vec<String>,
    pub published: Option<String>,
    pub modified: Option<String>,
    pub references: Vec<String>,
    pub kev: bool,
}

pub fn cve_record(shared: &Path, id: &str) -> CveRecord {
    let parts: Vec<&str> = id.split('-').collect();
    let num = parts[2];
    let bucket = format!("{}xxx", &num[..num.len() - 3]);
    let path = shared.join(format!(
        "advisories/cve/cvelistV5/cves/{}/{bucket}/{id}.json",
        parts[1]
    ));
    let d: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("cve record"))
            .expect("cve json");
    let cna = &d["containers"]["cna"];
    let mut cvss = None;
    let mut cvss_source = "cve-cna";
    let metric_of = |m: &serde_json::Value| {
        m.get("cvssV3_1").or_else(|| m.get("cvssV3_0")).map(|c| {
            (
                c["vectorString"].as_str().expect("vector").to_owned(),
                c["baseScore"].as_f64().expect("score"),
            )
        })
    };
    for m in cna["metrics"].as_array().into_iter().flatten() {
        if let Some(c) = metric_of(m) {
            cvss = Some(c);
        }
    }
    let mut kev = false;
    for adp in d["containers"]["adp"].as_array().into_iter().flatten() {
        for m in adp["metrics"].as_array().into_iter().flatten() {
            if cvss.is_none()
                && let Some(c) = metric_of(m)
            {
                cvss = Some(c);
                cvss_source = "cisa-adp";
            }
            if m["other"]["type"] == "kev" {
                kev = true;
            }
        }
    }
    CveRecord {
        title: cna["title"].as_str().map(str::to_owned),
        description: cna["descriptions"][0]["value"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        cvss,
        cvss_source,
        cwes: cna["problemTypes"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|p| p["descriptions"].as_array().into_iter().flatten())
            .filter_map(|d| d["cweId"].as_str().map(str::to_owned))
            .collect(),
        published: d["cveMetadata"]["datePublished"]
            .as_str()
            .map(str::to_owned),
        modified: d["cveMetadata"]["dateUpdated"].as_str().map(str::to_owned),
        references: cna["references"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r["url"].as_str().map(str::to_owned))
            .take(5)
            .collect(),
        kev,
    }
}

/// What the Debian tracker record says: the title in brackets and the NOTE links.
pub fn tracker_record(shared: &Path, id: &str) -> (String, Vec<String>) {
    let year = id.split('-').nth(1).expect("year");
    let path = shared.join(format!(
        "advisories/debian/vuln-list-debian/tracker/CVE/{year}/{id}.json"
    ));
    let d: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("tracker record"))
            .expect("tracker json");
    let title = d["Header"]["Description"]
        .as_str()
        .unwrap_or_default()
        .trim_matches(['[', ']', '(', ')'])
        .to_owned();
    let refs = d["Annotations"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|a| a["Type"] == "NOTE")
        .filter_map(|a| a["Description"].as_str())
        .filter_map(|s| {
            s.split_whitespace()
                .find(|w| w.starts_with("https://"))
                .map(str::to_owned)
        })
        .collect();
    (title, refs)
}

fn debian_source() -> DataSource {
    DataSource {
        id: DataSourceId::DebianTracker,
        name: "Debian Security Tracker".into(),
        url: "https://salsa.debian.org/security-tracker-team/security-tracker".into(),
    }
}

fn ghsa_source() -> DataSource {
    DataSource {
        id: DataSourceId::Ghsa,
        name: "GitHub Security Advisory Database".into(),
        url: "https://github.com/advisories".into(),
    }
}

/// A finding for `pkg` from a Debian tracker record plus NVD CVSS data.
#[allow(clippy::too_many_arguments, reason = "a test fixture row")]
fn debian_finding(
    shared: &Path,
    pkg: &Package,
    id: &str,
    status: Status,
    urgency: &str,
    vendor: Severity,
    nvd: Cvss,
) -> Finding {
    let (title, references) = tracker_record(shared, id);
    let mut cvss = BTreeMap::new();
    cvss.insert("nvd".to_owned(), nvd);
    let mut vendor_severity = BTreeMap::new();
    vendor_severity.insert("debian".to_owned(), vendor);
    let mut vendor_urgency = BTreeMap::new();
    vendor_urgency.insert("debian".to_owned(), urgency.to_owned());
    Finding {
        id: id.into(),
        ecosystem: Some(Ecosystem::Deb),
        pkg_name: pkg.name.clone(),
        src_name: pkg.source_name.clone(),
        installed_version: pkg.version.clone(),
        purl: pkg.purl.clone(),
        pkg_path: pkg.file_path.clone(),
        status,
        severity: vendor,
        severity_source: Some("debian".into()),
        vendor_severity,
        vendor_urgency,
        cvss,
        title: Some(title),
        references,
        primary_url: Some(format!("https://security-tracker.debian.org/tracker/{id}")),
        layer: pkg.layer.clone(),
        data_sources: vec![debian_source()],
        vendor_status: (status == Status::WillNotFix).then(|| "ignored".to_owned()),
        // The chain the matcher writes (formats carry it: SARIF property bag, CycloneDX properties).
        match_details: Some(trawl_types::MatchDetails {
            analyzer: Some("os/dpkg".into()),
            file: pkg.file_path.clone(),
            layer: pkg.layer.as_ref().map(|l| l.diff_id.clone()),
            namespace: "Debian:12".into(),
            package: pkg.source_name.clone().unwrap_or_else(|| pkg.name.clone()),
            version: pkg.version.clone(),
            comparator: "debian".into(),
            records: vec![trawl_types::MatchedRecord {
                advisory: id.into(),
                source: trawl_types::DataSourceId::DebianTracker,
                namespace: "Debian:12".into(),
                matched_by: trawl_types::MatchedBy::Range,
                ranges: vec!["ECOSYSTEM >= 0".into()],
                status: Some(status),
                vendor_status: (status == Status::WillNotFix).then(|| "ignored".to_owned()),
                note: (status == Status::WillNotFix).then(|| "Minor issue".to_owned()),
                ..Default::default()
            }],
            status_reason: format!("no fix for {} in Debian:12: {status}", pkg.name),
        }),
        ..Default::default()
    }
}

/// A language finding from a CVE JSON 5 record and its GHSA alias.
#[allow(clippy::too_many_arguments, reason = "a test fixture row")]
fn lang_finding(
    shared: &Path,
    pkg: &Package,
    cve: &str,
    ghsa: &str,
    fixed: &str,
    v40: Option<(&str, f64)>,
) -> Finding {
    let rec = cve_record(shared, cve);
    let mut cvss = BTreeMap::new();
    let (vector, score) = rec.cvss.clone().expect("record has CVSS");
    let mut c = Cvss {
        v3_vector: Some(vector),
        v3_score: Some(score),
        ..Default::default()
    };
    if let Some((v, s)) = v40 {
        c.v40_vector = Some(v.to_owned());
        c.v40_score = Some(s);
    }
    cvss.insert("ghsa".to_owned(), c);
    let severity = Severity::from_cvss_score(score);
    let mut vendor_severity = BTreeMap::new();
    vendor_severity.insert("ghsa".to_owned(), severity);
    Finding {
        id: cve.into(),
        aliases: vec![ghsa.into()],
        ecosystem: pkg.ecosystem,
        pkg_name: pkg.name.clone(),
        installed_version: pkg.version.clone(),
        fixed_version: Some(fixed.into()),
        fixed_versions: vec![fixed.into()],
        purl: pkg.purl.clone(),
        pkg_path: pkg.file_path.clone(),
        status: Status::Fixed,
        severity,
        severity_source: Some("ghsa".into()),
        vendor_severity,
        cvss,
        kev: rec.kev,
        title: rec.title.clone().or_else(|| Some(rec.description.clone())),
        description: Some(rec.description.clone()),
        cwe_ids: rec.cwes.clone(),
        references: rec.references.clone(),
        primary_url: Some(format!("https://github.com/advisories/{ghsa}")),
        published: rec.published.clone(),
        modified: rec.modified.clone(),
        layer: pkg.layer.clone(),
        data_sources: vec![ghsa_source()],
        ..Default::default()
    }
}

fn lang_pkg(eco: Ecosystem, name: &str, version: &str, path: &str, layer: &LayerRef) -> Package {
    let mut p = Package {
        ecosystem: Some(eco),
        name: name.into(),
        version: version.into(),
        file_path: path.into(),
        layer: Some(layer.clone()),
        licenses: vec!["MIT".into()],
        ..Default::default()
    };
    p.purl = p.build_purl(None);
    p
}

pub fn bookworm_os() -> OsInfo {
    OsInfo {
        family: OsFamily::Debian,
        name: "12".into(),
        codename: Some("bookworm".into()),
        pretty_name: Some("Debian GNU/Linux 12 (bookworm)".into()),
        eosl: Some("2028-06-30".into()),
        eol: false,
    }
}

/// The full fixture: debian-bookworm-slim's real packages with the four unfixed Debian CVEs that hit it, an app
/// layer with npm, PyPI and Maven packages with their GHSA/CVE findings (one in CISA KEV), one VEX-suppressed and
/// one ignore-file-suppressed finding, a secret, a misconfiguration, a warning, unicode and table-breaking text.
pub fn full_report(shared: &Path) -> Report {
    let (status, config) = debian_image(shared);
    let os = bookworm_os();
    let base = LayerRef {
        index: 0,
        diff_id: DEBIAN_DIFF_ID.into(),
        digest: None,
        created_by: Some("debootstrap --variant=minbase bookworm".into()),
    };
    let app = LayerRef {
        index: 1,
        diff_id: APP_DIFF_ID.into(),
        digest: Some(
            "sha256:0b1c4cd6bd6a4d2a4f4ebbd5b0e3e9b5a7e6b24c5c3c2b1a0f9e8d7c6b5a4f3e".into(),
        ),
        created_by: Some("COPY app/ /app/ # buildkit".into()),
    };
    let pkgs = parse_dpkg(&status, &os, &base);
    let find = |n: &str| {
        pkgs.iter()
            .find(|p| p.name == n)
            .unwrap_or_else(|| panic!("{n} installed"))
            .clone()
    };

    let glibc_2023 = Cvss {
        v3_vector: Some("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H".into()),
        v3_score: Some(7.8),
        ..Default::default()
    };
    let glibc_2019 = Cvss {
        v3_vector: Some("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".into()),
        v3_score: Some(9.8),
        v2_vector: Some("AV:N/AC:L/Au:N/C:P/I:P/A:P".into()),
        v2_score: Some(7.5),
        ..Default::default()
    };
    let tar_2005 = Cvss {
        v2_vector: Some("AV:N/AC:L/Au:N/C:C/I:C/A:C".into()),
        v2_score: Some(10.0),
        ..Default::default()
    };
    let coreutils_2016 = Cvss {
        v3_vector: Some("CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:C/C:N/I:H/A:N".into()),
        v3_score: Some(6.5),
        v2_vector: Some("AV:L/AC:L/Au:N/C:N/I:P/A:N".into()),
        v2_score: Some(2.1),
        ..Default::default()
    };
    let mut os_vulns = Vec::new();
    let mut os_suppressed = Vec::new();
    for name in ["libc6", "libc-bin"] {
        let p = find(name);
        // Not yet triaged in bookworm: Debian has no urgency; severity from NVD.
        let mut f = debian_finding(
            shared,
            &p,
            "CVE-2023-4911",
            Status::Affected,
            "not yet assigned",
            Severity::High,
            glibc_2023.clone(),
        );
        f.vendor_severity.clear();
        f.severity_source = Some("nvd".into());
        os_vulns.push(f);
        let mut f = debian_finding(
            shared,
            &p,
            "CVE-2019-1010022",
            Status::Affected,
            "unimportant",
            Severity::Low,
            glibc_2019.clone(),
        );
        if name == "libc-bin" {
            // Suppressed by the YAML ignore file (by purl), kept for --show-suppressed.
            f.suppressed = Some(Suppression {
                kind: "ignore-file".into(),
                source: ".trivyignore.yaml".into(),
                statement: Some("ASLR bypass only — accepted until 2027-01-01".into()),
                vex_status: None,
            });
            os_suppressed.push(f);
        } else {
            os_vulns.push(f);
        }
    }
    let mut tar_finding = debian_finding(
        shared,
        &find("tar"),
        "CVE-2005-2541",
        Status::Affected,
        "unimportant",
        Severity::Low,
        tar_2005,
    );
    // NVD files this one under its placeholder CWE.
    tar_finding.cwe_ids = vec!["NVD-CWE-Other".into()];
    os_vulns.push(tar_finding);
    os_vulns.push(debian_finding(
        shared,
        &find("coreutils"),
        "CVE-2016-2781",
        Status::WillNotFix,
        "low",
        Severity::Low,
        coreutils_2016,
    ));
    // Suppressed by an OpenVEX statement: xz-utils in bookworm is not affected by the backdoor.
    let xz = find("liblzma5");
    let rec = cve_record(shared, "CVE-2024-3094");
    let (v, s) = rec.cvss.clone().expect("cvss");
    let mut xz_finding = debian_finding(
        shared,
        &xz,
        "CVE-2024-3094",
        Status::NotAffected,
        "",
        Severity::Critical,
        Cvss {
            v3_vector: Some(v),
            v3_score: Some(s),
            ..Default::default()
        },
    );
    xz_finding.description = Some(rec.description);
    xz_finding.suppressed = Some(Suppression {
        kind: "vex".into(),
        source: "vex/bookworm.openvex.json".into(),
        statement: Some("Vulnerable code not present".into()),
        vex_status: Some("not_affected".into()),
    });

    let mut os_result = ScanResult::new(
        "debian:bookworm-slim (debian 12)",
        ResultClass::OsPkgs,
        "debian",
    );
    os_result.packages = pkgs.clone();
    os_result.vulnerabilities = os_vulns;
    os_suppressed.push(xz_finding);
    os_result.suppressed = os_suppressed;

    // Application layer.
    let body_parser = lang_pkg(
        Ecosystem::Npm,
        "body-parser",
        "1.20.2",
        "app/package-lock.json",
        &app,
    );
    let express = lang_pkg(
        Ecosystem::Npm,
        "express",
        "4.19.2",
        "app/package-lock.json",
        &app,
    );
    let mut npm = ScanResult::new("app/package-lock.json", ResultClass::LangPkgs, "npm");
    npm.vulnerabilities = vec![lang_finding(
        shared,
        &body_parser,
        "CVE-2024-45590",
        "GHSA-qwcr-r2fm-qrc7",
        "1.20.3",
        Some((
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N",
            8.7,
        )),
    )];
    npm.packages = vec![body_parser, express];

    let urllib3 = lang_pkg(
        Ecosystem::PyPI,
        "urllib3",
        "2.2.1",
        "app/venv/lib/python3.11/site-packages/urllib3-2.2.1.dist-info/METADATA",
        &app,
    );
    let requests = lang_pkg(
        Ecosystem::PyPI,
        "requests",
        "2.31.0",
        "app/venv/lib/python3.11/site-packages/requests-2.31.0.dist-info/METADATA",
        &app,
    );
    let mut pypi = ScanResult::new("Python", ResultClass::LangPkgs, "python-pkg");
    let mut urllib3_finding = lang_finding(
        shared,
        &urllib3,
        "CVE-2024-37891",
        "GHSA-34jh-p97f-mpxf",
        "2.2.2",
        None,
    );
    // A title with characters that break tables and HTML.
    urllib3_finding.title =
        Some("urllib3's Proxy-Authorization | header <kept> on\ncross-origin redirects".into());
    pypi.vulnerabilities = vec![urllib3_finding];
    pypi.packages = vec![urllib3, requests];

    let spring = lang_pkg(
        Ecosystem::Maven,
        "org.springframework.cloud:spring-cloud-function-context",
        "3.2.2",
        "app/lib/spring-cloud-function-context-3.2.2.jar",
        &app,
    );
    let mut jar = ScanResult::new(
        "app/lib/spring-cloud-function-context-3.2.2.jar",
        ResultClass::LangPkgs,
        "jar",
    );
    let mut spring_finding = lang_finding(
        shared,
        &spring,
        "CVE-2022-22963",
        "GHSA-6v73-fgf6-w5j7",
        "3.2.3",
        None,
    );
    spring_finding.epss = Some(0.97);
    spring_finding.epss_percentile = Some(0.9999);
    spring_finding.severity = Severity::Critical;
    jar.vulnerabilities = vec![spring_finding];
    jar.packages = vec![spring];
    // A unicode package path.
    let mut uni = lang_pkg(
        Ecosystem::Npm,
        "ünïcødé-pkg",
        "1.0.0",
        "app/ünï cødé/package-lock.json",
        &app,
    );
    uni.licenses = vec!["Apache 2".into()];
    let mut uni_result = ScanResult::new(
        "app/ünï cødé/package-lock.json",
        ResultClass::LangPkgs,
        "npm",
    );
    uni_result.packages = vec![uni];

    let mut secrets = ScanResult::new("app/config/settings.env", ResultClass::Secret, "");
    secrets.secrets = vec![SecretFinding {
        rule_id: "aws-access-key-id".into(),
        category: "AWS".into(),
        severity: Severity::Critical,
        title: "AWS Access Key ID".into(),
        path: "app/config/settings.env".into(),
        start_line: 3,
        end_line: 3,
        redacted_match: "AWS_ACCESS_KEY_ID=********************".into(),
        layer: Some(app.clone()),
        suppressed: None,
    }];
    // A test fixture token the ignore file suppresses.
    secrets.suppressed_secrets = vec![SecretFinding {
        rule_id: "github-pat".into(),
        category: "GitHub".into(),
        severity: Severity::Critical,
        title: "GitHub Personal Access Token".into(),
        path: "app/config/settings.env".into(),
        start_line: 7,
        end_line: 7,
        redacted_match: "GITHUB_TOKEN=****************************************".into(),
        layer: Some(app.clone()),
        suppressed: Some(Suppression {
            kind: "ignore-file".into(),
            source: ".trivyignore".into(),
            statement: Some("revoked test token".into()),
            vex_status: None,
        }),
    }];
    let mut config_res = ScanResult::new("Dockerfile", ResultClass::Config, "dockerfile");
    config_res.misconfigurations = vec![
        Misconfiguration {
            id: "TRAWL-DS-0002".into(),
            file_type: ConfigFileType::Dockerfile,
            title: "Image user should not be 'root'".into(),
            description: "Running containers as root widens the impact of a container escape."
                .into(),
            resolution: "Add a USER instruction with a non-root user.".into(),
            severity: Severity::High,
            status: CheckStatus::Fail,
            message: "Specify at least 1 USER command in Dockerfile with non-root user as argument"
                .into(),
            path: "Dockerfile".into(),
            start_line: Some(1),
            end_line: Some(4),
            references: vec![
                "https://docs.docker.com/develop/develop-images/instructions/#user".into(),
            ],
            layer: None,
            suppressed: None,
        },
        Misconfiguration {
            id: "TRAWL-DS-0026".into(),
            file_type: ConfigFileType::Dockerfile,
            title: "No HEALTHCHECK defined".into(),
            description: "A HEALTHCHECK lets the runtime know the container works.".into(),
            resolution: "Add HEALTHCHECK.".into(),
            severity: Severity::Low,
            status: CheckStatus::Pass,
            message: String::new(),
            path: "Dockerfile".into(),
            start_line: None,
            end_line: None,
            references: vec![],
            layer: None,
            suppressed: None,
        },
    ];

    config_res.suppressed_misconfigurations = vec![Misconfiguration {
        id: "TRAWL-DS-0001".into(),
        file_type: ConfigFileType::Dockerfile,
        title: "':latest' tag used".into(),
        description: "A floating tag makes builds unreproducible.".into(),
        resolution: "Pin the base image by tag and digest.".into(),
        severity: Severity::Medium,
        status: CheckStatus::Fail,
        message: "Specify a tag in the 'FROM' statement for image 'debian'".into(),
        path: "Dockerfile".into(),
        start_line: Some(1),
        end_line: Some(1),
        references: vec![],
        layer: None,
        suppressed: Some(Suppression {
            kind: "ignore-file".into(),
            source: ".trivyignore".into(),
            statement: None,
            vex_status: None,
        }),
    }];

    let mut report = Report::new(Artifact {
        name: "debian:bookworm-slim".into(),
        artifact_type: ArtifactType::ContainerImage,
        image_id: Some(DEBIAN_IMAGE_ID.into()),
        repo_tags: vec!["debian:bookworm-slim".into()],
        repo_digests: vec![
            "debian@sha256:b4aa902587c2e61ce789849cb54c332b0400fe27b1ee33af4669e1f7e7c3e22f".into(),
        ],
        os: Some(os),
        layers: vec![
            LayerInfo {
                index: 0,
                diff_id: DEBIAN_DIFF_ID.into(),
                digest: None,
                created_by: base.created_by.clone(),
                size: Some(97_505_280),
                cached: true,
            },
            LayerInfo {
                index: 1,
                diff_id: APP_DIFF_ID.into(),
                digest: app.digest.clone(),
                created_by: app.created_by.clone(),
                size: Some(1024),
                cached: false,
            },
        ],
        image_config: Some(config.into()),
        base_image: None,
    });
    report.created_at = "2026-11-29T10:00:00Z".into();
    report.scanners = vec!["vuln".into(), "secret".into(), "misconfig".into()];
    report.results = vec![os_result, npm, pypi, jar, uni_result, secrets, config_res];
    report.warnings = vec![Warning {
        message: "app/broken/package-lock.json: expected value at line 1 column 1".into(),
        path: Some("app/broken/package-lock.json".into()),
        layer: Some(APP_DIFF_ID.into()),
    }];
    report.cache = Some(CacheStats { hits: 1, misses: 1 });
    report.policy = Some(PolicySummary {
        severities: vec![
            Severity::Unknown,
            Severity::Low,
            Severity::Medium,
            Severity::High,
            Severity::Critical,
        ],
        ignore_unfixed: false,
        skip_unreachable: false,
        ignore_statuses: vec![],
        ignore_file: Some(".trivyignore".into()),
        vex: vec!["vex/bookworm.openvex.json".into()],
        exit_code: 1,
        fail_on_new: false,
        failed: true,
    });
    report
}

/// An inventory-only report: the Alpine 3.10.9 minirootfs as a rootfs.
pub fn alpine_inventory(shared: &Path) -> Report {
    let os = OsInfo {
        family: OsFamily::Alpine,
        name: "3.10.9".into(),
        codename: None,
        pretty_name: Some("Alpine Linux v3.10".into()),
        eosl: Some("2021-05-01".into()),
        eol: true,
    };
    let layer = LayerRef {
        index: 0,
        diff_id: String::new(),
        digest: None,
        created_by: None,
    };
    let pkgs = alpine_packages(shared, &os, &layer);
    let mut r = ScanResult::new(
        "alpine-minirootfs-3.10.9 (alpine 3.10.9)",
        ResultClass::OsPkgs,
        "alpine",
    );
    r.packages = pkgs;
    let mut report = Report::new(Artifact {
        name: "alpine-minirootfs-3.10.9".into(),
        artifact_type: ArtifactType::Rootfs,
        os: Some(os),
        ..Default::default()
    });
    report.results = vec![r];
    report
}

/// Reports with nothing or odd content: must render without panicking, and stay valid.
pub fn odd_reports() -> Vec<(&'static str, Report)> {
    let empty = Report::new(Artifact::default());
    let mut no_os = Report::new(Artifact {
        name: "scratch-image".into(),
        ..Default::default()
    });
    let mut nameless = ScanResult::new("", ResultClass::LangPkgs, "");
    nameless.packages = vec![Package::default()];
    no_os.results = vec![nameless];
    no_os.scanners = vec!["vuln".into()];
    let mut weird = Report::new(Artifact {
        name: "reg.example:5000/ns/ímägé|pipe:tag@sha256:abc".into(),
        artifact_type: ArtifactType::Filesystem,
        ..Default::default()
    });
    let pkg = Package {
        name: "x|y<z>".into(),
        version: String::new(),
        ..Default::default()
    };
    let mut r = ScanResult::new("path with spaces/ü|&<>.lock", ResultClass::LangPkgs, "npm");
    r.vulnerabilities = vec![Finding {
        id: String::new(),
        pkg_name: "x|y<z>".into(),
        installed_version: String::new(),
        title: Some("\u{1}control\tchars\r\n and ]]> and \"quotes\"".into()),
        published: Some("not a date".into()),
        cwe_ids: vec!["NVD-CWE-Other".into()],
        ..Default::default()
    }];
    r.packages = vec![pkg.clone(), pkg];
    weird.results = vec![r];
    vec![("empty", empty), ("no-os", no_os), ("weird", weird)]
}

/// Runs a command and returns stdout; panics with its output when it fails.
pub fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `python3`, as CI installs the validators for it.
pub fn python() -> Command {
    Command::new("python3")
}

pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

pub fn schema_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schemas/trawl-report.schema.json")
}
