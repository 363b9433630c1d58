//! `trawl image --scanners secret` end to end: keys planted in one layer of a real-format image are found with
//! their layer and path, and are redacted in every output format; a key deleted in a later layer is not reported.

use std::path::Path;
use std::process::Command;
use trawl_test::image::{Blob, LayerTar, TestImage, TestLayer};

/// The trawl binary, isolated from the machine running the tests.
fn trawl() -> Command {
    trawl_test::cli::trawl(env!("CARGO_BIN_EXE_trawl"))
}

/// A deterministic token-shaped string (so the test file itself holds no token literal).
fn rnd(charset: &str, len: usize, seed: u64) -> String {
    let cs: Vec<char> = charset.chars().collect();
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            cs[(x % cs.len() as u64) as usize]
        })
        .collect()
}

const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const B64: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const ALNUM: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

struct Planted {
    key_id: String,
    secret: String,
    gh: String,
    env_pw: String,
}

fn build(dir: &Path) -> (std::path::PathBuf, Vec<String>, Planted) {
    let p = Planted {
        key_id: format!("AKIA{}", rnd(UPPER, 16, 11)),
        secret: rnd(B64, 40, 12),
        gh: format!("ghp_{}", rnd(ALNUM, 36, 13)),
        env_pw: rnd(ALNUM, 24, 14),
    };
    let base = LayerTar::new()
        .dir("etc")
        .file(
            "etc/os-release",
            b"ID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME=\"Alpine Linux v3.20\"\n",
        )
        .file("etc/motd", b"Welcome!\n")
        .build();
    let creds = format!(
        "[default]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        p.key_id, p.secret
    );
    let app = LayerTar::new()
        .dir("root")
        .dir("root/.aws")
        .file("root/.aws/credentials", creds.as_bytes())
        .dir("srv")
        .file(
            "srv/deploy.sh",
            format!(
                "#!/bin/sh\ngit clone https://x:{}@github.com/acme/app.git\n",
                p.gh
            )
            .as_bytes(),
        )
        .build();
    // The third layer deletes the script: what the image no longer holds is not reported.
    let cleanup = LayerTar::new()
        .whiteout("srv/deploy.sh")
        .file("srv/README", b"app\n")
        .build();
    let layers = [
        TestLayer::new(base, Blob::Gzip, "/bin/sh -c #(nop) ADD file:base in /"),
        TestLayer::new(app, Blob::Gzip, "COPY credentials /root/.aws/ # buildkit"),
        TestLayer::new(cleanup, Blob::Plain, "RUN rm /srv/deploy.sh # buildkit"),
    ];
    let diff_ids: Vec<String> = layers.iter().map(TestLayer::diff_id).collect();
    let mut img = TestImage::new("acme/app:1.0");
    for l in layers {
        img = img.layer(l);
    }
    img.config = serde_json::json!({"Env": ["PATH=/usr/bin:/bin", format!("DB_PASSWORD={}", p.env_pw)], "User": "app"});
    let path = dir.join("app.tar");
    img.write_docker_archive(&path, false);
    (path, diff_ids, p)
}

#[test]
fn planted_keys_found_with_layer_and_redacted_everywhere() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (image, diff_ids, planted) = build(tmp.path());
    let out_json = tmp.path().join("r.json");
    let out_sarif = tmp.path().join("r.sarif");
    let out_trivy = tmp.path().join("r.trivy.json");
    let out = trawl()
        .args(["image", "--input"])
        .arg(&image)
        .args(["--scanners", "secret", "--cache-dir"])
        .arg(tmp.path().join("cache"))
        .arg("--format")
        .arg(format!("json={}", out_json.display()))
        .arg("--format")
        .arg(format!("sarif={}", out_sarif.display()))
        .arg("--format")
        .arg(format!("trivy-json={}", out_trivy.display()))
        .args(["--format", "table"])
        .output()
        .expect("trawl runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let table = String::from_utf8_lossy(&out.stdout).into_owned();
    let json = std::fs::read_to_string(&out_json).expect("json written");
    let sarif = std::fs::read_to_string(&out_sarif).expect("sarif written");
    let trivy = std::fs::read_to_string(&out_trivy).expect("trivy-json written");

    let report: serde_json::Value = serde_json::from_str(&json).expect("json");
    let mut found: Vec<(String, String, usize, String)> = report["results"]
        .as_array()
        .expect("results")
        .iter()
        .flat_map(|r| r["secrets"].as_array().cloned().unwrap_or_default())
        .map(|s| {
            (
                s["rule_id"].as_str().unwrap_or_default().to_owned(),
                s["path"].as_str().unwrap_or_default().to_owned(),
                s["start_line"].as_u64().unwrap_or_default() as usize,
                s["layer"]["diff_id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            (
                "aws-access-key-id".to_owned(),
                "root/.aws/credentials".to_owned(),
                2,
                diff_ids[1].clone()
            ),
            (
                "aws-secret-access-key".to_owned(),
                "root/.aws/credentials".to_owned(),
                3,
                diff_ids[1].clone()
            ),
            // The password planted in the image config's Env (its second entry): no layer.
            (
                "generic-secret-env".to_owned(),
                "image-config:Env".to_owned(),
                2,
                String::new()
            ),
        ],
        "the deleted script's token is not reported; each key carries the layer that added it"
    );
    for (name, text) in [
        ("json", &json),
        ("sarif", &sarif),
        ("trivy-json", &trivy),
        ("table", &table),
    ] {
        // The image config (carried in json's artifact.image_config) is redacted too.
        for secret in [
            &planted.key_id,
            &planted.secret,
            &planted.gh,
            &planted.env_pw,
        ] {
            assert!(!text.contains(secret.as_str()), "{name} leaks a secret");
        }
        assert!(text.contains("aws-access-key-id"), "{name} names the rule");
        assert!(
            text.contains("root/.aws/credentials"),
            "{name} names the file"
        );
    }
    assert!(table.contains("aws_access_key_id = ****"), "{table}");
    let sarif: serde_json::Value = serde_json::from_str(&sarif).expect("sarif json");
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("sarif rules");
    assert!(
        rules.iter().any(|r| r["id"] == "aws-secret-access-key"),
        "{rules:?}"
    );
}
