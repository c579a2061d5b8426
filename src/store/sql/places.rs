//! Where signatures were made: their constituency and council, and the counts by each.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::counts::COUNTED_REVIEW;
use super::{SqlStore, count};
use crate::domain::records::PlaceCodes;
use crate::geo::{ImportedPart, PartKind};
use crate::store::dialect::{Backend, sql, sql_built};
use crate::store::{AreaKind, Places, StoreError, corrupt};

#[derive(sqlx::FromRow)]
struct PartRow {
    part: String,
    body: Vec<u8>,
    source: String,
    as_of: String,
    rows: i64,
    imported_at: DateTime<Utc>,
}

#[async_trait]
impl<B: Backend> Places for SqlStore<B> {
    async fn unplaced(&self, limit: u32) -> Result<Vec<(Uuid, String)>, StoreError> {
        sql::<B>(
            "SELECT id, postcode FROM signatures
             WHERE NOT placed AND postcode IS NOT NULL ORDER BY id LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(&mut *self.conn().await?)
        .await
    }

    async fn set_places(&self, places: &[(Uuid, PlaceCodes)]) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        for (id, place) in places {
            // A signature erased meanwhile keeps the place it had.
            sql::<B>(
                "UPDATE signatures SET constituency = $2, council = $3, placed = $4
                 WHERE id = $1 AND postcode IS NOT NULL",
            )
            .bind(*id)
            .bind(place.constituency.clone())
            .bind(place.council.clone())
            .bind(true)
            .execute(&mut *tx)
            .await?;
        }
        Ok(tx.commit().await?)
    }

    async fn unplace_all(&self) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let n = sql::<B>("UPDATE signatures SET placed = $1 WHERE postcode LIKE '% %'")
            .bind(false)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(n)
    }

    async fn constituency_of_signature(
        &self,
        signature_id: Uuid,
    ) -> Result<Option<String>, StoreError> {
        let row: Option<(Option<String>,)> =
            sql::<B>("SELECT constituency FROM signatures WHERE id = $1")
                .bind(signature_id)
                .fetch_optional(&mut *self.conn().await?)
                .await?;
        Ok(row.and_then(|(code,)| code))
    }

    async fn listed_names_by_constituency(
        &self,
        campaign_id: Uuid,
        approved_only: bool,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let review = if approved_only {
            "review = 'approved'"
        } else {
            COUNTED_REVIEW
        };
        sql_built::<B>(format!(
            "SELECT constituency, name FROM signatures
             WHERE campaign_id = $1 AND status = 'confirmed' AND {review} AND public = $2
               AND constituency IS NOT NULL AND name IS NOT NULL
               AND (age_band IS NULL OR age_band = '18-plus')
             ORDER BY constituency, signed_at, id"
        ))
        .bind(campaign_id)
        .bind(true)
        .fetch_all(&mut *self.conn().await?)
        .await
    }

    async fn imported_geography(&self) -> Result<Vec<ImportedPart>, StoreError> {
        let rows: Vec<PartRow> = sql::<B>(
            "SELECT part, body, source, as_of, rows, imported_at FROM geo_data ORDER BY part",
        )
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.into_iter()
            .map(|row| {
                Ok(ImportedPart {
                    kind: PartKind::parse(&row.part)
                        .ok_or_else(|| corrupt("geo_data.part", row.part.clone()))?,
                    as_of: row
                        .as_of
                        .parse::<NaiveDate>()
                        .map_err(|e| corrupt("geo_data.as_of", e.to_string()))?,
                    gzipped_csv: row.body,
                    source: row.source,
                    rows: u64::try_from(row.rows).unwrap_or(0),
                    imported_at: row.imported_at,
                })
            })
            .collect()
    }

    async fn geography_imported_at(&self) -> Result<Vec<(String, DateTime<Utc>)>, StoreError> {
        sql::<B>("SELECT part, imported_at FROM geo_data ORDER BY part")
            .fetch_all(&mut *self.conn().await?)
            .await
    }

    async fn import_geography(&self, parts: &[ImportedPart]) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        for part in parts {
            sql::<B>("DELETE FROM geo_data WHERE part = $1")
                .bind(part.kind.as_str())
                .execute(&mut *tx)
                .await?;
            sql::<B>(
                "INSERT INTO geo_data (part, body, source, as_of, rows, imported_at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(part.kind.as_str())
            .bind(part.gzipped_csv.as_slice())
            .bind(part.source.clone())
            .bind(part.as_of.to_string())
            .bind(i64::try_from(part.rows).unwrap_or(i64::MAX))
            .bind(part.imported_at)
            .execute(&mut *tx)
            .await?;
        }
        Ok(tx.commit().await?)
    }

    async fn count_by_area(
        &self,
        campaign_id: Uuid,
        area: AreaKind,
    ) -> Result<Vec<(Option<String>, u64)>, StoreError> {
        let column = match area {
            AreaKind::Constituency => "constituency",
            AreaKind::Council => "council",
        };
        // Signatures with a postcode, young signers' aside (only their district is kept).
        let rows: Vec<(Option<String>, i64)> = sql_built::<B>(format!(
            "SELECT {column}, COUNT(*) AS n FROM signatures
             WHERE campaign_id = $1 AND status = 'confirmed' AND {COUNTED_REVIEW}
               AND postcode_area IS NOT NULL AND (age_band IS NULL OR age_band = '18-plus')
             GROUP BY {column}"
        ))
        .bind(campaign_id)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        Ok(rows.into_iter().map(|(code, n)| (code, count(n))).collect())
    }
}
