//! `cargo bench -p trawl-advisory --bench build -- OUT_DIR`: builds the DB from the whole shared advisory set
//! (../shared/data/advisories, every feed folder with its kind) and from go-vulndb alone, and prints build
//! time, DB size against the raw feed size, and peak RSS. A benchmark, not a test: nothing is asserted.

#![expect(clippy::print_stdout, reason = "a benchmark prints its figures")]

use std::path::{Path, PathBuf};
use std::time::Instant;
use trawl_advisory::{SourceSpec, build};

/// Every feed folder of the shared data with the kind that reads it.
pub const ALL_SOURCES: &[(&str, &str)] = &[
    ("osv", "ghsa"),
    ("osv", "go-vulndb"),
    ("osv", "pypa-advisory-db/vulns"),
    ("osv", "rustsec/osv"),
    ("osv", "ubuntu/ubuntu-security-notices/osv"),
    ("osv", "ubuntu/vunnel-fixtures/osv"),
    ("osv", "ubuntu/vunnel-fixtures/osv-esm-cases"),
    ("osv", "ubuntu/osv.dev-testdata"),
    ("osv", "debian/osv.dev-testdata/gcp"),
    ("alpine-secdb", "alpine/alpine-secdb"),
    ("alpine-secdb", "alpine/vunnel-fixtures/input/secdb"),
    ("debian-tracker", "debian/cve-list-excerpt"),
    ("debian-tracker", "debian/security-tracker-mirror"),
    ("debian-tracker", "debian/vuln-list-debian"),
    (
        "debian-tracker",
        "debian/osv.dev-testdata/vulnfeeds/test_data/debian",
    ),
    ("wolfi", "wolfi/advisories"),
    ("wolfi", "wolfi/vunnel-fixtures/input/secdb"),
    ("cve5", "cve/cvelistV5/cves"),
    ("kev", "kev/known_exploited_vulnerabilities.json"),
    ("epss", "epss"),
];

fn raw_size(p: &Path) -> u64 {
    if p.is_file() {
        return std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    }
    let mut total = 0;
    for e in std::fs::read_dir(p).into_iter().flatten().flatten() {
        total += raw_size(&e.path());
    }
    total
}

fn run(name: &str, specs: &[SourceSpec], raw: u64, out: &Path) {
    let t = Instant::now();
    let outcome = build(specs, out).expect("build succeeds");
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{name}: build {secs:.1} s, DB {} bytes = {:.1}% of {raw} raw bytes ({} advisories, {} affected rows)",
        outcome.size,
        outcome.size as f64 * 100.0 / raw as f64,
        outcome.metadata.advisories_by_source.values().sum::<u64>(),
        outcome.metadata.affected_rows
    );
}

fn main() {
    let Some(data) = std::env::var_os("TRAWL_SHARED_DATA")
        .map(PathBuf::from)
        .or_else(|| Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data")))
        .filter(|d| d.is_dir())
    else {
        println!("shared data not found");
        return;
    };
    let adv = data.join("advisories");
    let out_dir = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let specs: Vec<SourceSpec> = ALL_SOURCES
        .iter()
        .map(|(k, p)| {
            format!("{k}={}", adv.join(p).display())
                .parse()
                .expect("spec")
        })
        .collect();
    let raw: u64 = ALL_SOURCES
        .iter()
        .map(|(_, p)| raw_size(&adv.join(p)))
        .sum();
    run("all shared feeds", &specs, raw, &out_dir.join("all.db"));
    let go = adv.join("go-vulndb/osv");
    let go_spec: SourceSpec = format!("osv={}", go.display()).parse().expect("spec");
    run(
        "go-vulndb",
        &[go_spec],
        raw_size(&go),
        &out_dir.join("go.db"),
    );
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let hwm = status
        .lines()
        .find(|l| l.starts_with("VmHWM"))
        .unwrap_or("VmHWM: ?")
        .to_owned();
    println!("peak RSS: {}", hwm.trim_start_matches("VmHWM:").trim());
}
