//! Gongzhi (共治) server library: configuration, database, auth, policy, the
//! GraphQL schema by domain, and HTTP wiring.

// The query root merges one object per domain; proving its resolver
// futures `Send` nests as deep as the merge, past the default 128.
#![recursion_limit = "256"]

/// The allocator of every binary that links the server (the server, its
/// tests and benchmarks, so they measure what runs). glibc's malloc spent
/// 28 % of the server's CPU under load and its heap degraded after bursts
/// (issue 13); mimalloc keeps per-thread heaps. Measured with the project's
/// benchmark: see the README's Benchmark section.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

// First: its `t!` macro (messages by catalogue key) is used everywhere.
#[macro_use]
pub mod i18n;

pub mod access;
pub mod accounts;
pub mod audience;
pub mod audit;
pub mod auth;
pub mod cache;
pub mod changes;
pub mod config;
pub mod consultations;
pub mod db;
pub mod directory;
pub mod domains;
pub mod error;
pub mod events;
pub mod funds;
pub mod gate;
pub mod graphql;
pub mod http;
pub mod indicators;
pub mod input;
pub mod lifecycle;
pub mod metrics;
pub mod notices;
pub mod party;
pub mod policy;
pub mod privacy;
pub mod projects;
pub mod reports;
pub mod residency;
pub mod schema;
pub mod seed;
pub mod services;
pub mod state;
pub mod telemetry;
pub mod uow;
pub mod volunteering;
pub mod webhooks;

pub use config::Config;
pub use db::Db;
pub use state::AppState;
