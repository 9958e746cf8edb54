//! The schema, from one source for both databases (`migrations/`, embedded
//! once): sqlx applies it to PostgreSQL; [`run_sqlite`] applies the same
//! migrations to SQLite, in the same bookkeeping table sqlx uses.

use orgdir_core::{Error, Result};
use sqlx::migrate::Migrator;

/// Every migration, in order.
pub static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// Applies the migrations a SQLite database lacks, in one `IMMEDIATE`
/// transaction (so that two processes starting together do not both apply
/// them). Versions already recorded are kept as they are.
pub fn run_sqlite(conn: &mut rusqlite::Connection) -> Result<()> {
    let fail = |e: rusqlite::Error| Error::Internal(format!("migrations: {e}"));
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(fail)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS _sqlx_migrations (
            version BIGINT PRIMARY KEY,
            description TEXT NOT NULL,
            installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
            success BOOLEAN NOT NULL,
            checksum BLOB NOT NULL,
            execution_time BIGINT NOT NULL
        )",
    )
    .map_err(fail)?;
    let applied: Vec<(i64, bool)> = {
        let mut stmt = tx
            .prepare("SELECT version, success FROM _sqlx_migrations ORDER BY version")
            .map_err(fail)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(fail)?;
        rows.collect::<rusqlite::Result<_>>().map_err(fail)?
    };
    if let Some((version, _)) = applied.iter().find(|(_, success)| !success) {
        return Err(Error::Internal(format!(
            "migrations: version {version} failed earlier; repair the database"
        )));
    }
    for migration in MIGRATOR.iter() {
        if applied.iter().any(|(v, _)| *v == migration.version) {
            continue;
        }
        let started = std::time::Instant::now();
        tx.execute_batch(&migration.sql).map_err(fail)?;
        tx.execute(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES (?1, ?2, TRUE, ?3, ?4)",
            rusqlite::params![
                migration.version,
                migration.description.as_ref(),
                migration.checksum.as_ref(),
                i64::try_from(started.elapsed().as_nanos()).unwrap_or(i64::MAX),
            ],
        )
        .map_err(fail)?;
    }
    tx.commit().map_err(fail)
}
