//! `POST /oauth/token`: the OAuth2 client-credentials grant (RFC 6749 §4.4)
//! for machine clients, so partner systems can use a stock OAuth2 library.
//! Credentials come in the form body or as HTTP Basic (§2.3.1).

use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use crate::error::ApiError;
use crate::http::HttpState;

#[derive(Debug, Deserialize)]
pub struct TokenRequest {
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut resp = (status, Json(json!({ "error": error, "error_description": description }))).into_response();
    resp.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    if status == StatusCode::UNAUTHORIZED {
        resp.headers_mut()
            .insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Basic realm=\"gongzhi\""));
    }
    resp
}

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

pub async fn token(
    State(state): State<HttpState>,
    extensions: axum::http::Extensions,
    headers: HeaderMap,
    form: Result<Form<TokenRequest>, FormRejection>,
) -> Response {
    let addr = super::client::client_addr(&state.app.config, &headers, &extensions);
    if let Err(e) = super::client::check_anonymous(&state.limiter, addr) {
        let mut resp = oauth_error(StatusCode::TOO_MANY_REQUESTS, "slow_down", &e.public_message());
        if let Some(secs) = e.retry_after_secs() {
            resp.headers_mut().insert(header::RETRY_AFTER, secs.into());
        }
        return resp;
    }
    let Ok(Form(req)) = form else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", &t!("oauth.form_body").render_current());
    };
    if req.grant_type.as_deref() != Some("client_credentials") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            &t!("oauth.grant_type").render_current(),
        );
    }
    let creds = basic_credentials(&headers).or_else(|| Some((req.client_id?, req.client_secret?)));
    let Some((client_id, secret)) = creds else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            &t!("oauth.credentials_missing").render_current(),
        );
    };
    if [&client_id, &secret].iter().any(|v| v.chars().any(crate::gate::is_refused_char) || v.len() > 256) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            &t!("oauth.credentials_malformed").render_current(),
        );
    }
    match crate::auth::service::client_credentials(&state.app, &client_id, &secret).await {
        Ok((token, exp, _)) => {
            let mut resp = Json(json!({
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": (exp - Utc::now()).num_seconds().max(0),
            }))
            .into_response();
            resp.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
            resp
        }
        Err(ApiError::Unauthenticated(_)) => {
            oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", &t!("oauth.client_auth_failed").render_current())
        }
        // RFC 6749 has no 5xx error codes; `temporarily_unavailable` is the
        // authorization endpoint's, and stock clients understand it.
        Err(e) => {
            if let ApiError::Internal(detail) = &e {
                tracing::error!(error = %detail, "token endpoint failed");
            }
            let mut resp = oauth_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily_unavailable",
                &t!("oauth.try_later").render_current(),
            );
            resp.headers_mut().insert(header::RETRY_AFTER, crate::error::UNAVAILABLE_RETRY_SECS.into());
            resp
        }
    }
}
