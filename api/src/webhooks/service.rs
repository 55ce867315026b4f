//! Endpoints: register, change, rotate the secret, delete; deliveries:
//! send again, send a test event. Every write goes through the unit of
//! work with one audit row; the secret appears in the audit row never and
//! in a response only when it is made.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use entity::enums::{Role, WebhookDeliveryState};
use entity::{region, webhook_attempt, webhook_delivery, webhook_endpoint, webhook_event};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, NotSet, QueryFilter, Set};

use super::graphql::WebhookEndpoint;
use super::net::{Guard, Refused};
use super::policy::{WebhooksPermission, visible_endpoints};
use super::{EventType, Verbs, outbox};
use crate::audience::Audience;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::policy::{authorize, path_ids};
use crate::state::AppState;
use crate::uow::{Audit, UnitOfWork};

/// Longest description (characters) and URL (bytes).
const MAX_DESCRIPTION: usize = 500;
const MAX_URL: usize = 2048;
/// Endpoints one owner may have.
pub const MAX_ENDPOINTS: u64 = 100;

/// What an endpoint is to be.
pub struct EndpointInput {
    pub url: String,
    pub event_types: Vec<String>,
    pub scope_region_id: Option<i32>,
    pub description: String,
    pub enabled: bool,
}

/// Disable an endpoint for `reason` (the owner sees it).
pub async fn disable<C: ConnectionTrait>(conn: &C, id: i32, reason: &str, now: DateTime<Utc>) -> ApiResult<()> {
    use webhook_endpoint::Column as E;
    webhook_endpoint::Entity::update_many()
        .col_expr(E::Enabled, Expr::value(false))
        .col_expr(E::DisabledReason, Expr::value(reason))
        .col_expr(E::DisabledAt, Expr::value(now))
        .filter(E::Id.eq(id))
        .filter(E::Enabled.eq(true))
        .exec(conn)
        .await?;
    Ok(())
}

/// Check an input against the owner `p`: a URL the guard allows, known
/// event types the owner's kind is shown, a scope region within its own.
async fn check(app: &AppState, p: &Principal, input: &EndpointInput) -> ApiResult<(String, String)> {
    let guard = Guard::from_config(&app.config).map_err(ApiError::internal)?;
    if input.url.len() > MAX_URL {
        return Err(ApiError::bad_input("url", t!("webhooks.url_too_long", max = MAX_URL)));
    }
    let url = guard.check_url(&input.url).map_err(|r| match r {
        Refused::Malformed => ApiError::bad_input("url", t!("webhooks.url_malformed")),
        Refused::Insecure => ApiError::bad_input("url", t!("webhooks.url_insecure")),
        Refused::BlockedAddress => ApiError::bad_input("url", t!("webhooks.url_blocked")),
    })?;
    if input.description.chars().count() > MAX_DESCRIPTION {
        return Err(ApiError::bad_input("description", t!("webhooks.description_too_long", max = MAX_DESCRIPTION)));
    }
    let wanted: BTreeSet<&str> = input.event_types.iter().map(String::as_str).collect();
    if wanted.is_empty() {
        return Err(ApiError::bad_input("eventTypes", t!("webhooks.no_event_types")));
    }
    let surfaces = crate::schema::surfaces().await.map_err(ApiError::internal)?;
    let surface = surfaces.get(Audience::of(Some(p)));
    for name in &wanted {
        let t = EventType::parse(name).filter(|t| *t != EventType::Test).ok_or_else(|| {
            ApiError::bad_input("eventTypes", t!("webhooks.unknown_event_type", name = name.to_string()))
        })?;
        let (ty, field) = t.shown();
        let shown = surface.and_then(|s| s.types.get(ty)).is_some_and(|s| s.fields.contains_key(field));
        if !shown && p.role != Role::PlatformAdmin {
            return Err(ApiError::forbidden(t!("webhooks.event_type_not_yours", name = name.to_string())));
        }
    }
    if let Some(r) = input.scope_region_id {
        let Some(region) = region::Entity::find_by_id(r).one(&app.db.write).await? else {
            return Err(ApiError::not_found("Region"));
        };
        let within = match (p.role, &p.scope.region_path, p.scope.community_id) {
            (Role::PlatformAdmin, _, _) => true,
            (_, _, Some(c)) => path_ids(&region.path).contains(&c),
            (_, Some(path), _) => region.path.starts_with(path.as_str()),
            // Organisations scope to a community they serve.
            _ => match p.scope.organisation_id {
                Some(o) => entity::organisation_community::Entity::find()
                    .filter(entity::organisation_community::Column::OrganisationId.eq(o))
                    .filter(entity::organisation_community::Column::CommunityId.eq(r))
                    .one(&app.db.write)
                    .await?
                    .is_some(),
                None => false,
            },
        };
        if !within {
            return Err(ApiError::bad_input("scopeRegionId", t!("webhooks.scope_outside")));
        }
    }
    let types = serde_json::to_string(&wanted).map_err(|e| ApiError::internal(e.to_string()))?;
    Ok((url.to_string(), types))
}

/// Register an endpoint; returns it and its secret (shown this once).
pub async fn create(
    app: &AppState,
    p: &Principal,
    input: EndpointInput,
) -> ApiResult<(webhook_endpoint::Model, String)> {
    authorize(p, WebhooksPermission::Manage)?;
    let (url, types) = check(app, p, &input).await?;
    {
        use sea_orm::PaginatorTrait;
        if visible_endpoints(p).count(&app.db.write).await? >= MAX_ENDPOINTS && p.role != Role::PlatformAdmin {
            return Err(ApiError::conflict(t!("webhooks.too_many_endpoints", max = MAX_ENDPOINTS)));
        }
    }
    let secret = super::signing::new_secret();
    let now = Utc::now();
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let e = webhook_endpoint::ActiveModel {
        id: NotSet,
        api_client_id: Set(p.api_client_id()),
        membership_id: Set(p.membership_id()),
        organisation_id: Set(p.scope.organisation_id),
        url: Set(url),
        event_types: Set(types),
        scope_region_id: Set(input.scope_region_id),
        description: Set(input.description),
        enabled: Set(input.enabled),
        disabled_reason: Set(None),
        disabled_at: Set(None),
        secret: Set(secret.clone()),
        previous_secret: Set(None),
        previous_secret_until: Set(None),
        failing_since: Set(None),
        failure_streak: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(uow.txn())
    .await?;
    uow.commit(Audit::of::<WebhookEndpoint>(Verbs::Create, e.id)).await?;
    Ok((e, secret))
}

/// The endpoint `id` if the principal may manage it.
pub async fn find<C: ConnectionTrait>(conn: &C, p: &Principal, id: i32) -> ApiResult<webhook_endpoint::Model> {
    authorize(p, WebhooksPermission::Manage)?;
    visible_endpoints(p)
        .filter(webhook_endpoint::Column::Id.eq(id))
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::not_found("WebhookEndpoint"))
}

/// Change an endpoint. Enabling it again clears why it was disabled and
/// its failure streak; its pending deliveries then go out.
pub async fn update(
    app: &AppState,
    p: &Principal,
    id: i32,
    input: EndpointInput,
) -> ApiResult<webhook_endpoint::Model> {
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let e = find(uow.txn(), p, id).await?;
    let (url, types) = check(app, p, &input).await?;
    let was_enabled = e.enabled;
    let mut a: webhook_endpoint::ActiveModel = e.into();
    a.url = Set(url);
    a.event_types = Set(types);
    a.scope_region_id = Set(input.scope_region_id);
    a.description = Set(input.description);
    a.enabled = Set(input.enabled);
    if input.enabled && !was_enabled {
        a.disabled_reason = Set(None);
        a.disabled_at = Set(None);
        a.failing_since = Set(None);
        a.failure_streak = Set(0);
    }
    a.updated_at = Set(Utc::now());
    let e = a.update(uow.txn()).await?;
    uow.commit(Audit::of::<WebhookEndpoint>(Verbs::Update, id).details(serde_json::json!({ "enabled": e.enabled })))
        .await?;
    app.db.outbox_wake.notify_one();
    Ok(e)
}

/// Rotate the secret: the new one signs from now on, the old one beside
/// it for `overlap_secs` (default: the configured overlap). Returns the
/// new secret (shown this once).
pub async fn rotate(
    app: &AppState,
    p: &Principal,
    id: i32,
    overlap_secs: Option<i64>,
) -> ApiResult<(webhook_endpoint::Model, String)> {
    let overlap = overlap_secs.unwrap_or(app.config.webhooks.secret_overlap_secs);
    if !(0..=7 * 86_400).contains(&overlap) {
        return Err(ApiError::bad_input("overlapSeconds", t!("webhooks.overlap_range", max = 7 * 86_400)));
    }
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let e = find(uow.txn(), p, id).await?;
    let secret = super::signing::new_secret();
    let now = Utc::now();
    let old = e.secret.clone();
    let mut a: webhook_endpoint::ActiveModel = e.into();
    a.previous_secret = Set((overlap > 0).then_some(old));
    a.previous_secret_until = Set((overlap > 0).then(|| now + Duration::seconds(overlap)));
    a.secret = Set(secret.clone());
    a.updated_at = Set(now);
    let e = a.update(uow.txn()).await?;
    uow.commit(
        Audit::of::<WebhookEndpoint>(Verbs::RotateSecret, id).details(serde_json::json!({ "overlapSeconds": overlap })),
    )
    .await?;
    Ok((e, secret))
}

/// Delete an endpoint with its deliveries and their attempts.
pub async fn delete(app: &AppState, p: &Principal, id: i32) -> ApiResult<()> {
    let uow = UnitOfWork::begin(&app.db, p).await?;
    find(uow.txn(), p, id).await?;
    webhook_attempt::Entity::delete_many().filter(webhook_attempt::Column::EndpointId.eq(id)).exec(uow.txn()).await?;
    webhook_delivery::Entity::delete_many().filter(webhook_delivery::Column::EndpointId.eq(id)).exec(uow.txn()).await?;
    webhook_endpoint::Entity::delete_by_id(id).exec(uow.txn()).await?;
    uow.commit(Audit::of::<WebhookEndpoint>(Verbs::Delete, id)).await?;
    Ok(())
}

/// A delivery of an endpoint the principal may manage.
pub async fn delivery<C: ConnectionTrait>(conn: &C, p: &Principal, id: i32) -> ApiResult<webhook_delivery::Model> {
    authorize(p, WebhooksPermission::Manage)?;
    super::policy::visible_deliveries(p)
        .filter(webhook_delivery::Column::Id.eq(id))
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::not_found("WebhookDelivery"))
}

/// Send a delivery again now, with its whole retry schedule (the same
/// `webhook-id`: a receiver that has it already drops it).
pub async fn redeliver(app: &AppState, p: &Principal, id: i32) -> ApiResult<webhook_delivery::Model> {
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let d = delivery(uow.txn(), p, id).await?;
    if d.state == WebhookDeliveryState::Pending && d.leased_until.is_some_and(|t| t > Utc::now()) {
        return Err(ApiError::conflict(t!("webhooks.delivery_in_flight")));
    }
    let endpoint = d.endpoint_id;
    let mut a: webhook_delivery::ActiveModel = d.into();
    a.state = Set(WebhookDeliveryState::Pending);
    a.attempts = Set(0);
    a.next_attempt_at = Set(Utc::now());
    a.leased_until = Set(None);
    let d = a.update(uow.txn()).await?;
    uow.commit(Audit::of::<WebhookEndpoint>(Verbs::Redeliver, endpoint).details(serde_json::json!({ "delivery": id })))
        .await?;
    app.db.outbox_wake.notify_one();
    Ok(d)
}

/// Send a `webhook.test` event to this endpoint only (enabled or not: a
/// disabled endpoint's owner checks the receiver before enabling it; the
/// delivery goes out once it is enabled).
pub async fn send_test(app: &AppState, p: &Principal, id: i32) -> ApiResult<webhook_delivery::Model> {
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let e = find(uow.txn(), p, id).await?;
    let now = Utc::now();
    let mut data = serde_json::Map::new();
    data.insert("id".into(), crate::graphql::ids::encode("WebhookEndpoint", e.id).to_string().into());
    let v = webhook_event::ActiveModel {
        id: NotSet,
        message_id: Set(outbox::message_id()),
        event_type: Set(EventType::Test.wire().to_owned()),
        object_type: Set("WebhookEndpoint".to_owned()),
        object_id: Set(e.id),
        community_id: Set(None),
        organisation_id: Set(e.organisation_id),
        payload: Set(outbox::body(EventType::Test, data, now)),
        fanned_out: Set(true),
        created_at: Set(now),
    }
    .insert(uow.txn())
    .await?;
    outbox::insert_deliveries(uow.txn(), &[(e.id, v.id, format!("WebhookEndpoint:{}", e.id))], now).await?;
    let d = webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::EventId.eq(v.id))
        .one(uow.txn())
        .await?
        .ok_or_else(|| ApiError::internal("test delivery not written"))?;
    uow.commit(Audit::of::<WebhookEndpoint>(Verbs::SendTest, id)).await?;
    app.db.outbox_wake.notify_one();
    Ok(d)
}
