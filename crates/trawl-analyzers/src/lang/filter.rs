//! `--skip-dirs`, `--skip-files` and `--file-patterns`: which paths the walker hands to which analyzer.

use crate::{Analyzer, FileMeta};
use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use regex::Regex;

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

/// Trivy's `--file-patterns` type names -> our analyzer names.
const TRIVY_TYPES: &[(&str, &str)] = &[
    ("npm", "node/package-lock"),
    ("yarn", "node/yarn-lock"),
    ("pnpm", "node/pnpm-lock"),
    ("bun", "node/bun-lock"),
    ("node-pkg", "node/package-json"),
    ("pip", "python/requirements"),
    ("pipenv", "python/pipfile-lock"),
    ("poetry", "python/poetry-lock"),
    ("uv", "python/uv-lock"),
    ("pdm", "python/pdm-lock"),
    ("python-pkg", "python/dist-info"),
    ("gomod", "go/mod"),
    ("gobinary", "go/binary"),
    ("cargo", "rust/cargo-lock"),
    ("rustbinary", "rust/auditable-binary"),
    ("jar", "java/archive"),
    ("pom", "java/pom"),
    ("gradle-lockfile", "java/gradle-lockfile"),
    ("bundler", "ruby/gemfile-lock"),
    ("gemspec", "ruby/gemspec"),
    ("composer", "php/composer-lock"),
    ("composer-vendor", "php/installed-json"),
    ("dotnet-deps", "dotnet/deps-json"),
    ("nuget", "dotnet/packages-lock"),
    ("packages-props", "dotnet/packages-props"),
    ("packages-config", "dotnet/packages-config"),
    ("pylock", "python/pylock"),
    ("sbt", "java/sbt-lock"),
    ("conan-lock", "conan/lock"),
    ("pub", "dart/pubspec-lock"),
    ("mix-lock", "elixir/mix-lock"),
    ("swift", "swift/package-resolved"),
    ("cocoapods", "cocoapods/podfile-lock"),
];

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
            let name = TRIVY_TYPES
                .iter()
                .find(|(t, _)| *t == kind)
                .map(|(_, n)| *n)
                .or_else(|| crate::ALL.iter().map(|a| a.name()).find(|n| *n == kind))
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
            && (analyzer.required(path, meta) || self.pattern_wants(analyzer.name(), path))
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
}
