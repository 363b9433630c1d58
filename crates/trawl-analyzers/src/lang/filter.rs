//! `--skip-dirs`, `--skip-files` and `--file-patterns`: which paths the walker hands to which analyzer.

use crate::{
    AnalysisInput, AnalysisOutput, Analyzer, AnalyzerError, AnalyzerKind, Declaration, FileMeta,
};
use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use regex::Regex;
use std::sync::Arc;

/// A bad `--skip-dirs`/`--skip-files` glob or `--file-patterns` entry.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PathFilterError {
    /// A glob does not compile.
    #[error("invalid glob `{glob}`: {cause}")]
    Glob {
        /// The glob as given.
        glob: String,
        /// Why (its text is part of this error's message, so it is not exposed as `source()`: a chain would print it twice).
        cause: globset::Error,
    },
    /// A `--file-patterns` entry is not `analyzer:regex`, names no analyzer, or its regex does not compile.
    #[error("invalid file pattern `{pattern}`: {reason}")]
    FilePattern {
        /// The entry as given.
        pattern: String,
        /// Why.
        reason: String,
    },
}

/// Path selection from the command line.
///
/// Paths are relative to the scan root without a leading `/` (as the layer walker gives them); globs may be given
/// with a leading `/` or `./`, which is ignored. Globs follow `globset` syntax with `*` not crossing `/` and `**`
/// matching any number of directories. A skipped directory skips everything below it; a skipped file is never
/// analysed.
///
/// `--file-patterns` entries are `ANALYZER:REGEX` (Trivy's syntax): the regex (matched against the path) adds
/// files to what the analyzer wants, e.g. `python/requirements:requirements/.*\.in` or, with Trivy's type names,
/// `pip:requirements-.*\.txt`.
#[derive(Debug, Clone, Default)]
pub struct PathFilter {
    skip_dirs: Option<GlobSet>,
    skip_files: Option<GlobSet>,
    patterns: Vec<(&'static str, Regex)>,
}

fn normalise(p: &str) -> &str {
    let mut p = p.trim();
    loop {
        if let Some(r) = p.strip_prefix("./") {
            p = r;
        } else if let Some(r) = p.strip_prefix('/') {
            p = r;
        } else {
            break;
        }
    }
    p.trim_end_matches('/')
}

fn globset(globs: &[String]) -> Result<Option<GlobSet>, PathFilterError> {
    if globs.is_empty() {
        return Ok(None);
    }
    let mut b = GlobSetBuilder::new();
    for g in globs {
        let glob: Glob = GlobBuilder::new(normalise(g))
            .literal_separator(true)
            .build()
            .map_err(|cause| PathFilterError::Glob {
                glob: g.clone(),
                cause,
            })?;
        b.add(glob);
    }
    b.build().map(Some).map_err(|cause| PathFilterError::Glob {
        glob: globs.join(","),
        cause,
    })
}

impl PathFilter {
    /// Builds the filter from `--skip-dirs`, `--skip-files` and `--file-patterns` values.
    pub fn new(
        skip_dirs: &[String],
        skip_files: &[String],
        file_patterns: &[String],
    ) -> Result<Self, PathFilterError> {
        let mut patterns = Vec::new();
        for fp in file_patterns {
            let bad = |reason: String| PathFilterError::FilePattern {
                pattern: fp.clone(),
                reason,
            };
            let (kind, re) = fp
                .split_once(':')
                .ok_or_else(|| bad("expected ANALYZER:REGEX".into()))?;
            let name = crate::find_file_pattern(kind)
                .map(|d| d.name)
                .ok_or_else(|| bad(format!("no analyzer named `{kind}`")))?;
            let re = Regex::new(re).map_err(|e| bad(e.to_string()))?;
            patterns.push((name, re));
        }
        Ok(PathFilter {
            skip_dirs: globset(skip_dirs)?,
            skip_files: globset(skip_files)?,
            patterns,
        })
    }

    /// Whether `path` (a file) is excluded by `--skip-files` or lies under a `--skip-dirs` directory.
    pub fn is_skipped(&self, path: &str) -> bool {
        let path = normalise(path);
        if let Some(files) = &self.skip_files
            && files.is_match(path)
        {
            return true;
        }
        if let Some(dirs) = &self.skip_dirs {
            let mut end = 0;
            while let Some(i) = path[end..].find('/') {
                end += i;
                if dirs.is_match(&path[..end]) {
                    return true;
                }
                end += 1;
            }
        }
        false
    }

    /// Whether `path` is a directory excluded by `--skip-dirs` (lets a directory walker prune early).
    pub fn is_skipped_dir(&self, dir: &str) -> bool {
        let dir = normalise(dir);
        self.skip_dirs.as_ref().is_some_and(|d| d.is_match(dir))
            || self.is_skipped(&format!("{dir}/x"))
    }

    /// Whether a `--file-patterns` entry adds `path` to what `analyzer` wants.
    pub fn pattern_wants(&self, analyzer: &str, path: &str) -> bool {
        self.patterns
            .iter()
            .any(|(n, re)| *n == analyzer && re.is_match(path))
    }

    /// The full selection: not skipped, and wanted by the analyzer itself or by a `--file-patterns` entry.
    pub fn wants(&self, analyzer: &dyn Analyzer, path: &str, meta: &FileMeta) -> bool {
        !self.is_skipped(path)
            && (analyzer.required(path, meta)
                || self.pattern_wants(analyzer.declaration().name, path))
    }
}

/// An analyzer seen through a [`PathFilter`] (`--skip-dirs`, `--skip-files`, `--file-patterns`). Its name carries
/// a stable digest of the filter's command-line key, so the layer cache never serves results computed under
/// another filter; its declaration (type, grouping) is the wrapped analyzer's.
pub struct Filtered {
    inner: Arc<dyn Analyzer>,
    filter: Arc<PathFilter>,
    name: String,
}

impl Filtered {
    /// Wraps `inner`; `key` identifies the filter (the flags' values as given): it goes into the name, hence the
    /// layer cache key, as `NAME[filter:FNV1A-64-HEX]`.
    pub fn new(inner: Arc<dyn Analyzer>, filter: Arc<PathFilter>, key: &str) -> Filtered {
        // A stable hash: the name is part of the layer cache key.
        let h = trawl_types::hash::Fnv1a::new().update(key.as_bytes()).hex();
        let name = format!("{}[filter:{h}]", inner.name());
        Filtered {
            inner,
            filter,
            name,
        }
    }
}

impl std::fmt::Debug for Filtered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Filtered")
            .field("name", &self.name)
            .field("filter", &self.filter)
            .finish_non_exhaustive()
    }
}

impl Analyzer for Filtered {
    fn declaration(&self) -> &'static Declaration {
        self.inner.declaration()
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn version(&self) -> u32 {
        self.inner.version()
    }
    fn kind(&self) -> AnalyzerKind {
        self.inner.kind()
    }
    fn required(&self, path: &str, meta: &FileMeta) -> bool {
        self.filter.wants(self.inner.as_ref(), path, meta)
    }
    fn analyze(&self, input: &AnalysisInput<'_>) -> Result<AnalysisOutput, AnalyzerError> {
        self.inner.analyze(input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| (*x).to_owned()).collect()
    }

    #[test]
    fn skip_dirs_and_files() {
        let f = PathFilter::new(
            &s(&["/usr/lib/node_modules", "**/test"]),
            &s(&["./app/*.lock"]),
            &[],
        )
        .expect("valid globs");
        assert!(f.is_skipped("usr/lib/node_modules/npm/package.json"));
        assert!(!f.is_skipped("usr/lib/node_modules_x/package.json"));
        assert!(f.is_skipped("src/a/test/x.json"));
        assert!(f.is_skipped("app/yarn.lock"));
        assert!(!f.is_skipped("app/sub/yarn.lock"), "`*` does not cross `/`");
        assert!(f.is_skipped_dir("/usr/lib/node_modules"));
        assert!(!f.is_skipped_dir("usr/lib"));
    }

    #[test]
    fn file_patterns() {
        let f = PathFilter::new(&[], &[], &s(&["pip:reqs/.*\\.in$", "go/mod:custom\\.mod$"]))
            .expect("valid");
        assert!(f.pattern_wants("python/requirements", "app/reqs/base.in"));
        assert!(!f.pattern_wants("python/requirements", "app/reqs/base.txt"));
        assert!(f.pattern_wants("go/mod", "x/custom.mod"));
        let meta = FileMeta {
            mode: 0o100_644,
            size: 10,
        };
        assert!(f.wants(
            &super::super::PYTHON_REQUIREMENTS,
            "app/reqs/base.in",
            &meta
        ));
        assert!(PathFilter::new(&[], &[], &s(&["nope:x"])).is_err());
        assert!(PathFilter::new(&[], &[], &s(&["pip"])).is_err());
        assert!(PathFilter::new(&[], &[], &s(&["pip:("])).is_err());
        assert!(PathFilter::new(&s(&["a/[b"]), &[], &[]).is_err());
    }

    #[test]
    fn filtered_analyzers_are_renamed_by_a_stable_digest_of_the_filter() {
        let filter = Arc::new(
            PathFilter::new(&s(&["vendor"]), &[], &s(&["pip:reqs/.*\\.in$"])).expect("valid"),
        );
        let inner: Arc<dyn Analyzer> = Arc::new(super::super::PYTHON_REQUIREMENTS);
        let f = Filtered::new(Arc::clone(&inner), Arc::clone(&filter), "key");
        // The layer cache key takes the name: the same filter key gives the same name in every run.
        assert_eq!(f.name(), "python/requirements[filter:3dc94a19365b10ec]");
        assert_eq!(f.declaration().name, "python/requirements");
        assert_eq!((f.version(), f.kind()), (inner.version(), inner.kind()));
        let meta = FileMeta {
            mode: 0o100_644,
            size: 10,
        };
        assert!(
            f.required("app/reqs/base.in", &meta),
            "a --file-patterns file"
        );
        assert!(f.required("app/requirements.txt", &meta));
        assert!(!f.required("vendor/requirements.txt", &meta), "skipped dir");
        assert!(!inner.required("app/reqs/base.in", &meta));
    }
}
