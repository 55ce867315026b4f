//! Typed access to what a resolver needs from the request context.

use crate::graphql::loaders::RequestLoader;
use async_graphql::Context;

use crate::auth::Principal;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The principal of this request, if it presented a valid token.
#[derive(Clone, Debug, Default)]
pub struct RequestPrincipal(pub Option<Principal>);

/// The network address of the client (for throttling), when known.
#[derive(Clone, Copy, Debug, Default)]
pub struct ClientAddr(pub Option<std::net::IpAddr>);

/// The client's `User-Agent`, when it sent one (a session's device label).
#[derive(Clone, Debug, Default)]
pub struct UserAgent(pub Option<String>);

/// The login session (refresh-token family) of this request's token.
#[derive(Clone, Debug, Default)]
pub struct RequestSession(pub Option<String>);

/// Whom a mutation signed in (login, token refresh, sign-up): its next
/// requests come as that principal, and read at least as fresh as this
/// mutation (see `db::cluster`). Shared with the HTTP layer, which records
/// the position after the request.
#[derive(Default)]
pub struct SignedIn(pub std::sync::Mutex<Option<Principal>>);

/// Note that this request signed `principal` in (where the request keeps
/// track: a mutation on HTTP or WebSocket).
pub fn note_signed_in(ctx: &Context<'_>, principal: &Principal) {
    if let Some(slot) = ctx.data_opt::<std::sync::Arc<SignedIn>>()
        && let Ok(mut p) = slot.0.lock()
    {
        *p = Some(principal.clone());
    }
}

pub trait ContextExt {
    fn app(&self) -> &AppState;
    fn db(&self) -> &Db {
        &self.app().db
    }
    /// The principal, or `UNAUTHENTICATED`.
    fn principal(&self) -> ApiResult<&Principal>;
    fn loader<T: Send + Sync + 'static>(&self) -> ApiResult<&RequestLoader<T>>;
    fn client_addr(&self) -> Option<std::net::IpAddr>;
    /// The client as a login or password check records it.
    fn client(&self) -> crate::auth::service::Client {
        crate::auth::service::Client { addr: self.client_addr(), user_agent: self.user_agent() }
    }
    fn user_agent(&self) -> Option<String>;
    /// The login session of this request's token.
    fn session_id(&self) -> Option<&str>;
}

impl ContextExt for Context<'_> {
    fn app(&self) -> &AppState {
        // The schema is always built with the state; see `schema::build`.
        match self.data::<AppState>() {
            Ok(s) => s,
            Err(_) => unreachable_state(),
        }
    }

    fn principal(&self) -> ApiResult<&Principal> {
        self.data_opt::<RequestPrincipal>().and_then(|p| p.0.as_ref()).ok_or_else(ApiError::unauthenticated)
    }

    fn loader<T: Send + Sync + 'static>(&self) -> ApiResult<&RequestLoader<T>> {
        self.data::<RequestLoader<T>>().map_err(|_| ApiError::internal("data loader missing from request"))
    }

    fn client_addr(&self) -> Option<std::net::IpAddr> {
        self.data_opt::<ClientAddr>().and_then(|a| a.0)
    }

    fn user_agent(&self) -> Option<String> {
        self.data_opt::<UserAgent>().and_then(|u| u.0.clone())
    }

    fn session_id(&self) -> Option<&str> {
        self.data_opt::<RequestSession>().and_then(|s| s.0.as_deref())
    }
}

#[allow(clippy::panic)]
#[cold]
fn unreachable_state() -> ! {
    // A schema without state is a programming error caught by every test.
    panic!("AppState missing from schema data")
}
