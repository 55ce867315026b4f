//! Who reads the audit log: platform admins, offices and committees, each
//! within its scope (entries about communities in it; the admin all), and
//! an entry only while the reader may read the object it records, through
//! that object's own visible-rows query (`domains::feed_condition`: one
//! clause per node type, no opt-in), or under the type's rule for objects
//! that are gone. So an entry is exactly as private as what it records.

use entity::audit_log;
use entity::enums::Role;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, Select};

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

/// Actions whose entries nobody reads: per-ballot rows written before
/// ballots stopped being logged (a ballot is secret).
const HIDDEN_ACTIONS: [&str; 1] = ["project.vote"];

/// The audit entries the principal may read.
pub fn visible_entries(p: &Principal) -> Select<audit_log::Entity> {
    let scope = match p.role {
        Role::PlatformAdmin if p.account_id().is_some() => Condition::all(),
        Role::GovernmentOffice | Role::CommunityCommittee => communities_filter(p, audit_log::Column::CommunityId),
        _ => Condition::all().add(never()),
    };
    audit_log::Entity::find()
        .filter(scope)
        .filter(audit_log::Column::Action.is_not_in(HIDDEN_ACTIONS))
        .filter(crate::domains::feed_condition(p, audit_log::Column::ObjectType, audit_log::Column::ObjectId, true))
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
                Role::PlatformAdmin => assert!(s.contains(r#""object_type" = 'Report'"#), "{s}"),
                Role::GovernmentOffice => assert!(s.contains("LIKE '/1/2/%'"), "{s}"),
                Role::CommunityCommittee => assert!(s.contains(r#""community_id" = 4"#), "{s}"),
                _ => assert!(s.contains("1 = 0"), "{role:?}: {s}"),
            }
        }
    }

    /// Every node type but the audit entry itself has its clause, through
    /// its own visible-rows query; an entry about any other type matches
    /// none (the clauses are the only way in).
    #[test]
    fn every_node_type_has_a_clause_and_nothing_else_does() {
        let s = sql(visible_entries(&principal(Role::CommunityCommittee)));
        for name in crate::domains::NODE_TYPES.iter().filter(|n| **n != "AuditEntry") {
            assert!(s.contains(&format!(r#""object_type" = '{name}'"#)), "{name} has no clause: {s}");
        }
        let clauses = s.matches(r#""object_type" = '"#).count();
        assert_eq!(clauses, crate::domains::NODE_TYPES.len() - 1, "{s}");
        assert!(!s.contains(r#""object_type" <>"#), "no clause lets other types through: {s}");
    }
}
