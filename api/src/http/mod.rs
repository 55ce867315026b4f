//! HTTP wiring: `/graphql` (POST; GET for queries; WebSocket), GraphiQL at
//! `/`, `/oauth/token`, `/healthz`, `/readyz`, `/metrics`, request ids,
//! tracing, metrics and graceful shutdown. Each concern is a module:
//! [`graphql`] (the GraphQL transports over HTTP), [`ws`] (subscriptions),
//! [`oauth`] (client credentials), [`ops`] (probes and metrics) and
//! [`client`] (client addresses and the unauthenticated rate limit).

pub mod adapter;
pub mod client;
pub mod consistency;
pub mod graphiql;
pub mod graphql;
pub mod idempotency;
pub mod oauth;
pub mod ops;
pub mod persisted;
mod screening;
pub mod ws;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::error::ApiError;
use crate::gate::Limits;
use crate::metrics::Metrics;
use crate::schema::AppSchema;
use crate::state::AppState;

/// State of the HTTP layer.
#[derive(Clone)]
pub struct HttpState {
    pub app: AppState,
    pub schema: AppSchema,
    pub metrics: Arc<Metrics>,
    pub limiter: Arc<client::AnonLimiter>,
    pub limits: Limits,
    /// Screened documents by text ([`crate::gate::Documents`]).
    pub documents: Arc<crate::gate::Documents>,
    /// Automatic persisted queries and trusted documents.
    pub persisted: Arc<persisted::Persisted>,
}

/// A GraphQL-shaped error response for problems found before execution.
pub(crate) fn request_error(status: StatusCode, err: &ApiError) -> Response {
    // The same extensions as an error raised in a resolver: the code, the
    // input field a BAD_USER_INPUT is about, when to retry.
    let mut extensions = json!({ "code": err.code() });
    if let Some(field) = err.field() {
        extensions["field"] = json!(field);
    }
    if let Some(secs) = err.retry_after_secs() {
        extensions["retryAfterSeconds"] = json!(secs);
    }
    let body = json!({ "errors": [{ "message": err.public_message(), "extensions": extensions }] });
    let mut resp = (status, axum::Json(body)).into_response();
    if let Some(secs) = err.retry_after_secs() {
        resp.headers_mut().insert(axum::http::header::RETRY_AFTER, secs.into());
    }
    resp.extensions_mut().insert(Rejected(err.code()));
    if status == StatusCode::UNAUTHORIZED {
        // RFC 6750: tell the client which scheme to use and why it failed.
        resp.headers_mut().insert(
            axum::http::header::WWW_AUTHENTICATE,
            axum::http::HeaderValue::from_static("Bearer realm=\"gongzhi\", error=\"invalid_token\""),
        );
    }
    resp
}

/// A request refused before execution, with its error code (for `/metrics`).
#[derive(Clone, Copy, Debug)]
pub struct Rejected(pub &'static str);

/// What the GraphQL transport tells the access log about a request (set
/// as a response extension): the operation and who asked. Never a token,
/// a password or personal data.
#[derive(Clone, Debug, Default)]
pub struct AccessInfo {
    pub operation_name: Option<String>,
    /// `query`, `mutation`, `subscription` (or `batch`).
    pub operation_type: &'static str,
    /// `account`, `client` or `anonymous`.
    pub principal_kind: &'static str,
    /// The account's or API client's id.
    pub principal_id: Option<i32>,
}

impl AccessInfo {
    pub fn of(principal: Option<&crate::auth::Principal>) -> Self {
        let (principal_kind, principal_id) = match principal {
            None => ("anonymous", None),
            Some(p) => match (p.account_id(), p.api_client_id()) {
                (Some(a), _) => ("account", Some(a)),
                (None, Some(c)) => ("client", Some(c)),
                _ => ("system", None),
            },
        };
        Self { operation_name: None, operation_type: "", principal_kind, principal_id }
    }
}

/// Metrics, and one access line per request at info (target
/// `gongzhi::access`): request id, method, path, status, duration, and for
/// GraphQL the operation and the principal's kind and id.
async fn track(State(state): State<HttpState>, req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().map_or("unmatched", |p| p.as_str()).to_owned();
    let method = req.method().clone();
    let request_id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-").to_owned();
    let start = Instant::now();
    let resp = next.run(req).await;
    let status = resp.status().as_u16();
    let elapsed = start.elapsed();
    let status_text = status.to_string();
    state.metrics.requests.with_label_values(&[route.as_str(), method.as_str(), status_text.as_str()]).inc();
    state.metrics.latency.with_label_values(&[route.as_str()]).observe(elapsed.as_secs_f64());
    let info = resp.extensions().get::<AccessInfo>().cloned().unwrap_or_default();
    if let Some(Rejected(code)) = resp.extensions().get::<Rejected>() {
        state.metrics.rejected.with_label_values(&[code]).inc();
    }
    if !info.operation_type.is_empty() {
        state.metrics.operation(info.operation_name.as_deref(), info.operation_type, elapsed.as_secs_f64());
    }
    tracing::info!(
        target: "gongzhi::access",
        request_id = %request_id,
        method = %method,
        path = %route,
        status,
        duration_ms = elapsed.as_secs_f64() * 1000.0,
        operation = info.operation_name.as_deref().unwrap_or(""),
        operation_type = info.operation_type,
        principal = info.principal_kind,
        principal_id = info.principal_id,
        "request"
    );
    resp
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    request_error(StatusCode::INTERNAL_SERVER_ERROR, &ApiError::internal("handler panicked"))
}

/// What the client accepts, applied to every answer: the request's
/// language, from `Accept-Language`, for everything the request runs
/// ([`crate::i18n`]; JSON answers say which it is, `Content-Language`, and
/// that it depends on the header, `Vary`); and a request refused before
/// execution gets `application/graphql-response+json` when the client
/// accepts it, as GraphQL over HTTP asks (the status codes are the same).
async fn negotiate(req: Request, next: Next) -> Response {
    use axum::http::{HeaderValue, header};
    let graphql_response = graphql::wants_graphql_response(req.headers());
    let lang = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(crate::i18n::Lang::from_accept_language)
        .unwrap_or_default();
    let mut resp = crate::i18n::scope(lang, next.run(req)).await;
    let json =
        resp.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|c| c.contains("json"));
    if json {
        resp.headers_mut().insert(header::CONTENT_LANGUAGE, HeaderValue::from_static(lang.tag()));
        resp.headers_mut().append(header::VARY, HeaderValue::from_static("accept-language"));
        if graphql_response && resp.extensions().get::<Rejected>().is_some() {
            let media = HeaderValue::from_static(graphql::GRAPHQL_RESPONSE);
            resp.headers_mut().insert(header::CONTENT_TYPE, media);
        }
    }
    resp
}

/// A request refused for its size leaves its body unread, so the server
/// closes the connection after answering: it says so (`Connection: close`),
/// and a keep-alive client opens a new connection for its next request
/// instead of writing it into one about to go away.
async fn close_after_unread_body(mut resp: Response) -> Response {
    use axum::http::{HeaderValue, StatusCode, header};
    if resp.status() == StatusCode::PAYLOAD_TOO_LARGE {
        resp.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    resp
}

/// The limits every request is screened against (see [`crate::gate`]).
pub fn limits(config: &crate::Config) -> Limits {
    Limits {
        max_nesting: config.max_nesting,
        max_tokens: config.max_tokens,
        max_aliases: config.max_aliases,
        max_introspection: if config.introspection_enabled() { config.max_introspection } else { 0 },
        max_fields: config.max_fields,
        max_depth: config.max_depth,
    }
}

/// Request headers every browser app may send cross-origin: the stock
/// clients' (Apollo's client awareness, a client's own request id, the
/// idempotency key, W3C trace context) besides the obvious three.
pub const CORS_HEADERS: [&str; 8] = [
    "authorization",
    "content-type",
    "accept",
    "idempotency-key",
    "x-request-id",
    "apollographql-client-name",
    "apollographql-client-version",
    "traceparent",
];

/// CORS for the configured origins only (none by default: every
/// cross-origin browser request is then refused by the browser). Browser
/// code may read `x-request-id` (to quote in a support request) and
/// `retry-after` (to wait before retrying).
fn cors_layer(config: &crate::Config) -> tower_http::cors::CorsLayer {
    use axum::http::{HeaderName, HeaderValue, Method};
    let origins: Vec<HeaderValue> =
        config.cors_origins.iter().filter_map(|o| HeaderValue::from_str(o.trim()).ok()).collect();
    let headers: Vec<HeaderName> = CORS_HEADERS
        .iter()
        .map(|h| (*h).to_owned())
        .chain(config.cors_extra_headers.iter().map(|h| h.trim().to_ascii_lowercase()))
        .filter_map(|h| HeaderName::from_bytes(h.as_bytes()).ok())
        .collect();
    tower_http::cors::CorsLayer::new()
        .allow_origin(origins)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers(headers)
        .expose_headers([HeaderName::from_static("x-request-id"), axum::http::header::RETRY_AFTER])
        .max_age(Duration::from_secs(config.cors_max_age_secs))
}

/// gzip or brotli as `Accept-Encoding` asks, for bodies of at least
/// `compress_min_bytes`; never for images (photos are JPEG already),
/// event streams, or responses already encoded (the GraphiQL assets are
/// served pre-compressed). WebSocket frames are not HTTP bodies: the
/// upgrade answer has none.
fn compression_layer(
    config: &crate::Config,
) -> tower_http::compression::CompressionLayer<impl tower_http::compression::Predicate + use<>> {
    use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
    let min = if config.compress_min_bytes == 0 { u16::MAX } else { config.compress_min_bytes };
    let when =
        SizeAbove::new(min).and(NotForContentType::GRPC).and(NotForContentType::IMAGES).and(NotForContentType::SSE);
    tower_http::compression::CompressionLayer::new().gzip(true).br(true).compress_when(when)
}

/// `path` on the server's public base URL (`GONGZHI_PUBLIC_URL`), when one
/// is configured; the path as it is otherwise.
pub fn absolute_url(app: &AppState, path: &str) -> String {
    match app.config.public_url.as_deref() {
        Some(base) => format!("{}{path}", base.trim_end_matches('/')),
        None => path.to_owned(),
    }
}

/// The caller of a plain HTTP endpoint (not `/graphql`) by bearer token:
/// `None` without an `Authorization` header, an error for a bad token.
pub fn bearer_principal(
    state: &HttpState,
    headers: &axum::http::HeaderMap,
) -> Result<Option<crate::auth::Principal>, crate::error::ApiError> {
    graphql::principal_from_headers(state, headers).map(|p| p.map(|(p, _)| p))
}

/// The router of one server process.
pub async fn router(app: AppState) -> std::io::Result<Router> {
    let config = app.config.clone();
    let schema = crate::schema::build(app.clone(), &config);
    let metrics = Arc::new(Metrics::new(app.counters.clone()).map_err(std::io::Error::other)?);
    let limiter = Arc::new(client::anon_limiter(&config));
    let persisted = Arc::new(persisted::Persisted::from_config(&config).map_err(std::io::Error::other)?);
    let surfaces = crate::schema::surfaces().await.map_err(std::io::Error::other)?;
    let documents = Arc::new(crate::gate::Documents::new(config.document_cache_entries, Some(surfaces)));
    let state = HttpState { app, schema, metrics, limiter, limits: limits(&config), documents, persisted };
    let mut router = Router::new()
        .route("/graphql", post(graphql::post).get(graphql::get))
        .route("/oauth/token", post(oauth::token))
        .route("/oauth/revoke", post(oauth::revoke))
        .route("/oauth/introspect", post(oauth::introspect))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .merge(crate::domains::routes());
    if config.graphiql_enabled() {
        router = router
            .route("/", get(graphiql::page))
            .route("/graphiql", get(graphiql::page))
            .route("/graphiql/", get(graphiql::page))
            .route("/graphiql/{name}", get(graphiql::asset));
    }
    let trace = TraceLayer::new_for_http().make_span_with(|req: &Request| {
        let request_id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
        tracing::info_span!("request", method = %req.method(), uri = %req.uri().path(), request_id = %request_id)
    });
    // The limiter's memory is per client address seen; forget idle ones.
    let sweeper = Arc::downgrade(&state.limiter);
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(60)).await;
            let Some(l) = sweeper.upgrade() else { break };
            l.retain_recent();
        }
    });
    let cors = cors_layer(&config);
    Ok(router
        .route_layer(middleware::from_fn_with_state(state.clone(), track))
        .layer(middleware::from_fn(negotiate))
        .layer(compression_layer(&config))
        .layer(middleware::map_response(close_after_unread_body))
        .layer(cors)
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
    let wakes = vec![
        (crate::auth::revocation::CHANNEL, app.revocation_wake.clone()),
        (crate::webhooks::outbox::CHANNEL, app.db.outbox_wake.clone()),
    ];
    app.events.spawn_listener(&app.db, &app.config.database_url, wakes);
    let poll = Duration::from_millis(app.config.revocation_poll_ms.max(100));
    app.revocations.spawn(&app.db, app.revocation_wake.clone(), poll);
    crate::domains::spawn_jobs(&app);
    let draining = app.clone();
    let router = router(app).await?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    let stopping = draining.clone();
    let server = axum::serve(listener, service).with_graceful_shutdown(async move {
        shutdown.await;
        crate::webhooks::worker::stop(&stopping);
        let _ = tx.send(());
    });
    let res = tokio::select! {
        res = server => res,
        () = async move {
            let _ = rx.await;
            tokio::time::sleep(grace).await;
        } => {
            tracing::warn!("shutdown grace period over; dropping remaining connections");
            Ok(())
        }
    };
    crate::webhooks::worker::drain(&draining, grace).await;
    res
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
