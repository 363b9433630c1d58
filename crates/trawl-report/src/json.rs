//! `--format json`: trawl's native report, the serde serialisation of [`Report`] (pretty-printed).

use crate::{RenderOptions, Report, ReportError, ReportFormat};
use std::io::Write;

/// Writes the native JSON report.
pub(crate) struct JsonRenderer;

impl JsonRenderer {
    pub(crate) fn new(_opts: &RenderOptions) -> Self {
        JsonRenderer
    }

    pub(crate) fn render(&self, w: &mut dyn Write, report: &Report) -> Result<(), ReportError> {
        serde_json::to_writer_pretty(&mut *w, report).map_err(|source| ReportError::Serialize {
            format: ReportFormat::Json,
            source,
        })?;
        writeln!(w).map_err(|source| ReportError::Write {
            format: ReportFormat::Json,
            source,
        })
    }
}
