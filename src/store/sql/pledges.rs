//! Pledges after they are taken: a pledger's record, renewal reminders, renewals and lapses.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::SqlStore;
use super::counts::apply_counts;
use crate::domain::{EmailKind, SecretToken};
use crate::store::dialect::{Backend, sql, sql_built};
use crate::store::rows::{SIGNATURE_COLUMNS, STATE_COLUMNS, SignatureStateRow};
use crate::store::{HeldPledge, Pledges, SignatureRecord, StoreError, TokenPurpose};

#[async_trait]
impl<B: Backend> Pledges for SqlStore<B> {
    async fn signature(
        &self,
        campaign_id: Uuid,
        signature_id: Uuid,
    ) -> Result<Option<SignatureRecord>, StoreError> {
        sql_built::<B>(format!(
            "SELECT {SIGNATURE_COLUMNS} FROM signatures WHERE id = $1 AND campaign_id = $2"
        ))
        .bind(signature_id)
        .bind(campaign_id)
        .fetch_optional(&mut *self.conn().await?)
        .await
    }

    async fn renewable_pledges(&self) -> Result<Vec<HeldPledge>, StoreError> {
        sql::<B>(
            "SELECT s.id, s.campaign_id, c.renew_after_months, s.confirmed_at, s.renewed_at,
                    s.renewals, s.renewal_reminded_at, s.email
             FROM signatures s JOIN campaigns c ON c.id = s.campaign_id
             WHERE c.kind = 'pledge' AND c.renew_after_months IS NOT NULL
               AND s.status = 'confirmed'",
        )
        .fetch_all(&mut *self.conn().await?)
        .await
    }

    async fn remind_renewal(
        &self,
        pledge: &HeldPledge,
        renew_token: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let marked = sql::<B>(
            "UPDATE signatures SET renewal_reminded_at = $3
             WHERE id = $1 AND renewals = $2 AND status = 'confirmed'
               AND renewal_reminded_at IS NULL AND email IS NOT NULL",
        )
        .bind(pledge.id)
        .bind(pledge.renewals)
        .bind(now)
        .execute(&mut tx)
        .await?;
        if marked == 0 {
            return Ok(false);
        }
        // The reminder carries a withdrawal link too, for a pledger that no longer holds it.
        let withdraw = SecretToken::generate();
        sql::<B>(
            "INSERT INTO signature_tokens (token_hash, signature_id, purpose, expires_at)
             VALUES ($1, $2, $3, NULL)",
        )
        .bind(&withdraw.hash)
        .bind(pledge.id)
        .bind(TokenPurpose::Withdraw.as_str())
        .execute(&mut tx)
        .await?;
        sql::<B>(
            "INSERT INTO outbox (id, signature_id, kind, recipient, confirm_token, withdraw_token,
                 created_at, attempts, next_attempt_at, lane)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $7, $8)",
        )
        .bind(Uuid::now_v7())
        .bind(pledge.id)
        .bind(EmailKind::Renew.as_str())
        .bind(pledge.email.clone())
        .bind(renew_token)
        .bind(&withdraw.plain)
        .bind(now)
        .bind(EmailKind::Renew.lane().number())
        .execute(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn renew_pledge(
        &self,
        campaign_id: Uuid,
        signature_id: Uuid,
        renewals: i32,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut conn = self.conn().await?;
        let renewed = sql::<B>(
            "UPDATE signatures SET renewals = renewals + 1, renewed_at = $4,
                 renewal_reminded_at = NULL
             WHERE id = $1 AND campaign_id = $2 AND renewals = $3 AND status = 'confirmed'",
        )
        .bind(signature_id)
        .bind(campaign_id)
        .bind(renewals)
        .bind(now)
        .execute(&mut conn)
        .await?;
        Ok(renewed == 1)
    }

    async fn lapse_pledge(
        &self,
        pledge: &HeldPledge,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let state: Option<SignatureStateRow> = sql_built::<B>(format!(
            "SELECT {STATE_COLUMNS} FROM signatures
             WHERE id = $1 AND renewals = $2 AND status = 'confirmed' {}",
            B::FOR_UPDATE
        ))
        .bind(pledge.id)
        .bind(pledge.renewals)
        .fetch_optional(&mut tx)
        .await?;
        let Some(state) = state else {
            return Ok(false);
        };
        sql::<B>("UPDATE signatures SET status = 'lapsed', lapsed_at = $2 WHERE id = $1")
            .bind(pledge.id)
            .bind(now)
            .execute(&mut tx)
            .await?;
        apply_counts(&mut tx, vec![(pledge.campaign_id, state.delta(-1))], now).await?;
        B::announce(&mut tx, &[pledge.campaign_id]).await?;
        tx.commit().await?;
        Ok(true)
    }
}
