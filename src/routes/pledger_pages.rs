//! What a pledger shows the world: its verification page, `/c/{slug}/pledgers/{id}`, and the
//! badge for its own website that links there. Both read the pledge as it stands now, so a
//! badge never outlives the commitment: once the pledge is withdrawn, rejected, erased or
//! lapsed the page answers 410 and says so, and the badge reads "not verified". And the page a
//! renewal reminder's link opens, whose button renews the pledge.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use uuid::Uuid;

use super::campaign_pages::{PAGES_POLICY, html_response, layout, page_campaign, page_url};
use super::pages::page;
use crate::domain::{Campaign, CampaignKind, Lang, SignatoryType};
use crate::error::ApiError;
use crate::i18n::{self, text, text_with};
use crate::mail::escape_html;
use crate::pledges::{Renewal, Standing, standing};
use crate::state::AppState;
use crate::store::SignatureRecord;

/// Verification is read by people and robots checking a badge: fresh within a minute.
const VERIFICATION_CACHE: &str = "public, max-age=60";

/// Where a pledge campaign's verification pages are: a pledger's is this and its id.
pub fn pledgers_url(state: &AppState, slug: &str) -> String {
    format!("{}/pledgers/", page_url(state, slug))
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

fn no_pledge(lang: Lang) -> HttpResponse {
    let title = text(lang, "pledge-none-title");
    let main = format!(
        "<h1>{}</h1><p>{}</p><p><a href=\"/\">{}</a></p>",
        escape_html(&title),
        escape_html(&text(lang, "pledge-none")),
        escape_html(&text(lang, "pledge-see-campaigns")),
    );
    html_response(
        StatusCode::NOT_FOUND,
        PAGES_POLICY,
        "no-store",
        layout(lang, &title, "", "/", None, &main, false),
    )
}

/// The snippet a pledger pastes into its own site: the badge, linking to this page.
fn badge_snippet(lang: Lang, url: &str, name: &str, title: &str) -> String {
    format!(
        "<a href=\"{url}\"><img src=\"{url}/badge.svg{query}\" height=\"40\" alt=\"{alt}\"></a>",
        url = escape_html(url),
        query = match lang {
            Lang::En => "",
            Lang::Cy => "?lang=cy",
        },
        alt = escape_html(&text_with(
            lang,
            "pledge-badge-alt",
            &[("name", name.into()), ("title", title.into())]
        )),
    )
}

/// `GET /c/{slug}/pledgers/{pledger}`: whether this pledge holds.
pub async fn verification_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let Some((campaign, record)) = pledger(&state, &slug, &id).await? else {
        return Ok(no_pledge(i18n::page_lang(&req, Lang::En)));
    };
    let lang = i18n::page_lang(&req, campaign.signers.lang);
    let words = campaign.words(lang);
    let title = words.title.text;
    let url = verify_url(&state, campaign.slug.as_str(), record.id);
    let campaign_link = format!(
        "<p><a href=\"/c/{}\">{}</a></p>",
        campaign.slug,
        escape_html(&text_with(lang, "pledge-about", &[("title", title.into())]))
    );
    let day = |at| i18n::day(lang, at);
    let (status, heading, main) = match standing(&record, &campaign) {
        Standing::Unverified => return Ok(no_pledge(lang)),
        Standing::Ended(ending) => {
            let who = match pledger_name(&record) {
                Some(name) => text_with(lang, "pledge-whose", &[("name", name.into())]),
                None => text(lang, "pledge-this"),
            };
            let heading = text(lang, "pledge-ended-title");
            let main = format!(
                "<h1>{}</h1><p class=\"ended\">{}</p>{campaign_link}",
                escape_html(&heading),
                escape_html(&text_with(
                    lang,
                    "pledge-ended",
                    &[
                        ("who", who.into()),
                        ("title", title.into()),
                        ("ending", ending.said(lang).into()),
                    ],
                )),
            );
            (StatusCode::GONE, heading, main)
        }
        Standing::Held { taken, lapses } => {
            let a_pledger = text(lang, "pledge-a-pledger");
            let name = pledger_name(&record).unwrap_or(&a_pledger);
            let heading = text_with(
                lang,
                "pledge-took",
                &[("name", name.into()), ("title", title.into())],
            );
            let mut said = format!(
                "<p class=\"verified\"><strong>{}</strong> {}",
                escape_html(&text(lang, "pledge-verified-label")),
                escape_html(&text_with(
                    lang,
                    "pledge-verified",
                    &[
                        ("name", name.into()),
                        ("title", title.into()),
                        ("date", day(taken).into()),
                    ],
                )),
            );
            if let Some(renewed) = record.renewed_at {
                said.push(' ');
                said.push_str(&escape_html(&text_with(
                    lang,
                    "pledge-renewed-on",
                    &[("date", day(renewed).into())],
                )));
            }
            if let Some(lapses) = lapses {
                said.push(' ');
                said.push_str(&escape_html(&text_with(
                    lang,
                    "pledge-holds-until",
                    &[("date", day(lapses).into())],
                )));
            }
            said.push_str("</p>");
            let by = super::campaign_pages::joined(&[
                (record.signatory_type == SignatoryType::Organisation)
                    .then_some(record.name.as_deref())
                    .flatten(),
                record.role.as_deref(),
            ]);
            // `by` is escaped already, and the message adds no markup.
            let by = if by.is_empty() {
                String::new()
            } else {
                format!(
                    "<p>{}</p>",
                    text_with(lang, "pledge-taken-by", &[("by", by.into())])
                )
            };
            let site = record
                .website
                .as_deref()
                .map(|w| {
                    format!(
                        "<p>{label} <a href=\"{w}\" rel=\"nofollow ugc noopener\">{w}</a></p>",
                        w = escape_html(w),
                        label = escape_html(&text(lang, "pledge-website")),
                    )
                })
                .unwrap_or_default();
            let snippet = badge_snippet(lang, &url, name, title);
            let main = format!(
                "<h1>{h}</h1>{said}{by}{site}<h2>{the_pledge}</h2><blockquote class=\"commitment\"{body_lang}>{body}</blockquote>\
                 <h2>{the_badge}</h2><p><img src=\"{badge}\" height=\"40\" alt=\"{alt}\"></p>\
                 <p><label for=\"badge-snippet\">{paste}</label></p>\
                 <textarea id=\"badge-snippet\" readonly rows=\"4\">{code}</textarea>{campaign_link}",
                h = escape_html(&heading),
                the_pledge = escape_html(&text(lang, "pledge-the-pledge")),
                the_badge = escape_html(&text(lang, "pledge-the-badge")),
                paste = escape_html(&text(lang, "pledge-snippet")),
                body = crate::markdown::to_safe_html(words.body.text),
                body_lang = super::embed::lang_of(lang, words.body),
                badge = escape_html(&format!(
                    "{url}/badge.svg{}",
                    if lang == Lang::Cy { "?lang=cy" } else { "" }
                )),
                alt = escape_html(&text_with(
                    lang,
                    "pledge-badge-image",
                    &[("title", title.into())]
                )),
                code = escape_html(&snippet),
            );
            (StatusCode::OK, heading, main)
        }
    };
    Ok(html_response(
        status,
        PAGES_POLICY,
        VERIFICATION_CACHE,
        layout(lang, &heading, words.summary.text, &url, None, &main, false),
    ))
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
    Ok(HttpResponse::build(if found.is_some() {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    })
    .content_type("image/svg+xml")
    .insert_header((header::CACHE_CONTROL, VERIFICATION_CACHE))
    .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
    .insert_header((header::CONTENT_SECURITY_POLICY, "default-src 'none'"))
    .body(badge_svg(lang, title, verified)))
}

fn badge_svg(lang: Lang, title: &str, verified: bool) -> String {
    let title: String = title.chars().take(40).collect();
    let (state, fill) = if verified {
        (text(lang, "badge-verified"), "#1b6b3a")
    } else {
        (text(lang, "badge-not-verified"), "#6b6b6b")
    };
    // About 7.5 px per character at 13 px: each half grows with its words.
    let left = 20 + title.chars().count() * 15 / 2;
    let right = 20 + state.chars().count() * 15 / 2;
    let width = left + right;
    let label = escape_html(&format!("{title}: {state}"));
    let state = escape_html(&state);
    let title = escape_html(&title);
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"28\" role=\"img\" \
         aria-label=\"{label}\"><title>{label}</title>\
         <rect width=\"{width}\" height=\"28\" rx=\"4\" fill=\"#1d3557\"/>\
         <rect x=\"{left}\" width=\"{right}\" height=\"28\" rx=\"4\" fill=\"{fill}\"/>\
         <g fill=\"#fff\" font-family=\"Verdana,DejaVu Sans,sans-serif\" font-size=\"13\" text-anchor=\"middle\">\
         <text x=\"{lx}\" y=\"18.5\">{title}</text><text x=\"{rx}\" y=\"18.5\">{state}</text></g></svg>",
        lx = left / 2,
        rx = left + right / 2,
    )
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
            i18n::page_lang(&req, Lang::En),
            Renewal::LinkNotValid,
            None,
        ));
    };
    let lang = i18n::page_lang(&req, campaign.signers.lang);
    match state.pledges.check_renewal(&record, &campaign, &token) {
        Renewal::Renewed => Ok(page(
            StatusCode::OK,
            lang,
            &text(lang, "renew-title"),
            &format!(
                "<p>{}</p><form method=\"post\"><button type=\"submit\">{}</button></form>",
                super::pages::with_title(lang, "renew-text", campaign.words(lang).title.text),
                escape_html(&text(lang, "renew-button")),
            ),
        )),
        other => Ok(renewal_answer(lang, other, None)),
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
            i18n::page_lang(&req, Lang::En),
            Renewal::LinkNotValid,
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
    Ok(renewal_answer(lang, renewal, until))
}

fn renewal_answer(lang: Lang, renewal: Renewal, until: Option<String>) -> HttpResponse {
    let said = |id: &str| format!("<p>{}</p>", escape_html(&text(lang, id)));
    match renewal {
        Renewal::Renewed => page(
            StatusCode::OK,
            lang,
            &text(lang, "renewed-title"),
            &match until {
                Some(date) => format!(
                    "<p>{}</p>",
                    escape_html(&text_with(lang, "renewed-until", &[("date", date.into())]))
                ),
                None => said("renewed"),
            },
        ),
        Renewal::LinkNotValid => page(
            StatusCode::NOT_FOUND,
            lang,
            &text(lang, "link-unknown-title"),
            &said("renew-unknown"),
        ),
        Renewal::NotHeld => page(
            StatusCode::GONE,
            lang,
            &text(lang, "pledge-ended-title"),
            &said("renew-not-held"),
        ),
    }
}
