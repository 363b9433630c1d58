//! Client mode (`trawl image REF --server URL`): the image is analysed here (with the local layer cache), its
//! inventory is sent to a `trawl server` (`POST /api/trawl/v1/match`), which matches it against its DB and
//! answers the report.

use crate::scan::stored::StoredImage;
use crate::settings::Settings;
use anyhow::{Context, bail};
use trawl_report::Report;
use trawl_source::SourceSpec;

/// Largest report read from the server.
const MAX_REPORT: u64 = 1 << 30;

/// Analyses `spec` and has the server at `server` match it.
pub(crate) fn match_on_server(
    name: &str,
    spec: &SourceSpec,
    server: &str,
    token: Option<&str>,
    settings: &Settings,
) -> anyhow::Result<Report> {
    let (image, analyzed) =
        super::analyse_source(name, spec, settings, super::file_cache(settings)?)?;
    let (base, _) = super::base::find(&image, spec, settings);
    let body = serde_json::to_vec(&StoredImage::from_analysis(name, image, analyzed, base))?;
    let url = format!(
        "{}/api/trawl/v1/match?format=json",
        server.trim_end_matches('/')
    );
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(std::time::Duration::from_secs(600)))
        .build()
        .into();
    let mut req = agent.post(&url).header("Content-Type", "application/json");
    if let Some(t) = token {
        req = req.header("Authorization", format!("Bearer {t}"));
    }
    let mut resp = req
        .send(&body[..])
        .with_context(|| format!("cannot reach the trawl server {server}"))?;
    let status = resp.status();
    let text = resp
        .body_mut()
        .with_config()
        .limit(MAX_REPORT)
        .read_to_string()
        .with_context(|| format!("reading the answer of {server}"))?;
    if !status.is_success() {
        let message = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
            .unwrap_or(text);
        bail!("the trawl server {server} answered {status}: {message}");
    }
    tracing::info!("{name}: matched by {server}");
    let mut report: Report =
        serde_json::from_str(&text).with_context(|| format!("{server}: not a trawl report"))?;
    apply_local_policy(&mut report, settings)?;
    Ok(report)
}

/// The server matches with its own policy; the client's (`--severity`, `--ignore-unfixed`, `--ignore-status`,
/// the ignore file, VEX, `--ignore-base`/`--only-base`) is applied here to what it answered, as a local scan
/// would.
fn apply_local_policy(report: &mut Report, settings: &Settings) -> anyhow::Result<()> {
    let policy = settings.policy()?;
    for r in &mut report.results {
        let findings = std::mem::take(&mut r.vulnerabilities);
        super::keep_vulns(r, findings, &policy, settings.show_suppressed);
    }
    report.policy = super::policy_summary(settings, &policy);
    let base = report.artifact.base_image.take();
    super::base::apply(report, base, settings);
    Ok(())
}
