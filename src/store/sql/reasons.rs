//! Reasons for signing: held for the organisers, shown once approved, reported by anyone.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::SqlStore;
use crate::store::dialect::{Backend, sql, sql_built};
use crate::store::{ReasonDecision, ReasonRecord, Reasons, StoreError};

/// A reason with what the organisers and the public need of its signature; then a `WHERE`.
const REASON_SELECT: &str = "SELECT r.signature_id AS id, r.text, r.shown_as, r.review,
        r.featured, r.reports, r.created_at, s.name, s.constituency,
        s.status = 'confirmed' AND s.review IN ('pending', 'approved') AS counted
    FROM signature_reasons r JOIN signatures s ON s.id = r.signature_id";

#[async_trait]
impl<B: Backend> Reasons for SqlStore<B> {
    async fn reasons(
        &self,
        campaign_id: Uuid,
        review: Option<&str>,
        public: bool,
        limit: u32,
    ) -> Result<Vec<ReasonRecord>, StoreError> {
        let shown = if public {
            "AND r.review = 'approved' AND s.status = 'confirmed'
             AND s.review IN ('pending', 'approved')"
        } else {
            ""
        };
        sql_built::<B>(format!(
            "{REASON_SELECT} WHERE r.campaign_id = $1 AND ($2 IS NULL OR r.review = $2) {shown}
             ORDER BY r.featured DESC, r.created_at DESC, r.signature_id LIMIT {limit}"
        ))
        .bind(campaign_id)
        .bind(review.map(str::to_owned))
        .fetch_all(&mut *self.conn().await?)
        .await
    }

    async fn decide_reason(
        &self,
        campaign_id: Uuid,
        id: Uuid,
        decision: ReasonDecision,
        by: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Option<ReasonRecord>, StoreError> {
        let mut tx = self.begin_write().await?;
        let review = decision
            .approve
            .map(|yes| if yes { "approved" } else { "rejected" });
        sql::<B>(
            "UPDATE signature_reasons SET review = COALESCE($3, review),
                 featured = COALESCE($4, featured), reviewed_at = $5, reviewed_by = $6
             WHERE signature_id = $1 AND campaign_id = $2",
        )
        .bind(id)
        .bind(campaign_id)
        .bind(review)
        .bind(decision.featured)
        .bind(now)
        .bind(by)
        .execute(&mut tx)
        .await?;
        let found: Option<ReasonRecord> = sql_built::<B>(format!(
            "{REASON_SELECT} WHERE r.signature_id = $1 AND r.campaign_id = $2"
        ))
        .bind(id)
        .bind(campaign_id)
        .fetch_optional(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(found)
    }

    async fn report_reason(&self, campaign_id: Uuid, id: Uuid) -> Result<bool, StoreError> {
        let reported = sql::<B>(
            "UPDATE signature_reasons SET reports = reports + 1
             WHERE signature_id = $1 AND campaign_id = $2 AND review = 'approved'",
        )
        .bind(id)
        .bind(campaign_id)
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(reported == 1)
    }
}
