use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{JWT_SECRET, PASSWORD, assert_problem, spawn_app, spawn_app_with};

fn claims(app_address: &str, user_id: &str, session_id: &str, exp_offset: i64) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({
        "sub": user_id,
        "sid": session_id,
        "iss": app_address,
        "aud": "undersigned-api",
        "iat": now,
        "exp": now + exp_offset,
    })
}

fn sign(alg: Algorithm, claims: &Value, secret: &str) -> String {
    jsonwebtoken::encode(
        &Header::new(alg),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

#[tokio::test]
async fn login_returns_a_bearer_token_that_identifies_the_organiser() {
    let app = spawn_app().await;
    app.create_user("carolyne@article39.example", false).await;
    let response = app
        .post_json(
            "/v1/auth/token",
            &json!({"email": "  Carolyne@Article39.EXAMPLE ", "password": PASSWORD}),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    let token = body["access_token"].as_str().unwrap();

    let me = app.get("/v1/users/me", Some(token)).await;
    assert_eq!(me.status(), StatusCode::OK);
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["email"], "carolyne@article39.example");
    assert_eq!(me["admin"], false);

    // The token is HS256 with the claims the service promises.
    let payload = token.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    assert_eq!(claims["aud"], "undersigned-api");
    assert_eq!(claims["iss"], app.address);
    assert_eq!(claims["sub"], me["id"]);
    let lifetime = claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap();
    assert_eq!(lifetime, 3600);
}

#[tokio::test]
async fn unknown_email_and_wrong_password_get_the_same_answer() {
    let app = spawn_app().await;
    app.create_user("ben@nyas.example", false).await;
    let wrong_password = app
        .post_json(
            "/v1/auth/token",
            &json!({"email": "ben@nyas.example", "password": "not the password at all"}),
            None,
        )
        .await;
    let unknown = app
        .post_json(
            "/v1/auth/token",
            &json!({"email": "nobody@nyas.example", "password": "not the password at all"}),
            None,
        )
        .await;
    assert_eq!(wrong_password.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        wrong_password.bytes().await.unwrap(),
        unknown.bytes().await.unwrap()
    );
}

#[tokio::test]
async fn login_is_rate_limited_per_address_with_retry_after() {
    let app = spawn_app_with(|s| s.login_per_minute_per_address = 3).await;
    let attempt = json!({"email": "someone@example.org", "password": "guess guess guess"});
    for _ in 0..3 {
        let response = app.post_json("/v1/auth/token", &attempt, None).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    // Another account from the same address is limited too.
    let other = json!({"email": "other@example.org", "password": "guess guess guess"});
    let response = app.post_json("/v1/auth/token", &other, None).await;
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after));
    assert_problem(response, StatusCode::TOO_MANY_REQUESTS, "rate-limited").await;
}

#[tokio::test]
async fn failed_logins_are_limited_per_account_across_addresses() {
    let app = spawn_app_with(|s| {
        // Guesses spread over many addresses still meet the account's ceiling on failures
        // (each address alone would be under its own limit).
        s.login_failures_per_hour_per_account = 2;
        // Believe the test's X-Forwarded-For, as behind a load balancer, so each attempt
        // comes from a different client address.
        s.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    app.create_user("target@example.org", false).await;
    let attempt = json!({"email": "target@example.org", "password": "guess guess guess"});
    for i in 0..2 {
        let response = app
            .client
            .post(app.url("/v1/auth/token"))
            .header("X-Forwarded-For", format!("203.0.113.{i}"))
            .json(&attempt)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let response = app
        .client
        .post(app.url("/v1/auth/token"))
        .header("X-Forwarded-For", "203.0.113.99")
        .json(&json!({"email": "target@example.org", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::TOO_MANY_REQUESTS, "rate-limited").await;
}

#[tokio::test]
async fn tokens_that_fail_any_check_are_refused() {
    let app = spawn_app().await;
    let good = app.organiser("jenny@example.org", false).await;
    let me: Value = app
        .get("/v1/users/me", Some(&good))
        .await
        .json()
        .await
        .unwrap();
    let id = me["id"].as_str().unwrap();
    // The session the login began, as its token names it.
    let payload = good.split('.').nth(1).unwrap();
    let issued: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    let sid = issued["sid"].as_str().unwrap();

    let valid_claims = claims(&app.address, id, sid, 600);
    // Sanity: a token we sign the service's way is accepted, so the refusals below are real.
    let ours = sign(Algorithm::HS256, &valid_claims, JWT_SECRET);
    assert_eq!(
        app.get("/v1/users/me", Some(&ours)).await.status(),
        StatusCode::OK
    );

    let mut wrong_audience = valid_claims.clone();
    wrong_audience["aud"] = json!("another-api");
    let mut wrong_issuer = valid_claims.clone();
    wrong_issuer["iss"] = json!("https://evil.example");
    let mut no_subject = valid_claims.clone();
    no_subject.as_object_mut().unwrap().remove("sub");
    let mut no_session = valid_claims.clone();
    no_session.as_object_mut().unwrap().remove("sid");
    let mut unknown_session = valid_claims.clone();
    unknown_session["sid"] = json!(uuid::Uuid::now_v7().to_string());
    let header_none = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let body = URL_SAFE_NO_PAD.encode(valid_claims.to_string());

    let refused = [
        (
            "expired",
            sign(
                Algorithm::HS256,
                &claims(&app.address, id, sid, -30),
                JWT_SECRET,
            ),
        ),
        (
            "another algorithm",
            sign(Algorithm::HS512, &valid_claims, JWT_SECRET),
        ),
        ("alg none", format!("{header_none}.{body}.")),
        (
            "bad signature",
            sign(
                Algorithm::HS256,
                &valid_claims,
                "some-other-secret-entirely",
            ),
        ),
        (
            "wrong audience",
            sign(Algorithm::HS256, &wrong_audience, JWT_SECRET),
        ),
        (
            "wrong issuer",
            sign(Algorithm::HS256, &wrong_issuer, JWT_SECRET),
        ),
        (
            "no subject",
            sign(Algorithm::HS256, &no_subject, JWT_SECRET),
        ),
        (
            "no session",
            sign(Algorithm::HS256, &no_session, JWT_SECRET),
        ),
        (
            "a session that never began",
            sign(Algorithm::HS256, &unknown_session, JWT_SECRET),
        ),
        ("garbage", "not-a-token".to_owned()),
    ];
    for (why, token) in refused {
        let response = app.get("/v1/users/me", Some(&token)).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{why}");
        assert_eq!(response.headers()["www-authenticate"], "Bearer", "{why}");
        assert_problem(response, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    }
    let missing = app.get("/v1/users/me", None).await;
    assert_problem(missing, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}

#[tokio::test]
async fn without_a_secret_every_instance_and_every_restart_honours_the_kept_key() {
    // Without UNDERSIGNED_JWT_SECRET the service makes a key once and keeps it in its
    // database: a second instance on the same database (or the same one restarted) accepts
    // the first one's tokens, and one started with a key of its own does not.
    let first = spawn_app_with(|s| s.jwt_secret = None).await;
    let token = first.organiser("natalie@crae.example", false).await;
    assert_eq!(
        first.get("/v1/users/me", Some(&token)).await.status(),
        StatusCode::OK
    );
    let on_instance = |jwt_secret: Option<&'static str>| {
        let first = &first;
        let token = &token;
        async move {
            let mut settings = crate::helpers::test_settings(&first.database_url);
            settings.jwt_secret = jwt_secret.map(|s| s.to_owned().into());
            settings.outbox_dir = first.outbox.path().to_owned();
            // Same issuer as the first, so only the key may differ.
            settings.public_url = Some(first.address.parse().unwrap());
            let other =
                undersigned::startup::Application::build_with_store(settings, first.store.clone())
                    .await
                    .unwrap();
            let address = format!("http://127.0.0.1:{}", other.port());
            let handle = other.handle();
            tokio::spawn(other.run_until_stopped());
            tokio::time::sleep(Duration::from_millis(50)).await;
            let status = first
                .client
                .get(format!("{address}/v1/users/me"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status();
            handle.stop(false).await;
            status
        }
    };
    assert_eq!(on_instance(None).await, StatusCode::OK);
    assert_eq!(
        on_instance(Some(JWT_SECRET)).await,
        StatusCode::UNAUTHORIZED
    );
    let kept = first
        .texts(
            "SELECT name FROM instance_secrets WHERE name = $1",
            "token_signing_key",
        )
        .await;
    assert_eq!(kept.len(), 1);
}
