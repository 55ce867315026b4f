//! GraphQL of volunteering, points and the store: the types (`types`), the
//! queries below, and the mutations (`activities`, `points`).

mod activities;
mod points;
mod types;

pub use activities::*;
pub use points::*;
pub use types::*;

use async_graphql::{Context, ID, Object, SimpleObject};
use entity::enums::SignupStatus as DbSignupStatus;
use entity::{points_item, points_ledger, points_redemption, points_rule, volunteer_activity, volunteer_signup};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::directory::graphql::Region;
use crate::error::{ApiError, ApiResult};
use crate::graphql::connection::{Conn, PageArgs, page_cost, paginate_ordered};
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Authenticated;
use crate::graphql::ids;
use crate::volunteering::{points as ledger, policy};

/// Who is shown which of this domain's fields: each from the role-level
/// permission its service checks (see `graphql::surface`).
pub mod shown {
    use crate::volunteering::policy::VolunteeringPermission;

    crate::shown! {
        organise => VolunteeringPermission::Organise;
        take => VolunteeringPermission::Take;
        read_activities => VolunteeringPermission::ReadActivities;
        keep_rules => VolunteeringPermission::KeepRules;
        offer => VolunteeringPermission::OfferItems;
        read_store => VolunteeringPermission::ReadStore;
    }

    /// Cancelling a redemption: the person who made it, or the offerer.
    pub fn cancel_redemption(ctx: &async_graphql::Context<'_>) -> bool {
        take(ctx) || offer(ctx)
    }
}

/// The volunteering domain's mutations.
#[derive(async_graphql::MergedObject, Default)]
pub struct VolunteeringMutation(ActivitiesMutation, PointsMutation);

/// A person's volunteering: their sign-ups and confirmed time.
#[derive(SimpleObject)]
pub struct MyVolunteering {
    /// Confirmed minutes of service, all activities.
    pub minutes: i64,
    /// Confirmed hours (minutes / 60, rounded down).
    pub hours: i64,
    /// Their sign-ups, newest first (at most 100).
    pub signups: Vec<VolunteerSignup>,
}

/// A person's points in their community.
#[derive(SimpleObject)]
pub struct MyPoints {
    /// The balance.
    pub balance: i64,
    /// The latest changes, newest first (at most 100).
    pub entries: Vec<PointsEntry>,
    /// Their redemptions, newest first (at most 100).
    pub redemptions: Vec<PointsRedemption>,
}

#[derive(Default)]
pub struct VolunteeringQuery;

#[Object]
impl VolunteeringQuery {
    /// Volunteer activities the viewer may see, newest first.
    #[graphql(
        visible = "shown::read_activities",
        complexity = "page_cost(first, last) * child_complexity",
        guard = "Authenticated"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn volunteer_activities(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this community's (global id).")] community_id: Option<ID>,
        #[graphql(desc = "Only those in these states.")] status: Option<Vec<ActivityStatus>>,
        #[graphql(desc = "Items after this cursor (forward paging).")] after: Option<String>,
        #[graphql(desc = "Items before this cursor (backward paging).")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (at most 100).")] last: Option<i32>,
    ) -> ApiResult<Conn<VolunteerActivity>> {
        let mut q = policy::visible_activities(ctx.principal()?);
        if let Some(c) = community_id.as_ref().map(|c| ids::id_of::<Region>(c, "communityId")).transpose()? {
            q = q.filter(volunteer_activity::Column::CommunityId.eq(c));
        }
        if let Some(s) = status {
            let s: Vec<entity::enums::ActivityStatus> = s.into_iter().map(Into::into).collect();
            q = q.filter(volunteer_activity::Column::Status.is_in(s));
        }
        let args = PageArgs::new(after, before, first, last);
        paginate_ordered(ctx, q, volunteer_activity::Column::Id, args, true, VolunteerActivity).await
    }

    /// One activity; NOT_FOUND when it does not exist or the viewer may not see it.
    #[graphql(visible = "shown::read_activities", guard = "Authenticated")]
    async fn volunteer_activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The activity (global id).")] id: ID,
    ) -> ApiResult<VolunteerActivity> {
        let id = ids::id_of::<VolunteerActivity>(&id, "id")?;
        policy::visible_activities(ctx.principal()?)
            .filter(volunteer_activity::Column::Id.eq(id))
            .one(&ctx.db().read)
            .await?
            .map(VolunteerActivity)
            .ok_or_else(|| ApiError::not_found("VolunteerActivity"))
    }

    /// The viewer's own volunteering: sign-ups and confirmed hours.
    #[graphql(visible = "shown::take", guard = "Authenticated")]
    async fn my_volunteering(&self, ctx: &Context<'_>) -> ApiResult<MyVolunteering> {
        let p = ctx.principal()?;
        let me = p.account_id().ok_or_else(|| ApiError::forbidden(t!("volunteering.perm.take")))?;
        let rows = volunteer_signup::Entity::find()
            .filter(volunteer_signup::Column::AccountId.eq(me))
            .order_by_desc(volunteer_signup::Column::Id)
            .all(&ctx.db().read)
            .await?;
        let minutes: i64 = rows
            .iter()
            .filter(|s| s.status == DbSignupStatus::Attended)
            .map(|s| i64::from(s.minutes.unwrap_or(0)))
            .sum();
        let signups = rows.into_iter().take(100).map(VolunteerSignup).collect();
        Ok(MyVolunteering { minutes, hours: minutes / 60, signups })
    }

    /// The points rules of the viewer's community (or, for the office and
    /// admins, of `communityId`).
    #[graphql(visible = "shown::read_store", guard = "Authenticated")]
    async fn points_rules(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community (global id); default the viewer's.")] community_id: Option<ID>,
    ) -> ApiResult<Vec<PointsRule>> {
        let p = ctx.principal()?;
        let asked = community_id.as_ref().map(|c| ids::id_of::<Region>(c, "communityId")).transpose()?;
        let Some(community) = asked.or(p.scope.community_id) else {
            return Err(ApiError::bad_input("communityId", t!("volunteering.which_community")));
        };
        let readable = crate::policy::communities_filter(p, points_rule::Column::CommunityId);
        let rows = points_rule::Entity::find()
            .filter(points_rule::Column::CommunityId.eq(community))
            .filter(readable)
            .order_by_asc(points_rule::Column::Kind)
            .all(&ctx.db().read)
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// The viewer's points in their community: balance, latest changes and redemptions.
    #[graphql(visible = "shown::take", guard = "Authenticated")]
    async fn my_points(&self, ctx: &Context<'_>) -> ApiResult<MyPoints> {
        let p = ctx.principal()?;
        let me = p.account_id().ok_or_else(|| ApiError::forbidden(t!("volunteering.perm.take")))?;
        let community = p.scope.community_id.unwrap_or_default();
        let db = &ctx.db().read;
        let balance = ledger::balance(db, me, community).await?;
        let entries = policy::visible_ledger(p)
            .filter(points_ledger::Column::CommunityId.eq(community))
            .order_by_desc(points_ledger::Column::Id)
            .limit(100)
            .all(db)
            .await?;
        let redemptions = points_redemption::Entity::find()
            .filter(points_redemption::Column::AccountId.eq(me))
            .order_by_desc(points_redemption::Column::Id)
            .limit(100)
            .all(db)
            .await?;
        Ok(MyPoints {
            balance,
            entries: entries.into_iter().map(Into::into).collect(),
            redemptions: redemptions.into_iter().map(PointsRedemption).collect(),
        })
    }

    /// Store items the viewer may see (a community's people: its store;
    /// offerers: their own items), newest first.
    #[graphql(visible = "shown::read_store", guard = "Authenticated")]
    async fn points_items(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this community's (global id).")] community_id: Option<ID>,
    ) -> ApiResult<Vec<PointsItem>> {
        let mut q = policy::visible_items(ctx.principal()?).filter(points_item::Column::Active.eq(true));
        if let Some(c) = community_id.as_ref().map(|c| ids::id_of::<Region>(c, "communityId")).transpose()? {
            q = q.filter(points_item::Column::CommunityId.eq(c));
        }
        let rows = q.order_by_desc(points_item::Column::Id).limit(100).all(&ctx.db().read).await?;
        Ok(rows.into_iter().map(PointsItem).collect())
    }

    /// Redemptions the viewer may see: their own, and those of the items
    /// they offer (to hand over). Newest first, at most 100.
    #[graphql(visible = "shown::read_store", guard = "Authenticated")]
    async fn points_redemptions(&self, ctx: &Context<'_>) -> ApiResult<Vec<PointsRedemption>> {
        let rows = policy::visible_redemptions(ctx.principal()?)
            .order_by_desc(points_redemption::Column::Id)
            .limit(100)
            .all(&ctx.db().read)
            .await?;
        Ok(rows.into_iter().map(PointsRedemption).collect())
    }
}
