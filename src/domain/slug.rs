use std::fmt;

/// A campaign's name in URLs: 3 to 64 lowercase ASCII letters, digits and hyphens.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Slug(String);

impl Slug {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let length = raw.chars().count();
        if !(3..=64).contains(&length) {
            return Err("must be 3 to 64 characters long".into());
        }
        if !raw
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err("may contain only lowercase letters, digits and hyphens".into());
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A slug read from a path or a body is parsed as it is read; a malformed one is refused there.
impl<'de> serde::Deserialize<'de> for Slug {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Slug::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::Slug;

    #[test]
    fn accepts_campaign_names() {
        for raw in ["scrapsi445", "open-to-all", "abc", &"a".repeat(64)] {
            assert_eq!(Slug::parse(raw).unwrap().as_str(), raw);
        }
    }

    #[test]
    fn rejects_other_shapes() {
        for raw in [
            "ab",
            "ScrapSI445",
            "with space",
            "ünïcode",
            "slash/y",
            "",
            &"a".repeat(65),
        ] {
            assert!(Slug::parse(raw).is_err(), "{raw:?} was accepted");
        }
    }
}
