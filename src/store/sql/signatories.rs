//! Signatories as organisers see them (listing, export, review, erasure, purge) and as the
//! public does.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use sqlx::Transaction;
use uuid::Uuid;

use super::SqlStore;
use super::counts::apply_counts;
use super::webhooks::{Happened, report, scrub_personal_data};
use crate::domain::{Review, WebhookEvent};
use crate::store::dialect::{Backend, sql, sql_built};
use crate::store::rows::{SIGNATURE_COLUMNS, SignatureStateRow};
use crate::store::{PublicSignatory, Signatories, SignatureFilter, SignatureRecord, StoreError};

/// The signatures a filter keeps: `$1` campaign, `$2` status (else all but spam), `$3`
/// contact only, `$4` a `LIKE` pattern for name, email or organisation (see `SearchText`).
const FILTERED: &str = "campaign_id = $1
    AND (($2 IS NULL AND status <> 'spam') OR status = $2)
    AND ($3 = FALSE OR contact = TRUE)
    AND ($4 IS NULL OR LOWER(name) LIKE $4 ESCAPE '\\' OR LOWER(email) LIKE $4 ESCAPE '\\'
         OR LOWER(organisation) LIKE $4 ESCAPE '\\')";

/// A signature's state inside a write transaction (and, where writers run side by side,
/// locked until it ends).
async fn signature_state<B: Backend>(
    tx: &mut Transaction<'static, B>,
    campaign_id: Uuid,
    signature_id: Uuid,
) -> Result<Option<SignatureStateRow>, StoreError> {
    sql_built::<B>(format!(
        "SELECT status, review, signatory_type, age_band FROM signatures
         WHERE id = $1 AND campaign_id = $2 {}",
        B::FOR_UPDATE
    ))
    .bind(signature_id)
    .bind(campaign_id)
    .fetch_optional(tx)
    .await
}

#[async_trait]
impl<B: Backend> Signatories for SqlStore<B> {
    async fn signatures(
        &self,
        campaign_id: Uuid,
        filter: SignatureFilter,
        after: Option<Uuid>,
        limit: u32,
    ) -> Result<Vec<SignatureRecord>, StoreError> {
        sql_built::<B>(format!(
            "SELECT {SIGNATURE_COLUMNS} FROM signatures
             WHERE {FILTERED} AND ($5 IS NULL OR id > $5)
             ORDER BY id LIMIT $6"
        ))
        .bind(campaign_id)
        .bind(filter.status.map(|s| s.as_str()))
        .bind(filter.contact_only)
        .bind(filter.containing.map(|text| text.like_pattern()))
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&mut *self.conn().await?)
        .await
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
            let mut conn = match pool.acquire().await {
                Ok(conn) => conn,
                Err(e) => {
                    let _ = rows_out.send(Err(StoreError::from(e))).await;
                    return;
                }
            };
            let mut rows = sql_built::<B>(format!(
                "SELECT {SIGNATURE_COLUMNS} FROM signatures WHERE {FILTERED} ORDER BY id"
            ))
            .bind(campaign_id)
            .bind(filter.status.map(|s| s.as_str()))
            .bind(filter.contact_only)
            .bind(filter.containing.map(|text| text.like_pattern()))
            .fetch::<SignatureRecord>(&mut conn);
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
        sql::<B>("UPDATE signatures SET review = $2 WHERE id = $1")
            .bind(signature_id)
            .bind(review.as_str())
            .execute(&mut tx)
            .await?;
        let leaves = state.delta(-1);
        let delta = leaves.plus(SignatureStateRow { review, ..state }.delta(1));
        apply_counts(&mut tx, vec![(campaign_id, delta)], now).await?;
        report(
            &mut tx,
            &[Happened {
                extra: serde_json::json!({"review": review.as_str()}),
                ..Happened::to_signature(campaign_id, WebhookEvent::SignatureReviewed, signature_id)
            }],
            now,
        )
        .await?;
        let record = sql_built::<B>(format!(
            "SELECT {SIGNATURE_COLUMNS} FROM signatures WHERE id = $1"
        ))
        .bind(signature_id)
        .fetch_one(&mut tx)
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
        sql_built::<B>(format!(
            "UPDATE signatures SET
                 status = CASE WHEN status IN ('pending', 'confirmed') THEN 'withdrawn' ELSE status END,
                 withdrawn_at = COALESCE(withdrawn_at, $2), erased_at = COALESCE(erased_at, $2),
                 email = NULL, name = NULL,
                 postcode = NULL, organisation = NULL, organisation_key = NULL, role = NULL,
                 website = NULL, email_hash = {}
             WHERE id = $1",
            B::ERASED_KEY
        ))
        .bind(signature_id)
        .bind(now)
        .execute(&mut tx)
        .await?;
        for statement in [
            "DELETE FROM signature_tokens WHERE signature_id = $1",
            "DELETE FROM outbox WHERE signature_id = $1",
        ] {
            sql::<B>(statement)
                .bind(signature_id)
                .execute(&mut tx)
                .await?;
        }
        apply_counts(&mut tx, vec![(campaign_id, state.delta(-1))], now).await?;
        scrub_personal_data(&mut tx, "$1", signature_id).await?;
        report(
            &mut tx,
            &[Happened::to_signature(
                campaign_id,
                WebhookEvent::SignatureErased,
                signature_id,
            )],
            now,
        )
        .await?;
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
        sql::<B>(
            "SELECT id, name, role, organisation, website, postcode_area, country, signatory_type,
                    signed_at FROM signatures
             WHERE campaign_id = $1 AND status = 'confirmed' AND public = TRUE
               AND name IS NOT NULL
               AND (($2 = TRUE AND review = 'approved') OR ($2 = FALSE AND review IN ('pending', 'approved')))
             ORDER BY CASE signatory_type WHEN 'organisation' THEN 0 ELSE 1 END, signed_at, id
             LIMIT $3 OFFSET $4",
        )
        .bind(campaign_id)
        .bind(approved_only)
        .bind(i64::from(limit))
        .bind(i64::try_from(offset).unwrap_or(i64::MAX))
        .fetch_all(&mut *self.conn().await?)
        .await
    }

    async fn purge_campaign(
        &self,
        campaign_id: Uuid,
        young_only: bool,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let only = if young_only {
            " AND age_band IN ('under-13', '13-15', '16-17')"
        } else {
            ""
        };
        let mut tx = self.begin_write().await?;
        let (holding,): (i64,) = sql_built::<B>(format!(
            "SELECT COUNT(*) FROM signatures
             WHERE campaign_id = $1 AND (email IS NOT NULL OR postcode IS NOT NULL){only}"
        ))
        .bind(campaign_id)
        .fetch_one(&mut tx)
        .await?;
        // A name stays only where it is published: confirmed, consented, and for a letter
        // approved (for a petition, not rejected); a lapsed pledge is no longer published.
        sql_built::<B>(format!(
            "UPDATE signatures SET email = NULL, postcode = NULL, organisation_key = NULL,
                 email_hash = {},
                 name = CASE WHEN published THEN name END,
                 organisation = CASE WHEN published THEN organisation END,
                 role = CASE WHEN published THEN role END,
                 website = CASE WHEN published THEN website END
             FROM (SELECT s.id AS published_id,
                          (s.status = 'confirmed' AND s.public = TRUE AND
                           ((c.kind IN ('letter', 'pledge') AND s.review = 'approved') OR
                            (c.kind = 'petition' AND s.review IN ('pending', 'approved')))) AS published
                   FROM signatures s JOIN campaigns c ON c.id = s.campaign_id
                   WHERE s.campaign_id = $1{}) AS p
             WHERE signatures.id = p.published_id",
            B::ERASED_KEY,
            only.replace("age_band", "s.age_band"),
        ))
        .bind(campaign_id)
        .execute(&mut tx)
        .await?;
        let scope = format!("SELECT id FROM signatures WHERE campaign_id = $1{only}");
        for table in ["signature_tokens", "outbox"] {
            sql_built::<B>(format!(
                "DELETE FROM {table} WHERE signature_id IN ({scope})"
            ))
            .bind(campaign_id)
            .execute(&mut tx)
            .await?;
        }
        scrub_personal_data(&mut tx, &scope, campaign_id).await?;
        if !young_only {
            sql::<B>("UPDATE campaigns SET purged_at = $2 WHERE id = $1")
                .bind(campaign_id)
                .bind(now)
                .execute(&mut tx)
                .await?;
        }
        tx.commit().await?;
        let mut conn = self.conn().await?;
        for statement in B::AFTER_PURGE {
            sql::<B>(*statement).execute(&mut conn).await?;
        }
        Ok(u64::try_from(holding).unwrap_or(0))
    }
}
