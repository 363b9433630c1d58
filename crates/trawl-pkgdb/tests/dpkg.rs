//! dpkg status parsing against real fixtures (Trivy, Syft, osv-scalibr), with Debian's own `dpkg-query` as the
//! oracle: each status file is laid out as `ADMINDIR/status` and `dpkg-query -W --admindir=ADMINDIR` lists what
//! dpkg itself considers installed.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use trawl_pkgdb::dpkg::{parse_status, parse_status_d};

type Row = (String, String, String, String, String);

/// `(name, version, source name, source version, arch)` of every installed package, by dpkg-query. `None` when
/// dpkg-query refuses the file.
fn dpkg_query(status: &[u8]) -> Option<BTreeSet<Row>> {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("status"), status).expect("write status");
    let out = Command::new("dpkg-query")
        .arg("-W")
        .arg(format!("--admindir={}", dir.path().display()))
        .arg("-f=${db:Status-Status}\t${Package}\t${Version}\t${source:Package}\t${source:Version}\t${Architecture}\n")
        .output()
        .expect("dpkg-query runs (Debian package dpkg)");
    if !out.status.success() {
        return None;
    }
    Some(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                (f.len() == 6 && f[0] == "installed").then(|| {
                    (
                        f[1].into(),
                        f[2].into(),
                        f[3].into(),
                        f[4].into(),
                        f[5].into(),
                    )
                })
            })
            .collect(),
    )
}

fn ours(content: &[u8], status_d: bool) -> Result<BTreeSet<Row>, String> {
    let p = if status_d {
        parse_status_d(content)
    } else {
        parse_status(content)
    };
    let p = p.map_err(|e| e.to_string())?;
    Ok(p.items
        .into_iter()
        .map(|p| {
            (
                p.name,
                p.version,
                p.source_name.unwrap_or_default(),
                p.source_version.unwrap_or_default(),
                p.arch.unwrap_or_default(),
            )
        })
        .collect())
}

/// distroless `status.d` entries carry no `Status:`; dpkg-query would call them not installed, so the oracle
/// sees a copy with `Status: install ok installed` added to every stanza that lacks one.
fn with_status(content: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(content);
    let mut out = String::new();
    for stanza in text.split("\n\n") {
        if stanza.lines().any(|l| l.starts_with("Package:"))
            && !stanza.lines().any(|l| l.starts_with("Status:"))
        {
            out.push_str("Status: install ok installed\n");
        }
        out.push_str(stanza);
        out.push_str("\n\n");
    }
    out.into_bytes()
}

fn check(label: &str, content: &[u8], status_d: bool, checked: &mut usize) {
    let mut oracle_input = if status_d {
        with_status(content)
    } else {
        content.to_vec()
    };
    // We accept a file without its final newline (Trivy's fixtures have some); dpkg refuses it.
    if !oracle_input.ends_with(b"\n") {
        oracle_input.push(b'\n');
    }
    let mine = ours(content, status_d);
    match dpkg_query(&oracle_input) {
        Some(want) => {
            let got = mine.unwrap_or_else(|e| {
                assert!(
                    want.is_empty(),
                    "{label}: we failed ({e}) but dpkg-query lists {want:?}"
                );
                BTreeSet::new()
            });
            assert_eq!(got, want, "{label}: differs from dpkg-query");
            *checked += want.len();
        }
        None => {
            // dpkg-query rejects the file as a whole; we must not invent packages: either an error or warnings.
            let p = if status_d {
                parse_status_d(content)
            } else {
                parse_status(content)
            };
            assert!(
                p.as_ref().map_or(true, |p| !p.warnings.is_empty()),
                "{label}: dpkg-query rejects it, we accepted it silently: {p:?}"
            );
        }
    }
}

#[test]
fn dpkg_fixtures_match_dpkg_query() {
    let data = trawl_test::require_shared_data!();
    let root = data.join("pkgdb");
    let mut files = 0;
    let mut checked = 0;
    for path in common::walk(&root) {
        let rel = path
            .strip_prefix(&root)
            .expect("under root")
            .to_string_lossy()
            .into_owned();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let content = std::fs::read(&path).expect("read fixture");
        if rel.contains("/dpkg/testdata/") && rel.ends_with(".txtar") {
            let text = String::from_utf8_lossy(&content);
            for (member, body) in common::txtar(&text) {
                if member == "var/lib/dpkg/status" {
                    check(
                        &format!("{rel}:{member}"),
                        body.as_bytes(),
                        false,
                        &mut checked,
                    );
                    files += 1;
                }
            }
        } else if (rel.contains("/dpkg/testdata/")
            && !rel.contains("status.d")
            && !name.contains('.')
            // An apt `available` file, not a status file (dpkg-query refuses its `Filename:` fields).
            && !name.ends_with("-available"))
            || rel.ends_with("var/lib/dpkg/status")
        {
            check(&rel, &content, false, &mut checked);
            files += 1;
        } else if rel.contains("dpkg/status.d/") && !name.contains('.') {
            check(&rel, &content, true, &mut checked);
            files += 1;
        }
    }
    assert!(
        files >= 30,
        "only {files} dpkg fixtures found under {}",
        root.display()
    );
    assert!(checked >= 200, "only {checked} packages compared");
}

#[test]
fn ubuntu_bionic_status_facts() {
    let data = trawl_test::require_shared_data!();
    let p =
        data.join("pkgdb/trivy/history-517365c-parent/pkg/fanal/analyzer/pkg/dpkg/testdata/dpkg");
    let parsed = parse_status(&std::fs::read(p).expect("read")).expect("parses");
    // 91 stanzas, one of them `deinstall ok config-files`.
    assert_eq!(parsed.items.len(), 90);
    let fdisk = parsed
        .items
        .iter()
        .find(|p| p.name == "fdisk")
        .expect("fdisk");
    assert_eq!(fdisk.source_name.as_deref(), Some("util-linux"));
    assert_eq!(fdisk.arch.as_deref(), Some("amd64"));
}

#[test]
fn distroless_status_d_entry() {
    let data = trawl_test::require_shared_data!();
    let p = data.join(
        "pkgdb/syft/syft/pkg/cataloger/debian/testdata/image-distroless-deb/var/lib/dpkg/status.d/libsqlite3-0",
    );
    let parsed = parse_status_d(&std::fs::read(p).expect("read")).expect("parses");
    assert_eq!(parsed.items.len(), 1);
    let p = &parsed.items[0];
    assert_eq!(
        (p.name.as_str(), p.version.as_str()),
        ("libsqlite3-0", "3.34.1-3")
    );
    assert_eq!(p.source_name.as_deref(), Some("sqlite3"));
    assert_eq!(p.arch.as_deref(), Some("arm64"));
    assert_eq!(
        p.maintainer.as_deref(),
        Some("Laszlo Boszormenyi (GCS) <gcs@debian.org>")
    );
}

#[test]
fn corrupt_status_d_is_an_error_naming_the_line() {
    let data = trawl_test::require_shared_data!();
    let p = Path::new(&data)
        .join("pkgdb/syft/syft/pkg/cataloger/debian/testdata/var/lib/dpkg/status.d/corrupt");
    let e = parse_status_d(&std::fs::read(p).expect("read")).expect_err("corrupt");
    // Lines 1-4 are fields with misspelt names; line 5 is not a field at all.
    assert!(e.to_string().contains("line 5"), "{e}");
}

/// The status file of the real debian-bookworm-slim image (88 packages), pulled out of its layer with `tar`.
#[test]
fn bookworm_slim_image_status_matches_dpkg_query() {
    let data = trawl_test::require_shared_data!();
    let image = data.join("images/debian-bookworm-slim.tar.gz");
    let script = format!(
        "tar -xzOf '{}' --wildcards '*/layer.tar' | tar -xO var/lib/dpkg/status",
        image.display()
    );
    let out = Command::new("sh")
        .arg("-c")
        .arg(&script)
        .output()
        .expect("sh runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let status = out.stdout;
    let want = dpkg_query(&status).expect("dpkg-query reads it");
    assert_eq!(want.len(), 88, "the image's documented package count");
    assert_eq!(ours(&status, false).expect("parses"), want);
    let libc = parse_status(&status)
        .expect("parses")
        .items
        .into_iter()
        .find(|p| p.name == "libc6")
        .expect("libc6");
    assert_eq!(libc.source_name.as_deref(), Some("glibc"));
    assert_eq!(libc.arch.as_deref(), Some("amd64"));
}
