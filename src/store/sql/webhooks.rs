//! Webhooks: each campaign's subscribers, and the messages due to them, written in the same
//! transaction as the change each reports and sent by a worker that leases them.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sqlx::Transaction;
use uuid::Uuid;

use super::SqlStore;
use crate::domain::{
    PersonalDataWithheld, ReportedSignature, Webhook, WebhookEvent, WebhookSecret, WebhookUrl,
};
use crate::store::dialect::{Backend, sql, sql_built};
use crate::store::{DueMessage, StoreError, WebhookMessage, Webhooks, corrupt};

#[derive(sqlx::FromRow)]
struct WebhookRow {
    id: Uuid,
    campaign_id: Uuid,
    url: String,
    events: String,
    include_personal_data: bool,
    secret: String,
    previous_secret: Option<String>,
    previous_until: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    disabled_at: Option<DateTime<Utc>>,
    disabled_reason: Option<String>,
}

const WEBHOOK_COLUMNS: &str = "w.id, w.campaign_id, w.url, w.events, w.include_personal_data, \
    w.secret, w.previous_secret, w.previous_until, w.created_at, w.disabled_at, w.disabled_reason";

impl TryFrom<WebhookRow> for Webhook {
    type Error = StoreError;
    fn try_from(row: WebhookRow) -> Result<Self, StoreError> {
        let bad = |what: &'static str| move |e: String| corrupt(&format!("webhook {what}"), e);
        let names: Vec<String> = serde_json::from_str(&row.events)
            .map_err(|e| corrupt("webhook events", e.to_string()))?;
        Ok(Webhook {
            id: row.id,
            campaign_id: row.campaign_id,
            url: WebhookUrl::parse(&row.url).map_err(bad("url"))?,
            events: WebhookEvent::parse_list(&names).map_err(bad("events"))?,
            include_personal_data: row.include_personal_data,
            secret: WebhookSecret::parse(&row.secret).map_err(bad("secret"))?,
            previous_secret: row
                .previous_secret
                .as_deref()
                .map(WebhookSecret::parse)
                .transpose()
                .map_err(bad("secret"))?,
            previous_until: row.previous_until,
            created_at: row.created_at,
            disabled_at: row.disabled_at,
            disabled_reason: row.disabled_reason,
        })
    }
}

#[derive(sqlx::FromRow)]
struct DueRow {
    message_id: String,
    event: String,
    payload: String,
    attempts: i32,
    #[sqlx(flatten)]
    webhook: WebhookRow,
}

/// Something that happened which webhooks may report.
pub(super) struct Happened {
    pub campaign_id: Uuid,
    pub event: WebhookEvent,
    pub signature_id: Option<Uuid>,
    /// Fields of the event's `data` besides the campaign, the signature and the count.
    pub extra: Value,
}

impl Happened {
    pub fn to_signature(campaign_id: Uuid, event: WebhookEvent, signature_id: Uuid) -> Self {
        Self {
            campaign_id,
            event,
            signature_id: Some(signature_id),
            extra: json!({}),
        }
    }
}

#[derive(sqlx::FromRow)]
struct SubscriberRow {
    id: Uuid,
    events: String,
    include_personal_data: bool,
    slug: String,
}

/// A signature's columns as a report reads them: id, source, country, postcode area,
/// signatory type, name, email, status, age band.
type SignatureColumns = (
    Uuid,
    Option<String>,
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
);

/// Queues a message for each webhook that follows what happened, inside `tx`, so that a
/// message exists exactly when its change was committed. A campaign without webhooks costs one
/// indexed read.
pub(super) async fn report<B: Backend>(
    tx: &mut Transaction<'static, B>,
    happened: &[Happened],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut subscribers: HashMap<Uuid, (Vec<SubscriberRow>, Value)> = HashMap::new();
    for h in happened {
        if let std::collections::hash_map::Entry::Vacant(vacant) = subscribers.entry(h.campaign_id)
        {
            let rows: Vec<SubscriberRow> = sql::<B>(
                "SELECT w.id, w.events, w.include_personal_data, c.slug
                 FROM webhooks w JOIN campaigns c ON c.id = w.campaign_id
                 WHERE w.campaign_id = $1 AND w.disabled_at IS NULL",
            )
            .bind(h.campaign_id)
            .fetch_all(&mut **tx)
            .await?;
            let count = if rows.is_empty() {
                Value::Null
            } else {
                let (individuals, organisations): (i64, i64) = sql::<B>(
                    "SELECT CAST(COALESCE(SUM(confirmed_individuals), 0) AS BIGINT),
                            CAST(COALESCE(SUM(confirmed_organisations), 0) AS BIGINT)
                     FROM campaign_counts WHERE campaign_id = $1",
                )
                .bind(h.campaign_id)
                .fetch_one(&mut **tx)
                .await?;
                json!({"total": individuals + organisations, "individuals": individuals,
                       "organisations": organisations})
            };
            vacant.insert((rows, count));
        }
        let (rows, count) = &subscribers[&h.campaign_id];
        let following: Vec<&SubscriberRow> = rows
            .iter()
            .filter(|w| w.events.contains(&format!("\"{}\"", h.event.as_str())))
            .collect();
        if following.is_empty() {
            continue;
        }
        let signature = match h.signature_id {
            Some(id) => sql::<B>(
                "SELECT id, source, country, postcode_area, signatory_type, name, email, status,
                        age_band
                 FROM signatures WHERE id = $1",
            )
            .bind(id)
            .fetch_optional::<SignatureColumns>(&mut **tx)
            .await?
            .map(
                |(id, source, country, postcode_area, signatory_type, name, email, status, age)| {
                    ReportedSignature {
                        id,
                        source,
                        country,
                        postcode_area,
                        signatory_type,
                        name,
                        email,
                        confirmed: status == "confirmed",
                        young: age.is_some_and(|band| band != "18-plus"),
                    }
                },
            ),
            None => None,
        };
        for webhook in following {
            let mut data = json!({"campaign": webhook.slug, "count": count});
            if let Some(signature) = &signature {
                data["signature"] = signature.to_json(webhook.include_personal_data);
            }
            if let (Some(data), Some(extra)) = (data.as_object_mut(), h.extra.as_object()) {
                data.extend(extra.clone());
            }
            let payload = h.event.message(now, data);
            insert_message(tx, webhook.id, h.signature_id, h.event, &payload, now).await?;
        }
    }
    Ok(())
}

async fn insert_message<B: Backend>(
    tx: &mut Transaction<'static, B>,
    webhook_id: Uuid,
    signature_id: Option<Uuid>,
    event: WebhookEvent,
    payload: &Value,
    now: DateTime<Utc>,
) -> Result<String, StoreError> {
    let id = format!("msg_{}", Uuid::now_v7().simple());
    sql::<B>(
        "INSERT INTO webhook_messages
             (id, webhook_id, signature_id, event, payload, created_at, attempts, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, $6, 0, $6)",
    )
    .bind(&id)
    .bind(webhook_id)
    .bind(signature_id)
    .bind(event.as_str())
    .bind(payload.to_string())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

/// Removes the signer's name and email from every message about the signatures `signatures`
/// selects (a statement binding `$1`), delivered or not, as erasing or purging them requires:
/// what is still to be sent goes without them, and no copy is kept; and their reason for
/// signing, if they gave one.
pub(super) async fn scrub_personal_data<B: Backend>(
    tx: &mut Transaction<'static, B>,
    signatures: &str,
    bind: Uuid,
) -> Result<(), StoreError> {
    // A reason for signing is the signer's own words: it goes with them.
    sql_built::<B>(format!(
        "DELETE FROM signature_reasons WHERE signature_id IN ({signatures})"
    ))
    .bind(bind)
    .execute(&mut **tx)
    .await?;
    let held: Vec<(String, String)> = sql_built::<B>(format!(
        "SELECT id, payload FROM webhook_messages WHERE signature_id IN ({signatures})"
    ))
    .bind(bind)
    .fetch_all(&mut **tx)
    .await?;
    for (id, payload) in held {
        let mut payload: Value = serde_json::from_str(&payload).unwrap_or(Value::Null);
        if let Some(signature) = payload
            .pointer_mut("/data/signature")
            .and_then(Value::as_object_mut)
        {
            signature.remove("name");
            signature.remove("email");
            signature.insert("personal_data".into(), false.into());
            signature.insert(
                "personal_data_withheld".into(),
                PersonalDataWithheld::Erased.as_str().into(),
            );
        }
        sql::<B>("UPDATE webhook_messages SET payload = $2 WHERE id = $1")
            .bind(id)
            .bind(payload.to_string())
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

#[async_trait]
impl<B: Backend> Webhooks for SqlStore<B> {
    async fn insert_webhook(
        &self,
        webhook: &Webhook,
        owner_id: Uuid,
        most: u32,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        // Touching the owner's row first makes two creations for one owner take turns (a row
        // lock on PostgreSQL; SQLite's writes take turns anyway), so both cannot pass the count.
        sql::<B>("UPDATE users SET id = id WHERE id = $1")
            .bind(owner_id)
            .execute(&mut *tx)
            .await?;
        let (held,): (i64,) = sql::<B>(
            "SELECT COUNT(*) FROM webhooks w JOIN campaigns c ON c.id = w.campaign_id
             WHERE c.owner_id = $1",
        )
        .bind(owner_id)
        .fetch_one(&mut *tx)
        .await?;
        if held >= i64::from(most) {
            tx.rollback().await?;
            return Ok(false);
        }
        let events: Vec<&str> = webhook.events.iter().map(|e| e.as_str()).collect();
        sql::<B>(
            "INSERT INTO webhooks (id, campaign_id, url, events, include_personal_data, secret,
                 created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(webhook.id)
        .bind(webhook.campaign_id)
        .bind(webhook.url.as_str())
        .bind(serde_json::to_string(&events).expect("a list of names"))
        .bind(webhook.include_personal_data)
        .bind(webhook.secret.expose())
        .bind(webhook.created_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn webhooks(&self, campaign_id: Uuid) -> Result<Vec<Webhook>, StoreError> {
        let rows: Vec<WebhookRow> = sql_built::<B>(format!(
            "SELECT {WEBHOOK_COLUMNS} FROM webhooks w WHERE w.campaign_id = $1
             ORDER BY w.created_at, w.id"
        ))
        .bind(campaign_id)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.into_iter().map(Webhook::try_from).collect()
    }

    async fn webhook(&self, campaign_id: Uuid, id: Uuid) -> Result<Option<Webhook>, StoreError> {
        let row: Option<WebhookRow> = sql_built::<B>(format!(
            "SELECT {WEBHOOK_COLUMNS} FROM webhooks w WHERE w.id = $1 AND w.campaign_id = $2"
        ))
        .bind(id)
        .bind(campaign_id)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        row.map(Webhook::try_from).transpose()
    }

    async fn delete_webhook(&self, campaign_id: Uuid, id: Uuid) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        sql::<B>(
            "DELETE FROM webhook_messages WHERE webhook_id IN
                 (SELECT id FROM webhooks WHERE id = $1 AND campaign_id = $2)",
        )
        .bind(id)
        .bind(campaign_id)
        .execute(&mut tx)
        .await?;
        let deleted = sql::<B>("DELETE FROM webhooks WHERE id = $1 AND campaign_id = $2")
            .bind(id)
            .bind(campaign_id)
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(deleted == 1)
    }

    async fn rotate_webhook_secret(
        &self,
        webhook: &Webhook,
        secret: &WebhookSecret,
        previous_until: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sql::<B>(
            "UPDATE webhooks SET previous_secret = secret, previous_until = $2, secret = $3
             WHERE id = $1",
        )
        .bind(webhook.id)
        .bind(previous_until)
        .bind(secret.expose())
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(())
    }

    async fn queue_test_message(
        &self,
        webhook: &Webhook,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let (slug,): (String,) = sql::<B>("SELECT slug FROM campaigns WHERE id = $1")
            .bind(webhook.campaign_id)
            .fetch_one(&mut tx)
            .await?;
        let payload =
            WebhookEvent::Test.message(now, json!({"campaign": slug, "webhook": webhook.id}));
        insert_message(&mut tx, webhook.id, None, WebhookEvent::Test, &payload, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn webhook_messages(
        &self,
        webhook_id: Uuid,
        limit: u32,
    ) -> Result<Vec<WebhookMessage>, StoreError> {
        sql::<B>(
            "SELECT id, event, created_at, attempts, next_attempt_at, delivered_at, failed_at,
                    last_status, last_error
             FROM webhook_messages WHERE webhook_id = $1
             ORDER BY created_at DESC, id DESC LIMIT $2",
        )
        .bind(webhook_id)
        .bind(i64::from(limit))
        .fetch_all(&mut *self.conn().await?)
        .await
    }

    async fn claim_webhook_messages(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
        resting: &[Uuid],
    ) -> Result<Vec<DueMessage>, StoreError> {
        let claim = Uuid::now_v7().to_string();
        let mut conn = self.conn().await?;
        const OPEN: &str = "delivered_at IS NULL AND failed_at IS NULL";
        let resting_list = (0..resting.len())
            .map(|i| format!("${}", i + 5))
            .collect::<Vec<_>>()
            .join(", ");
        let not_resting = if resting.is_empty() {
            String::new()
        } else {
            format!("AND m.webhook_id NOT IN ({resting_list})")
        };
        let mut claiming = sql_built::<B>(format!(
            "UPDATE webhook_messages SET lease_until = $2, claim_id = $3
             WHERE id IN (
                 SELECT m.id FROM webhook_messages m
                 WHERE m.{OPEN} AND m.next_attempt_at <= $1
                   AND (m.lease_until IS NULL OR m.lease_until <= $1)
                   {not_resting}
                   AND NOT EXISTS (
                       SELECT 1 FROM webhook_messages other
                       WHERE other.webhook_id = m.webhook_id AND other.{OPEN}
                         AND ((other.lease_until > $1)
                              OR (other.next_attempt_at <= $1
                                  AND (other.next_attempt_at < m.next_attempt_at
                                       OR (other.next_attempt_at = m.next_attempt_at
                                           AND other.id < m.id)))))
                 ORDER BY m.next_attempt_at
                 LIMIT $4 {})
               AND (lease_until IS NULL OR lease_until <= $1)",
            B::SKIP_LOCKED
        ))
        .bind(now)
        .bind(lease_until)
        .bind(&claim)
        .bind(i64::from(limit));
        for webhook in resting {
            claiming = claiming.bind(*webhook);
        }
        claiming.execute(&mut *conn).await?;
        let rows: Vec<DueRow> = sql_built::<B>(format!(
            "SELECT m.id AS message_id, m.event, m.payload, m.attempts, {WEBHOOK_COLUMNS}
             FROM webhook_messages m JOIN webhooks w ON w.id = m.webhook_id
             WHERE m.claim_id = $1"
        ))
        .bind(&claim)
        .fetch_all(&mut *conn)
        .await?;
        rows.into_iter()
            .map(|row| {
                Ok(DueMessage {
                    id: row.message_id,
                    event: row.event,
                    payload: row.payload,
                    attempts: u32::try_from(row.attempts).unwrap_or(0),
                    webhook: Webhook::try_from(row.webhook)?,
                })
            })
            .collect()
    }

    async fn webhook_attempted(
        &self,
        message_id: &str,
        status: Option<u16>,
        error: Option<&str>,
        outcome: crate::store::Attempted,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        use crate::store::Attempted;
        let (delivered, failed, next) = match outcome {
            Attempted::Delivered => (Some(now), None, now),
            Attempted::Retry(at) => (None, None, at),
            Attempted::GaveUp => (None, Some(now), now),
        };
        sql::<B>(
            "UPDATE webhook_messages SET attempts = attempts + 1, lease_until = NULL,
                 delivered_at = $2, failed_at = $3, next_attempt_at = $4, last_status = $5,
                 last_error = $6
             WHERE id = $1",
        )
        .bind(message_id)
        .bind(delivered)
        .bind(failed)
        .bind(next)
        .bind(status.map(i32::from))
        .bind(error.map(str::to_owned))
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(())
    }

    async fn disable_webhook(
        &self,
        webhook_id: Uuid,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sql::<B>(
            "UPDATE webhooks SET disabled_at = $2, disabled_reason = $3
             WHERE id = $1 AND disabled_at IS NULL",
        )
        .bind(webhook_id)
        .bind(now)
        .bind(reason)
        .execute(&mut tx)
        .await?;
        // What was still due to it will not be sent.
        sql::<B>(
            "UPDATE webhook_messages SET failed_at = $2, last_error = $3
             WHERE webhook_id = $1 AND delivered_at IS NULL AND failed_at IS NULL",
        )
        .bind(webhook_id)
        .bind(now)
        .bind(reason)
        .execute(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
