//! Generators of hostile images (issue #14): each writes a small crafted input into a directory at test time
//! (nothing big is committed) and returns its path. Every one of them made a released trawl use gigabytes of
//! memory or run for minutes; `crates/trawl/tests/hostile` scans each with the real binary under a memory and
//! time budget.

use crate::image::{Blob, LayerTar, TestImage, TestLayer, sha256};
use flate2::Compression as GzLevel;
use flate2::write::GzEncoder;
use sha2::{Digest, Sha256};
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// A writer that hashes what passes through.
struct HashingWriter<W> {
    inner: W,
    h: Sha256,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.h.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Writes `n` bytes of `byte` (streamed: never held in memory).
fn write_repeated(w: &mut dyn Write, byte: u8, n: u64) {
    let chunk = vec![byte; 1 << 20];
    let mut left = n;
    while left > 0 {
        let k = usize::try_from(left.min(chunk.len() as u64)).expect("chunk fits");
        w.write_all(&chunk[..k]).expect("write");
        left -= k as u64;
    }
}

/// Pads to the next 512-byte block.
fn pad(w: &mut dyn Write, len: u64) {
    let rem = len % 512;
    if rem != 0 {
        write_repeated(w, 0, 512 - rem);
    }
}

/// A raw tar header of `kind` for `name` with `size` bytes of data.
fn raw_header(kind: tar::EntryType, name: &str, size: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_mode(0o644);
    h.set_size(size);
    h.set_mtime(1_700_000_000);
    h.as_gnu_mut()
        .expect("a GNU header")
        .name
        .iter_mut()
        .zip(name.bytes().chain(std::iter::repeat(0)))
        .for_each(|(d, s)| *d = s);
    h.set_cksum();
    h
}

/// Writes a tar stream whose first member has an extension entry (`kind`: GNU long name `L` or PAX `x`) of
/// `size` bytes, then an ordinary file `etc/hostname`, then the end-of-archive blocks.
fn tar_with_extension(w: &mut dyn Write, kind: tar::EntryType, size: u64) {
    let h = raw_header(kind, "././@LongLink", size);
    w.write_all(h.as_bytes()).expect("write");
    if kind == tar::EntryType::XHeader {
        // One PAX `path` record of `size` bytes: "<len> path=aaaa...\n".
        let digits = size.to_string().len() as u64;
        let value = size - digits - 7;
        write!(w, "{size} path=").expect("write");
        write_repeated(w, b'a', value);
        w.write_all(b"\n").expect("write");
    } else {
        write_repeated(w, b'a', size - 1);
        w.write_all(&[0]).expect("write");
    }
    pad(w, size);
    let h = raw_header(tar::EntryType::Regular, "etc/hostname", 5);
    w.write_all(h.as_bytes()).expect("write");
    w.write_all(b"host\n").expect("write");
    pad(w, 5);
    write_repeated(w, 0, 1024);
}

/// A docker-archive whose one gzip'd layer starts with a GNU long-name entry (`pax`: a PAX `path` record
/// instead) of `size` bytes (item 3). With `size` = 128 MiB the file is about 130 KB.
pub fn long_name_in_layer(dir: &Path, size: u64, pax: bool) -> PathBuf {
    let blob_path = dir.join("layer.tar.gz");
    let f = fs::File::create(&blob_path).expect("create blob");
    let mut hw = HashingWriter {
        inner: GzEncoder::new(io::BufWriter::new(f), GzLevel::fast()),
        h: Sha256::new(),
    };
    let kind = if pax {
        tar::EntryType::XHeader
    } else {
        tar::EntryType::GNULongName
    };
    tar_with_extension(&mut hw, kind, size);
    let out = dir.join(if pax {
        "pax-path-layer.tar"
    } else {
        "long-name-layer.tar"
    });
    finish_one_layer_archive(hw, &blob_path, &out);
    out
}

/// A docker-archive with one gzip'd layer holding `path`: a JSON file of `size` bytes (item 7: files read whole).
pub fn big_file_in_layer(dir: &Path, path: &str, size: u64) -> PathBuf {
    let blob_path = dir.join("layer.tar.gz");
    let f = fs::File::create(&blob_path).expect("create blob");
    let mut hw = HashingWriter {
        inner: GzEncoder::new(io::BufWriter::new(f), GzLevel::fast()),
        h: Sha256::new(),
    };
    let h = raw_header(tar::EntryType::Regular, path, size);
    hw.write_all(h.as_bytes()).expect("write");
    let head = br#"{"name": "big", "version": "1.0.0", "description": ""#;
    hw.write_all(head).expect("write");
    write_repeated(&mut hw, b'a', size - head.len() as u64 - 2);
    hw.write_all(b"\"}").expect("write");
    pad(&mut hw, size);
    write_repeated(&mut hw, 0, 1024);
    let out = dir.join("big-file.tar");
    finish_one_layer_archive(hw, &blob_path, &out);
    out
}

/// Finishes the gzip'd layer blob being written through `hw` and packs it with a config and manifest as the
/// docker-archive `out`.
fn finish_one_layer_archive(
    hw: HashingWriter<GzEncoder<io::BufWriter<fs::File>>>,
    blob_path: &Path,
    out: &Path,
) {
    let diff_id = format!("sha256:{}", hex::encode(hw.h.finalize()));
    hw.inner
        .finish()
        .expect("finish gzip")
        .flush()
        .expect("flush");
    let config = serde_json::to_vec(&serde_json::json!({
        "architecture": "amd64", "os": "linux", "config": {},
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created_by": "crafted"}],
    }))
    .expect("json");
    let manifest = serde_json::to_vec(&serde_json::json!([
        {"Config": "config.json", "RepoTags": ["hostile:one-layer"], "Layers": ["l/layer.tar"]}
    ]))
    .expect("json");
    let mut b = tar::Builder::new(io::BufWriter::new(
        fs::File::create(out).expect("create archive"),
    ));
    for (name, bytes) in [("manifest.json", &manifest), ("config.json", &config)] {
        let mut h = raw_header(tar::EntryType::Regular, name, bytes.len() as u64);
        b.append_data(&mut h, name, bytes.as_slice())
            .expect("append");
    }
    let len = fs::metadata(blob_path).expect("blob").len();
    let mut h = raw_header(tar::EntryType::Regular, "l/layer.tar", len);
    b.append_data(
        &mut h,
        "l/layer.tar",
        fs::File::open(blob_path).expect("blob"),
    )
    .expect("append");
    b.into_inner().expect("finish").flush().expect("flush");
    fs::remove_file(blob_path).expect("remove blob");
}

/// A gzip'd outer archive whose first entry is a GNU long name of `size` bytes (item 3, outer archive).
pub fn long_name_in_outer(dir: &Path, size: u64) -> PathBuf {
    let out = dir.join("long-name-outer.tar.gz");
    let f = fs::File::create(&out).expect("create archive");
    let mut gz = GzEncoder::new(io::BufWriter::new(f), GzLevel::fast());
    tar_with_extension(&mut gz, tar::EntryType::GNULongName, size);
    gz.finish().expect("finish gzip").flush().expect("flush");
    out
}

/// An image whose `etc/os-release` and `usr/lib/os-release` are symlinks through links that multiply the path
/// on every hop (item 4): `etc/os-release -> ../m/m/…/m/x`, `m -> m/m/…/m` (2,000 components each), and
/// `usr/lib/os-release -> /x/x/…/x/y` where that 15,000-component path is itself a link to itself (each hop
/// re-walks 15,000 components). About 10 KB.
pub fn multiplying_symlinks(dir: &Path) -> PathBuf {
    let many = vec!["m"; 2000].join("/");
    let deep = vec!["x"; 15_000].join("/") + "/y";
    let tar = LayerTar::new()
        .dir("etc")
        .symlink("etc/os-release", &format!("../{many}/x"))
        .symlink("m", &many)
        .dir("usr")
        .dir("usr/lib")
        .symlink("usr/lib/os-release", &format!("/{deep}"))
        .symlink(&deep, &format!("/{deep}"))
        .build();
    let out = dir.join("multiplying-symlinks.tar");
    TestImage::new("hostile:symlinks")
        .layer(TestLayer::new(tar, Blob::Gzip, "crafted"))
        .write_docker_archive(&out, false);
    out
}

/// A gzip'd docker-archive with `links` installed-package manifests (`node_modules/pN/package.json`) that are
/// all symlinks to one file of a lower layer, which also holds `filler` other files (item 5). The released
/// binary re-read the lower layer once per link.
pub fn many_wanted_links(dir: &Path, links: usize, filler: usize) -> PathBuf {
    let mut lower = LayerTar::new().dir("data").file(
        "data/package.json",
        br#"{"name": "lodash", "version": "4.17.15"}"#,
    );
    for i in 0..filler {
        lower = lower.file(
            &format!("data/f{i}.txt"),
            format!("filler {i}\n").as_bytes(),
        );
    }
    let mut upper = LayerTar::new().dir("app").dir("app/node_modules");
    for i in 0..links {
        upper = upper.dir(&format!("app/node_modules/p{i}")).symlink(
            &format!("app/node_modules/p{i}/package.json"),
            "/data/package.json",
        );
    }
    let out = dir.join("many-wanted-links.tar.gz");
    TestImage::new("hostile:links")
        .layer(TestLayer::new(lower.build(), Blob::Gzip, "lower"))
        .layer(TestLayer::new(upper.build(), Blob::Gzip, "links"))
        .write_docker_archive(&out, true);
    out
}

/// A gzip'd docker-archive whose manifest lists one layer (with an `etc/os-release` and `filler` bytes of
/// other content) `copies` times (item 8). The released binary re-inflated the archive for every listing.
pub fn duplicate_layer_listings(dir: &Path, copies: usize, filler: usize) -> PathBuf {
    let tar = LayerTar::new()
        .dir("etc")
        .file(
            "etc/os-release",
            b"ID=alpine\nVERSION_ID=3.11.6\nPRETTY_NAME=\"Alpine Linux v3.11\"\n",
        )
        .file("filler.bin", &vec![7u8; filler])
        .build();
    let diff_id = sha256(&tar);
    let blob = crate::image::gzip(&tar);
    let config = serde_json::to_vec(&serde_json::json!({
        "architecture": "amd64", "os": "linux", "config": {},
        "rootfs": {"type": "layers", "diff_ids": vec![diff_id; copies]},
    }))
    .expect("json");
    let manifest = serde_json::to_vec(&serde_json::json!([
        {"Config": "config.json", "RepoTags": ["hostile:dups"], "Layers": vec!["l/layer.tar"; copies]}
    ]))
    .expect("json");
    let out = dir.join("duplicate-layers.tar.gz");
    let f = fs::File::create(&out).expect("create archive");
    let mut b = tar::Builder::new(GzEncoder::new(io::BufWriter::new(f), GzLevel::fast()));
    for (name, bytes) in [
        ("l/layer.tar", &blob),
        ("config.json", &config),
        ("manifest.json", &manifest),
    ] {
        let mut h = raw_header(tar::EntryType::Regular, name, bytes.len() as u64);
        b.append_data(&mut h, name, bytes.as_slice())
            .expect("append");
    }
    b.into_inner()
        .expect("finish tar")
        .finish()
        .expect("finish gzip")
        .flush()
        .expect("flush");
    out
}

/// A Java archive with `pom.properties` for `g:level-<level>:1.0.0`, a stored entry of `pad` zero bytes (so the
/// archive is big once inflated from its parent, yet compresses to nothing there) and, below level 1, the
/// archive of the level below as a deflated entry `lib/level-<level-1>.jar`.
fn nested_jar(level: usize, pad: usize) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let inner = (level > 1).then(|| nested_jar(level - 1, pad));
    let mut z = zip::ZipWriter::new(io::Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let deflated =
        SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    z.start_file(
        format!("META-INF/maven/g/level-{level}/pom.properties"),
        deflated,
    )
    .expect("zip entry");
    write!(z, "groupId=g\nartifactId=level-{level}\nversion=1.0.0\n").expect("write");
    z.start_file(
        "pad.bin",
        stored.large_file(pad as u64 >= u64::from(u32::MAX)),
    )
    .expect("zip entry");
    write_repeated(&mut z, 0, pad as u64);
    if let Some(inner) = inner {
        z.start_file(format!("lib/level-{}.jar", level - 1), deflated)
            .expect("zip entry");
        z.write_all(&inner).expect("write");
    }
    z.finish().expect("finish zip").into_inner()
}

/// A gzip'd docker-archive of `layers` layers, each holding one Java archive nested `depth` levels deep
/// (`app/<k>/level-<depth>.jar`), every level padded with `pad` zero bytes (item 6). The released binary read 4 levels
/// silently and held every level inflated at once; with `depth` 10, `pad` 8 MiB and 4 layers it is ~40 KB.
pub fn nested_jars(dir: &Path, depth: usize, pad: usize, layers: usize) -> PathBuf {
    let jar = nested_jar(depth, pad);
    let mut img = TestImage::new("hostile:jars");
    for k in 0..layers {
        let tar = LayerTar::new()
            .dir("app")
            .dir(&format!("app/{k}"))
            .file(&format!("app/{k}/level-{depth}.jar"), &jar)
            .build();
        img = img.layer(TestLayer::new(tar, Blob::Gzip, "crafted"));
    }
    // A plain outer archive (its layers are gzip'd): layers are random access, so `--parallel` walks them at once.
    let out = dir.join("nested-jars.tar");
    img.write_docker_archive(&out, false);
    out
}

/// A gzip'd docker-archive whose image config holds an `Env` array of about `size` bytes (item 7: a 31 MB config
/// cost 949 MiB). The config is written as text, so making it costs this process little memory (a spawned
/// child's peak RSS counts its parent's when it is spawned with a shared address space).
pub fn big_config(dir: &Path, size: usize) -> PathBuf {
    let tar = LayerTar::new()
        .dir("etc")
        .file(
            "etc/os-release",
            b"ID=alpine\nVERSION_ID=3.11.6\nPRETTY_NAME=\"Alpine Linux v3.11\"\n",
        )
        .build();
    let diff_id = sha256(&tar);
    let blob = crate::image::gzip(&tar);
    let mut config = String::with_capacity(size + 512);
    config.push_str(r#"{"architecture":"amd64","os":"linux","config":{"Env":["#);
    let value = "v".repeat(90);
    for i in 0..size / 100 {
        if i > 0 {
            config.push(',');
        }
        config.push_str(&format!("\"E{i:07}={value}\""));
    }
    config.push_str(&format!(
        r#"]}},"rootfs":{{"type":"layers","diff_ids":["{diff_id}"]}}}}"#
    ));
    let manifest = serde_json::to_vec(&serde_json::json!([
        {"Config": "config.json", "RepoTags": ["hostile:config"], "Layers": ["l/layer.tar"]}
    ]))
    .expect("json");
    let out = dir.join("big-config.tar.gz");
    let f = fs::File::create(&out).expect("create archive");
    let mut b = tar::Builder::new(GzEncoder::new(io::BufWriter::new(f), GzLevel::fast()));
    for (name, bytes) in [
        ("manifest.json", manifest.as_slice()),
        ("config.json", config.as_bytes()),
        ("l/layer.tar", blob.as_slice()),
    ] {
        let mut h = raw_header(tar::EntryType::Regular, name, bytes.len() as u64);
        b.append_data(&mut h, name, bytes).expect("append");
    }
    b.into_inner()
        .expect("finish tar")
        .finish()
        .expect("finish gzip")
        .flush()
        .expect("flush");
    out
}

/// A docker-archive with one gzip'd layer holding `app/Cargo.lock` with `packages` registry packages (item 11: a
/// million-package lockfile took 1.6 GiB). A million packages make a 50 MB lockfile (under the per-file read
/// limit) and a ~2 MB image.
pub fn many_package_lockfile(dir: &Path, packages: usize) -> PathBuf {
    let blob_path = dir.join("layer.tar.gz");
    let f = fs::File::create(&blob_path).expect("create blob");
    let mut hw = HashingWriter {
        inner: GzEncoder::new(io::BufWriter::new(f), GzLevel::fast()),
        h: Sha256::new(),
    };
    let mut lock = Vec::with_capacity(packages * 52 + 16);
    lock.extend_from_slice(b"version = 3\n");
    for i in 0..packages {
        write!(
            lock,
            "[[package]]\nname=\"c{i}\"\nversion=\"1.0.0\"\nsource=\"r\"\n"
        )
        .expect("write");
    }
    let h = raw_header(tar::EntryType::Regular, "app/Cargo.lock", lock.len() as u64);
    hw.write_all(h.as_bytes()).expect("write");
    hw.write_all(&lock).expect("write");
    pad(&mut hw, lock.len() as u64);
    write_repeated(&mut hw, 0, 1024);
    let out = dir.join("many-packages.tar");
    finish_one_layer_archive(hw, &blob_path, &out);
    out
}

/// A docker-archive with one gzip'd layer holding each `(path, size)` file, filled with `a` bytes after a
/// JSON head (item 7: a 900 MiB package.json and a 1 GB jar were read whole). Zero-cost to store: a GiB of one
/// byte gzips to about a MB.
pub fn big_files_in_layer(dir: &Path, files: &[(&str, u64)]) -> PathBuf {
    let blob_path = dir.join("layer.tar.gz");
    let f = fs::File::create(&blob_path).expect("create blob");
    let mut hw = HashingWriter {
        inner: GzEncoder::new(io::BufWriter::new(f), GzLevel::best()),
        h: Sha256::new(),
    };
    for (path, size) in files {
        let h = raw_header(tar::EntryType::Regular, path, *size);
        hw.write_all(h.as_bytes()).expect("write");
        let head = br#"{"name": "big", "version": "1.0.0", "description": ""#;
        hw.write_all(head).expect("write");
        write_repeated(&mut hw, b'a', size - head.len() as u64 - 2);
        hw.write_all(b"\"}").expect("write");
        pad(&mut hw, *size);
    }
    write_repeated(&mut hw, 0, 1024);
    let out = dir.join("big-files.tar");
    finish_one_layer_archive(hw, &blob_path, &out);
    out
}
