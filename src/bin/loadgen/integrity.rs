//! Defending a count at scale: the integrity view of a large campaign, and invalidating (then
//! restoring) a flood within it, each beside the campaign's tally, a grouping of the same rows
//! measured in the same run.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::bail;
use serde_json::{Value, json};
use undersigned::domain::SignatureForm;

use super::{Server, confirmed, open_campaign};

pub async fn measure(
    store: &Arc<dyn undersigned::store::Store>,
    client: &reqwest::Client,
    server: &Server,
    token: &str,
    rows: u64,
) -> anyhow::Result<()> {
    let slug = "bench-integrity";
    open_campaign(client, &server.address, token, slug, false).await?;
    let campaign = Arc::new(
        store
            .campaign(&undersigned::domain::Slug::parse(slug).map_err(anyhow::Error::msg)?)
            .await?
            .ok_or_else(|| anyhow::anyhow!("{slug} was not made"))?,
    );
    // One in ten from one /24 with one domain: the flood.
    let flood = rows / 10;
    let seeded = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let seeders: Vec<_> = (0..32)
        .map(|_| {
            let (store, campaign, seeded) = (store.clone(), campaign.clone(), seeded.clone());
            tokio::spawn(async move {
                loop {
                    let i = seeded.fetch_add(1, Ordering::Relaxed);
                    if i >= rows {
                        return;
                    }
                    let flooding = i % 10 == 0;
                    let form = SignatureForm {
                        name: format!("Seeded {i}"),
                        email: if flooding {
                            format!("bot{i}@flood.example")
                        } else {
                            format!("person{i}@example{}.org", i % 500)
                        },
                        ..Default::default()
                    };
                    let mut submission = confirmed(&campaign, form);
                    submission.client = Some(if flooding {
                        format!("203.0.113.{}", i % 250)
                            .parse()
                            .expect("an address")
                    } else {
                        format!("10.{}.{}.9", (i / 250) % 250, i % 250)
                            .parse()
                            .expect("an address")
                    });
                    store.record_signature(&submission).await.expect("seeding");
                }
            })
        })
        .collect();
    for seeder in seeders {
        seeder.await?;
    }
    println!(
        "seeded {rows} signatures ({flood} of them a flood) in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    let send = |request: reqwest::RequestBuilder| async move {
        let started = Instant::now();
        let body: Value = request.send().await?.error_for_status()?.json().await?;
        anyhow::Ok((started.elapsed().as_secs_f64() * 1000.0, body))
    };
    let url = |path: &str| format!("{}/v1/campaigns/{slug}{path}", server.address);
    let (tally_ms, _) = send(client.get(url("/tally"))).await?;
    let (view_ms, view) = send(client.get(url("/integrity")).bearer_auth(token)).await?;
    if view["total"].as_u64() != Some(rows) {
        bail!("the integrity view counted {}, not {rows}", view["total"]);
    }
    let block = view["blocks"][0]["key"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    println!("GET tally of {rows} (baseline)      {tally_ms:>8.1} ms");
    println!(
        "GET integrity of {rows}              {view_ms:>8.1} ms  ({:.2}x the tally; the goal is under 1 s)",
        view_ms / tally_ms
    );
    let filter = json!({"block": block});
    let (preview_ms, preview) = send(
        client
            .post(url("/invalidations"))
            .bearer_auth(token)
            .json(&json!({"filter": filter, "dry_run": true})),
    )
    .await?;
    let (invalidate_ms, done) = send(
        client
            .post(url("/invalidations"))
            .bearer_auth(token)
            .json(&json!({"filter": filter, "reason": "measured"})),
    )
    .await?;
    if done["count"] != preview["count"] || done["count"].as_u64() != Some(flood) {
        bail!(
            "the preview said {} and the invalidation took {}, not {flood}",
            preview["count"],
            done["count"]
        );
    }
    let id = done["id"].as_str().unwrap_or_default();
    let (restore_ms, restored) = send(
        client
            .post(url(&format!("/invalidations/{id}/restore")))
            .bearer_auth(token)
            .json(&json!({})),
    )
    .await?;
    if restored["count"].as_u64() != Some(flood) {
        bail!("restored {}, not {flood}", restored["count"]);
    }
    println!(
        "POST preview of {flood}               {preview_ms:>8.1} ms  ({:.2}x the tally)",
        preview_ms / tally_ms
    );
    println!(
        "POST invalidate {flood}               {invalidate_ms:>8.1} ms  ({:.2}x the tally; the goal is under 5 s)",
        invalidate_ms / tally_ms
    );
    println!(
        "POST restore {flood}                  {restore_ms:>8.1} ms  ({:.2}x the tally)",
        restore_ms / tally_ms
    );
    Ok(())
}
