//! PostgreSQL, for production and for running many stateless instances on one database.
//! Durability is PostgreSQL's default (`synchronous_commit = on`), which this store never lowers.
//! Writers run side by side, so reads that precede a write lock their rows (`FOR UPDATE`), and
//! instances tell each other what changed with `NOTIFY`.

use std::str::FromStr;
use std::time::Duration;

use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use futures_util::{FutureExt, StreamExt, TryStreamExt};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgListener, PgPoolOptions};
use sqlx::{AssertSqlSafe, Connection, PgPool, Pool, Postgres, Row, Transaction};
use tokio::sync::mpsc::UnboundedSender;
use uuid::Uuid;

use super::StoreError;
use super::dialect::{Backend, Column, InsertRows, Query, SqlRow, SqlValue};
use super::sql::SqlStore;
use crate::config::DatabaseUrl;

pub async fn connect(url: &DatabaseUrl) -> Result<SqlStore<Postgres>, StoreError> {
    let options = PgConnectOptions::from_str(url.expose())?.application_name("undersigned");
    // A short acquire timeout turns a database outage into a prompt 503 instead of a hang.
    let pool = PgPoolOptions::new()
        .max_connections(16)
        // A connection still inside a transaction (its rollback could not even be queued) is
        // closed, not handed to the next request.
        .after_release(|conn, _| Box::pin(async move { Ok(!conn.is_in_transaction()) }))
        .acquire_timeout(Duration::from_secs(3))
        .connect_with(options)
        .await?;
    sqlx::migrate!("migrations/postgres")
        .run(&pool)
        .await
        .map_err(|e| StoreError::Internal(Box::new(e)))?;
    SqlStore::open(pool).await
}

/// The channel on which instances tell each other which campaign changed.
const CHANGES_CHANNEL: &str = "undersigned_changes";

impl Backend for Postgres {
    const PARALLEL_WRITES: usize = 4;
    const FOR_UPDATE: &'static str = "FOR UPDATE";
    const FOR_UPDATE_OF_SIGNATURE: &'static str = "FOR UPDATE OF s";
    const SKIP_LOCKED: &'static str = "FOR UPDATE SKIP LOCKED";
    const ERASED_KEY: &'static str = "'erased:' || id::text";
    const AFTER_PURGE: &'static [&'static str] = &[
        "VACUUM signatures",
        "VACUUM signature_tokens",
        "VACUUM outbox",
    ];
    const HOUR_OF_CONFIRMATION: &'static str = "to_char(date_trunc('hour', confirmed_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD\"T\"HH24:00:00\"Z\"')";
    const HOUR_OF_SIGNING: &'static str = "to_char(date_trunc('hour', signed_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD\"T\"HH24:00:00\"Z\"')";

    fn bind<T: SqlValue>(query: Query<Self>, value: T) -> Query<Self> {
        query.bind(value)
    }

    fn execute(
        query: Query<Self>,
        conn: &mut PgConnection,
    ) -> BoxFuture<'_, Result<u64, sqlx::Error>> {
        async move { Ok(query.execute(conn).await?.rows_affected()) }.boxed()
    }

    fn fetch<R: SqlRow>(
        query: Query<Self>,
        conn: &mut PgConnection,
    ) -> BoxStream<'_, Result<R, sqlx::Error>> {
        query
            .fetch(conn)
            .and_then(|row| async move { R::from_row(&row) })
            .boxed()
    }

    fn begin_write(
        pool: &Pool<Self>,
    ) -> BoxFuture<'_, Result<Transaction<'static, Self>, sqlx::Error>> {
        pool.begin().boxed()
    }

    /// Each column bound as one array, so every batch runs the same prepared statement and
    /// plan whatever its size; every insert but the last is a data-modifying `WITH`, so that
    /// a batch's rows take one round trip.
    fn insert_rows<'c>(
        conn: &'c mut PgConnection,
        inserts: &'c [InsertRows],
    ) -> BoxFuture<'c, Result<Vec<Uuid>, StoreError>> {
        async move {
            let inserts: Vec<&InsertRows> = inserts.iter().filter(|i| i.rows() > 0).collect();
            let Some((last, before)) = inserts.split_last() else {
                return Ok(Vec::new());
            };
            let mut parameter = 0;
            let mut statement = |insert: &InsertRows| {
                let arrays: Vec<String> = (insert.columns.iter())
                    .map(|(_, column)| {
                        parameter += 1;
                        format!("${parameter}::{}[]", array_type(column))
                    })
                    .collect();
                format!(
                    "INSERT INTO {} ({}) SELECT * FROM UNNEST({}) {}",
                    insert.table,
                    insert.names(),
                    arrays.join(", "),
                    insert.suffix
                )
            };
            let mut text = String::new();
            for (n, insert) in before.iter().enumerate() {
                let lead = if n == 0 { "WITH" } else { "," };
                text += &format!("{lead} inserted_{n} AS ({}) ", statement(insert));
            }
            text += &statement(last);
            let mut query = sqlx::query(AssertSqlSafe(text));
            for (_, column) in inserts.iter().flat_map(|insert| &insert.columns) {
                query = match column {
                    Column::Uuid(values) => query.bind(values),
                    Column::Text(values) => query.bind(values),
                    Column::Bool(values) => query.bind(values),
                    Column::Int(values) => query.bind(values),
                    Column::Time(values) => query.bind(values),
                };
            }
            let rows = query.fetch_all(&mut *conn).await?;
            Ok(rows
                .iter()
                .map(|row| row.try_get(0))
                .collect::<Result<_, _>>()?)
        }
        .boxed()
    }

    /// PostgreSQL delivers a notification when (and only if) the transaction commits, once
    /// however often it is sent.
    fn announce<'c>(
        conn: &'c mut PgConnection,
        campaign_ids: &'c [Uuid],
    ) -> BoxFuture<'c, Result<(), StoreError>> {
        async move {
            for id in campaign_ids {
                sqlx::query("SELECT pg_notify($1, $2)")
                    .bind(CHANGES_CHANNEL)
                    .bind(id.to_string())
                    .execute(&mut *conn)
                    .await?;
            }
            Ok(())
        }
        .boxed()
    }

    fn watch_changes(pool: Pool<Self>, changes: UnboundedSender<Uuid>) {
        tokio::spawn(async move {
            loop {
                match listen(&pool, &changes).await {
                    // The receiver is gone: the server is stopping.
                    Ok(()) => return,
                    Err(e) => {
                        // Changes missed meanwhile are caught by the periodic refresh.
                        tracing::warn!(error = %e, "listening for other instances' changes failed; retrying");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        });
    }
}

fn array_type(column: &Column) -> &'static str {
    match column {
        Column::Uuid(_) => "uuid",
        Column::Text(_) => "text",
        Column::Bool(_) => "bool",
        Column::Int(_) => "int4",
        Column::Time(_) => "timestamptz",
    }
}

async fn listen(pool: &PgPool, changes: &UnboundedSender<Uuid>) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANGES_CHANNEL).await?;
    loop {
        let notification = listener.recv().await?;
        if let Ok(id) = notification.payload().parse::<Uuid>()
            && changes.send(id).is_err()
        {
            return Ok(());
        }
    }
}
