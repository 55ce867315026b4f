//! Service requests: a resident asks for a service (or their building head
//! or the committee asks for them), the organisation accepts, schedules
//! into a session (seats counted by a conditional UPDATE, so concurrent
//! schedulings never overbook), declines or completes it (which records the
//! delivery); the resident cancels before it is scheduled and rates it once.
//! Each step: one transaction, the request loaded through
//! `visible_requests` (NOT_FOUND otherwise), the policy, the lifecycle
//! table, a conditional status update, a timeline row, one audit row.

use chrono::{DateTime, Utc};
use entity::enums::{ChangeKind, Role, ServiceRequestStatus, ServiceStatus};
use entity::{
    delivery_record, membership, service, service_area, service_request, service_request_event, service_session,
};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, NotSet, QueryFilter, Set,
};
use serde_json::json;

use super::delivery::{RecordFields, content_hash};
use super::graphql::{DeliveryRecord, ServiceRequest};
use super::policy::{self, RequestAction};
use super::{Verbs, lifecycle};
use crate::auth::Principal;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::input::{Reason, Remark};
use crate::uow::{Audit, Change, Hook, UnitOfWork};
use crate::webhooks::EventType;

/// External ids the server gives the records of completed requests; an
/// integration may not use this prefix.
pub const OWN_PREFIX: &str = "gongzhi:";

/// Open states: a resident has at most one open request per service.
const OPEN: [ServiceRequestStatus; 3] =
    [ServiceRequestStatus::Requested, ServiceRequestStatus::Accepted, ServiceRequestStatus::Scheduled];

/// Ask for a service: for the principal, or (`for_resident`) for a resident
/// of the principal's building (building head) or community (committee).
pub async fn request(
    db: &Db,
    p: &Principal,
    service_id: i32,
    for_resident: Option<i32>,
    note: Option<String>,
) -> ApiResult<service_request::Model> {
    let me = p.account_id().ok_or_else(|| ApiError::forbidden(t!("services.people_ask_services")))?;
    let community =
        p.scope.community_id.ok_or_else(|| ApiError::forbidden(t!("services.people_community_ask_services")))?;
    let resident = for_resident.unwrap_or(me);
    policy::may_request(p, community, resident == me)?;
    let note = Remark::parse_opt("note", note.as_deref())?.map(Remark::into_inner);
    let mut uow = UnitOfWork::begin(db, p).await?;
    let txn = uow.txn();
    let s = policy::visible_services(p)
        .filter(service::Column::Id.eq(service_id))
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::not_found("Service"))?;
    let offered = service_area::Entity::find_by_id((service_id, community)).one(txn).await?.is_some();
    if s.status != ServiceStatus::Active || !offered {
        return Err(ApiError::bad_input("serviceId", t!("services.service_not_offered_community_now")));
    }
    if resident != me {
        let mut q = membership::Entity::find()
            .filter(membership::Column::AccountId.eq(resident))
            .filter(membership::Column::RegionId.eq(community))
            .filter(membership::Column::Role.is_in([Role::Resident, Role::BuildingHead]));
        if p.role == Role::BuildingHead {
            q = q.filter(membership::Column::BuildingId.eq(p.scope.building_id));
        }
        if q.one(txn).await?.is_none() {
            return Err(ApiError::bad_input("residentId", t!("services.not_resident_you_ask")));
        }
    }
    let open = service_request::Entity::find()
        .filter(service_request::Column::ServiceId.eq(service_id))
        .filter(service_request::Column::ResidentAccountId.eq(resident))
        .filter(service_request::Column::Status.is_in(OPEN))
        .one(txn)
        .await?;
    if open.is_some() {
        return Err(ApiError::conflict(t!("services.resident_already_has_open_request")));
    }
    let now = Utc::now();
    let saved = service_request::ActiveModel {
        id: NotSet,
        service_id: Set(service_id),
        community_id: Set(community),
        resident_account_id: Set(resident),
        requested_by_account_id: Set(me),
        status: Set(ServiceRequestStatus::Requested),
        session_id: Set(None),
        note: Set(note.clone()),
        decline_reason: Set(None),
        rating: Set(None),
        rating_comment: Set(None),
        rated_at: Set(None),
        completed_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await?;
    insert_event(txn, p, saved.id, None, ServiceRequestStatus::Requested, "REQUEST", note, now).await?;
    uow.changed(
        Change::of::<ServiceRequest>(ChangeKind::Created, saved.id)
            .organisation(s.organisation_id)
            .community(community),
    );
    uow.emit(
        Hook::of::<ServiceRequest>(EventType::ServiceRequestCreated, saved.id)
            .community(community)
            .organisation(s.organisation_id)
            .with("status", serde_json::to_value(saved.status).unwrap_or_default())
            .with("service", crate::graphql::ids::encode("Service", s.id).to_string()),
    );
    uow.commit(Audit::of::<ServiceRequest>(Verbs::RequestCreate, saved.id).community(community)).await?;
    Ok(saved)
}

#[allow(clippy::too_many_arguments)]
async fn insert_event(
    txn: &DatabaseTransaction,
    p: &Principal,
    request_id: i32,
    from: Option<ServiceRequestStatus>,
    to: ServiceRequestStatus,
    action: &str,
    note: Option<String>,
    at: DateTime<Utc>,
) -> ApiResult<()> {
    service_request_event::ActiveModel {
        id: NotSet,
        request_id: Set(request_id),
        from_status: Set(from),
        to_status: Set(to),
        action: Set(action.to_owned()),
        account_id: Set(p.account_id()),
        role: Set(Some(p.role)),
        note: Set(note),
        at: Set(at),
        organisation_id: Set(p.scope.organisation_id),
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// What a step may carry.
#[derive(Default)]
pub struct StepArgs {
    pub session_id: Option<i32>,
    pub reason: Option<String>,
    pub note: Option<String>,
    pub rating: Option<i32>,
}

/// One move of the lifecycle on request `id`.
pub async fn step(
    db: &Db,
    p: &Principal,
    id: i32,
    action: RequestAction,
    args: StepArgs,
) -> ApiResult<service_request::Model> {
    let note = match action {
        RequestAction::Decline => {
            let raw = args.reason.as_deref().unwrap_or_default();
            Some(Reason::parse("reason", raw)?.into_inner())
        }
        _ => Remark::parse_opt(if action == RequestAction::Rate { "comment" } else { "note" }, args.note.as_deref())?
            .map(Remark::into_inner),
    };
    if action == RequestAction::Rate && !args.rating.is_some_and(|r| (1..=5).contains(&r)) {
        return Err(ApiError::bad_input("rating", t!("services.between_1_5")));
    }
    let mut uow = UnitOfWork::begin(db, p).await?;
    let txn = uow.txn();
    let r = policy::visible_requests(p)
        .filter(service_request::Column::Id.eq(id))
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::not_found("ServiceRequest"))?;
    let s = service::Entity::find_by_id(r.service_id).one(txn).await?.ok_or_else(|| ApiError::not_found("Service"))?;
    policy::authorize(p, action, &r, s.organisation_id)?;
    let mv = lifecycle::check(action, r.status)?;
    let now = Utc::now();
    let to = mv.to.unwrap_or(r.status);
    let mut update = service_request::Entity::update_many()
        .col_expr(service_request::Column::Status, Expr::value(sea_orm::ActiveEnum::to_value(&to)))
        .col_expr(service_request::Column::UpdatedAt, Expr::value(now))
        .filter(service_request::Column::Id.eq(id))
        .filter(service_request::Column::Status.eq(r.status));
    let mut session_used = None;
    match action {
        RequestAction::Schedule => {
            let session =
                args.session_id.ok_or_else(|| ApiError::bad_input("sessionId", t!("services.choose_session")))?;
            take_seat(txn, &r, session).await?;
            session_used = Some(session);
            update = update.col_expr(service_request::Column::SessionId, Expr::value(session));
        }
        RequestAction::Decline => {
            if let Some(session) = r.session_id {
                give_back_seat(txn, session).await?;
            }
            update = update.col_expr(service_request::Column::DeclineReason, Expr::value(note.clone()));
        }
        RequestAction::Complete => {
            update = update.col_expr(service_request::Column::CompletedAt, Expr::value(now));
        }
        RequestAction::Rate => {
            update = update
                .col_expr(service_request::Column::Rating, Expr::value(args.rating))
                .col_expr(service_request::Column::RatingComment, Expr::value(note.clone()))
                .col_expr(service_request::Column::RatedAt, Expr::value(now))
                .filter(service_request::Column::Rating.is_null());
        }
        RequestAction::Accept | RequestAction::Cancel => {}
    }
    if update.exec(txn).await?.rows_affected == 0 {
        return Err(match action {
            RequestAction::Rate => ApiError::conflict(t!("services.request_already_rated")),
            _ => ApiError::conflict(t!("services.request_changed_meanwhile_reload")),
        });
    }
    insert_event(txn, p, id, Some(r.status), to, mv.event, note, now).await?;
    if action == RequestAction::Complete {
        let record = record_completion(txn, &r, &s, now).await?;
        uow.changed(
            Change::of::<DeliveryRecord>(ChangeKind::Created, record.id)
                .organisation(s.organisation_id)
                .community(r.community_id),
        );
    }
    uow.changed(
        Change::of::<ServiceRequest>(ChangeKind::Updated, id).organisation(s.organisation_id).community(r.community_id),
    );
    if to != r.status {
        uow.emit(
            Hook::of::<ServiceRequest>(EventType::ServiceRequestStatusChanged, id)
                .community(r.community_id)
                .organisation(s.organisation_id)
                .with("status", serde_json::to_value(to).unwrap_or_default())
                .with("previousStatus", serde_json::to_value(r.status).unwrap_or_default()),
        );
    }
    let mut audit = Audit::of::<ServiceRequest>(mv.verb, id).community(r.community_id);
    if let Some(session) = session_used {
        audit = audit.details(json!({ "session": session }));
    }
    uow.commit(audit).await?;
    service_request::Entity::find_by_id(id).one(&db.write).await?.ok_or_else(|| ApiError::not_found("ServiceRequest"))
}

/// Take one seat of the session for the request: the seat count is a
/// condition of the UPDATE, so of 30 concurrent schedulings into 10 seats
/// exactly 10 succeed (the CHECK constraint repeats the invariant).
async fn take_seat(txn: &DatabaseTransaction, r: &service_request::Model, session: i32) -> ApiResult<()> {
    let s = service_session::Entity::find_by_id(session)
        .one(txn)
        .await?
        .filter(|s| s.service_id == r.service_id && s.community_id == r.community_id)
        .ok_or_else(|| ApiError::bad_input("sessionId", t!("services.not_session_service_resident_s")))?;
    let taken = service_session::Entity::update_many()
        .col_expr(service_session::Column::Booked, Expr::col(service_session::Column::Booked).add(1))
        .filter(service_session::Column::Id.eq(s.id))
        .filter(Expr::col(service_session::Column::Booked).lt(Expr::col(service_session::Column::Capacity)))
        .exec(txn)
        .await?;
    if taken.rows_affected == 0 {
        return Err(ApiError::conflict(t!("services.session_full")));
    }
    Ok(())
}

async fn give_back_seat(txn: &DatabaseTransaction, session: i32) -> ApiResult<()> {
    service_session::Entity::update_many()
        .col_expr(service_session::Column::Booked, Expr::col(service_session::Column::Booked).sub(1))
        .filter(service_session::Column::Id.eq(session))
        .filter(service_session::Column::Booked.gt(0))
        .exec(txn)
        .await?;
    Ok(())
}

/// The delivery record of a completed request: one beneficiary (the
/// resident), the session's length or an hour, on the day it was completed.
async fn record_completion<C: ConnectionTrait>(
    conn: &C,
    r: &service_request::Model,
    s: &service::Model,
    now: DateTime<Utc>,
) -> ApiResult<delivery_record::Model> {
    let minutes = match r.session_id {
        Some(id) => service_session::Entity::find_by_id(id)
            .one(conn)
            .await?
            .map_or(60, |x| i32::try_from((x.ends_at - x.starts_at).num_minutes()).unwrap_or(60).clamp(1, 1440)),
        None => 60,
    };
    let fields = RecordFields {
        service_id: s.id,
        community_id: r.community_id,
        delivered_on: now.date_naive(),
        duration_minutes: minutes,
        beneficiaries: 1,
        resident_account_id: Some(r.resident_account_id),
        notes: None,
    };
    Ok(delivery_record::ActiveModel {
        id: NotSet,
        organisation_id: Set(s.organisation_id),
        service_id: Set(s.id),
        community_id: Set(r.community_id),
        external_id: Set(format!("{OWN_PREFIX}request:{}", r.id)),
        delivered_on: Set(fields.delivered_on),
        duration_minutes: Set(minutes),
        beneficiaries: Set(1),
        resident_account_id: Set(Some(r.resident_account_id)),
        notes: Set(None),
        content_hash: Set(content_hash(&fields)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await?)
}
