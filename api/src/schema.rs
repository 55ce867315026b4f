//! The application's schema: the registry's roots ([`crate::domains`])
//! served with the kernel's settings ([`crate::graphql::configure`]).

use async_graphql::{Schema, SchemaBuilder};

use crate::config::Config;
use crate::domains::{Mutation, Query, Subscription};
use crate::state::AppState;

pub type AppSchema = Schema<Query, Mutation, Subscription>;

/// The schema without runtime data: what `export-schema` prints.
pub fn builder() -> SchemaBuilder<Query, Mutation, Subscription> {
    Schema::build(Query::default(), Mutation::default(), Subscription::default())
}

/// The SDL of the schema, as committed in `schema.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}

/// The serving schema with limits from the configuration.
pub fn build(state: AppState, config: &Config) -> AppSchema {
    crate::graphql::configure(builder(), state, config).finish()
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn every_schema_element_is_described() {
        let missing = crate::graphql::describe::tests::undescribed(&super::builder().finish()).await;
        assert!(missing.is_empty(), "{} without a description:\n{}", missing.len(), missing.join("\n"));
    }
}
