#![no_main]
//! Fuzz the layer walker (and the tar guard under it) with raw tar bytes: never a panic, never a visit with more
//! content than the entry's size.

use libfuzzer_sys::fuzz_target;
use trawl_layers::Visitor;

struct All;

impl Visitor for All {
    fn wants(&self, _path: &str, _mode: u32, _size: u64) -> bool {
        true
    }
    fn visit(&mut self, path: &str, _mode: u32, size: u64, content: &[u8]) {
        assert!(!path.split('/').any(|c| c == ".."));
        assert!(content.len() as u64 <= size);
    }
}

fuzz_target!(|data: &[u8]| {
    let _ = trawl_layers::walk_tar(data, &mut All);
});
