//! Email to signers. Messages are queued in the outbox table in the same transaction as the
//! signature that causes them; this worker sends them afterwards, so a slow or failing mail
//! server never slows signing and a crash loses nothing (the next start resumes the queue).
//!
//! The outbox has two lanes (see `MailLane`): confirmations, which a signer waits for, and
//! everything else. Each lane has a worker of its own with connections of its own, so a
//! backlog of thank-you notes never holds up a confirmation; each worker sends a claimed batch
//! over several connections at once.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use lettre::Message;
use lettre::message::header::ContentTransferEncoding;
use lettre::message::{Body, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use secrecy::ExposeSecret;
use tokio::sync::Notify;

mod messages;
mod unsubscribe;

pub use messages::AccountEmail;
pub use unsubscribe::Unsubscribes;

use crate::config::Settings;
use crate::domain::{Email, Lang, MailLane};
use crate::metrics::Metrics;
use crate::store::{self, QueuedEmail, Store, Unsent};
use crate::templates::Templates;

/// Emails claimed per round for each of a lane's connections: enough to keep them busy, few
/// enough that a round ends soon.
const PER_CONNECTION: u32 = 25;
/// How often the queue is looked at when nothing wakes the worker sooner.
const IDLE_POLL: Duration = Duration::from_secs(1);
/// A connection idle for longer is closed rather than reused: servers drop idle clients.
const IDLE_CONNECTION: Duration = Duration::from_secs(30);
/// How often the queue's depth and age are read for the metrics.
const QUEUE_GAUGE_INTERVAL: Duration = Duration::from_secs(5);

enum Transport {
    Smtp(SmtpServer),
    Files(OutboxFiles),
}

/// The SMTP server `UNDERSIGNED_SMTP_URL` names, in the forms lettre's `from_url` reads:
/// `smtp://HOST[:PORT]` (plain, port 25), `smtp://…?tls=required` or `?tls=opportunistic`
/// (STARTTLS, port 587), `smtps://HOST` (TLS from the start, port 465), with
/// `USER:PASSWORD@` to log in.
struct SmtpServer {
    host: String,
    port: u16,
    tls: SmtpTls,
    credentials: Option<Credentials>,
    hello: ClientId,
    timeout: Duration,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SmtpTls {
    None,
    StartTls { required: bool },
    Implicit,
}

impl SmtpServer {
    fn parse(url: &str) -> anyhow::Result<Self> {
        let url = url::Url::parse(url)?;
        let tls = url
            .query_pairs()
            .find(|(k, _)| k == "tls")
            .map(|(_, v)| v.into_owned());
        let (tls, default_port) = match (url.scheme(), tls.as_deref()) {
            ("smtp", None) => (SmtpTls::None, 25),
            ("smtp", Some("required")) => (SmtpTls::StartTls { required: true }, 587),
            ("smtp", Some("opportunistic")) => (SmtpTls::StartTls { required: false }, 587),
            ("smtps", _) => (SmtpTls::Implicit, 465),
            (scheme, tls) => anyhow::bail!(
                "the scheme must be smtp or smtps, with tls=required or tls=opportunistic \
                 (found {scheme}, tls={tls:?})"
            ),
        };
        let host = url.host_str().context("no host")?.to_owned();
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8()
                .map(|s| s.into_owned())
        };
        let credentials = match url.password() {
            Some(password) => Some(Credentials::new(decode(url.username())?, decode(password)?)),
            None => None,
        };
        let hello = match url.path().trim_matches('/') {
            "" => ClientId::default(),
            name => ClientId::Domain(name.to_owned()),
        };
        Ok(Self {
            port: url.port().unwrap_or(default_port),
            host,
            tls,
            credentials,
            hello,
            timeout: Duration::from_secs(20),
        })
    }

    /// A new connection, greeted, encrypted and logged in as the URL says. lettre sets no
    /// `TCP_NODELAY` on its sockets, and without it each message stalls about 40 ms on a
    /// delayed acknowledgement (a command and the data after it go as separate small writes),
    /// so the socket is made here, with `TCP_NODELAY`, and handed to lettre. TLS from the start
    /// (`smtps://`) goes through lettre's own socket, which lettre offers no way to hand over.
    async fn connect(&self) -> anyhow::Result<AsyncSmtpConnection> {
        let tls = || TlsParameters::new(self.host.clone());
        let mut connection = if self.tls == SmtpTls::Implicit {
            AsyncSmtpConnection::connect_tokio1(
                (self.host.as_str(), self.port),
                Some(self.timeout),
                &self.hello,
                Some(tls()?),
                None,
            )
            .await?
        } else {
            let socket = tokio::time::timeout(
                self.timeout,
                tokio::net::TcpStream::connect((self.host.as_str(), self.port)),
            )
            .await
            .context("connecting timed out")??;
            socket.set_nodelay(true)?;
            AsyncSmtpConnection::connect_with_transport(Box::new(socket), &self.hello).await?
        };
        if let SmtpTls::StartTls { required } = self.tls {
            if connection.can_starttls() {
                connection.starttls(tls()?, &self.hello).await?;
            } else if required {
                anyhow::bail!("the SMTP server does not offer STARTTLS, which the URL requires");
            }
        }
        if let Some(credentials) = &self.credentials {
            connection
                .auth(&[Mechanism::Plain, Mechanism::Login], credentials)
                .await?;
        }
        Ok(connection)
    }
}

/// Connects to the SMTP server the settings name, as the outbox does, and sends it a test
/// message for `to` when one is given; says what the server did. For `undersigned check`.
pub async fn try_smtp(
    settings: &Settings,
    to: Option<&crate::domain::Email>,
) -> anyhow::Result<String> {
    let url = settings
        .smtp_url
        .as_ref()
        .context("UNDERSIGNED_SMTP_URL is not set")?;
    let server = SmtpServer::parse(url.expose_secret())?;
    let mut connection = server.connect().await?;
    let done = match to {
        Some(to) => {
            let from: Mailbox = settings
                .mail_from
                .parse()
                .context("UNDERSIGNED_MAIL_FROM is not a mailbox")?;
            let message = Message::builder()
                .from(from)
                .to(to.as_str().parse()?)
                .subject("A test message from undersigned check")
                .body(
                    "This message was sent by `undersigned check --send-test-to`. It arrived, \
                     so signers' confirmation emails can arrive too.\n"
                        .to_owned(),
                )?;
            connection
                .send(message.envelope(), &message.formatted())
                .await?;
            format!("accepted a test message to {to}")
        }
        None => "accepted a connection (give --send-test-to ADDRESS to send a test message)".into(),
    };
    let _ = connection.quit().await;
    Ok(format!("{}:{} {done}", server.host, server.port))
}

/// One of a lane's connections to the SMTP server, kept between emails while it is in use.
#[derive(Default)]
pub struct ConnectionSlot {
    open: Option<(AsyncSmtpConnection, Instant)>,
}

/// Wakes the outbox's lane workers when a signing has queued an email.
#[derive(Default)]
pub struct MailWake {
    lanes: [Notify; 2],
}

impl MailWake {
    /// Wakes the worker of `lane`, which has a new email to send.
    pub fn notify(&self, lane: MailLane) {
        self.lane(lane).notify_one();
    }

    fn lane(&self, lane: MailLane) -> &Notify {
        &self.lanes[lane.number() as usize]
    }
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
        // A hand-in, sent to no signer, is named as a signer's would be, by its own id.
        let name = format!(
            "{}.{}.{}.eml",
            email.campaign_id,
            email.signature_id.unwrap_or(email.id),
            email.id
        );
        // Written whole under another name, then renamed: whoever reads the outbox (a person,
        // a test) never sees half an email.
        let partial = dir.join(format!("{name}.partial"));
        tokio::fs::write(&partial, message.formatted()).await?;
        tokio::fs::rename(&partial, dir.join(name)).await?;
        Ok(())
    }

    /// Writes an email sent outside the outbox (about an organiser's account, or a test of
    /// an update), named by its own id.
    /// `label` begins its file's name (`account`, `test`).
    async fn write_unqueued(&self, label: &str, message: &Message) -> anyhow::Result<()> {
        let dir = self
            .dir
            .as_ref()
            .expect("files are written only to a directory");
        let name = format!("{label}.{}.eml", uuid::Uuid::now_v7());
        let partial = dir.join(format!("{name}.partial"));
        tokio::fs::write(&partial, message.formatted()).await?;
        tokio::fs::rename(&partial, dir.join(name)).await?;
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
                if name.to_str().is_some_and(|name| {
                    (name.ends_with(".eml") || name.ends_with(".eml.partial")) && matches(name)
                }) {
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
    /// Connections (or files written at once) per lane.
    connections: usize,
    /// Makes each update's one-click unsubscribe link.
    unsubscribes: Arc<Unsubscribes>,
    templates: Arc<Templates>,
}

/// `List-Unsubscribe` (RFC 2369): where a mail client unsubscribes its reader.
#[derive(Clone)]
struct ListUnsubscribe(String);

impl lettre::message::header::Header for ListUnsubscribe {
    fn name() -> lettre::message::header::HeaderName {
        lettre::message::header::HeaderName::new_from_ascii_str("List-Unsubscribe")
    }
    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(s.to_owned()))
    }
    fn display(&self) -> lettre::message::header::HeaderValue {
        lettre::message::header::HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// The receiving server refused a message for good (a 5xx answer): a bounce.
#[derive(Debug, thiserror::Error)]
#[error("refused by the mail server: {0}")]
struct Refused(lettre::transport::smtp::Error);

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058): the link works by one POST.
#[derive(Clone)]
struct ListUnsubscribePost;

impl lettre::message::header::Header for ListUnsubscribePost {
    fn name() -> lettre::message::header::HeaderName {
        lettre::message::header::HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self)
    }
    fn display(&self) -> lettre::message::header::HeaderValue {
        lettre::message::header::HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".into())
    }
}

impl Mailer {
    pub fn from_settings(
        settings: &Settings,
        public_url: url::Url,
        unsubscribes: Arc<Unsubscribes>,
        templates: Arc<Templates>,
    ) -> anyhow::Result<Self> {
        let from: Mailbox = settings
            .mail_from
            .parse()
            .map_err(|e| anyhow::anyhow!("UNDERSIGNED_MAIL_FROM is not a mailbox: {e}"))?;
        let transport = match &settings.smtp_url {
            Some(url) => Transport::Smtp(
                SmtpServer::parse(url.expose_secret())
                    .map_err(|e| anyhow::anyhow!("UNDERSIGNED_SMTP_URL is not usable: {e:#}"))?,
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
            connections: settings.mail_connections.max(1) as usize,
            unsubscribes,
            templates,
        })
    }

    /// One of the service's addresses (a path from `/`), absolute, as an email needs it.
    pub(crate) fn absolute(&self, path: &str) -> String {
        format!("{}{path}", self.public_url.as_str().trim_end_matches('/'))
    }

    pub(crate) fn link(&self, path: &str, token: &str) -> String {
        self.absolute(&format!("/{path}/{token}"))
    }

    /// A link to a page a signer opens, in the language they signed in.
    pub(crate) fn signer_link(&self, path: &str, token: &str, lang: Lang) -> String {
        format!("{}?lang={lang}", self.link(path, token))
    }

    /// Writes one queued email as a message (plain text and HTML).
    pub fn compose(&self, email: &QueuedEmail) -> anyhow::Result<Message> {
        let written = messages::write(&self.templates, self, email)?;
        let organiser = &email.organiser;
        let (subject, text, html, unsubscribe) = (
            written.subject,
            written.text,
            written.html,
            written.unsubscribe,
        );

        let to: Mailbox = email
            .recipient
            .parse()
            .map_err(|e| anyhow::anyhow!("the recipient is not a mailbox: {e}"))?;
        // Sent from the service's address (the only one it may send as), under the name an
        // admin gave the campaign's owner, else the service's own: never a name an organiser
        // typed, which could read "PayPal Security". Replies go to the organiser.
        let from = match &email.sender_name {
            Some(name) => Mailbox::new(Some(name.clone()), self.from.email.clone()),
            None => self.from.clone(),
        };
        let mut message = Message::builder().from(from);
        if let Some(Ok(reply_to)) = organiser
            .contact_email
            .as_ref()
            .map(|contact| contact.as_str().parse::<Mailbox>())
        {
            message = message.reply_to(reply_to);
        }
        // RFC 8058: mail clients show an unsubscribe button that POSTs to the link.
        if let Some(link) = unsubscribe {
            message = message
                .header(ListUnsubscribe(format!("<{link}>")))
                .header(ListUnsubscribePost);
        }
        let body = MultiPart::alternative()
            .singlepart(SinglePart::plain(plain_body(text)))
            .singlepart(SinglePart::html(html));
        let body = match &email.handin {
            Some((bundle, _)) => MultiPart::mixed().multipart(body).singlepart(
                lettre::message::Attachment::new(format!("{}-handin.zip", email.campaign_slug))
                    .body(
                        bundle.clone(),
                        lettre::message::header::ContentType::parse("application/zip")?,
                    ),
            ),
            None => body,
        };
        Ok(message.to(to).subject(subject).multipart(body)?)
    }

    /// Sends an email about an organiser's own account (an invitation, a password reset) at
    /// once, not through the outbox: its link works for a short while, and whoever waits for
    /// it can ask for another.
    pub async fn send_account_email(
        &self,
        to: &Email,
        kind: AccountEmail,
        by: &str,
        link: String,
    ) -> anyhow::Result<()> {
        let written = messages::write_account(&self.templates, kind, by, link)?;
        let to: Mailbox = to
            .as_str()
            .parse()
            .map_err(|e| anyhow::anyhow!("the recipient is not a mailbox: {e}"))?;
        let body = MultiPart::alternative()
            .singlepart(SinglePart::plain(plain_body(written.text)))
            .singlepart(SinglePart::html(written.html));
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(written.subject)
            .multipart(body)?;
        self.send_now("account", &message).await
    }

    /// Sends an organiser a test of an update, written as its signers will receive it, at
    /// once: they are waiting to see it, and nothing is recorded that a retry would need.
    pub async fn send_test(&self, email: &QueuedEmail) -> anyhow::Result<()> {
        let message = self.compose(email)?;
        self.send_now("test", &message).await
    }

    /// Sends one message outside the outbox (written as a file named from `label`, where
    /// emails are files); a failure is tried twice more, a few seconds apart (the first
    /// retry's delay, at most 5 s, then twice that).
    async fn send_now(&self, label: &str, message: &Message) -> anyhow::Result<()> {
        let mut last = None;
        for attempt in 0..3u32 {
            if attempt > 0 {
                let pause = self.first_retry.to_std().unwrap_or_default();
                tokio::time::sleep(pause.min(Duration::from_secs(5)) * attempt).await;
            }
            let sent = match &self.transport {
                Transport::Files(files) => files.write_unqueued(label, message).await,
                Transport::Smtp(server) => {
                    let (envelope, body) = (message.envelope().clone(), message.formatted());
                    match server.connect().await {
                        Ok(mut connection) => {
                            let sent = connection.send(&envelope, &body).await;
                            let _ = connection.quit().await;
                            sent.map(|_| ()).map_err(anyhow::Error::from)
                        }
                        Err(e) => Err(e),
                    }
                }
            };
            match sent {
                Ok(()) => return Ok(()),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| anyhow::anyhow!("not sent")))
    }

    async fn send(
        &self,
        email: &QueuedEmail,
        message: Message,
        slot: &mut ConnectionSlot,
    ) -> anyhow::Result<()> {
        let server = match &self.transport {
            Transport::Files(files) => return files.write(email, &message).await,
            Transport::Smtp(server) => server,
        };
        let (envelope, body) = (message.envelope().clone(), message.formatted());
        // A connection kept from before may have been closed by the server meanwhile: one
        // failure on it earns a second try on a new one.
        for fresh_only in [false, true] {
            let reused = match slot.open.take() {
                Some((mut connection, used)) if !fresh_only => {
                    if used.elapsed() < IDLE_CONNECTION && !connection.has_broken() {
                        Some(connection)
                    } else {
                        let _ = connection.quit().await;
                        None
                    }
                }
                _ => None,
            };
            let was_reused = reused.is_some();
            let mut connection = match reused {
                Some(connection) => connection,
                None => server.connect().await?,
            };
            match connection.send(&envelope, &body).await {
                Ok(_) => {
                    slot.open = Some((connection, Instant::now()));
                    return Ok(());
                }
                Err(e) => {
                    connection.abort().await;
                    if e.is_permanent() {
                        return Err(Refused(e).into());
                    }
                    if !was_reused {
                        return Err(e.into());
                    }
                }
            }
        }
        unreachable!("the second try is on a new connection and returns")
    }

    /// Sends one claimed email. A failure is recorded at once: to be retried with a growing
    /// delay, or given up once it has been failing for longer than the configured time. A
    /// success is only reported, for the caller to record with the rest of its batch.
    async fn deliver(
        &self,
        store: &dyn Store,
        email: &QueuedEmail,
        slot: &mut ConnectionSlot,
        metrics: &Metrics,
    ) -> bool {
        let result = match self.compose(email) {
            Ok(message) => self.send(email, message, slot).await,
            Err(e) => Err(e),
        };
        let error = match result {
            Ok(()) => {
                metrics.email("sent");
                return true;
            }
            Err(error) => error,
        };
        // A refusal for good (a 5xx answer to this message) is a bounce: trying again would
        // be refused again, so it fails at once.
        let refused = error.is::<Refused>();
        let error = format!("{error:#}");
        let now = store::now();
        let next = if refused {
            metrics.email("refused");
            tracing::warn!(email = %email.id, %error, "email refused by the mail server");
            Unsent::Refused
        } else if now - email.created_at < self.give_up_after {
            metrics.email("retried");
            tracing::warn!(email = %email.id, %error, "email not sent; will retry");
            Unsent::RetryAt(now + backoff(self.first_retry, email.attempts))
        } else {
            metrics.email("failed");
            tracing::error!(email = %email.id, %error, "email not sent; giving up");
            Unsent::GivenUp
        };
        if let Err(e) = store.email_not_sent(email.id, &error, next, now).await {
            // The lease runs out and another round retries it.
            tracing::warn!(email = %email.id, error = %e, "could not record an email's outcome");
        }
        false
    }

    /// Sends a claimed batch, its share to each connection at once, and records the sent ones
    /// in one write.
    async fn deliver_all(
        &self,
        store: &dyn Store,
        batch: Vec<QueuedEmail>,
        slots: &mut [ConnectionSlot],
        metrics: &Metrics,
    ) {
        let share = batch.len().div_ceil(slots.len()).max(1);
        let senders = batch
            .chunks(share)
            .zip(slots.iter_mut())
            .map(|(emails, slot)| async move {
                let mut sent = Vec::with_capacity(emails.len());
                for email in emails {
                    if self.deliver(store, email, slot, metrics).await {
                        sent.push(email.id);
                    }
                }
                sent
            });
        let sent = futures_util::future::join_all(senders).await.concat();
        if sent.is_empty() {
            return;
        }
        if let Err(e) = store.emails_sent(&sent, store::now()).await {
            // The lease runs out and another round sends them again: at worst duplicate emails.
            tracing::warn!(emails = sent.len(), error = %e, "could not record emails as sent");
        }
    }
}

/// The plain-text part, sent as it is (8bit, which every current mail server takes) so that a
/// link stays whole on one line for whoever reads the raw message or the outbox's file:
/// lettre would choose quoted-printable or base64 for any line over 76 characters, which a link
/// with its token always is. SMTP allows lines of up to 998 bytes; a text with a longer one
/// (none that this service writes) is left to lettre's choice.
fn plain_body(text: String) -> Body {
    let crlf = text.replace("\r\n", "\n").replace('\n', "\r\n");
    if crlf.split("\r\n").all(|line| line.len() <= 998) && !crlf.contains('\0') {
        Body::dangerous_pre_encoded(crlf.into_bytes(), ContentTransferEncoding::EightBit)
    } else {
        Body::new(text)
    }
}

/// The first retry after `first`, then twice as long each time, up to an hour.
fn backoff(first: chrono::Duration, attempts_before: u32) -> chrono::Duration {
    let doubled = first * (1 << attempts_before.min(12));
    doubled.min(chrono::Duration::hours(1))
}

/// Sends queued emails until the process ends, a worker for each lane. `wake` is notified
/// after each signing so that emails go out at once rather than at the next poll.
pub fn spawn_outbox_workers(
    store: Arc<dyn Store>,
    mailer: Arc<Mailer>,
    metrics: Metrics,
    wake: Arc<MailWake>,
) {
    for lane in MailLane::ALL {
        let (store, mailer, metrics, wake) =
            (store.clone(), mailer.clone(), metrics.clone(), wake.clone());
        tokio::spawn(async move {
            let mut slots: Vec<ConnectionSlot> = (0..mailer.connections)
                .map(|_| Default::default())
                .collect();
            let claim = PER_CONNECTION * mailer.connections as u32;
            loop {
                let now = store::now();
                let lease_until = now + mailer.lease;
                match store.claim_emails(lane, now, lease_until, claim).await {
                    Ok(batch) if !batch.is_empty() => {
                        let (store, metrics) = (store.as_ref(), &metrics);
                        mailer.deliver_all(store, batch, &mut slots, metrics).await;
                        continue;
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, lane = lane.as_str(), "could not read the email queue")
                    }
                }
                tokio::select! {
                    _ = wake.lane(lane).notified() => {}
                    _ = tokio::time::sleep(IDLE_POLL) => {}
                }
            }
        });
    }
    // Interrupted updates are told apart once their lease has run out: looked for as often.
    let (sweeper, lease) = (store.clone(), mailer.lease);
    tokio::spawn(async move {
        loop {
            if let Err(e) = sweeper.fail_interrupted(store::now()).await {
                tracing::warn!(error = %e, "could not mark interrupted updates");
            }
            tokio::time::sleep(lease.to_std().unwrap_or(Duration::from_secs(60))).await;
        }
    });
    tokio::spawn(async move {
        loop {
            match store.outbox_queue().await {
                Ok(queues) => metrics.outbox_queue(&queues, store::now()),
                Err(e) => tracing::debug!(error = %e, "could not read the email queue's depth"),
            }
            tokio::time::sleep(QUEUE_GAUGE_INTERVAL).await;
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
}
