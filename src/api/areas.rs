//! Where the signers are: a campaign's count by constituency (with each MP), Senedd
//! constituency and council, as JSON or CSV; and where one postcode is. Public, open to every
//! origin, cacheable.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::areas::AreaSet;
use crate::domain::Slug;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Deserialize)]
pub struct FormatQuery {
    format: Option<String>,
}

async fn by_area(
    state: &AppState,
    slug: &Slug,
    query: &FormatQuery,
    set: AreaSet,
) -> Result<HttpResponse, ApiError> {
    let csv = match query.format.as_deref().unwrap_or("json") {
        "json" => false,
        "csv" => true,
        _ => return Err(ApiError::field("format", "must be one of: json, csv")),
    };
    let view = state.live.view(slug).await?;
    let counts = state
        .area_counts
        .counts(
            state.store.as_ref(),
            &state.geography,
            view.campaign_id,
            set,
        )
        .await?;
    let mut response = HttpResponse::Ok();
    response
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=30"));
    if csv {
        Ok(response
            .content_type("text/csv; charset=utf-8; header=present")
            .body(crate::areas::to_csv(&counts).map_err(ApiError::internal)?))
    } else {
        Ok(response.json(counts.as_ref()))
    }
}

/// `GET /v1/campaigns/{slug}/constituencies`.
pub async fn constituencies(
    state: web::Data<AppState>,
    slug: web::Path<Slug>,
    query: web::Query<FormatQuery>,
) -> Result<HttpResponse, ApiError> {
    by_area(&state, &slug, &query, AreaSet::Constituencies).await
}

/// `GET /v1/campaigns/{slug}/senedd`.
pub async fn senedd(
    state: web::Data<AppState>,
    slug: web::Path<Slug>,
    query: web::Query<FormatQuery>,
) -> Result<HttpResponse, ApiError> {
    by_area(&state, &slug, &query, AreaSet::Senedd).await
}

/// `GET /v1/campaigns/{slug}/councils`.
pub async fn councils(
    state: web::Data<AppState>,
    slug: web::Path<Slug>,
    query: web::Query<FormatQuery>,
) -> Result<HttpResponse, ApiError> {
    by_area(&state, &slug, &query, AreaSet::Councils).await
}

/// `GET /v1/postcodes/{postcode}`: limited per client, as a bulk lookup is not what it is for.
pub async fn postcode(
    req: HttpRequest,
    state: web::Data<AppState>,
    postcode: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let allowance = state
        .limits
        .postcodes_by_address
        .check(&state.client(&req))?;
    let place = crate::areas::look_up(&state.geography, &postcode)?;
    let mut response = HttpResponse::Ok();
    for header in allowance.headers() {
        response.insert_header(header);
    }
    Ok(response
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .json(place))
}
