//! Why people signed: reasons as the public sees them (approved, with a first name and
//! constituency or with nothing, as the signer chose) and as the organisers moderate them.

use serde::Serialize;
use uuid::Uuid;

use crate::domain::Campaign;
use crate::geo::Geography;
use crate::store::{ReasonRecord, Store, StoreError};

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

/// Reasons shown on a campaign's page.
pub const SHOWN_ON_PAGE: u32 = 6;

/// A campaign's approved reasons as anyone may read them, featured first, named in the
/// campaign's own language.
pub async fn shown(
    store: &dyn Store,
    geography: &Geography,
    page_url: &str,
    campaign: &Campaign,
    limit: u32,
) -> Result<Vec<PublicReason>, StoreError> {
    let welsh = campaign.signers.lang == crate::domain::Lang::Cy;
    Ok(store
        .reasons(campaign.id, None, true, limit)
        .await?
        .iter()
        .map(|r| PublicReason::of(r, page_url, geography, welsh))
        .collect())
}

impl PublicReason {
    /// The reason as shown on the campaign's page at `page_url`.
    pub fn of(reason: &ReasonRecord, page_url: &str, geography: &Geography, welsh: bool) -> Self {
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
            url: format!("{page_url}#reason-{}", reason.id),
        }
    }
}
