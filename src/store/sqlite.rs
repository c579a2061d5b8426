//! SQLite, the embedded default: one file, WAL mode, every commit synced (`synchronous=FULL`)
//! so that an acknowledged write survives a crash or power cut.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use uuid::Uuid;

use super::rows::{CampaignRow, CampaignValues, CredentialsRow, UserRow, campaign_columns};
use super::{Store, StoreError};
use crate::config::DatabaseUrl;
use crate::domain::{Campaign, CampaignStatus, Email, Slug, User};

pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    pub async fn connect(url: &DatabaseUrl) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url.expose())?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await?;
        sqlx::migrate!("migrations/sqlite")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Internal(Box::new(e)))?;
        Ok(Self { pool })
    }
}

#[async_trait]
impl Store for SqliteStore {
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
        sqlx::query(concat!(
            "INSERT INTO campaigns (",
            campaign_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)"
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
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn campaign(&self, slug: &Slug) -> Result<Option<Campaign>, StoreError> {
        let row: Option<CampaignRow> = sqlx::query_as(concat!(
            "SELECT ",
            campaign_columns!(),
            " FROM campaigns WHERE slug = $1"
        ))
        .bind(slug.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.map(Campaign::try_from).transpose()
    }

    async fn opened_campaigns(&self) -> Result<Vec<Campaign>, StoreError> {
        let rows: Vec<CampaignRow> = sqlx::query_as(concat!(
            "SELECT ",
            campaign_columns!(),
            " FROM campaigns WHERE status = 'open' ORDER BY created_at DESC, id DESC"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(Campaign::try_from).collect()
    }

    async fn campaigns_owned_by(&self, owner_id: Uuid) -> Result<Vec<Campaign>, StoreError> {
        let rows: Vec<CampaignRow> = sqlx::query_as(concat!(
            "SELECT ",
            campaign_columns!(),
            " FROM campaigns WHERE owner_id = $1 ORDER BY created_at DESC, id DESC"
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
        let result = sqlx::query(
            "UPDATE campaigns SET title = $3, summary = $4, body = $5, recipient = $6,
                target = $7, milestones = $8, closes_at = $9, require_confirmation = $10,
                allowed_origins = $11, retention_days = $12, status = $13, updated_at = $14,
                opened_at = $15, closed_at = $16
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
        .execute(&self.pool)
        .await?;
        if result.rows_affected() == 0 {
            return Err(StoreError::Conflict("campaigns.status".into()));
        }
        Ok(())
    }
}
