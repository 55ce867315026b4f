//! Operations endpoints: probes, metrics and GraphiQL.

use std::time::Duration;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::HttpState;

/// How long `/readyz` waits for the database before answering 503. Probes
/// commonly time out after 5 s; answering within 2 s keeps them decisive.
const READY_TIMEOUT: Duration = Duration::from_millis(1500);

/// GraphiQL's page. Its assets are served by this binary (see
/// [`graphiql_asset`]): no external URL, so it works without internet.
pub async fn graphiql() -> Html<&'static str> {
    Html(GRAPHIQL_PAGE)
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

/// `GET /graphiql/{name}`: one embedded asset (they change only with the binary).
pub async fn graphiql_asset(axum::extract::Path(name): axum::extract::Path<String>) -> Response {
    match GRAPHIQL_ASSETS.iter().find(|(n, _, _)| *n == name) {
        Some((_, media, bytes)) => {
            ([(header::CONTENT_TYPE, *media), (header::CACHE_CONTROL, "public, max-age=86400")], *bytes).into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

pub async fn healthz() -> &'static str {
    "ok"
}

pub async fn readyz(State(state): State<HttpState>) -> Response {
    match tokio::time::timeout(READY_TIMEOUT, state.app.db.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ready").into_response(),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
        Err(_) => {
            tracing::warn!("readiness check timed out");
            (StatusCode::SERVICE_UNAVAILABLE, "database not answering").into_response()
        }
    }
}

/// `/metrics`: with `GONGZHI_METRICS_TOKEN` set (required in production,
/// else it is not served there), only with `Authorization: Bearer <token>`.
pub async fn metrics(State(state): State<HttpState>, headers: axum::http::HeaderMap) -> Response {
    let config = &state.app.config;
    match &config.metrics_token {
        Some(token) => {
            let given = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "));
            let ok = given.is_some_and(|g| {
                use sha2::Digest;
                // Compare digests, so the comparison takes the same time whatever the input.
                sha2::Sha256::digest(g.trim().as_bytes()) == sha2::Sha256::digest(token.as_bytes())
            });
            if !ok {
                return super::request_error(StatusCode::UNAUTHORIZED, &crate::error::ApiError::unauthenticated());
            }
        }
        None if config.production => return StatusCode::NOT_FOUND.into_response(),
        None => {}
    }
    state.metrics.sample(&state.app.db);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render()).into_response()
}
