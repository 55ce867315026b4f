//! Shared projects (共治项目) and deliberation (居民议事会): proposals, the
//! checked lifecycle, participants, tasks, progress updates, comments,
//! council meetings, secret votes and evaluations.
//!
//! Lifecycle: DRAFT → PROPOSED → DELIBERATING → VOTING → APPROVED | REJECTED
//! → IN_PROGRESS → COMPLETED → EVALUATED, and CANCELLED from any open state
//! (DRAFT up to IN_PROGRESS). Who may make each move is decided in
//! [`crate::policy::authorize_project`]; from which state, in [`service`].

pub mod council;
pub mod graphql;
pub mod loaders;
pub mod service;
pub mod voting;
