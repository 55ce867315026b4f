//! Who reads the audit log (the change feed): platform admins all of it,
//! offices and committees the entries about communities in their scope;
//! and nobody an entry about an object they may not see (each domain adds
//! its rule through the registry).

use entity::audit_log;
use entity::enums::Role;
use sea_orm::{Condition, EntityTrait, QueryFilter, Select};

use crate::auth::Principal;
use crate::policy::{Permission, communities_filter, never};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditPermission {
    /// Read the audit log / change feed (then filtered by [`visible_entries`]).
    ReadAuditLog,
}

impl Permission for AuditPermission {
    fn action(&self) -> crate::i18n::Msg {
        match self {
            Self::ReadAuditLog => t!("audit.perm.read"),
        }
    }

    fn allowed(&self, p: &Principal) -> bool {
        matches!(p.role, Role::PlatformAdmin | Role::GovernmentOffice | Role::CommunityCommittee)
    }
}

/// The audit entries the principal may read.
pub fn visible_entries(p: &Principal) -> Select<audit_log::Entity> {
    let scope = match p.role {
        Role::PlatformAdmin => Condition::all(),
        Role::GovernmentOffice | Role::CommunityCommittee => communities_filter(p, audit_log::Column::CommunityId),
        _ => Condition::all().add(never()),
    };
    audit_log::Entity::find().filter(scope).filter(crate::domains::audit_visible(p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::testing::*;

    #[test]
    fn visible_entries_per_role() {
        for role in ALL_ROLES {
            let s = sql(visible_entries(&principal(role)));
            match role {
                Role::PlatformAdmin => {
                    assert!(!s.contains("1 = 0") && !s.contains("community_id") && !s.contains("DRAFT"), "{s}")
                }
                Role::GovernmentOffice => assert!(s.contains("LIKE '/1/2/%'"), "{s}"),
                Role::CommunityCommittee => assert!(s.contains(r#""community_id" = 4"#), "{s}"),
                _ => assert!(s.contains("1 = 0"), "{role:?}: {s}"),
            }
        }
    }
}
