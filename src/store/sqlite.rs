//! SQLite, the embedded default: one file, WAL mode, every commit synced (`synchronous=FULL`)
//! so that an acknowledged write survives a crash or power cut. One writer at a time, so no
//! row locks are needed, and one instance per file, so there is no one to notify.

use std::str::FromStr;
use std::time::Duration;

use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use futures_util::{FutureExt, StreamExt, TryStreamExt};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Connection, Pool, QueryBuilder, Row, Sqlite, Transaction};
use tokio::sync::mpsc::UnboundedSender;
use uuid::Uuid;

use super::dialect::{Backend, Column, InsertRows, Query, SqlRow, SqlValue};
use super::sql::SqlStore;
use super::{StoreError, maintenance};
use crate::config::DatabaseUrl;

pub async fn connect(url: &DatabaseUrl) -> Result<SqlStore<Sqlite>, StoreError> {
    back_up_before_migrating(url).await?;
    let options = SqliteConnectOptions::from_str(url.expose())?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        // Deleted and overwritten content is zeroed, so an erased email or name does not
        // linger in free pages of the file.
        .pragma("secure_delete", "ON")
        .busy_timeout(Duration::from_secs(5));
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        // A connection whose transaction could not be rolled back (a full disk fails even
        // that) is closed, not handed to the next request still inside it. The ping lets the
        // rollback queued when a transaction is dropped finish first.
        .after_release(|conn, _| {
            Box::pin(async move {
                conn.ping().await?;
                Ok(!conn.is_in_transaction())
            })
        })
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
        .await?;
    sqlx::migrate!("migrations/sqlite")
        .run(&pool)
        .await
        .map_err(|e| StoreError::Internal(Box::new(e)))?;
    SqlStore::open(pool).await
}

/// Copies a database that migrations are about to change (it has some, but not all, of this
/// build's) to `FILE.before-migration-N-TIME.db` beside it, so that an upgrade that goes wrong
/// can be undone with `undersigned restore`.
async fn back_up_before_migrating(url: &DatabaseUrl) -> Result<(), StoreError> {
    let internal = |e: anyhow::Error| StoreError::Internal(e.into());
    let Some(file) = maintenance::sqlite_file(url).map_err(internal)? else {
        return Ok(());
    };
    if !file.is_file() {
        return Ok(());
    }
    let (Some(applied), latest) = maintenance::migration_state(url).await.map_err(internal)? else {
        return Ok(());
    };
    if applied >= latest {
        return Ok(());
    }
    let mut name = file.as_os_str().to_owned();
    name.push(format!(
        ".before-migration-{latest}-{}",
        maintenance::backup_name(chrono::Utc::now()).trim_start_matches("undersigned-")
    ));
    let backup = std::path::PathBuf::from(name);
    // Unsigned (the store has no key): restoring it takes `--force`, which says so.
    maintenance::backup_sqlite(&file, &backup, None)
        .await
        .map_err(|e| internal(e.context("backing up before migrating")))?;
    tracing::info!(backup = %backup.display(), from = applied, to = latest, "backed up the database before migrating it");
    Ok(())
}

/// Rows per multi-row statement: with the widest table's 23 columns a statement stays far
/// inside SQLite's limit of 32,766 bound parameters.
const ROWS_PER_STATEMENT: usize = 500;

impl Backend for Sqlite {
    const PARALLEL_WRITES: usize = 1;
    const FOR_UPDATE: &'static str = "";
    const FOR_UPDATE_OF_SIGNATURE: &'static str = "";
    const SKIP_LOCKED: &'static str = "";
    const ERASED_KEY: &'static str = "'erased:' || hex(id)";
    const AFTER_PURGE: &'static [&'static str] = &[];
    // Times are stored as RFC 3339 text in UTC.
    const HOUR_OF_CONFIRMATION: &'static str = "strftime('%Y-%m-%dT%H:00:00Z', confirmed_at)";
    const HOUR_OF_SIGNING: &'static str = "strftime('%Y-%m-%dT%H:00:00Z', signed_at)";

    fn bind<T: SqlValue>(query: Query<Self>, value: T) -> Query<Self> {
        query.bind(value)
    }

    fn execute(
        query: Query<Self>,
        conn: &mut SqliteConnection,
    ) -> BoxFuture<'_, Result<u64, sqlx::Error>> {
        async move { Ok(query.execute(conn).await?.rows_affected()) }.boxed()
    }

    fn fetch<R: SqlRow>(
        query: Query<Self>,
        conn: &mut SqliteConnection,
    ) -> BoxStream<'_, Result<R, sqlx::Error>> {
        query
            .fetch(conn)
            .and_then(|row| async move { R::from_row(&row) })
            .boxed()
    }

    fn begin_write(
        pool: &Pool<Self>,
    ) -> BoxFuture<'_, Result<Transaction<'static, Self>, sqlx::Error>> {
        pool.begin_with("BEGIN IMMEDIATE").boxed()
    }

    fn insert_rows<'c>(
        conn: &'c mut SqliteConnection,
        inserts: &'c [InsertRows],
    ) -> BoxFuture<'c, Result<Vec<Uuid>, StoreError>> {
        async move {
            let mut ids = Vec::new();
            for insert in inserts {
                let rows: Vec<usize> = (0..insert.rows()).collect();
                for chunk in rows.chunks(ROWS_PER_STATEMENT) {
                    let head = format!("INSERT INTO {} ({}) ", insert.table, insert.names());
                    let mut statement = QueryBuilder::<Sqlite>::new(head);
                    statement.push_values(chunk, |mut values, &row| {
                        for (_, column) in &insert.columns {
                            match column {
                                Column::Uuid(v) => values.push_bind(v[row]),
                                Column::Text(v) => values.push_bind(v[row].clone()),
                                Column::Bool(v) => values.push_bind(v[row]),
                                Column::Int(v) => values.push_bind(v[row]),
                                Column::Time(v) => values.push_bind(v[row]),
                            };
                        }
                    });
                    statement.push(" ").push(insert.suffix);
                    for row in statement.build().fetch_all(&mut *conn).await? {
                        ids.push(row.try_get(0)?);
                    }
                }
            }
            Ok(ids)
        }
        .boxed()
    }

    fn announce<'c>(
        _conn: &'c mut SqliteConnection,
        _campaign_ids: &'c [Uuid],
    ) -> BoxFuture<'c, Result<(), StoreError>> {
        async { Ok(()) }.boxed()
    }

    fn watch_changes(_pool: Pool<Self>, _changes: UnboundedSender<Uuid>) {
        // One instance per SQLite file: every change is made here and seen here.
    }
}
