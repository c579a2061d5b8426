//! Who is asking: the organisation behind a campaign, named to signers in the consent words,
//! in every email and on every page, with its privacy notice and an address to write to.
//! Consent to be contacted by an unnamed party is not informed consent (UK GDPR, PECR), so a
//! campaign opens only once it has all three, from itself or from its owner's account.

use super::{Email, OrganiserName};

/// The address of an organiser's privacy notice: an absolute `https` address (or `http` on
/// `localhost`, for trying the service out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivacyUrl(String);

impl PrivacyUrl {
    pub const MAX_CHARS: usize = 2_000;

    pub fn parse(raw: &str) -> Result<Self, String> {
        // Counted as sent, as other text is (see `text::parse_text`).
        if raw.chars().count() > Self::MAX_CHARS {
            return Err(format!("must be at most {} characters", Self::MAX_CHARS));
        }
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("is required".into());
        }
        let shape = || {
            "must be the full address of your privacy notice, like https://example.org/privacy"
                .to_owned()
        };
        let url = url::Url::parse(raw).map_err(|_| shape())?;
        let local = matches!(url.host_str(), Some("localhost" | "127.0.0.1"));
        match url.scheme() {
            "https" if url.host_str().is_some() => {}
            "http" if local => {}
            _ => {
                return Err(
                    "must start with https:// (the privacy notice of a public site)".into(),
                );
            }
        }
        if !super::plain_address::https_or_local(raw) {
            return Err(shape());
        }
        Ok(Self(url.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An organiser's identity as far as it is known: each part may be missing until it is set
/// on the campaign or on its owner's account.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    pub name: Option<OrganiserName>,
    pub privacy_url: Option<PrivacyUrl>,
    pub contact_email: Option<Email>,
}

/// The parts of an identity, named as the API names them.
pub const ORGANISER_FIELDS: [&str; 3] = ["name", "privacy_url", "contact_email"];

impl Identity {
    /// This identity with each missing part taken from `fallback` (the owner's account).
    pub fn or(&self, fallback: &Identity) -> Identity {
        Identity {
            name: self.name.clone().or_else(|| fallback.name.clone()),
            privacy_url: self
                .privacy_url
                .clone()
                .or_else(|| fallback.privacy_url.clone()),
            contact_email: self
                .contact_email
                .clone()
                .or_else(|| fallback.contact_email.clone()),
        }
    }

    /// The parts still missing, by their API names.
    pub fn missing(&self) -> Vec<&'static str> {
        let present = [
            self.name.is_some(),
            self.privacy_url.is_some(),
            self.contact_email.is_some(),
        ];
        ORGANISER_FIELDS
            .into_iter()
            .zip(present)
            .filter(|(_, present)| !present)
            .map(|(field, _)| field)
            .collect()
    }

    /// Applies an edit: each part that is `Some` replaces the stored one (`Some(None)` clears).
    pub fn edited(&self, changes: IdentityChanges) -> Identity {
        Identity {
            name: changes.name.unwrap_or_else(|| self.name.clone()),
            privacy_url: changes
                .privacy_url
                .unwrap_or_else(|| self.privacy_url.clone()),
            contact_email: changes
                .contact_email
                .unwrap_or_else(|| self.contact_email.clone()),
        }
    }
}

/// An edit of an identity, part by part.
#[derive(Debug, Clone, Default)]
pub struct IdentityChanges {
    pub name: Option<Option<OrganiserName>>,
    pub privacy_url: Option<Option<PrivacyUrl>>,
    pub contact_email: Option<Option<Email>>,
}

impl IdentityChanges {
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.privacy_url.is_none() && self.contact_email.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_privacy_notice_is_a_public_https_address() {
        assert!(PrivacyUrl::parse("https://article39.org.uk/privacy").is_ok());
        assert!(PrivacyUrl::parse("http://localhost:8080/privacy").is_ok());
        assert!(PrivacyUrl::parse("http://article39.org.uk/privacy").is_err());
        assert!(PrivacyUrl::parse("javascript:alert(1)").is_err());
        assert!(PrivacyUrl::parse("privacy.html").is_err());
        assert!(PrivacyUrl::parse(" ").is_err());
    }

    #[test]
    fn missing_parts_come_from_the_account_and_are_named() {
        let account = Identity {
            name: Some(OrganiserName::parse("Article 39").unwrap()),
            ..Identity::default()
        };
        let campaign = Identity {
            contact_email: Some(Email::parse("info@article39.org.uk").unwrap()),
            ..Identity::default()
        };
        let both = campaign.or(&account);
        assert_eq!(both.name, account.name);
        assert_eq!(both.contact_email, campaign.contact_email);
        assert_eq!(both.missing(), vec!["privacy_url"]);
        assert_eq!(Identity::default().missing(), ORGANISER_FIELDS.to_vec());
    }
}
