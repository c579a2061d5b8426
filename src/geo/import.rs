//! Newer data an operator loads (`undersigned geo import`, `undersigned geo mps`): read,
//! checked line by line, and turned into the parts that replace the built-in ones whole. Parts
//! are kept in the database, so every instance of the service uses the same.

use std::io::{Read, Write};

use chrono::{DateTime, NaiveDate, Utc};

use super::ranges::RangesBuilder;
use super::{Area, Gazetteer};
use crate::domain::Postcode;

/// Which part of the geography an imported part replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartKind {
    /// Postcodes to Westminster constituencies, as runs (`first_postcode,code`).
    PostcodeConstituencies,
    /// Postcodes to councils, likewise.
    PostcodeCouncils,
    /// Each constituency's MP (`gss_code,mp_name,mp_party`).
    Mps,
}

impl PartKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PartKind::PostcodeConstituencies => "postcode_constituencies",
            PartKind::PostcodeCouncils => "postcode_councils",
            PartKind::Mps => "mps",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [
            PartKind::PostcodeConstituencies,
            PartKind::PostcodeCouncils,
            PartKind::Mps,
        ]
        .into_iter()
        .find(|k| k.as_str() == raw)
    }
}

/// An imported part, as stored: its CSV gzipped, where it came from and how old it is.
#[derive(Debug, Clone)]
pub struct ImportedPart {
    pub kind: PartKind,
    pub gzipped_csv: Vec<u8>,
    /// What the operator said it is (`ONS Postcode Directory, February 2027`).
    pub source: String,
    /// The date the data describes.
    pub as_of: NaiveDate,
    /// How many postcodes (or constituencies) it was read from.
    pub rows: u64,
    pub imported_at: DateTime<Utc>,
}

impl ImportedPart {
    pub fn csv(&self) -> Result<String, String> {
        let mut text = String::new();
        flate2::read::GzDecoder::new(self.gzipped_csv.as_slice())
            .read_to_string(&mut text)
            .map_err(|e| format!("the stored {} cannot be read: {e}", self.kind.as_str()))?;
        Ok(text)
    }
}

/// Where the data came from and how old it is, for one import.
pub struct Provenance {
    pub source: String,
    pub as_of: NaiveDate,
    pub now: DateTime<Utc>,
}

fn gzip(text: &str) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text.as_bytes())
        .and_then(|()| gz.finish())
        .expect("compressing in memory")
}

fn part(kind: PartKind, csv: &str, rows: u64, from: &Provenance) -> ImportedPart {
    ImportedPart {
        kind,
        gzipped_csv: gzip(csv),
        source: from.source.clone(),
        as_of: from.as_of,
        rows,
        imported_at: from.now,
    }
}

fn line_of(row: &csv::StringRecord) -> u64 {
    row.position().map_or(0, |p| p.line())
}

/// Reads a postcode table, `postcode,pcon24_code[,lad_code]` (a header row is optional),
/// each code one `gazetteer` knows (or empty, for a postcode with no known place), and
/// makes the parts that replace the postcode lookups: the constituencies, and the councils
/// where the file gives them. Refuses the whole file at its first fault, naming the line.
pub fn read_postcodes(
    reader: impl Read,
    gazetteer: &Gazetteer,
    from: &Provenance,
) -> Result<(Vec<ImportedPart>, u64), String> {
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(reader);
    let mut rows: Vec<(String, Option<u16>, Option<u16>)> = Vec::new();
    let mut has_councils = None;
    for row in csv.records() {
        let row = row.map_err(|e| e.to_string())?;
        let line = line_of(&row);
        let cell = |i: usize| row.get(i).unwrap_or_default().trim();
        if line == 1 && cell(0).eq_ignore_ascii_case("postcode") {
            continue;
        }
        let with_council = row.len() >= 3;
        if *has_councils.get_or_insert(with_council) != with_council {
            return Err(format!(
                "line {line}: every line needs the same columns (postcode,pcon24_code[,lad_code])"
            ));
        }
        let postcode =
            Postcode::parse(cell(0)).map_err(|m| format!("line {line}: {:?} {m}", cell(0)))?;
        let constituency = gazetteer
            .answer(Area::Constituency, cell(1))
            .map_err(|m| format!("line {line}: {m}"))?;
        let council = if with_council {
            gazetteer
                .answer(Area::Council, cell(2))
                .map_err(|m| format!("line {line}: {m}"))?
        } else {
            None
        };
        rows.push((postcode.as_str().to_owned(), constituency, council));
    }
    if rows.is_empty() {
        return Err("the file holds no postcodes".into());
    }
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    if let Some(pair) = rows.windows(2).find(|pair| pair[0].0 == pair[1].0) {
        return Err(format!("{} is in the file twice", pair[0].0));
    }
    let count = rows.len() as u64;
    let mut constituencies = RangesBuilder::default();
    let mut councils = RangesBuilder::default();
    for (postcode, constituency, council) in &rows {
        constituencies.push(postcode, *constituency)?;
        councils.push(postcode, *council)?;
    }
    let write = |ranges: super::ranges::Ranges, code: &dyn Fn(u16) -> String| {
        let mut text = String::from("first_postcode,code\n");
        for (postcode, answer) in ranges.each() {
            text.push_str(postcode);
            text.push(',');
            if let Some(answer) = answer {
                text.push_str(&code(answer));
            }
            text.push('\n');
        }
        text
    };
    let mut parts = vec![part(
        PartKind::PostcodeConstituencies,
        &write(constituencies.finish(), &|i| {
            gazetteer.constituencies[usize::from(i)].code.clone()
        }),
        count,
        from,
    )];
    if has_councils == Some(true) {
        parts.push(part(
            PartKind::PostcodeCouncils,
            &write(councils.finish(), &|i| {
                gazetteer.councils[usize::from(i)].code.clone()
            }),
            count,
            from,
        ));
    }
    Ok((parts, count))
}

/// Reads a list of MPs: a CSV with a header naming `gss_code`, `mp_name` and `mp_party`
/// (as the built-in constituencies.csv does), naming every one of the 650 constituencies
/// (an empty name for a vacant seat). Refuses the whole file at its first fault.
pub fn read_mps(
    reader: impl Read,
    gazetteer: &Gazetteer,
    from: &Provenance,
) -> Result<ImportedPart, String> {
    let mut csv = csv::Reader::from_reader(reader);
    let headers = csv.headers().map_err(|e| e.to_string())?.clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim() == name)
            .ok_or_else(|| format!("the header row has no {name} column"))
    };
    let (code_at, name_at, party_at) =
        (column("gss_code")?, column("mp_name")?, column("mp_party")?);
    let mut seen = vec![false; gazetteer.constituencies.len()];
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(["gss_code", "mp_name", "mp_party"])
        .map_err(|e| e.to_string())?;
    for row in csv.records() {
        let row = row.map_err(|e| e.to_string())?;
        let line = line_of(&row);
        let cell = |i: usize| row.get(i).unwrap_or_default().trim();
        let index = gazetteer
            .answer(Area::Constituency, cell(code_at))
            .map_err(|m| format!("line {line}: {m}"))?
            .ok_or_else(|| format!("line {line}: no constituency code"))?;
        if std::mem::replace(&mut seen[usize::from(index)], true) {
            return Err(format!("line {line}: {} is named twice", cell(code_at)));
        }
        for (what, i) in [("name", name_at), ("party", party_at)] {
            if cell(i).chars().any(char::is_control) || cell(i).chars().count() > 200 {
                return Err(format!("line {line}: the MP's {what} is not a name"));
            }
        }
        out.write_record([cell(code_at), cell(name_at), cell(party_at)])
            .map_err(|e| e.to_string())?;
    }
    let missing = seen.iter().filter(|s| !**s).count();
    if missing > 0 {
        return Err(format!(
            "{missing} constituencies are missing: the list replaces the whole of the current one"
        ));
    }
    let text = String::from_utf8(out.into_inner().map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    Ok(part(PartKind::Mps, &text, seen.len() as u64, from))
}
