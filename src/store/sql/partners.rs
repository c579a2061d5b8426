//! Partners and the hashes of their API keys.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{SqlStore, count};
use crate::domain::{KeyHolder, NewPartner, PartnerSummary, SourceCode};
use crate::store::dialect::{Backend, sql};
use crate::store::{Partners, StoreError, corrupt};

#[derive(sqlx::FromRow)]
struct PartnerRow {
    code: String,
    name: String,
    created_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
    signatures: i64,
    pending: i64,
}

#[async_trait]
impl<B: Backend> Partners for SqlStore<B> {
    async fn insert_partner(
        &self,
        campaign_id: Uuid,
        partner: &NewPartner,
        key_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let stored = sql::<B>(
            "INSERT INTO partners (campaign_id, code, name, key_hash, created_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (campaign_id, code) DO UPDATE
             SET name = excluded.name, key_hash = excluded.key_hash,
                 created_at = excluded.created_at, revoked_at = NULL
             WHERE partners.revoked_at IS NOT NULL",
        )
        .bind(campaign_id)
        .bind(partner.code.as_str())
        .bind(partner.name.as_str())
        .bind(key_hash)
        .bind(now)
        .execute(&mut *self.conn().await?)
        .await?;
        if stored == 0 {
            return Err(StoreError::Conflict("partners_pkey".into()));
        }
        Ok(())
    }

    async fn partners(&self, campaign_id: Uuid) -> Result<Vec<PartnerSummary>, StoreError> {
        let rows: Vec<PartnerRow> = sql::<B>(
            "SELECT p.code, p.name, p.created_at, p.revoked_at,
                    COALESCE(SUM(CASE WHEN s.status = 'confirmed' THEN 1 ELSE 0 END), 0)
                        AS signatures,
                    COALESCE(SUM(CASE WHEN s.status = 'pending' THEN 1 ELSE 0 END), 0)
                        AS pending
             FROM partners p
             LEFT JOIN signatures s ON s.campaign_id = p.campaign_id AND s.source = p.code
                 AND s.review IN ('pending', 'approved')
             WHERE p.campaign_id = $1
             GROUP BY p.code, p.name, p.created_at, p.revoked_at
             ORDER BY p.created_at, p.code",
        )
        .bind(campaign_id)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| PartnerSummary {
                code: row.code,
                name: row.name,
                created_at: row.created_at,
                revoked_at: row.revoked_at,
                signatures: count(row.signatures),
                pending: count(row.pending),
            })
            .collect())
    }

    async fn revoke_partner(
        &self,
        campaign_id: Uuid,
        code: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let revoked = sql::<B>(
            "UPDATE partners SET revoked_at = $3
             WHERE campaign_id = $1 AND code = $2 AND revoked_at IS NULL",
        )
        .bind(campaign_id)
        .bind(code)
        .bind(now)
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(revoked > 0)
    }

    async fn key_holder(&self, key_hash: &str) -> Result<Option<KeyHolder>, StoreError> {
        let row: Option<(Uuid, String)> = sql::<B>(
            "SELECT campaign_id, code FROM partners WHERE key_hash = $1 AND revoked_at IS NULL",
        )
        .bind(key_hash)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        row.map(|(campaign_id, code)| {
            Ok(KeyHolder {
                campaign_id,
                code: SourceCode::parse(&code).map_err(|e| corrupt("partner code", e))?,
            })
        })
        .transpose()
    }
}
