//! Signing: taking a signature, confirming it and withdrawing it. The JSON API, the embedded
//! form and the pages all call these; nothing here knows of HTTP.
//!
//! A signature is answered only once the transaction holding it has committed (group commit,
//! see `group_commit`), and a new signature, a repeat by the same email and a bot caught by
//! the honeypot are answered alike, at the same point, so that no answer tells whether an
//! email had already signed; their answers are then paced so that their times tell as little
//! (see `pacing`).

mod campaign_cache;
mod form_clock;
mod group_commit;
mod pacing;
mod proof_of_work;

use std::net::IpAddr;
use std::sync::Arc;

pub use form_clock::FormClock;
pub use proof_of_work::ProofOfWork;

use crate::counts::LiveCounts;
use crate::domain::{
    Campaign, CampaignStatus, FieldError, MailLane, NewSignature, SecretToken, SignatureForm,
    SignatureStatus, Slug, SourceCode, with_faults,
};
use crate::error::{ApiError, Conflict};
use crate::geo::Geography;
use crate::integrity::ServiceBlocklist;
use crate::mail::{MailWake, OutboxFiles};
use crate::metrics::Metrics;
use crate::store::{
    self, PublicSignatory, SignOutcome, SignatureSubmission, Store, TokenPurpose, TokenUse,
};
use campaign_cache::CampaignCache;
use group_commit::GroupCommit;
use pacing::{AnswerPacing, Work};

pub struct Signing {
    store: Arc<dyn Store>,
    writers: GroupCommit,
    campaigns: CampaignCache,
    pacing: AnswerPacing,
    live: Arc<LiveCounts>,
    /// Wakes the outbox workers when a signing queued an email.
    mail_wake: Arc<MailWake>,
    metrics: Metrics,
    /// Emails written as files, removed when their signer withdraws.
    outbox_files: OutboxFiles,
    /// Stamps forms with when they were shown, to tell a bot's haste.
    clock: FormClock,
    /// Issues and checks proof-of-work challenges, for campaigns that ask for one.
    proof: ProofOfWork,
    /// Places each signature by its postcode.
    geography: Geography,
    /// The addresses the whole service refuses.
    blocklist: Arc<ServiceBlocklist>,
}

/// What tells a bot from a person: the form's stamp of when it was shown, the proof of work
/// campaigns may ask for, and the addresses the whole service refuses.
pub struct BotChecks {
    pub clock: FormClock,
    pub proof: ProofOfWork,
    /// The addresses the whole service refuses.
    pub blocklist: Arc<ServiceBlocklist>,
}

/// What a signer is told of an attempt that was taken. It follows from what they sent and
/// the campaign alone, never from whether their email had signed before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accepted {
    /// The signature counts once confirmed by email (a child's, by their parent or carer).
    pub confirmation_required: bool,
    /// A child's signature: the email went to their parent or carer.
    pub parent_confirms: bool,
    /// Sent without the proof of work the campaign asks for: counted once approved.
    pub held_for_review: bool,
}

/// How a signing attempt came.
#[derive(Debug, Clone, Copy)]
pub enum Channel<'a> {
    /// The JSON API without a key: the form's script, or anyone's.
    Api,
    /// A partner's server, with its key: its code is credited, and it owes no proof of work.
    Partner(&'a SourceCode),
    /// A browser's plain form post, as sent with JavaScript off: where the campaign asks for
    /// a proof of work it cannot give one, so its signature is held for review instead.
    PlainForm,
}

impl Signing {
    /// Starts the store's writers (see `Store::parallel_writes`).
    pub fn start(
        store: Arc<dyn Store>,
        live: Arc<LiveCounts>,
        mail_wake: Arc<MailWake>,
        metrics: Metrics,
        outbox_files: OutboxFiles,
        BotChecks {
            clock,
            proof,
            blocklist,
        }: BotChecks,
        geography: Geography,
    ) -> Self {
        Self {
            blocklist,
            clock,
            proof,
            geography,
            writers: GroupCommit::start(store.clone(), store.parallel_writes()),
            campaigns: CampaignCache::default(),
            pacing: AnswerPacing::default(),
            store,
            live,
            mail_wake,
            metrics,
            outbox_files,
        }
    }

    /// The campaign a signing request names, whatever its status, from a one-second cache
    /// (see `CampaignCache`); `NotFound` if there is none.
    pub async fn campaign(&self, slug: &Slug) -> Result<Arc<Campaign>, ApiError> {
        self.campaigns
            .get(self.store.as_ref(), slug)
            .await?
            .ok_or(ApiError::NotFound)
    }

    /// The stamp a form shown now carries; or, for a form shown again with its errors, the
    /// stamp it was first shown with, so fixing a typo quickly is not taken for haste.
    pub fn form_stamp(&self, shown_before: Option<&str>) -> String {
        match shown_before.and_then(|stamp| self.clock.genuine(stamp)) {
            Some(stamp) => stamp.to_owned(),
            None => self.clock.stamp(store::now()),
        }
    }

    /// A new proof-of-work challenge (`GET /v1/altcha/challenge`).
    pub fn challenge(&self) -> altcha_lib_rs::Challenge {
        self.proof.challenge(store::now())
    }

    /// The addresses the whole service refuses.
    pub fn blocklist(&self) -> &ServiceBlocklist {
        &self.blocklist
    }

    /// Forgets a campaign that was just edited on this instance.
    pub fn forget(&self, slug: &Slug) {
        self.campaigns.forget(slug.as_str());
    }

    /// Records a signing attempt from any channel (the API, a partner's key, the embedded
    /// form's plain POST). A partner's code, not what the form says, is credited. `faults`
    /// are fields the request held with the wrong type: they are refused together with
    /// whatever else is wrong.
    pub async fn accept(
        &self,
        campaign: &Campaign,
        channel: Channel<'_>,
        client: IpAddr,
        mut form: SignatureForm,
        faults: Vec<FieldError>,
    ) -> Result<Accepted, ApiError> {
        let partner = match channel {
            Channel::Partner(code) => Some(code),
            Channel::Api | Channel::PlainForm => None,
        };
        let started = std::time::Instant::now();
        let _in_flight = self.pacing.start();
        self.metrics.signing("received");
        match campaign.status_at(store::now()) {
            CampaignStatus::Open => {}
            CampaignStatus::Draft => return Err(ApiError::NotFound),
            CampaignStatus::Closed => return Err(ApiError::Conflict(Conflict::CampaignClosed)),
        }
        // An empty stamp is no stamp, as every other empty optional field is absent.
        let too_fast = form
            .started
            .as_deref()
            .filter(|stamp| !stamp.trim().is_empty())
            .is_some_and(|stamp| self.clock.too_fast(stamp, store::now()));
        let altcha = form.altcha.take().filter(|a| !a.trim().is_empty());
        let parsed = NewSignature::parse(form, campaign.signing_rules());
        let mut signature = with_faults(parsed, faults).map_err(ApiError::Validation)?;
        if campaign.signers.require_proof_of_work && partner.is_none() {
            match (altcha, channel) {
                (Some(field), _) => self.spend(&field).await?,
                (None, Channel::PlainForm) => signature.held_for_review = true,
                (None, _) => {
                    return Err(ApiError::field(
                        "altcha",
                        "is required: this campaign asks for a proof of work \
                         (GET /v1/altcha/challenge)",
                    ));
                }
            }
        }
        // Sent sooner than a person could fill the form in: a bot, as the honeypot would say.
        // An address the campaign or the service refuses is answered as any other and kept
        // apart the same way (invariant 4).
        signature.is_spam |= too_fast
            || campaign.screening.refuses(&signature.email)
            || self.blocklist.refuses(&signature.email);
        if let Some(code) = partner {
            signature.source = Some(code.clone());
        }
        if signature
            .consent_version
            .is_some_and(|v| v > campaign.consent.version)
        {
            return Err(ApiError::field(
                "consent_version",
                format!(
                    "must be at most {}, the current wording",
                    campaign.consent.version
                ),
            ));
        }
        if signature
            .text_version
            .is_some_and(|v| v > campaign.text_version.number)
        {
            return Err(ApiError::field(
                "text_version",
                format!(
                    "must be at most {}, the current text",
                    campaign.text_version.number
                ),
            ));
        }
        let parent_confirms = signature.needs_a_parent();
        let accepted = Accepted {
            confirmation_required: campaign.require_confirmation || parent_confirms,
            parent_confirms,
            held_for_review: signature.held_for_review,
        };
        let young = signature.age_band.is_some_and(|band| band.is_young());
        let place = self.geography.codes(signature.postcode.as_ref(), young);
        let mut submission = SignatureSubmission::new(campaign, signature, store::now());
        submission.place = place;
        submission.client = Some(client);
        let first_email = submission.first_email;
        let outcome = self.writers.record(submission).await?;
        self.metrics.signed(outcome);
        self.live.changed(campaign.id);
        // Only the lane that has a new email is woken: a worker woken for nothing would look
        // at the queue once per signing batch, for nothing.
        match (outcome, first_email) {
            (SignOutcome::Recorded, Some(kind)) => self.mail_wake.notify(kind.lane()),
            (SignOutcome::Reminded, _) => MailLane::ALL
                .into_iter()
                .for_each(|lane| self.mail_wake.notify(lane)),
            _ => {}
        }
        let work = match outcome {
            SignOutcome::Recorded | SignOutcome::Reminded => Work::Written,
            SignOutcome::Duplicate | SignOutcome::Spam => Work::Nothing,
        };
        let hold = self.pacing.hold(work, started.elapsed());
        pacing::wait(hold).await;
        Ok(accepted)
    }

    /// Checks a proof-of-work solution and spends it, so that it is never taken again.
    async fn spend(&self, field: &str) -> Result<(), ApiError> {
        let now = store::now();
        let solution = self
            .proof
            .check(field, now)
            .map_err(|m| ApiError::field("altcha", m))?;
        if !self
            .store
            .spend_challenge(&solution.challenge, solution.expires_at)
            .await?
        {
            return Err(ApiError::field(
                "altcha",
                "has been used already: each solution is taken once",
            ));
        }
        Ok(())
    }

    /// Confirms a signature by the token its email carried.
    pub async fn confirm(&self, token: &str) -> Result<TokenUse, ApiError> {
        let used = self
            .store
            .confirm_signature(&token_hash(token)?, store::now())
            .await?
            .ok_or(ApiError::TokenNotFound)?;
        if used.previous == SignatureStatus::Pending {
            self.metrics.signing("confirmed");
            self.live.changed(used.campaign_id);
        }
        Ok(used)
    }

    /// Withdraws a signature by the token its email carried.
    pub async fn withdraw(&self, token: &str) -> Result<TokenUse, ApiError> {
        let hash = token_hash(token)?;
        // Read before the withdrawal, which takes their name: what the hand-ins listed of them.
        let listed = self.listed_in_handins(&hash).await?;
        let used = self
            .store
            .withdraw_signature(&hash, store::now())
            .await?
            .ok_or(ApiError::TokenNotFound)?;
        if matches!(
            used.previous,
            SignatureStatus::Pending | SignatureStatus::Confirmed
        ) {
            if let Some((campaign, signer)) = listed {
                crate::handins::redact_signer(
                    self.store.as_ref(),
                    &campaign,
                    &signer,
                    crate::handins::Departure::Withdrew,
                    None,
                )
                .await?;
            }
            self.metrics.signing("withdrawn");
            self.outbox_files.forget_signature(used.signature_id).await;
            self.live.changed(used.campaign_id);
        }
        Ok(used)
    }
}

impl Signing {
    /// The confirmed signer a withdrawal link leads to, as the campaign's stored hand-ins list
    /// them (if they list them).
    async fn listed_in_handins(
        &self,
        hash: &str,
    ) -> Result<Option<(Campaign, PublicSignatory)>, ApiError> {
        let now = store::now();
        let Some(target) = self
            .store
            .token_target(hash, TokenPurpose::Withdraw, now)
            .await?
            .filter(|t| t.previous == SignatureStatus::Confirmed)
        else {
            return Ok(None);
        };
        let Some(campaign) = self.store.campaign_by_id(target.campaign_id).await? else {
            return Ok(None);
        };
        let signer =
            crate::handins::listed_in_handins(self.store.as_ref(), &campaign, target.signature_id)
                .await?;
        Ok(signer.map(|signer| (campaign, signer)))
    }
}

/// A token as a signer presents it, as the store knows it; a malformed one is simply unknown.
fn token_hash(token: &str) -> Result<String, ApiError> {
    if SecretToken::looks_valid(token) {
        Ok(SecretToken::hash_of(token))
    } else {
        Err(ApiError::TokenNotFound)
    }
}
