//! Why people signed: reasons as the public sees them (approved, with a first name and
//! constituency or with nothing, as the signer chose) and as the organisers moderate them.

use serde::Serialize;
use uuid::Uuid;

use crate::domain::Campaign;
use crate::geo::Geography;
use crate::store::ReasonRecord;

/// A reason as anyone may read it: never a whole name, never more than a constituency.
#[derive(Debug, Clone, Serialize)]
pub struct PublicReason {
    pub id: Uuid,
    pub text: String,
    /// The signer's first name, where they chose to be shown by it.
    pub first_name: Option<String>,
    /// Their constituency's name, likewise, where their postcode gave one.
    pub constituency: Option<String>,
    pub featured: bool,
    /// Its place on the campaign's page.
    pub url: String,
}

/// Reasons shown on a campaign's page and in its hand-in.
pub const SHOWN_ON_PAGE: u32 = 6;

impl PublicReason {
    pub fn of(
        reason: &ReasonRecord,
        campaign: &Campaign,
        geography: &Geography,
        public_url: &url::Url,
        welsh: bool,
    ) -> Self {
        let named = reason.shown_as == "name";
        let gazetteer = geography.current();
        Self {
            id: reason.id,
            text: reason.text.clone(),
            first_name: named
                .then_some(reason.name.as_deref())
                .flatten()
                .and_then(|n| n.split_whitespace().next())
                .map(str::to_owned),
            constituency: named
                .then_some(reason.constituency.as_deref())
                .flatten()
                .and_then(|code| gazetteer.constituency(code))
                .map(|c| c.name_in(welsh).to_owned()),
            featured: reason.featured,
            url: format!(
                "{}c/{}#reason-{}",
                public_url.as_str().trim_end_matches('/').to_owned() + "/",
                campaign.slug.as_str(),
                reason.id
            ),
        }
    }
}
