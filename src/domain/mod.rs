//! Values and rules of the product, free of HTTP and SQL. Every input becomes one of these
//! types through its `parse`, so the rest of the code cannot hold an invalid value.

/// `as_str`, `FromStr`, `TryFrom<String>` and `Display` for an enum stored and sent as fixed lowercase words.
macro_rules! text_enum {
    ($ty:ty { $($variant:path => $text:literal),+ $(,)? }) => {
        impl $ty {
            pub fn as_str(self) -> &'static str {
                match self { $($variant => $text),+ }
            }
        }

        impl std::str::FromStr for $ty {
            type Err = String;
            fn from_str(raw: &str) -> Result<Self, String> {
                match raw {
                    $($text => Ok($variant),)+
                    _ => Err(format!("must be one of: {}", [$($text),+].join(", "))),
                }
            }
        }

        /// As read back from storage.
        impl TryFrom<String> for $ty {
            type Error = String;
            fn try_from(raw: String) -> Result<Self, String> {
                raw.parse()
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

mod brand;
mod campaign;
mod email;
mod field_errors;
mod handin;
pub mod integrity;
mod language;
mod nation;
mod organiser;
mod paper;
mod partner;
mod password;
mod plain_address;
pub mod records;
mod signature;
mod slug;
mod text;
mod token;
mod translation;
mod webhook;

pub use brand::{Brand, BrandColour};
pub use campaign::{
    Campaign, CampaignChanges, CampaignKind, CampaignStatus, ConsentWording, ForbiddenEdit,
    Milestones, NewCampaign, Origin, RenewAfterMonths, RetentionDays, Screening, SignerSettings,
    SignerSettingsChanges, Target, TextVersion,
};
pub use email::Email;
pub use field_errors::{FieldError, FieldErrors, with_faults};
pub use handin::{Bundle, BundledFile, DecisionMaker, UpdateKind, sha256_hex};
pub use language::Lang;
pub use nation::{AreaCode, NATIONS, Nation};
pub use organiser::{Identity, IdentityChanges, ORGANISER_FIELDS, PrivacyUrl};
pub use paper::{MAX_PAPER_ENTRIES, PaperEntry, PaperEntryForm};
pub use partner::{KeyHolder, NewPartner, PartnerKey, PartnerSummary};
pub use password::{MAX_PASSWORD_CHARS, Password};
pub use signature::{
    AgeBand, ContactBasis, Country, EmailKind, MAX_EMAILS_PER_SIGNATURE, MailLane, NewSignature,
    PersonName, Postcode, Reason, ReasonShownAs, ReasonText, Review, ShortText, Signatory,
    SignatoryType, SignatureForm, SignatureStatus, SigningRules, SourceCode, Website,
    holds_an_address, organisation_key, reminder_for,
};
pub use slug::Slug;
pub use text::{Body, ConsentText, OrganiserName, Recipient, Summary, Title};
pub use token::{SecretToken, derived_key};
pub use translation::{CampaignTexts, CampaignWords, Localised, TEXT_PARTS, Translations};
pub use webhook::{
    PersonalDataWithheld, ReportedSignature, Webhook, WebhookEvent, WebhookSecret, WebhookUrl,
};

/// An organiser's account as the rest of the service sees it (never with its password hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: uuid::Uuid,
    pub email: Email,
    pub is_admin: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The identity this organiser's campaigns take where they do not set their own.
    pub organiser: Identity,
    /// The look this organiser's campaigns take where they do not set their own.
    pub brand: Brand,
    /// The name every email about this account's campaigns is sent under, as an admin set it
    /// (never the organiser): `None` for the service's own From name.
    pub sender_name: Option<OrganiserName>,
}
