//! Rows as both databases return them, and their conversion into domain values.

use chrono::{DateTime, Utc};
use sqlx::types::Json;
use uuid::Uuid;

use super::{CountSnapshot, QueuedEmail, StoreError, TokenUse, corrupt};
use crate::domain::integrity::Blocklist;
use crate::domain::records::CountDelta;
use crate::domain::{
    Body, Brand, BrandColour, Campaign, ConsentText, ConsentWording, DecisionMaker, Email,
    EmailKind, Identity, Lang, Milestones, OrganiserName, Origin, PrivacyUrl, Recipient,
    RenewAfterMonths, RetentionDays, Review, Screening, ShortText, SignatoryType, SignatureStatus,
    SignerSettings, Slug, Summary, Target, TextVersion, Title, Translations, User, Website,
};

#[derive(sqlx::FromRow)]
pub(super) struct UserRow {
    pub id: Uuid,
    pub email: String,
    pub is_admin: bool,
    pub created_at: DateTime<Utc>,
    #[sqlx(flatten)]
    pub organiser: OrganiserColumns,
    #[sqlx(flatten)]
    pub brand: BrandColumns,
    pub sender_name: Option<String>,
}

/// An organisation's look as `users` and `campaigns` both store it (a campaign has no
/// website of its own: it is read as NULL).
#[derive(sqlx::FromRow)]
pub(super) struct BrandColumns {
    pub brand_colour: Option<String>,
    pub brand_website: Option<String>,
    pub brand_logo: Option<Uuid>,
}

impl BrandColumns {
    pub fn of(brand: &Brand) -> Self {
        Self {
            brand_colour: brand.colour.as_ref().map(|c| c.as_str().to_owned()),
            brand_website: brand.website.as_ref().map(|w| w.as_str().to_owned()),
            brand_logo: brand.logo,
        }
    }

    fn parse(self) -> Result<Brand, StoreError> {
        let bad = |e: String| corrupt("brand", e);
        Ok(Brand {
            colour: self
                .brand_colour
                .as_deref()
                .map(BrandColour::parse)
                .transpose()
                .map_err(bad)?,
            website: self
                .brand_website
                .as_deref()
                .map(Website::parse)
                .transpose()
                .map_err(bad)?,
            logo: self.brand_logo,
        })
    }
}

/// An organiser's identity as `users` and `campaigns` both store it.
#[derive(sqlx::FromRow)]
pub(super) struct OrganiserColumns {
    pub organiser_name: Option<String>,
    pub organiser_privacy_url: Option<String>,
    pub organiser_contact_email: Option<String>,
}

/// A `UserRow`'s columns, from `users` aliased `u`.
pub(super) const USER_COLUMNS: &str = "u.id, u.email, u.is_admin, u.created_at, \
    u.organiser_name, u.organiser_privacy_url, u.organiser_contact_email, u.brand_colour, \
    u.brand_website, u.brand_logo, u.sender_name";

impl OrganiserColumns {
    pub fn of(organiser: &Identity) -> Self {
        Self {
            organiser_name: organiser.name.as_ref().map(|n| n.as_str().to_owned()),
            organiser_privacy_url: organiser
                .privacy_url
                .as_ref()
                .map(|u| u.as_str().to_owned()),
            organiser_contact_email: organiser
                .contact_email
                .as_ref()
                .map(|e| e.as_str().to_owned()),
        }
    }

    fn parse(self) -> Result<Identity, StoreError> {
        fn part<T>(
            raw: Option<String>,
            parse: impl Fn(&str) -> Result<T, String>,
        ) -> Result<Option<T>, StoreError> {
            raw.as_deref()
                .map(parse)
                .transpose()
                .map_err(|e| corrupt("organiser", e))
        }
        Ok(Identity {
            name: part(self.organiser_name, OrganiserName::parse)?,
            privacy_url: part(self.organiser_privacy_url, PrivacyUrl::parse)?,
            contact_email: part(self.organiser_contact_email, Email::parse)?,
        })
    }
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;
    fn try_from(row: UserRow) -> Result<Self, StoreError> {
        Ok(User {
            id: row.id,
            email: Email::parse(&row.email).map_err(|e| corrupt("user email", e))?,
            is_admin: row.is_admin,
            created_at: row.created_at,
            organiser: row.organiser.parse()?,
            brand: row.brand.parse()?,
            sender_name: row
                .sender_name
                .as_deref()
                .map(OrganiserName::parse)
                .transpose()
                .map_err(|e| corrupt("sender name", e))?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct CredentialsRow {
    #[sqlx(flatten)]
    pub user: UserRow,
    pub password_hash: String,
}

/// A campaign with its current consent wording: this, then a `WHERE`.
pub(super) const CAMPAIGN_SELECT: &str = "SELECT c.id, c.slug, c.kind, c.title, c.summary, \
    c.body, c.recipient, c.target, c.milestones, c.closes_at, c.require_confirmation, \
    c.allowed_origins, c.retention_days, c.status, c.owner_id, c.created_at, c.updated_at, \
    c.opened_at, c.closed_at, c.organiser_name, c.organiser_privacy_url, \
    c.organiser_contact_email, c.renew_after_months, c.targets, c.lang, c.translations, \
    c.young_signers, c.young_retention_days, c.require_proof_of_work, c.brand_colour, \
    c.text_version, c.text_changed_at, c.blocklist, c.block_disposable, c.invite_reasons, \
    CAST(NULL AS TEXT) AS brand_website, c.brand_logo, owner.brand_colour AS owner_brand_colour, \
    owner.brand_website AS owner_brand_website, owner.brand_logo AS owner_brand_logo, \
    w.version AS consent_version, w.contact_basis, \
    w.public_text AS consent_public_text, w.contact_text AS consent_contact_text \
    FROM campaigns c \
    JOIN consent_wordings w ON w.campaign_id = c.id AND w.version = c.consent_version \
    LEFT JOIN users owner ON owner.id = c.owner_id";

#[derive(sqlx::FromRow)]
pub(super) struct CampaignRow {
    pub id: Uuid,
    pub slug: String,
    pub kind: String,
    pub title: String,
    pub summary: String,
    pub body: String,
    pub recipient: Option<String>,
    pub target: Option<i64>,
    pub milestones: Json<Vec<u64>>,
    pub closes_at: Option<DateTime<Utc>>,
    pub require_confirmation: bool,
    pub allowed_origins: Json<Vec<String>>,
    pub retention_days: i32,
    pub status: String,
    pub owner_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub opened_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub consent_version: i32,
    pub contact_basis: String,
    pub consent_public_text: String,
    pub consent_contact_text: String,
    #[sqlx(flatten)]
    pub organiser: OrganiserColumns,
    pub renew_after_months: Option<i32>,
    pub targets: String,
    pub lang: String,
    pub translations: String,
    pub young_signers: bool,
    pub young_retention_days: i32,
    pub require_proof_of_work: bool,
    #[sqlx(flatten)]
    pub brand: BrandColumns,
    /// The owner's account's look, read with the campaign (see `Campaign::look`).
    pub owner_brand_colour: Option<String>,
    pub owner_brand_website: Option<String>,
    pub owner_brand_logo: Option<Uuid>,
    pub text_version: i32,
    pub text_changed_at: Option<DateTime<Utc>>,
    /// A JSON array of patterns.
    pub blocklist: String,
    pub block_disposable: bool,
    pub invite_reasons: bool,
}

fn bad(field: &'static str) -> impl Fn(String) -> StoreError {
    move |e| corrupt(&format!("campaign {field}"), e)
}

impl TryFrom<CampaignRow> for Campaign {
    type Error = StoreError;
    fn try_from(row: CampaignRow) -> Result<Self, StoreError> {
        Ok(Campaign {
            id: row.id,
            slug: Slug::parse(&row.slug).map_err(bad("slug"))?,
            kind: row.kind.parse().map_err(bad("kind"))?,
            title: Title::parse(&row.title).map_err(bad("title"))?,
            summary: Summary::parse(&row.summary).map_err(bad("summary"))?,
            body: Body::parse(&row.body).map_err(bad("body"))?,
            recipient: row
                .recipient
                .as_deref()
                .map(Recipient::parse)
                .transpose()
                .map_err(bad("recipient"))?,
            target: row
                .target
                .map(|t| Target::parse(u64::try_from(t).unwrap_or(0)))
                .transpose()
                .map_err(bad("target"))?,
            milestones: Milestones::parse(row.milestones.0).map_err(bad("milestones"))?,
            closes_at: row.closes_at,
            require_confirmation: row.require_confirmation,
            allowed_origins: row
                .allowed_origins
                .0
                .iter()
                .map(|o| Origin::parse(o))
                .collect::<Result<_, _>>()
                .map_err(bad("allowed_origins"))?,
            retention_days: RetentionDays::parse(u32::try_from(row.retention_days).unwrap_or(0))
                .map_err(bad("retention_days"))?,
            consent: ConsentWording {
                version: u32::try_from(row.consent_version).unwrap_or(1),
                contact_basis: row.contact_basis.parse().map_err(bad("contact_basis"))?,
                public_text: ConsentText::parse(&row.consent_public_text)
                    .map_err(bad("consent wording"))?,
                contact_text: ConsentText::parse(&row.consent_contact_text)
                    .map_err(bad("consent wording"))?,
            },
            status: row.status.parse().map_err(bad("status"))?,
            owner_id: row.owner_id,
            created_at: row.created_at,
            updated_at: row.updated_at,
            opened_at: row.opened_at,
            closed_at: row.closed_at,
            organiser: row.organiser.parse()?,
            renew_after_months: row
                .renew_after_months
                .map(|m| RenewAfterMonths::parse(u32::try_from(m).unwrap_or(0)))
                .transpose()
                .map_err(bad("renew_after_months"))?,
            targets: parse_targets(&row.targets).map_err(bad("targets"))?,
            brand: row.brand.parse()?,
            account_brand: BrandColumns {
                brand_colour: row.owner_brand_colour,
                brand_website: row.owner_brand_website,
                brand_logo: row.owner_brand_logo,
            }
            .parse()?,
            text_version: TextVersion {
                number: u32::try_from(row.text_version).unwrap_or(1),
                changed_at: row.text_changed_at,
            },
            screening: Screening {
                blocklist: serde_json::from_str::<Vec<String>>(&row.blocklist)
                    .map(|entries| Blocklist::from_stored(&entries))
                    .map_err(|e| bad("blocklist")(e.to_string()))?,
                block_disposable: row.block_disposable,
            },
            signers: SignerSettings {
                lang: row.lang.parse().map_err(bad("lang"))?,
                translations: serde_json::from_str(&row.translations)
                    .map_err(|e| e.to_string())
                    .and_then(|v| {
                        let own = row.lang.parse().unwrap_or_default();
                        Translations::parse(&v, own).map_err(|(f, m)| format!("{f} {m}"))
                    })
                    .map_err(bad("translations"))?,
                young_signers: row.young_signers,
                young_retention_days: RetentionDays::parse(
                    u32::try_from(row.young_retention_days).unwrap_or(0),
                )
                .map_err(bad("young_retention_days"))?,
                require_proof_of_work: row.require_proof_of_work,
                invite_reasons: row.invite_reasons,
            },
        })
    }
}

/// A campaign's decision-makers as stored: a JSON array of `{name, role, email}`.
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredTarget {
    name: String,
    role: String,
    email: Option<String>,
}

fn parse_targets(raw: &str) -> Result<Vec<DecisionMaker>, String> {
    let stored: Vec<StoredTarget> = serde_json::from_str(raw).map_err(|e| e.to_string())?;
    stored
        .into_iter()
        .map(|t| {
            Ok(DecisionMaker {
                name: ShortText::parse(&t.name)?,
                role: ShortText::parse(&t.role)?,
                email: t.email.as_deref().map(Email::parse).transpose()?,
            })
        })
        .collect()
}

fn targets_json(targets: &[DecisionMaker]) -> String {
    let stored: Vec<StoredTarget> = targets
        .iter()
        .map(|t| StoredTarget {
            name: t.name.as_str().to_owned(),
            role: t.role.as_str().to_owned(),
            email: t.email.as_ref().map(|e| e.as_str().to_owned()),
        })
        .collect();
    serde_json::to_string(&stored).expect("plain strings")
}

/// The values of a campaign that are stored otherwise than the domain holds them.
pub(super) struct CampaignValues {
    pub target: Option<i64>,
    pub milestones: Json<Vec<u64>>,
    pub allowed_origins: Json<Vec<String>>,
    pub retention_days: i32,
    pub consent_version: i32,
    pub renew_after_months: Option<i32>,
    pub targets: String,
    pub translations: String,
    pub young_retention_days: i32,
}

impl CampaignValues {
    pub fn of(campaign: &Campaign) -> Self {
        Self {
            // Both bounded by the domain types far below i64::MAX / i32::MAX.
            target: campaign.target.map(|t| t.get() as i64),
            milestones: Json(campaign.milestones.counts().to_vec()),
            allowed_origins: Json(
                campaign
                    .allowed_origins
                    .iter()
                    .map(|o| o.as_str().to_owned())
                    .collect(),
            ),
            retention_days: campaign.retention_days.get() as i32,
            consent_version: campaign.consent.version as i32,
            renew_after_months: campaign.renew_after_months.map(|m| m.get() as i32),
            targets: targets_json(&campaign.targets),
            translations: campaign.signers.translations.to_json().to_string(),
            young_retention_days: campaign.signers.young_retention_days.get() as i32,
        }
    }
}

/// The columns of [`super::SignatureRecord`].
pub(super) const SIGNATURE_COLUMNS: &str = "id, name, email, status, review, source, \
    signatory_type, organisation, role, postcode, country, public, contact, consent_version, \
    text_version, possible_duplicate, signed_at, confirmed_at, erased_at, website, renewals, renewed_at, \
    lapsed_at, lang, age_band";

/// A signature's state, for changes that move the count.
#[derive(Clone, sqlx::FromRow)]
pub(super) struct SignatureStateRow {
    #[sqlx(try_from = "String")]
    pub status: SignatureStatus,
    #[sqlx(try_from = "String")]
    pub review: Review,
    #[sqlx(try_from = "String")]
    pub signatory_type: SignatoryType,
    pub age_band: Option<String>,
    /// Collected on paper (see [`STATE_COLUMNS`]); false where a query does not say.
    #[sqlx(default)]
    pub paper: bool,
}

/// The columns of a [`SignatureStateRow`].
pub(super) const STATE_COLUMNS: &str =
    "status, review, signatory_type, age_band, paper_sheet IS NOT NULL AS paper";

impl SignatureStateRow {
    /// The signature entering (`sign = 1`) or leaving (`sign = -1`) the count as it stands.
    pub fn delta(&self, sign: i64) -> CountDelta {
        let band = self.age_band.as_deref().and_then(|b| b.parse().ok());
        let mut delta =
            CountDelta::of_reviewed(self.status, self.review, self.signatory_type, band, sign);
        if self.paper {
            delta.paper = delta.individuals + delta.organisations;
        }
        delta
    }
}

/// The live signature an email already has on a campaign, with the emails sent to it (this
/// one included).
#[derive(sqlx::FromRow)]
pub(super) struct ExistingSignatureRow {
    pub id: Uuid,
    #[sqlx(try_from = "String")]
    pub status: SignatureStatus,
    pub emails_sent: i32,
}

/// A signature found through one of its tokens.
#[derive(sqlx::FromRow)]
pub(super) struct TokenTargetRow {
    pub signature_id: Uuid,
    pub campaign_id: Uuid,
    #[sqlx(flatten)]
    pub state: SignatureStateRow,
    pub expires_at: Option<DateTime<Utc>>,
    pub campaign_slug: String,
    pub campaign_title: String,
}

impl TokenTargetRow {
    /// The target, unless the token has expired.
    pub fn usable(self, now: DateTime<Utc>) -> Option<(Self, TokenUse)> {
        if self.expires_at.is_some_and(|at| at <= now) {
            return None;
        }
        let target = TokenUse {
            signature_id: self.signature_id,
            previous: self.state.status,
            campaign_id: self.campaign_id,
            campaign_slug: self.campaign_slug.clone(),
            campaign_title: self.campaign_title.clone(),
        };
        Some((self, target))
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct QueuedEmailRow {
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub signature_id: Option<Uuid>,
    #[sqlx(try_from = "String")]
    pub kind: EmailKind,
    pub recipient: Option<String>,
    pub signer_name: Option<String>,
    pub signer_organisation: Option<String>,
    pub campaign_renew_after_months: Option<i32>,
    pub campaign_retention_days: i32,
    pub campaign_young_retention_days: i32,
    pub confirm_token: Option<String>,
    pub withdraw_token: Option<String>,
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
    pub campaign_slug: String,
    pub campaign_title: String,
    #[sqlx(flatten)]
    pub organiser: OrganiserColumns,
    #[sqlx(flatten)]
    pub brand: BrandColumns,
    pub handin_bundle: Option<Vec<u8>>,
    pub handin_manifest_sha256: Option<String>,
    pub sender_name: Option<String>,
    pub update_subject: Option<String>,
    pub update_body: Option<String>,
    pub signer_lang: Option<String>,
    pub age_band: Option<String>,
    pub campaign_lang: String,
    pub campaign_translations: String,
}

impl QueuedEmailRow {
    /// The signer's language (the campaign's, for an email to no signer) and the campaign's
    /// title in it, where the campaign gives one.
    fn lang_and_title(&self) -> (Lang, String) {
        let own: Lang = self.campaign_lang.parse().unwrap_or_default();
        let lang = self
            .signer_lang
            .as_deref()
            .and_then(|l| l.parse().ok())
            .unwrap_or(own);
        let translated = (lang != own)
            .then(|| serde_json::from_str::<serde_json::Value>(&self.campaign_translations).ok())
            .flatten()
            .and_then(|v| Translations::parse(&v, own).ok())
            .and_then(|t| t.get(lang).and_then(|texts| texts.title.clone()));
        let title =
            translated.map_or_else(|| self.campaign_title.clone(), |t| t.as_str().to_owned());
        (lang, title)
    }
}

impl TryFrom<QueuedEmailRow> for QueuedEmail {
    type Error = StoreError;
    fn try_from(row: QueuedEmailRow) -> Result<Self, StoreError> {
        let (lang, campaign_title) = row.lang_and_title();
        Ok(QueuedEmail {
            lang,
            age_band: row.age_band.as_deref().and_then(|b| b.parse().ok()),
            id: row.id,
            campaign_id: row.campaign_id,
            signature_id: row.signature_id,
            kind: row.kind,
            recipient: row.recipient.unwrap_or_default(),
            signer_name: row.signer_name.unwrap_or_default(),
            signer_organisation: row.signer_organisation,
            renew_after_months: row
                .campaign_renew_after_months
                .and_then(|m| u32::try_from(m).ok()),
            // A young signer's data goes with the rest where that goes sooner.
            young_kept_days: u32::try_from(
                row.campaign_young_retention_days
                    .min(row.campaign_retention_days),
            )
            .unwrap_or(0),
            confirm_token: row.confirm_token,
            withdraw_token: row.withdraw_token,
            attempts: u32::try_from(row.attempts).unwrap_or(0),
            created_at: row.created_at,
            campaign_slug: row.campaign_slug,
            campaign_title,
            organiser: row.organiser.parse()?,
            brand: row.brand.parse()?,
            sender_name: row.sender_name,
            handin: row.handin_bundle.zip(row.handin_manifest_sha256),
            update: row.update_subject.zip(row.update_body),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct CountRow {
    pub confirmed_individuals: i64,
    pub confirmed_organisations: i64,
    pub pending: i64,
    pub confirmed_under_13: i64,
    pub confirmed_13_15: i64,
    pub confirmed_16_17: i64,
    pub confirmed_18_plus: i64,
    pub confirmed_paper: i64,
    pub updated_at: Option<DateTime<Utc>>,
}

impl From<CountRow> for CountSnapshot {
    fn from(row: CountRow) -> Self {
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        CountSnapshot {
            confirmed_individuals: count(row.confirmed_individuals),
            confirmed_organisations: count(row.confirmed_organisations),
            pending: count(row.pending),
            by_age_band: [
                count(row.confirmed_under_13),
                count(row.confirmed_13_15),
                count(row.confirmed_16_17),
                count(row.confirmed_18_plus),
            ],
            paper: count(row.confirmed_paper),
            updated_at: row.updated_at,
        }
    }
}
