//! The store's SQL, written once for both databases: one file per concern, each implementing
//! that concern's trait for [`SqlStore`] over any [`Backend`].

mod accounts;
mod audit;
mod brands;
mod campaigns;
pub(super) mod counts;
mod handins;
mod integrity;
mod outbox;
mod paper;
mod partners;
mod places;
mod pledges;
mod reasons;
mod signatories;
mod signing;
mod updates;
mod webhooks;

use async_trait::async_trait;
use sqlx::Pool;
use sqlx::pool::PoolConnection;

use uuid::Uuid;

use super::dialect::{Backend, sql, sql_built};
use super::{Store, StoreError, corrupt};
use crate::domain::{Email, SecretToken};

pub struct SqlStore<B: Backend> {
    pool: Pool<B>,
    email_hasher: EmailHasher,
    writes: WriteHealth,
}

/// Whether signing's writes are failing for want of something that will come back (a full
/// disk, say): the readiness probe says so, even while a small write of its own would fit.
struct WriteHealth {
    /// Milliseconds since `since` of the last failed and the last successful signing write.
    failed: std::sync::atomic::AtomicU64,
    succeeded: std::sync::atomic::AtomicU64,
    since: std::time::Instant,
}

impl WriteHealth {
    fn new() -> Self {
        Self {
            failed: 0.into(),
            succeeded: 0.into(),
            since: std::time::Instant::now(),
        }
    }

    fn now(&self) -> u64 {
        // At least 1, so that a failure in the first millisecond still reads as the latest.
        u64::try_from(self.since.elapsed().as_millis())
            .unwrap_or(u64::MAX)
            .max(1)
    }

    fn record<T>(&self, outcome: &Result<T, StoreError>) {
        use std::sync::atomic::Ordering::Relaxed;
        match outcome {
            Ok(_) => self.succeeded.store(self.now(), Relaxed),
            Err(StoreError::Unavailable(_)) => self.failed.store(self.now(), Relaxed),
            Err(_) => {}
        }
    }

    fn failing(&self) -> bool {
        use std::sync::atomic::Ordering::Relaxed;
        self.failed.load(Relaxed) > self.succeeded.load(Relaxed)
    }
}

impl<B: Backend> SqlStore<B> {
    /// The store on a connected, migrated pool, with the instance's key for hashing emails
    /// (made by whichever start comes first).
    pub async fn open(pool: Pool<B>) -> Result<Self, StoreError> {
        let mut conn = pool.acquire().await?;
        sql::<B>(
            "INSERT INTO instance_secrets (name, value) VALUES ('email_hash_key', $1)
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(SecretToken::generate().plain)
        .execute(&mut conn)
        .await?;
        let (key,): (String,) =
            sql::<B>("SELECT value FROM instance_secrets WHERE name = 'email_hash_key'")
                .fetch_one(&mut conn)
                .await?;
        drop(conn);
        let store = Self {
            pool,
            email_hasher: EmailHasher {
                key: key.into_bytes(),
            },
            writes: WriteHealth::new(),
        };
        store.rekey_emails().await?;
        Ok(store)
    }

    /// Gives signatures made before deduplication went by inbox their new key, oldest first:
    /// where two live signatures now share an inbox, the later keeps its old key (it still
    /// counts: an acknowledged signature is never dropped) and is marked as a possible
    /// duplicate for the organiser. Batches are claimed with `SKIP_LOCKED`, so instances
    /// starting together share the work; a start that stops halfway resumes.
    async fn rekey_emails(&self) -> Result<(), StoreError> {
        const BATCH: i64 = 500;
        loop {
            let mut tx = self.begin_write().await?;
            let rows: Vec<(Uuid, Uuid, String, String, String)> = sql_built::<B>(format!(
                "SELECT id, campaign_id, email, email_hash, status FROM signatures
                 WHERE email_key_version = 1 AND email IS NOT NULL
                 ORDER BY signed_at, id LIMIT $1 {}",
                B::SKIP_LOCKED
            ))
            .bind(BATCH)
            .fetch_all(&mut tx)
            .await?;
            for (id, campaign_id, email, old_hash, status) in &rows {
                let email = Email::parse(email).map_err(|e| corrupt("signature email", e))?;
                let hash = self.email_hasher.hash(&email);
                let live = matches!(status.as_str(), "pending" | "confirmed");
                let taken = live && hash != *old_hash && {
                    let other: Option<(Uuid,)> = sql::<B>(
                        "SELECT id FROM signatures WHERE campaign_id = $1 AND email_hash = $2
                           AND id <> $3 AND status IN ('pending', 'confirmed')",
                    )
                    .bind(*campaign_id)
                    .bind(&hash)
                    .bind(*id)
                    .fetch_optional(&mut tx)
                    .await?;
                    other.is_some()
                };
                let update = if taken {
                    sql::<B>(
                        "UPDATE signatures SET email_key_version = $2, possible_duplicate = TRUE
                         WHERE id = $1",
                    )
                    .bind(*id)
                    .bind(EMAIL_KEY_VERSION)
                } else {
                    sql::<B>(
                        "UPDATE signatures SET email_key_version = $2, email_hash = $3
                         WHERE id = $1",
                    )
                    .bind(*id)
                    .bind(EMAIL_KEY_VERSION)
                    .bind(&hash)
                };
                update.execute(&mut tx).await?;
            }
            // Rows without an email (withdrawn, erased) have nothing to re-key.
            sql::<B>(
                "UPDATE signatures SET email_key_version = $1
                 WHERE email_key_version = 1 AND email IS NULL",
            )
            .bind(EMAIL_KEY_VERSION)
            .execute(&mut tx)
            .await?;
            tx.commit().await?;
            if (rows.len() as i64) < BATCH {
                return Ok(());
            }
        }
    }

    async fn conn(&self) -> Result<PoolConnection<B>, StoreError> {
        Ok(self.pool.acquire().await?)
    }

    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, B>, StoreError> {
        Ok(B::begin_write(&self.pool).await?)
    }

    /// A transaction that only reads, so that several reads see one state.
    async fn begin_read(&self) -> Result<sqlx::Transaction<'static, B>, StoreError> {
        Ok(self.pool.begin().await?)
    }
}

impl<B: Backend> SqlStore<B> {
    /// The deduplication keys of the emails an invalidation lists.
    fn email_hashes(&self, filter: &crate::domain::integrity::InvalidationFilter) -> Vec<String> {
        filter
            .emails
            .iter()
            .flatten()
            .map(|email| self.email_hasher.hash(email))
            .collect()
    }
}

#[async_trait]
impl<B: Backend> Store for SqlStore<B> {
    async fn ping(&self) -> Result<(), StoreError> {
        if self.writes.failing() {
            return Err(StoreError::Unavailable(
                "signing's last write failed; the database cannot take writes".into(),
            ));
        }
        // A read alone would answer while every write fails (a full disk): write something.
        let mut tx = self.begin_write().await?;
        sql::<B>(
            "INSERT INTO instance_secrets (name, value) VALUES ('ready_probe', $1)
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        )
        .bind(Uuid::now_v7().to_string())
        .execute(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    fn parallel_writes(&self) -> usize {
        B::PARALLEL_WRITES
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}

/// Hashes normalised emails with a key kept in the database (made once, on first start), so
/// the deduplication key outlives an erased email without being the email.
#[derive(Clone)]
struct EmailHasher {
    key: Vec<u8>,
}

impl EmailHasher {
    fn keyed(&self, what: &[u8]) -> String {
        use hmac::{Hmac, Mac};
        let mut mac =
            Hmac::<sha2::Sha256>::new_from_slice(&self.key).expect("HMAC takes a key of any size");
        mac.update(what);
        hex::encode(mac.finalize().into_bytes())
    }

    /// The labels of a client's address blocks (see `BlockLabel`): its /24 or /64, and for
    /// IPv6 its /48. Keyed, so that the label does not give the block away.
    fn block_labels(&self, address: std::net::IpAddr) -> (String, Option<String>) {
        use crate::domain::integrity::{AddressBlocks, BlockLabel};
        let blocks = AddressBlocks::of(address);
        let label = |(kind, net): (&str, String)| {
            BlockLabel::new(kind, &self.keyed(format!("block:{net}").as_bytes()))
                .as_str()
                .to_owned()
        };
        (label(blocks.block), blocks.network.map(label))
    }

    /// The deduplication key of an address: its inbox (see `Email::inbox`), hashed.
    fn hash(&self, email: &Email) -> String {
        self.keyed(email.inbox().as_bytes())
    }
}

/// The version of the deduplication key that `EmailHasher::hash` makes (1 hashed the address
/// as typed).
pub const EMAIL_KEY_VERSION: i32 = 2;

/// `$first, $first+1, …`: `count` numbered parameters, for an `IN (…)` list.
fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Counts stored as SQL integers (`BIGINT`), as the domain's unsigned counts.
fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}
