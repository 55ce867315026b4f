//! GraphQL types, queries and mutations of webhooks: endpoints (a node
//! type), their deliveries and attempts, and the event catalogue.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use entity::{webhook_attempt, webhook_delivery, webhook_endpoint, webhook_event};
use sea_orm::{ColumnTrait, QueryFilter};

use super::policy::{WebhooksPermission, visible_endpoints};
use super::service::{self, EndpointInput};
use super::{EventType, outbox};
use crate::directory::graphql::Region;
use crate::error::{ApiError, ApiResult};
use crate::graphql::connection::{Conn, PageArgs, page_cost, paginate_ordered};
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Allowed;
use crate::graphql::ids;
use crate::graphql::loaders::{ByColumn, ById, Main, load_by_id};
use crate::graphql::node::NodeType;
use crate::graphql::scalars::DateTime;

/// Who is shown this domain's fields.
pub mod shown {
    use super::WebhooksPermission;
    crate::shown! {
        manage => WebhooksPermission::Manage;
    }
}

/// Where a webhook delivery stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::WebhookDeliveryState")]
pub enum WebhookDeliveryState {
    /// Waiting for its first or next attempt (or being sent).
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Retries ran out, or the receiver answered 410 Gone.
    Failed,
}

/// An HTTPS address that receives signed events (Standard Webhooks).
#[derive(Clone)]
pub struct WebhookEndpoint(pub webhook_endpoint::Model);

crate::node_type!(WebhookEndpoint, "WebhookEndpoint", webhook_endpoint, visible_endpoints);

/// An HTTPS address that receives signed events (Standard Webhooks).
#[Object(visible = "shown::manage")]
impl WebhookEndpoint {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        self.global_id()
    }
    /// Where events are POSTed.
    async fn url(&self) -> &str {
        &self.0.url
    }
    /// The event types it receives (see `webhookEventTypes`).
    async fn event_types(&self) -> Vec<String> {
        outbox::types_of(&self.0).into_iter().collect::<std::collections::BTreeSet<_>>().into_iter().collect()
    }
    /// Only events about objects under this region (events about no
    /// community, such as a service's, still come).
    async fn scope_region(&self, ctx: &Context<'_>) -> ApiResult<Option<Region>> {
        load_by_id::<entity::region::Entity, _>(ctx, self.0.scope_region_id, Region).await
    }
    /// What it is for.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// Whether events are delivered to it.
    async fn enabled(&self) -> bool {
        self.0.enabled
    }
    /// Why the server disabled it: `gone` (it answered 410), `failing`
    /// (every attempt failed for longer than the retry window),
    /// `owner_gone` (its API client was revoked or its membership ended).
    /// Null when enabled or disabled by its owner.
    async fn disabled_reason(&self) -> Option<&str> {
        self.0.disabled_reason.as_deref()
    }
    /// When the server disabled it.
    async fn disabled_at(&self) -> Option<DateTime> {
        self.0.disabled_at.map(DateTime)
    }
    /// Since when every attempt has failed (null after a success).
    async fn failing_since(&self) -> Option<DateTime> {
        self.0.failing_since.map(DateTime)
    }
    /// Failed attempts since the last success.
    async fn failure_streak(&self) -> i32 {
        self.0.failure_streak
    }
    /// Until when the secret before the last rotation still signs (a
    /// second signature in `webhook-signature`); null when it does not.
    async fn previous_secret_until(&self) -> Option<DateTime> {
        self.0.previous_secret_until.filter(|t| *t > chrono::Utc::now()).map(DateTime)
    }
    /// When it was registered.
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    /// When it was last changed.
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }
}

/// One event to one endpoint, with its attempts.
#[derive(Clone)]
pub struct WebhookDelivery(pub webhook_delivery::Model);

crate::node_type!(WebhookDelivery, "WebhookDelivery", webhook_delivery, super::policy::visible_deliveries);

/// One event to one endpoint, with its attempts.
#[Object(visible = "shown::manage")]
impl WebhookDelivery {
    /// The opaque global id (for `redeliverWebhook`).
    pub async fn id(&self) -> ID {
        self.global_id()
    }
    /// The `webhook-id` header: the same on every attempt.
    async fn webhook_id(&self, ctx: &Context<'_>) -> ApiResult<String> {
        Ok(self.event(ctx).await?.message_id)
    }
    /// The event type.
    async fn event_type(&self, ctx: &Context<'_>) -> ApiResult<String> {
        Ok(self.event(ctx).await?.event_type)
    }
    /// The body sent (the same on every attempt).
    async fn payload(&self, ctx: &Context<'_>) -> ApiResult<String> {
        Ok(self.event(ctx).await?.payload)
    }
    /// Where it stands.
    async fn state(&self) -> WebhookDeliveryState {
        self.0.state.into()
    }
    /// Attempts so far.
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }
    /// When it is tried next (while PENDING).
    async fn next_attempt_at(&self) -> Option<DateTime> {
        (self.0.state == entity::enums::WebhookDeliveryState::Pending).then_some(DateTime(self.0.next_attempt_at))
    }
    /// The receiver's last HTTP status.
    async fn last_status(&self) -> Option<i32> {
        self.0.last_status
    }
    /// The last error's class: `status`, `timeout`, `connect`, `network`,
    /// `blocked_address`.
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    /// When the receiver accepted it.
    async fn delivered_at(&self) -> Option<DateTime> {
        self.0.delivered_at.map(DateTime)
    }
    /// When the event was fanned out to this endpoint.
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    /// Every attempt, oldest first.
    async fn attempt_log(&self, ctx: &Context<'_>) -> ApiResult<Vec<WebhookAttempt>> {
        let rows = ctx.loader::<ByColumn<webhook_attempt::Entity, Main>>()?.load_one(self.0.id).await?;
        Ok(rows.unwrap_or_default().into_iter().map(WebhookAttempt).collect())
    }
}

impl WebhookDelivery {
    async fn event(&self, ctx: &Context<'_>) -> ApiResult<webhook_event::Model> {
        ctx.loader::<ById<webhook_event::Entity>>()?
            .load_one(self.0.event_id)
            .await?
            .ok_or_else(|| ApiError::internal("delivery without its event"))
    }
}

/// One try at a delivery.
pub struct WebhookAttempt(webhook_attempt::Model);

/// One try at a delivery.
#[Object(visible = "shown::manage")]
impl WebhookAttempt {
    /// When it was sent.
    async fn at(&self) -> DateTime {
        DateTime(self.0.at)
    }
    /// The receiver's HTTP status, if it answered.
    async fn status_code(&self) -> Option<i32> {
        self.0.status_code
    }
    /// From the request to the answer (milliseconds).
    async fn latency_ms(&self) -> i32 {
        self.0.latency_ms
    }
    /// What went wrong (null when delivered).
    async fn error_class(&self) -> Option<&str> {
        self.0.error_class.as_deref()
    }
    /// `DELIVERED`, `RETRY`, `GONE` or `FAILED`.
    async fn outcome(&self) -> &str {
        &self.0.outcome
    }
}

/// A type of event in the catalogue.
#[derive(SimpleObject)]
#[graphql(visible = "shown::manage")]
pub struct WebhookEventType {
    /// The `type` of its bodies, e.g. `report.status_changed`.
    pub name: String,
    /// The node type of the object it is about (`data.id`).
    pub object_type: String,
    /// What it means.
    pub description: String,
    /// Its JSON schema (draft 2020-12), as JSON text.
    pub schema: String,
    /// Whether the caller's kind may subscribe to it.
    pub available: bool,
}

/// Webhook queries.
#[derive(Default)]
pub struct WebhooksQuery;

#[Object]
impl WebhooksQuery {
    /// The event catalogue (versioned; see the README).
    #[graphql(visible = "shown::manage", guard = "Allowed(WebhooksPermission::Manage)")]
    async fn webhook_event_types(&self, ctx: &Context<'_>) -> ApiResult<Vec<WebhookEventType>> {
        let p = ctx.principal()?;
        let surfaces = crate::schema::surfaces().await.map_err(ApiError::internal)?;
        let surface = surfaces.get(crate::audience::Audience::of(Some(p)));
        Ok(EventType::ALL
            .iter()
            .filter(|t| **t != EventType::Test)
            .map(|t| {
                let (ty, field) = t.shown();
                WebhookEventType {
                    name: t.wire().to_owned(),
                    object_type: t.object().to_owned(),
                    description: t.description().to_owned(),
                    schema: t.schema().to_string(),
                    available: surface.and_then(|s| s.types.get(ty)).is_some_and(|s| s.fields.contains_key(field)),
                }
            })
            .collect())
    }

    /// Your endpoints (an API client's own; staff their organisation's).
    #[graphql(visible = "shown::manage", guard = "Allowed(WebhooksPermission::Manage)")]
    async fn webhook_endpoints(&self, ctx: &Context<'_>) -> ApiResult<Vec<WebhookEndpoint>> {
        use sea_orm::QueryOrder;
        let p = ctx.principal()?;
        let rows = visible_endpoints(p).order_by_asc(webhook_endpoint::Column::Id).all(&ctx.db().read).await?;
        Ok(rows.into_iter().map(WebhookEndpoint).collect())
    }

    /// An endpoint's deliveries, newest first, optionally of one state.
    #[graphql(
        visible = "shown::manage",
        complexity = "page_cost(first, last) * child_complexity",
        guard = "Allowed(WebhooksPermission::Manage)"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn webhook_deliveries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The endpoint.")] endpoint_id: ID,
        #[graphql(desc = "Only deliveries in this state.")] state: Option<WebhookDeliveryState>,
        #[graphql(desc = "Items after this cursor (forward paging).")] after: Option<String>,
        #[graphql(desc = "Items before this cursor (backward paging).")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (at most 100).")] last: Option<i32>,
    ) -> ApiResult<Conn<WebhookDelivery>> {
        use sea_orm::EntityTrait;
        let p = ctx.principal()?;
        let id = ids::id_of::<WebhookEndpoint>(&endpoint_id, "endpointId")?;
        service::find(&ctx.db().read, p, id).await?;
        let mut q = webhook_delivery::Entity::find().filter(webhook_delivery::Column::EndpointId.eq(id));
        if let Some(s) = state {
            q = q.filter(webhook_delivery::Column::State.eq(entity::enums::WebhookDeliveryState::from(s)));
        }
        let args = PageArgs::new(after, before, first, last);
        paginate_ordered(ctx, q, webhook_delivery::Column::Id, args, true, WebhookDelivery).await
    }
}

/// What an endpoint is to be.
#[derive(InputObject)]
pub struct WebhookEndpointInput {
    /// `https://...` (plain `http://` only to hosts the administrator lists).
    pub url: String,
    /// Event type names from `webhookEventTypes` your kind may receive.
    pub event_types: Vec<String>,
    /// Only events about objects under this region (within your scope).
    pub scope_region_id: Option<ID>,
    /// What it is for (at most 500 characters).
    #[graphql(default)]
    pub description: String,
    /// Whether events are delivered to it.
    #[graphql(default = true)]
    pub enabled: bool,
}

impl WebhookEndpointInput {
    fn into_input(self) -> ApiResult<EndpointInput> {
        Ok(EndpointInput {
            url: self.url,
            event_types: self.event_types,
            scope_region_id: ids::opt_id_of::<Region>(self.scope_region_id.as_ref(), "scopeRegionId")?,
            description: self.description,
            enabled: self.enabled,
        })
    }
}

/// An endpoint with its signing secret, shown this once.
#[derive(SimpleObject)]
#[graphql(visible = "shown::manage")]
pub struct WebhookEndpointWithSecret {
    /// The endpoint.
    pub endpoint: WebhookEndpoint,
    /// `whsec_...`: verify `webhook-signature` with it (Standard Webhooks
    /// libraries take it as it is). It is not shown again.
    pub secret: String,
}

/// The endpoint after a change.
#[derive(SimpleObject)]
#[graphql(visible = "shown::manage")]
pub struct WebhookEndpointPayload {
    /// The endpoint.
    pub endpoint: WebhookEndpoint,
}

/// A deleted endpoint.
#[derive(SimpleObject)]
#[graphql(visible = "shown::manage")]
pub struct DeleteWebhookEndpointPayload {
    /// The id the endpoint had.
    pub deleted_id: ID,
}

/// A delivery after `redeliverWebhook` or `sendTestWebhookEvent`.
#[derive(SimpleObject)]
#[graphql(visible = "shown::manage")]
pub struct WebhookDeliveryPayload {
    /// The delivery.
    pub delivery: WebhookDelivery,
}

/// Webhook mutations.
#[derive(Default)]
pub struct WebhooksMutation;

#[Object]
impl WebhooksMutation {
    /// Register an endpoint. The secret is in the answer, and only there.
    #[graphql(visible = "shown::manage", guard = "Allowed(WebhooksPermission::Manage)")]
    async fn create_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: WebhookEndpointInput,
    ) -> ApiResult<WebhookEndpointWithSecret> {
        let (e, secret) = service::create(ctx.app(), ctx.principal()?, input.into_input()?).await?;
        Ok(WebhookEndpointWithSecret { endpoint: WebhookEndpoint(e), secret })
    }

    /// Change an endpoint; enabling a disabled one resumes its deliveries.
    #[graphql(visible = "shown::manage", guard = "Allowed(WebhooksPermission::Manage)")]
    async fn update_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The endpoint.")] id: ID,
        #[graphql(desc = "What it is to be.")] input: WebhookEndpointInput,
    ) -> ApiResult<WebhookEndpointPayload> {
        let id = ids::id_of::<WebhookEndpoint>(&id, "id")?;
        let e = service::update(ctx.app(), ctx.principal()?, id, input.into_input()?).await?;
        Ok(WebhookEndpointPayload { endpoint: WebhookEndpoint(e) })
    }

    /// A new signing secret; the old one keeps signing beside it for
    /// `overlapSeconds` (default: the server's setting, 24 hours), so
    /// receivers can switch without losing an event.
    #[graphql(visible = "shown::manage", guard = "Allowed(WebhooksPermission::Manage)")]
    async fn rotate_webhook_secret(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The endpoint.")] id: ID,
        #[graphql(desc = "How long the old secret still signs (seconds, at most 7 days).")] overlap_seconds: Option<
            i64,
        >,
    ) -> ApiResult<WebhookEndpointWithSecret> {
        let id = ids::id_of::<WebhookEndpoint>(&id, "id")?;
        let (e, secret) = service::rotate(ctx.app(), ctx.principal()?, id, overlap_seconds).await?;
        Ok(WebhookEndpointWithSecret { endpoint: WebhookEndpoint(e), secret })
    }

    /// Delete an endpoint with its delivery log.
    #[graphql(visible = "shown::manage", guard = "Allowed(WebhooksPermission::Manage)")]
    async fn delete_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The endpoint.")] id: ID,
    ) -> ApiResult<DeleteWebhookEndpointPayload> {
        let db_id = ids::id_of::<WebhookEndpoint>(&id, "id")?;
        service::delete(ctx.app(), ctx.principal()?, db_id).await?;
        Ok(DeleteWebhookEndpointPayload { deleted_id: id })
    }

    /// Send a delivery again now (same `webhook-id`), with a fresh retry
    /// schedule.
    #[graphql(visible = "shown::manage", guard = "Allowed(WebhooksPermission::Manage)")]
    async fn redeliver_webhook(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The delivery (`WebhookDelivery.id`).")] delivery_id: ID,
    ) -> ApiResult<WebhookDeliveryPayload> {
        let id = ids::id_of::<WebhookDelivery>(&delivery_id, "deliveryId")?;
        let d = service::redeliver(ctx.app(), ctx.principal()?, id).await?;
        Ok(WebhookDeliveryPayload { delivery: WebhookDelivery(d) })
    }

    /// Send a `webhook.test` event to this endpoint only.
    #[graphql(visible = "shown::manage", guard = "Allowed(WebhooksPermission::Manage)")]
    async fn send_test_webhook_event(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The endpoint.")] endpoint_id: ID,
    ) -> ApiResult<WebhookDeliveryPayload> {
        let id = ids::id_of::<WebhookEndpoint>(&endpoint_id, "endpointId")?;
        let d = service::send_test(ctx.app(), ctx.principal()?, id).await?;
        Ok(WebhookDeliveryPayload { delivery: WebhookDelivery(d) })
    }
}
