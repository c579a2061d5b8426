//! The pages people share: `/` (the open campaigns), `/closed`, and each campaign's own page,
//! `/c/{slug}`, which anyone can read and sign with no script (the same form, rules and
//! consents as the embedded one), with ways to share it that load nothing from elsewhere and a
//! QR code for posters. Pages are built once and served from memory (see `PageCache`).

use std::sync::Arc;
use std::time::Instant;

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;
use uuid::Uuid;

use super::form::{CountLine, FormState, FormView, Submission, content_security_policy, take_form};
use super::message::{Back, missing_page};
use super::{
    Layout, PAGES_POLICY, PRIVATE, Part, PreviewImage, Previewed, REFER_ORIGIN, SHARED, Switch,
    built_page_response, html_response, joined, page_campaign, previewed, private_preview, render,
    to_public,
};
use crate::accounts::organiser_of;
use crate::counts::{CountView, YoungFigure};
use crate::domain::{Brand, Campaign, CampaignKind, CampaignStatus, Identity, Lang, SignatoryType};
use crate::error::ApiError;
use crate::i18n;
use crate::page_cache::{BuiltPage, PAGE_LIFETIME};
use crate::state::AppState;
use crate::store::{self, PublicSignatory};
use crate::templates::with_separators;

/// How many of a letter's signatories its page lists; the rest are in the letter itself.
const LISTED: u32 = 500;

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

#[derive(Serialize)]
pub struct ShareLinks {
    url: String,
    qr: String,
    links: Vec<ShareLink>,
}

#[derive(Serialize)]
struct ShareLink {
    name: String,
    href: String,
}

/// Plain links to share the page: no third party's script, pixel or font is loaded.
pub fn share_links(lang: Lang, url: &str, title: &str) -> ShareLinks {
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
    ShareLinks {
        url: url.to_owned(),
        qr: format!("{}/qr", url.trim_end_matches('/')),
        links: links
            .into_iter()
            .map(|(name, href)| ShareLink { name, href })
            .collect(),
    }
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

/// A signatory as a campaign's page lists it: a letter's as "Name, Role, Organisation"; a
/// pledger by its organisation (or name), with who took it and its website.
#[derive(Serialize)]
struct ListedSignatory {
    id: Uuid,
    title: String,
    by: String,
    website: Option<String>,
}

#[derive(Serialize)]
struct SignatoryGroup {
    heading: &'static str,
    items: Vec<ListedSignatory>,
}

#[derive(Serialize)]
struct SignatoryList {
    id: &'static str,
    heading: &'static str,
    groups: Vec<SignatoryGroup>,
}

fn listed(kind: CampaignKind, s: &PublicSignatory) -> ListedSignatory {
    let organisation = s.signatory_type == SignatoryType::Organisation;
    match kind {
        CampaignKind::Pledge => ListedSignatory {
            id: s.id,
            title: s
                .organisation
                .as_deref()
                .filter(|_| organisation)
                .unwrap_or(&s.name)
                .to_owned(),
            by: joined(&[
                organisation.then_some(s.name.as_str()),
                s.role.as_deref(),
                s.organisation.as_deref().filter(|_| !organisation),
            ]),
            website: s.website.clone(),
        },
        _ => ListedSignatory {
            id: s.id,
            title: joined(&[Some(&s.name), s.role.as_deref(), s.organisation.as_deref()]),
            by: String::new(),
            website: None,
        },
    }
}

/// Signatories, organisations first; nothing where there are none.
fn signatory_list(kind: CampaignKind, signatories: &[PublicSignatory]) -> Option<SignatoryList> {
    let (id, heading) = match kind {
        CampaignKind::Letter => ("signed-by", "page-signed-by"),
        CampaignKind::Pledge => ("taken-by", "page-taken-by"),
        CampaignKind::Petition => return None,
    };
    // No heading over nothing: the section appears with its first listed signatory.
    if signatories.is_empty() {
        return None;
    }
    let (organisations, individuals): (Vec<_>, Vec<_>) = signatories
        .iter()
        .partition(|s| s.signatory_type == SignatoryType::Organisation);
    let groups = [
        ("page-organisations-heading", organisations),
        ("page-individuals-heading", individuals),
    ]
    .into_iter()
    .filter(|(_, list)| !list.is_empty())
    .map(|(heading, list)| SignatoryGroup {
        heading,
        items: list.into_iter().map(|s| listed(kind, s)).collect(),
    })
    .collect();
    Some(SignatoryList {
        id,
        heading,
        groups,
    })
}

#[derive(Serialize)]
struct HandinLine {
    date: String,
    total: u64,
    manifest_sha256: String,
}

#[derive(Serialize)]
struct OutcomeSection {
    subject: String,
    date: String,
    /// The organiser's Markdown, rendered and sanitised.
    body_html: String,
}

#[derive(Serialize)]
struct Closed {
    date: String,
    count: u64,
}

#[derive(Serialize)]
struct Target {
    max: u64,
    value: u64,
    percent: u64,
}

#[derive(Serialize)]
struct CampaignParts {
    slug: String,
    kind: CampaignKind,
    title: Part,
    summary: Part,
    body: Part,
    /// The text as Markdown rendered and sanitised.
    body_html: String,
    recipient: Option<Part>,
}

/// `templates/pages/campaign.html`.
#[derive(Serialize)]
struct CampaignPage {
    #[serde(flatten)]
    layout: Layout,
    campaign: CampaignParts,
    closed: Option<Closed>,
    outcome: Option<OutcomeSection>,
    handins: Vec<HandinLine>,
    count: CountLine,
    headlines: Vec<String>,
    target: Option<Target>,
    form: FormView,
    signatories: Option<SignatoryList>,
    /// Why people signed: approved reasons, featured first.
    reasons: Vec<crate::reasons::PublicReason>,
    share: ShareLinks,
    /// On a draft's private preview: where its form and link picture are previewed.
    preview: Option<PreviewLinks>,
    /// Once its text has changed after signing: when, and the earlier versions.
    text_history: Option<TextHistory>,
    /// Where people have signed, once a postcode has placed someone.
    map: Option<super::map::MapView>,
}

/// "Last changed on …", with a link to each earlier version of the text.
#[derive(Serialize)]
struct TextHistory {
    changed: String,
    earlier: Vec<EarlierLink>,
}

#[derive(Serialize)]
struct EarlierLink {
    href: String,
    label: String,
}

/// The address of an earlier version of `slug`'s text, in `lang`.
fn version_path(slug: &str, version: u32, lang: Lang) -> String {
    format!("/c/{slug}/versions/{version}{}", super::lang_query(lang))
}

/// The banner of a draft's preview, with links to preview the rest of what the public sees.
#[derive(Serialize)]
pub struct PreviewLinks {
    pub form: String,
    pub card: String,
}

/// What a campaign's page shows besides the form, read once per build.
struct PageParts {
    url: String,
    organiser: Identity,
    brand: Brand,
    signatories: Vec<PublicSignatory>,
    handins: Vec<crate::store::HandinSummary>,
    outcome: Option<crate::store::PublishedOutcome>,
    /// The versions of its text that the current one replaced, oldest first.
    earlier_texts: Vec<crate::versions::Version>,
    /// Its count by constituency.
    areas: std::sync::Arc<crate::areas::AreaCounts>,
    /// Approved reasons for signing, featured first.
    reasons: Vec<crate::store::ReasonRecord>,
}

fn campaign_page_html(
    state: &AppState,
    campaign: &Campaign,
    view: &CountView,
    parts: &PageParts,
    lang: Lang,
    form: &FormState<'_>,
    preview: Option<(&str, PreviewLinks)>,
) -> Result<String, ApiError> {
    let c = campaign;
    let organiser = &parts.organiser;
    let words = c.words(lang);
    let now = store::now();
    let mut layout = Layout::new(lang, words.title.text, words.summary.text, &parts.url)
        .with_organiser(organiser, &parts.brand, c.slug.as_str());
    layout.page.scripts = true;
    if let Some((path, _)) = &preview {
        // Private: not indexed, and its language link stays on the preview.
        layout.page.noindex = true;
        layout.switch = Switch::new(lang, path, None);
    }
    layout.page.image = Some(PreviewImage {
        url: format!("{}/preview.png", parts.url),
        width: super::preview::WIDTH,
        height: super::preview::HEIGHT,
        alt: t_with(
            lang,
            "page-preview-alt",
            &[("title", words.title.text.into())],
        ),
    });
    let mut headlines = Vec::new();
    match c.kind {
        CampaignKind::Letter => headlines.push(headline(lang, "page-letter-headline", view)),
        CampaignKind::Pledge => headlines.push(headline(lang, "page-pledge-headline", view)),
        CampaignKind::Petition => {}
    }
    // "2,140 children and young people signed", where they are welcome.
    // Below ten, only "fewer than 10": a small campaign does not tell how many children signed.
    match view
        .young_signers
        .map(|young| (young, YoungFigure::of(young)))
    {
        Some((_, YoungFigure::Exactly(young))) => {
            headlines.push(counted(lang, "count-young-line", young))
        }
        Some((1.., YoungFigure::FewerThanTen(_))) => {
            headlines.push(i18n::text(lang, "count-young-few"))
        }
        _ => {}
    }
    // "Including 312 signed on paper": the count is not only what was signed here.
    if view.paper > 0 {
        headlines.push(counted(lang, "count-paper-line", view.paper));
    }
    let page = CampaignPage {
        layout,
        campaign: CampaignParts {
            slug: c.slug.as_str().to_owned(),
            kind: c.kind,
            title: Part::of(lang, words.title),
            summary: Part::of(lang, words.summary),
            body: Part::of(lang, words.body),
            body_html: crate::markdown::to_safe_html(words.body.text),
            recipient: words.recipient.map(|r| Part::of(lang, r)),
        },
        closed: match (c.status_at(now), c.closed_since(now)) {
            (CampaignStatus::Closed, Some(at)) => Some(Closed {
                date: i18n::day(lang, at),
                count: view.total,
            }),
            _ => None,
        },
        outcome: parts.outcome.as_ref().map(|o| OutcomeSection {
            subject: o.subject.clone(),
            date: i18n::day(lang, o.created_at),
            body_html: crate::markdown::to_safe_html(&o.body),
        }),
        handins: parts
            .handins
            .iter()
            .map(|h| HandinLine {
                date: i18n::day(lang, h.created_at),
                total: h.total,
                manifest_sha256: h.manifest_sha256.clone(),
            })
            .collect(),
        count: CountLine::new(c, view.total, lang),
        headlines,
        target: c.target.map(|target| {
            let max = target.get();
            Target {
                max,
                value: view.total.min(max),
                percent: view.total.saturating_mul(100) / max.max(1),
            }
        }),
        form: FormView::new(c, organiser, lang, form),
        signatories: signatory_list(c.kind, &parts.signatories),
        reasons: parts
            .reasons
            .iter()
            .map(|r| {
                crate::reasons::PublicReason::of(r, &parts.url, &state.geography, lang == Lang::Cy)
            })
            .collect(),
        share: share_links(lang, &parts.url, words.title.text),
        preview: preview.map(|(_, links)| links),
        text_history: c.text_version.changed_at.map(|at| TextHistory {
            changed: t_with(
                lang,
                "page-text-changed",
                &[("date", i18n::day(lang, at).into())],
            ),
            earlier: parts
                .earlier_texts
                .iter()
                .map(|v| EarlierLink {
                    href: version_path(c.slug.as_str(), v.version, lang),
                    label: t_with(
                        lang,
                        "page-text-version",
                        &[
                            ("version", u64::from(v.version).into()),
                            ("count", v.signed.into()),
                            ("n", with_separators(v.signed).into()),
                        ],
                    ),
                })
                .collect(),
        }),
        map: super::map::map_view(&parts.areas, lang),
    };
    render(&state.templates, "pages/campaign.html", &page)
}

async fn page_parts(state: &AppState, campaign: &Campaign) -> Result<PageParts, ApiError> {
    let signatories = if campaign.kind.lists_signatories() {
        state
            .store
            .public_signatories(campaign.id, true, 0, LISTED)
            .await?
    } else {
        Vec::new()
    };
    Ok(PageParts {
        url: super::page_url(state, campaign.slug.as_str()),
        organiser: organiser_of(state.store.as_ref(), campaign, None).await?,
        brand: campaign.look(),
        signatories,
        // A rehearsal is its organisers' alone.
        handins: state
            .store
            .handins(campaign.id)
            .await?
            .into_iter()
            .filter(|h| !h.rehearsal)
            .collect(),
        outcome: state.store.latest_outcome(campaign.id).await?,
        earlier_texts: if campaign.text_version.number > 1 {
            let mut versions = crate::versions::versions_of(state.store.as_ref(), campaign).await?;
            versions.retain(|v| !v.current);
            versions
        } else {
            Vec::new()
        },
        areas: state
            .area_counts
            .counts(
                state.store.as_ref(),
                &state.geography,
                campaign.id,
                crate::areas::AreaSet::Constituencies,
            )
            .await?,
        reasons: state
            .store
            .reasons(campaign.id, None, true, crate::reasons::SHOWN_ON_PAGE)
            .await?,
    })
}

/// `templates/pages/version.html`.
#[derive(Serialize)]
struct VersionPage {
    #[serde(flatten)]
    layout: Layout,
    notice: String,
    current: Back,
    title: String,
    summary: String,
    recipient: Option<String>,
    body_html: String,
    /// The text's language, where the page is in the other one.
    text_lang: Option<Lang>,
}

/// `GET /c/{slug}/versions/{version}`: an earlier version of a campaign's text, as some of
/// its signers were given it.
pub async fn earlier_version(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, version) = path.into_inner();
    let Some((campaign, _)) = page_campaign(&state, &slug).await? else {
        return page_not_found(&state, i18n::page_lang(&req, Lang::En));
    };
    let lang = i18n::page_lang(&req, campaign.signers.lang);
    let versions = crate::versions::versions_of(state.store.as_ref(), &campaign).await?;
    let Some(earlier) = version
        .parse::<u32>()
        .ok()
        .and_then(|n| versions.into_iter().find(|v| v.version == n && !v.current))
    else {
        return page_not_found(&state, lang);
    };
    let until = earlier.until.unwrap_or(earlier.from);
    let title = t_with(
        lang,
        "page-version-title",
        &[
            ("title", earlier.title.clone().into()),
            ("version", u64::from(earlier.version).into()),
        ],
    );
    let url = super::page_url(&state, campaign.slug.as_str());
    let organiser = organiser_of(state.store.as_ref(), &campaign, None).await?;
    let page = VersionPage {
        layout: Layout::new(lang, &title, &earlier.summary, &url).with_organiser(
            &organiser,
            &campaign.look(),
            campaign.slug.as_str(),
        ),
        notice: t_with(
            lang,
            "page-version-notice",
            &[
                ("version", u64::from(earlier.version).into()),
                ("from", i18n::day(lang, earlier.from).into()),
                ("until", i18n::day(lang, until).into()),
                ("count", earlier.signed.into()),
                ("n", with_separators(earlier.signed).into()),
            ],
        ),
        current: Back {
            href: format!("/c/{}{}", campaign.slug, super::lang_query(lang)),
            text: t(lang, "page-version-current"),
        },
        body_html: crate::markdown::to_safe_html(&earlier.body),
        title: earlier.title,
        summary: earlier.summary,
        recipient: earlier.recipient,
        text_lang: (lang != campaign.signers.lang).then_some(campaign.signers.lang),
    };
    let html = render(&state.templates, "pages/version.html", &page)?;
    Ok(html_response(
        StatusCode::OK,
        PAGES_POLICY,
        REFER_ORIGIN,
        SHARED,
        html,
    ))
}

fn page_not_found(state: &AppState, lang: Lang) -> Result<HttpResponse, ApiError> {
    missing_page(
        state,
        StatusCode::NOT_FOUND,
        lang,
        &t(lang, "page-not-found-title"),
        &t(lang, "page-not-found"),
        Back {
            href: format!("/{}", super::lang_query(lang)),
            text: t(lang, "page-see-open"),
        },
    )
}

/// `GET /c/{slug}`: the campaign's page.
pub async fn campaign_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let Some((campaign, view)) = page_campaign(&state, &slug).await? else {
        return page_not_found(&state, i18n::page_lang(&req, Lang::En));
    };
    let lang = i18n::page_lang(&req, campaign.signers.lang);
    let page = match state.pages.pages.get(&campaign, &view, lang) {
        Some(page) => page,
        None => {
            let parts = page_parts(&state, &campaign).await?;
            // Kept with the page for a few seconds: an older stamp only lets a form through.
            let form = FormState::new(
                format!("/c/{}", campaign.slug),
                None,
                state.signing.form_stamp(None),
            );
            let html = campaign_page_html(&state, &campaign, &view, &parts, lang, &form, None)?;
            let page = BuiltPage::new(html, &content_security_policy(&campaign))
                .map_err(ApiError::internal)?;
            state
                .pages
                .pages
                .keep(&campaign, &view, lang, Arc::new(page))
        }
    };
    Ok(built_page_response(&req, StatusCode::OK, SHARED, &page))
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
        return page_not_found(&state, i18n::page_lang(&req, Lang::En));
    };
    let submitted: Submission = take_form(&req, &state, &campaign, payload).await?;
    let parts = page_parts(&state, &campaign).await?;
    let form = FormState::posted(format!("/c/{}", campaign.slug), &submitted);
    let html = campaign_page_html(
        &state,
        &campaign,
        &view,
        &parts,
        submitted.lang,
        &form,
        None,
    )?;
    let response = html_response(
        submitted.status,
        &content_security_policy(&campaign),
        REFER_ORIGIN,
        PRIVATE,
        html,
    );
    Ok(submitted.finish(response))
}

#[derive(Serialize)]
struct IndexEntry {
    slug: String,
    title: Part,
    summary: Part,
    total: u64,
    noun: &'static str,
}

#[derive(Serialize)]
struct OtherIndex {
    path: &'static str,
    heading: &'static str,
}

/// `templates/pages/index.html`.
#[derive(Serialize)]
struct IndexPage {
    #[serde(flatten)]
    layout: Layout,
    heading: &'static str,
    campaigns: Vec<IndexEntry>,
    empty: &'static str,
    other: OtherIndex,
}

async fn index_page(
    state: &AppState,
    closed: bool,
    lang: Lang,
) -> Result<Arc<BuiltPage>, ApiError> {
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
    let shown = if closed {
        CampaignStatus::Closed
    } else {
        CampaignStatus::Open
    };
    let mut campaigns = Vec::new();
    // Newest first; drafts are never shown.
    for campaign in state.store.all_campaigns().await? {
        if campaign.status_at(now) != shown {
            continue;
        }
        let total = state.live.view(&campaign.slug).await?.total;
        let words = campaign.words(lang);
        campaigns.push(IndexEntry {
            slug: campaign.slug.as_str().to_owned(),
            title: Part::of(lang, words.title),
            summary: Part::of(lang, words.summary),
            total,
            noun: match campaign.kind {
                CampaignKind::Petition => "index-count-petition",
                CampaignKind::Letter => "index-count-letter",
                CampaignKind::Pledge => "index-count-pledge",
            },
        });
    }
    let (heading, other, empty) = if closed {
        (
            "index-closed",
            OtherIndex {
                path: "/",
                heading: "index-open",
            },
            "index-none-closed",
        )
    } else {
        (
            "index-open",
            OtherIndex {
                path: "/closed",
                heading: "index-closed",
            },
            "index-none-open",
        )
    };
    let url = format!(
        "{}{}",
        state.public_url.as_str().trim_end_matches('/'),
        if closed { "/closed" } else { "/" }
    );
    let page = IndexPage {
        layout: Layout::new(lang, &t(lang, heading), &t(lang, "index-description"), &url),
        heading,
        campaigns,
        empty,
        other,
    };
    let html = render(&state.templates, "pages/index.html", &page)?;
    let html = Arc::new(BuiltPage::new(html, PAGES_POLICY).map_err(ApiError::internal)?);
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
    let page = index_page(&state, false, i18n::page_lang(&req, Lang::En)).await?;
    Ok(built_page_response(&req, StatusCode::OK, SHARED, &page))
}

/// `GET /closed`: the closed campaigns.
pub async fn closed_index(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let page = index_page(&state, true, i18n::page_lang(&req, Lang::En)).await?;
    Ok(built_page_response(&req, StatusCode::OK, SHARED, &page))
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
            let png = link_picture(&state, &campaign, &view).await?;
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

/// The picture a shared link to the campaign's page shows, drawn as PNG.
async fn link_picture(
    state: &AppState,
    campaign: &Campaign,
    view: &CountView,
) -> Result<Vec<u8>, ApiError> {
    let host = state.public_url.host_str().unwrap_or("").to_owned();
    let address = format!("{host}/c/{}", campaign.slug);
    let brand = campaign.look();
    let logo = super::preview::logo_of(state, &brand).await?;
    let svg = super::preview::svg(&state.templates, campaign, view, &address, &brand, logo)?;
    // Drawing takes tens of milliseconds of CPU: off the async executor.
    tokio::task::spawn_blocking(move || super::preview::render_png(&svg))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| ApiError::internal(anyhow::anyhow!(e)))
}

/// The QR code of a campaign page's address.
fn qr_of(state: &AppState, campaign: &Campaign) -> Result<qrcode::QrCode, ApiError> {
    qrcode::QrCode::new(super::page_url(state, campaign.slug.as_str())).map_err(ApiError::internal)
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

/// `GET /c/{slug}/preview/{token}`: a draft's page as the public will see it, marked
/// "Preview — not yet open", with links to preview its form and its link picture.
pub async fn draft_preview(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, token) = path.into_inner();
    let campaign = match previewed(&state, &slug, &token).await? {
        Previewed::Draft(campaign) => campaign,
        Previewed::Public(slug) => return Ok(to_public(format!("/c/{slug}"))),
        Previewed::Missing => {
            return Ok(private_preview(page_not_found(
                &state,
                i18n::page_lang(&req, Lang::En),
            )?));
        }
    };
    let lang = i18n::page_lang(&req, campaign.signers.lang);
    let view = crate::counts::CountView::nothing_yet(&campaign);
    let parts = page_parts(&state, &campaign).await?;
    let form = FormState::new(
        format!("/c/{}", campaign.slug),
        None,
        state.signing.form_stamp(None),
    )
    .previewing();
    let here = format!("/c/{}/preview/{token}", campaign.slug);
    let links = PreviewLinks {
        form: format!("{here}/form{}", super::lang_query(lang)),
        card: format!("{here}/preview.png"),
    };
    let html = campaign_page_html(
        &state,
        &campaign,
        &view,
        &parts,
        lang,
        &form,
        Some((&here, links)),
    )?;
    Ok(private_preview(super::html_response(
        StatusCode::OK,
        &content_security_policy(&campaign),
        super::REFER_NOTHING,
        super::PRIVATE,
        html,
    )))
}

/// `GET /c/{slug}/preview/{token}/preview.png`: the picture a shared link will show.
pub async fn draft_preview_png(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, token) = path.into_inner();
    let campaign = match previewed(&state, &slug, &token).await? {
        Previewed::Draft(campaign) => campaign,
        Previewed::Public(slug) => return Ok(to_public(format!("/c/{slug}/preview.png"))),
        Previewed::Missing => return Err(ApiError::NotFound),
    };
    let view = crate::counts::CountView::nothing_yet(&campaign);
    let png = link_picture(&state, &campaign, &view).await?;
    Ok(private_preview(
        HttpResponse::Ok()
            .content_type("image/png")
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .body(png),
    ))
}
