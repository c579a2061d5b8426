//! The organiser console: served with a strict policy, then a whole campaign run in headless
//! Chromium (set-up from the logged link to log-out), each screen checked with axe-core and
//! photographed at desktop and phone widths for the README.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use fantoccini::actions::InputSource;
use fantoccini::{Client, Locator};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::browser::{
    Browser, REQUIRE_BROWSER, SCREENSHOTS, browser, click, partner_site, viewport, wait_for_script,
    wait_visible,
};
use crate::crash::Server;
use crate::helpers::{PASSWORD, TestDatabase, assert_problem, spawn_app};
use crate::setup::setup_link;

#[tokio::test]
async fn the_console_is_one_page_with_its_modules_built_in_under_a_strict_policy() {
    let app = spawn_app().await;
    let client = crate::helpers::http_client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let root = client.get(app.url("/console")).send().await.unwrap();
    assert_eq!(root.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(root.headers()["location"], "/console/");

    for path in ["/console/", "/console/setup"] {
        let page = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
        let policy = page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        for rule in [
            "script-src 'self'",
            "connect-src 'self'",
            "frame-ancestors 'none'",
            "default-src 'none'",
        ] {
            assert!(policy.contains(rule), "{rule} in {policy}");
        }
        assert!(!policy.contains("unsafe-inline") && !policy.contains("unsafe-eval"));
        assert_eq!(page.headers()["referrer-policy"], "no-referrer");
        let html = page.text().await.unwrap();
        assert!(html.contains("<script type=\"module\" src=\"/console/app.js\"></script>"));
        assert!(!html.contains("<script>"), "no inline script");
    }

    // Every module the page imports, and each of theirs, is served from here; nothing from
    // elsewhere.
    let mut pending = vec!["app.js".to_owned(), "console.css".to_owned()];
    let mut seen = Vec::new();
    while let Some(file) = pending.pop() {
        if seen.contains(&file) {
            continue;
        }
        let response = client
            .get(app.url(&format!("/console/{file}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{file}");
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
        let kind = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        let text = response.text().await.unwrap();
        for elsewhere in ["from \"http", "import(", "@import", "url(http"] {
            assert!(
                !text.contains(elsewhere),
                "{file} loads nothing from elsewhere: {elsewhere}"
            );
        }
        if file.ends_with(".js") {
            assert_eq!(kind, "text/javascript; charset=utf-8");
            for line in text.lines().filter(|l| l.starts_with("import ")) {
                let module = line
                    .split("from \"./")
                    .nth(1)
                    .and_then(|rest| rest.split('"').next());
                let module =
                    module.unwrap_or_else(|| panic!("{file} imports only its neighbours: {line}"));
                pending.push(module.to_owned());
            }
        }
        seen.push(file);
    }
    assert!(seen.len() >= 8, "{seen:?}");
    let missing = client
        .get(app.url("/console/nothing.js"))
        .send()
        .await
        .unwrap();
    assert_problem(missing, StatusCode::NOT_FOUND, "not-found").await;
}

const AXE: &str = "tests/browser/node_modules/axe-core/axe.min.js";

/// axe-core's source, installed by `.ci/run` (`npm ci --prefix tests/browser`). Without it
/// the screens are still walked; where the browser tests are required, its absence fails.
pub(crate) fn axe_source() -> Option<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(AXE);
    match std::fs::read_to_string(&path) {
        Ok(source) => Some(source),
        Err(_) if std::env::var_os(REQUIRE_BROWSER).is_some() => panic!(
            "{} is missing: run npm ci --prefix tests/browser",
            path.display()
        ),
        Err(_) => {
            eprintln!(
                "not checking accessibility: {AXE} is missing (npm ci --prefix tests/browser)"
            );
            None
        }
    }
}

/// The serious and critical faults axe finds against WCAG 2.2 A and AA on the page as shown.
pub(crate) async fn accessibility_faults(client: &Client, axe: &str) -> Vec<String> {
    let loaded = client
        .execute("return typeof window.axe !== 'undefined';", vec![])
        .await
        .unwrap();
    if loaded != Value::Bool(true) {
        client
            .execute(&format!("{axe}\nreturn true;"), vec![])
            .await
            .unwrap();
    }
    let found = client
        .execute_async(
            "var done = arguments[arguments.length - 1];
             axe.run(document, {iframes: false, runOnly: {type: 'tag', values:
                 ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})
               .then(function (r) { done(r.violations
                 .filter(function (v) { return v.impact === 'serious' || v.impact === 'critical'; })
                 .map(function (v) { return v.id + ': ' + v.help + ' at ' +
                   v.nodes.map(function (n) { return n.target.join(' '); }).join(', '); })); })
               .catch(function (e) { done(['axe failed: ' + e]); });",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(found).unwrap()
}

/// Checks the screen shown (axe, no sideways scrolling at 375 or 320 px, each emulated as
/// a phone of that width) and saves it whole as `{name}-desktop.png` (1280 px) and
/// `-phone.png` (375 px).
pub(crate) async fn check_screen(client: &Client, axe: Option<&str>, name: &str) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(SCREENSHOTS);
    std::fs::create_dir_all(&dir).unwrap();
    for (width, suffix) in [
        (1280u32, Some("desktop")),
        (375, Some("phone")),
        (320, None),
    ] {
        viewport(client, width, 900).await;
        tokio::time::sleep(Duration::from_millis(250)).await;
        let fits = client
            .execute("return document.documentElement.scrollWidth <= document.documentElement.clientWidth;", vec![])
            .await
            .unwrap();
        if fits != Value::Bool(true) {
            let wide = client
                .execute(
                    "var w = document.documentElement.clientWidth; return Array.from(document.querySelectorAll('body *')) \
                     .filter(function (e) { return e.getBoundingClientRect().right > w + 1; }) \
                     .slice(0, 8).map(function (e) { return e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right); });",
                    vec![],
                )
                .await
                .unwrap();
            panic!("{name} scrolls sideways at {width} px: {wide}");
        }
        if let Some(axe) = axe {
            let faults = accessibility_faults(client, axe).await;
            assert!(faults.is_empty(), "{name} at {width} px: {faults:#?}");
        }
        let Some(suffix) = suffix else { continue };
        // A viewport tall enough for the whole page.
        let height = client
            .execute(
                "return Math.ceil(document.documentElement.scrollHeight);",
                vec![],
            )
            .await
            .unwrap()
            .as_u64()
            .unwrap_or(900)
            .clamp(600, 3600) as u32;
        viewport(client, width, height).await;
        client
            .execute("window.scrollTo(0, 0);", vec![])
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(250)).await;
        let png = client.screenshot().await.unwrap();
        std::fs::write(dir.join(format!("{name}-{suffix}.png")), png).unwrap();
    }
    viewport(client, 1280, 900).await;
}

/// Waits for the screen whose heading starts with `title`, and checks it took focus.
pub(crate) async fn wait_screen(client: &Client, title: &str) {
    let script = format!(
        "var h = document.querySelector('main h1');
         return h && h.textContent.indexOf({}) === 0 && document.activeElement === h;",
        serde_json::to_string(title).unwrap()
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while client.execute(&script, vec![]).await.unwrap() != Value::Bool(true) {
        if Instant::now() > deadline {
            let shown = client
                .execute(
                    "var h = document.querySelector('main h1'); return [location.href, h ? h.textContent : null, \
                     document.activeElement ? document.activeElement.outerHTML.slice(0, 120) : null, \
                     document.getElementById('status').textContent];",
                    vec![],
                )
                .await
                .unwrap();
            panic!("waited for the screen {title:?} with its heading focused; shown: {shown}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub(crate) async fn wait_text(client: &Client, css: &str, text: &str) -> String {
    wait_text_for(client, css, text, Duration::from_secs(10)).await
}

pub(crate) async fn wait_text_for(
    client: &Client,
    css: &str,
    text: &str,
    limit: Duration,
) -> String {
    let script = format!(
        "var e = document.querySelector({}); return e ? e.textContent : null;",
        serde_json::to_string(css).unwrap()
    );
    let deadline = Instant::now() + limit;
    loop {
        let shown = client.execute(&script, vec![]).await.unwrap();
        if let Some(shown) = shown.as_str().filter(|s| s.contains(text)) {
            return shown.to_owned();
        }
        assert!(
            Instant::now() < deadline,
            "waited for {text:?} in {css}; it shows {shown}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub(crate) async fn fill(client: &Client, id: &str, text: &str) {
    let input = client.find(Locator::Id(id)).await.unwrap();
    input.clear().await.unwrap();
    input.send_keys(text).await.unwrap();
}

/// What a field holds now.
pub(crate) async fn value_of(client: &Client, id: &str) -> String {
    let field = client.find(Locator::Id(id)).await.unwrap();
    field.prop("value").await.unwrap().unwrap_or_default()
}

async fn click_xpath(client: &Client, xpath: &str) {
    client
        .find(Locator::XPath(xpath))
        .await
        .unwrap_or_else(|e| panic!("nothing at {xpath}: {e}"))
        .click()
        .await
        .unwrap();
}

/// Opens the console at `address` and logs in as `email` (with the tests' password), waiting
/// until the campaigns screen shows `sees`.
pub(crate) async fn log_in(client: &Client, address: &str, email: &str, sees: &str) {
    client.goto(&format!("{address}/console/")).await.unwrap();
    wait_screen(client, "Log in").await;
    fill(client, "field-email", email).await;
    fill(client, "field-password", crate::helpers::PASSWORD).await;
    press(client, "Log in").await;
    wait_text(client, "main", sees).await;
}

/// Presses the first button whose words hold `label` (words only a screen reader hears
/// included, as in "Erase Siân Lloyd").
pub(crate) async fn press(client: &Client, label: &str) {
    let xpath = format!(
        "//button[contains(normalize-space(.), {})]",
        xpath_text(label)
    );
    click_xpath(client, &xpath).await;
}

fn xpath_text(text: &str) -> String {
    if text.contains('\'') {
        format!("\"{text}\"")
    } else {
        format!("'{text}'")
    }
}

/// Waits for the confirmation dialog, checks what it says, and presses its `button`.
pub(crate) async fn answer_dialog(client: &Client, says: &str, button: &str) {
    let dialog = wait_visible(client, "dialog[open]").await;
    let text = dialog.text().await.unwrap();
    assert!(text.contains(says), "the dialog says {text:?}");
    let xpath = format!(
        "//dialog[@open]//button[normalize-space(.) = {}]",
        xpath_text(button)
    );
    click_xpath(client, &xpath).await;
}

pub(crate) async fn follow(client: &Client, label: &str) {
    let xpath = format!("//a[normalize-space(.) = {}]", xpath_text(label));
    click_xpath(client, &xpath).await;
}

/// A file the browser finished downloading, ending `extension`.
async fn downloaded(browser: &Browser, extension: &str) -> PathBuf {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Ok(entries) = std::fs::read_dir(browser.downloads()) {
            for entry in entries.flatten() {
                let path = entry.path();
                if path.extension().is_some_and(|e| e == extension) {
                    return path;
                }
            }
        }
        assert!(Instant::now() < deadline, "no .{extension} was downloaded");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn an_organiser_runs_a_letter_from_set_up_to_log_out_in_the_console() {
    let Some(browser) = browser().await else {
        return;
    };
    let axe = axe_source();
    let axe = axe.as_deref();
    let (_database, database_url) = TestDatabase::create().await;
    let outbox = tempfile::tempdir().unwrap();
    let server = Server::start(&database_url, outbox.path(), None);
    let partner = partner_site(format!(
        "<script src=\"{}/embed.js\" data-campaign=\"letter-to-the-minister\" data-source=\"nyas\" async></script>",
        server.address
    ));
    let client = &browser.client;
    viewport(client, 1280, 900).await;

    // First run: the link from the log makes the first admin.
    client
        .goto(&setup_link(&server).expect("a set-up link in the log"))
        .await
        .unwrap();
    wait_screen(client, "Create the first admin").await;
    if let Some(axe) = axe {
        // The check finds a fault where there is one: an image with no text alternative.
        client
            .execute("var i = document.createElement('img'); i.id = 'fault'; i.src = 'data:,'; document.querySelector('main').append(i);", vec![])
            .await
            .unwrap();
        let faults = accessibility_faults(client, axe).await;
        assert!(
            faults.iter().any(|f| f.starts_with("image-alt")),
            "{faults:?}"
        );
        client
            .execute("document.getElementById('fault').remove();", vec![])
            .await
            .unwrap();
    }
    check_screen(client, axe, "console-setup").await;
    fill(client, "field-email", "carolyne@article39.example").await;
    fill(client, "field-password", PASSWORD).await;
    press(client, "Create the admin account").await;
    wait_screen(client, "Your organisation").await;
    assert_eq!(
        client.current_url().await.unwrap().fragment(),
        Some("/account"),
        "the token is gone from the address"
    );

    // Who is asking, set once on the account.
    fill(client, "field-organiser-name", "Article 39").await;
    fill(
        client,
        "field-organiser-privacy_url",
        "http://not-https.example/privacy",
    )
    .await;
    fill(
        client,
        "field-organiser-contact_email",
        "info@article39.org.uk",
    )
    .await;
    press(client, "Save").await;
    wait_text(client, ".error-summary", "There is a problem").await;
    assert!(
        wait_text(
            client,
            "[data-field='organiser.privacy_url'] .field-error",
            "https"
        )
        .await
        .len()
            > 5
    );
    check_screen(client, axe, "console-organisation").await;
    fill(
        client,
        "field-organiser-privacy_url",
        "https://article39.org.uk/privacy",
    )
    .await;
    press(client, "Save").await;
    wait_text(client, "#status", "Saved").await;

    // No campaign yet: the list says what to do first.
    follow(client, "Campaigns").await;
    wait_screen(client, "All campaigns").await;
    wait_text(client, "main", "You have no campaigns yet").await;
    check_screen(client, axe, "console-campaigns-empty").await;

    // Create a letter; a 422 is shown beside each field and in a summary.
    follow(client, "Create a campaign").await;
    wait_screen(client, "Create a campaign").await;
    click(client, "#field-kind-1").await;
    fill(client, "field-slug", "Letter To The Minister!").await;
    fill(client, "field-title", "").await;
    fill(
        client,
        "field-summary",
        "Fifty organisations and social-work experts write to the Children's Minister.",
    )
    .await;
    fill(client, "field-body", "We, the undersigned, ask you to withdraw SI 445.\n\nChildren in care deserve the protections of the Children Act 1989.").await;
    fill(client, "field-recipient", "The Children's Minister").await;
    // Its words in Welsh, part by part: the rest shows in English.
    fill(client, "field-translation-recipient", "Y Gweinidog Plant").await;
    fill(client, "field-allowed_origins", &partner).await;
    fill(client, "field-milestones", "10, 50").await;
    click(client, "#field-require_confirmation").await;
    press(client, "Create the draft").await;
    let summary = wait_text(client, ".error-summary", "There is a problem").await;
    assert!(
        summary.contains("Short name for its address") && summary.contains("Title"),
        "{summary}"
    );
    let focused = client.active_element().await.unwrap();
    assert_eq!(
        focused.attr("class").await.unwrap().as_deref(),
        Some("error-summary")
    );
    assert_eq!(
        client
            .find(Locator::Id("field-slug"))
            .await
            .unwrap()
            .attr("aria-invalid")
            .await
            .unwrap()
            .as_deref(),
        Some("true")
    );
    check_screen(client, axe, "console-campaign-errors").await;
    fill(client, "field-slug", "letter-to-the-minister").await;
    fill(
        client,
        "field-title",
        "Scrap SI 445: a letter to the Children's Minister",
    )
    .await;
    press(client, "Create the draft").await;
    wait_screen(client, "Scrap SI 445: a letter").await;
    wait_text(client, "#status", "The draft").await;

    // Its private preview, as the public will see it, in each language.
    wait_text(client, "section.preview", "Only people with this link").await;
    check_screen(client, axe, "console-draft").await;
    let preview = client
        .find(Locator::XPath("//a[contains(., 'Open the preview')]"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .expect("the preview's address");
    let console_window = client.window().await.unwrap();
    let preview_window = client.new_window(true).await.unwrap();
    client
        .switch_to_window(preview_window.handle.clone())
        .await
        .unwrap();
    client.goto(&preview).await.unwrap();
    wait_text(client, ".preview-banner", "Preview — not yet open").await;
    wait_text(client, "main h1", "Scrap SI 445: a letter").await;
    check_screen(client, axe, "page-preview").await;
    client.goto(&format!("{preview}?lang=cy")).await.unwrap();
    wait_text(client, ".preview-banner", "Rhagolwg — heb agor eto").await;
    click_xpath(client, "//a[contains(., 'Rhagweld y ffurflen')]").await;
    wait_text(client, ".preview-banner", "Rhagolwg — heb agor eto").await;
    wait_visible(client, "#name").await;
    client.close_window().await.unwrap();
    client.switch_to_window(console_window).await.unwrap();

    // Open it, after a confirmation that says what then cannot change.
    press(client, "Open the campaign").await;
    answer_dialog(
        client,
        "its kind (letter) and its address (/c/letter-to-the-minister) never change",
        "Open it",
    )
    .await;
    wait_text(client, "main h1 .tag", "Open").await;
    wait_screen(client, "Scrap SI 445: a letter").await;
    let opened: serde_json::Value = crate::helpers::http_client()
        .get(format!(
            "{}/v1/campaigns/letter-to-the-minister",
            server.address
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        opened["translations"],
        serde_json::json!({"cy": {"recipient": "Y Gweinidog Plant"}})
    );
    // Once open, the dashboard has everything to share it, ready to copy, and its pictures
    // load.
    wait_text(client, ".share-kit", "Share it").await;
    let page_url = format!("{}/c/letter-to-the-minister", server.address);
    assert_eq!(value_of(client, "share-page").await, page_url);
    assert!(value_of(client, "share-script").await.contains("embed.js"));
    assert!(
        value_of(client, "share-shortcode")
            .await
            .starts_with("[undersigned")
    );
    wait_for_script(
        client,
        "var i = document.querySelectorAll('.share-kit img'); return i.length === 2 && Array.prototype.every.call(i, function (x) { return x.complete && x.naturalWidth > 0; });",
        "the QR code and the preview card load",
    )
    .await;
    let png = crate::helpers::http_client()
        .get(format!("{page_url}/qr.png"))
        .send()
        .await
        .unwrap();
    assert_eq!(png.headers()["content-type"], "image/png");

    // Signed on a partner's site in another window: the dashboard's count rises by itself.
    let console_window = client.window().await.unwrap();
    let partner_window = client.new_window(true).await.unwrap();
    client
        .switch_to_window(partner_window.handle.clone())
        .await
        .unwrap();
    client.goto(&partner).await.unwrap();
    let frame = wait_visible(client, "iframe[data-undersigned]").await;
    frame.enter_frame().await.unwrap();
    wait_visible(client, "#name").await;
    fill(client, "name", "Siân Lloyd").await;
    fill(client, "email", "Sian.Lloyd@Example.org").await;
    fill(client, "role", "Director").await;
    fill(client, "organisation", "Tros Gynnal Plant").await;
    click(client, "#public").await;
    click(client, "button[type=submit]").await;
    wait_visible(client, "#outcome").await;
    client.close_window().await.unwrap();
    client.switch_to_window(console_window).await.unwrap();
    wait_text(client, "#count-total", "1").await;
    // The public tally is worked out at most every few seconds; the dashboard looks again.
    wait_text_for(client, ".charts", "nyas", Duration::from_secs(30)).await;
    check_screen(client, axe, "console-dashboard").await;

    // Approve the signatory, find them by search, and export.
    follow(client, "Signatures").await;
    wait_screen(client, "Signatures:").await;
    wait_text(client, "table.signatures", "Siân Lloyd").await;
    assert!(
        wait_text(client, "table.signatures", "sian.lloyd@example.org")
            .await
            .contains("Tros Gynnal Plant")
    );
    press(client, "Approve Siân Lloyd").await;
    wait_text(client, "table.signatures", "Approved").await;
    wait_text(client, "#status", "approved").await;
    fill(client, "field-q", "nobody").await;
    press(client, "Search").await;
    wait_text(client, "main", "No signature matches these filters.").await;
    fill(client, "field-q", "LLOYD").await;
    press(client, "Search").await;
    wait_text(client, "table.signatures", "Siân Lloyd").await;
    check_screen(client, axe, "console-signatures").await;
    press(client, "Export CSV").await;
    let csv = std::fs::read_to_string(downloaded(&browser, "csv").await).unwrap();
    assert!(
        csv.starts_with("\u{feff}id,name,email,status,review"),
        "{csv}"
    );
    assert!(
        csv.contains("Siân Lloyd,sian.lloyd@example.org,confirmed,approved,nyas"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 2);

    // The letter as it will be handed in, with its signatory.
    follow(client, "Letter").await;
    wait_screen(client, "Letter:").await;
    let letter = wait_for_script(client, "var f = document.querySelector('iframe.letter'); return f && f.srcdoc.indexOf('Siân Lloyd, Director, Tros Gynnal Plant') >= 0;", "the letter with its signatory").await;
    assert_eq!(letter, Value::Bool(true));
    wait_text(
        client,
        "pre.markdown",
        "Siân Lloyd, Director, Tros Gynnal Plant",
    )
    .await;
    check_screen(client, axe, "console-letter").await;

    // A partner: its key shown once, then revoked.
    follow(client, "Partners and embedding").await;
    wait_screen(client, "Partners:").await;
    wait_text(
        client,
        "#snippet-shortcode",
        "[undersigned campaign=\"letter-to-the-minister\"]",
    )
    .await;
    fill(client, "field-name", "NYAS").await;
    fill(client, "field-code", "nyas").await;
    press(client, "Add the partner").await;
    let key = wait_for_script(
        client,
        "var k = document.getElementById('new-partner-key'); return k && k.value;",
        "the new key",
    )
    .await;
    let key = key.as_str().unwrap().to_owned();
    wait_text(client, "#snippet-script", "data-source=\"nyas\"").await;
    check_screen(client, axe, "console-partners").await;
    // The key shown works from a partner's server until it is revoked.
    let by_server =
        |email: &str| {
            crate::helpers::http_client()
            .post(format!("{}/v1/campaigns/letter-to-the-minister/signatures", server.address))
            .bearer_auth(&key)
            .json(&json!({"name": "Dafydd Jones", "email": email, "signatory_type": "individual"}))
            .send()
        };
    assert_eq!(
        by_server("dafydd@nyas.example").await.unwrap().status(),
        StatusCode::ACCEPTED
    );
    press(client, "Revoke").await;
    answer_dialog(client, "stay credited to them", "Revoke the key").await;
    wait_text(client, "main table", "Revoked").await;
    let store = undersigned::store::connect(&database_url.parse().unwrap())
        .await
        .unwrap();
    let campaign = store
        .campaign(&undersigned::domain::Slug::parse("letter-to-the-minister").unwrap())
        .await
        .unwrap()
        .unwrap();
    let partners = store.partners(campaign.id).await.unwrap();
    assert_eq!(partners.len(), 1);
    assert!(partners[0].revoked_at.is_some(), "revoked in the database");
    assert_eq!(
        partners[0].signatures, 2,
        "the form's signature and the server's, credited to nyas"
    );
    let refused = by_server("gwen@nyas.example").await.unwrap();
    assert_problem(refused, StatusCode::UNAUTHORIZED, "invalid-partner-key").await;

    // Everyone not yet reviewed, approved at once by a filter after a count and a
    // confirmation, then undone; then one chosen by its box, rejected.
    follow(client, "Signatures").await;
    wait_text(client, "table.signatures", "Dafydd Jones").await;
    wait_text(client, "table.signatures", "Came from NYAS").await;
    client
        .find(Locator::Id("field-review"))
        .await
        .unwrap()
        .select_by_value("pending")
        .await
        .unwrap();
    press(client, "Search").await;
    wait_text(client, "main", "Showing 1 of 1 signature that match").await;
    press(client, "Approve all 1 that match").await;
    answer_dialog(
        client,
        "Every signature the filters keep",
        "Approve 1 signature",
    )
    .await;
    wait_text(client, "#status", "1 signature approved.").await;
    let review_of = |name: &'static str| {
        let store = &store;
        async move {
            store
                .signatures(campaign.id, Default::default(), None, 10)
                .await
                .unwrap()
                .into_iter()
                .find(|s| s.name.as_deref() == Some(name))
                .unwrap()
                .review
                .as_str()
        }
    };
    assert_eq!(review_of("Dafydd Jones").await, "approved");
    press(client, "Undo").await;
    wait_text(client, "#status", "Undone: 1 signature is back as it was").await;
    assert_eq!(review_of("Dafydd Jones").await, "pending");
    client
        .find(Locator::Id("field-review"))
        .await
        .unwrap()
        .select_by_value("")
        .await
        .unwrap();
    press(client, "Search").await;
    wait_text(client, "main", "Showing 2 of 2 signatures.").await;
    click_xpath(
        client,
        "//tr[contains(., 'Dafydd Jones')]//td[@class='select']/input",
    )
    .await;
    wait_text(client, ".bulk", "1 signature selected.").await;
    check_screen(client, axe, "console-signatures-bulk").await;
    press(client, "Reject selected").await;
    answer_dialog(client, "The signatures you selected", "Reject 1 signature").await;
    wait_text(client, "#status", "1 signature rejected.").await;
    assert_eq!(review_of("Dafydd Jones").await, "rejected");
    assert_eq!(review_of("Siân Lloyd").await, "approved");

    // Erasing a signature asks first, naming the person.
    wait_text(client, "table.signatures", "Dafydd Jones").await;
    press(client, "Erase Dafydd Jones").await;
    answer_dialog(
        client,
        "Erase Dafydd Jones’s signature?",
        "Erase Dafydd Jones",
    )
    .await;
    wait_text(client, "#status", "Dafydd Jones’s signature is erased").await;
    wait_text(client, "table.signatures", "An erased signatory").await;
    let page = store
        .signatures(campaign.id, Default::default(), None, 10)
        .await
        .unwrap();
    let erased: Vec<_> = page.iter().filter(|s| s.erased_at.is_some()).collect();
    assert_eq!(erased.len(), 1);
    assert_eq!(
        (erased[0].name.as_deref(), erased[0].email.as_deref()),
        (None, None)
    );

    // Editing shows what is stored.
    follow(client, "Edit").await;
    wait_screen(client, "Edit:").await;
    assert_eq!(value_of(client, "field-allowed_origins").await, partner);
    check_screen(client, axe, "console-edit").await;

    // Admins: invite an organiser (who chooses their own password), name who an account's
    // emails are sent as, read the audit log.
    follow(client, "Organisers").await;
    wait_screen(client, "Organisers").await;
    fill(client, "field-email", "kamena@nyas.example").await;
    press(client, "Send the invitation").await;
    wait_text(
        client,
        "#status",
        "An invitation is on its way to kamena@nyas.example",
    )
    .await;
    fill(client, "field-sender_name", "Article 39").await;
    press(client, "Set the sender name").await;
    wait_text(
        client,
        "#status",
        "carolyne@article39.example are now sent as Article 39",
    )
    .await;
    check_screen(client, axe, "console-organisers").await;
    follow(client, "Audit log").await;
    wait_screen(client, "Audit log").await;
    for action in ["export", "review", "partner_created", "partner_revoked"] {
        wait_text(client, "main table", action).await;
    }
    client
        .find(Locator::Id("field-action"))
        .await
        .unwrap()
        .select_by_value("review")
        .await
        .unwrap();
    press(client, "Filter").await;
    wait_for_script(client, "var t = document.querySelector('main table'); return t && t.textContent.indexOf('export') < 0 && t.textContent.indexOf('review') >= 0;", "only reviews").await;
    check_screen(client, axe, "console-audit").await;

    // Closing asks first too, and then it is closed for good.
    follow(client, "Campaigns").await;
    wait_screen(client, "All campaigns").await;
    follow(client, "Scrap SI 445: a letter to the Children's Minister").await;
    wait_screen(client, "Scrap SI 445: a letter").await;
    press(client, "Close the campaign").await;
    answer_dialog(client, "cannot be opened again", "Close it").await;
    wait_text(client, "main h1 .tag", "Closed").await;
    wait_text(client, "#status", "The campaign is closed.").await;
    let closed = store
        .campaign(&undersigned::domain::Slug::parse("letter-to-the-minister").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(closed.status, undersigned::domain::CampaignStatus::Closed);

    // Password and sessions: a wrong current password is told at its field; the right one
    // changes it, and this session goes on.
    follow(client, "Password and sessions").await;
    wait_screen(client, "Password and sessions").await;
    wait_text(client, "table.sessions", "This one").await;
    fill(client, "field-current_password", "not the password").await;
    fill(
        client,
        "field-password",
        "a longer passphrase for the coalition",
    )
    .await;
    press(client, "Change the password").await;
    wait_text(client, ".error-summary", "is not this account's password").await;
    fill(client, "field-current_password", PASSWORD).await;
    fill(
        client,
        "field-password",
        "a longer passphrase for the coalition",
    )
    .await;
    press(client, "Change the password").await;
    wait_text(client, "#status", "Your password is changed").await;
    check_screen(client, axe, "console-security").await;

    // Log out: the session ends on the service too, so its token is refused from then on;
    // a wrong password is told plainly.
    let kept = client
        .execute(
            "return sessionStorage.getItem('undersigned.token');",
            vec![],
        )
        .await
        .unwrap();
    let kept = kept.as_str().expect("the console's token").to_owned();
    let me = format!("{}/v1/users/me", server.address);
    let http = crate::helpers::http_client();
    let before = http.get(&me).bearer_auth(&kept).send().await.unwrap();
    assert_eq!(before.status(), StatusCode::OK);
    press(client, "Log out").await;
    wait_screen(client, "Log in").await;
    let after = http.get(&me).bearer_auth(&kept).send().await.unwrap();
    assert_eq!(
        after.status(),
        StatusCode::UNAUTHORIZED,
        "the token ended with the session"
    );
    assert_eq!(
        client
            .execute("return sessionStorage.length;", vec![])
            .await
            .unwrap(),
        json!(0),
        "the token is gone"
    );
    fill(client, "field-email", "carolyne@article39.example").await;
    fill(client, "field-password", "not the password").await;
    press(client, "Log in").await;
    wait_text(client, ".error-summary", "The email or password is wrong").await;
    check_screen(client, axe, "console-login").await;

    // The invitation's link: Kamena chooses her password and is logged in.
    let link = account_link(outbox.path(), "kamena@nyas.example", "/console/invitation#").await;
    client.goto(&link).await.unwrap();
    wait_screen(client, "Choose your password").await;
    check_screen(client, axe, "console-invitation").await;
    fill(client, "field-password", "short").await;
    press(client, "Create my account").await;
    wait_text(client, ".error-summary", "at least 12").await;
    fill(client, "field-password", "kamena's own long passphrase").await;
    press(client, "Create my account").await;
    wait_screen(client, "Your organisation").await;
    wait_text(client, "#status", "Your account is ready").await;
    assert_eq!(
        client.current_url().await.unwrap().fragment(),
        Some("/account")
    );

    // A forgotten password: the link emailed sets a new one and logs her in.
    press(client, "Log out").await;
    wait_screen(client, "Log in").await;
    follow(client, "Forgotten your password?").await;
    wait_screen(client, "Forgotten your password?").await;
    fill(client, "field-email", "kamena@nyas.example").await;
    press(client, "Email me a link").await;
    wait_text(client, "#status", "If an account has this email").await;
    check_screen(client, axe, "console-forgot").await;
    let link = account_link(outbox.path(), "kamena@nyas.example", "/console/reset#").await;
    client.goto(&link).await.unwrap();
    wait_screen(client, "Choose a new password").await;
    fill(client, "field-password", "kamena's newer long passphrase").await;
    press(client, "Set the new password").await;
    wait_text(client, "#status", "Your new password is set").await;
    let old = crate::helpers::http_client()
        .post(format!("{}/v1/auth/token", server.address))
        .json(&json!({"email": "kamena@nyas.example", "password": "kamena's own long passphrase"}))
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
    server.kill();
}

/// The link in the latest account email to `to` (an invitation or a reset) that starts with
/// `marker`, once it is in the outbox directory.
async fn account_link(outbox: &std::path::Path, to: &str, marker: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mut found: Vec<(std::time::SystemTime, String)> = std::fs::read_dir(outbox)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| {
                let name = e.file_name();
                let name = name.to_string_lossy();
                name.starts_with("account.") && name.ends_with(".eml")
            })
            .map(|e| {
                let modified = e.metadata().unwrap().modified().unwrap();
                (modified, std::fs::read_to_string(e.path()).unwrap())
            })
            .filter(|(_, raw)| crate::smtp::recipient_of(raw) == to)
            .collect();
        found.sort();
        if let Some(link) = found.last().and_then(|(_, raw)| {
            let text = crate::smtp::text_of(raw);
            let start = text.find("http")?;
            let link: String = text[start..]
                .chars()
                .take_while(|c| !c.is_whitespace())
                .collect();
            link.contains(marker).then_some(link)
        }) {
            return link;
        }
        assert!(
            Instant::now() < deadline,
            "no account email with {marker} to {to}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn an_expired_session_or_a_lost_connection_loses_nothing_typed() {
    let Some(browser) = browser().await else {
        return;
    };
    let (_database, database_url) = TestDatabase::create().await;
    let outbox = tempfile::tempdir().unwrap();
    let server = Server::start_with(
        &database_url,
        outbox.path(),
        None,
        &[("UNDERSIGNED_TOKEN_TTL_SECONDS", "2")],
    );
    let link = setup_link(&server).expect("a set-up link in the log");
    let token = link.split_once('#').unwrap().1;
    let created = crate::helpers::http_client()
        .post(format!("{}/v1/setup", server.address))
        .json(&json!({"token": token, "email": "carolyne@article39.example", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let client = &browser.client;
    viewport(client, 1280, 900).await;
    client
        .goto(&format!("{}/console/#/campaigns/new", server.address))
        .await
        .unwrap();
    wait_screen(client, "Log in").await;
    // By keyboard alone: from the focused heading, Tab to each field, Enter to send.
    let keys = format!("\u{e004}carolyne@article39.example\u{e004}{PASSWORD}\u{e007}");
    let actions = fantoccini::actions::KeyActions::new("keyboard".into());
    let actions = keys.chars().fold(actions, |actions, key| {
        actions
            .then(fantoccini::actions::KeyAction::Down { value: key })
            .then(fantoccini::actions::KeyAction::Up { value: key })
    });
    client.perform_actions(actions).await.unwrap();
    wait_screen(client, "Create a campaign").await;
    let stored = client
        .execute(
            "return [localStorage.length, document.cookie, sessionStorage.length];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        stored,
        json!([0, "", 1]),
        "the token is in sessionStorage only"
    );
    fill(client, "field-title", "Scrap SI 445").await;

    // The token runs out while typing: sending returns to the log-in screen, and logging in
    // again brings the form back as it was.
    // Past its 2 s and the 5 s of leeway every token is given for clocks apart.
    tokio::time::sleep(Duration::from_secs(8)).await;
    press(client, "Create the draft").await;
    wait_screen(client, "Log in").await;
    wait_text(client, "main", "what you were typing is kept").await;
    fill(client, "field-email", "carolyne@article39.example").await;
    fill(client, "field-password", PASSWORD).await;
    press(client, "Log in").await;
    wait_text(client, "#status", "Nothing you typed was lost").await;
    assert_eq!(value_of(client, "field-title").await, "Scrap SI 445");

    // With the service gone, sending says so and keeps the form.
    server.kill();
    press(client, "Create the draft").await;
    wait_text(client, ".error-summary", "could not be reached").await;
    assert_eq!(value_of(client, "field-title").await, "Scrap SI 445");
}
