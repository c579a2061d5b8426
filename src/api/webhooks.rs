//! A campaign's webhooks: made with a secret shown once, listed, removed, their secret
//! rotated, tested, and their recent deliveries shown.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::managed_campaign;
use crate::domain::{
    Campaign, FieldErrors, Slug, Webhook, WebhookEvent, WebhookSecret, WebhookUrl,
};
use crate::error::{ApiError, Conflict};
use crate::http::auth::Organiser;
use crate::http::extract::ApiJson;
use crate::state::AppState;
use crate::store;

/// How long the secret before a rotation keeps signing, so that receivers can move over.
const ROTATION_OVERLAP_HOURS: i64 = 24;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhook {
    url: String,
    events: Vec<String>,
    #[serde(default)]
    include_personal_data: bool,
}

/// A webhook as its campaign's organisers see it; the secret only when it is made or rotated.
#[derive(Serialize)]
struct WebhookView<'a> {
    id: Uuid,
    url: &'a str,
    events: Vec<&'static str>,
    include_personal_data: bool,
    created_at: DateTime<Utc>,
    disabled_at: Option<DateTime<Utc>>,
    disabled_reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<&'a str>,
}

impl<'a> WebhookView<'a> {
    fn of(webhook: &'a Webhook, with_secret: bool) -> Self {
        Self {
            id: webhook.id,
            url: webhook.url.as_str(),
            events: webhook.events.iter().map(|e| e.as_str()).collect(),
            include_personal_data: webhook.include_personal_data,
            created_at: webhook.created_at,
            disabled_at: webhook.disabled_at,
            disabled_reason: webhook.disabled_reason.as_deref(),
            secret: with_secret.then(|| webhook.secret.expose()),
        }
    }
}

async fn record(state: &AppState, actor: Uuid, action: &str, campaign: &Campaign, detail: String) {
    crate::audit::record(
        state.store.as_ref(),
        Some(actor),
        action,
        campaign.id,
        None,
        0,
        detail,
    )
    .await;
}

/// `POST /v1/campaigns/{slug}/webhooks`.
pub async fn create(
    Organiser(caller): Organiser,
    state: web::Data<AppState>,
    slug: web::Path<Slug>,
    ApiJson(body): ApiJson<CreateWebhook>,
) -> Result<HttpResponse, ApiError> {
    let campaign = managed_campaign(&state, &slug, &caller).await?;
    let mut e = FieldErrors::default();
    let url = e.check("url", WebhookUrl::parse(&body.url));
    let events = e.check("events", WebhookEvent::parse_list(&body.events));
    let (Some(url), Some(events)) = (url, events) else {
        return Err(ApiError::Validation(e.into_vec()));
    };
    if let Err(refused) = state.webhook_hosts.check_at_creation(&url).await {
        return Err(ApiError::field("url", refused.0));
    }
    let webhook = Webhook {
        id: Uuid::now_v7(),
        campaign_id: campaign.id,
        url,
        events,
        include_personal_data: body.include_personal_data,
        secret: WebhookSecret::generate(),
        previous_secret: None,
        previous_until: None,
        created_at: store::now(),
        disabled_at: None,
        disabled_reason: None,
    };
    let most = state.webhooks_per_organiser;
    if !state
        .store
        .insert_webhook(&webhook, campaign.owner_id, most)
        .await?
    {
        return Err(ApiError::Conflict(Conflict::WebhookLimit(most)));
    }
    let detail = format!(
        "webhook to {} for {}{}",
        webhook.url.as_str(),
        WebhookView::of(&webhook, false).events.join(", "),
        if webhook.include_personal_data {
            ", with signers' names and emails"
        } else {
            ""
        }
    );
    record(&state, caller.id, "webhook_created", &campaign, detail).await;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/v1/campaigns/{}/webhooks/{}", campaign.slug, webhook.id),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(WebhookView::of(&webhook, true)))
}

/// `GET /v1/campaigns/{slug}/webhooks`.
pub async fn list(
    Organiser(caller): Organiser,
    state: web::Data<AppState>,
    slug: web::Path<Slug>,
) -> Result<HttpResponse, ApiError> {
    let campaign = managed_campaign(&state, &slug, &caller).await?;
    let webhooks = state.store.webhooks(campaign.id).await?;
    let views: Vec<WebhookView> = webhooks.iter().map(|w| WebhookView::of(w, false)).collect();
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({ "webhooks": views })))
}

/// The campaign and one of its webhooks, for the caller who manages it.
async fn managed_webhook(
    state: &AppState,
    caller: &crate::domain::User,
    path: (Slug, String),
) -> Result<(Campaign, Webhook), ApiError> {
    let (slug, id) = path;
    let campaign = managed_campaign(state, &slug, caller).await?;
    let id = Uuid::parse_str(&id).map_err(|_| ApiError::NotFound)?;
    let webhook = state
        .store
        .webhook(campaign.id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok((campaign, webhook))
}

/// `DELETE /v1/campaigns/{slug}/webhooks/{id}`: nothing more is sent to it.
pub async fn delete(
    Organiser(caller): Organiser,
    state: web::Data<AppState>,
    path: web::Path<(Slug, String)>,
) -> Result<HttpResponse, ApiError> {
    let (campaign, webhook) = managed_webhook(&state, &caller, path.into_inner()).await?;
    if !state.store.delete_webhook(campaign.id, webhook.id).await? {
        return Err(ApiError::NotFound);
    }
    let detail = format!("webhook to {} removed", webhook.url.as_str());
    record(&state, caller.id, "webhook_deleted", &campaign, detail).await;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /v1/campaigns/{slug}/webhooks/{id}/rotate`: a new secret, shown once; the old one
/// signs too for a day, so that a receiver can take the new one without missing a message.
pub async fn rotate(
    Organiser(caller): Organiser,
    state: web::Data<AppState>,
    path: web::Path<(Slug, String)>,
) -> Result<HttpResponse, ApiError> {
    let (campaign, mut webhook) = managed_webhook(&state, &caller, path.into_inner()).await?;
    let secret = WebhookSecret::generate();
    let until = store::now() + chrono::Duration::hours(ROTATION_OVERLAP_HOURS);
    state
        .store
        .rotate_webhook_secret(&webhook, &secret, until)
        .await?;
    webhook.previous_secret = Some(std::mem::replace(&mut webhook.secret, secret));
    webhook.previous_until = Some(until);
    let detail = format!("secret of the webhook to {} rotated", webhook.url.as_str());
    record(&state, caller.id, "webhook_rotated", &campaign, detail).await;
    let mut view =
        serde_json::to_value(WebhookView::of(&webhook, true)).map_err(ApiError::internal)?;
    view["previous_secret_until"] = json!(until);
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(view))
}

/// `POST /v1/campaigns/{slug}/webhooks/{id}/test`: queues a `webhook.test` message to it.
pub async fn test(
    Organiser(caller): Organiser,
    state: web::Data<AppState>,
    path: web::Path<(Slug, String)>,
) -> Result<HttpResponse, ApiError> {
    let (_, webhook) = managed_webhook(&state, &caller, path.into_inner()).await?;
    if webhook.disabled_at.is_some() {
        return Err(ApiError::field(
            "webhook",
            "is disabled (its receiver answered 410 Gone): make a new one",
        ));
    }
    state
        .store
        .queue_test_message(&webhook, store::now())
        .await?;
    Ok(HttpResponse::Accepted().json(json!({"status": "queued"})))
}

/// `GET /v1/campaigns/{slug}/webhooks/{id}/deliveries`: its latest 50 messages, newest first,
/// with how each attempt went.
pub async fn deliveries(
    Organiser(caller): Organiser,
    state: web::Data<AppState>,
    path: web::Path<(Slug, String)>,
) -> Result<HttpResponse, ApiError> {
    let (_, webhook) = managed_webhook(&state, &caller, path.into_inner()).await?;
    let messages = state.store.webhook_messages(webhook.id, 50).await?;
    let deliveries: Vec<serde_json::Value> = messages
        .iter()
        .map(|m| {
            let status = match (m.delivered_at, m.failed_at) {
                (Some(_), _) => "delivered",
                (None, Some(_)) => "failed",
                (None, None) => "pending",
            };
            json!({
                "id": m.id, "type": m.event.as_str(), "status": status, "created_at": m.created_at,
                "attempts": m.attempts, "last_status_code": m.last_status,
                "last_error": m.last_error, "delivered_at": m.delivered_at,
                "next_attempt_at": (status == "pending").then_some(m.next_attempt_at),
            })
        })
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({ "deliveries": deliveries })))
}
