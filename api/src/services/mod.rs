//! Community services (社区服务): social organisations publish services
//! (HSDS vocabulary) in the communities they serve, with dated sessions;
//! residents ask for them; organisations accept, schedule, decline or
//! complete each request, and record every delivery (服务记录), also in
//! idempotent batches from their own systems ([`delivery`]). Every change
//! goes to the change feed (`crate::changes`).
//!
//! Request lifecycle (the table in [`lifecycle`]): REQUESTED → ACCEPTED →
//! SCHEDULED → COMPLETED, with DECLINED (by the organisation) and CANCELLED
//! (by the resident, before scheduling); a completed request is rated once.

pub mod catalogue;
pub mod delivery;
pub mod graphql;
pub mod hsds;
pub mod lifecycle;
pub mod policy;
pub mod requests;

use chrono::NaiveDate;
use entity::enums::Role;
use entity::{delivery_record, region, service, service_area, service_request_event, service_session};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::graphql::loaders::{Loaders, Main};
use crate::policy::{communities_filter, under_region};

crate::verbs! {
    /// What service mutations do, as recorded in the audit log.
    pub enum Verbs {
        ServicePublish = "service.publish",
        ServiceUpdate = "service.update",
        SessionAdd = "service_session.add",
        RequestCreate = "service_request.create",
        RequestAccept = "service_request.accept",
        RequestSchedule = "service_request.schedule",
        RequestDecline = "service_request.decline",
        RequestComplete = "service_request.complete",
        RequestCancel = "service_request.cancel",
        RequestRate = "service_request.rate",
        DeliveryUpsert = "delivery_record.upsert",
        DeliveryDelete = "delivery_record.delete",
    }
}

pub fn register_loaders(l: &mut Loaders<'_>) {
    // A record, request or session reaches its service only as `node(id:)`
    // would (a PAUSED service is null to a resident).
    l.visible_by_id::<service::Entity>(policy::visible_services);
    l.visible_by_id::<service_session::Entity>(policy::visible_sessions);
    l.by_column::<service_area::Entity, Main>(service_area::Column::ServiceId);
    l.by_column::<service_session::Entity, Main>(service_session::Column::ServiceId);
    l.by_column::<service_request_event::Entity, Main>(service_request_event::Column::RequestId);
}

/// Delivery totals in the principal's scope, optionally narrowed to a
/// region under it: district systems and offices their region's subtree,
/// committees their community, organisations their own records, platform
/// admins all. A region outside the scope is NOT_FOUND.
pub async fn service_totals<C: ConnectionTrait>(
    conn: &C,
    p: &Principal,
    region_id: Option<i32>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> ApiResult<delivery::Totals> {
    use delivery_record::Column as D;
    let mut q = match p.role {
        // Aggregates only: the scope of a district system is its region,
        // the rows themselves stay out of its reach.
        // So does the party organisation's: it reads the overview, not
        // who received which service.
        Role::DistrictSystem | Role::PartyOrganisation => {
            delivery_record::Entity::find().filter(communities_filter(p, D::CommunityId))
        }
        Role::PlatformAdmin
        | Role::GovernmentOffice
        | Role::CommunityCommittee
        | Role::SocialOrganization
        | Role::PropertyCompany => policy::visible_records(p),
        Role::Resident | Role::BuildingHead | Role::Person => {
            return Err(ApiError::forbidden(t!("services.delivery_totals_are_offices_committees")));
        }
    };
    if let Some(id) = region_id {
        let r = region::Entity::find_by_id(id).one(conn).await?.ok_or_else(|| ApiError::not_found("Region"))?;
        // A region outside the scope is as unknown as one that does not
        // exist. Organisations narrow their own records by any region.
        let in_scope = match p.role {
            Role::DistrictSystem | Role::GovernmentOffice | Role::PartyOrganisation => {
                p.scope.region_path.as_deref().is_some_and(|own| r.path.starts_with(own))
            }
            Role::CommunityCommittee => p.scope.community_id == Some(r.id),
            _ => true,
        };
        if !in_scope {
            return Err(ApiError::not_found("Region"));
        }
        q = q.filter(under_region(D::CommunityId, &r.path));
    }
    if let Some(d) = from {
        q = q.filter(D::DeliveredOn.gte(d));
    }
    if let Some(d) = to {
        q = q.filter(D::DeliveredOn.lte(d));
    }
    delivery::totals(conn, q).await
}
