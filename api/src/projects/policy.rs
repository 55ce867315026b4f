//! Who may do what to projects, and which rows of this domain each
//! principal may see. One `visible_*` query per entity, used by lists,
//! loaders, `node` and the row a mutation loads before acting.

use entity::enums::{ParticipationRole, ProjectStatus, Role};
use entity::{council_meeting, project, project_comment, project_participant, project_task, project_update};
use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, Select};

use crate::auth::Principal;
use crate::error::ApiResult;
use crate::lifecycle::Described;
use crate::policy::{
    Permission, communities_filter, in_community, is_committee_of, is_community_role, is_org_staff, is_person,
    is_resident_of, never, office_over, party_over, people_only, require,
};

/// What may be done to a project.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProjectAction {
    /// Submit a draft (the proposer).
    Submit,
    /// Edit the proposal before deliberation (the proposer).
    Edit,
    StartDeliberation,
    OpenVoting,
    CloseVoting,
    /// The party organisation endorses the project before the office approves.
    Endorse,
    Approve,
    /// Approved as a budget round's decision (the round's closer).
    ApproveByRound,
    Reject,
    Cancel,
    AddParticipant,
    Start,
    Complete,
    CreateTask,
    CompleteTask,
    PostUpdate,
    Comment,
    RemoveComment,
    Vote,
    Evaluate,
    CloseEvaluation,
}

impl crate::lifecycle::Described for ProjectAction {
    fn words(self) -> crate::i18n::Msg {
        match self {
            Self::Submit => t!("projects.action.submit"),
            Self::Edit => t!("projects.action.edit"),
            Self::StartDeliberation => t!("projects.action.start_deliberation"),
            Self::OpenVoting => t!("projects.action.open_voting"),
            Self::CloseVoting => t!("projects.action.close_voting"),
            Self::Endorse => t!("projects.action.endorse"),
            Self::Approve => t!("projects.action.approve"),
            Self::ApproveByRound => t!("projects.action.approve"),
            Self::Reject => t!("projects.action.reject"),
            Self::Cancel => t!("projects.action.cancel"),
            Self::AddParticipant => t!("projects.action.add_participant"),
            Self::Start => t!("projects.action.start"),
            Self::Complete => t!("projects.action.complete"),
            Self::CreateTask => t!("projects.action.create_task"),
            Self::CompleteTask => t!("projects.action.complete_task"),
            Self::PostUpdate => t!("projects.action.post_update"),
            Self::Comment => t!("projects.action.comment"),
            Self::RemoveComment => t!("projects.action.remove_comment"),
            Self::Vote => t!("projects.action.vote"),
            Self::Evaluate => t!("projects.action.evaluate"),
            Self::CloseEvaluation => t!("projects.action.close_evaluation"),
        }
    }
}

/// The role-level half of each action: could a principal of this role do
/// it to some project in its scope? [`authorize_project`] starts from it,
/// and the schema shows each action's mutation to exactly these roles
/// (`graphql::surface`).
impl Permission for ProjectAction {
    fn action(&self) -> crate::i18n::Msg {
        self.words()
    }

    fn allowed(&self, p: &Principal) -> bool {
        use ProjectAction::*;
        let community = is_community_role(p.role) && is_person(p);
        let office = p.role == Role::GovernmentOffice && is_person(p);
        let committee = p.role == Role::CommunityCommittee && is_person(p);
        let staff = is_org_staff(p);
        match self {
            // Proposers: people of a community and staff of organisations.
            Submit | Edit => community || staff,
            StartDeliberation | OpenVoting | CloseVoting | CloseEvaluation | RemoveComment => committee,
            Approve | Reject | AddParticipant => office,
            Endorse => p.role == Role::PartyOrganisation && is_person(p),
            ApproveByRound => office || committee,
            Cancel => office || community || staff,
            Start | CreateTask => office || staff,
            Complete | CompleteTask | PostUpdate => staff,
            Comment => is_person(p) && !matches!(p.role, Role::PlatformAdmin | Role::Person),
            Vote | Evaluate => matches!(p.role, Role::Resident | Role::BuildingHead) && is_person(p),
        }
    }
}

/// Reading projects and council meetings, and a community's settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProjectsPermission {
    /// Projects (and their tasks, updates, comments): everyone but machine
    /// district clients and people of no community.
    ReadProjects,
    /// Council meetings: the people of a community, offices, organisations
    /// serving it (see [`visible_meetings`]).
    ReadMeetings,
    /// Convene, schedule and record council meetings, keep the council's
    /// members: the committee and the party organisation.
    RunCouncil,
    /// Change a community's settings: its committee, platform admins.
    ManageSettings,
}

impl Permission for ProjectsPermission {
    fn action(&self) -> crate::i18n::Msg {
        match self {
            Self::ReadProjects => t!("projects.perm.read"),
            Self::ReadMeetings => t!("projects.perm.meetings"),
            Self::RunCouncil => t!("projects.perm.council"),
            Self::ManageSettings => t!("projects.perm.settings"),
        }
    }

    fn allowed(&self, p: &Principal) -> bool {
        match self {
            Self::ReadProjects => !matches!(p.role, Role::DistrictSystem | Role::Person),
            Self::ReadMeetings => is_person(p) && p.role != Role::Person,
            Self::RunCouncil => matches!(p.role, Role::CommunityCommittee | Role::PartyOrganisation) && is_person(p),
            Self::ManageSettings => {
                p.role == Role::PlatformAdmin || (p.role == Role::CommunityCommittee && is_person(p))
            }
        }
    }
}

/// What the policy needs to know about one project and the principal's
/// relation to it; loaded by the service before asking.
pub struct ProjectFacts {
    pub community_id: i32,
    /// Materialised path of the project's community.
    pub community_path: String,
    pub proposer_account_id: i32,
    /// The current status.
    pub status: ProjectStatus,
    /// The participation roles of the principal's organisation in this project.
    pub my_participation: Vec<ParticipationRole>,
}

/// May the principal propose projects in this community? Residents, building
/// heads and the committee of the community, and staff of organisations
/// serving it (`serves` says whether the principal's organisation does).
pub fn may_propose_in(p: &Principal, community_id: i32, serves: bool) -> ApiResult<()> {
    require(
        in_community(p, community_id) || (is_org_staff(p) && serves),
        t!("projects.you_not_propose_projects_community"),
    )
}

/// May the principal do `action` to the project? Only the role is checked
/// here; whether the project's state allows it is the transition table's.
pub fn authorize_project(p: &Principal, action: ProjectAction, f: &ProjectFacts) -> ApiResult<()> {
    use ParticipationRole::*;
    use ProjectAction::*;
    let participates =
        |roles: &[ParticipationRole]| is_org_staff(p) && f.my_participation.iter().any(|r| roles.contains(r));
    let is_proposer = p.account_id() == Some(f.proposer_account_id);
    let office = office_over(p, &f.community_path);
    let allowed = action.allowed(p)
        && match action {
            Submit | Edit => is_proposer,
            StartDeliberation | OpenVoting | CloseVoting | CloseEvaluation | RemoveComment => {
                is_committee_of(p, f.community_id)
            }
            Approve | Reject | AddParticipant => office,
            Endorse => party_over(p, &f.community_path),
            // The round's own policy decided who closes it.
            ApproveByRound => office || is_committee_of(p, f.community_id),
            Cancel => office || (is_proposer && matches!(f.status, ProjectStatus::Draft | ProjectStatus::Proposed)),
            Start | CreateTask => office || participates(&[Lead]),
            Complete => participates(&[Lead]),
            // Any participating organisation may complete tasks; the service
            // narrows it to the lead (any task) and the assignee (its own), so a
            // SUPERVISOR or FUNDER assigned a task (an inspection, a payment)
            // can close it.
            CompleteTask => participates(&[Lead, Implementer, Funder, Supervisor]),
            PostUpdate => participates(&[Lead, Implementer]),
            // Anyone who can read the project (checked by the caller's lookup)
            // and is a person taking part, not a machine or an operator.
            Comment => is_person(p) && p.role != Role::PlatformAdmin,
            Vote | Evaluate => is_resident_of(p, f.community_id),
        };
    if allowed { Ok(()) } else { Err(crate::policy::refusal_on(p, action.words(), t!("projects.this_project"))) }
}

/// May the principal run this community's council (its meetings, their
/// agendas and records, its members)? Its committee, and the party
/// organisation over it, which convenes the council (`community_path`: the
/// community's materialised path).
pub fn may_run_council(p: &Principal, community_id: i32, community_path: &str) -> ApiResult<()> {
    require(
        ProjectsPermission::RunCouncil.allowed(p)
            && (is_committee_of(p, community_id) || party_over(p, community_path)),
        t!("projects.community_committee_runs_council_meetings"),
    )
}

/// May the principal set this community's deliberation rules? Its committee,
/// or a platform admin.
pub fn may_manage_community(p: &Principal, community_id: i32) -> ApiResult<()> {
    require(is_committee_of(p, community_id) || p.role == Role::PlatformAdmin, t!("projects.community_committee_do"))
}

/// Projects the principal's organisation takes part in.
pub fn participating(organisation_id: i32) -> SelectStatement {
    Query::select()
        .column(project_participant::Column::ProjectId)
        .from(project_participant::Entity)
        .and_where(project_participant::Column::OrganisationId.eq(organisation_id))
        .to_owned()
}

/// The condition of [`visible_projects`], for use inside other queries.
pub fn projects_condition(p: &Principal) -> Condition {
    if p.api_client_id().is_some() {
        return Condition::all().add(never());
    }
    if p.role == Role::PlatformAdmin {
        return Condition::all();
    }
    let mut scope = Condition::any().add(communities_filter(p, project::Column::CommunityId));
    if let (Role::SocialOrganization | Role::PropertyCompany, Some(o)) = (p.role, p.scope.organisation_id) {
        scope = scope.add(project::Column::Id.in_subquery(participating(o)));
    }
    let mut not_draft = Condition::any().add(project::Column::Status.ne(ProjectStatus::Draft));
    if let Some(me) = p.account_id() {
        not_draft = not_draft.add(project::Column::ProposerAccountId.eq(me));
    }
    Condition::all().add(scope).add(not_draft)
}

/// The projects the principal may read: their communities' (residents,
/// committee), their region's (offices), those of the communities an
/// organisation serves and those it takes part in, all for platform admins.
/// Drafts only for their proposer (and platform admins). Machine clients
/// read none (district systems use indicators).
pub fn visible_projects(p: &Principal) -> Select<project::Entity> {
    project::Entity::find().filter(projects_condition(p))
}

/// Ids of the projects the principal may read, as a subquery.
fn visible_project_ids(p: &Principal) -> SelectStatement {
    Query::select().column(project::Column::Id).from(project::Entity).cond_where(projects_condition(p)).to_owned()
}

/// Tasks, updates and comments: visible with their project.
pub fn visible_tasks(p: &Principal) -> Select<project_task::Entity> {
    project_task::Entity::find().filter(project_task::Column::ProjectId.in_subquery(visible_project_ids(p)))
}

pub fn visible_updates(p: &Principal) -> Select<project_update::Entity> {
    project_update::Entity::find().filter(project_update::Column::ProjectId.in_subquery(visible_project_ids(p)))
}

pub fn visible_comments(p: &Principal) -> Select<project_comment::Entity> {
    project_comment::Entity::find().filter(project_comment::Column::ProjectId.in_subquery(visible_project_ids(p)))
}

/// Council meetings: readable by the people of the community, the offices
/// over it, the organisations serving it, and platform admins.
pub fn visible_meetings(p: &Principal) -> Select<council_meeting::Entity> {
    council_meeting::Entity::find()
        .filter(people_only(p))
        .filter(communities_filter(p, council_meeting::Column::CommunityId))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::testing::*;

    #[test]
    fn visible_projects_per_role() {
        for role in ALL_ROLES {
            let s = sql(visible_projects(&principal(role)));
            match role {
                Role::PlatformAdmin => assert!(unrestricted(&s), "{s}"),
                Role::DistrictSystem => assert!(s.contains("1 = 0"), "machine clients read no projects: {s}"),
                Role::Person => assert!(s.contains("1 = 0"), "a person outside the community reads none: {s}"),
                Role::Resident | Role::BuildingHead | Role::CommunityCommittee => {
                    assert!(s.contains(r#""community_id" = 4"#), "{s}");
                    assert!(s.contains(r#""status" <> 'DRAFT' OR "projects"."proposer_account_id" = 7"#), "{s}");
                }
                Role::GovernmentOffice => assert!(s.contains("LIKE '/1/2/%'"), "{s}"),
                Role::PartyOrganisation => assert!(s.contains("LIKE '/1/2/4/%'"), "{s}"),
                Role::SocialOrganization | Role::PropertyCompany => {
                    assert!(s.contains(r#""project_participants""#), "participating projects too: {s}")
                }
            }
        }
    }

    #[test]
    fn children_follow_their_project() {
        let s = sql(visible_comments(&principal(Role::Resident)));
        assert!(
            s.contains(r#""project_id" IN (SELECT "id" FROM "projects""#) && s.contains(r#""community_id" = 4"#),
            "{s}"
        );
        assert!(sql(visible_tasks(&principal(Role::DistrictSystem))).contains("1 = 0"));
        assert!(sql(visible_updates(&principal(Role::PlatformAdmin))).contains("IN (SELECT"));
    }

    #[test]
    fn meetings_are_for_people_in_scope() {
        assert!(sql(visible_meetings(&principal(Role::DistrictSystem))).contains("1 = 0"));
        assert!(sql(visible_meetings(&principal(Role::CommunityCommittee))).contains(r#""community_id" = 4"#));
    }
}
