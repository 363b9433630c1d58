//! What the server stores per image digest (and `trawl image --server` sends): an image's analysis, everything
//! matching needs, so a DB change re-matches it without pulling the image.

use crate::dbsupply::DbSupply;
use crate::settings::Settings;
use serde::{Deserialize, Serialize};
use trawl_policy::Policy;
use trawl_report::{ArtifactType, Report};
use trawl_types::{ImageConfig, Inventory, Misconfiguration, SecretFinding};

/// One analysed image (or SBOM).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct StoredImage {
    name: String,
    artifact_type: ArtifactType,
    image_id: Option<String>,
    repo_tags: Vec<String>,
    repo_digests: Vec<String>,
    config: Option<ImageConfig>,
    inventory: Inventory,
    /// The analyzer of each package (not serialised in `Package`; decides its result type and grouping).
    analyzers: Vec<Option<String>>,
    secrets: Vec<SecretFinding>,
    misconfigurations: Vec<Misconfiguration>,
    layers: Vec<trawl_analyzers::pipeline::LayerReport>,
    /// Its base image, found when it was analysed (where its registry and the layer cache's list are known).
    #[serde(default)]
    base_image: Option<trawl_types::BaseImage>,
}

impl StoredImage {
    /// Reads one back from its JSON.
    pub(crate) fn deserialize_from(value: &serde_json::Value) -> anyhow::Result<StoredImage> {
        Ok(StoredImage::deserialize(value)?)
    }

    /// What the analysis of `name` found, with its base image (`crate::scan::base::find`).
    pub(crate) fn from_analysis(
        name: &str,
        image: trawl_source::Image,
        analyzed: trawl_analyzers::pipeline::AnalyzedImage,
        base_image: Option<trawl_types::BaseImage>,
    ) -> StoredImage {
        StoredImage {
            name: name.to_owned(),
            artifact_type: ArtifactType::ContainerImage,
            image_id: image.image_id,
            repo_tags: image.repo_tags,
            repo_digests: image.repo_digests,
            config: image.config,
            analyzers: analyzed
                .inventory
                .packages
                .iter()
                .map(|p| p.analyzer.map(str::to_owned))
                .collect(),
            inventory: analyzed.inventory,
            secrets: analyzed.secrets,
            misconfigurations: analyzed.misconfigurations,
            layers: analyzed.layers,
            base_image,
        }
    }

    /// The packages an SBOM lists.
    pub(crate) fn from_sbom(name: &str, inventory: Inventory) -> StoredImage {
        StoredImage {
            name: name.to_owned(),
            artifact_type: ArtifactType::Filesystem,
            image_id: None,
            repo_tags: Vec::new(),
            repo_digests: Vec::new(),
            config: None,
            analyzers: vec![None; inventory.packages.len()],
            inventory,
            secrets: Vec::new(),
            misconfigurations: Vec::new(),
            layers: Vec::new(),
            base_image: None,
        }
    }

    /// Matches it (against `supply`'s DB), applies the policy and builds the report.
    pub(crate) fn report(
        self,
        settings: &Settings,
        policy: &Policy,
        supply: &DbSupply,
        started: std::time::Instant,
    ) -> anyhow::Result<Report> {
        let stored = self;
        let mut inventory = stored.inventory;
        for (p, a) in inventory.packages.iter_mut().zip(&stored.analyzers) {
            p.analyzer = a
                .as_deref()
                .and_then(|a| trawl_analyzers::ALL.iter().find(|d| d.name == a))
                .map(|d| d.name);
        }
        let image = trawl_source::Image {
            name: stored.name.clone(),
            kind: match stored.artifact_type {
                ArtifactType::ContainerImage => trawl_source::ArtifactKind::ContainerImage,
                _ => trawl_source::ArtifactKind::Filesystem,
            },
            image_id: stored.image_id,
            repo_tags: stored.repo_tags,
            repo_digests: stored.repo_digests,
            config: stored.config,
            layers: Vec::new(),
            sequential: false,
            annotations: Vec::new(),
        };
        let analyzed = trawl_analyzers::pipeline::AnalyzedImage {
            inventory,
            secrets: stored.secrets,
            misconfigurations: stored.misconfigurations,
            layers: stored.layers,
            ..Default::default()
        };
        let mut report = crate::scan::report_from_analysis(
            &stored.name,
            stored.artifact_type,
            settings,
            Some(supply),
            policy,
            &image,
            analyzed,
            started,
        )?;
        crate::scan::base::apply(&mut report, stored.base_image, settings);
        Ok(report)
    }
}
