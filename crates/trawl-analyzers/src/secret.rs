//! `secret`: credentials in files (`--scanners secret`), with the rules of `trawl-secret`.
//!
//! ## What it detects
//! Cloud keys (AWS, Google), forge and registry tokens (GitHub, GitLab, npm, PyPI, docker `config.json`),
//! Slack and Stripe tokens, private keys, JWTs and generic password assignments; see `trawl-secret`'s rule list.
//! Findings are redacted: the secret is never in the output.
//!
//! ## Files
//! Every regular file, except those whose name says they are binary or compressed (`.so`, `.pyc`, `.jar`,
//! `.gz`, images, fonts...) and those under the allow rules' paths (tests, examples, installed docs), decided
//! from the path alone. Of the files read, binaries (a NUL byte in the first 8 KiB) and files over the size
//! limit (10 MiB by default) are skipped without a scan and say so in [`AnalysisOutput::skipped`].
//!
//! ## Limitations
//! Secrets inside archives and compressed files are not looked for. The image config (`Env`, history) is not
//! a file: the scan command calls [`trawl_secret::scan_image_config`] for it.

use crate::{
    AnalysisInput, AnalysisOutput, Analyzer, AnalyzerError, AnalyzerKind, Declaration, FileMeta,
    RunsIn,
};
use std::sync::Arc;
use trawl_secret::{Scanner, SkipReason};

/// The declaration of the `secret` analyzer (made from the scan's [`crate::Config::secret`]).
pub const DECLARATION: &Declaration = &Declaration {
    name: "secret",
    version: RULES_VERSION,
    kind: AnalyzerKind::Secret,
    runs_in: RunsIn::BOTH,
    always: false,
    lang: None,
    build: |c| Arc::new(c.secret.clone()),
};

/// Output version of the built-in rules; bump when rules change what they find.
const RULES_VERSION: u32 = 1;

/// The `secret` analyzer, with its rules: the built-in ones ([`Default`]) or a rules file's ([`Self::new`]).
/// Cloning shares the compiled rules.
#[derive(Debug, Clone, Default)]
pub struct SecretAnalyzer {
    /// A configured rule set and its fingerprint for the cache key; `None`: the built-in rules.
    rules: Option<Arc<(Scanner, u32)>>,
}

impl SecretAnalyzer {
    /// The analyzer with `scanner`'s rules instead of the built-in ones.
    ///
    /// `fingerprint` identifies the configuration (e.g. the rules file's text): it goes into
    /// [`Analyzer::version`], so cached layer results made with other rules are not reused.
    pub fn new(scanner: Scanner, fingerprint: &str) -> Self {
        // Stable across runs and platforms (the cache key must be).
        let h = trawl_types::hash::Fnv1a::new()
            .update(fingerprint.as_bytes())
            .finish_u32();
        SecretAnalyzer {
            rules: Some(Arc::new((scanner, h))),
        }
    }

    /// The rules in use.
    pub fn scanner(&self) -> &Scanner {
        match self.rules.as_deref() {
            Some((s, _)) => s,
            None => trawl_secret::builtin(),
        }
    }
}

/// File name endings of formats that are binary or compressed: not worth reading.
const SKIP_SUFFIXES: &[&str] = &[
    ".so", ".a", ".o", ".ko", ".pyc", ".pyo", ".class", ".jar", ".war", ".ear", ".whl", ".egg",
    ".zip", ".gz", ".tgz", ".xz", ".bz2", ".zst", ".lz4", ".7z", ".rar", ".deb", ".rpm", ".apk",
    ".png", ".jpg", ".jpeg", ".gif", ".ico", ".bmp", ".webp", ".tif", ".tiff", ".pdf", ".woff",
    ".woff2", ".ttf", ".otf", ".eot", ".mo", ".db", ".sqlite", ".sqlite3", ".wasm", ".node",
    ".mp3", ".mp4", ".ogg", ".wav", ".avi", ".mov", ".dll", ".exe", ".bin", ".dat", ".pack",
    ".idx", ".cache", ".pem.gz", ".svgz", ".ttc", ".icns",
];

/// Whether the path alone says the file is not worth reading.
fn skip_by_name(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    // Shared libraries carry versions after `.so` (`libssl.so.3`).
    if name.contains(".so.") {
        return true;
    }
    let lower_ends = |s: &str| {
        name.len() >= s.len()
            && name.is_char_boundary(name.len() - s.len())
            && name[name.len() - s.len()..].eq_ignore_ascii_case(s)
    };
    SKIP_SUFFIXES.iter().any(|s| lower_ends(s))
        || path.starts_with("usr/share/zoneinfo/")
        || path.starts_with("usr/lib/locale/")
}

impl Analyzer for SecretAnalyzer {
    fn declaration(&self) -> &'static Declaration {
        DECLARATION
    }

    fn version(&self) -> u32 {
        match self.rules.as_deref() {
            None => RULES_VERSION,
            // Keep the built-in version in the low bits so a rules change still invalidates.
            Some((_, h)) => (h & 0xffff_ff00) | RULES_VERSION,
        }
    }

    fn required(&self, path: &str, meta: &FileMeta) -> bool {
        if skip_by_name(path) {
            return false;
        }
        // Files over the limit are still "wanted", so that their skip is counted; `analyze` never looks at
        // their content.
        !matches!(
            self.scanner().skip_by_meta(path, 0),
            Some(SkipReason::AllowedPath)
        ) && meta.size > 0
    }

    fn analyze(&self, input: &AnalysisInput<'_>) -> Result<AnalysisOutput, AnalyzerError> {
        let scanner = self.scanner();
        let size = input.meta.size.max(input.content.len() as u64);
        let skip = if size > scanner.max_file_size() {
            Some(SkipReason::TooLarge)
        } else if trawl_secret::is_binary(input.content) {
            Some(SkipReason::Binary)
        } else {
            None
        };
        if let Some(reason) = skip {
            return Ok(AnalysisOutput {
                skipped: Some(reason.as_str().to_owned()),
                ..AnalysisOutput::default()
            });
        }
        let out = scanner.scan_file(input.path, input.content);
        Ok(AnalysisOutput {
            secrets: out.findings,
            ..AnalysisOutput::default()
        })
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
        let a = SecretAnalyzer::default();
        for p in [
            "app/.env",
            "root/.aws/credentials",
            "etc/ssl/private/server.key",
            "srv/app/config.json",
            "usr/bin/run",
        ] {
            assert!(a.required(p, &meta(100)), "{p}");
        }
        for p in [
            "usr/lib/x86_64-linux-gnu/libssl.so.3",
            "usr/lib/python3.11/__pycache__/os.cpython-311.pyc",
            "opt/app/lib/guava.jar",
            "usr/share/zoneinfo/Europe/Paris",
            "usr/share/doc/bash/README",
            "srv/app/tests/keys.txt",
            "srv/app/logo.PNG",
        ] {
            assert!(!a.required(p, &meta(100)), "{p}");
        }
        assert!(!a.required("app/empty.env", &meta(0)));
        assert!(
            a.required("srv/huge.log", &meta(1 << 40)),
            "huge files are wanted so their skip is counted"
        );
    }

    #[test]
    fn analyze_finds_redacts_and_counts_skips() {
        let a = SecretAnalyzer::default();
        let token = format!("ghp_{}", "aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5");
        let text = format!("# ci\nexport GH_TOKEN={token}\n");
        let input = AnalysisInput {
            path: "app/.env",
            content: text.as_bytes(),
            meta: meta(text.len() as u64),
            limits: Default::default(),
        };
        let out = a.analyze(&input).expect("analyzes");
        assert_eq!(out.secrets.len(), 1);
        assert_eq!(
            (out.secrets[0].rule_id.as_str(), out.secrets[0].start_line),
            ("github-pat", 2)
        );
        assert!(!out.secrets[0].redacted_match.contains(&token));
        assert_eq!(out.skipped, None);

        let bin = b"\x7fELF\x02\x01\x01\0ghp_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5";
        let input = AnalysisInput {
            path: "usr/bin/x",
            content: bin,
            meta: meta(bin.len() as u64),
            limits: Default::default(),
        };
        let out = a.analyze(&input).expect("analyzes");
        assert_eq!(
            (out.secrets.len(), out.skipped.as_deref()),
            (0, Some("binary"))
        );

        let input = AnalysisInput {
            path: "srv/huge.log",
            content: b"",
            meta: meta(64 << 20),
            limits: Default::default(),
        };
        assert_eq!(
            a.analyze(&input).expect("analyzes").skipped.as_deref(),
            Some("too-large")
        );
    }

    #[test]
    fn configured_rules_are_the_analyzers_own() {
        let builtin = SecretAnalyzer::default();
        let small = SecretAnalyzer::new(Scanner::builtin().with_max_file_size(10), "small");
        let other = SecretAnalyzer::new(Scanner::builtin().with_max_file_size(10), "other");
        // Each value has its own rules and cache version; none changes another (no process-wide state).
        assert_eq!(builtin.version(), RULES_VERSION);
        assert_ne!(small.version(), builtin.version());
        assert_ne!(small.version(), other.version());
        assert_eq!(small.version() & 0xff, RULES_VERSION);
        let text = b"nothing secret in this file\n";
        let input = AnalysisInput {
            path: "srv/notes.txt",
            content: text,
            meta: meta(text.len() as u64),
            limits: Default::default(),
        };
        assert_eq!(
            small.analyze(&input).expect("analyzes").skipped.as_deref(),
            Some("too-large")
        );
        assert_eq!(builtin.analyze(&input).expect("analyzes").skipped, None);
        // The declaration makes the configured analyzer.
        let config = crate::Config {
            secret: small.clone(),
            ..Default::default()
        };
        assert_eq!(DECLARATION.analyzer(&config).version(), small.version());
    }
}
