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

/// The projects domain's mutations.
#[derive(MergedObject, Default)]
pub struct ProjectsMutation(
    lifecycle::LifecycleMutation,
    voting::VotingMutation,
    work::WorkMutation,
    comments::CommentsMutation,
    council::CouncilMutation,
);
