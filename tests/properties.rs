//! Property tests for the parsers every input goes through: whatever they are given, they
//! never panic; what they accept is already in canonical form (parsing it again changes
//! nothing); and different spellings of one value parse to the same thing.

use proptest::prelude::*;
use undersigned::domain::{
    Country, Email, Origin, PartnerKey, PersonName, Postcode, SecretToken, ShortText, Slug,
    SourceCode, Title, WebhookUrl,
};
use undersigned::letter::neutralise;

/// Any text at all, weighted towards what breaks parsers: controls, combining marks,
/// right-to-left and Welsh letters, emoji, formula starters.
fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ \\t\\r\\n\\x00-\\x1f\\u{7f}\\u{200b}\\u{202e}=+@-]{0,8}[a-zA-Zŵŷâêîôû\\u{0627}-\\u{064a}😀]{0,30}[ \\t\\x00]{0,3}",
        "=HYPERLINK\\(\"[a-z:/.]{0,20}\"\\)",
    ]
}

/// Email addresses as people type them: any case, stray spaces, international domains.
fn typed_email() -> impl Strategy<Value = (String, String)> {
    (
        "[a-z0-9]{1,8}([._+-][a-z0-9]{1,8}){0,3}",
        "[a-zäöüâŵ]([a-z0-9äöüâŵ-]{0,8}[a-z0-9äöüâŵ])?",
        prop::sample::select(vec!["org", "org.uk", "cymru", "example"]),
        any::<u64>(),
        " {0,3}",
        " {0,3}",
    )
        .prop_map(|(local, host, tld, case_bits, before, after)| {
            let address = format!("{local}@{host}.{tld}");
            let typed: String = address
                .chars()
                .enumerate()
                .map(|(i, c)| {
                    if case_bits >> (i % 64) & 1 == 1 {
                        c.to_uppercase().next().unwrap_or(c)
                    } else {
                        c
                    }
                })
                .collect();
            (address, format!("{before}{typed}{after}"))
        })
}

/// Text shaped like a webhook's address, the way a hostile organiser would bend one: schemes,
/// user info, hosts with odd dots, brackets, ports, percent signs and scripts.
fn url_like() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec![
            "https://", "http://", "HTTPS://", "ftp://", "https:/", "",
        ]),
        "[a-z@:]{0,3}",
        r"[a-zA-Z0-9.\-\[\]:*%_\u{0430}-\u{044f}\u{3002}\u{ff0e}]{0,30}",
        prop::option::of(0u32..70_000),
        r"[/?#a-z0-9%.]{0,12}",
    )
        .prop_map(|(scheme, user, host, port, path)| {
            let port = port.map(|p| format!(":{p}")).unwrap_or_default();
            format!("{scheme}{user}{host}{port}{path}")
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn no_webhook_address_panics_and_each_taken_one_reads_back(raw in url_like()) {
        if let Ok(url) = WebhookUrl::parse(&raw) {
            prop_assert_eq!(WebhookUrl::parse(url.as_str()).unwrap(), url.clone());
            prop_assert!(matches!(url.url().scheme(), "https" | "http"));
        }
        let _ = undersigned::domain::holds_an_address(&raw);
    }

    #[test]
    fn no_parser_panics_and_each_accepted_value_is_canonical(raw in hostile_text()) {
        if let Ok(email) = Email::parse(&raw) {
            prop_assert_eq!(Email::parse(email.as_str()).unwrap(), email.clone());
            prop_assert!(!email.as_str().chars().any(|c| c.is_whitespace() || c.is_control()));
        }
        if let Ok(name) = PersonName::parse(&raw) {
            prop_assert_eq!(PersonName::parse(name.as_str()).unwrap(), name.clone());
            prop_assert!(!name.as_str().chars().any(char::is_control));
        }
        if let Ok(text) = ShortText::parse(&raw) {
            prop_assert_eq!(ShortText::parse(text.as_str()).unwrap(), text.clone());
        }
        if let Ok(title) = Title::parse(&raw) {
            let again = Title::parse(title.as_str()).unwrap();
            prop_assert_eq!(again.as_str(), title.as_str());
        }
        if let Ok(postcode) = Postcode::parse(&raw) {
            prop_assert_eq!(Postcode::parse(postcode.as_str()).unwrap(), postcode.clone());
        }
        if let Ok(country) = Country::parse(&raw) {
            prop_assert_eq!(Country::parse(country.as_str()).unwrap(), country.clone());
        }
        if let Ok(slug) = Slug::parse(&raw) {
            prop_assert_eq!(Slug::parse(slug.as_str()).unwrap(), slug.clone());
        }
        if let Ok(code) = SourceCode::parse(&raw) {
            prop_assert_eq!(SourceCode::parse(code.as_str()).unwrap(), code.clone());
        }
        if let Ok(origin) = Origin::parse(&raw) {
            prop_assert_eq!(Origin::parse(origin.as_str()).unwrap(), origin.clone());
        }
        // Presented secrets: junk is refused before any lookup, and never panics.
        let _ = SecretToken::looks_valid(&raw);
        let _ = PartnerKey::hash_of_presented(&raw);
    }

    #[test]
    fn every_spelling_of_an_email_is_one_email((address, typed) in typed_email()) {
        let canonical = Email::parse(&address).unwrap();
        let as_typed = Email::parse(&typed).unwrap();
        prop_assert_eq!(&as_typed, &canonical);
        // Normalising twice changes nothing.
        prop_assert_eq!(Email::parse(as_typed.as_str()).unwrap(), as_typed);
    }

    #[test]
    fn postcodes_are_stored_in_one_form(
        outward in "[A-Z]{1,2}[0-9]{1,2}",
        inward in "[0-9][A-Z]{2}",
        spaces in " {0,3}",
        lower in any::<bool>(),
    ) {
        let typed = format!("{outward}{spaces}{inward}");
        let typed = if lower { typed.to_lowercase() } else { typed };
        let postcode = Postcode::parse(&typed).unwrap();
        prop_assert_eq!(postcode.as_str(), format!("{outward} {inward}"));
        prop_assert!(outward.starts_with(postcode.area()));
        prop_assert!(!postcode.area().is_empty());
    }

    #[test]
    fn no_export_cell_reads_as_a_formula(cell in hostile_text()) {
        let safe = neutralise(&cell);
        prop_assert!(!matches!(safe.chars().next(), Some('=' | '+' | '-' | '@' | '\t' | '\r')));
        // Nothing is lost: the cell is the original, or the original behind one quote.
        prop_assert!(safe == cell || safe.strip_prefix('\'') == Some(cell.as_str()));
    }
}
