//! Retention: personal data is erased a set time after a campaign closes; counts, tallies and
//! a letter's published names stay.

use crate::mail::OutboxFiles;
use crate::store::{self, Store, StoreError};

/// Erases the personal data of every campaign closed for longer than its retention period,
/// recording each purge in the audit log. Returns the signatures erased per campaign slug.
pub async fn purge_expired(
    store: &dyn Store,
    outbox_files: &OutboxFiles,
) -> Result<Vec<(String, u64)>, StoreError> {
    let now = store::now();
    let mut purged = Vec::new();
    for (id, slug) in store.campaign_slugs().await? {
        let Some(campaign) = store.campaign_by_id(id).await? else {
            continue;
        };
        let Some(closed) = campaign.closed_since(now) else {
            continue;
        };
        if closed + chrono::Duration::days(i64::from(campaign.retention_days.get())) > now {
            continue;
        }
        let erased = store.purge_campaign(id, now).await?;
        outbox_files.forget_campaign(id).await;
        if erased > 0 {
            tracing::info!(campaign = %slug, erased, "personal data purged after the retention period");
            crate::audit::record(
                store,
                None,
                "purge",
                id,
                None,
                erased,
                format!(
                    "retention of {} days after closing ran out",
                    campaign.retention_days.get()
                ),
            )
            .await;
            purged.push((slug, erased));
        }
    }
    Ok(purged)
}
