//! A long batch (issue #17): `trawl registry scan --tags all --resume STATE` over 200 images (20 repositories of
//! 10 tags, on two shared base layers), killed half way and run again with the same state file: every image is
//! reported exactly once, and the images of the first run are not scanned again.

use crate::{json, ok, trawl};
use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};
use trawl_registry::{Client, ClientOptions, Registry, Repository};
use trawl_test::registry::{LayoutLayer, TestRegistry};

const REPOS: usize = 20;
const TAGS: usize = 10;

/// Pushes `batch/app{r}:v{t}` with the client: base layer (alpine 3.20 for even repositories, the alpine 3.10
/// image's layer for odd ones) plus a small layer of the image's own. Returns the sum of the images' sizes
/// (every blob of every image, as a pull of each image alone would fetch).
fn push_batch(registry: &TestRegistry, data: &Path) -> u64 {
    let bases = [
        LayoutLayer::from_tar_gz(
            &data.join("images/alpine-minirootfs/alpine-minirootfs-3.20.3-x86_64.tar.gz"),
            "ADD alpine-minirootfs-3.20.3-x86_64.tar.gz /",
        ),
        LayoutLayer::from_gz(
            trawl_test::image::gzip(&trawl_test::image::first_layer_of_docker_archive(
                &data.join("images/alpine-310.tar.gz"),
            )),
            "ADD alpine-3.10 /",
        ),
    ];
    let client = Client::new(ClientOptions::default()).expect("client");
    let host = Registry::new(&registry.host()).expect("registry");
    let mut total = 0u64;
    for r in 0..REPOS {
        let repo = Repository::new(host.clone(), &format!("batch/app{r}")).expect("repo");
        let base = &bases[r % 2];
        let base_digest = client.push_blob(&repo, &base.gz).expect("base blob");
        for t in 0..TAGS {
            let content = format!("app {r} version {t}\n");
            let own = LayoutLayer::from_files(
                &[(&format!("srv/app{r}/VERSION"), content.as_bytes())],
                &format!("COPY app{r} v{t}"),
            );
            let own_digest = client.push_blob(&repo, &own.gz).expect("own blob");
            let config = serde_json::json!({
                "architecture": "amd64",
                "os": "linux",
                "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},
                "rootfs": {"type": "layers", "diff_ids": [base.diff_id, own.diff_id]},
                "history": [{"created_by": base.created_by}, {"created_by": own.created_by}],
            });
            let config = serde_json::to_vec(&config).expect("config");
            let config_digest = client.push_blob(&repo, &config).expect("config blob");
            let manifest = serde_json::json!({
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {
                    "mediaType": "application/vnd.oci.image.config.v1+json",
                    "digest": config_digest.to_string(),
                    "size": config.len(),
                },
                "layers": [
                    {
                        "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                        "digest": base_digest.to_string(),
                        "size": base.gz.len(),
                    },
                    {
                        "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                        "digest": own_digest.to_string(),
                        "size": own.gz.len(),
                    },
                ],
            });
            client
                .push_manifest(
                    &repo,
                    &format!("v{t}"),
                    "application/vnd.oci.image.manifest.v1+json",
                    &serde_json::to_vec(&manifest).expect("manifest"),
                )
                .expect("manifest");
            total += (base.gz.len() + own.gz.len()) as u64;
        }
    }
    total
}

fn recorded(state: &Path) -> Vec<String> {
    std::fs::read_to_string(state)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["name"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn a_killed_batch_resumes_and_reports_every_image_once() {
    let data = trawl_test::require_shared_data!();
    trawl_test::require_registry_tools!();
    let dir = tempfile::tempdir().expect("tempdir");
    let registry = TestRegistry::start();
    push_batch(&registry, &data);
    let state = dir.path().join("state.jsonl");
    let scan = || {
        let mut cmd = trawl();
        cmd.args(["registry", "scan", &registry.host(), "--tags", "all"])
            .args(["--scanners", "none", "--format", "json", "--parallel", "2"])
            .arg("--resume")
            .arg(&state)
            .arg("--cache-dir")
            .arg(dir.path().join("cache"))
            .env("TRAWL_LOG", "info");
        cmd
    };

    // First run: killed (SIGKILL, no clean-up) once about a third of the images are recorded.
    let mut child = scan()
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(300);
    while recorded(&state).len() < (REPOS * TAGS) / 3 {
        assert!(Instant::now() < deadline, "the first run made no progress");
        assert!(
            child.try_wait().expect("poll").is_none(),
            "the first run ended before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().expect("kill");
    child.wait().expect("reap");
    let first: Vec<String> = recorded(&state);
    assert!(first.len() < REPOS * TAGS, "killed after the end");

    // Second run: the rest only, then one report of every image.
    let out = ok(&mut scan());
    let report = json(&out);
    let images = report["images"].as_array().expect("images");
    let names: Vec<&str> = images
        .iter()
        .map(|i| i["name"].as_str().expect("name"))
        .collect();
    let unique: BTreeSet<&str> = names.iter().copied().collect();
    assert_eq!(names.len(), REPOS * TAGS, "every image once");
    assert_eq!(unique.len(), REPOS * TAGS, "no image twice");
    for i in images {
        assert_eq!(i["status"], "ok", "{i}");
    }
    // The state file holds every image once: the second run did not scan the first run's images again.
    let all = recorded(&state);
    let all_unique: BTreeSet<&String> = all.iter().collect();
    assert_eq!(all.len(), REPOS * TAGS, "{} lines", all.len());
    assert_eq!(all_unique.len(), REPOS * TAGS);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "resuming: {} of {} image(s) already reported",
            first.len(),
            REPOS * TAGS
        )),
        "{stderr}"
    );
    // Progress lines count down what is left and what was pulled.
    assert!(
        stderr.contains(" left, ") && stderr.contains(" pulled"),
        "{stderr}"
    );
}
