//! sea-orm entities, one module per table. Entities are plain data: no
//! business rules live here (those are in `api`'s service modules) and they
//! are never exposed directly as GraphQL types.

pub mod account;
pub mod api_client;
pub mod audit_log;
pub mod building;
pub mod enums;
pub mod login_throttle;
pub mod membership;
pub mod organisation;
pub mod organisation_community;
pub mod refresh_token;
pub mod region;
