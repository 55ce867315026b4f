//! The catalogue: an organisation publishes and updates its services, the
//! communities where each is offered, and dated sessions with seats.

use chrono::{DateTime, Utc};
use entity::enums::{ChangeKind, ServiceCategory, ServiceStatus};
use entity::{organisation_community, service, service_area, service_session};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, NotSet, QueryFilter, Set};
use serde_json::json;

use super::graphql::{Service, ServiceSession};
use super::{Verbs, policy};
use crate::auth::Principal;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::input::{Body, Contact, Name, Remark};
use crate::uow::{Audit, Change, UnitOfWork};

/// Most communities one service is offered in.
pub const MAX_AREAS: usize = 200;

/// What an organisation fills in for a service (HSDS names in brackets).
pub struct ServiceInput {
    /// (`name`)
    pub name: String,
    /// (`description`)
    pub description: String,
    pub category: ServiceCategory,
    /// (`eligibility_description`)
    pub eligibility_description: Option<String>,
    /// Opening hours in words (`schedule.description`).
    pub schedule: Option<String>,
    /// `None`: free (`fees_description`).
    pub fee_fen: Option<i64>,
    /// (`contact`)
    pub contact: Option<String>,
    /// Communities where it is offered (`service_areas`).
    pub community_ids: Vec<i32>,
}

struct Checked {
    name: String,
    description: String,
    eligibility: Option<String>,
    schedule: Option<String>,
    contact: Option<String>,
    communities: Vec<i32>,
}

fn check(input: &ServiceInput) -> ApiResult<Checked> {
    if input.fee_fen.is_some_and(|f| f <= 0) {
        return Err(ApiError::bad_input("fee", t!("services.fee_more_than_0_fen")));
    }
    let mut communities = input.community_ids.clone();
    communities.sort_unstable();
    communities.dedup();
    if communities.is_empty() || communities.len() > MAX_AREAS {
        return Err(ApiError::bad_input("communityIds", t!("services.areas_between", max = MAX_AREAS)));
    }
    Ok(Checked {
        name: Name::parse("name", &input.name)?.into_inner(),
        description: Body::parse("description", &input.description)?.into_inner(),
        eligibility: Remark::parse_opt("eligibilityDescription", input.eligibility_description.as_deref())?
            .map(Remark::into_inner),
        schedule: Remark::parse_opt("schedule", input.schedule.as_deref())?.map(Remark::into_inner),
        contact: Contact::parse_opt("contact", input.contact.as_deref())?.map(Contact::into_inner),
        communities,
    })
}

/// BAD_USER_INPUT unless the organisation serves every community.
async fn ensure_service_area<C: ConnectionTrait>(conn: &C, org: i32, communities: &[i32]) -> ApiResult<()> {
    let served = organisation_community::Entity::find()
        .filter(organisation_community::Column::OrganisationId.eq(org))
        .filter(organisation_community::Column::CommunityId.is_in(communities.iter().copied()))
        .all(conn)
        .await?;
    if served.len() == communities.len() {
        Ok(())
    } else {
        Err(ApiError::bad_input("communityIds", t!("services.service_offered_communities_organisation_serves")))
    }
}

async fn set_areas<C: ConnectionTrait>(conn: &C, service_id: i32, communities: &[i32]) -> ApiResult<()> {
    service_area::Entity::delete_many().filter(service_area::Column::ServiceId.eq(service_id)).exec(conn).await?;
    service_area::Entity::insert_many(
        communities.iter().map(|c| service_area::ActiveModel { service_id: Set(service_id), community_id: Set(*c) }),
    )
    .exec(conn)
    .await?;
    Ok(())
}

/// Publish a service of the principal's organisation (ACTIVE).
pub async fn publish(db: &Db, p: &Principal, input: ServiceInput) -> ApiResult<service::Model> {
    let org = policy::own_organisation(p)?;
    let c = check(&input)?;
    let mut uow = UnitOfWork::begin(db, p).await?;
    ensure_service_area(uow.txn(), org, &c.communities).await?;
    let now = Utc::now();
    let saved = service::ActiveModel {
        id: NotSet,
        organisation_id: Set(org),
        name: Set(c.name),
        description: Set(c.description),
        category: Set(input.category),
        eligibility_description: Set(c.eligibility),
        schedule: Set(c.schedule),
        fee_fen: Set(input.fee_fen),
        contact: Set(c.contact),
        status: Set(ServiceStatus::Active),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(uow.txn())
    .await?;
    set_areas(uow.txn(), saved.id, &c.communities).await?;
    uow.changed(Change::of::<Service>(ChangeKind::Created, saved.id).organisation(org));
    uow.commit(Audit::of::<Service>(Verbs::ServicePublish, saved.id).details(json!({ "communities": c.communities })))
        .await?;
    Ok(saved)
}

/// The service, if the principal's organisation owns it: NOT_FOUND when
/// the principal may not see it, FORBIDDEN when it sees but does not own it.
async fn owned<C: ConnectionTrait>(conn: &C, p: &Principal, id: i32) -> ApiResult<service::Model> {
    let s = policy::visible_services(p)
        .filter(service::Column::Id.eq(id))
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::not_found("Service"))?;
    if policy::acts_for(p, s.organisation_id) {
        Ok(s)
    } else {
        Err(ApiError::forbidden(t!("services.organisation_publishes_service_changes")))
    }
}

/// Replace a service's description and areas, and set its status.
pub async fn update(
    db: &Db,
    p: &Principal,
    id: i32,
    input: ServiceInput,
    status: ServiceStatus,
) -> ApiResult<service::Model> {
    let c = check(&input)?;
    let mut uow = UnitOfWork::begin(db, p).await?;
    let s = owned(uow.txn(), p, id).await?;
    ensure_service_area(uow.txn(), s.organisation_id, &c.communities).await?;
    let org = s.organisation_id;
    let mut a: service::ActiveModel = s.into();
    a.name = Set(c.name);
    a.description = Set(c.description);
    a.category = Set(input.category);
    a.eligibility_description = Set(c.eligibility);
    a.schedule = Set(c.schedule);
    a.fee_fen = Set(input.fee_fen);
    a.contact = Set(c.contact);
    a.status = Set(status);
    a.updated_at = Set(Utc::now());
    let saved = a.update(uow.txn()).await?;
    set_areas(uow.txn(), id, &c.communities).await?;
    uow.changed(Change::of::<Service>(ChangeKind::Updated, id).organisation(org));
    uow.commit(Audit::of::<Service>(Verbs::ServiceUpdate, id).details(json!({ "status": status }))).await?;
    Ok(saved)
}

/// Add a dated session with `capacity` seats in one of the service's communities.
pub async fn add_session(
    db: &Db,
    p: &Principal,
    service_id: i32,
    community_id: i32,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    capacity: i32,
) -> ApiResult<service_session::Model> {
    if ends_at <= starts_at {
        return Err(ApiError::bad_input("endsAt", t!("services.session_ends_after_starts")));
    }
    if !(1..=10_000).contains(&capacity) {
        return Err(ApiError::bad_input("capacity", t!("services.between_1_10000_seats")));
    }
    let mut uow = UnitOfWork::begin(db, p).await?;
    let s = owned(uow.txn(), p, service_id).await?;
    let offered = service_area::Entity::find_by_id((service_id, community_id)).one(uow.txn()).await?.is_some();
    if !offered {
        return Err(ApiError::bad_input("communityId", t!("services.service_not_offered_community")));
    }
    let saved = service_session::ActiveModel {
        id: NotSet,
        service_id: Set(service_id),
        community_id: Set(community_id),
        starts_at: Set(starts_at),
        ends_at: Set(ends_at),
        capacity: Set(capacity),
        booked: Set(0),
        created_at: Set(Utc::now()),
    }
    .insert(uow.txn())
    .await?;
    uow.changed(
        Change::of::<ServiceSession>(ChangeKind::Created, saved.id)
            .organisation(s.organisation_id)
            .community(community_id),
    );
    uow.commit(
        Audit::of::<ServiceSession>(Verbs::SessionAdd, saved.id)
            .community(community_id)
            .details(json!({ "service": service_id, "capacity": capacity })),
    )
    .await?;
    Ok(saved)
}
