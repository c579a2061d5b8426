use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use validator::Validate;

use crate::accounts::{organiser_of, owner_identity};
use crate::domain::{
    Body, BrandColour, Campaign, CampaignChanges, CampaignKind, CampaignStatus, ConsentText,
    ContactBasis, DecisionMaker, Email, FieldError, FieldErrors, ForbiddenEdit, Identity,
    IdentityChanges, Lang, Milestones, NewCampaign, OrganiserName, Origin, PrivacyUrl, Recipient,
    RenewAfterMonths, RetentionDays, SignerSettings, SignerSettingsChanges, Slug, Summary, Target,
    Title, Translations, User,
};
use crate::error::{ApiError, Conflict};
use crate::http::auth::{MaybeOrganiser, Organiser};
use crate::http::extract::{JsonFields, Whole, object, present};
use crate::state::AppState;
use crate::store::{self, StoreError};

fn yes() -> bool {
    true
}

/// For fields where `null` means "clear it" and absence means "leave it".
pub(super) fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

#[derive(Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct CreateCampaign {
    // Absent reads as empty, which is refused as "is required" beside every other fault.
    #[serde(default)]
    slug: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    body: String,
    recipient: Option<String>,
    target: Option<Whole<u64>>,
    #[serde(default)]
    milestones: Vec<Whole<u64>>,
    closes_at: Option<DateTime<Utc>>,
    #[serde(default = "yes")]
    require_confirmation: bool,
    #[serde(default)]
    #[validate(length(max = 50))]
    allowed_origins: Vec<String>,
    #[serde(default, deserialize_with = "present")]
    retention_days: Option<Whole<u32>>,
    #[serde(default, deserialize_with = "present")]
    contact_basis: Option<String>,
    #[serde(default, deserialize_with = "present")]
    consent_public_text: Option<String>,
    #[serde(default, deserialize_with = "present")]
    consent_contact_text: Option<String>,
    #[serde(default, deserialize_with = "object")]
    organiser: OrganiserInput,
    /// `null` is the same as absent: pledges that hold for good.
    #[serde(default)]
    renew_after_months: Option<Whole<u32>>,
    #[serde(default)]
    targets: Vec<TargetInput>,
    #[serde(default, deserialize_with = "present")]
    lang: Option<String>,
    #[serde(default, deserialize_with = "present")]
    translations: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "present")]
    young_signers: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    young_retention_days: Option<Whole<u32>>,
    #[serde(default, deserialize_with = "present")]
    require_proof_of_work: Option<bool>,
    /// The form invites a short reason for signing, shown once approved.
    #[serde(default, deserialize_with = "present")]
    invite_reasons: Option<bool>,
    /// The campaign's own colour (`#rrggbb`); its owner's otherwise (`null` or blank).
    #[serde(default, deserialize_with = "nullable")]
    colour: Option<Option<String>>,
}

/// A decision-maker as a request gives one.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetInput {
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default, deserialize_with = "present")]
    email: Option<String>,
}

fn parse_targets(raw: Vec<TargetInput>, e: &mut FieldErrors) -> Option<Vec<DecisionMaker>> {
    let raw: Vec<(String, String, Option<String>)> =
        raw.into_iter().map(|t| (t.name, t.role, t.email)).collect();
    DecisionMaker::parse_list(&raw, e)
}

#[derive(Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct UpdateCampaign {
    #[serde(default, deserialize_with = "present")]
    title: Option<String>,
    #[serde(default, deserialize_with = "present")]
    summary: Option<String>,
    #[serde(default, deserialize_with = "present")]
    body: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    recipient: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    target: Option<Option<Whole<u64>>>,
    #[serde(default, deserialize_with = "present")]
    milestones: Option<Vec<Whole<u64>>>,
    #[serde(default, deserialize_with = "nullable")]
    closes_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "present")]
    require_confirmation: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    #[validate(length(max = 50))]
    allowed_origins: Option<Vec<String>>,
    #[serde(default, deserialize_with = "present")]
    retention_days: Option<Whole<u32>>,
    #[serde(default, deserialize_with = "present")]
    contact_basis: Option<String>,
    #[serde(default, deserialize_with = "present")]
    consent_public_text: Option<String>,
    #[serde(default, deserialize_with = "present")]
    consent_contact_text: Option<String>,
    #[serde(default, deserialize_with = "object")]
    organiser: OrganiserInput,
    #[serde(default, deserialize_with = "present")]
    status: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    renew_after_months: Option<Option<Whole<u32>>>,
    #[serde(default, deserialize_with = "present")]
    targets: Option<Vec<TargetInput>>,
    #[serde(default, deserialize_with = "present")]
    lang: Option<String>,
    #[serde(default, deserialize_with = "present")]
    translations: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "present")]
    young_signers: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    young_retention_days: Option<Whole<u32>>,
    #[serde(default, deserialize_with = "present")]
    require_proof_of_work: Option<bool>,
    /// The form invites a short reason for signing, shown once approved.
    #[serde(default, deserialize_with = "present")]
    invite_reasons: Option<bool>,
    /// `null` or `""` goes back to its owner's colour.
    #[serde(default, deserialize_with = "nullable")]
    colour: Option<Option<String>>,
}

/// An organiser's identity as a request gives it (`organiser` on a campaign, and on
/// `PATCH /v1/users/me`): each part absent is left as it is, `null` or `""` clears it.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct OrganiserInput {
    #[serde(default, deserialize_with = "nullable")]
    name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    privacy_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    contact_email: Option<Option<String>>,
}

impl OrganiserInput {
    pub(super) fn of(
        name: Option<Option<String>>,
        privacy_url: Option<Option<String>>,
        contact_email: Option<Option<String>>,
    ) -> Self {
        Self {
            name,
            privacy_url,
            contact_email,
        }
    }

    /// Checks each part given, naming a fault as `{prefix}.name` and so on.
    pub fn parse(self, prefix: &str, e: &mut FieldErrors) -> Option<IdentityChanges> {
        let field = |part: &str| format!("{prefix}.{part}");
        let name = optional_part(e, &field("name"), self.name, OrganiserName::parse);
        let privacy_url = optional_part(
            e,
            &field("privacy_url"),
            self.privacy_url,
            PrivacyUrl::parse,
        );
        let contact_email =
            optional_part(e, &field("contact_email"), self.contact_email, Email::parse);
        Some(IdentityChanges {
            name: name?,
            privacy_url: privacy_url?,
            contact_email: contact_email?,
        })
    }
}

/// A part of an edit that may be cleared: absent leaves it, `null` or blank clears it, and
/// anything else is parsed (a fault named `field`).
pub(super) fn optional_part<T>(
    e: &mut FieldErrors,
    field: &str,
    raw: Option<Option<String>>,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Option<Option<Option<T>>> {
    let raw = raw.map(|v| v.filter(|s| !s.trim().is_empty()));
    e.check_optional(field, raw, |v| v.as_deref().map(&parse).transpose())
}

/// An identity as the API shows it, as the pages and emails do; parts not yet known are
/// `null`.
pub use crate::templates::OrganiserView;

/// The signer settings a request gives, each absent part left as it is (or, for a new
/// campaign, as the defaults have it).
struct SignerInput {
    lang: Option<String>,
    translations: Option<serde_json::Value>,
    young_signers: Option<bool>,
    young_retention_days: Option<Whole<u32>>,
    require_proof_of_work: Option<bool>,
    invite_reasons: Option<bool>,
}

impl SignerInput {
    /// Checks the parts against the campaign they will belong to, of `kind` and in `own`
    /// language until the edit says otherwise. A translation is into the language the
    /// campaign is not in; young signers do not take a pledge, which is public. (What an
    /// edit conflicts with in the campaign as it stands is `UpdateCampaign::signer_conflicts`.)
    fn parse(
        self,
        kind: CampaignKind,
        own: Lang,
        e: &mut FieldErrors,
    ) -> Option<SignerSettingsChanges> {
        let lang = e.check_optional("lang", self.lang.as_deref(), str::parse::<Lang>)?;
        let own = lang.unwrap_or(own);
        let translations = match &self.translations {
            None => None,
            Some(raw) => match Translations::parse(raw, own) {
                Ok(t) => Some(t),
                Err((field, message)) => {
                    e.check::<()>(&field, Err(message));
                    return None;
                }
            },
        };
        let young_retention_days = e.check_optional(
            "young_retention_days",
            self.young_retention_days.map(|d| d.0),
            RetentionDays::parse,
        )?;
        let young_signers = self.young_signers;
        if young_signers == Some(true) && kind == CampaignKind::Pledge {
            e.check::<()>(
                "young_signers",
                Err("is not taken by a pledge, which is taken in public".into()),
            );
            return None;
        }
        Some(SignerSettingsChanges {
            lang,
            translations,
            young_signers,
            young_retention_days,
            require_proof_of_work: self.require_proof_of_work,
            invite_reasons: self.invite_reasons,
        })
    }
}

fn parse_origins(raw: Vec<String>) -> Result<Vec<Origin>, String> {
    raw.iter()
        .map(|o| Origin::parse(o).map_err(|e| format!("{o:?} {e}")))
        .collect()
}

/// A closing time must lie ahead: a campaign that closes in the past would never take a
/// signature.
fn future_time(at: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    if at > Utc::now() {
        Ok(at)
    } else {
        Err("must be in the future".into())
    }
}

impl CreateCampaign {
    fn parse(self) -> Result<NewCampaign, ApiError> {
        self.validate()?;
        let mut e = FieldErrors::default();
        let signer_input = SignerInput {
            lang: self.lang,
            translations: self.translations,
            young_signers: self.young_signers,
            young_retention_days: self.young_retention_days,
            require_proof_of_work: self.require_proof_of_work,
            invite_reasons: self.invite_reasons,
        };
        let defaults = SignerSettings::default();
        let signers = match self.kind.parse::<CampaignKind>() {
            Ok(kind) => signer_input
                .parse(kind, defaults.lang, &mut e)
                .map(|changes| defaults.with(changes)),
            // The kind's own error is reported below.
            Err(_) => Some(defaults),
        };
        // Blank is none, as on an edit.
        let colour = e.check_optional(
            "colour",
            self.colour.flatten().filter(|c| !c.trim().is_empty()),
            |c| BrandColour::parse(&c),
        );
        let parsed = (
            e.check("slug", Slug::parse(&self.slug)),
            e.check("kind", self.kind.parse()),
            e.check("title", Title::parse(&self.title)),
            e.check("summary", Summary::parse(&self.summary)),
            e.check("body", Body::parse(&self.body)),
            e.check_optional("recipient", self.recipient.as_deref(), Recipient::parse),
            e.check_optional("target", self.target.map(|t| t.0), Target::parse),
            e.check(
                "milestones",
                Milestones::parse(self.milestones.into_iter().map(|m| m.0).collect()),
            ),
            e.check_optional("closes_at", self.closes_at, future_time),
            e.check("allowed_origins", parse_origins(self.allowed_origins)),
            e.check_optional(
                "retention_days",
                self.retention_days.map(|r| r.0),
                RetentionDays::parse,
            ),
            e.check_optional("contact_basis", self.contact_basis.as_deref(), str::parse),
            e.check_optional(
                "consent_public_text",
                self.consent_public_text.as_deref(),
                ConsentText::parse,
            ),
            e.check_optional(
                "consent_contact_text",
                self.consent_contact_text.as_deref(),
                ConsentText::parse,
            ),
            self.organiser.parse("organiser", &mut e),
            e.check_optional(
                "renew_after_months",
                self.renew_after_months.map(|m| m.0),
                RenewAfterMonths::parse,
            ),
            parse_targets(self.targets, &mut e),
        );
        let (
            Some(slug),
            Some(kind),
            Some(title),
            Some(summary),
            Some(body),
            Some(recipient),
            Some(target),
            Some(milestones),
            Some(closes_at),
            Some(allowed_origins),
            Some(retention_days),
            Some(contact_basis),
            Some(consent_public_text),
            Some(consent_contact_text),
            Some(organiser),
            Some(renew_after_months),
            Some(targets),
        ) = parsed
        else {
            return Err(ApiError::Validation(e.into_vec()));
        };
        let Some(signers) = signers else {
            return Err(ApiError::Validation(e.into_vec()));
        };
        let Some(colour) = colour else {
            return Err(ApiError::Validation(e.into_vec()));
        };
        if renew_after_months.is_some() && kind != CampaignKind::Pledge {
            return Err(ApiError::Validation(vec![renewal_not_a_pledge()]));
        }
        Ok(NewCampaign {
            slug,
            kind,
            title,
            summary,
            body,
            recipient,
            target,
            milestones,
            closes_at,
            require_confirmation: self.require_confirmation,
            allowed_origins,
            retention_days: retention_days.unwrap_or(RetentionDays::DEFAULT),
            contact_basis: contact_basis.unwrap_or(ContactBasis::Consent),
            consent_public_text,
            consent_contact_text,
            organiser: Identity::default().edited(organiser),
            renew_after_months,
            targets,
            signers,
            colour,
        })
    }
}

impl UpdateCampaign {
    /// What of an edit of who can sign `campaign` cannot take as it stands: 409, not 422,
    /// as the same edit would be taken by another campaign.
    fn signer_conflicts(&self, campaign: &Campaign) -> Result<(), ApiError> {
        let conflict = |why: &'static str| Err(ApiError::Conflict(Conflict::SignerSettings(why)));
        if self.young_signers == Some(true) && campaign.kind == CampaignKind::Pledge {
            return conflict("young_signers is not taken by a pledge, which is taken in public");
        }
        let own = self
            .lang
            .as_deref()
            .and_then(|l| l.parse::<Lang>().ok())
            .unwrap_or(campaign.signers.lang);
        match self.translations.as_ref().and_then(|t| t.as_object()) {
            Some(given) if given.contains_key(own.as_str()) => conflict(
                "translations may not hold the campaign's own language, whose words are its own fields",
            ),
            None if self.translations.is_none()
                && own != campaign.signers.lang
                && campaign.signers.translations.get(own).is_some() =>
            {
                conflict(
                    "the campaign has a translation into its new lang: give translations with it \
                     (without that language, or {})",
                )
            }
            _ => Ok(()),
        }
    }

    /// Parses the edit of `campaign`, whose settings some of its parts are checked against.
    fn parse(self, campaign: &Campaign) -> Result<CampaignChanges, ApiError> {
        self.validate()?;
        self.signer_conflicts(campaign)?;
        let mut e = FieldErrors::default();
        let signers = SignerInput {
            lang: self.lang,
            translations: self.translations,
            young_signers: self.young_signers,
            young_retention_days: self.young_retention_days,
            require_proof_of_work: self.require_proof_of_work,
            invite_reasons: self.invite_reasons,
        }
        .parse(campaign.kind, campaign.signers.lang, &mut e);
        let colour = e.check_optional("colour", self.colour, |c| {
            c.filter(|c| !c.trim().is_empty())
                .as_deref()
                .map(BrandColour::parse)
                .transpose()
        });
        let parsed = (
            e.check_optional("title", self.title.as_deref(), Title::parse),
            e.check_optional("summary", self.summary.as_deref(), Summary::parse),
            e.check_optional("body", self.body.as_deref(), Body::parse),
            e.check_optional("recipient", self.recipient, |r| {
                r.as_deref().map(Recipient::parse).transpose()
            }),
            e.check_optional("target", self.target, |t| {
                t.map(|t| Target::parse(t.0)).transpose()
            }),
            e.check_optional("milestones", self.milestones, |m| {
                Milestones::parse(m.into_iter().map(|m| m.0).collect())
            }),
            e.check_optional("closes_at", self.closes_at, |c| {
                c.map(future_time).transpose()
            }),
            e.check_optional("allowed_origins", self.allowed_origins, parse_origins),
            e.check_optional(
                "retention_days",
                self.retention_days.map(|r| r.0),
                RetentionDays::parse,
            ),
            e.check_optional("contact_basis", self.contact_basis.as_deref(), str::parse),
            e.check_optional(
                "consent_public_text",
                self.consent_public_text.as_deref(),
                ConsentText::parse,
            ),
            e.check_optional(
                "consent_contact_text",
                self.consent_contact_text.as_deref(),
                ConsentText::parse,
            ),
            self.organiser.parse("organiser", &mut e),
            e.check_optional(
                "status",
                self.status.as_deref(),
                str::parse::<CampaignStatus>,
            ),
            e.check_optional("renew_after_months", self.renew_after_months, |m| {
                m.map(|m| RenewAfterMonths::parse(m.0)).transpose()
            }),
            match self.targets {
                None => Some(None),
                Some(raw) => parse_targets(raw, &mut e).map(Some),
            },
        );
        let (
            Some(title),
            Some(summary),
            Some(body),
            Some(recipient),
            Some(target),
            Some(milestones),
            Some(closes_at),
            Some(allowed_origins),
            Some(retention_days),
            Some(contact_basis),
            Some(consent_public_text),
            Some(consent_contact_text),
            Some(organiser),
            Some(status),
            Some(renew_after_months),
            Some(targets),
        ) = parsed
        else {
            return Err(ApiError::Validation(e.into_vec()));
        };
        let Some(colour) = colour else {
            return Err(ApiError::Validation(e.into_vec()));
        };
        let Some(signers) = signers else {
            return Err(ApiError::Validation(e.into_vec()));
        };
        Ok(CampaignChanges {
            title,
            summary,
            body,
            recipient,
            target,
            milestones,
            closes_at,
            require_confirmation: self.require_confirmation,
            allowed_origins,
            retention_days,
            contact_basis,
            consent_public_text,
            consent_contact_text,
            organiser,
            status,
            renew_after_months,
            targets,
            signers,
            colour,
        })
    }
}

fn renewal_not_a_pledge() -> FieldError {
    FieldError::new("renew_after_months", "is only taken for a pledge")
}

/// A campaign as the API shows it. Settings that concern only its organisers are shown only
/// to them.
#[derive(Serialize)]
pub(super) struct CampaignView {
    /// For a draft, to its organisers: the private link that shows it as the public will see
    /// it once it opens.
    #[serde(skip_serializing_if = "Option::is_none")]
    preview_url: Option<String>,
    slug: String,
    kind: &'static str,
    status: &'static str,
    title: String,
    summary: String,
    body: String,
    recipient: Option<String>,
    target: Option<u64>,
    milestones: Vec<u64>,
    closes_at: Option<DateTime<Utc>>,
    require_confirmation: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    opened_at: Option<DateTime<Utc>>,
    closed_at: Option<DateTime<Utc>>,
    consent: ConsentView,
    /// The version of its text it shows, and when that replaced the one before (`null` for
    /// the first); earlier ones are at `GET /v1/campaigns/{slug}/versions`.
    text: TextView,
    /// Who is asking; for a draft, with what it lacks from its owner's account.
    organiser: OrganiserView,
    #[serde(skip_serializing_if = "Option::is_none")]
    allowed_origins: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retention_days: Option<u32>,
    /// For a pledge: months a pledge holds before it must be renewed (`null`: for good).
    #[serde(skip_serializing_if = "Option::is_none")]
    renew_after_months: Option<Option<u32>>,
    /// Who it is handed to; their emails only to its organisers.
    targets: Vec<TargetView>,
    /// The language of its own texts.
    lang: &'static str,
    /// Its texts in its other language, part by part.
    translations: serde_json::Value,
    /// Young signers are welcome: signing asks an age band.
    young_signers: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    young_retention_days: Option<u32>,
    /// Signing asks for a proof of work (`GET /v1/altcha/challenge`).
    require_proof_of_work: bool,
    /// The form invites a short reason for signing.
    invite_reasons: bool,
    /// Its own colour, where it sets one (its owner's otherwise).
    colour: Option<String>,
    /// Its own logo, where it has one (its owner's otherwise).
    logo_url: Option<String>,
    /// Its hand-ins, for anyone to check a bundle against (on `GET` of one campaign).
    #[serde(skip_serializing_if = "Option::is_none")]
    handins: Option<Vec<super::handins::HandinView>>,
    /// Its latest outcome, as told to its signers (on `GET` of one campaign; `null`: none yet).
    #[serde(skip_serializing_if = "Option::is_none")]
    outcome: Option<Option<super::updates::OutcomeView>>,
}

#[derive(Serialize)]
struct TargetView {
    name: String,
    role: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
}

#[derive(Serialize)]
struct TextView {
    version: u32,
    changed_at: Option<DateTime<Utc>>,
}

/// The consent wording a signing form must show, and its version to send back when signing.
#[derive(Serialize)]
pub struct ConsentView {
    version: u32,
    contact_basis: &'static str,
    public_text: String,
    contact_text: String,
}

impl CampaignView {
    /// `organiser` is who is asking (see `accounts::organiser_of`).
    pub(super) fn of(
        state: &AppState,
        campaign: &Campaign,
        organiser: &Identity,
        viewer: Option<&User>,
        now: DateTime<Utc>,
    ) -> Self {
        let managed = viewer.is_some_and(|user| campaign.is_managed_by(user));
        let status = campaign.status_at(now);
        Self {
            preview_url: (managed && status == CampaignStatus::Draft).then(|| {
                format!(
                    "{}{}",
                    state.public_url.as_str().trim_end_matches('/'),
                    state.previews.path(campaign)
                )
            }),
            slug: campaign.slug.to_string(),
            kind: campaign.kind.as_str(),
            status: status.as_str(),
            title: campaign.title.as_str().to_owned(),
            summary: campaign.summary.as_str().to_owned(),
            body: campaign.body.as_str().to_owned(),
            recipient: campaign.recipient.as_ref().map(|r| r.as_str().to_owned()),
            target: campaign.target.map(Target::get),
            milestones: campaign.milestones.counts().to_vec(),
            closes_at: campaign.closes_at,
            require_confirmation: campaign.require_confirmation,
            created_at: campaign.created_at,
            updated_at: campaign.updated_at,
            opened_at: campaign.opened_at,
            closed_at: campaign.closed_at,
            consent: ConsentView {
                version: campaign.consent.version,
                contact_basis: campaign.consent.contact_basis.as_str(),
                public_text: campaign.consent.public_text.as_str().to_owned(),
                contact_text: campaign.consent.contact_text.as_str().to_owned(),
            },
            text: TextView {
                version: campaign.text_version.number,
                changed_at: campaign.text_version.changed_at,
            },
            organiser: OrganiserView::from(organiser),
            allowed_origins: managed.then(|| {
                campaign
                    .allowed_origins
                    .iter()
                    .map(|o| o.as_str().to_owned())
                    .collect()
            }),
            retention_days: managed.then(|| campaign.retention_days.get()),
            renew_after_months: (campaign.kind == CampaignKind::Pledge)
                .then(|| campaign.renew_after_months.map(RenewAfterMonths::get)),
            targets: campaign
                .targets
                .iter()
                .map(|t| TargetView {
                    name: t.name.as_str().to_owned(),
                    role: t.role.as_str().to_owned(),
                    email: t
                        .email
                        .as_ref()
                        .filter(|_| managed)
                        .map(|e| e.as_str().to_owned()),
                })
                .collect(),
            lang: campaign.signers.lang.as_str(),
            translations: campaign.signers.translations.to_json(),
            young_signers: campaign.signers.young_signers,
            young_retention_days: managed.then(|| campaign.signers.young_retention_days.get()),
            require_proof_of_work: campaign.signers.require_proof_of_work,
            invite_reasons: campaign.signers.invite_reasons,
            colour: campaign
                .brand
                .colour
                .as_ref()
                .map(|c| c.as_str().to_owned()),
            logo_url: campaign.brand.logo.map(crate::logos::logo_path),
            handins: None,
            outcome: None,
        }
    }
}

/// Finds a campaign the viewer may see: drafts exist only for their owner and admins.
pub(super) async fn visible_campaign(
    state: &AppState,
    slug: &Slug,
    viewer: Option<&User>,
    now: DateTime<Utc>,
) -> Result<Campaign, ApiError> {
    let campaign = super::campaign_named(state, slug).await?;
    let is_draft = campaign.status_at(now) == CampaignStatus::Draft;
    if is_draft && !viewer.is_some_and(|user| campaign.is_managed_by(user)) {
        return Err(ApiError::NotFound);
    }
    Ok(campaign)
}

/// A parsed request, refused with every field at fault (see `domain::with_faults`).
fn with_faults<T>(parsed: Result<T, ApiError>, faults: Vec<FieldError>) -> Result<T, ApiError> {
    let parsed = match parsed {
        Err(ApiError::Validation(found)) => Err(found),
        Err(other) => return Err(other),
        Ok(value) => Ok(value),
    };
    crate::domain::with_faults(parsed, faults).map_err(ApiError::Validation)
}

/// `POST /v1/campaigns`: an organiser starts a campaign, as a draft.
pub async fn create_campaign(
    Organiser(caller): Organiser,
    state: web::Data<AppState>,
    body: JsonFields<CreateCampaign>,
) -> Result<HttpResponse, ApiError> {
    let now = store::now();
    let new = with_faults(body.value.parse(), body.faults)?;
    let campaign = Campaign::draft(new, caller.id, &caller.organiser, now);
    match state.store.insert_campaign(&campaign).await {
        Err(StoreError::Conflict(_)) => Err(ApiError::Conflict(Conflict::SlugTaken)),
        Err(other) => Err(other.into()),
        Ok(()) => Ok(HttpResponse::Created()
            .insert_header((header::LOCATION, format!("/v1/campaigns/{}", campaign.slug)))
            .json(CampaignView::of(
                &state,
                &campaign,
                &campaign.organiser_with(&caller.organiser),
                Some(&caller),
                now,
            ))),
    }
}

/// `GET /v1/campaigns`: open campaigns for everyone; with a token, the caller's own, drafts
/// included (an admin's: every campaign).
pub async fn list_campaigns(
    MaybeOrganiser(viewer): MaybeOrganiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let now = store::now();
    let campaigns = match &viewer {
        Some(user) if user.is_admin => state.store.all_campaigns().await?,
        Some(user) => state.store.campaigns_owned_by(user.id).await?,
        None => state
            .store
            .opened_campaigns()
            .await?
            .into_iter()
            .filter(|c| c.status_at(now) == CampaignStatus::Open)
            .collect(),
    };
    let mut views = Vec::with_capacity(campaigns.len());
    for campaign in &campaigns {
        let organiser = organiser_of(state.store.as_ref(), campaign, viewer.as_ref()).await?;
        views.push(CampaignView::of(
            &state,
            campaign,
            &organiser,
            viewer.as_ref(),
            now,
        ));
    }
    Ok(HttpResponse::Ok().json(serde_json::json!({ "campaigns": views })))
}

/// `GET /v1/campaigns/{slug}`.
pub async fn get_campaign(
    MaybeOrganiser(viewer): MaybeOrganiser,
    state: web::Data<AppState>,
    slug: web::Path<Slug>,
) -> Result<HttpResponse, ApiError> {
    let now = store::now();
    let campaign = visible_campaign(&state, &slug, viewer.as_ref(), now).await?;
    let organiser = organiser_of(state.store.as_ref(), &campaign, viewer.as_ref()).await?;
    let mut view = CampaignView::of(&state, &campaign, &organiser, viewer.as_ref(), now);
    view.handins = Some(super::handins::handin_views(&state, campaign.id, true).await?);
    let outcome = state.store.latest_outcome(campaign.id).await?;
    view.outcome = Some(outcome.map(super::updates::OutcomeView::from));
    Ok(HttpResponse::Ok().json(view))
}

/// `GET /v1/campaigns/{slug}/versions`: every version of its text, oldest first, with how
/// many signed each; who replaced each, to its organisers.
pub async fn versions(
    MaybeOrganiser(viewer): MaybeOrganiser,
    state: web::Data<AppState>,
    slug: web::Path<Slug>,
) -> Result<HttpResponse, ApiError> {
    let campaign = visible_campaign(&state, &slug, viewer.as_ref(), store::now()).await?;
    let managed = viewer.is_some_and(|user| campaign.is_managed_by(&user));
    let mut versions = crate::versions::versions_of(state.store.as_ref(), &campaign).await?;
    if !managed {
        for version in &mut versions {
            version.replaced_by = None;
        }
    }
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({ "versions": versions })))
}

/// `PATCH /v1/campaigns/{slug}`: its owner or an admin edits it or moves its status on.
pub async fn update_campaign(
    Organiser(caller): Organiser,
    state: web::Data<AppState>,
    slug: web::Path<Slug>,
    body: JsonFields<UpdateCampaign>,
) -> Result<HttpResponse, ApiError> {
    let now = store::now();
    let mut campaign = visible_campaign(&state, &slug, Some(&caller), now).await?;
    if !campaign.is_managed_by(&caller) {
        return Err(ApiError::Forbidden);
    }
    let changes = with_faults(body.value.parse(&campaign), body.faults)?;
    let stored_status = campaign.status;
    let account = owner_identity(state.store.as_ref(), &campaign, Some(&caller)).await?;
    // Once someone has signed, a change to the text makes its next version.
    let signed = state.store.campaign_count(campaign.id).await?.total() > 0;
    let before = campaign.clone();
    campaign
        .apply(changes, &account, signed, now)
        .map_err(|refused| match refused {
            ForbiddenEdit::Transition { from, to } => {
                ApiError::Conflict(Conflict::StatusTransition { from, to })
            }
            ForbiddenEdit::OrganiserMissing(parts) => ApiError::OrganiserMissing(
                parts
                    .into_iter()
                    .map(|part| {
                        FieldError::new(
                            format!("organiser.{part}"),
                            "is needed before the campaign opens, so that signers know who is \
                             asking",
                        )
                    })
                    .collect(),
            ),
            ForbiddenEdit::RenewalNotAPledge => ApiError::Conflict(Conflict::RenewalNotAPledge),
        })?;
    match state
        .store
        .update_campaign(&campaign, stored_status, caller.id)
        .await
    {
        // Someone else changed the status between our read and our write.
        Err(StoreError::Conflict(_)) => Err(ApiError::Conflict(Conflict::StatusTransition {
            from: stored_status,
            to: campaign.status,
        })),
        Err(other) => Err(other.into()),
        Ok(()) => {
            state.signing.forget(&campaign.slug);
            state.live.changed(campaign.id);
            if campaign.text_version != before.text_version {
                crate::audit::record(
                    state.store.as_ref(),
                    Some(caller.id),
                    "campaign_text_changed",
                    campaign.id,
                    None,
                    0,
                    format!(
                        "text changed after signing ({}): version {} replaced version {}, \
                         which its signatures keep",
                        campaign.text_changes(&before).join(", "),
                        campaign.text_version.number,
                        before.text_version.number,
                    ),
                )
                .await;
            }
            let organiser = campaign.organiser_with(&account);
            Ok(HttpResponse::Ok().json(CampaignView::of(
                &state,
                &campaign,
                &organiser,
                Some(&caller),
                now,
            )))
        }
    }
}
