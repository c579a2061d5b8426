use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{assert_problem, fields_of, scrapsi445, spawn_app, spawn_app_with};

#[tokio::test]
async fn malformed_json_is_400_and_stores_nothing() {
    let app = spawn_app().await;
    let token = app.organiser("o@example.org", false).await;
    for body in [
        &b"{"[..],
        b"",
        b"{\"slug\": \"abc\",}",
        b"\xff\xfe\xfd",
        b"[1, 2",
    ] {
        let response = app
            .client
            .post(app.url("/v1/campaigns"))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body.to_vec())
            .send()
            .await
            .unwrap();
        assert_problem(response, StatusCode::BAD_REQUEST, "malformed-body").await;
    }
    let listed: Value = app
        .get("/v1/campaigns", Some(&token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["campaigns"], json!([]));
}

#[tokio::test]
async fn a_body_that_is_not_json_is_415() {
    let app = spawn_app().await;
    let token = app.organiser("o@example.org", false).await;
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let mut request = app
            .client
            .post(app.url("/v1/campaigns"))
            .bearer_auth(&token)
            .body(scrapsi445().to_string());
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let response = request.send().await.unwrap();
        assert_problem(
            response,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
        )
        .await;
    }
    let with_charset = app
        .client
        .post(app.url("/v1/campaigns"))
        .bearer_auth(&token)
        .header("content-type", "application/json; charset=utf-8")
        .body(scrapsi445().to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(with_charset.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    let app = spawn_app_with(|s| s.max_body_bytes = 4096).await;
    let token = app.organiser("o@example.org", false).await;
    let mut huge = scrapsi445();
    huge["body"] = json!("a".repeat(5000));
    let response = app.post_json("/v1/campaigns", &huge, Some(&token)).await;
    assert_problem(response, StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large").await;

    // Streamed without a Content-Length, the limit still holds.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = vec![
        Ok(huge.to_string().into_bytes()[..3000].to_vec()),
        Ok(huge.to_string().into_bytes()[3000..].to_vec()),
    ];
    let response = app
        .client
        .post(app.url("/v1/campaigns"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large").await;
}

#[tokio::test]
async fn wrong_types_and_unknown_fields_are_422_naming_the_field() {
    let app = spawn_app().await;
    let token = app.organiser("o@example.org", false).await;
    let cases = [
        (json!({"target": "lots"}), "target"),
        (json!({"milestones": "1000"}), "milestones"),
        (
            json!({"require_confirmation": "yes"}),
            "require_confirmation",
        ),
        (json!({"closes_at": "next tuesday"}), "closes_at"),
        (json!({"target": -5}), "target"),
        (json!({"owner_id": "someone-else"}), "owner_id"),
        (json!({"title": null}), "title"),
    ];
    for (overrides, field) in cases {
        let mut body = scrapsi445();
        for (k, v) in overrides.as_object().unwrap() {
            body[k] = v.clone();
        }
        let response = app.post_json("/v1/campaigns", &body, Some(&token)).await;
        let problem =
            assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
        assert_eq!(fields_of(&problem), [field], "{overrides}");
    }
    let mut missing = scrapsi445();
    missing.as_object_mut().unwrap().remove("title");
    let response = app.post_json("/v1/campaigns", &missing, Some(&token)).await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(fields_of(&problem), ["title"]);
}

#[tokio::test]
async fn formula_looking_and_right_to_left_text_is_kept_as_typed() {
    let app = spawn_app().await;
    let token = app.organiser("o@example.org", false).await;
    let title = "=HYPERLINK(\"https://evil.example\",\"Click\") \u{202B}مرحبا\u{202C}";
    let created = app.create_campaign(&token, json!({"title": title})).await;
    assert_eq!(created["title"], title);
}
