//! The GraphQL schema, built from the roots of the domain registry
//! ([`crate::domains`]), plus the shared machinery (context, ids,
//! connections, loaders, guards, the `Node` interface). Nothing here names a
//! domain.

pub mod batch;
pub mod connection;
pub mod context;
mod describe;
pub mod guards;
pub mod ids;
pub mod loaders;
pub mod node;
pub mod scalars;

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
    let mut b = builder()
        .data(state)
        // The data depth limit is the gate's (`GONGZHI_MAX_DEPTH`, which
        // measures introspection apart); the schema's own limit only has to
        // let the introspection budget through.
        .limit_depth(config.max_depth.max(crate::gate::INTROSPECTION_DEPTH))
        .limit_complexity(config.max_complexity)
        .limit_recursive_depth(64)
        .limit_directives(16)
        .disable_suggestions();
    if !config.introspection_enabled() {
        b = b.disable_introspection();
    }
    b.finish()
}
