//! OAuth2 for machine clients, so partner systems can use a stock OAuth2
//! library: `POST /oauth/token`, the client-credentials grant (RFC 6749
//! §4.4); `POST /oauth/revoke`, token revocation (RFC 7009) of a client's
//! own access tokens; `POST /oauth/introspect`, token introspection (RFC
//! 7662) for resource servers beside the platform. Client credentials come
//! in the form body or as HTTP Basic (§2.3.1) on all three.

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

use sea_orm::EntityTrait;

use crate::error::ApiError;
use crate::http::HttpState;

#[derive(Debug, Deserialize)]
pub struct TokenRequest {
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    /// The token to revoke or introspect (RFC 7009 / 7662).
    token: Option<String>,
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

/// The client of a revocation or introspection request, authenticated by
/// its credentials (form or Basic); an OAuth error response otherwise.
async fn requesting_client(
    state: &HttpState,
    extensions: &axum::http::Extensions,
    headers: &HeaderMap,
    req: &TokenRequest,
) -> Result<entity::api_client::Model, Response> {
    let addr = super::client::client_addr(&state.app.config, headers, extensions);
    if let Err(e) = super::client::check_anonymous(&state.limiter, addr) {
        let mut resp = oauth_error(StatusCode::TOO_MANY_REQUESTS, "slow_down", &e.public_message());
        if let Some(secs) = e.retry_after_secs() {
            resp.headers_mut().insert(header::RETRY_AFTER, secs.into());
        }
        return Err(resp);
    }
    let creds = basic_credentials(headers).or_else(|| Some((req.client_id.clone()?, req.client_secret.clone()?)));
    let Some((client_id, secret)) = creds else {
        return Err(oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            &t!("oauth.credentials_missing").render_current(),
        ));
    };
    if [&client_id, &secret].iter().any(|v| v.chars().any(crate::gate::is_refused_char) || v.len() > 256) {
        return Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            &t!("oauth.credentials_malformed").render_current(),
        ));
    }
    crate::auth::service::authenticate_client(&state.app, &client_id, &secret).await.map_err(|e| match e {
        ApiError::Unauthenticated(_) => {
            oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", &t!("oauth.client_auth_failed").render_current())
        }
        e => unavailable(&e),
    })
}

fn unavailable(e: &ApiError) -> Response {
    if let ApiError::Internal(detail) = e {
        tracing::error!(error = %detail, "OAuth endpoint failed");
    }
    let mut resp = oauth_error(
        StatusCode::SERVICE_UNAVAILABLE,
        "temporarily_unavailable",
        &t!("oauth.try_later").render_current(),
    );
    resp.headers_mut().insert(header::RETRY_AFTER, crate::error::UNAVAILABLE_RETRY_SECS.into());
    resp
}

fn no_store(mut resp: Response) -> Response {
    resp.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    resp
}

/// `POST /oauth/revoke` (RFC 7009): a client revokes one of its own access
/// tokens; every process refuses it from the next request on. An invalid
/// or expired token is answered 200 like a revoked one, as §2.2 asks; a
/// token issued to another principal is refused (`unauthorized_client`).
pub async fn revoke(
    State(state): State<HttpState>,
    extensions: axum::http::Extensions,
    headers: HeaderMap,
    form: Result<Form<TokenRequest>, FormRejection>,
) -> Response {
    let Ok(Form(req)) = form else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", &t!("oauth.form_body").render_current());
    };
    let client = match requesting_client(&state, &extensions, &headers, &req).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let Some(token) = req.token.as_deref().filter(|t| !t.is_empty() && t.len() <= 4096) else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", &t!("oauth.token_missing").render_current());
    };
    match crate::auth::service::revoke_client_token(&state.app, &client, token).await {
        Ok(_) => no_store(StatusCode::OK.into_response()),
        Err(ApiError::Forbidden(m)) => oauth_error(StatusCode::BAD_REQUEST, "unauthorized_client", &m.render_current()),
        Err(e) => unavailable(&e),
    }
}

/// `POST /oauth/introspect` (RFC 7662): any authenticated API client (a
/// resource server beside the platform) asks whether a token is active and
/// what it carries: `active`, `scope` (`role:RESIDENT community:4` …),
/// `role`, `sub`, `client_id` (for machine tokens), `exp`, `iat`, `iss`,
/// `aud`, `token_type`. Expired, forged and revoked tokens are
/// `{"active": false}` and nothing else.
pub async fn introspect(
    State(state): State<HttpState>,
    extensions: axum::http::Extensions,
    headers: HeaderMap,
    form: Result<Form<TokenRequest>, FormRejection>,
) -> Response {
    let Ok(Form(req)) = form else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", &t!("oauth.form_body").render_current());
    };
    if let Err(resp) = requesting_client(&state, &extensions, &headers, &req).await {
        return resp;
    }
    let Some(token) = req.token.as_deref().filter(|t| !t.is_empty() && t.len() <= 4096) else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", &t!("oauth.token_missing").render_current());
    };
    let body = match crate::auth::authenticate(&state.app, token) {
        Err(_) => json!({ "active": false }),
        Ok((p, info)) => {
            let role = serde_json::to_value(p.role).unwrap_or_default();
            let role_name = role.as_str().unwrap_or_default().to_owned();
            let mut scope = vec![format!("role:{role_name}")];
            let s = &p.scope;
            for (name, id) in [
                ("community", s.community_id),
                ("building", s.building_id),
                ("region", s.region_id),
                ("organisation", s.organisation_id),
            ] {
                if let Some(id) = id {
                    scope.push(format!("{name}:{id}"));
                }
            }
            let (sub, client_id) = match p.actor {
                crate::auth::Actor::Account { account_id, .. } => (format!("account:{account_id}"), None),
                crate::auth::Actor::Client { api_client_id } => {
                    let id = entity::api_client::Entity::find_by_id(api_client_id)
                        .one(&state.app.db.read)
                        .await
                        .ok()
                        .flatten()
                        .map(|c| c.client_id);
                    (format!("client:{api_client_id}"), id)
                }
                crate::auth::Actor::System => ("system".to_owned(), None),
            };
            json!({
                "active": true,
                "scope": scope.join(" "),
                "role": role_name,
                "sub": sub,
                "client_id": client_id,
                "token_type": "Bearer",
                "exp": info.expires_at.timestamp(),
                "iat": info.issued_at_ms / 1000,
                "iss": state.app.config.jwt_issuer,
                "aud": state.app.config.jwt_audience,
            })
        }
    };
    no_store(Json(body).into_response())
}
