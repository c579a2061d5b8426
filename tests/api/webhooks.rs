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
    /// How long each answer takes.
    delay: Duration,
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
    let (status, delay) = {
        let mut script = script.lock().unwrap();
        script.received.push(Received {
            id: header("webhook-id"),
            timestamp: header("webhook-timestamp"),
            signature: header("webhook-signature"),
            body: String::from_utf8(body.to_vec()).unwrap(),
        });
        (script.answers.pop_front().unwrap_or(200), script.delay)
    };
    tokio::time::sleep(delay).await;
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

    fn answer_after(&self, delay: Duration) {
        self.script.lock().unwrap().delay = delay;
    }

    /// The port it listens on.
    fn port(&self) -> u16 {
        let after_host = self.url.rsplit(':').next().unwrap();
        after_host.split('/').next().unwrap().parse().unwrap()
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

/// A webhook of #ScrapSI445's deliveries, newest first, once `done` holds of them (waiting up
/// to 10 s: the service records an answer just after the receiver gives it).
async fn deliveries_until(
    app: &TestApp,
    token: &str,
    id: &str,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let listed = app
            .get_json(
                &format!("/v1/campaigns/scrapsi445/webhooks/{id}/deliveries"),
                Some(token),
            )
            .await;
        let deliveries = listed["deliveries"].as_array().unwrap().clone();
        if !deliveries.is_empty() && done(&deliveries) {
            return deliveries;
        }
        assert!(Instant::now() < deadline, "never so: {listed}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
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

    // Each delivery is listed as delivered; what a receiver on a listed (private) host
    // answered is not shown.
    let id = created["id"].as_str().unwrap();
    // The receiver has answered; the service records each answer just after.
    let deliveries = deliveries_until(&app, &token, id, |deliveries| {
        deliveries
            .iter()
            .all(|d| d["status"] == "delivered" && d["last_status_code"].is_null())
    })
    .await;
    assert_eq!(deliveries.len(), 6, "{deliveries:#?}");

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
    let deliveries = deliveries_until(&app, &token, id, |d| d[0]["status"] == "delivered").await;
    assert_eq!(deliveries[0]["attempts"], 2);

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
    crate::browser::viewport(client, 1280, 900).await;
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

#[tokio::test]
async fn a_slow_receiver_holds_up_no_other_organiser_s_deliveries() {
    let (app, token) = service().await;
    let slow = Receiver::start().await;
    slow.answer_after(Duration::from_secs(8));
    create_webhook(
        &app,
        &token,
        json!({"url": slow.url, "events": ["signature.confirmed"]}),
    )
    .await;
    let other = app.organiser("kamena@nyas.example", false).await;
    app.create_campaign(
        &other,
        json!({"slug": "nyas-pledge-to-listen", "require_confirmation": false}),
    )
    .await;
    app.open_campaign(&other, "nyas-pledge-to-listen").await;
    let fast = Receiver::start().await;
    let created = app
        .post_json(
            "/v1/campaigns/nyas-pledge-to-listen/webhooks",
            &json!({"url": fast.url, "events": ["signature.confirmed"]}),
            Some(&other),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);

    for i in 0..3 {
        app.sign(
            "scrapsi445",
            &signer("Siân Lloyd", &format!("sian{i}@example.org")),
        )
        .await;
    }
    // The slow receiver has its first message, and will take 8 s over each.
    slow.wait_for(1, Duration::from_secs(5)).await;
    let signed = Instant::now();
    app.sign(
        "nyas-pledge-to-listen",
        &signer("Gwen Morgan", "gwen@example.org"),
    )
    .await;
    fast.wait_for(1, Duration::from_secs(3)).await;
    assert!(signed.elapsed() < Duration::from_secs(3));
    // One delivery at a time to the slow receiver, in order, however many are due.
    assert_eq!(slow.received().len(), 1);
}

#[tokio::test]
async fn an_organiser_has_at_most_the_set_number_of_webhooks() {
    let app = spawn_app_with(|s| {
        s.webhook_allow_hosts = vec!["127.0.0.1".into()];
        s.webhooks_per_organiser = 3;
    })
    .await;
    let token = app.open_campaign_with(json!({})).await;
    app.create_campaign(
        &token,
        json!({"slug": "letter-to-the-minister", "kind": "letter"}),
    )
    .await;
    let receiver = Receiver::start().await;
    let create = |slug: &'static str| {
        let body = json!({"url": receiver.url, "events": ["signature.confirmed"]});
        let app = &app;
        let token = &token;
        async move {
            app.post_json(
                &format!("/v1/campaigns/{slug}/webhooks"),
                &body,
                Some(token),
            )
            .await
        }
    };
    // Counted across the organiser's campaigns.
    for slug in ["scrapsi445", "scrapsi445", "letter-to-the-minister"] {
        assert_eq!(create(slug).await.status(), StatusCode::CREATED);
    }
    let refused = create("letter-to-the-minister").await;
    let problem = assert_problem(refused, StatusCode::CONFLICT, "webhook-limit").await;
    assert!(problem["detail"].as_str().unwrap().contains('3'));
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM webhooks WHERE url <> $1", "")
            .await,
        3
    );
    // Another organiser has their own.
    let other = app.organiser("kamena@nyas.example", false).await;
    app.create_campaign(&other, json!({"slug": "nyas-pledge-to-listen"}))
        .await;
    let theirs = app
        .post_json(
            "/v1/campaigns/nyas-pledge-to-listen/webhooks",
            &json!({"url": receiver.url, "events": ["signature.confirmed"]}),
            Some(&other),
        )
        .await;
    assert_eq!(theirs.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn no_young_or_unconfirmed_signer_s_name_or_email_leaves_in_a_webhook() {
    let app = spawn_app_with(|s| s.webhook_allow_hosts = vec!["127.0.0.1".into()]).await;
    let token = app
        .open_campaign_with(json!({"require_confirmation": false, "young_signers": true}))
        .await;
    let receiver = Receiver::start().await;
    create_webhook(
        &app,
        &token,
        json!({"url": receiver.url,
        "events": ["signature.confirmed", "signature.reviewed"], "include_personal_data": true}),
    )
    .await;
    app.sign(
        "scrapsi445",
        &json!({"name": "Siân Evans", "email": "sian@example.org", "age_band": "18-plus"}),
    )
    .await;
    app.sign(
        "scrapsi445",
        &json!({"name": "Osian Jones", "email": "osian@example.org", "age_band": "13-15"}),
    )
    .await;
    let received = receiver.wait_for(2, Duration::from_secs(10)).await;
    let adult = received[0].json()["data"]["signature"].clone();
    assert_eq!(adult["name"], "Siân Evans");
    assert_eq!(adult["personal_data"], true);
    let young = received[1].json()["data"]["signature"].clone();
    assert!(
        young.get("name").is_none() && young.get("email").is_none(),
        "{young}"
    );
    assert_eq!(young["personal_data"], false);
    assert_eq!(young["personal_data_withheld"], "young-signer");
    assert!(!received[1].body.contains("Osian") && !received[1].body.contains("osian@"));

    // A letter's signer approved before confirming their email is not yet a confirmed signer.
    let letter = app
        .create_campaign(
            &token,
            json!({"slug": "letter-to-the-minister", "kind": "letter",
            "recipient": "The Children's Minister", "require_confirmation": true}),
        )
        .await;
    assert_eq!(letter["slug"], "letter-to-the-minister");
    app.open_campaign(&token, "letter-to-the-minister").await;
    let on_letter = app
        .post_json(
            "/v1/campaigns/letter-to-the-minister/webhooks",
            &json!({"url": receiver.url, "events": ["signature.reviewed"], "include_personal_data": true}),
            Some(&token),
        )
        .await;
    assert_eq!(on_letter.status(), StatusCode::CREATED);
    let signed = app
        .sign(
            "letter-to-the-minister",
            &json!({"name": "Carolyne Willow", "email": "carolyne@article39.example",
            "signatory_type": "individual"}),
        )
        .await;
    assert_eq!(signed.status(), StatusCode::ACCEPTED);
    let list = app
        .get_json(
            "/v1/campaigns/letter-to-the-minister/signatures",
            Some(&token),
        )
        .await;
    let pending = list["signatures"][0]["id"].as_str().unwrap().to_owned();
    let reviewed = app
        .patch_json(
            &format!("/v1/campaigns/letter-to-the-minister/signatures/{pending}"),
            &json!({"review": "approved"}),
            &token,
        )
        .await;
    assert_eq!(reviewed.status(), StatusCode::OK);
    let received = receiver.wait_for(3, Duration::from_secs(10)).await;
    let unconfirmed = received[2].json()["data"]["signature"].clone();
    assert_eq!(
        unconfirmed["personal_data_withheld"], "not-confirmed",
        "{unconfirmed}"
    );
    assert!(!received[2].body.contains("Carolyne"));
}

#[tokio::test]
async fn a_private_receiver_is_allowed_by_port_and_its_answers_are_not_shown() {
    let receiver = Receiver::start().await;
    let port = receiver.port();
    let app = spawn_app_with(|s| s.webhook_allow_hosts = vec![format!("127.0.0.1:{port}")]).await;
    let token = app
        .open_campaign_with(json!({"require_confirmation": false}))
        .await;
    // Another port of the same host is not listed.
    let other_port = app
        .post_json(
            "/v1/campaigns/scrapsi445/webhooks",
            &json!({"url": format!("http://127.0.0.1:{}/hooks", port.wrapping_add(1).max(1)),
                "events": ["signature.confirmed"]}),
            Some(&token),
        )
        .await;
    let problem = assert_problem(other_port, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(fields_of(&problem), ["url"]);
    // A name that resolves to a private address is refused without saying which address.
    for url in [
        "https://localhost/hooks",
        "https://localhost./hooks",
        "https://[64:ff9b::7f00:1]/hooks",
        "https://[::ffff:127.0.0.1]/hooks",
        "https://[2002:7f00:1::1]/",
    ] {
        let refused = app
            .post_json(
                "/v1/campaigns/scrapsi445/webhooks",
                &json!({"url": url, "events": ["signature.confirmed"]}),
                Some(&token),
            )
            .await;
        let problem = assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
        let said = problem.to_string();
        assert!(
            !said.contains("127.0.0.1") && !said.contains("::1"),
            "{url}: {said}"
        );
    }
    let localhost = app
        .post_json(
            "/v1/campaigns/scrapsi445/webhooks",
            &json!({"url": "https://localhost/hooks", "events": ["signature.confirmed"]}),
            Some(&token),
        )
        .await;
    let problem = assert_problem(localhost, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert!(
        problem.to_string().contains("not a public address"),
        "{problem}"
    );
    // It says which setting allows a receiver on one's own network, and that it needs a
    // restart.
    assert!(
        problem
            .to_string()
            .contains("UNDERSIGNED_WEBHOOK_ALLOW_HOSTS and restarting"),
        "{problem}"
    );

    let created = create_webhook(
        &app,
        &token,
        json!({"url": receiver.url, "events": ["signature.confirmed"]}),
    )
    .await;
    let id = created["id"].as_str().unwrap();
    receiver.answer_with(&[503]);
    app.sign("scrapsi445", &signer("Siân Lloyd", "sian@example.org"))
        .await;
    receiver.wait_for(1, Duration::from_secs(10)).await;
    let deliveries = deliveries_until(&app, &token, id, |d| d[0]["attempts"] == 1).await;
    assert!(
        deliveries[0]["last_status_code"].is_null(),
        "{deliveries:?}"
    );
    assert!(!format!("{deliveries:?}").contains("503"), "{deliveries:?}");
}
