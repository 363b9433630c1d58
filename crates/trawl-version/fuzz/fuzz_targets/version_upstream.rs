#![no_main]
//! Fuzz the upstream version parser and order.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| trawl_version_fuzz::check_versions(
    trawl_version::Scheme::Upstream,
    data
));
