use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{assert_problem, spawn_app};

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
    let metrics = app.get("/metrics", None).await;
    assert_eq!(metrics.status(), StatusCode::OK);
    let text = metrics.text().await.unwrap();
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
    let wrong_method = app.client.delete(app.url("/healthz")).send().await.unwrap();
    assert_problem(wrong_method, StatusCode::NOT_FOUND, "route-not-found").await;
}
