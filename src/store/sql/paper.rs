//! Signatures collected on paper and entered by staff: recorded with the count, deduplicated
//! against every other signature of the campaign by email.

use async_trait::async_trait;
use uuid::Uuid;

use super::counts::apply_counts;
use super::{SqlStore, count};
use crate::domain::records::CountDelta;
use crate::store::dialect::{Backend, sql};
use crate::store::{Paper, PaperBatch, PaperRecorded, PaperSheet, StoreError};

#[async_trait]
impl<B: Backend> Paper for SqlStore<B> {
    async fn record_paper(&self, batch: &PaperBatch<'_>) -> Result<PaperRecorded, StoreError> {
        let mut tx = self.begin_write().await?;
        let mut delta = CountDelta::default();
        let mut already_signed = 0;
        for (entry, place) in batch.entries.iter().zip(batch.places) {
            let id = Uuid::now_v7();
            // Without an email, a key of its own: two children named alike on one sheet are
            // two signatures.
            let email_hash = match &entry.email {
                Some(email) => self.email_hasher.hash(email),
                None => format!("paper:{id}"),
            };
            let added: Option<(Uuid,)> = sql::<B>(
                "INSERT INTO signatures (id, campaign_id, email_hash, email, name, postcode,
                     postcode_area, constituency, council, placed, country, signatory_type,
                     public, contact, consent_version, text_version, status, review,
                     possible_duplicate, emails_sent, signed_at, confirmed_at, lang, age_band,
                     email_domain, paper_sheet, collected_on, entered_by, parent_signed,
                     email_key_version)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, TRUE, 'GB', 'individual', $10, $11,
                     $12, $13, 'confirmed', 'approved', FALSE, 0, $14, $14, $15, $16, $17, $18,
                     $19, $20, $21, $22)
                 ON CONFLICT DO NOTHING RETURNING id",
            )
            .bind(id)
            .bind(batch.campaign_id)
            .bind(email_hash)
            .bind(entry.email.as_ref().map(|e| e.as_str().to_owned()))
            .bind(entry.name.as_str().to_owned())
            .bind(entry.postcode.as_str().to_owned())
            .bind(entry.postcode.area().to_owned())
            .bind(place.constituency.clone())
            .bind(place.council.clone())
            .bind(entry.public)
            .bind(entry.contact)
            // Bounded by the campaign's versions, far below i32::MAX.
            .bind(batch.consent_version as i32)
            .bind(batch.text_version as i32)
            .bind(batch.now)
            .bind(batch.lang.as_str())
            .bind(entry.age_band.map(|b| b.as_str()))
            .bind(entry.email.as_ref().map(|e| e.domain().to_owned()))
            .bind(entry.sheet.as_str().to_owned())
            .bind(entry.collected_on.format("%Y-%m-%d").to_string())
            .bind(batch.entered_by)
            .bind(entry.parent_signed)
            .bind(super::EMAIL_KEY_VERSION)
            .fetch_optional(&mut tx)
            .await?;
            if added.is_none() {
                already_signed += 1;
                continue;
            }
            let mut one = CountDelta {
                individuals: 1,
                paper: 1,
                ..CountDelta::default()
            };
            if let Some(band) = entry.age_band {
                one.by_age_band[band.index()] = 1;
            }
            delta = delta.plus(one);
        }
        apply_counts(&mut tx, vec![(batch.campaign_id, delta)], batch.now).await?;
        B::announce(&mut tx, &[batch.campaign_id]).await?;
        tx.commit().await?;
        Ok(PaperRecorded {
            added: count(delta.paper),
            already_signed,
        })
    }

    async fn paper_sheets(&self, campaign_id: Uuid) -> Result<Vec<PaperSheet>, StoreError> {
        let rows: Vec<(String, String, i64)> = sql::<B>(
            "SELECT paper_sheet, collected_on,
                    CAST(SUM(CASE WHEN status = 'confirmed' THEN 1 ELSE 0 END) AS BIGINT) AS n
             FROM signatures WHERE campaign_id = $1 AND paper_sheet IS NOT NULL
             GROUP BY paper_sheet, collected_on ORDER BY collected_on, paper_sheet",
        )
        .bind(campaign_id)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(sheet, collected_on, n)| PaperSheet {
                sheet,
                collected_on,
                count: count(n),
            })
            .collect())
    }
}
