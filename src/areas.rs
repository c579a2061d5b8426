//! Where the signers are: a campaign's count by Westminster constituency (with each MP), by
//! Senedd constituency and by council, and where one postcode is. The counts read the place
//! each signature stored when it was taken, so they do not move when the data is updated.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use uuid::Uuid;

use crate::domain::{Nation, Postcode};
use crate::error::ApiError;
use crate::geo::{Gazetteer, Geography};
use crate::store::{AreaKind, Store, StoreError};

/// The areas a campaign's count is split by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AreaSet {
    /// Westminster constituencies (2024 boundaries), each with its MP.
    Constituencies,
    /// Senedd constituencies (2026): Welsh signatures only.
    Senedd,
    /// Local authorities.
    Councils,
}

/// The code of the item that counts postcodes the data places nowhere.
pub const UNKNOWN: &str = "unknown";

/// How long a campaign's counts by area are reused: they are a grouping over its signatures,
/// too dear to run for every reader of a popular page.
const REUSED_FOR: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Serialize)]
pub struct MpView {
    pub name: String,
    pub party: String,
}

/// One area and how many signed there.
#[derive(Debug, Clone, Serialize)]
pub struct AreaCount {
    pub code: String,
    pub name: String,
    /// The Welsh name, where the area has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_cy: Option<String>,
    /// `england`, `scotland`, `wales`, `northern_ireland`, or `unknown`.
    pub nation: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mp: Option<MpView>,
    pub count: u64,
}

impl AreaCount {
    /// Its name on a page in Welsh or English.
    pub fn name_in(&self, welsh: bool) -> &str {
        match (&self.name_cy, welsh) {
            (Some(cy), true) => cy,
            _ => &self.name,
        }
    }
}

/// A campaign's count by area.
#[derive(Debug, Clone, Serialize)]
pub struct AreaCounts {
    /// The date of the list of MPs the names come from.
    pub data_date: String,
    /// Where the postcode table came from.
    pub data_source: String,
    /// Every area with at least one confirmed signature, most first; postcodes placed
    /// nowhere last, as `unknown`.
    pub items: Vec<AreaCount>,
}

/// Each campaign's counts by each set of areas, with when they were counted.
type Kept = HashMap<(Uuid, AreaSet), (Instant, Arc<AreaCounts>)>;

/// Counts by area, each kept for a little while.
#[derive(Default)]
pub struct AreaCounter {
    kept: Mutex<Kept>,
}

impl AreaCounter {
    pub async fn counts(
        &self,
        store: &dyn Store,
        geography: &Geography,
        campaign_id: Uuid,
        set: AreaSet,
    ) -> Result<Arc<AreaCounts>, ApiError> {
        let key = (campaign_id, set);
        if let Some((at, counts)) = self.lock().get(&key)
            && at.elapsed() < REUSED_FOR
        {
            return Ok(counts.clone());
        }
        let counts = Arc::new(count_now(store, geography, campaign_id, set).await?);
        let mut kept = self.lock();
        kept.retain(|_, (at, _)| at.elapsed() < REUSED_FOR);
        kept.insert(key, (Instant::now(), counts.clone()));
        Ok(counts)
    }

    /// Drops what is kept of a campaign, after a change that must show at once (signatures
    /// invalidated or restored, here).
    pub fn forget(&self, campaign_id: Uuid) {
        self.lock().retain(|(id, _), _| *id != campaign_id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Kept> {
        self.kept.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A campaign's counts by area as they are now (for a hand-in, which must not be behind).
pub async fn count_now(
    store: &dyn Store,
    geography: &Geography,
    campaign_id: Uuid,
    set: AreaSet,
) -> Result<AreaCounts, StoreError> {
    let kind = match set {
        AreaSet::Constituencies | AreaSet::Senedd => AreaKind::Constituency,
        AreaSet::Councils => AreaKind::Council,
    };
    let rows = store.count_by_area(campaign_id, kind).await?;
    Ok(count_by(&geography.current(), set, rows))
}

/// The columns of counts by area as CSV, in order (part of the contract).
pub const CSV_COLUMNS: [&str; 6] = ["code", "name", "nation", "mp_name", "mp_party", "count"];

/// Counts by area as CSV (RFC 4180), safe to open in a spreadsheet.
pub fn to_csv(counts: &AreaCounts) -> Result<Vec<u8>, csv::Error> {
    use crate::letter::neutralise;
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(CSV_COLUMNS)?;
    for item in &counts.items {
        let (mp_name, mp_party) = item
            .mp
            .as_ref()
            .map_or(("", ""), |mp| (mp.name.as_str(), mp.party.as_str()));
        out.write_record([
            neutralise(&item.code).as_ref(),
            neutralise(&item.name).as_ref(),
            item.nation,
            neutralise(mp_name).as_ref(),
            neutralise(mp_party).as_ref(),
            &item.count.to_string(),
        ])?;
    }
    out.into_inner().map_err(|e| e.into_error().into())
}

/// Names and sorts grouped counts: each code with its area's name (and MP), a Senedd seat
/// as the sum of its two Westminster seats.
fn count_by(gazetteer: &Gazetteer, set: AreaSet, rows: Vec<(Option<String>, u64)>) -> AreaCounts {
    let mut items: Vec<AreaCount> = Vec::new();
    let mut unknown = 0;
    let mut senedd: HashMap<String, AreaCount> = HashMap::new();
    for (code, count) in rows {
        let code = code.unwrap_or_default();
        match set {
            AreaSet::Constituencies => match gazetteer.constituency(&code) {
                Some(c) => items.push(AreaCount {
                    code: c.code.clone(),
                    name: c.name.clone(),
                    name_cy: c.name_cy.clone(),
                    nation: c.nation.key(),
                    mp: Some(MpView {
                        name: c.mp.name.clone(),
                        party: c.mp.party.clone(),
                    }),
                    count,
                }),
                None => unknown += count,
            },
            AreaSet::Councils => match gazetteer.council(&code) {
                Some(c) => items.push(AreaCount {
                    code: c.code.clone(),
                    name: c.name.clone(),
                    name_cy: None,
                    nation: c.nation.key(),
                    mp: None,
                    count,
                }),
                None => unknown += count,
            },
            AreaSet::Senedd => {
                let seat = gazetteer
                    .constituency(&code)
                    .and_then(|c| gazetteer.senedd_of(c));
                if let Some(seat) = seat {
                    senedd
                        .entry(seat.code.clone())
                        .or_insert_with(|| AreaCount {
                            code: seat.code.clone(),
                            name: seat.name.clone(),
                            name_cy: None,
                            nation: Nation::Wales.key(),
                            mp: None,
                            count: 0,
                        })
                        .count += count;
                }
            }
        }
    }
    items.extend(senedd.into_values());
    items.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
    if unknown > 0 {
        items.push(AreaCount {
            code: UNKNOWN.into(),
            name: "Unknown".into(),
            name_cy: Some("Anhysbys".into()),
            nation: Nation::Unknown.key(),
            mp: None,
            count: unknown,
        });
    }
    AreaCounts {
        data_date: gazetteer.source.mps_as_of.to_string(),
        data_source: gazetteer.source.postcodes.clone(),
        items,
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct NamedArea {
    pub code: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_cy: Option<String>,
}

/// Where one postcode is (`GET /v1/postcodes/{postcode}`).
#[derive(Debug, Clone, Serialize)]
pub struct PostcodePlace {
    pub postcode: String,
    pub constituency: Option<NamedArea>,
    pub mp: Option<MpView>,
    pub council: Option<NamedArea>,
    pub senedd: Option<NamedArea>,
    pub nation: &'static str,
}

/// Looks a postcode up: refused where it is not a postcode, not found where the data does
/// not list it (a Northern Ireland postcode is in Northern Ireland, placed no further).
pub fn look_up(geography: &Geography, raw: &str) -> Result<PostcodePlace, ApiError> {
    let postcode = Postcode::parse(raw).map_err(|m| ApiError::field("postcode", m))?;
    let gazetteer = geography.current();
    let place = gazetteer.place(&postcode);
    if !gazetteer.lists(&postcode) && place.nation != Nation::NorthernIreland {
        return Err(ApiError::NotFound);
    }
    let constituency = place.constituency;
    Ok(PostcodePlace {
        postcode: postcode.as_str().to_owned(),
        constituency: constituency.map(|c| NamedArea {
            code: c.code.clone(),
            name: c.name.clone(),
            name_cy: c.name_cy.clone(),
        }),
        mp: constituency.map(|c| MpView {
            name: c.mp.name.clone(),
            party: c.mp.party.clone(),
        }),
        council: place.council.map(|c| NamedArea {
            code: c.code.clone(),
            name: c.name.clone(),
            name_cy: None,
        }),
        senedd: constituency
            .and_then(|c| gazetteer.senedd_of(c))
            .map(|s| NamedArea {
                code: s.code.clone(),
                name: s.name.clone(),
                name_cy: None,
            }),
        nation: place.nation.key(),
    })
}

/// How many signatures are placed per transaction.
const PLACED_AT_ONCE: u32 = 500;

/// Looks up the place of every signature not yet placed (those taken before places were
/// kept, or all of them after `unplace_all`); how many.
pub async fn place_unplaced(store: &dyn Store, geography: &Geography) -> Result<u64, StoreError> {
    let mut placed = 0;
    loop {
        let batch = store.unplaced(PLACED_AT_ONCE).await?;
        if batch.is_empty() {
            return Ok(placed);
        }
        let places: Vec<_> = batch
            .into_iter()
            .map(|(id, postcode)| {
                let postcode = Postcode::parse(&postcode).ok();
                (id, geography.codes(postcode.as_ref(), false))
            })
            .collect();
        store.set_places(&places).await?;
        placed += places.len() as u64;
    }
}

/// Places, in the background, the signatures taken before places were kept.
pub fn spawn_placing(store: Arc<dyn Store>, geography: Geography) {
    tokio::spawn(async move {
        match place_unplaced(store.as_ref(), &geography).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(placed = n, "placed earlier signatures by their postcodes"),
            Err(e) => {
                tracing::warn!(error = %e, "placing earlier signatures failed; retried at the next start")
            }
        }
    });
}

/// The geography in use: the built-in one, with whatever an operator imported in its place.
/// Imported data that cannot be read is logged and the built-in data used, so that a bad
/// import never stops the service.
pub async fn load_geography(store: &dyn Store) -> Geography {
    let geography = Geography::embedded();
    reload(store, &geography).await;
    geography
}

async fn reload(store: &dyn Store, geography: &Geography) {
    let parts = match store.imported_geography().await {
        Ok(parts) if parts.is_empty() => return,
        Ok(parts) => parts,
        Err(e) => {
            tracing::error!(error = %e, "the imported postcode data could not be read");
            return;
        }
    };
    match Gazetteer::with_parts(&parts) {
        Ok(gazetteer) => {
            tracing::info!(postcodes = %gazetteer.source.postcodes, mps_as_of = %gazetteer.source.mps_as_of, "imported geography in use");
            geography.replace(gazetteer);
        }
        Err(e) => {
            tracing::error!(error = %e, "the imported postcode data is not valid; the built-in data is used")
        }
    }
}

/// Looks every `every` for data imported since (by this or another instance's operator), and
/// puts it in place.
pub fn spawn_geography_refresh(store: Arc<dyn Store>, geography: Geography, every: Duration) {
    tokio::spawn(async move {
        let mut seen = store.geography_imported_at().await.ok();
        let mut ticks = tokio::time::interval(every);
        ticks.tick().await;
        loop {
            ticks.tick().await;
            let Ok(now) = store.geography_imported_at().await else {
                continue;
            };
            if seen.as_ref() != Some(&now) {
                reload(store.as_ref(), &geography).await;
                seen = Some(now);
            }
        }
    });
}

/// What an import put in place.
pub struct Imported {
    /// Postcodes (or constituencies) read.
    pub rows: u64,
    pub parts: Vec<&'static str>,
}

/// `undersigned geo import`: a newer postcode table in place of the current one, for every
/// instance. Refused whole, naming the line, at its first fault.
pub async fn import_postcodes(
    store: &dyn Store,
    file: impl std::io::Read,
    from: &crate::geo::Provenance,
) -> Result<Imported, ApiError> {
    let (parts, rows) = crate::geo::read_postcodes(file, &Gazetteer::embedded(), from)
        .map_err(|m| ApiError::field("file", m))?;
    store.import_geography(&parts).await?;
    Ok(Imported {
        rows,
        parts: parts.iter().map(|p| p.kind.as_str()).collect(),
    })
}

/// `undersigned geo mps`: a newer list of MPs in place of the current one.
pub async fn import_mps(
    store: &dyn Store,
    file: impl std::io::Read,
    from: &crate::geo::Provenance,
) -> Result<Imported, ApiError> {
    let part = crate::geo::read_mps(file, &Gazetteer::embedded(), from)
        .map_err(|m| ApiError::field("file", m))?;
    store.import_geography(std::slice::from_ref(&part)).await?;
    Ok(Imported {
        rows: part.rows,
        parts: vec![part.kind.as_str()],
    })
}
