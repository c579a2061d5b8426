use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use undersigned::api::signatories::EXPORT_COLUMNS;
use undersigned::domain::Slug;

use crate::helpers::{TestApp, assert_problem, fields_of, spawn_app_with};

fn many_signers(settings: &mut undersigned::config::Settings) {
    settings.sign_per_minute_per_campaign = 10_000;
    settings.sign_per_minute_per_address = 10_000;
}

/// Names that break naive exports, with whether a spreadsheet would read them as a formula.
const TRICKY: &[(&str, bool)] = &[
    ("Siân Lloyd-Jones", false),
    ("Zoë Ó Briain", false),
    ("محمد الأحمد", false),
    ("李雷", false),
    ("Ffion \"Ffi\", 🌈", false),
    ("=HYPERLINK(\"https://evil.example\",\"Click\")", true),
    ("+44 Ringer", true),
    ("-Minus", true),
    ("@Handle", true),
];

async fn sign_tricky(app: &TestApp) {
    for (i, (name, _)) in TRICKY.iter().enumerate() {
        let body = json!({
            "name": name, "email": format!("tricky{i}@example.org"), "postcode": "CF10 1AA",
            "contact": i % 2 == 0, "public": true, "source": "nyas"
        });
        assert_eq!(
            app.sign("scrapsi445", &body).await.status(),
            StatusCode::ACCEPTED
        );
    }
    app.expect_total("scrapsi445", TRICKY.len() as u64).await;
}

async fn export(app: &TestApp, token: &str, query: &str) -> reqwest::Response {
    app.get(
        &format!("/v1/campaigns/scrapsi445/signatures/export{query}"),
        Some(token),
    )
    .await
}

#[tokio::test]
async fn a_csv_export_reads_back_as_signed_with_formulas_neutralised() {
    let app = spawn_app_with(many_signers).await;
    let token = app
        .open_campaign_with(json!({"require_confirmation": false}))
        .await;
    sign_tricky(&app).await;

    let response = export(&app, &token, "").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    let today = Utc::now().format("%Y-%m-%d").to_string();
    assert!(
        disposition.contains(&format!("scrapsi445-signatures-{today}.csv")),
        "{disposition}"
    );
    let body = response.bytes().await.unwrap();
    // A byte-order mark first, so that Excel on Windows reads the file as UTF-8.
    assert!(body.starts_with(b"\xEF\xBB\xBF"), "{:?}", &body[..8]);
    let mut reader = csv::Reader::from_reader(&body[3..]);
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header, EXPORT_COLUMNS);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), TRICKY.len());
    let column = |name: &str| EXPORT_COLUMNS.iter().position(|c| *c == name).unwrap();
    for (i, (name, formula)) in TRICKY.iter().enumerate() {
        let email = format!("tricky{i}@example.org");
        let row = rows
            .iter()
            .find(|r| r[column("email")] == email)
            .expect("every signer exported");
        let expected = if *formula {
            format!("'{name}")
        } else {
            name.to_string()
        };
        assert_eq!(&row[column("name")], expected.as_str());
        assert_eq!(&row[column("status")], "confirmed");
        assert_eq!(&row[column("postcode")], "CF10 1AA");
        assert_eq!(&row[column("source")], "nyas");
        assert_eq!(
            &row[column("contact")],
            if i % 2 == 0 { "true" } else { "false" }
        );
        assert!(!row[column("signed_at")].is_empty());
    }
}

#[tokio::test]
async fn an_ndjson_export_and_its_filters() {
    let app = spawn_app_with(many_signers).await;
    let token = app
        .open_campaign_with(json!({"require_confirmation": false}))
        .await;
    sign_tricky(&app).await;

    let lines = |text: String| -> Vec<Value> {
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let all = export(&app, &token, "?format=ndjson").await;
    assert_eq!(all.headers()["content-type"], "application/x-ndjson");
    let all = lines(all.text().await.unwrap());
    assert_eq!(all.len(), TRICKY.len());
    for (i, (name, _)) in TRICKY.iter().enumerate() {
        let row = all
            .iter()
            .find(|r| r["email"] == format!("tricky{i}@example.org"))
            .unwrap();
        assert_eq!(
            row["name"], *name,
            "NDJSON is not a spreadsheet: names come out as typed"
        );
    }
    let contact = lines(
        export(&app, &token, "?format=ndjson&contact=true")
            .await
            .text()
            .await
            .unwrap(),
    );
    assert_eq!(contact.len(), TRICKY.len().div_ceil(2));
    assert!(contact.iter().all(|r| r["contact"] == true));
    let pending = lines(
        export(&app, &token, "?format=ndjson&status=pending")
            .await
            .text()
            .await
            .unwrap(),
    );
    assert!(pending.is_empty());
    let confirmed = lines(
        export(&app, &token, "?format=ndjson&status=confirmed")
            .await
            .text()
            .await
            .unwrap(),
    );
    assert_eq!(confirmed.len(), TRICKY.len());

    let bad = export(&app, &token, "?format=xlsx").await;
    let problem = assert_problem(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(fields_of(&problem), ["format"]);
    let bad = export(&app, &token, "?status=lost").await;
    assert_eq!(
        fields_of(&assert_problem(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation").await),
        ["status"]
    );

    // The owner's paged listing shows the same, with the review state and duplicate mark.
    let page: Value = app
        .get("/v1/campaigns/scrapsi445/signatures?limit=4", Some(&token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["signatures"].as_array().unwrap().len(), 4);
    assert_eq!(page["signatures"][0]["review"], "pending");
    assert_eq!(page["signatures"][0]["possible_duplicate"], false);
    let next = page["next_after"].as_str().unwrap();
    let rest: Value = app
        .get(
            &format!("/v1/campaigns/scrapsi445/signatures?limit=100&after={next}"),
            Some(&token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        rest["signatures"].as_array().unwrap().len(),
        TRICKY.len() - 4
    );
    assert_eq!(rest["next_after"], Value::Null);
}

#[tokio::test]
async fn another_organiser_finds_no_signatures_at_all() {
    let app = spawn_app_with(many_signers).await;
    let owner = app
        .open_campaign_with(json!({"require_confirmation": false}))
        .await;
    app.sign(
        "scrapsi445",
        &json!({"name": "Ann", "email": "ann@example.org"}),
    )
    .await;
    let id = app
        .get("/v1/campaigns/scrapsi445/signatures", Some(&owner))
        .await
        .json::<Value>()
        .await
        .unwrap()["signatures"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let other = app.organiser("other@example.org", false).await;
    let admin = app.organiser("admin@example.org", true).await;
    for path in [
        "/v1/campaigns/scrapsi445/signatures",
        "/v1/campaigns/scrapsi445/signatures/export",
    ] {
        assert_problem(
            app.get(path, Some(&other)).await,
            StatusCode::NOT_FOUND,
            "not-found",
        )
        .await;
        assert_problem(
            app.get(path, None).await,
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        )
        .await;
        assert_eq!(
            app.get(path, Some(&admin)).await.status(),
            StatusCode::OK,
            "admins may"
        );
    }
    let path = format!("/v1/campaigns/scrapsi445/signatures/{id}");
    let review = app
        .patch_json(&path, &json!({"review": "rejected"}), &other)
        .await;
    assert_problem(review, StatusCode::NOT_FOUND, "not-found").await;
    let erase = app
        .client
        .delete(app.url(&path))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_problem(erase, StatusCode::NOT_FOUND, "not-found").await;
    app.expect_total("scrapsi445", 1).await;
}

async fn letter_with_signatories(app: &TestApp) -> (String, Vec<(String, String)>) {
    let token = app
        .open_campaign_with(json!({
            "slug": "letter-to-the-minister", "kind": "letter", "require_confirmation": false,
            "recipient": "Children's Minister",
            "body": "Dear Minister,\n\nWe write about the 'myth busting' guide.\n\nYours sincerely,"
        }))
        .await;
    let signers = [
        (
            "Carolyne Willow",
            "Director",
            Some("Article 39"),
            true,
            "approved",
        ),
        (
            "Someone Private",
            "Officer",
            Some("Private Org"),
            false,
            "approved",
        ),
        (
            "Ben Twomey",
            "Head of Policy",
            Some("NYAS"),
            true,
            "pending",
        ),
        ("Jenny Molloy", "Author", None, true, "approved"),
        ("Unlisted Person", "Adviser", None, false, "approved"),
        ("Rejected Person", "Troll", None, true, "rejected"),
    ];
    let mut ids = Vec::new();
    for (i, (name, role, organisation, public, _)) in signers.iter().enumerate() {
        let mut body = json!({"name": name, "email": format!("letter{i}@example.org"), "role": role, "public": public});
        if let Some(organisation) = organisation {
            body["signatory_type"] = json!("organisation");
            body["organisation"] = json!(organisation);
        }
        assert_eq!(
            app.sign("letter-to-the-minister", &body).await.status(),
            StatusCode::ACCEPTED
        );
    }
    app.expect_total("letter-to-the-minister", signers.len() as u64)
        .await;
    let listed: Value = app
        .get(
            "/v1/campaigns/letter-to-the-minister/signatures",
            Some(&token),
        )
        .await
        .json()
        .await
        .unwrap();
    for (i, (_, _, _, _, review)) in signers.iter().enumerate() {
        let row = listed["signatures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["email"] == format!("letter{i}@example.org"))
            .unwrap();
        let id = row["id"].as_str().unwrap().to_owned();
        if *review != "pending" {
            let path = format!("/v1/campaigns/letter-to-the-minister/signatures/{id}");
            let response = app
                .patch_json(&path, &json!({"review": review}), &token)
                .await;
            assert_eq!(response.status(), StatusCode::OK);
            assert_eq!(response.json::<Value>().await.unwrap()["review"], *review);
        }
        ids.push((id, format!("letter{i}@example.org")));
    }
    (token, ids)
}

#[tokio::test]
async fn the_public_list_and_the_letter_show_only_approved_consenting_signatories() {
    let app = spawn_app_with(many_signers).await;
    let (token, _) = letter_with_signatories(&app).await;
    // The rejected signature no longer counts.
    app.expect_total("letter-to-the-minister", 5).await;

    let response = app
        .get("/v1/campaigns/letter-to-the-minister/signatories", None)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    let names: Vec<&str> = body["signatories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Carolyne Willow", "Jenny Molloy"],
        "organisations first; approved and public only"
    );
    assert_eq!(body["signatories"][0]["organisation"], "Article 39");
    assert_eq!(body["signatories"][0]["role"], "Director");
    assert_eq!(body["signatories"][0]["signatory_type"], "organisation");
    let text = body.to_string();
    assert!(
        !text.contains("@example.org") && !text.contains("email") && !text.contains("postcode")
    );

    let html = app
        .get("/v1/campaigns/letter-to-the-minister/letter", None)
        .await;
    assert!(
        html.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = html.text().await.unwrap();
    assert!(html.contains("To: Children&#39;s Minister"));
    assert!(html.contains("<p>Dear Minister,</p>"));
    let organisation = html
        .find("Carolyne Willow, Director, Article 39")
        .expect("the organisation");
    let individual = html.find("Jenny Molloy, Author").expect("the individual");
    assert!(
        organisation < individual,
        "organisations before individuals"
    );
    assert!(
        !html.contains("Someone Private")
            && !html.contains("Ben Twomey")
            && !html.contains("Rejected")
    );
    assert!(
        !html.contains("src=") && !html.contains("<link"),
        "no external assets"
    );
    // The letter says who runs it, with their privacy notice.
    assert!(html.contains(
        "Run by Together for Children. <a href=\"https://togetherforchildren.org.uk/privacy\">"
    ));
    // Readable on a phone, with one main landmark.
    assert!(
        html.contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
    );
    assert_eq!(html.matches("<main>").count(), 1, "{html}");
    assert!(html.find("<main>").unwrap() < html.find("<h1>").unwrap());

    let markdown = app
        .client
        .get(app.url("/v1/campaigns/letter-to-the-minister/letter"))
        .header("Accept", "text/markdown")
        .send()
        .await
        .unwrap();
    assert!(
        markdown.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/markdown")
    );
    let markdown = markdown.text().await.unwrap();
    assert!(markdown.starts_with("# "));
    let organisation = markdown
        .find("### Organisations\n\n- Carolyne Willow, Director, Article 39")
        .unwrap();
    let individual = markdown
        .find("### Individuals\n\n- Jenny Molloy, Author")
        .unwrap();
    assert!(organisation < individual);

    // A petition hands in the same way: its text and its public signers.
    app.create_campaign(&token, json!({"slug": "a-petition"}))
        .await;
    let draft = app.get("/v1/campaigns/a-petition/letter", None).await;
    assert_eq!(
        draft.status(),
        StatusCode::NOT_FOUND,
        "a draft is its owner's alone"
    );
    let preview = app
        .get("/v1/campaigns/a-petition/letter", Some(&token))
        .await;
    assert_eq!(preview.status(), StatusCode::OK);
    app.open_campaign(&token, "a-petition").await;
    let signed = app
        .sign(
            "a-petition",
            &json!({"name": "Siân Lloyd", "email": "sian@example.org", "public": true}),
        )
        .await;
    assert_eq!(signed.status(), StatusCode::ACCEPTED);
    let petition = app
        .get("/v1/campaigns/a-petition/letter", None)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        petition.contains("We call on the Secretary of State"),
        "{petition}"
    );
}

#[tokio::test]
async fn erasure_lowers_the_count_and_leaves_no_email_behind() {
    let app = spawn_app_with(many_signers).await;
    let (token, ids) = letter_with_signatories(&app).await;
    let (id, email) = ids[0].clone();
    let path = format!("/v1/campaigns/letter-to-the-minister/signatures/{id}");
    let erased = app
        .client
        .delete(app.url(&path))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(erased.status(), StatusCode::NO_CONTENT);
    app.expect_total("letter-to-the-minister", 4).await;
    let again = app
        .client
        .delete(app.url(&path))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        again.status(),
        StatusCode::NO_CONTENT,
        "erasing twice is harmless"
    );
    app.expect_total("letter-to-the-minister", 4).await;

    for sql in [
        "SELECT COUNT(*) FROM signatures WHERE email = $1 OR name = 'Carolyne Willow'",
        "SELECT COUNT(*) FROM outbox WHERE recipient = $1",
        "SELECT COUNT(*) FROM audit_log WHERE detail LIKE '%' || $1 || '%'",
    ] {
        assert_eq!(app.scalar(sql, &email).await, 0, "{sql}");
    }
    let listed = app
        .get("/v1/campaigns/letter-to-the-minister/signatories", None)
        .await
        .text()
        .await
        .unwrap();
    assert!(!listed.contains("Carolyne"));

    // Organisers see it as erased, not as a withdrawal with blank fields.
    let listing: Value = app
        .get(
            "/v1/campaigns/letter-to-the-minister/signatures",
            Some(&token),
        )
        .await
        .json()
        .await
        .unwrap();
    let entry = listing["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .expect("the erased signature is still listed");
    assert_eq!(entry["status"], "erased");
    assert_eq!(entry["name"], Value::Null);
    let export = app
        .get(
            "/v1/campaigns/letter-to-the-minister/signatures/export",
            Some(&token),
        )
        .await
        .text()
        .await
        .unwrap();
    let line = export
        .lines()
        .find(|l| l.starts_with(&id.to_string()))
        .expect("the erased signature is exported");
    assert!(line.contains(",erased,"), "{line}");
}

#[tokio::test]
async fn personal_data_is_purged_after_retention_and_the_audit_log_records_everything() {
    let app = spawn_app_with(many_signers).await;
    let (token, ids) = letter_with_signatories(&app).await;
    export(&app, &token, "").await;
    let export_done = app
        .get(
            "/v1/campaigns/letter-to-the-minister/signatures/export?format=ndjson",
            Some(&token),
        )
        .await;
    assert_eq!(export_done.text().await.unwrap().lines().count(), 6);
    let path = format!(
        "/v1/campaigns/letter-to-the-minister/signatures/{}",
        ids[3].0
    );
    app.client
        .delete(app.url(&path))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();

    // Close the letter, and move its closing back past its 180 days of retention.
    app.patch_json(
        "/v1/campaigns/letter-to-the-minister",
        &json!({"status": "closed"}),
        &token,
    )
    .await;
    let slug = Slug::parse("letter-to-the-minister").unwrap();
    let mut campaign = app.store.campaign(&slug).await.unwrap().unwrap();
    campaign.closed_at = Some(Utc::now() - Duration::days(181));
    app.store
        .update_campaign(&campaign, campaign.status)
        .await
        .unwrap();

    let said = app.purge();
    assert!(
        said.contains("letter-to-the-minister: personal data of 5 signatures erased"),
        "{said}"
    );

    let emails = app
        .scalar(
            "SELECT COUNT(*) FROM signatures WHERE (email IS NOT NULL OR postcode IS NOT NULL)
             AND campaign_id IN (SELECT id FROM campaigns WHERE slug = $1)",
            "letter-to-the-minister",
        )
        .await;
    assert_eq!(emails, 0);
    // The copies of the emails sent to them, written to the outbox directory, are gone too.
    let kept: Vec<String> = app
        .outbox_messages(0)
        .await
        .into_iter()
        .filter(|m| m.contains("letter") && m.contains("@example.org"))
        .collect();
    assert!(
        kept.is_empty(),
        "{} emails to purged signers remain",
        kept.len()
    );
    let names = app
        .texts(
            "SELECT name FROM signatures WHERE name IS NOT NULL AND name <> $1 ORDER BY name",
            "",
        )
        .await;
    assert_eq!(
        names,
        vec![vec![Some("Carolyne Willow".to_owned())]],
        "only the letter's published names stay"
    );
    app.expect_total("letter-to-the-minister", 4).await;
    let public: Value = app
        .get("/v1/campaigns/letter-to-the-minister/signatories", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(public["signatories"].as_array().unwrap().len(), 1);

    let admin = app.organiser("admin@example.org", true).await;
    assert_problem(
        app.get("/v1/audit", Some(&token)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let entries = app.audit_entries(&admin).await;
    let actions: Vec<(&str, i64)> = entries
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["rows"].as_i64().unwrap()))
        .collect();
    // Newest first: the purge, the erasure, the two exports, then five reviews.
    assert_eq!(actions[0], ("purge", 5));
    assert_eq!(actions[1], ("erase", 1));
    assert!(actions.contains(&("export", 6)), "{actions:?}");
    assert_eq!(actions.iter().filter(|(a, _)| *a == "review").count(), 5);
    assert!(
        entries
            .iter()
            .all(|e| e["at"].is_string() && e["campaign_id"].is_string())
    );
    assert!(
        entries
            .iter()
            .filter(|e| e["action"] != "purge")
            .all(|e| e["actor_id"].is_string())
    );

    // Paged as every list is: `after` takes the page before's `next_after`.
    let mut paged = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let path = match &after {
            Some(after) => format!("/v1/audit?limit=3&after={after}"),
            None => "/v1/audit?limit=3".to_owned(),
        };
        let page: Value = app.get(&path, Some(&admin)).await.json().await.unwrap();
        paged.extend(
            page["entries"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].clone()),
        );
        match page["next_after"].as_str() {
            Some(next) => after = Some(next.to_owned()),
            None => break,
        }
    }
    let all: Vec<Value> = entries.iter().map(|e| e["id"].clone()).collect();
    assert_eq!(paged, all, "the pages hold every entry once, in order");
}

#[tokio::test]
async fn the_public_list_pages_with_after_like_every_list() {
    let app = spawn_app_with(many_signers).await;
    app.open_campaign_with(json!({"require_confirmation": false}))
        .await;
    for i in 0..7 {
        let body = json!({"name": format!("Signer {i}"), "email": format!("s{i}@example.org"), "public": true});
        assert_eq!(
            app.sign("scrapsi445", &body).await.status(),
            StatusCode::ACCEPTED
        );
    }
    let mut names = Vec::new();
    let mut path = "/v1/campaigns/scrapsi445/signatories?limit=3".to_owned();
    loop {
        let page: Value = app.get(&path, None).await.json().await.unwrap();
        assert!(page.get("page").is_none() && page.get("next_page").is_none());
        names.extend(
            page["signatories"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["name"].as_str().unwrap().to_owned()),
        );
        match page["next_after"].as_str() {
            Some(next) => {
                path = format!("/v1/campaigns/scrapsi445/signatories?limit=3&after={next}")
            }
            None => break,
        }
    }
    let expected: Vec<String> = (0..7).map(|i| format!("Signer {i}")).collect();
    assert_eq!(names, expected);
    let refused = app
        .get(
            "/v1/campaigns/scrapsi445/signatories?after=not-a-cursor",
            None,
        )
        .await;
    let problem = assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(fields_of(&problem), ["after"]);
}
