//! Bad input never panics: every parser gets truncated and byte-flipped copies of the real fixtures (and of the
//! real Go binary and war when built) and must return `Ok` or `Err`.

use std::path::PathBuf;
use trawl_lockfile::{dotnet, go, java, node, other, php, python, ruby, rust};

type Parser = fn(&[u8]);

fn all_parsers() -> Vec<(&'static str, Parser)> {
    vec![
        ("package-lock", |b| drop(node::package_lock::parse(b))),
        ("yarn", |b| drop(node::yarn_lock::parse(b))),
        ("pnpm", |b| drop(node::pnpm_lock::parse(b))),
        ("bun", |b| drop(node::bun_lock::parse(b))),
        ("package-json", |b| drop(node::package_json::parse(b))),
        ("metadata", |b| drop(python::metadata::parse(b))),
        ("requirements", |b| drop(python::requirements::parse(b))),
        ("pipfile", |b| drop(python::pipfile_lock::parse(b))),
        ("poetry", |b| drop(python::poetry_lock::parse(b))),
        ("uv", |b| drop(python::uv_lock::parse(b))),
        ("pdm", |b| drop(python::pdm_lock::parse(b))),
        ("gomod", |b| drop(go::gomod::parse(b))),
        ("gobin", |b| drop(go::binary::parse(b))),
        ("cargo", |b| drop(rust::cargo_lock::parse(b))),
        ("auditable", |b| drop(rust::auditable::parse(b))),
        ("jar", |b| drop(java::archive::parse("x.jar", b))),
        ("pom", |b| drop(java::pom::parse(b))),
        ("gradle", |b| drop(java::gradle_lockfile::parse(b))),
        ("gemfile", |b| drop(ruby::gemfile_lock::parse(b))),
        ("gemspec", |b| drop(ruby::gemspec::parse(b))),
        ("composer", |b| drop(php::parse_composer_lock(b))),
        ("installed", |b| drop(php::parse_installed_json(b))),
        ("deps", |b| drop(dotnet::parse_deps_json(b))),
        ("pkglock", |b| drop(dotnet::parse_packages_lock(b))),
        ("pkgconfig", |b| drop(dotnet::parse_packages_config(b))),
        ("conan", |b| drop(other::parse_conan_lock(b))),
        ("pubspec", |b| drop(other::parse_pubspec_lock(b))),
        ("mix", |b| drop(other::parse_mix_lock(b))),
        ("resolved", |b| drop(other::parse_package_resolved(b))),
        ("podfile", |b| drop(other::parse_podfile_lock(b))),
    ]
}

fn inputs() -> Vec<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let mut files = Vec::new();
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("readable").flatten() {
            if e.file_type().expect("type").is_dir() {
                stack.push(e.path());
            } else {
                files.push(std::fs::read(e.path()).expect("read"));
            }
        }
    }
    files
}

/// A tiny deterministic generator (no RNG dependency needed for this).
fn lcg(state: &mut u64) -> u64 {
    *state = state
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    *state >> 33
}

#[test]
fn text_formats_survive_truncation_and_flips() {
    let parsers = all_parsers();
    let mut seed = 42;
    for input in inputs() {
        let n = input.len();
        for cut in (0..n).step_by((n / 40).max(1)) {
            for (_, p) in &parsers {
                p(&input[..cut]);
            }
        }
        for _ in 0..20 {
            let mut m = input.clone();
            for _ in 0..8 {
                let i = usize::try_from(lcg(&mut seed)).expect("fits") % n.max(1);
                if let Some(b) = m.get_mut(i) {
                    *b = u8::try_from(lcg(&mut seed) & 0xff).expect("a byte");
                }
            }
            for (_, p) in &parsers {
                p(&m);
            }
        }
    }
}

#[test]
fn binaries_and_archives_survive_truncation_and_flips() {
    let root = trawl_test::repo_root().join("target/lang-fixtures");
    let files = [
        "gobin/hello",
        "esbuild-old/node_modules/esbuild-linux-64/bin/esbuild",
        "auditable/fixture-app",
        "java/app.war",
        "java/commons-io-2.11.0.jar",
    ];
    let mut seed = 7;
    for f in files {
        let Ok(input) = std::fs::read(root.join(f)) else {
            continue;
        };
        let n = input.len();
        for cut in (0..n).step_by(n / 16) {
            drop(go::binary::parse(&input[..cut]));
            drop(rust::auditable::parse(&input[..cut]));
            drop(java::archive::parse("x.war", &input[..cut]));
        }
        for _ in 0..8 {
            let mut m = input.clone();
            for _ in 0..64 {
                let i = usize::try_from(lcg(&mut seed)).expect("fits") % n;
                m[i] = u8::try_from(lcg(&mut seed) & 0xff).expect("a byte");
            }
            drop(go::binary::parse(&m));
            drop(rust::auditable::parse(&m));
            drop(java::archive::parse("x.war", &m));
        }
    }
}

/// A lockfile listing more than `MAX_PACKAGES` entries is refused before it is parsed, whatever its format.
#[test]
fn oversized_lockfiles_are_refused_before_parsing() {
    let n = trawl_lockfile::MAX_PACKAGES + 1;
    let mut npm =
        String::from("{\n  \"name\": \"x\",\n  \"lockfileVersion\": 3,\n  \"packages\": {\n");
    let mut yarn = String::from("# yarn lockfile v1\n\n");
    let mut pnpm = String::from("lockfileVersion: '9.0'\n\npackages:\n\n");
    for i in 0..n {
        // lockfile v3 lists each package once; v2 twice (the count is halved for it), so give v3 two per entry.
        npm.push_str(&format!(
            "    \"node_modules/p{i}\": {{\n      \"version\": \"1.0.{i}\"\n    }},\n    \"node_modules/q{i}\": {{\n      \"version\": \"1.0.{i}\"\n    }},\n"
        ));
        yarn.push_str(&format!(
            "p{i}@^1.0.0:\n  version \"1.0.{i}\"\n  resolved \"x\"\n\n"
        ));
        pnpm.push_str(&format!(
            "  p{i}@1.0.{i}:\n    resolution: {{integrity: sha512-x}}\n\n"
        ));
    }
    npm.push_str("    \"\": {}\n  }\n}\n");
    let over = |r: Result<Vec<trawl_types::Package>, trawl_lockfile::Error>, what: &str| match r {
        Err(e) => assert!(e.to_string().contains("over the limit"), "{what}: {e}"),
        Ok(p) => panic!("{what}: {} packages read", p.len()),
    };
    over(
        node::package_lock::parse(npm.as_bytes()),
        "package-lock.json",
    );
    over(node::yarn_lock::parse(yarn.as_bytes()), "yarn.lock");
    over(node::pnpm_lock::parse(pnpm.as_bytes()), "pnpm-lock.yaml");
    // Just under the limit is read.
    let small: String = yarn.lines().take(5 * 1000).collect::<Vec<_>>().join("\n");
    assert!(node::yarn_lock::parse(small.as_bytes()).is_ok_and(|p| p.len() > 500));
}
