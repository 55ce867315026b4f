//! Indicator exports: the CSV's and the JSON's numbers are the GraphQL
//! figures for the same principal and months, suppressed cells included,
//! so a district system sees no cell GraphQL hides.

use serde_json::{Value, json};

use super::get;
use crate::both;
use crate::common::{TestApp, code};
use crate::indicators::{fixture, gid, pull};
use crate::services::district_token;

const FROM: &str = "2025-01";
const TO: &str = "2025-06";

/// A CSV cell as the JSON value GraphQL gives: empty is null. Read by
/// the same parser as the GraphQL answer (serde_json's float parsing may
/// be one unit in the last place from `str::parse`'s), so equal text is
/// an equal number.
fn number(cell: &str) -> Value {
    if cell.is_empty() {
        Value::Null
    } else {
        as_f64(&serde_json::from_str(cell).unwrap_or_else(|e| panic!("{cell}: {e}")))
    }
}

/// GraphQL's number as f64 (its counts are integers).
fn as_f64(v: &Value) -> Value {
    v.as_f64().map_or(Value::Null, |f| json!(f))
}

/// The export's rows equal GraphQL's points, one for one.
async fn same_figures(app: &TestApp, token: &str, region: i32) {
    let graphql = pull(app, token, region, FROM, TO).await;
    assert!(graphql["errors"].is_null(), "{graphql}");
    let got =
        get(app, &format!("/exports/indicators.csv?region={}&from={FROM}&to={TO}", gid(region)), Some(token)).await;
    assert_eq!(got.status, 200, "{}", got.body);
    assert!(got.content_type.starts_with("text/csv"), "{}", got.content_type);
    let text = got.body.strip_prefix('\u{feff}').unwrap_or_else(|| panic!("no byte-order mark: {}", got.body));
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(header, api::indicators::export::COLUMNS);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let mut expected = 0;
    let json_export =
        get(app, &format!("/exports/indicators.json?region={}&from={FROM}&to={TO}", gid(region)), Some(token))
            .await
            .json();
    for series in graphql["data"]["indicators"].as_array().unwrap() {
        let name = series["name"].as_str().unwrap();
        let exported = json_export["series"].as_array().unwrap().iter().find(|s| s["name"] == name).unwrap();
        for (i, p) in series["points"].as_array().unwrap().iter().enumerate() {
            expected += 1;
            let month = p["month"].as_str().unwrap();
            let row = rows
                .iter()
                .find(|r| &r[col("indicator")] == name && &r[col("month")] == month)
                .unwrap_or_else(|| panic!("no CSV row for {name} {month}"));
            let cells = [
                number(&row[col("value")]),
                number(&row[col("numerator")]),
                number(&row[col("denominator")]),
                number(&row[col("count")]),
            ];
            let figures =
                [as_f64(&p["value"]), as_f64(&p["numerator"]), as_f64(&p["denominator"]), as_f64(&p["count"])];
            assert_eq!(cells, figures, "{name} {month}: CSV {row:?} against {p}");
            assert_eq!(&row[col("suppressed")], p["suppressed"].as_bool().unwrap().to_string(), "{name} {month}");
            assert_eq!(row[col("revision")].parse::<i64>().ok(), p["revision"].as_i64(), "{name} {month}");
            assert_eq!(&row[col("unit")], series["unit"].as_str().unwrap().to_lowercase(), "{name}");
            let e = &exported["points"][i];
            assert_eq!(
                (&e["month"], as_f64(&e["value"]), &e["suppressed"], &e["revision"]),
                (&p["month"], as_f64(&p["value"]), &p["suppressed"], &p["revision"]),
                "JSON export {name} {month}"
            );
        }
    }
    assert_eq!(rows.len(), expected, "one row per point, no more");
}

async fn exports_are_the_graphql_figures(app: TestApp) {
    let f = fixture(&app).await;
    let district = district_token(&app).await;
    let committee = app.token("demo-committee").await;
    for region in [f.peach, f.east, f.west, f.district] {
        same_figures(&app, &district, region).await;
    }
    same_figures(&app, &committee, f.peach).await;

    // A suppressed cell is empty, flagged: Peach's March satisfaction rests
    // on 3 ratings, hidden from the district system.
    let csv = get(
        &app,
        &format!("/exports/indicators.csv?region={}&from=2025-03&to=2025-03&names=SATISFACTION_RATE", gid(f.peach)),
        Some(&district),
    )
    .await;
    let line = csv.body.lines().nth(1).unwrap().to_owned();
    assert!(line.contains(",SATISFACTION_RATE,ratio,2025-03,,,,,true,"), "{line}");
    // The region by its code works too.
    let by_code = get(
        &app,
        "/exports/indicators.csv?region=1101990101&from=2025-03&to=2025-03&names=SATISFACTION_RATE",
        Some(&district),
    )
    .await;
    assert_eq!(by_code.body, csv.body);

    // Refusals: as GraphQL refuses, with its code.
    assert_eq!(
        get(&app, &format!("/exports/indicators.csv?region={}&from={FROM}&to={TO}", gid(f.peach)), None).await.status,
        401
    );
    let gql = pull(&app, &committee, f.river, FROM, TO).await;
    let got =
        get(&app, &format!("/exports/indicators.json?region={}&from={FROM}&to={TO}", gid(f.river)), Some(&committee))
            .await;
    assert_eq!(got.json()["errors"][0]["extensions"]["code"], code(&gql), "{} against {gql}", got.body);
    let bad =
        get(&app, &format!("/exports/indicators.csv?region={}&from=2025-13&to={TO}", gid(f.peach)), Some(&district))
            .await;
    assert_eq!(
        (bad.status, bad.json()["errors"][0]["extensions"]["field"].clone()),
        (400, json!("from")),
        "{}",
        bad.body
    );
    let bad = get(
        &app,
        &format!("/exports/indicators.csv?region={}&from={FROM}&to={TO}&names=NOPE", gid(f.peach)),
        Some(&district),
    )
    .await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert_eq!(get(&app, "/exports/people.csv", Some(&district)).await.status, 404);
}

both!(exports_are_the_graphql_figures);
