//! Pledges: Children England's "Open to All" asks charities to commit in public, be listed,
//! and show a badge on their own website that anyone can check.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, fields_of, spawn_app};
use crate::smtp::{subject_of, text_of, token_in};

const SLUG: &str = "open-to-all";

/// Children England's pledge, renewed every year.
fn open_to_all() -> Value {
    json!({
        "slug": SLUG,
        "kind": "pledge",
        "title": "Open to All",
        "summary": "Charities that pledge to keep their services open to every child.",
        "body": "We pledge that our services for children are **open to all**, whatever their background.",
        "target": null,
        "milestones": [],
        "renew_after_months": 12,
    })
}

fn article39() -> Value {
    json!({
        "name": "Carolyne Willow", "email": "carolyne@article39.example",
        "signatory_type": "organisation", "organisation": "Article 39", "role": "Director",
        "website": "https://article39.org.uk", "public": true,
    })
}

/// An organiser with the pledge open; returns the organiser's token.
async fn open_pledge(app: &TestApp) -> String {
    let token = app.open_campaign_with(open_to_all()).await;
    let campaign = app
        .get_json(&format!("/v1/campaigns/{SLUG}"), Some(&token))
        .await;
    assert_eq!(campaign["kind"], "pledge");
    assert_eq!(campaign["renew_after_months"], 12);
    token
}

/// Takes the pledge as `pledger` and confirms it through the emailed link; returns its id.
async fn take_and_confirm(
    app: &TestApp,
    token: &str,
    pledger: &Value,
    emails_before: usize,
) -> String {
    let response = app.sign(SLUG, pledger).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let messages = app.outbox_messages(emails_before + 1).await;
    let email = pledger["email"].as_str().unwrap();
    let message = messages
        .iter()
        .find(|m| m.contains(email) && subject_of(m).contains("confirm"))
        .expect("a confirmation email");
    let confirm = token_in(&text_of(message), "confirm").expect("a confirmation link");
    let confirmed = app
        .post_json("/v1/signatures/confirm", &json!({"token": confirm}), None)
        .await;
    assert_eq!(confirmed.status(), StatusCode::OK);
    let list = app
        .get_json(&format!("/v1/campaigns/{SLUG}/signatures"), Some(token))
        .await;
    list["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["email"] == email)
        .expect("listed for the organiser")["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn review(app: &TestApp, token: &str, id: &str, review: &str) -> Value {
    let response = app
        .patch_json(
            &format!("/v1/campaigns/{SLUG}/signatures/{id}"),
            &json!({ "review": review }),
            token,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn badge(app_url: String) -> String {
    let response = crate::helpers::http_client()
        .get(app_url)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "image/svg+xml");
    response.text().await.unwrap()
}

#[tokio::test]
async fn a_pledge_is_taken_confirmed_approved_verified_renewed_and_lapses() {
    let app = spawn_app().await;
    let token = open_pledge(&app).await;

    // The page asks for what a pledger gives, and says what the button does.
    let page = app
        .get(&format!("/c/{SLUG}"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("name=\"website\""), "{page}");
    assert!(page.contains("Take the pledge"));

    let id = take_and_confirm(&app, &token, &article39(), 0).await;
    let verify = format!("{}/c/{SLUG}/pledgers/{id}", app.address);
    let listed = app
        .get_json(&format!("/v1/campaigns/{SLUG}/signatures"), Some(&token))
        .await;
    let listed = &listed["signatures"][0];
    assert_eq!(listed["website"], "https://article39.org.uk/");
    assert_eq!(listed["verify_url"], verify);
    assert_eq!(listed["review"], "pending");

    // Confirmed but not yet approved: counted, not verified.
    app.expect_total(SLUG, 1).await;
    let unverified = app.get(&format!("/c/{SLUG}/pledgers/{id}"), None).await;
    assert_eq!(unverified.status(), StatusCode::NOT_FOUND);
    assert!(
        badge(format!("{verify}/badge.svg"))
            .await
            .contains("not verified")
    );

    review(&app, &token, &id, "approved").await;
    let verified = app.get(&format!("/c/{SLUG}/pledgers/{id}"), None).await;
    assert_eq!(verified.status(), StatusCode::OK);
    let html = verified.text().await.unwrap();
    let today = chrono::Utc::now().format("%-d %B %Y").to_string();
    assert!(
        html.contains(&format!(
            "Article 39 took the Open to All pledge on {today}"
        )),
        "{html}"
    );
    assert!(html.contains("href=\"https://article39.org.uk/\""));
    // In Welsh too, the date with it.
    let welsh = app
        .get(&format!("/c/{SLUG}/pledgers/{id}?lang=cy"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(welsh.contains("<html lang=\"cy\">"));
    assert!(
        welsh.contains("Gwnaeth Article 39 addewid Open to All ar"),
        "{welsh}"
    );
    assert!(!welsh.contains("[["));
    assert!(welsh.contains("badge.svg?lang=cy"));
    let svg = app
        .get(&format!("/c/{SLUG}/pledgers/{id}/badge.svg?lang=cy"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(svg.contains("addewid wedi&#39;i gwirio"), "{svg}");
    // The snippet to paste shows the badge and links back here.
    assert!(
        html.contains(&format!(
            "&lt;a href=&quot;{verify}&quot;&gt;&lt;img src=&quot;{verify}/badge.svg&quot;"
        )),
        "{html}"
    );
    let svg = badge(format!("{verify}/badge.svg")).await;
    assert!(
        svg.contains("pledge verified") && !svg.contains("not verified"),
        "{svg}"
    );

    // The campaign's page lists it, linking to its website and to its verification.
    let page = app
        .get(&format!("/c/{SLUG}"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(
            "<a href=\"https://article39.org.uk/\" rel=\"nofollow ugc noopener\">Article 39</a>"
        ),
        "{page}"
    );
    assert!(page.contains(&format!("href=\"/c/{SLUG}/pledgers/{id}\"")));
    assert!(
        page.contains("1 organisation and 0 individuals have taken the pledge"),
        "{page}"
    );
    let public = app
        .get_json(&format!("/v1/campaigns/{SLUG}/signatories"), None)
        .await;
    assert_eq!(public["signatories"][0]["verify_url"], verify);
    assert!(public["signatories"][0].get("email").is_none());

    // Eleven months and more on, the sweep asks the pledger to renew, once.
    let later = app
        .another_instance(|s| s.renewal_clock_offset_days = 340)
        .await;
    // The confirmation, the badge on approval, and the reminder.
    let messages = app.outbox_messages(3).await;
    let reminder = messages
        .iter()
        .find(|m| subject_of(m).contains("renew"))
        .expect("a renewal reminder");
    let text = text_of(reminder);
    assert!(
        text.contains(&format!("/c/{SLUG}/pledgers/{id}/renew/")),
        "{text}"
    );
    assert!(
        token_in(&text, "withdraw").is_some(),
        "the reminder can withdraw too"
    );
    let renew = token_in(&text, "renew").expect("a renewal link");
    drop(later);
    let reminded = app
        .scalar(
            "SELECT COUNT(*) FROM outbox WHERE kind = 'renew' AND signature_id IN \
             (SELECT id FROM signatures WHERE email = $1)",
            "carolyne@article39.example",
        )
        .await;
    assert_eq!(reminded, 1);

    // Opening the link renews nothing; its button does, once.
    let path = format!("/c/{SLUG}/pledgers/{id}/renew/{renew}");
    let asked = app.get(&path, None).await;
    assert_eq!(asked.status(), StatusCode::OK);
    assert!(asked.text().await.unwrap().contains("method=\"post\""));
    let renewals = "SELECT CAST(renewals AS BIGINT) FROM signatures WHERE email = $1";
    assert_eq!(app.scalar(renewals, "carolyne@article39.example").await, 0);
    let renewed = app.client.post(app.url(&path)).send().await.unwrap();
    assert_eq!(renewed.status(), StatusCode::OK);
    assert!(renewed.text().await.unwrap().contains("renewed"));
    assert_eq!(app.scalar(renewals, "carolyne@article39.example").await, 1);
    let again = app.client.post(app.url(&path)).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.scalar(renewals, "carolyne@article39.example").await, 1);
    let forged = app
        .client
        .post(app.url(&format!("/c/{SLUG}/pledgers/{id}/renew/{}", "0".repeat(32))))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::NOT_FOUND);

    // A renewed pledge that is not renewed again lapses at the end of its term.
    let much_later = app
        .another_instance(|s| s.renewal_clock_offset_days = 400)
        .await;
    let lapsed = "SELECT COUNT(*) FROM signatures WHERE status = 'lapsed' AND email = $1";
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while app.scalar(lapsed, "carolyne@article39.example").await == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the pledge never lapsed"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let count: Value = crate::helpers::http_client()
        .get(much_later.url(&format!("/v1/campaigns/{SLUG}/count")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(count["total"], 0, "a lapsed pledge stops counting");
    let gone = app.get(&format!("/c/{SLUG}/pledgers/{id}"), None).await;
    assert_eq!(gone.status(), StatusCode::GONE);
    let html = gone.text().await.unwrap();
    assert!(html.contains("lapsed on"), "{html}");
    assert!(html.contains("not verified"));
    assert!(
        badge(format!("{verify}/badge.svg"))
            .await
            .contains("not verified")
    );
    let listed = app
        .get_json(&format!("/v1/campaigns/{SLUG}/signatures"), Some(&token))
        .await;
    assert_eq!(listed["signatures"][0]["status"], "lapsed");
    assert!(listed["signatures"][0]["lapsed_at"].is_string());
}

#[tokio::test]
async fn a_withdrawn_rejected_or_erased_pledge_is_gone_and_its_badge_not_verified() {
    let app = spawn_app().await;
    let token = open_pledge(&app).await;

    let withdrawn = take_and_confirm(&app, &token, &article39(), 0).await;
    review(&app, &token, &withdrawn, "approved").await;
    let children_england = json!({
        "name": "Mark Russell", "email": "mark@childrenengland.example",
        "signatory_type": "organisation", "organisation": "Children England",
        "website": "https://www.childrenengland.org.uk", "public": true,
    });
    let rejected = take_and_confirm(&app, &token, &children_england, 1).await;
    review(&app, &token, &rejected, "approved").await;
    let sian = json!({
        "name": "Siân Lloyd", "email": "sian@example.org", "public": true,
    });
    let erased = take_and_confirm(&app, &token, &sian, 2).await;
    review(&app, &token, &erased, "approved").await;
    for id in [&withdrawn, &rejected, &erased] {
        let page = app.get(&format!("/c/{SLUG}/pledgers/{id}"), None).await;
        assert_eq!(page.status(), StatusCode::OK);
    }
    app.expect_total(SLUG, 3).await;

    // Withdrawn by the pledger, through the link every email carries.
    let messages = app.outbox_messages(3).await;
    let message = messages
        .iter()
        .find(|m| m.contains("carolyne@article39.example"))
        .unwrap();
    let withdraw = token_in(&text_of(message), "withdraw").unwrap();
    let response = app
        .post_json("/v1/signatures/withdraw", &json!({"token": withdraw}), None)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    review(&app, &token, &rejected, "rejected").await;
    app.erase_signature(&token, SLUG, &erased).await;

    for (id, said) in [
        (&withdrawn, "was withdrawn"),
        (&rejected, "was not accepted"),
        (&erased, "was removed"),
    ] {
        let page = app.get(&format!("/c/{SLUG}/pledgers/{id}"), None).await;
        assert_eq!(page.status(), StatusCode::GONE, "{said}");
        let html = page.text().await.unwrap();
        assert!(html.contains(said), "{html}");
        let svg = badge(format!("{}/c/{SLUG}/pledgers/{id}/badge.svg", app.address)).await;
        assert!(svg.contains("not verified"), "{svg}");
    }
    // The erased pledger's name is gone from its page too.
    let html = app
        .get(&format!("/c/{SLUG}/pledgers/{erased}"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(!html.contains("Siân"), "{html}");
    app.expect_total(SLUG, 0).await;

    // An address that is no pledger's.
    let unknown = app
        .get(
            &format!("/c/{SLUG}/pledgers/00000000-0000-0000-0000-000000000000"),
            None,
        )
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let unknown = app
        .get(&format!("/c/{SLUG}/pledgers/not-an-id/badge.svg"), None)
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert!(unknown.text().await.unwrap().contains("not verified"));
}

#[tokio::test]
async fn a_pledge_takes_a_website_and_is_public_and_other_kinds_take_neither() {
    let app = spawn_app().await;
    let token = open_pledge(&app).await;
    let count_rows = "SELECT COUNT(*) FROM signatures WHERE campaign_id = \
                      (SELECT id FROM campaigns WHERE slug = $1)";

    for (change, field) in [
        (json!({"website": null}), "website"),
        (json!({"website": "http://article39.org.uk"}), "website"),
        (json!({"website": "https://localhost"}), "website"),
        (
            json!({"website": "=HYPERLINK(\"https://evil.example\")"}),
            "website",
        ),
        (json!({"public": false}), "public"),
    ] {
        let mut pledger = article39();
        crate::helpers::merge(&mut pledger, change.clone());
        let problem = assert_problem(
            app.sign(SLUG, &pledger).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
        )
        .await;
        assert_eq!(fields_of(&problem), vec![field.to_owned()], "{change}");
    }
    assert_eq!(
        app.scalar(count_rows, SLUG).await,
        0,
        "nothing refused is stored"
    );

    // An individual may pledge without a website.
    let individual = json!({"name": "Siân Lloyd", "email": "sian@example.org", "public": true});
    assert_eq!(
        app.sign(SLUG, &individual).await.status(),
        StatusCode::ACCEPTED
    );

    // A petition takes no website, and only a pledge is renewed.
    app.create_campaign(&token, json!({"slug": "scrapsi445"}))
        .await;
    app.open_campaign(&token, "scrapsi445").await;
    let problem = assert_problem(
        app.sign("scrapsi445", &json!({"name": "Siân Lloyd", "email": "sian@example.org", "website": "https://example.org"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(fields_of(&problem), vec!["website"]);
    for response in [
        app.post_json(
            "/v1/campaigns",
            &json!({"slug": "letter-renewed", "kind": "letter", "title": "A letter", "summary": "S", "body": "B", "renew_after_months": 12}),
            Some(&token),
        )
        .await,
        app.patch_json(&format!("/v1/campaigns/{SLUG}"), &json!({"renew_after_months": 0}), &token)
            .await,
    ] {
        let problem =
            assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
        assert_eq!(fields_of(&problem), vec!["renew_after_months"]);
    }
    // An edit cannot make a petition renew: its kind is fixed.
    assert_problem(
        app.patch_json(
            "/v1/campaigns/scrapsi445",
            &json!({"renew_after_months": 12}),
            &token,
        )
        .await,
        StatusCode::CONFLICT,
        "renewal-not-a-pledge",
    )
    .await;
    // A pledge's renewal can be turned off.
    let edited = app
        .patch_json(
            &format!("/v1/campaigns/{SLUG}"),
            &json!({"renew_after_months": null}),
            &token,
        )
        .await;
    assert_eq!(edited.status(), StatusCode::OK);
    let edited: Value = edited.json().await.unwrap();
    assert!(edited["renew_after_months"].is_null());
}

#[tokio::test]
async fn the_export_gives_each_pledger_its_website_and_verification_address() {
    let app = spawn_app().await;
    let token = open_pledge(&app).await;
    let id = take_and_confirm(&app, &token, &article39(), 0).await;
    let csv = app
        .get(
            &format!("/v1/campaigns/{SLUG}/signatures/export"),
            Some(&token),
        )
        .await
        .text()
        .await
        .unwrap();
    let mut lines = csv.trim_start_matches('\u{feff}').lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let row: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_owned)
        .collect();
    let cell = |name: &str| row[header.iter().position(|h| *h == name).unwrap()].clone();
    assert_eq!(cell("website"), "https://article39.org.uk/");
    assert_eq!(
        cell("verify_url"),
        format!("{}/c/{SLUG}/pledgers/{id}", app.address)
    );
    assert_eq!(cell("organisation"), "Article 39");
}

#[tokio::test]
async fn a_charity_takes_the_pledge_in_a_browser_and_shows_its_verification() {
    let Some(browser) = crate::browser::browser().await else {
        return;
    };
    let axe = crate::console::axe_source();
    let axe = axe.as_deref();
    let app = spawn_app().await;
    let mut campaign = open_to_all();
    campaign["require_confirmation"] = json!(false);
    campaign["body"] = json!(
        "We pledge that our services for children and young people are **open to all**:\n\n- no child is turned away because of where they come from\n- we say so publicly, and show the badge on our website\n- we renew this pledge every year"
    );
    let token = app.open_campaign_with(campaign).await;
    for (name, email, organisation, role, website) in [
        (
            "Carolyne Willow",
            "carolyne@article39.example",
            "Article 39",
            "Director",
            "https://article39.org.uk",
        ),
        (
            "Kamena Dorling",
            "kamena@example.org",
            "Tros Gynnal Plant",
            "Chief Executive",
            "https://www.tgpcymru.org.uk",
        ),
    ] {
        let body = json!({"name": name, "email": email, "signatory_type": "organisation",
            "organisation": organisation, "role": role, "website": website, "public": true});
        assert_eq!(app.sign(SLUG, &body).await.status(), StatusCode::ACCEPTED);
    }
    let individual = json!({"name": "Dr Siân Lloyd", "email": "sian@example.org", "role": "Social worker", "public": true});
    assert_eq!(
        app.sign(SLUG, &individual).await.status(),
        StatusCode::ACCEPTED
    );
    let list = app
        .get_json(&format!("/v1/campaigns/{SLUG}/signatures"), Some(&token))
        .await;
    for signature in list["signatures"].as_array().unwrap() {
        review(&app, &token, signature["id"].as_str().unwrap(), "approved").await;
    }
    app.expect_total(SLUG, 3).await;
    let client = &browser.client;
    crate::browser::viewport(client, 1280, 900).await;

    client.goto(&app.url(&format!("/c/{SLUG}"))).await.unwrap();
    crate::console::wait_text(
        client,
        "main .headline",
        "2 organisations and 1 individual have taken the pledge",
    )
    .await;
    crate::console::check_screen(client, axe, "page-pledge").await;

    // Taken in place, with the script: an organisation, its website, in public.
    crate::console::fill(client, "name", "Mark Russell").await;
    crate::console::fill(client, "email", "mark@childrenengland.example").await;
    crate::browser::click(client, "#signatory_type-organisation").await;
    crate::console::fill(client, "organisation", "Children England").await;
    crate::console::fill(client, "website", "https://www.childrenengland.org.uk").await;
    crate::browser::click(client, "#public").await;
    crate::browser::click(client, "button[type=submit]").await;
    crate::console::wait_text(client, "#outcome", "Thank you").await;
    let stored = app
        .texts(
            "SELECT organisation, website, status FROM signatures WHERE email = $1",
            "mark@childrenengland.example",
        )
        .await;
    assert_eq!(
        stored,
        vec![vec![
            Some("Children England".into()),
            Some("https://www.childrenengland.org.uk/".into()),
            Some("confirmed".into())
        ]]
    );

    let article39 = list["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["organisation"] == "Article 39")
        .unwrap()["verify_url"]
        .as_str()
        .unwrap()
        .to_owned();
    client.goto(&article39).await.unwrap();
    crate::console::wait_text(
        client,
        "main .verified",
        "Article 39 took the Open to All pledge",
    )
    .await;
    crate::console::check_screen(client, axe, "page-pledger").await;
}

#[tokio::test]
async fn an_approved_pledger_is_emailed_its_badge_once() {
    let sink = crate::smtp::SmtpSink::start().await;
    let app = crate::helpers::spawn_app_with(|s| s.smtp_url = Some(sink.url().into())).await;
    let mut campaign = open_to_all();
    campaign["require_confirmation"] = json!(false);
    let token = app.open_campaign_with(campaign).await;
    assert!(app.sign(SLUG, &article39()).await.status().is_success());
    let person = json!({"name": "Mari Price", "email": "mari@example.org", "public": true});
    assert!(app.sign(SLUG, &person).await.status().is_success());
    // Two thank-you notes; nothing more until an organiser approves.
    sink.wait_for(2).await;
    let ids: Vec<(String, String)> = app
        .get_json(&format!("/v1/campaigns/{SLUG}/signatures"), Some(&token))
        .await["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let text = |k: &str| s[k].as_str().unwrap().to_owned();
            (text("email"), text("id"))
        })
        .collect();
    let id_of = |email: &str| ids.iter().find(|(e, _)| e == email).unwrap().1.clone();
    let article39_id = id_of("carolyne@article39.example");

    review(&app, &token, &article39_id, "approved").await;
    let messages = sink.wait_for(3).await;
    let badge_email = &messages[2];
    assert_eq!(
        crate::smtp::recipient_of(badge_email),
        "carolyne@article39.example"
    );
    assert_eq!(
        subject_of(badge_email),
        "Your pledge is verified: Open to All"
    );
    let page = format!("{}/c/{SLUG}/pledgers/{article39_id}", app.address);
    let snippet = format!(
        "<a href=\"{page}\"><img src=\"{page}/badge.svg\" height=\"40\" alt=\"Article 39 has taken the Open to All pledge: verify it\"></a>"
    );
    let text = text_of(badge_email);
    assert!(
        text.contains("Thank you for taking the pledge “Open to All”"),
        "{text}"
    );
    assert!(
        text.contains(&snippet),
        "the snippet to paste, whole: {text}"
    );
    assert!(
        text.contains("in WordPress, into a Custom HTML block"),
        "{text}"
    );
    assert!(text.contains("holds for 12 months"), "{text}");
    assert!(
        text.contains(&format!("See your pledge's page: {page}")),
        "{text}"
    );
    assert!(
        !text.to_lowercase().contains("signature"),
        "a pledge, never a signature: {text}"
    );
    let html = crate::smtp::html_of(badge_email);
    assert!(
        html.contains("&lt;a href=&quot;") || html.contains("&lt;a href=\""),
        "the snippet shown as text to copy, not as markup: {html}"
    );
    assert!(
        html.contains(&format!("<img src=\"{page}/badge.svg\"")),
        "{html}"
    );
    // The badge it names is verified.
    assert!(
        badge(format!("{page}/badge.svg"))
            .await
            .contains("verified")
    );

    // Approving again, or after a rejection, sends no second badge; one approved among many
    // at once gets its own.
    review(&app, &token, &article39_id, "rejected").await;
    review(&app, &token, &article39_id, "approved").await;
    let bulk = app
        .post_json(
            &format!("/v1/campaigns/{SLUG}/signatures/review"),
            &json!({"filter": {"review": "pending"}, "review": "approved"}),
            Some(&token),
        )
        .await;
    assert_eq!(bulk.status(), StatusCode::OK);
    let messages = sink
        .wait_until(
            |m| {
                m.iter().any(|m| {
                    crate::smtp::recipient_of(m) == "mari@example.org"
                        && subject_of(m).starts_with("Your pledge is verified")
                })
            },
            "Mari's badge",
        )
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let badges: Vec<String> = sink
        .messages()
        .iter()
        .filter(|m| subject_of(m).starts_with("Your pledge is verified"))
        .map(|m| crate::smtp::recipient_of(m))
        .collect();
    assert_eq!(
        badges,
        ["carolyne@article39.example", "mari@example.org"],
        "{messages:?}"
    );
    let mari = id_of("mari@example.org");
    let text = text_of(
        sink.messages()
            .iter()
            .find(|m| {
                crate::smtp::recipient_of(m) == "mari@example.org"
                    && subject_of(m).starts_with("Your pledge")
            })
            .unwrap(),
    );
    assert!(
        text.contains("alt=\"Mari Price has taken the Open to All pledge: verify it\""),
        "an individual is named: {text}"
    );
    assert!(text.contains(&mari), "{text}");
}
