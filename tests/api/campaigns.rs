use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use undersigned::domain::Slug;

use crate::helpers::{assert_problem, fields_of, scrapsi445, spawn_app};

#[tokio::test]
async fn an_organiser_creates_a_draft_with_its_location() {
    let app = spawn_app().await;
    let token = app.organiser("carolyne@article39.example", false).await;
    let response = app
        .post_json("/v1/campaigns", &scrapsi445(), Some(&token))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()["location"], "/v1/campaigns/scrapsi445");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "draft");
    assert_eq!(body["kind"], "petition");
    assert_eq!(body["require_confirmation"], true);
    assert_eq!(body["retention_days"], 180);
    assert_eq!(body["milestones"], json!([1000, 10000, 50000]));
    assert_eq!(
        body["allowed_origins"],
        json!(["https://www.article39.org.uk", "https://nyas.net"])
    );

    // What was stored is what was sent.
    let stored = app
        .store
        .campaign(&Slug::parse("scrapsi445").unwrap())
        .await
        .unwrap()
        .expect("stored");
    assert_eq!(stored.title.as_str(), scrapsi445()["title"]);
    assert_eq!(stored.target.map(|t| t.get()), Some(100000));
}

#[tokio::test]
async fn a_letter_keeps_its_recipient_and_every_script() {
    let app = spawn_app().await;
    let token = app.organiser("natasha@workingchance.example", false).await;
    let letter = app
        .create_campaign(
            &token,
            json!({
                "slug": "letter-to-the-minister",
                "kind": "letter",
                "recipient": "Children's Minister",
                "title": "Llythyr agored: hawliau plant 🏴󠁧󠁢󠁷󠁬󠁳󠁿",
                "summary": "رسالة مفتوحة",
                "require_confirmation": false,
                "retention_days": 30,
            }),
        )
        .await;
    assert_eq!(letter["recipient"], "Children's Minister");
    assert_eq!(letter["title"], "Llythyr agored: hawliau plant 🏴󠁧󠁢󠁷󠁬󠁳󠁿");
    assert_eq!(letter["summary"], "رسالة مفتوحة");
    assert_eq!(letter["require_confirmation"], false);
    assert_eq!(letter["retention_days"], 30);
}

#[tokio::test]
async fn a_taken_slug_is_a_conflict() {
    let app = spawn_app().await;
    let first = app.organiser("first@example.org", false).await;
    let second = app.organiser("second@example.org", false).await;
    app.create_campaign(&first, json!({})).await;
    let response = app
        .post_json("/v1/campaigns", &scrapsi445(), Some(&second))
        .await;
    assert_problem(response, StatusCode::CONFLICT, "slug-taken").await;
}

#[tokio::test]
async fn creating_needs_an_organiser() {
    let app = spawn_app().await;
    let response = app.post_json("/v1/campaigns", &scrapsi445(), None).await;
    assert_problem(response, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}

#[tokio::test]
async fn every_invalid_field_is_named() {
    let app = spawn_app().await;
    let token = app.organiser("o@example.org", false).await;
    let response = app
        .post_json(
            "/v1/campaigns",
            &json!({
                "slug": "Not A Slug",
                "kind": "referendum",
                "title": "bell\u{7}",
                "summary": "",
                "body": "x".repeat(50_001),
                "target": 0,
                "milestones": [0],
                "closes_at": (Utc::now() - Duration::days(1)).to_rfc3339(),
                "allowed_origins": ["https://ok.example", "https://bad.example/page"],
                "retention_days": 0,
            }),
            Some(&token),
        )
        .await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(
        fields_of(&problem),
        [
            "slug",
            "kind",
            "title",
            "summary",
            "body",
            "target",
            "milestones",
            "closes_at",
            "allowed_origins",
            "retention_days"
        ]
    );
    let listed = app
        .get("/v1/campaigns", Some(&token))
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(listed["campaigns"], json!([]), "nothing was stored");
}

#[tokio::test]
async fn status_moves_draft_open_closed_and_nothing_else() {
    let app = spawn_app().await;
    let token = app.organiser("o@example.org", false).await;
    app.create_campaign(&token, json!({})).await;
    let path = "/v1/campaigns/scrapsi445";
    let to = |status: &str| json!({ "status": status });

    let problem = assert_problem(
        app.patch_json(path, &to("closed"), &token).await,
        StatusCode::CONFLICT,
        "invalid-status-transition",
    )
    .await;
    assert!(problem["detail"].as_str().unwrap().contains("draft"));

    let opened = app.patch_json(path, &to("open"), &token).await;
    assert_eq!(opened.status(), StatusCode::OK);
    let opened: Value = opened.json().await.unwrap();
    assert_eq!(opened["status"], "open");
    assert!(opened["opened_at"].is_string());

    for refused in ["draft", "open"] {
        assert_problem(
            app.patch_json(path, &to(refused), &token).await,
            StatusCode::CONFLICT,
            "invalid-status-transition",
        )
        .await;
    }
    let closed = app.patch_json(path, &to("closed"), &token).await;
    assert_eq!(closed.status(), StatusCode::OK);
    for refused in ["draft", "open", "closed"] {
        assert_problem(
            app.patch_json(path, &to(refused), &token).await,
            StatusCode::CONFLICT,
            "invalid-status-transition",
        )
        .await;
    }
    let unknown = app.patch_json(path, &to("archived"), &token).await;
    let problem = assert_problem(unknown, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(fields_of(&problem), ["status"]);
}

#[tokio::test]
async fn an_edit_changes_only_what_it_names_and_null_clears() {
    let app = spawn_app().await;
    let token = app.organiser("o@example.org", false).await;
    app.create_campaign(
        &token,
        json!({"recipient": "Secretary of State for Education"}),
    )
    .await;
    let response = app
        .patch_json(
            "/v1/campaigns/scrapsi445",
            &json!({"title": "Scrap SI 445 now", "recipient": null, "target": 120000}),
            &token,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = app
        .get("/v1/campaigns/scrapsi445", Some(&token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["title"], "Scrap SI 445 now");
    assert_eq!(body["recipient"], Value::Null);
    assert_eq!(body["target"], 120000);
    assert_eq!(body["summary"], scrapsi445()["summary"]);

    let slug_change = app
        .patch_json(
            "/v1/campaigns/scrapsi445",
            &json!({"slug": "other"}),
            &token,
        )
        .await;
    let problem = assert_problem(slug_change, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(fields_of(&problem), ["slug"]);
}

#[tokio::test]
async fn drafts_are_private_to_their_owner_and_admins() {
    let app = spawn_app().await;
    let owner = app.organiser("owner@example.org", false).await;
    let other = app.organiser("other@example.org", false).await;
    let admin = app.organiser("admin@example.org", true).await;
    app.create_campaign(&owner, json!({})).await;
    let path = "/v1/campaigns/scrapsi445";

    assert_eq!(app.get(path, Some(&owner)).await.status(), StatusCode::OK);
    assert_eq!(app.get(path, Some(&admin)).await.status(), StatusCode::OK);
    assert_problem(
        app.get(path, None).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    assert_problem(
        app.get(path, Some(&other)).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    let edit = app
        .patch_json(path, &json!({"title": "Hijacked"}), &other)
        .await;
    assert_problem(edit, StatusCode::NOT_FOUND, "not-found").await;

    // Once open, anyone may read it, but only its owner and admins may change it.
    app.open_campaign(&owner, "scrapsi445").await;
    let public: Value = app.get(path, None).await.json().await.unwrap();
    assert_eq!(public["status"], "open");
    assert!(
        public.get("allowed_origins").is_none(),
        "organisers' settings stay private"
    );
    let edit = app
        .patch_json(path, &json!({"title": "Hijacked"}), &other)
        .await;
    assert_problem(edit, StatusCode::FORBIDDEN, "forbidden").await;
    let by_admin = app
        .patch_json(path, &json!({"title": "Edited by an admin"}), &admin)
        .await;
    assert_eq!(by_admin.status(), StatusCode::OK);
    let stored: Value = app.get(path, None).await.json().await.unwrap();
    assert_eq!(stored["title"], "Edited by an admin");
}

#[tokio::test]
async fn the_list_shows_open_campaigns_publicly_and_own_ones_with_a_token() {
    let app = spawn_app().await;
    let owner = app.organiser("owner@example.org", false).await;
    let other = app.organiser("other@example.org", false).await;
    app.create_campaign(&owner, json!({})).await;
    app.create_campaign(
        &owner,
        json!({"slug": "open-to-all", "title": "Open to All"}),
    )
    .await;
    app.create_campaign(&other, json!({"slug": "others-draft"}))
        .await;
    app.open_campaign(&owner, "open-to-all").await;

    let slugs = |body: Value| -> Vec<String> {
        body["campaigns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["slug"].as_str().unwrap().to_owned())
            .collect()
    };
    let public: Value = app.get("/v1/campaigns", None).await.json().await.unwrap();
    assert_eq!(slugs(public), ["open-to-all"]);
    let own: Value = app
        .get("/v1/campaigns", Some(&owner))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(slugs(own), ["open-to-all", "scrapsi445"]);
    let bad_token = app.get("/v1/campaigns", Some("not-a-token")).await;
    assert_problem(bad_token, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}

#[tokio::test]
async fn a_campaign_past_its_closing_time_reads_closed() {
    let app = spawn_app().await;
    let token = app.organiser("o@example.org", false).await;
    let closes_at = Utc::now() + Duration::days(30);
    app.create_campaign(&token, json!({"closes_at": closes_at.to_rfc3339()}))
        .await;
    app.open_campaign(&token, "scrapsi445").await;
    let open: Value = app
        .get("/v1/campaigns/scrapsi445", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(open["status"], "open");

    // Move the closing time into the past directly in the database, as time passing would.
    let slug = Slug::parse("scrapsi445").unwrap();
    let mut campaign = app.store.campaign(&slug).await.unwrap().unwrap();
    campaign.closes_at = Some(Utc::now() - Duration::minutes(1));
    app.store
        .update_campaign(&campaign, campaign.status, campaign.owner_id)
        .await
        .unwrap();

    let closed: Value = app
        .get("/v1/campaigns/scrapsi445", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(closed["status"], "closed");
    let public: Value = app.get("/v1/campaigns", None).await.json().await.unwrap();
    assert_eq!(public["campaigns"], json!([]));
    let reopen = app
        .patch_json(
            "/v1/campaigns/scrapsi445",
            &json!({"status": "open"}),
            &token,
        )
        .await;
    assert_problem(reopen, StatusCode::CONFLICT, "invalid-status-transition").await;
}
