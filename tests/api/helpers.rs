//! Test fixtures: fresh databases on either backend and the real server on port 0.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use adlerdo::config::Settings;
use adlerdo::db::{DatabaseUrl, Db, migrations};
use adlerdo::jobs::queue;
use adlerdo::startup::{Application, SANDBOX_FACADE_KEY, SANDBOX_KEY_NAME};
use adlerdo::state::AppState;
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use serde_json::{Value, json};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs an async test body once per backend: `both_backends!(name)` makes `name::sqlite` and
/// `name::postgres`, each calling `name(Backend)`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::helpers::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::helpers::Backend::Postgres).await
            }
        }
    )*};
}

/// The PostgreSQL server tests create their databases on (trust auth on our machines).
pub fn pg_admin_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// The backend for tests of the whole application: PostgreSQL when `TEST_BACKEND=postgres`,
/// SQLite otherwise.
pub fn app_backend() -> Backend {
    match std::env::var("TEST_BACKEND").as_deref() {
        Ok("postgres") => Backend::Postgres,
        _ => Backend::Sqlite,
    }
}

pub fn init_test_logging() {
    if std::env::var("TEST_LOG").is_ok() {
        adlerdo::telemetry::init("debug,actix_server=warn,actix_web=info");
    }
}

/// A fresh, empty database, removed when dropped.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg_name: Option<String>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl TestDb {
    pub fn new(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("hub.db").display());
                Self {
                    url,
                    _dir: Some(dir),
                    pg_name: None,
                }
            }
            Backend::Postgres => {
                let name = format!(
                    "adlerdo_test_{}_{}_{:04x}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::Relaxed),
                    rand_suffix()
                );
                let admin = pg_admin_url();
                let mut conn = PgConnection::establish(&admin).unwrap_or_else(|e| {
                    panic!("PostgreSQL is needed for this test (set TEST_DATABASE_URL or start it on 127.0.0.1:5432): {e}")
                });
                conn.batch_execute(&format!("CREATE DATABASE \"{name}\""))
                    .expect("create test database");
                Self {
                    url: with_database(&admin, &name),
                    _dir: None,
                    pg_name: Some(name),
                }
            }
        }
    }

    /// A pool on this database with the schema applied.
    pub fn connect(&self) -> Db {
        let settings = Settings::default();
        let db = Db::connect(
            DatabaseUrl::parse(&self.url).expect("url"),
            &settings.database,
        )
        .expect("connect");
        migrations::run_pending(&mut db.get().expect("conn")).expect("migrate");
        db
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(name) = &self.pg_name
            && let Ok(mut conn) = PgConnection::establish(&pg_admin_url())
        {
            let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
        }
    }
}

fn rand_suffix() -> u16 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    (nanos ^ (nanos >> 16)) as u16
}

/// `url` with its database name replaced.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{name}", &base[..path_start]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// Settings for a test application: port 0, quick polling, no periodic jobs.
pub fn test_settings(db: &TestDb) -> Settings {
    let mut s = Settings::default();
    s.server.port = 0;
    s.server.workers = 1;
    s.database.url = db.url.clone();
    s.database.pool_size = 4;
    s.jobs.workers = 1;
    s.jobs.poll_interval_ms = 20;
    s.jobs.backoff_base_ms = 20;
    s.jobs.shutdown_grace_secs = 2;
    s.schedule.cleanup_secs = 0;
    s.schedule.product_sync_secs = 0;
    s.stock.poll_secs = 0;
    s.orders.poll_secs = 0;
    s.orders.sandbox_order_secs = 0;
    s
}

pub struct TestApp {
    pub address: String,
    pub state: AppState,
    pub client: reqwest::Client,
    _db: TestDb,
    shutdown: CancellationToken,
    handle: Option<JoinHandle<anyhow::Result<()>>>,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the real application on port 0 with a fresh database, after `customize`.
pub async fn spawn_app_with(customize: impl FnOnce(&mut Settings)) -> TestApp {
    init_test_logging();
    let db = TestDb::new(app_backend());
    let mut settings = test_settings(&db);
    customize(&mut settings);
    let app = Application::build(settings)
        .await
        .expect("application builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let state = app.state().clone();
    let shutdown = app.shutdown_token();
    let handle = tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        state,
        client: reqwest::Client::new(),
        _db: db,
        shutdown,
        handle: Some(handle),
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Stops the application as SIGTERM would and waits for it.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        self.shutdown.cancel();
        match self.handle.take() {
            Some(handle) => handle.await.expect("application task"),
            None => Ok(()),
        }
    }

    /// Waits until no job is queued or running (the workers have drained the queue).
    pub async fn wait_for_jobs(&self, timeout: Duration) {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let counts = self.state.db.run(queue::counts).await.expect("counts");
            let busy: i64 = counts
                .iter()
                .filter(|(_, state, _)| state == "queued" || state == "running")
                .map(|(_, _, n)| n)
                .sum();
            if busy == 0 {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "jobs still pending after {timeout:?}: {counts:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

pub const DB: &str = "adlerdo";

/// One facade call with the sandbox's key (JSON-RPC `execute_kw`); panics on an Odoo error.
pub async fn call(app: &TestApp, model: &str, method: &str, args: Value, kw: Value) -> Value {
    let login: Value = app
        .client
        .post(app.url("/jsonrpc"))
        .json(
            &json!({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
            "service": "common", "method": "login",
            "args": [DB, SANDBOX_KEY_NAME, SANDBOX_FACADE_KEY]}}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let uid = login["result"].as_i64().unwrap();
    let r: Value = app
        .client
        .post(app.url("/jsonrpc"))
        .json(
            &json!({"jsonrpc": "2.0", "method": "call", "id": 2, "params": {
            "service": "object", "method": "execute_kw",
            "args": [DB, uid, SANDBOX_FACADE_KEY, model, method, args, kw]}}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(r.get("error").is_none(), "{model}.{method}: {r}");
    r["result"].clone()
}

/// Waits until `check` holds, for up to `secs`.
pub async fn eventually<F, Fut>(secs: u64, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), String>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        match check().await {
            Ok(()) => return,
            Err(e) if tokio::time::Instant::now() > deadline => panic!("{what}: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

/// The application in sandbox mode (Odoo emulator, the three marketplace simulators) with the
/// emulator's catalog imported: no debounce, two workers, the simulators' rate-limit clocks 60
/// times faster than real time.
pub async fn spawn_sandbox() -> TestApp {
    let app = spawn_app_with(|s| {
        s.stock.debounce_ms = 0;
        s.jobs.workers = 2;
        s.marketplaces.sandbox_time_scale = 60.0;
    })
    .await;
    assert_eq!(
        app.state.market_sims.len(),
        3,
        "three simulators in sandbox mode"
    );
    app.state
        .queue
        .enqueue(&adlerdo::sync::products::SyncProducts { full: true })
        .await
        .unwrap();
    app.wait_for_jobs(Duration::from_secs(90)).await;
    app
}
