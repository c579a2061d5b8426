//! Outcomes and news to signers: who gets them, one-click unsubscribe honoured from then on,
//! the progress of a send, and no second copy after a kill and a restart mid-send.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::crash::{Server, organiser_with_open_campaign};
use crate::helpers::{PASSWORD, TestApp, TestDatabase, assert_problem, spawn_app};
use crate::smtp::{SmtpSink, html_of, recipient_of, subject_of, text_of, token_in};

/// The update emails written so far, waiting (up to 10 s) until there are `count`.
async fn update_emails(app: &TestApp, subject: &str, count: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let sent: Vec<String> = app
            .outbox_messages(0)
            .await
            .into_iter()
            .filter(|m| subject_of(m).starts_with(subject))
            .collect();
        if sent.len() >= count || Instant::now() > deadline {
            return sent;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn send_update(app: &TestApp, token: &str, body: Value) -> Value {
    let response = app
        .post_json("/v1/campaigns/scrapsi445/updates", &body, Some(token))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

/// Waits until every email of the update is sent or failed; its status then.
async fn sent(app: &TestApp, token: &str, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let status = app
            .get_json(
                &format!("/v1/campaigns/scrapsi445/updates/{id}"),
                Some(token),
            )
            .await;
        if status["queued"] == 0 {
            return status;
        }
        assert!(Instant::now() < deadline, "still sending: {status}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn outcomes_reach_confirmed_signers_news_those_who_agreed_and_unsubscribing_is_one_click() {
    let app = spawn_app().await;
    let token = app.open_campaign_with(json!({})).await;
    for (name, email, contact) in [
        ("Siân Lloyd", "sian@example.org", true),
        ("Gwen Morgan", "gwen@example.org", false),
        ("Rhys Evans", "rhys@example.org", true),
        ("Dai Jones", "dai@example.org", true),
        ("Mari Price", "mari@example.org", true),
    ] {
        let body = json!({"name": name, "email": email, "contact": contact});
        assert_eq!(
            app.sign("scrapsi445", &body).await.status(),
            StatusCode::ACCEPTED
        );
    }
    // Siân, Gwen, Dai and Mari confirm; Rhys does not. Dai then withdraws; Mari is erased.
    let confirmations = app.outbox_messages(5).await;
    let link_for = |email: &str, kind: &str| {
        let message = confirmations
            .iter()
            .find(|m| recipient_of(m) == email)
            .unwrap();
        token_in(&text_of(message), kind).unwrap()
    };
    for email in [
        "sian@example.org",
        "gwen@example.org",
        "dai@example.org",
        "mari@example.org",
    ] {
        let confirmed = app
            .post_json(
                "/v1/signatures/confirm",
                &json!({"token": link_for(email, "confirm")}),
                None,
            )
            .await;
        assert_eq!(confirmed.status(), StatusCode::OK);
    }
    let withdrawn = app
        .post_json(
            "/v1/signatures/withdraw",
            &json!({"token": link_for("dai@example.org", "withdraw")}),
            None,
        )
        .await;
    assert_eq!(withdrawn.status(), StatusCode::OK);
    let list = app
        .get_json("/v1/campaigns/scrapsi445/signatures", Some(&token))
        .await;
    let mari = list["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["email"] == "mari@example.org")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.erase_signature(&token, "scrapsi445", &mari).await;

    // News: only confirmed signers who agreed to be contacted.
    let news = send_update(&app, &token, json!({"kind": "news", "subject": "We met the Minister", "body": "We handed in **108,000** signatures."})).await;
    assert_eq!(news["recipients"], 1);
    let status = sent(&app, &token, news["id"].as_str().unwrap()).await;
    assert_eq!(
        (status["sent"].as_i64(), status["failed"].as_i64()),
        (Some(1), Some(0))
    );
    let emails = update_emails(&app, "We met the Minister", 1).await;
    assert_eq!(emails.len(), 1);
    assert_eq!(recipient_of(&emails[0]), "sian@example.org");
    assert!(
        html_of(&emails[0]).contains("<strong>108,000</strong>"),
        "Markdown rendered: {}",
        emails[0]
    );
    // RFC 8058: one-click unsubscribe in the headers.
    assert!(
        emails[0].contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"),
        "{}",
        emails[0]
    );
    let header = emails[0]
        .lines()
        .find(|l| l.starts_with("List-Unsubscribe: <"))
        .expect("a List-Unsubscribe header");
    let link = header
        .trim_start_matches("List-Unsubscribe: <")
        .trim_end_matches('>')
        .to_owned();
    assert!(
        link.starts_with(&format!("{}/unsubscribe/", app.address)),
        "{link}"
    );

    // An outcome: every confirmed signer, never the unconfirmed, withdrawn or erased.
    let outcome = send_update(&app, &token, json!({"kind": "outcome", "subject": "SI 445 is revoked", "body": "The Government has agreed to revoke SI 445."})).await;
    assert_eq!(outcome["recipients"], 2);
    sent(&app, &token, outcome["id"].as_str().unwrap()).await;
    let mut to: Vec<String> = update_emails(&app, "SI 445 is revoked", 2)
        .await
        .iter()
        .map(|m| recipient_of(m))
        .collect();
    to.sort();
    assert_eq!(to, ["gwen@example.org", "sian@example.org"]);
    let public = app.get_json("/v1/campaigns/scrapsi445", None).await;
    assert_eq!(public["outcome"]["subject"], "SI 445 is revoked");
    let published = public["outcome"]["published_at"].as_str().unwrap();
    assert!(
        chrono::DateTime::parse_from_rfc3339(published).is_ok(),
        "{published}"
    );
    let deadline = Instant::now() + Duration::from_secs(12);
    loop {
        let page = app.get("/c/scrapsi445", None).await.text().await.unwrap();
        if page.contains("Outcome: SI 445 is revoked") {
            assert!(page.contains("The Government has agreed to revoke SI 445."));
            break;
        }
        assert!(Instant::now() < deadline, "the page never told the outcome");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }

    // Unsubscribing takes one POST and no login, and holds for every later update.
    let page = app.client.get(&link).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("method=\"post\""));
    assert_eq!(one_click(&app, &link).await, StatusCode::OK);
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM signatures WHERE unsubscribed_at IS NOT NULL AND email = $1",
            "sian@example.org"
        )
        .await,
        1
    );
    let forged = app
        .client
        .post(format!("{}/unsubscribe/{}", app.address, "0".repeat(64)))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::NOT_FOUND);
    let later = send_update(&app, &token, json!({"kind": "outcome", "subject": "Revoked in law", "body": "The revocation order was laid today."})).await;
    assert_eq!(later["recipients"], 1);
    sent(&app, &token, later["id"].as_str().unwrap()).await;
    let to: Vec<String> = update_emails(&app, "Revoked in law", 1)
        .await
        .iter()
        .map(|m| recipient_of(m))
        .collect();
    assert_eq!(to, ["gwen@example.org"]);

    // Refusals change nothing; the audit log has each update.
    let bad = app
        .post_json(
            "/v1/campaigns/scrapsi445/updates",
            &json!({"kind": "gossip", "subject": "", "body": "x"}),
            Some(&token),
        )
        .await;
    let problem = assert_problem(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(crate::helpers::fields_of(&problem), vec!["kind", "subject"]);
    let listed = app
        .get_json("/v1/campaigns/scrapsi445/updates", Some(&token))
        .await;
    assert_eq!(listed["updates"].as_array().unwrap().len(), 3);
    let admin = app.organiser("admin@article39.example", true).await;
    let actions: Vec<Value> = app
        .audit_entries(&admin)
        .await
        .iter()
        .map(|e| e["action"].clone())
        .collect();
    assert_eq!(actions.iter().filter(|a| *a == "update_sent").count(), 3);
}

async fn log_in(client: &reqwest::Client, server: &Server) -> String {
    let login: Value = client
        .post(format!("{}/v1/auth/token", server.address))
        .json(&json!({"email": "organiser@article39.example", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    login["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_send_killed_midway_and_restarted_gives_nobody_a_second_copy() {
    let (database, database_url) = TestDatabase::create().await;
    let outbox = tempfile::tempdir().unwrap();
    let sink = SmtpSink::start().await;
    let client = crate::helpers::http_client();
    let pace = [("UNDERSIGNED_UPDATE_EMAILS_PER_MINUTE", "240")];
    let server = Server::start_with(&database_url, outbox.path(), Some(&sink.url()), &pace);
    let store = organiser_with_open_campaign(
        &client,
        &server,
        &database_url,
        json!({"require_confirmation": false}),
    )
    .await;
    let signers = 12;
    for i in 0..signers {
        let signed = client
            .post(format!(
                "{}/v1/campaigns/scrapsi445/signatures",
                server.address
            ))
            .json(
                &json!({"name": format!("Signer {i}"), "email": format!("signer{i}@example.org")}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(signed.status(), StatusCode::ACCEPTED);
    }
    sink.wait_for(signers).await;
    let token = log_in(&client, &server).await;
    let created: Value = client
        .post(format!(
            "{}/v1/campaigns/scrapsi445/updates",
            server.address
        ))
        .bearer_auth(&token)
        .json(&json!({"kind": "outcome", "subject": "SI 445 is revoked", "body": "We won."}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    // Four a second: killed once a few have gone.
    let is_update = |m: &String| subject_of(m).starts_with("SI 445 is revoked");
    let deadline = Instant::now() + Duration::from_secs(20);
    while sink.messages().iter().filter(|m| is_update(m)).count() < 3 {
        assert!(Instant::now() < deadline, "the send never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill();

    let server = Server::start_with(&database_url, outbox.path(), Some(&sink.url()), &pace);
    // A token names the address it was issued at, which changed with the restart.
    let token = log_in(&client, &server).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        let status: Value = client
            .get(format!(
                "{}/v1/campaigns/scrapsi445/updates/{id}",
                server.address
            ))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if status["queued"] == 0 {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the send never finished: {status}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let delivered: Vec<String> = sink
        .messages()
        .iter()
        .filter(|m| is_update(m))
        .map(|m| recipient_of(m))
        .collect();
    let mut unique = delivered.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        delivered.len(),
        "nobody got a second copy: {delivered:?}"
    );
    // An email the killed process had handed to the server but not yet marked sent reads as
    // failed ("may have gone"): it reached the server once and was not sent again.
    let (sent, failed) = (
        status["sent"].as_u64().unwrap(),
        status["failed"].as_u64().unwrap(),
    );
    let delivered_count = delivered.len() as u64;
    assert!(
        (sent..=sent + failed).contains(&delivered_count),
        "{status} against {delivered_count} delivered"
    );
    assert_eq!(
        sent + failed,
        signers as u64,
        "every signer was sent it once, or marked as perhaps sent when the process stopped: {status}"
    );
    assert!(
        delivered.len() >= signers - 3,
        "the send resumed after the restart: {delivered:?}"
    );
    server.kill();
    drop(store);
    drop(database);
}

#[tokio::test]
async fn an_organiser_tells_signers_the_outcome_from_the_console() {
    let app = spawn_app().await;
    app.open_campaign_with(json!({"require_confirmation": false}))
        .await;
    for (name, email, lang, contact) in [
        ("Siân Lloyd", "sian@example.org", "cy", true),
        ("Gwen Morgan", "gwen@example.org", "en", false),
    ] {
        let signed = app
            .sign(
                "scrapsi445",
                &json!({"name": name, "email": email, "lang": lang, "contact": contact}),
            )
            .await;
        assert_eq!(signed.status(), StatusCode::ACCEPTED);
    }
    // Who an update would reach, asked before it is sent.
    let token = app.login("organiser@article39.example").await;
    let reach = |kind: &'static str| {
        let (app, token) = (&app, &token);
        async move {
            app.get_json(
                &format!("/v1/campaigns/scrapsi445/updates/recipients?kind={kind}"),
                Some(token),
            )
            .await
        }
    };
    assert_eq!(
        reach("outcome").await,
        json!({"kind": "outcome", "count": 2, "languages": {"cy": 1, "en": 1}})
    );
    assert_eq!(
        reach("news").await,
        json!({"kind": "news", "count": 1, "languages": {"cy": 1}})
    );
    let wrong = app
        .get(
            "/v1/campaigns/scrapsi445/updates/recipients?kind=everyone",
            Some(&token),
        )
        .await;
    assert_problem(wrong, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    let stranger = app.organiser("stranger@example.org", false).await;
    let hidden = app
        .get(
            "/v1/campaigns/scrapsi445/updates/recipients?kind=news",
            Some(&stranger),
        )
        .await;
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);

    let Some(browser) = crate::browser::browser().await else {
        return;
    };
    let axe = crate::console::axe_source();
    let axe = axe.as_deref();
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
        .goto(&app.url("/console/#/c/scrapsi445/updates"))
        .await
        .unwrap();
    crate::console::wait_text(client, "main", "No updates sent yet.").await;
    crate::console::fill(client, "field-subject", "SI 445 is revoked").await;
    crate::console::fill(
        client,
        "field-body",
        "The Government has agreed to **revoke** SI 445.",
    )
    .await;
    // A test first: to the organiser alone, and nothing in the list of updates sent.
    crate::console::press(client, "Send a test to me").await;
    crate::console::wait_text(
        client,
        "#status",
        "A test was sent to organiser@article39.example. Nothing was sent to signers.",
    )
    .await;
    let tests = update_emails(&app, "[Test] SI 445 is revoked", 1).await;
    assert_eq!(tests.len(), 1);
    assert_eq!(recipient_of(&tests[0]), "organiser@article39.example");
    crate::console::wait_text(client, "main", "No updates sent yet.").await;
    crate::console::press(client, "Send to signers").await;
    let said = crate::browser::wait_visible(client, "dialog[open]")
        .await
        .text()
        .await
        .unwrap();
    assert!(said.contains("1 in Welsh, 1 in English"), "{said}");
    crate::console::answer_dialog(client, "Send it to 2 signers?", "Send it").await;
    crate::console::wait_text(client, "main table", "SI 445 is revoked").await;
    crate::console::check_screen(client, axe, "console-updates").await;
    let emails = update_emails(&app, "SI 445 is revoked", 2).await;
    let mut to: Vec<String> = emails.iter().map(|m| recipient_of(m)).collect();
    to.sort();
    assert_eq!(to, ["gwen@example.org", "sian@example.org"]);
}

/// Unsubscribes as a mail client's button does (RFC 8058): one POST, no login.
async fn one_click(app: &TestApp, link: &str) -> StatusCode {
    app.client
        .post(link)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap()
        .status()
}

/// Posts an update (or a test of one) to #ScrapSI445 as its organiser.
async fn post_update(app: &TestApp, token: &str, body: &Value) -> reqwest::Response {
    app.post_json("/v1/campaigns/scrapsi445/updates", body, Some(token))
        .await
}

/// The one-click unsubscribe link in an email's headers.
fn unsubscribe_link(message: &str) -> String {
    message
        .lines()
        .find_map(|l| l.strip_prefix("List-Unsubscribe: <"))
        .expect("a List-Unsubscribe header")
        .trim_end_matches('>')
        .to_owned()
}

#[tokio::test]
async fn a_test_goes_to_its_organiser_alone_and_a_sent_update_counts_bounces_and_unsubscribes() {
    let sink = SmtpSink::start().await;
    let app = crate::helpers::spawn_app_with(|s| {
        s.smtp_url = Some(sink.url().into());
        s.mail_retry_seconds = 1;
    })
    .await;
    let token = app
        .open_campaign_with(json!({"require_confirmation": false}))
        .await;
    for (name, email) in [
        ("Siân Lloyd", "sian@example.org"),
        ("Gwen Morgan", "gwen@example.org"),
        ("Nobody Here", "nobody@bounce.test"),
    ] {
        let body = json!({"name": name, "email": email, "contact": true});
        assert!(app.sign("scrapsi445", &body).await.status().is_success());
    }
    // Two thank-you notes arrive; the third address's server refuses its own.
    let before = sink.wait_for(2).await.len();

    // A test goes at once to the organiser alone, written as signers will receive it, and
    // marked as a test; nothing is recorded and no signer hears of it.
    let update = json!({"kind": "news", "subject": "We met the Minister",
        "body": "We handed in **108,000** signatures.", "test": true});
    let tested = post_update(&app, &token, &update).await;
    assert_eq!(tested.status(), StatusCode::OK);
    assert_eq!(tested.headers()["cache-control"], "no-store");
    let tested: Value = tested.json().await.unwrap();
    assert_eq!(
        tested,
        json!({"test": true, "kind": "news", "subject": "We met the Minister",
            "sent_to": "organiser@article39.example"})
    );
    let messages = sink.messages();
    assert_eq!(messages.len(), before + 1, "one email, the test");
    let test = messages.last().unwrap();
    assert_eq!(recipient_of(test), "organiser@article39.example");
    assert_eq!(
        subject_of(test),
        "[Test] We met the Minister: Scrap SI 445: reinstate children's rights in care"
    );
    let text = text_of(test);
    assert!(text.starts_with("Hello,"), "{text}");
    assert!(
        text.contains("This is a test, sent to you alone."),
        "{text}"
    );
    assert!(
        text.contains("We handed in **108,000** signatures."),
        "{text}"
    );
    let html = html_of(test);
    assert!(
        html.contains("This is a test, sent to you alone."),
        "{html}"
    );
    assert!(html.contains("<strong>108,000</strong>"), "{html}");
    // Its unsubscribe link is there, as in signers' copies, and unsubscribes no one.
    let link = unsubscribe_link(test);
    let answered = app.client.post(&link).send().await.unwrap();
    assert_eq!(answered.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM signatures WHERE unsubscribed_at IS NOT NULL AND name <> $1",
            ""
        )
        .await,
        0
    );
    let listed = app
        .get_json("/v1/campaigns/scrapsi445/updates", Some(&token))
        .await;
    assert_eq!(listed["updates"], json!([]));
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM outbox WHERE kind = $1", "update")
            .await,
        0
    );
    // A test that is wrong is refused like the real thing, and sends nothing.
    let bad = post_update(
        &app,
        &token,
        &json!({"kind": "news", "subject": "", "body": "x", "test": true}),
    )
    .await;
    let problem = assert_problem(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(crate::helpers::fields_of(&problem), vec!["subject"]);
    let bad = post_update(
        &app,
        &token,
        &json!({"kind": "news", "subject": "Hi", "body": "x", "test": "yes"}),
    )
    .await;
    let problem = assert_problem(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(crate::helpers::fields_of(&problem), vec!["test"]);
    assert_eq!(sink.messages().len(), before + 1);
    // A draft, with no signers yet, can be tested, and in its own language.
    app.create_campaign(
        &token,
        json!({"slug": "draft-cy", "title": "Diddymu OS 445", "lang": "cy"}),
    )
    .await;
    let tested = app
        .post_json("/v1/campaigns/draft-cy/updates", &update, Some(&token))
        .await;
    assert_eq!(tested.status(), StatusCode::OK);
    let messages = sink.wait_for(before + 2).await;
    let welsh = messages.last().unwrap();
    assert_eq!(
        subject_of(welsh),
        "[Prawf] We met the Minister: Diddymu OS 445"
    );
    assert!(text_of(welsh).starts_with("Helo,"), "{}", text_of(welsh));

    // Sent for real: delivered to two; the third address's server refuses it for good, so
    // it is a bounce at once, never retried.
    let mut real = update.clone();
    real["test"] = json!(false);
    let news = send_update(&app, &token, real).await;
    assert_eq!(news["recipients"], 3);
    let id = news["id"].as_str().unwrap().to_owned();
    let status = sent(&app, &token, &id).await;
    assert_eq!(
        [
            &status["sent"],
            &status["bounced"],
            &status["failed"],
            &status["unsubscribed"]
        ],
        [&json!(2), &json!(1), &json!(0), &json!(0)],
        "{status}"
    );
    assert_eq!(
        app.scalar(
            "SELECT CAST(attempts AS BIGINT) FROM outbox WHERE refused = TRUE AND kind = $1",
            "update"
        )
        .await,
        1
    );
    // Siân unsubscribes from the email she received: counted against the update.
    let messages = sink
        .wait_until(
            |m| {
                m.iter()
                    .filter(|m| subject_of(m).starts_with("We met the Minister"))
                    .count()
                    == 2
            },
            "the two delivered updates",
        )
        .await;
    let sians = messages
        .iter()
        .find(|m| {
            subject_of(m).starts_with("We met the Minister")
                && recipient_of(m) == "sian@example.org"
        })
        .unwrap();
    assert_eq!(
        one_click(&app, &unsubscribe_link(sians)).await,
        StatusCode::OK
    );
    let status = sent(&app, &token, &id).await;
    assert_eq!(status["unsubscribed"], 1, "{status}");
    let listed = app
        .get_json("/v1/campaigns/scrapsi445/updates", Some(&token))
        .await;
    assert_eq!(listed["updates"][0]["bounced"], 1);
}

#[tokio::test]
async fn a_test_the_mail_server_does_not_take_is_a_502_and_records_nothing() {
    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let app = crate::helpers::spawn_app_with(|s| {
        s.smtp_url = Some(format!("smtp://127.0.0.1:{port}").into());
        s.mail_retry_seconds = 1;
    })
    .await;
    let token = app.open_campaign_with(json!({})).await;
    let failed = post_update(&app, &token, &json!({"kind": "outcome", "subject": "Revoked", "body": "SI 445 is revoked.", "test": true})).await;
    let problem = assert_problem(failed, StatusCode::BAD_GATEWAY, "mail-not-sent").await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("did not take the email"),
        "{problem}"
    );
    let listed = app
        .get_json("/v1/campaigns/scrapsi445/updates", Some(&token))
        .await;
    assert_eq!(listed["updates"], json!([]));
}
