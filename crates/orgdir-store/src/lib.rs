//! SQLite and PostgreSQL implementations of the orgdir [`Store`] traits.
//!
//! Both backends share their SQL: [`sql_store!`] writes the `Store`/`OrgTx`
//! implementation once, and `sqlite.rs` / `postgres.rs` instantiate it with
//! their own pool set-up, migrations and transaction start. The backend is
//! chosen from the URL scheme (`sqlite://…` or `postgres://…`).
#![deny(clippy::unwrap_used)]

#[macro_use]
mod sql;
pub mod postgres;
pub mod sqlite;

use orgdir_core::store::Store;
use orgdir_core::{Error, Result};
use std::sync::Arc;

pub use postgres::PgStore;
pub use sqlite::SqliteStore;

/// Opens the store a database URL names and runs its migrations.
pub async fn connect(url: &str) -> Result<Arc<dyn Store>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PgStore::connect(url).await?))
    } else if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::connect(url).await?))
    } else {
        Err(Error::Internal(format!(
            "unsupported database URL scheme in {}: use sqlite://… or postgres://…",
            redact_url(url)
        )))
    }
}

/// The URL with any password replaced by `***`, for logs and errors.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

/// Turns a sqlx error into a domain error; the cause is kept for the log only.
pub(crate) fn db_error(e: sqlx::Error) -> Error {
    Error::Internal(format!("database: {e}"))
}

/// Whether `e` is a unique-constraint violation (any constraint).
pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords() {
        assert_eq!(
            super::redact_url("postgres://bob:secret@db:5432/x"),
            "postgres://bob:***@db:5432/x"
        );
        assert_eq!(
            super::redact_url("sqlite://orgdir.db"),
            "sqlite://orgdir.db"
        );
    }
}
