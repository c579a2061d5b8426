//! Where the signers are: counts by constituency (with each MP), Senedd constituency and
//! council, and the postcode lookup, over real postcodes from the open data's samples.

use futures_util::StreamExt;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, fields_of, spawn_app_with};

/// Every postcode of one whole seat, from the samples the data was checked against.
fn postcodes_of(constituency: &str) -> Vec<String> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/geo/postcodes_whole_constituencies.csv"
    ))
    .unwrap();
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let mut cells = line.split(',');
            let postcode = cells.next()?;
            (cells.next()? == constituency).then(|| postcode.to_owned())
        })
        .collect()
}

async fn many_signers() -> TestApp {
    many_signers_and_their_organiser().await.0
}

async fn many_signers_and_their_organiser() -> (TestApp, String) {
    let app = spawn_app_with(|s| {
        s.sign_per_minute_per_address = 100_000;
        s.sign_per_minute_per_campaign = 100_000;
    })
    .await;
    let token = app
        .open_campaign_with(json!({"require_confirmation": false}))
        .await;
    (app, token)
}

async fn sign_all(app: &TestApp, postcodes: &[String], prefix: &str) {
    let statuses: Vec<StatusCode> = futures_util::stream::iter(postcodes.iter().enumerate())
        .map(|(i, postcode)| async move {
            let body = json!({
                "name": "Signer",
                "email": format!("{prefix}{i}@example.org"),
                "postcode": postcode,
            });
            app.sign("scrapsi445", &body).await.status()
        })
        .buffer_unordered(16)
        .collect()
        .await;
    assert!(statuses.iter().all(|s| *s == StatusCode::ACCEPTED));
}

fn item<'a>(counts: &'a Value, code: &str) -> Option<&'a Value> {
    counts["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == code)
}

#[tokio::test]
async fn every_postcode_of_a_seat_counts_in_that_seat_and_its_mp_is_named() {
    let (app, token) = many_signers_and_their_organiser().await;
    // Na h-Eileanan an Iar, whole: 975 postcodes.
    let western_isles = postcodes_of("S14000027");
    assert_eq!(western_isles.len(), 975);
    sign_all(&app, &western_isles, "hebrides").await;
    // Two from each seat of the Senedd's Bangor Conwy Môn; one made up; one in Belfast.
    let bangor = postcodes_of("W07000083");
    let ynys_mon = postcodes_of("W07000112");
    let others: Vec<String> = [&bangor[..2], &ynys_mon[..3]]
        .concat()
        .into_iter()
        .chain(["ZZ9 9ZZ".to_owned(), "BT1 5GS".to_owned()])
        .collect();
    sign_all(&app, &others, "other").await;
    app.expect_total("scrapsi445", 982).await;

    let response = app
        .get("/v1/campaigns/scrapsi445/constituencies", None)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    let counts: Value = response.json().await.unwrap();
    assert_eq!(counts["data_date"], "2026-04-03");
    assert_eq!(
        counts["items"][0],
        json!({
            "code": "S14000027", "name": "Na h-Eileanan an Iar", "nation": "scotland",
            "mp": {"name": "Torcuil Crichton", "party": "Labour"}, "count": 975,
        })
    );
    assert_eq!(item(&counts, "W07000112").unwrap()["count"], 3);
    assert_eq!(item(&counts, "W07000083").unwrap()["count"], 2);
    assert_eq!(
        item(&counts, "W07000083").unwrap()["mp"]["name"],
        "Claire Hughes"
    );
    // The made-up postcode and the Northern Ireland one are placed nowhere: last, as unknown.
    let items = counts["items"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    assert_eq!(items[3]["code"], "unknown");
    assert_eq!(items[3]["count"], 2);

    // Senedd: Bangor Conwy Môn is its two Westminster seats together.
    let senedd = app.get_json("/v1/campaigns/scrapsi445/senedd", None).await;
    assert_eq!(
        senedd["items"],
        json!([{"code": "W000010", "name": "Bangor Conwy Môn", "nation": "wales", "count": 5}])
    );

    // Councils: Comhairle nan Eilean Siar holds the whole of Na h-Eileanan an Iar.
    let councils = app
        .get_json("/v1/campaigns/scrapsi445/councils", None)
        .await;
    assert_eq!(item(&councils, "S12000013").unwrap()["count"], 975);
    assert!(item(&councils, "S12000013").unwrap().get("mp").is_none());

    // The nation in the tally comes from the postcode.
    let tally = app.get_json("/v1/campaigns/scrapsi445/tally", None).await;
    assert_eq!(tally["by_nation"]["scotland"], 975);
    assert_eq!(tally["by_nation"]["northern_ireland"], 1);

    // The same as CSV, as a spreadsheet reads it.
    let response = app
        .get("/v1/campaigns/scrapsi445/constituencies?format=csv", None)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = response.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        reader.headers().unwrap(),
        vec!["code", "name", "nation", "mp_name", "mp_party", "count"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 4);
    assert_eq!(
        rows[0],
        vec![
            "S14000027",
            "Na h-Eileanan an Iar",
            "scotland",
            "Torcuil Crichton",
            "Labour",
            "975"
        ]
    );

    let response = app
        .get("/v1/campaigns/scrapsi445/constituencies?format=xml", None)
        .await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(fields_of(&problem), ["format"]);
    let response = app.get("/v1/campaigns/nonesuch/constituencies", None).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    // The organisers filter their signatories, and exports, by where they signed.
    for (query, matching) in [
        ("constituency=S14000027", 975),
        ("constituency=w07000112", 3),
        ("council=S12000013", 975),
        ("nation=scotland", 975),
        ("nation=wales", 5),
        ("nation=northern_ireland", 1),
        ("nation=england", 0),
    ] {
        let listed = app
            .get_json(
                &format!("/v1/campaigns/scrapsi445/signatures?{query}&limit=1"),
                Some(&token),
            )
            .await;
        assert_eq!(listed["matching"], matching, "{query}");
    }
    let export = app
        .get(
            "/v1/campaigns/scrapsi445/signatures/export?constituency=W07000083",
            Some(&token),
        )
        .await
        .text()
        .await
        .unwrap();
    let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(export.as_bytes())
        .records()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.len(), 2);
    for bad in ["constituency=X1", "council=E14", "nation=outside_uk"] {
        let response = app
            .get(
                &format!("/v1/campaigns/scrapsi445/signatures?{bad}"),
                Some(&token),
            )
            .await;
        let problem =
            assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
        assert_eq!(fields_of(&problem), [bad.split('=').next().unwrap()]);
    }
}

#[tokio::test]
async fn only_confirmed_signatures_count_by_area() {
    let app = spawn_app_with(|_| {}).await;
    app.open_campaign_with(json!({})).await;
    let body = json!({"name": "Pending", "email": "pending@example.org", "postcode": "SW1A 0AA"});
    assert_eq!(
        app.sign("scrapsi445", &body).await.status(),
        StatusCode::ACCEPTED
    );
    // Stored at signing, though not yet counted.
    let stored = app
        .texts(
            "SELECT constituency, council FROM signatures WHERE email = $1",
            "pending@example.org",
        )
        .await;
    assert_eq!(
        stored,
        [[Some("E14001172".to_owned()), Some("E09000033".to_owned())]]
    );
    let counts = app
        .get_json("/v1/campaigns/scrapsi445/constituencies", None)
        .await;
    assert_eq!(counts["items"], json!([]));
}

#[tokio::test]
async fn young_signers_count_in_the_total_only() {
    let app = spawn_app_with(|_| {}).await;
    app.open_campaign_with(json!({"require_confirmation": false, "young_signers": true}))
        .await;
    for (email, band) in [
        ("adult@example.org", "18-plus"),
        ("young@example.org", "13-15"),
    ] {
        let body =
            json!({"name": "Signer", "email": email, "postcode": "LL57 2DG", "age_band": band});
        assert_eq!(
            app.sign("scrapsi445", &body).await.status(),
            StatusCode::ACCEPTED
        );
    }
    app.expect_total("scrapsi445", 2).await;
    let counts = app
        .get_json("/v1/campaigns/scrapsi445/constituencies", None)
        .await;
    assert_eq!(counts["items"].as_array().unwrap().len(), 1);
    assert_eq!(counts["items"][0]["count"], 1);
    // Of a young signer's postcode only the district is kept, and no place.
    let stored = app
        .texts(
            "SELECT postcode, constituency FROM signatures WHERE email = $1",
            "young@example.org",
        )
        .await;
    assert_eq!(stored, [[Some("LL57".to_owned()), None]]);
}

#[tokio::test]
async fn signatures_taken_before_places_were_kept_are_placed_at_start() {
    let app = many_signers().await;
    let postcodes = postcodes_of("S14000051")[..3].to_vec();
    sign_all(&app, &postcodes, "orkney").await;
    // As a signature from before this release is stored: not yet placed.
    app.execute(
        "UPDATE signatures SET constituency = NULL, council = NULL, placed = FALSE
         WHERE email LIKE $1",
        "orkney%",
    )
    .await;
    let unplaced = "SELECT CAST(COUNT(*) AS BIGINT) FROM signatures WHERE constituency = $1";
    assert_eq!(app.scalar(unplaced, "S14000051").await, 0);
    // Any instance that starts places them.
    let _other = app.another_instance(|_| {}).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while app.scalar(unplaced, "S14000051").await < 3 {
        assert!(std::time::Instant::now() < deadline, "not placed");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_postcode_is_looked_up_with_its_seat_mp_council_and_senedd() {
    let app = spawn_app_with(|s| s.postcode_lookups_per_minute = 6).await;
    let place = app.get_json("/v1/postcodes/ll57%202dg", None).await;
    assert_eq!(place["postcode"], "LL57 2DG");
    assert_eq!(place["constituency"]["code"], "W07000083");
    assert_eq!(place["constituency"]["name"], "Bangor Aberconwy");
    assert_eq!(place["mp"]["name"], "Claire Hughes");
    assert_eq!(place["council"]["name"], "Gwynedd");
    assert_eq!(place["senedd"]["name"], "Bangor Conwy Môn");
    assert_eq!(place["nation"], "wales");

    // A Welsh seat with a Welsh name gives both.
    let place = app.get_json("/v1/postcodes/CH4%200GB", None).await;
    assert_eq!(place["constituency"]["name"], "Alyn and Deeside");
    assert_eq!(place["constituency"]["name_cy"], "Alun a Glannau Dyfrdwy");

    // Northern Ireland: its nation, and no further.
    let place = app.get_json("/v1/postcodes/BT1%205GS", None).await;
    assert_eq!(
        place,
        json!({"postcode": "BT1 5GS", "constituency": null, "mp": null, "council": null,
               "senedd": null, "nation": "northern_ireland"})
    );

    // A postcode whose sector does not exist is not found, never its neighbour's.
    let response = app.get("/v1/postcodes/ZZ9%209ZZ", None).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    let response = app.get("/v1/postcodes/not-a-postcode", None).await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(fields_of(&problem), ["postcode"]);

    // Six a minute here: the seventh is refused.
    let response = app.get("/v1/postcodes/SW1A%200AA", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = app.get("/v1/postcodes/SW1A%200AA", None).await;
    assert_problem(response, StatusCode::TOO_MANY_REQUESTS, "rate-limited").await;
}

/// Signers from a few seats: the Western Isles, Orkney and Shetland, Holborn and St Pancras,
/// and Welsh seats (one with a Welsh name).
async fn signers_across_seats(app: &TestApp) {
    let mut postcodes = Vec::new();
    for (seat, n) in [
        ("S14000027", 30),
        ("S14000051", 6),
        ("E14001290", 60),
        ("W07000083", 12),
        ("W07000112", 2),
    ] {
        postcodes.extend(postcodes_of(seat).into_iter().take(n));
    }
    postcodes.push("CH4 0GB".into());
    postcodes.push("BT1 5GS".into());
    sign_all(app, &postcodes, "seat").await;
    app.expect_total("scrapsi445", 112).await;
}

#[tokio::test]
async fn the_campaign_page_maps_where_people_signed_in_english_and_welsh() {
    let app = many_signers().await;
    let (_, _, empty) = crate::pages::page(&app, "/c/scrapsi445").await;
    assert!(
        !empty.contains("class=\"hexmap\""),
        "no map before anyone is placed"
    );
    signers_across_seats(&app).await;
    // The page is built again once the count moves; the counts by area are a little behind.
    let html = {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(45);
        loop {
            let (status, _, html) = crate::pages::page(&app, "/c/scrapsi445").await;
            if html.contains("class=\"hexmap\"") {
                break html;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no map: {status} {}",
                &html[..html.len().min(3000)]
            );
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
    };
    // 650 hexagons; one link for each of the 6 seats with signatures, to its row.
    assert_eq!(html.matches("<polygon").count(), 650);
    assert_eq!(html.matches("<a href=\"#seat-").count(), 6);
    assert!(html.contains(
        "<a href=\"#seat-E14001290\" aria-label=\"Holborn and St Pancras: 60 signatures\">"
    ));
    assert!(html.contains(
        "<tr id=\"seat-E14001290\"><th scope=\"row\">Holborn and St Pancras</th><td>Sir Keir Starmer</td><td class=\"number\">60</td></tr>"
    ));
    assert!(html.contains("Alyn and Deeside"));
    assert!(
        html.contains("Postcode not placed in a constituency</th><td></td><td class=\"number\">1<")
    );
    assert!(html.contains("<a href=\"/about/data\">About the data</a>"));
    let (_, _, welsh) = crate::pages::page(&app, "/c/scrapsi445?lang=cy").await;
    assert!(
        welsh.contains("Alun a Glannau Dyfrdwy: 1 llofnod"),
        "the Welsh name on the Welsh page"
    );
    assert!(welsh.contains("Ble mae pobl wedi llofnodi"));

    let (status, _, about) = crate::pages::page(&app, "/about/data").await;
    assert_eq!(status, StatusCode::OK);
    assert!(about.contains("Members of Parliament as of 3 April 2026."));
    assert!(about.contains("Contains OS data © Crown copyright and database right 2023."));
    assert!(about.contains("Permission is hereby granted, free of charge"));
}

#[tokio::test]
async fn the_map_reads_at_phone_width_with_keyboard_and_screen_reader() {
    let Some(browser) = crate::browser::browser().await else {
        return;
    };
    let axe = crate::console::axe_source();
    let app = many_signers().await;
    signers_across_seats(&app).await;
    let client = &browser.client;
    crate::browser::viewport(client, 360, 800).await;
    client.goto(&app.url("/c/scrapsi445")).await.unwrap();
    crate::console::wait_text(client, ".map h2", "Where people have signed").await;
    crate::console::check_screen(client, axe.as_deref(), "page-map").await;
    crate::browser::viewport(client, 360, 800).await;
    // A hexagon is a link to its row, which opens the table.
    let opened = client
        .execute(
            "document.querySelector('a[href=\"#seat-S14000027\"]').dispatchEvent(new MouseEvent('click', {bubbles: true}));
             return new Promise(function (done) { setTimeout(function () {
               done([location.hash, document.getElementById('map-table').open]); }, 300); });",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(opened, json!(["#seat-S14000027", true]));
    crate::console::check_screen(client, axe.as_deref(), "page-map-table").await;
}

/// Waits for a running service to answer a postcode lookup as `expected` (the status and
/// constituency code), as it takes up imported data.
async fn until_postcode(app: &TestApp, postcode: &str, expected: (StatusCode, Option<&str>)) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let response = app.get(&format!("/v1/postcodes/{postcode}"), None).await;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        let code = body["constituency"]["code"].as_str().map(str::to_owned);
        if (status, code.as_deref()) == expected {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{postcode}: {status} {body}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn an_operator_imports_a_newer_postcode_table_and_list_of_mps() {
    let app = spawn_app_with(|s| {
        s.geography_refresh_seconds = 1;
        s.postcode_lookups_per_minute = 1_000;
    })
    .await;
    app.open_campaign_with(json!({"require_confirmation": false}))
        .await;
    let body = json!({"name": "Signer", "email": "early@example.org", "postcode": "LL57 2DG"});
    assert_eq!(
        app.sign("scrapsi445", &body).await.status(),
        StatusCode::ACCEPTED
    );
    let dir = tempfile::tempdir().unwrap();

    // A table with a code nobody knows is refused, naming the line, and changes nothing.
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "postcode,pcon24_code,lad_code\nLL57 2DG,E14001290,E09000007\nBT1 5GS,X99999999,\n",
    )
    .unwrap();
    let (ok, _, stderr) = app.command(&[
        "geo",
        "import",
        bad.to_str().unwrap(),
        "--source",
        "Test",
        "--as-of",
        "2027-02-01",
    ]);
    assert!(!ok);
    assert!(
        stderr.contains("line 3: X99999999 is not a known constituency"),
        "{stderr}"
    );
    let (ok, _, stderr) = app.command(&[
        "geo",
        "import",
        bad.to_str().unwrap(),
        "--source",
        "Test",
        "--as-of",
        "not a date",
    ]);
    assert!(!ok && stderr.contains("--as-of"), "{stderr}");
    until_postcode(&app, "SW1A%200AA", (StatusCode::OK, Some("E14001172"))).await;

    // A whole table in place of the built-in one: what it places moves, what it lacks is
    // no longer found, and Northern Ireland is placed where the table gives it.
    let table = dir.path().join("postcodes.csv");
    std::fs::write(
        &table,
        "postcode,pcon24_code,lad_code\nll57 2dg,E14001290,E09000007\nBT1 5GS,N05000001,\nEC1M 3HA,E14001290,E09000007\n",
    )
    .unwrap();
    let (ok, stdout, stderr) = app.command(&[
        "geo",
        "import",
        table.to_str().unwrap(),
        "--source",
        "ONS Postcode Directory (test extract)",
        "--as-of",
        "2027-02-01",
    ]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("imported postcode_constituencies and postcode_councils (3 rows"),
        "{stdout}"
    );
    until_postcode(&app, "LL57%202DG", (StatusCode::OK, Some("E14001290"))).await;
    until_postcode(&app, "BT1%205GS", (StatusCode::OK, Some("N05000001"))).await;
    until_postcode(&app, "SW1A%200AA", (StatusCode::NOT_FOUND, None)).await;
    let (_, _, about) = crate::pages::page(&app, "/about/data").await;
    assert!(
        about.contains("Postcodes: ONS Postcode Directory (test extract), as of 2027-02-01"),
        "the About the data page names the imported table"
    );

    // The earlier signature keeps its place until the operator asks for them all again.
    let place = "SELECT constituency FROM signatures WHERE email = $1";
    let stored = app.texts(place, "early@example.org").await;
    assert_eq!(stored, [[Some("W07000083".to_owned())]]);
    let (ok, stdout, stderr) = app.command(&["geo", "place"]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("placed 1 of 1"), "{stdout}");
    let stored = app.texts(place, "early@example.org").await;
    assert_eq!(stored, [[Some("E14001290".to_owned())]]);

    // A newer list of MPs: the whole list, each seat once.
    let list = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/geo/constituencies.csv"
    ))
    .unwrap()
    .replace("Sir Keir Starmer", "A. N. Other");
    let mps = dir.path().join("mps.csv");
    std::fs::write(&mps, &list).unwrap();
    let short = dir.path().join("short.csv");
    std::fs::write(&short, list.lines().take(10).collect::<Vec<_>>().join("\n")).unwrap();
    let (ok, _, stderr) = app.command(&[
        "geo",
        "mps",
        short.to_str().unwrap(),
        "--as-of",
        "2027-03-01",
    ]);
    assert!(!ok);
    assert!(
        stderr.contains("641 constituencies are missing"),
        "{stderr}"
    );
    let (ok, _, stderr) =
        app.command(&["geo", "mps", mps.to_str().unwrap(), "--as-of", "2027-03-01"]);
    assert!(ok, "{stderr}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let place = app.get_json("/v1/postcodes/LL57%202DG", None).await;
        if place["mp"]["name"] == "A. N. Other" {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{place}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(40);
    loop {
        let counts = app
            .get_json("/v1/campaigns/scrapsi445/constituencies", None)
            .await;
        if counts["data_date"] == "2027-03-01" {
            assert_eq!(counts["items"][0]["mp"]["name"], "A. N. Other");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{counts}");
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
}

#[tokio::test]
async fn after_confirming_a_signer_is_told_how_many_signed_in_their_constituency() {
    let app = spawn_app_with(|_| {}).await;
    app.open_campaign_with(json!({})).await;
    // Each instance keeps its counts by constituency for a little while: the second signer
    // confirms on another instance, which counts afresh.
    let other = app.another_instance(|_| {}).await;
    let ynys_mon = postcodes_of("W07000112");
    let mut pages = Vec::new();
    for (i, (lang, base)) in [("en", app.address.clone()), ("cy", other.address.clone())]
        .into_iter()
        .enumerate()
    {
        let email = format!("neighbour{i}@example.org");
        let body = json!({"name": "Signer", "email": email, "postcode": ynys_mon[i]});
        assert_eq!(
            app.sign("scrapsi445", &body).await.status(),
            StatusCode::ACCEPTED
        );
        let messages = app.outbox_messages(i + 1).await;
        let message = messages
            .iter()
            .find(|m| crate::smtp::recipient_of(m) == email)
            .expect("a confirmation email");
        let token = crate::smtp::token_in(&crate::smtp::text_of(message), "confirm").unwrap();
        let page = app
            .client
            .post(format!("{base}/confirm/{token}?lang={lang}"))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        pages.push(page.text().await.unwrap());
    }
    assert!(
        pages[0].contains("You are the first in Ynys Môn to sign."),
        "{}",
        pages[0]
    );
    assert!(
        pages[1].contains("Mae 2 o bobl yn Ynys Môn wedi llofnodi."),
        "{}",
        pages[1]
    );
}

#[tokio::test]
async fn organisers_download_a_letter_to_each_mp_naming_only_those_who_agreed() {
    let (app, token) = many_signers_and_their_organiser().await;
    let ynys_mon = postcodes_of("W07000112");
    let bangor = postcodes_of("W07000083");
    let signers = [
        ("Llinos Jones", ynys_mon[0].as_str(), true),
        (
            "=HYPERLINK(\"http://x.example\")",
            ynys_mon[1].as_str(),
            true,
        ),
        ("Private Person", ynys_mon[2].as_str(), false),
        ("Dafydd Evans", bangor[0].as_str(), true),
        ("Siôn Roberts", bangor[1].as_str(), false),
        ("Morag Macleod", "HS1 2AN", true),
    ];
    for (i, (name, postcode, public)) in signers.iter().enumerate() {
        let body = json!({"name": name, "email": format!("mp{i}@example.org"), "postcode": postcode, "public": public});
        assert_eq!(
            app.sign("scrapsi445", &body).await.status(),
            StatusCode::ACCEPTED
        );
    }
    app.expect_total("scrapsi445", 6).await;

    let response = app
        .get(
            "/v1/campaigns/scrapsi445/mp-letters?at_least=2",
            Some(&token),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/zip");
    assert_eq!(response.headers()["x-letters"], "2");
    let files = crate::handins::unzip(&response.bytes().await.unwrap());
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "letters/W07000112-ynys-mon.html",
            "emails/W07000112-ynys-mon.txt",
            "letters/W07000083-bangor-aberconwy.html",
            "emails/W07000083-bangor-aberconwy.txt",
            "mps.csv",
        ]
    );
    let text = |name: &str| {
        String::from_utf8(files.iter().find(|(n, _)| n == name).unwrap().1.clone()).unwrap()
    };
    let letter = text("letters/W07000112-ynys-mon.html");
    assert!(letter.contains("<p>Dear Llinos Medi,</p>"), "{letter}");
    assert!(letter.contains("3 of your constituents in Ynys Môn have signed “Scrap SI 445"));
    assert!(letter.contains("<li>Llinos Jones</li>"));
    assert!(
        letter.contains("<li>=HYPERLINK(&quot;http://x.example&quot;)</li>"),
        "escaped"
    );
    assert!(letter.contains("One more signed without agreeing to be named."));
    assert!(!letter.contains("Private Person") && !letter.contains("@example.org"));
    let draft = text("emails/W07000112-ynys-mon.txt");
    assert!(
        draft.starts_with(
            "To: Llinos Medi\nSubject: 3 of your constituents in Ynys Môn have signed: Scrap SI 445"
        ),
        "{draft}"
    );
    assert!(draft.contains("- Llinos Jones\n") && !draft.contains("Private Person"));
    assert!(!draft.contains("**") && !draft.contains('<'), "{draft}");

    // The mail merge, as a spreadsheet reads it.
    let sheet = text("mps.csv");
    let mut reader = csv::Reader::from_reader(sheet.as_bytes());
    assert_eq!(
        reader.headers().unwrap(),
        vec![
            "mp_name",
            "mp_party",
            "constituency_code",
            "constituency",
            "nation",
            "signatures",
            "named",
            "letter"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(
        rows[0],
        vec![
            "Llinos Medi",
            "Plaid Cymru",
            "W07000112",
            "Ynys Môn",
            "wales",
            "3",
            "2",
            "letters/W07000112-ynys-mon.html"
        ]
    );
    assert_eq!(rows[1].get(5), Some("2"));

    // Chosen by code; a choice that leaves none is refused; others' campaigns are not theirs.
    let response = app
        .get(
            "/v1/campaigns/scrapsi445/mp-letters?constituencies=S14000027",
            Some(&token),
        )
        .await;
    assert_eq!(response.headers()["x-letters"], "1");
    for query in ["at_least=100", "constituencies=E14001290"] {
        let response = app
            .get(
                &format!("/v1/campaigns/scrapsi445/mp-letters?{query}"),
                Some(&token),
            )
            .await;
        assert_problem(response, StatusCode::CONFLICT, "campaign-not-ready").await;
    }
    for (query, field) in [
        ("at_least=0", "at_least"),
        ("constituencies=nonsense", "constituencies"),
    ] {
        let response = app
            .get(
                &format!("/v1/campaigns/scrapsi445/mp-letters?{query}"),
                Some(&token),
            )
            .await;
        let problem =
            assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
        assert_eq!(fields_of(&problem), [field], "{query}");
    }
    let response = app.get("/v1/campaigns/scrapsi445/mp-letters", None).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let stranger = app.organiser("stranger@example.org", false).await;
    let response = app
        .get("/v1/campaigns/scrapsi445/mp-letters", Some(&stranger))
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}
