//! PostgreSQL, for production and for running many stateless instances on one database.
//! Durability is PostgreSQL's default (`synchronous_commit = on`), which this store never lowers.
//! The same queries as the SQLite store, in the same order, but for row locks where PostgreSQL
//! runs writers side by side (SQLite runs one writer at a time) and `NOTIFY`, which tells the
//! other instances what changed.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
use sqlx::{PgPool, Postgres, Transaction};
use tokio::sync::mpsc::UnboundedSender;
use uuid::Uuid;

use super::batch::{NewSignatureRow, QueuedWrites};
use super::rows::{
    CampaignRow, CampaignValues, CountRow, CredentialsRow, ExistingSignatureRow, QueuedEmailRow,
    SignatureStateRow, TokenTargetRow, UserRow, campaign_columns, campaign_select,
    signature_columns,
};
use super::{
    AuditEntry, CountDelta, CountSnapshot, EmailHasher, PublicSignatory, QueuedEmail, Recount,
    SignOutcome, SignatureFilter, SignatureRecord, SignatureSubmission, Store, StoreError,
    TallyRows, TokenPurpose, TokenUse, new_hash_key, random_shard,
};
use crate::config::DatabaseUrl;
use crate::domain::{
    Campaign, CampaignStatus, ConsentWording, Email, Review, SignatureStatus, Slug, User,
    reminder_for,
};
use crate::domain::{KeyHolder, NewPartner, PartnerSummary};

pub struct PostgresStore {
    pool: PgPool,
    email_hasher: EmailHasher,
}

impl PostgresStore {
    pub async fn connect(url: &DatabaseUrl) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url.expose())?.application_name("undersigned");
        // A short acquire timeout turns a database outage into a prompt 503 instead of a hang.
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(3))
            .connect_with(options)
            .await?;
        sqlx::migrate!("migrations/postgres")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Internal(Box::new(e)))?;
        let email_hasher = Self::email_hasher(&pool).await?;
        Ok(Self { pool, email_hasher })
    }

    /// The instance's key for hashing emails, made by whichever start comes first.
    async fn email_hasher(pool: &PgPool) -> Result<EmailHasher, StoreError> {
        sqlx::query(
            "INSERT INTO instance_secrets (name, value) VALUES ('email_hash_key', $1)
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(new_hash_key())
        .execute(pool)
        .await?;
        let key: String =
            sqlx::query_scalar("SELECT value FROM instance_secrets WHERE name = 'email_hash_key'")
                .fetch_one(pool)
                .await?;
        Ok(EmailHasher {
            key: key.into_bytes(),
        })
    }

    /// A write transaction; writers that touch the same rows take row locks (`FOR UPDATE`).
    async fn begin_write(&self) -> Result<Transaction<'static, Postgres>, StoreError> {
        Ok(self.pool.begin().await?)
    }
}

async fn insert_wording(
    tx: &mut Transaction<'static, Postgres>,
    campaign: &Campaign,
) -> Result<(), StoreError> {
    let wording: &ConsentWording = &campaign.consent;
    sqlx::query(
        "INSERT INTO consent_wordings
             (campaign_id, version, contact_basis, public_text, contact_text, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (campaign_id, version) DO NOTHING",
    )
    .bind(campaign.id)
    .bind(wording.version as i32)
    .bind(wording.contact_basis.as_str())
    .bind(wording.public_text.as_str())
    .bind(wording.contact_text.as_str())
    .bind(campaign.updated_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The channel on which instances tell each other which campaign changed.
const CHANGES_CHANNEL: &str = "undersigned_changes";

/// Tells other instances that a campaign's count or settings changed. PostgreSQL delivers the
/// notification when (and only if) the transaction commits, once however often it is sent.
async fn announce(
    tx: &mut Transaction<'static, Postgres>,
    campaign_id: Uuid,
) -> Result<(), StoreError> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANGES_CHANNEL)
        .bind(campaign_id.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Makes the campaign's count rows (see `COUNT_SHARDS`: 16, numbered 0 to 15).
async fn create_count_rows(
    tx: &mut Transaction<'static, Postgres>,
    campaign_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "WITH RECURSIVE shards (n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM shards WHERE n < 15)
         INSERT INTO campaign_counts
             (campaign_id, shard, confirmed_individuals, confirmed_organisations, pending, updated_at)
         SELECT $1, n, 0, 0, 0, $2 FROM shards WHERE TRUE
         ON CONFLICT (campaign_id, shard) DO NOTHING",
    )
    .bind(campaign_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The sum of a campaign's count rows.
async fn stored_count(
    tx: &mut Transaction<'static, Postgres>,
    campaign_id: Uuid,
) -> Result<CountSnapshot, StoreError> {
    let row: CountRow = sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(confirmed_individuals), 0) AS BIGINT) AS confirmed_individuals,
                CAST(COALESCE(SUM(confirmed_organisations), 0) AS BIGINT) AS confirmed_organisations,
                CAST(COALESCE(SUM(pending), 0) AS BIGINT) AS pending,
                MAX(updated_at) AS updated_at
         FROM campaign_counts WHERE campaign_id = $1",
    )
    .bind(campaign_id)
    .fetch_one(&mut **tx)
    .await?;
    Ok(row.into())
}

async fn apply_count(
    tx: &mut Transaction<'static, Postgres>,
    campaign_id: Uuid,
    delta: CountDelta,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if delta.is_zero() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO campaign_counts
             (campaign_id, shard, confirmed_individuals, confirmed_organisations, pending, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (campaign_id, shard) DO UPDATE SET
             confirmed_individuals = campaign_counts.confirmed_individuals + excluded.confirmed_individuals,
             confirmed_organisations = campaign_counts.confirmed_organisations + excluded.confirmed_organisations,
             pending = campaign_counts.pending + excluded.pending,
             updated_at = excluded.updated_at",
    )
    .bind(campaign_id)
    .bind(random_shard())
    .bind(delta.individuals)
    .bind(delta.organisations)
    .bind(delta.pending)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    // Not announced here: a NOTIFY in every signing would serialise their commits. The
    // instance's count refresher announces what changed, a few times a second at most.
    Ok(())
}

async fn token_target_in(
    tx: &mut Transaction<'static, Postgres>,
    token_hash: &str,
    purpose: TokenPurpose,
    now: DateTime<Utc>,
) -> Result<Option<(TokenTargetRow, TokenUse)>, StoreError> {
    let row: Option<TokenTargetRow> = sqlx::query_as(
        "SELECT t.signature_id, s.campaign_id, s.status, s.signatory_type, s.review, t.expires_at,
                c.slug AS campaign_slug, c.title AS campaign_title
         FROM signature_tokens t
         JOIN signatures s ON s.id = t.signature_id
         JOIN campaigns c ON c.id = s.campaign_id
         WHERE t.token_hash = $1 AND t.purpose = $2
         FOR UPDATE OF s",
    )
    .bind(token_hash)
    .bind(purpose.as_str())
    .fetch_optional(&mut **tx)
    .await?;
    match row {
        Some(row) => row.usable(now),
        None => Ok(None),
    }
}

/// The hour a signature was confirmed, as `YYYY-MM-DDTHH:00:00Z`.
macro_rules! hour_of_confirmation {
    () => {
        "to_char(date_trunc('hour', confirmed_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD\"T\"HH24:00:00\"Z\"')"
    };
}
super::batch::record_batch_in!(Postgres);

#[async_trait]
impl Store for PostgresStore {
    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn insert_user(&self, user: &User, password_hash: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO users (id, email, password_hash, is_admin, created_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(user.id)
        .bind(user.email.as_str())
        .bind(password_hash)
        .bind(user.is_admin)
        .bind(user.created_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn user_credentials(&self, email: &Email) -> Result<Option<(User, String)>, StoreError> {
        let row: Option<CredentialsRow> = sqlx::query_as(
            "SELECT id, email, is_admin, created_at, password_hash FROM users WHERE email = $1",
        )
        .bind(email.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| Ok((r.user.try_into()?, r.password_hash)))
            .transpose()
    }

    async fn user(&self, id: Uuid) -> Result<Option<User>, StoreError> {
        let row: Option<UserRow> =
            sqlx::query_as("SELECT id, email, is_admin, created_at FROM users WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        row.map(User::try_from).transpose()
    }

    async fn insert_campaign(&self, campaign: &Campaign) -> Result<(), StoreError> {
        let values = CampaignValues::of(campaign);
        let mut tx = self.begin_write().await?;
        sqlx::query(concat!(
            "INSERT INTO campaigns (",
            campaign_columns!(),
            ", consent_version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, \
             $14, $15, $16, $17, $18, $19, $20)"
        ))
        .bind(campaign.id)
        .bind(campaign.slug.as_str())
        .bind(campaign.kind.as_str())
        .bind(campaign.title.as_str())
        .bind(campaign.summary.as_str())
        .bind(campaign.body.as_str())
        .bind(campaign.recipient.as_ref().map(|r| r.as_str()))
        .bind(values.target)
        .bind(values.milestones)
        .bind(campaign.closes_at)
        .bind(campaign.require_confirmation)
        .bind(values.allowed_origins)
        .bind(values.retention_days)
        .bind(campaign.status.as_str())
        .bind(campaign.owner_id)
        .bind(campaign.created_at)
        .bind(campaign.updated_at)
        .bind(campaign.opened_at)
        .bind(campaign.closed_at)
        .bind(values.consent_version)
        .execute(&mut *tx)
        .await?;
        insert_wording(&mut tx, campaign).await?;
        create_count_rows(&mut tx, campaign.id, campaign.created_at).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn campaign(&self, slug: &Slug) -> Result<Option<Campaign>, StoreError> {
        let row: Option<CampaignRow> =
            sqlx::query_as(concat!(campaign_select!(), " WHERE c.slug = $1"))
                .bind(slug.as_str())
                .fetch_optional(&self.pool)
                .await?;
        row.map(Campaign::try_from).transpose()
    }

    async fn opened_campaigns(&self) -> Result<Vec<Campaign>, StoreError> {
        let rows: Vec<CampaignRow> = sqlx::query_as(concat!(
            campaign_select!(),
            " WHERE c.status = 'open' ORDER BY c.created_at DESC, c.id DESC"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(Campaign::try_from).collect()
    }

    async fn campaigns_owned_by(&self, owner_id: Uuid) -> Result<Vec<Campaign>, StoreError> {
        let rows: Vec<CampaignRow> = sqlx::query_as(concat!(
            campaign_select!(),
            " WHERE c.owner_id = $1 ORDER BY c.created_at DESC, c.id DESC"
        ))
        .bind(owner_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(Campaign::try_from).collect()
    }

    async fn update_campaign(
        &self,
        campaign: &Campaign,
        expected_status: CampaignStatus,
    ) -> Result<(), StoreError> {
        let values = CampaignValues::of(campaign);
        let mut tx = self.begin_write().await?;
        insert_wording(&mut tx, campaign).await?;
        let result = sqlx::query(
            "UPDATE campaigns SET title = $3, summary = $4, body = $5, recipient = $6,
                target = $7, milestones = $8, closes_at = $9, require_confirmation = $10,
                allowed_origins = $11, retention_days = $12, status = $13, updated_at = $14,
                opened_at = $15, closed_at = $16, consent_version = $17
             WHERE id = $1 AND status = $2",
        )
        .bind(campaign.id)
        .bind(expected_status.as_str())
        .bind(campaign.title.as_str())
        .bind(campaign.summary.as_str())
        .bind(campaign.body.as_str())
        .bind(campaign.recipient.as_ref().map(|r| r.as_str()))
        .bind(values.target)
        .bind(values.milestones)
        .bind(campaign.closes_at)
        .bind(campaign.require_confirmation)
        .bind(values.allowed_origins)
        .bind(values.retention_days)
        .bind(campaign.status.as_str())
        .bind(campaign.updated_at)
        .bind(campaign.opened_at)
        .bind(campaign.closed_at)
        .bind(values.consent_version)
        .execute(&mut *tx)
        .await?;
        if result.rows_affected() == 0 {
            return Err(StoreError::Conflict("campaigns.status".into()));
        }
        announce(&mut tx, campaign.id).await?;
        tx.commit().await?;
        Ok(())
    }

    fn parallel_writes(&self) -> usize {
        4
    }

    async fn record_signature(
        &self,
        submission: &SignatureSubmission,
    ) -> Result<SignOutcome, StoreError> {
        Ok(self
            .record_signatures(std::slice::from_ref(submission))
            .await?[0])
    }

    async fn record_signatures(
        &self,
        batch: &[SignatureSubmission],
    ) -> Result<Vec<SignOutcome>, StoreError> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.begin_write().await?;
        let outcomes = record_batch_in(&mut tx, &self.email_hasher, batch).await?;
        tx.commit().await?;
        Ok(outcomes)
    }

    async fn confirm_signature(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<TokenUse>, StoreError> {
        let mut tx = self.begin_write().await?;
        let Some((row, target)) =
            token_target_in(&mut tx, token_hash, TokenPurpose::Confirm, now).await?
        else {
            return Ok(None);
        };
        if target.previous == SignatureStatus::Pending {
            let confirmed = sqlx::query(
                "UPDATE signatures SET status = 'confirmed', confirmed_at = $2
                 WHERE id = $1 AND status = 'pending'",
            )
            .bind(row.signature_id)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if confirmed == 1 {
                let kind = row.kind()?;
                let delta = CountDelta::of(SignatureStatus::Pending, kind, -1).plus(
                    CountDelta::of_reviewed(SignatureStatus::Confirmed, row.rejected(), kind, 1),
                );
                apply_count(&mut tx, row.campaign_id, delta, now).await?;
            }
        }
        tx.commit().await?;
        Ok(Some(target))
    }

    async fn withdraw_signature(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<TokenUse>, StoreError> {
        let mut tx = self.begin_write().await?;
        let Some((row, target)) =
            token_target_in(&mut tx, token_hash, TokenPurpose::Withdraw, now).await?
        else {
            return Ok(None);
        };
        if matches!(
            target.previous,
            SignatureStatus::Pending | SignatureStatus::Confirmed
        ) {
            let withdrawn = sqlx::query(
                "UPDATE signatures SET status = 'withdrawn', withdrawn_at = $2, email = NULL,
                     name = NULL, postcode = NULL, organisation = NULL, organisation_key = NULL,
                     role = NULL
                 WHERE id = $1 AND status IN ('pending', 'confirmed')",
            )
            .bind(row.signature_id)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if withdrawn == 0 {
                // Another request withdrew or confirmed it first; nothing is left to do here.
                tx.commit().await?;
                return Ok(Some(target));
            }
            sqlx::query(
                "DELETE FROM signature_tokens WHERE signature_id = $1 AND purpose = 'confirm'",
            )
            .bind(row.signature_id)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "DELETE FROM outbox WHERE signature_id = $1 AND sent_at IS NULL AND failed_at IS NULL",
            )
            .bind(row.signature_id)
            .execute(&mut *tx)
            .await?;
            let delta = CountDelta::of_reviewed(target.previous, row.rejected(), row.kind()?, -1);
            apply_count(&mut tx, row.campaign_id, delta, now).await?;
        }
        tx.commit().await?;
        Ok(Some(target))
    }

    async fn token_target(
        &self,
        token_hash: &str,
        purpose: TokenPurpose,
        now: DateTime<Utc>,
    ) -> Result<Option<TokenUse>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let target = token_target_in(&mut tx, token_hash, purpose, now).await?;
        tx.commit().await?;
        Ok(target.map(|(_, target)| target))
    }

    async fn claim_emails(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<QueuedEmail>, StoreError> {
        let claim = Uuid::now_v7().to_string();
        sqlx::query(
            "UPDATE outbox SET lease_until = $2, claim_id = $3
             WHERE id IN (
                 SELECT id FROM outbox
                 WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $1
                   AND (lease_until IS NULL OR lease_until <= $1)
                 ORDER BY next_attempt_at
                 LIMIT $4
                 FOR UPDATE SKIP LOCKED)",
        )
        .bind(now)
        .bind(lease_until)
        .bind(&claim)
        .bind(i64::from(limit))
        .execute(&self.pool)
        .await?;
        let rows: Vec<QueuedEmailRow> = sqlx::query_as(
            "SELECT o.id, o.kind, o.recipient, s.name AS signer_name, o.confirm_token,
                    o.withdraw_token, o.attempts, o.created_at, c.slug AS campaign_slug,
                    c.title AS campaign_title
             FROM outbox o
             JOIN signatures s ON s.id = o.signature_id
             JOIN campaigns c ON c.id = s.campaign_id
             WHERE o.claim_id = $1 AND o.sent_at IS NULL AND o.failed_at IS NULL",
        )
        .bind(&claim)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(QueuedEmail::try_from).collect()
    }

    async fn emails_sent(&self, ids: &[Uuid], now: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE outbox SET sent_at = $2, attempts = attempts + 1, lease_until = NULL,
                 recipient = NULL, confirm_token = NULL, withdraw_token = NULL
             WHERE id = ANY($1)",
        )
        .bind(ids)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn email_not_sent(
        &self,
        id: Uuid,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let query = match retry_at {
            Some(_) => {
                "UPDATE outbox SET attempts = attempts + 1, last_error = $2, next_attempt_at = $3,
                     lease_until = NULL
                 WHERE id = $1"
            }
            None => {
                "UPDATE outbox SET attempts = attempts + 1, last_error = $2, failed_at = $4,
                     lease_until = NULL, recipient = NULL, confirm_token = NULL,
                     withdraw_token = NULL
                 WHERE id = $1"
            }
        };
        sqlx::query(query)
            .bind(id)
            .bind(error)
            .bind(retry_at)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn campaign_count(&self, campaign_id: Uuid) -> Result<CountSnapshot, StoreError> {
        let mut tx = self.pool.begin().await?;
        let count = stored_count(&mut tx, campaign_id).await?;
        tx.commit().await?;
        Ok(count)
    }

    async fn campaign_by_id(&self, id: Uuid) -> Result<Option<Campaign>, StoreError> {
        let row: Option<CampaignRow> =
            sqlx::query_as(concat!(campaign_select!(), " WHERE c.id = $1"))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        row.map(Campaign::try_from).transpose()
    }

    async fn campaign_slugs(&self) -> Result<Vec<(Uuid, String)>, StoreError> {
        Ok(
            sqlx::query_as("SELECT id, slug FROM campaigns ORDER BY created_at, id")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    async fn reach_milestones(
        &self,
        campaign_id: Uuid,
        reached: &[u64],
        now: DateTime<Utc>,
    ) -> Result<Vec<(u64, DateTime<Utc>)>, StoreError> {
        let mut tx = self.pool.begin().await?;
        for count in reached {
            sqlx::query(
                "INSERT INTO campaign_milestones (campaign_id, count, reached_at) VALUES ($1, $2, $3)
                 ON CONFLICT (campaign_id, count) DO NOTHING",
            )
            .bind(campaign_id)
            .bind(*count as i64)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        let rows: Vec<(i64, DateTime<Utc>)> = sqlx::query_as(
            "SELECT count, reached_at FROM campaign_milestones WHERE campaign_id = $1 ORDER BY count",
        )
        .bind(campaign_id)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(rows.into_iter().map(|(c, at)| (c as u64, at)).collect())
    }

    async fn recount(&self, campaign_id: Uuid, now: DateTime<Utc>) -> Result<Recount, StoreError> {
        let mut tx = self.begin_write().await?;
        create_count_rows(&mut tx, campaign_id, now).await?;
        lock_count_rows(&mut tx, campaign_id).await?;
        let stored = stored_count(&mut tx, campaign_id).await?;
        let actual: CountRow = sqlx::query_as(
            "SELECT
                 CAST(COALESCE(SUM(CASE WHEN status = 'confirmed' AND review <> 'rejected'
                                   AND signatory_type = 'individual'
                                   THEN 1 ELSE 0 END), 0) AS BIGINT) AS confirmed_individuals,
                 CAST(COALESCE(SUM(CASE WHEN status = 'confirmed' AND review <> 'rejected'
                                   AND signatory_type = 'organisation'
                                   THEN 1 ELSE 0 END), 0) AS BIGINT) AS confirmed_organisations,
                 CAST(COALESCE(SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END), 0) AS BIGINT)
                     AS pending,
                 MAX(signed_at) AS updated_at
             FROM signatures WHERE campaign_id = $1",
        )
        .bind(campaign_id)
        .fetch_one(&mut *tx)
        .await?;
        let recount = Recount {
            stored,
            actual: actual.into(),
        };
        if recount.drifted() {
            // All of the true count goes in row 0; the others start again from nothing.
            sqlx::query(
                "UPDATE campaign_counts SET
                     confirmed_individuals = CASE WHEN shard = 0 THEN $2 ELSE 0 END,
                     confirmed_organisations = CASE WHEN shard = 0 THEN $3 ELSE 0 END,
                     pending = CASE WHEN shard = 0 THEN $4 ELSE 0 END,
                     updated_at = $5
                 WHERE campaign_id = $1",
            )
            .bind(campaign_id)
            .bind(recount.actual.confirmed_individuals as i64)
            .bind(recount.actual.confirmed_organisations as i64)
            .bind(recount.actual.pending as i64)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            announce(&mut tx, campaign_id).await?;
        }
        tx.commit().await?;
        Ok(recount)
    }

    async fn tally(&self, campaign_id: Uuid) -> Result<TallyRows, StoreError> {
        let by_source: Vec<(Option<String>, i64)> = sqlx::query_as(
            "SELECT source, COUNT(*) AS n FROM signatures
             WHERE campaign_id = $1 AND status = 'confirmed'
             GROUP BY source ORDER BY n DESC, source",
        )
        .bind(campaign_id)
        .fetch_all(&self.pool)
        .await?;
        let by_country: Vec<(String, i64)> = sqlx::query_as(
            "SELECT country, COUNT(*) AS n FROM signatures
             WHERE campaign_id = $1 AND status = 'confirmed'
             GROUP BY country ORDER BY n DESC, country",
        )
        .bind(campaign_id)
        .fetch_all(&self.pool)
        .await?;
        let by_postcode_area: Vec<(Option<String>, i64)> = sqlx::query_as(
            "SELECT postcode_area, COUNT(*) AS n FROM signatures
             WHERE campaign_id = $1 AND status = 'confirmed'
             GROUP BY postcode_area ORDER BY n DESC, postcode_area",
        )
        .bind(campaign_id)
        .fetch_all(&self.pool)
        .await?;
        let by_hour: Vec<(String, i64)> = sqlx::query_as(concat!(
            "SELECT ",
            hour_of_confirmation!(),
            " AS hour, COUNT(*) AS n FROM signatures
             WHERE campaign_id = $1 AND status = 'confirmed'
             GROUP BY hour ORDER BY hour"
        ))
        .bind(campaign_id)
        .fetch_all(&self.pool)
        .await?;
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        Ok(TallyRows {
            by_source: by_source.into_iter().map(|(k, n)| (k, count(n))).collect(),
            by_country: by_country.into_iter().map(|(k, n)| (k, count(n))).collect(),
            by_postcode_area: by_postcode_area
                .into_iter()
                .map(|(k, n)| (k, count(n)))
                .collect(),
            by_hour: by_hour.into_iter().map(|(k, n)| (k, count(n))).collect(),
        })
    }

    async fn watch_changes(&self, changes: UnboundedSender<Uuid>) {
        let pool = self.pool.clone();
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

    async fn announce_changes(&self, campaign_ids: &[Uuid]) -> Result<(), StoreError> {
        for id in campaign_ids {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(CHANGES_CHANNEL)
                .bind(id.to_string())
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    async fn signatures(
        &self,
        campaign_id: Uuid,
        filter: SignatureFilter,
        after: Option<Uuid>,
        limit: u32,
    ) -> Result<Vec<SignatureRecord>, StoreError> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            signature_columns!(),
            " FROM signatures
             WHERE campaign_id = $1
               AND (($2 IS NULL AND status <> 'spam') OR status = $2)
               AND ($3 = FALSE OR contact = TRUE)
               AND ($4 IS NULL OR id > $4)
             ORDER BY id LIMIT $5"
        ))
        .bind(campaign_id)
        .bind(filter.status.map(|s| s.as_str()))
        .bind(filter.contact_only)
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?)
    }

    fn export_signatures(
        &self,
        campaign_id: Uuid,
        filter: SignatureFilter,
    ) -> BoxStream<'static, Result<SignatureRecord, StoreError>> {
        let pool = self.pool.clone();
        // The cursor lives in its own task and hands rows over a small channel: it reads only
        // as fast as the consumer takes them.
        let (rows_out, rows_in) = tokio::sync::mpsc::channel(256);
        tokio::spawn(async move {
            let mut rows = sqlx::query_as::<_, SignatureRecord>(concat!(
                "SELECT ",
                signature_columns!(),
                " FROM signatures
                 WHERE campaign_id = $1
                   AND (($2 IS NULL AND status <> 'spam') OR status = $2)
                   AND ($3 = FALSE OR contact = TRUE)
                 ORDER BY id"
            ))
            .bind(campaign_id)
            .bind(filter.status.map(|s| s.as_str()))
            .bind(filter.contact_only)
            .fetch(&pool);
            while let Some(row) = rows.next().await {
                let failed = row.is_err();
                if rows_out.send(row.map_err(StoreError::from)).await.is_err() || failed {
                    break;
                }
            }
        });
        futures_util::stream::unfold(rows_in, |mut rows| async move {
            rows.recv().await.map(|row| (row, rows))
        })
        .boxed()
    }

    async fn review_signature(
        &self,
        campaign_id: Uuid,
        signature_id: Uuid,
        review: Review,
        now: DateTime<Utc>,
    ) -> Result<Option<SignatureRecord>, StoreError> {
        let mut tx = self.begin_write().await?;
        let Some(state) = signature_state(&mut tx, campaign_id, signature_id).await? else {
            return Ok(None);
        };
        sqlx::query("UPDATE signatures SET review = $2 WHERE id = $1")
            .bind(signature_id)
            .bind(review.as_str())
            .execute(&mut *tx)
            .await?;
        let status = state.status()?;
        let delta = CountDelta::of_reviewed(status, state.rejected(), state.kind()?, -1).plus(
            CountDelta::of_reviewed(status, review == Review::Rejected, state.kind()?, 1),
        );
        apply_count(&mut tx, campaign_id, delta, now).await?;
        let record = sqlx::query_as(concat!(
            "SELECT ",
            signature_columns!(),
            " FROM signatures WHERE id = $1"
        ))
        .bind(signature_id)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(record))
    }

    async fn erase_signature(
        &self,
        campaign_id: Uuid,
        signature_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let Some(state) = signature_state(&mut tx, campaign_id, signature_id).await? else {
            return Ok(false);
        };
        sqlx::query(
            "UPDATE signatures SET
                 status = CASE WHEN status IN ('pending', 'confirmed') THEN 'withdrawn' ELSE status END,
                 withdrawn_at = COALESCE(withdrawn_at, $2), email = NULL, name = NULL,
                 postcode = NULL, organisation = NULL, organisation_key = NULL, role = NULL
             WHERE id = $1",
        )
        .bind(signature_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM signature_tokens WHERE signature_id = $1")
            .bind(signature_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM outbox WHERE signature_id = $1")
            .bind(signature_id)
            .execute(&mut *tx)
            .await?;
        let delta = CountDelta::of_reviewed(state.status()?, state.rejected(), state.kind()?, -1);
        apply_count(&mut tx, campaign_id, delta, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn public_signatories(
        &self,
        campaign_id: Uuid,
        approved_only: bool,
        offset: u64,
        limit: u32,
    ) -> Result<Vec<PublicSignatory>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT name, role, organisation, signatory_type, signed_at FROM signatures
             WHERE campaign_id = $1 AND status = 'confirmed' AND public = TRUE
               AND name IS NOT NULL
               AND (($2 = TRUE AND review = 'approved') OR ($2 = FALSE AND review <> 'rejected'))
             ORDER BY CASE signatory_type WHEN 'organisation' THEN 0 ELSE 1 END, signed_at, id
             LIMIT $3 OFFSET $4",
        )
        .bind(campaign_id)
        .bind(approved_only)
        .bind(i64::from(limit))
        .bind(i64::try_from(offset).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?)
    }

    async fn purge_campaign(
        &self,
        campaign_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let holding: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM signatures
             WHERE campaign_id = $1 AND (email IS NOT NULL OR postcode IS NOT NULL)",
        )
        .bind(campaign_id)
        .fetch_one(&mut *tx)
        .await?;
        // A name stays only where it is published: confirmed, consented, and for a letter
        // approved (for a petition, not rejected).
        sqlx::query(
            "UPDATE signatures SET email = NULL, postcode = NULL, organisation_key = NULL,
                 name = CASE WHEN published THEN name END,
                 organisation = CASE WHEN published THEN organisation END,
                 role = CASE WHEN published THEN role END
             FROM (SELECT s.id AS published_id,
                          (s.status = 'confirmed' AND s.public = TRUE AND
                           ((c.kind = 'letter' AND s.review = 'approved') OR
                            (c.kind = 'petition' AND s.review <> 'rejected'))) AS published
                   FROM signatures s JOIN campaigns c ON c.id = s.campaign_id
                   WHERE s.campaign_id = $1) AS p
             WHERE signatures.id = p.published_id",
        )
        .bind(campaign_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "DELETE FROM signature_tokens
             WHERE signature_id IN (SELECT id FROM signatures WHERE campaign_id = $1)",
        )
        .bind(campaign_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "DELETE FROM outbox WHERE signature_id IN (SELECT id FROM signatures WHERE campaign_id = $1)",
        )
        .bind(campaign_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE campaigns SET purged_at = $2 WHERE id = $1")
            .bind(campaign_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(u64::try_from(holding).unwrap_or(0))
    }

    async fn record_audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO audit_log (id, at, actor_id, action, campaign_id, signature_id, rows, detail)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(entry.id)
        .bind(entry.at)
        .bind(entry.actor_id)
        .bind(&entry.action)
        .bind(entry.campaign_id)
        .bind(entry.signature_id)
        .bind(entry.rows)
        .bind(&entry.detail)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn audit_log(
        &self,
        before: Option<Uuid>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, at, actor_id, action, campaign_id, signature_id, rows, detail FROM audit_log
             WHERE ($1 IS NULL OR id < $1) ORDER BY id DESC LIMIT $2",
        )
        .bind(before)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?)
    }

    async fn insert_partner(
        &self,
        campaign_id: Uuid,
        partner: &NewPartner,
        key_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        insert_partner_in(&self.pool, campaign_id, partner, key_hash, now).await
    }

    async fn partners(&self, campaign_id: Uuid) -> Result<Vec<PartnerSummary>, StoreError> {
        partners_in(&self.pool, campaign_id).await
    }

    async fn revoke_partner(
        &self,
        campaign_id: Uuid,
        code: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        revoke_partner_in(&self.pool, campaign_id, code, now).await
    }

    async fn key_holder(&self, key_hash: &str) -> Result<Option<KeyHolder>, StoreError> {
        key_holder_in(&self.pool, key_hash).await
    }
}

/// Locks every count row of a campaign (all exist: they are made with the campaign), so that
/// signings in flight finish first and new ones wait until the recount commits.
async fn lock_count_rows(
    tx: &mut Transaction<'static, Postgres>,
    campaign_id: Uuid,
) -> Result<(), StoreError> {
    sqlx::query("SELECT shard FROM campaign_counts WHERE campaign_id = $1 FOR UPDATE")
        .bind(campaign_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Forwards notifications until the listener fails (`Err`) or no one wants them (`Ok`).
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

/// A signature's state inside a write transaction (and, on PostgreSQL, locked until it ends).
async fn signature_state(
    tx: &mut Transaction<'static, Postgres>,
    campaign_id: Uuid,
    signature_id: Uuid,
) -> Result<Option<SignatureStateRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT status, review, signatory_type FROM signatures WHERE id = $1 AND campaign_id = $2
         FOR UPDATE",
    )
    .bind(signature_id)
    .bind(campaign_id)
    .fetch_optional(&mut **tx)
    .await?)
}

super::partners::partner_queries!(PgPool);
/// Writes what a batch queued: one statement per table whatever the batch's size, each row's
/// values passed as arrays, so every batch runs the same prepared statement and plan.
async fn write_queued(
    tx: &mut Transaction<'static, Postgres>,
    writes: QueuedWrites,
) -> Result<(), StoreError> {
    let QueuedWrites { tokens, emails } = writes;
    if !tokens.is_empty() {
        let (mut hashes, mut signatures, mut purposes, mut expiries) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for token in tokens {
            hashes.push(token.hash);
            signatures.push(token.signature_id);
            purposes.push(token.purpose.as_str());
            expiries.push(token.expires_at);
        }
        sqlx::query(
            "INSERT INTO signature_tokens (token_hash, signature_id, purpose, expires_at)
             SELECT * FROM UNNEST($1::text[], $2::uuid[], $3::text[], $4::timestamptz[])",
        )
        .bind(hashes)
        .bind(signatures)
        .bind(purposes)
        .bind(expiries)
        .execute(&mut **tx)
        .await?;
    }
    if !emails.is_empty() {
        let mut columns = OutboxColumns::default();
        for email in emails {
            columns.ids.push(email.id);
            columns.signatures.push(email.signature_id);
            columns.kinds.push(email.kind.as_str());
            columns.recipients.push(email.recipient);
            columns.confirm_tokens.push(email.confirm_token);
            columns.withdraw_tokens.push(email.withdraw_token);
            columns.created.push(email.created_at);
        }
        sqlx::query(
            "INSERT INTO outbox (id, signature_id, kind, recipient, confirm_token, withdraw_token,
                                 created_at, attempts, next_attempt_at)
             SELECT id, signature_id, kind, recipient, confirm_token, withdraw_token,
                    created_at, 0, created_at
             FROM UNNEST($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[],
                         $7::timestamptz[])
                  AS e (id, signature_id, kind, recipient, confirm_token, withdraw_token, created_at)",
        )
        .bind(columns.ids)
        .bind(columns.signatures)
        .bind(columns.kinds)
        .bind(columns.recipients)
        .bind(columns.confirm_tokens)
        .bind(columns.withdraw_tokens)
        .bind(columns.created)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

#[derive(Default)]
struct OutboxColumns {
    ids: Vec<Uuid>,
    signatures: Vec<Uuid>,
    kinds: Vec<&'static str>,
    recipients: Vec<String>,
    confirm_tokens: Vec<Option<String>>,
    withdraw_tokens: Vec<String>,
    created: Vec<DateTime<Utc>>,
}

/// A batch's signatures as columns, for `UNNEST`.
#[derive(Default)]
struct SignatureColumns {
    ids: Vec<Uuid>,
    campaigns: Vec<Uuid>,
    email_hashes: Vec<String>,
    emails: Vec<String>,
    names: Vec<String>,
    postcodes: Vec<Option<String>>,
    postcode_areas: Vec<Option<String>>,
    countries: Vec<String>,
    kinds: Vec<&'static str>,
    organisations: Vec<Option<String>>,
    organisation_keys: Vec<Option<String>>,
    roles: Vec<Option<String>>,
    public: Vec<bool>,
    contact: Vec<bool>,
    consent_versions: Vec<i32>,
    sources: Vec<Option<String>>,
    statuses: Vec<&'static str>,
    emails_sent: Vec<i32>,
    signed: Vec<DateTime<Utc>>,
    confirmed: Vec<Option<DateTime<Utc>>>,
}

/// Inserts a batch's signatures with one statement, skipping each whose email has already
/// signed the campaign (earlier in the batch included), and returns the ids of those inserted.
async fn insert_signatures(
    tx: &mut Transaction<'static, Postgres>,
    rows: &[NewSignatureRow],
) -> Result<std::collections::HashSet<Uuid>, StoreError> {
    let mut c = SignatureColumns::default();
    for s in rows {
        c.ids.push(s.id);
        c.campaigns.push(s.campaign_id);
        c.email_hashes.push(s.email_hash.clone());
        c.emails.push(s.email.clone());
        c.names.push(s.name.clone());
        c.postcodes.push(s.postcode.clone());
        c.postcode_areas.push(s.postcode_area.clone());
        c.countries.push(s.country.clone());
        c.kinds.push(s.kind.as_str());
        c.organisations.push(s.organisation.clone());
        c.organisation_keys.push(s.organisation_key.clone());
        c.roles.push(s.role.clone());
        c.public.push(s.public);
        c.contact.push(s.contact);
        c.consent_versions.push(s.consent_version);
        c.sources.push(s.source.clone());
        c.statuses.push(s.status.as_str());
        c.emails_sent.push(i32::from(s.first_email.is_some()));
        c.signed.push(s.signed_at);
        c.confirmed
            .push((s.status == SignatureStatus::Confirmed).then_some(s.signed_at));
    }
    let ids: Vec<(Uuid,)> = sqlx::query_as(
        "INSERT INTO signatures (id, campaign_id, email_hash, email, name, postcode, postcode_area,
                                 country, signatory_type, organisation, organisation_key, role,
                                 public, contact, consent_version, source, status, review,
                                 possible_duplicate, emails_sent, signed_at, confirmed_at)
         SELECT id, campaign_id, email_hash, email, name, postcode, postcode_area, country,
                signatory_type, organisation, organisation_key, role, public, contact,
                consent_version, source, status, 'pending', FALSE, emails_sent, signed_at,
                confirmed_at
         FROM UNNEST($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[],
                     $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[],
                     $13::bool[], $14::bool[], $15::int4[], $16::text[], $17::text[],
                     $18::int4[], $19::timestamptz[], $20::timestamptz[])
              AS s (id, campaign_id, email_hash, email, name, postcode, postcode_area, country,
                    signatory_type, organisation, organisation_key, role, public, contact,
                    consent_version, source, status, emails_sent, signed_at, confirmed_at)
         ON CONFLICT DO NOTHING
         RETURNING id",
    )
    .bind(c.ids)
    .bind(c.campaigns)
    .bind(c.email_hashes)
    .bind(c.emails)
    .bind(c.names)
    .bind(c.postcodes)
    .bind(c.postcode_areas)
    .bind(c.countries)
    .bind(c.kinds)
    .bind(c.organisations)
    .bind(c.organisation_keys)
    .bind(c.roles)
    .bind(c.public)
    .bind(c.contact)
    .bind(c.consent_versions)
    .bind(c.sources)
    .bind(c.statuses)
    .bind(c.emails_sent)
    .bind(c.signed)
    .bind(c.confirmed)
    .fetch_all(&mut **tx)
    .await?;
    Ok(ids.into_iter().map(|(id,)| id).collect())
}

super::batch::settle!(Postgres, " FOR UPDATE");
