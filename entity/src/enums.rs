//! Enumerations stored as short strings, so that the database stays readable
//! and portable between SQLite and PostgreSQL.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Level of a region in the administrative tree.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum RegionKind {
    #[sea_orm(string_value = "DISTRICT")]
    District,
    #[sea_orm(string_value = "STREET")]
    Street,
    #[sea_orm(string_value = "COMMUNITY")]
    Community,
}

/// What an organisation is.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum OrganisationKind {
    #[sea_orm(string_value = "GOVERNMENT_OFFICE")]
    GovernmentOffice,
    #[sea_orm(string_value = "COMMUNITY_COMMITTEE")]
    CommunityCommittee,
    #[sea_orm(string_value = "SOCIAL_ORGANIZATION")]
    SocialOrganization,
    #[sea_orm(string_value = "PROPERTY_COMPANY")]
    PropertyCompany,
}

/// The role a principal acts in.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum Role {
    #[sea_orm(string_value = "RESIDENT")]
    #[serde(rename = "RESIDENT")]
    Resident,
    #[sea_orm(string_value = "BUILDING_HEAD")]
    #[serde(rename = "BUILDING_HEAD")]
    BuildingHead,
    #[sea_orm(string_value = "COMMUNITY_COMMITTEE")]
    #[serde(rename = "COMMUNITY_COMMITTEE")]
    CommunityCommittee,
    #[sea_orm(string_value = "GOVERNMENT_OFFICE")]
    #[serde(rename = "GOVERNMENT_OFFICE")]
    GovernmentOffice,
    #[sea_orm(string_value = "SOCIAL_ORGANIZATION")]
    #[serde(rename = "SOCIAL_ORGANIZATION")]
    SocialOrganization,
    #[sea_orm(string_value = "PROPERTY_COMPANY")]
    #[serde(rename = "PROPERTY_COMPANY")]
    PropertyCompany,
    #[sea_orm(string_value = "DISTRICT_SYSTEM")]
    #[serde(rename = "DISTRICT_SYSTEM")]
    DistrictSystem,
    #[sea_orm(string_value = "PLATFORM_ADMIN")]
    #[serde(rename = "PLATFORM_ADMIN")]
    PlatformAdmin,
}
