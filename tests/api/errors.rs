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
    let listed = app.get_json("/v1/campaigns", Some(&token)).await;
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

#[tokio::test]
async fn what_the_schema_allows_is_taken_and_what_it_does_not_is_refused() {
    let app = spawn_app().await;
    let token = app.organiser("o@example.org", false).await;
    // JSON Schema's integers include 1420.0; a fraction is still refused.
    let created = app
        .create_campaign(&token, json!({"retention_days": 1420.0, "target": 5000.0}))
        .await;
    assert_eq!(created["retention_days"], 1420);
    assert_eq!(created["target"], 5000);
    let fraction = app
        .patch_json("/v1/campaigns/scrapsi445", &json!({"target": 10.5}), &token)
        .await;
    let problem = assert_problem(fraction, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(fields_of(&problem), ["target"]);

    // A closing time already past is refused, naming the rule.
    let past = app
        .patch_json(
            "/v1/campaigns/scrapsi445",
            &json!({"closes_at": "2020-01-01T00:00:00Z"}),
            &token,
        )
        .await;
    let problem = assert_problem(past, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(problem["errors"][0]["field"], "closes_at");
    assert_eq!(problem["errors"][0]["message"], "must be in the future");

    // `null` where the schema has no null, and an array where it has an object.
    for (body, field) in [
        (json!({"status": null}), "status"),
        (json!({"title": null}), "title"),
        (json!({"organiser": [null, null]}), "organiser"),
    ] {
        let refused = app
            .patch_json("/v1/campaigns/scrapsi445", &body, &token)
            .await;
        let problem = assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
        assert_eq!(fields_of(&problem), [field], "{body}");
    }
    let array = app
        .post_json(
            "/v1/campaigns",
            &json!(["scrapsi445", "petition"]),
            Some(&token),
        )
        .await;
    let problem = assert_problem(array, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(fields_of(&problem), ["body"]);

    // Length counts what was sent, as the schema's maxLength does.
    let padded = format!("{} ", "a".repeat(200));
    let long = app
        .patch_json(
            "/v1/campaigns/scrapsi445",
            &json!({"title": padded}),
            &token,
        )
        .await;
    let problem = assert_problem(long, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(fields_of(&problem), ["title"]);
    let stored = app.get_json("/v1/campaigns/scrapsi445", Some(&token)).await;
    assert_eq!(stored["target"], 5000, "nothing refused was stored");
    assert_eq!(stored["closes_at"], Value::Null);

    // An organisation's addresses are taken in the contract's plain shape only: a space or
    // a letter outside ASCII inside one, a fragment, a host led by a digit are refused.
    for (website, privacy_url) in [
        (
            "https://example.org/x?\u{202f}\u{205f}*",
            "https://example.org/privacy",
        ),
        ("https://ex\u{e2}mple.org", "https://example.org/privacy"),
        ("https://example.org/#top", "https://example.org/privacy"),
        ("https://example.org", "https://1example.org/privacy"),
        ("https://example.org", "https://example.org/pri vacy"),
    ] {
        let refused = app
            .patch_json(
                "/v1/users/me",
                &json!({"organiser": {"website": website, "privacy_url": privacy_url}}),
                &token,
            )
            .await;
        let problem = assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
        assert_eq!(
            fields_of(&problem).len(),
            1,
            "{website} {privacy_url}: {problem}"
        );
    }
    let me = app.get_json("/v1/users/me", Some(&token)).await;
    assert_eq!(
        me["organiser"]["website"],
        Value::Null,
        "nothing refused was stored"
    );
    let taken = app
        .patch_json(
            "/v1/users/me",
            &json!({"organiser": {"website": " https://www.article39.org.uk:8443/about?from=a&b=c "}}),
            &token,
        )
        .await;
    assert_eq!(taken.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_422_names_every_field_at_fault_in_plain_words() {
    let app = spawn_app().await;
    app.open_campaign_with(json!({})).await;
    let refused = app
        .sign(
            "scrapsi445",
            &json!({"name": 5, "email": "sian.example.org", "public": "yes", "contact": 1}),
        )
        .await;
    let problem = assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    let mut fields = fields_of(&problem);
    fields.sort();
    assert_eq!(fields, ["contact", "email", "name", "public"], "{problem}");
    let message = |field: &str| {
        problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["field"] == field)
            .unwrap()["message"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(message("public"), "must be true or false");
    assert_eq!(message("name"), "must be text");
    assert_eq!(
        message("email"),
        "Enter an email address, like name@example.org"
    );
    assert_eq!(app.count("scrapsi445").await["total"], 0);

    // A campaign's wrong types and wrong values, all at once.
    let token = app.organiser("o@example.org", false).await;
    let mut body = scrapsi445();
    body["slug"] = json!("Not A Slug");
    body["target"] = json!("lots");
    body["title"] = json!(null);
    let refused = app.post_json("/v1/campaigns", &body, Some(&token)).await;
    let problem = assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    let mut fields = fields_of(&problem);
    fields.sort();
    assert_eq!(fields, ["slug", "target", "title"], "{problem}");
}
