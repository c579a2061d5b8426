//! Partner queries, the same SQL on both backends: the macro writes them once for each
//! backend's pool type, and each store's trait methods call them.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{StoreError, corrupt};
use crate::domain::{KeyHolder, PartnerSummary, SourceCode};

#[derive(sqlx::FromRow)]
pub(super) struct PartnerRow {
    code: String,
    name: String,
    created_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
    signatures: i64,
    pending: i64,
}

impl From<PartnerRow> for PartnerSummary {
    fn from(row: PartnerRow) -> Self {
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        PartnerSummary {
            code: row.code,
            name: row.name,
            created_at: row.created_at,
            revoked_at: row.revoked_at,
            signatures: count(row.signatures),
            pending: count(row.pending),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct KeyHolderRow {
    campaign_id: Uuid,
    code: String,
}

impl TryFrom<KeyHolderRow> for KeyHolder {
    type Error = StoreError;

    fn try_from(row: KeyHolderRow) -> Result<Self, StoreError> {
        Ok(KeyHolder {
            campaign_id: row.campaign_id,
            code: SourceCode::parse(&row.code).map_err(|e| corrupt("partner code", e))?,
        })
    }
}

macro_rules! partner_queries {
    ($Pool:ty) => {
        /// A new partner, or a new key and name for one whose key was revoked; `Conflict` if
        /// the campaign already has a partner with this code and a live key.
        async fn insert_partner_in(
            pool: &$Pool,
            campaign_id: Uuid,
            partner: &crate::domain::NewPartner,
            key_hash: &str,
            now: DateTime<Utc>,
        ) -> Result<(), StoreError> {
            let done = sqlx::query(
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
            .execute(pool)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::Conflict("partners_pkey".into()));
            }
            Ok(())
        }

        async fn partners_in(
            pool: &$Pool,
            campaign_id: Uuid,
        ) -> Result<Vec<crate::domain::PartnerSummary>, StoreError> {
            let rows: Vec<super::partners::PartnerRow> = sqlx::query_as(
                "SELECT p.code, p.name, p.created_at, p.revoked_at,
                        COALESCE(SUM(CASE WHEN s.status = 'confirmed' THEN 1 ELSE 0 END), 0)
                            AS signatures,
                        COALESCE(SUM(CASE WHEN s.status = 'pending' THEN 1 ELSE 0 END), 0)
                            AS pending
                 FROM partners p
                 LEFT JOIN signatures s ON s.campaign_id = p.campaign_id AND s.source = p.code
                     AND s.review <> 'rejected'
                 WHERE p.campaign_id = $1
                 GROUP BY p.code, p.name, p.created_at, p.revoked_at
                 ORDER BY p.created_at, p.code",
            )
            .bind(campaign_id)
            .fetch_all(pool)
            .await?;
            Ok(rows.into_iter().map(Into::into).collect())
        }

        async fn revoke_partner_in(
            pool: &$Pool,
            campaign_id: Uuid,
            code: &str,
            now: DateTime<Utc>,
        ) -> Result<bool, StoreError> {
            let done = sqlx::query(
                "UPDATE partners SET revoked_at = $3
                 WHERE campaign_id = $1 AND code = $2 AND revoked_at IS NULL",
            )
            .bind(campaign_id)
            .bind(code)
            .bind(now)
            .execute(pool)
            .await?;
            Ok(done.rows_affected() > 0)
        }

        async fn key_holder_in(
            pool: &$Pool,
            key_hash: &str,
        ) -> Result<Option<crate::domain::KeyHolder>, StoreError> {
            let row: Option<super::partners::KeyHolderRow> = sqlx::query_as(
                "SELECT campaign_id, code FROM partners WHERE key_hash = $1 AND revoked_at IS NULL",
            )
            .bind(key_hash)
            .fetch_optional(pool)
            .await?;
            row.map(TryInto::try_into).transpose()
        }
    };
}
pub(super) use partner_queries;
