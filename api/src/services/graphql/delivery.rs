//! Delivery records: the type, and the batches integrations push.

use crate::access::{Disclose, Field};
use crate::graphql::node::NodeType;
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use entity::{account, delivery_record, organisation, region, service};

use crate::accounts::graphql::Account;
use crate::directory::graphql::{Organisation, Region};
use crate::error::{ApiError, ApiResult};
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Authenticated;
use crate::graphql::ids;
use crate::graphql::loaders::load_by_id;
use crate::graphql::scalars::{Date, DateTime};
use crate::services::delivery::{self, Outcome, RecordInput};
use crate::services::policy::{self};

use super::*;

/// One delivered service occasion (服务记录).
#[derive(Clone)]
pub struct DeliveryRecord(pub delivery_record::Model);

/// One delivered service occasion (服务记录).
#[Object(visible = "super::shown::read_records")]
impl DeliveryRecord {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode("DeliveryRecord", self.0.id)
    }
    /// The organisation's own id of the record (unique per organisation).
    async fn external_id(&self) -> &str {
        &self.0.external_id
    }
    /// The service delivered.
    async fn service(&self, ctx: &Context<'_>) -> ApiResult<Option<Service>> {
        load_by_id::<service::Entity, _>(ctx, self.0.service_id, Service).await
    }
    /// The organisation that delivered it.
    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        load_by_id::<organisation::Entity, _>(ctx, self.0.organisation_id, Organisation).await
    }
    /// Where.
    async fn community(&self, ctx: &Context<'_>) -> ApiResult<Option<Region>> {
        load_by_id::<region::Entity, _>(ctx, self.0.community_id, Region).await
    }
    /// On which day (in the community's time zone, as sent).
    async fn delivered_on(&self) -> Date {
        self.0.delivered_on.into()
    }
    /// How long (minutes).
    async fn duration_minutes(&self) -> i32 {
        self.0.duration_minutes
    }
    /// How many people it served.
    async fn beneficiaries(&self) -> i32 {
        self.0.beneficiaries
    }
    /// The resident it names: shown only to the organisation, the
    /// community's committee and that resident; null for everyone else.
    async fn resident(&self, ctx: &Context<'_>) -> ApiResult<Option<Account>> {
        if !policy::sees_resident(ctx.principal()?, &self.0) {
            return Ok(None);
        }
        if let Some(r) = self.0.resident_account_id {
            ctx.disclosed(r, (Self::NAME, Some(self.0.id)), &[Field::ServiceReceived]);
        }
        load_by_id::<account::Entity, _>(ctx, self.0.resident_account_id, Account).await
    }
    /// The organisation's notes.
    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }
    /// When it was first stored.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// When its content last changed.
    async fn updated_at(&self) -> DateTime {
        self.0.updated_at.into()
    }
}

crate::node_type!(DeliveryRecord, "DeliveryRecord", delivery_record, crate::services::policy::visible_records);

/// One delivery record as an integration sends it.
#[derive(InputObject)]
pub struct DeliveryRecordInput {
    /// Your own id of the record (1 to 100 characters), unique in your
    /// organisation: sending it again updates the record or leaves it unchanged.
    pub external_id: String,
    /// A service of your organisation (global id).
    pub service_id: ID,
    /// A community where the service is offered (global id).
    pub community_id: ID,
    /// The day of the delivery (not in the future).
    pub delivered_on: Date,
    /// How long (1 to 1440 minutes).
    pub duration_minutes: i32,
    /// How many people it served (1 to 10000).
    pub beneficiaries: i32,
    /// The resident it served, if one (Account id; must live in the community).
    pub resident_id: Option<ID>,
    /// Notes (at most 2000 characters).
    pub notes: Option<String>,
}

/// A batch of delivery records.
#[derive(InputObject)]
pub struct UpsertDeliveryRecordsInput {
    /// The records (at most `GONGZHI_MAX_DELIVERY_BATCH`, 500 by default).
    pub records: Vec<DeliveryRecordInput>,
}

/// Delete delivery records by external id.
#[derive(InputObject)]
pub struct DeleteDeliveryRecordsInput {
    /// Your external ids (unknown ones are ignored).
    pub external_ids: Vec<String>,
}

/// What became of one record of a batch.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum DeliveryRecordOutcome {
    /// Stored for the first time.
    Created,
    /// Stored before with other content; now changed.
    Updated,
    /// Stored before with the same content; nothing changed.
    Unchanged,
    /// Not stored: see `error`.
    Error,
}

/// Why a record was not stored.
#[derive(SimpleObject)]
pub struct RecordError {
    /// The error code (`BAD_USER_INPUT`, `FORBIDDEN`, `CONFLICT`).
    code: String,
    /// The input field at fault, if one (`durationMinutes`).
    field: Option<String>,
    /// What is wrong.
    message: String,
}

/// The result of one record of a batch, in the order sent.
#[derive(SimpleObject)]
pub struct DeliveryRecordResult {
    /// Position in the batch (from 0).
    index: i32,
    /// The external id as sent.
    external_id: String,
    /// CREATED, UPDATED, UNCHANGED or ERROR.
    outcome: DeliveryRecordOutcome,
    /// The stored record's global id (not for ERROR).
    delivery_record_id: Option<ID>,
    /// Why it was not stored (ERROR only).
    error: Option<RecordError>,
}

/// The payload of `upsertDeliveryRecords`.
#[derive(SimpleObject)]
pub struct UpsertDeliveryRecordsPayload {
    /// One result per record, in the order sent.
    results: Vec<DeliveryRecordResult>,
    /// Records created.
    created: i32,
    /// Records updated.
    updated: i32,
    /// Records unchanged.
    unchanged: i32,
    /// Records refused.
    errors: i32,
}

/// The payload of `deleteDeliveryRecords`.
#[derive(SimpleObject)]
pub struct DeleteDeliveryRecordsPayload {
    /// Records deleted.
    deleted: i32,
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn record_error(e: &ApiError) -> RecordError {
    let field = match e {
        ApiError::BadInput { field, .. } => field.clone(),
        ApiError::Forbidden(_) => Some("serviceId".to_owned()),
        _ => None,
    };
    RecordError { code: e.code().to_owned(), field, message: e.public_message() }
}

/// Mutations of delivery records.
#[derive(Default)]
pub struct DeliveryMutation;

#[Object]
impl DeliveryMutation {
    /// Store a batch of delivery records of your organisation, idempotent by
    /// `externalId`: one result per record (CREATED, UPDATED, UNCHANGED, or
    /// ERROR with its code and field), the valid ones stored in one
    /// transaction. Sending the same batch again changes nothing. A batch
    /// over the limit is refused as a whole (BAD_USER_INPUT, field `records`).
    #[graphql(visible = "super::shown::provide", guard = "Authenticated")]
    async fn upsert_delivery_records(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: UpsertDeliveryRecordsInput,
    ) -> ApiResult<UpsertDeliveryRecordsPayload> {
        let sent: Vec<String> = input.records.iter().map(|r| r.external_id.clone()).collect();
        let records = input
            .records
            .into_iter()
            .map(|r| RecordInput {
                external_id: r.external_id,
                service_id: ids::id_of::<Service>(&r.service_id, "serviceId"),
                community_id: ids::id_of::<Region>(&r.community_id, "communityId"),
                delivered_on: r.delivered_on.0,
                duration_minutes: r.duration_minutes,
                beneficiaries: r.beneficiaries,
                resident_account_id: r.resident_id.as_ref().map(|a| ids::id_of::<Account>(a, "residentId")),
                notes: r.notes,
            })
            .collect();
        let (outcomes, counts) = delivery::upsert(ctx.app(), ctx.principal()?, records).await?;
        let results = outcomes
            .into_iter()
            .zip(sent)
            .enumerate()
            .map(|(i, (o, external_id))| {
                let (outcome, id, error) = match o {
                    Outcome::Created(id) => (DeliveryRecordOutcome::Created, Some(id), None),
                    Outcome::Updated(id) => (DeliveryRecordOutcome::Updated, Some(id), None),
                    Outcome::Unchanged(id) => (DeliveryRecordOutcome::Unchanged, Some(id), None),
                    Outcome::Error(e) => (DeliveryRecordOutcome::Error, None, Some(record_error(&e))),
                };
                DeliveryRecordResult {
                    index: count(i),
                    external_id,
                    outcome,
                    delivery_record_id: id.map(|id| ids::encode("DeliveryRecord", id)),
                    error,
                }
            })
            .collect();
        Ok(UpsertDeliveryRecordsPayload {
            results,
            created: count(counts.created),
            updated: count(counts.updated),
            unchanged: count(counts.unchanged),
            errors: count(counts.errors),
        })
    }

    /// Delete delivery records of your organisation by external id.
    #[graphql(visible = "super::shown::provide", guard = "Authenticated")]
    async fn delete_delivery_records(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input of the mutation.")] input: DeleteDeliveryRecordsInput,
    ) -> ApiResult<DeleteDeliveryRecordsPayload> {
        let n = delivery::delete(ctx.app(), ctx.principal()?, input.external_ids).await?;
        Ok(DeleteDeliveryRecordsPayload { deleted: i32::try_from(n).unwrap_or(i32::MAX) })
    }
}
