#![no_main]
//! Fuzz the compressed-blob walker: gzip, zstd or plain by magic bytes, then the tar walk.

use libfuzzer_sys::fuzz_target;
use trawl_layers::Visitor;

struct All;

impl Visitor for All {
    fn wants(&self, _path: &str, _mode: u32, _size: u64) -> bool {
        true
    }
    fn visit(&mut self, _path: &str, _mode: u32, size: u64, content: &[u8]) {
        assert!(content.len() as u64 <= size);
    }
}

fuzz_target!(|data: &[u8]| {
    let mut r = data;
    let _ = trawl_layers::walk_blob(&mut r, &mut All);
});
