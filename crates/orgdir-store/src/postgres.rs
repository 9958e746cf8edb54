//! The PostgreSQL backend. Writes lock the org's row (`UPDATE … RETURNING`)
//! as their first statement, which serialises writes per org.

use sqlx::postgres::PgPoolOptions;
use sqlx::{Pool, Postgres};
use std::time::Duration;

/// orgdir on PostgreSQL.
#[derive(Clone)]
pub struct PgStore {
    read: Pool<Postgres>,
    write: Pool<Postgres>,
}

impl PgStore {
    /// Connects to `url` and migrates the database.
    pub async fn connect(url: &str) -> orgdir_core::Result<Self> {
        // No ping round trip before each acquire (one per query otherwise);
        // a connection that broke is discarded when its query fails, and idle
        // ones are recycled.
        let pool = PgPoolOptions::new()
            .test_before_acquire(false)
            .idle_timeout(Duration::from_secs(60))
            .max_connections(10)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await
            .map_err(crate::db_error)?;
        sqlx::migrate!("migrations/postgres")
            .run(&pool)
            .await
            .map_err(|e| orgdir_core::Error::Internal(format!("migrations: {e}")))?;
        Ok(Self {
            read: pool.clone(),
            write: pool,
        })
    }

    async fn begin_write(&self) -> sqlx::Result<sqlx::Transaction<'static, Postgres>> {
        self.write.begin().await
    }
}

sql_store!(PgStore, PgOrgTx, Postgres, Backend::Postgres);
