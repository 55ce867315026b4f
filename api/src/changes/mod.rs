//! The change feed: every object created, updated or deleted by a write
//! that records changes (`UnitOfWork::changed`), in commit order, paged by
//! an opaque cursor that never skips an entry (see `uow.rs` for why the ids
//! are in commit order on PostgreSQL too).
//!
//! The feed is for integrations and consoles: an organisation (its staff or
//! its machine client) reads the changes to its own objects, a committee
//! those of its community, an office those under its region, platform
//! admins all. Residents use subscriptions; district systems read
//! aggregates only, so neither reads the feed.

pub mod graphql;
pub mod policy;
