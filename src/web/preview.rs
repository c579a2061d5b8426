//! The picture a shared link shows (Open Graph's `og:image`, 1200×630): the campaign's title,
//! its count and its progress on the organisation's colour with its logo, drawn as SVG from
//! `templates/images/preview.svg` and rendered to PNG by resvg with a font built into the
//! binary (so it looks the same on any server). Drawn again only when the count or the
//! campaign changes.

use std::sync::LazyLock;

use serde::Serialize;

use crate::counts::CountView;
use base64::Engine;

use crate::domain::{Brand, Campaign, CampaignKind, CampaignStatus};
use crate::error::ApiError;
use crate::state::AppState;
use crate::templates::{Templates, with_separators};

pub const WIDTH: u32 = 1200;
pub const HEIGHT: u32 = 630;

/// The preview's own colours where the organisation has none.
const DEFAULT_BACKGROUND: &str = "#123463";
const DEFAULT_ACCENT: &str = "#00a35c";

/// DejaVu Sans Bold (its licence is beside it in assets/fonts).
const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

static OPTIONS: LazyLock<resvg::usvg::Options<'static>> = LazyLock::new(|| {
    let mut options = resvg::usvg::Options::default();
    options.fontdb_mut().load_font_data(FONT.to_vec());
    options.font_family = "DejaVu Sans".into();
    options
});

/// Words in lines of at most `width` characters, at most `lines` of them (the last ending in
/// an ellipsis if words are left over).
fn wrap(text: &str, width: usize, lines: usize) -> Vec<String> {
    let mut wrapped: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            wrapped.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        wrapped.push(line);
    }
    if wrapped.len() > lines {
        wrapped.truncate(lines);
        let last = wrapped.last_mut().expect("at least one line");
        let kept: String = last.chars().take(width.saturating_sub(1)).collect();
        *last = format!("{}…", kept.trim_end());
    }
    wrapped
}

/// The organisation's logo, inlined into the picture.
#[derive(Serialize)]
pub struct PreviewLogo {
    data_url: String,
    width: u32,
    height: u32,
}

/// The logo a campaign shows, if it has one, scaled to fit the picture's corner.
pub async fn logo_of(state: &AppState, brand: &Brand) -> Result<Option<PreviewLogo>, ApiError> {
    let Some(id) = brand.logo else {
        return Ok(None);
    };
    let Some(logo) = state.store.logo(id).await? else {
        return Ok(None);
    };
    // At most 160 px tall and 360 px wide, in the top right corner.
    let scale = (160.0 / f64::from(logo.height.max(1)))
        .min(360.0 / f64::from(logo.width.max(1)))
        .min(1.0);
    Ok(Some(PreviewLogo {
        data_url: format!(
            "data:{};base64,{}",
            logo.content_type,
            base64::engine::general_purpose::STANDARD.encode(&logo.bytes)
        ),
        width: (f64::from(logo.width) * scale).round() as u32,
        height: (f64::from(logo.height) * scale).round() as u32,
    }))
}

#[derive(Serialize)]
struct Progress {
    done: f64,
    of: String,
}

/// `templates/images/preview.svg`.
#[derive(Serialize)]
struct PreviewPicture {
    width: u32,
    height: u32,
    background: String,
    ink: &'static str,
    accent: String,
    logo: Option<PreviewLogo>,
    title_lines: Vec<String>,
    count: String,
    progress: Option<Progress>,
    call: String,
}

/// The picture as SVG, on the organisation's colour with its logo where it has them.
pub fn svg(
    templates: &Templates,
    campaign: &Campaign,
    view: &CountView,
    host: &str,
    brand: &Brand,
    logo: Option<PreviewLogo>,
) -> Result<String, ApiError> {
    let noun = match (campaign.kind, view.total) {
        (CampaignKind::Petition, 1) => "person has signed",
        (CampaignKind::Petition, _) => "people have signed",
        (CampaignKind::Letter, 1) => "signatory",
        (CampaignKind::Letter, _) => "signatories",
        (CampaignKind::Pledge, 1) => "pledge taken",
        (CampaignKind::Pledge, _) => "pledges taken",
    };
    // On the organisation's colour, everything is in the text colour that reads on it.
    let (background, ink, accent) = match &brand.colour {
        Some(colour) => {
            let ink = colour.text_colour();
            (colour.as_str().to_owned(), ink, ink.to_owned())
        }
        None => (
            DEFAULT_BACKGROUND.to_owned(),
            "#ffffff",
            DEFAULT_ACCENT.to_owned(),
        ),
    };
    let picture = PreviewPicture {
        width: WIDTH,
        height: HEIGHT,
        background,
        ink,
        accent,
        // Narrower beside a logo, so the title never runs under it.
        title_lines: wrap(
            campaign.title.as_str(),
            if logo.is_some() { 22 } else { 30 },
            3,
        ),
        logo,
        count: format!("{} {noun}", with_separators(view.total)),
        progress: campaign.target.map(|target| {
            let target = target.get().max(1);
            let done = (1056.0 * (view.total.min(target) as f64) / target as f64).round();
            Progress {
                // The first signatures show as a dot, not as nothing.
                done: if view.total > 0 { done.max(28.0) } else { 0.0 },
                of: format!("of {}", with_separators(target)),
            }
        }),
        call: if view.status == CampaignStatus::Closed {
            "This campaign has closed".to_owned()
        } else {
            format!("Sign at {host}")
        },
    };
    super::render(templates, "images/preview.svg", &picture)
}

/// The PNG of a picture drawn by `svg`.
pub fn render_png(svg: &str) -> Result<Vec<u8>, String> {
    let tree = resvg::usvg::Tree::from_str(svg, &OPTIONS).map_err(|e| e.to_string())?;
    let mut pixmap = resvg::tiny_skia::Pixmap::new(WIDTH, HEIGHT).ok_or("an empty picture")?;
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::default(),
        &mut pixmap.as_mut(),
    );
    pixmap.encode_png().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn titles_wrap_by_words_and_a_long_one_ends_in_an_ellipsis() {
        assert_eq!(
            wrap("Scrap SI 445: reinstate children's rights in care", 30, 3),
            ["Scrap SI 445: reinstate", "children's rights in care"]
        );
        let long = wrap(&"word ".repeat(40), 12, 2);
        assert_eq!(long.len(), 2);
        assert!(
            long[1].ends_with('…') && long[1].chars().count() <= 12,
            "{long:?}"
        );
    }
}
