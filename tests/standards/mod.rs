//! The standards adapters (issue 26) through HTTP on both engines:
//! Open311 GeoReport v2 (`open311`), HSDS 3 (`hsds`), indicator exports
//! (`exports`), and the stock clients and validators that check them
//! (`georeport`, the official HSDS JSON schemas, run by Python scripts
//! here that `.ci/run` installs the packages for).

use std::process::Command;

use reqwest::RequestBuilder;

use crate::common::TestApp;

mod exports;
mod hsds;
mod open311;

/// An answer: status, content type, body.
pub(crate) struct Got {
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

impl Got {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

pub(crate) async fn send(req: RequestBuilder) -> Got {
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let content_type = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    Got { status, content_type, body: resp.text().await.unwrap() }
}

/// `GET path` with an optional bearer token.
pub(crate) async fn get(app: &TestApp, path: &str, token: Option<&str>) -> Got {
    let mut req = app.client.get(format!("{}{path}", app.base));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    send(req).await
}

/// The texts of every `<tag>` element, in document order.
pub(crate) fn xml_texts(xml: &str, tag: &str) -> Vec<String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let (mut out, mut inside) = (Vec::new(), false);
    loop {
        match reader.read_event().unwrap_or_else(|e| panic!("not XML ({e}): {xml}")) {
            Event::Start(e) if e.name().as_ref() == tag.as_bytes() => {
                inside = true;
                out.push(String::new());
            }
            Event::Empty(e) if e.name().as_ref() == tag.as_bytes() => out.push(String::new()),
            Event::Text(t) if inside => {
                if let Some(last) = out.last_mut() {
                    last.push_str(&t.decode().unwrap());
                }
            }
            Event::GeneralRef(r) if inside => {
                let name = String::from_utf8_lossy(r.as_ref()).into_owned();
                let c = match name.as_str() {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    _ => "'",
                };
                if let Some(last) = out.last_mut() {
                    last.push_str(c);
                }
            }
            Event::End(e) if e.name().as_ref() == tag.as_bytes() => inside = false,
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

/// Runs a Python checker of this folder; `None` (with a note) when the
/// packages it needs are not installed here (`.ci/run` installs them).
pub(crate) fn python(script: &str, args: &[&str]) -> Option<String> {
    let path = format!("{}/tests/standards/{script}", env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("python3").arg(&path).args(args).output().ok()?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    match out.status.code() {
        Some(0) => Some(stdout),
        Some(3) => {
            eprintln!("{script} skipped: {stdout}");
            None
        }
        _ => panic!("{script} failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr)),
    }
}
