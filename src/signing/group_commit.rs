//! Group commit for signing: concurrent signing attempts are recorded together, many to a
//! transaction, and each is answered once the transaction holding it has committed. A commit
//! (an fsync on SQLite, a WAL flush on PostgreSQL) costs about the same for one signature as
//! for hundreds, so sharing it is where signing speed comes from; nothing is acknowledged
//! before it is durable: a signature answered with 2xx survives a crash right after.
//!
//! Each writer takes whatever attempts are waiting (up to `MAX_BATCH`), records them in one
//! transaction, answers them, and goes back for more: under light load a batch is one attempt
//! and costs no extra wait; under heavy load batches grow by themselves while a commit is in
//! progress.

use std::sync::Arc;

use futures_util::FutureExt;
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::store::{SignOutcome, SignatureSubmission, Store, StoreError};

/// The most attempts one transaction records.
const MAX_BATCH: usize = 256;
/// Attempts waiting for a writer before senders wait too (back-pressure).
const QUEUE: usize = 8_192;

struct Job {
    submission: SignatureSubmission,
    reply: oneshot::Sender<Result<SignOutcome, StoreError>>,
}

pub struct GroupCommit {
    jobs: mpsc::Sender<Job>,
}

impl GroupCommit {
    /// Starts `writers` writers on the store (more than one lets PostgreSQL commit one batch
    /// while the next is being written; SQLite takes one writer at a time anyway).
    pub fn start(store: Arc<dyn Store>, writers: usize) -> Self {
        let (jobs, queue) = mpsc::channel(QUEUE);
        let queue = Arc::new(Mutex::new(queue));
        for _ in 0..writers.max(1) {
            tokio::spawn(write(store.clone(), queue.clone()));
        }
        Self { jobs }
    }

    /// Records one attempt; answers once it is committed.
    pub async fn record(&self, submission: SignatureSubmission) -> Result<SignOutcome, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job { submission, reply })
            .await
            .map_err(|_| StoreError::Internal("the signing writers have stopped".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Internal("a signing writer stopped before answering".into()))?
    }
}

async fn write(store: Arc<dyn Store>, queue: Arc<Mutex<mpsc::Receiver<Job>>>) {
    loop {
        let jobs = {
            let mut queue = queue.lock().await;
            let Some(first) = queue.recv().await else {
                return;
            };
            let mut jobs = vec![first];
            while jobs.len() < MAX_BATCH {
                match queue.try_recv() {
                    Ok(job) => jobs.push(job),
                    Err(_) => break,
                }
            }
            jobs
        };
        // A panic in one batch fails that batch's attempts (their replies are dropped), not
        // every signing attempt after it.
        if std::panic::AssertUnwindSafe(commit(store.as_ref(), jobs))
            .catch_unwind()
            .await
            .is_err()
        {
            tracing::error!("a signing batch panicked; its attempts were answered with errors");
        }
    }
}

async fn commit(store: &dyn Store, mut jobs: Vec<Job>) {
    // Every batch records its attempts in one order (campaign, then email), so two batches
    // that meet on the same emails wait for each other in turn and never deadlock.
    jobs.sort_by(|a, b| {
        let (a, b) = (&a.submission, &b.submission);
        a.campaign_id
            .cmp(&b.campaign_id)
            .then_with(|| a.signature.email.as_str().cmp(b.signature.email.as_str()))
    });
    let (submissions, replies): (Vec<_>, Vec<_>) = jobs
        .into_iter()
        .map(|job| (job.submission, job.reply))
        .unzip();
    match store.record_signatures(&submissions).await {
        Ok(outcomes) => {
            for (reply, outcome) in replies.into_iter().zip(outcomes) {
                let _ = reply.send(Ok(outcome));
            }
        }
        // The database is away: every attempt gets the same answer, at once (errors cannot be
        // cloned, so each carries the first one's text).
        Err(StoreError::Unavailable(e)) => {
            let reason = e.to_string();
            for reply in replies {
                let _ = reply.send(Err(StoreError::Unavailable(reason.clone().into())));
            }
        }
        // One attempt may have spoilt the batch (or two batches deadlocked): each on its own.
        Err(error) if submissions.len() > 1 => {
            tracing::warn!(%error, size = submissions.len(), "a signing batch failed; recording its attempts one by one");
            for (submission, reply) in submissions.iter().zip(replies) {
                let _ = reply.send(store.record_signature(submission).await);
            }
        }
        Err(error) => {
            if let Some(reply) = replies.into_iter().next() {
                let _ = reply.send(Err(error));
            }
        }
    }
}
