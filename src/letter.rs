//! The letter (or petition) as it is handed in: its text with its public signatories,
//! organisations first, as Markdown or as a printable page; and the cells of the spreadsheets
//! that carry signatories, made safe to open.

use serde::Serialize;

use crate::domain::{Campaign, Identity, Lang, SignatoryType};
use crate::error::ApiError;
use crate::store::{PublicSignatory, Store};
use crate::templates::{OrganiserView, Templates};

/// OWASP's advice against CSV injection: a cell a spreadsheet would read as a formula
/// (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) is prefixed with `'`, which
/// the spreadsheet shows as text and hides.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// Text a signer typed, made literal in Markdown: every ASCII punctuation character is
/// backslash-escaped (CommonMark allows it for all of them), so no tag, link, emphasis or
/// list marker a signer typed takes effect.
fn escape_markdown(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_punctuation() {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// "Name, Role, Organisation", each part escaped for the format it goes into.
fn signed_by(s: &PublicSignatory, escape: fn(&str) -> String) -> String {
    [
        Some(s.name.as_str()),
        s.role.as_deref(),
        s.organisation.as_deref(),
    ]
    .into_iter()
    .flatten()
    .map(escape)
    .collect::<Vec<_>>()
    .join(", ")
}

/// The letter's whole style, inline so that the page stands alone when saved or printed (the
/// console allows it by its hash).
pub const LETTER_STYLE: &str = "body{font-family:Georgia,serif;max-width:42rem;margin:2rem auto;\
    padding:0 1rem;line-height:1.5}@media print{body{margin:0}}";

/// Every public signatory of the campaign (for a letter or pledge, those approved),
/// organisations first, as the letter and a hand-in list them.
pub async fn all_public_signatories(
    store: &dyn Store,
    campaign: &Campaign,
) -> Result<Vec<PublicSignatory>, ApiError> {
    let approved_only = campaign.kind.lists_signatories();
    let mut signatories = Vec::new();
    loop {
        let page = store
            .public_signatories(campaign.id, approved_only, signatories.len() as u64, 500)
            .await?;
        let done = page.len() < 500;
        signatories.extend(page);
        if done {
            return Ok(signatories);
        }
    }
}

fn by_type(signatories: &[PublicSignatory]) -> [(&'static str, Vec<&PublicSignatory>); 2] {
    let (organisations, individuals): (Vec<_>, Vec<_>) = signatories
        .iter()
        .partition(|s| s.signatory_type == SignatoryType::Organisation);
    [
        ("Organisations", organisations),
        ("Individuals", individuals),
    ]
}

pub fn letter_markdown(campaign: &Campaign, signatories: &[PublicSignatory]) -> String {
    let mut text = format!("# {}\n\n", campaign.title.as_str());
    if let Some(to) = &campaign.recipient {
        text.push_str(&format!("To: {}\n\n", to.as_str()));
    }
    text.push_str(campaign.body.as_str());
    text.push_str("\n\n## Signed by\n");
    for (heading, list) in by_type(signatories) {
        if !list.is_empty() {
            text.push_str(&format!("\n### {heading}\n\n"));
            for s in list {
                text.push_str(&format!("- {}\n", signed_by(s, escape_markdown)));
            }
        }
    }
    text
}

/// `templates/pages/letter.html`.
#[derive(Serialize)]
struct LetterPage<'a> {
    lang: Lang,
    title: &'a str,
    recipient: Option<&'a str>,
    /// Paragraphs (the text's blank-line breaks), each as its lines.
    paragraphs: Vec<Vec<&'a str>>,
    groups: Vec<LetterGroup>,
    style: &'static str,
    organiser: OrganiserView,
    framed: bool,
}

#[derive(Serialize)]
struct LetterGroup {
    heading: &'static str,
    items: Vec<String>,
}

/// The letter (or petition) with its public signatories as a page that stands alone, to read,
/// save or print: its style inline, no script, nothing loaded from elsewhere.
pub fn letter_html(
    templates: &Templates,
    campaign: &Campaign,
    signatories: &[PublicSignatory],
    organiser: &Identity,
) -> Result<String, ApiError> {
    let page = LetterPage {
        lang: Lang::En,
        title: campaign.title.as_str(),
        recipient: campaign.recipient.as_ref().map(|r| r.as_str()),
        paragraphs: campaign
            .body
            .as_str()
            .split("\n\n")
            .map(|p| p.split('\n').collect())
            .collect(),
        groups: by_type(signatories)
            .into_iter()
            .filter(|(_, list)| !list.is_empty())
            .map(|(heading, list)| LetterGroup {
                heading,
                items: list.iter().map(|s| signed_by(s, str::to_owned)).collect(),
            })
            .collect(),
        style: LETTER_STYLE,
        organiser: OrganiserView::from(organiser),
        framed: false,
    };
    templates
        .render("pages/letter.html", &page)
        .map_err(ApiError::internal)
}

/// The public list as a spreadsheet: never an email, never a postcode beyond its area.
pub fn signatories_csv(signatories: &[PublicSignatory]) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(b"\xEF\xBB\xBF".to_vec());
    writer
        .write_record(["name", "organisation", "role", "area", "signed"])
        .expect("writing to memory");
    for s in signatories {
        let cells = [
            s.name.as_str(),
            s.organisation.as_deref().unwrap_or(""),
            s.role.as_deref().unwrap_or(""),
            s.area(),
            &s.signed_at.format("%Y-%m-%d").to_string(),
        ];
        writer
            .write_record(cells.iter().map(|c| neutralise(c).into_owned()))
            .expect("writing to memory");
    }
    writer.into_inner().expect("writing to memory")
}

/// The paper sheets a count includes, for a hand-in: each sheet's reference (as the
/// organisers wrote it, made safe to open in a spreadsheet), the day it was collected and how
/// many of its signatures count.
pub fn paper_sheets_csv(sheets: &[crate::store::PaperSheet]) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(b"\xEF\xBB\xBF".to_vec());
    writer.write_record(["sheet", "collected_on", "signatures"])?;
    for s in sheets {
        writer.write_record([
            neutralise(&s.sheet).into_owned(),
            s.collected_on.clone(),
            s.count.to_string(),
        ])?;
    }
    writer.into_inner().map_err(|e| e.into_error().into())
}

/// The reasons for signing the organisers featured, for a hand-in: each as the page shows it
/// (a first name and constituency, or nothing), made safe to open in a spreadsheet.
pub fn reasons_csv(reasons: &[crate::reasons::PublicReason]) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(b"\xEF\xBB\xBF".to_vec());
    writer.write_record(["reason", "first_name", "constituency"])?;
    for r in reasons {
        writer.write_record([
            neutralise(&r.text).into_owned(),
            neutralise(r.first_name.as_deref().unwrap_or("")).into_owned(),
            r.constituency.clone().unwrap_or_default(),
        ])?;
    }
    writer.into_inner().map_err(|e| e.into_error().into())
}

/// What shows a signer in a hand-in's files, and what replaces it when they leave (`label`,
/// such as "[erased on request]"): their line in `letter.html` and their row in
/// `signatories.csv`.
pub fn erased_from_listing(signer: &PublicSignatory, label: &str) -> Vec<(String, String)> {
    let row = |s: &PublicSignatory| {
        let csv = String::from_utf8(signatories_csv(std::slice::from_ref(s))).unwrap_or_default();
        // After the byte-order mark and the header line.
        csv.split_once("\r\n")
            .map(|(_, row)| row.to_owned())
            .unwrap_or_default()
    };
    let blank = PublicSignatory {
        name: label.to_owned(),
        role: None,
        organisation: None,
        website: None,
        postcode_area: None,
        country: String::new(),
        ..signer.clone()
    };
    vec![
        (
            format!(
                "<li>{}</li>",
                crate::templates::escaped(&signed_by(signer, str::to_owned))
            ),
            format!("<li>{}</li>", crate::templates::escaped(label)),
        ),
        (row(signer), row(&blank)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised_and_names_are_not() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        for risky in ["+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(neutralise(risky).starts_with('\''), "{risky:?}");
        }
        for name in ["Siân", "Zoë", "محمد", "李雷", "O'Brien", "Anne-Marie"] {
            assert_eq!(neutralise(name), name);
        }
    }
}
