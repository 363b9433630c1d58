//! The HTTP routes: Harbor's API under `/api/v1`, trawl's own under `/api/trawl/v1`, and `/healthz`, `/readyz`,
//! `/metrics`. Every error is Harbor's `{"error":{"message":...}}`; no handler panics on input, and no message
//! carries a credential.

use crate::harbor::{self, Artifact};
use crate::queue::{JobMessage, JobRequest};
use crate::store::JobState;
use crate::{Credentials, ImageTarget, State};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, Request, State as AxState};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use std::collections::HashMap;
use std::sync::Arc;
use trawl_report::{RenderOptions, Report, ReportFormat};

/// Seconds a client is told to wait before asking for a report again.
const REFRESH_AFTER: &str = "5";
/// Largest request body (an SBOM or an inventory).
const MAX_BODY: usize = 64 << 20;

/// An error response.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
        }
    }
    fn internal(context: &str, e: &anyhow::Error) -> Self {
        tracing::warn!("{context}: {e:#}");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, format!("{context}: {e}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({"error": {"message": self.message}}).to_string();
        (
            self.status,
            [(header::CONTENT_TYPE, harbor::ERROR_MIME)],
            body,
        )
            .into_response()
    }
}

type Shared = Arc<State>;

/// The router of one replica.
pub fn router(state: Shared) -> Router {
    let api = Router::new()
        .route("/api/v1/metadata", get(metadata))
        .route("/api/v1/scan", post(harbor_scan))
        .route("/api/v1/scan/{id}/report", get(harbor_report))
        .route("/api/trawl/v1/scans", post(native_scan))
        .route("/api/trawl/v1/scans/{id}/report", get(native_report))
        .route("/api/trawl/v1/match", post(native_match))
        .route("/api/trawl/v1/images/{digest}/history", get(history))
        .route_layer(middleware::from_fn_with_state(state.clone(), auth));
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .merge(api)
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "no such endpoint") })
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .with_state(state)
}

/// `--token`: `Authorization: Bearer TOKEN`, or Basic auth whose password is the token.
async fn auth(AxState(state): AxState<Shared>, req: Request, next: Next) -> Response {
    let Some(token) = state.config.token.as_deref() else {
        return next.run(req).await;
    };
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(Credentials::from_authorization);
    let ok = match given {
        Some(Credentials::Bearer(t)) => same(t.as_bytes(), token.as_bytes()),
        Some(Credentials::Basic { password, .. }) => same(password.as_bytes(), token.as_bytes()),
        None => false,
    };
    if ok {
        next.run(req).await
    } else {
        let mut r =
            ApiError::new(StatusCode::UNAUTHORIZED, "missing or wrong credentials").into_response();
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"trawl\""),
        );
        r
    }
}

/// Compares without an early exit.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The engine's DB, asked on a blocking thread (it may read the file).
async fn engine_db(state: &State) -> Option<crate::DbState> {
    let engine = Arc::clone(&state.engine);
    tokio::task::spawn_blocking(move || engine.db())
        .await
        .ok()
        .flatten()
}

async fn readyz(AxState(state): AxState<Shared>) -> Response {
    let db = engine_db(&state).await.is_some();
    let (redis, pg) = tokio::join!(state.queue.ping(), state.store.ping());
    let migrated = state.store.is_migrated();
    let body = serde_json::json!({"db": db, "redis": redis, "postgres": pg && migrated});
    let status = if db && redis && pg && migrated {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

async fn metrics(AxState(state): AxState<Shared>) -> Response {
    let depth = state.queue.depth().await.ok();
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(depth),
    )
        .into_response()
}

async fn metadata(AxState(state): AxState<Shared>) -> Response {
    let db = engine_db(&state).await;
    (
        [(header::CONTENT_TYPE, harbor::METADATA_MIME)],
        harbor::metadata(db.as_ref().map(|d| d.built_at.as_str())).to_string(),
    )
        .into_response()
}

/// Queues a job and records it; `Err` leaves nothing behind.
async fn enqueue(
    state: &State,
    request: JobRequest,
    name: &str,
    artifact: &Artifact,
) -> Result<String, ApiError> {
    let id = uuid::Uuid::new_v4().to_string();
    let kind = match &request {
        JobRequest::Image(_) => "image",
        JobRequest::Sbom { .. } => "sbom",
    };
    let artifact = serde_json::to_string(artifact).unwrap_or_else(|_| "{}".to_owned());
    state
        .store
        .add_job(&id, kind, name, &artifact)
        .await
        .map_err(|e| ApiError::internal("cannot record the scan request", &e))?;
    let msg = JobMessage {
        id: id.clone(),
        request,
    };
    if let Err(e) = state.queue.push(&msg).await {
        let _ = state.store.remove_job(&id).await;
        return Err(ApiError::internal("cannot queue the scan request", &e));
    }
    Ok(id)
}

fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, format!("invalid JSON: {e}")))?;
    serde_json::from_value(value)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, format!("invalid request: {e}")))
}

/// The JSON types the spec gives a scan request's fields (serde would take `null` for an optional string); a
/// wrong type is the spec's 400, a value outside an enum its 422.
fn check_scan_request_types(v: &serde_json::Value) -> Result<(), ApiError> {
    let bad = |what: &str, want: &str| {
        ApiError::new(StatusCode::BAD_REQUEST, format!("{what} must be {want}"))
    };
    let obj = v
        .as_object()
        .ok_or_else(|| bad("the request", "an object"))?;
    for (part, fields) in [
        ("registry", &["url", "authorization"][..]),
        (
            "artifact",
            &["repository", "digest", "tag", "mime_type"][..],
        ),
    ] {
        let Some(o) = obj.get(part) else { continue };
        let o = o.as_object().ok_or_else(|| bad(part, "an object"))?;
        for f in fields {
            if o.get(*f).is_some_and(|x| !x.is_string()) {
                return Err(bad(&format!("{part}.{f}"), "a string"));
            }
        }
    }
    if let Some(caps) = obj.get("enabled_capabilities") {
        let caps = caps
            .as_array()
            .ok_or_else(|| bad("enabled_capabilities", "an array"))?;
        for c in caps {
            let c = c
                .as_object()
                .ok_or_else(|| bad("enabled_capabilities[]", "an object"))?;
            match c.get("type") {
                Some(serde_json::Value::String(t)) if t == "vulnerability" || t == "sbom" => {}
                Some(serde_json::Value::String(t)) => {
                    return Err(ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        format!("unknown capability type {t:?}"),
                    ));
                }
                _ => return Err(bad("enabled_capabilities[].type", "a string")),
            }
            if let Some(m) = c.get("produces_mime_types")
                && !m
                    .as_array()
                    .is_some_and(|a| a.iter().all(|x| x.is_string()))
            {
                return Err(bad(
                    "enabled_capabilities[].produces_mime_types",
                    "an array of strings",
                ));
            }
            match c.get("parameters") {
                None | Some(serde_json::Value::Null) => {}
                Some(serde_json::Value::Object(p)) => {
                    if let Some(t) = p.get("sbom_media_types") {
                        let ok = t.as_array().is_some_and(|a| {
                            a.iter().all(|x| {
                                x.as_str()
                                    .is_some_and(|m| m == harbor::SPDX || m == harbor::CYCLONEDX)
                            })
                        });
                        if !ok {
                            return Err(ApiError::new(
                                StatusCode::UNPROCESSABLE_ENTITY,
                                "parameters.sbom_media_types lists an unknown media type",
                            ));
                        }
                    }
                }
                Some(_) => return Err(bad("enabled_capabilities[].parameters", "an object")),
            }
        }
    }
    Ok(())
}

async fn harbor_scan(AxState(state): AxState<Shared>, body: Bytes) -> Result<Response, ApiError> {
    let value: serde_json::Value = parse_json(&body)?;
    check_scan_request_types(&value)?;
    let req: harbor::ScanRequest = serde_json::from_value(value)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, format!("invalid request: {e}")))?;
    let url = req
        .registry
        .url
        .as_deref()
        .filter(|u| !u.trim().is_empty())
        .ok_or_else(|| {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "registry.url is required")
        })?;
    let (insecure, host) = match url.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => (true, rest),
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("https") => (false, rest),
        Some(_) => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "registry.url must be http or https",
            ));
        }
        None => (false, url),
    };
    let host = host.trim_end_matches('/');
    if host.is_empty() || host.contains('/') || host.chars().any(char::is_whitespace) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "registry.url must be a registry base URL",
        ));
    }
    let repository = req
        .artifact
        .repository
        .as_deref()
        .filter(|r| valid_repository(r))
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "artifact.repository is missing or invalid",
            )
        })?;
    let digest = req.artifact.digest.as_deref().filter(|d| valid_digest(d));
    let tag = req.artifact.tag.as_deref().filter(|t| valid_tag(t));
    let reference = match (digest, tag) {
        (Some(d), _) => format!("{host}/{repository}@{d}"),
        (None, Some(t)) if req.artifact.digest.is_none() => format!("{host}/{repository}:{t}"),
        _ => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "artifact.digest is missing or invalid",
            ));
        }
    };
    if let Some(m) = &req.artifact.mime_type
        && !harbor::CONSUMES.contains(&m.as_str())
    {
        return Err(ApiError::new(
            StatusCode::NOT_IMPLEMENTED,
            format!("artifacts of type {m} are not scanned"),
        ));
    }
    let credentials = match req
        .registry
        .authorization
        .as_deref()
        .filter(|a| !a.is_empty())
    {
        // Any string is valid here; one that is neither Basic nor Bearer is no credential trawl can use (the
        // pull then fails if the registry needs one). Its value is never logged.
        Some(a) => {
            let c = Credentials::from_authorization(a);
            if c.is_none() {
                tracing::warn!("registry.authorization is neither Basic nor Bearer: not used");
            }
            c
        }
        None => None,
    };
    let target = ImageTarget {
        reference: reference.clone(),
        insecure,
        credentials,
    };
    let id = enqueue(&state, JobRequest::Image(target), &reference, &req.artifact).await?;
    tracing::info!("scan {id}: {reference} queued");
    Ok((
        StatusCode::ACCEPTED,
        [(header::CONTENT_TYPE, harbor::SCAN_RESPONSE_MIME)],
        serde_json::json!({ "id": id }).to_string(),
    )
        .into_response())
}

fn valid_repository(r: &str) -> bool {
    !r.is_empty()
        && r.len() <= 255
        && r.split('/').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
        })
}

fn valid_digest(d: &str) -> bool {
    match d.split_once(':') {
        Some(("sha256", hex)) => hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit()),
        Some(("sha512", hex)) => hex.len() == 128 && hex.chars().all(|c| c.is_ascii_hexdigit()),
        _ => false,
    }
}

fn valid_tag(t: &str) -> bool {
    !t.is_empty()
        && t.len() <= 128
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        && !t.starts_with(['.', '-'])
}

/// The mime type asked for, normalised (`type/subtype; version=x`), without spaces.
fn normalise_mime(m: &str) -> String {
    m.split(';')
        .map(|p| p.trim().to_ascii_lowercase())
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Loads a job's report, or the response that stands for it while there is none.
async fn load(state: &State, id: &str) -> Result<(Report, Artifact), Response> {
    match state.store.job(id).await {
        Err(e) => Err(ApiError::internal("cannot read the scan", &e).into_response()),
        Ok(None) => Err(StatusCode::NOT_FOUND.into_response()), // the spec's 404 has no body

        Ok(Some(JobState::Pending)) => {
            Err((StatusCode::FOUND, [("Refresh-After", REFRESH_AFTER)]).into_response())
        }
        Ok(Some(JobState::Failed(message))) => Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the scan failed: {message}"),
        )
        .into_response()),
        Ok(Some(JobState::Done { report, artifact })) => {
            let report: Report = serde_json::from_str(&report).map_err(|e| {
                ApiError::internal("stored report unreadable", &e.into()).into_response()
            })?;
            let artifact = serde_json::from_str(&artifact).unwrap_or_default();
            Ok((report, artifact))
        }
    }
}

fn render(report: &Report, format: ReportFormat) -> Result<Vec<u8>, ApiError> {
    let mut out = Vec::new();
    let opts = RenderOptions {
        list_all_pkgs: true,
        gate: None,
        show_suppressed: false,
        color: false,
    };
    trawl_report::render(format, report, &opts, &mut out)
        .map_err(|e| ApiError::internal("cannot render the report", &e.into()))?;
    Ok(out)
}

async fn harbor_report(
    AxState(state): AxState<Shared>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    // The scan first (404 for an unknown ID, 302 while pending, 500 when it failed), then the media type.
    let (report, artifact) = match load(&state, &id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .map(normalise_mime)
        .unwrap_or_default();
    enum Want {
        Vuln(&'static str),
        Raw,
        Sbom(&'static str, ReportFormat),
    }
    let want = if accept.is_empty()
        || accept == "*/*"
        || accept == "application/json"
        || accept == normalise_mime(harbor::VULN_1_1)
    {
        Want::Vuln(harbor::VULN_1_1)
    } else if accept == normalise_mime(harbor::VULN_HARBOR_1_0) {
        Want::Vuln(harbor::VULN_HARBOR_1_0)
    } else if accept == harbor::RAW {
        Want::Raw
    } else if accept == normalise_mime(harbor::SBOM_REPORT) {
        // An unencoded `+` arrives as a space (form decoding): take it back.
        match query
            .get("sbom_media_type")
            .map(|m| m.replace(' ', "+"))
            .as_deref()
        {
            Some(harbor::SPDX) => Want::Sbom(harbor::SPDX, ReportFormat::SpdxJson),
            Some(harbor::CYCLONEDX) => Want::Sbom(harbor::CYCLONEDX, ReportFormat::Cyclonedx),
            _ => {
                return ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "an SBOM report needs sbom_media_type=application/spdx+json or application/vnd.cyclonedx+json",
                )
                .into_response();
            }
        }
    } else if !accept.contains('/') {
        return ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("Accept {accept:?} is not a media type"),
        )
        .into_response();
    } else {
        return ApiError::new(
            StatusCode::NOT_IMPLEMENTED,
            format!("reports of type {accept:?} are not produced"),
        )
        .into_response();
    };
    let result = match want {
        Want::Vuln(mime) => Ok((
            mime,
            harbor::vulnerability_report(&report, &artifact)
                .to_string()
                .into_bytes(),
        )),
        Want::Raw => render(&report, ReportFormat::Json).map(|b| (harbor::RAW, b)),
        Want::Sbom(media, format) => render(&report, format).and_then(|b| {
            let sbom: serde_json::Value =
                serde_json::from_slice(&b).map_err(|e| ApiError::internal("SBOM", &e.into()))?;
            Ok((
                harbor::SBOM_REPORT,
                harbor::sbom_report(&report, &artifact, media, sbom)
                    .to_string()
                    .into_bytes(),
            ))
        }),
    };
    match result {
        Ok((mime, body)) => ([(header::CONTENT_TYPE, mime)], Body::from(body)).into_response(),
        Err(e) => e.into_response(),
    }
}

/// `POST /api/trawl/v1/scans`: `{"reference": "...", "insecure": false, "authorization": "..."}` or
/// `{"sbom": {...}, "name": "..."}`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct NativeScan {
    #[serde(default)]
    reference: Option<String>,
    #[serde(default)]
    insecure: bool,
    #[serde(default)]
    authorization: Option<String>,
    #[serde(default)]
    sbom: Option<serde_json::Value>,
    #[serde(default)]
    name: Option<String>,
}

async fn native_scan(AxState(state): AxState<Shared>, body: Bytes) -> Result<Response, ApiError> {
    let req: NativeScan = parse_json(&body)?;
    let (request, name) = match (req.reference, req.sbom) {
        (Some(reference), None) => {
            if reference.is_empty()
                || reference.len() > 1024
                || reference.chars().any(char::is_whitespace)
            {
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid reference",
                ));
            }
            let credentials = match req.authorization.as_deref() {
                Some(a) => Some(Credentials::from_authorization(a).ok_or_else(|| {
                    ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "authorization must be Basic or Bearer",
                    )
                })?),
                None => None,
            };
            (
                JobRequest::Image(ImageTarget {
                    reference: reference.clone(),
                    insecure: req.insecure,
                    credentials,
                }),
                reference,
            )
        }
        (None, Some(sbom)) => {
            let name = req.name.unwrap_or_else(|| "sbom".to_owned());
            (
                JobRequest::Sbom {
                    name: name.clone(),
                    document: sbom.to_string(),
                },
                name,
            )
        }
        _ => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "give exactly one of reference and sbom",
            ));
        }
    };
    let id = enqueue(&state, request, &name, &Artifact::default()).await?;
    Ok((
        StatusCode::ACCEPTED,
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::json!({ "id": id }).to_string(),
    )
        .into_response())
}

fn format_of(query: &HashMap<String, String>) -> Result<ReportFormat, ApiError> {
    match query.get("format") {
        None => Ok(ReportFormat::Json),
        Some(f) => f
            .parse()
            .map_err(|_| ApiError::new(StatusCode::BAD_REQUEST, format!("unknown format {f:?}"))),
    }
}

fn content_type(format: ReportFormat) -> &'static str {
    match format {
        ReportFormat::Table | ReportFormat::Spdx => "text/plain; charset=utf-8",
        ReportFormat::Markdown => "text/markdown; charset=utf-8",
        ReportFormat::Junit => "application/xml",
        _ => "application/json",
    }
}

async fn native_report(
    AxState(state): AxState<Shared>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let format = match format_of(&query) {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    let (report, _) = match load(&state, &id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match render(&report, format) {
        Ok(b) => (
            [(header::CONTENT_TYPE, content_type(format))],
            Body::from(b),
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

/// `POST /api/trawl/v1/match`: an inventory (as the engine serialises it) in, its report out, at once (client
/// mode: the analysis ran where the image is).
async fn native_match(
    AxState(state): AxState<Shared>,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let format = format_of(&query)?;
    let inventory: serde_json::Value = parse_json(&body)?;
    if engine_db(&state).await.is_none() {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "no advisory DB yet",
        ));
    }
    let engine = Arc::clone(&state.engine);
    let report = tokio::task::spawn_blocking(move || engine.report(&inventory))
        .await
        .map_err(|e| ApiError::internal("matching", &e.into()))?
        .map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, format!("{e:#}")))?;
    let body = render(&report, format)?;
    Ok((
        [(header::CONTENT_TYPE, content_type(format))],
        Body::from(body),
    )
        .into_response())
}

async fn history(
    AxState(state): AxState<Shared>,
    Path(digest): Path<String>,
) -> Result<Response, ApiError> {
    let rows = state
        .store
        .history(&digest)
        .await
        .map_err(|e| ApiError::internal("cannot read the history", &e))?;
    let items: Vec<_> = rows
        .into_iter()
        .map(|(finding, change, db)| serde_json::json!({"finding": finding, "change": change, "db_version": db}))
        .collect();
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::json!({ "digest": digest, "history": items }).to_string(),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_are_compared_without_spacing_or_case() {
        assert_eq!(
            normalise_mime("application/vnd.security.vulnerability.report;version=1.1"),
            normalise_mime(harbor::VULN_1_1)
        );
        assert_eq!(
            normalise_mime("Application/VND.security.vulnerability.report ;  version=1.1"),
            normalise_mime(harbor::VULN_1_1)
        );
        assert_ne!(
            normalise_mime(harbor::VULN_HARBOR_1_0),
            normalise_mime(harbor::VULN_1_1)
        );
    }

    #[test]
    fn artifact_fields_are_checked() {
        assert!(valid_digest(&format!("sha256:{}", "a".repeat(64))));
        assert!(!valid_digest(&format!("sha256:{}", "g".repeat(64))));
        assert!(!valid_digest("sha256:abc"));
        assert!(!valid_digest("md5:00"));
        assert!(valid_repository("library/alpine"));
        assert!(!valid_repository("Library/alpine"));
        assert!(!valid_repository("a//b"));
        assert!(!valid_repository("a/ b"));
        assert!(valid_tag("3.20-slim"));
        assert!(!valid_tag("../x"));
        assert!(!valid_tag(""));
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"abcd"));
        assert!(!same(b"", b"a"));
    }
}
