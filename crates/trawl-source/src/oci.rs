//! OCI image layouts (`oci-layout`, `index.json`, `blobs/ALG/HEX`), as a directory or a tar.

use crate::store::{Store, blob_path};
use crate::{ArtifactKind, Image, Layer, SourceError};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;

const REF_NAME: &str = "org.opencontainers.image.ref.name";
const MT_INDEX: &[&str] = &[
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
];

#[derive(Debug, Clone, Deserialize)]
struct Descriptor {
    #[serde(rename = "mediaType", default)]
    media_type: String,
    digest: String,
    #[serde(default)]
    size: Option<u64>,
    #[serde(default)]
    platform: Option<Platform>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
struct Platform {
    #[serde(default)]
    architecture: String,
    #[serde(default)]
    os: String,
}

#[derive(Debug, Deserialize)]
struct Index {
    #[serde(default)]
    manifests: Vec<Descriptor>,
}

#[derive(Debug, Deserialize)]
struct Manifest {
    #[serde(rename = "mediaType", default)]
    media_type: String,
    config: Option<Descriptor>,
    #[serde(default)]
    layers: Vec<Descriptor>,
    #[serde(default)]
    manifests: Vec<Descriptor>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
}

/// Reads a blob by digest and checks the digest (metadata is small: verify it whole).
fn read_blob(store: &dyn Store, d: &Descriptor) -> Result<Vec<u8>, SourceError> {
    let path = store.path();
    let name = blob_path(&d.digest)
        .ok_or_else(|| SourceError::invalid(path, &d.digest, "malformed digest"))?;
    let bytes = store.read(&name)?;
    if d.digest.starts_with("sha256:") {
        let actual = crate::stream::sha256_digest(&bytes);
        if actual != d.digest {
            return Err(SourceError::invalid(
                path,
                &d.digest,
                format!("blob digest mismatch: content is {actual}"),
            ));
        }
    }
    Ok(bytes)
}

fn ref_matches(d: &Descriptor, reference: &str) -> bool {
    if d.digest == reference {
        return true;
    }
    d.annotations
        .iter()
        .filter(|(k, _)| k.as_str() == REF_NAME || k.as_str() == "io.containerd.image.name")
        .any(|(_, v)| v == reference || v.rsplit_once(':').is_some_and(|(_, tag)| tag == reference))
}

fn describe(d: &Descriptor) -> String {
    d.annotations
        .get(REF_NAME)
        .cloned()
        .unwrap_or_else(|| d.digest.clone())
}

/// Picks a platform from a multi-arch index: linux on the host's architecture, else linux/amd64, else the first.
fn pick_platform(ms: &[Descriptor]) -> Option<&Descriptor> {
    let host = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    let is = |d: &&Descriptor, arch: &str| {
        d.platform
            .as_ref()
            .is_some_and(|p| p.os == "linux" && p.architecture == arch)
    };
    ms.iter()
        .find(|d| is(d, host))
        .or_else(|| ms.iter().find(|d| is(d, "amd64")))
        .or_else(|| ms.first())
}

/// Opens the image of an OCI layout selected by `reference` (tag, full ref name or digest), or the only one.
pub(crate) fn open(store: Arc<dyn Store>, reference: Option<&str>) -> Result<Image, SourceError> {
    let path = store.path().to_owned();
    let bytes = store.read("index.json")?;
    let index: Index =
        serde_json::from_slice(&bytes).map_err(|e| SourceError::invalid(&path, "index.json", e))?;
    let available = || {
        let v: Vec<String> = index.manifests.iter().map(describe).collect();
        if v.is_empty() {
            "none".to_owned()
        } else {
            v.join(", ")
        }
    };
    let chosen = match reference {
        Some(r) => index
            .manifests
            .iter()
            .find(|d| ref_matches(d, r))
            .ok_or_else(|| SourceError::NoSuchImage {
                path: path.clone(),
                message: format!("no image matches `{r}`"),
                available: available(),
            })?,
        None => {
            match index.manifests.as_slice() {
                [one] => one,
                [] => {
                    return Err(SourceError::NoSuchImage {
                        path,
                        message: "index.json lists no manifest".into(),
                        available: "none".into(),
                    });
                }
                several => {
                    // Several platforms of one image are fine; several images need a choice.
                    let names: std::collections::BTreeSet<String> =
                        several.iter().map(describe).collect();
                    if names.len() == 1 && several.iter().all(|d| d.platform.is_some()) {
                        pick_platform(several).expect("the slice is not empty")
                    } else {
                        return Err(SourceError::NoSuchImage {
                        path,
                        message: "the index holds several images: pick one with oci:DIR:TAG or a digest".into(),
                        available: available(),
                    });
                    }
                }
            }
        }
    };
    let mut desc = chosen.clone();
    let mut manifest_bytes = read_blob(store.as_ref(), &desc)?;
    let mut manifest: Manifest;
    // Follow nested indexes (multi-arch) to one image manifest.
    let mut depth = 0;
    loop {
        manifest = serde_json::from_slice(&manifest_bytes)
            .map_err(|e| SourceError::invalid(&path, &desc.digest, format!("manifest: {e}")))?;
        let is_index = MT_INDEX.contains(&desc.media_type.as_str())
            || MT_INDEX.contains(&manifest.media_type.as_str())
            || (manifest.config.is_none() && !manifest.manifests.is_empty());
        if !is_index {
            break;
        }
        depth += 1;
        let next = pick_platform(&manifest.manifests).cloned().ok_or_else(|| {
            SourceError::invalid(&path, &desc.digest, "image index lists no manifest")
        })?;
        if depth > 4 {
            return Err(SourceError::invalid(
                &path,
                &desc.digest,
                "image indexes nested too deeply",
            ));
        }
        desc = next;
        manifest_bytes = read_blob(store.as_ref(), &desc)?;
    }
    let cfg_desc = manifest
        .config
        .as_ref()
        .ok_or_else(|| SourceError::invalid(&path, &desc.digest, "manifest has no config"))?;
    // The size the layout stores (not the descriptor's claim) decides before anything is read.
    if let Some(name) = blob_path(&cfg_desc.digest) {
        let (_, size) = Arc::clone(&store).opener(&name)?;
        if let Some(e) = crate::config::oversize(size) {
            return Err(SourceError::invalid(&path, &cfg_desc.digest, e));
        }
    }
    let config_bytes = read_blob(store.as_ref(), cfg_desc)?;
    let config = crate::config::parse(&config_bytes)
        .map_err(|e| SourceError::invalid(&path, &cfg_desc.digest, e))?;
    if !config.diff_ids.is_empty() && config.diff_ids.len() != manifest.layers.len() {
        return Err(SourceError::invalid(
            &path,
            &cfg_desc.digest,
            format!(
                "{} diff IDs for {} layers in the manifest",
                config.diff_ids.len(),
                manifest.layers.len()
            ),
        ));
    }
    let created_by = config.layer_created_by(manifest.layers.len());
    let mut layers = Vec::with_capacity(manifest.layers.len());
    for (i, l) in manifest.layers.iter().enumerate() {
        let name = blob_path(&l.digest)
            .ok_or_else(|| SourceError::invalid(&path, &l.digest, "malformed digest"))?;
        let (opener, size) = Arc::clone(&store).opener(&name)?;
        if let Some(s) = l.size
            && s != size
        {
            return Err(SourceError::DigestMismatch {
                index: i,
                layer: l.digest.clone(),
                kind: "blob size",
                expected: s.to_string(),
                actual: size.to_string(),
            });
        }
        let diff_id = config.diff_ids.get(i).cloned().unwrap_or_default();
        layers.push(Layer::new(
            i,
            diff_id,
            Some(l.digest.clone()),
            Some(size),
            created_by[i].clone(),
            opener,
        ));
    }
    let ref_name = chosen
        .annotations
        .get(REF_NAME)
        .or_else(|| chosen.annotations.get("io.containerd.image.name"));
    let repo_tags = ref_name
        .filter(|r| r.contains(':'))
        .cloned()
        .into_iter()
        .collect();
    Ok(Image {
        name: path.display().to_string(),
        kind: ArtifactKind::ContainerImage,
        image_id: Some(cfg_desc.digest.clone()),
        repo_tags,
        repo_digests: Vec::new(),
        config: Some(config),
        layers,
        sequential: store.sequential(),
        annotations: manifest
            .annotations
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    })
}
