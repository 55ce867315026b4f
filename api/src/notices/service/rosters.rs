//! An alert's households, counts and monthly statistics.

use chrono::{DateTime, Duration, Utc};
use entity::enums::{AlertLevel, AlertResponseState, NoticeCategory, NoticeStatus, Role};
use entity::{account, alert_flag, alert_response, alert_visit, building, membership, notice, notice_target, region};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, JoinType, Query, SelectStatement};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter};
use serde::{Deserialize, Serialize};

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::notices::policy;
use crate::policy::require;

use super::*;

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
    /// The resident's flat, when the register knows it.
    pub household_id: Option<i32>,
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
pub(super) fn households(notice_id: i32, targeted: Condition, scope: Condition) -> SelectStatement {
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
pub(super) fn roster_scope(p: &Principal) -> ApiResult<Condition> {
    match (p.role, p.scope.building_id, p.scope.community_id) {
        (Role::BuildingHead, Some(b), _) => {
            Ok(Condition::all().add(Expr::col((Alias::new("m"), membership::Column::BuildingId)).eq(b)))
        }
        (Role::CommunityCommittee, _, Some(c)) => {
            Ok(Condition::all().add(Expr::col((Alias::new("m"), membership::Column::RegionId)).eq(c)))
        }
        _ => Err(ApiError::forbidden(t!("notices.rosters_are_building_head_committee"))),
    }
}

/// Which households' counts the principal may see.
pub(super) fn count_scope(p: &Principal, n: &notice::Model) -> ApiResult<Condition> {
    require(policy::may_see_counts(p, n), t!("notices.you_not_see_alert_s"))?;
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

pub(super) async fn rows<C: ConnectionTrait>(
    conn: &C,
    n: &notice::Model,
    scope: Condition,
) -> ApiResult<Vec<RosterRow>> {
    // Rosters are not kept after the alert: once its answers are purged,
    // nobody gets its households again.
    if n.answers_purged_at.is_some() {
        return Ok(Vec::new());
    }
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
    .expr_as(Expr::col((m.clone(), membership::Column::HouseholdId)), Alias::new("household_id"))
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
    // Flat by flat, residents the register has no flat for last (the same
    // on both engines: they sort NULL differently).
    .order_by_expr(Expr::col((m.clone(), membership::Column::HouseholdId)).is_null(), sea_orm::Order::Asc)
    .order_by((m.clone(), membership::Column::HouseholdId), sea_orm::Order::Asc)
    .order_by((m, membership::Column::AccountId), sea_orm::Order::Asc);
    let stmt = conn.get_database_backend().build(&q);
    Ok(RosterRow::find_by_statement(stmt).all(conn).await?)
}

/// Qualify a membership condition with the `m` alias of [`households`].
pub(super) fn qualify(c: Condition) -> Condition {
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
pub(super) async fn rows_in_scope<C: ConnectionTrait>(
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

pub(super) async fn aggregate<C: ConnectionTrait>(
    conn: &C,
    n: &notice::Model,
    scope: Condition,
) -> ApiResult<Vec<CountRow>> {
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
        let reach = match (n.frozen_households, n.frozen_reached_within_hour) {
            (Some(h), Some(r)) => (h, r),
            _ => reach(conn, &n).await?,
        };
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

/// An alert's targeted households and those reached (answered or visited)
/// within its first hour: frozen at close, since answers are purged after
/// their retention (`purge_answers`).
pub async fn reach<C: ConnectionTrait>(conn: &C, n: &notice::Model) -> ApiResult<(i64, i64)> {
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
    Ok((reach.households, reach.reached.unwrap_or(0)))
}

/// Purges the answers, visits and flags of alerts closed before `closed_before`
/// (their persons unlinked: the rows go), freezing their reach first where
/// it was not (alerts closed before it was frozen at close). The counts
/// and statistics of the alerts stay; their rosters are empty from then on.
/// Returns how many alerts were purged.
pub async fn purge_answers<C: ConnectionTrait>(conn: &C, closed_before: DateTime<Utc>) -> ApiResult<usize> {
    use sea_orm::{ActiveModelTrait, Set};
    let due = notice::Entity::find()
        .filter(notice::Column::Category.eq(NoticeCategory::Emergency))
        .filter(notice::Column::ClosedAt.lt(closed_before))
        .filter(notice::Column::AnswersPurgedAt.is_null())
        .all(conn)
        .await?;
    for n in &due {
        let (households, reached) = match (n.frozen_households, n.frozen_reached_within_hour) {
            (Some(h), Some(r)) => (h, r),
            _ => reach(conn, n).await?,
        };
        alert_response::Entity::delete_many().filter(alert_response::Column::NoticeId.eq(n.id)).exec(conn).await?;
        alert_visit::Entity::delete_many().filter(alert_visit::Column::NoticeId.eq(n.id)).exec(conn).await?;
        alert_flag::Entity::delete_many().filter(alert_flag::Column::NoticeId.eq(n.id)).exec(conn).await?;
        notice::ActiveModel {
            id: Set(n.id),
            frozen_households: Set(Some(households)),
            frozen_reached_within_hour: Set(Some(reached)),
            answers_purged_at: Set(Some(Utc::now())),
            ..Default::default()
        }
        .update(conn)
        .await?;
    }
    Ok(due.len())
}
