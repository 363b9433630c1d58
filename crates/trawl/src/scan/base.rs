//! The base image of a scanned image: gathers the evidence (`--base-image`, the label or annotation naming the
//! base, `--base-catalog`'s tags, images scanned before into the same cache), lets `trawl_base::detect` decide,
//! marks each finding's origin and applies `--ignore-base` / `--only-base`. Nothing here fails a scan: what
//! cannot be fetched is a warning.

use crate::settings::{BaseSettings, Settings};
use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::path::Path;
use trawl_base::{Candidate, Evidence, Named};
use trawl_registry::{Client, PlatformSelector, Reference, Repository};
use trawl_report::Report;
use trawl_source::{Image, RemoteOptions, SourceSpec};
use trawl_types::{BaseImage, Finding, Origin, Suppression, Warning};

/// Most tags of one `--base-catalog` repository looked at (the newest by tag version).
const MAX_CATALOG_TAGS: usize = 200;
/// Most entries read from the cache's image list.
const MAX_INDEX_ENTRIES: usize = 10_000;
/// Largest entry of that list.
const MAX_INDEX_ENTRY_BYTES: u64 = 1 << 20;

/// The registry client of a scan: the image's own when it came from a registry, else a default one.
pub(crate) fn client_for(spec: &SourceSpec) -> anyhow::Result<Client> {
    let client = match spec {
        SourceSpec::Registry { options, .. } => options.client(),
        _ => RemoteOptions::default().client(),
    };
    client.context("cannot make a registry client")
}

/// An image's reference and layers, from its manifest and config only (no layer is downloaded).
pub(crate) fn fetch(client: &Client, reference: &str) -> anyhow::Result<Candidate> {
    let r: Reference = reference
        .parse()
        .with_context(|| format!("{reference:?} is not an image reference"))?;
    let image = client
        .resolve(&r, &PlatformSelector::Default)?
        .into_iter()
        .next()
        .with_context(|| format!("{reference}: no image"))?;
    let config: serde_json::Value = serde_json::from_slice(&image.config)
        .with_context(|| format!("{reference}: the image config is not JSON"))?;
    let config = trawl_types::ImageConfig::from_json(config);
    Ok(Candidate {
        reference: reference.to_owned(),
        digest: Some(image.manifest_digest.to_string()),
        diff_ids: config.diff_ids,
    })
}

/// The tags of a repository (`registry/debian`), as `registry/debian:TAG`.
pub(crate) fn list_tags(client: &Client, repository: &str) -> anyhow::Result<Vec<String>> {
    let r: Reference = repository
        .parse()
        .with_context(|| format!("{repository:?} is not a repository"))?;
    let repo: &Repository = &r.repository;
    let tags = client
        .tags(repo)
        .with_context(|| format!("cannot list the tags of {repo}"))?;
    Ok(tags)
}

/// `--base-catalog`: each repository's tags (newest versions first, at most [`MAX_CATALOG_TAGS`]) with their
/// layers.
fn catalog(client: &Client, repos: &[String], warnings: &mut Vec<Warning>) -> Vec<Candidate> {
    let mut out = Vec::new();
    for repo in repos {
        let repo = repo.trim_end_matches('/');
        let mut tags = match list_tags(client, repo) {
            Ok(t) => t,
            Err(e) => {
                warnings.push(warn(format!("--base-catalog {repo}: {e:#}")));
                continue;
            }
        };
        trawl_base::tags::newest_first(&mut tags);
        for tag in tags.into_iter().take(MAX_CATALOG_TAGS) {
            let reference = format!("{repo}:{tag}");
            match fetch(client, &reference) {
                Ok(c) => out.push(c),
                Err(e) => warnings.push(warn(format!("--base-catalog {reference}: {e:#}"))),
            }
        }
    }
    out
}

fn warn(message: String) -> Warning {
    tracing::warn!("{message}");
    Warning::new(message)
}

/// One image of the cache's list: what a later scan compares its layers with.
#[derive(Debug, Serialize, Deserialize)]
struct IndexEntry {
    reference: String,
    #[serde(default)]
    digest: Option<String>,
    diff_ids: Vec<String>,
}

/// The list's folder of images whose bottom layer is `bottom`: only they can be a base of an image with that
/// bottom layer, so a scan reads only them.
fn index_bucket(dir: &Path, bottom: &str) -> std::path::PathBuf {
    dir.join(format!(
        "{:016x}",
        trawl_types::hash::fnv1a(bottom.as_bytes())
    ))
}

/// The images scanned before into this cache whose bottom layer is `bottom` (unreadable entries are skipped).
fn read_index(dir: &Path, bottom: &str) -> Vec<Candidate> {
    let Ok(entries) = std::fs::read_dir(index_bucket(dir, bottom)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for e in entries.flatten().take(MAX_INDEX_ENTRIES) {
        let path = e.path();
        if path.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let Ok(meta) = e.metadata() else { continue };
        if !meta.is_file() || meta.len() > MAX_INDEX_ENTRY_BYTES {
            continue;
        }
        match std::fs::read(&path)
            .map_err(anyhow::Error::from)
            .and_then(|b| serde_json::from_slice::<IndexEntry>(&b).map_err(Into::into))
        {
            Ok(entry) => out.push(Candidate {
                reference: entry.reference,
                digest: entry.digest,
                diff_ids: entry.diff_ids,
            }),
            Err(err) => tracing::debug!("{}: skipped: {err:#}", path.display()),
        }
    }
    // Same order on every run (the directory's order is not).
    out.sort_by(|a, b| a.reference.cmp(&b.reference));
    out
}

/// Records a scanned image in the cache's list (written whole, then renamed), under its name, in the folder of
/// its bottom layer.
fn record(
    dir: &Path,
    reference: &str,
    digest: Option<&str>,
    diff_ids: &[String],
) -> anyhow::Result<()> {
    let Some(bottom) = diff_ids.first() else {
        return Ok(());
    };
    let dir = &index_bucket(dir, bottom);
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let entry = IndexEntry {
        reference: reference.to_owned(),
        digest: digest.map(str::to_owned),
        diff_ids: diff_ids.to_vec(),
    };
    let name = format!(
        "{:016x}.json",
        trawl_types::hash::fnv1a(reference.as_bytes())
    );
    trawl_fs::remove_stale_temps(dir, "image");
    let mut tmp = trawl_fs::temp_file(dir, "image")?;
    serde_json::to_writer(&mut tmp, &entry)?;
    tmp.persist(dir.join(name))?;
    Ok(())
}

/// The name a later scan knows this image by: its first `repo:tag`, with its digest.
fn known_as(image: &Image) -> Option<(String, Option<String>)> {
    let reference = image.repo_tags.first()?.clone();
    Some((reference, super::manifest_digest_of(&image.repo_digests)))
}

/// Finds the base of `image`, marks each finding of `report` with its origin and applies the base filter.
pub(crate) fn attach(report: &mut Report, image: &Image, spec: &SourceSpec, settings: &Settings) {
    let (found, warnings) = find(image, spec, settings);
    report.warnings.extend(warnings);
    apply(report, found, settings);
}

/// The base of `image` (`None` when nothing tells), and the warnings of the search. Records the image in the
/// cache's list of known images.
pub(crate) fn find(
    image: &Image,
    spec: &SourceSpec,
    settings: &Settings,
) -> (Option<BaseImage>, Vec<Warning>) {
    let mut warnings = Vec::new();
    let Some(config) = image.config.as_ref() else {
        return (None, warnings);
    };
    let diff_ids: Vec<String> = image.layers.iter().map(|l| l.diff_id.clone()).collect();
    if diff_ids.is_empty() || diff_ids.iter().any(String::is_empty) {
        return (None, warnings);
    }
    let base = &settings.base;
    let found = detect(image, config, &diff_ids, spec, base, &mut warnings);
    if let (Some(dir), Some((reference, digest))) = (&base.index_dir, known_as(image))
        && let Err(e) = record(dir, &reference, digest.as_deref(), &diff_ids)
    {
        tracing::debug!("cannot record {reference} in {}: {e:#}", dir.display());
    }
    if let Some(b) = &found {
        tracing::info!(
            "{}: base image {} ({} layer(s), by {})",
            image.name,
            b.display_name(),
            b.layers,
            b.detected_by.as_str()
        );
    }
    (found, warnings)
}

/// Puts the base found (if any) in `report`: each finding's origin, the base filter, `artifact.base_image`.
pub(crate) fn apply(report: &mut Report, found: Option<BaseImage>, settings: &Settings) {
    let base = &settings.base;
    let Some(found) = found else {
        if base.filter.is_some()
            && report.artifact.artifact_type == trawl_report::ArtifactType::ContainerImage
        {
            report.warnings.push(warn(format!(
                "{}: no base image found, so --ignore-base / --only-base changed nothing (name it with \
                 --base-image, or give --base-catalog)",
                report.artifact.name
            )));
        }
        return;
    };
    mark_and_filter(report, &found, base.filter, settings.show_suppressed);
    report.artifact.base_image = Some(found);
}

fn detect(
    image: &Image,
    config: &trawl_types::ImageConfig,
    diff_ids: &[String],
    spec: &SourceSpec,
    base: &BaseSettings,
    warnings: &mut Vec<Warning>,
) -> Option<BaseImage> {
    let named = Named::find(&image.annotations, &config.labels);
    let wants_registry = base.given.is_some() || !base.catalog.is_empty() || named.is_some();
    let client = if wants_registry && !base.offline {
        match client_for(spec) {
            Ok(c) => Some(c),
            Err(e) => {
                warnings.push(warn(format!("base image: {e:#}")));
                None
            }
        }
    } else {
        None
    };
    let given = match (&base.given, &client) {
        (Some(r), Some(c)) => match fetch(c, r) {
            Ok(c) => Some(c),
            Err(e) => {
                warnings.push(warn(format!("--base-image {r}: {e:#}")));
                None
            }
        },
        _ => None,
    };
    if let Some(g) = &given
        && !(g.diff_ids.len() <= diff_ids.len() && diff_ids.starts_with(&g.diff_ids))
    {
        warnings.push(warn(format!(
            "--base-image {}: its layers are not the bottom layers of {}",
            g.reference, image.name
        )));
    }
    let mut candidates = match &client {
        Some(c) if !base.catalog.is_empty() => catalog(c, &base.catalog, warnings),
        _ => Vec::new(),
    };
    if let Some(dir) = &base.index_dir {
        candidates.extend(read_index(dir, &diff_ids[0]));
    }
    let fetched_named = named
        .as_ref()
        .and_then(|n| resolve_named(n, &candidates, client.as_ref(), spec, base, &diff_ids[0]));
    trawl_base::detect(&Evidence {
        diff_ids,
        history: &config.history,
        given: given.as_ref(),
        named: named.as_ref().map(|n| (n, fetched_named.as_ref())),
        candidates: &candidates,
    })
}

/// The image a label or annotation names, without trusting the image to pick hosts to contact: an image known
/// already (`--base-catalog`, the cache's list) by that name or digest; else fetched (manifest and config only),
/// only from the registry the scanned image came from or from a `--base-catalog` repository, and then recorded in
/// the cache's list, so scans of the same image from an archive or a layout find it too.
fn resolve_named(
    n: &Named,
    known: &[Candidate],
    client: Option<&Client>,
    spec: &SourceSpec,
    base: &BaseSettings,
    bottom: &str,
) -> Option<Candidate> {
    let by_name = known.iter().find(|c| {
        n.name.as_deref() == Some(c.reference.as_str())
            || (n.digest.is_some() && n.digest == c.digest)
    });
    if let Some(c) = by_name {
        return Some(c.clone());
    }
    let name = n.name.as_deref()?;
    let reference = match &n.digest {
        Some(d) if !name.contains('@') => format!("{name}@{d}"),
        _ => name.to_owned(),
    };
    let wanted: Reference = reference.parse().ok()?;
    let same_registry = match spec {
        SourceSpec::Registry { reference, .. } => reference
            .parse::<Reference>()
            .is_ok_and(|r| r.repository.registry == wanted.repository.registry),
        _ => false,
    };
    let in_catalog = base.catalog.iter().any(|repo| {
        repo.trim_end_matches('/')
            .parse::<Reference>()
            .is_ok_and(|r| r.repository == wanted.repository)
    });
    if !(same_registry || in_catalog) {
        tracing::info!(
            "the base the {} names ({reference}) is on another registry than the image: not fetched (give \
             --base-catalog {} to allow it)",
            n.source,
            wanted.repository
        );
        return None;
    }
    match fetch(client?, &reference) {
        Ok(mut c) => {
            c.reference = name.to_owned();
            if let Some(dir) = &base.index_dir
                && c.diff_ids.first().is_some_and(|b| b == bottom)
                && let Err(e) = record(dir, &c.reference, c.digest.as_deref(), &c.diff_ids)
            {
                tracing::debug!("cannot record {}: {e:#}", c.reference);
            }
            Some(c)
        }
        Err(e) => {
            tracing::info!(
                "the base the {} names ({reference}) cannot be fetched: {e:#}",
                n.source
            );
            None
        }
    }
}

/// The origin of a finding from the layer that brought its package (none when the layer is unknown).
fn origin_of(f: &Finding, base: &BaseImage) -> Option<Origin> {
    let layer = f.layer.as_ref()?;
    Some(if base.owns_layer(layer.index) {
        Origin::Base
    } else {
        Origin::Image
    })
}

/// Sets every finding's origin; with a filter, findings of the other origin leave the report (or move to the
/// suppressed ones with `--show-suppressed`).
pub(crate) fn mark_and_filter(
    report: &mut Report,
    base: &BaseImage,
    keep: Option<Origin>,
    show_suppressed: bool,
) {
    for r in &mut report.results {
        for f in r.suppressed.iter_mut() {
            f.origin = origin_of(f, base);
        }
        let mut kept = Vec::with_capacity(r.vulnerabilities.len());
        for mut f in std::mem::take(&mut r.vulnerabilities) {
            f.origin = origin_of(&f, base);
            match keep {
                Some(want) if f.origin.is_some_and(|o| o != want) => {
                    if show_suppressed {
                        f.suppressed = Some(Suppression {
                            kind: "base".to_owned(),
                            source: base.display_name().to_owned(),
                            statement: Some(match want {
                                Origin::Image => {
                                    "brought by the base image (--ignore-base)".to_owned()
                                }
                                Origin::Base => {
                                    "brought by the image's own layers (--only-base)".to_owned()
                                }
                            }),
                            vex_status: None,
                        });
                        r.suppressed.push(f);
                    }
                }
                _ => kept.push(f),
            }
        }
        r.vulnerabilities = kept;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cache's list is read back whole; broken, oversized or foreign entries are skipped, not fatal.
    #[test]
    fn damaged_list_entries_are_skipped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ids = vec!["sha256:aa".to_owned(), "sha256:bb".to_owned()];
        record(dir.path(), "reg/base:1", Some("sha256:d1"), &ids[..1]).expect("recorded");
        record(dir.path(), "reg/app:1", None, &ids).expect("recorded");
        let bucket = index_bucket(dir.path(), "sha256:aa");
        std::fs::write(bucket.join("broken.json"), b"{\"reference\": ").expect("write");
        std::fs::write(
            bucket.join("types.json"),
            br#"{"reference": 1, "diff_ids": "x"}"#,
        )
        .expect("write");
        let big = vec![b' '; (MAX_INDEX_ENTRY_BYTES + 1) as usize];
        std::fs::write(bucket.join("big.json"), big).expect("write");
        std::fs::create_dir(bucket.join("dir.json")).expect("mkdir");
        let got = read_index(dir.path(), "sha256:aa");
        let names: Vec<&str> = got.iter().map(|c| c.reference.as_str()).collect();
        assert_eq!(names, ["reg/app:1", "reg/base:1"]);
        assert_eq!(got[1].digest.as_deref(), Some("sha256:d1"));
        // Another bottom layer reads nothing; a missing list is empty.
        assert!(read_index(dir.path(), "sha256:cc").is_empty());
        assert!(read_index(&dir.path().join("none"), "sha256:aa").is_empty());
    }

    /// A name from an image's label that is no image reference is a clear error, before any request.
    #[test]
    fn a_bad_reference_is_an_error_naming_it() {
        let client = RemoteOptions::default().client().expect("client");
        let err = fetch(&client, "not a reference!!").expect_err("refused");
        assert!(format!("{err:#}").contains("\"not a reference!!\" is not an image reference"));
        let err = list_tags(&client, "UPPER/Case").expect_err("refused");
        assert!(format!("{err:#}").contains("UPPER/Case"), "{err:#}");
    }
}
