//! Campaigns, with their consent wordings (every version a signer may have agreed to).

use async_trait::async_trait;
use sqlx::Transaction;
use uuid::Uuid;

use super::SqlStore;
use super::counts::{COUNTED_REVIEW, create_count_rows};
use super::webhooks::{Happened, report};
use crate::domain::{Campaign, CampaignStatus, Slug, WebhookEvent};
use crate::store::dialect::{Backend, Sql, sql, sql_built};
use crate::store::rows::{CAMPAIGN_SELECT, CampaignRow, CampaignValues, OrganiserColumns};
use crate::store::{Campaigns, EarlierText, StoreError};

fn campaigns_where(condition: &str) -> String {
    format!("{CAMPAIGN_SELECT} WHERE {condition}")
}

impl<B: Backend> SqlStore<B> {
    async fn campaigns_by(&self, query: Sql<B>) -> Result<Vec<Campaign>, StoreError> {
        let rows: Vec<CampaignRow> = query.fetch_all(&mut *self.conn().await?).await?;
        rows.into_iter().map(Campaign::try_from).collect()
    }

    async fn one_campaign(&self, query: Sql<B>) -> Result<Option<Campaign>, StoreError> {
        let row: Option<CampaignRow> = query.fetch_optional(&mut *self.conn().await?).await?;
        row.map(Campaign::try_from).transpose()
    }
}

/// Binds what an organiser may change, in one order for inserting and for updating.
fn bind_settings<B: Backend>(statement: Sql<B>, campaign: &Campaign) -> Sql<B> {
    let values = CampaignValues::of(campaign);
    let organiser = OrganiserColumns::of(&campaign.organiser);
    statement
        .bind(campaign.title.as_str())
        .bind(campaign.summary.as_str())
        .bind(campaign.body.as_str())
        .bind(campaign.recipient.as_ref().map(|r| r.as_str().to_owned()))
        .bind(values.target)
        .bind(values.milestones)
        .bind(campaign.closes_at)
        .bind(campaign.require_confirmation)
        .bind(values.allowed_origins)
        .bind(values.retention_days)
        .bind(campaign.status.as_str())
        .bind(campaign.updated_at)
        .bind(campaign.opened_at)
        .bind(campaign.closed_at)
        .bind(values.consent_version)
        .bind(organiser.organiser_name)
        .bind(organiser.organiser_privacy_url)
        .bind(organiser.organiser_contact_email)
        .bind(values.renew_after_months)
        .bind(values.targets)
        .bind(campaign.signers.lang.as_str())
        .bind(values.translations)
        .bind(campaign.signers.young_signers)
        .bind(values.young_retention_days)
        .bind(campaign.signers.require_proof_of_work)
        .bind(
            campaign
                .brand
                .colour
                .as_ref()
                .map(|c| c.as_str().to_owned()),
        )
        .bind(campaign.brand.logo)
}

/// Stores the campaign's consent wording, unless that version is stored already.
async fn insert_wording<B: Backend>(
    tx: &mut Transaction<'static, B>,
    campaign: &Campaign,
) -> Result<(), StoreError> {
    let wording = &campaign.consent;
    sql::<B>(
        "INSERT INTO consent_wordings
             (campaign_id, version, contact_basis, public_text, contact_text, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (campaign_id, version) DO NOTHING",
    )
    .bind(campaign.id)
    .bind(wording.version as i32)
    .bind(wording.contact_basis.as_str())
    .bind(wording.public_text.as_str())
    .bind(wording.contact_text.as_str())
    .bind(campaign.updated_at)
    .execute(tx)
    .await?;
    Ok(())
}

#[async_trait]
impl<B: Backend> Campaigns for SqlStore<B> {
    async fn insert_campaign(&self, campaign: &Campaign) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let insert = sql::<B>(
            "INSERT INTO campaigns (id, slug, kind, owner_id, created_at, title, summary, body,
                 recipient, target, milestones, closes_at, require_confirmation, allowed_origins,
                 retention_days, status, updated_at, opened_at, closed_at, consent_version,
                 organiser_name, organiser_privacy_url, organiser_contact_email,
                 renew_after_months, targets, lang, translations, young_signers,
                 young_retention_days, require_proof_of_work, brand_colour, brand_logo,
                 invite_reasons)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                 $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33)",
        )
        .bind(campaign.id)
        .bind(campaign.slug.as_str())
        .bind(campaign.kind.as_str())
        .bind(campaign.owner_id)
        .bind(campaign.created_at);
        bind_settings(insert, campaign)
            .bind(campaign.signers.invite_reasons)
            .execute(&mut tx)
            .await?;
        insert_wording(&mut tx, campaign).await?;
        create_count_rows(&mut tx, campaign.id, campaign.created_at).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn campaign(&self, slug: &Slug) -> Result<Option<Campaign>, StoreError> {
        self.one_campaign(sql_built(campaigns_where("c.slug = $1")).bind(slug.as_str()))
            .await
    }

    async fn campaign_by_id(&self, id: Uuid) -> Result<Option<Campaign>, StoreError> {
        self.one_campaign(sql_built(campaigns_where("c.id = $1")).bind(id))
            .await
    }

    async fn campaign_slugs(&self) -> Result<Vec<(Uuid, String)>, StoreError> {
        sql::<B>("SELECT id, slug FROM campaigns ORDER BY created_at, id")
            .fetch_all(&mut *self.conn().await?)
            .await
    }

    async fn opened_campaigns(&self) -> Result<Vec<Campaign>, StoreError> {
        self.campaigns_by(sql_built(campaigns_where(
            "c.status = 'open' ORDER BY c.created_at DESC, c.id DESC",
        )))
        .await
    }

    async fn campaigns_owned_by(&self, owner_id: Uuid) -> Result<Vec<Campaign>, StoreError> {
        self.campaigns_by(
            sql_built(campaigns_where(
                "c.owner_id = $1 ORDER BY c.created_at DESC, c.id DESC",
            ))
            .bind(owner_id),
        )
        .await
    }

    async fn all_campaigns(&self) -> Result<Vec<Campaign>, StoreError> {
        self.campaigns_by(sql_built(campaigns_where(
            "TRUE ORDER BY c.created_at DESC, c.id DESC",
        )))
        .await
    }

    async fn update_campaign(
        &self,
        campaign: &Campaign,
        expected_status: CampaignStatus,
        by: Uuid,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        insert_wording(&mut tx, campaign).await?;
        // A new version of the text: the one it replaces is kept whole, as stored.
        sql::<B>(
            "INSERT INTO campaign_texts (campaign_id, version, title, summary, body, recipient,
                 translations, began_at, ended_at, ended_by)
             SELECT id, text_version, title, summary, body, recipient, translations,
                 COALESCE(text_changed_at, opened_at, created_at), $2, $3
             FROM campaigns WHERE id = $1 AND text_version < $4
             ON CONFLICT (campaign_id, version) DO NOTHING",
        )
        .bind(campaign.id)
        .bind(campaign.updated_at)
        .bind(by)
        .bind(campaign.text_version.number as i32)
        .execute(&mut tx)
        .await?;
        let update = sql::<B>(
            "UPDATE campaigns SET title = $3, summary = $4, body = $5, recipient = $6,
                target = $7, milestones = $8, closes_at = $9, require_confirmation = $10,
                allowed_origins = $11, retention_days = $12, status = $13, updated_at = $14,
                opened_at = $15, closed_at = $16, consent_version = $17, organiser_name = $18,
                organiser_privacy_url = $19, organiser_contact_email = $20,
                renew_after_months = $21, targets = $22, lang = $23, translations = $24,
                young_signers = $25, young_retention_days = $26, require_proof_of_work = $27,
                brand_colour = $28, brand_logo = $29, text_version = $30, text_changed_at = $31,
                invite_reasons = $32
             WHERE id = $1 AND status = $2",
        )
        .bind(campaign.id)
        .bind(expected_status.as_str());
        let updated = bind_settings(update, campaign)
            .bind(campaign.text_version.number as i32)
            .bind(campaign.text_version.changed_at)
            .bind(campaign.signers.invite_reasons)
            .execute(&mut tx)
            .await?;
        if updated == 0 {
            return Err(StoreError::Conflict("campaigns.status".into()));
        }
        B::announce(&mut tx, &[campaign.id]).await?;
        if campaign.status == CampaignStatus::Closed && expected_status != CampaignStatus::Closed {
            let closed = Happened {
                campaign_id: campaign.id,
                event: WebhookEvent::CampaignClosed,
                signature_id: None,
                extra: serde_json::json!({"closed_at": campaign.closed_at}),
            };
            report(&mut tx, &[closed], campaign.updated_at).await?;
        }
        tx.commit().await?;
        Ok(())
    }
    async fn earlier_texts(&self, campaign_id: Uuid) -> Result<Vec<EarlierText>, StoreError> {
        sql::<B>(
            "SELECT t.version, t.title, t.summary, t.body, t.recipient, t.translations,
                 t.began_at, t.ended_at, u.email AS ended_by
             FROM campaign_texts t LEFT JOIN users u ON u.id = t.ended_by
             WHERE t.campaign_id = $1 ORDER BY t.version",
        )
        .bind(campaign_id)
        .fetch_all(&mut *self.conn().await?)
        .await
    }

    async fn signed_by_text_version(
        &self,
        campaign_id: Uuid,
    ) -> Result<Vec<(i32, i64)>, StoreError> {
        // Counted as the campaign's count counts them.
        sql_built::<B>(format!(
            "SELECT text_version, COUNT(*) FROM signatures
             WHERE campaign_id = $1 AND status = 'confirmed' AND {COUNTED_REVIEW}
             GROUP BY text_version ORDER BY text_version"
        ))
        .bind(campaign_id)
        .fetch_all(&mut *self.conn().await?)
        .await
    }
}
