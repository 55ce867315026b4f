//! GraphQL subscriptions over WebSocket (graphql-transport-ws and the older
//! graphql-ws protocol).
//!
//! A connection authenticates once, in `connection_init`, with
//! `{"Authorization": "Bearer …"}` (or `{"token": "…"}`); it stays bound to
//! that token. Every `ws_recheck_secs` the connection checks that the token
//! has not expired and that its session still stands (account enabled,
//! membership present, refresh-token family not revoked, API client not
//! revoked), and closes with 4401 (expired: reconnect with a fresh token) or
//! 4403 (session ended) otherwise, ending every subscription on it. A bad
//! token in `connection_init` closes with 4403 as graphql-transport-ws says.
//! Each subscribed operation passes the same [`crate::gate`] screening as
//! HTTP requests.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_graphql::futures_util::stream::BoxStream;
use async_graphql::http::WebSocketProtocols;
use async_graphql::http::{ALL_WEBSOCKET_PROTOCOLS, WebSocket as GqlWebSocket, WsMessage};
use async_graphql::{Data, ErrorExtensions, Executor, Pos, Request as GqlRequest, Response as GqlResponse};
use axum::extract::WebSocketUpgrade;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use axum::response::Response;
use chrono::Utc;
use futures_util::{SinkExt, StreamExt, future, stream};

use super::HttpState;
use crate::audience::Audience;
use crate::auth::Principal;
use crate::auth::jwt::TokenInfo;
use crate::error::ApiError;
use crate::gate::{self, Limits};
use crate::graphql::context::{ClientAddr, RequestPrincipal, RequestSession};
use crate::schema::AppSchema;

/// Close codes of graphql-transport-ws.
const CLOSE_UNAUTHORIZED: u16 = 4401;
const CLOSE_FORBIDDEN: u16 = 4403;

/// The schema behind the WebSocket, screening each operation first.
#[derive(Clone)]
struct Gated {
    schema: AppSchema,
    limits: Limits,
    documents: Arc<gate::Documents>,
    /// Live subscriptions (operations), for `/metrics`.
    subscriptions: prometheus::IntGauge,
    /// The database the idempotency keys of this connection's mutations live in.
    db: crate::db::Db,
    /// Who the connection acts as (set by `connection_init`): keys are per principal.
    auth: Arc<Mutex<Auth>>,
    /// API clients' trusted documents.
    client_documents: crate::auth::documents::ClientDocuments,
    /// The process's state: where each operation reads is chosen per
    /// operation (see [`Gated::routed`]).
    app: crate::AppState,
}

fn refused(e: &ApiError) -> GqlResponse {
    GqlResponse::from_errors(vec![e.extend().into_server_error(Pos::default())])
}

impl Gated {
    /// The gate, then the surface of the connection's kind of caller (see
    /// `graphql::screen_all`): the answer to send instead when refused.
    fn screen(&self, req: &mut GqlRequest) -> Result<(), Box<GqlResponse>> {
        let audience = match get(&self.auth) {
            Auth::Session(p, _) => Audience::of(Some(&p)),
            _ => Audience::Anonymous,
        };
        let (counts, refusal) =
            self.documents.screen(req, &self.limits, audience).map_err(|e| Box::new(refused(&e)))?;
        if counts.credential_fields > 1 {
            return Err(Box::new(refused(&ApiError::bad_input("query", t!("http.most_one_login_refreshtoken_field")))));
        }
        match refusal {
            None => Ok(()),
            Some(_) if audience == Audience::Anonymous => {
                Err(Box::new(refused(&ApiError::Unauthenticated(t!("http.sign_in_to_use_this")))))
            }
            Some(r) => Err(Box::new(with_codes(GqlResponse::from_errors(vec![r.into_server_error()])))),
        }
    }
}

impl Gated {
    /// A mutation sent with `extensions.idempotencyKey` (the WebSocket
    /// form of the `Idempotency-Key` header): run once per principal and
    /// key, whichever transport or process the retry reaches; a retry gets
    /// the first answer (see `http::idempotency`). Other operations with a
    /// key run as usual.
    async fn keyed(self, mut request: GqlRequest, session: Arc<Data>) -> GqlResponse {
        use super::idempotency::{Claim, claim, fingerprint, key_of, owner};
        let key = match key_of(&axum::http::HeaderMap::new(), &request) {
            Ok(Some(k)) if super::graphql::operation_kind(&mut request) == "mutation" => k,
            Ok(_) => return self.run(request, session).await,
            Err(e) => return refused(&e),
        };
        let principal = match get(&self.auth) {
            Auth::Session(p, _) => Some(p),
            _ => None,
        };
        let hash = fingerprint(&request);
        match claim(&self.db, owner(principal.as_ref()), key, &hash).await {
            Err(e) => refused(&e),
            Ok(Claim::Replay(body)) => {
                serde_json::from_str(&body).unwrap_or_else(|_| refused(&ApiError::internal("stored idempotent answer")))
            }
            Ok(Claim::Run(claimed)) => {
                let resp = self.run(request, session).await;
                let body = serde_json::to_vec(&resp).unwrap_or_default();
                if let Err(e) = claimed.finish(&self.db, axum::http::StatusCode::OK, &body).await {
                    tracing::warn!(error = ?e.public_message(), "idempotency answer not recorded");
                }
                resp
            }
        }
    }

    async fn run(&self, request: GqlRequest, session: Arc<Data>) -> GqlResponse {
        let mut s = self.schema.execute_stream_with_session_data(request, session);
        match s.next().await {
            Some(r) => with_codes(r),
            None => refused(&ApiError::internal("no answer")),
        }
    }
}

fn with_codes(mut resp: GqlResponse) -> GqlResponse {
    resp.errors.iter_mut().for_each(crate::error::finish);
    resp
}

impl Gated {
    /// A bound API client's request must be one of its documents (see
    /// `auth::documents`); the answer to send instead when it is not.
    async fn bound(&self, request: &mut GqlRequest) -> Result<(), Box<GqlResponse>> {
        let principal = match get(&self.auth) {
            Auth::Session(p, _) => Some(p),
            _ => None,
        };
        self.client_documents.admit(&self.db.read, principal.as_ref(), request).await.map_err(|e| Box::new(refused(&e)))
    }

    async fn screened_stream(
        &self,
        mut request: GqlRequest,
        session: Option<Arc<Data>>,
    ) -> BoxStream<'static, GqlResponse> {
        if let Err(answer) = self.screen(&mut request) {
            return stream::once(future::ready(*answer)).boxed();
        }
        let (request, route) = self.routed(request).await;
        if route.as_ref().is_some_and(|r| super::consistency::primary_away(&self.app.db, r)) {
            return stream::once(future::ready(refused(&ApiError::Unavailable("primary away".into())))).boxed();
        }
        if route.as_ref().is_some_and(|r| r.mutations.iter().any(|m| *m)) {
            let this = self.clone();
            let session = session.unwrap_or_default();
            return stream::once(async move {
                let resp = if request.extensions.contains_key("idempotencyKey") {
                    this.clone().keyed(request, session).await
                } else {
                    this.run(request, session).await
                };
                this.recorded(route.as_ref(), resp).await
            })
            .boxed();
        }
        if request.extensions.contains_key("idempotencyKey") {
            return stream::once(self.clone().keyed(request, session.unwrap_or_default())).boxed();
        }
        // Counted while the stream lives: it ends with the operation
        // (complete, error) or the connection.
        self.subscriptions.inc();
        let live = Open(self.subscriptions.clone());
        self.schema
            .execute_stream_with_session_data(request, session.unwrap_or_default())
            .map(move |r| {
                let _ = &live;
                with_codes(r)
            })
            .boxed()
    }
}

impl Gated {
    fn principal(&self) -> Option<Principal> {
        match get(&self.auth) {
            Auth::Session(p, _) => Some(p),
            _ => None,
        }
    }

    /// With standbys, where the operation reads: a query as over HTTP (the
    /// caller's last write, and a token in `extensions.consistency`); a
    /// mutation, and a subscription, on the primary (a live event is
    /// resolved against data at least as new as the event). The request
    /// gets its own loaders on that server; the connection's serve the
    /// rest. The route, for a mutation to record its position after.
    async fn routed(&self, mut request: GqlRequest) -> (GqlRequest, Option<super::consistency::Route>) {
        use super::consistency::{Route, route_db};
        let app = &self.app;
        if !app.db.has_replicas() {
            return (request, None);
        }
        let principal = self.principal();
        let route = match super::graphql::operation_kind(&mut request) {
            "query" => {
                let none = axum::http::HeaderMap::new();
                route_db(&app.db, &none, principal.as_ref(), std::slice::from_mut(&mut request)).await
            }
            kind => Route { db: app.db.primary(), mutations: vec![kind == "mutation"], signed_in: Arc::default() },
        };
        let window = Duration::from_micros(app.config.loader_window_us);
        let setup = crate::graphql::loaders::Setup {
            db: &route.db.read,
            principal: principal.as_ref(),
            mode: crate::graphql::loaders::Mode::Window(window),
            cache: false,
        };
        let request =
            request.data(crate::AppState { db: route.db.clone(), ..app.clone() }).data(route.signed_in.clone());
        let request = crate::graphql::loaders::add_data_loaders(request, setup, crate::domains::register_loaders);
        (request, Some(route))
    }

    /// After a mutation on the WebSocket: its position, as over HTTP.
    async fn recorded(&self, route: Option<&super::consistency::Route>, mut resp: GqlResponse) -> GqlResponse {
        if let Some(route) = route {
            let principal = self.principal();
            super::consistency::record(&self.app.db, principal.as_ref(), route, std::slice::from_mut(&mut resp)).await;
        }
        resp
    }
}

impl Executor for Gated {
    async fn execute(&self, mut request: GqlRequest) -> GqlResponse {
        if let Err(answer) = self.bound(&mut request).await {
            return *answer;
        }
        match self.screen(&mut request) {
            Ok(()) => with_codes(self.schema.execute(request).await),
            Err(answer) => *answer,
        }
    }

    fn execute_stream(&self, mut request: GqlRequest, session: Option<Arc<Data>>) -> BoxStream<'static, GqlResponse> {
        let this = self.clone();
        stream::once(async move {
            match this.bound(&mut request).await {
                Ok(()) => this.screened_stream(request, session).await,
                Err(answer) => stream::once(future::ready(*answer)).boxed(),
            }
        })
        .flatten()
        .boxed()
    }
}

/// What `connection_init` established.
#[derive(Clone, Default)]
enum Auth {
    #[default]
    Pending,
    Anonymous,
    Session(Principal, TokenInfo),
    Refused,
}

pub fn upgrade(
    state: HttpState,
    protocol: WebSocketProtocols,
    upgrade: WebSocketUpgrade,
    addr: ClientAddr,
) -> Response {
    // The connection keeps the language of its upgrade request.
    let lang = crate::i18n::current();
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| crate::i18n::scope(lang, serve(state, protocol, socket, addr)))
}

fn close(code: u16, reason: &str) -> Message {
    Message::Close(Some(CloseFrame { code, reason: reason.into() }))
}

/// Keeps the open-connections gauge right however the connection ends.
struct Open(prometheus::IntGauge);

impl Drop for Open {
    fn drop(&mut self) {
        self.0.dec();
    }
}

async fn serve(state: HttpState, protocol: WebSocketProtocols, socket: WebSocket, addr: ClientAddr) {
    state.metrics.websockets.inc();
    let _open = Open(state.metrics.websockets.clone());
    let (mut sink, source) = socket.split();
    let input = source.take_while(|m| future::ready(m.is_ok())).filter_map(|m| {
        future::ready(match m {
            Ok(m @ (Message::Text(_) | Message::Binary(_))) => Some(m.into_data()),
            _ => None,
        })
    });
    let auth = Arc::new(Mutex::new(Auth::Pending));
    let app = state.app.clone();
    let init_auth = auth.clone();
    let on_init = move |payload: serde_json::Value| async move {
        let token = payload
            .get("Authorization")
            .or_else(|| payload.get("authorization"))
            .and_then(|v| v.as_str())
            .map(|v| v.trim_start_matches("Bearer ").to_owned())
            .or_else(|| payload.get("token").and_then(|v| v.as_str()).map(str::to_owned));
        let verified = match token {
            Some(t) => match crate::auth::authenticate(&app, &t) {
                Ok((p, info)) => Some((p, info)),
                Err(e) => {
                    tracing::warn!("WebSocket connection_init with an invalid token");
                    set(&init_auth, Auth::Refused);
                    return Err(async_graphql::Error::new(e.public_message()));
                }
            },
            None => None,
        };
        let principal = verified.as_ref().map(|(p, _)| p.clone());
        let verified_session = verified.as_ref().and_then(|(_, info)| info.session_id.clone());
        set(&init_auth, verified.map_or(Auth::Anonymous, |(p, info)| Auth::Session(p, info)));
        let mut data = Data::default();
        data.insert(RequestPrincipal(principal.clone()));
        data.insert(RequestSession(verified_session));
        data.insert(addr);
        let window = Duration::from_micros(app.config.loader_window_us);
        // A connection's loaders serve every operation on it at once, so no
        // one request drives their batches: they keep the time window.
        let mode = crate::graphql::loaders::Mode::Window(window);
        let setup =
            crate::graphql::loaders::Setup { db: &app.db.read, principal: principal.as_ref(), mode, cache: false };
        crate::graphql::loaders::insert_data_loaders(&mut data, setup, crate::domains::register_loaders);
        Ok(data)
    };
    let executor = Gated {
        schema: state.schema.clone(),
        limits: state.limits,
        documents: state.documents.clone(),
        subscriptions: state.metrics.subscriptions.clone(),
        db: state.app.db.clone(),
        auth: auth.clone(),
        client_documents: state.app.client_documents.clone(),
        app: state.app.clone(),
    };
    let messages = GqlWebSocket::new(executor, input, protocol).on_connection_init(on_init);
    futures_util::pin_mut!(messages);
    let mut recheck = tokio::time::interval(Duration::from_secs(state.app.config.ws_recheck_secs.max(1)));
    recheck.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let out = tokio::select! {
            msg = messages.next() => match msg {
                None => break,
                Some(WsMessage::Text(text)) => Message::Text(text.into()),
                Some(WsMessage::Close(code, reason)) => {
                    let refused = matches!(get(&auth), Auth::Refused);
                    let _ = sink.send(close(if refused { CLOSE_FORBIDDEN } else { code }, &reason)).await;
                    break;
                }
            },
            _ = recheck.tick() => {
                let Auth::Session(principal, info) = get(&auth) else { continue };
                // The same leeway as HTTP's token validation.
                let leeway = chrono::Duration::seconds(crate::auth::jwt::LEEWAY_SECS as i64);
                if info.expires_at + leeway <= Utc::now() {
                    let _ = sink.send(close(CLOSE_UNAUTHORIZED, "access token expired")).await;
                    break;
                }
                // What this process knows of revocations: no database read.
                if state.app.revocations.is_revoked(&principal, &info) {
                    let _ = sink.send(close(CLOSE_FORBIDDEN, "session ended")).await;
                    break;
                }
                continue;
            }
        };
        if sink.send(out).await.is_err() {
            break;
        }
    }
}

fn set(auth: &Mutex<Auth>, value: Auth) {
    if let Ok(mut a) = auth.lock() {
        *a = value;
    }
}

fn get(auth: &Mutex<Auth>) -> Auth {
    auth.lock().map(|a| a.clone()).unwrap_or_default()
}
