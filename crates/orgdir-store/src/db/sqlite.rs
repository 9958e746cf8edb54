//! SQLite through rusqlite, with no thread hand-off on the read path.
//!
//! - **Reads** run on the caller's own thread: each thread keeps its own
//!   read-only connections (WAL readers never wait for the writer) with
//!   cached prepared statements. A read takes microseconds, so blocking the
//!   async worker for it costs less than handing it to another thread and
//!   back — the cost that dominated the profile under sqlx.
//! - **Writes** go to one writer thread that owns the only writable
//!   connection: a write job crosses to it once, runs there whole (its
//!   statements complete synchronously), and its result comes back when
//!   its commit is done. No async worker ever waits on the database lock.
//!   Jobs queued while one runs are committed together, each in its own
//!   savepoint.
//! - WAL, `synchronous=NORMAL` (a commit survives the process being
//!   killed; the last ones may not survive a power cut), a 10 s busy timeout
//!   for other processes (the CLI) and foreign keys.

use super::{Arg, Conn, DbError, EachRow, RawJob, RowRef, Unavailable};
use futures::channel::oneshot;
use orgdir_core::store::{Backend, JobOutcome};
use orgdir_core::{Error, Result};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OpenFlags, ToSql};
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::Duration;

/// Prepared statements each connection keeps.
const STATEMENT_CACHE: usize = 256;
/// Most queued jobs committed in one transaction.
const MAX_BATCH: usize = 64;

struct Queued {
    job: RawJob,
    reply: oneshot::Sender<Result<JobOutcome>>,
}

/// One SQLite database: its file, this process's writer thread, and the
/// read connections each thread keeps.
pub struct SqliteDb {
    path: PathBuf,
    /// Tells this database's read connections apart in the thread-local pools.
    id: u64,
    writer: mpsc::Sender<Queued>,
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// Idle read connections of this thread, per database.
    static READERS: RefCell<HashMap<u64, Vec<Connection>>> = RefCell::new(HashMap::new());
}

impl SqliteDb {
    /// Opens (creating if missing) the database a `sqlite:` URL names,
    /// migrates it and starts its writer thread.
    pub fn open(url: &str, synchronous: crate::Synchronous) -> Result<Self> {
        let path = path_of(url)?;
        let mut conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sqlite_error)?;
        configure(&conn, true).map_err(sqlite_error)?;
        if synchronous == crate::Synchronous::Full {
            conn.execute_batch("PRAGMA synchronous = FULL;")
                .map_err(sqlite_error)?;
        }
        super::migrations::run_sqlite(&mut conn)?;
        let (writer, queue) = mpsc::channel::<Queued>();
        let reopen_path = path.clone();
        std::thread::Builder::new()
            .name("orgdir-sqlite-writer".into())
            .spawn(move || write_loop(conn, queue, &reopen_path, synchronous))
            .map_err(Error::internal)?;
        Ok(Self {
            path,
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            writer,
        })
    }

    /// A read connection of the calling thread (opened on first use).
    pub fn reader(&self) -> Result<Reader> {
        let idle = READERS.with(|pools| pools.borrow_mut().get_mut(&self.id).and_then(Vec::pop));
        let conn = match idle {
            Some(conn) => conn,
            None => open_reader(&self.path).map_err(sqlite_error)?,
        };
        Ok(Reader {
            conn: Some(conn),
            db: self.id,
        })
    }

    /// Runs a job on the writer thread and waits for its commit.
    pub async fn write(&self, job: RawJob) -> Result<JobOutcome> {
        let (reply, answer) = oneshot::channel();
        self.writer
            .send(Queued { job, reply })
            .map_err(|_| Error::Internal("the SQLite writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| Error::Internal("the SQLite writer dropped a job".into()))?
    }
}

/// The file a `sqlite://PATH` or `sqlite:PATH` URL names.
fn path_of(url: &str) -> Result<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .ok_or_else(|| Error::Internal(format!("not a sqlite URL: {url}")))?;
    if rest.is_empty() || rest.contains('?') || rest.starts_with(':') {
        return Err(Error::Internal(format!(
            "unsupported SQLite URL {url}: give a file, as sqlite://PATH"
        )));
    }
    Ok(PathBuf::from(rest))
}

/// The pragmas every connection gets; the writer also sets the journal mode.
fn configure(conn: &Connection, writer: bool) -> rusqlite::Result<()> {
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    // Sorts and temporary b-trees (bulk builds, `orgdir check`) stay in
    // memory; the writer caches more pages (index pages of big tables).
    let cache_kib = if writer { 32_768 } else { 8_192 };
    conn.execute_batch(&format!(
        "PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -{cache_kib};"
    ))?;
    if writer {
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")?;
    } else {
        conn.execute_batch("PRAGMA query_only = ON;")?;
    }
    Ok(())
}

fn open_reader(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    configure(&conn, false)?;
    Ok(conn)
}

/// A read connection lent to one read; it goes back to the pool of the
/// thread that drops it.
pub struct Reader {
    conn: Option<Connection>,
    db: u64,
}

impl Drop for Reader {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            let _ =
                READERS.try_with(|pools| pools.borrow_mut().entry(self.db).or_default().push(conn));
        }
    }
}

#[async_trait::async_trait]
impl Conn for Reader {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    async fn execute(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<u64, DbError> {
        execute(self.conn()?, sql, args)
    }

    async fn each(
        &mut self,
        sql: &str,
        args: &[Arg<'_>],
        row: &mut EachRow<'_>,
    ) -> Result<(), DbError> {
        each(self.conn()?, sql, args, row)
    }
}

impl Reader {
    fn conn(&self) -> Result<&Connection, DbError> {
        self.conn
            .as_ref()
            .ok_or_else(|| DbError::other("read connection already returned"))
    }
}

/// The writer's connection, as jobs see it.
/// `failed` notes a statement that found the file unwritable or
/// unreadable, whatever the job made of the error.
struct Writing<'a> {
    conn: &'a mut Connection,
    failed: bool,
}

impl Writing<'_> {
    fn note<T>(&mut self, result: Result<T, DbError>) -> Result<T, DbError> {
        if let Err(e) = &result {
            self.failed |= e.unavailable.is_some();
        }
        result
    }
}

#[async_trait::async_trait]
impl Conn for Writing<'_> {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    async fn execute(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<u64, DbError> {
        let result = execute(self.conn, sql, args);
        self.note(result)
    }

    async fn each(
        &mut self,
        sql: &str,
        args: &[Arg<'_>],
        row: &mut EachRow<'_>,
    ) -> Result<(), DbError> {
        let result = each(self.conn, sql, args, row);
        self.note(result)
    }
}

impl ToSql for Arg<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Arg::Int(Some(v)) => ToSqlOutput::from(*v),
            Arg::Text(Some(v)) => ToSqlOutput::Borrowed(ValueRef::Text(v.as_bytes())),
            Arg::Int(None) | Arg::Text(None) => ToSqlOutput::Owned(rusqlite::types::Value::Null),
            Arg::Bool(v) => ToSqlOutput::from(i64::from(*v)),
            Arg::Bytes(v) => ToSqlOutput::Borrowed(ValueRef::Blob(v)),
        })
    }
}

/// Binds `args` to a prepared statement: `?N` takes `args[N - 1]` (SQLite
/// binds a numbered placeholder by its number, no lookup by name).
fn bind(stmt: &mut rusqlite::CachedStatement<'_>, args: &[Arg<'_>]) -> Result<(), DbError> {
    let count = stmt.parameter_count();
    if count > args.len() {
        return Err(DbError::other(format!(
            "{count} placeholders for {} arguments",
            args.len()
        )));
    }
    for (index, arg) in args.iter().enumerate().take(count) {
        stmt.raw_bind_parameter(index + 1, arg)
            .map_err(sqlite_db_error)?;
    }
    Ok(())
}

/// Prepares a statement, or takes it from the connection's cache.
fn prepare<'c>(conn: &'c Connection, sql: &str) -> Result<rusqlite::CachedStatement<'c>, DbError> {
    conn.prepare_cached(sql).map_err(sqlite_db_error)
}

fn execute(conn: &Connection, sql: &str, args: &[Arg<'_>]) -> Result<u64, DbError> {
    let mut stmt = prepare(conn, sql)?;
    bind(&mut stmt, args)?;
    if stmt.column_count() == 0 {
        let changed = stmt.raw_execute().map_err(sqlite_db_error)?;
        return Ok(changed as u64);
    }
    // A statement that also answers rows (`RETURNING`, some pragmas).
    let mut rows = stmt.raw_query();
    while rows.next().map_err(sqlite_db_error)?.is_some() {}
    Ok(conn.changes())
}

fn each(
    conn: &Connection,
    sql: &str,
    args: &[Arg<'_>],
    each_row: &mut EachRow<'_>,
) -> Result<(), DbError> {
    let mut stmt = prepare(conn, sql)?;
    bind(&mut stmt, args)?;
    let mut rows = stmt.raw_query();
    while let Some(row) = rows.next().map_err(sqlite_db_error)? {
        each_row(&SqliteRow(row)).map_err(DbError::other)?;
    }
    Ok(())
}

/// A row of a SQLite answer, read in place.
struct SqliteRow<'r, 's>(&'r rusqlite::Row<'s>);

impl SqliteRow<'_, '_> {
    fn value(&self, index: usize) -> orgdir_core::Result<ValueRef<'_>> {
        self.0.get_ref(index).map_err(Error::internal)
    }
}

impl RowRef for SqliteRow<'_, '_> {
    fn int(&self, index: usize) -> orgdir_core::Result<Option<i64>> {
        match self.value(index)? {
            ValueRef::Null => Ok(None),
            ValueRef::Integer(v) => Ok(Some(v)),
            other => Err(Error::Internal(format!(
                "column {index}: wanted an integer, found {:?}",
                other.data_type()
            ))),
        }
    }

    fn text(&self, index: usize) -> orgdir_core::Result<Option<String>> {
        match self.value(index)? {
            ValueRef::Null => Ok(None),
            ValueRef::Text(bytes) => std::str::from_utf8(bytes)
                .map(|text| Some(text.to_owned()))
                .map_err(Error::internal),
            other => Err(Error::Internal(format!(
                "column {index}: wanted a text, found {:?}",
                other.data_type()
            ))),
        }
    }

    fn boolean(&self, index: usize) -> orgdir_core::Result<Option<bool>> {
        Ok(self.int(index)?.map(|v| v != 0))
    }

    fn bytes(&self, index: usize) -> orgdir_core::Result<Option<Vec<u8>>> {
        match self.value(index)? {
            ValueRef::Null => Ok(None),
            ValueRef::Blob(bytes) => Ok(Some(bytes.to_vec())),
            other => Err(Error::Internal(format!(
                "column {index}: wanted a blob, found {:?}",
                other.data_type()
            ))),
        }
    }

    fn is_null(&self, index: usize) -> orgdir_core::Result<bool> {
        Ok(matches!(self.value(index)?, ValueRef::Null))
    }
}

fn sqlite_db_error(e: rusqlite::Error) -> DbError {
    let unique_violation = matches!(
        &e,
        rusqlite::Error::SqliteFailure(f, _)
            if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
    );
    // Still busy after the busy timeout: the database is held too long.
    let timed_out = matches!(
        &e,
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::DatabaseBusy
                || f.code == rusqlite::ErrorCode::DatabaseLocked
    );
    // A file that cannot be written (read-only, immutable, a full disk) or
    // read: the database is unavailable, not orgdir broken (API-DESIGN 204).
    let unavailable = match &e {
        rusqlite::Error::SqliteFailure(f, _) => match f.code {
            rusqlite::ErrorCode::ReadOnly | rusqlite::ErrorCode::DiskFull => {
                Some(Unavailable::ReadOnly)
            }
            rusqlite::ErrorCode::SystemIoFailure | rusqlite::ErrorCode::CannotOpen => {
                Some(Unavailable::Unreachable)
            }
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

pub(crate) fn sqlite_error(e: rusqlite::Error) -> Error {
    Error::from(sqlite_db_error(e))
}

/// An error of the writer's own statements (`BEGIN`, `COMMIT`, savepoints):
/// a file that cannot be written or read there means writes are refused.
fn writer_error(e: &rusqlite::Error) -> Error {
    let mut db = sqlite_db_error(clone_error(e));
    if db.unavailable.is_some() {
        db.unavailable = Some(Unavailable::ReadOnly);
    }
    Error::from(db)
}

/// `rusqlite::Error` is not `Clone`; the writer answers one error to every
/// job of a batch.
fn clone_error(e: &rusqlite::Error) -> rusqlite::Error {
    match e {
        rusqlite::Error::SqliteFailure(f, message) => {
            rusqlite::Error::SqliteFailure(*f, message.clone())
        }
        other => rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ERROR),
            Some(other.to_string()),
        ),
    }
}

/// Whether an answer says the database file failed under the writer.
fn file_failed(outcome: &Result<JobOutcome>) -> bool {
    matches!(outcome, Err(Error::Unavailable { .. }))
}

/// The writer thread: takes a job and whatever else is queued behind it,
/// runs them in one transaction, and answers each once it is committed.
///
/// After the file failed under it (an I/O error, a read-only or full
/// file), the writer opens its connection again before each next batch
/// until it gets one that can write: a connection that saw a write fail
/// may keep failing after the file is writable again (and one opened while
/// the file was read-only stays read-only), and the server must recover
/// without a restart (docs/RELIABILITY.md). Until then the old connection
/// is kept and the batch's error is answered.
fn write_loop(
    mut conn: Connection,
    queue: mpsc::Receiver<Queued>,
    path: &Path,
    synchronous: crate::Synchronous,
) {
    let mut reopen = false;
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        if reopen {
            match open_writer(path, synchronous) {
                Ok(fresh)
                    if !fresh
                        .is_readonly(rusqlite::DatabaseName::Main)
                        .unwrap_or(true) =>
                {
                    tracing::warn!("reopened the SQLite writer after a file error");
                    conn = fresh;
                    reopen = false;
                }
                Ok(_) => {}
                Err(e) => tracing::debug!(cause = %e, "cannot reopen the SQLite database yet"),
            }
        }
        reopen |= run_batch(&mut conn, batch);
    }
}

fn open_writer(path: &Path, synchronous: crate::Synchronous) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    configure(&conn, true)?;
    if synchronous == crate::Synchronous::Full {
        conn.execute_batch("PRAGMA synchronous = FULL;")?;
    }
    Ok(conn)
}

/// Runs one job to its end on the writer thread; a panic is a fault. The
/// flag says whether the file failed under one of its statements.
fn run_job(conn: &mut Connection, job: RawJob) -> (Result<JobOutcome>, bool) {
    let mut writing = Writing {
        conn,
        failed: false,
    };
    let run = std::panic::AssertUnwindSafe(|| futures::executor::block_on(job(&mut writing)));
    let outcome = std::panic::catch_unwind(run)
        .unwrap_or_else(|_| Err(Error::Internal("a write job panicked".into())));
    (outcome, writing.failed)
}

fn committed(outcome: &Result<JobOutcome>) -> bool {
    matches!(outcome, Ok(Ok(_)))
}

/// Runs a batch; returns whether the database file failed under it.
fn run_batch(conn: &mut Connection, batch: Vec<Queued>) -> bool {
    let fail_all = |batch: Vec<Queued>, why: &rusqlite::Error| {
        for queued in batch {
            let _ = queued.reply.send(Err(writer_error(why)));
        }
    };
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        let failed = file_failed(&Err(writer_error(&e)));
        fail_all(batch, &e);
        return failed;
    }
    // One job needs no savepoint: its failure rolls the transaction back.
    if batch.len() == 1 {
        let Some(Queued { job, reply }) = batch.into_iter().next() else {
            return false;
        };
        let (outcome, job_failed) = run_job(conn, job);
        let outcome = if committed(&outcome) {
            conn.execute_batch("COMMIT")
                .map_err(|e| writer_error(&e))
                .and(outcome)
        } else {
            outcome
        };
        if !conn.is_autocommit() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        let failed = job_failed || file_failed(&outcome);
        let _ = reply.send(outcome);
        return failed;
    }
    let mut done = Vec::with_capacity(batch.len());
    let mut queued = batch.into_iter();
    let mut failed = false;
    while let Some(Queued { job, reply }) = queued.next() {
        let step = conn.execute_batch("SAVEPOINT job").and_then(|()| {
            let (outcome, job_failed) = run_job(conn, job);
            failed |= job_failed;
            let end = if committed(&outcome) {
                "RELEASE job"
            } else {
                "ROLLBACK TO job; RELEASE job"
            };
            conn.execute_batch(end).map(|()| outcome)
        });
        match step {
            Ok(outcome) => {
                failed |= file_failed(&outcome);
                done.push((reply, outcome));
            }
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                let _ = reply.send(Err(writer_error(&e)));
                let rest: Vec<Queued> = queued.collect();
                for (reply, _) in done {
                    let _ = reply.send(Err(writer_error(&e)));
                }
                fail_all(rest, &e);
                return failed || file_failed(&Err(writer_error(&e)));
            }
        }
    }
    if let Err(e) = conn.execute_batch("COMMIT") {
        let _ = conn.execute_batch("ROLLBACK");
        for (reply, outcome) in done {
            // A job that wrote nothing keeps its own answer.
            let answer = if committed(&outcome) {
                Err(writer_error(&e))
            } else {
                outcome
            };
            let _ = reply.send(answer);
        }
        return true;
    }
    for (reply, outcome) in done {
        let _ = reply.send(outcome);
    }
    failed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            path_of("sqlite://a/b.db").expect("path"),
            PathBuf::from("a/b.db")
        );
        assert_eq!(path_of("sqlite:x.db").expect("path"), PathBuf::from("x.db"));
        assert!(path_of("sqlite::memory:").is_err());
        assert!(path_of("sqlite://x.db?mode=ro").is_err());
    }
}
