//! Residents' council meetings as records: the meeting, its agenda items
//! and their decisions, attendees, minutes revisions, timeline, and the
//! council's members. Mutations in `mutations`.

use crate::graphql::scalars::DateTime;
use async_graphql::{Context, Enum, ID, Object};
use entity::{
    account, council_agenda_item, council_attendee, council_meeting, council_meeting_event, council_member,
    council_minutes, organisation, project, region, report,
};

use crate::accounts::graphql::{Account, Role};
use crate::directory::graphql::{Organisation, Region};
use crate::error::ApiResult;
use crate::graphql::context::ContextExt;
use crate::graphql::ids;
use crate::graphql::loaders::load_by_id;
use crate::graphql::loaders::{ByColumn, ById, Main};
use crate::graphql::node::NodeType;
use crate::reports::graphql::Report;

use super::types::Project;

mod mutations;
pub use mutations::*;

/// State of a council meeting.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::MeetingStatus")]
pub enum MeetingStatus {
    /// Scheduled; the community's residents were told.
    Scheduled,
    /// Held: attendance and minutes recorded.
    Held,
    /// Cancelled, with a reason.
    Cancelled,
}

/// What a council meeting's timeline step records.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::MeetingEventKind")]
pub enum MeetingEventKind {
    /// Scheduled (the residents got a notice).
    Scheduled,
    /// Moved to another time (the note: from → to).
    Rescheduled,
    /// Cancelled (the note: the reason).
    Cancelled,
    /// Held: attendance and the first minutes recorded (the note: how many attended).
    Held,
    /// The minutes were revised (the note: what changed).
    MinutesRevised,
    /// A decision on an agenda item was recorded (the note: the item and the decision).
    Decided,
}

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
    /// Scheduled, held or cancelled.
    async fn status(&self) -> MeetingStatus {
        self.0.status.into()
    }
    /// Why it was cancelled.
    async fn cancel_reason(&self) -> Option<&str> {
        self.0.cancel_reason.as_deref()
    }
    /// When the meeting takes place.
    async fn scheduled_at(&self) -> DateTime {
        self.0.scheduled_at.into()
    }
    /// Where the meeting takes place.
    async fn place(&self) -> &str {
        &self.0.place
    }
    /// How many attended (the attendees recorded; a head count for meetings
    /// recorded without names).
    async fn attendance(&self) -> Option<i32> {
        self.0.attendance
    }
    /// The people present.
    async fn attendees(&self, ctx: &Context<'_>) -> ApiResult<Vec<Account>> {
        let rows = ctx.loader::<ByColumn<council_attendee::Entity, Main>>()?.load_one(self.0.id).await?;
        let ids: Vec<i32> = rows.unwrap_or_default().iter().map(|a| a.account_id).collect();
        let accounts = ctx.loader::<ById<account::Entity>>()?.load_many(ids.iter().copied()).await?;
        Ok(ids.iter().filter_map(|id| accounts.get(id).cloned().map(Account)).collect())
    }
    /// The minutes as last revised.
    async fn minutes(&self) -> Option<&str> {
        self.0.minutes.as_deref()
    }
    /// Every revision of the minutes, oldest first: who, when, what changed.
    async fn minutes_revisions(&self, ctx: &Context<'_>) -> ApiResult<Vec<CouncilMinutesRevision>> {
        let mut rows =
            ctx.loader::<ByColumn<council_minutes::Entity, Main>>()?.load_one(self.0.id).await?.unwrap_or_default();
        rows.sort_by_key(|r| r.revision);
        Ok(rows.into_iter().map(CouncilMinutesRevision).collect())
    }
    /// The community it belongs to.
    async fn community(&self, ctx: &Context<'_>) -> ApiResult<Option<Region>> {
        load_by_id::<region::Entity, _>(ctx, self.0.community_id, Region).await
    }
    /// The agenda: projects, reports and free topics, in order, each with
    /// its decision.
    async fn items(&self, ctx: &Context<'_>) -> ApiResult<Vec<CouncilAgendaItem>> {
        let mut items =
            ctx.loader::<ByColumn<council_agenda_item::Entity, Main>>()?.load_one(self.0.id).await?.unwrap_or_default();
        items.sort_by_key(|i| i.position);
        Ok(items.into_iter().map(CouncilAgendaItem).collect())
    }
    /// Projects on the agenda.
    #[graphql(deprecation = "Use `items`, which also lists reports and topics with their decisions.")]
    async fn agenda(&self, ctx: &Context<'_>) -> ApiResult<Vec<Project>> {
        let mut items =
            ctx.loader::<ByColumn<council_agenda_item::Entity, Main>>()?.load_one(self.0.id).await?.unwrap_or_default();
        items.sort_by_key(|i| i.position);
        let projects =
            ctx.loader::<ById<project::Entity>>()?.load_many(items.iter().filter_map(|i| i.project_id)).await?;
        Ok(items.iter().filter_map(|i| i.project_id.and_then(|p| projects.get(&p)).cloned().map(Project)).collect())
    }
    /// Every step, oldest first.
    async fn timeline(&self, ctx: &Context<'_>) -> ApiResult<Vec<CouncilMeetingEvent>> {
        let mut rows = ctx
            .loader::<ByColumn<council_meeting_event::Entity, Main>>()?
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        rows.sort_by_key(|e| (e.at, e.id));
        Ok(rows.into_iter().map(CouncilMeetingEvent).collect())
    }
}

/// An item on a council meeting's agenda.
pub struct CouncilAgendaItem(council_agenda_item::Model);

/// An item on a council meeting's agenda: a project, a report or a free
/// topic, with the council's decision.
#[Object]
impl CouncilAgendaItem {
    /// The item's id (for `recordCouncilDecision`; not a node id).
    async fn item_id(&self) -> ID {
        ids::encode(ITEM, self.0.id)
    }
    /// 1 for the first item.
    async fn position(&self) -> i32 {
        self.0.position + 1
    }
    /// The project discussed.
    async fn project(&self, ctx: &Context<'_>) -> ApiResult<Option<Project>> {
        load_by_id::<project::Entity, _>(ctx, self.0.project_id, Project).await
    }
    /// The report discussed, if the viewer may read it.
    async fn report(&self, ctx: &Context<'_>) -> ApiResult<Option<Report>> {
        load_by_id::<report::Entity, _>(ctx, self.0.report_id, Report).await
    }
    /// A free topic.
    async fn topic(&self) -> Option<&str> {
        self.0.topic.as_deref()
    }
    /// What the council decided.
    async fn decision(&self) -> Option<&str> {
        self.0.decision.as_deref()
    }
    /// When the decision was recorded.
    async fn decided_at(&self) -> Option<DateTime> {
        self.0.decided_at.map(Into::into)
    }
    /// The project whose vote the decision rests on.
    async fn vote(&self, ctx: &Context<'_>) -> ApiResult<Option<Project>> {
        load_by_id::<project::Entity, _>(ctx, self.0.vote_project_id, Project).await
    }
}

/// The type name in an agenda item's opaque id (items are read through
/// their meeting, never by `node`).
pub(crate) const ITEM: &str = "CouncilAgendaItem";

/// A revision of a meeting's minutes.
pub struct CouncilMinutesRevision(council_minutes::Model);

/// A revision of a meeting's minutes: never overwritten.
#[Object]
impl CouncilMinutesRevision {
    /// 1 for the minutes as first recorded.
    async fn revision(&self) -> i32 {
        self.0.revision
    }
    /// The text of this revision.
    async fn minutes(&self) -> &str {
        &self.0.text
    }
    /// Who recorded it (null for minutes recorded before revisions were kept).
    async fn actor(&self, ctx: &Context<'_>) -> ApiResult<Option<Account>> {
        load_by_id::<account::Entity, _>(ctx, self.0.account_id, Account).await
    }
    /// What this revision changed.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// When.
    async fn at(&self) -> DateTime {
        self.0.at.into()
    }
}

/// One step of a council meeting's timeline.
pub struct CouncilMeetingEvent(council_meeting_event::Model);

/// One step of a council meeting's timeline: the same core fields as every
/// timeline.
#[Object]
impl CouncilMeetingEvent {
    /// What happened.
    async fn kind(&self) -> MeetingEventKind {
        self.0.kind.into()
    }
    /// When.
    async fn at(&self) -> DateTime {
        self.0.at.into()
    }
    /// Who acted.
    async fn actor(&self, ctx: &Context<'_>) -> ApiResult<Option<Account>> {
        load_by_id::<account::Entity, _>(ctx, self.0.account_id, Account).await
    }
    /// The role they acted in.
    async fn role(&self) -> Option<Role> {
        self.0.role.map(Into::into)
    }
    /// The organisation they acted for, if any.
    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        load_by_id::<organisation::Entity, _>(ctx, self.0.organisation_id, Organisation).await
    }
    /// The note: a reason, a change, a decision.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
}

/// A member of a community's residents' council (议事代表).
pub struct CouncilMember(pub(crate) council_member::Model);

/// A member of a community's residents' council (议事代表).
#[Object]
impl CouncilMember {
    /// The member's id (for `removeCouncilMember`; not a node id).
    async fn member_id(&self) -> ID {
        ids::encode(MEMBER, self.0.id)
    }
    /// The person.
    async fn person(&self, ctx: &Context<'_>) -> ApiResult<Option<Account>> {
        load_by_id::<account::Entity, _>(ctx, self.0.account_id, Account).await
    }
    /// Since when.
    async fn since(&self) -> DateTime {
        self.0.added_at.into()
    }
}

/// The type name in a council member's opaque id.
pub(crate) const MEMBER: &str = "CouncilMember";

crate::node_type!(CouncilMeeting, "CouncilMeeting", council_meeting, crate::projects::policy::visible_meetings);
