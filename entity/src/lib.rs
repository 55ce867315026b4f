//! sea-orm entities, one module per table. Entities are plain data: no
//! business rules live here (those are in `api`'s service modules) and they
//! are never exposed directly as GraphQL types.

pub mod account;
pub mod api_client;
pub mod audit_log;
pub mod building;
pub mod community_setting;
pub mod council_agenda_item;
pub mod council_meeting;
pub mod enums;
pub mod evaluation;
pub mod login_throttle;
pub mod membership;
pub mod organisation;
pub mod organisation_community;
pub mod project;
pub mod project_comment;
pub mod project_participant;
pub mod project_task;
pub mod project_transition;
pub mod project_update;
pub mod refresh_token;
pub mod region;
pub mod vote;
