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
</head>
<body style="margin: 0">
<div id="graphiql" style="height: 100vh">Loading GraphiQL...</div>
<script src="/graphiql/react.production.min.js"></script>
<script src="/graphiql/react-dom.production.min.js"></script>
<script src="/graphiql/graphiql.min.js"></script>
<script>
const ws = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/graphql";
const fetcher = GraphiQL.createFetcher({ url: "/graphql", subscriptionUrl: ws });
const query = `# Welcome to Gongzhi. Log in with a demo account (password demo-password):
# demo-resident, demo-building-head, demo-committee, demo-office, demo-ngo,
# demo-property, demo-admin, demo-resident-river. Then put the accessToken in
# the Headers tab as {"Authorization": "Bearer <accessToken>"}.
mutation Login {
  login(input: { username: "demo-resident", password: "demo-password" }) {
    accessToken
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
    defaultHeaders: '{\n  "Authorization": "Bearer <accessToken from the login mutation>"\n}',
    defaultEditorToolsVisibility: true,
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
