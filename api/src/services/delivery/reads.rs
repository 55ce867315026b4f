//! Lists and sums of delivery records.

use chrono::NaiveDate;
use entity::delivery_record;
use sea_orm::sea_query::{Alias, Expr, Func};
use sea_orm::{ColumnTrait, ConnectionTrait, FromQueryResult, QueryFilter, QuerySelect, Select};

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::services::policy;

/// Filters of the record list.
#[derive(Default)]
pub struct RecordFilter {
    pub external_ids: Option<Vec<String>>,
    pub service_id: Option<i32>,
    pub community_id: Option<i32>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// The visible records matching the filter.
pub fn list(p: &Principal, f: RecordFilter) -> ApiResult<Select<delivery_record::Entity>> {
    use delivery_record::Column as D;
    let mut q = policy::visible_records(p);
    if let Some(ids) = f.external_ids {
        if ids.len() > 1000 {
            return Err(ApiError::bad_input("externalIds", t!("services.most_1000_ids")));
        }
        q = q.filter(D::ExternalId.is_in(ids));
    }
    if let Some(s) = f.service_id {
        q = q.filter(D::ServiceId.eq(s));
    }
    if let Some(c) = f.community_id {
        q = q.filter(D::CommunityId.eq(c));
    }
    if let Some(d) = f.from {
        q = q.filter(D::DeliveredOn.gte(d));
    }
    if let Some(d) = f.to {
        q = q.filter(D::DeliveredOn.lte(d));
    }
    Ok(q)
}

/// Sums of delivery records: records, beneficiaries, minutes.
#[derive(FromQueryResult, Default)]
pub struct Totals {
    pub records: i64,
    pub beneficiaries: Option<i64>,
    pub minutes: Option<i64>,
}

/// Totals over `records` (already scoped), by one aggregate statement.
pub async fn totals<C: ConnectionTrait>(conn: &C, records: Select<delivery_record::Entity>) -> ApiResult<Totals> {
    use delivery_record::Column as D;
    // SUM is BIGINT on PostgreSQL already, NUMERIC for BIGINT input; the
    // cast keeps the decoded type an i64 on both engines.
    let sum =
        |c: D| Expr::from(Func::cast_as(Func::sum(Expr::col((delivery_record::Entity, c))), Alias::new("BIGINT")));
    let row = records
        .select_only()
        .column_as(Expr::cust("COUNT(*)"), "records")
        .column_as(sum(D::Beneficiaries), "beneficiaries")
        .column_as(sum(D::DurationMinutes), "minutes")
        .into_model::<Totals>()
        .one(conn)
        .await?;
    Ok(row.unwrap_or_default())
}
