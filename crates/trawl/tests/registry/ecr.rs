//! ECR discovery (issue #17): `trawl registry scan ACCOUNT.dkr.ecr.REGION.amazonaws.com` lists repositories and
//! tags through the ECR API (moto's server mode on 127.0.0.1, `AWS_ENDPOINT_URL_ECR`), signs with SigV4, gets the
//! registry password from GetAuthorizationToken, and pulls the images through `--registry-mirror` from a local
//! docker-registry holding the same repositories and tags.

use crate::{json, ok, run, trawl};
use serde_json::Value;
use std::path::Path;
use std::process::Command;
use trawl_test::moto::MotoServer;
use trawl_test::registry::{TestRegistry, shared_image};

const ECR: &str = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";

/// The raw manifest of `repo_tag` in the local registry.
fn manifest(registry: &TestRegistry, repo_tag: &str) -> String {
    let out = Command::new("skopeo")
        .args(["inspect", "--raw", "--tls-verify=false"])
        .arg(format!("docker://{}", registry.reference(repo_tag)))
        .output()
        .expect("skopeo inspect");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("manifest text")
}

/// Pushes each `(repository, tag, archive)` to the local registry and records it in moto's ECR.
fn seed(moto: &MotoServer, registry: &TestRegistry, images: &[(&str, &str, &Path)], dir: &Path) {
    let mut spec = Vec::new();
    for (repo, tag, archive) in images {
        let repo_tag = format!("{repo}:{tag}");
        registry.push_archive(archive, &repo_tag);
        spec.push(serde_json::json!({
            "repository": repo,
            "tag": tag,
            "manifest": manifest(registry, &repo_tag),
        }));
    }
    let spec_path = dir.join("ecr-seed.json");
    std::fs::write(&spec_path, serde_json::to_vec(&spec).expect("json")).expect("write");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/registry/ecr_seed.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(moto.endpoint())
        .arg("eu-west-1")
        .arg(&spec_path)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .output()
        .expect("seed moto");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `trawl registry scan ECR` with the AWS environment of a test: keys (or `extra`), moto as the endpoint, no
/// shared files, no instance metadata.
fn ecr_scan(
    moto: &MotoServer,
    registry: &TestRegistry,
    home: &Path,
    extra: &[(&str, &str)],
) -> Command {
    let mut cmd = trawl();
    cmd.args([
        "registry",
        "scan",
        ECR,
        "--scanners",
        "none",
        "--format",
        "json",
    ])
    .arg("--registry-mirror")
    .arg(format!("{ECR}={}", registry.host()))
    .arg("--cache-dir")
    .arg(home.join("cache"))
    .env("HOME", home)
    .env("AWS_ENDPOINT_URL_ECR", moto.endpoint())
    .env("AWS_EC2_METADATA_DISABLED", "true")
    .env_remove("AWS_PROFILE")
    .env_remove("AWS_REGION")
    .env_remove("AWS_DEFAULT_REGION")
    .env_remove("AWS_ENDPOINT_URL")
    .env_remove("AWS_WEB_IDENTITY_TOKEN_FILE")
    .env_remove("AWS_ROLE_ARN");
    if extra.is_empty() {
        cmd.env("AWS_ACCESS_KEY_ID", "AKIDTESTING")
            .env("AWS_SECRET_ACCESS_KEY", "secret-testing-key");
    } else {
        cmd.env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY");
        for (k, v) in extra {
            cmd.env(k, v);
        }
    }
    cmd
}

fn image_names(report: &Value) -> Vec<String> {
    let mut names: Vec<String> = report["images"]
        .as_array()
        .expect("images")
        .iter()
        .map(|i| {
            assert_eq!(i["status"], "ok", "{i}");
            i["name"].as_str().expect("name").to_owned()
        })
        .collect();
    names.sort();
    names
}

#[test]
fn ecr_registry_scan_reports_every_image_of_every_repository() {
    let data = trawl_test::require_shared_data!();
    trawl_test::require_registry_tools!();
    trawl_test::require_moto!();
    let dir = tempfile::tempdir().expect("tempdir");
    let registry = TestRegistry::start();
    let moto = MotoServer::start();
    let a310 = shared_image(&data, "images/alpine-310.tar.gz");
    let a311 = shared_image(&data, "images/alpine-311.tar.gz");
    let images: [(&str, &str, &Path); 7] = [
        ("team/api", "1.0", &a310),
        ("team/api", "1.1", &a311),
        ("team/api", "latest", &a311),
        ("team/web", "2.0", &a310),
        ("team/web", "latest", &a310),
        ("tools/db", "5", &a311),
        ("tools/db", "latest", &a311),
    ];
    seed(&moto, &registry, &images, dir.path());

    // Every tag of every repository.
    let out = ok(ecr_scan(&moto, &registry, dir.path(), &[]).args(["--tags", "all"]));
    let report = json(&out);
    let mut expected: Vec<String> = images
        .iter()
        .map(|(r, t, _)| format!("{ECR}/{r}:{t}"))
        .collect();
    expected.sort();
    assert_eq!(image_names(&report), expected);
    // Each image was read (through the mirror) and inventoried: alpine's packages are there.
    for image in report["images"].as_array().expect("images") {
        assert!(image["packages"].as_u64().unwrap_or(0) > 10, "{image}");
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("secret-testing-key"), "{stderr}");

    // Filters: a prefix, --repositories, the default `latest` tag.
    let out = ok(ecr_scan(&moto, &registry, dir.path(), &[]).args([
        "--repositories",
        "team/.*",
        "--tags",
        "1\\..*",
    ]));
    assert_eq!(
        image_names(&json(&out)),
        [format!("{ECR}/team/api:1.0"), format!("{ECR}/team/api:1.1")]
    );
    let out = ok(&mut ecr_scan(&moto, &registry, dir.path(), &[]));
    assert_eq!(
        image_names(&json(&out)).len(),
        3,
        "one `latest` per repository"
    );
    // --pushed-since: everything was pushed just now.
    let out = ok(ecr_scan(&moto, &registry, dir.path(), &[]).args(["--pushed-since", "1h"]));
    assert_eq!(image_names(&json(&out)).len(), 3);
    std::thread::sleep(std::time::Duration::from_secs(2));
    let out = run(ecr_scan(&moto, &registry, dir.path(), &[]).args(["--pushed-since", "1s"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no image to scan"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Credentials from a web identity token (GitHub OIDC's shape), exchanged at STS (moto) for keys.
    let token = dir.path().join("oidc-token");
    std::fs::write(&token, "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOm8vciJ9.c2ln").expect("token");
    let out = ok(&mut ecr_scan(
        &moto,
        &registry,
        dir.path(),
        &[
            (
                "AWS_WEB_IDENTITY_TOKEN_FILE",
                token.to_str().expect("utf-8"),
            ),
            ("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/trawl-scan"),
            ("AWS_ENDPOINT_URL_STS", &moto.endpoint()),
        ],
    ));
    assert_eq!(image_names(&json(&out)).len(), 3);

    // A shared credentials file and profile.
    let aws = dir.path().join(".aws");
    std::fs::create_dir_all(&aws).expect("mkdir");
    std::fs::write(
        aws.join("credentials"),
        "[scanner]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = profile-secret\n",
    )
    .expect("credentials");
    let out = ok(&mut ecr_scan(
        &moto,
        &registry,
        dir.path(),
        &[("AWS_PROFILE", "scanner")],
    ));
    assert_eq!(image_names(&json(&out)).len(), 3);

    // No credentials anywhere: a clear error, exit 2.
    let out = run(&mut ecr_scan(
        &moto,
        &registry,
        dir.path(),
        &[("AWS_PROFILE", "nobody")],
    ));
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no AWS credentials"), "{stderr}");
}
