//! Notice and alert writes, and the roster and count queries, by part:
//! notices (here), alert answers and visits (`alerts`), rosters and
//! counts (`rosters`). Writes go through the unit of work (one audit row;
//! reading a notice is a receipt, not a change of shared data, and writes
//! none), live events after commit.

use chrono::{DateTime, Duration, Utc};
use entity::enums::{AlertLevel, NoticeCategory, NoticeStatus, Role};
use entity::{building, membership, notice, notice_read, notice_target, region};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait, FromQueryResult,
    NotSet, QueryFilter, Set,
};
use serde_json::json;

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::events::Event;
use crate::input::{Body, Title};
use crate::notices::graphql::Notice;
use crate::notices::policy::NoticesPermission;
use crate::notices::{NoticeEventKind, Verbs, policy};
use crate::policy::{Permission, require};
use crate::state::AppState;
use crate::uow::{Audit, Hook, UnitOfWork};
use crate::webhooks::EventType;

mod alerts;
mod notify;
mod rosters;

pub use alerts::*;
pub use notify::*;
pub use rosters::*;

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
            .ok_or_else(|| ApiError::bad_input("regionIds", t!("notices.no_such_region")))?;
        let ok = match p.role {
            Role::CommunityCommittee => p.scope.community_id == Some(reg.id),
            Role::GovernmentOffice => !path.is_empty() && reg.path.starts_with(&path),
            _ => false,
        };
        require(ok, t!("notices.you_not_publish_region"))?;
    }
    for b in &buildings {
        let bld = building::Entity::find_by_id(*b)
            .one(conn)
            .await?
            .ok_or_else(|| ApiError::bad_input("buildingIds", t!("notices.no_such_building")))?;
        let ok = match p.role {
            Role::BuildingHead => p.scope.building_id == Some(bld.id),
            Role::CommunityCommittee => p.scope.community_id == Some(bld.community_id),
            Role::GovernmentOffice => region::Entity::find_by_id(bld.community_id)
                .one(conn)
                .await?
                .is_some_and(|c| !path.is_empty() && c.path.starts_with(&path)),
            _ => false,
        };
        require(ok, t!("notices.you_not_publish_building"))?;
    }
    Ok((regions, buildings))
}

pub async fn publish(app: &AppState, p: &Principal, input: NewNotice) -> ApiResult<notice::Model> {
    require(NoticesPermission::Publish.allowed(p), t!("notices.committee_office_building_heads_publish"))?;
    let title = Title::parse("title", &input.title)?.into_inner();
    let body = Body::parse("body", &input.body)?.into_inner();
    let instructions = Body::parse_opt("instructions", input.instructions.as_deref())?.map(Body::into_inner);
    let alert = input.category == NoticeCategory::Emergency;
    if alert != input.level.is_some() {
        return Err(ApiError::bad_input("level", t!("notices.emergency_notice_needs_level_other")));
    }
    if input.follow_up_secs.is_some_and(|s| !(1..=7 * 24 * 3600).contains(&s)) {
        return Err(ApiError::bad_input("followUpSeconds", t!("notices.between_1_second_7_days")));
    }
    let now = Utc::now();
    let valid_from = input.valid_from.unwrap_or(now);
    if input.valid_until.is_some_and(|u| u <= valid_from) {
        return Err(ApiError::bad_input("validUntil", t!("notices.must_after_validfrom")));
    }
    let mut uow = UnitOfWork::begin(&app.db, p).await?;
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
        frozen_households: Set(None),
        frozen_reached_within_hour: Set(None),
        answers_purged_at: Set(None),
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
    let kind = if n.level.is_some() { EventType::AlertPublished } else { EventType::NoticePublished };
    uow.emit(hook(&n, kind, p.scope.community_id));
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
    require(p.account_id() == Some(n.publisher_account_id), t!("notices.publisher_do"))
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
        return Err(ApiError::conflict(t!("notices.notice_changed_meanwhile_reload")));
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
    let mut uow = UnitOfWork::begin(&app.db, p).await?;
    let txn = uow.txn();
    let n = visible(txn, p, id).await?;
    publisher_only(p, &n)?;
    if n.status != NoticeStatus::Published {
        return Err(ApiError::bad_input("status", t!("notices.published_notice_edited")));
    }
    if Utc::now() > n.created_at + Duration::minutes(EDIT_MINUTES) {
        return Err(ApiError::bad_input("noticeId", t!("notices.edit_window", minutes = EDIT_MINUTES)));
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
    if after.level.is_some() {
        uow.emit(hook(&after, EventType::AlertUpdated, p.scope.community_id));
    }
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
        return Err(ApiError::bad_input("status", t!("notices.published_notice_withdrawn")));
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
    let me = p
        .account_id()
        .filter(|_| NoticesPermission::ReadNotices.allowed(p))
        .ok_or_else(|| ApiError::forbidden(t!("notices.people")))?;
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
    require(policy::may_see_read_counts(p, n), t!("notices.read_counts_publisher_committee_office"))?;
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

/// The webhook event of a notice: its level (alerts) and category.
pub(crate) fn hook(n: &notice::Model, t: EventType, community: Option<i32>) -> Hook {
    let h = Hook::of::<Notice>(t, n.id).community(community).organisation(n.publisher_organisation_id);
    match t {
        EventType::NoticePublished => h.with("kind", serde_json::to_value(n.category).unwrap_or_default()),
        _ => h.with("level", serde_json::to_value(n.level).unwrap_or_default()),
    }
}
