//! Per-request DataLoaders: every relation a resolver follows goes through
//! one of these, so a nested query costs one SQL statement per relation level
//! whatever the list sizes. [`add_data_loaders`] is the one place they are
//! registered.

use std::collections::HashMap;
use std::marker::PhantomData;

use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{Data, Request};
use entity::{account, building, membership, organisation, organisation_community, region};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, Iterable, ModelTrait, PrimaryKeyToColumn,
    QueryFilter, QueryOrder, Value,
};

use crate::error::ApiError;

fn int_of(v: Value) -> Option<i32> {
    match v {
        Value::Int(Some(n)) => Some(n),
        _ => None,
    }
}

/// Loads rows of `E` by integer primary key.
pub struct ById<E> {
    db: DatabaseConnection,
    _e: PhantomData<E>,
}

impl<E> ById<E> {
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            _e: PhantomData,
        }
    }
}

fn pk_column<E: EntityTrait>() -> Result<E::Column, ApiError> {
    E::PrimaryKey::iter()
        .next()
        .map(|pk| pk.into_column())
        .ok_or_else(|| ApiError::internal("entity without key"))
}

impl<E> Loader<i32> for ById<E>
where
    E: EntityTrait,
    E::Model: Clone + Send + Sync,
{
    type Value = E::Model;
    type Error = ApiError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, E::Model>, ApiError> {
        let col = pk_column::<E>()?;
        let rows = E::find()
            .filter(col.is_in(keys.iter().copied()))
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|m| int_of(m.get(col)).map(|id| (id, m)))
            .collect())
    }
}

/// Loads all rows of `E` whose `col` equals a key, ordered by primary key.
/// One grouping column per entity (the DataLoader is keyed by type).
pub struct ByColumn<E: EntityTrait> {
    db: DatabaseConnection,
    col: E::Column,
}

impl<E: EntityTrait> ByColumn<E> {
    pub fn new(db: DatabaseConnection, col: E::Column) -> Self {
        Self { db, col }
    }
}

impl<E> Loader<i32> for ByColumn<E>
where
    E: EntityTrait,
    E::Model: Clone + Send + Sync,
    E::Column: Send + Sync,
{
    type Value = Vec<E::Model>;
    type Error = ApiError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Vec<E::Model>>, ApiError> {
        let mut q = E::find().filter(self.col.is_in(keys.iter().copied()));
        for pk in E::PrimaryKey::iter() {
            q = q.order_by_asc(pk.into_column());
        }
        let rows = q.all(&self.db).await?;
        let mut out: HashMap<i32, Vec<E::Model>> = HashMap::new();
        for m in rows {
            if let Some(k) = int_of(m.get(self.col)) {
                out.entry(k).or_default().push(m);
            }
        }
        Ok(out)
    }
}

/// Attach a fresh set of loaders to one request.
pub fn add_data_loaders(mut req: Request, db: &DatabaseConnection) -> Request {
    insert_data_loaders(&mut req.data, db);
    req
}

/// Register every loader in `data` (per request, or per WebSocket connection).
pub fn insert_data_loaders(data: &mut Data, db: &DatabaseConnection) {
    fn add<T: Loader<i32, Error = ApiError>>(data: &mut Data, loader: T) {
        data.insert(DataLoader::new(loader, tokio::spawn));
    }
    add(data, ById::<region::Entity>::new(db.clone()));
    add(data, ById::<building::Entity>::new(db.clone()));
    add(data, ById::<organisation::Entity>::new(db.clone()));
    add(data, ById::<account::Entity>::new(db.clone()));
    add(data, ById::<membership::Entity>::new(db.clone()));
    add(data, ById::<entity::api_client::Entity>::new(db.clone()));
    add(
        data,
        ByColumn::<region::Entity>::new(db.clone(), region::Column::ParentId),
    );
    add(
        data,
        ByColumn::<building::Entity>::new(db.clone(), building::Column::CommunityId),
    );
    add(
        data,
        ByColumn::<membership::Entity>::new(db.clone(), membership::Column::AccountId),
    );
    add(
        data,
        ByColumn::<organisation_community::Entity>::new(
            db.clone(),
            organisation_community::Column::OrganisationId,
        ),
    );
}
