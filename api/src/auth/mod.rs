//! Authentication: accounts with argon2id passwords, short-lived JWT access
//! tokens, rotating refresh tokens, and OAuth2 client credentials for
//! machine clients.

pub mod graphql;
pub mod jwt;

pub mod password;
pub mod principal;
pub mod service;

pub use jwt::JwtKeys;
pub use principal::{Actor, Principal, Scope};
