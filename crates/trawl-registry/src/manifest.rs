//! Manifests and indexes (OCI and Docker v2 schema 2), platforms and platform selection.

use crate::error::{Error, Result};
use crate::reference::Digest;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// OCI image manifest.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// OCI image index.
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// Docker v2 schema 2 manifest.
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// Docker v2 manifest list.
pub const DOCKER_MANIFEST_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
/// Docker schema 1 (unsupported).
pub const DOCKER_SCHEMA1: &str = "application/vnd.docker.distribution.manifest.v1+json";
/// Docker schema 1, signed (unsupported).
pub const DOCKER_SCHEMA1_SIGNED: &str = "application/vnd.docker.distribution.manifest.v1+prettyjws";

/// The `Accept` header for manifest requests: every kind this client reads.
pub const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
    application/vnd.docker.distribution.manifest.list.v2+json, \
    application/vnd.oci.image.manifest.v1+json, \
    application/vnd.docker.distribution.manifest.v2+json";

/// A content descriptor.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    /// Media type of the referenced content.
    #[serde(default)]
    pub media_type: String,
    /// Its digest.
    pub digest: Digest,
    /// Its size in bytes.
    pub size: u64,
    /// Platform (index entries only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
    /// Alternative download URLs (foreign layers); not used.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub urls: Vec<String>,
    /// Annotations.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// An image manifest: one config and ordered layers (base first).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageManifest {
    /// Always 2.
    pub schema_version: u32,
    /// The media type, when the document states it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// The image configuration blob.
    pub config: Descriptor,
    /// Layer blobs, base first.
    #[serde(default)]
    pub layers: Vec<Descriptor>,
    /// The manifest's annotations (`org.opencontainers.image.base.name`...).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// An index (manifest list): one manifest per platform.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageIndex {
    /// Always 2.
    pub schema_version: u32,
    /// The media type, when the document states it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// The entries.
    pub manifests: Vec<Descriptor>,
}

/// Either kind of manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Manifest {
    /// A single image.
    Image(Box<ImageManifest>),
    /// A multi-platform index.
    Index(ImageIndex),
}

/// A manifest as pulled: raw bytes (whose sha256 is `digest`), media type and parsed form.
#[derive(Clone, Debug)]
pub struct PulledManifest {
    /// The media type (from `Content-Type`, else the document's `mediaType`).
    pub media_type: String,
    /// sha256 of `bytes`.
    pub digest: Digest,
    /// The exact bytes.
    pub bytes: Vec<u8>,
    /// The parsed manifest.
    pub manifest: Manifest,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Sniff {
    #[serde(default)]
    schema_version: Option<u32>,
    #[serde(default)]
    media_type: Option<String>,
    #[serde(default)]
    manifests: Option<serde_json::Value>,
    #[serde(default)]
    layers: Option<serde_json::Value>,
    #[serde(default)]
    config: Option<serde_json::Value>,
}

/// Parses a manifest given its `Content-Type` (may be empty or generic) and bytes. `what` names it in errors.
pub fn parse_manifest(content_type: &str, bytes: &[u8], what: &str) -> Result<(String, Manifest)> {
    let ct = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let json_err = |source| Error::Json {
        url: what.to_owned(),
        what: "manifest",
        cause: source,
    };
    if ct == DOCKER_SCHEMA1 || ct == DOCKER_SCHEMA1_SIGNED {
        return Err(Error::Schema1 {
            reference: what.to_owned(),
        });
    }
    let sniff: Sniff = serde_json::from_slice(bytes).map_err(json_err)?;
    if sniff.schema_version == Some(1) {
        return Err(Error::Schema1 {
            reference: what.to_owned(),
        });
    }
    let declared = match ct.as_str() {
        OCI_MANIFEST | OCI_INDEX | DOCKER_MANIFEST | DOCKER_MANIFEST_LIST => ct.clone(),
        _ => sniff.media_type.clone().unwrap_or_default(),
    };
    let is_index = match declared.as_str() {
        OCI_INDEX | DOCKER_MANIFEST_LIST => true,
        OCI_MANIFEST | DOCKER_MANIFEST => false,
        DOCKER_SCHEMA1 | DOCKER_SCHEMA1_SIGNED => {
            return Err(Error::Schema1 {
                reference: what.to_owned(),
            });
        }
        "" if sniff.manifests.is_some() => true,
        "" if sniff.layers.is_some() || sniff.config.is_some() => false,
        other => {
            return Err(Error::UnsupportedMediaType {
                reference: what.to_owned(),
                media_type: if other.is_empty() {
                    ct.clone()
                } else {
                    other.to_owned()
                },
            });
        }
    };
    let media_type = if declared.is_empty() {
        if is_index { OCI_INDEX } else { OCI_MANIFEST }.to_owned()
    } else {
        declared
    };
    let manifest = if is_index {
        Manifest::Index(serde_json::from_slice(bytes).map_err(json_err)?)
    } else {
        Manifest::Image(Box::new(serde_json::from_slice(bytes).map_err(json_err)?))
    };
    Ok((media_type, manifest))
}

/// An image platform.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct Platform {
    /// `amd64`, `arm64`, `arm`, `386`, `ppc64le`, `s390x`, `riscv64`...
    pub architecture: String,
    /// `linux`, `windows`...
    pub os: String,
    /// `v7`, `v8`...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// `os.version` (Windows).
    #[serde(
        default,
        rename = "os.version",
        skip_serializing_if = "Option::is_none"
    )]
    pub os_version: Option<String>,
}

impl Platform {
    /// `os/arch[/variant]`.
    pub fn new(os: &str, architecture: &str, variant: Option<&str>) -> Self {
        Platform {
            architecture: normalise_arch(architecture).to_owned(),
            os: os.to_ascii_lowercase(),
            variant: variant.filter(|v| !v.is_empty()).map(str::to_owned),
            os_version: None,
        }
    }

    /// The platform this program runs on, in OCI terms (`linux/amd64` on x86-64 Linux).
    pub fn host() -> Self {
        let arch = match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            "x86" => "386",
            "arm" => "arm",
            "powerpc64" if cfg!(target_endian = "little") => "ppc64le",
            "powerpc64" => "ppc64",
            "loongarch64" => "loong64",
            other => other,
        };
        // Container images are Linux images even when trawl runs on macOS.
        let os = if cfg!(windows) { "windows" } else { "linux" };
        Platform::new(os, arch, None)
    }

    /// Does this (an index entry's platform) satisfy `wanted`? A wanted platform without variant accepts any
    /// variant; `arm64` treats `v8` as no variant.
    pub fn satisfies(&self, wanted: &Platform) -> bool {
        if !self.os.eq_ignore_ascii_case(&wanted.os)
            || normalise_arch(&self.architecture) != wanted.architecture
        {
            return false;
        }
        let norm = |v: &Option<String>| -> Option<String> {
            match v.as_deref() {
                Some("v8") if wanted.architecture == "arm64" => None,
                Some(v) => Some(v.to_ascii_lowercase()),
                None => None,
            }
        };
        match norm(&wanted.variant) {
            None => true,
            Some(w) => norm(&self.variant).is_some_and(|v| v == w),
        }
    }

    /// True for index entries that are not images (attestations use `unknown/unknown`).
    pub fn is_unknown(&self) -> bool {
        self.os == "unknown" || self.architecture == "unknown"
    }
}

fn normalise_arch(a: &str) -> &str {
    match a {
        "x86_64" | "x86-64" => "amd64",
        "aarch64" => "arm64",
        "i386" | "i686" => "386",
        other => other,
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Platform({self})")
    }
}

impl FromStr for Platform {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let parts: Vec<&str> = s.trim().split('/').collect();
        let ok = |p: &str| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        };
        match parts.as_slice() {
            [os, arch] if ok(os) && ok(arch) => Ok(Platform::new(os, arch, None)),
            [os, arch, variant] if ok(os) && ok(arch) && ok(variant) => {
                Ok(Platform::new(os, arch, Some(variant)))
            }
            _ => Err(Error::InvalidPlatform(s.to_owned())),
        }
    }
}

/// Which image(s) of an index to take.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum PlatformSelector {
    /// The host's platform if the index has it, else `linux/amd64`.
    #[default]
    Default,
    /// Exactly this platform (error when absent).
    Exact(Platform),
    /// Every image platform of the index.
    All,
}

impl FromStr for PlatformSelector {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim() {
            "" | "default" => Ok(PlatformSelector::Default),
            "all" => Ok(PlatformSelector::All),
            other => other.parse().map(PlatformSelector::Exact),
        }
    }
}

impl PlatformSelector {
    /// Picks entries of `index`. Errors name `what` and list what the index offers.
    pub fn select<'a>(&self, index: &'a ImageIndex, what: &str) -> Result<Vec<&'a Descriptor>> {
        let images: Vec<&Descriptor> = index
            .manifests
            .iter()
            .filter(|d| d.platform.as_ref().is_none_or(|p| !p.is_unknown()))
            .filter(|d| {
                d.media_type.is_empty()
                    || matches!(
                        d.media_type.as_str(),
                        OCI_MANIFEST | DOCKER_MANIFEST | OCI_INDEX | DOCKER_MANIFEST_LIST
                    )
            })
            .collect();
        let available = || {
            let list: Vec<String> = images
                .iter()
                .map(|d| {
                    d.platform
                        .as_ref()
                        .map_or_else(|| "unspecified".to_owned(), Platform::to_string)
                })
                .collect();
            if list.is_empty() {
                "none".to_owned()
            } else {
                list.join(", ")
            }
        };
        let pick = |wanted: &Platform| -> Option<&'a Descriptor> {
            // Prefer an exact variant match (or no variant) over "any variant".
            let candidates: Vec<&'a Descriptor> = images
                .iter()
                .copied()
                .filter(|d| d.platform.as_ref().is_some_and(|p| p.satisfies(wanted)))
                .collect();
            candidates
                .iter()
                .copied()
                .find(|d| {
                    d.platform
                        .as_ref()
                        .is_some_and(|p| p.variant == wanted.variant)
                })
                .or_else(|| candidates.first().copied())
        };
        match self {
            PlatformSelector::All => {
                if images.is_empty() {
                    return Err(Error::NoMatchingPlatform {
                        reference: what.to_owned(),
                        wanted: "all".into(),
                        available: available(),
                    });
                }
                Ok(images)
            }
            PlatformSelector::Exact(p) => {
                pick(p)
                    .map(|d| vec![d])
                    .ok_or_else(|| Error::NoMatchingPlatform {
                        reference: what.to_owned(),
                        wanted: p.to_string(),
                        available: available(),
                    })
            }
            PlatformSelector::Default => {
                let host = Platform::host();
                let amd64 = Platform::new("linux", "amd64", None);
                pick(&host)
                    .or_else(|| pick(&amd64))
                    .or_else(|| (images.len() == 1).then(|| images[0]))
                    .map(|d| vec![d])
                    .ok_or_else(|| Error::NoMatchingPlatform {
                        reference: what.to_owned(),
                        wanted: format!("{host} (host) or linux/amd64"),
                        available: available(),
                    })
            }
        }
    }
}

/// The parts of an image config this crate looks at (platform checks).
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct ConfigPlatform {
    /// `architecture`.
    #[serde(default)]
    pub architecture: String,
    /// `os`.
    #[serde(default)]
    pub os: String,
    /// `variant`.
    #[serde(default)]
    pub variant: Option<String>,
}

impl ConfigPlatform {
    /// Reads the platform fields of a config blob; `None` when it is not JSON or lacks them.
    pub fn from_config(bytes: &[u8]) -> Option<Platform> {
        let c: ConfigPlatform = serde_json::from_slice(bytes).ok()?;
        (!c.os.is_empty() && !c.architecture.is_empty())
            .then(|| Platform::new(&c.os, &c.architecture, c.variant.as_deref()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> ImageIndex {
        let d = |arch: &str, variant: Option<&str>, n: char| Descriptor {
            media_type: OCI_MANIFEST.into(),
            digest: format!("sha256:{}", n.to_string().repeat(64))
                .parse()
                .expect("digest"),
            size: 1,
            platform: Some(Platform::new(
                if arch == "unknown" {
                    "unknown"
                } else {
                    "linux"
                },
                arch,
                variant,
            )),
            urls: vec![],
            annotations: BTreeMap::new(),
        };
        ImageIndex {
            schema_version: 2,
            media_type: Some(OCI_INDEX.into()),
            manifests: vec![
                d("amd64", None, 'a'),
                d("arm", Some("v6"), 'b'),
                d("arm", Some("v7"), 'c'),
                d("arm64", Some("v8"), 'd'),
                d("unknown", None, 'e'),
            ],
        }
    }

    fn pick(sel: &str) -> Vec<char> {
        let idx = index();
        let sel: PlatformSelector = sel.parse().expect("selector");
        sel.select(&idx, "x")
            .expect("found")
            .iter()
            .map(|d| d.digest.hex().chars().next().expect("hex"))
            .collect()
    }

    #[test]
    fn selection() {
        assert_eq!(pick("linux/arm64"), vec!['d']);
        assert_eq!(pick("linux/arm64/v8"), vec!['d']);
        assert_eq!(pick("linux/aarch64"), vec!['d']);
        assert_eq!(pick("linux/arm/v7"), vec!['c']);
        assert_eq!(pick("linux/arm/v6"), vec!['b']);
        assert_eq!(pick("linux/amd64"), vec!['a']);
        assert_eq!(pick("all"), vec!['a', 'b', 'c', 'd']);
        let host = pick("default");
        assert_eq!(host.len(), 1);
        let err = "linux/s390x"
            .parse::<PlatformSelector>()
            .expect("selector")
            .select(&index(), "reg/x:1")
            .expect_err("absent")
            .to_string();
        assert!(
            err.contains("linux/s390x") && err.contains("linux/arm/v7") && err.contains("reg/x:1"),
            "{err}"
        );
        assert!("linux".parse::<PlatformSelector>().is_err());
        assert!("linux/arm64/v8/x".parse::<PlatformSelector>().is_err());
    }

    #[test]
    fn kinds() {
        let idx = br#"{"schemaVersion":2,"manifests":[]}"#;
        assert!(matches!(
            parse_manifest("", idx, "x").expect("ok").1,
            Manifest::Index(_)
        ));
        let m = format!(
            r#"{{"schemaVersion":2,"mediaType":"{DOCKER_MANIFEST}","config":{{"mediaType":"a","digest":"sha256:{0}","size":1}},"layers":[]}}"#,
            "0".repeat(64)
        );
        let (mt, parsed) = parse_manifest("application/json", m.as_bytes(), "x").expect("ok");
        assert_eq!(mt, DOCKER_MANIFEST);
        assert!(matches!(parsed, Manifest::Image(_)));
        let s1 = br#"{"schemaVersion":1,"name":"x","fsLayers":[]}"#;
        let err = parse_manifest(DOCKER_SCHEMA1_SIGNED, s1, "reg/x:1").expect_err("schema 1");
        assert!(err.to_string().contains("schema 1"), "{err}");
        assert!(matches!(
            parse_manifest("", s1, "x"),
            Err(Error::Schema1 { .. })
        ));
        assert!(matches!(
            parse_manifest("application/vnd.cncf.helm.config.v1+json", b"{}", "x"),
            Err(Error::UnsupportedMediaType { .. })
        ));
        assert!(matches!(
            parse_manifest(OCI_MANIFEST, b"not json", "x"),
            Err(Error::Json { .. })
        ));
    }
}
