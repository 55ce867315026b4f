//! The services domain's queries.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use entity::enums::{ServiceCategory as DbCategory, ServiceRequestStatus as DbRequestStatus};
use entity::{delivery_record, service, service_area, service_request};
use sea_orm::{ColumnTrait, QueryFilter};

use crate::directory::graphql::{Organisation, Region};
use crate::error::ApiResult;
use crate::graphql::connection::{Conn, PageArgs, page_cost, paginate, paginate_ordered};
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Authenticated;
use crate::graphql::ids;
use crate::graphql::scalars::Date;
use crate::input::search_text;
use crate::services::delivery::{self, RecordFilter};
use crate::services::policy::{self};

use super::*;

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
    #[graphql(
        visible = "super::shown::read_services",
        complexity = "page_cost(first, last) * child_complexity",
        guard = "Authenticated"
    )]
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
    #[graphql(
        visible = "super::shown::read_requests",
        complexity = "page_cost(first, last) * child_complexity",
        guard = "Authenticated"
    )]
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
    #[graphql(
        visible = "super::shown::read_records",
        complexity = "page_cost(first, last) * child_complexity",
        guard = "Authenticated"
    )]
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
    #[graphql(visible = "super::shown::totals", guard = "Authenticated")]
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
        let t = crate::services::service_totals(&ctx.db().read, p, region, from.map(|d| d.0), to.map(|d| d.0)).await?;
        let minutes = t.minutes.unwrap_or(0);
        Ok(DeliveryTotals {
            records: t.records,
            beneficiaries: t.beneficiaries.unwrap_or(0),
            minutes,
            service_hours: minutes as f64 / 60.0,
        })
    }
}
