//! The embedded form in a real browser: headless Chromium, driven over WebDriver, loads a
//! partner's page served from a second origin on 127.0.0.1 that holds the one-line snippet.
//! Skipped, with a message, where Chromium or its driver is not installed (`.ci/run`
//! installs both).

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use actix_web::{App, HttpResponse, HttpServer, web};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// Set (by `.ci/run`) where the browser tests must run rather than skip.
pub(crate) const REQUIRE_BROWSER: &str = "UNDERSIGNED_TEST_REQUIRE_BROWSER";
/// Where the screenshots the README shows are written.
pub(crate) const SCREENSHOTS: &str = "docs/screenshots";

pub(crate) struct Browser {
    pub client: Client,
    driver: Child,
    profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        // The driver leads a process group of its own, Chromium and its renderers included:
        // killing the group leaves no browser behind (killing the driver alone orphans them).
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn installed(path: &str) -> bool {
    Path::new(path).exists()
}

/// A browser session, or `None` (with a message) where Chromium is not installed.
pub(crate) async fn browser() -> Option<Browser> {
    if !installed(CHROMIUM) || !installed(CHROMEDRIVER) {
        assert!(
            std::env::var_os(REQUIRE_BROWSER).is_none(),
            "{REQUIRE_BROWSER} is set, but {CHROMIUM} or {CHROMEDRIVER} is missing"
        );
        eprintln!(
            "skipping the browser test: {CHROMIUM} and {CHROMEDRIVER} are needed \
             (Debian: apt-get install chromium chromium-driver)"
        );
        return None;
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let driver = Command::new(CHROMEDRIVER)
        .process_group(0)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting chromedriver");
    let profile = tempfile::tempdir().unwrap();
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                format!("--user-data-dir={}", profile.path().display()),
            ],
            // Downloads (the console's exports) land in the profile, without asking.
            "prefs": {
                "download.default_directory": profile.path().join("downloads"),
                "download.prompt_for_download": false,
            },
        },
    });
    let Value::Object(capabilities) = capabilities else {
        unreachable!()
    };
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(20);
    let client = loop {
        // chromedriver listens on plain HTTP on loopback: no TLS needed.
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(capabilities.clone())
            .connect(&url)
            .await
        {
            Ok(client) => break client,
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("no WebDriver session from {CHROMEDRIVER}: {e}"),
        }
    };
    Some(Browser {
        client,
        driver,
        profile,
    })
}

/// A DevTools command, sent through chromedriver's `goog/cdp/execute` endpoint.
#[derive(Debug)]
struct DevTools {
    method: &'static str,
    params: Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for DevTools {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({ "cmd": self.method, "params": self.params });
        (http::Method::POST, Some(body.to_string()))
    }
}

/// Lays the page out `width` CSS pixels wide and `height` tall, as a device of that size
/// would. Headless Chromium widens a window narrower than 500 px to 500, so resizing the
/// window alone would make a "320 px" check a 500 px one: the viewport is emulated instead.
pub(crate) async fn viewport(client: &Client, width: u32, height: u32) {
    client
        .set_window_size(width.max(500), height)
        .await
        .unwrap();
    client
        .issue_cmd(DevTools {
            method: "Emulation.setDeviceMetricsOverride",
            params: json!({
                "width": width, "height": height, "deviceScaleFactor": 1, "mobile": false,
            }),
        })
        .await
        .expect("emulating the viewport's size");
    let laid_out = client
        .execute("return window.innerWidth;", vec![])
        .await
        .unwrap();
    assert_eq!(laid_out, json!(width), "the viewport is {width} px wide");
}

impl Browser {
    /// Where the browser saves what it downloads.
    pub(crate) fn downloads(&self) -> PathBuf {
        self.profile.path().join("downloads")
    }
}

/// A partner's page on its own origin, holding the snippet; returns that origin.
pub(crate) fn partner_site(snippet: String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>NYAS: Scrap SI 445</title><style>body{{font-family:sans-serif;margin:0;padding:1rem;background:#f3f2f1}}</style></head>\
         <body><h2>Add your name</h2>{snippet}</body></html>"
    );
    let server = HttpServer::new(move || {
        let page = page.clone();
        App::new().default_service(web::to(move || {
            let page = page.clone();
            async move { HttpResponse::Ok().content_type("text/html").body(page) }
        }))
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);
    origin
}

fn snippet(app: &TestApp) -> String {
    format!(
        "<script src=\"{}/embed.js\" data-campaign=\"scrapsi445\" data-source=\"nyas\" async></script>",
        app.address
    )
}

/// Polls a script in the page until it returns something other than null, "" or false.
pub(crate) async fn wait_for_script(client: &Client, script: &str, what: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let value = client.execute(script, vec![]).await.unwrap();
        if !matches!(&value, Value::Null | Value::Bool(false)) && value.as_str() != Some("") {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub(crate) async fn wait_visible(client: &Client, css: &str) -> fantoccini::elements::Element {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(element) = client.find(Locator::Css(css)).await
            && element.is_displayed().await.unwrap_or(false)
        {
            return element;
        }
        assert!(Instant::now() < deadline, "{css} never became visible");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The text of the first element `css` finds.
pub(crate) async fn text_at(client: &Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

pub(crate) async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

const FRAME_HEIGHT: &str =
    "var f = document.querySelector('iframe[data-undersigned]'); return f ? f.style.height : null;";

/// The embedded frame's height as embed.js last set it, in pixels.
async fn frame_pixels(client: &Client) -> f64 {
    let height = client.execute(FRAME_HEIGHT, vec![]).await.unwrap();
    height
        .as_str()
        .unwrap_or_default()
        .trim_end_matches("px")
        .parse()
        .unwrap_or(0.0)
}

async fn screenshot(client: &Client, name: &str) {
    let frame = client
        .find(Locator::Css("iframe[data-undersigned]"))
        .await
        .unwrap();
    let png = frame.screenshot().await.unwrap();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(SCREENSHOTS);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), png).unwrap();
}

#[tokio::test]
async fn a_supporter_signs_in_the_form_embedded_on_a_partner_site() {
    let Some(browser) = browser().await else {
        return;
    };
    let app = spawn_app().await;
    let partner = partner_site(String::new());
    let page = partner_site(snippet(&app));
    let token = app
        .open_campaign_with(json!({"allowed_origins": [page, partner]}))
        .await;
    let client = &browser.client;

    // The snippet frames the form and the frame takes the form's height (the window tall
    // enough for the screenshot to hold the whole frame).
    viewport(client, 1280, 1300).await;
    client.goto(&page).await.unwrap();
    let height = wait_for_script(client, FRAME_HEIGHT, "the frame to be sized").await;
    let pixels: f64 = height
        .as_str()
        .unwrap()
        .trim_end_matches("px")
        .parse()
        .unwrap();
    assert!(pixels > 300.0, "the frame is as tall as the form: {height}");
    // The frame is named for its campaign, as the form tells it.
    let title = wait_for_script(
        client,
        "var f = document.querySelector('iframe[data-undersigned]'); \
         return f.title.indexOf('Scrap SI 445') >= 0 ? f.title : null;",
        "the frame to take the campaign's name",
    )
    .await;
    assert_eq!(
        title,
        json!("Sign: Scrap SI 445: reinstate children's rights in care")
    );
    screenshot(client, "embed-desktop.png").await;

    // At phone width the form still fits, without sideways scrolling.
    // Tall enough that the screenshot holds the whole form.
    viewport(client, 320, 1700).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let frame = client
        .find(Locator::Css("iframe[data-undersigned]"))
        .await
        .unwrap();
    frame.clone().enter_frame().await.unwrap();
    let overflow = client
        .execute(
            "return document.documentElement.scrollWidth <= document.documentElement.clientWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        overflow,
        Value::Bool(true),
        "no sideways scrolling at phone width"
    );
    // The plain <iframe> snippet (for sites without scripts) is tall enough for the form at
    // this width, so the Sign button is never hidden in a scroll inside the frame.
    let content = client
        .execute(
            "return Math.ceil(document.body.getBoundingClientRect().height);",
            vec![],
        )
        .await
        .unwrap();
    let plain: Value = app
        .get("/v1/campaigns/scrapsi445/embed", Some(&token))
        .await
        .json()
        .await
        .unwrap();
    let plain_height: f64 = plain["iframe"]
        .as_str()
        .unwrap()
        .split("height:")
        .nth(1)
        .and_then(|rest| rest.split("px").next())
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        content.as_f64().unwrap() <= plain_height,
        "the form needs {content} px at 320 px wide; the plain snippet gives {plain_height}"
    );
    client.enter_parent_frame().await.unwrap();
    screenshot(client, "embed-phone.png").await;
    viewport(client, 1280, 1000).await;

    // An invalid email: its error appears beside the field, and nothing is stored.
    frame.enter_frame().await.unwrap();
    client
        .find(Locator::Id("name"))
        .await
        .unwrap()
        .send_keys("Siân Lloyd-Ellis")
        .await
        .unwrap();
    let email = client.find(Locator::Id("email")).await.unwrap();
    email.send_keys("sian-at-example.org").await.unwrap();
    click(client, "button[type=submit]").await;
    let error = wait_visible(client, "#email-error").await;
    // Each state of the form, in its frame, as accessible as the form itself.
    let axe = crate::console::axe_source();
    if let Some(axe) = axe.as_deref() {
        let faults = crate::console::accessibility_faults(client, axe).await;
        assert!(faults.is_empty(), "the form showing an error: {faults:#?}");
    }
    assert_eq!(
        error.text().await.unwrap(),
        "Enter an email address, like name@example.org"
    );
    assert_eq!(
        email.attr("aria-invalid").await.unwrap().as_deref(),
        Some("true")
    );
    let focused = client.active_element().await.unwrap();
    assert_eq!(focused.attr("id").await.unwrap().as_deref(), Some("email"));
    assert!(
        !client
            .find(Locator::Id("name-error"))
            .await
            .unwrap()
            .is_displayed()
            .await
            .unwrap()
    );

    // Corrected, the signature goes in and the form says to check email.
    client.enter_parent_frame().await.unwrap();
    let before: f64 = frame_pixels(client).await;
    client
        .find(Locator::Css("iframe[data-undersigned]"))
        .await
        .unwrap()
        .enter_frame()
        .await
        .unwrap();
    email.clear().await.unwrap();
    email.send_keys("Sian@Example.org").await.unwrap();
    click(client, "#public").await;
    click(client, "button[type=submit]").await;
    let outcome = wait_visible(client, "#outcome").await;
    if let Some(axe) = axe.as_deref() {
        let faults = crate::console::accessibility_faults(client, axe).await;
        assert!(faults.is_empty(), "the form's thank-you: {faults:#?}");
    }
    assert!(
        outcome.text().await.unwrap().contains("Check your email"),
        "{}",
        outcome.text().await.unwrap()
    );
    assert!(
        !client
            .find(Locator::Id("sign"))
            .await
            .unwrap()
            .is_displayed()
            .await
            .unwrap()
    );
    // With the form gone, the frame shrinks to the thank-you: no white below it.
    client.enter_parent_frame().await.unwrap();
    let mut after = frame_pixels(client).await;
    for _ in 0..50 {
        if after < before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        after = frame_pixels(client).await;
    }
    assert!(
        after < before * 0.7,
        "the frame stayed {after} px after signing (it was {before} px with the form)"
    );

    let stored = app
        .texts(
            "SELECT name, source, status FROM signatures WHERE email = $1",
            "sian@example.org",
        )
        .await;
    assert_eq!(
        stored,
        vec![vec![
            Some("Siân Lloyd-Ellis".to_owned()),
            Some("nyas".to_owned()),
            Some("pending".to_owned())
        ]]
    );
    assert_eq!(app.signatures_with_email("sian-at-example.org").await, 0);
    browser.client.clone().close().await.unwrap();
}

#[tokio::test]
async fn a_site_not_among_the_allowed_origins_cannot_frame_the_form() {
    let Some(browser) = browser().await else {
        return;
    };
    let app = spawn_app().await;
    app.open_campaign_with(json!({"allowed_origins": ["https://nyas.net"]}))
        .await;
    let page = partner_site(snippet(&app));
    let client = &browser.client;
    client.goto(&page).await.unwrap();
    // The snippet still inserts its frame, but the browser refuses to show the form in it.
    let frame = wait_visible(client, "iframe[data-undersigned]").await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    frame.enter_frame().await.unwrap();
    assert!(
        client.find(Locator::Id("sign")).await.is_err(),
        "the form must not render inside a frame on {page}"
    );
    client.enter_parent_frame().await.unwrap();
    let height = client.execute(FRAME_HEIGHT, vec![]).await.unwrap();
    assert_eq!(
        height,
        json!(""),
        "no size message came from a blocked frame"
    );
    // And the partner's page says why, naming the origin the organiser must add.
    let notice = wait_visible(client, "[data-undersigned-notice]").await;
    let said = notice.text().await.unwrap();
    let origin = page.trim_end_matches('/');
    assert!(
        said.contains(&format!("must add {origin} to the sites allowed")),
        "{said}"
    );
    browser.client.clone().close().await.unwrap();
}

#[tokio::test]
async fn embed_js_sizes_an_iframe_written_by_the_wordpress_plugin() {
    let Some(browser) = browser().await else {
        return;
    };
    let app = spawn_app().await;
    // What integrations/wordpress writes for [undersigned campaign="scrapsi445" source="nyas"],
    // with the script it enqueues.
    let page = partner_site(format!(
        "<iframe data-undersigned src=\"{base}/embed/scrapsi445?source=nyas\" title=\"Sign this campaign\" \
         loading=\"lazy\" style=\"display:block;width:100%;max-width:40rem;height:720px;border:0\"></iframe>\
         <script src=\"{base}/embed.js\" async></script>",
        base = app.address
    ));
    app.open_campaign_with(json!({"allowed_origins": [page], "require_confirmation": false}))
        .await;
    let client = &browser.client;
    client.goto(&page).await.unwrap();
    let resized = wait_for_script(
        client,
        "var f = document.querySelector('iframe[data-undersigned]'); return f.style.height !== '720px';",
        "the plugin's frame to take the form's height",
    )
    .await;
    assert_eq!(resized, Value::Bool(true));

    // The count in the form is live: a signature elsewhere shows up without a reload.
    let frame = client
        .find(Locator::Css("iframe[data-undersigned]"))
        .await
        .unwrap();
    frame.enter_frame().await.unwrap();
    assert_eq!(
        client
            .find(Locator::Id("count"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "0"
    );
    let signed = app
        .sign(
            "scrapsi445",
            &json!({"name": "Ffion Hughes", "email": "ffion@example.org"}),
        )
        .await;
    assert_eq!(signed.status(), reqwest::StatusCode::ACCEPTED);
    wait_for_script(
        client,
        "return document.getElementById('count').textContent === '1';",
        "the live count to reach 1",
    )
    .await;
    browser.client.clone().close().await.unwrap();
}
