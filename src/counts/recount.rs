//! Checking stored counts against the signatures they count, and repairing drift: run by
//! `undersigned recount` and periodically by the server.

use uuid::Uuid;

use crate::store::{self, Recount, Store, StoreError};

/// One campaign's check.
pub struct Checked {
    pub campaign_id: Uuid,
    pub slug: String,
    pub recount: Recount,
}

/// Recounts every campaign (or the one with `slug`), logging and repairing any drift.
pub async fn recount_all(
    store: &dyn Store,
    slug: Option<&str>,
) -> Result<Vec<Checked>, StoreError> {
    let mut checked = Vec::new();
    for (campaign_id, campaign_slug) in store.campaign_slugs().await? {
        if slug.is_some_and(|s| s != campaign_slug) {
            continue;
        }
        let recount = store.recount(campaign_id, store::now()).await?;
        if recount.drifted() {
            log_drift(&campaign_slug, &recount);
        }
        checked.push(Checked {
            campaign_id,
            slug: campaign_slug,
            recount,
        });
    }
    Ok(checked)
}

fn log_drift(slug: &str, recount: &Recount) {
    tracing::warn!(
        campaign = slug,
        stored_confirmed = recount.stored.total(),
        stored_pending = recount.stored.pending,
        actual_confirmed = recount.actual.total(),
        actual_pending = recount.actual.pending,
        "a stored count had drifted from its signatures; repaired"
    );
}
