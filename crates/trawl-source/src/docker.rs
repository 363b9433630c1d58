//! `docker save` archives: `manifest.json` (`[{Config, RepoTags, Layers}]`), the config, one tar per layer.

use crate::store::Store;
use crate::{ArtifactKind, Image, Layer, SourceError};
use serde::Deserialize;
use std::sync::Arc;

#[derive(Debug, Deserialize)]
struct ManifestEntry {
    #[serde(rename = "Config")]
    config: String,
    #[serde(rename = "RepoTags", default)]
    repo_tags: Option<Vec<String>>,
    #[serde(rename = "Layers", default)]
    layers: Vec<String>,
}

/// Opens the image in a docker-archive, the first one or the one tagged `reference`.
pub(crate) fn open(store: Arc<dyn Store>, reference: Option<&str>) -> Result<Image, SourceError> {
    let path = store.path().to_owned();
    let bytes = store.read("manifest.json")?;
    let manifests: Vec<ManifestEntry> = serde_json::from_slice(&bytes)
        .map_err(|e| SourceError::invalid(&path, "manifest.json", e))?;
    let chosen = match reference {
        None => manifests.first(),
        Some(r) => manifests.iter().find(|m| {
            m.repo_tags
                .iter()
                .flatten()
                .any(|t| t == r || t.rsplit_once(':').is_some_and(|(_, tag)| tag == r))
        }),
    };
    let Some(m) = chosen else {
        let available: Vec<String> = manifests
            .iter()
            .flat_map(|m| m.repo_tags.iter().flatten().cloned())
            .collect();
        return Err(SourceError::NoSuchImage {
            path,
            message: match reference {
                Some(r) => format!("no image tagged `{r}`"),
                None => "manifest.json lists no image".into(),
            },
            available: if available.is_empty() {
                "none".into()
            } else {
                available.join(", ")
            },
        });
    };
    let (_, config_size) = Arc::clone(&store).opener(&m.config)?;
    if let Some(e) = crate::config::oversize(config_size) {
        return Err(SourceError::invalid(&path, &m.config, e));
    }
    let config_bytes = store.read(&m.config)?;
    let config = crate::config::parse(&config_bytes)
        .map_err(|e| SourceError::invalid(&path, &m.config, e))?;
    let image_id = crate::stream::sha256_digest(&config_bytes);
    if !config.diff_ids.is_empty() && config.diff_ids.len() != m.layers.len() {
        return Err(SourceError::invalid(
            &path,
            &m.config,
            format!(
                "{} diff IDs for {} layers in manifest.json",
                config.diff_ids.len(),
                m.layers.len()
            ),
        ));
    }
    let created_by = config.layer_created_by(m.layers.len());
    let mut layers = Vec::with_capacity(m.layers.len());
    for (i, name) in m.layers.iter().enumerate() {
        let (opener, size) = Arc::clone(&store).opener(name)?;
        // Docker 25+ stores layers as `blobs/sha256/HEX`: that name is the blob digest.
        let digest = name
            .strip_prefix("blobs/")
            .and_then(|r| r.split_once('/'))
            .map(|(alg, hex)| format!("{alg}:{hex}"));
        let diff_id = config.diff_ids.get(i).cloned().unwrap_or_default();
        layers.push(Layer::new(
            i,
            diff_id,
            digest,
            Some(size),
            created_by[i].clone(),
            opener,
        ));
    }
    let repo_tags = m.repo_tags.clone().unwrap_or_default();
    Ok(Image {
        name: path.display().to_string(),
        kind: ArtifactKind::ContainerImage,
        image_id: Some(image_id),
        repo_tags,
        repo_digests: Vec::new(),
        config: Some(config),
        layers,
        sequential: store.sequential(),
        annotations: Vec::new(),
    })
}
