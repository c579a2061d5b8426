//! The server as users run it, as its own process, killed with SIGKILL mid-flight.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestDatabase, scrapsi445};

pub(crate) struct Server {
    child: Child,
    pub address: String,
    /// Every line the server has written to standard error so far.
    pub log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

/// A test that fails before it stops its server leaves no process behind.
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts `undersigned serve` on a free port and waits until it listens.
    pub(crate) fn start(
        database_url: &str,
        outbox: &std::path::Path,
        smtp_url: Option<&str>,
    ) -> Server {
        Self::start_with(database_url, outbox, smtp_url, &[])
    }

    pub(crate) fn start_with(
        database_url: &str,
        outbox: &std::path::Path,
        smtp_url: Option<&str>,
        settings: &[(&str, &str)],
    ) -> Server {
        let mut command = Command::new(env!("CARGO_BIN_EXE_undersigned"));
        command
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("UNDERSIGNED_BIND", "127.0.0.1:0")
            .env("UNDERSIGNED_JWT_SECRET", crate::helpers::JWT_SECRET)
            .env("UNDERSIGNED_OUTBOX_DIR", outbox)
            .env("UNDERSIGNED_MAIL_RETRY_SECONDS", "1")
            // Emails the killed process had taken for sending are free again after this.
            .env("UNDERSIGNED_MAIL_LEASE_SECONDS", "3")
            .env("UNDERSIGNED_SIGN_PER_MINUTE_PER_CAMPAIGN", "1000000")
            .env("UNDERSIGNED_SIGN_PER_MINUTE_PER_ADDRESS", "1000000")
            // A test's browser fills forms in faster than a person (see helpers::test_settings).
            .env("UNDERSIGNED_MIN_FILL_SECONDS", "0")
            .env("UNDERSIGNED_LOG_FORMAT", "json")
            .env("RUST_LOG", "info")
            .env_remove("UNDERSIGNED_SMTP_URL")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if let Some(smtp_url) = smtp_url {
            command.env("UNDERSIGNED_SMTP_URL", smtp_url);
        }
        command.envs(settings.iter().copied());
        let mut child = command.spawn().expect("starting undersigned");
        let stderr = child.stderr.take().unwrap();
        let (found, port) = mpsc::channel();
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let kept = log.clone();
        // Keeps reading to the end, so the server never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                kept.lock().unwrap().push(line.clone());
                if line.contains("\"listening\"") {
                    let address = line
                        .split("\"address\":\"")
                        .nth(1)
                        .and_then(|rest| rest.split('"').next())
                        .map(str::to_owned);
                    let _ = found.send(address);
                }
            }
        });
        let address = port
            .recv_timeout(Duration::from_secs(30))
            .expect("the server said where it listens")
            .expect("an address in the log line");
        Server {
            child,
            address: format!("http://{address}"),
            log,
        }
    }

    pub(crate) fn kill(mut self) {
        self.child.kill().unwrap(); // SIGKILL
        self.child.wait().unwrap();
    }

    pub(crate) fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits up to `limit` for the process to exit; its status and how long it took.
    pub(crate) fn wait_exit(mut self, limit: Duration) -> (std::process::ExitStatus, Duration) {
        let start = std::time::Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (status, start.elapsed());
            }
            if start.elapsed() > limit {
                self.child.kill().unwrap();
                panic!("the server did not exit within {limit:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// A server with `grace` to shut down in, and an open campaign `scrapsi445`; with its database,
/// store and outbox directory, to be kept until the end.
async fn server_to_terminate(
    grace: Duration,
) -> (
    Server,
    TestDatabase,
    std::sync::Arc<dyn undersigned::store::Store>,
    tempfile::TempDir,
) {
    let (database, database_url) = TestDatabase::create().await;
    let outbox = tempfile::tempdir().unwrap();
    let seconds = grace.as_secs().to_string();
    let server = Server::start_with(
        &database_url,
        outbox.path(),
        None,
        &[("UNDERSIGNED_SHUTDOWN_GRACE_SECONDS", &seconds)],
    );
    let client = crate::helpers::http_client();
    let store = organiser_with_open_campaign(&client, &server, &database_url, json!({})).await;
    (server, database, store, outbox)
}

/// Creates the organiser straight in the database, then, through the server, the campaign
/// `scrapsi445` with `overrides`, opened. Returns the store, to be kept until the end.
pub(crate) async fn organiser_with_open_campaign(
    client: &reqwest::Client,
    server: &Server,
    database_url: &str,
    overrides: Value,
) -> std::sync::Arc<dyn undersigned::store::Store> {
    let store = undersigned::store::connect(&database_url.parse().unwrap())
        .await
        .unwrap();
    let email = undersigned::domain::Email::parse("organiser@article39.example").unwrap();
    let password = undersigned::domain::Password::parse(PASSWORD.into()).unwrap();
    undersigned::accounts::create_account(
        store.as_ref(),
        crate::helpers::passwords(),
        email,
        password,
        false,
    )
    .await
    .unwrap();
    let login: Value = client
        .post(format!("{}/v1/auth/token", server.address))
        .json(&json!({"email": "organiser@article39.example", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["access_token"].as_str().unwrap();
    let mut campaign = scrapsi445();
    crate::helpers::merge(&mut campaign, overrides);
    let created = client
        .post(format!("{}/v1/campaigns", server.address))
        .bearer_auth(token)
        .json(&campaign)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let opened = client
        .patch(format!("{}/v1/campaigns/scrapsi445", server.address))
        .bearer_auth(token)
        .json(&json!({"status": "open"}))
        .send()
        .await
        .unwrap();
    assert_eq!(opened.status(), StatusCode::OK);
    store
}

/// How many `.eml` files the outbox holds once it holds `expected`, or after a minute.
async fn emails_written(outbox: &std::path::Path, expected: usize) -> usize {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let written = std::fs::read_dir(outbox).unwrap().count();
        if written >= expected || std::time::Instant::now() > deadline {
            return written;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn acknowledged_signatures_and_their_emails_survive_sigkill() {
    let (database, database_url) = TestDatabase::create().await;
    let outbox = tempfile::tempdir().unwrap();
    let client = crate::helpers::http_client();

    // First life: the mail server is unreachable, so every email is still queued when the
    // process dies.
    let server = Server::start(&database_url, outbox.path(), Some("smtp://127.0.0.1:9"));
    let store = organiser_with_open_campaign(&client, &server, &database_url, json!({})).await;

    let attempts = (0..40).map(|i| {
        let client = client.clone();
        let url = format!("{}/v1/campaigns/scrapsi445/signatures", server.address);
        async move {
            let response = client
                .post(url)
                .json(&json!({"name": format!("Signer {i}"), "email": format!("signer{i}@example.org")}))
                .send()
                .await;
            matches!(response, Ok(r) if r.status() == StatusCode::ACCEPTED)
        }
    });
    let accepted = futures_util::future::join_all(attempts)
        .await
        .into_iter()
        .filter(|ok| *ok)
        .count();
    assert_eq!(accepted, 40);
    server.kill();

    // Second life: the same database, mail going to the outbox directory.
    let server = Server::start(&database_url, outbox.path(), None);
    assert_eq!(
        stored_pending(store.as_ref()).await,
        accepted as u64,
        "every acknowledged signature is there"
    );

    let written = emails_written(outbox.path(), accepted).await;
    assert_eq!(
        written, accepted,
        "every queued email went out after the restart"
    );
    server.kill();
    drop(store);
    drop(database);
}

/// What concurrent signers saw: the emails answered 202, and any 5xx answers.
#[derive(Default)]
struct Load {
    accepted: Vec<String>,
    server_errors: Vec<u16>,
}

/// `workers` clients signing with fresh emails as fast as they can, until `stop` is set or
/// the server stops answering.
async fn sign_until(
    address: String,
    workers: usize,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> Load {
    let tasks = (0..workers).map(|w| {
        let url = format!("{address}/v1/campaigns/scrapsi445/signatures");
        let stop = stop.clone();
        tokio::spawn(async move {
            let client = crate::helpers::http_client();
            let mut load = Load::default();
            for i in 0.. {
                if stop.load(std::sync::atomic::Ordering::SeqCst) {
                    break;
                }
                let email = format!("load-{w}-{i}@example.org");
                let response = client
                    .post(&url)
                    .json(&json!({"name": format!("Signer {w} {i}"), "email": email}))
                    .send()
                    .await;
                match response {
                    Ok(r) if r.status() == StatusCode::ACCEPTED => load.accepted.push(email),
                    Ok(r) if r.status().is_server_error() => {
                        load.server_errors.push(r.status().as_u16())
                    }
                    Ok(_) => {}
                    Err(_) => break,
                }
            }
            load
        })
    });
    let mut all = Load::default();
    for load in futures_util::future::join_all(tasks).await {
        let load = load.unwrap();
        all.accepted.extend(load.accepted);
        all.server_errors.extend(load.server_errors);
    }
    all
}

/// Every signature of the campaign, through the store (emails included).
/// The campaign's pending count, as stored (the public count shows confirmed signatures only).
async fn stored_pending(store: &dyn undersigned::store::Store) -> u64 {
    let slug = undersigned::domain::Slug::parse("scrapsi445").unwrap();
    let campaign = store.campaign(&slug).await.unwrap().unwrap();
    store.campaign_count(campaign.id).await.unwrap().pending
}

async fn stored_emails(store: &dyn undersigned::store::Store) -> std::collections::HashSet<String> {
    let slug = undersigned::domain::Slug::parse("scrapsi445").unwrap();
    let campaign = store.campaign(&slug).await.unwrap().unwrap();
    let mut emails = std::collections::HashSet::new();
    let mut after = None;
    loop {
        let page = store
            .signatures(campaign.id, Default::default(), after, 500)
            .await
            .unwrap();
        after = page.last().map(|s| s.id);
        let full = page.len() == 500;
        emails.extend(page.into_iter().filter_map(|s| s.email));
        if !full {
            return emails;
        }
    }
}

#[tokio::test]
async fn sigkill_under_load_loses_no_acknowledged_signature_nor_its_email() {
    let (database, database_url) = TestDatabase::create().await;
    let outbox = tempfile::tempdir().unwrap();
    let client = crate::helpers::http_client();
    let server = Server::start(&database_url, outbox.path(), Some("smtp://127.0.0.1:9"));
    let store = organiser_with_open_campaign(&client, &server, &database_url, json!({})).await;

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let load = tokio::spawn(sign_until(server.address.clone(), 16, stop.clone()));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.kill();
    let load = load.await.unwrap();
    assert!(load.server_errors.is_empty(), "{:?}", load.server_errors);
    assert!(
        load.accepted.len() > 10,
        "too little load: {}",
        load.accepted.len()
    );

    let server = Server::start(&database_url, outbox.path(), None);
    let stored = stored_emails(store.as_ref()).await;
    let lost: Vec<_> = load
        .accepted
        .iter()
        .filter(|e| !stored.contains(*e))
        .collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    // Signatures committed just before the kill, never answered, are there too: counted once.
    assert_eq!(stored_pending(store.as_ref()).await, stored.len() as u64);
    let checked = undersigned::counts::recount_all(store.as_ref(), None)
        .await
        .unwrap();
    assert!(
        checked.iter().all(|c| !c.recount.drifted()),
        "a recount found the stored count wrong"
    );

    // Every stored signature's confirmation email goes out after the restart.
    let written = emails_written(outbox.path(), stored.len()).await;
    assert_eq!(written, stored.len(), "a queued email was lost");
    server.kill();
    drop(store);
    drop(database);
}

#[tokio::test]
async fn sigterm_lets_requests_in_flight_finish_refuses_new_ones_and_exits() {
    let grace = Duration::from_secs(10);
    let (server, database, store, _outbox) = server_to_terminate(grace).await;
    let client = crate::helpers::http_client();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let load = tokio::spawn(sign_until(server.address.clone(), 8, stop.clone()));
    tokio::time::sleep(Duration::from_millis(500)).await;

    // A signature whose body is still arriving when SIGTERM comes.
    let (send_body, body) = tokio::sync::mpsc::channel::<&'static str>(2);
    let body = futures_util::stream::unfold(body, |mut rx| async move {
        rx.recv()
            .await
            .map(|chunk| (Ok::<_, std::io::Error>(chunk), rx))
    });
    let slow = tokio::spawn(
        client
            .post(format!(
                "{}/v1/campaigns/scrapsi445/signatures",
                server.address
            ))
            .header("Content-Type", "application/json")
            .body(reqwest::Body::wrap_stream(body))
            .send(),
    );
    send_body.send(r#"{"name": "Slow Signer", "#).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;

    server.terminate();
    let terminated_at = std::time::Instant::now();
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(300)).await;
    // New connections are refused.
    let fresh = crate::helpers::http_client()
        .get(format!("{}/healthz", server.address))
        .timeout(Duration::from_secs(2))
        .send()
        .await;
    assert!(
        fresh.is_err(),
        "a new connection was served after SIGTERM: {fresh:?}"
    );

    // The request in flight finishes, and is answered.
    send_body
        .send(r#""email": "slow@example.org"}"#)
        .await
        .unwrap();
    drop(send_body);
    let slow = slow
        .await
        .unwrap()
        .expect("the request in flight was answered");
    assert_eq!(slow.status(), StatusCode::ACCEPTED);

    let load = load.await.unwrap();
    assert!(load.server_errors.is_empty(), "{:?}", load.server_errors);
    let (status, _) = server.wait_exit(grace);
    assert!(status.success(), "exit status {status}");
    assert!(
        terminated_at.elapsed() < grace,
        "it exited once the requests in flight were done, not at the end of the grace period"
    );

    let stored = stored_emails(store.as_ref()).await;
    assert!(stored.contains("slow@example.org"));
    let lost: Vec<_> = load
        .accepted
        .iter()
        .filter(|e| !stored.contains(*e))
        .collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    drop(store);
    drop(database);
}

#[tokio::test]
async fn sigterm_ends_live_count_streams_so_the_process_exits_without_waiting_out_the_grace() {
    let grace = Duration::from_secs(20);
    let (server, database, store, _outbox) = server_to_terminate(grace).await;
    let client = crate::helpers::http_client();
    let mut stream = client
        .get(format!(
            "{}/v1/campaigns/scrapsi445/count/stream",
            server.address
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    let mut received = String::new();
    while !received.contains("event: count") {
        let chunk = stream.chunk().await.unwrap().expect("the stream is open");
        received.push_str(&String::from_utf8_lossy(&chunk));
    }

    server.terminate();
    let terminated_at = std::time::Instant::now();
    // The stream is ended cleanly (a listener's EventSource reconnects, to another instance).
    let ended = tokio::time::timeout(Duration::from_secs(5), async {
        while stream.chunk().await.expect("ended cleanly").is_some() {}
    })
    .await;
    assert!(ended.is_ok(), "the stream was still open 5 s after SIGTERM");
    let (status, _) = server.wait_exit(grace);
    assert!(status.success(), "exit status {status}");
    assert!(
        terminated_at.elapsed() < Duration::from_secs(5),
        "exited after {:?}: an open stream held the grace period",
        terminated_at.elapsed()
    );
    drop(store);
    drop(database);
}
