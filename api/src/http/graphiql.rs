//! GraphiQL: its page and its embedded assets (no external URL, so it
//! works without internet). The assets are served pre-compressed (brotli
//! or gzip, made once per process on first request, as `Accept-Encoding`
//! asks) under URLs that carry a hash of their content, so a browser keeps
//! them for a year and fetches them again only when the binary changes
//! them: 3.5 MB of JavaScript is about 0.8 MB over the wire, once.

use std::sync::OnceLock;

use axum::extract::{Path, Query};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;

/// GraphiQL's page, its asset URLs carrying their content hashes.
pub async fn page() -> Html<&'static str> {
    static PAGE: OnceLock<String> = OnceLock::new();
    Html(PAGE.get_or_init(|| {
        GRAPHIQL_ASSETS.iter().enumerate().fold(GRAPHIQL_PAGE.to_owned(), |page, (i, (name, _, _))| {
            let plain = format!("\"/graphiql/{name}\"");
            page.replace(&plain, &format!("\"/graphiql/{name}?v={}\"", hash(i)))
        })
    }))
}

/// The first 16 hex digits of the SHA-256 of asset `i`.
fn hash(i: usize) -> &'static str {
    static HASHES: OnceLock<Vec<String>> = OnceLock::new();
    HASHES.get_or_init(|| {
        GRAPHIQL_ASSETS
            .iter()
            .map(|(_, _, bytes)| Sha256::digest(bytes).iter().take(8).map(|b| format!("{b:02x}")).collect())
            .collect()
    })[i]
        .as_str()
}

#[derive(serde::Deserialize)]
pub struct Version {
    v: Option<String>,
}

/// `GET /graphiql/{name}`: one embedded asset. With the current content
/// hash (`?v=`, as the page links it) it may be cached for a year; without
/// it, for an hour.
pub async fn asset(Path(name): Path<String>, Query(version): Query<Version>, headers: HeaderMap) -> Response {
    let Some(i) = GRAPHIQL_ASSETS.iter().position(|(n, _, _)| *n == name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let (_, media, bytes) = GRAPHIQL_ASSETS[i];
    let cache = if version.v.as_deref() == Some(hash(i)) {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=3600"
    };
    let accepts = headers.get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let wants = |coding: &str| accepts.split(',').any(|c| c.split(';').next().is_some_and(|c| c.trim() == coding));
    let mut encoding = if wants("br") {
        Some("br")
    } else if wants("gzip") {
        Some("gzip")
    } else {
        None
    };
    let body: Vec<u8> = match encoding {
        Some(e) => encoded(i, e == "br").await.clone(),
        None => bytes.to_vec(),
    };
    // A compression that failed left nothing: send the asset as it is.
    let body = if body.is_empty() {
        encoding = None;
        bytes.to_vec()
    } else {
        body
    };
    let mut out = ([(header::CONTENT_TYPE, media), (header::CACHE_CONTROL, cache)], body).into_response();
    out.headers_mut().insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Some(e) = encoding {
        out.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static(e));
    }
    out
}

/// Asset `i` compressed (brotli or gzip), made once per process.
async fn encoded(i: usize, brotli: bool) -> &'static Vec<u8> {
    use async_compression::Level;
    use async_compression::tokio::bufread::{BrotliEncoder, GzipEncoder};
    use tokio::io::AsyncReadExt;
    static CELLS: [[OnceCell<Vec<u8>>; 2]; GRAPHIQL_ASSETS.len()] =
        [const { [const { OnceCell::const_new() }; 2] }; GRAPHIQL_ASSETS.len()];
    CELLS[i][usize::from(brotli)]
        .get_or_init(|| async move {
            let bytes: &'static [u8] = GRAPHIQL_ASSETS[i].2;
            let mut out = Vec::new();
            // Reading from memory cannot fail; an empty result would only
            // mean a larger download, so it is not an error either.
            let done = if brotli {
                BrotliEncoder::with_quality(bytes, Level::Precise(9)).read_to_end(&mut out).await
            } else {
                GzipEncoder::with_quality(bytes, Level::Best).read_to_end(&mut out).await
            };
            if done.is_err() {
                out.clear();
            }
            out
        })
        .await
}

const GRAPHIQL_PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Gongzhi GraphiQL</title>
<link rel="stylesheet" href="/graphiql/graphiql.min.css">
<style>
  body { margin: 0; font-family: system-ui, sans-serif; }
  #session { display: flex; gap: 1em; align-items: center; padding: 4px 12px; font-size: 13px;
             background: #f3f4f6; border-bottom: 1px solid #d1d5db; height: 24px; }
  #session button { font-size: 12px; }
  #graphiql { height: calc(100vh - 33px); }
</style>
</head>
<body>
<div id="session"><strong>Gongzhi 共治</strong><span id="who">Not signed in: run the Login operation below.</span>
<button id="signout" hidden>Forget the token</button></div>
<div id="graphiql">Loading GraphiQL...</div>
<script src="/graphiql/react.production.min.js"></script>
<script src="/graphiql/react-dom.production.min.js"></script>
<script src="/graphiql/graphiql.min.js"></script>
<script>
// The page keeps the access token of the last `login` (or `refreshToken`)
// it ran, in this tab's sessionStorage, and sends it with every later
// request that has no Authorization header of its own in the Headers tab.
const KEY = "gongzhi.session";
const session = () => JSON.parse(sessionStorage.getItem(KEY) || "null");
function show() {
  const s = session();
  document.getElementById("who").textContent = s
    ? "Signed in as " + s.who + ": the token goes with every request (set an Authorization header to override)."
    : "Not signed in: run the Login operation below.";
  document.getElementById("signout").hidden = !s;
}
document.getElementById("signout").onclick = () => { sessionStorage.removeItem(KEY); show(); };
show();
async function keepingToken(url, init) {
  const headers = new Headers(init && init.headers);
  const s = session();
  if (s && !headers.has("authorization")) headers.set("authorization", "Bearer " + s.token);
  const resp = await fetch(url, Object.assign({}, init, { headers }));
  resp.clone().json().then((body) => {
    const data = (body && body.data) || {};
    const got = data.login || data.refreshToken;
    if (got && got.accessToken) {
      const who = (got.viewer && got.viewer.role) || "the account of the last login";
      sessionStorage.setItem(KEY, JSON.stringify({ token: got.accessToken, who }));
      show();
    }
  }).catch(() => {});
  return resp;
}
const ws = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/graphql";
const fetcher = GraphiQL.createFetcher({ url: "/graphql", subscriptionUrl: ws, fetch: keepingToken });
const query = `# Welcome to Gongzhi. Press Run (Ctrl-Enter) and choose
# Login: the page keeps the access token and sends it with
# what you run next, so Me answers at once.
#
# Demo accounts, password demo-password: demo-resident,
# demo-building-head, demo-committee, demo-office, demo-ngo,
# demo-property, demo-admin, demo-resident-river.
# Other clients send the token themselves, as the header
# {"Authorization": "Bearer <accessToken>"}.
mutation Login {
  login(input: { username: "demo-resident", password: "demo-password" }) {
    accessToken
    viewer { role }
  }
}

query Me {
  me { role account { displayName } region { name } }
}
`;
ReactDOM.createRoot(document.getElementById("graphiql")).render(
  React.createElement(GraphiQL, {
    fetcher,
    defaultQuery: query,
    defaultEditorToolsVisibility: true,
    shouldPersistHeaders: false,
  }),
);
</script>
</body>
</html>
"#;

/// The embedded GraphiQL assets: name, media type, bytes.
const GRAPHIQL_ASSETS: [(&str, &str, &[u8]); 6] = [
    ("graphiql.min.js", "text/javascript; charset=utf-8", include_bytes!("../../assets/graphiql/graphiql.min.js")),
    ("graphiql.min.css", "text/css; charset=utf-8", include_bytes!("../../assets/graphiql/graphiql.min.css")),
    (
        "react.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/graphiql/react.production.min.js"),
    ),
    (
        "react-dom.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/graphiql/react-dom.production.min.js"),
    ),
    ("LICENSE-graphiql", "text/plain; charset=utf-8", include_bytes!("../../assets/graphiql/LICENSE-graphiql")),
    ("LICENSE-react", "text/plain; charset=utf-8", include_bytes!("../../assets/graphiql/LICENSE-react")),
];
