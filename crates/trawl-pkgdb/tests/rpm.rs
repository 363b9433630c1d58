//! rpmdb parsing in all three backends against the go-rpmdb fixtures in ../shared/data/pkgdb, with rpm itself
//! as the oracle:
//! - SQLite (CBL-Mariner 2.0) and Berkeley DB (libuuid, read with `_db_backend bdb_ro`): `rpm -qa --dbpath`
//!   on a copy laid out as rpm expects must list exactly our packages and fields.
//! - NDB (SLE 15 BCI): Debian's rpm is built without NDB (the test checks it refuses), so the oracles are
//!   python3-rpm's header loader (`rpm.hdr`) on every blob we extract, a raw scan for blob magics (every blob
//!   in the file is reached through a slot), and the image's documented package names.
//! - Every header blob of every backend is also given to python3-rpm: same name, EVR, arch and file list.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use trawl_pkgdb::rpm::{self, Backend};
use trawl_types::Package;

const QF: &str = "%{NAME}\t%{EPOCH}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\t%{SOURCERPM}\t%{LICENSE}\t%{VENDOR}\t%{MODULARITYLABEL}\n";

fn none(s: Option<&str>) -> String {
    s.filter(|s| !s.is_empty()).unwrap_or("(none)").to_owned()
}

fn row(p: &Package) -> String {
    [
        p.name.clone(),
        p.epoch
            .map_or_else(|| "(none)".to_owned(), |e| e.to_string()),
        none(p.rpm_version.as_deref()),
        none(p.release.as_deref()),
        none(p.arch.as_deref()),
        match (&p.source_name, &p.source_version) {
            (Some(n), Some(v)) => format!("{n}-{v}.src.rpm"),
            _ => "(none)".to_owned(),
        },
        none(p.licenses.first().map(String::as_str)),
        none(p.vendor.as_deref()),
        none(p.modularity_label.as_deref()),
    ]
    .join("\t")
}

/// `rpm -qa` on a copy of `file` named `db_name` in a temporary dbpath. `None` when rpm cannot read it.
fn rpm_qa(file: &Path, db_name: &str, defines: &[&str]) -> Option<BTreeSet<String>> {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(file, dir.path().join(db_name)).expect("copy db");
    let mut cmd = Command::new("rpm");
    cmd.arg("-qa")
        .arg("--dbpath")
        .arg(dir.path())
        .arg("--qf")
        .arg(QF);
    for d in defines {
        cmd.arg("--define").arg(d);
    }
    let out = cmd.output().expect("rpm runs (Debian package rpm)");
    let rows: BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    (out.status.success() && !rows.is_empty()).then_some(rows)
}

/// python3-rpm loads each blob: `name epoch version release arch` and the file list.
/// A file list python3-rpm refused is `None`.
fn python_rpm(blobs: &[Vec<u8>]) -> Vec<(String, Option<Vec<String>>)> {
    let dir = tempfile::tempdir().expect("tempdir");
    for (i, b) in blobs.iter().enumerate() {
        std::fs::write(dir.path().join(format!("{i:05}.hdr")), b).expect("write blob");
    }
    let script = r#"
import rpm, sys, os
d = sys.argv[1]
for f in sorted(os.listdir(d)):
    h = rpm.hdr(open(os.path.join(d, f), 'rb').read())
    e = h['epoch']
    print('\t'.join([h['name'], '(none)' if e is None else str(e), h['version'], h['release'], h['arch'] or '(none)']))
    try:
        print('\t'.join(h['filenames']))
    except rpm.error as e:
        print('!ERR ' + str(e))
"#;
    let out = Command::new("/usr/bin/python3")
        .arg("-c")
        .arg(script)
        .arg(dir.path())
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "python3-rpm failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let lines: Vec<&str> = text.split('\n').collect();
    lines
        .chunks(2)
        .filter(|c| c.len() == 2)
        .map(|c| {
            let files = c[1]
                .split('\t')
                .filter(|f| !f.is_empty())
                .map(|f| f.trim_start_matches('/').to_owned());
            (
                c[0].to_owned(),
                (!c[1].starts_with("!ERR")).then(|| files.collect()),
            )
        })
        .collect()
}

fn blobs_of(content: &[u8]) -> Vec<Vec<u8>> {
    let mut blobs = Vec::new();
    let mut f = |_: String, b: &[u8]| blobs.push(b.to_vec());
    let w = match rpm::detect(content).expect("an rpmdb") {
        Backend::Sqlite => rpm::sqlite::for_each_blob(content, &mut f),
        Backend::Bdb => rpm::bdb::for_each_blob(content, &mut f),
        Backend::Ndb => rpm::ndb::for_each_blob(content, &mut f),
    }
    .expect("reads");
    assert!(w.is_empty(), "{w:?}");
    blobs
}

/// Our packages agree with python3-rpm's reading of the same blobs, file lists included.
fn check_against_python(label: &str, content: &[u8], packages: &[Package]) {
    let py = python_rpm(&blobs_of(content));
    assert_eq!(py.len(), packages.len(), "{label}");
    for (p, (nevra, files)) in packages.iter().zip(&py) {
        let mine = row(p).split('\t').take(5).collect::<Vec<_>>().join("\t");
        assert_eq!(&mine, nevra, "{label}");
        assert_eq!(
            Some(&p.installed_files),
            files.as_ref(),
            "{label}: {}",
            p.name
        );
    }
}

fn fixture(rel: &str) -> Option<std::path::PathBuf> {
    trawl_test::shared_data().map(|d| d.join("pkgdb/go-rpmdb/pkg/testdata").join(rel))
}

#[test]
fn sqlite_cbl_mariner_matches_rpm_qa() {
    let Some(path) = fixture("cbl-mariner-2.0/rpmdb.sqlite") else {
        return;
    };
    let content = std::fs::read(&path).expect("fixture");
    assert_eq!(rpm::detect(&content), Some(Backend::Sqlite));
    let parsed = rpm::parse_rpmdb(&content).expect("parses");
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    assert_eq!(parsed.items.len(), 129, "documented count");
    let ours: BTreeSet<String> = parsed.items.iter().map(row).collect();
    let want = rpm_qa(&path, "rpmdb.sqlite", &[]).expect("rpm reads the sqlite backend");
    assert_eq!(ours, want);
    check_against_python("cbl-mariner-2.0", &content, &parsed.items);
    let curl = parsed
        .items
        .iter()
        .find(|p| p.name == "curl")
        .expect("curl");
    assert!(
        curl.installed_files.iter().any(|f| f == "usr/bin/curl"),
        "{:?}",
        curl.installed_files
    );
    assert_eq!(
        curl.version,
        format!(
            "{}-{}",
            curl.rpm_version.as_deref().unwrap_or_default(),
            curl.release.as_deref().unwrap_or_default()
        )
    );
}

#[test]
fn bdb_libuuid_matches_rpm_qa() {
    let Some(path) = fixture("libuuid/Packages") else {
        return;
    };
    let content = std::fs::read(&path).expect("fixture");
    assert_eq!(rpm::detect(&content), Some(Backend::Bdb));
    let parsed = rpm::parse_rpmdb(&content).expect("parses");
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    assert_eq!(parsed.items.len(), 1, "documented count");
    let ours: BTreeSet<String> = parsed.items.iter().map(row).collect();
    let want = rpm_qa(&path, "Packages", &["_db_backend bdb_ro"]).expect("rpm reads bdb read-only");
    assert_eq!(ours, want);
    check_against_python("libuuid", &content, &parsed.items);
}

/// `rpm -qa` output of the SLE 15 BCI image (go-rpmdb `pkg/testdata/sle15-bci/packages.csv`, commit cee58d9,
/// MIT): name, version, release, arch, source rpm. It documents a later rebuild of the fixture than the
/// `Packages.db` stored in ../shared/data (same image, newer package builds, `skelcd-EULA-bci` added), so only
/// the names are compared.
const SLE15_BCI: &str = "\
system-user-root 20190513 3.3.1 noarch system-user-root-20190513-3.3.1.src.rpm
filesystem 15.0 11.8.1 x86_64 filesystem-15.0-11.8.1.src.rpm
skelcd-EULA-bci 2021.05.14 150300.4.8.1 x86_64 skelcd-bci-2021.05.14-150300.4.8.1.src.rpm
glibc 2.31 150300.41.1 x86_64 glibc-2.31-150300.41.1.src.rpm
libpcre1 8.45 150000.20.13.1 x86_64 pcre-8.45-150000.20.13.1.src.rpm
libgmp10 6.1.2 4.9.1 x86_64 gmp-6.1.2-4.9.1.src.rpm
libgcc_s1 12.2.1+git416 150000.1.5.1 x86_64 gcc12-12.2.1+git416-150000.1.5.1.src.rpm
libcap2 2.26 4.6.1 x86_64 libcap-2.26-4.6.1.src.rpm
libstdc++6 12.2.1+git416 150000.1.5.1 x86_64 gcc12-12.2.1+git416-150000.1.5.1.src.rpm
libncurses6 6.1 150000.5.12.1 x86_64 ncurses-6.1-150000.5.12.1.src.rpm
terminfo-base 6.1 150000.5.12.1 x86_64 ncurses-6.1-150000.5.12.1.src.rpm
libattr1 2.4.47 2.19 x86_64 attr-2.4.47-2.19.src.rpm
libselinux1 3.0 1.31 x86_64 libselinux-3.0-1.31.src.rpm
libreadline7 7.0 19.6.1 x86_64 bash-4.4-19.6.1.src.rpm
bash 4.4 19.6.1 x86_64 bash-4.4-19.6.1.src.rpm
libacl1 2.2.52 4.3.1 x86_64 acl-2.2.52-4.3.1.src.rpm
coreutils 8.32 150300.3.5.1 x86_64 coreutils-8.32-150300.3.5.1.src.rpm
sles-release 15.3 55.4.1 x86_64 sles-release-15.3-55.4.1.src.rpm
ca-certificates-mozilla-prebuilt 2.60 150200.27.1 noarch ca-certificates-mozilla-prebuilt-2.60-150200.27.1.src.rpm
libpopt0 1.16 3.22 x86_64 popt-1.16-3.22.src.rpm
file-magic 5.32 7.14.1 noarch file-5.32-7.14.1.src.rpm
libbz2-1 1.0.6 5.11.1 x86_64 bzip2-1.0.6-5.11.1.src.rpm
liblua5_3-5 5.3.6 3.6.1 x86_64 lua53-5.3.6-3.6.1.src.rpm
liblzma5 5.2.3 150000.4.7.1 x86_64 xz-5.2.3-150000.4.7.1.src.rpm
libz1 1.2.11 150000.3.36.1 x86_64 zlib-1.2.11-150000.3.36.1.src.rpm
libzstd1 1.4.4 1.6.1 x86_64 zstd-1.4.4-1.6.1.src.rpm
libmagic1 5.32 7.14.1 x86_64 file-5.32-7.14.1.src.rpm
libcrypt1 4.4.15 150300.4.4.3 x86_64 libxcrypt-4.4.15-150300.4.4.3.src.rpm
libgpg-error0 1.42 150300.9.3.1 x86_64 libgpg-error-1.42-150300.9.3.1.src.rpm
libdw1 0.177 150300.11.3.1 x86_64 elfutils-0.177-150300.11.3.1.src.rpm
libebl-plugins 0.177 150300.11.3.1 x86_64 elfutils-0.177-150300.11.3.1.src.rpm
libelf1 0.177 150300.11.3.1 x86_64 elfutils-0.177-150300.11.3.1.src.rpm
perl-base 5.26.1 150300.17.11.1 x86_64 perl-5.26.1-150300.17.11.1.src.rpm
libgcrypt20 1.8.2 8.42.1 x86_64 libgcrypt-1.8.2-8.42.1.src.rpm
rpm-config-SUSE 1 5.6.1 noarch rpm-config-SUSE-1-5.6.1.src.rpm
rpm-ndb 4.14.3 150300.52.1 x86_64 rpm-ndb-4.14.3-150300.52.1.src.rpm
";

#[test]
fn ndb_sle15_bci_matches_documented_list() {
    let Some(path) = fixture("sle15-bci/Packages.db") else {
        return;
    };
    let content = std::fs::read(&path).expect("fixture");
    assert_eq!(rpm::detect(&content), Some(Backend::Ndb));
    assert_eq!(
        rpm_qa(&path, "Packages.db", &["_db_backend ndb"]),
        None,
        "this rpm reads NDB now: make it the oracle here as for the other backends"
    );
    let parsed = rpm::parse_rpmdb(&content).expect("parses");
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    // Every blob in the file (magic `BlbS` on a 16-byte block boundary) is a package we return.
    let raw_blobs = content
        .chunks_exact(16)
        .filter(|b| b.starts_with(b"BlbS"))
        .count();
    assert_eq!(parsed.items.len(), raw_blobs);
    let ours: BTreeSet<&str> = parsed.items.iter().map(|p| p.name.as_str()).collect();
    let documented: BTreeSet<&str> = SLE15_BCI
        .lines()
        .filter_map(|l| l.split(' ').next())
        .collect();
    assert_eq!(documented.len(), 36);
    let missing: Vec<_> = documented.difference(&ours).collect();
    let extra: Vec<_> = ours.difference(&documented).collect();
    assert!(
        extra.is_empty(),
        "not in the image's documented list: {extra:?}"
    );
    assert_eq!(
        missing,
        vec![&"skelcd-EULA-bci"],
        "only the package the later rebuild added may be missing"
    );
    for p in &parsed.items {
        assert_eq!(p.epoch, None, "{}", p.name);
        assert_eq!(
            p.vendor.as_deref(),
            Some("SUSE LLC <https://www.suse.com/>"),
            "{}",
            p.name
        );
        assert!(
            p.source_name.is_some() && p.source_version.is_some(),
            "{}: SOURCERPM",
            p.name
        );
    }
    check_against_python("sle15-bci", &content, &parsed.items);
    let bash = parsed
        .items
        .iter()
        .find(|p| p.name == "bash")
        .expect("bash");
    assert_eq!(
        bash.vendor.as_deref(),
        Some("SUSE LLC <https://www.suse.com/>")
    );
    assert_eq!(bash.licenses, vec!["GPL-3.0-or-later".to_owned()]);
}

#[test]
fn single_blob_matches_python_rpm() {
    let Some(path) = fixture("blob.bin") else {
        return;
    };
    let blob = std::fs::read(path).expect("fixture");
    let (p, file_err) = rpm::parse_blob(&blob).expect("parses");
    assert_eq!(
        (p.name.as_str(), p.version.as_str(), p.arch.as_deref()),
        ("publicsuffix-list-dafsa", "20210518-2.fc35", Some("noarch"))
    );
    assert_eq!(p.source_name.as_deref(), Some("publicsuffix-list"));
    assert_eq!(p.licenses, vec!["MPLv2.0".to_owned()]);
    let py = python_rpm(std::slice::from_ref(&blob));
    assert_eq!(
        py[0].0,
        row(&p).split('\t').take(5).collect::<Vec<_>>().join("\t")
    );
    // This blob's DIRINDEXES point past its DIRNAMES: rpm refuses its file list ("invalid header data"), and
    // so do we, keeping the package.
    assert_eq!(py[0].1, None);
    let e = file_err.expect("file list refused");
    assert!(
        e.to_string()
            .contains("DIRINDEXES entry 4 beyond the 4 DIRNAMES"),
        "{e}"
    );
    assert!(p.installed_files.is_empty());
}

/// Berkeley DB writes in the creating host's byte order (s390x rpmdbs are big-endian). The little-endian
/// fixture converted field by field to big-endian (every field the format defines on the pages it uses) must
/// read the same.
#[test]
fn bdb_big_endian_copy_reads_the_same() {
    let Some(path) = fixture("libuuid/Packages") else {
        return;
    };
    let le = std::fs::read(&path).expect("fixture");
    let page_size = 4096;
    let mut be = le.clone();
    let swap32 = |b: &mut [u8], o: usize| b[o..o + 4].reverse();
    let swap16 = |b: &mut [u8], o: usize| b[o..o + 2].reverse();
    for o in (8..24).step_by(4).chain((28..224).step_by(4)) {
        swap32(&mut be, o); // metadata page: the u32 fields of DBMETA and HMETA (bytes 24-27 are single bytes)
    }
    for pg in 1..le.len() / page_size {
        let p = pg * page_size;
        let page = &le[p..p + page_size];
        for o in [8, 12, 16] {
            swap32(&mut be, p + o);
        }
        swap16(&mut be, p + 20);
        swap16(&mut be, p + 22);
        if page[25] == 13 || page[25] == 2 {
            let n = u16::from_le_bytes([page[20], page[21]]) as usize;
            for i in 0..n {
                let at = u16::from_le_bytes([page[26 + 2 * i], page[27 + 2 * i]]) as usize;
                swap16(&mut be, p + 26 + 2 * i);
                if page[at] == 3 {
                    swap32(&mut be, p + at + 4);
                    swap32(&mut be, p + at + 8);
                }
            }
        }
    }
    assert_ne!(be, le);
    let a = rpm::parse_rpmdb(&le).expect("little-endian");
    let b = rpm::parse_rpmdb(&be).expect("big-endian");
    assert!(b.warnings.is_empty(), "{:?}", b.warnings);
    assert_eq!(a.items, b.items);
    assert_eq!(b.items.len(), 1);
}
