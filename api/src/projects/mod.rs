//! Shared projects (共治项目) and deliberation (居民议事会): proposals, the
//! checked lifecycle, participants, tasks, progress updates, comments,
//! council meetings, secret votes and evaluations.
//!
//! Lifecycle: DRAFT → PROPOSED → DELIBERATING → VOTING → APPROVED | REJECTED
//! → IN_PROGRESS → COMPLETED → EVALUATED, and CANCELLED from any open state
//! (DRAFT up to IN_PROGRESS). Who may make each move is decided in
//! [`policy::authorize_project`]; from which state, in the transition table
//! [`lifecycle::LIFECYCLE`].

pub mod council;
pub mod graphql;
pub mod lifecycle;
pub mod loaders;
pub mod policy;
pub mod service;
pub mod voting;

use async_graphql::Enum;
use entity::{council_agenda_item, council_meeting, project, project_comment, project_participant, project_task};
use entity::{project_transition, project_update};
use serde::{Deserialize, Serialize};

use crate::graphql::loaders::{Loaders, Main};

crate::verbs! {
    /// What project mutations do, as recorded in the audit log.
    pub enum Verbs {
        ProjectCreate = "project.create",
        ProjectEdit = "project.edit",
        ProjectSubmit = "project.submit",
        ProjectStartDeliberation = "project.start_deliberation",
        ProjectOpenVoting = "project.open_voting",
        ProjectCloseVoting = "project.close_voting",
        ProjectEndorse = "project.endorse",
        ProjectApprove = "project.approve",
        ProjectReject = "project.reject",
        ProjectCancel = "project.cancel",
        ProjectStart = "project.start",
        ProjectComplete = "project.complete",
        ProjectCloseEvaluation = "project.close_evaluation",
        ProjectAddParticipant = "project.add_participant",
        ProjectCreateTask = "project.create_task",
        ProjectCompleteTask = "project.complete_task",
        ProjectPostUpdate = "project.post_update",
        ProjectEvaluate = "project.evaluate",
        CommentCreate = "comment.create",
        CommentEdit = "comment.edit",
        CommentRemove = "comment.remove",
        CouncilCreateMeeting = "council.create_meeting",
        CouncilRecordMeeting = "council.record_meeting",
        CouncilReschedule = "council.reschedule_meeting",
        CouncilCancel = "council.cancel_meeting",
        CouncilDecide = "council.decide",
        CouncilAddMember = "council.add_member",
        CouncilRemoveMember = "council.remove_member",
        CommunityUpdateSettings = "community.update_settings",
    }
}

/// What happened to a project, as delivered by `projectEvents`.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ProjectEventKind {
    /// The project moved to another status.
    Transition,
    /// The proposer edited the proposal.
    Edit,
    /// An implementer posted a progress update.
    Update,
    /// A comment was added, edited or removed.
    Comment,
    /// The vote's counts changed (live tallies only) or were frozen at close.
    Tally,
    /// A task was created or completed.
    Task,
    /// An organisation joined the project.
    Participant,
    /// A resident rated the completed project.
    Evaluation,
    /// The party organisation endorsed the project (its status unchanged).
    Endorsement,
}

pub fn register_loaders(l: &mut Loaders<'_>) {
    l.visible_by_id::<project::Entity>(policy::visible_projects);
    l.visible_by_id::<council_meeting::Entity>(policy::visible_meetings);
    l.by_column::<project_participant::Entity, Main>(project_participant::Column::ProjectId);
    l.by_column::<project_task::Entity, Main>(project_task::Column::ProjectId);
    l.first_per_parent::<project_task::Entity, Main>(project_task::Column::ProjectId);
    l.by_column::<project_update::Entity, Main>(project_update::Column::ProjectId);
    l.by_column::<project_comment::Entity, Main>(project_comment::Column::ProjectId);
    l.first_per_parent::<project_comment::Entity, Main>(project_comment::Column::ProjectId);
    l.by_column::<project_transition::Entity, Main>(project_transition::Column::ProjectId);
    l.by_column::<council_agenda_item::Entity, Main>(council_agenda_item::Column::MeetingId);
    l.by_column::<entity::council_attendee::Entity, Main>(entity::council_attendee::Column::MeetingId);
    l.by_column::<entity::council_minutes::Entity, Main>(entity::council_minutes::Column::MeetingId);
    l.by_column::<entity::council_meeting_event::Entity, Main>(entity::council_meeting_event::Column::MeetingId);
    let db = l.db.clone();
    let viewer = l.viewer;
    l.add(loaders::TallyLoader(db.clone()));
    l.add(loaders::EvaluationSummaryLoader(db.clone()));
    l.add(loaders::LatestUpdatesLoader(db.clone()));
    l.add(loaders::ViewerVoteLoader { db: db.clone(), account_id: viewer });
    l.add(loaders::ViewerEvaluationLoader { db, account_id: viewer });
}
