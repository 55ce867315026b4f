//! Per-request DataLoaders: every relation a resolver follows goes through
//! one of these, so a nested query costs one SQL statement per relation level
//! whatever the list sizes. [`add_data_loaders`] is the one place they are
//! registered.

use std::collections::HashMap;
use std::marker::PhantomData;
use std::time::Duration;

use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{Context, Data, Request};
use entity::{account, building, membership, organisation, organisation_community, region};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, Iterable, ModelTrait, PrimaryKeyToColumn, QueryFilter, QueryOrder,
    Value,
};

use crate::error::{ApiError, ApiResult};
use crate::graphql::context::ContextExt;

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
        Self { db, _e: PhantomData }
    }
}

fn pk_column<E: EntityTrait>() -> Result<E::Column, ApiError> {
    E::PrimaryKey::iter().next().map(|pk| pk.into_column()).ok_or_else(|| ApiError::internal("entity without key"))
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
        let rows = E::find().filter(col.is_in(keys.iter().copied())).all(&self.db).await?;
        Ok(rows.into_iter().filter_map(|m| int_of(m.get(col)).map(|id| (id, m))).collect())
    }
}

/// Load one row of `E` by id through the request's [`ById`] loader and wrap
/// it as a GraphQL object; no id, or no such row, gives `None`.
pub async fn load_by_id<E, T>(
    ctx: &Context<'_>,
    id: impl Into<Option<i32>>,
    wrap: impl FnOnce(E::Model) -> T,
) -> ApiResult<Option<T>>
where
    E: EntityTrait,
    E::Model: Clone + Send + Sync,
{
    let Some(id) = id.into() else { return Ok(None) };
    Ok(ctx.loader::<ById<E>>()?.load_one(id).await?.map(wrap))
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
pub fn add_data_loaders(
    mut req: Request,
    db: &DatabaseConnection,
    account_id: Option<i32>,
    window: Duration,
) -> Request {
    insert_data_loaders(&mut req.data, db, account_id, window);
    req
}

/// Register every loader in `data` (per request, or per WebSocket
/// connection). `account_id` is the viewer's account, for the loaders that
/// return the viewer's own rows (ballot, evaluation).
/// `window` is how long a loader waits for more keys (see
/// [`crate::config::DEFAULT_LOADER_WINDOW_US`]).
pub fn insert_data_loaders(data: &mut Data, db: &DatabaseConnection, account_id: Option<i32>, window: Duration) {
    fn add<K, T>(data: &mut Data, window: Duration, loader: T)
    where
        K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
        T: Loader<K, Error = ApiError>,
    {
        data.insert(DataLoader::new(loader, tokio::spawn).delay(window));
    }
    use crate::projects::loaders as pl;
    use entity::{
        council_agenda_item, council_meeting, project, project_comment, project_participant, project_task,
        project_transition, project_update,
    };
    let d = || db.clone();
    add(data, window, ById::<region::Entity>::new(d()));
    add(data, window, ById::<building::Entity>::new(d()));
    add(data, window, ById::<organisation::Entity>::new(d()));
    add(data, window, ById::<account::Entity>::new(d()));
    add(data, window, ById::<membership::Entity>::new(d()));
    add(data, window, ById::<entity::api_client::Entity>::new(d()));
    add(data, window, ById::<project::Entity>::new(d()));
    add(data, window, ById::<council_meeting::Entity>::new(d()));
    add(data, window, ByColumn::<region::Entity>::new(d(), region::Column::ParentId));
    add(data, window, ByColumn::<building::Entity>::new(d(), building::Column::CommunityId));
    add(data, window, ByColumn::<membership::Entity>::new(d(), membership::Column::AccountId));
    add(
        data,
        window,
        ByColumn::<organisation_community::Entity>::new(d(), organisation_community::Column::OrganisationId),
    );
    add(data, window, ByColumn::<project_participant::Entity>::new(d(), project_participant::Column::ProjectId));
    add(data, window, ByColumn::<project_task::Entity>::new(d(), project_task::Column::ProjectId));
    add(data, window, ByColumn::<project_update::Entity>::new(d(), project_update::Column::ProjectId));
    add(data, window, ByColumn::<project_comment::Entity>::new(d(), project_comment::Column::ProjectId));
    add(data, window, ByColumn::<project_transition::Entity>::new(d(), project_transition::Column::ProjectId));
    add(data, window, ByColumn::<council_agenda_item::Entity>::new(d(), council_agenda_item::Column::MeetingId));
    add(data, window, pl::TallyLoader(d()));
    add(data, window, pl::EvaluationSummaryLoader(d()));
    add(data, window, pl::LatestUpdatesLoader(d()));
    add(data, window, pl::ViewerVoteLoader { db: d(), account_id });
    add(data, window, pl::ViewerEvaluationLoader { db: d(), account_id });
}
