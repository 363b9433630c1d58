//! Walker and cache tests on real layers and crafted tars.

use std::collections::BTreeMap;
use std::sync::Arc;
use trawl_layers::{
    FsCache, LayerCache, Visitor, cache_key, get_json, put_json, walk_dir, walk_tar,
};
use trawl_test::image::LayerTar;

#[derive(Default)]
struct Grab {
    want: Vec<&'static str>,
    got: BTreeMap<String, (u32, Vec<u8>)>,
    asked: usize,
}

impl Visitor for Grab {
    fn wants(&self, path: &str, _mode: u32, _size: u64) -> bool {
        self.want.contains(&path)
    }
    fn visit(&mut self, path: &str, mode: u32, _size: u64, content: &[u8]) {
        self.asked += 1;
        self.got.insert(path.to_owned(), (mode, content.to_vec()));
    }
}

#[test]
fn real_layer_walk() {
    let data = trawl_test::require_shared_data!();
    let tar = trawl_test::image::first_layer_of_docker_archive(
        &data.join("images/debian-bookworm-slim.tar.gz"),
    );
    let mut g = Grab {
        want: vec![
            "var/lib/dpkg/status",
            "usr/lib/os-release",
            "etc/os-release",
        ],
        ..Grab::default()
    };
    let e = walk_tar(tar.as_slice(), &mut g).expect("walk");
    assert!(e.entries > 1000);
    // etc/os-release is a symlink in this image: recorded, not visited.
    assert_eq!(
        e.symlinks.get("etc/os-release").map(String::as_str),
        Some("../usr/lib/os-release")
    );
    assert_eq!(
        g.got.keys().collect::<Vec<_>>(),
        vec!["usr/lib/os-release", "var/lib/dpkg/status"]
    );
    assert_eq!(g.got["var/lib/dpkg/status"].0 & 0o170000, 0o100000);
    assert!(
        e.hardlinks
            .get("usr/bin/perl5.36.0")
            .is_some_and(|t| t == "usr/bin/perl")
    );
    assert!(e.whiteouts.is_empty() && e.opaque_dirs.is_empty() && e.warnings.is_empty());
}

#[test]
fn whiteouts_opaques_and_escapes() {
    let tar = LayerTar::new()
        .dir("./etc")
        .file("./etc/a", b"a")
        .whiteout("etc/gone")
        .whiteout("top")
        .opaque("usr/lib")
        .raw_file("../x", b"no")
        .raw_file("/abs/ok", b"yes")
        .raw_link("l", "/etc/a", false)
        .raw_link("h", "../../etc/passwd", true)
        .build();
    let mut g = Grab {
        want: vec!["etc/a", "abs/ok", "x", "../x"],
        ..Grab::default()
    };
    let e = walk_tar(tar.as_slice(), &mut g).expect("walk");
    assert_eq!(e.whiteouts, vec!["etc/gone".to_owned(), "top".to_owned()]);
    assert_eq!(e.opaque_dirs, vec!["usr/lib".to_owned()]);
    assert_eq!(g.got.keys().collect::<Vec<_>>(), vec!["abs/ok", "etc/a"]);
    assert_eq!(e.symlinks.get("l").map(String::as_str), Some("/etc/a"));
    assert!(e.hardlinks.is_empty());
    assert_eq!(e.warnings.len(), 2, "{:?}", e.warnings);
    assert!(e.warnings.iter().any(|w| w.contains("`../x`")));
    assert!(e.warnings.iter().any(|w| w.contains("../../etc/passwd")));
}

#[test]
fn truncated_tar_is_an_error() {
    let tar = LayerTar::new().file("etc/a", &[7u8; 4000]).build();
    let mut g = Grab {
        want: vec!["etc/a"],
        ..Grab::default()
    };
    assert!(walk_tar(&tar[..1500], &mut g).is_err());
}

#[test]
fn dir_walk_never_follows_symlinks() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let outside = tempfile::tempdir().expect("tempdir");
    std::fs::write(outside.path().join("secret"), b"outside").expect("write");
    let root = tmp.path();
    std::fs::create_dir_all(root.join("etc")).expect("mkdir");
    std::fs::write(root.join("etc/a"), b"inside").expect("write");
    std::os::unix::fs::symlink(outside.path(), root.join("escape")).expect("symlink");
    std::os::unix::fs::symlink("/etc/passwd", root.join("etc/passwd-link")).expect("symlink");
    let mut g = Grab {
        want: vec!["etc/a", "escape/secret", "etc/passwd-link"],
        ..Grab::default()
    };
    let e = walk_dir(root, &mut g);
    assert_eq!(g.got.keys().collect::<Vec<_>>(), vec!["etc/a"]);
    assert_eq!(e.symlinks.len(), 2);
}

#[test]
fn cache_roundtrip_concurrency_and_eviction() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let cache = Arc::new(
        FsCache::open(tmp.path())
            .expect("open")
            .with_max_bytes(64 * 1024),
    );
    let k1 = cache_key("sha256:aa", 1, &[("os/dpkg", 1), ("os/apk", 2)], "");
    assert_eq!(
        k1,
        cache_key("sha256:aa", 1, &[("os/apk", 2), ("os/dpkg", 1)], ""),
        "order-independent"
    );
    assert_ne!(
        k1,
        cache_key("sha256:aa", 1, &[("os/apk", 3), ("os/dpkg", 1)], ""),
        "analyzer version matters"
    );
    assert_ne!(
        k1,
        cache_key("sha256:aa", 2, &[("os/apk", 2), ("os/dpkg", 1)], ""),
        "format version matters"
    );
    // Writers racing on one key: every reader sees a whole value.
    std::thread::scope(|s| {
        for t in 0..4 {
            let cache = Arc::clone(&cache);
            let k1 = k1.clone();
            s.spawn(move || {
                for i in 0..20 {
                    put_json(cache.as_ref(), &k1, &vec![t * 100 + i; 500]).expect("put");
                    let v: Vec<u32> = get_json(cache.as_ref(), &k1).expect("whole value");
                    assert_eq!(v.len(), 500);
                    assert!(v.iter().all(|x| *x == v[0]));
                }
            });
        }
    });
    // Eviction keeps the cache under its bound, oldest first; incompressible values to fill it.
    let mut keys = Vec::new();
    for i in 0..40u64 {
        let k = cache_key(&format!("sha256:{i}"), 1, &[], "");
        let noise: Vec<u8> = (0..4096u64)
            .map(|j| ((j * 2_654_435_761 + i * 40_503) >> 7) as u8)
            .collect();
        cache.put(&k, &noise).expect("put");
        keys.push(k);
    }
    cache.evict();
    assert!(cache.size() <= 64 * 1024, "{}", cache.size());
    assert!(
        cache.get(keys.last().expect("keys")).is_some(),
        "the newest entry survives"
    );
    assert!(cache.get(&keys[0]).is_none(), "the oldest entry is evicted");
    assert_eq!(
        std::fs::read_dir(tmp.path().join("tmp"))
            .expect("tmp")
            .count(),
        0
    );
}

/// Wants everything, reads nothing over 10 bytes.
struct Sizes(Vec<(String, usize)>);

impl Visitor for Sizes {
    fn wants(&self, _path: &str, _mode: u32, _size: u64) -> bool {
        true
    }
    fn needs_content(&self, _path: &str, _mode: u32, size: u64) -> bool {
        size <= 10
    }
    fn visit(&mut self, path: &str, _mode: u32, _size: u64, content: &[u8]) {
        self.0.push((path.to_owned(), content.len()));
    }
}

#[test]
fn content_is_read_only_when_needed() {
    let tar = LayerTar::new()
        .file("small", b"12345")
        .file("large", &[1u8; 5000])
        .build();
    let mut v = Sizes(Vec::new());
    walk_tar(tar.as_slice(), &mut v).expect("walk");
    assert_eq!(v.0, vec![("small".to_owned(), 5), ("large".to_owned(), 0)]);
}
