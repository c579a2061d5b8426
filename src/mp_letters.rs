//! A hand-in to each MP: for the constituencies with enough signatures (or those chosen), one
//! letter per MP ("412 of your constituents in Ynys Môn have signed …") to print, the same as
//! an email draft addressed to the MP by name, with the constituents' names only where they
//! agreed to be listed, and a spreadsheet of MP, constituency and count for a mail merge; all
//! in one zip.

use std::collections::HashMap;
use std::io::Write;

use serde::Serialize;

use crate::areas::{AreaSet, count_now};
use crate::domain::{AreaCode, Campaign, Identity, Lang};
use crate::error::{ApiError, Conflict};
use crate::geo::Geography;
use crate::letter::neutralise;
use crate::store::Store;
use crate::templates::Templates;

/// Which constituencies get a letter.
pub struct Choice {
    /// Those with at least this many signatures.
    pub at_least: u64,
    /// Only these, where given.
    pub only: Option<Vec<AreaCode>>,
}

/// The columns of the mail-merge spreadsheet, in order.
pub const CSV_COLUMNS: [&str; 8] = [
    "mp_name",
    "mp_party",
    "constituency_code",
    "constituency",
    "nation",
    "signatures",
    "named",
    "letter",
];

#[derive(Serialize)]
struct MpLetter<'a> {
    lang: Lang,
    date: String,
    mp: &'a str,
    constituency: &'a str,
    count: u64,
    title: &'a str,
    recipient: Option<&'a str>,
    body_html: String,
    body_text: String,
    names: &'a [String],
    /// Those who signed without agreeing to be named.
    unnamed: u64,
    organiser: &'a str,
}

/// A file name of plain ASCII letters, digits and hyphens: `ynys-mon`.
fn file_stem(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let ascii: String = name
        .nfkd()
        .filter(char::is_ascii)
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    ascii
        .split('-')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// The zip of letters, drafts and the spreadsheet, and how many letters it holds. A choice
/// that leaves no constituency is refused (409), so no one downloads an empty zip.
pub async fn mp_letters(
    store: &dyn Store,
    geography: &Geography,
    templates: &Templates,
    campaign: &Campaign,
    organiser: &Identity,
    choice: &Choice,
) -> Result<(Vec<u8>, usize), ApiError> {
    let counts = count_now(store, geography, campaign.id, AreaSet::Constituencies).await?;
    let chosen: Vec<_> = counts
        .items
        .iter()
        .filter(|item| item.mp.is_some() && item.count >= choice.at_least)
        .filter(|item| {
            choice
                .only
                .as_ref()
                .is_none_or(|only| only.iter().any(|c| c.as_str() == item.code))
        })
        .collect();
    if chosen.is_empty() {
        // A state of the campaign, not a fault in the request: asked again later, it may
        // have signatures enough.
        return Err(ApiError::Conflict(Conflict::NotReady(
            "no constituency chosen has that many signatures yet: choose fewer signatures or other constituencies",
        )));
    }
    let mut names: HashMap<String, Vec<String>> = HashMap::new();
    for (code, name) in store
        .listed_names_by_constituency(campaign.id, campaign.kind.lists_signatories())
        .await?
    {
        names.entry(code).or_default().push(name);
    }
    let lang = campaign.signers.lang;
    let words = campaign.words(lang);
    let date = crate::i18n::day(lang, crate::store::now());
    let organiser_name = organiser.name.as_ref().map_or("", |n| n.as_str());
    let welsh = lang == Lang::Cy;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut sheet = csv::Writer::from_writer(Vec::new());
    sheet
        .write_record(CSV_COLUMNS)
        .map_err(ApiError::internal)?;
    let none = Vec::new();
    for item in &chosen {
        let Some(mp) = item.mp.as_ref() else { continue };
        let listed = names.get(&item.code).unwrap_or(&none);
        let constituency = item.name_in(welsh);
        let letter = MpLetter {
            lang,
            date: date.clone(),
            mp: &mp.name,
            constituency,
            count: item.count,
            title: words.title.text,
            recipient: words.recipient.map(|r| r.text),
            body_html: crate::markdown::to_safe_html(words.body.text),
            body_text: crate::markdown::to_plain_text(words.body.text),
            names: listed,
            unnamed: item.count.saturating_sub(listed.len() as u64),
            organiser: organiser_name,
        };
        let stem = format!("{}-{}", item.code, file_stem(&item.name));
        let html = templates
            .render("mp/letter.html", &letter)
            .map_err(ApiError::internal)?;
        let text = templates
            .render("mp/email.txt", &letter)
            .map_err(ApiError::internal)?;
        let letter_file = format!("letters/{stem}.html");
        for (name, bytes) in [
            (letter_file.clone(), html.as_bytes()),
            (format!("emails/{stem}.txt"), text.as_bytes()),
        ] {
            zip.start_file(name, options).map_err(ApiError::internal)?;
            zip.write_all(bytes).map_err(ApiError::internal)?;
        }
        sheet
            .write_record([
                neutralise(&mp.name).as_ref(),
                neutralise(&mp.party).as_ref(),
                &item.code,
                neutralise(constituency).as_ref(),
                item.nation,
                &item.count.to_string(),
                &listed.len().to_string(),
                &letter_file,
            ])
            .map_err(ApiError::internal)?;
    }
    let sheet = sheet.into_inner().map_err(ApiError::internal)?;
    zip.start_file("mps.csv", options)
        .map_err(ApiError::internal)?;
    zip.write_all(&sheet).map_err(ApiError::internal)?;
    let zip = zip.finish().map_err(ApiError::internal)?.into_inner();
    Ok((zip, chosen.len()))
}

#[cfg(test)]
mod tests {
    use super::file_stem;

    #[test]
    fn file_names_are_plain_ascii() {
        assert_eq!(file_stem("Ynys Môn"), "ynys-mon");
        assert_eq!(file_stem("Na h-Eileanan an Iar"), "na-h-eileanan-an-iar");
        assert_eq!(
            file_stem("Brecon, Radnor and Cwm Tawe"),
            "brecon-radnor-and-cwm-tawe"
        );
    }
}
