//! Operations endpoints: probes and metrics (GraphiQL is in `graphiql.rs`).

use std::time::Duration;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::HttpState;

/// How long `/readyz` waits for the database before answering 503. Probes
/// commonly time out after 5 s; answering within 2 s keeps them decisive.
const READY_TIMEOUT: Duration = Duration::from_millis(1500);

pub async fn healthz() -> &'static str {
    "ok"
}

pub async fn readyz(State(state): State<HttpState>) -> Response {
    match tokio::time::timeout(READY_TIMEOUT, state.app.db.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ready").into_response(),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
        Err(_) => {
            tracing::warn!("readiness check timed out");
            (StatusCode::SERVICE_UNAVAILABLE, "database not answering").into_response()
        }
    }
}

/// `/metrics`: with `GONGZHI_METRICS_TOKEN` set (required in production,
/// else it is not served there), only with `Authorization: Bearer <token>`.
pub async fn metrics(State(state): State<HttpState>, headers: axum::http::HeaderMap) -> Response {
    let config = &state.app.config;
    match &config.metrics_token {
        Some(token) => {
            let given = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "));
            let ok = given.is_some_and(|g| {
                use sha2::Digest;
                // Compare digests, so the comparison takes the same time whatever the input.
                sha2::Sha256::digest(g.trim().as_bytes()) == sha2::Sha256::digest(token.as_bytes())
            });
            if !ok {
                return super::request_error(StatusCode::UNAUTHORIZED, &crate::error::ApiError::unauthenticated());
            }
        }
        None if config.production => return StatusCode::NOT_FOUND.into_response(),
        None => {}
    }
    state.metrics.sample(&state.app.db);
    state.metrics.sample_webhooks(&state.app).await;
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render()).into_response()
}
