//! Accounts, memberships and API clients: who may see whom, and whose
//! personal data. Community roles see the people of their community, offices
//! the people of their region, organisations their own members; machine
//! clients nobody. Personal fields (real name, phone, memberships) only to
//! the person, the committee of a community the person belongs to, and
//! platform admins.

use entity::enums::Role;
use entity::{account, api_client, membership};
use sea_orm::sea_query::{Query, SelectStatement, SimpleExpr};
use sea_orm::{ColumnTrait, Condition, EntityTrait, ExprTrait, QueryFilter, Select};

use crate::auth::Principal;
use crate::error::ApiResult;
use crate::policy::{COMMUNITY_ROLES, Permission, never, under_region};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountsPermission {
    /// List accounts (then filtered by [`accounts_filter`]).
    ReadAccounts,
    /// Create accounts and grant or remove memberships.
    ManageAccounts,
    /// List, create and revoke API clients.
    ManageApiClients,
    /// Disable, enable and reset the password of accounts (then checked per
    /// account by [`may_manage_account`]).
    ManageAccountState,
}

impl Permission for AccountsPermission {
    fn action(&self) -> crate::i18n::Msg {
        match self {
            Self::ReadAccounts => t!("accounts.perm.read"),
            Self::ManageAccounts => t!("accounts.perm.manage"),
            Self::ManageApiClients => t!("accounts.perm.clients"),
            Self::ManageAccountState => t!("accounts.perm.state"),
        }
    }

    fn allowed(&self, p: &Principal) -> bool {
        match self {
            Self::ReadAccounts => p.role != Role::DistrictSystem && p.api_client_id().is_none(),
            Self::ManageAccounts | Self::ManageApiClients => p.role == Role::PlatformAdmin,
            Self::ManageAccountState => {
                matches!(p.role, Role::PlatformAdmin | Role::CommunityCommittee) && p.account_id().is_some()
            }
        }
    }
}

fn members(cond: SimpleExpr) -> SelectStatement {
    Query::select().column(membership::Column::AccountId).from(membership::Entity).and_where(cond).to_owned()
}

/// The members of a community (holding a community role there).
fn community_members(community_id: i32) -> SelectStatement {
    members(membership::Column::RegionId.eq(community_id).and(membership::Column::Role.is_in(COMMUNITY_ROLES)))
}

/// SQL condition on an account id column: the accounts the principal may list.
pub fn accounts_filter(p: &Principal, id_col: impl ColumnTrait) -> Condition {
    if p.api_client_id().is_some() {
        return Condition::all().add(never());
    }
    let scoped = match p.role {
        Role::PlatformAdmin => return Condition::all(),
        Role::Resident | Role::BuildingHead | Role::CommunityCommittee => match p.scope.community_id {
            Some(c) => id_col.in_subquery(community_members(c)),
            None => never(),
        },
        // A party organisation reads names on its region's timelines and
        // rosters as an office does (no phones: see `personal_filter`).
        Role::GovernmentOffice | Role::PartyOrganisation => match &p.scope.region_path {
            Some(path) => id_col.in_subquery(members(under_region(membership::Column::RegionId, path))),
            None => never(),
        },
        Role::SocialOrganization | Role::PropertyCompany => match p.scope.organisation_id {
            Some(o) => id_col.in_subquery(members(membership::Column::OrganisationId.eq(o))),
            None => never(),
        },
        Role::DistrictSystem | Role::Person => never(),
    };
    let mut cond = Condition::any().add(scoped);
    if let Some(me) = p.account_id() {
        cond = cond.add(id_col.eq(me));
    }
    cond
}

/// The accounts the principal may see.
pub fn visible_accounts(p: &Principal) -> Select<account::Entity> {
    account::Entity::find().filter(accounts_filter(p, account::Column::Id))
}

/// SQL condition on an account id column: the accounts whose personal data
/// the principal may see.
pub fn personal_filter(p: &Principal, id_col: impl ColumnTrait) -> Condition {
    if p.role == Role::PlatformAdmin && p.api_client_id().is_none() {
        return Condition::all();
    }
    let mut cond = Condition::any();
    if let Some(me) = p.account_id() {
        cond = cond.add(id_col.eq(me));
    }
    if let (Role::CommunityCommittee, Some(c), true) = (p.role, p.scope.community_id, p.account_id().is_some()) {
        cond = cond.add(id_col.in_subquery(community_members(c)));
    }
    if cond.is_empty() { Condition::all().add(never()) } else { cond }
}

/// May the principal end some memberships (then checked per membership by
/// [`may_end_membership`])?
pub fn may_end_memberships(p: &Principal) -> bool {
    p.account_id().is_some() && matches!(p.role, Role::PlatformAdmin | Role::CommunityCommittee)
}

/// May the principal end this membership? The platform admin any (but an
/// account's PERSON membership, which is not granted); the committee the
/// RESIDENT and BUILDING_HEAD memberships of its community.
pub fn may_end_membership(p: &Principal, m: &membership::Model) -> bool {
    if !may_end_memberships(p) || m.role == Role::Person {
        return false;
    }
    match p.role {
        Role::PlatformAdmin => true,
        Role::CommunityCommittee => {
            matches!(m.role, Role::Resident | Role::BuildingHead)
                && m.region_id.is_some()
                && m.region_id == p.scope.community_id
        }
        _ => false,
    }
}

/// A membership is personal to its account: visible where the account's
/// personal fields are.
pub fn visible_memberships(p: &Principal) -> Select<membership::Entity> {
    membership::Entity::find().filter(personal_filter(p, membership::Column::AccountId))
}

/// Audit entries about memberships that were removed: the platform admin
/// all, a committee those of its community (the community's people, whose
/// memberships it saw while they existed).
pub fn membership_tombstones(p: &Principal) -> Option<Condition> {
    p.account_id()?;
    match (p.role, p.scope.community_id) {
        (Role::PlatformAdmin, _) => Some(Condition::all()),
        (Role::CommunityCommittee, Some(c)) => Some(Condition::all().add(entity::audit_log::Column::CommunityId.eq(c))),
        _ => None,
    }
}

/// API clients: platform admins only.
pub fn visible_api_clients(p: &Principal) -> Select<api_client::Entity> {
    let q = api_client::Entity::find();
    if AccountsPermission::ManageApiClients.allowed(p) { q } else { q.filter(never()) }
}

/// May the principal disable, enable or reset the password of this
/// account? The platform admin: any account. A community's committee: the
/// accounts of its residents and building heads, that is accounts whose
/// every membership is RESIDENT or BUILDING_HEAD of that community (so a
/// resident who forgot the password is helped at the community office, and
/// a committee can never lock out staff or another community's people).
/// `memberships`: the account's memberships.
pub fn may_manage_account(p: &Principal, _account_id: i32, memberships: &[membership::Model]) -> ApiResult<()> {
    crate::policy::authorize(p, AccountsPermission::ManageAccountState)?;
    let allowed = match (p.role, p.scope.community_id) {
        (Role::PlatformAdmin, _) => true,
        (Role::CommunityCommittee, Some(c)) => {
            !memberships.is_empty()
                && memberships
                    .iter()
                    .all(|m| matches!(m.role, Role::Resident | Role::BuildingHead) && m.region_id == Some(c))
        }
        _ => false,
    };
    crate::policy::require(allowed, t!("accounts.not_your_resident"))
}

/// May the principal see an account's personal fields? `account_communities`
/// are the communities the account holds a community role in.
pub fn may_see_personal(p: &Principal, account_id: i32, account_communities: &[i32]) -> bool {
    if p.account_id() == Some(account_id) || p.role == Role::PlatformAdmin {
        return true;
    }
    p.role == Role::CommunityCommittee
        && p.api_client_id().is_none()
        && p.scope.community_id.is_some_and(|c| account_communities.contains(&c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::testing::*;

    #[test]
    fn visible_accounts_per_role() {
        for role in ALL_ROLES {
            let s = sql(visible_accounts(&principal(role)));
            match role {
                Role::PlatformAdmin => assert!(unrestricted(&s), "{s}"),
                Role::DistrictSystem => assert!(s.contains("1 = 0"), "{s}"),
                Role::GovernmentOffice => assert!(s.contains("LIKE '/1/2/%'"), "{s}"),
                Role::PartyOrganisation => assert!(s.contains("LIKE '/1/2/4/%'"), "{s}"),
                Role::SocialOrganization | Role::PropertyCompany => {
                    assert!(s.contains(r#""organisation_id" = 2"#) && s.contains(r#""id" = 7"#), "{s}")
                }
                Role::Person => assert!(s.contains("1 = 0") && s.contains(r#""id" = 7"#), "only oneself: {s}"),
                _ => assert!(s.contains(r#""region_id" = 4"#) && s.contains(r#""id" = 7"#), "{s}"),
            }
        }
    }

    #[test]
    fn personal_data_per_role() {
        for role in ALL_ROLES {
            let s = sql(visible_memberships(&principal(role)));
            match role {
                Role::PlatformAdmin => assert!(unrestricted(&s), "{s}"),
                Role::DistrictSystem => assert!(s.contains("1 = 0"), "{s}"),
                Role::CommunityCommittee => assert!(s.contains(r#""region_id" = 4"#), "{s}"),
                _ => assert!(s.contains(r#""account_id" = 7"#) && !s.contains("region_id"), "only oneself: {s}"),
            }
        }
        assert!(sql(visible_api_clients(&principal(Role::GovernmentOffice))).contains("1 = 0"));
    }
}
