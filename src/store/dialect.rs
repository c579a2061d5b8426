//! What truly differs between SQLite and PostgreSQL, named in one place: the [`Backend`]
//! trait. The SQL in `sql/` is written once, generic over it; `sqlite.rs` and `postgres.rs`
//! implement it.
//!
//! sqlx's generic executor bounds cannot be stated once for a generic database (bounds on
//! `&mut Connection` and on each bound type are not implied), so the shared code never asks
//! them of a generic `B`: values and rows carry their requirements for both databases
//! ([`SqlValue`], [`SqlRow`]) and each backend runs statements for its own concrete types.

use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{AssertSqlSafe, Database, Encode, FromRow, Pool, Postgres, SqlSafeStr, Sqlite, Type};
use tokio::sync::mpsc::UnboundedSender;
use uuid::Uuid;

use super::StoreError;

/// A value either database can bind.
pub trait SqlValue:
    for<'e> Encode<'e, Sqlite> + Type<Sqlite> + for<'e> Encode<'e, Postgres> + Type<Postgres> + Send
{
}
impl<T> SqlValue for T where
    T: for<'e> Encode<'e, Sqlite>
        + Type<Sqlite>
        + for<'e> Encode<'e, Postgres>
        + Type<Postgres>
        + Send
{
}

/// A row either database can return.
pub trait SqlRow:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin + 'static
{
}
impl<T> SqlRow for T where
    T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin + 'static
{
}

pub type Query<B> = sqlx::query::Query<'static, B, <B as Database>::Arguments>;

/// A database the store runs on, with each of its differences from the other as a statement
/// or a function.
pub trait Backend: Database {
    /// How many write transactions can usefully be in progress at once: SQLite has one writer
    /// at a time; PostgreSQL can write one batch while it commits another.
    const PARALLEL_WRITES: usize;

    /// Appended to a `SELECT` in a write transaction to lock the rows it reads until the
    /// transaction ends, where writers run side by side (PostgreSQL); SQLite's one writer at a
    /// time needs nothing.
    const FOR_UPDATE: &'static str;
    /// The same for a join, locking only the signature's row (`s`).
    const FOR_UPDATE_OF_SIGNATURE: &'static str;
    /// Appended to a claim's `SELECT`: rows another instance is claiming are skipped, not
    /// waited for.
    const SKIP_LOCKED: &'static str;
    /// The hour of `confirmed_at` as `YYYY-MM-DDTHH:00:00Z`.
    const HOUR_OF_CONFIRMATION: &'static str;
    /// The hour of `signed_at`, the same way.
    const HOUR_OF_SIGNING: &'static str;
    /// What replaces an erased signature's deduplication key: unique per row (a purged
    /// campaign's signatures still count, under the uniqueness rule) and made from its id,
    /// not from anything the signer gave.
    const ERASED_KEY: &'static str;
    /// Run after a purge, outside any transaction, so that the erased rows' old versions
    /// leave the database files (PostgreSQL keeps them until `VACUUM`; SQLite, with
    /// `secure_delete`, overwrites them as it goes).
    const AFTER_PURGE: &'static [&'static str];

    fn bind<T: SqlValue>(query: Query<Self>, value: T) -> Query<Self>;
    fn execute(
        query: Query<Self>,
        conn: &mut Self::Connection,
    ) -> BoxFuture<'_, Result<u64, sqlx::Error>>;
    /// Rows as the database returns them, without reading ahead of the consumer.
    fn fetch<R: SqlRow>(
        query: Query<Self>,
        conn: &mut Self::Connection,
    ) -> BoxStream<'_, Result<R, sqlx::Error>>;

    /// A write transaction. SQLite takes its write lock at once (`BEGIN IMMEDIATE`), so two
    /// writers never both read and then both fail to upgrade (SQLITE_BUSY) halfway through.
    fn begin_write(
        pool: &Pool<Self>,
    ) -> BoxFuture<'_, Result<sqlx::Transaction<'static, Self>, sqlx::Error>>;

    /// Inserts many rows in few statements, and returns the ids that the inserts' `RETURNING`
    /// gives. PostgreSQL binds each column as one array (one prepared statement however many
    /// rows) and runs all the inserts as one statement; SQLite binds multi-row `VALUES`.
    fn insert_rows<'c>(
        conn: &'c mut Self::Connection,
        inserts: &'c [InsertRows],
    ) -> BoxFuture<'c, Result<Vec<Uuid>, StoreError>>;

    /// Tells the other instances, when the transaction commits, that these campaigns'
    /// counts or settings changed. Nothing to do where only one instance runs (SQLite).
    fn announce<'c>(
        conn: &'c mut Self::Connection,
        campaign_ids: &'c [Uuid],
    ) -> BoxFuture<'c, Result<(), StoreError>>;

    /// Sends the id of every campaign another instance announced, for as long as `changes`
    /// is open.
    fn watch_changes(pool: Pool<Self>, changes: UnboundedSender<Uuid>);
}

/// One column of rows to insert: its values in row order.
pub enum Column {
    Uuid(Vec<Uuid>),
    Text(Vec<Option<String>>),
    Bool(Vec<bool>),
    Int(Vec<i32>),
    Time(Vec<Option<DateTime<Utc>>>),
}

impl Column {
    pub fn len(&self) -> usize {
        match self {
            Column::Uuid(v) => v.len(),
            Column::Text(v) => v.len(),
            Column::Bool(v) => v.len(),
            Column::Int(v) => v.len(),
            Column::Time(v) => v.len(),
        }
    }
}

/// A value type a column can hold.
pub trait ColumnValue: Sized {
    fn column(values: Vec<Self>) -> Column;
}

impl ColumnValue for Uuid {
    fn column(values: Vec<Self>) -> Column {
        Column::Uuid(values)
    }
}
impl ColumnValue for Option<String> {
    fn column(values: Vec<Self>) -> Column {
        Column::Text(values)
    }
}
impl ColumnValue for String {
    fn column(values: Vec<Self>) -> Column {
        Column::Text(values.into_iter().map(Some).collect())
    }
}
impl ColumnValue for &'static str {
    fn column(values: Vec<Self>) -> Column {
        Column::Text(values.into_iter().map(|v| Some(v.to_owned())).collect())
    }
}
impl ColumnValue for bool {
    fn column(values: Vec<Self>) -> Column {
        Column::Bool(values)
    }
}
impl ColumnValue for i32 {
    fn column(values: Vec<Self>) -> Column {
        Column::Int(values)
    }
}
impl ColumnValue for Option<DateTime<Utc>> {
    fn column(values: Vec<Self>) -> Column {
        Column::Time(values)
    }
}
impl ColumnValue for DateTime<Utc> {
    fn column(values: Vec<Self>) -> Column {
        Column::Time(values.into_iter().map(Some).collect())
    }
}

/// One column's values, one per row.
pub fn column<R, T: ColumnValue>(rows: &[R], value: impl Fn(&R) -> T) -> Column {
    T::column(rows.iter().map(value).collect())
}

/// Rows for one table, column by column, and what follows them (`ON CONFLICT`, `RETURNING`).
pub struct InsertRows {
    pub table: &'static str,
    pub columns: Vec<(&'static str, Column)>,
    pub suffix: &'static str,
}

impl InsertRows {
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, |(_, column)| column.len())
    }

    pub fn names(&self) -> String {
        let names: Vec<&str> = self.columns.iter().map(|(name, _)| *name).collect();
        names.join(", ")
    }
}

/// One statement on its way to the database, written once for both.
pub struct Sql<B: Backend>(Query<B>);

pub fn sql<B: Backend>(text: impl SqlSafeStr) -> Sql<B> {
    Sql(sqlx::query(text))
}

/// A statement put together at run time from fixed pieces (never from input).
pub fn sql_built<B: Backend>(text: String) -> Sql<B> {
    Sql(sqlx::query(AssertSqlSafe(text)))
}

impl<B: Backend> Sql<B> {
    pub fn bind<T: SqlValue>(self, value: T) -> Self {
        Self(B::bind(self.0, value))
    }

    /// Runs the statement; the number of rows it changed.
    pub async fn execute(self, conn: &mut B::Connection) -> Result<u64, StoreError> {
        Ok(B::execute(self.0, conn).await?)
    }

    pub async fn fetch_all<R: SqlRow>(
        self,
        conn: &mut B::Connection,
    ) -> Result<Vec<R>, StoreError> {
        Ok(B::fetch(self.0, conn).try_collect().await?)
    }

    pub async fn fetch_optional<R: SqlRow>(
        self,
        conn: &mut B::Connection,
    ) -> Result<Option<R>, StoreError> {
        Ok(B::fetch(self.0, conn).try_next().await?)
    }

    pub async fn fetch_one<R: SqlRow>(self, conn: &mut B::Connection) -> Result<R, StoreError> {
        self.fetch_optional(conn).await?.ok_or(StoreError::NotFound)
    }

    pub fn fetch<R: SqlRow>(
        self,
        conn: &mut B::Connection,
    ) -> BoxStream<'_, Result<R, sqlx::Error>> {
        B::fetch(self.0, conn)
    }
}
