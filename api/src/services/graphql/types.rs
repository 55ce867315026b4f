//! The services domain's types: services, sessions and requests.

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use entity::{
    account, organisation, region, service, service_area, service_request, service_request_event, service_session,
};

use crate::accounts::graphql::{Account, Role};
use crate::directory::graphql::{Organisation, Region};
use crate::error::ApiResult;
use crate::graphql::context::ContextExt;
use crate::graphql::ids;
use crate::graphql::loaders::{ByColumn, Main, load_by_id};
use crate::graphql::scalars::{DateTime, Money};

/// What a service is about.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::ServiceCategory")]
pub enum ServiceCategory {
    /// Elderly care (养老).
    ElderlyCare,
    /// Education and tutoring.
    Education,
    /// Culture and recreation.
    Culture,
    /// Health.
    Health,
    /// Children and families.
    Children,
    /// People with disabilities.
    Disability,
    /// Employment.
    Employment,
    /// Legal aid.
    Legal,
    /// Anything else.
    Other,
}

/// State of a service in the catalogue (HSDS `status`).
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::ServiceStatus")]
pub enum ServiceStatus {
    /// Offered: residents see it and may ask for it.
    Active,
    /// Not taking requests for now; hidden from residents.
    Paused,
    /// No longer offered; records of past deliveries stay.
    Ended,
}

/// State of a service request (see the README's lifecycle table).
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::ServiceRequestStatus")]
pub enum ServiceRequestStatus {
    /// Asked for, not yet answered.
    Requested,
    /// Accepted by the organisation.
    Accepted,
    /// Given a seat in a session.
    Scheduled,
    /// Declined by the organisation, with a reason.
    Declined,
    /// Delivered.
    Completed,
    /// Cancelled by the resident.
    Cancelled,
}

/// A service a social organisation offers in some communities (HSDS `service`).
#[derive(Clone)]
pub struct Service(pub service::Model);

/// A service a social organisation offers in some communities (HSDS `service`).
#[Object(visible = "super::shown::read_services")]
impl Service {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode("Service", self.0.id)
    }
    /// Name (HSDS `name`).
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What it is (HSDS `description`).
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// What it is about.
    async fn category(&self) -> ServiceCategory {
        self.0.category.into()
    }
    /// Who may use it (HSDS `eligibility_description`).
    async fn eligibility_description(&self) -> Option<&str> {
        self.0.eligibility_description.as_deref()
    }
    /// Opening hours in words (HSDS `schedule.description`); dated sessions are in `sessions`.
    async fn schedule(&self) -> Option<&str> {
        self.0.schedule.as_deref()
    }
    /// The fee in fen per occasion; null when free.
    async fn fee(&self) -> Option<Money> {
        self.0.fee_fen.map(Money)
    }
    /// Free of charge.
    async fn is_free(&self) -> bool {
        self.0.fee_fen.is_none()
    }
    /// How to reach the service (HSDS `contact`).
    async fn contact(&self) -> Option<&str> {
        self.0.contact.as_deref()
    }
    /// ACTIVE, PAUSED or ENDED (HSDS `status`).
    async fn status(&self) -> ServiceStatus {
        self.0.status.into()
    }
    /// The organisation that offers it (HSDS `organization`).
    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        load_by_id::<organisation::Entity, _>(ctx, self.0.organisation_id, Organisation).await
    }
    /// The communities where it is offered (HSDS `service_areas`).
    async fn service_areas(&self, ctx: &Context<'_>) -> ApiResult<Vec<Region>> {
        let areas = ctx.loader::<ByColumn<service_area::Entity, Main>>()?.load_one(self.0.id).await?;
        let ids: Vec<i32> = areas.unwrap_or_default().into_iter().map(|a| a.community_id).collect();
        let found = ctx.loader::<crate::graphql::loaders::ById<region::Entity>>()?.load_many(ids.clone()).await?;
        Ok(ids.iter().filter_map(|id| found.get(id).cloned().map(Region)).collect())
    }
    /// Dated sessions, soonest first; past ones only when asked for.
    async fn sessions(
        &self,
        ctx: &Context<'_>,
        #[graphql(default, desc = "Include sessions that have ended.")] include_past: bool,
    ) -> ApiResult<Vec<ServiceSession>> {
        let rows = ctx.loader::<ByColumn<service_session::Entity, Main>>()?.load_one(self.0.id).await?;
        let now = chrono::Utc::now();
        let mut rows: Vec<_> =
            rows.unwrap_or_default().into_iter().filter(|s| include_past || s.ends_at > now).collect();
        rows.sort_by_key(|s| (s.starts_at, s.id));
        Ok(rows.into_iter().map(ServiceSession).collect())
    }
    /// When it was published.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// When it last changed.
    async fn updated_at(&self) -> DateTime {
        self.0.updated_at.into()
    }
}

/// A dated session of a service in one community, with seats.
#[derive(Clone)]
pub struct ServiceSession(pub service_session::Model);

/// A dated session of a service in one community, with seats.
#[Object(visible = "super::shown::read_services")]
impl ServiceSession {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode("ServiceSession", self.0.id)
    }
    /// The service.
    async fn service(&self, ctx: &Context<'_>) -> ApiResult<Option<Service>> {
        load_by_id::<service::Entity, _>(ctx, self.0.service_id, Service).await
    }
    /// Where it takes place.
    async fn community(&self, ctx: &Context<'_>) -> ApiResult<Option<Region>> {
        load_by_id::<region::Entity, _>(ctx, self.0.community_id, Region).await
    }
    /// Start (UTC).
    async fn starts_at(&self) -> DateTime {
        self.0.starts_at.into()
    }
    /// End (UTC).
    async fn ends_at(&self) -> DateTime {
        self.0.ends_at.into()
    }
    /// Seats.
    async fn capacity(&self) -> i32 {
        self.0.capacity
    }
    /// Seats taken by scheduled requests.
    async fn booked(&self) -> i32 {
        self.0.booked
    }
    /// Seats still free.
    async fn remaining(&self) -> i32 {
        self.0.capacity - self.0.booked
    }
}

/// A resident's request for a service.
#[derive(Clone)]
pub struct ServiceRequest(pub service_request::Model);

/// One step of a request's timeline.
pub struct ServiceRequestStep(service_request_event::Model);

/// One step of a request's timeline: the same core fields as every
/// timeline (`kind`, `at`, `actor`, `role`, `organisation`, `note`).
#[Object]
impl ServiceRequestStep {
    /// The move (`REQUEST`, `ACCEPT`, `SCHEDULE`, `DECLINE`, `COMPLETE`, `CANCEL`, `RATE`).
    async fn kind(&self) -> &str {
        &self.0.action
    }
    /// The move.
    #[graphql(deprecation = "Use `kind`, the name every timeline uses; `action` goes in the next release.")]
    async fn action(&self) -> &str {
        &self.0.action
    }
    /// The state before (null for the request itself).
    async fn from_status(&self) -> Option<ServiceRequestStatus> {
        self.0.from_status.map(Into::into)
    }
    /// The state after.
    async fn to_status(&self) -> ServiceRequestStatus {
        self.0.to_status.into()
    }
    /// Who made it (null for machine clients).
    async fn actor(&self, ctx: &Context<'_>) -> ApiResult<Option<Account>> {
        load_by_id::<account::Entity, _>(ctx, self.0.account_id, Account).await
    }
    /// The role of whoever made it.
    async fn role(&self) -> Option<Role> {
        self.0.role.map(Into::into)
    }
    /// The organisation they acted for, if any.
    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        load_by_id::<organisation::Entity, _>(ctx, self.0.organisation_id, Organisation).await
    }
    /// The note or reason given.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// When.
    async fn at(&self) -> DateTime {
        self.0.at.into()
    }
}

/// A resident's rating of a delivered service.
#[derive(SimpleObject)]
pub struct ServiceRating {
    /// 1 to 5.
    stars: i32,
    /// The comment given.
    comment: Option<String>,
    /// When.
    rated_at: DateTime,
}

/// A resident's request for a service.
#[Object(visible = "super::shown::read_requests")]
impl ServiceRequest {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode("ServiceRequest", self.0.id)
    }
    /// The service asked for.
    async fn service(&self, ctx: &Context<'_>) -> ApiResult<Option<Service>> {
        load_by_id::<service::Entity, _>(ctx, self.0.service_id, Service).await
    }
    /// The resident's community.
    async fn community(&self, ctx: &Context<'_>) -> ApiResult<Option<Region>> {
        load_by_id::<region::Entity, _>(ctx, self.0.community_id, Region).await
    }
    /// The resident the service is for.
    async fn resident(&self, ctx: &Context<'_>) -> ApiResult<Option<Account>> {
        load_by_id::<account::Entity, _>(ctx, self.0.resident_account_id, Account).await
    }
    /// Who asked: the resident, their building head or the committee.
    async fn requested_by(&self, ctx: &Context<'_>) -> ApiResult<Option<Account>> {
        load_by_id::<account::Entity, _>(ctx, self.0.requested_by_account_id, Account).await
    }
    /// Where it stands.
    async fn status(&self) -> ServiceRequestStatus {
        self.0.status.into()
    }
    /// The session it is scheduled into.
    async fn session(&self, ctx: &Context<'_>) -> ApiResult<Option<ServiceSession>> {
        load_by_id::<service_session::Entity, _>(ctx, self.0.session_id, ServiceSession).await
    }
    /// The resident's note.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// Why the organisation declined.
    async fn decline_reason(&self) -> Option<&str> {
        self.0.decline_reason.as_deref()
    }
    /// The resident's rating, once given.
    async fn rating(&self) -> Option<ServiceRating> {
        match (self.0.rating, self.0.rated_at) {
            (Some(stars), Some(at)) => {
                Some(ServiceRating { stars, comment: self.0.rating_comment.clone(), rated_at: at.into() })
            }
            _ => None,
        }
    }
    /// When it was completed.
    async fn completed_at(&self) -> Option<DateTime> {
        self.0.completed_at.map(Into::into)
    }
    /// When it was asked for.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// Every step, oldest first.
    async fn timeline(&self, ctx: &Context<'_>) -> ApiResult<Vec<ServiceRequestStep>> {
        let rows = ctx.loader::<ByColumn<service_request_event::Entity, Main>>()?.load_one(self.0.id).await?;
        Ok(rows.unwrap_or_default().into_iter().map(ServiceRequestStep).collect())
    }
}

crate::node_type!(Service, "Service", service, crate::services::policy::visible_services);

crate::node_type!(ServiceSession, "ServiceSession", service_session, crate::services::policy::visible_sessions);

crate::node_type!(ServiceRequest, "ServiceRequest", service_request, crate::services::policy::visible_requests);
