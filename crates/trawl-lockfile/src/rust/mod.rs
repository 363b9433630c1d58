//! crates.io ecosystem: `Cargo.lock` and binaries built with cargo-auditable.

pub mod auditable;
pub mod cargo_lock;
