//! Who may exercise which personal-data right, and who reads which access
//! records. A person reads, corrects, takes and erases their own data; the
//! platform admin erases on request; an office (or the platform admin)
//! puts an account under legal hold. Access records: the person whose data
//! was read sees every record about them; for oversight, a committee sees
//! the records its own community's staff (committee and building heads)
//! made, an office those of every viewer under its region, the platform
//! admin all. Machines see none.

use entity::enums::Role;
use entity::personal_data_access as access;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, Select};

use crate::auth::Principal;
use crate::policy::{Permission, is_person, never};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrivacyPermission {
    /// One's own data: export, correct, consent, access log, delete.
    OwnData,
    /// Read the access records of staff in one's scope (oversight).
    Oversee,
    /// Erase another person's account on their request.
    Erase,
    /// Put an account under legal hold, or release it.
    Hold,
}

impl Permission for PrivacyPermission {
    fn action(&self) -> crate::i18n::Msg {
        match self {
            Self::OwnData => t!("privacy.perm.own_data"),
            Self::Oversee => t!("privacy.perm.oversee"),
            Self::Erase => t!("privacy.perm.erase"),
            Self::Hold => t!("privacy.perm.hold"),
        }
    }

    fn allowed(&self, p: &Principal) -> bool {
        is_person(p)
            && match self {
                Self::OwnData => true,
                Self::Oversee => {
                    matches!(p.role, Role::CommunityCommittee | Role::GovernmentOffice | Role::PlatformAdmin)
                }
                Self::Erase => p.role == Role::PlatformAdmin,
                Self::Hold => matches!(p.role, Role::GovernmentOffice | Role::PlatformAdmin),
            }
    }
}

/// The records of reads of the principal's own data.
pub fn my_access_records(p: &Principal) -> Select<access::Entity> {
    let cond = match p.account_id() {
        Some(me) => access::Column::SubjectAccountId.eq(me),
        None => never(),
    };
    access::Entity::find().filter(cond)
}

/// The records of reads made by the staff the principal oversees.
pub fn overseen_access_records(p: &Principal) -> Select<access::Entity> {
    let q = access::Entity::find();
    if !PrivacyPermission::Oversee.allowed(p) {
        return q.filter(never());
    }
    let path = p.scope.region_path.clone().unwrap_or_default();
    let cond = match p.role {
        Role::PlatformAdmin => Condition::all(),
        Role::CommunityCommittee if !path.is_empty() => Condition::all()
            .add(access::Column::ViewerRole.is_in([Role::CommunityCommittee, Role::BuildingHead]))
            .add(access::Column::ViewerRegionPath.eq(path)),
        Role::GovernmentOffice if !path.is_empty() => {
            Condition::all().add(access::Column::ViewerRegionPath.like(format!("{path}%")))
        }
        _ => Condition::all().add(never()),
    };
    q.filter(cond)
}

/// May the principal put this account under hold? An office for people of
/// communities under its region (`account_paths`: the materialised paths
/// of the communities the account holds a role in), the platform admin any.
pub fn may_hold(p: &Principal, account_paths: &[String]) -> bool {
    PrivacyPermission::Hold.allowed(p)
        && (p.role == Role::PlatformAdmin
            || p.scope.region_path.as_deref().is_some_and(|r| account_paths.iter().any(|c| c.starts_with(r))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::testing::*;

    #[test]
    fn access_records_per_role() {
        for role in ALL_ROLES {
            let p = principal(role);
            let mine = sql(my_access_records(&p));
            assert!(mine.contains(r#""subject_account_id" = 7"#) || mine.contains("1 = 0"), "{mine}");
            let overseen = sql(overseen_access_records(&p));
            match role {
                Role::PlatformAdmin => assert!(unrestricted(&overseen), "{overseen}"),
                Role::CommunityCommittee => assert!(
                    overseen.contains("'BUILDING_HEAD'") && overseen.contains(r#""viewer_region_path" = '"#),
                    "{overseen}"
                ),
                Role::GovernmentOffice => assert!(overseen.contains("LIKE '/1/2/%'"), "{overseen}"),
                _ => assert!(overseen.contains("1 = 0"), "{role:?}: {overseen}"),
            }
        }
    }

    #[test]
    fn holds_by_region() {
        let office = principal(Role::GovernmentOffice);
        assert!(may_hold(&office, &["/1/2/4/".into()]));
        assert!(!may_hold(&office, &["/1/3/9/".into()]));
        assert!(!may_hold(&principal(Role::CommunityCommittee), &["/1/2/4/".into()]));
        assert!(may_hold(&principal(Role::PlatformAdmin), &[]));
    }
}
