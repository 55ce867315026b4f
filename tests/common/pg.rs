//! The PostgreSQL server of a test run.
//!
//! With `TEST_POSTGRES_URL` the tests use that server as it is (a stock
//! configuration is enough). Without it, the run starts a private cluster
//! from the installed server binaries (`initdb`, `pg_ctl`) in a temporary
//! directory, on a free port, with what the suite wants and a stock server
//! lacks (`pg_stat_statements` preloaded, room for many connections,
//! durability off for speed), and never touches the machine's own server.
//! The cluster goes away with the run: a watchdog process, started in a
//! session of its own, waits for the test process to end (passed, failed,
//! interrupted or killed), then stops the cluster and removes its
//! directory. A later run also removes the clusters of dead runs whose
//! watchdog did not finish (a reboot).
//!
//! The tests that count statements in the database itself need
//! `pg_stat_statements`: on a `TEST_POSTGRES_URL` server that does not
//! preload it, they get a private cluster of their own ([`stats_admin_url`]).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use sea_orm::{ConnectionTrait, Database};
use tokio::sync::OnceCell;

/// The admin URL (no database part) of the run's server.
pub fn admin_url() -> &'static str {
    static MAIN: OnceLock<String> = OnceLock::new();
    MAIN.get_or_init(|| match std::env::var("TEST_POSTGRES_URL") {
        Ok(url) if !url.trim().is_empty() => url.trim().trim_end_matches('/').to_owned(),
        _ => Cluster::start(),
    })
}

/// The admin URL of a server with `pg_stat_statements` loaded: the run's
/// own server when it preloads it (a private cluster always does), else a
/// private cluster started for the tests that count statements.
pub async fn stats_admin_url() -> &'static str {
    static STATS: OnceCell<String> = OnceCell::const_new();
    STATS
        .get_or_init(|| async {
            let main = admin_url().to_owned();
            if preloads_stats(&main).await {
                return main;
            }
            tokio::task::spawn_blocking(Cluster::start).await.expect("start a private cluster")
        })
        .await
}

async fn preloads_stats(admin: &str) -> bool {
    let Ok(db) = Database::connect(format!("{admin}/postgres")).await else { return false };
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(db.get_database_backend(), "SHOW shared_preload_libraries"))
        .await;
    let _ = db.close().await;
    matches!(row, Ok(Some(r)) if r.try_get_by_index::<String>(0).is_ok_and(|s| s.contains("pg_stat_statements")))
}

/// A private cluster: its directory holds `data/`, the server's log and
/// its socket; named `gz_pg_<pid>_<random>` after the test process.
struct Cluster;

const INSTALL_HINT: &str = "no PostgreSQL server binaries (initdb, pg_ctl) found under /usr/lib/postgresql/*/bin or \
     on PATH: install them (Debian: apt-get install postgresql) or set TEST_POSTGRES_URL to a running server";

impl Cluster {
    /// Start a cluster; its admin URL.
    fn start() -> String {
        sweep_dead_clusters();
        let bin = bin_dir().unwrap_or_else(|| panic!("{INSTALL_HINT}"));
        let suffix = uuid::Uuid::new_v4().simple().to_string();
        let dir = std::env::temp_dir().join(format!("gz_pg_{}_{}", std::process::id(), &suffix[..12]));
        std::fs::create_dir_all(&dir).expect("cluster directory");
        let owner = server_user();
        if let Some((uid, gid)) = owner {
            std::os::unix::fs::chown(&dir, Some(uid), Some(gid)).expect("hand the cluster directory to postgres");
        }
        let data = dir.join("data");
        // Whatever happens from here on, the directory goes with the run.
        watch_run();
        let initdb = run_as_server(&bin.join("initdb"), owner.is_some())
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"])
            .output()
            .expect("run initdb");
        assert!(initdb.status.success(), "initdb failed: {}", String::from_utf8_lossy(&initdb.stderr));
        let conf = format!(
            "\n# gongzhi test run\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{}'\n\
             max_connections = 400\nshared_preload_libraries = 'pg_stat_statements'\n\
             pg_stat_statements.max = 50000\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\n",
            dir.display()
        );
        append(&data.join("postgresql.conf"), &conf);
        // A free port can be taken by someone else between the probe and
        // the start: try a few.
        for _ in 0..5 {
            let port = free_port();
            let started = run_as_server(&bin.join("pg_ctl"), owner.is_some())
                .arg("-D")
                .arg(&data)
                .arg("-l")
                .arg(dir.join("server.log"))
                .args(["-w", "-t", "60", "-o", &format!("-p {port}"), "start"])
                .stdout(Stdio::null())
                .output()
                .expect("run pg_ctl");
            if started.status.success() {
                return format!("postgres://postgres@127.0.0.1:{port}");
            }
        }
        let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
        panic!("the private PostgreSQL cluster did not start: {log}");
    }
}

/// The newest installed server's binaries (or `TEST_PG_BIN`).
pub(super) fn bin_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("TEST_PG_BIN") {
        return Some(PathBuf::from(dir));
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Some(bin);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).find(|d| d.join("initdb").exists() && d.join("pg_ctl").exists())
}

/// PostgreSQL refuses to run as root: as root, the cluster belongs to the
/// `postgres` user (uid, gid), and its commands run as that user.
pub(super) fn server_user() -> Option<(u32, u32)> {
    let id = |flag: &str, who: Option<&str>| {
        let out = Command::new("id").arg(flag).args(who).output().ok()?;
        String::from_utf8_lossy(&out.stdout).trim().parse::<u32>().ok()
    };
    if id("-u", None)? != 0 {
        return None;
    }
    let uid = id("-u", Some("postgres"))
        .unwrap_or_else(|| panic!("running as root, and there is no `postgres` user to run the test cluster"));
    Some((uid, id("-g", Some("postgres"))?))
}

pub(super) fn run_as_server(program: &Path, as_postgres: bool) -> Command {
    if as_postgres {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

/// Once per test process: a process in a session of its own that outlives
/// an interrupted run. When the test process is gone, it stops the run's
/// private clusters, removes their directories and the SQLite template
/// files, and drops the run's databases on a `TEST_POSTGRES_URL` server.
pub fn watch_run() {
    static WATCHED: OnceLock<()> = OnceLock::new();
    WATCHED.get_or_init(|| {
        let pid = std::process::id();
        let tmp = std::env::temp_dir();
        let as_postgres = if server_user().is_some() { "runuser -u postgres -- " } else { "" };
        let pg_ctl = bin_dir().map(|b| b.join("pg_ctl").display().to_string()).unwrap_or_else(|| "false".into());
        let external = std::env::var("TEST_POSTGRES_URL").unwrap_or_default();
        let script = format!(
            r#"while kill -0 {pid} 2>/dev/null; do sleep 1; done
for d in '{tmp}'/gz_pg_{pid}_*; do
  [ -d "$d" ] || continue
  {as_postgres}'{pg_ctl}' -D "$d/data" stop -m immediate -w -t 30
  rm -rf "$d"
done
rm -f '{tmp}'/gz_tpl_{pid}_*
url='{external}'
if [ -n "$url" ] && command -v psql >/dev/null; then
  psql "${{url%/}}/postgres" -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'gz\_%\_{pid}\_%'" |
  while read -r db; do psql "${{url%/}}/postgres" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)"; done
fi"#,
            tmp = tmp.display(),
        );
        Command::new("setsid")
            .args(["-f", "sh", "-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("start the run's watchdog (setsid)");
    });
}

/// Clusters of runs whose process is gone and whose watchdog did not
/// finish: stopped and removed.
pub(super) fn sweep_dead_clusters() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else { return };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.starts_with("gz_pg_") || !super::owner_is_gone(&name) {
            continue;
        }
        let data = e.path().join("data");
        if data.join("postmaster.pid").exists()
            && let Some(bin) = bin_dir()
        {
            let _ = run_as_server(&bin.join("pg_ctl"), server_user().is_some())
                .arg("-D")
                .arg(&data)
                .args(["stop", "-m", "immediate", "-w", "-t", "30"])
                .output();
        }
        let _ = std::fs::remove_dir_all(e.path());
    }
}

pub(super) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

pub(super) fn append(path: &Path, text: &str) {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new().append(true).open(path).expect("open postgresql.conf");
    f.write_all(text.as_bytes()).expect("write postgresql.conf");
}
