//! Notice and alert writes, and the roster and count queries. Writes go
//! through the unit of work (one audit row; reading a notice is a receipt,
//! not a change of shared data, and writes none), live events after commit.

use chrono::{DateTime, Duration, Utc};
use entity::enums::{AlertLevel, AlertResponseState, NoticeCategory, NoticeStatus, Role};
use entity::{
    account, alert_flag, alert_response, alert_visit, building, membership, notice, notice_read, notice_target, region,
};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, JoinType, OnConflict, Query, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait, FromQueryResult,
    NotSet, QueryFilter, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::graphql::Notice;
use super::{NoticeEventKind, Verbs, policy};
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::events::Event;
use crate::input::{Body, Reason, Title};
use crate::policy::{is_committee_of, is_resident_of, require};
use crate::state::AppState;
use crate::uow::{Audit, UnitOfWork};

/// How long after publishing the publisher may still edit (minutes).
pub const EDIT_MINUTES: i64 = 10;

/// What a publisher fills in.
pub struct NewNotice {
    pub category: NoticeCategory,
    pub title: String,
    pub body: String,
    pub valid_from: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
    pub region_ids: Vec<i32>,
    pub building_ids: Vec<i32>,
    pub level: Option<AlertLevel>,
    pub instructions: Option<String>,
    pub follow_up_secs: Option<i32>,
}

/// The live event of a notice, with its targets so that subscribers can be
/// matched without a query each.
fn event(
    n: &notice::Model,
    targets: &[notice_target::Model],
    kind: NoticeEventKind,
    extra: serde_json::Value,
) -> Event {
    let regions: Vec<i32> = targets.iter().filter_map(|t| t.region_id).collect();
    let buildings: Vec<i32> = targets.iter().filter_map(|t| t.building_id).collect();
    Event::new::<Notice>(
        n.id,
        None,
        kind,
        json!({ "regions": regions, "buildings": buildings, "status": n.status, "extra": extra }),
    )
}

async fn targets_of<C: ConnectionTrait>(conn: &C, notice_id: i32) -> ApiResult<Vec<notice_target::Model>> {
    Ok(notice_target::Entity::find().filter(notice_target::Column::NoticeId.eq(notice_id)).all(conn).await?)
}

/// Check the publisher's targets (see the policy docs); empty means the
/// publisher's whole scope.
async fn check_targets<C: ConnectionTrait>(
    conn: &C,
    p: &Principal,
    mut regions: Vec<i32>,
    buildings: Vec<i32>,
) -> ApiResult<(Vec<i32>, Vec<i32>)> {
    let path = p.scope.region_path.clone().unwrap_or_default();
    if regions.is_empty() && buildings.is_empty() {
        match (p.role, p.scope.region_id, p.scope.building_id) {
            (Role::BuildingHead, _, Some(b)) => return Ok((Vec::new(), vec![b])),
            (Role::CommunityCommittee | Role::GovernmentOffice, Some(r), _) => regions.push(r),
            _ => {}
        }
    }
    for r in &regions {
        let reg = region::Entity::find_by_id(*r)
            .one(conn)
            .await?
            .ok_or_else(|| ApiError::bad_input("regionIds", "no such region"))?;
        let ok = match p.role {
            Role::CommunityCommittee => p.scope.community_id == Some(reg.id),
            Role::GovernmentOffice => !path.is_empty() && reg.path.starts_with(&path),
            _ => false,
        };
        require(ok, "you may not publish to this region")?;
    }
    for b in &buildings {
        let bld = building::Entity::find_by_id(*b)
            .one(conn)
            .await?
            .ok_or_else(|| ApiError::bad_input("buildingIds", "no such building"))?;
        let ok = match p.role {
            Role::BuildingHead => p.scope.building_id == Some(bld.id),
            Role::CommunityCommittee => p.scope.community_id == Some(bld.community_id),
            Role::GovernmentOffice => region::Entity::find_by_id(bld.community_id)
                .one(conn)
                .await?
                .is_some_and(|c| !path.is_empty() && c.path.starts_with(&path)),
            _ => false,
        };
        require(ok, "you may not publish to this building")?;
    }
    Ok((regions, buildings))
}

pub async fn publish(app: &AppState, p: &Principal, input: NewNotice) -> ApiResult<notice::Model> {
    require(
        matches!(p.role, Role::CommunityCommittee | Role::GovernmentOffice | Role::BuildingHead)
            && p.account_id().is_some(),
        "only the committee, the office and building heads publish notices",
    )?;
    let title = Title::parse("title", &input.title)?.into_inner();
    let body = Body::parse("body", &input.body)?.into_inner();
    let instructions = Body::parse_opt("instructions", input.instructions.as_deref())?.map(Body::into_inner);
    let alert = input.category == NoticeCategory::Emergency;
    if alert != input.level.is_some() {
        return Err(ApiError::bad_input("level", "an EMERGENCY notice needs a level; other notices have none"));
    }
    if input.follow_up_secs.is_some_and(|s| !(1..=7 * 24 * 3600).contains(&s)) {
        return Err(ApiError::bad_input("followUpSeconds", "between 1 second and 7 days"));
    }
    let now = Utc::now();
    let valid_from = input.valid_from.unwrap_or(now);
    if input.valid_until.is_some_and(|u| u <= valid_from) {
        return Err(ApiError::bad_input("validUntil", "must be after validFrom"));
    }
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let (regions, buildings) = check_targets(txn, p, input.region_ids, input.building_ids).await?;
    let n = notice::ActiveModel {
        id: NotSet,
        publisher_account_id: Set(p.account_id().unwrap_or_default()),
        publisher_role: Set(p.role),
        publisher_organisation_id: Set(p.scope.organisation_id),
        category: Set(input.category),
        title: Set(title),
        body: Set(body),
        valid_from: Set(valid_from),
        valid_until: Set(input.valid_until),
        status: Set(NoticeStatus::Published),
        level: Set(input.level),
        instructions: Set(instructions),
        follow_up_secs: Set(if alert {
            Some(input.follow_up_secs.unwrap_or(i32::try_from(app.config.alert_follow_up_secs).unwrap_or(1800)))
        } else {
            None
        }),
        frozen_counts: Set(None),
        created_at: Set(now),
        edited_at: Set(None),
        withdrawn_at: Set(None),
        closed_at: Set(None),
    }
    .insert(txn)
    .await?;
    let rows = regions.iter().map(|r| (Some(*r), None)).chain(buildings.iter().map(|b| (None, Some(*b)))).map(
        |(region_id, building_id)| notice_target::ActiveModel {
            id: NotSet,
            notice_id: Set(n.id),
            region_id: Set(region_id),
            building_id: Set(building_id),
        },
    );
    notice_target::Entity::insert_many(rows).exec_without_returning(txn).await?;
    let targets = targets_of(txn, n.id).await?;
    uow.commit(
        Audit::of::<Notice>(Verbs::NoticePublish, n.id)
            .community(p.scope.community_id)
            .details(json!({ "category": n.category, "level": n.level, "regions": regions, "buildings": buildings })),
    )
    .await?
    .publish(&app.events, event(&n, &targets, NoticeEventKind::Published, json!({})))
    .await;
    Ok(n)
}

/// A notice the principal may read, else NOT_FOUND.
pub async fn visible<C: ConnectionTrait>(conn: &C, p: &Principal, id: i32) -> ApiResult<notice::Model> {
    policy::visible_notices(p)
        .filter(notice::Column::Id.eq(id))
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::not_found("Notice"))
}

fn publisher_only(p: &Principal, n: &notice::Model) -> ApiResult<()> {
    require(p.account_id() == Some(n.publisher_account_id), "only the publisher may do this")
}

/// Move a notice to `to` if still in `from` (racing moves: one CONFLICT).
async fn set_status(
    txn: &DatabaseTransaction,
    n: &notice::Model,
    changes: notice::ActiveModel,
) -> ApiResult<notice::Model> {
    let res = notice::Entity::update_many()
        .set(changes)
        .filter(notice::Column::Id.eq(n.id))
        .filter(notice::Column::Status.eq(n.status))
        .exec(txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(ApiError::conflict("the notice changed meanwhile; reload"));
    }
    notice::Entity::find_by_id(n.id).one(txn).await?.ok_or_else(|| ApiError::not_found("Notice"))
}

/// The publisher edits title, body and instructions within 10 minutes.
pub async fn edit(
    app: &AppState,
    p: &Principal,
    id: i32,
    title: &str,
    body: &str,
    instructions: Option<String>,
) -> ApiResult<notice::Model> {
    let title = Title::parse("title", title)?.into_inner();
    let body = Body::parse("body", body)?.into_inner();
    let instructions = Body::parse_opt("instructions", instructions.as_deref())?.map(Body::into_inner);
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let n = visible(txn, p, id).await?;
    publisher_only(p, &n)?;
    if n.status != NoticeStatus::Published {
        return Err(ApiError::bad_input("status", "only a published notice may be edited"));
    }
    if Utc::now() > n.created_at + Duration::minutes(EDIT_MINUTES) {
        return Err(ApiError::bad_input(
            "noticeId",
            format!("a notice may be edited within {EDIT_MINUTES} minutes of publishing"),
        ));
    }
    let changes = notice::ActiveModel {
        title: Set(title),
        body: Set(body),
        instructions: Set(instructions.or(n.instructions.clone())),
        edited_at: Set(Some(Utc::now())),
        ..Default::default()
    };
    let after = set_status(txn, &n, changes).await?;
    let targets = targets_of(txn, n.id).await?;
    uow.commit(Audit::of::<Notice>(Verbs::NoticeEdit, n.id).community(p.scope.community_id))
        .await?
        .publish(&app.events, event(&after, &targets, NoticeEventKind::Edited, json!({})))
        .await;
    Ok(after)
}

/// The publisher withdraws a notice: residents no longer see it; the audit
/// log keeps it.
pub async fn withdraw(app: &AppState, p: &Principal, id: i32) -> ApiResult<notice::Model> {
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let n = visible(txn, p, id).await?;
    publisher_only(p, &n)?;
    if n.status != NoticeStatus::Published {
        return Err(ApiError::bad_input("status", "only a published notice may be withdrawn"));
    }
    let changes = notice::ActiveModel {
        status: Set(NoticeStatus::Withdrawn),
        withdrawn_at: Set(Some(Utc::now())),
        ..Default::default()
    };
    let after = set_status(txn, &n, changes).await?;
    let targets = targets_of(txn, n.id).await?;
    uow.commit(Audit::of::<Notice>(Verbs::NoticeWithdraw, n.id).community(p.scope.community_id))
        .await?
        .publish(&app.events, event(&after, &targets, NoticeEventKind::Withdrawn, json!({})))
        .await;
    Ok(after)
}

/// A reader marks a notice read; once per person however often it is sent.
pub async fn mark_read(app: &AppState, p: &Principal, id: i32) -> ApiResult<notice::Model> {
    let me = p.account_id().ok_or_else(|| ApiError::forbidden("people only"))?;
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let n = visible(txn, p, id).await?;
    notice_read::Entity::insert(notice_read::ActiveModel {
        id: NotSet,
        notice_id: Set(n.id),
        account_id: Set(me),
        read_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::columns([notice_read::Column::NoticeId, notice_read::Column::AccountId]).do_nothing().to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    uow.commit_unaudited("a read receipt: no shared data changes").await?;
    Ok(n)
}

/// An open alert the principal may read, else NOT_FOUND / BAD_USER_INPUT.
async fn open_alert(txn: &DatabaseTransaction, p: &Principal, id: i32) -> ApiResult<notice::Model> {
    let n = visible(txn, p, id).await?;
    if n.category != NoticeCategory::Emergency {
        return Err(ApiError::bad_input("noticeId", "not an emergency alert"));
    }
    if n.status != NoticeStatus::Published {
        return Err(ApiError::bad_input("status", "the alert is closed"));
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
    let me = p.account_id().ok_or_else(|| ApiError::forbidden("people only"))?;
    require(matches!(p.role, Role::Resident | Role::BuildingHead), "residents answer alerts")?;
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let n = open_alert(txn, p, id).await?;
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
    let (Role::BuildingHead, Some(b), Some(me)) = (p.role, p.scope.building_id, p.account_id()) else {
        return Err(ApiError::forbidden("building heads record visits"));
    };
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let n = open_alert(txn, p, id).await?;
    let household = membership::Entity::find()
        .filter(targeted(txn, n.id).await?)
        .filter(membership::Column::AccountId.eq(resident))
        .filter(membership::Column::BuildingId.eq(b))
        .one(txn)
        .await?;
    if household.is_none() {
        return Err(ApiError::bad_input("accountId", "not a targeted household of your building"));
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

/// Counts of one building of an alert.
#[derive(Clone, Debug, FromQueryResult, Serialize, Deserialize, PartialEq, Eq)]
pub struct CountRow {
    pub community_id: Option<i32>,
    pub building_id: Option<i32>,
    pub targeted: i64,
    pub responded: i64,
    pub safe: i64,
    pub need_help: i64,
    pub reached_in_person: i64,
    pub not_reached: i64,
}

/// One household line of a roster.
#[derive(Clone, Debug, FromQueryResult)]
pub struct RosterRow {
    pub account_id: i32,
    pub building_id: Option<i32>,
    pub community_id: Option<i32>,
    pub display_name: String,
    pub real_name: Option<String>,
    pub phone: Option<String>,
    pub state: Option<AlertResponseState>,
    pub note: Option<String>,
    pub whole_household: Option<bool>,
    pub responded_at: Option<DateTime<Utc>>,
    pub visited_at: Option<DateTime<Utc>>,
    pub visit_note: Option<String>,
    pub flagged_at: Option<DateTime<Utc>>,
}

/// Memberships targeted by the alert, joined with their answers, visits
/// and flags: the base of rosters and counts (one statement).
fn households(notice_id: i32, targeted: Condition, scope: Condition) -> SelectStatement {
    let (m, r, v, f) = (Alias::new("m"), Alias::new("r"), Alias::new("v"), Alias::new("f"));
    Query::select()
        .from_as(membership::Entity, m.clone())
        .join_as(
            JoinType::LeftJoin,
            alert_response::Entity,
            r.clone(),
            Condition::all()
                .add(
                    Expr::col((r.clone(), alert_response::Column::AccountId))
                        .equals((m.clone(), membership::Column::AccountId)),
                )
                .add(Expr::col((r.clone(), alert_response::Column::NoticeId)).eq(notice_id)),
        )
        .join_as(
            JoinType::LeftJoin,
            alert_visit::Entity,
            v.clone(),
            Condition::all()
                .add(
                    Expr::col((v.clone(), alert_visit::Column::AccountId))
                        .equals((m.clone(), membership::Column::AccountId)),
                )
                .add(Expr::col((v.clone(), alert_visit::Column::NoticeId)).eq(notice_id)),
        )
        .join_as(
            JoinType::LeftJoin,
            alert_flag::Entity,
            f.clone(),
            Condition::all()
                .add(
                    Expr::col((f.clone(), alert_flag::Column::AccountId))
                        .equals((m.clone(), membership::Column::AccountId)),
                )
                .add(Expr::col((f.clone(), alert_flag::Column::NoticeId)).eq(notice_id)),
        )
        .cond_where(targeted)
        .cond_where(scope)
        .to_owned()
}

/// Which households of an alert the principal may see in rosters: the
/// building head their building's, the committee its community's.
fn roster_scope(p: &Principal) -> ApiResult<Condition> {
    match (p.role, p.scope.building_id, p.scope.community_id) {
        (Role::BuildingHead, Some(b), _) => {
            Ok(Condition::all().add(Expr::col((Alias::new("m"), membership::Column::BuildingId)).eq(b)))
        }
        (Role::CommunityCommittee, _, Some(c)) => {
            Ok(Condition::all().add(Expr::col((Alias::new("m"), membership::Column::RegionId)).eq(c)))
        }
        _ => Err(ApiError::forbidden("rosters are for the building head and the committee")),
    }
}

/// Which households' counts the principal may see.
fn count_scope(p: &Principal, n: &notice::Model) -> ApiResult<Condition> {
    require(policy::may_see_counts(p, n), "you may not see this alert's counts")?;
    let m = Alias::new("m");
    if p.account_id() == Some(n.publisher_account_id) || p.role == Role::PlatformAdmin {
        return Ok(Condition::all());
    }
    match p.role {
        Role::GovernmentOffice => {
            let path = p.scope.region_path.clone().unwrap_or_default();
            Ok(Condition::all().add(
                Expr::col((m, membership::Column::RegionId)).in_subquery(
                    Query::select()
                        .column(region::Column::Id)
                        .from(region::Entity)
                        .and_where(region::Column::Path.like(format!("{path}%")))
                        .to_owned(),
                ),
            ))
        }
        _ => roster_scope(p),
    }
}

/// The roster of an alert: one line per targeted resident of the
/// principal's building (head) or community (committee), with contact data.
pub async fn roster<C: ConnectionTrait>(conn: &C, p: &Principal, n: &notice::Model) -> ApiResult<Vec<RosterRow>> {
    let scope = roster_scope(p)?;
    rows(conn, n, scope).await
}

async fn rows<C: ConnectionTrait>(conn: &C, n: &notice::Model, scope: Condition) -> ApiResult<Vec<RosterRow>> {
    let (m, r, v, f, a) = (Alias::new("m"), Alias::new("r"), Alias::new("v"), Alias::new("f"), Alias::new("a"));
    let mut q = households(n.id, qualify(targeted(conn, n.id).await?), scope);
    q.join_as(
        JoinType::InnerJoin,
        account::Entity,
        a.clone(),
        Expr::col((a.clone(), account::Column::Id)).equals((m.clone(), membership::Column::AccountId)),
    )
    .expr_as(Expr::col((m.clone(), membership::Column::AccountId)), Alias::new("account_id"))
    .expr_as(Expr::col((m.clone(), membership::Column::BuildingId)), Alias::new("building_id"))
    .expr_as(Expr::col((m.clone(), membership::Column::RegionId)), Alias::new("community_id"))
    .expr_as(Expr::col((a.clone(), account::Column::DisplayName)), Alias::new("display_name"))
    .expr_as(Expr::col((a.clone(), account::Column::RealName)), Alias::new("real_name"))
    .expr_as(Expr::col((a, account::Column::Phone)), Alias::new("phone"))
    .expr_as(Expr::col((r.clone(), alert_response::Column::State)), Alias::new("state"))
    .expr_as(Expr::col((r.clone(), alert_response::Column::Note)), Alias::new("note"))
    .expr_as(Expr::col((r.clone(), alert_response::Column::WholeHousehold)), Alias::new("whole_household"))
    .expr_as(Expr::col((r, alert_response::Column::RespondedAt)), Alias::new("responded_at"))
    .expr_as(Expr::col((v.clone(), alert_visit::Column::VisitedAt)), Alias::new("visited_at"))
    .expr_as(Expr::col((v, alert_visit::Column::Note)), Alias::new("visit_note"))
    .expr_as(Expr::col((f, alert_flag::Column::FlaggedAt)), Alias::new("flagged_at"))
    .order_by((m.clone(), membership::Column::BuildingId), sea_orm::Order::Asc)
    .order_by((m, membership::Column::AccountId), sea_orm::Order::Asc);
    let stmt = conn.get_database_backend().build(&q);
    Ok(RosterRow::find_by_statement(stmt).all(conn).await?)
}

/// Qualify a membership condition with the `m` alias of [`households`].
fn qualify(c: Condition) -> Condition {
    // The targeted condition is written on `memberships` columns; the
    // roster query names the table `m`. Wrap it as `m.id IN (SELECT id FROM
    // memberships WHERE ...)` so both spellings work.
    Condition::all().add(
        Expr::col((Alias::new("m"), membership::Column::Id)).in_subquery(
            Query::select().column(membership::Column::Id).from(membership::Entity).cond_where(c).to_owned(),
        ),
    )
}

/// Counts per building of an alert, as far as the principal may see; frozen
/// ones once the alert is closed. One aggregate statement.
pub async fn counts<C: ConnectionTrait>(conn: &C, p: &Principal, n: &notice::Model) -> ApiResult<Vec<CountRow>> {
    let scope = count_scope(p, n)?;
    if let Some(frozen) = &n.frozen_counts {
        let all: Vec<CountRow> = serde_json::from_str(frozen).map_err(|e| ApiError::internal(e.to_string()))?;
        let visible = rows_in_scope(conn, p, n).await?;
        return Ok(all
            .into_iter()
            .filter(|r| visible.as_ref().is_none_or(|v| v.contains(&(r.community_id, r.building_id))))
            .collect());
    }
    aggregate(conn, n, scope).await
}

/// For frozen counts: the (community, building) pairs the principal may see
/// (`None`: all).
async fn rows_in_scope<C: ConnectionTrait>(
    conn: &C,
    p: &Principal,
    n: &notice::Model,
) -> ApiResult<Option<Vec<(Option<i32>, Option<i32>)>>> {
    if p.account_id() == Some(n.publisher_account_id) || p.role == Role::PlatformAdmin {
        return Ok(None);
    }
    let scope = count_scope(p, n)?;
    Ok(Some(rows(conn, n, scope).await?.into_iter().map(|r| (r.community_id, r.building_id)).collect()))
}

async fn aggregate<C: ConnectionTrait>(conn: &C, n: &notice::Model, scope: Condition) -> ApiResult<Vec<CountRow>> {
    let m = Alias::new("m");
    let mut q = households(n.id, qualify(targeted(conn, n.id).await?), scope);
    let case = |cond: &str| Expr::cust(format!("COALESCE(SUM(CASE WHEN {cond} THEN 1 ELSE 0 END), 0)"));
    q.expr_as(Expr::col((m.clone(), membership::Column::RegionId)), Alias::new("community_id"))
        .expr_as(Expr::col((m.clone(), membership::Column::BuildingId)), Alias::new("building_id"))
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("targeted"))
        .expr_as(Expr::cust("COUNT(r.id)"), Alias::new("responded"))
        .expr_as(case("r.state = 'SAFE'"), Alias::new("safe"))
        .expr_as(case("r.state = 'NEED_HELP'"), Alias::new("need_help"))
        .expr_as(case("r.id IS NULL AND v.id IS NOT NULL"), Alias::new("reached_in_person"))
        .expr_as(case("r.id IS NULL AND v.id IS NULL"), Alias::new("not_reached"))
        .group_by_col((m.clone(), membership::Column::RegionId))
        .group_by_col((m.clone(), membership::Column::BuildingId))
        .order_by((m.clone(), membership::Column::RegionId), sea_orm::Order::Asc)
        .order_by((m, membership::Column::BuildingId), sea_orm::Order::Asc);
    let stmt = conn.get_database_backend().build(&q);
    Ok(CountRow::find_by_statement(stmt).all(conn).await?)
}

/// The NEED_HELP households the principal may see (committee, office,
/// publisher); phones only for the committee and the publisher.
pub async fn need_help<C: ConnectionTrait>(conn: &C, p: &Principal, n: &notice::Model) -> ApiResult<Vec<RosterRow>> {
    let scope = count_scope(p, n)?;
    require(!matches!(p.role, Role::BuildingHead) || p.account_id() == Some(n.publisher_account_id), "use the roster")?;
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

/// The publisher closes an alert; the counts are frozen as they are now.
pub async fn close(app: &AppState, p: &Principal, id: i32) -> ApiResult<notice::Model> {
    let uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let n = open_alert(txn, p, id).await?;
    publisher_only(p, &n)?;
    let all = aggregate(txn, &n, Condition::all()).await?;
    let frozen = serde_json::to_string(&all).map_err(|e| ApiError::internal(e.to_string()))?;
    let changes = notice::ActiveModel {
        status: Set(NoticeStatus::Closed),
        closed_at: Set(Some(Utc::now())),
        frozen_counts: Set(Some(frozen)),
        ..Default::default()
    };
    let after = set_status(txn, &n, changes).await?;
    let targets = targets_of(txn, n.id).await?;
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
    let response = alert_response::Entity::find()
        .filter(alert_response::Column::NoticeId.eq(n.id))
        .filter(alert_response::Column::AccountId.eq(resident))
        .one(txn)
        .await?
        .filter(|r| r.state == AlertResponseState::NeedHelp)
        .ok_or_else(|| ApiError::bad_input("accountId", "this resident did not ask for help"))?;
    if response.report_id.is_some() {
        return Err(ApiError::conflict("a report was already made from this answer"));
    }
    let home = membership::Entity::find()
        .filter(targeted(txn, n.id).await?)
        .filter(membership::Column::AccountId.eq(resident))
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::bad_input("accountId", "not a targeted resident"))?;
    let community = home.region_id.unwrap_or_default();
    require(is_committee_of(p, community), "only the committee of the resident's community makes reports of answers")?;
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

/// Per month (Asia/Shanghai, UTC+8) and level: alerts published in the
/// region and the share of targeted households reached (answered or
/// visited) within one hour of publishing. Aggregates only.
#[derive(Clone, Debug)]
pub struct AlertStat {
    pub month: String,
    pub level: AlertLevel,
    pub alerts: i64,
    pub households: i64,
    pub reached_within_hour: i64,
}

pub async fn stats<C: ConnectionTrait>(conn: &C, region_path: &str) -> ApiResult<Vec<AlertStat>> {
    let under = Query::select()
        .column(region::Column::Id)
        .from(region::Entity)
        .and_where(region::Column::Path.like(format!("{region_path}%")))
        .to_owned();
    let in_region = Query::select()
        .column(notice_target::Column::NoticeId)
        .from(notice_target::Entity)
        .cond_where(
            Condition::any().add(notice_target::Column::RegionId.in_subquery(under.clone())).add(
                notice_target::Column::BuildingId.in_subquery(
                    Query::select()
                        .column(building::Column::Id)
                        .from(building::Entity)
                        .and_where(building::Column::CommunityId.in_subquery(under))
                        .to_owned(),
                ),
            ),
        )
        .to_owned();
    let alerts = notice::Entity::find()
        .filter(notice::Column::Category.eq(NoticeCategory::Emergency))
        .filter(notice::Column::Status.ne(NoticeStatus::Withdrawn))
        .filter(notice::Column::Id.in_subquery(in_region))
        .all(conn)
        .await?;
    let mut out: Vec<AlertStat> = Vec::new();
    for n in alerts {
        let month = (n.created_at + Duration::hours(8)).format("%Y-%m").to_string();
        let level = n.level.unwrap_or(AlertLevel::Blue);
        let hour = n.created_at + Duration::hours(1);
        let (r, v) = (Alias::new("r"), Alias::new("v"));
        let mut q = households(n.id, qualify(targeted(conn, n.id).await?), Condition::all());
        let within = Condition::any()
            .add(Expr::col((r, alert_response::Column::RespondedAt)).lte(hour))
            .add(Expr::col((v, alert_visit::Column::VisitedAt)).lte(hour));
        q.expr_as(Expr::cust("COUNT(*)"), Alias::new("households"))
            .expr_as(Func::sum(Expr::case(within, 1).finally(0)), Alias::new("reached"));
        #[derive(FromQueryResult)]
        struct Reach {
            households: i64,
            reached: Option<i64>,
        }
        let stmt = conn.get_database_backend().build(&q);
        let reach = Reach::find_by_statement(stmt).one(conn).await?.unwrap_or(Reach { households: 0, reached: None });
        let reach = (reach.households, reach.reached.unwrap_or(0));
        match out.iter_mut().find(|s| s.month == month && s.level == level) {
            Some(s) => {
                s.alerts += 1;
                s.households += reach.0;
                s.reached_within_hour += reach.1;
            }
            None => out.push(AlertStat { month, level, alerts: 1, households: reach.0, reached_within_hour: reach.1 }),
        }
    }
    out.sort_by(|a, b| a.month.cmp(&b.month).then((a.level as u8).cmp(&(b.level as u8))));
    Ok(out)
}

/// Reads per building of a notice's targeted residents.
#[derive(Clone, Debug, FromQueryResult)]
pub struct ReadCountRow {
    pub community_id: Option<i32>,
    pub building_id: Option<i32>,
    pub targeted: i64,
    pub read: i64,
}

/// The publisher (and the committee and office, for their scope) sees how
/// many targeted residents read a notice, per building. One aggregate.
pub async fn read_counts<C: ConnectionTrait>(
    conn: &C,
    p: &Principal,
    n: &notice::Model,
) -> ApiResult<Vec<ReadCountRow>> {
    let scope = count_scope(p, n)?;
    let (m, rd) = (Alias::new("m"), Alias::new("rd"));
    let mut q = Query::select();
    q.from_as(membership::Entity, m.clone())
        .join_as(
            JoinType::LeftJoin,
            notice_read::Entity,
            rd.clone(),
            Condition::all()
                .add(
                    Expr::col((rd.clone(), notice_read::Column::AccountId))
                        .equals((m.clone(), membership::Column::AccountId)),
                )
                .add(Expr::col((rd.clone(), notice_read::Column::NoticeId)).eq(n.id)),
        )
        .cond_where(qualify(targeted(conn, n.id).await?))
        .cond_where(scope)
        .expr_as(Expr::col((m.clone(), membership::Column::RegionId)), Alias::new("community_id"))
        .expr_as(Expr::col((m.clone(), membership::Column::BuildingId)), Alias::new("building_id"))
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("targeted"))
        .expr_as(Expr::cust("COUNT(rd.id)"), Alias::new("read"))
        .group_by_col((m.clone(), membership::Column::RegionId))
        .group_by_col((m.clone(), membership::Column::BuildingId))
        .order_by((m.clone(), membership::Column::RegionId), sea_orm::Order::Asc)
        .order_by((m, membership::Column::BuildingId), sea_orm::Order::Asc);
    let stmt = conn.get_database_backend().build(&q);
    Ok(ReadCountRow::find_by_statement(stmt).all(conn).await?)
}

/// Filters of the `notices` list.
#[derive(Default)]
pub struct NoticeList {
    pub categories: Option<Vec<NoticeCategory>>,
    pub unread: Option<bool>,
}

/// The notices list: the visible notices, filtered in SQL.
pub fn list(p: &Principal, f: NoticeList) -> sea_orm::Select<notice::Entity> {
    let mut q = policy::visible_notices(p);
    if let Some(c) = f.categories {
        q = q.filter(notice::Column::Category.is_in(c));
    }
    if let (Some(unread), Some(me)) = (f.unread, p.account_id()) {
        let mine = Query::select()
            .column(notice_read::Column::NoticeId)
            .from(notice_read::Entity)
            .and_where(notice_read::Column::AccountId.eq(me))
            .to_owned();
        q = q.filter(if unread {
            notice::Column::Id.not_in_subquery(mine)
        } else {
            notice::Column::Id.in_subquery(mine)
        });
    }
    q
}

/// The open alerts of the viewer's scope, pinned: one query.
pub fn pinned(p: &Principal) -> sea_orm::Select<notice::Entity> {
    policy::visible_notices(p)
        .filter(notice::Column::Category.eq(NoticeCategory::Emergency))
        .filter(notice::Column::Status.eq(NoticeStatus::Published))
}
