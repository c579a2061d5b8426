//! The small pages that the links in signers' emails open: confirm, withdraw, unsubscribe. A
//! GET only shows a button; the button's POST does the work, so a mail scanner that follows
//! every link changes nothing.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::campaign_pages::{Back, Button, HiddenField, MessagePage, Paragraph};
use super::{LINK_POLICY, Layout, PRIVATE, html_response};
use crate::accounts::{brand_of, organiser_of};
use crate::domain::{Brand, Campaign, Identity, Lang, SecretToken, Slug};
use crate::error::ApiError;
use crate::i18n::{self, text, text_with};
use crate::state::AppState;
use crate::store::{self, TokenPurpose, TokenUse};

/// A link's page: a heading, its paragraphs, maybe a button, the way back, who is asking.
pub fn link_page(
    state: &AppState,
    status: StatusCode,
    lang: Lang,
    heading: &str,
    paragraphs: Vec<Paragraph>,
    button: Option<Button>,
    about: Option<&About>,
) -> HttpResponse {
    let mut layout = Layout::for_link(lang, heading);
    let mut back = None;
    if let Some(about) = about {
        layout = layout.with_organiser(&about.organiser, &about.brand, &about.slug);
        back = Some(about.back.clone());
    }
    let page = MessagePage {
        layout,
        heading: heading.to_owned(),
        paragraphs,
        button,
        back,
    };
    match state.templates.render("pages/message.html", &page) {
        Ok(html) => {
            let mut response = html_response(status, LINK_POLICY, PRIVATE, html);
            // The address holds a secret: never sent on to another site.
            response.headers_mut().insert(
                actix_web::http::header::REFERRER_POLICY,
                actix_web::http::header::HeaderValue::from_static("no-referrer"),
            );
            response
        }
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "a page did not render");
            HttpResponse::InternalServerError().finish()
        }
    }
}

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

/// The campaign a link's page is about, as the page names it: its title in `lang` where it
/// has one there (else in its own), who runs it, its look, and the way back to its signing
/// page.
pub struct About {
    title: String,
    organiser: Identity,
    brand: Brand,
    back: Back,
    slug: String,
}

impl About {
    /// A campaign's, for a page that has the campaign at hand: the way back is its own page.
    pub async fn campaign(state: &AppState, lang: Lang, campaign: &Campaign) -> Self {
        let title = campaign.words(lang).title.text.to_owned();
        let store = state.store.as_ref();
        About {
            back: Back {
                href: format!("/c/{}{}", campaign.slug, super::lang_query(lang)),
                text: text_with(
                    lang,
                    "back-to-campaign",
                    &[("title", title.as_str().into())],
                ),
            },
            organiser: organiser_of(store, campaign, None)
                .await
                .unwrap_or_default(),
            brand: brand_of(store, campaign).await.unwrap_or_default(),
            slug: campaign.slug.as_str().to_owned(),
            title,
        }
    }
}

/// What a link's page says of its campaign, read once, from the signing cache.
async fn about(state: &AppState, lang: Lang, used: &TokenUse) -> About {
    let campaign = match Slug::parse(&used.campaign_slug) {
        Ok(slug) => state.signing.campaign(&slug).await.ok(),
        Err(_) => None,
    };
    let title = campaign.as_ref().map_or_else(
        || used.campaign_title.clone(),
        |c| c.words(lang).title.text.to_owned(),
    );
    let mut organiser = Identity::default();
    let mut brand = Brand::default();
    if let Some(campaign) = &campaign {
        if let Ok(known) = organiser_of(state.store.as_ref(), campaign, None).await {
            organiser = known;
        }
        if let Ok(known) = brand_of(state.store.as_ref(), campaign).await {
            brand = known;
        }
    }
    let back = Back {
        href: format!("/embed/{}?lang={lang}", used.campaign_slug),
        text: text_with(
            lang,
            "back-to-campaign",
            &[("title", title.as_str().into())],
        ),
    };
    About {
        title,
        organiser,
        brand,
        back,
        slug: used.campaign_slug.clone(),
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
        Ok(used) => done(&state, lang, &used, "confirmed-title", "confirmed-text").await,
        Err(e) => failure(&state, lang, e),
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
