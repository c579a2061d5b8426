//! Partners: other organisations' sites that bring signatures to a campaign, credited by
//! their code, and the API keys with which some of them submit server-to-server.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use rand::RngCore;
use uuid::Uuid;

use super::{FieldErrors, SecretToken, ShortText, SourceCode};

/// A partner of one campaign, as its organiser describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPartner {
    pub code: SourceCode,
    pub name: ShortText,
}

impl NewPartner {
    pub fn parse(code: &str, name: &str) -> Result<Self, Vec<super::FieldError>> {
        let mut e = FieldErrors::default();
        let code = e.check("code", SourceCode::parse(code));
        let name = e.check("name", ShortText::parse(name));
        match (code, name) {
            (Some(code), Some(name)) => Ok(Self { code, name }),
            _ => Err(e.into_vec()),
        }
    }
}

/// A partner's API key: `usp_` and 256 random bits. Shown once when made; only its SHA-256
/// is stored (the key is random, so a plain hash is as good as a slow one and costs nothing
/// per request).
pub struct PartnerKey {
    pub plain: String,
    pub hash: String,
}

impl PartnerKey {
    const PREFIX: &'static str = "usp_";

    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let plain = format!("{}{}", Self::PREFIX, URL_SAFE_NO_PAD.encode(bytes));
        let hash = SecretToken::hash_of(&plain);
        Self { plain, hash }
    }

    /// The stored hash of a presented key, or `None` if it cannot be one of ours, so that
    /// junk is refused before the database is asked.
    pub fn hash_of_presented(plain: &str) -> Option<String> {
        let secret = plain.strip_prefix(Self::PREFIX)?;
        SecretToken::looks_valid(secret).then(|| SecretToken::hash_of(plain))
    }
}

impl std::fmt::Debug for PartnerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PartnerKey(..)")
    }
}

/// Who a valid partner key belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyHolder {
    pub campaign_id: Uuid,
    pub code: SourceCode,
}

/// A partner as its campaign's organisers see it, with the signatures it brought.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PartnerSummary {
    pub code: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// Confirmed signatures credited to this partner.
    pub signatures: u64,
    /// Signatures credited to it that still await confirmation.
    pub pending: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_prefixed_random_and_stored_hashed() {
        let a = PartnerKey::generate();
        let b = PartnerKey::generate();
        assert!(a.plain.starts_with("usp_"));
        assert_ne!(a.plain, b.plain);
        assert_eq!(
            PartnerKey::hash_of_presented(&a.plain),
            Some(a.hash.clone())
        );
        assert_ne!(a.hash, a.plain);
        assert_eq!(PartnerKey::hash_of_presented(&a.plain[4..]), None);
        assert_eq!(PartnerKey::hash_of_presented("usp_short"), None);
    }

    #[test]
    fn a_partner_needs_a_code_and_a_name() {
        let p = NewPartner::parse("nyas", "National Youth Advocacy Service").unwrap();
        assert_eq!(p.code.as_str(), "nyas");
        let errors = NewPartner::parse("NYAS!", "").unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["code", "name"]);
    }
}
