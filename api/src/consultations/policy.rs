//! Who writes, answers and reads surveys.
//!
//! - **Writing** (create, open, close, results): the committee for its
//!   community; a government office for any region under its own; the
//!   party organisation for its community or street and the communities in
//!   it. Only the author's side runs a survey: the committee of the
//!   survey's community or an office over its region (the party
//!   organisation's surveys excepted), or, for the surveys it wrote, the
//!   party organisation over it.
//! - **Answering**: residents and building heads of a community under the
//!   survey's region (of its buildings, when it names some), for themselves.
//! - **Reading**: the same residents (open and closed surveys), the
//!   committee (its community's and those above it that reach it), offices
//!   (under their region), the party organisation (published ones under
//!   and above its region, its own drafts), platform admins. Drafts only to their side.
//!   Results: the author's side always (above k), residents when the author
//!   shares them. Machine clients and organisations none.

use entity::enums::{Role, SurveyStatus};
use entity::{survey, survey_building};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, Select};

use crate::auth::Principal;
use crate::policy::{Permission, for_building, is_person, never, path_ids, under_region};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsultationsPermission {
    /// Write, open and close surveys; read their results.
    Publish,
    /// Answer surveys.
    Answer,
    /// Read surveys.
    Read,
}

impl Permission for ConsultationsPermission {
    fn action(&self) -> crate::i18n::Msg {
        match self {
            Self::Publish => t!("consultations.perm.publish"),
            Self::Answer => t!("consultations.perm.answer"),
            Self::Read => t!("consultations.perm.read"),
        }
    }

    fn allowed(&self, p: &Principal) -> bool {
        is_person(p)
            && match self {
                Self::Publish => {
                    matches!(p.role, Role::CommunityCommittee | Role::GovernmentOffice | Role::PartyOrganisation)
                }
                Self::Answer => matches!(p.role, Role::Resident | Role::BuildingHead),
                Self::Read => matches!(
                    p.role,
                    Role::Resident
                        | Role::BuildingHead
                        | Role::CommunityCommittee
                        | Role::GovernmentOffice
                        | Role::PartyOrganisation
                        | Role::PlatformAdmin
                ),
            }
    }
}

/// Is `p` on the author's side of a survey of the region with this path?
pub fn runs(p: &Principal, s: &survey::Model, region_path: &str) -> bool {
    is_person(p)
        && match p.role {
            Role::CommunityCommittee => {
                s.author_role != Role::PartyOrganisation && p.scope.community_id == Some(s.region_id)
            }
            Role::GovernmentOffice => {
                s.author_role != Role::PartyOrganisation
                    && p.scope.region_path.as_deref().is_some_and(|r| region_path.starts_with(r))
            }
            Role::PartyOrganisation => {
                s.author_role == Role::PartyOrganisation && crate::policy::party_over(p, region_path)
            }
            _ => false,
        }
}

/// Surveys `p` may read.
pub fn visible_surveys(p: &Principal) -> Select<survey::Entity> {
    use survey::Column as S;
    let q = survey::Entity::find();
    if !is_person(p) {
        return q.filter(never());
    }
    let published = S::Status.ne(SurveyStatus::Draft);
    // The community's own path lists it and every region above it.
    let reaching = |path: &Option<String>| path.as_deref().map(path_ids).unwrap_or_default();
    let cond = match p.role {
        Role::PlatformAdmin => return q,
        // Those reaching their community, for all of it or for their building.
        Role::Resident | Role::BuildingHead => {
            Condition::all().add(S::RegionId.is_in(reaching(&p.scope.region_path))).add(published).add(for_building(
                S::Id,
                survey_building::Column::SurveyId,
                survey_building::Column::BuildingId,
                p.scope.building_id,
            ))
        }
        Role::CommunityCommittee => match p.scope.community_id {
            Some(c) => Condition::any()
                .add(S::RegionId.eq(c))
                .add(Condition::all().add(S::RegionId.is_in(reaching(&p.scope.region_path))).add(published)),
            None => Condition::all().add(never()),
        },
        Role::GovernmentOffice => match &p.scope.region_path {
            Some(path) => Condition::all().add(under_region(S::RegionId, path)),
            None => Condition::all().add(never()),
        },
        Role::PartyOrganisation => match &p.scope.region_path {
            Some(path) => Condition::any()
                .add(
                    Condition::all().add(published).add(
                        Condition::any()
                            .add(S::RegionId.is_in(reaching(&p.scope.region_path)))
                            .add(under_region(S::RegionId, path)),
                    ),
                )
                .add(
                    Condition::all()
                        .add(under_region(S::RegionId, path))
                        .add(S::AuthorRole.eq(Role::PartyOrganisation)),
                ),
            None => Condition::all().add(never()),
        },
        _ => Condition::all().add(never()),
    };
    q.filter(cond)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::testing::*;

    #[test]
    fn surveys_render_per_role() {
        for role in ALL_ROLES {
            let s = sql(visible_surveys(&principal(role)));
            match role {
                Role::PlatformAdmin => assert!(unrestricted(&s), "{role:?}: {s}"),
                Role::Resident | Role::BuildingHead => {
                    assert!(s.contains(r#""region_id" IN (1, 2, 4)"#) && s.contains("<> 'DRAFT'"), "{role:?}: {s}");
                    assert!(s.contains(r#"FROM "survey_buildings" WHERE "survey_buildings"."building_id" = 1"#), "{s}");
                }
                Role::CommunityCommittee => assert!(s.contains(r#""region_id" = 4"#), "{role:?}: {s}"),
                Role::GovernmentOffice => assert!(s.contains("LIKE '/1/2/%'"), "{role:?}: {s}"),
                Role::PartyOrganisation => assert!(
                    s.contains("LIKE '/1/2/4/%'") && s.contains(r#""author_role" = 'PARTY_ORGANISATION'"#),
                    "{role:?}: {s}"
                ),
                _ => assert!(s.contains("1 = 0"), "{role:?}: {s}"),
            }
        }
    }
}
