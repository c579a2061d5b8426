//! Sessions: each login begins one, which its tokens name; logging out, logging out everywhere
//! and a password change end them, on every instance (they are kept in the database).

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, assert_problem, fields_of, spawn_app};

const EMAIL: &str = "kamena@nyas.example";

async fn login_as(app: &TestApp, password: &str, user_agent: &str) -> reqwest::Response {
    app.client
        .post(app.url("/v1/auth/token"))
        .header("User-Agent", user_agent)
        .json(&json!({"email": EMAIL, "password": password}))
        .send()
        .await
        .unwrap()
}

async fn session(app: &TestApp, user_agent: &str) -> String {
    let response = login_as(app, PASSWORD, user_agent).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

async fn status_of(app: &TestApp, token: &str) -> StatusCode {
    app.get("/v1/users/me", Some(token)).await.status()
}

async fn post(app: &TestApp, path: &str, token: &str) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn logging_out_ends_one_session_and_logging_out_everywhere_ends_them_all() {
    let app = spawn_app().await;
    app.create_user(EMAIL, false).await;
    let laptop = session(&app, "Firefox on the office laptop").await;
    let phone = session(&app, "Safari\ton a phone").await;

    let listed = app.get("/v1/auth/sessions", Some(&laptop)).await;
    assert_eq!(listed.status(), StatusCode::OK);
    assert_eq!(listed.headers()["cache-control"], "no-store");
    let listed: Value = listed.json().await.unwrap();
    let sessions = listed["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2, "{listed}");
    // Newest first, this one marked, and what the browser said with control characters as spaces.
    assert_eq!(sessions[0]["user_agent"], "Safari on a phone");
    assert_eq!(sessions[0]["current"], false);
    assert_eq!(sessions[1]["user_agent"], "Firefox on the office laptop");
    assert_eq!(sessions[1]["current"], true);

    // Logging out ends this session alone, at once.
    let out = post(&app, "/v1/auth/logout", &laptop).await;
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    let refused = app.get("/v1/users/me", Some(&laptop)).await;
    assert_problem(refused, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    assert_eq!(status_of(&app, &phone).await, StatusCode::OK);
    let listed = app.get_json("/v1/auth/sessions", Some(&phone)).await;
    assert_eq!(listed["sessions"].as_array().unwrap().len(), 1);
    let again = post(&app, "/v1/auth/logout", &laptop).await;
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED);

    // Logging out everywhere ends every session, this one too.
    let desk = session(&app, "Chromium at the desk").await;
    let everywhere = post(&app, "/v1/auth/logout-everywhere", &phone).await;
    assert_eq!(everywhere.status(), StatusCode::NO_CONTENT);
    for token in [&phone, &desk] {
        assert_eq!(status_of(&app, token).await, StatusCode::UNAUTHORIZED);
    }
    let ended = app
        .texts(
            "SELECT CAST(COUNT(*) AS TEXT) FROM sessions WHERE ended_at IS NOT NULL AND user_agent <> $1",
            "none",
        )
        .await;
    assert_eq!(ended[0][0].as_deref(), Some("3"));
    // A new login works as before.
    assert_eq!(
        status_of(&app, &session(&app, "Firefox").await).await,
        StatusCode::OK
    );
    // Without a token there is nothing to end.
    let anonymous = app
        .client
        .post(app.url("/v1/auth/logout-everywhere"))
        .send()
        .await
        .unwrap();
    assert_problem(anonymous, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}

#[tokio::test]
async fn a_password_change_needs_the_current_one_and_ends_every_other_session() {
    let app = spawn_app().await;
    app.create_user(EMAIL, false).await;
    let here = session(&app, "here").await;
    let elsewhere = session(&app, "elsewhere").await;
    let change = |current: &str, new: &str| {
        let body = json!({"current_password": current, "password": new});
        let (app, here) = (&app, &here);
        async move {
            app.client
                .put(app.url("/v1/users/me/password"))
                .bearer_auth(here)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let new_password = "a longer passphrase for the coalition";

    // A wrong current password, or a short new one, changes nothing.
    let wrong = change("not the password at all", new_password).await;
    assert_problem(wrong, StatusCode::FORBIDDEN, "wrong-password").await;
    let short = change(PASSWORD, "short").await;
    let problem = assert_problem(short, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(fields_of(&problem), ["password"]);
    assert_eq!(status_of(&app, &elsewhere).await, StatusCode::OK);
    assert_eq!(login_as(&app, PASSWORD, "x").await.status(), StatusCode::OK);

    // The right one: this session goes on, every other ends, and only the new password works.
    let changed = change(PASSWORD, new_password).await;
    assert_eq!(changed.status(), StatusCode::NO_CONTENT);
    assert_eq!(status_of(&app, &here).await, StatusCode::OK);
    assert_eq!(status_of(&app, &elsewhere).await, StatusCode::UNAUTHORIZED);
    let old = login_as(&app, PASSWORD, "x").await;
    assert_problem(old, StatusCode::UNAUTHORIZED, "invalid-credentials").await;
    assert_eq!(
        login_as(&app, new_password, "x").await.status(),
        StatusCode::OK
    );
    let hashes = app
        .texts("SELECT password_hash FROM users WHERE email = $1", EMAIL)
        .await;
    assert!(hashes[0][0].as_deref().unwrap().starts_with("$argon2id$"));
}
