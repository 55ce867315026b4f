//! The points store and the points rules.
//!
//! A redemption takes one from the item's stock (`stock > 0` in the
//! UPDATE's condition) and the cost from the person's points (the ledger's
//! condition) in one transaction: both or neither. Rows are always taken in
//! the same order, item then balance, so concurrent redemptions and
//! cancellations cannot deadlock; 50 people redeeming an item with a stock
//! of 10 get exactly 10. A cancellation gives both back (a REFUND row).

use chrono::Utc;
use entity::enums::{PointsKind, RedemptionStatus};
use entity::{points_item, points_redemption, points_rule};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, NotSet, QueryFilter, Set};

use super::Verbs;
use super::graphql::{PointsItem, PointsRedemption};
use super::lifecycle::{self, RedemptionAction};
use super::points::{self, Entry};
use super::policy::{self, VolunteeringPermission};
use crate::auth::Principal;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::input::{Remark, Title};
use crate::policy::{authorize, is_resident_of};
use crate::uow::{Audit, UnitOfWork};

/// The most points one rule gives per unit, and the largest cap.
pub const MAX_RULE_POINTS: i32 = 10_000;
/// The largest cost and stock of an item.
pub const MAX_COST: i32 = 1_000_000;
pub const MAX_STOCK: i32 = 100_000;

/// A rule as the committee sets it.
pub struct RuleInput {
    pub kind: PointsKind,
    pub points: i32,
    pub daily_cap: Option<i32>,
    pub monthly_cap: Option<i32>,
}

/// Set (or replace) the committee's community's rules of the given kinds.
pub async fn set_rules(db: &Db, p: &Principal, rules: Vec<RuleInput>) -> ApiResult<Vec<points_rule::Model>> {
    authorize(p, VolunteeringPermission::KeepRules)?;
    let community = p.scope.community_id.ok_or_else(|| ApiError::forbidden(t!("volunteering.perm.rules")))?;
    for (i, r) in rules.iter().enumerate() {
        if matches!(r.kind, PointsKind::Redemption | PointsKind::Refund) {
            return Err(ApiError::bad_input(format!("rules.{i}.kind"), t!("volunteering.not_a_rule_kind")));
        }
        let ok = |v: i32| (0..=MAX_RULE_POINTS).contains(&v);
        if !ok(r.points) || r.daily_cap.is_some_and(|c| !ok(c)) || r.monthly_cap.is_some_and(|c| !ok(c)) {
            return Err(ApiError::bad_input(
                format!("rules.{i}"),
                t!("volunteering.rule_between", max = MAX_RULE_POINTS),
            ));
        }
    }
    let uow = UnitOfWork::begin(db, p).await?;
    let txn = uow.txn();
    let now = Utc::now();
    for r in &rules {
        let row = points_rule::ActiveModel {
            id: NotSet,
            community_id: Set(community),
            kind: Set(r.kind),
            points: Set(r.points),
            daily_cap: Set(r.daily_cap),
            monthly_cap: Set(r.monthly_cap),
            updated_by_account_id: Set(p.account_id()),
            updated_at: Set(now),
        };
        points_rule::Entity::insert(row)
            .on_conflict(
                OnConflict::columns([points_rule::Column::CommunityId, points_rule::Column::Kind])
                    .update_columns([
                        points_rule::Column::Points,
                        points_rule::Column::DailyCap,
                        points_rule::Column::MonthlyCap,
                        points_rule::Column::UpdatedByAccountId,
                        points_rule::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec(txn)
            .await?;
    }
    let saved = points_rule::Entity::find().filter(points_rule::Column::CommunityId.eq(community)).all(txn).await?;
    let kinds: Vec<_> = rules.iter().map(|r| serde_json::to_value(r.kind).unwrap_or_default()).collect();
    // The rules belong to the community: the audit row is about it.
    let audit = Audit::batch::<crate::directory::graphql::Region>(Verbs::RulesSet)
        .community(community)
        .details(serde_json::json!({ "kinds": kinds }));
    uow.commit(audit).await?;
    Ok(saved)
}

/// A new store item.
pub struct NewItem {
    pub community_id: i32,
    pub title: String,
    pub description: Option<String>,
    pub cost: i32,
    pub stock: i32,
}

/// Offer an item: the committee in its community, an organisation in a
/// community it serves.
pub async fn offer(db: &Db, p: &Principal, n: NewItem) -> ApiResult<points_item::Model> {
    authorize(p, VolunteeringPermission::OfferItems)?;
    let me = p.account_id().ok_or_else(|| ApiError::forbidden(t!("volunteering.perm.offer")))?;
    let title = Title::parse("title", &n.title)?.into_inner();
    let description = Remark::parse_opt("description", n.description.as_deref())?.map(Remark::into_inner);
    if !(1..=MAX_COST).contains(&n.cost) {
        return Err(ApiError::bad_input("cost", t!("volunteering.cost_between", max = MAX_COST)));
    }
    if !(0..=MAX_STOCK).contains(&n.stock) {
        return Err(ApiError::bad_input("stock", t!("volunteering.stock_between", max = MAX_STOCK)));
    }
    let uow = UnitOfWork::begin(db, p).await?;
    let txn = uow.txn();
    let organisation_id = super::service::acting_for(txn, p, n.community_id).await?;
    let now = Utc::now();
    let saved = points_item::ActiveModel {
        id: NotSet,
        community_id: Set(n.community_id),
        offered_by_account_id: Set(me),
        organisation_id: Set(organisation_id),
        title: Set(title),
        description: Set(description),
        cost: Set(n.cost),
        stock: Set(n.stock),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await?;
    uow.commit(Audit::of::<PointsItem>(Verbs::ItemOffer, saved.id).community(saved.community_id)).await?;
    Ok(saved)
}

/// Redeem one of item `item_id` with the principal's points: CONFLICT when
/// it is out of stock, or (with the balance) when the points are short.
pub async fn redeem(db: &Db, p: &Principal, item_id: i32) -> ApiResult<points_redemption::Model> {
    authorize(p, VolunteeringPermission::Take)?;
    let me = p.account_id().ok_or_else(|| ApiError::forbidden(t!("volunteering.perm.take")))?;
    let uow = UnitOfWork::begin(db, p).await?;
    let txn = uow.txn();
    let item = policy::visible_items(p)
        .filter(points_item::Column::Id.eq(item_id))
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::not_found("PointsItem"))?;
    if !is_resident_of(p, item.community_id) || !item.active {
        return Err(ApiError::forbidden(t!("volunteering.residents_only")));
    }
    let taken = points_item::Entity::update_many()
        .col_expr(points_item::Column::Stock, Expr::col(points_item::Column::Stock).sub(1))
        .filter(points_item::Column::Id.eq(item_id))
        .filter(points_item::Column::Stock.gt(0))
        .exec(txn)
        .await?;
    if taken.rows_affected == 0 {
        return Err(ApiError::conflict(t!("volunteering.out_of_stock")));
    }
    let now = Utc::now();
    let saved = points_redemption::ActiveModel {
        id: NotSet,
        item_id: Set(item_id),
        account_id: Set(me),
        community_id: Set(item.community_id),
        cost: Set(item.cost),
        status: Set(RedemptionStatus::Reserved),
        decided_by_account_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await?;
    let entry = Entry {
        account_id: me,
        community_id: item.community_id,
        kind: PointsKind::Redemption,
        delta: -i64::from(item.cost),
        source: format!("redemption:{}", saved.id),
        by: Some(me),
    };
    points::apply(txn, &entry).await?;
    uow.commit(Audit::of::<PointsRedemption>(Verbs::Redeem, saved.id).community(item.community_id)).await?;
    Ok(saved)
}

/// Hand over (the offerer) or cancel (the person or the offerer) a
/// reserved redemption; a cancellation refunds the points and the stock.
pub async fn decide(db: &Db, p: &Principal, id: i32, action: RedemptionAction) -> ApiResult<points_redemption::Model> {
    let me = p.account_id().ok_or_else(|| ApiError::forbidden(t!("volunteering.perm.offer")))?;
    let uow = UnitOfWork::begin(db, p).await?;
    let txn = uow.txn();
    let r = policy::visible_redemptions(p)
        .filter(points_redemption::Column::Id.eq(id))
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::not_found("PointsRedemption"))?;
    let item =
        points_item::Entity::find_by_id(r.item_id).one(txn).await?.ok_or_else(|| ApiError::not_found("PointsItem"))?;
    let offerer = policy::offers(p, &item);
    let allowed = match action {
        RedemptionAction::Fulfil => offerer,
        RedemptionAction::Cancel => offerer || r.account_id == me,
    };
    if !allowed {
        return Err(ApiError::forbidden(t!("volunteering.only_offerer")));
    }
    let mv = lifecycle::check_redemption(action, r.status)?;
    let to = mv.to.unwrap_or(r.status);
    let now = Utc::now();
    // Conditional on the status read: a concurrent decision changes nothing.
    let moved = points_redemption::Entity::update_many()
        .col_expr(points_redemption::Column::Status, Expr::value(sea_orm::ActiveEnum::to_value(&to)))
        .col_expr(points_redemption::Column::DecidedByAccountId, Expr::value(me))
        .col_expr(points_redemption::Column::UpdatedAt, Expr::value(now))
        .filter(points_redemption::Column::Id.eq(id))
        .filter(points_redemption::Column::Status.eq(r.status))
        .exec(txn)
        .await?;
    if moved.rows_affected == 0 {
        return Err(ApiError::conflict(t!("volunteering.decided_meanwhile")));
    }
    if action == RedemptionAction::Cancel {
        points_item::Entity::update_many()
            .col_expr(points_item::Column::Stock, Expr::col(points_item::Column::Stock).add(1))
            .filter(points_item::Column::Id.eq(item.id))
            .exec(txn)
            .await?;
        let entry = Entry {
            account_id: r.account_id,
            community_id: r.community_id,
            kind: PointsKind::Refund,
            delta: i64::from(r.cost),
            source: format!("refund:{}", r.id),
            by: Some(me),
        };
        points::apply(txn, &entry).await?;
    }
    let saved = points_redemption::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::not_found("PointsRedemption"))?;
    uow.commit(Audit::of::<PointsRedemption>(mv.verb, id).community(r.community_id)).await?;
    Ok(saved)
}
