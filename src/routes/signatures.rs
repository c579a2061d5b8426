use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use chrono::Duration;
use futures_util::future::LocalBoxFuture;
use serde::Deserialize;
use serde_json::json;

use super::extract::ApiJson;
use crate::domain::{
    Campaign, CampaignStatus, KeyHolder, NewSignature, PartnerKey, SecretToken, SignatureForm,
    SignatureStatus,
};
use crate::error::{ApiError, Conflict};
use crate::limits::{Allowance, client_address};
use crate::startup::AppState;
use crate::store::{self, SignatureSubmission, TokenUse};

/// How long a confirmation link works.
const CONFIRMATION_LIFETIME_DAYS: i64 = 7;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignRequest {
    name: String,
    email: String,
    postcode: Option<String>,
    country: Option<String>,
    signatory_type: Option<String>,
    organisation: Option<String>,
    role: Option<String>,
    public: Option<bool>,
    contact: Option<bool>,
    source: Option<String>,
    consent_version: Option<u32>,
    /// The honeypot: hidden from people, filled in by bots.
    website: Option<String>,
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
        }
    }
}

/// Who is signing, as far as limits and credit go: the public, limited per client address
/// (and per address on each campaign), or a partner presenting its API key, limited per key
/// and credited with the signature. Settled before the body is read, so a flood of junk costs
/// as little as a flood of valid attempts.
pub enum Signer {
    Public(Allowance),
    Partner {
        holder: KeyHolder,
        allowance: Allowance,
    },
}

impl Signer {
    pub fn allowance(&self) -> Allowance {
        match self {
            Signer::Public(allowance) | Signer::Partner { allowance, .. } => *allowance,
        }
    }

    fn state(req: &HttpRequest) -> Result<&web::Data<AppState>, ApiError> {
        req.app_data::<web::Data<AppState>>()
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("state missing")))
    }

    /// A member of the public, whatever the request carries: limited per client address,
    /// across campaigns and on the path's campaign.
    pub fn public(req: &HttpRequest) -> Result<Self, ApiError> {
        let state = Self::state(req)?;
        let address = client_address(req, &state.trusted_proxies);
        let slug = req.match_info().get("slug").unwrap_or_default();
        let limits = &state.limits;
        limits
            .signing_by_address
            .check(&address)
            .and_then(|overall| {
                let here = limits
                    .signing_by_campaign
                    .check(&(address, slug.to_owned()))?;
                Ok(overall.tighter(here))
            })
            .inspect_err(|_| state.metrics.signing("rate_limited"))
            .map(Signer::Public)
    }

    async fn identify(req: HttpRequest) -> Result<Self, ApiError> {
        let state = Self::state(&req)?;
        let address = client_address(&req, &state.trusted_proxies);
        let slug = req.match_info().get("slug").unwrap_or_default();
        let limits = &state.limits;
        let Some(presented) = crate::auth::bearer_token(&req) else {
            return Self::public(&req);
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
            limits.signing_by_address.check(&address)?;
            return Err(ApiError::InvalidPartnerKey);
        };
        let campaign = super::signing_campaign(state, slug).await?;
        if campaign.id != holder.campaign_id {
            return Err(ApiError::PartnerKeyForOtherCampaign);
        }
        let allowance = limits
            .signing_by_partner
            .check(&(holder.campaign_id, holder.code.as_str().to_owned()))
            .inspect_err(|_| state.metrics.signing("rate_limited"))?;
        Ok(Signer::Partner { holder, allowance })
    }
}

impl FromRequest for Signer {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(Self::identify(req.clone()))
    }
}

/// A campaign that takes signatures now: drafts and unknown slugs are 404, closed ones 409.
async fn signable_campaign(state: &AppState, slug: &str) -> Result<Arc<Campaign>, ApiError> {
    let campaign = super::signing_campaign(state, slug).await?;
    match campaign.status_at(store::now()) {
        CampaignStatus::Open => Ok(campaign),
        CampaignStatus::Draft => Err(ApiError::NotFound),
        CampaignStatus::Closed => Err(ApiError::Conflict(Conflict::CampaignClosed)),
    }
}

/// Records a signing attempt from any channel (the API, a partner's key, the embedded form's
/// plain POST) and returns the campaign it was for. A new signature, a repeat by the same email
/// and a bot caught by the honeypot all succeed alike.
pub async fn accept_signature(
    state: &AppState,
    signer: &Signer,
    slug: &str,
    form: SignatureForm,
) -> Result<Arc<Campaign>, ApiError> {
    state.metrics.signing("received");
    let campaign = signable_campaign(state, slug).await?;
    let mut signature = NewSignature::parse(form, campaign.kind, campaign.consent.contact_basis)
        .map_err(ApiError::Validation)?;
    if let Signer::Partner { holder, .. } = signer {
        // A partner's key, not what it sends, says whom to credit.
        signature.source = Some(holder.code.clone());
    }
    if signature
        .consent_version
        .is_some_and(|v| v > campaign.consent.version)
    {
        return Err(ApiError::field(
            "consent_version",
            format!(
                "must be at most {}, the current wording",
                campaign.consent.version
            ),
        ));
    }
    let status = if signature.is_spam {
        SignatureStatus::Spam
    } else if campaign.require_confirmation {
        SignatureStatus::Pending
    } else {
        SignatureStatus::Confirmed
    };
    let now = store::now();
    let submission = SignatureSubmission {
        campaign: campaign.clone(),
        signature,
        status,
        confirm_token: SecretToken::generate(),
        withdraw_token: SecretToken::generate(),
        confirm_expires_at: now + Duration::days(CONFIRMATION_LIFETIME_DAYS),
        now,
    };
    let outcome = state.signing.record(submission).await?;
    state.metrics.signed(outcome);
    state.live.changed(campaign.id);
    state.mail_wake.notify_one();
    Ok(campaign)
}

/// `POST /v1/campaigns/{slug}/signatures`: a supporter (or a partner's server) signs.
pub async fn sign(
    signer: Signer,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    ApiJson(body): ApiJson<SignRequest>,
) -> Result<HttpResponse, ApiError> {
    let campaign = accept_signature(&state, &signer, &slug, body.into()).await?;
    let mut response = HttpResponse::Accepted();
    for header in signer.allowance().headers() {
        response.insert_header(header);
    }
    Ok(response
        .insert_header(("Cache-Control", "no-store"))
        .json(json!({
            "status": "accepted",
            "confirmation_required": campaign.require_confirmation,
        })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    token: String,
}

fn token_hash(token: &str) -> Result<String, ApiError> {
    if SecretToken::looks_valid(token) {
        Ok(SecretToken::hash_of(token))
    } else {
        Err(ApiError::TokenNotFound)
    }
}

/// Confirms a signature by its token: shared by the API and the confirmation page.
pub async fn confirm_by_token(state: &AppState, token: &str) -> Result<TokenUse, ApiError> {
    let used = state
        .store
        .confirm_signature(&token_hash(token)?, store::now())
        .await?
        .ok_or(ApiError::TokenNotFound)?;
    if used.previous == SignatureStatus::Pending {
        state.metrics.signing("confirmed");
        state.live.changed(used.campaign_id);
    }
    Ok(used)
}

/// Withdraws a signature by its token: shared by the API and the withdrawal page.
pub async fn withdraw_by_token(state: &AppState, token: &str) -> Result<TokenUse, ApiError> {
    let used = state
        .store
        .withdraw_signature(&token_hash(token)?, store::now())
        .await?
        .ok_or(ApiError::TokenNotFound)?;
    if matches!(
        used.previous,
        SignatureStatus::Pending | SignatureStatus::Confirmed
    ) {
        state.metrics.signing("withdrawn");
        state.live.changed(used.campaign_id);
    }
    Ok(used)
}

/// `POST /v1/signatures/confirm`.
pub async fn confirm(
    state: web::Data<AppState>,
    ApiJson(body): ApiJson<TokenRequest>,
) -> Result<HttpResponse, ApiError> {
    let used = confirm_by_token(&state, &body.token).await?;
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
    let used = withdraw_by_token(&state, &body.token).await?;
    Ok(HttpResponse::Ok().json(json!({
        "status": "withdrawn",
        "campaign": used.campaign_slug,
    })))
}
