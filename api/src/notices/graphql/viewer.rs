//! The viewer's own read marks and alert answers, for all listed notices at once.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use entity::{alert_response, notice_read};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::db::Reads;

use crate::error::ApiError;

/// Whether the viewer read each notice (per request, one account).
pub struct ViewerReadLoader {
    pub db: Reads,
    pub account_id: Option<i32>,
}

impl Loader<i32> for ViewerReadLoader {
    type Value = ();
    type Error = ApiError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, ()>, ApiError> {
        let Some(me) = self.account_id else { return Ok(HashMap::new()) };
        let rows = notice_read::Entity::find()
            .filter(notice_read::Column::AccountId.eq(me))
            .filter(notice_read::Column::NoticeId.is_in(keys.iter().copied()))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|r| (r.notice_id, ())).collect())
    }
}

/// The viewer's own answers (per request, one account).
pub struct ViewerResponseLoader {
    pub db: Reads,
    pub account_id: Option<i32>,
}

impl Loader<i32> for ViewerResponseLoader {
    type Value = alert_response::Model;
    type Error = ApiError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, alert_response::Model>, ApiError> {
        let Some(me) = self.account_id else { return Ok(HashMap::new()) };
        let rows = alert_response::Entity::find()
            .filter(alert_response::Column::AccountId.eq(me))
            .filter(alert_response::Column::NoticeId.is_in(keys.iter().copied()))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|r| (r.notice_id, r)).collect())
    }
}
