//! No input makes a parser panic: random bytes, random bytes behind each format's magic, and random mutations
//! (byte changes and truncation) of the real fixtures in ../shared/data/pkgdb.

use proptest::prelude::*;
use std::sync::OnceLock;
use trawl_pkgdb::{apk, dpkg, osrelease, rpm};

fn fixture(rel: &str) -> Vec<u8> {
    trawl_test::shared_data()
        .and_then(|d| std::fs::read(d.join("pkgdb/go-rpmdb/pkg/testdata").join(rel)).ok())
        .unwrap_or_default()
}

fn fixtures() -> &'static [Vec<u8>; 3] {
    static F: OnceLock<[Vec<u8>; 3]> = OnceLock::new();
    F.get_or_init(|| {
        [
            fixture("blob.bin"),
            fixture("libuuid/Packages"),
            fixture("sle15-bci/Packages.db"),
        ]
    })
}

fn rpm_parsers(bytes: &[u8]) {
    let _ = rpm::parse_rpmdb(bytes);
    if let Ok(h) = rpm::header::Header::parse(bytes) {
        let _ = rpm::package_from_header(&h);
        let _ = rpm::file_list(&h);
    }
}

fn all_parsers(bytes: &[u8]) {
    rpm_parsers(bytes);
    let _ = dpkg::parse_status(bytes);
    let _ = dpkg::parse_status_d(bytes);
    let _ = apk::parse_installed(bytes);
    let _ = osrelease::parse_os_release(bytes);
    let _ = osrelease::parse_redhat_release(bytes);
    let _ = osrelease::parse_lsb_release(bytes);
    let _ = osrelease::parse_debian_version(bytes);
}

/// Applies `(position, byte)` changes and an optional truncation to a copy of `base`.
fn mutate(base: &[u8], changes: &[(usize, u8)], cut: Option<usize>) -> Vec<u8> {
    let mut b = base.to_vec();
    if b.is_empty() {
        return b;
    }
    for (pos, byte) in changes {
        let n = b.len();
        b[pos % n] = *byte;
    }
    if let Some(c) = cut {
        let n = b.len();
        b.truncate(c % n);
    }
    b
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        all_parsers(&bytes);
    }

    #[test]
    fn random_bytes_behind_magic(kind in 0..4u8, tail in proptest::collection::vec(any::<u8>(), 0..16384)) {
        let mut b = match kind {
            0 => b"RpmP\0\0\0\0\0\0\0\0\x01\0\0\0".to_vec(),
            1 => {
                // A Berkeley DB hash metadata page header: magic, version 9, 4096-byte pages, type 8.
                let mut m = vec![0u8; 26];
                m[12..16].copy_from_slice(&0x0006_1561u32.to_le_bytes());
                m[16..20].copy_from_slice(&9u32.to_le_bytes());
                m[20..24].copy_from_slice(&4096u32.to_le_bytes());
                m[25] = 8;
                m
            }
            2 => b"SQLite format 3\0".to_vec(),
            _ => vec![0, 0, 0, 3, 0, 0, 0, 64],
        };
        b.extend(tail);
        all_parsers(&b);
    }

    #[test]
    fn mutated_real_rpmdbs(
        which in 0..3usize,
        changes in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..24),
        cut in proptest::option::of(any::<usize>()),
    ) {
        let b = mutate(&fixtures()[which], &changes, cut);
        rpm_parsers(&b);
    }

    #[test]
    fn text_formats_with_random_lines(lines in proptest::collection::vec("[ -~\t]{0,40}", 0..60)) {
        let text = lines.join("\n");
        all_parsers(text.as_bytes());
    }
}

#[test]
fn mutated_sqlite_rpmdb() {
    let base = fixture("cbl-mariner-2.0/rpmdb.sqlite");
    if base.is_empty() {
        return;
    }
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 24,
        ..ProptestConfig::default()
    });
    runner
        .run(
            &(
                proptest::collection::vec((any::<usize>(), any::<u8>()), 0..64),
                proptest::option::of(any::<usize>()),
            ),
            |(changes, cut)| {
                let _ = rpm::parse_rpmdb(&mutate(&base, &changes, cut));
                Ok(())
            },
        )
        .expect("no panic");
}
