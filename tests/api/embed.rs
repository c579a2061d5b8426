//! The embeddable form over HTTP: its page, its policy, its plain-POST fallback, its assets
//! and the snippets organisers copy. (`browser.rs` drives it in a real browser.)

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, spawn_app};

async fn page(app: &TestApp, path: &str) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let response = app.get(path, None).await;
    let status = response.status();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

async fn post_form(app: &TestApp, slug: &str, fields: &[(&str, &str)]) -> (StatusCode, String) {
    let response = app
        .client
        .post(app.url(&format!("/embed/{slug}")))
        .form(fields)
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

#[tokio::test]
async fn the_form_page_shows_the_campaign_its_count_and_the_fields_it_needs() {
    let app = spawn_app().await;
    app.open_campaign_with(json!({"require_confirmation": false}))
        .await;
    app.sign(
        "scrapsi445",
        &json!({"name": "A", "email": "a@example.org"}),
    )
    .await;
    app.expect_total("scrapsi445", 1).await;

    let (status, headers, html) = page(&app, "/embed/scrapsi445?source=nyas").await;
    assert_eq!(status, StatusCode::OK);
    // The country is chosen by name, the United Kingdom first and chosen already.
    let country = html
        .find("<select id=\"country\" name=\"country\"")
        .expect("a country list");
    let uk = html
        .find("<option value=\"GB\" selected>United Kingdom</option>")
        .expect("the UK");
    let ireland = html
        .find("<option value=\"IE\">Ireland</option>")
        .expect("Ireland");
    assert!(country < uk && uk < ireland, "the UK first");
    // And the whole text the signer signs is there, folded.
    assert!(
        html.contains(
            "<details class=\"text\"><summary>Read the full text you are signing</summary>"
        )
    );
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(
        csp.contains("frame-ancestors 'self' https://www.article39.org.uk https://nyas.net"),
        "{csp}"
    );
    assert!(html.contains("<h1>Scrap SI 445: reinstate children&#39;s rights in care</h1>"));
    assert!(
        html.contains(
            "<strong id=\"count\" data-stream=\"/v1/campaigns/scrapsi445/count/stream\">1</strong> \
             <span id=\"count-noun\" data-zero=\"people have signed\" data-one=\"person has signed\" data-two=\"people have signed\" data-few=\"people have signed\" data-many=\"people have signed\" data-other=\"people have signed\">person has signed</span>"
        ),
        "{html}"
    );
    for field in [
        "name", "email", "postcode", "country", "public", "contact", "nickname",
    ] {
        assert!(
            html.contains(&format!("name=\"{field}\"")),
            "{field} in {html}"
        );
        if field != "nickname" {
            // Every visible field has a label and an error slot tied to it.
            assert!(
                html.contains(&format!("<label for=\"{field}\">")),
                "{field}"
            );
            assert!(html.contains(&format!("id=\"{field}-error\"")), "{field}");
        }
    }
    assert!(!html.contains("checked"), "consent boxes start unticked");
    assert!(html.contains("<input type=\"hidden\" name=\"source\" value=\"nyas\">"));
    assert!(
        html.contains("tabindex=\"-1\" autocomplete=\"off\""),
        "the honeypot"
    );
    assert!(!html.contains("<script>"), "no inline script");
    assert!(!html.contains("signatory_type"), "petitions do not ask");

    // A malformed source is dropped, not passed on for the signer to trip over.
    let (_, _, html) = page(&app, "/embed/scrapsi445?source=%3Cscript%3E").await;
    assert!(!html.contains("name=\"source\""));
    assert!(!html.contains("<script>"));
}

#[tokio::test]
async fn a_letters_form_asks_for_signatory_type_organisation_and_role() {
    let app = spawn_app().await;
    app.open_campaign_with(json!({
        "kind": "letter",
        "recipient": "Children's Minister",
        "allowed_origins": [],
    }))
    .await;
    let (status, headers, html) = page(&app, "/embed/scrapsi445").await;
    assert_eq!(status, StatusCode::OK);
    for field in ["signatory_type", "organisation", "role"] {
        assert!(html.contains(&format!("name=\"{field}\"")), "{field}");
    }
    assert!(!html.contains("name=\"postcode\""));
    // No partner may frame it until the organiser lists one.
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .ends_with("frame-ancestors 'self'")
    );
}

#[tokio::test]
async fn without_javascript_the_form_posts_and_answers_in_a_page() {
    let app = spawn_app().await;
    app.open_campaign_with(json!({})).await;

    let (status, html) = post_form(
        &app,
        "scrapsi445",
        &[
            ("name", "Rhiannon Ap Gwilym"),
            ("email", "rhiannon@example.cymru"),
            ("postcode", "ll55 4ul"),
            ("public", "true"),
            ("consent_version", "1"),
            ("source", "nyas"),
            ("nickname", ""),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Check your email"), "{html}");
    assert!(!html.contains("<form"), "the form gives way to the outcome");
    let stored = app
        .texts(
            "SELECT name, source, postcode, CAST(public AS TEXT), CAST(contact AS TEXT) FROM signatures WHERE email = $1",
            "rhiannon@example.cymru",
        )
        .await;
    let row = &stored[0];
    assert_eq!(row[0].as_deref(), Some("Rhiannon Ap Gwilym"));
    assert_eq!(row[1].as_deref(), Some("nyas"));
    assert_eq!(row[2].as_deref(), Some("LL55 4UL"));
    assert!(matches!(row[3].as_deref(), Some("1" | "true")), "{row:?}");
    assert!(
        matches!(row[4].as_deref(), Some("0" | "false")),
        "unticked is no: {row:?}"
    );
    app.expect_count("scrapsi445", 0, 1).await;

    // A box sent as `false` is unticked, and one sent with another value is refused.
    let (status, _) = post_form(
        &app,
        "scrapsi445",
        &[
            ("name", "Ffion Hughes"),
            ("email", "ffion@example.cymru"),
            ("public", "false"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let public = app
        .texts(
            "SELECT CAST(public AS TEXT) FROM signatures WHERE email = $1",
            "ffion@example.cymru",
        )
        .await;
    assert!(
        matches!(public[0][0].as_deref(), Some("0" | "false")),
        "{public:?}"
    );
    let (status, html) = post_form(
        &app,
        "scrapsi445",
        &[
            ("name", "Bot"),
            ("email", "bot@example.org"),
            ("contact", "AAA"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("must be true or false"), "{html}");
    let (status, html) = post_form(
        &app,
        "scrapsi445",
        &[
            ("name", "Bot"),
            ("email", "bot@example.org"),
            ("x-tracking", "1"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("is not a field of this form"), "{html}");

    // Errors come back beside their fields, with what was typed kept.
    let (status, html) = post_form(
        &app,
        "scrapsi445",
        &[
            ("name", "=HYPERLINK(\"http://x\")"),
            ("email", "not an email"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // In words a supporter can act on, not "Email address is not an email address".
    assert!(
        html.contains("id=\"email-error\" data-label=\"Email address\">Enter an email address with no spaces, like name@example.org</p>"),
        "{html}"
    );
    assert!(html.contains("<li><a href=\"#email\">Enter an email address with no spaces, like name@example.org</a></li>"), "{html}");
    assert!(html.contains("id=\"email\" name=\"email\" autocomplete=\"email\" maxlength=\"254\" value=\"not an email\""), "{html}");
    assert!(
        html.contains("value=\"=HYPERLINK(&quot;http://x&quot;)\""),
        "{html}"
    );
    assert!(html.contains("aria-invalid=\"true\""));
    assert!(html.contains("There is a problem"));
    assert_eq!(app.signatures_with_email("not an email").await, 0);

    // Invalid UTF-8 is refused, not mangled into the name.
    let response = app
        .client
        .post(app.url("/embed/scrapsi445"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("name=%FF%FE&email=x%40example.org")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("not valid UTF-8"));
    app.expect_count("scrapsi445", 0, 2).await;
}

#[tokio::test]
async fn drafts_and_unknown_campaigns_have_no_form_and_closed_ones_no_fields() {
    let app = spawn_app().await;
    let token = app.organiser("organiser@article39.example", false).await;
    app.create_campaign(&token, json!({})).await;
    let (status, _, html) = page(&app, "/embed/scrapsi445").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!html.contains("Scrap SI 445"));
    // Short and in the form's style, sizing its frame as the form does.
    assert!(
        html.contains("<link rel=\"stylesheet\" href=\"/embed/form.css\">"),
        "{html}"
    );
    assert!(html.contains("<script src=\"/embed/form.js\" defer></script>"));
    assert!(html.contains("This signing form is not open"));
    let (status, _, _) = page(&app, "/embed/no-such-campaign").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    app.open_campaign(&token, "scrapsi445").await;
    let response = app
        .patch_json(
            "/v1/campaigns/scrapsi445",
            &json!({"status": "closed"}),
            &token,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let (status, _, html) = page(&app, "/embed/scrapsi445").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("closed to new signatures"));
    assert!(!html.contains("<form"));
    assert!(
        !html.contains("if you agree above"),
        "no boxes, so nothing to agree above"
    );
    let (status, html) = post_form(
        &app,
        "scrapsi445",
        &[("name", "A"), ("email", "a@example.org")],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(html.contains("closed to new signatures"));
}

#[tokio::test]
async fn the_embed_scripts_and_style_are_served_cacheable_and_typed() {
    let app = spawn_app().await;
    for (path, kind, marker) in [
        (
            "/embed.js",
            "text/javascript; charset=utf-8",
            "undersigned:height",
        ),
        (
            "/embed/form.js",
            "text/javascript; charset=utf-8",
            "undersigned:height",
        ),
        (
            "/embed/form.css",
            "text/css; charset=utf-8",
            ":focus-visible",
        ),
    ] {
        let (status, headers, body) = page(&app, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(headers["content-type"], kind, "{path}");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert!(
            headers["cache-control"]
                .to_str()
                .unwrap()
                .contains("max-age")
        );
        assert!(body.contains(marker), "{path}");
    }
    // embed.js believes a height only from the form's own origin and frame.
    let (_, _, js) = page(&app, "/embed.js").await;
    assert!(js.contains("event.origin === f.origin"));
    assert!(js.contains("event.source === f.frame.contentWindow"));
}

#[tokio::test]
async fn organisers_get_the_snippets_ready_to_paste() {
    let app = spawn_app().await;
    let token = app.open_campaign_with(json!({})).await;
    let response = app
        .get("/v1/campaigns/scrapsi445/embed?source=nyas", Some(&token))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    let base = &app.address;
    assert_eq!(
        body["script"],
        format!(
            "<script src=\"{base}/embed.js\" data-campaign=\"scrapsi445\" data-source=\"nyas\" \
             data-title=\"Sign: Scrap SI 445: reinstate children&#39;s rights in care\" async></script>"
        )
    );
    assert_eq!(
        body["form_url"],
        format!("{base}/embed/scrapsi445?source=nyas")
    );
    let iframe = body["iframe"].as_str().unwrap();
    assert!(iframe.starts_with(&format!("<iframe src=\"{base}/embed/scrapsi445?source=nyas\" title=\"Sign: Scrap SI 445: reinstate children&#39;s rights in care\"")), "{iframe}");
    // Tall enough for the phone layout (the browser test measures it), and said so.
    assert!(iframe.contains("height:1400px"), "{iframe}");
    assert!(
        body["iframe_note"]
            .as_str()
            .unwrap()
            .contains("1400 px tall, enough for the whole form on a phone"),
        "{body}"
    );
    assert_eq!(
        body["wordpress_shortcode"],
        "[undersigned campaign=\"scrapsi445\" source=\"nyas\"]"
    );
    assert_eq!(
        body["allowed_origins"],
        json!(["https://www.article39.org.uk", "https://nyas.net"])
    );
    assert_eq!(body["warnings"], json!([]));

    let response = app
        .get("/v1/campaigns/scrapsi445/embed?source=%22%3E", Some(&token))
        .await;
    assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    let response = app.get("/v1/campaigns/scrapsi445/embed", None).await;
    assert_problem(response, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    let stranger = app.organiser("someone@else.example", false).await;
    let response = app
        .get("/v1/campaigns/scrapsi445/embed", Some(&stranger))
        .await;
    assert_problem(response, StatusCode::NOT_FOUND, "not-found").await;
}
