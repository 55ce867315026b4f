//! Accountability: the append-only audit log, as a query. Every successful
//! mutation writes exactly one row through the unit of work
//! ([`crate::uow`]); the log's increasing id doubles as a change feed
//! (`auditLog` query).

pub mod graphql;
pub mod policy;
