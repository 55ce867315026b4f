//! Who reads which indicators, and how.
//!
//! Indicators are aggregates: no row of any table is visible through them,
//! so there is no `visible_*` query here. What is decided per principal is
//! the tree of regions it may read (its jurisdiction) and whether small
//! counts are hidden. Regions are public (the directory lists them all), so
//! a region outside the tree is FORBIDDEN: hiding its existence would hide
//! nothing; an id that is no region is NOT_FOUND.

use entity::enums::Role;
use entity::region;

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::policy::{Permission, in_community, is_person};

/// Who reads indicators at all: offices, district systems, the committee,
/// the party organisation,
/// residents and building heads (their community's public ones), platform
/// admins. Organisations and people of no community read none. [`view`]
/// starts from it, and the schema shows the indicator fields to exactly
/// these roles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadIndicators;

impl Permission for ReadIndicators {
    fn action(&self) -> crate::i18n::Msg {
        t!("indicators.perm.read")
    }

    fn allowed(&self, p: &Principal) -> bool {
        !matches!(p.role, Role::SocialOrganization | Role::PropertyCompany | Role::Person)
    }
}

/// How a principal sees the indicators of one region.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct View {
    /// Path of the top of the viewer's tree: suppression runs over all of
    /// it, whichever region a request names.
    pub root_path: String,
    /// Small counts hidden (district systems, residents).
    pub suppress: bool,
    /// Only the public indicators (residents).
    pub public_only: bool,
}

fn outside() -> ApiError {
    ApiError::forbidden(t!("indicators.outside_your_regions"))
}

/// The view `p` has of `target`'s indicators.
pub fn view(p: &Principal, target: &region::Model) -> ApiResult<View> {
    let own = |suppress, public_only| View { root_path: target.path.clone(), suppress, public_only };
    if !ReadIndicators.allowed(p) {
        return Err(ApiError::forbidden(t!("indicators.indicators_are_residents_committees_offices")));
    }
    match p.role {
        Role::PlatformAdmin => Ok(own(false, false)),
        // The party organisation reads its community's or street's as the
        // committee reads its community's: unsuppressed, all of them.
        Role::GovernmentOffice | Role::DistrictSystem | Role::PartyOrganisation => match &p.scope.region_path {
            Some(path) if target.path.starts_with(path.as_str()) => Ok(View {
                root_path: path.clone(),
                suppress: p.role == Role::DistrictSystem || !is_person(p),
                public_only: false,
            }),
            _ => Err(outside()),
        },
        Role::CommunityCommittee if in_community(p, target.id) => Ok(own(false, false)),
        Role::Resident | Role::BuildingHead if in_community(p, target.id) => Ok(own(true, true)),
        Role::CommunityCommittee | Role::Resident | Role::BuildingHead | Role::Person => Err(outside()),
        Role::SocialOrganization | Role::PropertyCompany => {
            Err(ApiError::forbidden(t!("indicators.indicators_are_residents_committees_offices")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::testing::principal;

    fn region(id: i32, path: &str) -> region::Model {
        region::Model {
            id,
            parent_id: None,
            kind: entity::enums::RegionKind::Community,
            name: String::new(),
            code: String::new(),
            path: path.into(),
            created_at: chrono::DateTime::default(),
        }
    }

    #[test]
    fn each_role_sees_its_own_tree_or_nothing() {
        // The test principals: community 4 (/1/2/4/), an office of street
        // 2 (/1/2/), a district system of district 1 (/1/).
        let inside = region(4, "/1/2/4/");
        let next_street = region(6, "/1/5/6/");
        let outside = region(9, "/8/9/");
        let d = principal(Role::DistrictSystem);
        assert_eq!(view(&d, &inside).map(|v| (v.root_path, v.suppress)).ok(), Some(("/1/".into(), true)));
        assert!(view(&d, &next_street).is_ok());
        assert!(view(&d, &outside).is_err(), "another district");
        let o = principal(Role::GovernmentOffice);
        assert_eq!(view(&o, &inside).map(|v| (v.root_path, v.suppress)).ok(), Some(("/1/2/".into(), false)));
        assert!(view(&o, &next_street).is_err(), "another street");
        let c = principal(Role::CommunityCommittee);
        assert_eq!(view(&c, &inside).map(|v| (v.root_path, v.suppress)).ok(), Some(("/1/2/4/".into(), false)));
        assert!(view(&c, &region(5, "/1/2/5/")).is_err(), "another community");
        let party = principal(Role::PartyOrganisation);
        assert_eq!(view(&party, &inside).map(|v| (v.root_path, v.suppress)).ok(), Some(("/1/2/4/".into(), false)));
        assert!(view(&party, &region(5, "/1/2/5/")).is_err(), "another community");
        for role in [Role::Resident, Role::BuildingHead] {
            let r = principal(role);
            assert_eq!(view(&r, &inside).map(|v| (v.suppress, v.public_only)).ok(), Some((true, true)));
        }
        for role in [Role::SocialOrganization, Role::PropertyCompany] {
            assert!(view(&principal(role), &inside).is_err(), "{role:?}");
        }
        assert_eq!(view(&principal(Role::PlatformAdmin), &outside).map(|v| v.suppress).ok(), Some(false));
    }
}
