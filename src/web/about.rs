//! `GET /about/data`: where the counts by constituency, council and nation come from, how old
//! the data is, and the attribution its licences ask for.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::{Layout, PAGES_POLICY, REFER_ORIGIN, SHARED, html_response, render};
use crate::domain::Lang;
use crate::error::ApiError;
use crate::geo::{ATTRIBUTION, LICENCES};
use crate::i18n;
use crate::state::AppState;

#[derive(Serialize)]
struct AboutData {
    #[serde(flatten)]
    layout: Layout,
    postcodes: String,
    mps_as_of: String,
    attribution: &'static [&'static str],
    licences: Vec<Licence>,
}

#[derive(Serialize)]
struct Licence {
    name: &'static str,
    text: &'static str,
}

pub async fn about_data(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let lang = i18n::page_lang(&req, Lang::En);
    let source = state.geography.current().source.clone();
    let url = format!(
        "{}/about/data",
        state.public_url.as_str().trim_end_matches('/')
    );
    let title = i18n::text(lang, "about-data-title");
    let page = AboutData {
        layout: Layout::new(lang, &title, &i18n::text(lang, "about-data-intro"), &url),
        mps_as_of: i18n::day(lang, source.mps_as_of_day()),
        postcodes: source.postcodes,
        attribution: &ATTRIBUTION,
        licences: LICENCES
            .iter()
            .map(|(name, text)| Licence { name, text })
            .collect(),
    };
    let html = render(&state.templates, "pages/about_data.html", &page)?;
    Ok(html_response(
        StatusCode::OK,
        PAGES_POLICY,
        REFER_ORIGIN,
        SHARED,
        html,
    ))
}
