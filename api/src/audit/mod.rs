//! Accountability: the append-only audit log. Every successful mutation calls
//! [`record`] inside the transaction that makes its change, so the log has
//! exactly one row per change and none for a refused or rolled-back one. The
//! log's increasing id doubles as a change feed (`auditLog` query).

pub mod graphql;
pub mod service;

pub use service::record;
