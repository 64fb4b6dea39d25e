//! Shared by the benchmarks: fresh databases on either backend.

#![allow(dead_code, clippy::expect_used)]

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

pub fn pg_admin_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A database that is dropped (PostgreSQL) or deleted (SQLite) afterwards.
pub struct BenchDb {
    pub url: String,
    pg_name: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

impl BenchDb {
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("bench.db").display());
        Self {
            url,
            pg_name: None,
            _dir: Some(dir),
        }
    }

    pub fn postgres() -> Self {
        let name = format!("adlerdo_bench_{}", std::process::id());
        let admin = pg_admin_url();
        let mut conn = PgConnection::establish(&admin)
            .expect("PostgreSQL on TEST_DATABASE_URL or 127.0.0.1:5432");
        conn.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .expect("drop old bench database");
        conn.batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .expect("create bench database");
        let base = admin
            .rsplit_once('/')
            .map_or(admin.as_str(), |(b, _)| b)
            .to_string();
        Self {
            url: format!("{base}/{name}"),
            pg_name: Some(name),
            _dir: None,
        }
    }
}

impl Drop for BenchDb {
    fn drop(&mut self) {
        if let Some(name) = &self.pg_name
            && let Ok(mut conn) = PgConnection::establish(&pg_admin_url())
        {
            let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
        }
    }
}

/// A benchmark parameter from the environment, or `default`.
pub fn env_or<T: std::str::FromStr>(key: &str, default: T) -> T {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
