//! Organisations' logos: an account's (its campaigns' by default) and a campaign's own,
//! uploaded as the request's body (`image/png`, `image/jpeg` or `image/webp`, up to 1 MB) and
//! stored as the service re-encoded them (see `crate::logos`).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

use super::campaigns::CampaignView;
use super::managed_campaign;
use super::users::UserView;
use crate::accounts::{organiser_of, replace_logo};
use crate::domain::Slug;
use crate::error::ApiError;
use crate::http::auth::Organiser;
use crate::http::extract::read_body;
use crate::logos::{MAX_UPLOAD_BYTES, format_of, prepare};
use crate::state::AppState;
use crate::store::{self, LogoOwner, StoredLogo};

/// The upload, re-encoded; refused before its body is read when its type is not an image we
/// take.
async fn uploaded(
    req: &HttpRequest,
    state: &AppState,
    payload: web::Payload,
) -> Result<StoredLogo, ApiError> {
    let format = format_of(
        req.headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
    )?;
    let mut payload = payload.into_inner();
    // 413 as soon as it is over 1 MB.
    let body = read_body(&mut payload, MAX_UPLOAD_BYTES, state.body_deadline).await?;
    // Decoding and resizing take CPU: off the async executor.
    let body = body.freeze();
    tokio::task::spawn_blocking(move || prepare(format, &body))
        .await
        .map_err(ApiError::internal)?
}

/// `PUT /v1/users/me/logo`: the account's logo, which its campaigns show unless they have
/// their own.
pub async fn put_mine(
    req: HttpRequest,
    Organiser(caller): Organiser,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let logo = uploaded(&req, &state, payload).await?;
    replace_logo(
        state.store.as_ref(),
        LogoOwner::User(caller.id),
        Some(&logo),
    )
    .await?;
    let mut user = caller;
    user.brand.logo = Some(logo.id);
    Ok(HttpResponse::Ok().json(UserView::from(&user)))
}

/// `DELETE /v1/users/me/logo`.
pub async fn delete_mine(
    Organiser(caller): Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    replace_logo(state.store.as_ref(), LogoOwner::User(caller.id), None).await?;
    let mut user = caller;
    user.brand.logo = None;
    Ok(HttpResponse::Ok().json(UserView::from(&user)))
}

async fn campaign_answer(
    state: &AppState,
    slug: &Slug,
    caller: &crate::domain::User,
) -> Result<HttpResponse, ApiError> {
    let campaign = managed_campaign(state, slug, caller).await?;
    let organiser = organiser_of(state.store.as_ref(), &campaign, Some(caller)).await?;
    Ok(HttpResponse::Ok().json(CampaignView::of(
        state,
        &campaign,
        &organiser,
        Some(caller),
        store::now(),
    )))
}

/// `PUT /v1/campaigns/{slug}/logo`: the campaign's own logo, in place of its owner's.
pub async fn put_campaign(
    req: HttpRequest,
    Organiser(caller): Organiser,
    state: web::Data<AppState>,
    slug: web::Path<Slug>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let campaign = managed_campaign(&state, &slug, &caller).await?;
    let logo = uploaded(&req, &state, payload).await?;
    replace_logo(
        state.store.as_ref(),
        LogoOwner::Campaign(campaign.id),
        Some(&logo),
    )
    .await?;
    state.signing.forget(&campaign.slug);
    campaign_answer(&state, &slug, &caller).await
}

/// `DELETE /v1/campaigns/{slug}/logo`: the campaign shows its owner's logo again.
pub async fn delete_campaign(
    Organiser(caller): Organiser,
    state: web::Data<AppState>,
    slug: web::Path<Slug>,
) -> Result<HttpResponse, ApiError> {
    let campaign = managed_campaign(&state, &slug, &caller).await?;
    replace_logo(state.store.as_ref(), LogoOwner::Campaign(campaign.id), None).await?;
    state.signing.forget(&campaign.slug);
    campaign_answer(&state, &slug, &caller).await
}
