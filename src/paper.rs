//! Signatures collected on paper, entered by the organisers from a sheet (or a CSV of many
//! sheets): placed by postcode, deduplicated by email against every signature of the
//! campaign, counted at once and counted apart. The API and the console call these.

use serde::Deserialize;

use crate::counts::LiveCounts;
use crate::domain::{Campaign, CampaignStatus, FieldError, PaperEntry, PaperEntryForm, User};
use crate::error::{ApiError, Conflict};
use crate::geo::Geography;
use crate::store::{self, PaperBatch, PaperRecorded, Store};

/// Records the entries, all or none: every fault of every entry is answered at once.
pub async fn enter(
    store: &dyn Store,
    geography: &Geography,
    live: &LiveCounts,
    campaign: &Campaign,
    by: &User,
    forms: Vec<PaperEntryForm>,
) -> Result<PaperRecorded, ApiError> {
    let now = store::now();
    if campaign.status_at(now) == CampaignStatus::Draft {
        return Err(ApiError::Conflict(Conflict::NotReady(
            "the campaign is a draft: open it before entering paper signatures",
        )));
    }
    let entries = PaperEntry::parse_all(forms, now.date_naive()).map_err(ApiError::Validation)?;
    if !campaign.signers.young_signers {
        let aged: Vec<FieldError> = (entries.iter().enumerate())
            .filter(|(_, e)| e.age_band.is_some())
            .map(|(i, _)| {
                FieldError::new(
                    format!("entries[{i}].age_band"),
                    "is for campaigns that welcome young signers, and this one does not",
                )
            })
            .collect();
        if !aged.is_empty() {
            return Err(ApiError::Validation(aged));
        }
    }
    let places: Vec<_> = entries
        .iter()
        .map(|e| {
            let young = e.age_band.is_some_and(|b| b.is_young());
            geography.codes(Some(&e.postcode), young)
        })
        .collect();
    let recorded = store
        .record_paper(&PaperBatch {
            campaign_id: campaign.id,
            lang: campaign.signers.lang,
            consent_version: campaign.consent.version,
            text_version: campaign.text_version.number,
            entries: &entries,
            places: &places,
            entered_by: by.id,
            now,
        })
        .await?;
    live.changed(campaign.id);
    let sheets: std::collections::BTreeSet<&str> =
        entries.iter().map(|e| e.sheet.as_str()).collect();
    crate::audit::record(
        store,
        Some(by.id),
        "paper_entered",
        campaign.id,
        None,
        recorded.added,
        serde_json::json!({
            "sheets": sheets,
            "added": recorded.added,
            "already_signed": recorded.already_signed,
        })
        .to_string(),
    )
    .await;
    Ok(recorded)
}

/// One row of a CSV of paper entries, as a spreadsheet writes it: ticks as `yes`, `y`,
/// `true`, `1` or `x`, anything else (an empty cell included) as no.
#[derive(Debug, Deserialize)]
struct CsvRow {
    name: String,
    postcode: String,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    contact: Option<String>,
    #[serde(default)]
    public: Option<String>,
    sheet: String,
    collected_on: String,
    #[serde(default)]
    age_band: Option<String>,
    #[serde(default)]
    parent_signed: Option<String>,
}

fn ticked(cell: Option<&str>) -> bool {
    cell.is_some_and(|c| {
        matches!(
            c.trim().to_ascii_lowercase().as_str(),
            "yes" | "y" | "true" | "1" | "x"
        )
    })
}

/// The columns a CSV of paper entries has (in any order; the last four may be left out).
pub const CSV_COLUMNS: [&str; 9] = [
    "name",
    "postcode",
    "email",
    "contact",
    "public",
    "sheet",
    "collected_on",
    "age_band",
    "parent_signed",
];

/// Reads a CSV of paper entries (a header row, then one entry a row); a row it cannot read
/// is refused naming its line.
pub fn read_csv(body: &[u8]) -> Result<Vec<PaperEntryForm>, ApiError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| ApiError::MalformedBody("the CSV is not UTF-8 text".into()))?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let mut forms = Vec::new();
    for (i, row) in reader.deserialize::<CsvRow>().enumerate() {
        let row = row.map_err(|e| {
            ApiError::field(
                "entries",
                format!(
                    "line {} of the CSV cannot be read ({e}); the columns are {}",
                    i + 2,
                    CSV_COLUMNS.join(",")
                ),
            )
        })?;
        forms.push(PaperEntryForm {
            name: row.name,
            postcode: row.postcode,
            email: row.email,
            contact: ticked(row.contact.as_deref()),
            public: ticked(row.public.as_deref()),
            sheet: row.sheet,
            collected_on: row.collected_on,
            age_band: row.age_band,
            parent_signed: ticked(row.parent_signed.as_deref()),
        });
    }
    Ok(forms)
}
