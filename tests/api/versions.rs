//! The text signers were given: once someone has signed, a change to a campaign's text makes
//! its next version, the one replaced is kept and readable, and every signature, export and
//! hand-in says which version it signed.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, fields_of, spawn_app};

const SLUG: &str = "scrapsi445";

async fn edit(app: &TestApp, token: &str, changes: Value) -> Value {
    let response = app
        .patch_json(&format!("/v1/campaigns/{SLUG}"), &changes, token)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn sign(app: &TestApp, body: Value) -> reqwest::Response {
    app.sign(SLUG, &body).await
}

/// Each signature's text version, by email.
async fn versions_signed(app: &TestApp, token: &str) -> Vec<(String, i64)> {
    let listed = app
        .get_json(&format!("/v1/campaigns/{SLUG}/signatures"), Some(token))
        .await;
    let mut found: Vec<(String, i64)> = listed["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["email"].as_str().unwrap().to_owned(),
                s["text_version"].as_i64().unwrap(),
            )
        })
        .collect();
    found.sort();
    found
}

#[tokio::test]
async fn a_text_changed_after_signing_becomes_a_new_version_that_earlier_signers_do_not_get() {
    let app = spawn_app().await;
    let token = app
        .open_campaign_with(json!({"require_confirmation": false}))
        .await;
    // Before anyone signs, the text changes in place.
    let edited = edit(
        &app,
        &token,
        json!({"summary": "SI 445 removed protections from children in care."}),
    )
    .await;
    assert_eq!(edited["text"], json!({"version": 1, "changed_at": null}));
    let first = json!({"name": "Siân Lloyd", "email": "sian@example.org"});
    assert!(sign(&app, first).await.status().is_success());

    // After, a change to the text is version 2; what Siân signed is kept whole.
    let old_body = app.get_json(&format!("/v1/campaigns/{SLUG}"), None).await["body"].clone();
    let edited = edit(
        &app,
        &token,
        json!({"body": "We call on the Secretary of State to revoke SI 445 **now**."}),
    )
    .await;
    assert_eq!(edited["text"]["version"], 2);
    let changed_at = edited["text"]["changed_at"].as_str().unwrap().to_owned();
    assert!(chrono::DateTime::parse_from_rfc3339(&changed_at).is_ok());
    // A change to anything but the text makes no version.
    let edited = edit(&app, &token, json!({"target": 200000})).await;
    assert_eq!(edited["text"]["version"], 2);

    // New signers are given version 2; one who loaded the page before the change says so.
    let second = json!({"name": "Gwen Morgan", "email": "gwen@example.org"});
    assert!(sign(&app, second).await.status().is_success());
    let earlier = json!({"name": "Rhys Evans", "email": "rhys@example.org", "text_version": 1});
    assert!(sign(&app, earlier).await.status().is_success());
    for (version, field) in [(json!(3), "text_version"), (json!(0), "text_version")] {
        let refused = sign(
            &app,
            json!({"name": "Dai Jones", "email": "dai@example.org", field: version}),
        )
        .await;
        let problem = assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
        assert_eq!(fields_of(&problem), vec!["text_version"]);
    }
    assert_eq!(
        versions_signed(&app, &token).await,
        [
            ("gwen@example.org".to_owned(), 2),
            ("rhys@example.org".to_owned(), 1),
            ("sian@example.org".to_owned(), 1)
        ]
    );

    // Every version, oldest first, with how many signed it; who replaced one, to organisers.
    let public = app
        .get_json(&format!("/v1/campaigns/{SLUG}/versions"), None)
        .await;
    let versions = public["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0]["version"], 1);
    assert_eq!(versions[0]["body"], old_body);
    assert_eq!(
        versions[0]["summary"],
        "SI 445 removed protections from children in care."
    );
    assert_eq!(versions[0]["until"], json!(changed_at));
    assert_eq!(versions[0]["signed"], 2);
    assert_eq!(versions[0]["current"], false);
    assert!(versions[0].get("replaced_by").is_none(), "{public}");
    assert_eq!(versions[1]["version"], 2);
    assert_eq!(versions[1]["from"], json!(changed_at));
    assert_eq!(versions[1]["until"], Value::Null);
    assert_eq!(versions[1]["signed"], 1);
    assert_eq!(versions[1]["current"], true);
    let owned = app
        .get_json(&format!("/v1/campaigns/{SLUG}/versions"), Some(&token))
        .await;
    assert_eq!(
        owned["versions"][0]["replaced_by"],
        "organiser@article39.example"
    );

    // The export names each signature's version.
    let export = app
        .get(
            &format!("/v1/campaigns/{SLUG}/signatures/export?format=csv"),
            Some(&token),
        )
        .await
        .text()
        .await
        .unwrap();
    let header: Vec<&str> = export.lines().next().unwrap().split(',').collect();
    let column = header.iter().position(|c| *c == "text_version").unwrap();
    let mut cells: Vec<&str> = export
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(column).unwrap())
        .collect();
    cells.sort();
    assert_eq!(cells, ["1", "1", "2"]);

    // The page says when the text last changed and links the earlier version, which has
    // a page of its own; the current one, or one that never was, has none.
    let page = app
        .get(&format!("/c/{SLUG}"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Last changed on"), "{page}");
    assert!(
        page.contains(&format!(
            "href=\"/c/{SLUG}/versions/1\">version 1 (signed by 2)</a>"
        )),
        "{page}"
    );
    let earlier = app.get(&format!("/c/{SLUG}/versions/1"), None).await;
    assert_eq!(earlier.status(), StatusCode::OK);
    let earlier = earlier.text().await.unwrap();
    assert!(
        earlier.contains("This is version 1 of this campaign"),
        "{earlier}"
    );
    assert!(earlier.contains("2 signatures keep it."), "{earlier}");
    assert!(
        earlier.contains("Statutory Instrument 445")
            || earlier.contains("revoke SI 445 and restore"),
        "{earlier}"
    );
    assert!(!earlier.contains("<strong>now</strong>"), "{earlier}");
    let welsh = app
        .get(&format!("/c/{SLUG}/versions/1?lang=cy"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(welsh.contains("Dyma fersiwn 1"), "{welsh}");
    for missing in ["2", "3", "0", "abc"] {
        let answered = app
            .get(&format!("/c/{SLUG}/versions/{missing}"), None)
            .await;
        assert_eq!(
            answered.status(),
            StatusCode::NOT_FOUND,
            "version {missing}"
        );
    }

    // The change is in the audit log, with what changed and who changed it.
    let admin = app.organiser("admin@article39.example", true).await;
    let entries = app.audit_entries(&admin).await;
    let changed: Vec<&Value> = entries
        .iter()
        .filter(|e| e["action"] == "campaign_text_changed")
        .collect();
    assert_eq!(changed.len(), 1, "{entries:#?}");
    let detail = changed[0]["detail"].as_str().unwrap();
    assert!(
        detail.contains("(body)") && detail.contains("version 2 replaced version 1"),
        "{detail}"
    );

    // A hand-in says which version each count signed.
    let handin = app
        .post_json(
            &format!("/v1/campaigns/{SLUG}/handins"),
            &json!({}),
            Some(&token),
        )
        .await;
    assert_eq!(handin.status(), StatusCode::CREATED);
    let handin: Value = handin.json().await.unwrap();
    let bundle = app
        .get(
            &format!(
                "/v1/campaigns/{SLUG}/handins/{}",
                handin["id"].as_str().unwrap()
            ),
            Some(&token),
        )
        .await
        .bytes()
        .await
        .unwrap();
    let files = crate::handins::unzip(&bundle);
    let manifest: Value =
        serde_json::from_slice(&files.iter().find(|(n, _)| n == "manifest.json").unwrap().1)
            .unwrap();
    assert_eq!(manifest["campaign"]["text_version"], 2);
    let by_version: Vec<(i64, i64)> = manifest["counts"]["by_text_version"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["version"].as_i64().unwrap(),
                v["signed"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(by_version, [(1, 2), (2, 1)]);
}

#[tokio::test]
async fn an_organiser_is_asked_before_the_text_changes_under_signers_and_the_public_reads_each_version()
 {
    let app = spawn_app().await;
    app.open_campaign_with(json!({"require_confirmation": false}))
        .await;
    let signer = json!({"name": "Siân Lloyd", "email": "sian@example.org"});
    assert!(sign(&app, signer).await.status().is_success());
    let Some(browser) = crate::browser::browser().await else {
        return;
    };
    let axe = crate::console::axe_source();
    let axe = axe.as_deref();
    let client = &browser.client;
    crate::browser::viewport(client, 1280, 900).await;
    crate::console::log_in(
        client,
        &app.address,
        "organiser@article39.example",
        "Scrap SI 445",
    )
    .await;
    client
        .goto(&app.url(&format!("/console/#/c/{SLUG}/edit")))
        .await
        .unwrap();
    crate::console::wait_screen(client, "Edit: Scrap SI 445").await;
    crate::console::fill(
        client,
        "field-title",
        "Scrap SI 445: give children in care their rights back",
    )
    .await;
    crate::console::press(client, "Save changes").await;
    // Someone has signed: saving says what it means, and going back changes nothing.
    crate::console::answer_dialog(client, "Save the text as version 2?", "Cancel").await;
    let unchanged = app.get_json(&format!("/v1/campaigns/{SLUG}"), None).await;
    assert_eq!(unchanged["text"]["version"], 1);
    crate::console::press(client, "Save changes").await;
    let said = crate::browser::wait_visible(client, "dialog[open]")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        said.contains("1 person has signed version 1. Their signatures keep it"),
        "{said}"
    );
    crate::console::answer_dialog(client, "Save the text as version 2?", "Save as version 2").await;
    crate::console::wait_text(client, "#status", "Your changes are saved.").await;
    let changed = app.get_json(&format!("/v1/campaigns/{SLUG}"), None).await;
    assert_eq!(changed["text"]["version"], 2);
    assert_eq!(
        changed["title"],
        "Scrap SI 445: give children in care their rights back"
    );
    // The edit screen lists the versions, each with who replaced it.
    client
        .goto(&app.url(&format!("/console/#/c/{SLUG}/edit")))
        .await
        .unwrap();
    crate::console::wait_text(
        client,
        "ul.versions",
        "replaced by organiser@article39.example",
    )
    .await;
    crate::console::check_screen(client, axe, "console-versions").await;

    // The public page says the text changed and links the version Siân signed.
    client.goto(&app.url(&format!("/c/{SLUG}"))).await.unwrap();
    crate::console::wait_text(client, ".text-history", "Last changed on").await;
    crate::browser::click(client, ".text-history a").await;
    crate::console::wait_text(
        client,
        "h1",
        "Scrap SI 445: reinstate children's rights in care",
    )
    .await;
    crate::console::wait_text(client, ".preview-banner", "This is version 1").await;
    crate::console::check_screen(client, axe, "page-version").await;
}
