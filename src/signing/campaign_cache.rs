//! The campaigns that signing reads, kept for a moment. Every signing attempt needs its
//! campaign (status, kind, consent wording); reading it from the database each time costs
//! a query per signature, which under load is a good share of the database's work.
//!
//! An entry lives `FRESH_FOR` at most, and an edit on this instance drops it at once, so
//! another instance's edit (closing a campaign, say) takes effect here within that time.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use crate::domain::{Campaign, Slug};
use crate::store::{Store, StoreError};

const FRESH_FOR: Duration = Duration::from_secs(1);

#[derive(Default)]
pub struct CampaignCache {
    entries: RwLock<HashMap<String, (Instant, Arc<Campaign>)>>,
}

impl CampaignCache {
    /// The campaign with this slug, from memory if read within `FRESH_FOR`.
    pub async fn get(
        &self,
        store: &dyn Store,
        slug: &Slug,
    ) -> Result<Option<Arc<Campaign>>, StoreError> {
        if let Some((read_at, campaign)) = self
            .entries
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(slug.as_str())
            && read_at.elapsed() < FRESH_FOR
        {
            return Ok(Some(campaign.clone()));
        }
        let Some(campaign) = store.campaign(slug).await? else {
            return Ok(None);
        };
        let campaign = Arc::new(campaign);
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        // Stale entries go as new ones come, so the map holds only campaigns in use.
        entries.retain(|_, (read_at, _)| read_at.elapsed() < FRESH_FOR);
        entries.insert(slug.to_string(), (Instant::now(), campaign.clone()));
        Ok(Some(campaign))
    }

    /// Forgets a campaign that was just edited here.
    pub fn forget(&self, slug: &str) {
        self.entries
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(slug);
    }
}
