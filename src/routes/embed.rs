//! The embeddable signing form: the script partners paste (`/embed.js`), the form page it
//! frames (`/embed/{slug}`, which also works as a plain form POST with JavaScript off), and the
//! snippets an organiser copies (`GET /v1/campaigns/{slug}/embed`).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use serde::Deserialize;
use serde_json::json;

use super::extract::read_body;
use super::managed_campaign;
use super::signatures::Signer;
use crate::accounts::organiser_of;
use crate::auth::Organiser;
use crate::domain::Slug;
use crate::domain::{AgeBand, ConsentWording, ContactBasis, Lang, Localised};
use crate::domain::{
    Campaign, CampaignKind, CampaignStatus, Country, FieldError, Identity, SignatureForm,
    SourceCode,
};
use crate::error::ApiError;
use crate::i18n;
use crate::mail::escape_html;
use crate::signing::Accepted;
use crate::state::AppState;
use crate::store;

const EMBED_JS: &str = include_str!("../../assets/embed.js");
const FORM_JS: &str = include_str!("../../assets/form.js");
const FORM_CSS: &str = include_str!("../../assets/form.css");
const ALTCHA_WORKER_JS: &str = include_str!("../../assets/altcha-worker.js");

/// Partners' pages load these on every view: let browsers and proxies keep them a while.
const ASSET_CACHE: &str = "public, max-age=300";

pub(super) fn asset(content_type: &str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, ASSET_CACHE))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(body)
}

/// `GET /embed.js`: the snippet's script.
pub async fn embed_script() -> HttpResponse {
    asset("text/javascript; charset=utf-8", EMBED_JS)
}

/// `GET /embed/form.js`.
pub async fn form_script() -> HttpResponse {
    asset("text/javascript; charset=utf-8", FORM_JS)
}

/// `GET /embed/altcha-worker.js`: solves a proof-of-work challenge off the page's thread.
pub async fn altcha_worker() -> HttpResponse {
    asset("text/javascript; charset=utf-8", ALTCHA_WORKER_JS)
}

/// `GET /embed/form.css`.
pub async fn form_style() -> HttpResponse {
    asset("text/css; charset=utf-8", FORM_CSS)
}

/// The form page's policy: our own script, style and API only, nothing inline, nothing from
/// elsewhere, and framed only by the campaign's allowed origins (and our own pages).
pub(super) fn content_security_policy(campaign: &Campaign) -> String {
    let mut ancestors = String::from("'self'");
    for origin in &campaign.allowed_origins {
        ancestors.push(' ');
        ancestors.push_str(origin.as_str());
    }
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
         img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors {ancestors}"
    )
}

#[derive(Deserialize)]
pub struct EmbedQuery {
    source: Option<String>,
    /// Read by `i18n::page_lang`.
    #[allow(dead_code)]
    lang: Option<String>,
}

/// What the signer typed, kept to fill the form again beside its errors.
pub(super) type Typed = HashMap<String, String>;

/// One rendering of the form, in its frame page or in the campaign's own page.
pub(super) struct FormPage<'a> {
    pub campaign: &'a Campaign,
    /// Where the form posts without JavaScript: the page it is on.
    pub action: &'a str,
    pub organiser: &'a Identity,
    pub total: u64,
    pub source: Option<&'a str>,
    pub typed: &'a Typed,
    pub errors: &'a [FieldError],
    pub problem: Option<String>,
    pub signed: bool,
    /// What the signer is told, once signed.
    pub outcome: Outcome,
    /// When the form was shown, signed (see `signing::FormClock`).
    pub stamp: String,
    /// The language the page is in.
    pub lang: Lang,
}

/// What a signer is told once their signature is taken (see `signing::Accepted`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    /// Counted now, or once confirmed (the campaign says which).
    Counted,
    /// A child's: once their parent or carer confirms.
    ParentConfirms,
    /// Held for the organisers' review.
    Held,
}

impl From<Accepted> for Outcome {
    fn from(accepted: Accepted) -> Self {
        if accepted.held_for_review {
            Outcome::Held
        } else if accepted.parent_confirms {
            Outcome::ParentConfirms
        } else {
            Outcome::Counted
        }
    }
}

/// Nothing typed yet.
static NOTHING_TYPED: std::sync::LazyLock<Typed> = std::sync::LazyLock::new(Typed::new);

impl<'a> FormPage<'a> {
    /// The form as it first shows, empty.
    pub fn new(
        campaign: &'a Campaign,
        action: &'a str,
        organiser: &'a Identity,
        total: u64,
        source: Option<&'a str>,
        stamp: String,
        lang: Lang,
    ) -> Self {
        Self {
            campaign,
            action,
            organiser,
            total,
            source,
            typed: &NOTHING_TYPED,
            errors: &[],
            problem: None,
            signed: false,
            outcome: Outcome::Counted,
            stamp,
            lang,
        }
    }

    /// The form once `submitted` was posted: its outcome, or its errors with what was typed.
    pub fn posted(
        campaign: &'a Campaign,
        action: &'a str,
        organiser: &'a Identity,
        total: u64,
        submitted: &'a Submission,
    ) -> Self {
        Self {
            campaign,
            action,
            organiser,
            total,
            source: submitted.source.as_deref(),
            typed: &submitted.typed,
            errors: &submitted.errors,
            problem: submitted.problem.clone(),
            signed: submitted.signed,
            outcome: submitted.outcome,
            stamp: submitted.stamp.clone(),
            lang: submitted.lang,
        }
    }
}

fn field_label(lang: Lang, field: &str) -> String {
    let id = match field {
        "name" => "field-name",
        "email" => "field-email",
        "postcode" => "field-postcode",
        "country" => "field-country",
        "signatory_type" => "field-signatory-type",
        "organisation" => "field-organisation",
        "role" => "field-role",
        "website" => "field-website",
        "public" => "field-public",
        "contact" => "field-contact",
        "age_band" => "field-age-band",
        _ => "field-other",
    };
    i18n::text(lang, id)
}

/// A field's error as the form shows it: the service's own words in English; in Welsh, a
/// sentence saying the field is needed or not valid.
fn error_text(lang: Lang, error: &FieldError) -> String {
    let label = field_label(lang, &error.field);
    match lang {
        Lang::En => error.beside(&label),
        Lang::Cy => {
            let id = if error.message.starts_with("is required") {
                "field-error-required"
            } else {
                "field-error-invalid"
            };
            i18n::text_with(lang, id, &[("label", label.into())])
        }
    }
}

/// The standard words in `lang` where there are some, else the campaign's own.
fn standard_or<'a>(standard: &'a Option<String>, lang: Lang, own: Localised<'a>) -> Localised<'a> {
    match standard {
        Some(text) => Localised { text, lang },
        None => own,
    }
}

/// ` lang="…"` for a part of the campaign's text not in the page's language.
pub(super) fn lang_of(page: Lang, part: Localised<'_>) -> String {
    if part.lang == page {
        String::new()
    } else {
        format!(" lang=\"{}\"", part.lang)
    }
}

/// The link that shows the same page in the other language.
pub(super) fn language_switch(lang: Lang, path: &str, source: Option<&str>) -> String {
    let other = lang.other();
    let source = source
        .map(|s| format!("&amp;source={}", escape_html(s)))
        .unwrap_or_default();
    format!(
        "<p class=\"language\"><a href=\"{}?lang={other}{source}\" hreflang=\"{other}\" lang=\"{other}\" \
         aria-label=\"{}\">{}</a></p>",
        escape_html(path),
        escape_html(&i18n::text(lang, "switch-language-label")),
        escape_html(&i18n::text(lang, "switch-language")),
    )
}

impl FormPage<'_> {
    fn t(&self, id: &str) -> String {
        escape_html(&i18n::text(self.lang, id))
    }

    fn error_of(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    fn typed(&self, field: &str) -> String {
        escape_html(self.typed.get(field).map(String::as_str).unwrap_or(""))
    }

    /// The error slot every field has, filled when the server found a fault with it.
    fn error_slot(&self, field: &str) -> String {
        let label = escape_html(&field_label(self.lang, field));
        match self.errors.iter().find(|e| e.field == field) {
            Some(error) => format!(
                "<p class=\"error\" id=\"{field}-error\" data-label=\"{label}\">{}</p>",
                escape_html(&error_text(self.lang, error))
            ),
            None => format!(
                "<p class=\"error\" id=\"{field}-error\" data-label=\"{label}\" hidden></p>"
            ),
        }
    }

    fn invalid(&self, field: &str) -> &'static str {
        if self.error_of(field).is_some() {
            " aria-invalid=\"true\""
        } else {
            ""
        }
    }

    /// A text field; `hint` is a message id (or empty for none).
    fn text_field(&self, field: &str, kind: &str, autocomplete: &str, hint: &str) -> String {
        let label = escape_html(&field_label(self.lang, field));
        let hint_html = if hint.is_empty() {
            String::new()
        } else {
            format!(
                "<span class=\"hint\" id=\"{field}-hint\">{}</span>",
                self.t(hint)
            )
        };
        let described = if hint.is_empty() {
            format!("{field}-error")
        } else {
            format!("{field}-hint {field}-error")
        };
        format!(
            "<div class=\"field\"><label for=\"{field}\">{label}</label>{hint_html}{error}\
             <input type=\"{kind}\" id=\"{field}\" name=\"{field}\" autocomplete=\"{autocomplete}\" \
             maxlength=\"254\" value=\"{value}\" aria-describedby=\"{described}\"{invalid}></div>",
            error = self.error_slot(field),
            value = self.typed(field),
            invalid = self.invalid(field),
        )
    }

    /// The country, chosen by name from a list with the United Kingdom first.
    fn country_field(&self) -> String {
        let typed = self
            .typed
            .get("country")
            .map(String::as_str)
            .unwrap_or("GB");
        let chosen =
            Country::parse(typed).map_or_else(|_| "GB".to_owned(), |c| c.as_str().to_owned());
        let options: String = Country::choices()
            .into_iter()
            .map(|(code, name)| {
                let selected = if code == chosen { " selected" } else { "" };
                // The United Kingdom in the page's language; the rest by their English names,
                // marked so on a Welsh page.
                let (name, lang) = match (code, self.lang) {
                    ("GB", _) => (i18n::text(self.lang, "country-gb"), ""),
                    (_, Lang::En) => (name.to_owned(), ""),
                    (_, Lang::Cy) => (name.to_owned(), " lang=\"en\""),
                };
                format!(
                    "<option value=\"{code}\"{selected}{lang}>{}</option>",
                    escape_html(&name)
                )
            })
            .collect();
        format!(
            "<div class=\"field\"><label for=\"country\">{label}</label>{error}\
             <select id=\"country\" name=\"country\" autocomplete=\"country\" \
             aria-describedby=\"country-error\"{invalid}>{options}</select></div>",
            error = self.error_slot("country"),
            invalid = self.invalid("country"),
            label = self.t("field-country"),
        )
    }

    /// A consent box, with the campaign's words beside it.
    fn checkbox(&self, field: &str, words: Localised<'_>) -> String {
        let checked = if self.typed.contains_key(field) {
            " checked"
        } else {
            ""
        };
        format!(
            "{error}<div class=\"choice\"><input type=\"checkbox\" id=\"{field}\" name=\"{field}\" \
             value=\"true\" aria-describedby=\"{field}-error\"{checked}{invalid}>\
             <label for=\"{field}\"{lang}>{text}</label></div>",
            error = self.error_slot(field),
            text = escape_html(words.text),
            lang = lang_of(self.lang, words),
            invalid = self.invalid(field),
        )
    }

    fn signatory_type(&self) -> String {
        let chosen = self
            .typed
            .get("signatory_type")
            .map(String::as_str)
            .unwrap_or("individual");
        let option = |value: &str, text: &str| {
            let checked = if chosen == value { " checked" } else { "" };
            format!(
                "<div class=\"choice\"><input type=\"radio\" id=\"signatory_type-{value}\" \
                 name=\"signatory_type\" value=\"{value}\"{checked}>\
                 <label for=\"signatory_type-{value}\">{text}</label></div>"
            )
        };
        format!(
            "<fieldset aria-describedby=\"signatory_type-error\"><legend>{legend}</legend>{error}{}{}</fieldset>",
            option("individual", &self.t("signing-as-individual")),
            option("organisation", &self.t("signing-as-organisation")),
            error = self.error_slot("signatory_type"),
            legend = self.t("signing-as-legend"),
        )
    }

    /// The standard consent words in the page's language, for each box whose words are the
    /// standard ones (those a campaign has unless its organiser wrote their own), which exist
    /// in every language; `None` for words of the organiser's.
    fn standard_consent_words(&self) -> (Option<String>, Option<String>) {
        let c = self.campaign;
        let public =
            (c.consent.public_text == ConsentWording::default_public_text(c.kind)).then(|| {
                i18n::text(
                    self.lang,
                    match c.kind {
                        CampaignKind::Petition => "consent-public-petition",
                        CampaignKind::Letter => "consent-public-letter",
                        CampaignKind::Pledge => "consent-public-pledge",
                    },
                )
            });
        let basis = c.consent.contact_basis;
        let named = c.organiser.name.as_ref().or(self.organiser.name.as_ref());
        let contact = [named, None]
            .into_iter()
            .find(|name| {
                c.consent.contact_text == ConsentWording::default_contact_text(basis, *name)
            })
            .map(|name| {
                let id = match (basis, name.is_some()) {
                    (ContactBasis::Consent, true) => "consent-contact",
                    (ContactBasis::Consent, false) => "consent-contact-unnamed",
                    (ContactBasis::SoftOptIn, true) => "consent-soft",
                    (ContactBasis::SoftOptIn, false) => "consent-soft-unnamed",
                };
                let organiser = name.map(|n| n.as_str().to_owned()).unwrap_or_default();
                i18n::text_with(self.lang, id, &[("organiser", organiser.into())])
            });
        (public, contact)
    }

    /// A young signer's age, in plain words, on campaigns that welcome young signers.
    fn age_band(&self) -> String {
        let chosen = self.typed.get("age_band").map(String::as_str);
        let options: String = AgeBand::ALL
            .into_iter()
            .map(|band| {
                let value = band.as_str();
                let checked = if chosen == Some(value) {
                    " checked"
                } else {
                    ""
                };
                format!(
                    "<div class=\"choice\"><input type=\"radio\" id=\"age_band-{value}\" \
                     name=\"age_band\" value=\"{value}\"{checked}>\
                     <label for=\"age_band-{value}\">{}</label></div>",
                    self.t(&format!("age-{value}"))
                )
            })
            .collect();
        format!(
            "<fieldset id=\"age_band\" tabindex=\"-1\" aria-describedby=\"age_band-hint age_band-error\"{invalid}>\
             <legend>{legend}</legend><span class=\"hint\" id=\"age_band-hint\">{hint}</span>\
             {error}{options}</fieldset>",
            legend = self.t("age-legend"),
            hint = self.t("age-hint"),
            error = self.error_slot("age_band"),
            invalid = self.invalid("age_band"),
        )
    }

    fn form(&self) -> String {
        let c = self.campaign;
        let slug = c.slug.as_str();
        let young = c.signers.young_signers;
        let mut fields = String::new();
        if young {
            // First, so that what follows can be read knowing what it means for the signer.
            fields.push_str(&self.age_band());
        }
        fields.push_str(&self.text_field("name", "text", "name", ""));
        // Say what the address is for on this campaign: not every one asks for confirmation.
        let email_hint = if young {
            "hint-email-parent"
        } else if c.require_confirmation {
            "hint-email-confirm"
        } else {
            "hint-email-thanks"
        };
        fields.push_str(&self.text_field("email", "email", "email", email_hint));
        match c.kind {
            CampaignKind::Petition => {
                fields.push_str(&self.text_field(
                    "postcode",
                    "text",
                    "postal-code",
                    if young {
                        "hint-postcode-young"
                    } else {
                        "hint-postcode"
                    },
                ));
                fields.push_str(&self.country_field());
            }
            CampaignKind::Letter | CampaignKind::Pledge => {
                fields.push_str(&self.signatory_type());
                fields.push_str(&self.text_field(
                    "organisation",
                    "text",
                    "organization",
                    "hint-organisation",
                ));
                fields.push_str(&self.text_field(
                    "role",
                    "text",
                    "organization-title",
                    "hint-role",
                ));
            }
        }
        if c.kind == CampaignKind::Pledge {
            fields.push_str(&self.text_field("website", "url", "url", "hint-website"));
        }
        if young {
            fields.push_str(&format!(
                "<p class=\"hint\" id=\"young-note\">{}</p>",
                self.t("young-note")
            ));
        }
        let words = c.words(self.lang);
        let (public, contact) = self.standard_consent_words();
        let lang = self.lang;
        // Together, so that the form's script can take them away from a young signer.
        fields.push_str("<div id=\"consents\">");
        fields.push_str(&self.checkbox(
            "public",
            standard_or(&public, lang, words.consent_public_text),
        ));
        fields.push_str(&self.checkbox(
            "contact",
            standard_or(&contact, lang, words.consent_contact_text),
        ));
        fields.push_str("</div>");
        let source = self
            .source
            .map(|s| format!("<input type=\"hidden\" name=\"source\" value=\"{s}\">"))
            .unwrap_or_default();
        // The script's own words, in the page's language; and where the campaign asks for a
        // proof of work, where to get a challenge and the worker that solves it.
        let script_words = format!(
            " data-problem-other=\"{}\" data-problem-offline=\"{}\" data-problem-proof=\"{}\" \
             data-problem-rate-limited=\"{}\" data-problem-closed=\"{}\" data-problem-too-large=\"{}\" \
             data-problem-unavailable=\"{}\" data-working=\"{}\" data-parent-label=\"{}\"",
            self.t("problem-other"),
            self.t("problem-offline"),
            self.t("problem-proof"),
            self.t("problem-rate-limited"),
            self.t("problem-closed"),
            self.t("problem-too-large"),
            self.t("problem-unavailable"),
            self.t("button-working"),
            self.t("field-email-parent"),
        );
        // In English the service's own words are shown beside a field; in Welsh, a sentence
        // of the page's own (the script puts the field's label in).
        let script_words = match self.lang {
            Lang::En => script_words,
            Lang::Cy => format!(
                "{script_words} data-error-required=\"{}\" data-error-invalid=\"{}\"",
                escape_html(&i18n::text_with(
                    self.lang,
                    "field-error-required",
                    &[("label", "{label}".into())]
                )),
                escape_html(&i18n::text_with(
                    self.lang,
                    "field-error-invalid",
                    &[("label", "{label}".into())]
                )),
            ),
        };
        let proof = if c.signers.require_proof_of_work {
            " data-altcha=\"/v1/altcha/challenge\" data-altcha-worker=\"/embed/altcha-worker.js\""
        } else {
            ""
        };
        format!(
            "<form id=\"sign\" method=\"post\" action=\"{action}\" novalidate \
             data-api=\"/v1/campaigns/{slug}/signatures\"{script_words}{proof}>{fields}\
             <div class=\"hp\" aria-hidden=\"true\"><label for=\"nickname\">{honeypot}</label>\
             <input type=\"text\" id=\"nickname\" name=\"nickname\" tabindex=\"-1\" autocomplete=\"off\"></div>\
             <input type=\"hidden\" name=\"consent_version\" value=\"{version}\">\
             <input type=\"hidden\" name=\"lang\" value=\"{lang}\">\
             <input type=\"hidden\" name=\"started\" value=\"{stamp}\">{source}\
             <button type=\"submit\">{button}</button></form>",
            button = if c.kind == CampaignKind::Pledge {
                self.t("button-pledge")
            } else {
                self.t("button-sign")
            },
            honeypot = self.t("honeypot-label"),
            lang = self.lang,
            version = c.consent.version,
            action = escape_html(self.action),
            stamp = escape_html(&self.stamp),
        )
    }

    /// The count's message: its noun by number, in the page's language.
    fn count_message(&self) -> &'static str {
        match self.campaign.kind {
            CampaignKind::Petition => "count-petition",
            CampaignKind::Letter => "count-letter",
            CampaignKind::Pledge => "count-pledge",
        }
    }

    /// The count's noun for `n`.
    pub fn count_noun(&self, n: u64) -> String {
        i18n::text_with(self.lang, self.count_message(), &[("count", n.into())])
    }

    /// The live count: a number without JavaScript; with it, form.js follows the stream.
    pub fn count_line(&self) -> String {
        // Every plural form goes to the page (by a number that takes it in either language),
        // so that its script can keep the words right as the live count moves.
        let forms: String = [
            ("zero", 0),
            ("one", 1),
            ("two", 2),
            ("few", 3),
            ("many", 6),
            ("other", 10),
        ]
        .iter()
        .map(|(category, n)| format!(" data-{category}=\"{}\"", escape_html(&self.count_noun(*n))))
        .collect();
        format!(
            "<p class=\"count\"><strong id=\"count\" data-stream=\"/v1/campaigns/{slug}/count/stream\">{total}</strong> \
             <span id=\"count-noun\"{forms}>{noun}</span></p>",
            slug = self.campaign.slug.as_str(),
            total = super::counts::with_separators(self.total),
            noun = escape_html(&self.count_noun(self.total)),
        )
    }

    /// Everything below the count on any page with the form: the outcome of signing, the
    /// problem, the form (or why there is none), who is asking. `link_attributes` go on the
    /// organiser's links (a frame opens them outside itself).
    pub fn signing_part(&self, link_attributes: &str) -> String {
        let c = self.campaign;
        let open = c.status_at(store::now()) == CampaignStatus::Open;
        let (confirm, counted, parent) = (
            self.t("outcome-confirm"),
            self.t("outcome-counted"),
            self.t("outcome-parent"),
        );
        let outcome_text = match (self.signed, self.outcome) {
            (false, _) => String::new(),
            (true, Outcome::Held) => self.t("outcome-held"),
            (true, Outcome::ParentConfirms) => parent.clone(),
            (true, _) if c.require_confirmation => confirm.clone(),
            (true, _) => counted.clone(),
        };
        let outcome = format!(
            "<div id=\"outcome\" class=\"notice\" role=\"status\" tabindex=\"-1\" \
             data-confirm=\"{confirm}\" data-counted=\"{counted}\" data-parent=\"{parent}\"{hidden}>{outcome_text}</div>",
            hidden = if self.signed { "" } else { " hidden" },
        );
        let problem = match (&self.problem, self.errors.is_empty()) {
            (Some(text), _) => format!(
                "<div id=\"problem\" class=\"problem\" role=\"alert\" tabindex=\"-1\">{}</div>",
                escape_html(text)
            ),
            (None, false) => {
                let items: String = self
                    .errors
                    .iter()
                    .map(|e| {
                        format!(
                            "<li><a href=\"#{}\">{}</a></li>",
                            escape_html(&e.field),
                            escape_html(&error_text(self.lang, e))
                        )
                    })
                    .collect();
                format!(
                    "<div id=\"problem\" class=\"problem\" role=\"alert\" tabindex=\"-1\">\
                     {}<ul>{items}</ul></div>",
                    self.t("problem-summary")
                )
            }
            (None, true) => {
                "<div id=\"problem\" class=\"problem\" role=\"alert\" tabindex=\"-1\" hidden></div>"
                    .into()
            }
        };
        let body = if !open {
            format!("<p class=\"closed\">{}</p>", self.t("campaign-closed"))
        } else if self.signed {
            String::new()
        } else {
            self.form()
        };
        // Only where there are boxes to agree to: a closed campaign's page has none.
        let privacy = if open && !self.signed {
            let organiser = self.organiser.name.as_ref().map_or_else(
                || i18n::text(self.lang, "the-organisers"),
                |n| n.as_str().to_owned(),
            );
            let id = if c.require_confirmation {
                "privacy-confirm"
            } else {
                "privacy-thanks"
            };
            format!(
                "<p class=\"privacy\">{}</p>",
                escape_html(&i18n::text_with(
                    self.lang,
                    id,
                    &[("organiser", organiser.into())]
                ))
            )
        } else {
            String::new()
        };
        format!(
            "{outcome}{problem}{body}{privacy}{organiser}",
            organiser = super::pages::organiser_line(self.organiser, link_attributes, self.lang),
        )
    }

    fn render(&self, status: StatusCode) -> HttpResponse {
        let c = self.campaign;
        let words = c.words(self.lang);
        let html = format!(
            "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{page_title}</title><link rel=\"stylesheet\" href=\"/embed/form.css\"></head>\
             <body><main>{switch}<h1{title_lang}>{title}</h1><p class=\"summary\"{summary_lang}>{summary}</p>{text}{count}{signing}</main>\
             <script src=\"/embed/form.js\" defer></script></body></html>",
            lang = self.lang,
            switch = language_switch(self.lang, self.action, self.source),
            page_title = escape_html(&i18n::text_with(
                self.lang,
                "sign-title",
                &[("title", words.title.text.into())]
            )),
            title = escape_html(words.title.text),
            title_lang = lang_of(self.lang, words.title),
            summary = escape_html(words.summary.text),
            summary_lang = lang_of(self.lang, words.summary),
            text = full_text(self.lang, words.body),
            count = self.count_line(),
            // The form lives in a partner's frame: its links open outside it.
            signing = self.signing_part(" target=\"_blank\" rel=\"noopener\""),
        );
        HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CONTENT_SECURITY_POLICY, content_security_policy(c)))
            .insert_header((header::REFERRER_POLICY, "no-referrer"))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(html)
    }
}

/// The height of the plain `<iframe>` snippet, for sites that allow no scripts: the form's
/// tallest layout (a letter, at 320 px, with every hint and both consents) fits in it.
const PLAIN_IFRAME_HEIGHT: u32 = 1400;

/// The campaign's whole text, folded under its summary: people sign words they can read, and
/// on a phone the form stays near the top. Paragraphs are the text's blank-line breaks.
pub(super) fn full_text(lang: Lang, body: Localised<'_>) -> String {
    let paragraphs: String = body
        .text
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| format!("<p>{}</p>", escape_html(p)))
        .collect();
    format!(
        "<details class=\"text\"><summary>{}</summary><div{}>{paragraphs}</div></details>",
        escape_html(&i18n::text(lang, "full-text")),
        lang_of(lang, body),
    )
}

/// What the frame shows for an unknown campaign or one still in draft: short, in the form's
/// own style, and telling its height to embed.js like the form, so no blank space is left.
fn not_found(lang: Lang) -> HttpResponse {
    HttpResponse::NotFound()
        .content_type("text/html; charset=utf-8")
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'self'; script-src 'self'; base-uri 'none'",
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(format!(
            "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{}</title><link rel=\"stylesheet\" href=\"/embed/form.css\"></head>\
             <body><main><p class=\"closed\">{}</p></main>\
             <script src=\"/embed/form.js\" defer></script></body></html>",
            escape_html(&i18n::text(lang, "form-not-open-title")),
            escape_html(&i18n::text(lang, "form-not-open")),
        ))
}

/// The campaign a form page is for, with its count; `None` for unknown slugs and drafts.
pub(super) async fn shown_campaign(
    state: &AppState,
    slug: &str,
) -> Result<Option<(Campaign, u64)>, ApiError> {
    let Ok(slug) = Slug::parse(slug) else {
        return Ok(None);
    };
    let campaign = match super::campaign_named(state, &slug).await {
        Ok(c) if c.status != CampaignStatus::Draft => c,
        Ok(_) | Err(ApiError::NotFound) => return Ok(None),
        Err(other) => return Err(other),
    };
    let total = state.live.view(&slug).await?.total;
    Ok(Some((campaign, total)))
}

/// A partner code from the address, dropped if malformed (the signer could not fix it).
fn valid_source(raw: Option<&str>) -> Option<String> {
    raw.and_then(|s| SourceCode::parse(s).ok())
        .map(|s| s.as_str().to_owned())
}

/// `GET /embed/{slug}?source=…`: the form.
pub async fn form_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<EmbedQuery>,
) -> Result<HttpResponse, ApiError> {
    let Some((campaign, total)) = shown_campaign(&state, &slug).await? else {
        return Ok(not_found(i18n::page_lang(&req, Lang::En)));
    };
    let lang = i18n::page_lang(&req, campaign.signers.lang);
    let source = valid_source(query.source.as_deref());
    let organiser = organiser_of(state.store.as_ref(), &campaign, None).await?;
    let action = format!("/embed/{}", campaign.slug);
    Ok(FormPage::new(
        &campaign,
        &action,
        &organiser,
        total,
        source.as_deref(),
        state.signing.form_stamp(None),
        lang,
    )
    .render(StatusCode::OK))
}

/// The fields a signing form posts: the signing API's, by the same names.
const FORM_FIELDS: [&str; 17] = [
    "name",
    "email",
    "postcode",
    "country",
    "signatory_type",
    "organisation",
    "role",
    "public",
    "contact",
    "source",
    "consent_version",
    "website",
    "nickname",
    "started",
    "lang",
    "age_band",
    "altcha",
];

/// The form's fields as the signing API takes them, and what was typed (to fill the form
/// again). Unticked boxes are absent from a form post and mean no; text that was not valid
/// UTF-8 is refused rather than mangled, and a field the form does not have is refused, as
/// the API refuses it.
fn parse_form(body: &[u8]) -> (Typed, Result<SignatureForm, Vec<FieldError>>) {
    let mut typed = Typed::new();
    // As sent, spaces around included: lengths count them, as the API's do.
    let mut sent = Typed::new();
    let mut errors = Vec::new();
    for (key, value) in url::form_urlencoded::parse(body) {
        if !FORM_FIELDS.contains(&key.as_ref()) {
            errors.push(FieldError::new(key.as_ref(), "is not a field of this form"));
            continue;
        }
        if value.contains('\u{FFFD}') {
            errors.push(FieldError::new(key.as_ref(), "is not valid UTF-8 text"));
            continue;
        }
        let trimmed = value.trim();
        if !trimmed.is_empty() {
            typed.insert(key.clone().into_owned(), trimmed.to_owned());
            sent.insert(key.into_owned(), value.into_owned());
        }
    }
    // A ticked box sends its value, `true` (a browser sends `on` for a box without one); an
    // unticked one sends nothing. A script may send `false`.
    let mut ticked = |name: &str| match typed.get(name).map(String::as_str) {
        None | Some("false") => Some(false),
        Some("true" | "on") => Some(true),
        Some(_) => {
            errors.push(FieldError::new(name, "must be true or false"));
            None
        }
    };
    let (public, contact) = (ticked("public"), ticked("contact"));
    let consent_version = match typed.get("consent_version").map(|v| v.parse::<u32>()) {
        Some(Ok(version)) => Some(version),
        Some(Err(_)) => {
            errors.push(FieldError::new("consent_version", "must be a number"));
            None
        }
        None => None,
    };
    if !errors.is_empty() {
        return (typed, Err(errors));
    }
    let text = |k: &str| sent.get(k).cloned();
    let form = SignatureForm {
        name: text("name").unwrap_or_default(),
        email: text("email").unwrap_or_default(),
        postcode: text("postcode"),
        country: text("country"),
        signatory_type: text("signatory_type"),
        organisation: text("organisation"),
        role: text("role"),
        public,
        contact,
        source: text("source"),
        consent_version,
        website: text("website"),
        nickname: text("nickname"),
        started: text("started"),
        lang: text("lang"),
        age_band: text("age_band"),
        altcha: text("altcha"),
    };
    (typed, Ok(form))
}

/// What the form page says when signing failed for a reason that is no field's fault.
fn problem_text(lang: Lang, error: &ApiError) -> String {
    let id = match error {
        ApiError::RateLimited { .. } => "problem-rate-limited",
        ApiError::Conflict(_) => "problem-closed",
        ApiError::PayloadTooLarge { .. } => "problem-too-large",
        ApiError::Unavailable(_) => "problem-unavailable",
        _ => "problem-other",
    };
    i18n::text(lang, id)
}

/// A form post as signing took it: what was typed (to fill the form again), and the outcome.
pub(super) struct Submission {
    pub typed: Typed,
    pub status: StatusCode,
    pub errors: Vec<FieldError>,
    pub problem: Option<String>,
    pub signed: bool,
    pub outcome: Outcome,
    /// The language the form was shown in.
    pub lang: Lang,
    /// The partner code the form carried, if well-formed.
    source: Option<String>,
    /// The stamp the form was first shown with, kept when it is shown again, so fixing a
    /// typo quickly is not taken for haste.
    stamp: String,
    retry_after: Option<std::time::Duration>,
}

impl Submission {
    /// The answer, with `Retry-After` when signing was refused for too many attempts.
    pub fn finish(&self, mut response: HttpResponse) -> HttpResponse {
        if let Some(wait) = self.retry_after {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                header::HeaderValue::from(wait.as_secs().max(1)),
            );
        }
        response
    }
}

/// Signs with a browser's plain form post, for the frame and for the campaign's page alike.
pub(super) async fn take_form(
    req: &HttpRequest,
    state: &AppState,
    campaign: &Campaign,
    payload: web::Payload,
) -> Result<Submission, ApiError> {
    let mut payload = payload.into_inner();
    // Only the form on our own pages or a page the campaign allows may post it: otherwise
    // any site could make its visitors' browsers sign.
    super::cors::check_origin(state, campaign, req)?;
    let mut typed = Typed::new();
    let page_default = i18n::page_lang(req, campaign.signers.lang);
    let signed = async {
        // A browser's form: partner keys belong to the API, so any Authorization is ignored.
        let signer = Signer::public(req).await?;
        let body = read_body(&mut payload, state.max_body_bytes, state.body_deadline).await?;
        let (as_typed, mut form) = parse_form(&body);
        typed = as_typed;
        if let Ok(form) = &mut form
            && form.lang.is_none()
        {
            form.lang = Some(page_default.as_str().to_owned());
        }
        let form = form.map_err(ApiError::Validation)?;
        signer.sign_form_post(state, form).await
    }
    .await;
    // The form is shown again in the language it was sent in.
    let lang = typed
        .get("lang")
        .and_then(|l| l.parse().ok())
        .unwrap_or(page_default);
    let (status, errors, problem) = match &signed {
        Err(ApiError::RequestTimeout) => return Err(ApiError::RequestTimeout),
        Ok(_) => (StatusCode::OK, Vec::new(), None),
        Err(ApiError::Validation(errors)) => {
            (StatusCode::UNPROCESSABLE_ENTITY, errors.clone(), None)
        }
        Err(other) => {
            if matches!(other, ApiError::Internal(_)) {
                tracing::error!(error = ?other, "a signing form failed");
            }
            (
                other.status_code(),
                Vec::new(),
                Some(problem_text(lang, other)),
            )
        }
    };
    let retry_after = match &signed {
        Err(ApiError::RateLimited { retry_after, .. }) => Some(*retry_after),
        _ => None,
    };
    Ok(Submission {
        source: valid_source(typed.get("source").map(String::as_str)),
        stamp: state
            .signing
            .form_stamp(typed.get("started").map(String::as_str)),
        typed,
        status,
        errors,
        problem,
        signed: signed.is_ok(),
        outcome: signed
            .as_ref()
            .map_or(Outcome::Counted, |a| Outcome::from(*a)),
        lang,
        retry_after,
    })
}

/// `POST /embed/{slug}`: the form without JavaScript. Answers with the form page again,
/// showing the outcome, or each field's error beside it with what was typed kept.
pub async fn form_submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let Some((campaign, total)) = shown_campaign(&state, &slug).await? else {
        return Ok(not_found(i18n::page_lang(&req, Lang::En)));
    };
    let submitted = take_form(&req, &state, &campaign, payload).await?;
    let organiser = organiser_of(state.store.as_ref(), &campaign, None).await?;
    let action = format!("/embed/{}", campaign.slug);
    let page = FormPage::posted(&campaign, &action, &organiser, total, &submitted)
        .render(submitted.status);
    Ok(submitted.finish(page))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnippetQuery {
    source: Option<String>,
}

/// `GET /v1/campaigns/{slug}/embed?source=…`: the snippets a partner pastes, ready to copy.
pub async fn snippets(
    Organiser(caller): Organiser,
    state: web::Data<AppState>,
    slug: web::Path<Slug>,
    query: web::Query<SnippetQuery>,
) -> Result<HttpResponse, ApiError> {
    let campaign = managed_campaign(&state, &slug, &caller).await?;
    let source = query
        .source
        .as_deref()
        .map(SourceCode::parse)
        .transpose()
        .map_err(|m| ApiError::field("source", m))?;
    let base = state.public_url.as_str().trim_end_matches('/');
    let slug = campaign.slug.as_str();
    let form_url = match &source {
        Some(s) => format!("{base}/embed/{slug}?source={}", s.as_str()),
        None => format!("{base}/embed/{slug}"),
    };
    let data_source = source
        .as_ref()
        .map(|s| format!(" data-source=\"{}\"", s.as_str()))
        .unwrap_or_default();
    let title = escape_html(&format!("Sign: {}", campaign.title.as_str()));
    let script = format!(
        "<script src=\"{}/embed.js\" data-campaign=\"{slug}\"{data_source} data-title=\"{title}\" async></script>",
        escape_html(base)
    );
    let iframe = format!(
        "<iframe src=\"{}\" title=\"{title}\" style=\"display:block;width:100%;max-width:40rem;height:{PLAIN_IFRAME_HEIGHT}px;border:0\" loading=\"lazy\"></iframe>",
        escape_html(&form_url)
    );
    let shortcode = match &source {
        Some(s) => format!(
            "[undersigned campaign=\"{slug}\" source=\"{}\"]",
            s.as_str()
        ),
        None => format!("[undersigned campaign=\"{slug}\"]"),
    };
    let mut warnings = Vec::new();
    if campaign.allowed_origins.is_empty() {
        warnings.push(
            "no partner site may show the form yet: add each site's origin to the campaign's allowed_origins",
        );
    }
    if campaign.status_at(store::now()) != CampaignStatus::Open {
        warnings.push("the campaign is not open, so the form shows no fields");
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({
            "form_url": form_url,
            "script": script,
            "iframe": iframe,
            "iframe_note": format!(
                "The plain frame is {PLAIN_IFRAME_HEIGHT} px tall, enough for the whole form on a phone \
                 (on a wide screen some space stays below it). Where a site allows scripts, the \
                 script snippet sizes its frame to the form instead."
            ),
            "wordpress_shortcode": shortcode,
            "allowed_origins": campaign.allowed_origins.iter().map(|o| o.as_str()).collect::<Vec<_>>(),
            "warnings": warnings,
        })))
}
