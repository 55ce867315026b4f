//! Who may do what to funds, allocations, expenditures and budget rounds,
//! and which rows each principal may see. One `visible_*` query per entity,
//! used by lists, loaders, `node` and the row a mutation loads before acting.
//!
//! Reading, in short:
//! - the office sees everything of the funds in its region (their ledger
//!   too); a platform admin sees everything;
//! - organisations see the allocations and expenditures of the projects they
//!   take part in, and the funds those come from;
//! - residents, building heads and the committee see the funds covering
//!   their community, their community's allocations and its *approved*
//!   expenditures (a person's name as payee is masked for them: see
//!   [`may_see_payee_name`]), and their community's budget rounds;
//! - the party organisation reads as the community's people do, for every
//!   community of its region (it oversees, it does not keep the books);
//! - machine clients (district systems) see nothing here: they read
//!   indicators.

use entity::enums::{ExpenditureStatus, ParticipationRole, Role};
use entity::{budget_round, fund, fund_allocation, fund_expenditure, fund_ledger};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, Select};

use crate::auth::Principal;
use crate::error::ApiResult;
use crate::policy::{
    Permission, communities_filter, is_committee_of, is_community_role, is_org_staff, is_person, is_resident_of, never,
    office_over, path_ids, people_only, require, under_region,
};
use crate::projects::policy::participating;

/// The role-level rules of this domain: what a principal of a role could
/// do to some fund or round in its scope. The object-level checks below
/// start from them, and the schema shows each mutation to exactly these
/// roles (`graphql::surface`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FundsPermission {
    /// Funds, allocations, expenditures, rounds: people of a role with a scope.
    ReadFunds,
    /// Create, freeze, close, allocate, decide expenditures, open and
    /// cancel rounds: government office staff.
    ManageFunds,
    /// Record an expenditure: staff of an organisation (the lead or an implementer).
    Spend,
    /// Put projects on a round's ballot, open its voting: the committee.
    PrepareRound,
    /// Close a round: the committee or the office.
    CloseRound,
    /// Cast a budget ballot: residents and building heads.
    Ballot,
}

impl Permission for FundsPermission {
    fn action(&self) -> crate::i18n::Msg {
        match self {
            Self::ReadFunds => t!("funds.perm.read"),
            Self::ManageFunds => t!("funds.perm.manage"),
            Self::Spend => t!("funds.perm.spend"),
            Self::PrepareRound => t!("funds.perm.prepare"),
            Self::CloseRound => t!("funds.perm.close"),
            Self::Ballot => t!("funds.perm.ballot"),
        }
    }

    fn allowed(&self, p: &Principal) -> bool {
        let office = p.role == Role::GovernmentOffice && is_person(p);
        let committee = p.role == Role::CommunityCommittee && is_person(p);
        match self {
            Self::ReadFunds => is_person(p) && p.role != Role::Person,
            Self::ManageFunds => office,
            Self::Spend => is_org_staff(p),
            Self::PrepareRound => committee,
            Self::CloseRound => committee || office,
            Self::Ballot => matches!(p.role, Role::Resident | Role::BuildingHead) && is_person(p),
        }
    }
}

/// Is the principal staff of the government office that owns the fund?
pub fn owns(p: &Principal, fund: &fund::Model) -> bool {
    FundsPermission::ManageFunds.allowed(p) && p.scope.organisation_id == Some(fund.organisation_id)
}

/// May the principal create a fund for the region with this path? A
/// government office, for its own region or one under it.
pub fn may_create_fund(p: &Principal, region_path: &str) -> ApiResult<()> {
    require(
        FundsPermission::ManageFunds.allowed(p) && p.scope.organisation_id.is_some() && office_over(p, region_path),
        t!("funds.government_office_create_funds_region"),
    )
}

/// Freeze, unfreeze, close; allocate; decide expenditures; open and cancel
/// rounds: the owning office.
pub fn may_manage(p: &Principal, fund: &fund::Model) -> ApiResult<()> {
    require(owns(p, fund), t!("funds.office_owns_fund_do"))
}

/// May the principal record an expenditure for a project, given its
/// organisation's roles in it? The lead or an implementer.
pub fn may_spend(p: &Principal, my_participation: &[ParticipationRole]) -> ApiResult<()> {
    require(
        FundsPermission::Spend.allowed(p)
            && my_participation.iter().any(|r| matches!(r, ParticipationRole::Lead | ParticipationRole::Implementer)),
        t!("funds.project_s_lead_implementing_organisations"),
    )
}

/// May the principal decide (approve or reject) this expenditure? The owning
/// office, and never the person or organisation that recorded it (an
/// account may hold memberships in both an office and an organisation).
pub fn may_decide(p: &Principal, fund: &fund::Model, x: &fund_expenditure::Model) -> ApiResult<()> {
    may_manage(p, fund)?;
    require(
        p.account_id() != Some(x.recorded_by_account_id)
            && p.scope.organisation_id != Some(x.recorded_by_organisation_id),
        t!("funds.you_not_decide_expenditure_you"),
    )
}

/// Put projects on a round's ballot and open its voting: the committee.
pub fn may_prepare_round(p: &Principal, round: &budget_round::Model) -> ApiResult<()> {
    require(
        FundsPermission::PrepareRound.allowed(p) && is_committee_of(p, round.community_id),
        t!("funds.community_committee_prepares_budget_round"),
    )
}

/// Close a round: the committee or the owning office.
pub fn may_close_round(p: &Principal, round: &budget_round::Model, fund: &fund::Model) -> ApiResult<()> {
    require(
        FundsPermission::CloseRound.allowed(p) && (is_committee_of(p, round.community_id) || owns(p, fund)),
        t!("funds.community_committee_owning_office_closes"),
    )
}

/// Cast a ballot: a resident or building head of the round's community.
pub fn may_vote(p: &Principal, round: &budget_round::Model) -> bool {
    FundsPermission::Ballot.allowed(p) && is_resident_of(p, round.community_id)
}

/// May the principal see the payee's name of an expenditure it can see? Not
/// community roles when the payee is a person (their neighbours' names stay
/// private); everyone else who can see the expenditure may.
pub fn may_see_payee_name(p: &Principal, x: &fund_expenditure::Model) -> bool {
    x.payee_type != entity::enums::PayeeType::Person || !reads_as_community(p)
}

/// Reads money as the community's people do: approved expenditures only,
/// a person's name as payee masked.
fn reads_as_community(p: &Principal) -> bool {
    is_community_role(p.role) || p.role == Role::PartyOrganisation
}

/// The condition of [`visible_funds`].
pub fn funds_condition(p: &Principal) -> Condition {
    if !is_person(p) {
        return Condition::all().add(never());
    }
    let expr = match p.role {
        Role::PlatformAdmin => return Condition::all(),
        Role::GovernmentOffice => match &p.scope.region_path {
            Some(path) => under_region(fund::Column::RegionId, path),
            None => never(),
        },
        // Funds covering the community: for its region or an ancestor.
        Role::Resident | Role::BuildingHead | Role::CommunityCommittee => match &p.scope.region_path {
            Some(path) if p.scope.community_id.is_some() => fund::Column::RegionId.is_in(path_ids(path)),
            _ => never(),
        },
        // Funds covering its region (an ancestor's) and those under it.
        Role::PartyOrganisation => match &p.scope.region_path {
            Some(path) => Condition::any()
                .add(fund::Column::RegionId.is_in(path_ids(path)))
                .add(under_region(fund::Column::RegionId, path))
                .into(),
            None => never(),
        },
        Role::SocialOrganization | Role::PropertyCompany => match p.scope.organisation_id {
            Some(o) => fund::Column::Id.in_subquery(
                Query::select()
                    .column(fund_allocation::Column::FundId)
                    .from(fund_allocation::Entity)
                    .and_where(fund_allocation::Column::ProjectId.in_subquery(participating(o)))
                    .to_owned(),
            ),
            None => never(),
        },
        Role::DistrictSystem | Role::Person => never(),
    };
    Condition::all().add(expr)
}

/// Funds the principal may read (see the module docs).
pub fn visible_funds(p: &Principal) -> Select<fund::Entity> {
    fund::Entity::find().filter(funds_condition(p))
}

/// Community-scoped money rows (allocations, expenditures): the office by
/// region, community roles their community, organisations the projects they
/// take part in.
fn money_condition(p: &Principal, community: impl ColumnTrait, project: impl ColumnTrait) -> Condition {
    if !is_person(p) {
        return Condition::all().add(never());
    }
    match p.role {
        Role::PlatformAdmin => Condition::all(),
        Role::GovernmentOffice
        | Role::Resident
        | Role::BuildingHead
        | Role::CommunityCommittee
        | Role::PartyOrganisation => communities_filter(p, community),
        Role::SocialOrganization | Role::PropertyCompany => match p.scope.organisation_id {
            Some(o) => Condition::all().add(project.in_subquery(participating(o))),
            None => Condition::all().add(never()),
        },
        Role::DistrictSystem | Role::Person => Condition::all().add(never()),
    }
}

/// Allocations the principal may read.
pub fn visible_allocations(p: &Principal) -> Select<fund_allocation::Entity> {
    fund_allocation::Entity::find().filter(money_condition(
        p,
        fund_allocation::Column::CommunityId,
        fund_allocation::Column::ProjectId,
    ))
}

/// Expenditures the principal may read: like allocations, and only the
/// approved ones for community roles.
pub fn visible_expenditures(p: &Principal) -> Select<fund_expenditure::Entity> {
    let mut c = money_condition(p, fund_expenditure::Column::CommunityId, fund_expenditure::Column::ProjectId);
    if reads_as_community(p) {
        c = c.add(fund_expenditure::Column::Status.eq(ExpenditureStatus::Approved));
    }
    fund_expenditure::Entity::find().filter(c)
}

/// Ledger entries: the offices over the fund's region and platform admins.
pub fn visible_ledger(p: &Principal) -> Select<fund_ledger::Entity> {
    let c = match (p.role, &p.scope.region_path) {
        _ if !is_person(p) => Condition::all().add(never()),
        (Role::PlatformAdmin, _) => Condition::all(),
        (Role::GovernmentOffice, Some(path)) => Condition::all().add(
            fund_ledger::Column::FundId.in_subquery(
                Query::select()
                    .column(fund::Column::Id)
                    .from(fund::Entity)
                    .and_where(under_region(fund::Column::RegionId, path))
                    .to_owned(),
            ),
        ),
        _ => Condition::all().add(never()),
    };
    fund_ledger::Entity::find().filter(c)
}

/// Budget rounds: public to the people of the community (and those who see
/// it: its office, the organisations serving it). Not machine clients.
pub fn visible_rounds(p: &Principal) -> Select<budget_round::Entity> {
    budget_round::Entity::find().filter(people_only(p)).filter(communities_filter(p, budget_round::Column::CommunityId))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::testing::*;

    #[test]
    fn fund_visibility_renders_per_role() {
        for role in ALL_ROLES {
            let w = sql(visible_funds(&principal(role)));
            match role {
                Role::PlatformAdmin => assert!(unrestricted(&w)),
                Role::GovernmentOffice => assert!(w.contains("LIKE '/1/2/%'"), "{w}"),
                Role::Resident | Role::BuildingHead | Role::CommunityCommittee => {
                    assert!(w.contains(r#""region_id" IN (1, 2, 4)"#), "{w}")
                }
                Role::SocialOrganization | Role::PropertyCompany => {
                    assert!(w.contains(r#""organisation_id" = 2"#), "{w}")
                }
                Role::PartyOrganisation => {
                    assert!(w.contains(r#""region_id" IN (1, 2, 4)"#) && w.contains("LIKE '/1/2/4/%'"), "{w}")
                }
                Role::DistrictSystem | Role::Person => assert!(w.contains("1 = 0"), "{w}"),
            }
        }
    }

    #[test]
    fn money_rows_render_per_role() {
        for role in ALL_ROLES {
            let p = principal(role);
            let (a, x, l) = (sql(visible_allocations(&p)), sql(visible_expenditures(&p)), sql(visible_ledger(&p)));
            match role {
                Role::PlatformAdmin => assert!(unrestricted(&a) && unrestricted(&x) && unrestricted(&l)),
                Role::GovernmentOffice => {
                    assert!(a.contains("LIKE '/1/2/%'") && x.contains("LIKE '/1/2/%'") && l.contains("LIKE '/1/2/%'"))
                }
                Role::PartyOrganisation => {
                    assert!(a.contains("LIKE '/1/2/4/%'") && x.contains(r#""status" = 'APPROVED'"#), "{x}");
                    assert!(l.contains("1 = 0"), "{l}");
                }
                Role::Resident | Role::BuildingHead | Role::CommunityCommittee => {
                    assert!(a.contains(r#""community_id" = 4"#), "{a}");
                    assert!(x.contains(r#""status" = 'APPROVED'"#), "{x}");
                    assert!(l.contains("1 = 0"), "{l}");
                }
                Role::SocialOrganization | Role::PropertyCompany => {
                    assert!(a.contains(r#""organisation_id" = 2"#) && !x.contains("APPROVED"), "{x}");
                    assert!(l.contains("1 = 0"), "{l}");
                }
                Role::DistrictSystem | Role::Person => {
                    assert!(a.contains("1 = 0") && x.contains("1 = 0") && l.contains("1 = 0"));
                    assert!(sql(visible_rounds(&p)).contains("1 = 0"));
                }
            }
        }
    }

    #[test]
    fn payee_names_of_people_are_masked_for_community_roles() {
        let mut x = fund_expenditure::Model {
            id: 1,
            allocation_id: 1,
            fund_id: 1,
            project_id: 1,
            community_id: COMMUNITY,
            amount_fen: 1,
            spent_on: chrono::NaiveDate::MIN,
            payee_name: "王师傅".into(),
            payee_type: entity::enums::PayeeType::Person,
            description: String::new(),
            receipt_ref: None,
            status: ExpenditureStatus::Approved,
            decision_reason: None,
            recorded_by_account_id: 1,
            recorded_by_organisation_id: 1,
            decided_by_account_id: None,
            decided_at: None,
            created_at: chrono::DateTime::UNIX_EPOCH,
        };
        assert!(!may_see_payee_name(&principal(Role::Resident), &x));
        assert!(may_see_payee_name(&principal(Role::GovernmentOffice), &x));
        x.payee_type = entity::enums::PayeeType::Business;
        assert!(may_see_payee_name(&principal(Role::Resident), &x));
    }
}
