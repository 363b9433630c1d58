//! Formats whose tools cannot run here (no Composer/Packagist, .NET SDK/NuGet, Conan, Dart, Elixir/Hex, SwiftPM,
//! CocoaPods, Gradle; pdm's current release is broken by its own hishel dependency): HAND-WRITTEN samples in the
//! shape the tools' documentation and public lockfiles show, each checked field by field. Also the real
//! Gemfile.lock made by Debian's bundler (`bundle lock --local`).

use trawl_lockfile::{dotnet, java, other, php, python, ruby};
use trawl_types::{Ecosystem, Package, Relationship};

fn triples(p: &[Package]) -> Vec<(String, String, bool)> {
    p.iter()
        .map(|p| (p.name.clone(), p.version.clone(), p.dev))
        .collect()
}

fn t(n: &str, v: &str, dev: bool) -> (String, String, bool) {
    (n.to_owned(), v.to_owned(), dev)
}

#[test]
fn gemfile_lock_real_and_sections() {
    let real = ruby::gemfile_lock::parse(include_bytes!("data/ruby/gemfile-lock/happy.lock"))
        .expect("parses");
    assert_eq!(
        triples(&real),
        [
            t("json", "2.6.1", false),
            t("minitest", "5.15.0", false),
            t("rake", "13.0.6", false)
        ]
    );
    assert!(
        real.iter()
            .all(|p| p.relationship == Some(Relationship::Direct))
    );
    // hand-written: GIT and PATH sections, platform suffixes, transitive specs
    let lock = b"GIT\n  remote: https://github.com/x/y.git\n  revision: abc\n  specs:\n    y (0.1.0)\n\nPATH\n  remote: .\n  specs:\n    myapp (1.0.0)\n\nGEM\n  remote: https://rubygems.org/\n  specs:\n    nokogiri (1.13.10-x86_64-linux)\n      racc (~> 1.4)\n    racc (1.6.2)\n\nDEPENDENCIES\n  myapp!\n  nokogiri\n  y!\n";
    let p = ruby::gemfile_lock::parse(lock).expect("parses");
    assert_eq!(
        triples(&p),
        [
            t("nokogiri", "1.13.10", false),
            t("racc", "1.6.2", false),
            t("y", "0.1.0", false)
        ]
    );
    let rel: Vec<_> = p.iter().map(|p| p.relationship).collect();
    assert_eq!(
        rel,
        [
            Some(Relationship::Direct),
            Some(Relationship::Indirect),
            Some(Relationship::Direct)
        ]
    );
}

#[test]
fn composer() {
    let lock = br#"{"packages":[{"name":"monolog/monolog","version":"2.8.0","license":["MIT"]}],
        "packages-dev":[{"name":"phpunit/phpunit","version":"9.5.26"}]}"#;
    let p = php::parse_composer_lock(lock).expect("parses");
    assert_eq!(
        triples(&p),
        [
            t("monolog/monolog", "2.8.0", false),
            t("phpunit/phpunit", "9.5.26", true)
        ]
    );
    assert_eq!(p[0].licenses, ["MIT"]);
    assert_eq!(p[0].ecosystem, Some(Ecosystem::Packagist));
    let v2 = br#"{"packages":[{"name":"a/b","version":"v1.0.0"},{"name":"c/d","version":"2.0.0"}],"dev":true,"dev-package-names":["c/d"]}"#;
    assert_eq!(
        triples(&php::parse_installed_json(v2).expect("v2")),
        [t("a/b", "v1.0.0", false), t("c/d", "2.0.0", true)]
    );
    let v1 = br#"[{"name":"a/b","version":"1.0.0"}]"#;
    assert_eq!(
        triples(&php::parse_installed_json(v1).expect("v1")),
        [t("a/b", "1.0.0", false)]
    );
}

#[test]
fn dotnet_formats() {
    let deps = br#"{"runtimeTarget":{"name":".NETCoreApp,Version=v6.0"},"libraries":{
        "MyApp/1.0.0":{"type":"project","serviceable":false},
        "Newtonsoft.Json/13.0.1":{"type":"package","serviceable":true,"sha512":"sha512-x"},
        "System.Text.Json/6.0.0":{"type":"package"}}}"#;
    assert_eq!(
        triples(&dotnet::parse_deps_json(deps).expect("deps.json")),
        [
            t("Newtonsoft.Json", "13.0.1", false),
            t("System.Text.Json", "6.0.0", false)
        ]
    );
    let lock = br#"{"version":1,"dependencies":{"net6.0":{
        "Newtonsoft.Json":{"type":"Direct","requested":"[13.0.1, )","resolved":"13.0.1"},
        "System.Memory":{"type":"Transitive","resolved":"4.5.4"},
        "MyLib":{"type":"Project"}}}}"#;
    let p = dotnet::parse_packages_lock(lock).expect("packages.lock.json");
    assert_eq!(
        triples(&p),
        [
            t("Newtonsoft.Json", "13.0.1", false),
            t("System.Memory", "4.5.4", false)
        ]
    );
    assert_eq!(p[0].relationship, Some(Relationship::Direct));
    let cfg = br#"<?xml version="1.0" encoding="utf-8"?>
<packages>
  <package id="jQuery" version="3.5.1" targetFramework="net48" />
  <package id="NUnit" version="3.13.2" targetFramework="net48" developmentDependency="true" />
</packages>"#;
    assert_eq!(
        triples(&dotnet::parse_packages_config(cfg).expect("packages.config")),
        [t("NUnit", "3.13.2", true), t("jQuery", "3.5.1", false)]
    );
    let broken = b"<packages>\n<package id=\"a\" version=\"1\">\n</pkgs>";
    let e = dotnet::parse_packages_config(broken).expect_err("mismatched tags");
    assert_eq!(e.line(), Some(3), "{e}");
}

#[test]
fn small_ecosystems() {
    let conan_v2 = br#"{"version":"0.5","requires":["zlib/1.2.13#97d5730b529b4224045fe7090592d4c1%1667394993.153"],
        "build_requires":["cmake/3.25.0#abc"],"python_requires":[]}"#;
    assert_eq!(
        triples(&other::parse_conan_lock(conan_v2).expect("v2")),
        [t("cmake", "3.25.0", true), t("zlib", "1.2.13", false)]
    );
    let conan_v1 = br#"{"graph_lock":{"nodes":{"0":{"ref":"","requires":["1"]},
        "1":{"ref":"openssl/1.1.1q@_/_#rev","requires":["2"]},"2":{"ref":"zlib/1.2.12"}}},"version":"0.4"}"#;
    let p = other::parse_conan_lock(conan_v1).expect("v1");
    assert_eq!(
        triples(&p),
        [t("openssl", "1.1.1q", false), t("zlib", "1.2.12", false)]
    );
    assert_eq!(p[0].relationship, Some(Relationship::Direct));

    let pubspec = b"packages:\n  http:\n    dependency: \"direct main\"\n    description:\n      name: http\n      url: \"https://pub.dev\"\n    source: hosted\n    version: \"0.13.5\"\n  test:\n    dependency: \"direct dev\"\n    source: hosted\n    version: \"1.21.4\"\n  meta:\n    dependency: transitive\n    source: hosted\n    version: \"1.8.0\"\n  flutter:\n    dependency: \"direct main\"\n    source: sdk\n    version: \"0.0.0\"\nsdks:\n  dart: \">=2.17.0 <3.0.0\"\n";
    assert_eq!(
        triples(&other::parse_pubspec_lock(pubspec).expect("pubspec")),
        [
            t("http", "0.13.5", false),
            t("meta", "1.8.0", false),
            t("test", "1.21.4", true)
        ]
    );

    let mix = b"%{\n  \"jason\": {:hex, :jason, \"1.4.0\", \"e855647bc964a44e2f67df589ccf49105ae039d4179db7f6271dfd3843dc27e6\", [:mix], [], \"hexpm\", \"x\"},\n  \"phoenix\": {:git, \"https://github.com/phoenixframework/phoenix.git\", \"abc\", []},\n}\n";
    assert_eq!(
        triples(&other::parse_mix_lock(mix).expect("mix")),
        [t("jason", "1.4.0", false)]
    );

    let resolved_v2 = br#"{"pins":[{"identity":"swift-nio","kind":"remoteSourceControl",
        "location":"https://github.com/apple/swift-nio.git","state":{"revision":"x","version":"2.48.0"}},
        {"identity":"b","location":"https://github.com/x/b","state":{"branch":"main","revision":"y"}}],"version":2}"#;
    assert_eq!(
        triples(&other::parse_package_resolved(resolved_v2).expect("v2")),
        [t("github.com/apple/swift-nio", "2.48.0", false)]
    );
    let resolved_v1 = br#"{"object":{"pins":[{"package":"Alamofire","repositoryURL":"https://github.com/Alamofire/Alamofire.git","state":{"branch":null,"revision":"z","version":"5.6.2"}}]},"version":1}"#;
    assert_eq!(
        triples(&other::parse_package_resolved(resolved_v1).expect("v1")),
        [t("github.com/Alamofire/Alamofire", "5.6.2", false)]
    );

    let podfile = b"PODS:\n  - AFNetworking (4.0.1):\n    - AFNetworking/NSURLSession (= 4.0.1)\n  - AFNetworking/NSURLSession (4.0.1)\n  - Alamofire (5.6.2)\n\nDEPENDENCIES:\n  - AFNetworking\n\nCOCOAPODS: 1.11.3\n";
    assert_eq!(
        triples(&other::parse_podfile_lock(podfile).expect("podfile")),
        [
            t("AFNetworking", "4.0.1", false),
            t("Alamofire", "5.6.2", false)
        ]
    );
}

#[test]
fn gradle_and_pdm() {
    let gradle = b"# This is a Gradle generated file for dependency locking.\ncom.google.guava:guava:31.1-jre=compileClasspath,runtimeClasspath\njunit:junit:4.13.2=testCompileClasspath,testRuntimeClasspath\nempty=annotationProcessor\n";
    assert_eq!(
        triples(&java::gradle_lockfile::parse(gradle).expect("gradle")),
        [
            t("com.google.guava:guava", "31.1-jre", false),
            t("junit:junit", "4.13.2", true)
        ]
    );
    let e = java::gradle_lockfile::parse(b"a:b:1=x\nbroken-line=x\n").expect_err("bad coordinate");
    assert_eq!(e.line(), Some(2));

    let pdm = b"[metadata]\ngroups = [\"default\", \"dev\"]\nlock_version = \"4.4\"\n\n[[package]]\nname = \"requests\"\nversion = \"2.25.0\"\ngroups = [\"default\"]\n\n[[package]]\nname = \"pytest\"\nversion = \"7.4.0\"\ngroups = [\"dev\"]\n";
    assert_eq!(
        triples(&python::pdm_lock::parse(pdm).expect("pdm")),
        [t("pytest", "7.4.0", true), t("requests", "2.25.0", false)]
    );
}

#[test]
fn requirements_lines() {
    let req = b"# comment\n-r base.txt\n--index-url https://x\nrequests[security]==2.25.0 ; python_version >= \"3\"  # pinned\nFlask>=1.0\nDjango == 3.2.1 \\\n    --hash=sha256:abc\n-e git+https://x/y.git#egg=y\npkg @ https://x/pkg.whl\nwild==1.*\n";
    let p = python::requirements::parse(req).expect("parses");
    assert_eq!(
        triples(&p),
        [t("Django", "3.2.1", false), t("requests", "2.25.0", false)]
    );
    assert_eq!(python::requirements::includes(req), ["base.txt"]);
}

fn rels(p: &[Package]) -> Vec<(String, Option<Relationship>)> {
    p.iter().map(|p| (p.name.clone(), p.relationship)).collect()
}

/// Issue #15: PEP 751 with the graph and group markers (hand-written from the PEP; uv's real export is tested in
/// tests/real.rs).
#[test]
fn pylock_graph_and_groups() {
    let p = python::pylock::parse(include_bytes!("data/python/pylock/spec-graph.pylock.toml"))
        .expect("parses");
    assert!(p.iter().all(|p| p.ecosystem == Some(Ecosystem::PyPI)));
    let mut got = triples(&p);
    got.sort();
    assert_eq!(
        got,
        [
            t("idna", "2.10", false),
            t("jinja2", "2.11.2", false),
            t("markupsafe", "2.0.1", false),
            t("pluggy", "1.5.0", true),
            t("pytest", "7.4.0", true),
            t("requests", "2.25.0", false),
            t("urllib3", "1.26.20", false),
        ]
    );
    let mut r = rels(&p);
    r.sort_by(|a, b| a.0.cmp(&b.0));
    let d = Some(Relationship::Direct);
    let i = Some(Relationship::Indirect);
    assert_eq!(
        r,
        [
            ("idna".into(), i),
            ("jinja2".into(), d),
            ("markupsafe".into(), i),
            ("pluggy".into(), i),
            ("pytest".into(), d),
            ("requests".into(), d),
            ("urllib3".into(), i),
        ]
    );
}

/// Issue #15: sbt-dependency-lock's build.sbt.lock (hand-written from the plugin's description).
#[test]
fn sbt_lock() {
    let p =
        java::sbt_lock::parse(include_bytes!("data/java/sbt-lock/happy.sbt.lock")).expect("parses");
    assert_eq!(
        triples(&p),
        [
            t(
                "com.fasterxml.jackson.core:jackson-databind",
                "2.9.10.7",
                false
            ),
            t("org.scala-lang:scala-library", "2.13.12", false),
            t("org.scalatest:scalatest_2.13", "3.2.17", true),
        ]
    );
    assert!(
        p.iter()
            .all(|p| p.ecosystem == Some(Ecosystem::Maven) && p.relationship.is_none())
    );
    let e = java::sbt_lock::parse(br#"{"lockVersion": 2, "dependencies": []}"#).expect_err("v2");
    assert!(e.to_string().contains("lockVersion 2"), "{e}");
    let e =
        java::sbt_lock::parse(b"{\n  \"lockVersion\": 1,\n  \"dependencies\": [ {\"org\": 1} ]\n}")
            .expect_err("bad entry");
    assert!(e.line().is_some(), "{e}");
}

/// Issue #15: NuGet central package management (hand-written from Microsoft's documentation).
#[test]
fn directory_packages_props() {
    let p = dotnet::parse_packages_props(include_bytes!(
        "data/dotnet/packages-props/Directory.Packages.props"
    ))
    .expect("parses");
    let mut got = triples(&p);
    got.sort();
    assert_eq!(
        got,
        [
            t("Dapper", "2.0.123", false),
            t("Microsoft.Extensions.Logging", "8.0.0", false),
            t("Nerdbank.GitVersioning", "3.6.133", false),
            t("Newtonsoft.Json", "12.0.1", false),
            t("System.Net.Http", "4.3.4", false),
            t("System.Text.Json", "6.0.0", false),
        ]
    );
    assert!(
        p.iter().all(|p| p.ecosystem == Some(Ecosystem::NuGet)
            && p.relationship == Some(Relationship::Direct))
    );
    let e =
        dotnet::parse_packages_props(b"<Project>\n<ItemGroup>\n</Project>").expect_err("broken");
    assert!(e.line().is_some(), "{e}");
}
