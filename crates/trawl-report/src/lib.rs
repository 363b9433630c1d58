//! The report model and one renderer per output format.
//!
//! A [`Report`] is built once per scan (by the `trawl` binary) and rendered in any number of formats with the single
//! dispatch function [`render`]. The native JSON format *is* the serde serialisation of [`Report`]; every other
//! format (Trivy JSON v2, SARIF 2.1.0, CycloneDX 1.6, SPDX 2.3 JSON and tag-value, Markdown, JUnit XML, GitLab dependency scanning, the
//! human table) is a view of the same model, so several formats written in one run carry identical findings.
#![warn(missing_docs)]

mod cyclonedx;
mod gitlab;
mod json;
mod junit;
mod markdown;
mod model;
mod sarif;
mod spdx;
mod table;
mod trivy;
mod util;

pub use model::{
    Artifact, ArtifactType, BaselineSummary, CacheStats, Failing, FindingKey, GateInfo,
    ImageLayerStatus, ImageOutcome, ImageStatus, LayerInfo, PolicySummary, Report, ReportFormat,
    ResultClass, SCHEMA_VERSION, ScanResult, SeverityCounts, Tool,
};

use std::io::Write;

/// How to render (what the format-independent flags ask for).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// List every package, not only vulnerable ones (`--list-all-pkgs`; trivy-json `Packages`, table inventory).
    pub list_all_pkgs: bool,
    /// Which findings fail the build: the markdown summary lists those first. `None` = nothing fails.
    pub gate: Option<GateInfo>,
    /// Colour the table (only when writing to a terminal and `NO_COLOR` is unset).
    pub color: bool,
    /// Show suppressed findings in human formats (`--show-suppressed`).
    pub show_suppressed: bool,
}

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// Writing the output failed (a full disk, a closed pipe: check `source.kind()` for `BrokenPipe`).
    #[error("cannot write the {format} report")]
    Write {
        /// The format being written.
        format: ReportFormat,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Serialising the report failed.
    #[error("cannot serialise the {format} report")]
    Serialize {
        /// The format being written.
        format: ReportFormat,
        /// The serialiser's error.
        #[source]
        source: serde_json::Error,
    },
    /// A format name that trawl does not know.
    #[error(
        "unknown report format `{0}` (expected one of: table, json, trivy-json, sarif, cyclonedx, spdx-json, \
         spdx, markdown, junit, gitlab)"
    )]
    UnknownFormat(String),
}

impl ReportError {
    /// Whether the error is a closed pipe (the reader went away: not a failure of the scan).
    pub fn is_broken_pipe(&self) -> bool {
        match self {
            ReportError::Write { source, .. } => source.kind() == std::io::ErrorKind::BrokenPipe,
            ReportError::Serialize { source, .. } => {
                source.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe)
            }
            ReportError::UnknownFormat(_) => false,
        }
    }
}

/// Renders one format.
pub type Renderer = fn(&RenderOptions, &Report, &mut dyn Write) -> Result<(), ReportError>;

/// One report format, declared once: adding a format is a [`ReportFormat`] variant, its renderer file, and a row
/// here (names, extension, SBOM or not, renderer); `FromStr`, `Display`, [`ReportFormat::ALL`] and [`render`] read
/// this table.
#[derive(Debug)]
pub struct FormatSpec {
    /// The variant.
    pub format: ReportFormat,
    /// The name on the command line (`--format NAME`).
    pub name: &'static str,
    /// Other accepted names (case-insensitive, as the name).
    pub aliases: &'static [&'static str],
    /// Usual file extension.
    pub extension: &'static str,
    /// An SBOM format: alone, the scan needs no scanner (as Trivy).
    pub sbom: bool,
    /// The renderer.
    pub render: Renderer,
}

/// Every format, in the order `--help` lists them.
pub const FORMATS: [FormatSpec; 10] = [
    FormatSpec {
        format: ReportFormat::Table,
        name: "table",
        aliases: &[],
        extension: "txt",
        sbom: false,
        render: |o, r, w| table::TableRenderer::new(o).render(w, r),
    },
    FormatSpec {
        format: ReportFormat::Json,
        name: "json",
        aliases: &[],
        extension: "json",
        sbom: false,
        render: |o, r, w| json::JsonRenderer::new(o).render(w, r),
    },
    FormatSpec {
        format: ReportFormat::TrivyJson,
        name: "trivy-json",
        aliases: &["trivy"],
        extension: "trivy.json",
        sbom: false,
        render: |o, r, w| trivy::TrivyRenderer::new(o).render(w, r),
    },
    FormatSpec {
        format: ReportFormat::Sarif,
        name: "sarif",
        aliases: &[],
        extension: "sarif",
        sbom: false,
        render: |o, r, w| sarif::SarifRenderer::new(o).render(w, r),
    },
    FormatSpec {
        format: ReportFormat::Cyclonedx,
        name: "cyclonedx",
        aliases: &["cdx", "cyclonedx-json"],
        extension: "cdx.json",
        sbom: true,
        render: |o, r, w| cyclonedx::CyclonedxRenderer::new(o).render(w, r),
    },
    FormatSpec {
        format: ReportFormat::SpdxJson,
        name: "spdx-json",
        aliases: &["spdxjson"],
        extension: "spdx.json",
        sbom: true,
        render: |o, r, w| spdx::SpdxRenderer::new(o).render(w, r),
    },
    FormatSpec {
        format: ReportFormat::Spdx,
        name: "spdx",
        aliases: &["spdx-tag-value", "spdx-tv"],
        extension: "spdx",
        sbom: true,
        render: |o, r, w| spdx::SpdxRenderer::new(o).render_tag_value(w, r),
    },
    FormatSpec {
        format: ReportFormat::Markdown,
        name: "markdown",
        aliases: &["md", "gfm"],
        extension: "md",
        sbom: false,
        render: |o, r, w| markdown::MarkdownRenderer::new(o).render(w, r),
    },
    FormatSpec {
        format: ReportFormat::Junit,
        name: "junit",
        aliases: &[],
        extension: "junit.xml",
        sbom: false,
        render: |o, r, w| junit::JunitRenderer::new(o).render(w, r),
    },
    FormatSpec {
        format: ReportFormat::Gitlab,
        name: "gitlab",
        aliases: &["gitlab-dependency-scanning"],
        extension: "gl-dependency-scanning.json",
        sbom: false,
        render: |o, r, w| gitlab::GitlabRenderer::new(o).render(w, r),
    },
];

/// Renders `report` as `format` into `w`.
pub fn render(
    format: ReportFormat,
    report: &Report,
    opts: &RenderOptions,
    w: &mut dyn Write,
) -> Result<(), ReportError> {
    let mut buf = std::io::BufWriter::new(w);
    (format.spec().render)(opts, report, &mut buf)?;
    buf.flush()
        .map_err(|source| ReportError::Write { format, source })
}

/// Renders `report` as `format` into a `String` (tests, `$GITHUB_STEP_SUMMARY`).
pub fn render_to_string(
    format: ReportFormat,
    report: &Report,
    opts: &RenderOptions,
) -> Result<String, ReportError> {
    let mut out = Vec::new();
    render(format, report, opts, &mut out)?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod format_table_tests {
    use super::{FORMATS, ReportFormat};

    /// Each variant has exactly one row, and no two rows share a name or alias.
    #[test]
    fn every_format_is_declared_once() {
        // A new variant fails to compile here until it is listed, then fails below until it has a row.
        let covered = |f: ReportFormat| match f {
            ReportFormat::Table
            | ReportFormat::Json
            | ReportFormat::TrivyJson
            | ReportFormat::Sarif
            | ReportFormat::Cyclonedx
            | ReportFormat::SpdxJson
            | ReportFormat::Spdx
            | ReportFormat::Markdown
            | ReportFormat::Junit
            | ReportFormat::Gitlab => f,
        };
        for f in ReportFormat::ALL {
            let f = covered(f);
            assert_eq!(FORMATS.iter().filter(|s| s.format == f).count(), 1, "{f:?}");
            assert_eq!(f.spec().format, f);
            assert_eq!(f.as_str().parse::<ReportFormat>().ok(), Some(f));
        }
        let mut names: Vec<&str> = FORMATS
            .iter()
            .flat_map(|s| std::iter::once(s.name).chain(s.aliases.iter().copied()))
            .collect();
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n, "a name or alias is used twice");
        assert_eq!(
            " CDX ".parse::<ReportFormat>().ok(),
            Some(ReportFormat::Cyclonedx)
        );
        assert!("xml".parse::<ReportFormat>().is_err());
    }
}
