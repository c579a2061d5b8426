//! Reasons for signing: listed publicly once approved, moderated by the organisers, reported
//! by anyone.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::{campaign_named, managed_campaign};
use crate::domain::{CampaignStatus, Slug};
use crate::error::ApiError;
use crate::http::auth::{MaybeOrganiser, Organiser};
use crate::http::extract::ApiJson;
use crate::state::AppState;
use crate::store::{self, ReasonDecision, ReasonRecord};

#[derive(Deserialize)]
pub struct ReasonsQuery {
    /// For the organisers: `pending`, `approved`, `rejected` or `all`.
    review: Option<String>,
}

fn organiser_view(r: &ReasonRecord) -> serde_json::Value {
    json!({
        "id": r.id, "text": r.text, "shown_as": r.shown_as, "review": r.review,
        "featured": r.featured, "reports": r.reports, "created_at": r.created_at,
        "name": r.name, "constituency": r.constituency, "counted": r.counted,
    })
}

/// `GET /v1/campaigns/{slug}/reasons`: approved reasons, to anyone; with `review`, every
/// reason under that review, to the campaign's organisers.
pub async fn list(
    MaybeOrganiser(viewer): MaybeOrganiser,
    state: web::Data<AppState>,
    slug: web::Path<Slug>,
    query: web::Query<ReasonsQuery>,
) -> Result<HttpResponse, ApiError> {
    if let Some(review) = query.review.as_deref() {
        let caller = viewer.ok_or(ApiError::Unauthenticated)?;
        let campaign = managed_campaign(&state, &slug, &caller).await?;
        let review = match review {
            "all" => None,
            "pending" | "approved" | "rejected" => Some(review),
            _ => {
                return Err(ApiError::field(
                    "review",
                    "must be one of: pending, approved, rejected, all",
                ));
            }
        };
        let reasons = state.store.reasons(campaign.id, review, false, 500).await?;
        return Ok(HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(json!({"reasons": reasons.iter().map(organiser_view).collect::<Vec<_>>()})));
    }
    let campaign = campaign_named(&state, &slug).await?;
    if campaign.status_at(store::now()) == CampaignStatus::Draft {
        return Err(ApiError::NotFound);
    }
    let shown = crate::reasons::shown(
        state.store.as_ref(),
        &state.geography,
        &state.page_url(campaign.slug.as_str()),
        &campaign,
        100,
    )
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=30"))
        .json(json!({ "reasons": shown })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecideBody {
    /// `approved` or `rejected`.
    #[serde(default, deserialize_with = "crate::http::extract::present")]
    review: Option<String>,
    #[serde(default, deserialize_with = "crate::http::extract::present")]
    featured: Option<bool>,
}

/// `PATCH /v1/campaigns/{slug}/reasons/{id}`: approve or reject a reason, feature it or not.
pub async fn decide(
    Organiser(caller): Organiser,
    state: web::Data<AppState>,
    path: web::Path<(Slug, String)>,
    ApiJson(body): ApiJson<DecideBody>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let campaign = managed_campaign(&state, &slug, &caller).await?;
    let id = Uuid::parse_str(&id).map_err(|_| ApiError::NotFound)?;
    let approve = match body.review.as_deref() {
        None => None,
        Some("approved") => Some(true),
        Some("rejected") => Some(false),
        Some(_) => return Err(ApiError::field("review", "must be approved or rejected")),
    };
    if approve.is_none() && body.featured.is_none() {
        return Err(ApiError::field(
            "review",
            "is required, unless featured is given: say approved or rejected",
        ));
    }
    let decided = state
        .store
        .decide_reason(
            campaign.id,
            id,
            ReasonDecision {
                approve,
                featured: body.featured,
            },
            caller.id,
            store::now(),
        )
        .await?
        .ok_or(ApiError::NotFound)?;
    crate::audit::record(
        state.store.as_ref(),
        Some(caller.id),
        "reason_reviewed",
        campaign.id,
        Some(id),
        1,
        json!({"review": decided.review, "featured": decided.featured}).to_string(),
    )
    .await;
    Ok(HttpResponse::Ok().json(organiser_view(&decided)))
}

/// `POST /v1/campaigns/{slug}/reasons/{id}/report`: anyone may report a shown reason to the
/// organisers; limited per client as signing is.
pub async fn report(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(Slug, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    state.limits.signing_by_address.check(&state.client(&req))?;
    let campaign = campaign_named(&state, &slug).await?;
    let id = Uuid::parse_str(&id).map_err(|_| ApiError::NotFound)?;
    if !state.store.report_reason(campaign.id, id).await? {
        return Err(ApiError::NotFound);
    }
    Ok(HttpResponse::Accepted().json(json!({"status": "reported"})))
}
