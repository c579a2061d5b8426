//! Hand-ins: each frozen with its bundle in one transaction, with the emails that deliver it
//! and the webhook messages that report it.

use async_trait::async_trait;
use uuid::Uuid;

use super::SqlStore;
use super::webhooks::{Happened, report};
use crate::domain::{EmailKind, WebhookEvent};
use crate::store::dialect::{Backend, sql};
use crate::store::{HandinRedaction, HandinSummary, Handins, NewHandin, StoreError};

#[async_trait]
impl<B: Backend> Handins for SqlStore<B> {
    async fn insert_handin(&self, handin: &NewHandin) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sql::<B>(
            "INSERT INTO handins (id, campaign_id, created_at, created_by, total, listed, manifest,
                 manifest_sha256, bundle, rehearsal)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(handin.id)
        .bind(handin.campaign_id)
        .bind(handin.created_at)
        .bind(handin.created_by)
        .bind(i64::try_from(handin.total).unwrap_or(i64::MAX))
        .bind(i64::try_from(handin.listed).unwrap_or(i64::MAX))
        .bind(handin.manifest.clone())
        .bind(handin.manifest_sha256.clone())
        .bind(handin.bundle.clone())
        .bind(handin.rehearsal)
        .execute(&mut tx)
        .await?;
        for recipient in &handin.deliver_to {
            sql::<B>(
                "INSERT INTO outbox (id, kind, recipient, created_at, attempts, next_attempt_at,
                     lane, handin_id)
                 VALUES ($1, $2, $3, $4, 0, $4, $5, $6)",
            )
            .bind(Uuid::now_v7())
            .bind(EmailKind::Handin.as_str())
            .bind(recipient.as_str().to_owned())
            .bind(handin.created_at)
            .bind(EmailKind::Handin.lane().number())
            .bind(handin.id)
            .execute(&mut tx)
            .await?;
        }
        // A rehearsal is the organiser's alone: other systems hear of the real hand-in only.
        if !handin.rehearsal {
            let handed_in = Happened {
                campaign_id: handin.campaign_id,
                event: WebhookEvent::CampaignHandedIn,
                signature_id: None,
                extra: serde_json::json!({"handin": {
                    "id": handin.id, "handed_in_at": handin.created_at, "total": handin.total,
                    "manifest_sha256": handin.manifest_sha256,
                }}),
            };
            report(&mut tx, &[handed_in], handin.created_at).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn handins(&self, campaign_id: Uuid) -> Result<Vec<HandinSummary>, StoreError> {
        sql::<B>(
            "SELECT id, created_at, total, listed, manifest_sha256, rehearsal FROM handins
             WHERE campaign_id = $1 ORDER BY created_at, id",
        )
        .bind(campaign_id)
        .fetch_all(&mut *self.conn().await?)
        .await
    }

    async fn handin_bundle(
        &self,
        campaign_id: Uuid,
        id: Uuid,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let row: Option<(Vec<u8>,)> =
            sql::<B>("SELECT bundle FROM handins WHERE id = $1 AND campaign_id = $2")
                .bind(id)
                .bind(campaign_id)
                .fetch_optional(&mut *self.conn().await?)
                .await?;
        Ok(row.map(|(bundle,)| bundle))
    }

    async fn redact_handin(&self, redaction: &HandinRedaction) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sql::<B>("UPDATE handins SET bundle = $2 WHERE id = $1")
            .bind(redaction.handin_id)
            .bind(redaction.bundle.clone())
            .execute(&mut *tx)
            .await?;
        sql::<B>(
            "INSERT INTO handin_redactions (handin_id, redacted_at, reason, manifest_sha256)
             VALUES ($1, $2, $3, $4)",
        )
        .bind(redaction.handin_id)
        .bind(redaction.at)
        .bind(redaction.reason.as_str())
        .bind(redaction.manifest_sha256.as_str())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
