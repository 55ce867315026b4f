//! What the benchmark examples share: a server configuration for loopback
//! load, and a scratch database on either engine that the run drops.

// Each example compiles this module on its own: a helper one of them does
// not call is dead code there, not in the set.
#![allow(dead_code)]

pub mod district;

use api::{AppState, Config, Db};
use sea_orm::{ConnectionTrait, Database};

/// A configuration and the database it points at: a SQLite file in a
/// temporary directory, or a PostgreSQL database created on `postgres` (a
/// server URL without a database) and dropped by [`Scratch::drop_database`].
pub struct Scratch {
    pub config: Config,
    _dir: tempfile::TempDir,
    postgres: Option<(String, String)>,
}

/// The password of the accounts a benchmark creates.
pub const BENCH_PASSWORD: &str = "bench-password";

/// A configuration for load from loopback clients, keeping its files (the
/// JWT secret, photos) under the system's temporary directory.
pub fn loopback_config(name: &str) -> Config {
    let mut config = Config::defaults();
    config.jwt_secret = Some(format!("{name}-bench-secret-{name}-bench-secret"));
    config.data_dir = std::env::temp_dir().join(format!("gz_{name}_bench"));
    config.db_max_connections = 16;
    // One loopback address plays every client.
    config.anon_rate_per_sec = 100_000;
    config.anon_burst = 100_000;
    config
}

impl Scratch {
    /// `name` names the SQLite file and, with the process id, the database.
    pub async fn new(name: &str, postgres: Option<&str>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut config = loopback_config(name);
        config.data_dir = dir.path().to_owned();
        let postgres = match postgres {
            None => {
                config.database_url = format!("sqlite://{}/{name}.db?mode=rwc", dir.path().display());
                None
            }
            Some(server) => {
                let db = format!("gz_{name}_bench_{}", std::process::id());
                let admin = Database::connect(format!("{server}/postgres")).await.unwrap();
                admin.execute_unprepared(&format!("CREATE DATABASE \"{db}\"")).await.unwrap();
                config.database_url = format!("{server}/{db}?sslmode=disable");
                Some((server.to_owned(), db))
            }
        };
        Self { config, _dir: dir, postgres }
    }

    /// Drop the PostgreSQL database (FORCE ends the run's connections).
    pub async fn drop_database(&self) {
        if let Some((server, db)) = &self.postgres {
            let admin = Database::connect(format!("{server}/postgres")).await.unwrap();
            let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)")).await;
        }
    }
}

/// Serve the real app on a loopback port of its own; its base URL.
pub async fn serve(db: &Db, config: &Config) -> String {
    let app = AppState::new(db.clone(), config.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(api::http::serve(listener, app, std::future::pending()));
    base
}

/// A machine client's access token (client credentials grant).
pub async fn client_token(http: &reqwest::Client, base: &str, id: &str, secret: &str) -> String {
    let form = [("grant_type", "client_credentials"), ("client_id", id), ("client_secret", secret)];
    let tok: serde_json::Value =
        http.post(format!("{base}/oauth/token")).form(&form).send().await.unwrap().json().await.unwrap();
    tok["access_token"].as_str().unwrap().to_owned()
}
