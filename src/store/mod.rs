//! Storage: one trait, sized to the service's use cases, with a SQLite and a PostgreSQL
//! implementation. The backend is chosen once, from the database URL's scheme, and each
//! migrates itself on connect. No transaction or SQL type leaves this module.

mod batch;
mod partners;
mod postgres;
mod rows;
mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::config::DatabaseUrl;
use crate::domain::{
    Campaign, CampaignStatus, Email, EmailKind, NewSignature, SecretToken, SignatoryType,
    SignatureStatus, Slug, User,
};

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was broken; the text names the constraint or column.
    #[error("conflict on {0}")]
    Conflict(String),
    /// The database cannot be reached or is overloaded for now; the request may be retried.
    #[error("database unavailable")]
    Unavailable(#[source] sqlx::Error),
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
            | E::WorkerCrashed => StoreError::Unavailable(error),
            E::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict(db.constraint().unwrap_or(db.message()).to_owned())
            }
            E::Database(db) if is_transient(db.code().as_deref()) => StoreError::Unavailable(error),
            _ => StoreError::Internal(Box::new(error)),
        }
    }
}

/// Error codes that mean "not now" rather than "never": PostgreSQL's connection exceptions
/// (class 08), shutdown and start-up (57P01–57P03) and too many connections (53300); SQLite's
/// BUSY (5) and LOCKED (6) once the busy timeout has run out.
fn is_transient(code: Option<&str>) -> bool {
    match code {
        Some(code) => {
            code.starts_with("08")
                || matches!(code, "57P01" | "57P02" | "57P03" | "53300" | "5" | "6")
        }
        None => false,
    }
}

/// A stored value that no longer parses as its domain type: a bug or a hand edit, never input.
fn corrupt(what: &str, detail: String) -> StoreError {
    StoreError::Internal(format!("stored {what} is invalid: {detail}").into())
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Answers once the database has answered a trivial query.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Stores a new organiser account. `Conflict` if the email is taken.
    async fn insert_user(&self, user: &User, password_hash: &str) -> Result<(), StoreError>;

    /// The account for an email, with its password hash, for logging in.
    async fn user_credentials(&self, email: &Email) -> Result<Option<(User, String)>, StoreError>;

    async fn user(&self, id: Uuid) -> Result<Option<User>, StoreError>;

    /// Stores a new campaign. `Conflict` if its slug is taken.
    async fn insert_campaign(&self, campaign: &Campaign) -> Result<(), StoreError>;

    async fn campaign(&self, slug: &Slug) -> Result<Option<Campaign>, StoreError>;

    /// Campaigns whose organiser has opened them and not closed them (newest first); some may
    /// read as closed because their closing time has passed.
    async fn opened_campaigns(&self) -> Result<Vec<Campaign>, StoreError>;

    async fn campaigns_owned_by(&self, owner_id: Uuid) -> Result<Vec<Campaign>, StoreError>;

    /// Saves an edited campaign, provided its stored status is still `expected_status`, so
    /// that two concurrent status changes cannot both succeed (`Conflict` for the loser).
    async fn update_campaign(
        &self,
        campaign: &Campaign,
        expected_status: CampaignStatus,
    ) -> Result<(), StoreError>;

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

    /// How many write transactions can usefully be in progress at once: SQLite has one writer
    /// at a time; PostgreSQL can write one batch while it commits another.
    fn parallel_writes(&self) -> usize;

    /// Records several signing attempts in one transaction, as `record_signature` records one,
    /// so that they share one commit; the outcomes are in the batch's order. If it fails,
    /// none is recorded.
    async fn record_signatures(
        &self,
        batch: &[SignatureSubmission],
    ) -> Result<Vec<SignOutcome>, StoreError>;

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

    /// Takes up to `limit` due emails for sending, leased until `lease_until` so that no other
    /// worker (or instance) sends them meanwhile; a crashed worker's lease simply runs out.
    async fn claim_emails(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<QueuedEmail>, StoreError>;

    /// Marks emails sent and forgets their recipients and tokens, in one write: a worker
    /// records a claimed batch at once rather than committing once per email.
    async fn emails_sent(&self, ids: &[Uuid], now: DateTime<Utc>) -> Result<(), StoreError>;

    /// Records a failed attempt: retried at `retry_at`, or given up for good when `None`.
    async fn email_not_sent(
        &self,
        id: Uuid,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// A campaign's counts, read from the count rows (never by counting signatures).
    async fn campaign_count(&self, campaign_id: Uuid) -> Result<CountSnapshot, StoreError>;

    async fn campaign_by_id(&self, id: Uuid) -> Result<Option<Campaign>, StoreError>;

    /// Every campaign's id and slug, oldest first.
    async fn campaign_slugs(&self) -> Result<Vec<(Uuid, String)>, StoreError>;

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

    /// A page of a campaign's signatures, oldest first, after the signature `after`.
    async fn signatures(
        &self,
        campaign_id: Uuid,
        filter: SignatureFilter,
        after: Option<Uuid>,
        limit: u32,
    ) -> Result<Vec<SignatureRecord>, StoreError>;

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
        review: crate::domain::Review,
        now: DateTime<Utc>,
    ) -> Result<Option<SignatureRecord>, StoreError>;

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
    /// many signatures held personal data before.
    async fn purge_campaign(
        &self,
        campaign_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError>;

    async fn record_audit(&self, entry: &AuditEntry) -> Result<(), StoreError>;

    /// The newest audit entries first, before the entry `before`.
    async fn audit_log(
        &self,
        before: Option<Uuid>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError>;

    /// Stores a campaign's new partner with the hash of its key, or gives a partner whose key
    /// was revoked a new key (and name). `Conflict` if the code is taken by a live partner.
    async fn insert_partner(
        &self,
        campaign_id: Uuid,
        partner: &crate::domain::NewPartner,
        key_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// A campaign's partners, revoked ones included, with the signatures each brought.
    async fn partners(
        &self,
        campaign_id: Uuid,
    ) -> Result<Vec<crate::domain::PartnerSummary>, StoreError>;

    /// Revokes a partner's key at once; false if the campaign has no partner with this code
    /// and a live key. Its signatures stay credited to it.
    async fn revoke_partner(
        &self,
        campaign_id: Uuid,
        code: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// The partner a live key belongs to; `None` for an unknown or revoked key.
    async fn key_holder(
        &self,
        key_hash: &str,
    ) -> Result<Option<crate::domain::KeyHolder>, StoreError>;

    /// Sends the id of every campaign whose count or settings another instance changed, for
    /// as long as `changes` is open. A no-op where there is only ever one instance (SQLite).
    async fn watch_changes(&self, changes: tokio::sync::mpsc::UnboundedSender<Uuid>);

    /// Tells the other instances (those in `watch_changes`) that these campaigns changed.
    async fn announce_changes(&self, campaign_ids: &[Uuid]) -> Result<(), StoreError>;
}

/// Everything recording one signing attempt needs, prepared before the transaction starts;
/// owned, so that it can wait in the group-commit queue.
pub struct SignatureSubmission {
    pub campaign: Arc<Campaign>,
    pub signature: NewSignature,
    /// `Pending` (needs confirming), `Confirmed` (the campaign needs no confirmation) or `Spam`.
    pub status: SignatureStatus,
    pub confirm_token: SecretToken,
    pub withdraw_token: SecretToken,
    pub confirm_expires_at: DateTime<Utc>,
    pub now: DateTime<Utc>,
}

/// What became of a signing attempt. The signer is never told which (PRODUCT invariant 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignOutcome {
    Recorded,
    /// The email had already signed; at most a reminder email was queued.
    Duplicate,
    Spam,
}

/// A signature reached through a confirmation or withdrawal token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenUse {
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
}

/// A campaign's counts, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CountSnapshot {
    pub confirmed_individuals: u64,
    pub confirmed_organisations: u64,
    pub pending: u64,
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
        ) != (
            self.actual.confirmed_individuals,
            self.actual.confirmed_organisations,
            self.actual.pending,
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
}

/// Which of a campaign's signatures an organiser asks for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SignatureFilter {
    /// One status only; by default every status but spam.
    pub status: Option<SignatureStatus>,
    /// Only those who agreed to be contacted.
    pub contact_only: bool,
}

/// A signature as its campaign's organisers see it (personal data included).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct SignatureRecord {
    pub id: Uuid,
    pub name: Option<String>,
    pub email: Option<String>,
    pub status: String,
    pub review: String,
    pub source: Option<String>,
    pub signatory_type: String,
    pub organisation: Option<String>,
    pub role: Option<String>,
    pub postcode: Option<String>,
    pub country: String,
    pub public: bool,
    pub contact: bool,
    pub consent_version: i32,
    pub possible_duplicate: bool,
    pub signed_at: DateTime<Utc>,
    pub confirmed_at: Option<DateTime<Utc>>,
}

/// A signatory as the public sees them: never an email or a postcode.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct PublicSignatory {
    pub name: String,
    pub role: Option<String>,
    pub organisation: Option<String>,
    pub signatory_type: String,
    pub signed_at: DateTime<Utc>,
}

/// One line of the audit log: who did what to which campaign's signatures, and to how many.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
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

/// A change to a campaign's counts, applied in the same transaction as the signature change
/// that causes it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct CountDelta {
    individuals: i64,
    organisations: i64,
    pending: i64,
}

impl CountDelta {
    /// One signature entering (`sign = 1`) or leaving (`sign = -1`) the count for `status`.
    fn of(status: SignatureStatus, kind: SignatoryType, sign: i64) -> Self {
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
            (SignatureStatus::Withdrawn | SignatureStatus::Spam, _) => Self::default(),
        }
    }

    /// Like `of`, for a signature an organiser may have rejected: a rejected signature is not
    /// in the confirmed count.
    fn of_reviewed(
        status: SignatureStatus,
        rejected: bool,
        kind: SignatoryType,
        sign: i64,
    ) -> Self {
        if rejected && status == SignatureStatus::Confirmed {
            Self::default()
        } else {
            Self::of(status, kind, sign)
        }
    }

    /// A batch's changes summed per campaign, campaigns in id order (the order in which their
    /// count rows are locked).
    fn merged(mut deltas: Vec<(Uuid, CountDelta)>) -> Vec<(Uuid, CountDelta)> {
        deltas.sort_by_key(|(campaign_id, _)| *campaign_id);
        let mut merged: Vec<(Uuid, CountDelta)> = Vec::new();
        for (campaign_id, delta) in deltas {
            match merged.last_mut() {
                Some((last, sum)) if *last == campaign_id => *sum = sum.plus(delta),
                _ => merged.push((campaign_id, delta)),
            }
        }
        merged
    }

    fn plus(self, other: Self) -> Self {
        Self {
            individuals: self.individuals + other.individuals,
            organisations: self.organisations + other.organisations,
            pending: self.pending + other.pending,
        }
    }

    fn is_zero(self) -> bool {
        self == Self::default()
    }
}

/// Rows each campaign's count is spread over. Concurrent signers update different rows, so
/// they do not queue on one row's lock; a read sums them (at most this many rows).
const COUNT_SHARDS: i32 = 16;

fn random_shard() -> i32 {
    use rand::Rng;
    rand::rng().random_range(0..COUNT_SHARDS)
}

/// Hashes normalised emails with a key kept in the database (made once, on first start), so
/// the deduplication key outlives an erased email without being the email.
#[derive(Clone)]
struct EmailHasher {
    key: Vec<u8>,
}

impl EmailHasher {
    fn hash(&self, email: &Email) -> String {
        use hmac::{Hmac, Mac};
        let mut mac =
            Hmac::<sha2::Sha256>::new_from_slice(&self.key).expect("HMAC takes a key of any size");
        mac.update(email.as_str().as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

fn new_hash_key() -> String {
    SecretToken::generate().plain
}

/// Connects to the database the URL names, creating a SQLite file if needed, and applies the
/// migrations.
pub async fn connect(url: &DatabaseUrl) -> Result<Arc<dyn Store>, StoreError> {
    if url.is_postgres() {
        Ok(Arc::new(PostgresStore::connect(url).await?))
    } else {
        Ok(Arc::new(SqliteStore::connect(url).await?))
    }
}

/// The time to write for "now", truncated to microseconds so that SQLite and PostgreSQL
/// (whose timestamps hold microseconds) store and return the same value.
pub fn now() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}
