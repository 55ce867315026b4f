//! Resident reports through `/graphql` (multipart uploads included) and
//! `/photos`: fixtures here, tests by topic in the modules.

use serde_json::{Value, json};

use crate::common::TestApp;

mod escalation;
mod flow;
mod loops;
mod mediation;
mod memory;
mod privacy;

/// A small valid PNG (`w`×`h`), noisy so that it does not compress away.
pub(crate) fn png(w: u32, h: u32) -> Vec<u8> {
    let mut img = image::RgbImage::new(w, h);
    let mut x: u32 = 12345;
    for p in img.pixels_mut() {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        let b = x.to_le_bytes();
        *p = image::Rgb([b[0], b[1], b[2]]);
    }
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img).write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
    out
}

pub(crate) const SUBMIT: &str = "mutation($input: SubmitReportInput!) { submitReport(input: $input) {
    report { id status dueAt isOverdue category { code } photos { url thumbnailUrl width height } } } }";

/// `submitReport` as a GraphQL multipart request with `files` as `photos`.
pub(crate) async fn submit_multipart(
    app: &TestApp,
    token: &str,
    mut input: Value,
    files: Vec<(String, Vec<u8>)>,
) -> Value {
    let n = files.len();
    input["photos"] = json!(vec![Value::Null; n]);
    let operations = json!({ "query": SUBMIT, "variables": { "input": input } });
    let map: serde_json::Map<String, Value> =
        (0..n).map(|i| (i.to_string(), json!([format!("variables.input.photos.{i}")]))).collect();
    let mut form = reqwest::multipart::Form::new()
        .text("operations", operations.to_string())
        .text("map", Value::Object(map).to_string());
    for (i, (name, bytes)) in files.into_iter().enumerate() {
        form = form.part(
            i.to_string(),
            reqwest::multipart::Part::bytes(bytes).file_name(name).mime_str("image/jpeg").unwrap(),
        );
    }
    let resp =
        app.client.post(format!("{}/graphql", app.base)).bearer_auth(token).multipart(form).send().await.unwrap();
    resp.json().await.unwrap()
}

/// A plain report without photos.
pub(crate) async fn submit(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(Some(token), SUBMIT, json!({ "input": input })).await
}

pub(crate) async fn step(app: &TestApp, token: &str, mutation: &str, id: &Value, note: Option<&str>) -> Value {
    let q = format!(
        "mutation($id: ID!, $n: String) {{ {mutation}(input: {{reportId: $id, note: $n}}) {{ report {{ id status }} }} }}"
    );
    app.gql(Some(token), &q, json!({ "id": id, "n": note })).await
}

/// The committee mediates a dispute to an agreement.
pub(crate) async fn mediate(app: &TestApp, token: &str, id: &Value, agreement: &str) -> Value {
    app.gql(
        Some(token),
        "mutation($id: ID!, $n: String!) { mediateReport(input: {reportId: $id, result: AGREEMENT, note: $n}) { report { id status } } }",
        json!({ "id": id, "n": agreement }),
    )
    .await
}

pub(crate) async fn assign(app: &TestApp, token: &str, id: &Value, org: &Value) -> Value {
    app.gql(
        Some(token),
        "mutation($id: ID!, $o: ID!) { assignReport(input: {reportId: $id, organisationId: $o}) { report { status assignedOrganisation { name } } } }",
        json!({ "id": id, "o": org }),
    )
    .await
}

pub(crate) async fn count_reports(app: &TestApp) -> u64 {
    use sea_orm::{EntityTrait, PaginatorTrait};
    entity::report::Entity::find().count(&app.db.read).await.unwrap()
}
