//! PostgreSQL through sqlx: one pool serves reads (a pooled connection per
//! read) and writes (a transaction per job). A write job's first statement
//! locks its org's row, which serialises writes per org across every server
//! sharing the database.

use super::migrations::MIGRATOR;
use super::{Arg, Conn, DbError, EachRow, RawJob, RowRef, Unavailable};
use orgdir_core::store::{Backend, JobOutcome};
use orgdir_core::{Error, Result};
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgArguments, PgPoolOptions, PgRow, PgValueRef};
use sqlx::query::Query;
use sqlx::{Column, Decode, PgConnection, PgPool, Postgres, Row as _, TypeInfo, ValueRef};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Connections in the pool.
const POOL_SIZE: u32 = 10;
/// How long a request waits for a connection while the database is known
/// to be down (API-DESIGN 205); otherwise it waits up to 10 s.
const DOWN_ACQUIRE: Duration = Duration::from_millis(250);

/// One PostgreSQL database (cheap to clone: a pool).
#[derive(Clone)]
pub struct PgDb {
    pool: PgPool,
    /// Set when a call found the server unreachable (a refused or broken
    /// connection), cleared by the next call that gets a connection. While
    /// it is set a request waits [`DOWN_ACQUIRE`] for a connection instead
    /// of sqlx's 10 s of reconnection attempts, and is answered 503
    /// `SERVICE_UNAVAILABLE` at once (API-DESIGN 205). No restart is needed
    /// when the server comes back: the pool connects again by itself.
    down: Arc<AtomicBool>,
}

impl PgDb {
    /// Connects to `url` and migrates the database.
    pub async fn open(url: &str) -> Result<Self> {
        // No ping round trip before each acquire (one per query otherwise);
        // a connection that broke is discarded when its query fails, and idle
        // ones are recycled.
        // A statement or a lock wait that outlives these is cancelled and
        // answered 503 REQUEST_TIMEOUT (API-DESIGN 194): one org's long
        // transaction cannot hold the others' up for ever.
        let options = url
            .parse::<sqlx::postgres::PgConnectOptions>()
            .map_err(pg_error)?
            .options([("statement_timeout", "30s"), ("lock_timeout", "10s")]);
        let pool = PgPoolOptions::new()
            .test_before_acquire(false)
            .idle_timeout(Duration::from_secs(60))
            .max_connections(POOL_SIZE)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(pg_error)?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| Error::Internal(format!("migrations: {e}")))?;
        Ok(Self {
            pool,
            down: Arc::new(AtomicBool::new(false)),
        })
    }

    /// A pooled connection, waiting briefly when the server is known down.
    async fn acquire(&self) -> Result<PoolConnection<Postgres>> {
        let acquired = if self.down.load(Ordering::Relaxed) {
            match tokio::time::timeout(DOWN_ACQUIRE, self.pool.acquire()).await {
                Ok(acquired) => acquired,
                Err(_) => {
                    return Err(Error::Unavailable { read_only: false });
                }
            }
        } else {
            self.pool.acquire().await
        };
        let conn = acquired.map_err(|e| {
            // No connection in 10 s and none open at all: the server
            // refused every attempt; a pool busy with slow statements is
            // REQUEST_TIMEOUT instead (API-DESIGN 194).
            if matches!(e, sqlx::Error::PoolTimedOut) && self.pool.size() == 0 {
                self.down.store(true, Ordering::Relaxed);
                return Error::Unavailable { read_only: false };
            }
            self.error(e)
        })?;
        self.down.store(false, Ordering::Relaxed);
        Ok(conn)
    }

    /// The error of `e`, noting an unreachable server.
    fn error(&self, e: sqlx::Error) -> Error {
        let e = pg_db_error(e);
        if e.unavailable == Some(Unavailable::Unreachable) {
            self.down.store(true, Ordering::Relaxed);
        }
        Error::from(e)
    }

    /// Notes an unreachable server that a job's statement ran into.
    fn note<T>(&self, result: &Result<T>) {
        if matches!(result, Err(Error::Unavailable { read_only: false })) {
            self.down.store(true, Ordering::Relaxed);
        }
    }

    /// A pooled connection for one read.
    pub async fn reader(&self) -> Result<PgReader> {
        Ok(PgReader(self.acquire().await?, self.down.clone()))
    }

    /// Runs a job in a transaction of its own: committed when the job ends
    /// with `Ok`, rolled back otherwise.
    pub async fn write(&self, job: RawJob) -> Result<JobOutcome> {
        let mut conn = self.acquire().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn)
            .await
            .map_err(|e| self.error(e))?;
        // A statement that finds the server gone notes it, whatever the job
        // makes of the error.
        let outcome = job(&mut PgConn(&mut tx, &self.down)).await;
        self.note(&outcome);
        let outcome = outcome?;
        if outcome.is_ok() {
            tx.commit().await.map_err(|e| self.error(e))?;
        }
        Ok(outcome)
    }
}

/// A pooled connection lent to one read, and the flag to set when the
/// server turns out to be unreachable.
pub struct PgReader(PoolConnection<Postgres>, Arc<AtomicBool>);

impl PgReader {
    fn note<T>(&self, result: Result<T, DbError>) -> Result<T, DbError> {
        noted(&self.1, result)
    }
}

/// `result`, with `down` set if it found the server unreachable.
fn noted<T>(down: &AtomicBool, result: Result<T, DbError>) -> Result<T, DbError> {
    if let Err(e) = &result {
        if e.unavailable == Some(Unavailable::Unreachable) {
            down.store(true, Ordering::Relaxed);
        }
    }
    result
}

#[async_trait::async_trait]
impl Conn for PgReader {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    async fn execute(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<u64, DbError> {
        let result = execute(&mut self.0, sql, args).await;
        self.note(result)
    }

    async fn each(
        &mut self,
        sql: &str,
        args: &[Arg<'_>],
        row: &mut EachRow<'_>,
    ) -> Result<(), DbError> {
        let result = each(&mut self.0, sql, args, row).await;
        self.note(result)
    }
}

/// A connection inside a write transaction.
struct PgConn<'a>(&'a mut PgConnection, &'a AtomicBool);

#[async_trait::async_trait]
impl Conn for PgConn<'_> {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    async fn execute(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<u64, DbError> {
        let result = execute(self.0, sql, args).await;
        noted(self.1, result)
    }

    async fn each(
        &mut self,
        sql: &str,
        args: &[Arg<'_>],
        row: &mut EachRow<'_>,
    ) -> Result<(), DbError> {
        let result = each(self.0, sql, args, row).await;
        noted(self.1, result)
    }
}

/// The statement with its placeholders as PostgreSQL writes them: `?N`
/// (the form every statement here is written in, which SQLite binds by
/// number at no cost) becomes `$N`. No statement has a `?` of its own.
fn pg_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        let numbered = c == '?' && chars.peek().is_some_and(char::is_ascii_digit);
        out.push(if numbered { '$' } else { c });
    }
    out
}

fn query<'q>(sql: &'q str, args: &'q [Arg<'_>]) -> Query<'q, Postgres, PgArguments> {
    let mut query = sqlx::query(sql);
    for arg in args {
        query = match arg {
            Arg::Int(v) => query.bind(*v),
            Arg::Text(v) => query.bind(v.as_deref()),
            Arg::Bool(v) => query.bind(*v),
            Arg::Bytes(v) => query.bind(*v),
        };
    }
    query
}

async fn execute(conn: &mut PgConnection, sql: &str, args: &[Arg<'_>]) -> Result<u64, DbError> {
    let sql = pg_placeholders(sql);
    let done = query(&sql, args).execute(conn).await.map_err(pg_db_error)?;
    Ok(done.rows_affected())
}

async fn each(
    conn: &mut PgConnection,
    sql: &str,
    args: &[Arg<'_>],
    each_row: &mut EachRow<'_>,
) -> Result<(), DbError> {
    let sql = pg_placeholders(sql);
    let rows = query(&sql, args)
        .fetch_all(conn)
        .await
        .map_err(pg_db_error)?;
    let Some(first) = rows.first() else {
        return Ok(());
    };
    // How to decode each column, decided once for the whole answer.
    let kinds = first
        .columns()
        .iter()
        .map(|column| Kind::of(column.type_info().name()))
        .collect::<Result<Vec<_>, _>>()?;
    for row in &rows {
        each_row(&PgRowRef { row, kinds: &kinds }).map_err(DbError::other)?;
    }
    Ok(())
}

/// The column types orgdir reads.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Int8,
    Int4,
    Int2,
    Bool,
    Text,
    Bytea,
}

impl Kind {
    fn of(type_name: &str) -> Result<Self, DbError> {
        Ok(match type_name {
            "INT8" => Self::Int8,
            "INT4" => Self::Int4,
            "INT2" => Self::Int2,
            "BOOL" => Self::Bool,
            "TEXT" | "VARCHAR" | "BPCHAR" | "NAME" => Self::Text,
            "BYTEA" => Self::Bytea,
            other => return Err(DbError::other(format!("unexpected column type {other}"))),
        })
    }
}

/// A row of a PostgreSQL answer, decoded column by column as it is read.
struct PgRowRef<'a> {
    row: &'a PgRow,
    kinds: &'a [Kind],
}

impl PgRowRef<'_> {
    /// The column's raw value (`None`: NULL) and its kind.
    fn raw(&self, index: usize) -> orgdir_core::Result<Option<(PgValueRef<'_>, Kind)>> {
        let kind = *self
            .kinds
            .get(index)
            .ok_or_else(|| Error::Internal(format!("no column {index}")))?;
        let raw = self.row.try_get_raw(index).map_err(Error::internal)?;
        Ok((!raw.is_null()).then_some((raw, kind)))
    }
}

fn decode<'r, T: Decode<'r, Postgres>>(raw: PgValueRef<'r>) -> orgdir_core::Result<T> {
    T::decode(raw).map_err(|e| Error::Internal(e.to_string()))
}

fn wrong(index: usize, wanted: &str) -> Error {
    Error::Internal(format!("column {index}: not {wanted}"))
}

impl RowRef for PgRowRef<'_> {
    fn int(&self, index: usize) -> orgdir_core::Result<Option<i64>> {
        self.raw(index)?
            .map(|(raw, kind)| match kind {
                Kind::Int8 => decode::<i64>(raw),
                Kind::Int4 => decode::<i32>(raw).map(i64::from),
                Kind::Int2 => decode::<i16>(raw).map(i64::from),
                _ => Err(wrong(index, "an integer")),
            })
            .transpose()
    }

    fn text(&self, index: usize) -> orgdir_core::Result<Option<String>> {
        self.raw(index)?
            .map(|(raw, kind)| match kind {
                Kind::Text => decode::<String>(raw),
                _ => Err(wrong(index, "a text")),
            })
            .transpose()
    }

    fn boolean(&self, index: usize) -> orgdir_core::Result<Option<bool>> {
        self.raw(index)?
            .map(|(raw, kind)| match kind {
                Kind::Bool => decode::<bool>(raw),
                _ => Err(wrong(index, "a boolean")),
            })
            .transpose()
    }

    fn bytes(&self, index: usize) -> orgdir_core::Result<Option<Vec<u8>>> {
        self.raw(index)?
            .map(|(raw, kind)| match kind {
                Kind::Bytea => decode::<Vec<u8>>(raw),
                _ => Err(wrong(index, "a binary value")),
            })
            .transpose()
    }

    fn is_null(&self, index: usize) -> orgdir_core::Result<bool> {
        Ok(self.raw(index)?.is_none())
    }
}

fn pg_db_error(e: sqlx::Error) -> DbError {
    let unique_violation = matches!(&e, sqlx::Error::Database(d) if d.is_unique_violation());
    // statement_timeout (57014) or lock_timeout (55P03), or no pooled
    // connection free in time.
    let timed_out = match &e {
        sqlx::Error::Database(d) => matches!(d.code().as_deref(), Some("57014" | "55P03")),
        sqlx::Error::PoolTimedOut => true,
        _ => false,
    };
    // The server cannot be reached or the connection broke: refused,
    // reset, shut down (57P01–57P03), a connection exception (class 08).
    // A read-only transaction (25006) or a full disk (53100) refuses writes.
    let unavailable = match &e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => Some(Unavailable::Unreachable),
        sqlx::Error::Database(d) => match d.code().as_deref() {
            Some(code) if code.starts_with("08") || code.starts_with("57P") => {
                Some(Unavailable::Unreachable)
            }
            Some("25006" | "53100") => Some(Unavailable::ReadOnly),
            _ => None,
        },
        _ => None,
    };
    DbError {
        unique_violation,
        timed_out,
        unavailable,
        message: e.to_string(),
    }
}

fn pg_error(e: sqlx::Error) -> Error {
    Error::from(pg_db_error(e))
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_are_written_for_postgres() {
        assert_eq!(
            super::pg_placeholders("SELECT ?12 + ?3 WHERE a = '?'"),
            "SELECT $12 + $3 WHERE a = '?'"
        );
    }
}
