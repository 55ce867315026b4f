//! The indicator job, run inside every server process: freeze the month
//! whose grace period just ended, and re-compute the closed months still open to
//! correction, recording a new revision of every figure that changed (a
//! late delivery record, a corrected rating, a reopened report).
//!
//! Safe with several replicas: revisions are inserted with ON CONFLICT DO
//! NOTHING on (region, month, indicator, revision), so two processes that
//! find the same change store it once.

use std::time::Duration as StdDuration;

use chrono::Utc;
use entity::{indicator_freeze, region};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::Verbs;
use super::compute::{Tree, compute};
use super::definitions::Indicator;
use super::months::{Span, YearMonth};
use super::patterns::{self, counts};
use super::service::{changed, freeze, latest, store};
use crate::auth::Principal;
use crate::directory::graphql::Region;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::uow::{Audit, Hook, UnitOfWork};
use crate::webhooks::EventType;

/// Start the job loop of this process.
pub fn spawn(app: &AppState) {
    let app = app.clone();
    let every = StdDuration::from_millis(app.config.indicator_revise_ms.max(100));
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            if let Err(e) = run(&app).await {
                tracing::warn!(error = ?e.public_message(), "indicator job failed; retrying at the next run");
            }
        }
    });
}

/// One run: returns how many figures got a new revision.
pub async fn run(app: &AppState) -> ApiResult<usize> {
    let db = app.db.primary();
    let tz = app.config.indicator_time_zone;
    let k = i64::from(app.config.indicator_k);
    let now = Utc::now();
    let current = YearMonth::of(now, tz);
    let oldest = (0..app.config.indicator_revision_months.max(1)).fold(current, |m, _| m.prev());
    // A month is frozen once its grace period is over, not at its close.
    let live_from = YearMonth::first_live(now, tz, app.config.indicator_grace_days);
    let previous = live_from.prev();
    let tops = region::Entity::find().filter(region::Column::ParentId.is_null()).all(&db.write).await?;
    let mut revised = 0;
    for top in tops {
        freeze(&db, tz, k, top.clone(), &[previous]).await?;
        let months: Vec<YearMonth> = indicator_freeze::Entity::find()
            .filter(indicator_freeze::Column::RootRegionId.eq(top.id))
            .filter(indicator_freeze::Column::Month.gte(oldest.to_string()))
            .all(&db.write)
            .await?
            .iter()
            .filter_map(|f| YearMonth::parse(&f.month))
            .filter(|m| *m < live_from)
            .collect();
        if months.is_empty() {
            continue;
        }
        let tree = Tree::load(&db.write, &top.path).await?;
        let spans: Vec<Span> = months.iter().map(|&m| Span::new(m, tz)).collect();
        let figures = compute(&db.write, &tree, &spans, now).await?;
        let stored = latest(&db.write, &tree, &months).await?;
        let new = changed(&figures, &stored);
        if new.is_empty() {
            continue;
        }
        let system = Principal::system();
        let mut uow = UnitOfWork::begin(&db, &system).await?;
        let mut touched: Vec<String> = new.iter().map(|(_, m, ..)| m.to_string()).collect();
        touched.sort();
        touched.dedup();
        // The touched tables' patterns grow from their previous revision
        // over the whole district's figures as they now stand.
        let mut tables: Vec<(YearMonth, Indicator)> = new.iter().map(|(_, m, i, ..)| (*m, *i)).collect();
        tables.sort();
        tables.dedup();
        let now_counts =
            counts(figures.iter().filter(|((_, m, i), _)| tables.contains(&(*m, *i))).map(|(key, f)| (*key, f)));
        let previous = patterns::load(uow.txn(), top.id, &months).await?;
        let grown = patterns::derive(&tree, &now_counts, &previous, k);
        patterns::store(uow.txn(), top.id, &grown, k, now).await?;
        let n = store(uow.txn(), new.into_iter(), now).await?;
        uow.emit(
            Hook::of::<Region>(EventType::IndicatorMonthRevised, top.id)
                .community(top.id)
                .with("months", touched.clone()),
        );
        uow.commit(
            Audit::batch::<Region>(Verbs::IndicatorsRevise)
                .details(serde_json::json!({ "region": top.code, "months": touched, "figures": n })),
        )
        .await?;
        revised += n;
    }
    Ok(revised)
}
