use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{assert_problem, fields_of, signer, spawn_app, spawn_app_with};
use crate::smtp::{SmtpSink, html_of, recipient_of, subject_of, text_of, token_in};

const ACCEPTED: &str = r#"{"confirmation_required":true,"held_for_review":false,"parent_confirms":false,"status":"accepted"}"#;

async fn stored_signatures(app: &crate::helpers::TestApp, slug: &str) -> i64 {
    app.scalar(
        "SELECT COUNT(*) FROM signatures s JOIN campaigns c ON c.id = s.campaign_id
         WHERE c.slug = $1 AND s.status IN ('pending', 'confirmed')",
        slug,
    )
    .await
}

#[tokio::test]
async fn a_supporter_signs_and_confirms_through_a_real_smtp_server() {
    let sink = SmtpSink::start().await;
    let app = spawn_app_with(|s| s.smtp_url = Some(sink.url().into())).await;
    app.open_campaign_with(json!({})).await;

    let response = app
        .sign("scrapsi445", &json!({"name": "Siân Lloyd", "email": "Sian.Lloyd@Example.ORG", "postcode": "cf10 1aa"}))
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    assert_eq!(response.text().await.unwrap(), ACCEPTED);
    app.expect_count("scrapsi445", 0, 1).await;

    let messages = sink.wait_for(1).await;
    let message = &messages[0];
    assert_eq!(recipient_of(message), "sian.lloyd@example.org");
    assert!(
        subject_of(message).contains("Scrap SI 445"),
        "{}",
        subject_of(message)
    );
    let text = text_of(message);
    assert!(text.contains("Hello Siân Lloyd"), "{text}");
    let link_base = format!("{}/confirm/", app.address);
    assert!(text.contains(&link_base), "{text}");
    assert!(html_of(message).contains(&link_base));
    assert!(
        token_in(&text, "withdraw").is_some(),
        "every email can withdraw"
    );
    let token = token_in(&text, "confirm").expect("a confirmation link");

    // Opening the link (as a mail scanner would) confirms nothing.
    let page = app.get(&format!("/confirm/{token}"), None).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    assert!(
        page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    let html = page.text().await.unwrap();
    assert!(
        html.contains(&format!("action=\"/confirm/{token}?lang=en\"")),
        "{html}"
    );
    assert!(html.contains("method=\"post\""));
    app.expect_total("scrapsi445", 0).await;

    // The page's button confirms.
    let confirmed = app
        .client
        .post(app.url(&format!("/confirm/{token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(confirmed.status(), StatusCode::OK);
    assert_eq!(confirmed.headers()["referrer-policy"], "no-referrer");
    assert!(
        confirmed.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("script-src 'self'")
    );
    let confirmed = confirmed.text().await.unwrap();
    assert!(confirmed.contains("Thank you: your signature is confirmed"));
    // The count it joined, and one clear ask to share, by plain links.
    assert!(
        confirmed.contains(">1</strong> <span id=\"count-noun\""),
        "{confirmed}"
    );
    assert!(confirmed.contains("One more voice makes a difference"));
    for link in [
        "mailto:?subject=",
        "https://wa.me/?text=",
        "id=\"share-native\" hidden",
    ] {
        assert!(confirmed.contains(link), "{link}: {confirmed}");
    }
    assert!(
        confirmed.contains(&format!("value=\"{}/c/scrapsi445\"", app.address)),
        "the campaign's own link, to copy: {confirmed}"
    );
    // Not a dead end: it names the campaign and leads back to its page, not the bare form.
    assert!(
        confirmed.contains(
            "<a href=\"/c/scrapsi445?lang=en\">Back to the campaign: Scrap SI 445: reinstate children&#39;s rights in care</a>"
        ),
        "{confirmed}"
    );
    assert!(!confirmed.contains("/embed/scrapsi445"), "{confirmed}");
    app.expect_count("scrapsi445", 1, 0).await;

    // Confirming again, through the API this time, is harmless.
    let again = app
        .post_json("/v1/signatures/confirm", &json!({"token": token}), None)
        .await;
    assert_eq!(again.status(), StatusCode::OK);
    let body: Value = again.json().await.unwrap();
    assert_eq!(body["status"], "confirmed");
    app.expect_total("scrapsi445", 1).await;

    // Stored as typed, with the postcode normalised and only its hash as the dedup key.
    let rows = app
        .texts(
            "SELECT s.name, s.email, s.postcode, s.postcode_area, s.country, s.status, s.email_hash
             FROM signatures s JOIN campaigns c ON c.id = s.campaign_id WHERE c.slug = $1",
            "scrapsi445",
        )
        .await;
    let row = &rows[0];
    assert_eq!(row[0].as_deref(), Some("Siân Lloyd"));
    assert_eq!(row[1].as_deref(), Some("sian.lloyd@example.org"));
    assert_eq!(row[2].as_deref(), Some("CF10 1AA"));
    assert_eq!(row[3].as_deref(), Some("CF"));
    assert_eq!(row[4].as_deref(), Some("GB"));
    assert_eq!(row[5].as_deref(), Some("confirmed"));
    assert!(!row[6].as_deref().unwrap().contains("example"));

    // Tokens are stored only as hashes.
    let clear = app
        .scalar(
            "SELECT COUNT(*) FROM signature_tokens WHERE token_hash = $1",
            &token,
        )
        .await;
    assert_eq!(clear, 0);
}

#[tokio::test]
async fn without_smtp_emails_are_written_to_the_outbox_directory() {
    let app = spawn_app().await;
    app.open_campaign_with(json!({})).await;
    let response = app
        .sign("scrapsi445", &signer("Jenny Molloy", "jenny@example.org"))
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let messages = app.outbox_messages(1).await;
    assert_eq!(messages.len(), 1);
    assert_eq!(recipient_of(&messages[0]), "jenny@example.org");
    let token = token_in(&text_of(&messages[0]), "confirm").expect("a confirmation link");
    // The file as written holds each link whole on one line, to copy from a text editor.
    let link = format!("{}/confirm/{token}", app.address);
    assert!(
        messages[0].lines().any(|line| line.contains(&link)),
        "the link is not whole on one line:\n{}",
        messages[0]
    );
    let confirmed = app
        .post_json("/v1/signatures/confirm", &json!({"token": token}), None)
        .await;
    assert_eq!(confirmed.status(), StatusCode::OK);
    app.expect_total("scrapsi445", 1).await;
}

#[tokio::test]
async fn unknown_or_malformed_tokens_are_404() {
    let app = spawn_app().await;
    for token in ["x".repeat(43), "short".into()] {
        let response = app
            .post_json("/v1/signatures/confirm", &json!({"token": token}), None)
            .await;
        assert_problem(response, StatusCode::NOT_FOUND, "token-not-found").await;
        let response = app
            .post_json("/v1/signatures/withdraw", &json!({"token": token}), None)
            .await;
        assert_problem(response, StatusCode::NOT_FOUND, "token-not-found").await;
        let page = app.get(&format!("/confirm/{token}"), None).await;
        assert_eq!(page.status(), StatusCode::NOT_FOUND);
        assert!(page.text().await.unwrap().contains("does not work"));
    }
}

#[tokio::test]
async fn a_withdrawn_signature_stops_counting_its_data_is_erased_and_it_may_sign_again() {
    let app = spawn_app().await;
    app.open_campaign_with(json!({"require_confirmation": false}))
        .await;
    let response = app
        .sign(
            "scrapsi445",
            &signer("Pete Bentley", "pete@nagalro.example"),
        )
        .await;
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"confirmation_required":false,"held_for_review":false,"parent_confirms":false,"status":"accepted"}"#
    );
    app.expect_total("scrapsi445", 1).await;

    let messages = app.outbox_messages(1).await;
    assert!(subject_of(&messages[0]).starts_with("Thank you"));
    let text = text_of(&messages[0]);
    assert!(token_in(&text, "confirm").is_none(), "nothing to confirm");
    let token = token_in(&text, "withdraw").expect("a withdrawal link");

    let page = app.get(&format!("/withdraw/{token}"), None).await;
    let page = page.text().await.unwrap();
    assert!(page.contains("Withdraw my signature"));
    assert!(
        page.contains("<a href=\"/c/scrapsi445?lang=en\">"),
        "{page}"
    );
    app.expect_total("scrapsi445", 1).await;

    let withdrawn = app
        .client
        .post(app.url(&format!("/withdraw/{token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(withdrawn.status(), StatusCode::OK);
    let withdrawn = withdrawn.text().await.unwrap();
    assert!(
        withdrawn.contains("<a href=\"/c/scrapsi445?lang=en\">Back to the campaign: "),
        "{withdrawn}"
    );
    app.expect_total("scrapsi445", 0).await;
    let again = app
        .post_json("/v1/signatures/withdraw", &json!({"token": token}), None)
        .await;
    assert_eq!(
        again.status(),
        StatusCode::OK,
        "withdrawing twice is harmless"
    );
    app.expect_total("scrapsi445", 0).await;

    let rows = app
        .texts(
            "SELECT s.name, s.email, s.postcode, s.status FROM signatures s
             JOIN campaigns c ON c.id = s.campaign_id WHERE c.slug = $1",
            "scrapsi445",
        )
        .await;
    assert_eq!(
        rows,
        vec![vec![None, None, None, Some("withdrawn".to_owned())]]
    );

    let resign = app
        .sign(
            "scrapsi445",
            &signer("Pete Bentley", "pete@nagalro.example"),
        )
        .await;
    assert_eq!(resign.status(), StatusCode::ACCEPTED);
    app.expect_total("scrapsi445", 1).await;
}

#[tokio::test]
async fn fifty_concurrent_attempts_with_one_email_make_one_signature() {
    let app = spawn_app_with(|s| s.sign_per_minute_per_campaign = 1000).await;
    app.open_campaign_with(json!({"require_confirmation": false}))
        .await;
    let spellings = [
        "carolyne@article39.example",
        "Carolyne@Article39.example",
        " CAROLYNE@ARTICLE39.EXAMPLE ",
    ];
    let attempts = (0..50).map(|i| {
        let body = signer("Carolyne Willow", spellings[i % spellings.len()]);
        let app = &app;
        async move {
            let response = app.sign("scrapsi445", &body).await;
            (response.status(), response.text().await.unwrap())
        }
    });
    let answers = futures_util::future::join_all(attempts).await;
    let first = answers[0].clone();
    assert_eq!(first.0, StatusCode::ACCEPTED);
    assert!(
        answers.iter().all(|a| *a == first),
        "every answer is the same"
    );
    assert_eq!(stored_signatures(&app, "scrapsi445").await, 1);
    app.expect_total("scrapsi445", 1).await;
}

#[tokio::test]
async fn a_new_and_a_repeated_signature_get_byte_identical_answers() {
    let app = spawn_app().await;
    app.open_campaign_with(json!({})).await;
    let first = app
        .sign("scrapsi445", &signer("Ben Twomey", "ben@nyas.example"))
        .await;
    let second = app
        .sign("scrapsi445", &signer("Ben Twomey", "BEN@nyas.example"))
        .await;
    assert_eq!(first.status(), second.status());
    let strip = |r: &reqwest::Response| {
        let mut headers: Vec<(String, String)> = r
            .headers()
            .iter()
            .filter(|(k, _)| {
                !matches!(
                    k.as_str(),
                    "date" | "ratelimit-remaining" | "ratelimit-reset"
                )
            })
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_owned()))
            .collect();
        headers.sort();
        headers
    };
    assert_eq!(strip(&first), strip(&second));
    assert_eq!(first.bytes().await.unwrap(), second.bytes().await.unwrap());
    assert_eq!(stored_signatures(&app, "scrapsi445").await, 1);
}

#[tokio::test]
async fn a_filled_honeypot_is_answered_alike_stored_as_spam_and_never_counted() {
    let app = spawn_app().await;
    app.open_campaign_with(json!({"require_confirmation": false}))
        .await;
    let mut bot = signer("Totally Human", "bot@spam.example");
    bot["nickname"] = json!("Spammy McSpamface");
    let response = app.sign("scrapsi445", &bot).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"confirmation_required":false,"held_for_review":false,"parent_confirms":false,"status":"accepted"}"#
    );
    app.expect_total("scrapsi445", 0).await;
    let spam = app
        .scalar(
            "SELECT COUNT(*) FROM signatures WHERE status = 'spam' AND email = $1",
            "bot@spam.example",
        )
        .await;
    assert_eq!(spam, 1);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        app.outbox_messages(0).await.is_empty(),
        "a bot gets no email"
    );
}

#[tokio::test]
async fn repeated_attempts_send_at_most_three_emails() {
    let sink = SmtpSink::start().await;
    let app = spawn_app_with(|s| s.smtp_url = Some(sink.url().into())).await;
    app.open_campaign_with(json!({})).await;
    for _ in 0..6 {
        let response = app
            .sign("scrapsi445", &signer("Karen Goodman", "karen@swwb.example"))
            .await;
        assert_eq!(response.status(), StatusCode::ACCEPTED);
    }
    let messages = sink.wait_for(3).await;
    // Each reminder while pending carries a fresh confirmation link.
    let tokens: Vec<_> = messages
        .iter()
        .map(|m| token_in(&text_of(m), "confirm").unwrap())
        .collect();
    assert_eq!(tokens.len(), 3);
    assert!(tokens[0] != tokens[1] && tokens[1] != tokens[2]);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(sink.messages().len(), 3);
    let queued = app
        .scalar(
            "SELECT COUNT(*) FROM outbox o JOIN signatures s ON s.id = o.signature_id
             WHERE s.email = $1",
            "karen@swwb.example",
        )
        .await;
    assert_eq!(queued, 3);

    // Once confirmed, a repeat gets "you have already signed" (if the cap allows; here it does not).
    let confirmed = app
        .post_json("/v1/signatures/confirm", &json!({"token": tokens[2]}), None)
        .await;
    assert_eq!(confirmed.status(), StatusCode::OK);
    app.expect_total("scrapsi445", 1).await;
}

#[tokio::test]
async fn a_repeat_after_confirming_is_told_it_already_signed() {
    let app = spawn_app().await;
    app.open_campaign_with(json!({})).await;
    app.sign(
        "scrapsi445",
        &signer("Natalie Williams", "natalie@crae.example"),
    )
    .await;
    let token = token_in(&text_of(&app.outbox_messages(1).await[0]), "confirm").unwrap();
    app.post_json("/v1/signatures/confirm", &json!({"token": token}), None)
        .await;
    app.sign(
        "scrapsi445",
        &signer("Natalie Williams", "natalie@crae.example"),
    )
    .await;
    let messages = app.outbox_messages(2).await;
    let subjects: Vec<String> = messages.iter().map(|m| subject_of(m)).collect();
    assert!(
        subjects
            .iter()
            .any(|s| s.starts_with("You have already signed")),
        "{subjects:?}"
    );
    app.expect_total("scrapsi445", 1).await;
}

#[tokio::test]
async fn every_invalid_field_is_named_and_nothing_is_stored() {
    let app = spawn_app().await;
    app.open_campaign_with(json!({})).await;
    let cases = [
        (json!({"name": "", "email": "a@example.org"}), vec!["name"]),
        (
            json!({"name": "A\u{0}B", "email": "a@example.org"}),
            vec!["name"],
        ),
        (
            json!({"name": "x".repeat(201), "email": "a@example.org"}),
            vec!["name"],
        ),
        (
            json!({"name": "Ann", "email": "not-an-email"}),
            vec!["email"],
        ),
        (
            json!({"name": "Ann", "email": "a@example.org", "postcode": "XYZ"}),
            vec!["postcode"],
        ),
        (
            json!({"name": "Ann", "email": "a@example.org", "country": "Atlantis"}),
            vec!["country"],
        ),
        (
            json!({"name": "Ann", "email": "a@example.org", "country": "FR", "postcode": "SW1A 1AA"}),
            vec!["postcode"],
        ),
        (
            json!({"name": "Ann", "email": "a@example.org", "source": "Not Valid"}),
            vec!["source"],
        ),
        (
            json!({"name": "Ann", "email": "a@example.org", "organisation": "NYAS"}),
            vec!["organisation"],
        ),
        (
            json!({"name": "Ann", "email": "a@example.org", "public": "yes"}),
            vec!["public"],
        ),
        (
            json!({"name": "Ann", "email": "a@example.org", "consent_version": 9}),
            vec!["consent_version"],
        ),
        (
            json!({"name": "Ann", "email": "a@example.org", "favourite_colour": "red"}),
            vec!["favourite_colour"],
        ),
        (json!({"email": "a@example.org"}), vec!["name"]),
        (json!({"name": "", "email": ""}), vec!["name", "email"]),
    ];
    for (body, fields) in cases {
        let response = app.sign("scrapsi445", &body).await;
        let problem =
            assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
        assert_eq!(fields_of(&problem), fields, "{body}");
    }
    assert_eq!(stored_signatures(&app, "scrapsi445").await, 0);
    let not_json = app
        .client
        .post(app.url("/v1/campaigns/scrapsi445/signatures"))
        .header("content-type", "application/json")
        .body(&b"{\"name\": \"\xff\"}"[..])
        .send()
        .await
        .unwrap();
    assert_problem(not_json, StatusCode::BAD_REQUEST, "malformed-body").await;
}

#[tokio::test]
async fn welsh_right_to_left_emoji_and_formula_names_are_kept_exactly() {
    let app = spawn_app_with(|s| s.sign_per_minute_per_campaign = 100).await;
    app.open_campaign_with(json!({"require_confirmation": false}))
        .await;
    let names = [
        "Siân Ffion ap Gwilym",
        "محمد الأحمد",
        "Zoë 🌈",
        "李雷",
        "=HYPERLINK(\"http://x\",\"y\")",
    ];
    for (i, name) in names.iter().enumerate() {
        let response = app
            .sign(
                "scrapsi445",
                &signer(name, &format!("signer{i}@example.org")),
            )
            .await;
        assert_eq!(response.status(), StatusCode::ACCEPTED);
    }
    for (i, name) in names.iter().enumerate() {
        let stored = app
            .texts(
                "SELECT name FROM signatures WHERE email = $1",
                &format!("signer{i}@example.org"),
            )
            .await;
        assert_eq!(stored[0][0].as_deref(), Some(*name));
    }
    app.expect_total("scrapsi445", names.len() as u64).await;
}

#[tokio::test]
async fn closed_draft_and_unknown_campaigns_refuse_signatures() {
    let app = spawn_app().await;
    let token = app.open_campaign_with(json!({})).await;
    app.create_campaign(&token, json!({"slug": "still-a-draft"}))
        .await;
    let unknown = app
        .sign("no-such-campaign", &signer("Ann", "ann@example.org"))
        .await;
    assert_problem(unknown, StatusCode::NOT_FOUND, "not-found").await;
    let draft = app
        .sign("still-a-draft", &signer("Ann", "ann@example.org"))
        .await;
    assert_problem(draft, StatusCode::NOT_FOUND, "not-found").await;

    app.patch_json(
        "/v1/campaigns/scrapsi445",
        &json!({"status": "closed"}),
        &token,
    )
    .await;
    let closed = app
        .sign("scrapsi445", &signer("Ann", "ann@example.org"))
        .await;
    assert_problem(closed, StatusCode::CONFLICT, "campaign-closed").await;
    assert_eq!(stored_signatures(&app, "scrapsi445").await, 0);
}

#[tokio::test]
async fn signing_is_rate_limited_per_address_with_the_headers_a_client_needs() {
    let app = spawn_app_with(|s| s.sign_per_minute_per_campaign = 3).await;
    app.open_campaign_with(json!({})).await;
    for i in 0..3 {
        let response = app
            .sign("scrapsi445", &signer("Ann", &format!("ann{i}@example.org")))
            .await;
        assert_eq!(response.status(), StatusCode::ACCEPTED);
        assert_eq!(response.headers()["ratelimit-limit"], "3");
        assert_eq!(
            response.headers()["ratelimit-remaining"],
            (2 - i).to_string().as_str()
        );
    }
    // A client that forges X-Forwarded-For is still itself: the peer is not a trusted proxy.
    let forged = app
        .client
        .post(app.url("/v1/campaigns/scrapsi445/signatures"))
        .header("X-Forwarded-For", "198.51.100.23")
        .json(&signer("Ann", "ann-forged@example.org"))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = forged.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after));
    assert_eq!(forged.headers()["ratelimit-remaining"], "0");
    assert_problem(forged, StatusCode::TOO_MANY_REQUESTS, "rate-limited").await;
    assert_eq!(stored_signatures(&app, "scrapsi445").await, 3);

    // Another campaign from the same address still works: the per-campaign limit is its own.
    let token = app.login("organiser@article39.example").await;
    app.create_campaign(&token, json!({"slug": "open-to-all"}))
        .await;
    app.open_campaign(&token, "open-to-all").await;
    let elsewhere = app
        .sign("open-to-all", &signer("Ann", "ann@example.org"))
        .await;
    assert_eq!(elsewhere.status(), StatusCode::ACCEPTED);
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_limit() {
    let app = spawn_app_with(|s| {
        s.sign_per_minute_per_campaign = 1;
        s.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    app.open_campaign_with(json!({})).await;
    for client in ["203.0.113.1", "203.0.113.2"] {
        let response = app
            .client
            .post(app.url("/v1/campaigns/scrapsi445/signatures"))
            .header("X-Forwarded-For", client)
            .json(&signer("Ann", &format!("{client}@example.org")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::ACCEPTED, "{client}");
    }
    let again = app
        .client
        .post(app.url("/v1/campaigns/scrapsi445/signatures"))
        .header("X-Forwarded-For", "203.0.113.1")
        .json(&signer("Ann", "again@example.org"))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn consent_is_recorded_with_the_wording_shown_and_soft_opt_in_defaults_to_contact() {
    let app = spawn_app().await;
    let token = app
        .open_campaign_with(json!({"contact_basis": "soft_opt_in", "require_confirmation": false}))
        .await;
    let campaign: Value = app
        .get("/v1/campaigns/scrapsi445", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(campaign["consent"]["version"], 1, "{campaign}");
    assert_eq!(campaign["consent"]["contact_basis"], "soft_opt_in");
    let first_words = campaign["consent"]["contact_text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(first_words.contains("Untick"));

    app.sign(
        "scrapsi445",
        &signer("Default Contact", "default@example.org"),
    )
    .await;
    let mut opted_out = signer("Opted Out", "out@example.org");
    opted_out["contact"] = json!(false);
    app.sign("scrapsi445", &opted_out).await;

    let edit =
        json!({"consent_contact_text": "We may email you about our work for children in care."});
    let edited: Value = app
        .patch_json("/v1/campaigns/scrapsi445", &edit, &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(edited["consent"]["version"], 2);
    let mut later = signer("Later Signer", "later@example.org");
    later["public"] = json!(true);
    app.sign("scrapsi445", &later).await;

    let rows = app
        .texts(
            "SELECT s.email, CAST(s.contact AS TEXT), CAST(s.public AS TEXT), w.contact_text
             FROM signatures s
             JOIN consent_wordings w ON w.campaign_id = s.campaign_id AND w.version = s.consent_version
             WHERE s.email LIKE $1 ORDER BY s.email",
            "%@example.org",
        )
        .await;
    let truthy = |v: &Option<String>| matches!(v.as_deref(), Some("1" | "true"));
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0][0].as_deref(), Some("default@example.org"));
    assert!(truthy(&rows[0][1]), "soft opt-in: contact unless refused");
    assert_eq!(
        rows[0][3].as_deref(),
        Some(first_words.as_str()),
        "the words they saw"
    );
    assert_eq!(rows[1][0].as_deref(), Some("later@example.org"));
    assert!(truthy(&rows[1][2]));
    assert_eq!(
        rows[1][3].as_deref(),
        Some("We may email you about our work for children in care.")
    );
    assert_eq!(rows[2][0].as_deref(), Some("out@example.org"));
    assert!(!truthy(&rows[2][1]));
    assert!(!truthy(&rows[2][2]), "public is an explicit opt-in");
}

#[tokio::test]
async fn organisations_on_a_letter_are_checked_for_duplicates() {
    let app = spawn_app().await;
    app.open_campaign_with(json!({"slug": "letter-to-the-minister", "kind": "letter", "recipient": "Children's Minister"}))
        .await;
    let organisation = |name: &str, org: &str, email: &str| json!({"name": name, "email": email, "signatory_type": "organisation", "organisation": org, "role": "Director"});
    for body in [
        organisation(
            "Carolyne Willow",
            "Article 39",
            "carolyne@article39.example",
        ),
        organisation("Someone Else", "ARTICLE-39 Ltd", "office@article39.example"),
        organisation("Ben Twomey", "NYAS", "ben@nyas.example"),
    ] {
        let response = app.sign("letter-to-the-minister", &body).await;
        assert_eq!(response.status(), StatusCode::ACCEPTED);
    }
    let missing = app
        .sign(
            "letter-to-the-minister",
            &json!({"name": "No Org", "email": "x@example.org", "signatory_type": "organisation"}),
        )
        .await;
    let problem = assert_problem(missing, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(fields_of(&problem), ["organisation"]);

    let rows = app
        .texts(
            "SELECT s.organisation, CAST(s.possible_duplicate AS TEXT), s.signatory_type, s.role
             FROM signatures s JOIN campaigns c ON c.id = s.campaign_id WHERE c.slug = $1
             ORDER BY s.email",
            "letter-to-the-minister",
        )
        .await;
    let duplicate = |i: usize| matches!(rows[i][1].as_deref(), Some("1" | "true"));
    // Ordered by email: ben@nyas, carolyne@article39, office@article39.
    assert_eq!(rows[0][0].as_deref(), Some("NYAS"));
    assert!(!duplicate(0));
    assert!(duplicate(1) && duplicate(2));
    assert_eq!(rows[1][2].as_deref(), Some("organisation"));
    assert_eq!(rows[1][3].as_deref(), Some("Director"));
}

#[tokio::test]
async fn signing_metrics_are_exported() {
    let app = spawn_app().await;
    app.open_campaign_with(json!({})).await;
    app.sign("scrapsi445", &signer("Ann", "ann@example.org"))
        .await;
    app.sign("scrapsi445", &signer("Ann", "ann@example.org"))
        .await;
    app.outbox_messages(1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let text = app.metrics().await;
    assert!(
        text.contains(r#"undersigned_signatures_total{event="recorded"} 1"#),
        "{text}"
    );
    assert!(text.contains(r#"undersigned_signatures_total{event="duplicate"} 1"#));
    assert!(text.contains(r#"undersigned_emails_total{outcome="sent"} 2"#));
}

#[tokio::test]
async fn a_confirmation_link_lasts_seven_days_and_then_confirms_nothing() {
    let app = spawn_app().await;
    app.open_campaign_with(json!({})).await;
    app.sign("scrapsi445", &signer("Ann", "ann@example.org"))
        .await;
    let token = token_in(&text_of(&app.outbox_messages(1).await[0]), "confirm").unwrap();
    let expiry = app
        .texts(
            "SELECT CAST(expires_at AS TEXT) FROM signature_tokens WHERE purpose = $1",
            "confirm",
        )
        .await;
    let in_seven_days = (chrono::Utc::now() + chrono::Duration::days(7))
        .format("%Y-%m-%d")
        .to_string();
    assert!(
        expiry[0][0].as_deref().unwrap().starts_with(&in_seven_days),
        "{expiry:?}"
    );

    // Age the link past its lifetime: its expiry becomes the moment of signing, now past.
    app.execute(
        "UPDATE signature_tokens SET expires_at =
             (SELECT signed_at FROM signatures WHERE signatures.id = signature_tokens.signature_id)
         WHERE purpose = $1",
        "confirm",
    )
    .await;
    let response = app
        .post_json("/v1/signatures/confirm", &json!({"token": token}), None)
        .await;
    assert_problem(response, StatusCode::NOT_FOUND, "token-not-found").await;
    assert_eq!(
        app.get(&format!("/confirm/{token}"), None).await.status(),
        StatusCode::NOT_FOUND
    );
    app.expect_count("scrapsi445", 0, 1).await;
}

#[tokio::test]
async fn a_country_is_taken_by_its_name_or_as_uk() {
    let app = spawn_app().await;
    app.open_campaign_with(json!({})).await;
    for (i, (given, stored)) in [
        ("UK", "GB"),
        ("Ireland", "IE"),
        ("wales", "GB"),
        ("FR", "FR"),
    ]
    .into_iter()
    .enumerate()
    {
        let body = json!({"name": "Ann", "email": format!("ann{i}@example.org"), "country": given});
        let response = app.sign("scrapsi445", &body).await;
        assert_eq!(response.status(), StatusCode::ACCEPTED, "{given}");
        let rows = app
            .texts(
                "SELECT country FROM signatures WHERE email = $1",
                &format!("ann{i}@example.org"),
            )
            .await;
        assert_eq!(rows, vec![vec![Some(stored.to_owned())]], "{given}");
    }
    let refused = app
        .sign(
            "scrapsi445",
            &json!({"name": "Ann", "email": "x@example.org", "country": "Atlantis"}),
        )
        .await;
    let problem = assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(fields_of(&problem), ["country"]);
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Choose your country"),
        "{problem}"
    );
}

#[tokio::test]
async fn empty_optional_fields_are_taken_as_absent() {
    let app = spawn_app().await;
    app.open_campaign_with(json!({"slug": "letter-to-the-minister", "kind": "letter", "recipient": "Children's Minister"}))
        .await;
    // As a partner's form sends them: every field present, the unfilled ones empty.
    let individual = json!({"name": "Siân Lloyd", "email": "sian@example.org",
        "signatory_type": "", "organisation": "", "role": " ", "postcode": "", "country": "",
        "source": "", "nickname": "", "website": ""});
    let response = app.sign("letter-to-the-minister", &individual).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let rows = app
        .texts(
            "SELECT s.signatory_type, s.organisation, s.role, s.postcode, s.country, s.status
             FROM signatures s JOIN campaigns c ON c.id = s.campaign_id WHERE c.slug = $1",
            "letter-to-the-minister",
        )
        .await;
    assert_eq!(rows.len(), 1, "the empty honeypot is no bot");
    let stored: Vec<Option<&str>> = rows[0].iter().map(|v| v.as_deref()).collect();
    assert_eq!(
        stored,
        [
            Some("individual"),
            None,
            None,
            None,
            Some("GB"),
            Some("pending")
        ]
    );
    // An organisation left empty is still missing where an organisation signs.
    let missing = app
        .sign(
            "letter-to-the-minister",
            &json!({"name": "No Org", "email": "x@example.org", "signatory_type": "organisation", "organisation": ""}),
        )
        .await;
    let problem = assert_problem(missing, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(fields_of(&problem), ["organisation"]);
}
