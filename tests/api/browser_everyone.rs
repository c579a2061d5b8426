//! Everyone can sign, in a real browser: the form in Welsh for a campaign that welcomes young
//! signers and asks for proof of work, checked with axe-core at each state and width; a child
//! signs with a parent's address, the proof solved by the page's Web Worker; the same solution
//! sent twice is refused the second time.

use fantoccini::Locator;
use serde_json::{Value, json};

use crate::browser::{browser, click, text_at, wait_for_script, wait_visible};
use crate::console::{axe_source, check_screen};
use crate::helpers::spawn_app;

#[tokio::test]
async fn a_child_signs_in_welsh_with_a_proof_of_work_solved_in_the_browser() {
    let Some(browser) = browser().await else {
        return;
    };
    let client = &browser.client;
    let app = spawn_app().await;
    app.open_campaign_with(json!({
        "require_confirmation": false,
        "young_signers": true,
        "require_proof_of_work": true,
        "translations": {"cy": {
            "title": "Diddymu OS 445: adfer hawliau plant mewn gofal",
            "summary": "Fe wnaeth Offeryn Statudol 445 ddileu amddiffyniadau cyfreithiol plant mewn gofal.",
        }},
    }))
    .await;
    let axe = axe_source();

    client
        .goto(&format!("{}/embed/scrapsi445?lang=cy", app.address))
        .await
        .unwrap();
    wait_visible(client, "#age_band").await;
    let lang = client
        .execute("return document.documentElement.lang;", vec![])
        .await
        .unwrap();
    assert_eq!(lang, "cy");
    check_screen(client, axe.as_deref(), "embed-welsh-young").await;

    // Sent empty: each fault in Welsh, beside its field and in the summary.
    click(client, "button[type=submit]").await;
    let error = wait_visible(client, "#age_band-error").await;
    assert_eq!(error.text().await.unwrap(), "Dy oedran: mae angen hwn.");
    if let Some(axe) = axe.as_deref() {
        let faults = crate::console::accessibility_faults(client, axe).await;
        assert!(
            faults.is_empty(),
            "the Welsh form showing errors: {faults:#?}"
        );
    }

    // Under 13: the address asked for is a parent's or carer's.
    click(client, "#age_band-under-13").await;
    let label = text_at(client, "label[for=email]").await;
    assert_eq!(label, "Cyfeiriad e-bost dy riant neu dy ofalwr");
    // No box to be listed or contacted is offered to a child.
    assert!(
        !client
            .find(Locator::Id("consents"))
            .await
            .unwrap()
            .is_displayed()
            .await
            .unwrap()
    );
    client
        .find(Locator::Id("name"))
        .await
        .unwrap()
        .send_keys("Elis")
        .await
        .unwrap();
    client
        .find(Locator::Id("email"))
        .await
        .unwrap()
        .send_keys("rhiant@example.org")
        .await
        .unwrap();
    click(client, "button[type=submit]").await;
    let outcome = wait_visible(client, "#outcome").await;
    assert!(
        outcome
            .text()
            .await
            .unwrap()
            .contains("Rydyn ni wedi anfon e-bost at dy riant"),
        "{}",
        outcome.text().await.unwrap()
    );
    check_screen(client, axe.as_deref(), "embed-welsh-young-thanks").await;
    // The page's worker solved the proof, the service spent it, and the child waits for the
    // parent: stored in Welsh, as under 13, not yet counted.
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM spent_challenges WHERE challenge <> $1",
            ""
        )
        .await,
        1
    );
    let stored = app
        .texts(
            "SELECT lang, age_band, status FROM signatures WHERE email = $1",
            "rhiant@example.org",
        )
        .await;
    assert_eq!(
        stored,
        vec![vec![
            Some("cy".to_owned()),
            Some("under-13".to_owned()),
            Some("pending".to_owned())
        ]]
    );
    let messages = app.outbox_messages(1).await;
    assert!(crate::smtp::subject_of(&messages[0]).starts_with("Mae eich plentyn"));

    // The parent's link opens the confirmation page in Welsh; its button confirms.
    let token = crate::smtp::token_in(&crate::smtp::text_of(&messages[0]), "confirm")
        .expect("a confirmation link");
    client
        .goto(&format!("{}/confirm/{token}?lang=cy", app.address))
        .await
        .unwrap();
    wait_visible(client, "form button").await;
    let said = text_at(client, "main p:not(.language)").await;
    assert!(said.contains("Diddymu OS 445"), "the Welsh title: {said}");
    check_screen(client, axe.as_deref(), "confirm-welsh").await;
    click(client, "form button").await;
    wait_for_script(
        client,
        "return document.querySelector('h1').textContent.indexOf('Diolch') === 0;",
        "the Welsh thank-you for confirming",
    )
    .await;
    // The thank-you page: the count it joined and one clear ask to share, checked at phone
    // widths too.
    let said = text_at(client, "main").await;
    assert!(
        said.contains("Mae un llais arall"),
        "the ask to share: {said}"
    );
    check_screen(client, axe.as_deref(), "thanks-welsh").await;
    app.expect_total("scrapsi445", 1).await;

    // The same solution twice, from the page: taken once, refused after.
    client
        .goto(&format!("{}/embed/scrapsi445", app.address))
        .await
        .unwrap();
    wait_visible(client, "#sign").await;
    let statuses: Value = client
        .execute_async(
            "var done = arguments[arguments.length - 1];
             fetch('/v1/altcha/challenge').then(function (r) { return r.json(); }).then(function (c) {
               var w = new Worker('/embed/altcha-worker.js');
               w.onmessage = function (e) {
                 var altcha = btoa(JSON.stringify({algorithm: c.algorithm, challenge: c.challenge,
                   number: e.data.number, salt: c.salt, signature: c.signature}));
                 var send = function (email) {
                   return fetch('/v1/campaigns/scrapsi445/signatures', {method: 'POST',
                     headers: {'Content-Type': 'application/json'},
                     body: JSON.stringify({name: 'Ffion', email: email, age_band: '18-plus', altcha: altcha})})
                     .then(function (r) { return r.status; });
                 };
                 send('ffion@example.org').then(function (first) {
                   send('bot@example.org').then(function (second) { done([first, second]); });
                 });
               };
               w.postMessage(c);
             });",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(statuses, json!([202, 422]));
    wait_for_script(
        client,
        "return document.getElementById('count').textContent === '2';",
        "the live count to show the adult who signed, beside the child",
    )
    .await;
}
