//! Builders of real-format test images: layer tars (with whiteouts, opaque dirs, links, and deliberately
//! malformed entries), compressed or not, packed as a docker-archive (plain or gzip'd), an OCI layout directory
//! or an OCI archive. Layers can be crafted entries or real layer blobs copied from `../shared/data`.

use flate2::Compression as GzLevel;
use flate2::write::GzEncoder;
use sha2::{Digest, Sha256};
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// `sha256:HEX` of bytes.
pub fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// gzip-compresses bytes.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), GzLevel::fast());
    e.write_all(bytes).expect("writing to memory");
    e.finish().expect("writing to memory")
}

/// zstd-compresses bytes.
pub fn zstd(bytes: &[u8]) -> Vec<u8> {
    zstd::bulk::compress(bytes, 3).expect("zstd in memory")
}

/// Decompresses a gzip'd file whole (test data only).
pub fn gunzip_file(path: &Path) -> Vec<u8> {
    let f = fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(io::BufReader::new(f))
        .read_to_end(&mut out)
        .expect("gunzip");
    out
}

/// Reads one entry of a (possibly gzip'd) tar file.
pub fn tar_entry(archive: &Path, name: &str) -> Vec<u8> {
    let f = fs::File::open(archive).unwrap_or_else(|e| panic!("{}: {e}", archive.display()));
    let mut r: Box<dyn Read> = Box::new(io::BufReader::new(f));
    let mut magic = [0u8; 2];
    let mut f2 = fs::File::open(archive).expect("reopen");
    f2.read_exact(&mut magic).expect("magic");
    if magic == [0x1f, 0x8b] {
        r = Box::new(flate2::read::MultiGzDecoder::new(r));
    }
    let mut ar = tar::Archive::new(r);
    for e in ar.entries().expect("tar") {
        let mut e = e.expect("entry");
        let p = e
            .path()
            .expect("path")
            .to_string_lossy()
            .trim_start_matches("./")
            .to_owned();
        if p == name {
            let mut out = Vec::new();
            e.read_to_end(&mut out).expect("read entry");
            return out;
        }
    }
    panic!("{name} not in {}", archive.display());
}

/// Reads one entry of an in-memory (uncompressed) tar.
pub fn tar_entry_bytes(tar_bytes: &[u8], name: &str) -> Vec<u8> {
    let mut ar = tar::Archive::new(tar_bytes);
    for e in ar.entries().expect("tar") {
        let mut e = e.expect("entry");
        let p = e
            .path()
            .expect("path")
            .to_string_lossy()
            .trim_start_matches("./")
            .to_owned();
        if p == name {
            let mut out = Vec::new();
            e.read_to_end(&mut out).expect("read entry");
            return out;
        }
    }
    panic!("{name} not in the tar");
}

/// The only layer tar of a one-layer docker-archive from ../shared/data (e.g. `debian-bookworm-slim.tar.gz`).
pub fn first_layer_of_docker_archive(archive: &Path) -> Vec<u8> {
    let manifest: serde_json::Value =
        serde_json::from_slice(&tar_entry(archive, "manifest.json")).expect("manifest.json");
    let layer = manifest[0]["Layers"][0]
        .as_str()
        .expect("a layer")
        .to_owned();
    tar_entry(archive, &layer)
}

/// Builds one layer tar in memory.
#[derive(Default)]
pub struct LayerTar {
    b: Option<tar::Builder<Vec<u8>>>,
}

fn header(kind: tar::EntryType, mode: u32, size: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_mode(mode);
    h.set_size(size);
    h.set_mtime(1_700_000_000);
    h.set_uid(0);
    h.set_gid(0);
    h
}

impl LayerTar {
    /// An empty layer.
    pub fn new() -> Self {
        LayerTar {
            b: Some(tar::Builder::new(Vec::new())),
        }
    }

    fn b(&mut self) -> &mut tar::Builder<Vec<u8>> {
        self.b.get_or_insert_with(|| tar::Builder::new(Vec::new()))
    }

    /// A directory.
    #[must_use]
    pub fn dir(mut self, path: &str) -> Self {
        let mut h = header(tar::EntryType::Directory, 0o755, 0);
        self.b()
            .append_data(&mut h, path, io::empty())
            .expect("append dir");
        self
    }

    /// A regular file (mode 0644).
    #[must_use]
    pub fn file(self, path: &str, content: &[u8]) -> Self {
        self.file_mode(path, content, 0o644)
    }

    /// A regular file with a mode.
    #[must_use]
    pub fn file_mode(mut self, path: &str, content: &[u8], mode: u32) -> Self {
        let mut h = header(tar::EntryType::Regular, mode, content.len() as u64);
        self.b()
            .append_data(&mut h, path, content)
            .expect("append file");
        self
    }

    /// A symlink.
    #[must_use]
    pub fn symlink(mut self, path: &str, target: &str) -> Self {
        let mut h = header(tar::EntryType::Symlink, 0o777, 0);
        self.b()
            .append_link(&mut h, path, target)
            .expect("append symlink");
        self
    }

    /// A hard link to `target` (a path from the root).
    #[must_use]
    pub fn hardlink(mut self, path: &str, target: &str) -> Self {
        let mut h = header(tar::EntryType::Link, 0o644, 0);
        self.b()
            .append_link(&mut h, path, target)
            .expect("append hard link");
        self
    }

    /// A whiteout deleting `path` (`DIR/.wh.NAME`).
    #[must_use]
    pub fn whiteout(self, path: &str) -> Self {
        let (dir, name) = path.rsplit_once('/').map_or(("", path), |(d, n)| (d, n));
        let marker = if dir.is_empty() {
            format!(".wh.{name}")
        } else {
            format!("{dir}/.wh.{name}")
        };
        self.file(&marker, b"")
    }

    /// An opaque-dir marker (`DIR/.wh..wh..opq`).
    #[must_use]
    pub fn opaque(self, dir: &str) -> Self {
        self.file(&format!("{dir}/.wh..wh..opq"), b"")
    }

    /// A regular file whose name is written raw into the header, bypassing the tar crate's checks (for `../`
    /// and absolute paths).
    #[must_use]
    pub fn raw_file(mut self, raw_path: &str, content: &[u8]) -> Self {
        let mut h = header(tar::EntryType::Regular, 0o644, content.len() as u64);
        let name = &mut h.as_old_mut().name;
        assert!(
            raw_path.len() < name.len(),
            "raw paths must fit the old header"
        );
        name.fill(0);
        name[..raw_path.len()].copy_from_slice(raw_path.as_bytes());
        h.set_cksum();
        self.b().append(&h, content).expect("append raw");
        self
    }

    /// A symlink / hard link with a raw path and target (bypassing checks).
    #[must_use]
    pub fn raw_link(mut self, raw_path: &str, target: &str, hard: bool) -> Self {
        let kind = if hard {
            tar::EntryType::Link
        } else {
            tar::EntryType::Symlink
        };
        let mut h = header(kind, 0o777, 0);
        {
            let old = h.as_old_mut();
            old.name.fill(0);
            old.name[..raw_path.len()].copy_from_slice(raw_path.as_bytes());
            old.linkname.fill(0);
            old.linkname[..target.len()].copy_from_slice(target.as_bytes());
        }
        h.set_cksum();
        self.b().append(&h, io::empty()).expect("append raw link");
        self
    }

    /// The finished tar.
    pub fn build(mut self) -> Vec<u8> {
        self.b().finish().expect("finish tar");
        self.b
            .take()
            .expect("builder present")
            .into_inner()
            .expect("tar into memory")
    }
}

/// How a layer blob is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blob {
    /// Plain tar.
    Plain,
    /// gzip'd tar.
    Gzip,
    /// zstd tar.
    Zstd,
}

/// One layer of a [`TestImage`].
#[derive(Debug, Clone)]
pub struct TestLayer {
    /// The uncompressed tar.
    pub tar: Vec<u8>,
    /// How it is stored.
    pub blob: Blob,
    /// History `created_by`.
    pub created_by: String,
    /// Override of the diff ID written in the config (to test mismatches).
    pub diff_id_override: Option<String>,
    /// Replace the stored blob with these bytes (to test corruption), keeping the digests of the real one.
    pub corrupt_blob: Option<Vec<u8>>,
}

impl TestLayer {
    /// A layer from an uncompressed tar.
    pub fn new(tar: Vec<u8>, blob: Blob, created_by: &str) -> Self {
        TestLayer {
            tar,
            blob,
            created_by: created_by.to_owned(),
            diff_id_override: None,
            corrupt_blob: None,
        }
    }

    /// The stored bytes.
    pub fn blob_bytes(&self) -> Vec<u8> {
        match self.blob {
            Blob::Plain => self.tar.clone(),
            Blob::Gzip => gzip(&self.tar),
            Blob::Zstd => zstd(&self.tar),
        }
    }

    /// The diff ID written in the config.
    pub fn diff_id(&self) -> String {
        self.diff_id_override
            .clone()
            .unwrap_or_else(|| sha256(&self.tar))
    }
}

/// A multi-layer image written in any of the formats trawl reads.
#[derive(Debug, Clone, Default)]
pub struct TestImage {
    /// Layers, base first.
    pub layers: Vec<TestLayer>,
    /// `repo:tag` of the image.
    pub tag: String,
    /// Extra `config` fields (Env, User...).
    pub config: serde_json::Value,
}

impl TestImage {
    /// An image tagged `tag`.
    pub fn new(tag: &str) -> Self {
        TestImage {
            layers: Vec::new(),
            tag: tag.to_owned(),
            config: serde_json::json!({}),
        }
    }

    /// Adds a layer.
    #[must_use]
    pub fn layer(mut self, l: TestLayer) -> Self {
        self.layers.push(l);
        self
    }

    /// The config JSON.
    pub fn config_json(&self) -> Vec<u8> {
        let diff_ids: Vec<String> = self.layers.iter().map(TestLayer::diff_id).collect();
        let history: Vec<serde_json::Value> = self
            .layers
            .iter()
            .flat_map(|l| {
                [
                    serde_json::json!({"created_by": "/bin/sh -c #(nop) ENV X=1", "empty_layer": true}),
                    serde_json::json!({"created_by": l.created_by}),
                ]
            })
            .collect();
        serde_json::to_vec(&serde_json::json!({
            "architecture": "amd64",
            "os": "linux",
            "config": self.config,
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
            "history": history,
        }))
        .expect("config JSON")
    }

    /// Writes a `docker save`-style archive (legacy layout: `ID/layer.tar`); `gzip_outer` compresses the whole.
    /// Blobs keep their own compression.
    pub fn write_docker_archive(&self, path: &Path, gzip_outer: bool) {
        let config = self.config_json();
        let config_name = format!("{}.json", &sha256(&config)[7..]);
        let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
        let mut names = Vec::new();
        for (i, l) in self.layers.iter().enumerate() {
            let id = &sha256(format!("{i}{}", l.diff_id()).as_bytes())[7..];
            let name = format!("{id}/layer.tar");
            entries.push((format!("{id}/VERSION"), b"1.0".to_vec()));
            entries.push((
                name.clone(),
                l.corrupt_blob.clone().unwrap_or_else(|| l.blob_bytes()),
            ));
            names.push(name);
        }
        entries.push((config_name.clone(), config));
        let manifest =
            serde_json::json!([{"Config": config_name, "RepoTags": [self.tag], "Layers": names}]);
        entries.push((
            "manifest.json".into(),
            serde_json::to_vec(&manifest).expect("json"),
        ));
        write_tar(path, &entries, gzip_outer);
    }

    /// The OCI layout files (relative path, bytes).
    fn oci_files(&self) -> Vec<(String, Vec<u8>)> {
        let mut files = Vec::new();
        let mut layer_descs = Vec::new();
        for l in &self.layers {
            let blob = l.blob_bytes();
            let mt = match l.blob {
                Blob::Plain => "application/vnd.oci.image.layer.v1.tar",
                Blob::Gzip => "application/vnd.oci.image.layer.v1.tar+gzip",
                Blob::Zstd => "application/vnd.oci.image.layer.v1.tar+zstd",
            };
            let d = sha256(&blob);
            layer_descs.push(serde_json::json!({"mediaType": mt, "digest": d, "size": blob.len()}));
            files.push((
                format!("blobs/sha256/{}", &d[7..]),
                l.corrupt_blob.clone().unwrap_or(blob),
            ));
        }
        let config = self.config_json();
        let cd = sha256(&config);
        let manifest = serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": config.len()},
            "layers": layer_descs,
        }))
        .expect("json");
        let md = sha256(&manifest);
        files.push((format!("blobs/sha256/{}", &cd[7..]), config));
        files.push((format!("blobs/sha256/{}", &md[7..]), manifest.clone()));
        let index = serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [{
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": md, "size": manifest.len(),
                "annotations": {"org.opencontainers.image.ref.name": self.tag},
            }],
        }))
        .expect("json");
        files.push((
            "oci-layout".into(),
            br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
        ));
        files.push(("index.json".into(), index));
        files
    }

    /// Writes an OCI image layout directory.
    pub fn write_oci_dir(&self, dir: &Path) {
        for (name, bytes) in self.oci_files() {
            let p = dir.join(name);
            fs::create_dir_all(p.parent().expect("has parent")).expect("mkdir");
            fs::write(&p, bytes).expect("write blob");
        }
    }

    /// Writes an OCI layout as a tar (optionally gzip'd).
    pub fn write_oci_archive(&self, path: &Path, gzip_outer: bool) {
        let mut files = self.oci_files();
        // Metadata first, as `skopeo`/`buildah` write it.
        files.sort_by_key(|(n, _)| !matches!(n.as_str(), "oci-layout" | "index.json"));
        write_tar(path, &files, gzip_outer);
    }
}

fn write_tar(path: &Path, entries: &[(String, Vec<u8>)], gzip_outer: bool) {
    let f = fs::File::create(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let w: Box<dyn Write> = if gzip_outer {
        Box::new(GzEncoder::new(f, GzLevel::fast()))
    } else {
        Box::new(io::BufWriter::new(f))
    };
    let mut b = tar::Builder::new(w);
    for (name, bytes) in entries {
        let mut h = header(tar::EntryType::Regular, 0o644, bytes.len() as u64);
        b.append_data(&mut h, name, bytes.as_slice())
            .expect("append");
    }
    b.into_inner().expect("finish tar").flush().expect("flush");
}

/// Extracts a (gzip'd) rootfs tarball into `dir` (tests only: e.g. an alpine minirootfs). Symlinks are kept as
/// symlinks; entries escaping `dir` are refused by the tar crate.
pub fn extract_rootfs(tarball: &Path, dir: &Path) -> PathBuf {
    let f = fs::File::open(tarball).unwrap_or_else(|e| panic!("{}: {e}", tarball.display()));
    let mut ar = tar::Archive::new(flate2::read::MultiGzDecoder::new(io::BufReader::new(f)));
    ar.set_preserve_permissions(false);
    ar.set_overwrite(true);
    ar.unpack(dir)
        .unwrap_or_else(|e| panic!("extract {}: {e}", tarball.display()));
    dir.to_owned()
}
