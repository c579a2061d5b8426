//! Counts: each campaign's count spread over a few rows changed in the same transaction as the
//! signatures they count, milestones, the recount that repairs drift, and the tally.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Transaction;
use tokio::sync::mpsc::UnboundedSender;
use uuid::Uuid;

use super::webhooks::{Happened, report};
use super::{SqlStore, count};
use crate::domain::WebhookEvent;
use crate::domain::records::CountDelta;
use crate::store::dialect::{Backend, sql, sql_built};
use crate::store::rows::CountRow;
use crate::store::{CountSnapshot, Counts, Recount, StoreError, TallyRows};

/// The reviews under which a confirmed signature counts (see `Review::counts`).
pub(super) const COUNTED_REVIEW: &str = "review IN ('pending', 'approved')";

/// Rows each campaign's count is spread over. Concurrent signers update different rows, so
/// they do not queue on one row's lock; a read sums them (at most this many rows).
const COUNT_SHARDS: i32 = 16;

/// Applies count changes, summed per campaign and in campaign id order, so that concurrent
/// transactions take the count rows' locks in one order and cannot deadlock on them. Not
/// announced to other instances here: a NOTIFY in every signing would serialise their
/// commits; each instance's count refresher announces what changed, a few times a second.
pub async fn apply_counts<B: Backend>(
    tx: &mut Transaction<'static, B>,
    mut deltas: Vec<(Uuid, CountDelta)>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    deltas.sort_by_key(|(campaign_id, _)| *campaign_id);
    let mut merged: Vec<(Uuid, CountDelta)> = Vec::new();
    for (campaign_id, delta) in deltas {
        match merged.last_mut() {
            Some((last, sum)) if *last == campaign_id => *sum = sum.plus(delta),
            _ => merged.push((campaign_id, delta)),
        }
    }
    for (campaign_id, delta) in merged {
        if delta.is_zero() {
            continue;
        }
        let shard = rand::Rng::random_range(&mut rand::rng(), 0..COUNT_SHARDS);
        sql::<B>(
            "INSERT INTO campaign_counts
                 (campaign_id, shard, confirmed_individuals, confirmed_organisations, pending,
                  confirmed_under_13, confirmed_13_15, confirmed_16_17, confirmed_18_plus,
                  confirmed_paper, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $11, $10)
             ON CONFLICT (campaign_id, shard) DO UPDATE SET
                 confirmed_individuals = campaign_counts.confirmed_individuals + excluded.confirmed_individuals,
                 confirmed_organisations = campaign_counts.confirmed_organisations + excluded.confirmed_organisations,
                 pending = campaign_counts.pending + excluded.pending,
                 confirmed_under_13 = campaign_counts.confirmed_under_13 + excluded.confirmed_under_13,
                 confirmed_13_15 = campaign_counts.confirmed_13_15 + excluded.confirmed_13_15,
                 confirmed_16_17 = campaign_counts.confirmed_16_17 + excluded.confirmed_16_17,
                 confirmed_18_plus = campaign_counts.confirmed_18_plus + excluded.confirmed_18_plus,
                 confirmed_paper = campaign_counts.confirmed_paper + excluded.confirmed_paper,
                 updated_at = excluded.updated_at",
        )
        .bind(campaign_id)
        .bind(shard)
        .bind(delta.individuals)
        .bind(delta.organisations)
        .bind(delta.pending)
        .bind(delta.by_age_band[0])
        .bind(delta.by_age_band[1])
        .bind(delta.by_age_band[2])
        .bind(delta.by_age_band[3])
        .bind(now)
        .bind(delta.paper)
        .execute(tx)
        .await?;
    }
    Ok(())
}

/// Makes the campaign's count rows (`COUNT_SHARDS` of them, numbered from 0).
pub async fn create_count_rows<B: Backend>(
    tx: &mut Transaction<'static, B>,
    campaign_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sql::<B>(
        "WITH RECURSIVE shards (n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM shards WHERE n < $3)
         INSERT INTO campaign_counts
             (campaign_id, shard, confirmed_individuals, confirmed_organisations, pending, updated_at)
         SELECT $1, n, 0, 0, 0, $2 FROM shards WHERE TRUE
         ON CONFLICT (campaign_id, shard) DO NOTHING",
    )
    .bind(campaign_id)
    .bind(now)
    .bind(COUNT_SHARDS - 1)
    .execute(tx)
    .await?;
    Ok(())
}

/// The sum of a campaign's count rows.
async fn stored_count<B: Backend>(
    conn: &mut B::Connection,
    campaign_id: Uuid,
) -> Result<CountSnapshot, StoreError> {
    let row: CountRow = sql::<B>(
        "SELECT CAST(COALESCE(SUM(confirmed_individuals), 0) AS BIGINT) AS confirmed_individuals,
                CAST(COALESCE(SUM(confirmed_organisations), 0) AS BIGINT) AS confirmed_organisations,
                CAST(COALESCE(SUM(pending), 0) AS BIGINT) AS pending,
                CAST(COALESCE(SUM(confirmed_under_13), 0) AS BIGINT) AS confirmed_under_13,
                CAST(COALESCE(SUM(confirmed_13_15), 0) AS BIGINT) AS confirmed_13_15,
                CAST(COALESCE(SUM(confirmed_16_17), 0) AS BIGINT) AS confirmed_16_17,
                CAST(COALESCE(SUM(confirmed_18_plus), 0) AS BIGINT) AS confirmed_18_plus,
                CAST(COALESCE(SUM(confirmed_paper), 0) AS BIGINT) AS confirmed_paper,
                MAX(updated_at) AS updated_at
         FROM campaign_counts WHERE campaign_id = $1",
    )
    .bind(campaign_id)
    .fetch_one(conn)
    .await?;
    Ok(row.into())
}

/// `(key, n)` rows of a tally, with their counts as the domain's.
fn counted<K>(rows: Vec<(K, i64)>) -> Vec<(K, u64)> {
    rows.into_iter().map(|(k, n)| (k, count(n))).collect()
}

#[async_trait]
impl<B: Backend> Counts for SqlStore<B> {
    async fn campaign_count(&self, campaign_id: Uuid) -> Result<CountSnapshot, StoreError> {
        stored_count::<B>(&mut *self.conn().await?, campaign_id).await
    }

    async fn reach_milestones(
        &self,
        campaign_id: Uuid,
        reached: &[u64],
        now: DateTime<Utc>,
    ) -> Result<Vec<(u64, DateTime<Utc>)>, StoreError> {
        let mut tx = self.begin_read().await?;
        for count in reached {
            let first = sql::<B>(
                "INSERT INTO campaign_milestones (campaign_id, count, reached_at) VALUES ($1, $2, $3)
                 ON CONFLICT (campaign_id, count) DO NOTHING",
            )
            .bind(campaign_id)
            .bind(i64::try_from(*count).unwrap_or(i64::MAX))
            .bind(now)
            .execute(&mut tx)
            .await?;
            // Reported once: only by the instance whose insert recorded it.
            if first == 1 {
                let reached = Happened {
                    campaign_id,
                    event: WebhookEvent::MilestoneReached,
                    signature_id: None,
                    extra: serde_json::json!({"milestone": count}),
                };
                report(&mut tx, &[reached], now).await?;
            }
        }
        let rows: Vec<(i64, DateTime<Utc>)> = sql::<B>(
            "SELECT count, reached_at FROM campaign_milestones WHERE campaign_id = $1 ORDER BY count",
        )
        .bind(campaign_id)
        .fetch_all(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(rows.into_iter().map(|(c, at)| (count(c), at)).collect())
    }

    async fn recount(&self, campaign_id: Uuid, now: DateTime<Utc>) -> Result<Recount, StoreError> {
        let mut tx = self.begin_write().await?;
        create_count_rows(&mut tx, campaign_id, now).await?;
        // Every count row exists (they are made with the campaign): signings in flight finish
        // first, and new ones wait until the recount commits.
        sql_built::<B>(format!(
            "SELECT shard FROM campaign_counts WHERE campaign_id = $1 {}",
            B::FOR_UPDATE
        ))
        .bind(campaign_id)
        .execute(&mut tx)
        .await?;
        let stored = stored_count::<B>(&mut tx, campaign_id).await?;
        let counted = |condition: &str, name: &str| {
            format!(
                "CAST(COALESCE(SUM(CASE WHEN status = 'confirmed' AND {COUNTED_REVIEW} \
                 AND {condition} THEN 1 ELSE 0 END), 0) AS BIGINT) AS {name}"
            )
        };
        let actual: CountRow = sql_built::<B>(format!(
            "SELECT {}, {}, {}, {}, {}, {}, {},
                 CAST(COALESCE(SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END), 0) AS BIGINT)
                     AS pending,
                 MAX(signed_at) AS updated_at
             FROM signatures WHERE campaign_id = $1",
            counted("signatory_type = 'individual'", "confirmed_individuals"),
            counted("signatory_type = 'organisation'", "confirmed_organisations"),
            counted("age_band = 'under-13'", "confirmed_under_13"),
            counted("age_band = '13-15'", "confirmed_13_15"),
            counted("age_band = '16-17'", "confirmed_16_17"),
            counted("age_band = '18-plus'", "confirmed_18_plus"),
            counted("paper_sheet IS NOT NULL", "confirmed_paper"),
        ))
        .bind(campaign_id)
        .fetch_one(&mut tx)
        .await?;
        let recount = Recount {
            stored,
            actual: actual.into(),
        };
        if recount.drifted() {
            // All of the true count goes in row 0; the others start again from nothing.
            let bands = recount.actual.by_age_band.map(|n| n as i64);
            sql::<B>(
                "UPDATE campaign_counts SET
                     confirmed_individuals = CASE WHEN shard = 0 THEN $2 ELSE 0 END,
                     confirmed_organisations = CASE WHEN shard = 0 THEN $3 ELSE 0 END,
                     pending = CASE WHEN shard = 0 THEN $4 ELSE 0 END,
                     confirmed_under_13 = CASE WHEN shard = 0 THEN $5 ELSE 0 END,
                     confirmed_13_15 = CASE WHEN shard = 0 THEN $6 ELSE 0 END,
                     confirmed_16_17 = CASE WHEN shard = 0 THEN $7 ELSE 0 END,
                     confirmed_18_plus = CASE WHEN shard = 0 THEN $8 ELSE 0 END,
                     updated_at = $9,
                     confirmed_paper = CASE WHEN shard = 0 THEN $10 ELSE 0 END
                 WHERE campaign_id = $1",
            )
            .bind(campaign_id)
            .bind(recount.actual.confirmed_individuals as i64)
            .bind(recount.actual.confirmed_organisations as i64)
            .bind(recount.actual.pending as i64)
            .bind(bands[0])
            .bind(bands[1])
            .bind(bands[2])
            .bind(bands[3])
            .bind(now)
            .bind(recount.actual.paper as i64)
            .execute(&mut tx)
            .await?;
            B::announce(&mut tx, &[campaign_id]).await?;
        }
        tx.commit().await?;
        Ok(recount)
    }

    async fn tally(&self, campaign_id: Uuid) -> Result<TallyRows, StoreError> {
        let mut conn = self.conn().await?;
        let mut grouped = Vec::with_capacity(4);
        for column in ["source", "country", "postcode_area", "age_band"] {
            let rows: Vec<(Option<String>, i64)> = sql_built::<B>(format!(
                "SELECT {column}, COUNT(*) AS n FROM signatures
                 WHERE campaign_id = $1 AND status = 'confirmed' AND {COUNTED_REVIEW}
                 GROUP BY {column} ORDER BY n DESC, {column}"
            ))
            .bind(campaign_id)
            .fetch_all(&mut conn)
            .await?;
            grouped.push(counted(rows));
        }
        let by_hour = sql_built::<B>(format!(
            "SELECT {} AS hour, COUNT(*) AS n FROM signatures
             WHERE campaign_id = $1 AND status = 'confirmed' AND {COUNTED_REVIEW}
             GROUP BY hour ORDER BY hour",
            B::HOUR_OF_CONFIRMATION
        ))
        .bind(campaign_id)
        .fetch_all(&mut conn)
        .await?;
        // The constituency, where the postcode gave one, places a signature exactly; the
        // postcode area, in the few areas that cross a border, only nearly.
        let by_country_and_area: Vec<(String, Option<String>, i64)> = sql_built::<B>(format!(
            "SELECT country, COALESCE(SUBSTR(constituency, 1, 3), postcode_area) AS place,
                    COUNT(*) AS n FROM signatures
             WHERE campaign_id = $1 AND status = 'confirmed' AND {COUNTED_REVIEW}
             GROUP BY country, place"
        ))
        .bind(campaign_id)
        .fetch_all(&mut conn)
        .await?;
        let [by_source, by_country, by_postcode_area, by_age_band] =
            <[_; 4]>::try_from(grouped).expect("four groupings");
        Ok(TallyRows {
            by_source,
            // Every signature has a country.
            by_country: by_country
                .into_iter()
                .map(|(c, n)| (c.unwrap_or_default(), n))
                .collect(),
            by_postcode_area,
            by_hour: counted(by_hour),
            by_age_band,
            by_country_and_area: by_country_and_area
                .into_iter()
                .map(|(country, area, n)| (country, area, u64::try_from(n).unwrap_or(0)))
                .collect(),
        })
    }

    async fn watch_changes(&self, changes: UnboundedSender<Uuid>) {
        B::watch_changes(self.pool.clone(), changes);
    }

    async fn announce_changes(&self, campaign_ids: &[Uuid]) -> Result<(), StoreError> {
        B::announce(&mut *self.conn().await?, campaign_ids).await
    }
}
