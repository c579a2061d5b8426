//! Server-rendered pages: what a supporter reads and signs in a browser. Each handler calls the
//! same use cases as the JSON API and fills a context struct of its own, which a template in
//! `templates/` renders (see `crate::templates`).

pub mod about;
pub mod assets;
pub mod brand;
pub mod campaign_pages;
pub mod form;
pub mod links;
pub mod map;
pub mod message;
pub mod pledger_pages;
pub mod preview;
pub mod samples;

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;

use std::sync::Arc;

use crate::counts::CountView;
use crate::domain::{Brand, Campaign, Identity, Lang, Localised, Slug};
use crate::error::ApiError;
use crate::page_cache::BuiltPage;
use crate::state::AppState;
pub use crate::templates::OrganiserView;
use crate::templates::Templates;

/// The strict policy of pages with no form (and of those a link with a secret opens): our own
/// style and pictures only, no framing.
pub const PAGES_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
                                base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Who may learn which page a visitor came from: another site the origin only.
pub const REFER_ORIGIN: &str = "strict-origin-when-cross-origin";
/// A page whose address holds a secret: never sent on to another site.
pub const REFER_NOTHING: &str = "no-referrer";

/// Pages anyone may see are kept briefly by browsers and proxies (the count on them moves
/// live with JavaScript); a page holding what someone typed, or a 404, is not kept.
pub const SHARED: &str = "public, max-age=10";
pub const PRIVATE: &str = "no-store";

/// A part of a campaign's words, with its language where that is not the page's.
#[derive(Serialize, Clone)]
pub struct Part {
    pub text: String,
    pub lang: Option<Lang>,
}

impl Part {
    pub fn of(page: Lang, part: Localised<'_>) -> Self {
        Self {
            text: part.text.to_owned(),
            lang: (part.lang != page).then_some(part.lang),
        }
    }
}

/// The link to the same page in the other language.
#[derive(Serialize, Clone)]
pub struct Switch {
    pub other: Lang,
    /// The page's path; empty keeps the path and changes only the query.
    pub path: String,
    pub source: Option<String>,
}

impl Switch {
    pub fn new(lang: Lang, path: &str, source: Option<&str>) -> Self {
        Self {
            other: lang.other(),
            path: path.to_owned(),
            source: source.map(str::to_owned),
        }
    }
}

/// The organisation's look: its name (the logo's alt text), its logo and its stylesheet.
#[derive(Serialize, Clone, Default)]
pub struct BrandView {
    pub name: String,
    pub logo_url: Option<String>,
    /// The stylesheet that sets the pages' colours to the organisation's.
    pub stylesheet: Option<String>,
}

impl BrandView {
    /// The look of a campaign's pages: `brand` (see `Campaign::look`), named by the
    /// organiser; `plain` leaves the colour and logo out (the form a partner asked to show in
    /// the service's own style).
    pub fn of(identity: &Identity, brand: &Brand, slug: &str, plain: bool) -> Self {
        let name = identity
            .name
            .as_ref()
            .map(|n| n.as_str().to_owned())
            .unwrap_or_default();
        if plain {
            return Self {
                name,
                ..Self::default()
            };
        }
        Self {
            // A logo's alt text is the organisation's name: without one, no logo is shown.
            logo_url: brand
                .logo
                .filter(|_| !name.is_empty())
                .map(crate::logos::logo_path),
            stylesheet: brand
                .colour
                .as_ref()
                .map(|colour| format!("/c/{slug}/brand.css?v={}", &colour.as_str()[1..])),
            name,
        }
    }
}

/// A page's picture for link previews.
#[derive(Serialize, Clone)]
pub struct PreviewImage {
    pub url: String,
    pub width: u32,
    pub height: u32,
    pub alt: String,
}

#[derive(Serialize, Clone)]
pub struct Alternate {
    pub lang: Lang,
    pub href: String,
}

/// What the page layout needs: `layouts/page.html`.
#[derive(Serialize, Clone)]
pub struct PageMeta {
    pub title: String,
    pub description: String,
    pub url: String,
    pub alternates: Vec<Alternate>,
    pub image: Option<PreviewImage>,
    pub scripts: bool,
    pub noindex: bool,
    /// What links between our pages add to keep a visitor in Welsh (English needs nothing).
    pub home: &'static str,
}

impl PageMeta {
    pub fn new(lang: Lang, title: &str, description: &str, url: &str) -> Self {
        Self {
            title: title.to_owned(),
            description: description.to_owned(),
            url: url.to_owned(),
            alternates: Lang::ALL
                .iter()
                .map(|l| Alternate {
                    lang: *l,
                    href: format!("{url}?lang={l}"),
                })
                .collect(),
            image: None,
            scripts: false,
            noindex: false,
            home: lang_query(lang),
        }
    }
}

/// The parts every page built on `layouts/page.html` has.
#[derive(Serialize, Clone)]
pub struct Layout {
    pub lang: Lang,
    pub page: PageMeta,
    pub switch: Switch,
    pub brand: BrandView,
    pub organiser: OrganiserView,
    /// Whether links open outside the page (the embedded form's frame).
    pub framed: bool,
}

impl Layout {
    /// A page at `url` (absolute, or a path), whose language link keeps its path.
    pub fn new(lang: Lang, title: &str, description: &str, url: &str) -> Self {
        Self {
            lang,
            page: PageMeta::new(lang, title, description, url),
            switch: Switch::new(lang, url_path(url), None),
            brand: BrandView::default(),
            organiser: OrganiserView::default(),
            framed: false,
        }
    }

    /// A page reached by a link with a secret in it: no address of its own to share, so its
    /// language link changes only the query.
    pub fn for_link(lang: Lang, title: &str) -> Self {
        let mut layout = Self::new(lang, title, "", "");
        layout.page.noindex = true;
        layout
    }

    pub fn with_organiser(mut self, identity: &Identity, brand: &Brand, slug: &str) -> Self {
        self.organiser = OrganiserView::from(identity);
        self.brand = BrandView::of(identity, brand, slug, false);
        self
    }
}

/// The path of one of our addresses (`/c/scrapsi445` of `https://…/c/scrapsi445`).
pub fn url_path(url: &str) -> &str {
    match url.find("://") {
        Some(i) => url[i + 3..].find('/').map_or("/", |j| &url[i + 3 + j..]),
        None => url,
    }
}

/// What links between our pages add to keep a visitor in Welsh (English needs nothing).
pub fn lang_query(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "",
        Lang::Cy => "?lang=cy",
    }
}

/// A page rendered, or the error that a template failed (a bug: logged, answered 500).
pub fn render(
    templates: &Templates,
    name: &str,
    context: &impl Serialize,
) -> Result<String, ApiError> {
    templates.render(name, context).map_err(ApiError::internal)
}

/// The headers every page has: its type, policy, caching, and what it varies by (the
/// language follows Accept-Language where the address does not say it).
fn page_headers(
    status: StatusCode,
    policy: header::HeaderValue,
    referrer: &'static str,
    cache: &'static str,
    vary: &'static str,
) -> actix_web::HttpResponseBuilder {
    let mut response = HttpResponse::build(status);
    response
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, policy))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, referrer))
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::VARY, vary));
    response
}

/// A page built for this request.
pub fn html_response(
    status: StatusCode,
    policy: &str,
    referrer: &'static str,
    cache: &'static str,
    html: String,
) -> HttpResponse {
    // A policy is built from our own constants and parsed origins, so always a header's text;
    // were it not, the strictest policy stands in.
    let policy = header::HeaderValue::from_str(policy)
        .unwrap_or_else(|_| header::HeaderValue::from_static("default-src 'none'"));
    page_headers(status, policy, referrer, cache, "Accept-Language").body(html)
}

/// Whether a request's `Accept-Encoding` takes gzip (by name or `*`, with a weight above 0).
fn takes_gzip(req: &HttpRequest) -> bool {
    let Some(accepted) = req
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    accepted.split(',').any(|coding| {
        let mut parts = coding.split(';');
        let name = parts.next().unwrap_or("").trim();
        let weight = parts
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        (name.eq_ignore_ascii_case("gzip") || name == "*") && weight > 0.0
    })
}

/// A page kept in memory, gzipped for a reader that takes gzip: no copy, no compression.
pub fn built_page_response(
    req: &HttpRequest,
    status: StatusCode,
    cache: &'static str,
    page: &BuiltPage,
) -> HttpResponse {
    let mut response = page_headers(
        status,
        page.policy.clone(),
        REFER_ORIGIN,
        cache,
        "Accept-Language, Accept-Encoding",
    );
    if takes_gzip(req) {
        response
            .insert_header((header::CONTENT_ENCODING, "gzip"))
            .body(page.gzip.clone())
    } else {
        response.body(page.html.clone())
    }
}

/// The campaign a page is for, from memory: `None` for an unknown slug or a draft.
pub async fn page_campaign(
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

/// Some of a signatory's words, joined by commas.
pub fn joined(parts: &[Option<&str>]) -> String {
    parts
        .iter()
        .flatten()
        .copied()
        .collect::<Vec<_>>()
        .join(", ")
}

/// The address of a campaign's page, as shared.
pub fn page_url(state: &AppState, slug: &str) -> String {
    state.page_url(slug)
}

/// What a preview link leads to.
pub enum Previewed {
    /// A draft, as the public will see it.
    Draft(Box<Campaign>),
    /// It has opened (or closed) since: the public page is the thing to see.
    Public(Slug),
    /// No such campaign, or not its link.
    Missing,
}

/// The campaign a preview link names, if the link is its own.
pub async fn previewed(state: &AppState, slug: &str, token: &str) -> Result<Previewed, ApiError> {
    let Ok(slug) = Slug::parse(slug) else {
        return Ok(Previewed::Missing);
    };
    let Some(campaign) = state.store.campaign(&slug).await? else {
        return Ok(Previewed::Missing);
    };
    if !state.previews.is_valid(campaign.id, token) {
        return Ok(Previewed::Missing);
    }
    Ok(
        if campaign.status_at(crate::store::now()) == crate::domain::CampaignStatus::Draft {
            Previewed::Draft(Box::new(campaign))
        } else {
            Previewed::Public(slug)
        },
    )
}

/// Every preview answer: never cached, never indexed.
pub fn private_preview(mut response: HttpResponse) -> HttpResponse {
    let headers = response.headers_mut();
    headers.insert(
        header::HeaderName::from_static("x-robots-tag"),
        header::HeaderValue::from_static("noindex, nofollow"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static(PRIVATE),
    );
    response
}

/// Where a preview link goes once its campaign is no longer a draft: what the public sees.
pub fn to_public(location: String) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}
