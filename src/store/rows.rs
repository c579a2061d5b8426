//! Rows as both databases return them, and their conversion into domain values.

use chrono::{DateTime, Utc};
use sqlx::types::Json;
use uuid::Uuid;

use super::{StoreError, corrupt};
use crate::domain::{
    Body, Campaign, Email, Milestones, Origin, Recipient, RetentionDays, Slug, Summary, Target,
    Title, User,
};

#[derive(sqlx::FromRow)]
pub(super) struct UserRow {
    pub id: Uuid,
    pub email: String,
    pub is_admin: bool,
    pub created_at: DateTime<Utc>,
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;
    fn try_from(row: UserRow) -> Result<Self, StoreError> {
        Ok(User {
            id: row.id,
            email: Email::parse(&row.email).map_err(|e| corrupt("user email", e))?,
            is_admin: row.is_admin,
            created_at: row.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct CredentialsRow {
    #[sqlx(flatten)]
    pub user: UserRow,
    pub password_hash: String,
}

/// The columns of `campaigns`, in the order both stores bind them (a macro, so that queries
/// stay `&'static str`).
macro_rules! campaign_columns {
    () => {
        "id, slug, kind, title, summary, body, recipient, target, milestones, closes_at, \
         require_confirmation, allowed_origins, retention_days, status, owner_id, created_at, \
         updated_at, opened_at, closed_at"
    };
}
pub(super) use campaign_columns;

#[derive(sqlx::FromRow)]
pub(super) struct CampaignRow {
    pub id: Uuid,
    pub slug: String,
    pub kind: String,
    pub title: String,
    pub summary: String,
    pub body: String,
    pub recipient: Option<String>,
    pub target: Option<i64>,
    pub milestones: Json<Vec<u64>>,
    pub closes_at: Option<DateTime<Utc>>,
    pub require_confirmation: bool,
    pub allowed_origins: Json<Vec<String>>,
    pub retention_days: i32,
    pub status: String,
    pub owner_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub opened_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
}

fn bad(field: &'static str) -> impl Fn(String) -> StoreError {
    move |e| corrupt(&format!("campaign {field}"), e)
}

impl TryFrom<CampaignRow> for Campaign {
    type Error = StoreError;
    fn try_from(row: CampaignRow) -> Result<Self, StoreError> {
        Ok(Campaign {
            id: row.id,
            slug: Slug::parse(&row.slug).map_err(bad("slug"))?,
            kind: row.kind.parse().map_err(bad("kind"))?,
            title: Title::parse(&row.title).map_err(bad("title"))?,
            summary: Summary::parse(&row.summary).map_err(bad("summary"))?,
            body: Body::parse(&row.body).map_err(bad("body"))?,
            recipient: row
                .recipient
                .as_deref()
                .map(Recipient::parse)
                .transpose()
                .map_err(bad("recipient"))?,
            target: row
                .target
                .map(|t| Target::parse(u64::try_from(t).unwrap_or(0)))
                .transpose()
                .map_err(bad("target"))?,
            milestones: Milestones::parse(row.milestones.0).map_err(bad("milestones"))?,
            closes_at: row.closes_at,
            require_confirmation: row.require_confirmation,
            allowed_origins: row
                .allowed_origins
                .0
                .iter()
                .map(|o| Origin::parse(o))
                .collect::<Result<_, _>>()
                .map_err(bad("allowed_origins"))?,
            retention_days: RetentionDays::parse(u32::try_from(row.retention_days).unwrap_or(0))
                .map_err(bad("retention_days"))?,
            status: row.status.parse().map_err(bad("status"))?,
            owner_id: row.owner_id,
            created_at: row.created_at,
            updated_at: row.updated_at,
            opened_at: row.opened_at,
            closed_at: row.closed_at,
        })
    }
}

/// The values of a campaign in the order of [`campaign_columns!`], ready to bind.
pub(super) struct CampaignValues {
    pub target: Option<i64>,
    pub milestones: Json<Vec<u64>>,
    pub allowed_origins: Json<Vec<String>>,
    pub retention_days: i32,
}

impl CampaignValues {
    pub fn of(campaign: &Campaign) -> Self {
        Self {
            // Both bounded by the domain types far below i64::MAX / i32::MAX.
            target: campaign.target.map(|t| t.get() as i64),
            milestones: Json(campaign.milestones.counts().to_vec()),
            allowed_origins: Json(
                campaign
                    .allowed_origins
                    .iter()
                    .map(|o| o.as_str().to_owned())
                    .collect(),
            ),
            retention_days: campaign.retention_days.get() as i32,
        }
    }
}
