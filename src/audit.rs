//! The audit log: every export, erasure, moderation decision and purge of signatures, every
//! partner API key issued or revoked, and every webhook made, removed or given a new secret.

use uuid::Uuid;

use crate::store::{self, AuditEntry, Store};

/// Every action the log records, as its entries name them.
pub const ACTIONS: [&str; 19] = [
    "export",
    "review",
    "erase",
    "purge",
    "partner_created",
    "partner_revoked",
    "webhook_created",
    "webhook_deleted",
    "webhook_rotated",
    "handin_created",
    "handin_redacted",
    "handin_delivered",
    "update_sent",
    "campaign_text_changed",
    "invalidated",
    "restored",
    "blocklist_changed",
    "paper_entered",
    "reason_reviewed",
];

/// Records one action. A failure to record is logged loudly but does not undo the action,
/// which has already happened.
pub async fn record(
    store: &dyn Store,
    actor: Option<Uuid>,
    action: &str,
    campaign_id: Uuid,
    signature_id: Option<Uuid>,
    rows: u64,
    detail: String,
) {
    debug_assert!(
        ACTIONS.contains(&action),
        "{action} is not listed in ACTIONS"
    );
    let entry = AuditEntry {
        id: Uuid::now_v7(),
        at: store::now(),
        actor_id: actor,
        action: action.to_owned(),
        campaign_id,
        signature_id,
        rows: rows as i64,
        detail,
    };
    if let Err(e) = store.record_audit(&entry).await {
        tracing::error!(error = %e, action, "could not write the audit log");
    }
}
