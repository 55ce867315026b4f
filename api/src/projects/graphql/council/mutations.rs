//! The committee's council mutations: members, scheduling, rescheduling,
//! cancelling, recording, decisions.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

use super::{CouncilMeeting, CouncilMember, ITEM, MEMBER};
use crate::accounts::graphql::Account;
use crate::directory::graphql::Region;
use crate::error::{ApiError, ApiResult};
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Authenticated;
use crate::graphql::ids;
use crate::graphql::scalars::DateTime;
use crate::projects::council::{self, members, records};
use crate::projects::graphql::types::Project;
use crate::reports::graphql::Report;

/// The input of `scheduleCouncilMeeting`.
#[derive(InputObject)]
pub struct ScheduleCouncilMeetingInput {
    /// The community (global id).
    pub community_id: ID,
    /// The title.
    pub title: String,
    /// When the meeting takes place (not in the past, at most a year ahead).
    pub scheduled_at: DateTime,
    /// Where the meeting takes place.
    pub place: String,
    /// Projects on the agenda (proposed, in deliberation or voting).
    #[graphql(default)]
    pub project_ids: Vec<ID>,
    /// Reports of the community on the agenda.
    #[graphql(default)]
    pub report_ids: Vec<ID>,
    /// Free topics on the agenda.
    #[graphql(default)]
    pub topics: Vec<String>,
}

/// The input of `recordCouncilMeeting`.
#[derive(InputObject)]
pub struct RecordCouncilMeetingInput {
    /// The council meeting (global id).
    pub meeting_id: ID,
    /// The people present: residents of the community (global ids of
    /// `Account`s); left out, the list stays as recorded.
    pub attendee_ids: Option<Vec<ID>>,
    /// How many attended, for a meeting recorded without names.
    #[graphql(deprecation = "Record the people present in `attendeeIds`; the count follows from them.")]
    pub attendance: Option<i32>,
    /// The minutes. Recorded again, they are a new revision; the earlier
    /// ones are kept.
    pub minutes: String,
    /// What a revision changes (required once minutes exist).
    pub revision_note: Option<String>,
}

/// The input of `rescheduleCouncilMeeting`.
#[derive(InputObject)]
pub struct RescheduleCouncilMeetingInput {
    /// The council meeting (global id).
    pub meeting_id: ID,
    /// The new time (not in the past).
    pub scheduled_at: DateTime,
    /// A new place, if it moves.
    pub place: Option<String>,
}

/// The input of `cancelCouncilMeeting`.
#[derive(InputObject)]
pub struct CancelCouncilMeetingInput {
    /// The council meeting (global id).
    pub meeting_id: ID,
    /// Why.
    pub reason: String,
}

/// The input of `recordCouncilDecision`.
#[derive(InputObject)]
pub struct RecordCouncilDecisionInput {
    /// The agenda item (its `id`).
    pub item_id: ID,
    /// What the council decided.
    pub decision: String,
    /// Where the council voted: the project whose vote it was.
    pub vote_project_id: Option<ID>,
}

/// The input of `addCouncilMember`.
#[derive(InputObject)]
pub struct AddCouncilMemberInput {
    /// The community (global id).
    pub community_id: ID,
    /// A resident of the community (global id of an `Account`).
    pub account_id: ID,
}

/// The input of `removeCouncilMember`.
#[derive(InputObject)]
pub struct RemoveCouncilMemberInput {
    /// The member (its `id`).
    pub member_id: ID,
}

/// The result of `rescheduleCouncilMeeting`, `cancelCouncilMeeting` and
/// `recordCouncilDecision`.
#[derive(SimpleObject)]
pub struct CouncilMeetingPayload {
    /// The council meeting.
    pub meeting: CouncilMeeting,
}

/// The result of `scheduleCouncilMeeting`.
#[derive(SimpleObject)]
pub struct ScheduleCouncilMeetingPayload {
    /// The council meeting.
    pub meeting: CouncilMeeting,
}

/// The result of `recordCouncilMeeting`.
#[derive(SimpleObject)]
pub struct RecordCouncilMeetingPayload {
    /// The council meeting.
    pub meeting: CouncilMeeting,
}

/// The result of `addCouncilMember` and `removeCouncilMember`.
#[derive(SimpleObject)]
pub struct CouncilMemberPayload {
    /// The member.
    pub member: CouncilMember,
}

fn local_id(id: &ID, ty: &str, field: &str) -> ApiResult<i32> {
    match ids::decode(id) {
        Some((t, n)) if t == ty => Ok(n),
        _ => Err(ApiError::bad_input(field, t!("ids.not_valid", kind = ty))),
    }
}

fn all_of<T: crate::graphql::node::NodeType>(given: &[ID], field: &str) -> ApiResult<Vec<i32>> {
    given.iter().map(|i| ids::id_of::<T>(i, field)).collect()
}

#[derive(Default)]
pub struct CouncilMutation;

#[Object]
impl CouncilMutation {
    /// The committee schedules a council meeting with an agenda; the
    /// community's residents get a notice.
    #[graphql(visible = "super::super::shown::run_council", guard = "Authenticated")]
    async fn schedule_council_meeting(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: ScheduleCouncilMeetingInput,
    ) -> ApiResult<ScheduleCouncilMeetingPayload> {
        let new = council::NewMeeting {
            community_id: ids::id_of::<Region>(&input.community_id, "communityId")?,
            title: input.title,
            scheduled_at: input.scheduled_at.0,
            place: input.place,
            project_ids: all_of::<Project>(&input.project_ids, "projectIds")?,
            report_ids: all_of::<Report>(&input.report_ids, "reportIds")?,
            topics: input.topics,
        };
        let m = council::create_meeting(ctx.app(), ctx.principal()?, new).await?;
        Ok(ScheduleCouncilMeetingPayload { meeting: CouncilMeeting(m) })
    }

    /// The committee moves a scheduled meeting.
    #[graphql(visible = "super::super::shown::run_council", guard = "Authenticated")]
    async fn reschedule_council_meeting(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: RescheduleCouncilMeetingInput,
    ) -> ApiResult<CouncilMeetingPayload> {
        let id = ids::id_of::<CouncilMeeting>(&input.meeting_id, "meetingId")?;
        let m =
            council::reschedule(ctx.app(), ctx.principal()?, id, input.scheduled_at.0, input.place.as_deref()).await?;
        Ok(CouncilMeetingPayload { meeting: CouncilMeeting(m) })
    }

    /// The committee cancels a scheduled meeting, with a reason.
    #[graphql(visible = "super::super::shown::run_council", guard = "Authenticated")]
    async fn cancel_council_meeting(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: CancelCouncilMeetingInput,
    ) -> ApiResult<CouncilMeetingPayload> {
        let id = ids::id_of::<CouncilMeeting>(&input.meeting_id, "meetingId")?;
        let m = council::cancel(ctx.app(), ctx.principal()?, id, &input.reason).await?;
        Ok(CouncilMeetingPayload { meeting: CouncilMeeting(m) })
    }

    /// The committee records who attended and the minutes; again, a new
    /// revision of the minutes (with what changed).
    #[graphql(visible = "super::super::shown::run_council", guard = "Authenticated")]
    async fn record_council_meeting(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: RecordCouncilMeetingInput,
    ) -> ApiResult<RecordCouncilMeetingPayload> {
        let id = ids::id_of::<CouncilMeeting>(&input.meeting_id, "meetingId")?;
        let rec = records::MeetingRecord {
            attendee_ids: input.attendee_ids.as_deref().map(|a| all_of::<Account>(a, "attendeeIds")).transpose()?,
            attendance: input.attendance,
            minutes: input.minutes,
            revision_note: input.revision_note,
        };
        let m = records::record_meeting(ctx.app(), ctx.principal()?, id, rec).await?;
        Ok(RecordCouncilMeetingPayload { meeting: CouncilMeeting(m) })
    }

    /// The committee records the council's decision on an agenda item.
    #[graphql(visible = "super::super::shown::run_council", guard = "Authenticated")]
    async fn record_council_decision(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: RecordCouncilDecisionInput,
    ) -> ApiResult<CouncilMeetingPayload> {
        let item = local_id(&input.item_id, ITEM, "itemId")?;
        let vote = input.vote_project_id.as_ref().map(|v| ids::id_of::<Project>(v, "voteProjectId")).transpose()?;
        let m = records::decide(ctx.app(), ctx.principal()?, item, &input.decision, vote).await?;
        Ok(CouncilMeetingPayload { meeting: CouncilMeeting(m) })
    }

    /// The committee adds a resident of the community to its council.
    #[graphql(visible = "super::super::shown::run_council", guard = "Authenticated")]
    async fn add_council_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: AddCouncilMemberInput,
    ) -> ApiResult<CouncilMemberPayload> {
        let c = ids::id_of::<Region>(&input.community_id, "communityId")?;
        let a = ids::id_of::<Account>(&input.account_id, "accountId")?;
        Ok(CouncilMemberPayload { member: CouncilMember(members::add(ctx.app(), ctx.principal()?, c, a).await?) })
    }

    /// The committee removes a member from its council (the record stays).
    #[graphql(visible = "super::super::shown::run_council", guard = "Authenticated")]
    async fn remove_council_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: RemoveCouncilMemberInput,
    ) -> ApiResult<CouncilMemberPayload> {
        let m = local_id(&input.member_id, MEMBER, "memberId")?;
        Ok(CouncilMemberPayload { member: CouncilMember(members::remove(ctx.app(), ctx.principal()?, m).await?) })
    }
}
