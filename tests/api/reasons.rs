//! Reasons for signing: invited by the campaign, held for the organisers, shown once approved
//! (with a first name and constituency, or with nothing, as the signer chose), reported by
//! anyone, never asked of a young signer, and gone with the signer's data.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{assert_problem, fields_of, spawn_app};

#[tokio::test]
async fn a_reason_is_shown_only_once_approved_and_never_for_a_young_signer() {
    let app = spawn_app().await;
    let token = app
        .open_campaign_with(
            json!({"require_confirmation": false, "invite_reasons": true, "young_signers": true}),
        )
        .await;
    let campaign = app.get_json("/v1/campaigns/scrapsi445", None).await;
    assert_eq!(campaign["invite_reasons"], true);
    let form = app.get("/c/scrapsi445", None).await.text().await.unwrap();
    assert!(
        form.contains("name=\"reason\""),
        "the form invites a reason"
    );

    let adult = json!({"name": "Gwenllian Pryce", "email": "gwen@example.org", "postcode": "LL57 2DG",
        "age_band": "18-plus", "reason": "I grew up in care.\nEvery child deserves <b>this</b>.",
        "reason_shown_as": "name"});
    assert_eq!(
        app.sign("scrapsi445", &adult).await.status(),
        StatusCode::ACCEPTED
    );
    let quiet = json!({"name": "Rhys Owen", "email": "rhys@example.org", "age_band": "18-plus",
        "reason": "=HYPERLINK(\"http://x\")"});
    assert_eq!(
        app.sign("scrapsi445", &quiet).await.status(),
        StatusCode::ACCEPTED
    );
    // Not asked of a young signer.
    let young = json!({"name": "Twm", "email": "twm@example.org", "age_band": "13-15",
        "reason": "Because"});
    let refused = app.sign("scrapsi445", &young).await;
    let problem = assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(fields_of(&problem), vec!["reason"]);
    app.expect_total("scrapsi445", 2).await;

    // Held: nothing public yet.
    let public = app.get_json("/v1/campaigns/scrapsi445/reasons", None).await;
    assert_eq!(public["reasons"], json!([]));
    let held = app
        .get_json(
            "/v1/campaigns/scrapsi445/reasons?review=pending",
            Some(&token),
        )
        .await;
    let held = held["reasons"].as_array().unwrap();
    assert_eq!(held.len(), 2);
    let gwen = held
        .iter()
        .find(|r| r["name"] == "Gwenllian Pryce")
        .unwrap();
    let id = gwen["id"].as_str().unwrap().to_owned();
    let rhys = held.iter().find(|r| r["name"] == "Rhys Owen").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    for (reason, body) in [
        (&id, json!({"review": "approved", "featured": true})),
        (&rhys, json!({"review": "approved"})),
    ] {
        let decided = app
            .patch_json(
                &format!("/v1/campaigns/scrapsi445/reasons/{reason}"),
                &body,
                &token,
            )
            .await;
        assert_eq!(decided.status(), StatusCode::OK);
    }
    let public = app.get_json("/v1/campaigns/scrapsi445/reasons", None).await;
    let shown = public["reasons"].as_array().unwrap();
    assert_eq!(shown.len(), 2);
    // Featured first; a first name and constituency for the one who chose them, nothing for
    // the other; never a surname, an email or a postcode.
    assert_eq!(shown[0]["id"], id.as_str());
    assert_eq!(shown[0]["first_name"], "Gwenllian");
    assert_eq!(shown[0]["constituency"], "Bangor Aberconwy");
    assert!(
        shown[0]["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/c/scrapsi445#reason-{id}"))
    );
    assert_eq!(shown[1]["first_name"], Value::Null);
    assert_eq!(shown[1]["constituency"], Value::Null);
    let text = public.to_string();
    for private in ["Pryce", "gwen@example.org", "LL57"] {
        assert!(!text.contains(private), "{private} in {text}");
    }

    // On the page, escaped.
    let page = app.get("/c/scrapsi445", None).await.text().await.unwrap();
    assert!(page.contains("Why people signed"));
    assert!(page.contains(&format!("id=\"reason-{id}\"")));
    assert!(page.contains("Every child deserves &lt;b&gt;this&lt;/b&gt;."));
    assert!(!page.contains("<b>this</b>"));

    // The hand-in carries the featured reason, as the page shows it.
    let files = crate::handins::hand_in_now(&app, &token, "scrapsi445").await;
    let reasons_csv = &files.iter().find(|(n, _)| n == "reasons.csv").unwrap().1;
    assert_eq!(
        crate::handins::csv_rows(reasons_csv),
        vec![vec![
            "I grew up in care.\nEvery child deserves <b>this</b>.".to_owned(),
            "Gwenllian".to_owned(),
            "Bangor Aberconwy".to_owned()
        ]]
    );

    // Anyone may report one; the organisers see how often.
    let reported = app
        .post_json(
            &format!("/v1/campaigns/scrapsi445/reasons/{rhys}/report"),
            &json!({}),
            None,
        )
        .await;
    assert_eq!(reported.status(), StatusCode::ACCEPTED);
    let all = app
        .get_json("/v1/campaigns/scrapsi445/reasons?review=all", Some(&token))
        .await;
    let rhys_now = all["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == rhys.as_str())
        .unwrap()
        .clone();
    assert_eq!(rhys_now["reports"], 1);

    // Rejected, it is gone from public view.
    app.patch_json(
        &format!("/v1/campaigns/scrapsi445/reasons/{rhys}"),
        &json!({"review": "rejected"}),
        &token,
    )
    .await;
    let public = app.get_json("/v1/campaigns/scrapsi445/reasons", None).await;
    assert_eq!(public["reasons"].as_array().unwrap().len(), 1);

    // Erasing a signer erases their reason.
    app.erase_signature(&token, "scrapsi445", &id).await;
    let public = app.get_json("/v1/campaigns/scrapsi445/reasons", None).await;
    assert_eq!(public["reasons"], json!([]));
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM signature_reasons WHERE text LIKE $1",
            "%grew up%"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn reasons_are_refused_where_not_invited_and_moderated_only_by_the_organisers() {
    let app = spawn_app().await;
    let token = app
        .open_campaign_with(json!({"require_confirmation": false}))
        .await;
    let body = json!({"name": "Siân", "email": "sian@example.org", "reason": "Because"});
    let refused = app.sign("scrapsi445", &body).await;
    let problem = assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(fields_of(&problem), vec!["reason"]);
    let patched = app
        .patch_json(
            "/v1/campaigns/scrapsi445",
            &json!({"invite_reasons": true}),
            &token,
        )
        .await;
    assert_eq!(patched.status(), StatusCode::OK);
    for (bad, field) in [
        (json!({"reason": "x".repeat(501)}), "reason"),
        (json!({"reason": "a\u{0007}b"}), "reason"),
        (
            json!({"reason": "ok", "reason_shown_as": "everyone"}),
            "reason_shown_as",
        ),
    ] {
        let mut body = json!({"name": "Siân", "email": "sian@example.org"});
        crate::helpers::merge(&mut body, bad);
        let refused = app.sign("scrapsi445", &body).await;
        let problem = assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
        assert_eq!(fields_of(&problem), vec![field]);
    }
    app.expect_total("scrapsi445", 0).await;
    let welsh = json!({"name": "Siân", "email": "sian@example.org", "reason": "Mae pob plentyn yn haeddu llais 🌈"});
    assert_eq!(
        app.sign("scrapsi445", &welsh).await.status(),
        StatusCode::ACCEPTED
    );

    let anyone = app
        .get("/v1/campaigns/scrapsi445/reasons?review=pending", None)
        .await;
    assert_eq!(anyone.status(), StatusCode::UNAUTHORIZED);
    let other = app.organiser("someone@else.example", false).await;
    let theirs = app
        .get(
            "/v1/campaigns/scrapsi445/reasons?review=pending",
            Some(&other),
        )
        .await;
    assert_eq!(theirs.status(), StatusCode::NOT_FOUND);
    let held = app
        .get_json(
            "/v1/campaigns/scrapsi445/reasons?review=pending",
            Some(&token),
        )
        .await;
    let id = held["reasons"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        held["reasons"][0]["text"],
        "Mae pob plentyn yn haeddu llais 🌈"
    );
    let path = format!("/v1/campaigns/scrapsi445/reasons/{id}");
    let not_theirs = app
        .patch_json(&path, &json!({"review": "approved"}), &other)
        .await;
    assert_eq!(not_theirs.status(), StatusCode::NOT_FOUND);
    let bad = app
        .patch_json(&path, &json!({"review": "maybe"}), &token)
        .await;
    assert_problem(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    let nothing = app.patch_json(&path, &json!({}), &token).await;
    assert_problem(nothing, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    // A held reason cannot be reported: it is not shown.
    let report = app
        .post_json(&format!("{path}/report"), &json!({}), None)
        .await;
    assert_eq!(report.status(), StatusCode::NOT_FOUND);
    let public = app.get_json("/v1/campaigns/scrapsi445/reasons", None).await;
    assert_eq!(public["reasons"], json!([]));
}

/// In the console, a reason is read and approved; on the page it is then shown, checked with
/// axe at desktop and phone widths.
#[tokio::test]
async fn an_organiser_approves_a_reason_in_the_console_and_it_shows_on_the_page() {
    use crate::console::{axe_source, check_screen, log_in, press, wait_screen, wait_text};
    let Some(browser) = crate::browser::browser().await else {
        return;
    };
    let axe = axe_source();
    let app = spawn_app().await;
    app.open_campaign_with(json!({"require_confirmation": false, "invite_reasons": true}))
        .await;
    let body = json!({"name": "Gwenllian Pryce", "email": "gwen@example.org", "postcode": "LL57 2DG",
        "reason": "I grew up in care, and the protections this order removed were what kept me safe.",
        "reason_shown_as": "name"});
    assert_eq!(
        app.sign("scrapsi445", &body).await.status(),
        StatusCode::ACCEPTED
    );
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
        .goto(&format!(
            "{}/console/#/c/scrapsi445/signatures",
            app.address
        ))
        .await
        .unwrap();
    wait_screen(client, "Signatures").await;
    wait_text(client, "ul.reasons-list", "kept me safe").await;
    check_screen(client, axe.as_deref(), "console-reasons").await;
    press(client, "Approve the reason from Gwenllian Pryce").await;
    wait_text(client, "#status", "Approved").await;
    let public = app.get_json("/v1/campaigns/scrapsi445/reasons", None).await;
    assert_eq!(public["reasons"][0]["first_name"], "Gwenllian");

    // The page is kept for a few seconds: wait for the one built after the approval.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let page = app.get("/c/scrapsi445", None).await.text().await.unwrap();
        if page.contains("kept me safe") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the reason never showed on the page"
        );
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    client
        .goto(&format!("{}/c/scrapsi445#reasons-title", app.address))
        .await
        .unwrap();
    wait_text(client, "section.reasons", "Gwenllian, Bangor Aberconwy").await;
    check_screen(client, axe.as_deref(), "page-reasons").await;
}
