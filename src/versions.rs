//! The versions of a campaign's text: what each signer was given. Once someone has signed, a
//! change to the text makes a new version and the one replaced is kept, so that a signature,
//! a hand-in and the public page can each say which words were signed.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::Campaign;
use crate::store::{Store, StoreError};

/// One version of a campaign's text, with how many signed it.
#[derive(Debug, Clone, Serialize)]
pub struct Version {
    pub version: u32,
    pub title: String,
    pub summary: String,
    pub body: String,
    pub recipient: Option<String>,
    /// Its words in the campaign's other language, part by part.
    pub translations: serde_json::Value,
    /// When signers were first given it, and when a later one replaced it (`None`: it is
    /// the current one).
    pub from: DateTime<Utc>,
    pub until: Option<DateTime<Utc>>,
    pub current: bool,
    /// Confirmed signatures given this version, counted as the campaign's count counts them.
    pub signed: u64,
    /// The email of the account that replaced it (shown to the campaign's organisers only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replaced_by: Option<String>,
}

/// Every version of `campaign`'s text, oldest first, the current one last.
pub async fn versions_of(
    store: &dyn Store,
    campaign: &Campaign,
) -> Result<Vec<Version>, StoreError> {
    let signed: HashMap<i32, i64> = store
        .signed_by_text_version(campaign.id)
        .await?
        .into_iter()
        .collect();
    let signed_to = |version: i32| {
        signed
            .get(&version)
            .map_or(0, |n| u64::try_from(*n).unwrap_or(0))
    };
    let mut versions: Vec<Version> = store
        .earlier_texts(campaign.id)
        .await?
        .into_iter()
        .map(|earlier| Version {
            version: u32::try_from(earlier.version).unwrap_or(1),
            title: earlier.title,
            summary: earlier.summary,
            body: earlier.body,
            recipient: earlier.recipient,
            translations: serde_json::from_str(&earlier.translations)
                .unwrap_or_else(|_| serde_json::json!({})),
            from: earlier.began_at,
            until: Some(earlier.ended_at),
            current: false,
            signed: signed_to(earlier.version),
            replaced_by: earlier.ended_by,
        })
        .collect();
    let number = campaign.text_version.number;
    versions.push(Version {
        version: number,
        title: campaign.title.as_str().to_owned(),
        summary: campaign.summary.as_str().to_owned(),
        body: campaign.body.as_str().to_owned(),
        recipient: campaign.recipient.as_ref().map(|r| r.as_str().to_owned()),
        translations: campaign.signers.translations.to_json(),
        from: campaign
            .text_version
            .changed_at
            .or(campaign.opened_at)
            .unwrap_or(campaign.created_at),
        until: None,
        current: true,
        signed: signed_to(i32::try_from(number).unwrap_or(i32::MAX)),
        replaced_by: None,
    });
    Ok(versions)
}
