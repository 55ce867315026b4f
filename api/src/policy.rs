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
        ReadAuditLog => matches!(
            p.role,
            PlatformAdmin | GovernmentOffice | CommunityCommittee
        ),
    };
    if allowed {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!(
            "{:?} may not {:?}",
            p.role, action
        )))
    }
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
        Role::Resident | Role::BuildingHead | Role::CommunityCommittee => {
            match p.scope.community_id {
                Some(c) => col.eq(c),
                None => never(),
            }
        }
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
        Query::select()
            .column(membership::Column::AccountId)
            .from(membership::Entity)
            .and_where(cond)
            .to_owned()
    };
    if p.api_client_id().is_some() {
        return Condition::all().add(never());
    }
    let scoped = match p.role {
        Role::PlatformAdmin => return Condition::all(),
        Role::Resident | Role::BuildingHead | Role::CommunityCommittee => {
            match p.scope.community_id {
                Some(c) => id_col.in_subquery(members(
                    membership::Column::RegionId
                        .eq(c)
                        .and(membership::Column::Role.is_in(COMMUNITY_ROLES)),
                )),
                None => never(),
            }
        }
        Role::GovernmentOffice => match &p.scope.region_path {
            Some(path) => id_col.in_subquery(members(in_communities_under(
                membership::Column::RegionId,
                path,
            ))),
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
        && p.scope
            .community_id
            .is_some_and(|c| account_communities.contains(&c))
}

/// SQL condition on the audit log: admins read everything, offices and
/// committees the entries about communities in their scope.
pub fn audit_filter(p: &Principal) -> Condition {
    match p.role {
        Role::PlatformAdmin => Condition::all(),
        Role::GovernmentOffice | Role::CommunityCommittee => {
            communities_filter(p, entity::audit_log::Column::CommunityId)
        }
        _ => Condition::all().add(never()),
    }
}
