//! Governance indicators (治理指标): monthly figures per community, street
//! and district, computed by SQL aggregation over the other domains' data
//! (reports, ratings, participation, funds, services, projects).
//!
//! - [`definitions`]: the indicators, their units and direction;
//! - [`months`]: calendar months in the configured time zone, as UTC ranges;
//! - [`compute`]: the aggregation (fixed statements, rows per community and
//!   month), rolled up the region tree by adding counts;
//! - [`service`]: reading (closed months frozen, the current month live),
//!   and freezing;
//! - [`suppress`]: small-count and complementary suppression, one pattern
//!   per published table;
//! - [`patterns`]: the patterns stored with frozen months, read by every
//!   audience of suppressed figures;
//! - [`jobs`]: freezing at month close and revising corrected months;
//! - [`policy`]: who reads which region's indicators, and how;
//! - [`organisation`]: an organisation's own figures for its staff.

pub mod compute;
pub mod definitions;
pub mod export;
pub mod graphql;
pub mod jobs;
pub mod months;
pub mod organisation;
pub mod patterns;
pub mod policy;
pub mod service;
mod statements;
pub mod suppress;

crate::verbs! {
    /// What the indicator jobs write, as recorded in the audit log.
    pub enum Verbs {
        IndicatorsFreeze = "indicators.freeze",
        IndicatorsRevise = "indicators.revise",
    }
}
