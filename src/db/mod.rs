//! Storage: one diesel connection type over SQLite and PostgreSQL, an r2d2 pool, embedded
//! migrations, and the one helper through which async code runs queries (on tokio's blocking
//! pool, never on an actix worker).

pub mod migrations;
pub mod models;
pub mod schema;
pub mod url;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection, R2D2Connection};

pub use self::url::DatabaseUrl;
use crate::config::DatabaseSettings;

/// A connection to either backend. Queries valid on both run on it directly; the rare
/// backend-specific statement matches on it (see [`with_backend!`](crate::with_backend)).
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgresql(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

/// Runs the same block on the concrete connection inside a [`DbConnection`], so that query
/// builder code valid for both backends is compiled once per backend.
#[macro_export]
macro_rules! with_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Postgresql($c) => $body,
            $crate::db::DbConnection::Sqlite($c) => $body,
        }
    };
}

pub type Pool = r2d2::Pool<Manager>;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// No connection could be had in time: the pool is exhausted or the database is down.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("database task failed: {0}")]
    Task(String),
}

/// Opens connections of the backend the URL names, set up for the hub's use.
#[derive(Debug)]
pub struct Manager {
    url: DatabaseUrl,
    busy_timeout_ms: u32,
    connect_timeout_secs: u64,
    /// PostgreSQL: commit without waiting for the WAL flush (see [`Db::write_lazy`]).
    lazy_commit: bool,
}

impl Manager {
    pub fn new(url: DatabaseUrl, settings: &DatabaseSettings) -> Self {
        Self {
            url,
            busy_timeout_ms: settings.sqlite_busy_timeout_ms,
            connect_timeout_secs: settings.connect_timeout_secs,
            lazy_commit: false,
        }
    }

    fn establish(&self) -> ConnectionResult<DbConnection> {
        match &self.url {
            DatabaseUrl::Sqlite(path) => {
                let path = path.to_string_lossy();
                let mut conn = diesel::SqliteConnection::establish(&path)?;
                // WAL lets readers run beside the writer; NORMAL is durable in WAL mode except
                // for the last transactions before a power loss (not a process crash).
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {};
                     PRAGMA journal_mode = WAL;
                     PRAGMA synchronous = NORMAL;
                     PRAGMA foreign_keys = ON;",
                    self.busy_timeout_ms
                ))
                .map_err(|e| ConnectionError::BadConnection(e.to_string()))?;
                Ok(DbConnection::Sqlite(conn))
            }
            DatabaseUrl::Postgres(url) => {
                let url = if url.contains("connect_timeout=") {
                    url.clone()
                } else {
                    let sep = if url.contains('?') { '&' } else { '?' };
                    format!("{url}{sep}connect_timeout={}", self.connect_timeout_secs)
                };
                let mut conn = diesel::PgConnection::establish(&url)?;
                if self.lazy_commit {
                    conn.batch_execute("SET synchronous_commit = off")
                        .map_err(|e| ConnectionError::BadConnection(e.to_string()))?;
                }
                Ok(DbConnection::Postgresql(conn))
            }
        }
    }
}

impl ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        self.establish().map_err(r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        conn.ping().map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        std::thread::panicking() || conn.is_broken()
    }
}

/// The pool and the async entry point to it. Cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    /// PostgreSQL: connections that commit without waiting for the WAL flush; SQLite: `pool`.
    lazy_pool: Pool,
    url: DatabaseUrl,
    /// SQLite has one writer at a time, and a writer that finds the lock taken sleeps in steps of
    /// milliseconds. Writers of this process queue here instead; other processes still meet the
    /// busy timeout.
    sqlite_writer: Option<Arc<Mutex<()>>>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("url", &self.url).finish()
    }
}

impl Db {
    /// Opens one connection first (so an unreachable database fails at once, with the driver's
    /// own words), then builds the pool. Blocking: call it before the runtime serves requests or
    /// from a blocking task.
    pub fn connect(url: DatabaseUrl, settings: &DatabaseSettings) -> Result<Self, String> {
        if let DatabaseUrl::Sqlite(path) = &url
            && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create directory {}: {e}", dir.display()))?;
        }
        let manager = Manager::new(url.clone(), settings);
        let first = manager
            .establish()
            .map_err(|e| format!("cannot connect to {url}: {}", one_line(&e.to_string())))?;
        drop(first);
        let builder = || {
            r2d2::Pool::builder()
                .max_size(settings.pool_size)
                // A broken connection is noticed by the query that meets it (and then dropped);
                // testing each checkout would cost a round trip per query.
                .test_on_check_out(false)
                .connection_timeout(Duration::from_secs(settings.connect_timeout_secs))
                .error_handler(Box::new(LogErrors))
        };
        let pool = builder()
            .min_idle(Some(1))
            .build(manager)
            .map_err(|e| format!("cannot connect to {url}: {}", one_line(&e.to_string())))?;
        let lazy_pool = match &url {
            DatabaseUrl::Sqlite(_) => pool.clone(),
            DatabaseUrl::Postgres(_) => builder()
                .min_idle(Some(0))
                .build(Manager {
                    lazy_commit: true,
                    ..Manager::new(url.clone(), settings)
                })
                .map_err(|e| format!("cannot connect to {url}: {}", one_line(&e.to_string())))?,
        };
        let sqlite_writer = matches!(url, DatabaseUrl::Sqlite(_)).then(|| Arc::new(Mutex::new(())));
        Ok(Self {
            pool,
            lazy_pool,
            url,
            sqlite_writer,
        })
    }

    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    pub fn backend(&self) -> &'static str {
        self.url.backend()
    }

    /// A pooled connection, blocking. For code that already runs on a blocking thread.
    pub fn get(&self) -> Result<r2d2::PooledConnection<Manager>, DbError> {
        checkout(&self.pool)
    }

    /// Runs `f` with a pooled connection on tokio's blocking pool.
    pub async fn run<T, F>(&self, f: F) -> Result<T, DbError>
    where
        F: FnOnce(&mut DbConnection) -> QueryResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.blocking(self.pool.clone(), false, f).await
    }

    /// Like [`run`](Self::run) for `f` that writes: on SQLite, one writer of this process at a
    /// time.
    pub async fn write<T, F>(&self, f: F) -> Result<T, DbError>
    where
        F: FnOnce(&mut DbConnection) -> QueryResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.blocking(self.pool.clone(), true, f).await
    }

    /// Like [`write`](Self::write), for writes that a database crash may undo without harm: the
    /// job queue's own bookkeeping (claims, leases, completions), whose loss only means that an
    /// idempotent job runs again. On PostgreSQL these commits do not wait for the WAL flush
    /// (`synchronous_commit = off`); jobs themselves are always enqueued durably.
    pub async fn write_lazy<T, F>(&self, f: F) -> Result<T, DbError>
    where
        F: FnOnce(&mut DbConnection) -> QueryResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.blocking(self.lazy_pool.clone(), true, f).await
    }

    async fn blocking<T, F>(&self, pool: Pool, writes: bool, f: F) -> Result<T, DbError>
    where
        F: FnOnce(&mut DbConnection) -> QueryResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let writer = self.sqlite_writer.clone().filter(|_| writes);
        tokio::task::spawn_blocking(move || {
            let mut conn = checkout(&pool)?;
            let _turn = writer
                .as_ref()
                .map(|m| m.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
            f(&mut conn).map_err(DbError::from)
        })
        .await
        .map_err(|e| DbError::Task(e.to_string()))?
    }

    /// `SELECT 1`: is the database answering?
    pub async fn ping(&self) -> Result<(), DbError> {
        self.run(|conn| conn.ping()).await
    }
}

fn checkout(pool: &Pool) -> Result<r2d2::PooledConnection<Manager>, DbError> {
    pool.get()
        .map_err(|e| DbError::Unavailable(one_line(&e.to_string())))
}

#[derive(Debug)]
struct LogErrors;

impl r2d2::HandleError<r2d2::Error> for LogErrors {
    fn handle_error(&self, error: r2d2::Error) {
        log::warn!(
            "database connection failed: {}",
            one_line(&error.to_string())
        );
    }
}

/// Driver messages (libpq's in particular) span lines; logs and CLI errors want one.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
