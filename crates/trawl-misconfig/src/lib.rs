//! Misconfiguration checks: Dockerfiles, Kubernetes manifests and image configs, plus custom Rego policies.
//!
//! - [`scan_file`] detects a file's kind from its name and content ([`detect`]) and runs the built-in checks
//!   (`TRAWL-DS-*` for Dockerfiles, `TRAWL-KSV-*` for Kubernetes workloads) and the custom policies, if any.
//! - [`check_image_config`] runs the `TRAWL-IMG-*` checks on an image config.
//! - [`scan_path`] walks a directory (`trawl config PATH`).
//! - With the default `rego` feature, [`Policies`] loads `*.rego` files and evaluates their `deny` rules; the
//!   README documents the input each policy sees.
//!
//! The catalog of checks, with stable IDs, is [`checks::ALL`].
#![warn(missing_docs)]

pub mod checks;
pub mod dockerfile;
mod image_config;
pub mod kubernetes;
#[cfg(feature = "rego")]
mod rego;

pub use image_config::{IMAGE_CONFIG_PATH, check_image_config, dockerfile_from_history};
#[cfg(feature = "rego")]
pub use rego::Policies;

use serde_json::{Value, json};
use std::path::Path;
use trawl_types::{ConfigFileType, Misconfiguration};

/// Errors of misconfiguration scanning. Each names the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or directory could not be read.
    #[error("cannot read {path}")]
    Read {
        /// The path.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A manifest is not valid YAML/JSON.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: String,
        /// What is wrong, with the line.
        message: String,
    },
    /// A Rego policy failed to load or evaluate (the message has the policy file's line and column).
    #[error("policy {path}: {message}")]
    Policy {
        /// The policy file.
        path: String,
        /// The interpreter's message.
        message: String,
    },
}

/// The kinds of file checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// A Dockerfile / Containerfile.
    Dockerfile,
    /// A Kubernetes manifest (YAML or JSON).
    Kubernetes,
}

impl FileKind {
    /// `dockerfile` or `kubernetes` (the `file_type` of findings).
    pub fn as_str(self) -> &'static str {
        self.file_type().as_str()
    }

    /// The `file_type` of its findings.
    pub fn file_type(self) -> ConfigFileType {
        match self {
            FileKind::Dockerfile => ConfigFileType::Dockerfile,
            FileKind::Kubernetes => ConfigFileType::Kubernetes,
        }
    }
}

/// Whether the file name alone makes the file a candidate (no I/O): Dockerfiles and YAML/JSON files.
pub fn is_candidate(path: &str) -> bool {
    dockerfile_name(path) || yaml_or_json_name(path)
}

fn dockerfile_name(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    name == "dockerfile"
        || name == "containerfile"
        || name.starts_with("dockerfile.")
        || name.starts_with("containerfile.")
        || name.ends_with(".dockerfile")
        || name.ends_with(".containerfile")
}

fn yaml_or_json_name(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".json")
}

/// The kind of a file, from its name and (for YAML/JSON) a cheap look at its content.
pub fn detect(path: &str, content: &[u8]) -> Option<FileKind> {
    if dockerfile_name(path) {
        return Some(FileKind::Dockerfile);
    }
    if yaml_or_json_name(path) {
        let has = |needle: &[u8]| content.windows(needle.len()).any(|w| w == needle);
        if has(b"apiVersion") && has(b"kind") {
            return Some(FileKind::Kubernetes);
        }
    }
    None
}

/// The Rego input for a Dockerfile (see the README).
pub fn dockerfile_input(path: &str, instructions: &[dockerfile::Instruction]) -> Value {
    json!({ "path": path, "instructions": instructions })
}

/// Scans one file: built-in checks, then the custom policies (if any). `Ok(vec![])` for files of no known kind.
pub fn scan_file(
    path: &str,
    content: &[u8],
    #[cfg(feature = "rego")] policies: Option<&Policies>,
) -> Result<Vec<Misconfiguration>, Error> {
    let Some(kind) = detect(path, content) else {
        return Ok(Vec::new());
    };
    let text = std::str::from_utf8(content).map_err(|e| Error::Parse {
        path: path.to_owned(),
        message: format!("not UTF-8: {e}"),
    })?;
    match kind {
        FileKind::Dockerfile => {
            let ins = dockerfile::parse(text);
            #[allow(unused_mut, reason = "extended when the rego feature is on")]
            let mut out = dockerfile::check(path, &ins);
            #[cfg(feature = "rego")]
            if let Some(p) = policies {
                out.extend(p.evaluate(
                    path,
                    kind.file_type(),
                    &dockerfile_input(path, &ins),
                    None,
                )?);
            }
            Ok(out)
        }
        FileKind::Kubernetes => {
            let objects = kubernetes::parse(path, text)?;
            let objects: Vec<_> = objects
                .into_iter()
                .filter(|o| kubernetes::is_object(&o.value))
                .collect();
            #[allow(unused_mut, reason = "extended when the rego feature is on")]
            let mut out = kubernetes::check(path, text, &objects);
            #[cfg(feature = "rego")]
            if let Some(p) = policies {
                for o in &objects {
                    out.extend(p.evaluate(
                        path,
                        kind.file_type(),
                        &o.value,
                        Some((o.start_line, o.end_line)),
                    )?);
                }
            }
            Ok(out)
        }
    }
}

/// What [`scan_path`] found.
#[derive(Debug, Default)]
pub struct PathScan {
    /// Failed checks, by file then line.
    pub misconfigurations: Vec<Misconfiguration>,
    /// Files checked, with their kind.
    pub files: Vec<(String, FileKind)>,
    /// Files that could not be checked (unreadable, invalid YAML...): the scan went on.
    pub errors: Vec<Error>,
}

/// Directories never descended into.
const SKIP_DIRS: &[&str] = &[
    ".git",
    "node_modules",
    "target",
    ".venv",
    "vendor",
    "__pycache__",
];

/// Checks a file or every candidate file under a directory. Paths in findings are relative to `root` (or the
/// file name given). Policy errors stop the scan (they are the user's to fix); file errors do not.
pub fn scan_path(
    root: &Path,
    #[cfg(feature = "rego")] policies: Option<&Policies>,
) -> Result<PathScan, Error> {
    let mut files = Vec::new();
    if root.is_file() {
        files.push((root.to_owned(), root.display().to_string()));
    } else {
        let mut stack = vec![root.to_owned()];
        while let Some(dir) = stack.pop() {
            let rd = std::fs::read_dir(&dir).map_err(|source| Error::Read {
                path: dir.display().to_string(),
                source,
            })?;
            for e in rd.filter_map(Result::ok) {
                let p = e.path();
                let Ok(ft) = e.file_type() else { continue };
                let name = e.file_name().to_string_lossy().into_owned();
                if ft.is_dir() {
                    if !SKIP_DIRS.contains(&name.as_str()) {
                        stack.push(p);
                    }
                } else if ft.is_file() {
                    let rel = p
                        .strip_prefix(root)
                        .unwrap_or(&p)
                        .to_string_lossy()
                        .replace('\\', "/");
                    if is_candidate(&rel) {
                        files.push((p, rel));
                    }
                }
            }
        }
    }
    files.sort_by(|a, b| a.1.cmp(&b.1));
    let mut out = PathScan::default();
    for (p, rel) in files {
        let content = match std::fs::read(&p) {
            Ok(c) => c,
            Err(source) => {
                out.errors.push(Error::Read {
                    path: p.display().to_string(),
                    source,
                });
                continue;
            }
        };
        let Some(kind) = detect(&rel, &content) else {
            continue;
        };
        match scan_file(
            &rel,
            &content,
            #[cfg(feature = "rego")]
            policies,
        ) {
            Ok(found) => {
                out.files.push((rel, kind));
                out.misconfigurations.extend(found);
            }
            Err(e @ Error::Policy { .. }) => return Err(e),
            Err(e) => out.errors.push(e),
        }
    }
    Ok(out)
}
