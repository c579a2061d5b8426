//! The organisation's look on the pages: its logo (`/logos/{id}`, as the service re-encoded
//! it) and a stylesheet per campaign (`/c/{slug}/brand.css`) that sets the pages' and the
//! form's colours to its own. A page links the stylesheet with the colour in its address, so a
//! new colour is a new address and both can be kept long.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use uuid::Uuid;

use super::page_campaign;
use crate::error::ApiError;
use crate::state::AppState;

/// Logos and stylesheets change address when they change: a day's keeping is safe.
const KEPT: &str = "public, max-age=86400";

/// `GET /logos/{id}`.
pub async fn logo(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let Ok(id) = Uuid::parse_str(&id) else {
        return Err(ApiError::NotFound);
    };
    let logo = state.store.logo(id).await?.ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type(logo.content_type)
        .insert_header((header::CACHE_CONTROL, KEPT))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CONTENT_SECURITY_POLICY, "default-src 'none'"))
        // Partners' pages frame the form, which shows it.
        .insert_header(("Cross-Origin-Resource-Policy", "cross-origin"))
        .body(logo.bytes))
}

/// `GET /c/{slug}/brand.css`: the campaign's colour on its pages and form; empty where it
/// has none.
pub async fn stylesheet(
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let Some((campaign, _)) = page_campaign(&state, &slug).await? else {
        return Err(ApiError::NotFound);
    };
    let brand = campaign.look();
    let css = match &brand.colour {
        Some(colour) => format!(
            ":root {{ --brand: {colour}; --on-brand: {text}; }}\n{rules}",
            colour = colour.as_str(),
            text = colour.text_colour(),
            rules = BRAND_RULES,
        ),
        None => String::new(),
    };
    Ok(HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, KEPT))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(css))
}

/// Where the colour goes: the header, the main buttons, the signing box's edge and notices.
/// Text on the colour is the one `BrandColour` chose for contrast.
const BRAND_RULES: &str = include_str!("../../assets/brand.css");
