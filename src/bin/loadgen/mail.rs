//! The mail scenario: an SMTP server inside the load generator, measured first with a plain
//! client over one connection (the baseline), then draining a queue of emails from the
//! service; and the time a new signer's confirmation takes to reach it while thousands of
//! thank-you notes wait.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

use undersigned::auth::PasswordHasher;
use undersigned::domain::{Campaign, Email, Identity, Password, SignatureForm};
use undersigned::store::{self, Store};

use super::{
    campaign_spec, confirmed, drop_database, fresh_database, open_campaign, start_server_with,
    tempfile_dir,
};

/// An SMTP server that takes every message at once and counts it; it notes when the first
/// confirmation email arrived.
#[derive(Clone, Default)]
struct Sink {
    received: Arc<AtomicU64>,
    /// Whether it takes 5 ms over each message, as a busy server does, so a backlog stays.
    slow: Arc<std::sync::atomic::AtomicBool>,
    confirmation: Arc<std::sync::Mutex<Option<Instant>>>,
    arrived: Arc<Notify>,
}

impl Sink {
    async fn start(&self) -> anyhow::Result<u16> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let sink = self.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let sink = sink.clone();
                tokio::spawn(async move {
                    let _ = sink.session(stream).await;
                });
            }
        });
        Ok(port)
    }

    async fn session(&self, stream: TcpStream) -> std::io::Result<()> {
        stream.set_nodelay(true)?;
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read).lines();
        write.write_all(b"220 sink ESMTP\r\n").await?;
        while let Some(line) = lines.next_line().await? {
            let command = line.to_ascii_uppercase();
            if command.starts_with("EHLO") || command.starts_with("HELO") {
                write.write_all(b"250-sink\r\n250 8BITMIME\r\n").await?;
            } else if command.starts_with("DATA") {
                write.write_all(b"354 go ahead\r\n").await?;
                let mut confirmation = false;
                while let Some(line) = lines.next_line().await? {
                    if line == "." {
                        break;
                    }
                    confirmation |= line.starts_with("Subject: Please confirm");
                }
                if self.slow.load(Ordering::SeqCst) {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                if confirmation {
                    self.confirmation
                        .lock()
                        .unwrap()
                        .get_or_insert_with(Instant::now);
                }
                self.received.fetch_add(1, Ordering::SeqCst);
                self.arrived.notify_waiters();
                write.write_all(b"250 queued\r\n").await?;
            } else if command.starts_with("QUIT") {
                write.write_all(b"221 bye\r\n").await?;
                break;
            } else {
                write.write_all(b"250 ok\r\n").await?;
            }
        }
        Ok(())
    }

    fn received(&self) -> u64 {
        self.received.load(Ordering::SeqCst)
    }

    /// Waits until `count` messages have arrived in all, failing after `limit`.
    async fn wait_for(&self, count: u64, limit: Duration) -> anyhow::Result<()> {
        let deadline = tokio::time::Instant::now() + limit;
        while self.received() < count {
            let arrived = self.arrived.notified();
            if self.received() >= count {
                break;
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                bail!(
                    "the sink received {} of {count} messages in {limit:?}",
                    self.received()
                );
            }
        }
        Ok(())
    }
}

/// The baseline: `count` messages from a plain client over one connection, each command
/// answered before the next is sent (as any SMTP client without pipelining does).
async fn plain_client(port: u16, count: u64) -> anyhow::Result<f64> {
    let stream = TcpStream::connect(("127.0.0.1", port)).await?;
    stream.set_nodelay(true)?;
    let (read, mut write) = stream.into_split();
    let mut replies = BufReader::new(read).lines();
    let mut expect = async |code: &str| -> anyhow::Result<()> {
        loop {
            let line = replies.next_line().await?.context("the sink hung up")?;
            if !line.starts_with(code) {
                bail!("expected {code}, got {line}");
            }
            if line.as_bytes().get(3) != Some(&b'-') {
                return Ok(());
            }
        }
    };
    expect("220").await?;
    write.write_all(b"EHLO baseline\r\n").await?;
    expect("250").await?;
    // About the size of the service's thank-you note, with its HTML part.
    let body = format!(
        "From: baseline@example.org\r\nTo: signer@example.org\r\nSubject: Thank you\r\n\r\n{}\r\n.\r\n",
        "Thank you for signing the benchmark petition. ".repeat(40)
    );
    let started = Instant::now();
    for _ in 0..count {
        write
            .write_all(b"MAIL FROM:<baseline@example.org>\r\n")
            .await?;
        expect("250").await?;
        write.write_all(b"RCPT TO:<signer@example.org>\r\n").await?;
        expect("250").await?;
        write.write_all(b"DATA\r\n").await?;
        expect("354").await?;
        write.write_all(body.as_bytes()).await?;
        expect("250").await?;
    }
    Ok(count as f64 / started.elapsed().as_secs_f64())
}

/// Queues `count` thank-you notes straight through the store (the signing transaction,
/// without HTTP).
async fn queue_thanks(
    store: &Arc<dyn Store>,
    campaign: &Arc<Campaign>,
    first: u64,
    count: u64,
) -> anyhow::Result<()> {
    let mut next = first;
    while next < first + count {
        let batch: Vec<_> = (next..(next + 256).min(first + count))
            .map(|i| {
                let form = SignatureForm {
                    name: "Queued Signer".into(),
                    email: format!("queued{i}@example.org"),
                    ..Default::default()
                };
                confirmed(campaign, form)
            })
            .collect();
        next += batch.len() as u64;
        store.record_signatures(&batch).await?;
    }
    Ok(())
}

pub async fn measure(database_url: Option<&str>, emails: u64) -> anyhow::Result<()> {
    let sink = Sink::default();
    let port = sink.start().await?;
    let baseline = plain_client(port, emails).await?;
    println!("SMTP sink, plain client on one connection (baseline) {baseline:>9.0} emails/s");

    let (database_url, to_drop, _dir) = fresh_database(database_url).await?;
    let store = store::connect(&database_url.parse().map_err(anyhow::Error::msg)?).await?;
    let organiser = undersigned::accounts::create_account(
        store.as_ref(),
        &PasswordHasher::new(1, Duration::from_secs(60))?,
        Email::parse("mail-bench@example.org").unwrap(),
        Password::parse("benchmark password 1234".to_owned().into()).unwrap(),
        false,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let thanks = Arc::new(Campaign::draft(
        campaign_spec("bench-mail"),
        organiser.id,
        &Identity::default(),
        store::now(),
    ));
    store.insert_campaign(&thanks).await?;

    // (1) A queue of `emails` thank-you notes, waiting before the service starts.
    queue_thanks(&store, &thanks, 0, emails).await?;
    let mail_dir = tempfile_dir::Dir::new()?;
    let before = sink.received();
    let started = Instant::now();
    let server = start_server_with(
        &database_url,
        &mail_dir.path.join("outbox"),
        &[("UNDERSIGNED_SMTP_URL", format!("smtp://127.0.0.1:{port}"))],
    )?;
    sink.wait_for(before + emails, Duration::from_secs(300))
        .await?;
    let drained = emails as f64 / started.elapsed().as_secs_f64();
    println!(
        "service draining {emails} queued emails        {drained:>9.0} emails/s {:>6.2}x baseline",
        drained / baseline
    );

    // (2) A new signer's confirmation, signed through HTTP while the same again wait.
    let client = reqwest::Client::new();
    let login: Value = client
        .post(format!("{}/v1/auth/token", server.address))
        .json(&json!({"email": "mail-bench@example.org", "password": "benchmark password 1234"}))
        .send()
        .await?
        .json()
        .await?;
    let token = login["access_token"].as_str().context("a token")?;
    open_campaign(&client, &server.address, token, "bench-confirm", true).await?;
    // A server now slower than the service, so that the notes wait in the queue.
    sink.slow.store(true, Ordering::SeqCst);
    queue_thanks(&store, &thanks, emails, emails).await?;
    let waiting = (2 * emails + before).saturating_sub(sink.received());
    let answered = client
        .post(format!(
            "{}/v1/campaigns/bench-confirm/signatures",
            server.address
        ))
        .json(&json!({"name": "New Signer", "email": "new-signer@example.org"}))
        .send()
        .await?;
    if answered.status().as_u16() != 202 {
        bail!("signing was answered {}", answered.status());
    }
    let signed = Instant::now();
    let deadline = signed + Duration::from_secs(120);
    let reached = loop {
        if let Some(at) = *sink.confirmation.lock().unwrap() {
            break at;
        }
        if Instant::now() > deadline {
            bail!("the confirmation had not reached the sink after 120 s");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    let still_waiting = (2 * emails + before).saturating_sub(sink.received());
    println!(
        "confirmation reaching the sink with {waiting} thank-you notes queued: {:.1} ms ({still_waiting} still queued then)",
        reached.duration_since(signed).as_secs_f64() * 1000.0
    );
    sink.slow.store(false, Ordering::SeqCst);
    sink.wait_for(before + 2 * emails + 1, Duration::from_secs(300))
        .await?;
    drop(server);
    drop(store);
    drop_database(to_drop).await?;
    Ok(())
}
