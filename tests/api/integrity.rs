//! A count that can be defended: the integrity view shows a flood by address block, email
//! domain and hour; invalidation takes it out of every count with a preview that matches,
//! restore puts it back, and the audit log has both; blocked addresses are answered as anyone
//! is and never counted.

use futures_util::StreamExt;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, fields_of, spawn_app_with};

/// An app that believes `X-Forwarded-For` from the tests (so each signer can come from an
/// address of its own), with limits high enough for a flood.
async fn app_behind_a_proxy() -> TestApp {
    spawn_app_with(|s| {
        s.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
        s.sign_per_minute_per_address = 100_000;
        s.sign_per_minute_per_campaign = 100_000;
    })
    .await
}

async fn sign_from(app: &TestApp, client: &str, body: &Value) -> (StatusCode, Value) {
    let response = app
        .client
        .post(app.url("/v1/campaigns/scrapsi445/signatures"))
        .header("x-forwarded-for", client)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// `n` signers, the `i`th from `client(i)` with `email(i)`, 16 at a time.
async fn sign_many(
    app: &TestApp,
    n: usize,
    client: impl Fn(usize) -> String,
    email: impl Fn(usize) -> String,
) {
    let statuses: Vec<StatusCode> = futures_util::stream::iter(0..n)
        .map(|i| {
            let (client, email) = (client(i), email(i));
            async move {
                let body = json!({"name": "Signer", "email": email, "postcode": "SW1A 1AA"});
                sign_from(app, &client, &body).await.0
            }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    assert!(statuses.iter().all(|s| *s == StatusCode::ACCEPTED));
}

/// 20 genuine signers from 20 networks and 60 from one /24 with one domain.
async fn a_campaign_with_a_flood(app: &TestApp) -> String {
    let token = app
        .open_campaign_with(json!({"require_confirmation": false}))
        .await;
    sign_many(
        app,
        20,
        |i| format!("198.{}.{}.7", 18 + i / 200, i % 200),
        |i| format!("person{i}@nyas.example"),
    )
    .await;
    sign_many(
        app,
        60,
        |i| format!("203.0.113.{}", i + 1),
        |i| format!("bot{i}@flood.example"),
    )
    .await;
    app.expect_total("scrapsi445", 80).await;
    token
}

fn flood_block(view: &Value) -> String {
    let top = &view["blocks"][0];
    assert_eq!(top["count"], 60, "{view}");
    top["key"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_flood_is_seen_by_block_and_domain_and_invalidated_as_previewed_then_restored() {
    let app = app_behind_a_proxy().await;
    let token = a_campaign_with_a_flood(&app).await;
    // A quarter from one domain is flagged at the default share (a fifth), not at 30%.
    let view = app
        .get_json("/v1/campaigns/scrapsi445/integrity?share=0.3", Some(&token))
        .await;
    // One hour, 80 signatures, all confirmed.
    assert_eq!(view["total"], 80);
    assert_eq!(view["hours"].as_array().unwrap().len(), 1);
    assert_eq!(view["hours"][0]["confirmed"], 80);
    let block = flood_block(&view);
    assert!(block.starts_with("ipv4/24:"), "{block}");
    assert_eq!(view["blocks"][0]["confirmation_rate"], 1.0);
    assert_eq!(view["domains"][0]["key"], "flood.example");
    assert_eq!(view["domains"][0]["count"], 60);
    assert_eq!(view["sources"][0]["key"], Value::Null);
    let flagged: Vec<(&str, &str)> = view["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["kind"].as_str().unwrap(), f["key"].as_str().unwrap()))
        .collect();
    assert!(flagged.contains(&("block", block.as_str())), "{flagged:?}");
    assert!(
        flagged.contains(&("domain", "flood.example")),
        "{flagged:?}"
    );
    assert!(!flagged.iter().any(|(_, k)| *k == "nyas.example"));
    // The addresses themselves are neither shown nor stored: only the blocks' keyed hashes.
    assert!(!view.to_string().contains("203.0.113"));
    let stored = app
        .texts(
            "SELECT client_block, client_network, email_domain FROM signatures \
             WHERE email_domain = $1",
            "flood.example",
        )
        .await;
    assert_eq!(stored.len(), 60);
    assert!(
        stored
            .iter()
            .all(|row| row[0].as_deref() == Some(block.as_str())
                && row[1].is_none()
                && !format!("{row:?}").contains("203.0.113"))
    );

    // The preview takes exactly what the invalidation then takes, and changes nothing.
    let path = "/v1/campaigns/scrapsi445/invalidations";
    let preview = app
        .post_json(
            path,
            &json!({"filter": {"block": block}, "dry_run": true}),
            Some(&token),
        )
        .await;
    assert_eq!(preview.status(), StatusCode::OK);
    let preview: Value = preview.json().await.unwrap();
    assert_eq!(
        (preview["count"].clone(), preview["confirmed"].clone()),
        (json!(60), json!(60))
    );
    let sample = preview["sample"].as_array().unwrap();
    assert_eq!(sample.len(), 10);
    assert!(
        sample
            .iter()
            .all(|s| s["email"].as_str().unwrap().ends_with("@flood.example"))
    );
    app.expect_total("scrapsi445", 80).await;
    let by_domain: Value = app
        .post_json(
            path,
            &json!({"filter": {"domain": "FLOOD.example"}, "dry_run": true}),
            Some(&token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_domain["count"], 60);

    let done = app
        .post_json(
            path,
            &json!({"filter": {"block": block}, "reason": "60 signatures in a minute from one network"}),
            Some(&token),
        )
        .await;
    assert_eq!(done.status(), StatusCode::CREATED);
    let done: Value = done.json().await.unwrap();
    assert_eq!(
        (done["count"].clone(), done["confirmed"].clone()),
        (json!(60), json!(60))
    );
    let id = done["id"].as_str().unwrap().to_owned();

    // Every public number falls at once: the count, the tally, the counts by constituency.
    app.expect_total("scrapsi445", 20).await;
    let tally = app.get_json("/v1/campaigns/scrapsi445/tally", None).await;
    assert_eq!(tally["total"], 20, "{tally}");
    let seats = app
        .get_json("/v1/campaigns/scrapsi445/constituencies", None)
        .await;
    let counted: u64 = seats["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["count"].as_u64().unwrap())
        .sum();
    assert_eq!(counted, 20);
    // The organisers' export leaves them out unless asked for.
    let export = app
        .get(
            "/v1/campaigns/scrapsi445/signatures/export?format=ndjson",
            Some(&token),
        )
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(export.lines().count(), 20);
    let kept = app
        .get(
            "/v1/campaigns/scrapsi445/signatures/export?format=ndjson&status=invalidated",
            Some(&token),
        )
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(kept.lines().count(), 60);
    let view = app
        .get_json("/v1/campaigns/scrapsi445/integrity", Some(&token))
        .await;
    assert_eq!(view["hours"][0]["invalidated"], 60);
    assert_eq!(view["hours"][0]["confirmed"], 20);

    // An invalidated address signing again is answered as anyone is, and adds nothing.
    let (status, _) = sign_from(
        &app,
        "203.0.113.200",
        &json!({"name": "Signer", "email": "bot3@flood.example"}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    app.expect_total("scrapsi445", 20).await;

    let listed = app
        .get_json("/v1/campaigns/scrapsi445/invalidations", Some(&token))
        .await;
    assert_eq!(listed["invalidations"][0]["id"], id.as_str());
    assert_eq!(listed["invalidations"][0]["count"], 60);
    assert_eq!(
        listed["invalidations"][0]["filter"]["block"],
        block.as_str()
    );

    let restored = app
        .post_json(&format!("{path}/{id}/restore"), &json!({}), Some(&token))
        .await;
    assert_eq!(restored.status(), StatusCode::OK);
    let restored: Value = restored.json().await.unwrap();
    assert_eq!(restored["count"], 60);
    app.expect_total("scrapsi445", 80).await;
    let again = app
        .post_json(&format!("{path}/{id}/restore"), &json!({}), Some(&token))
        .await;
    assert_problem(again, StatusCode::CONFLICT, "invalidation-not-restorable").await;
    app.expect_total("scrapsi445", 80).await;

    let admin = app.organiser("admin@article39.example", true).await;
    let entries = app.audit_entries(&admin).await;
    let of = |action: &str| {
        entries
            .iter()
            .find(|e| e["action"] == action)
            .unwrap_or_else(|| panic!("no {action} in {entries:?}"))
            .clone()
    };
    let invalidated = of("invalidated");
    assert_eq!(invalidated["rows"], 60);
    assert!(
        invalidated["detail"]
            .as_str()
            .unwrap()
            .contains("60 signatures in a minute from one network")
    );
    assert!(invalidated["actor_id"].is_string(), "{invalidated}");
    assert_eq!(of("restored")["rows"], 60);
}

#[tokio::test]
async fn pending_signatures_invalidated_by_a_list_of_emails_leave_the_pending_count() {
    let app = app_behind_a_proxy().await;
    let token = app.open_campaign_with(json!({})).await;
    sign_many(
        &app,
        5,
        |i| format!("192.0.2.{i}"),
        |i| format!("Pat{i}@Example.ORG"),
    )
    .await;
    app.expect_count("scrapsi445", 0, 5).await;
    let done = app
        .post_json(
            "/v1/campaigns/scrapsi445/invalidations",
            // However the list spells them, the same inboxes.
            &json!({"filter": {"emails": ["pat0@example.org", " PAT1@example.org", "nobody@example.org"]},
                    "reason": "Asked by the school: pupils signed for each other"}),
            Some(&token),
        )
        .await;
    assert_eq!(done.status(), StatusCode::CREATED);
    let done: Value = done.json().await.unwrap();
    assert_eq!(
        (done["count"].clone(), done["confirmed"].clone()),
        (json!(2), json!(0))
    );
    app.expect_count("scrapsi445", 0, 3).await;
    // The pasted list is counted in the record, not kept.
    let listed = app
        .get_json("/v1/campaigns/scrapsi445/invalidations", Some(&token))
        .await;
    assert_eq!(listed["invalidations"][0]["filter"]["emails"], 3);
    assert!(!listed.to_string().contains("pat0"));

    // Thirty days on, they stay invalidated.
    app.execute(
        "UPDATE invalidations SET restorable_until = created_at \
         WHERE campaign_id = (SELECT id FROM campaigns WHERE slug = $1)",
        "scrapsi445",
    )
    .await;
    let late = app
        .post_json(
            &format!(
                "/v1/campaigns/scrapsi445/invalidations/{}/restore",
                done["id"].as_str().unwrap()
            ),
            &json!({}),
            Some(&token),
        )
        .await;
    assert_problem(late, StatusCode::CONFLICT, "invalidation-not-restorable").await;
    app.expect_count("scrapsi445", 0, 3).await;
}

#[tokio::test]
async fn bad_invalidations_are_refused_and_change_nothing() {
    let app = app_behind_a_proxy().await;
    let token = a_campaign_with_a_flood(&app).await;
    let path = "/v1/campaigns/scrapsi445/invalidations";
    for (body, fields) in [
        (json!({"filter": {}, "reason": "x"}), vec!["filter"]),
        (
            json!({"filter": {"block": "203.0.113.0/24"}, "reason": "x"}),
            vec!["filter.block"],
        ),
        (
            json!({"filter": {"domain": "flood example"}, "reason": "x"}),
            vec!["filter.domain"],
        ),
        (
            json!({"filter": {"emails": ["=HYPERLINK(\"http://x\")"]}, "reason": "x"}),
            vec!["filter.emails[0]"],
        ),
        (
            json!({"filter": {"from": "2026-12-02T00:00:00Z", "to": "2026-12-01T00:00:00Z"}, "reason": "x"}),
            vec!["filter.to"],
        ),
        (
            json!({"filter": {"domain": "flood.example"}}),
            vec!["reason"],
        ),
        (
            json!({"filter": {"domain": "flood.example"}, "reason": "  "}),
            vec!["reason"],
        ),
        (
            json!({"filter": {"domain": "flood.example"}, "reason": "a\u{0007}b"}),
            vec!["reason"],
        ),
        (
            json!({"filter": {"domain": "flood.example"}, "reason": "x".repeat(501)}),
            vec!["reason"],
        ),
    ] {
        let refused = app.post_json(path, &body, Some(&token)).await;
        let problem = assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
        assert_eq!(fields_of(&problem), fields, "{body}");
    }
    let refused = app
        .post_json(
            path,
            &json!({"filter": {"domain": "flood.example"}, "reason": "x", "everything": true}),
            Some(&token),
        )
        .await;
    assert!(refused.status().is_client_error());
    // Nobody else's: another organiser, and no one at all.
    let other = app.organiser("someone@else.example", false).await;
    let body = json!({"filter": {"domain": "flood.example"}, "reason": "mine now"});
    let theirs = app.post_json(path, &body, Some(&other)).await;
    assert_problem(theirs, StatusCode::NOT_FOUND, "not-found").await;
    let anyone = app.post_json(path, &body, None).await;
    assert_eq!(anyone.status(), StatusCode::UNAUTHORIZED);
    let view = app
        .get("/v1/campaigns/scrapsi445/integrity", Some(&other))
        .await;
    assert_eq!(view.status(), StatusCode::NOT_FOUND);
    let bad_range = app
        .get(
            "/v1/campaigns/scrapsi445/integrity?from=yesterday&share=7",
            Some(&token),
        )
        .await;
    let problem = assert_problem(bad_range, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(fields_of(&problem), vec!["from", "share"]);
    let unknown = app
        .post_json(
            &format!("{path}/0191d2a4-0000-7000-8000-000000000000/restore"),
            &json!({}),
            Some(&token),
        )
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    app.expect_total("scrapsi445", 80).await;
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM signatures WHERE status <> $1",
            "confirmed"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn a_blocked_address_gets_the_same_answer_as_anyone_and_is_never_counted() {
    let app = app_behind_a_proxy().await;
    let token = app
        .open_campaign_with(json!({"require_confirmation": false}))
        .await;
    let path = "/v1/campaigns/scrapsi445/blocklist";
    let set = app.put_json(path, &json!({"domains": ["Spam.Example", "bot*@gmail.com", "spam.example"], "disposable": true}), &token).await;
    assert_eq!(set.status(), StatusCode::OK);
    let set: Value = set.json().await.unwrap();
    assert_eq!(
        set,
        json!({"domains": ["spam.example", "bot*@gmail.com"], "disposable": true})
    );
    assert_eq!(app.get_json(path, Some(&token)).await, set);

    let (_, welcome) = sign_from(
        &app,
        "192.0.2.1",
        &json!({"name": "Siân", "email": "sian@nyas.example"}),
    )
    .await;
    for email in [
        "a@spam.example",
        "a@mail.spam.example",
        "bot77@gmail.com",
        "someone@mailinator.com",
    ] {
        let (status, body) = sign_from(
            &app,
            "192.0.2.2",
            &json!({"name": "Signer", "email": email}),
        )
        .await;
        assert_eq!((status, &body), (StatusCode::ACCEPTED, &welcome), "{email}");
    }
    app.expect_total("scrapsi445", 1).await;
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM signatures WHERE status = $1", "spam")
            .await,
        4
    );
    // Only what the list names: gmail addresses that do not match the pattern sign.
    let (status, _) = sign_from(
        &app,
        "192.0.2.3",
        &json!({"name": "Rob", "email": "robot@gmail.com"}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    app.expect_total("scrapsi445", 2).await;

    let bad = app
        .put_json(
            path,
            &json!({"domains": ["ok.example", "exa*mple.org", ""]}),
            &token,
        )
        .await;
    let problem = assert_problem(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(fields_of(&problem), vec!["domains[1]", "domains[2]"]);
    assert_eq!(app.get_json(path, Some(&token)).await, set);

    // The whole service's list is an admin's; it applies to every campaign.
    let not_admin = app
        .put_json(
            "/v1/blocklist",
            &json!({"domains": ["nyas.example"]}),
            &token,
        )
        .await;
    assert_eq!(not_admin.status(), StatusCode::FORBIDDEN);
    let admin = app.organiser("admin@article39.example", true).await;
    let service = app
        .put_json(
            "/v1/blocklist",
            &json!({"domains": ["*.flood.example"]}),
            &admin,
        )
        .await;
    assert_eq!(service.status(), StatusCode::OK);
    assert_eq!(
        app.get_json("/v1/blocklist", Some(&admin)).await,
        json!({"domains": ["*.flood.example"]})
    );
    let (status, body) = sign_from(
        &app,
        "192.0.2.4",
        &json!({"name": "Signer", "email": "x@a.flood.example"}),
    )
    .await;
    assert_eq!((status, body), (StatusCode::ACCEPTED, welcome));
    app.expect_total("scrapsi445", 2).await;
    let audit = app.audit_entries(&admin).await;
    assert!(
        audit
            .iter()
            .any(|e| e["action"] == "blocklist_changed" && e["rows"] == 2)
    );
}

/// In the console: the flood is flagged, previewed from its flag, invalidated with a reason
/// after a confirmation, counted out, and restored; each step seen in headless Chromium.
#[tokio::test]
async fn an_organiser_finds_a_flood_in_the_console_invalidates_it_and_restores_it() {
    use crate::console::{
        answer_dialog, axe_source, check_screen, fill, log_in, press, wait_screen, wait_text,
    };
    let Some(browser) = crate::browser::browser().await else {
        return;
    };
    let axe = axe_source();
    let app = app_behind_a_proxy().await;
    a_campaign_with_a_flood(&app).await;
    let client = &browser.client;
    crate::browser::viewport(client, 1280, 900).await;
    log_in(
        client,
        &app.address,
        "organiser@article39.example",
        "Scrap SI 445",
    )
    .await;
    client
        .goto(&format!("{}/console/#/c/scrapsi445/integrity", app.address))
        .await
        .unwrap();
    wait_screen(client, "Integrity").await;
    wait_text(client, "ul.flags", "flood.example").await;
    check_screen(client, axe.as_deref(), "console-integrity").await;

    press(client, "Preview invalidating flood.example").await;
    wait_text(
        client,
        "#preview-title",
        "60 signatures would be invalidated, 60 of them confirmed",
    )
    .await;
    app.expect_total("scrapsi445", 80).await;
    fill(
        client,
        "field-reason",
        "60 signatures in a minute from one domain",
    )
    .await;
    press(client, "Invalidate 60 signatures").await;
    answer_dialog(client, "restore them for 30 days", "Invalidate them").await;
    wait_text(client, "#status", "60 signatures invalidated").await;
    app.expect_total("scrapsi445", 20).await;
    wait_text(
        client,
        "ul.invalidations",
        "60 signatures in a minute from one domain",
    )
    .await;

    press(client, "Restore").await;
    answer_dialog(client, "count again", "Restore them").await;
    wait_text(client, "#status", "60 signatures restored").await;
    app.expect_total("scrapsi445", 80).await;

    // The blocklist, saved normalised.
    fill(client, "field-domains", "Flood.Example\n*.bots.example").await;
    press(client, "Save the blocklist").await;
    wait_text(client, "#status", "The blocklist is saved: 2 entries").await;
    let kept = app
        .get_json(
            "/v1/campaigns/scrapsi445/blocklist",
            Some(&app.login("organiser@article39.example").await),
        )
        .await;
    assert_eq!(kept["domains"], json!(["flood.example", "*.bots.example"]));
}
