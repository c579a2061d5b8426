//! Where a campaign's signatures came from (by hour, address block, email domain and source),
//! bulk invalidation and its undoing, and the blocklists.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::counts::apply_counts;
use super::{SqlStore, count, placeholders};
use crate::domain::integrity::{
    Blocklist, InvalidationFigures, InvalidationFilter, InvalidationSample,
};
use crate::domain::records::CountDelta;
use crate::store::dialect::{Backend, InsertRows, Sql, column, sql, sql_built};
use crate::store::rows::{STATE_COLUMNS, SignatureStateRow};
use crate::store::{
    Integrity, IntegrityRows, InvalidationRecord, NewInvalidation, Restoration, StoreError,
};

/// How many of the busiest blocks, domains and sources the view lists.
const TOP: i64 = 20;

/// A value an invalidation's filter binds.
enum Bound {
    Text(String),
    Time(DateTime<Utc>),
}

/// The conditions of an invalidation's filter, `AND`ed after `campaign_id = $1`, with their
/// values in the order of their parameters (numbered from `$2`). Emails are matched by their
/// deduplication key, which outlives an erased address.
fn filter_conditions(
    filter: &InvalidationFilter,
    email_hashes: Vec<String>,
) -> (String, Vec<Bound>) {
    let mut conditions = String::new();
    let mut values = Vec::new();
    let next = |value: Bound, values: &mut Vec<Bound>| {
        values.push(value);
        values.len() + 1
    };
    if let Some(block) = &filter.block {
        let n = next(Bound::Text(block.as_str().to_owned()), &mut values);
        conditions.push_str(&format!(
            " AND (client_block = ${n} OR client_network = ${n})"
        ));
    }
    if let Some(domain) = &filter.domain {
        let n = next(Bound::Text(domain.as_str().to_owned()), &mut values);
        conditions.push_str(&format!(" AND email_domain = ${n}"));
    }
    match &filter.source {
        Some(Some(code)) => {
            let n = next(Bound::Text(code.as_str().to_owned()), &mut values);
            conditions.push_str(&format!(" AND source = ${n}"));
        }
        Some(None) => conditions.push_str(" AND source IS NULL"),
        None => {}
    }
    if let Some(from) = filter.from {
        let n = next(Bound::Time(from), &mut values);
        conditions.push_str(&format!(" AND signed_at >= ${n}"));
    }
    if let Some(to) = filter.to {
        let n = next(Bound::Time(to), &mut values);
        conditions.push_str(&format!(" AND signed_at < ${n}"));
    }
    if filter.emails.is_some() {
        // An empty list matches nothing (the parse refuses one; this keeps the SQL valid).
        if email_hashes.is_empty() {
            conditions.push_str(" AND FALSE");
        } else {
            let list = placeholders(values.len() + 2, email_hashes.len());
            conditions.push_str(&format!(" AND email_hash IN ({list})"));
        }
        values.extend(email_hashes.into_iter().map(Bound::Text));
    }
    (conditions, values)
}

fn bind_all<B: Backend>(mut query: Sql<B>, campaign_id: Uuid, values: &[Bound]) -> Sql<B> {
    query = query.bind(campaign_id);
    for value in values {
        query = match value {
            Bound::Text(text) => query.bind(text.clone()),
            Bound::Time(at) => query.bind(*at),
        };
    }
    query
}

/// Signatures an invalidation may take: those that count or may yet count.
const TAKEABLE: &str = "status IN ('pending', 'confirmed')";

#[derive(sqlx::FromRow)]
struct SampleRow {
    id: Uuid,
    name: Option<String>,
    email: Option<String>,
    status: String,
    signed_at: DateTime<Utc>,
}

impl From<SampleRow> for InvalidationSample {
    fn from(row: SampleRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            email: row.email,
            status: row.status,
            signed_at: row.signed_at,
        }
    }
}

#[derive(sqlx::FromRow)]
struct InvalidationRow {
    id: Uuid,
    filter: String,
    reason: String,
    signatures: i64,
    confirmed: i64,
    created_at: DateTime<Utc>,
    restorable_until: DateTime<Utc>,
    restored_at: Option<DateTime<Utc>>,
}

/// What signatures moving into (`sign = 1`) or out of (`-1`) the count change, and how many of
/// them are confirmed.
fn moved(rows: &[SignatureStateRow], sign: i64) -> (CountDelta, u64) {
    let delta = rows
        .iter()
        .fold(CountDelta::default(), |sum, row| sum.plus(row.delta(sign)));
    let confirmed = rows
        .iter()
        .filter(|row| row.status == crate::domain::SignatureStatus::Confirmed)
        .count() as u64;
    (delta, confirmed)
}

impl From<InvalidationRow> for InvalidationRecord {
    fn from(row: InvalidationRow) -> Self {
        Self {
            id: row.id,
            filter: serde_json::from_str(&row.filter).unwrap_or_default(),
            reason: row.reason,
            signatures: count(row.signatures),
            confirmed: count(row.confirmed),
            created_at: row.created_at,
            restorable_until: row.restorable_until,
            restored_at: row.restored_at,
        }
    }
}

impl<B: Backend> SqlStore<B> {
    /// Up to `size` of the signatures a filter takes, newest first.
    async fn sample_of(
        &self,
        conn: &mut B::Connection,
        campaign_id: Uuid,
        conditions: &str,
        values: &[Bound],
        size: u32,
    ) -> Result<Vec<InvalidationSample>, StoreError> {
        let rows: Vec<SampleRow> = bind_all(
            sql_built::<B>(format!(
                "SELECT id, name, email, status, signed_at FROM signatures
                 WHERE campaign_id = $1 AND {TAKEABLE} {conditions}
                 ORDER BY signed_at DESC, id LIMIT {size}"
            )),
            campaign_id,
            values,
        )
        .fetch_all(conn)
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}

#[async_trait]
impl<B: Backend> Integrity for SqlStore<B> {
    async fn integrity_rows(
        &self,
        campaign_id: Uuid,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> Result<IntegrityRows, StoreError> {
        let mut conn = self.conn().await?;
        let range = "campaign_id = $1 AND ($2 IS NULL OR signed_at >= $2)
                     AND ($3 IS NULL OR signed_at < $3)";
        let hours: Vec<(String, String, i64)> = sql_built::<B>(format!(
            "SELECT {} AS hour, status, COUNT(*) AS n FROM signatures WHERE {range}
             GROUP BY hour, status ORDER BY hour",
            B::HOUR_OF_SIGNING
        ))
        .bind(campaign_id)
        .bind(from)
        .bind(to)
        .fetch_all(&mut conn)
        .await?;
        // The busiest of `grp` over the rows `keyed` gives (each with its status), with how
        // many were confirmed. A block is either of a signature's two blocks.
        let single =
            |column: &str| format!("SELECT {column} AS grp, status FROM signatures WHERE {range}");
        let blocks = format!(
            "SELECT client_block AS grp, status FROM signatures
             WHERE {range} AND client_block IS NOT NULL
             UNION ALL
             SELECT client_network AS grp, status FROM signatures
             WHERE {range} AND client_network IS NOT NULL"
        );
        let mut busiest = Vec::with_capacity(3);
        for keyed in [blocks, single("email_domain"), single("source")] {
            let rows: Vec<(Option<String>, i64, i64)> = sql_built::<B>(format!(
                "SELECT grp, COUNT(*) AS n,
                        CAST(SUM(CASE WHEN status = 'confirmed' THEN 1 ELSE 0 END) AS BIGINT) AS c
                 FROM ({keyed}) keyed
                 GROUP BY grp ORDER BY n DESC, grp LIMIT {TOP}"
            ))
            .bind(campaign_id)
            .bind(from)
            .bind(to)
            .fetch_all(&mut conn)
            .await?;
            busiest.push(
                rows.into_iter()
                    .map(|(key, n, c)| (key, count(n), count(c)))
                    .collect(),
            );
        }
        let [blocks, domains, sources] = <[_; 3]>::try_from(busiest).expect("three groupings");
        Ok(IntegrityRows {
            hours: hours
                .into_iter()
                .map(|(hour, status, n)| (hour, status, count(n)))
                .collect(),
            blocks,
            domains,
            sources,
        })
    }

    async fn preview_invalidation(
        &self,
        campaign_id: Uuid,
        filter: &InvalidationFilter,
        sample: u32,
    ) -> Result<InvalidationFigures, StoreError> {
        let hashes = self.email_hashes(filter);
        let (conditions, values) = filter_conditions(filter, hashes);
        let mut conn = self.conn().await?;
        let (signatures, confirmed): (i64, i64) = bind_all(
            sql_built::<B>(format!(
                "SELECT COUNT(*),
                        CAST(COALESCE(SUM(CASE WHEN status = 'confirmed' THEN 1 ELSE 0 END), 0)
                             AS BIGINT)
                 FROM signatures WHERE campaign_id = $1 AND {TAKEABLE} {conditions}"
            )),
            campaign_id,
            &values,
        )
        .fetch_one(&mut conn)
        .await?;
        let sample = self
            .sample_of(&mut conn, campaign_id, &conditions, &values, sample)
            .await?;
        Ok(InvalidationFigures {
            signatures: count(signatures),
            confirmed: count(confirmed),
            sample,
        })
    }

    async fn invalidate(
        &self,
        invalidation: &NewInvalidation,
        sample: u32,
    ) -> Result<InvalidationFigures, StoreError> {
        let campaign_id = invalidation.campaign_id;
        let hashes = self.email_hashes(&invalidation.filter);
        let (conditions, values) = filter_conditions(&invalidation.filter, hashes);
        let mut tx = self.begin_write().await?;
        let sample = self
            .sample_of(&mut tx, campaign_id, &conditions, &values, sample)
            .await?;
        // The parameters after the filter's: the invalidation's id.
        let id_param = values.len() + 2;
        let taken: Vec<SignatureStateRow> = bind_all(
            sql_built::<B>(format!(
                "UPDATE signatures SET status_before_invalidation = status,
                     status = 'invalidated', invalidation_id = ${id_param}
                 WHERE campaign_id = $1 AND {TAKEABLE} {conditions}
                 RETURNING status_before_invalidation AS status, review, signatory_type,
                           age_band, paper_sheet IS NOT NULL AS paper"
            )),
            campaign_id,
            &values,
        )
        .bind(invalidation.id)
        .fetch_all(&mut tx)
        .await?;
        let (delta, confirmed) = moved(&taken, -1);
        sql::<B>(
            "INSERT INTO invalidations (id, campaign_id, filter, reason, signatures, confirmed,
                 created_by, created_at, restorable_until)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(invalidation.id)
        .bind(campaign_id)
        .bind(invalidation.filter.record().to_string())
        .bind(invalidation.reason.clone())
        .bind(taken.len() as i64)
        .bind(confirmed as i64)
        .bind(invalidation.created_by)
        .bind(invalidation.now)
        .bind(invalidation.restorable_until)
        .execute(&mut tx)
        .await?;
        apply_counts(&mut tx, vec![(campaign_id, delta)], invalidation.now).await?;
        B::announce(&mut tx, &[campaign_id]).await?;
        tx.commit().await?;
        Ok(InvalidationFigures {
            signatures: taken.len() as u64,
            confirmed,
            sample,
        })
    }

    async fn restore_invalidation(
        &self,
        campaign_id: Uuid,
        id: Uuid,
        by: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Restoration, StoreError> {
        let mut tx = self.begin_write().await?;
        let claimed = sql::<B>(
            "UPDATE invalidations SET restored_at = $3, restored_by = $4
             WHERE id = $1 AND campaign_id = $2 AND restored_at IS NULL
               AND restorable_until > $3",
        )
        .bind(id)
        .bind(campaign_id)
        .bind(now)
        .bind(by)
        .execute(&mut tx)
        .await?;
        if claimed == 0 {
            let found: Option<(Option<DateTime<Utc>>,)> = sql::<B>(
                "SELECT restored_at FROM invalidations WHERE id = $1 AND campaign_id = $2",
            )
            .bind(id)
            .bind(campaign_id)
            .fetch_optional(&mut tx)
            .await?;
            tx.commit().await?;
            return Ok(match found {
                None => Restoration::NotFound,
                Some((Some(_),)) => Restoration::AlreadyRestored,
                Some((None,)) => Restoration::Expired,
            });
        }
        let restored: Vec<SignatureStateRow> = sql_built::<B>(format!(
            "UPDATE signatures SET status = status_before_invalidation,
                 status_before_invalidation = NULL, invalidation_id = NULL
             WHERE invalidation_id = $1 AND status = 'invalidated'
             RETURNING {STATE_COLUMNS}"
        ))
        .bind(id)
        .fetch_all(&mut tx)
        .await?;
        let (delta, confirmed) = moved(&restored, 1);
        apply_counts(&mut tx, vec![(campaign_id, delta)], now).await?;
        B::announce(&mut tx, &[campaign_id]).await?;
        tx.commit().await?;
        Ok(Restoration::Restored {
            signatures: restored.len() as u64,
            confirmed,
        })
    }

    async fn invalidations(
        &self,
        campaign_id: Uuid,
    ) -> Result<Vec<InvalidationRecord>, StoreError> {
        let rows: Vec<InvalidationRow> = sql::<B>(
            "SELECT id, filter, reason, signatures, confirmed, created_at, restorable_until,
                    restored_at
             FROM invalidations WHERE campaign_id = $1 ORDER BY created_at DESC, id DESC",
        )
        .bind(campaign_id)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn set_campaign_screening(
        &self,
        campaign_id: Uuid,
        blocklist: &Blocklist,
        block_disposable: bool,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sql::<B>(
            "UPDATE campaigns SET blocklist = $2, block_disposable = $3, updated_at = $4
             WHERE id = $1",
        )
        .bind(campaign_id)
        .bind(serde_json::json!(blocklist.entries()).to_string())
        .bind(block_disposable)
        .bind(now)
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(())
    }

    async fn service_blocklist(&self) -> Result<Blocklist, StoreError> {
        let rows: Vec<(String,)> =
            sql::<B>("SELECT pattern FROM service_blocklist ORDER BY position")
                .fetch_all(&mut *self.conn().await?)
                .await?;
        let entries: Vec<String> = rows.into_iter().map(|(p,)| p).collect();
        Ok(Blocklist::from_stored(&entries))
    }

    async fn set_service_blocklist(
        &self,
        blocklist: &Blocklist,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sql::<B>("DELETE FROM service_blocklist")
            .execute(&mut tx)
            .await?;
        let entries: Vec<(i32, String)> = (0..).zip(blocklist.entries()).collect();
        let insert = InsertRows {
            table: "service_blocklist",
            columns: vec![
                ("pattern", column(&entries, |(_, p)| p.clone())),
                ("position", column(&entries, |(i, _)| *i)),
                ("added_at", column(&entries, |_| now)),
            ],
            suffix: "",
        };
        B::insert_rows(&mut tx, &[insert]).await?;
        tx.commit().await?;
        Ok(())
    }
}
