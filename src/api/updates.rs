//! Updates to signers: an outcome or news, written by the campaign's organisers, sent through
//! the outbox at a set rate, with its progress; and the one-click unsubscribe page.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::managed_campaign;
use crate::domain::{
    Body, Campaign, CampaignStatus, EmailKind, FieldErrors, Slug, Title, UpdateKind, User,
};
use crate::error::{ApiError, Conflict};
use crate::http::auth::Organiser;
use crate::http::extract::ApiJson;
use crate::state::AppState;
use crate::store::{self, NewUpdate, PublishedOutcome, QueuedEmail, UpdateStatus};

/// An update as its organisers see it: what it was and how its sending stands.
#[derive(Serialize)]
struct UpdateView {
    id: Uuid,
    kind: &'static str,
    subject: String,
    created_at: DateTime<Utc>,
    recipients: u64,
    queued: u64,
    sent: u64,
    bounced: u64,
    failed: u64,
    unsubscribed: u64,
}

impl From<UpdateStatus> for UpdateView {
    fn from(update: UpdateStatus) -> Self {
        Self {
            id: update.id,
            kind: update.kind.as_str(),
            subject: update.subject,
            created_at: update.created_at,
            recipients: update.recipients,
            queued: update.queued,
            sent: update.sent,
            bounced: update.bounced,
            failed: update.failed,
            unsubscribed: update.unsubscribed,
        }
    }
}

/// A campaign's latest outcome as anyone may read it.
#[derive(Serialize)]
pub struct OutcomeView {
    subject: String,
    body: String,
    published_at: DateTime<Utc>,
}

impl From<PublishedOutcome> for OutcomeView {
    fn from(outcome: PublishedOutcome) -> Self {
        Self {
            subject: outcome.subject,
            body: outcome.body,
            published_at: outcome.created_at,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateUpdate {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    body: String,
    /// Send it to the caller alone, as signers would receive it, and record nothing.
    #[serde(default)]
    test: bool,
}

/// `POST /v1/campaigns/{slug}/updates`: an outcome goes to every confirmed signer, news to
/// those who agreed to be contacted; never to anyone withdrawn, erased or unsubscribed, and
/// once to each.
pub async fn create(
    Organiser(caller): Organiser,
    state: web::Data<AppState>,
    slug: web::Path<Slug>,
    ApiJson(body): ApiJson<CreateUpdate>,
) -> Result<HttpResponse, ApiError> {
    let campaign = managed_campaign(&state, &slug, &caller).await?;
    let mut e = FieldErrors::default();
    let kind = e.check("kind", body.kind.parse::<UpdateKind>());
    let subject = e.check("subject", Title::parse(&body.subject));
    let text = e.check("body", Body::parse(&body.body));
    let (Some(kind), Some(subject), Some(text)) = (kind, subject, text) else {
        return Err(ApiError::Validation(e.into_vec()));
    };
    let now = store::now();
    if body.test {
        // A draft may be tested too: what its signers will receive is worth seeing first.
        send_test(&state, &campaign, &caller, subject.as_str(), text.as_str()).await?;
        return Ok(HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(json!({
                "test": true, "kind": kind.as_str(), "subject": subject.as_str(),
                "sent_to": caller.email.as_str(),
            })));
    }
    if campaign.status_at(now) == CampaignStatus::Draft {
        return Err(ApiError::Conflict(Conflict::NotReady(
            "the campaign is a draft: it has no signers to tell yet",
        )));
    }
    let update = NewUpdate {
        id: Uuid::now_v7(),
        campaign_id: campaign.id,
        kind,
        subject: subject.into_string(),
        body: text.into_string(),
        created_at: now,
        created_by: caller.id,
    };
    let queued = state
        .store
        .insert_update(&update, state.update_spacing)
        .await?;
    crate::audit::record(
        state.store.as_ref(),
        Some(caller.id),
        "update_sent",
        campaign.id,
        None,
        queued,
        format!(
            "{} \u{201c}{}\u{201d} queued to {queued} signers",
            kind.as_str(),
            update.subject
        ),
    )
    .await;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/v1/campaigns/{}/updates/{}", campaign.slug, update.id),
        ))
        .json(json!({
            "id": update.id, "kind": kind.as_str(), "subject": update.subject,
            "created_at": now, "recipients": queued, "queued": queued, "sent": 0, "bounced": 0, "failed": 0,
            "unsubscribed": 0,
        })))
}

/// Emails `caller` the update as a signer of `campaign` would receive it, in the campaign's
/// language, marked as a test; nothing is queued or recorded.
async fn send_test(
    state: &AppState,
    campaign: &Campaign,
    caller: &User,
    subject: &str,
    text: &str,
) -> Result<(), ApiError> {
    let store = state.store.as_ref();
    let owner = if caller.id == campaign.owner_id {
        Some(caller.clone())
    } else {
        store.user(campaign.owner_id).await?
    };
    let email = QueuedEmail {
        id: Uuid::now_v7(),
        campaign_id: campaign.id,
        // No signer's: the mark of a test (see mail::messages).
        signature_id: None,
        kind: EmailKind::Update,
        recipient: caller.email.as_str().to_owned(),
        signer_name: String::new(),
        signer_organisation: None,
        renew_after_months: None,
        young_kept_days: 0,
        confirm_token: None,
        withdraw_token: None,
        attempts: 0,
        created_at: store::now(),
        campaign_slug: campaign.slug.as_str().to_owned(),
        campaign_title: campaign.title.as_str().to_owned(),
        organiser: crate::accounts::organiser_of(store, campaign, Some(caller)).await?,
        brand: campaign.look(),
        sender_name: owner
            .and_then(|o| o.sender_name)
            .map(|name| name.as_str().to_owned()),
        handin: None,
        update: Some((subject.to_owned(), text.to_owned())),
        lang: campaign.signers.lang,
        age_band: None,
    };
    state
        .direct_mail
        .send_test(&email)
        .await
        .map_err(ApiError::MailNotSent)
}

/// `GET /v1/campaigns/{slug}/updates`: each update with how its sending stands.
pub async fn list(
    Organiser(caller): Organiser,
    state: web::Data<AppState>,
    slug: web::Path<Slug>,
) -> Result<HttpResponse, ApiError> {
    let campaign = managed_campaign(&state, &slug, &caller).await?;
    let updates: Vec<UpdateView> = state
        .store
        .updates(campaign.id)
        .await?
        .into_iter()
        .map(UpdateView::from)
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({ "updates": updates })))
}

/// `GET /v1/campaigns/{slug}/updates/{id}`: one update's queued, sent and failed emails.
pub async fn show(
    Organiser(caller): Organiser,
    state: web::Data<AppState>,
    path: web::Path<(Slug, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let campaign = managed_campaign(&state, &slug, &caller).await?;
    let id = Uuid::parse_str(&id).map_err(|_| ApiError::NotFound)?;
    let update = state
        .store
        .updates(campaign.id)
        .await?
        .into_iter()
        .find(|u| u.id == id)
        .ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(UpdateView::from(update)))
}

#[derive(Deserialize)]
pub struct RecipientsQuery {
    kind: String,
}

/// `GET /v1/campaigns/{slug}/updates/recipients?kind=outcome|news`: how many an update of that
/// kind would go to now, and in which languages, to say before it is sent.
pub async fn recipients(
    Organiser(caller): Organiser,
    state: web::Data<AppState>,
    slug: web::Path<Slug>,
    query: web::Query<RecipientsQuery>,
) -> Result<HttpResponse, ApiError> {
    let campaign = managed_campaign(&state, &slug, &caller).await?;
    let kind = query
        .kind
        .parse::<UpdateKind>()
        .map_err(|m| ApiError::field("kind", m))?;
    let by_language = state.store.update_recipients(campaign.id, kind).await?;
    let count: i64 = by_language.iter().map(|(_, n)| n).sum();
    let languages: serde_json::Map<String, serde_json::Value> = by_language
        .into_iter()
        .map(|(lang, n)| (lang, json!(n)))
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({"kind": kind.as_str(), "count": count, "languages": languages})))
}
