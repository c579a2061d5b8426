//! The small pages that confirmation and withdrawal links open. A GET only shows a button; the
//! button's POST does the work, so a mail scanner that follows every link changes nothing.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::accounts::organiser_of;
use crate::domain::{Identity, Lang, SecretToken, Slug};
use crate::error::ApiError;
use crate::i18n::{self, text, text_with};
use crate::mail::{escape_html, organiser_html};
use crate::state::AppState;
use crate::store::{self, TokenPurpose, TokenUse};

/// Pages carry a secret in their address: no referrer, no caching, no framing, no scripts.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; \
                   frame-ancestors 'none'; base-uri 'none'";

pub(super) fn page(status: StatusCode, lang: Lang, title: &str, body: &str) -> HttpResponse {
    let html = format!(
        "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>\
         body{{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;line-height:1.5}}\
         button{{font-size:1.1rem;padding:.6rem 1.2rem;cursor:pointer}}\
         button:focus-visible{{outline:3px solid #1d70b8;outline-offset:2px}}\
         .language{{text-align:right;margin:0}}.language a{{display:inline-block;min-height:24px;padding:.25rem .5rem}}\
         </style></head><body><main>{switch}<h1>{title}</h1>{body}</main></body></html>",
        title = escape_html(title),
        // The same address in the other language: a query alone keeps the page's path.
        switch = super::embed::language_switch(lang, "", None),
    );
    HttpResponse::build(status)
        .insert_header(("Content-Type", "text/html; charset=utf-8"))
        .insert_header(("Content-Security-Policy", CSP))
        .insert_header(("Referrer-Policy", "no-referrer"))
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(html)
}

fn unknown_link(lang: Lang) -> HttpResponse {
    page(
        StatusCode::NOT_FOUND,
        lang,
        &text(lang, "link-unknown-title"),
        &format!("<p>{}</p>", escape_html(&text(lang, "link-unknown"))),
    )
}

fn failure(lang: Lang, error: ApiError) -> HttpResponse {
    match error {
        ApiError::TokenNotFound => unknown_link(lang),
        other => {
            let status = actix_web::ResponseError::status_code(&other);
            tracing::error!(error = ?other, "a confirmation or withdrawal page failed");
            page(
                status,
                lang,
                &text(lang, "failure-title"),
                &format!("<p>{}</p>", escape_html(&text(lang, "failure"))),
            )
        }
    }
}

/// A page's language: the link in a signer's email says theirs (`?lang=`).
fn lang_of(req: &HttpRequest) -> Lang {
    i18n::page_lang(req, Lang::En)
}

/// `title` in bold, within a sentence of `id`.
pub(super) fn with_title(lang: Lang, id: &str, title: &str) -> String {
    let marker = "\u{1}";
    escape_html(&text_with(lang, id, &[("title", marker.into())]))
        .replace(marker, &format!("<strong>{}</strong>", escape_html(title)))
}

async fn ask(state: &AppState, lang: Lang, token: &str, purpose: TokenPurpose) -> HttpResponse {
    if !SecretToken::looks_valid(token) {
        return unknown_link(lang);
    }
    let target = state
        .store
        .token_target(&SecretToken::hash_of(token), purpose, store::now())
        .await;
    let target = match target {
        Ok(Some(target)) => target,
        Ok(None) => return unknown_link(lang),
        Err(e) => return failure(lang, e.into()),
    };
    let (title, back) = about(state, lang, &target).await;
    let (heading, sentence, button, path) = match purpose {
        TokenPurpose::Confirm => ("confirm-title", "confirm-text", "confirm-button", "confirm"),
        TokenPurpose::Withdraw => (
            "withdraw-title",
            "withdraw-text",
            "withdraw-button",
            "withdraw",
        ),
    };
    let form = format!(
        "<p>{sentence}</p><form method=\"post\" action=\"/{path}/{token}?lang={lang}\">\
         <button type=\"submit\">{button}</button></form>{back}",
        sentence = with_title(lang, sentence, &title),
        button = escape_html(&text(lang, button)),
        token = escape_html(token),
    );
    page(StatusCode::OK, lang, &text(lang, heading), &form)
}

/// The campaign a link's page is about, as the page names it: its title in `lang` where it
/// has one there (else in its own), and the way back to its signing page with who runs it.
/// The campaign is read once, from the signing cache.
async fn about(state: &AppState, lang: Lang, used: &TokenUse) -> (String, String) {
    let campaign = match Slug::parse(&used.campaign_slug) {
        Ok(slug) => state.signing.campaign(&slug).await.ok(),
        Err(_) => None,
    };
    let title = campaign.as_ref().map_or_else(
        || used.campaign_title.clone(),
        |c| c.words(lang).title.text.to_owned(),
    );
    let mut organiser = Identity::default();
    if let Some(campaign) = &campaign
        && let Ok(known) = organiser_of(state.store.as_ref(), campaign, None).await
    {
        organiser = known;
    }
    let back = format!(
        "<p><a href=\"/embed/{}?lang={lang}\">{}</a></p>{}",
        escape_html(&used.campaign_slug),
        escape_html(&text_with(
            lang,
            "back-to-campaign",
            &[("title", title.as_str().into())]
        )),
        organiser_line(&organiser, "", lang)
    );
    (title, back)
}

/// The page after a link's button was pressed: `heading`, then `sentence` naming the campaign.
async fn done(
    state: &AppState,
    lang: Lang,
    used: &TokenUse,
    heading: &str,
    sentence: &str,
) -> HttpResponse {
    let (title, back) = about(state, lang, used).await;
    page(
        StatusCode::OK,
        lang,
        &text(lang, heading),
        &format!("<p>{}</p>{back}", with_title(lang, sentence, &title)),
    )
}

/// Who is asking, as the pages and the form end: see `mail::organiser_html`.
pub(super) fn organiser_line(organiser: &Identity, link_attributes: &str, lang: Lang) -> String {
    organiser_html(organiser, link_attributes, lang)
        .map(|line| format!("<p class=\"organiser\">{line}</p>"))
        .unwrap_or_default()
}

/// `GET /confirm/{token}`.
pub async fn confirm_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> HttpResponse {
    ask(&state, lang_of(&req), &token, TokenPurpose::Confirm).await
}

/// `POST /confirm/{token}`: the confirmation page's button.
pub async fn confirm_submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> HttpResponse {
    let lang = lang_of(&req);
    match state.signing.confirm(&token).await {
        Ok(used) => done(&state, lang, &used, "confirmed-title", "confirmed-text").await,
        Err(e) => failure(lang, e),
    }
}

/// `GET /withdraw/{token}`.
pub async fn withdraw_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> HttpResponse {
    ask(&state, lang_of(&req), &token, TokenPurpose::Withdraw).await
}

/// `POST /withdraw/{token}`: the withdrawal page's button.
pub async fn withdraw_submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> HttpResponse {
    let lang = lang_of(&req);
    match state.signing.withdraw(&token).await {
        Ok(used) => done(&state, lang, &used, "withdrawn-title", "withdrawn-text").await,
        Err(e) => failure(lang, e),
    }
}
