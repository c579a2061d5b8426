//! A campaign's partners: created with an API key shown once, listed with the signatures
//! each brought, revoked at once.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::managed_campaign;
use crate::domain::{NewPartner, PartnerKey, Slug};
use crate::error::{ApiError, Conflict};
use crate::http::auth::Organiser;
use crate::http::extract::ApiJson;
use crate::state::AppState;
use crate::store::{self, StoreError};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreatePartner {
    code: String,
    name: String,
}

/// `POST /v1/campaigns/{slug}/partners`: the answer holds the key, which is never shown again.
pub async fn create(
    Organiser(caller): Organiser,
    state: web::Data<AppState>,
    slug: web::Path<Slug>,
    ApiJson(body): ApiJson<CreatePartner>,
) -> Result<HttpResponse, ApiError> {
    let campaign = managed_campaign(&state, &slug, &caller).await?;
    let partner = NewPartner::parse(&body.code, &body.name).map_err(ApiError::Validation)?;
    let key = PartnerKey::generate();
    let now = store::now();
    state
        .store
        .insert_partner(campaign.id, &partner, &key.hash, now)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => ApiError::Conflict(Conflict::PartnerCodeTaken),
            other => other.into(),
        })?;
    crate::audit::record(
        state.store.as_ref(),
        Some(caller.id),
        "partner_created",
        campaign.id,
        None,
        0,
        format!(
            "API key issued to partner {} ({})",
            partner.code.as_str(),
            partner.name.as_str()
        ),
    )
    .await;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!(
                "/v1/campaigns/{}/partners/{}",
                campaign.slug,
                partner.code.as_str()
            ),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({
            "code": partner.code.as_str(),
            "name": partner.name.as_str(),
            "key": key.plain,
            "created_at": now,
        })))
}

/// `GET /v1/campaigns/{slug}/partners`.
pub async fn list(
    Organiser(caller): Organiser,
    state: web::Data<AppState>,
    slug: web::Path<Slug>,
) -> Result<HttpResponse, ApiError> {
    let campaign = managed_campaign(&state, &slug, &caller).await?;
    let partners = state.store.partners(campaign.id).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({ "partners": partners })))
}

/// `DELETE /v1/campaigns/{slug}/partners/{code}`: the key stops working on the next request,
/// on every instance (keys are looked up in the database each time).
pub async fn revoke(
    Organiser(caller): Organiser,
    state: web::Data<AppState>,
    path: web::Path<(Slug, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, code) = path.into_inner();
    let campaign = managed_campaign(&state, &slug, &caller).await?;
    if state
        .store
        .revoke_partner(campaign.id, &code, store::now())
        .await?
    {
        crate::audit::record(
            state.store.as_ref(),
            Some(caller.id),
            "partner_revoked",
            campaign.id,
            None,
            0,
            format!("API key of partner {code} revoked"),
        )
        .await;
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::NotFound)
    }
}
