//! Database migrations, shared by SQLite and PostgreSQL. Run on their own with
//! `cargo run -p migration -- up`, or through `gongzhi migrate`.

pub use sea_orm_migration::prelude::*;

mod helpers;
mod m20261126_000001_core;
mod m20261126_000002_projects;
mod m20261126_000003_audit_append_only;
mod m20261126_000004_vote_live_tally;
mod m20261126_000005_funds;
mod m20261126_000006_reports;
mod m20261126_000007_notices;
mod m20261126_000008_services;
mod m20261126_000009_indicators;
mod m20261204_000010_sessions;
mod m20261204_000011_suppression;
mod m20261204_000012_login_throttle;
mod m20261204_000013_idempotency;
mod m20261204_000014_residency;
mod m20261204_000015_client_documents;
mod m20261204_000016_webhooks;
mod m20261204_000017_report_times;
mod m20261205_000018_personal_data;
mod m20261205_000019_report_loops;
mod m20261205_000020_timeline_organisation;
mod m20261205_000021_council_records;
mod m20261206_000022_read_positions;
mod m20261207_000023_volunteering;
mod m20261207_000024_consultations;
mod m20261208_000025_party;
mod m20261208_000026_building_targets;
mod m20261208_000027_points_per_activity;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_core::Migration),
            Box::new(m20261126_000002_projects::Migration),
            Box::new(m20261126_000003_audit_append_only::Migration),
            Box::new(m20261126_000004_vote_live_tally::Migration),
            Box::new(m20261126_000005_funds::Migration),
            Box::new(m20261126_000006_reports::Migration),
            Box::new(m20261126_000007_notices::Migration),
            Box::new(m20261126_000008_services::Migration),
            Box::new(m20261126_000009_indicators::Migration),
            Box::new(m20261204_000010_sessions::Migration),
            Box::new(m20261204_000011_suppression::Migration),
            Box::new(m20261204_000012_login_throttle::Migration),
            Box::new(m20261204_000013_idempotency::Migration),
            Box::new(m20261204_000014_residency::Migration),
            Box::new(m20261204_000015_client_documents::Migration),
            Box::new(m20261204_000016_webhooks::Migration),
            Box::new(m20261204_000017_report_times::Migration),
            Box::new(m20261205_000018_personal_data::Migration),
            Box::new(m20261205_000019_report_loops::Migration),
            Box::new(m20261205_000020_timeline_organisation::Migration),
            Box::new(m20261205_000021_council_records::Migration),
            Box::new(m20261206_000022_read_positions::Migration),
            Box::new(m20261207_000023_volunteering::Migration),
            Box::new(m20261207_000024_consultations::Migration),
            Box::new(m20261208_000025_party::Migration),
            Box::new(m20261208_000026_building_targets::Migration),
            Box::new(m20261208_000027_points_per_activity::Migration),
        ]
    }
}
