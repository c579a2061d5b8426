//! A real SMTP server on 127.0.0.1 for the tests: it accepts every message and keeps it,
//! except to a mailbox at `bounce.test`, which it refuses for good (550), as for an unknown
//! address.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::Notify;

/// The domain (upper case, as commands are compared) whose every mailbox the sink refuses
/// for good: a bounce.
const BOUNCES: &str = "@BOUNCE.TEST";

#[derive(Clone)]
pub struct SmtpSink {
    pub port: u16,
    messages: Arc<Mutex<Vec<String>>>,
    arrived: Arc<Notify>,
    /// How long it takes over each message before answering, as a busy server would.
    per_message: Duration,
    sessions_open: Arc<AtomicUsize>,
    most_sessions_open: Arc<AtomicUsize>,
}

impl SmtpSink {
    pub async fn start() -> Self {
        Self::start_taking(Duration::ZERO).await
    }

    /// A sink that takes `per_message` over each message it is sent.
    pub async fn start_taking(per_message: Duration) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let sink = SmtpSink {
            port: listener.local_addr().unwrap().port(),
            messages: Arc::default(),
            arrived: Arc::default(),
            per_message,
            sessions_open: Arc::default(),
            most_sessions_open: Arc::default(),
        };
        let server = sink.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let server = server.clone();
                tokio::spawn(async move {
                    let open = server.sessions_open.fetch_add(1, Ordering::SeqCst) + 1;
                    server.most_sessions_open.fetch_max(open, Ordering::SeqCst);
                    let _ = server.session(stream).await;
                    server.sessions_open.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        sink
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    async fn session(&self, stream: tokio::net::TcpStream) -> std::io::Result<()> {
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read).lines();
        write.write_all(b"220 sink.test ESMTP\r\n").await?;
        while let Some(line) = lines.next_line().await? {
            let command = line.to_ascii_uppercase();
            if command.starts_with("EHLO") || command.starts_with("HELO") {
                write
                    .write_all(b"250-sink.test\r\n250 8BITMIME\r\n")
                    .await?;
            } else if command.starts_with("DATA") {
                write.write_all(b"354 go ahead\r\n").await?;
                let mut message = String::new();
                while let Some(line) = lines.next_line().await? {
                    if line == "." {
                        break;
                    }
                    // RFC 5321 dot-stuffing.
                    message.push_str(line.strip_prefix('.').unwrap_or(&line));
                    message.push_str("\r\n");
                }
                tokio::time::sleep(self.per_message).await;
                self.messages.lock().unwrap().push(message);
                self.arrived.notify_waiters();
                write.write_all(b"250 queued\r\n").await?;
            } else if command.starts_with("RCPT") && command.contains(BOUNCES) {
                // As a receiving server answers for a mailbox it does not have.
                write
                    .write_all(b"550 5.1.1 no such mailbox here\r\n")
                    .await?;
            } else if command.starts_with("QUIT") {
                write.write_all(b"221 bye\r\n").await?;
                break;
            } else {
                write.write_all(b"250 ok\r\n").await?;
            }
        }
        Ok(())
    }

    /// The most sessions that were open at once.
    pub fn most_sessions_open(&self) -> usize {
        self.most_sessions_open.load(Ordering::SeqCst)
    }

    pub fn messages(&self) -> Vec<String> {
        self.messages.lock().unwrap().clone()
    }

    /// Waits (up to 10 s) until at least `count` messages have arrived.
    pub async fn wait_for(&self, count: usize) -> Vec<String> {
        self.wait_until(
            |messages| messages.len() >= count,
            &format!("{count} messages"),
        )
        .await
    }

    /// Waits (up to 10 s) until the messages that have arrived, in their order, satisfy `done`.
    pub async fn wait_until(&self, done: impl Fn(&[String]) -> bool, what: &str) -> Vec<String> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let arrived = self.arrived.notified();
            let messages = self.messages();
            if done(&messages) {
                return messages;
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                panic!("expected {what}, got {} messages", self.messages().len());
            }
        }
    }
}

/// The plain-text part of a message, decoded.
pub fn text_of(raw: &str) -> String {
    let message = mail_parser::MessageParser::default()
        .parse(raw.as_bytes())
        .expect("a parsable message");
    message.body_text(0).expect("a text part").into_owned()
}

pub fn html_of(raw: &str) -> String {
    let message = mail_parser::MessageParser::default()
        .parse(raw.as_bytes())
        .expect("a parsable message");
    message.body_html(0).expect("an HTML part").into_owned()
}

pub fn subject_of(raw: &str) -> String {
    let message = mail_parser::MessageParser::default()
        .parse(raw.as_bytes())
        .expect("a parsable message");
    message.subject().unwrap_or_default().to_owned()
}

pub fn recipient_of(raw: &str) -> String {
    let message = mail_parser::MessageParser::default()
        .parse(raw.as_bytes())
        .expect("a parsable message");
    message
        .to()
        .and_then(|to| to.first())
        .and_then(|a| a.address())
        .unwrap_or_default()
        .to_owned()
}

/// The token in a link of the form `…/{kind}/{token}` in the text.
pub fn token_in(text: &str, kind: &str) -> Option<String> {
    let marker = format!("/{kind}/");
    let start = text.find(&marker)? + marker.len();
    let token: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    (!token.is_empty()).then_some(token)
}
