//! Test support for trawl's crates: where the shared real data lives, and (added by each area) local servers
//! and image builders. Not part of any release.

pub mod cli;
pub mod daemon;
pub mod hostile;
pub mod image;
pub mod moto;
pub mod postgres;
pub mod redis;
pub mod registry;

use std::path::PathBuf;

/// Returns early from the calling test when redis-server or PostgreSQL is absent (failing under CI, which must
/// have them via `.ci/setup.d/70-server.sh`).
#[macro_export]
macro_rules! require_server_tools {
    () => {{
        let mut missing = Vec::new();
        if !$crate::redis::available() {
            missing.push("redis-server");
        }
        if !$crate::postgres::available() {
            missing.push("postgresql");
        }
        if !missing.is_empty() {
            assert!(
                std::env::var_os("CI").is_none(),
                "server test tools missing under CI: {missing:?} (run .ci/setup.d/70-server.sh)"
            );
            #[expect(clippy::print_stderr, reason = "test skip notice")]
            {
                eprintln!("skipping: missing {missing:?} (run .ci/setup.d/70-server.sh)");
            }
            return;
        }
    }};
}

/// The repository root (two levels above this crate's manifest).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the repository root exists")
}

/// `../shared/data` beside the repository (or `$TRAWL_SHARED_DATA`).
///
/// Returns `None` when it is absent, so tests on a contributor's laptop can skip with a message; under CI
/// (`CI` set) its absence is a failure, since CI always has it.
pub fn shared_data() -> Option<PathBuf> {
    let dir = std::env::var_os("TRAWL_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared/data"));
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "shared test data not found at {} (CI must have it)",
        dir.display()
    );
    None
}

/// Like [`shared_data`], but returns early from the calling test with a message when the data is absent.
#[macro_export]
macro_rules! require_shared_data {
    () => {
        match $crate::shared_data() {
            Some(d) => d,
            None => {
                #[expect(clippy::print_stderr, reason = "test skip notice")]
                {
                    eprintln!("skipping: ../shared/data not found");
                }
                return;
            }
        }
    };
}

/// `target/lang-fixtures` (or `$TRAWL_LANG_FIXTURES`), the language fixtures built by `.ci/setup.d/60-lang.sh`
/// (`crates/trawl-lockfile/scripts/make-fixtures.sh`), when every path of `needed` (relative to it) exists.
///
/// Returns `None` when they were not built, so tests on a contributor's laptop can skip with a message; under CI
/// (`CI` set) their absence is a failure, since CI's setup builds them.
pub fn lang_fixtures(needed: &[&str]) -> Option<PathBuf> {
    let dir = std::env::var_os("TRAWL_LANG_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target/lang-fixtures"));
    if needed.iter().all(|p| dir.join(p).exists()) {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{} missing (or without {needed:?}): run .ci/setup.d/60-lang.sh",
        dir.display()
    );
    None
}
