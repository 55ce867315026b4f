//! The points ledger: the one place where a person's points change.
//!
//! [`apply`] moves a balance by one delta and appends the ledger row with
//! the balance after it, in the caller's transaction. The balance may never
//! go below zero: the UPDATE carries the condition (`balance + delta >= 0`),
//! so two redemptions racing for the last points cannot both pass (on
//! PostgreSQL the second waits for the first's row lock and re-evaluates the
//! condition; SQLite serialises writers). A CHECK constraint repeats the
//! rule. Each row names its source (`signup:12`, `redemption:3`), unique, so
//! nothing is booked twice.
//!
//! [`award`] applies a community's rule: the points for one unit of taking
//! part, cut to what the person's daily and monthly caps of that kind still
//! allow (days and months in Asia/Shanghai, as the indicators count them).
//! The balance row is locked before the caps are summed, so concurrent
//! awards to one person cannot pass a cap together.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use entity::enums::PointsKind;
use entity::{points_balance, points_ledger, points_rule};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, NotSet, QueryFilter, QuerySelect, Set,
};

use crate::error::{ApiError, ApiResult};

/// One change of a person's points.
#[derive(Clone, Debug)]
pub struct Entry {
    pub account_id: i32,
    pub community_id: i32,
    pub kind: PointsKind,
    pub delta: i64,
    /// What it is for, unique (`signup:12`).
    pub source: String,
    /// Who caused it (the organiser confirming, the person redeeming).
    pub by: Option<i32>,
}

/// Make sure the person has a balance row in the community, then lock it
/// (a no-op UPDATE takes the row lock on PostgreSQL).
async fn lock(txn: &impl ConnectionTrait, account_id: i32, community_id: i32) -> ApiResult<()> {
    let row =
        points_balance::ActiveModel { account_id: Set(account_id), community_id: Set(community_id), balance: Set(0) };
    points_balance::Entity::insert(row)
        .on_conflict_do_nothing_on([points_balance::Column::AccountId, points_balance::Column::CommunityId])
        .exec(txn)
        .await?;
    points_balance::Entity::update_many()
        .col_expr(points_balance::Column::Balance, Expr::col(points_balance::Column::Balance))
        .filter(points_balance::Column::AccountId.eq(account_id))
        .filter(points_balance::Column::CommunityId.eq(community_id))
        .exec(txn)
        .await?;
    Ok(())
}

/// The person's balance in the community (0 without a row).
pub async fn balance(db: &impl ConnectionTrait, account_id: i32, community_id: i32) -> ApiResult<i64> {
    Ok(points_balance::Entity::find_by_id((account_id, community_id)).one(db).await?.map_or(0, |b| b.balance))
}

/// Apply one entry: the balance moves and the ledger row is appended, or
/// CONFLICT (`balance: "POINTS"`, `remaining`: the balance) when the points
/// are not enough. Returns the balance after it.
pub async fn apply(txn: &impl ConnectionTrait, e: &Entry) -> ApiResult<i64> {
    lock(txn, e.account_id, e.community_id).await?;
    let moved = points_balance::Entity::update_many()
        .col_expr(points_balance::Column::Balance, Expr::col(points_balance::Column::Balance).add(e.delta))
        .filter(points_balance::Column::AccountId.eq(e.account_id))
        .filter(points_balance::Column::CommunityId.eq(e.community_id))
        .filter(Expr::col(points_balance::Column::Balance).add(e.delta).gte(0))
        .exec(txn)
        .await?;
    let after = balance(txn, e.account_id, e.community_id).await?;
    if moved.rows_affected == 0 {
        return Err(ApiError::Insufficient {
            message: t!("volunteering.points_only", left = after),
            balance: "POINTS",
            remaining: after,
        });
    }
    points_ledger::ActiveModel {
        id: NotSet,
        account_id: Set(e.account_id),
        community_id: Set(e.community_id),
        kind: Set(e.kind),
        delta: Set(e.delta),
        balance_after: Set(after),
        source: Set(e.source.clone()),
        awarded_by_account_id: Set(e.by),
        at: Set(Utc::now()),
    }
    .insert(txn)
    .await?;
    Ok(after)
}

/// Midnight of the day and of the first of the month of `now`, in
/// Asia/Shanghai (UTC+8 all year), as UTC instants.
fn day_and_month_start(now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let local = (now + Duration::hours(8)).date_naive();
    let at = |d: NaiveDate| d.and_hms_opt(0, 0, 0).map_or(now, |t| t.and_utc() - Duration::hours(8));
    (at(local), at(local.with_day(1).unwrap_or(local)))
}

#[derive(FromQueryResult)]
struct Sum {
    total: Option<i64>,
}

async fn awarded_since(
    txn: &impl ConnectionTrait,
    account_id: i32,
    community_id: i32,
    kind: PointsKind,
    since: DateTime<Utc>,
) -> ApiResult<i64> {
    let s = points_ledger::Entity::find()
        .select_only()
        .column_as(Expr::col(points_ledger::Column::Delta).sum().cast_as("BIGINT"), "total")
        .filter(points_ledger::Column::AccountId.eq(account_id))
        .filter(points_ledger::Column::CommunityId.eq(community_id))
        .filter(points_ledger::Column::Kind.eq(kind))
        .filter(points_ledger::Column::At.gte(since))
        .into_model::<Sum>()
        .one(txn)
        .await?;
    Ok(s.and_then(|s| s.total).unwrap_or(0))
}

/// What one award is for.
pub struct Award {
    pub account_id: i32,
    pub community_id: i32,
    pub kind: PointsKind,
    /// Units of the rule (minutes for volunteer hours; 1 otherwise).
    pub units: i64,
    /// Points per hour set on the activity, instead of the rule's.
    pub points_per_hour: Option<i32>,
    /// Points set on the activity for the whole attendance, whatever its
    /// length (instead of any per-hour figure).
    pub points_per_activity: Option<i32>,
    pub source: String,
    /// The person confirming it (the services refuse anyone confirming
    /// their own); `None` for awards the server makes on its own.
    pub by: Option<i32>,
}

/// Award points by the community's rule, within its caps: the points
/// booked, or 0 when there is no rule, the caps are reached, or the source
/// was already awarded.
pub async fn award(txn: &impl ConnectionTrait, a: Award) -> ApiResult<i64> {
    // Nobody earns points by their own say-so: an award whose confirmer is
    // its receiver books nothing (attendance refuses it outright, see
    // `service::attendance`).
    if a.by == Some(a.account_id) {
        return Ok(0);
    }
    let rule = points_rule::Entity::find()
        .filter(points_rule::Column::CommunityId.eq(a.community_id))
        .filter(points_rule::Column::Kind.eq(a.kind))
        .one(txn)
        .await?;
    let raw = match (a.kind, a.points_per_activity, a.points_per_hour, &rule) {
        (PointsKind::VolunteerHours, Some(fixed), _, _) => i64::from(fixed),
        (PointsKind::VolunteerHours, None, Some(p), _) => i64::from(p) * a.units / 60,
        (PointsKind::VolunteerHours, None, None, Some(r)) => i64::from(r.points) * a.units / 60,
        (_, _, _, Some(r)) => i64::from(r.points) * a.units,
        _ => return Ok(0),
    };
    if raw <= 0 {
        return Ok(0);
    }
    let booked = points_ledger::Entity::find().filter(points_ledger::Column::Source.eq(&a.source)).one(txn).await?;
    if booked.is_some() {
        return Ok(0);
    }
    lock(txn, a.account_id, a.community_id).await?;
    let mut points = raw;
    let (day, month) = day_and_month_start(Utc::now());
    if let Some(cap) = rule.as_ref().and_then(|r| r.daily_cap) {
        let used = awarded_since(txn, a.account_id, a.community_id, a.kind, day).await?;
        points = Ord::min(points, i64::from(cap) - used);
    }
    if let Some(cap) = rule.as_ref().and_then(|r| r.monthly_cap) {
        let used = awarded_since(txn, a.account_id, a.community_id, a.kind, month).await?;
        points = Ord::min(points, i64::from(cap) - used);
    }
    if points <= 0 {
        return Ok(0);
    }
    let entry = Entry {
        account_id: a.account_id,
        community_id: a.community_id,
        kind: a.kind,
        delta: points,
        source: a.source,
        by: a.by,
    };
    apply(txn, &entry).await?;
    Ok(points)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_months_are_shanghai_s() {
        // 2026-12-31 17:00 UTC is 2027-01-01 01:00 in Shanghai.
        let now = DateTime::parse_from_rfc3339("2026-12-31T17:00:00Z").map(|t| t.with_timezone(&Utc));
        let (day, month) = day_and_month_start(now.unwrap_or_default());
        assert_eq!(day.to_rfc3339(), "2026-12-31T16:00:00+00:00");
        assert_eq!(month.to_rfc3339(), "2026-12-31T16:00:00+00:00");
    }
}

/// Award `kind` to each of `accounts` once for `source` (`{source}:{account}`
/// per person), by the community's rule and caps; nothing at all (one
/// statement) when the community has no rule for it. For the awards other
/// domains make: a council meeting's attendees when it is recorded, a
/// vote's voters when it closes (not when each ballot is cast: a ledger row
/// at the moment of a ballot would tie a person to the moment the live
/// tally moved, which the secret ballot forbids).
pub async fn award_each(
    txn: &impl ConnectionTrait,
    community_id: i32,
    kind: PointsKind,
    accounts: &[i32],
    source: &str,
    by: Option<i32>,
) -> ApiResult<()> {
    let rule = points_rule::Entity::find()
        .filter(points_rule::Column::CommunityId.eq(community_id))
        .filter(points_rule::Column::Kind.eq(kind))
        .one(txn)
        .await?;
    if rule.is_none_or(|r| r.points == 0) {
        return Ok(());
    }
    for &account_id in accounts {
        let source = format!("{source}:{account_id}");
        let (points_per_hour, points_per_activity) = (None, None);
        award(
            txn,
            Award { account_id, community_id, kind, units: 1, points_per_hour, points_per_activity, source, by },
        )
        .await?;
    }
    Ok(())
}
