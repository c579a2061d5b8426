//! What a pledger shows the world: its verification page, `/c/{slug}/pledgers/{id}`, and the
//! badge for its own website that links there. Both read the pledge as it stands now, so a
//! badge never outlives the commitment: once the pledge is withdrawn, rejected, erased or
//! lapsed the page answers 410 and says so, and the badge reads "not verified". And the page a
//! renewal reminder's link opens, whose button renews the pledge.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use uuid::Uuid;

use super::campaign_pages::{PAGES_POLICY, day, html_response, layout, page_campaign, page_url};
use super::pages::page;
use crate::domain::{Campaign, CampaignKind, SignatoryType};
use crate::error::ApiError;
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

fn no_pledge() -> HttpResponse {
    let main = "<h1>No verified pledge here</h1><p>This address is not a pledge that has been \
                taken and verified. A pledge is listed here once its pledger has confirmed it \
                and the campaign's organisers have accepted it.</p><p><a href=\"/\">See the \
                campaigns</a></p>";
    html_response(
        StatusCode::NOT_FOUND,
        PAGES_POLICY,
        "no-store",
        layout(
            crate::domain::Lang::En,
            "No verified pledge here",
            "",
            "/",
            None,
            main,
            false,
        ),
    )
}

/// The snippet a pledger pastes into its own site: the badge, linking to this page.
fn badge_snippet(url: &str, name: &str, title: &str) -> String {
    format!(
        "<a href=\"{url}\"><img src=\"{url}/badge.svg\" height=\"40\" alt=\"{alt}\"></a>",
        url = escape_html(url),
        alt = escape_html(&format!("{name} has taken the {title} pledge: verify it")),
    )
}

/// `GET /c/{slug}/pledgers/{pledger}`: whether this pledge holds.
pub async fn verification_page(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let Some((campaign, record)) = pledger(&state, &slug, &id).await? else {
        return Ok(no_pledge());
    };
    let title = campaign.title.as_str();
    let url = verify_url(&state, campaign.slug.as_str(), record.id);
    let campaign_link = format!(
        "<p><a href=\"/c/{}\">About the {} pledge</a></p>",
        campaign.slug,
        escape_html(title)
    );
    let (status, heading, main) = match standing(&record, &campaign) {
        Standing::Unverified => return Ok(no_pledge()),
        Standing::Ended(ending) => {
            let who = match pledger_name(&record) {
                Some(name) => format!("{}'s pledge", escape_html(name)),
                None => "This pledge".to_owned(),
            };
            let heading = "This pledge is no longer held".to_owned();
            let main = format!(
                "<h1>{heading}</h1><p class=\"ended\">{who} to <strong>{}</strong> {}. \
                 It is not verified, and a badge that links here shows \u{201c}not verified\u{201d}.</p>{campaign_link}",
                escape_html(title),
                ending.said(),
            );
            (StatusCode::GONE, heading, main)
        }
        Standing::Held { taken, lapses } => {
            let name = pledger_name(&record).unwrap_or("A pledger");
            let heading = format!("{name} took the {title} pledge");
            let mut said = format!(
                "<p class=\"verified\"><strong>Verified:</strong> {} took the {} pledge on {}.",
                escape_html(name),
                escape_html(title),
                day(taken)
            );
            if let Some(renewed) = record.renewed_at {
                said.push_str(&format!(" It was last renewed on {}.", day(renewed)));
            }
            if let Some(lapses) = lapses {
                said.push_str(&format!(" It holds until {}, unless renewed.", day(lapses)));
            }
            said.push_str("</p>");
            let by = super::campaign_pages::joined(&[
                (record.signatory_type == SignatoryType::Organisation)
                    .then_some(record.name.as_deref())
                    .flatten(),
                record.role.as_deref(),
            ]);
            let by = if by.is_empty() {
                String::new()
            } else {
                format!("<p>Taken by {by}.</p>")
            };
            let site = record
                .website
                .as_deref()
                .map(|w| {
                    format!(
                        "<p>Website: <a href=\"{w}\" rel=\"nofollow ugc noopener\">{w}</a></p>",
                        w = escape_html(w)
                    )
                })
                .unwrap_or_default();
            let snippet = badge_snippet(&url, name, title);
            let main = format!(
                "<h1>{h}</h1>{said}{by}{site}<h2>The pledge</h2><blockquote class=\"commitment\">{body}</blockquote>\
                 <h2>The badge</h2><p><img src=\"{badge}\" height=\"40\" alt=\"{alt}\"></p>\
                 <p><label for=\"badge-snippet\">To show the badge on your website, paste this HTML into a page. \
                 It links here, so anyone can check that the pledge still holds.</label></p>\
                 <textarea id=\"badge-snippet\" readonly rows=\"4\">{code}</textarea>{campaign_link}",
                h = escape_html(&heading),
                body = crate::markdown::to_safe_html(campaign.body.as_str()),
                badge = escape_html(&format!("{url}/badge.svg")),
                alt = escape_html(&format!("The {title} pledge badge: verified")),
                code = escape_html(&snippet),
            );
            (StatusCode::OK, heading, main)
        }
    };
    Ok(html_response(
        status,
        PAGES_POLICY,
        VERIFICATION_CACHE,
        layout(
            crate::domain::Lang::En,
            &heading,
            campaign.summary.as_str(),
            &url,
            None,
            &main,
            false,
        ),
    ))
}

/// `GET /c/{slug}/pledgers/{pledger}/badge.svg`: "verified" while the pledge holds, "not
/// verified" otherwise (an image is shown whatever the status, so both are 200).
pub async fn badge(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let found = pledger(&state, &slug, &id).await?;
    let verified = found
        .as_ref()
        .is_some_and(|(c, r)| matches!(standing(r, c), Standing::Held { .. }));
    let title = found
        .as_ref()
        .map_or("Pledge", |(campaign, _)| campaign.title.as_str());
    Ok(HttpResponse::build(if found.is_some() {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    })
    .content_type("image/svg+xml")
    .insert_header((header::CACHE_CONTROL, VERIFICATION_CACHE))
    .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
    .insert_header((header::CONTENT_SECURITY_POLICY, "default-src 'none'"))
    .body(badge_svg(title, verified)))
}

fn badge_svg(title: &str, verified: bool) -> String {
    let title: String = title.chars().take(40).collect();
    let (state, fill) = if verified {
        ("pledge verified", "#1b6b3a")
    } else {
        ("not verified", "#6b6b6b")
    };
    // About 7.5 px per character at 13 px: each half grows with its words.
    let left = 20 + title.chars().count() * 15 / 2;
    let right = 20 + state.len() * 15 / 2;
    let width = left + right;
    let label = escape_html(&format!("{title}: {state}"));
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
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id, token) = path.into_inner();
    let Some((campaign, record)) = pledger(&state, &slug, &id).await? else {
        return Ok(renewal_answer(Renewal::LinkNotValid, None));
    };
    match state.pledges.check_renewal(&record, &campaign, &token) {
        Renewal::Renewed => Ok(page(
            StatusCode::OK,
            crate::domain::Lang::En,
            "Renew your pledge",
            &format!(
                "<p>Press the button to renew your pledge to <strong>{}</strong>.</p>\
                 <form method=\"post\"><button type=\"submit\">Renew our pledge</button></form>",
                escape_html(campaign.title.as_str())
            ),
        )),
        other => Ok(renewal_answer(other, None)),
    }
}

/// `POST /c/{slug}/pledgers/{pledger}/renew/{token}`: renews the pledge for another term.
pub async fn renew_submit(
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id, token) = path.into_inner();
    let Some((campaign, record)) = pledger(&state, &slug, &id).await? else {
        return Ok(renewal_answer(Renewal::LinkNotValid, None));
    };
    let renewal = state
        .pledges
        .renew(state.store.as_ref(), &record, &campaign, &token)
        .await?;
    let until = campaign
        .renew_after_months
        .map(|months| day(months.lapses_at(state.pledges.now())));
    Ok(renewal_answer(renewal, until))
}

fn renewal_answer(renewal: Renewal, until: Option<String>) -> HttpResponse {
    match renewal {
        Renewal::Renewed => page(
            StatusCode::OK,
            crate::domain::Lang::En,
            "Your pledge is renewed",
            &format!(
                "<p>Thank you. Your pledge is renewed{}, and its badge stays verified.</p>",
                until.map(|d| format!(" until {d}")).unwrap_or_default()
            ),
        ),
        Renewal::LinkNotValid => page(
            StatusCode::NOT_FOUND,
            crate::domain::Lang::En,
            "This link does not work",
            "<p>The link is unknown, or the pledge has been renewed with it already.</p>",
        ),
        Renewal::NotHeld => page(
            StatusCode::GONE,
            crate::domain::Lang::En,
            "This pledge is no longer held",
            "<p>The pledge was withdrawn, not accepted, removed or has lapsed, so there is \
             nothing to renew. To pledge again, take the pledge on the campaign's page.</p>",
        ),
    }
}
