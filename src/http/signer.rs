//! Who is signing, settled before a signing request's body is read: the API's and the plain
//! form post's, alike.

use std::net::IpAddr;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;

use crate::domain::{
    Campaign, CampaignStatus, FieldError, KeyHolder, PartnerKey, SignatureForm, Slug,
};
use crate::error::ApiError;
use crate::limits::Allowance;
use crate::signing::{Accepted, Channel};
use crate::state::AppState;

/// Who is signing and on which campaign, as far as limits and credit go: the public, limited
/// per client address (and per address on each campaign), or a partner presenting its API key,
/// limited per key and credited with the signature. Settled before the body is read, so a
/// flood of junk costs as little as a flood of valid attempts; the campaign is resolved here,
/// once per request.
pub struct Signer {
    pub campaign: Arc<Campaign>,
    pub partner: Option<KeyHolder>,
    pub allowance: Allowance,
    /// The client's address, whose block (never the address) is kept with the signature.
    pub client: IpAddr,
}

impl Signer {
    fn state(req: &HttpRequest) -> Result<&web::Data<AppState>, ApiError> {
        req.app_data::<web::Data<AppState>>()
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("state missing")))
    }

    /// The path's campaign slug; a malformed one names no campaign.
    fn slug(req: &HttpRequest) -> Result<Slug, ApiError> {
        Slug::parse(req.match_info().get("slug").unwrap_or_default())
            .map_err(|_| ApiError::NotFound)
    }

    /// A member of the public, whatever the request carries: limited per client address,
    /// across campaigns and on the path's campaign (before the campaign is looked up). Whether
    /// the page it comes from may sign is the caller's to check (`check_origin`).
    pub async fn public(req: &HttpRequest) -> Result<Self, ApiError> {
        let state = Self::state(req)?;
        let client = crate::limits::client_address(req, &state.trusted_proxies);
        let address = crate::limits::key_of(client, state.ipv6_prefix_length);
        let slug = Self::slug(req)?;
        let limits = &state.limits;
        let allowance = limits
            .signing_by_address
            .check(&address)
            .and_then(|overall| {
                let here = limits
                    .signing_by_campaign
                    .check(&(address, slug.as_str().to_owned()))?;
                Ok(overall.tighter(here))
            })
            .inspect_err(|_| state.metrics.signing("rate_limited"))?;
        let campaign = state.signing.campaign(&slug).await?;
        Ok(Signer {
            campaign,
            partner: None,
            allowance,
            client,
        })
    }

    /// The signer of an API request, refused if it comes from a page that may not sign the
    /// campaign: checked here, on the route that serves it, so that no spelling of the path
    /// escapes the campaign's allowed origins.
    async fn identify(req: HttpRequest) -> Result<Self, ApiError> {
        let signer = Self::by_credentials(&req).await?;
        super::cors::check_origin(Self::state(&req)?, &signer.campaign, &req)?;
        Ok(signer)
    }

    async fn by_credentials(req: &HttpRequest) -> Result<Self, ApiError> {
        let state = Self::state(req)?;
        let Some(presented) = crate::http::auth::bearer_token(req) else {
            return Self::public(req).await;
        };
        let key_hash = presented
            .ok()
            .and_then(|key| PartnerKey::hash_of_presented(&key));
        let holder = match key_hash {
            Some(hash) => state.store.key_holder(&hash).await?,
            None => None,
        };
        let Some(holder) = holder else {
            // Guessing keys is limited like signing, per address.
            let address = state.client(req);
            state.limits.signing_by_address.check(&address)?;
            return Err(ApiError::InvalidPartnerKey);
        };
        let campaign = state.signing.campaign(&Self::slug(req)?).await?;
        // A draft answers a partner's key as a campaign that does not exist would.
        if campaign.status == CampaignStatus::Draft {
            return Err(ApiError::NotFound);
        }
        if campaign.id != holder.campaign_id {
            return Err(ApiError::PartnerKeyForOtherCampaign);
        }
        let allowance = state
            .limits
            .signing_by_partner
            .check(&(holder.campaign_id, holder.code.as_str().to_owned()))
            .inspect_err(|_| state.metrics.signing("rate_limited"))?;
        Ok(Signer {
            campaign,
            partner: Some(holder),
            allowance,
            client: crate::limits::client_address(req, &state.trusted_proxies),
        })
    }

    /// Records this signer's attempt (see `Signing::accept`), sent through the API.
    /// `faults` are the fields the body held with the wrong type, answered with the rest.
    pub async fn sign(
        &self,
        state: &AppState,
        form: SignatureForm,
        faults: Vec<FieldError>,
    ) -> Result<Accepted, ApiError> {
        let channel = match &self.partner {
            Some(holder) => Channel::Partner(&holder.code),
            None => Channel::Api,
        };
        state
            .signing
            .accept(&self.campaign, channel, self.client, form, faults)
            .await
    }

    /// Records this signer's attempt, sent by a browser's plain form post.
    pub async fn sign_form_post(
        &self,
        state: &AppState,
        form: SignatureForm,
    ) -> Result<Accepted, ApiError> {
        state
            .signing
            .accept(
                &self.campaign,
                Channel::PlainForm,
                self.client,
                form,
                Vec::new(),
            )
            .await
    }
}

impl FromRequest for Signer {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(Self::identify(req.clone()))
    }
}
