//! Every format rendered from real fixture reports and checked by its official validator or reference consumer:
//! the committed JSON Schema (native json), `jq` queries from Trivy users' scripts (trivy-json), the OASIS SARIF
//! 2.1.0 schema and Microsoft's SARIF Multitool (sarif), cyclonedx-python-lib's strict 1.6 validator (cyclonedx),
//! pyspdxtools (spdx-json), a GFM renderer (markdown), an XML parser (junit). Plus: several formats carry identical
//! findings, and odd reports never panic.

mod common;

use common::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use trawl_report::{GateInfo, RenderOptions, Report, ReportFormat, render_to_string};
use trawl_types::Severity;

fn opts() -> RenderOptions {
    RenderOptions {
        list_all_pkgs: true,
        show_suppressed: true,
        ..Default::default()
    }
}

fn write_tmp(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write temp file");
    // For a human look at the outputs: TRAWL_REPORT_DUMP=/some/dir cargo nextest run -p trawl-report
    if let Some(d) = std::env::var_os("TRAWL_REPORT_DUMP") {
        let _ = std::fs::create_dir_all(&d);
        let _ = std::fs::write(Path::new(&d).join(name), text);
    }
    p
}

fn render(f: ReportFormat, r: &Report) -> String {
    render_to_string(f, r, &opts()).unwrap_or_else(|e| panic!("render {f}: {e}"))
}

/// Validates JSON files against a JSON Schema with python `jsonschema` (format checks on).
fn jsonschema_validate(schema: &Path, files: &[PathBuf]) {
    let script = r#"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
cls = jsonschema.validators.validator_for(schema)
cls.check_schema(schema)
v = cls(schema, format_checker=cls.FORMAT_CHECKER)
bad = 0
for f in sys.argv[2:]:
    for e in v.iter_errors(json.load(open(f))):
        bad += 1
        print(f, "/".join(map(str, e.absolute_path)), e.message[:300])
sys.exit(1 if bad else 0)
"#;
    let mut cmd = python();
    cmd.arg("-c").arg(script).arg(schema).args(files);
    run(&mut cmd);
}

/// (ID, package, installed version) of every surviving vulnerability of a report.
fn model_findings(r: &Report) -> BTreeSet<(String, String, String)> {
    r.findings()
        .map(|(_, f)| {
            (
                f.id.clone(),
                f.pkg_name.clone(),
                f.installed_version.clone(),
            )
        })
        .collect()
}

#[test]
fn native_json_validates_against_the_committed_schema_and_round_trips() {
    let shared = trawl_test::require_shared_data!();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut files = Vec::new();
    let full = full_report(&shared);
    let mut reports = vec![
        ("full".to_owned(), full.clone()),
        ("alpine".to_owned(), alpine_inventory(&shared)),
    ];
    reports.extend(odd_reports().into_iter().map(|(n, r)| (n.to_owned(), r)));
    for (name, r) in &reports {
        let text = render(ReportFormat::Json, r);
        files.push(write_tmp(dir.path(), &format!("{name}.json"), &text));
        // The JSON is the model: it reads back into the same report (minus installed_files, never written).
        let back: Report = serde_json::from_str(&text).expect("native json reads back");
        let mut expected = r.clone();
        expected.strip_installed_files();
        assert_eq!(back, expected, "{name}: round trip");
        assert!(
            !text.contains("installed_files"),
            "{name}: installed_files leaked into the report"
        );
    }
    jsonschema_validate(&schema_path(), &files);

    // The schema is not a rubber stamp: a report with a bad severity and an unknown key fails it.
    let mut v: serde_json::Value =
        serde_json::from_str(&render(ReportFormat::Json, &full)).expect("json");
    v["results"][0]["vulnerabilities"][0]["severity"] = "SEVERE".into();
    v["results"][0]["surprise"] = true.into();
    let bad = write_tmp(dir.path(), "bad.json", &v.to_string());
    let out = python()
        .arg("-c")
        .arg("import json,sys,jsonschema; s=json.load(open(sys.argv[1])); print(len(list(jsonschema.Draft202012Validator(s).iter_errors(json.load(open(sys.argv[2]))))))")
        .arg(schema_path())
        .arg(&bad)
        .output()
        .expect("python");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "2",
        "the schema must reject both faults"
    );
}

fn jq(file: &Path, query: &str) -> Vec<String> {
    let mut cmd = Command::new("jq");
    cmd.arg("-r").arg(query).arg(file);
    run(&mut cmd).lines().map(str::to_owned).collect()
}

#[test]
fn trivy_json_answers_the_usual_jq_queries() {
    let shared = trawl_test::require_shared_data!();
    let r = full_report(&shared);
    let dir = tempfile::tempdir().expect("tempdir");
    let f = write_tmp(
        dir.path(),
        "trivy.json",
        &render(ReportFormat::TrivyJson, &r),
    );

    assert_eq!(jq(&f, ".SchemaVersion"), ["2"]);
    assert_eq!(jq(&f, ".ArtifactName"), ["debian:bookworm-slim"]);
    assert_eq!(jq(&f, ".ArtifactType"), ["container_image"]);
    assert_eq!(jq(&f, ".Metadata.OS.Family"), ["debian"]);
    assert_eq!(jq(&f, ".Metadata.OS.Name"), ["12"]);
    assert_eq!(jq(&f, ".Metadata.ImageID"), [DEBIAN_IMAGE_ID]);
    assert_eq!(jq(&f, ".Metadata.DiffIDs[]"), [DEBIAN_DIFF_ID, APP_DIFF_ID]);
    assert_eq!(jq(&f, ".Metadata.RepoTags[]"), ["debian:bookworm-slim"]);
    assert_eq!(jq(&f, ".Metadata.ImageConfig.architecture"), ["amd64"]);
    assert_eq!(
        jq(&f, ".Results[] | select(.Class==\"os-pkgs\") | .Target"),
        ["debian:bookworm-slim (debian 12)"]
    );

    // Critical IDs, as users list them to fail a build.
    let crit: BTreeSet<String> = jq(
        &f,
        ".Results[].Vulnerabilities[]? | select(.Severity==\"CRITICAL\") | .VulnerabilityID",
    )
    .into_iter()
    .collect();
    let expected: BTreeSet<String> = r
        .findings()
        .filter(|(_, f)| f.severity == Severity::Critical)
        .map(|(_, f)| f.id.clone())
        .collect();
    assert_eq!(crit, expected);
    assert!(!crit.is_empty());

    // Totals.
    let total = r.findings().count().to_string();
    assert_eq!(
        jq(&f, "[.Results[].Vulnerabilities // [] | length] | add"),
        std::slice::from_ref(&total)
    );
    assert_eq!(jq(&f, "[.Results[].Vulnerabilities[]?] | length"), [total]);
    let high = r
        .findings()
        .filter(|(_, f)| f.severity == Severity::High)
        .count()
        .to_string();
    assert_eq!(
        jq(
            &f,
            "[.Results[].Vulnerabilities[]? | select(.Severity == \"HIGH\")] | length"
        ),
        [high]
    );

    // A typical CSV line per finding.
    let rows = jq(
        &f,
        ".Results[] | .Target as $t | .Vulnerabilities[]? | [$t, .PkgName, .InstalledVersion, .VulnerabilityID, .Severity, (.FixedVersion // \"\")] | @csv",
    );
    assert_eq!(rows.len(), r.findings().count());
    assert!(rows.contains(
        &"\"app/package-lock.json\",\"body-parser\",\"1.20.2\",\"CVE-2024-45590\",\"HIGH\",\"1.20.3\"".to_owned()
    ));
    // Fixable only.
    let fixable: BTreeSet<String> = jq(&f, ".Results[].Vulnerabilities[]? | select(.FixedVersion != null and .FixedVersion != \"\") | .VulnerabilityID").into_iter().collect();
    let expected: BTreeSet<String> = r
        .findings()
        .filter(|(_, f)| f.fixed_version.is_some())
        .map(|(_, f)| f.id.clone())
        .collect();
    assert_eq!(fixable, expected);
    // NVD CVSS v3 score, as DefectDojo reads it.
    assert_eq!(
        jq(
            &f,
            ".Results[].Vulnerabilities[]? | select(.VulnerabilityID==\"CVE-2023-4911\" and .PkgName==\"libc6\") | .CVSS.nvd.V3Score"
        ),
        ["7.8"]
    );
    assert_eq!(
        jq(
            &f,
            ".Results[].Vulnerabilities[]? | select(.VulnerabilityID==\"CVE-2016-2781\") | [.Status, (.VendorSeverity.debian|tostring), .SeveritySource, .Layer.DiffID] | join(\" \")"
        ),
        [format!("will_not_fix 1 debian {DEBIAN_DIFF_ID}")]
    );
    assert_eq!(
        jq(
            &f,
            ".Results[].Vulnerabilities[]? | select(.PkgName==\"libc6\") | .PkgIdentifier.PURL"
        )[0],
        "pkg:deb/debian/libc6@2.36-9%2Bdeb12u14?arch=amd64&distro=debian-12&upstream=glibc"
    );
    // Packages with --list-all-pkgs, secrets and misconfigurations in Trivy's places.
    let n_pkgs = r.results[0].packages.len().to_string();
    assert_eq!(
        jq(
            &f,
            ".Results[] | select(.Class==\"os-pkgs\") | .Packages | length"
        ),
        [n_pkgs]
    );
    assert_eq!(
        jq(&f, ".Results[].Secrets[]? | .RuleID"),
        ["aws-access-key-id"]
    );
    assert_eq!(
        jq(
            &f,
            ".Results[].Misconfigurations[]? | select(.Status==\"FAIL\") | .ID"
        ),
        ["TRAWL-DS-0002"]
    );
    assert_eq!(
        jq(
            &f,
            ".Results[] | select(.Class==\"config\") | .MisconfSummary.Failures"
        ),
        ["1"]
    );
    assert_eq!(
        jq(
            &f,
            "[.Results[].ExperimentalModifiedFindings[]? | .Status] | sort | join(\",\")"
        ),
        ["ignored,ignored,ignored,not_affected"]
    );

    // What importers (DefectDojo's Trivy parser) rely on: the five severity words everywhere, `CWE-<n>` IDs
    // first in CweIDs, References as a list, Secrets and Misconfigurations with their Severity.
    assert_eq!(
        jq(
            &f,
            "[.Results[] | (.Vulnerabilities // [])[], (.Misconfigurations // [])[], (.Secrets // [])[] | .Severity] | all(. as $s | [\"UNKNOWN\",\"LOW\",\"MEDIUM\",\"HIGH\",\"CRITICAL\"] | index($s) != null)"
        ),
        ["true"]
    );
    assert_eq!(
        jq(
            &f,
            "[.Results[].Vulnerabilities[]? | .CweIDs[]?] | all(test(\"^CWE-[0-9]+$\"))"
        ),
        ["true"]
    );
    assert_eq!(
        jq(
            &f,
            "[.Results[].Vulnerabilities[]? | .CweIDs[0]?] | map(select(. != null)) | length"
        ),
        ["3"]
    );
    assert_eq!(
        jq(
            &f,
            "[.Results[].Vulnerabilities[]? | (.References // []) | type] | unique | join(\",\")"
        ),
        ["array"]
    );

    // A rootfs is a `filesystem` artifact for Trivy; an inventory has Packages but no Vulnerabilities.
    let inv = write_tmp(
        dir.path(),
        "rootfs.json",
        &render(ReportFormat::TrivyJson, &alpine_inventory(&shared)),
    );
    assert_eq!(jq(&inv, ".ArtifactType"), ["filesystem"]);
    assert_eq!(jq(&inv, ".Results[0].Packages | length"), ["14"]);
    assert_eq!(
        jq(&inv, ".Results[0] | has(\"Vulnerabilities\")"),
        ["false"]
    );

    // Packages are always there (Trivy's default); suppressed findings only with --show-suppressed.
    let plain =
        render_to_string(ReportFormat::TrivyJson, &r, &RenderOptions::default()).expect("render");
    let g = write_tmp(dir.path(), "plain.json", &plain);
    let with_pkgs = r
        .results
        .iter()
        .filter(|r| !r.packages.is_empty())
        .count()
        .to_string();
    assert_eq!(
        jq(&g, "[.Results[] | select(has(\"Packages\"))] | length"),
        [with_pkgs]
    );
    assert_eq!(
        jq(
            &g,
            "[.Results[] | select(has(\"ExperimentalModifiedFindings\"))] | length"
        ),
        ["0"]
    );
}

/// The vendored OASIS SARIF 2.1.0 schema (from npm @microsoft/sarif-multitool-linux, MIT).
fn sarif_schema() -> PathBuf {
    data_dir().join("sarif-schema-2.1.0.json")
}

/// Microsoft's SARIF Multitool, installed by `.ci/setup.d/40-report.sh`.
fn multitool() -> Option<PathBuf> {
    let p = std::env::var_os("TRAWL_SARIF_MULTITOOL").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from("/opt/trawl-report-tools/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool")
    });
    if p.is_file() {
        return Some(p);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "SARIF Multitool missing at {} (CI installs it)",
        p.display()
    );
    None
}

#[test]
fn sarif_validates_against_the_official_schema_and_multitool() {
    let shared = trawl_test::require_shared_data!();
    let dir = tempfile::tempdir().expect("tempdir");
    let full = full_report(&shared);
    let mut files = Vec::new();
    let mut reports = vec![
        ("full", full.clone()),
        ("alpine", alpine_inventory(&shared)),
    ];
    reports.extend(odd_reports());
    for (name, r) in &reports {
        files.push(write_tmp(
            dir.path(),
            &format!("{name}.sarif"),
            &render(ReportFormat::Sarif, r),
        ));
    }
    jsonschema_validate(&sarif_schema(), &files);

    let text = render(ReportFormat::Sarif, &full);
    let v: serde_json::Value = serde_json::from_str(&text).expect("sarif json");
    let run0 = &v["runs"][0];
    // Why each finding matched travels in the result's property bag, as the native `match` object.
    let coreutils = run0["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["ruleId"] == "CVE-2016-2781")
        .expect("coreutils result");
    assert_eq!(coreutils["properties"]["vendorStatus"], "ignored");
    assert_eq!(coreutils["properties"]["match"]["namespace"], "Debian:12");
    assert_eq!(
        coreutils["properties"]["match"]["records"][0]["note"],
        "Minor issue"
    );
    let rules = run0["rules"]
        .as_array()
        .or(run0["tool"]["driver"]["rules"].as_array())
        .expect("rules");
    // One rule per vulnerability ID, with help and a security-severity that agrees with the severity.
    let ids: Vec<&str> = rules.iter().filter_map(|r| r["id"].as_str()).collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(ids.len(), unique.len(), "rule IDs are unique");
    for rule in rules {
        let sev: f64 = rule["properties"]["security-severity"]
            .as_str()
            .expect("security-severity")
            .parse()
            .expect("number");
        assert!((0.0..=10.0).contains(&sev));
        assert!(
            rule["help"]["markdown"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
        assert!(rule["help"]["text"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let rule = |id: &str| {
        rules
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("rule {id}"))
    };
    // glibc CVE-2023-4911: HIGH by NVD 7.8 -> the CVSS score itself.
    assert_eq!(
        rule("CVE-2023-4911")["properties"]["security-severity"],
        "7.8"
    );
    // tar CVE-2005-2541: Debian says LOW (unimportant) although NVD v2 says 10.0 -> LOW band, not 10.
    assert_eq!(
        rule("CVE-2005-2541")["properties"]["security-severity"],
        "2.0"
    );
    assert_eq!(
        rule("CVE-2005-2541")["defaultConfiguration"]["level"],
        "note"
    );
    assert_eq!(
        rule("CVE-2022-22963")["properties"]["security-severity"],
        "9.8"
    );
    // Results: one per finding plus the secret and the failed check; fingerprints are unique.
    let results = run0["results"].as_array().expect("results");
    // Findings, the secret, the failed check and (--show-suppressed) the 2 suppressed findings, the suppressed
    // secret and the suppressed check.
    assert_eq!(results.len(), full.findings().count() + 2 + 4);
    let fps: BTreeSet<&str> = results
        .iter()
        .filter_map(|r| r["partialFingerprints"]["primaryLocationLineHash"].as_str())
        .collect();
    assert_eq!(fps.len(), results.len());
    // OS packages of an image are located at the image name, language packages at their file.
    let uri_of = |id: &str| -> Vec<String> {
        results
            .iter()
            .filter(|r| r["ruleId"] == id)
            .map(|r| {
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned()
            })
            .collect()
    };
    assert_eq!(
        uri_of("CVE-2023-4911"),
        ["library/debian", "library/debian"]
    );
    assert_eq!(uri_of("CVE-2024-45590"), ["app/package-lock.json"]);
    assert_eq!(uri_of("aws-access-key-id"), ["app/config/settings.env"]);
    // With --show-suppressed the suppressed findings come along, marked as accepted suppressions.
    let suppressed: Vec<&serde_json::Value> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 4);
    assert!(
        suppressed
            .iter()
            .all(|r| r["suppressions"][0]["status"] == "accepted")
    );
    let plain =
        render_to_string(ReportFormat::Sarif, &full, &RenderOptions::default()).expect("sarif");
    assert!(!plain.contains("\"suppressions\""));

    if let Some(tool) = multitool() {
        for (i, f) in files.iter().enumerate() {
            let out_file = dir.path().join(format!("validation-{i}.sarif"));
            let out = Command::new(&tool)
                .env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
                .arg("validate")
                .arg("--json-schema")
                .arg(sarif_schema())
                .arg("--output")
                .arg(&out_file)
                .arg(f)
                .output()
                .expect("run Sarif.Multitool");
            let log: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&out_file).expect("validation log"))
                    .expect("json");
            let errors: Vec<&serde_json::Value> = log["runs"][0]["results"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|r| r["level"] == "error")
                .collect();
            assert!(
                errors.is_empty() && out.status.success(),
                "Multitool rejects {}: {}\n{}",
                f.display(),
                serde_json::to_string_pretty(&errors).unwrap_or_default(),
                String::from_utf8_lossy(&out.stdout)
            );
        }
    }
}

fn cyclonedx_validate(files: &[PathBuf]) {
    let script = r#"
import sys
from cyclonedx.validation.json import JsonStrictValidator
from cyclonedx.schema import SchemaVersion
v = JsonStrictValidator(SchemaVersion.V1_6)
bad = 0
for f in sys.argv[1:]:
    err = v.validate_str(open(f).read())
    if err is not None:
        bad += 1
        print(f, repr(err)[:2000])
sys.exit(1 if bad else 0)
"#;
    let mut cmd = python();
    cmd.arg("-c").arg(script).args(files);
    run(&mut cmd);
}

#[test]
fn cyclonedx_passes_the_official_1_6_validator() {
    let shared = trawl_test::require_shared_data!();
    let dir = tempfile::tempdir().expect("tempdir");
    let full = full_report(&shared);
    let alpine = alpine_inventory(&shared);
    let mut files = Vec::new();
    let mut reports = vec![("full", full.clone()), ("alpine", alpine.clone())];
    reports.extend(odd_reports());
    for (name, r) in &reports {
        files.push(write_tmp(
            dir.path(),
            &format!("{name}.cdx.json"),
            &render(ReportFormat::Cyclonedx, r),
        ));
    }
    cyclonedx_validate(&files);

    let v: serde_json::Value =
        serde_json::from_str(&render(ReportFormat::Cyclonedx, &full)).expect("json");
    assert_eq!(v["specVersion"], "1.6");
    // Why each finding matched: `trawl:match:*` properties on the vulnerability.
    let props: Vec<(String, String)> = v["vulnerabilities"]
        .as_array()
        .expect("vulnerabilities")
        .iter()
        .filter(|x| x["id"] == "CVE-2016-2781")
        .flat_map(|x| x["properties"].as_array().cloned().unwrap_or_default())
        .map(|p| {
            (
                p["name"].as_str().unwrap_or_default().to_owned(),
                p["value"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    for (name, value) in [
        ("trawl:vendor_status", "ignored"),
        ("trawl:match:namespace", "Debian:12"),
        ("trawl:match:comparator", "debian"),
        (
            "trawl:match:record",
            "CVE-2016-2781 debian-tracker Debian:12 range; ECOSYSTEM >= 0",
        ),
    ] {
        assert!(
            props.iter().any(|(n, v)| n == name && v == value),
            "{name}={value} not in {props:?}"
        );
    }
    assert_eq!(v["metadata"]["component"]["type"], "container");
    let comps = v["components"].as_array().expect("components");
    // Every package is a component with its purl; bom-refs are unique and every reference resolves.
    let refs: BTreeSet<&str> = comps.iter().filter_map(|c| c["bom-ref"].as_str()).collect();
    assert_eq!(refs.len(), comps.len());
    let n_pkgs: usize = full.results.iter().map(|r| r.packages.len()).sum();
    assert_eq!(
        comps.iter().filter(|c| c["type"] == "library").count(),
        n_pkgs
    );
    assert!(comps.iter().any(|c| c["purl"]
        == "pkg:deb/debian/libc6@2.36-9%2Bdeb12u14?arch=amd64&distro=debian-12&upstream=glibc"));
    let mut all_refs = refs.clone();
    let root_ref = v["metadata"]["component"]["bom-ref"]
        .as_str()
        .expect("root ref");
    all_refs.insert(root_ref);
    for d in v["dependencies"].as_array().expect("dependencies") {
        assert!(all_refs.contains(d["ref"].as_str().expect("ref")));
        for dep in d["dependsOn"].as_array().expect("dependsOn") {
            assert!(
                all_refs.contains(dep.as_str().expect("dep")),
                "dangling dependsOn {dep}"
            );
        }
    }
    // Vulnerabilities: affects point at components; suppressed ones carry an analysis.
    let vulns = v["vulnerabilities"].as_array().expect("vulnerabilities");
    for vu in vulns {
        for a in vu["affects"].as_array().expect("affects") {
            assert!(
                refs.contains(a["ref"].as_str().expect("ref")),
                "affects unknown {}",
                a["ref"]
            );
        }
    }
    let xz = vulns
        .iter()
        .find(|v| v["id"] == "CVE-2024-3094")
        .expect("suppressed xz finding listed");
    assert_eq!(xz["analysis"]["state"], "not_affected");
    let glibc = vulns
        .iter()
        .find(|v| v["id"] == "CVE-2023-4911")
        .expect("glibc finding");
    assert_eq!(
        glibc["affects"].as_array().map(Vec::len),
        Some(2),
        "libc6 and libc-bin in one entry"
    );
    assert!(
        glibc["ratings"]
            .as_array()
            .expect("ratings")
            .iter()
            .any(|r| r["method"] == "CVSSv31" && r["score"] == 7.8)
    );
    // Inventory only: no vulnerabilities section at all.
    let inv: serde_json::Value =
        serde_json::from_str(&render(ReportFormat::Cyclonedx, &alpine)).expect("json");
    assert!(inv.get("vulnerabilities").is_none());
    assert!(
        inv["components"]
            .as_array()
            .expect("components")
            .iter()
            .any(|c| c["type"] == "operating-system")
    );
}

#[test]
fn spdx_passes_pyspdxtools() {
    let shared = trawl_test::require_shared_data!();
    let dir = tempfile::tempdir().expect("tempdir");
    let full = full_report(&shared);
    let alpine = alpine_inventory(&shared);
    let mut reports = vec![("full", full.clone()), ("alpine", alpine.clone())];
    reports.extend(odd_reports());
    let mut namespaces = BTreeSet::new();
    for (name, r) in &reports {
        let text = render(ReportFormat::SpdxJson, r);
        let v: serde_json::Value = serde_json::from_str(&text).expect("spdx json");
        namespaces.insert(
            v["documentNamespace"]
                .as_str()
                .expect("namespace")
                .to_owned(),
        );
        let f = write_tmp(dir.path(), &format!("{name}.spdx.json"), &text);
        let mut cmd = Command::new("pyspdxtools");
        cmd.arg("-i").arg(&f);
        let out = run(&mut cmd);
        assert!(!out.to_lowercase().contains("invalid"), "{name}: {out}");
    }
    assert_eq!(
        namespaces.len(),
        reports.len(),
        "document namespaces are unique"
    );

    let v: serde_json::Value =
        serde_json::from_str(&render(ReportFormat::SpdxJson, &alpine)).expect("json");
    let pkgs = v["packages"].as_array().expect("packages");
    let musl = pkgs.iter().find(|p| p["name"] == "musl").expect("musl");
    assert_eq!(musl["licenseDeclared"], "MIT");
    assert_eq!(
        musl["externalRefs"][0]["referenceLocator"],
        "pkg:apk/alpine/musl@1.1.22-r4?arch=x86_64&distro=alpine-3.10.9"
    );
    // apk writes `GPL-2.0` (a deprecated ID): canonicalised, never passed through invalid.
    let busybox = pkgs
        .iter()
        .find(|p| p["name"] == "busybox")
        .expect("busybox");
    assert_eq!(busybox["licenseDeclared"], "GPL-2.0-only");
    let described: Vec<&serde_json::Value> = v["relationships"]
        .as_array()
        .expect("rels")
        .iter()
        .filter(|r| r["relationshipType"] == "DESCRIBES")
        .collect();
    assert_eq!(described.len(), 1);
    // Every package but the root is contained by something.
    let contained: BTreeSet<&str> = v["relationships"]
        .as_array()
        .expect("rels")
        .iter()
        .filter(|r| r["relationshipType"] == "CONTAINS")
        .filter_map(|r| r["relatedSpdxElement"].as_str())
        .collect();
    assert_eq!(contained.len(), pkgs.len() - 1);
}

/// Renders GFM with markdown-it-py (tables on) and returns the HTML.
fn gfm_html(dir: &Path, md: &str) -> String {
    let f = write_tmp(dir, "summary.md", md);
    let mut cmd = python();
    cmd.arg("-c")
        .arg("import sys; from markdown_it import MarkdownIt; md = MarkdownIt('commonmark', {'html': True}).enable('table'); sys.stdout.write(md.render(open(sys.argv[1], encoding='utf-8').read()))")
        .arg(f);
    run(&mut cmd)
}

#[test]
fn markdown_summary_is_valid_gfm_with_failing_findings_first() {
    let shared = trawl_test::require_shared_data!();
    let dir = tempfile::tempdir().expect("tempdir");
    let full = full_report(&shared);
    let gate = GateInfo {
        severities: [Severity::High, Severity::Critical].into_iter().collect(),
        new_only: false,
    };
    let o = RenderOptions {
        gate: Some(gate.clone()),
        show_suppressed: true,
        ..Default::default()
    };
    let md = render_to_string(ReportFormat::Markdown, &full, &o).expect("markdown");

    // Every table row has as many cells as its header (no stray `|` from advisory text).
    let mut expected_cells: Option<usize> = None;
    for line in md.lines() {
        if !line.starts_with('|') {
            expected_cells = None;
            continue;
        }
        let cells = count_cells(line);
        match expected_cells {
            None => expected_cells = Some(cells),
            Some(n) => assert_eq!(cells, n, "row has {cells} cells, header {n}: {line}"),
        }
    }
    // The GFM renderer sees tables (no raw `|` rows left as paragraphs) and no injected HTML.
    let html = gfm_html(dir.path(), &md);
    assert!(html.matches("<table>").count() >= 4, "{html}");
    for p in html.split("<p>").skip(1) {
        let para = p.split("</p>").next().unwrap_or("");
        assert!(
            !para.trim_start().starts_with('|'),
            "raw table row rendered as text: {para}"
        );
    }
    assert!(
        !html.contains("<kept>"),
        "advisory text must not inject HTML"
    );

    // The failing findings come first, with their fixed versions, before the collapsed per-target details.
    let failing_at = md
        .find("Findings that fail the gate")
        .expect("failing section");
    let details_at = md.find("<details>").expect("details");
    assert!(failing_at < details_at);
    let failing_section = &md[failing_at..details_at];
    let failing: Vec<_> = full
        .findings()
        .filter(|(r, f)| gate.fails(&r.target, f, None))
        .collect();
    assert!(failing.len() >= 4);
    for (_, f) in &failing {
        assert!(
            failing_section.contains(&f.id),
            "{} missing from failing section",
            f.id
        );
    }
    assert!(failing_section.contains("1.20.3"), "fixed version shown");
    assert!(
        !failing_section.contains("CVE-2005-2541"),
        "LOW findings do not fail a HIGH,CRITICAL gate"
    );
    assert!(md.contains("### Secrets"));
    assert!(md.contains("### Misconfigurations"));
    assert!(md.contains("Suppressed (4)"));

    // Gate from the report's own policy when none is given: exit-code 1 with every severity -> all fail.
    let md2 = render_to_string(ReportFormat::Markdown, &full, &RenderOptions::default())
        .expect("markdown");
    // 8 vulnerabilities + the secret + the failed check.
    let want = format!("**Gate failed**: {} findings", full.findings().count() + 2);
    assert!(md2.contains(&want), "{md2}");
}

/// Cells in a GFM table row: unescaped `|` separators minus the outer ones.
fn count_cells(line: &str) -> usize {
    let mut n = 0;
    let mut prev = ' ';
    for c in line.chars() {
        if c == '|' && prev != '\\' {
            n += 1;
        }
        prev = if prev == '\\' && c == '\\' { ' ' } else { c };
    }
    n - 1
}

/// Extracts (ID, package, version) triples from each format that lists findings, to compare with the model.
#[test]
fn every_format_carries_the_same_findings() {
    let shared = trawl_test::require_shared_data!();
    let full = full_report(&shared);
    let want = model_findings(&full);
    assert_eq!(want.len(), 8);

    let native: serde_json::Value =
        serde_json::from_str(&render(ReportFormat::Json, &full)).expect("json");
    let mut got = BTreeSet::new();
    for r in native["results"].as_array().expect("results") {
        for f in r["vulnerabilities"].as_array().expect("vulns") {
            got.insert(triple(&f["id"], &f["pkg_name"], &f["installed_version"]));
        }
    }
    assert_eq!(got, want, "json");

    let trivy: serde_json::Value =
        serde_json::from_str(&render(ReportFormat::TrivyJson, &full)).expect("json");
    let mut got = BTreeSet::new();
    for r in trivy["Results"].as_array().expect("results") {
        for f in r["Vulnerabilities"].as_array().into_iter().flatten() {
            got.insert(triple(
                &f["VulnerabilityID"],
                &f["PkgName"],
                &f["InstalledVersion"],
            ));
        }
    }
    assert_eq!(got, want, "trivy-json");

    let sarif: serde_json::Value =
        serde_json::from_str(&render(ReportFormat::Sarif, &full)).expect("json");
    let mut got = BTreeSet::new();
    for r in sarif["runs"][0]["results"].as_array().expect("results") {
        if r.get("suppressions").is_some() {
            continue;
        }
        let msg = r["message"]["text"].as_str().expect("text");
        if let (Some(pkg), Some(ver)) = (field(msg, "Package: "), field(msg, "Installed Version: "))
        {
            got.insert((r["ruleId"].as_str().expect("id").to_owned(), pkg, ver));
        }
    }
    assert_eq!(got, want, "sarif");

    let cdx: serde_json::Value =
        serde_json::from_str(&render(ReportFormat::Cyclonedx, &full)).expect("json");
    let comps = cdx["components"].as_array().expect("components");
    let mut got = BTreeSet::new();
    for v in cdx["vulnerabilities"].as_array().expect("vulns") {
        if v.get("analysis").is_some() {
            continue; // suppressed
        }
        for a in v["affects"].as_array().expect("affects") {
            let c = comps
                .iter()
                .find(|c| c["bom-ref"] == a["ref"])
                .expect("component");
            got.insert(triple(&v["id"], &c["name"], &c["version"]));
        }
    }
    assert_eq!(got, want, "cyclonedx");

    let gl: serde_json::Value =
        serde_json::from_str(&render(ReportFormat::Gitlab, &full)).expect("json");
    let mut got = BTreeSet::new();
    for v in gl["vulnerabilities"].as_array().expect("vulns") {
        got.insert(triple(
            &v["identifiers"][0]["value"],
            &v["location"]["dependency"]["package"]["name"],
            &v["location"]["dependency"]["version"],
        ));
    }
    assert_eq!(got, want, "gitlab");

    let junit =
        render_to_string(ReportFormat::Junit, &full, &RenderOptions::default()).expect("junit");
    let mut got = BTreeSet::new();
    for f in full.findings().map(|(_, f)| f) {
        let case = format!(
            "classname=\"{}-{}\" name=\"[{}] {}\"",
            f.pkg_name, f.installed_version, f.severity, f.id
        );
        if junit.contains(&case) {
            got.insert((
                f.id.clone(),
                f.pkg_name.clone(),
                f.installed_version.clone(),
            ));
        }
    }
    assert_eq!(got, want, "junit");
    assert_eq!(
        junit.matches("<failure ").count(),
        want.len() + 2,
        "findings + secret + failed check"
    );

    let table =
        render_to_string(ReportFormat::Table, &full, &RenderOptions::default()).expect("table");
    for (id, pkg, ver) in &want {
        assert!(
            table.lines().any(|l| l.contains(id.as_str())
                && l.contains(pkg.as_str())
                && l.contains(ver.as_str())),
            "table lacks {id} {pkg}"
        );
    }
}

fn triple(
    a: &serde_json::Value,
    b: &serde_json::Value,
    c: &serde_json::Value,
) -> (String, String, String) {
    let s = |v: &serde_json::Value| {
        v.as_str()
            .unwrap_or_else(|| panic!("string expected, got {v}"))
            .to_owned()
    };
    (s(a), s(b), s(c))
}

fn field(msg: &str, key: &str) -> Option<String> {
    msg.lines()
        .find_map(|l| l.strip_prefix(key))
        .map(str::to_owned)
}

#[test]
fn junit_validates_against_the_junit_xsd_with_consistent_counts() {
    let shared = trawl_test::require_shared_data!();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut files = Vec::new();
    let mut reports = vec![
        ("full", full_report(&shared)),
        ("alpine", alpine_inventory(&shared)),
    ];
    reports.extend(odd_reports());
    for (name, r) in &reports {
        files.push(write_tmp(
            dir.path(),
            &format!("{name}.xml"),
            &render(ReportFormat::Junit, r),
        ));
    }
    let script = r#"
import sys, xml.etree.ElementTree as ET
for f in sys.argv[1:]:
    root = ET.parse(f).getroot()
    assert root.tag == "testsuites", f
    total = fail = 0
    for s in root.findall("testsuite"):
        cases = s.findall("testcase")
        fails = [c for c in cases if c.find("failure") is not None]
        skips = [c for c in cases if c.find("skipped") is not None]
        assert int(s.get("tests")) == len(cases), (f, s.get("name"))
        assert int(s.get("failures")) == len(fails), (f, s.get("name"))
        assert int(s.get("skipped")) == len(skips), (f, s.get("name"))
        total += len(cases); fail += len(fails)
    assert int(root.get("tests")) == total and int(root.get("failures")) == fail, f
print("ok")
"#;
    let mut cmd = python();
    cmd.arg("-c").arg(script).args(&files);
    assert_eq!(run(&mut cmd).trim(), "ok");
    // The common JUnit XSD (the one Jenkins' xUnit plugin validates with).
    let mut cmd = Command::new("xmllint");
    cmd.arg("--noout")
        .arg("--schema")
        .arg(data_dir().join("junit-10.xsd"))
        .args(&files);
    run(&mut cmd);
}

#[test]
fn gitlab_report_has_the_required_shape() {
    let shared = trawl_test::require_shared_data!();
    let full = full_report(&shared);
    let v: serde_json::Value =
        serde_json::from_str(&render(ReportFormat::Gitlab, &full)).expect("json");
    assert_eq!(v["version"], "15.0.7");
    assert_eq!(v["scan"]["type"], "dependency_scanning");
    let time_re = |s: &str| s.len() == 19 && s.as_bytes()[10] == b'T' && !s.ends_with('Z');
    assert!(time_re(v["scan"]["start_time"].as_str().expect("start")));
    let mut ids = BTreeSet::new();
    for vu in v["vulnerabilities"].as_array().expect("vulns") {
        assert!(
            ["Info", "Unknown", "Low", "Medium", "High", "Critical"]
                .contains(&vu["severity"].as_str().expect("sev"))
        );
        assert!(
            !vu["identifiers"]
                .as_array()
                .expect("identifiers")
                .is_empty()
        );
        assert!(
            vu["location"]["file"]
                .as_str()
                .is_some_and(|f| !f.is_empty())
        );
        assert!(
            ids.insert(vu["id"].as_str().expect("id").to_owned()),
            "ids unique"
        );
    }
}

#[test]
fn odd_reports_render_in_every_format_without_panicking() {
    for (name, r) in odd_reports() {
        for f in ReportFormat::ALL {
            for o in [
                RenderOptions::default(),
                opts(),
                RenderOptions {
                    color: true,
                    ..opts()
                },
            ] {
                let out =
                    render_to_string(f, &r, &o).unwrap_or_else(|e| panic!("{name} as {f}: {e}"));
                assert!(!out.is_empty(), "{name} as {f}: empty output");
                if f.as_str().ends_with("json")
                    || matches!(
                        f,
                        ReportFormat::Sarif | ReportFormat::Cyclonedx | ReportFormat::Gitlab
                    )
                {
                    serde_json::from_str::<serde_json::Value>(&out)
                        .unwrap_or_else(|e| panic!("{name} as {f}: {e}"));
                }
            }
        }
    }
}

#[test]
fn format_names_parse() {
    for f in ReportFormat::ALL {
        assert_eq!(f.as_str().parse::<ReportFormat>().expect("parses"), f);
    }
    assert!("xml".parse::<ReportFormat>().is_err());
    let err = "nope".parse::<ReportFormat>().expect_err("unknown");
    assert!(err.to_string().contains("trivy-json"));
}

/// A writer that fails like a closed pipe.
struct ClosedPipe;
impl std::io::Write for ClosedPipe {
    fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
        Err(std::io::Error::from(std::io::ErrorKind::BrokenPipe))
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Err(std::io::Error::from(std::io::ErrorKind::BrokenPipe))
    }
}

#[test]
fn a_closed_pipe_is_an_error_that_says_so() {
    let (_, r) = odd_reports().remove(0);
    for f in ReportFormat::ALL {
        let err = trawl_report::render(f, &r, &opts(), &mut ClosedPipe).expect_err("closed pipe");
        assert!(err.is_broken_pipe(), "{f}: {err:?}");
    }
}

/// The human formats, frozen: a diff here is a visible change of what users read.
#[test]
fn snapshots_of_the_human_formats() {
    let shared = trawl_test::require_shared_data!();
    let full = full_report(&shared);
    let gate = GateInfo {
        severities: [Severity::High, Severity::Critical].into_iter().collect(),
        new_only: false,
    };
    let o = RenderOptions {
        gate: Some(gate),
        show_suppressed: true,
        ..Default::default()
    };
    insta::assert_snapshot!(
        "table_full",
        render_to_string(ReportFormat::Table, &full, &o).expect("table")
    );
    insta::assert_snapshot!(
        "markdown_full",
        render_to_string(ReportFormat::Markdown, &full, &o).expect("markdown")
    );
    let alpine = alpine_inventory(&shared);
    insta::assert_snapshot!("table_inventory", render(ReportFormat::Table, &alpine));
    insta::assert_snapshot!(
        "junit_full",
        render_to_string(ReportFormat::Junit, &full, &o).expect("junit")
    );
}

/// Rendering cost on a large report (the debian fixture's packages and findings repeated to 2,000+ packages):
/// `cargo nextest run -p trawl-report --run-ignored only rendering_cost`. Prints figures; asserts nothing timed.
#[test]
#[ignore = "a measurement, not a check: run on demand"]
fn rendering_cost_of_a_large_report() {
    let shared = trawl_test::require_shared_data!();
    let big = big_report(&shared, 25);
    let pkgs: usize = big.results.iter().map(|r| r.packages.len()).sum();
    let findings = big.findings().count();
    for f in ReportFormat::ALL {
        let t = std::time::Instant::now();
        let out = render_to_string(f, &big, &opts()).expect("render");
        #[expect(clippy::print_stderr, reason = "a measurement reports its figures")]
        {
            eprintln!(
                "{f:>10}: {:>7.1} ms, {:>9} bytes ({pkgs} packages, {findings} findings)",
                t.elapsed().as_secs_f64() * 1e3,
                out.len()
            );
        }
    }
}

/// The full fixture with its OS result repeated `copies` times.
fn big_report(shared: &Path, copies: usize) -> Report {
    let mut big = full_report(shared);
    let base = big.results[0].clone();
    for i in 1..copies {
        let mut r = base.clone();
        r.target = format!("{} copy {i}", base.target);
        big.results.push(r);
    }
    big
}

#[test]
fn markdown_summary_stays_under_githubs_step_summary_limit() {
    let shared = trawl_test::require_shared_data!();
    let big = big_report(&shared, 400);
    assert!(big.findings().count() > 2000);
    let gate = GateInfo::default();
    let md = render_to_string(
        ReportFormat::Markdown,
        &big,
        &RenderOptions {
            gate: Some(gate),
            ..opts()
        },
    )
    .expect("md");
    assert!(md.len() < 1024 * 1024, "{} bytes", md.len());
    assert!(md.contains("more not shown: see the full report."));
    // Totals still count everything.
    assert!(md.contains(&format!("| **Total** | **{}** |", big.findings().count())));
}

#[test]
fn markdown_shows_the_baseline_groups_and_gates_only_new_findings() {
    use trawl_report::{BaselineSummary, FindingKey};
    let shared = trawl_test::require_shared_data!();
    let mut full = full_report(&shared);
    let mut new = Vec::new();
    let mut unchanged = Vec::new();
    for (r, f) in full.findings() {
        let k = FindingKey::of(&r.target, f);
        if f.id == "CVE-2024-45590" {
            new.push(k)
        } else {
            unchanged.push(k)
        }
    }
    let fixed = vec![FindingKey {
        target: "app/package-lock.json".into(),
        id: "CVE-2024-29041".into(),
        pkg_name: "express".into(),
        installed_version: "4.18.2".into(),
        severity: Severity::Medium,
        fixed_version: Some("4.19.2".into()),
    }];
    full.baseline = Some(BaselineSummary {
        source: "main.json".into(),
        new,
        unchanged,
        fixed,
    });
    let gate = GateInfo {
        severities: Default::default(),
        new_only: true,
    };
    let o = RenderOptions {
        gate: Some(gate),
        ..Default::default()
    };
    let md = render_to_string(ReportFormat::Markdown, &full, &o).expect("markdown");
    assert!(md.contains("**Gate failed**: 1 new findings"), "{md}");
    let failing = &md[md.find("### Findings that fail the gate").expect("failing")
        ..md.find("### Compared with the baseline").expect("baseline")];
    assert!(failing.contains("CVE-2024-45590"));
    assert!(
        !failing.contains("CVE-2023-4911"),
        "unchanged findings do not fail --fail-on new"
    );
    assert!(md.contains("🆕 new: 1 · unchanged: 7 · ✅ fixed: 1"));
    assert!(md.contains("<details><summary>Fixed since the baseline (1)</summary>"));
    assert!(md.contains("CVE-2024-29041"));
    // Valid JSON with the baseline, against the committed schema.
    let dir = tempfile::tempdir().expect("tempdir");
    let f = write_tmp(
        dir.path(),
        "baseline.json",
        &render(ReportFormat::Json, &full),
    );
    jsonschema_validate(&schema_path(), &[f]);
}
