//! Partners: API keys for server-to-server signing, credit for the signatures they bring, and
//! CORS on the signing endpoint for browsers on partner sites.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, fields_of, signer, spawn_app, spawn_app_with};

const NYAS: &str = "https://nyas.net";

pub async fn create_partner(app: &TestApp, token: &str, slug: &str, code: &str) -> Value {
    let response = app
        .post_json(
            &format!("/v1/campaigns/{slug}/partners"),
            &json!({"code": code, "name": format!("Partner {code}")}),
            Some(token),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(
        response.headers()["location"],
        format!("/v1/campaigns/{slug}/partners/{code}")
    );
    assert_eq!(response.headers()["cache-control"], "no-store");
    response.json().await.unwrap()
}

async fn sign_with_key(app: &TestApp, slug: &str, key: &str, body: &Value) -> reqwest::Response {
    app.post_json(&format!("/v1/campaigns/{slug}/signatures"), body, Some(key))
        .await
}

async fn revoke_nyas(app: &TestApp, token: &str) -> reqwest::Response {
    app.client
        .delete(app.url("/v1/campaigns/scrapsi445/partners/nyas"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn partners(app: &TestApp, token: &str, slug: &str) -> Vec<Value> {
    let response = app
        .get(&format!("/v1/campaigns/{slug}/partners"), Some(token))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    body["partners"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_partner_key_is_shown_once_stored_hashed_and_credits_what_it_submits() {
    let app = spawn_app().await;
    let token = app
        .open_campaign_with(json!({"require_confirmation": false}))
        .await;
    let created = create_partner(&app, &token, "scrapsi445", "nyas").await;
    assert_eq!(created["code"], "nyas");
    assert_eq!(created["name"], "Partner nyas");
    let key = created["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with("usp_") && key.len() > 40, "{key}");

    // Only a hash of the key is stored, and the listing never shows it.
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM partners WHERE key_hash = $1", &key)
            .await,
        0
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM partners WHERE code = $1", "nyas")
            .await,
        1
    );
    let listed = partners(&app, &token, "scrapsi445").await;
    assert_eq!(listed.len(), 1);
    assert!(listed[0].get("key").is_none(), "{listed:?}");

    // The partner's server signs; whatever source it sends, the credit is its own.
    let mut body = signer("Carys Jones", "carys@example.org");
    body["source"] = json!("someone-else");
    let response = sign_with_key(&app, "scrapsi445", &key, &body).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    assert!(response.headers().contains_key("ratelimit-limit"));
    let stored = app
        .texts(
            "SELECT source FROM signatures WHERE email = $1",
            "carys@example.org",
        )
        .await;
    assert_eq!(stored, vec![vec![Some("nyas".to_owned())]]);

    // Deduplicated like any other signature: the same person again changes nothing.
    let again = sign_with_key(
        &app,
        "scrapsi445",
        &key,
        &signer("Carys Jones", " CARYS@example.org "),
    )
    .await;
    assert_eq!(again.status(), StatusCode::ACCEPTED);
    app.expect_total("scrapsi445", 1).await;
    // And validated like any other: a 422 naming the field.
    let bad = sign_with_key(&app, "scrapsi445", &key, &signer("", "nobody")).await;
    let problem = assert_problem(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(fields_of(&problem), ["name", "email"]);

    // A signature from the public with the same source is not the partner's key at work, but
    // it is credited by its source all the same: the listing counts by code.
    let listed = partners(&app, &token, "scrapsi445").await;
    assert_eq!(listed[0]["signatures"], 1);
    assert_eq!(listed[0]["pending"], 0);
    assert!(listed[0]["revoked_at"].is_null());

    // Attribution shows in the tally and the export.
    let tally: Value = app
        .get("/v1/campaigns/scrapsi445/tally", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        tally["by_source"],
        json!([{"key": "nyas", "count": 1}]),
        "{tally}"
    );
    let export = app
        .get("/v1/campaigns/scrapsi445/signatures/export", Some(&token))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        export.lines().nth(1).unwrap().contains(",nyas,"),
        "{export}"
    );
}

#[tokio::test]
async fn a_partner_signature_still_needs_the_signers_confirmation_where_the_campaign_asks() {
    let app = spawn_app().await;
    let token = app.open_campaign_with(json!({})).await;
    let key = create_partner(&app, &token, "scrapsi445", "nyas").await["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let response = sign_with_key(
        &app,
        "scrapsi445",
        &key,
        &signer("Dewi Evans", "dewi@example.org"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["confirmation_required"], true);
    app.expect_count("scrapsi445", 0, 1).await;
    assert_eq!(app.outbox_messages(1).await.len(), 1);
    assert_eq!(partners(&app, &token, "scrapsi445").await[0]["pending"], 1);
}

#[tokio::test]
async fn revoked_unknown_and_misplaced_keys_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let token = app
        .open_campaign_with(json!({"require_confirmation": false}))
        .await;
    let other = app
        .create_campaign(
            &token,
            json!({"slug": "pledge-badge", "title": "The pledge"}),
        )
        .await;
    app.open_campaign(&token, other["slug"].as_str().unwrap())
        .await;
    let key = create_partner(&app, &token, "scrapsi445", "nyas").await["key"]
        .as_str()
        .unwrap()
        .to_owned();

    // A key for one campaign is no key for another.
    let elsewhere = sign_with_key(&app, "pledge-badge", &key, &signer("A", "a@example.org")).await;
    assert_problem(elsewhere, StatusCode::FORBIDDEN, "partner-key-campaign").await;

    // Unknown and malformed keys.
    for bad in [
        "usp_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "not-a-key",
    ] {
        let response = sign_with_key(&app, "scrapsi445", bad, &signer("A", "a@example.org")).await;
        assert_eq!(response.headers()["www-authenticate"], "Bearer");
        assert_problem(response, StatusCode::UNAUTHORIZED, "invalid-partner-key").await;
    }

    // Revoked: at once.
    let revoke = revoke_nyas(&app, &token).await;
    assert_eq!(revoke.status(), StatusCode::NO_CONTENT);
    let response = sign_with_key(&app, "scrapsi445", &key, &signer("A", "a@example.org")).await;
    assert_problem(response, StatusCode::UNAUTHORIZED, "invalid-partner-key").await;
    let again = revoke_nyas(&app, &token).await;
    assert_problem(again, StatusCode::NOT_FOUND, "not-found").await;
    assert_eq!(app.signatures_with_email("a@example.org").await, 0);
    let listed = partners(&app, &token, "scrapsi445").await;
    assert!(listed[0]["revoked_at"].is_string(), "{listed:?}");

    // A revoked partner may be given a new key; the old one stays dead.
    let renewed = create_partner(&app, &token, "scrapsi445", "nyas").await;
    let new_key = renewed["key"].as_str().unwrap();
    assert_ne!(new_key, key);
    let response = sign_with_key(&app, "scrapsi445", new_key, &signer("B", "b@example.org")).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let response = sign_with_key(&app, "scrapsi445", &key, &signer("C", "c@example.org")).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn partners_are_the_owners_alone_to_manage_and_codes_are_checked() {
    let app = spawn_app().await;
    let token = app.open_campaign_with(json!({})).await;
    let stranger = app.organiser("someone@else.example", false).await;
    let response = app
        .post_json(
            "/v1/campaigns/scrapsi445/partners",
            &json!({"code": "nyas", "name": "NYAS"}),
            Some(&stranger),
        )
        .await;
    assert_problem(response, StatusCode::NOT_FOUND, "not-found").await;
    let response = app.get("/v1/campaigns/scrapsi445/partners", None).await;
    assert_problem(response, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    let response = app
        .get("/v1/campaigns/scrapsi445/partners", Some(&stranger))
        .await;
    assert_problem(response, StatusCode::NOT_FOUND, "not-found").await;

    let response = app
        .post_json(
            "/v1/campaigns/scrapsi445/partners",
            &json!({"code": "=HYPERLINK(\"x\")", "name": "\u{0}"}),
            Some(&token),
        )
        .await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(fields_of(&problem), ["code", "name"]);
    let response = app
        .post_json(
            "/v1/campaigns/scrapsi445/partners",
            &json!({"code": "nyas"}),
            Some(&token),
        )
        .await;
    assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;

    create_partner(&app, &token, "scrapsi445", "nyas").await;
    let response = app
        .post_json(
            "/v1/campaigns/scrapsi445/partners",
            &json!({"code": "nyas", "name": "Another"}),
            Some(&token),
        )
        .await;
    assert_problem(response, StatusCode::CONFLICT, "partner-code-taken").await;
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM partners WHERE code = $1", "nyas")
            .await,
        1
    );
    let listed = partners(&app, &token, "scrapsi445").await;
    assert_eq!(listed[0]["name"], "Partner nyas");
}

#[tokio::test]
async fn a_partner_key_has_its_own_limit_not_its_addresses() {
    let app = spawn_app_with(|s| {
        s.sign_per_minute_per_partner = 3;
        s.sign_per_minute_per_address = 1;
        s.sign_per_minute_per_campaign = 1;
    })
    .await;
    let token = app
        .open_campaign_with(json!({"require_confirmation": false}))
        .await;
    let key = create_partner(&app, &token, "scrapsi445", "nyas").await["key"]
        .as_str()
        .unwrap()
        .to_owned();
    // Three from one address, past the per-address limit of one.
    for n in 0..3 {
        let response = sign_with_key(
            &app,
            "scrapsi445",
            &key,
            &signer("Signer", &format!("s{n}@example.org")),
        )
        .await;
        assert_eq!(response.status(), StatusCode::ACCEPTED, "signature {n}");
        assert_eq!(response.headers()["ratelimit-limit"], "3");
    }
    let response = sign_with_key(&app, "scrapsi445", &key, &signer("S", "s4@example.org")).await;
    assert!(response.headers().contains_key("retry-after"));
    assert_problem(response, StatusCode::TOO_MANY_REQUESTS, "rate-limited").await;
    app.expect_total("scrapsi445", 3).await;
    // The public at the same address has its own allowance, untouched by the partner's.
    let response = app.sign("scrapsi445", &signer("P", "p@example.org")).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
}

async fn preflight(app: &TestApp, origin: &str) -> reqwest::Response {
    app.client
        .request(
            reqwest::Method::OPTIONS,
            app.url("/v1/campaigns/scrapsi445/signatures"),
        )
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type")
        .send()
        .await
        .unwrap()
}

async fn sign_from(app: &TestApp, origin: &str, email: &str) -> reqwest::Response {
    app.client
        .post(app.url("/v1/campaigns/scrapsi445/signatures"))
        .header("Origin", origin)
        .json(&signer("Browser Signer", email))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn browsers_may_sign_only_from_the_campaigns_allowed_origins() {
    let app = spawn_app().await;
    app.open_campaign_with(json!({"require_confirmation": false}))
        .await;

    let allowed = preflight(&app, NYAS).await;
    assert_eq!(allowed.status(), StatusCode::NO_CONTENT);
    let headers = allowed.headers();
    assert_eq!(headers["access-control-allow-origin"], NYAS);
    assert_eq!(headers["access-control-allow-methods"], "POST");
    assert!(
        headers["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .eq_ignore_ascii_case("content-type")
    );
    assert_eq!(headers["vary"], "Origin");

    let response = sign_from(&app, NYAS, "allowed@example.org").await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    assert_eq!(response.headers()["access-control-allow-origin"], NYAS);
    assert!(
        response.headers()["access-control-expose-headers"]
            .to_str()
            .unwrap()
            .contains("RateLimit-Remaining")
    );
    // Errors are readable by the allowed page too, so it can show them beside the fields.
    let bad = app
        .client
        .post(app.url("/v1/campaigns/scrapsi445/signatures"))
        .header("Origin", NYAS)
        .json(&signer("", "x"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.headers()["access-control-allow-origin"], NYAS);
    assert_problem(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;

    // The service's own origin (where the embedded form lives) is always allowed.
    let own = preflight(&app, &app.address).await;
    assert_eq!(own.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        own.headers()["access-control-allow-origin"],
        app.address.as_str()
    );

    // Any other origin: no Access-Control-Allow-Origin, and nothing stored.
    for origin in [
        "https://evil.example",
        "null",
        "https://nyas.net.evil.example",
    ] {
        let refused = preflight(&app, origin).await;
        assert!(
            !refused
                .headers()
                .contains_key("access-control-allow-origin"),
            "{origin}"
        );
        assert_problem(refused, StatusCode::FORBIDDEN, "origin-not-allowed").await;
        let response = sign_from(&app, origin, "refused@example.org").await;
        assert!(
            !response
                .headers()
                .contains_key("access-control-allow-origin")
        );
        assert_problem(response, StatusCode::FORBIDDEN, "origin-not-allowed").await;
    }
    assert_eq!(app.signatures_with_email("refused@example.org").await, 0);
    app.expect_total("scrapsi445", 1).await;

    // The list is the campaign's own and follows its edits.
    let token = app.login("organiser@article39.example").await;
    let response = app
        .patch_json(
            "/v1/campaigns/scrapsi445",
            &json!({"allowed_origins": ["https://evil.example"]}),
            &token,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        preflight(&app, "https://evil.example").await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(preflight(&app, NYAS).await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn public_reads_stay_open_to_every_origin() {
    let app = spawn_app().await;
    app.open_campaign_with(json!({})).await;
    for path in [
        "/v1/campaigns/scrapsi445/count",
        "/v1/campaigns/scrapsi445/tally",
        "/v1/campaigns/scrapsi445/badge.svg",
        "/v1/campaigns/scrapsi445/signatories",
    ] {
        let response = app
            .client
            .get(app.url(path))
            .header("Origin", "https://anyone.example")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(
            response.headers()["access-control-allow-origin"],
            "*",
            "{path}"
        );
    }
}

#[tokio::test]
async fn issuing_and_revoking_a_partner_key_is_in_the_audit_log_without_the_key() {
    let app = spawn_app().await;
    let token = app.open_campaign_with(json!({})).await;
    let created = create_partner(&app, &token, "scrapsi445", "nyas").await;
    let key = created["key"].as_str().unwrap().to_owned();
    assert_eq!(
        revoke_nyas(&app, &token).await.status(),
        StatusCode::NO_CONTENT
    );
    // Revoking again finds nothing live and records nothing.
    assert_eq!(
        revoke_nyas(&app, &token).await.status(),
        StatusCode::NOT_FOUND
    );

    let admin = app.organiser("admin@example.org", true).await;
    let entries = app.audit_entries(&admin).await;
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    // Newest first.
    assert_eq!(actions, ["partner_revoked", "partner_created"]);
    for entry in &entries {
        assert!(entry["actor_id"].is_string(), "{entry}");
        assert!(
            entry["detail"].as_str().unwrap().contains("nyas"),
            "{entry}"
        );
        assert!(!entry.to_string().contains(&key), "the key is not logged");
    }
    assert!(
        entries[1]["detail"]
            .as_str()
            .unwrap()
            .contains("Partner nyas")
    );
}
