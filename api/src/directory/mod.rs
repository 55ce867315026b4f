//! The directory: the region tree (district → street → community),
//! buildings, and organisations with their service areas.

pub mod graphql;
pub mod policy;
pub mod service;

use entity::{building, organisation, organisation_community, region};

use crate::graphql::loaders::{Loaders, Main};

crate::verbs! {
    /// What directory mutations do, as recorded in the audit log.
    pub enum Verbs {
        RegionCreate = "region.create",
        BuildingCreate = "building.create",
        OrganisationCreate = "organisation.create",
        OrganisationSetServiceArea = "organisation.set_service_area",
    }
}

pub fn register_loaders(l: &mut Loaders<'_>) {
    l.by_id::<region::Entity>();
    l.by_id::<building::Entity>();
    l.by_id::<organisation::Entity>();
    l.by_column::<region::Entity, Main>(region::Column::ParentId);
    l.by_column::<building::Entity, Main>(building::Column::CommunityId);
    l.by_column::<organisation_community::Entity, Main>(organisation_community::Column::OrganisationId);
}
