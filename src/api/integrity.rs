//! The integrity view, bulk invalidation and its undoing, and the blocklists: for a
//! campaign's organisers (and the service's blocklist, for admins).

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::managed_campaign;
use crate::domain::integrity::{
    Blocklist, InvalidationFigures, InvalidationFilter, InvalidationFilterForm, InvalidationReason,
};
use crate::domain::{FieldError, Slug};
use crate::error::ApiError;
use crate::http::auth::Organiser;
use crate::http::extract::ApiJson;
use crate::integrity::DEFAULT_FLAG_SHARE;
use crate::state::AppState;
use crate::store::InvalidationRecord;

#[derive(Deserialize)]
pub struct IntegrityQuery {
    from: Option<String>,
    to: Option<String>,
    /// The share of the range above which a block or domain is flagged (0 to 1).
    share: Option<f64>,
}

fn instant(field: &str, raw: Option<&str>) -> Result<Option<DateTime<Utc>>, FieldError> {
    raw.map(|r| {
        DateTime::parse_from_rfc3339(r)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| {
                FieldError::new(field, "must be a date and time like 2026-12-01T09:00:00Z")
            })
    })
    .transpose()
}

/// `GET /v1/campaigns/{slug}/integrity`: signatures per hour by what became of them, the
/// busiest address blocks, email domains and sources with their confirmation rates, and flags.
pub async fn view(
    Organiser(caller): Organiser,
    state: web::Data<AppState>,
    slug: web::Path<Slug>,
    query: web::Query<IntegrityQuery>,
) -> Result<HttpResponse, ApiError> {
    let campaign = managed_campaign(&state, &slug, &caller).await?;
    let mut errors = Vec::new();
    let from = instant("from", query.from.as_deref()).unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    let to = instant("to", query.to.as_deref()).unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    if let (Some(from), Some(to)) = (from, to)
        && from >= to
    {
        errors.push(FieldError::new("to", "must be after from"));
    }
    let share = query.share.unwrap_or(DEFAULT_FLAG_SHARE);
    if !(share > 0.0 && share <= 1.0) {
        errors.push(FieldError::new("share", "must be above 0 and at most 1"));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let view = crate::integrity::view(state.store.as_ref(), &campaign, from, to, share).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(view))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilterBody {
    #[serde(default, deserialize_with = "crate::http::extract::present")]
    block: Option<String>,
    #[serde(default, deserialize_with = "crate::http::extract::present")]
    domain: Option<String>,
    #[serde(default, deserialize_with = "crate::http::extract::present")]
    source: Option<String>,
    #[serde(default, deserialize_with = "crate::http::extract::present")]
    from: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::http::extract::present")]
    to: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::http::extract::present")]
    emails: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvalidateBody {
    #[serde(deserialize_with = "crate::http::extract::object")]
    filter: FilterBody,
    /// Why, for the record: required unless this is a preview.
    #[serde(default, deserialize_with = "crate::http::extract::present")]
    reason: Option<String>,
    #[serde(default)]
    dry_run: bool,
}

fn figures_json(figures: &InvalidationFigures) -> serde_json::Value {
    json!({
        "count": figures.signatures,
        "confirmed": figures.confirmed,
        "sample": figures.sample,
    })
}

/// `POST /v1/campaigns/{slug}/invalidations`: with `dry_run`, what a filter would take (and
/// nothing changes); without, takes it out of every count (201, with its `id`).
pub async fn invalidate(
    Organiser(caller): Organiser,
    state: web::Data<AppState>,
    slug: web::Path<Slug>,
    ApiJson(body): ApiJson<InvalidateBody>,
) -> Result<HttpResponse, ApiError> {
    let campaign = managed_campaign(&state, &slug, &caller).await?;
    let filter = InvalidationFilter::parse(InvalidationFilterForm {
        block: body.filter.block,
        domain: body.filter.domain,
        source: body.filter.source,
        from: body.filter.from,
        to: body.filter.to,
        emails: body.filter.emails,
    });
    // A reason is asked only of an invalidation that is done, not of its preview.
    let reason = (!body.dry_run)
        .then(|| InvalidationReason::parse(body.reason.as_deref().unwrap_or_default()));
    let (filter, reason) = match (filter, reason) {
        (Ok(filter), None) => (filter, None),
        (Ok(filter), Some(Ok(reason))) => (filter, Some(reason)),
        (filter, reason) => {
            let mut errors = filter.err().unwrap_or_default();
            if let Some(Err(message)) = reason {
                errors.push(FieldError::new("reason", message));
            }
            return Err(ApiError::Validation(errors));
        }
    };
    let Some(reason) = reason else {
        let figures = crate::integrity::preview(state.store.as_ref(), &campaign, &filter).await?;
        return Ok(HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(figures_json(&figures)));
    };
    let (id, figures) = crate::integrity::invalidate(
        state.store.as_ref(),
        &state.live,
        &campaign,
        &caller,
        filter,
        reason,
    )
    .await?;
    state.area_counts.forget(campaign.id);
    let mut answer = figures_json(&figures);
    answer["id"] = json!(id);
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/v1/campaigns/{}/invalidations/{id}", campaign.slug),
        ))
        .json(answer))
}

#[derive(Serialize)]
struct InvalidationView {
    id: Uuid,
    filter: serde_json::Value,
    reason: String,
    count: u64,
    confirmed: u64,
    created_at: DateTime<Utc>,
    restorable_until: DateTime<Utc>,
    restored_at: Option<DateTime<Utc>>,
}

impl From<InvalidationRecord> for InvalidationView {
    fn from(r: InvalidationRecord) -> Self {
        Self {
            id: r.id,
            filter: r.filter,
            reason: r.reason,
            count: r.signatures,
            confirmed: r.confirmed,
            created_at: r.created_at,
            restorable_until: r.restorable_until,
            restored_at: r.restored_at,
        }
    }
}

/// `GET /v1/campaigns/{slug}/invalidations`: every invalidation of the campaign, newest first.
pub async fn list(
    Organiser(caller): Organiser,
    state: web::Data<AppState>,
    slug: web::Path<Slug>,
) -> Result<HttpResponse, ApiError> {
    let campaign = managed_campaign(&state, &slug, &caller).await?;
    let invalidations = state.store.invalidations(campaign.id).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({
            "invalidations": invalidations.into_iter().map(InvalidationView::from).collect::<Vec<_>>()
        })))
}

/// `POST /v1/campaigns/{slug}/invalidations/{id}/restore`: puts the signatures back.
pub async fn restore(
    Organiser(caller): Organiser,
    state: web::Data<AppState>,
    path: web::Path<(Slug, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let campaign = managed_campaign(&state, &slug, &caller).await?;
    let id = Uuid::parse_str(&id).map_err(|_| ApiError::NotFound)?;
    let (signatures, confirmed) =
        crate::integrity::restore(state.store.as_ref(), &state.live, &campaign, &caller, id)
            .await?;
    state.area_counts.forget(campaign.id);
    Ok(HttpResponse::Ok().json(json!({
        "id": id,
        "count": signatures,
        "confirmed": confirmed,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CampaignBlocklistBody {
    domains: Vec<String>,
    /// Refuse the domains of throwaway inboxes too; left as it is when absent.
    #[serde(default, deserialize_with = "crate::http::extract::present")]
    disposable: Option<bool>,
}

/// `GET /v1/campaigns/{slug}/blocklist`: the campaign's own blocklist.
pub async fn campaign_blocklist(
    Organiser(caller): Organiser,
    state: web::Data<AppState>,
    slug: web::Path<Slug>,
) -> Result<HttpResponse, ApiError> {
    let campaign = managed_campaign(&state, &slug, &caller).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({
            "domains": campaign.screening.blocklist.entries(),
            "disposable": campaign.screening.block_disposable,
        })))
}

/// `PUT /v1/campaigns/{slug}/blocklist`: replaces the campaign's own blocklist.
pub async fn put_campaign_blocklist(
    Organiser(caller): Organiser,
    state: web::Data<AppState>,
    slug: web::Path<Slug>,
    ApiJson(body): ApiJson<CampaignBlocklistBody>,
) -> Result<HttpResponse, ApiError> {
    let campaign = managed_campaign(&state, &slug, &caller).await?;
    let blocklist = Blocklist::parse("domains", &body.domains).map_err(ApiError::Validation)?;
    let disposable = body
        .disposable
        .unwrap_or(campaign.screening.block_disposable);
    crate::integrity::set_campaign_screening(
        state.store.as_ref(),
        &campaign,
        &caller,
        blocklist.clone(),
        disposable,
    )
    .await?;
    state.signing.forget(&campaign.slug);
    Ok(HttpResponse::Ok().json(json!({
        "domains": blocklist.entries(),
        "disposable": disposable,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceBlocklistBody {
    domains: Vec<String>,
}

/// `GET /v1/blocklist`: the whole service's blocklist, for admins.
pub async fn service_blocklist(
    Organiser(caller): Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    if !caller.is_admin {
        return Err(ApiError::Forbidden);
    }
    let current = state.store.service_blocklist().await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({ "domains": current.entries() })))
}

/// `PUT /v1/blocklist`: replaces the whole service's blocklist, for admins.
pub async fn put_service_blocklist(
    Organiser(caller): Organiser,
    state: web::Data<AppState>,
    ApiJson(body): ApiJson<ServiceBlocklistBody>,
) -> Result<HttpResponse, ApiError> {
    if !caller.is_admin {
        return Err(ApiError::Forbidden);
    }
    let blocklist = Blocklist::parse("domains", &body.domains).map_err(ApiError::Validation)?;
    state
        .signing
        .blocklist()
        .set(state.store.as_ref(), blocklist.clone())
        .await?;
    tracing::info!(
        admin = %caller.id,
        entries = blocklist.entries().len(),
        "the service's blocklist was replaced"
    );
    Ok(HttpResponse::Ok().json(json!({ "domains": blocklist.entries() })))
}
