//! The enums of shared projects.

use async_graphql::Enum;

/// What a project is about.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::ProjectCategory")]
pub enum ProjectCategory {
    /// Greenery, cleanliness, waste sorting (环境).
    Environment,
    /// Care and facilities for older residents (养老).
    ElderlyCare,
    /// Safety and security (安全).
    Safety,
    /// Culture, sports and community life (文化).
    Culture,
    /// Shared facilities and repairs (设施).
    Facilities,
    /// Children and families (儿童).
    Children,
    /// Anything else.
    Other,
}

/// Lifecycle state. DRAFT → PROPOSED → DELIBERATING → VOTING → APPROVED |
/// REJECTED → IN_PROGRESS → COMPLETED → EVALUATED; CANCELLED from any state
/// up to IN_PROGRESS.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::ProjectStatus")]
pub enum ProjectStatus {
    /// Being written; visible only to its proposer (and platform admins).
    Draft,
    /// Submitted to the community.
    Proposed,
    /// Under discussion by the residents' council.
    Deliberating,
    /// Residents are voting (or the vote closed and awaits the office).
    Voting,
    /// Approved by the office after a passed vote.
    Approved,
    /// Rejected by the office.
    Rejected,
    /// Being carried out.
    InProgress,
    /// Work done; residents may evaluate it.
    Completed,
    /// Evaluation closed: the project is finished.
    Evaluated,
    /// Cancelled before completion.
    Cancelled,
}

/// How an organisation takes part in a project.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::ParticipationRole")]
pub enum ParticipationRole {
    /// Leads the work and may start and complete the project.
    Lead,
    /// Contributes money.
    Funder,
    /// Does part of the work and reports progress.
    Implementer,
    /// Oversees the work.
    Supervisor,
}

/// A ballot choice.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::VoteChoice")]
pub enum VoteChoice {
    /// For the project.
    Yes,
    /// Against the project.
    No,
    /// Counts towards turnout, not towards the threshold.
    Abstain,
}

/// Result of a closed vote.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::VoteOutcome")]
pub enum VoteOutcome {
    /// Quorum reached and YES above the threshold.
    Passed,
    /// Too few of the registered residents voted.
    FailedQuorum,
    /// Quorum reached, but YES did not exceed the threshold.
    FailedThreshold,
}

/// Whether a task is done.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::TaskStatus")]
pub enum TaskStatus {
    /// Not done yet.
    Open,
    /// Completed.
    Done,
}

/// Order of the `projects` list.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
pub enum ProjectOrder {
    /// Most recently created first.
    #[default]
    NewestFirst,
    /// Oldest first.
    OldestFirst,
}
