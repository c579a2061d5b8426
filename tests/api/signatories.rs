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
        .update_campaign(&campaign, campaign.status, campaign.owner_id)
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

/// The ids of a campaign's signatures that a listing query keeps, as its owner sees them.
async fn listed_ids(app: &TestApp, token: &str, slug: &str, query: &str) -> Vec<String> {
    let response = app
        .get(
            &format!("/v1/campaigns/{slug}/signatures{query}"),
            Some(token),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK, "{query}");
    let page: Value = response.json().await.unwrap();
    let mut ids: Vec<String> = page["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    assert_eq!(page["matching"], ids.len(), "{query}");
    ids
}

#[tokio::test]
async fn many_signatures_are_reviewed_at_once_by_id_or_by_filter_and_can_be_put_back() {
    let app = spawn_app_with(many_signers).await;
    let slug = "letter-to-the-minister";
    let token = app
        .open_campaign_with(json!({
            "slug": slug, "kind": "letter", "require_confirmation": false,
            "recipient": "Children's Minister",
            "body": "Dear Minister,\n\nWe write about SI 445.\n\nYours sincerely,"
        }))
        .await;
    // Three organisations (two brought by NYAS) and three individuals (one in Welsh, one not
    // to be listed).
    let signers = [
        ("Article 39", "organisation", None, "en", true),
        ("NYAS", "organisation", Some("nyas"), "en", true),
        ("Become", "organisation", Some("nyas"), "en", false),
        ("Siân Lloyd", "individual", None, "cy", true),
        ("Jenny Molloy", "individual", None, "en", true),
        (
            "=HYPERLINK(\"https://evil.example\")",
            "individual",
            None,
            "en",
            false,
        ),
    ];
    for (i, (name, kind, source, lang, public)) in signers.iter().enumerate() {
        let mut body = json!({"name": name, "email": format!("bulk{i}@example.org"),
            "role": "Director", "public": public, "lang": lang, "signatory_type": kind});
        if *kind == "organisation" {
            body["organisation"] = json!(name);
        }
        if let Some(source) = source {
            body["source"] = json!(source);
        }
        assert_eq!(app.sign(slug, &body).await.status(), StatusCode::ACCEPTED);
    }
    app.expect_total(slug, 6).await;
    let path = format!("/v1/campaigns/{slug}/signatures/review");

    // The listing filters by each column the console shows.
    let all = listed_ids(&app, &token, slug, "").await;
    assert_eq!(all.len(), 6);
    let organisations = listed_ids(&app, &token, slug, "?signatory_type=organisation").await;
    assert_eq!(organisations.len(), 3);
    assert_eq!(
        listed_ids(&app, &token, slug, "?source=nyas").await.len(),
        2
    );
    assert_eq!(
        listed_ids(&app, &token, slug, "?source=direct").await.len(),
        4
    );
    assert_eq!(listed_ids(&app, &token, slug, "?lang=cy").await.len(), 1);
    assert_eq!(
        listed_ids(&app, &token, slug, "?public=false").await.len(),
        2
    );
    assert_eq!(
        listed_ids(&app, &token, slug, "?source=nyas&public=true")
            .await
            .len(),
        1
    );
    for (query, field) in [
        ("?review=held-back", "review"),
        ("?signatory_type=charity", "signatory_type"),
        ("?source=NYAS!", "source"),
        ("?lang=fr", "lang"),
    ] {
        let response = app
            .get(
                &format!("/v1/campaigns/{slug}/signatures{query}"),
                Some(&token),
            )
            .await;
        let problem =
            assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
        assert_eq!(fields_of(&problem), [field], "{query}");
    }

    // Every organisation approved at once, by a filter.
    let response = app
        .post_json(
            &path,
            &json!({"filter": {"signatory_type": "organisation"}, "review": "approved"}),
            Some(&token),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["changed"], 3);
    assert_eq!(answer["review"], "approved");
    let mut before: Vec<String> = answer["previous"][0]["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| id.as_str().unwrap().to_owned())
        .collect();
    before.sort();
    assert_eq!(answer["previous"][0]["review"], "pending");
    assert_eq!(before, organisations);
    assert_eq!(
        listed_ids(&app, &token, slug, "?review=approved").await,
        organisations
    );
    // The public list now holds the two organisations that agreed to be listed.
    let public = app
        .get_json(&format!("/v1/campaigns/{slug}/signatories"), None)
        .await;
    let names: Vec<&str> = public["signatories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{public}");
    assert!(!public.to_string().contains("Become"));

    // Two individuals rejected by id: they leave the count; asking again changes nothing.
    let individuals = listed_ids(&app, &token, slug, "?signatory_type=individual").await;
    let rejected = json!({"ids": [individuals[0], individuals[1]], "review": "rejected"});
    let answer: Value = app
        .post_json(&path, &rejected, Some(&token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(answer["changed"], 2);
    app.expect_total(slug, 4).await;
    let again: Value = app
        .post_json(&path, &rejected, Some(&token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["changed"], 0);
    assert_eq!(again["previous"], json!([]));

    // Undone: each goes back to the review it had, and the count with it.
    for group in answer["previous"].as_array().unwrap() {
        let undo = json!({"ids": group["ids"], "review": group["review"]});
        let response = app.post_json(&path, &undo, Some(&token)).await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    app.expect_total(slug, 6).await;
    assert_eq!(
        listed_ids(&app, &token, slug, "?review=pending").await,
        individuals
    );

    // What cannot be done is refused, naming the field, and changes nothing.
    let other_token = app.organiser("other@example.org", false).await;
    let cases = [
        (json!({"review": "approved"}), "ids"),
        (
            json!({"ids": [individuals[0]], "filter": {}, "review": "approved"}),
            "ids",
        ),
        (json!({"ids": [], "review": "approved"}), "ids"),
        (json!({"ids": null, "review": "approved"}), "ids"),
        (
            json!({"filter": ["approved"], "review": "approved"}),
            "filter",
        ),
        (json!({"ids": [individuals[0]], "review": "spam"}), "review"),
        (
            json!({"ids": ["not-an-id"], "review": "approved"}),
            "ids[0]",
        ),
        (
            json!({"filter": {"status": "signed"}, "review": "approved"}),
            "filter.status",
        ),
        (
            json!({"filter": {"colour": "red"}, "review": "approved"}),
            "filter.colour",
        ),
    ];
    for (body, field) in cases {
        let response = app.post_json(&path, &body, Some(&token)).await;
        let problem =
            assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
        assert_eq!(fields_of(&problem), [field], "{body}");
    }
    let too_many: Vec<String> = (0..1001)
        .map(|_| uuid::Uuid::new_v4().to_string())
        .collect();
    let response = app
        .post_json(
            &path,
            &json!({"ids": too_many, "review": "approved"}),
            Some(&token),
        )
        .await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(fields_of(&problem), ["ids"]);
    // Another organiser finds no such campaign, and their ids reach nothing here.
    let response = app
        .post_json(
            &path,
            &json!({"filter": {}, "review": "rejected"}),
            Some(&other_token),
        )
        .await;
    assert_problem(response, StatusCode::NOT_FOUND, "not-found").await;
    let response = app
        .post_json(&path, &json!({"filter": {}, "review": "rejected"}), None)
        .await;
    assert_problem(response, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    app.expect_total(slug, 6).await;
    assert_eq!(
        listed_ids(&app, &token, slug, "?review=approved").await,
        organisations
    );

    // Each review of many is one line of the audit log, with how many it changed.
    let admin = app.organiser("admin@example.org", true).await;
    let reviews: Vec<(i64, String)> = app
        .audit_entries(&admin)
        .await
        .iter()
        .filter(|e| e["action"] == "review")
        .map(|e| {
            (
                e["rows"].as_i64().unwrap(),
                e["detail"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(reviews.len(), 3, "{reviews:?}");
    assert_eq!(reviews[2].0, 3);
    assert!(reviews[2].1.contains("approved") && reviews[2].1.contains("filter"));
    assert_eq!(reviews[1].0, 2);
    assert!(reviews[1].1.contains("rejected"));
}
