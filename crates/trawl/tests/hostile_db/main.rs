//! Issue 14 (part B), end to end through the binary: DB writers and special destinations, damaged DBs, temporary
//! files of killed runs, boolean environment variables and error messages. Real feeds from ../shared/data; each
//! run has its own working and cache directories, checked afterwards for files it should not have made.

use assert_cmd::Command;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The binary with a private cache dir and working dir, and no DB settings from the environment.
fn trawl(work: &Path) -> Command {
    let mut c = Command::cargo_bin("trawl").expect("trawl binary");
    c.current_dir(work)
        .env_remove("TRAWL_DB")
        .env_remove("TRAWL_DB_REPOSITORY")
        .env_remove("TRAWL_QUIET")
        .env("TRAWL_CACHE_DIR", work.join("cache"))
        .env("TRAWL_LOG", "info")
        .env("NO_COLOR", "1");
    c
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A small real feed: Alpine's secdb for one release.
fn small_feed() -> String {
    let data = trawl_test::shared_data().expect("shared data");
    format!(
        "alpine-secdb={}",
        data.join("advisories/alpine/alpine-secdb/v3.10/main.yaml")
            .display()
    )
}

fn build(work: &Path, out: &Path) -> std::process::Output {
    trawl(work)
        .args(["db", "build", "-o"])
        .arg(out)
        .args(["--source", &small_feed()])
        .output()
        .expect("trawl runs")
}

/// Names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// A character device like /dev/null (1,7 is /dev/full's neighbour: no driver needs it), if this user may make one.
fn mknod_char(path: &Path) -> bool {
    std::process::Command::new("mknod")
        .arg(path)
        .args(["c", "1", "7"])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn mkfifo(path: &Path) {
    let st = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(st.success(), "mkfifo {}", path.display());
}

#[test]
fn db_writers_refuse_devices_and_fifos_and_leave_them_alone() {
    let _data = trawl_test::require_shared_data!();
    let tmp = tempfile::tempdir().expect("tempdir");
    let work = tmp.path();
    let out = work.join("out");
    std::fs::create_dir(&out).expect("mkdir");
    let fifo = out.join("fifo");
    mkfifo(&fifo);
    let mut targets = vec![(fifo.clone(), "a FIFO")];
    let dev = out.join("dev");
    if mknod_char(&dev) {
        targets.push((dev.clone(), "a character device"));
    } else {
        #[expect(clippy::print_stderr, reason = "test skip notice")]
        {
            eprintln!("not root: the character-device case is skipped (FIFO only)");
        }
    }
    // Through a symlink too: the link's target is what counts.
    let link = out.join("link-to-fifo");
    std::os::unix::fs::symlink(&fifo, &link).expect("symlink");
    targets.push((link.clone(), "a FIFO"));
    for (target, kind) in &targets {
        let runs: Vec<(&str, std::process::Output)> = vec![
            ("db build", build(work, target)),
            (
                "db update",
                trawl(work)
                    .args(["db", "update", "--db"])
                    .arg(target)
                    .args(["--db-repository", "http://127.0.0.1:9/trawl.db"])
                    .output()
                    .expect("trawl runs"),
            ),
            (
                "db pull",
                trawl(work)
                    .args(["db", "pull", "127.0.0.1:9/trawl/db:1", "--db"])
                    .arg(target)
                    .output()
                    .expect("trawl runs"),
            ),
        ];
        for (what, o) in runs {
            let err = stderr(&o);
            assert_eq!(
                o.status.code(),
                Some(2),
                "{what} {}: {err}",
                target.display()
            );
            assert!(
                err.contains(&format!("is {kind}, not a regular file")),
                "{what}: {err}"
            );
            assert!(err.contains("out/"), "{what} names the path: {err}");
        }
    }
    let ft = std::fs::symlink_metadata(&fifo).expect("fifo").file_type();
    assert!(ft.is_fifo(), "the FIFO is untouched");
    if targets.iter().any(|(t, _)| t == &dev) {
        let ft = std::fs::symlink_metadata(&dev).expect("dev").file_type();
        assert!(ft.is_char_device(), "the device is untouched");
    }
    assert!(
        std::fs::symlink_metadata(&link)
            .expect("link")
            .file_type()
            .is_symlink()
    );
    // Nothing else was made beside them (no temporary files, no stamps).
    let mut expected = vec!["fifo".to_owned(), "link-to-fifo".to_owned()];
    if dev.exists() {
        expected.push("dev".to_owned());
    }
    expected.sort();
    assert_eq!(names(&out), expected);
}

#[test]
fn a_db_behind_a_symlink_is_written_to_its_target_and_the_link_kept() {
    let _data = trawl_test::require_shared_data!();
    let tmp = tempfile::tempdir().expect("tempdir");
    let work = tmp.path();
    let real_dir = work.join("real");
    std::fs::create_dir(&real_dir).expect("mkdir");
    let link = work.join("trawl.db");
    std::os::unix::fs::symlink("real/trawl.db", &link).expect("symlink");
    let o = build(work, &link);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        std::fs::symlink_metadata(&link)
            .expect("link")
            .file_type()
            .is_symlink()
    );
    assert_eq!(names(&real_dir), ["trawl.db", "trawl.db.verified"]);
    let o = trawl(work)
        .args(["db", "info", "--db"])
        .arg(&link)
        .output()
        .expect("trawl runs");
    assert!(o.status.success(), "{}", stderr(&o));
}

/// Flips one byte in every `step` from `from` on: damage throughout the file, as a bad disk or a careless edit
/// would leave it.
fn flip_throughout(path: &Path, from: usize, step: usize) {
    let mut bytes = std::fs::read(path).expect("read");
    let mut i = from;
    while i < bytes.len() {
        bytes[i] ^= 0x5a;
        i += step;
    }
    std::fs::write(path, bytes).expect("write");
}

#[test]
fn a_damaged_db_is_an_error_naming_the_file_and_the_fix() {
    let _data = trawl_test::require_shared_data!();
    let tmp = tempfile::tempdir().expect("tempdir");
    let work = tmp.path();
    let good = work.join("good.db");
    let o = build(work, &good);
    assert!(o.status.success(), "{}", stderr(&o));
    let info = |db: &Path| {
        trawl(work)
            .args(["db", "info", "--db"])
            .arg(db)
            .output()
            .expect("trawl runs")
    };
    let o = info(&good);
    assert!(o.status.success(), "{}", stderr(&o));
    let empty = work.join("empty");
    std::fs::create_dir(&empty).expect("mkdir");
    let scan = |db: &Path| {
        trawl(work)
            .args(["fs", "--skip-db-update", "--db"])
            .arg(db)
            .arg(&empty)
            .output()
            .expect("trawl runs")
    };
    let o = scan(&good);
    assert!(o.status.success(), "{}", stderr(&o));

    // Bytes flipped throughout (the header page left alone, so the file still opens as SQLite).
    let damaged = work.join("damaged.db");
    std::fs::copy(&good, &damaged).expect("copy");
    flip_throughout(&damaged, 4096, 3001);
    for o in [info(&damaged), scan(&damaged)] {
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains("damaged.db"), "{err}");
        assert!(err.contains("the advisory DB is damaged"), "{err}");
        assert!(err.contains("trawl db update"), "{err}");
    }

    // The same damage made after the DB was verified, with its modification time put back: still caught (the
    // change time moved).
    let sneaky = work.join("sneaky.db");
    std::fs::copy(&good, &sneaky).expect("copy");
    assert!(info(&sneaky).status.success());
    let mtime = std::fs::metadata(&sneaky)
        .and_then(|m| m.modified())
        .expect("mtime");
    flip_throughout(&sneaky, 4096, 3001);
    std::fs::File::options()
        .write(true)
        .open(&sneaky)
        .and_then(|f| f.set_modified(mtime))
        .expect("restore mtime");
    let o = info(&sneaky);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));

    // A truncated file and one with bytes appended fail on the header check.
    let cut = work.join("cut.db");
    let bytes = std::fs::read(&good).expect("read");
    std::fs::write(&cut, &bytes[..bytes.len() - 2048]).expect("write");
    let o = info(&cut);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("truncated or extended"), "{err}");

    // Nothing was made in the working directory but the DBs, their stamps and the cache.
    let made: Vec<String> = names(work);
    for n in &made {
        assert!(
            n.ends_with(".db") || n.ends_with(".db.verified") || n == "cache" || n == "empty",
            "unexpected {n} in {made:?}"
        );
    }
}

#[test]
fn a_killed_build_leaves_a_temp_file_the_next_run_removes_but_not_a_live_runs() {
    let data = trawl_test::require_shared_data!();
    let tmp = tempfile::tempdir().expect("tempdir");
    let work = tmp.path();
    let dbdir = work.join("db");
    std::fs::create_dir(&dbdir).expect("mkdir");
    let out = dbdir.join("trawl.db");
    // A build long enough to kill in the middle: every Go and PyPA advisory.
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("trawl"))
        .current_dir(work)
        .env("TRAWL_CACHE_DIR", work.join("cache"))
        .args(["db", "build", "-q", "-o"])
        .arg(&out)
        .arg("--source")
        .arg(format!(
            "osv={}",
            data.join("advisories/go-vulndb").display()
        ))
        .arg("--source")
        .arg(format!(
            "osv={}",
            data.join("advisories/pypa-advisory-db/vulns").display()
        ))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn trawl");
    let deadline = Instant::now() + Duration::from_secs(60);
    let temp = loop {
        let found = names(&dbdir)
            .into_iter()
            .find(|n| n.starts_with(".trawl-db-build.") && n.ends_with(".tmp"));
        if let Some(n) = found {
            break dbdir.join(n);
        }
        assert!(
            child.try_wait().expect("poll").is_none(),
            "the build ended before its temporary file was seen"
        );
        assert!(Instant::now() < deadline, "no temporary file appeared");
        std::thread::sleep(Duration::from_millis(20));
    };
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
    assert!(temp.exists(), "kill -9 leaves {}", temp.display());
    assert!(!out.exists());

    // A concurrent, live run's temporary file: same machine tag, the PID of a process that is alive.
    let name = temp
        .file_name()
        .and_then(|n| n.to_str())
        .expect("name")
        .to_owned();
    let tag = name.split('.').nth(2).expect("tag in the name").to_owned();
    let mut sleeper = std::process::Command::new("sleep")
        .arg("60")
        .spawn()
        .expect("spawn sleep");
    let live: PathBuf = dbdir.join(format!(
        ".trawl-db-update.{tag}.{}.AbCdEf.tmp",
        sleeper.id()
    ));
    std::fs::write(&live, b"being downloaded").expect("write");

    let o = build(work, &out);
    let _ = sleeper.kill();
    let _ = sleeper.wait();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!temp.exists(), "the killed run's temporary file is removed");
    assert!(live.exists(), "a live run's temporary file is kept");
    let err = stderr(&o);
    assert!(
        err.contains("interrupted run") && err.contains(&name),
        "the removal is reported: {err}"
    );
    let live_name = live.file_name().and_then(|n| n.to_str()).expect("name");
    let mut left = names(&dbdir);
    left.retain(|n| n != live_name);
    assert_eq!(left, ["trawl.db", "trawl.db.verified"]);
}

#[test]
fn boolean_environment_variables_accept_1_0_yes_no() {
    let _data = trawl_test::require_shared_data!();
    let tmp = tempfile::tempdir().expect("tempdir");
    let work = tmp.path();
    let db = work.join("t.db");
    let run = |quiet: &str| {
        trawl(work)
            .env_remove("TRAWL_LOG")
            .env("TRAWL_QUIET", quiet)
            .args(["db", "build", "-o"])
            .arg(&db)
            .args(["--source", &small_feed()])
            .output()
            .expect("trawl runs")
    };
    for yes in ["1", "yes", "TRUE", "Yes"] {
        let o = run(yes);
        assert!(o.status.success(), "TRAWL_QUIET={yes}: {}", stderr(&o));
        assert!(
            !stderr(&o).contains("INFO"),
            "TRAWL_QUIET={yes} is quiet: {}",
            stderr(&o)
        );
    }
    for no in ["0", "no", "False"] {
        let o = run(no);
        assert!(o.status.success(), "TRAWL_QUIET={no}: {}", stderr(&o));
        assert!(stderr(&o).contains("INFO"), "TRAWL_QUIET={no} is not quiet");
    }
    let o = run("maybe");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("'maybe'"), "{}", stderr(&o));
}

#[test]
fn an_error_cause_is_printed_once() {
    let _data = trawl_test::require_shared_data!();
    let tmp = tempfile::tempdir().expect("tempdir");
    let work = tmp.path();
    let db = work.join("t.db");
    assert!(build(work, &db).status.success());
    let o = trawl(work)
        .args([
            "image",
            "docker-archive:/definitely/not/here.tar",
            "--skip-db-update",
            "--db",
        ])
        .arg(&db)
        .output()
        .expect("trawl runs");
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("/definitely/not/here.tar"), "{err}");
    assert_eq!(
        err.matches("No such file or directory").count(),
        1,
        "the cause once: {err}"
    );
}
