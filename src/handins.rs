//! What erasing a signer, or their withdrawal, does to the hand-ins that listed them: each
//! stored bundle is redacted (their line in the letter and their row in the list replaced), and
//! the redacted bundle's fingerprint is recorded beside the original's, with the reason, and in
//! the audit log.

use serde_json::json;
use uuid::Uuid;

use crate::domain::{Bundle, Campaign};
use crate::error::ApiError;
use crate::letter::{all_public_signatories, erased_from_listing};
use crate::store::{self, HandinRedaction, PublicSignatory, Store};

/// The signer `signature_id` as the campaign's hand-ins would have listed them, if it has any
/// hand-in to redact and they are listed: to be read before they are erased.
pub async fn listed_in_handins(
    store: &dyn Store,
    campaign: &Campaign,
    signature_id: Uuid,
) -> Result<Option<PublicSignatory>, ApiError> {
    if store.handins(campaign.id).await?.is_empty() {
        return Ok(None);
    }
    Ok(all_public_signatories(store, campaign)
        .await?
        .into_iter()
        .find(|s| s.id == signature_id))
}

/// Why a signer leaves the hand-ins that listed them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Departure {
    /// An organiser erased them, at their request.
    ErasedOnRequest,
    /// They withdrew their signature with the link their email carried.
    Withdrew,
}

impl Departure {
    /// The reason recorded in the manifest and the audit log.
    pub fn reason(self) -> &'static str {
        match self {
            Departure::ErasedOnRequest => "signer erased on request",
            Departure::Withdrew => "signer withdrew",
        }
    }

    /// What stands in the bundle's files where they were listed.
    fn label(self) -> &'static str {
        match self {
            Departure::ErasedOnRequest => "[erased on request]",
            Departure::Withdrew => "[withdrawn]",
        }
    }
}

/// Redacts `signer` from every stored hand-in bundle of `campaign` that lists them; how many
/// bundles were redacted.
pub async fn redact_signer(
    store: &dyn Store,
    campaign: &Campaign,
    signer: &PublicSignatory,
    departure: Departure,
    actor: Option<Uuid>,
) -> Result<u64, ApiError> {
    let reason = departure.reason();
    let replacements = erased_from_listing(signer, departure.label());
    let mut redacted = 0;
    for handin in store.handins(campaign.id).await? {
        let Some(bundle) = store.handin_bundle(campaign.id, handin.id).await? else {
            continue;
        };
        let at = store::now();
        let note = json!({"at": at, "reason": reason});
        let Some(bundle) =
            Bundle::redacted(&bundle, &replacements, note).map_err(ApiError::internal)?
        else {
            continue;
        };
        store
            .redact_handin(&HandinRedaction {
                handin_id: handin.id,
                bundle: bundle.zip,
                manifest_sha256: bundle.manifest_sha256.clone(),
                reason: reason.to_owned(),
                at,
            })
            .await?;
        crate::audit::record(
            store,
            actor,
            "handin_redacted",
            campaign.id,
            Some(signer.id),
            1,
            format!(
                "hand-in {} redacted ({reason}): manifest SHA-256 {} beside the original {}",
                handin.id, bundle.manifest_sha256, handin.manifest_sha256
            ),
        )
        .await;
        redacted += 1;
    }
    Ok(redacted)
}
