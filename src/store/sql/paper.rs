//! Signatures collected on paper and entered by staff: recorded with the count, deduplicated
//! against every other signature of the campaign by email.

use std::collections::HashSet;

use async_trait::async_trait;
use uuid::Uuid;

use super::counts::apply_counts;
use super::{SqlStore, count};
use crate::domain::records::{CountDelta, PlaceCodes};
use crate::domain::{PaperEntry, Review, SignatoryType, SignatureStatus};
use crate::store::dialect::{Backend, InsertRows, column, sql};
use crate::store::{Paper, PaperBatch, PaperRecorded, PaperSheet, StoreError};

#[async_trait]
impl<B: Backend> Paper for SqlStore<B> {
    async fn record_paper(&self, batch: &PaperBatch<'_>) -> Result<PaperRecorded, StoreError> {
        struct Row<'e> {
            id: Uuid,
            email_hash: String,
            entry: &'e PaperEntry,
            place: &'e PlaceCodes,
        }
        let rows: Vec<Row<'_>> = (batch.entries.iter().zip(batch.places))
            .map(|(entry, place)| {
                let id = Uuid::now_v7();
                // Without an email, a key of its own: two children named alike on one sheet
                // are two signatures.
                let email_hash = match &entry.email {
                    Some(email) => self.email_hasher.hash(email),
                    None => format!("paper:{id}"),
                };
                Row {
                    id,
                    email_hash,
                    entry,
                    place,
                }
            })
            .collect();
        let text = |value: &str| value.to_owned();
        // One statement for the whole batch; an entry whose email has signed the campaign
        // (before, or earlier in the batch) is skipped, and the ids of those kept come back.
        let insert = InsertRows {
            table: "signatures",
            columns: vec![
                ("id", column(&rows, |r| r.id)),
                ("campaign_id", column(&rows, |_| batch.campaign_id)),
                ("email_hash", column(&rows, |r| r.email_hash.clone())),
                (
                    "email",
                    column(&rows, |r| r.entry.email.as_ref().map(|e| text(e.as_str()))),
                ),
                ("name", column(&rows, |r| text(r.entry.name.as_str()))),
                (
                    "postcode",
                    column(&rows, |r| text(r.entry.postcode.as_str())),
                ),
                (
                    "postcode_area",
                    column(&rows, |r| text(r.entry.postcode.area())),
                ),
                (
                    "constituency",
                    column(&rows, |r| r.place.constituency.clone()),
                ),
                ("council", column(&rows, |r| r.place.council.clone())),
                ("placed", column(&rows, |_| true)),
                ("country", column(&rows, |_| "GB")),
                (
                    "signatory_type",
                    column(&rows, |_| SignatoryType::Individual.as_str()),
                ),
                ("public", column(&rows, |r| r.entry.public)),
                ("contact", column(&rows, |r| r.entry.contact)),
                // Bounded by the campaign's versions, far below i32::MAX.
                (
                    "consent_version",
                    column(&rows, |_| batch.consent_version as i32),
                ),
                ("text_version", column(&rows, |_| batch.text_version as i32)),
                (
                    "status",
                    column(&rows, |_| SignatureStatus::Confirmed.as_str()),
                ),
                ("review", column(&rows, |_| Review::Approved.as_str())),
                ("possible_duplicate", column(&rows, |_| false)),
                ("emails_sent", column(&rows, |_| 0i32)),
                ("signed_at", column(&rows, |_| batch.now)),
                ("confirmed_at", column(&rows, |_| batch.now)),
                ("lang", column(&rows, |_| batch.lang.as_str())),
                (
                    "age_band",
                    column(&rows, |r| r.entry.age_band.map(|b| text(b.as_str()))),
                ),
                (
                    "email_domain",
                    column(&rows, |r| r.entry.email.as_ref().map(|e| text(e.domain()))),
                ),
                (
                    "paper_sheet",
                    column(&rows, |r| text(r.entry.sheet.as_str())),
                ),
                (
                    "collected_on",
                    column(&rows, |r| {
                        r.entry.collected_on.format("%Y-%m-%d").to_string()
                    }),
                ),
                ("entered_by", column(&rows, |_| batch.entered_by)),
                ("parent_signed", column(&rows, |r| r.entry.parent_signed)),
                (
                    "email_key_version",
                    column(&rows, |_| super::EMAIL_KEY_VERSION),
                ),
            ],
            suffix: "ON CONFLICT DO NOTHING RETURNING id",
        };
        let mut tx = self.begin_write().await?;
        let added: HashSet<Uuid> = B::insert_rows(&mut tx, &[insert])
            .await?
            .into_iter()
            .collect();
        let delta = (rows.iter()).filter(|r| added.contains(&r.id)).fold(
            CountDelta::default(),
            |sum, r| {
                let mut one = CountDelta::of_reviewed(
                    SignatureStatus::Confirmed,
                    Review::Approved,
                    SignatoryType::Individual,
                    r.entry.age_band,
                    1,
                );
                one.paper = 1;
                sum.plus(one)
            },
        );
        apply_counts(&mut tx, vec![(batch.campaign_id, delta)], batch.now).await?;
        B::announce(&mut tx, &[batch.campaign_id]).await?;
        tx.commit().await?;
        Ok(PaperRecorded {
            added: added.len() as u64,
            already_signed: (rows.len() - added.len()) as u64,
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
