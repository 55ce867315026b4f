//! Who registers as a party member and who reads the register.
//!
//! - **Registering** (and erasing one's registration): residents and
//!   building heads, for themselves, in their own community.
//! - **Reading**: the person their own registration (whatever role they act
//!   in); the party organisation the registrations of the communities in
//!   its community or street. Nobody else: deny by default.

use entity::enums::Role;
use entity::party_member_registration as reg;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, Select};

use crate::auth::Principal;
use crate::policy::{Permission, is_person, never, under_region};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartyPermission {
    /// Register oneself with the community's party organisation.
    Register,
    /// Read the register.
    ReadRegister,
}

impl Permission for PartyPermission {
    fn action(&self) -> crate::i18n::Msg {
        match self {
            Self::Register => t!("party.perm.register"),
            Self::ReadRegister => t!("party.perm.read"),
        }
    }

    fn allowed(&self, p: &Principal) -> bool {
        is_person(p)
            && match self {
                Self::Register => matches!(p.role, Role::Resident | Role::BuildingHead),
                Self::ReadRegister => p.role == Role::PartyOrganisation,
            }
    }
}

/// Registrations `p` may read: their own; the party organisation's region's.
pub fn visible_registrations(p: &Principal) -> Select<reg::Entity> {
    let q = reg::Entity::find();
    let Some(me) = p.account_id() else {
        return q.filter(never());
    };
    let mut any = Condition::any().add(reg::Column::AccountId.eq(me));
    if let (Role::PartyOrganisation, Some(path)) = (p.role, &p.scope.region_path) {
        any = any.add(under_region(reg::Column::CommunityId, path));
    }
    q.filter(any)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::testing::*;

    #[test]
    fn the_register_is_its_people_s_and_the_party_organisation_s() {
        for role in ALL_ROLES {
            let s = sql(visible_registrations(&principal(role)));
            match role {
                Role::PartyOrganisation => {
                    assert!(s.contains(r#""account_id" = 7"#) && s.contains("LIKE '/1/2/4/%'"), "{s}")
                }
                Role::DistrictSystem => assert!(s.contains("1 = 0"), "{s}"),
                // Everyone else: their own registration, nobody's else.
                _ => assert_eq!(s, r#""party_member_registrations"."account_id" = 7"#, "{role:?}"),
            }
        }
    }
}
