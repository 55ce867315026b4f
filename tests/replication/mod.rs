//! Streaming replicas, read-your-writes across processes, replica loss and
//! primary failover (issue 28), on real PostgreSQL standbys the tests start
//! themselves (`common::replication`). PostgreSQL only: SQLite has one
//! process and no standbys; what it does with the setting is checked too.

mod failover;
mod loss;
mod reads;

use serde_json::Value;

use crate::common::TestApp;
use crate::common::replication::{self, Options, ReplicaSet};

/// Start a set in the background (initdb and pg_basebackup block).
async fn start(options: Options) -> ReplicaSet {
    tokio::task::spawn_blocking(move || replication::start(options)).await.expect("start the servers")
}

/// An API server on a fresh database on `set`'s primary, reading its
/// standbys, checking them every `check_ms`; its standbys up and caught up.
async fn app_on(set: &ReplicaSet, check_ms: u64) -> TestApp {
    let app = TestApp::spawn_on(Some(set.primary.admin_url()), |c| {
        c.replication.database_replica_url =
            set.standbys.iter().map(|s| replication::on_server(&c.database_url, s)).collect();
        c.replication.db_check_ms = check_ms;
    })
    .await;
    for standby in &app.config.replication.database_replica_url {
        replication::caught_up(&app.config.database_url, standby).await;
    }
    replication::all_up(&app).await;
    app
}

/// Statements each standby of `app` answered so far.
fn standby_statements(app: &TestApp) -> Vec<u64> {
    app.db.cluster.as_ref().expect("a cluster").figures().iter().map(|f| f.statements).collect()
}

fn tally_yes(r: &Value) -> i64 {
    r["data"]["node"]["tally"]["yes"].as_i64().unwrap_or_else(|| panic!("no tally: {r}"))
}
