//! SQLite, the embedded default: one file, WAL mode, every commit synced (`synchronous=FULL`)
//! so that an acknowledged write survives a crash or power cut. One writer at a time, so no
//! row locks are needed, and one instance per file, so there is no one to notify.

use std::collections::HashSet;
use std::str::FromStr;
use std::time::Duration;

use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use futures_util::{FutureExt, StreamExt, TryStreamExt};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Connection, Pool, QueryBuilder, Sqlite, Transaction};
use tokio::sync::mpsc::UnboundedSender;
use uuid::Uuid;

use super::StoreError;
use super::dialect::{Backend, Query, SqlRow, SqlValue};
use super::sql::signing::{NewSignatureRow, QueuedWrites};
use super::sql::{EMAIL_KEY_VERSION, SqlStore};
use crate::config::DatabaseUrl;

pub async fn connect(url: &DatabaseUrl) -> Result<SqlStore<Sqlite>, StoreError> {
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

/// Rows per multi-row statement: 22 columns each keeps a statement far inside SQLite's limit
/// of 32,766 bound parameters.
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

    fn insert_signatures<'c>(
        conn: &'c mut SqliteConnection,
        rows: &'c [NewSignatureRow],
    ) -> BoxFuture<'c, Result<HashSet<Uuid>, StoreError>> {
        async move {
            let mut inserted = HashSet::with_capacity(rows.len());
            for chunk in rows.chunks(ROWS_PER_STATEMENT) {
                let mut insert = QueryBuilder::<Sqlite>::new(
                    "INSERT INTO signatures (id, campaign_id, email_hash, email, name, postcode, \
                     postcode_area, country, signatory_type, organisation, organisation_key, \
                     role, public, contact, consent_version, source, status, review, \
                     possible_duplicate, emails_sent, signed_at, confirmed_at, \
                     email_key_version) ",
                );
                insert.push_values(chunk, |mut row, s| {
                    row.push_bind(s.id)
                        .push_bind(s.campaign_id)
                        .push_bind(s.email_hash.clone())
                        .push_bind(s.email.clone())
                        .push_bind(s.name.clone())
                        .push_bind(s.postcode.clone())
                        .push_bind(s.postcode_area.clone())
                        .push_bind(s.country.clone())
                        .push_bind(s.kind.as_str())
                        .push_bind(s.organisation.clone())
                        .push_bind(s.organisation_key.clone())
                        .push_bind(s.role.clone())
                        .push_bind(s.public)
                        .push_bind(s.contact)
                        .push_bind(s.consent_version)
                        .push_bind(s.source.clone())
                        .push_bind(s.status.as_str())
                        .push_bind("pending")
                        .push_bind(false)
                        .push_bind(s.emails_sent)
                        .push_bind(s.signed_at)
                        .push_bind(s.confirmed_at())
                        .push_bind(EMAIL_KEY_VERSION);
                });
                insert.push(" ON CONFLICT DO NOTHING RETURNING id");
                let ids: Vec<(Uuid,)> = insert.build_query_as().fetch_all(&mut *conn).await?;
                inserted.extend(ids.into_iter().map(|(id,)| id));
            }
            Ok(inserted)
        }
        .boxed()
    }

    fn insert_queued(
        conn: &mut SqliteConnection,
        writes: QueuedWrites,
    ) -> BoxFuture<'_, Result<(), StoreError>> {
        async move {
            for chunk in writes.tokens.chunks(ROWS_PER_STATEMENT) {
                let mut insert = QueryBuilder::<Sqlite>::new(
                    "INSERT INTO signature_tokens (token_hash, signature_id, purpose, expires_at) ",
                );
                insert.push_values(chunk, |mut row, token| {
                    row.push_bind(token.hash.clone())
                        .push_bind(token.signature_id)
                        .push_bind(token.purpose.as_str())
                        .push_bind(token.expires_at);
                });
                insert.build().execute(&mut *conn).await?;
            }
            for chunk in writes.emails.chunks(ROWS_PER_STATEMENT) {
                let mut insert = QueryBuilder::<Sqlite>::new(
                    "INSERT INTO outbox (id, signature_id, kind, recipient, confirm_token, \
                     withdraw_token, created_at, attempts, next_attempt_at) ",
                );
                insert.push_values(chunk, |mut row, email| {
                    row.push_bind(email.id)
                        .push_bind(email.signature_id)
                        .push_bind(email.kind.as_str())
                        .push_bind(email.recipient.clone())
                        .push_bind(email.confirm_token.clone())
                        .push_bind(email.withdraw_token.clone())
                        .push_bind(email.created_at)
                        .push_bind(0_i32)
                        .push_bind(email.created_at);
                });
                insert.build().execute(&mut *conn).await?;
            }
            Ok(())
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
