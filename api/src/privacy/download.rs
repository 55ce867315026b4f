//! The export downloaded whole: `GET /my-data.json` and `GET /my-data.html`
//! with the person's bearer token. A GraphQL response is capped
//! (`GONGZHI_MAX_RESPONSE_BYTES`, 8 MiB by default); a heavy user's export
//! is larger than that, and a download is what a person keeps anyway.
//! The token only in the `Authorization` header: never in a URL, where
//! logs and browser histories keep it.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::error::ApiError;
use crate::http::HttpState;
use crate::http::adapter;

pub const JSON_PATH: &str = "/my-data.json";
pub const HTML_PATH: &str = "/my-data.html";

pub fn routes() -> Router<HttpState> {
    Router::new().route(JSON_PATH, get(json)).route(HTML_PATH, get(html))
}

async fn json(state: State<HttpState>, headers: HeaderMap) -> Response {
    download(state, headers, false).await
}

async fn html(state: State<HttpState>, headers: HeaderMap) -> Response {
    download(state, headers, true).await
}

async fn download(State(state): State<HttpState>, headers: HeaderMap, page: bool) -> Response {
    let mut principal = None;
    let result = async {
        let p = crate::http::bearer_principal(&state, &headers)?.ok_or_else(ApiError::unauthenticated)?;
        principal = Some(p.clone());
        let doc = super::service::my_data(&state.app.db.write, &p).await?;
        if page {
            Ok::<_, ApiError>(("text/html; charset=utf-8", super::service::render_html(&doc)))
        } else {
            let text = serde_json::to_string_pretty(&doc).map_err(|e| ApiError::internal(e.to_string()))?;
            Ok(("application/json", text))
        }
    }
    .await;
    let resp = match result {
        Ok((media, text)) => {
            let mut resp = (StatusCode::OK, [(header::CONTENT_TYPE, media)], text).into_response();
            let name = if page { "my-data.html" } else { "my-data.json" };
            if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
                resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
            }
            // One person's data: no shared cache may keep it.
            resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
            resp
        }
        Err(e) => crate::http::request_error(adapter::status_of(&e), &e),
    };
    adapter::logged(resp, principal.as_ref())
}
