//! The snippets an organiser copies to embed the signing form on a partner's site
//! (`GET /v1/campaigns/{slug}/embed`): the script, the plain frame and the WordPress shortcode.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::managed_campaign;
use crate::domain::{CampaignStatus, Lang, Slug, SourceCode};
use crate::error::ApiError;
use crate::http::auth::Organiser;
use crate::state::AppState;
use crate::store;

/// The height of the plain `<iframe>` snippet, for sites that allow no scripts: the form's
/// tallest layout (a letter, at 320 px, with every hint and both consents) fits in it.
const PLAIN_IFRAME_HEIGHT: u32 = 1400;

/// `templates/snippets/script.html` and `iframe.html`.
#[derive(Serialize)]
struct Snippet<'a> {
    lang: Lang,
    base: &'a str,
    slug: &'a str,
    source: Option<&'a str>,
    title: String,
    form_url: &'a str,
    height: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnippetQuery {
    source: Option<String>,
}

/// `GET /v1/campaigns/{slug}/embed?source=…`: the snippets a partner pastes, ready to copy.
pub async fn snippets(
    Organiser(caller): Organiser,
    state: web::Data<AppState>,
    slug: web::Path<Slug>,
    query: web::Query<SnippetQuery>,
) -> Result<HttpResponse, ApiError> {
    let campaign = managed_campaign(&state, &slug, &caller).await?;
    let source = query
        .source
        .as_deref()
        .map(SourceCode::parse)
        .transpose()
        .map_err(|m| ApiError::field("source", m))?;
    let base = state.public_url.as_str().trim_end_matches('/');
    let slug = campaign.slug.as_str();
    let form_url = match &source {
        Some(s) => format!("{base}/embed/{slug}?source={}", s.as_str()),
        None => format!("{base}/embed/{slug}"),
    };
    let snippet = Snippet {
        lang: Lang::En,
        base,
        slug,
        source: source.as_ref().map(|s| s.as_str()),
        title: format!("Sign: {}", campaign.title.as_str()),
        form_url: &form_url,
        height: PLAIN_IFRAME_HEIGHT,
    };
    let render = |name: &str| {
        state
            .templates
            .render(name, &snippet)
            .map(|s| s.trim_end().to_owned())
            .map_err(ApiError::internal)
    };
    let (script, iframe) = (
        render("snippets/script.html")?,
        render("snippets/iframe.html")?,
    );
    let shortcode = match &source {
        Some(s) => format!(
            "[undersigned campaign=\"{slug}\" source=\"{}\"]",
            s.as_str()
        ),
        None => format!("[undersigned campaign=\"{slug}\"]"),
    };
    let mut warnings = Vec::new();
    if campaign.allowed_origins.is_empty() {
        warnings.push(
            "no partner site may show the form yet: add each site's origin to the campaign's allowed_origins",
        );
    }
    if campaign.status_at(store::now()) != CampaignStatus::Open {
        warnings.push("the campaign is not open, so the form shows no fields");
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({
            "form_url": form_url,
            // The rest of the share kit: the page to share, its QR code and the picture a
            // shared link shows.
            "page_url": format!("{base}/c/{slug}"),
            "qr_png": format!("{base}/c/{slug}/qr.png"),
            "qr_svg": format!("{base}/c/{slug}/qr.svg"),
            "preview_png": format!("{base}/c/{slug}/preview.png"),
            "script": script,
            "iframe": iframe,
            "iframe_note": format!(
                "The plain frame is {PLAIN_IFRAME_HEIGHT} px tall, enough for the whole form on a phone \
                 (on a wide screen some space stays below it). Where a site allows scripts, the \
                 script snippet sizes its frame to the form instead."
            ),
            "wordpress_shortcode": shortcode,
            "allowed_origins": campaign.allowed_origins.iter().map(|o| o.as_str()).collect::<Vec<_>>(),
            "warnings": warnings,
        })))
}
