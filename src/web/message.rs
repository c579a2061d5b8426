//! The short pages: a heading, a sentence or two, maybe a button and the way back to the
//! campaign. What the links in signers' emails open, renewal, and pages not found, alike.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use serde::Serialize;

use super::{Layout, PAGES_POLICY, PRIVATE, REFER_NOTHING, REFER_ORIGIN, html_response, render};
use crate::accounts::organiser_of;
use crate::domain::{Brand, Campaign, Identity, Lang};
use crate::error::ApiError;
use crate::i18n::text_with;
use crate::state::AppState;

/// A short page on the public pages' layout: a heading and a sentence or two.
#[derive(Serialize)]
pub struct MessagePage {
    #[serde(flatten)]
    pub layout: Layout,
    pub heading: String,
    pub paragraphs: Vec<Paragraph>,
    pub button: Option<Button>,
    pub back: Option<Back>,
}

/// A paragraph, with one part of it in bold (a campaign's title, within a sentence).
#[derive(Serialize, Default)]
pub struct Paragraph {
    pub before: String,
    pub strong: Option<String>,
    pub after: String,
}

impl Paragraph {
    pub fn plain(text: String) -> Self {
        Self {
            before: text,
            ..Self::default()
        }
    }

    /// The message `id`, with `title` in bold where it names it.
    pub fn with_title(lang: Lang, id: &str, title: &str) -> Self {
        let marker = "\u{1}";
        let text = text_with(lang, id, &[("title", marker.into())]);
        match text.split_once(marker) {
            Some((before, after)) => Self {
                before: before.to_owned(),
                strong: Some(title.to_owned()),
                after: after.to_owned(),
            },
            None => Self::plain(text),
        }
    }
}

#[derive(Serialize)]
pub struct Button {
    pub action: Option<String>,
    pub label: String,
    pub hidden: Vec<HiddenField>,
}

#[derive(Serialize)]
pub struct HiddenField {
    pub name: &'static str,
    pub value: &'static str,
}

#[derive(Serialize, Clone)]
pub struct Back {
    pub href: String,
    pub text: String,
}

/// A page of the public pages' kind that says no such page exists (or no longer).
pub fn missing_page(
    state: &AppState,
    status: StatusCode,
    lang: Lang,
    heading: &str,
    text: &str,
    back: Back,
) -> Result<HttpResponse, ApiError> {
    let page = MessagePage {
        layout: Layout::new(lang, heading, "", "/"),
        heading: heading.to_owned(),
        paragraphs: vec![Paragraph::plain(text.to_owned())],
        button: None,
        back: Some(back),
    };
    let html = render(&state.templates, "pages/message.html", &page)?;
    Ok(html_response(
        status,
        PAGES_POLICY,
        REFER_ORIGIN,
        PRIVATE,
        html,
    ))
}

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
        Ok(html) => html_response(status, PAGES_POLICY, REFER_NOTHING, PRIVATE, html),
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "a page did not render");
            HttpResponse::InternalServerError().finish()
        }
    }
}

/// The campaign a link's page is about, as the page names it: its title in `lang` where it
/// has one there (else in its own), who runs it, its look, and the way back to its signing
/// page.
pub struct About {
    pub title: String,
    organiser: Identity,
    brand: Brand,
    back: Back,
    slug: String,
}

impl About {
    /// The way back to the campaign's page.
    pub fn back(&self) -> &Back {
        &self.back
    }

    /// A campaign's, with the way back to the page at `back` (its own, or its form).
    pub async fn campaign(state: &AppState, lang: Lang, campaign: &Campaign, back: String) -> Self {
        let title = campaign.words(lang).title.text.to_owned();
        Self::of(
            lang,
            title,
            organiser_of(state.store.as_ref(), campaign, None)
                .await
                .unwrap_or_default(),
            campaign.look(),
            back,
            campaign.slug.as_str(),
        )
    }

    pub fn of(
        lang: Lang,
        title: String,
        organiser: Identity,
        brand: Brand,
        back: String,
        slug: &str,
    ) -> Self {
        About {
            back: Back {
                href: back,
                text: text_with(
                    lang,
                    "back-to-campaign",
                    &[("title", title.as_str().into())],
                ),
            },
            title,
            organiser,
            brand,
            slug: slug.to_owned(),
        }
    }
}
