//! The signing form: the one partial that the campaign page, the embedded form
//! (`/embed/{slug}`, which also works as a plain form POST with JavaScript off) and the pledge
//! page show, its context (`FormView`), and the handling of a plain form post.

use std::collections::{BTreeMap, HashMap};

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use serde::{Deserialize, Serialize};

use super::{BrandView, OrganiserView, Part, Switch};
use crate::accounts::organiser_of;
use crate::domain::{AgeBand, Brand, ConsentWording, ContactBasis, Lang, Localised};
use crate::domain::{
    Campaign, CampaignKind, CampaignStatus, Country, FieldError, Identity, SignatureForm, Slug,
    SourceCode,
};
use crate::error::ApiError;
use crate::http::extract::read_body;
use crate::http::signer::Signer;
use crate::i18n;
use crate::signing::Accepted;
use crate::state::AppState;
use crate::store;

/// The form page's policy: our own script, style and API only, nothing inline, nothing from
/// elsewhere, and framed only by the campaign's allowed origins (and our own pages).
pub fn content_security_policy(campaign: &Campaign) -> String {
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
    /// `plain`: the form in the service's own colours, not the organisation's (a partner
    /// whose site has colours of its own may ask for it).
    style: Option<String>,
    /// Read by `i18n::page_lang`.
    #[allow(dead_code)]
    lang: Option<String>,
}

/// What the signer typed, kept to fill the form again beside its errors.
pub type Typed = HashMap<String, String>;

/// What a signer is told once their signature is taken (see `signing::Accepted`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
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

impl Outcome {
    /// The message that tells it, once signed.
    fn message(self, campaign: &Campaign) -> &'static str {
        match self {
            Outcome::Held => "outcome-held",
            Outcome::ParentConfirms => "outcome-parent",
            Outcome::Counted if campaign.require_confirmation => "outcome-confirm",
            Outcome::Counted => "outcome-counted",
        }
    }
}

/// The live count, as `partials/count.html` shows it.
#[derive(Serialize)]
pub struct CountLine {
    pub slug: String,
    pub total: u64,
    pub noun: String,
    /// The noun in every plural form, by a number that takes it in either language, so the
    /// page's script keeps the words right as the count moves.
    pub forms: Vec<PluralForm>,
}

#[derive(Serialize)]
pub struct PluralForm {
    pub category: &'static str,
    pub noun: String,
}

impl CountLine {
    pub fn new(campaign: &Campaign, total: u64, lang: Lang) -> Self {
        let message = match campaign.kind {
            CampaignKind::Petition => "count-petition",
            CampaignKind::Letter => "count-letter",
            CampaignKind::Pledge => "count-pledge",
        };
        let noun = |n: u64| i18n::text_with(lang, message, &[("count", n.into())]);
        Self {
            slug: campaign.slug.as_str().to_owned(),
            total,
            noun: noun(total),
            forms: [
                ("zero", 0),
                ("one", 1),
                ("two", 2),
                ("few", 3),
                ("many", 6),
                ("other", 10),
            ]
            .into_iter()
            .map(|(category, n)| PluralForm {
                category,
                noun: noun(n),
            })
            .collect(),
        }
    }
}

#[derive(Serialize)]
pub struct CountryOption {
    code: &'static str,
    name: String,
    selected: bool,
    lang: Option<Lang>,
}

#[derive(Serialize)]
pub struct ErrorLine {
    field: String,
    text: String,
}

/// The words the form's script shows in Welsh beside a field (in English, the service's own).
#[derive(Serialize)]
pub struct ScriptErrors {
    required: String,
    invalid: String,
}

/// What `partials/signing.html` and `partials/signing_form.html` show.
#[derive(Serialize)]
pub struct FormView {
    slug: String,
    /// Where the form posts without JavaScript: the page it is on.
    action: String,
    kind: CampaignKind,
    young: bool,
    /// The campaign invites a reason for signing.
    reasons: bool,
    proof: bool,
    typed: BTreeMap<String, String>,
    errors: BTreeMap<String, String>,
    error_list: Vec<ErrorLine>,
    problem: Option<String>,
    script_errors: Option<ScriptErrors>,
    email_hint: &'static str,
    postcode_hint: &'static str,
    countries: Vec<CountryOption>,
    signatory_type: String,
    age_band: Option<String>,
    age_bands: Vec<&'static str>,
    public_words: Part,
    contact_words: Part,
    source: Option<String>,
    consent_version: u32,
    text_version: u32,
    stamp: String,
    open: bool,
    signed: bool,
    /// The message telling the outcome, once signed.
    outcome: Option<&'static str>,
    privacy: &'static str,
    privacy_organiser: String,
}

/// How a form is shown: as it first shows, or after a post.
pub struct FormState<'a> {
    pub action: String,
    pub source: Option<String>,
    pub typed: &'a Typed,
    pub errors: &'a [FieldError],
    pub problem: Option<String>,
    pub signed: Option<Outcome>,
    /// When the form was shown, signed (see `signing::FormClock`).
    pub stamp: String,
    /// A draft's preview shows the form as it will be once the campaign opens.
    pub previewing: bool,
}

/// Nothing typed yet.
static NOTHING_TYPED: std::sync::LazyLock<Typed> = std::sync::LazyLock::new(Typed::new);

impl<'a> FormState<'a> {
    /// The form as it first shows, empty.
    pub fn new(action: String, source: Option<String>, stamp: String) -> Self {
        Self {
            action,
            source,
            typed: &NOTHING_TYPED,
            errors: &[],
            problem: None,
            signed: None,
            stamp,
            previewing: false,
        }
    }

    /// The same form, on a draft's preview: shown as it will be once the campaign opens.
    pub fn previewing(self) -> Self {
        Self {
            previewing: true,
            ..self
        }
    }

    /// The form once `submitted` was posted: its outcome, or its errors with what was typed.
    pub fn posted(action: String, submitted: &'a Submission) -> Self {
        Self {
            action,
            source: submitted.source.clone(),
            typed: &submitted.typed,
            errors: &submitted.errors,
            problem: submitted.problem.clone(),
            signed: submitted.signed.then_some(submitted.outcome),
            stamp: submitted.stamp.clone(),
            previewing: false,
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
fn standard_or(standard: Option<String>, lang: Lang, own: Localised<'_>) -> Part {
    match standard {
        Some(text) => Part { text, lang: None },
        None => Part::of(lang, own),
    }
}

struct Consents<'a> {
    campaign: &'a Campaign,
    lang: Lang,
}

impl Consents<'_> {
    /// The standard consent words in the page's language, for each box whose words are the
    /// standard ones (those a campaign has unless its organiser wrote their own), which exist
    /// in every language; `None` for words of the organiser's.
    fn standard_consent_words(&self, organiser: &Identity) -> (Option<String>, Option<String>) {
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
        let named = c.organiser.name.as_ref().or(organiser.name.as_ref());
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
}

impl FormView {
    pub fn new(
        campaign: &Campaign,
        organiser: &Identity,
        lang: Lang,
        state: &FormState<'_>,
    ) -> Self {
        let c = campaign;
        let young = c.signers.young_signers;
        let open = state.previewing || c.status_at(store::now()) == CampaignStatus::Open;
        let typed = |field: &str| state.typed.get(field).map(String::as_str);
        let chosen_country = Country::parse(typed("country").unwrap_or("GB"))
            .map_or_else(|_| "GB".to_owned(), |c| c.as_str().to_owned());
        let countries = Country::choices()
            .into_iter()
            .map(|(code, name)| {
                // The United Kingdom in the page's language; the rest by their English names,
                // marked so on a Welsh page.
                let (name, other) = match (code, lang) {
                    ("GB", _) => (i18n::text(lang, "country-gb"), None),
                    (_, Lang::En) => (name.to_owned(), None),
                    (_, Lang::Cy) => (name.to_owned(), Some(Lang::En)),
                };
                CountryOption {
                    code,
                    name,
                    selected: code == chosen_country,
                    lang: other,
                }
            })
            .collect();
        let words = c.words(lang);
        let (public, contact) = Consents { campaign: c, lang }.standard_consent_words(organiser);
        let script_errors = match lang {
            Lang::En => None,
            Lang::Cy => Some(ScriptErrors {
                required: i18n::text_with(
                    lang,
                    "field-error-required",
                    &[("label", "{label}".into())],
                ),
                invalid: i18n::text_with(
                    lang,
                    "field-error-invalid",
                    &[("label", "{label}".into())],
                ),
            }),
        };
        let privacy_organiser = organiser.name.as_ref().map_or_else(
            || i18n::text(lang, "the-organisers"),
            |n| n.as_str().to_owned(),
        );
        Self {
            slug: c.slug.as_str().to_owned(),
            action: state.action.clone(),
            kind: c.kind,
            young,
            reasons: c.signers.invite_reasons,
            proof: c.signers.require_proof_of_work,
            typed: state
                .typed
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            errors: state
                .errors
                .iter()
                .rev()
                .map(|e| (e.field.clone(), error_text(lang, e)))
                .collect(),
            error_list: state
                .errors
                .iter()
                .map(|e| ErrorLine {
                    field: e.field.clone(),
                    text: error_text(lang, e),
                })
                .collect(),
            problem: state.problem.clone(),
            script_errors,
            // Say what the address is for on this campaign: not every one asks for confirmation.
            email_hint: if young {
                "hint-email-parent"
            } else if c.require_confirmation {
                "hint-email-confirm"
            } else {
                "hint-email-thanks"
            },
            postcode_hint: if young {
                "hint-postcode-young"
            } else {
                "hint-postcode"
            },
            countries,
            signatory_type: typed("signatory_type").unwrap_or("individual").to_owned(),
            age_band: typed("age_band").map(str::to_owned),
            age_bands: AgeBand::ALL.iter().map(|b| b.as_str()).collect(),
            public_words: standard_or(public, lang, words.consent_public_text),
            contact_words: standard_or(contact, lang, words.consent_contact_text),
            source: state.source.clone(),
            consent_version: c.consent.version,
            text_version: c.text_version.number,
            stamp: state.stamp.clone(),
            open,
            signed: state.signed.is_some(),
            outcome: state.signed.map(|o| o.message(c)),
            privacy: if c.require_confirmation {
                "privacy-confirm"
            } else {
                "privacy-thanks"
            },
            privacy_organiser,
        }
    }
}

/// The embedded form's page: `templates/pages/form.html`.
#[derive(Serialize)]
struct FormPage {
    lang: Lang,
    frame: Frame,
    switch: Switch,
    brand: BrandView,
    organiser: OrganiserView,
    framed: bool,
    campaign: FormCampaign,
    count: CountLine,
    form: FormView,
    /// Shown on a draft's private preview: "Preview — not yet open".
    preview: bool,
}

#[derive(Serialize)]
struct Frame {
    title: String,
}

#[derive(Serialize)]
struct FormCampaign {
    title: Part,
    summary: Part,
    body: Part,
    /// The whole text, folded under the summary: people sign words they can read, and on a
    /// phone the form stays near the top. Paragraphs are the text's blank-line breaks.
    paragraphs: Vec<String>,
}

/// The form page, or the short page for a campaign that is not open to the public.
#[allow(clippy::too_many_arguments)]
fn form_page(
    state: &AppState,
    campaign: &Campaign,
    organiser: &Identity,
    brand: &Brand,
    total: u64,
    lang: Lang,
    form: &FormState<'_>,
    plain: bool,
    status: StatusCode,
    preview_path: Option<&str>,
) -> Result<HttpResponse, ApiError> {
    let words = campaign.words(lang);
    let page = FormPage {
        lang,
        frame: Frame {
            title: i18n::text_with(lang, "sign-title", &[("title", words.title.text.into())]),
        },
        // On a preview, the language link stays on the preview.
        switch: Switch::new(
            lang,
            preview_path.unwrap_or(&form.action),
            form.source.as_deref(),
        ),
        brand: BrandView::of(organiser, brand, campaign.slug.as_str(), plain),
        organiser: OrganiserView::from(organiser),
        // The form lives in a partner's frame: its links open outside it.
        framed: true,
        campaign: FormCampaign {
            title: Part::of(lang, words.title),
            summary: Part::of(lang, words.summary),
            body: Part::of(lang, words.body),
            paragraphs: words
                .body
                .text
                .split("\n\n")
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect(),
        },
        count: CountLine::new(campaign, total, lang),
        form: FormView::new(campaign, organiser, lang, form),
        preview: preview_path.is_some(),
    };
    let html = super::render(&state.templates, "pages/form.html", &page)?;
    // In a partner's frame: the partner's address is not sent on anywhere.
    Ok(super::html_response(
        status,
        &content_security_policy(campaign),
        super::REFER_NOTHING,
        super::PRIVATE,
        html,
    ))
}

#[derive(Serialize)]
struct NotOpen {
    lang: Lang,
    frame: Frame,
    brand: BrandView,
}

/// What the frame shows for an unknown campaign or one still in draft: short, in the form's
/// own style, and telling its height to embed.js like the form, so no blank space is left.
fn not_found(state: &AppState, lang: Lang) -> Result<HttpResponse, ApiError> {
    let page = NotOpen {
        lang,
        frame: Frame {
            title: i18n::text(lang, "form-not-open-title"),
        },
        brand: BrandView::default(),
    };
    let html = super::render(&state.templates, "pages/form_not_found.html", &page)?;
    Ok(HttpResponse::NotFound()
        .content_type("text/html; charset=utf-8")
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'self'; script-src 'self'; base-uri 'none'",
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(html))
}

/// The campaign a form page is for, with its count; `None` for unknown slugs and drafts.
async fn shown_campaign(state: &AppState, slug: &str) -> Result<Option<(Campaign, u64)>, ApiError> {
    let Ok(slug) = Slug::parse(slug) else {
        return Ok(None);
    };
    let campaign = match state.store.campaign(&slug).await? {
        Some(c) if c.status != CampaignStatus::Draft => c,
        _ => return Ok(None),
    };
    let total = state.live.view(&slug).await?.total;
    Ok(Some((campaign, total)))
}

/// A partner code from the address, dropped if malformed (the signer could not fix it).
fn valid_source(raw: Option<&str>) -> Option<String> {
    raw.and_then(|s| SourceCode::parse(s).ok())
        .map(|s| s.as_str().to_owned())
}

/// `GET /embed/{slug}?source=…&style=plain`: the form.
pub async fn embed_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<EmbedQuery>,
) -> Result<HttpResponse, ApiError> {
    let Some((campaign, total)) = shown_campaign(&state, &slug).await? else {
        return not_found(&state, i18n::page_lang(&req, Lang::En));
    };
    let lang = i18n::page_lang(&req, campaign.signers.lang);
    let organiser = organiser_of(state.store.as_ref(), &campaign, None).await?;
    let form = FormState::new(
        format!("/embed/{}", campaign.slug),
        valid_source(query.source.as_deref()),
        state.signing.form_stamp(None),
    );
    let plain = query.style.as_deref() == Some("plain");
    let brand = campaign.look();
    form_page(
        &state,
        &campaign,
        &organiser,
        &brand,
        total,
        lang,
        &form,
        plain,
        StatusCode::OK,
        None,
    )
}

/// `GET /c/{slug}/preview/{token}/form`: a draft's embedded form as partners' sites will
/// show it, marked as a preview.
pub async fn draft_preview_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    use super::{Previewed, previewed, private_preview, to_public};
    let (slug, token) = path.into_inner();
    let campaign = match previewed(&state, &slug, &token).await? {
        Previewed::Draft(campaign) => campaign,
        Previewed::Public(slug) => return Ok(to_public(format!("/embed/{slug}"))),
        Previewed::Missing => return not_found(&state, i18n::page_lang(&req, Lang::En)),
    };
    let lang = i18n::page_lang(&req, campaign.signers.lang);
    let organiser = organiser_of(state.store.as_ref(), &campaign, None).await?;
    let form = FormState::new(
        format!("/embed/{}", campaign.slug),
        None,
        state.signing.form_stamp(None),
    )
    .previewing();
    let here = format!("/c/{}/preview/{token}/form", campaign.slug);
    let response = form_page(
        &state,
        &campaign,
        &organiser,
        &campaign.look(),
        0,
        lang,
        &form,
        false,
        StatusCode::OK,
        Some(&here),
    )?;
    Ok(private_preview(response))
}

/// The fields a signing form posts: the signing API's, by the same names.
const FORM_FIELDS: [&str; 18] = [
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
    "text_version",
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
    let mut version = |field: &'static str| match typed.get(field).map(|v| v.parse::<u32>()) {
        Some(Ok(version)) => Some(version),
        Some(Err(_)) => {
            errors.push(FieldError::new(field, "must be a number"));
            None
        }
        None => None,
    };
    let consent_version = version("consent_version");
    let text_version = version("text_version");
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
        text_version,
        website: text("website"),
        nickname: text("nickname"),
        started: text("started"),
        lang: text("lang"),
        age_band: text("age_band"),
        altcha: text("altcha"),
        reason: text("reason"),
        reason_shown_as: text("reason_shown_as"),
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
pub struct Submission {
    pub typed: Typed,
    pub status: StatusCode,
    pub errors: Vec<FieldError>,
    pub problem: Option<String>,
    pub signed: bool,
    pub outcome: Outcome,
    /// The language the form was shown in.
    pub lang: Lang,
    /// The partner code the form carried, if well-formed.
    pub source: Option<String>,
    /// The stamp the form was first shown with, kept when it is shown again, so fixing a
    /// typo quickly is not taken for haste.
    pub stamp: String,
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
pub async fn take_form(
    req: &HttpRequest,
    state: &AppState,
    campaign: &Campaign,
    payload: web::Payload,
) -> Result<Submission, ApiError> {
    let mut payload = payload.into_inner();
    // Only the form on our own pages or a page the campaign allows may post it: otherwise
    // any site could make its visitors' browsers sign.
    crate::http::cors::check_origin(state, campaign, req)?;
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
pub async fn embed_submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let Some((campaign, total)) = shown_campaign(&state, &slug).await? else {
        return not_found(&state, i18n::page_lang(&req, Lang::En));
    };
    let submitted = take_form(&req, &state, &campaign, payload).await?;
    let organiser = organiser_of(state.store.as_ref(), &campaign, None).await?;
    let brand = campaign.look();
    let form = FormState::posted(format!("/embed/{}", campaign.slug), &submitted);
    let page = form_page(
        &state,
        &campaign,
        &organiser,
        &brand,
        total,
        submitted.lang,
        &form,
        false,
        submitted.status,
        None,
    )?;
    Ok(submitted.finish(page))
}
