//! Prometheus metrics: requests by route and status, and latency. Route templates
//! (`/api/v1/visits/{id}`) are used as labels, never raw paths, so no id leaks in.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::state::AppState;

/// Installs the global recorder once; later calls return the same handle.
pub fn install_recorder() -> Option<PrometheusHandle> {
    static HANDLE: std::sync::OnceLock<Option<PrometheusHandle>> = std::sync::OnceLock::new();
    HANDLE
        .get_or_init(|| PrometheusBuilder::new().install_recorder().ok())
        .clone()
}

pub async fn track(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = req.method().to_string();
    let started = Instant::now();
    let response = next.run(req).await;
    let elapsed = started.elapsed();
    // Route templates only: ids, queries and bodies (personal data) are never logged.
    tracing::info!(
        target: "openvisit::http",
        method = %method,
        route = %route,
        status = response.status().as_u16(),
        ms = elapsed.as_secs_f64() * 1000.0,
        "request"
    );
    let status = response.status().as_u16().to_string();
    metrics::counter!("openvisit_http_requests_total", "route" => route.clone(), "method" => method.clone(), "status" => status).increment(1);
    metrics::histogram!("openvisit_http_request_seconds", "route" => route, "method" => method)
        .record(elapsed.as_secs_f64());
    response
}

/// `/metrics`, for the holder of the operator's bearer token only: request counts and
/// latencies by route tell an outsider how busy a facility is (security finding 15).
pub async fn render(State(s): State<AppState>, headers: HeaderMap) -> Response {
    let (Some(handle), Some(token)) = (&s.metrics, &s.metrics_token) else {
        return ApiError::says(StatusCode::NOT_FOUND, "metrics_off", "error-metrics-off")
            .into_response();
    };
    let given = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    // Compare digests, so the time taken says nothing about how much of a guess matched.
    if Sha256::digest(given.as_bytes()) != Sha256::digest(token.as_bytes()) {
        let mut r = ApiError::says(StatusCode::UNAUTHORIZED, "bad_token", "error-metrics-token")
            .into_response();
        r.headers_mut().insert(
            axum::http::header::WWW_AUTHENTICATE,
            axum::http::HeaderValue::from_static("Bearer"),
        );
        return r;
    }
    handle.render().into_response()
}
