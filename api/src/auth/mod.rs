//! Authentication: accounts with argon2id passwords, short-lived JWT access
//! tokens, rotating refresh tokens, and OAuth2 client credentials for
//! machine clients.

pub mod documents;
pub mod graphql;
pub mod jwt;
pub mod password;
pub mod principal;
pub mod revocation;
pub mod service;

pub use jwt::JwtKeys;

crate::verbs! {
    /// What session mutations do, as recorded in the audit log.
    pub enum Verbs {
        AuthLogin = "auth.login",
        AuthRefresh = "auth.refresh",
        AuthLogout = "auth.logout",
        AuthClientToken = "auth.client_token",
        AuthChangePassword = "auth.change_password",
        AuthEndSession = "auth.end_session",
        AuthEndOtherSessions = "auth.end_other_sessions",
        AuthRevokeToken = "auth.revoke_token",
        AccountDisable = "account.disable",
        AccountEnable = "account.enable",
        AccountResetPassword = "account.reset_password",
    }
}

/// The principal of a bearer token, and what else the token says, if the
/// token is valid and nothing revoked it: the one check every transport
/// makes (HTTP, WebSocket, the plain HTTP endpoints). A revoked token is
/// UNAUTHENTICATED with a message that says the session ended.
pub fn authenticate(app: &crate::state::AppState, token: &str) -> crate::error::ApiResult<(Principal, jwt::TokenInfo)> {
    let (p, info) = app.keys.verify_with_info(token)?;
    if app.revocations.is_revoked(&p, &info) {
        return Err(crate::error::ApiError::Unauthenticated(t!("auth.session_ended")));
    }
    Ok((p, info))
}
pub use principal::{Actor, Principal, Scope};
