//! Differential tests: trawl-version against each ecosystem's reference implementation, on thousands of seeded,
//! realistic pairs per ecosystem plus every pair of the shared vector files.
//!
//! Each reference runs once per test over a whole batch (pairs written to a file, one process prints one verdict
//! per line; see `scripts/oracles/`). The seed is random per run (printed on failure); set
//! `TRAWL_DIFF_SEED=<n>` to replay a run, `TRAWL_DIFF_PAIRS=<n>` to change the batch size (default 4000).
//! Pairs the reference rejects (it prints `!`) are skipped and counted; agreement on the rest must be 100%.
//! Where the reference disagrees with a vector file, the reference wins; those lines are printed.
//!
//! The tools come from `.ci/setup.d/10-version.sh`. Without them (a laptop) the tests skip with a message;
//! under CI (`CI` set) a missing tool fails the test.

mod generate;

use generate::{Rng, Spec};
use std::cmp::Ordering;
use std::path::{Path, PathBuf};
use std::process::Command;
use trawl_version::{Scheme, compare, parse_constraint};

fn oracles_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/oracles")
}

fn seed() -> u64 {
    match std::env::var("TRAWL_DIFF_SEED") {
        Ok(s) => s.parse().expect("TRAWL_DIFF_SEED is a number"),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64 ^ u64::from(std::process::id())),
    }
}

fn batch_size() -> usize {
    std::env::var("TRAWL_DIFF_PAIRS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(4000)
}

/// Is the tool usable? Under CI its absence is a failure; elsewhere the test is skipped.
fn have(what: &str, probe: &mut Command) -> bool {
    let ok = probe.output().is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "{what} is required under CI (see .ci/setup.d/10-version.sh)"
        );
        #[expect(clippy::print_stderr, reason = "test skip notice")]
        {
            eprintln!("skipping: {what} not available");
        }
    }
    ok
}

/// Pairs from a vector file (`A op B` lines), with the file name and line number.
fn vector_pairs(file: &str) -> Vec<(String, String, String)> {
    let Some(dir) = trawl_test::shared_data() else {
        return Vec::new();
    };
    let path = dir.join("version-vectors").join(file);
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    text.lines()
        .enumerate()
        .filter(|(_, l)| !(l.is_empty() || l.starts_with("# ") || l.starts_with("// ")))
        .filter_map(|(n, l)| {
            let p: Vec<&str> = l.split(' ').collect();
            (p.len() == 3).then(|| {
                (
                    p[0].to_string(),
                    p[2].to_string(),
                    format!("{file}:{}: {l}", n + 1),
                )
            })
        })
        .collect()
}

/// Runs the oracle over `pairs` (one process) and returns one verdict per pair.
fn run_oracle(cmd: &mut Command, pairs: &[(String, String)], dir: &Path) -> Vec<String> {
    let file = dir.join("pairs.tsv");
    let body: String = pairs.iter().map(|(a, b)| format!("{a}\t{b}\n")).collect();
    std::fs::write(&file, body).expect("write pairs");
    let out = cmd.arg(&file).output().expect("oracle runs");
    assert!(
        out.status.success(),
        "oracle {cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let verdicts: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(
        verdicts.len(),
        pairs.len(),
        "oracle printed {} verdicts for {} pairs",
        verdicts.len(),
        pairs.len()
    );
    verdicts
}

fn sym(o: Ordering) -> &'static str {
    match o {
        Ordering::Less => "<",
        Ordering::Equal => "=",
        Ordering::Greater => ">",
    }
}

/// Generates the batch, adds the vector files, asks the oracle, and demands full agreement.
fn differential(scheme: Scheme, spec: &Spec, vector_files: &[&str], oracle: &mut Command) {
    let seed = seed();
    let mut rng = Rng::new(seed);
    let n = batch_size();
    let mut pairs: Vec<(String, String)> = (0..n).map(|_| generate::pair(&mut rng, spec)).collect();
    let vectors: Vec<(String, String, String)> =
        vector_files.iter().flat_map(|f| vector_pairs(f)).collect();
    pairs.extend(vectors.iter().map(|(a, b, _)| (a.clone(), b.clone())));
    let tmp = tempfile::tempdir().expect("temp dir");
    let verdicts = run_oracle(oracle, &pairs, tmp.path());
    let mut failures = Vec::new();
    let mut skipped = 0usize;
    let mut agreed = 0usize;
    let mut vector_disagreements = Vec::new();
    for (k, ((a, b), want)) in pairs.iter().zip(&verdicts).enumerate() {
        if want == "!" {
            if k < n {
                skipped += 1;
            }
            continue;
        }
        match compare(scheme, a, b) {
            Ok(o) if sym(o) == want => agreed += 1,
            Ok(o) => failures.push(format!(
                "{a} {want} {b} per the reference, trawl says {}",
                sym(o)
            )),
            Err(e) => failures.push(format!(
                "{a} {want} {b} per the reference, trawl fails: {e}"
            )),
        }
        if k >= n {
            let (_, _, origin) = &vectors[k - n];
            let op = origin.rsplit(' ').nth(1).unwrap_or("");
            if op != want {
                vector_disagreements.push(format!("{origin} (reference says {want})"));
            }
        }
    }
    if !vector_disagreements.is_empty() {
        #[expect(clippy::print_stderr, reason = "report for the maintainers")]
        {
            eprintln!(
                "{scheme}: the reference disagrees with {} vector line(s) (the reference wins):\n{}",
                vector_disagreements.len(),
                vector_disagreements.join("\n")
            );
        }
    }
    assert!(
        failures.is_empty(),
        "{scheme}: {} disagreement(s) with the reference (seed {seed}, TRAWL_DIFF_SEED={seed} to replay):\n{}",
        failures.len(),
        failures
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        skipped * 10 < n,
        "{scheme}: the reference rejected {skipped} of {n} generated pairs (seed {seed}); the generator drifted"
    );
    assert!(
        agreed >= n - skipped,
        "{scheme}: too few comparisons ({agreed})"
    );
    #[expect(clippy::print_stderr, reason = "figures for the log")]
    {
        eprintln!(
            "{scheme}: {agreed} comparisons agree with the reference ({n} generated, {skipped} rejected by it; {} \
             vector pairs; seed {seed})",
            vectors.len()
        );
    }
}

#[test]
fn dpkg_perl_and_binary() {
    if !have("dpkg", Command::new("dpkg").arg("--version"))
        || !have(
            "Dpkg::Version",
            Command::new("perl").args(["-MDpkg::Version", "-e1"]),
        )
    {
        return;
    }
    differential(
        Scheme::Deb,
        &generate::DEB,
        &["debian-versions.txt", "debian-versions-generated.txt"],
        Command::new("perl").arg(oracles_dir().join("dpkg_compare.pl")),
    );
    // The Perl module must agree with the dpkg binary itself: a sample through `dpkg --compare-versions`.
    let seed = seed() ^ 0xD9;
    let mut rng = Rng::new(seed);
    let sample: Vec<(String, String)> = (0..300)
        .map(|_| generate::pair(&mut rng, &generate::DEB))
        .collect();
    let tmp = tempfile::tempdir().expect("temp dir");
    let by_dpkg = run_oracle(
        Command::new("sh").arg(oracles_dir().join("dpkg_binary_sample.sh")),
        &sample,
        tmp.path(),
    );
    let by_perl = run_oracle(
        Command::new("perl").arg(oracles_dir().join("dpkg_compare.pl")),
        &sample,
        tmp.path(),
    );
    for (((a, b), d), p) in sample.iter().zip(&by_dpkg).zip(&by_perl) {
        assert_eq!(
            d, p,
            "dpkg and Dpkg::Version disagree on {a} vs {b} (seed {seed})"
        );
        let ours = compare(Scheme::Deb, a, b).map(sym).unwrap_or("!");
        assert_eq!(
            ours, d,
            "dpkg says {a} {d} {b}, trawl says {ours} (seed {seed})"
        );
    }
}

#[test]
fn rpm_label_compare() {
    if !have(
        "python3-rpm",
        Command::new("/usr/bin/python3").args(["-c", "import rpm"]),
    ) {
        return;
    }
    differential(
        Scheme::Rpm,
        &generate::RPM,
        &["redhat-versions.txt"],
        Command::new("/usr/bin/python3").arg(oracles_dir().join("rpm_compare.py")),
    );
}

#[test]
fn pypi_packaging() {
    if !have(
        "python packaging",
        Command::new("python3").args(["-c", "import packaging.version"]),
    ) {
        return;
    }
    differential(
        Scheme::Pep440,
        &generate::PEP440,
        &["pypi-versions.txt", "pypi-versions-generated.txt"],
        Command::new("python3").arg(oracles_dir().join("pep440_compare.py")),
    );
}

#[test]
fn npm_semver() {
    let semver = trawl_test::repo_root().join("target/trawl-version-oracles/node_modules/semver");
    if !have("node", Command::new("node").arg("--version"))
        || !have(
            "node-semver (target/trawl-version-oracles)",
            Command::new("test").arg("-d").arg(&semver),
        )
    {
        return;
    }
    differential(
        Scheme::Npm,
        &generate::NPM,
        &["semver-versions.txt"],
        Command::new("node")
            .arg(oracles_dir().join("npm_compare.js"))
            .arg(&semver),
    );
}

#[test]
fn maven_comparable_version() {
    let jar = Path::new("/usr/share/maven/lib/maven-artifact-3.x.jar");
    if !have("java", Command::new("java").arg("-version"))
        || !have(
            "maven-artifact jar",
            Command::new("test").arg("-e").arg(jar),
        )
    {
        return;
    }
    // Every vector line goes through the JVM too: this is what confirms `MAVEN_38_DISAGREES` in tests/vectors.rs.
    differential(
        Scheme::Maven,
        &generate::MAVEN,
        &["maven-versions.txt", "maven-versions-generated.txt"],
        Command::new("java")
            .arg("-cp")
            .arg(jar)
            .arg(oracles_dir().join("MavenCompare.java")),
    );
}

#[test]
fn rubygems_gem_version() {
    if !have("ruby", Command::new("ruby").arg("--version")) {
        return;
    }
    differential(
        Scheme::RubyGems,
        &generate::GEM,
        &["rubygems-versions.txt", "rubygems-versions-generated.txt"],
        Command::new("ruby").arg(oracles_dir().join("gem_compare.rb")),
    );
}

// ---------------------------------------------------------------- vendor range syntaxes

type GenFn = fn(&mut Rng) -> String;

/// Ranges and versions from the generators, the reference's `y`/`n` verdicts, full agreement required.
fn range_differential(scheme: Scheme, range: GenFn, version: GenFn, oracle: &mut Command) {
    let seed = seed();
    let mut rng = Rng::new(seed);
    let n = batch_size();
    let pairs: Vec<(String, String)> = (0..n)
        .map(|_| (range(&mut rng), version(&mut rng)))
        .collect();
    let tmp = tempfile::tempdir().expect("temp dir");
    let verdicts = run_oracle(oracle, &pairs, tmp.path());
    let (mut failures, mut skipped, mut agreed, mut inside) = (Vec::new(), 0usize, 0usize, 0usize);
    for ((r, v), want) in pairs.iter().zip(&verdicts) {
        if want == "!" {
            skipped += 1;
            continue;
        }
        let ours = parse_constraint(scheme, r).and_then(|c| c.matches_str(v));
        match ours {
            Ok(m) if (if m { "y" } else { "n" }) == want => {
                agreed += 1;
                inside += usize::from(m);
            }
            other => failures.push(format!(
                "{v} in {r:?}: reference says {want}, trawl says {other:?}"
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{scheme} ranges: {} disagreement(s) with the reference (seed {seed}, TRAWL_DIFF_SEED={seed} to replay):\n{}",
        failures.len(),
        failures
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        skipped * 10 < n,
        "{scheme} ranges: the reference rejected {skipped} of {n} (seed {seed})"
    );
    assert!(
        inside * 10 > agreed && inside * 10 < agreed * 9,
        "{scheme} ranges: unbalanced sample ({inside}/{agreed})"
    );
    #[expect(clippy::print_stderr, reason = "figures for the log")]
    {
        eprintln!(
            "{scheme} ranges: {agreed} verdicts agree ({inside} inside; {skipped} rejected; seed {seed})"
        );
    }
}

#[test]
fn npm_ranges() {
    let semver = trawl_test::repo_root().join("target/trawl-version-oracles/node_modules/semver");
    if !have("node", Command::new("node").arg("--version"))
        || !have(
            "node-semver (target/trawl-version-oracles)",
            Command::new("test").arg("-d").arg(&semver),
        )
    {
        return;
    }
    range_differential(
        Scheme::Npm,
        generate::npm_range,
        generate::npm_version,
        Command::new("node")
            .arg(oracles_dir().join("npm_satisfies.js"))
            .arg(&semver),
    );
}

#[test]
fn pypi_specifiers() {
    if !have(
        "python packaging",
        Command::new("python3").args(["-c", "import packaging.specifiers"]),
    ) {
        return;
    }
    range_differential(
        Scheme::Pep440,
        generate::pypi_range,
        generate::pypi_version,
        Command::new("python3").arg(oracles_dir().join("pep440_specifier.py")),
    );
}

#[test]
fn maven_ranges() {
    let jar = Path::new("/usr/share/maven/lib/maven-artifact-3.x.jar");
    if !have("java", Command::new("java").arg("-version"))
        || !have(
            "maven-artifact jar",
            Command::new("test").arg("-e").arg(jar),
        )
    {
        return;
    }
    // VersionRange needs commons-lang3 next to the artifact jar.
    let lang3 = Path::new("/usr/share/java/commons-lang3.jar");
    if !have(
        "commons-lang3 jar",
        Command::new("test").arg("-e").arg(lang3),
    ) {
        return;
    }
    let cp = format!("{}:{}", jar.display(), lang3.display());
    range_differential(
        Scheme::Maven,
        generate::maven_range,
        generate::maven_version,
        Command::new("java")
            .arg("-cp")
            .arg(cp)
            .arg(oracles_dir().join("MavenRange.java")),
    );
}

#[test]
fn rubygems_requirements() {
    if !have("ruby", Command::new("ruby").arg("--version")) {
        return;
    }
    range_differential(
        Scheme::RubyGems,
        generate::gem_range,
        generate::gem_version,
        Command::new("ruby").arg(oracles_dir().join("gem_requirement.rb")),
    );
}
