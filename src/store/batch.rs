//! What a batch of signing attempts writes besides the signatures themselves (the links'
//! token hashes and the queued emails), gathered while the batch is recorded and written at
//! its end with one statement per table. SQLite uses the multi-row statements here;
//! PostgreSQL passes each column as an array (`UNNEST`), so that every batch, whatever its
//! size, runs one prepared statement.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{SignatureSubmission, TokenPurpose};
use crate::domain::{
    CampaignKind, Email, EmailKind, Signatory, SignatoryType, SignatureStatus, organisation_key,
};

pub(super) struct TokenRow {
    pub hash: String,
    pub signature_id: Uuid,
    pub purpose: TokenPurpose,
    pub expires_at: Option<DateTime<Utc>>,
}

pub(super) struct OutboxRow {
    pub id: Uuid,
    pub signature_id: Uuid,
    pub kind: EmailKind,
    pub recipient: String,
    pub confirm_token: Option<String>,
    pub withdraw_token: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Default)]
pub(super) struct QueuedWrites {
    pub tokens: Vec<TokenRow>,
    pub emails: Vec<OutboxRow>,
}

impl QueuedWrites {
    /// Queues one email to a signer, with the hashes of the tokens it links to.
    pub fn email(
        &mut self,
        signature_id: Uuid,
        kind: EmailKind,
        recipient: &Email,
        submission: &SignatureSubmission,
    ) {
        let confirm = (kind == EmailKind::Confirm).then_some(&submission.confirm_token);
        if let Some(token) = confirm {
            self.tokens.push(TokenRow {
                hash: token.hash.clone(),
                signature_id,
                purpose: TokenPurpose::Confirm,
                expires_at: Some(submission.confirm_expires_at),
            });
        }
        let withdraw = &submission.withdraw_token;
        self.tokens.push(TokenRow {
            hash: withdraw.hash.clone(),
            signature_id,
            purpose: TokenPurpose::Withdraw,
            expires_at: None,
        });
        self.emails.push(OutboxRow {
            id: Uuid::now_v7(),
            signature_id,
            kind,
            recipient: recipient.as_str().to_owned(),
            confirm_token: confirm.map(|t| t.plain.clone()),
            withdraw_token: withdraw.plain.clone(),
            created_at: submission.now,
        });
    }
}

/// A signature as a batch inserts it, prepared from its submission.
pub(super) struct NewSignatureRow {
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub email_hash: String,
    pub email: String,
    pub name: String,
    pub postcode: Option<String>,
    pub postcode_area: Option<String>,
    pub country: String,
    pub kind: SignatoryType,
    pub organisation: Option<String>,
    pub organisation_key: Option<String>,
    pub role: Option<String>,
    pub public: bool,
    pub contact: bool,
    pub consent_version: i32,
    pub source: Option<String>,
    pub status: SignatureStatus,
    /// The email its signing sends, if any: a confirmation link, or thanks.
    pub first_email: Option<EmailKind>,
    pub signed_at: DateTime<Utc>,
}

impl NewSignatureRow {
    pub fn of(submission: &SignatureSubmission, email_hasher: &super::EmailHasher) -> Self {
        let SignatureSubmission {
            campaign,
            signature,
            status,
            now,
            ..
        } = submission;
        let (status, now) = (*status, *now);
        let organisation_key = match (&signature.signatory, campaign.kind) {
            (Signatory::Organisation { organisation, .. }, CampaignKind::Letter) => {
                Some(organisation_key(organisation))
            }
            _ => None,
        };
        Self {
            id: Uuid::now_v7(),
            campaign_id: campaign.id,
            email_hash: email_hasher.hash(&signature.email),
            email: signature.email.as_str().to_owned(),
            name: signature.name.as_str().to_owned(),
            postcode: signature.postcode.as_ref().map(|p| p.as_str().to_owned()),
            postcode_area: signature.postcode.as_ref().map(|p| p.area().to_owned()),
            country: signature.country.as_str().to_owned(),
            kind: signature.signatory.kind(),
            organisation: signature
                .signatory
                .organisation()
                .map(|o| o.as_str().to_owned()),
            organisation_key,
            role: signature.signatory.role().map(|r| r.as_str().to_owned()),
            public: signature.public,
            contact: signature.contact,
            consent_version: signature
                .consent_version
                .unwrap_or(campaign.consent.version) as i32,
            source: signature.source.as_ref().map(|s| s.as_str().to_owned()),
            status,
            first_email: match status {
                SignatureStatus::Pending => Some(EmailKind::Confirm),
                SignatureStatus::Confirmed => Some(EmailKind::Thanks),
                SignatureStatus::Withdrawn | SignatureStatus::Spam => None,
            },
            signed_at: now,
        }
    }
}

/// `settle` for a backend: `$lock` is what its repeat lookup appends to lock the row it finds
/// (PostgreSQL's `FOR UPDATE`; nothing on SQLite, whose writer holds the whole database).
macro_rules! settle {
    ($Db:ty, $lock:literal) => {
        /// What one attempt of a batch comes to once the batch's signatures are inserted: a repeat
        /// (perhaps with a reminder), spam, or a new signature with its first email.
        async fn settle(
            tx: &mut Transaction<'static, $Db>,
            writes: &mut QueuedWrites,
            submission: &SignatureSubmission,
            row: &NewSignatureRow,
            inserted: bool,
        ) -> Result<(SignOutcome, CountDelta), StoreError> {
            let signature = &submission.signature;
            if !inserted {
                let existing: Option<ExistingSignatureRow> = sqlx::query_as(concat!(
                    "SELECT id, status, emails_sent FROM signatures
                     WHERE campaign_id = $1 AND email_hash = $2 AND status IN ('pending', 'confirmed')",
                    $lock
                ))
                .bind(row.campaign_id)
                .bind(&row.email_hash)
                .fetch_optional(&mut **tx)
                .await?;
                if let Some(existing) = existing {
                    let emails_sent = u32::try_from(existing.emails_sent).unwrap_or(u32::MAX);
                    if let Some(reminder) = reminder_for(existing.status()?, emails_sent) {
                        writes.email(existing.id, reminder, &signature.email, submission);
                        sqlx::query("UPDATE signatures SET emails_sent = emails_sent + 1 WHERE id = $1")
                            .bind(existing.id)
                            .execute(&mut **tx)
                            .await?;
                    }
                }
                return Ok((SignOutcome::Duplicate, CountDelta::default()));
            }
            if row.status == SignatureStatus::Spam {
                return Ok((SignOutcome::Spam, CountDelta::default()));
            }
            if let Some(key) = &row.organisation_key {
                let others = sqlx::query(
                    "UPDATE signatures SET possible_duplicate = TRUE
                     WHERE campaign_id = $1 AND organisation_key = $2 AND id <> $3
                       AND status IN ('pending', 'confirmed')",
                )
                .bind(row.campaign_id)
                .bind(key)
                .bind(row.id)
                .execute(&mut **tx)
                .await?
                .rows_affected();
                if others > 0 {
                    sqlx::query("UPDATE signatures SET possible_duplicate = TRUE WHERE id = $1")
                        .bind(row.id)
                        .execute(&mut **tx)
                        .await?;
                }
            }
            if let Some(email) = row.first_email {
                writes.email(row.id, email, &signature.email, submission);
            }
            Ok((
                SignOutcome::Recorded,
                CountDelta::of(row.status, row.kind, 1),
            ))
        }
    };
}
pub(super) use settle;

/// `record_batch_in` for a backend: the same steps in one order on both.
macro_rules! record_batch_in {
    ($Db:ty) => {
        /// Records a batch of signing attempts inside `tx`, without committing: their signatures
        /// in one statement, then what each outcome needs (repeats' reminders, first emails),
        /// the tokens and emails queued on the way, and the batch's count changes, applied once
        /// per campaign in campaign id order so that concurrent batches take the count rows'
        /// locks in one order and cannot deadlock on them. Returns each attempt's outcome.
        async fn record_batch_in(
            tx: &mut Transaction<'static, $Db>,
            email_hasher: &EmailHasher,
            batch: &[SignatureSubmission],
        ) -> Result<Vec<SignOutcome>, StoreError> {
            let Some(first) = batch.first() else {
                return Ok(Vec::new());
            };
            let rows: Vec<NewSignatureRow> = batch
                .iter()
                .map(|s| NewSignatureRow::of(s, email_hasher))
                .collect();
            let inserted = insert_signatures(tx, &rows).await?;
            let mut writes = QueuedWrites::default();
            let mut outcomes = Vec::with_capacity(batch.len());
            let mut deltas = Vec::with_capacity(batch.len());
            for (submission, row) in batch.iter().zip(&rows) {
                let (outcome, delta) =
                    settle(tx, &mut writes, submission, row, inserted.contains(&row.id)).await?;
                outcomes.push(outcome);
                deltas.push((row.campaign_id, delta));
            }
            write_queued(tx, writes).await?;
            for (campaign_id, delta) in CountDelta::merged(deltas) {
                apply_count(tx, campaign_id, delta, first.now).await?;
            }
            Ok(outcomes)
        }
    };
}
pub(super) use record_batch_in;
