//! The outbox under load: confirmations in a lane of their own, several SMTP connections at
//! once, and the queue's depth on `/metrics`.

use std::time::Duration;

use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, signer, spawn_app_with};
use crate::smtp::{SmtpSink, subject_of};

/// A petition that needs no confirmation (each signer gets a thank-you note) and one that does,
/// both open.
async fn two_campaigns(app: &TestApp) {
    let token = app.organiser("organiser@article39.example", false).await;
    for (slug, confirm) in [("thanks-backlog", false), ("scrapsi445", true)] {
        app.create_campaign(
            &token,
            json!({"slug": slug, "require_confirmation": confirm}),
        )
        .await;
        app.open_campaign(&token, slug).await;
    }
}

async fn sign_many(app: &TestApp, slug: &str, how_many: usize) {
    let bodies: Vec<_> = (0..how_many)
        .map(|i| signer("Backlog Signer", &format!("backlog{i}@example.org")))
        .collect();
    let answers = join_all(bodies.iter().map(|body| app.sign(slug, body))).await;
    for answer in answers {
        assert_eq!(answer.status(), StatusCode::ACCEPTED);
    }
}

fn is_confirmation(message: &str) -> bool {
    subject_of(message).starts_with("Please confirm")
}

#[tokio::test]
async fn a_confirmation_overtakes_a_backlog_of_thank_you_notes() {
    const BACKLOG: usize = 60;
    // One connection a lane to a server that takes 40 ms a message: the backlog takes seconds.
    let sink = SmtpSink::start_taking(Duration::from_millis(40)).await;
    let app = spawn_app_with(|s| {
        s.smtp_url = Some(sink.url().into());
        s.mail_connections = 1;
        s.sign_per_minute_per_address = 1_000;
        s.sign_per_minute_per_campaign = 1_000;
    })
    .await;
    two_campaigns(&app).await;
    sign_many(&app, "thanks-backlog", BACKLOG).await;
    sink.wait_for(1).await;

    let response = app
        .sign("scrapsi445", &signer("Siân Lloyd", "sian@example.org"))
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let arrived = sink
        .wait_until(|m| m.iter().any(|m| is_confirmation(m)), "the confirmation")
        .await;
    let thanks_before = arrived.iter().take_while(|m| !is_confirmation(m)).count();
    assert!(
        thanks_before < BACKLOG / 2,
        "the confirmation waited behind {thanks_before} of {BACKLOG} thank-you notes"
    );

    // The backlog still goes out in full, each email once.
    let all = sink.wait_for(BACKLOG + 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.messages().len(), BACKLOG + 1, "{}", all.len());
    assert_eq!(all.iter().filter(|m| is_confirmation(m)).count(), 1);
}

#[tokio::test]
async fn a_lane_sends_over_several_connections_at_once() {
    let sink = SmtpSink::start_taking(Duration::from_millis(30)).await;
    let app = spawn_app_with(|s| {
        s.smtp_url = Some(sink.url().into());
        s.mail_connections = 3;
        s.sign_per_minute_per_address = 1_000;
        s.sign_per_minute_per_campaign = 1_000;
    })
    .await;
    two_campaigns(&app).await;
    sign_many(&app, "thanks-backlog", 40).await;
    sink.wait_for(40).await;
    let open = sink.most_sessions_open();
    assert!(
        (2..=3).contains(&open),
        "{open} connections were open at once"
    );
    // Sent emails are recorded a batch at a time, just after the batch.
    let mut recorded = 0;
    for _ in 0..50 {
        recorded = app
            .scalar(
                "SELECT COUNT(*) FROM outbox o JOIN signatures s ON s.id = o.signature_id
                 JOIN campaigns c ON c.id = s.campaign_id
                 WHERE c.slug = $1 AND o.sent_at IS NOT NULL AND o.recipient IS NULL",
                "thanks-backlog",
            )
            .await;
        if recorded == 40 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("only {recorded} of 40 sent emails were recorded as sent");
}

#[tokio::test]
async fn the_queue_of_each_lane_is_on_the_metrics() {
    // Nothing listens on port 9: every email waits, to be retried.
    let app = spawn_app_with(|s| {
        s.smtp_url = Some("smtp://127.0.0.1:9".to_owned().into());
    })
    .await;
    two_campaigns(&app).await;
    let metrics = app.metrics().await;
    for lane in ["first", "second"] {
        assert!(
            metrics.contains(&format!("undersigned_outbox_waiting{{lane=\"{lane}\"}} 0")),
            "{metrics}"
        );
    }
    sign_many(&app, "thanks-backlog", 2).await;
    app.sign("scrapsi445", &signer("Siân Lloyd", "sian@example.org"))
        .await;
    let wanted = [
        "undersigned_outbox_waiting{lane=\"first\"} 1",
        "undersigned_outbox_waiting{lane=\"second\"} 2",
    ];
    for _ in 0..150 {
        let metrics = app.metrics().await;
        if wanted.iter().all(|line| metrics.contains(line)) {
            let oldest = metrics
                .lines()
                .find(|l| l.starts_with("undersigned_outbox_oldest_seconds{lane=\"first\"}"))
                .expect("the first lane's age");
            let seconds: f64 = oldest.rsplit(' ').next().unwrap().parse().unwrap();
            assert!(seconds > 0.0, "{oldest}");
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "the metrics never showed the waiting emails: {}",
        app.metrics().await
    );
}

#[tokio::test]
async fn two_instances_on_one_postgresql_share_the_queue_and_send_each_email_once() {
    const SIGNERS: usize = 150;
    let (first_sink, second_sink) = (
        SmtpSink::start_taking(Duration::from_millis(10)).await,
        SmtpSink::start_taking(Duration::from_millis(10)).await,
    );
    let busy = |s: &mut undersigned::config::Settings| {
        s.mail_connections = 1;
        s.sign_per_minute_per_address = 10_000;
        s.sign_per_minute_per_campaign = 10_000;
    };
    let first = spawn_app_with(|s| {
        busy(s);
        s.smtp_url = Some(first_sink.url().into());
    })
    .await;
    if !first.database.is_postgres() {
        eprintln!("one instance per SQLite file is the supported shape: nothing to test");
        return;
    }
    let store = undersigned::store::connect(&first.database_url.parse().unwrap())
        .await
        .unwrap();
    let mut settings = crate::helpers::test_settings(&first.database_url);
    busy(&mut settings);
    settings.smtp_url = Some(second_sink.url().into());
    settings.outbox_dir = first.outbox.path().to_owned();
    let second = undersigned::startup::Application::build_with_store(settings, store)
        .await
        .unwrap();
    let handle = second.handle();
    tokio::spawn(second.run_until_stopped());

    two_campaigns(&first).await;
    sign_many(&first, "thanks-backlog", SIGNERS).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while first_sink.messages().len() + second_sink.messages().len() < SIGNERS {
        assert!(
            tokio::time::Instant::now() < deadline,
            "not every email was sent"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Past the leases of anything still claimed: nothing more may arrive.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (by_first, by_second) = (first_sink.messages(), second_sink.messages());
    assert_eq!(by_first.len() + by_second.len(), SIGNERS);
    let recipients: std::collections::HashSet<_> = by_first
        .iter()
        .chain(&by_second)
        .map(|m| crate::smtp::recipient_of(m))
        .collect();
    assert_eq!(recipients.len(), SIGNERS, "an email went twice");
    assert!(
        !by_second.is_empty(),
        "the second instance sent none of {SIGNERS}"
    );
    handle.stop(false).await;
}
