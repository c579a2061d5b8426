//! A signer's act on one campaign, as submitted and parsed.

use serde::Serialize;

use super::text::parse_text;
use super::{CampaignKind, Email, FieldErrors, Lang};

/// Where a signature stands. Only `Confirmed` counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SignatureStatus {
    /// Waiting for the signer to confirm their email address.
    Pending,
    Confirmed,
    /// Taken back by the signer; their personal data is erased.
    Withdrawn,
    /// Caught by the honeypot: kept apart, never counted, never emailed.
    Spam,
    /// A pledge not renewed in time: no longer held, no longer counted.
    Lapsed,
    /// Taken out of every count by the organisers (a flood, say), restorable for a while.
    Invalidated,
}

/// An organiser's moderation of a signature. A rejected signature does not count; a letter
/// lists only approved signatories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Review {
    Pending,
    Approved,
    Rejected,
    /// Sent without the proof of work its campaign asks for (as a browser without JavaScript
    /// sends it): kept, but counted and listed only once an organiser approves it.
    Held,
}

impl Review {
    /// Whether a confirmed signature under this review is in the count.
    pub fn counts(self) -> bool {
        matches!(self, Review::Pending | Review::Approved)
    }
}

/// A young signer's age, as a band: asked on campaigns that welcome young signers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum AgeBand {
    #[serde(rename = "under-13")]
    Under13,
    #[serde(rename = "13-15")]
    From13To15,
    #[serde(rename = "16-17")]
    From16To17,
    #[serde(rename = "18-plus")]
    Adult,
}

impl AgeBand {
    pub const ALL: [AgeBand; 4] = [
        AgeBand::Under13,
        AgeBand::From13To15,
        AgeBand::From16To17,
        AgeBand::Adult,
    ];

    /// Under 18: no contact, never listed by name, only the postcode district kept, and
    /// kept for the campaign's shorter time.
    pub fn is_young(self) -> bool {
        self != AgeBand::Adult
    }

    /// Under 13: a parent or carer gives their email and confirms for the child.
    pub fn needs_a_parent(self) -> bool {
        self == AgeBand::Under13
    }

    /// Its place in [`AgeBand::ALL`], as counts by band are kept.
    pub fn index(self) -> usize {
        self as usize
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SignatoryType {
    Individual,
    Organisation,
}

/// How the organisers may contact a signer later (UK GDPR / PECR as amended by the Data (Use
/// and Access) Act 2025).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactBasis {
    /// An unticked box the signer ticks to opt in.
    Consent,
    /// A registered charity's soft opt-in: contact unless the signer opts out there and then.
    SoftOptIn,
}

text_enum!(SignatureStatus {
    SignatureStatus::Pending => "pending",
    SignatureStatus::Confirmed => "confirmed",
    SignatureStatus::Withdrawn => "withdrawn",
    SignatureStatus::Spam => "spam",
    SignatureStatus::Lapsed => "lapsed",
    SignatureStatus::Invalidated => "invalidated",
});
text_enum!(Review {
    Review::Pending => "pending",
    Review::Approved => "approved",
    Review::Rejected => "rejected",
    Review::Held => "held",
});
text_enum!(AgeBand {
    AgeBand::Under13 => "under-13",
    AgeBand::From13To15 => "13-15",
    AgeBand::From16To17 => "16-17",
    AgeBand::Adult => "18-plus",
});
text_enum!(SignatoryType {
    SignatoryType::Individual => "individual",
    SignatoryType::Organisation => "organisation",
});
text_enum!(ContactBasis {
    ContactBasis::Consent => "consent",
    ContactBasis::SoftOptIn => "soft_opt_in",
});

/// A signer's name as they typed it: 1 to 200 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(raw: &str) -> Result<Self, String> {
        parse_text(raw, 200, false).map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether text holds something a mail reader could take for a link or an address, by one
/// rule: after folding compatibility forms (NFKC: full-width `＠`, `．`, `ｗｗｗ`…) and removing
/// invisible characters, it holds `@`, `://` or `www`, or a full stop (of any script) between
/// two letters or digits (of any script), as in `evil.example/x`, `evil.example:8080`,
/// `xn--e1afmkfd.xn--p1ai`, `еvil.com` with a Cyrillic `е`, or initials run together
/// (`J.R.Hartley`, which is left out too: better a plain greeting than a link).
pub fn holds_an_address(text: &str) -> bool {
    use unicode_normalization::UnicodeNormalization;
    /// Characters that show as nothing, which could split a token to hide it.
    fn invisible(c: char) -> bool {
        matches!(
            c,
            '\u{00ad}' | '\u{034f}' | '\u{061c}' | '\u{115f}' | '\u{1160}' | '\u{17b4}'
                | '\u{17b5}' | '\u{180e}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
                | '\u{2060}'..='\u{206f}' | '\u{3164}' | '\u{fe00}'..='\u{fe0f}' | '\u{feff}'
                | '\u{ffa0}'
        )
    }
    /// Full stops of other scripts, as a mail reader may take them for a dot in a name.
    fn full_stop(c: char) -> bool {
        matches!(
            c,
            '.' | '\u{3002}' | '\u{06d4}' | '\u{0701}' | '\u{0702}' | '\u{2e3c}'
        )
    }
    let folded: Vec<char> = text
        .nfkc()
        .filter(|c| !invisible(*c))
        .flat_map(char::to_lowercase)
        .collect();
    let joined: String = folded.iter().collect();
    if joined.contains('@') || joined.contains("://") || joined.contains("www") {
        return true;
    }
    folded
        .windows(3)
        .any(|w| full_stop(w[1]) && w[0].is_alphanumeric() && w[2].is_alphanumeric())
}

/// An organisation's name or a signer's role, as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShortText(String);

impl ShortText {
    pub fn parse(raw: &str) -> Result<Self, String> {
        parse_text(raw, 200, false).map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A pledger's website: an `https` address of a public site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Website(String);

impl Website {
    const MAX_CHARS: usize = 500;

    pub fn parse(raw: &str) -> Result<Self, String> {
        if raw.chars().count() > Self::MAX_CHARS {
            return Err(format!("must be at most {} characters", Self::MAX_CHARS));
        }
        let shape = || "must be a website's address, like https://www.example.org".to_owned();
        let url = url::Url::parse(raw.trim()).map_err(|_| shape())?;
        let public_host = url.host_str().is_some_and(|h| h.contains('.'));
        if url.scheme() != "https" || !public_host {
            return Err(shape());
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("must not hold a user name or password".into());
        }
        Ok(Self(url.into()))
    }

    /// An organisation's own website, as its account gives it: only in the plain shape the
    /// contract states (see `plain_address`). A pledger's site is taken as any public `https`
    /// address, stored as the URL standard writes it.
    pub fn parse_plain(raw: &str) -> Result<Self, String> {
        let website = Self::parse(raw)?;
        if !super::plain_address::public_https(raw.trim()) {
            return Err(
                "must be a website's address, like https://www.example.org, \
                 without spaces or letters outside ASCII"
                    .into(),
            );
        }
        Ok(website)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An organisation's name reduced for spotting the same organisation signing twice:
/// lower-cased letters and digits only, without a leading "the" or a trailing company form.
pub fn organisation_key(name: &ShortText) -> String {
    let words: Vec<String> = name
        .as_str()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let mut words: &[String] = &words;
    if words.len() > 1 && words[0] == "the" {
        words = &words[1..];
    }
    const FORMS: &[&str] = &["ltd", "limited", "cic", "plc", "cio", "llp", "uk"];
    while words.len() > 1 && FORMS.contains(&words[words.len() - 1].as_str()) {
        words = &words[..words.len() - 1];
    }
    words.concat()
}

/// A UK postcode, stored as `SW1A 1AA`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Postcode(String);

impl Postcode {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let compact: String = raw
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        let invalid = || "is not a UK postcode".to_string();
        if !(5..=7).contains(&compact.len()) || !compact.is_ascii() {
            return Err(invalid());
        }
        let (outward, inward) = compact.split_at(compact.len() - 3);
        let inward_ok = {
            let b = inward.as_bytes();
            b[0].is_ascii_digit() && b[1].is_ascii_alphabetic() && b[2].is_ascii_alphabetic()
        };
        // Outward code: A9, A99, AA9, AA99, A9A or AA9A (and the special GIR 0AA).
        let shape: String = outward
            .chars()
            .map(|c| {
                if c.is_ascii_digit() {
                    '9'
                } else if c.is_ascii_alphabetic() {
                    'A'
                } else {
                    '?'
                }
            })
            .collect();
        let outward_ok = matches!(
            shape.as_str(),
            "A9" | "A99" | "AA9" | "AA99" | "A9A" | "AA9A"
        );
        if !(inward_ok && (outward_ok || outward == "GIR")) {
            return Err(invalid());
        }
        Ok(Self(format!("{outward} {inward}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Only the district (the outward code: `CF10` of `CF10 1AA`), all that is kept of a
    /// young signer's postcode.
    pub fn district(&self) -> Self {
        Self(self.0.split(' ').next().unwrap_or_default().to_owned())
    }

    /// The letters at the start: `CF` for `CF10 1AA`, `B` for `B1 1AA`.
    pub fn area(&self) -> &str {
        let letters = self
            .0
            .chars()
            .take_while(|c| c.is_ascii_alphabetic())
            .count();
        &self.0[..letters]
    }
}

/// An ISO 3166-1 alpha-2 country code, upper case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Country(String);

/// What people write for the United Kingdom, and for its nations, folded to lower case.
const UK_NAMES: [&str; 9] = [
    "uk",
    "united kingdom",
    "great britain",
    "britain",
    "england",
    "wales",
    "cymru",
    "scotland",
    "northern ireland",
];

impl Country {
    pub fn uk() -> Self {
        Self("GB".into())
    }

    /// A country as people give it: its two- or three-letter ISO code (`GB`, `IRL`), `UK`, or
    /// its name in English (`Ireland`, `United Kingdom`, `Wales`), in any letter case.
    pub fn parse(raw: &str) -> Result<Self, String> {
        use isocountry::CountryCode;
        let given = raw.trim();
        let folded = given.to_lowercase();
        if UK_NAMES.contains(&folded.as_str()) {
            return Ok(Self::uk());
        }
        let upper = given.to_ascii_uppercase();
        let found = CountryCode::for_alpha2(&upper)
            .or_else(|_| CountryCode::for_alpha3(&upper))
            .ok()
            .or_else(|| {
                CountryCode::iter()
                    .find(|c| {
                        c.name().to_lowercase() == folded
                            || Self::short_name(c).to_lowercase() == folded
                    })
                    .copied()
            });
        found.map(|c| Self(c.alpha2().to_owned())).ok_or_else(|| {
            "Choose your country from the list, or give its name or two-letter code, such as \
             GB or IE"
                .to_string()
        })
    }

    /// Every country as a form lists it: its code and the name people know it by, the United
    /// Kingdom first, then by name.
    pub fn choices() -> Vec<(&'static str, &'static str)> {
        let mut all: Vec<(&'static str, &'static str)> = isocountry::CountryCode::iter()
            .filter(|c| c.alpha2() != "GB")
            .map(|c| (c.alpha2(), Self::short_name(c)))
            .collect();
        all.sort_by_key(|(_, name)| *name);
        all.insert(0, ("GB", "United Kingdom"));
        all
    }

    /// The standard's name, less its formal additions where people never say them.
    fn short_name(code: &isocountry::CountryCode) -> &'static str {
        match code.alpha2() {
            "GB" => "United Kingdom",
            "US" => "United States",
            _ => code.name(),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Which partner or page brought a signature: `[a-z0-9-]{1,64}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceCode(String);

impl SourceCode {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let ok = (1..=64).contains(&raw.len())
            && raw
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err("must be 1 to 64 lowercase letters, digits or hyphens".into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Who signs: a person, or a person on behalf of an organisation (letters only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signatory {
    Individual {
        organisation: Option<ShortText>,
        role: Option<ShortText>,
    },
    Organisation {
        organisation: ShortText,
        role: Option<ShortText>,
    },
}

impl Signatory {
    pub fn kind(&self) -> SignatoryType {
        match self {
            Signatory::Individual { .. } => SignatoryType::Individual,
            Signatory::Organisation { .. } => SignatoryType::Organisation,
        }
    }

    pub fn organisation(&self) -> Option<&ShortText> {
        match self {
            Signatory::Individual { organisation, .. } => organisation.as_ref(),
            Signatory::Organisation { organisation, .. } => Some(organisation),
        }
    }

    pub fn role(&self) -> Option<&ShortText> {
        match self {
            Signatory::Individual { role, .. } | Signatory::Organisation { role, .. } => {
                role.as_ref()
            }
        }
    }
}

/// What a signing form sends, before parsing.
#[derive(Debug, Default)]
pub struct SignatureForm {
    pub name: String,
    pub email: String,
    pub postcode: Option<String>,
    pub country: Option<String>,
    pub signatory_type: Option<String>,
    pub organisation: Option<String>,
    pub role: Option<String>,
    pub public: Option<bool>,
    pub contact: Option<bool>,
    pub source: Option<String>,
    pub consent_version: Option<u32>,
    pub text_version: Option<u32>,
    /// A pledger's website (pledges only).
    pub website: Option<String>,
    /// The honeypot: a field people never see, which bots fill.
    pub nickname: Option<String>,
    /// When the form was shown, as the service stamped it (see `signing::FormClock`).
    pub started: Option<String>,
    /// The language the signer signs in (`en` or `cy`), if they said.
    pub lang: Option<String>,
    /// A young signer's age band, on campaigns that welcome them.
    pub age_band: Option<String>,
    /// A proof-of-work solution (ALTCHA's payload, base64), on campaigns that ask for one.
    pub altcha: Option<String>,
    /// Why they sign, on campaigns that invite a reason.
    pub reason: Option<String>,
    /// How their reason is shown once approved: `name` (first name and constituency) or
    /// `anonymous`.
    pub reason_shown_as: Option<String>,
}

/// What a campaign asks of the people who sign it, as far as reading their form goes.
#[derive(Debug, Clone, Copy)]
pub struct SigningRules {
    pub kind: CampaignKind,
    pub contact_basis: ContactBasis,
    /// Young signers are welcome: an age band is asked, and the under-18s' rules apply.
    pub young_signers: bool,
    /// The language a signer who says none is taken to sign in.
    pub lang: Lang,
    /// A short reason for signing is invited.
    pub invite_reasons: bool,
}

impl SigningRules {
    pub fn new(kind: CampaignKind, contact_basis: ContactBasis) -> Self {
        Self {
            kind,
            contact_basis,
            young_signers: false,
            lang: Lang::En,
            invite_reasons: false,
        }
    }
}

/// A signer's reason for signing: up to 500 characters, line breaks kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReasonText(String);

impl ReasonText {
    pub const MAX_CHARS: usize = 500;

    pub fn parse(raw: &str) -> Result<Self, String> {
        parse_text(raw, Self::MAX_CHARS, true).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How an approved reason is shown: with the signer's first name and constituency, or alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ReasonShownAs {
    Name,
    Anonymous,
}

text_enum!(ReasonShownAs {
    ReasonShownAs::Name => "name",
    ReasonShownAs::Anonymous => "anonymous",
});

/// Why someone signed, as they asked it to be shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    pub text: ReasonText,
    pub shown_as: ReasonShownAs,
}

impl SignatureForm {
    /// Optional text left empty (or blank) is absent: partners' forms send `""` for a field
    /// nobody filled in, and an individual's empty `organisation` is no organisation.
    fn without_empty_options(self) -> Self {
        let present = |v: Option<String>| v.filter(|v| !v.trim().is_empty());
        Self {
            postcode: present(self.postcode),
            country: present(self.country),
            signatory_type: present(self.signatory_type),
            organisation: present(self.organisation),
            role: present(self.role),
            source: present(self.source),
            website: present(self.website),
            nickname: present(self.nickname),
            lang: present(self.lang),
            age_band: present(self.age_band),
            altcha: present(self.altcha),
            reason: present(self.reason),
            reason_shown_as: present(self.reason_shown_as),
            ..self
        }
    }
}

/// A signing attempt that passed every check.
#[derive(Debug, Clone)]
pub struct NewSignature {
    pub name: PersonName,
    pub email: Email,
    pub postcode: Option<Postcode>,
    pub country: Country,
    pub signatory: Signatory,
    /// A pledger's website: required of an organisation taking a pledge.
    pub website: Option<Website>,
    pub public: bool,
    pub contact: bool,
    pub source: Option<SourceCode>,
    /// The version of the consent wording the signer was shown (the current one if unsaid).
    pub consent_version: Option<u32>,
    /// The version of the campaign's text the signer was shown (the current one if unsaid).
    pub text_version: Option<u32>,
    /// The honeypot was filled: a bot, not a person.
    pub is_spam: bool,
    /// Sent without the proof of work the campaign asks for: counted once an organiser
    /// approves it.
    pub held_for_review: bool,
    /// The language the signer signed in: their emails are written in it.
    pub lang: Lang,
    /// On a campaign that welcomes young signers, the signer's age band.
    pub age_band: Option<AgeBand>,
    /// Why they sign, where the campaign invited it.
    pub reason: Option<Reason>,
}

impl NewSignature {
    /// A child's: counted only once a parent or carer confirms, even where adults need not.
    pub fn needs_a_parent(&self) -> bool {
        self.age_band.is_some_and(AgeBand::needs_a_parent)
    }

    /// Parses a form for a campaign with these `rules`. Consents are explicit opt-ins, except
    /// contact under the soft opt-in, which is on unless refused. A signer under 18 is never
    /// contacted nor listed by name, whatever the form says, and only their postcode's
    /// district is kept.
    pub fn parse(form: SignatureForm, rules: SigningRules) -> Result<Self, Vec<super::FieldError>> {
        let SigningRules {
            kind,
            contact_basis: basis,
            ..
        } = rules;
        let form = form.without_empty_options();
        let mut e = FieldErrors::default();
        let lang = e
            .check_optional("lang", form.lang.as_deref(), str::parse::<Lang>)
            .map(|l| l.unwrap_or(rules.lang));
        let age_band = match (&form.age_band, rules.young_signers) {
            (Some(raw), true) => e.check("age_band", raw.parse::<AgeBand>()).map(Some),
            (None, true) => e.check("age_band", Err("is required: choose your age".into())),
            (Some(_), false) => e.check(
                "age_band",
                Err("is only asked on campaigns that welcome young signers".into()),
            ),
            (None, false) => Some(None),
        };
        let name = e.check("name", PersonName::parse(&form.name));
        let email = e.check("email", Email::parse(&form.email));
        let country = e
            .check_optional("country", form.country.as_deref(), Country::parse)
            .map(|c| c.unwrap_or_else(Country::uk));
        let postcode =
            e.check_optional("postcode", form.postcode.as_deref(), |raw| match &country {
                Some(c) if c.as_str() != "GB" => Err("is only taken for UK (GB) addresses".into()),
                _ => Postcode::parse(raw),
            });
        let source = e.check_optional("source", form.source.as_deref(), SourceCode::parse);
        let signatory = Self::parse_signatory(&form, kind, &mut e);
        let signatory = e.check("signatory_type", signatory);
        let website = Self::parse_website(&form, kind, signatory.as_ref(), &mut e);
        let young = age_band.flatten().is_some_and(AgeBand::is_young);
        let reason = Self::parse_reason(&form, rules.invite_reasons, young, &mut e);
        if kind == CampaignKind::Pledge && form.public != Some(true) {
            e.check::<()>(
                "public",
                Err(
                    "must be ticked: a pledge is taken in public, with a page that verifies it"
                        .into(),
                ),
            );
        }
        if form.consent_version == Some(0) {
            e.check::<()>("consent_version", Err("must be 1 or more".into()));
        }
        if form.text_version == Some(0) {
            e.check::<()>("text_version", Err("must be 1 or more".into()));
        }
        let (
            Some(name),
            Some(email),
            Some(country),
            Some(postcode),
            Some(source),
            Some(signatory),
            Some(website),
            Some(lang),
            Some(age_band),
            Some(reason),
        ) = (
            name, email, country, postcode, source, signatory, website, lang, age_band, reason,
        )
        else {
            return Err(e.into_vec());
        };
        if !e.is_empty() {
            return Err(e.into_vec());
        }
        Ok(NewSignature {
            name,
            email,
            postcode: postcode.map(|p| if young { p.district() } else { p }),
            country,
            signatory,
            website,
            public: !young && form.public.unwrap_or(false),
            contact: !young && form.contact.unwrap_or(basis == ContactBasis::SoftOptIn),
            source,
            consent_version: form.consent_version,
            text_version: form.text_version,
            is_spam: form.nickname.is_some(),
            held_for_review: false,
            lang,
            age_band,
            reason,
        })
    }

    /// A reason, where the campaign invites one; never from a signer under 18, whose words
    /// are not published.
    fn parse_reason(
        form: &SignatureForm,
        invited: bool,
        young: bool,
        e: &mut FieldErrors,
    ) -> Option<Option<Reason>> {
        let shown_as = e.check_optional(
            "reason_shown_as",
            form.reason_shown_as.as_deref(),
            str::parse::<ReasonShownAs>,
        )?;
        let Some(raw) = form.reason.as_deref() else {
            return Some(None);
        };
        if !invited {
            e.check::<()>(
                "reason",
                Err("is only taken where the campaign asks for one".into()),
            );
            return None;
        }
        if young {
            e.check::<()>("reason", Err("is not asked of signers under 18".into()));
            return None;
        }
        let text = e.check("reason", ReasonText::parse(raw))?;
        Some(Some(Reason {
            text,
            shown_as: shown_as.unwrap_or(ReasonShownAs::Anonymous),
        }))
    }

    /// A pledger's website: an organisation taking a pledge gives one, an individual may;
    /// petitions and letters take none.
    fn parse_website(
        form: &SignatureForm,
        kind: CampaignKind,
        signatory: Option<&Signatory>,
        e: &mut FieldErrors,
    ) -> Option<Option<Website>> {
        if kind != CampaignKind::Pledge {
            if form.website.is_some() {
                e.check::<()>("website", Err("is only taken when taking a pledge".into()));
                return None;
            }
            return Some(None);
        }
        let website = e.check_optional("website", form.website.as_deref(), Website::parse)?;
        if website.is_none() && signatory.is_some_and(|s| s.kind() == SignatoryType::Organisation) {
            e.check::<()>(
                "website",
                Err("is required when an organisation takes a pledge".into()),
            );
            return None;
        }
        Some(website)
    }

    /// Letters and pledges take a signatory type, organisation and role; petitions do not.
    fn parse_signatory(
        form: &SignatureForm,
        kind: CampaignKind,
        e: &mut FieldErrors,
    ) -> Result<Signatory, String> {
        let organisation = e.check_optional(
            "organisation",
            form.organisation.as_deref(),
            ShortText::parse,
        );
        let role = e.check_optional("role", form.role.as_deref(), ShortText::parse);
        if kind == CampaignKind::Petition {
            for (field, given) in [
                ("organisation", form.organisation.is_some()),
                ("role", form.role.is_some()),
            ] {
                if given {
                    e.check::<()>(
                        field,
                        Err("is only taken when signing a letter or a pledge".into()),
                    );
                }
            }
            return match form.signatory_type.as_deref() {
                None | Some("individual") => Ok(Signatory::Individual {
                    organisation: None,
                    role: None,
                }),
                Some(_) => Err("is only taken when signing a letter or a pledge".into()),
            };
        }
        let kind: SignatoryType = form
            .signatory_type
            .as_deref()
            .unwrap_or("individual")
            .parse()?;
        let (Some(organisation), Some(role)) = (organisation, role) else {
            // The field's own error is already recorded; this one is only a placeholder.
            return Ok(Signatory::Individual {
                organisation: None,
                role: None,
            });
        };
        match (kind, organisation) {
            (SignatoryType::Individual, organisation) => {
                Ok(Signatory::Individual { organisation, role })
            }
            (SignatoryType::Organisation, Some(organisation)) => {
                Ok(Signatory::Organisation { organisation, role })
            }
            (SignatoryType::Organisation, None) => {
                e.check::<()>(
                    "organisation",
                    Err("is required when an organisation signs".into()),
                );
                Ok(Signatory::Individual {
                    organisation: None,
                    role: None,
                })
            }
        }
    }
}

/// What a repeated attempt with the same email should send, if anything: a fresh confirmation
/// link while the first is unconfirmed, a note that they already signed once it is confirmed;
/// never more than [`MAX_EMAILS_PER_SIGNATURE`] emails in all, so the form cannot be used to
/// flood someone's inbox.
pub fn reminder_for(status: SignatureStatus, emails_sent: u32) -> Option<EmailKind> {
    if emails_sent >= MAX_EMAILS_PER_SIGNATURE {
        return None;
    }
    match status {
        SignatureStatus::Pending => Some(EmailKind::Confirm),
        SignatureStatus::Confirmed => Some(EmailKind::AlreadySigned),
        SignatureStatus::Withdrawn
        | SignatureStatus::Spam
        | SignatureStatus::Lapsed
        | SignatureStatus::Invalidated => None,
    }
}

pub const MAX_EMAILS_PER_SIGNATURE: u32 = 3;

/// The emails the service sends a signer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailKind {
    /// Please confirm (with a withdrawal link too).
    Confirm,
    /// Thank you, for campaigns that need no confirmation (with a withdrawal link).
    Thanks,
    /// You had already signed (with a withdrawal link).
    AlreadySigned,
    /// Your pledge lapses within the month unless renewed (with the renewal link).
    Renew,
    /// A hand-in's bundle, to a decision-maker (or to the organiser, as a test).
    Handin,
    /// An outcome or news, to a signer, with one-click unsubscribe.
    Update,
    /// A pledge approved: its badge to paste and its verification page.
    Badge,
}

text_enum!(EmailKind {
    EmailKind::Confirm => "confirm",
    EmailKind::Thanks => "thanks",
    EmailKind::AlreadySigned => "already_signed",
    EmailKind::Renew => "renew",
    EmailKind::Handin => "handin",
    EmailKind::Update => "update",
    EmailKind::Badge => "badge",
});

impl EmailKind {
    /// The lane it is sent in: a confirmation makes a signature count, so it goes ahead of
    /// thank-you notes and reminders however many are waiting.
    pub fn lane(self) -> MailLane {
        match self {
            EmailKind::Confirm => MailLane::First,
            EmailKind::Thanks
            | EmailKind::AlreadySigned
            | EmailKind::Renew
            | EmailKind::Handin
            | EmailKind::Update
            | EmailKind::Badge => MailLane::Second,
        }
    }
}

/// The outbox's lanes, each sent by workers and connections of its own, so that a backlog in
/// one never holds up the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MailLane {
    /// What a signer waits for: confirmations.
    First,
    /// What can wait: thank-you notes and reminders.
    Second,
}

impl MailLane {
    pub const ALL: [MailLane; 2] = [MailLane::First, MailLane::Second];

    /// As stored (`outbox.lane`), lower first.
    pub fn number(self) -> i32 {
        match self {
            MailLane::First => 0,
            MailLane::Second => 1,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            MailLane::First => "first",
            MailLane::Second => "second",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::holds_an_address;

    #[test]
    fn countries_are_taken_as_people_write_them() {
        use super::Country;
        for (given, code) in [
            ("GB", "GB"),
            ("gb", "GB"),
            ("UK", "GB"),
            ("United Kingdom", "GB"),
            ("wales", "GB"),
            ("Cymru", "GB"),
            ("Ireland", "IE"),
            ("IRL", "IE"),
            ("ie", "IE"),
            ("united states", "US"),
            ("France", "FR"),
        ] {
            assert_eq!(Country::parse(given).unwrap().as_str(), code, "{given}");
        }
        for refused in ["Atlantis", "", "U K", "XX"] {
            assert!(Country::parse(refused).is_err(), "{refused}");
        }
        let choices = Country::choices();
        assert_eq!(choices[0], ("GB", "United Kingdom"));
        assert!(choices.len() > 240);
        assert!(choices.iter().filter(|(code, _)| *code == "GB").count() == 1);
    }

    #[test]
    fn addresses_are_found_in_names() {
        // The full list of spellings is tested through signing and the emails sent (see
        // hardening::no_address_typed_as_a_name_reaches_an_email).
        for name in [
            "evil.example/x",
            "Call evil.example:8080",
            "xn--e1afmkfd.xn--p1ai",
            "\u{0435}vil.com",
            "evil\u{200b}.example",
            "ann\u{ff20}example",
            "\u{ff57}\u{ff57}\u{ff57} bank",
        ] {
            assert!(holds_an_address(name), "{name}");
        }
        for name in [
            "Siân Lloyd-Jones",
            "J. R. R. Tolkien",
            "St. John Smith",
            "Dr. Ann O'Neil",
            "محمد الأحمد",
            "שרה כהן",
            "Ffion 🏴\u{e0067}\u{e0062}\u{e0077}\u{e006c}\u{e0073}\u{e007f}",
            "=HYPERLINK(\"x\")",
            "+44 Ringer",
            "Gwenllian ap Gruffydd",
            "Ann, Bob.",
        ] {
            assert!(!holds_an_address(name), "{name}");
        }
    }

    use super::*;

    #[test]
    fn postcodes_are_normalised() {
        for (raw, normal, area) in [
            ("sw1a1aa", "SW1A 1AA", "SW"),
            (" cf10 1aa ", "CF10 1AA", "CF"),
            ("B1 1AA", "B1 1AA", "B"),
            ("m11ae", "M1 1AE", "M"),
            ("GIR 0AA", "GIR 0AA", "GIR"),
        ] {
            let postcode = Postcode::parse(raw).unwrap();
            assert_eq!(postcode.as_str(), normal);
            assert_eq!(postcode.area(), area);
            assert_eq!(Postcode::parse(postcode.as_str()).unwrap(), postcode);
        }
        for raw in [
            "",
            "12345",
            "SW1A",
            "SW1A 1A",
            "ŚW1A 1AA",
            "SW1A-1AA",
            "1SW 1AA",
        ] {
            assert!(Postcode::parse(raw).is_err(), "{raw:?} was accepted");
        }
    }

    #[test]
    fn countries_are_stored_as_iso_codes() {
        // UK, and the three-letter code, are what people write for GB (see the test above).
        assert_eq!(Country::parse("gb").unwrap().as_str(), "GB");
        assert_eq!(Country::parse("IE").unwrap().as_str(), "IE");
        assert_eq!(Country::parse("UK").unwrap().as_str(), "GB");
        assert_eq!(Country::parse("GBR").unwrap().as_str(), "GB");
    }

    #[test]
    fn organisation_names_are_compared_loosely() {
        let key = |s: &str| organisation_key(&ShortText::parse(s).unwrap());
        assert_eq!(key("The Children's Society"), key("Childrens Society"));
        assert_eq!(key("Article 39"), key("ARTICLE-39 Ltd"));
        assert_ne!(key("Article 39"), key("Article 40"));
    }

    fn form(name: &str, email: &str) -> SignatureForm {
        SignatureForm {
            name: name.into(),
            email: email.into(),
            ..Default::default()
        }
    }

    #[test]
    fn consents_are_opt_in_unless_soft_opt_in() {
        let s = NewSignature::parse(
            form("Siân", "sian@example.org"),
            SigningRules::new(CampaignKind::Petition, ContactBasis::Consent),
        )
        .unwrap();
        assert!(!s.public && !s.contact);
        let s = NewSignature::parse(
            form("Siân", "sian@example.org"),
            SigningRules::new(CampaignKind::Petition, ContactBasis::SoftOptIn),
        )
        .unwrap();
        assert!(s.contact);
        let mut opted_out = form("Siân", "sian@example.org");
        opted_out.contact = Some(false);
        let s = NewSignature::parse(
            opted_out,
            SigningRules::new(CampaignKind::Petition, ContactBasis::SoftOptIn),
        )
        .unwrap();
        assert!(!s.contact);
    }

    #[test]
    fn an_organisation_must_name_itself() {
        let mut f = form("Carolyne Willow", "c@article39.example");
        f.signatory_type = Some("organisation".into());
        let errors = NewSignature::parse(
            f,
            SigningRules::new(CampaignKind::Letter, ContactBasis::Consent),
        )
        .unwrap_err();
        assert_eq!(errors[0].field, "organisation");
    }

    #[test]
    fn petitions_take_no_organisation() {
        let mut f = form("Carolyne Willow", "c@article39.example");
        f.organisation = Some("Article 39".into());
        let errors = NewSignature::parse(
            f,
            SigningRules::new(CampaignKind::Petition, ContactBasis::Consent),
        )
        .unwrap_err();
        assert_eq!(errors[0].field, "organisation");
    }

    #[test]
    fn at_most_three_emails_per_signature() {
        assert_eq!(
            reminder_for(SignatureStatus::Pending, 1),
            Some(EmailKind::Confirm)
        );
        assert_eq!(
            reminder_for(SignatureStatus::Confirmed, 2),
            Some(EmailKind::AlreadySigned)
        );
        assert_eq!(reminder_for(SignatureStatus::Confirmed, 3), None);
        assert_eq!(reminder_for(SignatureStatus::Spam, 0), None);
    }
}
