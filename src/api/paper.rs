//! Paper signatures: entered by a campaign's organisers as JSON or a CSV, and their sheets
//! listed.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::managed_campaign;
use crate::domain::{PaperEntryForm, Slug};
use crate::error::ApiError;
use crate::http::auth::Organiser;
use crate::http::extract::{is_json, media_type, read_body};
use crate::state::AppState;

/// A CSV of many sheets is larger than any other request: up to this many bytes (about 1,000
/// entries), or the service's body limit if that is larger.
const MAX_PAPER_BYTES: usize = 256 * 1024;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PaperBody {
    entries: Vec<PaperEntryForm>,
}

/// `POST /v1/campaigns/{slug}/paper`: paper entries, as `{"entries": [...]}` or as a CSV
/// (`text/csv`), recorded all or none.
pub async fn enter(
    req: HttpRequest,
    Organiser(caller): Organiser,
    state: web::Data<AppState>,
    slug: web::Path<Slug>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let campaign = managed_campaign(&state, &slug, &caller).await?;
    let csv = match media_type(&req).as_str() {
        "text/csv" => true,
        _ if is_json(&req) => false,
        _ => {
            return Err(ApiError::UnsupportedMediaType {
                expected: "application/json or text/csv",
            });
        }
    };
    let mut payload = payload.into_inner();
    let limit = MAX_PAPER_BYTES.max(state.max_body_bytes);
    let body = read_body(&mut payload, limit, state.body_deadline).await?;
    let forms = if csv {
        crate::paper::read_csv(&body)?
    } else {
        serde_json::from_slice::<PaperBody>(&body)
            .map_err(|e| ApiError::MalformedBody(e.to_string()))?
            .entries
    };
    let recorded = crate::paper::enter(
        state.store.as_ref(),
        &state.geography,
        &state.live,
        &campaign,
        &caller,
        forms,
    )
    .await?;
    state.area_counts.forget(campaign.id);
    Ok(HttpResponse::Created().json(json!({
        "added": recorded.added,
        "already_signed": recorded.already_signed,
    })))
}

/// `GET /v1/campaigns/{slug}/paper`: the campaign's paper sheets, with how many of each count.
pub async fn sheets(
    Organiser(caller): Organiser,
    state: web::Data<AppState>,
    slug: web::Path<Slug>,
) -> Result<HttpResponse, ApiError> {
    let campaign = managed_campaign(&state, &slug, &caller).await?;
    let sheets = state.store.paper_sheets(campaign.id).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({ "sheets": sheets })))
}
