//! The languages signers read and write in: English and Welsh. Which one a page or an email
//! is in comes from what the signer asked for, then what their browser prefers, then the
//! campaign's own language.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    En,
    Cy,
}

text_enum!(Lang {
    Lang::En => "en",
    Lang::Cy => "cy",
});

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Cy];

    /// The other of the two.
    pub fn other(self) -> Self {
        match self {
            Lang::En => Lang::Cy,
            Lang::Cy => Lang::En,
        }
    }

    /// The language's name in itself, as a link to switch to it says.
    pub fn own_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Cy => "Cymraeg",
        }
    }

    /// The first of ours in an `Accept-Language` header, by its quality values (`cy-GB`
    /// is Welsh; `*` and languages we do not have are passed over).
    pub fn from_accept_language(header: &str) -> Option<Self> {
        let mut best: Option<(f32, usize, Lang)> = None;
        for (position, item) in header.split(',').enumerate() {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let quality = parts
                .find_map(|p| p.trim().strip_prefix("q=").map(str::to_owned))
                .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok());
            let Some(quality) = quality.filter(|q| *q > 0.0) else {
                continue;
            };
            let primary = tag.split('-').next().unwrap_or("");
            let Ok(lang) = primary.parse::<Lang>() else {
                continue;
            };
            let better = match best {
                None => true,
                Some((q, p, _)) => quality > q || (quality == q && position < p),
            };
            if better {
                best = Some((quality, position, lang));
            }
        }
        best.map(|(_, _, lang)| lang)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_preferred_of_ours_from_accept_language() {
        assert_eq!(Lang::from_accept_language("cy-GB,en;q=0.8"), Some(Lang::Cy));
        assert_eq!(Lang::from_accept_language("en-GB,cy;q=0.5"), Some(Lang::En));
        assert_eq!(
            Lang::from_accept_language("fr, cy;q=0.9, en;q=0.8"),
            Some(Lang::Cy)
        );
        assert_eq!(
            Lang::from_accept_language("en;q=0.2, cy;q=0.7"),
            Some(Lang::Cy)
        );
        assert_eq!(
            Lang::from_accept_language("cy;q=0, en;q=0.1"),
            Some(Lang::En)
        );
        assert_eq!(Lang::from_accept_language("fr, *"), None);
        assert_eq!(Lang::from_accept_language(""), None);
    }
}
