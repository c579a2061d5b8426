//! Storage: one trait, sized to the service's use cases, with a SQLite and a PostgreSQL
//! implementation. The backend is chosen once, from the database URL's scheme, and each
//! migrates itself on connect. No transaction or SQL type leaves this module.

mod dialect;
pub mod maintenance;
mod postgres;
mod rows;
mod sql;
mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::config::DatabaseUrl;
use crate::domain::{
    Campaign, CampaignStatus, Email, Identity, KeyHolder, MailLane, NewPartner, PartnerSummary,
    Review, SignatoryType, SignatureStatus, Slug, User, Webhook, WebhookEvent, WebhookSecret,
};

pub use crate::domain::records::{
    CountSnapshot, LaneQueue, QueuedEmail, Recount, ReviewSelection, Reviewed, SignOutcome,
    SignatureFilter, SignatureSubmission, SourceFilter, TallyRows, TokenPurpose, TokenUse,
};
pub use sql::SqlStore;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was broken; the text names the constraint or column.
    #[error("conflict on {0}")]
    Conflict(String),
    /// The database cannot be reached or is overloaded for now; the request may be retried.
    #[error("database unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("database error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        use sqlx::Error as E;
        match &error {
            E::RowNotFound => StoreError::NotFound,
            // A protocol error is what a connection cut during its opening handshake looks like
            // (e.g. "unexpected response from SSLRequest"): the database is not answering.
            E::PoolTimedOut
            | E::PoolClosed
            | E::Io(_)
            | E::Tls(_)
            | E::Protocol(_)
            | E::WorkerCrashed => StoreError::Unavailable(Box::new(error)),
            E::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict(db.constraint().unwrap_or(db.message()).to_owned())
            }
            E::Database(db) if is_transient(db.code().as_deref()) => {
                StoreError::Unavailable(Box::new(error))
            }
            _ => StoreError::Internal(Box::new(error)),
        }
    }
}

/// Error codes that mean "not now" rather than "never": PostgreSQL's connection exceptions
/// (class 08), shutdown and start-up (57P01–57P03), too many connections (53300) and a full
/// disk (53100); SQLite's BUSY (5) and LOCKED (6) once the busy timeout has run out, a full
/// disk (FULL, 13) and a failed write (IOERR, 10), with their extended codes.
fn is_transient(code: Option<&str>) -> bool {
    match code {
        Some(code) if code.starts_with("08") => true,
        Some("57P01" | "57P02" | "57P03" | "53300" | "53100") => true,
        Some(code) => code
            .parse::<i32>()
            .is_ok_and(|n| matches!(n & 0xff, 5 | 6 | 10 | 13)),
        None => false,
    }
}

/// A stored value that no longer parses as its domain type: a bug or a hand edit, never input.
pub(crate) fn corrupt(what: &str, detail: String) -> StoreError {
    StoreError::Internal(format!("stored {what} is invalid: {detail}").into())
}

/// The whole store: every concern's trait, on one database.
#[async_trait]
pub trait Store:
    Accounts
    + Campaigns
    + Signing
    + Outbox
    + Counts
    + Signatories
    + Pledges
    + Partners
    + Webhooks
    + Handins
    + Updates
    + Audit
    + Brands
    + Places
    + Integrity
    + Paper
    + Reasons
    + 'static
{
    /// Answers once the database has taken a write (a full disk fails it): ready for traffic.
    async fn ping(&self) -> Result<(), StoreError>;

    /// How many write transactions can usefully be in progress at once: SQLite has one writer
    /// at a time; PostgreSQL can write one batch while it commits another.
    fn parallel_writes(&self) -> usize;

    /// Closes every connection, once what is in flight is done: on SQLite the last close
    /// checkpoints the write-ahead log into the database file and removes it.
    async fn close(&self);
}

/// Signatures grouped for the integrity view, over a range of signing times.
#[derive(Debug, Clone, Default)]
pub struct IntegrityRows {
    /// `(hour as YYYY-MM-DDTHH:00:00Z, status, n)`.
    pub hours: Vec<(String, String, u64)>,
    /// `(block label, n, confirmed)`, the busiest first.
    pub blocks: Vec<(Option<String>, u64, u64)>,
    /// `(email domain, n, confirmed)`: none for a signature whose email was erased.
    pub domains: Vec<(Option<String>, u64, u64)>,
    /// `(partner code, n, confirmed)`: none for those that came directly.
    pub sources: Vec<(Option<String>, u64, u64)>,
}

/// An invalidation an organiser confirmed.
#[derive(Debug, Clone)]
pub struct NewInvalidation {
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub filter: crate::domain::integrity::InvalidationFilter,
    pub reason: String,
    pub created_by: Uuid,
    pub now: DateTime<Utc>,
    pub restorable_until: DateTime<Utc>,
}

/// An invalidation as recorded.
#[derive(Debug, Clone)]
pub struct InvalidationRecord {
    pub id: Uuid,
    pub filter: serde_json::Value,
    pub reason: String,
    pub signatures: u64,
    pub confirmed: u64,
    pub created_at: DateTime<Utc>,
    pub restorable_until: DateTime<Utc>,
    pub restored_at: Option<DateTime<Utc>>,
}

/// What asking to restore an invalidation came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Restoration {
    Restored {
        signatures: u64,
        confirmed: u64,
    },
    NotFound,
    AlreadyRestored,
    /// Past the time its signatures could be put back.
    Expired,
}

/// Defending a count: where signatures came from, invalidating them in bulk (and undoing
/// it), and the addresses refused at signing.
#[async_trait]
pub trait Integrity: Send + Sync {
    /// A campaign's signatures signed in `[from, to)` (either end open), grouped.
    async fn integrity_rows(
        &self,
        campaign_id: Uuid,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> Result<IntegrityRows, StoreError>;

    /// How many pending and confirmed signatures `filter` takes, and up to `sample` of them;
    /// changes nothing.
    async fn preview_invalidation(
        &self,
        campaign_id: Uuid,
        filter: &crate::domain::integrity::InvalidationFilter,
        sample: u32,
    ) -> Result<crate::domain::integrity::InvalidationFigures, StoreError>;

    /// Takes the signatures the filter names out of every count, in one transaction with the
    /// count and the record of the invalidation.
    async fn invalidate(
        &self,
        invalidation: &NewInvalidation,
        sample: u32,
    ) -> Result<crate::domain::integrity::InvalidationFigures, StoreError>;

    /// Puts an invalidation's signatures back as they were, if it is still restorable.
    async fn restore_invalidation(
        &self,
        campaign_id: Uuid,
        id: Uuid,
        by: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Restoration, StoreError>;

    /// A campaign's invalidations, newest first.
    async fn invalidations(&self, campaign_id: Uuid)
    -> Result<Vec<InvalidationRecord>, StoreError>;

    async fn set_campaign_screening(
        &self,
        campaign_id: Uuid,
        blocklist: &crate::domain::integrity::Blocklist,
        block_disposable: bool,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    async fn service_blocklist(&self) -> Result<crate::domain::integrity::Blocklist, StoreError>;

    /// Replaces the whole service's blocklist.
    async fn set_service_blocklist(
        &self,
        blocklist: &crate::domain::integrity::Blocklist,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
}

/// Paper entries to record on one campaign, entered by one organiser.
#[derive(Debug, Clone)]
pub struct PaperBatch<'a> {
    pub campaign_id: Uuid,
    pub lang: crate::domain::Lang,
    /// The wording of the consents on the paper form: the campaign's current one.
    pub consent_version: u32,
    pub text_version: u32,
    pub entries: &'a [crate::domain::PaperEntry],
    /// Where each entry was made, by its postcode, in the entries' order.
    pub places: &'a [crate::domain::records::PlaceCodes],
    pub entered_by: Uuid,
    pub now: DateTime<Utc>,
}

/// What recording paper entries came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaperRecorded {
    pub added: u64,
    /// Entries whose email had signed the campaign already (online or on paper): the
    /// signature that was there stays, and nothing is added.
    pub already_signed: u64,
}

/// One paper sheet, as entered.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PaperSheet {
    pub sheet: String,
    pub collected_on: String,
    /// Its signatures that count.
    pub count: u64,
}

/// Signatures collected on paper.
#[async_trait]
pub trait Paper: Send + Sync {
    /// Records the entries in one transaction, with the count.
    async fn record_paper(&self, batch: &PaperBatch<'_>) -> Result<PaperRecorded, StoreError>;

    /// A campaign's paper sheets, by collection date then reference.
    async fn paper_sheets(&self, campaign_id: Uuid) -> Result<Vec<PaperSheet>, StoreError>;
}

/// A reason for signing, as the organisers moderate it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReasonRecord {
    pub id: Uuid,
    pub text: String,
    pub shown_as: String,
    pub review: String,
    pub featured: bool,
    pub reports: i32,
    pub created_at: DateTime<Utc>,
    /// The signer's, for the organisers alone.
    pub name: Option<String>,
    pub constituency: Option<String>,
    /// Whether the signature counts (confirmed): only then is an approved reason shown.
    pub counted: bool,
}

/// An organiser's decision on a reason: each part absent is left as it is.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReasonDecision {
    pub approve: Option<bool>,
    pub featured: Option<bool>,
}

/// Why people signed.
#[async_trait]
pub trait Reasons: Send + Sync {
    /// A campaign's reasons: those under `review` (every one, if none), newest first; with
    /// `public`, only approved ones whose signatures count.
    async fn reasons(
        &self,
        campaign_id: Uuid,
        review: Option<&str>,
        public: bool,
        limit: u32,
    ) -> Result<Vec<ReasonRecord>, StoreError>;

    /// Approves or rejects a reason, features it or not; the reason as it now stands, or
    /// `None` if the campaign has no such reason.
    async fn decide_reason(
        &self,
        campaign_id: Uuid,
        id: Uuid,
        decision: ReasonDecision,
        by: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Option<ReasonRecord>, StoreError>;

    /// Counts a report of a shown reason; false if there is no such reason shown.
    async fn report_reason(&self, campaign_id: Uuid, id: Uuid) -> Result<bool, StoreError>;
}

/// A logo as the service re-encoded it.
#[derive(Debug, Clone)]
pub struct StoredLogo {
    pub id: Uuid,
    pub content_type: String,
    pub width: u32,
    pub height: u32,
    pub bytes: Vec<u8>,
    pub created_at: DateTime<Utc>,
}

/// What a set-up link may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetupLink {
    /// An account exists: set-up is over, whatever link is shown.
    Over,
    /// Not a kept link, or one too old: creates nothing.
    Invalid,
    /// Creates the first admin.
    Usable,
}

/// Whose logo: an account's (its campaigns' by default) or one campaign's own.
#[derive(Debug, Clone, Copy)]
pub enum LogoOwner {
    User(Uuid),
    Campaign(Uuid),
}

/// Organisations' looks: an account's colour and website, and logos.
#[async_trait]
pub trait Brands: Send + Sync {
    /// Sets an account's colour and website (its logo has a call of its own).
    async fn set_user_brand(
        &self,
        user_id: Uuid,
        brand: &crate::domain::Brand,
    ) -> Result<(), StoreError>;

    /// Puts `logo` in place of the owner's (or removes it, with `None`) in one transaction;
    /// the logo it replaces is deleted.
    async fn replace_logo(
        &self,
        owner: LogoOwner,
        logo: Option<&StoredLogo>,
    ) -> Result<(), StoreError>;

    async fn logo(&self, id: Uuid) -> Result<Option<StoredLogo>, StoreError>;
}

#[async_trait]
pub trait Accounts: Send + Sync {
    /// Stores a new organiser account. `Conflict` if the email is taken.
    async fn insert_user(&self, user: &User, password_hash: &str) -> Result<(), StoreError>;

    /// The account for an email, with its password hash, for logging in.
    async fn user_credentials(&self, email: &Email) -> Result<Option<(User, String)>, StoreError>;

    async fn user(&self, id: Uuid) -> Result<Option<User>, StoreError>;

    /// Every account, oldest first.
    async fn users(&self) -> Result<Vec<User>, StoreError>;

    /// Keeps the hash of a link that creates the first admin, in place of any earlier link,
    /// unless an account exists already; true if kept.
    async fn add_setup_token(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// What a set-up link may do now: nothing once an account exists, nothing if it is not a
    /// kept link issued at or after `issued_since`, else create the first admin.
    async fn setup_link(
        &self,
        token_hash: &str,
        issued_since: DateTime<Utc>,
    ) -> Result<SetupLink, StoreError>;

    /// Creates the first admin, if `token_hash` is a kept set-up link issued at or after
    /// `issued_since` and no account exists, and spends every set-up link; false (changing
    /// nothing) otherwise.
    async fn insert_first_admin(
        &self,
        token_hash: &str,
        issued_since: DateTime<Utc>,
        user: &User,
        password_hash: &str,
    ) -> Result<bool, StoreError>;

    /// Replaces the identity an account gives its campaigns.
    async fn set_user_organiser(&self, id: Uuid, organiser: &Identity) -> Result<(), StoreError>;

    /// Sets (or with `None` clears) the name an account's emails are sent under; false if
    /// there is no such account.
    async fn set_sender_name(
        &self,
        id: Uuid,
        sender_name: Option<&crate::domain::OrganiserName>,
    ) -> Result<bool, StoreError>;

    /// A secret of this installation, made by whichever instance asks first and the same for
    /// every instance after.
    async fn instance_secret(&self, name: &str) -> Result<String, StoreError>;

    /// Records a session a login began.
    async fn start_session(&self, session: &Session) -> Result<(), StoreError>;

    /// The account of a session that has not ended or expired (`None` otherwise).
    async fn session_user(
        &self,
        session_id: Uuid,
        user_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Option<User>, StoreError>;

    /// An account's sessions that have not ended or expired, newest first.
    async fn live_sessions(
        &self,
        user_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Vec<Session>, StoreError>;

    /// Ends an account's sessions: every one, or every one but `keep`; how many ended.
    async fn end_sessions(
        &self,
        user_id: Uuid,
        keep: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError>;

    /// Ends one of an account's sessions; false if it was not live.
    async fn end_session(
        &self,
        user_id: Uuid,
        session_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Keeps a new account link, in place of any unused one with the same purpose and email.
    async fn add_account_link(&self, link: &AccountLink) -> Result<(), StoreError>;

    /// An unused, unexpired link of `purpose` (`None` otherwise).
    async fn account_link(
        &self,
        token_hash: &str,
        purpose: LinkPurpose,
        now: DateTime<Utc>,
    ) -> Result<Option<AccountLink>, StoreError>;

    /// Spends an invitation and makes its account, at once: false (changing nothing) if the
    /// link is used or expired; `Conflict` if the email has an account already.
    async fn accept_invitation(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
        user: &User,
        password_hash: &str,
    ) -> Result<bool, StoreError>;

    /// Spends a reset link, sets its account's password and ends every session of it, at
    /// once: the account, or `None` (changing nothing) if the link is used or expired.
    async fn reset_password(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
        password_hash: &str,
    ) -> Result<Option<Uuid>, StoreError>;

    /// Replaces an account's password hash and ends its sessions but `keep`, at once.
    async fn set_password_hash(
        &self,
        user_id: Uuid,
        password_hash: &str,
        keep: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
}

/// What a single-use account link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    /// Makes an account for the invited email, with the password its owner chooses.
    Invitation,
    /// Sets a new password for an account, ending every session of it.
    Reset,
}

impl LinkPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkPurpose::Invitation => "invitation",
            LinkPurpose::Reset => "reset",
        }
    }
}

/// A single-use link about an account, as kept (by its token's SHA-256).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountLink {
    pub token_hash: String,
    pub purpose: LinkPurpose,
    pub email: Email,
    /// For an invitation: whether the account made is an admin.
    pub is_admin: bool,
    /// The admin who invited, or the account being reset.
    pub user_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A login's session, which every access token it gave names.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Session {
    pub id: Uuid,
    pub user_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// The browser or program that logged in, as it said (for the account's own list).
    pub user_agent: Option<String>,
}

#[async_trait]
pub trait Campaigns: Send + Sync {
    /// Stores a new campaign. `Conflict` if its slug is taken.
    async fn insert_campaign(&self, campaign: &Campaign) -> Result<(), StoreError>;

    async fn campaign(&self, slug: &Slug) -> Result<Option<Campaign>, StoreError>;

    async fn campaign_by_id(&self, id: Uuid) -> Result<Option<Campaign>, StoreError>;

    /// Every campaign's id and slug, oldest first.
    async fn campaign_slugs(&self) -> Result<Vec<(Uuid, String)>, StoreError>;

    /// Campaigns whose organiser has opened them and not closed them (newest first); some may
    /// read as closed because their closing time has passed.
    async fn opened_campaigns(&self) -> Result<Vec<Campaign>, StoreError>;

    async fn campaigns_owned_by(&self, owner_id: Uuid) -> Result<Vec<Campaign>, StoreError>;

    /// Every campaign, drafts included, newest first (for admins).
    async fn all_campaigns(&self) -> Result<Vec<Campaign>, StoreError>;

    /// Saves an edited campaign, provided its stored status is still `expected_status`, so
    /// that two concurrent status changes cannot both succeed (`Conflict` for the loser).
    /// `by` is the account making the edit: where it makes a new version of the text, the
    /// version replaced is kept, with who replaced it.
    async fn update_campaign(
        &self,
        campaign: &Campaign,
        expected_status: CampaignStatus,
        by: Uuid,
    ) -> Result<(), StoreError>;

    /// The versions of a campaign's text that its current one replaced, oldest first.
    async fn earlier_texts(&self, campaign_id: Uuid) -> Result<Vec<EarlierText>, StoreError>;

    /// How many confirmed, not withdrawn signatures each version of the text has, by version.
    async fn signed_by_text_version(
        &self,
        campaign_id: Uuid,
    ) -> Result<Vec<(i32, i64)>, StoreError>;
}

/// A version of a campaign's text that a later one replaced, as it was stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EarlierText {
    pub version: i32,
    pub title: String,
    pub summary: String,
    pub body: String,
    pub recipient: Option<String>,
    pub translations: String,
    pub began_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    /// The email of the account that replaced it, if it still has one.
    pub ended_by: Option<String>,
}

#[async_trait]
pub trait Signing: Send + Sync {
    /// Records a signing attempt in one transaction: the signature (or, for an email that
    /// already signed, nothing new), its tokens, the email it causes, and its effect on the
    /// campaign's count. Concurrent attempts with one email cannot both be recorded.
    async fn record_signature(
        &self,
        submission: &SignatureSubmission,
    ) -> Result<SignOutcome, StoreError> {
        Ok(self
            .record_signatures(std::slice::from_ref(submission))
            .await?[0])
    }

    /// Records several signing attempts in one transaction, as `record_signature` records one,
    /// so that they share one commit; the outcomes are in the batch's order. If it fails,
    /// none is recorded.
    async fn record_signatures(
        &self,
        batch: &[SignatureSubmission],
    ) -> Result<Vec<SignOutcome>, StoreError>;

    /// Marks a proof-of-work challenge spent until it expires; `false` if it already was (a
    /// replay).
    async fn spend_challenge(
        &self,
        challenge: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Forgets the spent challenges that have expired (an expired solution is refused before
    /// it is spent, so they guard nothing): the maintenance sweep's job, not signing's. How
    /// many.
    async fn forget_spent_challenges(&self, now: DateTime<Utc>) -> Result<u64, StoreError>;

    /// Confirms the signature a confirmation token belongs to; `None` if the token is unknown
    /// or expired. Confirming twice changes nothing.
    async fn confirm_signature(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<TokenUse>, StoreError>;

    /// Withdraws the signature a withdrawal token belongs to, erasing its personal data and
    /// any unsent email to it; `None` if the token is unknown. Withdrawing twice changes nothing.
    async fn withdraw_signature(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<TokenUse>, StoreError>;

    /// What a token leads to, changing nothing (for the page that asks the signer to press
    /// the button).
    async fn token_target(
        &self,
        token_hash: &str,
        purpose: TokenPurpose,
        now: DateTime<Utc>,
    ) -> Result<Option<TokenUse>, StoreError>;
}

#[async_trait]
pub trait Outbox: Send + Sync {
    /// Takes up to `limit` of a lane's due emails for sending, leased until `lease_until` so
    /// that no other worker (or instance) sends them meanwhile; a crashed worker's lease
    /// simply runs out.
    async fn claim_emails(
        &self,
        lane: MailLane,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<QueuedEmail>, StoreError>;

    /// How many emails wait in each lane (sent, given up or not), and since when the oldest.
    async fn outbox_queue(&self) -> Result<Vec<LaneQueue>, StoreError>;

    /// Marks emails sent and forgets their recipients and tokens, in one write: a worker
    /// records a claimed batch at once rather than committing once per email.
    async fn emails_sent(&self, ids: &[Uuid], now: DateTime<Utc>) -> Result<(), StoreError>;

    /// Marks failed each update email whose sender stopped while it held it: it may have
    /// gone, so it is never sent again and no signer gets a second copy. How many.
    async fn fail_interrupted(&self, now: DateTime<Utc>) -> Result<u64, StoreError>;

    /// Records a failed attempt and what follows it.
    async fn email_not_sent(
        &self,
        id: Uuid,
        error: &str,
        next: Unsent,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
}

/// What becomes of an email that was not sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unsent {
    /// Tried again then (the server was unreachable, or said to try later).
    RetryAt(DateTime<Utc>),
    /// Given up: it kept failing for longer than the service waits.
    GivenUp,
    /// The receiving server refused it for good (a bounce): never tried again.
    Refused,
}

/// The areas signatures are counted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AreaKind {
    Constituency,
    Council,
}

#[async_trait]
pub trait Places: Send + Sync {
    /// Up to `limit` signatures whose place has not been looked up, with their postcodes.
    async fn unplaced(&self, limit: u32) -> Result<Vec<(Uuid, String)>, StoreError>;

    /// Records where each signature was made, and that it has been looked up.
    async fn set_places(
        &self,
        places: &[(Uuid, crate::domain::records::PlaceCodes)],
    ) -> Result<(), StoreError>;

    /// Marks every signature with a postcode as not yet placed, so that each is looked up
    /// again (after new postcode data); how many.
    async fn unplace_all(&self) -> Result<u64, StoreError>;

    /// The constituency a signature was placed in; `None` where it was placed in none.
    async fn constituency_of_signature(
        &self,
        signature_id: Uuid,
    ) -> Result<Option<String>, StoreError>;

    /// The names of a campaign's counted signatories who agreed to be listed, with their
    /// constituencies, in the order they signed: adults only, and on a letter or pledge
    /// (`approved_only`) only those approved.
    async fn listed_names_by_constituency(
        &self,
        campaign_id: Uuid,
        approved_only: bool,
    ) -> Result<Vec<(String, String)>, StoreError>;

    /// The geography's parts an operator imported, whole.
    async fn imported_geography(&self) -> Result<Vec<crate::geo::ImportedPart>, StoreError>;

    /// When each imported part was imported: what tells a running service to load them again.
    async fn geography_imported_at(&self) -> Result<Vec<(String, DateTime<Utc>)>, StoreError>;

    /// Puts imported parts in place of those of their kinds, together.
    async fn import_geography(&self, parts: &[crate::geo::ImportedPart]) -> Result<(), StoreError>;

    /// A campaign's counted signatures that gave a postcode (young signers' aside), by
    /// constituency or council code (`None`: the postcode places it in none).
    async fn count_by_area(
        &self,
        campaign_id: Uuid,
        area: AreaKind,
    ) -> Result<Vec<(Option<String>, u64)>, StoreError>;
}

#[async_trait]
pub trait Counts: Send + Sync {
    /// A campaign's counts, read from the count rows (never by counting signatures).
    async fn campaign_count(&self, campaign_id: Uuid) -> Result<CountSnapshot, StoreError>;

    /// Records that the campaign has reached each of `reached` (once: a milestone already
    /// recorded keeps its first time), and returns every milestone it has reached.
    async fn reach_milestones(
        &self,
        campaign_id: Uuid,
        reached: &[u64],
        now: DateTime<Utc>,
    ) -> Result<Vec<(u64, DateTime<Utc>)>, StoreError>;

    /// Counts the campaign's signatures and, if the stored count differs, sets it right. The
    /// count rows are locked meanwhile, so no signing in flight is lost or counted twice.
    async fn recount(&self, campaign_id: Uuid, now: DateTime<Utc>) -> Result<Recount, StoreError>;

    /// The campaign's confirmed signatures grouped by source, country, postcode area and hour.
    async fn tally(&self, campaign_id: Uuid) -> Result<TallyRows, StoreError>;

    /// Sends the id of every campaign whose count or settings another instance changed, for
    /// as long as `changes` is open. A no-op where there is only ever one instance (SQLite).
    async fn watch_changes(&self, changes: tokio::sync::mpsc::UnboundedSender<Uuid>);

    /// Tells the other instances (those in `watch_changes`) that these campaigns changed.
    async fn announce_changes(&self, campaign_ids: &[Uuid]) -> Result<(), StoreError>;
}

#[async_trait]
pub trait Signatories: Send + Sync {
    /// A page of a campaign's signatures, oldest first, after the signature `after`.
    async fn signatures(
        &self,
        campaign_id: Uuid,
        filter: SignatureFilter,
        after: Option<Uuid>,
        limit: u32,
    ) -> Result<Vec<SignatureRecord>, StoreError>;

    /// How many of a campaign's signatures the filter keeps.
    async fn count_signatures(
        &self,
        campaign_id: Uuid,
        filter: SignatureFilter,
    ) -> Result<u64, StoreError>;

    /// Every one of a campaign's signatures that the filter keeps, read from one database
    /// cursor as the consumer takes them, so memory stays flat however many there are.
    fn export_signatures(
        &self,
        campaign_id: Uuid,
        filter: SignatureFilter,
    ) -> futures_util::stream::BoxStream<'static, Result<SignatureRecord, StoreError>>;

    /// Sets a signature's review, moving the count if it enters or leaves it; `None` if the
    /// campaign has no such signature.
    async fn review_signature(
        &self,
        campaign_id: Uuid,
        signature_id: Uuid,
        review: Review,
        now: DateTime<Utc>,
    ) -> Result<Option<SignatureRecord>, StoreError>;

    /// Sets the review of every selected signature (erased ones and those with it already
    /// aside) in one transaction, moving the count by what enters or leaves it; the ones it
    /// changed, with their review before.
    async fn review_signatures(
        &self,
        campaign_id: Uuid,
        selection: ReviewSelection,
        review: Review,
        now: DateTime<Utc>,
    ) -> Result<Vec<Reviewed>, StoreError>;

    /// Erases a signature's personal data (its deduplication key stays, as a keyed hash) and
    /// takes it out of the count; false if the campaign has no such live signature.
    async fn erase_signature(
        &self,
        campaign_id: Uuid,
        signature_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// The confirmed signatories who agreed to be listed (for letters, only those approved),
    /// organisations first, then in the order they signed.
    async fn public_signatories(
        &self,
        campaign_id: Uuid,
        approved_only: bool,
        offset: u64,
        limit: u32,
    ) -> Result<Vec<PublicSignatory>, StoreError>;

    /// Erases the personal data of a campaign's signatures, keeping the names that a letter
    /// publishes (approved, consented) and everything the counts and tally need. Returns how
    /// many signatures held personal data before. With `young_only`, only the under-18s'
    /// (whose data is kept for less time), and the campaign is not marked purged.
    async fn purge_campaign(
        &self,
        campaign_id: Uuid,
        young_only: bool,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError>;
}

#[async_trait]
pub trait Partners: Send + Sync {
    /// Stores a campaign's new partner with the hash of its key, or gives a partner whose key
    /// was revoked a new key (and name). `Conflict` if the code is taken by a live partner.
    async fn insert_partner(
        &self,
        campaign_id: Uuid,
        partner: &NewPartner,
        key_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// A campaign's partners, revoked ones included, with the signatures each brought.
    async fn partners(&self, campaign_id: Uuid) -> Result<Vec<PartnerSummary>, StoreError>;

    /// Revokes a partner's key at once; false if the campaign has no partner with this code
    /// and a live key. Its signatures stay credited to it.
    async fn revoke_partner(
        &self,
        campaign_id: Uuid,
        code: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// The partner a live key belongs to; `None` for an unknown or revoked key.
    async fn key_holder(&self, key_hash: &str) -> Result<Option<KeyHolder>, StoreError>;
}

#[async_trait]
pub trait Audit: Send + Sync {
    async fn record_audit(&self, entry: &AuditEntry) -> Result<(), StoreError>;

    /// The newest audit entries first, before the entry `before`; only one campaign's, or
    /// one action's, where those are given.
    async fn audit_log(
        &self,
        filter: AuditFilter,
        before: Option<Uuid>,
        limit: u32,
    ) -> Result<Vec<LoggedAudit>, StoreError>;
}

/// A signature as its campaign's organisers see it (personal data included).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SignatureRecord {
    pub id: Uuid,
    pub name: Option<String>,
    pub email: Option<String>,
    #[sqlx(try_from = "String")]
    pub status: SignatureStatus,
    #[sqlx(try_from = "String")]
    pub review: Review,
    pub source: Option<String>,
    #[sqlx(try_from = "String")]
    pub signatory_type: SignatoryType,
    pub organisation: Option<String>,
    pub role: Option<String>,
    pub postcode: Option<String>,
    pub country: String,
    pub public: bool,
    pub contact: bool,
    pub consent_version: i32,
    /// The version of the campaign's text the signer was given.
    pub text_version: i32,
    pub possible_duplicate: bool,
    pub signed_at: DateTime<Utc>,
    pub confirmed_at: Option<DateTime<Utc>>,
    /// When an organiser erased it (its status reads `withdrawn`, its personal data gone).
    pub erased_at: Option<DateTime<Utc>>,
    /// A pledger's website.
    pub website: Option<String>,
    /// How many times a pledge has been renewed, and when last.
    pub renewals: i32,
    pub renewed_at: Option<DateTime<Utc>>,
    /// When a pledge lapsed, not renewed in time.
    pub lapsed_at: Option<DateTime<Utc>>,
    /// The language the signer signed in.
    pub lang: String,
    /// The signer's age band, on campaigns that ask.
    pub age_band: Option<String>,
}

impl SignatureRecord {
    /// Its status as organisers read it: `erased` for an erased signature, which is stored
    /// as withdrawn.
    pub fn listed_status(&self) -> &'static str {
        match self.erased_at {
            Some(_) => "erased",
            None => self.status.as_str(),
        }
    }
}

/// A pledge held on a campaign that asks for renewal: what the renewal sweep judges.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HeldPledge {
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub renew_after_months: i32,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub renewed_at: Option<DateTime<Utc>>,
    pub renewals: i32,
    pub renewal_reminded_at: Option<DateTime<Utc>>,
    pub email: Option<String>,
}

impl HeldPledge {
    /// Since when the pledge's current term runs: its last renewal, else its confirmation.
    pub fn held_since(&self) -> Option<DateTime<Utc>> {
        self.renewed_at.or(self.confirmed_at)
    }
}

/// A signatory as the public sees them: never an email or a postcode.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PublicSignatory {
    /// The signature's id: a pledger's verification page is found by it.
    pub id: Uuid,
    pub name: String,
    pub role: Option<String>,
    pub organisation: Option<String>,
    pub website: Option<String>,
    /// Where from, as a hand-in's list gives it: the postcode's area, or the country.
    pub postcode_area: Option<String>,
    pub country: String,
    #[sqlx(try_from = "String")]
    pub signatory_type: SignatoryType,
    pub signed_at: DateTime<Utc>,
}

/// Pledges after they are taken: each pledger's record for its verification page, and their
/// renewal and lapse.
#[async_trait]
pub trait Pledges: Send + Sync {
    /// One signature of a campaign, as its organisers see it.
    async fn signature(
        &self,
        campaign_id: Uuid,
        signature_id: Uuid,
    ) -> Result<Option<SignatureRecord>, StoreError>;

    /// Every confirmed pledge on a campaign that asks for renewal.
    async fn renewable_pledges(&self) -> Result<Vec<HeldPledge>, StoreError>;

    /// Queues the reminder to renew, with `renew_token` for its link, once per term: nothing
    /// is written if this term's reminder was queued already. Returns whether it was queued.
    async fn remind_renewal(
        &self,
        pledge: &HeldPledge,
        renew_token: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Renews a pledge still confirmed and renewed `renewals` times so far, starting its
    /// next term now. Returns whether it was renewed.
    async fn renew_pledge(
        &self,
        campaign_id: Uuid,
        signature_id: Uuid,
        renewals: i32,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// A confirmed pledge in its `renewals`th term that was not renewed: it stops counting.
    async fn lapse_pledge(
        &self,
        pledge: &HeldPledge,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
}

/// A webhook message due for delivery, with its webhook.
#[derive(Debug, Clone)]
pub struct DueMessage {
    /// The `webhook-id`: the same on every attempt.
    pub id: String,
    pub event: String,
    pub payload: String,
    /// Attempts made before this one.
    pub attempts: u32,
    pub webhook: Webhook,
}

/// A webhook message as its campaign's organisers see it in the list of deliveries.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WebhookMessage {
    pub id: String,
    #[sqlx(try_from = "String")]
    pub event: WebhookEvent,
    pub created_at: DateTime<Utc>,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub failed_at: Option<DateTime<Utc>>,
    /// The status code of the last attempt, if it got an answer.
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
}

/// How one attempt to deliver a webhook message ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempted {
    Delivered,
    Retry(DateTime<Utc>),
    GaveUp,
}

/// Webhooks: each campaign's subscribers, and the delivery of their messages.
#[async_trait]
pub trait Webhooks: Send + Sync {
    /// Keeps a new webhook unless the campaign's owner has `most` webhooks already, across all
    /// their campaigns; false (storing nothing) if so.
    async fn insert_webhook(
        &self,
        webhook: &Webhook,
        owner_id: Uuid,
        most: u32,
    ) -> Result<bool, StoreError>;
    async fn webhooks(&self, campaign_id: Uuid) -> Result<Vec<Webhook>, StoreError>;
    async fn webhook(&self, campaign_id: Uuid, id: Uuid) -> Result<Option<Webhook>, StoreError>;
    /// Removes the webhook and its messages; whether it existed.
    async fn delete_webhook(&self, campaign_id: Uuid, id: Uuid) -> Result<bool, StoreError>;
    /// A new secret; the one before it signs too until `previous_until`.
    async fn rotate_webhook_secret(
        &self,
        webhook: &Webhook,
        secret: &WebhookSecret,
        previous_until: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Queues a `webhook.test` message to `webhook`.
    async fn queue_test_message(
        &self,
        webhook: &Webhook,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// The webhook's latest messages, newest first.
    async fn webhook_messages(
        &self,
        webhook_id: Uuid,
        limit: u32,
    ) -> Result<Vec<WebhookMessage>, StoreError>;
    /// Leases, until `lease_until`, up to `limit` messages that are due, at most one for each
    /// webhook: the webhook's first due, and none for a webhook that has a message leased (in
    /// flight, here or on another instance) or is in `resting`. So each receiver gets one
    /// delivery at a time, in order, and a slow one holds up no other.
    async fn claim_webhook_messages(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
        resting: &[Uuid],
    ) -> Result<Vec<DueMessage>, StoreError>;
    async fn webhook_attempted(
        &self,
        message_id: &str,
        status: Option<u16>,
        error: Option<&str>,
        outcome: Attempted,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Stops a webhook (its receiver answered 410 Gone), with what was still due to it.
    async fn disable_webhook(
        &self,
        webhook_id: Uuid,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
}

/// A hand-in as it is frozen: its manifest, the bundle and who is to be emailed it.
#[derive(Debug, Clone)]
pub struct NewHandin {
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub created_by: Uuid,
    pub total: u64,
    pub listed: u64,
    pub manifest: String,
    pub manifest_sha256: String,
    pub bundle: Vec<u8>,
    /// Each is sent the bundle through the outbox.
    pub deliver_to: Vec<Email>,
    /// Emailed to its organiser alone, and never shown publicly.
    pub rehearsal: bool,
}

/// A hand-in as anyone may see it: when, with how many, and the manifest's digest.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HandinSummary {
    pub id: Uuid,
    /// When it was handed in.
    pub created_at: DateTime<Utc>,
    #[sqlx(try_from = "i64")]
    pub total: u64,
    #[sqlx(try_from = "i64")]
    pub listed: u64,
    pub manifest_sha256: String,
    /// A rehearsal, which only its organisers see.
    pub rehearsal: bool,
}

/// Hand-ins: each frozen once, with its bundle, and emailed where asked.
#[async_trait]
pub trait Handins: Send + Sync {
    /// Stores the hand-in, queues its emails and reports it to webhooks, in one transaction.
    async fn insert_handin(&self, handin: &NewHandin) -> Result<(), StoreError>;
    /// The campaign's hand-ins, oldest first.
    async fn handins(&self, campaign_id: Uuid) -> Result<Vec<HandinSummary>, StoreError>;
    /// A hand-in's bundle, as handed in (redacted since, if a signer in it was erased).
    async fn handin_bundle(
        &self,
        campaign_id: Uuid,
        id: Uuid,
    ) -> Result<Option<Vec<u8>>, StoreError>;
    /// Puts a redacted bundle in place of a hand-in's, recording when, why and the redacted
    /// manifest's SHA-256 beside the original's.
    async fn redact_handin(&self, redaction: &HandinRedaction) -> Result<(), StoreError>;
}

/// A hand-in's bundle with an erased signer taken out.
pub struct HandinRedaction {
    pub handin_id: Uuid,
    pub bundle: Vec<u8>,
    pub manifest_sha256: String,
    pub reason: String,
    pub at: DateTime<Utc>,
}

impl PublicSignatory {
    /// Where from, as a hand-in's list gives it: the postcode's area (`CF`), else the country.
    pub fn area(&self) -> &str {
        self.postcode_area.as_deref().unwrap_or(&self.country)
    }
}

/// An update as its organiser wrote it, to be sent.
#[derive(Debug, Clone)]
pub struct NewUpdate {
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub kind: crate::domain::UpdateKind,
    pub subject: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub created_by: Uuid,
}

/// An update and how its sending stands.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UpdateStatus {
    pub id: Uuid,
    #[sqlx(try_from = "String")]
    pub kind: crate::domain::UpdateKind,
    pub subject: String,
    pub created_at: DateTime<Utc>,
    #[sqlx(try_from = "i64")]
    pub recipients: u64,
    #[sqlx(try_from = "i64")]
    pub queued: u64,
    /// Taken by the mail server.
    #[sqlx(try_from = "i64")]
    pub sent: u64,
    /// Refused by the receiving server for good (an unknown address): never retried.
    #[sqlx(try_from = "i64")]
    pub bounced: u64,
    /// Not sent for another reason, after the retries it was given.
    #[sqlx(try_from = "i64")]
    pub failed: u64,
    /// Of those it was sent to, how many have unsubscribed since.
    #[sqlx(try_from = "i64")]
    pub unsubscribed: u64,
}

/// A campaign's outcome as the public sees it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PublishedOutcome {
    pub subject: String,
    pub body: String,
    /// When it was sent to the signers.
    pub created_at: DateTime<Utc>,
}

/// Updates to signers, and their unsubscribes.
#[async_trait]
pub trait Updates: Send + Sync {
    /// Stores the update and queues one email to each of its recipients, the `n`th due
    /// `n × spacing` after the first, in one transaction. Returns how many were queued.
    async fn insert_update(
        &self,
        update: &NewUpdate,
        spacing: chrono::Duration,
    ) -> Result<u64, StoreError>;
    /// The campaign's updates, oldest first, with their sending counts.
    async fn updates(&self, campaign_id: Uuid) -> Result<Vec<UpdateStatus>, StoreError>;
    /// Who an update of `kind` would go to now, by the language each signed in.
    async fn update_recipients(
        &self,
        campaign_id: Uuid,
        kind: crate::domain::UpdateKind,
    ) -> Result<Vec<(String, i64)>, StoreError>;
    async fn latest_outcome(
        &self,
        campaign_id: Uuid,
    ) -> Result<Option<PublishedOutcome>, StoreError>;
    /// Unsubscribes a signer from every later update of their campaign (and what is still
    /// queued); the campaign's title, if the signature exists.
    async fn unsubscribe(
        &self,
        signature_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, StoreError>;
}

/// One line of the audit log: who did what to which campaign's signatures, and to how many.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditEntry {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    pub action: String,
    pub campaign_id: Uuid,
    pub signature_id: Option<Uuid>,
    pub rows: i64,
    pub detail: String,
}

/// An audit entry as the log lists it, with the slug of its campaign.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LoggedAudit {
    #[sqlx(flatten)]
    pub entry: AuditEntry,
    pub campaign_slug: String,
}

/// Which audit entries an admin asks for.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub campaign: Option<Slug>,
    pub action: Option<String>,
}

/// Connects to the database the URL names, creating a SQLite file if needed, and applies the
/// migrations.
pub async fn connect(url: &DatabaseUrl) -> Result<Arc<dyn Store>, StoreError> {
    if url.is_postgres() {
        Ok(Arc::new(postgres::connect(url).await?))
    } else {
        Ok(Arc::new(sqlite::connect(url).await?))
    }
}

/// The time to write for "now", truncated to microseconds so that SQLite and PostgreSQL
/// (whose timestamps hold microseconds) store and return the same value.
pub fn now() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}
