//! Retention (PIPL Art. 19, 47): what is kept only as long as its purpose
//! needs, run inside every server process (each job is one set-based
//! statement or a short loop; running it twice, or in two processes at
//! once, deletes nothing twice).
//!
//! - Emergency alerts: answers, visit notes, flags and rosters are purged
//!   `retention_alert_answers_days` after the alert closed (the alert's
//!   frozen counts and statistics stay).
//! - Access records: kept `retention_access_log_days` (default 3 years).
//! - Login sessions: refresh-token rows (device, address prefix, times)
//!   `retention_sessions_days` after they expired.

use std::time::Duration as StdDuration;

use chrono::{Duration, Utc};
use entity::{personal_data_access, refresh_token};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::error::ApiResult;
use crate::state::AppState;

pub fn spawn(app: &AppState) {
    let app = app.clone();
    let every = StdDuration::from_secs(app.config.retention_sweep_secs.max(1));
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            if let Err(e) = sweep(&app).await {
                tracing::warn!(error = ?e.public_message(), "retention sweep failed; retrying at the next one");
            }
        }
    });
}

/// What one sweep removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Swept {
    pub alerts_purged: usize,
    pub access_records: u64,
    pub sessions: u64,
}

/// One run of every retention job.
pub async fn sweep(app: &AppState) -> ApiResult<Swept> {
    let now = Utc::now();
    let c = &app.config;
    let db = &app.db.write;
    let days = |d: u32| Duration::days(i64::from(d));
    let alerts_purged = crate::notices::service::purge_answers(db, now - days(c.retention_alert_answers_days)).await?;
    let access_records = personal_data_access::Entity::delete_many()
        .filter(personal_data_access::Column::CreatedAt.lt(now - days(c.retention_access_log_days)))
        .exec(db)
        .await?
        .rows_affected;
    let sessions = refresh_token::Entity::delete_many()
        .filter(refresh_token::Column::ExpiresAt.lt(now - days(c.retention_sessions_days)))
        .exec(db)
        .await?
        .rows_affected;
    Ok(Swept { alerts_purged, access_records, sessions })
}
