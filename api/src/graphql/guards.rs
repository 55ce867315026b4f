//! Field guards: the coarse "may this principal call this field at all"
//! check, declared on the field so that a reader of the schema code sees it.
//! Both delegate to [`crate::policy`]; the services check again, because
//! they are also called from the command line.

use async_graphql::{Context, Guard, Result};

use crate::graphql::context::ContextExt;
use crate::policy::{self, Action};

/// The request must carry a valid token.
pub struct Authenticated;

impl Guard for Authenticated {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        ctx.principal()?;
        Ok(())
    }
}

/// The principal's role must allow `Action` (see [`policy::authorize`]).
pub struct Allowed(pub Action);

impl Guard for Allowed {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        policy::authorize(ctx.principal()?, self.0)?;
        Ok(())
    }
}
