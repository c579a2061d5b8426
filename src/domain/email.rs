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
            return Err("Enter an email address with no spaces, like name@example.org".into());
        }
        let (local, domain) = trimmed
            .rsplit_once('@')
            .ok_or_else(|| "Enter an email address, like name@example.org".to_string())?;
        if local.is_empty() || domain.is_empty() {
            return Err("Enter an email address, like name@example.org".into());
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
            .map_err(|_| "Enter an email address, like name@example.org".to_string())?;
        Ok(Self(canonical))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The domain, in its IDNA form.
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, domain)| domain)
    }

    /// The inbox this address delivers to, as far as signing once goes: a `+tag` is dropped
    /// from the local part (for every domain: the common sub-addressing convention), and for
    /// Gmail the dots too, with `googlemail.com` read as `gmail.com`, so that one inbox cannot
    /// sign a campaign many times. Emails still go to the address as typed.
    pub fn inbox(&self) -> String {
        let (local, domain) = self.0.rsplit_once('@').expect("a parsed email has an @");
        let local = local.split_once('+').map_or(local, |(base, _)| base);
        let local = if local.is_empty() { "+" } else { local };
        match domain {
            "gmail.com" | "googlemail.com" => format!("{}@gmail.com", local.replace('.', "")),
            _ => format!("{local}@{domain}"),
        }
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

    #[test]
    fn one_inbox_however_it_is_spelled() {
        let inbox = |raw: &str| Email::parse(raw).unwrap().inbox();
        assert_eq!(inbox("joe+one@example.net"), "joe@example.net");
        assert_eq!(inbox("Joe+Two@Example.NET"), "joe@example.net");
        assert_eq!(inbox("j.o.e@gmail.com"), "joe@gmail.com");
        assert_eq!(inbox("joe@googlemail.com"), "joe@gmail.com");
        assert_eq!(inbox("j.o.e+petitions@googlemail.com"), "joe@gmail.com");
        // Dots matter elsewhere, and an address that is all tag keeps a key of its own.
        assert_eq!(inbox("j.o.e@example.net"), "j.o.e@example.net");
        assert_eq!(inbox("+tag@example.net"), "+@example.net");
        assert_ne!(inbox("ann@example.net"), inbox("joe@example.net"));
    }

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
