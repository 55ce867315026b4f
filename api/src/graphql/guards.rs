//! Field guards: the coarse "may this principal call this field at all"
//! check, declared on the field so that a reader of the schema code sees it.
//! Both delegate to [`crate::policy`].
//!
//! Decision: a guard is required on every root field that needs a
//! principal, and on no other field. Object fields are reached only through
//! a root field (or `node`), whose visible-rows query already decided what
//! the principal may see; their personal parts are masked by the domain's
//! policy. The services check again, because the command line calls them
//! too.

use async_graphql::{Context, Guard, Result};

use crate::graphql::context::ContextExt;
use crate::policy::{self, Permission};

/// The request must carry a valid token.
pub struct Authenticated;

impl Guard for Authenticated {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        ctx.principal()?;
        Ok(())
    }
}

/// The principal's role must allow the permission (see [`policy::authorize`]).
pub struct Allowed<P: Permission>(pub P);

impl<P: Permission> Guard for Allowed<P> {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        policy::authorize(ctx.principal()?, self.0)?;
        Ok(())
    }
}
