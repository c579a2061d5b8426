//! The audit log: who did what to which campaign's signatures.

use async_trait::async_trait;
use uuid::Uuid;

use super::SqlStore;
use crate::store::dialect::{Backend, sql};
use crate::store::{Audit, AuditEntry, StoreError};

#[async_trait]
impl<B: Backend> Audit for SqlStore<B> {
    async fn record_audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        sql::<B>(
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
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(())
    }

    async fn audit_log(
        &self,
        before: Option<Uuid>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        sql::<B>(
            "SELECT id, at, actor_id, action, campaign_id, signature_id, rows, detail FROM audit_log
             WHERE ($1 IS NULL OR id < $1) ORDER BY id DESC LIMIT $2",
        )
        .bind(before)
        .bind(i64::from(limit))
        .fetch_all(&mut *self.conn().await?)
        .await
    }
}
