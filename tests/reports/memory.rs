//! Photo decoding is bounded (issue 35, N5): a separate server process (the
//! `gongzhi` binary on this test's database) takes 12 parallel uploads of
//! the largest photo the pixel budget allows, and its peak resident memory
//! (`VmHWM`) stays under 300 MB; over the budget an image is refused from
//! its header, before anything is decoded.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

use crate::both;
use crate::common::{TestApp, code};

/// The server binary, serving `app`'s database on a port of its own.
struct Server {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(app: &TestApp) -> Server {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_gongzhi"))
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &app.config.database_url)
        .env("GONGZHI_BIND", "127.0.0.1:0")
        .env("GONGZHI_DATA_DIR", dir.path())
        .env("GONGZHI_SEED_DEMO", "false")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the gongzhi binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut base = String::new();
    let mut lines = BufReader::new(stdout).lines();
    for line in lines.by_ref() {
        let line = line.expect("a banner line");
        if let Some(addr) = line.split("listening on ").nth(1) {
            base = addr.trim().to_owned();
            break;
        }
    }
    // The rest of the banner (and anything later) is read and dropped, so
    // the server never writes into a closed pipe.
    std::thread::spawn(move || lines.for_each(drop));
    assert!(base.starts_with("http://"), "no address in the banner");
    Server { child, base, _dir: dir }
}

fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM")
}

/// A black PNG of `w`×`h`: tiny on the wire, `w`·`h`·3 bytes decoded.
fn black_png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::new(w, h);
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img).write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
    out
}

async fn upload(client: &reqwest::Client, base: &str, token: &str, bytes: Vec<u8>) -> (u16, Value) {
    let operations = json!({ "query": super::SUBMIT, "variables": { "input": {
        "categoryCode": "REPAIR", "description": "楼道灯不亮", "photos": [null] } } });
    let form = reqwest::multipart::Form::new()
        .text("operations", operations.to_string())
        .text("map", json!({ "0": ["variables.input.photos.0"] }).to_string())
        .part("0", reqwest::multipart::Part::bytes(bytes).file_name("a.png").mime_str("image/png").unwrap());
    let resp = client.post(format!("{base}/graphql")).bearer_auth(token).multipart(form).send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn photo_decoding_is_bounded(app: TestApp) {
    let server = start(&app);
    let client = reqwest::Client::new();
    let login = "mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p}) { accessToken } }";
    let r: Value = client
        .post(format!("{}/graphql", server.base))
        .json(&json!({ "query": login, "variables": { "u": "demo-resident", "p": api::seed::DEMO_PASSWORD } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = r["data"]["login"]["accessToken"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();

    // Over the budget: refused from the header (8,000 × 8,000, 64 MP).
    let (_, r) = upload(&client, &server.base, &token, black_png(8000, 8000)).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    assert_eq!(r["errors"][0]["extensions"]["field"], "photos", "{r}");

    // 12 at once at the budget (4,096 × 4,096): each is stored or asked to
    // come back (RATE_LIMITED with Retry-After), and the process's peak
    // memory stays under 300 MB.
    let side = 4096;
    let png = black_png(side, side);
    let before = peak_rss_kib(server.child.id());
    let answers =
        futures_util::future::join_all((0..12).map(|_| upload(&client, &server.base, &token, png.clone()))).await;
    let peak = peak_rss_kib(server.child.id());
    let stored =
        answers.iter().filter(|(_, r)| r["data"]["submitReport"]["report"]["photos"][0]["width"] == 2048).count();
    for (status, r) in &answers {
        let ok = r["errors"].is_null() || code(r) == "RATE_LIMITED";
        assert!(ok, "{status}: {r}");
    }
    assert!(stored >= 1, "{answers:?}");
    eprintln!("photo memory: {stored} of 12 stored, peak RSS {} MiB (before: {} MiB)", peak / 1024, before / 1024);
    assert!(peak < 300 * 1024, "peak RSS {} MiB", peak / 1024);
}

both!(photo_decoding_is_bounded);
