//! The store's SQL, written once for both databases: one file per concern, each implementing
//! that concern's trait for [`SqlStore`] over any [`Backend`].

mod accounts;
mod audit;
mod campaigns;
pub(super) mod counts;
mod outbox;
mod partners;
mod signatories;
pub(super) mod signing;

use async_trait::async_trait;
use sqlx::Pool;
use sqlx::pool::PoolConnection;

use super::dialect::{Backend, sql};
use super::{Store, StoreError};
use crate::domain::{Email, SecretToken};

pub struct SqlStore<B: Backend> {
    pool: Pool<B>,
    email_hasher: EmailHasher,
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
        Ok(Self {
            pool,
            email_hasher: EmailHasher {
                key: key.into_bytes(),
            },
        })
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

#[async_trait]
impl<B: Backend> Store for SqlStore<B> {
    async fn ping(&self) -> Result<(), StoreError> {
        sql::<B>("SELECT 1")
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(())
    }

    fn parallel_writes(&self) -> usize {
        B::PARALLEL_WRITES
    }
}

/// Hashes normalised emails with a key kept in the database (made once, on first start), so
/// the deduplication key outlives an erased email without being the email.
#[derive(Clone)]
struct EmailHasher {
    key: Vec<u8>,
}

impl EmailHasher {
    fn hash(&self, email: &Email) -> String {
        use hmac::{Hmac, Mac};
        let mut mac =
            Hmac::<sha2::Sha256>::new_from_slice(&self.key).expect("HMAC takes a key of any size");
        mac.update(email.as_str().as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

/// Counts stored as SQL integers (`BIGINT`), as the domain's unsigned counts.
fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}
