//! The small pages that confirmation and withdrawal links open. A GET only shows a button; the
//! button's POST does the work, so a mail scanner that follows every link changes nothing.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use crate::accounts::organiser_of;
use crate::domain::{Identity, SecretToken, Slug};
use crate::error::ApiError;
use crate::mail::{escape_html, organiser_html};
use crate::state::AppState;
use crate::store::{self, TokenPurpose};

/// Pages carry a secret in their address: no referrer, no caching, no framing, no scripts.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; \
                   frame-ancestors 'none'; base-uri 'none'";

pub(super) fn page(status: StatusCode, title: &str, body: &str) -> HttpResponse {
    let html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>\
         body{{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;line-height:1.5}}\
         button{{font-size:1.1rem;padding:.6rem 1.2rem;cursor:pointer}}\
         button:focus-visible{{outline:3px solid #1d70b8;outline-offset:2px}}\
         </style></head><body><main><h1>{title}</h1>{body}</main></body></html>",
        title = escape_html(title),
    );
    HttpResponse::build(status)
        .insert_header(("Content-Type", "text/html; charset=utf-8"))
        .insert_header(("Content-Security-Policy", CSP))
        .insert_header(("Referrer-Policy", "no-referrer"))
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(html)
}

fn unknown_link() -> HttpResponse {
    page(
        StatusCode::NOT_FOUND,
        "This link does not work",
        "<p>The link is unknown or has expired. If you meant to sign, sign again and we will \
         email you a new link.</p>",
    )
}

fn failure(error: ApiError) -> HttpResponse {
    match error {
        ApiError::TokenNotFound => unknown_link(),
        other => {
            let status = actix_web::ResponseError::status_code(&other);
            tracing::error!(error = ?other, "a confirmation or withdrawal page failed");
            page(
                status,
                "Something went wrong",
                "<p>We could not complete this just now. Please try again in a few minutes.</p>",
            )
        }
    }
}

async fn ask(state: &AppState, token: &str, purpose: TokenPurpose) -> HttpResponse {
    if !SecretToken::looks_valid(token) {
        return unknown_link();
    }
    let target = state
        .store
        .token_target(&SecretToken::hash_of(token), purpose, store::now())
        .await;
    let target = match target {
        Ok(Some(target)) => target,
        Ok(None) => return unknown_link(),
        Err(e) => return failure(e.into()),
    };
    let title = escape_html(&target.campaign_title);
    let (heading, text, button, path) = match purpose {
        TokenPurpose::Confirm => (
            "Confirm your signature",
            format!("<p>Press the button to confirm that you signed <strong>{title}</strong>.</p>"),
            "Confirm my signature",
            "confirm",
        ),
        TokenPurpose::Withdraw => (
            "Withdraw your signature",
            format!(
                "<p>Press the button to withdraw your signature from <strong>{title}</strong>. \
                 It will no longer be counted, and your details will be erased.</p>"
            ),
            "Withdraw my signature",
            "withdraw",
        ),
    };
    let form = format!(
        "{text}<form method=\"post\" action=\"/{path}/{token}\"><button type=\"submit\">{button}</button></form>{back}",
        token = escape_html(token),
        back = back_to(state, &target.campaign_slug, &target.campaign_title).await,
    );
    page(StatusCode::OK, heading, &form)
}

/// The way back from a link's page to the campaign it is about (its signing page), and who
/// runs it.
async fn back_to(state: &AppState, slug: &str, title: &str) -> String {
    let mut organiser = Identity::default();
    if let Ok(slug) = Slug::parse(slug)
        && let Ok(campaign) = state.signing.campaign(&slug).await
        && let Ok(known) = organiser_of(state.store.as_ref(), &campaign, None).await
    {
        organiser = known;
    }
    format!(
        "<p><a href=\"/embed/{}\">Back to the campaign: {}</a></p>{}",
        escape_html(slug),
        escape_html(title),
        organiser_line(&organiser, "")
    )
}

/// Who is asking, as the pages and the form end: see `mail::organiser_html`.
pub(super) fn organiser_line(organiser: &Identity, link_attributes: &str) -> String {
    organiser_html(organiser, link_attributes)
        .map(|line| format!("<p class=\"organiser\">{line}</p>"))
        .unwrap_or_default()
}

/// `GET /confirm/{token}`.
pub async fn confirm_page(state: web::Data<AppState>, token: web::Path<String>) -> HttpResponse {
    ask(&state, &token, TokenPurpose::Confirm).await
}

/// `POST /confirm/{token}`: the confirmation page's button.
pub async fn confirm_submit(state: web::Data<AppState>, token: web::Path<String>) -> HttpResponse {
    match state.signing.confirm(&token).await {
        Ok(used) => page(
            StatusCode::OK,
            "Thank you: your signature is confirmed",
            &format!(
                "<p>Your signature on <strong>{}</strong> now counts.</p>{}",
                escape_html(&used.campaign_title),
                back_to(&state, &used.campaign_slug, &used.campaign_title).await
            ),
        ),
        Err(e) => failure(e),
    }
}

/// `GET /withdraw/{token}`.
pub async fn withdraw_page(state: web::Data<AppState>, token: web::Path<String>) -> HttpResponse {
    ask(&state, &token, TokenPurpose::Withdraw).await
}

/// `POST /withdraw/{token}`: the withdrawal page's button.
pub async fn withdraw_submit(state: web::Data<AppState>, token: web::Path<String>) -> HttpResponse {
    match state.signing.withdraw(&token).await {
        Ok(used) => page(
            StatusCode::OK,
            "Your signature is withdrawn",
            &format!(
                "<p>Your signature on <strong>{}</strong> no longer counts, and your details \
                 have been erased. You can sign again at any time.</p>{}",
                escape_html(&used.campaign_title),
                back_to(&state, &used.campaign_slug, &used.campaign_title).await
            ),
        ),
        Err(e) => failure(e),
    }
}
