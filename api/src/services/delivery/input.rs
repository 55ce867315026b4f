//! One delivery record as an integration sends it, and its validation.

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use crate::error::{ApiError, ApiResult};
use crate::input::{Reference, Remark};
use crate::services::requests::OWN_PREFIX;

/// The content of a record: what the hash covers.
pub struct RecordFields {
    pub service_id: i32,
    pub community_id: i32,
    pub delivered_on: NaiveDate,
    pub duration_minutes: i32,
    pub beneficiaries: i32,
    pub resident_account_id: Option<i32>,
    pub notes: Option<String>,
}

/// SHA-256 (hex) of the record's content, fields separated by a character
/// no field may contain (the gate refuses control characters in input).
pub fn content_hash(f: &RecordFields) -> String {
    let text = format!(
        "{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
        f.service_id,
        f.community_id,
        f.delivered_on,
        f.duration_minutes,
        f.beneficiaries,
        f.resident_account_id.map(|r| r.to_string()).unwrap_or_default(),
        f.notes.as_deref().unwrap_or_default(),
    );
    hex(&Sha256::digest(text.as_bytes()))
}

pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One record as sent; ids already decoded by the resolver (a bad id is
/// that record's error, not the batch's).
pub struct RecordInput {
    pub external_id: String,
    pub service_id: ApiResult<i32>,
    pub community_id: ApiResult<i32>,
    pub delivered_on: NaiveDate,
    pub duration_minutes: i32,
    pub beneficiaries: i32,
    pub resident_account_id: Option<ApiResult<i32>>,
    pub notes: Option<String>,
}

/// What became of one record.
#[derive(Debug)]
pub enum Outcome {
    Created(i32),
    Updated(i32),
    Unchanged(i32),
    Error(ApiError),
}

/// Counts of a batch (also its audit details).
#[derive(Default, Debug)]
pub struct Counts {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub errors: usize,
}

pub(super) struct Valid {
    pub(super) index: usize,
    pub(super) external_id: String,
    pub(super) fields: RecordFields,
    pub(super) hash: String,
}

pub(super) fn validate(r: RecordInput, today: NaiveDate) -> ApiResult<(String, RecordFields)> {
    let external_id = Reference::parse("externalId", &r.external_id)?.into_inner();
    if external_id.starts_with(OWN_PREFIX) {
        return Err(ApiError::bad_input("externalId", t!("services.own_prefix", prefix = OWN_PREFIX)));
    }
    let service_id = r.service_id?;
    let community_id = r.community_id?;
    let resident_account_id = r.resident_account_id.transpose()?;
    if r.delivered_on > today + chrono::Days::new(1) {
        return Err(ApiError::bad_input("deliveredOn", t!("services.delivery_not_future")));
    }
    if !(1..=1440).contains(&r.duration_minutes) {
        return Err(ApiError::bad_input("durationMinutes", t!("services.between_1_1440_minutes")));
    }
    if !(1..=10_000).contains(&r.beneficiaries) {
        return Err(ApiError::bad_input("beneficiaries", t!("services.between_1_10000")));
    }
    let notes = Remark::parse_opt("notes", r.notes.as_deref())?.map(Remark::into_inner);
    let fields = RecordFields {
        service_id,
        community_id,
        delivered_on: r.delivered_on,
        duration_minutes: r.duration_minutes,
        beneficiaries: r.beneficiaries,
        resident_account_id,
        notes,
    };
    Ok((external_id, fields))
}
