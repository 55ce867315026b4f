//! sea-orm entities, one module per table. Entities are plain data: no
//! business rules live here (those are in `api`'s service modules) and they
//! are never exposed directly as GraphQL types.

pub mod account;
pub mod alert_flag;
pub mod alert_response;
pub mod alert_visit;
pub mod api_client;
pub mod audit_log;
pub mod budget_ballot;
pub mod budget_ballot_item;
pub mod budget_round;
pub mod budget_round_project;
pub mod building;
pub mod community_setting;
pub mod council_agenda_item;
pub mod council_meeting;
pub mod enums;
pub mod evaluation;
pub mod fund;
pub mod fund_allocation;
pub mod fund_expenditure;
pub mod fund_ledger;
pub mod login_throttle;
pub mod membership;
pub mod notice;
pub mod notice_read;
pub mod notice_target;
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
pub mod report;
pub mod report_category;
pub mod report_event;
pub mod report_photo;
pub mod vote;
