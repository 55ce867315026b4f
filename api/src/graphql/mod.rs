//! The GraphQL schema: one `MergedObject` root per operation type, merged
//! from the domain modules, plus the shared machinery (context, ids,
//! connections, loaders, the `Node` interface).

pub mod connection;
pub mod context;
pub mod guards;
pub mod ids;
pub mod loaders;
pub mod node;

use async_graphql::{MergedObject, MergedSubscription, Schema, SchemaBuilder};

use crate::accounts::graphql::{AccountsMutation, AccountsQuery};
use crate::audit::graphql::AuditQuery;
use crate::auth::graphql::{AuthMutation, AuthQuery};
use crate::config::Config;
use crate::directory::graphql::{DirectoryMutation, DirectoryQuery};
use crate::projects::graphql::{ProjectsMutation, ProjectsQuery, ProjectsSubscription};
use crate::state::AppState;

#[derive(MergedObject, Default)]
pub struct QueryRoot(node::NodeQuery, AuthQuery, DirectoryQuery, AccountsQuery, AuditQuery, ProjectsQuery);

#[derive(MergedObject, Default)]
pub struct MutationRoot(AuthMutation, DirectoryMutation, AccountsMutation, ProjectsMutation);

#[derive(MergedSubscription, Default)]
pub struct SubscriptionRoot(ProjectsSubscription);

pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// The schema without runtime data: what `export-schema` prints.
pub fn builder() -> SchemaBuilder<QueryRoot, MutationRoot, SubscriptionRoot> {
    Schema::build(QueryRoot::default(), MutationRoot::default(), SubscriptionRoot::default())
}

/// The SDL of the schema, as committed in `schema.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}

/// The serving schema with limits from the configuration.
pub fn build(state: AppState, config: &Config) -> AppSchema {
    let mut b = builder()
        .data(state)
        .limit_depth(config.max_depth)
        .limit_complexity(config.max_complexity)
        .limit_recursive_depth(64)
        .limit_directives(16)
        .disable_suggestions();
    if !config.introspection_enabled() {
        b = b.disable_introspection();
    }
    b.finish()
}
