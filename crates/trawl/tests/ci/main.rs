//! CI integration (issue #8): the GitHub Action's scripts run locally, baseline diffs, the job summary as GitHub
//! renders it in a real browser, JUnit against the common XSD, and the action/workflow files against their schemas.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use trawl_test::cli::ok;

fn trawl_bin() -> &'static str {
    env!("CARGO_BIN_EXE_trawl")
}

fn repo() -> PathBuf {
    trawl_test::repo_root()
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("command runs")
}

fn alpine_db(dir: &Path, data: &Path) -> PathBuf {
    let db = dir.join("alpine.db");
    ok(Command::new(trawl_bin())
        .args(["db", "build", "--source"])
        .arg(format!(
            "alpine-secdb={}",
            data.join("advisories/alpine/alpine-secdb").display()
        ))
        .arg("-o")
        .arg(&db));
    db
}

/// Parses a GITHUB_OUTPUT file (`key=value` lines).
fn outputs(p: &Path) -> BTreeMap<String, String> {
    std::fs::read_to_string(p)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
        .collect()
}

fn action_env(cmd: &mut Command, tmp: &Path) {
    cmd.env("GITHUB_STEP_SUMMARY", tmp.join("summary.md"))
        .env("GITHUB_OUTPUT", tmp.join("output.txt"))
        .env("GITHUB_WORKSPACE", tmp)
        .env("RUNNER_TEMP", tmp)
        .env("NO_COLOR", "1")
        .current_dir(tmp);
}

#[test]
fn action_scan_script_writes_summary_outputs_and_follows_exit_code() {
    let data = trawl_test::require_shared_data!();
    let tmp = tempfile::tempdir().expect("tempdir");
    let t = tmp.path();
    let db = alpine_db(t, &data);
    // alpine 3.7.3 has real findings in the secdb.
    let rootfs = std::fs::read_dir(data.join("images/alpine-minirootfs"))
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .find(|p| p.to_string_lossy().contains("alpine-minirootfs-3.7."))
        .expect("3.7 minirootfs");
    let image = t.join("alpine37.tar");
    trawl_test::image::TestImage::new("alpine:3.7")
        .layer(trawl_test::image::TestLayer::new(
            trawl_test::image::gunzip_file(&rootfs),
            trawl_test::image::Blob::Gzip,
            "ADD rootfs /",
        ))
        .write_docker_archive(&image, false);

    let scan = |exit_code: &str, severity: &str| {
        let _ = std::fs::remove_file(t.join("output.txt"));
        let _ = std::fs::remove_file(t.join("summary.md"));
        let mut cmd = Command::new("bash");
        cmd.arg(repo().join("action/scan.sh"));
        action_env(&mut cmd, t);
        cmd.env("TRAWL", trawl_bin())
            .env("TRAWL_DB", &db)
            .env("TRAWL_CACHE_DIR", t.join("cache"))
            .env("INPUT_SCAN_TYPE", "image")
            .env("INPUT_INPUT", &image)
            .env("INPUT_SCANNERS", "vuln")
            .env("INPUT_SEVERITY", severity)
            .env("INPUT_EXIT_CODE", exit_code)
            .env("INPUT_FORMAT", "sarif")
            .env("INPUT_OUTPUT", t.join("out.sarif"))
            .env("INPUT_SUMMARY", "true");
        run(&mut cmd)
    };

    let out = scan("3", "UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL");
    let o = outputs(&t.join("output.txt"));
    let report: Value =
        serde_json::from_slice(&std::fs::read(&o["report"]).expect("native report")).expect("json");
    let vulns: Vec<Value> = report["results"]
        .as_array()
        .expect("results")
        .iter()
        .flat_map(|r| r["vulnerabilities"].as_array().cloned().unwrap_or_default())
        .collect();
    assert!(!vulns.is_empty(), "alpine 3.7.3 has findings");
    assert_eq!(
        out.status.code(),
        Some(3),
        "findings survive: the step exits with exit-code"
    );
    assert_eq!(o["gate-failed"], "true");
    assert_eq!(o["total"], vulns.len().to_string());
    for sev in ["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"] {
        let n = vulns.iter().filter(|v| v["severity"] == sev).count();
        assert_eq!(o[&sev.to_ascii_lowercase()], n.to_string(), "{sev}");
    }
    assert_eq!(o["output"], t.join("out.sarif").display().to_string());
    let sarif: Value =
        serde_json::from_slice(&std::fs::read(t.join("out.sarif")).expect("sarif")).expect("json");
    assert_eq!(sarif["version"], "2.1.0");
    let summary = std::fs::read_to_string(t.join("summary.md")).expect("summary written");
    assert!(
        summary.contains('|') && summary.contains(vulns[0]["id"].as_str().expect("id")),
        "{summary}"
    );

    // A severity no finding has: the gate passes and the step exits 0.
    let present: BTreeSet<&str> = vulns
        .iter()
        .filter_map(|v| v["severity"].as_str())
        .collect();
    let absent = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"]
        .into_iter()
        .find(|s| !present.contains(s))
        .expect("not every severity is present");
    let out = scan("3", absent);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let o = outputs(&t.join("output.txt"));
    assert_eq!(o["gate-failed"], "false");
    assert_eq!(o["total"], "0");
}

#[test]
fn action_install_accepts_only_pinned_checksums() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let t = tmp.path();
    // A release archive laid out as the action expects, served from a file:// base.
    let rel = t.join("releases/v9.9.9");
    std::fs::create_dir_all(&rel).expect("mkdir");
    std::fs::copy(trawl_bin(), t.join("trawl")).expect("copy binary");
    let arch = match std::env::consts::ARCH {
        "aarch64" => "aarch64-unknown-linux-musl",
        _ => "x86_64-unknown-linux-musl",
    };
    let file = format!("trawl-9.9.9-{arch}.tar.gz");
    ok(Command::new("tar")
        .arg("-czf")
        .arg(rel.join(&file))
        .arg("-C")
        .arg(t)
        .arg("trawl"));
    let sum =
        String::from_utf8(ok(Command::new("sha256sum").arg(rel.join(&file))).stdout).expect("utf8");
    let sum = sum.split_whitespace().next().expect("digest").to_owned();

    let install = |checksums: &str| {
        std::fs::write(t.join("checksums.txt"), checksums).expect("write");
        let _ = std::fs::remove_file(t.join("output.txt"));
        let mut cmd = Command::new("bash");
        cmd.arg(repo().join("action/install.sh"));
        action_env(&mut cmd, t);
        cmd.env("TRAWL_VERSION", "9.9.9")
            .env("TRAWL_BIN", "")
            .env("TRAWL_CHECKSUMS", t.join("checksums.txt"))
            .env(
                "TRAWL_RELEASE_BASE",
                format!("file://{}", t.join("releases").display()),
            );
        run(&mut cmd)
    };
    let out = install(&format!("# pinned\n{sum}  {file}\n"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bin = outputs(&t.join("output.txt"))["bin"].clone();
    ok(Command::new(&bin).arg("--version"));

    let wrong = "0".repeat(64);
    let out = install(&format!("{wrong}  {file}\n"));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("checksum mismatch"));

    let out = install("# nothing pinned\n");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no pinned checksum"));
}

#[test]
fn action_and_workflows_validate_against_github_schemas() {
    ok(Command::new("check-jsonschema")
        .args(["--builtin-schema", "vendor.github-actions"])
        .arg(repo().join("action.yml")));
    let workflows: Vec<PathBuf> = std::fs::read_dir(repo().join("docs/workflows"))
        .expect("docs/workflows")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    assert!(workflows.len() >= 3);
    ok(Command::new("check-jsonschema")
        .args(["--builtin-schema", "vendor.github-workflows"])
        .args(&workflows));
}

/// `(package, id)` of a native report's findings.
fn keys(report: &Value) -> BTreeSet<(String, String)> {
    report["results"]
        .as_array()
        .expect("results")
        .iter()
        .flat_map(|r| r["vulnerabilities"].as_array().cloned().unwrap_or_default())
        .map(|v| {
            (
                v["pkg_name"].as_str().expect("pkg").to_owned(),
                v["id"].as_str().expect("id").to_owned(),
            )
        })
        .collect()
}

fn keyset(list: &Value) -> BTreeSet<(String, String)> {
    list.as_array()
        .expect("list")
        .iter()
        .map(|k| {
            (
                k["pkg_name"].as_str().expect("pkg").to_owned(),
                k["id"].as_str().expect("id").to_owned(),
            )
        })
        .collect()
}

/// Wraps a minirootfs of `release` (`3.7`) as a one-layer docker-archive in `dir`.
fn minirootfs_image(data: &Path, dir: &Path, release: &str) -> PathBuf {
    let rootfs = std::fs::read_dir(data.join("images/alpine-minirootfs"))
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .find(|p| {
            let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            n.starts_with(&format!("alpine-minirootfs-{release}.")) && n.ends_with("-x86_64.tar.gz")
        })
        .expect("minirootfs");
    let image = dir.join(format!("alpine-{release}.tar"));
    trawl_test::image::TestImage::new(&format!("alpine:{release}"))
        .layer(trawl_test::image::TestLayer::new(
            trawl_test::image::gunzip_file(&rootfs),
            trawl_test::image::Blob::Gzip,
            "ADD rootfs /",
        ))
        .write_docker_archive(&image, false);
    image
}

/// Scans `old`, then `new` with `--baseline`, and checks the three sets against set differences computed here;
/// returns (new, unchanged, fixed) sizes.
fn check_baseline(
    t: &Path,
    db: &Path,
    old_image: &Path,
    new_image: &Path,
) -> (usize, usize, usize) {
    let scan = |image: &Path, extra: &[&str]| {
        run(Command::new(trawl_bin())
            .env("NO_COLOR", "1")
            .env_remove("GITHUB_STEP_SUMMARY")
            .args(["image", "--input"])
            .arg(image)
            .arg("--db")
            .arg(db)
            .arg("--cache-dir")
            .arg(t.join("cache"))
            .args(["--scanners", "vuln", "--format", "json"])
            .args(extra))
    };
    let old_out = scan(old_image, &[]);
    assert!(old_out.status.success());
    let base = t.join("old.json");
    std::fs::write(&base, &old_out.stdout).expect("write");
    let old: Value = serde_json::from_slice(&old_out.stdout).expect("json");
    let base = base.to_str().expect("utf8");
    let new_out = scan(new_image, &["--baseline", base]);
    assert!(new_out.status.success());
    let new: Value = serde_json::from_slice(&new_out.stdout).expect("json");

    // Independent computation: set differences of (package, id).
    let (o, n) = (keys(&old), keys(&new));
    let want_new: BTreeSet<_> = n.difference(&o).cloned().collect();
    let want_unchanged: BTreeSet<_> = n.intersection(&o).cloned().collect();
    let want_fixed: BTreeSet<_> = o.difference(&n).cloned().collect();
    let b = &new["baseline"];
    assert_eq!(keyset(&b["new"]), want_new, "new");
    assert_eq!(keyset(&b["unchanged"]), want_unchanged, "unchanged");
    assert_eq!(keyset(&b["fixed"]), want_fixed, "fixed");

    // --fail-on new: fails exactly when something is new.
    let gated = scan(
        new_image,
        &["--baseline", base, "--fail-on", "new", "--exit-code", "1"],
    );
    assert_eq!(gated.status.code(), Some(i32::from(!want_new.is_empty())));
    // Against itself nothing is new: the gate passes even with findings present.
    let same = scan(
        old_image,
        &["--baseline", base, "--fail-on", "new", "--exit-code", "1"],
    );
    assert_eq!(same.status.code(), Some(0));
    let same: Value = serde_json::from_slice(&same.stdout).expect("json");
    assert!(same["baseline"]["new"].as_array().expect("new").is_empty());
    assert_eq!(keyset(&same["baseline"]["unchanged"]), o);
    (want_new.len(), want_unchanged.len(), want_fixed.len())
}

#[test]
fn baseline_diff_between_alpine_images() {
    let data = trawl_test::require_shared_data!();
    let tmp = tempfile::tempdir().expect("tempdir");
    let t = tmp.path();
    let db = alpine_db(t, &data);
    // The pair: the 3.10 and 3.11 archives. Both are newer than every fix the secdb copy holds for their
    // releases, so all three sets are empty, as the computation here says too.
    let images = data.join("images");
    check_baseline(
        t,
        &db,
        &images.join("alpine-310.tar.gz"),
        &images.join("alpine-311.tar.gz"),
    );
    // A pair with real findings: 3.7.3 has musl CVE-2019-14697, fixed by 3.8.
    let a37 = minirootfs_image(&data, t, "3.7");
    let a38 = minirootfs_image(&data, t, "3.8");
    let (new, _, fixed) = check_baseline(t, &db, &a37, &a38);
    assert!(fixed > 0 && new == 0, "3.7 -> 3.8 fixes findings");
    let (new, _, fixed) = check_baseline(t, &db, &a38, &a37);
    assert!(new > 0 && fixed == 0, "3.8 -> 3.7 brings findings back");
}

#[test]
fn junit_validates_against_the_common_xsd() {
    let data = trawl_test::require_shared_data!();
    let tmp = tempfile::tempdir().expect("tempdir");
    let t = tmp.path();
    let db = alpine_db(t, &data);
    let xml = t.join("report.xml");
    ok(Command::new(trawl_bin())
        .args(["image", "--input"])
        .arg(data.join("images/alpine-310.tar.gz"))
        .arg("--db")
        .arg(&db)
        .arg("--cache-dir")
        .arg(t.join("cache"))
        .args(["--scanners", "vuln", "--list-all-pkgs"])
        .arg("--format")
        .arg(format!("junit={}", xml.display())));
    ok(Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(repo().join("crates/trawl/tests/data/junit-10.xsd"))
        .arg(&xml));
}

#[test]
fn markdown_summary_renders_tables_in_a_real_browser() {
    let data = trawl_test::require_shared_data!();
    let chromium = Path::new("/usr/bin/chromium");
    assert!(
        chromium.exists() || std::env::var_os("CI").is_none(),
        "CI must have chromium"
    );
    if !chromium.exists() {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let t = tmp.path();
    let tracker = data.join("advisories/debian/cve-list-excerpt");
    let db = t.join("debian.db");
    ok(Command::new(trawl_bin())
        .args(["db", "build", "--source"])
        .arg(format!("debian-tracker={}", tracker.display()))
        .arg("-o")
        .arg(&db));
    // The summary as a CI job writes it: appended to $GITHUB_STEP_SUMMARY, the gate on.
    let summary = t.join("summary.md");
    run(Command::new(trawl_bin())
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args(["image", "--input"])
        .arg(data.join("images/debian-bookworm-slim.tar.gz"))
        .arg("--db")
        .arg(&db)
        .arg("--cache-dir")
        .arg(t.join("cache"))
        .args(["--scanners", "vuln", "--exit-code", "1", "--format", "json"]));
    let md = std::fs::read_to_string(&summary).expect("summary appended");
    // GitHub's own renderer (cmark-gfm) turns it into HTML.
    let html = t.join("summary.html");
    ok(Command::new("python3")
        .arg("-c")
        .arg(
            "import sys, cmarkgfm\nfrom cmarkgfm.cmark import Options\n\
             body = cmarkgfm.github_flavored_markdown_to_html(open(sys.argv[1]).read(), options=Options.CMARK_OPT_UNSAFE)\n\
             open(sys.argv[2], 'w').write('<!doctype html><html><head><meta charset=utf-8></head><body>' + body + '</body></html>')",
        )
        .arg(&summary)
        .arg(&html));
    let headless = |extra: &[&str]| {
        let profile = t.join("chromium-profile");
        let mut cmd = Command::new(chromium);
        cmd.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", html.display()));
        ok(&mut cmd)
    };
    let dom = String::from_utf8(headless(&["--dump-dom"]).stdout).expect("utf8 DOM");
    let shot = t.join("summary.png");
    headless(&[
        "--window-size=1280,2000",
        &format!("--screenshot={}", shot.display()),
    ]);
    let png = std::fs::read(&shot).expect("screenshot taken");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "a real screenshot"
    );

    let tables = dom.matches("<table").count();
    let md_tables = md
        .lines()
        .filter(|l| l.trim_start().starts_with("|---") || l.contains("| ---"))
        .count();
    assert!(tables >= 2, "the browser shows tables: {tables}\n{dom}");
    assert!(
        tables >= md_tables,
        "every markdown table renders as a table ({tables} < {md_tables})"
    );
    // No raw `|` rows left in the rendered text: a broken table would show its pipes as paragraph text.
    for line in dom.lines() {
        let text = line.trim();
        assert!(
            !(text.starts_with('|') || text.starts_with("<p>|")),
            "raw table row in the DOM: {text}"
        );
    }
    assert!(
        dom.contains("CVE-2005-2541"),
        "findings in the rendered summary"
    );
}
