use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    Body, Brand, BrandColour, ConsentText, ContactBasis, DecisionMaker, Identity, IdentityChanges,
    Lang, OrganiserName, Recipient, SigningRules, Slug, Summary, Title, Translations,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CampaignKind {
    /// Many individuals; the count is what matters.
    Petition,
    /// An open or sign-on letter to a named recipient; its signatories are published.
    Letter,
    /// A commitment (the body) that organisations, and individuals, take in public: each
    /// approved pledger has a page that verifies it and a badge for its own website.
    Pledge,
}

impl CampaignKind {
    /// Whether signers give an organisation and role, an organiser approves each before it is
    /// listed, and the list is published: letters and pledges, not petitions.
    pub fn lists_signatories(self) -> bool {
        matches!(self, CampaignKind::Letter | CampaignKind::Pledge)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CampaignStatus {
    Draft,
    Open,
    Closed,
}

impl CampaignStatus {
    /// The only moves a campaign makes: draft → open → closed.
    pub fn can_become(self, next: CampaignStatus) -> bool {
        matches!(
            (self, next),
            (CampaignStatus::Draft, CampaignStatus::Open)
                | (CampaignStatus::Open, CampaignStatus::Closed)
        )
    }
}

text_enum!(CampaignKind {
    CampaignKind::Petition => "petition",
    CampaignKind::Letter => "letter",
    CampaignKind::Pledge => "pledge",
});
text_enum!(CampaignStatus {
    CampaignStatus::Draft => "draft",
    CampaignStatus::Open => "open",
    CampaignStatus::Closed => "closed",
});

/// The number of signatures a campaign aims for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Target(u64);

/// Far above any petition ever run (the largest UK one had about 6 million signatures), and
/// well inside an `i64` column on either database.
const MAX_COUNT: u64 = 1_000_000_000;

impl Target {
    pub fn parse(raw: u64) -> Result<Self, String> {
        if (1..=MAX_COUNT).contains(&raw) {
            Ok(Self(raw))
        } else {
            Err(format!("must be between 1 and {MAX_COUNT}"))
        }
    }

    pub fn get(self) -> u64 {
        self.0
    }
}

/// Counts at which a campaign celebrates, kept sorted and without repeats.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Milestones(Vec<u64>);

impl Milestones {
    pub const MAX_ENTRIES: usize = 20;

    pub fn parse(raw: Vec<u64>) -> Result<Self, String> {
        if raw.len() > Self::MAX_ENTRIES {
            return Err(format!("may list at most {} milestones", Self::MAX_ENTRIES));
        }
        if raw.iter().any(|&m| !(1..=MAX_COUNT).contains(&m)) {
            return Err(format!("each milestone must be between 1 and {MAX_COUNT}"));
        }
        let mut counts = raw;
        counts.sort_unstable();
        counts.dedup();
        Ok(Self(counts))
    }

    pub fn counts(&self) -> &[u64] {
        &self.0
    }
}

/// How long after a campaign closes its signers' personal data is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionDays(u32);

impl RetentionDays {
    pub const DEFAULT: RetentionDays = RetentionDays(180);
    /// For young signers' data: kept for less time by default.
    pub const YOUNG_DEFAULT: RetentionDays = RetentionDays(30);
    const MAX: u32 = 3_650;

    pub fn parse(raw: u32) -> Result<Self, String> {
        if (1..=Self::MAX).contains(&raw) {
            Ok(Self(raw))
        } else {
            Err(format!("must be between 1 and {} days", Self::MAX))
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

/// How long a pledge holds before its pledger is asked to renew it; one not renewed lapses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenewAfterMonths(u32);

impl RenewAfterMonths {
    const MAX: u32 = 60;

    pub fn parse(raw: u32) -> Result<Self, String> {
        if (1..=Self::MAX).contains(&raw) {
            Ok(Self(raw))
        } else {
            Err(format!("must be between 1 and {} months", Self::MAX))
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }

    /// When a pledge made or last renewed at `from` lapses.
    pub fn lapses_at(self, from: DateTime<Utc>) -> DateTime<Utc> {
        from.checked_add_months(chrono::Months::new(self.0))
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    /// When its pledger is reminded: a month before it lapses (halfway, for a one-month pledge).
    pub fn reminds_at(self, from: DateTime<Utc>) -> DateTime<Utc> {
        let lapses = self.lapses_at(from);
        if self.0 == 1 {
            from + (lapses - from) / 2
        } else {
            lapses
                .checked_sub_months(chrono::Months::new(1))
                .unwrap_or(lapses)
        }
    }
}

/// A web origin (scheme, host and port) allowed to embed a campaign's form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin(String);

impl Origin {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let url = url::Url::parse(raw.trim())
            .map_err(|_| "must be an origin such as https://www.example.org".to_string())?;
        if !matches!(url.scheme(), "https" | "http") {
            return Err("must use https or http".into());
        }
        let bare = url.path() == "/"
            && url.query().is_none()
            && url.fragment().is_none()
            && url.username().is_empty()
            && url.password().is_none();
        if url.host().is_none() || !bare {
            return Err("must be an origin alone: scheme, host and port, no path".into());
        }
        let host = url.host_str().unwrap_or_default();
        if host.contains('*') {
            // `https://*.nyas.net` admits every subdomain of one organisation's domain; a
            // wildcard over a public suffix (`*.com`, `*.co.uk`, `*.github.io`) or everywhere
            // would let any site frame the form.
            let registrable = host
                .strip_prefix("*.")
                .filter(|rest| !rest.contains('*'))
                .and_then(psl::domain_str);
            if registrable.is_none() {
                return Err(
                    "may hold * only as the first part of an organisation's own domain, \
                     like https://*.example.org"
                        .into(),
                );
            }
        }
        Ok(Self(url.origin().ascii_serialization()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether a page at `origin` is one this allowed origin names: the same origin, or for
    /// `https://*.example.org` any subdomain of `example.org` with the same scheme and port
    /// (as `frame-ancestors` reads it).
    pub fn admits(&self, origin: &Origin) -> bool {
        if self == origin {
            return true;
        }
        let Some((scheme, rest)) = self.0.split_once("://*.") else {
            return false;
        };
        let Some(host_and_port) = origin
            .0
            .strip_prefix(scheme)
            .and_then(|o| o.strip_prefix("://"))
        else {
            return false;
        };
        host_and_port
            .strip_suffix(rest)
            .is_some_and(|sub| sub.len() > 1 && sub.ends_with('.') && !sub.contains('*'))
    }
}

const CONSENT_NAMED_START: &str = "Email me about this campaign and other work by ";
const CONSENT_NAMED_END: &str = ". I can unsubscribe at any time.";
const SOFT_NAMED_END: &str = " may email you about this campaign and their related work. Untick this box if you would rather they did not.";

/// The words shown beside the two consent boxes, and the basis for contacting signers. A change
/// makes a new version; what earlier signers were shown is never rewritten (the ICO asks for a
/// record of who consented, when, how and to what words).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentWording {
    pub version: u32,
    pub contact_basis: ContactBasis,
    pub public_text: ConsentText,
    pub contact_text: ConsentText,
}

impl ConsentWording {
    pub fn default_public_text(kind: CampaignKind) -> ConsentText {
        let text = match kind {
            CampaignKind::Petition => "Show my name on the public list of people who signed.",
            CampaignKind::Letter => {
                "List my name, role and organisation publicly as a signatory of this letter."
            }
            CampaignKind::Pledge => {
                "List this pledge publicly: our organisation (or my name), role and website, with a page that verifies it."
            }
        };
        ConsentText::parse(text).expect("default wording is valid")
    }

    /// The default words beside the contact box, naming the organiser once it is known.
    pub fn default_contact_text(
        basis: ContactBasis,
        organiser: Option<&OrganiserName>,
    ) -> ConsentText {
        let text = match (basis, organiser) {
            (ContactBasis::Consent, None) => {
                "Email me about this campaign and the organisers' related work. I can unsubscribe at any time.".to_owned()
            }
            (ContactBasis::Consent, Some(name)) => format!(
                "{CONSENT_NAMED_START}{}{CONSENT_NAMED_END}",
                name.as_str()
            ),
            (ContactBasis::SoftOptIn, None) => {
                "The organisers may email you about this campaign and their related work. Untick this box if you would rather they did not.".to_owned()
            }
            (ContactBasis::SoftOptIn, Some(name)) => format!(
                "{}{SOFT_NAMED_END}",
                name.as_str()
            ),
        };
        ConsentText::parse(&text).expect("default wording is valid")
    }

    /// Whether contact words are a default (for any organiser's name), which follow the
    /// organiser's name and basis; words the organiser wrote are theirs and are kept.
    fn is_default_contact_text(text: &ConsentText) -> bool {
        let text = text.as_str();
        [ContactBasis::Consent, ContactBasis::SoftOptIn]
            .iter()
            .any(|b| Self::default_contact_text(*b, None).as_str() == text)
            || (text.starts_with(CONSENT_NAMED_START) && text.ends_with(CONSENT_NAMED_END))
            || text.ends_with(SOFT_NAMED_END)
    }

    /// The wording after an edit: the same version if nothing changed, else the next one.
    /// A new basis without new contact words takes that basis's default words, and default
    /// words follow the organiser's name.
    fn revised(
        &self,
        basis: Option<ContactBasis>,
        public_text: Option<ConsentText>,
        contact_text: Option<ConsentText>,
        organiser: Option<&OrganiserName>,
    ) -> Self {
        let contact_basis = basis.unwrap_or(self.contact_basis);
        let contact_text = match contact_text {
            Some(text) => text,
            None if contact_basis != self.contact_basis
                || Self::is_default_contact_text(&self.contact_text) =>
            {
                Self::default_contact_text(contact_basis, organiser)
            }
            None => self.contact_text.clone(),
        };
        let revised = Self {
            version: self.version,
            contact_basis,
            public_text: public_text.unwrap_or_else(|| self.public_text.clone()),
            contact_text,
        };
        if revised == *self {
            revised
        } else {
            Self {
                version: self.version + 1,
                ..revised
            }
        }
    }
}

/// Who a campaign speaks to, and how it keeps bots out: its language and its words in the
/// other one, whether young signers are welcome (and how long their data is kept), and
/// whether signing asks for a proof of work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignerSettings {
    /// The language of the campaign's own texts, and of its pages for a signer who asks for
    /// none.
    pub lang: Lang,
    pub translations: Translations,
    pub young_signers: bool,
    /// How long after the campaign closes an under-18's personal data is kept, if less than
    /// the campaign's `retention_days` (see [`Campaign::young_retention`]).
    pub young_retention_days: RetentionDays,
    pub require_proof_of_work: bool,
    /// The form invites a short reason for signing (never of young signers).
    pub invite_reasons: bool,
}

impl Default for SignerSettings {
    fn default() -> Self {
        Self {
            lang: Lang::En,
            translations: Translations::default(),
            young_signers: false,
            young_retention_days: RetentionDays::YOUNG_DEFAULT,
            require_proof_of_work: false,
            invite_reasons: false,
        }
    }
}

/// An edit of [`SignerSettings`]: each part absent is left as it is.
#[derive(Debug, Clone, Default)]
pub struct SignerSettingsChanges {
    pub lang: Option<Lang>,
    pub translations: Option<Translations>,
    pub young_signers: Option<bool>,
    pub young_retention_days: Option<RetentionDays>,
    pub require_proof_of_work: Option<bool>,
    pub invite_reasons: Option<bool>,
}

impl SignerSettings {
    /// These settings with `changes` made.
    pub fn with(self, changes: SignerSettingsChanges) -> Self {
        self.edited(changes)
    }

    fn edited(&self, changes: SignerSettingsChanges) -> Self {
        Self {
            lang: changes.lang.unwrap_or(self.lang),
            translations: changes
                .translations
                .unwrap_or_else(|| self.translations.clone()),
            young_signers: changes.young_signers.unwrap_or(self.young_signers),
            young_retention_days: changes
                .young_retention_days
                .unwrap_or(self.young_retention_days),
            require_proof_of_work: changes
                .require_proof_of_work
                .unwrap_or(self.require_proof_of_work),
            invite_reasons: changes.invite_reasons.unwrap_or(self.invite_reasons),
        }
    }
}

/// A campaign as its organiser described it, before it is stored.
#[derive(Debug, Clone)]
pub struct NewCampaign {
    pub slug: Slug,
    pub kind: CampaignKind,
    pub title: Title,
    pub summary: Summary,
    pub body: Body,
    pub recipient: Option<Recipient>,
    pub target: Option<Target>,
    pub milestones: Milestones,
    pub closes_at: Option<DateTime<Utc>>,
    pub require_confirmation: bool,
    pub allowed_origins: Vec<Origin>,
    pub retention_days: RetentionDays,
    pub contact_basis: ContactBasis,
    pub consent_public_text: Option<ConsentText>,
    pub consent_contact_text: Option<ConsentText>,
    /// What the campaign sets of its organiser's identity; the rest comes from the account.
    pub organiser: Identity,
    /// For a pledge: how long it holds before it must be renewed (never, if unset).
    pub renew_after_months: Option<RenewAfterMonths>,
    /// Who the campaign is handed to.
    pub targets: Vec<DecisionMaker>,
    pub signers: SignerSettings,
    /// The campaign's own colour, where it sets one (its owner's otherwise).
    pub colour: Option<BrandColour>,
}

/// An organiser's edit: each field that is `Some` replaces the stored one; for nullable fields
/// `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct CampaignChanges {
    pub title: Option<Title>,
    pub summary: Option<Summary>,
    pub body: Option<Body>,
    pub recipient: Option<Option<Recipient>>,
    pub target: Option<Option<Target>>,
    pub milestones: Option<Milestones>,
    pub closes_at: Option<Option<DateTime<Utc>>>,
    pub require_confirmation: Option<bool>,
    pub allowed_origins: Option<Vec<Origin>>,
    pub retention_days: Option<RetentionDays>,
    pub contact_basis: Option<ContactBasis>,
    pub consent_public_text: Option<ConsentText>,
    pub consent_contact_text: Option<ConsentText>,
    pub organiser: IdentityChanges,
    pub status: Option<CampaignStatus>,
    pub renew_after_months: Option<Option<RenewAfterMonths>>,
    pub targets: Option<Vec<DecisionMaker>>,
    pub signers: SignerSettingsChanges,
    pub colour: Option<Option<BrandColour>>,
}

#[derive(Debug, Clone)]
pub struct Campaign {
    pub id: Uuid,
    pub slug: Slug,
    pub kind: CampaignKind,
    pub title: Title,
    pub summary: Summary,
    pub body: Body,
    pub recipient: Option<Recipient>,
    pub target: Option<Target>,
    pub milestones: Milestones,
    pub closes_at: Option<DateTime<Utc>>,
    pub require_confirmation: bool,
    pub allowed_origins: Vec<Origin>,
    pub retention_days: RetentionDays,
    pub consent: ConsentWording,
    /// The status as last set by its organiser; see [`Campaign::status_at`] for what it reads as.
    pub status: CampaignStatus,
    pub owner_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub opened_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// The identity the campaign sets itself. A draft takes what it lacks from its owner's
    /// account as that account stands (see [`Campaign::organiser_with`]); opening copies it
    /// in, so that what signers were told does not change under them.
    pub organiser: Identity,
    /// For a pledge: how long it holds before it must be renewed (never, if unset).
    pub renew_after_months: Option<RenewAfterMonths>,
    /// Who the campaign is handed to: names and roles are public, emails never.
    pub targets: Vec<DecisionMaker>,
    pub signers: SignerSettings,
    /// The campaign's own look: its colour and logo, where it sets them.
    pub brand: Brand,
    /// Its owner's account's look as it stood when the campaign was read: what the campaign
    /// shows where it sets nothing itself (see [`Campaign::look`]).
    pub account_brand: Brand,
    /// Which version of its text (title, summary, body, recipient, translations) it shows.
    pub text_version: TextVersion,
    /// The email addresses its signing refuses (see [`Screening`]).
    pub screening: Screening,
}

/// The email addresses a campaign refuses at signing, besides the whole service's: its own
/// blocklist, and, if it asks, the domains of throwaway inboxes. A refused signature gets the
/// answer any other does, and is kept apart as spam, never counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Screening {
    pub blocklist: super::integrity::Blocklist,
    pub block_disposable: bool,
}

impl Screening {
    pub fn refuses(&self, email: &super::Email) -> bool {
        self.blocklist.blocks(email)
            || (self.block_disposable && super::integrity::is_disposable(email))
    }
}

/// The version of a campaign's text that signers are given now. Until someone has signed, an
/// edit changes the text in place; after, it makes the next version, and the one before is
/// kept, so that every signature can say what it signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextVersion {
    pub number: u32,
    /// When it replaced the version before; `None` for the first.
    pub changed_at: Option<DateTime<Utc>>,
}

impl Default for TextVersion {
    fn default() -> Self {
        Self {
            number: 1,
            changed_at: None,
        }
    }
}

/// An edit the campaign's rules do not allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForbiddenEdit {
    /// A status change that the draft → open → closed order does not allow.
    Transition {
        from: CampaignStatus,
        to: CampaignStatus,
    },
    /// Opening without knowing who is asking: the parts of the identity still missing.
    OrganiserMissing(Vec<&'static str>),
    /// A renewal period for a campaign that is not a pledge.
    RenewalNotAPledge,
}

impl Campaign {
    /// The look its pages, form, emails and preview wear: its own colour and logo, with
    /// what it leaves unset from its owner's account (which, unlike the identity signers are
    /// told, is never frozen).
    pub fn look(&self) -> Brand {
        self.brand.or(&self.account_brand)
    }

    /// A new campaign starts as a draft that only its owner (and admins) can see.
    /// `account` is the owner's account identity, which names the organiser in the default
    /// consent words.
    pub fn draft(new: NewCampaign, owner_id: Uuid, account: &Identity, now: DateTime<Utc>) -> Self {
        let organiser_name = new.organiser.or(account).name;
        let consent = ConsentWording {
            version: 1,
            contact_basis: new.contact_basis,
            public_text: new
                .consent_public_text
                .unwrap_or_else(|| ConsentWording::default_public_text(new.kind)),
            contact_text: new.consent_contact_text.unwrap_or_else(|| {
                ConsentWording::default_contact_text(new.contact_basis, organiser_name.as_ref())
            }),
        };
        Self {
            consent,
            id: Uuid::now_v7(),
            slug: new.slug,
            kind: new.kind,
            title: new.title,
            summary: new.summary,
            body: new.body,
            recipient: new.recipient,
            target: new.target,
            milestones: new.milestones,
            closes_at: new.closes_at,
            require_confirmation: new.require_confirmation,
            allowed_origins: new.allowed_origins,
            retention_days: new.retention_days,
            status: CampaignStatus::Draft,
            owner_id,
            created_at: now,
            updated_at: now,
            opened_at: None,
            closed_at: None,
            organiser: new.organiser,
            renew_after_months: new.renew_after_months,
            targets: new.targets,
            signers: new.signers,
            brand: Brand {
                colour: new.colour,
                ..Brand::default()
            },
            account_brand: Brand::default(),
            text_version: TextVersion::default(),
            screening: Screening::default(),
        }
    }

    /// How long after closing an under-18's personal data is kept: the shorter time.
    pub fn young_retention(&self) -> RetentionDays {
        RetentionDays(
            self.signers
                .young_retention_days
                .get()
                .min(self.retention_days.get()),
        )
    }

    /// What reading a signer's form asks, by this campaign's settings.
    pub fn signing_rules(&self) -> SigningRules {
        SigningRules {
            kind: self.kind,
            contact_basis: self.consent.contact_basis,
            young_signers: self.signers.young_signers,
            lang: self.signers.lang,
            invite_reasons: self.signers.invite_reasons,
        }
    }

    /// Who is asking, as signers are told: the campaign's own identity, with what it lacks
    /// taken from its owner's `account`.
    pub fn organiser_with(&self, account: &Identity) -> Identity {
        self.organiser.or(account)
    }

    /// An open campaign whose closing time has passed reads as closed.
    pub fn status_at(&self, now: DateTime<Utc>) -> CampaignStatus {
        match (self.status, self.closes_at) {
            (CampaignStatus::Open, Some(closes_at)) if closes_at <= now => CampaignStatus::Closed,
            (status, _) => status,
        }
    }

    /// When the campaign closed or will read as closed, whichever came first.
    pub fn closed_since(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self.status_at(now) {
            CampaignStatus::Closed => self.closed_at.or(self.closes_at),
            _ => None,
        }
    }

    pub fn is_managed_by(&self, user: &super::User) -> bool {
        user.is_admin || user.id == self.owner_id
    }

    /// Applies an organiser's edit; `account` is the owner's account identity, `signed`
    /// whether anyone has signed (then a change to the text makes its next version). Field
    /// edits come first, so that moving `closes_at` into the future and closing in one
    /// request are judged against the new closing time, and naming the organiser and opening
    /// in one request is allowed.
    pub fn apply(
        &mut self,
        changes: CampaignChanges,
        account: &Identity,
        signed: bool,
        now: DateTime<Utc>,
    ) -> Result<(), ForbiddenEdit> {
        let mut edited = self.clone();
        let CampaignChanges {
            title,
            summary,
            body,
            recipient,
            target,
            milestones,
            closes_at,
            require_confirmation,
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
        } = changes;
        edited.signers = edited.signers.edited(signers);
        if let Some(colour) = colour {
            edited.brand.colour = colour;
        }
        if let Some(v) = targets {
            edited.targets = v;
        }
        if let Some(months) = renew_after_months {
            if months.is_some() && self.kind != CampaignKind::Pledge {
                return Err(ForbiddenEdit::RenewalNotAPledge);
            }
            edited.renew_after_months = months;
        }
        let organiser_edited = !organiser.is_empty();
        edited.organiser = edited.organiser.edited(organiser);
        let organiser_name = edited.organiser_with(account).name;
        edited.consent = edited.consent.revised(
            contact_basis,
            consent_public_text,
            consent_contact_text,
            organiser_name.as_ref(),
        );
        if let Some(v) = title {
            edited.title = v;
        }
        if let Some(v) = summary {
            edited.summary = v;
        }
        if let Some(v) = body {
            edited.body = v;
        }
        if let Some(v) = recipient {
            edited.recipient = v;
        }
        if let Some(v) = target {
            edited.target = v;
        }
        if let Some(v) = milestones {
            edited.milestones = v;
        }
        if let Some(v) = closes_at {
            edited.closes_at = v;
        }
        if let Some(v) = require_confirmation {
            edited.require_confirmation = v;
        }
        if let Some(v) = allowed_origins {
            edited.allowed_origins = v;
        }
        if let Some(v) = retention_days {
            edited.retention_days = v;
        }
        if let Some(next) = status {
            let from = edited.status_at(now);
            if !from.can_become(next) {
                return Err(ForbiddenEdit::Transition { from, to: next });
            }
            edited.status = next;
            match next {
                CampaignStatus::Open => edited.opened_at = Some(now),
                CampaignStatus::Closed => edited.closed_at = Some(now),
                CampaignStatus::Draft => {}
            }
        }
        // An open campaign has a whole identity: opening copies the account's parts in, and so
        // does an edit of an open campaign's; one that would leave a part missing is refused.
        let opening = status == Some(CampaignStatus::Open);
        if (opening || organiser_edited) && edited.status == CampaignStatus::Open {
            edited.organiser = edited.organiser_with(account);
            let missing = edited.organiser.missing();
            if !missing.is_empty() {
                return Err(ForbiddenEdit::OrganiserMissing(missing));
            }
        }
        if signed && !edited.text_changes(self).is_empty() {
            edited.text_version = TextVersion {
                number: self.text_version.number + 1,
                changed_at: Some(now),
            };
        }
        edited.updated_at = now;
        *self = edited;
        Ok(())
    }

    /// The parts of the text signers are given (title, summary, body, recipient,
    /// translations) in which `other` differs.
    pub fn text_changes(&self, other: &Campaign) -> Vec<&'static str> {
        [
            ("title", self.title == other.title),
            ("summary", self.summary == other.summary),
            ("body", self.body == other.body),
            ("recipient", self.recipient == other.recipient),
            (
                "translations",
                self.signers.translations == other.signers.translations,
            ),
        ]
        .into_iter()
        .filter_map(|(part, same)| (!same).then_some(part))
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wildcard_origin_is_one_organisation_s_subdomains_only() {
        for refused in [
            "https://*",
            "https://*.com",
            "https://*.co.uk",
            "https://*.github.io",
            "https://a.*.nyas.net",
            "https://*x.nyas.net",
            "https://*.*.nyas.net",
            "http://*",
        ] {
            assert!(Origin::parse(refused).is_err(), "{refused}");
        }
        let any_nyas = Origin::parse("https://*.nyas.net").unwrap();
        let at = |raw: &str| Origin::parse(raw).unwrap();
        assert!(any_nyas.admits(&at("https://www.nyas.net")));
        assert!(any_nyas.admits(&at("https://campaigns.cymru.nyas.net")));
        assert!(
            !any_nyas.admits(&at("https://nyas.net")),
            "the domain itself is not a subdomain"
        );
        assert!(!any_nyas.admits(&at("https://evilnyas.net")));
        assert!(!any_nyas.admits(&at("http://www.nyas.net")));
        assert!(!any_nyas.admits(&at("https://www.nyas.net:8443")));
        assert!(at("https://nyas.net").admits(&at("https://nyas.net")));
        assert!(Origin::parse("https://*.article39.org.uk").is_ok());
    }
    use chrono::Duration;

    fn campaign(now: DateTime<Utc>) -> Campaign {
        Campaign::draft(
            NewCampaign {
                slug: Slug::parse("scrapsi445").unwrap(),
                kind: CampaignKind::Petition,
                title: Title::parse("Scrap SI 445").unwrap(),
                summary: Summary::parse("Reinstate children's rights in care").unwrap(),
                body: Body::parse("We call on the Government…").unwrap(),
                recipient: None,
                target: None,
                milestones: Milestones::default(),
                closes_at: None,
                require_confirmation: true,
                allowed_origins: vec![],
                retention_days: RetentionDays::DEFAULT,
                contact_basis: ContactBasis::Consent,
                consent_public_text: None,
                consent_contact_text: None,
                organiser: Identity::default(),
                renew_after_months: None,
                targets: Vec::new(),
                signers: SignerSettings::default(),
                colour: None,
            },
            Uuid::now_v7(),
            &account(),
            now,
        )
    }

    /// The owner's account identity, complete.
    fn account() -> Identity {
        Identity {
            name: Some(OrganiserName::parse("Article 39").unwrap()),
            privacy_url: Some(
                super::super::PrivacyUrl::parse("https://article39.org.uk/privacy").unwrap(),
            ),
            contact_email: Some(super::super::Email::parse("info@article39.org.uk").unwrap()),
        }
    }

    fn to(status: CampaignStatus) -> CampaignChanges {
        CampaignChanges {
            status: Some(status),
            ..Default::default()
        }
    }

    #[test]
    fn moves_only_forward() {
        let now = Utc::now();
        let mut c = campaign(now);
        assert!(
            c.apply(to(CampaignStatus::Closed), &account(), false, now)
                .is_err()
        );
        c.apply(to(CampaignStatus::Open), &account(), false, now)
            .unwrap();
        assert_eq!(c.opened_at, Some(now));
        assert!(
            c.apply(to(CampaignStatus::Draft), &account(), false, now)
                .is_err()
        );
        assert!(
            c.apply(to(CampaignStatus::Open), &account(), false, now)
                .is_err()
        );
        c.apply(to(CampaignStatus::Closed), &account(), false, now)
            .unwrap();
        assert!(
            c.apply(to(CampaignStatus::Open), &account(), false, now)
                .is_err()
        );
        assert_eq!(c.status, CampaignStatus::Closed);
    }

    #[test]
    fn an_open_campaign_past_its_closing_time_reads_closed() {
        let now = Utc::now();
        let mut c = campaign(now);
        c.closes_at = Some(now + Duration::hours(1));
        c.apply(to(CampaignStatus::Open), &account(), false, now)
            .unwrap();
        assert_eq!(c.status_at(now), CampaignStatus::Open);
        assert_eq!(
            c.status_at(now + Duration::hours(2)),
            CampaignStatus::Closed
        );
    }

    #[test]
    fn a_refused_change_leaves_the_campaign_as_it_was() {
        let now = Utc::now();
        let mut c = campaign(now);
        let changes = CampaignChanges {
            title: Some(Title::parse("New title").unwrap()),
            status: Some(CampaignStatus::Closed),
            ..Default::default()
        };
        assert!(c.apply(changes, &account(), false, now).is_err());
        assert_eq!(c.title.as_str(), "Scrap SI 445");
    }

    #[test]
    fn changing_the_consent_wording_makes_a_new_version() {
        let now = Utc::now();
        let mut c = campaign(now);
        assert_eq!(c.consent.version, 1);
        c.apply(CampaignChanges::default(), &account(), false, now)
            .unwrap();
        assert_eq!(
            c.consent.version, 1,
            "an edit that leaves the words alone keeps the version"
        );
        let same_words = CampaignChanges {
            consent_public_text: Some(c.consent.public_text.clone()),
            ..Default::default()
        };
        c.apply(same_words, &account(), false, now).unwrap();
        assert_eq!(c.consent.version, 1);
        let soft = CampaignChanges {
            contact_basis: Some(ContactBasis::SoftOptIn),
            ..Default::default()
        };
        c.apply(soft, &account(), false, now).unwrap();
        assert_eq!(c.consent.version, 2);
        assert_eq!(
            c.consent.contact_text,
            ConsentWording::default_contact_text(ContactBasis::SoftOptIn, account().name.as_ref())
        );
    }

    #[test]
    fn a_campaign_opens_only_knowing_who_is_asking() {
        let now = Utc::now();
        let mut c = campaign(now);
        let partial = Identity {
            name: account().name,
            ..Identity::default()
        };
        assert_eq!(
            c.apply(to(CampaignStatus::Open), &partial, false, now),
            Err(ForbiddenEdit::OrganiserMissing(vec![
                "privacy_url",
                "contact_email"
            ]))
        );
        assert_eq!(c.status, CampaignStatus::Draft);
        // Set on the campaign itself, the rest from the account.
        let own_email = CampaignChanges {
            organiser: IdentityChanges {
                privacy_url: Some(account().privacy_url),
                contact_email: Some(account().contact_email),
                ..Default::default()
            },
            status: Some(CampaignStatus::Open),
            ..Default::default()
        };
        c.apply(own_email, &partial, false, now).unwrap();
        // Opening copied the account's part in: a later change of account leaves it.
        assert_eq!(c.organiser, account());
        assert_eq!(c.organiser_with(&Identity::default()), account());
    }

    #[test]
    fn an_open_campaign_cannot_lose_who_is_asking() {
        let now = Utc::now();
        let mut c = campaign(now);
        c.apply(to(CampaignStatus::Open), &account(), false, now)
            .unwrap();
        let clear = CampaignChanges {
            organiser: IdentityChanges {
                privacy_url: Some(None),
                ..Default::default()
            },
            ..Default::default()
        };
        // Cleared on the campaign, the account's part comes back in ...
        c.apply(clear.clone(), &account(), false, now).unwrap();
        assert_eq!(c.organiser, account());
        // ... and with none on the account either, the edit is refused.
        assert_eq!(
            c.apply(clear, &Identity::default(), false, now),
            Err(ForbiddenEdit::OrganiserMissing(vec!["privacy_url"]))
        );
        assert_eq!(c.organiser, account());
    }

    #[test]
    fn default_contact_words_name_the_organiser_and_follow_its_name() {
        let now = Utc::now();
        let mut c = campaign(now);
        assert!(
            c.consent
                .contact_text
                .as_str()
                .contains("other work by Article 39")
        );
        let renamed = CampaignChanges {
            organiser: IdentityChanges {
                name: Some(Some(OrganiserName::parse("Together Trust").unwrap())),
                ..Default::default()
            },
            ..Default::default()
        };
        c.apply(renamed, &account(), false, now).unwrap();
        assert!(
            c.consent
                .contact_text
                .as_str()
                .contains("other work by Together Trust")
        );
        assert_eq!(c.consent.version, 2);
        // Words the organiser wrote are theirs: a new name leaves them.
        let own_words = CampaignChanges {
            consent_contact_text: Some(ConsentText::parse("Keep me posted.").unwrap()),
            ..Default::default()
        };
        c.apply(own_words, &account(), false, now).unwrap();
        let renamed_again = CampaignChanges {
            organiser: IdentityChanges {
                name: Some(None),
                ..Default::default()
            },
            ..Default::default()
        };
        c.apply(renamed_again, &account(), false, now).unwrap();
        assert_eq!(c.consent.contact_text.as_str(), "Keep me posted.");
    }

    #[test]
    fn origins_are_reduced_to_scheme_host_and_port() {
        assert_eq!(
            Origin::parse("https://NYAS.org.uk").unwrap().as_str(),
            "https://nyas.org.uk"
        );
        assert_eq!(
            Origin::parse("http://127.0.0.1:8081/").unwrap().as_str(),
            "http://127.0.0.1:8081"
        );
        for raw in [
            "nyas.org.uk",
            "ftp://x.org",
            "https://x.org/page",
            "https://u:p@x.org",
            "*",
        ] {
            assert!(Origin::parse(raw).is_err(), "{raw:?} was accepted");
        }
    }

    #[test]
    fn milestones_are_sorted_once_each() {
        let m = Milestones::parse(vec![1000, 100, 1000, 10]).unwrap();
        assert_eq!(m.counts(), &[10, 100, 1000]);
        assert!(Milestones::parse(vec![0]).is_err());
        assert!(Milestones::parse((1..=21).collect()).is_err());
    }
}
