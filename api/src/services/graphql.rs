//! GraphQL of community services. Field names follow the Open Referral
//! Human Services Data Specification (HSDS 3) where the concept is the same:
//! `name`, `description`, `eligibilityDescription` (`eligibility_description`),
//! `schedule` (`schedule.description`), `serviceAreas` (`service_areas`),
//! `fee` (`fees_description`, as an amount).

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use entity::enums::{ServiceCategory as DbCategory, ServiceRequestStatus as DbRequestStatus};
use entity::{
    account, delivery_record, organisation, region, service, service_area, service_request, service_request_event,
    service_session,
};
use sea_orm::{ColumnTrait, QueryFilter};

use super::catalogue;
use super::delivery::{self, Outcome, RecordFilter, RecordInput};
use super::policy::{self, RequestAction};
use super::requests::{self, StepArgs};
use crate::accounts::graphql::{Account, Role};
use crate::directory::graphql::{Organisation, Region};
use crate::error::{ApiError, ApiResult};
use crate::graphql::connection::{Conn, PageArgs, page_cost, paginate, paginate_ordered};
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Authenticated;
use crate::graphql::ids;
use crate::graphql::loaders::{ByColumn, Main, load_by_id};
use crate::graphql::scalars::{Date, DateTime, Money};
use crate::input::search_text;

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
#[Object]
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
#[Object]
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
#[derive(SimpleObject)]
pub struct ServiceRequestStep {
    /// The move (`REQUEST`, `ACCEPT`, `SCHEDULE`, `DECLINE`, `COMPLETE`, `CANCEL`, `RATE`).
    action: String,
    /// The state before (null for the request itself).
    from_status: Option<ServiceRequestStatus>,
    /// The state after.
    to_status: ServiceRequestStatus,
    /// The role of whoever made it.
    role: Option<Role>,
    /// The note or reason given.
    note: Option<String>,
    /// When.
    at: DateTime,
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
#[Object]
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
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .map(|e| ServiceRequestStep {
                action: e.action,
                from_status: e.from_status.map(Into::into),
                to_status: e.to_status.into(),
                role: e.role.map(Into::into),
                note: e.note,
                at: e.at.into(),
            })
            .collect())
    }
}

/// One delivered service occasion (服务记录).
#[derive(Clone)]
pub struct DeliveryRecord(pub delivery_record::Model);

/// One delivered service occasion (服务记录).
#[Object]
impl DeliveryRecord {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode("DeliveryRecord", self.0.id)
    }
    /// The organisation's own id of the record (unique per organisation).
    async fn external_id(&self) -> &str {
        &self.0.external_id
    }
    /// The service delivered.
    async fn service(&self, ctx: &Context<'_>) -> ApiResult<Option<Service>> {
        load_by_id::<service::Entity, _>(ctx, self.0.service_id, Service).await
    }
    /// The organisation that delivered it.
    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        load_by_id::<organisation::Entity, _>(ctx, self.0.organisation_id, Organisation).await
    }
    /// Where.
    async fn community(&self, ctx: &Context<'_>) -> ApiResult<Option<Region>> {
        load_by_id::<region::Entity, _>(ctx, self.0.community_id, Region).await
    }
    /// On which day (in the community's time zone, as sent).
    async fn delivered_on(&self) -> Date {
        self.0.delivered_on.into()
    }
    /// How long (minutes).
    async fn duration_minutes(&self) -> i32 {
        self.0.duration_minutes
    }
    /// How many people it served.
    async fn beneficiaries(&self) -> i32 {
        self.0.beneficiaries
    }
    /// The resident it names: shown only to the organisation, the
    /// community's committee and that resident; null for everyone else.
    async fn resident(&self, ctx: &Context<'_>) -> ApiResult<Option<Account>> {
        if !policy::sees_resident(ctx.principal()?, &self.0) {
            return Ok(None);
        }
        load_by_id::<account::Entity, _>(ctx, self.0.resident_account_id, Account).await
    }
    /// The organisation's notes.
    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }
    /// When it was first stored.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// When its content last changed.
    async fn updated_at(&self) -> DateTime {
        self.0.updated_at.into()
    }
}

crate::node_type!(Service, "Service", service, super::policy::visible_services);
crate::node_type!(ServiceSession, "ServiceSession", service_session, super::policy::visible_sessions);
crate::node_type!(ServiceRequest, "ServiceRequest", service_request, super::policy::visible_requests);
crate::node_type!(DeliveryRecord, "DeliveryRecord", delivery_record, super::policy::visible_records);

/// Which services.
#[derive(InputObject, Default)]
pub struct ServiceFilter {
    /// Offered in this community.
    pub community_id: Option<ID>,
    /// Of these categories.
    pub category: Option<Vec<ServiceCategory>>,
    /// In these states (default: all the viewer may see).
    pub status: Option<Vec<ServiceStatus>>,
    /// Offered by this organisation.
    pub organisation_id: Option<ID>,
    /// Text in the name.
    pub search: Option<String>,
}

/// Which requests.
#[derive(InputObject, Default)]
pub struct ServiceRequestFilter {
    /// Of this service.
    pub service_id: Option<ID>,
    /// In these states.
    pub status: Option<Vec<ServiceRequestStatus>>,
    /// Of residents of this community.
    pub community_id: Option<ID>,
}

/// Which delivery records.
#[derive(InputObject, Default)]
pub struct DeliveryRecordFilter {
    /// These external ids (read back what an integration sent; at most 1000).
    pub external_ids: Option<Vec<String>>,
    /// Of this service.
    pub service_id: Option<ID>,
    /// In this community.
    pub community_id: Option<ID>,
    /// Delivered on or after this day.
    pub from: Option<Date>,
    /// Delivered on or before this day.
    pub to: Option<Date>,
}

/// Sums of delivery records.
#[derive(SimpleObject)]
pub struct DeliveryTotals {
    /// Delivery records.
    records: i64,
    /// People served (sum of `beneficiaries`).
    beneficiaries: i64,
    /// Service time (sum of `durationMinutes`, minutes).
    minutes: i64,
    /// Service time in hours (`minutes / 60`).
    service_hours: f64,
}

#[derive(Default)]
pub struct ServicesQuery;

#[Object]
impl ServicesQuery {
    /// Services the viewer may see: residents the active services of their
    /// community, committees and offices every service offered in their
    /// communities, organisations their own.
    #[graphql(complexity = "page_cost(first, last) * child_complexity", guard = "Authenticated")]
    #[allow(clippy::too_many_arguments)]
    async fn services(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which services.")] filter: Option<ServiceFilter>,
        #[graphql(desc = "Items after this cursor (forward paging).")] after: Option<String>,
        #[graphql(desc = "Items before this cursor (backward paging).")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (at most 100).")] last: Option<i32>,
    ) -> ApiResult<Conn<Service>> {
        use sea_orm::sea_query::Query;
        let f = filter.unwrap_or_default();
        let mut q = policy::visible_services(ctx.principal()?);
        if let Some(c) = f.community_id {
            let c = ids::id_of::<Region>(&c, "communityId")?;
            q = q.filter(
                service::Column::Id.in_subquery(
                    Query::select()
                        .column(service_area::Column::ServiceId)
                        .from(service_area::Entity)
                        .and_where(service_area::Column::CommunityId.eq(c))
                        .to_owned(),
                ),
            );
        }
        if let Some(cats) = f.category {
            q = q.filter(service::Column::Category.is_in(cats.into_iter().map(DbCategory::from)));
        }
        if let Some(st) = f.status {
            q = q.filter(service::Column::Status.is_in(st.into_iter().map(entity::enums::ServiceStatus::from)));
        }
        if let Some(o) = f.organisation_id {
            q = q.filter(service::Column::OrganisationId.eq(ids::id_of::<Organisation>(&o, "organisationId")?));
        }
        if let Some(text) = search_text("search", f.search)? {
            q = q.filter(crate::input::contains(service::Column::Name, &text));
        }
        paginate(ctx, q, service::Column::Id, PageArgs::new(after, before, first, last), Service).await
    }

    /// Service requests the viewer may see, newest first: residents their
    /// own, organisations those for their services, committees their
    /// community's.
    #[graphql(complexity = "page_cost(first, last) * child_complexity", guard = "Authenticated")]
    #[allow(clippy::too_many_arguments)]
    async fn service_requests(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which requests.")] filter: Option<ServiceRequestFilter>,
        #[graphql(desc = "Items after this cursor (forward paging).")] after: Option<String>,
        #[graphql(desc = "Items before this cursor (backward paging).")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (at most 100).")] last: Option<i32>,
    ) -> ApiResult<Conn<ServiceRequest>> {
        let f = filter.unwrap_or_default();
        let mut q = policy::visible_requests(ctx.principal()?);
        if let Some(s) = f.service_id {
            q = q.filter(service_request::Column::ServiceId.eq(ids::id_of::<Service>(&s, "serviceId")?));
        }
        if let Some(st) = f.status {
            q = q.filter(service_request::Column::Status.is_in(st.into_iter().map(DbRequestStatus::from)));
        }
        if let Some(c) = f.community_id {
            q = q.filter(service_request::Column::CommunityId.eq(ids::id_of::<Region>(&c, "communityId")?));
        }
        let args = PageArgs::new(after, before, first, last);
        paginate_ordered(ctx, q, service_request::Column::Id, args, true, ServiceRequest).await
    }

    /// Delivery records the viewer may see, oldest first: organisations
    /// their own (read back what an integration sent with `externalIds`),
    /// committees and offices those in their communities, residents those
    /// naming them.
    #[graphql(complexity = "page_cost(first, last) * child_complexity", guard = "Authenticated")]
    #[allow(clippy::too_many_arguments)]
    async fn delivery_records(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which records.")] filter: Option<DeliveryRecordFilter>,
        #[graphql(desc = "Items after this cursor (forward paging).")] after: Option<String>,
        #[graphql(desc = "Items before this cursor (backward paging).")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (at most 100).")] last: Option<i32>,
    ) -> ApiResult<Conn<DeliveryRecord>> {
        let f = filter.unwrap_or_default();
        let filter = RecordFilter {
            external_ids: f.external_ids,
            service_id: ids::opt_id_of::<Service>(f.service_id.as_ref(), "serviceId")?,
            community_id: ids::opt_id_of::<Region>(f.community_id.as_ref(), "communityId")?,
            from: f.from.map(|d| d.0),
            to: f.to.map(|d| d.0),
        };
        let q = delivery::list(ctx.principal()?, filter)?;
        paginate(ctx, q, delivery_record::Column::Id, PageArgs::new(after, before, first, last), DeliveryRecord).await
    }

    /// Totals of delivery records in a region (default the viewer's scope)
    /// between two days: aggregates for offices and district systems (their
    /// region or one under it), committees (their community) and
    /// organisations (their own records). Never a person.
    #[graphql(guard = "Authenticated")]
    async fn delivery_totals(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A community, street or district (global id); default the whole scope.")] region_id: Option<
            ID,
        >,
        #[graphql(desc = "First day (inclusive).")] from: Option<Date>,
        #[graphql(desc = "Last day (inclusive).")] to: Option<Date>,
    ) -> ApiResult<DeliveryTotals> {
        let p = ctx.principal()?;
        let region = ids::opt_id_of::<Region>(region_id.as_ref(), "regionId")?;
        let t = super::service_totals(&ctx.db().read, p, region, from.map(|d| d.0), to.map(|d| d.0)).await?;
        let minutes = t.minutes.unwrap_or(0);
        Ok(DeliveryTotals {
            records: t.records,
            beneficiaries: t.beneficiaries.unwrap_or(0),
            minutes,
            service_hours: minutes as f64 / 60.0,
        })
    }
}

/// A service as its organisation describes it (HSDS names).
#[derive(InputObject)]
pub struct ServiceInput {
    /// Name (HSDS `name`, at most 200 characters).
    pub name: String,
    /// What it is (HSDS `description`).
    pub description: String,
    /// What it is about.
    pub category: ServiceCategory,
    /// Who may use it (HSDS `eligibility_description`).
    pub eligibility_description: Option<String>,
    /// Opening hours in words (HSDS `schedule.description`).
    pub schedule: Option<String>,
    /// Fee per occasion in fen; leave out for a free service.
    pub fee: Option<Money>,
    /// How to reach it (a phone number, an address).
    pub contact: Option<String>,
    /// Communities where it is offered: among those the organisation serves (HSDS `service_areas`).
    pub service_area_ids: Vec<ID>,
}

impl ServiceInput {
    fn into_service(self) -> ApiResult<catalogue::ServiceInput> {
        let community_ids = self
            .service_area_ids
            .iter()
            .map(|c| ids::id_of::<Region>(c, "serviceAreaIds"))
            .collect::<ApiResult<Vec<_>>>()?;
        Ok(catalogue::ServiceInput {
            name: self.name,
            description: self.description,
            category: self.category.into(),
            eligibility_description: self.eligibility_description,
            schedule: self.schedule,
            fee_fen: self.fee.map(|m| m.0),
            contact: self.contact,
            community_ids,
        })
    }
}

/// Change a service: its whole description and its state.
#[derive(InputObject)]
pub struct UpdateServiceInput {
    /// The service (global id).
    pub service_id: ID,
    /// The new description.
    pub service: ServiceInput,
    /// ACTIVE, PAUSED or ENDED.
    pub status: ServiceStatus,
}

/// A dated session with seats.
#[derive(InputObject)]
pub struct AddServiceSessionInput {
    /// The service (global id).
    pub service_id: ID,
    /// One of its communities.
    pub community_id: ID,
    /// Start.
    pub starts_at: DateTime,
    /// End (after the start).
    pub ends_at: DateTime,
    /// Seats (1 to 10000).
    pub capacity: i32,
}

/// Ask for a service.
#[derive(InputObject)]
pub struct RequestServiceInput {
    /// The service (global id).
    pub service_id: ID,
    /// The resident it is for (Account id); leave out to ask for yourself.
    /// A building head asks for residents of their building, the committee
    /// for residents of its community.
    pub resident_id: Option<ID>,
    /// A note to the organisation.
    pub note: Option<String>,
}

/// A step on a request.
#[derive(InputObject)]
pub struct ServiceRequestStepInput {
    /// The request (global id).
    pub request_id: ID,
    /// A note for the timeline.
    pub note: Option<String>,
}

/// Schedule a request into a session.
#[derive(InputObject)]
pub struct ScheduleServiceRequestInput {
    /// The request (global id).
    pub request_id: ID,
    /// A session of the service in the resident's community with a free seat.
    pub session_id: ID,
    /// A note for the timeline.
    pub note: Option<String>,
}

/// Decline a request.
#[derive(InputObject)]
pub struct DeclineServiceRequestInput {
    /// The request (global id).
    pub request_id: ID,
    /// Why (shown to the resident).
    pub reason: String,
}

/// Rate a completed request.
#[derive(InputObject)]
pub struct RateServiceRequestInput {
    /// The request (global id).
    pub request_id: ID,
    /// 1 (poor) to 5 (excellent).
    pub rating: i32,
    /// A comment.
    pub comment: Option<String>,
}

/// One delivery record as an integration sends it.
#[derive(InputObject)]
pub struct DeliveryRecordInput {
    /// Your own id of the record (1 to 100 characters), unique in your
    /// organisation: sending it again updates the record or leaves it unchanged.
    pub external_id: String,
    /// A service of your organisation (global id).
    pub service_id: ID,
    /// A community where the service is offered (global id).
    pub community_id: ID,
    /// The day of the delivery (not in the future).
    pub delivered_on: Date,
    /// How long (1 to 1440 minutes).
    pub duration_minutes: i32,
    /// How many people it served (1 to 10000).
    pub beneficiaries: i32,
    /// The resident it served, if one (Account id; must live in the community).
    pub resident_id: Option<ID>,
    /// Notes (at most 2000 characters).
    pub notes: Option<String>,
}

/// A batch of delivery records.
#[derive(InputObject)]
pub struct UpsertDeliveryRecordsInput {
    /// The records (at most `GONGZHI_MAX_DELIVERY_BATCH`, 500 by default).
    pub records: Vec<DeliveryRecordInput>,
}

/// Delete delivery records by external id.
#[derive(InputObject)]
pub struct DeleteDeliveryRecordsInput {
    /// Your external ids (unknown ones are ignored).
    pub external_ids: Vec<String>,
}

/// What became of one record of a batch.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum DeliveryRecordOutcome {
    /// Stored for the first time.
    Created,
    /// Stored before with other content; now changed.
    Updated,
    /// Stored before with the same content; nothing changed.
    Unchanged,
    /// Not stored: see `error`.
    Error,
}

/// Why a record was not stored.
#[derive(SimpleObject)]
pub struct RecordError {
    /// The error code (`BAD_USER_INPUT`, `FORBIDDEN`, `CONFLICT`).
    code: String,
    /// The input field at fault, if one (`durationMinutes`).
    field: Option<String>,
    /// What is wrong.
    message: String,
}

/// The result of one record of a batch, in the order sent.
#[derive(SimpleObject)]
pub struct DeliveryRecordResult {
    /// Position in the batch (from 0).
    index: i32,
    /// The external id as sent.
    external_id: String,
    /// CREATED, UPDATED, UNCHANGED or ERROR.
    outcome: DeliveryRecordOutcome,
    /// The stored record's global id (not for ERROR).
    delivery_record_id: Option<ID>,
    /// Why it was not stored (ERROR only).
    error: Option<RecordError>,
}

/// The payload of `upsertDeliveryRecords`.
#[derive(SimpleObject)]
pub struct UpsertDeliveryRecordsPayload {
    /// One result per record, in the order sent.
    results: Vec<DeliveryRecordResult>,
    /// Records created.
    created: i32,
    /// Records updated.
    updated: i32,
    /// Records unchanged.
    unchanged: i32,
    /// Records refused.
    errors: i32,
}

/// The payload of `deleteDeliveryRecords`.
#[derive(SimpleObject)]
pub struct DeleteDeliveryRecordsPayload {
    /// Records deleted.
    deleted: i32,
}

macro_rules! payloads {
    ($($name:ident { $field:ident: $ty:ty }),* $(,)?) => {$(
        /// The payload of the mutation of the same name.
        #[derive(SimpleObject)]
        pub struct $name {
            /// The object as it is now.
            pub $field: $ty,
        }
    )*};
}

payloads! {
    PublishServicePayload { service: Service },
    UpdateServicePayload { service: Service },
    AddServiceSessionPayload { session: ServiceSession },
    RequestServicePayload { request: ServiceRequest },
    AcceptServiceRequestPayload { request: ServiceRequest },
    ScheduleServiceRequestPayload { request: ServiceRequest },
    DeclineServiceRequestPayload { request: ServiceRequest },
    CompleteServiceRequestPayload { request: ServiceRequest },
    CancelServiceRequestPayload { request: ServiceRequest },
    RateServiceRequestPayload { request: ServiceRequest },
}

async fn step(ctx: &Context<'_>, id: &ID, action: RequestAction, args: StepArgs) -> ApiResult<ServiceRequest> {
    let id = ids::id_of::<ServiceRequest>(id, "requestId")?;
    Ok(ServiceRequest(requests::step(ctx.db(), ctx.principal()?, id, action, args).await?))
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

#[derive(Default)]
pub struct ServicesMutation;

#[Object]
impl ServicesMutation {
    /// A social organisation publishes a service (ACTIVE) in communities it serves.
    #[graphql(guard = "Authenticated")]
    async fn publish_service(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: ServiceInput,
    ) -> ApiResult<PublishServicePayload> {
        let s = catalogue::publish(ctx.db(), ctx.principal()?, input.into_service()?).await?;
        Ok(PublishServicePayload { service: Service(s) })
    }

    /// The organisation changes its service, or pauses or ends it.
    #[graphql(guard = "Authenticated")]
    async fn update_service(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: UpdateServiceInput,
    ) -> ApiResult<UpdateServicePayload> {
        let id = ids::id_of::<Service>(&input.service_id, "serviceId")?;
        let s = catalogue::update(ctx.db(), ctx.principal()?, id, input.service.into_service()?, input.status.into())
            .await?;
        Ok(UpdateServicePayload { service: Service(s) })
    }

    /// The organisation adds a dated session with seats.
    #[graphql(guard = "Authenticated")]
    async fn add_service_session(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: AddServiceSessionInput,
    ) -> ApiResult<AddServiceSessionPayload> {
        let service = ids::id_of::<Service>(&input.service_id, "serviceId")?;
        let community = ids::id_of::<Region>(&input.community_id, "communityId")?;
        let s = catalogue::add_session(
            ctx.db(),
            ctx.principal()?,
            service,
            community,
            input.starts_at.0,
            input.ends_at.0,
            input.capacity,
        )
        .await?;
        Ok(AddServiceSessionPayload { session: ServiceSession(s) })
    }

    /// A resident asks for a service (or a building head or the committee for a resident).
    #[graphql(guard = "Authenticated")]
    async fn request_service(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: RequestServiceInput,
    ) -> ApiResult<RequestServicePayload> {
        let service = ids::id_of::<Service>(&input.service_id, "serviceId")?;
        let resident = ids::opt_id_of::<Account>(input.resident_id.as_ref(), "residentId")?;
        let r = requests::request(ctx.db(), ctx.principal()?, service, resident, input.note).await?;
        Ok(RequestServicePayload { request: ServiceRequest(r) })
    }

    /// The organisation accepts a request.
    #[graphql(guard = "Authenticated")]
    async fn accept_service_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: ServiceRequestStepInput,
    ) -> ApiResult<AcceptServiceRequestPayload> {
        let args = StepArgs { note: input.note, ..StepArgs::default() };
        Ok(AcceptServiceRequestPayload { request: step(ctx, &input.request_id, RequestAction::Accept, args).await? })
    }

    /// The organisation schedules a request into a session with a free seat
    /// (CONFLICT when it is full).
    #[graphql(guard = "Authenticated")]
    async fn schedule_service_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: ScheduleServiceRequestInput,
    ) -> ApiResult<ScheduleServiceRequestPayload> {
        let session = ids::id_of::<ServiceSession>(&input.session_id, "sessionId")?;
        let args = StepArgs { session_id: Some(session), note: input.note, ..StepArgs::default() };
        let request = step(ctx, &input.request_id, RequestAction::Schedule, args).await?;
        Ok(ScheduleServiceRequestPayload { request })
    }

    /// The organisation declines a request, with a reason.
    #[graphql(guard = "Authenticated")]
    async fn decline_service_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: DeclineServiceRequestInput,
    ) -> ApiResult<DeclineServiceRequestPayload> {
        let args = StepArgs { reason: Some(input.reason), ..StepArgs::default() };
        Ok(DeclineServiceRequestPayload { request: step(ctx, &input.request_id, RequestAction::Decline, args).await? })
    }

    /// The organisation completes a request; its delivery record is stored.
    #[graphql(guard = "Authenticated")]
    async fn complete_service_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: ServiceRequestStepInput,
    ) -> ApiResult<CompleteServiceRequestPayload> {
        let args = StepArgs { note: input.note, ..StepArgs::default() };
        let request = step(ctx, &input.request_id, RequestAction::Complete, args).await?;
        Ok(CompleteServiceRequestPayload { request })
    }

    /// The resident (or who asked for them) cancels a request before it is scheduled.
    #[graphql(guard = "Authenticated")]
    async fn cancel_service_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: ServiceRequestStepInput,
    ) -> ApiResult<CancelServiceRequestPayload> {
        let args = StepArgs { note: input.note, ..StepArgs::default() };
        Ok(CancelServiceRequestPayload { request: step(ctx, &input.request_id, RequestAction::Cancel, args).await? })
    }

    /// The resident rates a completed request, once.
    #[graphql(guard = "Authenticated")]
    async fn rate_service_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: RateServiceRequestInput,
    ) -> ApiResult<RateServiceRequestPayload> {
        let args = StepArgs { rating: Some(input.rating), note: input.comment, ..StepArgs::default() };
        Ok(RateServiceRequestPayload { request: step(ctx, &input.request_id, RequestAction::Rate, args).await? })
    }

    /// Store a batch of delivery records of your organisation, idempotent by
    /// `externalId`: one result per record (CREATED, UPDATED, UNCHANGED, or
    /// ERROR with its code and field), the valid ones stored in one
    /// transaction. Sending the same batch again changes nothing. A batch
    /// over the limit is refused as a whole (BAD_USER_INPUT, field `records`).
    #[graphql(guard = "Authenticated")]
    async fn upsert_delivery_records(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: UpsertDeliveryRecordsInput,
    ) -> ApiResult<UpsertDeliveryRecordsPayload> {
        let sent: Vec<String> = input.records.iter().map(|r| r.external_id.clone()).collect();
        let records = input
            .records
            .into_iter()
            .map(|r| RecordInput {
                external_id: r.external_id,
                service_id: ids::id_of::<Service>(&r.service_id, "serviceId"),
                community_id: ids::id_of::<Region>(&r.community_id, "communityId"),
                delivered_on: r.delivered_on.0,
                duration_minutes: r.duration_minutes,
                beneficiaries: r.beneficiaries,
                resident_account_id: r.resident_id.as_ref().map(|a| ids::id_of::<Account>(a, "residentId")),
                notes: r.notes,
            })
            .collect();
        let (outcomes, counts) = delivery::upsert(ctx.app(), ctx.principal()?, records).await?;
        let results = outcomes
            .into_iter()
            .zip(sent)
            .enumerate()
            .map(|(i, (o, external_id))| {
                let (outcome, id, error) = match o {
                    Outcome::Created(id) => (DeliveryRecordOutcome::Created, Some(id), None),
                    Outcome::Updated(id) => (DeliveryRecordOutcome::Updated, Some(id), None),
                    Outcome::Unchanged(id) => (DeliveryRecordOutcome::Unchanged, Some(id), None),
                    Outcome::Error(e) => (DeliveryRecordOutcome::Error, None, Some(record_error(&e))),
                };
                DeliveryRecordResult {
                    index: count(i),
                    external_id,
                    outcome,
                    delivery_record_id: id.map(|id| ids::encode("DeliveryRecord", id)),
                    error,
                }
            })
            .collect();
        Ok(UpsertDeliveryRecordsPayload {
            results,
            created: count(counts.created),
            updated: count(counts.updated),
            unchanged: count(counts.unchanged),
            errors: count(counts.errors),
        })
    }

    /// Delete delivery records of your organisation by external id.
    #[graphql(guard = "Authenticated")]
    async fn delete_delivery_records(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: DeleteDeliveryRecordsInput,
    ) -> ApiResult<DeleteDeliveryRecordsPayload> {
        let n = delivery::delete(ctx.app(), ctx.principal()?, input.external_ids).await?;
        Ok(DeleteDeliveryRecordsPayload { deleted: i32::try_from(n).unwrap_or(i32::MAX) })
    }
}

fn record_error(e: &ApiError) -> RecordError {
    let field = match e {
        ApiError::BadInput { field, .. } => field.clone(),
        ApiError::Forbidden(_) => Some("serviceId".to_owned()),
        _ => None,
    };
    RecordError { code: e.code().to_owned(), field, message: e.public_message() }
}
