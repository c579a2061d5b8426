//! Hostile request bodies, generated: random bytes (invalid UTF-8 included), JSON of the right
//! shape with values of the wrong types, control characters, right-to-left and Welsh text,
//! formulas, and bodies far past the size limit, sent to every endpoint that reads a body.
//! None may get a 5xx or break a connection (a panic), every refusal is a problem document,
//! and the server still answers and still counts correctly afterwards.

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use reqwest::StatusCode;
use serde_json::{Map, Value, json};

use crate::helpers::spawn_app_with;

const CASES: usize = 150;

fn hostile_string() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[\\x00-\\x1f\\u{7f}\\u{202e}\\u{200f}=+@ -]{0,4}[a-zA-Zŵŷâ\\u{05d0}-\\u{05ea}\\u{0627}-\\u{064a}😀@.]{0,40}",
        Just("=HYPERLINK(\"http://evil.example\",\"click\")".to_owned()),
        Just("x".repeat(70_000)),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        hostile_string().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,12}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A JSON object with the fields an endpoint knows, each given any value, plus strangers.
fn shaped_object(fields: &'static [&'static str]) -> impl Strategy<Value = Vec<u8>> {
    (
        prop::collection::vec((prop::sample::select(fields), json_value()), 0..8),
        prop::collection::vec(("[a-z]{1,8}", json_value()), 0..2),
    )
        .prop_map(|(known, unknown)| {
            let mut object = Map::new();
            for (k, v) in known {
                object.insert(k.to_owned(), v);
            }
            for (k, v) in unknown {
                object.insert(k, v);
            }
            serde_json::to_vec(&Value::Object(object)).unwrap()
        })
}

fn body(fields: &'static [&'static str]) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..300),
        json_value().prop_map(|v| serde_json::to_vec(&v).unwrap()),
        shaped_object(fields),
    ]
}

const SIGN_FIELDS: &[&str] = &[
    "name",
    "email",
    "postcode",
    "country",
    "signatory_type",
    "organisation",
    "role",
    "public",
    "contact",
    "source",
    "consent_version",
    "website",
    "nickname",
];
const CAMPAIGN_FIELDS: &[&str] = &[
    "slug",
    "kind",
    "title",
    "summary",
    "body",
    "recipient",
    "target",
    "milestones",
    "closes_at",
    "require_confirmation",
    "allowed_origins",
    "retention_days",
    "contact_basis",
    "consent_public_text",
    "consent_contact_text",
    "status",
];

#[tokio::test]
async fn no_request_body_breaks_the_server() {
    let app = spawn_app_with(|s| {
        s.sign_per_minute_per_address = 100_000;
        s.sign_per_minute_per_campaign = 100_000;
        s.login_per_minute_per_address = 100_000;
        s.login_per_minute_per_account = 100_000;
    })
    .await;
    let token = app.open_campaign_with(json!({})).await;
    let targets: [(reqwest::Method, &str, &'static [&'static str], bool); 10] = [
        (
            reqwest::Method::POST,
            "/v1/campaigns/scrapsi445/webhooks",
            &["url", "events", "include_personal_data"],
            true,
        ),
        (
            reqwest::Method::POST,
            "/v1/setup",
            &["token", "email", "password"],
            false,
        ),
        (
            reqwest::Method::POST,
            "/v1/signatures/withdraw",
            &["token"],
            false,
        ),
        (
            reqwest::Method::POST,
            "/v1/campaigns/scrapsi445/signatures",
            SIGN_FIELDS,
            false,
        ),
        (
            reqwest::Method::POST,
            "/v1/auth/token",
            &["email", "password"],
            false,
        ),
        (
            reqwest::Method::POST,
            "/v1/campaigns",
            CAMPAIGN_FIELDS,
            true,
        ),
        (
            reqwest::Method::PATCH,
            "/v1/campaigns/scrapsi445",
            CAMPAIGN_FIELDS,
            true,
        ),
        (
            reqwest::Method::POST,
            "/v1/campaigns/scrapsi445/partners",
            &["code", "name"],
            true,
        ),
        (
            reqwest::Method::POST,
            "/v1/signatures/confirm",
            &["token"],
            false,
        ),
        (
            reqwest::Method::POST,
            "/v1/users",
            &["email", "password", "is_admin"],
            true,
        ),
    ];
    let mut runner = TestRunner::deterministic();
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for (method, path, fields, authorised) in targets {
        let strategy = body(fields);
        for _ in 0..CASES {
            let bytes = strategy.new_tree(&mut runner).unwrap().current();
            let mut request = app
                .client
                .request(method.clone(), app.url(path))
                .header("Content-Type", "application/json")
                .body(bytes.clone());
            if authorised {
                request = request.bearer_auth(&token);
            }
            let response = request.send().await.unwrap_or_else(|e| {
                panic!(
                    "{method} {path} broke the connection ({e}) with {:?}",
                    String::from_utf8_lossy(&bytes)
                )
            });
            let status = response.status();
            *statuses.entry(status.as_u16()).or_default() += 1;
            assert!(
                !status.is_server_error(),
                "{method} {path} answered {status} to {:?}",
                String::from_utf8_lossy(&bytes)
            );
            if status.is_client_error() {
                assert_eq!(
                    response.headers()["content-type"],
                    "application/problem+json",
                    "{method} {path} {status}"
                );
            }
        }
        // The form fallback takes the same fields urlencoded: random bytes there too.
        if path.ends_with("/signatures") {
            let raw = prop::collection::vec(any::<u8>(), 0..300);
            for _ in 0..CASES {
                let bytes = raw.new_tree(&mut runner).unwrap().current();
                let response = app
                    .client
                    .post(app.url("/embed/scrapsi445"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .body(bytes.clone())
                    .send()
                    .await
                    .expect("the form fallback answers");
                assert!(
                    !response.status().is_server_error(),
                    "the form answered {} to {:?}",
                    response.status(),
                    String::from_utf8_lossy(&bytes)
                );
            }
        }
    }
    eprintln!("statuses from hostile bodies: {statuses:?}");
    let health = app.get("/healthz", None).await;
    assert_eq!(health.status(), StatusCode::OK);
    // Whatever got in was counted exactly.
    let stored = app
        .scalar(
            "SELECT COUNT(*) FROM signatures WHERE status = 'pending' AND campaign_id = \
             (SELECT id FROM campaigns WHERE slug = $1)",
            "scrapsi445",
        )
        .await;
    assert_eq!(app.stored_pending("scrapsi445").await, stored);
}
