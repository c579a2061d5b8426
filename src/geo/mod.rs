//! Where a postcode is: its Westminster constituency (2024 boundaries), the Senedd
//! constituency (2026) that holds it in Wales, its local authority (council) and its nation,
//! from open data built into the binary (`data/geo`, with its sources and licences). Looking a
//! postcode up is a binary search in memory: no allocation, no I/O, no third party.
//!
//! Northern Ireland's postcodes are not in the open data: a `BT` postcode is in Northern
//! Ireland with no constituency, unless an imported table places it.

pub mod hexmap;
mod import;
mod ranges;

use std::collections::HashMap;
use std::io::Read;
use std::sync::{Arc, LazyLock, RwLock};

use crate::domain::records::PlaceCodes;
use crate::domain::{Nation, Postcode};
pub use import::{ImportedPart, PartKind, Provenance, read_mps, read_postcodes};
use ranges::{Found, Ranges, RangesBuilder};

/// A Westminster constituency and its MP.
#[derive(Debug, Clone)]
pub struct Constituency {
    /// Its ONS GSS code (`E14001290`).
    pub code: String,
    pub name: String,
    /// Its Welsh name, for the Welsh seats that have one.
    pub name_cy: Option<String>,
    pub nation: Nation,
    pub mp: Mp,
    /// For a Welsh seat, the Senedd constituency (an index into [`Gazetteer::senedd`]).
    senedd: Option<usize>,
}

impl Constituency {
    /// Its name in `lang`: the Welsh name on a Welsh page where there is one.
    pub fn name_in(&self, welsh: bool) -> &str {
        match (&self.name_cy, welsh) {
            (Some(cy), true) => cy,
            _ => &self.name,
        }
    }
}

/// The sitting MP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mp {
    pub name: String,
    pub party: String,
}

/// A local authority (district or unitary council).
#[derive(Debug, Clone)]
pub struct Council {
    /// Its ONS GSS code (`E09000007`).
    pub code: String,
    pub name: String,
    pub nation: Nation,
}

/// A Senedd constituency (2026): two Westminster seats together. The names are Welsh only.
#[derive(Debug, Clone)]
pub struct SeneddSeat {
    /// No ONS code is published for them yet: the code is the hex map's (`W000010`).
    pub code: String,
    pub number: u8,
    pub name: String,
}

/// Where the data came from and how old it is, as the "About the data" page and the console
/// show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataSource {
    /// The postcode table: embedded, or imported (and when).
    pub postcodes: String,
    /// The date of the list of MPs.
    pub mps_as_of: chrono::NaiveDate,
}

impl DataSource {
    /// The MPs' date, as a day for a page.
    pub fn mps_as_of_day(&self) -> chrono::DateTime<chrono::Utc> {
        self.mps_as_of.and_time(chrono::NaiveTime::MIN).and_utc()
    }
}

/// Where one postcode is.
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    pub constituency: Option<&'a Constituency>,
    pub council: Option<&'a Council>,
    pub nation: Nation,
}

impl Place<'_> {
    /// The codes a signature stores.
    pub fn codes(&self) -> PlaceCodes {
        PlaceCodes {
            constituency: self.constituency.map(|c| c.code.clone()),
            council: self.council.map(|c| c.code.clone()),
        }
    }
}

/// The whole of the geography: constituencies, councils, Senedd seats, and postcodes to each.
pub struct Gazetteer {
    constituencies: Vec<Constituency>,
    constituency_by_code: HashMap<String, u16>,
    councils: Vec<Council>,
    council_by_code: HashMap<String, u16>,
    senedd: Vec<SeneddSeat>,
    constituency_of: Ranges,
    council_of: Ranges,
    pub source: DataSource,
}

const CONSTITUENCIES: &str = include_str!("../../data/geo/constituencies.csv");
const COUNCILS: &str = include_str!("../../data/geo/local_authorities.csv");
const SENEDD: &str = include_str!("../../data/geo/senedd.csv");
const POSTCODE_CONSTITUENCIES: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/postcode_ranges.csv.gz"));
const POSTCODE_COUNCILS: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/postcode_lad_ranges.csv.gz"));
pub const UK_HEXES: &str = include_str!("../../data/geo/uk-constituencies-2024.hexjson");

/// The date of the embedded list of MPs.
const EMBEDDED_MPS_AS_OF: chrono::NaiveDate =
    chrono::NaiveDate::from_ymd_opt(2026, 4, 3).expect("a date");
const EMBEDDED_POSTCODES: &str = "OS Code-Point Open (2023) and ONS Postcode Directory \
     (November 2025), as built into this release";

/// The attribution the data's licences ask to be shown wherever it is used.
pub const ATTRIBUTION: [&str; 10] = [
    "Contains OS data © Crown copyright and database right 2023.",
    "Contains Royal Mail data © Royal Mail copyright and database right 2023.",
    "Contains National Statistics data © Crown copyright and database right 2023.",
    "Contains OS data © Crown copyright and database right 2025.",
    "Contains Royal Mail data © Royal Mail copyright and database right 2025.",
    "Source: Office for National Statistics licensed under the Open Government Licence v.3.0.",
    "Postcode to constituency lookup and constituency codes: mySociety (2025-constituencies), CC BY 4.0.",
    "Local authority names: mySociety (uk_local_authority_names_and_codes), CC BY 4.0.",
    "Contains Parliamentary information licensed under the Open Parliament Licence v3.0.",
    "Hex map layout © Open Innovations, MIT licence. Senedd 2026 hex layout © Martin Chorley, MIT licence.",
];

/// The licences the hex layouts are under (MIT: their text travels with them).
pub const LICENCES: [(&str, &str); 2] = [
    (
        "Hex map layout: MIT licence, © 2017- Open Innovations",
        include_str!("../../data/geo/licences/MIT-odileeds-hexmaps.txt"),
    ),
    (
        "Senedd 2026 hex layout: MIT licence, © 2025 Martin Chorley",
        include_str!("../../data/geo/licences/MIT-martinjc-wales-senedd-2026.txt"),
    ),
];

static EMBEDDED: LazyLock<Arc<Gazetteer>> = LazyLock::new(|| {
    Arc::new(Gazetteer::with_parts(&[]).expect("the geography built into the binary is valid"))
});

fn nation_named(name: &str) -> Result<Nation, String> {
    match name {
        "England" => Ok(Nation::England),
        "Scotland" => Ok(Nation::Scotland),
        "Wales" => Ok(Nation::Wales),
        "Northern Ireland" => Ok(Nation::NorthernIreland),
        other => Err(format!("{other:?} is not a nation of the UK")),
    }
}

fn gunzip(bytes: &[u8]) -> String {
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut text)
        .expect("the embedded table is gzipped UTF-8");
    text
}

/// The rows of a CSV text as records, with the line each starts on.
fn records(text: &str) -> impl Iterator<Item = Result<(u64, csv::StringRecord), String>> + '_ {
    csv::Reader::from_reader(text.as_bytes())
        .into_records()
        .map(|row| {
            let row = row.map_err(|e| e.to_string())?;
            let line = row.position().map_or(0, |p| p.line());
            Ok((line, row))
        })
}

fn field(row: &csv::StringRecord, i: usize) -> &str {
    row.get(i).unwrap_or_default().trim()
}

impl Gazetteer {
    /// The geography built into the binary, loaded once per process.
    pub fn embedded() -> Arc<Self> {
        EMBEDDED.clone()
    }

    /// The built-in geography with the parts an operator imported in place of their
    /// built-in counterparts.
    pub fn with_parts(parts: &[ImportedPart]) -> Result<Self, String> {
        let mut gazetteer = Self::areas(CONSTITUENCIES, COUNCILS, SENEDD)?;
        let find = |kind| parts.iter().find(|p| p.kind == kind);
        gazetteer.constituency_of = match find(PartKind::PostcodeConstituencies) {
            Some(part) => {
                gazetteer.source.postcodes = format!(
                    "{}, as of {} (imported on {})",
                    part.source,
                    part.as_of,
                    part.imported_at.date_naive()
                );
                gazetteer.ranges(&part.csv()?, Area::Constituency)?
            }
            None => gazetteer.ranges(&gunzip(POSTCODE_CONSTITUENCIES), Area::Constituency)?,
        };
        gazetteer.council_of = match find(PartKind::PostcodeCouncils) {
            Some(part) => gazetteer.ranges(&part.csv()?, Area::Council)?,
            None => gazetteer.ranges(&gunzip(POSTCODE_COUNCILS), Area::Council)?,
        };
        if let Some(part) = find(PartKind::Mps) {
            for row in records(&part.csv()?) {
                let (line, row) = row?;
                let i = gazetteer
                    .answer(Area::Constituency, field(&row, 0))
                    .map_err(|e| format!("mps line {line}: {e}"))?
                    .ok_or_else(|| format!("mps line {line}: no code"))?;
                gazetteer.constituencies[usize::from(i)].mp = Mp {
                    name: field(&row, 1).to_owned(),
                    party: field(&row, 2).to_owned(),
                };
            }
            gazetteer.source.mps_as_of = part.as_of;
        }
        Ok(gazetteer)
    }

    /// The constituencies (with their MPs), councils and Senedd seats, with no postcodes yet,
    /// and the built-in data's source.
    fn areas(constituencies: &str, councils: &str, senedd: &str) -> Result<Self, String> {
        let mut senedd_seats: Vec<SeneddSeat> = Vec::new();
        let mut senedd_of_seat: HashMap<String, usize> = HashMap::new();
        for row in records(senedd) {
            let (line, row) = row?;
            let number: u8 = field(&row, 0)
                .parse()
                .map_err(|_| format!("senedd line {line}: no number"))?;
            let index = match senedd_seats.iter().position(|s| s.number == number) {
                Some(index) => index,
                None => {
                    senedd_seats.push(SeneddSeat {
                        number,
                        name: field(&row, 1).to_owned(),
                        code: field(&row, 2).to_owned(),
                    });
                    senedd_seats.len() - 1
                }
            };
            senedd_of_seat.insert(field(&row, 3).to_owned(), index);
        }
        senedd_seats.sort_by_key(|s| s.number);
        let mut gazetteer = Self {
            constituencies: Vec::new(),
            constituency_by_code: HashMap::new(),
            councils: Vec::new(),
            council_by_code: HashMap::new(),
            senedd: Vec::new(),
            constituency_of: Ranges::default(),
            council_of: Ranges::default(),
            source: DataSource {
                postcodes: EMBEDDED_POSTCODES.into(),
                mps_as_of: EMBEDDED_MPS_AS_OF,
            },
        };
        for row in records(constituencies) {
            let (line, row) = row?;
            let code = field(&row, 0).to_owned();
            let nation = nation_named(field(&row, 3))
                .map_err(|e| format!("constituencies line {line}: {e}"))?;
            let name_cy = Some(field(&row, 2))
                .filter(|n| !n.is_empty())
                .map(str::to_owned);
            let senedd = senedd_of_seat
                .get(&code)
                .map(|i| senedd_seats[*i].number)
                .and_then(|n| senedd_seats.iter().position(|s| s.number == n));
            gazetteer
                .constituency_by_code
                .insert(code.clone(), gazetteer.constituencies.len() as u16);
            gazetteer.constituencies.push(Constituency {
                code,
                name: field(&row, 1).to_owned(),
                name_cy,
                nation,
                mp: Mp {
                    name: field(&row, 6).to_owned(),
                    party: field(&row, 7).to_owned(),
                },
                senedd,
            });
        }
        for row in records(councils) {
            let (line, row) = row?;
            let code = field(&row, 0).to_owned();
            let nation =
                nation_named(field(&row, 3)).map_err(|e| format!("councils line {line}: {e}"))?;
            gazetteer
                .council_by_code
                .insert(code.clone(), gazetteer.councils.len() as u16);
            gazetteer.councils.push(Council {
                code,
                name: field(&row, 1).to_owned(),
                nation,
            });
        }
        gazetteer.senedd = senedd_seats;
        Ok(gazetteer)
    }

    /// Runs from a CSV of `first_postcode,code`, in postcode order.
    fn ranges(&self, csv: &str, area: Area) -> Result<Ranges, String> {
        let mut builder = RangesBuilder::default();
        for row in records(csv) {
            let (line, row) = row?;
            let answer = self
                .answer(area, field(&row, 1))
                .map_err(|e| format!("line {line}: {e}"))?;
            builder
                .push(field(&row, 0), answer)
                .map_err(|e| format!("line {line}: {e}"))?;
        }
        Ok(builder.finish())
    }

    /// The index a code stands for (none for an empty code), or why it is refused.
    fn answer(&self, area: Area, code: &str) -> Result<Option<u16>, String> {
        if code.is_empty() {
            return Ok(None);
        }
        let index = match area {
            Area::Constituency => self.constituency_by_code.get(code),
            Area::Council => self.council_by_code.get(code),
        };
        index
            .copied()
            .map(Some)
            .ok_or_else(|| format!("{code} is not a known {}", area.noun()))
    }

    /// Where a postcode is. Unknown parts are `None`; the nation comes from the constituency,
    /// else the council, else the postcode's area (`BT` is Northern Ireland).
    pub fn place(&self, postcode: &Postcode) -> Place<'_> {
        let code = postcode.as_str();
        let constituency = match self.constituency_of.find(code) {
            Found::Listed(Some(i)) => self.constituencies.get(usize::from(i)),
            _ => None,
        };
        let council = match self.council_of.find(code) {
            Found::Listed(Some(i)) => self.councils.get(usize::from(i)),
            _ => None,
        };
        let nation = constituency
            .map(|c| c.nation)
            .or(council.map(|c| c.nation))
            .unwrap_or_else(|| match postcode.area() {
                "BT" => Nation::NorthernIreland,
                _ => Nation::Unknown,
            });
        Place {
            constituency,
            council,
            nation,
        }
    }

    /// Whether the postcode table lists the postcode's sector at all: a postcode that is
    /// not listed may not exist.
    pub fn lists(&self, postcode: &Postcode) -> bool {
        self.constituency_of.find(postcode.as_str()) != Found::NotListed
    }

    pub fn constituency(&self, code: &str) -> Option<&Constituency> {
        let i = self.constituency_by_code.get(code)?;
        self.constituencies.get(usize::from(*i))
    }

    pub fn council(&self, code: &str) -> Option<&Council> {
        let i = self.council_by_code.get(code)?;
        self.councils.get(usize::from(*i))
    }

    /// The Senedd constituency that holds a Westminster seat (Welsh seats only).
    pub fn senedd_of(&self, constituency: &Constituency) -> Option<&SeneddSeat> {
        self.senedd.get(constituency.senedd?)
    }
}

/// The geography in use: the one built in, until an imported table replaces it.
#[derive(Clone)]
pub struct Geography(Arc<RwLock<Arc<Gazetteer>>>);

impl Geography {
    pub fn embedded() -> Self {
        Self(Arc::new(RwLock::new(Gazetteer::embedded())))
    }

    pub fn current(&self) -> Arc<Gazetteer> {
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Puts newer data in place, for every lookup from now on.
    pub fn replace(&self, gazetteer: Gazetteer) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(gazetteer);
    }

    /// Where a signature's postcode places it; nothing for a young signer's, of which only
    /// the district is kept.
    pub fn codes(&self, postcode: Option<&Postcode>, young: bool) -> PlaceCodes {
        match postcode {
            Some(postcode) if !young => self.current().place(postcode).codes(),
            _ => PlaceCodes::default(),
        }
    }
}

#[derive(Clone, Copy)]
enum Area {
    Constituency,
    Council,
}

impl Area {
    fn noun(self) -> &'static str {
        match self {
            Area::Constituency => "constituency",
            Area::Council => "council",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(postcode: &str) -> (Option<String>, Option<String>, Nation) {
        let gazetteer = Gazetteer::embedded();
        let postcode = Postcode::parse(postcode).unwrap();
        let place = gazetteer.place(&postcode);
        (
            place.constituency.map(|c| c.code.clone()),
            place.council.map(|c| c.code.clone()),
            place.nation,
        )
    }

    #[test]
    fn known_postcodes_are_in_their_seats() {
        // Spot checks the data's own documentation gives.
        assert_eq!(place("SW1A 0AA").0.as_deref(), Some("E14001172"));
        assert_eq!(place("cf10 1ep").2, Nation::Wales);
        assert_eq!(place("EH99 1SP").2, Nation::Scotland);
    }

    #[test]
    fn northern_ireland_and_made_up_postcodes_have_no_seat() {
        assert_eq!(place("BT1 1AA"), (None, None, Nation::NorthernIreland));
        assert_eq!(place("ZZ9 9ZZ"), (None, None, Nation::Unknown));
    }

    /// Every postcode of the samples (31 from every seat in Great Britain, 40 with no known
    /// position, and every postcode of five whole seats) is placed as the published tables say.
    #[test]
    fn every_sample_postcode_is_placed_exactly() {
        for file in ["postcodes_sample.csv", "postcodes_whole_constituencies.csv"] {
            let path = format!("{}/tests/fixtures/geo/{file}", env!("CARGO_MANIFEST_DIR"));
            let text = std::fs::read_to_string(&path).unwrap();
            let mut checked = 0;
            for row in records(&text) {
                let (line, row) = row.unwrap();
                let (constituency, council, _) = place(field(&row, 0));
                let expected = |i| Some(field(&row, i).to_owned()).filter(|c| !c.is_empty());
                assert_eq!(constituency, expected(1), "{file} line {line}");
                assert_eq!(council, expected(2), "{file} line {line}");
                checked += 1;
            }
            assert!(checked > 14_000, "{file}: {checked} rows");
        }
    }

    #[test]
    fn welsh_seats_pair_into_senedd_constituencies() {
        let gazetteer = Gazetteer::embedded();
        assert_eq!(gazetteer.senedd.len(), 16);
        let ynys_mon = gazetteer.constituency("W07000112").unwrap();
        let bangor = gazetteer.constituency("W07000083").unwrap();
        let senedd = gazetteer.senedd_of(ynys_mon).unwrap();
        assert_eq!(senedd.name, "Bangor Conwy Môn");
        assert_eq!(gazetteer.senedd_of(bangor).unwrap().code, senedd.code);
        assert_eq!(gazetteer.constituencies.len(), 650);
    }
}
