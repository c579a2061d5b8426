//! The JSON API's thin handlers: extract, call a use case or the store, shape the response
//! with view structs of their own.

pub mod areas;
pub mod auth;
pub mod campaigns;
pub mod console;
pub mod counts;
pub mod embed;
pub mod handins;
pub mod health;
pub mod integrity;
pub mod logos;
pub mod paper;
pub mod partners;
pub mod reasons;
pub mod signatories;
pub mod signatures;
pub mod updates;
pub mod users;
pub mod webhooks;

use crate::domain::{Campaign, Slug, User};
use crate::error::ApiError;
use crate::state::AppState;

/// The campaign a path's `{slug}` names, whatever its status; 404 if none. Callers then
/// decide who may see it.
pub(crate) async fn campaign_named(state: &AppState, slug: &Slug) -> Result<Campaign, ApiError> {
    state.store.campaign(slug).await?.ok_or(ApiError::NotFound)
}

/// A campaign the caller manages: its owner's or, for an admin, any. To anyone else it does
/// not exist.
pub(crate) async fn managed_campaign(
    state: &AppState,
    slug: &Slug,
    user: &User,
) -> Result<Campaign, ApiError> {
    let campaign = campaign_named(state, slug).await?;
    if campaign.is_managed_by(user) {
        Ok(campaign)
    } else {
        Err(ApiError::NotFound)
    }
}
