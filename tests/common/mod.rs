//! `TestApp`: spawns the real app against a fresh database.

pub mod pg;
pub mod replication;

use std::sync::atomic::Ordering;

use api::{AppState, Config, Db};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use tokio::sync::OnceCell;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// Run one async test body against both engines: `both!(name)` expects
/// `async fn name(app: TestApp)` in the same module and makes the tests
/// `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::common::TestApp::spawn($crate::common::Engine::Sqlite).await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::common::TestApp::spawn($crate::common::Engine::Postgres).await).await;
            }
        }
    )*};
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub db: Db,
    pub config: Config,
    /// The server's state (its counters, keys, event bus).
    pub state: AppState,
    _dir: Option<tempfile::TempDir>,
    /// This test's own PostgreSQL database: its server's admin URL and its
    /// name (dropped with the app).
    pg_name: Option<(String, String)>,
}

/// The admin URL (no database) of the run's PostgreSQL server (see [`pg`]).
fn pg_admin_url() -> String {
    pg::admin_url().to_owned()
}

/// Everything the servers of this test process logged at the access and
/// warning levels, as JSON lines, for the tests of the logs. With
/// `TEST_LOG` set, the same lines also go to stderr.
pub static LOGS: std::sync::OnceLock<std::sync::Arc<std::sync::Mutex<Vec<u8>>>> = std::sync::OnceLock::new();

struct LogSink(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if std::env::var_os("TEST_LOG").is_some() {
            let _ = std::io::stderr().write_all(buf);
        }
        self.0.lock().map_err(|_| std::io::Error::other("log buffer poisoned"))?.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The captured log lines (see [`LOGS`]).
pub fn logs() -> String {
    LOGS.get().map(|b| String::from_utf8_lossy(&b.lock().unwrap()).into_owned()).unwrap_or_default()
}

fn capture_logs() {
    LOGS.get_or_init(|| {
        let buf = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = buf.clone();
        let filter = tracing_subscriber::EnvFilter::new("warn,gongzhi::access=info");
        let _ = tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .with_writer(move || LogSink(sink.clone()))
            .try_init();
        buf
    });
}

/// Per server (admin URL): swept of dead runs' databases, and this run's
/// migrated template database.
static PG_SERVERS: tokio::sync::Mutex<Vec<(String, String)>> = tokio::sync::Mutex::const_new(Vec::new());
static SQLITE_TEMPLATE: OnceCell<std::path::PathBuf> = OnceCell::const_new();
/// PostgreSQL refuses to copy a template that another CREATE DATABASE is
/// reading: this process creates its databases one at a time.
static CREATING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A random suffix: database names of concurrent runs never collide.
fn random_suffix() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_owned()
}

/// Test databases are named `gz_test_<pid>_<random>`, templates
/// `gz_tpl_<pid>_<random>`: a run drops its own, and those of runs whose
/// process is gone (killed runs leave theirs behind), never a live run's.
pub(crate) fn owner_is_gone(name: &str) -> bool {
    let pid = name.split('_').nth(2).and_then(|p| p.parse::<u32>().ok());
    pid.is_some_and(|pid| pid != std::process::id() && !std::path::Path::new(&format!("/proc/{pid}")).exists())
}

async fn sweep(admin: &sea_orm::DatabaseConnection) {
    let rows = admin
        .query_all_raw(sea_orm::Statement::from_string(
            admin.get_database_backend(),
            "SELECT datname FROM pg_database WHERE datname LIKE 'gz\\_test\\_%' OR datname LIKE 'gz\\_tpl\\_%'",
        ))
        .await
        .expect("list test databases");
    for r in rows {
        let name: String = r.try_get_by_index(0).expect("datname");
        if owner_is_gone(&name) {
            let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await;
        }
    }
    if let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with("gz_tpl_") && owner_is_gone(&name) {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

/// Migrate and seed a database once per run, to be copied for each test.
async fn prepare_template(config: &Config) {
    let db = Db::connect(config).await.expect("connect template");
    db.migrate().await.expect("migrate template");
    api::seed::seed_demo(&db).await.expect("seed template");
    if !db.is_postgres() {
        db.write.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)").await.expect("checkpoint");
    }
    let _ = db.read.close().await;
    let _ = db.write.close().await;
}

/// The run's template database on the server `admin` (made once per
/// server, after sweeping the databases of dead runs there).
async fn pg_template(admin_url: &str, admin: &sea_orm::DatabaseConnection) -> String {
    let mut servers = PG_SERVERS.lock().await;
    if let Some((_, name)) = servers.iter().find(|(url, _)| url == admin_url) {
        return name.clone();
    }
    sweep(admin).await;
    let name = format!("gz_tpl_{}_{}", std::process::id(), random_suffix());
    admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.expect("create template");
    let mut config = Config::defaults();
    config.database_url = format!("{admin_url}/{name}");
    prepare_template(&config).await;
    servers.push((admin_url.to_owned(), name.clone()));
    name
}

async fn sqlite_template() -> std::path::PathBuf {
    SQLITE_TEMPLATE
        .get_or_init(|| async {
            let path = std::env::temp_dir().join(format!("gz_tpl_{}_{}.db", std::process::id(), random_suffix()));
            let mut config = Config::defaults();
            config.database_url = format!("sqlite://{}?mode=rwc", path.display());
            prepare_template(&config).await;
            path
        })
        .await
        .clone()
}

impl TestApp {
    pub async fn spawn(engine: Engine) -> Self {
        Self::spawn_with(engine, |_| {}).await
    }

    pub async fn spawn_with(engine: Engine, tweak: impl FnOnce(&mut Config)) -> Self {
        let server = match engine {
            Engine::Sqlite => None,
            Engine::Postgres => Some(pg_admin_url()),
        };
        Self::spawn_on(server, tweak).await
    }

    /// A PostgreSQL app whose statements the test counts
    /// ([`Self::pg_statements_during`]): on a server with
    /// `pg_stat_statements` (see [`pg::stats_admin_url`]).
    pub async fn spawn_counted() -> Self {
        let server = pg::stats_admin_url().await.to_owned();
        Self::spawn_on(Some(server), |_| {}).await
    }

    /// SQLite (`None`) or a database on the PostgreSQL server `server`.
    pub async fn spawn_on(server: Option<String>, tweak: impl FnOnce(&mut Config)) -> Self {
        capture_logs();
        pg::watch_run();
        let mut config = Config::defaults();
        config.db_max_connections = 5;
        config.shutdown_grace_secs = 1;
        config.jwt_secret = Some(format!("test-secret-{}", uuid::Uuid::new_v4()));
        // Every test client is 127.0.0.1; tests of the limit lower it.
        config.anon_rate_per_sec = 10_000;
        config.anon_burst = 10_000;
        config.login_max_failures_per_address = 10_000;
        // Webhook workers poll the database: off unless a test uses them
        // (`webhooks::hooked_app`), so statement counts stay exact.
        config.webhooks.workers = false;
        // Last month reads as frozen whatever today's date; the grace
        // period's own test runs servers with one.
        config.indicator_grace_days = 0;
        // Files the server keeps (photos) go to the test's own directory.
        let dir = tempfile::tempdir().expect("tempdir");
        config.data_dir = dir.path().to_owned();
        let (dir, pg_name) = match server {
            None => {
                let template = sqlite_template().await;
                std::fs::copy(&template, dir.path().join("test.db")).expect("copy the template");
                config.database_url = format!("sqlite://{}/test.db?mode=rwc", dir.path().display());
                (Some(dir), None)
            }
            Some(server) => {
                let url = pg_database_on(&server).await;
                let name = url.rsplit('/').next().unwrap_or_default().to_owned();
                config.database_url = url;
                (Some(dir), Some((server, name)))
            }
        };
        tweak(&mut config);
        // Migrated and seeded already (a copy of the run's template);
        // `migrate` finds nothing to do and checks that.
        let db = Db::connect(&config).await.expect("connect");
        db.migrate().await.expect("migrate");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let state = AppState::new(db.clone(), config.clone());
        tokio::spawn(api::http::serve(listener, state.clone(), std::future::pending()));
        TestApp {
            base: format!("http://{addr}"),
            client: reqwest::Client::new(),
            db,
            config,
            state,
            _dir: dir,
            pg_name,
        }
    }

    /// A second server process (same code, own pools and event bus) on the
    /// same database, as another replica would be.
    pub async fn spawn_peer(&self) -> TestApp {
        self.spawn_peer_with(self.config.clone()).await
    }

    /// A second server on the same database with its own configuration
    /// (e.g. reaching the database through a [`Proxy`]).
    pub async fn spawn_peer_with(&self, config: Config) -> TestApp {
        let db = Db::connect(&config).await.expect("connect peer");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let state = AppState::new(db.clone(), config.clone());
        tokio::spawn(api::http::serve(listener, state.clone(), std::future::pending()));
        TestApp {
            base: format!("http://{addr}"),
            client: reqwest::Client::new(),
            db,
            config,
            state,
            _dir: None,
            pg_name: None,
        }
    }

    /// POST a GraphQL operation; returns the response JSON.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        self.post_json(token, &json!({ "query": query, "variables": variables })).await.1
    }

    pub async fn post_json(&self, token: Option<&str>, body: &Value) -> (u16, Value) {
        let mut req = self.client.post(format!("{}/graphql", self.base)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        let answer = resp.json().await.unwrap_or(Value::Null);
        if answer["errors"].is_null() {
            performed::record(&self.base, token, body["query"].as_str().unwrap_or_default());
        }
        (status, answer)
    }

    /// Log in as a demo user; returns the login payload.
    pub async fn login_payload(&self, username: &str) -> Value {
        let r = self
            .gql(
                None,
                "mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p}) {
                    accessToken refreshToken viewer { role } } }",
                json!({ "u": username, "p": api::seed::DEMO_PASSWORD }),
            )
            .await;
        assert!(r["errors"].is_null(), "login {username}: {r}");
        r["data"]["login"].clone()
    }

    /// Log in with a password; returns the access token.
    pub async fn token_with(&self, username: &str, password: &str) -> String {
        let r = self
            .gql(
                None,
                "mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p}) { accessToken } }",
                json!({ "u": username, "p": password }),
            )
            .await;
        r["data"]["login"]["accessToken"].as_str().unwrap_or_else(|| panic!("login {username}: {r}")).to_owned()
    }

    /// Log in as a demo user; returns the access token.
    pub async fn token(&self, username: &str) -> String {
        self.login_payload(username).await["accessToken"].as_str().expect("token").to_owned()
    }

    /// Database id of a seeded region, by name (fixtures never assume ids).
    pub async fn region_id(&self, name: &str) -> i32 {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        entity::region::Entity::find()
            .filter(entity::region::Column::Name.eq(name))
            .one(&self.db.read)
            .await
            .expect("query")
            .unwrap_or_else(|| panic!("no region {name}"))
            .id
    }

    /// Statements PostgreSQL ran in this test's database while `work` ran,
    /// counted by the database itself (pg_stat_statements: spawn the app
    /// with [`Self::spawn_counted`]), not by the server; with what `work` returned. Read over a
    /// connection to another database, so the readings are not counted.
    /// When the view evicted entries meanwhile (other tests filled it:
    /// `pg_stat_statements_info.dealloc` moved), the count may be short, so
    /// `work` runs again, up to ten times.
    pub async fn pg_statements_during<F, Fut, T>(&self, mut work: F) -> (u64, T)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = T>,
    {
        let (server, name) = self.pg_name.as_ref().expect("a PostgreSQL test");
        let name = name.as_str();
        let admin = Database::connect(format!("{server}/postgres")).await.expect("connect admin");
        let created = admin.execute_unprepared("CREATE EXTENSION IF NOT EXISTS pg_stat_statements").await;
        let read = || async {
            let row = admin
                .query_one_raw(sea_orm::Statement::from_sql_and_values(
                    admin.get_database_backend(),
                    // The revocation bookkeeping every process runs in the
                    // background (a sync and a heartbeat every 2 s) is not
                    // the request's.
                    "SELECT COALESCE((SELECT SUM(calls) FROM pg_stat_statements s
                        JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = $1
                        AND s.query NOT LIKE '%token_revocations%' AND s.query NOT LIKE '%server_processes%'
                        AND s.query NOT LIKE '%revocation_acks%'), 0)::BIGINT,
                        (SELECT dealloc FROM pg_stat_statements_info)::BIGINT",
                    [name.into()],
                ))
                .await;
            match (&created, row) {
                (Ok(_), Ok(Some(row))) => {
                    (row.try_get_by_index::<i64>(0).expect("calls"), row.try_get_by_index::<i64>(1).expect("dealloc"))
                }
                (c, r) => panic!(
                    "pg_stat_statements is not available ({c:?}, {r:?}): spawn the app with TestApp::spawn_counted"
                ),
            }
        };
        for _ in 0..10 {
            let (calls, evicted) = read().await;
            let out = work().await;
            let (calls_after, evicted_after) = read().await;
            if evicted_after == evicted {
                let _ = admin.close().await;
                return (u64::try_from(calls_after - calls).expect("calls only grow"), out);
            }
        }
        panic!(
            "pg_stat_statements evicted entries during every attempt: raise pg_stat_statements.max (see common/pg.rs)"
        );
    }

    /// Global id of the demo community 桃园社区 (Peach Garden).
    pub async fn peach_garden(&self) -> String {
        api::graphql::ids::encode("Region", self.region_id("桃园社区").await).0
    }

    /// Database id of a seeded account, by username.
    pub async fn account_id(&self, username: &str) -> i32 {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        entity::account::Entity::find()
            .filter(entity::account::Column::Username.eq(username))
            .one(&self.db.read)
            .await
            .expect("query")
            .unwrap_or_else(|| panic!("no account {username}"))
            .id
    }

    pub async fn audit_count(&self) -> u64 {
        use sea_orm::{EntityTrait, PaginatorTrait};
        entity::audit_log::Entity::find().count(&self.db.read).await.expect("count")
    }
}

/// A fresh database made from the run's template on the server `admin_url`.
pub async fn pg_database_on(admin_url: &str) -> String {
    let admin = Database::connect(format!("{admin_url}/postgres"))
        .await
        .expect("PostgreSQL must be reachable for the tests (TEST_POSTGRES_URL)");
    let template = pg_template(admin_url, &admin).await;
    let name = format!("gz_test_{}_{}", std::process::id(), random_suffix());
    {
        let _one_at_a_time = CREATING.lock().await;
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""))
            .await
            .expect("create database");
    }
    let _ = admin.close().await;
    format!("{admin_url}/{name}")
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Drop the per-test PostgreSQL database (FORCE ends the server's
        // pooled connections); a separate runtime because Drop is sync.
        if let Some((server, name)) = self.pg_name.take() {
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                    return;
                };
                rt.block_on(async move {
                    if let Ok(admin) = Database::connect(format!("{server}/postgres")).await {
                        let _ =
                            admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await;
                        let _ = admin.close().await;
                    }
                });
            })
            .join();
        }
    }
}

/// The `extensions.code` of the first error.
pub fn code(resp: &Value) -> &str {
    resp["errors"][0]["extensions"]["code"].as_str().unwrap_or("<none>")
}

/// A TCP proxy in front of a database that the test can take down (every
/// connection cut, new ones refused) and bring back: the database "goes
/// away" as seen by the server, without touching the shared PostgreSQL.
pub struct Proxy {
    pub port: u16,
    up: std::sync::Arc<std::sync::atomic::AtomicBool>,
    cut: tokio::sync::watch::Sender<u64>,
}

impl Proxy {
    pub async fn start(upstream: &str) -> Self {
        use std::sync::atomic::AtomicBool;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let port = listener.local_addr().expect("addr").port();
        let up = std::sync::Arc::new(AtomicBool::new(true));
        let (cut, _) = tokio::sync::watch::channel(0u64);
        let (flag, cuts, upstream) = (up.clone(), cut.clone(), upstream.to_owned());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !flag.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let mut rx = cuts.subscribe();
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    let Ok(mut outbound) = tokio::net::TcpStream::connect(&upstream).await else { return };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = rx.changed() => {}
                    }
                });
            }
        });
        Proxy { port, up, cut }
    }

    /// Cut every connection and refuse new ones.
    pub fn down(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.cut.send_modify(|g| *g += 1);
    }

    pub fn up(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

/// `host:port` of the test PostgreSQL server.
pub fn pg_host_port() -> String {
    let url = pg_admin_url();
    let rest = url.rsplit('@').next().unwrap_or("127.0.0.1:5432");
    rest.trim_start_matches("postgres://").split('/').next().unwrap_or("127.0.0.1:5432").to_owned()
}

/// The test PostgreSQL URL with its host and port replaced.
pub fn pg_url_via(port: u16, db_name: &str) -> String {
    let url = pg_admin_url();
    let host_port = pg_host_port();
    format!("{}/{db_name}", url.replace(&host_port, &format!("127.0.0.1:{port}")))
}

/// A selection of every field of `ty` reachable without arguments, `depth`
/// levels deep, built from introspection.
pub fn selection(types: &std::collections::HashMap<String, Value>, ty: &str, depth: usize) -> String {
    let Some(t) = types.get(ty) else { return String::new() };
    let mut out = Vec::new();
    for f in t["fields"].as_array().into_iter().flatten() {
        let required_args = f["args"].as_array().into_iter().flatten().any(|a| a["type"]["kind"] == "NON_NULL");
        if required_args {
            continue;
        }
        let mut leaf = &f["type"];
        while leaf["ofType"].is_object() {
            leaf = &leaf["ofType"];
        }
        let name = f["name"].as_str().unwrap();
        match leaf["kind"].as_str() {
            Some("OBJECT" | "INTERFACE") if depth > 0 => {
                let inner = selection(types, leaf["name"].as_str().unwrap(), depth - 1);
                if !inner.is_empty() {
                    out.push(format!("{name} {{ {inner} }}"));
                }
            }
            Some("OBJECT" | "INTERFACE") => {}
            _ => out.push(name.to_owned()),
        }
    }
    out.join(" ")
}

/// Every type of the schema by name, from introspection (as `token`).
pub async fn schema_types(app: &TestApp, token: &str) -> std::collections::HashMap<String, Value> {
    let r = app
        .gql(
            Some(token),
            "{ __schema { types { name fields { name args { name type { kind } } type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }",
            json!({}),
        )
        .await;
    r["data"]["__schema"]["types"]
        .as_array()
        .expect("introspection")
        .iter()
        .map(|t| (t["name"].as_str().unwrap_or_default().to_owned(), t.clone()))
        .collect()
}

impl TestApp {
    /// An access token of an API client (OAuth2 client credentials).
    pub async fn client_token(&self, client_id: &str, secret: &str) -> String {
        let form = [("grant_type", "client_credentials"), ("client_id", client_id), ("client_secret", secret)];
        let resp = self.client.post(format!("{}/oauth/token", self.base)).form(&form).send().await.expect("token");
        let body: Value = resp.json().await.expect("token JSON");
        body["access_token"].as_str().unwrap_or_else(|| panic!("no token for {client_id}: {body}")).to_owned()
    }

    /// POST a GraphQL operation with extra headers; status, headers, body.
    pub async fn post_with(
        &self,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: &Value,
    ) -> (u16, reqwest::header::HeaderMap, Value) {
        let mut req = self.client.post(format!("{}/graphql", self.base)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = req.send().await.expect("request");
        let (status, headers) = (resp.status().as_u16(), resp.headers().clone());
        (status, headers, resp.json().await.unwrap_or(Value::Null))
    }
}

/// The code of a request naming a field its caller's kind is not shown
/// (issue 24): the same as for a field that does not exist.
pub const HIDDEN: &str = "GRAPHQL_VALIDATION_FAILED";

/// The mutations that succeeded, by app and kind of caller (issue 24: every
/// mutation a kind is shown must be one it can perform; see
/// `audit_walk::every_visible_mutation_is_one_its_kind_can_perform`).
pub mod performed {
    use serde_json::Value;
    use std::collections::BTreeSet;
    use std::sync::Mutex;

    static PERFORMED: Mutex<Vec<(String, String, String)>> = Mutex::new(Vec::new());

    /// The kind of caller a token is (from its claims; none: anonymous).
    pub fn kind_of(token: Option<&str>) -> api::audience::Audience {
        use base64::Engine;
        let Some(token) = token else { return api::audience::Audience::Anonymous };
        let claims = token.split('.').nth(1).unwrap_or_default();
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(claims).unwrap_or_default();
        let v: Value = serde_json::from_slice(&bytes).unwrap_or_default();
        let client = v["sub"].as_str().is_some_and(|s| s.starts_with("client:"));
        match (v["role"].as_str().unwrap_or_default(), client) {
            ("SOCIAL_ORGANIZATION", true) => api::audience::Audience::NgoSystem,
            (r, _) => api::audience::Audience::parse(r).unwrap_or(api::audience::Audience::Anonymous),
        }
    }

    pub fn record(base: &str, token: Option<&str>, query: &str) {
        use async_graphql::parser::types::{OperationType, Selection};
        if !query.trim_start().starts_with("mutation") {
            return;
        }
        let Ok(doc) = async_graphql::parser::parse_query(query) else { return };
        let kind = kind_of(token).name().to_owned();
        let mut all = PERFORMED.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for (_, op) in doc.operations.iter() {
            if op.node.ty != OperationType::Mutation {
                continue;
            }
            for sel in &op.node.selection_set.node.items {
                if let Selection::Field(f) = &sel.node {
                    all.push((base.to_owned(), kind.clone(), f.node.name.node.to_string()));
                }
            }
        }
    }

    /// (kind, mutation) pairs that succeeded on the app at `base`.
    pub fn on(base: &str) -> BTreeSet<(String, String)> {
        let all = PERFORMED.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        all.iter().filter(|(b, _, _)| b == base).map(|(_, k, f)| (k.clone(), f.clone())).collect()
    }
}
