//! Read-your-writes on the wire (the database side is `db::cluster`).
//!
//! Before a request runs, [`route`] picks where its queries read: a
//! standby that has replayed the caller's last write and any consistency
//! token the client sent, else the primary. After a request with a
//! mutation, [`record`] keeps the primary's position for the caller (or for
//! whom the mutation signed in) and returns it to the client as
//! `extensions.consistency` on each mutation's answer. A client that wants
//! another principal's write to be visible (an integration writing through
//! one account and reading through another) sends that value back in the
//! `Gongzhi-Consistency` header or in the request's
//! `extensions.consistency`. Nothing of this runs without standbys.

use std::sync::Arc;

use async_graphql::{Request as GqlRequest, Response as GqlResponse, Value};
use axum::http::HeaderMap;

use crate::auth::Principal;
use crate::db::Db;
use crate::db::cluster::{lsn_text, parse_lsn, principal_key};
use crate::graphql::context::SignedIn;

/// The request header carrying a consistency token.
pub const HEADER: &str = "gongzhi-consistency";
/// The name of the token in requests' and answers' `extensions`.
pub const EXTENSION: &str = "consistency";

/// Where one HTTP request (or WebSocket operation) reads, and what its
/// mutations need after they ran.
pub struct Route {
    /// The process's connections with reads routed for this request.
    pub db: Db,
    /// Per operation of the request: is it a mutation?
    pub mutations: Vec<bool>,
    /// Whom a login, refresh or sign-up in the request signed in.
    pub signed_in: Arc<SignedIn>,
}

/// The newest position among the header and the requests' extensions; a
/// token that is not one is ignored (the client then reads as anyone does).
fn token(headers: &HeaderMap, requests: &[GqlRequest]) -> Option<u64> {
    let header = headers.get(HEADER).and_then(|v| v.to_str().ok()).and_then(parse_lsn);
    let given = requests.iter().filter_map(|r| match r.extensions.get(EXTENSION) {
        Some(Value::String(s)) => parse_lsn(s),
        _ => None,
    });
    header.into_iter().chain(given).max()
}

/// Where the queries of `requests` (sent by `principal`) read.
pub async fn route(
    state: &super::HttpState,
    headers: &HeaderMap,
    principal: Option<&Principal>,
    requests: &mut [GqlRequest],
) -> Route {
    route_db(&state.app.db, headers, principal, requests).await
}

/// [`route`] for a process's connections (the WebSocket has no `HttpState`
/// at hand per operation).
pub async fn route_db(
    db: &Db,
    headers: &HeaderMap,
    principal: Option<&Principal>,
    requests: &mut [GqlRequest],
) -> Route {
    let mutations: Vec<bool> = requests.iter_mut().map(|r| super::graphql::operation_kind(r) == "mutation").collect();
    let signed_in = Arc::default();
    if !db.has_replicas() || mutations.iter().all(|m| *m) {
        return Route { db: db.clone(), mutations, signed_in };
    }
    let key = principal_key(principal);
    let db = db.routed(key.as_deref(), token(headers, requests)).await;
    Route { db, mutations, signed_in }
}

/// Is the primary known to be away (refusing connections, or a standby
/// now)? Then a mutation is answered UNAVAILABLE at once rather than after
/// the connection wait: clients retry sooner, and nothing hangs while a
/// standby is promoted.
pub fn primary_away(db: &Db, route: &Route) -> bool {
    route.mutations.iter().any(|m| *m) && db.cluster.as_ref().is_some_and(|c| !c.primary_up())
}

/// After the request's mutations ran: the primary's position, kept for
/// the caller (or whom it signed in) and put in each mutation's answer.
pub async fn record(db: &Db, principal: Option<&Principal>, route: &Route, responses: &mut [GqlResponse]) {
    let Some(cluster) = db.cluster.as_ref().filter(|c| c.has_replicas()) else { return };
    if !route.mutations.iter().any(|m| *m) {
        return;
    }
    let signed_in = route.signed_in.0.lock().ok().and_then(|p| p.clone());
    let key = principal_key(principal.or(signed_in.as_ref()));
    let lsn = match cluster.record(key.as_deref()).await {
        Ok(lsn) => lsn,
        Err(e) => {
            // The mutation committed; only its freshness guarantee is lost
            // (the primary went away right after it).
            tracing::warn!(error = %e, "write position not recorded");
            return;
        }
    };
    for (r, _) in responses.iter_mut().zip(&route.mutations).filter(|(_, m)| **m) {
        r.extensions.insert(EXTENSION.into(), Value::String(lsn_text(lsn)));
    }
}

/// The answers of an HTTP request (one, or a batch's).
pub fn answers(resp: &mut async_graphql::BatchResponse) -> &mut [GqlResponse] {
    match resp {
        async_graphql::BatchResponse::Single(r) => std::slice::from_mut(r),
        async_graphql::BatchResponse::Batch(rs) => rs.as_mut_slice(),
    }
}
