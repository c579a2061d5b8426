//! The scripts and stylesheets the pages and the embedded form load, compiled in.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use crate::state::AppState;

const EMBED_JS: &str = include_str!("../../assets/embed.js");
const FORM_JS: &str = include_str!("../../assets/form.js");
const FORM_CSS: &str = include_str!("../../assets/form.css");
const ALTCHA_WORKER_JS: &str = include_str!("../../assets/altcha-worker.js");
const PAGE_CSS: &str = include_str!("../../assets/page.css");
const PAGE_JS: &str = include_str!("../../assets/page.js");

/// Partners' pages load these on every view: let browsers and proxies keep them a while.
const ASSET_CACHE: &str = "public, max-age=300";

fn asset(content_type: &str, body: impl Into<web::Bytes>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, ASSET_CACHE))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(body.into())
}

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// `GET /embed.js`: the snippet's script.
pub async fn embed_script() -> HttpResponse {
    asset(JS, EMBED_JS)
}

/// `GET /embed/form.js`.
pub async fn form_script() -> HttpResponse {
    asset(JS, FORM_JS)
}

/// `GET /embed/altcha-worker.js`: solves a proof-of-work challenge off the page's thread.
pub async fn altcha_worker() -> HttpResponse {
    asset(JS, ALTCHA_WORKER_JS)
}

/// A stylesheet of ours, with the operator's theme after it where there is one.
fn style(state: &AppState, ours: &'static str) -> HttpResponse {
    match state.templates.theme_css() {
        Some(theme) => asset(CSS, format!("{ours}\n{theme}")),
        None => asset(CSS, ours),
    }
}

/// `GET /embed/form.css`.
pub async fn form_style(state: web::Data<AppState>) -> HttpResponse {
    style(&state, FORM_CSS)
}

/// `GET /page.css` (pages load it after the form's, so the theme comes last here too).
pub async fn page_style(state: web::Data<AppState>) -> HttpResponse {
    style(&state, PAGE_CSS)
}

/// `GET /page.js`: the copy-link button (the page works without it).
pub async fn page_script() -> HttpResponse {
    asset(JS, PAGE_JS)
}
