//! GraphQL of residency: types, queries, and the mutations of sign-up and
//! verification (`joining`) and of the household register (`register`).

mod joining;
mod register;
mod types;

pub use joining::*;
pub use register::*;
pub use types::*;

use async_graphql::{Context, ID, Object, SimpleObject};
use entity::{household, invitation, join_request};

use super::service;
use crate::directory::graphql::{Building, Region};
use crate::error::ApiResult;
use crate::graphql::connection::{Conn, PageArgs, page_cost, paginate_ordered};
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Authenticated;
use crate::graphql::ids;

/// Who is shown which of this domain's fields: each from the role-level
/// permission its service checks (see `graphql::surface`).
pub mod shown {
    use crate::residency::policy::ResidencyPermission;

    crate::shown! {
        join => ResidencyPermission::Join;
        read_join_requests => ResidencyPermission::ReadJoinRequests;
        decide => ResidencyPermission::Decide;
        invite => ResidencyPermission::Invite;
        manage_households => ResidencyPermission::ManageHouseholds;
        care => ResidencyPermission::Care;
        read_households => ResidencyPermission::ReadHouseholds;
        read_invitations => ResidencyPermission::ReadInvitations;
    }
}

/// The residency domain's mutations.
#[derive(async_graphql::MergedObject, Default)]
pub struct ResidencyMutation(JoiningMutation, RegisterMutation);

/// How many join requests are in one status.
#[derive(SimpleObject)]
pub struct JoinRequestStatusCount {
    /// The status.
    pub status: JoinRequestStatus,
    /// How many.
    pub count: i64,
}

#[derive(Default)]
pub struct ResidencyQuery;

#[Object]
impl ResidencyQuery {
    /// Join requests: a person's own; for the committee its community's,
    /// for a building head their building's. Newest first.
    #[graphql(
        visible = "shown::read_join_requests",
        complexity = "page_cost(first, last) * child_complexity",
        guard = "Authenticated"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn join_requests(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only those in this status.")] status: Option<JoinRequestStatus>,
        #[graphql(desc = "Only those for this community (global id).")] community_id: Option<ID>,
        #[graphql(desc = "Items after this cursor (forward paging).")] after: Option<String>,
        #[graphql(desc = "Items before this cursor (backward paging).")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (at most 100).")] last: Option<i32>,
    ) -> ApiResult<Conn<JoinRequest>> {
        let community = community_id.as_ref().map(|c| ids::id_of::<Region>(c, "communityId")).transpose()?;
        let q = service::requests(ctx.principal()?, status.map(Into::into), community);
        let args = PageArgs::new(after, before, first, last);
        paginate_ordered(ctx, q, join_request::Column::Id, args, true, JoinRequest).await
    }

    /// Counts of the join requests the viewer may read, by status.
    #[graphql(visible = "shown::read_join_requests", guard = "Authenticated")]
    async fn join_request_counts(&self, ctx: &Context<'_>) -> ApiResult<Vec<JoinRequestStatusCount>> {
        let rows = service::counts(&ctx.db().read, ctx.principal()?).await?;
        Ok(rows.into_iter().map(|r| JoinRequestStatusCount { status: r.status.into(), count: r.n }).collect())
    }

    /// The household register: a resident's own household; the building
    /// head's building; the committee's community. With `visitOverdue`,
    /// only the lived-in households the viewer looks after that nobody
    /// visited in the configured number of days (`GONGZHI_VISIT_OVERDUE_DAYS`).
    #[graphql(
        visible = "shown::read_households",
        complexity = "page_cost(first, last) * child_complexity",
        guard = "Authenticated"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn households(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only the flats of this building (global id).")] building_id: Option<ID>,
        #[graphql(desc = "Only households overdue for a routine visit.")] visit_overdue: Option<bool>,
        #[graphql(desc = "Items after this cursor (forward paging).")] after: Option<String>,
        #[graphql(desc = "Items before this cursor (backward paging).")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (at most 100).")] last: Option<i32>,
    ) -> ApiResult<Conn<Household>> {
        let building = building_id.as_ref().map(|b| ids::id_of::<Building>(b, "buildingId")).transpose()?;
        let overdue = visit_overdue.unwrap_or(false).then_some(ctx.app().config.visit_overdue_days);
        let q = service::register(ctx.principal()?, building, overdue);
        let args = PageArgs::new(after, before, first, last);
        paginate_ordered(ctx, q, household::Column::Id, args, false, Household).await
    }

    /// Invitations of the committee's community, newest first (codes are
    /// never shown again).
    #[graphql(
        visible = "shown::read_invitations",
        complexity = "page_cost(first, last) * child_complexity",
        guard = "Authenticated"
    )]
    async fn invitations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items after this cursor (forward paging).")] after: Option<String>,
        #[graphql(desc = "Items before this cursor (backward paging).")] before: Option<String>,
        #[graphql(desc = "At most this many items from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "At most this many items from the end (at most 100).")] last: Option<i32>,
    ) -> ApiResult<Conn<Invitation>> {
        let q = super::policy::visible_invitations(ctx.principal()?);
        let args = PageArgs::new(after, before, first, last);
        paginate_ordered(ctx, q, invitation::Column::Id, args, true, Invitation).await
    }
}
