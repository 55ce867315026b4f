//! Answering an alert, visiting households, closing it, and reports from
//! NEED_HELP answers.

use chrono::Utc;
use entity::enums::{AlertResponseState, NoticeCategory, NoticeStatus, Role};
use entity::{alert_response, alert_visit, membership, notice, region};
use sea_orm::sea_query::LockType;
use sea_orm::sea_query::{OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait, NotSet, QueryFilter,
    QuerySelect, Set,
};
use serde_json::json;

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::input::Reason;
use crate::notices::graphql::Notice;
use crate::notices::policy::NoticesPermission;
use crate::notices::{NoticeEventKind, Verbs, policy};
use crate::policy::{Permission, is_committee_of, is_resident_of, require};
use crate::state::AppState;
use crate::uow::{Audit, Hook, UnitOfWork};
use crate::webhooks::EventType;

use super::*;

/// An open alert the principal may read, else NOT_FOUND / BAD_USER_INPUT.
///
/// The alert's row is locked for the rest of the transaction: shared by
/// the writes that answer it (`respond`, `visit`), exclusive by `close`. On
/// PostgreSQL a close therefore waits for the answers in flight to commit
/// and counts them, and an answer that arrives during a close waits for it
/// and then finds the alert closed: every answer acknowledged is in the
/// frozen counts, or refused. (SQLite runs one write transaction at a
/// time.)
pub(super) async fn open_alert(
    txn: &DatabaseTransaction,
    p: &Principal,
    id: i32,
    lock: LockType,
) -> ApiResult<notice::Model> {
    visible(txn, p, id).await?;
    let n = notice::Entity::find_by_id(id).lock(lock).one(txn).await?.ok_or_else(|| ApiError::not_found("Notice"))?;
    if n.category != NoticeCategory::Emergency {
        return Err(ApiError::bad_input("noticeId", t!("notices.not_emergency_alert")));
    }
    if n.status != NoticeStatus::Published {
        return Err(ApiError::bad_input("status", t!("notices.alert_closed")));
    }
    Ok(n)
}

/// A targeted resident answers an open alert (changeable until it closes).
pub async fn respond(
    app: &AppState,
    p: &Principal,
    id: i32,
    state: AlertResponseState,
    note: Option<String>,
    whole_household: bool,
) -> ApiResult<alert_response::Model> {
    let note = Reason::parse_opt("note", note.as_deref())?.map(Reason::into_inner);
    let me = p.account_id().ok_or_else(|| ApiError::forbidden(t!("notices.people")))?;
    require(NoticesPermission::Answer.allowed(p), t!("notices.residents_answer_alerts"))?;
    let mut uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let n = open_alert(txn, p, id, LockType::Share).await?;
    let row = alert_response::ActiveModel {
        id: NotSet,
        notice_id: Set(n.id),
        account_id: Set(me),
        state: Set(state),
        note: Set(note),
        whole_household: Set(whole_household),
        responded_at: Set(Utc::now()),
        report_id: Set(None),
    };
    alert_response::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([alert_response::Column::NoticeId, alert_response::Column::AccountId])
                .update_columns([
                    alert_response::Column::State,
                    alert_response::Column::Note,
                    alert_response::Column::WholeHousehold,
                    alert_response::Column::RespondedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
    let saved = alert_response::Entity::find()
        .filter(alert_response::Column::NoticeId.eq(n.id))
        .filter(alert_response::Column::AccountId.eq(me))
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::internal("response missing after upsert"))?;
    let targets = targets_of(txn, n.id).await?;
    // NEED_HELP goes out about the household: only to endpoints whose
    // owner may see the household (its building head, the committee).
    let household = match p.membership_id() {
        Some(m) if state == AlertResponseState::NeedHelp => {
            membership::Entity::find_by_id(m).one(txn).await?.and_then(|m| m.household_id)
        }
        _ => None,
    };
    if let Some(h) = household {
        uow.emit(
            Hook::of::<crate::residency::graphql::Household>(EventType::AlertNeedHelp, h)
                .community(p.scope.community_id)
                .with("alert", crate::graphql::ids::encode("Notice", n.id).to_string()),
        );
    }
    uow.commit(Audit::of::<Notice>(Verbs::AlertRespond, n.id).community(p.scope.community_id))
        .await?
        .publish(
            &app.events,
            event(&n, &targets, NoticeEventKind::Response, json!({ "buildingId": p.scope.building_id })),
        )
        .await;
    Ok(saved)
}

/// The targeted residents of an alert, as a condition on memberships.
pub async fn targeted<C: ConnectionTrait>(conn: &C, notice_id: i32) -> ApiResult<Condition> {
    let mut any = Condition::any();
    for t in targets_of(conn, notice_id).await? {
        if let Some(r) = t.region_id {
            let path = region::Entity::find_by_id(r).one(conn).await?.map(|r| r.path).unwrap_or_default();
            any = any.add(
                membership::Column::RegionId.in_subquery(
                    Query::select()
                        .column(region::Column::Id)
                        .from(region::Entity)
                        .and_where(region::Column::Path.like(format!("{path}%")))
                        .to_owned(),
                ),
            );
        }
        if let Some(b) = t.building_id {
            any = any.add(membership::Column::BuildingId.eq(b));
        }
    }
    Ok(Condition::all().add(membership::Column::Role.is_in([Role::Resident, Role::BuildingHead])).add(any))
}

/// The building head records a door-to-door visit to a household of their building.
pub async fn visit(app: &AppState, p: &Principal, id: i32, resident: i32, note: Option<String>) -> ApiResult<()> {
    let note = Reason::parse_opt("note", note.as_deref())?.map(Reason::into_inner);
    let (true, Some(b), Some(me)) = (NoticesPermission::Visit.allowed(p), p.scope.building_id, p.account_id()) else {
        return Err(ApiError::forbidden(t!("notices.building_heads_record_visits")));
    };
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let n = open_alert(txn, p, id, LockType::Share).await?;
    // A targeted household of another building is the other building
    // head's to visit (FORBIDDEN); someone the alert does not target is
    // bad input.
    let households = membership::Entity::find()
        .filter(targeted(txn, n.id).await?)
        .filter(membership::Column::AccountId.eq(resident))
        .all(txn)
        .await?;
    if households.is_empty() {
        return Err(ApiError::bad_input("accountId", t!("notices.not_targeted_household_your_building")));
    }
    if !households.iter().any(|m| m.building_id == Some(b)) {
        return Err(ApiError::forbidden(t!("notices.household_of_another_building")));
    }
    alert_visit::Entity::insert(alert_visit::ActiveModel {
        id: NotSet,
        notice_id: Set(n.id),
        account_id: Set(resident),
        visited_by_account_id: Set(me),
        note: Set(note),
        visited_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::columns([alert_visit::Column::NoticeId, alert_visit::Column::AccountId])
            .update_columns([
                alert_visit::Column::Note,
                alert_visit::Column::VisitedAt,
                alert_visit::Column::VisitedByAccountId,
            ])
            .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    let targets = targets_of(txn, n.id).await?;
    uow.commit(Audit::of::<Notice>(Verbs::AlertVisit, n.id).community(p.scope.community_id))
        .await?
        .publish(&app.events, event(&n, &targets, NoticeEventKind::Visit, json!({ "buildingId": b })))
        .await;
    Ok(())
}

/// The publisher closes an alert; the counts are frozen as they are now.
pub async fn close(app: &AppState, p: &Principal, id: i32) -> ApiResult<notice::Model> {
    let mut uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let n = open_alert(txn, p, id, LockType::Update).await?;
    publisher_only(p, &n)?;
    let all = aggregate(txn, &n, Condition::all()).await?;
    let frozen = serde_json::to_string(&all).map_err(|e| ApiError::internal(e.to_string()))?;
    let (households, reached) = reach(txn, &n).await?;
    let changes = notice::ActiveModel {
        status: Set(NoticeStatus::Closed),
        closed_at: Set(Some(Utc::now())),
        frozen_counts: Set(Some(frozen)),
        frozen_households: Set(Some(households)),
        frozen_reached_within_hour: Set(Some(reached)),
        ..Default::default()
    };
    let after = set_status(txn, &n, changes).await?;
    let targets = targets_of(txn, n.id).await?;
    uow.emit(hook(&after, EventType::AlertClosed, p.scope.community_id));
    uow.commit(Audit::of::<Notice>(Verbs::AlertClose, n.id).community(p.scope.community_id))
        .await?
        .publish(&app.events, event(&after, &targets, NoticeEventKind::Closed, json!({})))
        .await;
    Ok(after)
}

/// The committee turns a NEED_HELP answer of a resident of its community
/// into a (private) resident report, once.
pub async fn to_report(app: &AppState, p: &Principal, id: i32, resident: i32) -> ApiResult<entity::report::Model> {
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let n = visible(txn, p, id).await?;
    // The answer's row is locked (FOR UPDATE on PostgreSQL; SQLite runs
    // one write transaction at a time) until the report is made and the
    // answer points at it: a racing call waits, then finds the report and
    // returns it. One answer, one report, however many calls.
    let response = alert_response::Entity::find()
        .filter(alert_response::Column::NoticeId.eq(n.id))
        .filter(alert_response::Column::AccountId.eq(resident))
        .lock_exclusive()
        .one(txn)
        .await?
        .filter(|r| r.state == AlertResponseState::NeedHelp)
        .ok_or_else(|| ApiError::bad_input("accountId", t!("notices.resident_did_not_ask_help")))?;
    if let Some(made) = response.report_id {
        // Nothing to write: the transaction ends unused.
        return entity::report::Entity::find_by_id(made)
            .one(txn)
            .await?
            .ok_or_else(|| ApiError::internal("an answer's report vanished"));
    }
    let home = membership::Entity::find()
        .filter(targeted(txn, n.id).await?)
        .filter(membership::Column::AccountId.eq(resident))
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::bad_input("accountId", t!("notices.not_targeted_resident")))?;
    let community = home.region_id.unwrap_or_default();
    require(
        NoticesPermission::ToReport.allowed(p) && is_committee_of(p, community),
        t!("notices.committee_resident_s_community_makes"),
    )?;
    let description = format!("{}: {}", n.title, response.note.clone().unwrap_or_else(|| "需要帮助".into()));
    let report =
        crate::reports::service::file_for_resident(txn, p, community, home.building_id, resident, &description).await?;
    let mut r: alert_response::ActiveModel = response.into();
    r.report_id = Set(Some(report.id));
    r.update(txn).await?;
    uow.commit(
        Audit::of::<Notice>(Verbs::AlertToReport, n.id).community(community).details(json!({ "reportId": report.id })),
    )
    .await?;
    Ok(report)
}

/// Is the principal a resident targeted by the alert (for `viewerResponse`)?
pub fn is_resident(p: &Principal) -> bool {
    p.scope.community_id.is_some_and(|c| is_resident_of(p, c))
}

/// The NEED_HELP households the principal may see (committee, office,
/// publisher); phones only for the committee and the publisher.
pub async fn need_help<C: ConnectionTrait>(conn: &C, p: &Principal, n: &notice::Model) -> ApiResult<Vec<RosterRow>> {
    let scope = count_scope(p, n)?;
    require(
        !matches!(p.role, Role::BuildingHead) || p.account_id() == Some(n.publisher_account_id),
        t!("notices.use_roster"),
    )?;
    let phones = policy::may_see_phones(p, n);
    Ok(rows(conn, n, scope)
        .await?
        .into_iter()
        .filter(|r| r.state == Some(AlertResponseState::NeedHelp))
        .map(|mut r| {
            if !phones {
                r.phone = None;
                r.real_name = None;
            }
            r
        })
        .collect())
}
