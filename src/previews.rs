//! Private preview links of draft campaigns: the page, the embedded form and the picture a
//! shared link shows, as the public will see them once the campaign opens, for the organiser
//! and whoever they send the link to.
//!
//! Why a MAC and not a stored token: the link is the campaign's id signed with a key made
//! from the installation's token secret, so every instance honours it, a restart keeps it, and
//! there is nothing more to store or to forget when the campaign opens (its links then lead to
//! the public page).

use hmac::{Hmac, Mac};
use secrecy::SecretString;
use sha2::Sha256;
use uuid::Uuid;

use crate::domain::{Campaign, derived_key};

pub struct DraftPreviews {
    key: [u8; 32],
}

impl DraftPreviews {
    pub fn new(secret: Option<&SecretString>) -> Self {
        Self {
            key: derived_key(secret, b"undersigned draft preview"),
        }
    }

    fn keyed(&self, campaign_id: Uuid) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("any key length");
        mac.update(campaign_id.as_bytes());
        mac
    }

    /// The secret part of a campaign's preview link: 128 bits of MAC, hex.
    pub fn token(&self, campaign_id: Uuid) -> String {
        hex::encode(&self.keyed(campaign_id).finalize().into_bytes()[..16])
    }

    /// Whether `token` is the campaign's, compared in constant time.
    pub fn is_valid(&self, campaign_id: Uuid, token: &str) -> bool {
        if token.len() != 32 {
            return false;
        }
        let Ok(presented) = hex::decode(token) else {
            return false;
        };
        self.keyed(campaign_id)
            .verify_truncated_left(&presented)
            .is_ok()
    }

    /// The path of a campaign's preview page.
    pub fn path(&self, campaign: &Campaign) -> String {
        format!("/c/{}/preview/{}", campaign.slug, self.token(campaign.id))
    }
}
