//! Updates to signers: each queued once per signer, in one transaction, paced over time so
//! that the outbox sends them at the configured rate; and one-click unsubscribes.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::SqlStore;
use crate::domain::{EmailKind, UpdateKind};
use crate::store::dialect::{Backend, InsertRows, column, sql, sql_built};
use crate::store::{NewUpdate, PublishedOutcome, StoreError, UpdateStatus, Updates};

/// One update email, as queued.
struct Queued {
    id: Uuid,
    signature_id: Uuid,
    recipient: String,
    due: DateTime<Utc>,
}

/// An update's recipients (`$1` the campaign, `$2` whether it is news): confirmed signers
/// with an address, who have not unsubscribed; for news, only those who agreed to be
/// contacted.
const RECIPIENTS: &str = "campaign_id = $1 AND status = 'confirmed' AND email IS NOT NULL
     AND unsubscribed_at IS NULL AND ($2 = FALSE OR contact = TRUE)";

#[async_trait]
impl<B: Backend> Updates for SqlStore<B> {
    async fn update_recipients(
        &self,
        campaign_id: Uuid,
        kind: UpdateKind,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        sql_built::<B>(format!(
            "SELECT lang, COUNT(*) FROM signatures WHERE {RECIPIENTS} GROUP BY lang ORDER BY lang"
        ))
        .bind(campaign_id)
        .bind(kind == UpdateKind::News)
        .fetch_all(&mut *self.conn().await?)
        .await
    }

    async fn insert_update(
        &self,
        update: &NewUpdate,
        spacing: chrono::Duration,
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let recipients: Vec<(Uuid, String)> = sql_built::<B>(format!(
            "SELECT id, email FROM signatures WHERE {RECIPIENTS} ORDER BY id"
        ))
        .bind(update.campaign_id)
        .bind(update.kind == UpdateKind::News)
        .fetch_all(&mut tx)
        .await?;
        sql::<B>(
            "INSERT INTO updates (id, campaign_id, kind, subject, body, created_at, created_by,
                 recipients)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(update.id)
        .bind(update.campaign_id)
        .bind(update.kind.as_str())
        .bind(update.subject.clone())
        .bind(update.body.clone())
        .bind(update.created_at)
        .bind(update.created_by)
        .bind(recipients.len() as i64)
        .execute(&mut tx)
        .await?;
        let rows: Vec<Queued> = recipients
            .into_iter()
            .enumerate()
            .map(|(i, (signature_id, recipient))| Queued {
                id: Uuid::now_v7(),
                signature_id,
                recipient,
                due: update.created_at + spacing * i32::try_from(i).unwrap_or(i32::MAX),
            })
            .collect();
        for chunk in rows.chunks(500) {
            let insert = InsertRows {
                table: "outbox",
                columns: vec![
                    ("id", column(chunk, |q| q.id)),
                    ("signature_id", column(chunk, |q| q.signature_id)),
                    ("kind", column(chunk, |_| EmailKind::Update.as_str())),
                    ("recipient", column(chunk, |q| q.recipient.clone())),
                    ("created_at", column(chunk, |_| update.created_at)),
                    ("attempts", column(chunk, |_| 0)),
                    ("next_attempt_at", column(chunk, |q| q.due)),
                    ("lane", column(chunk, |_| EmailKind::Update.lane().number())),
                    ("update_id", column(chunk, |_| update.id)),
                ],
                suffix: "",
            };
            B::insert_rows(&mut tx, &[insert]).await?;
        }
        tx.commit().await?;
        Ok(rows.len() as u64)
    }

    async fn updates(&self, campaign_id: Uuid) -> Result<Vec<UpdateStatus>, StoreError> {
        sql::<B>(
            "SELECT up.id, up.kind, up.subject, up.created_at, up.recipients,
                 CAST(COALESCE(SUM(CASE WHEN o.sent_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT)
                     AS sent,
                 CAST(COALESCE(SUM(CASE WHEN o.failed_at IS NOT NULL AND o.refused = TRUE
                                   THEN 1 ELSE 0 END), 0) AS BIGINT)
                     AS bounced,
                 CAST(COALESCE(SUM(CASE WHEN o.failed_at IS NOT NULL AND o.refused = FALSE
                                   THEN 1 ELSE 0 END), 0) AS BIGINT)
                     AS failed,
                 CAST(COALESCE(SUM(CASE WHEN o.id IS NOT NULL AND o.sent_at IS NULL
                                         AND o.failed_at IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT)
                     AS queued,
                 -- Unsubscribing takes back what had not yet gone, so those counted here
                 -- received it.
                 CAST(COALESCE(SUM(CASE WHEN o.sent_at IS NOT NULL
                                         AND s.unsubscribed_at >= up.created_at
                                   THEN 1 ELSE 0 END), 0) AS BIGINT)
                     AS unsubscribed
             FROM updates up
             LEFT JOIN outbox o ON o.update_id = up.id
             LEFT JOIN signatures s ON s.id = o.signature_id
             WHERE up.campaign_id = $1
             GROUP BY up.id, up.kind, up.subject, up.created_at, up.recipients
             ORDER BY up.created_at, up.id",
        )
        .bind(campaign_id)
        .fetch_all(&mut *self.conn().await?)
        .await
    }

    async fn latest_outcome(
        &self,
        campaign_id: Uuid,
    ) -> Result<Option<PublishedOutcome>, StoreError> {
        sql::<B>(
            "SELECT subject, body, created_at FROM updates
             WHERE campaign_id = $1 AND kind = 'outcome'
             ORDER BY created_at DESC, id DESC LIMIT 1",
        )
        .bind(campaign_id)
        .fetch_optional(&mut *self.conn().await?)
        .await
    }

    async fn unsubscribe(
        &self,
        signature_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, StoreError> {
        let mut tx = self.begin_write().await?;
        let found: Option<(String,)> = sql::<B>(
            "SELECT c.title FROM signatures s JOIN campaigns c ON c.id = s.campaign_id
             WHERE s.id = $1",
        )
        .bind(signature_id)
        .fetch_optional(&mut tx)
        .await?;
        let Some((title,)) = found else {
            return Ok(None);
        };
        sql::<B>(
            "UPDATE signatures SET unsubscribed_at = COALESCE(unsubscribed_at, $2), contact = FALSE
             WHERE id = $1",
        )
        .bind(signature_id)
        .bind(now)
        .execute(&mut tx)
        .await?;
        // What is still waiting for them goes no further.
        sql::<B>(
            "DELETE FROM outbox WHERE signature_id = $1 AND update_id IS NOT NULL
                 AND sent_at IS NULL AND failed_at IS NULL",
        )
        .bind(signature_id)
        .execute(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(Some(title))
    }
}
