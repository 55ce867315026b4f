//! DataLoaders specific to projects: live tallies, the viewer's own ballot
//! and evaluation, evaluation summaries, the latest N updates per project
//! (one window-function query for all projects) and community settings.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use entity::enums::VoteChoice;
use entity::{evaluation, project_update, vote};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{ColumnTrait, EntityTrait, FromQueryResult, QueryFilter, QuerySelect, Statement, Value};

use super::voting::{self, Tally};
use crate::db::Reads;
use crate::error::ApiError;
use crate::graphql::loaders::placeholders;

/// Live vote counts by project.
pub struct TallyLoader(pub Reads);

impl Loader<i32> for TallyLoader {
    type Value = Tally;
    type Error = ApiError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Tally>, ApiError> {
        voting::live_tallies(&self.0, keys).await
    }
}

/// The viewer's own ballot by project. Built per request for one account;
/// it can only ever return that account's choices.
pub struct ViewerVoteLoader {
    pub db: Reads,
    pub account_id: Option<i32>,
}

impl Loader<i32> for ViewerVoteLoader {
    type Value = VoteChoice;
    type Error = ApiError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, VoteChoice>, ApiError> {
        let Some(me) = self.account_id else { return Ok(HashMap::new()) };
        let rows = vote::Entity::find()
            .filter(vote::Column::AccountId.eq(me))
            .filter(vote::Column::ProjectId.is_in(keys.iter().copied()))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|v| (v.project_id, v.choice)).collect())
    }
}

/// The viewer's own evaluation by project.
pub struct ViewerEvaluationLoader {
    pub db: Reads,
    pub account_id: Option<i32>,
}

impl Loader<i32> for ViewerEvaluationLoader {
    type Value = evaluation::Model;
    type Error = ApiError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, evaluation::Model>, ApiError> {
        let Some(me) = self.account_id else { return Ok(HashMap::new()) };
        let rows = evaluation::Entity::find()
            .filter(evaluation::Column::AccountId.eq(me))
            .filter(evaluation::Column::ProjectId.is_in(keys.iter().copied()))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|e| (e.project_id, e)).collect())
    }
}

/// Count and average rating by project.
pub struct EvaluationSummaryLoader(pub Reads);

#[derive(FromQueryResult)]
struct SummaryRow {
    project_id: i32,
    n: i64,
    total: Option<i64>,
}

impl Loader<i32> for EvaluationSummaryLoader {
    /// (count, sum of ratings)
    type Value = (i64, i64);
    type Error = ApiError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, (i64, i64)>, ApiError> {
        let rows = evaluation::Entity::find()
            .select_only()
            .column(evaluation::Column::ProjectId)
            .expr_as(Func::count(Expr::col(evaluation::Column::Id)), "n")
            .expr_as(Expr::cust("CAST(SUM(rating) AS BIGINT)"), "total")
            .filter(evaluation::Column::ProjectId.is_in(keys.iter().copied()))
            .group_by(evaluation::Column::ProjectId)
            .into_model::<SummaryRow>()
            .all(&self.0)
            .await?;
        Ok(rows.into_iter().map(|r| (r.project_id, (r.n, r.total.unwrap_or(0)))).collect())
    }
}

/// The newest `n` updates of each project: one `ROW_NUMBER() OVER
/// (PARTITION BY project_id ...)` query per distinct `n`, for all projects
/// at once. Keys are (project id, n).
pub struct LatestUpdatesLoader(pub Reads);

impl Loader<(i32, u32)> for LatestUpdatesLoader {
    type Value = Vec<project_update::Model>;
    type Error = ApiError;

    async fn load(&self, keys: &[(i32, u32)]) -> Result<HashMap<(i32, u32), Vec<project_update::Model>>, ApiError> {
        let mut by_limit: HashMap<u32, Vec<i32>> = HashMap::new();
        for &(project, n) in keys {
            by_limit.entry(n).or_default().push(project);
        }
        let backend = self.0.get_database_backend();
        let mut out = HashMap::new();
        for (n, projects) in by_limit {
            let sql = format!(
                "SELECT id, project_id, organisation_id, author_account_id, body, percent_complete, created_at FROM (
                   SELECT u.*, ROW_NUMBER() OVER (PARTITION BY project_id ORDER BY id DESC) AS rn
                   FROM project_updates u WHERE project_id IN ({})
                 ) t WHERE rn <= {n} ORDER BY project_id, id DESC",
                placeholders(backend, projects.len())
            );
            let values: Vec<Value> = projects.iter().map(|&p| p.into()).collect();
            let rows = project_update::Entity::find()
                .from_raw_sql(Statement::from_sql_and_values(backend, sql, values))
                .all(&self.0)
                .await?;
            for &p in &projects {
                out.insert((p, n), Vec::new());
            }
            for r in rows {
                out.entry((r.project_id, n)).or_insert_with(Vec::new).push(r);
            }
        }
        Ok(out)
    }
}
