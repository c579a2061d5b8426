use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use crate::domain::{SignatureForm, SignatureStatus};
use crate::error::ApiError;
use crate::http::extract::{ApiJson, JsonFields, present};
use crate::http::signer::Signer;
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
    #[serde(default, deserialize_with = "present")]
    text_version: Option<u32>,
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
    /// Why they sign, where the campaign invites a reason.
    #[serde(default, deserialize_with = "present")]
    reason: Option<String>,
    /// `name` (first name and constituency) or `anonymous` (the default).
    #[serde(default, deserialize_with = "present")]
    reason_shown_as: Option<String>,
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
            text_version: r.text_version,
            website: r.website,
            nickname: r.nickname,
            started: r.started,
            lang: r.lang,
            age_band: r.age_band,
            altcha: r.altcha,
            reason: r.reason,
            reason_shown_as: r.reason_shown_as,
        }
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
