//! The organiser console: one page and its modules, built into the binary, that run a whole
//! campaign in a browser through the same `/v1` API a script would use. Nothing is loaded
//! from elsewhere, and nothing runs inline.

use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::error::ApiError;

const INDEX: &str = include_str!("../../assets/console/index.html");

/// Every file the page loads, by name under `/console/`.
const FILES: [(&str, &str); 16] = [
    (
        "console.css",
        include_str!("../../assets/console/console.css"),
    ),
    ("app.js", include_str!("../../assets/console/app.js")),
    ("api.js", include_str!("../../assets/console/api.js")),
    ("dom.js", include_str!("../../assets/console/dom.js")),
    ("forms.js", include_str!("../../assets/console/forms.js")),
    (
        "campaigns.js",
        include_str!("../../assets/console/campaigns.js"),
    ),
    (
        "dashboard.js",
        include_str!("../../assets/console/dashboard.js"),
    ),
    (
        "signatures.js",
        include_str!("../../assets/console/signatures.js"),
    ),
    ("admin.js", include_str!("../../assets/console/admin.js")),
    ("brand.js", include_str!("../../assets/console/brand.js")),
    (
        "webhooks.js",
        include_str!("../../assets/console/webhooks.js"),
    ),
    (
        "updates.js",
        include_str!("../../assets/console/updates.js"),
    ),
    ("paper.js", include_str!("../../assets/console/paper.js")),
    (
        "reasons.js",
        include_str!("../../assets/console/reasons.js"),
    ),
    (
        "integrity.js",
        include_str!("../../assets/console/integrity.js"),
    ),
    (
        "security.js",
        include_str!("../../assets/console/security.js"),
    ),
];

/// Our own scripts, styles and API only; frames only of our own pages (the form's preview,
/// the letter) and framed by no one. The letter's preview, shown from the organiser's token
/// even for a draft, brings its one inline style, allowed by hash.
fn content_security_policy() -> &'static str {
    static POLICY: OnceLock<String> = OnceLock::new();
    POLICY.get_or_init(|| {
        let letter_style = base64::engine::general_purpose::STANDARD
            .encode(Sha256::digest(crate::letter::LETTER_STYLE.as_bytes()));
        format!(
            "default-src 'none'; script-src 'self'; style-src 'self' 'sha256-{letter_style}'; \
             connect-src 'self'; img-src 'self' data:; frame-src 'self'; \
             frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
        )
    })
}

/// `GET /console`: on to `/console/`, where the page's relative module paths resolve.
pub async fn console_root() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, "/console/"))
        .finish()
}

/// `GET /console/` and `GET /console/setup`: the console's page; which screen it shows
/// follows the address. The set-up page reads its one-time token after `#`, which is never
/// sent to the server, so never in an access log.
pub async fn console_page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Content-Security-Policy", content_security_policy()))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header(("Referrer-Policy", "no-referrer"))
        .body(INDEX)
}

/// `GET /console/{file}`: one of the page's modules or its style.
pub async fn console_file(name: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let (name, body) = FILES
        .iter()
        .find(|(file, _)| *file == name.as_str())
        .ok_or(ApiError::NotFound)?;
    let content_type = if name.ends_with(".css") {
        "text/css; charset=utf-8"
    } else {
        "text/javascript; charset=utf-8"
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        // Revalidated each load (an upgrade must not mix old and new modules), cheaply.
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(*body))
}
