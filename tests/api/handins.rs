//! Hand-ins: the letter to the Children's Minister frozen as a bundle whose manifest's hashes
//! match its files, whose published hash matches its manifest, and which is emailed where asked.

use std::io::Read;

use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{TestApp, assert_problem, fields_of, spawn_app};
use crate::smtp::{recipient_of, subject_of};

const SLUG: &str = "letter-to-the-minister";

fn targets() -> Value {
    json!([
        {"name": "Children's Minister", "role": "Minister for Children and Families", "email": "minister@education.example"},
        {"name": "Director of Children's Services", "role": "Director, Cardiff Council"},
    ])
}

/// The letter, open, with four signatories of whom two are listed (one asked not to be, one
/// was rejected); returns the organiser's token.
async fn letter_with_signatories(app: &TestApp) -> String {
    let token = app
        .open_campaign_with(json!({
            "slug": SLUG, "kind": "letter", "require_confirmation": false,
            "title": "A letter to the Children's Minister", "recipient": "The Children's Minister",
            "target": null, "milestones": [], "targets": targets(),
        }))
        .await;
    for (name, email, kind, organisation, public) in [
        (
            "Carolyne Willow",
            "carolyne@article39.example",
            "organisation",
            Some("Article 39"),
            true,
        ),
        (
            "Dr Siân Lloyd",
            "sian@example.org",
            "individual",
            None,
            true,
        ),
        ("Rhys Evans", "rhys@example.org", "individual", None, false),
        (
            "=HYPERLINK(\"https://evil.example\")",
            "evil@example.org",
            "organisation",
            Some("Spam Ltd"),
            true,
        ),
    ] {
        let mut body =
            json!({"name": name, "email": email, "signatory_type": kind, "public": public});
        if let Some(organisation) = organisation {
            body["organisation"] = json!(organisation);
        }
        assert_eq!(app.sign(SLUG, &body).await.status(), StatusCode::ACCEPTED);
    }
    let list = app
        .get_json(&format!("/v1/campaigns/{SLUG}/signatures"), Some(&token))
        .await;
    for s in list["signatures"].as_array().unwrap() {
        let review = if s["email"] == "evil@example.org" {
            "rejected"
        } else {
            "approved"
        };
        let path = format!(
            "/v1/campaigns/{SLUG}/signatures/{}",
            s["id"].as_str().unwrap()
        );
        let reviewed = app
            .patch_json(&path, &json!({"review": review}), &token)
            .await;
        assert_eq!(reviewed.status(), StatusCode::OK);
    }
    app.expect_total(SLUG, 3).await;
    token
}

/// Hands `slug` in now (no delivery) and reads its bundle back, file by file.
pub(crate) async fn hand_in_now(app: &TestApp, token: &str, slug: &str) -> Vec<(String, Vec<u8>)> {
    let response = app
        .post_json(
            &format!("/v1/campaigns/{slug}/handins"),
            &json!({}),
            Some(token),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let handin: Value = response.json().await.unwrap();
    let id = handin["id"].as_str().unwrap();
    let bundle = app
        .get(&format!("/v1/campaigns/{slug}/handins/{id}"), Some(token))
        .await;
    assert_eq!(bundle.status(), StatusCode::OK);
    unzip(&bundle.bytes().await.unwrap())
}

/// A CSV file's rows after its header, as a spreadsheet reads them (a byte-order mark
/// ignored).
pub(crate) fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = std::str::from_utf8(bytes).unwrap();
    csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

pub(crate) fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).unwrap();
            let mut content = Vec::new();
            file.read_to_end(&mut content).unwrap();
            (file.name().unwrap().to_string(), content)
        })
        .collect()
}

/// The hand-in emails written so far, waiting (up to 10 s) until there are `count`.
async fn handin_emails(app: &TestApp, count: usize) -> Vec<String> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let sent: Vec<String> = app
            .outbox_messages(0)
            .await
            .into_iter()
            .filter(|m| subject_of(m).contains("Handed in"))
            .collect();
        if sent.len() >= count || std::time::Instant::now() > deadline {
            return sent;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

fn hex_sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[tokio::test]
async fn a_hand_in_s_bundle_matches_its_manifest_and_its_published_hash() {
    let app = spawn_app().await;
    let token = letter_with_signatories(&app).await;
    // Decision-makers are public; their emails are not.
    let public = app.get_json(&format!("/v1/campaigns/{SLUG}"), None).await;
    assert_eq!(public["targets"][0]["name"], "Children's Minister");
    assert!(public["targets"][0].get("email").is_none(), "{public}");
    assert_eq!(public["handins"], json!([]));
    let owned = app
        .get_json(&format!("/v1/campaigns/{SLUG}"), Some(&token))
        .await;
    assert_eq!(owned["targets"][0]["email"], "minister@education.example");

    let response = app
        .post_json(
            &format!("/v1/campaigns/{SLUG}/handins"),
            &json!({"rehearsal": true}),
            Some(&token),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let rehearsed: Value = response.json().await.unwrap();
    assert_eq!(rehearsed["rehearsal"], true);
    assert_eq!(rehearsed["delivery"]["emails"], 1);
    let id = rehearsed["id"].as_str().unwrap().to_owned();
    let created = rehearsed.clone();
    let published = created["manifest_sha256"].as_str().unwrap().to_owned();
    assert_eq!(published.len(), 64);
    assert_eq!(created["total"], 3);
    assert_eq!(created["listed"], 2);

    let response = app
        .get(&format!("/v1/campaigns/{SLUG}/handins/{id}"), Some(&token))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/zip");
    let files = unzip(&response.bytes().await.unwrap());
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "letter.html",
            "signatories.csv",
            "tally.json",
            "constituencies.csv",
            "paper_sheets.csv",
            "reasons.csv",
            "manifest.json"
        ]
    );
    let file = |name: &str| files.iter().find(|(n, _)| n == name).unwrap().1.clone();
    let manifest_bytes = file("manifest.json");
    assert_eq!(
        hex_sha256(&manifest_bytes),
        published,
        "the published hash is the manifest's"
    );
    let manifest: Value = serde_json::from_slice(&manifest_bytes).unwrap();
    for listed in manifest["files"].as_array().unwrap() {
        let name = listed["name"].as_str().unwrap();
        assert_eq!(listed["sha256"], hex_sha256(&file(name)), "{name}");
        assert_eq!(listed["bytes"], file(name).len());
    }
    assert_eq!(manifest["counts"]["total"], 3);
    assert_eq!(manifest["counts"]["organisations"], 1);
    // By nation, from the postcode: each signature in one.
    let by_nation = manifest["counts"]["by_nation"].as_object().unwrap();
    assert_eq!(by_nation.len(), 6, "{by_nation:?}");
    assert_eq!(by_nation.values().filter_map(Value::as_u64).sum::<u64>(), 3);
    assert!(
        String::from_utf8(file("constituencies.csv"))
            .unwrap()
            .starts_with("code,name,nation,mp_name,mp_party,count\n")
    );
    assert_eq!(
        manifest["targets"][0]["role"],
        "Minister for Children and Families"
    );
    assert!(
        !String::from_utf8_lossy(&manifest_bytes).contains("minister@"),
        "no target's email"
    );

    // Only those listed publicly are in it, never an email.
    let csv = String::from_utf8(file("signatories.csv")).unwrap();
    assert!(csv.contains("Carolyne Willow,Article 39,,GB,"), "{csv}");
    assert!(csv.contains("Dr Siân Lloyd,,,GB,"), "{csv}");
    assert!(
        !csv.contains("Rhys") && !csv.contains("Spam") && !csv.contains('@'),
        "{csv}"
    );
    let letter = String::from_utf8(file("letter.html")).unwrap();
    assert!(
        letter.contains("Article 39") && !letter.contains("Rhys"),
        "{letter}"
    );
    let tally: Value = serde_json::from_slice(&file("tally.json")).unwrap();
    assert_eq!(tally["total"], 3, "{tally}");

    // A rehearsal is its organisers' alone: listed to them, never on the page or in the
    // public JSON.
    let public = app.get_json(&format!("/v1/campaigns/{SLUG}"), None).await;
    assert_eq!(public["handins"], json!([]), "{public}");
    let listed = app
        .get_json(&format!("/v1/campaigns/{SLUG}/handins"), Some(&token))
        .await;
    assert_eq!(listed["handins"][0]["rehearsal"], true);

    // The real one, once checked.
    let response = app
        .post_json(
            &format!("/v1/campaigns/{SLUG}/handins"),
            &json!({"deliver": "none"}),
            Some(&token),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["rehearsal"], false);
    let published = created["manifest_sha256"].as_str().unwrap().to_owned();

    // Anyone can check a bundle against the campaign and its page.
    let public = app.get_json(&format!("/v1/campaigns/{SLUG}"), None).await;
    assert_eq!(public["handins"].as_array().unwrap().len(), 1, "{public}");
    assert_eq!(public["handins"][0]["manifest_sha256"], published);
    assert_eq!(public["handins"][0]["total"], 3);
    assert_eq!(public["handins"][0]["id"], created["id"]);
    assert_eq!(
        public["handins"][0]["handed_in_at"],
        created["handed_in_at"]
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(12);
    loop {
        let page = app
            .get(&format!("/c/{SLUG}"), None)
            .await
            .text()
            .await
            .unwrap();
        if page.contains(&published) {
            assert!(page.contains("Handed in on"));
            assert!(
                !page.contains(rehearsed["manifest_sha256"].as_str().unwrap()),
                "no rehearsal on the page"
            );
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the page never showed the hand-in"
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }

    // The rehearsal went to the organiser alone, with the bundle attached.
    let sent = handin_emails(&app, 1).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(recipient_of(&sent[0]), "organiser@article39.example");
    assert!(sent[0].contains("application/zip"), "attached");
    assert!(sent[0].contains(rehearsed["manifest_sha256"].as_str().unwrap()));

    // Delivered for real: to each decision-maker with an address.
    let response = app
        .post_json(
            &format!("/v1/campaigns/{SLUG}/handins"),
            &json!({"deliver": "targets"}),
            Some(&token),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let to: Vec<String> = handin_emails(&app, 2)
        .await
        .iter()
        .map(|m| recipient_of(m))
        .collect();
    assert!(
        to.contains(&"minister@education.example".to_owned()),
        "{to:?}"
    );
    let listed = app
        .get_json(&format!("/v1/campaigns/{SLUG}/handins"), Some(&token))
        .await;
    assert_eq!(listed["handins"].as_array().unwrap().len(), 3);
    let admin = app.organiser("admin@article39.example", true).await;
    let actions: Vec<Value> = app
        .audit_entries(&admin)
        .await
        .iter()
        .map(|e| e["action"].clone())
        .collect();
    assert_eq!(
        actions.iter().filter(|a| *a == "handin_created").count(),
        3,
        "{actions:?}"
    );
    assert_eq!(
        actions.iter().filter(|a| *a == "handin_delivered").count(),
        2,
        "{actions:?}"
    );

    // Another organiser cannot read it.
    let stranger = app.organiser("stranger@example.org", false).await;
    let response = app
        .get(
            &format!("/v1/campaigns/{SLUG}/handins/{id}"),
            Some(&stranger),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_hand_in_or_its_targets_that_cannot_be_taken_are_refused() {
    let app = spawn_app().await;
    let token = app.organiser("organiser@article39.example", false).await;
    let mut too_many = Vec::new();
    for i in 0..21 {
        too_many.push(json!({"name": format!("MP {i}"), "role": "Member of Parliament"}));
    }
    for (targets, field) in [
        (json!([{"name": "", "role": "Minister"}]), "targets[0].name"),
        (
            json!([{"name": "Minister", "role": "Minister", "email": "not an email"}]),
            "targets[0].email",
        ),
        (json!(too_many), "targets"),
    ] {
        let response = app
            .post_json(
                "/v1/campaigns",
                &json!({"slug": "scrapsi445", "kind": "petition", "title": "T", "summary": "S", "body": "B", "targets": targets}),
                Some(&token),
            )
            .await;
        let problem =
            assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
        assert_eq!(fields_of(&problem), vec![field.to_owned()]);
    }
    app.create_campaign(&token, json!({})).await;
    // A draft is not handed in; nor is an unknown delivery, nor one with nobody to send to.
    let path = "/v1/campaigns/scrapsi445/handins";
    assert_problem(
        app.post_json(path, &json!({}), Some(&token)).await,
        StatusCode::CONFLICT,
        "campaign-not-ready",
    )
    .await;
    app.open_campaign(&token, "scrapsi445").await;
    let problem = assert_problem(
        app.post_json(path, &json!({"deliver": "everyone"}), Some(&token))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(fields_of(&problem), vec!["deliver"]);
    // `null` is not a delivery the schema allows: refused as a wrong type, naming the field.
    let problem = assert_problem(
        app.post_json(path, &json!({"deliver": null}), Some(&token))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(fields_of(&problem), vec!["deliver"]);
    let problem = assert_problem(
        app.post_json(path, &json!({"deliver": "targets"}), Some(&token))
            .await,
        StatusCode::CONFLICT,
        "campaign-not-ready",
    )
    .await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("email address")
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM handins WHERE manifest <> $1", "")
            .await,
        0,
        "nothing refused is stored"
    );
    // Targets can be edited later.
    let edited = app
        .patch_json(
            "/v1/campaigns/scrapsi445",
            &json!({"targets": targets()}),
            &token,
        )
        .await;
    assert_eq!(edited.status(), StatusCode::OK);
    let edited: Value = edited.json().await.unwrap();
    assert_eq!(
        edited["targets"][1]["name"],
        "Director of Children's Services"
    );
}

#[tokio::test]
async fn an_organiser_hands_a_letter_in_from_the_console() {
    let Some(browser) = crate::browser::browser().await else {
        return;
    };
    let axe = crate::console::axe_source();
    let axe = axe.as_deref();
    let app = spawn_app().await;
    letter_with_signatories(&app).await;
    let client = &browser.client;
    crate::browser::viewport(client, 1280, 900).await;
    crate::console::log_in(
        client,
        &app.address,
        "organiser@article39.example",
        "A letter to the Children's Minister",
    )
    .await;
    client
        .goto(&app.url(&format!("/console/#/c/{SLUG}/letter")))
        .await
        .unwrap();
    crate::console::wait_text(client, "main", "Not handed in yet.").await;
    // A rehearsal first: emailed to the organiser alone, and nothing public.
    crate::console::press(client, "Rehearse: email it to me").await;
    crate::console::answer_dialog(client, "emailed to you alone", "Rehearse it").await;
    crate::console::wait_text(client, "ul.handins", "Rehearsal").await;
    crate::console::wait_text(client, "#status", "Nothing is public").await;
    assert_eq!(
        app.get_json(&format!("/v1/campaigns/{SLUG}"), None).await["handins"],
        json!([])
    );
    assert_eq!(handin_emails(&app, 1).await.len(), 1);
    // The real one names its recipient and the day before it is made.
    crate::console::press(client, "Hand in without email").await;
    crate::console::answer_dialog(
        client,
        "handed in to The Children's Minister today",
        "Hand it in",
    )
    .await;
    crate::console::wait_text(client, "#status", "Handed in with 3 signatures").await;
    crate::console::wait_text(client, "ul.handins", "with 3 signatures (2 listed by name)").await;
    let published =
        app.get_json(&format!("/v1/campaigns/{SLUG}"), None).await["handins"][0]["manifest_sha256"]
            .as_str()
            .unwrap()
            .to_owned();
    crate::console::wait_text(client, "ul.handins", &published).await;
    if let Some(axe) = axe {
        let faults = crate::console::accessibility_faults(client, axe).await;
        assert!(
            faults.is_empty(),
            "the letter tab after a hand-in: {faults:#?}"
        );
    }
    assert_eq!(handin_emails(&app, 1).await.len(), 1);
}

#[tokio::test]
async fn erasing_a_signer_redacts_them_from_every_stored_bundle_and_says_so() {
    let app = spawn_app().await;
    let token = letter_with_signatories(&app).await;
    let handed_in = |deliver: &'static str| {
        let (app, token) = (&app, &token);
        async move {
            let response = app
                .post_json(
                    &format!("/v1/campaigns/{SLUG}/handins"),
                    &json!({"deliver": deliver}),
                    Some(token),
                )
                .await;
            assert_eq!(response.status(), StatusCode::CREATED);
            response.json::<Value>().await.unwrap()
        }
    };
    let first = handed_in("none").await;
    let second = handed_in("none").await;
    let bundle_of = |handin: &Value| {
        let (app, token) = (&app, &token);
        let id = handin["id"].as_str().unwrap().to_owned();
        async move {
            let response = app
                .get(&format!("/v1/campaigns/{SLUG}/handins/{id}"), Some(token))
                .await;
            unzip(&response.bytes().await.unwrap())
        }
    };
    let text_of = |files: &[(String, Vec<u8>)], name: &str| {
        String::from_utf8(files.iter().find(|(n, _)| n == name).unwrap().1.clone()).unwrap()
    };
    let before = bundle_of(&first).await;
    assert!(text_of(&before, "letter.html").contains("Dr Siân Lloyd"));
    assert!(text_of(&before, "signatories.csv").contains("Dr Siân Lloyd"));

    let list = app
        .get_json(&format!("/v1/campaigns/{SLUG}/signatures"), Some(&token))
        .await;
    let sian = list["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["email"] == "sian@example.org")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.erase_signature(&token, SLUG, &sian).await;

    for handin in [&first, &second] {
        let files = bundle_of(handin).await;
        for (name, bytes) in &files {
            let text = String::from_utf8_lossy(bytes);
            assert!(
                !text.contains("Siân"),
                "{name} still names the erased signer: {text}"
            );
        }
        assert!(text_of(&files, "letter.html").contains("<li>[erased on request]</li>"));
        assert!(
            text_of(&files, "letter.html").contains("Carolyne Willow"),
            "others stay"
        );
        assert!(text_of(&files, "signatories.csv").contains("[erased on request]"));
        // The manifest gives the files as they now are, and what it replaced.
        let manifest: Value = serde_json::from_str(&text_of(&files, "manifest.json")).unwrap();
        for listed in manifest["files"].as_array().unwrap() {
            let name = listed["name"].as_str().unwrap();
            let bytes = &files.iter().find(|(n, _)| n == name).unwrap().1;
            assert_eq!(listed["sha256"], hex_sha256(bytes), "{name}");
        }
        let redaction = &manifest["redactions"][0];
        assert_eq!(redaction["reason"], "signer erased on request");
        assert_eq!(
            redaction["manifest_sha256_before"],
            handin["manifest_sha256"]
        );
        // The redacted fingerprint is kept beside the original's, which stays published.
        let id = handin["id"].as_str().unwrap();
        let kept = app
            .texts(
                "SELECT r.manifest_sha256, h.manifest_sha256, r.reason FROM handin_redactions r \
                 JOIN handins h ON h.id = r.handin_id WHERE r.reason = $1",
                "signer erased on request",
            )
            .await;
        assert_eq!(kept.len(), 2, "{id}: {kept:?}");
        let redacted_sha = hex_sha256(text_of(&files, "manifest.json").as_bytes());
        assert!(
            kept.iter()
                .any(|row| row[0].as_deref() == Some(redacted_sha.as_str())
                    && row[1] == handin["manifest_sha256"].as_str().map(str::to_owned))
        );
    }
    let admin = app.organiser("admin@article39.example", true).await;
    let redactions = app
        .audit_entries(&admin)
        .await
        .into_iter()
        .filter(|e| e["action"] == "handin_redacted")
        .count();
    assert_eq!(redactions, 2);
}

#[tokio::test]
async fn a_signer_who_withdraws_is_redacted_from_every_stored_bundle() {
    let app = spawn_app().await;
    let token = letter_with_signatories(&app).await;
    let handed_in = app
        .post_json(
            &format!("/v1/campaigns/{SLUG}/handins"),
            &json!({"deliver": "none"}),
            Some(&token),
        )
        .await;
    assert_eq!(handed_in.status(), StatusCode::CREATED);
    let handin: Value = handed_in.json().await.unwrap();
    let bundle = || async {
        let response = app
            .get(
                &format!(
                    "/v1/campaigns/{SLUG}/handins/{}",
                    handin["id"].as_str().unwrap()
                ),
                Some(&token),
            )
            .await;
        unzip(&response.bytes().await.unwrap())
    };
    let file = |files: &[(String, Vec<u8>)], name: &str| {
        String::from_utf8(files.iter().find(|(n, _)| n == name).unwrap().1.clone()).unwrap()
    };
    assert!(file(&bundle().await, "letter.html").contains("Carolyne Willow"));

    // Carolyne withdraws with the link in her thank-you email.
    let messages = app.outbox_messages(4).await;
    let thanks = messages
        .iter()
        .find(|m| recipient_of(m) == "carolyne@article39.example")
        .expect("Carolyne's thank-you");
    let link = crate::smtp::token_in(&crate::smtp::text_of(thanks), "withdraw").unwrap();
    let withdrawn = app
        .client
        .post(app.url(&format!("/withdraw/{link}")))
        .send()
        .await
        .unwrap();
    assert_eq!(withdrawn.status(), StatusCode::OK);

    let files = bundle().await;
    for (name, bytes) in &files {
        let text = String::from_utf8_lossy(bytes);
        assert!(!text.contains("Carolyne"), "{name} still names her: {text}");
    }
    assert!(file(&files, "letter.html").contains("<li>[withdrawn]</li>"));
    assert!(
        file(&files, "letter.html").contains("Dr Siân Lloyd"),
        "others stay"
    );
    assert!(file(&files, "signatories.csv").contains("[withdrawn]"));
    let manifest: Value = serde_json::from_str(&file(&files, "manifest.json")).unwrap();
    assert_eq!(manifest["redactions"][0]["reason"], "signer withdrew");
    let admin = app.organiser("admin@article39.example", true).await;
    let audit: Vec<Value> = app
        .audit_entries(&admin)
        .await
        .into_iter()
        .filter(|e| e["action"] == "handin_redacted")
        .collect();
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert!(
        audit[0]["detail"]
            .as_str()
            .unwrap()
            .contains("signer withdrew")
    );
}
