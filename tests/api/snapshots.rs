//! Every page a supporter sees and every email they receive, in English and in Welsh, as
//! snapshots (`tests/api/snapshots/`): a change to any of them shows in review as a diff of
//! what people read. Tokens, ids, dates and addresses that differ from run to run are blanked.
//! `INSTA_UPDATE=always cargo test snapshots` writes them anew after an intended change.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, scrapsi445, spawn_app};
use crate::smtp::{html_of, recipient_of, subject_of, text_of, token_in};

/// What differs between runs, blanked.
fn filters() -> Vec<(&'static str, &'static str)> {
    vec![
        (r"http://127\.0\.0\.1:\d+", "http://[host]"),
        (r"127%2E0%2E0%2E1%3A\d+", "[host]"),
        (r"/unsubscribe/[0-9a-f]{64}", "/unsubscribe/[token]"),
        (
            r"/(confirm|withdraw|renew)/[A-Za-z0-9_-]{16,}",
            "/$1/[token]",
        ),
        (
            r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
            "[uuid]",
        ),
        (r"\b[0-9a-f]{64}\b", "[sha256]"),
        (
            r#"name="started" value="[^"]*""#,
            r#"name="started" value="[stamp]""#,
        ),
        (
            r"\b\d{1,2} (January|February|March|April|May|June|July|August|September|October|November|December|Ionawr|Chwefror|Mawrth|Ebrill|Mai|Mehefin|Gorffennaf|Awst|Medi|Hydref|Tachwedd|Rhagfyr) \d{4}\b",
            "[date]",
        ),
    ]
}

fn snapshot(name: &str, text: &str) {
    let mut settings = insta::Settings::clone_current();
    for (pattern, replacement) in filters() {
        settings.add_filter(pattern, replacement);
    }
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!(name, text));
}

async fn page(app: &TestApp, path: &str) -> String {
    let response = app.get(path, None).await;
    let status = response.status();
    let body = response.text().await.unwrap();
    format!("{status}\n{body}")
}

async fn post_page(app: &TestApp, path: &str) -> String {
    let response = app.client.post(app.url(path)).send().await.unwrap();
    let status = response.status();
    format!("{status}\n{}", response.text().await.unwrap())
}

/// The email to `to` whose subject holds `subject`, waiting up to 10 s for it.
async fn email(app: &TestApp, to: &str, subject: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let found = app
            .outbox_messages(0)
            .await
            .into_iter()
            .find(|m| recipient_of(m) == to && subject_of(m).contains(subject));
        if let Some(message) = found {
            return message;
        }
        assert!(
            Instant::now() < deadline,
            "no email to {to} about {subject}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// An email as its reader gets it: the headers they see, then each part.
fn as_received(message: &str) -> String {
    let parsed = mail_parser::MessageParser::default()
        .parse(message.as_bytes())
        .unwrap();
    let header = |name: &str| {
        parsed
            .header_raw(name)
            .map(|v| format!("{name}: {}\n", v.trim()))
            .unwrap_or_default()
    };
    format!(
        "{}{}{}{}{}\n--- text/plain ---\n{}\n--- text/html ---\n{}",
        header("From"),
        header("To"),
        header("Subject"),
        header("List-Unsubscribe"),
        header("List-Unsubscribe-Post"),
        text_of(message),
        html_of(message),
    )
}

async fn sign(app: &TestApp, slug: &str, body: Value) {
    let response = app.sign(slug, &body).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED, "{body}");
}

#[tokio::test]
async fn every_page_and_email_in_english_and_welsh() {
    let app = spawn_app().await;
    let token = app
        .organiser("snapshots@togetherforchildren.example", false)
        .await;
    app.patch_json(
        "/v1/users/me",
        &json!({"organiser": {"colour": "#1d3557", "website": "https://togetherforchildren.org.uk"}}),
        &token,
    )
    .await;
    // Emails go out under the name an admin gave the account.
    let admin = app
        .organiser("admin@togetherforchildren.example", true)
        .await;
    let me = app.get_json("/v1/users/me", Some(&token)).await;
    let named = app
        .patch_json(
            &format!("/v1/users/{}", me["id"].as_str().unwrap()),
            &json!({"sender_name": "Together for Children"}),
            &admin,
        )
        .await;
    assert!(named.status().is_success());
    let mut petition = scrapsi445();
    petition["require_confirmation"] = json!(true);
    petition["translations"] =
        json!({"cy": {"title": "Dileu OS 445: adfer hawliau plant mewn gofal"}});
    app.create_campaign(&token, petition).await;
    app.open_campaign(&token, "scrapsi445").await;
    let letter = json!({
        "slug": "letter", "kind": "letter", "require_confirmation": false,
        "title": "A letter to the Children's Minister", "summary": "Restore the protections SI 445 removed.",
        "body": "Dear Minister,\n\nWe ask you to **revoke SI 445**.", "recipient": "The Children's Minister",
        "target": null, "milestones": [], "allowed_origins": [],
        "organiser": crate::helpers::together_for_children(),
        "targets": [{"name": "Children's Minister", "role": "Minister for Children", "email": "minister@education.example"}],
    });
    app.create_campaign(&token, letter).await;
    app.open_campaign(&token, "letter").await;
    let pledge = json!({
        "slug": "pledge", "kind": "pledge", "title": "Open to All",
        "summary": "Charities that keep their services open to every child.",
        "body": "We pledge that our services are **open to all**.", "target": null, "milestones": [],
        "renew_after_months": 12,
        "allowed_origins": [], "organiser": crate::helpers::together_for_children(),
    });
    app.create_campaign(&token, pledge).await;
    app.open_campaign(&token, "pledge").await;
    let young = json!({
        "slug": "young", "kind": "petition", "title": "Listen to children in care",
        "summary": "Children's voices in decisions about them.", "body": "Every child in care is heard.",
        "target": null, "milestones": [], "allowed_origins": [], "young_signers": true,
        "require_confirmation": false, "organiser": crate::helpers::together_for_children(),
    });
    app.create_campaign(&token, young).await;
    app.open_campaign(&token, "young").await;

    // Signers in each language.
    for (lang, name, address) in [
        ("en", "Sam Jones", "sam@example.org"),
        ("cy", "Siân Evans", "sian@example.org"),
    ] {
        sign(&app, "scrapsi445", json!({"name": name, "email": address, "postcode": "CF10 1AA", "country": "GB", "lang": lang, "contact": true})).await;
        sign(&app, "letter", json!({"name": name, "email": address, "signatory_type": "individual", "role": "Social worker", "public": true, "contact": true, "lang": lang})).await;
        sign(&app, "young", json!({"name": "Elis", "email": format!("parent-{address}"), "age_band": "under-13", "lang": lang})).await;
    }
    sign(&app, "letter", json!({"name": "Carolyne Willow", "email": "carolyne@article39.example", "signatory_type": "organisation", "organisation": "Article 39", "role": "Director", "public": true})).await;
    sign(&app, "letter", json!({"name": "Sam Jones", "email": "sam@example.org", "signatory_type": "individual", "public": true})).await;
    sign(&app, "letter", json!({"name": "Siân Evans", "email": "sian@example.org", "signatory_type": "individual", "public": true, "lang": "cy"})).await;
    sign(&app, "pledge", json!({"name": "Carolyne Willow", "email": "pledge@article39.example", "signatory_type": "organisation", "organisation": "Article 39", "role": "Director", "website": "https://article39.org.uk", "public": true})).await;
    let pledge_confirm = token_in(
        &text_of(&email(&app, "pledge@article39.example", "confirm").await),
        "confirm",
    )
    .unwrap();
    app.client
        .post(app.url(&format!("/confirm/{pledge_confirm}")))
        .send()
        .await
        .unwrap();
    let listing = app
        .get_json("/v1/campaigns/letter/signatures", Some(&token))
        .await;
    for s in listing["signatures"].as_array().unwrap() {
        let id = s["id"].as_str().unwrap();
        app.patch_json(
            &format!("/v1/campaigns/letter/signatures/{id}"),
            &json!({"review": "approved"}),
            &token,
        )
        .await;
    }
    let listing = app
        .get_json("/v1/campaigns/pledge/signatures", Some(&token))
        .await;
    let pledger = listing["signatures"][0]["id"].as_str().unwrap().to_owned();
    app.patch_json(
        &format!("/v1/campaigns/pledge/signatures/{pledger}"),
        &json!({"review": "approved"}),
        &token,
    )
    .await;
    let update = app
        .post_json("/v1/campaigns/letter/updates", &json!({"kind": "news", "subject": "We met the Minister", "body": "Thank you: **108,000** of you signed."}), Some(&token))
        .await;
    assert_eq!(update.status(), StatusCode::CREATED);
    // A rehearsal (emailed to the organiser), then the real hand-in the page shows.
    for body in [json!({"rehearsal": true}), json!({"deliver": "none"})] {
        let handin = app
            .post_json("/v1/campaigns/letter/handins", &body, Some(&token))
            .await;
        assert_eq!(handin.status(), StatusCode::CREATED);
    }

    // The emails, as received.
    for (lang, address) in [("en", "sam@example.org"), ("cy", "sian@example.org")] {
        let confirm = email(
            &app,
            address,
            if lang == "en" {
                "confirm"
            } else {
                "Cadarnhewch"
            },
        )
        .await;
        snapshot(&format!("email_confirm_{lang}"), &as_received(&confirm));
        let thanks = email(
            &app,
            address,
            if lang == "en" { "Thank you" } else { "Diolch" },
        )
        .await;
        snapshot(&format!("email_thanks_{lang}"), &as_received(&thanks));
        let parent = email(&app, &format!("parent-{address}"), "").await;
        snapshot(&format!("email_parent_{lang}"), &as_received(&parent));
        let news = email(&app, address, "We met the Minister").await;
        snapshot(&format!("email_update_{lang}"), &as_received(&news));

        // The pages their links open, before and after the button.
        let text = text_of(&confirm);
        let confirm_token = token_in(&text, "confirm").unwrap();
        let withdraw_token = token_in(&text, "withdraw").unwrap();
        snapshot(
            &format!("page_confirm_{lang}"),
            &page(&app, &format!("/confirm/{confirm_token}?lang={lang}")).await,
        );
        snapshot(
            &format!("page_confirmed_{lang}"),
            &post_page(&app, &format!("/confirm/{confirm_token}?lang={lang}")).await,
        );
        snapshot(
            &format!("page_withdraw_{lang}"),
            &page(&app, &format!("/withdraw/{withdraw_token}?lang={lang}")).await,
        );
        snapshot(
            &format!("page_withdrawn_{lang}"),
            &post_page(&app, &format!("/withdraw/{withdraw_token}?lang={lang}")).await,
        );
        let unsubscribe = token_in(&text_of(&news), "unsubscribe").unwrap();
        snapshot(
            &format!("page_unsubscribe_{lang}"),
            &page(&app, &format!("/unsubscribe/{unsubscribe}?lang={lang}")).await,
        );
        snapshot(
            &format!("page_unsubscribed_{lang}"),
            &post_page(&app, &format!("/unsubscribe/{unsubscribe}?lang={lang}")).await,
        );
    }
    let again = email(&app, "sam@example.org", "already signed").await;
    snapshot("email_already_signed_en", &as_received(&again));
    let again = email(&app, "sian@example.org", "eisoes wedi llofnodi").await;
    snapshot("email_already_signed_cy", &as_received(&again));

    // Eleven months and more on, the pledger is asked to renew; the link's page and its answer.
    let later = app
        .another_instance(|s| s.renewal_clock_offset_days = 340)
        .await;
    let reminder = email(&app, "pledge@article39.example", "renew").await;
    snapshot("email_renew_en", &as_received(&reminder));
    let renew = token_in(&text_of(&reminder), "renew").unwrap();
    let renew_path = format!("/c/pledge/pledgers/{pledger}/renew/{renew}");
    for lang in ["en", "cy"] {
        let shown = app
            .client
            .get(later.url(&format!("{renew_path}?lang={lang}")))
            .send()
            .await
            .unwrap();
        snapshot(
            &format!("page_renew_{lang}"),
            &format!("{}\n{}", shown.status(), shown.text().await.unwrap()),
        );
    }
    let renewed = app
        .client
        .post(later.url(&renew_path))
        .send()
        .await
        .unwrap();
    snapshot(
        "page_renewed_en",
        &format!("{}\n{}", renewed.status(), renewed.text().await.unwrap()),
    );
    drop(later);
    let handed_in = email(&app, "snapshots@togetherforchildren.example", "Handed in").await;
    snapshot("email_handin_en", &as_received(&handed_in));

    // Every count has caught up with what is stored before a page shows it.
    for slug in ["scrapsi445", "letter", "pledge", "young"] {
        let stored = app
            .get_json(
                &format!("/v1/campaigns/{slug}/signatures/count"),
                Some(&token),
            )
            .await;
        app.expect_total(slug, stored["total"].as_u64().unwrap())
            .await;
    }

    // Every public page, in each language.
    let pledger_page = format!("/c/pledge/pledgers/{pledger}");
    let pages = [
        ("index", "/".to_owned()),
        ("index_closed", "/closed".to_owned()),
        ("campaign_petition", "/c/scrapsi445".to_owned()),
        ("campaign_letter", "/c/letter".to_owned()),
        ("campaign_pledge", "/c/pledge".to_owned()),
        ("campaign_young", "/c/young".to_owned()),
        ("campaign_missing", "/c/no-such-campaign".to_owned()),
        ("form", "/embed/scrapsi445".to_owned()),
        ("form_plain", "/embed/scrapsi445?style=plain".to_owned()),
        ("form_letter", "/embed/letter".to_owned()),
        ("form_missing", "/embed/no-such-campaign".to_owned()),
        ("pledger", pledger_page.clone()),
        (
            "pledger_missing",
            "/c/pledge/pledgers/00000000-0000-0000-0000-000000000000".to_owned(),
        ),
        (
            "link_unknown",
            "/confirm/no-such-token-no-such-token".to_owned(),
        ),
        (
            "unsubscribe_unknown",
            "/unsubscribe/no-such-token".to_owned(),
        ),
    ];
    for (name, path) in pages {
        for lang in ["en", "cy"] {
            let joiner = if path.contains('?') { '&' } else { '?' };
            snapshot(
                &format!("page_{name}_{lang}"),
                &page(&app, &format!("{path}{joiner}lang={lang}")).await,
            );
        }
    }
    for lang in ["en", "cy"] {
        snapshot(
            &format!("image_pledge_badge_{lang}"),
            &page(&app, &format!("{pledger_page}/badge.svg?lang={lang}")).await,
        );
    }
    snapshot(
        "image_count_badge",
        &page(&app, "/v1/campaigns/scrapsi445/badge.svg").await,
    );
    snapshot(
        "page_letter_print",
        &page(&app, "/v1/campaigns/letter/letter").await,
    );
}
