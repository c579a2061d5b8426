//! The database going away and coming back, with the server running throughout.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::helpers::{TestDatabase, assert_problem, test_settings};

/// A TCP relay to PostgreSQL that can be cut: while down it drops every connection, open or new,
/// as a database host that went away would.
struct Relay {
    port: u16,
    up: watch::Sender<bool>,
}

impl Relay {
    async fn start(target: String) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (up, watching) = watch::channel(true);
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let mut watching = watching.clone();
                if !*watching.borrow() {
                    continue; // dropped at once
                }
                let target = target.clone();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(&target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = watching.wait_for(|up| !*up) => {}
                    }
                });
            }
        });
        Relay { port, up }
    }

    fn set(&self, up: bool) {
        self.up.send_replace(up);
    }
}

#[tokio::test]
async fn a_database_outage_is_a_prompt_503_and_the_service_recovers_by_itself() {
    let (database, direct_url) = TestDatabase::create().await;
    if !database.is_postgres() {
        eprintln!("SQLite is embedded: there is no database server to lose");
        return;
    }
    // Migrate directly, then run the server through the relay.
    undersigned::store::connect(&direct_url.parse().unwrap())
        .await
        .unwrap();
    let mut url = url::Url::parse(&direct_url).unwrap();
    let target = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap_or(5432));
    let relay = Arc::new(Relay::start(target).await);
    url.set_port(Some(relay.port)).unwrap();
    let outbox = tempfile::tempdir().unwrap();
    let mut settings = test_settings(url.as_str());
    settings.outbox_dir = outbox.path().to_owned();
    let app = undersigned::startup::Application::build(settings)
        .await
        .unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let get = |path: &str| client.get(format!("{address}{path}")).send();

    assert_eq!(get("/readyz").await.unwrap().status(), StatusCode::OK);
    assert_eq!(get("/v1/campaigns").await.unwrap().status(), StatusCode::OK);

    relay.set(false);
    let started = Instant::now();
    let response = get("/v1/campaigns").await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "answered in {:?}",
        started.elapsed()
    );
    let problem = assert_problem(response, StatusCode::SERVICE_UNAVAILABLE, "unavailable").await;
    assert!(
        !problem.to_string().contains("5432"),
        "no database detail reaches the client"
    );
    let ready = get("/readyz").await.unwrap();
    assert_problem(ready, StatusCode::SERVICE_UNAVAILABLE, "unavailable").await;
    assert_eq!(
        get("/healthz").await.unwrap().status(),
        StatusCode::OK,
        "the process is still up"
    );

    relay.set(true);
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let ready = get("/readyz").await.unwrap().status();
        let listed = get("/v1/campaigns").await.unwrap().status();
        if ready == StatusCode::OK && listed == StatusCode::OK {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "did not recover: readyz {ready}, campaigns {listed}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    handle.stop(false).await;
}
