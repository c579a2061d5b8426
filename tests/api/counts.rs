use std::time::Duration;

use futures_util::StreamExt;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, signer, spawn_app_with, test_settings};
use crate::smtp::{text_of, token_in};

fn many_signers(settings: &mut undersigned::config::Settings) {
    settings.sign_per_minute_per_campaign = 10_000;
    settings.sign_per_minute_per_address = 10_000;
}

/// Reads Server-Sent Events from a response, one at a time.
struct Events {
    stream:
        std::pin::Pin<Box<dyn futures_util::Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>,
    buffer: String,
}

#[derive(Debug)]
struct Event {
    kind: String,
    id: Option<String>,
    data: String,
}

impl Events {
    async fn open(app: &TestApp, address: &str, slug: &str, last_id: Option<&str>) -> Events {
        let mut request = app
            .client
            .get(format!("{address}/v1/campaigns/{slug}/count/stream"));
        if let Some(id) = last_id {
            request = request.header("Last-Event-ID", id);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        Events {
            stream: Box::pin(response.bytes_stream()),
            buffer: String::new(),
        }
    }

    /// The next event (comments and `retry:` skipped), if one comes within `wait`.
    async fn next(&mut self, wait: Duration) -> Option<Event> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut event = Event {
                    kind: "message".into(),
                    id: None,
                    data: String::new(),
                };
                let mut has_data = false;
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event: ") {
                        event.kind = v.to_owned();
                    } else if let Some(v) = line.strip_prefix("id: ") {
                        event.id = Some(v.to_owned());
                    } else if let Some(v) = line.strip_prefix("data: ") {
                        event.data.push_str(v);
                        has_data = true;
                    }
                }
                if has_data {
                    return Some(event);
                }
            }
            match tokio::time::timeout_at(deadline, self.stream.next()).await {
                Ok(Some(Ok(chunk))) => self.buffer.push_str(&String::from_utf8_lossy(&chunk)),
                _ => return None,
            }
        }
    }

    async fn next_count(&mut self, wait: Duration) -> Option<(Value, String)> {
        while let Some(event) = self.next(wait).await {
            if event.kind == "count" {
                return Some((
                    serde_json::from_str(&event.data).unwrap(),
                    event.id.unwrap(),
                ));
            }
        }
        None
    }
}

#[tokio::test]
async fn the_count_is_exact_after_a_burst_of_signings_confirmations_and_withdrawals() {
    let app = spawn_app_with(many_signers).await;
    app.open_campaign_with(json!({})).await;
    let signings = (0..30).map(|i| {
        let app = &app;
        async move {
            app.sign(
                "scrapsi445",
                &signer("Signer", &format!("s{i}@example.org")),
            )
            .await
            .status()
        }
    });
    let statuses = futures_util::future::join_all(signings).await;
    assert!(statuses.iter().all(|s| *s == StatusCode::ACCEPTED));
    let messages = app.outbox_messages(30).await;
    assert_eq!(messages.len(), 30);
    let tokens: Vec<(String, String)> = messages
        .iter()
        .map(|m| {
            let text = text_of(m);
            (
                token_in(&text, "confirm").unwrap(),
                token_in(&text, "withdraw").unwrap(),
            )
        })
        .collect();

    // Confirm 20, and at the same time withdraw 5 of those and 3 of the other 10.
    let mut requests = Vec::new();
    for (i, (confirm, withdraw)) in tokens.iter().enumerate() {
        if i < 20 {
            requests.push(("/v1/signatures/confirm", confirm.clone()));
        }
        if i < 5 || (20..23).contains(&i) {
            requests.push(("/v1/signatures/withdraw", withdraw.clone()));
        }
    }
    let answers = futures_util::future::join_all(requests.iter().map(|(path, token)| {
        let app = &app;
        async move {
            app.post_json(path, &json!({"token": token}), None)
                .await
                .status()
        }
    }))
    .await;
    // A confirmation that lands after its withdrawal finds its token gone: 404 is right.
    assert!(
        answers
            .iter()
            .all(|s| *s == StatusCode::OK || *s == StatusCode::NOT_FOUND)
    );

    let confirmed = app
        .scalar(
            "SELECT COUNT(*) FROM signatures WHERE status = 'confirmed' AND email LIKE $1",
            "%@example.org",
        )
        .await;
    let pending = app
        .scalar(
            "SELECT COUNT(*) FROM signatures WHERE status = 'pending' AND email LIKE $1",
            "%@example.org",
        )
        .await;
    assert_eq!(confirmed, 15);
    assert_eq!(pending, 7);
    app.expect_count("scrapsi445", 15, 7).await;
}

#[tokio::test]
async fn recount_repairs_a_corrupted_count() {
    let app = spawn_app_with(many_signers).await;
    app.open_campaign_with(json!({"require_confirmation": false}))
        .await;
    for i in 0..3 {
        app.sign(
            "scrapsi445",
            &signer("Signer", &format!("s{i}@example.org")),
        )
        .await;
    }
    app.expect_total("scrapsi445", 3).await;
    app.execute(
        "UPDATE campaign_counts SET confirmed_individuals = confirmed_individuals + 7
         WHERE shard = 3 AND campaign_id IN (SELECT id FROM campaigns WHERE slug = $1)",
        "scrapsi445",
    )
    .await;

    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_undersigned"))
            .args(["recount", "--slug", "scrapsi445"])
            .env("DATABASE_URL", &app.database_url)
            .env("RUST_LOG", "error")
            .output()
            .unwrap()
    };
    let output = run();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(
        said.contains("scrapsi445: repaired (stored 10 confirmed"),
        "{said}"
    );
    assert!(said.contains("counted 3 confirmed"), "{said}");
    let again = String::from_utf8_lossy(&run().stdout).into_owned();
    assert!(again.contains("scrapsi445: correct"), "{again}");

    // The server shows the repaired count (at its next refresh, at most a few seconds later).
    let stored = app
        .scalar(
            "SELECT CAST(SUM(confirmed_individuals) AS BIGINT) FROM campaign_counts
             WHERE campaign_id IN (SELECT id FROM campaigns WHERE slug = $1)",
            "scrapsi445",
        )
        .await;
    assert_eq!(stored, 3);
    let deadline = std::time::Instant::now() + Duration::from_secs(8);
    while app.count("scrapsi445").await["total"] != 3 {
        assert!(
            std::time::Instant::now() < deadline,
            "the server never showed the repair"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn get_if_none_match(app: &TestApp, path: &str, etag: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .header("If-None-Match", etag)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn counts_and_badges_are_cacheable_with_etags() {
    let app = spawn_app_with(many_signers).await;
    app.open_campaign_with(json!({"require_confirmation": false}))
        .await;
    let response = app.get("/v1/campaigns/scrapsi445/count", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    let cache = response.headers()["cache-control"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cache.contains("public")
            && cache.contains("max-age=")
            && cache.contains("stale-while-revalidate=")
    );
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["total"], 0);
    assert_eq!(body["slug"], "scrapsi445");
    assert_eq!(body["target"], 100000);

    let unchanged = get_if_none_match(&app, "/v1/campaigns/scrapsi445/count", &etag).await;
    assert_eq!(unchanged.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(unchanged.headers()["etag"], etag.as_str());
    assert!(unchanged.bytes().await.unwrap().is_empty());

    app.sign("scrapsi445", &signer("Ann", "ann@example.org"))
        .await;
    app.expect_total("scrapsi445", 1).await;
    let changed = get_if_none_match(&app, "/v1/campaigns/scrapsi445/count", &etag).await;
    assert_eq!(changed.status(), StatusCode::OK);
    assert_ne!(changed.headers()["etag"], etag.as_str());

    let badge = app.get("/v1/campaigns/scrapsi445/badge.svg", None).await;
    assert_eq!(badge.status(), StatusCode::OK);
    assert_eq!(badge.headers()["content-type"], "image/svg+xml");
    let badge_etag = badge.headers()["etag"].to_str().unwrap().to_owned();
    assert!(badge.text().await.unwrap().contains(">1 signature</text>"));
    let badge_again =
        get_if_none_match(&app, "/v1/campaigns/scrapsi445/badge.svg", &badge_etag).await;
    assert_eq!(badge_again.status(), StatusCode::NOT_MODIFIED);

    // A draft has no public count.
    let token = app.login("organiser@article39.example").await;
    app.create_campaign(&token, json!({"slug": "a-draft"}))
        .await;
    assert_eq!(
        app.get("/v1/campaigns/a-draft/count", None).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/v1/campaigns/a-draft/badge.svg", None)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_stream_sends_the_count_then_each_change_and_announces_milestones() {
    let app = spawn_app_with(many_signers).await;
    app.open_campaign_with(json!({"require_confirmation": false, "milestones": [2], "target": 3}))
        .await;
    let mut events = Events::open(&app, &app.address, "scrapsi445", None).await;
    let (first, first_id) = events
        .next_count(Duration::from_secs(2))
        .await
        .expect("the current count");
    assert_eq!(first["total"], 0);

    app.sign("scrapsi445", &signer("Ann", "ann@example.org"))
        .await;
    // Local changes go out within 200 ms; the margin is for a loaded machine.
    let (next, next_id) = events
        .next_count(Duration::from_secs(3))
        .await
        .expect("the change is pushed");
    assert_eq!(next["total"], 1);
    assert_ne!(next_id, first_id);

    app.sign("scrapsi445", &signer("Ben", "ben@example.org"))
        .await;
    let mut milestone = None;
    while let Some(event) = events.next(Duration::from_secs(3)).await {
        if event.kind == "milestone" {
            milestone = Some(serde_json::from_str::<Value>(&event.data).unwrap());
            break;
        }
    }
    let milestone = milestone.expect("the milestone is announced");
    assert_eq!(milestone["count"], 2);
    assert!(milestone["reached_at"].is_string());

    // Reconnecting with the id of the current count does not resend it.
    let current = app.expect_total("scrapsi445", 2).await;
    let etag = app
        .get("/v1/campaigns/scrapsi445/count", None)
        .await
        .headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();
    let mut resumed = Events::open(&app, &app.address, "scrapsi445", Some(&etag)).await;
    assert!(
        resumed
            .next_count(Duration::from_millis(400))
            .await
            .is_none(),
        "{current}"
    );
    app.sign("scrapsi445", &signer("Cat", "cat@example.org"))
        .await;
    let (after, _) = resumed
        .next_count(Duration::from_secs(3))
        .await
        .expect("the next change");
    assert_eq!(after["total"], 3);
}

#[tokio::test]
async fn a_milestone_is_recorded_once() {
    let app = spawn_app_with(many_signers).await;
    app.open_campaign_with(json!({"require_confirmation": false, "milestones": [2], "target": 4}))
        .await;
    for i in 0..2 {
        app.sign(
            "scrapsi445",
            &signer("Signer", &format!("s{i}@example.org")),
        )
        .await;
    }
    let count = app.expect_total("scrapsi445", 2).await;
    assert_eq!(count["milestones"][0]["count"], 2);
    let reached = count["milestones"][0]["reached_at"].clone();
    assert!(reached.is_string(), "{count}");
    assert_eq!(
        count["milestones"][1],
        json!({"count": 4, "reached_at": null})
    );

    for i in 2..5 {
        app.sign(
            "scrapsi445",
            &signer("Signer", &format!("s{i}@example.org")),
        )
        .await;
    }
    let count = app.expect_total("scrapsi445", 5).await;
    assert_eq!(
        count["milestones"][0]["reached_at"], reached,
        "never recorded twice"
    );
    assert!(
        count["milestones"][1]["reached_at"].is_string(),
        "the target is a milestone too"
    );
    let rows = app
        .scalar(
            "SELECT COUNT(*) FROM campaign_milestones
             WHERE campaign_id IN (SELECT id FROM campaigns WHERE slug = $1)",
            "scrapsi445",
        )
        .await;
    assert_eq!(rows, 2);
}

#[tokio::test]
async fn the_tally_breaks_the_count_down_and_hides_small_postcode_areas() {
    let app = spawn_app_with(many_signers).await;
    app.open_campaign_with(json!({"require_confirmation": false}))
        .await;
    let signers = [
        ("CF10 1AA", Some("nyas")),
        ("CF11 9XR", Some("nyas")),
        ("CF24 0DE", Some("nyas")),
        ("CF5 1QE", None),
        ("CF3 0EE", None),
        ("SW1A 1AA", None),
        ("SW1A 2AA", None),
    ];
    for (i, (postcode, source)) in signers.iter().enumerate() {
        let mut body =
            json!({"name": "Signer", "email": format!("s{i}@example.org"), "postcode": postcode});
        if let Some(source) = source {
            body["source"] = json!(source);
        }
        assert_eq!(
            app.sign("scrapsi445", &body).await.status(),
            StatusCode::ACCEPTED
        );
    }
    app.expect_total("scrapsi445", 7).await;
    let response = app.get("/v1/campaigns/scrapsi445/tally", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    let tally: Value = response.json().await.unwrap();
    assert_eq!(tally["total"], 7);
    assert_eq!(
        tally["by_postcode_area"],
        json!([{"key": "CF", "count": 5}, {"key": "other", "count": 2}]),
        "SW has only 2 signatures"
    );
    assert_eq!(
        tally["by_source"],
        json!([{"key": "direct", "count": 4}, {"key": "nyas", "count": 3}])
    );
    assert_eq!(tally["by_country"], json!([{"key": "GB", "count": 7}]));
    // By nation, from the postcode area: every nation named, small figures included.
    assert_eq!(
        tally["by_nation"],
        json!({"england": 2, "scotland": 0, "wales": 5, "northern_ireland": 0,
               "outside_uk": 0, "unknown": 0})
    );
    let hours = tally["by_hour"].as_array().unwrap();
    assert_eq!(hours.len(), 1);
    assert_eq!(hours[0]["count"], 7);
    assert!(hours[0]["hour"].as_str().unwrap().ends_with(":00:00Z"));
    assert!(!tally.to_string().contains("example.org"));
}

#[tokio::test]
async fn two_instances_on_one_postgresql_see_each_others_signatures() {
    let first = spawn_app_with(many_signers).await;
    if !first.database.is_postgres() {
        eprintln!("one instance per SQLite file is the supported shape: nothing to test");
        return;
    }
    first
        .open_campaign_with(json!({"require_confirmation": false, "milestones": [1]}))
        .await;
    let store = undersigned::store::connect(&first.database_url.parse().unwrap())
        .await
        .unwrap();
    let mut settings = test_settings(&first.database_url);
    many_signers(&mut settings);
    settings.outbox_dir = first.outbox.path().to_owned();
    // Its own full refresh far off: what it learns in this test, a notification told it.
    settings.count_refresh_seconds = 600;
    let second = undersigned::startup::Application::build_with_store(settings, store)
        .await
        .unwrap();
    let second_address = format!("http://127.0.0.1:{}", second.port());
    let handle = second.handle();
    tokio::spawn(second.run_until_stopped());

    let count_on_second = || {
        let client = first.client.clone();
        let url = format!("{second_address}/v1/campaigns/scrapsi445/count");
        async move {
            client
                .get(url)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    assert_eq!(count_on_second().await["total"], 0);
    let mut events = Events::open(&first, &second_address, "scrapsi445", None).await;
    events
        .next_count(Duration::from_secs(5))
        .await
        .expect("the current count");

    first
        .sign("scrapsi445", &signer("Ann", "ann@example.org"))
        .await;
    // A notification carries the change at once; without one, the other instance would see it
    // only at its next full refresh, ten minutes away. The wait is long for a loaded machine.
    let (event, _) = events
        .next_count(Duration::from_secs(30))
        .await
        .expect("the other instance's stream, told by a notification");
    assert_eq!(event["total"], 1);
    assert_eq!(count_on_second().await["total"], 1);
    // Both instances crossed the milestone; it was recorded once.
    assert_eq!(
        first.expect_total("scrapsi445", 1).await["milestones"][0]["reached_at"],
        count_on_second().await["milestones"][0]["reached_at"]
    );
    handle.stop(false).await;
}

#[tokio::test]
async fn a_signing_attempt_moves_no_public_number_until_it_is_confirmed() {
    let app = spawn_app_with(many_signers).await;
    let token = app
        .open_campaign_with(json!({"require_confirmation": true}))
        .await;
    let mut events = Events::open(&app, &app.address, "scrapsi445", None).await;
    let (first, _) = events
        .next_count(Duration::from_secs(2))
        .await
        .expect("the current count");
    let before = app.get("/v1/campaigns/scrapsi445/count", None).await;
    let etag = before.headers()["etag"].to_str().unwrap().to_owned();
    let body: Value = before.json().await.unwrap();
    assert!(
        body.get("pending").is_none() && body.get("updated_at").is_none(),
        "{body}"
    );
    let badge = app.get("/v1/campaigns/scrapsi445/badge.svg", None).await;
    let badge_etag = badge.headers()["etag"].to_str().unwrap().to_owned();

    app.sign("scrapsi445", &signer("Ann Jones", "ann@example.org"))
        .await;
    // Well past the moment a change would show (200 ms): nothing public has moved.
    assert!(
        events
            .next_count(Duration::from_millis(800))
            .await
            .is_none(),
        "the stream said nothing"
    );
    let after = get_if_none_match(&app, "/v1/campaigns/scrapsi445/count", &etag).await;
    assert_eq!(after.status(), StatusCode::NOT_MODIFIED);
    let badge = get_if_none_match(&app, "/v1/campaigns/scrapsi445/badge.svg", &badge_etag).await;
    assert_eq!(badge.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(first["total"], 0);
    // The organisers see it waiting.
    let private: Value = app
        .get("/v1/campaigns/scrapsi445/signatures/count", Some(&token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (private["total"].as_u64(), private["pending"].as_u64()),
        (Some(0), Some(1))
    );
    let stranger = app.organiser("stranger@example.org", false).await;
    let hidden = app
        .get("/v1/campaigns/scrapsi445/signatures/count", Some(&stranger))
        .await;
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);

    // Confirmed, it counts, and everything public moves.
    let message = app.outbox_messages(1).await.remove(0);
    let confirm_token = crate::smtp::token_in(&crate::smtp::text_of(&message), "confirm")
        .expect("a confirmation link");
    let confirmed = app
        .client
        .post(app.url(&format!("/confirm/{confirm_token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(confirmed.status(), StatusCode::OK);
    let (next, _) = events
        .next_count(Duration::from_secs(3))
        .await
        .expect("the confirmation is pushed");
    assert_eq!(next["total"], 1);
    let moved = get_if_none_match(&app, "/v1/campaigns/scrapsi445/count", &etag).await;
    assert_eq!(moved.status(), StatusCode::OK);
}
