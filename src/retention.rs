//! Retention: personal data is erased a set time after a campaign closes; counts, tallies and
//! a letter's published names stay.

use crate::mail::OutboxFiles;
use crate::store::{self, Store, StoreError};

/// Erases the personal data of every campaign closed for longer than its retention period,
/// recording each purge in the audit log, and forgets spent proof-of-work challenges that
/// have expired. Returns the signatures erased per campaign slug.
pub async fn purge_expired(
    store: &dyn Store,
    outbox_files: &OutboxFiles,
) -> Result<Vec<(String, u64)>, StoreError> {
    let now = store::now();
    store.forget_spent_challenges(now).await?;
    let mut purged = Vec::new();
    for (id, slug) in store.campaign_slugs().await? {
        let Some(campaign) = store.campaign_by_id(id).await? else {
            continue;
        };
        let Some(closed) = campaign.closed_since(now) else {
            continue;
        };
        let expired = |days: u32| closed + chrono::Duration::days(i64::from(days)) <= now;
        let young_only = !expired(campaign.retention_days.get());
        // Young signers' data goes sooner than the rest.
        if young_only
            && !(campaign.signers.young_signers && expired(campaign.young_retention().get()))
        {
            continue;
        }
        let erased = store.purge_campaign(id, young_only, now).await?;
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
                if young_only {
                    format!(
                        "retention of young signers' data, {} days after closing, ran out",
                        campaign.young_retention().get()
                    )
                } else {
                    format!(
                        "retention of {} days after closing ran out",
                        campaign.retention_days.get()
                    )
                },
            )
            .await;
            purged.push((slug, erased));
        }
    }
    Ok(purged)
}
