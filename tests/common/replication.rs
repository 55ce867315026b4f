//! Real streaming replication for the tests: a primary and standbys made
//! from the installed server binaries (`initdb`, `pg_basebackup -R`,
//! `pg_ctl`) on free ports, each in a temporary directory named after the
//! run (`gz_pg_<pid>_…`), so the run's watchdog stops and removes them
//! however the run ends ([`super::pg::watch_run`]). `examples/pg-replicas`
//! does the same for developers and the benchmark.

use std::path::PathBuf;
use std::process::Stdio;

use super::pg;

/// What to start.
#[derive(Clone, Copy, Default)]
pub struct Options {
    /// Standbys streaming from the primary.
    pub standbys: usize,
    /// `recovery_min_apply_delay` of every standby (milliseconds): makes
    /// lag visible.
    pub apply_delay_ms: u64,
    /// The primary waits for a standby to flush every commit
    /// (`synchronous_standby_names = '*'`): no acknowledged write is lost
    /// when it is promoted.
    pub synchronous: bool,
}

/// One server of the set.
#[derive(Clone)]
pub struct Server {
    pub dir: PathBuf,
    pub port: u16,
}

impl Server {
    /// The admin URL (no database part).
    pub fn admin_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}", self.port)
    }

    /// `host:port`.
    pub fn host_port(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn ctl(&self, args: &[&str]) -> std::process::Output {
        let bin = pg::bin_dir().expect("PostgreSQL binaries");
        pg::run_as_server(&bin.join("pg_ctl"), pg::server_user().is_some())
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(args)
            .stdout(Stdio::null())
            .output()
            .expect("run pg_ctl")
    }

    /// Stop at once, as a crash would (`-m immediate`).
    pub fn kill(&self) {
        let out = self.ctl(&["stop", "-m", "immediate", "-w", "-t", "30"]);
        assert!(out.status.success(), "pg_ctl stop: {}", String::from_utf8_lossy(&out.stderr));
    }

    pub fn start(&self) {
        let log = self.dir.join("server.log").display().to_string();
        let port = format!("-p {}", self.port);
        let out = self.ctl(&["-l", &log, "-w", "-t", "60", "-o", &port, "start"]);
        assert!(out.status.success(), "pg_ctl start: {}", std::fs::read_to_string(&log).unwrap_or_default());
    }

    /// Make a standby the primary (`pg_ctl promote`, waiting for it).
    pub fn promote(&self) {
        let out = self.ctl(&["promote", "-w", "-t", "60"]);
        assert!(out.status.success(), "pg_ctl promote: {}", String::from_utf8_lossy(&out.stderr));
    }
}

/// A primary and its standbys.
pub struct ReplicaSet {
    pub primary: Server,
    pub standbys: Vec<Server>,
}

fn new_dir(role: &str) -> PathBuf {
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    let dir = std::env::temp_dir().join(format!("gz_pg_{}_{}_{role}", std::process::id(), &suffix[..12]));
    std::fs::create_dir_all(&dir).expect("server directory");
    if let Some((uid, gid)) = pg::server_user() {
        std::os::unix::fs::chown(&dir, Some(uid), Some(gid)).expect("hand the directory to postgres");
    }
    dir
}

/// Start a set (blocking: call it from `spawn_blocking`).
pub fn start(options: Options) -> ReplicaSet {
    pg::watch_run();
    let bin = pg::bin_dir().expect("PostgreSQL binaries (initdb, pg_ctl, pg_basebackup)");
    let as_pg = pg::server_user().is_some();
    let dir = new_dir("primary");
    let init = pg::run_as_server(&bin.join("initdb"), as_pg)
        .arg("-D")
        .arg(dir.join("data"))
        .args(["-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"])
        .output()
        .expect("run initdb");
    assert!(init.status.success(), "initdb: {}", String::from_utf8_lossy(&init.stderr));
    let conf = format!(
        "\n# gongzhi replication test\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{}'\n\
         max_connections = 200\nwal_level = replica\nmax_wal_senders = 10\nhot_standby = on\n\
         hot_standby_feedback = on\nwal_sender_timeout = 5s\nwal_receiver_status_interval = 1s\n\
         fsync = off\nfull_page_writes = off\n",
        dir.display()
    );
    pg::append(&dir.join("data/postgresql.conf"), &conf);
    let primary = Server { dir, port: pg::free_port() };
    primary.start();
    let mut standbys = Vec::new();
    for i in 0..options.standbys {
        let dir = new_dir(&format!("standby{i}"));
        let backup = pg::run_as_server(&bin.join("pg_basebackup"), as_pg)
            .arg("-D")
            .arg(dir.join("data"))
            .args(["-R", "-X", "stream", "-c", "fast", "-h", "127.0.0.1", "-U", "postgres"])
            .args(["-p", &primary.port.to_string()])
            .output()
            .expect("run pg_basebackup");
        assert!(backup.status.success(), "pg_basebackup: {}", String::from_utf8_lossy(&backup.stderr));
        // `-R` wrote primary_conninfo (in postgresql.auto.conf).
        let conf = format!(
            "\n# standby {i}\nunix_socket_directories = '{}'\nrecovery_min_apply_delay = '{}ms'\n",
            dir.display(),
            options.apply_delay_ms,
        );
        pg::append(&dir.join("data/postgresql.conf"), &conf);
        let standby = Server { dir, port: pg::free_port() };
        standby.start();
        standbys.push(standby);
    }
    if options.synchronous && !standbys.is_empty() {
        // After the copies: a promoted standby must not wait for standbys
        // of its own.
        pg::append(
            &primary.dir.join("data/postgresql.conf"),
            "synchronous_standby_names = '*'\nsynchronous_commit = on\n",
        );
        let out = primary.ctl(&["reload"]);
        assert!(out.status.success(), "pg_ctl reload");
    }
    ReplicaSet { primary, standbys }
}

impl Drop for ReplicaSet {
    /// Stopped and removed with the test (the watchdog is the backstop).
    fn drop(&mut self) {
        for s in self.standbys.iter().chain([&self.primary]) {
            let _ = s.ctl(&["stop", "-m", "immediate", "-w", "-t", "30"]);
            let _ = std::fs::remove_dir_all(&s.dir);
        }
    }
}

/// Wait until `app`'s every standby is up (it is out until its first
/// good check, and a new database reaches it through replay).
pub async fn all_up(app: &super::TestApp) {
    let cluster = app.db.cluster.clone().expect("a cluster");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !cluster.figures().iter().all(|f| f.up) {
        assert!(std::time::Instant::now() < deadline, "standbys not up within 60 s");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// `url` (a database URL on one server of the set) on another server.
pub fn on_server(url: &str, server: &Server) -> String {
    let name = url.rsplit('/').next().unwrap_or_default();
    format!("{}/{name}", server.admin_url())
}

/// Wait until `standby_url` has replayed what the primary (`primary_url`)
/// has written now, and can be connected to (a database made on the
/// primary reaches a standby through replay too).
pub async fn caught_up(primary_url: &str, standby_url: &str) {
    use sea_orm::{ConnectionTrait, Database, Statement};
    let primary = Database::connect(primary_url).await.expect("primary");
    let sql = "SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint";
    let row = primary.query_one_raw(Statement::from_string(primary.get_database_backend(), sql)).await;
    let target: i64 = row.expect("lsn").expect("row").try_get_by_index(0).expect("lsn");
    let _ = primary.close().await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        if let Ok(standby) = Database::connect(standby_url).await {
            let sql = "SELECT (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint";
            let row = standby.query_one_raw(Statement::from_string(standby.get_database_backend(), sql)).await;
            let _ = standby.close().await;
            if let Ok(Some(row)) = row
                && row.try_get_by_index::<i64>(0).is_ok_and(|l| l >= target)
            {
                return;
            }
        }
        assert!(std::time::Instant::now() < deadline, "the standby did not catch up within 60 s");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
