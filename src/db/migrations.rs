//! Embedded migrations, one folder per backend with the same versions.

use diesel::connection::SimpleConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::DbConnection;

pub const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");
pub const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// Serialises migrations between replicas starting at once on one PostgreSQL database.
const PG_MIGRATION_LOCK: i64 = 0x6164_6c65_7264_6f01; // "adlerdo" + 1

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Applies every pending migration; returns the versions applied.
pub fn run_pending(conn: &mut DbConnection) -> Result<Vec<String>, BoxError> {
    match conn {
        DbConnection::Postgresql(c) => {
            c.batch_execute(&format!("SELECT pg_advisory_lock({PG_MIGRATION_LOCK})"))?;
            let result = c
                .run_pending_migrations(POSTGRES)
                .map(|v| v.iter().map(ToString::to_string).collect());
            c.batch_execute(&format!("SELECT pg_advisory_unlock({PG_MIGRATION_LOCK})"))?;
            result
        }
        DbConnection::Sqlite(c) => Ok(c
            .run_pending_migrations(SQLITE)?
            .iter()
            .map(ToString::to_string)
            .collect()),
    }
}

/// Reverts every applied migration, newest first; returns the versions reverted.
pub fn revert_all(conn: &mut DbConnection) -> Result<Vec<String>, BoxError> {
    let versions = match conn {
        DbConnection::Postgresql(c) => c.revert_all_migrations(POSTGRES)?,
        DbConnection::Sqlite(c) => c.revert_all_migrations(SQLITE)?,
    };
    Ok(versions.iter().map(ToString::to_string).collect())
}

/// Versions applied to this database, oldest first.
pub fn applied(conn: &mut DbConnection) -> Result<Vec<String>, BoxError> {
    let mut versions: Vec<String> = match conn {
        DbConnection::Postgresql(c) => c.applied_migrations()?,
        DbConnection::Sqlite(c) => c.applied_migrations()?,
    }
    .iter()
    .map(ToString::to_string)
    .collect();
    versions.sort();
    Ok(versions)
}
