//! What signing, counting and sending are made of, as plain values: a signing attempt ready
//! to record and what became of it, the tokens that reach a signature, an email due, a
//! campaign's counts and tally.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::{
    AgeBand, Campaign, EmailKind, Lang, MailLane, NewSignature, Review, Signatory, SignatoryType,
    SignatureStatus, SourceCode, organisation_key,
};

/// How long a confirmation link works.
const CONFIRMATION_LIFETIME_DAYS: i64 = 7;

/// Everything recording one signing attempt needs, prepared before the transaction starts;
/// owned, so that it can wait in the group-commit queue.
pub struct SignatureSubmission {
    pub campaign_id: Uuid,
    pub signature: NewSignature,
    /// `Pending` (needs confirming), `Confirmed` (the campaign needs no confirmation) or `Spam`.
    pub status: SignatureStatus,
    /// `Held` for a signature sent without the proof of work its campaign asks for, else
    /// `Pending`.
    pub review: Review,
    /// The version of the consent wording the signer agreed to.
    pub consent_version: u32,
    /// The version of the campaign's text the signer was given.
    pub text_version: u32,
    /// For an organisation signing a letter: the key under which other signatures from the
    /// same organisation are flagged as possible duplicates.
    pub organisation_key: Option<String>,
    /// The email a new signature sends: a confirmation link, thanks, or nothing (spam).
    pub first_email: Option<EmailKind>,
    /// Until when a confirmation link sent for this attempt works.
    pub confirm_expires_at: DateTime<Utc>,
    pub now: DateTime<Utc>,
    /// Where it was made, by its postcode (none until looked up).
    pub place: PlaceCodes,
    /// The client's address, whose blocks' labels (never the address) are stored.
    pub client: Option<std::net::IpAddr>,
}

/// Where a signature was made: the ONS codes of its Westminster constituency and its council,
/// where its postcode places it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlaceCodes {
    pub constituency: Option<String>,
    pub council: Option<String>,
}

impl SignatureSubmission {
    /// What recording a valid signature on `campaign` writes: its status (pending where the
    /// campaign asks for confirmation, spam where the honeypot was filled), the consent wording
    /// the signer agreed to (the current one unless the form named an earlier one), the email its
    /// signing sends, and for an organisation signing a letter the key that flags others from the
    /// same organisation as possible duplicates.
    pub fn new(campaign: &Campaign, signature: NewSignature, now: DateTime<Utc>) -> Self {
        // A child's parent or carer confirms, even where adults need not.
        let needs_a_parent = signature.needs_a_parent();
        let status = if signature.is_spam {
            SignatureStatus::Spam
        } else if campaign.require_confirmation || needs_a_parent {
            SignatureStatus::Pending
        } else {
            SignatureStatus::Confirmed
        };
        let organisation_key = match &signature.signatory {
            Signatory::Organisation { organisation, .. } if campaign.kind.lists_signatories() => {
                Some(organisation_key(organisation))
            }
            _ => None,
        };
        Self {
            place: PlaceCodes::default(),
            client: None,
            campaign_id: campaign.id,
            consent_version: signature
                .consent_version
                .unwrap_or(campaign.consent.version),
            text_version: signature
                .text_version
                .unwrap_or(campaign.text_version.number),
            organisation_key,
            first_email: match status {
                SignatureStatus::Pending => Some(EmailKind::Confirm),
                SignatureStatus::Confirmed => Some(EmailKind::Thanks),
                SignatureStatus::Withdrawn
                | SignatureStatus::Spam
                | SignatureStatus::Lapsed
                | SignatureStatus::Invalidated => None,
            },
            status,
            review: if signature.held_for_review {
                Review::Held
            } else {
                Review::Pending
            },
            signature,
            confirm_expires_at: now + Duration::days(CONFIRMATION_LIFETIME_DAYS),
            now,
        }
    }
}

/// What became of a signing attempt. The signer is never told which: an answer must not
/// reveal whether an email had already signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignOutcome {
    Recorded,
    /// The email had already signed, and a reminder (a new confirmation link, or a note that
    /// it had signed) was queued.
    Reminded,
    /// The email had already signed, and had been sent as many emails as it may be: nothing
    /// was written.
    Duplicate,
    Spam,
}

/// The emails waiting in one lane of the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaneQueue {
    pub lane: MailLane,
    pub waiting: u64,
    /// When the oldest waiting email was queued.
    pub oldest: Option<DateTime<Utc>>,
}

/// A signature reached through a confirmation or withdrawal token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenUse {
    pub signature_id: Uuid,
    /// The signature's status before this use of the token.
    pub previous: SignatureStatus,
    pub campaign_id: Uuid,
    pub campaign_slug: String,
    pub campaign_title: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    Confirm,
    Withdraw,
}

impl TokenPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::Confirm => "confirm",
            TokenPurpose::Withdraw => "withdraw",
        }
    }
}

/// An email due to be sent, with what it needs to be written.
#[derive(Debug, Clone)]
pub struct QueuedEmail {
    pub id: Uuid,
    pub campaign_id: Uuid,
    /// The signer it is sent to; none for a hand-in.
    pub signature_id: Option<Uuid>,
    /// The organisation the signer signed for, if any (a pledge's badge names it).
    pub signer_organisation: Option<String>,
    /// For a pledge: months it holds before it must be renewed (`None`: for good).
    pub renew_after_months: Option<u32>,
    /// Days after the campaign closes that a young signer's data is kept.
    pub young_kept_days: u32,
    pub kind: EmailKind,
    pub recipient: String,
    pub signer_name: String,
    pub confirm_token: Option<String>,
    pub withdraw_token: Option<String>,
    /// Attempts made before this one.
    pub attempts: u32,
    pub created_at: DateTime<Utc>,
    pub campaign_slug: String,
    pub campaign_title: String,
    /// Who is asking, named in the email (see [`super::Identity`]).
    pub organiser: super::Identity,
    /// The organisation's look, at the top of the email.
    pub brand: super::Brand,
    /// The name it is sent under, as an admin set it for the campaign's owner; `None` for the
    /// service's own From name.
    pub sender_name: Option<String>,
    /// For a hand-in: its bundle, attached, and its manifest's SHA-256.
    pub handin: Option<(Vec<u8>, String)>,
    /// For an update: its subject and Markdown body.
    pub update: Option<(String, String)>,
    /// The language the signer signed in, which their emails are written in.
    pub lang: super::Lang,
    /// A young signer's age band: a child's confirmation goes to their parent or carer.
    pub age_band: Option<AgeBand>,
}

/// A campaign's counts, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CountSnapshot {
    pub confirmed_individuals: u64,
    pub confirmed_organisations: u64,
    pub pending: u64,
    /// Confirmed signers by age band, in the order of `AgeBand::ALL` (on campaigns that ask).
    pub by_age_band: [u64; 4],
    /// Of the confirmed, how many were collected on paper and entered by staff.
    pub paper: u64,
    pub updated_at: Option<DateTime<Utc>>,
}

impl CountSnapshot {
    /// Confirmed, not withdrawn signatures: the number a campaign shows.
    pub fn total(&self) -> u64 {
        self.confirmed_individuals + self.confirmed_organisations
    }
}

/// A count that has drifted from the signatures it counts, and what it was set to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recount {
    pub stored: CountSnapshot,
    pub actual: CountSnapshot,
}

impl Recount {
    pub fn drifted(&self) -> bool {
        (
            self.stored.confirmed_individuals,
            self.stored.confirmed_organisations,
            self.stored.pending,
            self.stored.by_age_band,
            self.stored.paper,
        ) != (
            self.actual.confirmed_individuals,
            self.actual.confirmed_organisations,
            self.actual.pending,
            self.actual.by_age_band,
            self.actual.paper,
        )
    }
}

/// Confirmed signatures broken down for the public tally; no bucket names a person.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TallyRows {
    pub by_source: Vec<(Option<String>, u64)>,
    pub by_country: Vec<(String, u64)>,
    pub by_postcode_area: Vec<(Option<String>, u64)>,
    /// Hours as `YYYY-MM-DDTHH:00:00Z`, oldest first.
    pub by_hour: Vec<(String, u64)>,
    pub by_age_band: Vec<(Option<String>, u64)>,
    /// By country and place together: what places a signature in a nation. The place is its
    /// constituency's kind of code (`E14`, `S14`, `W07`, `N05`) where it has one, else its
    /// postcode area.
    pub by_country_and_area: Vec<(String, Option<String>, u64)>,
}

/// Which of a campaign's signatures an organiser asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignatureFilter {
    /// One status only; by default every status but spam.
    pub status: Option<SignatureStatus>,
    /// Only those who agreed to be contacted.
    pub contact_only: bool,
    /// Only those whose name, email or organisation contains this text.
    pub containing: Option<SearchText>,
    /// Only those under this review.
    pub review: Option<Review>,
    /// Only organisations, or only individuals.
    pub signatory_type: Option<SignatoryType>,
    /// Only those a partner brought, or only those that came directly.
    pub source: Option<SourceFilter>,
    /// Only those who agreed to be listed publicly (`true`), or only those who did not.
    pub public: Option<bool>,
    /// Only those who signed in this language.
    pub lang: Option<Lang>,
    /// Only those whose postcode placed them in this Westminster constituency.
    pub constituency: Option<super::AreaCode>,
    /// Only those whose postcode placed them in this council's area.
    pub council: Option<super::AreaCode>,
    /// Only those whose postcode placed them in this nation of the UK.
    pub nation: Option<super::Nation>,
}

/// The signatures a review of many at once applies to: these (of the campaign), or every one
/// a filter keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewSelection {
    Ids(Vec<Uuid>),
    Matching(SignatureFilter),
}

/// A signature that a review of many changed, and the review it had before (to undo it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reviewed {
    pub id: Uuid,
    pub previous: Review,
}

/// Where signatures came from, as an organiser filters them: `direct` (no partner credited)
/// or a partner's code. The tally names signatures without a source `direct` too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceFilter {
    Direct,
    Partner(SourceCode),
}

impl SourceFilter {
    pub fn parse(raw: &str) -> Result<Self, String> {
        if raw == "direct" {
            return Ok(Self::Direct);
        }
        SourceCode::parse(raw)
            .map(Self::Partner)
            .map_err(|_| "must be direct or a partner's code".into())
    }

    /// The stored `source` it keeps: none for `direct`.
    pub fn stored(&self) -> Option<&str> {
        match self {
            Self::Direct => None,
            Self::Partner(code) => Some(code.as_str()),
        }
    }
}

/// What an organiser searches signatures for: 1 to 100 characters of text, without control
/// characters, matched anywhere and regardless of case (of ASCII letters on SQLite, of every
/// letter on PostgreSQL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchText(String);

impl SearchText {
    pub fn parse(text: &str) -> Result<Self, String> {
        // Counted as sent, spaces included, as the API's schema counts it.
        if text.chars().count() > 100 {
            return Err("must be at most 100 characters".into());
        }
        let text = text.trim();
        if text.is_empty() {
            return Err("must not be empty".into());
        }
        if text.chars().any(char::is_control) {
            return Err("must not contain control characters".into());
        }
        Ok(Self(text.to_lowercase()))
    }

    /// A SQL `LIKE` pattern (with `\` as its escape) that finds the text anywhere.
    pub fn like_pattern(&self) -> String {
        let mut pattern = String::from("%");
        for c in self.0.chars() {
            if matches!(c, '%' | '_' | '\\') {
                pattern.push('\\');
            }
            pattern.push(c);
        }
        pattern.push('%');
        pattern
    }
}

/// A change to a campaign's counts, applied in the same transaction as the signature change
/// that causes it: what enters and leaves the count is a rule of the product.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CountDelta {
    pub individuals: i64,
    pub organisations: i64,
    pub pending: i64,
    /// Confirmed signers by age band, in the order of `AgeBand::ALL`.
    pub by_age_band: [i64; 4],
    /// Confirmed signatures collected on paper.
    pub paper: i64,
}

impl CountDelta {
    /// One signature entering (`sign = 1`) or leaving (`sign = -1`) the count for `status`.
    pub fn of(status: SignatureStatus, kind: SignatoryType, sign: i64) -> Self {
        match (status, kind) {
            (SignatureStatus::Pending, _) => Self {
                pending: sign,
                ..Self::default()
            },
            (SignatureStatus::Confirmed, SignatoryType::Individual) => Self {
                individuals: sign,
                ..Self::default()
            },
            (SignatureStatus::Confirmed, SignatoryType::Organisation) => Self {
                organisations: sign,
                ..Self::default()
            },
            (
                SignatureStatus::Withdrawn
                | SignatureStatus::Spam
                | SignatureStatus::Lapsed
                | SignatureStatus::Invalidated,
                _,
            ) => Self::default(),
        }
    }

    /// Like `of`, for a signature under an organiser's `review` (a rejected or held one is
    /// not in the confirmed count) and with the signer's age band, if asked.
    pub fn of_reviewed(
        status: SignatureStatus,
        review: Review,
        kind: SignatoryType,
        age_band: Option<AgeBand>,
        sign: i64,
    ) -> Self {
        if status != SignatureStatus::Confirmed {
            return Self::of(status, kind, sign);
        }
        if !review.counts() {
            return Self::default();
        }
        let mut delta = Self::of(status, kind, sign);
        if let Some(band) = age_band {
            delta.by_age_band[band.index()] = sign;
        }
        delta
    }

    pub fn is_zero(self) -> bool {
        self == Self::default()
    }

    pub fn plus(self, other: Self) -> Self {
        Self {
            individuals: self.individuals + other.individuals,
            organisations: self.organisations + other.organisations,
            pending: self.pending + other.pending,
            by_age_band: std::array::from_fn(|i| self.by_age_band[i] + other.by_age_band[i]),
            paper: self.paper + other.paper,
        }
    }
}
