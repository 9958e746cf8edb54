//! The one interface both databases are driven through: [`Conn`] runs a
//! statement with numbered placeholders (`?N`) and hands rows back as plain
//! values.
//! The SQL of every area is written once against it; `sqlite.rs` (rusqlite,
//! on the caller's own thread for reads) and `postgres.rs` (sqlx) implement it.
//!
//! Written by hand: no crate runs SQLite on the calling thread and
//! PostgreSQL asynchronously behind one interface (sqlx's `Any` driver hands
//! every SQLite statement to a worker thread, the cost this layer removes).

pub mod migrations;
pub mod postgres;
pub mod sqlite;

use futures::future::BoxFuture;
use orgdir_core::store::{Backend, JobOutcome, Versioned};
use orgdir_core::{Error, OrgId, Result, ZohoId};
use std::borrow::Cow;

/// A database fault; unique-constraint violations are told apart because
/// some writes turn them into `DUPLICATE_DATA`.
#[derive(Debug)]
pub struct DbError {
    pub unique_violation: bool,
    /// A statement or lock timeout (PostgreSQL) or a busy database (SQLite).
    pub timed_out: bool,
    /// The database cannot be reached (PostgreSQL down, a broken
    /// connection) or cannot be written (a read-only or full SQLite file):
    /// 503 `SERVICE_UNAVAILABLE` (API-DESIGN 204).
    pub unavailable: Option<Unavailable>,
    pub message: String,
}

/// Why the database is unavailable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    /// It cannot be reached.
    Unreachable,
    /// It can be read but refuses writes.
    ReadOnly,
}

impl DbError {
    /// A fault that is not a constraint violation.
    pub fn other(message: impl std::fmt::Display) -> Self {
        Self {
            unique_violation: false,
            timed_out: false,
            unavailable: None,
            message: message.to_string(),
        }
    }
}

impl From<DbError> for Error {
    fn from(e: DbError) -> Self {
        if e.timed_out {
            tracing::warn!(cause = %e.message, "database timeout");
            return Error::TimedOut;
        }
        if let Some(why) = e.unavailable {
            tracing::warn!(cause = %e.message, "database unavailable");
            return Error::Unavailable {
                read_only: why == Unavailable::ReadOnly,
            };
        }
        Error::Internal(format!("database: {}", e.message))
    }
}

/// A job for a connection inside a write transaction (a savepoint when
/// batched); its outer `Err` is a store fault, its outcome the job's own.
pub type RawJob =
    Box<dyn for<'c> FnOnce(&'c mut dyn Conn) -> BoxFuture<'c, Result<JobOutcome>> + Send + 'static>;

/// A value bound to a statement. Nulls carry their type (PostgreSQL wants it).
#[derive(Debug, Clone, PartialEq)]
pub enum Arg<'a> {
    Int(Option<i64>),
    Text(Option<Cow<'a, str>>),
    Bool(bool),
    /// A binary value (`BYTEA` in PostgreSQL, a BLOB in SQLite).
    Bytes(&'a [u8]),
}

impl<'a> From<&'a [u8]> for Arg<'a> {
    fn from(v: &'a [u8]) -> Self {
        Arg::Bytes(v)
    }
}

impl From<i64> for Arg<'_> {
    fn from(v: i64) -> Self {
        Arg::Int(Some(v))
    }
}

impl From<Option<i64>> for Arg<'_> {
    fn from(v: Option<i64>) -> Self {
        Arg::Int(v)
    }
}

impl From<i16> for Arg<'_> {
    fn from(v: i16) -> Self {
        Arg::Int(Some(i64::from(v)))
    }
}

impl From<u32> for Arg<'_> {
    fn from(v: u32) -> Self {
        Arg::Int(Some(i64::from(v)))
    }
}

impl From<usize> for Arg<'_> {
    fn from(v: usize) -> Self {
        Arg::Int(Some(i64::try_from(v).unwrap_or(i64::MAX)))
    }
}

impl From<u64> for Arg<'_> {
    /// Offsets and limits: anything past `i64::MAX` is `i64::MAX`.
    fn from(v: u64) -> Self {
        Arg::Int(Some(i64::try_from(v).unwrap_or(i64::MAX)))
    }
}

impl From<bool> for Arg<'_> {
    fn from(v: bool) -> Self {
        Arg::Bool(v)
    }
}

impl From<ZohoId> for Arg<'_> {
    fn from(v: ZohoId) -> Self {
        Arg::Int(Some(v.0))
    }
}

impl From<Option<ZohoId>> for Arg<'_> {
    fn from(v: Option<ZohoId>) -> Self {
        Arg::Int(v.map(|id| id.0))
    }
}

impl From<OrgId> for Arg<'_> {
    fn from(v: OrgId) -> Self {
        Arg::Int(Some(v.0))
    }
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(v: &'a str) -> Self {
        Arg::Text(Some(Cow::Borrowed(v)))
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(v: &'a String) -> Self {
        Arg::Text(Some(Cow::Borrowed(v)))
    }
}

impl From<String> for Arg<'_> {
    fn from(v: String) -> Self {
        Arg::Text(Some(Cow::Owned(v)))
    }
}

impl<'a> From<Option<&'a str>> for Arg<'a> {
    fn from(v: Option<&'a str>) -> Self {
        Arg::Text(v.map(Cow::Borrowed))
    }
}

impl<'a> From<&'a Option<String>> for Arg<'a> {
    fn from(v: &'a Option<String>) -> Self {
        Arg::Text(v.as_deref().map(Cow::Borrowed))
    }
}

/// The arguments of a statement: `args![org, id, &name]`.
#[macro_export]
macro_rules! args {
    ($($arg:expr),* $(,)?) => {
        &[$($crate::db::Arg::from($arg)),*] as &[$crate::db::Arg<'_>]
    };
}

/// A statement composed once, on first use: `static_sql!(expr)` builds the
/// `String` the first time it runs and is a `&'static str` ever after (so a
/// hot read neither formats its SQL nor allocates it again).
#[macro_export]
macro_rules! static_sql {
    ($sql:expr) => {{
        static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| $sql);
        SQL.as_str()
    }};
}

/// One row of an answer, as a driver hands it over: its columns by index,
/// read straight from the driver's row (no copy of the row first).
pub trait RowRef {
    /// An integer column (NULL: `None`).
    fn int(&self, index: usize) -> Result<Option<i64>>;
    /// A text column (NULL: `None`).
    fn text(&self, index: usize) -> Result<Option<String>>;
    /// A boolean column (SQLite stores 0 or 1; NULL: `None`).
    fn boolean(&self, index: usize) -> Result<Option<bool>>;
    /// A binary column (NULL: `None`).
    fn bytes(&self, index: usize) -> Result<Option<Vec<u8>>>;
    /// Whether a column is NULL.
    fn is_null(&self, index: usize) -> Result<bool>;
}

/// What a driver calls with each row of an answer, in order.
pub type EachRow<'f> = dyn FnMut(&dyn RowRef) -> Result<()> + Send + 'f;

/// Reads a row's columns one after the other, in the order the statement
/// selects them: a row mapping mirrors its `SELECT` list.
pub struct Cols<'a> {
    row: &'a dyn RowRef,
    next: usize,
}

impl<'a> Cols<'a> {
    /// The columns of `row`, from the first.
    pub fn new(row: &'a dyn RowRef) -> Self {
        Self { row, next: 0 }
    }

    /// The index of the next column, moving past it.
    fn take(&mut self) -> usize {
        self.next += 1;
        self.next - 1
    }

    fn null(&self) -> Error {
        Error::Internal(format!("column {} is NULL", self.next - 1))
    }

    /// Skips `n` columns.
    pub fn skip(&mut self, n: usize) -> &mut Self {
        self.next += n;
        self
    }

    /// Whether the next column is NULL (without reading it).
    pub fn next_is_null(&self) -> Result<bool> {
        self.row.is_null(self.next)
    }

    /// A nullable integer.
    pub fn opt_i64(&mut self) -> Result<Option<i64>> {
        let index = self.take();
        self.row.int(index)
    }

    /// An integer.
    pub fn i64(&mut self) -> Result<i64> {
        self.opt_i64()?.ok_or_else(|| self.null())
    }

    /// A count (a non-negative integer).
    pub fn u64(&mut self) -> Result<u64> {
        u64::try_from(self.i64()?).map_err(Error::internal)
    }

    /// An id.
    pub fn id(&mut self) -> Result<ZohoId> {
        self.i64().map(ZohoId)
    }

    /// A nullable id.
    pub fn opt_id(&mut self) -> Result<Option<ZohoId>> {
        Ok(self.opt_i64()?.map(ZohoId))
    }

    /// A nullable text.
    pub fn opt_text(&mut self) -> Result<Option<String>> {
        let index = self.take();
        self.row.text(index)
    }

    /// A text.
    pub fn text(&mut self) -> Result<String> {
        self.opt_text()?.ok_or_else(|| self.null())
    }

    /// A boolean.
    pub fn bool(&mut self) -> Result<bool> {
        let index = self.take();
        self.row.boolean(index)?.ok_or_else(|| self.null())
    }

    /// A binary value.
    pub fn bytes(&mut self) -> Result<Vec<u8>> {
        let index = self.take();
        self.row.bytes(index)?.ok_or_else(|| self.null())
    }
}

/// A connection (or a transaction on one) of either database.
#[async_trait::async_trait]
pub trait Conn: Send {
    /// Which database this is.
    fn backend(&self) -> Backend;
    /// Runs a statement; returns how many rows it changed.
    async fn execute(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<u64, DbError>;
    /// Runs a statement and hands each row of its answer to `row`.
    async fn each(
        &mut self,
        sql: &str,
        args: &[Arg<'_>],
        row: &mut EachRow<'_>,
    ) -> Result<(), DbError>;
}

impl dyn Conn + '_ {
    /// Whether the statement answers any row.
    pub async fn exists(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<bool> {
        let mut found = false;
        self.each(sql, args, &mut |_| {
            found = true;
            Ok(())
        })
        .await?;
        Ok(found)
    }

    /// Runs a statement for its effect.
    pub async fn run(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<u64> {
        Ok(self.execute(sql, args).await?)
    }

    /// Each row mapped by `map`.
    pub async fn fetch_map<T: Send>(
        &mut self,
        sql: &str,
        args: &[Arg<'_>],
        map: impl Fn(&mut Cols<'_>) -> Result<T> + Send + Sync,
    ) -> Result<Vec<T>> {
        let mut out = Vec::new();
        self.each(sql, args, &mut |row| {
            out.push(map(&mut Cols::new(row))?);
            Ok(())
        })
        .await?;
        Ok(out)
    }

    /// The first row mapped by `map`, if any.
    pub async fn fetch_one_map<T: Send>(
        &mut self,
        sql: &str,
        args: &[Arg<'_>],
        map: impl Fn(&mut Cols<'_>) -> Result<T> + Send + Sync,
    ) -> Result<Option<T>> {
        let mut first = None;
        self.each(sql, args, &mut |row| {
            if first.is_none() {
                first = Some(map(&mut Cols::new(row))?);
            }
            Ok(())
        })
        .await?;
        Ok(first)
    }

    /// Runs a [`versioned_sql`] statement: the rows (each mapped by `map`
    /// after the version column) and the version. A statement that finds no
    /// row tells no version, so then the version is read alone: only empty
    /// answers take a second statement.
    pub async fn fetch_versioned<T: Send>(
        &mut self,
        org: OrgId,
        sql: &str,
        args: &[Arg<'_>],
        map: impl Fn(&mut Cols<'_>) -> Result<T> + Send + Sync,
    ) -> Result<Versioned<Vec<T>>> {
        let mut version = None;
        let mut out = Vec::new();
        self.each(sql, args, &mut |row| {
            let mut cols = Cols::new(row);
            version = cols.opt_i64()?;
            out.push(map(&mut cols)?);
            Ok(())
        })
        .await?;
        if out.is_empty() {
            version = self
                .fetch_one_map(
                    "SELECT auth_version FROM orgs WHERE id = ?1",
                    &[Arg::from(org)],
                    |c| c.i64(),
                )
                .await?;
        }
        Ok(Versioned::new(out, version))
    }

    /// Every row's first column as an id.
    pub async fn fetch_ids(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<Vec<ZohoId>> {
        self.fetch_map(sql, args, |c| c.id()).await
    }

    /// Runs a built statement for its effect.
    pub async fn run_sql(&mut self, sql: &Sql<'_>) -> Result<u64> {
        Ok(self.execute(&sql.text, &sql.args).await?)
    }
}

/// A statement built piece by piece, numbering its placeholders.
#[derive(Debug, Clone, Default)]
pub struct Sql<'a> {
    pub text: String,
    pub args: Vec<Arg<'a>>,
}

impl<'a> Sql<'a> {
    /// Starts with `text`.
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            args: Vec::new(),
        }
    }

    /// Appends SQL text.
    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder bound to `arg`.
    pub fn bind(&mut self, arg: impl Into<Arg<'a>>) -> &mut Self {
        self.args.push(arg.into());
        self.text.push('?');
        self.text.push_str(&self.args.len().to_string());
        self
    }

    /// Appends `?a, ?b, …`, one placeholder per item.
    pub fn list<A: Into<Arg<'a>>>(&mut self, items: impl IntoIterator<Item = A>) -> &mut Self {
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.bind(item);
        }
        self
    }

    /// Appends `VALUES (…), (…)`: one tuple per row, `row` giving its values.
    pub fn values<T, I, A>(
        &mut self,
        rows: impl IntoIterator<Item = T>,
        row: impl Fn(T) -> I,
    ) -> &mut Self
    where
        I: IntoIterator<Item = A>,
        A: Into<Arg<'a>>,
    {
        self.text.push_str(" VALUES ");
        for (i, item) in rows.into_iter().enumerate() {
            self.text.push_str(if i == 0 { "(" } else { ", (" });
            self.list(row(item));
            self.text.push(')');
        }
        self
    }
}

/// Rows per multi-row statement: far below both databases' bind limits.
pub const CHUNK: usize = 2000;

/// `select` — a `SELECT` whose `?1` is the org id — with the org's auth
/// version as its first column: a scalar subquery, computed once per
/// statement, so that one statement reads both the data and the version.
pub fn versioned_sql(select: &str) -> String {
    let rest = select
        .trim_start()
        .strip_prefix("SELECT ")
        .unwrap_or(select);
    format!("SELECT (SELECT auth_version FROM orgs WHERE id = ?1), {rest}")
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
pub fn like_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `first last`, the way Zoho prints a referenced user's name.
pub fn full_name(first: Option<String>, last: Option<String>) -> Option<String> {
    let last = last?;
    Some(match first {
        Some(f) if !f.trim().is_empty() => format!("{f} {last}"),
        _ => last,
    })
}

/// Reads a referenced user's first and last name columns as a full name.
pub fn person(cols: &mut Cols<'_>) -> Result<Option<String>> {
    let first = cols.opt_text()?;
    let last = cols.opt_text()?;
    Ok(full_name(first, last))
}

/// Appends a group of filter conditions: `members`, each written by
/// `push`, joined by `operator` in parentheses (the `filters` groups of
/// user groups and territories).
pub fn push_condition_group<'a, T>(
    sql: &mut Sql<'a>,
    operator: orgdir_core::groups::GroupOperator,
    members: &[T],
    push: impl Fn(&mut Sql<'a>, &T),
) {
    let joiner = match operator {
        orgdir_core::groups::GroupOperator::And => " AND ",
        orgdir_core::groups::GroupOperator::Or => " OR ",
    };
    sql.push("(");
    for (i, member) in members.iter().enumerate() {
        if i > 0 {
            sql.push(joiner);
        }
        push(sql, member);
    }
    sql.push(")");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_numbers_placeholders() {
        let mut sql = Sql::new("SELECT 1 WHERE a = ");
        sql.bind(1i64).push(" AND b IN (").list([2i64, 3]).push(")");
        assert_eq!(sql.text, "SELECT 1 WHERE a = ?1 AND b IN (?2, ?3)");
        assert_eq!(sql.args.len(), 3);
        let mut insert = Sql::new("INSERT INTO t (a, b)");
        insert.values([(1i64, "x"), (2, "y")], |(a, b)| {
            [Arg::from(a), Arg::from(b)]
        });
        assert_eq!(
            insert.text,
            "INSERT INTO t (a, b) VALUES (?1, ?2), (?3, ?4)"
        );
    }

    #[test]
    fn versioned_statements_read_the_version_first() {
        assert_eq!(
            versioned_sql("SELECT a, b FROM t WHERE org_id = ?1"),
            "SELECT (SELECT auth_version FROM orgs WHERE id = ?1), a, b FROM t WHERE org_id = ?1"
        );
    }

    #[test]
    fn like_patterns_are_escaped() {
        assert_eq!(like_escape("a%b_c\\"), "a\\%b\\_c\\\\");
    }
}
