//! Every line of every file in `../shared/data/version-vectors` (one test per file). Each line `A op B` is
//! checked both ways (`A op B` and `B op' A`); a failure names the file and line.

use std::cmp::Ordering;
use trawl_version::{Scheme, compare};

/// Lines where the reference implementation we test against disagrees with the vector file: the line, and the
/// reference's verdict (which we follow). The differential tests confirm each verdict with the reference tool.
type Disagreements<'a> = &'a [(&'a str, &'a str)];

fn run(file: &str, schemes: &[Scheme]) {
    run_with(file, schemes, &[]);
}

fn run_with(file: &str, schemes: &[Scheme], reference_disagrees: Disagreements<'_>) {
    let dir = trawl_test::require_shared_data!();
    let path = dir.join("version-vectors").join(file);
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let mut failures = Vec::new();
    let mut checked = 0;
    for (n, line) in text.lines().enumerate() {
        let line_no = n + 1;
        if line.is_empty() || line.starts_with("# ") || line.starts_with("// ") {
            continue;
        }
        let parts: Vec<&str> = line.split(' ').collect();
        assert_eq!(
            parts.len(),
            3,
            "{file}:{line_no}: malformed vector line {line:?}"
        );
        let op = reference_disagrees
            .iter()
            .find(|(l, _)| *l == line)
            .map_or(parts[1], |(_, r)| *r);
        let want = match op {
            "<" => Ordering::Less,
            "=" => Ordering::Equal,
            ">" => Ordering::Greater,
            op => panic!("{file}:{line_no}: unknown operator {op:?}"),
        };
        for &scheme in schemes {
            checked += 1;
            let fwd = compare(scheme, parts[0], parts[2]);
            let back = compare(scheme, parts[2], parts[0]);
            match (fwd, back) {
                (Ok(f), Ok(b)) if f == want && b == want.reverse() => {}
                (f, b) => failures.push(format!(
                    "{file}:{line_no}: {scheme}: expected {line:?}, got {f:?} forwards and {b:?} backwards"
                )),
            }
        }
    }
    assert!(checked > 0, "{file}: no vectors read");
    assert!(
        failures.is_empty(),
        "{} of {checked} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn alpine_versions() {
    run("alpine-versions.txt", &[Scheme::Apk]);
}

#[test]
fn alpine_versions_generated() {
    run("alpine-versions-generated.txt", &[Scheme::Apk]);
}

#[test]
fn cran_versions() {
    run("cran-versions.txt", &[Scheme::Cran]);
}

#[test]
fn cran_versions_generated() {
    run("cran-versions-generated.txt", &[Scheme::Cran]);
}

#[test]
fn debian_versions() {
    run("debian-versions.txt", &[Scheme::Deb]);
}

#[test]
fn debian_versions_generated() {
    run("debian-versions-generated.txt", &[Scheme::Deb]);
}

#[test]
fn hackage_versions() {
    run("hackage-versions.txt", &[Scheme::Hackage]);
}

/// The Maven vectors were generated with Maven 3.9; our reference (and so our comparator) is Debian's Maven
/// 3.8.7 `ComparableVersion`, which orders these lines differently (checked by `differential::maven_vectors`).
pub const MAVEN_38_DISAGREES: &[(&str, &str)] = &[
    ("1-1 = 1-ga-1", ">"),
    ("1.0.0-RC16 < 1.0.0.RC8-beta", ">"),
    ("1.0.0-gradle-rework-beta3 < 1.0.0.RC7-3", ">"),
    ("2.9.0-1 < 2.9.0.RC1", ">"),
    ("6.1.12.rc5 < 6.1.12rc1", ">"),
    ("1.1.31.sec10 < 1.1.31_noneautotype", ">"),
    ("1.1.34.sec10 < 1.1.34_noneautotype", ">"),
    ("1.1.46.sec10 < 1.1.46_noneautotype", ">"),
    ("1.2.8.sec10_noneautotype < 1.2.8_noneautotype", ">"),
    ("1.2.31.sec10 < 1.2.31_noneautotype", ">"),
    ("1.2.48.sec10 < 1.2.48_noneautotype", ">"),
    ("1.2.50.sec10 < 1.2.50_noneautotype", ">"),
    ("1.2.54.sec10 < 1.2.54_noneautotype", ">"),
    ("1.2.57.sec10 < 1.2.57_noneautotype", ">"),
    ("1.2.60.sec10 < 1.2.60_noneautotype", ">"),
    ("1.2.67.sec10 < 1.2.67_noneautotype", ">"),
    ("1.0.0rc0 < 1.0.beta8", ">"),
    ("1.5.9.RC1 < 1.5.9-RC0", ">"),
    ("1.1.0-01-glassfish < 1.1.0.Beta1", ">"),
];

#[test]
fn maven_versions() {
    run_with("maven-versions.txt", &[Scheme::Maven], MAVEN_38_DISAGREES);
}

#[test]
fn maven_versions_generated() {
    run_with(
        "maven-versions-generated.txt",
        &[Scheme::Maven],
        MAVEN_38_DISAGREES,
    );
}

#[test]
fn nuget_versions() {
    run("nuget-versions.txt", &[Scheme::NuGet]);
}

#[test]
fn packagist_versions() {
    run("packagist-versions.txt", &[Scheme::Packagist]);
}

#[test]
fn packagist_versions_generated() {
    run("packagist-versions-generated.txt", &[Scheme::Packagist]);
}

#[test]
fn pub_versions() {
    run("pub-versions.txt", &[Scheme::Pub]);
}

#[test]
fn pypi_versions() {
    run("pypi-versions.txt", &[Scheme::Pep440]);
}

#[test]
fn pypi_versions_generated() {
    run("pypi-versions-generated.txt", &[Scheme::Pep440]);
}

#[test]
fn redhat_versions() {
    run("redhat-versions.txt", &[Scheme::Rpm]);
}

#[test]
fn rubygems_versions() {
    run("rubygems-versions.txt", &[Scheme::RubyGems]);
}

#[test]
fn rubygems_versions_generated() {
    run("rubygems-versions-generated.txt", &[Scheme::RubyGems]);
}

/// The SemVer file serves npm, Go, crates.io and Hex alike.
#[test]
fn semver_versions() {
    run(
        "semver-versions.txt",
        &[Scheme::Npm, Scheme::Go, Scheme::Cargo, Scheme::Hex],
    );
}
