//! The transactional outbox and its fan-out.
//!
//! The unit of work writes each event it was given ([`crate::uow::Hook`])
//! into `webhook_events` with the feed rows, in the transaction of the
//! change and under the feed lock: an event exists if and only if its
//! change committed, and event ids follow commit order (see `uow.rs`). On
//! PostgreSQL the same transaction sends a NOTIFY, which PostgreSQL
//! delivers at commit, waking the workers of every process.
//!
//! The fan-out turns each event into one delivery per endpoint that may
//! receive it: subscribed to its type, in scope, and whose owner may read
//! the object now, by the same rule as the audit log and the change feed
//! (`domains::feed_condition`, the object's own `visible_*`). It runs in
//! one process at a time (an advisory lock on PostgreSQL, the single
//! writer on SQLite) and in event order, so that the deliveries of one
//! object are created in commit order; the workers then send them in that
//! order (`worker.rs`).

use std::collections::HashSet;

use chrono::{DateTime, SecondsFormat, Utc};
use entity::enums::WebhookDeliveryState;
use entity::{membership, region, webhook_delivery, webhook_endpoint, webhook_event};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};
use serde_json::{Value, json};

use super::EventType;
use crate::auth::Principal;
use crate::db::Db;
use crate::error::ApiResult;
use crate::graphql::ids;
use crate::uow::Hook;

/// Channel of the NOTIFY that wakes other processes' workers.
pub const CHANNEL: &str = "gongzhi_webhooks";
/// Key of the advisory lock that makes the fan-out one process's at a time.
const FANOUT_LOCK: i64 = 0x6f6e_677a_6877;
/// Events fanned out per transaction.
const FANOUT_BATCH: u64 = 500;
/// Rows per INSERT of events or deliveries (at most 9 parameters a row).
const CHUNK: usize = 1000;

/// A fresh `webhook-id`.
pub fn message_id() -> String {
    format!("msg_{}", uuid::Uuid::new_v4().simple())
}

/// The body of an event: the Standard Webhooks envelope.
pub fn body(event_type: EventType, data: serde_json::Map<String, Value>, at: DateTime<Utc>) -> String {
    json!({
        "type": event_type.wire(),
        "timestamp": at.to_rfc3339_opts(SecondsFormat::Millis, true),
        "data": data,
    })
    .to_string()
}

/// Write `hooks` to the outbox (the unit of work calls this last, under the
/// feed lock).
pub async fn write<C: ConnectionTrait>(txn: &C, hooks: Vec<Hook>, now: DateTime<Utc>) -> ApiResult<()> {
    if hooks.is_empty() {
        return Ok(());
    }
    for chunk in hooks.chunks(CHUNK) {
        use webhook_event::Column as V;
        let mut insert = Query::insert();
        insert.into_table(webhook_event::Entity).columns([
            V::MessageId,
            V::EventType,
            V::ObjectType,
            V::ObjectId,
            V::CommunityId,
            V::OrganisationId,
            V::Payload,
            V::FannedOut,
            V::CreatedAt,
        ]);
        for h in chunk {
            let mut data = serde_json::Map::new();
            data.insert("id".into(), Value::String(ids::encode(h.object_type, h.object_id).to_string()));
            data.extend(h.data.clone());
            insert.values_panic([
                message_id().into(),
                h.event_type.wire().into(),
                h.object_type.into(),
                h.object_id.into(),
                h.community_id.into(),
                h.organisation_id.into(),
                body(h.event_type, data, now).into(),
                false.into(),
                now.into(),
            ]);
        }
        txn.execute(&insert).await?;
    }
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_unprepared(&format!("NOTIFY {CHANNEL}")).await?;
    }
    Ok(())
}

/// The principal whose view an endpoint receives: its API client's, or its
/// registering staff membership's. `None` when that is gone (a revoked
/// client, an ended membership).
pub async fn owner<C: ConnectionTrait>(conn: &C, e: &webhook_endpoint::Model) -> ApiResult<Option<Principal>> {
    use crate::auth::service::{principal_for_client, principal_for_membership};
    if let Some(c) = e.api_client_id {
        return match entity::api_client::Entity::find_by_id(c).one(conn).await? {
            Some(client) if client.revoked_at.is_none() => Ok(Some(principal_for_client(conn, &client).await?)),
            _ => Ok(None),
        };
    }
    match e.membership_id {
        Some(m) => match membership::Entity::find_by_id(m).one(conn).await? {
            Some(m) => Ok(Some(principal_for_membership(conn, &m).await?)),
            None => Ok(None),
        },
        None => Ok(None),
    }
}

/// The event types an endpoint subscribed to.
pub fn types_of(e: &webhook_endpoint::Model) -> HashSet<String> {
    serde_json::from_str::<Vec<String>>(&e.event_types).unwrap_or_default().into_iter().collect()
}

/// Fan out every event not fanned out yet; returns how many deliveries it
/// made. Another process fanning out meanwhile makes this one return 0.
pub async fn fan_out(db: &Db) -> ApiResult<usize> {
    let mut made = 0;
    loop {
        let txn = db.write.begin().await?;
        if txn.get_database_backend() == DbBackend::Postgres {
            let row = txn
                .query_one_raw(sea_orm::Statement::from_string(
                    DbBackend::Postgres,
                    format!("SELECT pg_try_advisory_xact_lock({FANOUT_LOCK}) AS ok"),
                ))
                .await?;
            if !row.and_then(|r| r.try_get::<bool>("", "ok").ok()).unwrap_or(false) {
                return Ok(made);
            }
        }
        let events = webhook_event::Entity::find()
            .filter(webhook_event::Column::FannedOut.eq(false))
            .order_by_asc(webhook_event::Column::Id)
            .limit(FANOUT_BATCH)
            .all(&txn)
            .await?;
        if events.is_empty() {
            return Ok(made);
        }
        let endpoints = webhook_endpoint::Entity::find()
            .filter(webhook_endpoint::Column::Enabled.eq(true))
            .order_by_asc(webhook_endpoint::Column::Id)
            .all(&txn)
            .await?;
        let now = Utc::now();
        let mut rows: Vec<(i32, i32, String)> = Vec::new();
        for e in &endpoints {
            let types = types_of(e);
            let wanted: Vec<i32> = events.iter().filter(|v| types.contains(&v.event_type)).map(|v| v.id).collect();
            if wanted.is_empty() {
                continue;
            }
            let Some(p) = owner(&txn, e).await? else {
                super::service::disable(&txn, e.id, "owner_gone", now).await?;
                continue;
            };
            for id in receivable(&txn, &p, e, wanted).await? {
                if let Some(v) = events.iter().find(|v| v.id == id) {
                    rows.push((e.id, v.id, format!("{}:{}", v.object_type, v.object_id)));
                }
            }
        }
        // In event order, so that delivery ids follow it too.
        rows.sort_by_key(|r| (r.1, r.0));
        insert_deliveries(&txn, &rows, now).await?;
        let ids: Vec<i32> = events.iter().map(|v| v.id).collect();
        webhook_event::Entity::update_many()
            .col_expr(webhook_event::Column::FannedOut, Expr::value(true))
            .filter(webhook_event::Column::Id.is_in(ids))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        made += rows.len();
        if (events.len() as u64) < FANOUT_BATCH {
            return Ok(made);
        }
    }
}

/// Of the events `ids`, those the endpoint `e` of owner `p` may receive:
/// its owner may read the object (and, for events about a region, the
/// region is in the owner's scope), and the object lies in the endpoint's
/// scope region if it has one.
async fn receivable<C: ConnectionTrait>(
    conn: &C,
    p: &Principal,
    e: &webhook_endpoint::Model,
    ids: Vec<i32>,
) -> ApiResult<Vec<i32>> {
    use webhook_event::Column as V;
    let regionwide =
        Condition::any().add(V::ObjectType.ne("Region")).add(crate::policy::communities_filter(p, V::CommunityId));
    let mut cond = Condition::all()
        .add(V::Id.is_in(ids))
        .add(crate::domains::feed_condition(p, V::ObjectType, V::ObjectId, false))
        .add(regionwide);
    if let Some(r) = e.scope_region_id
        && let Some(scope) = region::Entity::find_by_id(r).one(conn).await?
    {
        cond = cond.add(
            Condition::any()
                .add(V::CommunityId.is_null())
                .add(crate::policy::under_region(V::CommunityId, &scope.path)),
        );
    }
    let found: Vec<i32> =
        webhook_event::Entity::find().select_only().column(V::Id).filter(cond).into_tuple().all(conn).await?;
    Ok(found)
}

/// Insert pending deliveries (endpoint, event, object key), due now.
pub(crate) async fn insert_deliveries<C: ConnectionTrait>(
    conn: &C,
    rows: &[(i32, i32, String)],
    now: DateTime<Utc>,
) -> ApiResult<()> {
    for chunk in rows.chunks(CHUNK) {
        use webhook_delivery::Column as D;
        let mut insert = Query::insert();
        insert.into_table(webhook_delivery::Entity).columns([
            D::EndpointId,
            D::EventId,
            D::ObjectKey,
            D::State,
            D::Attempts,
            D::NextAttemptAt,
            D::CreatedAt,
        ]);
        for (endpoint, event, key) in chunk {
            insert.values_panic([
                (*endpoint).into(),
                (*event).into(),
                key.clone().into(),
                sea_orm::ActiveEnum::to_value(&WebhookDeliveryState::Pending).into(),
                0.into(),
                now.into(),
                now.into(),
            ]);
        }
        conn.execute(&insert).await?;
    }
    Ok(())
}

/// Events waiting for their fan-out and deliveries waiting to be sent, and
/// the age of the oldest pending delivery (seconds), for the metrics.
pub async fn depth<C: ConnectionTrait>(conn: &C) -> ApiResult<(i64, i64, f64)> {
    let unfanned =
        webhook_event::Entity::find().filter(webhook_event::Column::FannedOut.eq(false)).count(conn).await? as i64;
    let pending = webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::State.eq(WebhookDeliveryState::Pending))
        .count(conn)
        .await? as i64;
    let oldest: Option<DateTime<Utc>> = webhook_delivery::Entity::find()
        .select_only()
        .column_as(webhook_delivery::Column::CreatedAt.min(), "oldest")
        .filter(webhook_delivery::Column::State.eq(WebhookDeliveryState::Pending))
        .into_tuple::<Option<DateTime<Utc>>>()
        .one(conn)
        .await?
        .flatten();
    let age = oldest.map(|t| (Utc::now() - t).num_milliseconds() as f64 / 1000.0).unwrap_or(0.0);
    Ok((unfanned, pending, age))
}
