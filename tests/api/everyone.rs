//! Everyone can sign: in Welsh, as a young person (a child with a parent's agreement), and
//! with proof of work instead of a CAPTCHA company, or held for review without JavaScript.

use base64::Engine;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, fields_of, spawn_app};
use crate::partners::create_partner;
use crate::smtp::{recipient_of, subject_of, text_of, token_in};

const SLUG: &str = "scrapsi445";

/// A solution to a fresh challenge from the service, as ALTCHA's widget sends it.
async fn solved_challenge(app: &TestApp) -> String {
    let response = app.get("/v1/altcha/challenge", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let challenge: Value = response.json().await.unwrap();
    for key in ["algorithm", "challenge", "salt", "signature", "maxnumber"] {
        assert!(challenge.get(key).is_some(), "the challenge has {key}");
    }
    assert_eq!(challenge["algorithm"], "SHA-256");
    let number = altcha_lib_rs::solve_challenge(
        challenge["challenge"].as_str().unwrap(),
        challenge["salt"].as_str().unwrap(),
        None,
        challenge["maxnumber"].as_u64(),
        0,
    )
    .unwrap();
    let payload = json!({
        "algorithm": "SHA-256",
        "challenge": challenge["challenge"],
        "number": number,
        "salt": challenge["salt"],
        "signature": challenge["signature"],
    });
    base64::engine::general_purpose::STANDARD.encode(payload.to_string())
}

/// Ffion signs with a solved challenge; the solution, spent.
async fn sign_with_a_solution(app: &TestApp) -> String {
    let altcha = solved_challenge(app).await;
    let signed = app
        .sign(
            SLUG,
            &json!({"name": "Ffion", "email": "ffion@example.org", "altcha": altcha}),
        )
        .await;
    assert_eq!(signed.status(), StatusCode::ACCEPTED);
    altcha
}

/// A second signing with a spent solution is refused, naming the field; the problem.
async fn assert_replay_refused(app: &TestApp, altcha: &str) -> Value {
    let replay = app
        .sign(
            SLUG,
            &json!({"name": "Bot", "email": "bot@example.org", "altcha": altcha}),
        )
        .await;
    let problem = assert_problem(replay, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(fields_of(&problem), ["altcha"]);
    problem
}

#[tokio::test]
async fn a_spent_challenge_is_kept_until_it_expires_then_the_sweep_forgets_it() {
    use chrono::{Duration, Utc};
    let app = spawn_app().await;
    app.open_campaign_with(json!({"require_confirmation": false, "require_proof_of_work": true}))
        .await;
    let altcha = sign_with_a_solution(&app).await;
    // One spent an hour ago, long expired.
    assert!(
        app.store
            .spend_challenge("an-expired-challenge", Utc::now() - Duration::hours(1))
            .await
            .unwrap()
    );
    let spent = "SELECT COUNT(*) FROM spent_challenges WHERE challenge <> $1";
    assert_eq!(app.scalar(spent, "").await, 2);

    app.purge();
    // The expired one is gone; the live one stays, and its replay is still refused.
    assert_eq!(app.scalar(spent, "an-expired-challenge").await, 1);
    assert_eq!(app.scalar(spent, "").await, 1);
    assert_replay_refused(&app, &altcha).await;
    app.expect_total(SLUG, 1).await;
}

async fn post_form(app: &TestApp, fields: &[(&str, &str)]) -> (StatusCode, String) {
    let response = app
        .client
        .post(app.url(&format!("/embed/{SLUG}")))
        .form(fields)
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

#[tokio::test]
async fn proof_of_work_is_asked_spent_once_and_not_asked_of_partners_or_plain_forms() {
    let app = spawn_app().await;
    let token = app
        .open_campaign_with(json!({"require_confirmation": false, "require_proof_of_work": true}))
        .await;
    let campaign = app.get_json(&format!("/v1/campaigns/{SLUG}"), None).await;
    assert_eq!(campaign["require_proof_of_work"], true);

    // Missing: refused, naming the field, and nothing stored.
    let missing = app
        .sign(
            SLUG,
            &json!({"name": "Ffion", "email": "ffion@example.org"}),
        )
        .await;
    let problem = assert_problem(missing, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(fields_of(&problem), ["altcha"]);
    // Wrong: not a solution of ours.
    let wrong = app
        .sign(
            SLUG,
            &json!({"name": "Ffion", "email": "ffion@example.org", "altcha": "eyJmb28iOjF9"}),
        )
        .await;
    assert_problem(wrong, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(app.signatures_with_email("ffion@example.org").await, 0);

    // Solved: counted. The same solution again is a replay, refused.
    let altcha = sign_with_a_solution(&app).await;
    app.expect_total(SLUG, 1).await;
    let problem = assert_replay_refused(&app, &altcha).await;
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("used already")
    );

    // A partner's server owes none.
    let key = create_partner(&app, &token, SLUG, "nyas").await["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let partner = app
        .post_json(
            &format!("/v1/campaigns/{SLUG}/signatures"),
            &json!({"name": "Carys", "email": "carys@example.org"}),
            Some(&key),
        )
        .await;
    assert_eq!(partner.status(), StatusCode::ACCEPTED);
    app.expect_total(SLUG, 2).await;

    // A plain form post (no JavaScript, so no solution) signs, held for review: stored, not
    // counted, until the organiser approves it.
    let (status, html) = post_form(
        &app,
        &[
            ("name", "Dafydd"),
            ("email", "dafydd@example.org"),
            ("consent_version", "1"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("check signatures sent without JavaScript"),
        "{html}"
    );
    let stored = app
        .texts(
            "SELECT review, status FROM signatures WHERE email = $1",
            "dafydd@example.org",
        )
        .await;
    assert_eq!(
        stored,
        vec![vec![Some("held".to_owned()), Some("confirmed".to_owned())]]
    );
    app.expect_total(SLUG, 2).await;
    let listed = app
        .get_json(&format!("/v1/campaigns/{SLUG}/signatures"), Some(&token))
        .await;
    let held = listed["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["review"] == "held")
        .expect("the held signature is listed for its organiser")
        .clone();
    let path = format!(
        "/v1/campaigns/{SLUG}/signatures/{}",
        held["id"].as_str().unwrap()
    );
    // Holding is the service's doing, never an organiser's decision.
    let refused = app
        .patch_json(&path, &json!({"review": "held"}), &token)
        .await;
    assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    let approved = app
        .patch_json(&path, &json!({"review": "approved"}), &token)
        .await;
    assert_eq!(approved.status(), StatusCode::OK);
    app.expect_total(SLUG, 3).await;
}

/// A petition for children and young people to sign.
async fn young_campaign(app: &TestApp) -> String {
    app.open_campaign_with(json!({
        "require_confirmation": false,
        "young_signers": true,
        "young_retention_days": 10,
    }))
    .await
}

#[tokio::test]
async fn young_signers_give_an_age_band_and_are_kept_private() {
    let app = spawn_app().await;
    let token = young_campaign(&app).await;
    let campaign = app
        .get_json(&format!("/v1/campaigns/{SLUG}"), Some(&token))
        .await;
    assert_eq!(campaign["young_signers"], true);
    assert_eq!(campaign["young_retention_days"], 10);

    let missing = app
        .sign(
            SLUG,
            &json!({"name": "Osian", "email": "osian@example.org"}),
        )
        .await;
    let problem = assert_problem(missing, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(fields_of(&problem), ["age_band"]);
    let wrong = app
        .sign(
            SLUG,
            &json!({"name": "Osian", "email": "osian@example.org", "age_band": "12"}),
        )
        .await;
    assert_problem(wrong, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;

    // A 14-year-old ticks both boxes: neither is kept, and only the postcode district is.
    let teen = app
        .sign(
            SLUG,
            &json!({
                "name": "Osian Jones", "email": "osian@example.org", "age_band": "13-15",
                "public": true, "contact": true, "postcode": "CF10 1AA",
            }),
        )
        .await;
    assert_eq!(teen.status(), StatusCode::ACCEPTED);
    let stored = app
        .texts(
            "SELECT age_band, postcode, CAST(public AS TEXT), CAST(contact AS TEXT) \
             FROM signatures WHERE email = $1",
            "osian@example.org",
        )
        .await;
    let row = &stored[0];
    assert_eq!(row[0].as_deref(), Some("13-15"));
    assert_eq!(row[1].as_deref(), Some("CF10"));
    assert!(matches!(row[2].as_deref(), Some("0" | "false")), "{row:?}");
    assert!(matches!(row[3].as_deref(), Some("0" | "false")), "{row:?}");
    // Counted at once (the campaign asks adults for no confirmation), never listed, and
    // below ten the public learns only that fewer than ten children signed.
    let count = app.expect_total(SLUG, 1).await;
    assert_eq!(count["young_signers"], "fewer than 10");
    let page = app
        .get(&format!("/c/{SLUG}"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Fewer than 10 children and young people signed"),
        "{page}"
    );
    let signatories = app
        .get_json(&format!("/v1/campaigns/{SLUG}/signatories"), None)
        .await;
    assert!(!signatories.to_string().contains("Osian"));
    // The export gives the organiser the band, and never a contact consent.
    let export = app
        .get(
            &format!("/v1/campaigns/{SLUG}/signatures/export?format=ndjson"),
            Some(&token),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(export.contains("\"contact\":false"), "{export}");

    // An adult on the same campaign keeps their choices.
    let adult = app
        .sign(
            SLUG,
            &json!({
                "name": "Siân Evans", "email": "sian@example.org", "age_band": "18-plus",
                "public": true, "postcode": "CF10 1AA",
            }),
        )
        .await;
    assert_eq!(adult.status(), StatusCode::ACCEPTED);
    let stored = app
        .texts(
            "SELECT postcode FROM signatures WHERE email = $1",
            "sian@example.org",
        )
        .await;
    assert_eq!(stored[0][0].as_deref(), Some("CF10 1AA"));
    let count = app.expect_total(SLUG, 2).await;
    // Bands of fewer than ten are folded into one, itself shown only as "fewer than 10".
    let few = json!([{"key": "other", "count": "fewer than 10"}]);
    assert_eq!(count["by_age_band"], few);
    let tally = app
        .get_json(&format!("/v1/campaigns/{SLUG}/tally"), None)
        .await;
    assert_eq!(tally["by_age_band"], few);
    // From ten, each figure is shown as it is.
    for i in 0..10 {
        let body = json!({"name": format!("Teen {i}"), "email": format!("teen{i}@example.org"),
            "age_band": "16-17"});
        assert_eq!(app.sign(SLUG, &body).await.status(), StatusCode::ACCEPTED);
    }
    let count = app.expect_total(SLUG, 12).await;
    assert_eq!(count["young_signers"], 11);
    assert_eq!(
        count["by_age_band"],
        json!([{"key": "16-17", "count": 10}, {"key": "other", "count": "fewer than 10"}])
    );
    let page = app
        .get(&format!("/c/{SLUG}"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("11 children and young people signed"),
        "{page}"
    );

    // An age band on a campaign that does not ask is refused; young signers on a pledge too.
    let other = app
        .create_campaign(&token, json!({"slug": "adults-only"}))
        .await;
    assert_eq!(other["young_signers"], false);
    let refused = app
        .post_json(
            "/v1/campaigns",
            &json!({"slug": "young-pledge", "kind": "pledge", "title": "T", "summary": "S",
                    "body": "B", "young_signers": true}),
            Some(&token),
        )
        .await;
    let problem = assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(fields_of(&problem), ["young_signers"]);
}

#[tokio::test]
async fn a_child_under_13_counts_once_a_parent_confirms() {
    let app = spawn_app().await;
    young_campaign(&app).await;
    let child = app
        .sign(
            SLUG,
            &json!({"name": "Elis", "email": "parent@example.org", "age_band": "under-13",
                    "contact": true}),
        )
        .await;
    assert_eq!(child.status(), StatusCode::ACCEPTED);
    let body: Value = child.json().await.unwrap();
    assert_eq!(body["confirmation_required"], true);
    assert_eq!(body["parent_confirms"], true);
    // Pending, although adults on this campaign need no confirmation.
    app.expect_count(SLUG, 0, 1).await;
    let messages = app.outbox_messages(1).await;
    let message = &messages[0];
    assert_eq!(recipient_of(message), "parent@example.org");
    assert!(
        subject_of(message).contains("Your child asked to sign"),
        "{}",
        subject_of(message)
    );
    let text = text_of(message);
    assert!(text.contains("parent's or carer's"), "{text}");
    // Named by their first name, with how long what is kept of them is kept.
    assert!(
        text.contains("Elis would like to add their name to “Scrap SI 445"),
        "{text}"
    );
    assert!(
        text.contains("We delete what we keep of them 10 days after the campaign closes."),
        "{text}"
    );
    assert!(
        crate::smtp::html_of(message).contains("Elis would like to add their name"),
        "{message}"
    );
    let confirm = token_in(&text, "confirm").expect("a confirmation link");
    let confirmed = app
        .post_json("/v1/signatures/confirm", &json!({"token": confirm}), None)
        .await;
    assert_eq!(confirmed.status(), StatusCode::OK);
    let count = app.expect_count(SLUG, 1, 0).await;
    assert_eq!(count["young_signers"], "fewer than 10");
}

#[tokio::test]
async fn a_signer_in_welsh_reads_the_form_and_their_email_in_welsh() {
    let app = spawn_app().await;
    app.open_campaign_with(json!({
        "translations": {"cy": {"title": "Diddymu OS 445: adfer hawliau plant mewn gofal"}},
    }))
    .await;
    let campaign = app.get_json(&format!("/v1/campaigns/{SLUG}"), None).await;
    assert_eq!(campaign["lang"], "en");
    assert_eq!(
        campaign["translations"]["cy"]["title"],
        "Diddymu OS 445: adfer hawliau plant mewn gofal"
    );

    // The form in each language: by ?lang=, and by Accept-Language.
    for (path, accept, lang) in [
        ("/embed/scrapsi445?lang=cy", "en", "cy"),
        ("/embed/scrapsi445?lang=en", "cy", "en"),
        ("/embed/scrapsi445", "cy-GB,en;q=0.5", "cy"),
        ("/embed/scrapsi445", "en-GB", "en"),
    ] {
        let html = app
            .client
            .get(app.url(path))
            .header("Accept-Language", accept)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            html.contains(&format!("<html lang=\"{lang}\">")),
            "{path} {accept}"
        );
        assert!(!html.contains("[["), "{path}: a message is missing");
        assert!(html.contains(&format!("name=\"lang\" value=\"{lang}\"")));
        if lang == "cy" {
            assert!(html.contains("Diddymu OS 445"));
            assert!(html.contains("Llofnodi</button>"));
            // The summary has no Welsh: it is shown in English, and marked so.
            assert!(html.contains("<p class=\"summary\" lang=\"en\">"));
            assert!(html.contains("hreflang=\"en\""), "the switch to English");
            // The standard consent words, in Welsh; the signer agrees to words they read.
            assert!(html.contains("Dangos fy enw ar y rhestr gyhoeddus o bobl a lofnododd."));
            assert!(html.contains("gwaith arall gan Together for Children"));
        } else {
            assert!(html.contains("Sign</button>"));
            assert!(html.contains("Show my name on the public list of people who signed."));
            assert!(html.contains("hreflang=\"cy\""), "the switch to Welsh");
        }
    }

    // Signing in Welsh: the email is in Welsh, with the Welsh title, and its pages too.
    let signed = app
        .sign(
            SLUG,
            &json!({"name": "Gwen", "email": "gwen@example.org", "lang": "cy"}),
        )
        .await;
    assert_eq!(signed.status(), StatusCode::ACCEPTED);
    let stored = app
        .texts(
            "SELECT lang FROM signatures WHERE email = $1",
            "gwen@example.org",
        )
        .await;
    assert_eq!(stored[0][0].as_deref(), Some("cy"));
    let messages = app.outbox_messages(1).await;
    let message = &messages[0];
    assert!(
        subject_of(message).starts_with("Cadarnhewch eich llofnod"),
        "{}",
        subject_of(message)
    );
    let text = text_of(message);
    assert!(text.contains("Diddymu OS 445"), "{text}");
    assert!(text.contains("Helo Gwen"), "{text}");
    let confirm = token_in(&text, "confirm").expect("a confirmation link");
    assert!(
        text.contains(&format!("/confirm/{confirm}?lang=cy")),
        "{text}"
    );
    for (path, lang) in [
        (format!("/confirm/{confirm}?lang=cy"), "cy"),
        (format!("/confirm/{confirm}?lang=en"), "en"),
    ] {
        let html = app.get(&path, None).await.text().await.unwrap();
        assert!(html.contains(&format!("<html lang=\"{lang}\">")));
        assert!(!html.contains("[["), "{path}: a message is missing");
    }
    let page = app
        .client
        .post(app.url(&format!("/confirm/{confirm}?lang=cy")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Diolch: mae eich llofnod wedi&#39;i gadarnhau"),
        "{page}"
    );

    // Without `lang`, the browser's language is the signer's.
    app.client
        .post(app.url(&format!("/v1/campaigns/{SLUG}/signatures")))
        .header("Accept-Language", "cy")
        .json(&json!({"name": "Huw", "email": "huw@example.org"}))
        .send()
        .await
        .unwrap();
    let stored = app
        .texts(
            "SELECT lang FROM signatures WHERE email = $1",
            "huw@example.org",
        )
        .await;
    assert_eq!(stored[0][0].as_deref(), Some("cy"));

    // A translation into the campaign's own language conflicts with it; an unknown language
    // or an empty part is refused.
    let token = app.login("organiser@article39.example").await;
    let own = app
        .patch_json(
            &format!("/v1/campaigns/{SLUG}"),
            &json!({"translations": {"en": {"title": "x"}}}),
            &token,
        )
        .await;
    assert_problem(own, StatusCode::CONFLICT, "signer-settings-conflict").await;
    for (translations, field) in [
        (json!({"fr": {"title": "x"}}), "translations.fr"),
        (json!({"cy": {"title": ""}}), "translations.cy.title"),
    ] {
        let refused = app
            .patch_json(
                &format!("/v1/campaigns/{SLUG}"),
                &json!({"translations": translations}),
                &token,
            )
            .await;
        let problem = assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
        assert_eq!(fields_of(&problem), [field]);
    }
    // Its language changes only with translations that fit the new one.
    let relabelled = app
        .patch_json(
            &format!("/v1/campaigns/{SLUG}"),
            &json!({"lang": "cy"}),
            &token,
        )
        .await;
    assert_problem(relabelled, StatusCode::CONFLICT, "signer-settings-conflict").await;
    let swapped = app
        .patch_json(
            &format!("/v1/campaigns/{SLUG}"),
            &json!({"lang": "cy", "translations": {}}),
            &token,
        )
        .await;
    assert_eq!(swapped.status(), StatusCode::OK);
    let bad_lang = app
        .sign(
            SLUG,
            &json!({"name": "X", "email": "x@example.org", "lang": "fr"}),
        )
        .await;
    let problem = assert_problem(bad_lang, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(fields_of(&problem), ["lang"]);
}

#[tokio::test]
async fn every_page_a_signer_sees_renders_in_both_languages_with_no_missing_message() {
    let app = spawn_app().await;
    let token = app
        .open_campaign_with(json!({
            "kind": "letter", "recipient": "The Children's Minister",
            "translations": {"cy": {"title": "Llythyr at y Gweinidog Plant", "recipient": "Y Gweinidog Plant"}},
        }))
        .await;
    let created = app
        .create_campaign(
            &token,
            json!({"slug": "cymru", "lang": "cy", "title": "Ymgyrch Gymraeg"}),
        )
        .await;
    assert_eq!(created["lang"], "cy");
    app.open_campaign(&token, "cymru").await;
    for lang in ["en", "cy"] {
        for path in [
            "/",
            "/closed",
            "/c/scrapsi445",
            "/c/cymru",
            "/embed/cymru",
            "/c/no-such",
            "/c/scrapsi445/pledgers/0193a0a0-0000-7000-8000-000000000000",
            "/withdraw/not-a-token",
            "/unsubscribe/not-a-token",
        ] {
            let response = app.get(&format!("{path}?lang={lang}"), None).await;
            let vary = response
                .headers()
                .get("vary")
                .map(|v| v.to_str().unwrap().to_owned());
            let html = response.text().await.unwrap();
            assert!(
                html.contains(&format!("<html lang=\"{lang}\">")),
                "{path} in {lang}"
            );
            assert!(
                !html.contains("[["),
                "{path} in {lang}: a message is missing"
            );
            assert!(
                !html.contains("{$"),
                "{path} in {lang}: an argument is missing"
            );
            if path == "/c/scrapsi445" {
                // Kept in memory, gzipped too: it varies by encoding as well as language.
                assert_eq!(
                    vary.as_deref(),
                    Some("Accept-Language, Accept-Encoding"),
                    "{path}"
                );
            } else if path.starts_with("/c/scrapsi") {
                assert_eq!(vary.as_deref(), Some("Accept-Language"), "{path}");
            }
        }
    }
    let welsh = app
        .get("/c/scrapsi445?lang=cy", None)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        welsh.contains("<h1>Llythyr at y Gweinidog Plant</h1>"),
        "{welsh}"
    );
    assert!(welsh.contains("At: Y Gweinidog Plant"));
    assert!(welsh.contains("Rhannwch yr ymgyrch hon"));
    // The body has no Welsh: shown in English, marked so.
    assert!(welsh.contains("<div class=\"text\" lang=\"en\">"));
    // A campaign in Welsh opens in Welsh for a browser that asks for neither language.
    let own = app
        .client
        .get(app.url("/c/cymru"))
        .header("Accept-Language", "fr")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(own.contains("<html lang=\"cy\">"));
}

#[tokio::test]
async fn young_signers_data_is_erased_sooner_than_adults() {
    use chrono::{Duration, Utc};
    let app = spawn_app().await;
    let token = young_campaign(&app).await;
    for (email, band) in [
        ("carys@example.org", "16-17"),
        ("megan@example.org", "18-plus"),
    ] {
        let signed = app
            .sign(
                SLUG,
                &json!({"name": "A", "email": email, "age_band": band, "postcode": "LL55 4UR"}),
            )
            .await;
        assert_eq!(signed.status(), StatusCode::ACCEPTED);
    }
    app.expect_total(SLUG, 2).await;
    app.patch_json(
        &format!("/v1/campaigns/{SLUG}"),
        &json!({"status": "closed"}),
        &token,
    )
    .await;
    // Closed 11 days ago: past the young signers' 10 days, within everyone's 180.
    let slug = undersigned::domain::Slug::parse(SLUG).unwrap();
    let mut campaign = app.store.campaign(&slug).await.unwrap().unwrap();
    campaign.closed_at = Some(Utc::now() - Duration::days(11));
    app.store
        .update_campaign(&campaign, campaign.status, campaign.owner_id)
        .await
        .unwrap();
    app.purge();
    let stored = app
        .texts(
            "SELECT email, postcode, age_band FROM signatures WHERE campaign_id = \
             (SELECT id FROM campaigns WHERE slug = $1) ORDER BY age_band",
            SLUG,
        )
        .await;
    assert_eq!(
        stored,
        vec![
            vec![None, None, Some("16-17".to_owned())],
            vec![
                Some("megan@example.org".to_owned()),
                Some("LL55 4UR".to_owned()),
                Some("18-plus".to_owned())
            ],
        ]
    );
    // The counts stay, and the campaign is not marked purged: the adults' data is still kept.
    let count = app.expect_total(SLUG, 2).await;
    assert_eq!(count["young_signers"], "fewer than 10");
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM campaigns WHERE slug = $1 AND purged_at IS NULL",
            SLUG
        )
        .await,
        1
    );
}

#[tokio::test]
async fn a_form_post_counts_a_field_s_length_as_sent_as_the_api_does() {
    let app = spawn_app().await;
    app.open_campaign_with(json!({"require_confirmation": false}))
        .await;
    // 200 characters once trimmed, 204 as sent: over the schema's 200, refused like the API's.
    let name = format!("    {}", "a".repeat(200));
    let (status, html) = post_form(&app, &[("name", &name), ("email", "long@example.org")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("must be at most 200 characters"), "{html}");
    let api = app
        .sign(SLUG, &json!({"name": name, "email": "long@example.org"}))
        .await;
    assert_problem(api, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(app.signatures_with_email("long@example.org").await, 0);
}
