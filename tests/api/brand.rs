//! An organisation's look: its colour (checked for contrast), its website and its logo (taken
//! as PNG, JPEG or WebP, re-encoded and shrunk), on its campaigns' pages, the embedded form,
//! the pages signers' links open, the emails they receive and the link preview picture.

use std::io::Cursor;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, fields_of, scrapsi445, spawn_app};
use crate::smtp::{html_of, text_of, token_in};

/// An image of `width` × `height` in one colour, encoded as `format`.
pub fn image_of(width: u32, height: u32, rgb: [u8; 3], format: image::ImageFormat) -> Vec<u8> {
    let picture = image::RgbImage::from_pixel(width, height, image::Rgb(rgb));
    let mut bytes = Vec::new();
    picture
        .write_to(&mut Cursor::new(&mut bytes), format)
        .expect("an encoded image");
    bytes
}

pub async fn upload(
    app: &TestApp,
    path: &str,
    token: &str,
    content_type: &str,
    body: Vec<u8>,
) -> reqwest::Response {
    app.client
        .put(app.url(path))
        .bearer_auth(token)
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .expect("PUT")
}

async fn me(app: &TestApp, token: &str) -> Value {
    app.get_json("/v1/users/me", Some(token)).await
}

#[tokio::test]
async fn a_colour_is_taken_only_if_text_can_be_read_on_it_and_a_refusal_names_a_shade_that_can() {
    let app = spawn_app().await;
    let token = app.organiser("brand@article39.example", false).await;

    // Mid grey: neither white nor dark text reaches 4.5:1 on it.
    let refused = app
        .patch_json(
            "/v1/users/me",
            &json!({"organiser": {"colour": "#777777", "name": "Article 39"}}),
            &token,
        )
        .await;
    let problem = assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(fields_of(&problem), ["organiser.colour"]);
    let message = problem["errors"][0]["message"].as_str().unwrap();
    let shade = message.rsplit(' ').next().unwrap();
    assert!(shade.starts_with('#') && shade.len() == 7, "{message}");
    // Nothing changed, not even the name sent beside it.
    assert_eq!(me(&app, &token).await["organiser"]["name"], Value::Null);

    // The shade it names is taken.
    let taken = app
        .patch_json(
            "/v1/users/me",
            &json!({"organiser": {"colour": shade}}),
            &token,
        )
        .await;
    assert_eq!(taken.status(), StatusCode::OK);
    for (bad, field) in [
        (json!({"colour": "blue"}), "organiser.colour"),
        (json!({"colour": "#1d70b8ff"}), "organiser.colour"),
        (json!({"colour": 12}), "organiser"),
        (
            json!({"website": "http://article39.org.uk"}),
            "organiser.website",
        ),
        (
            json!({"website": "javascript:alert(1)"}),
            "organiser.website",
        ),
    ] {
        let response = app
            .patch_json("/v1/users/me", &json!({"organiser": bad}), &token)
            .await;
        assert!(
            matches!(
                response.status(),
                StatusCode::UNPROCESSABLE_ENTITY | StatusCode::BAD_REQUEST
            ),
            "{bad}: {}",
            response.status()
        );
        let body: Value = response.json().await.unwrap();
        assert!(body.to_string().contains(field), "{bad}: {body}");
    }
    let saved = app
        .patch_json(
            "/v1/users/me",
            &json!({"organiser": {"colour": "#1D3557", "website": "https://article39.org.uk"}}),
            &token,
        )
        .await;
    assert_eq!(saved.status(), StatusCode::OK);
    let organiser = &me(&app, &token).await["organiser"];
    assert_eq!(organiser["colour"], "#1d3557");
    assert_eq!(organiser["website"], "https://article39.org.uk/");
    // Empty clears it.
    app.patch_json(
        "/v1/users/me",
        &json!({"organiser": {"colour": ""}}),
        &token,
    )
    .await;
    assert_eq!(me(&app, &token).await["organiser"]["colour"], Value::Null);
}

#[tokio::test]
async fn a_logo_is_re_encoded_and_shrunk_and_anything_else_is_refused_changing_nothing() {
    let app = spawn_app().await;
    let token = app.organiser("logo@article39.example", false).await;
    let path = "/v1/users/me/logo";

    let wide = image_of(1200, 600, [29, 53, 87], image::ImageFormat::Png);
    let answered = upload(&app, path, &token, "image/png", wide).await;
    assert_eq!(answered.status(), StatusCode::OK);
    let user: Value = answered.json().await.unwrap();
    let logo_url = user["organiser"]["logo_url"].as_str().unwrap().to_owned();
    assert!(logo_url.starts_with("/logos/"), "{logo_url}");

    let served = app.get(&logo_url, None).await;
    assert_eq!(served.status(), StatusCode::OK);
    assert_eq!(served.headers()["content-type"], "image/png");
    assert_eq!(served.headers()["x-content-type-options"], "nosniff");
    let stored = image::load_from_memory(&served.bytes().await.unwrap()).unwrap();
    assert_eq!(
        (stored.width(), stored.height()),
        (512, 256),
        "shrunk to fit 512 px"
    );

    // SVG can carry script: refused, as is any other type.
    let svg = b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>".to_vec();
    for content_type in ["image/svg+xml", "text/html", "application/octet-stream"] {
        let refused = upload(&app, path, &token, content_type, svg.clone()).await;
        assert_problem(
            refused,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
        )
        .await;
    }
    let huge = vec![0u8; 1024 * 1024 + 1];
    let refused = upload(&app, path, &token, "image/png", huge).await;
    assert_problem(refused, StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large").await;
    // Not what it says it is: a JPEG sent as PNG, and bytes that are no image.
    let jpeg = image_of(40, 40, [255, 221, 0], image::ImageFormat::Jpeg);
    for (content_type, body) in [
        ("image/png", jpeg.clone()),
        ("image/webp", b"RIFF....WEBPnot".to_vec()),
    ] {
        let refused = upload(&app, path, &token, content_type, body).await;
        let problem = assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
        assert_eq!(fields_of(&problem), ["logo"]);
    }
    assert_eq!(
        me(&app, &token).await["organiser"]["logo_url"],
        logo_url.as_str()
    );

    // A JPEG is taken, and stored as PNG; the logo it replaces is gone.
    let answered = upload(&app, path, &token, "image/jpeg", jpeg).await;
    assert_eq!(answered.status(), StatusCode::OK);
    let replaced: Value = answered.json().await.unwrap();
    let new_url = replaced["organiser"]["logo_url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(new_url, logo_url);
    assert_eq!(
        app.get(&new_url, None).await.headers()["content-type"],
        "image/png"
    );
    assert_eq!(
        app.get(&logo_url, None).await.status(),
        StatusCode::NOT_FOUND
    );

    let removed = app
        .client
        .delete(app.url(path))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), StatusCode::OK);
    assert_eq!(me(&app, &token).await["organiser"]["logo_url"], Value::Null);
    assert_eq!(
        app.get(&new_url, None).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM logos WHERE content_type = $1",
            "image/png"
        )
        .await,
        0
    );

    // Without a token, nothing.
    let anonymous = app
        .client
        .put(app.url(path))
        .header("Content-Type", "image/png")
        .body(Vec::new())
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

/// The colour of a pixel of a PNG.
fn pixel(png: &[u8], x: u32, y: u32) -> [u8; 3] {
    let picture = image::load_from_memory(png).unwrap().to_rgb8();
    picture.get_pixel(x, y).0
}

#[tokio::test]
async fn a_campaign_wears_its_organisations_look_on_its_page_form_links_emails_and_preview() {
    let app = spawn_app().await;
    let token = app
        .organiser("brand-campaign@article39.example", false)
        .await;
    app.patch_json(
        "/v1/users/me",
        &json!({"organiser": {"colour": "#1d3557"}}),
        &token,
    )
    .await;
    let logo = image_of(300, 100, [255, 221, 0], image::ImageFormat::Png);
    let user: Value = upload(&app, "/v1/users/me/logo", &token, "image/png", logo)
        .await
        .json()
        .await
        .unwrap();
    let logo_url = user["organiser"]["logo_url"].as_str().unwrap().to_owned();
    let mut spec = scrapsi445();
    spec["require_confirmation"] = json!(true);
    app.create_campaign(&token, spec).await;
    app.open_campaign(&token, "scrapsi445").await;

    let page = app.get("/c/scrapsi445", None).await.text().await.unwrap();
    let logo_img = format!("<img src=\"{logo_url}\" alt=\"Together for Children\"");
    assert!(page.contains(&logo_img), "{page}");
    let stylesheet = "/c/scrapsi445/brand.css?v=1d3557";
    assert!(page.contains(&format!("<link rel=\"stylesheet\" href=\"{stylesheet}\">")));
    let css = app.get(stylesheet, None).await.text().await.unwrap();
    assert!(
        css.contains("--brand: #1d3557;") && css.contains("--on-brand: #ffffff;"),
        "{css}"
    );

    let form = app
        .get("/embed/scrapsi445", None)
        .await
        .text()
        .await
        .unwrap();
    assert!(form.contains(&logo_img) && form.contains(stylesheet));
    // A partner with colours of its own asks for the plain form.
    let plain = app
        .get("/embed/scrapsi445?style=plain", None)
        .await
        .text()
        .await
        .unwrap();
    assert!(!plain.contains("/logos/") && !plain.contains("brand.css"));

    // The preview picture is drawn on the colour.
    let preview = app
        .get("/c/scrapsi445/preview.png", None)
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(pixel(&preview, 10, 10), [0x1d, 0x35, 0x57]);

    // The confirmation email carries them, the HTML part in the colour with the logo's
    // absolute address; the text part holds no markup.
    app.sign("scrapsi445", &json!({"name": "Siân", "email": "sian@example.org", "postcode": "CF10 1AA", "country": "GB"}))
        .await;
    let message = app.outbox_messages(1).await.remove(0);
    let html = html_of(&message);
    assert!(html.contains("background:#1d3557;color:#ffffff"), "{html}");
    assert!(
        html.contains(&format!(
            "src=\"{}\" alt=\"Together for Children\"",
            app.url(&logo_url)
        )),
        "{html}"
    );
    let text = text_of(&message);
    assert!(!text.contains('<') && text.contains("Siân"), "{text}");
    let confirm = token_in(&text, "confirm").unwrap();
    let page = app
        .get(&format!("/confirm/{confirm}"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&logo_img) && page.contains(stylesheet),
        "{page}"
    );

    // A campaign may wear its own colour and logo.
    let changed = app
        .patch_json(
            "/v1/campaigns/scrapsi445",
            &json!({"colour": "#ffdd00"}),
            &token,
        )
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    let own = image_of(100, 100, [0, 0, 0], image::ImageFormat::WebP);
    let campaign: Value = upload(
        &app,
        "/v1/campaigns/scrapsi445/logo",
        &token,
        "image/webp",
        own,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(campaign["colour"], "#ffdd00");
    let own_url = campaign["logo_url"].as_str().unwrap().to_owned();
    let page = app.get("/c/scrapsi445", None).await.text().await.unwrap();
    assert!(page.contains(&format!("<img src=\"{own_url}\"")), "{page}");
    let css = app
        .get("/c/scrapsi445/brand.css?v=ffdd00", None)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        css.contains("--on-brand: #0b0c0c;"),
        "dark text on yellow: {css}"
    );
    let preview = app
        .get("/c/scrapsi445/preview.png", None)
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(pixel(&preview, 10, 10), [0xff, 0xdd, 0x00]);
    // Another organiser can neither set nor remove it.
    let other = app.organiser("someone-else@example.org", false).await;
    let refused = app
        .client
        .delete(app.url("/v1/campaigns/scrapsi445/logo"))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    let refused = app
        .patch_json(
            "/v1/campaigns/scrapsi445",
            &json!({"colour": "#777777"}),
            &token,
        )
        .await;
    let problem = assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(fields_of(&problem), ["colour"]);
    // Back to the organisation's.
    let back = app
        .patch_json("/v1/campaigns/scrapsi445", &json!({"colour": null}), &token)
        .await;
    assert_eq!(back.status(), StatusCode::OK);
    let page = app.get("/c/scrapsi445", None).await.text().await.unwrap();
    assert!(page.contains("brand.css?v=1d3557"));
}

#[tokio::test]
async fn an_operators_theme_restyles_and_a_replacement_that_fails_is_reported_and_not_used() {
    let theme = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(theme.path().join("layouts")).unwrap();
    std::fs::create_dir_all(theme.path().join("partials")).unwrap();
    std::fs::write(
        theme.path().join("theme.css"),
        ".site { border-bottom: 4px solid #ffdd00; }",
    )
    .unwrap();
    let layout = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/templates/layouts/page.html"
    ))
    .unwrap();
    let layout = layout.replace(
        "<head>",
        "<head><meta name=\"theme\" content=\"coalition\">",
    );
    std::fs::write(theme.path().join("layouts/page.html"), layout).unwrap();
    // Compiles, but names what no page has: refused at start, the built-in one kept.
    std::fs::write(
        theme.path().join("partials/organiser.html"),
        "{{ no_such_thing.name }}",
    )
    .unwrap();
    // Does not compile.
    std::fs::write(theme.path().join("partials/share.html"), "{% if %}").unwrap();
    // Compiles, but names what the campaign page's count has not.
    std::fs::write(
        theme.path().join("partials/count.html"),
        "<p>{{ count.no_such_thing.total }}</p>",
    )
    .unwrap();
    // A page's body may not be replaced.
    std::fs::create_dir_all(theme.path().join("pages")).unwrap();
    std::fs::write(theme.path().join("pages/campaign.html"), "replaced").unwrap();
    let dir = theme.path().to_owned();
    let app = crate::helpers::spawn_app_with(move |s| s.theme_dir = Some(dir)).await;
    let token = app.organiser("theme@article39.example", false).await;
    app.create_campaign(&token, scrapsi445()).await;
    app.open_campaign(&token, "scrapsi445").await;
    let page = app.get("/c/scrapsi445", None).await.text().await.unwrap();
    assert!(page.contains("<meta name=\"theme\" content=\"coalition\">"));
    assert!(
        page.contains("<section class=\"share\""),
        "the built-in share partial"
    );
    assert!(
        page.contains("<p class=\"organiser\">Run by Together for Children."),
        "{page}"
    );
    assert!(page.contains("<h1>Scrap SI 445"));
    let css = app.get("/page.css", None).await.text().await.unwrap();
    assert!(css.ends_with(".site { border-bottom: 4px solid #ffdd00; }"));
}
