//! PostgreSQL, for production and for running many stateless instances on one database.
//! Durability is PostgreSQL's default (`synchronous_commit = on`), which this store never lowers.
//! Writers run side by side, so reads that precede a write lock their rows (`FOR UPDATE`), and
//! instances tell each other what changed with `NOTIFY`.

use std::collections::HashSet;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use futures_util::{FutureExt, StreamExt, TryStreamExt};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgListener, PgPoolOptions};
use sqlx::{Connection, PgPool, Pool, Postgres, Transaction};
use tokio::sync::mpsc::UnboundedSender;
use uuid::Uuid;

use super::StoreError;
use super::dialect::{Backend, Query, SqlRow, SqlValue};
use super::sql::signing::{NewSignatureRow, QueuedWrites};
use super::sql::{EMAIL_KEY_VERSION, SqlStore};
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

    /// One statement whatever the batch's size, each column passed as an array, so every
    /// batch runs the same prepared statement and plan.
    fn insert_signatures<'c>(
        conn: &'c mut PgConnection,
        rows: &'c [NewSignatureRow],
    ) -> BoxFuture<'c, Result<HashSet<Uuid>, StoreError>> {
        async move {
            let column = |f: fn(&NewSignatureRow) -> Option<String>| -> Vec<Option<String>> {
                rows.iter().map(f).collect()
            };
            let ids: Vec<(Uuid,)> = sqlx::query_as(
                "INSERT INTO signatures (id, campaign_id, email_hash, email, name, postcode,
                     postcode_area, country, signatory_type, organisation, organisation_key, role,
                     public, contact, consent_version, source, status, review,
                     possible_duplicate, emails_sent, signed_at, confirmed_at, email_key_version)
                 SELECT id, campaign_id, email_hash, email, name, postcode, postcode_area, country,
                        signatory_type, organisation, organisation_key, role, public, contact,
                        consent_version, source, status, 'pending', FALSE, emails_sent, signed_at,
                        confirmed_at, $21
                 FROM UNNEST($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[],
                             $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
                             $11::text[], $12::text[], $13::bool[], $14::bool[], $15::int4[],
                             $16::text[], $17::text[], $18::int4[], $19::timestamptz[],
                             $20::timestamptz[])
                      AS s (id, campaign_id, email_hash, email, name, postcode, postcode_area,
                            country, signatory_type, organisation, organisation_key, role, public,
                            contact, consent_version, source, status, emails_sent, signed_at,
                            confirmed_at)
                 ON CONFLICT DO NOTHING
                 RETURNING id",
            )
            .bind(rows.iter().map(|s| s.id).collect::<Vec<_>>())
            .bind(rows.iter().map(|s| s.campaign_id).collect::<Vec<_>>())
            .bind(column(|s| Some(s.email_hash.clone())))
            .bind(column(|s| Some(s.email.clone())))
            .bind(column(|s| Some(s.name.clone())))
            .bind(column(|s| s.postcode.clone()))
            .bind(column(|s| s.postcode_area.clone()))
            .bind(column(|s| Some(s.country.clone())))
            .bind(column(|s| Some(s.kind.as_str().to_owned())))
            .bind(column(|s| s.organisation.clone()))
            .bind(column(|s| s.organisation_key.clone()))
            .bind(column(|s| s.role.clone()))
            .bind(rows.iter().map(|s| s.public).collect::<Vec<_>>())
            .bind(rows.iter().map(|s| s.contact).collect::<Vec<_>>())
            .bind(rows.iter().map(|s| s.consent_version).collect::<Vec<_>>())
            .bind(column(|s| s.source.clone()))
            .bind(column(|s| Some(s.status.as_str().to_owned())))
            .bind(rows.iter().map(|s| s.emails_sent).collect::<Vec<_>>())
            .bind(rows.iter().map(|s| s.signed_at).collect::<Vec<_>>())
            .bind(rows.iter().map(|s| s.confirmed_at()).collect::<Vec<_>>())
            .bind(EMAIL_KEY_VERSION)
            .fetch_all(&mut *conn)
            .await?;
            Ok(ids.into_iter().map(|(id,)| id).collect())
        }
        .boxed()
    }

    /// The tokens and the emails in one statement (a data-modifying `WITH`), their columns as
    /// arrays: one round trip per batch.
    fn insert_queued(
        conn: &mut PgConnection,
        writes: QueuedWrites,
    ) -> BoxFuture<'_, Result<(), StoreError>> {
        async move {
            let QueuedWrites { tokens, emails } = writes;
            if tokens.is_empty() && emails.is_empty() {
                return Ok(());
            }
            let expiries: Vec<Option<DateTime<Utc>>> =
                tokens.iter().map(|t| t.expires_at).collect();
            sqlx::query(
                "WITH tokens AS (
                     INSERT INTO signature_tokens (token_hash, signature_id, purpose, expires_at)
                     SELECT * FROM UNNEST($1::text[], $2::uuid[], $3::text[], $4::timestamptz[]))
                 INSERT INTO outbox (id, signature_id, kind, recipient, confirm_token,
                                     withdraw_token, created_at, attempts, next_attempt_at)
                 SELECT id, signature_id, kind, recipient, confirm_token, withdraw_token,
                        created_at, 0, created_at
                 FROM UNNEST($5::uuid[], $6::uuid[], $7::text[], $8::text[], $9::text[],
                             $10::text[], $11::timestamptz[])
                      AS e (id, signature_id, kind, recipient, confirm_token, withdraw_token,
                            created_at)",
            )
            .bind(tokens.iter().map(|t| t.hash.clone()).collect::<Vec<_>>())
            .bind(tokens.iter().map(|t| t.signature_id).collect::<Vec<_>>())
            .bind(
                tokens
                    .iter()
                    .map(|t| t.purpose.as_str())
                    .collect::<Vec<_>>(),
            )
            .bind(expiries)
            .bind(emails.iter().map(|e| e.id).collect::<Vec<_>>())
            .bind(emails.iter().map(|e| e.signature_id).collect::<Vec<_>>())
            .bind(emails.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>())
            .bind(
                emails
                    .iter()
                    .map(|e| e.recipient.clone())
                    .collect::<Vec<_>>(),
            )
            .bind(
                emails
                    .iter()
                    .map(|e| e.confirm_token.clone())
                    .collect::<Vec<_>>(),
            )
            .bind(
                emails
                    .iter()
                    .map(|e| e.withdraw_token.clone())
                    .collect::<Vec<_>>(),
            )
            .bind(emails.iter().map(|e| e.created_at).collect::<Vec<_>>())
            .execute(&mut *conn)
            .await?;
            Ok(())
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
