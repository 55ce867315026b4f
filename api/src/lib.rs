//! Gongzhi (共治) server library: configuration, database, auth, policy, the
//! GraphQL schema by domain, and HTTP wiring.

pub mod accounts;
pub mod audit;
pub mod auth;
pub mod changes;
pub mod config;
pub mod db;
pub mod directory;
pub mod domains;
pub mod error;
pub mod events;
pub mod funds;
pub mod gate;
pub mod graphql;
pub mod http;
pub mod input;
pub mod lifecycle;
pub mod metrics;
pub mod notices;
pub mod policy;
pub mod projects;
pub mod reports;
pub mod seed;
pub mod services;
pub mod state;
pub mod telemetry;
pub mod uow;

pub use config::Config;
pub use db::Db;
pub use state::AppState;
