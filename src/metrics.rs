//! Counters of what the service does, beside the per-route request metrics, on `/metrics`.

use prometheus::{IntCounterVec, Opts, Registry};

use crate::store::SignOutcome;

#[derive(Clone)]
pub struct Metrics {
    signatures: IntCounterVec,
    emails: IntCounterVec,
}

impl Metrics {
    pub fn register(registry: &Registry) -> anyhow::Result<Self> {
        let signatures = IntCounterVec::new(
            Opts::new(
                "undersigned_signatures_total",
                "Signing events: received, recorded, duplicate, spam, confirmed, withdrawn, rate_limited",
            ),
            &["event"],
        )?;
        let emails = IntCounterVec::new(
            Opts::new(
                "undersigned_emails_total",
                "Emails to signers: sent, retried, failed",
            ),
            &["outcome"],
        )?;
        registry.register(Box::new(signatures.clone()))?;
        registry.register(Box::new(emails.clone()))?;
        // Every label exists from the start, so a dashboard shows 0 rather than nothing.
        for event in [
            "received",
            "recorded",
            "duplicate",
            "spam",
            "confirmed",
            "withdrawn",
            "rate_limited",
        ] {
            signatures.with_label_values(&[event]);
        }
        for outcome in ["sent", "retried", "failed"] {
            emails.with_label_values(&[outcome]);
        }
        Ok(Self { signatures, emails })
    }

    pub fn signing(&self, event: &str) {
        self.signatures.with_label_values(&[event]).inc();
    }

    pub fn signed(&self, outcome: SignOutcome) {
        self.signing(match outcome {
            SignOutcome::Recorded => "recorded",
            SignOutcome::Duplicate => "duplicate",
            SignOutcome::Spam => "spam",
        });
    }

    pub fn email(&self, outcome: &str) {
        self.emails.with_label_values(&[outcome]).inc();
    }
}
