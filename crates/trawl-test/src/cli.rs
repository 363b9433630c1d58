//! Running the `trawl` binary from its tests: one command builder and one success check, so every test binary
//! isolates the child from the machine the same way.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A `trawl` command (`bin` is the test's `env!("CARGO_BIN_EXE_trawl")`) that sees nothing of the machine running
/// the tests: no job summary file, no registry credentials, daemon endpoints or docker config from the
/// environment, no colour, warnings only on stderr. A test sets what it needs on the returned command.
pub fn trawl(bin: &str) -> Command {
    let mut c = Command::new(bin);
    for var in [
        "GITHUB_STEP_SUMMARY",
        "DOCKER_HOST",
        "CONTAINER_HOST",
        "TRAWL_USERNAME",
        "TRAWL_PASSWORD",
        "TRAWL_REGISTRY_TOKEN",
        "TRAWL_SERVER_TOKEN",
    ] {
        c.env_remove(var);
    }
    c.env("NO_COLOR", "1")
        .env("TRAWL_LOG", "warn")
        .env("DOCKER_CONFIG", "/nonexistent/trawl-test-docker-config");
    c
}

/// Runs `cmd` and returns its output; panics with the command, its status, stdout and stderr when it fails.
pub fn ok(cmd: &mut Command) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?} did not start: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({:?}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `trawl db build -o OUT --source KIND=DIR...`: an advisory DB from local feeds; returns `out`.
pub fn db_build(bin: &str, out: &Path, sources: &[(&str, PathBuf)]) -> PathBuf {
    let mut c = trawl(bin);
    c.args(["db", "build", "-o"]).arg(out);
    for (kind, dir) in sources {
        c.arg("--source").arg(format!("{kind}={}", dir.display()));
    }
    ok(&mut c);
    out.to_path_buf()
}

/// The DB most image tests match against: the Alpine secdb (v3.3 to v3.11) and the Debian tracker excerpt of
/// `data` (`../shared/data`), and the committed GHSA records (lodash, minimist); written to `out`.
pub fn distro_and_ghsa_db(bin: &str, data: &Path, out: &Path) -> PathBuf {
    db_build(
        bin,
        out,
        &[
            ("alpine-secdb", data.join("advisories/alpine/alpine-secdb")),
            (
                "debian-tracker",
                data.join("advisories/debian/cve-list-excerpt"),
            ),
            ("osv", crate::repo_root().join("tests/data/advisories/ghsa")),
        ],
    )
}
