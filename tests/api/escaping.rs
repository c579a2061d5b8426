//! What anyone types reaches every page, email and picture as text, never as markup or as
//! template code: `<script>`, quotes and `{{ }}` through every field an organiser or a signer
//! can fill in.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, spawn_app};
use crate::smtp::{html_of, text_of, token_in};

/// Markup, both quotes, an ampersand and template code.
const TYPED: &str = "<script>alert(\"x\")</script> O'Brien & {{ lang }}{% raw %}";

/// `TYPED` as HTML must show it.
const ESCAPED: &str =
    "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; O&#39;Brien &amp; {{ lang }}{% raw %}";

fn assert_inert(what: &str, body: &str) {
    assert!(
        !body.contains("<script>alert"),
        "{what} runs what was typed: {body}"
    );
    assert!(!body.contains("&amp;lt;"), "{what} escapes twice: {body}");
    assert!(!body.contains("&amp;amp;"), "{what} escapes twice: {body}");
    // The template code was shown, not run: `{{ lang }}` would have become `en`.
    assert!(
        body.contains(ESCAPED),
        "{what} does not show what was typed as text: {body}"
    );
}

async fn body(app: &TestApp, path: &str) -> String {
    let response = app.get(path, None).await;
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.text().await.unwrap()
}

#[tokio::test]
async fn what_anyone_types_is_shown_as_text_everywhere() {
    let app = spawn_app().await;
    let token = app.organiser("escaping@article39.example", false).await;
    let organiser = json!({
        "name": TYPED,
        "privacy_url": "https://article39.org.uk/privacy?a=1&b='2'",
        "contact_email": "info@article39.example",
    });
    for (slug, kind) in [("letter", "letter"), ("pledge", "pledge")] {
        let campaign = json!({
            "slug": slug, "kind": kind, "title": TYPED, "summary": TYPED, "body": TYPED,
            "recipient": TYPED, "require_confirmation": true, "target": 100, "milestones": [],
            "allowed_origins": [], "organiser": organiser,
            "targets": [{"name": TYPED, "role": TYPED}],
            "lang": "en", "translations": {"cy": {"title": TYPED, "summary": TYPED}},
        });
        app.create_campaign(&token, campaign).await;
        app.open_campaign(&token, slug).await;
        let mut signer = json!({
            "name": TYPED, "email": format!("{slug}@example.org"), "signatory_type": "organisation",
            "organisation": TYPED, "role": TYPED, "public": true, "contact": true,
        });
        if kind == "pledge" {
            signer["website"] = json!("https://example.org/?q=\"'<>");
        }
        let signed = app.sign(slug, &signer).await;
        let status = signed.status();
        assert_eq!(
            status,
            StatusCode::ACCEPTED,
            "{}",
            signed.text().await.unwrap()
        );
    }
    let messages = app.outbox_messages(2).await;
    for message in &messages {
        let html = html_of(message);
        assert_inert("the confirmation email", &html);
        // Text is text: what was typed is there as typed.
        assert!(text_of(message).contains(TYPED), "{}", text_of(message));
        let confirm = token_in(&text_of(message), "confirm").unwrap();
        assert_inert(
            "the confirmation page",
            &body(&app, &format!("/confirm/{confirm}")).await,
        );
        app.client
            .post(app.url(&format!("/confirm/{confirm}")))
            .send()
            .await
            .unwrap();
    }
    for slug in ["letter", "pledge"] {
        let listing = app
            .get_json(&format!("/v1/campaigns/{slug}/signatures"), Some(&token))
            .await;
        let id = listing["signatures"][0]["id"].as_str().unwrap().to_owned();
        app.patch_json(
            &format!("/v1/campaigns/{slug}/signatures/{id}"),
            &json!({"review": "approved"}),
            &token,
        )
        .await;
        for lang in ["en", "cy"] {
            assert_inert(
                "the campaign page",
                &body(&app, &format!("/c/{slug}?lang={lang}")).await,
            );
            assert_inert(
                "the embedded form",
                &body(&app, &format!("/embed/{slug}?lang={lang}")).await,
            );
            assert_inert("the index", &body(&app, &format!("/?lang={lang}")).await);
        }
        if slug == "pledge" {
            let page = body(&app, &format!("/c/pledge/pledgers/{id}")).await;
            // The badge's snippet is HTML shown as code to copy: escaped once more, rightly.
            let (before, rest) = page.split_once("<textarea").unwrap();
            let (snippet, after) = rest.split_once("</textarea>").unwrap();
            assert_inert("the pledger's page", &format!("{before}{after}"));
            assert!(
                snippet.contains("alt=&quot;&lt;script&gt;")
                    || snippet.contains("&amp;lt;script&amp;gt;"),
                "{snippet}"
            );
            let badge = body(&app, &format!("/c/pledge/pledgers/{id}/badge.svg")).await;
            assert!(
                !badge.contains("<script>") && badge.contains("&lt;script&gt;"),
                "{badge}"
            );
        }
    }
    assert_inert(
        "the printable letter",
        &body(&app, "/v1/campaigns/letter/letter").await,
    );
    let snippets = app
        .get_json("/v1/campaigns/letter/embed", Some(&token))
        .await;
    for snippet in ["script", "iframe"] {
        let html = snippets[snippet].as_str().unwrap();
        assert!(
            !html.contains("<script>alert") && html.contains("&lt;script&gt;"),
            "{html}"
        );
    }
    // The update's subject and body: the body is Markdown, sanitised (no script survives).
    let update = app
        .post_json(
            "/v1/campaigns/letter/updates",
            &json!({"kind": "news", "subject": TYPED, "body": TYPED}),
            Some(&token),
        )
        .await;
    assert_eq!(update.status(), StatusCode::CREATED);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let news = loop {
        let found = app
            .outbox_messages(0)
            .await
            .into_iter()
            .find(|m| html_of(m).contains("unsubscribe"));
        if let Some(found) = found {
            break found;
        }
        assert!(std::time::Instant::now() < deadline, "no update email");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let html = html_of(&news);
    assert!(!html.contains("<script>"), "{html}");
    assert!(
        html.contains("{{ lang }}"),
        "template code in an update is shown as typed: {html}"
    );
}
