//! The SQLite backend: WAL, `synchronous=NORMAL`, a busy timeout, a read pool
//! beside a single-connection write pool whose transactions start with
//! `BEGIN IMMEDIATE`, so a write never fails half-way on a lock upgrade.

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Pool, Sqlite};
use std::str::FromStr;
use std::time::Duration;

/// orgdir on SQLite.
#[derive(Clone)]
pub struct SqliteStore {
    read: Pool<Sqlite>,
    write: Pool<Sqlite>,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `url` and migrates it.
    pub async fn connect(url: &str) -> orgdir_core::Result<Self> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(crate::db_error)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            // Sorts and temporary b-trees (bulk builds, `orgdir check`) stay
            // in memory, and each connection may cache 8 MiB of pages.
            .pragma("temp_store", "memory")
            .pragma("cache_size", "-8192");
        // No ping before each acquire: with SQLite it is one more hand-off
        // to the connection's worker thread per query, and the profile of
        // the count endpoints was mostly those hand-offs (docs/PERFORMANCE.md).
        let write = SqlitePoolOptions::new()
            .test_before_acquire(false)
            .max_connections(1)
            .connect_with(options.clone())
            .await
            .map_err(crate::db_error)?;
        sqlx::migrate!("migrations/sqlite")
            .run(&write)
            .await
            .map_err(|e| orgdir_core::Error::Internal(format!("migrations: {e}")))?;
        let read = SqlitePoolOptions::new()
            .test_before_acquire(false)
            .max_connections(4)
            .connect_with(options.read_only(true))
            .await
            .map_err(crate::db_error)?;
        Ok(Self { read, write })
    }

    async fn begin_write(&self) -> sqlx::Result<sqlx::Transaction<'static, Sqlite>> {
        self.write.begin_with("BEGIN IMMEDIATE").await
    }
}

sql_store!(SqliteStore, SqliteOrgTx, Sqlite, Backend::Sqlite);
