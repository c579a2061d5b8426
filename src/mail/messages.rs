//! What each email says: its context, filled from the queued email, rendered from
//! `templates/emails/<message>/{subject.txt, body.txt, body.html}` over the email layouts.

use serde::Serialize;

use super::Mailer;
use crate::domain::{AgeBand, EmailKind, Lang, holds_an_address};
use crate::i18n;
use crate::store::QueuedEmail;
use crate::templates::{BadgeSnippet, OrganiserView, Templates};

/// The organisation at the top of every email.
#[derive(Serialize)]
pub struct EmailBrand {
    pub name: String,
    pub colour: String,
    pub text_colour: &'static str,
    /// An absolute address: mail clients have no page to resolve a path against.
    pub logo_url: Option<String>,
}

#[derive(Serialize)]
pub struct Action {
    pub label: String,
    pub link: String,
}

#[derive(Serialize)]
pub struct UpdateBody {
    pub subject: String,
    /// The organiser's Markdown, as written.
    pub body_text: String,
    /// The same, rendered and sanitised.
    pub body_html: String,
}

#[derive(Serialize)]
pub struct HandinNote {
    pub hash: String,
}

/// A child who asked to sign, as the email to their parent or carer names them: by the first
/// word of the name they typed, unless it could be read as an address or is longer than a
/// name. Anyone can type any name beside any address, so no more of it than that goes to an
/// inbox the signer may not own.
#[derive(Serialize)]
pub struct ChildNote {
    pub first_name: Option<String>,
    pub kept_days: u32,
}

/// An approved pledge's badge: the snippet to paste, the picture, and how long it holds.
#[derive(Serialize)]
pub struct BadgeNote {
    pub snippet: String,
    pub image: String,
    pub holds: String,
}

/// The context of every email template.
#[derive(Serialize)]
pub struct EmailContext {
    pub lang: Lang,
    pub subject: String,
    /// The line a mail client shows beside the subject in its list.
    pub preheader: String,
    pub greeting: String,
    pub title: String,
    pub brand: EmailBrand,
    pub organiser: OrganiserView,
    pub action: Option<Action>,
    pub withdraw: Option<String>,
    pub unsubscribe: Option<String>,
    pub update: Option<UpdateBody>,
    pub handin: Option<HandinNote>,
    pub badge: Option<BadgeNote>,
    /// To a child's parent or carer: who asked, and how long their data is kept.
    pub child: Option<ChildNote>,
    /// A test of an update, sent to its organiser alone: it says so.
    pub test: bool,
}

/// An email as written: its subject, its two parts, and the one-click unsubscribe link its
/// headers carry (updates only).
pub struct Written {
    pub subject: String,
    pub text: String,
    pub html: String,
    pub unsubscribe: Option<String>,
}

/// The folder of `kind`'s templates (a child's confirmation, to their parent, has its own).
fn folder(kind: EmailKind, to_a_parent: bool) -> &'static str {
    match kind {
        EmailKind::Confirm if to_a_parent => "parent",
        EmailKind::Confirm => "confirm",
        EmailKind::Thanks => "thanks",
        EmailKind::Renew => "renew",
        EmailKind::Handin => "handin",
        EmailKind::Update => "update",
        EmailKind::AlreadySigned => "already_signed",
        EmailKind::Badge => "badge",
    }
}

/// The service's own colours, where the organisation has none.
const HEADER_COLOUR: &str = "#1d3557";
const HEADER_TEXT: &str = "#ffffff";

pub fn write(
    templates: &Templates,
    mailer: &Mailer,
    email: &QueuedEmail,
) -> anyhow::Result<Written> {
    let lang = email.lang;
    // Anyone can type any name beside any address, and the greeting is the one place a
    // signer's words reach an email: a name that holds a web or email address ("Reset your
    // password at evil.example") is left out, so nothing typed goes out as a link under
    // the charity's sender. A child's confirmation goes to their parent or carer, and is
    // written to them.
    let to_a_parent = email.age_band.is_some_and(AgeBand::needs_a_parent);
    let greeting =
        if to_a_parent || email.signer_name.is_empty() || holds_an_address(&email.signer_name) {
            i18n::text(lang, "email-hello")
        } else {
            i18n::text_with(
                lang,
                "email-hello-name",
                &[("name", email.signer_name.as_str().into())],
            )
        };
    let confirm = |id: &str| {
        email.confirm_token.as_deref().map(|t| Action {
            label: i18n::text(lang, id),
            link: mailer.signer_link("confirm", t, lang),
        })
    };
    let action = match email.kind {
        EmailKind::Confirm if to_a_parent => confirm("email-parent-action"),
        EmailKind::Confirm => confirm("email-confirm-action"),
        EmailKind::Renew => email.confirm_token.as_deref().map(|t| {
            let pledger = email.signature_id.unwrap_or_default();
            let path = format!("c/{}/pledgers/{pledger}/renew", email.campaign_slug);
            Action {
                label: i18n::text(lang, "email-renew-action"),
                link: mailer.signer_link(&path, t, lang),
            }
        }),
        EmailKind::Badge => email.signature_id.map(|pledger| Action {
            label: i18n::text(lang, "email-badge-action"),
            link: mailer.absolute(&pledger_path(email, pledger, lang)),
        }),
        _ => None,
    };
    let child = to_a_parent.then(|| ChildNote {
        first_name: email
            .signer_name
            .split_whitespace()
            .next()
            .filter(|first| first.chars().count() <= 30 && !holds_an_address(first))
            .map(str::to_owned),
        kept_days: email.young_kept_days,
    });
    let badge = match (email.kind, email.signature_id) {
        (EmailKind::Badge, Some(pledger)) => Some(badge_note(templates, mailer, email, pledger)?),
        _ => None,
    };
    // An update always goes to a signer: one to no signature is its organiser's test.
    let test = email.kind == EmailKind::Update && email.signature_id.is_none();
    // An update carries the way out of every later one; a test shows that footer as signers
    // see it, with a link that unsubscribes no one.
    let unsubscribe = match (email.kind, email.signature_id) {
        (EmailKind::Update, signature) => {
            let token = mailer
                .unsubscribes
                .token(signature.unwrap_or(uuid::Uuid::nil()));
            Some(mailer.signer_link("unsubscribe", &token, lang))
        }
        _ => None,
    };
    let organiser = OrganiserView::from(&email.organiser);
    let folder = folder(email.kind, to_a_parent);
    let context = EmailContext {
        lang,
        subject: String::new(),
        preheader: String::new(),
        greeting,
        title: email.campaign_title.clone(),
        brand: EmailBrand {
            name: organiser
                .name
                .clone()
                .unwrap_or_else(|| "Undersigned".to_owned()),
            colour: email
                .brand
                .colour
                .as_ref()
                .map_or(HEADER_COLOUR, |c| c.as_str())
                .to_owned(),
            text_colour: email
                .brand
                .colour
                .as_ref()
                .map_or(HEADER_TEXT, |c| c.text_colour()),
            // Its alt text is the organisation's name: without one, its name is written.
            logo_url: email
                .brand
                .logo
                .filter(|_| organiser.name.is_some())
                .map(|logo| mailer.absolute(&crate::logos::logo_path(logo))),
        },
        organiser,
        action,
        withdraw: email
            .withdraw_token
            .as_deref()
            .map(|t| mailer.signer_link("withdraw", t, lang)),
        unsubscribe: unsubscribe.clone(),
        update: email.update.as_ref().map(|(subject, body)| UpdateBody {
            subject: subject.clone(),
            body_text: body.clone(),
            body_html: crate::markdown::to_safe_html(body),
        }),
        handin: email
            .handin
            .as_ref()
            .map(|(_, hash)| HandinNote { hash: hash.clone() }),
        badge,
        child,
        test,
    };
    render(templates, folder, context, unsubscribe)
}

/// A pledger's verification page, from the root, in `lang`.
fn pledger_path(email: &QueuedEmail, pledger: uuid::Uuid, lang: Lang) -> String {
    let query = if lang == Lang::Cy { "?lang=cy" } else { "" };
    format!("/c/{}/pledgers/{pledger}{query}", email.campaign_slug)
}

/// The badge an approved pledger pastes into its own site, named as its page names it (its
/// organisation, where it pledged for one).
fn badge_note(
    templates: &Templates,
    mailer: &Mailer,
    email: &QueuedEmail,
    pledger: uuid::Uuid,
) -> anyhow::Result<BadgeNote> {
    let lang = email.lang;
    let url = mailer.absolute(&format!("/c/{}/pledgers/{pledger}", email.campaign_slug));
    let name = email
        .signer_organisation
        .as_deref()
        .unwrap_or(&email.signer_name);
    let snippet = templates.render(
        "snippets/badge.html",
        &BadgeSnippet {
            lang,
            url: &url,
            name,
            title: &email.campaign_title,
        },
    )?;
    let holds = match email.renew_after_months {
        Some(months) => i18n::text_with(
            lang,
            "email-badge-holds-months",
            &[("months", u64::from(months).into())],
        ),
        None => i18n::text(lang, "email-badge-holds-for-good"),
    };
    Ok(BadgeNote {
        snippet: snippet.trim_end().to_owned(),
        image: format!(
            "{url}/badge.svg{}",
            if lang == Lang::Cy { "?lang=cy" } else { "" }
        ),
        holds,
    })
}

/// Renders `folder`'s subject, then its text part (whose first sentence becomes the HTML
/// part's preheader), then its HTML part.
fn render(
    templates: &Templates,
    folder: &str,
    mut context: EmailContext,
    unsubscribe: Option<String>,
) -> anyhow::Result<Written> {
    let subject = templates.render(&format!("emails/{folder}/subject.txt"), &context)?;
    context.subject = subject.trim().to_owned();
    let text = templates.render(&format!("emails/{folder}/body.txt"), &context)?;
    context.preheader = preheader(&text, &context.greeting);
    let html = templates.render(&format!("emails/{folder}/body.html"), &context)?;
    Ok(Written {
        subject: context.subject,
        text,
        html,
        unsubscribe,
    })
}

/// The first sentence after the greeting, as a mail client's list shows it.
fn preheader(text: &str, greeting: &str) -> String {
    let body = text
        .trim_start()
        .strip_prefix(greeting)
        .unwrap_or(text)
        .trim();
    let line = body.lines().next().unwrap_or("");
    let sentence = line.split_inclusive(['.', '!', '?']).next().unwrap_or(line);
    sentence.chars().take(140).collect()
}

/// An email about an organiser's own account, sent at once rather than through the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountEmail {
    /// An admin invites someone to make an account: `by` names the admin.
    Invitation,
    /// A password reset someone asked for.
    Reset,
}

/// Writes an account email: its link (`action_link`) is the only thing in it that varies,
/// with who sent an invitation (`by`, the inviting admin's email). Always in English, the
/// language of the console.
pub fn write_account(
    templates: &Templates,
    kind: AccountEmail,
    by: &str,
    action_link: String,
) -> anyhow::Result<Written> {
    let lang = Lang::En;
    let (folder, action) = match kind {
        AccountEmail::Invitation => ("invitation", "email-invitation-action"),
        AccountEmail::Reset => ("reset", "email-reset-action"),
    };
    let context = EmailContext {
        lang,
        subject: String::new(),
        preheader: String::new(),
        greeting: i18n::text(lang, "email-hello"),
        title: by.to_owned(),
        brand: EmailBrand {
            name: "Undersigned".to_owned(),
            colour: HEADER_COLOUR.to_owned(),
            text_colour: HEADER_TEXT,
            logo_url: None,
        },
        organiser: OrganiserView {
            name: None,
            privacy_url: None,
            contact_email: None,
        },
        action: Some(Action {
            label: i18n::text(lang, action),
            link: action_link,
        }),
        withdraw: None,
        unsubscribe: None,
        update: None,
        handin: None,
        badge: None,
        child: None,
        test: false,
    };
    render(templates, folder, context, None)
}
