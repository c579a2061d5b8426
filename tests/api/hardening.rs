//! The service's defences against what a security review found: each test fails on the
//! release before them.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    PASSWORD, TestApp, assert_problem, scrapsi445, signer, spawn_app, spawn_app_with,
};
use crate::smtp::{html_of, recipient_of, text_of};

async fn partner_key(app: &TestApp, token: &str, slug: &str, code: &str) -> String {
    let partner = crate::partners::create_partner(app, token, slug, code).await;
    partner["key"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_partner_key_learns_nothing_of_a_draft() {
    let app = spawn_app().await;
    let token = app.open_campaign_with(json!({})).await;
    let open_key = partner_key(&app, &token, "scrapsi445", "nyas").await;
    let mut draft = scrapsi445();
    draft["slug"] = json!("draft-letter");
    app.create_campaign(&token, draft).await;
    let draft_key = partner_key(&app, &token, "draft-letter", "nyas").await;
    let body = signer("Ann Jones", "ann@example.org");

    let nowhere = app
        .post_json(
            "/v1/campaigns/no-such-campaign/signatures",
            &body,
            Some(&open_key),
        )
        .await;
    let nowhere = assert_problem(nowhere, StatusCode::NOT_FOUND, "not-found").await;
    for key in [&open_key, &draft_key] {
        let response = app
            .post_json("/v1/campaigns/draft-letter/signatures", &body, Some(key))
            .await;
        let problem = assert_problem(response, StatusCode::NOT_FOUND, "not-found").await;
        assert_eq!(problem["title"], nowhere["title"]);
        assert_eq!(problem["detail"], nowhere["detail"]);
    }
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM signatures WHERE name = $1",
            "Ann Jones"
        )
        .await,
        0
    );
}

/// Names that hold a link or an address, in every spelling a reviewer tried and more: a
/// path, a port, a `#`, a trailing dot, punycode, other scripts' dots and letters, compatibility
/// forms, invisible characters.
const HOST_LIKE_NAMES: [&str; 36] = [
    "Reset your password at https://evil.example",
    "Call us: evil.example",
    "Write to help@evil.example",
    "www.bank-login",
    "Go to bank.co.uk!",
    "Ann evil\u{3002}example",
    "evil.example/x",
    "Call evil.example:8080",
    "evil.example#login",
    "evil.example.",
    "see evil.example./reset",
    "xn--e1afmkfd.xn--p1ai",
    "xn--80ak6aa92e.com",
    "\u{0435}vil.com",
    "пример.рф",
    "例子.中国",
    "evil\u{ff0e}example",
    "evil\u{ff61}example",
    "evil\u{2024}example",
    "evil\u{fe52}example",
    "evil\u{200b}.example",
    "evil.\u{2060}example",
    "evil\u{00ad}.com",
    "ann\u{ff20}example",
    "ann\u{fe6b}example",
    "\u{ff57}\u{ff57}\u{ff57} bank",
    "WWW BANK",
    "hxxps://evil",
    "http:\u{ff0f}\u{ff0f}evil",
    "192.168.0.1",
    "10.0.0.1:80",
    "[::1]@home",
    "Ann mailto:ann@x",
    "evil.example?reset=1",
    "EVIL.EXAMPLE",
    "evil\u{06d4}example",
];

#[tokio::test]
async fn no_address_typed_as_a_name_reaches_an_email() {
    let app = spawn_app_with(|s| {
        s.sign_per_minute_per_campaign = 10_000;
        s.sign_per_minute_per_address = 10_000;
    })
    .await;
    let token = app
        .open_campaign_with(json!({"require_confirmation": false}))
        .await;
    let plain = ["Siân Lloyd-Jones", "محمد الأحمد"];
    let names: Vec<&str> = HOST_LIKE_NAMES.iter().chain(&plain).copied().collect();
    for (i, name) in names.iter().enumerate() {
        let body =
            json!({"name": name, "email": format!("signer{i}@example.org"), "contact": true});
        let response = app.sign("scrapsi445", &body).await;
        assert_eq!(response.status(), StatusCode::ACCEPTED, "{name}");
    }
    // The thank-you each signer is sent, and an update to them all: the greeting is plain.
    let news = app
        .post_json(
            "/v1/campaigns/scrapsi445/updates",
            &json!({"kind": "news", "subject": "We met the Minister", "body": "Thank you."}),
            Some(&token),
        )
        .await;
    assert_eq!(news.status(), StatusCode::CREATED);
    let messages = app.outbox_messages(names.len() * 2).await;
    for (i, name) in names.iter().enumerate() {
        let to = format!("signer{i}@example.org");
        let theirs: Vec<&String> = messages.iter().filter(|m| recipient_of(m) == to).collect();
        assert_eq!(theirs.len(), 2, "{name}: {theirs:?}");
        for message in theirs {
            let (text, html) = (text_of(message), html_of(message));
            if plain.contains(name) {
                assert!(text.contains(&format!("Hello {name},")), "{text}");
                continue;
            }
            assert!(text.contains("Hello,"), "{name}: {text}");
            assert!(
                !text.contains(name) && !html.contains(name),
                "{name}: {text}"
            );
        }
    }
    // The name itself is kept as typed, for the organisers.
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM signatures WHERE name = $1", names[0])
            .await,
        1
    );
}

#[tokio::test]
async fn the_letter_as_markdown_makes_what_signers_typed_literal() {
    let app = spawn_app().await;
    let token = app
        .open_campaign_with(json!({
            "slug": "letter-to-the-minister", "kind": "letter", "require_confirmation": false,
            "recipient": "Children's Minister",
        }))
        .await;
    let body = json!({
        "name": "<img src=x onerror=alert(1)>",
        "email": "mallory@example.org",
        "role": "[Click here](https://evil.example/login)",
        "signatory_type": "organisation",
        "organisation": "**Totally** _real_ `org`",
        "public": true,
    });
    assert_eq!(
        app.sign("letter-to-the-minister", &body).await.status(),
        StatusCode::ACCEPTED
    );
    app.expect_total("letter-to-the-minister", 1).await;
    let listed: Value = app
        .get(
            "/v1/campaigns/letter-to-the-minister/signatures",
            Some(&token),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = listed["signatures"][0]["id"].as_str().unwrap();
    let approved = app
        .patch_json(
            &format!("/v1/campaigns/letter-to-the-minister/signatures/{id}"),
            &json!({"review": "approved"}),
            &token,
        )
        .await;
    assert_eq!(approved.status(), StatusCode::OK);
    let markdown = app
        .client
        .get(app.url("/v1/campaigns/letter-to-the-minister/letter"))
        .header("accept", "text/markdown")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // In the signatories' lines, every character Markdown gives a meaning is escaped.
    let listed = markdown.split("## Signed by").nth(1).unwrap();
    for line in listed.lines().filter(|l| l.starts_with("- ")) {
        let chars: Vec<char> = line[2..].chars().collect();
        for (i, c) in chars.iter().enumerate() {
            if "<>[]()*_`!#".contains(*c) {
                assert!(i > 0 && chars[i - 1] == '\\', "{c:?} unescaped in {line}");
            }
        }
    }
    assert!(
        markdown.contains(r"\<img src\=x onerror\=alert\(1\)\>"),
        "{markdown}"
    );
    assert!(
        markdown.contains(r"\[Click here\]\(https\:\/\/evil\.example\/login\)"),
        "{markdown}"
    );
}

/// Starts the binary with `env` (and no other undersigned secret) and returns how it ended
/// and what it wrote to standard error, within a few seconds.
fn start_briefly(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_undersigned"));
    command
        .args(args)
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.path().join("secrets.db").display()),
        )
        .env("UNDERSIGNED_BIND", "127.0.0.1:0")
        .env("UNDERSIGNED_OUTBOX_DIR", dir.path())
        .env_remove("UNDERSIGNED_JWT_SECRET")
        .env_remove("UNDERSIGNED_SMTP_URL")
        .env_remove("UNDERSIGNED_METRICS_TOKEN")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("starting undersigned");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (status, stderr)
}

#[test]
fn a_short_token_secret_is_refused_at_start_naming_the_variable() {
    let (status, stderr) = start_briefly(&["serve"], &[("UNDERSIGNED_JWT_SECRET", "hunter2")]);
    assert_eq!(status, Some(2), "{stderr}");
    assert!(stderr.contains("UNDERSIGNED_JWT_SECRET"), "{stderr}");
    assert!(stderr.contains("at least 32"), "{stderr}");
    assert!(!stderr.contains("hunter2"), "{stderr}");
}

/// A key as `openssl rand -base64 48` makes one.
const STRONG_KEY: &str = "q8Jz0c3sV1Yb+W5nKp9RtL2xHf7uMd4eGa6iNo0ZyXkQw3BvCj8rTs1PlE5hUgDm";

#[test]
fn a_predictable_token_secret_is_refused_at_start_saying_how_to_make_one() {
    for weak in [
        " ".repeat(36),
        "a".repeat(40),
        "ab".repeat(20),
        "crash-test-secret-crash-test-secret".to_owned(),
        "0000000000000000000000000000000000000001".to_owned(),
    ] {
        let (status, stderr) = start_briefly(&["migrate"], &[("UNDERSIGNED_JWT_SECRET", &weak)]);
        assert_eq!(status, Some(2), "{weak:?}: {stderr}");
        assert!(stderr.contains("UNDERSIGNED_JWT_SECRET"), "{stderr}");
        assert!(stderr.contains("openssl rand -base64 48"), "{stderr}");
        if !weak.trim().is_empty() {
            assert!(!stderr.contains(&weak), "the secret is not shown: {stderr}");
        }
    }
    let (status, stderr) = start_briefly(&["migrate"], &[("UNDERSIGNED_JWT_SECRET", STRONG_KEY)]);
    assert_eq!(status, Some(0), "{stderr}");
}

#[test]
fn secrets_are_not_taken_as_command_line_flags() {
    for flag in [
        "--jwt-secret",
        "--smtp-url",
        "--metrics-token",
        "--database-url",
    ] {
        let (status, stderr) = start_briefly(&[flag, "a-secret-in-the-process-list", "serve"], &[]);
        assert_eq!(status, Some(2), "{flag}: {stderr}");
        assert!(stderr.contains("unexpected argument"), "{flag}: {stderr}");
    }
}

#[test]
fn a_secret_can_come_from_a_file_but_not_from_both_places() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("jwt_secret");
    std::fs::write(&file, "a-short-secret\n").unwrap();
    let path = file.to_str().unwrap();
    // The file is read (and its short secret refused by the same rule)...
    let (status, stderr) = start_briefly(&["migrate"], &[("UNDERSIGNED_JWT_SECRET_FILE", path)]);
    assert_eq!(status, Some(2), "{stderr}");
    assert!(stderr.contains("at least 32"), "{stderr}");
    // ...a long and random enough one is taken...
    std::fs::write(&file, format!("{STRONG_KEY}\n")).unwrap();
    let (status, stderr) = start_briefly(&["migrate"], &[("UNDERSIGNED_JWT_SECRET_FILE", path)]);
    assert_eq!(status, Some(0), "{stderr}");
    // ...and the two ways at once are refused rather than one silently winning.
    let (status, stderr) = start_briefly(
        &["migrate"],
        &[
            ("UNDERSIGNED_JWT_SECRET_FILE", path),
            ("UNDERSIGNED_JWT_SECRET", STRONG_KEY),
        ],
    );
    assert_eq!(status, Some(2), "{stderr}");
    assert!(stderr.contains("not both"), "{stderr}");
}

/// Behind a trusted proxy on the loopback address, requests say which client they are from.
fn behind_proxy(settings: &mut undersigned::config::Settings) {
    settings.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
}

async fn login_from(app: &TestApp, client: &str, email: &str, password: &str) -> reqwest::Response {
    app.client
        .post(app.url("/v1/auth/token"))
        .header("x-forwarded-for", client)
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn strangers_guessing_a_password_do_not_lock_its_owner_out() {
    let app = spawn_app_with(|s| {
        behind_proxy(s);
        s.login_per_minute_per_address = 1000;
    })
    .await;
    app.create_user("owner@article39.example", false).await;
    let mut refused = 0;
    for _ in 0..15 {
        let response = login_from(
            &app,
            "203.0.113.9",
            "owner@article39.example",
            "wrong guess",
        )
        .await;
        match response.status() {
            StatusCode::UNAUTHORIZED => {}
            StatusCode::TOO_MANY_REQUESTS => refused += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert!(refused >= 5, "the guesser was limited ({refused} refused)");
    let owner = login_from(&app, "198.51.100.7", "owner@article39.example", PASSWORD).await;
    assert_eq!(owner.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_account_s_failures_from_everywhere_have_a_ceiling() {
    let app = spawn_app_with(|s| {
        behind_proxy(s);
        s.login_failures_per_hour_per_account = 3;
    })
    .await;
    app.create_user("owner@article39.example", false).await;
    for client in ["203.0.113.1", "203.0.113.2", "203.0.113.3"] {
        let response = login_from(&app, client, "owner@article39.example", "wrong guess").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let waiting = login_from(&app, "203.0.113.4", "owner@article39.example", PASSWORD).await;
    let problem = assert_problem(waiting, StatusCode::TOO_MANY_REQUESTS, "rate-limited").await;
    assert!(problem["detail"].as_str().unwrap().contains("try again"));
    // Another account is not touched by this one's failures.
    app.create_user("other@article39.example", false).await;
    let other = login_from(&app, "203.0.113.4", "other@article39.example", PASSWORD).await;
    assert_eq!(other.status(), StatusCode::OK);
}

#[tokio::test]
async fn failures_from_many_networks_never_lock_out_a_client_that_logged_in_before() {
    let app = spawn_app_with(|s| {
        behind_proxy(s);
        s.login_failures_per_hour_per_account = 3;
    })
    .await;
    app.create_user("owner@article39.example", false).await;
    // The owner logs in from their office; their browser keeps a signed cookie.
    let office = login_from(&app, "198.51.100.20", "owner@article39.example", PASSWORD).await;
    assert_eq!(office.status(), StatusCode::OK);
    let cookie = office
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("undersigned_device="))
        .expect("a known-device cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(cookie.contains("Path=/v1/auth"), "{cookie}");
    let device = cookie.split(';').next().unwrap().to_owned();

    // Strangers guess from ten IPv6 networks until the account's ceiling is met.
    for n in 1..=10 {
        let stranger = format!("2001:db8:{n}::1");
        let response = login_from(&app, &stranger, "owner@article39.example", "wrong guess").await;
        assert!(
            [StatusCode::UNAUTHORIZED, StatusCode::TOO_MANY_REQUESTS].contains(&response.status())
        );
    }
    let stranger = login_from(&app, "2001:db8:99::1", "owner@article39.example", PASSWORD).await;
    assert_eq!(stranger.status(), StatusCode::TOO_MANY_REQUESTS);
    // The owner is not locked out: from the office, by its address...
    let again = login_from(&app, "198.51.100.20", "owner@article39.example", PASSWORD).await;
    assert_eq!(again.status(), StatusCode::OK);
    // ...and from a café, by the browser's cookie.
    let with_cookie = |client: &'static str, cookie: String| {
        app.client
            .post(app.url("/v1/auth/token"))
            .header("x-forwarded-for", client)
            .header("cookie", cookie)
            .json(&json!({"email": "owner@article39.example", "password": PASSWORD}))
            .send()
    };
    let cafe = with_cookie("192.0.2.77", device).await.unwrap();
    assert_eq!(cafe.status(), StatusCode::OK);
    // A forged cookie is no key.
    let forged = format!("undersigned_device={}", "0".repeat(64));
    let forged = with_cookie("192.0.2.78", forged).await.unwrap();
    assert_eq!(forged.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn an_ipv6_client_is_limited_per_64_not_per_address() {
    let app = spawn_app_with(|s| {
        behind_proxy(s);
        s.sign_per_minute_per_address = 2;
        s.sign_per_minute_per_campaign = 1000;
    })
    .await;
    app.open_campaign_with(json!({"require_confirmation": false}))
        .await;
    let sign_from = |client: &'static str, i: u32| {
        let app = &app;
        async move {
            app.client
                .post(app.url("/v1/campaigns/scrapsi445/signatures"))
                .header("x-forwarded-for", client)
                .json(&signer("Ann Jones", &format!("ann{i}@example.org")))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(sign_from("2001:db8:1:2::1", 1).await, StatusCode::ACCEPTED);
    assert_eq!(sign_from("2001:db8:1:2::2", 2).await, StatusCode::ACCEPTED);
    assert_eq!(
        sign_from("2001:db8:1:2:ffff::3", 3).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(sign_from("2001:db8:1:3::1", 4).await, StatusCode::ACCEPTED);
    app.expect_total("scrapsi445", 3).await;
}

#[tokio::test]
async fn a_flood_of_logins_waits_for_a_bounded_number_of_password_checks() {
    let app = spawn_app_with(|s| {
        s.password_checks_at_once = 1;
        s.password_check_wait_ms = 1;
        s.login_per_minute_per_address = 1000;
        s.login_per_minute_per_account = 1000;
    })
    .await;
    app.create_user("owner@article39.example", false).await;
    let attempts = (0..8).map(|_| {
        app.client
            .post(app.url("/v1/auth/token"))
            .json(&json!({"email": "owner@article39.example", "password": PASSWORD}))
            .send()
    });
    let responses = futures_util::future::join_all(attempts).await;
    let mut busy = 0;
    let mut admitted = 0;
    for response in responses {
        let response = response.unwrap();
        match response.status() {
            StatusCode::OK => admitted += 1,
            StatusCode::SERVICE_UNAVAILABLE => {
                assert!(response.headers().contains_key("retry-after"));
                let problem: Value = response.json().await.unwrap();
                assert_eq!(problem["type"], "urn:undersigned:problem:busy");
                busy += 1;
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert!(
        admitted >= 1 && busy >= 1,
        "{admitted} admitted, {busy} busy"
    );
}

#[tokio::test]
async fn request_logs_never_hold_a_link_token() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_undersigned"))
        .arg("serve")
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.path().join("logs.db").display()),
        )
        .env("UNDERSIGNED_BIND", "127.0.0.1:0")
        .env("UNDERSIGNED_OUTBOX_DIR", dir.path())
        .env("UNDERSIGNED_LOG_FORMAT", "json")
        // Every query logs an event inside the request's span, with the span's fields.
        .env("RUST_LOG", "debug")
        .env_remove("UNDERSIGNED_JWT_SECRET")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let stderr = child.stderr.take().unwrap();
    let collected = lines.clone();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            collected.lock().unwrap().push(line);
        }
    });
    let address = loop {
        let found = lines.lock().unwrap().iter().find_map(|line| {
            line.contains("\"listening\"").then(|| {
                line.split("\"address\":\"")
                    .nth(1)
                    .unwrap()
                    .split('"')
                    .next()
                    .unwrap()
                    .to_owned()
            })
        });
        if let Some(address) = found {
            break address;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // Shaped like a real token (43 characters), so that it is looked up and the lookup logged.
    let token = "TokEnThatMustNeverBeLogged0123456789abcdefg";
    let client = crate::helpers::http_client();
    for path in ["confirm", "withdraw"] {
        let page = client
            .get(format!("http://{address}/{path}/{token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::NOT_FOUND);
        client
            .post(format!("http://{address}/{path}/{token}"))
            .send()
            .await
            .unwrap();
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    child.kill().unwrap();
    child.wait().unwrap();
    let logs = lines.lock().unwrap().join("\n");
    assert!(
        logs.contains("/confirm/[redacted]"),
        "the request was logged"
    );
    assert!(
        logs.contains("/withdraw/[redacted]"),
        "the request was logged"
    );
    assert!(!logs.contains(token), "a token reached the logs");
}

#[tokio::test]
async fn a_wildcard_origin_names_one_organisation_s_domain_and_never_a_public_suffix() {
    let app = spawn_app().await;
    let token = app.organiser("organiser@article39.example", false).await;
    for wildcard in [
        "https://*",
        "https://*.com",
        "https://*.co.uk",
        "https://*.github.io",
    ] {
        let mut body = crate::helpers::scrapsi445();
        body["allowed_origins"] = json!(["https://nyas.net", wildcard]);
        let refused = app.post_json("/v1/campaigns", &body, Some(&token)).await;
        let problem = assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
        assert_eq!(
            crate::helpers::fields_of(&problem),
            ["allowed_origins"],
            "{wildcard}"
        );
    }
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM campaigns WHERE slug <> $1", "")
            .await,
        0
    );

    app.create_campaign(
        &token,
        json!({"allowed_origins": ["https://*.nyas.net"], "require_confirmation": false}),
    )
    .await;
    app.open_campaign(&token, "scrapsi445").await;
    let embed = app.get("/embed/scrapsi445", None).await;
    let csp = embed.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("frame-ancestors 'self' https://*.nyas.net"),
        "{csp}"
    );
    let sign_from = |origin: &'static str, email: &'static str| {
        app.client
            .post(app.url("/v1/campaigns/scrapsi445/signatures"))
            .header("origin", origin)
            .json(&signer("Ann Jones", email))
            .send()
    };
    let from_sub = sign_from("https://cymru.nyas.net", "ann@example.org")
        .await
        .unwrap();
    assert_eq!(from_sub.status(), StatusCode::ACCEPTED);
    for (origin, email) in [
        ("https://evilnyas.net", "a@example.org"),
        ("https://nyas.net.evil.example", "b@example.org"),
        ("http://www.nyas.net", "c@example.org"),
    ] {
        let refused = sign_from(origin, email).await.unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{origin}");
    }
}

#[tokio::test]
async fn no_spelling_of_the_signing_path_escapes_the_allowed_origins() {
    let app = spawn_app().await;
    app.open_campaign_with(json!({"require_confirmation": false}))
        .await;
    let paths = [
        "/v1/campaigns/scrapsi445/%73ignatures",
        "/v1/campaigns/scrap%73i445/signatures",
        "/v1/campaigns/scrapsi445/signatures/",
        "//v1/campaigns/scrapsi445/signatures",
        "/v1//campaigns/scrapsi445/signatures",
    ];
    for (i, path) in paths.iter().enumerate() {
        let response = app
            .client
            .post(app.url(path))
            .header("origin", "https://evil.example")
            .json(&signer("Ann Jones", &format!("spelling{i}@example.org")))
            .send()
            .await
            .unwrap();
        let status = response.status();
        assert!(
            status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND,
            "{path}: {status}"
        );
    }
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM signatures WHERE name = $1",
            "Ann Jones"
        )
        .await,
        0
    );
    // The encoded spelling reaches the signing route, which refuses the origin itself...
    let refused = app
        .client
        .post(app.url(paths[0]))
        .header("origin", "https://evil.example")
        .json(&signer("Ann Jones", "spelling@example.org"))
        .send()
        .await
        .unwrap();
    assert_problem(refused, StatusCode::FORBIDDEN, "origin-not-allowed").await;
    // ...and takes a signature from an allowed one.
    let allowed = app
        .client
        .post(app.url(paths[0]))
        .header("origin", "https://nyas.net")
        .json(&signer("Ann Jones", "spelling@example.org"))
        .send()
        .await
        .unwrap();
    assert_eq!(allowed.status(), StatusCode::ACCEPTED);
    app.expect_total("scrapsi445", 1).await;
}

#[tokio::test]
async fn the_plain_form_cannot_be_posted_from_another_site() {
    let app = spawn_app().await;
    app.open_campaign_with(json!({"require_confirmation": false}))
        .await;
    let post = |origin: Option<&str>, site: Option<&str>, email: &str| {
        let mut request = app
            .client
            .post(app.url("/embed/scrapsi445"))
            .form(&[("name", "Ann Jones"), ("email", email)]);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        if let Some(site) = site {
            request = request.header("sec-fetch-site", site);
        }
        request.send()
    };
    let from_elsewhere = post(
        Some("https://evil.example"),
        Some("cross-site"),
        "a@example.org",
    )
    .await
    .unwrap();
    assert_problem(from_elsewhere, StatusCode::FORBIDDEN, "origin-not-allowed").await;
    let no_origin_cross_site = post(None, Some("cross-site"), "b@example.org")
        .await
        .unwrap();
    assert_eq!(no_origin_cross_site.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM signatures WHERE name = $1",
            "Ann Jones"
        )
        .await,
        0
    );
    // The form in its own frame posts from the service's own origin; a page the campaign
    // allows may post it too.
    let own = post(
        Some(app.address.as_str()),
        Some("same-origin"),
        "c@example.org",
    )
    .await
    .unwrap();
    assert_eq!(own.status(), StatusCode::OK);
    let partner = post(
        Some("https://nyas.net"),
        Some("cross-site"),
        "d@example.org",
    )
    .await
    .unwrap();
    assert_eq!(partner.status(), StatusCode::OK);
    app.expect_total("scrapsi445", 2).await;
}

#[tokio::test]
async fn one_inbox_signs_once_however_its_address_is_spelled() {
    let app = spawn_app().await;
    app.open_campaign_with(json!({"require_confirmation": false}))
        .await;
    for email in [
        "joe+one@example.net",
        "joe+two@example.net",
        "JOE@example.net",
        "j.o.e@gmail.com",
        "joe@googlemail.com",
        "j.o.e+petitions@gmail.com",
    ] {
        let response = app.sign("scrapsi445", &signer("Joe Bloggs", email)).await;
        assert_eq!(response.status(), StatusCode::ACCEPTED, "{email}");
    }
    app.expect_total("scrapsi445", 2).await;
    // Emails go to the address as typed.
    let stored = app
        .texts(
            "SELECT email FROM signatures WHERE name = $1 ORDER BY signed_at",
            "Joe Bloggs",
        )
        .await;
    assert_eq!(stored[0][0].as_deref(), Some("joe+one@example.net"));
    assert_eq!(stored[1][0].as_deref(), Some("j.o.e@gmail.com"));
    let messages = app.outbox_messages(2).await;
    assert!(
        messages
            .iter()
            .any(|m| m.contains("To: joe+one@example.net"))
    );
}

#[tokio::test]
async fn signatures_from_before_inbox_keys_are_re_keyed_and_collisions_flagged_not_dropped() {
    let app = spawn_app().await;
    app.open_campaign_with(json!({"require_confirmation": false}))
        .await;
    for email in ["joe+one@example.net", "other@example.net"] {
        let response = app.sign("scrapsi445", &signer("Joe Bloggs", email)).await;
        assert_eq!(response.status(), StatusCode::ACCEPTED);
    }
    app.expect_total("scrapsi445", 2).await;
    // As they were stored before: keys of the address as typed, so that two addresses of one
    // inbox both signed.
    app.execute(
        "UPDATE signatures SET email = 'joe+two@example.net' WHERE email = $1",
        "other@example.net",
    )
    .await;
    app.execute(
        "UPDATE signatures SET email_key_version = 1, email_hash = 'legacy-' || email \
         WHERE name = $1",
        "Joe Bloggs",
    )
    .await;
    // The next start re-keys them.
    let restarted = undersigned::store::connect(&app.database_url.parse().unwrap())
        .await
        .unwrap();
    drop(restarted);
    let rows = app
        .texts(
            "SELECT email, CAST(possible_duplicate AS TEXT), status, \
                    CAST(email_key_version AS TEXT), email_hash FROM signatures \
             WHERE name = $1 ORDER BY signed_at",
            "Joe Bloggs",
        )
        .await;
    let flagged = |row: &Vec<Option<String>>| matches!(row[1].as_deref(), Some("true" | "1"));
    assert_eq!(rows[0][0].as_deref(), Some("joe+one@example.net"));
    assert!(!flagged(&rows[0]), "{rows:?}");
    assert!(flagged(&rows[1]), "the later one is flagged: {rows:?}");
    for row in &rows {
        assert_eq!(
            row[2].as_deref(),
            Some("confirmed"),
            "still counted: {rows:?}"
        );
        assert_eq!(row[3].as_deref(), Some("2"), "{rows:?}");
    }
    assert!(!rows[0][4].as_deref().unwrap().starts_with("legacy-"));
    // The inbox now signs once: a third spelling is a repeat.
    let again = app
        .sign("scrapsi445", &signer("Joe Bloggs", "joe@example.net"))
        .await;
    assert_eq!(again.status(), StatusCode::ACCEPTED);
    app.expect_total("scrapsi445", 2).await;
    let recount = app.store.recount(
        app.store
            .campaign(&undersigned::domain::Slug::parse("scrapsi445").unwrap())
            .await
            .unwrap()
            .unwrap()
            .id,
        undersigned::store::now(),
    );
    assert!(!recount.await.unwrap().drifted());
}

#[tokio::test]
async fn live_count_streams_are_capped_per_client_and_in_all_and_end_in_time() {
    let app = spawn_app_with(|s| {
        behind_proxy(s);
        s.streams_per_address = 2;
        s.streams_total = 3;
        s.stream_lifetime_seconds = 2;
    })
    .await;
    app.open_campaign_with(json!({})).await;
    let open = |client: &str| {
        app.client
            .get(app.url("/v1/campaigns/scrapsi445/count/stream"))
            .header("x-forwarded-for", client)
            .send()
    };
    let first = open("203.0.113.1").await.unwrap();
    let second = open("203.0.113.1").await.unwrap();
    assert_eq!(
        (first.status(), second.status()),
        (StatusCode::OK, StatusCode::OK)
    );
    let third = open("203.0.113.1").await.unwrap();
    assert!(third.headers().contains_key("retry-after"));
    assert_problem(third, StatusCode::TOO_MANY_REQUESTS, "rate-limited").await;
    let other = open("203.0.113.2").await.unwrap();
    assert_eq!(other.status(), StatusCode::OK);
    let over_all = open("203.0.113.3").await.unwrap();
    assert_eq!(over_all.status(), StatusCode::TOO_MANY_REQUESTS);
    // Every stream ends when its lifetime is over, and its place comes free.
    let started = std::time::Instant::now();
    let body = tokio::time::timeout(Duration::from_secs(10), first.bytes())
        .await
        .expect("the stream ended")
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(4));
    drop(second);
    let mut reopened = false;
    for _ in 0..100 {
        if open("203.0.113.1").await.unwrap().status() == StatusCode::OK {
            reopened = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(reopened, "a place came free");
    assert!(String::from_utf8_lossy(&body).contains("event: count"));
}

#[tokio::test]
async fn a_body_that_trickles_in_gets_408_and_its_connection_closed() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app_with(|s| s.body_deadline_seconds = 1).await;
    app.open_campaign_with(json!({})).await;
    let address = app.address.trim_start_matches("http://").to_owned();
    for (path, content_type) in [
        ("/v1/campaigns/scrapsi445/signatures", "application/json"),
        ("/embed/scrapsi445", "application/x-www-form-urlencoded"),
    ] {
        let mut socket = tokio::net::TcpStream::connect(&address).await.unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: {content_type}\r\n\
             Content-Length: 200\r\n\r\n"
        );
        socket.write_all(head.as_bytes()).await.unwrap();
        // A byte now and then, never the whole body.
        let started = std::time::Instant::now();
        let mut answer = Vec::new();
        let mut buffer = [0u8; 4096];
        loop {
            let _ = socket.write_all(b"{").await;
            match tokio::time::timeout(Duration::from_millis(300), socket.read(&mut buffer)).await {
                Ok(Ok(0)) => break,
                Ok(Ok(n)) => answer.extend_from_slice(&buffer[..n]),
                Ok(Err(_)) => break,
                Err(_) => {}
            }
            assert!(
                started.elapsed() < Duration::from_secs(8),
                "{path}: still held open"
            );
        }
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 408"), "{path}: {answer}");
        assert!(answer.contains("request-timeout"), "{path}: {answer}");
    }
    assert_eq!(app.stored_pending("scrapsi445").await, 0);
}

#[tokio::test]
async fn erasure_and_withdrawal_leave_no_email_name_or_hash_behind() {
    let app = spawn_app().await;
    let token = app
        .open_campaign_with(json!({"require_confirmation": false}))
        .await;
    for (name, email) in [
        ("Erin Erasedperson", "erin.erased@example.org"),
        ("Walter Withdrawnperson", "walter.withdrawn@example.org"),
    ] {
        assert_eq!(
            app.sign("scrapsi445", &signer(name, email)).await.status(),
            StatusCode::ACCEPTED
        );
    }
    app.expect_total("scrapsi445", 2).await;
    let listed: Value = app
        .get("/v1/campaigns/scrapsi445/signatures", Some(&token))
        .await
        .json()
        .await
        .unwrap();
    let erin = listed["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["email"] == "erin.erased@example.org")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.erase_signature(&token, "scrapsi445", &erin).await;
    let messages = app.outbox_messages(2).await;
    let walter = messages
        .iter()
        .find(|m| m.contains("walter.withdrawn@example.org"))
        .unwrap();
    let withdraw = crate::smtp::token_in(&crate::smtp::text_of(walter), "withdraw").unwrap();
    let withdrawn = app
        .client
        .post(app.url(&format!("/withdraw/{withdraw}")))
        .send()
        .await
        .unwrap();
    assert_eq!(withdrawn.status(), StatusCode::OK);
    app.expect_total("scrapsi445", 0).await;
    // The copies of the emails written to the outbox directory are removed with them.
    let remaining = app.outbox_messages(0).await;
    assert!(
        !remaining
            .iter()
            .any(|m| m.contains("erin.erased@") || m.contains("walter.withdrawn@")),
        "an erased signer's email is still in the outbox directory"
    );
    // No key derived from the email is kept.
    let keys = app
        .texts(
            "SELECT email_hash FROM signatures WHERE status = $1",
            "withdrawn",
        )
        .await;
    assert_eq!(keys.len(), 2);
    for key in keys {
        assert!(key[0].as_deref().unwrap().starts_with("erased:"), "{key:?}");
    }
    if app.database.is_postgres() {
        return;
    }
    // On SQLite, after a clean stop, the files themselves hold neither the email nor the name.
    app.stop().await;
    let path = app.database_url.trim_start_matches("sqlite://").to_owned();
    let mut files = vec![std::fs::read(&path).unwrap()];
    if let Ok(wal) = std::fs::read(format!("{path}-wal")) {
        files.push(wal);
    }
    for bytes in files {
        let text = String::from_utf8_lossy(&bytes);
        for gone in [
            "erin.erased@example.org",
            "Erasedperson",
            "walter.withdrawn@example.org",
            "Withdrawnperson",
        ] {
            assert!(!text.contains(gone), "{gone} is still in the database file");
        }
    }
}

/// A small filesystem of its own (tmpfs), unmounted when dropped.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    /// `None` where filesystems cannot be mounted (not root); CI runs as root.
    fn mount(size: &str) -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .is_ok_and(|status| status.success());
        mounted.then_some(Self { dir })
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

#[tokio::test]
async fn a_full_disk_is_a_503_and_signing_recovers_by_itself_with_nothing_lost() {
    let Some(disk) = SmallDisk::mount("3m") else {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "CI runs as root and must be able to mount a small disk"
        );
        eprintln!("skipped: cannot mount a tmpfs here (not root)");
        return;
    };
    let database = disk.dir.path().join("full.db");
    let filler = disk.dir.path().join("filler");
    std::fs::write(&filler, vec![0u8; 1024 * 1024]).unwrap();
    let database_url = format!("sqlite://{}", database.display());
    let configured = database_url.clone();
    let app = spawn_app_with(move |s| {
        s.database_url = configured.parse().unwrap();
        s.sign_per_minute_per_address = 1_000_000;
        s.sign_per_minute_per_campaign = 1_000_000;
    })
    .await;
    app.open_campaign_with(json!({"require_confirmation": false}))
        .await;
    let long_name = "Siân ".repeat(39);
    let sign = |i: usize| {
        let app = &app;
        let name = long_name.clone();
        async move {
            let email = format!("filler{i}@example.org");
            let response = app.sign("scrapsi445", &signer(&name, &email)).await;
            (email, response)
        }
    };
    let mut accepted = std::collections::HashSet::new();
    let mut refusal = None;
    'filling: for round in 0..400 {
        let batch = (0..16).map(|k| sign(round * 16 + k));
        for (email, response) in futures_util::future::join_all(batch).await {
            match response.status() {
                StatusCode::ACCEPTED => {
                    accepted.insert(email);
                }
                _ => {
                    refusal = Some(response);
                    break 'filling;
                }
            }
        }
    }
    let refusal = refusal.expect("the disk filled up");
    assert!(refusal.headers().contains_key("retry-after"));
    assert_problem(refusal, StatusCode::SERVICE_UNAVAILABLE, "unavailable").await;
    assert_eq!(
        app.get("/readyz", None).await.status(),
        StatusCode::SERVICE_UNAVAILABLE,
        "not ready while writes fail"
    );

    // Space comes back: signing recovers by itself, without a restart.
    std::fs::remove_file(&filler).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let mut i = 1_000_000;
    loop {
        let (email, response) = sign(i).await;
        i += 1;
        if response.status() == StatusCode::ACCEPTED {
            accepted.insert(email);
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "signing never recovered"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(app.get("/readyz", None).await.status(), StatusCode::OK);

    // Nothing acknowledged was lost, and the file is sound.
    let pool = sqlx::SqlitePool::connect(&database_url).await.unwrap();
    let stored: Vec<(String,)> = sqlx::query_as("SELECT email FROM signatures")
        .fetch_all(&pool)
        .await
        .unwrap();
    let stored: std::collections::HashSet<String> = stored.into_iter().map(|(e,)| e).collect();
    let lost: Vec<_> = accepted.iter().filter(|e| !stored.contains(*e)).collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    let (integrity,): (String,) = sqlx::query_as("PRAGMA integrity_check")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(integrity, "ok");
    pool.close().await;
    app.stop().await;
    drop(app);
    drop(disk);
}
