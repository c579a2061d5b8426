//! What the console needs of the API, usable by a script too: the first admin from the
//! set-up link the server logs, the list of accounts, every campaign for an admin, searching
//! signatures and filtering the audit log.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::crash::Server;
use crate::helpers::{PASSWORD, TestDatabase, assert_problem, fields_of, signer, spawn_app};

/// The set-up link a starting server wrote to its log, once it has.
pub(crate) fn setup_link(server: &Server) -> Option<String> {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let found = server.log.lock().unwrap().iter().find_map(|line| {
            line.split("\"setup_link\":\"")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .map(str::to_owned)
        });
        if found.is_some() || std::time::Instant::now() > deadline {
            return found;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test]
async fn the_first_admin_is_created_once_with_the_link_the_server_logs() {
    let (_database, database_url) = TestDatabase::create().await;
    let outbox = tempfile::tempdir().unwrap();
    let server = Server::start(&database_url, outbox.path(), None);
    let link = setup_link(&server).expect("a set-up link in the log of a server with no account");
    let (page, token) = link.split_once('#').unwrap();
    assert_eq!(page, format!("{}/console/setup", server.address));
    assert_eq!(token.len(), 43, "256 random bits");
    let client = crate::helpers::http_client();
    let setup = |body: Value| {
        client
            .post(format!("{}/v1/setup", server.address))
            .json(&body)
            .send()
    };

    // A wrong token creates nothing.
    let wrong = setup(json!({"token": "x".repeat(43), "email": "carolyne@article39.example", "password": PASSWORD}))
        .await
        .unwrap();
    assert_problem(wrong, StatusCode::FORBIDDEN, "setup-link-invalid").await;
    // Bad fields are all named, and spend nothing.
    let invalid = setup(json!({"token": token, "email": "carolyne", "password": "short"}))
        .await
        .unwrap();
    let problem = assert_problem(invalid, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(fields_of(&problem), ["email", "password"]);

    let created =
        setup(json!({"token": token, "email": "Carolyne@Article39.example", "password": PASSWORD}))
            .await
            .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let admin: Value = created.json().await.unwrap();
    assert_eq!(admin["email"], "carolyne@article39.example");
    assert_eq!(admin["admin"], true);
    let login = client
        .post(format!("{}/v1/auth/token", server.address))
        .json(&json!({"email": "carolyne@article39.example", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK, "the new admin logs in");

    // The link is spent: a second use, even by someone else, is refused.
    let again =
        setup(json!({"token": token, "email": "intruder@example.org", "password": PASSWORD}))
            .await
            .unwrap();
    assert_problem(again, StatusCode::FORBIDDEN, "setup-link-invalid").await;
    let store = undersigned::store::connect(&database_url.parse().unwrap())
        .await
        .unwrap();
    let accounts = store.users().await.unwrap();
    assert_eq!(accounts.len(), 1);
    assert!(accounts[0].is_admin);

    // Started again with an account, the server offers no link.
    server.kill();
    let restarted = Server::start(&database_url, outbox.path(), None);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !restarted
            .log
            .lock()
            .unwrap()
            .iter()
            .any(|line| line.contains("setup_link")),
        "no set-up link once an account exists"
    );
}

#[tokio::test]
async fn admins_see_every_account_and_every_campaign_and_organisers_only_their_own() {
    let app = spawn_app().await;
    let admin = app.organiser("carolyne@article39.example", true).await;
    let organiser = app.organiser("kamena@nyas.example", false).await;
    let other = app.organiser("enver@together.example", false).await;
    app.create_campaign(&organiser, json!({})).await;
    app.create_campaign(
        &other,
        json!({"slug": "letter-to-the-minister", "kind": "letter"}),
    )
    .await;

    let refused = app.get("/v1/users", Some(&organiser)).await;
    assert_problem(refused, StatusCode::FORBIDDEN, "forbidden").await;
    let users = app.get_json("/v1/users", Some(&admin)).await;
    let emails: Vec<&str> = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    assert_eq!(
        emails,
        [
            "carolyne@article39.example",
            "kamena@nyas.example",
            "enver@together.example"
        ]
    );
    assert!(
        users["users"][0].get("password_hash").is_none() && !users.to_string().contains("argon2"),
        "no password hash is shown"
    );

    let slugs = |list: &Value| -> Vec<String> {
        list["campaigns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["slug"].as_str().unwrap().to_owned())
            .collect()
    };
    // Drafts included: newest first for the admin, only one's own for an organiser.
    assert_eq!(
        slugs(&app.get_json("/v1/campaigns", Some(&admin)).await),
        ["letter-to-the-minister", "scrapsi445"]
    );
    assert_eq!(
        slugs(&app.get_json("/v1/campaigns", Some(&organiser)).await),
        ["scrapsi445"]
    );
    assert!(slugs(&app.get_json("/v1/campaigns", None).await).is_empty());
}

#[tokio::test]
async fn organisers_search_signatures_and_admins_filter_the_audit_log() {
    let app = spawn_app().await;
    let admin = app.organiser("carolyne@article39.example", true).await;
    let organiser = app.organiser("kamena@nyas.example", false).await;
    app.create_campaign(&organiser, json!({"require_confirmation": false}))
        .await;
    app.open_campaign(&organiser, "scrapsi445").await;
    app.create_campaign(
        &organiser,
        json!({"slug": "second", "require_confirmation": false}),
    )
    .await;
    app.open_campaign(&organiser, "second").await;
    for (name, email) in [
        ("Siân Lloyd", "sian@example.org"),
        ("Dafydd ap Gwilym", "dafydd@llandaf.example"),
        ("100% Kids_Club", "club@example.org"),
    ] {
        let response = app.sign("scrapsi445", &signer(name, email)).await;
        assert_eq!(response.status(), StatusCode::ACCEPTED, "{name}");
    }
    let names = |page: &Value| -> Vec<String> {
        page["signatures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let search = |q: &str| format!("/v1/campaigns/scrapsi445/signatures?q={}", urlencode(q));

    // By part of a name, whatever the case of its ASCII letters; by email; literally for % and _.
    assert_eq!(
        names(&app.get_json(&search("LLOYD"), Some(&organiser)).await),
        ["Siân Lloyd"]
    );
    assert_eq!(
        names(&app.get_json(&search("llandaf"), Some(&organiser)).await),
        ["Dafydd ap Gwilym"]
    );
    assert_eq!(
        names(&app.get_json(&search("100%"), Some(&organiser)).await),
        ["100% Kids_Club"]
    );
    assert_eq!(
        names(&app.get_json(&search("s_c"), Some(&organiser)).await),
        ["100% Kids_Club"]
    );
    assert_eq!(
        names(&app.get_json(&search("a%e"), Some(&organiser)).await),
        Vec::<String>::new()
    );
    assert_eq!(
        names(&app.get_json(&search("0% k"), Some(&organiser)).await),
        ["100% Kids_Club"]
    );

    for (q, fault) in [
        ("", "empty"),
        ("   ", "empty"),
        (&"x".repeat(101), "100"),
        ("a\u{7}b", "control"),
    ] {
        let response = app.get(&search(q), Some(&organiser)).await;
        let problem =
            assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
        assert_eq!(fields_of(&problem), ["q"]);
        assert!(
            problem["detail"].as_str().unwrap().contains(fault),
            "{problem}"
        );
    }

    // The export keeps the same filter, and the log says a search was made but not its text.
    let export = app
        .get(
            "/v1/campaigns/scrapsi445/signatures/export?q=lloyd",
            Some(&organiser),
        )
        .await;
    assert_eq!(export.status(), StatusCode::OK);
    let csv = export.text().await.unwrap();
    assert_eq!(
        csv.lines().count(),
        2,
        "the header and one signature: {csv}"
    );
    assert!(csv.contains("Siân Lloyd"));
    let second = app
        .get("/v1/campaigns/second/signatures/export", Some(&organiser))
        .await;
    assert_eq!(second.status(), StatusCode::OK);
    second.text().await.unwrap();

    let log = |query: &str| format!("/v1/audit{query}");
    let exports = app.get_json(&log("?action=export"), Some(&admin)).await;
    let entries = exports["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["campaign"], "second", "newest first");
    assert_eq!(entries[1]["campaign"], "scrapsi445");
    assert!(entries[1]["detail"].as_str().unwrap().contains("searched"));
    assert!(!entries[1]["detail"].as_str().unwrap().contains("lloyd"));
    let one = app
        .get_json(&log("?campaign=second&action=export"), Some(&admin))
        .await;
    assert_eq!(one["entries"].as_array().unwrap().len(), 1);
    assert_eq!(one["entries"][0]["campaign"], "second");
    let erasures = app.get_json(&log("?action=erase"), Some(&admin)).await;
    assert!(erasures["entries"].as_array().unwrap().is_empty());

    let none = app
        .get_json(&log("?campaign=no-such-campaign"), Some(&admin))
        .await;
    assert!(
        none["entries"].as_array().unwrap().is_empty(),
        "no campaign, no entries"
    );
    for (query, field) in [
        ("?action=deleted", "action"),
        ("?campaign=Not%20a%20slug", "campaign"),
    ] {
        let response = app.get(&format!("/v1/audit{query}"), Some(&admin)).await;
        let problem =
            assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
        assert_eq!(fields_of(&problem), [field]);
    }
}

fn urlencode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}
