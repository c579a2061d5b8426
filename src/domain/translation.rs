//! A campaign's own words in its other language: each part optional, so that a page in a
//! language the campaign lacks falls back part by part to the campaign's own.

use std::collections::BTreeMap;

use super::{Body, Campaign, ConsentText, Lang, Recipient, Summary, Title};

/// The parts of a campaign's text that can be given in another language.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CampaignTexts {
    pub title: Option<Title>,
    pub summary: Option<Summary>,
    pub body: Option<Body>,
    pub recipient: Option<Recipient>,
    pub consent_public_text: Option<ConsentText>,
    pub consent_contact_text: Option<ConsentText>,
}

/// The JSON names of [`CampaignTexts`]' parts, in the API and in storage alike.
pub const TEXT_PARTS: [&str; 6] = [
    "title",
    "summary",
    "body",
    "recipient",
    "consent_public_text",
    "consent_contact_text",
];

impl CampaignTexts {
    /// Parses the parts of a JSON object; `Err` names the part at fault and why.
    pub fn parse(value: &serde_json::Value) -> Result<Self, (String, String)> {
        let object = value
            .as_object()
            .ok_or_else(|| (String::new(), "must be an object of texts".to_owned()))?;
        let mut texts = Self::default();
        for (key, part) in object {
            if part.is_null() {
                continue;
            }
            let raw = part
                .as_str()
                .ok_or_else(|| (key.clone(), "must be text".to_owned()))?;
            let fault = |m: String| (key.clone(), m);
            match key.as_str() {
                "title" => texts.title = Some(Title::parse(raw).map_err(fault)?),
                "summary" => texts.summary = Some(Summary::parse(raw).map_err(fault)?),
                "body" => texts.body = Some(Body::parse(raw).map_err(fault)?),
                "recipient" => texts.recipient = Some(Recipient::parse(raw).map_err(fault)?),
                "consent_public_text" => {
                    texts.consent_public_text = Some(ConsentText::parse(raw).map_err(fault)?)
                }
                "consent_contact_text" => {
                    texts.consent_contact_text = Some(ConsentText::parse(raw).map_err(fault)?)
                }
                _ => {
                    return Err((
                        key.clone(),
                        format!(
                            "is not a text part; the parts are {}",
                            TEXT_PARTS.join(", ")
                        ),
                    ));
                }
            }
        }
        Ok(texts)
    }

    pub fn to_json(&self) -> serde_json::Value {
        let mut object = serde_json::Map::new();
        let parts: [(&str, Option<&str>); 6] = [
            ("title", self.title.as_ref().map(Title::as_str)),
            ("summary", self.summary.as_ref().map(Summary::as_str)),
            ("body", self.body.as_ref().map(Body::as_str)),
            ("recipient", self.recipient.as_ref().map(Recipient::as_str)),
            (
                "consent_public_text",
                self.consent_public_text.as_ref().map(ConsentText::as_str),
            ),
            (
                "consent_contact_text",
                self.consent_contact_text.as_ref().map(ConsentText::as_str),
            ),
        ];
        for (key, text) in parts {
            if let Some(text) = text {
                object.insert(key.into(), text.into());
            }
        }
        serde_json::Value::Object(object)
    }

    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// A campaign's texts in languages other than its own, by language.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Translations(BTreeMap<LangKey, CampaignTexts>);

/// `Lang` in a map's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct LangKey(u8);

impl From<Lang> for LangKey {
    fn from(lang: Lang) -> Self {
        Self(lang as u8)
    }
}

impl Translations {
    /// Parses `{"cy": {...}}` for a campaign whose own language is `own`: a translation into
    /// its own language is refused, as its own fields hold those words. `Err` names the
    /// field at fault (`translations.cy.title`) and why.
    pub fn parse(value: &serde_json::Value, own: Lang) -> Result<Self, (String, String)> {
        let object = value.as_object().ok_or_else(|| {
            (
                "translations".to_owned(),
                "must be an object keyed by language, like {\"cy\": {\"title\": \"…\"}}".to_owned(),
            )
        })?;
        let mut map = BTreeMap::new();
        for (key, texts) in object {
            let field = format!("translations.{key}");
            let lang: Lang = key.parse().map_err(|m| (field.clone(), m))?;
            if lang == own {
                return Err((
                    field,
                    "is the campaign's own language, whose words are its own fields".into(),
                ));
            }
            let texts = CampaignTexts::parse(texts).map_err(|(part, m)| {
                if part.is_empty() {
                    (field.clone(), m)
                } else {
                    (format!("{field}.{part}"), m)
                }
            })?;
            if !texts.is_empty() {
                map.insert(lang.into(), texts);
            }
        }
        Ok(Self(map))
    }

    pub fn get(&self, lang: Lang) -> Option<&CampaignTexts> {
        self.0.get(&lang.into())
    }

    pub fn to_json(&self) -> serde_json::Value {
        let mut object = serde_json::Map::new();
        for lang in Lang::ALL {
            if let Some(texts) = self.get(lang) {
                object.insert(lang.as_str().into(), texts.to_json());
            }
        }
        serde_json::Value::Object(object)
    }
}

/// One part of a campaign's text, and the language it is in (not always the one asked for).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Localised<'a> {
    pub text: &'a str,
    pub lang: Lang,
}

/// A campaign's words as a page in one language shows them.
#[derive(Debug, Clone, Copy)]
pub struct CampaignWords<'a> {
    pub title: Localised<'a>,
    pub summary: Localised<'a>,
    pub body: Localised<'a>,
    pub recipient: Option<Localised<'a>>,
    pub consent_public_text: Localised<'a>,
    pub consent_contact_text: Localised<'a>,
}

impl Campaign {
    /// Its words in `lang`: each part from its translation into `lang` where it has one,
    /// else its own, in its own language.
    pub fn words(&self, lang: Lang) -> CampaignWords<'_> {
        let own = self.signers.lang;
        let translated = (lang != own)
            .then(|| self.signers.translations.get(lang))
            .flatten();
        fn part<'a>(
            translated: Option<&'a str>,
            own_text: &'a str,
            lang: Lang,
            own: Lang,
        ) -> Localised<'a> {
            match translated {
                Some(text) => Localised { text, lang },
                None => Localised {
                    text: own_text,
                    lang: own,
                },
            }
        }
        let t = |f: fn(&CampaignTexts) -> Option<&str>| translated.and_then(f);
        CampaignWords {
            title: part(
                t(|x| x.title.as_ref().map(Title::as_str)),
                self.title.as_str(),
                lang,
                own,
            ),
            summary: part(
                t(|x| x.summary.as_ref().map(Summary::as_str)),
                self.summary.as_str(),
                lang,
                own,
            ),
            body: part(
                t(|x| x.body.as_ref().map(Body::as_str)),
                self.body.as_str(),
                lang,
                own,
            ),
            recipient: self.recipient.as_ref().map(|r| {
                part(
                    t(|x| x.recipient.as_ref().map(Recipient::as_str)),
                    r.as_str(),
                    lang,
                    own,
                )
            }),
            consent_public_text: part(
                t(|x| x.consent_public_text.as_ref().map(ConsentText::as_str)),
                self.consent.public_text.as_str(),
                lang,
                own,
            ),
            consent_contact_text: part(
                t(|x| x.consent_contact_text.as_ref().map(ConsentText::as_str)),
                self.consent.contact_text.as_str(),
                lang,
                own,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_translation_is_parsed_part_by_part() {
        let t = Translations::parse(
            &json!({"cy": {"title": "Diddymu OS 445", "body": null}}),
            Lang::En,
        )
        .unwrap();
        let cy = t.get(Lang::Cy).unwrap();
        assert_eq!(cy.title.as_ref().unwrap().as_str(), "Diddymu OS 445");
        assert!(cy.body.is_none());
        assert_eq!(t.to_json(), json!({"cy": {"title": "Diddymu OS 445"}}));
    }

    #[test]
    fn faults_name_the_part() {
        let fault = |v| Translations::parse(&v, Lang::En).unwrap_err().0;
        assert_eq!(fault(json!({"en": {}})), "translations.en");
        assert_eq!(fault(json!({"fr": {}})), "translations.fr");
        assert_eq!(fault(json!({"cy": {"title": 3}})), "translations.cy.title");
        assert_eq!(
            fault(json!({"cy": {"colour": "x"}})),
            "translations.cy.colour"
        );
        assert_eq!(fault(json!({"cy": {"title": ""}})), "translations.cy.title");
        assert_eq!(fault(json!([1])), "translations");
    }
}
