//! Authorisation, in one place. Every resolver asks this module "may this
//! principal do this", and every list query takes its SQL filter from here,
//! so rows outside a principal's scope are never loaded at all. Anything not
//! explicitly allowed below is denied.
//!
//! Directory data (the region tree, buildings, organisations) is public to
//! every authenticated principal: it names places and institutions, not
//! people. Personal data (real name, phone) is shown only to the person, to
//! the committee of a community the person belongs to, and to platform
//! admins; everyone else sees `null`.

use entity::enums::Role;
use entity::{membership, region};
use sea_orm::sea_query::{Expr, ExprTrait, Query, SimpleExpr};
use sea_orm::{ColumnTrait, Condition};

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};

/// Coarse actions, checked before touching any object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Read regions, buildings, organisations.
    ReadDirectory,
    /// Create regions, buildings, organisations; set service areas.
    ManageDirectory,
    /// List accounts (then filtered by [`accounts_filter`]).
    ReadAccounts,
    /// Create accounts and grant or remove memberships.
    ManageAccounts,
    /// List, create and revoke API clients.
    ManageApiClients,
    /// Read the audit log / change feed (then filtered by [`audit_filter`]).
    ReadAuditLog,
}

const COMMUNITY_ROLES: [Role; 3] = [Role::Resident, Role::BuildingHead, Role::CommunityCommittee];

pub fn is_community_role(role: Role) -> bool {
    COMMUNITY_ROLES.contains(&role)
}

/// May the principal perform `action` at all?
pub fn authorize(p: &Principal, action: Action) -> ApiResult<()> {
    use Action::*;
    use Role::*;
    let allowed = match action {
        ReadDirectory => true,
        ManageDirectory | ManageAccounts | ManageApiClients => p.role == PlatformAdmin,
        ReadAccounts => p.role != DistrictSystem && p.api_client_id().is_none(),
        ReadAuditLog => matches!(p.role, PlatformAdmin | GovernmentOffice | CommunityCommittee),
    };
    if allowed { Ok(()) } else { Err(ApiError::forbidden(format!("{:?} may not {:?}", p.role, action))) }
}

fn never() -> SimpleExpr {
    Expr::cust("1 = 0")
}

/// `col IN (communities under the principal's region)`, by materialised path.
fn in_communities_under(col: impl ColumnTrait, path: &str) -> SimpleExpr {
    col.in_subquery(
        Query::select()
            .column(region::Column::Id)
            .from(region::Entity)
            .and_where(region::Column::Path.like(format!("{path}%")))
            .to_owned(),
    )
}

/// SQL condition on a `community_id` column: the communities whose data the
/// principal may read.
pub fn communities_filter(p: &Principal, col: impl ColumnTrait) -> Condition {
    let expr = match p.role {
        Role::PlatformAdmin => return Condition::all(),
        Role::Resident | Role::BuildingHead | Role::CommunityCommittee => match p.scope.community_id {
            Some(c) => col.eq(c),
            None => never(),
        },
        Role::GovernmentOffice | Role::DistrictSystem => match &p.scope.region_path {
            Some(path) => in_communities_under(col, path),
            None => never(),
        },
        Role::SocialOrganization | Role::PropertyCompany => match p.scope.organisation_id {
            Some(o) => col.in_subquery(
                Query::select()
                    .column(entity::organisation_community::Column::CommunityId)
                    .from(entity::organisation_community::Entity)
                    .and_where(entity::organisation_community::Column::OrganisationId.eq(o))
                    .to_owned(),
            ),
            None => never(),
        },
    };
    Condition::all().add(expr)
}

/// SQL condition on `accounts.id`: the accounts the principal may list.
/// Community roles see the people of their community, offices the people of
/// their region, organisations their own members; machine clients nobody.
pub fn accounts_filter(p: &Principal, id_col: impl ColumnTrait) -> Condition {
    let members = |cond: SimpleExpr| {
        Query::select().column(membership::Column::AccountId).from(membership::Entity).and_where(cond).to_owned()
    };
    if p.api_client_id().is_some() {
        return Condition::all().add(never());
    }
    let scoped = match p.role {
        Role::PlatformAdmin => return Condition::all(),
        Role::Resident | Role::BuildingHead | Role::CommunityCommittee => match p.scope.community_id {
            Some(c) => id_col.in_subquery(members(
                membership::Column::RegionId.eq(c).and(membership::Column::Role.is_in(COMMUNITY_ROLES)),
            )),
            None => never(),
        },
        Role::GovernmentOffice => match &p.scope.region_path {
            Some(path) => id_col.in_subquery(members(in_communities_under(membership::Column::RegionId, path))),
            None => never(),
        },
        Role::SocialOrganization | Role::PropertyCompany => match p.scope.organisation_id {
            Some(o) => id_col.in_subquery(members(membership::Column::OrganisationId.eq(o))),
            None => never(),
        },
        Role::DistrictSystem => never(),
    };
    let mut cond = Condition::any().add(scoped);
    if let Some(me) = p.account_id() {
        cond = cond.add(id_col.eq(me));
    }
    cond
}

/// May the principal see an account's personal fields (real name, phone,
/// memberships)? `account_communities` are the communities the account holds
/// a community role in.
pub fn may_see_personal(p: &Principal, account_id: i32, account_communities: &[i32]) -> bool {
    if p.account_id() == Some(account_id) || p.role == Role::PlatformAdmin {
        return true;
    }
    p.role == Role::CommunityCommittee
        && p.api_client_id().is_none()
        && p.scope.community_id.is_some_and(|c| account_communities.contains(&c))
}

/// SQL condition on the audit log: admins read everything, offices and
/// committees the entries about communities in their scope. The feed never
/// shows more than the objects it names: entries about a DRAFT project (and
/// comments on one) are hidden from everyone but its proposer, as the draft
/// itself is (platform admins see drafts, and so their entries). Legacy
/// per-ballot rows (`project.vote`, written before ballots stopped being
/// logged one by one) are hidden from everyone.
pub fn audit_filter(p: &Principal) -> Condition {
    use entity::audit_log::Column as A;
    use entity::{project, project_comment};
    let scope = match p.role {
        Role::PlatformAdmin => Condition::all(),
        Role::GovernmentOffice | Role::CommunityCommittee => communities_filter(p, A::CommunityId),
        _ => return Condition::all().add(never()),
    };
    let legacy_ballots = A::Action.ne("project.vote");
    if p.role == Role::PlatformAdmin {
        return scope.add(legacy_ballots);
    }
    let mut foreign_drafts = Query::select()
        .column(project::Column::Id)
        .from(project::Entity)
        .and_where(project::Column::Status.eq(entity::enums::ProjectStatus::Draft))
        .to_owned();
    if let Some(me) = p.account_id() {
        foreign_drafts.and_where(project::Column::ProposerAccountId.ne(me));
    }
    let comments_on_foreign_drafts = Query::select()
        .column(project_comment::Column::Id)
        .from(project_comment::Entity)
        .and_where(project_comment::Column::ProjectId.in_subquery(foreign_drafts.clone()))
        .to_owned();
    let not_about_draft = |ty: &str, ids: sea_orm::sea_query::SelectStatement| {
        Condition::any().add(A::ObjectType.ne(ty)).add(A::ObjectId.is_null()).add(A::ObjectId.not_in_subquery(ids))
    };
    scope
        .add(legacy_ballots)
        .add(not_about_draft("Project", foreign_drafts))
        .add(not_about_draft("ProjectComment", comments_on_foreign_drafts))
}

// ---------------------------------------------------------------------------
// Shared projects and deliberation
// ---------------------------------------------------------------------------

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
    Approve,
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

/// What the policy needs to know about one project and the principal's
/// relation to it; loaded by the service before asking.
pub struct ProjectFacts {
    pub community_id: i32,
    /// Materialised path of the project's community.
    pub community_path: String,
    pub proposer_account_id: i32,
    pub status: entity::enums::ProjectStatus,
    /// The participation roles of the principal's organisation in this project.
    pub my_participation: Vec<entity::enums::ParticipationRole>,
}

fn in_community(p: &Principal, community_id: i32) -> bool {
    is_community_role(p.role) && p.scope.community_id == Some(community_id) && p.account_id().is_some()
}

fn office_over(p: &Principal, community_path: &str) -> bool {
    p.role == Role::GovernmentOffice
        && p.account_id().is_some()
        && p.scope.region_path.as_deref().is_some_and(|r| community_path.starts_with(r))
}

fn is_resident_of(p: &Principal, community_id: i32) -> bool {
    matches!(p.role, Role::Resident | Role::BuildingHead) && in_community(p, community_id)
}

fn is_committee_of(p: &Principal, community_id: i32) -> bool {
    p.role == Role::CommunityCommittee && in_community(p, community_id)
}

/// May the principal propose projects in this community? Residents, building
/// heads and the committee of the community, and staff of organisations
/// serving it (`serves` says whether the principal's organisation does).
pub fn may_propose_in(p: &Principal, community_id: i32, serves: bool) -> ApiResult<()> {
    let org_staff = matches!(p.role, Role::SocialOrganization | Role::PropertyCompany) && p.account_id().is_some();
    if in_community(p, community_id) || (org_staff && serves) {
        Ok(())
    } else {
        Err(ApiError::forbidden("you may not propose projects in this community"))
    }
}

/// May the principal do `action` to the project? Only the role is checked
/// here; whether the project's state allows it is the service's business.
pub fn authorize_project(p: &Principal, action: ProjectAction, f: &ProjectFacts) -> ApiResult<()> {
    use ParticipationRole::*;
    use ProjectAction::*;
    use entity::enums::ParticipationRole;
    let participates = |roles: &[ParticipationRole]| {
        matches!(p.role, Role::SocialOrganization | Role::PropertyCompany)
            && p.account_id().is_some()
            && f.my_participation.iter().any(|r| roles.contains(r))
    };
    let is_proposer = p.account_id() == Some(f.proposer_account_id);
    let allowed = match action {
        Submit | Edit => is_proposer,
        StartDeliberation | OpenVoting | CloseVoting | CloseEvaluation => is_committee_of(p, f.community_id),
        RemoveComment => is_committee_of(p, f.community_id),
        Approve | Reject | AddParticipant => office_over(p, &f.community_path),
        Cancel => {
            office_over(p, &f.community_path)
                || (is_proposer
                    && matches!(f.status, entity::enums::ProjectStatus::Draft | entity::enums::ProjectStatus::Proposed))
        }
        Start => office_over(p, &f.community_path) || participates(&[Lead]),
        Complete => participates(&[Lead]),
        CreateTask => office_over(p, &f.community_path) || participates(&[Lead]),
        // Any participating organisation may complete tasks; the service
        // narrows it to the lead (any task) and the assignee (its own), so a
        // SUPERVISOR or FUNDER assigned a task (an inspection, a payment)
        // can close it.
        CompleteTask => participates(&[Lead, Implementer, Funder, Supervisor]),
        PostUpdate => participates(&[Lead, Implementer]),
        // Anyone who can read the project (checked by the caller's lookup)
        // and is a person, not a machine.
        Comment => p.account_id().is_some() && p.role != Role::PlatformAdmin,
        Vote | Evaluate => is_resident_of(p, f.community_id),
    };
    if allowed { Ok(()) } else { Err(ApiError::forbidden(format!("{:?} may not {:?} this project", p.role, action))) }
}

/// SQL condition on `projects`: the projects the principal may read. Drafts
/// are visible only to their proposer. Machine clients read no projects
/// (district systems use indicators).
pub fn projects_filter(p: &Principal) -> Condition {
    use entity::project;
    if p.api_client_id().is_some() {
        return Condition::all().add(never());
    }
    if p.role == Role::PlatformAdmin {
        return Condition::all();
    }
    let mut scope = Condition::any().add(communities_filter(p, project::Column::CommunityId));
    if let (Role::SocialOrganization | Role::PropertyCompany, Some(o)) = (p.role, p.scope.organisation_id) {
        scope = scope.add(
            project::Column::Id.in_subquery(
                Query::select()
                    .column(entity::project_participant::Column::ProjectId)
                    .from(entity::project_participant::Entity)
                    .and_where(entity::project_participant::Column::OrganisationId.eq(o))
                    .to_owned(),
            ),
        );
    }
    let mut not_draft = Condition::any().add(project::Column::Status.ne(entity::enums::ProjectStatus::Draft));
    if let Some(me) = p.account_id() {
        not_draft = not_draft.add(project::Column::ProposerAccountId.eq(me));
    }
    Condition::all().add(scope).add(not_draft)
}

/// May the principal run this community's council meetings? Its committee only.
pub fn may_run_council(p: &Principal, community_id: i32) -> ApiResult<()> {
    if is_committee_of(p, community_id) {
        Ok(())
    } else {
        Err(ApiError::forbidden("only the community committee runs council meetings"))
    }
}

/// May the principal set this community's deliberation rules? Its committee,
/// or a platform admin.
pub fn may_manage_community(p: &Principal, community_id: i32) -> ApiResult<()> {
    if is_committee_of(p, community_id) || p.role == Role::PlatformAdmin {
        Ok(())
    } else {
        Err(ApiError::forbidden("only the community committee may do this"))
    }
}

/// May the principal read this community's council meetings?
pub fn may_read_community(p: &Principal, community_id: i32, community_path: &str, serves: bool) -> bool {
    p.api_client_id().is_none()
        && (p.role == Role::PlatformAdmin
            || in_community(p, community_id)
            || office_over(p, community_path)
            || (matches!(p.role, Role::SocialOrganization | Role::PropertyCompany) && serves))
}
