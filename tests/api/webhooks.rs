//! Webhooks, delivered to a real receiver on this machine: signed as Standard Webhooks says,
//! retried with the same id, disabled by a 410, refused for private addresses, and carrying
//! personal data only when asked.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Sha256;

use crate::helpers::{TestApp, assert_problem, fields_of, signer, spawn_app_with};

/// One request the receiver took.
#[derive(Debug, Clone)]
struct Received {
    id: String,
    timestamp: String,
    signature: String,
    body: String,
}

impl Received {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

#[derive(Default)]
struct Script {
    received: Vec<Received>,
    /// The statuses to answer with, in turn; 200 once they run out.
    answers: VecDeque<u16>,
}

/// A webhook receiver on 127.0.0.1 that records what it is sent.
struct Receiver {
    url: String,
    script: Arc<Mutex<Script>>,
    handle: actix_web::dev::ServerHandle,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

async fn take(
    req: HttpRequest,
    body: web::Bytes,
    script: web::Data<Mutex<Script>>,
) -> HttpResponse {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let mut script = script.lock().unwrap();
    script.received.push(Received {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        body: String::from_utf8(body.to_vec()).unwrap(),
    });
    let status = script.answers.pop_front().unwrap_or(200);
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).finish()
}

impl Receiver {
    async fn start() -> Self {
        let script = web::Data::new(Mutex::new(Script::default()));
        let shared = script.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(shared.clone())
                .default_service(web::to(take))
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .unwrap();
        let port = server.addrs()[0].port();
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            url: format!("http://127.0.0.1:{port}/hooks"),
            script: script.into_inner(),
            handle,
        }
    }

    fn answer_with(&self, statuses: &[u16]) {
        self.script.lock().unwrap().answers.extend(statuses);
    }

    /// Waits (up to `limit`) until `count` requests have come, and returns them all.
    async fn wait_for(&self, count: usize, limit: Duration) -> Vec<Received> {
        let deadline = Instant::now() + limit;
        loop {
            let received = self.script.lock().unwrap().received.clone();
            if received.len() >= count {
                return received;
            }
            assert!(
                Instant::now() < deadline,
                "the receiver got {} of {count} requests: {received:#?}",
                received.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn received(&self) -> Vec<Received> {
        self.script.lock().unwrap().received.clone()
    }
}

/// The signature Standard Webhooks defines, computed here from the specification alone.
fn expected_signature(secret: &str, received: &Received) -> String {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.{}", received.id, received.timestamp, received.body).as_bytes());
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// A test's service, allowed to reach 127.0.0.1 alone, with an open campaign that counts
/// signatures at once (target 2 and a milestone at 2); returns the app and the organiser's
/// token.
async fn service() -> (TestApp, String) {
    let app = spawn_app_with(|s| s.webhook_allow_hosts = vec!["127.0.0.1".into()]).await;
    let token = app
        .open_campaign_with(json!({"require_confirmation": false, "milestones": [2]}))
        .await;
    (app, token)
}

async fn create_webhook(app: &TestApp, token: &str, body: Value) -> Value {
    let response = app
        .post_json("/v1/campaigns/scrapsi445/webhooks", &body, Some(token))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

async fn signature_id(app: &TestApp, token: &str, email: &str) -> String {
    let list = app
        .get_json("/v1/campaigns/scrapsi445/signatures", Some(token))
        .await;
    list["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["email"] == email)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn each_event_reaches_the_receiver_signed_as_the_specification_says() {
    let (app, token) = service().await;
    let receiver = Receiver::start().await;
    let events = [
        "signature.confirmed",
        "signature.withdrawn",
        "signature.erased",
        "signature.reviewed",
        "campaign.milestone_reached",
        "campaign.closed",
    ];
    let created =
        create_webhook(&app, &token, json!({"url": receiver.url, "events": events})).await;
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{created}");
    assert_eq!(created["include_personal_data"], false);
    // The secret is shown once.
    let listed = app
        .get_json("/v1/campaigns/scrapsi445/webhooks", Some(&token))
        .await;
    assert_eq!(listed["webhooks"][0]["url"], receiver.url);
    assert!(listed["webhooks"][0].get("secret").is_none(), "{listed}");

    let response = app
        .sign("scrapsi445", &json!({"name": "Siân Lloyd", "email": "sian@example.org", "postcode": "CF10 1AA", "source": "nyas"}))
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let first = receiver
        .wait_for(1, Duration::from_secs(10))
        .await
        .remove(0);
    assert!(first.id.starts_with("msg_"), "{first:?}");
    let sent_at: i64 = first.timestamp.parse().unwrap();
    assert!((chrono::Utc::now().timestamp() - sent_at).abs() < 60);
    assert_eq!(first.signature, expected_signature(&secret, &first));
    let body = first.json();
    assert_eq!(body["type"], "signature.confirmed");
    assert!(body["timestamp"].is_string());
    assert_eq!(body["data"]["campaign"], "scrapsi445");
    assert_eq!(body["data"]["count"]["total"], 1);
    let reported = &body["data"]["signature"];
    assert_eq!(reported["source"], "nyas");
    assert_eq!(reported["country"], "GB");
    assert_eq!(reported["postcode_area"], "CF");
    assert_eq!(reported["signatory_type"], "individual");
    assert!(
        reported.get("name").is_none() && reported.get("email").is_none(),
        "no personal data unless asked: {body}"
    );
    assert!(!first.body.contains("sian@example.org"));

    // The second signature reaches the milestone.
    app.sign("scrapsi445", &signer("Gwen Morgan", "gwen@example.org"))
        .await;
    let received = receiver.wait_for(3, Duration::from_secs(10)).await;
    let types: Vec<Value> = received.iter().map(|r| r.json()["type"].clone()).collect();
    assert!(
        types.contains(&json!("campaign.milestone_reached")),
        "{types:?}"
    );
    let milestone = received
        .iter()
        .find(|r| r.json()["type"] == "campaign.milestone_reached")
        .unwrap();
    assert_eq!(milestone.json()["data"]["milestone"], 2);

    let sian = signature_id(&app, &token, "sian@example.org").await;
    let gwen = signature_id(&app, &token, "gwen@example.org").await;
    let reviewed = app
        .patch_json(
            &format!("/v1/campaigns/scrapsi445/signatures/{gwen}"),
            &json!({"review": "rejected"}),
            &token,
        )
        .await;
    assert_eq!(reviewed.status(), StatusCode::OK);
    app.erase_signature(&token, "scrapsi445", &sian).await;
    let closed = app
        .patch_json(
            "/v1/campaigns/scrapsi445",
            &json!({"status": "closed"}),
            &token,
        )
        .await;
    assert_eq!(closed.status(), StatusCode::OK);
    let received = receiver.wait_for(6, Duration::from_secs(10)).await;
    let body_of = |kind: &str| {
        received
            .iter()
            .map(Received::json)
            .find(|b| b["type"] == kind)
            .unwrap_or_else(|| panic!("no {kind} in {received:#?}"))
    };
    assert_eq!(body_of("signature.reviewed")["data"]["review"], "rejected");
    assert_eq!(body_of("signature.erased")["data"]["signature"]["id"], sian);
    assert_eq!(body_of("signature.erased")["data"]["count"]["total"], 0);
    assert!(body_of("campaign.closed")["data"]["closed_at"].is_string());
    for r in &received {
        assert_eq!(r.signature, expected_signature(&secret, r), "{r:?}");
    }

    // Each delivery is listed with its answer.
    let id = created["id"].as_str().unwrap();
    // The receiver has answered; the service records each answer just after.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let listed = app
            .get_json(
                &format!("/v1/campaigns/scrapsi445/webhooks/{id}/deliveries"),
                Some(&token),
            )
            .await;
        let deliveries = listed["deliveries"].as_array().unwrap().clone();
        assert_eq!(deliveries.len(), 6, "{deliveries:#?}");
        if deliveries
            .iter()
            .all(|d| d["status"] == "delivered" && d["last_status_code"] == 200)
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not all delivered: {deliveries:#?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // A test event on request; the audit log has the webhook made.
    let test = app
        .post_json(
            &format!("/v1/campaigns/scrapsi445/webhooks/{id}/test"),
            &json!({}),
            Some(&token),
        )
        .await;
    assert_eq!(test.status(), StatusCode::ACCEPTED);
    let received = receiver.wait_for(7, Duration::from_secs(10)).await;
    assert_eq!(received[6].json()["type"], "webhook.test");
    let admin = app.organiser("admin@article39.example", true).await;
    let actions: Vec<Value> = app
        .audit_entries(&admin)
        .await
        .iter()
        .map(|e| e["action"].clone())
        .collect();
    assert!(actions.contains(&json!("webhook_created")), "{actions:?}");
}

#[tokio::test]
async fn a_failed_delivery_is_retried_with_the_same_id_and_a_410_disables_the_webhook() {
    let (app, token) = service().await;
    let receiver = Receiver::start().await;
    let created = create_webhook(
        &app,
        &token,
        json!({"url": receiver.url, "events": ["signature.confirmed"]}),
    )
    .await;
    let id = created["id"].as_str().unwrap();
    receiver.answer_with(&[500]);
    app.sign("scrapsi445", &signer("Siân Lloyd", "sian@example.org"))
        .await;
    // The first retry comes within a minute (five seconds, as the schedule starts).
    let received = receiver.wait_for(2, Duration::from_secs(30)).await;
    assert_eq!(
        received[0].id, received[1].id,
        "a retry keeps its webhook-id"
    );
    assert_eq!(received[0].body, received[1].body);
    // The receiver has answered; the service records the answer just after.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let deliveries = app
            .get_json(
                &format!("/v1/campaigns/scrapsi445/webhooks/{id}/deliveries"),
                Some(&token),
            )
            .await;
        let latest = &deliveries["deliveries"][0];
        if latest["status"] == "delivered" {
            assert_eq!(latest["attempts"], 2);
            break;
        }
        assert!(Instant::now() < deadline, "never delivered: {deliveries}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // A receiver that answers 410 Gone is sent nothing more.
    receiver.answer_with(&[410]);
    app.sign("scrapsi445", &signer("Gwen Morgan", "gwen@example.org"))
        .await;
    receiver.wait_for(3, Duration::from_secs(10)).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let listed = app
            .get_json("/v1/campaigns/scrapsi445/webhooks", Some(&token))
            .await;
        if listed["webhooks"][0]["disabled_at"].is_string() {
            assert!(
                listed["webhooks"][0]["disabled_reason"]
                    .as_str()
                    .unwrap()
                    .contains("410")
            );
            break;
        }
        assert!(Instant::now() < deadline, "never disabled: {listed}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    app.sign("scrapsi445", &signer("Rhys Evans", "rhys@example.org"))
        .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(receiver.received().len(), 3, "nothing after the 410");
}

#[tokio::test]
async fn private_addresses_are_refused_and_personal_data_goes_only_where_asked() {
    let (app, token) = service().await;
    let receiver = Receiver::start().await;
    let port = receiver
        .url
        .split(':')
        .nth(2)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    for url in [
        format!("http://127.0.0.2:{port}/hooks"),
        format!("http://localhost:{port}/hooks"),
        "https://10.0.0.1/hooks".to_owned(),
        "https://169.254.169.254/latest/meta-data".to_owned(),
        "https://[::1]/hooks".to_owned(),
        "http://crm.example.org/hooks".to_owned(),
        "ftp://crm.example.org/".to_owned(),
    ] {
        let response = app
            .post_json(
                "/v1/campaigns/scrapsi445/webhooks",
                &json!({"url": url, "events": ["signature.confirmed"]}),
                Some(&token),
            )
            .await;
        let problem =
            assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
        assert_eq!(fields_of(&problem), vec!["url"], "{url}");
    }
    let response = app
        .post_json(
            "/v1/campaigns/scrapsi445/webhooks",
            &json!({"url": receiver.url, "events": ["signature.signed"]}),
            Some(&token),
        )
        .await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(fields_of(&problem), vec!["events"]);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM webhooks WHERE url <> $1", "")
            .await,
        0,
        "nothing refused is stored"
    );

    // Asked for, the signer's name and email are in the payload.
    create_webhook(&app, &token, json!({"url": receiver.url, "events": ["signature.confirmed"], "include_personal_data": true})).await;
    app.sign("scrapsi445", &signer("Siân Lloyd", "sian@example.org"))
        .await;
    let body = receiver.wait_for(1, Duration::from_secs(10)).await[0].json();
    assert_eq!(body["data"]["signature"]["name"], "Siân Lloyd");
    assert_eq!(body["data"]["signature"]["email"], "sian@example.org");

    // Erasing a signer takes their name and email out of what is still to be delivered, and
    // out of what is kept of what was.
    receiver.answer_with(&[500, 500, 500]);
    app.sign("scrapsi445", &signer("Gwen Morgan", "gwen@example.org"))
        .await;
    receiver.wait_for(2, Duration::from_secs(10)).await;
    let held = "SELECT COUNT(*) FROM webhook_messages WHERE payload LIKE $1";
    assert_eq!(app.scalar(held, "%gwen@example.org%").await, 1);
    let gwen = signature_id(&app, &token, "gwen@example.org").await;
    app.erase_signature(&token, "scrapsi445", &gwen).await;
    assert_eq!(app.scalar(held, "%gwen@example.org%").await, 0);
    assert_eq!(app.scalar(held, "%Gwen Morgan%").await, 0);
}

#[tokio::test]
async fn during_a_rotation_both_secrets_sign() {
    let (app, token) = service().await;
    let receiver = Receiver::start().await;
    let created = create_webhook(
        &app,
        &token,
        json!({"url": receiver.url, "events": ["signature.confirmed"]}),
    )
    .await;
    let (id, old) = (
        created["id"].as_str().unwrap(),
        created["secret"].as_str().unwrap(),
    );
    let rotated = app
        .post_json(
            &format!("/v1/campaigns/scrapsi445/webhooks/{id}/rotate"),
            &json!({}),
            Some(&token),
        )
        .await;
    assert_eq!(rotated.status(), StatusCode::OK);
    let rotated: Value = rotated.json().await.unwrap();
    let new = rotated["secret"].as_str().unwrap();
    assert_ne!(new, old);
    app.sign("scrapsi445", &signer("Siân Lloyd", "sian@example.org"))
        .await;
    let received = receiver
        .wait_for(1, Duration::from_secs(10))
        .await
        .remove(0);
    let signatures: Vec<&str> = received.signature.split(' ').collect();
    assert_eq!(
        signatures,
        vec![
            expected_signature(new, &received),
            expected_signature(old, &received)
        ]
    );
    // To another organiser, the campaign has no webhooks.
    let stranger = app.organiser("stranger@example.org", false).await;
    let response = app
        .get("/v1/campaigns/scrapsi445/webhooks", Some(&stranger))
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_organiser_adds_tests_and_reads_a_webhook_in_the_console() {
    let Some(browser) = crate::browser::browser().await else {
        return;
    };
    let axe = crate::console::axe_source();
    let axe = axe.as_deref();
    let (app, _token) = service().await;
    let receiver = Receiver::start().await;
    let client = &browser.client;
    client.set_window_size(1280, 900).await.unwrap();
    crate::console::log_in(
        client,
        &app.address,
        "organiser@article39.example",
        "Scrap SI 445",
    )
    .await;
    client
        .goto(&app.url("/console/#/c/scrapsi445/webhooks"))
        .await
        .unwrap();
    crate::console::wait_text(client, "main", "No webhooks yet").await;
    crate::console::fill(client, "field-url", &receiver.url).await;
    crate::browser::click(client, "#field-event-campaign-closed").await;
    crate::console::press(client, "Add the webhook").await;
    crate::console::wait_text(client, ".key-once", "shown only this once").await;
    let secret = crate::console::value_of(client, "new-webhook-secret").await;
    assert!(secret.starts_with("whsec_"), "{secret}");
    crate::console::press(client, "Send a test").await;
    let received = receiver
        .wait_for(1, Duration::from_secs(10))
        .await
        .remove(0);
    assert_eq!(received.json()["type"], "webhook.test");
    assert_eq!(received.signature, expected_signature(&secret, &received));
    crate::console::press(client, "Show deliveries").await;
    crate::console::wait_text(client, "main table", "delivered").await;
    crate::console::check_screen(client, axe, "console-webhooks").await;
    let stored = app
        .texts("SELECT events FROM webhooks WHERE url = $1", &receiver.url)
        .await;
    assert_eq!(
        stored,
        vec![vec![Some(
            r#"["signature.confirmed","campaign.closed"]"#.into()
        )]]
    );
}
