//! A campaign's text, written in Markdown by its organiser, as HTML safe to put in a page:
//! rendered by pulldown-cmark, then cleaned by ammonia, so no script, style, frame or event
//! handler an organiser (or a stolen account) wrote reaches a signer's browser.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// The page's own title is its only `<h1>`: a heading the text gives as one becomes an
/// `<h2>`, as the page's other sections are.
fn lower(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 => HeadingLevel::H2,
        other => other,
    }
}

pub fn to_safe_html(text: &str) -> String {
    let events = Parser::new_ext(text, Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES).map(
        |event| match event {
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => Event::Start(Tag::Heading {
                level: lower(level),
                id,
                classes,
                attrs,
            }),
            Event::End(TagEnd::Heading(level)) => Event::End(TagEnd::Heading(lower(level))),
            other => other,
        },
    );
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events);
    ammonia::Builder::default()
        // Images would load from anywhere; the pages load nothing from elsewhere.
        .rm_tags(["img"])
        .link_rel(Some("noopener noreferrer nofollow"))
        .url_schemes(["http", "https", "mailto"].into())
        .clean(&html)
        .to_string()
}

/// The text as plain text, for a message with no HTML: the words without Markdown's marks,
/// a blank line between blocks, list items marked `- `, a link's address after its words.
pub fn to_plain_text(text: &str) -> String {
    let mut out = String::new();
    let mut links: Vec<String> = Vec::new();
    for event in Parser::new_ext(text, Options::ENABLE_STRIKETHROUGH) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push('\n'),
            Event::Start(Tag::Item) => out.push_str("- "),
            Event::Start(Tag::Link { dest_url, .. }) => links.push(dest_url.to_string()),
            Event::End(TagEnd::Link) => {
                if let Some(url) = links.pop() {
                    out.push_str(&format!(" ({url})"));
                }
            }
            Event::End(TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::CodeBlock) => {
                out.push_str("\n\n")
            }
            Event::End(TagEnd::Item) => out.push('\n'),
            Event::End(TagEnd::List(_)) => out.push('\n'),
            _ => {}
        }
    }
    let mut tidy = out.trim().to_owned();
    while tidy.contains("\n\n\n") {
        tidy = tidy.replace("\n\n\n", "\n\n");
    }
    tidy
}

#[cfg(test)]
mod tests {
    use super::{to_plain_text, to_safe_html};

    #[test]
    fn markdown_becomes_plain_text_without_its_marks() {
        let text = to_plain_text(
            "## Why\n\nChildren in care **deserve** better: [read more](https://example.org).\n\n- one\n- two",
        );
        assert_eq!(
            text,
            "Why\n\nChildren in care deserve better: read more (https://example.org).\n\n- one\n- two"
        );
    }

    #[test]
    fn markdown_becomes_html_with_the_title_kept_the_only_h1() {
        let html = to_safe_html("# Why\n\nChildren in care **deserve** better.\n\n- one\n- two");
        assert!(html.contains("<h2>Why</h2>"), "{html}");
        assert!(html.contains("<strong>deserve</strong>"));
        assert!(html.contains("<li>one</li>"));
    }

    #[test]
    fn scripts_handlers_images_and_javascript_links_are_removed() {
        let html = to_safe_html(
            "<script>alert(1)</script><p onclick=\"x()\">Hi</p>\n\n![x](https://t.example/p.gif)\n\n\
             [click](javascript:alert(1)) [ok](https://article39.org.uk)",
        );
        for banned in ["<script", "onclick", "<img", "javascript:"] {
            assert!(!html.contains(banned), "{banned} in {html}");
        }
        assert!(html.contains("href=\"https://article39.org.uk\""));
        assert!(html.contains("rel=\"noopener noreferrer nofollow\""));
    }
}
