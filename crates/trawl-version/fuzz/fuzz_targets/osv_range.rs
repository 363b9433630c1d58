#![no_main]
//! Fuzz OSV range evaluation (events in any order, any scheme).

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| trawl_version_fuzz::check_osv(data));
