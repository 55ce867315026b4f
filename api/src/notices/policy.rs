//! Who may publish, read and follow notices and alerts.
//!
//! - Publishing: the committee to its community or some of its buildings;
//!   the office to its region or communities under it; a building head to
//!   their building.
//! - Reading: residents (and building heads) the valid, not withdrawn
//!   notices targeting their community (or a region above it) or their
//!   building; pinned alerts while open. The committee those of its
//!   community and its buildings; the office those of its region; the
//!   publisher their own; platform admins all. Organisations and machine
//!   clients none (district systems read aggregates: `alertStats`).
//! - Rosters (names, phones) only to the building head of that building and
//!   the committee of that community; the office sees counts and the
//!   NEED_HELP list without phone numbers unless it published the alert.

use chrono::Utc;
use entity::enums::{NoticeCategory, NoticeStatus, Role};
use entity::{building, notice, notice_target, region};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, Select};

use crate::auth::Principal;
use crate::policy::{Permission, is_person, never, path_ids};

/// The role-level rules of notices and alerts: what a principal of a role
/// could do to some notice in its scope. The services start from them, and
/// the schema shows each field to exactly these roles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticesPermission {
    /// Notices, pinned alerts, read marks, notice events: people of every
    /// role but organisations (whose staff read no notices).
    ReadNotices,
    /// Publish, edit, withdraw, close an alert: the committee, the office,
    /// building heads.
    Publish,
    /// Answer an alert: residents and building heads.
    Answer,
    /// Record a door-to-door visit, follow-ups: building heads.
    Visit,
    /// An alert's roster of households (names, phones): building heads and
    /// the committee.
    Roster,
    /// File a report from a NEED_HELP answer: the committee.
    ToReport,
    /// Alert statistics: offices and district systems.
    Stats,
}

impl Permission for NoticesPermission {
    fn action(&self) -> crate::i18n::Msg {
        match self {
            Self::ReadNotices => t!("notices.perm.read"),
            Self::Publish => t!("notices.perm.publish"),
            Self::Answer => t!("notices.perm.answer"),
            Self::Visit => t!("notices.perm.visit"),
            Self::Roster => t!("notices.perm.roster"),
            Self::ToReport => t!("notices.perm.to_report"),
            Self::Stats => t!("notices.perm.stats"),
        }
    }

    fn allowed(&self, p: &Principal) -> bool {
        let person = is_person(p);
        match self {
            Self::ReadNotices => person && !matches!(p.role, Role::SocialOrganization | Role::PropertyCompany),
            Self::Publish => {
                person && matches!(p.role, Role::CommunityCommittee | Role::GovernmentOffice | Role::BuildingHead)
            }
            Self::Answer => person && matches!(p.role, Role::Resident | Role::BuildingHead),
            Self::Visit => person && p.role == Role::BuildingHead,
            Self::Roster => person && matches!(p.role, Role::BuildingHead | Role::CommunityCommittee),
            Self::ToReport => person && p.role == Role::CommunityCommittee,
            Self::Stats => matches!(p.role, Role::DistrictSystem | Role::GovernmentOffice),
        }
    }
}

fn targets_where(c: Condition) -> sea_orm::sea_query::SelectStatement {
    Query::select().column(notice_target::Column::NoticeId).from(notice_target::Entity).cond_where(c).to_owned()
}

fn regions_under(path: &str) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(region::Column::Id)
        .from(region::Entity)
        .and_where(region::Column::Path.like(format!("{path}%")))
        .to_owned()
}

fn buildings_in(communities: sea_orm::sea_query::SelectStatement) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(building::Column::Id)
        .from(building::Entity)
        .and_where(building::Column::CommunityId.in_subquery(communities))
        .to_owned()
}

/// Notices targeting the principal's scope (see the module docs), any status.
fn in_scope(p: &Principal) -> Condition {
    use notice_target::Column as T;
    let path = p.scope.region_path.clone().unwrap_or_default();
    let cond = match p.role {
        Role::Resident | Role::BuildingHead => {
            let mut c = Condition::any().add(T::RegionId.is_in(path_ids(&path)));
            if let Some(b) = p.scope.building_id {
                c = c.add(T::BuildingId.eq(b));
            }
            c
        }
        Role::CommunityCommittee => match p.scope.community_id {
            Some(community) => Condition::any().add(T::RegionId.is_in(path_ids(&path))).add(
                T::BuildingId.in_subquery(
                    Query::select()
                        .column(building::Column::Id)
                        .from(building::Entity)
                        .and_where(building::Column::CommunityId.eq(community))
                        .to_owned(),
                ),
            ),
            None => Condition::all().add(never()),
        },
        // The party organisation reads its region's notices as the office
        // does (an alert's phones stay with the committee and publisher).
        Role::GovernmentOffice | Role::PartyOrganisation if !path.is_empty() => Condition::any()
            .add(T::RegionId.is_in(path_ids(&path)))
            .add(T::RegionId.in_subquery(regions_under(&path)))
            .add(T::BuildingId.in_subquery(buildings_in(regions_under(&path)))),
        _ => Condition::all().add(never()),
    };
    Condition::all().add(notice::Column::Id.in_subquery(targets_where(cond)))
}

/// The condition of [`visible_notices`]; `with_withdrawn` keeps withdrawn
/// ones (to tell a subscriber that one went away).
pub fn notices_condition(p: &Principal, with_withdrawn: bool) -> Condition {
    use notice::Column as N;
    if !is_person(p) {
        return Condition::all().add(never());
    }
    if p.role == Role::PlatformAdmin {
        return Condition::all();
    }
    if p.role == Role::Person {
        return public_board();
    }
    let mut scoped = Condition::all().add(in_scope(p));
    if !with_withdrawn {
        scoped = scoped.add(N::Status.ne(NoticeStatus::Withdrawn));
    }
    if matches!(p.role, Role::Resident | Role::BuildingHead) {
        let now = Utc::now();
        let valid = Condition::all()
            .add(N::ValidFrom.lte(now))
            .add(Condition::any().add(N::ValidUntil.is_null()).add(N::ValidUntil.gt(now)));
        let open_alert =
            Condition::all().add(N::Category.eq(NoticeCategory::Emergency)).add(N::Status.eq(NoticeStatus::Published));
        scoped = scoped.add(Condition::any().add(valid).add(open_alert));
    }
    let mut c = Condition::any().add(scoped);
    if let Some(me) = p.account_id() {
        c = c.add(N::PublisherAccountId.eq(me));
    }
    c
}

/// What a person outside any community reads: published, valid notices to a
/// whole region (the public board), never a building's notices or an alert.
fn public_board() -> Condition {
    use notice::Column as N;
    let now = Utc::now();
    Condition::all()
        .add(N::Status.eq(NoticeStatus::Published))
        .add(N::Category.ne(NoticeCategory::Emergency))
        .add(N::ValidFrom.lte(now))
        .add(Condition::any().add(N::ValidUntil.is_null()).add(N::ValidUntil.gt(now)))
        .add(N::Id.in_subquery(targets_where(Condition::all().add(notice_target::Column::RegionId.is_not_null()))))
}

/// Notices the principal may read.
pub fn visible_notices(p: &Principal) -> Select<notice::Entity> {
    notice::Entity::find().filter(notices_condition(p, false))
}

/// May the principal see an alert's counts? The committee, the office,
/// building heads (their building's), the publisher, platform admins.
pub fn may_see_counts(p: &Principal, n: &notice::Model) -> bool {
    p.account_id() == Some(n.publisher_account_id)
        || matches!(
            p.role,
            Role::CommunityCommittee | Role::GovernmentOffice | Role::BuildingHead | Role::PlatformAdmin
        )
}

/// May the principal see a notice's read counts? The publisher, the
/// committee and the office (for their scope), platform admins; not
/// building heads, who see an alert's answers for their building only.
pub fn may_see_read_counts(p: &Principal, n: &notice::Model) -> bool {
    p.account_id() == Some(n.publisher_account_id)
        || matches!(p.role, Role::CommunityCommittee | Role::GovernmentOffice | Role::PlatformAdmin)
}

/// May the principal see phone numbers in the NEED_HELP list? The committee
/// and the publisher (and platform admins).
pub fn may_see_phones(p: &Principal, n: &notice::Model) -> bool {
    matches!(p.role, Role::CommunityCommittee | Role::PlatformAdmin) || p.account_id() == Some(n.publisher_account_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::testing::*;

    #[test]
    fn notice_visibility_renders_per_role() {
        for role in ALL_ROLES {
            let w = sql(visible_notices(&principal(role)));
            match role {
                Role::PlatformAdmin => assert!(unrestricted(&w)),
                Role::Resident | Role::BuildingHead => {
                    assert!(w.contains(r#""region_id" IN (1, 2, 4)"#) && w.contains(r#""building_id" = 1"#), "{w}");
                    assert!(w.contains(r#""status" <> 'WITHDRAWN'"#) && w.contains("valid_from"), "{w}");
                }
                Role::CommunityCommittee => {
                    assert!(w.contains(r#""community_id" = 4"#) && !w.contains("valid_from"), "{w}")
                }
                Role::GovernmentOffice => assert!(w.contains("LIKE '/1/2/%'"), "{w}"),
                Role::PartyOrganisation => assert!(w.contains("LIKE '/1/2/4/%'"), "{w}"),
                Role::SocialOrganization | Role::PropertyCompany => {
                    assert!(w.contains("1 = 0") && w.contains(r#""publisher_account_id" = 7"#), "{w}")
                }
                Role::DistrictSystem => assert!(w.contains("1 = 0"), "{w}"),
                // The public board: published notices to whole regions, no alerts.
                Role::Person => {
                    assert!(w.contains(r#""region_id" IS NOT NULL"#) && w.contains(r#""status" = 'PUBLISHED'"#), "{w}");
                    assert!(w.contains(r#""category" <> 'EMERGENCY'"#) && !w.contains("building_id\" ="), "{w}")
                }
            }
        }
    }
}
