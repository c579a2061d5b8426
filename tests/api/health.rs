use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{METRICS_TOKEN, assert_problem, spawn_app, spawn_app_with};

#[tokio::test]
async fn healthz_and_readyz_answer_ok() {
    let app = spawn_app().await;
    let health = app.get("/healthz", None).await;
    assert_eq!(health.status(), StatusCode::OK);
    let ready = app.get("/readyz", None).await;
    assert_eq!(ready.status(), StatusCode::OK);
    let body: Value = ready.json().await.unwrap();
    assert_eq!(body["status"], "ready");
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status() {
    let app = spawn_app().await;
    app.get("/healthz", None).await;
    app.get("/v1/campaigns/nothing-here", None).await;
    let text = app.metrics().await;
    assert!(
        text.contains(r#"endpoint="/healthz",method="GET",status="200""#),
        "{text}"
    );
    assert!(text.contains(r#"endpoint="/v1/campaigns/{slug}",method="GET",status="404""#));
    assert!(text.contains("undersigned_http_requests_duration_seconds_bucket"));
}

#[tokio::test]
async fn an_unknown_route_is_a_problem_not_a_blank_page() {
    let app = spawn_app().await;
    assert_problem(
        app.get("/v1/nowhere", None).await,
        StatusCode::NOT_FOUND,
        "route-not-found",
    )
    .await;
    // A path served with other methods: 405, with the methods it serves.
    for (method, path, allow) in [
        ("DELETE", "/healthz", "GET"),
        ("TRACE", "/healthz", "GET"),
        ("PATCH", "/v1/campaigns/scrapsi445/signatures/export", "GET"),
        ("PUT", "/v1/campaigns/scrapsi445", "GET, PATCH"),
        (
            "GET",
            "/v1/campaigns/scrapsi445/signatures/some-id",
            "PATCH, DELETE",
        ),
    ] {
        let response = app
            .client
            .request(method.parse().unwrap(), app.url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["allow"], allow, "{method} {path}");
        assert_problem(
            response,
            StatusCode::METHOD_NOT_ALLOWED,
            "method-not-allowed",
        )
        .await;
    }
}

#[tokio::test]
async fn metrics_are_served_only_to_the_bearer_of_the_metrics_token() {
    let app = spawn_app().await;
    assert_problem(
        app.get("/metrics", None).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    assert_problem(
        app.get("/metrics", Some("not-the-metrics-token")).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    // An organiser's access token is no metrics token either.
    let organiser = app.organiser("ann@example.org", true).await;
    assert_eq!(
        app.get("/metrics", Some(&organiser)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let allowed = app.get("/metrics", Some(METRICS_TOKEN)).await;
    assert_eq!(allowed.status(), StatusCode::OK);
    assert!(
        allowed
            .text()
            .await
            .unwrap()
            .contains("undersigned_http_requests")
    );
}

#[tokio::test]
async fn without_a_metrics_token_metrics_are_not_served() {
    let app = spawn_app_with(|settings| settings.metrics_token = None).await;
    assert_problem(
        app.get("/metrics", None).await,
        StatusCode::NOT_FOUND,
        "route-not-found",
    )
    .await;
}
