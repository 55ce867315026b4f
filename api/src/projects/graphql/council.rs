//! Residents' council meetings.

use crate::graphql::scalars::DateTime;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use entity::{council_agenda_item, council_meeting, project, region};

use crate::directory::graphql::Region;
use crate::error::ApiResult;
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Authenticated;
use crate::graphql::ids;
use crate::graphql::loaders::load_by_id;
use crate::graphql::loaders::{ByColumn, ById};
use crate::graphql::node::NodeType;
use crate::projects::council;

use super::types::Project;

/// A meeting of a community's residents' council (居民议事会).
#[derive(Clone)]
pub struct CouncilMeeting(pub council_meeting::Model);

/// A meeting of a community's residents' council (居民议事会).
#[Object(visible = "super::shown::read_meetings")]
impl CouncilMeeting {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        self.global_id()
    }
    /// The title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// When the meeting takes place.
    async fn scheduled_at(&self) -> DateTime {
        self.0.scheduled_at.into()
    }
    /// Where the meeting takes place.
    async fn place(&self) -> &str {
        &self.0.place
    }
    /// Residents present (recorded after the meeting).
    async fn attendance(&self) -> Option<i32> {
        self.0.attendance
    }
    /// The minutes, once recorded.
    async fn minutes(&self) -> Option<&str> {
        self.0.minutes.as_deref()
    }
    /// The community it belongs to.
    async fn community(&self, ctx: &Context<'_>) -> ApiResult<Option<Region>> {
        load_by_id::<region::Entity, _>(ctx, self.0.community_id, Region).await
    }
    /// Projects on the agenda.
    async fn agenda(&self, ctx: &Context<'_>) -> ApiResult<Vec<Project>> {
        let items =
            ctx.loader::<ByColumn<council_agenda_item::Entity>>()?.load_one(self.0.id).await?.unwrap_or_default();
        let projects = ctx.loader::<ById<project::Entity>>()?.load_many(items.iter().map(|i| i.project_id)).await?;
        Ok(items.iter().filter_map(|i| projects.get(&i.project_id).cloned().map(Project)).collect())
    }
}

/// The input of `scheduleCouncilMeeting`.
#[derive(InputObject)]
pub struct ScheduleCouncilMeetingInput {
    /// The community (global id).
    pub community_id: ID,
    /// The title.
    pub title: String,
    /// When the meeting takes place.
    pub scheduled_at: DateTime,
    /// Where the meeting takes place.
    pub place: String,
    /// Projects on the agenda.
    #[graphql(default)]
    pub project_ids: Vec<ID>,
}

/// The input of `recordCouncilMeeting`.
#[derive(InputObject)]
pub struct RecordCouncilMeetingInput {
    /// The council meeting (global id).
    pub meeting_id: ID,
    /// How many people attended.
    pub attendance: i32,
    /// The minutes, once recorded.
    pub minutes: String,
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

#[derive(Default)]
pub struct CouncilMutation;

#[Object]
impl CouncilMutation {
    /// The committee schedules a council meeting with an agenda.
    #[graphql(visible = "super::shown::run_council", guard = "Authenticated")]
    async fn schedule_council_meeting(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: ScheduleCouncilMeetingInput,
    ) -> ApiResult<ScheduleCouncilMeetingPayload> {
        let meeting: ApiResult<CouncilMeeting> = async {
            let p = ctx.principal()?;
            let new = council::NewMeeting {
                community_id: ids::id_of::<Region>(&input.community_id, "communityId")?,
                title: input.title,
                scheduled_at: input.scheduled_at.0,
                place: input.place,
                project_ids: input
                    .project_ids
                    .iter()
                    .map(|i| ids::id_of::<Project>(i, "projectIds"))
                    .collect::<ApiResult<_>>()?,
            };
            Ok(CouncilMeeting(council::create_meeting(ctx.app(), p, new).await?))
        }
        .await;
        Ok(ScheduleCouncilMeetingPayload { meeting: meeting? })
    }

    /// The committee records attendance and minutes of a meeting.
    #[graphql(visible = "super::shown::run_council", guard = "Authenticated")]
    async fn record_council_meeting(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: RecordCouncilMeetingInput,
    ) -> ApiResult<RecordCouncilMeetingPayload> {
        let meeting: ApiResult<CouncilMeeting> = async {
            let p = ctx.principal()?;
            let id = ids::id_of::<CouncilMeeting>(&input.meeting_id, "meetingId")?;
            Ok(CouncilMeeting(council::record_meeting(ctx.app(), p, id, input.attendance, &input.minutes).await?))
        }
        .await;
        Ok(RecordCouncilMeetingPayload { meeting: meeting? })
    }
}

crate::node_type!(CouncilMeeting, "CouncilMeeting", council_meeting, crate::projects::policy::visible_meetings);
