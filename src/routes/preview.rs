//! The picture a shared link shows (Open Graph's `og:image`, 1200×630): the campaign's title,
//! its count and its progress, drawn as SVG and rendered to PNG by resvg with a font built into
//! the binary (so it looks the same on any server). Drawn again only when the count or the
//! campaign changes.

use std::sync::LazyLock;

use crate::counts::CountView;
use crate::domain::{Campaign, CampaignKind, CampaignStatus};
use crate::mail::escape_html;

pub const WIDTH: u32 = 1200;
pub const HEIGHT: u32 = 630;

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

fn svg(campaign: &Campaign, view: &CountView, host: &str) -> String {
    let title: String = wrap(campaign.title.as_str(), 30, 3)
        .iter()
        .enumerate()
        .map(|(i, line)| {
            format!(
                "<text x=\"72\" y=\"{}\" font-size=\"60\" fill=\"#ffffff\">{}</text>",
                150 + i * 76,
                escape_html(line)
            )
        })
        .collect();
    let noun = match (campaign.kind, view.total) {
        (CampaignKind::Petition, 1) => "person has signed",
        (CampaignKind::Petition, _) => "people have signed",
        (CampaignKind::Letter, 1) => "signatory",
        (CampaignKind::Letter, _) => "signatories",
        (CampaignKind::Pledge, 1) => "pledge taken",
        (CampaignKind::Pledge, _) => "pledges taken",
    };
    let count = format!("{} {noun}", super::counts::with_separators(view.total));
    let progress = match campaign.target {
        Some(target) => {
            let target = target.get().max(1);
            let done = (1056.0 * (view.total.min(target) as f64) / target as f64).round();
            // The first signatures show as a dot, not as nothing.
            let done = if view.total > 0 { done.max(28.0) } else { 0.0 };
            format!(
                "<rect x=\"72\" y=\"470\" width=\"1056\" height=\"28\" rx=\"14\" fill=\"#dbe4ee\"/>\
                 <rect x=\"72\" y=\"470\" width=\"{done}\" height=\"28\" rx=\"14\" fill=\"#00a35c\"/>\
                 <text x=\"1128\" y=\"450\" font-size=\"30\" fill=\"#ffffff\" text-anchor=\"end\">of {}</text>",
                super::counts::with_separators(target)
            )
        }
        None => String::new(),
    };
    let call = if view.status == CampaignStatus::Closed {
        "This campaign has closed".to_owned()
    } else {
        format!("Sign at {host}")
    };
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{HEIGHT}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\">\
         <rect width=\"{WIDTH}\" height=\"{HEIGHT}\" fill=\"#123463\"/>\
         <rect y=\"{bar}\" width=\"{WIDTH}\" height=\"14\" fill=\"#00a35c\"/>{title}\
         <text x=\"72\" y=\"450\" font-size=\"44\" fill=\"#ffffff\">{count}</text>{progress}\
         <text x=\"72\" y=\"570\" font-size=\"30\" fill=\"#ffdd00\">{call}</text></svg>",
        bar = HEIGHT - 14,
        count = escape_html(&count),
        call = escape_html(&call),
    )
}

/// The PNG for a campaign as its count now stands.
pub fn render(campaign: &Campaign, view: &CountView, host: &str) -> Result<Vec<u8>, String> {
    let tree = resvg::usvg::Tree::from_str(&svg(campaign, view, host), &OPTIONS)
        .map_err(|e| e.to_string())?;
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
