//! The pages people share: a campaign's own page (read and signed with no script), the index
//! of campaigns, and the QR code of a page's address.

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::json;

use crate::helpers::{TestApp, signer, spawn_app};

pub(crate) async fn page(app: &TestApp, path: &str) -> (StatusCode, HeaderMap, String) {
    let response = app.get(path, None).await;
    let status = response.status();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

async fn post_page_form(
    app: &TestApp,
    slug: &str,
    origin: Option<&str>,
    fields: &[(&str, &str)],
) -> (StatusCode, String) {
    let mut request = app.client.post(app.url(&format!("/c/{slug}"))).form(fields);
    if let Some(origin) = origin {
        request = request.header("Origin", origin);
    }
    let response = request.send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

/// The page once it shows `text` (a built page is kept until its count moves).
async fn page_showing(app: &TestApp, path: &str, text: &str) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let (_, _, html) = page(app, path).await;
        if html.contains(text) {
            return html;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{path} never showed {text:?}: {html}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_campaign_page_shows_the_campaign_safely_with_its_form_and_ways_to_share_it() {
    let app = spawn_app().await;
    app.open_campaign_with(json!({
        "body": "# What SI 445 did\n\nIt removed **eight** protections.\n\n<script>alert('x')</script>\n\n[Read the report](https://article39.org.uk/si445)",
        "recipient": "The Secretary of State for Education",
        "require_confirmation": false,
    }))
    .await;
    let (status, headers, html) = page(&app, "/c/scrapsi445").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    let policy = headers["content-security-policy"].to_str().unwrap();
    assert!(
        policy.contains("script-src 'self'") && !policy.contains("unsafe-inline"),
        "{policy}"
    );
    assert!(
        policy.contains("frame-ancestors 'self' https://www.article39.org.uk https://nyas.net"),
        "framed only where the campaign allows: {policy}"
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");

    assert!(html.contains("<html lang=\"en\">"));
    assert!(html.contains("<h1>Scrap SI 445: reinstate children&#39;s rights in care</h1>"));
    assert!(
        html.contains("<h2>What SI 445 did</h2>"),
        "the text's Markdown, its heading under the title"
    );
    assert!(html.contains("<strong>eight</strong>"));
    assert!(html.contains("href=\"https://article39.org.uk/si445\""));
    assert!(!html.contains("alert("), "no script the text held");
    assert!(html.contains("To: The Secretary of State for Education"));
    assert!(html.contains(
        "<strong id=\"count\" data-stream=\"/v1/campaigns/scrapsi445/count/stream\">0</strong>"
    ));
    assert!(html.contains("<progress id=\"progress\" max=\"100000\" value=\"0\">"));
    // The same form as the embedded one, posting to this page.
    assert!(html.contains("<form id=\"sign\" method=\"post\" action=\"/c/scrapsi445\""));
    assert!(html.contains("name=\"consent_version\""));
    assert!(html.contains("Run by Together for Children."));
    // This campaign needs no confirmation, and the form says what the address is for.
    assert!(html.contains("We email you a note of your signature, with a link to withdraw it."));
    assert!(html.contains("Your email address is used only to tell you of your signature"));
    assert!(
        !html.contains("We send a link to confirm"),
        "no confirmation is asked for here"
    );

    // Link previews and sharing, with nothing loaded from elsewhere.
    let url = format!("{}/c/scrapsi445", app.address);
    assert!(html.contains(&format!("<meta property=\"og:url\" content=\"{url}\">")));
    assert!(html.contains("<meta property=\"og:title\" content=\"Scrap SI 445: reinstate children&#39;s rights in care\">"));
    assert!(html.contains("<meta name=\"twitter:card\""));
    for share in [
        "mailto:?subject=",
        "https://wa.me/?text=",
        "https://bsky.app/intent/compose?text=",
        "https://x.com/intent/post?",
        "https://www.facebook.com/sharer/sharer.php?u=",
        "https://www.linkedin.com/sharing/share-offsite/?url=",
    ] {
        assert!(html.contains(share), "{share}");
    }
    assert!(
        html.contains(&format!("value=\"{url}\"")),
        "the address to copy"
    );
    let scripts: Vec<&str> = html
        .match_indices("<script")
        .map(|(i, _)| &html[i..i + 40])
        .collect();
    assert_eq!(scripts.len(), 2, "{scripts:?}");
    assert!(
        scripts.iter().all(|s| s.starts_with("<script src=\"/")),
        "our own scripts only: {scripts:?}"
    );
    assert!(!html.contains("<img") && !html.contains("<iframe"));

    // A signature moves the count on the page (built once, kept until the count moves).
    let signed = app
        .sign("scrapsi445", &signer("Siân Lloyd", "sian@example.org"))
        .await;
    assert_eq!(signed.status(), StatusCode::ACCEPTED);
    page_showing(&app, "/c/scrapsi445", "data-stream=\"/v1/campaigns/scrapsi445/count/stream\">1</strong> <span id=\"count-noun\" data-zero=\"people have signed\" data-one=\"person has signed\" data-two=\"people have signed\" data-few=\"people have signed\" data-many=\"people have signed\" data-other=\"people have signed\">person has signed").await;

    // A draft, an unknown slug and a malformed one have no page.
    let token = app.login("organiser@article39.example").await;
    app.create_campaign(&token, json!({"slug": "a-draft"}))
        .await;
    for path in ["/c/a-draft", "/c/no-such-campaign", "/c/NOT_A_SLUG"] {
        let (status, headers, html) = page(&app, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(headers["content-type"], "text/html; charset=utf-8");
        assert!(html.contains("No campaign here"));
        assert!(!html.contains("Scrap SI 445"));
    }
}

#[tokio::test]
async fn the_page_signs_without_javascript_keeping_what_was_typed_beside_each_error() {
    let app = spawn_app().await;
    app.open_campaign_with(json!({"require_confirmation": false}))
        .await;
    let (status, html) = post_page_form(
        &app,
        "scrapsi445",
        None,
        &[
            ("name", "Siân Lloyd"),
            ("email", "sian-at-example.org"),
            ("consent_version", "1"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("Enter an email address, like name@example.org"),
        "{html}"
    );
    assert!(
        html.contains("value=\"Siân Lloyd\""),
        "what was typed is kept"
    );
    assert!(
        html.contains("<h1>Scrap SI 445"),
        "the campaign's page, not the frame's"
    );
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM signatures WHERE name = $1",
            "Siân Lloyd"
        )
        .await,
        0
    );

    let (status, html) = post_page_form(
        &app,
        "scrapsi445",
        Some(&app.address),
        &[
            ("name", "Siân Lloyd"),
            ("email", "sian@example.org"),
            ("postcode", "CF10 1AA"),
            ("public", "true"),
            ("consent_version", "1"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Thank you: your signature is counted."),
        "{html}"
    );
    assert!(
        !html.contains("<form id=\"sign\""),
        "no second form after signing"
    );
    assert!(
        html.contains("Share this campaign"),
        "the thank-you offers sharing"
    );
    let stored = app
        .texts(
            "SELECT name, postcode, status FROM signatures WHERE email = $1",
            "sian@example.org",
        )
        .await;
    assert_eq!(
        stored,
        vec![vec![
            Some("Siân Lloyd".into()),
            Some("CF10 1AA".into()),
            Some("confirmed".into())
        ]]
    );

    // Another site's page cannot make its visitors sign.
    let (status, _) = post_page_form(
        &app,
        "scrapsi445",
        Some("https://evil.example"),
        &[
            ("name", "Mallory"),
            ("email", "mallory@example.org"),
            ("consent_version", "1"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(app.signatures_with_email("mallory@example.org").await, 0);
}

#[tokio::test]
async fn a_letter_page_lists_its_approved_signatories_and_a_closed_page_says_how_it_ended() {
    let app = spawn_app().await;
    let token = app
        .open_campaign_with(json!({"slug": "letter-to-the-minister", "kind": "letter", "require_confirmation": false}))
        .await;
    for (name, email, kind, org) in [
        (
            "Carolyne Willow",
            "carolyne@article39.example",
            "organisation",
            "Article 39",
        ),
        ("Kamena Dorling", "kamena@example.org", "individual", ""),
    ] {
        let mut body = json!({"name": name, "email": email, "signatory_type": kind, "public": true, "role": "Director"});
        if !org.is_empty() {
            body["organisation"] = json!(org);
        }
        let response = app.sign("letter-to-the-minister", &body).await;
        assert_eq!(response.status(), StatusCode::ACCEPTED, "{name}");
    }
    let list = app
        .get_json(
            "/v1/campaigns/letter-to-the-minister/signatures",
            Some(&token),
        )
        .await;
    for signature in list["signatures"].as_array().unwrap() {
        if signature["name"] == "Carolyne Willow" {
            let id = signature["id"].as_str().unwrap();
            let approved = app
                .patch_json(
                    &format!("/v1/campaigns/letter-to-the-minister/signatures/{id}"),
                    &json!({"review": "approved"}),
                    &token,
                )
                .await;
            assert_eq!(approved.status(), StatusCode::OK);
        }
    }
    // The count and the list of names are read apart: each shows once it has moved.
    page_showing(
        &app,
        "/c/letter-to-the-minister",
        "1 organisation and 1 individual have signed",
    )
    .await;
    let html = page_showing(
        &app,
        "/c/letter-to-the-minister",
        "Carolyne Willow, Director, Article 39",
    )
    .await;
    assert!(html.contains("<h3>Organisations</h3>"));
    assert!(
        !html.contains("Kamena Dorling"),
        "not listed until approved"
    );
    assert!(
        !html.contains("carolyne@article39.example"),
        "never an email"
    );

    let closed = app
        .patch_json(
            "/v1/campaigns/letter-to-the-minister",
            &json!({"status": "closed"}),
            &token,
        )
        .await;
    assert_eq!(closed.status(), StatusCode::OK);
    let today = chrono::Utc::now().format("%-d %B %Y").to_string();
    let html = page_showing(&app, "/c/letter-to-the-minister", "This campaign closed on").await;
    assert!(
        html.contains(&format!(
            "This campaign closed on {today} with 2 signatures."
        )),
        "{html}"
    );
    assert!(!html.contains("<form id=\"sign\""), "no form once closed");
    assert!(
        html.contains("Carolyne Willow, Director, Article 39"),
        "the letter keeps its signatories"
    );
}

#[tokio::test]
async fn the_index_lists_open_campaigns_with_counts_and_closed_ones_apart() {
    let app = spawn_app().await;
    let token = app
        .open_campaign_with(json!({"require_confirmation": false}))
        .await;
    app.create_campaign(
        &token,
        json!({"slug": "still-a-draft", "title": "A draft nobody sees"}),
    )
    .await;
    app.create_campaign(
        &token,
        json!({"slug": "ended", "title": "An ended petition"}),
    )
    .await;
    app.open_campaign(&token, "ended").await;
    let closed = app
        .patch_json("/v1/campaigns/ended", &json!({"status": "closed"}), &token)
        .await;
    assert_eq!(closed.status(), StatusCode::OK);
    let (status, headers, html) = page(&app, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert!(
        html.contains("<a href=\"/c/scrapsi445\">Scrap SI 445"),
        "{html}"
    );
    assert!(html.contains("<strong>0</strong> signatures"));
    assert!(!html.contains("A draft nobody sees") && !html.contains("An ended petition"));
    assert!(html.contains("<a href=\"/closed\">Closed campaigns</a>"));
    let (status, _, html) = page(&app, "/closed").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<a href=\"/c/ended\">An ended petition</a>"));
    assert!(!html.contains("Scrap SI 445"));
}

#[tokio::test]
async fn a_page_s_qr_code_holds_its_address_as_svg_and_png() {
    let app = spawn_app().await;
    app.open_campaign_with(json!({})).await;
    let svg = app.get("/c/scrapsi445/qr.svg", None).await;
    assert_eq!(svg.status(), StatusCode::OK);
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    let svg = svg.text().await.unwrap();
    assert!(svg.contains("<svg") && svg.contains("<path"), "{svg}");

    let png = app.get("/c/scrapsi445/qr.png", None).await;
    assert_eq!(png.status(), StatusCode::OK);
    assert_eq!(png.headers()["content-type"], "image/png");
    let bytes = png.bytes().await.unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    assert_eq!(width, height);
    // Version 3 or 4 for this address: 29 or 33 modules, with the quiet zone, 10 px each.
    assert!([370, 410].contains(&width), "{width}");
    let code = qrcode::QrCode::new(format!("{}/c/scrapsi445", app.address)).unwrap();
    assert_eq!(
        width as usize,
        (code.width() + 8) * 10,
        "the code of the page's own address"
    );

    let missing = app.get("/c/no-such-campaign/qr.png", None).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_supporter_reads_signs_and_shares_a_campaign_page_in_a_browser() {
    let Some(browser) = crate::browser::browser().await else {
        return;
    };
    let axe = crate::console::axe_source();
    let axe = axe.as_deref();
    let app = spawn_app().await;
    let token = app
        .open_campaign_with(json!({
            "require_confirmation": false,
            "recipient": "The Secretary of State for Education",
            "body": "## What SI 445 did\n\nIt removed **eight** legal protections from children in care, among them:\n\n- visits from a social worker at least every six weeks\n- independent reviews of a child's care plan\n\nWe call on the Secretary of State to revoke it and restore the Children Act 1989.",
        }))
        .await;
    app.create_campaign(
        &token,
        json!({"slug": "letter-to-the-minister", "kind": "letter", "require_confirmation": false,
               "title": "A letter to the Children's Minister", "target": null, "milestones": []}),
    )
    .await;
    app.open_campaign(&token, "letter-to-the-minister").await;
    for (name, email, kind, organisation, role) in [
        (
            "Carolyne Willow",
            "carolyne@article39.example",
            "organisation",
            "Article 39",
            "Director",
        ),
        (
            "Kamena Dorling",
            "kamena@example.org",
            "organisation",
            "Tros Gynnal Plant",
            "Chief Executive",
        ),
        (
            "Dr Siân Lloyd",
            "sian@example.org",
            "individual",
            "",
            "Social worker",
        ),
    ] {
        let mut body = json!({"name": name, "email": email, "signatory_type": kind, "public": true, "role": role});
        if !organisation.is_empty() {
            body["organisation"] = json!(organisation);
        }
        assert_eq!(
            app.sign("letter-to-the-minister", &body).await.status(),
            StatusCode::ACCEPTED
        );
    }
    let list = app
        .get_json(
            "/v1/campaigns/letter-to-the-minister/signatures",
            Some(&token),
        )
        .await;
    for signature in list["signatures"].as_array().unwrap() {
        let id = signature["id"].as_str().unwrap();
        let path = format!("/v1/campaigns/letter-to-the-minister/signatures/{id}");
        let approved = app
            .patch_json(&path, &json!({"review": "approved"}), &token)
            .await;
        assert_eq!(approved.status(), StatusCode::OK);
    }
    let client = &browser.client;
    crate::browser::viewport(client, 1280, 900).await;

    // Read, then signed in place: the page is not reloaded, the count moves by itself.
    client.goto(&app.url("/c/scrapsi445")).await.unwrap();
    crate::console::wait_text(client, "main h1", "Scrap SI 445").await;
    crate::console::wait_text(client, "#copy-link", "Copy the link").await;
    crate::console::check_screen(client, axe, "page-petition").await;
    client
        .execute("window.notReloaded = true;", vec![])
        .await
        .unwrap();
    crate::console::fill(client, "name", "Gwen Morgan").await;
    crate::console::fill(client, "email", "gwen@example.org").await;
    crate::browser::click(client, "#public").await;
    crate::browser::click(client, "button[type=submit]").await;
    crate::console::wait_text(client, "#outcome", "Thank you: your signature is counted.").await;
    crate::console::wait_text(client, "#count", "1").await;
    if let Some(axe) = axe {
        let faults = crate::console::accessibility_faults(client, axe).await;
        assert!(faults.is_empty(), "the page's thank-you: {faults:#?}");
    }
    let stayed = client
        .execute("return window.notReloaded === true;", vec![])
        .await
        .unwrap();
    assert_eq!(stayed, json!(true), "signed without leaving the page");
    let stored = app
        .texts(
            "SELECT name, status FROM signatures WHERE email = $1",
            "gwen@example.org",
        )
        .await;
    assert_eq!(
        stored,
        vec![vec![Some("Gwen Morgan".into()), Some("confirmed".into())]]
    );

    client
        .goto(&app.url("/c/letter-to-the-minister"))
        .await
        .unwrap();
    crate::console::wait_text(
        client,
        "main .headline",
        "2 organisations and 1 individual have signed",
    )
    .await;
    crate::console::wait_text(
        client,
        "main .signatories",
        "Kamena Dorling, Chief Executive, Tros Gynnal Plant",
    )
    .await;
    crate::console::check_screen(client, axe, "page-letter").await;

    client.goto(&app.url("/")).await.unwrap();
    crate::console::wait_text(client, "main", "A letter to the Children's Minister").await;
    crate::console::check_screen(client, axe, "page-index").await;
}

/// A PNG's width and height, from its header.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
    (
        u32::from_be_bytes(bytes[16..20].try_into().unwrap()),
        u32::from_be_bytes(bytes[20..24].try_into().unwrap()),
    )
}

#[tokio::test]
async fn a_shared_link_shows_a_picture_of_the_campaign_drawn_again_as_its_count_moves() {
    let app = spawn_app().await;
    app.open_campaign_with(json!({"require_confirmation": false}))
        .await;
    let (_, _, html) = page(&app, "/c/scrapsi445").await;
    let image = format!("{}/c/scrapsi445/preview.png", app.address);
    assert!(html.contains(&format!("<meta property=\"og:image\" content=\"{image}\">")));
    assert!(html.contains("<meta property=\"og:image:width\" content=\"1200\">"));
    assert!(html.contains("<meta name=\"twitter:card\" content=\"summary_large_image\">"));

    let before = app.get("/c/scrapsi445/preview.png", None).await;
    assert_eq!(before.status(), StatusCode::OK);
    assert_eq!(before.headers()["content-type"], "image/png");
    let before = before.bytes().await.unwrap();
    assert_eq!(png_size(&before), (1200, 630));
    let again = app
        .get("/c/scrapsi445/preview.png", None)
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(before, again, "the same picture while the count stands");

    let signed = app
        .sign("scrapsi445", &signer("Siân Lloyd", "sian@example.org"))
        .await;
    assert_eq!(signed.status(), StatusCode::ACCEPTED);
    app.expect_total("scrapsi445", 1).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let after = app
            .get("/c/scrapsi445/preview.png", None)
            .await
            .bytes()
            .await
            .unwrap();
        if after != before {
            assert_eq!(png_size(&after), (1200, 630));
            std::fs::write(std::env::temp_dir().join("undersigned-preview.png"), &after).unwrap();
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the picture never changed with the count"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let missing = app.get("/c/no-such-campaign/preview.png", None).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

/// The stamp a form page carries of when it was shown.
fn stamp_in(html: &str) -> String {
    html.split("name=\"started\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a form stamped with when it was shown")
        .to_owned()
}

#[tokio::test]
async fn a_form_sent_faster_than_a_person_could_fill_it_is_answered_but_never_counted() {
    let app = crate::helpers::spawn_app_with(|settings| settings.min_fill_seconds = 2).await;
    app.open_campaign_with(json!({"require_confirmation": false}))
        .await;
    let fields = |email: &'static str, stamp: String| {
        vec![
            ("name", "Siân Lloyd".to_owned()),
            ("email", email.to_owned()),
            ("consent_version", "1".to_owned()),
            ("started", stamp),
        ]
    };
    let post = |fields: Vec<(&'static str, String)>| {
        app.client
            .post(app.url("/c/scrapsi445"))
            .header("Origin", &app.address)
            .form(&fields)
            .send()
    };
    let (_, _, html) = page(&app, "/embed/scrapsi445").await;
    let stamp = stamp_in(&html);

    // At once: the same thank-you as anyone gets, but stored as spam and not counted.
    let hasty = post(fields("bot@example.org", stamp.clone()))
        .await
        .unwrap();
    assert_eq!(hasty.status(), StatusCode::OK);
    assert!(
        hasty
            .text()
            .await
            .unwrap()
            .contains("Thank you: your signature is counted.")
    );
    // Through the API, as the form's script sends it, and with a forged stamp.
    let forged = format!(
        "{}.{}",
        chrono::Utc::now().timestamp_millis() - 60_000,
        "0".repeat(32)
    );
    for (email, stamp) in [
        ("script@example.org", stamp.clone()),
        ("forger@example.org", forged),
    ] {
        let body = json!({"name": "Bot", "email": email, "started": stamp});
        let answer = app.sign("scrapsi445", &body).await;
        assert_eq!(answer.status(), StatusCode::ACCEPTED, "{email}");
    }
    for email in [
        "bot@example.org",
        "script@example.org",
        "forger@example.org",
    ] {
        let stored = app
            .texts("SELECT status FROM signatures WHERE email = $1", email)
            .await;
        assert_eq!(stored, vec![vec![Some("spam".to_owned())]], "{email}");
    }
    app.expect_total("scrapsi445", 0).await;

    // A person, who takes longer: counted. A form shown again with its errors keeps its first
    // stamp, so a quick fix is not taken for haste.
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let refused = post(vec![
        ("name", "Siân Lloyd".to_owned()),
        ("email", "sian-at-example.org".to_owned()),
        ("consent_version", "1".to_owned()),
        ("started", stamp.clone()),
    ])
    .await
    .unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(stamp_in(&refused.text().await.unwrap()), stamp);
    let person = post(fields("sian@example.org", stamp)).await.unwrap();
    assert_eq!(person.status(), StatusCode::OK);
    let stored = app
        .texts(
            "SELECT status FROM signatures WHERE email = $1",
            "sian@example.org",
        )
        .await;
    assert_eq!(stored, vec![vec![Some("confirmed".to_owned())]]);
    app.expect_total("scrapsi445", 1).await;
    // A client that sends no stamp (a partner's server, a script) is not judged by it.
    let unstamped = app
        .sign("scrapsi445", &signer("Dafydd Jones", "dafydd@example.org"))
        .await;
    assert_eq!(unstamped.status(), StatusCode::ACCEPTED);
    app.expect_total("scrapsi445", 2).await;
}

#[tokio::test]
async fn a_page_kept_in_memory_is_gzipped_for_a_browser_that_takes_it_and_reads_the_same() {
    use std::io::Read;
    let app = spawn_app().await;
    app.open_campaign_with(json!({})).await;
    for path in ["/c/scrapsi445", "/"] {
        let plain = app.get(path, None).await;
        assert_eq!(plain.headers()["vary"], "Accept-Language, Accept-Encoding");
        assert!(plain.headers().get("content-encoding").is_none());
        let plain = plain.text().await.unwrap();
        for accepted in ["gzip, deflate, br, zstd", "br;q=1.0, gzip;q=0.8", "*"] {
            let response = app
                .client
                .get(app.url(path))
                .header("Accept-Encoding", accepted)
                .send()
                .await
                .unwrap();
            assert_eq!(response.headers()["content-encoding"], "gzip", "{accepted}");
            let zipped = response.bytes().await.unwrap();
            assert!(
                zipped.len() < plain.len(),
                "{} of {}",
                zipped.len(),
                plain.len()
            );
            let mut unzipped = String::new();
            flate2::read::GzDecoder::new(&zipped[..])
                .read_to_string(&mut unzipped)
                .unwrap();
            assert_eq!(unzipped, plain);
        }
        // Refused by weight, or not offered: as built.
        for accepted in ["gzip;q=0", "identity", "br"] {
            let response = app
                .client
                .get(app.url(path))
                .header("Accept-Encoding", accepted)
                .send()
                .await
                .unwrap();
            assert!(
                response.headers().get("content-encoding").is_none(),
                "{accepted}"
            );
            assert_eq!(response.text().await.unwrap(), plain);
        }
    }
}

#[tokio::test]
async fn a_draft_is_previewed_privately_as_the_public_will_see_it() {
    let app = spawn_app().await;
    let token = app.organiser("organiser@article39.example", false).await;
    app.create_campaign(&token, json!({})).await;
    let campaign = app.get_json("/v1/campaigns/scrapsi445", Some(&token)).await;
    let preview_url = campaign["preview_url"].as_str().unwrap().to_owned();
    let path = preview_url
        .strip_prefix(&app.address)
        .expect("an address of this service")
        .to_owned();
    assert!(path.starts_with("/c/scrapsi445/preview/"), "{path}");
    // Another organiser sees no draft, let alone its link.
    let other = app.organiser("other@example.org", false).await;
    let response = app.get("/v1/campaigns/scrapsi445", Some(&other)).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    // The page as the public will see it, marked, never indexed nor cached.
    let (status, headers, html) = page(&app, &path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["x-robots-tag"], "noindex, nofollow");
    assert_eq!(headers["cache-control"], "no-store");
    assert!(html.contains("<meta name=\"robots\" content=\"noindex\">"));
    assert!(html.contains("Preview — not yet open"), "{html}");
    assert!(html.contains("<h1>Scrap SI 445: reinstate children&#39;s rights in care</h1>"));
    assert!(
        html.contains("name=\"email\""),
        "the signing form, as it will be"
    );
    assert!(
        !html.contains("og:image"),
        "nothing for link previews to pick up"
    );
    // In Welsh, its language link staying on the preview.
    let (status, _, welsh) = page(&app, &format!("{path}?lang=cy")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(welsh.contains("Rhagolwg — heb agor eto"), "{welsh}");
    assert!(
        welsh.contains(&format!("href=\"{path}?lang=en\"")),
        "{welsh}"
    );

    // The embedded form and the picture a shared link shows, from the preview's links.
    assert!(html.contains(&format!("href=\"{path}/form\"")), "{html}");
    let (status, headers, form) = page(&app, &format!("{path}/form")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["x-robots-tag"], "noindex, nofollow");
    assert!(form.contains("Preview — not yet open"));
    assert!(form.contains("name=\"email\""));
    let card = app.get(&format!("{path}/preview.png"), None).await;
    assert_eq!(card.status(), StatusCode::OK);
    assert_eq!(card.headers()["content-type"], "image/png");
    assert_eq!(card.headers()["x-robots-tag"], "noindex, nofollow");
    assert!(card.bytes().await.unwrap().starts_with(b"\x89PNG"));

    // Without the link's own secret there is nothing, and the public page is still not there.
    let secret = path.rsplit('/').next().unwrap().to_owned();
    let mut wrong = secret.clone().into_bytes();
    wrong[0] = if wrong[0] == b'0' { b'1' } else { b'0' };
    let wrong = String::from_utf8(wrong).unwrap();
    for guess in [
        format!("/c/scrapsi445/preview/{wrong}"),
        format!("/c/scrapsi445/preview/{wrong}/form"),
        "/c/scrapsi445/preview/short".to_owned(),
        format!("/c/another-campaign/preview/{secret}"),
    ] {
        let (status, headers, body) = page(&app, &guess).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{guess}");
        assert!(!body.contains("Scrap SI 445"), "{guess}");
        if !guess.ends_with("/form") {
            assert_eq!(headers["x-robots-tag"], "noindex, nofollow", "{guess}");
        }
    }
    let card = app
        .get(&format!("/c/scrapsi445/preview/{wrong}/preview.png"), None)
        .await;
    assert_eq!(card.status(), StatusCode::NOT_FOUND);
    assert_eq!(page(&app, "/c/scrapsi445").await.0, StatusCode::NOT_FOUND);

    // Once open, the link leads to the public page, and the campaign has no preview.
    app.open_campaign(&token, "scrapsi445").await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = client.get(&preview_url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/c/scrapsi445");
    let campaign = app.get_json("/v1/campaigns/scrapsi445", Some(&token)).await;
    assert!(campaign.get("preview_url").is_none(), "{campaign}");
}
