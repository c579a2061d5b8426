//! Counters of what the service does, beside the per-route request metrics, on `/metrics`.

use chrono::{DateTime, Utc};
use prometheus::{Gauge, GaugeVec, IntCounterVec, IntGaugeVec, Opts, Registry};

use crate::store::{LaneQueue, SignOutcome};

#[derive(Clone)]
pub struct Metrics {
    signatures: IntCounterVec,
    emails: IntCounterVec,
    outbox_waiting: IntGaugeVec,
    outbox_oldest: GaugeVec,
    backups: IntCounterVec,
    last_backup: Gauge,
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
        let outbox_waiting = IntGaugeVec::new(
            Opts::new(
                "undersigned_outbox_waiting",
                "Emails waiting to be sent, by lane (first: confirmations; second: the rest)",
            ),
            &["lane"],
        )?;
        let outbox_oldest = GaugeVec::new(
            Opts::new(
                "undersigned_outbox_oldest_seconds",
                "How long the oldest waiting email of each lane has waited (0 when none waits)",
            ),
            &["lane"],
        )?;
        let backups = IntCounterVec::new(
            Opts::new(
                "undersigned_backups_total",
                "Scheduled backups of the SQLite database: taken, failed",
            ),
            &["outcome"],
        )?;
        let last_backup = Gauge::new(
            "undersigned_last_backup_timestamp_seconds",
            "When the last scheduled backup was taken (Unix time; 0 before the first)",
        )?;
        registry.register(Box::new(backups.clone()))?;
        registry.register(Box::new(last_backup.clone()))?;
        for outcome in ["taken", "failed"] {
            backups.with_label_values(&[outcome]);
        }
        registry.register(Box::new(signatures.clone()))?;
        registry.register(Box::new(emails.clone()))?;
        registry.register(Box::new(outbox_waiting.clone()))?;
        registry.register(Box::new(outbox_oldest.clone()))?;
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
        for outcome in ["sent", "retried", "failed", "refused"] {
            emails.with_label_values(&[outcome]);
        }
        for lane in crate::domain::MailLane::ALL {
            outbox_waiting.with_label_values(&[lane.as_str()]);
            outbox_oldest.with_label_values(&[lane.as_str()]);
        }
        Ok(Self {
            signatures,
            emails,
            outbox_waiting,
            outbox_oldest,
            backups,
            last_backup,
        })
    }

    pub fn signing(&self, event: &str) {
        self.signatures.with_label_values(&[event]).inc();
    }

    pub fn signed(&self, outcome: SignOutcome) {
        self.signing(match outcome {
            SignOutcome::Recorded => "recorded",
            SignOutcome::Duplicate | SignOutcome::Reminded => "duplicate",
            SignOutcome::Spam => "spam",
        });
    }

    pub fn email(&self, outcome: &str) {
        self.emails.with_label_values(&[outcome]).inc();
    }

    pub fn outbox_queue(&self, queues: &[LaneQueue], now: DateTime<Utc>) {
        for queue in queues {
            let lane = [queue.lane.as_str()];
            let waited = queue.oldest.map_or(0.0, |at| {
                (now - at).num_milliseconds().max(0) as f64 / 1000.0
            });
            self.outbox_waiting
                .with_label_values(&lane)
                .set(i64::try_from(queue.waiting).unwrap_or(i64::MAX));
            self.outbox_oldest.with_label_values(&lane).set(waited);
        }
    }

    pub fn backup_taken(&self, at: DateTime<Utc>) {
        self.backups.with_label_values(&["taken"]).inc();
        self.last_backup.set(at.timestamp() as f64);
    }

    pub fn backup_failed(&self) {
        self.backups.with_label_values(&["failed"]).inc();
    }
}
