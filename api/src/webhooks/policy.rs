//! Who registers webhook endpoints and sees them: API clients their own;
//! the staff of an organisation (committee, office, NGO, property company)
//! their organisation's; platform admins all. Residents and building heads
//! do not (their apps' backends do, as API clients). What an endpoint then
//! receives is its owner's view of each object (`outbox::receivable`).

use entity::enums::Role;
use entity::{webhook_delivery, webhook_endpoint};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, Select};

use crate::auth::Principal;
use crate::policy::{Permission, is_person, never};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WebhooksPermission {
    /// Register, change and watch endpoints.
    Manage,
}

impl Permission for WebhooksPermission {
    fn action(&self) -> crate::i18n::Msg {
        match self {
            Self::Manage => t!("webhooks.perm.manage"),
        }
    }

    fn allowed(&self, p: &Principal) -> bool {
        match p.role {
            Role::PlatformAdmin => is_person(p),
            Role::DistrictSystem => p.api_client_id().is_some(),
            Role::CommunityCommittee | Role::GovernmentOffice | Role::SocialOrganization | Role::PropertyCompany => {
                true
            }
            Role::Resident | Role::BuildingHead | Role::PartyOrganisation | Role::Person => false,
        }
    }
}

/// The endpoints the principal may see and manage.
pub fn endpoints_condition(p: &Principal) -> Condition {
    use webhook_endpoint::Column as E;
    if !WebhooksPermission::Manage.allowed(p) {
        return Condition::all().add(never());
    }
    if let Some(c) = p.api_client_id() {
        return Condition::all().add(E::ApiClientId.eq(c));
    }
    if p.role == Role::PlatformAdmin {
        return Condition::all();
    }
    let mut any = Condition::any();
    if let Some(m) = p.membership_id() {
        any = any.add(E::MembershipId.eq(m));
    }
    if let Some(o) = p.scope.organisation_id {
        any = any.add(Condition::all().add(E::OrganisationId.eq(o)).add(E::ApiClientId.is_null()));
    }
    Condition::all().add(any)
}

/// Endpoints the principal may see (lists, `node`, the row a mutation acts on).
pub fn visible_endpoints(p: &Principal) -> Select<webhook_endpoint::Entity> {
    webhook_endpoint::Entity::find().filter(endpoints_condition(p))
}

/// Deliveries of the endpoints the principal may see.
pub fn visible_deliveries(p: &Principal) -> Select<webhook_delivery::Entity> {
    use sea_orm::{QuerySelect, QueryTrait};
    let endpoints = visible_endpoints(p).select_only().column(webhook_endpoint::Column::Id).into_query();
    webhook_delivery::Entity::find().filter(webhook_delivery::Column::EndpointId.in_subquery(endpoints))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::testing::*;

    #[test]
    fn endpoint_visibility_renders_per_role() {
        for role in ALL_ROLES {
            let w = sql(visible_endpoints(&principal(role)));
            match role {
                Role::PlatformAdmin => assert!(unrestricted(&w)),
                Role::DistrictSystem => assert_eq!(w, r#""webhook_endpoints"."api_client_id" = 3"#),
                Role::SocialOrganization | Role::PropertyCompany => {
                    assert!(w.contains(r#""membership_id" = 9"#) && w.contains(r#""organisation_id" = 2"#), "{w}")
                }
                Role::CommunityCommittee | Role::GovernmentOffice => {
                    assert!(w.contains(r#""membership_id" = 9"#), "{w}")
                }
                Role::Resident | Role::BuildingHead | Role::PartyOrganisation | Role::Person => {
                    assert!(w.contains("1 = 0"), "{w}")
                }
            }
        }
    }
}
