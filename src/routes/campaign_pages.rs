//! The pages people share: `/` (the open campaigns), `/closed`, and each campaign's own page,
//! `/c/{slug}`, which anyone can read and sign with no script (the same form, rules and
//! consents as the embedded one), with ways to share it that load nothing from elsewhere and a
//! QR code for posters.
//!
//! A shared link is read far more than it is signed, so a page is served from memory: built
//! once (its Markdown rendered, a letter's signatories read) and kept until the count or the
//! campaign changes, or for `PAGE_LIFETIME` at most (a letter's list changes as signatories
//! are approved, which may leave the count as it was).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use uuid::Uuid;

use super::counts::with_separators;
use super::embed::{FormPage, Submission, content_security_policy, take_form};
use crate::accounts::organiser_of;
use crate::counts::CountView;
use crate::domain::{Campaign, CampaignKind, CampaignStatus, Lang, SignatoryType, Slug};
use crate::error::ApiError;
use crate::i18n;
use crate::mail::escape_html;
use crate::state::AppState;
use crate::store::{self, PublicSignatory};

const PAGE_CSS: &str = include_str!("../../assets/page.css");
const PAGE_JS: &str = include_str!("../../assets/page.js");

/// How long a built page may be served while nothing it shows has moved.
const PAGE_LIFETIME: Duration = Duration::from_secs(10);
/// How many of a letter's signatories its page lists; the rest are in the letter itself.
const LISTED: u32 = 500;

/// Built pages, by campaign (and one for each index), with what they were built from.
#[derive(Default)]
pub struct PageCache {
    pages: Kept<String>,
    previews: Kept<web::Bytes>,
    indexes: RwLock<HashMap<IndexKey, (Instant, Arc<String>)>>,
}

/// An index page: the closed campaigns or the open ones, in a language.
type IndexKey = (bool, Lang);

/// What was built for each campaign, with what it was built from.
struct Kept<T> {
    built: RwLock<HashMap<(Uuid, Lang), Built<T>>>,
}

impl<T> Default for Kept<T> {
    fn default() -> Self {
        Self {
            built: RwLock::default(),
        }
    }
}

struct Built<T> {
    at: Instant,
    count_etag: String,
    updated_at: DateTime<Utc>,
    value: Arc<T>,
}

impl<T> Kept<T> {
    fn get(&self, campaign: &Campaign, view: &CountView, lang: Lang) -> Option<Arc<T>> {
        let built = self.built.read().unwrap_or_else(|e| e.into_inner());
        let built = built.get(&(campaign.id, lang))?;
        (built.at.elapsed() < PAGE_LIFETIME
            && built.count_etag == view.etag
            && built.updated_at == campaign.updated_at)
            .then(|| built.value.clone())
    }

    fn keep(&self, campaign: &Campaign, view: &CountView, lang: Lang, value: Arc<T>) -> Arc<T> {
        let mut built = self.built.write().unwrap_or_else(|e| e.into_inner());
        built.retain(|_, b| b.at.elapsed() < PAGE_LIFETIME);
        built.insert(
            (campaign.id, lang),
            Built {
                at: Instant::now(),
                count_etag: view.etag.clone(),
                updated_at: campaign.updated_at,
                value: value.clone(),
            },
        );
        value
    }
}

/// The address of a campaign's page, as shared.
pub(super) fn page_url(state: &AppState, slug: &str) -> String {
    format!(
        "{}/c/{slug}",
        state.public_url.as_str().trim_end_matches('/')
    )
}

/// Pages anyone may see are kept briefly by browsers and proxies (the count on them moves
/// live with JavaScript); a page holding what someone typed, or a 404, is not kept.
const SHARED: &str = "public, max-age=10";
const PRIVATE: &str = "no-store";

pub(super) fn html_response(
    status: StatusCode,
    policy: &str,
    cache: &'static str,
    html: impl Into<String>,
) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, policy.to_owned()))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "strict-origin-when-cross-origin"))
        .insert_header((header::CACHE_CONTROL, cache))
        // The language follows Accept-Language where the address does not say it.
        .insert_header((header::VARY, "Accept-Language"))
        .body(html.into())
}

/// The page's frame: metadata for link previews (Open Graph, Twitter cards), the site's
/// header, and `main`.
pub(super) fn layout(
    lang: Lang,
    title: &str,
    description: &str,
    url: &str,
    image: Option<&str>,
    main: &str,
    scripts: bool,
) -> String {
    let picture = match image {
        Some(image) => format!(
            "<meta property=\"og:image\" content=\"{image}\"><meta property=\"og:image:width\" content=\"{w}\">\
             <meta property=\"og:image:height\" content=\"{h}\"><meta property=\"og:image:alt\" content=\"{alt}\">\
             <meta name=\"twitter:card\" content=\"summary_large_image\"><meta name=\"twitter:image\" content=\"{image}\">",
            image = escape_html(image),
            w = super::preview::WIDTH,
            h = super::preview::HEIGHT,
            alt = escape_html(&t_with(
                lang,
                "page-preview-alt",
                &[("title", title.into())]
            )),
        ),
        None => "<meta name=\"twitter:card\" content=\"summary\">".to_owned(),
    };
    let title = escape_html(title);
    let description = escape_html(description);
    let url = escape_html(url);
    let scripts = if scripts {
        "<script src=\"/embed/form.js\" defer></script><script src=\"/page.js\" defer></script>"
    } else {
        ""
    };
    let alternates: String = Lang::ALL
        .iter()
        .map(|l| format!("<link rel=\"alternate\" hreflang=\"{l}\" href=\"{url}?lang={l}\">"))
        .collect();
    let switch = super::embed::language_switch(lang, url_path(&url), None);
    let campaigns = escape_html(&t(lang, "page-campaigns"));
    let query = lang_query(lang);
    format!(
        "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><meta name=\"description\" content=\"{description}\">\
         <link rel=\"canonical\" href=\"{url}\">{alternates}\
         <meta property=\"og:type\" content=\"website\"><meta property=\"og:title\" content=\"{title}\">\
         <meta property=\"og:description\" content=\"{description}\"><meta property=\"og:url\" content=\"{url}\">\
         {picture}<meta name=\"twitter:title\" content=\"{title}\">\
         <meta name=\"twitter:description\" content=\"{description}\">\
         <link rel=\"stylesheet\" href=\"/embed/form.css\"><link rel=\"stylesheet\" href=\"/page.css\">\
         </head><body><header class=\"site\"><a href=\"/{query}\">{campaigns}</a>{switch}</header>\
         <main id=\"main\">{main}</main>{scripts}</body></html>"
    )
}

/// The path of one of our addresses (`/c/scrapsi445` of `https://…/c/scrapsi445`).
fn url_path(url: &str) -> &str {
    url.find("://")
        .and_then(|i| url[i + 3..].find('/').map(|j| &url[i + 3 + j..]))
        .unwrap_or("/")
}

/// What links between our pages add to keep a visitor in Welsh (English needs nothing).
fn lang_query(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "",
        Lang::Cy => "?lang=cy",
    }
}

fn t(lang: Lang, id: &str) -> String {
    i18n::text(lang, id)
}

fn t_with(lang: Lang, id: &str, args: &[(&str, i18n::Arg)]) -> String {
    i18n::text_with(lang, id, args)
}

/// `n` things of a kind, as `id` words them: the number with separators, its noun by number.
fn counted(lang: Lang, id: &str, n: u64) -> String {
    t_with(
        lang,
        id,
        &[("count", n.into()), ("n", with_separators(n).into())],
    )
}

/// Plain links to share the page: no third party's script, pixel or font is loaded.
fn share_links(lang: Lang, url: &str, title: &str) -> String {
    let enc = |s: &str| utf8_percent_encode(s, NON_ALPHANUMERIC).to_string();
    let text = format!("{title} {url}");
    let links = [
        (
            t(lang, "page-share-email"),
            format!("mailto:?subject={}&body={}", enc(title), enc(&text)),
        ),
        (
            "WhatsApp".to_owned(),
            format!("https://wa.me/?text={}", enc(&text)),
        ),
        (
            "Bluesky".to_owned(),
            format!("https://bsky.app/intent/compose?text={}", enc(&text)),
        ),
        (
            "X".to_owned(),
            format!(
                "https://x.com/intent/post?text={}&url={}",
                enc(title),
                enc(url)
            ),
        ),
        (
            "Facebook".to_owned(),
            format!("https://www.facebook.com/sharer/sharer.php?u={}", enc(url)),
        ),
        (
            "LinkedIn".to_owned(),
            format!(
                "https://www.linkedin.com/sharing/share-offsite/?url={}",
                enc(url)
            ),
        ),
    ];
    let items: String = links
        .iter()
        .map(|(name, href)| {
            format!(
                "<li><a href=\"{}\" rel=\"noopener noreferrer\" target=\"_blank\">{}<span class=\"visually-hidden\"> {}</span></a></li>",
                escape_html(href),
                escape_html(&t_with(lang, "page-share-by", &[("name", name.as_str().into())])),
                escape_html(&t(lang, "page-new-tab")),
            )
        })
        .collect();
    let w = |id: &str| escape_html(&t(lang, id));
    format!(
        "<section class=\"share\" aria-labelledby=\"share-title\"><h2 id=\"share-title\">{share}</h2>\
         <ul class=\"share-links\">{items}</ul>\
         <p class=\"copy\"><label for=\"page-link\">{address}</label>\
         <input id=\"page-link\" type=\"text\" readonly value=\"{url}\">\
         <button type=\"button\" id=\"copy-link\" class=\"secondary\" hidden>{copy}</button></p>\
         <p>{qr_text} <a href=\"{qr}.svg\" download>{svg}</a> {or} <a href=\"{qr}.png\" download>{png}</a>.</p></section>",
        share = w("page-share-title"),
        address = w("page-address"),
        copy = w("page-copy"),
        qr_text = w("page-qr"),
        svg = w("page-qr-svg"),
        or = w("page-qr-or"),
        png = w("page-qr-png"),
        url = escape_html(url),
        qr = escape_html(&format!("{}/qr", url.trim_end_matches('/'))),
    )
}

/// "53 organisations and 164 individuals have signed" (`id` says what they did).
fn headline(lang: Lang, id: &str, view: &CountView) -> String {
    t_with(
        lang,
        id,
        &[
            (
                "organisations",
                counted(lang, "page-organisations", view.organisations).into(),
            ),
            (
                "individuals",
                counted(lang, "page-individuals", view.individuals).into(),
            ),
        ],
    )
}

/// Signatories in a section headed `heading` (its id `id`), organisations first, each as
/// `item` writes it.
fn grouped_list(
    lang: Lang,
    id: &str,
    heading: &str,
    signatories: &[PublicSignatory],
    item: impl Fn(&PublicSignatory) -> String,
) -> String {
    let (organisations, individuals): (Vec<_>, Vec<_>) = signatories
        .iter()
        .partition(|s| s.signatory_type == SignatoryType::Organisation);
    let mut html = format!(
        "<section class=\"signatories\" aria-labelledby=\"{id}\"><h2 id=\"{id}\">{}</h2>",
        escape_html(heading)
    );
    for (heading, list) in [
        ("page-organisations-heading", organisations),
        ("page-individuals-heading", individuals),
    ] {
        if list.is_empty() {
            continue;
        }
        html.push_str(&format!("<h3>{}</h3><ul>", escape_html(&t(lang, heading))));
        for s in list {
            html.push_str(&format!("<li>{}</li>", item(s)));
        }
        html.push_str("</ul>");
    }
    html.push_str("</section>");
    html
}

/// Some of a signatory's words, escaped and joined by commas.
pub(super) fn joined(parts: &[Option<&str>]) -> String {
    parts
        .iter()
        .flatten()
        .map(|part| escape_html(part))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A letter's signatories: "Name, Role, Organisation".
fn signatory_list(lang: Lang, signatories: &[PublicSignatory]) -> String {
    grouped_list(
        lang,
        "signed-by",
        &t(lang, "page-signed-by"),
        signatories,
        |s| joined(&[Some(&s.name), s.role.as_deref(), s.organisation.as_deref()]),
    )
}

/// A pledge's takers, organisations first, each linking to its website and to the page that
/// verifies its pledge.
fn pledger_list(lang: Lang, slug: &str, pledgers: &[PublicSignatory]) -> String {
    grouped_list(lang, "taken-by", &t(lang, "page-taken-by"), pledgers, |s| {
        let organisation = s.signatory_type == SignatoryType::Organisation;
        let title = s
            .organisation
            .as_deref()
            .filter(|_| organisation)
            .unwrap_or(&s.name);
        let named = match &s.website {
            Some(site) => format!(
                "<a href=\"{}\" rel=\"nofollow ugc noopener\">{}</a>",
                escape_html(site),
                escape_html(title)
            ),
            None => escape_html(title),
        };
        let by = joined(&[
            organisation.then_some(s.name.as_str()),
            s.role.as_deref(),
            s.organisation.as_deref().filter(|_| !organisation),
        ]);
        let by = if by.is_empty() {
            String::new()
        } else {
            format!(" ({by})")
        };
        format!(
            "{named}{by} · <a href=\"/c/{slug}/pledgers/{id}\">{verify}<span class=\"visually-hidden\"> {whose}</span></a>",
            id = s.id,
            verify = escape_html(&t(lang, "page-verify")),
            whose = escape_html(&t_with(
                lang,
                "page-verify-whose",
                &[("title", title.into())]
            )),
        )
    })
}

/// Each hand-in: when, with how many, and the digest that identifies its bundle.
fn handins_note(lang: Lang, handins: &[crate::store::HandinSummary]) -> String {
    if handins.is_empty() {
        return String::new();
    }
    let items: String = handins
        .iter()
        .map(|h| {
            let total = h.total;
            format!(
                "<li>{} <code class=\"digest\">{}</code></li>",
                escape_html(&t_with(
                    lang,
                    "page-handin",
                    &[
                        ("date", i18n::day(lang, h.created_at).into()),
                        ("count", total.into()),
                        ("n", with_separators(total).into()),
                    ],
                )),
                escape_html(&h.manifest_sha256),
            )
        })
        .collect();
    format!(
        "<section class=\"handins\" aria-labelledby=\"handins-title\"><h2 id=\"handins-title\">{}</h2>\
         <ul>{items}</ul><p class=\"hint\">{}</p></section>",
        escape_html(&t(lang, "page-handins-title")),
        escape_html(&t(lang, "page-handins-hint")),
    )
}

/// What a campaign's page shows; `form` is the signing form as this request left it.
struct CampaignPage<'a> {
    campaign: &'a Campaign,
    view: &'a CountView,
    url: String,
    signatories: Vec<PublicSignatory>,
    handins: Vec<crate::store::HandinSummary>,
    outcome: Option<crate::store::PublishedOutcome>,
}

impl CampaignPage<'_> {
    fn render(&self, form: &FormPage<'_>) -> String {
        let c = self.campaign;
        let lang = form.lang;
        let words = c.words(lang);
        let now = store::now();
        let recipient = words
            .recipient
            .map(|r| {
                format!(
                    "<p class=\"recipient\"{}>{}</p>",
                    super::embed::lang_of(lang, r),
                    escape_html(&t_with(lang, "page-to", &[("recipient", r.text.into())]))
                )
            })
            .unwrap_or_default();
        let progress = match c.target {
            Some(target) => {
                let target = target.get();
                format!(
                    "<p class=\"target\"><label for=\"progress\">{}</label>\
                     <progress id=\"progress\" max=\"{target}\" value=\"{}\">{}%</progress></p>",
                    escape_html(&t_with(
                        lang,
                        "page-target",
                        &[("target", with_separators(target).into())]
                    )),
                    self.view.total.min(target),
                    self.view.total.saturating_mul(100) / target.max(1),
                )
            }
            None => String::new(),
        };
        let headline = match c.kind {
            CampaignKind::Letter => format!(
                "<p class=\"headline\">{}</p>",
                escape_html(&headline(lang, "page-letter-headline", self.view))
            ),
            CampaignKind::Pledge => format!(
                "<p class=\"headline\">{}</p>",
                escape_html(&headline(lang, "page-pledge-headline", self.view))
            ),
            CampaignKind::Petition => String::new(),
        };
        // "2,140 children and young people signed", where they are welcome.
        let headline = match self.view.young_signers {
            Some(young) => format!(
                "{headline}<p class=\"headline\">{}</p>",
                escape_html(&counted(lang, "count-young-line", young))
            ),
            None => headline,
        };
        let closed = match (c.status_at(now), c.closed_since(now)) {
            (CampaignStatus::Closed, Some(at)) => format!(
                "<p class=\"closed-note\">{}</p>",
                escape_html(&t_with(
                    lang,
                    "page-closed-note",
                    &[
                        ("date", i18n::day(lang, at).into()),
                        ("count", self.view.total.into()),
                        ("n", with_separators(self.view.total).into()),
                    ],
                ))
            ),
            _ => String::new(),
        };
        let signatories = match c.kind {
            CampaignKind::Letter => signatory_list(lang, &self.signatories),
            CampaignKind::Pledge => pledger_list(lang, c.slug.as_str(), &self.signatories),
            CampaignKind::Petition => String::new(),
        };
        let handed_in = handins_note(lang, &self.handins);
        let outcome = self
            .outcome
            .as_ref()
            .map(|o| {
                format!(
                    "<section class=\"outcome\" aria-labelledby=\"outcome-title\"><h2 id=\"outcome-title\">\
                     {}</h2><p class=\"hint\">{}</p>{}</section>",
                    escape_html(&t_with(lang, "page-outcome", &[("subject", o.subject.as_str().into())])),
                    i18n::day(lang, o.created_at),
                    crate::markdown::to_safe_html(&o.body)
                )
            })
            .unwrap_or_default();
        let call = escape_html(&t(
            lang,
            if c.kind == CampaignKind::Pledge {
                "page-call-pledge"
            } else {
                "page-call-sign"
            },
        ));
        let main = format!(
            "<h1{title_lang}>{title}</h1><p class=\"summary\"{summary_lang}>{summary}</p>{recipient}{closed}{outcome}{handed_in}\
             <div class=\"columns\"><div class=\"text\"{body_lang}>{body}</div>\
             <section class=\"signing\" aria-labelledby=\"sign-title\"><h2 id=\"sign-title\">{call}</h2>\
             {count}{headline}{progress}{signing}</section></div>{signatories}{share}",
            title = escape_html(words.title.text),
            title_lang = super::embed::lang_of(lang, words.title),
            summary = escape_html(words.summary.text),
            summary_lang = super::embed::lang_of(lang, words.summary),
            body = crate::markdown::to_safe_html(words.body.text),
            body_lang = super::embed::lang_of(lang, words.body),
            count = form.count_line(),
            signing = form.signing_part(""),
            share = share_links(lang, &self.url, words.title.text),
        );
        let image = format!("{}/preview.png", self.url);
        layout(
            lang,
            words.title.text,
            words.summary.text,
            &self.url,
            Some(&image),
            &main,
            true,
        )
    }
}

/// The campaign a page is for, from memory: `None` for an unknown slug or a draft.
pub(super) async fn page_campaign(
    state: &AppState,
    slug: &str,
) -> Result<Option<(Arc<Campaign>, Arc<CountView>)>, ApiError> {
    let Ok(slug) = Slug::parse(slug) else {
        return Ok(None);
    };
    let view = match state.live.view(&slug).await {
        Ok(view) => view,
        Err(ApiError::NotFound) => return Ok(None),
        Err(other) => return Err(other),
    };
    let campaign = state.signing.campaign(&slug).await?;
    Ok(Some((campaign, view)))
}

async fn campaign_page_parts<'a>(
    state: &AppState,
    campaign: &'a Campaign,
    view: &'a CountView,
) -> Result<CampaignPage<'a>, ApiError> {
    let signatories = if campaign.kind.lists_signatories() {
        state
            .store
            .public_signatories(campaign.id, true, 0, LISTED)
            .await?
    } else {
        Vec::new()
    };
    Ok(CampaignPage {
        campaign,
        view,
        url: page_url(state, campaign.slug.as_str()),
        signatories,
        handins: state.store.handins(campaign.id).await?,
        outcome: state.store.latest_outcome(campaign.id).await?,
    })
}

fn page_not_found(lang: Lang) -> HttpResponse {
    let title = t(lang, "page-not-found-title");
    let main = format!(
        "<h1>{}</h1><p>{}</p><p><a href=\"/{query}\">{}</a></p>",
        escape_html(&title),
        escape_html(&t(lang, "page-not-found")),
        escape_html(&t(lang, "page-see-open")),
        query = lang_query(lang),
    );
    html_response(
        StatusCode::NOT_FOUND,
        PAGES_POLICY,
        PRIVATE,
        layout(lang, &title, "", "/", None, &main, false),
    )
}

/// The index pages' policy: our own style only, no framing.
pub(super) const PAGES_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
                            base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// `GET /c/{slug}`: the campaign's page.
pub async fn campaign_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let Some((campaign, view)) = page_campaign(&state, &slug).await? else {
        return Ok(page_not_found(i18n::page_lang(&req, Lang::En)));
    };
    let lang = i18n::page_lang(&req, campaign.signers.lang);
    let html = match state.pages.pages.get(&campaign, &view, lang) {
        Some(html) => html,
        None => {
            let parts = campaign_page_parts(&state, &campaign, &view).await?;
            let organiser = organiser_of(state.store.as_ref(), &campaign, None).await?;
            let action = format!("/c/{}", campaign.slug);
            // Kept with the page for a few seconds: an older stamp only lets a form through.
            let stamp = state.signing.form_stamp(None);
            let form = FormPage::new(
                &campaign, &action, &organiser, view.total, None, stamp, lang,
            );
            state
                .pages
                .pages
                .keep(&campaign, &view, lang, Arc::new(parts.render(&form)))
        }
    };
    Ok(html_response(
        StatusCode::OK,
        &content_security_policy(&campaign),
        SHARED,
        html.as_str(),
    ))
}

/// `POST /c/{slug}`: signing from the page without JavaScript; the page again, with the
/// outcome (and ways to share) or each field's error beside it.
pub async fn campaign_sign(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let Some((campaign, view)) = page_campaign(&state, &slug).await? else {
        return Ok(page_not_found(i18n::page_lang(&req, Lang::En)));
    };
    let submitted: Submission = take_form(&req, &state, &campaign, payload).await?;
    let parts = campaign_page_parts(&state, &campaign, &view).await?;
    let organiser = organiser_of(state.store.as_ref(), &campaign, None).await?;
    let action = format!("/c/{}", campaign.slug);
    let form = FormPage::posted(&campaign, &action, &organiser, view.total, &submitted);
    let response = html_response(
        submitted.status,
        &content_security_policy(&campaign),
        PRIVATE,
        parts.render(&form),
    );
    Ok(submitted.finish(response))
}

async fn index_page(state: &AppState, closed: bool, lang: Lang) -> Result<Arc<String>, ApiError> {
    if let Some((at, html)) = state
        .pages
        .indexes
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .get(&(closed, lang))
        && at.elapsed() < PAGE_LIFETIME
    {
        return Ok(html.clone());
    }
    let now = store::now();
    let mut items = String::new();
    let shown = if closed {
        CampaignStatus::Closed
    } else {
        CampaignStatus::Open
    };
    // Newest first; drafts are never shown.
    for campaign in state.store.all_campaigns().await? {
        if campaign.status_at(now) != shown {
            continue;
        }
        let total = state.live.view(&campaign.slug).await?.total;
        let noun = match campaign.kind {
            CampaignKind::Petition => "index-count-petition",
            CampaignKind::Letter => "index-count-letter",
            CampaignKind::Pledge => "index-count-pledge",
        };
        let words = campaign.words(lang);
        items.push_str(&format!(
            "<li><h2{title_lang}><a href=\"/c/{slug}{query}\">{title}</a></h2><p{summary_lang}>{summary}</p><p class=\"count\"><strong>{total}</strong> {noun}</p></li>",
            slug = campaign.slug.as_str(),
            title = escape_html(words.title.text),
            title_lang = super::embed::lang_of(lang, words.title),
            summary = escape_html(words.summary.text),
            summary_lang = super::embed::lang_of(lang, words.summary),
            total = with_separators(total),
            noun = escape_html(&t_with(lang, noun, &[("count", total.into())])),
            query = lang_query(lang),
        ));
    }
    let (title, other, other_path) = if closed {
        (t(lang, "index-closed"), t(lang, "index-open"), "/")
    } else {
        (t(lang, "index-open"), t(lang, "index-closed"), "/closed")
    };
    let other = format!(
        "<p><a href=\"{other_path}{query}\">{}</a></p>",
        escape_html(&other),
        query = lang_query(lang),
    );
    let title = escape_html(&title);
    let list = if items.is_empty() {
        format!(
            "<p>{}</p>",
            escape_html(&t(
                lang,
                if closed {
                    "index-none-closed"
                } else {
                    "index-none-open"
                }
            ))
        )
    } else {
        format!("<ul class=\"campaigns\">{items}</ul>")
    };
    let url = format!(
        "{}{}",
        state.public_url.as_str().trim_end_matches('/'),
        if closed { "/closed" } else { "/" }
    );
    let html = Arc::new(layout(
        lang,
        &title,
        &t(lang, "index-description"),
        &url,
        None,
        &format!("<h1>{title}</h1>{list}{other}"),
        false,
    ));
    state
        .pages
        .indexes
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .insert((closed, lang), (Instant::now(), html.clone()));
    Ok(html)
}

/// `GET /`: the open campaigns, with their counts.
pub async fn index(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let html = index_page(&state, false, i18n::page_lang(&req, Lang::En)).await?;
    Ok(html_response(
        StatusCode::OK,
        PAGES_POLICY,
        SHARED,
        html.as_str(),
    ))
}

/// `GET /closed`: the closed campaigns.
pub async fn closed_index(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let html = index_page(&state, true, i18n::page_lang(&req, Lang::En)).await?;
    Ok(html_response(
        StatusCode::OK,
        PAGES_POLICY,
        SHARED,
        html.as_str(),
    ))
}

/// `GET /page.css`.
pub async fn page_style() -> HttpResponse {
    super::embed::asset("text/css; charset=utf-8", PAGE_CSS)
}

/// `GET /page.js`: the copy-link button (the page works without it).
pub async fn page_script() -> HttpResponse {
    super::embed::asset("text/javascript; charset=utf-8", PAGE_JS)
}

/// `GET /c/{slug}/preview.png`: the picture a shared link shows, drawn again as the count
/// moves.
pub async fn preview_png(
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let Some((campaign, view)) = page_campaign(&state, &slug).await? else {
        return Err(ApiError::NotFound);
    };
    // The picture is drawn in the campaign's own language.
    let own = campaign.signers.lang;
    let png = match state.pages.previews.get(&campaign, &view, own) {
        Some(png) => png,
        None => {
            let host = state.public_url.host_str().unwrap_or("").to_owned();
            let address = format!("{host}/c/{}", campaign.slug);
            let (drawn, for_view) = (campaign.clone(), view.clone());
            // Drawing takes tens of milliseconds of CPU: off the async executor.
            let png = tokio::task::spawn_blocking(move || {
                super::preview::render(&drawn, &for_view, &address)
            })
            .await
            .map_err(ApiError::internal)?
            .map_err(|e| ApiError::internal(anyhow::anyhow!(e)))?;
            state
                .pages
                .previews
                .keep(&campaign, &view, own, Arc::new(web::Bytes::from(png)))
        }
    };
    Ok(HttpResponse::Ok()
        .content_type("image/png")
        // Link previews are fetched by other services' robots: a minute is fresh enough.
        .insert_header((header::CACHE_CONTROL, "public, max-age=60"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(png.as_ref().clone()))
}

/// The QR code of a campaign page's address.
fn qr_of(state: &AppState, campaign: &Campaign) -> Result<qrcode::QrCode, ApiError> {
    qrcode::QrCode::new(page_url(state, campaign.slug.as_str())).map_err(ApiError::internal)
}

/// `GET /c/{slug}/qr.svg`: for posters, at any size.
pub async fn qr_svg(
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let Some((campaign, _)) = page_campaign(&state, &slug).await? else {
        return Err(ApiError::NotFound);
    };
    let svg = qr_of(&state, &campaign)?
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(256, 256)
        .quiet_zone(true)
        .build();
    Ok(HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(svg))
}

/// Each module as `SCALE` pixels, with the four-module quiet zone scanners need.
const SCALE: usize = 10;
const QUIET: usize = 4;

/// `GET /c/{slug}/qr.png`: for documents that take no SVG.
pub async fn qr_png(
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let Some((campaign, _)) = page_campaign(&state, &slug).await? else {
        return Err(ApiError::NotFound);
    };
    let code = qr_of(&state, &campaign)?;
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET) * SCALE;
    let mut pixels = vec![255u8; side * side];
    for (i, color) in colors.iter().enumerate() {
        if *color == qrcode::Color::Dark {
            let (x, y) = (i % modules + QUIET, i / modules + QUIET);
            for row in y * SCALE..(y + 1) * SCALE {
                pixels[row * side + x * SCALE..row * side + (x + 1) * SCALE].fill(0);
            }
        }
    }
    let mut png = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut png, side as u32, side as u32);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(ApiError::internal)?;
        writer
            .write_image_data(&pixels)
            .map_err(ApiError::internal)?;
    }
    Ok(HttpResponse::Ok()
        .content_type("image/png")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(png))
}
