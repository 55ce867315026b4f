//! The acting principal of a request: an account acting in one membership, or
//! an API client. Built at login from the database and carried in the access
//! token, so that a request needs no extra query to know who is asking.

use entity::enums::Role;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Actor {
    Account {
        account_id: i32,
        membership_id: i32,
    },
    Client {
        api_client_id: i32,
    },
    /// The operator at the command line (`gongzhi create-account`, seeding).
    System,
}

/// Where a role is held. Which fields are set depends on the role:
/// community roles have `community_id` (and residents a `building_id`),
/// offices and district systems a `region_id`, organisations an
/// `organisation_id`. `region_path` is the materialised path of the
/// community or region, used to filter "everything under my region" in SQL.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region_id: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub community_id: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub building_id: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation_id: Option<i32>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    /// Who acted (null for machine clients and the command line).
    pub actor: Actor,
    /// The role.
    pub role: Role,
    pub scope: Scope,
}

impl Principal {
    pub fn system() -> Self {
        Self { actor: Actor::System, role: Role::PlatformAdmin, scope: Scope::default() }
    }

    pub fn account_id(&self) -> Option<i32> {
        match self.actor {
            Actor::Account { account_id, .. } => Some(account_id),
            _ => None,
        }
    }

    pub fn membership_id(&self) -> Option<i32> {
        match self.actor {
            Actor::Account { membership_id, .. } => Some(membership_id),
            _ => None,
        }
    }

    pub fn api_client_id(&self) -> Option<i32> {
        match self.actor {
            Actor::Client { api_client_id } => Some(api_client_id),
            _ => None,
        }
    }
}
