//! Directory permissions. The directory (the region tree, buildings,
//! organisations) names places and institutions, not people: it is readable
//! by every authenticated principal and managed by platform admins.

use entity::enums::Role;
use entity::{building, organisation, region};
use sea_orm::{EntityTrait, Select};

use crate::auth::Principal;
use crate::policy::Permission;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DirectoryPermission {
    /// Read regions, buildings, organisations.
    ReadDirectory,
    /// Create regions, buildings, organisations; set service areas.
    ManageDirectory,
}

impl Permission for DirectoryPermission {
    fn action(&self) -> crate::i18n::Msg {
        match self {
            Self::ReadDirectory => t!("directory.perm.read"),
            Self::ManageDirectory => t!("directory.perm.manage"),
        }
    }

    fn allowed(&self, p: &Principal) -> bool {
        match self {
            Self::ReadDirectory => true,
            Self::ManageDirectory => p.role == Role::PlatformAdmin,
        }
    }
}

/// Public to every authenticated principal.
pub fn visible_regions(_p: &Principal) -> Select<region::Entity> {
    region::Entity::find()
}

pub fn visible_buildings(_p: &Principal) -> Select<building::Entity> {
    building::Entity::find()
}

pub fn visible_organisations(_p: &Principal) -> Select<organisation::Entity> {
    organisation::Entity::find()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::testing::*;

    #[test]
    fn the_directory_is_public_and_managed_by_admins() {
        for role in ALL_ROLES {
            let p = principal(role);
            assert!(unrestricted(&sql(visible_regions(&p))), "{role:?}");
            assert!(unrestricted(&sql(visible_buildings(&p))), "{role:?}");
            assert!(unrestricted(&sql(visible_organisations(&p))), "{role:?}");
            assert_eq!(DirectoryPermission::ManageDirectory.allowed(&p), role == Role::PlatformAdmin);
        }
    }
}
