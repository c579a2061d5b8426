//! Free text typed by people. Kept exactly as typed (Welsh, right-to-left scripts and emoji
//! included) apart from trimming the ends; control characters are refused because they break
//! exports, emails and logs.

/// Checks one piece of text and returns it trimmed, with `\r\n` line endings made `\n`.
pub(super) fn parse_text(raw: &str, max_chars: usize, multiline: bool) -> Result<String, String> {
    // The limit counts what was sent, spaces around it included, as `maxLength` in the API's
    // schema does: a client that keeps to the schema is never refused for length.
    if raw.chars().count() > max_chars {
        return Err(format!("must be at most {max_chars} characters"));
    }
    let text = raw.trim();
    if text.is_empty() {
        return Err("is required".into());
    }
    let text = if multiline {
        text.replace("\r\n", "\n")
    } else {
        text.to_owned()
    };
    let allowed = |c: char| multiline && (c == '\n' || c == '\t');
    if text.chars().any(|c| c.is_control() && !allowed(c)) {
        return Err(if multiline {
            "must not contain control characters other than line breaks and tabs".into()
        } else {
            "must not contain control characters or line breaks".into()
        });
    }
    Ok(text)
}

macro_rules! bounded_text {
    ($(#[$doc:meta])* $name:ident, max = $max:expr, multiline = $multiline:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            pub const MAX_CHARS: usize = $max;

            pub fn parse(raw: &str) -> Result<Self, String> {
                parse_text(raw, Self::MAX_CHARS, $multiline).map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }
    };
}

bounded_text!(
    /// A campaign's headline.
    Title, max = 200, multiline = false
);
bounded_text!(
    /// A sentence or two shown under the title and in listings.
    Summary, max = 1_000, multiline = true
);
bounded_text!(
    /// The petition's text or the letter itself.
    Body, max = 50_000, multiline = true
);
bounded_text!(
    /// The words shown beside a consent box.
    ConsentText, max = 1_000, multiline = false
);
bounded_text!(
    /// Whom a letter or petition is addressed to, e.g. "Children's Minister".
    Recipient, max = 200, multiline = false
);
bounded_text!(
    /// The organisation behind a campaign, as signers are told it, e.g. "Article 39".
    OrganiserName, max = 200, multiline = false
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_every_script_as_typed() {
        for raw in [
            "Siân Lloyd-Jones",
            "Zoë",
            "محمد الأحمد",
            "李雷",
            "Ffion 🏴󠁧󠁢󠁷󠁬󠁳󠁿",
            "=HYPERLINK(\"x\")",
        ] {
            assert_eq!(Title::parse(raw).unwrap().as_str(), raw);
        }
    }

    #[test]
    fn trims_and_normalises_line_endings() {
        assert_eq!(
            Title::parse("  Scrap SI 445  ").unwrap().as_str(),
            "Scrap SI 445"
        );
        assert_eq!(
            Body::parse("Dear Minister,\r\n\r\nWe").unwrap().as_str(),
            "Dear Minister,\n\nWe"
        );
    }

    #[test]
    fn refuses_control_characters_and_empty_text() {
        assert!(Title::parse("").is_err());
        assert!(Title::parse(" \t ").is_err());
        assert!(Title::parse("line\nbreak").is_err());
        assert!(Title::parse("bell\u{7}").is_err());
        assert!(Body::parse("null\u{0}byte").is_err());
        assert!(Body::parse("escape\u{1b}[31m").is_err());
        assert!(Body::parse("tab\tand\nnewline").is_ok());
    }

    #[test]
    fn counts_characters_not_bytes() {
        assert!(Title::parse(&"ŵ".repeat(Title::MAX_CHARS)).is_ok());
        assert!(Title::parse(&"ŵ".repeat(Title::MAX_CHARS + 1)).is_err());
    }
}
