//! Mutations of points rules and the store.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

use super::{PointsItem, PointsKind, PointsRedemption, PointsRule};
use crate::directory::graphql::Region;
use crate::error::ApiResult;
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Authenticated;
use crate::graphql::ids;
use crate::volunteering::lifecycle::RedemptionAction;
use crate::volunteering::store::{self, NewItem, RuleInput};

/// One rule.
#[derive(InputObject)]
pub struct PointsRuleInput {
    /// What it rewards (not REDEMPTION or REFUND).
    pub kind: PointsKind,
    /// Points per unit: per hour for volunteer hours, else per occasion (0 to 10,000).
    pub points: i32,
    /// At most this many points of this kind per person and day.
    pub daily_cap: Option<i32>,
    /// At most this many points of this kind per person and month.
    pub monthly_cap: Option<i32>,
}

/// Set the committee's community's points rules.
#[derive(InputObject)]
pub struct SetPointsRulesInput {
    /// The rules to set; kinds not named keep their rule.
    pub rules: Vec<PointsRuleInput>,
}

/// Offer an item in the store.
#[derive(InputObject)]
pub struct OfferPointsItemInput {
    /// The community (global id).
    pub community_id: ID,
    /// What it is.
    pub title: String,
    /// More about it.
    pub description: Option<String>,
    /// Its price in points (1 to 1,000,000).
    pub cost: i32,
    /// How many there are (0 to 100,000).
    pub stock: i32,
}

/// Redeem an item.
#[derive(InputObject)]
pub struct RedeemPointsItemInput {
    /// The item (global id).
    pub item_id: ID,
}

/// Hand over or cancel a redemption.
#[derive(InputObject)]
pub struct RedemptionStepInput {
    /// The redemption (global id).
    pub redemption_id: ID,
}

/// The payload of `setPointsRules`.
#[derive(SimpleObject)]
pub struct SetPointsRulesPayload {
    /// Every rule of the community now.
    pub rules: Vec<PointsRule>,
}

/// The payload of `offerPointsItem`.
#[derive(SimpleObject)]
pub struct OfferPointsItemPayload {
    /// The item.
    pub item: PointsItem,
}

/// The payload of a redemption mutation.
#[derive(SimpleObject)]
pub struct PointsRedemptionPayload {
    /// The redemption as it is now.
    pub redemption: PointsRedemption,
}

/// Mutations of points and the store.
#[derive(Default)]
pub struct PointsMutation;

#[Object]
impl PointsMutation {
    /// The committee sets its community's points rules (with caps).
    #[graphql(visible = "super::shown::keep_rules", guard = "Authenticated")]
    async fn set_points_rules(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: SetPointsRulesInput,
    ) -> ApiResult<SetPointsRulesPayload> {
        let rules = input
            .rules
            .into_iter()
            .map(|r| RuleInput {
                kind: r.kind.into(),
                points: r.points,
                daily_cap: r.daily_cap,
                monthly_cap: r.monthly_cap,
            })
            .collect();
        let saved = store::set_rules(ctx.db(), ctx.principal()?, rules).await?;
        Ok(SetPointsRulesPayload { rules: saved.into_iter().map(Into::into).collect() })
    }

    /// The committee, or a partner organisation serving the community, offers a store item.
    #[graphql(visible = "super::shown::offer", guard = "Authenticated")]
    async fn offer_points_item(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: OfferPointsItemInput,
    ) -> ApiResult<OfferPointsItemPayload> {
        let n = NewItem {
            community_id: ids::id_of::<Region>(&input.community_id, "communityId")?,
            title: input.title,
            description: input.description,
            cost: input.cost,
            stock: input.stock,
        };
        Ok(OfferPointsItemPayload { item: PointsItem(store::offer(ctx.db(), ctx.principal()?, n).await?) })
    }

    /// A resident redeems an item: one from its stock and its cost from
    /// their points, together (CONFLICT when out of stock, or with the
    /// balance when the points are short).
    #[graphql(visible = "super::shown::take", guard = "Authenticated")]
    async fn redeem_points_item(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: RedeemPointsItemInput,
    ) -> ApiResult<PointsRedemptionPayload> {
        let id = ids::id_of::<PointsItem>(&input.item_id, "itemId")?;
        let r = store::redeem(ctx.db(), ctx.principal()?, id).await?;
        Ok(PointsRedemptionPayload { redemption: PointsRedemption(r) })
    }

    /// The offerer hands a reserved item over.
    #[graphql(visible = "super::shown::offer", guard = "Authenticated")]
    async fn fulfil_redemption(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: RedemptionStepInput,
    ) -> ApiResult<PointsRedemptionPayload> {
        let id = ids::id_of::<PointsRedemption>(&input.redemption_id, "redemptionId")?;
        let r = store::decide(ctx.db(), ctx.principal()?, id, RedemptionAction::Fulfil).await?;
        Ok(PointsRedemptionPayload { redemption: PointsRedemption(r) })
    }

    /// The person (or the offerer) cancels a reserved redemption: points
    /// refunded, stock returned.
    #[graphql(visible = "super::shown::cancel_redemption", guard = "Authenticated")]
    async fn cancel_redemption(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: RedemptionStepInput,
    ) -> ApiResult<PointsRedemptionPayload> {
        let id = ids::id_of::<PointsRedemption>(&input.redemption_id, "redemptionId")?;
        let r = store::decide(ctx.db(), ctx.principal()?, id, RedemptionAction::Cancel).await?;
        Ok(PointsRedemptionPayload { redemption: PointsRedemption(r) })
    }
}
