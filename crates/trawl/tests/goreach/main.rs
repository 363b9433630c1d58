//! Go symbol reachability end to end (issue #18): two small programs built with the installed Go toolchain
//! (standard library only, no network) — `uses` calls `archive/zip.NewReader`, which GO-2024-2888
//! (CVE-2024-24789) names, `avoids` does not — scanned with `trawl rootfs` against a DB built from the real
//! go-vulndb records. The reachable findings must equal what `govulncheck` (binary mode) reports for the same
//! binaries and records, when it is installed. Also: a binary built with `-ldflags=-s -w` (Go keeps the pclntab:
//! same verdicts), one whose pclntab was wiped or garbled (every Go finding `unknown`), and `--skip-unreachable`.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use trawl_test::cli::ok;

/// The trawl binary, isolated from the machine running the tests.
fn trawl() -> Command {
    trawl_test::cli::trawl(env!("CARGO_BIN_EXE_trawl"))
}

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success())
        || Command::new(tool)
            .arg("-h")
            .output()
            .is_ok_and(|o| !o.stderr.is_empty() || !o.stdout.is_empty())
}

/// Builds `tests/goreach/NAME/main.go` into `out` (extra `go build` flags in `flags`).
fn go_build(name: &str, work: &Path, out: &Path, flags: &[&str]) {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/goreach")
        .join(name);
    let dir = work.join(format!("src-{name}"));
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::copy(src.join("main.go"), dir.join("main.go")).expect("copy main.go");
    std::fs::write(
        dir.join("go.mod"),
        format!("module example.com/{name}\n\ngo 1.16\n"),
    )
    .expect("go.mod");
    ok(Command::new("go")
        .arg("build")
        .args(flags)
        .arg("-o")
        .arg(out)
        .arg(".")
        .current_dir(&dir)
        .env("GOFLAGS", "-mod=mod")
        .env("GOPROXY", "off")
        .env("GOTOOLCHAIN", "local")
        .env("CGO_ENABLED", "0"));
}

/// The offset of the pclntab header (Go 1.16+ magics, little endian, quantum 1, 8-byte pointers).
fn pclntab_at(bin: &[u8]) -> usize {
    (0..bin.len() - 8)
        .step_by(4)
        .find(|&i| {
            matches!(bin[i], 0xfa | 0xf0 | 0xf1)
                && bin[i + 1..i + 4] == [0xff; 3]
                && bin[i + 4..i + 8] == [0, 0, 1, 8]
        })
        .expect("the binary has a pclntab")
}

/// Per result target, its findings as (GO ID, reachability status, evidence).
type Verdicts = std::collections::BTreeMap<String, Vec<(String, String, Vec<String>)>>;

fn scan(root: &Path, db: &Path, cache: &Path, extra: &[&str]) -> (Verdicts, Value) {
    let out = ok(trawl()
        .arg("rootfs")
        .arg(root)
        .arg("--db")
        .arg(db)
        .arg("--cache-dir")
        .arg(cache)
        .args([
            "--scanners",
            "vuln",
            "--pkg-types",
            "library",
            "--format",
            "json",
            "--skip-db-update",
        ])
        .args(extra));
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let mut by = Verdicts::new();
    for r in report["results"].as_array().into_iter().flatten() {
        let target = r["target"].as_str().unwrap_or_default().to_owned();
        let list = by.entry(target).or_default();
        for f in r["vulnerabilities"].as_array().into_iter().flatten() {
            let go_id = std::iter::once(&f["id"])
                .chain(f["aliases"].as_array().into_iter().flatten())
                .filter_map(Value::as_str)
                .find(|i| i.starts_with("GO-"))
                .unwrap_or_default()
                .to_owned();
            let reach = &f["reachability"];
            list.push((
                go_id,
                reach["status"].as_str().unwrap_or("absent").to_owned(),
                reach["evidence"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
            ));
        }
    }
    (by, report)
}

fn with_status<'a>(v: &'a Verdicts, target: &str, status: &str) -> BTreeSet<&'a str> {
    v.get(target)
        .unwrap_or_else(|| panic!("no result for {target}: {:?}", v.keys()))
        .iter()
        .filter(|(_, s, _)| s == status)
        .map(|(id, _, _)| id.as_str())
        .collect()
}

/// govulncheck's (binary mode) vulnerabilities of `bin`, against the stdlib records of go-vulndb laid out as
/// the file database its client reads (`index.json`, `stdlib.json`, `ID/`). `None` when it cannot say.
fn govulncheck(bin: &Path, osv: &Path, work: &Path) -> Option<BTreeSet<String>> {
    let db = work.join("govulndb");
    if !db.join("index.json").exists() {
        std::fs::create_dir_all(db.join("ID")).ok()?;
        let mut stdlib = Vec::new();
        let mut ids = Vec::new();
        for e in std::fs::read_dir(osv).ok()? {
            let p = e.ok()?.path();
            let rec: Value = serde_json::from_slice(&std::fs::read(&p).ok()?).ok()?;
            let names_stdlib = rec["affected"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|a| a["package"]["name"] == "stdlib");
            if names_stdlib {
                let id = rec["id"].as_str()?.to_owned();
                std::fs::write(db.join(format!("ID/{id}.json")), rec.to_string()).ok()?;
                ids.push(Value::String(id));
                stdlib.push(rec);
            }
        }
        std::fs::write(db.join("ID/index.json"), Value::Array(ids).to_string()).ok()?;
        std::fs::write(db.join("stdlib.json"), Value::Array(stdlib).to_string()).ok()?;
        std::fs::write(db.join("aliases.json"), "{}").ok()?;
        std::fs::write(
            db.join("index.json"),
            r#"{"stdlib":"2024-06-01T00:00:00Z"}"#,
        )
        .ok()?;
    }
    let out = Command::new("govulncheck")
        .arg("-json")
        .arg(bin)
        .env("GOVULNDB", format!("file://{}", db.display()))
        .output()
        .ok()?;
    let v: Value = serde_json::from_slice(&out.stdout).ok()?;
    Some(
        v["Vulns"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|x| x["OSV"]["id"].as_str().map(str::to_owned))
            .collect(),
    )
}

#[test]
fn go_symbol_reachability_matches_govulncheck() {
    let shared = trawl_test::require_shared_data!();
    if !have("go") {
        assert!(
            std::env::var_os("CI").is_none(),
            "go not installed (CI installs it: .ci/setup.d/60-lang.sh)"
        );
        #[expect(clippy::print_stderr, reason = "test skip notice")]
        {
            eprintln!("skipping: no Go toolchain");
        }
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let work = tmp.path();
    let root = work.join("root");
    let bin = root.join("usr/bin");
    std::fs::create_dir_all(&bin).expect("mkdir");
    go_build("uses", work, &bin.join("uses"), &[]);
    go_build("avoids", work, &bin.join("avoids"), &[]);
    go_build(
        "uses",
        work,
        &bin.join("uses-stripped"),
        &["-ldflags=-s -w"],
    );
    // no pclntab to read: wiped (zeros from its header on), and garbled (its header's offsets overwritten)
    let full = std::fs::read(bin.join("uses")).expect("read");
    let at = pclntab_at(&full);
    let mut wiped = full.clone();
    let end = (at + (64 << 10)).min(wiped.len());
    wiped[at..end].fill(0);
    std::fs::write(bin.join("uses-wiped"), &wiped).expect("write");
    let mut garbled = full.clone();
    garbled[at + 8..at + 72].fill(0xff);
    std::fs::write(bin.join("uses-garbled"), &garbled).expect("write");
    #[cfg(unix)]
    for name in ["uses-wiped", "uses-garbled"] {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(bin.join(name), std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
    }

    let osv = shared.join("advisories/go-vulndb/osv");
    let db = work.join("trawl.db");
    ok(trawl()
        .args(["db", "build", "-o"])
        .arg(&db)
        .arg("--source")
        .arg(format!(
            "osv={}",
            shared.join("advisories/go-vulndb").display()
        )));
    let cache = work.join("cache");
    let (v, report) = scan(&root, &db, &cache, &[]);

    let uses_reach = with_status(&v, "usr/bin/uses", "reachable");
    assert!(
        uses_reach.contains("GO-2024-2888"),
        "archive/zip.NewReader is called: {uses_reach:?}"
    );
    let evidence = &v["usr/bin/uses"]
        .iter()
        .find(|(id, _, _)| id == "GO-2024-2888")
        .expect("finding")
        .2;
    assert!(
        evidence.iter().any(|e| e == "archive/zip.NewReader"),
        "{evidence:?}"
    );
    assert!(
        with_status(&v, "usr/bin/avoids", "not_reachable").contains("GO-2024-2888"),
        "archive/zip is not linked into avoids"
    );
    // every Go finding from a binary is assessed; the ones with no symbol table are unknown
    for (target, list) in &v {
        assert!(!list.is_empty(), "{target}: the old toolchain has findings");
        for (id, status, _) in list {
            assert_ne!(status, "absent", "{target} {id}");
            if target.ends_with("-wiped") || target.ends_with("-garbled") {
                assert_eq!(status, "unknown", "{target} {id}: no pclntab");
            }
        }
    }
    // -s -w keeps the pclntab: the same verdicts
    assert_eq!(v["usr/bin/uses-stripped"], v["usr/bin/uses"]);
    // the figures, for the record
    for (target, list) in &v {
        let n = |s: &str| list.iter().filter(|(_, x, _)| x == s).count();
        #[expect(clippy::print_stderr, reason = "figures in the test log")]
        {
            eprintln!(
                "{target}: {} findings: {} reachable, {} not reachable, {} unknown",
                list.len(),
                n("reachable"),
                n("not_reachable"),
                n("unknown")
            );
        }
    }
    // go_symbols stay out of the report
    assert!(!report.to_string().contains("go_symbols"));
    // explain prints the verdict
    let saved = work.join("report.json");
    std::fs::write(&saved, report.to_string()).expect("write report");
    let out = ok(trawl()
        .args(["explain", "GO-2024-2888", "--report"])
        .arg(&saved));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("reachable   reachable: archive/zip.NewReader"),
        "{text}"
    );

    // the oracle: govulncheck reports exactly the reachable ones
    if have("govulncheck") {
        for name in ["uses", "avoids"] {
            let Some(theirs) = govulncheck(&bin.join(name), &osv, work) else {
                panic!("govulncheck is installed but gave no answer for {name}");
            };
            let ours: BTreeSet<String> = with_status(&v, &format!("usr/bin/{name}"), "reachable")
                .into_iter()
                .map(str::to_owned)
                .collect();
            assert_eq!(ours, theirs, "{name}: trawl's reachable vs govulncheck");
        }
    } else {
        assert!(
            std::env::var_os("CI").is_none(),
            "govulncheck not installed (CI installs it: .ci/setup.d/60-lang.sh)"
        );
    }

    // --skip-unreachable drops exactly the not_reachable ones
    let (skipped, report) = scan(&root, &db, &cache, &["--skip-unreachable"]);
    for (target, list) in &v {
        let kept: Vec<_> = list
            .iter()
            .filter(|(_, s, _)| s != "not_reachable")
            .collect();
        let got: Vec<_> = skipped
            .get(target)
            .map(|l| l.iter().collect())
            .unwrap_or_default();
        assert_eq!(got, kept, "{target}");
    }
    assert_eq!(report["policy"]["skip_unreachable"], true);

    // the table shows the column and the split
    let out = ok(trawl()
        .arg("rootfs")
        .arg(&root)
        .arg("--db")
        .arg(&db)
        .arg("--cache-dir")
        .arg(&cache)
        .args([
            "--scanners",
            "vuln",
            "--pkg-types",
            "library",
            "--skip-db-update",
        ]));
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("Reachable"), "{table}");
    let n = |status: &str| with_status(&v, "usr/bin/uses", status).len();
    let line = format!(
        "Go: {} reachable, {} not reachable, {} unknown",
        n("reachable"),
        n("not_reachable"),
        n("unknown")
    );
    assert!(table.contains(&line), "{line}\n{table}");
}

/// Hostile pclntabs: truncated and garbage binaries never panic, and give no verdict other than unknown.
#[test]
fn truncated_go_binaries_do_not_panic() {
    if !have("go") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let work = tmp.path();
    let full_path = work.join("uses");
    go_build("uses", work, &full_path, &[]);
    let full = std::fs::read(&full_path).expect("read");
    let at = pclntab_at(&full);
    for cut in [at + 4, at + 40, at + 1000, full.len() / 2, full.len() - 1] {
        let r = trawl_lockfile_probe(&full[..cut]);
        assert!(r.is_ok(), "cut at {cut}: {r:?}");
    }
}

/// Runs trawl on one file (as a rootfs of one binary) and says whether it finished.
fn trawl_lockfile_probe(content: &[u8]) -> Result<(), String> {
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let bin = tmp.path().join("root/usr/bin");
    std::fs::create_dir_all(&bin).map_err(|e| e.to_string())?;
    std::fs::write(bin.join("app"), content).map_err(|e| e.to_string())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(bin.join("app"), std::fs::Permissions::from_mode(0o755))
            .map_err(|e| e.to_string())?;
    }
    let out = trawl()
        .arg("rootfs")
        .arg(tmp.path().join("root"))
        // an SBOM format alone runs no scanner: the binary is analysed, no DB is needed
        .args(["--format", "cyclonedx"])
        .arg("--cache-dir")
        .arg(tmp.path().join("cache"))
        .output()
        .map_err(|e| e.to_string())?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if stderr.contains("panicked") || !out.status.success() {
        return Err(stderr.into_owned());
    }
    Ok(())
}
