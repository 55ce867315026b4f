//! Registering a request's loaders: what each domain's `register_loaders`
//! adds its loaders to, and attaching them to a request or connection.

use async_graphql::dataloader::Loader;
use async_graphql::{Data, Request};
use sea_orm::{EntityTrait, Select};
use std::marker::PhantomData;
use std::sync::Arc;

use crate::auth::Principal;
use crate::db::Reads;
use crate::error::ApiError;
pub use crate::graphql::batch::{Mode, RequestLoader};

use super::*;

/// What a domain's `register_loaders` adds its loaders to.
pub struct Loaders<'a> {
    data: &'a mut Data,
    pub db: Reads,
    /// The viewer's account, for loaders of the viewer's own rows.
    pub viewer: Option<i32>,
    /// The request's principal, for loaders of visible rows ([`Visible`]).
    pub principal: Option<Arc<Principal>>,
    /// When batches start: per level of a driven request, or after a
    /// window (see [`crate::graphql::batch`]).
    mode: Mode,
    /// Keep loaded rows for the rest of the request.
    cache: bool,
}

impl Loaders<'_> {
    /// Any loader. In a query, a row loaded once is kept for the rest of
    /// the request: an organisation that leads one project and is assigned
    /// another's task is read once, and a later level asks no statement for
    /// rows an earlier one loaded. A query reads one consistent view, so
    /// nothing can go stale. Mutations and WebSocket connections load
    /// afresh every time: a mutation's payload must show what the previous
    /// mutation of the same request wrote, and a subscription lives long.
    pub fn add<K, T>(&mut self, loader: T)
    where
        K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
        T: Loader<K, Error = ApiError>,
    {
        self.data.insert(RequestLoader::new(loader, self.mode.clone(), self.cache));
    }

    /// Rows of `E` by primary key.
    pub fn by_id<E>(&mut self)
    where
        E: EntityTrait,
        E::Model: Clone + Send + Sync,
    {
        let l = ById::<E>::new(self.db.clone());
        self.add(l);
    }

    /// Rows of `E` by primary key, as far as `visible` (the entity's
    /// `visible_*` query, the one `node(id:)` uses) lets the request's
    /// principal see them: every relation to an entity with a visibility
    /// rule is registered this way.
    pub fn visible_by_id<E>(&mut self, visible: fn(&Principal) -> Select<E>)
    where
        E: EntityTrait,
        E::Model: Clone + Send + Sync,
    {
        let l = ById::<E>::visible(self.db.clone(), self.principal.clone(), visible);
        self.add(l);
    }

    /// Rows of `E` by primary key without the text columns `withheld`
    /// (they come back empty): what relations never need, such as a
    /// password hash, is never read for them.
    pub fn by_id_withholding<E>(&mut self, withheld: Vec<E::Column>)
    where
        E: EntityTrait,
        E::Model: Clone + Send + Sync,
        E::Column: Send + Sync,
    {
        let l = ById::<E>::withholding(self.db.clone(), withheld);
        self.add(l);
    }

    /// The first rows of `E` per value of `col`, cut in SQL
    /// ([`FirstPerParent`]).
    pub fn first_per_parent<E, Tag>(&mut self, col: E::Column)
    where
        E: EntityTrait,
        E::Model: Clone + Send + Sync,
        E::Column: Send + Sync,
        Tag: 'static,
    {
        let l = FirstPerParent::<E, Tag>::new(self.db.clone(), col);
        self.add(l);
    }

    /// Rows of `E` grouped by `col` (tag `Tag` when `E` has several).
    pub fn by_column<E, Tag>(&mut self, col: E::Column)
    where
        E: EntityTrait,
        E::Model: Clone + Send + Sync,
        E::Column: Send + Sync,
        Tag: 'static,
    {
        let l = ByColumn::<E, Tag>::new(self.db.clone(), col);
        self.add(l);
    }

    /// Rows of `E` visible to the principal (`visible`, the domain's
    /// visible-rows query), grouped by `col`.
    pub fn visible_by_column<E, Tag>(&mut self, col: E::Column, visible: fn(&Principal) -> Select<E>)
    where
        E: EntityTrait,
        E::Model: Clone + Send + Sync,
        E::Column: Send + Sync,
        Tag: 'static,
    {
        let l = Visible::<E, Tag> {
            db: self.db.clone(),
            principal: self.principal.clone(),
            visible,
            col,
            _tag: PhantomData,
        };
        self.add(l);
    }
}

/// What registers every domain's loaders (the registry's
/// `register_loaders`, handed in by the transports).
pub type Register = fn(&mut Loaders<'_>);

/// Where and how one request's (or connection's) loaders read.
pub struct Setup<'a> {
    pub db: &'a Reads,
    pub principal: Option<&'a Principal>,
    /// When batches start (a request's wave, or a connection's window,
    /// [`crate::config::DEFAULT_LOADER_WINDOW_US`]).
    pub mode: Mode,
    /// Keep the rows loaded for the rest of the request (see [`Loaders::add`]).
    pub cache: bool,
}

/// Attach a fresh set of loaders to one request.
pub fn add_data_loaders(mut req: Request, setup: Setup<'_>, register: Register) -> Request {
    insert_data_loaders(&mut req.data, setup, register);
    req
}

/// Register every domain's loaders in `data` (per request, or per WebSocket
/// connection).
pub fn insert_data_loaders(data: &mut Data, setup: Setup<'_>, register: Register) {
    let Setup { db, principal, mode, cache } = setup;
    let viewer = principal.and_then(Principal::account_id);
    let principal = principal.cloned().map(Arc::new);
    let mut loaders = Loaders { data, db: db.clone(), viewer, principal, mode, cache };
    register(&mut loaders);
}
