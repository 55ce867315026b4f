//! The shared GraphQL machinery (context, ids, connections, loaders,
//! guards, the `Node` interface, the schema's limits). Nothing here names a
//! domain or the registry: the roots, loader registrations and node
//! fetchers are handed in by [`crate::schema`] and the transports.

pub mod batch;
pub mod connection;
pub mod context;
pub(crate) mod describe;
pub mod guards;
pub mod ids;
pub mod loaders;
pub mod node;
pub mod scalars;
pub mod surface;

use async_graphql::{ObjectType, SchemaBuilder, SubscriptionType};

use crate::config::Config;
use crate::state::AppState;

/// A schema's serving settings: its state and the limits of the
/// configuration.
pub fn configure<Q, M, S>(b: SchemaBuilder<Q, M, S>, state: AppState, config: &Config) -> SchemaBuilder<Q, M, S>
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    let mut b = b
        .data(state)
        // The data depth limit is the gate's (`GONGZHI_MAX_DEPTH`, which
        // measures introspection apart); the schema's own limit only has to
        // let the introspection budget through.
        .limit_depth(config.max_depth.max(crate::gate::INTROSPECTION_DEPTH))
        .limit_complexity(config.max_complexity)
        .limit_recursive_depth(64)
        .limit_directives(16)
        .disable_suggestions()
        // Reads of personal fields are recorded (`crate::access`).
        .extension(crate::access::AccessLogging);
    if !config.introspection_enabled() {
        b = b.disable_introspection();
    }
    b
}
