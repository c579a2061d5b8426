//! The audit log: who did what to which campaign's signatures.

use async_trait::async_trait;
use uuid::Uuid;

use super::SqlStore;
use crate::store::dialect::{Backend, sql};
use crate::store::{Audit, AuditEntry, AuditFilter, LoggedAudit, StoreError};

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
        filter: AuditFilter,
        before: Option<Uuid>,
        limit: u32,
    ) -> Result<Vec<LoggedAudit>, StoreError> {
        sql::<B>(
            "SELECT a.id, a.at, a.actor_id, a.action, a.campaign_id, a.signature_id, a.rows,
                 a.detail, c.slug AS campaign_slug
             FROM audit_log a JOIN campaigns c ON c.id = a.campaign_id
             WHERE ($1 IS NULL OR a.id < $1) AND ($3 IS NULL OR c.slug = $3)
                 AND ($4 IS NULL OR a.action = $4)
             ORDER BY a.id DESC LIMIT $2",
        )
        .bind(before)
        .bind(i64::from(limit))
        .bind(
            filter
                .campaign
                .as_ref()
                .map(|slug| slug.as_str().to_owned()),
        )
        .bind(filter.action)
        .fetch_all(&mut *self.conn().await?)
        .await
    }
}
