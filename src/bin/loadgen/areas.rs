//! Where the signers are: the cost of placing a signature by its postcode, and of counting a
//! large campaign by constituency. Each figure beside a baseline measured in the same run.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::bail;
use serde_json::{Value, json};
use undersigned::domain::{Postcode, SignatureForm};
use undersigned::geo::{Gazetteer, Geography};

use super::{Server, confirmed, drive, open_campaign};

/// Real postcodes: 31 from every constituency in Great Britain.
const SAMPLE: &str = include_str!("../../../tests/fixtures/geo/postcodes_sample.csv");

fn sample() -> Vec<String> {
    SAMPLE
        .lines()
        .skip(1)
        .filter_map(|line| line.split(',').next().map(str::to_owned))
        .collect()
}

pub async fn measure(
    store: &Arc<dyn undersigned::store::Store>,
    client: &reqwest::Client,
    server: &Server,
    token: &str,
    rows: u64,
    (connections, seconds): (usize, u64),
) -> anyhow::Result<()> {
    let postcodes = Arc::new(sample());
    lookups(&postcodes);

    // Signing with a postcode (looked up and stored) against signing without one.
    for slug in ["bench-no-postcode", "bench-postcode"] {
        open_campaign(client, &server.address, token, slug, false).await?;
    }
    let address = Arc::new(server.address.clone());
    let (c, a) = (client.clone(), address.clone());
    let without = drive("POST signatures, no postcode", connections, seconds, move |i| {
        let (c, a) = (c.clone(), a.clone());
        async move {
            let body = json!({"name": "Load Signer", "email": format!("plain{i}@example.org")});
            matches!(c.post(format!("{a}/v1/campaigns/bench-no-postcode/signatures")).json(&body).send().await,
                Ok(r) if r.status().as_u16() == 202)
        }
    })
    .await;
    without.print(None);
    let (c, a, p) = (client.clone(), address.clone(), postcodes.clone());
    let with = drive("POST signatures, postcode", connections, seconds, move |i| {
        let (c, a, p) = (c.clone(), a.clone(), p.clone());
        async move {
            let postcode = &p[i as usize % p.len()];
            let body = json!({"name": "Load Signer", "email": format!("placed{i}@example.org"), "postcode": postcode});
            matches!(c.post(format!("{a}/v1/campaigns/bench-postcode/signatures")).json(&body).send().await,
                Ok(r) if r.status().as_u16() == 202)
        }
    })
    .await;
    with.print(Some(&without));

    if rows > 0 {
        count_by_constituency(store, client, server, token, rows, &postcodes).await?;
    }
    Ok(())
}

/// Looks every sample postcode up, many times over, in this process; the baseline is
/// parsing the same postcodes, which signing does already.
fn lookups(postcodes: &[String]) {
    let gazetteer = Gazetteer::embedded();
    let rounds = 50;
    let total = (postcodes.len() * rounds) as f64;
    let started = Instant::now();
    let mut parsed = Vec::with_capacity(postcodes.len());
    for _ in 0..rounds {
        parsed.clear();
        parsed.extend(postcodes.iter().filter_map(|p| Postcode::parse(p).ok()));
    }
    let parse_ns = started.elapsed().as_nanos() as f64 / total;
    let started = Instant::now();
    let mut placed = 0u64;
    for _ in 0..rounds {
        for postcode in &parsed {
            placed += u64::from(
                std::hint::black_box(gazetteer.place(postcode))
                    .constituency
                    .is_some(),
            );
        }
    }
    let lookup_ns = started.elapsed().as_nanos() as f64 / total;
    println!("Postcode::parse (baseline)   {parse_ns:>8.0} ns each");
    println!(
        "postcode lookup              {lookup_ns:>8.0} ns each  ({:.2}x the parse; {placed} of {total} placed)",
        lookup_ns / parse_ns
    );
}

/// Seeds `rows` confirmed signatures spread over every seat, then reads the campaign's count
/// by constituency, not yet cached; the baseline is its tally, a grouping of the same rows.
async fn count_by_constituency(
    store: &Arc<dyn undersigned::store::Store>,
    client: &reqwest::Client,
    server: &Server,
    token: &str,
    rows: u64,
    postcodes: &Arc<Vec<String>>,
) -> anyhow::Result<()> {
    let slug = "bench-areas";
    open_campaign(client, &server.address, token, slug, false).await?;
    let campaign = Arc::new(
        store
            .campaign(&undersigned::domain::Slug::parse(slug).map_err(anyhow::Error::msg)?)
            .await?
            .ok_or_else(|| anyhow::anyhow!("{slug} was not made"))?,
    );
    let geography = Geography::embedded();
    let seeded = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let seeders: Vec<_> = (0..32)
        .map(|_| {
            let (store, campaign, seeded) = (store.clone(), campaign.clone(), seeded.clone());
            let (postcodes, geography) = (postcodes.clone(), geography.clone());
            tokio::spawn(async move {
                loop {
                    let i = seeded.fetch_add(1, Ordering::Relaxed);
                    if i >= rows {
                        return;
                    }
                    let postcode = postcodes[i as usize % postcodes.len()].clone();
                    let place = geography.codes(Postcode::parse(&postcode).ok().as_ref(), false);
                    let form = SignatureForm {
                        name: format!("Seeded {i}"),
                        email: format!("area{i}@example.org"),
                        postcode: Some(postcode),
                        ..Default::default()
                    };
                    let mut submission = confirmed(&campaign, form);
                    submission.place = place;
                    store.record_signature(&submission).await.expect("seeding");
                }
            })
        })
        .collect();
    for seeder in seeders {
        seeder.await?;
    }
    println!(
        "seeded {rows} placed signatures in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    let timed = |path: String| async move {
        let started = Instant::now();
        let body: Value = client
            .get(format!("{}{path}", server.address))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        anyhow::Ok((started.elapsed().as_secs_f64() * 1000.0, body))
    };
    // The tally's total is the live count, which catches up with rows written past the
    // service within a second or so; its groupings are counted from the rows at once.
    let (tally_ms, _) = timed(format!("/v1/campaigns/{slug}/tally")).await?;
    let (areas_ms, areas) = timed(format!("/v1/campaigns/{slug}/constituencies")).await?;
    let counted: u64 = areas["items"].as_array().map_or(0, |items| {
        items.iter().filter_map(|i| i["count"].as_u64()).sum()
    });
    if counted != rows {
        bail!("the constituencies counted {counted}, not {rows}");
    }
    println!("GET tally of {rows} (baseline)  {tally_ms:>8.1} ms");
    println!(
        "GET constituencies of {rows}     {areas_ms:>8.1} ms  ({:.2}x the tally; {} constituencies; the goal is under 100 ms)",
        areas_ms / tally_ms,
        areas["items"].as_array().map_or(0, Vec::len)
    );
    Ok(())
}
