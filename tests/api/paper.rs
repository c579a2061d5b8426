//! Signatures collected on paper: entered as JSON or a CSV, counted at once and apart,
//! deduplicated against online signatures by email, shown on the page and in the hand-in.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::handins::{csv_rows, hand_in_now};
use crate::helpers::{TestApp, assert_problem, fields_of, signer, spawn_app};

fn entry(name: &str, email: Option<&str>) -> Value {
    json!({"name": name, "postcode": "LL57 2DG", "email": email, "sheet": "Bangor school visit, sheet 3",
           "collected_on": "2026-11-28"})
}

async fn post_paper(
    app: &TestApp,
    token: &str,
    content_type: &str,
    body: String,
) -> reqwest::Response {
    app.client
        .post(app.url("/v1/campaigns/scrapsi445/paper"))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn paper_signatures_count_apart_deduplicate_against_online_ones_and_go_in_the_hand_in() {
    let app = spawn_app().await;
    let token = app
        .open_campaign_with(json!({"require_confirmation": false}))
        .await;
    assert_eq!(
        app.sign("scrapsi445", &signer("Siân Lloyd", "sian@nyas.example"))
            .await
            .status(),
        StatusCode::ACCEPTED
    );
    app.expect_total("scrapsi445", 1).await;

    let body = json!({"entries": [
        // Signed online already, however the sheet spells it: the online signature stays.
        entry("Siân Lloyd", Some(" SIAN@nyas.example")),
        {"name": "Gwenllian Pryce", "postcode": "ll57 2dg", "email": "gwen@example.org", "contact": true,
         "public": true, "sheet": "Bangor school visit, sheet 3", "collected_on": "2026-11-28"},
        entry("Dafydd ap Gwilym", None),
    ]});
    let entered = post_paper(&app, &token, "application/json", body.to_string()).await;
    assert_eq!(entered.status(), StatusCode::CREATED);
    let entered: Value = entered.json().await.unwrap();
    assert_eq!(entered, json!({"added": 2, "already_signed": 1}));
    let count = app.expect_total("scrapsi445", 3).await;
    assert_eq!(count["paper"], 2, "{count}");
    // One email, one signature: signing online after the sheet adds nothing.
    app.sign("scrapsi445", &signer("Gwen", "Gwen@Example.org"))
        .await;
    app.expect_total("scrapsi445", 3).await;
    // Placed by postcode like any other.
    let seats = app
        .get_json("/v1/campaigns/scrapsi445/constituencies", None)
        .await;
    assert_eq!(seats["items"][0]["name"], "Bangor Aberconwy", "{seats}");

    // A spreadsheet's CSV: a byte-order mark, ticks as "yes", a sheet named like a formula.
    let csv = "\u{feff}name,postcode,email,contact,public,sheet,collected_on\r\n\
               Rhys Owen,CF10 1AA,,,yes,=HYPERLINK(\"http://x\"),2026-11-29\r\n\
               Mari Jones,CF10 1AA,mari@example.org,yes,,=HYPERLINK(\"http://x\"),2026-11-29\r\n";
    let imported = post_paper(&app, &token, "text/csv; charset=utf-8", csv.into()).await;
    assert_eq!(imported.status(), StatusCode::CREATED);
    let imported: Value = imported.json().await.unwrap();
    assert_eq!(imported["added"], 2);
    let count = app.expect_total("scrapsi445", 5).await;
    assert_eq!(count["paper"], 4);

    let sheets = app
        .get_json("/v1/campaigns/scrapsi445/paper", Some(&token))
        .await;
    assert_eq!(
        sheets["sheets"],
        json!([
            {"sheet": "Bangor school visit, sheet 3", "collected_on": "2026-11-28", "count": 2},
            {"sheet": "=HYPERLINK(\"http://x\")", "collected_on": "2026-11-29", "count": 2},
        ])
    );
    // The page says how many are on paper.
    let page = app.get("/c/scrapsi445", None).await.text().await.unwrap();
    assert!(page.contains("Including 4 signatures collected on paper"));
    // No email goes to a paper signer for being entered (the one who then signed online was
    // told, as any repeat signer is, that they had signed already).
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM outbox o JOIN signatures s ON s.id = o.signature_id \
             WHERE s.paper_sheet IS NOT NULL AND o.kind <> 'already_signed' AND s.campaign_id = \
             (SELECT id FROM campaigns WHERE slug = $1)",
            "scrapsi445"
        )
        .await,
        0
    );

    // The hand-in lists the sheets, safe to open in a spreadsheet, and counts them.
    let files = hand_in_now(&app, &token, "scrapsi445").await;
    let file = |name: &str| files.iter().find(|(n, _)| n == name).unwrap().1.clone();
    let manifest: Value = serde_json::from_slice(&file("manifest.json")).unwrap();
    assert_eq!(manifest["counts"]["paper"], 4);
    assert_eq!(manifest["counts"]["total"], 5);
    assert_eq!(
        csv_rows(&file("paper_sheets.csv")),
        vec![
            vec!["Bangor school visit, sheet 3", "2026-11-28", "2"],
            vec!["'=HYPERLINK(\"http://x\")", "2026-11-29", "2"],
        ]
    );

    // Invalidating a paper signature takes it from the paper count too; the counts are what
    // the signatures say.
    let done = app
        .post_json(
            "/v1/campaigns/scrapsi445/invalidations",
            &json!({"filter": {"emails": ["mari@example.org"]}, "reason": "Entered twice by mistake"}),
            Some(&token),
        )
        .await;
    assert_eq!(done.status(), StatusCode::CREATED);
    let count = app.expect_total("scrapsi445", 4).await;
    assert_eq!(count["paper"], 3);
    let campaign = app
        .store
        .campaign(&undersigned::domain::Slug::parse("scrapsi445").unwrap())
        .await
        .unwrap()
        .unwrap();
    let recount = app
        .store
        .recount(campaign.id, undersigned::store::now())
        .await
        .unwrap();
    assert!(!recount.drifted(), "{recount:?}");
    assert_eq!(recount.actual.paper, 3);
}

#[tokio::test]
async fn bad_paper_entries_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let token = app.organiser("organiser@article39.example", false).await;
    app.create_campaign(&token, json!({})).await;
    let one = json!({"entries": [entry("Rhys", None)]}).to_string();
    let draft = post_paper(&app, &token, "application/json", one.clone()).await;
    assert_problem(draft, StatusCode::CONFLICT, "campaign-not-ready").await;
    app.open_campaign(&token, "scrapsi445").await;

    let child = json!({"entries": [
        {"name": "Twm", "postcode": "LL57 2DG", "sheet": "s1", "collected_on": "2026-11-28", "age_band": "under-13"}
    ]});
    let refused = post_paper(&app, &token, "application/json", child.to_string()).await;
    let problem = assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(fields_of(&problem), vec!["entries[0].parent_signed"]);
    let with_parent = json!({"entries": [
        {"name": "Twm", "postcode": "LL57 2DG", "sheet": "s1", "collected_on": "2026-11-28",
         "age_band": "under-13", "parent_signed": true}
    ]});
    // Signed by a parent, but this campaign does not welcome young signers.
    let refused = post_paper(&app, &token, "application/json", with_parent.to_string()).await;
    let problem = assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(fields_of(&problem), vec!["entries[0].age_band"]);

    let many_faults = json!({"entries": [
        entry("Fine", None),
        {"name": "", "postcode": "not a postcode", "email": "=HYPERLINK(1)", "contact": true,
         "sheet": "", "collected_on": "2099-01-01"},
    ]});
    let refused = post_paper(&app, &token, "application/json", many_faults.to_string()).await;
    let problem = assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(
        fields_of(&problem),
        vec![
            "entries[1].collected_on",
            "entries[1].contact",
            "entries[1].email",
            "entries[1].name",
            "entries[1].postcode",
            "entries[1].sheet",
        ]
    );
    let empty = post_paper(
        &app,
        &token,
        "application/json",
        json!({"entries": []}).to_string(),
    )
    .await;
    let problem = assert_problem(empty, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(fields_of(&problem), vec!["entries"]);
    let bad_csv = post_paper(
        &app,
        &token,
        "text/csv",
        "name,postcode\nRhys,CF10 1AA\n".into(),
    )
    .await;
    let problem = assert_problem(bad_csv, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert!(
        problem["detail"].as_str().unwrap().contains("line 2"),
        "{problem}"
    );
    let not_utf8 = app
        .client
        .post(app.url("/v1/campaigns/scrapsi445/paper"))
        .bearer_auth(&token)
        .header("content-type", "text/csv")
        .body(vec![0xff, 0xfe, b'a'])
        .send()
        .await
        .unwrap();
    assert_problem(not_utf8, StatusCode::BAD_REQUEST, "malformed-body").await;
    let malformed = post_paper(&app, &token, "application/json", "{\"entries\": [".into()).await;
    assert_problem(malformed, StatusCode::BAD_REQUEST, "malformed-body").await;
    let wrong_type = post_paper(&app, &token, "text/plain", one.clone()).await;
    assert_problem(
        wrong_type,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported-media-type",
    )
    .await;
    let huge = post_paper(&app, &token, "text/csv", "x".repeat(300 * 1024)).await;
    assert_eq!(huge.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let other = app.organiser("someone@else.example", false).await;
    let theirs = post_paper(&app, &other, "application/json", one).await;
    assert_problem(theirs, StatusCode::NOT_FOUND, "not-found").await;

    let count = app.count("scrapsi445").await;
    assert_eq!(
        (count["total"].clone(), count["paper"].clone()),
        (json!(0), json!(0))
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM signatures WHERE name <> $1", "")
            .await,
        0
    );
}

/// In the console: a sheet entered signer by signer, a mistake shown beside its field, and
/// the sheet counted once saved; seen in headless Chromium, checked with axe.
#[tokio::test]
async fn an_organiser_enters_a_paper_sheet_in_the_console() {
    use crate::console::{axe_source, check_screen, fill, log_in, press, wait_screen, wait_text};
    let Some(browser) = crate::browser::browser().await else {
        return;
    };
    let axe = axe_source();
    let app = spawn_app().await;
    app.open_campaign_with(json!({"require_confirmation": false}))
        .await;
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
        .goto(&format!("{}/console/#/c/scrapsi445/paper", app.address))
        .await
        .unwrap();
    wait_screen(client, "Paper signatures").await;
    fill(client, "field-sheet", "Bangor school visit, sheet 3").await;
    // A date field takes the date as the browser's locale writes it: set it as the value.
    client
        .execute(
            "document.getElementById('field-collected_on').value = '2026-11-28';",
            vec![],
        )
        .await
        .unwrap();
    fill(client, "field-entries-0--name", "Gwenllian Pryce").await;
    fill(client, "field-entries-0--postcode", "LL57 2DG").await;
    fill(client, "field-entries-2--name", "Dafydd ap Gwilym").await;
    fill(client, "field-entries-2--postcode", "not a postcode").await;
    press(client, "Save the sheet").await;
    wait_text(
        client,
        "[data-field='entries[2].postcode'] .field-error",
        "not a UK postcode",
    )
    .await;
    check_screen(client, axe.as_deref(), "console-paper").await;
    app.expect_total("scrapsi445", 0).await;
    fill(client, "field-entries-2--postcode", "LL57 2DG").await;
    press(client, "Save the sheet").await;
    wait_text(client, "#status", "2 signatures added from the sheet").await;
    wait_text(client, "main table", "Bangor school visit, sheet 3").await;
    let count = app.expect_total("scrapsi445", 2).await;
    assert_eq!(count["paper"], 2);
}
