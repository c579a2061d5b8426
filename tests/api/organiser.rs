//! Who is asking: a campaign names its organiser (name, privacy notice, contact address) in
//! its consent words, its emails, its pages and its form, and cannot open without them.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{assert_problem, fields_of, scrapsi445, signer, spawn_app};
use crate::smtp::{html_of, text_of, token_in};

/// #ScrapSI445 with no identity of its own.
fn anonymous_campaign() -> Value {
    let mut body = scrapsi445();
    body.as_object_mut().unwrap().remove("organiser");
    body
}

fn header_of(raw: &str, name: &str) -> String {
    let message = mail_parser::MessageParser::default()
        .parse(raw.as_bytes())
        .expect("a parsable message");
    message
        .header_raw(name)
        .unwrap_or_default()
        .trim()
        .to_owned()
}

#[tokio::test]
async fn a_campaign_cannot_open_until_it_says_who_is_asking() {
    let app = spawn_app().await;
    let token = app.organiser("carolyne@article39.org.uk", false).await;
    let created = app
        .post_json("/v1/campaigns", &anonymous_campaign(), Some(&token))
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.unwrap();
    assert_eq!(
        created["organiser"],
        json!({"name": null, "privacy_url": null, "contact_email": null})
    );
    // Without a name the default contact words cannot name anyone yet.
    assert!(
        created["consent"]["contact_text"]
            .as_str()
            .unwrap()
            .contains("the organisers'")
    );

    let refused = app
        .patch_json(
            "/v1/campaigns/scrapsi445",
            &json!({"status": "open", "organiser": {"name": "Article 39"}}),
            &token,
        )
        .await;
    let problem = assert_problem(refused, StatusCode::CONFLICT, "organiser-missing").await;
    assert_eq!(
        fields_of(&problem),
        ["organiser.privacy_url", "organiser.contact_email"]
    );
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("PATCH /v1/users/me"),
        "{problem}"
    );
    // Nothing changed: still a draft, still nameless.
    let stored = app.get_json("/v1/campaigns/scrapsi445", Some(&token)).await;
    assert_eq!(stored["status"], "draft");
    assert_eq!(stored["organiser"]["name"], Value::Null);
    assert_eq!(stored["consent"]["version"], 1);
}

#[tokio::test]
async fn an_account_names_its_campaigns_until_they_open() {
    let app = spawn_app().await;
    let token = app.organiser("carolyne@article39.org.uk", false).await;
    app.post_json("/v1/campaigns", &anonymous_campaign(), Some(&token))
        .await;

    let set = app
        .patch_json(
            "/v1/users/me",
            &json!({"organiser": {
                "name": "Article 39",
                "privacy_url": "https://article39.org.uk/privacy",
                "contact_email": "info@article39.org.uk",
            }}),
            &token,
        )
        .await;
    assert_eq!(set.status(), StatusCode::OK);
    let me = app.get_json("/v1/users/me", Some(&token)).await;
    assert_eq!(me["organiser"]["name"], "Article 39");
    assert_eq!(me["organiser"]["contact_email"], "info@article39.org.uk");

    // The draft shows the account's identity, and opens with it.
    let draft = app.get_json("/v1/campaigns/scrapsi445", Some(&token)).await;
    assert_eq!(
        draft["organiser"]["privacy_url"],
        "https://article39.org.uk/privacy"
    );
    app.open_campaign(&token, "scrapsi445").await;
    let open = app.get_json("/v1/campaigns/scrapsi445", None).await;
    assert_eq!(open["organiser"]["name"], "Article 39");
    let contact_text = open["consent"]["contact_text"].as_str().unwrap();
    assert!(
        contact_text.contains("other work by Article 39"),
        "the consent words name the organiser: {contact_text}"
    );

    // A later change of account leaves what the open campaign's signers were told.
    let renamed = app
        .patch_json(
            "/v1/users/me",
            &json!({"organiser": {"name": "Article 39 (renamed)", "contact_email": null}}),
            &token,
        )
        .await;
    let renamed: Value = renamed.json().await.unwrap();
    assert_eq!(renamed["organiser"]["name"], "Article 39 (renamed)");
    assert_eq!(renamed["organiser"]["contact_email"], Value::Null);
    assert_eq!(
        renamed["organiser"]["privacy_url"], "https://article39.org.uk/privacy",
        "a part left out is unchanged"
    );
    let still = app.get_json("/v1/campaigns/scrapsi445", None).await;
    assert_eq!(still["organiser"], open["organiser"]);
    assert_eq!(still["consent"], open["consent"]);

    // An open campaign cannot lose a part: the account has no contact address now either.
    let cleared = app
        .patch_json(
            "/v1/campaigns/scrapsi445",
            &json!({"organiser": {"contact_email": ""}}),
            &token,
        )
        .await;
    let problem = assert_problem(cleared, StatusCode::CONFLICT, "organiser-missing").await;
    assert_eq!(fields_of(&problem), ["organiser.contact_email"]);
    let unchanged = app.get_json("/v1/campaigns/scrapsi445", None).await;
    assert_eq!(unchanged["organiser"], open["organiser"]);
}

#[tokio::test]
async fn an_identity_that_is_not_one_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let token = app.organiser("carolyne@article39.org.uk", false).await;
    let refused = app
        .patch_json(
            "/v1/users/me",
            &json!({"organiser": {
                "name": "Article\u{0082} 39",
                "privacy_url": "http://article39.org.uk/privacy",
                "contact_email": "not an address",
            }}),
            &token,
        )
        .await;
    let problem = assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(
        fields_of(&problem),
        [
            "organiser.name",
            "organiser.privacy_url",
            "organiser.contact_email"
        ]
    );
    let me = app.get_json("/v1/users/me", Some(&token)).await;
    assert_eq!(me["organiser"]["name"], Value::Null);

    let unknown = app
        .patch_json(
            "/v1/users/me",
            &json!({"organiser": {"charity_number": "1234"}}),
            &token,
        )
        .await;
    let problem = assert_problem(unknown, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(fields_of(&problem), ["organiser.charity_number"]);
    let anonymous = app
        .client
        .patch(app.url("/v1/users/me"))
        .json(&json!({"organiser": {"name": "Article 39"}}))
        .send()
        .await
        .unwrap();
    assert_problem(anonymous, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}

#[tokio::test]
async fn emails_pages_and_the_form_name_the_organiser() {
    let app = spawn_app().await;
    app.open_campaign_with(json!({})).await;

    let form = app
        .get("/embed/scrapsi445", None)
        .await
        .text()
        .await
        .unwrap();
    assert!(form.contains("Run by Together for Children."), "{form}");
    assert!(form.contains(
        "<a href=\"https://togetherforchildren.org.uk/privacy\" target=\"_blank\" rel=\"noopener\">Their privacy notice</a>"
    ));
    assert!(form.contains("mailto:hello@togetherforchildren.org.uk"));
    assert!(form.contains("if you agree above, by Together for Children."));
    assert!(form.contains("other work by Together for Children"));

    let signed = app
        .sign("scrapsi445", &signer("Siân Jones", "sian@example.org"))
        .await;
    assert_eq!(signed.status(), StatusCode::ACCEPTED);
    let message = app.outbox_messages(1).await.remove(0);
    // The name it is sent under is the service's own until an admin gives the account one:
    // never what an organiser typed (see sender_name_is_an_admin_s_to_set).
    let from = header_of(&message, "From");
    assert!(!from.contains("Together for Children"), "{from}");
    assert_eq!(
        header_of(&message, "Reply-To"),
        "hello@togetherforchildren.org.uk"
    );
    let text = text_of(&message);
    assert!(
        text.contains("This campaign is run by Together for Children."),
        "{text}"
    );
    assert!(text.contains("https://togetherforchildren.org.uk/privacy"));
    assert!(html_of(&message).contains("href=\"https://togetherforchildren.org.uk/privacy\""));

    let token = token_in(&text, "confirm").expect("a confirmation link");
    let page = app
        .get(&format!("/confirm/{token}"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Run by Together for Children."), "{page}");
    let confirmed = app
        .client
        .post(app.url(&format!("/confirm/{token}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(confirmed.contains("Their privacy notice"), "{confirmed}");
}

#[tokio::test]
async fn sender_name_is_an_admin_s_to_set() {
    let app = spawn_app().await;
    let token = app
        .open_campaign_with(json!({"require_confirmation": false}))
        .await;
    let admin = app.organiser("carolyne@article39.example", true).await;
    let organiser = app.get_json("/v1/users/me", Some(&token)).await;
    let id = organiser["id"].as_str().unwrap().to_owned();
    assert_eq!(organiser["sender_name"], Value::Null);

    // An organiser calls their campaign anything, and sends an update from it: the emails are
    // still sent under the service's name, never theirs.
    let renamed = app
        .patch_json(
            "/v1/campaigns/scrapsi445",
            &json!({"organiser": {"name": "PayPal Security"}}),
            &token,
        )
        .await;
    assert!(renamed.status().is_success() || renamed.status() == StatusCode::CONFLICT);
    let body = json!({"name": "Siân Jones", "email": "sian@example.org", "contact": true});
    assert_eq!(
        app.sign("scrapsi445", &body).await.status(),
        StatusCode::ACCEPTED
    );
    let update = json!({"kind": "news", "subject": "PayPal Security", "body": "Log in."});
    let sent = app
        .post_json("/v1/campaigns/scrapsi445/updates", &update, Some(&token))
        .await;
    assert_eq!(sent.status(), StatusCode::CREATED);
    for message in app.outbox_messages(2).await {
        let from = header_of(&message, "From");
        assert!(!from.contains("PayPal"), "{from}");
    }

    // Only an admin names the sender, and the organiser cannot.
    let path = format!("/v1/users/{id}");
    let named = json!({"sender_name": "Together for Children"});
    let refused = app.patch_json(&path, &named, &token).await;
    assert_problem(refused, StatusCode::FORBIDDEN, "forbidden").await;
    let bad = app
        .patch_json(&path, &json!({"sender_name": "Bad\u{0007}name"}), &admin)
        .await;
    let problem = assert_problem(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(fields_of(&problem), ["sender_name"]);
    let set = app.patch_json(&path, &named, &admin).await;
    assert_eq!(set.status(), StatusCode::OK);
    let set: Value = set.json().await.unwrap();
    assert_eq!(set["sender_name"], "Together for Children");
    let unknown = app
        .patch_json(&format!("/v1/users/{}", uuid::Uuid::nil()), &named, &admin)
        .await;
    assert_problem(unknown, StatusCode::NOT_FOUND, "not-found").await;

    let body = json!({"name": "Gwen Morgan", "email": "gwen@example.org"});
    assert_eq!(
        app.sign("scrapsi445", &body).await.status(),
        StatusCode::ACCEPTED
    );
    let messages = app.outbox_messages(3).await;
    let to_gwen = messages
        .iter()
        .find(|m| m.contains("gwen@example.org"))
        .unwrap();
    let from = header_of(to_gwen, "From");
    assert!(
        from.starts_with("\"Together for Children\" <")
            || from.starts_with("Together for Children <"),
        "{from}"
    );
}
