//! The server as users run it, as its own process, killed with SIGKILL mid-flight.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestDatabase, scrapsi445};

struct Server {
    child: Child,
    address: String,
}

impl Server {
    /// Starts `undersigned serve` on a free port and waits until it listens.
    fn start(database_url: &str, outbox: &std::path::Path, smtp_url: Option<&str>) -> Server {
        let mut command = Command::new(env!("CARGO_BIN_EXE_undersigned"));
        command
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("UNDERSIGNED_BIND", "127.0.0.1:0")
            .env(
                "UNDERSIGNED_JWT_SECRET",
                "crash-test-secret-crash-test-secret",
            )
            .env("UNDERSIGNED_OUTBOX_DIR", outbox)
            .env("UNDERSIGNED_MAIL_RETRY_SECONDS", "1")
            // Emails the killed process had taken for sending are free again after this.
            .env("UNDERSIGNED_MAIL_LEASE_SECONDS", "3")
            .env("UNDERSIGNED_SIGN_PER_MINUTE_PER_CAMPAIGN", "1000")
            .env("UNDERSIGNED_LOG_FORMAT", "json")
            .env("RUST_LOG", "info")
            .env_remove("UNDERSIGNED_SMTP_URL")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if let Some(smtp_url) = smtp_url {
            command.env("UNDERSIGNED_SMTP_URL", smtp_url);
        }
        let mut child = command.spawn().expect("starting undersigned");
        let stderr = child.stderr.take().unwrap();
        let (found, port) = mpsc::channel();
        // Keeps reading to the end, so the server never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
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
        }
    }

    fn kill(mut self) {
        self.child.kill().unwrap(); // SIGKILL
        self.child.wait().unwrap();
    }
}

#[tokio::test]
async fn acknowledged_signatures_and_their_emails_survive_sigkill() {
    let (database, database_url) = TestDatabase::create().await;
    let outbox = tempfile::tempdir().unwrap();
    let client = reqwest::Client::new();

    // First life: the mail server is unreachable, so every email is still queued when the
    // process dies.
    let server = Server::start(&database_url, outbox.path(), Some("smtp://127.0.0.1:9"));
    let store = undersigned::store::connect(&database_url.parse().unwrap())
        .await
        .unwrap();
    let email = undersigned::domain::Email::parse("organiser@article39.example").unwrap();
    let password = undersigned::domain::Password::parse(PASSWORD.into()).unwrap();
    undersigned::accounts::create_account(store.as_ref(), email, password, false)
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
    let created = client
        .post(format!("{}/v1/campaigns", server.address))
        .bearer_auth(token)
        .json(&scrapsi445())
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
    let count: Value = client
        .get(format!("{}/v1/campaigns/scrapsi445/count", server.address))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        count["pending"], accepted,
        "every acknowledged signature is there"
    );

    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let written = loop {
        let written = std::fs::read_dir(outbox.path()).unwrap().count();
        if written >= accepted || std::time::Instant::now() > deadline {
            break written;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        written, accepted,
        "every queued email went out after the restart"
    );
    server.kill();
    drop(store);
    drop(database);
}
