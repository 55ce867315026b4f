//! Enumerations stored as short strings, so that the database stays readable
//! and portable between SQLite and PostgreSQL.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Level of a region in the administrative tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
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

/// Topic of a shared project.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum ProjectCategory {
    #[sea_orm(string_value = "ENVIRONMENT")]
    Environment,
    #[sea_orm(string_value = "ELDERLY_CARE")]
    ElderlyCare,
    #[sea_orm(string_value = "SAFETY")]
    Safety,
    #[sea_orm(string_value = "CULTURE")]
    Culture,
    #[sea_orm(string_value = "FACILITIES")]
    Facilities,
    #[sea_orm(string_value = "CHILDREN")]
    Children,
    #[sea_orm(string_value = "OTHER")]
    Other,
}

/// Lifecycle state of a shared project.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum ProjectStatus {
    #[sea_orm(string_value = "DRAFT")]
    #[serde(rename = "DRAFT")]
    Draft,
    #[sea_orm(string_value = "PROPOSED")]
    #[serde(rename = "PROPOSED")]
    Proposed,
    #[sea_orm(string_value = "DELIBERATING")]
    #[serde(rename = "DELIBERATING")]
    Deliberating,
    #[sea_orm(string_value = "VOTING")]
    #[serde(rename = "VOTING")]
    Voting,
    #[sea_orm(string_value = "APPROVED")]
    #[serde(rename = "APPROVED")]
    Approved,
    #[sea_orm(string_value = "REJECTED")]
    #[serde(rename = "REJECTED")]
    Rejected,
    #[sea_orm(string_value = "IN_PROGRESS")]
    #[serde(rename = "IN_PROGRESS")]
    InProgress,
    #[sea_orm(string_value = "COMPLETED")]
    #[serde(rename = "COMPLETED")]
    Completed,
    #[sea_orm(string_value = "EVALUATED")]
    #[serde(rename = "EVALUATED")]
    Evaluated,
    #[sea_orm(string_value = "CANCELLED")]
    #[serde(rename = "CANCELLED")]
    Cancelled,
}

/// How an organisation takes part in a project.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ParticipationRole {
    #[sea_orm(string_value = "LEAD")]
    Lead,
    #[sea_orm(string_value = "FUNDER")]
    Funder,
    #[sea_orm(string_value = "IMPLEMENTER")]
    Implementer,
    #[sea_orm(string_value = "SUPERVISOR")]
    Supervisor,
}

/// A ballot choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(8))")]
pub enum VoteChoice {
    #[sea_orm(string_value = "YES")]
    Yes,
    #[sea_orm(string_value = "NO")]
    No,
    #[sea_orm(string_value = "ABSTAIN")]
    Abstain,
}

/// Result of a closed vote.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum VoteOutcome {
    #[sea_orm(string_value = "PASSED")]
    Passed,
    #[sea_orm(string_value = "FAILED_QUORUM")]
    FailedQuorum,
    #[sea_orm(string_value = "FAILED_THRESHOLD")]
    FailedThreshold,
}

/// State of a project task.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum TaskStatus {
    #[sea_orm(string_value = "OPEN")]
    Open,
    #[sea_orm(string_value = "DONE")]
    Done,
}
