//! `misconfig`: Dockerfiles and Kubernetes manifests inside an image or directory (`--scanners misconfig`),
//! with the checks of `trawl-misconfig`.
//!
//! ## What it detects
//! The `TRAWL-DS-*` Dockerfile checks and `TRAWL-KSV-*` Kubernetes workload checks, and the custom Rego policies
//! given to [`MisconfigAnalyzer::new`] (`--config-policy DIR`).
//!
//! ## Files
//! `Dockerfile`, `Dockerfile.*`, `*.dockerfile`, `Containerfile`, and `.yaml` / `.yml` / `.json` files of at most
//! 1 MiB outside the OS's own trees (`usr/`, `lib/`, `proc/`...) that contain `apiVersion` and `kind`.
//!
//! ## Limitations
//! The image config itself is not a file: the scan command calls [`trawl_misconfig::check_image_config`] for
//! it. Helm charts and Kustomize overlays are not rendered.

use crate::{
    AnalysisInput, AnalysisOutput, Analyzer, AnalyzerError, AnalyzerKind, Declaration, FileMeta,
    RunsIn,
};
use std::sync::Arc;
use trawl_misconfig::Policies;

/// The declaration of the `misconfig` analyzer (made from the scan's [`crate::Config::misconfig`]).
pub const DECLARATION: &Declaration = &Declaration {
    name: "misconfig",
    version: CHECKS_VERSION,
    kind: AnalyzerKind::Misconfig,
    runs_in: RunsIn::BOTH,
    always: false,
    lang: None,
    build: |c| Arc::new(c.misconfig.clone()),
};

/// The `misconfig` analyzer, with the built-in checks ([`Default`]) and maybe custom Rego policies
/// ([`Self::new`]). Cloning shares the loaded policies.
#[derive(Debug, Clone, Default)]
pub struct MisconfigAnalyzer {
    /// Custom policies and their fingerprint for the cache key.
    policies: Option<(Arc<Policies>, u32)>,
}

impl MisconfigAnalyzer {
    /// The analyzer with custom Rego policies besides the built-in checks.
    ///
    /// `fingerprint` identifies them (e.g. the policy files' names and text): it goes into
    /// [`Analyzer::version`] so cached layer results made without them are not reused. The policies are shared:
    /// `trawl config` evaluates the same loaded value.
    pub fn new(policies: Arc<Policies>, fingerprint: &str) -> Self {
        // Stable across runs and platforms (the cache key must be).
        let h = trawl_types::hash::Fnv1a::new()
            .update(fingerprint.as_bytes())
            .finish_u32();
        MisconfigAnalyzer {
            policies: Some((policies, h)),
        }
    }

    /// The custom policies, if any.
    pub fn policies(&self) -> Option<&Arc<Policies>> {
        self.policies.as_ref().map(|(p, _)| p)
    }
}

/// Output version of the built-in checks; bump when they change what they find.
const CHECKS_VERSION: u32 = 1;

/// Manifests larger than this are not read.
const MAX_MANIFEST: u64 = 1024 * 1024;

/// Trees of the OS and of language runtimes: their YAML/JSON files are not deployment manifests.
const SKIP_PREFIXES: &[&str] = &[
    "usr/",
    "lib/",
    "lib64/",
    "bin/",
    "sbin/",
    "proc/",
    "sys/",
    "dev/",
    "var/lib/",
    "var/cache/",
    "etc/ssl/",
];

impl Analyzer for MisconfigAnalyzer {
    fn declaration(&self) -> &'static Declaration {
        DECLARATION
    }

    fn version(&self) -> u32 {
        match &self.policies {
            None => CHECKS_VERSION,
            Some((_, h)) => (h & 0xffff_ff00) | CHECKS_VERSION,
        }
    }

    fn required(&self, path: &str, meta: &FileMeta) -> bool {
        if meta.size == 0 || meta.size > MAX_MANIFEST || !trawl_misconfig::is_candidate(path) {
            return false;
        }
        if ["usr/share/doc/", "usr/share/man/", "proc/", "sys/"]
            .iter()
            .any(|p| path.starts_with(p))
        {
            return false;
        }
        let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
        let yaml_or_json =
            name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".json");
        !(yaml_or_json && SKIP_PREFIXES.iter().any(|p| path.starts_with(p)))
    }

    fn analyze(&self, input: &AnalysisInput<'_>) -> Result<AnalysisOutput, AnalyzerError> {
        let policies = self.policies().map(AsRef::as_ref);
        let found = trawl_misconfig::scan_file(input.path, input.content, policies);
        match found {
            Ok(misconfigurations) => Ok(AnalysisOutput {
                misconfigurations,
                ..AnalysisOutput::default()
            }),
            // A manifest-looking file that is not valid YAML is common in images (templates): say so, go on.
            Err(e @ trawl_misconfig::Error::Parse { .. }) => Ok(AnalysisOutput {
                warnings: vec![e.to_string()],
                ..AnalysisOutput::default()
            }),
            Err(e) => Err(AnalyzerError {
                analyzer: DECLARATION.name,
                path: input.path.to_owned(),
                message: e.to_string(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(size: u64) -> FileMeta {
        FileMeta {
            mode: 0o100644,
            size,
        }
    }

    #[test]
    fn required_by_name_only() {
        let a = MisconfigAnalyzer::default();
        for p in [
            "Dockerfile",
            "srv/app/Dockerfile.prod",
            "app/deploy/k8s.yaml",
            "opt/app/manifests/pod.json",
        ] {
            assert!(a.required(p, &meta(100)), "{p}");
        }
        for p in [
            "usr/share/doc/x/Dockerfile.txt",
            "usr/lib/python3/dist-packages/x/data.yaml",
            "srv/app/main.go",
        ] {
            assert!(!a.required(p, &meta(100)), "{p}");
        }
        assert!(!a.required("app/k8s.yaml", &meta(2 << 20)));
        assert!(
            a.required("usr/src/app/Dockerfile", &meta(10)),
            "Dockerfiles anywhere"
        );
    }

    #[test]
    fn analyze_dockerfile_and_manifest() {
        let a = MisconfigAnalyzer::default();
        let df = b"FROM alpine\nRUN apk add curl\n";
        let out = a
            .analyze(&AnalysisInput {
                path: "srv/Dockerfile",
                content: df,
                meta: meta(df.len() as u64),
                limits: Default::default(),
            })
            .expect("analyzes");
        assert!(
            out.misconfigurations
                .iter()
                .any(|m| m.id == "TRAWL-DS-003" && m.start_line == Some(1))
        );
        let k8s = b"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostPID: true\n  containers: [{name: c, image: busybox}]\n";
        let out = a
            .analyze(&AnalysisInput {
                path: "srv/pod.yaml",
                content: k8s,
                meta: meta(k8s.len() as u64),
                limits: Default::default(),
            })
            .expect("analyzes");
        assert!(
            out.misconfigurations
                .iter()
                .any(|m| m.id == "TRAWL-KSV-005" && m.start_line == Some(5))
        );
        let broken = b"apiVersion: v1\nkind: [\n";
        let out = a
            .analyze(&AnalysisInput {
                path: "srv/t.yaml",
                content: broken,
                meta: meta(broken.len() as u64),
                limits: Default::default(),
            })
            .expect("a broken manifest is a warning, not an error");
        assert_eq!(out.warnings.len(), 1);
    }

    #[test]
    fn custom_policies_are_the_analyzers_own() {
        let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../trawl-misconfig/tests/data/rego/policies");
        let policies = Arc::new(Policies::load(&dir).expect("policies load"));
        let custom = MisconfigAnalyzer::new(Arc::clone(&policies), "fingerprint");
        let builtin = MisconfigAnalyzer::default();
        assert_eq!(builtin.version(), CHECKS_VERSION);
        assert_ne!(custom.version(), CHECKS_VERSION);
        assert_eq!(custom.version() & 0xff, CHECKS_VERSION);
        assert!(
            custom.policies().is_some_and(|p| Arc::ptr_eq(p, &policies)),
            "shared, not loaded again"
        );
        let df = b"FROM alpine\nRUN apk upgrade\n";
        let input = AnalysisInput {
            path: "srv/Dockerfile",
            content: df,
            meta: meta(df.len() as u64),
            limits: Default::default(),
        };
        let ids = |a: &MisconfigAnalyzer| -> Vec<String> {
            a.analyze(&input)
                .expect("analyzes")
                .misconfigurations
                .into_iter()
                .map(|m| m.id)
                .collect()
        };
        assert!(ids(&custom).iter().any(|id| id == "ACME-DS-001"));
        assert!(!ids(&builtin).iter().any(|id| id == "ACME-DS-001"));
    }
}
