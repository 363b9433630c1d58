//! `trawl debug vercmp ECOSYSTEM`: one verdict per stdin line.

use assert_cmd::Command;

fn vercmp(ecosystem: &str, input: &str) -> String {
    let out = Command::cargo_bin("trawl")
        .expect("the trawl binary is built")
        .args(["debug", "vercmp", ecosystem])
        .write_stdin(input)
        .output()
        .expect("trawl runs");
    assert!(
        out.status.success(),
        "exit {:?}, stderr {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

#[test]
fn debian_pairs_one_verdict_per_line() {
    let got = vercmp(
        "debian",
        "1.0~rc1 1.0\n1:0.9 2.0\n1.0 1.0-0\n1.0 1.0-\n\nonly-one\n",
    );
    let lines: Vec<&str> = got.lines().collect();
    assert_eq!(lines.len(), 6, "{got}");
    assert_eq!(&lines[..3], ["<", ">", "="]);
    assert!(
        lines[3].starts_with("! ") && lines[3].contains("revision number is empty"),
        "{}",
        lines[3]
    );
    assert!(
        lines[4].starts_with("! expected two versions"),
        "{}",
        lines[4]
    );
    assert!(
        lines[5].starts_with("! expected two versions"),
        "{}",
        lines[5]
    );
}

#[test]
fn every_ecosystem_name_is_accepted() {
    for (eco, a, b, want) in [
        ("debian", "1.0", "1.1", "<"),
        ("ubuntu", "2.0-1ubuntu1", "2.0-1", ">"),
        ("alpine", "1.2_rc1-r0", "1.2-r0", "<"),
        ("rpm", "1.0^git1", "1.0", ">"),
        ("pypi", "1.0.post1", "1.0", ">"),
        ("npm", "1.0.0-beta", "1.0.0", "<"),
        ("maven", "1.0-SNAPSHOT", "1.0", "<"),
        ("rubygems", "1.0.a", "1.0", "<"),
        ("nuget", "1.0.0-BETA", "1.0.0-beta", "="),
        ("go", "v1.2.3", "1.2.3", "="),
        ("cargo", "1.2.3-alpha.1", "1.2.3-alpha.2", "<"),
        ("packagist", "1.0-dev", "1.0", "<"),
        ("pub", "1.0.0", "1.0.0+1", "<"),
        ("hex", "1.0.0-rc.1", "1.0.0", "<"),
        ("cran", "1.0-1", "1.0.1", "="),
        ("hackage", "1.0", "1.0.0", "<"),
    ] {
        assert_eq!(
            vercmp(eco, &format!("{a} {b}\n")).trim_end(),
            want,
            "{eco}: {a} vs {b}"
        );
    }
}

#[test]
fn unknown_ecosystem_fails_with_a_message() {
    let out = Command::cargo_bin("trawl")
        .expect("the trawl binary is built")
        .args(["debug", "vercmp", "cobol"])
        .write_stdin("1 2\n")
        .output()
        .expect("trawl runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown ecosystem"));
}
