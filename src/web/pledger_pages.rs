//! What a pledger shows the world: its verification page, `/c/{slug}/pledgers/{id}`, and the
//! badge for its own website that links there. Both read the pledge as it stands now, so a
//! badge never outlives the commitment: once the pledge is withdrawn, rejected, erased or
//! lapsed the page answers 410 and says so, and the badge reads "not verified". And the page a
//! renewal reminder's link opens, whose button renews the pledge.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use uuid::Uuid;

use super::message::{About, link_page};
use super::message::{Back, Button, Paragraph, missing_page};
use super::{Layout, PAGES_POLICY, REFER_ORIGIN, html_response, render};
use super::{joined, page_campaign};
use crate::accounts::organiser_of;
use crate::domain::{Campaign, CampaignKind, Lang, SignatoryType};
use crate::error::ApiError;
use crate::i18n::{self, text, text_with};
use crate::pledges::{Renewal, Standing, standing};
use crate::state::AppState;
use crate::store::SignatureRecord;
use crate::templates::BadgeSnippet;

/// Verification is read by people and robots checking a badge: fresh within a minute.
const VERIFICATION_CACHE: &str = "public, max-age=60";

/// Where a pledge campaign's verification pages are: a pledger's is this and its id.
pub fn pledgers_url(state: &AppState, slug: &str) -> String {
    format!("{}/pledgers/", super::page_url(state, slug))
}

/// The address of a pledger's verification page.
fn verify_url(state: &AppState, slug: &str, pledger: Uuid) -> String {
    format!("{}{pledger}", pledgers_url(state, slug))
}

/// Who took the pledge, as published: the organisation for one, else the person's name.
fn pledger_name(record: &SignatureRecord) -> Option<&str> {
    match record.signatory_type {
        SignatoryType::Organisation => record.organisation.as_deref(),
        SignatoryType::Individual => record.name.as_deref(),
    }
}

/// The pledge campaign and the pledger's record, if both exist and are public.
async fn pledger(
    state: &AppState,
    slug: &str,
    pledger: &str,
) -> Result<Option<(std::sync::Arc<Campaign>, SignatureRecord)>, ApiError> {
    let Some((campaign, _)) = page_campaign(state, slug).await? else {
        return Ok(None);
    };
    let Ok(id) = Uuid::parse_str(pledger) else {
        return Ok(None);
    };
    if campaign.kind != CampaignKind::Pledge {
        return Ok(None);
    }
    let record = state.store.signature(campaign.id, id).await?;
    Ok(record.map(|record| (campaign, record)))
}

fn no_pledge(state: &AppState, lang: Lang) -> Result<HttpResponse, ApiError> {
    missing_page(
        state,
        StatusCode::NOT_FOUND,
        lang,
        &text(lang, "pledge-none-title"),
        &text(lang, "pledge-none"),
        Back {
            href: "/".to_owned(),
            text: text(lang, "pledge-see-campaigns"),
        },
    )
}

/// A pledge that holds, as its page shows it.
#[derive(Serialize)]
struct Held {
    verified: String,
    notes: Vec<String>,
    by: String,
    website: Option<String>,
    body_html: String,
    body_lang: Option<Lang>,
    badge: String,
    /// The snippet a pledger pastes into its own site: the badge, linking to this page.
    snippet: String,
}

/// `templates/pages/pledger.html`.
#[derive(Serialize)]
struct PledgerPage {
    #[serde(flatten)]
    layout: Layout,
    heading: String,
    slug: String,
    title: String,
    ended: Option<String>,
    held: Option<Held>,
}

/// `GET /c/{slug}/pledgers/{pledger}`: whether this pledge holds.
pub async fn verification_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let Some((campaign, record)) = pledger(&state, &slug, &id).await? else {
        return no_pledge(&state, i18n::page_lang(&req, Lang::En));
    };
    let lang = i18n::page_lang(&req, campaign.signers.lang);
    let words = campaign.words(lang);
    let title = words.title.text;
    let url = verify_url(&state, campaign.slug.as_str(), record.id);
    let day = |at| i18n::day(lang, at);
    let (status, heading, ended, held) = match standing(&record, &campaign) {
        Standing::Unverified => return no_pledge(&state, lang),
        Standing::Ended(ending) => {
            let who = match pledger_name(&record) {
                Some(name) => text_with(lang, "pledge-whose", &[("name", name.into())]),
                None => text(lang, "pledge-this"),
            };
            let ended = text_with(
                lang,
                "pledge-ended",
                &[
                    ("who", who.into()),
                    ("title", title.into()),
                    ("ending", ending.said(lang).into()),
                ],
            );
            (
                StatusCode::GONE,
                text(lang, "pledge-ended-title"),
                Some(ended),
                None,
            )
        }
        Standing::Held { taken, lapses } => {
            let a_pledger = text(lang, "pledge-a-pledger");
            let name = pledger_name(&record).unwrap_or(&a_pledger);
            let heading = text_with(
                lang,
                "pledge-took",
                &[("name", name.into()), ("title", title.into())],
            );
            let mut notes = Vec::new();
            if let Some(renewed) = record.renewed_at {
                notes.push(text_with(
                    lang,
                    "pledge-renewed-on",
                    &[("date", day(renewed).into())],
                ));
            }
            if let Some(lapses) = lapses {
                notes.push(text_with(
                    lang,
                    "pledge-holds-until",
                    &[("date", day(lapses).into())],
                ));
            }
            let snippet = render(
                &state.templates,
                "snippets/badge.html",
                &BadgeSnippet {
                    lang,
                    url: &url,
                    name,
                    title,
                },
            )?;
            let held = Held {
                verified: text_with(
                    lang,
                    "pledge-verified",
                    &[
                        ("name", name.into()),
                        ("title", title.into()),
                        ("date", day(taken).into()),
                    ],
                ),
                notes,
                by: joined(&[
                    (record.signatory_type == SignatoryType::Organisation)
                        .then_some(record.name.as_deref())
                        .flatten(),
                    record.role.as_deref(),
                ]),
                website: record.website.clone(),
                body_html: crate::markdown::to_safe_html(words.body.text),
                body_lang: (words.body.lang != lang).then_some(words.body.lang),
                badge: format!(
                    "{url}/badge.svg{}",
                    if lang == Lang::Cy { "?lang=cy" } else { "" }
                ),
                snippet: snippet.trim_end().to_owned(),
            };
            (StatusCode::OK, heading, None, Some(held))
        }
    };
    // In the look of the organisation that runs the pledge.
    let organiser = organiser_of(state.store.as_ref(), &campaign, None).await?;
    let brand = campaign.look();
    let page = PledgerPage {
        layout: Layout::new(lang, &heading, words.summary.text, &url).with_organiser(
            &organiser,
            &brand,
            campaign.slug.as_str(),
        ),
        heading,
        slug: campaign.slug.as_str().to_owned(),
        title: title.to_owned(),
        ended,
        held,
    };
    let html = render(&state.templates, "pages/pledger.html", &page)?;
    Ok(html_response(
        status,
        PAGES_POLICY,
        REFER_ORIGIN,
        VERIFICATION_CACHE,
        html,
    ))
}

/// `templates/images/pledge_badge.svg`.
#[derive(Serialize)]
struct PledgeBadge {
    title: String,
    state: String,
    fill: &'static str,
    left: usize,
    right: usize,
}

/// `GET /c/{slug}/pledgers/{pledger}/badge.svg`: "verified" while the pledge holds, "not
/// verified" otherwise (an image is shown whatever the status, so both are 200).
pub async fn badge(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let found = pledger(&state, &slug, &id).await?;
    // The snippet a Welsh page gives asks for `?lang=cy`.
    let lang = i18n::page_lang(
        &req,
        found.as_ref().map_or(Lang::En, |(c, _)| c.signers.lang),
    );
    let verified = found
        .as_ref()
        .is_some_and(|(c, r)| matches!(standing(r, c), Standing::Held { .. }));
    let pledge = text(lang, "badge-pledge");
    let title = found.as_ref().map_or(pledge.as_str(), |(campaign, _)| {
        campaign.words(lang).title.text
    });
    let title: String = title.chars().take(40).collect();
    let (said, fill) = if verified {
        (text(lang, "badge-verified"), "#1b6b3a")
    } else {
        (text(lang, "badge-not-verified"), "#6b6b6b")
    };
    // About 7.5 px per character at 13 px: each half grows with its words.
    let badge = PledgeBadge {
        left: 20 + title.chars().count() * 15 / 2,
        right: 20 + said.chars().count() * 15 / 2,
        title,
        state: said,
        fill,
    };
    let svg = render(&state.templates, "images/pledge_badge.svg", &badge)?;
    Ok(HttpResponse::build(if found.is_some() {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    })
    .content_type("image/svg+xml")
    .insert_header((header::CACHE_CONTROL, VERIFICATION_CACHE))
    .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
    .insert_header((header::CONTENT_SECURITY_POLICY, "default-src 'none'"))
    .body(svg))
}

/// `GET /c/{slug}/pledgers/{pledger}/renew/{token}`: a button that renews; following the link
/// changes nothing, so a mail scanner cannot renew a pledge.
pub async fn renew_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id, token) = path.into_inner();
    let Some((campaign, record)) = pledger(&state, &slug, &id).await? else {
        return Ok(renewal_answer(
            &state,
            i18n::page_lang(&req, Lang::En),
            Renewal::LinkNotValid,
            None,
            None,
        ));
    };
    let lang = i18n::page_lang(&req, campaign.signers.lang);
    let about = About::campaign(
        &state,
        lang,
        &campaign,
        format!("/c/{}{}", campaign.slug, super::lang_query(lang)),
    )
    .await;
    match state.pledges.check_renewal(&record, &campaign, &token) {
        Renewal::Renewed => Ok(link_page(
            &state,
            StatusCode::OK,
            lang,
            &text(lang, "renew-title"),
            vec![Paragraph::with_title(
                lang,
                "renew-text",
                campaign.words(lang).title.text,
            )],
            Some(Button {
                action: None,
                label: text(lang, "renew-button"),
                hidden: Vec::new(),
            }),
            Some(&about),
        )),
        other => Ok(renewal_answer(&state, lang, other, None, Some(&about))),
    }
}

/// `POST /c/{slug}/pledgers/{pledger}/renew/{token}`: renews the pledge for another term.
pub async fn renew_submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id, token) = path.into_inner();
    let Some((campaign, record)) = pledger(&state, &slug, &id).await? else {
        return Ok(renewal_answer(
            &state,
            i18n::page_lang(&req, Lang::En),
            Renewal::LinkNotValid,
            None,
            None,
        ));
    };
    let lang = i18n::page_lang(&req, campaign.signers.lang);
    let renewal = state
        .pledges
        .renew(state.store.as_ref(), &record, &campaign, &token)
        .await?;
    let until = campaign
        .renew_after_months
        .map(|months| i18n::day(lang, months.lapses_at(state.pledges.now())));
    let about = About::campaign(
        &state,
        lang,
        &campaign,
        format!("/c/{}{}", campaign.slug, super::lang_query(lang)),
    )
    .await;
    Ok(renewal_answer(&state, lang, renewal, until, Some(&about)))
}

fn renewal_answer(
    state: &AppState,
    lang: Lang,
    renewal: Renewal,
    until: Option<String>,
    about: Option<&About>,
) -> HttpResponse {
    let (status, heading, said) = match renewal {
        Renewal::Renewed => (
            StatusCode::OK,
            "renewed-title",
            match until {
                Some(date) => text_with(lang, "renewed-until", &[("date", date.into())]),
                None => text(lang, "renewed"),
            },
        ),
        Renewal::LinkNotValid => (
            StatusCode::NOT_FOUND,
            "link-unknown-title",
            text(lang, "renew-unknown"),
        ),
        Renewal::NotHeld => (
            StatusCode::GONE,
            "pledge-ended-title",
            text(lang, "renew-not-held"),
        ),
    };
    link_page(
        state,
        status,
        lang,
        &text(lang, heading),
        vec![Paragraph::plain(said)],
        None,
        about,
    )
}
