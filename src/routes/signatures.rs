use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use futures_util::future::LocalBoxFuture;
use serde::Deserialize;
use serde_json::json;

use super::extract::{ApiJson, JsonFields, present};
use crate::domain::{
    Campaign, CampaignStatus, FieldError, KeyHolder, PartnerKey, SignatureForm, SignatureStatus,
    Slug,
};
use crate::error::ApiError;
use crate::limits::Allowance;
use crate::signing::{Accepted, Channel};
use crate::state::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignRequest {
    // Absent reads as empty, which signing refuses as "is required" beside every other fault.
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default, deserialize_with = "present")]
    postcode: Option<String>,
    #[serde(default, deserialize_with = "present")]
    country: Option<String>,
    #[serde(default, deserialize_with = "present")]
    signatory_type: Option<String>,
    #[serde(default, deserialize_with = "present")]
    organisation: Option<String>,
    #[serde(default, deserialize_with = "present")]
    role: Option<String>,
    #[serde(default, deserialize_with = "present")]
    public: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    contact: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    source: Option<String>,
    #[serde(default, deserialize_with = "present")]
    consent_version: Option<u32>,
    /// A pledger's website (pledges only).
    #[serde(default, deserialize_with = "present")]
    website: Option<String>,
    /// The honeypot: hidden from people, filled in by bots.
    #[serde(default, deserialize_with = "present")]
    nickname: Option<String>,
    /// The stamp of when the form was shown, which the service's forms send.
    #[serde(default, deserialize_with = "present")]
    started: Option<String>,
    /// The signer's language, `en` or `cy`; else from `Accept-Language`.
    #[serde(default, deserialize_with = "present")]
    lang: Option<String>,
    #[serde(default, deserialize_with = "present")]
    age_band: Option<String>,
    /// A proof-of-work solution, where the campaign asks for one.
    #[serde(default, deserialize_with = "present")]
    altcha: Option<String>,
}

impl From<SignRequest> for SignatureForm {
    fn from(r: SignRequest) -> Self {
        SignatureForm {
            name: r.name,
            email: r.email,
            postcode: r.postcode,
            country: r.country,
            signatory_type: r.signatory_type,
            organisation: r.organisation,
            role: r.role,
            public: r.public,
            contact: r.contact,
            source: r.source,
            consent_version: r.consent_version,
            website: r.website,
            nickname: r.nickname,
            started: r.started,
            lang: r.lang,
            age_band: r.age_band,
            altcha: r.altcha,
        }
    }
}

/// Who is signing and on which campaign, as far as limits and credit go: the public, limited
/// per client address (and per address on each campaign), or a partner presenting its API key,
/// limited per key and credited with the signature. Settled before the body is read, so a
/// flood of junk costs as little as a flood of valid attempts; the campaign is resolved here,
/// once per request.
pub struct Signer {
    pub campaign: Arc<Campaign>,
    pub partner: Option<KeyHolder>,
    pub allowance: Allowance,
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
        let address = state.client(req);
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
        let Some(presented) = crate::auth::bearer_token(req) else {
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
            .accept(&self.campaign, channel, form, faults)
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
            .accept(&self.campaign, Channel::PlainForm, form, Vec::new())
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

/// `POST /v1/campaigns/{slug}/signatures`: a supporter (or a partner's server) signs.
pub async fn sign(
    req: HttpRequest,
    signer: Signer,
    state: web::Data<AppState>,
    body: JsonFields<SignRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut form: SignatureForm = body.value.into();
    // Emails go in the language the signer signed in: said, or as their browser prefers.
    if form.lang.is_none() {
        form.lang = crate::i18n::browser_lang(&req).map(|l| l.as_str().to_owned());
    }
    let accepted = signer.sign(&state, form, body.faults).await?;
    let mut response = HttpResponse::Accepted();
    for header in signer.allowance.headers() {
        response.insert_header(header);
    }
    Ok(response
        .insert_header(("Cache-Control", "no-store"))
        .json(json!({
            "status": "accepted",
            "confirmation_required": accepted.confirmation_required,
            "parent_confirms": accepted.parent_confirms,
            "held_for_review": accepted.held_for_review,
        })))
}

/// `GET /v1/altcha/challenge`: a proof-of-work challenge, in ALTCHA's JSON, for a campaign
/// that asks for one. Each is new: never cached.
pub async fn altcha_challenge(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(state.signing.challenge())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    token: String,
}

/// `POST /v1/signatures/confirm`.
pub async fn confirm(
    state: web::Data<AppState>,
    ApiJson(body): ApiJson<TokenRequest>,
) -> Result<HttpResponse, ApiError> {
    let used = state.signing.confirm(&body.token).await?;
    Ok(HttpResponse::Ok().json(json!({
        "status": match used.previous {
            SignatureStatus::Pending | SignatureStatus::Confirmed => "confirmed",
            other => other.as_str(),
        },
        "campaign": used.campaign_slug,
    })))
}

/// `POST /v1/signatures/withdraw`.
pub async fn withdraw(
    state: web::Data<AppState>,
    ApiJson(body): ApiJson<TokenRequest>,
) -> Result<HttpResponse, ApiError> {
    let used = state.signing.withdraw(&body.token).await?;
    Ok(HttpResponse::Ok().json(json!({
        "status": "withdrawn",
        "campaign": used.campaign_slug,
    })))
}
