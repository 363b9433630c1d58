//! A registry behind htpasswd basic auth: every way of giving credentials, a clear error for a wrong password,
//! and no secret in the output at any verbosity.

use crate::{json, ok, run, trawl};
use base64::Engine as _;
use std::io::Write as _;
use std::process::{Output, Stdio};
use trawl_test::registry::TestRegistry;

const USER: &str = "scanbot";
const PASSWORD: &str = "Pw-7f3a9c1e-secret";

fn all_output(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn assert_no_secret(out: &Output, secrets: &[&str]) {
    let text = all_output(out);
    let b64 = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"));
    for s in secrets.iter().copied().chain([b64.as_str()]) {
        assert!(
            !text.contains(s),
            "secret {s:?} leaked into the output:\n{text}"
        );
    }
}

/// `trawl image REF` with secret scanning only (no DB needed), debug logging on.
fn scan(registry: &TestRegistry) -> std::process::Command {
    let mut c = trawl();
    c.env_remove("TRAWL_LOG")
        .args([
            "-d",
            "image",
            &registry.reference("alpine:3.10"),
            "--image-src",
            "remote",
        ])
        .args(["--scanners", "secret", "--no-cache", "-f", "json"]);
    c
}

fn with_stdin(cmd: &mut std::process::Command, input: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn trawl");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("trawl runs")
}

#[test]
fn credentials_every_way_and_never_shown() {
    let data = trawl_test::require_shared_data!();
    trawl_test::require_registry_tools!();
    let registry = TestRegistry::start_with_auth(USER, PASSWORD);
    registry.push_archive(&data.join("images/alpine-310.tar.gz"), "alpine:3.10");
    let tmp = tempfile::tempdir().expect("tmp");

    // --username + --password-stdin.
    let out = with_stdin(
        scan(&registry).args(["--username", USER, "--password-stdin"]),
        &format!("{PASSWORD}\n"),
    );
    assert!(out.status.success(), "{}", all_output(&out));
    assert_eq!(
        json(&out)["artifact"]["name"],
        registry.reference("alpine:3.10").as_str()
    );
    assert_no_secret(&out, &[PASSWORD]);

    // TRAWL_USERNAME / TRAWL_PASSWORD.
    let out = ok(scan(&registry)
        .env("TRAWL_USERNAME", USER)
        .env("TRAWL_PASSWORD", PASSWORD));
    assert_no_secret(&out, &[PASSWORD]);

    // --password on the command line (works, but is not echoed back).
    let out = ok(scan(&registry).args(["--username", USER, "--password", PASSWORD]));
    assert_no_secret(&out, &[PASSWORD]);

    // docker config.json `auths` entry.
    let auths = tmp.path().join("auths");
    std::fs::create_dir(&auths).expect("dir");
    let b64 = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"));
    std::fs::write(
        auths.join("config.json"),
        format!(
            r#"{{"auths":{{"{}":{{"auth":"{b64}"}}}}}}"#,
            registry.host()
        ),
    )
    .expect("config");
    let out = ok(scan(&registry).env("DOCKER_CONFIG", &auths));
    assert_no_secret(&out, &[PASSWORD]);

    // docker config.json `credHelpers` entry: a helper script on PATH.
    let helpers = tmp.path().join("helpers");
    let bin = tmp.path().join("bin");
    std::fs::create_dir(&helpers).expect("dir");
    std::fs::create_dir(&bin).expect("dir");
    let helper = bin.join("docker-credential-trawl-test");
    std::fs::write(
        &helper,
        format!(
            "#!/bin/sh\nread server\n[ \"$1\" = get ] && [ \"$server\" = \"{}\" ] || exit 1\n\
             echo '{{\"ServerURL\":\"'$server'\",\"Username\":\"{USER}\",\"Secret\":\"{PASSWORD}\"}}'\n",
            registry.host()
        ),
    )
    .expect("helper");
    std::process::Command::new("chmod")
        .arg("755")
        .arg(&helper)
        .status()
        .expect("chmod");
    std::fs::write(
        helpers.join("config.json"),
        format!(
            r#"{{"credHelpers":{{"{}":"trawl-test"}}}}"#,
            registry.host()
        ),
    )
    .expect("config");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = ok(scan(&registry)
        .env("DOCKER_CONFIG", &helpers)
        .env("PATH", &path));
    assert_no_secret(&out, &[PASSWORD]);
}

#[test]
fn wrong_or_missing_credentials_fail_clearly() {
    let data = trawl_test::require_shared_data!();
    trawl_test::require_registry_tools!();
    let registry = TestRegistry::start_with_auth(USER, PASSWORD);
    registry.push_archive(&data.join("images/alpine-310.tar.gz"), "alpine:3.10");
    let wrong = "Wrong-9d8e7f-password";

    let out = run(scan(&registry).args(["--username", USER, "--password", wrong]));
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&registry.host()) && err.contains("authentication failed"),
        "{err}"
    );
    assert!(err.contains(USER), "names the user: {err}");
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "{err}"
    );
    assert_no_secret(&out, &[wrong, PASSWORD]);

    let out = run(&mut scan(&registry));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&registry.host()) && err.contains("requires credentials"),
        "{err}"
    );

    let token = "tok-5b4c3d2e1f";
    let out = run(scan(&registry).args(["--registry-token", token]));
    assert_eq!(out.status.code(), Some(2));
    assert_no_secret(&out, &[token]);
}
