//! Moderation in bulk: a letter with many pending signatories, approved in one request by a
//! filter, as the console's "all that match" sends it. The baseline, in the same run, is
//! reading the same rows once as the CSV export.

use std::sync::Arc;
use std::time::Instant;

use anyhow::bail;
use serde_json::{Value, json};
use undersigned::domain::CampaignKind;

use super::{Server, read_export, seeded_campaign};

pub async fn measure(
    store: &Arc<dyn undersigned::store::Store>,
    client: &reqwest::Client,
    server: &Server,
    token: &str,
    organiser: uuid::Uuid,
    rows: u64,
) -> anyhow::Result<()> {
    let slug = "bench-review";
    seeded_campaign(store, slug, CampaignKind::Letter, organiser, rows).await?;
    let (exported, _, export_seconds) = read_export(client, server, token, slug).await?;
    if exported != rows {
        bail!("the export had {exported} rows, not {rows}");
    }
    println!("CSV export of {rows} rows (baseline)   {export_seconds:>6.2} s");

    let started = Instant::now();
    let answer: Value = client
        .post(format!(
            "{}/v1/campaigns/{slug}/signatures/review",
            server.address
        ))
        .bearer_auth(token)
        .json(&json!({"filter": {"review": "pending"}, "review": "approved"}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let seconds = started.elapsed().as_secs_f64();
    if answer["changed"].as_u64() != Some(rows) {
        bail!("{} were approved, not {rows}", answer["changed"]);
    }
    println!(
        "approve {rows} by filter       {seconds:>6.2} s  ({:.1}× the export; the goal is under 10 s)",
        seconds / export_seconds
    );
    let listed = client
        .get(format!(
            "{}/v1/campaigns/{slug}/signatures?review=approved&limit=1",
            server.address
        ))
        .bearer_auth(token)
        .send()
        .await?
        .error_for_status()?
        .json::<Value>()
        .await?;
    match listed["matching"].as_u64() {
        Some(n) if n == rows => println!("check: all {rows} are approved"),
        other => bail!("{other:?} are approved, not {rows}"),
    }
    Ok(())
}
