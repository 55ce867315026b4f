//! GraphQL over HTTP: POST (JSON, batches, multipart) and GET (queries
//! only). Every request is screened by [`crate::gate`] before execution, and
//! unauthenticated ones pass the per-address rate limit first.

use async_graphql::http::MultipartOptions;
use async_graphql::http::WebSocketProtocols;
use async_graphql::{BatchRequest, BatchResponse, Response as GqlResponse, ServerError};
use axum::body::{Body, to_bytes};
use axum::extract::{FromRequestParts, Request, State, WebSocketUpgrade};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::str::FromStr;
use std::sync::Arc;

use super::screening::{anonymous_refusal, execute_some, screen_all};
use super::{HttpState, client, consistency, idempotency, request_error};
use crate::audience::Audience;
use crate::auth::jwt::TokenInfo;
use crate::error::{ApiError, UNAVAILABLE_RETRY_SECS, code};
use crate::graphql::batch::{Mode, Wave};
use crate::graphql::context::{ClientAddr, RequestPrincipal, RequestSession, UserAgent};
use crate::graphql::loaders::{Setup, add_data_loaders};
use crate::metrics::Metrics;

/// Reads the bearer token, if any (see [`crate::auth::authenticate`]). A
/// token that is present but invalid or revoked is an error: silently
/// treating it as anonymous would hide expiry from clients.
pub(super) fn principal_from_headers(
    state: &HttpState,
    headers: &HeaderMap,
) -> Result<Option<(crate::auth::Principal, TokenInfo)>, ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| ApiError::Unauthenticated(t!("http.malformed_authorization_header")))?;
    let token =
        value.strip_prefix("Bearer ").ok_or_else(|| ApiError::Unauthenticated(t!("http.expected_bearer_token")))?;
    crate::auth::authenticate(&state.app, token.trim()).map(Some)
}

/// Who is calling, before the request is read.
struct Admitted {
    principal: RequestPrincipal,
    session: RequestSession,
    addr: ClientAddr,
    user_agent: UserAgent,
    /// Why the bearer token that came with the request is no good. Such a
    /// request is refused (401) once screening shows it needs a principal
    /// ([`settle`]); one that only logs in or reads the schema runs as
    /// anonymous ([`crate::gate::ANONYMOUS_FIELDS`]).
    stale: Option<ApiError>,
}

/// Who is calling, and may they call now? Callers without a valid token
/// pass the per-address rate limit.
fn admit(state: &HttpState, parts: &axum::http::request::Parts) -> Result<Admitted, (StatusCode, ApiError)> {
    let addr = client::client_addr(&state.app.config, &parts.headers, &parts.extensions);
    let (verified, stale) = match principal_from_headers(state, &parts.headers) {
        Ok(p) => (p, None),
        Err(e) => (None, Some(e)),
    };
    if verified.is_none() {
        client::check_anonymous(&state.limiter, addr).map_err(|e| (StatusCode::TOO_MANY_REQUESTS, e))?;
    }
    let user_agent = parts.headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (principal, session) = match verified {
        Some((p, info)) => (RequestPrincipal(Some(p)), RequestSession(info.session_id)),
        None => (RequestPrincipal(None), RequestSession(None)),
    };
    Ok(Admitted { principal, session, addr: ClientAddr(addr), user_agent: UserAgent(user_agent), stale })
}

/// After screening: a request whose token is no good is refused unless
/// none of its root fields needs a principal.
fn settle(a: &Admitted, principal_fields: usize) -> Result<(), (StatusCode, ApiError)> {
    match &a.stale {
        Some(e) if principal_fields > 0 => {
            // A security event: the reason, never the token.
            tracing::warn!(client = ?a.addr.0, reason = %e.public_message(), "request with an invalid bearer token");
            Err((StatusCode::UNAUTHORIZED, e.clone()))
        }
        _ => Ok(()),
    }
}

/// Every error gets a code and a message in the request's language (see
/// [`crate::error::finish`]), and is counted.
fn finish_errors(metrics: &Metrics, resp: &mut GqlResponse) {
    for err in &mut resp.errors {
        crate::error::finish(err);
        let code = error_code(err);
        metrics.graphql_errors.with_label_values(&[code.as_str()]).inc();
    }
}

fn error_code(err: &ServerError) -> String {
    err.extensions
        .as_ref()
        .and_then(|e| e.get("code"))
        .map(|v| v.to_string().trim_matches('"').to_owned())
        .unwrap_or_default()
}

/// Serialise the response, refusing one larger than the configured cap (a
/// last line of defence: the request limits should make it unreachable).
/// An UNAVAILABLE error makes the whole response 503 with `Retry-After`, so
/// load balancers and clients back off instead of hammering.
/// The media type of the GraphQL-over-HTTP specification.
pub(super) const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// Does the client accept `application/graphql-response+json`? Then it gets
/// that media type and its status codes; otherwise `application/json` with
/// 200 for every executed request, as legacy clients expect.
pub(super) fn wants_graphql_response(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|v| v.trim().split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case(GRAPHQL_RESPONSE)))
}

/// A request error in the specification's sense: nothing was executed
/// (no data, and errors without a path: parse, validation, variables).
fn is_request_error(r: &GqlResponse) -> bool {
    r.data == async_graphql::Value::Null && !r.errors.is_empty() && r.errors.iter().all(|e| e.path.is_empty())
}

fn gql_response(state: &HttpState, mut resp: BatchResponse, graphql_response: bool) -> Response {
    let responses: Vec<&mut GqlResponse> = match &mut resp {
        BatchResponse::Single(r) => vec![r],
        BatchResponse::Batch(rs) => rs.iter_mut().collect(),
    };
    let mut unavailable = false;
    for r in responses {
        finish_errors(&state.metrics, r);
        unavailable |= r.errors.iter().any(|e| error_code(e) == code::UNAVAILABLE);
    }
    let body = match serde_json::to_vec(&resp) {
        Ok(b) => b,
        Err(e) => return request_error(StatusCode::INTERNAL_SERVER_ERROR, &ApiError::internal(e.to_string())),
    };
    if body.len() > state.app.config.max_response_bytes {
        let err =
            ApiError::bad_input("query", t!("http.response_too_large", max = state.app.config.max_response_bytes));
        return request_error(StatusCode::BAD_REQUEST, &err);
    }
    let request_error = matches!(&resp, BatchResponse::Single(r) if is_request_error(r));
    let status = if unavailable {
        StatusCode::SERVICE_UNAVAILABLE
    } else if graphql_response && request_error {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let media = if graphql_response { GRAPHQL_RESPONSE } else { "application/json" };
    let mut out = (status, [(header::CONTENT_TYPE, media)], body).into_response();
    if unavailable {
        out.headers_mut().insert(header::RETRY_AFTER, UNAVAILABLE_RETRY_SECS.into());
    }
    if let BatchResponse::Single(r) = &resp
        && let Some(cc) = r.cache_control.value()
        && let Ok(v) = HeaderValue::from_str(&cc)
    {
        out.headers_mut().insert(header::CACHE_CONTROL, v);
    }
    out
}

fn prepare(
    state: &HttpState,
    req: async_graphql::Request,
    caller: &Admitted,
    wave: &Arc<Wave>,
    route: &consistency::Route,
) -> async_graphql::Request {
    let reads = &route.db;
    let principal = &caller.principal;
    let mode = Mode::Wave(Arc::downgrade(wave));
    let mut req =
        req.data(principal.clone()).data(caller.addr).data(caller.session.clone()).data(caller.user_agent.clone());
    // With standbys a mutation runs wholly on the primary (request data is
    // found before schema data); queries read where `consistency::route` says.
    let kind = operation_of(&mut req).1;
    if state.app.db.has_replicas() && kind == "mutation" {
        let primary = crate::AppState { db: state.app.db.primary(), ..state.app.clone() };
        let req = req.data(primary).data(route.signed_in.clone());
        let setup = Setup { db: &state.app.db.write_reads(), principal: principal.0.as_ref(), mode, cache: false };
        return add_data_loaders(req, setup, crate::domains::register_loaders);
    }
    if state.app.db.has_replicas() {
        req = req.data(crate::AppState { db: reads.clone(), ..state.app.clone() });
    }
    // Loaded rows are kept for the request in queries only (see `Loaders::add`).
    let cache = kind == "query";
    let setup = Setup { db: &reads.read, principal: principal.0.as_ref(), mode, cache };
    add_data_loaders(req, setup, crate::domains::register_loaders)
}

/// The name (given, or the document's) and type of the operation a
/// (screened, so parsed) request runs.
/// `query`, `mutation`, `subscription` or `""` for the request's operation.
pub(super) fn operation_kind(req: &mut async_graphql::Request) -> &'static str {
    operation_of(req).1
}

fn operation_of(req: &mut async_graphql::Request) -> (Option<String>, &'static str) {
    use async_graphql::parser::types::OperationType;
    let given = req.operation_name.clone();
    let Ok(doc) = req.parsed_query() else { return (given, "") };
    let op = match &given {
        Some(name) => doc.operations.iter().find(|(n, _)| n.is_some_and(|n| n.as_str() == name)),
        None => doc.operations.iter().next(),
    };
    let ty = match op.as_ref().map(|(_, o)| o.node.ty) {
        Some(OperationType::Query) => "query",
        Some(OperationType::Mutation) => "mutation",
        Some(OperationType::Subscription) => "subscription",
        None => "",
    };
    (given.or_else(|| op.and_then(|(n, _)| n.map(|n| n.to_string()))), ty)
}

pub async fn post(State(state): State<HttpState>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let admitted = match admit(&state, &parts) {
        Ok(v) => v,
        Err((status, e)) => return request_error(status, &e),
    };
    let headers = &parts.headers;
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
    // A multipart request (file uploads) may carry up to MAX_FILES files of
    // twice the photo limit each on top of the usual body: a file a little
    // over the limit reaches the resolver, which refuses it with a clear
    // field error; one far over it is refused here.
    const MAX_FILES: usize = 12;
    let config = &state.app.config;
    let multipart = content_type.as_deref().is_some_and(|c| c.starts_with("multipart/form-data"));
    let max =
        if multipart { config.max_body_bytes + MAX_FILES * 2 * config.max_photo_bytes } else { config.max_body_bytes };
    let Ok(bytes) = to_bytes(Body::new(body), max).await else {
        let e = ApiError::bad_input("body", t!("http.body_too_large", max = max));
        return request_error(StatusCode::PAYLOAD_TOO_LARGE, &e);
    };
    let opts = MultipartOptions::default().max_file_size(2 * config.max_photo_bytes).max_num_files(MAX_FILES);
    let batch =
        match async_graphql::http::receive_batch_body(content_type, futures_util::io::Cursor::new(bytes), opts).await {
            Ok(b) => b,
            Err(e) => {
                let err = ApiError::bad_input("body", t!("http.malformed_request", detail = e.to_string()));
                return request_error(StatusCode::BAD_REQUEST, &err);
            }
        };
    let mut batch = match batch {
        BatchRequest::Batch(rs) if rs.len() > state.app.config.max_batch => {
            let err = ApiError::bad_input("body", t!("http.batch_too_large", max = state.app.config.max_batch));
            return request_error(StatusCode::BAD_REQUEST, &err);
        }
        BatchRequest::Batch(rs) if rs.is_empty() => {
            return request_error(StatusCode::BAD_REQUEST, &ApiError::bad_input("body", t!("http.empty_batch")));
        }
        b => b,
    };
    let mut remember = Vec::new();
    for r in match &mut batch {
        BatchRequest::Single(r) => std::slice::from_mut(r),
        BatchRequest::Batch(rs) => rs.as_mut_slice(),
    } {
        let bound = state.app.client_documents.admit(&state.app.db.read, admitted.principal.0.as_ref(), r).await;
        if let Err(e) = bound {
            return request_error(super::persisted::Persisted::status(&e), &e);
        }
        match state.persisted.resolve(r) {
            Ok(Some(hash)) => remember.push((hash, r.query.clone())),
            Ok(None) => {}
            Err(e) => return request_error(super::persisted::Persisted::status(&e), &e),
        }
    }
    let audience = Audience::of(admitted.principal.0.as_ref());
    let screened = match &mut batch {
        BatchRequest::Single(r) => screen_all(&state, audience, [r]),
        BatchRequest::Batch(rs) => screen_all(&state, audience, rs.iter_mut()),
    };
    let (principal_fields, refusals) = match screened {
        Ok(n) => n,
        Err(e) => return request_error(StatusCode::BAD_REQUEST, &e),
    };
    if let Err((status, e)) = settle(&admitted, principal_fields) {
        return request_error(status, &e);
    }
    if let Some(refused) = anonymous_refusal(&state, audience, &refusals) {
        return refused;
    }
    for (hash, text) in remember {
        state.persisted.remember(hash, &text);
    }
    // A keyed mutation runs once per principal and key (`idempotency`).
    let claimed = match idempotency::idempotent(&state, headers, &mut batch, admitted.principal.0.as_ref()).await {
        Ok(Some(idempotency::Claim::Run(c))) => Some(c),
        Ok(Some(idempotency::Claim::Replay(body))) => {
            let media = if wants_graphql_response(headers) { GRAPHQL_RESPONSE } else { "application/json" };
            return idempotency::replay(body, media);
        }
        Ok(None) => None,
        Err(e) => {
            let status = if e.code() == code::CONFLICT { StatusCode::CONFLICT } else { StatusCode::BAD_REQUEST };
            return request_error(status, &e);
        }
    };
    let wave = Wave::new();
    let requests = match &mut batch {
        BatchRequest::Single(r) => std::slice::from_mut(r),
        BatchRequest::Batch(rs) => rs.as_mut_slice(),
    };
    let route = consistency::route(&state, headers, admitted.principal.0.as_ref(), requests).await;
    if consistency::primary_away(&state.app.db, &route) {
        return request_error(StatusCode::SERVICE_UNAVAILABLE, &ApiError::Unavailable("primary away".into()));
    }
    let mut batch = match batch {
        BatchRequest::Single(r) => BatchRequest::Single(prepare(&state, r, &admitted, &wave, &route)),
        BatchRequest::Batch(rs) => {
            BatchRequest::Batch(rs.into_iter().map(|r| prepare(&state, r, &admitted, &wave, &route)).collect())
        }
    };
    let graphql_response = wants_graphql_response(headers);
    let mut info = super::AccessInfo::of(admitted.principal.0.as_ref());
    match &mut batch {
        BatchRequest::Single(r) => (info.operation_name, info.operation_type) = operation_of(r),
        BatchRequest::Batch(_) => info.operation_type = "batch",
    }
    let mut resp = if refusals.iter().all(Option::is_none) {
        wave.drive(state.schema.execute_batch(batch)).await
    } else {
        wave.drive(execute_some(&state, batch, refusals)).await
    };
    consistency::record(&state.app.db, admitted.principal.0.as_ref(), &route, consistency::answers(&mut resp)).await;
    let mut out = gql_response(&state, resp, graphql_response);
    if let Some(claim) = claimed {
        out = idempotency::keep_answer(&state, claim, out).await;
    }
    out.extensions_mut().insert(info);
    out
}

/// GET `/graphql`: a query in the query string, or a WebSocket upgrade for
/// subscriptions. Mutations are refused over GET, which may be cached,
/// prefetched or replayed by intermediaries.
pub async fn get(State(state): State<HttpState>, req: Request) -> Response {
    let (mut parts, _body) = req.into_parts();
    let is_ws = parts
        .headers
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    if is_ws {
        let protocol = parts
            .headers
            .get(header::SEC_WEBSOCKET_PROTOCOL)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').find_map(|p| WebSocketProtocols::from_str(p.trim()).ok()));
        let (Some(protocol), Ok(upgrade)) = (protocol, WebSocketUpgrade::from_request_parts(&mut parts, &()).await)
        else {
            return request_error(
                StatusCode::BAD_REQUEST,
                &ApiError::bad_input("upgrade", t!("http.bad_websocket_request")),
            );
        };
        let addr = client::client_addr(&state.app.config, &parts.headers, &parts.extensions);
        return super::ws::upgrade(state, protocol, upgrade, ClientAddr(addr));
    }
    let admitted = match admit(&state, &parts) {
        Ok(v) => v,
        Err((status, e)) => return request_error(status, &e),
    };
    let query = parts.uri.query().unwrap_or_default();
    let mut gql = match async_graphql::http::parse_query_string(query) {
        Ok(r) => r,
        Err(e) => {
            let err = ApiError::bad_input("query", t!("http.malformed_request", detail = e.to_string()));
            return request_error(StatusCode::BAD_REQUEST, &err);
        }
    };
    // GraphQL over HTTP names the parameter `operationName`; the library
    // reads `operation_name` only.
    let params = axum::extract::Query::<std::collections::HashMap<String, String>>::try_from_uri(&parts.uri)
        .map(|q| q.0)
        .unwrap_or_default();
    if let Some(name) = params.get("operationName").filter(|n| !n.is_empty()) {
        gql = gql.operation_name(name.clone());
    }
    let bound = state.app.client_documents.admit(&state.app.db.read, admitted.principal.0.as_ref(), &mut gql).await;
    if let Err(e) = bound {
        return request_error(super::persisted::Persisted::status(&e), &e);
    }
    let remember = match state.persisted.resolve(&mut gql) {
        Ok(hash) => hash,
        Err(e) => return request_error(super::persisted::Persisted::status(&e), &e),
    };
    if gql.query.trim().is_empty() {
        let err = ApiError::bad_input("query", t!("http.get_request_needs_query_parameter"));
        return request_error(StatusCode::BAD_REQUEST, &err);
    }
    let audience = Audience::of(admitted.principal.0.as_ref());
    let (principal_fields, refusals) = match screen_all(&state, audience, [&mut gql]) {
        Ok(n) => n,
        Err(e) => return request_error(StatusCode::BAD_REQUEST, &e),
    };
    if let Err((status, e)) = settle(&admitted, principal_fields) {
        return request_error(status, &e);
    }
    if let Some(refused) = anonymous_refusal(&state, audience, &refusals) {
        return refused;
    }
    if let Some(hash) = remember {
        state.persisted.remember(hash, &gql.query);
    }
    let operation_name = gql.operation_name.clone();
    if let Ok(doc) = gql.parsed_query() {
        let is_mutation = doc.operations.iter().any(|(name, op)| {
            let selected = match (&operation_name, name) {
                (Some(wanted), Some(n)) => n.as_str() == wanted,
                (None, _) => true,
                (Some(_), None) => false,
            };
            selected && op.node.ty == async_graphql::parser::types::OperationType::Mutation
        });
        if is_mutation {
            let err = ApiError::bad_input("query", t!("http.mutations_must_sent_post"));
            let mut resp = request_error(StatusCode::METHOD_NOT_ALLOWED, &err);
            resp.headers_mut().insert(header::ALLOW, HeaderValue::from_static("POST"));
            return resp;
        }
    }
    let graphql_response = wants_graphql_response(&parts.headers);
    let mut info = super::AccessInfo::of(admitted.principal.0.as_ref());
    (info.operation_name, info.operation_type) = operation_of(&mut gql);
    let wave = Wave::new();
    let route =
        consistency::route(&state, &parts.headers, admitted.principal.0.as_ref(), std::slice::from_mut(&mut gql)).await;
    let batch = BatchRequest::Single(prepare(&state, gql, &admitted, &wave, &route));
    let resp = wave.clone().drive(execute_some(&state, batch, refusals)).await;
    let mut out = gql_response(&state, resp, graphql_response);
    // A GET answer depends on who asks, in which language and encoding:
    // shared caches keep none of it; the browser revalidates.
    out.headers_mut().entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("private, no-cache"));
    out.headers_mut().insert(header::VARY, HeaderValue::from_static("authorization, accept, accept-language"));
    out.extensions_mut().insert(info);
    out
}
