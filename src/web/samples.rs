//! Every layout and partial an operator's theme may replace, rendered against a sample that
//! uses it: a theme's template is taken only if these render (see `Templates::with_theme`).

use serde::Serialize;

use super::campaign_pages::{ShareLinks, share_links};
use super::form::{CountLine, PluralForm};
use super::message::{Back, Button, MessagePage, Paragraph};
use super::{BrandView, Layout, Switch};
use crate::domain::Lang;
use crate::templates::{OrganiserView, Templates};

/// The count and the share links, alone, as the campaign page includes them.
#[derive(Serialize)]
struct PartsSample {
    lang: Lang,
    count: CountLine,
    share: ShareLinks,
}

#[derive(Serialize)]
struct FrameSample {
    lang: Lang,
    frame: Frame,
    brand: BrandView,
}

#[derive(Serialize)]
struct Frame {
    title: String,
}

#[derive(Serialize)]
struct SampleEmail {
    lang: Lang,
    subject: &'static str,
    preheader: &'static str,
    greeting: &'static str,
    title: &'static str,
    brand: SampleBrand,
    organiser: OrganiserView,
    action: Option<()>,
    withdraw: &'static str,
    unsubscribe: &'static str,
    update: SampleUpdate,
    handin: Option<()>,
    test: bool,
}

#[derive(Serialize)]
struct SampleBrand {
    name: &'static str,
    colour: &'static str,
    text_colour: &'static str,
    logo_url: Option<&'static str>,
}

#[derive(Serialize)]
struct SampleUpdate {
    subject: &'static str,
    body_text: &'static str,
    body_html: &'static str,
}

/// Renders a page, the embedded form's frame and an email in both languages.
pub fn render_all(templates: &Templates) -> anyhow::Result<()> {
    for lang in Lang::ALL {
        let organiser = OrganiserView {
            name: Some("Article 39".into()),
            privacy_url: Some("https://article39.org.uk/privacy".into()),
            contact_email: Some("info@article39.org.uk".into()),
        };
        let mut layout = Layout::new(
            lang,
            "Scrap SI 445",
            "A sample",
            "https://example.org/c/scrapsi445",
        );
        layout.organiser = organiser.clone();
        layout.switch = Switch::new(lang, "/c/scrapsi445", Some("nyas"));
        let page = MessagePage {
            layout,
            heading: "Scrap SI 445".into(),
            paragraphs: vec![Paragraph::with_title(
                lang,
                "confirmed-text",
                "Scrap SI 445",
            )],
            button: Some(Button {
                action: None,
                label: "Confirm".into(),
                hidden: Vec::new(),
            }),
            back: Some(Back {
                href: "/c/scrapsi445".into(),
                text: "Back".into(),
            }),
        };
        templates.render("pages/message.html", &page)?;
        let frame = FrameSample {
            lang,
            frame: Frame {
                title: "Scrap SI 445".into(),
            },
            brand: BrandView::default(),
        };
        templates.render("pages/form_not_found.html", &frame)?;
        let parts = PartsSample {
            lang,
            count: CountLine {
                slug: "scrapsi445".into(),
                total: 108_000,
                noun: "people have signed".into(),
                forms: vec![PluralForm {
                    category: "other",
                    noun: "people have signed".into(),
                }],
            },
            share: share_links(lang, "https://example.org/c/scrapsi445", "Scrap SI 445"),
        };
        templates.render("partials/count.html", &parts)?;
        templates.render("partials/share.html", &parts)?;
        let email = SampleEmail {
            lang,
            subject: "News",
            preheader: "News",
            greeting: "Hello,",
            title: "Scrap SI 445",
            brand: SampleBrand {
                name: "Article 39",
                colour: "#1d3557",
                text_colour: "#ffffff",
                logo_url: None,
            },
            organiser,
            action: None,
            withdraw: "https://example.org/withdraw/x",
            unsubscribe: "https://example.org/unsubscribe/x",
            update: SampleUpdate {
                subject: "News",
                body_text: "News",
                body_html: "News",
            },
            handin: None,
            test: true,
        };
        templates.render("emails/update/body.txt", &email)?;
        templates.render("emails/update/body.html", &email)?;
    }
    Ok(())
}
