//! Everything the platform holds about a person, as one JSON document
//! (PIPL Art. 45: access and copy). One statement per kind of record, each
//! selecting by the person's id through an indexed or small column, so a
//! heavy user's export takes one pass of a few dozen statements.
//!
//! Only the person is in it: rows are the person's own (their reports,
//! ballots, answers...), and any column naming another account (a staff
//! member who handled a report, whoever filed on their behalf) is left out,
//! as are other people's names. A secret ballot is secret from others, not
//! from the voter: their own ballots are in it.

use chrono::Utc;
use entity::{
    alert_response, alert_visit, audit_log, budget_ballot, budget_ballot_item, delivery_record, evaluation,
    join_request, membership, notice_read, personal_data_access, project_comment, refresh_token, report, report_event,
    report_photo, service_request, service_request_event, vote,
};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::policy;
use crate::privacy::policy::PrivacyPermission;

/// The export's format version (a client can tell what to expect).
pub const FORMAT: &str = "gongzhi.my-data/1";

/// A row as JSON, without columns naming other accounts.
fn own<T: Serialize>(row: &T, me: i32) -> ApiResult<Value> {
    let mut v = serde_json::to_value(row).map_err(|e| ApiError::internal(e.to_string()))?;
    if let Value::Object(map) = &mut v {
        map.retain(|k, v| !(k.ends_with("AccountId") || k == "accountId") || v.as_i64() == Some(i64::from(me)));
    }
    Ok(v)
}

fn all_own<T: Serialize>(rows: &[T], me: i32) -> ApiResult<Value> {
    rows.iter().map(|r| own(r, me)).collect::<ApiResult<Vec<_>>>().map(Value::Array)
}

/// `SELECT id FROM <table> WHERE <col> = me`, for child rows.
fn ids_of<E: EntityTrait>(col: impl ColumnTrait, id: impl ColumnTrait, me: i32) -> sea_orm::sea_query::SelectStatement {
    Query::select().column(id).from(E::default()).and_where(col.eq(me)).to_owned()
}

/// The person's data (see the module docs).
pub async fn my_data<C: ConnectionTrait>(conn: &C, p: &Principal) -> ApiResult<Value> {
    policy::authorize(p, PrivacyPermission::OwnData)?;
    let me = p.account_id().ok_or_else(|| ApiError::forbidden(t!("auth.people_only")))?;
    let a = super::live_account(conn, me).await?;
    let memberships =
        membership::Entity::find().filter(membership::Column::AccountId.eq(me)).order_by_asc(membership::Column::Id);
    let reports =
        report::Entity::find().filter(report::Column::ReporterAccountId.eq(me)).order_by_asc(report::Column::Id);
    let my_reports = || ids_of::<report::Entity>(report::Column::ReporterAccountId, report::Column::Id, me);
    let events = report_event::Entity::find()
        .filter(report_event::Column::ReportId.in_subquery(my_reports()))
        .order_by_asc(report_event::Column::Id);
    let photos = report_photo::Entity::find()
        .filter(report_photo::Column::ReportId.in_subquery(my_reports()))
        .order_by_asc(report_photo::Column::Id);
    let requests = service_request::Entity::find()
        .filter(service_request::Column::ResidentAccountId.eq(me))
        .order_by_asc(service_request::Column::Id);
    let request_events = service_request_event::Entity::find()
        .filter(service_request_event::Column::RequestId.in_subquery(ids_of::<service_request::Entity>(
            service_request::Column::ResidentAccountId,
            service_request::Column::Id,
            me,
        )))
        .order_by_asc(service_request_event::Column::Id);
    let ballots = budget_ballot::Entity::find().filter(budget_ballot::Column::AccountId.eq(me));
    let ballot_items =
        budget_ballot_item::Entity::find().filter(budget_ballot_item::Column::BallotId.in_subquery(ids_of::<
            budget_ballot::Entity,
        >(
            budget_ballot::Column::AccountId,
            budget_ballot::Column::Id,
            me,
        )));
    let corrections = audit_log::Entity::find()
        .filter(audit_log::Column::ObjectType.eq("Account"))
        .filter(audit_log::Column::ObjectId.eq(me))
        .order_by_asc(audit_log::Column::Id);
    let reports_rows = reports.all(conn).await?;
    let photo_rows = photos.all(conn).await?;
    let mut photo_list = Vec::with_capacity(photo_rows.len());
    for ph in &photo_rows {
        let mut v = own(ph, me)?;
        if let Value::Object(m) = &mut v {
            m.remove("storageKey");
            // Served to the person's own token (the report is theirs).
            m.insert("url".into(), json!(format!("/photos/{}", ph.id)));
        }
        photo_list.push(v);
    }
    let mut doc = Map::new();
    doc.insert("format".into(), json!(FORMAT));
    doc.insert("generatedAt".into(), json!(Utc::now()));
    doc.insert("account".into(), own(&a, me)?);
    doc.insert("memberships".into(), all_own(&memberships.all(conn).await?, me)?);
    doc.insert(
        "joinRequests".into(),
        all_own(&by::<join_request::Entity>(conn, join_request::Column::AccountId, me).await?, me)?,
    );
    doc.insert("reports".into(), all_own(&reports_rows, me)?);
    doc.insert("reportEvents".into(), all_own(&events.all(conn).await?, me)?);
    doc.insert("reportPhotos".into(), Value::Array(photo_list));
    doc.insert(
        "disputeParties".into(),
        all_own(&by::<entity::dispute_party::Entity>(conn, entity::dispute_party::Column::AccountId, me).await?, me)?,
    );
    doc.insert(
        "projectComments".into(),
        all_own(&by::<project_comment::Entity>(conn, project_comment::Column::AuthorAccountId, me).await?, me)?,
    );
    doc.insert("projectVotes".into(), all_own(&by::<vote::Entity>(conn, vote::Column::AccountId, me).await?, me)?);
    doc.insert(
        "evaluations".into(),
        all_own(&by::<evaluation::Entity>(conn, evaluation::Column::AccountId, me).await?, me)?,
    );
    doc.insert("budgetBallots".into(), all_own(&ballots.all(conn).await?, me)?);
    doc.insert("budgetBallotItems".into(), all_own(&ballot_items.all(conn).await?, me)?);
    doc.insert("serviceRequests".into(), all_own(&requests.all(conn).await?, me)?);
    doc.insert("serviceRequestEvents".into(), all_own(&request_events.all(conn).await?, me)?);
    doc.insert(
        "deliveryRecords".into(),
        all_own(&by::<delivery_record::Entity>(conn, delivery_record::Column::ResidentAccountId, me).await?, me)?,
    );
    doc.insert(
        "alertAnswers".into(),
        all_own(&by::<alert_response::Entity>(conn, alert_response::Column::AccountId, me).await?, me)?,
    );
    doc.insert(
        "alertVisits".into(),
        all_own(&by::<alert_visit::Entity>(conn, alert_visit::Column::AccountId, me).await?, me)?,
    );
    doc.insert(
        "readMarks".into(),
        all_own(&by::<notice_read::Entity>(conn, notice_read::Column::AccountId, me).await?, me)?,
    );
    // Volunteering and points: the person's sign-ups, every change of
    // their points and their redemptions. Surveys: which ones they
    // answered; the answers themselves are held without their name (see
    // `consultations`) and are not theirs to list here.
    use entity::{points_ledger, points_redemption, survey_participant, volunteer_signup};
    doc.insert(
        "volunteerSignups".into(),
        all_own(&by::<volunteer_signup::Entity>(conn, volunteer_signup::Column::AccountId, me).await?, me)?,
    );
    doc.insert(
        "pointsLedger".into(),
        all_own(&by::<points_ledger::Entity>(conn, points_ledger::Column::AccountId, me).await?, me)?,
    );
    doc.insert(
        "pointsRedemptions".into(),
        all_own(&by::<points_redemption::Entity>(conn, points_redemption::Column::AccountId, me).await?, me)?,
    );
    doc.insert(
        "surveysAnswered".into(),
        all_own(&by::<survey_participant::Entity>(conn, survey_participant::Column::AccountId, me).await?, me)?,
    );
    // Their own registration with the party organisation: theirs to see
    // (it goes nowhere else: no district export or feed holds it).
    use entity::party_member_registration as party;
    doc.insert(
        "partyMemberRegistrations".into(),
        all_own(&by::<party::Entity>(conn, party::Column::AccountId, me).await?, me)?,
    );
    doc.insert(
        "sessions".into(),
        all_own(&by::<refresh_token::Entity>(conn, refresh_token::Column::AccountId, me).await?, me)?,
    );
    let corrections: Vec<Value> = corrections
        .all(conn)
        .await?
        .into_iter()
        .map(|r| {
            let details = r.details.as_deref().and_then(|d| serde_json::from_str::<Value>(d).ok());
            json!({ "at": r.at, "action": r.action, "details": details, "byThemself": r.account_id == Some(me) })
        })
        .collect();
    doc.insert("accountHistory".into(), Value::Array(corrections));
    doc.insert(
        "accessLog".into(),
        all_own(
            &by::<personal_data_access::Entity>(conn, personal_data_access::Column::SubjectAccountId, me).await?,
            me,
        )?,
    );
    Ok(Value::Object(doc))
}

/// Rows of `E` whose `col` is the person, in id order.
async fn by<E: EntityTrait>(conn: &impl ConnectionTrait, col: impl ColumnTrait, me: i32) -> ApiResult<Vec<E::Model>>
where
    E::Column: ColumnTrait,
{
    Ok(E::find().filter(col.eq(me)).all(conn).await?)
}

/// The document as a page a person can read: one table per kind of record.
pub fn render_html(doc: &Value) -> String {
    fn esc(s: &str) -> String {
        s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
    }
    fn cell(v: &Value) -> String {
        match v {
            Value::Null => String::new(),
            Value::String(s) => esc(s),
            other => esc(&other.to_string()),
        }
    }
    let mut out =
        String::from("<!doctype html><html><head><meta charset=\"utf-8\"><title>My data</title></head><body>");
    let Value::Object(sections) = doc else { return out };
    for (name, v) in sections {
        out.push_str(&format!("<h2>{}</h2>", esc(name)));
        let rows: Vec<&Value> = match v {
            Value::Array(a) => a.iter().collect(),
            Value::Object(_) => vec![v],
            other => {
                out.push_str(&format!("<p>{}</p>", cell(other)));
                continue;
            }
        };
        if rows.is_empty() {
            out.push_str("<p>—</p>");
            continue;
        }
        let mut cols: Vec<&String> = Vec::new();
        for r in &rows {
            if let Value::Object(m) = r {
                for k in m.keys() {
                    if !cols.contains(&k) {
                        cols.push(k);
                    }
                }
            }
        }
        out.push_str("<table><tr>");
        for c in &cols {
            out.push_str(&format!("<th>{}</th>", esc(c)));
        }
        out.push_str("</tr>");
        for r in rows {
            out.push_str("<tr>");
            for c in &cols {
                out.push_str(&format!("<td>{}</td>", cell(r.get(c.as_str()).unwrap_or(&Value::Null))));
            }
            out.push_str("</tr>");
        }
        out.push_str("</table>");
    }
    out.push_str("</body></html>");
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn other_accounts_leave_a_row() {
        #[derive(serde::Serialize)]
        #[serde(rename_all = "camelCase")]
        struct R {
            id: i32,
            reporter_account_id: i32,
            filed_by_account_id: i32,
        }
        let v = super::own(&R { id: 1, reporter_account_id: 7, filed_by_account_id: 8 }, 7).expect("json");
        assert_eq!(v, json!({ "id": 1, "reporterAccountId": 7 }));
    }

    #[test]
    fn the_page_escapes_what_people_wrote() {
        let html = super::render_html(&json!({ "reports": [{ "description": "<script>x</script>" }] }));
        assert!(html.contains("&lt;script&gt;") && !html.contains("<script>"), "{html}");
    }
}
