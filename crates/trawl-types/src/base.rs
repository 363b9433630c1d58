//! The base image of an image and, per finding, whether the base or the image's own layers brought it.

use serde::{Deserialize, Serialize};

/// How the base image was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BaseDetection {
    /// Named by `--base-image`, and its layers found at the bottom of the image.
    Given,
    /// Named by the `org.opencontainers.image.base.name` / `.digest` label or annotation, and its layers found at
    /// the bottom of the image.
    Label,
    /// A known image (`--base-catalog`, or an image scanned before into the same cache) whose layers are the
    /// image's bottom layers.
    Layers,
    /// The build history: the base's last step (`CMD` / `ENTRYPOINT`) followed by the image's own steps.
    History,
}

impl BaseDetection {
    /// The serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            BaseDetection::Given => "given",
            BaseDetection::Label => "label",
            BaseDetection::Layers => "layers",
            BaseDetection::History => "history",
        }
    }
}

/// The base image an image was built on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaseImage {
    /// The base's reference (`debian:12.5`, `registry/alpine:3.19`), when known (a history-only detection may
    /// not know it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The base's manifest digest, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// How many of the image's layers (from the bottom) the base brought.
    pub layers: usize,
    /// How it was found.
    pub detected_by: BaseDetection,
    /// What the detection rests on (the label's value, the history step, the matching image).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
}

impl BaseImage {
    /// The name to show (`unknown base` when the detection gave none).
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or("unknown base")
    }

    /// Whether layer `index` (0 = bottom) belongs to the base.
    pub fn owns_layer(&self, index: usize) -> bool {
        index < self.layers
    }
}

/// Which part of an image brought a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// A layer of the base image.
    Base,
    /// One of the image's own layers (above the base).
    Image,
}

impl Origin {
    /// The serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Base => "base",
            Origin::Image => "image",
        }
    }
}
