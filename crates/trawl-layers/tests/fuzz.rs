//! Bounded, stable-Rust fuzzing of the layer walker, the tar/gzip/zstd readers and the merged-tree resolver
//! (issue #14): random and mutated archives never panic, never hang and never hand a visitor more than the
//! entry holds; resolution always terminates inside the image root with a bounded path. Runs in the normal test
//! suite (a few seconds); the cargo-fuzz targets in `fuzz/` explore the same code without a bound.

use proptest::prelude::*;
use std::io::Write;
use trawl_layers::{LayerEntries, MergedTree, Visitor, walk_blob, walk_tar};

/// Wants every file; checks each visit is consistent.
struct All {
    files: usize,
}

impl Visitor for All {
    fn wants(&self, _path: &str, _mode: u32, _size: u64) -> bool {
        true
    }
    fn visit(&mut self, path: &str, _mode: u32, size: u64, content: &[u8]) {
        assert!(!path.starts_with('/') && !path.split('/').any(|c| c == ".."));
        assert!(content.len() as u64 <= size);
        self.files += 1;
    }
}

#[derive(Debug, Clone)]
enum Item {
    File(String, Vec<u8>),
    Link(String, String),
    Hard(String, String),
    Dir(String),
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-c./]{1,12}",
        // Long names: GNU long-name entries.
        "[a-c]{90,300}",
        Just("../escape".to_owned()),
        Just("x/.wh.y".to_owned()),
        Just("d/.wh..wh..opq".to_owned()),
    ]
}

fn item() -> impl Strategy<Value = Item> {
    prop_oneof![
        (name(), proptest::collection::vec(any::<u8>(), 0..1500))
            .prop_map(|(n, c)| Item::File(n, c)),
        (name(), name()).prop_map(|(n, t)| Item::Link(n, t)),
        (name(), name()).prop_map(|(n, t)| Item::Hard(n, t)),
        name().prop_map(Item::Dir),
    ]
}

fn build(items: &[Item]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for it in items {
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o644);
        let r = match it {
            Item::File(n, c) => {
                h.set_entry_type(tar::EntryType::Regular);
                h.set_size(c.len() as u64);
                b.append_data(&mut h, n, c.as_slice())
            }
            Item::Link(n, t) | Item::Hard(n, t) => {
                h.set_entry_type(if matches!(it, Item::Link(..)) {
                    tar::EntryType::Symlink
                } else {
                    tar::EntryType::Link
                });
                h.set_size(0);
                b.append_link(&mut h, n, t)
            }
            Item::Dir(n) => {
                h.set_entry_type(tar::EntryType::Directory);
                h.set_size(0);
                b.append_data(&mut h, n, std::io::empty())
            }
        };
        // The builder refuses some names (e.g. `..`): leave those out.
        let _ = r;
    }
    b.into_inner().expect("tar in memory")
}

fn gzip(b: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(b).expect("gzip in memory");
    e.finish().expect("gzip in memory")
}

/// Mutations: flip bytes, truncate, or splice.
fn mutate(mut data: Vec<u8>, flips: &[(usize, u8)], cut: Option<usize>) -> Vec<u8> {
    if data.is_empty() {
        return data;
    }
    for (i, b) in flips {
        let n = data.len();
        data[i % n] ^= b;
    }
    if let Some(c) = cut {
        let n = data.len();
        data.truncate(c % n);
    }
    data
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, failure_persistence: None, ..ProptestConfig::default() })]

    /// Arbitrary bytes: an error or a walk, never a panic.
    #[test]
    fn walk_tar_takes_any_bytes(data in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let _ = walk_tar(data.as_slice(), &mut All { files: 0 });
        let _ = walk_blob(&mut data.as_slice(), &mut All { files: 0 });
    }

    /// Real archives, then mutated, plain / gzip / zstd: never a panic; unmutated ones walk whole.
    #[test]
    fn walk_mutated_archives(
        items in proptest::collection::vec(item(), 0..12),
        flips in proptest::collection::vec((any::<usize>(), 1u8..), 0..6),
        cut in proptest::option::of(any::<usize>()),
        kind in 0u8..3,
    ) {
        let tar = build(&items);
        let mut v = All { files: 0 };
        let e: LayerEntries = walk_tar(tar.as_slice(), &mut v).expect("a well-formed archive walks");
        prop_assert!(e.entries as usize <= items.len());
        let blob = match kind {
            0 => tar.clone(),
            1 => gzip(&tar),
            _ => zstd::bulk::compress(&tar, 1).expect("zstd in memory"),
        };
        let clean = walk_blob(&mut blob.as_slice(), &mut All { files: 0 }).expect("a well-formed blob walks");
        prop_assert_eq!(&clean.entries, &e);
        let bad = mutate(blob, &flips, cut);
        let _ = walk_blob(&mut bad.as_slice(), &mut All { files: 0 });
        let bad_tar = mutate(tar, &flips, cut);
        let _ = walk_tar(bad_tar.as_slice(), &mut All { files: 0 });
    }

    /// Any links: resolution terminates with a path inside the root, within the kernel's limits.
    #[test]
    fn resolve_is_bounded(
        links in proptest::collection::btree_map("[ab]{1,2}(/[ab]{1,2}){0,2}", "/?([ab.]{1,2}/){0,40}[ab]{0,2}", 0..10),
        hard in proptest::collection::btree_map("[ab]{1,3}", "[ab]{1,3}", 0..3),
        path in "[ab./]{0,20}",
    ) {
        let e = LayerEntries { symlinks: links, hardlinks: hard, ..LayerEntries::default() };
        let mut t: MergedTree<()> = MergedTree::new();
        t.apply_layer(0, &e, []);
        if let Some(r) = t.resolve(&path) {
            prop_assert!(r.len() <= trawl_layers::MAX_RESOLVED_PATH);
            prop_assert!(!r.starts_with('/'));
            prop_assert!(!r.split('/').any(|c| c == ".." || c == "."));
        }
    }
}
