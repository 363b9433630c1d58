//! Images by name: from a registry (OCI distribution API, via `trawl-registry`) or a local daemon (see
//! `daemon.rs`), tried in the order of [`RemoteOptions::image_src`] (default `docker,podman,remote`, Trivy's).
//!
//! A registry image is never downloaded up front: the manifest and config are fetched (one platform, or every
//! platform of an index), and each [`Layer`]'s opener streams its blob from the registry when the pipeline opens
//! it, so layers download concurrently when they are analysed in parallel. The blob digest is verified while
//! streaming by the registry client (on its download thread), the diff ID by [`Layer::open`].

use crate::error::SourceError;
use crate::remote::{ImageSrc, RemoteOptions};
use crate::store::RawOpener;
use crate::{ArtifactKind, Image, Layer};
use std::io::Read;
use std::sync::Arc;
use trawl_registry::{Client, Reference, ResolvedImage};

/// Opens `reference` (as typed) trying each source of `opts.image_src`; every image for `--platform all`.
pub(crate) fn open_all(reference: &str, opts: &RemoteOptions) -> Result<Vec<Image>, SourceError> {
    if opts.image_src.is_empty() {
        return Err(SourceError::BadSpec(format!(
            "{reference} (no image source enabled)"
        )));
    }
    let mut attempts: Vec<String> = Vec::new();
    for src in &opts.image_src {
        let outcome = match src {
            ImageSrc::Remote => open_remote(reference, opts),
            ImageSrc::Docker | ImageSrc::Podman => {
                crate::daemon::open(*src, reference, opts).map(|image| vec![image])
            }
        };
        match outcome {
            Ok(images) => return Ok(images),
            // Absent daemons and images missing from a daemon fall through to the next source.
            Err(SourceError::Daemon { detail, .. }) if opts.image_src.len() > 1 => {
                tracing::debug!(image = reference, source = %src, %detail, "image source skipped");
                attempts.push(format!("{src}: {detail}"));
            }
            Err(e) => {
                if attempts.is_empty() {
                    return Err(e);
                }
                attempts.push(format!("{src}: {e}"));
                return Err(SourceError::NotFoundAnywhere {
                    reference: reference.to_owned(),
                    attempts: attempts.join("; "),
                });
            }
        }
    }
    Err(SourceError::NotFoundAnywhere {
        reference: reference.to_owned(),
        attempts: attempts.join("; "),
    })
}

/// Resolves `reference` in its registry (through its mirrors first, when it has any) into one [`Image`] per
/// selected platform.
pub(crate) fn open_remote(
    reference: &str,
    opts: &RemoteOptions,
) -> Result<Vec<Image>, SourceError> {
    let wrap = |e: trawl_registry::Error| SourceError::Registry {
        reference: reference.to_owned(),
        error: Box::new(e),
    };
    let parsed: Reference = reference.parse().map_err(wrap)?;
    let client = opts.client()?;
    for mirrored in mirrored_references(&parsed, &opts.mirrors) {
        match client.resolve(&mirrored, &opts.platform) {
            Ok(resolved) => {
                tracing::debug!(image = reference, mirror = %mirrored, "image found on the mirror");
                return resolved
                    .into_iter()
                    .map(|r| image_of(reference, &parsed, &client, r))
                    .collect();
            }
            Err(e) => tracing::info!(
                "{reference}: mirror {} failed ({e}); trying the next source",
                mirrored.repository.registry
            ),
        }
    }
    let resolved = client.resolve(&parsed, &opts.platform).map_err(wrap)?;
    resolved
        .into_iter()
        .map(|r| image_of(reference, &parsed, &client, r))
        .collect()
}

/// `reference` as found on each mirror of its registry (`mirrors`: `(HOST, MIRROR)`; Docker Hub matches
/// `docker.io`, `index.docker.io` and `registry-1.docker.io`); a mirror with a path prefix puts the repository
/// under it. A mirror that does not parse is skipped with a warning.
pub fn mirrored_references(reference: &Reference, mirrors: &[(String, String)]) -> Vec<Reference> {
    let host = reference.repository.registry.to_string();
    let is_hub = |h: &str| matches!(h, "docker.io" | "index.docker.io" | "registry-1.docker.io");
    mirrors
        .iter()
        .filter(|(from, _)| {
            let from = from.trim().trim_end_matches('/');
            from.eq_ignore_ascii_case(&host) || (is_hub(&host) && is_hub(from))
        })
        .filter_map(|(_, mirror)| {
            let mirror = mirror.trim().trim_end_matches('/');
            let mirror = mirror
                .strip_prefix("https://")
                .or_else(|| mirror.strip_prefix("http://"))
                .unwrap_or(mirror);
            let (mhost, prefix) = match mirror.split_once('/') {
                Some((h, p)) => (h, Some(p)),
                None => (mirror, None),
            };
            let name = match prefix {
                Some(p) => format!("{p}/{}", reference.repository.name),
                None => reference.repository.name.clone(),
            };
            let repository = trawl_registry::Registry::new(mhost)
                .and_then(|r| trawl_registry::Repository::new(r, &name));
            match repository {
                Ok(repository) => Some(Reference {
                    repository,
                    tag: reference.tag.clone(),
                    digest: reference.digest.clone(),
                }),
                Err(e) => {
                    tracing::warn!("registry mirror {mirror:?} for {host} ignored: {e}");
                    None
                }
            }
        })
        .collect()
}

/// An [`Image`] whose layers are fetched from where `r` was resolved (a mirror, maybe), named and tagged after
/// `shown`, the reference as the user gave it.
fn image_of(
    name: &str,
    shown: &Reference,
    client: &Client,
    r: ResolvedImage,
) -> Result<Image, SourceError> {
    let config_digest = r.manifest.config.digest.to_string();
    let config = crate::config::parse(&r.config).map_err(|message| SourceError::Invalid {
        path: name.into(),
        what: format!("config {config_digest}"),
        message,
    })?;
    let layers_n = r.manifest.layers.len();
    if !config.diff_ids.is_empty() && config.diff_ids.len() != layers_n {
        return Err(SourceError::Invalid {
            path: name.into(),
            what: format!("config {config_digest}"),
            message: format!(
                "{} diff IDs for {layers_n} layers in the manifest",
                config.diff_ids.len()
            ),
        });
    }
    let created_by = config.layer_created_by(layers_n);
    let mut layers = Vec::with_capacity(layers_n);
    for (i, d) in r.manifest.layers.iter().enumerate() {
        let client = client.clone();
        let repo = r.reference.repository.clone();
        let digest = d.digest.clone();
        let size = d.size;
        let reference = name.to_owned();
        let opener: RawOpener = Arc::new(move || {
            let blob = client.open_blob(&repo, &digest, Some(size)).map_err(|e| {
                SourceError::Registry {
                    reference: reference.clone(),
                    error: Box::new(e),
                }
            })?;
            // Download and digest check run a few chunks ahead, beside decompression and analysis.
            Ok(Box::new(blob.prefetch(256 * 1024, 8)) as Box<dyn Read + Send>)
        });
        // The blob reader checks size and digest as it downloads (and fails the stream on a mismatch): the
        // layer stream then hashes only the decompressed bytes (diff ID).
        layers.push(
            Layer::new(
                i,
                config.diff_ids.get(i).cloned().unwrap_or_default(),
                Some(d.digest.to_string()),
                Some(d.size),
                created_by[i].clone(),
                opener,
            )
            .blob_checked_by_reader(),
        );
    }
    let repo_tags = shown
        .tag
        .as_ref()
        .map(|t| format!("{}:{t}", shown.repository))
        .into_iter()
        .collect();
    Ok(Image {
        name: name.to_owned(),
        kind: ArtifactKind::ContainerImage,
        image_id: Some(config_digest),
        repo_tags,
        repo_digests: vec![format!("{}@{}", shown.repository, r.manifest_digest)],
        config: Some(config),
        layers,
        sequential: false,
        annotations: r
            .manifest
            .annotations
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    })
}

#[cfg(test)]
mod mirror_tests {
    use super::mirrored_references;
    use trawl_registry::Reference;

    fn mirrored(reference: &str, mirrors: &[(&str, &str)]) -> Vec<String> {
        let r: Reference = reference.parse().expect("reference");
        let m: Vec<(String, String)> = mirrors
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect();
        mirrored_references(&r, &m)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn mirrors_of_a_registry_in_order_with_prefixes() {
        let ecr = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";
        assert_eq!(
            mirrored(
                &format!("{ecr}/team/app:v1"),
                &[
                    (ecr, "127.0.0.1:5000"),
                    ("ghcr.io", "127.0.0.1:6000"),
                    (ecr, "https://cache.local:5001/ecr/"),
                ]
            ),
            [
                "127.0.0.1:5000/team/app:v1",
                "cache.local:5001/ecr/team/app:v1"
            ]
        );
        // Docker Hub under any of its names; digests kept.
        let digest = format!("sha256:{}", "a".repeat(64));
        assert_eq!(
            mirrored(
                &format!("alpine@{digest}"),
                &[("registry-1.docker.io", "mirror.local")]
            ),
            [format!("mirror.local/library/alpine@{digest}")]
        );
        assert!(mirrored("quay.io/x/y:1", &[("docker.io", "mirror.local")]).is_empty());
        // A mirror that is not a host is skipped.
        assert!(mirrored("ghcr.io/o/r:1", &[("ghcr.io", "not a host")]).is_empty());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_src_names() {
        for s in ImageSrc::DEFAULT_ORDER {
            assert_eq!(s.as_str().parse::<ImageSrc>(), Ok(s));
        }
        assert_eq!(" Registry ".parse::<ImageSrc>(), Ok(ImageSrc::Remote));
        let err = "Containerd".parse::<ImageSrc>().expect_err("unknown");
        assert_eq!(err.value(), "containerd");
        assert_eq!(
            err.to_string(),
            "unknown image source \"containerd\" (docker, podman, remote)"
        );
    }
}
