//! Hostile images cannot exhaust memory or stall a scan (issue #14, items 3-8). Each crafted input is made at
//! test time by `trawl_test::hostile` and scanned by the real binary, whose peak RSS (VmHWM, polled from
//! `/proc/PID/status`) and wall time are measured here; the scan must also create no file outside its output
//! and cache paths.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use trawl_test::hostile;

/// Peak RSS budget of a scan of a crafted input.
const CRAFTED_RSS_MIB: u64 = 200;
/// Peak RSS budget of a scan of a normal shared image.
const NORMAL_RSS_MIB: u64 = 100;
/// Wall time budget of any scan.
const TIME_BUDGET: Duration = Duration::from_secs(30);
/// A scan still running after this is killed (so a regression fails instead of hanging CI).
const KILL_AFTER: Duration = Duration::from_secs(90);

/// The binary under test: this build's, or `TRAWL_HOSTILE_BIN` (to measure another build, e.g. a release).
fn binary() -> PathBuf {
    std::env::var_os("TRAWL_HOSTILE_BIN")
        .map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_trawl")), PathBuf::from)
}

/// A scratch area: inputs, DB, cache and output paths, and the places a scan must not write to.
struct Area {
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

impl Area {
    fn new() -> Self {
        let tmp = tempfile::tempdir().expect("temp dir");
        let root = tmp.path().to_owned();
        for d in ["in", "db", "cache", "out", "cwd", "home", "tmp", "xdg"] {
            fs::create_dir(root.join(d)).expect("mkdir");
        }
        let osv = root.join("db/osv");
        fs::create_dir(&osv).expect("mkdir");
        fs::write(
            osv.join("X-1.json"),
            r#"{"id":"X-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"lodash"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"4.17.21"}]}]}]}"#,
        )
        .expect("write advisory");
        let status = Command::new(env!("CARGO_BIN_EXE_trawl"))
            .args(["db", "build", "-q", "--source"])
            .arg(format!("osv={}", osv.display()))
            .arg("-o")
            .arg(root.join("db/trawl.db"))
            .status()
            .expect("trawl runs");
        assert!(status.success(), "db build failed");
        Area { _tmp: tmp, root }
    }

    fn input(&self) -> PathBuf {
        self.root.join("in")
    }

    /// Scans `input` into `out/report.json`, measuring the child.
    fn scan(&self, input: &Path, extra: &[&str]) -> Run {
        let stderr_path = self.root.join("out/stderr.txt");
        let mut cmd = Command::new(binary());
        cmd.args(["image", "--skip-db-update", "--input"])
            .arg(input)
            .arg("--db")
            .arg(self.root.join("db/trawl.db"))
            .arg("--cache-dir")
            .arg(self.root.join("cache"))
            .args(["-f", "json", "-o"])
            .arg(self.root.join("out/report.json"))
            .args(extra)
            .current_dir(self.root.join("cwd"))
            .env("HOME", self.root.join("home"))
            .env("TMPDIR", self.root.join("tmp"))
            .env("XDG_CACHE_HOME", self.root.join("xdg"))
            .env("NO_COLOR", "1")
            .env_remove("TRAWL_CACHE_DIR")
            .env_remove("GITHUB_STEP_SUMMARY")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(fs::File::create(&stderr_path).expect("stderr file"));
        let run = measure(cmd);
        let stderr = fs::read_to_string(&stderr_path).unwrap_or_default();
        let report = fs::read(self.root.join("out/report.json"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok());
        self.assert_no_stray_files();
        Run {
            stderr,
            report,
            ..run
        }
    }

    /// Nothing outside `out/` and `cache/` (and the inputs made by the test) was written.
    fn assert_no_stray_files(&self) {
        for d in ["cwd", "home", "tmp", "xdg"] {
            let left: Vec<_> = walk(&self.root.join(d));
            assert!(
                left.is_empty(),
                "the scan wrote outside its output and cache paths: {left:?}"
            );
        }
        let db: Vec<_> = walk(&self.root.join("db"))
            .into_iter()
            // `trawl.db.verified` is the DB's own integrity stamp (written on first open).
            .filter(|p| {
                !p.ends_with("trawl.db")
                    && !p.ends_with("trawl.db.verified")
                    && !p.ends_with("X-1.json")
            })
            .collect();
        assert!(db.is_empty(), "the scan wrote beside the DB: {db:?}");
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(rd) = fs::read_dir(dir) else {
        return out;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out.into_iter().filter(|p| !p.is_dir()).collect()
}

struct Run {
    code: Option<i32>,
    peak_mib: u64,
    elapsed: Duration,
    stderr: String,
    report: Option<serde_json::Value>,
}

/// The largest peak RSS of this process's waited-for children, in KiB (`getrusage(RUSAGE_CHILDREN)`; nextest
/// runs each test in its own process, so these are this test's children only).
fn children_max_rss_kib() -> u64 {
    nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN)
        .map_or(0, |u| u64::try_from(u.max_rss()).unwrap_or(0))
}

/// Peak resident set size of a live process, in KiB (`VmHWM`).
fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let s = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs `cmd`, polling its peak RSS until it exits (it is killed after [`KILL_AFTER`]).
fn measure(mut cmd: Command) -> Run {
    let start = Instant::now();
    let mut child = cmd.spawn().expect("trawl starts");
    let pid = child.id();
    let mut peak_kib = 0;
    let status = loop {
        if let Some(k) = vm_hwm_kib(pid) {
            peak_kib = peak_kib.max(k);
        }
        if let Some(st) = child.try_wait().expect("wait for trawl") {
            break st;
        }
        if start.elapsed() > KILL_AFTER {
            child.kill().expect("kill the stalled scan");
            let _ = child.wait();
            panic!("the scan still runs after {KILL_AFTER:?}: killed");
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    // The kernel's own figure, once the child is reaped (polling alone can miss a child that exits at once).
    let peak_kib = peak_kib.max(children_max_rss_kib());
    Run {
        code: status.code(),
        peak_mib: peak_kib / 1024,
        elapsed: start.elapsed(),
        stderr: String::new(),
        report: None,
    }
}

impl Run {
    fn within(&self, rss_mib: u64) -> &Self {
        #[expect(
            clippy::print_stderr,
            reason = "the measured figures, shown with --no-capture"
        )]
        {
            eprintln!(
                "measured: peak RSS {} MiB, {:?}, exit {:?}",
                self.peak_mib, self.elapsed, self.code
            );
        }
        assert!(
            self.peak_mib > 0,
            "the child's peak RSS was never read (exit {:?})",
            self.code
        );
        assert!(
            self.peak_mib < rss_mib,
            "peak RSS {} MiB is over the {rss_mib} MiB budget\n{}",
            self.peak_mib,
            self.stderr
        );
        assert!(
            self.elapsed < TIME_BUDGET,
            "took {:?}, over the {TIME_BUDGET:?} budget\n{}",
            self.elapsed,
            self.stderr
        );
        self
    }

    fn exit(&self, code: i32) -> &Self {
        assert_eq!(
            self.code,
            Some(code),
            "exit status; stderr:\n{}",
            self.stderr
        );
        self
    }

    fn stderr_has(&self, needle: &str) -> &Self {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks `{needle}`:\n{}",
            self.stderr
        );
        self
    }

    fn report(&self) -> &serde_json::Value {
        self.report.as_ref().expect("a JSON report")
    }

    fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        collect_warnings(self.report(), &mut out);
        out
    }
}

fn collect_warnings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                if k == "warnings"
                    && let Some(a) = v.as_array()
                {
                    for w in a {
                        out.push(w.to_string());
                    }
                } else {
                    collect_warnings(v, out);
                }
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|v| collect_warnings(v, out)),
        _ => {}
    }
}

const LONG: u64 = 128 * 1024 * 1024;

/// Issue #14 item 3: a 128 MiB GNU long name in a layer is refused before it is read.
#[test]
fn long_name_in_a_layer() {
    let a = Area::new();
    let input = hostile::long_name_in_layer(&a.input(), LONG, false);
    assert!(fs::metadata(&input).expect("input").len() < 2 * 1024 * 1024);
    a.scan(&input, &[])
        .within(CRAFTED_RSS_MIB)
        .exit(2)
        .stderr_has("layer 0")
        .stderr_has("GNU long name of 134217728 bytes is over the 65536 byte limit");
}

/// Issue #14 item 3: a 128 MiB PAX `path` record in a layer is refused before it is read.
#[test]
fn pax_path_in_a_layer() {
    let a = Area::new();
    let input = hostile::long_name_in_layer(&a.input(), LONG, true);
    a.scan(&input, &[])
        .within(CRAFTED_RSS_MIB)
        .exit(2)
        .stderr_has("layer 0")
        .stderr_has("PAX extended header of 134217728 bytes is over the 65536 byte limit");
}

/// Issue #14 item 3: a 128 MiB GNU long name in the outer archive is refused before it is read.
#[test]
fn long_name_in_the_outer_archive() {
    let a = Area::new();
    let input = hostile::long_name_in_outer(&a.input(), LONG);
    a.scan(&input, &[])
        .within(CRAFTED_RSS_MIB)
        .exit(2)
        .stderr_has("long-name-outer.tar.gz")
        .stderr_has("GNU long name of 134217728 bytes is over the 65536 byte limit");
}

/// Issue #14 item 4: symlinks that multiply the path on each hop cost bounded work; the link is reported.
#[test]
fn multiplying_symlinks() {
    let a = Area::new();
    let input = hostile::multiplying_symlinks(&a.input());
    let run = a.scan(&input, &[]);
    run.within(CRAFTED_RSS_MIB).exit(0);
    let warnings = run.warnings();
    for link in ["etc/os-release", "usr/lib/os-release"] {
        assert!(
            warnings.iter().any(|w| w.contains(&format!(
                "{link}: symlink loop, or more links than 40 to follow"
            ))),
            "{warnings:#?}"
        );
    }
}

/// Issue #14 item 5: 300 wanted symlinks to one file of a lower layer: every link is read, in bounded time.
#[test]
fn many_wanted_links() {
    let a = Area::new();
    let input = hostile::many_wanted_links(&a.input(), 300, 10_000);
    let run = a.scan(&input, &[]);
    run.within(CRAFTED_RSS_MIB).exit(0);
    let text = run.report().to_string();
    let found = text.matches("pkg:npm/lodash@4.17.15").count();
    assert!(found >= 300, "{found} lodash packages in the report");
}

/// Issue #14 item 8: one layer listed 10,000 times in a gzip'd archive is read once.
#[test]
fn duplicate_layer_listings() {
    let a = Area::new();
    let input = hostile::duplicate_layer_listings(&a.input(), 10_000, 4 * 1024 * 1024);
    assert!(fs::metadata(&input).expect("input").len() < 1024 * 1024);
    let run = a.scan(&input, &[]);
    run.within(CRAFTED_RSS_MIB).exit(0);
    let text = run.report().to_string();
    assert!(text.contains("3.11.6"), "the OS was not detected");
}

/// Issue #14 item 7: a 100 MiB installed package.json is skipped with a warning naming it (per-file limit);
/// raising the limit reads it.
#[test]
fn big_file_is_skipped_by_name() {
    let a = Area::new();
    let path = "app/node_modules/big/package.json";
    let input = hostile::big_file_in_layer(&a.input(), path, 100 * 1024 * 1024);
    assert!(fs::metadata(&input).expect("input").len() < 2 * 1024 * 1024);
    let run = a.scan(&input, &[]);
    run.within(CRAFTED_RSS_MIB).exit(0);
    let warnings = run.warnings();
    assert!(
        warnings.iter().any(|w| w.contains(&format!(
            "skipped `{path}`: 104857600 bytes is over the per-file read limit of 67108864 bytes \
             (raise it with --max-file-size)"
        ))),
        "{warnings:#?}"
    );
    assert!(!run.report().to_string().contains("pkg:npm/big@1.0.0"));
    // Raised limits: the file is read and its package reported.
    let run = a.scan(
        &input,
        &["--max-file-size", "128M", "--max-read-total", "128M"],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.report().to_string().contains("pkg:npm/big@1.0.0"));
}

/// The normal shared images stay well under their own budget.
#[test]
fn shared_images_stay_small() {
    let data = trawl_test::require_shared_data!();
    let a = Area::new();
    let mut seen = 0;
    for e in fs::read_dir(data.join("images")).expect("shared images") {
        let p = e.expect("dir entry").path();
        if !p.to_string_lossy().ends_with(".tar.gz") {
            continue;
        }
        let run = a.scan(&p, &[]);
        run.within(NORMAL_RSS_MIB);
        assert!(
            matches!(run.code, Some(0 | 1)),
            "{}: exit {:?}\n{}",
            p.display(),
            run.code,
            run.stderr
        );
        seen += 1;
    }
    assert!(seen > 0, "no shared image scanned");
}

/// Issue #14 item 6: jars nested 10 deep (12 MiB of zeros at each level, four layers of them, ~60 KB in all)
/// are read to the default depth in bounded memory, and the archive left unread is named in a warning, with or
/// without parallel layer walks; `--max-archive-depth` changes where reading stops.
#[test]
fn nested_jars() {
    let a = Area::new();
    let input = hostile::nested_jars(&a.input(), 10, 12 << 20, 4);
    assert!(fs::metadata(&input).expect("input").len() < 512 * 1024);
    let unread = "`app/0/level-10.jar!/lib/level-9.jar!/lib/level-8.jar!/lib/level-7.jar!/lib/level-6.jar`: \
                  nested archive `lib/level-5.jar` not read: nested deeper than 4 level(s) \
                  (raise it with --max-archive-depth)";
    for parallel in ["1", "4"] {
        let run = a.scan(&input, &["--no-cache", "--parallel", parallel]);
        run.within(CRAFTED_RSS_MIB).exit(0).stderr_has(unread);
        let warnings = run.warnings();
        assert!(warnings.iter().any(|w| w.contains(unread)), "{warnings:#?}");
        let text = run.report().to_string();
        assert!(text.contains("pkg:maven/g/level-6@1.0.0"), "level 6 read");
        assert!(
            !text.contains("pkg:maven/g/level-5@1.0.0"),
            "level 5 not read"
        );
    }
    // Depth 1: only the archive in the outer one is read; the next is named.
    let run = a.scan(&input, &["--no-cache", "--max-archive-depth", "1"]);
    run.within(CRAFTED_RSS_MIB).exit(0).stderr_has(
        "`app/3/level-10.jar!/lib/level-9.jar`: nested archive `lib/level-8.jar` not read: nested deeper \
         than 1 level(s)",
    );
    assert!(
        !run.report()
            .to_string()
            .contains("pkg:maven/g/level-8@1.0.0")
    );
}

/// Issue #14 item 7: a 31 MB image config (a huge `Env`) is refused with an error naming the image and the
/// size, in bounded memory; one just under the 4 MiB limit is scanned (its Env is secret-scanned) in budget.
#[test]
fn big_image_config() {
    let a = Area::new();
    let input = hostile::big_config(&a.input(), 31_000_000);
    assert!(fs::metadata(&input).expect("input").len() < 2 * 1024 * 1024);
    a.scan(&input, &[])
        .within(CRAFTED_RSS_MIB)
        .exit(2)
        .stderr_has("big-config.tar.gz")
        .stderr_has("image config of 31")
        .stderr_has("bytes is over the 4194304-byte limit");
    // Just under the limit: read, in bounded memory.
    let b = Area::new();
    let input = hostile::big_config(&b.input(), 4_100_000);
    b.scan(&input, &[]).within(CRAFTED_RSS_MIB).exit(0);
}

/// Issue #14 item 11: a Cargo.lock of a million packages (50 MB, ~1 MB in the image) costs bounded memory; the
/// packages past the per-file cap are dropped with a warning naming the file.
#[test]
fn million_package_lockfile() {
    let a = Area::new();
    let input = hostile::many_package_lockfile(&a.input(), 1_000_000);
    let len = fs::metadata(&input).expect("input").len();
    assert!(len < 8 * 1024 * 1024, "{len} bytes");
    let run = a.scan(&input, &[]);
    run.within(CRAFTED_RSS_MIB).exit(0);
    let warnings = run.warnings();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("app/Cargo.lock") && w.contains("1000000 packages")),
        "{warnings:#?}"
    );
}

/// Issue #14 item 7: a 900 MiB package.json and a 1 GiB jar (~2 MB of image) are skipped by the per-file read
/// limit, each named in a warning, without being held in memory.
#[test]
fn huge_package_json_and_jar() {
    let a = Area::new();
    let files = [
        ("app/node_modules/big/package.json", 900 << 20),
        ("app/big-1.0.jar", 1 << 30),
    ];
    let input = hostile::big_files_in_layer(&a.input(), &files);
    assert!(fs::metadata(&input).expect("input").len() < 8 * 1024 * 1024);
    let run = a.scan(&input, &[]);
    run.within(CRAFTED_RSS_MIB).exit(0);
    let warnings = run.warnings();
    for (path, size) in files {
        assert!(
            warnings.iter().any(|w| w.contains(&format!(
                "skipped `{path}`: {size} bytes is over the per-file read limit of 67108864 bytes"
            ))),
            "{warnings:#?}"
        );
    }
}
