//! orgdir's storage: one implementation of the [`Store`] traits
//! ([`SqlStore`]) over SQLite or PostgreSQL.
//!
//! The SQL of each area is written once, in one file per area (`orgs.rs`,
//! `users.rs`, `roles.rs`, `territories.rs`, `groups.rs`, `membership.rs`,
//! `tokens.rs`, `unavailability.rs`),
//! against [`db::Conn`]; `db/sqlite.rs` and `db/postgres.rs` are the two
//! drivers, and `migrations/` the one schema. The backend is chosen from the
//! URL scheme (`sqlite://…` or `postgres://…`).
#![deny(clippy::unwrap_used)]

mod batch;
pub mod db;
mod groups;
mod membership;
mod orgs;
mod roles;
mod territories;
mod tokens;
mod transfer;
mod tx;
mod unavailability;
mod users;

use batch::GroupCommit;
use db::postgres::PgDb;
use db::sqlite::SqliteDb;
use db::{Conn, RawJob};
use futures::future::BoxFuture;
use orgdir_core::store::{Backend, JobOutcome, Store, WriteJob, WriteTarget};
use orgdir_core::{Error, Result};
use std::any::Any;
use std::sync::Arc;

/// orgdir's store over one database.
pub struct SqlStore {
    db: Db,
}

enum Db {
    Sqlite(SqliteDb),
    Postgres(PgDb, GroupCommit),
}

/// Opens the store a database URL names and runs its migrations.
pub async fn connect(url: &str) -> Result<Arc<dyn Store>> {
    connect_with(url, Synchronous::Normal).await
}

/// SQLite's `synchronous` setting for the writer (`--sqlite-synchronous`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Synchronous {
    /// A commit survives the process being killed; the last ones may not
    /// survive a power cut or an OS crash (WAL's usual setting).
    #[default]
    Normal,
    /// Every commit waits for its WAL frames to reach the disk: it also
    /// survives a power cut, at the cost of an fsync per commit.
    Full,
}

/// [`connect`] with SQLite's `synchronous` setting.
pub async fn connect_with(url: &str, synchronous: Synchronous) -> Result<Arc<dyn Store>> {
    Ok(Arc::new(SqlStore::connect_with(url, synchronous).await?))
}

impl SqlStore {
    /// Opens the database a URL names (`sqlite:` or `postgres://` /
    /// `postgresql://`) and runs its migrations.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_with(url, Synchronous::Normal).await
    }

    /// [`SqlStore::connect`] with SQLite's `synchronous` setting.
    pub async fn connect_with(url: &str, synchronous: Synchronous) -> Result<Self> {
        let db = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let db = PgDb::open(url).await?;
            Db::Postgres(db.clone(), GroupCommit::new(db))
        } else if url.starts_with("sqlite:") {
            Db::Sqlite(SqliteDb::open(url, synchronous)?)
        } else {
            return Err(Error::Internal(format!(
                "unsupported database URL scheme in {}: use sqlite://… or postgres://…",
                redact_url(url)
            )));
        };
        let store = Self { db };
        membership::convert_pending(&store).await?;
        Ok(store)
    }

    /// A connection for one read: on SQLite, one of the calling thread's own.
    async fn read(&self) -> Result<Box<dyn Conn>> {
        Ok(match &self.db {
            Db::Sqlite(db) => Box::new(db.reader()?),
            Db::Postgres(db, _) => Box::new(db.reader().await?),
        })
    }

    /// Runs a job in a write transaction.
    async fn write_raw(&self, job: RawJob) -> Result<JobOutcome> {
        match &self.db {
            Db::Sqlite(db) => db.write(job).await,
            Db::Postgres(db, _) => db.write(job).await,
        }
    }

    /// Runs a write that stands alone (no org to lock) in a transaction of
    /// its own, committed when it returns `Ok`.
    async fn write_alone<T, F>(&self, job: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut dyn Conn) -> BoxFuture<'c, Result<T>> + Send + 'static,
    {
        let outcome = self
            .write_raw(Box::new(move |c: &mut dyn Conn| {
                Box::pin(async move {
                    Ok(match job(c).await {
                        Ok(value) => Ok(Box::new(value) as Box<dyn Any + Send>),
                        Err(error) => Err(Box::new(error) as Box<dyn Any + Send>),
                    })
                })
            }))
            .await?;
        let mistyped = || Error::Internal("a write's result changed type".into());
        match outcome {
            Ok(value) => value.downcast::<T>().map(|v| *v).map_err(|_| mistyped()),
            Err(error) => Err(error
                .downcast::<Error>()
                .map(|e| *e)
                .unwrap_or_else(|_| mistyped())),
        }
    }
}

#[async_trait::async_trait]
impl Store for SqlStore {
    fn backend(&self) -> Backend {
        match self.db {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(..) => Backend::Postgres,
        }
    }

    async fn run_write(&self, target: WriteTarget, job: WriteJob) -> Result<JobOutcome> {
        match (&self.db, target) {
            // SQLite's writer thread already commits queued jobs together.
            (Db::Postgres(_, group_commit), WriteTarget::Org(org)) => {
                group_commit.write(org, job).await
            }
            (_, target) => self.write_raw(tx::org_job(target, job)).await,
        }
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
