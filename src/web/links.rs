//! The small pages that the links in signers' emails open: confirm, withdraw, unsubscribe. A
//! GET only shows a button; the button's POST does the work, so a mail scanner that follows
//! every link changes nothing.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use serde::Serialize;

use super::campaign_pages::{ShareLinks, share_links};
use super::form::CountLine;
use super::message::{About, Back, Button, HiddenField, Paragraph, link_page};
use super::{Layout, PRIVATE, REFER_NOTHING, html_response};
use crate::accounts::organiser_of;
use crate::domain::{Brand, Identity, Lang, SecretToken, Slug};
use crate::error::ApiError;
use crate::i18n::{self, text};
use crate::state::AppState;
use crate::store::{self, TokenPurpose, TokenUse};

fn said(state: &AppState, status: StatusCode, lang: Lang, heading: &str, id: &str) -> HttpResponse {
    link_page(
        state,
        status,
        lang,
        &text(lang, heading),
        vec![Paragraph::plain(text(lang, id))],
        None,
        None,
    )
}

fn unknown_link(state: &AppState, lang: Lang) -> HttpResponse {
    said(
        state,
        StatusCode::NOT_FOUND,
        lang,
        "link-unknown-title",
        "link-unknown",
    )
}

fn failure(state: &AppState, lang: Lang, error: ApiError) -> HttpResponse {
    match error {
        ApiError::TokenNotFound => unknown_link(state, lang),
        other => {
            let status = actix_web::ResponseError::status_code(&other);
            tracing::error!(error = ?other, "a confirmation or withdrawal page failed");
            said(state, status, lang, "failure-title", "failure")
        }
    }
}

/// A page's language: the link in a signer's email says theirs (`?lang=`).
fn lang_of(req: &HttpRequest) -> Lang {
    i18n::page_lang(req, Lang::En)
}

/// What a link's page says of its campaign, read once, from the signing cache; the way back
/// is the campaign's page (never the bare embedded form a signer may have signed in).
async fn about(state: &AppState, lang: Lang, used: &TokenUse) -> About {
    let back = format!("/c/{}?lang={lang}", used.campaign_slug);
    let campaign = match Slug::parse(&used.campaign_slug) {
        Ok(slug) => state.signing.campaign(&slug).await.ok(),
        Err(_) => None,
    };
    match campaign {
        Some(campaign) => About::campaign(state, lang, &campaign, back).await,
        // Gone since the link was sent: named as the link remembers it.
        None => About::of(
            lang,
            used.campaign_title.clone(),
            Identity::default(),
            Brand::default(),
            back,
            &used.campaign_slug,
        ),
    }
}

async fn ask(state: &AppState, lang: Lang, token: &str, purpose: TokenPurpose) -> HttpResponse {
    if !SecretToken::looks_valid(token) {
        return unknown_link(state, lang);
    }
    let target = state
        .store
        .token_target(&SecretToken::hash_of(token), purpose, store::now())
        .await;
    let target = match target {
        Ok(Some(target)) => target,
        Ok(None) => return unknown_link(state, lang),
        Err(e) => return failure(state, lang, e.into()),
    };
    let about = about(state, lang, &target).await;
    let (heading, sentence, button, path) = match purpose {
        TokenPurpose::Confirm => ("confirm-title", "confirm-text", "confirm-button", "confirm"),
        TokenPurpose::Withdraw => (
            "withdraw-title",
            "withdraw-text",
            "withdraw-button",
            "withdraw",
        ),
    };
    link_page(
        state,
        StatusCode::OK,
        lang,
        &text(lang, heading),
        vec![Paragraph::with_title(lang, sentence, &about.title)],
        Some(Button {
            action: Some(format!("/{path}/{token}?lang={lang}")),
            label: text(lang, button),
            hidden: Vec::new(),
        }),
        Some(&about),
    )
}

/// The page after a link's button was pressed: `heading`, then `sentence` naming the campaign.
async fn done(
    state: &AppState,
    lang: Lang,
    used: &TokenUse,
    heading: &str,
    sentence: &str,
) -> HttpResponse {
    let about = about(state, lang, used).await;
    link_page(
        state,
        StatusCode::OK,
        lang,
        &text(lang, heading),
        vec![Paragraph::with_title(lang, sentence, &about.title)],
        None,
        Some(&about),
    )
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
        Ok(used) => thanks(&state, lang, &used).await,
        Err(e) => failure(&state, lang, e),
    }
}

/// The policy of the thank-you page: the pages' own, with our own script (the share sheet
/// and the copy button).
const THANKS_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
                             script-src 'self'; base-uri 'none'; form-action 'self'; \
                             frame-ancestors 'none'";

/// `templates/pages/thanks.html`.
#[derive(Serialize)]
struct ThanksPage {
    #[serde(flatten)]
    layout: Layout,
    heading: String,
    paragraph: Paragraph,
    count: CountLine,
    share: ShareLinks,
    share_title: String,
    back: Back,
    /// "12 people in Ynys Môn have signed", where the postcode placed the signer.
    neighbours: Option<String>,
}

/// After confirming: the count the signature joined, and one clear ask to share the
/// campaign's page.
async fn thanks(state: &AppState, lang: Lang, used: &TokenUse) -> HttpResponse {
    let about = about(state, lang, used).await;
    let heading = text(lang, "confirmed-title");
    let paragraph = Paragraph::with_title(lang, "confirmed-text", &about.title);
    let Ok(slug) = Slug::parse(&used.campaign_slug) else {
        return done(state, lang, used, "confirmed-title", "confirmed-text").await;
    };
    let Ok(campaign) = state.signing.campaign(&slug).await else {
        return done(state, lang, used, "confirmed-title", "confirmed-text").await;
    };
    // Read from the database, not the live count, which may not have caught up with the
    // confirmation this page reports.
    let Ok(counts) = state.store.campaign_count(campaign.id).await else {
        return done(state, lang, used, "confirmed-title", "confirmed-text").await;
    };
    let url = super::page_url(state, slug.as_str());
    let page = ThanksPage {
        layout: Layout::for_link(lang, &heading).with_organiser(
            &organiser_of(state.store.as_ref(), &campaign, None)
                .await
                .unwrap_or_default(),
            &campaign.look(),
            slug.as_str(),
        ),
        heading,
        paragraph,
        count: CountLine::new(&campaign, counts.total(), lang),
        share: share_links(lang, &url, &about.title),
        share_title: about.title.clone(),
        back: about.back().clone(),
        neighbours: neighbours(state, lang, used).await,
    };
    match state.templates.render("pages/thanks.html", &page) {
        Ok(html) => html_response(StatusCode::OK, THANKS_POLICY, REFER_NOTHING, PRIVATE, html),
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "the thank-you page did not render");
            HttpResponse::InternalServerError().finish()
        }
    }
}

/// How many have signed in the signer's own constituency, in a sentence, from the counts by
/// constituency (recomputed at most every 30 seconds, so at least the signer themselves);
/// nothing where the postcode placed them in none, or the lookup failed: the page goes on
/// without it.
async fn neighbours(state: &AppState, lang: Lang, used: &TokenUse) -> Option<String> {
    let code = state
        .store
        .constituency_of_signature(used.signature_id)
        .await
        .ok()??;
    let counts = state
        .area_counts
        .counts(
            state.store.as_ref(),
            &state.geography,
            used.campaign_id,
            crate::areas::AreaSet::Constituencies,
        )
        .await
        .ok()?;
    let place = counts.items.iter().find(|item| item.code == code);
    let count = place.map_or(1, |item| item.count.max(1));
    let gazetteer = state.geography.current();
    let constituency = gazetteer.constituency(&code)?;
    Some(crate::i18n::text_with(
        lang,
        "thanks-constituency",
        &[
            (
                "constituency",
                constituency.name_in(lang == Lang::Cy).into(),
            ),
            ("count", count.into()),
            ("n", crate::templates::with_separators(count).into()),
        ],
    ))
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
        Err(e) => failure(&state, lang, e),
    }
}

fn unknown_unsubscribe(state: &AppState, lang: Lang) -> HttpResponse {
    said(
        state,
        StatusCode::NOT_FOUND,
        lang,
        "link-unknown-title",
        "unsubscribe-unknown",
    )
}

/// `GET /unsubscribe/{token}`: a button, so that following the link changes nothing. In the
/// signer's language, which the emailed link carries.
pub async fn unsubscribe_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> HttpResponse {
    let lang = lang_of(&req);
    if state.unsubscribes.signature(&token).is_none() {
        return unknown_unsubscribe(&state, lang);
    }
    link_page(
        &state,
        StatusCode::OK,
        lang,
        &text(lang, "unsubscribe-title"),
        vec![Paragraph::plain(text(lang, "unsubscribe-text"))],
        Some(Button {
            action: None,
            label: text(lang, "unsubscribe-button"),
            hidden: vec![HiddenField {
                name: "List-Unsubscribe",
                value: "One-Click",
            }],
        }),
        None,
    )
}

/// `POST /unsubscribe/{token}`: RFC 8058's one-click unsubscribe, with no login; honoured for
/// every later update of the campaign.
pub async fn unsubscribe(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let lang = lang_of(&req);
    let Some(signature) = state.unsubscribes.signature(&token) else {
        return Ok(unknown_unsubscribe(&state, lang));
    };
    match state.store.unsubscribe(signature, store::now()).await? {
        None => Ok(unknown_unsubscribe(&state, lang)),
        Some(title) => Ok(link_page(
            &state,
            StatusCode::OK,
            lang,
            &text(lang, "unsubscribed-title"),
            vec![Paragraph::with_title(lang, "unsubscribed-text", &title)],
            None,
            None,
        )),
    }
}
