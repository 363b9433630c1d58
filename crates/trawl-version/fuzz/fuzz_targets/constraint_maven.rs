#![no_main]
//! Fuzz the maven range-expression parser.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| trawl_version_fuzz::check_constraint(
    trawl_version::Scheme::Maven,
    data
));
