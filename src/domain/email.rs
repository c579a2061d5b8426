use std::fmt;

use email_address::{EmailAddress, Options};

/// An email address in its canonical form: trimmed, lower-cased, with the domain in its IDNA
/// (punycode) form, so that two spellings of one mailbox compare equal: one email signs a
/// campaign once, however it is spelled.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

/// RFC 5321 limits a forward path to 256 octets including the angle brackets.
const MAX_LEN: usize = 254;

impl Email {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err("is required".into());
        }
        if trimmed.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err("must not contain spaces or control characters".into());
        }
        let (local, domain) = trimmed
            .rsplit_once('@')
            .ok_or_else(|| "is not an email address".to_string())?;
        if local.is_empty() || domain.is_empty() {
            return Err("is not an email address".into());
        }
        let domain = idna::domain_to_ascii(domain)
            .map_err(|_| "has a domain that is not a valid host name".to_string())?;
        let canonical = format!("{}@{}", local.to_lowercase(), domain);
        if canonical.len() > MAX_LEN {
            return Err(format!("must be at most {MAX_LEN} characters"));
        }
        let options = Options::default()
            .without_display_text()
            .without_domain_literal();
        EmailAddress::parse_with_options(&canonical, options)
            .map_err(|_| "is not an email address".to_string())?;
        Ok(Self(canonical))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

// An email is personal data: keep it out of debug logs.
impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Email(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::Email;

    #[test]
    fn spellings_of_one_mailbox_are_equal() {
        let a = Email::parse("  Carolyne.Willow@Example.ORG ").unwrap();
        let b = Email::parse("carolyne.willow@example.org").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.as_str(), "carolyne.willow@example.org");
    }

    #[test]
    fn international_domains_take_their_idna_form() {
        let email = Email::parse("siân@Bücher.example").unwrap();
        assert_eq!(email.as_str(), "siân@xn--bcher-kva.example");
        assert_eq!(Email::parse("siân@xn--bcher-kva.example").unwrap(), email);
    }

    #[test]
    fn parsing_twice_changes_nothing() {
        for raw in ["A@B.example", "x.y+tag@Bücher.example", "üser@ex.example"] {
            let once = Email::parse(raw).unwrap();
            assert_eq!(Email::parse(once.as_str()).unwrap(), once);
        }
    }

    #[test]
    fn rejects_what_is_not_an_address() {
        for raw in [
            "",
            "   ",
            "no-at-sign",
            "@example.org",
            "someone@",
            "a b@example.org",
            "a@exa\u{0}mple.org",
            "Name <a@example.org>",
            "a@[127.0.0.1]",
        ] {
            assert!(Email::parse(raw).is_err(), "{raw:?} was accepted");
        }
        let long = format!("{}@example.org", "a".repeat(250));
        assert!(Email::parse(&long).is_err());
    }

    #[test]
    fn debug_output_hides_the_address() {
        let email = Email::parse("hidden@example.org").unwrap();
        assert!(!format!("{email:?}").contains("hidden"));
    }
}
