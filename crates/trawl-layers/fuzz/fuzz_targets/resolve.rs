#![no_main]
//! Fuzz the merged-tree resolver: the input is lines `LINK -> TARGET` (symlinks), `LINK => TARGET` (hard links)
//! and a last line, the path to resolve. Resolution must end inside the root, within the kernel's limits.

use libfuzzer_sys::fuzz_target;
use trawl_layers::{LayerEntries, MAX_RESOLVED_PATH, MergedTree};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut e = LayerEntries::default();
    let mut path = "";
    for line in text.lines() {
        if let Some((l, t)) = line.split_once(" -> ") {
            e.symlinks.insert(l.to_owned(), t.to_owned());
        } else if let Some((l, t)) = line.split_once(" => ") {
            e.hardlinks.insert(l.to_owned(), t.to_owned());
        } else {
            path = line;
        }
    }
    let mut t: MergedTree<()> = MergedTree::new();
    t.apply_layer(0, &e, []);
    if let Some(r) = t.resolve(path) {
        assert!(r.len() <= MAX_RESOLVED_PATH);
        assert!(!r.starts_with('/'));
        assert!(!r.split('/').any(|c| c == ".."));
    }
});
