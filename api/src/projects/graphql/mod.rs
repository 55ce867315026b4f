//! GraphQL of shared projects and deliberation, by sub-domain: the project
//! type ([`types`]), its lifecycle, voting, the work on it, comments, council
//! meetings, and the queries and subscription. Each sub-domain contributes
//! its part of the domain's mutation root.

pub mod comments;
pub mod council;
pub mod lifecycle;
pub mod queries;
pub mod types;
pub mod voting;
pub mod work;

use async_graphql::MergedObject;

pub use comments::ProjectComment;
pub use council::CouncilMeeting;
pub use queries::{ProjectEvent, ProjectsQuery, ProjectsSubscription};
pub use types::{Project, ProjectStatus};
pub use voting::Evaluation;
pub use work::{ProjectTask, ProjectUpdate};

/// Who is shown which of this domain's fields: each from the role-level
/// permission its service checks (see `graphql::surface`).
pub mod shown {
    use crate::projects::policy::{ProjectAction, ProjectsPermission};

    crate::shown! {
        read_projects => ProjectsPermission::ReadProjects;
        read_meetings => ProjectsPermission::ReadMeetings;
        run_council => ProjectsPermission::RunCouncil;
        manage_settings => ProjectsPermission::ManageSettings;
        propose => ProjectAction::Submit;
        deliberate => ProjectAction::StartDeliberation;
        decide => ProjectAction::Approve;
        endorse => ProjectAction::Endorse;
        cancel => ProjectAction::Cancel;
        start => ProjectAction::Start;
        lead => ProjectAction::Complete;
        comment => ProjectAction::Comment;
        vote => ProjectAction::Vote;
    }
}

/// The projects domain's mutations.
#[derive(MergedObject, Default)]
pub struct ProjectsMutation(
    lifecycle::LifecycleMutation,
    voting::VotingMutation,
    work::WorkMutation,
    comments::CommentsMutation,
    council::CouncilMutation,
);
