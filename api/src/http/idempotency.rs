//! Safe retries: a mutation sent with an idempotency key (the
//! `Idempotency-Key` header, as Stripe's API takes it, or
//! `extensions.idempotencyKey` in the request body) runs once per principal
//! and key; a retry within [`TTL_HOURS`] gets the first answer again
//! (`Idempotent-Replayed: true`) without the work being done again, from
//! whichever server process it reaches.
//!
//! - The key is claimed in the database before the mutation runs (a unique
//!   row per principal and key), so two copies racing, in one process or
//!   two, run it once: the second waits for the first's answer.
//! - The same key with a different request (operation or variables) is
//!   CONFLICT (HTTP 409), and nothing runs.
//! - An answer is kept only when the request ran (HTTP 200 with `data`)
//!   and did not fail for a server-side reason (INTERNAL, UNAVAILABLE);
//!   otherwise the key is let go, and a retry runs the mutation (a request
//!   refused by validation can be fixed and sent again with its key). A claim whose request never
//!   answered (its process died) is taken over after [`ABANDONED_SECS`].

use std::time::Duration as StdDuration;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{Duration, Utc};
use entity::idempotency_key;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::NotSet, ColumnTrait, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};

use async_graphql::BatchRequest;
use axum::body::{Body, to_bytes};

use super::{HttpState, request_error};
use crate::auth::Principal;
use crate::db::Db;
use crate::error::{ApiError, ApiResult, code};

/// How long an answer is kept for retries (hours).
pub const TTL_HOURS: i64 = 24;
/// A claim older than this whose request never answered is taken over
/// (seconds; a mutation takes well under one).
pub const ABANDONED_SECS: i64 = 60;
/// Longest a retry waits for the first request's answer.
const WAIT: StdDuration = StdDuration::from_secs(10);
/// Longest key accepted (characters).
pub const MAX_KEY: usize = 255;

/// The key of a request, from the header or the request's extensions.
pub fn key_of(headers: &HeaderMap, req: &async_graphql::Request) -> ApiResult<Option<String>> {
    let from_header = headers.get("idempotency-key").map(|v| v.to_str().map(str::to_owned));
    let key = match from_header {
        Some(Ok(k)) => Some(k),
        Some(Err(_)) => return Err(ApiError::bad_input("Idempotency-Key", t!("http.idempotency_key_format"))),
        None => match req.extensions.get("idempotencyKey") {
            Some(async_graphql::Value::String(k)) => Some(k.clone()),
            Some(_) => return Err(ApiError::bad_input("idempotencyKey", t!("http.idempotency_key_format"))),
            None => None,
        },
    };
    match key {
        Some(k) if k.is_empty() || k.chars().count() > MAX_KEY || k.chars().any(char::is_control) => {
            Err(ApiError::bad_input("Idempotency-Key", t!("http.idempotency_key_format")))
        }
        k => Ok(k),
    }
}

/// Whose keys these are: keys are per principal.
pub fn owner(p: Option<&Principal>) -> String {
    match p {
        Some(p) => match (p.account_id(), p.api_client_id()) {
            (Some(a), _) => format!("a:{a}"),
            (None, Some(c)) => format!("c:{c}"),
            (None, None) => "-".into(),
        },
        None => "-".into(),
    }
}

/// What makes two requests the same: the operation text, its name and its
/// variables.
pub fn fingerprint(req: &async_graphql::Request) -> String {
    let mut h = Sha256::new();
    h.update(req.query.as_bytes());
    h.update([0]);
    h.update(req.operation_name.as_deref().unwrap_or_default().as_bytes());
    h.update([0]);
    h.update(serde_json::to_string(&req.variables).unwrap_or_default().as_bytes());
    hex(&h.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What to do with a keyed request.
pub enum Claim {
    /// Run it, then record its answer with [`Claimed::finish`].
    Run(Claimed),
    /// The first answer, to send again.
    Replay(String),
}

/// A claimed key: the request runs under it.
pub struct Claimed {
    owner: String,
    key: String,
}

/// Claim `key` for the request with `hash`, or find the first answer.
pub async fn claim(db: &Db, owner: String, key: String, hash: &str) -> ApiResult<Claim> {
    let started = tokio::time::Instant::now();
    loop {
        let now = Utc::now();
        let inserted = idempotency_key::Entity::insert(idempotency_key::ActiveModel {
            id: NotSet,
            owner: Set(owner.clone()),
            key: Set(key.clone()),
            request_hash: Set(hash.to_owned()),
            status: Set(0),
            response: Set(None),
            created_at: Set(now),
        })
        .on_conflict(
            OnConflict::columns([idempotency_key::Column::Owner, idempotency_key::Column::Key]).do_nothing().to_owned(),
        )
        .exec_without_returning(&db.write)
        .await?;
        if inserted == 1 {
            return Ok(Claim::Run(Claimed { owner, key }));
        }
        let Some(row) = find(db, &owner, &key).await? else { continue };
        let age = now - row.created_at;
        let dead = age > Duration::hours(TTL_HOURS) || (row.status == 0 && age > Duration::seconds(ABANDONED_SECS));
        if dead {
            // Expired, or its request never answered: take it over (one
            // process wins the conditional delete, the others see the new
            // claim on their next turn).
            idempotency_key::Entity::delete_many()
                .filter(idempotency_key::Column::Id.eq(row.id))
                .filter(idempotency_key::Column::CreatedAt.eq(row.created_at))
                .exec(&db.write)
                .await?;
            continue;
        }
        if row.request_hash != hash {
            return Err(ApiError::conflict(t!("http.idempotency_key_reused")));
        }
        if let (1, Some(response)) = (row.status, row.response) {
            return Ok(Claim::Replay(response));
        }
        if started.elapsed() > WAIT {
            return Err(ApiError::conflict(t!("http.idempotency_key_in_progress")));
        }
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
}

async fn find(db: &Db, owner: &str, key: &str) -> ApiResult<Option<idempotency_key::Model>> {
    Ok(idempotency_key::Entity::find()
        .filter(idempotency_key::Column::Owner.eq(owner))
        .filter(idempotency_key::Column::Key.eq(key))
        .one(&db.write)
        .await?)
}

impl Claimed {
    /// Keep `body` as the key's answer, or let the key go when the request
    /// did not run or failed for a server-side reason (a retry then runs).
    pub async fn finish(self, db: &Db, status: StatusCode, body: &[u8]) -> ApiResult<()> {
        let text = std::str::from_utf8(body).unwrap_or_default();
        let server_side = [code::INTERNAL, code::UNAVAILABLE].iter().any(|c| text.contains(&format!("\"{c}\"")));
        // A request refused before execution (parse or validation errors)
        // has no `data` and no error with a `path`: nothing ran, so nothing
        // is kept. (A field error has a path even where it nulls `data`.)
        let ran = serde_json::from_slice::<serde_json::Value>(body).ok().is_some_and(|v| {
            v.get("data").is_some_and(|d| !d.is_null())
                || v["errors"].as_array().is_some_and(|es| es.iter().any(|e| e.get("path").is_some()))
        });
        let filter = || {
            sea_orm::Condition::all()
                .add(idempotency_key::Column::Owner.eq(self.owner.as_str()))
                .add(idempotency_key::Column::Key.eq(self.key.as_str()))
        };
        if status != StatusCode::OK || server_side || !ran {
            idempotency_key::Entity::delete_many().filter(filter()).exec(&db.write).await?;
            return Ok(());
        }
        idempotency_key::Entity::update_many()
            .col_expr(idempotency_key::Column::Status, 1.into())
            .col_expr(idempotency_key::Column::Response, Some(text.to_owned()).into())
            .filter(filter())
            .exec(&db.write)
            .await?;
        Ok(())
    }
}

/// The first answer, sent again.
pub fn replay(body: String, media: &'static str) -> Response {
    let mut out = (StatusCode::OK, [(header::CONTENT_TYPE, media)], body).into_response();
    out.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    out
}

/// The key of a keyed mutation, claimed (or its first answer found); `None`
/// for a request without a key, or one that is no mutation (reads need no
/// key: they change nothing).
pub(super) async fn idempotent(
    state: &HttpState,
    headers: &HeaderMap,
    batch: &mut BatchRequest,
    principal: Option<&Principal>,
) -> Result<Option<Claim>, ApiError> {
    let r = match batch {
        BatchRequest::Single(r) => r,
        BatchRequest::Batch(_) if headers.contains_key("idempotency-key") => {
            return Err(ApiError::bad_input("Idempotency-Key", t!("http.idempotency_key_single")));
        }
        BatchRequest::Batch(_) => return Ok(None),
    };
    let Some(key) = key_of(headers, r)? else { return Ok(None) };
    if super::graphql::operation_kind(r) != "mutation" {
        return Ok(None);
    }
    let owner = owner(principal);
    let hash = fingerprint(r);
    claim(&state.app.db, owner, key, &hash).await.map(Some)
}

/// Record a keyed mutation's answer (or let its key go) and send it.
pub(super) async fn keep_answer(state: &HttpState, claim: Claimed, out: Response) -> Response {
    let (parts, body) = out.into_parts();
    let Ok(bytes) = to_bytes(body, usize::MAX).await else {
        return request_error(StatusCode::INTERNAL_SERVER_ERROR, &ApiError::internal("response body"));
    };
    if let Err(e) = claim.finish(&state.app.db, parts.status, &bytes).await {
        // The mutation ran and its answer goes out; only a retry with this
        // key would run it again, after the claim is abandoned.
        tracing::warn!(error = ?e.public_message(), "idempotency answer not recorded");
    }
    Response::from_parts(parts, Body::from(bytes))
}
