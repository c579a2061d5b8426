//! The outbox: emails written in the same transaction as the signing that causes them, and
//! sent by a worker that leases them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{SqlStore, count};
use crate::domain::MailLane;
use crate::store::dialect::{Backend, sql, sql_built};
use crate::store::rows::QueuedEmailRow;
use crate::store::{LaneQueue, Outbox, QueuedEmail, StoreError, Unsent};

#[async_trait]
impl<B: Backend> Outbox for SqlStore<B> {
    async fn claim_emails(
        &self,
        lane: MailLane,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<QueuedEmail>, StoreError> {
        let claim = Uuid::now_v7().to_string();
        let mut conn = self.conn().await?;
        sql_built::<B>(format!(
            "UPDATE outbox SET lease_until = $2, claim_id = $3
             WHERE id IN (
                 SELECT id FROM outbox
                 WHERE lane = $5 AND sent_at IS NULL AND failed_at IS NULL
                   AND next_attempt_at <= $1
                   -- An update whose lease ran out was being sent when its process stopped,
                   -- and may have gone: it is never claimed again (see fail_interrupted).
                   AND (lease_until IS NULL OR (lease_until <= $1 AND update_id IS NULL))
                 ORDER BY next_attempt_at
                 LIMIT $4 {})",
            B::SKIP_LOCKED
        ))
        .bind(now)
        .bind(lease_until)
        .bind(&claim)
        .bind(i64::from(limit))
        .bind(lane.number())
        .execute(&mut conn)
        .await?;
        let rows: Vec<QueuedEmailRow> = sql::<B>(
            "SELECT o.id, c.id AS campaign_id, o.signature_id, o.kind, o.recipient,
                    s.name AS signer_name, s.organisation AS signer_organisation,
                    c.renew_after_months AS campaign_renew_after_months,
                    c.retention_days AS campaign_retention_days,
                    c.young_retention_days AS campaign_young_retention_days,
                    o.confirm_token, h.bundle AS handin_bundle,
                    h.manifest_sha256 AS handin_manifest_sha256,
                    up.subject AS update_subject, up.body AS update_body,
                    o.withdraw_token, o.attempts, o.created_at, c.slug AS campaign_slug,
                    c.title AS campaign_title, s.lang AS signer_lang, s.age_band,
                    c.lang AS campaign_lang, c.translations AS campaign_translations,
                    COALESCE(c.organiser_name, u.organiser_name) AS organiser_name,
                    COALESCE(c.organiser_privacy_url, u.organiser_privacy_url)
                        AS organiser_privacy_url,
                    COALESCE(c.organiser_contact_email, u.organiser_contact_email)
                        AS organiser_contact_email,
                    COALESCE(c.brand_colour, u.brand_colour) AS brand_colour,
                    u.brand_website, COALESCE(c.brand_logo, u.brand_logo) AS brand_logo,
                    u.sender_name
             FROM outbox o
             LEFT JOIN signatures s ON s.id = o.signature_id
             LEFT JOIN handins h ON h.id = o.handin_id
             LEFT JOIN updates up ON up.id = o.update_id
             JOIN campaigns c ON c.id = COALESCE(s.campaign_id, h.campaign_id)
             JOIN users u ON u.id = c.owner_id
             WHERE o.claim_id = $1 AND o.sent_at IS NULL AND o.failed_at IS NULL",
        )
        .bind(&claim)
        .fetch_all(&mut conn)
        .await?;
        rows.into_iter().map(QueuedEmail::try_from).collect()
    }

    async fn outbox_queue(&self) -> Result<Vec<LaneQueue>, StoreError> {
        let rows: Vec<(i32, i64, Option<DateTime<Utc>>)> = sql::<B>(
            "SELECT lane, COUNT(*), MIN(created_at) FROM outbox
             WHERE sent_at IS NULL AND failed_at IS NULL GROUP BY lane",
        )
        .fetch_all(&mut *self.conn().await?)
        .await?;
        Ok(MailLane::ALL
            .into_iter()
            .map(|lane| {
                let row = rows.iter().find(|(n, _, _)| *n == lane.number());
                LaneQueue {
                    lane,
                    waiting: row.map_or(0, |(_, n, _)| count(*n)),
                    oldest: row.and_then(|(_, _, at)| *at),
                }
            })
            .collect())
    }

    async fn fail_interrupted(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        sql::<B>(
            "UPDATE outbox SET failed_at = $1, lease_until = NULL, recipient = NULL,
                 last_error = 'interrupted: it may have gone before the service stopped, so it is not sent again'
             WHERE update_id IS NOT NULL AND lease_until IS NOT NULL AND lease_until <= $1
               AND sent_at IS NULL AND failed_at IS NULL",
        )
        .bind(now)
        .execute(&mut *self.conn().await?)
        .await
    }

    async fn emails_sent(&self, ids: &[Uuid], now: DateTime<Utc>) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        // One parameter per id (a claim holds at most a few hundred), the same on both
        // databases.
        let listed: Vec<String> = (2..ids.len() + 2).map(|n| format!("${n}")).collect();
        let mut update = sql_built::<B>(format!(
            "UPDATE outbox SET sent_at = $1, attempts = attempts + 1, lease_until = NULL,
                 recipient = NULL, confirm_token = NULL, withdraw_token = NULL
             WHERE id IN ({})",
            listed.join(", ")
        ))
        .bind(now);
        for id in ids {
            update = update.bind(*id);
        }
        update.execute(&mut *self.conn().await?).await?;
        Ok(())
    }

    async fn email_not_sent(
        &self,
        id: Uuid,
        error: &str,
        next: Unsent,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let statement = match next {
            Unsent::RetryAt(at) => sql::<B>(
                "UPDATE outbox SET attempts = attempts + 1, last_error = $2, next_attempt_at = $3,
                     lease_until = NULL
                 WHERE id = $1",
            )
            .bind(id)
            .bind(error)
            .bind(at),
            Unsent::GivenUp | Unsent::Refused => sql::<B>(
                "UPDATE outbox SET attempts = attempts + 1, last_error = $2, failed_at = $3,
                     refused = $4, lease_until = NULL, recipient = NULL, confirm_token = NULL,
                     withdraw_token = NULL
                 WHERE id = $1",
            )
            .bind(id)
            .bind(error)
            .bind(now)
            .bind(next == Unsent::Refused),
        };
        statement.execute(&mut *self.conn().await?).await?;
        Ok(())
    }
}
