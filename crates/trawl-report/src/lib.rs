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
    Artifact, ArtifactType, BaselineSummary, CacheStats, FindingKey, GateInfo, ImageLayerStatus,
    ImageStatus, LayerInfo, PolicySummary, Report, ReportFormat, ResultClass, SCHEMA_VERSION,
    ScanResult, SeverityCounts, Tool,
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

/// Renders `report` as `format` into `w`. The one dispatch point for every format.
pub fn render(
    format: ReportFormat,
    report: &Report,
    opts: &RenderOptions,
    w: &mut dyn Write,
) -> Result<(), ReportError> {
    let mut buf = std::io::BufWriter::new(w);
    match format {
        ReportFormat::Table => table::TableRenderer::new(opts).render(&mut buf, report)?,
        ReportFormat::Json => json::JsonRenderer::new(opts).render(&mut buf, report)?,
        ReportFormat::TrivyJson => trivy::TrivyRenderer::new(opts).render(&mut buf, report)?,
        ReportFormat::Sarif => sarif::SarifRenderer::new(opts).render(&mut buf, report)?,
        ReportFormat::Cyclonedx => {
            cyclonedx::CyclonedxRenderer::new(opts).render(&mut buf, report)?
        }
        ReportFormat::SpdxJson => spdx::SpdxRenderer::new(opts).render(&mut buf, report)?,
        ReportFormat::Spdx => spdx::SpdxRenderer::new(opts).render_tag_value(&mut buf, report)?,
        ReportFormat::Markdown => markdown::MarkdownRenderer::new(opts).render(&mut buf, report)?,
        ReportFormat::Junit => junit::JunitRenderer::new(opts).render(&mut buf, report)?,
        ReportFormat::Gitlab => gitlab::GitlabRenderer::new(opts).render(&mut buf, report)?,
    }
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
