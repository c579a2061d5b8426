//! Signing: a batch of attempts recorded in one transaction, and the tokens that confirm and
//! withdraw a signature.

use std::collections::HashSet;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Transaction;
use uuid::Uuid;

use super::counts::apply_counts;
use super::webhooks::{Happened, report, scrub_personal_data};
use super::{EMAIL_KEY_VERSION, EmailHasher, SqlStore};
use crate::domain::records::CountDelta;
use crate::domain::{
    AgeBand, Email, EmailKind, Lang, MAX_EMAILS_PER_SIGNATURE, Review, SecretToken, SignatoryType,
    SignatureStatus, WebhookEvent, reminder_for,
};
use crate::store::dialect::{Backend, InsertRows, column, sql, sql_built};
use crate::store::rows::{ExistingSignatureRow, TokenTargetRow};
use crate::store::{SignOutcome, SignatureSubmission, Signing, StoreError, TokenPurpose, TokenUse};

/// A signature as a batch inserts it, prepared from its submission.
struct NewSignatureRow {
    id: Uuid,
    campaign_id: Uuid,
    email_hash: String,
    email: String,
    name: String,
    postcode: Option<String>,
    postcode_area: Option<String>,
    constituency: Option<String>,
    council: Option<String>,
    country: String,
    kind: SignatoryType,
    organisation: Option<String>,
    organisation_key: Option<String>,
    role: Option<String>,
    website: Option<String>,
    public: bool,
    contact: bool,
    consent_version: i32,
    text_version: i32,
    source: Option<String>,
    status: SignatureStatus,
    review: Review,
    lang: Lang,
    age_band: Option<AgeBand>,
    /// How many emails its signing sends (0 or 1).
    emails_sent: i32,
    signed_at: DateTime<Utc>,
    client_block: Option<String>,
    client_network: Option<String>,
    email_domain: String,
}

impl NewSignatureRow {
    fn of(submission: &SignatureSubmission, email_hasher: &EmailHasher) -> Self {
        let signature = &submission.signature;
        let blocks = submission
            .client
            .map(|address| email_hasher.block_labels(address));
        Self {
            id: Uuid::now_v7(),
            campaign_id: submission.campaign_id,
            email_hash: email_hasher.hash(&signature.email),
            email: signature.email.as_str().to_owned(),
            name: signature.name.as_str().to_owned(),
            postcode: signature.postcode.as_ref().map(|p| p.as_str().to_owned()),
            postcode_area: signature.postcode.as_ref().map(|p| p.area().to_owned()),
            constituency: submission.place.constituency.clone(),
            council: submission.place.council.clone(),
            country: signature.country.as_str().to_owned(),
            kind: signature.signatory.kind(),
            organisation: signature
                .signatory
                .organisation()
                .map(|o| o.as_str().to_owned()),
            organisation_key: submission.organisation_key.clone(),
            role: signature.signatory.role().map(|r| r.as_str().to_owned()),
            website: signature.website.as_ref().map(|w| w.as_str().to_owned()),
            public: signature.public,
            contact: signature.contact,
            // Bounded by the campaign's wording versions, far below i32::MAX.
            consent_version: submission.consent_version as i32,
            text_version: submission.text_version as i32,
            source: signature.source.as_ref().map(|s| s.as_str().to_owned()),
            status: submission.status,
            review: submission.review,
            lang: signature.lang,
            age_band: signature.age_band,
            emails_sent: i32::from(submission.first_email.is_some()),
            signed_at: submission.now,
            client_block: blocks.as_ref().map(|(block, _)| block.clone()),
            client_network: blocks.and_then(|(_, network)| network),
            email_domain: signature.email.domain().to_owned(),
        }
    }

    /// When it was confirmed: at signing, for a campaign that needs no confirmation.
    fn confirmed_at(&self) -> Option<DateTime<Utc>> {
        (self.status == SignatureStatus::Confirmed).then_some(self.signed_at)
    }

    /// A batch's signatures, each skipped whose email has already signed the campaign
    /// (earlier in the batch included); the insert returns the ids of those it kept.
    fn insert(rows: &[Self]) -> InsertRows {
        InsertRows {
            table: "signatures",
            columns: vec![
                ("id", column(rows, |s| s.id)),
                ("campaign_id", column(rows, |s| s.campaign_id)),
                ("email_hash", column(rows, |s| s.email_hash.clone())),
                ("email", column(rows, |s| s.email.clone())),
                ("name", column(rows, |s| s.name.clone())),
                ("postcode", column(rows, |s| s.postcode.clone())),
                ("postcode_area", column(rows, |s| s.postcode_area.clone())),
                ("constituency", column(rows, |s| s.constituency.clone())),
                ("council", column(rows, |s| s.council.clone())),
                ("client_block", column(rows, |s| s.client_block.clone())),
                ("client_network", column(rows, |s| s.client_network.clone())),
                ("email_domain", column(rows, |s| s.email_domain.clone())),
                ("placed", column(rows, |_| true)),
                ("country", column(rows, |s| s.country.clone())),
                ("signatory_type", column(rows, |s| s.kind.as_str())),
                ("organisation", column(rows, |s| s.organisation.clone())),
                (
                    "organisation_key",
                    column(rows, |s| s.organisation_key.clone()),
                ),
                ("role", column(rows, |s| s.role.clone())),
                ("website", column(rows, |s| s.website.clone())),
                ("public", column(rows, |s| s.public)),
                ("contact", column(rows, |s| s.contact)),
                ("consent_version", column(rows, |s| s.consent_version)),
                ("text_version", column(rows, |s| s.text_version)),
                ("source", column(rows, |s| s.source.clone())),
                ("status", column(rows, |s| s.status.as_str())),
                ("review", column(rows, |s| s.review.as_str())),
                ("lang", column(rows, |s| s.lang.as_str())),
                (
                    "age_band",
                    column(rows, |s| s.age_band.map(|b| b.as_str().to_owned())),
                ),
                ("possible_duplicate", column(rows, |_| false)),
                ("emails_sent", column(rows, |s| s.emails_sent)),
                ("signed_at", column(rows, |s| s.signed_at)),
                ("confirmed_at", column(rows, Self::confirmed_at)),
                ("email_key_version", column(rows, |_| EMAIL_KEY_VERSION)),
            ],
            suffix: "ON CONFLICT DO NOTHING RETURNING id",
        }
    }
}

struct TokenRow {
    hash: String,
    signature_id: Uuid,
    purpose: TokenPurpose,
    expires_at: Option<DateTime<Utc>>,
}

struct OutboxRow {
    id: Uuid,
    signature_id: Uuid,
    kind: EmailKind,
    recipient: String,
    confirm_token: Option<String>,
    withdraw_token: String,
    created_at: DateTime<Utc>,
}

/// What a batch writes besides the signatures themselves (the links' token hashes and the
/// queued emails), gathered while it is recorded and written at its end, one statement per
/// table.
#[derive(Default)]
struct QueuedWrites {
    tokens: Vec<TokenRow>,
    emails: Vec<OutboxRow>,
}

impl QueuedWrites {
    fn inserts(self) -> [InsertRows; 2] {
        let (tokens, emails) = (&self.tokens, &self.emails);
        let tokens = InsertRows {
            table: "signature_tokens",
            columns: vec![
                ("token_hash", column(tokens, |t| t.hash.clone())),
                ("signature_id", column(tokens, |t| t.signature_id)),
                ("purpose", column(tokens, |t| t.purpose.as_str())),
                ("expires_at", column(tokens, |t| t.expires_at)),
            ],
            suffix: "",
        };
        let emails = InsertRows {
            table: "outbox",
            columns: vec![
                ("id", column(emails, |e| e.id)),
                ("signature_id", column(emails, |e| e.signature_id)),
                ("kind", column(emails, |e| e.kind.as_str())),
                ("recipient", column(emails, |e| e.recipient.clone())),
                ("confirm_token", column(emails, |e| e.confirm_token.clone())),
                (
                    "withdraw_token",
                    column(emails, |e| e.withdraw_token.clone()),
                ),
                ("created_at", column(emails, |e| e.created_at)),
                ("attempts", column(emails, |_| 0)),
                ("next_attempt_at", column(emails, |e| e.created_at)),
                ("lane", column(emails, |e| e.kind.lane().number())),
            ],
            suffix: "",
        };
        [tokens, emails]
    }

    /// Queues one email to a signer, with new tokens for the links it carries: made only
    /// when an email goes, so that a repeat that sends nothing costs no tokens.
    fn email(
        &mut self,
        signature_id: Uuid,
        kind: EmailKind,
        recipient: &Email,
        submission: &SignatureSubmission,
    ) {
        let confirm = (kind == EmailKind::Confirm).then(SecretToken::generate);
        if let Some(token) = &confirm {
            self.tokens.push(TokenRow {
                hash: token.hash.clone(),
                signature_id,
                purpose: TokenPurpose::Confirm,
                expires_at: Some(submission.confirm_expires_at),
            });
        }
        let withdraw = SecretToken::generate();
        self.tokens.push(TokenRow {
            hash: withdraw.hash,
            signature_id,
            purpose: TokenPurpose::Withdraw,
            expires_at: None,
        });
        self.emails.push(OutboxRow {
            id: Uuid::now_v7(),
            signature_id,
            kind,
            recipient: recipient.as_str().to_owned(),
            confirm_token: confirm.map(|t| t.plain),
            withdraw_token: withdraw.plain,
            created_at: submission.now,
        });
    }
}

impl<B: Backend> SqlStore<B> {
    /// Records a batch of signing attempts inside `tx`, without committing: their signatures
    /// in one statement, then what each outcome needs (repeats' reminders, first emails), the
    /// tokens and emails queued on the way, and the batch's count changes.
    async fn record_batch_in(
        &self,
        tx: &mut Transaction<'static, B>,
        batch: &[SignatureSubmission],
    ) -> Result<Vec<SignOutcome>, StoreError> {
        let Some(first) = batch.first() else {
            return Ok(Vec::new());
        };
        let rows: Vec<NewSignatureRow> = batch
            .iter()
            .map(|s| NewSignatureRow::of(s, &self.email_hasher))
            .collect();
        let inserted: HashSet<Uuid> = B::insert_rows(tx, &[NewSignatureRow::insert(&rows)])
            .await?
            .into_iter()
            .collect();
        let mut writes = QueuedWrites::default();
        let mut outcomes = Vec::with_capacity(batch.len());
        let mut deltas = Vec::with_capacity(batch.len());
        for (submission, row) in batch.iter().zip(&rows) {
            let (outcome, delta) = settle(tx, &mut writes, submission, row, &inserted).await?;
            outcomes.push(outcome);
            deltas.push((row.campaign_id, delta));
        }
        B::insert_rows(tx, &writes.inserts()).await?;
        // Reasons, held for the organisers, of the new signatures that gave one (a repeat's
        // and a bot's are dropped, as what they sent is).
        let reasons: Vec<(&NewSignatureRow, &crate::domain::Reason)> = batch
            .iter()
            .zip(&rows)
            .filter(|(_, row)| inserted.contains(&row.id) && row.status != SignatureStatus::Spam)
            .filter_map(|(submission, row)| submission.signature.reason.as_ref().map(|r| (row, r)))
            .collect();
        if !reasons.is_empty() {
            let insert = InsertRows {
                table: "signature_reasons",
                columns: vec![
                    ("signature_id", column(&reasons, |(row, _)| row.id)),
                    ("campaign_id", column(&reasons, |(row, _)| row.campaign_id)),
                    (
                        "text",
                        column(&reasons, |(_, r)| r.text.as_str().to_owned()),
                    ),
                    ("shown_as", column(&reasons, |(_, r)| r.shown_as.as_str())),
                    ("review", column(&reasons, |_| "pending")),
                    ("featured", column(&reasons, |_| false)),
                    ("reports", column(&reasons, |_| 0i32)),
                    ("created_at", column(&reasons, |(row, _)| row.signed_at)),
                ],
                suffix: "",
            };
            B::insert_rows(tx, &[insert]).await?;
        }
        apply_counts(tx, deltas, first.now).await?;
        // Signatures that count from the moment they are taken (no confirmation asked).
        let confirmed: Vec<Happened> = rows
            .iter()
            .filter(|row| row.status == SignatureStatus::Confirmed && inserted.contains(&row.id))
            .map(|row| {
                Happened::to_signature(row.campaign_id, WebhookEvent::SignatureConfirmed, row.id)
            })
            .collect();
        report(tx, &confirmed, first.now).await?;
        Ok(outcomes)
    }

    async fn token_target_in(
        tx: &mut Transaction<'static, B>,
        token_hash: &str,
        purpose: TokenPurpose,
        now: DateTime<Utc>,
    ) -> Result<Option<(TokenTargetRow, TokenUse)>, StoreError> {
        let row: Option<TokenTargetRow> = sql_built::<B>(format!(
            "SELECT t.signature_id, s.campaign_id, s.status, s.signatory_type, s.review, s.age_band,
                    s.paper_sheet IS NOT NULL AS paper,
                    t.expires_at, c.slug AS campaign_slug, c.title AS campaign_title
             FROM signature_tokens t
             JOIN signatures s ON s.id = t.signature_id
             JOIN campaigns c ON c.id = s.campaign_id
             WHERE t.token_hash = $1 AND t.purpose = $2 {}",
            B::FOR_UPDATE_OF_SIGNATURE
        ))
        .bind(token_hash)
        .bind(purpose.as_str())
        .fetch_optional(tx)
        .await?;
        Ok(row.and_then(|row| row.usable(now)))
    }
}

/// What one attempt of a batch comes to once the batch's signatures are inserted: a repeat
/// (perhaps with a reminder), spam, or a new signature with its first email.
async fn settle<B: Backend>(
    tx: &mut Transaction<'static, B>,
    writes: &mut QueuedWrites,
    submission: &SignatureSubmission,
    row: &NewSignatureRow,
    inserted: &HashSet<Uuid>,
) -> Result<(SignOutcome, CountDelta), StoreError> {
    let email = &submission.signature.email;
    if !inserted.contains(&row.id) {
        // The live signature this email already has, counted as emailed once more if it may
        // still be emailed (fewer than MAX_EMAILS_PER_SIGNATURE so far, as `reminder_for`
        // rules), in one statement: a reminder then costs a new signature's round trips.
        let reminded: Option<ExistingSignatureRow> = sql::<B>(
            "UPDATE signatures SET emails_sent = emails_sent + 1
             WHERE campaign_id = $1 AND email_hash = $2 AND status IN ('pending', 'confirmed')
               AND emails_sent < $3
             RETURNING id, status, emails_sent",
        )
        .bind(row.campaign_id)
        .bind(&row.email_hash)
        .bind(MAX_EMAILS_PER_SIGNATURE as i32)
        .fetch_optional(tx)
        .await?;
        if let Some(existing) = reminded {
            let emails_before = u32::try_from(existing.emails_sent - 1).unwrap_or(u32::MAX);
            if let Some(reminder) = reminder_for(existing.status, emails_before) {
                writes.email(existing.id, reminder, email, submission);
                return Ok((SignOutcome::Reminded, CountDelta::default()));
            }
        }
        return Ok((SignOutcome::Duplicate, CountDelta::default()));
    }
    if row.status == SignatureStatus::Spam {
        return Ok((SignOutcome::Spam, CountDelta::default()));
    }
    if let Some(key) = &row.organisation_key {
        // Both the new signature and those it resembles are marked for the organiser.
        sql::<B>(
            "UPDATE signatures SET possible_duplicate = TRUE
             WHERE campaign_id = $1 AND organisation_key = $2
               AND status IN ('pending', 'confirmed')
               AND EXISTS (SELECT 1 FROM signatures o
                           WHERE o.campaign_id = $1 AND o.organisation_key = $2
                             AND o.status IN ('pending', 'confirmed') AND o.id <> $3)",
        )
        .bind(row.campaign_id)
        .bind(key)
        .bind(row.id)
        .execute(tx)
        .await?;
    }
    if let Some(first_email) = submission.first_email {
        writes.email(row.id, first_email, email, submission);
    }
    Ok((
        SignOutcome::Recorded,
        CountDelta::of_reviewed(row.status, row.review, row.kind, row.age_band, 1),
    ))
}

#[async_trait]
impl<B: Backend> Signing for SqlStore<B> {
    async fn record_signatures(
        &self,
        batch: &[SignatureSubmission],
    ) -> Result<Vec<SignOutcome>, StoreError> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let recorded = async {
            let mut tx = self.begin_write().await?;
            let outcomes = self.record_batch_in(&mut tx, batch).await?;
            tx.commit().await?;
            Ok(outcomes)
        }
        .await;
        self.writes.record(&recorded);
        recorded
    }

    async fn spend_challenge(
        &self,
        challenge: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let spent = sql::<B>(
            "INSERT INTO spent_challenges (challenge, expires_at) VALUES ($1, $2)
             ON CONFLICT (challenge) DO NOTHING",
        )
        .bind(challenge)
        .bind(expires_at)
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(spent == 1)
    }

    async fn forget_spent_challenges(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        sql::<B>("DELETE FROM spent_challenges WHERE expires_at <= $1")
            .bind(now)
            .execute(&mut *self.conn().await?)
            .await
    }

    async fn confirm_signature(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<TokenUse>, StoreError> {
        let mut tx = self.begin_write().await?;
        let Some((row, target)) =
            Self::token_target_in(&mut tx, token_hash, TokenPurpose::Confirm, now).await?
        else {
            return Ok(None);
        };
        if target.previous == SignatureStatus::Pending {
            let confirmed = sql::<B>(
                "UPDATE signatures SET status = 'confirmed', confirmed_at = $2
                 WHERE id = $1 AND status = 'pending'",
            )
            .bind(row.signature_id)
            .bind(now)
            .execute(&mut tx)
            .await?;
            if confirmed == 1 {
                let mut state = row.state;
                let leaves = state.delta(-1);
                state.status = SignatureStatus::Confirmed;
                let delta = leaves.plus(state.delta(1));
                apply_counts(&mut tx, vec![(row.campaign_id, delta)], now).await?;
                report(
                    &mut tx,
                    &[Happened::to_signature(
                        row.campaign_id,
                        WebhookEvent::SignatureConfirmed,
                        row.signature_id,
                    )],
                    now,
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(Some(target))
    }

    async fn withdraw_signature(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<TokenUse>, StoreError> {
        let mut tx = self.begin_write().await?;
        let Some((row, target)) =
            Self::token_target_in(&mut tx, token_hash, TokenPurpose::Withdraw, now).await?
        else {
            return Ok(None);
        };
        // An invalidated signature can be withdrawn too: its signer wants their data gone.
        if matches!(
            target.previous,
            SignatureStatus::Pending | SignatureStatus::Confirmed | SignatureStatus::Invalidated
        ) {
            let withdrawn = sql_built::<B>(format!(
                "UPDATE signatures SET status = 'withdrawn', withdrawn_at = $2, email = NULL,
                     name = NULL, postcode = NULL, organisation = NULL, organisation_key = NULL,
                     role = NULL, website = NULL, email_hash = {},
                     invalidation_id = NULL, status_before_invalidation = NULL
                 WHERE id = $1 AND status IN ('pending', 'confirmed', 'invalidated')",
                B::ERASED_KEY
            ))
            .bind(row.signature_id)
            .bind(now)
            .execute(&mut tx)
            .await?;
            if withdrawn == 0 {
                // Another request withdrew or confirmed it first; nothing is left to do here.
                tx.commit().await?;
                return Ok(Some(target));
            }
            sql::<B>(
                "DELETE FROM signature_tokens WHERE signature_id = $1 AND purpose = 'confirm'",
            )
            .bind(row.signature_id)
            .execute(&mut tx)
            .await?;
            sql::<B>(
                "DELETE FROM outbox WHERE signature_id = $1 AND sent_at IS NULL AND failed_at IS NULL",
            )
            .bind(row.signature_id)
            .execute(&mut tx)
            .await?;
            apply_counts(&mut tx, vec![(row.campaign_id, row.state.delta(-1))], now).await?;
            scrub_personal_data(&mut tx, "$1", row.signature_id).await?;
            report(
                &mut tx,
                &[Happened::to_signature(
                    row.campaign_id,
                    WebhookEvent::SignatureWithdrawn,
                    row.signature_id,
                )],
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(Some(target))
    }

    async fn token_target(
        &self,
        token_hash: &str,
        purpose: TokenPurpose,
        now: DateTime<Utc>,
    ) -> Result<Option<TokenUse>, StoreError> {
        let mut tx = self.begin_read().await?;
        let target = Self::token_target_in(&mut tx, token_hash, purpose, now).await?;
        tx.commit().await?;
        Ok(target.map(|(_, target)| target))
    }
}
