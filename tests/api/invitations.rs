//! Accounts staff manage themselves: an admin invites (the invitee chooses their own password
//! from a link that works once, for 72 hours), and a forgotten password is reset from a link
//! that works once, for 30 minutes, ending every session of the account.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, assert_problem, fields_of, spawn_app};
use crate::smtp::{html_of, recipient_of, subject_of, text_of};

/// The account emails written so far to `to`, oldest first.
async fn account_emails(app: &TestApp, to: &str, at_least: usize) -> Vec<String> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let mut found: Vec<(std::time::SystemTime, String)> = std::fs::read_dir(app.outbox.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().starts_with("account."))
            .filter(|e| e.file_name().to_string_lossy().ends_with(".eml"))
            .map(|e| {
                let modified = e.metadata().unwrap().modified().unwrap();
                (modified, std::fs::read_to_string(e.path()).unwrap())
            })
            .filter(|(_, raw)| recipient_of(raw) == to)
            .collect();
        found.sort();
        if found.len() >= at_least || std::time::Instant::now() > deadline {
            return found.into_iter().map(|(_, raw)| raw).collect();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// The token after `#` in the link to `page` that an email carries.
fn token_after(raw: &str, page: &str) -> String {
    let text = text_of(raw);
    let marker = format!("/console/{page}#");
    let start = text.find(&marker).expect("the link") + marker.len();
    text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

async fn post(app: &TestApp, path: &str, body: Value, token: Option<&str>) -> reqwest::Response {
    app.post_json(path, &body, token).await
}

#[tokio::test]
async fn an_admin_invites_and_the_invitee_chooses_their_own_password() {
    let app = spawn_app().await;
    let admin = app.organiser("carolyne@article39.example", true).await;
    let organiser = app.organiser("rhys@article39.example", false).await;
    let invitation = json!({"email": "Kamena@NYAS.example", "admin": false});

    // Only an admin invites, and not an email that has an account.
    let refused = post(
        &app,
        "/v1/invitations",
        invitation.clone(),
        Some(&organiser),
    )
    .await;
    assert_problem(refused, StatusCode::FORBIDDEN, "forbidden").await;
    let taken = post(
        &app,
        "/v1/invitations",
        json!({"email": "rhys@article39.example"}),
        Some(&admin),
    )
    .await;
    assert_problem(taken, StatusCode::CONFLICT, "email-taken").await;
    let bad = post(
        &app,
        "/v1/invitations",
        json!({"email": "kamena"}),
        Some(&admin),
    )
    .await;
    let problem = assert_problem(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(fields_of(&problem), ["email"]);

    let sent = post(&app, "/v1/invitations", invitation.clone(), Some(&admin)).await;
    assert_eq!(sent.status(), StatusCode::CREATED);
    let sent: Value = sent.json().await.unwrap();
    assert_eq!(sent["email"], "kamena@nyas.example");
    let expires =
        chrono::DateTime::parse_from_rfc3339(sent["expires_at"].as_str().unwrap()).unwrap();
    let hours =
        (expires.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_minutes() as f64 / 60.0;
    assert!((71.9..=72.0).contains(&hours), "{hours}");

    // The email, as received: both parts, the link only to the console page, which keeps the
    // token after `#`; who invited is named.
    let emails = account_emails(&app, "kamena@nyas.example", 1).await;
    assert_eq!(emails.len(), 1);
    let raw = &emails[0];
    assert_eq!(
        subject_of(raw),
        "You are invited to run campaigns on Undersigned"
    );
    assert!(text_of(raw).contains("carolyne@article39.example has invited you"));
    let token = token_after(raw, "invitation");
    assert_eq!(token.len(), 43);
    assert!(html_of(raw).contains(&format!("/console/invitation#{token}\"")));
    // Only the token's hash is kept.
    let kept = app
        .texts(
            "SELECT token_hash FROM account_links WHERE email = $1",
            "kamena@nyas.example",
        )
        .await;
    assert_eq!(kept.len(), 1);
    assert_ne!(kept[0][0].as_deref(), Some(token.as_str()));
    // The console page the link opens.
    let page = app.get("/console/invitation", None).await;
    assert_eq!(page.status(), StatusCode::OK);

    // A new invitation replaces the last: the first link no longer works.
    post(&app, "/v1/invitations", invitation.clone(), Some(&admin)).await;
    let emails = account_emails(&app, "kamena@nyas.example", 2).await;
    let newest = token_after(&emails[1], "invitation");
    assert_ne!(newest, token);
    let path = |t: &str| format!("/v1/invitations/{t}");
    let spent = post(&app, &path(&token), json!({"password": PASSWORD}), None).await;
    assert_problem(spent, StatusCode::NOT_FOUND, "token-not-found").await;

    // A short password changes nothing; a good one makes the account and logs it in.
    let short = post(&app, &path(&newest), json!({"password": "short"}), None).await;
    let problem = assert_problem(short, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(fields_of(&problem), ["password"]);
    let made = post(&app, &path(&newest), json!({"password": PASSWORD}), None).await;
    assert_eq!(made.status(), StatusCode::CREATED);
    assert_eq!(made.headers()["cache-control"], "no-store");
    let made: Value = made.json().await.unwrap();
    let me = app
        .get_json("/v1/users/me", made["access_token"].as_str())
        .await;
    assert_eq!(me["email"], "kamena@nyas.example");
    assert_eq!(me["admin"], false);
    // Her own password logs her in (login asserts a 200).
    assert!(!app.login("kamena@nyas.example").await.is_empty());
    // Once used, the link is spent.
    let again = post(&app, &path(&newest), json!({"password": PASSWORD}), None).await;
    assert_problem(again, StatusCode::NOT_FOUND, "token-not-found").await;
    let nonsense = post(
        &app,
        &path("not-a-token"),
        json!({"password": PASSWORD}),
        None,
    )
    .await;
    assert_problem(nonsense, StatusCode::NOT_FOUND, "token-not-found").await;
}

#[tokio::test]
async fn a_reset_link_sets_a_new_password_once_and_ends_every_session() {
    let app = spawn_app().await;
    let before = app.organiser("kamena@nyas.example", false).await;

    // The same answer whether or not an account has the email; only an account gets a link.
    let mut answers = Vec::new();
    for email in ["nobody@nyas.example", "kamena@nyas.example"] {
        let answer = post(&app, "/v1/auth/reset", json!({"email": email}), None).await;
        assert_eq!(answer.status(), StatusCode::ACCEPTED);
        answers.push(answer.text().await.unwrap());
    }
    assert_eq!(answers[0], answers[1]);
    let emails = account_emails(&app, "kamena@nyas.example", 1).await;
    assert_eq!(emails.len(), 1);
    assert!(
        account_emails(&app, "nobody@nyas.example", 0)
            .await
            .is_empty()
    );
    let raw = &emails[0];
    assert_eq!(subject_of(raw), "Reset your Undersigned password");
    assert!(text_of(raw).contains("within 30 minutes"));
    let token = token_after(raw, "reset");
    let expires = app
        .texts(
            "SELECT CAST(expires_at AS TEXT), CAST(created_at AS TEXT) FROM account_links WHERE purpose = $1",
            "reset",
        )
        .await;
    assert_eq!(expires.len(), 1);

    // Nothing changes until the link is used.
    assert_eq!(
        app.get("/v1/users/me", Some(&before)).await.status(),
        StatusCode::OK
    );
    let path = format!("/v1/auth/reset/{token}");
    let new_password = "kamena's newer long passphrase";
    let short = post(&app, &path, json!({"password": "short"}), None).await;
    assert_problem(short, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    let reset = post(&app, &path, json!({"password": new_password}), None).await;
    assert_eq!(reset.status(), StatusCode::OK);
    let reset: Value = reset.json().await.unwrap();
    let after = reset["access_token"].as_str().unwrap().to_owned();

    // Every earlier session has ended; the new one works; only the new password logs in.
    let ended = app.get("/v1/users/me", Some(&before)).await;
    assert_problem(ended, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    assert_eq!(
        app.get("/v1/users/me", Some(&after)).await.status(),
        StatusCode::OK
    );
    let old = post(
        &app,
        "/v1/auth/token",
        json!({"email": "kamena@nyas.example", "password": PASSWORD}),
        None,
    )
    .await;
    assert_problem(old, StatusCode::UNAUTHORIZED, "invalid-credentials").await;
    let new = post(
        &app,
        "/v1/auth/token",
        json!({"email": "kamena@nyas.example", "password": new_password}),
        None,
    )
    .await;
    assert_eq!(new.status(), StatusCode::OK);
    // The link works once.
    let again = post(
        &app,
        &path,
        json!({"password": "yet another long passphrase"}),
        None,
    )
    .await;
    assert_problem(again, StatusCode::NOT_FOUND, "token-not-found").await;
}
