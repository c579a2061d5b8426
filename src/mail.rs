//! Email to signers. Messages are queued in the outbox table in the same transaction as the
//! signature that causes them; this worker sends them afterwards, so a slow or failing mail
//! server never slows signing and a crash loses nothing (the next start resumes the queue).

use std::sync::Arc;
use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;
use tokio::sync::Notify;

use crate::config::Settings;
use crate::domain::{EmailKind, holds_an_address};
use crate::metrics::Metrics;
use crate::store::{self, QueuedEmail, Store};

/// Emails claimed per round.
const BATCH: u32 = 100;
/// How often the queue is looked at when nothing wakes the worker sooner.
const IDLE_POLL: Duration = Duration::from_secs(1);

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(OutboxFiles),
}

/// The outbox directory, where emails are written as `.eml` files when no SMTP server is set.
/// Each is named `{campaign}.{signature}.{email}.eml`, so that erasing a signer, or purging a
/// campaign, removes the copies of what was sent to them too.
#[derive(Clone, Debug, Default)]
pub struct OutboxFiles {
    dir: Option<std::path::PathBuf>,
}

impl OutboxFiles {
    /// The directory emails go to, where they go to files at all.
    pub fn from_settings(settings: &Settings) -> Self {
        Self {
            dir: settings
                .smtp_url
                .is_none()
                .then(|| settings.outbox_dir.clone()),
        }
    }

    async fn write(&self, email: &QueuedEmail, message: &Message) -> anyhow::Result<()> {
        let dir = self
            .dir
            .as_ref()
            .expect("files are written only to a directory");
        let name = format!(
            "{}.{}.{}.eml",
            email.campaign_id, email.signature_id, email.id
        );
        tokio::fs::write(dir.join(name), message.formatted()).await?;
        Ok(())
    }

    /// Removes the emails written to one signer.
    pub async fn forget_signature(&self, signature_id: uuid::Uuid) {
        let signature = signature_id.to_string();
        self.remove(move |name| name.split('.').nth(1) == Some(&signature))
            .await;
    }

    /// Removes the emails written to a campaign's signers.
    pub async fn forget_campaign(&self, campaign_id: uuid::Uuid) {
        let campaign = campaign_id.to_string();
        self.remove(move |name| name.split('.').next() == Some(&campaign))
            .await;
    }

    async fn remove(&self, matches: impl Fn(&str) -> bool + Send + 'static) {
        let Some(dir) = self.dir.clone() else {
            return;
        };
        let removed = tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            for entry in std::fs::read_dir(&dir)? {
                let entry = entry?;
                let name = entry.file_name();
                if name
                    .to_str()
                    .is_some_and(|name| name.ends_with(".eml") && matches(name))
                {
                    std::fs::remove_file(entry.path())?;
                }
            }
            Ok(())
        })
        .await;
        if let Ok(Err(e)) | Err(e) = removed.map_err(std::io::Error::other) {
            tracing::error!(error = %e, "could not remove erased signers' emails from the outbox directory");
        }
    }
}

pub struct Mailer {
    transport: Transport,
    from: Mailbox,
    public_url: url::Url,
    give_up_after: chrono::Duration,
    first_retry: chrono::Duration,
    /// How long claimed emails are reserved for this worker.
    lease: chrono::Duration,
}

impl Mailer {
    pub fn from_settings(settings: &Settings, public_url: url::Url) -> anyhow::Result<Self> {
        let from: Mailbox = settings
            .mail_from
            .parse()
            .map_err(|e| anyhow::anyhow!("UNDERSIGNED_MAIL_FROM is not a mailbox: {e}"))?;
        let transport = match &settings.smtp_url {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
                    .map_err(|e| anyhow::anyhow!("UNDERSIGNED_SMTP_URL is not usable: {e}"))?
                    .timeout(Some(Duration::from_secs(20)))
                    .build(),
            ),
            None => {
                std::fs::create_dir_all(&settings.outbox_dir)?;
                tracing::info!(
                    directory = %settings.outbox_dir.display(),
                    "UNDERSIGNED_SMTP_URL is not set: emails are written to the outbox directory"
                );
                Transport::Files(OutboxFiles::from_settings(settings))
            }
        };
        Ok(Self {
            transport,
            from,
            public_url,
            give_up_after: chrono::Duration::hours(i64::from(settings.mail_give_up_hours)),
            first_retry: chrono::Duration::seconds(i64::from(settings.mail_retry_seconds.max(1))),
            lease: chrono::Duration::seconds(i64::from(settings.mail_lease_seconds.max(1))),
        })
    }

    fn link(&self, path: &str, token: &str) -> String {
        format!(
            "{}/{path}/{token}",
            self.public_url.as_str().trim_end_matches('/')
        )
    }

    /// Writes one queued email as a message (plain text and HTML).
    pub fn compose(&self, email: &QueuedEmail) -> anyhow::Result<Message> {
        let title = &email.campaign_title;
        // Anyone can type any name beside any address, and the greeting is the one place a
        // signer's words reach an email: a name that holds a web or email address ("Reset your
        // password at evil.example") is left out, so nothing typed goes out as a link under
        // the charity's sender.
        let greeting = if email.signer_name.is_empty() || holds_an_address(&email.signer_name) {
            "Hello,".to_owned()
        } else {
            format!("Hello {},", email.signer_name)
        };
        let withdraw = email
            .withdraw_token
            .as_deref()
            .map(|t| self.link("withdraw", t));
        let (subject, lead, action) = match email.kind {
            EmailKind::Confirm => (
                format!("Please confirm your signature: {title}"),
                format!(
                    "Thank you for signing \u{201c}{title}\u{201d}. Your signature counts once you \
                     confirm it: open the link below and press the button. The link works for 7 days. \
                     If you did not sign, ignore this email and nothing will be counted."
                ),
                email
                    .confirm_token
                    .as_deref()
                    .map(|t| ("Confirm my signature", self.link("confirm", t))),
            ),
            EmailKind::Thanks => (
                format!("Thank you for signing: {title}"),
                format!(
                    "Thank you for signing \u{201c}{title}\u{201d}. Your signature has been counted."
                ),
                None,
            ),
            EmailKind::AlreadySigned => (
                format!("You have already signed: {title}"),
                format!(
                    "Someone (probably you) tried to sign \u{201c}{title}\u{201d} again with this \
                     address. You had already signed, and your signature is counted once."
                ),
                None,
            ),
        };

        let mut text = format!("{greeting}\n\n{lead}\n");
        let mut html = format!(
            "<!doctype html><html><body style=\"font-family:sans-serif;line-height:1.5\">\
             <p>{}</p><p>{}</p>",
            escape_html(&greeting),
            escape_html(&lead)
        );
        if let Some((label, link)) = &action {
            text.push_str(&format!("\n{label}: {link}\n"));
            html.push_str(&format!(
                "<p><a href=\"{}\" style=\"font-size:1.2em\">{}</a></p>",
                escape_html(link),
                escape_html(label)
            ));
        }
        if let Some(link) = &withdraw {
            text.push_str(&format!(
                "\nChanged your mind? Withdraw your signature here: {link}\n"
            ));
            html.push_str(&format!(
                "<p style=\"color:#555\">Changed your mind? <a href=\"{}\">Withdraw your signature</a>.</p>",
                escape_html(link)
            ));
        }
        html.push_str("</body></html>");

        let to: Mailbox = email
            .recipient
            .parse()
            .map_err(|e| anyhow::anyhow!("the recipient is not a mailbox: {e}"))?;
        Ok(Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .multipart(MultiPart::alternative_plain_html(text, html))?)
    }

    async fn send(&self, email: &QueuedEmail, message: Message) -> anyhow::Result<()> {
        match &self.transport {
            Transport::Smtp(smtp) => {
                smtp.send(message).await?;
            }
            Transport::Files(files) => files.write(email, &message).await?,
        }
        Ok(())
    }

    /// Sends one claimed email. A failure is recorded at once: to be retried with a growing
    /// delay, or given up once it has been failing for longer than the configured time. A
    /// success is only reported, for the caller to record with the rest of its batch.
    async fn deliver(&self, store: &dyn Store, email: &QueuedEmail, metrics: &Metrics) -> bool {
        let result = match self.compose(email) {
            Ok(message) => self.send(email, message).await,
            Err(e) => Err(e),
        };
        let error = match result {
            Ok(()) => {
                metrics.email("sent");
                return true;
            }
            Err(error) => format!("{error:#}"),
        };
        let now = store::now();
        let retry_at = (now - email.created_at < self.give_up_after)
            .then(|| now + backoff(self.first_retry, email.attempts));
        if retry_at.is_some() {
            metrics.email("retried");
            tracing::warn!(email = %email.id, %error, "email not sent; will retry");
        } else {
            metrics.email("failed");
            tracing::error!(email = %email.id, %error, "email not sent; giving up");
        }
        if let Err(e) = store.email_not_sent(email.id, &error, retry_at, now).await {
            // The lease runs out and another round retries it.
            tracing::warn!(email = %email.id, error = %e, "could not record an email's outcome");
        }
        false
    }

    /// Sends a claimed batch and records the sent ones in one write.
    async fn deliver_all(&self, store: &dyn Store, batch: Vec<QueuedEmail>, metrics: &Metrics) {
        let mut sent = Vec::with_capacity(batch.len());
        for email in &batch {
            if self.deliver(store, email, metrics).await {
                sent.push(email.id);
            }
        }
        if sent.is_empty() {
            return;
        }
        if let Err(e) = store.emails_sent(&sent, store::now()).await {
            // The lease runs out and another round sends them again: at worst duplicate emails.
            tracing::warn!(emails = sent.len(), error = %e, "could not record emails as sent");
        }
    }
}

/// The first retry after `first`, then twice as long each time, up to an hour.
fn backoff(first: chrono::Duration, attempts_before: u32) -> chrono::Duration {
    let doubled = first * (1 << attempts_before.min(12));
    doubled.min(chrono::Duration::hours(1))
}

pub fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// Sends queued emails until the process ends. `wake` is notified after each signing so that
/// emails go out at once rather than at the next poll.
pub fn spawn_outbox_worker(
    store: Arc<dyn Store>,
    mailer: Arc<Mailer>,
    metrics: Metrics,
    wake: Arc<Notify>,
) {
    tokio::spawn(async move {
        loop {
            let now = store::now();
            let lease_until = now + mailer.lease;
            match store.claim_emails(now, lease_until, BATCH).await {
                Ok(batch) if !batch.is_empty() => {
                    mailer.deliver_all(store.as_ref(), batch, &metrics).await;
                    continue;
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "could not read the email queue"),
            }
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(IDLE_POLL) => {}
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_an_hour() {
        let first = chrono::Duration::seconds(30);
        assert_eq!(backoff(first, 0).num_seconds(), 30);
        assert_eq!(backoff(first, 1).num_seconds(), 60);
        assert_eq!(backoff(first, 20).num_seconds(), 3600);
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            escape_html("<b>\"Tom & Jerry's\"</b>"),
            "&lt;b&gt;&quot;Tom &amp; Jerry&#39;s&quot;&lt;/b&gt;"
        );
    }
}
