//! HTTP wiring: `/graphql` (POST; GET for queries; WebSocket), GraphiQL at
//! `/`, `/oauth/token`, `/healthz`, `/readyz`, `/metrics`, request ids,
//! tracing, metrics and graceful shutdown.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_graphql::http::{GraphiQLSource, MultipartOptions};
use async_graphql::{BatchRequest, BatchResponse, Data, Response as GqlResponse, ServerError};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{FromRequestParts, MatchedPath, Request, State, WebSocketUpgrade};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::error::{ApiError, code};
use crate::graphql::context::RequestPrincipal;
use crate::graphql::{self, AppSchema};
use crate::metrics::Metrics;
use crate::state::AppState;

/// State of the HTTP layer.
#[derive(Clone)]
pub struct HttpState {
    pub app: AppState,
    pub schema: AppSchema,
    pub metrics: Arc<Metrics>,
}

/// A GraphQL-shaped error response for problems found before execution.
fn request_error(status: StatusCode, err: &ApiError) -> Response {
    let body = json!({
        "errors": [{ "message": err.public_message(), "extensions": { "code": err.code() } }]
    });
    (status, axum::Json(body)).into_response()
}

/// Reads the bearer token, if any. A token that is present but invalid is
/// an error: silently treating it as anonymous would hide expiry from clients.
fn principal_from_headers(app: &AppState, headers: &HeaderMap) -> Result<RequestPrincipal, ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(RequestPrincipal(None));
    };
    let value = value.to_str().map_err(|_| ApiError::Unauthenticated("malformed Authorization header".into()))?;
    let token =
        value.strip_prefix("Bearer ").ok_or_else(|| ApiError::Unauthenticated("expected a Bearer token".into()))?;
    Ok(RequestPrincipal(Some(app.keys.verify(token.trim())?)))
}

/// Every error gets a code: errors raised by our resolvers carry one
/// already; those raised by async-graphql itself (parse, validation, depth
/// and complexity limits, bad variables) are the client's input.
fn finish_errors(metrics: &Metrics, resp: &mut GqlResponse) {
    for err in &mut resp.errors {
        ensure_code(err);
        let code = err
            .extensions
            .as_ref()
            .and_then(|e| e.get("code"))
            .map(|v| v.to_string().trim_matches('"').to_owned())
            .unwrap_or_default();
        metrics.graphql_errors.with_label_values(&[code.as_str()]).inc();
    }
}

fn ensure_code(err: &mut ServerError) {
    let has = err.extensions.as_ref().is_some_and(|e| e.get("code").is_some());
    if !has {
        err.extensions.get_or_insert_with(Default::default).set("code", code::BAD_USER_INPUT);
    }
}

fn gql_response(metrics: &Metrics, mut resp: BatchResponse) -> Response {
    match &mut resp {
        BatchResponse::Single(r) => finish_errors(metrics, r),
        BatchResponse::Batch(rs) => rs.iter_mut().for_each(|r| finish_errors(metrics, r)),
    }
    let mut out = axum::Json(&resp).into_response();
    if let BatchResponse::Single(r) = &resp
        && let Some(cc) = r.cache_control.value()
        && let Ok(v) = HeaderValue::from_str(&cc)
    {
        out.headers_mut().insert(header::CACHE_CONTROL, v);
    }
    out
}

fn prepare(state: &HttpState, req: async_graphql::Request, principal: &RequestPrincipal) -> async_graphql::Request {
    let account = principal.0.as_ref().and_then(|p| p.account_id());
    let window = std::time::Duration::from_micros(state.app.config.loader_window_us);
    graphql::loaders::add_data_loaders(req.data(principal.clone()), &state.app.db.read, account, window)
}

async fn graphql_post(State(state): State<HttpState>, headers: HeaderMap, body: Body) -> Response {
    let principal = match principal_from_headers(&state.app, &headers) {
        Ok(p) => p,
        Err(e) => return request_error(StatusCode::UNAUTHORIZED, &e),
    };
    let max = state.app.config.max_body_bytes;
    let Ok(bytes) = to_bytes(body, max).await else {
        let e = ApiError::bad_input("body", format!("request body larger than {max} bytes"));
        return request_error(StatusCode::PAYLOAD_TOO_LARGE, &e);
    };
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let opts = MultipartOptions::default().max_file_size(max).max_num_files(8);
    let batch =
        match async_graphql::http::receive_batch_body(content_type, futures_util::io::Cursor::new(bytes), opts).await {
            Ok(b) => b,
            Err(e) => {
                let err = ApiError::bad_input("body", format!("malformed GraphQL request: {e}"));
                return request_error(StatusCode::BAD_REQUEST, &err);
            }
        };
    let batch = match batch {
        BatchRequest::Single(r) => BatchRequest::Single(prepare(&state, r, &principal)),
        BatchRequest::Batch(rs) => {
            if rs.len() > state.app.config.max_batch {
                let err =
                    ApiError::bad_input("body", format!("at most {} operations per batch", state.app.config.max_batch));
                return request_error(StatusCode::BAD_REQUEST, &err);
            }
            if rs.is_empty() {
                return request_error(StatusCode::BAD_REQUEST, &ApiError::bad_input("body", "empty batch"));
            }
            BatchRequest::Batch(rs.into_iter().map(|r| prepare(&state, r, &principal)).collect())
        }
    };
    let resp = state.schema.execute_batch(batch).await;
    gql_response(&state.metrics, resp)
}

/// GET `/graphql`: a query in the query string, or a WebSocket upgrade for
/// subscriptions. Mutations are refused over GET, which may be cached,
/// prefetched or replayed by intermediaries.
async fn graphql_get(State(state): State<HttpState>, req: Request) -> Response {
    let (mut parts, _body) = req.into_parts();
    let is_ws = parts
        .headers
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    if is_ws {
        let (Ok(protocol), Ok(upgrade)) = (
            GraphQLProtocol::from_request_parts(&mut parts, &()).await,
            WebSocketUpgrade::from_request_parts(&mut parts, &()).await,
        ) else {
            return request_error(StatusCode::BAD_REQUEST, &ApiError::bad_input("upgrade", "bad WebSocket request"));
        };
        return websocket(state, protocol, upgrade);
    }
    let principal = match principal_from_headers(&state.app, &parts.headers) {
        Ok(p) => p,
        Err(e) => return request_error(StatusCode::UNAUTHORIZED, &e),
    };
    let query = parts.uri.query().unwrap_or_default();
    let mut gql = match async_graphql::http::parse_query_string(query) {
        Ok(r) => r,
        Err(e) => {
            let err = ApiError::bad_input("query", format!("malformed GraphQL request: {e}"));
            return request_error(StatusCode::BAD_REQUEST, &err);
        }
    };
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
            let err = ApiError::bad_input("query", "mutations must be sent with POST");
            return request_error(StatusCode::METHOD_NOT_ALLOWED, &err);
        }
    }
    let resp = state.schema.execute(prepare(&state, gql, &principal)).await;
    gql_response(&state.metrics, BatchResponse::Single(resp))
}

/// graphql-ws / graphql-transport-ws. The token comes in `connection_init`
/// as `{"Authorization": "Bearer ..."}` (or `{"token": "..."}`); a bad token
/// closes the connection.
fn websocket(state: HttpState, protocol: GraphQLProtocol, upgrade: WebSocketUpgrade) -> Response {
    let schema = state.schema.clone();
    upgrade.protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS).on_upgrade(move |stream| {
        let app = state.app.clone();
        GraphQLWebSocket::new(stream, schema, protocol)
            .on_connection_init(move |payload| async move {
                let token = payload
                    .get("Authorization")
                    .or_else(|| payload.get("authorization"))
                    .and_then(|v| v.as_str())
                    .map(|v| v.trim_start_matches("Bearer ").to_owned())
                    .or_else(|| payload.get("token").and_then(|v| v.as_str()).map(str::to_owned));
                let principal = match token {
                    Some(t) => Some(app.keys.verify(&t).map_err(|e| async_graphql::Error::new(e.public_message()))?),
                    None => None,
                };
                let mut data = Data::default();
                data.insert(RequestPrincipal(principal.clone()));
                let window = Duration::from_micros(app.config.loader_window_us);
                let account = principal.as_ref().and_then(|p| p.account_id());
                graphql::loaders::insert_data_loaders(&mut data, &app.db.read, account, window);
                Ok(data)
            })
            .serve()
    })
}

async fn graphiql() -> Html<String> {
    Html(GraphiQLSource::build().endpoint("/graphql").subscription_endpoint("/graphql").finish())
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<HttpState>) -> Response {
    match state.app.db.ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

async fn metrics(State(state): State<HttpState>) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render()).into_response()
}

async fn track(State(state): State<HttpState>, req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().map_or("unmatched", |p| p.as_str()).to_owned();
    let method = req.method().clone();
    let start = Instant::now();
    let resp = next.run(req).await;
    let status = resp.status().as_u16().to_string();
    state.metrics.requests.with_label_values(&[route.as_str(), method.as_str(), status.as_str()]).inc();
    state.metrics.latency.with_label_values(&[route.as_str()]).observe(start.elapsed().as_secs_f64());
    resp
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    request_error(StatusCode::INTERNAL_SERVER_ERROR, &ApiError::internal("handler panicked"))
}

/// The router of one server process.
pub fn router(app: AppState) -> Result<Router, prometheus::Error> {
    let config = app.config.clone();
    let schema = graphql::build(app.clone(), &config);
    let state = HttpState { app, schema, metrics: Arc::new(Metrics::new()?) };
    let mut router = Router::new()
        .route("/graphql", post(graphql_post).get(graphql_get))
        .route("/oauth/token", post(crate::auth::oauth::token))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics));
    if config.graphiql_enabled() {
        router = router.route("/", get(graphiql));
    }
    let trace = TraceLayer::new_for_http().make_span_with(|req: &Request| {
        let request_id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
        tracing::info_span!("request", method = %req.method(), uri = %req.uri().path(), request_id = %request_id)
    });
    Ok(router
        .route_layer(middleware::from_fn_with_state(state.clone(), track))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(trace)
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state))
}

/// Serve until `shutdown` resolves, then let in-flight requests finish (up
/// to the configured grace period).
pub async fn serve(
    listener: TcpListener,
    app: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let grace = Duration::from_secs(app.config.shutdown_grace_secs);
    app.events.spawn_listener(&app.db);
    let router = router(app).map_err(std::io::Error::other)?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = axum::serve(listener, router).with_graceful_shutdown(async move {
        shutdown.await;
        let _ = tx.send(());
    });
    tokio::select! {
        res = server => res,
        () = async move {
            let _ = rx.await;
            tokio::time::sleep(grace).await;
        } => {
            tracing::warn!("shutdown grace period over; dropping remaining connections");
            Ok(())
        }
    }
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}
