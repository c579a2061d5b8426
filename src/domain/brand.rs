//! An organisation's look: its main colour, its logo and its website, shown on its campaigns'
//! pages, the embedded form, every email and the link preview picture. A campaign may set its
//! own colour and logo; whatever it leaves unset comes from its owner's account as the account
//! stands (unlike the identity that signers consent to, the look is never frozen).
//!
//! A colour is taken only if white or the pages' text colour (#0b0c0c) reaches WCAG 2.2 AA's
//! 4.5:1 on it, so any text the service writes on it can be read.

use uuid::Uuid;

use super::Website;

/// The pages' own text colour, the darker of the two the service writes on a colour.
pub const DARK_TEXT: &str = "#0b0c0c";
pub const LIGHT_TEXT: &str = "#ffffff";
/// WCAG 2.2 AA for normal text (success criterion 1.4.3).
pub const MIN_CONTRAST: f64 = 4.5;

/// A colour as `#rrggbb`, with enough contrast for white or dark text on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrandColour {
    hex: String,
    rgb: [u8; 3],
}

/// The relative luminance of an sRGB colour (WCAG 2.2's definition).
fn luminance([r, g, b]: [u8; 3]) -> f64 {
    let channel = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
}

fn contrast(a: [u8; 3], b: [u8; 3]) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

const WHITE: [u8; 3] = [255, 255, 255];
const DARK: [u8; 3] = [0x0b, 0x0c, 0x0c];

/// The better of the two text colours on `rgb`, and its contrast.
fn best_text(rgb: [u8; 3]) -> (&'static str, f64) {
    let (on_white, on_dark) = (contrast(rgb, WHITE), contrast(rgb, DARK));
    if on_white >= on_dark {
        (LIGHT_TEXT, on_white)
    } else {
        (DARK_TEXT, on_dark)
    }
}

fn hex_of([r, g, b]: [u8; 3]) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// The shade of `rgb` nearest to it with which white or dark text reaches 4.5:1: darkened or
/// lightened in small steps, whichever gets there sooner.
fn nearest_accessible(rgb: [u8; 3]) -> [u8; 3] {
    let mix = |towards: u8, step: u32| {
        rgb.map(|c| {
            let (c, t) = (i64::from(c), i64::from(towards));
            (c + (t - c) * i64::from(step) / 100) as u8
        })
    };
    for step in 1..=100 {
        for towards in [0, 255] {
            let shade = mix(towards, step);
            if best_text(shade).1 >= MIN_CONTRAST {
                return shade;
            }
        }
    }
    DARK
}

impl BrandColour {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let shape = || "must be a colour written #rrggbb, like #1d70b8".to_owned();
        let digits = raw.trim().strip_prefix('#').ok_or_else(shape)?;
        if digits.len() != 6 || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(shape());
        }
        let channel = |i: usize| u8::from_str_radix(&digits[i..i + 2], 16).map_err(|_| shape());
        let rgb = [channel(0)?, channel(2)?, channel(4)?];
        let (_, best) = best_text(rgb);
        if best < MIN_CONTRAST {
            return Err(format!(
                "leaves text hard to read: neither white nor dark text reaches 4.5:1 on it \
                 (the better reaches {best:.1}:1); the nearest accessible shade is {}",
                hex_of(nearest_accessible(rgb))
            ));
        }
        Ok(Self {
            hex: hex_of(rgb),
            rgb,
        })
    }

    /// `#rrggbb`, in lower case.
    pub fn as_str(&self) -> &str {
        &self.hex
    }

    /// The text colour written on it: white or the pages' dark text, whichever reads better.
    pub fn text_colour(&self) -> &'static str {
        best_text(self.rgb).0
    }
}

/// The look an account or a campaign sets; each part may be unset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Brand {
    pub colour: Option<BrandColour>,
    /// The id of the stored logo (re-encoded by the service, never as uploaded).
    pub logo: Option<Uuid>,
    pub website: Option<Website>,
}

impl Brand {
    /// This look with each unset part taken from `fallback` (the owner's account).
    pub fn or(&self, fallback: &Brand) -> Brand {
        Brand {
            colour: self.colour.clone().or_else(|| fallback.colour.clone()),
            logo: self.logo.or(fallback.logo),
            website: self.website.clone().or_else(|| fallback.website.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_colour_is_taken_with_the_text_that_reads_on_it() {
        let blue = BrandColour::parse("#1D70B8").unwrap();
        assert_eq!(blue.as_str(), "#1d70b8");
        assert_eq!(blue.text_colour(), LIGHT_TEXT);
        assert_eq!(
            BrandColour::parse("#ffdd00").unwrap().text_colour(),
            DARK_TEXT
        );
        for bad in [
            "1d70b8",
            "#1d70b",
            "#1d70b8ff",
            "#gggggg",
            "",
            "blue",
            "#１２３４５６",
        ] {
            assert!(BrandColour::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_colour_neither_text_reads_on_is_refused_with_the_nearest_shade_that_works() {
        // Mid grey: white reaches about 3.9:1 on it, dark text about 4.3:1.
        let error = BrandColour::parse("#777777").unwrap_err();
        assert!(error.contains("4.5:1"), "{error}");
        let shade = error.rsplit(' ').next().unwrap();
        let taken = BrandColour::parse(shade).unwrap();
        assert!(best_text(taken.rgb).1 >= MIN_CONTRAST);
        assert_ne!(taken.as_str(), "#777777");
    }

    #[test]
    fn a_campaign_takes_what_it_leaves_unset_from_the_account() {
        let account = Brand {
            colour: Some(BrandColour::parse("#1d3557").unwrap()),
            logo: Some(Uuid::nil()),
            website: None,
        };
        let campaign = Brand {
            colour: Some(BrandColour::parse("#ffdd00").unwrap()),
            ..Brand::default()
        };
        let both = campaign.or(&account);
        assert_eq!(both.colour, campaign.colour);
        assert_eq!(both.logo, account.logo);
    }
}
