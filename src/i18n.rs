//! Every word a signer reads, in English and Welsh, from the Fluent files in `locales/`
//! (compiled in). A page's language comes from `?lang=cy|en`, then the browser's
//! `Accept-Language`, then the campaign's own language; an email's from the language the
//! signer signed in.
//!
//! A message missing from a language falls back to English and is logged; one missing from
//! both shows as `[[id]]`, which the tests look for on every page.

use std::sync::LazyLock;

use actix_web::HttpRequest;
use actix_web::http::header;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

use crate::domain::Lang;

const ENGLISH: &str = include_str!("../locales/en/undersigned.ftl");
const WELSH: &str = include_str!("../locales/cy/undersigned.ftl");

/// The Fluent source of a language.
pub fn source(lang: Lang) -> &'static str {
    match lang {
        Lang::En => ENGLISH,
        Lang::Cy => WELSH,
    }
}

static BUNDLES: LazyLock<[FluentBundle<FluentResource>; 2]> =
    LazyLock::new(|| Lang::ALL.map(bundle));

fn bundle(lang: Lang) -> FluentBundle<FluentResource> {
    let id = lang.as_str().parse().expect("a language tag");
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // Pages escape what they insert themselves, and emails are plain text: no bidi marks.
    bundle.set_use_isolating(false);
    let resource = FluentResource::try_new(source(lang).to_owned())
        .unwrap_or_else(|(_, errors)| panic!("locales/{lang}: {errors:?}"));
    bundle
        .add_resource(resource)
        .unwrap_or_else(|errors| panic!("locales/{lang}: {errors:?}"));
    bundle
}

fn bundle_of(lang: Lang) -> &'static FluentBundle<FluentResource> {
    &BUNDLES[Lang::ALL.iter().position(|l| *l == lang).unwrap_or(0)]
}

/// The message `id` in `lang`, with `args` put in (text, or a number, which also chooses the
/// plural form).
pub fn text_with(lang: Lang, id: &str, args: &[(&str, Arg)]) -> String {
    let mut fluent_args = FluentArgs::new();
    for (name, value) in args {
        match value {
            Arg::Text(text) => fluent_args.set(*name, FluentValue::from(text.as_str())),
            Arg::Number(n) => fluent_args.set(*name, FluentValue::from(*n)),
        }
    }
    for candidate in [lang, Lang::En] {
        let bundle = bundle_of(candidate);
        if let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) {
            if candidate != lang {
                tracing::warn!(%lang, id, "a message is missing from a language");
            }
            let mut errors = Vec::new();
            let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
            if !errors.is_empty() {
                tracing::error!(%lang, id, ?errors, "a message did not format");
            }
            return text.into_owned();
        }
    }
    tracing::error!(id, "a message is missing");
    format!("[[{id}]]")
}

/// The message `id` in `lang`.
pub fn text(lang: Lang, id: &str) -> String {
    text_with(lang, id, &[])
}

/// A value put into a message.
#[derive(Clone)]
pub enum Arg {
    Text(String),
    Number(i64),
}

impl From<&str> for Arg {
    fn from(text: &str) -> Self {
        Arg::Text(text.to_owned())
    }
}

impl From<String> for Arg {
    fn from(text: String) -> Self {
        Arg::Text(text)
    }
}

impl From<u64> for Arg {
    fn from(n: u64) -> Self {
        Arg::Number(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

/// A day as people write it: "1 December 2026", "1 Rhagfyr 2026".
pub fn day(lang: Lang, time: chrono::DateTime<chrono::Utc>) -> String {
    use chrono::Datelike;
    format!(
        "{} {} {}",
        time.day(),
        text(lang, &format!("month-{}", time.month())),
        time.year()
    )
}

/// The language the browser prefers of ours, if any.
pub fn browser_lang(req: &HttpRequest) -> Option<Lang> {
    req.headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Lang::from_accept_language)
}

/// A page's language: `?lang=` if it names one of ours, else the browser's preference, else
/// `default` (the campaign's own language).
pub fn page_lang(req: &HttpRequest, default: Lang) -> Lang {
    url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| v.parse().ok())
        .or_else(|| browser_lang(req))
        .unwrap_or(default)
}

/// The ids of a Fluent source's messages.
pub fn message_ids(source: &str) -> Vec<String> {
    source
        .lines()
        .filter(|line| line.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
        .filter_map(|line| line.split_once(" =").map(|(id, _)| id.trim().to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_exists_in_both_languages() {
        let english = message_ids(source(Lang::En));
        let welsh = message_ids(source(Lang::Cy));
        assert!(english.len() > 20, "the English file was not read");
        let missing_in_welsh: Vec<_> = english.iter().filter(|id| !welsh.contains(id)).collect();
        let missing_in_english: Vec<_> = welsh.iter().filter(|id| !english.contains(id)).collect();
        assert!(
            missing_in_welsh.is_empty(),
            "not in Welsh: {missing_in_welsh:?}"
        );
        assert!(
            missing_in_english.is_empty(),
            "not in English: {missing_in_english:?}"
        );
        // And each parses and formats in its own language, without falling back.
        for lang in Lang::ALL {
            let bundle = bundle_of(lang);
            for id in message_ids(source(lang)) {
                assert!(
                    bundle.get_message(&id).is_some(),
                    "{lang}: {id} did not parse"
                );
            }
        }
    }

    #[test]
    fn plurals_follow_each_language() {
        let one = text_with(Lang::En, "count-petition", &[("count", 1u64.into())]);
        let many = text_with(Lang::En, "count-petition", &[("count", 3u64.into())]);
        assert_ne!(one, many);
        let welsh = text_with(Lang::Cy, "count-petition", &[("count", 2u64.into())]);
        assert!(!welsh.contains("[["), "{welsh}");
    }
}
