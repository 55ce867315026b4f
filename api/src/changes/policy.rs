//! Who reads which change entries. Entries carry the organisation and the
//! community of their object, so the scope is a plain SQL condition that
//! also covers objects deleted since; and an entry about a live object is
//! read only while the reader may read the object (as for the audit log:
//! `domains::feed_condition`).

use entity::change;
use entity::enums::{ChangeKind, Role};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, Select};

use crate::auth::Principal;
use crate::policy::{Permission, communities_filter, never};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangesPermission {
    /// Page the change feed (then filtered by [`visible_changes`]).
    ReadChanges,
}

impl Permission for ChangesPermission {
    fn action(&self) -> crate::i18n::Msg {
        match self {
            Self::ReadChanges => t!("changes.perm.read"),
        }
    }

    fn allowed(&self, p: &Principal) -> bool {
        matches!(
            p.role,
            Role::PlatformAdmin
                | Role::GovernmentOffice
                | Role::CommunityCommittee
                | Role::SocialOrganization
                | Role::PropertyCompany
        )
    }
}

/// The change entries the principal may read.
pub fn visible_changes(p: &Principal) -> Select<change::Entity> {
    let scope = match p.role {
        Role::PlatformAdmin => Condition::all(),
        // An object of no one community (a service, offered in several)
        // is in scope when the reader may see the object itself (the
        // `object` condition below); its deletion, which that cannot
        // check, stays with the entries of a community.
        Role::GovernmentOffice | Role::CommunityCommittee => {
            Condition::any().add(communities_filter(p, change::Column::CommunityId)).add(
                Condition::all()
                    .add(change::Column::CommunityId.is_null())
                    .add(change::Column::Kind.ne(ChangeKind::Deleted)),
            )
        }
        Role::SocialOrganization | Role::PropertyCompany => match p.scope.organisation_id {
            Some(o) => Condition::all().add(change::Column::OrganisationId.eq(o)),
            None => Condition::all().add(never()),
        },
        _ => Condition::all().add(never()),
    };
    let object = Condition::any()
        .add(change::Column::Kind.eq(ChangeKind::Deleted))
        .add(crate::domains::feed_condition(p, change::Column::ObjectType, change::Column::ObjectId, false));
    change::Entity::find().filter(scope).filter(object)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::testing::*;

    #[test]
    fn visible_changes_per_role() {
        for role in ALL_ROLES {
            let s = sql(visible_changes(&principal(role)));
            match role {
                Role::PlatformAdmin => assert!(s.contains(r#""kind" = 'DELETED'"#), "{s}"),
                Role::GovernmentOffice => assert!(s.contains("LIKE '/1/2/%'"), "{s}"),
                Role::CommunityCommittee => assert!(s.contains(r#""community_id" = 4"#), "{s}"),
                Role::SocialOrganization | Role::PropertyCompany => {
                    assert!(s.contains(r#""organisation_id" = 2"#), "{s}")
                }
                _ => assert!(s.contains("1 = 0"), "{role:?}: {s}"),
            }
        }
    }
}
