//! Mutations of activities: organising, signing up, attendance.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

use super::{VolunteerActivity, VolunteerSignup};
use crate::directory::graphql::Region;
use crate::error::ApiResult;
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Authenticated;
use crate::graphql::ids;
use crate::graphql::scalars::DateTime;
use crate::volunteering::lifecycle::ActivityAction;
use crate::volunteering::service::{self, NewActivity, attendance};

/// A new volunteer activity (a DRAFT until published).
#[derive(InputObject)]
pub struct CreateVolunteerActivityInput {
    /// The community (global id): the committee's own, or one the organisation serves.
    pub community_id: ID,
    /// The title (at most 200 characters).
    pub title: String,
    /// What volunteers will do.
    pub description: String,
    /// Where.
    pub place: Option<String>,
    /// When it starts.
    pub starts_at: DateTime,
    /// When it ends (after the start, at most a week later).
    pub ends_at: DateTime,
    /// Places (1 to 10,000).
    pub capacity: i32,
    /// Points per hour of confirmed attendance; leave out to use the community's rule.
    pub points_per_hour: Option<i32>,
    /// Instead of points per hour: these points for each confirmed
    /// attendance, whatever its length (0 to the same maximum).
    pub points_per_activity: Option<i32>,
    /// Only for the residents of these buildings of the community (global
    /// ids, at most 100); leave out for the whole community.
    #[graphql(default)]
    pub building_ids: Vec<ID>,
}

/// An organiser's step on an activity.
#[derive(InputObject)]
pub struct VolunteerActivityStepInput {
    /// The activity (global id).
    pub activity_id: ID,
}

/// Cancel an activity.
#[derive(InputObject)]
pub struct CancelVolunteerActivityInput {
    /// The activity (global id).
    pub activity_id: ID,
    /// Why (shown to everyone who signed up).
    pub reason: String,
}

/// Sign up for an activity.
#[derive(InputObject)]
pub struct SignUpForActivityInput {
    /// The activity (global id).
    pub activity_id: ID,
    /// Let the organiser see your phone (default: no, they see your name only).
    pub share_phone: Option<bool>,
}

/// Withdraw from an activity.
#[derive(InputObject)]
pub struct WithdrawFromActivityInput {
    /// The activity (global id).
    pub activity_id: ID,
}

/// Check a volunteer in or out.
#[derive(InputObject)]
pub struct VolunteerAttendanceInput {
    /// The sign-up (global id).
    pub signup_id: ID,
}

/// Confirm attendance after the fact.
#[derive(InputObject)]
pub struct ConfirmVolunteerAttendanceInput {
    /// The sign-up (global id).
    pub signup_id: ID,
    /// Minutes of service (1 to 1,440).
    pub minutes: i32,
}

/// The payload of an activity mutation.
#[derive(SimpleObject)]
pub struct VolunteerActivityPayload {
    /// The activity as it is now.
    pub activity: VolunteerActivity,
}

/// The payload of a sign-up or attendance mutation.
#[derive(SimpleObject)]
pub struct VolunteerSignupPayload {
    /// The sign-up as it is now.
    pub signup: VolunteerSignup,
    /// Points awarded by this mutation (0 when none).
    pub points_awarded: i64,
}

async fn step(
    ctx: &Context<'_>,
    id: &ID,
    action: ActivityAction,
    reason: Option<String>,
) -> ApiResult<VolunteerActivityPayload> {
    let id = ids::id_of::<VolunteerActivity>(id, "activityId")?;
    let a = service::step(ctx.db(), ctx.principal()?, id, action, reason).await?;
    Ok(VolunteerActivityPayload { activity: VolunteerActivity(a) })
}

async fn attend(
    ctx: &Context<'_>,
    id: &ID,
    action: ActivityAction,
    minutes: Option<i32>,
) -> ApiResult<VolunteerSignupPayload> {
    let id = ids::id_of::<VolunteerSignup>(id, "signupId")?;
    let (s, points) = attendance::record(ctx.db(), ctx.principal()?, id, action, minutes).await?;
    Ok(VolunteerSignupPayload { signup: VolunteerSignup(s), points_awarded: points })
}

/// Mutations of activities.
#[derive(Default)]
pub struct ActivitiesMutation;

#[Object]
impl ActivitiesMutation {
    /// The committee, or an NGO or property company serving the community,
    /// creates an activity as a DRAFT.
    #[graphql(visible = "super::shown::organise", guard = "Authenticated")]
    async fn create_volunteer_activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: CreateVolunteerActivityInput,
    ) -> ApiResult<VolunteerActivityPayload> {
        let n = NewActivity {
            community_id: ids::id_of::<Region>(&input.community_id, "communityId")?,
            title: input.title,
            description: input.description,
            place: input.place,
            starts_at: input.starts_at.0,
            ends_at: input.ends_at.0,
            capacity: input.capacity,
            points_per_hour: input.points_per_hour,
            points_per_activity: input.points_per_activity,
            building_ids: input
                .building_ids
                .iter()
                .map(|b| ids::id_of::<crate::directory::graphql::Building>(b, "buildingIds"))
                .collect::<ApiResult<_>>()?,
        };
        let a = service::create(ctx.db(), ctx.principal()?, n).await?;
        Ok(VolunteerActivityPayload { activity: VolunteerActivity(a) })
    }

    /// The organiser publishes a draft: residents see it and sign up.
    #[graphql(visible = "super::shown::organise", guard = "Authenticated")]
    async fn publish_volunteer_activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: VolunteerActivityStepInput,
    ) -> ApiResult<VolunteerActivityPayload> {
        step(ctx, &input.activity_id, ActivityAction::Publish, None).await
    }

    /// The organiser starts the activity (check-ins open).
    #[graphql(visible = "super::shown::organise", guard = "Authenticated")]
    async fn start_volunteer_activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: VolunteerActivityStepInput,
    ) -> ApiResult<VolunteerActivityPayload> {
        step(ctx, &input.activity_id, ActivityAction::Start, None).await
    }

    /// The organiser completes the activity.
    #[graphql(visible = "super::shown::organise", guard = "Authenticated")]
    async fn complete_volunteer_activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: VolunteerActivityStepInput,
    ) -> ApiResult<VolunteerActivityPayload> {
        step(ctx, &input.activity_id, ActivityAction::Complete, None).await
    }

    /// The organiser cancels the activity, with a reason; every place is given up.
    #[graphql(visible = "super::shown::organise", guard = "Authenticated")]
    async fn cancel_volunteer_activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: CancelVolunteerActivityInput,
    ) -> ApiResult<VolunteerActivityPayload> {
        step(ctx, &input.activity_id, ActivityAction::Cancel, Some(input.reason)).await
    }

    /// A resident signs up: a place while there is one, else the waiting
    /// list (CONFLICT when already signed up).
    #[graphql(visible = "super::shown::take", guard = "Authenticated")]
    async fn sign_up_for_activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: SignUpForActivityInput,
    ) -> ApiResult<VolunteerSignupPayload> {
        let id = ids::id_of::<VolunteerActivity>(&input.activity_id, "activityId")?;
        let share = input.share_phone.unwrap_or(false);
        let s = service::sign_up(ctx.db(), ctx.principal()?, id, share).await?;
        Ok(VolunteerSignupPayload { signup: VolunteerSignup(s), points_awarded: 0 })
    }

    /// A resident withdraws; the first person waiting takes the place.
    #[graphql(visible = "super::shown::take", guard = "Authenticated")]
    async fn withdraw_from_activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: WithdrawFromActivityInput,
    ) -> ApiResult<VolunteerSignupPayload> {
        let id = ids::id_of::<VolunteerActivity>(&input.activity_id, "activityId")?;
        let s = service::withdraw(ctx.db(), ctx.principal()?, id).await?;
        Ok(VolunteerSignupPayload { signup: VolunteerSignup(s), points_awarded: 0 })
    }

    /// The organiser checks a volunteer in.
    #[graphql(visible = "super::shown::organise", guard = "Authenticated")]
    async fn check_in_volunteer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: VolunteerAttendanceInput,
    ) -> ApiResult<VolunteerSignupPayload> {
        attend(ctx, &input.signup_id, ActivityAction::CheckIn, None).await
    }

    /// The organiser checks a volunteer out: the minutes since check-in are
    /// recorded and points awarded (never by the volunteer themself).
    #[graphql(visible = "super::shown::organise", guard = "Authenticated")]
    async fn check_out_volunteer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: VolunteerAttendanceInput,
    ) -> ApiResult<VolunteerSignupPayload> {
        attend(ctx, &input.signup_id, ActivityAction::CheckOut, None).await
    }

    /// The organiser confirms attendance after the fact with the minutes;
    /// points are awarded (never by the volunteer themself).
    #[graphql(visible = "super::shown::organise", guard = "Authenticated")]
    async fn confirm_volunteer_attendance(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: ConfirmVolunteerAttendanceInput,
    ) -> ApiResult<VolunteerSignupPayload> {
        attend(ctx, &input.signup_id, ActivityAction::Confirm, Some(input.minutes)).await
    }
}
