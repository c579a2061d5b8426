//! What the console needs of the API, usable by a script too: the first admin from the
//! set-up link the server logs, the list of accounts, every campaign for an admin, searching
//! signatures and filtering the audit log.

use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::crash::Server;
use crate::helpers::{
    PASSWORD, TestDatabase, assert_problem, fields_of, signer, spawn_app, spawn_app_with,
};

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

    // The link is spent, and set-up is over: a second use, even by someone else, or any
    // other token, finds no such thing.
    let again =
        setup(json!({"token": token, "email": "intruder@example.org", "password": PASSWORD}))
            .await
            .unwrap();
    assert_problem(again, StatusCode::NOT_FOUND, "not-found").await;
    let guess = setup(
        json!({"token": "y".repeat(43), "email": "intruder@example.org", "password": PASSWORD}),
    )
    .await
    .unwrap();
    assert_problem(guess, StatusCode::NOT_FOUND, "not-found").await;
    let junk = setup(json!({"token": "", "email": "", "password": ""}))
        .await
        .unwrap();
    assert_problem(junk, StatusCode::NOT_FOUND, "not-found").await;
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

/// Sets when every kept set-up link was written, as if the server had started then.
async fn set_links_written_at(database: &TestDatabase, url: &str, at: DateTime<Utc>) {
    let sql = "UPDATE setup_tokens SET created_at = $1";
    if database.is_postgres() {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        sqlx::query(sql).bind(at).execute(&pool).await.unwrap();
        pool.close().await;
    } else {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        sqlx::query(sql).bind(at).execute(&pool).await.unwrap();
        pool.close().await;
    }
}

#[tokio::test]
async fn a_set_up_link_is_checked_first_works_for_an_hour_and_only_the_newest_works() {
    let (database, database_url) = TestDatabase::create().await;
    let outbox = tempfile::tempdir().unwrap();
    let first = Server::start(&database_url, outbox.path(), None);
    let first_link = setup_link(&first).expect("a set-up link");
    let first_token = first_link.split_once('#').unwrap().1.to_owned();
    let client = crate::helpers::http_client();
    let carolyne = |token: &str| json!({"token": token, "email": "carolyne@article39.example", "password": PASSWORD});
    let setup = |address: String, body: Value| {
        client
            .post(format!("{address}/v1/setup"))
            .json(&body)
            .send()
    };

    // The token is checked before anything else: a wrong one with a password too short to
    // hash is refused for its token, not its password.
    let wrong = setup(
        first.address.clone(),
        json!({"token": "x".repeat(43), "email": "carolyne", "password": "short"}),
    )
    .await
    .unwrap();
    assert_problem(wrong, StatusCode::FORBIDDEN, "setup-link-invalid").await;

    // A new start writes a new link, and the old one stops working.
    first.kill();
    let second = Server::start(&database_url, outbox.path(), None);
    let second_link = setup_link(&second).expect("a new set-up link");
    let second_token = second_link.split_once('#').unwrap().1.to_owned();
    assert_ne!(first_token, second_token);
    let old = setup(second.address.clone(), carolyne(&first_token))
        .await
        .unwrap();
    assert_problem(old, StatusCode::FORBIDDEN, "setup-link-invalid").await;

    // An hour after it was written, the link no longer works, and stays unspent.
    let written_ago = |minutes| Utc::now() - chrono::Duration::minutes(minutes);
    set_links_written_at(&database, &database_url, written_ago(61)).await;
    let late = setup(second.address.clone(), carolyne(&second_token));
    assert_problem(
        late.await.unwrap(),
        StatusCode::FORBIDDEN,
        "setup-link-invalid",
    )
    .await;
    set_links_written_at(&database, &database_url, written_ago(59)).await;
    let in_time = setup(second.address.clone(), carolyne(&second_token));
    assert_eq!(in_time.await.unwrap().status(), StatusCode::CREATED);
}

#[tokio::test]
async fn set_up_attempts_are_limited_per_client() {
    let app = spawn_app_with(|settings| settings.login_per_minute_per_address = 5).await;
    let mut statuses = Vec::new();
    for _ in 0..8 {
        let response = app
            .post_json(
                "/v1/setup",
                &json!({"token": "x".repeat(43), "email": "a@example.org", "password": PASSWORD}),
                None,
            )
            .await;
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses, [403, 403, 403, 403, 403, 429, 429, 429]);
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
