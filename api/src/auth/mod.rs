//! Authentication: accounts with argon2id passwords, short-lived JWT access
//! tokens, rotating refresh tokens, and OAuth2 client credentials for
//! machine clients.

pub mod graphql;
pub mod jwt;
pub mod password;
pub mod principal;
pub mod service;

pub use jwt::JwtKeys;

crate::verbs! {
    /// What session mutations do, as recorded in the audit log.
    pub enum Verbs {
        AuthLogin = "auth.login",
        AuthRefresh = "auth.refresh",
        AuthLogout = "auth.logout",
        AuthClientToken = "auth.client_token",
    }
}
pub use principal::{Actor, Principal, Scope};
