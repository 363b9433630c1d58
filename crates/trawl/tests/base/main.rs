//! Base image attribution and advice (issue #20), on images built by Debian's Docker Engine (`docker build
//! --network none`) from the real Alpine minirootfs releases of `../shared/data`, pushed to a local
//! docker-registry:
//!
//! - `REG/alpine:{3.7.3,3.8.5,3.9.6,3.10.9,3.11.13}`: `FROM scratch`, `ADD` the rootfs, `CMD ["/bin/sh"]`, as the
//!   official images are built; `REG/plain-alpine:3.7.3`: the same layer without the `CMD`, so its history shows
//!   no base boundary.
//! - Application images on top, each adding `node_modules/lodash` 4.17.15 (GHSA findings) in its own layers: the
//!   base is found by history alone, by label alone, by layers alone (`--base-catalog`, or images scanned before
//!   into the same cache), or not at all.
//! - An OCI image naming its base in a manifest annotation (pushed with skopeo; read from the registry and from
//!   its layout).
//! - Debian bookworm-slim as a second base (its history has no boundary: found through `--base-catalog`).
//! - The split is checked against a separate scan of the base tag; `trawl base advise` against a separate scan of
//!   each candidate tag.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use trawl_test::cli::ok;

const BASE_TAGS: [&str; 5] = ["3.7.3", "3.8.5", "3.9.6", "3.10.9", "3.11.13"];

/// The trawl binary, isolated from the machine running the tests.
fn trawl() -> Command {
    trawl_test::cli::trawl(env!("CARGO_BIN_EXE_trawl"))
}

/// The Alpine secdb (v3.3 to v3.11), the Debian tracker excerpt and the committed GHSA records (lodash, minimist).
fn build_db(data: &Path, dir: &Path) -> PathBuf {
    trawl_test::cli::distro_and_ghsa_db(
        env!("CARGO_BIN_EXE_trawl"),
        data,
        &dir.join("advisories.db"),
    )
}

/// A build context: the given Dockerfile, the Alpine rootfs of `version` when asked, and lodash 4.17.15.
fn context(dir: &Path, name: &str, dockerfile: &str, rootfs: Option<&Path>) -> PathBuf {
    let ctx = dir.join(name);
    let pkg = ctx.join("node_modules/lodash");
    std::fs::create_dir_all(&pkg).expect("context dir");
    std::fs::write(
        pkg.join("package.json"),
        r#"{"name": "lodash", "version": "4.17.15", "license": "MIT"}"#,
    )
    .expect("package.json");
    if let Some(r) = rootfs {
        std::fs::copy(r, ctx.join("rootfs.tar.gz")).expect("rootfs");
    }
    std::fs::write(ctx.join("Dockerfile"), dockerfile).expect("Dockerfile");
    ctx
}

struct Scanner {
    db: PathBuf,
}

impl Scanner {
    /// `trawl image TARGET --format json` with this DB and cache, and `extra` flags.
    fn json(&self, cache: &Path, target: &str, extra: &[&str]) -> Value {
        let out = ok(self.cmd(cache, target, extra).args(["--format", "json"]));
        serde_json::from_slice(&out.stdout).expect("native JSON report")
    }

    fn cmd(&self, cache: &Path, target: &str, extra: &[&str]) -> Command {
        let mut c = trawl();
        c.args(["image", target, "--skip-db-update", "--db"])
            .arg(&self.db)
            .arg("--cache-dir")
            .arg(cache)
            .args(extra);
        c
    }
}

/// `(id, package)` of every reported finding with this origin (`None`: all).
fn findings(report: &Value, origin: Option<&str>) -> BTreeSet<(String, String)> {
    report["results"]
        .as_array()
        .expect("results")
        .iter()
        .flat_map(|r| r["vulnerabilities"].as_array().cloned().unwrap_or_default())
        .filter(|f| origin.is_none_or(|o| f["origin"] == o))
        .map(|f| {
            (
                f["id"].as_str().unwrap_or_default().to_owned(),
                f["pkg_name"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn keys(v: &Value) -> BTreeSet<(String, String)> {
    v.as_array()
        .expect("keys")
        .iter()
        .map(|k| {
            (
                k["id"].as_str().unwrap_or_default().to_owned(),
                k["pkg_name"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[test]
fn base_found_by_label_history_and_layers_split_and_advice() {
    let data = trawl_test::require_shared_data!();
    trawl_test::require_daemon_tools!();
    trawl_test::require_registry_tools!();
    let dir = tempfile::tempdir().expect("tempdir");
    let s = Scanner {
        db: build_db(&data, dir.path()),
    };
    let registry = trawl_test::registry::TestRegistry::start();
    let reg = registry.host();
    let docker = trawl_test::daemon::TestDocker::start();
    let rootfs = |v: &str| {
        data.join(format!(
            "images/alpine-minirootfs/alpine-minirootfs-{v}-x86_64.tar.gz"
        ))
    };

    // The base line, as the official images are built.
    for v in BASE_TAGS {
        let tag = format!("{reg}/alpine:{v}");
        let ctx = context(
            dir.path(),
            &format!("alpine-{v}"),
            "FROM scratch\nADD rootfs.tar.gz /\nCMD [\"/bin/sh\"]\n",
            Some(&rootfs(v)),
        );
        docker.build(&ctx, &tag);
        docker.push(&tag);
    }
    // Floating tags, as registries keep them: `3.11` is the image of 3.11.13, `3.7` the base's own image.
    for (floating, release) in [("3.11", "3.11.13"), ("3.7", "3.7.3")] {
        let tag = format!("{reg}/alpine:{floating}");
        docker.tag(&format!("{reg}/alpine:{release}"), &tag);
        docker.push(&tag);
    }
    let plain = format!("{reg}/plain-alpine:3.7.3");
    docker.build(
        &context(
            dir.path(),
            "plain",
            "FROM scratch\nADD rootfs.tar.gz /\n",
            Some(&rootfs("3.7.3")),
        ),
        &plain,
    );
    docker.push(&plain);
    let app = |name: &str, dockerfile: &str| {
        let tag = format!("{reg}/app/{name}:1");
        docker.build(&context(dir.path(), name, dockerfile, None), &tag);
        docker.push(&tag);
        tag
    };
    let app_steps =
        "COPY node_modules /app/node_modules\nRUN echo built > /app/BUILT\nCMD [\"/app/run\"]\n";
    let by_history = app("history", &format!("FROM {reg}/alpine:3.7.3\n{app_steps}"));
    let by_label = app(
        "label",
        &format!("FROM {plain}\nLABEL org.opencontainers.image.base.name={plain}\n{app_steps}"),
    );
    let by_layers = app("layers", &format!("FROM {plain}\n{app_steps}"));

    // What the base tag brings, scanned on its own.
    let base_alone = findings(
        &s.json(
            &dir.path().join("cache-base"),
            &format!("{reg}/alpine:3.7.3"),
            &[],
        ),
        None,
    );
    assert!(!base_alone.is_empty(), "alpine 3.7.3 has secdb findings");
    // Found by history alone (fresh cache: no known image, no label).
    let r = s.json(&dir.path().join("cache-history"), &by_history, &[]);
    let b = &r["artifact"]["base_image"];
    assert_eq!(b["detected_by"], "history", "{b}");
    assert_eq!(b["layers"], 1);
    assert!(
        b.get("name").is_none(),
        "history alone does not know the name: {b}"
    );
    assert_eq!(findings(&r, Some("base")), base_alone);
    let own = findings(&r, Some("image"));
    assert!(
        !own.is_empty() && own.iter().all(|(_, pkg)| pkg == "lodash"),
        "the image's own layers bring lodash: {own:?}"
    );
    assert_eq!(
        findings(&r, None).len(),
        base_alone.len() + own.len(),
        "every finding has an origin"
    );

    // Found by label alone: the base has no CMD, so its history shows no boundary.
    let r = s.json(&dir.path().join("cache-label"), &by_label, &[]);
    let b = &r["artifact"]["base_image"];
    assert_eq!(b["detected_by"], "label", "{b}");
    assert_eq!(b["layers"], 1);
    assert_eq!(b["name"], plain.as_str());
    assert_eq!(findings(&r, Some("base")), base_alone);

    // A label naming an image on another registry: that host is not contacted on the image's word.
    let elsewhere = app(
        "elsewhere",
        &format!(
            "FROM {plain}\nLABEL org.opencontainers.image.base.name=127.0.0.1:1/plain-alpine:3.7.3\n{app_steps}"
        ),
    );
    let out = ok(s
        .cmd(
            &dir.path().join("cache-elsewhere"),
            &elsewhere,
            &["--format", "json"],
        )
        .env("TRAWL_LOG", "info"));
    let r: Value = serde_json::from_slice(&out.stdout).expect("native JSON");
    assert!(
        r["artifact"].get("base_image").is_none(),
        "{}",
        r["artifact"]
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("is on another registry than the image: not fetched"),
        "{err}"
    );
    // With no base found, --only-base changes nothing and says so.
    let r = s.json(
        &dir.path().join("cache-elsewhere"),
        &elsewhere,
        &["--only-base"],
    );
    assert!(!findings(&r, None).is_empty());
    assert!(
        r["warnings"]
            .as_array()
            .expect("warnings")
            .iter()
            .any(|w| w["message"]
                .as_str()
                .is_some_and(|m| m.contains("no base image found"))),
        "{}",
        r["warnings"]
    );

    // Layers alone: nothing without a catalog; found with --base-catalog; found from an earlier scan of the
    // base into the same cache.
    let r = s.json(&dir.path().join("cache-layers"), &by_layers, &[]);
    assert!(
        r["artifact"].get("base_image").is_none(),
        "{}",
        r["artifact"]
    );
    assert!(!findings(&r, None).is_empty());
    assert!(findings(&r, Some("base")).is_empty() && findings(&r, Some("image")).is_empty());
    let r = s.json(
        &dir.path().join("cache-catalog"),
        &by_layers,
        &["--base-catalog", &format!("{reg}/plain-alpine")],
    );
    let b = &r["artifact"]["base_image"];
    assert_eq!(b["detected_by"], "layers", "{b}");
    assert_eq!(b["name"], plain.as_str());
    assert_eq!(findings(&r, Some("base")), base_alone);
    let cache = dir.path().join("cache-known");
    s.json(&cache, &plain, &[]);
    let r = s.json(&cache, &by_layers, &[]);
    assert_eq!(r["artifact"]["base_image"]["detected_by"], "layers");
    assert_eq!(r["artifact"]["base_image"]["name"], plain.as_str());

    // Found by the manifest's annotation (an OCI image, pushed with skopeo and read from its layout too): the
    // base is an OCI image whose history shows no boundary.
    use trawl_test::registry::{LayoutImage, LayoutLayer, write_oci_layout};
    let alpine_layer = LayoutLayer::from_tar_gz(&rootfs("3.7.3"), "ADD rootfs.tar.gz /");
    let oci_base = format!("{reg}/oci-alpine:3.7.3");
    let layout = |name: &str, layers: Vec<LayoutLayer>, annotations: Vec<(String, String)>| {
        let d = dir.path().join(name);
        write_oci_layout(
            &d,
            "1",
            &[LayoutImage {
                architecture: "amd64".into(),
                variant: None,
                layers,
                annotations,
            }],
        );
        d
    };
    let base_layout = layout("oci-base", vec![alpine_layer.clone()], Vec::new());
    registry.push_oci_layout(&base_layout, "1", "oci-alpine:3.7.3", false);
    let lodash_layer = LayoutLayer::from_files(
        &[(
            "app/node_modules/lodash/package.json",
            br#"{"name": "lodash", "version": "4.17.15", "license": "MIT"}"#,
        )],
        "COPY node_modules /app/node_modules",
    );
    let app_layout = layout(
        "oci-app",
        vec![alpine_layer, lodash_layer],
        vec![(
            "org.opencontainers.image.base.name".into(),
            oci_base.clone(),
        )],
    );
    registry.push_oci_layout(&app_layout, "1", "app/annotated:1", false);
    for target in [
        format!("{reg}/app/annotated:1"),
        format!("oci:{}:1", app_layout.display()),
    ] {
        let r = s.json(&dir.path().join("cache-annotated"), &target, &[]);
        let b = &r["artifact"]["base_image"];
        assert_eq!(b["detected_by"], "label", "{target}: {b}");
        assert_eq!(b["name"], oci_base.as_str(), "{target}");
        assert!(
            b["evidence"]
                .as_str()
                .is_some_and(|e| e.starts_with("annotation")),
            "{b}"
        );
        assert_eq!(findings(&r, Some("base")), base_alone, "{target}");
        assert_eq!(findings(&r, Some("image")), own, "{target}");
    }

    // Another base: Debian bookworm-slim (one debootstrap layer, no CMD in its history, so the history cannot
    // tell), found through --base-catalog.
    let loaded = docker.load(&data.join("images/debian-bookworm-slim.tar.gz"));
    let debian = format!("{reg}/debian:12-slim");
    docker.tag(&loaded[0], &debian);
    docker.push(&debian);
    // (the shared bookworm-slim is trimmed to its package DB and has no shell: no RUN step)
    let on_debian = app(
        "on-debian",
        &format!("FROM {debian}\nCOPY node_modules /app/node_modules\nCMD [\"/app/run\"]\n"),
    );
    let debian_alone = findings(
        &s.json(&dir.path().join("cache-debian"), &debian, &[]),
        None,
    );
    assert!(
        !debian_alone.is_empty(),
        "bookworm-slim has tracker findings"
    );
    let r = s.json(&dir.path().join("cache-on-debian"), &on_debian, &[]);
    assert!(
        r["artifact"].get("base_image").is_none(),
        "{}",
        r["artifact"]
    );
    let r = s.json(
        &dir.path().join("cache-on-debian"),
        &on_debian,
        &["--base-catalog", &format!("{reg}/debian,{reg}/alpine")],
    );
    let b = &r["artifact"]["base_image"];
    assert_eq!(b["detected_by"], "layers", "{b}");
    assert_eq!(b["name"], debian.as_str());
    assert_eq!(findings(&r, Some("base")), debian_alone);
    assert_eq!(findings(&r, Some("image")), own);

    // --ignore-base / --only-base, and the suppressed ones kept with their reason.
    let cache = dir.path().join("cache-history");
    let only_own = s.json(&cache, &by_history, &["--ignore-base"]);
    assert_eq!(findings(&only_own, None), own);
    let only_base = s.json(&cache, &by_history, &["--only-base"]);
    assert_eq!(findings(&only_base, None), base_alone);
    let shown = s.json(&cache, &by_history, &["--ignore-base", "--show-suppressed"]);
    let suppressed: Vec<&Value> = shown["results"]
        .as_array()
        .expect("results")
        .iter()
        .flat_map(|r| r["suppressed"].as_array().into_iter().flatten())
        .collect();
    assert_eq!(suppressed.len(), base_alone.len());
    assert!(suppressed.iter().all(|f| f["suppressed"]["kind"] == "base"));
    let both = s
        .cmd(&cache, &by_history, &["--ignore-base", "--only-base"])
        .output()
        .expect("runs");
    assert_eq!(both.status.code(), Some(2));

    // Many images in one run: each image's status names its base; findings keep their origin.
    let many = {
        let mut c = s.cmd(&cache, &by_history, &["--format", "json"]);
        c.arg(&by_label);
        let out = ok(&mut c);
        serde_json::from_slice::<Value>(&out.stdout).expect("native JSON")
    };
    let bases: Vec<&Value> = many["images"]
        .as_array()
        .expect("images")
        .iter()
        .map(|i| &i["base_image"]["detected_by"])
        .collect();
    assert_eq!(bases, ["history", "label"], "{}", many["images"]);
    assert_eq!(findings(&many, Some("image")), own);

    // The split in the table, the markdown summary and SARIF. (A fresh cache: `cache` now knows
    // plain-alpine:3.7.3, the named base of the label run, whose layer is alpine:3.7.3's, so the layers would
    // name the base.)
    let table =
        String::from_utf8(ok(&mut s.cmd(&dir.path().join("cache-table"), &by_history, &[])).stdout)
            .expect("utf8");
    let line = format!(
        "Base image: unknown base (1 layer, by history): {} finding{} from the base, {} from the image's own layers",
        base_alone.len(),
        if base_alone.len() == 1 { "" } else { "s" },
        own.len()
    );
    assert!(table.contains(&line), "{table}");
    let learnt = s.json(&cache, &by_history, &[]);
    assert_eq!(learnt["artifact"]["base_image"]["detected_by"], "layers");
    assert_eq!(learnt["artifact"]["base_image"]["name"], plain.as_str());
    assert!(table.contains("From"), "{table}");
    let md =
        String::from_utf8(ok(s.cmd(&cache, &by_label, &[]).args(["--format", "markdown"])).stdout)
            .expect("utf8");
    assert!(
        md.contains(&format!("Base image: {plain} (1 layer, by label)")),
        "{md}"
    );
    let sarif: Value = serde_json::from_slice(
        &ok(s.cmd(&cache, &by_label, &[]).args(["--format", "sarif"])).stdout,
    )
    .expect("sarif");
    let run = &sarif["runs"][0];
    assert_eq!(run["properties"]["baseImage"]["detected_by"], "label");
    let origins: BTreeSet<&str> = run["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["properties"]["origin"].as_str())
        .collect();
    assert_eq!(origins, BTreeSet::from(["base", "image"]));

    // The reports with a base validate: native JSON against our schema, SARIF against SARIF 2.1.0.
    let native = dir.path().join("base.json");
    let sarif_file = dir.path().join("base.sarif");
    ok(s.cmd(&cache, &by_label, &[]).args([
        "--format",
        &format!("json={}", native.display()),
        "--format",
        &format!("sarif={}", sarif_file.display()),
    ]));
    for (schema, file) in [
        ("schemas/trawl-report.schema.json", &native),
        (
            "crates/trawl-report/tests/data/sarif-schema-2.1.0.json",
            &sarif_file,
        ),
    ] {
        let out = Command::new("check-jsonschema")
            .arg("--schemafile")
            .arg(trawl_test::repo_root().join(schema))
            .arg(file)
            .output()
            .expect("check-jsonschema runs (.ci/setup.d/40-report.sh installs it)");
        assert!(
            out.status.success(),
            "{schema}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    // Advice: the newer tags of the line, each compared with a separate scan of that tag.
    let advice: Value = {
        let mut c = trawl();
        c.args(["base", "advise", &by_history, "--skip-db-update", "--db"])
            .arg(&s.db)
            .arg("--cache-dir")
            .arg(&cache)
            .args([
                "--base-catalog",
                &format!("{reg}/alpine"),
                "--format",
                "json",
            ]);
        serde_json::from_slice(&ok(&mut c).stdout).expect("advice JSON")
    };
    assert_eq!(advice["base_image"]["detected_by"], "layers");
    assert_eq!(
        advice["base_image"]["name"].as_str(),
        Some(format!("{reg}/alpine:3.7.3").as_str())
    );
    assert_eq!(keys(&advice["base_findings"]), base_alone);
    let candidates = advice["candidates"].as_array().expect("candidates");
    let scanned: BTreeSet<String> = candidates
        .iter()
        .map(|c| c["reference"].as_str().unwrap_or_default().to_owned())
        .collect();
    let expected: BTreeSet<String> = BASE_TAGS[1..]
        .iter()
        .map(|t| format!("{reg}/alpine:{t}"))
        .collect();
    assert_eq!(
        scanned, expected,
        "3.7 is the base's own image: no candidate"
    );
    let merged: Vec<&Value> = candidates
        .iter()
        .filter(|c| c.get("same_image").is_some())
        .collect();
    assert_eq!(merged.len(), 1, "{candidates:?}");
    assert_eq!(
        merged[0]["reference"],
        format!("{reg}/alpine:3.11.13").as_str()
    );
    assert_eq!(
        merged[0]["same_image"],
        serde_json::json!([format!("{reg}/alpine:3.11")])
    );
    for c in candidates {
        let reference = c["reference"].as_str().expect("reference");
        let alone = findings(
            &s.json(&dir.path().join("cache-each"), reference, &[]),
            None,
        );
        let removes: BTreeSet<_> = base_alone.difference(&alone).cloned().collect();
        let adds: BTreeSet<_> = alone.difference(&base_alone).cloned().collect();
        assert_eq!(keys(&c["removes"]), removes, "{reference}");
        assert_eq!(keys(&c["adds"]), adds, "{reference}");
    }
    let best = &candidates[0];
    assert_eq!(advice["recommended"], best["reference"]);
    assert!(!keys(&best["removes"]).is_empty(), "{advice}");

    // The same advice for people, with the base found by history (no name): a clear error.
    let mut c = trawl();
    c.args(["base", "advise", &by_history, "--skip-db-update", "--db"])
        .arg(&s.db)
        .arg("--cache-dir")
        .arg(dir.path().join("cache-fresh"));
    let out = c.output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--base-image"), "{err}");
    let mut c = trawl();
    c.args(["base", "advise", &by_history, "--skip-db-update", "--db"])
        .arg(&s.db)
        .arg("--cache-dir")
        .arg(&cache)
        .args(["--base-image", &format!("{reg}/alpine:3.7.3")]);
    let text = String::from_utf8(ok(&mut c).stdout).expect("utf8");
    let best = format!("{reg}/alpine:3.11.13");
    for line in [
        format!("Base image of {by_history}: {reg}/alpine:3.7.3 (1 layer, by given)"),
        format!(
            "{reg}/alpine:3.7.3 → {best} (also {reg}/alpine:3.11)  removes {} ({} UNKNOWN), adds 0",
            base_alone.len(),
            base_alone.len()
        ),
        format!("Recommended: {best}"),
    ] {
        assert!(text.contains(&line), "{line:?} not in\n{text}");
    }
    let mut c = trawl();
    c.args(["base", "advise", &by_label, "--skip-db-update", "--db"])
        .arg(&s.db)
        .arg("--cache-dir")
        .arg(&cache);
    let text = String::from_utf8(ok(&mut c).stdout).expect("utf8");
    assert!(
        text.contains(&format!("Base image of {by_label}: {plain}")),
        "{text}"
    );
    assert!(
        text.contains("No newer tag"),
        "plain-alpine has one tag: {text}"
    );
}
