//! An organisation's look, set in the console in a real browser (headless Chromium), and seen
//! where supporters see it: the campaign's page, the embedded form, the confirmation page, the
//! link preview picture and the confirmation email.

use fantoccini::Locator;
use serde_json::{Value, json};

use crate::brand::image_of;
use crate::browser::browser;
use crate::console::{axe_source, check_screen, fill, log_in, press, wait_screen, wait_text};
use crate::helpers::{scrapsi445, spawn_app};
use crate::smtp::{html_of, text_of, token_in};

/// The organisation's navy, as a browser computes it.
const NAVY: &str = "rgb(29, 53, 87)";

/// The logo an `img.logo` shows, with its text alternative, once loaded; and the header's
/// (or, on the form, the button's) background colour.
async fn look(client: &fantoccini::Client, coloured: &str) -> Value {
    let script = format!(
        "var i = document.querySelector('img.logo'); var c = document.querySelector({});
         return [i && i.complete && i.naturalWidth > 0 ? i.getAttribute('alt') : null,
                 c ? getComputedStyle(c).backgroundColor : null];",
        serde_json::to_string(coloured).unwrap()
    );
    crate::browser::wait_for_script(
        client,
        "var i = document.querySelector('img.logo'); return i && i.complete && i.naturalWidth > 0;",
        "the logo to load",
    )
    .await;
    client.execute(&script, vec![]).await.unwrap()
}

#[tokio::test]
async fn an_organiser_sets_a_logo_and_colour_in_the_console_and_supporters_see_them() {
    let Some(browser) = browser().await else {
        return;
    };
    let axe = axe_source();
    let axe = axe.as_deref();
    let app = spawn_app().await;
    let email = "brand@togetherforchildren.example";
    let token = app.organiser(email, false).await;
    let mut campaign = scrapsi445();
    campaign["require_confirmation"] = json!(true);
    app.create_campaign(&token, campaign).await;
    app.open_campaign(&token, "scrapsi445").await;

    let client = &browser.client;
    crate::browser::viewport(client, 1280, 900).await;
    log_in(client, &app.address, email, "Scrap SI 445").await;
    client
        .goto(&format!("{}/console/#/account", app.address))
        .await
        .unwrap();
    wait_screen(client, "Your organisation").await;
    // A colour no text can be read on is refused, with a shade that can.
    fill(client, "field-organiser-colour", "#777777").await;
    press(client, "Save").await;
    wait_text(
        client,
        "[data-field='organiser.colour'] .field-error",
        "4.5:1",
    )
    .await;
    fill(client, "field-organiser-colour", "#1d3557").await;
    press(client, "Save").await;
    wait_text(client, "#status", "Saved").await;

    let logo = tempfile::Builder::new().suffix(".png").tempfile().unwrap();
    std::fs::write(
        logo.path(),
        image_of(600, 200, [255, 221, 0], image::ImageFormat::Png),
    )
    .unwrap();
    client
        .find(Locator::Id("logo-file"))
        .await
        .unwrap()
        .send_keys(&logo.path().display().to_string())
        .await
        .unwrap();
    press(client, "Upload the logo").await;
    wait_text(client, "#status", "The logo is saved").await;
    crate::browser::wait_visible(client, "img.logo-preview").await;
    check_screen(client, axe, "console-brand").await;

    // The campaign's page, in the organisation's colour with its logo.
    client
        .goto(&format!("{}/c/scrapsi445", app.address))
        .await
        .unwrap();
    assert_eq!(
        look(client, "header.site").await,
        json!(["Together for Children", NAVY])
    );
    check_screen(client, axe, "page-branded").await;
    // The embedded form: its button in the colour.
    client
        .goto(&format!("{}/embed/scrapsi445", app.address))
        .await
        .unwrap();
    assert_eq!(
        look(client, "#sign button[type=submit]").await,
        json!(["Together for Children", NAVY])
    );
    check_screen(client, axe, "embed-branded").await;

    // A partner with colours of its own asks for the plain form on its snippet.
    let partner = crate::browser::partner_site(format!(
        "<script src=\"{}/embed.js\" data-campaign=\"scrapsi445\" data-style=\"plain\" async></script>",
        app.address
    ));
    let allowed = app
        .patch_json(
            "/v1/campaigns/scrapsi445",
            &json!({"allowed_origins": [partner]}),
            &token,
        )
        .await;
    assert!(allowed.status().is_success());
    client.goto(&partner).await.unwrap();
    let frame = crate::browser::wait_visible(client, "iframe[data-undersigned]").await;
    let src = frame.attr("src").await.unwrap().unwrap_or_default();
    assert!(src.ends_with("/embed/scrapsi445?style=plain"), "{src}");
    frame.enter_frame().await.unwrap();
    crate::browser::wait_visible(client, "#sign button[type=submit]").await;
    let plain = client
        .execute(
            "return [document.querySelector('img.logo') === null, \
             getComputedStyle(document.querySelector('#sign button[type=submit]')).backgroundColor];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        plain,
        json!([true, "rgb(0, 112, 60)"]),
        "the service's own green"
    );
    client.enter_parent_frame().await.unwrap();

    // Signing: the email carries the colour and the logo; its link's page wears them.
    app.sign("scrapsi445", &json!({"name": "Siân", "email": "sian@example.org", "postcode": "CF10 1AA", "country": "GB"}))
        .await;
    let message = app.outbox_messages(1).await.remove(0);
    let html = html_of(&message);
    assert!(html.contains("background:#1d3557;color:#ffffff"), "{html}");
    let me = app.get_json("/v1/users/me", Some(&token)).await;
    let logo_url = me["organiser"]["logo_url"].as_str().unwrap();
    assert!(
        html.contains(&format!(
            "<img src=\"{}\" alt=\"Together for Children\"",
            app.url(logo_url)
        )),
        "{html}"
    );
    let confirm = token_in(&text_of(&message), "confirm").unwrap();
    client
        .goto(&format!("{}/confirm/{confirm}", app.address))
        .await
        .unwrap();
    assert_eq!(
        look(client, "header.site").await,
        json!(["Together for Children", NAVY])
    );
    check_screen(client, axe, "confirm-branded").await;

    // The picture a shared link shows, on the colour, with the logo in its corner.
    let preview = app
        .get("/c/scrapsi445/preview.png", None)
        .await
        .bytes()
        .await
        .unwrap();
    let picture = image::load_from_memory(&preview).unwrap().to_rgb8();
    assert_eq!(picture.get_pixel(10, 10).0, [0x1d, 0x35, 0x57]);
    assert_eq!(
        picture.get_pixel(1200 - 72 - 20, 48 + 20).0,
        [255, 221, 0],
        "the logo"
    );
    let dir =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(crate::browser::SCREENSHOTS);
    std::fs::write(dir.join("preview-branded.png"), &preview).unwrap();
}
