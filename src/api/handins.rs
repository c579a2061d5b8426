//! Hand-ins: a campaign frozen as the bundle given to its decision-makers, listed with the
//! manifest's SHA-256 for anyone to check a bundle against, and emailed where asked.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::managed_campaign;
use crate::accounts::organiser_of;
use crate::domain::{AreaCode, Bundle, CampaignStatus, Email, Slug};
use crate::error::{ApiError, Conflict};
use crate::http::auth::Organiser;
use crate::http::extract::ApiJson;
use crate::letter::{all_public_signatories, letter_html, signatories_csv};
use crate::state::AppState;
use crate::store::{self, HandinSummary, NewHandin};

/// A hand-in as the API lists it: when, with how many, and the manifest's digest to check a
/// bundle against.
#[derive(Serialize)]
pub struct HandinView {
    id: Uuid,
    handed_in_at: DateTime<Utc>,
    total: u64,
    listed: u64,
    manifest_sha256: String,
    /// Emailed to its organiser alone, to check before the real one; never public.
    rehearsal: bool,
}

impl From<HandinSummary> for HandinView {
    fn from(handin: HandinSummary) -> Self {
        Self {
            id: handin.id,
            handed_in_at: handin.created_at,
            total: handin.total,
            listed: handin.listed,
            manifest_sha256: handin.manifest_sha256,
            rehearsal: handin.rehearsal,
        }
    }
}

/// A campaign's hand-ins, oldest first, as the API lists them: every one for its organisers,
/// the real ones alone (`public`) where anyone may look.
pub async fn handin_views(
    state: &AppState,
    campaign_id: Uuid,
    public: bool,
) -> Result<Vec<HandinView>, ApiError> {
    let handins = state.store.handins(campaign_id).await?;
    Ok(handins
        .into_iter()
        .filter(|h| !(public && h.rehearsal))
        .map(HandinView::from)
        .collect())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateHandin {
    /// `none` (the default), `test` (to the organiser alone) or `targets` (to each
    /// decision-maker with an email address).
    /// Left out for `none`; never `null`, which the schema does not allow.
    #[serde(default, deserialize_with = "crate::http::extract::present")]
    deliver: Option<String>,
    /// A rehearsal: emailed to the organiser alone, never shown publicly.
    #[serde(default)]
    rehearsal: bool,
}

/// `POST /v1/campaigns/{slug}/handins`: freezes the campaign as handed in now.
pub async fn create(
    Organiser(caller): Organiser,
    state: web::Data<AppState>,
    slug: web::Path<Slug>,
    ApiJson(body): ApiJson<CreateHandin>,
) -> Result<HttpResponse, ApiError> {
    let campaign = managed_campaign(&state, &slug, &caller).await?;
    let now = store::now();
    if campaign.status_at(now) == CampaignStatus::Draft {
        return Err(ApiError::Conflict(Conflict::NotReady(
            "the campaign is a draft: open it and collect signatures before handing it in",
        )));
    }
    // A test to oneself is a rehearsal: the real hand-in is the one the public sees.
    let rehearsal = body.rehearsal || body.deliver.as_deref() == Some("test");
    // A rehearsal goes to its organiser alone, whatever else was asked.
    let mode = if rehearsal {
        "test"
    } else {
        body.deliver.as_deref().unwrap_or("none")
    };
    let deliver_to: Vec<Email> = match mode {
        "none" => Vec::new(),
        "test" => vec![caller.email.clone()],
        "targets" => {
            let emails: Vec<Email> = campaign
                .targets
                .iter()
                .filter_map(|t| t.email.clone())
                .collect();
            if emails.is_empty() {
                return Err(ApiError::Conflict(Conflict::NotReady(
                    "no decision-maker of this campaign has an email address: add one to its targets",
                )));
            }
            emails
        }
        _ => {
            return Err(ApiError::field(
                "deliver",
                "must be one of: none, test, targets",
            ));
        }
    };
    let signatories = all_public_signatories(state.store.as_ref(), &campaign).await?;
    let organiser = organiser_of(state.store.as_ref(), &campaign, Some(&caller)).await?;
    let counts = state.store.campaign_count(campaign.id).await?;
    let view = state.live.view(&campaign.slug).await?;
    let tally = state.live.tally(&view).await?;
    let by_nation = serde_json::from_str::<serde_json::Value>(&tally)
        .map(|t| t["by_nation"].clone())
        .unwrap_or_default();
    let constituencies = crate::areas::count_now(
        state.store.as_ref(),
        &state.geography,
        campaign.id,
        crate::areas::AreaSet::Constituencies,
    )
    .await?;
    let sheets = state.store.paper_sheets(campaign.id).await?;
    // The reasons the organisers featured, as the page shows them.
    let mut featured = crate::reasons::shown(
        state.store.as_ref(),
        &state.geography,
        &state.page_url(campaign.slug.as_str()),
        &campaign,
        100,
    )
    .await?;
    featured.retain(|r| r.featured);
    let files: [(&'static str, Vec<u8>); 6] = [
        (
            "letter.html",
            letter_html(&state.templates, &campaign, &signatories, &organiser)?.into_bytes(),
        ),
        ("signatories.csv", signatories_csv(&signatories)),
        ("tally.json", tally.as_bytes().to_vec()),
        (
            "constituencies.csv",
            crate::areas::to_csv(&constituencies).map_err(ApiError::internal)?,
        ),
        (
            "paper_sheets.csv",
            crate::letter::paper_sheets_csv(&sheets).map_err(ApiError::internal)?,
        ),
        (
            "reasons.csv",
            crate::letter::reasons_csv(&featured).map_err(ApiError::internal)?,
        ),
    ];
    let total = counts.confirmed_individuals + counts.confirmed_organisations;
    // Which words each count signed, where the text changed after people signed.
    let by_text_version: Vec<serde_json::Value> = crate::versions::versions_of(
        state.store.as_ref(),
        &campaign,
    )
    .await?
    .into_iter()
    .map(|v| json!({"version": v.version, "signed": v.signed, "from": v.from, "until": v.until}))
    .collect();
    let id = Uuid::now_v7();
    let bundle = Bundle::pack(&files, |listed| {
        json!({
            "handin": id,
            "handed_in_at": now,
            "campaign": {
                "slug": campaign.slug.as_str(), "kind": campaign.kind.as_str(),
                "title": campaign.title.as_str(),
                "recipient": campaign.recipient.as_ref().map(|r| r.as_str()),
                "organiser": organiser.name.as_ref().map(|n| n.as_str()),
                "text_version": campaign.text_version.number,
            },
            "targets": campaign.targets.iter()
                .map(|t| json!({"name": t.name.as_str(), "role": t.role.as_str()}))
                .collect::<Vec<_>>(),
            "counts": {
                "total": total, "individuals": counts.confirmed_individuals,
                "organisations": counts.confirmed_organisations, "listed": signatories.len(),
                "paper": counts.paper,
                "by_text_version": by_text_version,
                "by_nation": by_nation,
            },
            "files": listed,
        })
    })
    .map_err(ApiError::internal)?;
    let handin = NewHandin {
        id,
        campaign_id: campaign.id,
        created_at: now,
        created_by: caller.id,
        total,
        listed: signatories.len() as u64,
        manifest: bundle.manifest,
        manifest_sha256: bundle.manifest_sha256,
        bundle: bundle.zip,
        deliver_to,
        rehearsal,
    };
    state.store.insert_handin(&handin).await?;
    let audit = |action: &'static str, rows: u64, detail: String| {
        crate::audit::record(
            state.store.as_ref(),
            Some(caller.id),
            action,
            campaign.id,
            None,
            rows,
            detail,
        )
    };
    let made = if rehearsal {
        "rehearsed (emailed to the organiser alone, not public)"
    } else {
        "handed in"
    };
    audit(
        "handin_created",
        total,
        format!(
            "{made} with {total} signatures, manifest SHA-256 {}",
            handin.manifest_sha256
        ),
    )
    .await;
    if !handin.deliver_to.is_empty() {
        let who = if mode == "test" {
            "to the organiser, as a test".to_owned()
        } else {
            format!("to {} decision-makers", handin.deliver_to.len())
        };
        audit(
            "handin_delivered",
            handin.deliver_to.len() as u64,
            format!("bundle emailed {who}"),
        )
        .await;
    }
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/v1/campaigns/{}/handins/{id}", campaign.slug),
        ))
        .json(json!({
            "id": id,
            "handed_in_at": now,
            "manifest_sha256": handin.manifest_sha256,
            "total": total,
            "listed": handin.listed,
            "delivery": {"mode": mode, "emails": handin.deliver_to.len()},
            "rehearsal": rehearsal,
        })))
}

/// `GET /v1/campaigns/{slug}/handins`: the campaign's hand-ins (owner and admins; anyone sees
/// them on the campaign itself).
pub async fn list(
    Organiser(caller): Organiser,
    state: web::Data<AppState>,
    slug: web::Path<Slug>,
) -> Result<HttpResponse, ApiError> {
    let campaign = managed_campaign(&state, &slug, &caller).await?;
    let handins = handin_views(&state, campaign.id, false).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({ "handins": handins })))
}

/// `GET /v1/campaigns/{slug}/handins/{id}`: the bundle, as handed in.
pub async fn bundle(
    Organiser(caller): Organiser,
    state: web::Data<AppState>,
    path: web::Path<(Slug, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let campaign = managed_campaign(&state, &slug, &caller).await?;
    let id = Uuid::parse_str(&id).map_err(|_| ApiError::NotFound)?;
    let bundle = state
        .store
        .handin_bundle(campaign.id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}-handin-{id}.zip\"", campaign.slug),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(bundle))
}

#[derive(Deserialize)]
pub struct MpLettersQuery {
    at_least: Option<u64>,
    /// Comma-separated ONS codes.
    constituencies: Option<String>,
}

/// `GET /v1/campaigns/{slug}/mp-letters`: a letter to each MP whose constituency has at least
/// `at_least` signatures (or to those of `constituencies`), as a zip (owner and admins).
pub async fn mp_letters(
    Organiser(caller): Organiser,
    state: web::Data<AppState>,
    slug: web::Path<Slug>,
    query: web::Query<MpLettersQuery>,
) -> Result<HttpResponse, ApiError> {
    let campaign = managed_campaign(&state, &slug, &caller).await?;
    let at_least = query.at_least.unwrap_or(1);
    if at_least == 0 {
        return Err(ApiError::field("at_least", "must be at least 1"));
    }
    let only = query
        .constituencies
        .as_deref()
        .map(|list| {
            list.split(',')
                .map(AreaCode::parse)
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()
        .map_err(|m| ApiError::field("constituencies", m))?;
    let organiser = organiser_of(state.store.as_ref(), &campaign, Some(&caller)).await?;
    let (zip, letters) = crate::mp_letters::mp_letters(
        state.store.as_ref(),
        &state.geography,
        &state.templates,
        &campaign,
        &organiser,
        &crate::mp_letters::Choice { at_least, only },
    )
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"{}-letters-to-mps.zip\"",
                campaign.slug
            ),
        ))
        .insert_header(("X-Letters", letters.to_string()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(zip))
}
