//! Signatories as organisers see them (listing, export, review, erasure, purge) and as the
//! public does.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use sqlx::Transaction;
use uuid::Uuid;

use super::counts::apply_counts;
use super::webhooks::{Happened, report, scrub_personal_data};
use super::{SqlStore, placeholders};
use crate::domain::records::CountDelta;
use crate::domain::{EmailKind, Review, WebhookEvent};
use crate::store::dialect::{Backend, InsertRows, Sql, column, sql, sql_built};
use crate::store::rows::{SIGNATURE_COLUMNS, STATE_COLUMNS, SignatureStateRow};
use crate::store::{
    PublicSignatory, ReviewSelection, Reviewed, Signatories, SignatureFilter, SignatureRecord,
    StoreError,
};

/// The signatures a filter keeps: `$1` campaign, `$2` status (else all but those kept apart:
/// spam and invalidated), `$3` contact only, `$4` a `LIKE` pattern for name, email or
/// organisation (see `SearchText`),
/// `$5` review, `$6` signatory type, `$7` whether the source is filtered and `$8` the source
/// kept (none: those that came directly), `$9` listing consent, `$10` language, `$11`
/// constituency, `$12` council, `$13` how the nation's constituency codes begin (a Northern
/// Ireland postcode placed in no constituency is in Northern Ireland). Bound by
/// [`bind_filter`].
const FILTERED: &str = "campaign_id = $1
    AND (($2 IS NULL AND status NOT IN ('spam', 'invalidated')) OR status = $2)
    AND ($3 = FALSE OR contact = TRUE)
    AND ($4 IS NULL OR LOWER(name) LIKE $4 ESCAPE '\\' OR LOWER(email) LIKE $4 ESCAPE '\\'
         OR LOWER(organisation) LIKE $4 ESCAPE '\\')
    AND ($5 IS NULL OR review = $5)
    AND ($6 IS NULL OR signatory_type = $6)
    AND ($7 = FALSE OR ($8 IS NULL AND source IS NULL) OR source = $8)
    AND ($9 IS NULL OR public = $9)
    AND ($10 IS NULL OR lang = $10)
    AND ($11 IS NULL OR constituency = $11)
    AND ($12 IS NULL OR council = $12)
    AND ($13 IS NULL OR SUBSTR(constituency, 1, 3) = $13
         OR ($13 = 'N05' AND constituency IS NULL AND postcode_area = 'BT'))";

/// Binds `$1` to `$13` of [`FILTERED`].
fn bind_filter<B: Backend>(query: Sql<B>, campaign_id: Uuid, filter: &SignatureFilter) -> Sql<B> {
    query
        .bind(campaign_id)
        .bind(filter.status.map(|s| s.as_str()))
        .bind(filter.contact_only)
        .bind(filter.containing.as_ref().map(|text| text.like_pattern()))
        .bind(filter.review.map(|r| r.as_str()))
        .bind(filter.signatory_type.map(|t| t.as_str()))
        .bind(filter.source.is_some())
        .bind(
            filter
                .source
                .as_ref()
                .and_then(|s| s.stored())
                .map(str::to_owned),
        )
        .bind(filter.public)
        .bind(filter.lang.map(|l| l.as_str()))
        .bind(filter.constituency.as_ref().map(|c| c.as_str().to_owned()))
        .bind(filter.council.as_ref().map(|c| c.as_str().to_owned()))
        .bind(filter.nation.and_then(|n| n.constituency_prefix()))
}

/// Ids bound to one statement: well under either database's limit on parameters.
const IDS_PER_STATEMENT: usize = 500;

/// Queues the badge email of each approved pledger among `ids` that was never sent one: a
/// confirmed pledge, with an address, on a pledge campaign. In the approval's transaction, so
/// that an approval and its email are written together or not at all.
async fn queue_badges<B: Backend>(
    tx: &mut Transaction<'static, B>,
    ids: &[Uuid],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut due: Vec<(Uuid, String)> = Vec::new();
    for chunk in ids.chunks(IDS_PER_STATEMENT) {
        let query = sql_built::<B>(format!(
            "SELECT s.id, s.email FROM signatures s JOIN campaigns c ON c.id = s.campaign_id
             WHERE c.kind = 'pledge' AND s.status = 'confirmed' AND s.review = 'approved'
               AND s.email IS NOT NULL AND s.id IN ({})
               AND NOT EXISTS (SELECT 1 FROM outbox o
                               WHERE o.signature_id = s.id AND o.kind = 'badge')",
            placeholders(1, chunk.len())
        ));
        let query = chunk.iter().fold(query, |q, id| q.bind(*id));
        due.extend(query.fetch_all::<(Uuid, String)>(&mut *tx).await?);
    }
    let rows: Vec<(Uuid, Uuid, String)> = due
        .into_iter()
        .map(|(pledger, email)| (Uuid::now_v7(), pledger, email))
        .collect();
    for chunk in rows.chunks(IDS_PER_STATEMENT) {
        let insert = InsertRows {
            table: "outbox",
            columns: vec![
                ("id", column(chunk, |r| r.0)),
                ("signature_id", column(chunk, |r| r.1)),
                ("kind", column(chunk, |_| EmailKind::Badge.as_str())),
                ("recipient", column(chunk, |r| r.2.clone())),
                ("created_at", column(chunk, |_| now)),
                ("attempts", column(chunk, |_| 0)),
                ("next_attempt_at", column(chunk, |_| now)),
                ("lane", column(chunk, |_| EmailKind::Badge.lane().number())),
            ],
            suffix: "",
        };
        B::insert_rows(&mut *tx, &[insert]).await?;
    }
    Ok(())
}

/// A signature a review of many may change, with its state before.
#[derive(sqlx::FromRow)]
struct ReviewTargetRow {
    id: Uuid,
    #[sqlx(flatten)]
    state: SignatureStateRow,
}

/// A signature's state inside a write transaction (and, where writers run side by side,
/// locked until it ends).
async fn signature_state<B: Backend>(
    tx: &mut Transaction<'static, B>,
    campaign_id: Uuid,
    signature_id: Uuid,
) -> Result<Option<SignatureStateRow>, StoreError> {
    sql_built::<B>(format!(
        "SELECT {STATE_COLUMNS} FROM signatures
         WHERE id = $1 AND campaign_id = $2 {}",
        B::FOR_UPDATE
    ))
    .bind(signature_id)
    .bind(campaign_id)
    .fetch_optional(tx)
    .await
}

#[async_trait]
impl<B: Backend> Signatories for SqlStore<B> {
    async fn signatures(
        &self,
        campaign_id: Uuid,
        filter: SignatureFilter,
        after: Option<Uuid>,
        limit: u32,
    ) -> Result<Vec<SignatureRecord>, StoreError> {
        let query = sql_built::<B>(format!(
            "SELECT {SIGNATURE_COLUMNS} FROM signatures
             WHERE {FILTERED} AND ($14 IS NULL OR id > $14)
             ORDER BY id LIMIT $15"
        ));
        bind_filter(query, campaign_id, &filter)
            .bind(after)
            .bind(i64::from(limit))
            .fetch_all(&mut *self.conn().await?)
            .await
    }

    async fn count_signatures(
        &self,
        campaign_id: Uuid,
        filter: SignatureFilter,
    ) -> Result<u64, StoreError> {
        let query = sql_built::<B>(format!(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM signatures WHERE {FILTERED}"
        ));
        let (count,): (i64,) = bind_filter(query, campaign_id, &filter)
            .fetch_one(&mut *self.conn().await?)
            .await?;
        Ok(count.max(0) as u64)
    }

    fn export_signatures(
        &self,
        campaign_id: Uuid,
        filter: SignatureFilter,
    ) -> BoxStream<'static, Result<SignatureRecord, StoreError>> {
        let pool = self.pool.clone();
        // The cursor lives in its own task and hands rows over a small channel: it reads only
        // as fast as the consumer takes them.
        let (rows_out, rows_in) = tokio::sync::mpsc::channel(256);
        tokio::spawn(async move {
            let mut conn = match pool.acquire().await {
                Ok(conn) => conn,
                Err(e) => {
                    let _ = rows_out.send(Err(StoreError::from(e))).await;
                    return;
                }
            };
            let query = sql_built::<B>(format!(
                "SELECT {SIGNATURE_COLUMNS} FROM signatures WHERE {FILTERED} ORDER BY id"
            ));
            let mut rows =
                bind_filter(query, campaign_id, &filter).fetch::<SignatureRecord>(&mut conn);
            while let Some(row) = rows.next().await {
                let failed = row.is_err();
                if rows_out.send(row.map_err(StoreError::from)).await.is_err() || failed {
                    break;
                }
            }
        });
        futures_util::stream::unfold(rows_in, |mut rows| async move {
            rows.recv().await.map(|row| (row, rows))
        })
        .boxed()
    }

    async fn review_signature(
        &self,
        campaign_id: Uuid,
        signature_id: Uuid,
        review: Review,
        now: DateTime<Utc>,
    ) -> Result<Option<SignatureRecord>, StoreError> {
        let mut tx = self.begin_write().await?;
        let Some(state) = signature_state(&mut tx, campaign_id, signature_id).await? else {
            return Ok(None);
        };
        sql::<B>("UPDATE signatures SET review = $2 WHERE id = $1")
            .bind(signature_id)
            .bind(review.as_str())
            .execute(&mut tx)
            .await?;
        let leaves = state.delta(-1);
        let delta = leaves.plus(SignatureStateRow { review, ..state }.delta(1));
        apply_counts(&mut tx, vec![(campaign_id, delta)], now).await?;
        if review == Review::Approved {
            queue_badges(&mut tx, &[signature_id], now).await?;
        }
        report(
            &mut tx,
            &[Happened {
                extra: serde_json::json!({"review": review.as_str()}),
                ..Happened::to_signature(campaign_id, WebhookEvent::SignatureReviewed, signature_id)
            }],
            now,
        )
        .await?;
        let record = sql_built::<B>(format!(
            "SELECT {SIGNATURE_COLUMNS} FROM signatures WHERE id = $1"
        ))
        .bind(signature_id)
        .fetch_one(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(Some(record))
    }

    async fn review_signatures(
        &self,
        campaign_id: Uuid,
        selection: ReviewSelection,
        review: Review,
        now: DateTime<Utc>,
    ) -> Result<Vec<Reviewed>, StoreError> {
        let mut tx = self.begin_write().await?;
        // Read (and, where writers run side by side, lock) what changes, so that the count
        // moves by exactly what was changed.
        let targets: Vec<ReviewTargetRow> = match &selection {
            ReviewSelection::Ids(ids) => {
                let mut rows = Vec::with_capacity(ids.len());
                for chunk in ids.chunks(IDS_PER_STATEMENT) {
                    let query = sql_built::<B>(format!(
                        "SELECT id, {STATE_COLUMNS} FROM signatures
                         WHERE campaign_id = $1 AND review <> $2 AND erased_at IS NULL
                           AND id IN ({}) {}",
                        placeholders(3, chunk.len()),
                        B::FOR_UPDATE
                    ));
                    let query = chunk
                        .iter()
                        .fold(query.bind(campaign_id).bind(review.as_str()), |q, id| {
                            q.bind(*id)
                        });
                    rows.extend(query.fetch_all::<ReviewTargetRow>(&mut tx).await?);
                }
                rows
            }
            ReviewSelection::Matching(filter) => {
                let query = sql_built::<B>(format!(
                    "SELECT id, {STATE_COLUMNS} FROM signatures
                     WHERE {FILTERED} AND review <> $14 AND erased_at IS NULL {}",
                    B::FOR_UPDATE
                ));
                bind_filter(query, campaign_id, filter)
                    .bind(review.as_str())
                    .fetch_all(&mut tx)
                    .await?
            }
        };
        let mut delta = CountDelta::default();
        for target in &targets {
            let after = SignatureStateRow {
                review,
                ..target.state.clone()
            };
            delta = delta.plus(target.state.delta(-1)).plus(after.delta(1));
        }
        for chunk in targets.chunks(IDS_PER_STATEMENT) {
            let query = sql_built::<B>(format!(
                "UPDATE signatures SET review = $1 WHERE id IN ({})",
                placeholders(2, chunk.len())
            ));
            chunk
                .iter()
                .fold(query.bind(review.as_str()), |q, t| q.bind(t.id))
                .execute(&mut tx)
                .await?;
        }
        apply_counts(&mut tx, vec![(campaign_id, delta)], now).await?;
        if review == Review::Approved {
            let ids: Vec<Uuid> = targets.iter().map(|t| t.id).collect();
            queue_badges(&mut tx, &ids, now).await?;
        }
        let happened: Vec<Happened> = targets
            .iter()
            .map(|t| Happened {
                extra: serde_json::json!({"review": review.as_str()}),
                ..Happened::to_signature(campaign_id, WebhookEvent::SignatureReviewed, t.id)
            })
            .collect();
        report(&mut tx, &happened, now).await?;
        tx.commit().await?;
        Ok(targets
            .into_iter()
            .map(|t| Reviewed {
                id: t.id,
                previous: t.state.review,
            })
            .collect())
    }

    async fn erase_signature(
        &self,
        campaign_id: Uuid,
        signature_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let Some(state) = signature_state(&mut tx, campaign_id, signature_id).await? else {
            return Ok(false);
        };
        sql_built::<B>(format!(
            "UPDATE signatures SET
                 status = CASE WHEN status IN ('pending', 'confirmed') THEN 'withdrawn' ELSE status END,
                 withdrawn_at = COALESCE(withdrawn_at, $2), erased_at = COALESCE(erased_at, $2),
                 email = NULL, name = NULL,
                 postcode = NULL, organisation = NULL, organisation_key = NULL, role = NULL,
                 website = NULL, email_hash = {}
             WHERE id = $1",
            B::ERASED_KEY
        ))
        .bind(signature_id)
        .bind(now)
        .execute(&mut tx)
        .await?;
        for statement in [
            "DELETE FROM signature_tokens WHERE signature_id = $1",
            "DELETE FROM outbox WHERE signature_id = $1",
        ] {
            sql::<B>(statement)
                .bind(signature_id)
                .execute(&mut tx)
                .await?;
        }
        apply_counts(&mut tx, vec![(campaign_id, state.delta(-1))], now).await?;
        scrub_personal_data(&mut tx, "$1", signature_id).await?;
        report(
            &mut tx,
            &[Happened::to_signature(
                campaign_id,
                WebhookEvent::SignatureErased,
                signature_id,
            )],
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn public_signatories(
        &self,
        campaign_id: Uuid,
        approved_only: bool,
        offset: u64,
        limit: u32,
    ) -> Result<Vec<PublicSignatory>, StoreError> {
        sql::<B>(
            "SELECT id, name, role, organisation, website, postcode_area, country, signatory_type,
                    signed_at FROM signatures
             WHERE campaign_id = $1 AND status = 'confirmed' AND public = TRUE
               AND name IS NOT NULL
               AND (($2 = TRUE AND review = 'approved') OR ($2 = FALSE AND review IN ('pending', 'approved')))
             ORDER BY CASE signatory_type WHEN 'organisation' THEN 0 ELSE 1 END, signed_at, id
             LIMIT $3 OFFSET $4",
        )
        .bind(campaign_id)
        .bind(approved_only)
        .bind(i64::from(limit))
        .bind(i64::try_from(offset).unwrap_or(i64::MAX))
        .fetch_all(&mut *self.conn().await?)
        .await
    }

    async fn purge_campaign(
        &self,
        campaign_id: Uuid,
        young_only: bool,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let only = if young_only {
            " AND age_band IN ('under-13', '13-15', '16-17')"
        } else {
            ""
        };
        let mut tx = self.begin_write().await?;
        let (holding,): (i64,) = sql_built::<B>(format!(
            "SELECT COUNT(*) FROM signatures
             WHERE campaign_id = $1 AND (email IS NOT NULL OR postcode IS NOT NULL){only}"
        ))
        .bind(campaign_id)
        .fetch_one(&mut tx)
        .await?;
        // A name stays only where it is published: confirmed, consented, and for a letter
        // approved (for a petition, not rejected); a lapsed pledge is no longer published.
        sql_built::<B>(format!(
            "UPDATE signatures SET email = NULL, postcode = NULL, organisation_key = NULL,
                 email_hash = {},
                 name = CASE WHEN published THEN name END,
                 organisation = CASE WHEN published THEN organisation END,
                 role = CASE WHEN published THEN role END,
                 website = CASE WHEN published THEN website END
             FROM (SELECT s.id AS published_id,
                          (s.status = 'confirmed' AND s.public = TRUE AND
                           ((c.kind IN ('letter', 'pledge') AND s.review = 'approved') OR
                            (c.kind = 'petition' AND s.review IN ('pending', 'approved')))) AS published
                   FROM signatures s JOIN campaigns c ON c.id = s.campaign_id
                   WHERE s.campaign_id = $1{}) AS p
             WHERE signatures.id = p.published_id",
            B::ERASED_KEY,
            only.replace("age_band", "s.age_band"),
        ))
        .bind(campaign_id)
        .execute(&mut tx)
        .await?;
        let scope = format!("SELECT id FROM signatures WHERE campaign_id = $1{only}");
        for table in ["signature_tokens", "outbox"] {
            sql_built::<B>(format!(
                "DELETE FROM {table} WHERE signature_id IN ({scope})"
            ))
            .bind(campaign_id)
            .execute(&mut tx)
            .await?;
        }
        scrub_personal_data(&mut tx, &scope, campaign_id).await?;
        if !young_only {
            sql::<B>("UPDATE campaigns SET purged_at = $2 WHERE id = $1")
                .bind(campaign_id)
                .bind(now)
                .execute(&mut tx)
                .await?;
        }
        tx.commit().await?;
        let mut conn = self.conn().await?;
        for statement in B::AFTER_PURGE {
            sql::<B>(*statement).execute(&mut conn).await?;
        }
        Ok(u64::try_from(holding).unwrap_or(0))
    }
}
